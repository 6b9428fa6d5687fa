//! One connection as the rest of the instance sees it: its handle (who, which session, what
//! they may see), its bounded outgoing queue, the signal that closes it, the close codes, and
//! the writer task that owns the socket.

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};

use actix_ws::{CloseCode, CloseReason, Session};
use bytestring::ByteString;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::metrics::LiveMetrics;
use crate::domain::room_visibility::Viewer;

/// Close codes of the protocol.
pub mod close_code {
    pub const GOING_AWAY: u16 = 1001;
    pub const TOO_BIG: u16 = 1009;
    pub const IDLE: u16 = 4000;
    pub const SLOW_CONSUMER: u16 = 4008;
    pub const UNAUTHENTICATED: u16 = 4401;
    pub const FORBIDDEN: u16 = 4403;
    pub const NO_SESSION: u16 = 4404;
    pub const NO_HELLO: u16 = 4408;
    pub const TOO_MANY_CONNECTIONS: u16 = 4429;
}

/// Something for a connection's writer.
#[derive(Debug, Clone)]
pub enum Outbound {
    Text(ByteString),
    Ping,
    Pong(bytes::Bytes),
}

/// Asks a connection to close with a code; the first code wins.
#[derive(Debug, Default)]
pub struct CloseSignal {
    code: AtomicU16,
    token: CancellationToken,
}

impl CloseSignal {
    pub fn close(&self, code: u16) {
        if self
            .code
            .compare_exchange(0, code, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            self.token.cancel();
        }
    }

    pub fn code(&self) -> Option<u16> {
        match self.code.load(Ordering::SeqCst) {
            0 => None,
            c => Some(c),
        }
    }

    pub async fn closed(&self) {
        self.token.cancelled().await
    }
}

/// What a room and the hub hold of a connection.
#[derive(Debug, Clone)]
pub struct ConnHandle {
    pub id: u64,
    pub user_id: String,
    /// The sign-in token the connection said hello with.
    pub token_id: String,
    pub session_id: String,
    /// What the connection was admitted to see; re-checked when the user's roles change.
    pub viewer: Arc<Viewer>,
    pub tx: mpsc::Sender<Outbound>,
    pub close: Arc<CloseSignal>,
}

impl ConnHandle {
    /// Queues a message without waiting; a full queue closes the connection (4008).
    pub fn offer(&self, msg: Outbound, metrics: &LiveMetrics) -> bool {
        match self.tx.try_send(msg) {
            Ok(()) => {
                metrics.messages_out.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(mpsc::error::TrySendError::Full(_)) => {
                metrics.slow_closes.fetch_add(1, Ordering::Relaxed);
                tracing::info!(conn = self.id, user = %self.user_id, "queue full: closing with 4008");
                self.close.close(close_code::SLOW_CONSUMER);
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }
}

/// Owns the socket: sends what is queued until asked to close, then sends the close frame.
pub async fn write_loop(
    mut ws: Session,
    mut rx: mpsc::Receiver<Outbound>,
    close: Arc<CloseSignal>,
) {
    loop {
        let msg = tokio::select! {
            biased;
            _ = close.closed() => break,
            msg = rx.recv() => msg,
        };
        let Some(msg) = msg else { break };
        let sent = tokio::select! {
            biased;
            _ = close.closed() => break,
            sent = async {
                match msg {
                    Outbound::Text(text) => ws.text(text).await,
                    Outbound::Ping => ws.ping(b"").await,
                    Outbound::Pong(bytes) => ws.pong(&bytes).await,
                }
            } => sent,
        };
        if sent.is_err() {
            close.close(1000);
            return;
        }
    }
    let code = close.code().unwrap_or(1000);
    let reason = CloseReason {
        code: CloseCode::from(code),
        description: Some(close_description(code).to_string()),
    };
    // A client that does not read takes the close frame only once it reads what is buffered
    // before it; give it that long, not for ever.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(30), ws.close(Some(reason))).await;
}

fn close_description(code: u16) -> &'static str {
    match code {
        close_code::GOING_AWAY => "server shutting down; reconnect with since",
        close_code::TOO_BIG => "frame larger than 64 KiB",
        close_code::IDLE => "no message for 30 s",
        close_code::SLOW_CONSUMER => "too slow to keep up; reconnect with since",
        close_code::UNAUTHENTICATED => "unauthenticated",
        close_code::FORBIDDEN => "not allowed in this session",
        close_code::NO_SESSION => "no such session",
        close_code::NO_HELLO => "no hello in time",
        close_code::TOO_MANY_CONNECTIONS => "too many open room connections for this user",
        _ => "",
    }
}

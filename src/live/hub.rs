//! The hub of one instance: its rooms (one task per session with local connections), the
//! registry of connections, and the routing of notes about committed changes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytestring::ByteString;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::metrics::LiveMetrics;
use super::room::{RoomMsg, run_room};
use crate::db::Db;
pub use crate::note::Note;
use crate::usecase::Event;
use crate::domain::room_visibility::{Viewer, keeps_view};
use crate::error::AppResult;

/// Tunables of the live rooms.
#[derive(Debug, Clone)]
pub struct LiveSettings {
    /// Messages a connection may have waiting; a client that lets more pile up is closed (4008).
    pub queue_capacity: usize,
    /// Commands per second a connection may send, with a burst of twice that.
    pub commands_per_sec: f64,
    pub hello_timeout: Duration,
    pub ping_interval: Duration,
    pub idle_timeout: Duration,
    /// Open room connections one user may have on this instance; more are refused (4429).
    pub max_connections_per_user: usize,
}

impl Default for LiveSettings {
    fn default() -> Self {
        LiveSettings {
            queue_capacity: 256,
            commands_per_sec: 20.0,
            hello_timeout: Duration::from_secs(10),
            ping_interval: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            max_connections_per_user: 8,
        }
    }
}

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

struct RoomEntry {
    tx: mpsc::Sender<RoomMsg>,
    /// Set when a note could not be queued: the room re-reads the log.
    stale: Arc<AtomicBool>,
}

pub struct Hub {
    pub instance_id: String,
    pub db: Db,
    pub settings: LiveSettings,
    pub metrics: Arc<LiveMetrics>,
    rooms: Mutex<HashMap<String, RoomEntry>>,
    conns: Mutex<HashMap<u64, ConnHandle>>,
    next_conn: AtomicU64,
    shutting_down: AtomicBool,
    runtime: tokio::runtime::Handle,
}

const ROOM_MAILBOX: usize = 4096;

impl Hub {
    pub fn new(db: Db, settings: LiveSettings) -> Arc<Hub> {
        Arc::new(Hub {
            instance_id: db.instance_id().to_string(),
            db,
            settings,
            metrics: Arc::new(LiveMetrics::default()),
            rooms: Mutex::new(HashMap::new()),
            conns: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(1),
            shutting_down: AtomicBool::new(false),
            runtime: tokio::runtime::Handle::current(),
        })
    }

    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::SeqCst)
    }

    pub fn next_conn_id(&self) -> u64 {
        self.next_conn.fetch_add(1, Ordering::Relaxed)
    }

    pub fn rooms_open(&self) -> usize {
        self.rooms.lock().map(|r| r.len()).unwrap_or(0)
    }

    pub fn connections_open(&self) -> usize {
        self.conns.lock().map(|c| c.len()).unwrap_or(0)
    }

    /// Registers a connection, unless its user already has as many as allowed on this
    /// instance (then `false`: the caller refuses it with 4429). Every open connection counts,
    /// whatever its session: each one receives and, on joining, announces presence.
    pub fn register(&self, conn: &ConnHandle) -> bool {
        let Ok(mut conns) = self.conns.lock() else {
            return false;
        };
        let open = conns.values().filter(|c| c.user_id == conn.user_id).count();
        if open >= self.settings.max_connections_per_user {
            return false;
        }
        conns.insert(conn.id, conn.clone());
        true
    }

    pub fn unregister(&self, conn_id: u64) {
        if let Ok(mut conns) = self.conns.lock() {
            conns.remove(&conn_id);
        }
    }

    /// Joins a connection to its session's room. The room registers it as catching up and
    /// answers the last `seq` it has delivered: the connection sends the welcome and replays
    /// the log up to there, then calls [`Hub::caught_up`].
    pub async fn join(self: &Arc<Self>, conn: ConnHandle) -> Option<i64> {
        for _ in 0..3 {
            let tx = self.room_sender(&conn.session_id);
            let (reply, answer) = oneshot::channel();
            if tx
                .send(RoomMsg::Join {
                    conn: conn.clone(),
                    reply,
                })
                .await
                .is_ok()
                && let Ok(seq) = answer.await
            {
                return seq;
            }
            // The room was ending as we joined: a new one takes over.
        }
        None
    }

    pub async fn caught_up(&self, session_id: &str, conn_id: u64) {
        if let Some(tx) = self.existing_room(session_id) {
            let _ = tx.send(RoomMsg::CaughtUp { conn_id }).await;
        }
    }

    pub async fn leave(&self, session_id: &str, conn_id: u64) {
        if let Some(tx) = self.existing_room(session_id) {
            let _ = tx.send(RoomMsg::Leave { conn_id }).await;
        }
    }

    /// Routes a note to the local room of its session, if this instance has one.
    pub fn deliver(&self, note: Note) {
        let session_id = match &note {
            Note::Event { session_id, .. }
            | Note::Tally { session_id, .. }
            | Note::Presence { session_id } => session_id.clone(),
            Note::UserRevoked { user_id } => {
                self.close_matching(|c| c.user_id == *user_id);
                return;
            }
            Note::TokenRevoked { token_id } => {
                self.close_matching(|c| c.token_id == *token_id);
                return;
            }
            Note::AccessChanged { user_id } => {
                self.recheck_access(user_id);
                return;
            }
        };
        let Ok(rooms) = self.rooms.lock() else { return };
        if let Some(entry) = rooms.get(&session_id)
            && entry.tx.try_send(RoomMsg::Note(note)).is_err()
        {
            entry.stale.store(true, Ordering::SeqCst);
        }
    }

    /// After a commit on this instance: the room hears of it at once, with the event.
    /// Hands what a use case did to this instance's rooms, once its transaction committed
    /// (the other instances hear of it through the notes sent inside the transaction).
    pub fn publish(&self, events: &[Event]) {
        for note in crate::usecase::effects::local_notes(events) {
            self.deliver(note);
        }
    }

    /// Asks every local room to re-read what it may have missed (after the notification
    /// connection was lost).
    pub fn resync_all(&self) {
        let Ok(rooms) = self.rooms.lock() else { return };
        for entry in rooms.values() {
            entry.stale.store(true, Ordering::SeqCst);
            let _ = entry.tx.try_send(RoomMsg::Resync);
        }
    }

    /// Re-reads, for each local connection of `user_id`, what they may see of its session
    /// now; a connection that may no longer enter, or would now see less (a member removed
    /// from the board who still refers a dossier on the agenda), closes with 4403. Reconnecting
    /// admits them with what they may still see, if anything.
    fn recheck_access(&self, user_id: &str) {
        let mine: Vec<ConnHandle> = match self.conns.lock() {
            Ok(conns) => conns
                .values()
                .filter(|c| c.user_id == user_id)
                .cloned()
                .collect(),
            Err(_) => return,
        };
        if mine.is_empty() {
            return;
        }
        let db = self.db.clone();
        self.runtime.spawn(async move {
            for conn in mine {
                match current_viewer(&db, &conn).await {
                    Ok(now) if keeps_view(&conn.viewer, now.as_ref()) => {}
                    Ok(_) => {
                        tracing::info!(conn = conn.id, user = %conn.user_id, "access changed: closing with 4403");
                        conn.close.close(close_code::FORBIDDEN);
                    }
                    Err(e) => {
                        // Unsure what they may see now: they reconnect and are admitted again.
                        tracing::warn!(error = %e, "access re-check failed: closing");
                        conn.close.close(1011);
                    }
                }
            }
        });
    }

    /// Closes with 4401 the connections whose credentials were revoked.
    fn close_matching(&self, revoked: impl Fn(&ConnHandle) -> bool) {
        if let Ok(conns) = self.conns.lock() {
            for c in conns.values().filter(|c| revoked(c)) {
                c.close.close(close_code::UNAUTHENTICATED);
            }
        }
    }

    /// Closes every connection with 1001 and waits (briefly) for them to go.
    pub async fn shutdown(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
        if let Ok(conns) = self.conns.lock() {
            for c in conns.values() {
                c.close.close(close_code::GOING_AWAY);
            }
        }
        for _ in 0..50 {
            if self.connections_open() == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let instance = self.instance_id.clone();
        // The other instances' rooms hear who left (the notes go out with the commit).
        if let Err(e) = crate::usecase::run(&self.db, move |conn| {
            crate::usecase::room::unregister_instance(conn, &instance)
        })
        .await
        {
            tracing::warn!(error = %e, "could not unregister the instance");
        }
    }

    fn existing_room(&self, session_id: &str) -> Option<mpsc::Sender<RoomMsg>> {
        self.rooms
            .lock()
            .ok()?
            .get(session_id)
            .map(|e| e.tx.clone())
    }

    fn room_sender(self: &Arc<Self>, session_id: &str) -> mpsc::Sender<RoomMsg> {
        let mut rooms = match self.rooms.lock() {
            Ok(r) => r,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(entry) = rooms.get(session_id)
            && !entry.tx.is_closed()
        {
            return entry.tx.clone();
        }
        let (tx, rx) = mpsc::channel(ROOM_MAILBOX);
        let stale = Arc::new(AtomicBool::new(false));
        rooms.insert(
            session_id.to_string(),
            RoomEntry {
                tx: tx.clone(),
                stale: stale.clone(),
            },
        );
        self.runtime
            .spawn(run_room(self.clone(), session_id.to_string(), rx, stale));
        tx
    }

    /// Called by a room with no connections left: it ends only if nothing is waiting for it.
    pub(super) fn try_retire_room(&self, session_id: &str, rx: &mpsc::Receiver<RoomMsg>) -> bool {
        let mut rooms = match self.rooms.lock() {
            Ok(r) => r,
            Err(poisoned) => poisoned.into_inner(),
        };
        if !rx.is_empty() {
            return false;
        }
        rooms.remove(session_id);
        true
    }
}

/// What the user of `conn` may see of its session now (`None`: they may not enter).
pub async fn current_viewer(db: &Db, conn: &ConnHandle) -> AppResult<Option<Viewer>> {
    let (sid, uid) = (conn.session_id.clone(), conn.user_id.clone());
    db.read(move |c| crate::usecase::room::current_viewer(c, &sid, &uid))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_close_code_wins() {
        let c = CloseSignal::default();
        assert_eq!(c.code(), None);
        c.close(4008);
        c.close(1001);
        assert_eq!(c.code(), Some(4008));
    }
}

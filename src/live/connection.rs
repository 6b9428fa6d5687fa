//! One WebSocket connection: a reader (this task) that authenticates the `hello`, joins the
//! room, replays what the client missed and applies its commands; and a writer task that owns
//! the socket and drains a bounded queue.

use std::sync::Arc;
use std::time::Instant;

use actix_ws::{AggregatedMessage, ProtocolError, Session};
use bytestring::ByteString;
use tokio::sync::mpsc;

use super::admission::{Admitted, admit, still_admitted};
use super::commands;
use super::conn::write_loop;
use super::hub::{CloseSignal, ConnHandle, Hub, Note, Outbound, close_code};
use super::protocol::{self, Command, Incoming, MAX_FRAME_BYTES, Refusal};
use super::rate::TokenBucket;
use super::welcome;
use crate::db::room as room_db;
use crate::db::users::UserRow;
use crate::domain::ValidationError;
use crate::domain::room::RoomRole;
use crate::domain::room_access::RoomCan;
use crate::state::AppState;
use crate::usecase::{self, room};

const REPLAY_PAGE: i64 = 500;

/// The task of one connection. It lives as long as the connection, so the futures it awaits
/// only at the start, the end or per command are boxed: what it holds while it waits for the
/// next frame stays small (`docs/BENCHMARKS.md`, memory per connection).
pub async fn serve(
    state: Arc<AppState>,
    session_path: String,
    ws: Session,
    stream: actix_ws::MessageStream,
) {
    let hub = state.hub.clone();
    let (tx, rx) = mpsc::channel(hub.settings.queue_capacity);
    let close = Arc::new(CloseSignal::default());
    actix_web::rt::spawn(write_loop(ws, rx, close.clone()));
    hub.metrics
        .connections_total
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if hub.is_shutting_down() {
        close.close(close_code::GOING_AWAY);
        return;
    }
    let mut stream = stream
        .max_frame_size(MAX_FRAME_BYTES)
        .aggregate_continuations()
        .max_continuation_size(MAX_FRAME_BYTES);
    let Some((token, since)) = Box::pin(wait_for_hello(&hub, &mut stream, &tx, &close)).await
    else {
        return;
    };
    let epoch = hub.access_epoch();
    let Some(Admitted {
        user,
        token_id,
        session_id,
        role,
        viewer,
        can,
    }) = Box::pin(admit(&state, &session_path, &token, &close)).await
    else {
        return;
    };
    let conn = ConnHandle {
        id: hub.next_conn_id(),
        user_id: user.id.clone(),
        token_id,
        session_id: session_id.clone(),
        viewer: Arc::new(viewer),
        tx,
        close: close.clone(),
    };
    let connection_id = format!("{}-{}", hub.instance_id, conn.id);
    if !hub.register(&conn) {
        return close.close(close_code::TOO_MANY_CONNECTIONS);
    }
    // A revocation or a change of board roles may have been announced between the checks
    // above and the registration (from now on, such a note reaches this connection).
    if hub.access_epoch() != epoch && !Box::pin(still_admitted(&state, &hub, &token, &conn)).await {
        hub.unregister(conn.id);
        return;
    }
    let joined = Box::pin(enter(
        &hub,
        &conn,
        &connection_id,
        &user,
        (role, can),
        since,
    ))
    .await;
    if joined {
        command_loop(&hub, &conn, &user, &mut stream).await;
    }
    // Leaving: the room forgets the connection, the others see the new presence.
    hub.leave(&session_id, conn.id).await;
    hub.unregister(conn.id);
    let (cid, sid) = (connection_id.clone(), session_id.clone());
    let key = sid.clone();
    let left = usecase::run_grouped(&hub.db, &key, move |c| room::leave(c, &cid, &sid), |_| {});
    match Box::pin(left).await {
        Ok(done) => hub.publish(&done.events),
        Err(e) => {
            tracing::warn!(error = %e, "presence not cleared");
            hub.deliver(Note::Presence { session_id });
        }
    }
    close.close(1000);
}

type Frames = actix_ws::AggregatedMessageStream;

/// Waits for `{"type":"hello"}`: other frames get an error; silence closes with 4408.
async fn wait_for_hello(
    hub: &Hub,
    stream: &mut Frames,
    tx: &mpsc::Sender<Outbound>,
    close: &CloseSignal,
) -> Option<(String, Option<i64>)> {
    let deadline = tokio::time::sleep(hub.settings.hello_timeout);
    tokio::pin!(deadline);
    loop {
        let frame = tokio::select! {
            _ = &mut deadline => {
                close.close(close_code::NO_HELLO);
                return None;
            }
            _ = close.closed() => return None,
            frame = stream.recv() => frame,
        };
        match next_text(frame, tx, close).await? {
            Some(text) => match protocol::parse(&text) {
                Ok(incoming) => match incoming.command {
                    Command::Hello { token, since } => return Some((token, since)),
                    _ => {
                        let refusal = Refusal::invalid(
                            ValidationError::new("type", "the first message must be hello"),
                            incoming.request_id,
                        );
                        send_now(tx, refusal.to_json()).await;
                    }
                },
                Err(refusal) => send_now(tx, refusal.to_json()).await,
            },
            None => continue,
        }
    }
}

/// The text of a frame; `Some(None)` for frames handled here (pings, binary); `None` when the
/// connection is over.
async fn next_text(
    frame: Option<Result<AggregatedMessage, ProtocolError>>,
    tx: &mpsc::Sender<Outbound>,
    close: &CloseSignal,
) -> Option<Option<ByteString>> {
    match frame {
        None | Some(Ok(AggregatedMessage::Close(_))) => None,
        Some(Err(ProtocolError::Overflow)) => {
            close.close(close_code::TOO_BIG);
            None
        }
        Some(Err(e)) => {
            tracing::debug!(error = %e, "websocket protocol error");
            close.close(1002);
            None
        }
        Some(Ok(AggregatedMessage::Text(text))) => Some(Some(text)),
        Some(Ok(AggregatedMessage::Binary(_))) => {
            let refusal = Refusal::invalid(ValidationError::new("frame", "text frames only"), None);
            send_now(tx, refusal.to_json()).await;
            Some(None)
        }
        Some(Ok(AggregatedMessage::Ping(bytes))) => {
            let _ = tx.try_send(Outbound::Pong(bytes));
            Some(None)
        }
        Some(Ok(AggregatedMessage::Pong(_))) => Some(None),
    }
}

async fn send_now(tx: &mpsc::Sender<Outbound>, text: String) {
    let _ = tx.try_send(Outbound::Text(ByteString::from(text)));
}

/// Records the presence and the read (one audit row per join: the welcome names the dossiers
/// on the agenda, the replay may hold decisions), joins the room, sends the welcome and replays
/// the log after `since`, each as the connection's viewer may see them.
async fn enter(
    hub: &Arc<Hub>,
    conn: &ConnHandle,
    connection_id: &str,
    user: &UserRow,
    (role, can): (RoomRole, RoomCan),
    since: Option<i64>,
) -> bool {
    let (cid, sid, uid, iid) = (
        connection_id.to_string(),
        conn.session_id.clone(),
        user.id.clone(),
        hub.instance_id.clone(),
    );
    // Through the group commit: joins that arrive together share one transaction. Their
    // presence is announced below, once the room has the connection.
    let key = sid.clone();
    let joined = usecase::run_grouped(
        &hub.db,
        &key,
        move |c| room::join(c, &cid, &sid, &uid, role, &iid, since),
        |_| {},
    )
    .await;
    let events = match joined {
        Ok(done) => done.events,
        Err(e) => {
            tracing::warn!(error = %e, "presence not recorded");
            conn.close.close(1011);
            return false;
        }
    };
    let Some(upto) = hub.join(conn.clone()).await else {
        conn.close.close(1011);
        return false;
    };
    hub.publish(&events);
    let sid = conn.session_id.clone();
    let uid = user.id.clone();
    let snapshot = match hub
        .db
        .read(move |c| room::snapshot(c, &sid, upto, &uid))
        .await
    {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "snapshot failed");
            conn.close.close(1011);
            return false;
        }
    };
    let viewer = &conn.viewer;
    let latest_view = hub.views.latest(&conn.session_id);
    let welcome = welcome::welcome(snapshot, upto, user, viewer, (role, can), latest_view);
    if !queue(conn, welcome.to_string()).await {
        return false;
    }
    let mut after = since.unwrap_or(upto).min(upto);
    while after < upto {
        let sid = conn.session_id.clone();
        let page = hub
            .db
            .read(move |c| room_db::events::events_between(c, &sid, after, upto, REPLAY_PAGE))
            .await;
        let Ok(events) = page else {
            conn.close.close(1011);
            return false;
        };
        if events.is_empty() {
            break;
        }
        for event in events {
            let text = protocol::event_for(viewer, &event).unwrap_or(event.payload);
            if !queue(conn, text).await {
                return false;
            }
            after = event.seq;
        }
    }
    hub.caught_up(&conn.session_id, conn.id).await;
    true
}

/// Queues a message, waiting for room in the queue, but not for ever: a client that does not
/// read its welcome and replay is as slow as one that does not read live events.
async fn queue(conn: &ConnHandle, text: String) -> bool {
    let send = conn.tx.send(Outbound::Text(ByteString::from(text)));
    match tokio::time::timeout(std::time::Duration::from_secs(10), send).await {
        Ok(Ok(())) => true,
        Ok(Err(_)) => false,
        Err(_) => {
            conn.close.close(close_code::SLOW_CONSUMER);
            false
        }
    }
}

async fn command_loop(hub: &Arc<Hub>, conn: &ConnHandle, user: &UserRow, stream: &mut Frames) {
    let mut bucket = TokenBucket::new(
        hub.settings.commands_per_sec,
        hub.settings.commands_per_sec * 2.0,
    );
    let mut last_heard = Instant::now();
    let mut pings = tokio::time::interval(hub.settings.ping_interval);
    pings.tick().await;
    loop {
        let frame = tokio::select! {
            _ = conn.close.closed() => return,
            _ = pings.tick() => {
                if last_heard.elapsed() > hub.settings.idle_timeout {
                    conn.close.close(close_code::IDLE);
                    return;
                }
                let _ = conn.tx.try_send(Outbound::Ping);
                continue;
            }
            frame = stream.recv() => frame,
        };
        last_heard = Instant::now();
        let Some(text) = next_text(frame, &conn.tx, &conn.close).await else {
            return;
        };
        let Some(text) = text else { continue };
        hub.metrics
            .messages_in
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let reply = match protocol::parse(&text) {
            Err(refusal) => refusal.to_json(),
            // Views do not count against the rate: the room coalesces them.
            Ok(Incoming {
                command: Command::View(view),
                request_id,
            }) => {
                let relayed =
                    commands::view(hub, user, &conn.session_id, conn.id, view, request_id);
                match Box::pin(relayed).await {
                    Ok(Some(ack)) => ack,
                    Ok(None) => continue,
                    Err(refusal) => refusal.to_json(),
                }
            }
            Ok(incoming) if !bucket.try_take() => Refusal {
                code: "rate_limited",
                message: "too many messages; slow down".into(),
                field: None,
                request_id: incoming.request_id,
            }
            .to_json(),
            Ok(incoming) => match incoming.command {
                Command::Ping => protocol::pong(),
                Command::Hello { .. } => Refusal::invalid(
                    ValidationError::new("type", "already joined"),
                    incoming.request_id,
                )
                .to_json(),
                _ => match Box::pin(commands::execute(hub, user, &conn.session_id, incoming)).await
                {
                    Ok(ack) => ack,
                    Err(refusal) => refusal.to_json(),
                },
            },
        };
        if !conn.offer(Outbound::Text(ByteString::from(reply)), &hub.metrics) {
            return;
        }
    }
}

//! The hub of one instance: its rooms (one task per session with local connections), the
//! registry of connections, and the routing of notes about committed changes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

pub use super::conn::{CloseSignal, ConnHandle, Outbound, close_code};
use super::metrics::LiveMetrics;
use super::registry::Registry;
use super::room::{RoomHost, RoomMsg, run_room};
pub use super::settings::LiveSettings;
use super::view::{LatestViews, Relayed};
use crate::db::Db;
use crate::domain::room_visibility::{Viewer, keeps_view};
use crate::error::AppResult;
pub use crate::note::Note;
use crate::usecase::Event;
use crate::usecase::catalogue::FrameCatalogue;

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
    /// Which frames the attachments hold, asked before a frame is shown or marked.
    pub catalogue: Arc<dyn FrameCatalogue>,
    /// The latest view of each session, for the `welcome`.
    pub views: LatestViews,
    /// Whose inbox just got a notification, for their open pages (`GET /api/me/events`).
    pub inbox: super::inbox::Inbox,
    rooms: Mutex<HashMap<String, RoomEntry>>,
    conns: Mutex<Registry>,
    /// Counts the notes that may shrink what a connection may see (revocations, role
    /// changes, a lost notification channel): a join that saw none while it was checked
    /// need not check again once registered.
    access_epoch: AtomicU64,
    next_conn: AtomicU64,
    shutting_down: AtomicBool,
    runtime: tokio::runtime::Handle,
}

const ROOM_MAILBOX: usize = 4096;

impl Hub {
    pub fn new(db: Db, settings: LiveSettings, catalogue: Arc<dyn FrameCatalogue>) -> Arc<Hub> {
        Arc::new(Hub {
            instance_id: db.instance_id().to_string(),
            db,
            settings,
            metrics: Arc::new(LiveMetrics::default()),
            catalogue,
            views: LatestViews::default(),
            inbox: Default::default(),
            rooms: Mutex::new(HashMap::new()),
            conns: Mutex::new(Registry::default()),
            access_epoch: AtomicU64::new(0),
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
        conns.register(conn, self.settings.max_connections_per_user)
    }

    pub fn unregister(&self, conn_id: u64) {
        if let Ok(mut conns) = self.conns.lock() {
            conns.unregister(conn_id);
        }
    }

    /// See `access_epoch`: compare two readings to learn whether access may have shrunk.
    pub fn access_epoch(&self) -> u64 {
        self.access_epoch.load(Ordering::SeqCst)
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

    /// Hands a checked view from a local connection to its room, which relays it.
    pub async fn relay_view(&self, session_id: &str, view: Relayed) {
        if let Some(tx) = self.existing_room(session_id) {
            let _ = tx.send(RoomMsg::View(view)).await;
        }
    }

    /// Routes a note to the local room of its session, if this instance has one.
    pub fn deliver(&self, note: Note) {
        let session_id = match &note {
            Note::Event { session_id, .. }
            | Note::Tally { session_id, .. }
            | Note::Presence { session_id } => session_id.clone(),
            Note::View {
                session_id,
                dossier_id,
                view,
            } => {
                // From another instance: kept for the welcome even where no room is open here.
                let relayed = Relayed {
                    from_conn: None,
                    dossier_id: dossier_id.clone(),
                    text: view.as_str().into(),
                };
                self.views.remember(session_id, &relayed);
                self.to_room(session_id, RoomMsg::View(relayed));
                return;
            }
            Note::UserRevoked { user_id } => {
                self.access_epoch.fetch_add(1, Ordering::SeqCst);
                self.close_matching(|c| c.user_id == *user_id);
                return;
            }
            Note::TokenRevoked { token_id } => {
                self.access_epoch.fetch_add(1, Ordering::SeqCst);
                self.close_matching(|c| c.token_id == *token_id);
                return;
            }
            Note::AccessChanged { user_id } => {
                self.access_epoch.fetch_add(1, Ordering::SeqCst);
                self.recheck_access(user_id);
                return;
            }
            Note::Inbox { user_id } => {
                self.inbox.tell(user_id);
                return;
            }
        };
        self.to_room(&session_id, RoomMsg::Note(note));
    }

    /// Queues a message for the local room of a session, if there is one; when its mailbox is
    /// full, the room re-reads the log instead.
    fn to_room(&self, session_id: &str, msg: RoomMsg) {
        let Ok(rooms) = self.rooms.lock() else { return };
        if let Some(entry) = rooms.get(session_id)
            && entry.tx.try_send(msg).is_err()
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
        self.access_epoch.fetch_add(1, Ordering::SeqCst);
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
            Ok(conns) => conns.of_user(user_id),
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
            for c in conns.all().filter(|c| revoked(c)) {
                c.close.close(close_code::UNAUTHENTICATED);
            }
        }
    }

    /// Closes every connection with 1001 and waits (briefly) for them to go.
    pub async fn shutdown(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
        self.inbox.close();
        if let Ok(conns) = self.conns.lock() {
            for c in conns.all() {
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
        let host: Arc<dyn RoomHost> = self.clone();
        self.runtime
            .spawn(run_room(host, session_id.to_string(), rx, stale));
        tx
    }
}

impl RoomHost for Hub {
    fn db(&self) -> &Db {
        &self.db
    }

    fn metrics(&self) -> &LiveMetrics {
        &self.metrics
    }

    fn remember_view(&self, session_id: &str, view: &Relayed) {
        self.views.remember(session_id, view);
    }

    /// Called by a room with no connections left: it ends only if nothing is waiting for it.
    fn try_retire_room(&self, session_id: &str, rx: &mpsc::Receiver<RoomMsg>) -> bool {
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

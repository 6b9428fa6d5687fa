//! One task per session with connections on this instance. It delivers the durable events in
//! `seq` order, exactly once, to every local connection: from the text committed here, or read
//! back from the log when the note came from another instance or something was missed.
//!
//! Those who see the whole room share one serialised text per message; a referrer (there are
//! few) gets their own rendering of what they may see (`domain::room_visibility`). Views, which
//! are not in the log, are coalesced on their way out (`live::view`).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytestring::ByteString;
use tokio::sync::{mpsc, oneshot};

use super::conn::{ConnHandle, Outbound, close_code};
use super::metrics::LiveMetrics;
use super::presence;
use super::protocol;
use super::view::{self, Relayed, Throttle};
use crate::db::Db;
use crate::db::room::{self as room_db, Committed};
use crate::note::Note;

/// What a room needs of the instance that runs it.
pub trait RoomHost: Send + Sync + 'static {
    fn db(&self) -> &Db;
    fn metrics(&self) -> &LiveMetrics;
    /// Called by a room with no connections left: whether it may end (nothing is waiting for
    /// it; it is then no longer reachable).
    fn try_retire_room(&self, session_id: &str, rx: &mpsc::Receiver<RoomMsg>) -> bool;
    /// A view was relayed to the room's connections: the latest, for later joiners.
    fn remember_view(&self, session_id: &str, view: &Relayed);
}

pub enum RoomMsg {
    Join {
        conn: ConnHandle,
        reply: oneshot::Sender<Option<i64>>,
    },
    CaughtUp {
        conn_id: u64,
    },
    Leave {
        conn_id: u64,
    },
    Note(Note),
    /// What the presenter shows, checked (`live::commands::view`) or from another instance.
    View(Relayed),
    Resync,
}

/// Messages held for a connection while it replays the log; more than this and it is too slow.
const CATCH_UP_LIMIT: usize = 10_000;
const PAGE: i64 = 500;

struct Member {
    conn: ConnHandle,
    /// While the connection replays the log, live messages wait here.
    catching_up: Option<Vec<ByteString>>,
}

struct Room {
    hub: Arc<dyn RoomHost>,
    session_id: String,
    /// The last `seq` delivered to the connections; `None` until read from the database.
    delivered: Option<i64>,
    members: HashMap<u64, Member>,
    tallies: HashMap<String, i64>,
    /// The dossier of each vote a tally was sent for: a referrer sees the tallies of votes on
    /// their own dossiers only.
    vote_dossiers: HashMap<String, String>,
    /// The participants last sent to each audience (`None`: those who see the whole room;
    /// `Some(user)`: that referrer), so that a change that changes nothing they see (a second
    /// tab of someone already present) is not sent again.
    presence_sent: presence::Sent,
    /// Views are coalesced: at most 10 a second leave the room, always the latest.
    views: Throttle<Relayed>,
    /// When to read presence again: joins come in bursts, one reading serves them all.
    presence_due: Option<tokio::time::Instant>,
}

pub async fn run_room(
    hub: Arc<dyn RoomHost>,
    session_id: String,
    mut rx: mpsc::Receiver<RoomMsg>,
    stale: Arc<AtomicBool>,
) {
    let mut room = Room {
        hub: hub.clone(),
        session_id: session_id.clone(),
        delivered: None,
        members: HashMap::new(),
        tallies: HashMap::new(),
        vote_dossiers: HashMap::new(),
        presence_sent: HashMap::new(),
        views: Throttle::default(),
        presence_due: None,
    };
    loop {
        tokio::select! {
            msg = rx.recv() => match msg {
                Some(msg) => room.handle(msg).await,
                None => break,
            },
            () = view::until(room.views.due()) => {
                if let Some(v) = room.views.take_due(tokio::time::Instant::now()) {
                    room.relay_view(v).await;
                }
            }
            () = view::until(room.presence_due) => {
                room.presence_due = None;
                room.refresh_presence().await;
            }
        }
        if stale.swap(false, Ordering::SeqCst) {
            room.sync(None).await;
        }
        // A room with a view still waiting lives until it went (to the other instances).
        if room.members.is_empty()
            && !room.views.is_waiting()
            && hub.try_retire_room(&session_id, &rx)
        {
            break;
        }
    }
}

impl Room {
    async fn handle(&mut self, msg: RoomMsg) {
        // Presence changes gathered so far go out before a later event or tally.
        if matches!(msg, RoomMsg::Note(Note::Event { .. } | Note::Tally { .. }))
            && self.presence_due.take().is_some()
        {
            self.refresh_presence().await;
        }
        match msg {
            RoomMsg::Join { conn, reply } => {
                // Later events reach a room as notes (or a re-read): only a new room reads.
                let ready = self.delivered.is_some() || self.sync(None).await;
                let answer = if ready {
                    self.members.insert(
                        conn.id,
                        Member {
                            conn,
                            catching_up: Some(Vec::new()),
                        },
                    );
                    self.delivered
                } else {
                    None
                };
                let _ = reply.send(answer);
            }
            RoomMsg::CaughtUp { conn_id } => {
                if let Some(member) = self.members.get_mut(&conn_id) {
                    let held = member.catching_up.take().unwrap_or_default();
                    let mut alive = true;
                    for text in held {
                        if !member.conn.offer(Outbound::Text(text), self.hub.metrics()) {
                            alive = false;
                            break;
                        }
                    }
                    if !alive {
                        self.members.remove(&conn_id);
                    }
                }
            }
            RoomMsg::Leave { conn_id } => _ = self.members.remove(&conn_id),
            RoomMsg::Note(Note::Event { seq, event, .. }) => match (self.delivered, event) {
                (Some(d), _) if seq <= d => {}
                (Some(d), Some(event)) if seq == d + 1 => {
                    self.broadcast_event(&event);
                    self.delivered = Some(seq);
                }
                _ => {
                    self.sync(Some(seq)).await;
                }
            },
            RoomMsg::Note(Note::Tally { vote_id, .. }) => {
                // Read where the vote stands now (who has voted, the quorum so far): notes
                // from other instances carry no count.
                let v = vote_id.clone();
                let standing = self
                    .hub
                    .db()
                    .read(move |c| crate::usecase::votes::standing_of(c, &v))
                    .await
                    .ok()
                    .flatten();
                if let Some(now) = standing {
                    // Counts only grow while a vote is open (a replaced ballot is no new one);
                    // an older reading arriving late is not shown.
                    let best = self.tallies.entry(vote_id.clone()).or_insert(0);
                    if now.cast < *best {
                        return;
                    }
                    *best = now.cast;
                    let text = ByteString::from(protocol::tally(&vote_id, now.cast, &now.standing));
                    let dossier = if self.all_see_whole_room() {
                        None
                    } else {
                        self.vote_dossier(&vote_id).await
                    };
                    self.send_each(|conn| {
                        let viewer = &conn.viewer;
                        let shown = viewer.sees_whole_room()
                            || dossier.as_deref().is_some_and(|d| viewer.sees_dossier(d));
                        shown.then(|| text.clone())
                    });
                }
            }
            RoomMsg::Note(Note::Presence { .. }) => {
                let at = tokio::time::Instant::now() + presence::COALESCE;
                self.presence_due.get_or_insert(at);
            }
            // The hub handles these itself (a view from another instance comes as `View`).
            RoomMsg::Note(
                Note::UserRevoked { .. }
                | Note::TokenRevoked { .. }
                | Note::AccessChanged { .. }
                | Note::Inbox { .. }
                | Note::View { .. },
            ) => {}
            RoomMsg::View(v) => {
                if let Some(v) = self.views.offer(tokio::time::Instant::now(), v) {
                    self.relay_view(v).await;
                }
            }
            RoomMsg::Resync => {
                self.sync(None).await;
            }
        }
    }

    /// Sends a view to those it is for, keeps it as the latest and, when it came from this
    /// instance, tells the others (in order: the next view waits for this announcement).
    async fn relay_view(&mut self, v: Relayed) {
        self.send_each(|conn| v.text_for(conn));
        self.hub.remember_view(&self.session_id, &v);
        view::announce(self.hub.db(), &self.session_id, v).await;
    }

    /// Delivers what the log holds beyond what was delivered (up to `upto`, or to its end).
    /// Returns false if the database could not be read.
    async fn sync(&mut self, upto: Option<i64>) -> bool {
        let sid = self.session_id.clone();
        let last = match upto {
            Some(s) => s,
            None => match self
                .hub
                .db()
                .read(move |c| room_db::events::last_seq(c, &sid))
                .await
            {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "room could not read its log");
                    return false;
                }
            },
        };
        let Some(mut delivered) = self.delivered else {
            // First look at the log: everything so far is history, replayed on demand.
            self.delivered = Some(last);
            return true;
        };
        while delivered < last {
            let sid = self.session_id.clone();
            let page = self
                .hub
                .db()
                .read(move |c| room_db::events::events_between(c, &sid, delivered, last, PAGE))
                .await;
            match page {
                Ok(events) if !events.is_empty() => {
                    for event in events {
                        self.broadcast_event(&event);
                        delivered = event.seq;
                    }
                    self.delivered = Some(delivered);
                }
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "room could not read its log");
                    return false;
                }
            }
        }
        true
    }

    fn all_see_whole_room(&self) -> bool {
        self.members
            .values()
            .all(|m| m.conn.viewer.sees_whole_room())
    }

    /// The dossier a vote is about (read once, only when a referrer is in the room).
    async fn vote_dossier(&mut self, vote_id: &str) -> Option<String> {
        if let Some(d) = self.vote_dossiers.get(vote_id) {
            return Some(d.clone());
        }
        let v = vote_id.to_string();
        match self
            .hub
            .db()
            .read(move |c| room_db::votes::by_id(c, &v))
            .await
        {
            Ok(Some(vote)) => {
                self.vote_dossiers
                    .insert(vote_id.to_string(), vote.dossier_id.clone());
                Some(vote.dossier_id)
            }
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(error = %e, "could not read a vote's dossier");
                None
            }
        }
    }

    /// Sends each audience the participants it may see, if that changed since it was last
    /// sent to them.
    async fn refresh_presence(&mut self) {
        let sid = self.session_id.clone();
        let participants = match self
            .hub
            .db()
            .read(move |c| room_db::presence::participants(c, &sid))
            .await
        {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "presence not refreshed");
                return;
            }
        };
        let viewers = self.members.values().map(|m| &*m.conn.viewer);
        let (sent, texts) = presence::texts(viewers, &participants, &self.presence_sent);
        self.presence_sent = sent;
        if !texts.is_empty() {
            self.send_each(|conn| {
                texts
                    .get(&conn.viewer.referrer_id().map(str::to_string))
                    .cloned()
            });
        }
    }

    /// Sends a durable event to every connection as its viewer may see it.
    fn broadcast_event(&mut self, event: &Committed) {
        let whole = ByteString::from(event.payload.clone());
        self.send_each(|conn| {
            Some(match protocol::event_for(&conn.viewer, event) {
                None => whole.clone(),
                Some(text) => ByteString::from(text),
            })
        });
    }

    /// Sends each connection the text `text_for` gives it (nothing for `None`); while
    /// a connection replays the log, its messages wait.
    fn send_each(&mut self, text_for: impl Fn(&ConnHandle) -> Option<ByteString>) {
        let host = self.hub.clone();
        let metrics = host.metrics();
        self.members.retain(|_, member| {
            let Some(text) = text_for(&member.conn) else {
                return true;
            };
            match &mut member.catching_up {
                Some(held) if held.len() >= CATCH_UP_LIMIT => {
                    member.conn.close.close(close_code::SLOW_CONSUMER);
                    false
                }
                Some(held) => {
                    held.push(text);
                    true
                }
                None => member.conn.offer(Outbound::Text(text), metrics),
            }
        });
    }
}

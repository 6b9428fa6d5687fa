//! The `view` relay (API.md section 11): what the presenter shows reaches every other
//! connection of the room, coalesced per room by a trailing-edge [`Throttle`], and the latest
//! view of each session is kept for the `welcome` of those who join later ([`LatestViews`]).
//! Nothing of it is written: a view is ephemeral.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use bytestring::ByteString;
use tokio::time::Instant;

use super::conn::ConnHandle;
use crate::db::Db;
use crate::usecase::{Event, effects};

/// A room delivers at most one view per interval: 10 a second.
pub const VIEW_INTERVAL: Duration = Duration::from_millis(100);

/// A view on its way to the connections of a room.
#[derive(Debug, Clone)]
pub struct Relayed {
    /// The connection of this instance it came from, which does not receive it; `None` when
    /// it came from another instance.
    pub from_conn: Option<u64>,
    /// The dossier of the attachment shown: only those who see it receive the view.
    pub dossier_id: String,
    /// The message relayed: `{"type":"view","by":User,...}`.
    pub text: ByteString,
}

impl Relayed {
    /// What a connection of the room receives of this view: every connection but the one it
    /// came from, among those who see its dossier.
    pub fn text_for(&self, conn: &ConnHandle) -> Option<ByteString> {
        let shown = Some(conn.id) != self.from_conn && conn.viewer.sees_dossier(&self.dossier_id);
        shown.then(|| self.text.clone())
    }
}

/// After a room relayed a view that came from this instance: the other instances are told
/// (on PostgreSQL; nothing to do on SQLite). The room awaits it, so that they hear of its
/// views in order.
pub async fn announce(db: &Db, session_id: &str, v: Relayed) {
    if v.from_conn.is_none() {
        return;
    }
    let relayed = Event::ViewRelayed {
        session_id: session_id.to_string(),
        dossier_id: v.dossier_id,
        view: v.text.to_string(),
    };
    if let Err(e) = effects::announce(db, vec![relayed]).await {
        tracing::warn!(error = %e, "a view was not announced to the other instances");
    }
}

/// A trailing-edge throttle. The first item goes at once; one offered within the interval
/// after the last that went waits, replacing any that waited before it, and goes when the
/// interval ends. So at most one item per interval goes, always the latest, and the last one
/// offered is never dropped.
#[derive(Debug)]
pub struct Throttle<T> {
    last_sent: Option<Instant>,
    waiting: Option<T>,
}

impl<T> Default for Throttle<T> {
    fn default() -> Self {
        Throttle {
            last_sent: None,
            waiting: None,
        }
    }
}

impl<T> Throttle<T> {
    /// Offers an item at `now`: returns it if it goes now, else keeps it (and drops the one it
    /// replaces).
    pub fn offer(&mut self, now: Instant, item: T) -> Option<T> {
        let free = self.last_sent.is_none_or(|t| now >= t + VIEW_INTERVAL);
        if self.waiting.is_none() && free {
            self.last_sent = Some(now);
            Some(item)
        } else {
            self.waiting = Some(item);
            None
        }
    }

    /// When the waiting item goes, if one waits.
    pub fn due(&self) -> Option<Instant> {
        match (&self.waiting, self.last_sent) {
            (Some(_), Some(t)) => Some(t + VIEW_INTERVAL),
            (Some(_), None) => Some(Instant::now()),
            (None, _) => None,
        }
    }

    /// The waiting item, if its time has come at `now`.
    pub fn take_due(&mut self, now: Instant) -> Option<T> {
        match self.due() {
            Some(at) if now >= at => {
                self.last_sent = Some(now);
                self.waiting.take()
            }
            _ => None,
        }
    }

    pub fn is_waiting(&self) -> bool {
        self.waiting.is_some()
    }
}

/// Waits until `at`, or for ever without it (a branch of a `select!`).
pub async fn until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// How long the latest view of a session is kept for later joiners, and how many sessions'
/// views an instance keeps at most.
const KEEP: Duration = Duration::from_secs(12 * 3600);
const MAX_SESSIONS: usize = 10_000;

/// The latest view relayed in each session, for the `welcome` of those who join later: the
/// views of this instance's rooms and, on PostgreSQL, those the other instances announced
/// (kept even where this instance has no room for the session yet).
#[derive(Debug, Default)]
pub struct LatestViews {
    views: Mutex<HashMap<String, (Instant, Relayed)>>,
}

impl LatestViews {
    pub fn remember(&self, session_id: &str, view: &Relayed) {
        let mut views = match self.views.lock() {
            Ok(v) => v,
            Err(poisoned) => poisoned.into_inner(),
        };
        let now = Instant::now();
        if views.len() >= MAX_SESSIONS && !views.contains_key(session_id) {
            views.retain(|_, (at, _)| now.duration_since(*at) < KEEP);
            if views.len() >= MAX_SESSIONS
                && let Some(oldest) = views
                    .iter()
                    .min_by_key(|(_, (at, _))| *at)
                    .map(|(k, _)| k.clone())
            {
                views.remove(&oldest);
            }
        }
        let view = Relayed {
            from_conn: None,
            ..view.clone()
        };
        views.insert(session_id.to_string(), (now, view));
    }

    /// The latest view of a session, if one was relayed in the last hours.
    pub fn latest(&self, session_id: &str) -> Option<Relayed> {
        let views = self.views.lock().ok()?;
        views
            .get(session_id)
            .filter(|(at, _)| at.elapsed() < KEEP)
            .map(|(_, v)| v.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_goes_at_once_and_the_last_is_never_dropped() {
        let start = Instant::now();
        let mut t = Throttle::default();
        assert_eq!(t.offer(start, 1), Some(1));
        assert_eq!(t.due(), None);
        // Within the interval: kept, each replacing the one before.
        let ms = Duration::from_millis;
        assert_eq!(t.offer(start + ms(10), 2), None);
        assert_eq!(t.offer(start + ms(20), 3), None);
        assert_eq!(t.due(), Some(start + ms(100)));
        assert_eq!(t.take_due(start + ms(99)), None);
        assert_eq!(t.take_due(start + ms(100)), Some(3));
        assert!(!t.is_waiting());
        // The next interval counts from then.
        assert_eq!(t.offer(start + ms(150), 4), None);
        assert_eq!(t.due(), Some(start + ms(200)));
        assert_eq!(t.take_due(start + ms(230)), Some(4));
        // Long after, the next goes at once again.
        assert_eq!(t.offer(start + ms(1000), 5), Some(5));
    }

    #[test]
    fn a_burst_goes_out_ten_a_second_ending_with_its_last() {
        let start = Instant::now();
        let mut t = Throttle::default();
        let mut sent = Vec::new();
        // 200 offers, one a millisecond, the flushes as a room would do them.
        let mut now = start;
        for n in 1..=200 {
            now = start + Duration::from_millis(n);
            if let Some(due) = t.take_due(now) {
                sent.push((now, due));
            }
            if let Some(x) = t.offer(now, n) {
                sent.push((now, x));
            }
        }
        while let Some(at) = t.due() {
            now = now.max(at);
            sent.extend(t.take_due(now).map(|x| (now, x)));
        }
        assert_eq!(sent.last().map(|(_, x)| *x), Some(200));
        assert!(sent.len() <= 3, "{sent:?}");
        assert!(
            sent.windows(2)
                .all(|w| w[1].0.duration_since(w[0].0) >= VIEW_INTERVAL)
        );
    }

    fn relayed(text: &str) -> Relayed {
        Relayed {
            from_conn: Some(1),
            dossier_id: "d".into(),
            text: ByteString::from(text.to_string()),
        }
    }

    #[test]
    fn the_latest_view_of_each_session_is_kept() {
        let views = LatestViews::default();
        assert!(views.latest("s").is_none());
        views.remember("s", &relayed("one"));
        views.remember("s", &relayed("two"));
        views.remember("t", &relayed("three"));
        let latest = views.latest("s").unwrap();
        assert_eq!(&*latest.text, "two");
        // Kept for later joiners, whoever sent it.
        assert_eq!(latest.from_conn, None);
        assert_eq!(&*views.latest("t").unwrap().text, "three");
    }
}

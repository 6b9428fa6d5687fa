//! The side effects of what happened, in one place.

use super::Event;
use crate::db::{self, Backend, Db, DbConn};
use crate::domain::notification::Delivery;
use crate::error::AppResult;
use crate::note::{MAX_NOTE_BYTES, Note};

impl Event {
    /// The note that tells the rooms of every instance, if the event concerns them. A locally
    /// committed room event carries itself so that this instance need not read it back.
    pub fn note(&self) -> Option<Note> {
        Some(match self {
            Event::RoomEvent(committed) => Note::Event {
                session_id: committed.session_id.clone(),
                seq: committed.seq,
                event: Some(committed.clone()),
            },
            Event::BallotCast {
                session_id,
                vote_id,
                ..
            } => Note::Tally {
                session_id: session_id.clone(),
                vote_id: vote_id.clone(),
            },
            Event::PresenceChanged { session_id } => Note::Presence {
                session_id: session_id.clone(),
            },
            Event::ViewRelayed {
                session_id,
                dossier_id,
                view,
            } => Note::View {
                session_id: session_id.clone(),
                dossier_id: dossier_id.clone(),
                view: view.clone(),
            },
            Event::AccessChanged { user_id } => Note::AccessChanged {
                user_id: user_id.clone(),
            },
            Event::UserDisabled { user_id } => Note::UserRevoked {
                user_id: user_id.clone(),
            },
            Event::TokenRevoked { token_id } => Note::TokenRevoked {
                token_id: token_id.clone(),
            },
            Event::Notified { user_id } => Note::Inbox {
                user_id: user_id.clone(),
            },
            _ => return None,
        })
    }
}

/// Inside the transaction that caused `events`, before it commits: writes the notifications
/// they cause (the outbox), and tells the other instances (on PostgreSQL, `pg_notify` is
/// delivered only if the transaction commits). Returns the events of the notifications.
pub fn within(conn: &mut DbConn, delivery: &Delivery, events: &[Event]) -> AppResult<Vec<Event>> {
    let notified = super::notify::write(conn, delivery, events)?;
    for note in events.iter().chain(&notified).filter_map(Event::note) {
        db::notify(conn, &note.encode())?;
    }
    Ok(notified)
}

/// The notes for this instance's own rooms, once the transaction has committed. A relayed
/// view is not among them: the room that relayed it is where it comes from.
pub fn local_notes(events: &[Event]) -> impl Iterator<Item = Note> + '_ {
    events
        .iter()
        .filter(|e| !matches!(e, Event::ViewRelayed { .. }))
        .filter_map(Event::note)
}

/// Tells the other instances of what happened outside any transaction (a relayed view, which
/// nothing writes): on PostgreSQL, a `pg_notify` of its own; on SQLite there is one instance
/// and nothing to do. A note too long for `pg_notify` is not sent (logged).
pub async fn announce(db: &Db, events: Vec<Event>) -> AppResult<()> {
    if db.backend() != Backend::Postgres {
        return Ok(());
    }
    let notes: Vec<String> = events
        .iter()
        .filter_map(Event::note)
        .map(|n| n.encode())
        .filter(|text| {
            let fits = text.len() <= MAX_NOTE_BYTES;
            if !fits {
                tracing::warn!(bytes = text.len(), "note too long for the other instances");
            }
            fits
        })
        .collect();
    if notes.is_empty() {
        return Ok(());
    }
    db.write(move |conn| {
        for note in &notes {
            db::notify(conn, note)?;
        }
        Ok(())
    })
    .await
}

//! The side effects of what happened, in one place.

use super::Event;
use crate::db::{self, DbConn};
use crate::error::AppResult;
use crate::note::Note;

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
                cast,
            } => Note::Tally {
                session_id: session_id.clone(),
                vote_id: vote_id.clone(),
                cast: Some(*cast),
            },
            Event::PresenceChanged { session_id } => Note::Presence {
                session_id: session_id.clone(),
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
            _ => return None,
        })
    }
}

/// Inside the transaction that caused `events`, before it commits: tells the other instances
/// (on PostgreSQL, `pg_notify` is delivered only if the transaction commits).
pub fn within(conn: &mut DbConn, events: &[Event]) -> AppResult<()> {
    for note in events.iter().filter_map(Event::note) {
        db::notify(conn, &note.encode())?;
    }
    Ok(())
}

/// The notes for this instance's own rooms, once the transaction has committed.
pub fn local_notes(events: &[Event]) -> impl Iterator<Item = Note> + '_ {
    events.iter().filter_map(Event::note)
}

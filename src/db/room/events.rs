//! The room's event log: one row per durable event, numbered by the session's `last_seq`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{room_events, sessions as sessions_t};
use crate::db::{DbConn, now};
use crate::domain::room_visibility::EventKind;
use crate::error::{AppError, AppResult};

/// A durable event, committed: its `seq`, what it is about and the exact text sent to those
/// who see the whole room.
#[derive(Debug, Clone)]
pub struct Committed {
    pub session_id: String,
    pub seq: i64,
    pub kind: String,
    /// The dossier the event is about, if any: the one a focus or a vote names; for a chat
    /// line, the one in focus when it was written (`Viewer::chat_about`). Stored with the
    /// event so that each viewer is shown only what they may see (`domain::room_visibility`).
    pub dossier_id: Option<String>,
    pub author_id: String,
    pub payload: String,
}

/// An event to append; its text is composed once its `seq` and time are known.
pub struct NewEvent<'a> {
    pub session_id: &'a str,
    pub author_id: &'a str,
    pub kind: EventKind,
    pub about: Option<&'a str>,
}

/// Takes the session's row lock (appending takes it too), so that what is read next (the
/// focus) is still true when the caller's event commits.
pub fn lock_log(conn: &mut DbConn, session_id: &str) -> AppResult<()> {
    diesel::update(sessions_t::table.find(session_id))
        .set(sessions_t::last_seq.eq(sessions_t::last_seq))
        .execute(conn)?;
    Ok(())
}

/// Appends an event to the session's log. The counter row update takes the session's row lock,
/// so concurrent events commit one after the other and `seq` grows by exactly 1.
pub fn append(
    conn: &mut DbConn,
    new: NewEvent<'_>,
    compose: impl FnOnce(i64, NaiveDateTime) -> AppResult<String>,
) -> AppResult<Committed> {
    let bumped = diesel::update(sessions_t::table.find(new.session_id))
        .set(sessions_t::last_seq.eq(sessions_t::last_seq + 1))
        .execute(conn)?;
    if bumped != 1 {
        return Err(AppError::not_found("session"));
    }
    let seq: i64 = sessions_t::table
        .find(new.session_id)
        .select(sessions_t::last_seq)
        .first(conn)?;
    let at = now();
    let payload = compose(seq, at)?;
    let kind = new.kind.as_str();
    let dossier_id = new.about.map(str::to_string);
    diesel::insert_into(room_events::table)
        .values((
            room_events::session_id.eq(new.session_id),
            room_events::seq.eq(seq),
            room_events::kind.eq(kind),
            room_events::author_id.eq(new.author_id),
            room_events::at.eq(at),
            room_events::payload.eq(&payload),
            room_events::dossier_id.eq(&dossier_id),
        ))
        .execute(conn)?;
    Ok(Committed {
        session_id: new.session_id.to_string(),
        seq,
        kind: kind.to_string(),
        dossier_id,
        author_id: new.author_id.to_string(),
        payload,
    })
}

/// The dossier in focus as of the event `upto` (before it, when `upto` is not a focus).
pub fn focused_dossier(
    conn: &mut DbConn,
    session_id: &str,
    upto: i64,
) -> AppResult<Option<String>> {
    Ok(room_events::table
        .filter(room_events::session_id.eq(session_id))
        .filter(room_events::kind.eq(EventKind::Focus.as_str()))
        .filter(room_events::seq.le(upto))
        .order(room_events::seq.desc())
        .select(room_events::dossier_id)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// The last committed `seq` of a session.
pub fn last_seq(conn: &mut DbConn, session_id: &str) -> AppResult<i64> {
    Ok(sessions_t::table
        .find(session_id)
        .select(sessions_t::last_seq)
        .first(conn)?)
}

type EventRow = (i64, String, Option<String>, String, String);

fn committed(session_id: &str, rows: Vec<EventRow>) -> Vec<Committed> {
    rows.into_iter()
        .map(|(seq, kind, dossier_id, author_id, payload)| Committed {
            session_id: session_id.to_string(),
            seq,
            kind,
            dossier_id,
            author_id,
            payload,
        })
        .collect()
}

const COLUMNS: (
    room_events::seq,
    room_events::kind,
    room_events::dossier_id,
    room_events::author_id,
    room_events::payload,
) = (
    room_events::seq,
    room_events::kind,
    room_events::dossier_id,
    room_events::author_id,
    room_events::payload,
);

/// Events with `after < seq <= upto`, oldest first, at most `limit`.
pub fn events_between(
    conn: &mut DbConn,
    session_id: &str,
    after: i64,
    upto: i64,
    limit: i64,
) -> AppResult<Vec<Committed>> {
    let rows: Vec<EventRow> = room_events::table
        .filter(room_events::session_id.eq(session_id))
        .filter(room_events::seq.gt(after))
        .filter(room_events::seq.le(upto))
        .order(room_events::seq.asc())
        .limit(limit)
        .select(COLUMNS)
        .load(conn)?;
    Ok(committed(session_id, rows))
}

/// The events of one kind about one dossier, oldest first.
pub fn of_kind_about(
    conn: &mut DbConn,
    session_id: &str,
    kind: EventKind,
    dossier_id: &str,
) -> AppResult<Vec<Committed>> {
    let rows: Vec<EventRow> = room_events::table
        .filter(room_events::session_id.eq(session_id))
        .filter(room_events::kind.eq(kind.as_str()))
        .filter(room_events::dossier_id.eq(dossier_id))
        .order(room_events::seq.asc())
        .select(COLUMNS)
        .load(conn)?;
    Ok(committed(session_id, rows))
}

/// The latest event of one kind as of `upto`.
pub fn last_of_kind(
    conn: &mut DbConn,
    session_id: &str,
    kind: EventKind,
    upto: i64,
) -> AppResult<Option<Committed>> {
    let rows: Vec<EventRow> = room_events::table
        .filter(room_events::session_id.eq(session_id))
        .filter(room_events::kind.eq(kind.as_str()))
        .filter(room_events::seq.le(upto))
        .order(room_events::seq.desc())
        .limit(1)
        .select(COLUMNS)
        .load(conn)?;
    Ok(committed(session_id, rows).pop())
}

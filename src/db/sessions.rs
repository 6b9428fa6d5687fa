//! Meetings of a board and their agendas.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{agenda_items, board_members, boards, dossiers as dossiers_t, sessions, votes};
use super::{DbConn, new_id, now};
use crate::domain::room::{SessionStatus, VoteStatus};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: String,
    pub board_id: String,
    pub title: String,
    pub scheduled_at: NaiveDateTime,
    pub video_url: Option<String>,
    pub status: String,
    pub last_seq: i64,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
    pub duration_minutes: i32,
    pub published_at: Option<NaiveDateTime>,
    /// The calendar SEQUENCE of the session's invitation.
    pub sequence: i32,
}

impl SessionRow {
    pub fn status(&self) -> SessionStatus {
        self.status.parse().unwrap_or(SessionStatus::Planned)
    }

    pub fn is_closed(&self) -> bool {
        self.status() == SessionStatus::Closed
    }
}

/// One dossier on an agenda, as the Session JSON shows it.
#[derive(Debug, Clone)]
pub struct AgendaEntry {
    pub dossier_id: String,
    pub reference: String,
    pub title: String,
    pub status: String,
    pub position: i32,
}

/// A session with its agenda.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub row: SessionRow,
    pub agenda: Vec<AgendaEntry>,
}

/// A validated new session.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub title: String,
    pub scheduled_at: NaiveDateTime,
    pub video_url: Option<String>,
    pub duration_minutes: i32,
}

pub fn by_id(conn: &mut DbConn, id: &str) -> AppResult<Option<SessionRow>> {
    Ok(sessions::table
        .find(id)
        .select(SessionRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn agenda(conn: &mut DbConn, session_id: &str) -> AppResult<Vec<AgendaEntry>> {
    let rows: Vec<(String, String, String, String, i32)> = agenda_items::table
        .inner_join(dossiers_t::table)
        .filter(agenda_items::session_id.eq(session_id))
        .order(agenda_items::position.asc())
        .select((
            dossiers_t::id,
            dossiers_t::reference,
            dossiers_t::title,
            dossiers_t::status,
            agenda_items::position,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(dossier_id, reference, title, status, position)| AgendaEntry {
                dossier_id,
                reference,
                title,
                status,
                position,
            },
        )
        .collect())
}

pub fn record(conn: &mut DbConn, row: SessionRow) -> AppResult<SessionRecord> {
    let agenda = agenda(conn, &row.id)?;
    Ok(SessionRecord { row, agenda })
}

/// The ids of the dossiers of `board_id` that `user_id` refers.
pub fn own_dossiers(conn: &mut DbConn, board_id: &str, user_id: &str) -> AppResult<Vec<String>> {
    Ok(dossiers_t::table
        .filter(dossiers_t::board_id.eq(board_id))
        .filter(dossiers_t::referrer_id.eq(user_id))
        .select(dossiers_t::id)
        .load(conn)?)
}

/// Whether a dossier is on a session's agenda.
pub fn on_agenda(conn: &mut DbConn, session_id: &str, dossier_id: &str) -> AppResult<bool> {
    Ok(agenda_items::table
        .find((session_id, dossier_id))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// Whether `user` refers a dossier on the agenda of `session_id`.
pub fn refers_on_agenda(conn: &mut DbConn, session_id: &str, user_id: &str) -> AppResult<bool> {
    Ok(agenda_items::table
        .inner_join(dossiers_t::table)
        .filter(agenda_items::session_id.eq(session_id))
        .filter(dossiers_t::referrer_id.eq(user_id))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// Takes a dossier off every agenda of a session that is not closed (withdrawal).
pub fn remove_from_open_agendas(conn: &mut DbConn, dossier_id: &str) -> AppResult<()> {
    let open: Vec<String> = agenda_items::table
        .inner_join(sessions::table)
        .filter(agenda_items::dossier_id.eq(dossier_id))
        .filter(sessions::status.ne(SessionStatus::Closed.as_str()))
        .select(agenda_items::session_id)
        .load(conn)?;
    for session_id in open {
        diesel::delete(agenda_items::table.find((session_id, dossier_id))).execute(conn)?;
    }
    Ok(())
}

pub fn has_open_vote(conn: &mut DbConn, dossier_id: &str) -> AppResult<bool> {
    Ok(votes::table
        .filter(votes::dossier_id.eq(dossier_id))
        .filter(votes::status.eq(VoteStatus::Open.as_str()))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// Marks a session closed (the caller has closed its open votes first).
pub fn mark_closed(conn: &mut DbConn, session_id: &str) -> AppResult<()> {
    diesel::update(sessions::table.find(session_id))
        .set((
            sessions::status.eq(SessionStatus::Closed.as_str()),
            sessions::closed_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Inserts a planned session; its id.
pub fn insert(
    conn: &mut DbConn,
    board_id: &str,
    created_by: &str,
    new: &NewSession,
) -> AppResult<String> {
    let id = new_id();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(&id),
            sessions::board_id.eq(board_id),
            sessions::title.eq(&new.title),
            sessions::scheduled_at.eq(new.scheduled_at),
            sessions::video_url.eq(&new.video_url),
            sessions::duration_minutes.eq(new.duration_minutes),
            sessions::status.eq(SessionStatus::Planned.as_str()),
            sessions::last_seq.eq(0_i64),
            sessions::created_by.eq(created_by),
            sessions::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(id)
}

/// A session and its agenda; 404 if it is gone.
pub fn get_record(conn: &mut DbConn, id: &str) -> AppResult<SessionRecord> {
    let row = by_id(conn, id)?.ok_or_else(|| AppError::not_found("session"))?;
    record(conn, row)
}

/// A board's sessions, latest scheduled first (at most 500): all of them, or only those with
/// a dossier of `only_referrer` on the agenda.
pub fn list_for_board(
    conn: &mut DbConn,
    board_id: &str,
    only_referrer: Option<&str>,
) -> AppResult<Vec<SessionRow>> {
    let mut query = sessions::table
        .filter(sessions::board_id.eq(board_id.to_string()))
        .select(SessionRow::as_select())
        .into_boxed();
    if let Some(referrer) = only_referrer {
        let mine = agenda_items::table
            .inner_join(dossiers_t::table)
            .filter(dossiers_t::referrer_id.eq(referrer.to_string()))
            .select(agenda_items::session_id);
        query = query.filter(sessions::id.eq_any(mine));
    }
    Ok(query
        .order((sessions::scheduled_at.desc(), sessions::id.desc()))
        .limit(500)
        .load(conn)?)
}

/// Appends a dossier at the end of the agenda.
pub fn add_agenda_item(conn: &mut DbConn, session_id: &str, dossier_id: &str) -> AppResult<()> {
    let position: Option<i32> = agenda_items::table
        .filter(agenda_items::session_id.eq(session_id))
        .select(diesel::dsl::max(agenda_items::position))
        .first(conn)?;
    diesel::insert_into(agenda_items::table)
        .values((
            agenda_items::session_id.eq(session_id),
            agenda_items::dossier_id.eq(dossier_id),
            agenda_items::position.eq(position.unwrap_or(0) + 1),
            agenda_items::added_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn delete_agenda_item(conn: &mut DbConn, session_id: &str, dossier_id: &str) -> AppResult<()> {
    diesel::delete(agenda_items::table.find((session_id, dossier_id))).execute(conn)?;
    Ok(())
}

pub fn set_status(conn: &mut DbConn, session_id: &str, status: SessionStatus) -> AppResult<()> {
    diesel::update(sessions::table.find(session_id))
        .set(sessions::status.eq(status.as_str()))
        .execute(conn)?;
    Ok(())
}

/// Which of `times` a board already has a session at (planning is idempotent).
pub fn taken_times(
    conn: &mut DbConn,
    board_id: &str,
    times: &[NaiveDateTime],
) -> AppResult<Vec<NaiveDateTime>> {
    Ok(sessions::table
        .filter(sessions::board_id.eq(board_id))
        .filter(sessions::scheduled_at.eq_any(times))
        .select(sessions::scheduled_at)
        .load(conn)?)
}

/// The sessions of `user_id`'s boards and those with a dossier of theirs on the agenda, with
/// their board's name, latest first (at most 1000): what their calendar feed lists.
pub fn for_calendar(conn: &mut DbConn, user_id: &str) -> AppResult<Vec<(SessionRow, String)>> {
    let boards_of = board_members::table
        .filter(board_members::user_id.eq(user_id.to_string()))
        .select(board_members::board_id);
    let referred = agenda_items::table
        .inner_join(dossiers_t::table)
        .filter(dossiers_t::referrer_id.eq(user_id.to_string()))
        .select(agenda_items::session_id);
    Ok(sessions::table
        .inner_join(boards::table)
        .filter(
            sessions::board_id
                .eq_any(boards_of)
                .or(sessions::id.eq_any(referred)),
        )
        .select((SessionRow::as_select(), boards::name))
        .order((sessions::scheduled_at.desc(), sessions::id.desc()))
        .limit(1000)
        .load(conn)?)
}

/// The dossiers on a session's agenda with their referrers, in agenda order.
pub fn agenda_referrers(conn: &mut DbConn, session_id: &str) -> AppResult<Vec<(String, String)>> {
    Ok(agenda_items::table
        .inner_join(dossiers_t::table)
        .filter(agenda_items::session_id.eq(session_id))
        .order(agenda_items::position.asc())
        .select((dossiers_t::id, dossiers_t::referrer_id))
        .load(conn)?)
}

/// Marks a session published (its agenda sent).
pub fn mark_published(conn: &mut DbConn, session_id: &str) -> AppResult<()> {
    diesel::update(sessions::table.find(session_id))
        .set(sessions::published_at.eq(now()))
        .execute(conn)?;
    Ok(())
}

/// One more change told to calendars: the invitation's SEQUENCE grows.
pub fn bump_sequence(conn: &mut DbConn, session_id: &str) -> AppResult<()> {
    diesel::update(sessions::table.find(session_id))
        .set(sessions::sequence.eq(sessions::sequence + 1))
        .execute(conn)?;
    Ok(())
}

/// What may change of a planned session.
#[derive(Debug, Clone, Default)]
pub struct SessionChange {
    pub title: Option<String>,
    pub scheduled_at: Option<NaiveDateTime>,
    pub duration_minutes: Option<i32>,
    /// `Some(None)` removes the link.
    pub video_url: Option<Option<String>>,
}

pub fn change(conn: &mut DbConn, session_id: &str, c: &SessionChange) -> AppResult<()> {
    let target = sessions::table.find(session_id);
    if let Some(title) = &c.title {
        diesel::update(target)
            .set(sessions::title.eq(title))
            .execute(conn)?;
    }
    if let Some(at) = c.scheduled_at {
        diesel::update(target)
            .set(sessions::scheduled_at.eq(at))
            .execute(conn)?;
    }
    if let Some(minutes) = c.duration_minutes {
        diesel::update(target)
            .set(sessions::duration_minutes.eq(minutes))
            .execute(conn)?;
    }
    if let Some(video) = &c.video_url {
        diesel::update(target)
            .set(sessions::video_url.eq(video))
            .execute(conn)?;
    }
    Ok(())
}

//! Meetings of a board and their agendas.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::json;

use super::audit::{self, Audit};
use super::dossiers::{self, DossierRow};
use super::room::{self, Committed};
use super::schema::{agenda_items, dossiers as dossiers_t, sessions, votes};
use super::users::UserRow;
use super::{DbConn, boards, new_id, now, users};
use crate::domain::dossier::{DossierStatus, Transition};
use crate::domain::room::{RoomRole, SessionStatus, VoteStatus};
use crate::domain::room_visibility::Viewer;
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

impl SessionRecord {
    /// The session as `viewer` may see it: a referrer's agenda lists their own dossiers only.
    pub fn seen_by(mut self, viewer: &Viewer) -> SessionRecord {
        self.agenda.retain(|a| viewer.sees_dossier(&a.dossier_id));
        self
    }
}

/// The ids of the dossiers of `board_id` that `user_id` refers.
pub fn own_dossiers(conn: &mut DbConn, board_id: &str, user_id: &str) -> AppResult<Vec<String>> {
    Ok(dossiers_t::table
        .filter(dossiers_t::board_id.eq(board_id))
        .filter(dossiers_t::referrer_id.eq(user_id))
        .select(dossiers_t::id)
        .load(conn)?)
}

/// How much of the session's room `user`, admitted with `role`, may see.
pub fn viewer(
    conn: &mut DbConn,
    session: &SessionRow,
    user: &UserRow,
    role: RoomRole,
) -> AppResult<Viewer> {
    let own = if role == RoomRole::Referrer {
        own_dossiers(conn, &session.board_id, &user.id)?
    } else {
        Vec::new()
    };
    Ok(Viewer::of(role, user.is_admin(), &user.id, own))
}

/// What `user_id` may see of the session's room now; `None` if they may not enter it (or the
/// session or the user is gone).
pub fn current_viewer(
    conn: &mut DbConn,
    session_id: &str,
    user_id: &str,
) -> AppResult<Option<Viewer>> {
    let (Some(session), Some(user)) = (by_id(conn, session_id)?, users::by_id(conn, user_id)?)
    else {
        return Ok(None);
    };
    match room_role(conn, &session, &user)? {
        Some(role) => Ok(Some(viewer(conn, &session, &user, role)?)),
        None => Ok(None),
    }
}

/// The room log of a session `user` may see (events with `since < seq`, at most `limit`),
/// with how much of it they may see; the read is recorded when it returns events.
pub fn read_log(
    conn: &mut DbConn,
    user: &UserRow,
    id: &str,
    since: i64,
    limit: i64,
) -> AppResult<(Viewer, Vec<Committed>)> {
    let (row, role) = load_visible(conn, user, id)?;
    let viewer = viewer(conn, &row, user, role)?;
    let events = room::events_between(conn, id, since, i64::MAX, limit)?;
    if let (Some(first), Some(last)) = (events.first(), events.last()) {
        audit::record(
            conn,
            Audit::new(&user.id, "session.events_read", "session", id).with_detail(json!({
                "since": since,
                "first_seq": first.seq,
                "last_seq": last.seq,
            })),
        )?;
    }
    Ok((viewer, events))
}

/// A session `user` may see, as they may see it, recording the read (the agenda names
/// dossiers); 404 otherwise.
pub fn read(conn: &mut DbConn, user: &UserRow, id: &str) -> AppResult<SessionRecord> {
    let (row, role) = load_visible(conn, user, id)?;
    let viewer = viewer(conn, &row, user, role)?;
    audit::record(conn, Audit::new(&user.id, "session.read", "session", id))?;
    Ok(record(conn, row)?.seen_by(&viewer))
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

/// How `user` takes part in the session's room, if at all.
pub fn room_role(
    conn: &mut DbConn,
    session: &SessionRow,
    user: &UserRow,
) -> AppResult<Option<RoomRole>> {
    let board_role = boards::role_of(conn, &session.board_id, &user.id)?;
    let refers = board_role.is_none() && refers_on_agenda(conn, &session.id, &user.id)?;
    Ok(RoomRole::of(board_role, refers, user.is_admin()))
}

/// Loads a session `user` may see (404 otherwise) with their room role.
pub fn load_visible(
    conn: &mut DbConn,
    user: &UserRow,
    id: &str,
) -> AppResult<(SessionRow, RoomRole)> {
    let row = by_id(conn, id)?.ok_or_else(|| AppError::not_found("session"))?;
    let role = room_role(conn, &row, user)?.ok_or_else(|| AppError::not_found("session"))?;
    Ok((row, role))
}

/// Loads a session for a coordinator's action: 404 if hidden, 403 if not a coordinator.
fn load_for_chair(conn: &mut DbConn, user: &UserRow, id: &str) -> AppResult<SessionRow> {
    let (row, role) = load_visible(conn, user, id)?;
    if !role.can_chair() {
        return Err(AppError::forbidden(
            "only a coordinator of the board may do this",
        ));
    }
    Ok(row)
}

/// Plans a session (coordinators of the board).
pub fn create(
    conn: &mut DbConn,
    user: &UserRow,
    board_id: &str,
    new: &NewSession,
) -> AppResult<SessionRecord> {
    boards::get(conn, board_id)?;
    boards::relation(conn, board_id, user)?
        .check_coordinate()
        .map_err(|d| AppError::denied(d, "board"))?;
    let id = new_id();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(&id),
            sessions::board_id.eq(board_id),
            sessions::title.eq(&new.title),
            sessions::scheduled_at.eq(new.scheduled_at),
            sessions::video_url.eq(&new.video_url),
            sessions::status.eq(SessionStatus::Planned.as_str()),
            sessions::last_seq.eq(0_i64),
            sessions::created_by.eq(&user.id),
            sessions::created_at.eq(now()),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        Audit::new(&user.id, "session.create", "session", &id)
            .with_detail(json!({ "board_id": board_id })),
    )?;
    let row = by_id(conn, &id)?.ok_or_else(|| AppError::not_found("session"))?;
    record(conn, row)
}

/// A board's sessions, latest scheduled first. Board members, coordinators and admins see
/// all of them; anyone else only those with a dossier of theirs on the agenda.
pub fn list_for_board(
    conn: &mut DbConn,
    user: &UserRow,
    board_id: &str,
) -> AppResult<Vec<SessionRecord>> {
    boards::get(conn, board_id)?;
    let sees_all = boards::relation(conn, board_id, user)?.can_see_board_work();
    let mut query = sessions::table
        .filter(sessions::board_id.eq(board_id.to_string()))
        .select(SessionRow::as_select())
        .into_boxed();
    if !sees_all {
        let mine = agenda_items::table
            .inner_join(dossiers_t::table)
            .filter(dossiers_t::referrer_id.eq(user.id.clone()))
            .select(agenda_items::session_id);
        query = query.filter(sessions::id.eq_any(mine));
    }
    let rows = query
        .order((sessions::scheduled_at.desc(), sessions::id.desc()))
        .limit(500)
        .load(conn)?;
    // Outside the board, the caller is a referrer of dossiers on these agendas.
    let viewer = if sees_all {
        Viewer::WholeRoom
    } else {
        Viewer::of(
            RoomRole::Referrer,
            user.is_admin(),
            &user.id,
            own_dossiers(conn, board_id, &user.id)?,
        )
    };
    audit::record_list(
        conn,
        &user.id,
        "session.list",
        "session",
        rows.iter().map(|r| r.id.as_str()),
        json!({ "board_id": board_id }),
    )?;
    rows.into_iter()
        .map(|r| Ok(record(conn, r)?.seen_by(&viewer)))
        .collect()
}

/// Puts a submitted dossier of the board on the agenda (coordinators).
pub fn add_to_agenda(
    conn: &mut DbConn,
    user: &UserRow,
    session_id: &str,
    dossier_id: &str,
) -> AppResult<SessionRecord> {
    let session = load_for_chair(conn, user, session_id)?;
    if session.is_closed() {
        return Err(AppError::conflict("the session is closed"));
    }
    let dossier =
        dossiers::by_id(conn, dossier_id)?.ok_or_else(|| AppError::not_found("dossier"))?;
    if dossier.board_id != session.board_id {
        return Err(AppError::conflict(
            "the dossier was referred to another board",
        ));
    }
    let next = dossier
        .status()
        .apply(Transition::Schedule)
        .map_err(|e| AppError::conflict(e.to_string()))?;
    let position: Option<i32> = agenda_items::table
        .filter(agenda_items::session_id.eq(session_id))
        .select(diesel::dsl::max(agenda_items::position))
        .first(conn)?;
    dossiers::set_status(conn, &dossier, next)?;
    diesel::insert_into(agenda_items::table)
        .values((
            agenda_items::session_id.eq(session_id),
            agenda_items::dossier_id.eq(dossier_id),
            agenda_items::position.eq(position.unwrap_or(0) + 1),
            agenda_items::added_at.eq(now()),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        Audit::new(&user.id, "dossier.schedule", "dossier", dossier_id)
            .with_detail(json!({ "session_id": session_id })),
    )?;
    let row = by_id(conn, session_id)?.ok_or_else(|| AppError::not_found("session"))?;
    record(conn, row)
}

/// Takes a scheduled dossier off the agenda (coordinators); it goes back to `submitted`.
pub fn remove_from_agenda(
    conn: &mut DbConn,
    user: &UserRow,
    session_id: &str,
    dossier_id: &str,
) -> AppResult<SessionRecord> {
    let session = load_for_chair(conn, user, session_id)?;
    if session.is_closed() {
        return Err(AppError::conflict("the session is closed"));
    }
    if !on_agenda(conn, session_id, dossier_id)? {
        return Err(AppError::not_found("agenda item"));
    }
    if has_open_vote(conn, dossier_id)? {
        return Err(AppError::conflict(
            "a vote is open on this dossier; close it first",
        ));
    }
    let dossier =
        dossiers::by_id(conn, dossier_id)?.ok_or_else(|| AppError::not_found("dossier"))?;
    unschedule(conn, &dossier, session_id)?;
    audit::record(
        conn,
        Audit::new(&user.id, "dossier.unschedule", "dossier", dossier_id)
            .with_detail(json!({ "session_id": session_id })),
    )?;
    let row = by_id(conn, session_id)?.ok_or_else(|| AppError::not_found("session"))?;
    record(conn, row)
}

/// Removes a dossier from an agenda, putting a scheduled one back to `submitted`.
pub fn unschedule(conn: &mut DbConn, dossier: &DossierRow, session_id: &str) -> AppResult<()> {
    diesel::delete(agenda_items::table.find((session_id, &dossier.id))).execute(conn)?;
    if dossier.status() == DossierStatus::Scheduled {
        dossiers::set_status(conn, dossier, DossierStatus::Submitted)?;
    }
    Ok(())
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

/// Loads a session that a coordinator is about to close.
pub fn load_for_closing(conn: &mut DbConn, user: &UserRow, id: &str) -> AppResult<SessionRow> {
    let session = load_for_chair(conn, user, id)?;
    if session.is_closed() {
        return Err(AppError::conflict("the session is already closed"));
    }
    Ok(session)
}

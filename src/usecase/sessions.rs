//! Meetings and their agendas: planning, reading, putting dossiers on and off the agenda, the
//! room log over REST, and closing a session.

use serde_json::json;

use super::room::{viewer, visible};
use super::{Done, Event, votes};
use crate::db::audit::{self, Audit};
use crate::db::dossiers::DossierRow;
use crate::db::room::{Committed, events as room_events};
use crate::db::sessions::{self, NewSession, SessionRecord, SessionRow};
use crate::db::users::UserRow;
use crate::db::{DbConn, boards, dossiers};
use crate::domain::access::BoardRelation;
use crate::domain::room::RoomRole;
use crate::domain::room_access::{self, SessionCan};
use crate::domain::room_visibility::Viewer;
use crate::error::{AppError, AppResult};

/// A session as its caller may see it, with what they may do with it.
#[derive(Debug, Clone)]
pub struct SessionView {
    pub record: SessionRecord,
    pub can: SessionCan,
}

impl SessionView {
    /// The session as `viewer` may see it: a referrer's agenda lists their own dossiers only.
    pub fn of(mut record: SessionRecord, viewer: &Viewer, role: RoomRole) -> SessionView {
        record.agenda.retain(|a| viewer.sees_dossier(&a.dossier_id));
        let can = SessionCan::of(role, record.row.status(), record.row.published_at.is_some());
        SessionView { record, can }
    }
}

fn relation(conn: &mut DbConn, board_id: &str, user: &UserRow) -> AppResult<BoardRelation> {
    Ok(BoardRelation {
        board_role: boards::role_of(conn, board_id, &user.id)?,
        is_admin: user.is_admin(),
    })
}

/// Plans a session (coordinators of the board).
pub fn create(
    conn: &mut DbConn,
    user: &UserRow,
    board_id: &str,
    new: &NewSession,
) -> AppResult<Done<SessionView>> {
    boards::get(conn, board_id)?;
    relation(conn, board_id, user)?
        .check_coordinate()
        .map_err(|d| AppError::denied(d, "board"))?;
    let id = sessions::insert(conn, board_id, &user.id, new)?;
    audit::record(
        conn,
        Audit::new(&user.id, "session.create", "session", &id)
            .with_detail(json!({ "board_id": board_id })),
    )?;
    let record = sessions::get_record(conn, &id)?;
    Ok(Done::with(
        SessionView::of(record, &Viewer::WholeRoom, RoomRole::Coordinator),
        vec![Event::SessionCreated {
            session_id: id,
            board_id: board_id.to_string(),
        }],
    ))
}

/// A board's sessions, latest scheduled first. Board members, coordinators and admins see
/// all of them; anyone else only those with a dossier of theirs on the agenda.
pub fn list_for_board(
    conn: &mut DbConn,
    user: &UserRow,
    board_id: &str,
) -> AppResult<Vec<SessionView>> {
    boards::get(conn, board_id)?;
    let relation = relation(conn, board_id, user)?;
    let sees_all = relation.can_see_board_work();
    let rows = sessions::list_for_board(conn, board_id, (!sees_all).then_some(user.id.as_str()))?;
    // Outside the board, the caller is a referrer of dossiers on these agendas.
    let (viewer, role) = if sees_all {
        let role =
            RoomRole::of(relation.board_role, false, user.is_admin()).unwrap_or(RoomRole::Admin);
        (Viewer::WholeRoom, role)
    } else {
        let own = sessions::own_dossiers(conn, board_id, &user.id)?;
        (
            Viewer::of(RoomRole::Referrer, user.is_admin(), &user.id, own),
            RoomRole::Referrer,
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
        .map(|r| Ok(SessionView::of(sessions::record(conn, r)?, &viewer, role)))
        .collect()
}

/// A session `user` may see, as they may see it, recording the read (the agenda names
/// dossiers); 404 otherwise.
pub fn read(conn: &mut DbConn, user: &UserRow, id: &str) -> AppResult<SessionView> {
    let (row, role) = visible(conn, user, id)?;
    let viewer = viewer(conn, &row, user, role)?;
    audit::record(conn, Audit::new(&user.id, "session.read", "session", id))?;
    Ok(SessionView::of(sessions::record(conn, row)?, &viewer, role))
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
    let (row, role) = visible(conn, user, id)?;
    let viewer = viewer(conn, &row, user, role)?;
    let events = room_events::events_between(conn, id, since, i64::MAX, limit)?;
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

/// Puts a submitted dossier of the board on the agenda (coordinators); it becomes `scheduled`.
pub fn add_to_agenda(
    conn: &mut DbConn,
    user: &UserRow,
    session_id: &str,
    dossier_id: &str,
) -> AppResult<Done<SessionView>> {
    let (session, role) = for_agenda(conn, user, session_id)?;
    let dossier = dossier(conn, dossier_id)?;
    let next = room_access::may_schedule(dossier.board_id == session.board_id, dossier.status())?;
    dossiers::set_status(conn, &dossier, next)?;
    sessions::add_agenda_item(conn, session_id, dossier_id)?;
    agenda_changed(conn, user, (&session, role), dossier_id, true)
}

/// Takes a dossier off the agenda (coordinators); a scheduled one goes back to `submitted`.
pub fn remove_from_agenda(
    conn: &mut DbConn,
    user: &UserRow,
    session_id: &str,
    dossier_id: &str,
) -> AppResult<Done<SessionView>> {
    let (session, role) = for_agenda(conn, user, session_id)?;
    if !sessions::on_agenda(conn, session_id, dossier_id)? {
        return Err(AppError::not_found("agenda item"));
    }
    let vote_open = sessions::has_open_vote(conn, dossier_id)?;
    let dossier = dossier(conn, dossier_id)?;
    let next = room_access::may_unschedule(vote_open, dossier.status())?;
    sessions::delete_agenda_item(conn, session_id, dossier_id)?;
    if let Some(next) = next {
        dossiers::set_status(conn, &dossier, next)?;
    }
    agenda_changed(conn, user, (&session, role), dossier_id, false)
}

/// A session whose agenda `user` may change (404 if hidden, 403 if not a coordinator, 409
/// once closed), with their role.
fn for_agenda(
    conn: &mut DbConn,
    user: &UserRow,
    session_id: &str,
) -> AppResult<(SessionRow, RoomRole)> {
    let (session, role) = visible(conn, user, session_id)?;
    room_access::may_change_agenda(role, session.status())?;
    Ok((session, role))
}

fn dossier(conn: &mut DbConn, id: &str) -> AppResult<DossierRow> {
    dossiers::by_id(conn, id)?.ok_or_else(|| AppError::not_found("dossier"))
}

/// Records the agenda change and answers the session as it now is.
fn agenda_changed(
    conn: &mut DbConn,
    user: &UserRow,
    (session, role): (&SessionRow, RoomRole),
    dossier_id: &str,
    scheduled: bool,
) -> AppResult<Done<SessionView>> {
    let session_id = session.id.as_str();
    let action = if scheduled {
        "dossier.schedule"
    } else {
        "dossier.unschedule"
    };
    audit::record(
        conn,
        Audit::new(&user.id, action, "dossier", dossier_id)
            .with_detail(json!({ "session_id": session_id })),
    )?;
    let mut events = vec![Event::AgendaChanged {
        session_id: session_id.to_string(),
        dossier_id: dossier_id.to_string(),
        scheduled,
    }];
    events.extend(super::meetings::changed(conn, session)?);
    let record = sessions::get_record(conn, session_id)?;
    Ok(Done::with(
        SessionView::of(record, &Viewer::WholeRoom, role),
        events,
    ))
}

/// Closes a session (coordinators): its open votes are closed as by the chair, then it takes
/// no more writes.
pub fn close(conn: &mut DbConn, user: &UserRow, session_id: &str) -> AppResult<Done<SessionView>> {
    let (session, role) = visible(conn, user, session_id)?;
    room_access::may_close_session(role, session.status())?;
    let mut events = Vec::new();
    for vote in crate::db::room::votes::open_votes(conn, session_id)? {
        let (_, decided) =
            votes::decide(conn, &session, &vote, user, "Vote closed with the session.")?;
        events.extend(decided);
    }
    sessions::mark_closed(conn, session_id)?;
    events.extend(super::meetings::changed(conn, &session)?);
    audit::record(
        conn,
        Audit::new(&user.id, "session.close", "session", session_id),
    )?;
    events.push(Event::SessionClosed {
        session_id: session_id.to_string(),
    });
    let record = sessions::get_record(conn, session_id)?;
    Ok(Done::with(
        SessionView::of(record, &Viewer::WholeRoom, role),
        events,
    ))
}

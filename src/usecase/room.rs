//! The live room: who takes part and how, entering and leaving, and the commands that are not
//! votes (chat, focus). Votes and decisions are in `votes`.

use serde_json::json;

use super::{Done, Event};
use crate::db::audit::{self, Audit};
use crate::db::room::events::{self, NewEvent};
use crate::db::room::{Committed, VoteRow, presence, requests, votes};
use crate::db::sessions::{self, SessionRecord, SessionRow};
use crate::db::users::UserRow;
use crate::db::{DbConn, boards, users};
use crate::domain::room::{self, RoomRole, SessionStatus};
use crate::domain::room_access::{self, RoomCan};
use crate::domain::room_visibility::{EventKind, Viewer};
use crate::error::{AppError, AppResult};
use crate::wire;

/// How `user` takes part in the session's room, if at all.
pub fn role_in(
    conn: &mut DbConn,
    session: &SessionRow,
    user: &UserRow,
) -> AppResult<Option<RoomRole>> {
    let board_role = boards::role_of(conn, &session.board_id, &user.id)?;
    let refers = board_role.is_none() && sessions::refers_on_agenda(conn, &session.id, &user.id)?;
    Ok(RoomRole::of(board_role, refers, user.is_admin()))
}

/// How much of the session's room `user`, admitted with `role`, may see.
pub fn viewer(
    conn: &mut DbConn,
    session: &SessionRow,
    user: &UserRow,
    role: RoomRole,
) -> AppResult<Viewer> {
    if role != RoomRole::Referrer {
        return Ok(Viewer::of(role, user.is_admin(), &user.id, Vec::new()));
    }
    let own = sessions::own_dossiers(conn, &session.board_id, &user.id)?;
    let shown = boards::get(conn, &session.board_id)?.show_ballots_to_referrer;
    Ok(Viewer::of(role, user.is_admin(), &user.id, own).showing_ballots(shown))
}

/// A session `user` may see (404 otherwise), with their role in it.
pub fn visible(conn: &mut DbConn, user: &UserRow, id: &str) -> AppResult<(SessionRow, RoomRole)> {
    let row = sessions::by_id(conn, id)?.ok_or_else(|| AppError::not_found("session"))?;
    let role = role_in(conn, &row, user)?.ok_or_else(|| AppError::not_found("session"))?;
    Ok((row, role))
}

/// Who enters a room: `None` when the session is gone, `Some(None)` when `user` may not
/// enter, else their role, what they may see and may do.
pub fn admission(
    conn: &mut DbConn,
    session_id: &str,
    user: &UserRow,
) -> AppResult<Option<Option<(RoomRole, Viewer, RoomCan)>>> {
    let Some(session) = sessions::by_id(conn, session_id)? else {
        return Ok(None);
    };
    Ok(match role_in(conn, &session, user)? {
        Some(role) => Some(Some((
            role,
            viewer(conn, &session, user, role)?,
            RoomCan::of(role, session.status()),
        ))),
        None => Some(None),
    })
}

/// What `user_id` may see of the session's room now; `None` if they may not enter it (or the
/// session or the user is gone).
pub fn current_viewer(
    conn: &mut DbConn,
    session_id: &str,
    user_id: &str,
) -> AppResult<Option<Viewer>> {
    let (Some(session), Some(user)) = (
        sessions::by_id(conn, session_id)?,
        users::by_id(conn, user_id)?,
    ) else {
        return Ok(None);
    };
    match role_in(conn, &session, &user)? {
        Some(role) => Ok(Some(viewer(conn, &session, &user, role)?)),
        None => Ok(None),
    }
}

/// The session and the caller's role for a room command: the role is checked again for every
/// command (a member removed from the board stops voting at once), and a closed session takes
/// no more writes.
pub fn for_command(
    conn: &mut DbConn,
    session_id: &str,
    user: &UserRow,
) -> AppResult<(SessionRow, RoomRole)> {
    let session =
        sessions::by_id(conn, session_id)?.ok_or_else(|| AppError::not_found("session"))?;
    let role = room_access::may_write(role_in(conn, &session, user)?, session.status())?;
    Ok((session, role))
}

/// Appends an event to the room's log; a planned meeting is live from its first event.
pub fn append(
    conn: &mut DbConn,
    session: &SessionRow,
    author: &UserRow,
    kind: EventKind,
    about: Option<&str>,
    fields: serde_json::Value,
) -> AppResult<Committed> {
    let committed = events::append(
        conn,
        NewEvent {
            session_id: &session.id,
            author_id: &author.id,
            kind,
            about,
        },
        |seq, at| wire::event(kind, seq, at, author, fields),
    )?;
    if session.status() == SessionStatus::Planned {
        sessions::set_status(conn, &session.id, SessionStatus::Live)?;
    }
    Ok(committed)
}

/// A room command applied once per request id: a command sent again (a retry after a drop) is
/// acknowledged with the `seq` it had, and not applied again.
pub fn once(
    conn: &mut DbConn,
    session_id: &str,
    user_id: &str,
    request_id: Option<&str>,
    apply: impl FnOnce(&mut DbConn) -> AppResult<Done<Option<i64>>>,
) -> AppResult<Done<Option<i64>>> {
    let Some(rid) = request_id else {
        return apply(conn);
    };
    if let Some(seq) = requests::begin_request(conn, session_id, user_id, rid)? {
        return Ok(Done::quiet(seq));
    }
    let done = apply(conn)?;
    requests::finish_request(conn, session_id, user_id, rid, done.value)?;
    Ok(done)
}

fn event_done(committed: Committed) -> Done<Option<i64>> {
    Done::with(Some(committed.seq), vec![Event::RoomEvent(committed)])
}

/// A chat line, about the dossier in focus as the author may see it.
pub fn chat(
    conn: &mut DbConn,
    session_id: &str,
    user: &UserRow,
    text: &str,
) -> AppResult<Done<Option<i64>>> {
    let text = room::chat_text(text)?;
    let (session, role) = for_command(conn, session_id, user)?;
    // The focus is read under the session's row lock (which appending takes too), so that it
    // is still the focus when the line commits.
    events::lock_log(conn, session_id)?;
    let focused = events::focused_dossier(conn, session_id, i64::MAX)?;
    let about = viewer(conn, &session, user, role)?.chat_about(focused.as_deref());
    let committed = append(
        conn,
        &session,
        user,
        EventKind::Chat,
        about.as_deref(),
        json!({ "text": text }),
    )?;
    Ok(event_done(committed))
}

/// The chair brings a dossier of the agenda into focus.
pub fn focus(
    conn: &mut DbConn,
    session_id: &str,
    user: &UserRow,
    dossier_id: &str,
) -> AppResult<Done<Option<i64>>> {
    let (session, role) = for_command(conn, session_id, user)?;
    room_access::may_focus(role, sessions::on_agenda(conn, session_id, dossier_id)?)?;
    let committed = append(
        conn,
        &session,
        user,
        EventKind::Focus,
        Some(dossier_id),
        json!({ "dossier_id": dossier_id }),
    )?;
    Ok(event_done(committed))
}

/// Someone enters the room on connection `connection_id` of this instance: the presence and
/// the read are recorded (one audit row per join: the welcome names the dossiers on the
/// agenda, the replay may hold decisions).
pub fn join(
    conn: &mut DbConn,
    connection_id: &str,
    session_id: &str,
    user_id: &str,
    role: RoomRole,
    instance_id: &str,
    since: Option<i64>,
) -> AppResult<Done<()>> {
    presence::join(conn, connection_id, session_id, user_id, role, instance_id)?;
    audit::record(
        conn,
        Audit::new(user_id, "session.join", "session", session_id)
            .with_detail(json!({ "role": role, "since": since })),
    )?;
    Ok(Done::with((), vec![presence_changed(session_id)]))
}

pub fn leave(conn: &mut DbConn, connection_id: &str, session_id: &str) -> AppResult<Done<()>> {
    presence::leave(conn, connection_id)?;
    Ok(Done::with((), vec![presence_changed(session_id)]))
}

fn presence_changed(session_id: &str) -> Event {
    Event::PresenceChanged {
        session_id: session_id.to_string(),
    }
}

fn presence_events(sessions: Vec<String>) -> Done<()> {
    Done::with(
        (),
        sessions
            .into_iter()
            .map(|session_id| Event::PresenceChanged { session_id })
            .collect(),
    )
}

/// Forgets instances that stopped beating and their connections.
pub fn reap_instances(conn: &mut DbConn) -> AppResult<Done<()>> {
    Ok(presence_events(presence::reap_instances(conn)?))
}

/// Removes an instance and its connections (graceful shutdown).
pub fn unregister_instance(conn: &mut DbConn, instance_id: &str) -> AppResult<Done<()>> {
    Ok(presence_events(presence::unregister_instance(
        conn,
        instance_id,
    )?))
}

/// What a joining client needs, as of the event `upto`.
pub struct Snapshot {
    pub session: SessionRecord,
    pub participants: Vec<(UserRow, RoomRole)>,
    pub current_dossier_id: Option<String>,
    /// The votes open as of `upto` (show them with `wire::vote_as_of`).
    pub open_votes: Vec<VoteRow>,
    /// Who presents, when the chair handed it on.
    pub presenter_id: Option<String>,
    /// Where each open vote stands for the joiner (their own ballot included).
    pub standings: Vec<super::votes::VoteStanding>,
}

/// The room as of the event `upto`, for `reader` (whose own ballots it carries).
pub fn snapshot(
    conn: &mut DbConn,
    session_id: &str,
    upto: i64,
    reader: &str,
) -> AppResult<Snapshot> {
    let session = sessions::get_record(conn, session_id)?;
    let open_votes = votes::open_as_of(conn, session_id, upto)?;
    let standings =
        super::votes::standings(conn, &session.row.board_id, &open_votes, Some(reader))?;
    Ok(Snapshot {
        participants: presence::participants(conn, session_id)?,
        current_dossier_id: events::focused_dossier(conn, session_id, upto)?,
        presenter_id: presenter(conn, session_id, upto)?,
        session,
        open_votes,
        standings,
    })
}

/// Who presents as of the event `upto`: the one the chair last handed it to, or `None` (the
/// chair).
pub fn presenter(conn: &mut DbConn, session_id: &str, upto: i64) -> AppResult<Option<String>> {
    let last = events::last_of_kind(conn, session_id, EventKind::Presenter, upto)?;
    Ok(last.and_then(|e| {
        serde_json::from_str::<serde_json::Value>(&e.payload)
            .ok()
            .and_then(|v| v["user_id"].as_str().map(str::to_string))
    }))
}

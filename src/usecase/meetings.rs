//! A planned session before it starts (API.md section 12): publishing its agenda, changing its
//! time, title or video link, cancelling it. Once published, every change makes the calendar
//! SEQUENCE grow and tells those concerned (the notifications follow from the events).

use serde_json::json;

use super::room::visible;
use super::sessions::SessionView;
use super::{Done, Event};
use crate::db::audit::{self, Audit};
use crate::db::sessions::{self, SessionChange, SessionRow};
use crate::db::users::UserRow;
use crate::db::{DbConn, dossiers};
use crate::domain::dossier::DossierStatus;
use crate::domain::meeting;
use crate::domain::room::{RoomRole, SessionStatus};
use crate::domain::room_visibility::Viewer;
use crate::error::AppResult;

/// Sends the agenda (coordinators, once, while planned): an invitation to every board member
/// and to the referrer of every dossier on it.
pub fn publish(conn: &mut DbConn, user: &UserRow, id: &str) -> AppResult<Done<SessionView>> {
    let (session, role) = visible(conn, user, id)?;
    meeting::may_publish(role, session.status(), session.published_at.is_some())?;
    sessions::mark_published(conn, id)?;
    audit::record(conn, Audit::new(&user.id, "session.publish", "session", id))?;
    answer(
        conn,
        id,
        role,
        vec![Event::SessionPublished {
            session_id: id.into(),
        }],
    )
}

/// Changes a planned session (coordinators); those concerned hear of it once it is published.
pub fn change(
    conn: &mut DbConn,
    user: &UserRow,
    id: &str,
    change: &SessionChange,
) -> AppResult<Done<SessionView>> {
    let (session, role) = visible(conn, user, id)?;
    meeting::may_change(role, session.status())?;
    sessions::change(conn, id, change)?;
    audit::record(
        conn,
        Audit::new(&user.id, "session.change", "session", id).with_detail(json!({
            "title": change.title.is_some(),
            "scheduled_at": change.scheduled_at.map(|t| t.and_utc().to_rfc3339()),
            "duration_minutes": change.duration_minutes,
            "video_url": change.video_url.is_some(),
        })),
    )?;
    let events = changed(conn, &session)?;
    answer(conn, id, role, events)
}

/// Cancels a planned session (coordinators): its agenda's dossiers go back to `submitted`.
pub fn cancel(conn: &mut DbConn, user: &UserRow, id: &str) -> AppResult<Done<SessionView>> {
    let (session, role) = visible(conn, user, id)?;
    meeting::may_cancel(role, session.status())?;
    let mut events = Vec::new();
    for (dossier_id, _) in sessions::agenda_referrers(conn, id)? {
        let dossier = dossiers::get(conn, &dossier_id)?;
        if dossier.status() == DossierStatus::Scheduled {
            dossiers::set_status(conn, &dossier, DossierStatus::Submitted)?;
            events.push(Event::DossierRequeued {
                dossier_id,
                session_id: id.into(),
            });
        }
    }
    sessions::set_status(conn, id, SessionStatus::Cancelled)?;
    let published = session.published_at.is_some();
    if published {
        sessions::bump_sequence(conn, id)?;
    }
    audit::record(conn, Audit::new(&user.id, "session.cancel", "session", id))?;
    events.push(Event::SessionCancelled {
        session_id: id.into(),
        published,
    });
    answer(conn, id, role, events)
}

/// After a change to `session` (time, agenda, closing): once published, the calendar SEQUENCE
/// grows and those concerned are told.
pub fn changed(conn: &mut DbConn, session: &SessionRow) -> AppResult<Vec<Event>> {
    if session.published_at.is_none() {
        return Ok(Vec::new());
    }
    sessions::bump_sequence(conn, &session.id)?;
    Ok(vec![Event::SessionChanged {
        session_id: session.id.clone(),
    }])
}

fn answer(
    conn: &mut DbConn,
    id: &str,
    role: RoomRole,
    events: Vec<Event>,
) -> AppResult<Done<SessionView>> {
    let record = sessions::get_record(conn, id)?;
    Ok(Done::with(
        SessionView::of(record, &Viewer::WholeRoom, role),
        events,
    ))
}

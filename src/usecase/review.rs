//! Imaging review in the room (API.md section 11): who presents, and the key images the board
//! marks, which the decision on the dossier records.

use serde_json::{Value, json};

use super::room::{append, for_command};
use super::{Done, Event};
use crate::db::room::events;
use crate::db::room::presence;
use crate::db::users::UserRow;
use crate::db::{DbConn, attachments, sessions};
use crate::domain::imaging;
use crate::domain::room_access::{self, ImagingAct, VoterAct};
use crate::domain::room_visibility::EventKind;
use crate::error::{AppError, AppResult};

/// The chair hands the presenter's role to a member or coordinator present in the room.
pub fn present(
    conn: &mut DbConn,
    session_id: &str,
    user: &UserRow,
    target_id: &str,
) -> AppResult<Done<Option<i64>>> {
    let (session, role) = for_command(conn, session_id, user)?;
    let target = presence::participants(conn, session_id)?
        .into_iter()
        .find(|(u, _)| u.id == target_id)
        .map(|(_, r)| r);
    room_access::may_present(role, target)?;
    let committed = append(
        conn,
        &session,
        user,
        EventKind::Presenter,
        None,
        json!({ "user_id": target_id }),
    )?;
    Ok(Done::with(
        Some(committed.seq),
        vec![Event::RoomEvent(committed)],
    ))
}

/// A key image as asked for.
pub struct Mark {
    pub attachment_id: String,
    pub series_uid: String,
    pub frame: u32,
    pub note: String,
}

/// A member or coordinator marks a frame of a DICOM attachment of a dossier on the agenda.
pub fn mark(
    conn: &mut DbConn,
    session_id: &str,
    user: &UserRow,
    mark: &Mark,
) -> AppResult<Done<Option<i64>>> {
    let note = imaging::key_image_note(&mark.note)?;
    let series_uid = imaging::uid("series_uid", &mark.series_uid)?;
    let (session, role) = for_command(conn, session_id, user)?;
    room_access::must_vote(role, VoterAct::Mark)?;
    let attachment = attachments::by_id(conn, &mark.attachment_id)?
        .ok_or_else(|| AppError::not_found("attachment"))?;
    room_access::may_use_attachment(
        sessions::on_agenda(conn, session_id, &attachment.dossier_id)?,
        attachment.dicom().is_some(),
        ImagingAct::Mark,
    )?;
    let committed = append(
        conn,
        &session,
        user,
        EventKind::KeyImage,
        Some(&attachment.dossier_id),
        json!({
            "attachment_id": attachment.id,
            "series_uid": series_uid,
            "frame": mark.frame,
            "note": note,
        }),
    )?;
    Ok(Done::with(
        Some(committed.seq),
        vec![Event::RoomEvent(committed)],
    ))
}

/// The key images marked on a dossier in a session, in `seq` order, as a Decision records
/// them: `{"attachment_id","series_uid","frame","note","by","at"}`.
pub fn key_images(conn: &mut DbConn, session_id: &str, dossier_id: &str) -> AppResult<Vec<Value>> {
    events::of_kind_about(conn, session_id, EventKind::KeyImage, dossier_id)?
        .iter()
        .map(|e| {
            let v: Value = serde_json::from_str(&e.payload).map_err(AppError::internal)?;
            Ok(json!({
                "attachment_id": v["attachment_id"],
                "series_uid": v["series_uid"],
                "frame": v["frame"],
                "note": v["note"],
                "by": v["by"],
                "at": v["at"],
            }))
        })
        .collect()
}

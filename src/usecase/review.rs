//! Imaging review in the room (API.md section 11): who presents, what the presenter shows (the
//! ephemeral `view`), and the key images the board marks, which the decision on the dossier
//! records.

use serde_json::{Value, json};

use super::room::{append, for_command, presenter};
use super::{Done, Event};
use crate::db::DbConn;
use crate::db::attachments::{self, AttachmentRow};
use crate::db::room::{events, presence, requests};
use crate::db::sessions::{self, SessionRow};
use crate::db::users::UserRow;
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
#[derive(Debug, Clone)]
pub struct Mark {
    pub attachment_id: String,
    pub series_uid: String,
    pub frame: u32,
    pub note: String,
}

/// The rules of a mark, up to the frame: the session and caller (a member or coordinator),
/// the attachment (DICOM, of a dossier on the agenda). Asked inside the mark's transaction and,
/// read-only, before it (`before_mark`).
fn mark_rules(
    conn: &mut DbConn,
    session_id: &str,
    user: &UserRow,
    mark: &Mark,
) -> AppResult<(SessionRow, AttachmentRow, String, String)> {
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
    Ok((session, attachment, note, series_uid))
}

/// Read-only, before a mark's transaction: whether its frame is to be looked up in the
/// catalogue (`usecase::catalogue::check_frame`). The rules of [`mark`] are asked first, so
/// that the lookup tells nothing about attachments the caller may not mark; a request id
/// already applied skips both (the retry is acknowledged as it was).
pub fn before_mark(
    conn: &mut DbConn,
    session_id: &str,
    user: &UserRow,
    mark: &Mark,
    request_id: Option<&str>,
) -> AppResult<bool> {
    if let Some(rid) = request_id
        && requests::seen(conn, session_id, &user.id, rid)?
    {
        return Ok(false);
    }
    mark_rules(conn, session_id, user, mark)?;
    Ok(true)
}

/// A member or coordinator marks a frame of a DICOM attachment of a dossier on the agenda.
pub fn mark(
    conn: &mut DbConn,
    session_id: &str,
    user: &UserRow,
    mark: &Mark,
) -> AppResult<Done<Option<i64>>> {
    let (session, attachment, note, series_uid) = mark_rules(conn, session_id, user, mark)?;
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

/// What the room relays of a view once its rules allowed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// The attachment, as stored.
    pub attachment_id: String,
    /// Its dossier: only those who see the dossier see the view.
    pub dossier_id: String,
}

/// The presenter shows the room a frame of a DICOM attachment of a dossier on the agenda
/// (`view`, ephemeral: read-only, nothing is written; the room relays it). The frame itself
/// is then looked up in the catalogue (`usecase::catalogue::check_frame`).
pub fn view(
    conn: &mut DbConn,
    session_id: &str,
    user: &UserRow,
    attachment_id: &str,
) -> AppResult<Shown> {
    let (_, role) = for_command(conn, session_id, user)?;
    let handed_to = presenter(conn, session_id, i64::MAX)?;
    room_access::may_view(room_access::presents(role, handed_to.as_deref(), &user.id))?;
    let attachment = attachments::by_id(conn, attachment_id)?
        .ok_or_else(|| AppError::not_found("attachment"))?;
    room_access::may_use_attachment(
        sessions::on_agenda(conn, session_id, &attachment.dossier_id)?,
        attachment.dicom().is_some(),
        ImagingAct::View,
    )?;
    Ok(Shown {
        attachment_id: attachment.id,
        dossier_id: attachment.dossier_id,
    })
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

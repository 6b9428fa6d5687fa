//! Attachments: who may add them (the referrer or a coordinator of the board, while the
//! dossier is open), see them (as their dossier), and remove them (their uploader, while the
//! dossier is open). Every upload, read, download and deletion is recorded in the audit log.

use serde_json::json;

use super::dossiers::load_for;
use super::{Done, Event};
use crate::db::attachments::{self, AttachmentRow};
use crate::db::audit::{self, Audit};
use crate::db::dossiers::{self, DossierRow};
use crate::db::users::UserRow;
use crate::db::{DbConn, object_uploads};
use crate::domain::access::{self, DossierAction};
use crate::error::{AppError, AppResult};

fn check_open(dossier: &DossierRow) -> AppResult<()> {
    access::check_attachments_open(dossier.status()).map_err(AppError::conflict)
}

/// Whether `user` may add an attachment to the dossier now; asked before a byte of the upload
/// is read.
pub fn check_upload(conn: &mut DbConn, user: &UserRow, dossier_id: &str) -> AppResult<()> {
    let (dossier, _) = load_for(conn, user, dossier_id, DossierAction::Attach)?;
    check_open(&dossier)
}

/// Records a complete upload, if the dossier still takes attachments.
pub fn add(conn: &mut DbConn, row: &AttachmentRow) -> AppResult<Done<()>> {
    let dossier = dossiers::get(conn, &row.dossier_id)?;
    check_open(&dossier)?;
    attachments::insert(conn, row)?;
    audit::record(
        conn,
        Audit::new(&row.uploader_id, "attachment.upload", "attachment", &row.id).with_detail(
            json!({
                "dossier_id": row.dossier_id,
                "size": row.size,
                "sha256": row.sha256,
                "deidentified": row.deidentified,
            }),
        ),
    )?;
    Ok(Done::with(
        (),
        vec![Event::AttachmentAdded {
            attachment_id: row.id.clone(),
            dossier_id: row.dossier_id.clone(),
        }],
    ))
}

/// An attachment `user` may see (as its dossier), with its dossier: 404 otherwise.
pub(super) fn load_visible(
    conn: &mut DbConn,
    user: &UserRow,
    id: &str,
) -> AppResult<(AttachmentRow, DossierRow)> {
    let row = attachments::by_id(conn, id)?.ok_or_else(|| AppError::not_found("attachment"))?;
    let (dossier, _) =
        load_for(conn, user, &row.dossier_id, DossierAction::View).map_err(|e| match e {
            AppError::NotFound(_) => AppError::not_found("attachment"),
            other => other,
        })?;
    Ok((row, dossier))
}

/// Loads an attachment for reading and records the read (`attachment.read` or
/// `attachment.download`, with `detail`).
pub fn read(
    conn: &mut DbConn,
    user: &UserRow,
    id: &str,
    action: &str,
    detail: serde_json::Value,
) -> AppResult<Done<AttachmentRow>> {
    let (row, _) = load_visible(conn, user, id)?;
    audit::record(
        conn,
        Audit::new(&user.id, action, "attachment", &row.id).with_detail(detail),
    )?;
    Ok(Done::quiet(row))
}

/// Removes an attachment (its uploader, while the dossier is open). Its object goes in the
/// journal of `instance` with the row's removal, so that a crash before the adapter removes
/// the object is finished at the next start.
pub fn delete(
    conn: &mut DbConn,
    user: &UserRow,
    id: &str,
    instance: &str,
) -> AppResult<Done<AttachmentRow>> {
    let (row, dossier) = load_visible(conn, user, id)?;
    access::check_delete_attachment(row.uploader_id == user.id)
        .map_err(|d| AppError::denied(d, "attachment"))?;
    check_open(&dossier)?;
    attachments::delete(conn, &row.id)?;
    audit::record(
        conn,
        Audit::new(&user.id, "attachment.delete", "attachment", &row.id).with_detail(json!({
            "dossier_id": row.dossier_id,
            "sha256": row.sha256,
        })),
    )?;
    object_uploads::record(conn, &row.object_key, None, instance)?;
    let event = Event::AttachmentDeleted {
        attachment_id: row.id.clone(),
        dossier_id: row.dossier_id.clone(),
    };
    Ok(Done::with(row, vec![event]))
}

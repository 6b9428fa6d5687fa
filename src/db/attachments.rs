//! Attachment rows: written only once their object is complete, visible as their dossier is,
//! and every upload, read, download and deletion recorded in the audit log.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::DbConn;
use super::audit::{self, Audit};
use super::dossiers::{self, DossierRow};
use super::schema::attachments;
use super::users::UserRow;
use crate::domain::access::{DossierAction, DossierRelation};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = attachments)]
pub struct AttachmentRow {
    pub id: String,
    pub dossier_id: String,
    pub uploader_id: String,
    pub filename: String,
    pub content_type: String,
    pub kind: String,
    pub size: i64,
    pub sha256: String,
    pub object_key: String,
    pub deidentified: bool,
    /// [`DicomMetadata`] as JSON, for DICOM uploads.
    pub dicom: Option<String>,
    pub created_at: NaiveDateTime,
}

/// What the review shows of DICOM content (API.md section 7).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DicomMetadata {
    pub modality: Option<String>,
    pub study_description: Option<String>,
    pub series_description: Option<String>,
    pub instances: u64,
}

impl AttachmentRow {
    pub fn dicom(&self) -> Option<DicomMetadata> {
        self.dicom
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok())
    }
}

/// The object key of an attachment: one folder per dossier.
pub fn object_key(dossier_id: &str, attachment_id: &str) -> String {
    format!("dossiers/{dossier_id}/{attachment_id}")
}

/// Records a complete upload, if the dossier still takes attachments.
pub fn insert(conn: &mut DbConn, row: &AttachmentRow) -> AppResult<()> {
    let dossier =
        dossiers::by_id(conn, &row.dossier_id)?.ok_or_else(|| AppError::not_found("dossier"))?;
    check_open(&dossier)?;
    diesel::insert_into(attachments::table)
        .values(row)
        .execute(conn)?;
    super::object_uploads::forget(conn, &row.object_key)?;
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
    Ok(())
}

/// Attachments may be added or removed while the dossier is open (not decided or withdrawn).
pub fn check_open(dossier: &DossierRow) -> AppResult<()> {
    if dossier.status().is_open() {
        Ok(())
    } else {
        Err(AppError::conflict(format!(
            "the dossier is {}: its attachments can no longer change",
            dossier.status
        )))
    }
}

pub fn by_id(conn: &mut DbConn, id: &str) -> AppResult<Option<AttachmentRow>> {
    Ok(attachments::table
        .find(id)
        .select(AttachmentRow::as_select())
        .first(conn)
        .optional()?)
}

/// The attachments of these dossiers, oldest first.
pub fn for_dossiers(conn: &mut DbConn, dossier_ids: &[String]) -> AppResult<Vec<AttachmentRow>> {
    Ok(attachments::table
        .filter(attachments::dossier_id.eq_any(dossier_ids))
        .order((attachments::created_at.asc(), attachments::id.asc()))
        .select(AttachmentRow::as_select())
        .load(conn)?)
}

/// Loads an attachment `user` may see (as its dossier): 404 otherwise.
pub fn load_visible(
    conn: &mut DbConn,
    user: &UserRow,
    id: &str,
) -> AppResult<(AttachmentRow, DossierRow, DossierRelation)> {
    let row = by_id(conn, id)?.ok_or_else(|| AppError::not_found("attachment"))?;
    let (dossier, rel) = dossiers::load_for(conn, user, &row.dossier_id, DossierAction::View)
        .map_err(|e| match e {
            AppError::NotFound(_) => AppError::not_found("attachment"),
            other => other,
        })?;
    Ok((row, dossier, rel))
}

/// Loads an attachment for reading and records the read (`attachment.read` or
/// `attachment.download`).
pub fn read(
    conn: &mut DbConn,
    user: &UserRow,
    id: &str,
    action: &str,
    detail: serde_json::Value,
) -> AppResult<AttachmentRow> {
    let (row, _, _) = load_visible(conn, user, id)?;
    audit::record(
        conn,
        Audit::new(&user.id, action, "attachment", &row.id).with_detail(detail),
    )?;
    Ok(row)
}

/// Removes the row of an attachment its uploader deletes; the caller then removes the object.
pub fn delete(conn: &mut DbConn, user: &UserRow, id: &str) -> AppResult<AttachmentRow> {
    let (row, dossier, _) = load_visible(conn, user, id)?;
    if row.uploader_id != user.id {
        return Err(AppError::forbidden(
            "only the person who uploaded an attachment may delete it",
        ));
    }
    check_open(&dossier)?;
    diesel::delete(attachments::table.find(&row.id)).execute(conn)?;
    audit::record(
        conn,
        Audit::new(&user.id, "attachment.delete", "attachment", &row.id).with_detail(json!({
            "dossier_id": row.dossier_id,
            "sha256": row.sha256,
        })),
    )?;
    Ok(row)
}

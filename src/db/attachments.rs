//! Attachment rows, written only once their object is complete. Who may add, see and remove
//! them is in `usecase::attachments`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::DbConn;
use super::schema::attachments;
use crate::error::AppResult;

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

/// Records a complete upload; its object is no longer an upload in progress.
pub fn insert(conn: &mut DbConn, row: &AttachmentRow) -> AppResult<()> {
    diesel::insert_into(attachments::table)
        .values(row)
        .execute(conn)?;
    super::object_uploads::forget(conn, &row.object_key)
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

/// Removes an attachment's row; the caller removes its object.
pub fn delete(conn: &mut DbConn, id: &str) -> AppResult<()> {
    diesel::delete(attachments::table.find(id)).execute(conn)?;
    Ok(())
}

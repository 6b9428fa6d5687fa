//! Imaging review over HTTP (API.md section 11): the series and frames of a DICOM attachment
//! are seen by whoever sees the attachment. Listing the series is recorded in the audit log
//! (`attachment.series`); the frames a viewer then scrolls through are not recorded one by one.

use serde_json::json;

use super::Done;
use super::attachments::load_visible;
use crate::db::DbConn;
use crate::db::attachments::AttachmentRow;
use crate::db::audit::{self, Audit};
use crate::db::users::UserRow;
use crate::domain::imaging;
use crate::error::{AppError, AppResult};
use crate::imaging::Source;

/// Whether an attachment holds de-identified DICOM (the only kind that has series).
pub fn is_imaging(row: &AttachmentRow) -> bool {
    row.deidentified && row.dicom.is_some()
}

/// What the renderer needs of a stored attachment.
pub fn source(row: AttachmentRow) -> Source {
    Source {
        attachment_id: row.id,
        object_key: row.object_key,
        sha256: row.sha256,
    }
}

fn source_of(conn: &mut DbConn, user: &UserRow, id: &str) -> AppResult<Source> {
    let (row, _) = load_visible(conn, user, id)?;
    imaging::check_imaging(is_imaging(&row)).map_err(AppError::conflict)?;
    Ok(source(row))
}

/// The DICOM attachment whose series `user` lists; the listing is recorded.
pub fn list_series(conn: &mut DbConn, user: &UserRow, id: &str) -> AppResult<Done<Source>> {
    let source = source_of(conn, user, id)?;
    audit::record(
        conn,
        Audit::new(
            &user.id,
            "attachment.series",
            "attachment",
            &source.attachment_id,
        )
        .with_detail(json!({})),
    )?;
    Ok(Done::quiet(source))
}

/// The DICOM attachment whose frame `user` asks for (read-only).
pub fn frame_source(conn: &mut DbConn, user: &UserRow, id: &str) -> AppResult<Source> {
    source_of(conn, user, id)
}

/// The stored attachments of a decision's key images (whoever may read the decision sees its
/// dossier's attachments); `None` for one removed since.
pub fn key_image_sources(
    conn: &mut DbConn,
    attachment_ids: &[String],
) -> AppResult<Vec<Option<Source>>> {
    attachment_ids
        .iter()
        .map(|id| Ok(crate::db::attachments::by_id(conn, id)?.map(source)))
        .collect()
}

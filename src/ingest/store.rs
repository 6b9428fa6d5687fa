//! Storing a spooled upload once it is de-identified: shared by uploads, PACS imports and
//! STOW-RS pushes. The de-identification runs off the async workers, in turn with every other
//! one of the instance; the series index is built while the de-identified file is at hand.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::domain::sniff::Sniffed;
use crate::error::{AppError, AppResult};
use crate::imaging;
use crate::ingest::{self, DicomInfo, IngestError, Ingested};
use crate::storage::{Storage, StoredObject};

/// What the upload limits and places are.
pub struct UploadPlan {
    pub storage: Storage,
    pub object_key: String,
    pub max_bytes: u64,
    pub spool_dir: PathBuf,
    pub ingest: ingest::Options,
    /// Turns to de-identify, shared by every upload of the instance.
    pub turns: Arc<tokio::sync::Semaphore>,
    /// How long an upload waits for a turn.
    pub queue_wait: Duration,
}

/// De-identifies a spooled upload off the async workers, in turn with the other uploads, then
/// stores what results.
pub async fn store_ingested(
    spool: tempfile::NamedTempFile,
    sniffed: Sniffed,
    plan: &UploadPlan,
) -> AppResult<(StoredObject, Option<DicomInfo>)> {
    // The turn is taken once the upload is spooled, so that a slow client holds none.
    let turn = tokio::time::timeout(plan.queue_wait, plan.turns.clone().acquire_owned())
        .await
        .map_err(|_| {
            AppError::Unavailable(
                "too many uploads are being de-identified at the moment; send the file again \
                 in a little while"
                    .to_string(),
            )
        })?
        .map_err(AppError::internal)?;
    let spool_dir = plan.spool_dir.clone();
    let options = plan.ingest.clone();
    let (spool, ingested, index) = tokio::task::spawn_blocking(move || {
        let result = ingest::ingest(spool.path(), sniffed, &spool_dir, &options);
        // The series index is built while the de-identified file is at hand; if it cannot be,
        // it is built the first time the series are asked for.
        let index = match &result {
            Ok(Ingested::Deidentified { file, .. }) => imaging::index::build(file.path())
                .inspect_err(|e| tracing::warn!(error = %e, "series index not built at upload"))
                .ok(),
            _ => None,
        };
        drop(turn);
        (spool, result, index)
    })
    .await
    .map_err(AppError::internal)?;
    let ingested = ingested.map_err(|e| match e {
        IngestError::Invalid(why) => AppError::invalid("file", why),
        IngestError::TooLarge(why) => AppError::TooLarge(why),
        IngestError::Unsupported(why) => AppError::Unsupported(why),
        IngestError::Io(e) => AppError::internal(e),
    })?;
    let (path, dicom, _keep_alive) = match ingested {
        Ingested::Unchanged => (spool.path().to_path_buf(), None, None),
        Ingested::Deidentified { file, dicom } => {
            (file.path().to_path_buf(), Some(dicom), Some(file))
        }
    };
    let mut upload = plan
        .storage
        .upload(&plan.object_key)
        .await
        .map_err(AppError::internal)?;
    upload.write_file(&path).await.map_err(AppError::internal)?;
    let stored = upload.finish().await.map_err(AppError::internal)?;
    if let Some(index) = index
        && let Err(e) = imaging::store_index(&plan.storage, &plan.object_key, &index).await
    {
        tracing::warn!(error = %e, "series index not stored at upload");
    }
    Ok((stored, dicom))
}

/// What is known of an attachment once its object is stored.
pub struct NewAttachment {
    pub id: String,
    pub dossier_id: String,
    pub uploader_id: String,
    pub filename: String,
    pub content_type: String,
    /// As the client said; else `imaging` for DICOM, `other` for the rest.
    pub kind: Option<crate::domain::attachment::AttachmentKind>,
    pub object_key: String,
    pub stored: StoredObject,
    pub dicom: Option<DicomInfo>,
}

/// The attachment's row.
pub fn attachment_row(new: NewAttachment) -> crate::db::attachments::AttachmentRow {
    use crate::domain::attachment::AttachmentKind;
    let dicom = new.dicom.map(|d| crate::db::attachments::DicomMetadata {
        modality: d.summary.modality,
        study_description: d.summary.study_description,
        series_description: d.summary.series_description,
        instances: d.instances,
    });
    let default_kind = if dicom.is_some() {
        AttachmentKind::Imaging
    } else {
        AttachmentKind::Other
    };
    crate::db::attachments::AttachmentRow {
        id: new.id,
        dossier_id: new.dossier_id,
        uploader_id: new.uploader_id,
        filename: new.filename,
        content_type: new.content_type,
        kind: new.kind.unwrap_or(default_kind).as_str().to_string(),
        size: i64::try_from(new.stored.size).unwrap_or(i64::MAX),
        sha256: new.stored.sha256,
        object_key: new.object_key,
        deidentified: dicom.is_some(),
        dicom: dicom.and_then(|d| serde_json::to_string(&d).ok()),
        created_at: crate::db::now(),
    }
}

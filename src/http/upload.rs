//! Receiving an attachment: the multipart body is read part by part and the file part is
//! streamed into the object store (or, for DICOM and zip archives, into a spool file that is
//! de-identified first). Nothing is kept on any failure: the object upload is aborted, the spool
//! file removed.
//!
//! What the first bytes say decides the path (`domain/sniff.rs`), never the name or declared
//! type. A file stored as it is is watched as it streams: a DICOM header anywhere in it, or the
//! end of a zip archive behind other bytes, and it is refused instead of stored.

use actix_multipart::{Field, Multipart};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::domain::attachment::{AttachmentKind, safe_content_type, sanitize_filename};
use crate::domain::sniff::{ContentScan, SNIFF_BYTES, Sniffed, sniff};
use crate::error::{AppError, AppResult};
use crate::ingest::DicomInfo;
use crate::ingest::store::{UploadPlan, store_ingested};
use crate::storage::{StoredObject, Upload};

/// Largest value of the `kind` text part.
const KIND_PART_MAX_BYTES: usize = 64;

/// A file stored under the plan's key, with what the client said of it.
#[derive(Debug)]
pub struct Received {
    pub stored: StoredObject,
    pub filename: String,
    pub content_type: String,
    pub kind: Option<AttachmentKind>,
    pub dicom: Option<DicomInfo>,
}

fn too_large(max: u64) -> AppError {
    AppError::TooLarge(format!("the file is larger than the limit of {max} bytes"))
}

fn unreadable(e: actix_multipart::MultipartError) -> AppError {
    match &e {
        actix_multipart::MultipartError::Payload(p) if super::body_timeout::is_stalled(p) => {
            AppError::BodyTimeout
        }
        _ => AppError::invalid("file", format!("the upload could not be read: {e}")),
    }
}

/// Reads the multipart body: one `file` part, an optional `kind` part. On success the object
/// is complete in the store; on any error nothing of it remains.
pub async fn receive(mut multipart: Multipart, plan: &UploadPlan) -> AppResult<Received> {
    let mut kind = None;
    let mut file: Option<Received> = None;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(unreadable)?;
        match field.name().unwrap_or("") {
            "kind" => kind = Some(read_kind(&mut field).await?),
            "file" if file.is_some() => {
                return Err(AppError::invalid("file", "only one file per upload"));
            }
            "file" => {
                let filename = sanitize_filename(&part_filename(&field));
                let declared = field.content_type().map(|m| m.essence_str().to_string());
                let (stored, sniffed, dicom) = store_file(&mut field, plan).await?;
                let content_type = match sniffed {
                    Sniffed::Dicom => "application/dicom".to_string(),
                    Sniffed::Zip => "application/zip".to_string(),
                    Sniffed::Other | Sniffed::Refused(_) => safe_content_type(declared.as_deref()),
                };
                file = Some(Received {
                    stored,
                    filename,
                    content_type,
                    kind: None,
                    dicom,
                });
            }
            other => {
                let name = if other.is_empty() { "(unnamed)" } else { other };
                return Err(AppError::invalid(
                    name,
                    "unknown part: send a `file` part and optionally a `kind` part",
                ));
            }
        }
    }
    let Some(received) = file else {
        return Err(AppError::invalid("file", "a `file` part is required"));
    };
    Ok(Received { kind, ..received })
}

/// The file name the client gave: RFC 5987 `filename*` (UTF-8 or ISO-8859-1) when present, as
/// RFC 7578 prefers it, else `filename`.
fn part_filename(field: &Field) -> String {
    let Some(cd) = field.content_disposition() else {
        return String::new();
    };
    if let Some(ext) = cd.get_filename_ext() {
        let name = match ext.charset {
            actix_web::http::header::Charset::Iso_8859_1 => {
                ext.value.iter().map(|&b| char::from(b)).collect()
            }
            _ => String::from_utf8_lossy(&ext.value).into_owned(),
        };
        if !name.is_empty() {
            return name;
        }
    }
    cd.get_filename().unwrap_or("").to_string()
}

async fn read_kind(field: &mut Field) -> AppResult<AttachmentKind> {
    let mut value = BytesMut::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(unreadable)?;
        if value.len() + chunk.len() > KIND_PART_MAX_BYTES {
            return Err(AppError::invalid("kind", "too long"));
        }
        value.extend_from_slice(&chunk);
    }
    let text = std::str::from_utf8(&value).map_err(|_| AppError::invalid("kind", "not UTF-8"))?;
    text.trim()
        .parse()
        .map_err(|e: String| AppError::invalid("kind", e))
}

/// Streams the file part to the store. The first bytes decide the path: DICOM and zip archives
/// are spooled to disk and de-identified; formats that could hide DICOM are refused; anything
/// else goes straight to the store, scanned on the way.
async fn store_file(
    field: &mut Field,
    plan: &UploadPlan,
) -> AppResult<(StoredObject, Sniffed, Option<DicomInfo>)> {
    let mut head = BytesMut::new();
    let mut ended = true;
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(unreadable)?;
        head.extend_from_slice(&chunk);
        if head.len() as u64 > plan.max_bytes {
            return Err(too_large(plan.max_bytes));
        }
        if head.len() >= SNIFF_BYTES {
            ended = false;
            break;
        }
    }
    let sniffed = sniff(&head);
    let head = head.freeze();
    match sniffed {
        Sniffed::Refused(refusal) => Err(AppError::invalid(
            "file",
            format!("the file {}", refusal.reason()),
        )),
        Sniffed::Other => {
            let mut upload = plan
                .storage
                .upload(&plan.object_key)
                .await
                .map_err(AppError::internal)?;
            let mut scan = ContentScan::new();
            scan.feed(&head);
            upload.write(head).await.map_err(AppError::internal)?;
            if !ended {
                copy_rest(field, plan.max_bytes, &mut upload, &mut scan).await?;
            }
            if let Some(hidden) = scan.finish() {
                upload.abort().await;
                return Err(AppError::invalid(
                    "file",
                    format!("the file {}", hidden.reason()),
                ));
            }
            let stored = upload.finish().await.map_err(AppError::internal)?;
            Ok((stored, sniffed, None))
        }
        Sniffed::Dicom | Sniffed::Zip => {
            let spool = spool(field, head, ended, plan).await?;
            let (stored, dicom) = store_ingested(spool, sniffed, plan).await?;
            Ok((stored, sniffed, dicom))
        }
    }
}

/// Copies the rest of the part into the upload, within the size limit, scanning it.
async fn copy_rest(
    field: &mut Field,
    max: u64,
    upload: &mut Upload,
    scan: &mut ContentScan,
) -> AppResult<()> {
    while let Some(chunk) = field.next().await {
        let chunk: Bytes = chunk.map_err(unreadable)?;
        if upload.size() + chunk.len() as u64 > max {
            return Err(too_large(max));
        }
        scan.feed(&chunk);
        upload.write(chunk).await.map_err(AppError::internal)?;
    }
    Ok(())
}

/// Writes the part to a temporary file (removed when dropped), within the size limit.
async fn spool(
    field: &mut Field,
    head: Bytes,
    ended: bool,
    plan: &UploadPlan,
) -> AppResult<tempfile::NamedTempFile> {
    let temp = tempfile::NamedTempFile::new_in(&plan.spool_dir).map_err(AppError::internal)?;
    let mut out = tokio::fs::File::from_std(temp.reopen().map_err(AppError::internal)?);
    out.write_all(&head).await.map_err(AppError::internal)?;
    let mut size = head.len() as u64;
    if !ended {
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(unreadable)?;
            size += chunk.len() as u64;
            if size > plan.max_bytes {
                return Err(too_large(plan.max_bytes));
            }
            out.write_all(&chunk).await.map_err(AppError::internal)?;
        }
    }
    out.flush().await.map_err(AppError::internal)?;
    Ok(temp)
}

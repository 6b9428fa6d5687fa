//! STOW-RS (API.md section 15): a PACS or a workstation pushes instances to a dossier as a
//! `multipart/related` body. Each part is spooled (within the upload limit), its header read
//! for its series and identifiers, then each series takes the path of any upload: one
//! archive, de-identified, stored, one attachment. The answer lists what was stored and what
//! failed with the DICOM failure reasons; the pushed UIDs appear only in it, never stored.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use dicom_dictionary_std::tags;
use dicom_object::OpenFileOptions;
use dicom_object::file::ReadPreamble;
use futures_util::Stream;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use super::multipart::parts;
use crate::error::{AppError, AppResult};

/// Failure reasons of PS3.18 (the FailureReason attribute).
pub const CANNOT_UNDERSTAND: u16 = 0xC000;
pub const PROCESSING_FAILURE: u16 = 0x0110;

/// One pushed instance, once read.
#[derive(Debug, Clone)]
pub struct Pushed {
    pub path: PathBuf,
    pub sop_class: String,
    pub sop_instance: String,
}

/// A failed instance: its identifiers when they could be read, and why.
#[derive(Debug, Clone)]
pub struct Failed {
    pub sop_class: Option<String>,
    pub sop_instance: Option<String>,
    pub reason: u16,
}

/// The parts of a push, spooled under `dir` and grouped by series (in the order they came).
pub struct Received {
    pub series: BTreeMap<String, Vec<Pushed>>,
    pub failed: Vec<Failed>,
}

/// Reads every part of the body into `dir`, within `max_bytes` in all.
pub async fn receive<S, E>(
    stream: S,
    boundary: String,
    dir: &Path,
    max_bytes: u64,
) -> AppResult<Received>
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
{
    let mut body = parts(stream, boundary, max_bytes);
    let mut received = Received {
        series: BTreeMap::new(),
        failed: Vec::new(),
    };
    let unreadable = |e: multer::Error| match e {
        multer::Error::StreamSizeExceeded { .. } => AppError::TooLarge(format!(
            "the instances are larger than the limit of {max_bytes} bytes"
        )),
        other => AppError::invalid(
            "body",
            format!("the multipart body cannot be read: {other}"),
        ),
    };
    let mut index = 0usize;
    while let Some(mut part) = body.next_field().await.map_err(unreadable)? {
        index += 1;
        let dicom = part
            .content_type()
            .is_none_or(|m| m.essence_str().eq_ignore_ascii_case("application/dicom"));
        let path = dir.join(format!("part-{index:06}.dcm"));
        let mut file = tokio::fs::File::create(&path)
            .await
            .map_err(AppError::internal)?;
        while let Some(chunk) = part.chunk().await.map_err(unreadable)? {
            if dicom {
                file.write_all(&chunk).await.map_err(AppError::internal)?;
            }
        }
        file.flush().await.map_err(AppError::internal)?;
        drop(file);
        if !dicom {
            let _ = tokio::fs::remove_file(&path).await;
            received.failed.push(Failed {
                sop_class: None,
                sop_instance: None,
                reason: CANNOT_UNDERSTAND,
            });
            continue;
        }
        let read = path.clone();
        let header = tokio::task::spawn_blocking(move || identifiers(&read))
            .await
            .map_err(AppError::internal)?;
        match header {
            Some((series, sop_class, sop_instance)) => {
                received.series.entry(series).or_default().push(Pushed {
                    path,
                    sop_class,
                    sop_instance,
                });
            }
            None => {
                let _ = tokio::fs::remove_file(&path).await;
                received.failed.push(Failed {
                    sop_class: None,
                    sop_instance: None,
                    reason: CANNOT_UNDERSTAND,
                });
            }
        }
    }
    Ok(received)
}

/// The series, SOP class and SOP instance UIDs of a Part-10 file; `None` if it is not one.
fn identifiers(path: &Path) -> Option<(String, String, String)> {
    let obj = OpenFileOptions::new()
        .read_preamble(ReadPreamble::Always)
        .read_until(tags::PIXEL_DATA)
        .open_file(path)
        .ok()?;
    let text = |tag| {
        obj.element_opt(tag)
            .ok()
            .flatten()
            .and_then(|e| e.to_str().ok())
            .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
            .filter(|s| !s.is_empty() && s.len() <= 64)
    };
    Some((
        text(tags::SERIES_INSTANCE_UID)?,
        text(tags::SOP_CLASS_UID)?,
        text(tags::SOP_INSTANCE_UID)?,
    ))
}

/// The instances of one series as a stored zip archive in `dir` (blocking).
pub fn archive(instances: &[Pushed], dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let file = tempfile::NamedTempFile::new_in(dir)?;
    let mut zip = zip::ZipWriter::new(file.reopen()?);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(true);
    let mut buffer = vec![0u8; 64 * 1024];
    for (i, instance) in instances.iter().enumerate() {
        zip.start_file(format!("IM{:06}.dcm", i + 1), options)
            .map_err(std::io::Error::other)?;
        let mut input = std::fs::File::open(&instance.path)?;
        loop {
            let n = input.read(&mut buffer)?;
            if n == 0 {
                break;
            }
            zip.write_all(&buffer[..n])?;
        }
    }
    zip.finish().map_err(std::io::Error::other)?.flush()?;
    Ok(file)
}

/// The STOW-RS answer (PS3.18 §10.5): ReferencedSOPSequence (0008,1199) of the stored
/// instances, FailedSOPSequence (0008,1198) of the others.
pub fn answer(stored: &[Pushed], failed: &[Failed]) -> Value {
    let ui = |v: &str| json!({"vr": "UI", "Value": [v]});
    let mut out = serde_json::Map::new();
    if !stored.is_empty() {
        let items: Vec<Value> = stored
            .iter()
            .map(|p| json!({"00081150": ui(&p.sop_class), "00081155": ui(&p.sop_instance)}))
            .collect();
        out.insert("00081199".into(), json!({"vr": "SQ", "Value": items}));
    }
    if !failed.is_empty() {
        let items: Vec<Value> = failed
            .iter()
            .map(|f| {
                let mut item = serde_json::Map::new();
                if let Some(c) = &f.sop_class {
                    item.insert("00081150".into(), ui(c));
                }
                if let Some(i) = &f.sop_instance {
                    item.insert("00081155".into(), ui(i));
                }
                item.insert("00081197".into(), json!({"vr": "US", "Value": [f.reason]}));
                Value::Object(item)
            })
            .collect();
        out.insert("00081198".into(), json!({"vr": "SQ", "Value": items}));
    }
    Value::Object(out)
}

//! One series, from instances arriving over the network to one attachment: the instances are
//! written one after the other into a stored zip archive on the spool (a blocking thread fed
//! through a small bounded channel, so memory does not depend on the series), then the archive
//! takes the path of any upload: de-identification, the store, the series index.

use std::io::Write;
use std::path::Path;

use bytes::Bytes;
use tempfile::NamedTempFile;
use tokio::sync::mpsc;

use crate::domain::sniff::Sniffed;
use crate::error::{AppError, AppResult};
use crate::ingest::DicomInfo;
use crate::ingest::store::{UploadPlan, store_ingested};
use crate::storage::StoredObject;

/// Chunks waiting for the writing thread: with chunks of a few tens of KiB, at most a couple
/// of MiB in memory.
const CHANNEL_CHUNKS: usize = 32;

enum Piece {
    Start(String),
    Chunk(Bytes),
}

/// A stored (uncompressed) zip archive being written on the spool.
pub struct ZipSpool {
    tx: mpsc::Sender<Piece>,
    writer: tokio::task::JoinHandle<std::io::Result<NamedTempFile>>,
    instances: usize,
    bytes: u64,
}

fn io_error(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

impl ZipSpool {
    pub fn create(dir: &Path) -> AppResult<ZipSpool> {
        let file = NamedTempFile::new_in(dir).map_err(AppError::internal)?;
        let (tx, mut rx) = mpsc::channel::<Piece>(CHANNEL_CHUNKS);
        let writer = tokio::task::spawn_blocking(move || {
            let mut zip = zip::ZipWriter::new(file.reopen()?);
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored)
                .large_file(true);
            while let Some(piece) = rx.blocking_recv() {
                match piece {
                    Piece::Start(name) => zip.start_file(name, options).map_err(io_error)?,
                    Piece::Chunk(bytes) => zip.write_all(&bytes)?,
                }
            }
            zip.finish().map_err(io_error)?.flush()?;
            Ok(file)
        });
        Ok(ZipSpool {
            tx,
            writer,
            instances: 0,
            bytes: 0,
        })
    }

    /// Begins the next instance's entry.
    pub async fn next_instance(&mut self) -> AppResult<()> {
        self.instances += 1;
        let name = format!("IM{:06}.dcm", self.instances);
        self.send(Piece::Start(name)).await
    }

    pub async fn write(&mut self, chunk: Bytes) -> AppResult<()> {
        self.bytes += chunk.len() as u64;
        self.send(Piece::Chunk(chunk)).await
    }

    async fn send(&mut self, piece: Piece) -> AppResult<()> {
        if self.tx.send(piece).await.is_ok() {
            return Ok(());
        }
        // The writer stopped: its error says why.
        Err(AppError::internal(anyhow::anyhow!(
            "the spool archive could not be written"
        )))
    }

    pub fn instances(&self) -> usize {
        self.instances
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The complete archive.
    pub async fn finish(self) -> AppResult<NamedTempFile> {
        drop(self.tx);
        self.writer
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::internal)
    }
}

/// De-identifies and stores a series' archive under the plan's key.
pub async fn store_series(
    zip: NamedTempFile,
    plan: &UploadPlan,
) -> AppResult<(StoredObject, Option<DicomInfo>)> {
    store_ingested(zip, Sniffed::Zip, plan).await
}

/// The attachment's file name: what the series is, never who it is of.
pub fn file_name(modality: Option<&str>, index: usize) -> String {
    let modality: String = modality
        .unwrap_or("DICOM")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(16)
        .collect();
    format!("pacs-{modality}-series-{index}.zip")
}

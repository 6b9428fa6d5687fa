//! Serving DICOM attachments as pictures (API.md section 11): the series index (`index.rs`),
//! rendering one frame (`render.rs`), and the caches between them and the client:
//! - the index is built once and stored beside the object (`<key>.derived/series-v1.json`);
//! - a rendered frame is stored under the object too (`<key>.derived/frames/<etag>.png`), so a
//!   frame rendered by one instance is served by every other, on local files as on S3;
//! - the latest frames and indexes are also kept in memory, and one render of a frame is shared
//!   by every request that asks for it meanwhile (twenty followers ask at once).
//!
//! Rendering and indexing run on the blocking pool, a few at a time.

mod cache;
pub mod index;
pub mod jpeg12;
pub mod render;
mod twelve_bit;

use std::sync::Arc;

use bytes::Bytes;
use sha2::{Digest, Sha256};

use crate::domain::imaging::FrameRequest;
use crate::storage::{Storage, derived_prefix};
use cache::{Flights, Grants, Lru};

/// How long a token's access to an attachment's frames is remembered without asking the
/// database again: one scroll through a series.
const GRANT_TTL: std::time::Duration = std::time::Duration::from_secs(1);
pub use index::SeriesIndex;

/// Bumped when rendering changes what a frame looks like: every ETag changes with it.
const RENDER_VERSION: &str = "r1";

/// Why a frame or an index cannot be had.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ImagingError {
    /// No such series or frame (404).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A transfer syntax the service cannot decode (415), named.
    #[error("the DICOM transfer syntax {0} cannot be decoded")]
    Unsupported(String),
    /// The stored object is not readable as DICOM (it was checked at upload: 500).
    #[error("unreadable DICOM: {0}")]
    Unreadable(String),
    #[error("{0}")]
    Internal(String),
}

impl ImagingError {
    pub fn io(e: std::io::Error) -> ImagingError {
        ImagingError::Internal(e.to_string())
    }

    pub fn zip(e: zip::result::ZipError) -> ImagingError {
        ImagingError::Unreadable(format!("zip archive: {e}"))
    }

    fn internal(e: impl std::fmt::Display) -> ImagingError {
        ImagingError::Internal(e.to_string())
    }
}

/// What identifies a stored attachment to the renderer.
#[derive(Debug, Clone)]
pub struct Source {
    pub attachment_id: String,
    pub object_key: String,
    /// The SHA-256 of the stored bytes: frames are named after it.
    pub sha256: String,
}

/// A rendered frame.
#[derive(Debug, Clone)]
pub struct Frame {
    pub png: Bytes,
    /// A quoted strong ETag.
    pub etag: String,
}

/// How much the renderer may hold and do at once.
#[derive(Debug, Clone, Copy)]
pub struct ImagingSettings {
    pub concurrency: usize,
    pub memory_frames_bytes: usize,
    pub memory_instances_bytes: usize,
}

impl Default for ImagingSettings {
    fn default() -> Self {
        ImagingSettings {
            concurrency: std::thread::available_parallelism().map_or(2, |n| n.get()),
            memory_frames_bytes: 64 << 20,
            memory_instances_bytes: 256 << 20,
        }
    }
}

pub struct Imaging {
    storage: Storage,
    tmp_dir: std::path::PathBuf,
    turns: Arc<tokio::sync::Semaphore>,
    indexes: Lru<Arc<SeriesIndex>>,
    frames: Lru<Bytes>,
    instances: Lru<Arc<Vec<u8>>>,
    index_flights: Flights<Arc<SeriesIndex>>,
    frame_flights: Flights<Bytes>,
    grants: Grants<Source>,
}

/// The key of an object's series index.
pub fn index_key(object_key: &str) -> String {
    format!(
        "{}/series-v{}.json",
        derived_prefix(object_key),
        index::INDEX_VERSION
    )
}

/// Builds the index of a local copy of a stored object and stores it beside the object.
pub async fn store_index(
    storage: &Storage,
    object_key: &str,
    index: &SeriesIndex,
) -> anyhow::Result<()> {
    let json = serde_json::to_vec(index)?;
    storage
        .put_bytes(&index_key(object_key), Bytes::from(json))
        .await
}

impl Imaging {
    pub fn new(
        storage: Storage,
        tmp_dir: std::path::PathBuf,
        settings: ImagingSettings,
    ) -> Imaging {
        Imaging {
            storage,
            tmp_dir,
            turns: Arc::new(tokio::sync::Semaphore::new(settings.concurrency.max(1))),
            indexes: Lru::new(4 << 20),
            frames: Lru::new(settings.memory_frames_bytes),
            instances: Lru::new(settings.memory_instances_bytes),
            index_flights: Flights::default(),
            frame_flights: Flights::default(),
            grants: Grants::new(GRANT_TTL),
        }
    }

    /// The series index of a DICOM attachment: from memory, else from the store, else built
    /// from the object (once, whoever asks meanwhile) and stored.
    pub async fn index(&self, source: &Source) -> Result<Arc<SeriesIndex>, ImagingError> {
        if let Some(index) = self.indexes.get(&source.attachment_id) {
            return Ok(index);
        }
        let index = self
            .index_flights
            .run(&source.attachment_id, self.load_index(source))
            .await?;
        let size = index.instances.len() * 64 + 1024;
        self.indexes.put(&source.attachment_id, index.clone(), size);
        Ok(index)
    }

    async fn load_index(&self, source: &Source) -> Result<Arc<SeriesIndex>, ImagingError> {
        let key = index_key(&source.object_key);
        if let Some(bytes) = self
            .storage
            .get_bytes(&key)
            .await
            .map_err(ImagingError::internal)?
        {
            if let Ok(index) = serde_json::from_slice::<SeriesIndex>(&bytes) {
                return Ok(Arc::new(index));
            }
            tracing::warn!(attachment = %source.attachment_id, "unreadable series index; rebuilt");
        }
        let copy = tempfile::NamedTempFile::new_in(&self.tmp_dir).map_err(ImagingError::io)?;
        self.storage
            .download(&source.object_key, copy.path())
            .await
            .map_err(ImagingError::internal)?;
        let turn = self
            .turns
            .clone()
            .acquire_owned()
            .await
            .map_err(ImagingError::internal)?;
        let index = tokio::task::spawn_blocking(move || {
            let index = index::build(copy.path());
            drop(turn);
            index
        })
        .await
        .map_err(ImagingError::internal)??;
        store_index(&self.storage, &source.object_key, &index)
            .await
            .map_err(ImagingError::internal)?;
        Ok(Arc::new(index))
    }

    /// The ETag frame `n` of a series has when rendered as `request`: known without rendering,
    /// so that a client holding it gets 304 at once.
    pub fn etag(source: &Source, series_uid: &str, n: u32, request: &FrameRequest) -> String {
        let mut hash = Sha256::new();
        hash.update(
            format!(
                "{RENDER_VERSION}|{}|{series_uid}|{n}|{}",
                source.sha256,
                request.canonical()
            )
            .as_bytes(),
        );
        format!("\"{}\"", &hex::encode(hash.finalize())[..32])
    }

    /// Frame `n` of a series rendered as `request`.
    pub async fn frame(
        &self,
        source: &Source,
        series_uid: &str,
        n: u32,
        request: &FrameRequest,
    ) -> Result<Frame, ImagingError> {
        let etag = Self::etag(source, series_uid, n, request);
        if let Some(png) = self.frames.get(&etag) {
            return Ok(Frame { png, etag });
        }
        let index = self.index(source).await?;
        let Some(series) = index.series(series_uid) else {
            return Err(ImagingError::NotFound("series"));
        };
        let Some((at, instance, frame)) = index.frame(series_uid, n) else {
            return Err(ImagingError::NotFound(if series.frames.is_empty() {
                "series"
            } else {
                "frame"
            }));
        };
        render::check_syntax(&instance.transfer_syntax)?;
        let cached = format!(
            "{}/frames/{}.png",
            derived_prefix(&source.object_key),
            etag.trim_matches('"')
        );
        let png = self
            .frame_flights
            .run(&etag, async {
                if let Some(png) = self
                    .storage
                    .get_bytes(&cached)
                    .await
                    .map_err(ImagingError::internal)?
                {
                    return Ok(png);
                }
                let bytes = self.instance(source, instance, at).await?;
                let turn = self
                    .turns
                    .clone()
                    .acquire_owned()
                    .await
                    .map_err(ImagingError::internal)?;
                let request = *request;
                let png = tokio::task::spawn_blocking(move || {
                    let png = render::render(&bytes, frame, &request);
                    drop(turn);
                    png
                })
                .await
                .map_err(ImagingError::internal)??;
                let png = Bytes::from(png);
                if let Err(e) = self.storage.put_bytes(&cached, png.clone()).await {
                    tracing::warn!(error = %e, "cannot cache a rendered frame");
                }
                Ok(png)
            })
            .await?;
        self.frames.put(&etag, png.clone(), png.len());
        Ok(Frame { png, etag })
    }

    /// The Part-10 bytes of one instance: one ranged read of the object, inflated if the zip
    /// entry was deflated.
    async fn instance(
        &self,
        source: &Source,
        instance: &index::Instance,
        at: usize,
    ) -> Result<Arc<Vec<u8>>, ImagingError> {
        let key = format!("{}#{at}", source.attachment_id);
        if let Some(bytes) = self.instances.get(&key) {
            return Ok(bytes);
        }
        let raw = self
            .storage
            .get_range(
                &source.object_key,
                instance.offset..instance.offset + instance.length,
            )
            .await
            .map_err(ImagingError::internal)?;
        let bytes = if instance.deflated {
            let raw = raw.clone();
            tokio::task::spawn_blocking(move || {
                let mut out = Vec::with_capacity(raw.len() * 2);
                std::io::Read::read_to_end(
                    &mut flate2::read::DeflateDecoder::new(&raw[..]),
                    &mut out,
                )
                .map(|_| out)
                .map_err(|e| ImagingError::Unreadable(format!("zip entry: {e}")))
            })
            .await
            .map_err(ImagingError::internal)??
        } else {
            raw.to_vec()
        };
        let bytes = Arc::new(bytes);
        self.instances.put(&key, bytes.clone(), bytes.len());
        Ok(bytes)
    }

    /// Forgets what memory holds of an attachment (it was deleted).
    pub fn forget(&self, attachment_id: &str) {
        self.indexes.remove(attachment_id);
        self.instances.remove_prefix(&format!("{attachment_id}#"));
        self.grants.forget(attachment_id);
    }

    /// The attachment a token was lately allowed to read frames of (at most `GRANT_TTL` ago).
    pub fn granted(&self, token_id: &str, attachment_id: &str) -> Option<Source> {
        self.grants.get(token_id, attachment_id)
    }

    /// Remembers that a token may read an attachment's frames (the use case said so).
    pub fn grant(&self, token_id: &str, source: &Source) {
        self.grants
            .put(token_id, &source.attachment_id, source.clone());
    }
}

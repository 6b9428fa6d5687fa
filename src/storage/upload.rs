//! A streamed write of one object: bytes go out in parts as they come in, SHA-256 and size are
//! computed on the way, and memory stays bounded (a few parts in flight) whatever the size.

use std::sync::Arc;

use anyhow::Context;
use bytes::Bytes;
use object_store::aws::AmazonS3;
use object_store::path::Path as ObjectPath;
use object_store::{MultipartUpload, ObjectStore, ObjectStoreExt, WriteMultipart};
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

use super::journal::UploadJournal;
use super::s3parts::S3Parts;

/// Size of one part: above S3's 5 MiB minimum.
const PART_BYTES: usize = 8 * 1024 * 1024;
/// Parts being sent at once; with the part being filled, this bounds the memory of an upload.
const PARTS_IN_FLIGHT: usize = 2;

/// What was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub size: u64,
    pub sha256: String,
}

/// Chunks waiting for the hashing thread (each a shared `Bytes`, not a copy).
const HASH_QUEUE: usize = 64;

/// SHA-256 computed on a thread of its own, beside the parsing and writing of the upload:
/// hashing is the largest cost of an upload, and this way it uses the other core.
struct PipelinedHash {
    chunks: Option<tokio::sync::mpsc::Sender<Bytes>>,
    digest: tokio::task::JoinHandle<String>,
}

impl PipelinedHash {
    fn start() -> PipelinedHash {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(HASH_QUEUE);
        let digest = tokio::task::spawn_blocking(move || {
            let mut hasher = Sha256::new();
            while let Some(chunk) = rx.blocking_recv() {
                hasher.update(&chunk);
            }
            hex::encode(hasher.finalize())
        });
        PipelinedHash {
            chunks: Some(tx),
            digest,
        }
    }

    async fn update(&mut self, chunk: Bytes) -> anyhow::Result<()> {
        let tx = self.chunks.as_ref().context("hash already finished")?;
        tx.send(chunk).await.context("the hashing thread stopped")
    }

    async fn finish(mut self) -> anyhow::Result<String> {
        self.chunks = None;
        self.digest.await.context("the hashing thread failed")
    }
}

/// An object being written. Dropped unfinished (the client hung up, the handler failed), it
/// is aborted in the background, so nothing of it remains. While it is being written it is in
/// the upload journal, so that a crash that stops it half-way is cleaned up at the next start.
pub struct Upload {
    writer: Option<WriteMultipart>,
    hash: Option<PipelinedHash>,
    size: u64,
    journal: Option<(Arc<dyn UploadJournal>, String)>,
}

impl Upload {
    pub(crate) async fn start(
        store: Arc<dyn ObjectStore>,
        s3: Option<Arc<AmazonS3>>,
        journal: Option<Arc<dyn UploadJournal>>,
        path: ObjectPath,
    ) -> anyhow::Result<Upload> {
        let cannot = || format!("cannot start writing object {path}");
        let (mut upload, upload_id): (Box<dyn MultipartUpload>, Option<String>) = match s3 {
            Some(s3) => {
                let parts = S3Parts::start(s3, path.clone())
                    .await
                    .with_context(cannot)?;
                let id = parts.id().to_string();
                (Box::new(parts), Some(id))
            }
            None => (store.put_multipart(&path).await.with_context(cannot)?, None),
        };
        let key = path.to_string();
        if let Some(journal) = &journal
            && let Err(e) = journal.started(key.clone(), upload_id).await
        {
            if let Err(abort) = upload.abort().await {
                tracing::warn!(error = %abort, "cannot abort an object upload");
            }
            return Err(e.context("cannot record the upload in the journal"));
        }
        Ok(Upload {
            writer: Some(WriteMultipart::new_with_chunk_size(upload, PART_BYTES)),
            hash: Some(PipelinedHash::start()),
            size: 0,
            journal: journal.map(|j| (j, key)),
        })
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends `data`, waiting while too many parts are in flight.
    pub async fn write(&mut self, data: Bytes) -> anyhow::Result<()> {
        let writer = self.writer.as_mut().context("upload already finished")?;
        writer
            .wait_for_capacity(PARTS_IN_FLIGHT)
            .await
            .context("cannot write to the object store")?;
        self.size += data.len() as u64;
        self.hash
            .as_mut()
            .context("upload already finished")?
            .update(data.clone())
            .await?;
        writer.put(data);
        Ok(())
    }

    /// Appends the whole content of a local file.
    pub async fn write_file(&mut self, path: &std::path::Path) -> anyhow::Result<()> {
        let mut file = tokio::fs::File::open(path)
            .await
            .with_context(|| format!("cannot open {}", path.display()))?;
        loop {
            let mut buf = vec![0u8; 1024 * 1024];
            let n = file
                .read(&mut buf)
                .await
                .context("cannot read spooled upload")?;
            if n == 0 {
                return Ok(());
            }
            buf.truncate(n);
            self.write(Bytes::from(buf)).await?;
        }
    }

    /// Completes the object; only then does it exist in the store (a local store syncs it to
    /// disk first: see `Storage::open`).
    pub async fn finish(mut self) -> anyhow::Result<StoredObject> {
        let writer = self.writer.take().context("upload already finished")?;
        writer
            .finish()
            .await
            .context("cannot complete the object")?;
        let sha256 = self
            .hash
            .take()
            .context("upload already finished")?
            .finish()
            .await?;
        Ok(StoredObject {
            size: self.size,
            sha256,
        })
    }

    /// Gives up: the parts written so far are discarded.
    pub async fn abort(mut self) {
        if let Some(writer) = self.writer.take() {
            abort(writer, self.journal.take()).await;
        }
    }
}

/// Aborts an upload, then takes it out of the journal (kept there if the abort failed, so that
/// the next start tries again).
async fn abort(writer: WriteMultipart, journal: Option<(Arc<dyn UploadJournal>, String)>) {
    if let Err(e) = writer.abort().await {
        tracing::warn!(error = %e, "cannot abort an object upload");
        return;
    }
    if let Some((journal, key)) = journal {
        journal.abandoned(key).await;
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if let Some(writer) = self.writer.take() {
            let journal = self.journal.take();
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    runtime.spawn(abort(writer, journal));
                }
                Err(_) => tracing::warn!("an abandoned upload could not be aborted"),
            }
        }
    }
}

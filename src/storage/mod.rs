//! Object storage of attachment bytes over `object_store`: local files (the default), memory,
//! or S3, picked from `CONSILIUM_OBJECT_STORE_URL`.
//!
//! Writes are streamed through a multipart upload that is aborted on every failure path, and
//! on drop, so a failed or abandoned upload leaves no object behind.

mod derived;
pub mod journal;
mod s3parts;
pub mod spool;
pub mod upload;

use std::sync::Arc;

use anyhow::{Context, bail};
use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, GetRange, GetResultPayload, ObjectStore, ObjectStoreExt};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

/// Chunk size when streaming a local object to a client.
const READ_CHUNK_BYTES: usize = 1024 * 1024;

pub use derived::derived_prefix;
pub use upload::{StoredObject, Upload};

/// S3 connection settings, read from the environment as the object_store crate names them.
#[derive(Clone, Default)]
pub struct S3Settings {
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub allow_http: bool,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "***"),
            )
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

impl S3Settings {
    /// `AWS_ENDPOINT`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_ALLOW_HTTP`.
    pub fn from_env() -> S3Settings {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        S3Settings {
            endpoint: var("AWS_ENDPOINT").or_else(|| var("AWS_ENDPOINT_URL")),
            region: var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION")),
            access_key_id: var("AWS_ACCESS_KEY_ID"),
            secret_access_key: var("AWS_SECRET_ACCESS_KEY"),
            allow_http: var("AWS_ALLOW_HTTP").is_some_and(|v| v == "true" || v == "1"),
        }
    }
}

/// Where attachment bytes live.
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    description: String,
    /// The same store typed, when it is S3: multipart uploads are made through it, so that
    /// their ids are known (see `s3parts`).
    s3: Option<Arc<object_store::aws::AmazonS3>>,
    /// The directory of a local store: where its half-written staging files lie.
    local_root: Option<std::path::PathBuf>,
    journal: Option<Arc<dyn journal::UploadJournal>>,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.description)
    }
}

impl Storage {
    /// Opens the store named by `url`: `file://DIR` (created if missing), `memory://`, or
    /// `s3://BUCKET`.
    pub fn open(url: &str, s3: &S3Settings) -> anyhow::Result<Storage> {
        let mut typed_s3 = None;
        let mut local_root = None;
        let (store, description): (Arc<dyn ObjectStore>, String) = if let Some(dir) =
            url.strip_prefix("file://")
        {
            if dir.is_empty() {
                bail!("CONSILIUM_OBJECT_STORE_URL file:// needs a directory");
            }
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the object directory {dir}"))?;
            // Synced to disk (file and directory) before an upload completes, so that an
            // acknowledged attachment survives a power cut as its row does.
            let store = LocalFileSystem::new_with_prefix(dir)
                .with_context(|| format!("cannot open the object directory {dir}"))?
                .with_fsync(true)
                .with_automatic_cleanup(true);
            local_root = Some(std::path::PathBuf::from(dir));
            (Arc::new(store), format!("local files in {dir}"))
        } else if url == "memory://" || url == "memory:" {
            (Arc::new(InMemory::new()), "memory".to_string())
        } else if let Some(bucket) = url.strip_prefix("s3://") {
            let bucket = bucket.trim_end_matches('/');
            if bucket.is_empty() || bucket.contains('/') {
                bail!("CONSILIUM_OBJECT_STORE_URL s3:// needs a bucket name: s3://BUCKET");
            }
            let mut builder = AmazonS3Builder::new()
                .with_bucket_name(bucket)
                .with_allow_http(s3.allow_http)
                .with_region(s3.region.clone().unwrap_or_else(|| "us-east-1".into()));
            if let Some(endpoint) = &s3.endpoint {
                // A private endpoint (MinIO, Ceph, Garage…) addresses buckets by path.
                builder = builder
                    .with_endpoint(endpoint)
                    .with_virtual_hosted_style_request(false);
            }
            if let (Some(key), Some(secret)) = (&s3.access_key_id, &s3.secret_access_key) {
                builder = builder
                    .with_access_key_id(key)
                    .with_secret_access_key(secret);
            }
            let store = Arc::new(builder.build().context("cannot configure the S3 store")?);
            typed_s3 = Some(store.clone());
            (store, format!("S3 bucket {bucket}"))
        } else {
            bail!(
                "unsupported CONSILIUM_OBJECT_STORE_URL {url:?}: use file://DIR, memory:// or s3://BUCKET"
            );
        };
        Ok(Storage {
            store,
            description,
            s3: typed_s3,
            local_root,
            journal: None,
        })
    }

    /// Records every upload in progress in `journal` from now on.
    pub fn with_journal(mut self, journal: Arc<dyn journal::UploadJournal>) -> Storage {
        self.journal = Some(journal);
        self
    }

    /// Starts a streamed write of the object at `key`.
    pub async fn upload(&self, key: &str) -> anyhow::Result<Upload> {
        Upload::start(
            self.store.clone(),
            self.s3.clone(),
            self.journal.clone(),
            ObjectPath::from(key),
        )
        .await
    }

    /// Removes what an upload cut short by a crash left: the S3 multipart upload and its parts,
    /// a local store's half-written staging files, and the object itself if it was completed
    /// (the caller checked that no attachment row holds it).
    pub async fn clean_up(&self, leftover: &journal::Leftover) -> anyhow::Result<()> {
        if let (Some(s3), Some(id)) = (&self.s3, &leftover.upload_id) {
            s3parts::abort(s3, &leftover.key, id)
                .await
                .with_context(|| format!("cannot abort the upload of {}", leftover.key))?;
        }
        if let Some(root) = &self.local_root {
            remove_staging_files(root, &leftover.key)?;
        }
        self.delete(&leftover.key).await
    }

    /// The bytes of `key`, whole or one range, as a stream.
    pub async fn read(
        &self,
        key: &str,
        range: Option<std::ops::Range<u64>>,
    ) -> anyhow::Result<BoxStream<'static, std::io::Result<Bytes>>> {
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..GetOptions::default()
        };
        let result = self
            .store
            .get_opts(&ObjectPath::from(key), options)
            .await
            .with_context(|| format!("cannot read object {key}"))?;
        let range = result.range.clone();
        match result.payload {
            // A local file is read in large chunks: object_store's own stream of it reads
            // 8 KiB at a time, each through the blocking pool.
            GetResultPayload::File(file, _) => {
                let mut file = tokio::fs::File::from_std(file);
                file.seek(std::io::SeekFrom::Start(range.start))
                    .await
                    .with_context(|| format!("cannot read object {key}"))?;
                let part = file.take(range.end - range.start);
                Ok(ReaderStream::with_capacity(part, READ_CHUNK_BYTES).boxed())
            }
            GetResultPayload::Stream(stream) => Ok(stream.map_err(std::io::Error::other).boxed()),
        }
    }

    /// Removes `key` and what is derived from it (`derived.rs`); a missing object is not an
    /// error.
    pub async fn delete(&self, key: &str) -> anyhow::Result<()> {
        match self.store.delete(&ObjectPath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(e).with_context(|| format!("cannot delete object {key}")),
        }
        self.delete_derived(key).await
    }

    /// Whether the store answers, for `/readyz`.
    pub async fn is_ready(&self) -> bool {
        match self.store.head(&ObjectPath::from("readiness-probe")).await {
            Ok(_) | Err(object_store::Error::NotFound { .. }) => true,
            Err(e) => {
                tracing::warn!(error = %e, store = %self.description, "object store not ready");
                false
            }
        }
    }
}

/// Removes `<root>/<key>#…`: object_store's local store writes an object to such a file and
/// renames it when complete; a crash leaves it behind.
fn remove_staging_files(root: &std::path::Path, key: &str) -> anyhow::Result<()> {
    if key
        .split('/')
        .any(|part| part.is_empty() || part == "." || part == "..")
    {
        bail!("refusing to clean up an unexpected object key {key:?}");
    }
    let dest = root.join(key);
    let (Some(dir), Some(name)) = (dest.parent(), dest.file_name()) else {
        return Ok(());
    };
    let prefix = format!("{}#", name.to_string_lossy());
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("cannot list {}", dir.display())),
    };
    for entry in entries {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            std::fs::remove_file(entry.path())
                .with_context(|| format!("cannot remove {}", entry.path().display()))?;
        }
    }
    Ok(())
}

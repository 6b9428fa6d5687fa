//! Objects derived from an attachment's object (its series index, rendered frames), stored
//! under `<object key>.derived/` so that they work the same on local files and S3 and across
//! instances, and go when the object goes (`Storage::delete`).

use anyhow::Context;
use bytes::Bytes;
use futures_util::TryStreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use tokio::io::AsyncWriteExt;

use super::Storage;

/// The folder of what is derived from the object at `key`.
pub fn derived_prefix(key: &str) -> String {
    format!("{key}.derived")
}

impl Storage {
    /// Writes a small object whole.
    pub async fn put_bytes(&self, key: &str, bytes: Bytes) -> anyhow::Result<()> {
        self.store
            .put(&ObjectPath::from(key), PutPayload::from(bytes))
            .await
            .with_context(|| format!("cannot write object {key}"))?;
        Ok(())
    }

    /// A small object whole; `None` when there is none.
    pub async fn get_bytes(&self, key: &str) -> anyhow::Result<Option<Bytes>> {
        match self.store.get(&ObjectPath::from(key)).await {
            Ok(result) => Ok(Some(
                result
                    .bytes()
                    .await
                    .with_context(|| format!("cannot read object {key}"))?,
            )),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read object {key}")),
        }
    }

    /// One range of an object, in memory.
    pub async fn get_range(&self, key: &str, range: std::ops::Range<u64>) -> anyhow::Result<Bytes> {
        self.store
            .get_range(&ObjectPath::from(key), range)
            .await
            .with_context(|| format!("cannot read object {key}"))
    }

    /// Copies an object to the local file `to`, streamed.
    pub async fn download(&self, key: &str, to: &std::path::Path) -> anyhow::Result<()> {
        let mut stream = self.read(key, None).await?;
        let mut file = tokio::fs::File::create(to)
            .await
            .with_context(|| format!("cannot create {}", to.display()))?;
        while let Some(chunk) = stream.try_next().await? {
            file.write_all(&chunk).await?;
        }
        file.flush().await?;
        Ok(())
    }

    /// Removes everything derived from the object at `key`.
    pub async fn delete_derived(&self, key: &str) -> anyhow::Result<()> {
        let prefix = ObjectPath::from(derived_prefix(key));
        let listed: Vec<_> = self
            .store
            .list(Some(&prefix))
            .map_ok(|meta| meta.location)
            .try_collect()
            .await
            .with_context(|| format!("cannot list what is derived from {key}"))?;
        for location in listed {
            match self.store.delete(&location).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot delete object {location}"));
                }
            }
        }
        Ok(())
    }
}

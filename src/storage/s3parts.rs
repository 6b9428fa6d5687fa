//! An S3 multipart upload whose id we know. object_store's own `put_multipart` hides the id,
//! so an upload cut short by a crash could never be aborted afterwards: its parts would stay
//! in the bucket (and be billed) for ever. Going through `MultipartStore` gives the id, which the
//! upload journal keeps until the upload is complete or aborted.

use std::sync::{Arc, Mutex};

use object_store::aws::AmazonS3;
use object_store::multipart::{MultipartStore, PartId};
use object_store::path::Path as ObjectPath;
use object_store::{MultipartId, MultipartUpload, PutPayload, PutResult, UploadPart};

#[derive(Debug)]
pub struct S3Parts {
    s3: Arc<AmazonS3>,
    path: ObjectPath,
    id: MultipartId,
    parts: Arc<Mutex<Vec<Option<PartId>>>>,
    next: usize,
}

impl S3Parts {
    /// Starts a multipart upload of `path`; its id is [`S3Parts::id`].
    pub async fn start(s3: Arc<AmazonS3>, path: ObjectPath) -> object_store::Result<S3Parts> {
        let id = s3.create_multipart(&path).await?;
        Ok(S3Parts {
            s3,
            path,
            id,
            parts: Arc::new(Mutex::new(Vec::new())),
            next: 0,
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }
}

/// Aborts the multipart upload `id` of `path` (a leftover of a crash); one already gone is not
/// an error.
pub async fn abort(s3: &AmazonS3, path: &str, id: &str) -> object_store::Result<()> {
    match s3
        .abort_multipart(&ObjectPath::from(path), &id.to_string())
        .await
    {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

#[async_trait::async_trait]
impl MultipartUpload for S3Parts {
    fn put_part(&mut self, data: PutPayload) -> UploadPart {
        let index = self.next;
        self.next += 1;
        let (s3, path, id, parts) = (
            self.s3.clone(),
            self.path.clone(),
            self.id.clone(),
            self.parts.clone(),
        );
        Box::pin(async move {
            let part = s3.put_part(&path, &id, index, data).await?;
            let mut parts = parts.lock().unwrap_or_else(|p| p.into_inner());
            if parts.len() <= index {
                parts.resize(index + 1, None);
            }
            parts[index] = Some(part);
            Ok(())
        })
    }

    async fn complete(&mut self) -> object_store::Result<PutResult> {
        let parts: Option<Vec<PartId>> = self
            .parts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect();
        let parts = parts.ok_or_else(|| object_store::Error::Generic {
            store: "S3",
            source: "a part of the upload is missing".into(),
        })?;
        self.s3
            .complete_multipart(&self.path, &self.id, parts)
            .await
    }

    async fn abort(&mut self) -> object_store::Result<()> {
        self.s3.abort_multipart(&self.path, &self.id).await
    }
}

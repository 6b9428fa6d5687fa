//! The upload journal: every object upload in progress is written down (its key, and for S3 the
//! multipart upload id) before its first byte goes out, and taken off once its attachment row
//! is committed (in the same transaction) or the upload is aborted. What is left in the journal
//! of an instance that is gone was cut short by a crash: [`super::Storage::clean_up`] aborts it
//! and removes its object.

use futures_util::future::BoxFuture;

/// Where uploads in progress are recorded (the database, see `db::object_uploads`).
pub trait UploadJournal: Send + Sync + 'static {
    /// An upload of `key` started (`upload_id`: the S3 multipart upload id).
    fn started(
        &self,
        key: String,
        upload_id: Option<String>,
    ) -> BoxFuture<'static, anyhow::Result<()>>;
    /// The upload of `key` was aborted: nothing of it remains.
    fn abandoned(&self, key: String) -> BoxFuture<'static, ()>;
}

/// A journal entry left by an instance that is gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leftover {
    pub key: String,
    pub upload_id: Option<String>,
}

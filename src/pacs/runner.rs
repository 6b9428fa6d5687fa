//! Imports in the background (API.md section 15): each series of the study is retrieved with
//! WADO-RS and streamed into a spool archive, then de-identified and stored like an upload, one
//! attachment per series. Memory stays bounded whatever the study (chunks pass through a small
//! channel to the disk). The study's and series' UIDs live only here, in memory: an import
//! whose instance stops is failed by the sweep, and everything it made is removed.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;

use super::multipart::{dicom_boundary, parts};
use super::series::{ZipSpool, file_name, store_series};
use super::{Pacs, PacsSeries};
use crate::config::IngestConfig;
use crate::db::attachments::AttachmentRow;
use crate::db::{Db, new_id, object_uploads};
use crate::domain::pacs::ImportStatus;
use crate::error::{AppError, AppResult};
use crate::imaging::Imaging;
use crate::ingest::store::{NewAttachment, UploadPlan, attachment_row};
use crate::live::Hub;
use crate::storage::Storage;
use crate::usecase::{self, imports};

/// The runner says it lives (and looks for a cancellation) at least this often.
const HEARTBEAT: Duration = Duration::from_secs(2);
/// An import whose runner was not heard of for this long is failed by the sweep.
pub const ABANDONED_AFTER_SECS: i64 = 30;

/// What one import fetches: kept in memory only.
pub struct ImportJob {
    pub id: String,
    pub dossier_id: String,
    pub uploader_id: String,
    pub study_uid: String,
    pub series: Vec<PacsSeries>,
}

/// Everything an import needs from the running service.
pub struct Importer {
    pub pacs: Pacs,
    pub db: Db,
    pub storage: Storage,
    pub hub: Arc<Hub>,
    pub imaging: Arc<Imaging>,
    pub spool_dir: PathBuf,
    pub ingest: IngestConfig,
    pub max_bytes: u64,
    pub turns: Arc<tokio::sync::Semaphore>,
}

#[derive(Default)]
struct Progress {
    done: AtomicI64,
    total: AtomicI64,
    bytes: AtomicI64,
    cancelled: AtomicBool,
}

impl Progress {
    fn counts(&self) -> (i64, i64, i64) {
        (
            self.done.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
            self.bytes.load(Ordering::Relaxed),
        )
    }
}

/// Why an import stopped before its end.
enum Stop {
    Cancelled,
    Failed(String),
}

impl From<AppError> for Stop {
    fn from(e: AppError) -> Self {
        if let AppError::Internal(cause) = &e {
            tracing::error!(error = %cause, "PACS import failed");
        }
        Stop::Failed(e.public_detail())
    }
}

impl Importer {
    /// Runs `job` in the background.
    pub fn spawn(self: &Arc<Self>, job: ImportJob) {
        let this = Arc::clone(self);
        tokio::spawn(async move { this.run(job).await });
    }

    async fn run(&self, job: ImportJob) {
        let progress = Arc::new(Progress::default());
        let total: u64 = job.series.iter().map(|s| s.instances).sum();
        progress
            .total
            .store(i64::try_from(total).unwrap_or(i64::MAX), Ordering::Relaxed);
        let beat = self.heartbeat(&job.id, &progress);
        let outcome = self.import(&job, &progress).await;
        beat.abort();
        let _ = self.report(&job.id, &progress).await;
        let failure = match &outcome {
            Ok(()) => None,
            Err(Stop::Cancelled) => Some("cancelled".to_string()),
            Err(Stop::Failed(why)) => Some(why.clone()),
        };
        let (id, instance) = (job.id.clone(), self.db.instance_id().to_string());
        let now = Utc::now().naive_utc();
        match usecase::run(&self.db, move |conn| {
            imports::finish(conn, &id, failure.as_deref(), &instance, now)
        })
        .await
        {
            Ok(done) => {
                self.hub.publish(&done.events);
                self.remove_objects(done.value).await;
            }
            Err(e) => tracing::error!(error = %e, "a PACS import could not be ended"),
        }
    }

    /// A task that reports progress every two seconds (the sweep's sign of life), and notices
    /// a cancellation made on any instance.
    fn heartbeat(&self, id: &str, progress: &Arc<Progress>) -> tokio::task::JoinHandle<()> {
        let (db, id, progress) = (self.db.clone(), id.to_string(), Arc::clone(progress));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(HEARTBEAT);
            loop {
                tick.tick().await;
                let counts = progress.counts();
                let id = id.clone();
                let now = Utc::now().naive_utc();
                if let Ok(done) =
                    usecase::run(&db, move |conn| imports::progress(conn, &id, counts, now)).await
                    && done.value == ImportStatus::Cancelled
                {
                    progress.cancelled.store(true, Ordering::Relaxed);
                }
            }
        })
    }

    async fn report(&self, id: &str, progress: &Progress) -> AppResult<ImportStatus> {
        let (id, counts, now) = (id.to_string(), progress.counts(), Utc::now().naive_utc());
        let done = usecase::run(&self.db, move |conn| {
            imports::progress(conn, &id, counts, now)
        })
        .await?;
        if done.value == ImportStatus::Cancelled {
            progress.cancelled.store(true, Ordering::Relaxed);
        }
        Ok(done.value)
    }

    async fn import(&self, job: &ImportJob, progress: &Progress) -> Result<(), Stop> {
        self.report(&job.id, progress).await?;
        for (index, series) in job.series.iter().enumerate() {
            let zip = self.fetch_series(job, series, progress).await?;
            let attachment_id = new_id();
            let plan = UploadPlan {
                storage: self.storage.clone(),
                object_key: crate::db::attachments::object_key(&job.dossier_id, &attachment_id),
                max_bytes: self.max_bytes,
                spool_dir: self.spool_dir.clone(),
                ingest: self.ingest.options_for(&job.dossier_id),
                turns: Arc::clone(&self.turns),
                // An import waits its turn as long as it takes.
                queue_wait: Duration::from_secs(24 * 3600),
            };
            let (stored, dicom) = store_series(zip, &plan).await?;
            let row = attachment_row(NewAttachment {
                id: attachment_id,
                dossier_id: job.dossier_id.clone(),
                uploader_id: job.uploader_id.clone(),
                filename: file_name(series.modality.as_deref(), index + 1),
                content_type: "application/zip".to_string(),
                kind: None,
                object_key: plan.object_key.clone(),
                stored,
                dicom,
            });
            self.attach(&job.id, row).await?;
        }
        Ok(())
    }

    /// Streams one series into a spool archive.
    async fn fetch_series(
        &self,
        job: &ImportJob,
        series: &PacsSeries,
        progress: &Progress,
    ) -> Result<tempfile::NamedTempFile, Stop> {
        let response = self
            .pacs
            .retrieve(&job.study_uid, &series.series_uid)
            .await?;
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let boundary = dicom_boundary(content_type).ok_or_else(|| {
            Stop::Failed(format!(
                "the PACS at {} sent a series without a multipart boundary",
                self.pacs.name()
            ))
        })?;
        let mut body = parts(response.bytes_stream(), boundary, self.max_bytes);
        let mut spool = ZipSpool::create(&self.spool_dir)?;
        let mut last_report = Instant::now();
        let broken = |e: multer::Error| {
            Stop::Failed(format!(
                "the PACS at {} broke off while sending a series ({})",
                self.pacs.name(),
                match e {
                    multer::Error::StreamSizeExceeded { .. } => "larger than the upload limit",
                    _ => "incomplete answer",
                }
            ))
        };
        while let Some(mut part) = body.next_field().await.map_err(broken)? {
            spool.next_instance().await?;
            while let Some(chunk) = part.chunk().await.map_err(broken)? {
                if progress.cancelled.load(Ordering::Relaxed) {
                    return Err(Stop::Cancelled);
                }
                progress
                    .bytes
                    .fetch_add(chunk.len() as i64, Ordering::Relaxed);
                spool.write(chunk).await?;
            }
            progress.done.fetch_add(1, Ordering::Relaxed);
            if last_report.elapsed() >= Duration::from_millis(500) {
                last_report = Instant::now();
                if self.report(&job.id, progress).await? == ImportStatus::Cancelled {
                    return Err(Stop::Cancelled);
                }
            }
        }
        if spool.instances() == 0 {
            return Err(Stop::Failed(format!(
                "the PACS at {} sent no instance for a series",
                self.pacs.name()
            )));
        }
        Ok(spool.finish().await?)
    }

    /// Records a series' attachment; its object goes if the import was cancelled meanwhile.
    async fn attach(&self, id: &str, row: AttachmentRow) -> Result<(), Stop> {
        let (id, inserted) = (id.to_string(), row.clone());
        let done = usecase::run(&self.db, move |conn| imports::attach(conn, &id, &inserted)).await;
        match done {
            Ok(done) if done.value => {
                self.hub.publish(&done.events);
                Ok(())
            }
            Ok(_) => {
                self.remove_objects(vec![row]).await;
                Err(Stop::Cancelled)
            }
            Err(e) => {
                self.remove_objects(vec![row]).await;
                Err(e.into())
            }
        }
    }

    /// Deletes the objects of attachments an import no longer keeps (journaled: a crash before
    /// the delete is finished at the next start).
    async fn remove_objects(&self, rows: Vec<AttachmentRow>) {
        for row in rows {
            self.imaging.forget(&row.id);
            match self.storage.delete(&row.object_key).await {
                Ok(()) => {
                    let key = row.object_key.clone();
                    let _ = self
                        .db
                        .write(move |conn| object_uploads::forget(conn, &key))
                        .await;
                }
                Err(e) => {
                    tracing::error!(error = %e, "an imported object remains until the next start");
                }
            }
        }
    }

    /// Fails the imports whose instance is gone or whose runner went silent.
    pub async fn sweep(&self) -> AppResult<()> {
        let instance = self.db.instance_id().to_string();
        let now = Utc::now().naive_utc();
        let before = now - chrono::Duration::seconds(ABANDONED_AFTER_SECS);
        let done = usecase::run(&self.db, move |conn| {
            imports::sweep(conn, before, &instance, now)
        })
        .await?;
        self.hub.publish(&done.events);
        self.remove_objects(done.value).await;
        Ok(())
    }
}

//! The STOW-RS push, series by series: each series' instances become one archive, stored like
//! an upload (de-identified), and one attachment; a series that fails fails all its instances.

use std::sync::Arc;

use actix_web::web;
use futures_util::StreamExt;
use serde_json::Value;

use crate::auth::CurrentUser;
use crate::db::new_id;
use crate::domain::pacs::stow_status;
use crate::error::{AppError, AppResult};
use crate::ingest::store::{NewAttachment, UploadPlan, attachment_row};
use crate::pacs::series::store_series;
use crate::pacs::stow::{self, Failed, PROCESSING_FAILURE, Pushed};
use crate::state::AppState;
use crate::usecase::{self, Event};

/// Receives and stores a push; its status, STOW-RS answer and events.
pub async fn store(
    state: &AppState,
    me: &CurrentUser,
    dossier_id: &str,
    payload: web::Payload,
    boundary: String,
) -> AppResult<(u16, Value, Vec<Event>)> {
    let dir = tempfile::tempdir_in(state.spool.path()).map_err(AppError::internal)?;
    // actix's payload is not `Send`: it is read on this task and handed over in chunks.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(8);
    let feed = async move {
        let mut payload = payload;
        while let Some(chunk) = payload.next().await {
            let item = chunk.map_err(|e| std::io::Error::other(e.to_string()));
            let stop = item.is_err();
            if tx.send(item).await.is_err() || stop {
                break;
            }
        }
    };
    let stream = tokio_stream_of(rx);
    let max = state.config.max_upload_bytes;
    let (_, received) = futures_util::join!(feed, stow::receive(stream, boundary, dir.path(), max));
    let received = received?;
    let mut stored: Vec<Pushed> = Vec::new();
    let mut failed: Vec<Failed> = received.failed;
    let mut events = Vec::new();
    for (index, instances) in received.series.into_values().enumerate() {
        match store_one(state, me, dossier_id, &instances, index + 1, dir.path()).await {
            Ok(added) => {
                events.extend(added);
                stored.extend(instances);
            }
            Err(e) => {
                tracing::warn!(error = %e.public_detail(), "a pushed series was not stored");
                failed.extend(instances.into_iter().map(|p| Failed {
                    sop_class: Some(p.sop_class),
                    sop_instance: Some(p.sop_instance),
                    reason: PROCESSING_FAILURE,
                }));
            }
        }
    }
    let status = stow_status(stored.len(), failed.len());
    Ok((status, stow::answer(&stored, &failed), events))
}

async fn store_one(
    state: &AppState,
    me: &CurrentUser,
    dossier_id: &str,
    instances: &[Pushed],
    index: usize,
    dir: &std::path::Path,
) -> AppResult<Vec<Event>> {
    let (list, at) = (instances.to_vec(), dir.to_path_buf());
    let zip = tokio::task::spawn_blocking(move || stow::archive(&list, &at))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    let attachment_id = new_id();
    let plan = UploadPlan {
        storage: state.storage.clone(),
        object_key: crate::db::attachments::object_key(dossier_id, &attachment_id),
        max_bytes: state.config.max_upload_bytes,
        spool_dir: state.spool.path().to_path_buf(),
        ingest: state.config.ingest.options_for(dossier_id),
        turns: Arc::clone(&state.deidentify_turns),
        queue_wait: state.config.ingest.queue_wait,
    };
    let (stored, dicom) = store_series(zip, &plan).await?;
    let modality = dicom.as_ref().and_then(|d| d.summary.modality.clone());
    let row = attachment_row(NewAttachment {
        id: attachment_id,
        dossier_id: dossier_id.to_string(),
        uploader_id: me.user.id.clone(),
        filename: crate::pacs::series::file_name(modality.as_deref(), index),
        content_type: "application/zip".to_string(),
        kind: None,
        object_key: plan.object_key.clone(),
        stored,
        dicom,
    });
    let inserted = row.clone();
    match usecase::run(&state.db, move |conn| {
        usecase::attachments::add(conn, &inserted)
    })
    .await
    {
        Ok(done) => Ok(done.events),
        Err(e) => {
            if let Err(cleanup) = state.storage.delete(&row.object_key).await {
                tracing::error!(error = %cleanup, "orphan object left after a failed push");
            }
            Err(e)
        }
    }
}

/// A receiver as a stream.
fn tokio_stream_of<T: Send + 'static>(
    mut rx: tokio::sync::mpsc::Receiver<T>,
) -> impl futures_util::Stream<Item = T> + Send + 'static {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

//! Attachments: streamed upload, metadata, streamed download with ranges and revalidation,
//! deletion (API.md section 7).

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use futures_util::StreamExt;
use serde_json::json;

use super::input::path_id;
use super::upload::{Received, receive};
use crate::api::Attachment;
use crate::auth::CurrentUser;
use crate::db::attachments::{self, AttachmentRow};
use crate::db::{new_id, object_uploads};
use crate::domain::attachment::{RangeRequest, content_disposition, if_none_match, parse_range};
use crate::error::{AppError, AppResult};
use crate::ingest::store::{NewAttachment, UploadPlan, attachment_row};
use crate::state::AppState;
use crate::usecase;

/// Multipart framing allowed on top of the file itself before the declared length is refused.
const MULTIPART_OVERHEAD_BYTES: u64 = 64 * 1024;

/// Adds a file to a dossier: `multipart/form-data` with a `file` part and an optional `kind`
/// part. DICOM files and zip archives of them are de-identified before they are stored; what
/// could hide a DICOM file from that (another archive format, a DICOM file inside another
/// format) is refused.
#[utoipa::path(post, path = "/api/dossiers/{id}/attachments", tag = "attachments",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Dossier id")),
    request_body(content_type = "multipart/form-data", description = "A `file` part and an optional `kind` part (imaging, note, report, other)"),
    responses(
        (status = 201, body = Attachment),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 413, body = crate::error::Problem),
        (status = 415, body = crate::error::Problem),
        (status = 503, body = crate::error::Problem)))]
#[post("/dossiers/{id}/attachments")]
pub async fn upload_attachment(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let dossier_id = path_id(&path, "dossier")?;
    // Permission and state are checked before a byte of the body is read.
    let user = me.user.clone();
    let id = dossier_id.clone();
    state
        .db
        .read(move |conn| usecase::attachments::check_upload(conn, &user, &id))
        .await?;
    let max_bytes = state.config.max_upload_bytes;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max_bytes.saturating_add(MULTIPART_OVERHEAD_BYTES)) {
        return Err(AppError::TooLarge(format!(
            "the file is larger than the limit of {max_bytes} bytes"
        )));
    }
    let attachment_id = new_id();
    let plan = UploadPlan {
        storage: state.storage.clone(),
        object_key: attachments::object_key(&dossier_id, &attachment_id),
        max_bytes,
        spool_dir: state.spool.path().to_path_buf(),
        ingest: state.config.ingest.options_for(&dossier_id),
        turns: state.deidentify_turns.clone(),
        queue_wait: state.config.ingest.queue_wait,
    };
    let received = match receive(Multipart::new(req.headers(), payload), &plan).await {
        Ok(received) => received,
        // A bad part after a good file part: the stored file goes too.
        Err(e) => return Err(discard(&state, &plan.object_key, e).await),
    };
    let row = new_row(attachment_id, dossier_id, &me, &plan, received);
    let inserted = row.clone();
    match usecase::run(&state.db, move |conn| {
        usecase::attachments::add(conn, &inserted)
    })
    .await
    {
        Ok(done) => state.hub.publish(&done.events),
        Err(e) => return Err(discard(&state, &plan.object_key, e).await),
    }
    Ok(HttpResponse::Created().json(Attachment::from(&row)))
}

/// Removes the object of an upload that failed, and passes its error on.
async fn discard(state: &AppState, key: &str, error: AppError) -> AppError {
    if let Err(cleanup) = state.storage.delete(key).await {
        tracing::error!(error = %cleanup, key, "orphan object left after a failed upload");
    }
    error
}

fn new_row(
    id: String,
    dossier_id: String,
    me: &CurrentUser,
    plan: &UploadPlan,
    received: Received,
) -> AttachmentRow {
    attachment_row(NewAttachment {
        id,
        dossier_id,
        uploader_id: me.user.id.clone(),
        filename: received.filename,
        content_type: received.content_type,
        kind: received.kind,
        object_key: plan.object_key.clone(),
        stored: received.stored,
        dicom: received.dicom,
    })
}

#[utoipa::path(get, path = "/api/attachments/{id}", tag = "attachments", security(("bearer" = [])),
    params(("id" = String, Path, description = "Attachment id")),
    responses(
        (status = 200, body = Attachment),
        (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[get("/attachments/{id}")]
pub async fn get_attachment(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
) -> AppResult<web::Json<Attachment>> {
    let id = path_id(&path, "attachment")?;
    let done = usecase::run(&state.db, move |conn| {
        usecase::attachments::read(conn, &me.user, &id, "attachment.read", json!({}))
    })
    .await?;
    Ok(web::Json(Attachment::from(&done.value)))
}

/// The stored bytes, streamed; `Range` gives 206, `If-None-Match` with the ETag gives 304.
#[utoipa::path(get, path = "/api/attachments/{id}/content", tag = "attachments",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Attachment id"),
        ("Range" = Option<String>, Header, description = "One byte range, e.g. bytes=0-1023"),
        ("If-None-Match" = Option<String>, Header, description = "The ETag already held")),
    responses(
        (status = 200, description = "The whole content", content_type = "application/octet-stream"),
        (status = 206, description = "One range of it", content_type = "application/octet-stream"),
        (status = 304, description = "Not modified"),
        (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 416, body = crate::error::Problem)))]
#[get("/attachments/{id}/content")]
pub async fn download_attachment(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = path_id(&path, "attachment")?;
    let header_text = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    let range_header = header_text(header::RANGE).map(str::to_string);
    let if_none = header_text(header::IF_NONE_MATCH).map(str::to_string);
    let range_for_log = range_header.clone();
    let row = usecase::run(&state.db, move |conn| {
        usecase::attachments::read(
            conn,
            &me.user,
            &id,
            "attachment.download",
            json!({ "range": range_for_log }),
        )
    })
    .await?
    .value;
    let etag = format!("\"{}\"", row.sha256);
    let size = u64::try_from(row.size).unwrap_or(0);
    if if_none_match(if_none.as_deref(), &etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, "private, no-cache"))
            .finish());
    }
    let (mut response, range) = match parse_range(range_header.as_deref(), size) {
        RangeRequest::Unsatisfiable => return Err(AppError::RangeNotSatisfiable { size }),
        RangeRequest::Whole => (HttpResponse::Ok(), None),
        RangeRequest::Part(r) => {
            let mut partial = HttpResponse::PartialContent();
            partial.insert_header((
                header::CONTENT_RANGE,
                format!("bytes {}-{}/{size}", r.start, r.end),
            ));
            (partial, Some(r.start..r.end + 1))
        }
    };
    let length = range.as_ref().map_or(size, |r| r.end - r.start);
    // An empty object has no range to ask for.
    let body = if size == 0 {
        futures_util::stream::empty::<std::io::Result<bytes::Bytes>>().boxed()
    } else {
        state
            .storage
            .read(&row.object_key, range)
            .await
            .map_err(AppError::internal)?
    };
    Ok(response
        .insert_header((header::CONTENT_TYPE, row.content_type.clone()))
        .insert_header((header::ETAG, etag))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            content_disposition(&row.filename),
        ))
        .no_chunking(length)
        .streaming(body))
}

/// Removes an attachment (its uploader, while the dossier is open).
#[utoipa::path(delete, path = "/api/attachments/{id}", tag = "attachments",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Attachment id")),
    responses(
        (status = 204),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
#[delete("/attachments/{id}")]
pub async fn delete_attachment(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = path_id(&path, "attachment")?;
    let instance = state.db.instance_id().to_string();
    let done = usecase::run(&state.db, move |conn| {
        usecase::attachments::delete(conn, &me.user, &id, &instance)
    })
    .await?;
    state.hub.publish(&done.events);
    let row = done.value;
    state.imaging.forget(&row.id);
    match state.storage.delete(&row.object_key).await {
        Ok(()) => {
            let key = row.object_key.clone();
            if let Err(e) = state
                .db
                .write(move |conn| object_uploads::forget(conn, &key))
                .await
            {
                tracing::warn!(error = %e, "cannot take a removed object off the journal");
            }
        }
        Err(e) => {
            tracing::error!(error = %e, key = %row.object_key, "the object of a deleted attachment remains until the next start");
        }
    }
    Ok(HttpResponse::NoContent().finish())
}

//! Imaging from the hospital's PACS (API.md section 15): search (QIDO-RS), imports in the
//! background (WADO-RS), and the STOW-RS endpoint a PACS or workstation pushes to.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::input::{ApiJson, path_id};
use crate::auth::CurrentUser;
use crate::db::pacs_imports::ImportRow;
use crate::domain::pacs::{self, StudyQuery};
use crate::error::{AppError, AppResult};
use crate::input::parse_query;
use crate::pacs::runner::{ImportJob, Importer};
use crate::pacs::{PacsSeries, PacsStudy};
use crate::state::AppState;
use crate::usecase::{self, imports};

/// An import from the PACS.
#[derive(Debug, Serialize, ToSchema)]
pub struct Import {
    pub id: String,
    pub dossier_id: String,
    /// `queued`, `running`, `done`, `failed` or `cancelled`.
    pub status: String,
    pub instances_done: i64,
    pub instances_total: i64,
    pub bytes: i64,
    pub attachment_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl From<&ImportRow> for Import {
    fn from(r: &ImportRow) -> Self {
        Import {
            id: r.id.clone(),
            dossier_id: r.dossier_id.clone(),
            status: r.status.clone(),
            instances_done: r.instances_done,
            instances_total: r.instances_total,
            bytes: r.bytes,
            attachment_ids: r.attachment_ids(),
            error: r.error.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PacsInfo {
    /// Whether a PACS is configured (`CONSILIUM_DICOMWEB_URL`).
    pub configured: bool,
    /// The PACS's address (scheme, host and port), when configured.
    pub name: Option<String>,
}

/// Whether imports from a PACS are possible here (any signed-in user).
#[utoipa::path(get, path = "/api/pacs", tag = "pacs", security(("bearer" = [])),
    responses((status = 200, body = PacsInfo), (status = 401, body = crate::error::Problem)))]
#[get("/pacs")]
pub async fn pacs_info(state: web::Data<AppState>, _me: CurrentUser) -> web::Json<PacsInfo> {
    web::Json(PacsInfo {
        configured: state.importer.is_some(),
        name: state.importer.as_ref().map(|i| i.pacs.name().to_string()),
    })
}

fn importer(state: &AppState) -> AppResult<&std::sync::Arc<Importer>> {
    state.importer.as_ref().ok_or_else(|| {
        AppError::NotFound("no PACS is configured on this service (CONSILIUM_DICOMWEB_URL)".into())
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchQuery {
    patient_id: Option<String>,
    accession_number: Option<String>,
    study_date: Option<String>,
    modality: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Studies {
    pub items: Vec<PacsStudy>,
}

/// Searches the PACS (QIDO-RS; at least one filter). The patient's identifiers it shows are
/// never stored; the search is audited without its values.
#[utoipa::path(get, path = "/api/pacs/studies", tag = "pacs", security(("bearer" = [])),
    params(
        ("patient_id" = Option<String>, Query, description = "Patient ID at the PACS"),
        ("accession_number" = Option<String>, Query, description = "Accession number"),
        ("study_date" = Option<String>, Query, description = "YYYYMMDD or YYYYMMDD-YYYYMMDD"),
        ("modality" = Option<String>, Query, description = "e.g. MR, CT")),
    responses(
        (status = 200, body = Studies),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 502, body = crate::error::Problem),
        (status = 504, body = crate::error::Problem)))]
#[get("/pacs/studies")]
pub async fn search_studies(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: CurrentUser,
) -> AppResult<web::Json<Studies>> {
    let importer = importer(&state)?;
    let q: SearchQuery = parse_query(req.query_string())?;
    let query = StudyQuery::parse(
        q.patient_id.as_deref(),
        q.accession_number.as_deref(),
        q.study_date.as_deref(),
        q.modality.as_deref(),
    )?;
    let filters = query.names();
    usecase::run(&state.db, move |conn| {
        imports::searched(conn, &me.user, &filters)
    })
    .await?;
    let items = importer.pacs.studies(&query).await?;
    Ok(web::Json(Studies { items }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    pub study_uid: String,
    /// Some series of the study; absent: all of them.
    pub series_uids: Option<Vec<String>>,
}

/// Imports a study, or chosen series of it, into the dossier (who may add attachments to it):
/// one attachment per series, de-identified like an upload, in the background.
#[utoipa::path(post, path = "/api/dossiers/{id}/imports", tag = "pacs", security(("bearer" = [])),
    params(("id" = String, Path, description = "Dossier id")),
    request_body = ImportRequest,
    responses(
        (status = 202, body = Import),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 502, body = crate::error::Problem),
        (status = 504, body = crate::error::Problem)))]
#[post("/dossiers/{id}/imports")]
pub async fn start_import(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
    ApiJson(body): ApiJson<ImportRequest>,
) -> AppResult<HttpResponse> {
    let dossier_id = path_id(&path, "dossier")?;
    let importer = importer(&state)?;
    let study_uid = pacs::uid("study_uid", &body.study_uid)?;
    let wanted = pacs::series_uids(body.series_uids.as_deref())?;
    // Who may add attachments, before the PACS is asked anything.
    let (user, id) = (me.user.clone(), dossier_id.clone());
    state
        .db
        .read(move |conn| usecase::attachments::check_upload(conn, &user, &id))
        .await?;
    let series = chosen(importer.pacs.series(&study_uid).await?, &wanted)?;
    let (user, id, count) = (me.user.clone(), dossier_id.clone(), series.len());
    let runner = state.db.instance_id().to_string();
    let now = Utc::now().naive_utc();
    let row = usecase::run(&state.db, move |conn| {
        imports::start(conn, &user, &id, count, &runner, now)
    })
    .await?
    .value;
    importer.spawn(ImportJob {
        id: row.id.clone(),
        dossier_id,
        uploader_id: me.user.id.clone(),
        study_uid,
        series,
    });
    Ok(HttpResponse::Accepted().json(Import::from(&row)))
}

/// The series to import: the chosen ones (each must be in the study), else all.
fn chosen(in_study: Vec<PacsSeries>, wanted: &[String]) -> AppResult<Vec<PacsSeries>> {
    if in_study.is_empty() {
        return Err(AppError::NotFound(
            "the PACS has no series for this study".to_string(),
        ));
    }
    if wanted.is_empty() {
        return Ok(in_study);
    }
    let mut out = Vec::with_capacity(wanted.len());
    for (i, uid) in wanted.iter().enumerate() {
        let Some(series) = in_study.iter().find(|s| &s.series_uid == uid) else {
            return Err(AppError::invalid(
                &format!("series_uids[{i}]"),
                "is not a series of this study",
            ));
        };
        out.push(series.clone());
    }
    Ok(out)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Imports {
    pub items: Vec<Import>,
}

/// The dossier's imports from the PACS, newest first (at most 50; who sees the dossier): how a
/// page finds an import still under way after a reload.
#[utoipa::path(get, path = "/api/dossiers/{id}/imports", tag = "pacs", security(("bearer" = [])),
    params(("id" = String, Path, description = "Dossier id")),
    responses(
        (status = 200, body = Imports),
        (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[get("/dossiers/{id}/imports")]
pub async fn list_imports(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
) -> AppResult<web::Json<Imports>> {
    let id = path_id(&path, "dossier")?;
    let rows = state
        .db
        .read(move |conn| imports::of_dossier(conn, &me.user, &id))
        .await?;
    Ok(web::Json(Imports {
        items: rows.iter().map(Import::from).collect(),
    }))
}

/// An import's progress (who sees the dossier).
#[utoipa::path(get, path = "/api/imports/{id}", tag = "pacs", security(("bearer" = [])),
    params(("id" = String, Path, description = "Import id")),
    responses(
        (status = 200, body = Import),
        (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[get("/imports/{id}")]
pub async fn get_import(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
) -> AppResult<web::Json<Import>> {
    let id = path_id(&path, "import")?;
    let row = state
        .db
        .read(move |conn| imports::get(conn, &me.user, &id))
        .await?;
    Ok(web::Json(Import::from(&row)))
}

/// Cancels an import under way: nothing it made is kept (its requester, or who may add
/// attachments to the dossier).
#[utoipa::path(delete, path = "/api/imports/{id}", tag = "pacs", security(("bearer" = [])),
    params(("id" = String, Path, description = "Import id")),
    responses(
        (status = 200, body = Import),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
#[delete("/imports/{id}")]
pub async fn cancel_import(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
) -> AppResult<web::Json<Import>> {
    let id = path_id(&path, "import")?;
    let now = Utc::now().naive_utc();
    let done = usecase::run(&state.db, move |conn| {
        imports::cancel(conn, &me.user, &id, now)
    })
    .await?;
    Ok(web::Json(Import::from(&done.value)))
}

/// STOW-RS: instances pushed to the dossier (`multipart/related; type="application/dicom"`),
/// de-identified like uploads, one attachment per series. 200 when every instance was stored,
/// 202 when some were, 409 when none.
#[utoipa::path(post, path = "/api/dossiers/{id}/studies", tag = "pacs", security(("bearer" = [])),
    params(("id" = String, Path, description = "Dossier id")),
    request_body(content = String, content_type = "multipart/related"),
    responses(
        (status = 200, description = "Every instance stored (DICOM JSON)"),
        (status = 202, description = "Some instances stored (DICOM JSON)"),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, description = "No instance stored (DICOM JSON), or the dossier takes no attachment"),
        (status = 413, body = crate::error::Problem),
        (status = 415, body = crate::error::Problem)))]
#[post("/dossiers/{id}/studies")]
pub async fn stow(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let dossier_id = path_id(&path, "dossier")?;
    let (user, id) = (me.user.clone(), dossier_id.clone());
    state
        .db
        .read(move |conn| usecase::attachments::check_upload(conn, &user, &id))
        .await?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let boundary = crate::pacs::multipart::dicom_boundary(content_type).ok_or_else(|| {
        AppError::Unsupported(
            "send multipart/related; type=\"application/dicom\" with a boundary".to_string(),
        )
    })?;
    let (status, answer, events) =
        super::pacs_stow::store(&state, &me, &dossier_id, payload, boundary).await?;
    state.hub.publish(&events);
    Ok(HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK),
    )
    .content_type("application/dicom+json")
    .json(answer))
}

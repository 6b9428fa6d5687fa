//! Series and rendered frames of DICOM attachments (API.md section 11).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;

use super::input::path_id;
use crate::api::Items;
use crate::auth::CurrentUser;
use crate::auth::extractor::{Bearer, Verified};
use crate::domain::attachment::if_none_match;
use crate::domain::imaging::{self, FrameRequest};
use crate::error::{AppError, AppResult};
use crate::imaging::Imaging;
use crate::input::parse_query;
use crate::state::AppState;
use crate::usecase;

/// Frames do not change: the ETag names everything they depend on.
const FRAME_CACHE_CONTROL: &str = "private, max-age=86400";

/// The series of a DICOM attachment (one Part-10 file or a zip of them); 409 for any other.
#[utoipa::path(get, path = "/api/attachments/{id}/series", tag = "imaging",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Attachment id")),
    responses(
        (status = 200, body = inline(Items<Series>)),
        (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
#[get("/attachments/{id}/series")]
pub async fn list_series(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
) -> AppResult<web::Json<Items<Series>>> {
    let id = path_id(&path, "attachment")?;
    let source = usecase::run(&state.db, move |conn| {
        usecase::imaging::list_series(conn, &me.user, &id)
    })
    .await?
    .value;
    let index = state.imaging.index(&source).await?;
    Ok(web::Json(Items::collect(
        index.series.iter().map(Series::from),
    )))
}

#[derive(Debug, Deserialize)]
struct FrameQuery {
    wc: Option<f64>,
    ww: Option<f64>,
    preset: Option<String>,
    size: Option<i64>,
}

/// Frame `n` (0-based, in reading order) of a series, as a PNG.
#[utoipa::path(get, path = "/api/attachments/{id}/series/{series_uid}/frames/{n}", tag = "imaging",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Attachment id"),
        ("series_uid" = String, Path, description = "SeriesInstanceUID"),
        ("n" = u32, Path, description = "Frame number, 0-based, in reading order"),
        ("wc" = Option<f64>, Query, description = "Window centre (rescaled units), with ww"),
        ("ww" = Option<f64>, Query, description = "Window width (rescaled units), with wc"),
        ("preset" = Option<String>, Query, description = "default, brain, subdural, stroke, bone, soft_tissue or lung"),
        ("size" = Option<u32>, Query, description = "Longest edge in pixels, 64 to 2048"),
        ("If-None-Match" = Option<String>, Header, description = "The ETag already held")),
    responses(
        (status = 200, description = "The frame", content_type = "image/png"),
        (status = 304, description = "Not modified"),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 415, body = crate::error::Problem)))]
#[get("/attachments/{id}/series/{series_uid}/frames/{n}")]
pub async fn get_frame(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: Bearer,
    path: web::Path<(String, String, String)>,
) -> AppResult<HttpResponse> {
    // A viewer asks for many frames: the token's check and the access check share one read.
    let token = Verified::check(&state, &token.0)?;
    let (id, series_uid, n) = path.into_inner();
    let query: FrameQuery = parse_query(req.query_string())?;
    let request = FrameRequest::parse(query.wc, query.ww, query.preset.as_deref(), query.size)?;
    let id = path_id(&id, "attachment")?;
    // The use case's answer is remembered a second for this token (`Imaging::granted`).
    let source = match state.imaging.granted(token.token_id(), &id) {
        Some(source) => source,
        None => {
            let token_id = token.token_id().to_string();
            let source = token
                .read_as(&state, move |conn, me| {
                    usecase::imaging::frame_source(conn, &me.user, &id)
                })
                .await?;
            state.imaging.grant(&token_id, &source);
            source
        }
    };
    // Anything that is not a UID or a frame number names nothing.
    let series_uid =
        imaging::uid("series_uid", &series_uid).map_err(|_| AppError::not_found("series"))?;
    let n: u32 = n.parse().map_err(|_| AppError::not_found("frame"))?;
    let etag = Imaging::etag(&source, &series_uid, n, &request);
    let held = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    if if_none_match(held, &etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, FRAME_CACHE_CONTROL))
            .finish());
    }
    let frame = state
        .imaging
        .frame(&source, &series_uid, n, &request)
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "image/png"))
        .insert_header((header::ETAG, frame.etag))
        .insert_header((header::CACHE_CONTROL, FRAME_CACHE_CONTROL))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(frame.png))
}

/// A window in rescaled units.
#[derive(Debug, Clone, Copy, serde::Serialize, utoipa::ToSchema, PartialEq)]
pub struct WindowLevel {
    pub center: f64,
    pub width: f64,
}

/// A series of a DICOM attachment (API.md section 11).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema, PartialEq)]
pub struct Series {
    pub series_uid: String,
    pub study_uid: String,
    pub modality: Option<String>,
    pub series_description: Option<String>,
    /// Every frame of every instance of the series.
    pub frames: u32,
    pub rows: u32,
    pub columns: u32,
    /// The file's own window, if it has one.
    pub window: Option<WindowLevel>,
}

impl From<&crate::imaging::index::IndexedSeries> for Series {
    fn from(s: &crate::imaging::index::IndexedSeries) -> Self {
        Series {
            series_uid: s.series_uid.clone(),
            study_uid: s.study_uid.clone(),
            modality: s.modality.clone(),
            series_description: s.series_description.clone(),
            frames: u32::try_from(s.frames.len()).unwrap_or(u32::MAX),
            rows: s.rows,
            columns: s.columns,
            window: s
                .window
                .map(|(center, width)| WindowLevel { center, width }),
        }
    }
}

//! Exports of decisions (streamed), the printable decision record and the activity report.

use actix_web::web::Bytes;
use actix_web::{HttpResponse, get, web};
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa::IntoParams;

use super::decisions::DecisionQuery;
use super::input::{ApiQuery, field_id, path_id};
use crate::api::Decision;
use crate::auth::CurrentUser;
use crate::domain::ValidationError;
use crate::domain::report::ActivityReport;
use crate::domain::user::Locale;
use crate::error::{AppError, AppResult};
use crate::export::csv::Dialect;
use crate::export::pdf;
use crate::export::record_text::Lang;
use crate::export::stream::pieces;
use crate::export::{Format, Renderer};
use crate::state::AppState;
use crate::usecase::{self, exports};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `csv` (default), `json` or `fhir`.
    pub format: Option<String>,
    pub board_id: Option<String>,
    /// A day (`2026-01-01`) or an RFC 3339 time: decisions from then on.
    pub from: Option<String>,
    /// A day (inclusive) or an RFC 3339 time (exclusive).
    pub to: Option<String>,
    /// CSV only: `rfc4180` (default) or `excel-fr` (`;`, a byte-order mark, decimal comma:
    /// what French Excel opens in columns).
    pub dialect: Option<String>,
}

/// Decisions as CSV, JSON or a FHIR R4 Bundle, streamed (the board's coordinators and admins).
#[utoipa::path(get, path = "/api/exports/decisions", tag = "exports", security(("bearer" = [])),
    params(ExportQuery),
    responses(
        (status = 200, description = "The export, streamed", content(
            (String = "text/csv"), (Object = "application/json"), (Object = "application/fhir+json"))),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[get("/exports/decisions")]
pub async fn export_decisions(
    state: web::Data<AppState>,
    me: CurrentUser,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> AppResult<HttpResponse> {
    let format: Format = match query.format.as_deref() {
        None => Format::Csv,
        Some(f) => f
            .parse()
            .map_err(|e: String| ValidationError::new("format", e))?,
    };
    let dialect: Dialect = match (query.dialect.as_deref(), format) {
        (None, _) => Dialect::Rfc4180,
        (Some(d), Format::Csv) => d
            .parse()
            .map_err(|e: String| ValidationError::new("dialect", e))?,
        (Some(_), _) => {
            return Err(AppError::invalid("dialect", "applies to format=csv only"));
        }
    };
    let filter = DecisionQuery {
        board_id: query.board_id,
        from: query.from,
        to: query.to,
    }
    .filter()?;
    let scope = usecase::run(&state.db, move |conn| {
        exports::start(
            conn,
            &me.user,
            filter.board_id.as_deref(),
            filter.from,
            filter.to,
            format,
        )
    })
    .await?
    .value;
    let filename = format!(
        "decisions-{}.{}",
        chrono::Utc::now().format("%Y%m%d-%H%M%S"),
        format.extension()
    );
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .streaming(
            pieces(
                state.db.clone(),
                scope,
                Renderer::new(format).dialect(dialect),
            )
            .map(|piece| piece.map(|p| Bytes::from(p.bytes))),
        ))
}

/// The language of a printable document, when not the reader's own `locale`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LocaleQuery {
    /// `fr` or `en` (default: the reader's `locale`).
    pub locale: Option<Locale>,
}

impl LocaleQuery {
    pub fn lang(&self) -> Option<Lang> {
        self.locale.map(|l| Lang::of_locale(l.as_str()))
    }
}

/// The printable decision record, for anyone who may see the decision.
///
/// In French or English, with local times (API.md section 16).
#[utoipa::path(get, path = "/api/decisions/{id}/report.pdf", tag = "decisions", security(("bearer" = [])),
    params(("id" = String, Path, description = "Decision id"), LocaleQuery),
    responses(
        (status = 200, description = "The record", content_type = "application/pdf"),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[get("/decisions/{id}/report.pdf")]
pub async fn decision_pdf(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
    ApiQuery(query): ApiQuery<LocaleQuery>,
) -> AppResult<HttpResponse> {
    let id = path_id(&path, "decision")?;
    let lang = query.lang();
    let zone = state.config.timezone;
    let (seen, ctx) = usecase::run(&state.db, move |conn| {
        exports::decision_record(conn, &me.user, &id, (lang, zone))
    })
    .await?
    .value;
    let decision = Decision::try_from(&seen.row)
        .map_err(AppError::internal)?
        .for_reader(seen.named_ballots);
    let mut ctx = ctx;
    ctx.thumbnails = thumbnails(&state, &decision).await?;
    let filename = format!("decision-{}.pdf", ctx.reference);
    pdf_response(&filename, move || pdf::decision_record(&decision, &ctx)).await
}

/// A PDF written off the async workers, shown inline and never cached.
pub async fn pdf_response(
    filename: &str,
    write: impl FnOnce() -> Vec<u8> + Send + 'static,
) -> AppResult<HttpResponse> {
    let bytes = tokio::task::spawn_blocking(write)
        .await
        .map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            "Content-Disposition",
            format!("inline; filename=\"{filename}\""),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(bytes))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ActivityQuery {
    pub board_id: Option<String>,
    /// The calendar year (default: the current one).
    pub year: Option<i32>,
}

/// The yearly activity report (the board's coordinators and admins).
#[utoipa::path(get, path = "/api/reports/activity", tag = "exports", security(("bearer" = [])),
    params(ActivityQuery),
    responses(
        (status = 200, body = ActivityReport),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[get("/reports/activity")]
pub async fn activity_report(
    state: web::Data<AppState>,
    me: CurrentUser,
    ApiQuery(query): ApiQuery<ActivityQuery>,
) -> AppResult<web::Json<ActivityReport>> {
    let year = super::reports::report_year(query.year)?;
    let board_id = query
        .board_id
        .as_deref()
        .map(|b| field_id("board_id", b))
        .transpose()?;
    let report = state
        .db
        .read(move |conn| exports::activity(conn, &me.user, board_id, year))
        .await?;
    Ok(web::Json(report))
}

/// The key images of a decision as thumbnails for its printable record.
async fn thumbnails(
    state: &AppState,
    decision: &Decision,
) -> AppResult<Vec<Option<crate::domain::resample::Picture>>> {
    let ids: Vec<String> = decision
        .key_images
        .iter()
        .map(|k| k.attachment_id.clone())
        .collect();
    let sources = state
        .db
        .read(move |conn| usecase::imaging::key_image_sources(conn, &ids))
        .await?;
    let request = crate::domain::imaging::FrameRequest {
        size: Some(240),
        ..Default::default()
    };
    let mut pictures = Vec::with_capacity(sources.len());
    for (key, source) in decision.key_images.iter().zip(sources) {
        let picture = match source {
            Some(source) => match state
                .imaging
                .frame(&source, &key.series_uid, key.frame, &request)
                .await
            {
                Ok(frame) => crate::imaging::render::decode_png(&frame.png),
                Err(e) => {
                    tracing::warn!(error = %e, "a key image cannot be shown in a record");
                    None
                }
            },
            None => None,
        };
        pictures.push(picture);
    }
    Ok(pictures)
}

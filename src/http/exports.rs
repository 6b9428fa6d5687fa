//! Exports of decisions (streamed), the printable decision record and the activity report.

use actix_web::web::Bytes;
use actix_web::{HttpResponse, get, web};
use chrono::Datelike;
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;

use super::decisions::DecisionQuery;
use super::input::{ApiQuery, field_id, path_id};
use crate::api::Decision;
use crate::auth::CurrentUser;
use crate::db::audit::{self, Audit};
use crate::db::exports::{self, Cursor, Scope};
use crate::db::{Db, dossiers, sessions};
use crate::domain::ValidationError;
use crate::domain::audit::format_time;
use crate::domain::report::{self, ActivityReport};
use crate::error::{AppError, AppResult};
use crate::export::pdf::{self, RecordContext};
use crate::export::{Format, Renderer};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `csv` (default), `json` or `fhir`.
    pub format: Option<String>,
    pub board_id: Option<String>,
    /// A day (`2026-01-01`) or an RFC 3339 time: decisions from then on.
    pub from: Option<String>,
    /// A day (inclusive) or an RFC 3339 time (exclusive).
    pub to: Option<String>,
}

/// Rows read from the database per page of an export.
pub const EXPORT_PAGE: i64 = 500;

/// Resolves who may export what: the board's coordinators and admins (403 otherwise).
pub async fn export_scope(db: &Db, me: &CurrentUser, query: DecisionQuery) -> AppResult<Scope> {
    let filter = query.filter()?;
    let user = me.user.clone();
    let boards = db
        .read(move |conn| exports::scope_boards(conn, &user, filter.board_id.as_deref()))
        .await?;
    Ok(Scope {
        boards,
        from: filter.from,
        to: filter.to,
    })
}

enum Stage {
    Start,
    Pages,
    Done,
}

/// The export as a stream of chunks, one database page at a time.
pub fn export_stream(
    db: Db,
    scope: Scope,
    format: Format,
) -> impl futures_util::Stream<Item = Result<Bytes, AppError>> {
    let state = (
        db,
        scope,
        Renderer::new(format),
        None::<Cursor>,
        Stage::Start,
    );
    futures_util::stream::unfold(
        state,
        |(db, scope, mut renderer, cursor, stage)| async move {
            match stage {
                Stage::Start => {
                    let head = renderer.start(&format_time(crate::db::now()));
                    Some((
                        Ok(Bytes::from(head)),
                        (db, scope, renderer, cursor, Stage::Pages),
                    ))
                }
                Stage::Pages => {
                    let (s, c) = (scope.clone(), cursor.clone());
                    let page = db
                        .read(move |conn| exports::page(conn, &s, c.as_ref(), EXPORT_PAGE))
                        .await;
                    let rows = match page {
                        Ok(rows) => rows,
                        Err(e) => {
                            tracing::error!(error = %e, "export aborted");
                            return Some((Err(e), (db, scope, renderer, cursor, Stage::Done)));
                        }
                    };
                    if rows.is_empty() {
                        let tail = renderer.end();
                        return Some((
                            Ok(Bytes::from(tail)),
                            (db, scope, renderer, cursor, Stage::Done),
                        ));
                    }
                    let next = rows.last().map(|r| Cursor {
                        decided_at: r.decision.decided_at,
                        id: r.decision.id.clone(),
                    });
                    match renderer.page(&rows) {
                        Ok(bytes) => Some((
                            Ok(Bytes::from(bytes)),
                            (db, scope, renderer, next, Stage::Pages),
                        )),
                        Err(e) => Some((Err(e), (db, scope, renderer, cursor, Stage::Done))),
                    }
                }
                Stage::Done => None,
            }
        },
    )
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
    let filter = DecisionQuery {
        board_id: query.board_id,
        from: query.from,
        to: query.to,
    };
    let scope = export_scope(&state.db, &me, filter).await?;
    let detail = json!({
        "format": format,
        "boards": scope.boards,
        "from": scope.from.map(format_time),
        "to": scope.to.map(format_time),
    });
    let user_id = me.user.id.clone();
    state
        .db
        .write(move |conn| {
            audit::record(
                conn,
                Audit {
                    actor_id: Some(&user_id),
                    action: "decision.export",
                    object_type: "decision",
                    object_id: None,
                    detail,
                },
            )
        })
        .await?;
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
        .streaming(export_stream(state.db.clone(), scope, format)))
}

/// The printable decision record, for anyone who may see the decision.
#[utoipa::path(get, path = "/api/decisions/{id}/report.pdf", tag = "decisions", security(("bearer" = [])),
    params(("id" = String, Path, description = "Decision id")),
    responses(
        (status = 200, description = "The record", content_type = "application/pdf"),
        (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[get("/decisions/{id}/report.pdf")]
pub async fn decision_pdf(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = path_id(&path, "decision")?;
    let (decision, ctx) = state
        .db
        .write(move |conn| {
            let row = crate::usecase::votes::read(conn, &me.user, &id)?;
            let decision = Decision::try_from(&row).map_err(AppError::internal)?;
            let dossier = dossiers::by_id(conn, &row.dossier_id)?
                .ok_or_else(|| AppError::not_found("dossier"))?;
            let session = sessions::by_id(conn, &row.session_id)?
                .ok_or_else(|| AppError::not_found("session"))?;
            let board = crate::db::boards::get(conn, &row.board_id)?;
            Ok((
                decision,
                RecordContext {
                    board: board.name,
                    session_title: session.title,
                    session_date: session
                        .scheduled_at
                        .format("%Y-%m-%d %H:%M UTC")
                        .to_string(),
                    reference: dossier.reference,
                    pseudonym: dossier.patient_pseudonym,
                    question: dossier.question,
                },
            ))
        })
        .await?;
    let filename = format!("decision-{}.pdf", ctx.reference);
    let bytes = tokio::task::spawn_blocking(move || pdf::decision_record(&decision, &ctx))
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
    let year = query.year.unwrap_or_else(|| chrono::Utc::now().year());
    if !(2000..=2200).contains(&year) {
        return Err(AppError::invalid("year", "must be between 2000 and 2200"));
    }
    let board_id = query
        .board_id
        .as_deref()
        .map(|b| field_id("board_id", b))
        .transpose()?;
    let (from, to) = year_bounds(year)?;
    let user = me.user.clone();
    let asked = board_id.clone();
    let (received, decided) = state
        .db
        .read(move |conn| {
            let boards = exports::scope_boards(conn, &user, asked.as_deref())?;
            exports::activity_facts(conn, boards.as_deref(), from, to)
        })
        .await?;
    Ok(web::Json(report::activity(
        board_id, year, &received, &decided,
    )))
}

fn year_bounds(year: i32) -> AppResult<(chrono::NaiveDateTime, chrono::NaiveDateTime)> {
    let start = |y: i32| {
        chrono::NaiveDate::from_ymd_opt(y, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .ok_or_else(|| AppError::invalid("year", "is not a valid year"))
    };
    Ok((start(year)?, start(year + 1)?))
}

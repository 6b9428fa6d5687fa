//! The yearly activity report as a PDF document (API.md section 16); the figures as JSON are
//! `GET /api/reports/activity` (`exports.rs`).

use actix_web::{HttpResponse, get, web};
use chrono::Datelike;
use serde::Deserialize;
use utoipa::IntoParams;

use super::input::{ApiQuery, field_id};
use crate::auth::CurrentUser;
use crate::domain::user::Locale;
use crate::error::{AppError, AppResult};
use crate::export::activity_pdf::{ActivityContext, activity_report};
use crate::export::record_text::Lang;
use crate::state::AppState;
use crate::usecase::exports;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ActivityPdfQuery {
    /// The board (required).
    pub board_id: String,
    /// The calendar year (default: the current one).
    pub year: Option<i32>,
    /// `fr` or `en` (default: the reader's `locale`).
    pub locale: Option<Locale>,
}

/// A year the reports accept (2000 to 2200), the current one by default.
pub fn report_year(year: Option<i32>) -> AppResult<i32> {
    let year = year.unwrap_or_else(|| chrono::Utc::now().year());
    if !(2000..=2200).contains(&year) {
        return Err(AppError::invalid("year", "must be between 2000 and 2200"));
    }
    Ok(year)
}

/// The yearly activity report of a board as a document (its coordinators and admins).
#[utoipa::path(get, path = "/api/reports/activity.pdf", tag = "exports", security(("bearer" = [])),
    params(ActivityPdfQuery),
    responses(
        (status = 200, description = "The report", content_type = "application/pdf"),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[get("/reports/activity.pdf")]
pub async fn activity_pdf(
    state: web::Data<AppState>,
    me: CurrentUser,
    ApiQuery(query): ApiQuery<ActivityPdfQuery>,
) -> AppResult<HttpResponse> {
    let year = report_year(query.year)?;
    let board_id = field_id("board_id", &query.board_id)?;
    let lang = query.locale.map_or_else(
        || Lang::of_locale(&me.user.locale),
        |l| Lang::of_locale(l.as_str()),
    );
    let (report, board) = state
        .db
        .read(move |conn| exports::activity_of_board(conn, &me.user, board_id, year))
        .await?;
    let ctx = ActivityContext {
        lang,
        zone: state.config.timezone,
        board,
        generated_at: chrono::Utc::now(),
    };
    super::exports::pdf_response(&format!("activite-{year}.pdf"), move || {
        activity_report(&report, &ctx)
    })
    .await
}

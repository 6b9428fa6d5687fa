//! Decisions: read-only, for those who may see them.

use actix_web::{get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::input::{ApiQuery, date_bound, field_id, path_id};
use crate::api::{Decision, Items};
use crate::auth::CurrentUser;
use crate::db::decisions::DecisionFilter;
use crate::domain::ValidationError;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::usecase::votes as decisions;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DecisionQuery {
    pub board_id: Option<String>,
    /// A day (`2026-01-01`) or an RFC 3339 time: decisions from then on.
    pub from: Option<String>,
    /// A day (inclusive) or an RFC 3339 time (exclusive).
    pub to: Option<String>,
}

impl DecisionQuery {
    pub fn filter(&self) -> Result<DecisionFilter, ValidationError> {
        let filter = DecisionFilter {
            board_id: self
                .board_id
                .as_deref()
                .map(|b| field_id("board_id", b))
                .transpose()?,
            from: self
                .from
                .as_deref()
                .map(|f| date_bound("from", f, false))
                .transpose()?,
            to: self
                .to
                .as_deref()
                .map(|t| date_bound("to", t, true))
                .transpose()?,
        };
        if let (Some(from), Some(to)) = (filter.from, filter.to)
            && from >= to
        {
            return Err(ValidationError::new("to", "must be after from"));
        }
        Ok(filter)
    }
}

const LIST_LIMIT: i64 = 1000;

/// The decisions the caller may see, newest first (at most 1000; use the exports for more).
#[utoipa::path(get, path = "/api/decisions", tag = "decisions", security(("bearer" = [])),
    params(DecisionQuery),
    responses(
        (status = 200, body = Items<Decision>),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem)))]
#[get("/decisions")]
pub async fn list_decisions(
    state: web::Data<AppState>,
    me: CurrentUser,
    ApiQuery(query): ApiQuery<DecisionQuery>,
) -> AppResult<web::Json<Items<Decision>>> {
    let filter = query.filter()?;
    let rows = state
        .db
        .write(move |conn| decisions::list(conn, &me.user, &filter, LIST_LIMIT))
        .await?;
    let items = rows
        .iter()
        .map(|seen| {
            Decision::try_from(&seen.row)
                .map(|d| {
                    d.for_reader(seen.named_ballots)
                        .with_follow_up(seen.follow_up.clone())
                })
                .map_err(AppError::internal)
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(web::Json(Items { items }))
}

#[utoipa::path(get, path = "/api/decisions/{id}", tag = "decisions", security(("bearer" = [])),
    params(("id" = String, Path, description = "Decision id")),
    responses(
        (status = 200, body = Decision),
        (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[get("/decisions/{id}")]
pub async fn get_decision(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
) -> AppResult<web::Json<Decision>> {
    let id = path_id(&path, "decision")?;
    let seen = state
        .db
        .write(move |conn| decisions::read(conn, &me.user, &id))
        .await?;
    Ok(web::Json(
        Decision::try_from(&seen.row)
            .map_err(AppError::internal)?
            .for_reader(seen.named_ballots)
            .with_follow_up(seen.follow_up),
    ))
}

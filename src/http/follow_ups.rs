//! Follow-ups (API.md section 13): the referrer's list, and their answer to a decision's.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::input::{ApiJson, ApiQuery, path_id};
use crate::api::Items;
use crate::auth::CurrentUser;
use crate::domain::follow_up::{Answer, Applied, FollowUpView};
use crate::error::AppResult;
use crate::state::AppState;
use crate::usecase::{self, follow_ups};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FollowUpQuery {
    /// Only those due and not yet answered.
    pub due: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpRequest {
    #[schema(value_type = String)]
    pub applied: Applied,
    /// Required unless `applied` is `yes`.
    pub reason: Option<String>,
    pub outcome_note: Option<String>,
}

/// The caller's follow-ups as a referrer (soonest due first).
#[utoipa::path(get, path = "/api/follow-ups", tag = "decisions", security(("bearer" = [])),
    params(FollowUpQuery),
    responses(
        (status = 200, body = Items<FollowUpView>),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem)))]
#[get("/follow-ups")]
pub async fn list_follow_ups(
    state: web::Data<AppState>,
    me: CurrentUser,
    ApiQuery(query): ApiQuery<FollowUpQuery>,
) -> AppResult<web::Json<Items<FollowUpView>>> {
    let due = query.due.unwrap_or(false);
    let rows = state
        .db
        .read(move |conn| follow_ups::list(conn, &me.user, due))
        .await?;
    Ok(web::Json(Items::collect(rows.into_iter().map(
        |(row, reference)| follow_ups::view(row, Some(reference)),
    ))))
}

/// The dossier's referrer says whether the board's advice was applied (once).
#[utoipa::path(post, path = "/api/decisions/{id}/follow-up", tag = "decisions", security(("bearer" = [])),
    params(("id" = String, Path, description = "Decision id")),
    request_body = FollowUpRequest,
    responses(
        (status = 201, body = FollowUpView),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
#[post("/decisions/{id}/follow-up")]
pub async fn answer_follow_up(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
    ApiJson(body): ApiJson<FollowUpRequest>,
) -> AppResult<HttpResponse> {
    let id = path_id(&path, "decision")?;
    let answer = Answer::parse(
        body.applied,
        body.reason.as_deref(),
        body.outcome_note.as_deref(),
    )?;
    let done = usecase::run(&state.db, move |conn| {
        follow_ups::answer(conn, &me.user, &id, &answer)
    })
    .await?;
    Ok(HttpResponse::Created().json(follow_ups::view(done.value, None)))
}

//! Publishing, changing and cancelling a planned session (API.md section 12).

use actix_web::{patch, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::input::{ApiJson, field_time, path_id};
use crate::api::Session;
use crate::auth::CurrentUser;
use crate::db::DbConn;
use crate::db::sessions::SessionChange;
use crate::db::users::UserRow;
use crate::domain::room::{SESSION_TITLE_MAX_CHARS, video_url};
use crate::domain::{schedule, text};
use crate::error::AppResult;
use crate::state::AppState;
use crate::usecase::sessions::SessionView;
use crate::usecase::{self, Done, meetings};

/// Sends the agenda: an invitation to every board member and to the referrer of every dossier
/// on it (coordinators; once, while planned).
#[utoipa::path(post, path = "/api/sessions/{id}/publish", tag = "sessions", security(("bearer" = [])),
    params(("id" = String, Path, description = "Session id")),
    responses(
        (status = 200, body = Session),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
#[post("/sessions/{id}/publish")]
pub async fn publish(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
) -> AppResult<web::Json<Session>> {
    act(state, me, &path, meetings::publish).await
}

/// Runs a use case on the session of the path and answers the session.
async fn act(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: &str,
    f: fn(&mut DbConn, &UserRow, &str) -> AppResult<Done<SessionView>>,
) -> AppResult<web::Json<Session>> {
    let id = path_id(path, "session")?;
    let done = usecase::run(&state.db, move |conn| f(conn, &me.user, &id)).await?;
    state.hub.publish(&done.events);
    Ok(web::Json(Session::of(done.value.record, done.value.can)))
}

/// Cancels a planned session (coordinators): status `cancelled`, its dossiers back to
/// `submitted`; if it was published, those concerned get a cancellation.
#[utoipa::path(post, path = "/api/sessions/{id}/cancel", tag = "sessions", security(("bearer" = [])),
    params(("id" = String, Path, description = "Session id")),
    responses(
        (status = 200, body = Session),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
#[post("/sessions/{id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
) -> AppResult<web::Json<Session>> {
    act(state, me, &path, meetings::cancel).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeSessionRequest {
    pub title: Option<String>,
    /// RFC 3339.
    pub scheduled_at: Option<String>,
    /// 15 to 480.
    pub duration_minutes: Option<i64>,
    /// http or https; `""` removes it.
    pub video_url: Option<String>,
}

/// Changes a planned session's title, time, length or video link (coordinators); once it is
/// published, those concerned get an update with a higher calendar SEQUENCE.
#[utoipa::path(patch, path = "/api/sessions/{id}", tag = "sessions", security(("bearer" = [])),
    params(("id" = String, Path, description = "Session id")),
    request_body = ChangeSessionRequest,
    responses(
        (status = 200, body = Session),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
#[patch("/sessions/{id}")]
pub async fn change(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
    ApiJson(body): ApiJson<ChangeSessionRequest>,
) -> AppResult<web::Json<Session>> {
    let id = path_id(&path, "session")?;
    let change = SessionChange {
        title: body
            .title
            .map(|t| text::line("title", &t, SESSION_TITLE_MAX_CHARS))
            .transpose()?,
        scheduled_at: body
            .scheduled_at
            .map(|t| field_time("scheduled_at", &t))
            .transpose()?,
        duration_minutes: body
            .duration_minutes
            .map(|m| schedule::duration(m).map(|m| m as i32))
            .transpose()?,
        video_url: body.video_url.map(|v| video_url(Some(&v))).transpose()?,
    };
    let done = usecase::run(&state.db, move |conn| {
        meetings::change(conn, &me.user, &id, &change)
    })
    .await?;
    state.hub.publish(&done.events);
    Ok(web::Json(Session::of(done.value.record, done.value.can)))
}

//! Sessions as iCalendar files (API.md section 12).

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::input::path_id;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::export::ics::{SessionEvent, calendar};
use crate::state::AppState;
use crate::usecase;

/// The session's calendar event (whoever may join its room): stable `UID`, UTC times, the room
/// link as `URL`, the video link as `LOCATION`, a `SEQUENCE` that grows with each change.
#[utoipa::path(get, path = "/api/sessions/{id}/invite.ics", tag = "sessions", security(("bearer" = [])),
    params(("id" = String, Path, description = "Session id")),
    responses(
        (status = 200, description = "The session's event (RFC 5545)", content_type = "text/calendar"),
        (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[get("/sessions/{id}/invite.ics")]
pub async fn invite(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = path_id(&path, "session")?;
    let (session, board_name) = state
        .db
        .read(move |conn| usecase::calendar::invite(conn, &me.user, &id))
        .await?;
    let body = calendar(
        &[SessionEvent {
            session: &session,
            board_name: &board_name,
            public_url: &state.public_url,
        }],
        None,
        chrono::Utc::now(),
    );
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/calendar; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"session-{}.ics\"", session.id),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .body(body))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeedUrl {
    /// The secret address of the caller's calendar feed (no token needed: keep it private).
    pub url: String,
}

/// A new secret feed URL of the caller's sessions (their boards', and those with a dossier of
/// theirs on the agenda); the previous URL stops working.
#[utoipa::path(post, path = "/api/me/calendar", tag = "sessions", security(("bearer" = [])),
    responses(
        (status = 200, body = FeedUrl),
        (status = 401, body = crate::error::Problem)))]
#[post("/me/calendar")]
pub async fn rotate_feed(
    state: web::Data<AppState>,
    me: CurrentUser,
) -> AppResult<web::Json<FeedUrl>> {
    let done = usecase::run(&state.db, move |conn| {
        usecase::calendar::rotate_feed(conn, &me.user)
    })
    .await?;
    Ok(web::Json(FeedUrl {
        url: format!("{}/api/calendar/{}.ics", state.public_url, done.value),
    }))
}

/// A calendar feed, for calendar applications: the secret in the address is the credential.
#[utoipa::path(get, path = "/api/calendar/{secret}", tag = "sessions",
    params(("secret" = String, Path, description = "The feed's secret, then `.ics`")),
    responses(
        (status = 200, description = "The sessions (RFC 5545)", content_type = "text/calendar"),
        (status = 404, body = crate::error::Problem)))]
#[get("/calendar/{secret}")]
pub async fn feed(state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    let secret = path
        .strip_suffix(".ics")
        .ok_or_else(|| AppError::not_found("calendar"))?
        .to_string();
    let sessions = state
        .db
        .read(move |conn| usecase::calendar::feed(conn, &secret))
        .await?;
    let events: Vec<SessionEvent<'_>> = sessions
        .iter()
        .map(|(session, board_name)| SessionEvent {
            session,
            board_name,
            public_url: &state.public_url,
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/calendar; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .body(calendar(&events, None, chrono::Utc::now())))
}

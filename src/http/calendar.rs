//! Sessions as iCalendar files (API.md section 12).

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};

use super::input::path_id;
use crate::auth::CurrentUser;
use crate::error::AppResult;
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

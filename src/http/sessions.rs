//! Meetings: planning, agendas, closing, and the room log.

use actix_web::{HttpResponse, delete, get, post, web};
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::input::{ApiJson, ApiQuery, field_id, field_time, path_id};
use crate::api::{Items, Session};
use crate::auth::CurrentUser;
use crate::db::sessions::NewSession;
use crate::domain::room::{SESSION_TITLE_MAX_CHARS, video_url};
use crate::domain::schedule;
use crate::domain::text;
use crate::error::{AppError, AppResult};
use crate::live::protocol;
use crate::state::AppState;
use crate::usecase::sessions::SessionView;
use crate::usecase::{self, sessions};

fn session_json(view: SessionView) -> Session {
    Session::of(view.record, view.can)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSessionRequest {
    pub title: String,
    /// RFC 3339, e.g. `2026-11-24T16:30:00Z`.
    pub scheduled_at: String,
    /// The meeting's video call (http or https).
    pub video_url: Option<String>,
    /// How long the meeting lasts, 15 to 480 minutes (default 90).
    pub duration_minutes: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgendaRequest {
    pub dossier_id: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// Only events with a greater `seq` (default 0: from the start).
    pub since: Option<i64>,
    /// At most this many (1..=1000, default 1000); page with `since`.
    pub limit: Option<i64>,
}

/// Plans a meeting of the board (its coordinators).
#[utoipa::path(post, path = "/api/boards/{id}/sessions", tag = "sessions", security(("bearer" = [])),
    params(("id" = String, Path, description = "Board id")),
    request_body = CreateSessionRequest,
    responses(
        (status = 201, body = Session),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[post("/boards/{id}/sessions")]
pub async fn create_session(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
    ApiJson(body): ApiJson<CreateSessionRequest>,
) -> AppResult<HttpResponse> {
    let board_id = path_id(&path, "board")?;
    let new = NewSession {
        title: text::line("title", &body.title, SESSION_TITLE_MAX_CHARS)?,
        scheduled_at: field_time("scheduled_at", &body.scheduled_at)?,
        video_url: video_url(body.video_url.as_deref())?,
        duration_minutes: schedule::duration(
            body.duration_minutes
                .unwrap_or(schedule::DEFAULT_DURATION_MINUTES),
        )? as i32,
    };
    let done = usecase::run(&state.db, move |conn| {
        sessions::create(conn, &me.user, &board_id, &new)
    })
    .await?;
    state.hub.publish(&done.events);
    Ok(HttpResponse::Created().json(session_json(done.value)))
}

/// The board's meetings, latest first. People outside the board see only those where a
/// dossier of theirs is on the agenda.
#[utoipa::path(get, path = "/api/boards/{id}/sessions", tag = "sessions", security(("bearer" = [])),
    params(("id" = String, Path, description = "Board id")),
    responses(
        (status = 200, body = Items<Session>),
        (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[get("/boards/{id}/sessions")]
pub async fn list_sessions(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
) -> AppResult<web::Json<Items<Session>>> {
    let board_id = path_id(&path, "board")?;
    let views = state
        .db
        .write(move |conn| sessions::list_for_board(conn, &me.user, &board_id))
        .await?;
    Ok(web::Json(Items::collect(
        views.into_iter().map(session_json),
    )))
}

#[utoipa::path(get, path = "/api/sessions/{id}", tag = "sessions", security(("bearer" = [])),
    params(("id" = String, Path, description = "Session id")),
    responses(
        (status = 200, body = Session),
        (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[get("/sessions/{id}")]
pub async fn get_session(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
) -> AppResult<web::Json<Session>> {
    let id = path_id(&path, "session")?;
    let view = state
        .db
        .write(move |conn| sessions::read(conn, &me.user, &id))
        .await?;
    Ok(web::Json(session_json(view)))
}

/// Puts a submitted dossier of the board on the agenda; it becomes `scheduled`.
#[utoipa::path(post, path = "/api/sessions/{id}/agenda", tag = "sessions", security(("bearer" = [])),
    params(("id" = String, Path, description = "Session id")),
    request_body = AgendaRequest,
    responses(
        (status = 200, body = Session),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
#[post("/sessions/{id}/agenda")]
pub async fn add_to_agenda(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
    ApiJson(body): ApiJson<AgendaRequest>,
) -> AppResult<web::Json<Session>> {
    let id = path_id(&path, "session")?;
    let dossier_id = field_id("dossier_id", &body.dossier_id)?;
    let done = usecase::run(&state.db, move |conn| {
        sessions::add_to_agenda(conn, &me.user, &id, &dossier_id)
    })
    .await?;
    state.hub.publish(&done.events);
    Ok(web::Json(session_json(done.value)))
}

/// Takes a dossier off the agenda; it goes back to `submitted`.
#[utoipa::path(delete, path = "/api/sessions/{id}/agenda/{dossier_id}", tag = "sessions",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Session id"), ("dossier_id" = String, Path, description = "Dossier id")),
    responses(
        (status = 200, body = Session),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
#[delete("/sessions/{id}/agenda/{dossier_id}")]
pub async fn remove_from_agenda(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<Session>> {
    let id = path_id(&path.0, "session")?;
    let dossier_id = path_id(&path.1, "agenda item")?;
    let done = usecase::run(&state.db, move |conn| {
        sessions::remove_from_agenda(conn, &me.user, &id, &dossier_id)
    })
    .await?;
    state.hub.publish(&done.events);
    Ok(web::Json(session_json(done.value)))
}

/// Closes the meeting: open votes are closed as by the chair; the room takes no more writes.
#[utoipa::path(post, path = "/api/sessions/{id}/close", tag = "sessions", security(("bearer" = [])),
    params(("id" = String, Path, description = "Session id")),
    responses(
        (status = 200, body = Session),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
#[post("/sessions/{id}/close")]
pub async fn close_session(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
) -> AppResult<web::Json<Session>> {
    let id = path_id(&path, "session")?;
    let done = usecase::run(&state.db, move |conn| sessions::close(conn, &me.user, &id)).await?;
    state.hub.publish(&done.events);
    Ok(web::Json(session_json(done.value)))
}

/// The durable room log, oldest first, for anyone who may join the room, as the room shows it
/// to them: a referrer sees their own dossiers' events, the others as `hidden` (seq and time).
#[utoipa::path(get, path = "/api/sessions/{id}/events", tag = "sessions", security(("bearer" = [])),
    params(("id" = String, Path, description = "Session id"), EventsQuery),
    responses(
        (status = 200, body = Items<Object>),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[get("/sessions/{id}/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
    ApiQuery(query): ApiQuery<EventsQuery>,
) -> AppResult<web::Json<Items<Value>>> {
    let id = path_id(&path, "session")?;
    let since = query.since.unwrap_or(0);
    if since < 0 {
        return Err(AppError::invalid("since", "must not be negative"));
    }
    let limit = query.limit.unwrap_or(1000);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::invalid("limit", "must be between 1 and 1000"));
    }
    let (viewer, events) = state
        .db
        .write(move |conn| sessions::read_log(conn, &me.user, &id, since, limit))
        .await?;
    // A referrer gets the log as the room shows it to them (domain::room_visibility).
    let items = events
        .iter()
        .map(|e| {
            let text = protocol::event_for(&viewer, e);
            serde_json::from_str(text.as_deref().unwrap_or(&e.payload)).map_err(AppError::internal)
        })
        .collect::<AppResult<Vec<Value>>>()?;
    Ok(web::Json(Items { items }))
}

/// The live room (WebSocket, API.md section 9). The first message must be `hello` with a token.
#[get("/sessions/{id}/live")]
pub async fn live(
    req: actix_web::HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, actix_web::Error> {
    let (response, session, stream) = actix_ws::handle(&req, body)?;
    actix_web::rt::spawn(crate::live::connection::serve(
        state.into_inner(),
        path.into_inner(),
        session,
        stream,
    ));
    Ok(response)
}

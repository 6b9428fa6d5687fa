//! A board's weekly slot and planning its sessions (API.md section 12).

use actix_web::{get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::input::{ApiJson, path_id};
use crate::api::{self, Items, Session};
use crate::auth::CurrentUser;
use crate::db::schedules::ScheduleRow;
use crate::domain::schedule::{self, Schedule as Slot};
use crate::error::AppResult;
use crate::state::AppState;
use crate::usecase::{self, schedules};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRequest {
    /// `monday` … `sunday`.
    pub weekday: String,
    /// `HH:MM`, local time of `CONSILIUM_TIMEZONE`.
    pub time: String,
    /// 15 to 480.
    pub duration_minutes: i64,
    pub title: Option<String>,
    /// The meetings' video call (http or https).
    pub video_url: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    /// How many weekly slots to plan, 1 to 26.
    pub weeks: i64,
}

/// A board's weekly meeting slot (API.md section 12), in local time of `CONSILIUM_TIMEZONE`.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct Schedule {
    pub board_id: String,
    /// `monday` … `sunday`.
    pub weekday: String,
    /// `HH:MM`, local time.
    pub time: String,
    pub duration_minutes: i32,
    pub title: Option<String>,
    pub video_url: Option<String>,
    /// The time zone the slot is read in.
    pub timezone: String,
    pub updated_at: DateTime<Utc>,
}

fn schedule_json(state: &AppState, row: ScheduleRow) -> Schedule {
    Schedule {
        board_id: row.board_id,
        weekday: row.weekday,
        time: row.local_time,
        duration_minutes: row.duration_minutes,
        title: row.title,
        video_url: row.video_url,
        timezone: state.config.timezone.name().to_string(),
        updated_at: api::utc(row.updated_at),
    }
}

/// Sets the board's weekly meeting slot (its coordinators).
#[utoipa::path(put, path = "/api/boards/{id}/schedule", tag = "sessions", security(("bearer" = [])),
    params(("id" = String, Path, description = "Board id")),
    request_body = ScheduleRequest,
    responses(
        (status = 200, body = Schedule),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[put("/boards/{id}/schedule")]
pub async fn put_schedule(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
    ApiJson(body): ApiJson<ScheduleRequest>,
) -> AppResult<web::Json<Schedule>> {
    let board_id = path_id(&path, "board")?;
    let slot = Slot::parse(
        &body.weekday,
        &body.time,
        body.duration_minutes,
        body.title.as_deref(),
        body.video_url.as_deref(),
    )?;
    let done = usecase::run(&state.db, move |conn| {
        schedules::set(conn, &me.user, &board_id, &slot)
    })
    .await?;
    Ok(web::Json(schedule_json(&state, done.value)))
}

/// The board's weekly meeting slot; 404 when it has none.
#[utoipa::path(get, path = "/api/boards/{id}/schedule", tag = "sessions", security(("bearer" = [])),
    params(("id" = String, Path, description = "Board id")),
    responses(
        (status = 200, body = Schedule),
        (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[get("/boards/{id}/schedule")]
pub async fn get_schedule(
    state: web::Data<AppState>,
    _me: CurrentUser,
    path: web::Path<String>,
) -> AppResult<web::Json<Schedule>> {
    let board_id = path_id(&path, "board")?;
    let row = state
        .db
        .read(move |conn| schedules::get(conn, &board_id))
        .await?;
    Ok(web::Json(schedule_json(&state, row)))
}

/// Plans one session a week at the board's slot for the `weeks` slots to come (the first
/// within seven days), minus those that exist: a second call creates nothing.
#[utoipa::path(post, path = "/api/boards/{id}/sessions/plan", tag = "sessions", security(("bearer" = [])),
    params(("id" = String, Path, description = "Board id")),
    request_body = PlanRequest,
    responses(
        (status = 200, body = inline(Items<Session>)),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
#[post("/boards/{id}/sessions/plan")]
pub async fn plan_sessions(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
    ApiJson(body): ApiJson<PlanRequest>,
) -> AppResult<web::Json<Items<Session>>> {
    let board_id = path_id(&path, "board")?;
    let weeks = schedule::weeks(body.weeks)?;
    let zone = state.config.timezone;
    let done = usecase::run(&state.db, move |conn| {
        schedules::plan(conn, &me.user, &board_id, weeks, chrono::Utc::now(), zone)
    })
    .await?;
    state.hub.publish(&done.events);
    Ok(web::Json(Items::collect(
        done.value.into_iter().map(|v| Session::of(v.record, v.can)),
    )))
}

//! A board's weekly slot and the sessions planned from it (API.md section 12): the
//! coordinators set the slot, and plan the coming weeks' sessions from it (idempotent).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::json;

use super::sessions::{SessionView, create};
use super::{Done, Event};
use crate::db::audit::{self, Audit};
use crate::db::boards::{self, BoardRow};
use crate::db::schedules::{self, ScheduleRow};
use crate::db::sessions::{self, NewSession};
use crate::db::users::UserRow;
use crate::db::{DbConn, now};
use crate::domain::access::BoardRelation;
use crate::domain::schedule::{self, Schedule, weekday_name};
use crate::error::{AppError, AppResult};

/// The board (404 if none), once `user` coordinates it.
fn check_coordinator(conn: &mut DbConn, user: &UserRow, board_id: &str) -> AppResult<BoardRow> {
    let board = boards::get(conn, board_id)?;
    BoardRelation {
        board_role: boards::role_of(conn, board_id, &user.id)?,
        is_admin: user.is_admin(),
    }
    .check_coordinate()
    .map_err(|d| AppError::denied(d, "board"))?;
    Ok(board)
}

/// Sets the board's slot (its coordinators).
pub fn set(
    conn: &mut DbConn,
    user: &UserRow,
    board_id: &str,
    slot: &Schedule,
) -> AppResult<Done<ScheduleRow>> {
    check_coordinator(conn, user, board_id)?;
    let row = ScheduleRow {
        board_id: board_id.to_string(),
        weekday: weekday_name(slot.weekday).to_string(),
        local_time: slot.time.format("%H:%M").to_string(),
        duration_minutes: slot.duration_minutes as i32,
        title: slot.title.clone(),
        video_url: slot.video_url.clone(),
        updated_at: now(),
    };
    schedules::put(conn, &row)?;
    audit::record(
        conn,
        Audit::new(&user.id, "board.schedule", "board", board_id).with_detail(json!({
            "weekday": row.weekday,
            "time": row.local_time,
            "duration_minutes": row.duration_minutes,
        })),
    )?;
    Ok(Done::quiet(row))
}

/// The board's slot (any signed-in user may read it, as they may read the board); 404 when
/// it has none.
pub fn get(conn: &mut DbConn, board_id: &str) -> AppResult<ScheduleRow> {
    boards::get(conn, board_id)?;
    schedules::get(conn, board_id)?.ok_or_else(|| AppError::not_found("schedule"))
}

/// The stored slot as the domain reads it.
fn slot_of(row: &ScheduleRow) -> AppResult<Schedule> {
    Schedule::parse(
        &row.weekday,
        &row.local_time,
        i64::from(row.duration_minutes),
        row.title.as_deref(),
        row.video_url.as_deref(),
    )
    .map_err(|e| AppError::internal(anyhow::anyhow!("stored schedule: {e}")))
}

/// Plans one session per week at the board's slot for the `weeks` slots after `now`, minus
/// those that exist (its coordinators); the sessions created.
pub fn plan(
    conn: &mut DbConn,
    user: &UserRow,
    board_id: &str,
    weeks: i64,
    at: DateTime<Utc>,
    zone: Tz,
) -> AppResult<Done<Vec<SessionView>>> {
    let board = check_coordinator(conn, user, board_id)?;
    let row = schedules::get(conn, board_id)?.ok_or_else(|| {
        AppError::conflict("the board has no schedule: set one with PUT …/schedule first")
    })?;
    let slot = slot_of(&row)?;
    let times: Vec<_> = slot
        .slots(at, zone, weeks)
        .into_iter()
        .map(|t| t.naive_utc())
        .collect();
    let taken = sessions::taken_times(conn, board_id, &times)?;
    let mut created = Vec::new();
    let mut events: Vec<Event> = Vec::new();
    for scheduled_at in times.into_iter().filter(|t| !taken.contains(t)) {
        let local = schedule::utc_to_local(zone, scheduled_at);
        let title = row
            .title
            .clone()
            .unwrap_or_else(|| format!("{} — {}", board.name, local.format("%d/%m/%Y")));
        let done = create(
            conn,
            user,
            board_id,
            &NewSession {
                title,
                scheduled_at,
                video_url: row.video_url.clone(),
                duration_minutes: row.duration_minutes,
            },
        )?;
        events.extend(done.events);
        created.push(done.value);
    }
    audit::record(
        conn,
        Audit::new(&user.id, "board.plan", "board", board_id).with_detail(json!({
            "weeks": weeks,
            "created": created.len(),
        })),
    )?;
    Ok(Done::with(created, events))
}

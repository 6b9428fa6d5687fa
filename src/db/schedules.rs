//! Boards' weekly meeting slots (API.md section 12).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::board_schedules;
use crate::error::AppResult;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = board_schedules)]
pub struct ScheduleRow {
    pub board_id: String,
    /// `monday` … `sunday`.
    pub weekday: String,
    /// `HH:MM`, local wall-clock time.
    pub local_time: String,
    pub duration_minutes: i32,
    pub title: Option<String>,
    pub video_url: Option<String>,
    pub updated_at: NaiveDateTime,
}

pub fn get(conn: &mut DbConn, board_id: &str) -> AppResult<Option<ScheduleRow>> {
    Ok(board_schedules::table
        .find(board_id)
        .select(ScheduleRow::as_select())
        .first(conn)
        .optional()?)
}

/// Stores a board's slot, replacing the one it had.
pub fn put(conn: &mut DbConn, row: &ScheduleRow) -> AppResult<()> {
    diesel::delete(board_schedules::table.find(&row.board_id)).execute(conn)?;
    diesel::insert_into(board_schedules::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

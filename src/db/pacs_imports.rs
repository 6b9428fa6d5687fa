//! Imports from the PACS (API.md section 15): their state and progress. No identifier from the
//! PACS is stored (see the migration).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::pacs_imports;
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = pacs_imports)]
pub struct ImportRow {
    pub id: String,
    pub dossier_id: String,
    pub requested_by: String,
    pub status: String,
    pub instances_done: i64,
    pub instances_total: i64,
    pub bytes: i64,
    /// A JSON array of the attachments made so far.
    pub attachment_ids: String,
    pub error: Option<String>,
    /// The instance whose task runs it.
    pub runner: String,
    pub heartbeat_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

impl ImportRow {
    pub fn attachment_ids(&self) -> Vec<String> {
        serde_json::from_str(&self.attachment_ids).unwrap_or_default()
    }
}

pub fn insert(conn: &mut DbConn, row: &ImportRow) -> AppResult<()> {
    diesel::insert_into(pacs_imports::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn by_id(conn: &mut DbConn, id: &str) -> AppResult<Option<ImportRow>> {
    Ok(pacs_imports::table
        .find(id)
        .select(ImportRow::as_select())
        .first(conn)
        .optional()?)
}

/// A dossier's imports, newest first (at most 50).
pub fn of_dossier(conn: &mut DbConn, dossier_id: &str) -> AppResult<Vec<ImportRow>> {
    Ok(pacs_imports::table
        .filter(pacs_imports::dossier_id.eq(dossier_id))
        .order((pacs_imports::created_at.desc(), pacs_imports::id.desc()))
        .limit(50)
        .select(ImportRow::as_select())
        .load(conn)?)
}

/// Progress of a running import (and proof that its runner lives).
pub fn set_progress(
    conn: &mut DbConn,
    id: &str,
    instances_done: i64,
    instances_total: i64,
    bytes: i64,
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(pacs_imports::table.find(id))
        .set((
            pacs_imports::instances_done.eq(instances_done),
            pacs_imports::instances_total.eq(instances_total),
            pacs_imports::bytes.eq(bytes),
            pacs_imports::heartbeat_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Moves an import from one of `from` to `to`; whether it was in one of them.
pub fn transition(
    conn: &mut DbConn,
    id: &str,
    from: &[&str],
    to: &str,
    error: Option<&str>,
    finished_at: Option<NaiveDateTime>,
) -> AppResult<bool> {
    let n = diesel::update(
        pacs_imports::table
            .find(id)
            .filter(pacs_imports::status.eq_any(from)),
    )
    .set((
        pacs_imports::status.eq(to),
        pacs_imports::error.eq(error),
        pacs_imports::finished_at.eq(finished_at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn set_attachments(conn: &mut DbConn, id: &str, ids: &[String]) -> AppResult<()> {
    diesel::update(pacs_imports::table.find(id))
        .set(pacs_imports::attachment_ids.eq(serde_json::to_string(ids).unwrap_or_default()))
        .execute(conn)?;
    Ok(())
}

/// Open imports whose runner is not among `live` instances, or has not been heard of since
/// `before`.
pub fn abandoned(
    conn: &mut DbConn,
    live: &[String],
    before: NaiveDateTime,
) -> AppResult<Vec<ImportRow>> {
    Ok(pacs_imports::table
        .filter(pacs_imports::status.eq_any(["queued", "running"]))
        .filter(
            pacs_imports::runner
                .ne_all(live)
                .or(pacs_imports::heartbeat_at.lt(before)),
        )
        .select(ImportRow::as_select())
        .load(conn)?)
}

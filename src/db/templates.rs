//! Board templates, one row per version (API.md section 13).

use diesel::prelude::*;

use super::schema::board_templates;
use super::{DbConn, now};
use crate::domain::template::Template;
use crate::error::{AppError, AppResult};

fn parse(body: &str) -> AppResult<Template> {
    serde_json::from_str(body).map_err(AppError::internal)
}

/// The board's current template and its version, if it has one.
pub fn current(conn: &mut DbConn, board_id: &str) -> AppResult<Option<(i32, Template)>> {
    let row: Option<(i32, String)> = board_templates::table
        .filter(board_templates::board_id.eq(board_id))
        .order(board_templates::version.desc())
        .select((board_templates::version, board_templates::body))
        .first(conn)
        .optional()?;
    row.map(|(v, body)| Ok((v, parse(&body)?))).transpose()
}

/// One version of the board's template.
pub fn version(conn: &mut DbConn, board_id: &str, version: i32) -> AppResult<Option<Template>> {
    let body: Option<String> = board_templates::table
        .find((board_id, version))
        .select(board_templates::body)
        .first(conn)
        .optional()?;
    body.as_deref().map(parse).transpose()
}

/// Stores a new version; returns its number (1 for the first).
pub fn insert(conn: &mut DbConn, board_id: &str, template: &Template, by: &str) -> AppResult<i32> {
    let last: Option<i32> = board_templates::table
        .filter(board_templates::board_id.eq(board_id))
        .select(diesel::dsl::max(board_templates::version))
        .first(conn)?;
    let version = last.unwrap_or(0) + 1;
    diesel::insert_into(board_templates::table)
        .values((
            board_templates::board_id.eq(board_id),
            board_templates::version.eq(version),
            board_templates::body.eq(serde_json::to_string(template).map_err(AppError::internal)?),
            board_templates::created_by.eq(by),
            board_templates::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(version)
}

/// The field keys of the current templates of `boards` (every board when `None`), in board
/// then field order, each key once: the `field_<key>` columns of a CSV export.
pub fn current_keys(conn: &mut DbConn, boards: Option<&[String]>) -> AppResult<Vec<String>> {
    // The boards with a template, then only the current version of each (older versions'
    // bodies are never read).
    let mut query = board_templates::table
        .select(board_templates::board_id)
        .distinct()
        .order(board_templates::board_id.asc())
        .into_boxed();
    if let Some(ids) = boards {
        query = query.filter(board_templates::board_id.eq_any(ids.to_vec()));
    }
    let with_template: Vec<String> = query.load(conn)?;
    let mut keys: Vec<String> = Vec::new();
    for board in with_template {
        let Some((_, template)) = current(conn, &board)? else {
            continue;
        };
        for f in template.fields {
            if !keys.contains(&f.key) {
                keys.push(f.key);
            }
        }
    }
    Ok(keys)
}

//! Board templates and the typed fields of dossiers (API.md section 13): coordinators and
//! admins write a board's template (each change a new version); any signed-in clinician reads
//! it; a dossier's values are checked against the version it was written against.

use serde_json::{Map, Value, json};

use super::Done;
use crate::db::audit::{self, Audit};
use crate::db::dossiers::DossierRow;
use crate::db::users::UserRow;
use crate::db::{DbConn, attachments, boards, templates};
use crate::domain::attachment::AttachmentKind;
use crate::domain::template::Template;
use crate::error::{AppError, AppResult};

/// A template as the API shows it: its version (0 while the board has none) and content.
#[derive(Debug, Clone)]
pub struct Versioned {
    pub version: i32,
    pub template: Template,
}

/// The board's current template (an empty one, version 0, if none was written).
pub fn current(conn: &mut DbConn, board_id: &str) -> AppResult<Versioned> {
    boards::get(conn, board_id)?;
    Ok(templates::current(conn, board_id)?
        .map(|(version, template)| Versioned { version, template })
        .unwrap_or(Versioned {
            version: 0,
            template: Template::default(),
        }))
}

/// Writes a new version of the board's template (its coordinators and admins).
pub fn put(
    conn: &mut DbConn,
    user: &UserRow,
    board_id: &str,
    template: Template,
) -> AppResult<Done<Versioned>> {
    boards::get(conn, board_id)?;
    boards::relation(conn, board_id, user)?
        .check_edit()
        .map_err(|d| AppError::denied(d, "board"))?;
    let template = template.check()?;
    let version = templates::insert(conn, board_id, &template, &user.id)?;
    audit::record(
        conn,
        Audit::new(&user.id, "board.template", "board", board_id).with_detail(json!({
            "version": version,
            "fields": template.fields.len(),
        })),
    )?;
    Ok(Done::quiet(Versioned { version, template }))
}

/// The template a dossier follows: its own version, else the board's current one.
pub fn of_dossier(conn: &mut DbConn, row: &DossierRow) -> AppResult<Versioned> {
    match row.template_version {
        Some(v) => Ok(Versioned {
            version: v,
            template: templates::version(conn, &row.board_id, v)?.unwrap_or_default(),
        }),
        None => current(conn, &row.board_id),
    }
}

/// Checks and merges `patch` into the dossier's values (400 naming `fields.<key>`) and stores
/// them with the template version they follow.
pub fn write_fields(
    conn: &mut DbConn,
    row: &DossierRow,
    patch: &Map<String, Value>,
) -> AppResult<()> {
    let followed = of_dossier(conn, row)?;
    let values = followed.template.merge(&row.field_values(), patch)?;
    let version = (followed.version > 0).then_some(followed.version);
    crate::db::dossiers::set_fields(conn, &row.id, &values, version)
}

/// A draft moved to another board follows that board's current template: the values that do
/// not fit it are dropped.
pub fn follow_new_board(conn: &mut DbConn, row: &DossierRow, board_id: &str) -> AppResult<()> {
    let next = current(conn, board_id)?;
    let kept: Map<String, Value> = row
        .field_values()
        .into_iter()
        .filter(|(k, v)| {
            next.template
                .field(k)
                .is_some_and(|f| f.check_value(v).is_ok())
        })
        .collect();
    let version = (next.version > 0).then_some(next.version);
    crate::db::dossiers::set_fields(conn, &row.id, &kept, version)
}

/// What the dossier's template still asks for before submission: `fields.<key>` and
/// `attachments.<kind>`, every one.
pub fn missing(conn: &mut DbConn, row: &DossierRow) -> AppResult<Vec<String>> {
    let followed = of_dossier(conn, row)?;
    let kinds: Vec<AttachmentKind> =
        attachments::for_dossiers(conn, std::slice::from_ref(&row.id))?
            .iter()
            .filter_map(|a| a.kind.parse().ok())
            .collect();
    Ok(followed.template.missing(&row.field_values(), &kinds))
}

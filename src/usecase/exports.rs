//! Exports and reports: who may export what (the board's coordinators and administrators),
//! the audit row of every export, the yearly activity report and the printable record of a
//! decision. The export's page loop itself is `export::stream`.

use chrono::NaiveDateTime;
use serde_json::json;

use super::Done;
use crate::db::audit::{self, Audit};
use crate::db::decisions::DecisionRow;
use crate::db::exports::{self, Scope};
use crate::db::users::UserRow;
use crate::db::{DbConn, boards, dossiers, sessions};
use crate::domain::access;
use crate::domain::audit::format_time;
use crate::domain::board::BoardRole;
use crate::domain::report::{self, ActivityReport};
use crate::error::{AppError, AppResult};
use crate::export::Format;
use crate::export::pdf::RecordContext;

/// The boards `user` may export from: the board asked for (its coordinators and admins), or,
/// without one, every board (`None`) for an admin and the boards a coordinator coordinates.
pub fn scope_boards(
    conn: &mut DbConn,
    user: &UserRow,
    board_id: Option<&str>,
) -> AppResult<Option<Vec<String>>> {
    let asked = match board_id {
        Some(id) => {
            boards::get(conn, id)?;
            Some((id, boards::relation(conn, id, user)?))
        }
        None => None,
    };
    let coordinated = if asked.is_none() && !user.is_admin() {
        boards::memberships(conn, &user.id)?
            .into_iter()
            .filter(|(_, role)| *role == BoardRole::Coordinator)
            .map(|(board, _)| board)
            .collect()
    } else {
        Vec::new()
    };
    access::export_scope(user.is_admin(), asked, coordinated)
        .map_err(|d| AppError::denied(d, "board"))
}

/// Starts an export of the decisions of `board_id` (or every board `user` may export from)
/// decided between `from` and `to`: the scope to stream, once the export is recorded.
pub fn start(
    conn: &mut DbConn,
    user: &UserRow,
    board_id: Option<&str>,
    from: Option<NaiveDateTime>,
    to: Option<NaiveDateTime>,
    format: Format,
) -> AppResult<Done<Scope>> {
    let scope = Scope {
        boards: scope_boards(conn, user, board_id)?,
        from,
        to,
    };
    audit::record(
        conn,
        Audit {
            actor_id: Some(&user.id),
            action: "decision.export",
            object_type: "decision",
            object_id: None,
            detail: json!({
                "format": format,
                "boards": scope.boards,
                "from": scope.from.map(format_time),
                "to": scope.to.map(format_time),
            }),
        },
    )?;
    Ok(Done::quiet(scope))
}

/// The activity report of `year` (between 2000 and 2200), for one board or every board
/// `user` may export from.
pub fn activity(
    conn: &mut DbConn,
    user: &UserRow,
    board_id: Option<String>,
    year: i32,
) -> AppResult<ActivityReport> {
    let start = |y: i32| {
        chrono::NaiveDate::from_ymd_opt(y, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .ok_or_else(|| AppError::invalid("year", "is not a valid year"))
    };
    let (from, to) = (start(year)?, start(year + 1)?);
    let boards = scope_boards(conn, user, board_id.as_deref())?;
    let (received, decided) = exports::activity_facts(conn, boards.as_deref(), from, to)?;
    Ok(report::activity(board_id, year, &received, &decided))
}

/// A decision `user` may see, with what its printable record shows besides (the read is
/// recorded).
pub fn decision_record(
    conn: &mut DbConn,
    user: &UserRow,
    id: &str,
) -> AppResult<Done<(DecisionRow, RecordContext)>> {
    let row = super::votes::read(conn, user, id)?;
    let dossier = dossiers::get(conn, &row.dossier_id)?;
    let session =
        sessions::by_id(conn, &row.session_id)?.ok_or_else(|| AppError::not_found("session"))?;
    let board = boards::get(conn, &row.board_id)?;
    let context = RecordContext {
        board: board.name,
        session_title: session.title,
        session_date: session
            .scheduled_at
            .format("%Y-%m-%d %H:%M UTC")
            .to_string(),
        reference: dossier.reference,
        pseudonym: dossier.patient_pseudonym,
        question: dossier.question,
        thumbnails: Vec::new(),
    };
    Ok(Done::quiet((row, context)))
}

//! Exports and reports: who may export what (the board's coordinators and administrators),
//! the audit row of every export, the yearly activity report and the printable record of a
//! decision. The export's page loop itself is `export::stream`.

use chrono::NaiveDateTime;
use chrono_tz::Tz;
use serde_json::json;

use super::Done;
use crate::db::audit::{self, Audit};
use crate::db::exports::{self, Scope};
use crate::db::users::{self, UserRow};
use crate::db::{DbConn, attachments, boards, dossiers, follow_ups, sessions};
use crate::domain::access;
use crate::domain::audit::format_time;
use crate::domain::board::BoardRole;
use crate::domain::report::{self, ActivityReport};
use crate::error::{AppError, AppResult};
use crate::export::Format;
use crate::export::pdf::{Document, RecordContext};
use crate::export::record_text::Lang;

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
    let boards = scope_boards(conn, user, board_id.as_deref())?;
    year_report(conn, board_id, boards.as_deref(), year)
}

/// The report of `year` over `boards`, with the follow-ups of its decisions and, for one
/// board, its template's choice and boolean fields counted over the year's dossiers.
fn year_report(
    conn: &mut DbConn,
    board_id: Option<String>,
    boards: Option<&[String]>,
    year: i32,
) -> AppResult<ActivityReport> {
    let (from, to) = year_bounds(year)?;
    let (received, decided) = exports::activity_facts(conn, boards, from, to)?;
    let mut r = report::activity(board_id.clone(), year, &received, &decided);
    let now = crate::db::now();
    let facts: Vec<report::FollowUpFact> = follow_ups::of_period(conn, boards, from, to)?
        .into_iter()
        .map(|f| report::FollowUpFact {
            due: f.due_at <= now,
            applied: f.applied,
        })
        .collect();
    r.follow_up = report::follow_up_counts(&facts);
    if let Some(b) = board_id.as_deref() {
        let template = super::templates::current(conn, b)?.template;
        r.fields = template.counts(received.iter().map(|d| &d.fields));
    }
    Ok(r)
}

/// The activity report of one board as a document: the figures and the board's name (its
/// coordinators and admins).
pub fn activity_of_board(
    conn: &mut DbConn,
    user: &UserRow,
    board_id: String,
    year: i32,
) -> AppResult<(ActivityReport, String)> {
    let name = boards::get(conn, &board_id)?.name;
    Ok((activity(conn, user, Some(board_id), year)?, name))
}

/// The same for the command line (`consilium report`), which has the database's full access.
pub fn activity_for_operator(
    conn: &mut DbConn,
    board_id: String,
    year: i32,
) -> AppResult<(ActivityReport, String)> {
    let name = boards::get(conn, &board_id)?.name;
    let boards = [board_id.clone()];
    Ok((
        year_report(conn, Some(board_id), Some(&boards[..]), year)?,
        name,
    ))
}

fn year_bounds(year: i32) -> AppResult<(NaiveDateTime, NaiveDateTime)> {
    let start = |y: i32| {
        chrono::NaiveDate::from_ymd_opt(y, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .ok_or_else(|| AppError::invalid("year", "is not a valid year"))
    };
    Ok((start(year)?, start(year + 1)?))
}

/// A decision `user` may see, with what its printable record shows besides (the read is
/// recorded), in `lang` (else the user's own `locale`) and the service's `zone`.
pub fn decision_record(
    conn: &mut DbConn,
    user: &UserRow,
    id: &str,
    (lang, zone): (Option<Lang>, Tz),
) -> AppResult<Done<(super::votes::DecisionSeen, RecordContext)>> {
    let seen = super::votes::read(conn, user, id)?;
    let row = &seen.row;
    let dossier = dossiers::get(conn, &row.dossier_id)?;
    let referrer = users::by_id(conn, &dossier.referrer_id)?;
    let session =
        sessions::by_id(conn, &row.session_id)?.ok_or_else(|| AppError::not_found("session"))?;
    let board = boards::get(conn, &row.board_id)?;
    let documents = attachments::for_dossiers(conn, std::slice::from_ref(&dossier.id))?
        .into_iter()
        .map(|a| Document {
            filename: a.filename,
            kind: a.kind,
            size: a.size,
        })
        .collect();
    let lang = lang.unwrap_or_else(|| Lang::of_locale(&user.locale));
    let values = dossier.field_values();
    let fields = super::templates::of_dossier(conn, &dossier)?
        .template
        .fields
        .iter()
        .filter_map(|f| {
            values.get(&f.key).map(|v| {
                (
                    f.label.clone(),
                    crate::export::record_text::field_value(lang, v),
                )
            })
        })
        .collect();
    let context = RecordContext {
        lang,
        fields,
        zone,
        board: board.name,
        session_title: session.title,
        session_at: session.scheduled_at.and_utc(),
        reference: dossier.reference,
        pseudonym: dossier.patient_pseudonym,
        referrer: referrer
            .as_ref()
            .map(|u| u.name.clone())
            .unwrap_or_default(),
        organization: referrer.and_then(|u| u.organization),
        question: dossier.question,
        history: dossier.history,
        created_at: dossier.created_at.and_utc(),
        submitted_at: dossier.submitted_at.map(|t| t.and_utc()),
        documents,
        thumbnails: Vec::new(),
    };
    Ok(Done::quiet((seen, context)))
}

//! Was the board's advice applied? (API.md section 13.) A `decided` decision schedules a
//! follow-up for its dossier's referrer after the board's `follow_up_days`; when it comes due
//! the referrer is notified (`follow_up_due`); they answer once. The answer is audited and
//! shown with the decision, outside its hashed record.

use chrono::NaiveDateTime;
use serde_json::json;

use super::{Done, Event};
use crate::db::audit::{self, Audit};
use crate::db::decisions::DecisionRow;
use crate::db::follow_ups::{self, FollowUpRow, Listed, NewFollowUp};
use crate::db::users::UserRow;
use crate::db::{DbConn, boards, dossiers, now};
use crate::domain::access::DossierRelation;
use crate::domain::audit::format_time;
use crate::domain::follow_up::{Answer, FollowUpView, due};
use crate::error::{AppError, AppResult};

/// Schedules the follow-up of a decision just written, if its outcome and board ask for one.
pub fn schedule(conn: &mut DbConn, decision: &DecisionRow, referrer_id: &str) -> AppResult<()> {
    let days = boards::get(conn, &decision.board_id)?.follow_up_days;
    if let Some(due_at) = due(&decision.status, decision.decided_at, days) {
        follow_ups::insert(
            conn,
            &NewFollowUp {
                decision_id: &decision.id,
                dossier_id: &decision.dossier_id,
                board_id: &decision.board_id,
                referrer_id,
                due_at,
            },
        )?;
    }
    Ok(())
}

/// The dossier's referrer answers the follow-up of a decision, once (409 after).
pub fn answer(
    conn: &mut DbConn,
    user: &UserRow,
    decision_id: &str,
    answer: &Answer,
) -> AppResult<Done<FollowUpRow>> {
    let decision = crate::db::decisions::by_id(conn, decision_id)?
        .ok_or_else(|| AppError::not_found("decision"))?;
    let dossier = dossiers::get(conn, &decision.dossier_id)?;
    let relation = DossierRelation {
        is_referrer: dossier.referrer_id == user.id,
        board_role: boards::role_of(conn, &decision.board_id, &user.id)?,
        is_admin: user.is_admin(),
    };
    if !relation.can_view() {
        return Err(AppError::not_found("decision"));
    }
    if !relation.is_referrer {
        return Err(AppError::forbidden(
            "only the referring physician answers the follow-up",
        ));
    }
    if follow_ups::by_decision(conn, decision_id)?.is_none() {
        return Err(AppError::conflict(
            "no follow-up is asked for this decision (its outcome, or the board's setting)",
        ));
    }
    if !follow_ups::answer(conn, decision_id, answer, now())? {
        return Err(AppError::conflict("the follow-up was already answered"));
    }
    // The reason and the note stay out of the audit log: they may describe the patient.
    audit::record(
        conn,
        Audit::new(&user.id, "follow_up.answer", "decision", decision_id)
            .with_detail(json!({ "applied": answer.applied })),
    )?;
    let row = follow_ups::by_decision(conn, decision_id)?
        .ok_or_else(|| AppError::not_found("follow-up"))?;
    Ok(Done::quiet(row))
}

/// A referrer's follow-ups: all, or only those due and unanswered.
pub fn list(conn: &mut DbConn, user: &UserRow, due_only: bool) -> AppResult<Vec<Listed>> {
    follow_ups::of_referrer(conn, &user.id, due_only.then(now))
}

/// Tells each referrer whose follow-up came due by `at` (a `follow_up_due` notification, in
/// the same transaction as the mark, so that it is written once whatever the instances).
pub fn tell_due(conn: &mut DbConn, at: NaiveDateTime) -> AppResult<Done<usize>> {
    let mut events = Vec::new();
    for f in follow_ups::due_untold(conn, at, 200)? {
        if follow_ups::mark_told(conn, &f.decision_id, at)? {
            events.push(Event::FollowUpDue {
                decision_id: f.decision_id,
                dossier_id: f.dossier_id,
                referrer_id: f.referrer_id,
            });
        }
    }
    Ok(Done::with(events.len(), events))
}

/// The answered follow-up of a decision, to show with it (`None` until answered).
pub fn answered(conn: &mut DbConn, decision_id: &str) -> AppResult<Option<FollowUpRow>> {
    Ok(follow_ups::by_decision(conn, decision_id)?.filter(|f| f.answered_at.is_some()))
}

/// A follow-up as the API shows it.
pub fn view(row: FollowUpRow, reference: Option<String>) -> FollowUpView {
    FollowUpView {
        decision_id: row.decision_id,
        dossier_id: row.dossier_id,
        reference,
        due_at: format_time(row.due_at),
        applied: row.applied.and_then(|a| a.parse().ok()),
        reason: row.reason,
        outcome_note: row.outcome_note,
        answered_at: row.answered_at.map(format_time),
    }
}

/// The answered follow-up of a decision as the API shows it with the decision.
pub fn shown(conn: &mut DbConn, decision_id: &str) -> AppResult<Option<FollowUpView>> {
    Ok(answered(conn, decision_id)?.map(|f| view(f, None)))
}

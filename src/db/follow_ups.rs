//! Follow-ups of decisions (API.md section 13): one row per `decided` decision whose board
//! asks for one, answered at most once.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{decisions, dossiers, follow_ups};
use crate::domain::follow_up::Answer;
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = follow_ups)]
pub struct FollowUpRow {
    pub decision_id: String,
    pub dossier_id: String,
    pub board_id: String,
    pub referrer_id: String,
    pub due_at: NaiveDateTime,
    pub notified_at: Option<NaiveDateTime>,
    pub applied: Option<String>,
    pub reason: Option<String>,
    pub outcome_note: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
}

/// A follow-up, with its dossier's reference.
pub type Listed = (FollowUpRow, String);

pub struct NewFollowUp<'a> {
    pub decision_id: &'a str,
    pub dossier_id: &'a str,
    pub board_id: &'a str,
    pub referrer_id: &'a str,
    pub due_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, f: &NewFollowUp<'_>) -> AppResult<()> {
    diesel::insert_into(follow_ups::table)
        .values((
            follow_ups::decision_id.eq(f.decision_id),
            follow_ups::dossier_id.eq(f.dossier_id),
            follow_ups::board_id.eq(f.board_id),
            follow_ups::referrer_id.eq(f.referrer_id),
            follow_ups::due_at.eq(f.due_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn by_decision(conn: &mut DbConn, decision_id: &str) -> AppResult<Option<FollowUpRow>> {
    Ok(follow_ups::table
        .find(decision_id)
        .select(FollowUpRow::as_select())
        .first(conn)
        .optional()?)
}

/// Records the answer unless one was given; whether this call recorded it.
pub fn answer(
    conn: &mut DbConn,
    decision_id: &str,
    a: &Answer,
    at: NaiveDateTime,
) -> AppResult<bool> {
    let n = diesel::update(
        follow_ups::table
            .find(decision_id)
            .filter(follow_ups::answered_at.is_null()),
    )
    .set((
        follow_ups::applied.eq(a.applied.as_str()),
        follow_ups::reason.eq(a.reason.as_deref()),
        follow_ups::outcome_note.eq(a.outcome_note.as_deref()),
        follow_ups::answered_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Follow-ups come due by `now` whose referrer was not yet told, oldest first.
pub fn due_untold(
    conn: &mut DbConn,
    now: NaiveDateTime,
    limit: i64,
) -> AppResult<Vec<FollowUpRow>> {
    Ok(follow_ups::table
        .filter(follow_ups::notified_at.is_null())
        .filter(follow_ups::due_at.le(now))
        .order(follow_ups::due_at.asc())
        .limit(limit)
        .select(FollowUpRow::as_select())
        .load(conn)?)
}

/// Marks a follow-up told; whether this call did (another instance may have).
pub fn mark_told(conn: &mut DbConn, decision_id: &str, at: NaiveDateTime) -> AppResult<bool> {
    let n = diesel::update(
        follow_ups::table
            .find(decision_id)
            .filter(follow_ups::notified_at.is_null()),
    )
    .set(follow_ups::notified_at.eq(at))
    .execute(conn)?;
    Ok(n == 1)
}

/// A referrer's follow-ups (only those due by `due_by` and unanswered, when given), soonest
/// due first.
pub fn of_referrer(
    conn: &mut DbConn,
    referrer_id: &str,
    due_by: Option<NaiveDateTime>,
) -> AppResult<Vec<Listed>> {
    let mut query = follow_ups::table
        .inner_join(dossiers::table)
        .filter(follow_ups::referrer_id.eq(referrer_id))
        .select((FollowUpRow::as_select(), dossiers::reference))
        .order(follow_ups::due_at.asc())
        .into_boxed();
    if let Some(now) = due_by {
        query = query
            .filter(follow_ups::due_at.le(now))
            .filter(follow_ups::answered_at.is_null());
    }
    Ok(query.limit(500).load(conn)?)
}

/// The follow-ups of the given decisions (the report and the exports).
pub fn of_decisions(conn: &mut DbConn, ids: &[String]) -> AppResult<Vec<FollowUpRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(follow_ups::table
        .filter(follow_ups::decision_id.eq_any(ids.to_vec()))
        .select(FollowUpRow::as_select())
        .load(conn)?)
}

/// The follow-ups of the decisions taken in `[from, to)` on `boards` (every board when `None`).
pub fn of_period(
    conn: &mut DbConn,
    boards: Option<&[String]>,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> AppResult<Vec<FollowUpRow>> {
    let mut query = follow_ups::table
        .inner_join(decisions::table.on(decisions::id.eq(follow_ups::decision_id)))
        .filter(decisions::decided_at.ge(from))
        .filter(decisions::decided_at.lt(to))
        .select(FollowUpRow::as_select())
        .into_boxed();
    if let Some(ids) = boards {
        query = query.filter(follow_ups::board_id.eq_any(ids.to_vec()));
    }
    Ok(query.load(conn)?)
}

//! Decisions: written once when a vote closes (`usecase::votes`), hash-chained per board.
//! Nothing in this service updates or deletes a decision (and the database refuses it too).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::Value;

use super::room::VoteRow;
use super::schema::{board_members, decisions, dossiers};
use super::{DbConn, counters};
use crate::domain::canonical::GENESIS_HASH;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = decisions)]
pub struct DecisionRow {
    pub id: String,
    pub board_id: String,
    pub dossier_id: String,
    pub session_id: String,
    pub vote_id: String,
    pub status: String,
    pub outcome: Option<String>,
    pub decided_at: NaiveDateTime,
    pub decided_by: String,
    pub chain_seq: i64,
    pub previous_hash: String,
    pub hash: String,
    pub body: String,
}

impl DecisionRow {
    /// The Decision exactly as it was published.
    pub fn body(&self) -> AppResult<Value> {
        serde_json::from_str(&self.body).map_err(AppError::internal)
    }
}

/// A decision as written.
pub struct NewDecision<'a> {
    pub id: &'a str,
    pub board_id: &'a str,
    pub vote: &'a VoteRow,
    pub status: &'a str,
    pub outcome: Option<&'a str>,
    pub decided_at: NaiveDateTime,
    pub decided_by: &'a str,
    pub chain_seq: i64,
    pub previous_hash: &'a str,
    pub hash: &'a str,
    pub body: &'a str,
}

pub fn insert(conn: &mut DbConn, new: &NewDecision<'_>) -> AppResult<()> {
    diesel::insert_into(decisions::table)
        .values((
            decisions::id.eq(new.id),
            decisions::board_id.eq(new.board_id),
            decisions::dossier_id.eq(&new.vote.dossier_id),
            decisions::session_id.eq(&new.vote.session_id),
            decisions::vote_id.eq(&new.vote.id),
            decisions::status.eq(new.status),
            decisions::outcome.eq(new.outcome),
            decisions::decided_at.eq(new.decided_at),
            decisions::decided_by.eq(new.decided_by),
            decisions::chain_seq.eq(new.chain_seq),
            decisions::previous_hash.eq(new.previous_hash),
            decisions::hash.eq(new.hash),
            decisions::body.eq(new.body),
        ))
        .execute(conn)?;
    Ok(())
}

/// The next link of a board's chain: its number and the hash it follows.
pub fn next_link(conn: &mut DbConn, board_id: &str) -> AppResult<(i64, String)> {
    let chain_seq = counters::next(conn, &format!("decisions-{board_id}"))?;
    let previous_hash = if chain_seq == 1 {
        GENESIS_HASH.to_string()
    } else {
        decisions::table
            .filter(decisions::board_id.eq(board_id))
            .filter(decisions::chain_seq.eq(chain_seq - 1))
            .select(decisions::hash)
            .first::<String>(conn)?
    };
    Ok((chain_seq, previous_hash))
}

pub fn by_id(conn: &mut DbConn, id: &str) -> AppResult<Option<DecisionRow>> {
    Ok(decisions::table
        .find(id)
        .select(DecisionRow::as_select())
        .first(conn)
        .optional()?)
}

/// The latest decision on a dossier (including a no-quorum or tied attempt).
pub fn latest_for_dossier(conn: &mut DbConn, dossier_id: &str) -> AppResult<Option<DecisionRow>> {
    Ok(decisions::table
        .filter(decisions::dossier_id.eq(dossier_id))
        .order((decisions::decided_at.desc(), decisions::chain_seq.desc()))
        .select(DecisionRow::as_select())
        .first(conn)
        .optional()?)
}

/// Filters of decision lists and exports.
#[derive(Debug, Clone, Default)]
pub struct DecisionFilter {
    pub board_id: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

/// Decisions newest first, at most `limit`: all of them (`visible_to: None`), or those of the
/// boards `visible_to` belongs to and of the dossiers they refer.
pub fn list(
    conn: &mut DbConn,
    visible_to: Option<&str>,
    filter: &DecisionFilter,
    limit: i64,
) -> AppResult<Vec<DecisionRow>> {
    let mut query = decisions::table
        .select(DecisionRow::as_select())
        .into_boxed();
    if let Some(user_id) = visible_to {
        let my_boards = board_members::table
            .filter(board_members::user_id.eq(user_id.to_string()))
            .select(board_members::board_id);
        let my_dossiers = dossiers::table
            .filter(dossiers::referrer_id.eq(user_id.to_string()))
            .select(dossiers::id);
        query = query.filter(
            decisions::board_id
                .eq_any(my_boards)
                .or(decisions::dossier_id.eq_any(my_dossiers)),
        );
    }
    if let Some(b) = &filter.board_id {
        query = query.filter(decisions::board_id.eq(b.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(decisions::decided_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(decisions::decided_at.lt(to));
    }
    Ok(query
        .order((decisions::decided_at.desc(), decisions::id.desc()))
        .limit(limit)
        .load(conn)?)
}

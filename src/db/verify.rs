//! `consilium audit verify`: walks the audit log's hash chain and each board's decision chain
//! and reports the first broken link.

use diesel::prelude::*;

use super::audit::{self, AuditRow};
use super::decisions::DecisionRow;
use super::schema::{boards, decisions, sessions};
use super::{DbConn, counters};
use crate::domain::audit::{GENESIS_HASH, format_time};
use crate::domain::canonical::record_hash;
use crate::error::AppResult;

const PAGE: i64 = 1000;

/// What a verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub audit_entries: i64,
    /// The last entry's hash: keep it elsewhere to detect a rewrite of the whole log later.
    pub audit_head: String,
    pub decisions: i64,
    /// The first broken link, if any.
    pub broken: Option<String>,
}

/// Checks one audit page against the entry before it; returns the first problem.
fn check_audit(rows: &[AuditRow], previous: &mut (i64, String)) -> Option<String> {
    for row in rows {
        if row.seq != previous.0 + 1 {
            return Some(format!(
                "audit log: entry {} follows entry {}: entries are missing",
                row.seq, previous.0
            ));
        }
        if row.previous_hash != previous.1 {
            return Some(format!(
                "audit log: entry {} does not link to entry {} (previous_hash differs)",
                row.seq, previous.0
            ));
        }
        if row.hash != row.expected_hash() {
            return Some(format!(
                "audit log: entry {} ({} on {} {}) was changed after it was written",
                row.seq,
                row.action,
                row.object_type,
                row.object_id.as_deref().unwrap_or("-")
            ));
        }
        *previous = (row.seq, row.hash.clone());
    }
    None
}

/// Checks one decision against the one before it in its board's chain. Every stored column is
/// covered: the record's own fields against the hashed body (`decided_at` to the microsecond,
/// `decided_by` by id), the chain columns by the chain, and `board_id` against the board of the
/// session named in the hashed record (`session_board`: `None` when no such session exists).
fn check_decision(
    d: &DecisionRow,
    session_board: Option<&str>,
    previous: &(i64, String),
) -> Option<String> {
    let at = |what: &str| {
        format!(
            "decisions of board {}: decision {} (#{}) {what}",
            d.board_id, d.id, d.chain_seq
        )
    };
    if d.chain_seq != previous.0 + 1 {
        return Some(at(&format!(
            "follows #{}: decisions are missing",
            previous.0
        )));
    }
    if d.previous_hash != previous.1 {
        return Some(at("does not link to the decision before it"));
    }
    let Ok(body) = serde_json::from_str::<serde_json::Value>(&d.body) else {
        return Some(at("has an unreadable record"));
    };
    if record_hash(&body) != d.hash || body["hash"] != d.hash.as_str() {
        return Some(at("was changed after it was written (hash mismatch)"));
    }
    let same = |field: &str, value: Option<&str>| body[field].as_str() == value;
    if !(same("id", Some(&d.id))
        && same("dossier_id", Some(&d.dossier_id))
        && same("session_id", Some(&d.session_id))
        && same("vote_id", Some(&d.vote_id))
        && same("status", Some(&d.status))
        && same("outcome", d.outcome.as_deref())
        && same("previous_hash", Some(&d.previous_hash))
        && same("decided_at", Some(&format_time(d.decided_at)))
        && body["decided_by"]["id"].as_str() == Some(d.decided_by.as_str())
        && session_board == Some(d.board_id.as_str()))
    {
        return Some(at("has columns that disagree with its signed record"));
    }
    None
}

pub fn verify(conn: &mut DbConn) -> AppResult<Report> {
    let mut report = Report {
        audit_entries: 0,
        audit_head: GENESIS_HASH.to_string(),
        decisions: 0,
        broken: None,
    };
    let mut previous = (0_i64, GENESIS_HASH.to_string());
    loop {
        let rows = audit::page(conn, previous.0, PAGE)?;
        if rows.is_empty() {
            break;
        }
        if let Some(problem) = check_audit(&rows, &mut previous) {
            report.broken = Some(problem);
            return Ok(report);
        }
        report.audit_entries = previous.0;
        report.audit_head = previous.1.clone();
    }
    // Removing the newest entries leaves a valid chain; the counter still knows how many
    // were written.
    let written = counters::current(conn, "audit")?;
    if written != previous.0 {
        report.broken = Some(format!(
            "audit log: {written} entries were written but {} remain: the newest were removed",
            previous.0
        ));
        return Ok(report);
    }
    let board_ids: Vec<String> = boards::table
        .select(boards::id)
        .order(boards::id.asc())
        .load(conn)?;
    for board in board_ids {
        let mut previous = (0_i64, GENESIS_HASH.to_string());
        loop {
            let page: Vec<(DecisionRow, Option<String>)> = decisions::table
                .left_join(sessions::table.on(sessions::id.eq(decisions::session_id)))
                .filter(decisions::board_id.eq(&board))
                .filter(decisions::chain_seq.gt(previous.0))
                .order(decisions::chain_seq.asc())
                .limit(PAGE)
                .select((DecisionRow::as_select(), sessions::board_id.nullable()))
                .load(conn)?;
            if page.is_empty() {
                break;
            }
            for (d, session_board) in &page {
                if let Some(problem) = check_decision(d, session_board.as_deref(), &previous) {
                    report.broken = Some(problem);
                    return Ok(report);
                }
                previous = (d.chain_seq, d.hash.clone());
                report.decisions += 1;
            }
        }
        let written = counters::current(conn, &format!("decisions-{board}"))?;
        if written != previous.0 {
            report.broken = Some(format!(
                "decisions of board {board}: {written} were written but {} remain",
                previous.0
            ));
            return Ok(report);
        }
    }
    Ok(report)
}

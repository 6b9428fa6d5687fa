//! Decisions: computed when a vote closes, written once, hash-chained per board. Nothing in
//! this service updates or deletes a decision (and the database refuses it too).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{Value, json};

use super::audit::{self, Audit};
use super::room::{self, Committed, VoteRow};
use super::schema::{board_members, decisions, dossiers};
use super::sessions::{self, SessionRow};
use super::users::UserRow;
use super::{DbConn, boards, counters, new_id, now};
use crate::api::User;
use crate::domain::audit::format_time;
use crate::domain::canonical::{GENESIS_HASH, record_hash};
use crate::domain::dossier::Transition;
use crate::domain::quorum::{self, Outcome};
use crate::domain::room_visibility::{EventKind, listed_in_decision};
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

/// Closes a vote as its chair: the `close_vote` room command.
pub fn close_vote(
    conn: &mut DbConn,
    session_id: &str,
    chair: &UserRow,
    vote_id: &str,
    summary: &str,
) -> AppResult<Committed> {
    let summary = crate::domain::room::summary(summary)?;
    let (session, role) = room::session_for_command(conn, session_id, chair)?;
    if !role.can_chair() {
        return Err(AppError::forbidden(
            "only the chair (a coordinator of the board) may do this",
        ));
    }
    let vote = room::vote_in_session(conn, session_id, vote_id)?;
    if !vote.is_open() {
        return Err(AppError::conflict("this vote is already closed"));
    }
    decide(conn, &session, &vote, chair, &summary)
}

/// Closes a session (coordinators): its open votes are closed as by the chair, then it takes
/// no more writes. Returns the `vote_closed` events to broadcast.
pub fn close_session(
    conn: &mut DbConn,
    user: &UserRow,
    session_id: &str,
) -> AppResult<Vec<Committed>> {
    let session = sessions::load_for_closing(conn, user, session_id)?;
    let mut events = Vec::new();
    for vote in room::open_votes(conn, session_id)? {
        events.push(decide(
            conn,
            &session,
            &vote,
            user,
            "Vote closed with the session.",
        )?);
    }
    sessions::mark_closed(conn, session_id)?;
    audit::record(
        conn,
        Audit::new(&user.id, "session.close", "session", session_id),
    )?;
    Ok(events)
}

/// Computes and stores the decision of an open vote, broadcasts `vote_closed`, and moves the
/// dossier on: `decided`, or back to `submitted` (and off this agenda) without quorum or tied.
fn decide(
    conn: &mut DbConn,
    session: &SessionRow,
    vote: &VoteRow,
    chair: &UserRow,
    summary: &str,
) -> AppResult<Committed> {
    let board = boards::get(conn, &session.board_id)?;
    let rule = board.quorum();
    // Only ballots of people who are still on the board count.
    let members: Vec<String> = board_members::table
        .filter(board_members::board_id.eq(&board.id))
        .select(board_members::user_id)
        .load(conn)?;
    let ballots: Vec<(UserRow, String, Option<String>)> = room::ballots_of(conn, &vote.id)?
        .into_iter()
        .filter(|(u, _, _)| members.contains(&u.id))
        .collect();
    let specialties: Vec<Option<&str>> = ballots
        .iter()
        .map(|(u, _, _)| u.specialty.as_deref())
        .collect();
    let quorum = rule.evaluate(&specialties);
    let chosen: Vec<&str> = ballots.iter().map(|(_, o, _)| o.as_str()).collect();
    let tally = quorum::tally(&vote.options(), &chosen);
    let outcome = quorum::outcome(quorum.met, &tally);
    let dossier = super::dossiers::by_id(conn, &vote.dossier_id)?
        .ok_or_else(|| AppError::not_found("dossier"))?;
    let present: Vec<User> = room::participants(conn, &session.id)?
        .iter()
        .filter(|(u, role)| listed_in_decision(&u.id, *role, &dossier.referrer_id))
        .map(|(u, _)| User::from(u))
        .collect();

    let chain_seq = counters::next(conn, &format!("decisions-{}", board.id))?;
    let previous_hash = if chain_seq == 1 {
        GENESIS_HASH.to_string()
    } else {
        decisions::table
            .filter(decisions::board_id.eq(&board.id))
            .filter(decisions::chain_seq.eq(chain_seq - 1))
            .select(decisions::hash)
            .first::<String>(conn)?
    };
    let id = new_id();
    let decided_at = now();
    let mut body = json!({
        "id": id,
        "dossier_id": vote.dossier_id,
        "session_id": session.id,
        "vote_id": vote.id,
        "status": outcome.status(),
        "outcome": outcome.option(),
        "summary": summary,
        "proposal": vote.proposal,
        "tally": tally,
        "ballots": ballots.iter().map(|(u, option, comment)| json!({
            "voter": User::from(u),
            "option": option,
            "comment": comment,
        })).collect::<Vec<_>>(),
        "quorum": quorum,
        "present": present,
        "decided_at": format_time(decided_at),
        "decided_by": User::from(chair),
        "previous_hash": previous_hash,
    });
    let hash = record_hash(&body);
    body["hash"] = json!(hash);

    let committed = room::append_event(
        conn,
        &session.id,
        chair,
        EventKind::VoteClosed,
        Some(&vote.dossier_id),
        json!({ "vote_id": vote.id, "decision": body }),
    )?;
    room::mark_vote_closed(conn, &vote.id, committed.seq)?;
    diesel::insert_into(decisions::table)
        .values((
            decisions::id.eq(&id),
            decisions::board_id.eq(&board.id),
            decisions::dossier_id.eq(&vote.dossier_id),
            decisions::session_id.eq(&session.id),
            decisions::vote_id.eq(&vote.id),
            decisions::status.eq(outcome.status()),
            decisions::outcome.eq(outcome.option()),
            decisions::decided_at.eq(decided_at),
            decisions::decided_by.eq(&chair.id),
            decisions::chain_seq.eq(chain_seq),
            decisions::previous_hash.eq(&previous_hash),
            decisions::hash.eq(&hash),
            decisions::body.eq(body.to_string()),
        ))
        .execute(conn)?;

    match outcome {
        Outcome::Decided(_) => {
            let next = dossier
                .status()
                .apply(Transition::Decide)
                .map_err(|e| AppError::conflict(e.to_string()))?;
            super::dossiers::set_status(conn, &dossier, next)?;
        }
        Outcome::Tied | Outcome::NoQuorum => {
            dossier
                .status()
                .apply(Transition::Requeue)
                .map_err(|e| AppError::conflict(e.to_string()))?;
            sessions::unschedule(conn, &dossier, &session.id)?;
        }
    }
    audit::record(
        conn,
        Audit::new(&chair.id, "decision.create", "decision", &id).with_detail(json!({
            "dossier_id": vote.dossier_id,
            "vote_id": vote.id,
            "status": outcome.status(),
        })),
    )?;
    Ok(committed)
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

/// Whether `user` may see decisions on `dossier_id` of `board_id`: the board's members and
/// coordinators, admins, and the dossier's referrer.
pub fn may_see(
    conn: &mut DbConn,
    user: &UserRow,
    board_id: &str,
    dossier_id: &str,
) -> AppResult<bool> {
    if user.is_admin() || boards::role_of(conn, board_id, &user.id)?.is_some() {
        return Ok(true);
    }
    let referrer: Option<String> = dossiers::table
        .find(dossier_id)
        .select(dossiers::referrer_id)
        .first(conn)
        .optional()?;
    Ok(referrer.as_deref() == Some(user.id.as_str()))
}

/// A decision `user` may see, recording the read; 404 otherwise.
pub fn read(conn: &mut DbConn, user: &UserRow, id: &str) -> AppResult<DecisionRow> {
    let row = by_id(conn, id)?.ok_or_else(|| AppError::not_found("decision"))?;
    if !may_see(conn, user, &row.board_id, &row.dossier_id)? {
        return Err(AppError::not_found("decision"));
    }
    audit::record(conn, Audit::new(&user.id, "decision.read", "decision", id))?;
    Ok(row)
}

/// Filters of decision lists and exports.
#[derive(Debug, Clone, Default)]
pub struct DecisionFilter {
    pub board_id: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

/// The decisions `user` may see, newest first, at most `limit`.
pub fn list(
    conn: &mut DbConn,
    user: &UserRow,
    filter: &DecisionFilter,
    limit: i64,
) -> AppResult<Vec<DecisionRow>> {
    let mut query = decisions::table
        .select(DecisionRow::as_select())
        .into_boxed();
    if !user.is_admin() {
        let my_boards = board_members::table
            .filter(board_members::user_id.eq(user.id.clone()))
            .select(board_members::board_id);
        let my_dossiers = dossiers::table
            .filter(dossiers::referrer_id.eq(user.id.clone()))
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
    let rows = query
        .order((decisions::decided_at.desc(), decisions::id.desc()))
        .limit(limit)
        .load(conn)?;
    audit::record_list(
        conn,
        &user.id,
        "decision.list",
        "decision",
        rows.iter().map(|r| r.id.as_str()),
        json!({}),
    )?;
    Ok(rows)
}

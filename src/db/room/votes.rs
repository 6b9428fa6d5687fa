//! Votes and their ballots.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::super::users::UserRow;
use crate::db::schema::{ballots, users, votes};
use crate::db::{DbConn, now};
use crate::domain::room::{VoteDraft, VoteStatus};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = votes)]
pub struct VoteRow {
    pub id: String,
    pub session_id: String,
    pub dossier_id: String,
    pub proposal: String,
    pub options: String,
    pub status: String,
    pub opened_by: String,
    pub opened_at: NaiveDateTime,
    pub opened_seq: i64,
    pub closed_at: Option<NaiveDateTime>,
    pub closed_seq: Option<i64>,
}

impl VoteRow {
    pub fn options(&self) -> Vec<String> {
        serde_json::from_str(&self.options).unwrap_or_default()
    }

    pub fn is_open(&self) -> bool {
        self.status == VoteStatus::Open.as_str()
    }

    /// Whether the vote was open as of the event `upto` (a snapshot).
    pub fn open_as_of(&self, upto: i64) -> bool {
        self.closed_seq.is_none_or(|c| c > upto)
    }
}

/// A vote as opened.
pub struct NewVote<'a> {
    pub id: &'a str,
    pub session_id: &'a str,
    pub dossier_id: &'a str,
    pub draft: &'a VoteDraft,
    pub opened_by: &'a str,
    pub opened_at: NaiveDateTime,
    pub opened_seq: i64,
}

pub fn insert(conn: &mut DbConn, vote: &NewVote<'_>) -> AppResult<()> {
    diesel::insert_into(votes::table)
        .values((
            votes::id.eq(vote.id),
            votes::session_id.eq(vote.session_id),
            votes::dossier_id.eq(vote.dossier_id),
            votes::proposal.eq(&vote.draft.proposal),
            votes::options
                .eq(serde_json::to_string(&vote.draft.options).map_err(AppError::internal)?),
            votes::status.eq(VoteStatus::Open.as_str()),
            votes::opened_by.eq(vote.opened_by),
            votes::opened_at.eq(vote.opened_at),
            votes::opened_seq.eq(vote.opened_seq),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn by_id(conn: &mut DbConn, id: &str) -> AppResult<Option<VoteRow>> {
    Ok(votes::table
        .find(id)
        .select(VoteRow::as_select())
        .first(conn)
        .optional()?)
}

/// A vote of this session, if any.
pub fn in_session(
    conn: &mut DbConn,
    session_id: &str,
    vote_id: &str,
) -> AppResult<Option<VoteRow>> {
    Ok(by_id(conn, vote_id)?.filter(|v| v.session_id == session_id))
}

/// Records or replaces `voter_id`'s ballot; whether it replaced one.
pub fn put_ballot(
    conn: &mut DbConn,
    vote_id: &str,
    voter_id: &str,
    option: &str,
    comment: Option<&str>,
) -> AppResult<bool> {
    let replaced = diesel::update(ballots::table.find((vote_id, voter_id)))
        .set((
            ballots::option.eq(option),
            ballots::comment.eq(comment),
            ballots::cast_at.eq(now()),
        ))
        .execute(conn)?;
    if replaced == 0 {
        diesel::insert_into(ballots::table)
            .values((
                ballots::vote_id.eq(vote_id),
                ballots::voter_id.eq(voter_id),
                ballots::option.eq(option),
                ballots::comment.eq(comment),
                ballots::cast_at.eq(now()),
            ))
            .execute(conn)?;
    }
    Ok(replaced > 0)
}

pub fn ballot_count(conn: &mut DbConn, vote_id: &str) -> AppResult<i64> {
    Ok(ballots::table
        .filter(ballots::vote_id.eq(vote_id))
        .count()
        .get_result(conn)?)
}

/// The ballots of a vote with their voters, in the order they were first cast.
pub fn ballots_of(
    conn: &mut DbConn,
    vote_id: &str,
) -> AppResult<Vec<(UserRow, String, Option<String>)>> {
    Ok(ballots::table
        .inner_join(users::table)
        .filter(ballots::vote_id.eq(vote_id))
        .order((ballots::cast_at.asc(), ballots::voter_id.asc()))
        .select((UserRow::as_select(), ballots::option, ballots::comment))
        .load(conn)?)
}

/// Open votes of a session.
pub fn open_votes(conn: &mut DbConn, session_id: &str) -> AppResult<Vec<VoteRow>> {
    Ok(votes::table
        .filter(votes::session_id.eq(session_id))
        .filter(votes::status.eq(VoteStatus::Open.as_str()))
        .order(votes::opened_seq.asc())
        .select(VoteRow::as_select())
        .load(conn)?)
}

/// Marks a vote closed by the event `seq`.
pub fn mark_vote_closed(conn: &mut DbConn, vote_id: &str, seq: i64) -> AppResult<()> {
    let n = diesel::update(
        votes::table
            .find(vote_id)
            .filter(votes::status.eq(VoteStatus::Open.as_str())),
    )
    .set((
        votes::status.eq(VoteStatus::Closed.as_str()),
        votes::closed_at.eq(now()),
        votes::closed_seq.eq(seq),
    ))
    .execute(conn)?;
    if n == 1 {
        Ok(())
    } else {
        Err(AppError::conflict("this vote is closed"))
    }
}

/// The votes of a session open as of the event `upto` (a snapshot).
pub fn open_as_of(conn: &mut DbConn, session_id: &str, upto: i64) -> AppResult<Vec<VoteRow>> {
    Ok(votes::table
        .filter(votes::session_id.eq(session_id))
        .filter(votes::opened_seq.le(upto))
        .filter(votes::closed_seq.is_null().or(votes::closed_seq.gt(upto)))
        .order(votes::opened_seq.asc())
        .select(VoteRow::as_select())
        .load(conn)?)
}

//! Votes and decisions: the chair opens a vote on a scheduled dossier, members cast blind
//! ballots, closing the vote decides (`domain::decision`), writes the hash-chained Decision
//! and moves the dossier on.

use serde_json::json;

use super::room::{append, for_command};
use super::{Done, Event};
use crate::db::audit::{self, Audit};
use crate::db::decisions::{self, DecisionFilter, DecisionRow, NewDecision};
use crate::db::room::votes::{self, NewVote, VoteRow};
use crate::db::room::{Committed, presence};
use crate::db::sessions::{self, SessionRow};
use crate::db::users::UserRow;
use crate::db::{DbConn, boards, dossiers, new_id, now};
use crate::domain::access::DossierRelation;
use crate::domain::decision::{self, CastBallot};
use crate::domain::room::{self, VoteDraft};
use crate::domain::room_access;
use crate::domain::room_visibility::{EventKind, listed_in_decision};
use crate::error::{AppError, AppResult};
use crate::wire;

/// The chair opens a vote on a scheduled dossier of the agenda.
pub fn open(
    conn: &mut DbConn,
    session_id: &str,
    user: &UserRow,
    dossier_id: &str,
    draft: &VoteDraft,
) -> AppResult<Done<Option<i64>>> {
    let (session, role) = for_command(conn, session_id, user)?;
    room_access::may_focus(role, sessions::on_agenda(conn, session_id, dossier_id)?)?;
    let dossier =
        dossiers::by_id(conn, dossier_id)?.ok_or_else(|| AppError::not_found("dossier"))?;
    room_access::may_open_vote(
        role,
        true,
        dossier.status(),
        sessions::has_open_vote(conn, dossier_id)?,
    )?;
    let id = new_id();
    let opened_at = now();
    let mut vote = VoteRow {
        id: id.clone(),
        session_id: session_id.to_string(),
        dossier_id: dossier_id.to_string(),
        proposal: draft.proposal.clone(),
        options: serde_json::to_string(&draft.options).map_err(AppError::internal)?,
        status: room::VoteStatus::Open.as_str().to_string(),
        opened_by: user.id.clone(),
        opened_at,
        opened_seq: 0,
        closed_at: None,
        closed_seq: None,
    };
    let committed = append(
        conn,
        &session,
        user,
        EventKind::VoteOpened,
        Some(dossier_id),
        json!({ "vote": wire::vote_as_of(&vote, i64::MAX) }),
    )?;
    vote.opened_seq = committed.seq;
    votes::insert(
        conn,
        &NewVote {
            id: &id,
            session_id,
            dossier_id,
            draft,
            opened_by: &user.id,
            opened_at,
            opened_seq: committed.seq,
        },
    )?;
    audit::record(
        conn,
        Audit::new(&user.id, "vote.open", "vote", &id)
            .with_detail(json!({ "dossier_id": dossier_id, "session_id": session_id })),
    )?;
    Ok(Done::with(
        Some(committed.seq),
        vec![Event::RoomEvent(committed)],
    ))
}

fn vote_in_session(conn: &mut DbConn, session_id: &str, vote_id: &str) -> AppResult<VoteRow> {
    votes::in_session(conn, session_id, vote_id)?.ok_or_else(|| AppError::not_found("vote"))
}

/// A member casts or changes their ballot; the others learn only how many have voted.
pub fn cast(
    conn: &mut DbConn,
    session_id: &str,
    user: &UserRow,
    vote_id: &str,
    option: &str,
    comment: Option<&str>,
) -> AppResult<Done<Option<i64>>> {
    let comment = room::ballot_comment(comment)?;
    let (_, role) = for_command(conn, session_id, user)?;
    room_access::must_vote(role, room_access::VoterAct::Ballot)?;
    let vote = vote_in_session(conn, session_id, vote_id)?;
    room_access::may_cast(vote.is_open(), &vote.options(), option)?;
    let replaced = votes::put_ballot(conn, vote_id, &user.id, option, comment.as_deref())?;
    // The option is not recorded in the audit log: ballots stay blind until the vote closes.
    let action = if replaced {
        "ballot.change"
    } else {
        "ballot.cast"
    };
    audit::record(conn, Audit::new(&user.id, action, "vote", vote_id))?;
    let cast = votes::ballot_count(conn, vote_id)?;
    Ok(Done::with(
        None,
        vec![Event::BallotCast {
            session_id: session_id.to_string(),
            vote_id: vote_id.to_string(),
            cast,
        }],
    ))
}

/// The chair closes a vote: the `close_vote` room command.
pub fn close(
    conn: &mut DbConn,
    session_id: &str,
    chair: &UserRow,
    vote_id: &str,
    summary: &str,
) -> AppResult<Done<Option<i64>>> {
    let summary = room::summary(summary)?;
    let (session, role) = for_command(conn, session_id, chair)?;
    room_access::must_chair(role, room_access::ChairPlace::Room)?;
    let vote = vote_in_session(conn, session_id, vote_id)?;
    room_access::may_close_vote(role, vote.is_open())?;
    let (committed, events) = decide(conn, &session, &vote, chair, &summary)?;
    Ok(Done::with(Some(committed.seq), events))
}

/// Decides an open vote: the rule (`domain::decision::close_vote`), then the Decision written
/// and hash-chained, `vote_closed` in the room, and the dossier moved on (decided, or back to
/// `submitted` and off this agenda without quorum or tied).
pub fn decide(
    conn: &mut DbConn,
    session: &SessionRow,
    vote: &VoteRow,
    chair: &UserRow,
    summary: &str,
) -> AppResult<(Committed, Vec<Event>)> {
    let board = boards::get(conn, &session.board_id)?;
    let members = member_ids(conn, &board.id)?;
    let member_ids: Vec<&str> = members.iter().map(String::as_str).collect();
    let ballots = votes::ballots_of(conn, &vote.id)?;
    let cast = as_cast(&ballots);
    let dossier =
        dossiers::by_id(conn, &vote.dossier_id)?.ok_or_else(|| AppError::not_found("dossier"))?;
    let verdict = decision::close_vote(
        &board.quorum(),
        &vote.options(),
        &member_ids,
        &cast,
        dossier.status(),
    )
    .map_err(|e| AppError::conflict(e.to_string()))?;
    let participants = presence::participants(conn, &session.id)?;
    let present: Vec<&UserRow> = participants
        .iter()
        .filter(|(u, role)| listed_in_decision(&u.id, *role, &dossier.referrer_id))
        .map(|(u, _)| u)
        .collect();

    let (chain_seq, previous_hash) = decisions::next_link(conn, &board.id)?;
    let id = new_id();
    let decided_at = now();
    let status = verdict.outcome.status();
    let (body, hash) = wire::decision(&wire::DecisionFacts {
        id: &id,
        vote,
        status,
        outcome: verdict.outcome.option(),
        summary,
        tally: &verdict.tally,
        ballots: verdict.counted.iter().map(|&i| &ballots[i]).collect(),
        quorum: &verdict.quorum,
        present,
        decided_at,
        decided_by: chair,
        previous_hash: &previous_hash,
        key_images: super::review::key_images(conn, &session.id, &vote.dossier_id)?,
    });
    let committed = append(
        conn,
        session,
        chair,
        EventKind::VoteClosed,
        Some(&vote.dossier_id),
        json!({ "vote_id": vote.id, "decision": body }),
    )?;
    votes::mark_vote_closed(conn, &vote.id, committed.seq)?;
    decisions::insert(
        conn,
        &NewDecision {
            id: &id,
            board_id: &board.id,
            vote,
            status,
            outcome: verdict.outcome.option(),
            decided_at,
            decided_by: &chair.id,
            chain_seq,
            previous_hash: &previous_hash,
            hash: &hash,
            body: &body.to_string(),
        },
    )?;
    dossiers::set_status(conn, &dossier, verdict.dossier_status)?;
    if let Some(written) = decisions::by_id(conn, &id)? {
        super::follow_ups::schedule(conn, &written, &dossier.referrer_id)?;
    }
    let mut events = vec![
        Event::RoomEvent(committed.clone()),
        Event::DecisionRecorded {
            decision_id: id.clone(),
            board_id: board.id.clone(),
            dossier_id: vote.dossier_id.clone(),
            session_id: session.id.clone(),
            status: status.to_string(),
        },
    ];
    if verdict.requeued() {
        sessions::delete_agenda_item(conn, &session.id, &dossier.id)?;
        events.push(Event::DossierRequeued {
            dossier_id: dossier.id.clone(),
            session_id: session.id.clone(),
        });
    }
    audit::record(
        conn,
        Audit::new(&chair.id, "decision.create", "decision", &id).with_detail(json!({
            "dossier_id": vote.dossier_id,
            "vote_id": vote.id,
            "status": status,
        })),
    )?;
    Ok((committed, events))
}

/// A decision as one reader gets it: whether they read its named ballots (API.md section 16).
#[derive(Debug, Clone)]
pub struct DecisionSeen {
    pub row: DecisionRow,
    pub named_ballots: bool,
    /// The referrer's answer to its follow-up, once given.
    pub follow_up: Option<crate::domain::follow_up::FollowUpView>,
}

fn relation_to(conn: &mut DbConn, user: &UserRow, row: &DecisionRow) -> AppResult<DossierRelation> {
    let referrer = dossiers::by_id(conn, &row.dossier_id)?.map(|d| d.referrer_id);
    Ok(DossierRelation {
        is_referrer: referrer.as_deref() == Some(user.id.as_str()),
        board_role: boards::role_of(conn, &row.board_id, &user.id)?,
        is_admin: user.is_admin(),
    })
}

/// A decision `user` may see (the board's people, admins, the dossier's referrer), recording
/// the read; 404 otherwise.
pub fn read(conn: &mut DbConn, user: &UserRow, id: &str) -> AppResult<DecisionSeen> {
    let row = decisions::by_id(conn, id)?.ok_or_else(|| AppError::not_found("decision"))?;
    let relation = relation_to(conn, user, &row)?;
    if !relation.can_view() {
        return Err(AppError::not_found("decision"));
    }
    audit::record(conn, Audit::new(&user.id, "decision.read", "decision", id))?;
    let named_ballots = super::dossiers::named_ballots(conn, &relation, &row.board_id)?;
    let follow_up = super::follow_ups::shown(conn, &row.id)?;
    Ok(DecisionSeen {
        row,
        named_ballots,
        follow_up,
    })
}

/// The decisions `user` may see, newest first, at most `limit`; the read is recorded.
pub fn list(
    conn: &mut DbConn,
    user: &UserRow,
    filter: &DecisionFilter,
    limit: i64,
) -> AppResult<Vec<DecisionSeen>> {
    let visible_to = (!user.is_admin()).then_some(user.id.as_str());
    let rows = decisions::list(conn, visible_to, filter, limit)?;
    audit::record_list(
        conn,
        &user.id,
        "decision.list",
        "decision",
        rows.iter().map(|r| r.id.as_str()),
        json!({}),
    )?;
    rows.into_iter()
        .map(|row| {
            let relation = relation_to(conn, user, &row)?;
            let named_ballots = super::dossiers::named_ballots(conn, &relation, &row.board_id)?;
            let follow_up = super::follow_ups::shown(conn, &row.id)?;
            Ok(DecisionSeen {
                row,
                named_ballots,
                follow_up,
            })
        })
        .collect()
}

/// Where an open vote stands for one reader of the room (API.md section 16): how many ballots,
/// who would count and the quorum as if the vote closed now, and the reader's own ballot.
#[derive(Debug, Clone)]
pub struct VoteStanding {
    pub vote_id: String,
    pub dossier_id: String,
    pub cast: i64,
    pub standing: decision::Standing,
    /// The reader's own ballot (option, comment), never anyone else's.
    pub mine: Option<(String, Option<String>)>,
}

/// The standing of each vote in `open` (votes of one board's session), for `reader`.
pub fn standings(
    conn: &mut DbConn,
    board_id: &str,
    open: &[VoteRow],
    reader: Option<&str>,
) -> AppResult<Vec<VoteStanding>> {
    if open.is_empty() {
        return Ok(Vec::new());
    }
    let rule = boards::get(conn, board_id)?.quorum();
    let members = member_ids(conn, board_id)?;
    let member_ids: Vec<&str> = members.iter().map(String::as_str).collect();
    open.iter()
        .map(|vote| {
            let ballots = votes::ballots_of(conn, &vote.id)?;
            let cast = as_cast(&ballots);
            let mine = ballots
                .iter()
                .find(|(u, _, _)| Some(u.id.as_str()) == reader)
                .map(|(_, option, comment)| (option.clone(), comment.clone()));
            Ok(VoteStanding {
                vote_id: vote.id.clone(),
                dossier_id: vote.dossier_id.clone(),
                cast: i64::try_from(ballots.len()).unwrap_or(i64::MAX),
                standing: decision::standing(&rule, &member_ids, &cast),
                mine,
            })
        })
        .collect()
}

/// The standing of one vote (the room's `tally`; a ballot's note may arrive just after the
/// vote closed, and still counts); `None` for an unknown vote.
pub fn standing_of(conn: &mut DbConn, vote_id: &str) -> AppResult<Option<VoteStanding>> {
    let Some(vote) = votes::by_id(conn, vote_id)? else {
        return Ok(None);
    };
    let board_id = sessions::get_record(conn, &vote.session_id)?.row.board_id;
    Ok(standings(conn, &board_id, std::slice::from_ref(&vote), None)?.pop())
}

/// The ids of a board's people (whose ballots count).
fn member_ids(conn: &mut DbConn, board_id: &str) -> AppResult<Vec<String>> {
    Ok(boards::members(conn, board_id)?
        .into_iter()
        .map(|(u, _)| u.id)
        .collect())
}

/// Ballots as the decision rule reads them.
fn as_cast(ballots: &[(UserRow, String, Option<String>)]) -> Vec<CastBallot<'_>> {
    ballots
        .iter()
        .map(|(u, option, _)| CastBallot {
            voter_id: &u.id,
            specialty: u.specialty.as_deref(),
            option,
        })
        .collect()
}

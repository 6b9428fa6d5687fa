//! The live room's durable side: the event log with its gap-free `seq`, votes and ballots,
//! request ids, and who is present (shared by every instance).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{Map, Value, json};

use super::audit::{self, Audit};
use super::schema::{
    ballots, instances, room_events, room_presence, room_requests, sessions as sessions_t, users,
    votes,
};
use super::sessions::{self, SessionRecord, SessionRow};
use super::users::UserRow;
use super::{DbConn, dossiers, new_id, now};
use crate::api::User;
use crate::domain::audit::format_time;
use crate::domain::dossier::DossierStatus;
use crate::domain::room::{self, RoomRole, SessionStatus, VoteDraft, VoteStatus};
use crate::domain::room_visibility::EventKind;
use crate::error::{AppError, AppResult};

/// A durable event, committed: its `seq`, what it is about and the exact text sent to those
/// who see the whole room.
#[derive(Debug, Clone)]
pub struct Committed {
    pub session_id: String,
    pub seq: i64,
    pub kind: String,
    /// The dossier the event is about, if any: the one a focus or a vote names; for a chat
    /// line, the one in focus when it was written (`Viewer::chat_about`). Stored with the
    /// event so that each viewer is shown only what they may see (`domain::room_visibility`).
    pub dossier_id: Option<String>,
    pub author_id: String,
    pub payload: String,
}

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

    /// The contract's `Vote`, with the status it had as of `upto` (a snapshot).
    pub fn json_as_of(&self, upto: i64) -> Value {
        let open = self.closed_seq.is_none_or(|c| c > upto);
        json!({
            "id": self.id,
            "dossier_id": self.dossier_id,
            "proposal": self.proposal,
            "options": self.options(),
            "status": if open { "open" } else { "closed" },
            "opened_at": format_time(self.opened_at),
        })
    }

    pub fn json(&self) -> Value {
        self.json_as_of(i64::MAX)
    }
}

/// Announces, once the transaction commits, that a user's board roles changed: every instance
/// re-checks that user's room connections (`live::hub::Note::AccessChanged`).
pub fn announce_access_change(conn: &mut DbConn, user_id: &str) -> AppResult<()> {
    super::notify(conn, &format!("a:{user_id}"))
}

/// Appends an event to the session's log. The counter row update takes the session's row lock,
/// so concurrent events commit one after the other and `seq` grows by exactly 1.
pub fn append_event(
    conn: &mut DbConn,
    session_id: &str,
    author: &UserRow,
    kind: EventKind,
    about: Option<&str>,
    fields: Value,
) -> AppResult<Committed> {
    let bumped = diesel::update(sessions_t::table.find(session_id))
        .set(sessions_t::last_seq.eq(sessions_t::last_seq + 1))
        .execute(conn)?;
    if bumped != 1 {
        return Err(AppError::not_found("session"));
    }
    diesel::update(
        sessions_t::table
            .find(session_id)
            .filter(sessions_t::status.eq(SessionStatus::Planned.as_str())),
    )
    .set(sessions_t::status.eq(SessionStatus::Live.as_str()))
    .execute(conn)?;
    let seq: i64 = sessions_t::table
        .find(session_id)
        .select(sessions_t::last_seq)
        .first(conn)?;
    let dossier_id = about.map(str::to_string);
    let kind = kind.as_str();
    let at = now();
    let mut event = Map::new();
    event.insert("type".into(), json!(kind));
    event.insert("seq".into(), json!(seq));
    event.insert("at".into(), json!(format_time(at)));
    event.insert(
        "by".into(),
        serde_json::to_value(User::from(author)).map_err(AppError::internal)?,
    );
    if let Value::Object(extra) = fields {
        event.extend(extra);
    }
    let payload = Value::Object(event).to_string();
    diesel::insert_into(room_events::table)
        .values((
            room_events::session_id.eq(session_id),
            room_events::seq.eq(seq),
            room_events::kind.eq(kind),
            room_events::author_id.eq(&author.id),
            room_events::at.eq(at),
            room_events::payload.eq(&payload),
            room_events::dossier_id.eq(&dossier_id),
        ))
        .execute(conn)?;
    super::notify(conn, &format!("e:{session_id}:{seq}"))?;
    Ok(Committed {
        session_id: session_id.to_string(),
        seq,
        kind: kind.to_string(),
        dossier_id,
        author_id: author.id.clone(),
        payload,
    })
}

/// The dossier in focus as of the event `upto` (before it, when `upto` is not a focus).
pub fn focused_dossier(
    conn: &mut DbConn,
    session_id: &str,
    upto: i64,
) -> AppResult<Option<String>> {
    Ok(room_events::table
        .filter(room_events::session_id.eq(session_id))
        .filter(room_events::kind.eq(EventKind::Focus.as_str()))
        .filter(room_events::seq.le(upto))
        .order(room_events::seq.desc())
        .select(room_events::dossier_id)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// The last committed `seq` of a session.
pub fn last_seq(conn: &mut DbConn, session_id: &str) -> AppResult<i64> {
    Ok(sessions_t::table
        .find(session_id)
        .select(sessions_t::last_seq)
        .first(conn)?)
}

/// Events with `after < seq <= upto`, oldest first, at most `limit`.
pub fn events_between(
    conn: &mut DbConn,
    session_id: &str,
    after: i64,
    upto: i64,
    limit: i64,
) -> AppResult<Vec<Committed>> {
    let rows: Vec<(i64, String, Option<String>, String, String)> = room_events::table
        .filter(room_events::session_id.eq(session_id))
        .filter(room_events::seq.gt(after))
        .filter(room_events::seq.le(upto))
        .order(room_events::seq.asc())
        .limit(limit)
        .select((
            room_events::seq,
            room_events::kind,
            room_events::dossier_id,
            room_events::author_id,
            room_events::payload,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(seq, kind, dossier_id, author_id, payload)| Committed {
            session_id: session_id.to_string(),
            seq,
            kind,
            dossier_id,
            author_id,
            payload,
        })
        .collect())
}

/// The session and the caller's role for a room command: the role is checked again for every
/// command (a member removed from the board stops voting at once), and a closed session takes
/// no more writes.
pub fn session_for_command(
    conn: &mut DbConn,
    session_id: &str,
    user: &UserRow,
) -> AppResult<(SessionRow, RoomRole)> {
    let session =
        sessions::by_id(conn, session_id)?.ok_or_else(|| AppError::not_found("session"))?;
    let role = sessions::room_role(conn, &session, user)?
        .ok_or_else(|| AppError::forbidden("you no longer take part in this session"))?;
    if session.is_closed() {
        return Err(AppError::conflict("the session is closed"));
    }
    Ok((session, role))
}

fn require_chair(role: RoomRole) -> AppResult<()> {
    if role.can_chair() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "only the chair (a coordinator of the board) may do this",
        ))
    }
}

pub fn chat(
    conn: &mut DbConn,
    session_id: &str,
    user: &UserRow,
    text: &str,
) -> AppResult<Committed> {
    let text = room::chat_text(text)?;
    let (session, role) = session_for_command(conn, session_id, user)?;
    // The focus is read under the session's row lock (which appending takes too), so that it
    // is still the focus when the line commits.
    diesel::update(sessions_t::table.find(session_id))
        .set(sessions_t::last_seq.eq(sessions_t::last_seq))
        .execute(conn)?;
    let focused = focused_dossier(conn, session_id, i64::MAX)?;
    let about = sessions::viewer(conn, &session, user, role)?.chat_about(focused.as_deref());
    append_event(
        conn,
        session_id,
        user,
        EventKind::Chat,
        about.as_deref(),
        json!({ "text": text }),
    )
}

pub fn focus(
    conn: &mut DbConn,
    session_id: &str,
    user: &UserRow,
    dossier_id: &str,
) -> AppResult<Committed> {
    let (_, role) = session_for_command(conn, session_id, user)?;
    require_chair(role)?;
    if !sessions::on_agenda(conn, session_id, dossier_id)? {
        return Err(AppError::not_found("dossier on this session's agenda"));
    }
    append_event(
        conn,
        session_id,
        user,
        EventKind::Focus,
        Some(dossier_id),
        json!({ "dossier_id": dossier_id }),
    )
}

pub fn open_vote(
    conn: &mut DbConn,
    session_id: &str,
    user: &UserRow,
    dossier_id: &str,
    draft: &VoteDraft,
) -> AppResult<Committed> {
    let (_, role) = session_for_command(conn, session_id, user)?;
    require_chair(role)?;
    if !sessions::on_agenda(conn, session_id, dossier_id)? {
        return Err(AppError::not_found("dossier on this session's agenda"));
    }
    let dossier =
        dossiers::by_id(conn, dossier_id)?.ok_or_else(|| AppError::not_found("dossier"))?;
    if dossier.status() != DossierStatus::Scheduled {
        return Err(AppError::conflict(format!(
            "a vote can only be opened on a scheduled dossier; this one is {}",
            dossier.status
        )));
    }
    if sessions::has_open_vote(conn, dossier_id)? {
        return Err(AppError::conflict("a vote is already open on this dossier"));
    }
    let id = new_id();
    let opened_at = now();
    let vote_json = json!({
        "id": id,
        "dossier_id": dossier_id,
        "proposal": draft.proposal,
        "options": draft.options,
        "status": "open",
        "opened_at": format_time(opened_at),
    });
    let committed = append_event(
        conn,
        session_id,
        user,
        EventKind::VoteOpened,
        Some(dossier_id),
        json!({ "vote": vote_json }),
    )?;
    diesel::insert_into(votes::table)
        .values((
            votes::id.eq(&id),
            votes::session_id.eq(session_id),
            votes::dossier_id.eq(dossier_id),
            votes::proposal.eq(&draft.proposal),
            votes::options.eq(serde_json::to_string(&draft.options).map_err(AppError::internal)?),
            votes::status.eq(VoteStatus::Open.as_str()),
            votes::opened_by.eq(&user.id),
            votes::opened_at.eq(opened_at),
            votes::opened_seq.eq(committed.seq),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        Audit::new(&user.id, "vote.open", "vote", &id)
            .with_detail(json!({ "dossier_id": dossier_id, "session_id": session_id })),
    )?;
    Ok(committed)
}

pub fn vote_by_id(conn: &mut DbConn, id: &str) -> AppResult<Option<VoteRow>> {
    Ok(votes::table
        .find(id)
        .select(VoteRow::as_select())
        .first(conn)
        .optional()?)
}

/// A vote of this session, or 404.
pub fn vote_in_session(conn: &mut DbConn, session_id: &str, vote_id: &str) -> AppResult<VoteRow> {
    vote_by_id(conn, vote_id)?
        .filter(|v| v.session_id == session_id)
        .ok_or_else(|| AppError::not_found("vote"))
}

/// Records or replaces the caller's ballot; returns how many have voted.
pub fn cast(
    conn: &mut DbConn,
    session_id: &str,
    user: &UserRow,
    vote_id: &str,
    option: &str,
    comment: Option<&str>,
) -> AppResult<i64> {
    let comment = room::ballot_comment(comment)?;
    let (_, role) = session_for_command(conn, session_id, user)?;
    if !role.can_vote() {
        return Err(AppError::forbidden(
            "only members and coordinators of the board vote",
        ));
    }
    let vote = vote_in_session(conn, session_id, vote_id)?;
    if !vote.is_open() {
        return Err(AppError::conflict("this vote is closed"));
    }
    if !vote.options().iter().any(|o| o == option) {
        return Err(AppError::invalid("option", "not one of the vote's options"));
    }
    let replaced = diesel::update(ballots::table.find((vote_id, &user.id)))
        .set((
            ballots::option.eq(option),
            ballots::comment.eq(&comment),
            ballots::cast_at.eq(now()),
        ))
        .execute(conn)?;
    if replaced == 0 {
        diesel::insert_into(ballots::table)
            .values((
                ballots::vote_id.eq(vote_id),
                ballots::voter_id.eq(&user.id),
                ballots::option.eq(option),
                ballots::comment.eq(&comment),
                ballots::cast_at.eq(now()),
            ))
            .execute(conn)?;
    }
    // The option is not recorded in the audit log: ballots stay blind until the vote closes.
    audit::record(
        conn,
        Audit::new(
            &user.id,
            if replaced == 0 {
                "ballot.cast"
            } else {
                "ballot.change"
            },
            "vote",
            vote_id,
        ),
    )?;
    super::notify(conn, &format!("t:{session_id}:{vote_id}"))?;
    ballot_count(conn, vote_id)
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

// --- Idempotency ---------------------------------------------------------------------------

/// Claims `request_id` for this user and session. `Some(seq)` means it was seen before (the
/// command is not applied again); `None` means the caller goes on and then calls
/// [`finish_request`]. A concurrent duplicate waits for the first to commit, then sees it.
pub fn begin_request(
    conn: &mut DbConn,
    session_id: &str,
    user_id: &str,
    request_id: &str,
) -> AppResult<Option<Option<i64>>> {
    let claim = conn.transaction(|conn| {
        diesel::insert_into(room_requests::table)
            .values((
                room_requests::session_id.eq(session_id),
                room_requests::user_id.eq(user_id),
                room_requests::request_id.eq(request_id),
                room_requests::created_at.eq(now()),
            ))
            .execute(conn)
    });
    match claim {
        Ok(_) => Ok(None),
        Err(e) if super::is_unique_violation(&e) => {
            let seq: Option<i64> = room_requests::table
                .find((session_id, user_id, request_id))
                .select(room_requests::seq)
                .first(conn)?;
            Ok(Some(seq))
        }
        Err(e) => Err(e.into()),
    }
}

pub fn finish_request(
    conn: &mut DbConn,
    session_id: &str,
    user_id: &str,
    request_id: &str,
    seq: Option<i64>,
) -> AppResult<()> {
    diesel::update(room_requests::table.find((session_id, user_id, request_id)))
        .set(room_requests::seq.eq(seq))
        .execute(conn)?;
    Ok(())
}

// --- Presence ------------------------------------------------------------------------------

/// An instance whose heartbeat is older than this is considered gone.
pub const INSTANCE_TIMEOUT_SECS: i64 = 45;

pub fn register_instance(conn: &mut DbConn, instance_id: &str) -> AppResult<()> {
    if matches!(conn, DbConn::Sqlite(_)) {
        // SQLite serves one instance: whoever was present before this start is gone.
        diesel::delete(room_presence::table).execute(conn)?;
        diesel::delete(instances::table).execute(conn)?;
    }
    let at = now();
    diesel::insert_into(instances::table)
        .values((
            instances::id.eq(instance_id),
            instances::started_at.eq(at),
            instances::heartbeat_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn heartbeat(conn: &mut DbConn, instance_id: &str) -> AppResult<()> {
    let n = diesel::update(instances::table.find(instance_id))
        .set(instances::heartbeat_at.eq(now()))
        .execute(conn)?;
    if n == 0 {
        register_instance(conn, instance_id)?;
    }
    Ok(())
}

/// Forgets instances that stopped beating and their connections; returns the sessions whose
/// presence changed, after announcing them.
pub fn reap_instances(conn: &mut DbConn) -> AppResult<Vec<String>> {
    let horizon = now() - chrono::Duration::seconds(INSTANCE_TIMEOUT_SECS);
    let dead: Vec<String> = instances::table
        .filter(instances::heartbeat_at.lt(horizon))
        .select(instances::id)
        .load(conn)?;
    let orphaned = room_presence::table
        .left_join(instances::table)
        .filter(
            instances::id
                .is_null()
                .or(instances::heartbeat_at.lt(horizon)),
        )
        .select(room_presence::session_id)
        .distinct()
        .load::<String>(conn)?;
    if !orphaned.is_empty() {
        let live = instances::table
            .filter(instances::heartbeat_at.ge(horizon))
            .select(instances::id);
        diesel::delete(room_presence::table.filter(room_presence::instance_id.ne_all(live)))
            .execute(conn)?;
    }
    if !dead.is_empty() {
        diesel::delete(instances::table.filter(instances::id.eq_any(&dead))).execute(conn)?;
    }
    for session_id in &orphaned {
        super::notify(conn, &format!("p:{session_id}"))?;
    }
    Ok(orphaned)
}

/// Removes an instance and its connections (graceful shutdown).
pub fn unregister_instance(conn: &mut DbConn, instance_id: &str) -> AppResult<Vec<String>> {
    let sessions_left: Vec<String> = room_presence::table
        .filter(room_presence::instance_id.eq(instance_id))
        .select(room_presence::session_id)
        .distinct()
        .load(conn)?;
    diesel::delete(room_presence::table.filter(room_presence::instance_id.eq(instance_id)))
        .execute(conn)?;
    diesel::delete(instances::table.find(instance_id)).execute(conn)?;
    for session_id in &sessions_left {
        super::notify(conn, &format!("p:{session_id}"))?;
    }
    Ok(sessions_left)
}

pub fn join(
    conn: &mut DbConn,
    connection_id: &str,
    session_id: &str,
    user_id: &str,
    role: RoomRole,
    instance_id: &str,
) -> AppResult<()> {
    diesel::insert_into(room_presence::table)
        .values((
            room_presence::connection_id.eq(connection_id),
            room_presence::session_id.eq(session_id),
            room_presence::user_id.eq(user_id),
            room_presence::role.eq(role.as_str()),
            room_presence::instance_id.eq(instance_id),
            room_presence::joined_at.eq(now()),
        ))
        .execute(conn)?;
    super::notify(conn, &format!("p:{session_id}"))
}

pub fn leave(conn: &mut DbConn, connection_id: &str, session_id: &str) -> AppResult<()> {
    diesel::delete(room_presence::table.find(connection_id)).execute(conn)?;
    super::notify(conn, &format!("p:{session_id}"))
}

/// Who is in the room now, once each, in order of arrival.
pub fn participants(conn: &mut DbConn, session_id: &str) -> AppResult<Vec<(UserRow, RoomRole)>> {
    let horizon = now() - chrono::Duration::seconds(INSTANCE_TIMEOUT_SECS);
    let rows: Vec<(UserRow, String)> = room_presence::table
        .inner_join(users::table)
        .inner_join(instances::table)
        .filter(room_presence::session_id.eq(session_id))
        .filter(instances::heartbeat_at.ge(horizon))
        .order((
            room_presence::joined_at.asc(),
            room_presence::connection_id.asc(),
        ))
        .select((UserRow::as_select(), room_presence::role))
        .load(conn)?;
    let mut seen = std::collections::HashSet::new();
    Ok(rows
        .into_iter()
        .filter(|(u, _)| seen.insert(u.id.clone()))
        .filter_map(|(u, r)| r.parse().ok().map(|r| (u, r)))
        .collect())
}

pub fn participants_json<'a>(
    participants: impl IntoIterator<Item = &'a (UserRow, RoomRole)>,
) -> Value {
    Value::Array(
        participants
            .into_iter()
            .map(|(u, r)| json!({ "user": User::from(u), "role": r }))
            .collect(),
    )
}

// --- Snapshot ------------------------------------------------------------------------------

/// What a joining client needs, as of the event `upto`.
pub struct Snapshot {
    pub session: SessionRecord,
    pub participants: Vec<(UserRow, RoomRole)>,
    pub current_dossier_id: Option<String>,
    /// The votes open as of `upto` (show them with [`VoteRow::json_as_of`]).
    pub open_votes: Vec<VoteRow>,
}

pub fn snapshot(conn: &mut DbConn, session_id: &str, upto: i64) -> AppResult<Snapshot> {
    let row = sessions::by_id(conn, session_id)?.ok_or_else(|| AppError::not_found("session"))?;
    let session = sessions::record(conn, row)?;
    let current_dossier_id = focused_dossier(conn, session_id, upto)?;
    let open_votes = votes::table
        .filter(votes::session_id.eq(session_id))
        .filter(votes::opened_seq.le(upto))
        .filter(votes::closed_seq.is_null().or(votes::closed_seq.gt(upto)))
        .order(votes::opened_seq.asc())
        .select(VoteRow::as_select())
        .load(conn)?;
    Ok(Snapshot {
        session,
        participants: participants(conn, session_id)?,
        current_dossier_id,
        open_votes,
    })
}

//! The JSON of the live room as the contract shows it (API.md section 7): the text of each
//! durable event, votes, who is present, and a Decision's published body. Composed here,
//! beside `live::protocol` (which reads frames and writes the other messages), so that neither
//! `db/` nor the use cases know the public shapes; the decision's hash over its canonical form
//! is `domain::canonical`.

use chrono::NaiveDateTime;
use serde_json::{Map, Value, json};

use crate::api::User;
use crate::db::room::VoteRow;
use crate::db::users::UserRow;
use crate::domain::audit::format_time;
use crate::domain::canonical::record_hash;
use crate::domain::quorum::QuorumResult;
use crate::domain::room::RoomRole;
use crate::domain::room_visibility::EventKind;
use crate::error::{AppError, AppResult};

/// The text of a room event: `type`, `seq`, `at`, `by`, then the kind's own fields.
pub fn event(
    kind: EventKind,
    seq: i64,
    at: NaiveDateTime,
    author: &UserRow,
    fields: Value,
) -> AppResult<String> {
    let mut event = Map::new();
    event.insert("type".into(), json!(kind.as_str()));
    event.insert("seq".into(), json!(seq));
    event.insert("at".into(), json!(format_time(at)));
    event.insert(
        "by".into(),
        serde_json::to_value(User::from(author)).map_err(AppError::internal)?,
    );
    if let Value::Object(extra) = fields {
        event.extend(extra);
    }
    Ok(Value::Object(event).to_string())
}

/// The contract's `Vote`, with the status it had as of the event `upto` (a snapshot).
pub fn vote_as_of(vote: &VoteRow, upto: i64) -> Value {
    json!({
        "id": vote.id,
        "dossier_id": vote.dossier_id,
        "proposal": vote.proposal,
        "options": vote.options(),
        "status": if vote.open_as_of(upto) { "open" } else { "closed" },
        "opened_at": format_time(vote.opened_at),
    })
}

/// Who is in the room, as `welcome` and `presence` show it.
pub fn participants<'a>(people: impl IntoIterator<Item = &'a (UserRow, RoomRole)>) -> Value {
    Value::Array(
        people
            .into_iter()
            .map(|(u, r)| json!({ "user": User::from(u), "role": r }))
            .collect(),
    )
}

/// What a Decision records, before it is hashed.
pub struct DecisionFacts<'a> {
    pub id: &'a str,
    pub vote: &'a VoteRow,
    pub status: &'a str,
    pub outcome: Option<&'a str>,
    pub summary: &'a str,
    pub tally: &'a std::collections::BTreeMap<String, u32>,
    /// The ballots that count, with their voters.
    pub ballots: Vec<&'a (UserRow, String, Option<String>)>,
    pub quorum: &'a QuorumResult,
    pub present: Vec<&'a UserRow>,
    pub decided_at: NaiveDateTime,
    pub decided_by: &'a UserRow,
    pub previous_hash: &'a str,
    /// The key images marked on the dossier in the session, in `seq` order.
    pub key_images: Vec<Value>,
}

/// The Decision as published: its fields, then `hash` over the canonical form of the rest.
/// Returns the body and its hash.
pub fn decision(facts: &DecisionFacts<'_>) -> (Value, String) {
    let mut body = json!({
        "id": facts.id,
        "dossier_id": facts.vote.dossier_id,
        "session_id": facts.vote.session_id,
        "vote_id": facts.vote.id,
        "status": facts.status,
        "outcome": facts.outcome,
        "summary": facts.summary,
        "proposal": facts.vote.proposal,
        "tally": facts.tally,
        "ballots": facts.ballots.iter().map(|(u, option, comment)| json!({
            "voter": User::from(u),
            "option": option,
            "comment": comment,
        })).collect::<Vec<_>>(),
        "quorum": facts.quorum,
        "present": facts.present.iter().map(|u| User::from(*u)).collect::<Vec<_>>(),
        "decided_at": format_time(facts.decided_at),
        "decided_by": User::from(facts.decided_by),
        "previous_hash": facts.previous_hash,
        "key_images": facts.key_images,
    });
    let hash = record_hash(&body);
    body["hash"] = json!(hash);
    (body, hash)
}

//! The `welcome` a joining connection gets (API.md sections 9, 11 and 16): the room as of the
//! event `upto`, as the joiner's viewer may see it.

use serde_json::{Value, json};

use super::view::Relayed;
use crate::api::{Session, User};
use crate::db::users::UserRow;
use crate::domain::room::RoomRole;
use crate::domain::room_access::RoomCan;
use crate::domain::room_visibility::Viewer;
use crate::usecase::room::Snapshot;
use crate::usecase::sessions::SessionView;
use crate::wire;

pub fn welcome(
    snapshot: Snapshot,
    upto: i64,
    user: &UserRow,
    viewer: &Viewer,
    (role, can): (RoomRole, RoomCan),
    latest_view: Option<Relayed>,
) -> Value {
    let participants = snapshot
        .participants
        .iter()
        .filter(|(u, r)| viewer.sees_participant(&u.id, *r));
    let open_votes: Vec<Value> = snapshot
        .open_votes
        .iter()
        .filter(|v| viewer.sees_dossier(&v.dossier_id))
        .map(|v| wire::vote_as_of(v, upto))
        .collect();
    // The latest view relayed in the room, if the viewer sees its dossier.
    let shown: Option<Value> = latest_view
        .filter(|v| viewer.sees_dossier(&v.dossier_id))
        .and_then(|v| serde_json::from_str(&v.text).ok());
    // How many have voted on each open vote the joiner sees, who, and the quorum so far; the
    // joiner's own ballots (never anyone else's).
    let standings: Vec<_> = snapshot
        .standings
        .iter()
        .filter(|s| viewer.sees_dossier(&s.dossier_id))
        .collect();
    let tallies: serde_json::Map<String, Value> = standings
        .iter()
        .map(|s| (s.vote_id.clone(), json!(s.cast)))
        .collect();
    let standing: serde_json::Map<String, Value> = standings
        .iter()
        .map(|s| (s.vote_id.clone(), json!(s.standing)))
        .collect();
    let my_ballots: Vec<Value> = standings
        .iter()
        .filter_map(|s| {
            s.mine.as_ref().map(|(option, comment)| {
                json!({"vote_id": s.vote_id, "option": option, "comment": comment})
            })
        })
        .collect();
    let view = SessionView::of(snapshot.session, viewer, role);
    json!({
        "type": "welcome",
        "seq": upto,
        "session": Session::of(view.record, view.can),
        "you": User::from(user),
        "can": can,
        "presenter_id": snapshot.presenter_id,
        "view": shown,
        "participants": wire::participants(participants),
        "current_dossier_id": snapshot.current_dossier_id.filter(|d| viewer.sees_dossier(d)),
        "open_votes": open_votes,
        "tallies": tallies,
        "standings": standing,
        "my_ballots": my_ballots,
    })
}

//! The `presence` message of a room: what each audience (those who see the whole room, or one
//! referrer) may see of who is present, sent again only when that changed for them.

use std::collections::HashMap;
use std::time::Duration;

use bytestring::ByteString;

use super::protocol;
use crate::db::users::UserRow;
use crate::domain::room::RoomRole;
use crate::domain::room_visibility::Viewer;

/// How long a room gathers presence changes before reading who is present (joins come in
/// bursts: a room of 20 opening together reads once or twice, not 20 times).
pub const COALESCE: Duration = Duration::from_millis(50);

/// The participants last sent to each audience (`None`: those who see the whole room;
/// `Some(user)`: that referrer).
pub type Sent = HashMap<Option<String>, Vec<(String, &'static str)>>;

/// For the viewers in the room: what each audience now sees, and the texts of the audiences for
/// which that changed since `before`.
pub fn texts<'a>(
    viewers: impl Iterator<Item = &'a Viewer>,
    participants: &[(UserRow, RoomRole)],
    before: &Sent,
) -> (Sent, HashMap<Option<String>, ByteString>) {
    let mut audiences: HashMap<Option<String>, &Viewer> = HashMap::new();
    for viewer in viewers {
        audiences
            .entry(viewer.referrer_id().map(str::to_string))
            .or_insert(viewer);
    }
    let mut sent = HashMap::new();
    let mut texts = HashMap::new();
    for (audience, viewer) in audiences {
        let visible: Vec<_> = participants
            .iter()
            .filter(|(u, role)| viewer.sees_participant(&u.id, *role))
            .collect();
        let mut key: Vec<(String, &'static str)> = visible
            .iter()
            .map(|(u, role)| (u.id.clone(), role.as_str()))
            .collect();
        key.sort();
        if before.get(&audience) != Some(&key) {
            let text = protocol::presence(crate::wire::participants(visible));
            texts.insert(audience.clone(), ByteString::from(text));
        }
        sent.insert(audience, key);
    }
    (sent, texts)
}

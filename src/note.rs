//! The one format of the notes that tell the rooms of every instance about a committed change
//! (`usecase::effects` sends them inside the committing transaction; `live::bus` reads them).

use crate::db::room::Committed;

/// The longest note sent: `pg_notify` takes at most 8000 bytes, the sender's name (at most 63)
/// and a space included.
pub const MAX_NOTE_BYTES: usize = 7900;

/// A note about a committed change, from this instance or another.
#[derive(Debug, Clone)]
pub enum Note {
    /// A durable event; the event itself when it was committed here.
    Event {
        session_id: String,
        seq: i64,
        event: Option<Committed>,
    },
    /// Someone cast a ballot (each room reads where the vote stands).
    Tally { session_id: String, vote_id: String },
    /// Someone joined or left.
    Presence { session_id: String },
    /// What the presenter shows (ephemeral: the note carries the relayed `view` itself, a few
    /// hundred bytes; only those who see `dossier_id` receive it).
    View {
        session_id: String,
        dossier_id: String,
        view: String,
    },
    /// An account was disabled: all its connections close.
    UserRevoked { user_id: String },
    /// A token was revoked (sign-out): the connections opened with it close.
    TokenRevoked { token_id: String },
    /// A user's board roles changed: their connections are re-checked, and those that may
    /// no longer see what they were admitted to close.
    AccessChanged { user_id: String },
    /// A notification was written for a user: their open pages update the inbox badge.
    Inbox { user_id: String },
}

impl Note {
    /// The note as sent to the other instances (`Note::parse` reads it back). A locally
    /// committed event travels as its id only: the other instances read it from the log.
    pub fn encode(&self) -> String {
        match self {
            Note::Event {
                session_id, seq, ..
            } => format!("e:{session_id}:{seq}"),
            Note::Tally {
                session_id,
                vote_id,
                ..
            } => format!("t:{session_id}:{vote_id}"),
            Note::Presence { session_id } => format!("p:{session_id}"),
            Note::View {
                session_id,
                dossier_id,
                view,
            } => format!("v:{session_id}:{dossier_id}:{view}"),
            Note::UserRevoked { user_id } => format!("u:{user_id}"),
            Note::TokenRevoked { token_id } => format!("k:{token_id}"),
            Note::AccessChanged { user_id } => format!("a:{user_id}"),
            Note::Inbox { user_id } => format!("n:{user_id}"),
        }
    }

    /// Parses a note (`e:SID:SEQ`, `t:SID:VOTE`, `p:SID`, `v:SID:DOSSIER:VIEW`, `u:USER`,
    /// `k:TOKEN`, `a:USER`, `n:USER`).
    pub fn parse(text: &str) -> Option<Note> {
        let mut parts = text.splitn(3, ':');
        let kind = parts.next()?;
        let first = parts.next()?.to_string();
        let rest = parts.next();
        match (kind, rest) {
            ("e", Some(seq)) => Some(Note::Event {
                session_id: first,
                seq: seq.parse().ok()?,
                event: None,
            }),
            ("t", Some(vote)) => Some(Note::Tally {
                session_id: first,
                vote_id: vote.to_string(),
            }),
            ("p", None) => Some(Note::Presence { session_id: first }),
            ("v", Some(rest)) => {
                let (dossier_id, view) = rest.split_once(':')?;
                Some(Note::View {
                    session_id: first,
                    dossier_id: dossier_id.to_string(),
                    view: view.to_string(),
                })
            }
            ("u", None) => Some(Note::UserRevoked { user_id: first }),
            ("k", None) => Some(Note::TokenRevoked { token_id: first }),
            ("a", None) => Some(Note::AccessChanged { user_id: first }),
            ("n", None) => Some(Note::Inbox { user_id: first }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_parse() {
        assert!(matches!(
            Note::parse("e:s1:42"),
            Some(Note::Event { seq: 42, .. })
        ));
        assert!(matches!(Note::parse("t:s1:v1"), Some(Note::Tally { .. })));
        assert!(matches!(Note::parse("p:s1"), Some(Note::Presence { .. })));
        assert!(matches!(
            Note::parse("u:u1"),
            Some(Note::UserRevoked { .. })
        ));
        assert!(matches!(
            Note::parse("a:u1"),
            Some(Note::AccessChanged { user_id }) if user_id == "u1"
        ));
        assert!(Note::parse("e:s1:x").is_none());
        assert!(Note::parse("x").is_none());
        assert!(Note::parse("p:s1:extra").is_none());
        assert!(matches!(
            Note::parse(r#"v:s1:d1:{"type":"view","center":[1,2]}"#),
            Some(Note::View { session_id, dossier_id, view })
                if session_id == "s1" && dossier_id == "d1" && view == r#"{"type":"view","center":[1,2]}"#
        ));
        assert!(Note::parse("v:s1").is_none());
        assert!(Note::parse("v:s1:d1").is_none());
    }

    #[test]
    fn notes_read_back_what_they_encode() {
        for text in [
            "e:s1:42",
            "t:s1:v1",
            "p:s1",
            r#"v:s1:d1:{"a":":"}"#,
            "u:u1",
            "k:t1",
            "a:u1",
            "n:u1",
        ] {
            assert_eq!(Note::parse(text).map(|n| n.encode()).as_deref(), Some(text));
        }
    }
}

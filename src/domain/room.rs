//! Meetings and their live rooms: who takes part in what role, and what a command may hold.

use super::board::BoardRole;
use super::{ValidationError, text};
use crate::string_enum;

string_enum! {
    /// A meeting is `live` from its first room event and `closed` for good when the coordinator
    /// closes it; a planned one may be `cancelled` instead.
    pub enum SessionStatus {
        Planned => "planned",
        Live => "live",
        Closed => "closed",
        Cancelled => "cancelled",
    }
}

impl SessionStatus {
    /// Closed or cancelled: the session takes no more writes.
    pub fn is_over(self) -> bool {
        matches!(self, SessionStatus::Closed | SessionStatus::Cancelled)
    }
}

string_enum! {
    pub enum VoteStatus { Open => "open", Closed => "closed" }
}

string_enum! {
    /// How someone takes part in a live room.
    pub enum RoomRole {
        Coordinator => "coordinator",
        Member => "member",
        Referrer => "referrer",
        Admin => "admin",
    }
}

impl RoomRole {
    /// Who may enter: board members and coordinators, referrers of a dossier on the agenda,
    /// administrators. A board role wins over the others (a coordinator who is also an admin
    /// chairs).
    pub fn of(
        board_role: Option<BoardRole>,
        refers_on_agenda: bool,
        is_admin: bool,
    ) -> Option<RoomRole> {
        match board_role {
            Some(BoardRole::Coordinator) => Some(RoomRole::Coordinator),
            Some(BoardRole::Member) => Some(RoomRole::Member),
            None if refers_on_agenda => Some(RoomRole::Referrer),
            None if is_admin => Some(RoomRole::Admin),
            None => None,
        }
    }

    /// Only members and coordinators vote.
    pub fn can_vote(self) -> bool {
        matches!(self, RoomRole::Coordinator | RoomRole::Member)
    }

    /// Only coordinators chair: focus, open and close votes.
    pub fn can_chair(self) -> bool {
        self == RoomRole::Coordinator
    }
}

pub const CHAT_MAX_CHARS: usize = 4000;
pub const PROPOSAL_MAX_CHARS: usize = 4000;
pub const OPTION_MAX_CHARS: usize = 200;
pub const MIN_OPTIONS: usize = 2;
pub const MAX_OPTIONS: usize = 10;
pub const COMMENT_MAX_CHARS: usize = 4000;
pub const SUMMARY_MAX_CHARS: usize = 10000;
pub const REQUEST_ID_MAX_CHARS: usize = 100;
pub const SESSION_TITLE_MAX_CHARS: usize = 200;
pub const VIDEO_URL_MAX_CHARS: usize = 2000;

/// A chat line: 1 to 4000 characters; line breaks allowed.
pub fn chat_text(raw: &str) -> Result<String, ValidationError> {
    text::bounded("text", raw, 1, CHAT_MAX_CHARS, true)
}

/// A proposal with 2 to 10 distinct, non-empty options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteDraft {
    pub proposal: String,
    pub options: Vec<String>,
}

impl VoteDraft {
    pub fn parse(proposal: &str, options: &[String]) -> Result<VoteDraft, ValidationError> {
        let proposal = text::bounded("proposal", proposal, 1, PROPOSAL_MAX_CHARS, true)?;
        if options.len() < MIN_OPTIONS || options.len() > MAX_OPTIONS {
            return Err(ValidationError::new(
                "options",
                format!("between {MIN_OPTIONS} and {MAX_OPTIONS} options are needed"),
            ));
        }
        let mut clean: Vec<String> = Vec::with_capacity(options.len());
        for (i, o) in options.iter().enumerate() {
            let field = format!("options[{i}]");
            let o = text::line(&field, o, OPTION_MAX_CHARS)?;
            if clean.contains(&o) {
                return Err(ValidationError::new(field, "options must be distinct"));
            }
            clean.push(o);
        }
        Ok(VoteDraft {
            proposal,
            options: clean,
        })
    }
}

/// A ballot's optional rationale.
pub fn ballot_comment(raw: Option<&str>) -> Result<Option<String>, ValidationError> {
    match raw {
        None => Ok(None),
        Some(c) => {
            let c = text::paragraph("comment", c, COMMENT_MAX_CHARS)?;
            Ok((!c.is_empty()).then_some(c))
        }
    }
}

/// The chair's summary when closing: the recommendation, 1 to 10,000 characters.
pub fn summary(raw: &str) -> Result<String, ValidationError> {
    text::bounded("summary", raw, 1, SUMMARY_MAX_CHARS, true)
}

/// A client's idempotency key.
pub fn request_id(raw: &str) -> Result<String, ValidationError> {
    text::line("request_id", raw, REQUEST_ID_MAX_CHARS)
}

/// A video link must be an absolute http(s) URL.
pub fn video_url(raw: Option<&str>) -> Result<Option<String>, ValidationError> {
    let Some(url) = text::optional_line("video_url", raw, VIDEO_URL_MAX_CHARS)? else {
        return Ok(None);
    };
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or_else(|| ValidationError::new("video_url", "must be an http or https URL"))?;
    if rest.is_empty() || rest.starts_with('/') || url.contains(char::is_whitespace) {
        return Err(ValidationError::new(
            "video_url",
            "must be an http or https URL",
        ));
    }
    Ok(Some(url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles() {
        assert_eq!(
            RoomRole::of(Some(BoardRole::Coordinator), true, true),
            Some(RoomRole::Coordinator)
        );
        assert_eq!(
            RoomRole::of(Some(BoardRole::Member), false, false),
            Some(RoomRole::Member)
        );
        assert_eq!(RoomRole::of(None, true, true), Some(RoomRole::Referrer));
        assert_eq!(RoomRole::of(None, false, true), Some(RoomRole::Admin));
        assert_eq!(RoomRole::of(None, false, false), None);
        assert!(RoomRole::Coordinator.can_vote() && RoomRole::Coordinator.can_chair());
        assert!(RoomRole::Member.can_vote() && !RoomRole::Member.can_chair());
        assert!(!RoomRole::Referrer.can_vote() && !RoomRole::Referrer.can_chair());
        assert!(!RoomRole::Admin.can_vote() && !RoomRole::Admin.can_chair());
    }

    fn opts(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn vote_drafts() {
        let d = VoteDraft::parse(" Escalate? ", &opts(&["yes", " no "])).unwrap();
        assert_eq!(d.proposal, "Escalate?");
        assert_eq!(d.options, ["yes", "no"]);
        assert_eq!(
            VoteDraft::parse("p", &opts(&["yes"])).unwrap_err().field,
            "options"
        );
        assert_eq!(
            VoteDraft::parse("p", &opts(&["a"; 11])).unwrap_err().field,
            "options"
        );
        assert_eq!(
            VoteDraft::parse("p", &opts(&["a", "a"])).unwrap_err().field,
            "options[1]"
        );
        assert_eq!(
            VoteDraft::parse("p", &opts(&["a", " "])).unwrap_err().field,
            "options[1]"
        );
        assert_eq!(
            VoteDraft::parse("", &opts(&["a", "b"])).unwrap_err().field,
            "proposal"
        );
    }

    #[test]
    fn texts() {
        assert!(chat_text("").is_err());
        assert!(chat_text(&"x".repeat(4001)).is_err());
        assert_eq!(chat_text("hello\nworld").unwrap(), "hello\nworld");
        assert_eq!(ballot_comment(Some("  ")).unwrap(), None);
        assert!(ballot_comment(Some(&"x".repeat(4001))).is_err());
        assert!(summary("").is_err());
        assert!(request_id(&"r".repeat(101)).is_err());
    }

    #[test]
    fn video_urls() {
        assert_eq!(
            video_url(Some("https://visio.example.org/rcp-42"))
                .unwrap()
                .as_deref(),
            Some("https://visio.example.org/rcp-42")
        );
        assert_eq!(video_url(None).unwrap(), None);
        assert_eq!(video_url(Some("")).unwrap(), None);
        assert!(video_url(Some("javascript:alert(1)")).is_err());
        assert!(video_url(Some("https:///x")).is_err());
        assert!(video_url(Some("ftp://x.org")).is_err());
    }
}

//! What each person in a live room may see of it (PRODUCT.md: least privilege).
//!
//! Board members, coordinators and administrators see the whole room: they may read every
//! dossier of the board and every decision. A referrer is in the room only because a dossier of
//! theirs is on the agenda; the same referrer gets a 404 for the other dossiers and their
//! decisions over REST, so the room shows them what concerns their own dossiers and nothing
//! that tells them which other patients the board discusses:
//! - `focus` on their dossier as it is; a focus elsewhere with `dossier_id: null`, so that their
//!   page knows their case left the screen without learning which case replaced it;
//! - `vote_opened`, `vote_closed` and `tally` of votes on their dossiers only;
//! - chat written while one of their dossiers was in focus (the log stores, with each event,
//!   the dossier it is about: for chat, the one in focus when the line was written), and their
//!   own lines. A line a referrer writes while another dossier is in focus is about no dossier:
//!   the board reads it, that dossier's referrer does not (it would tell them who else is here);
//! - every other durable event as `{"type":"hidden","seq","at"}`, so that `seq` stays gap-free
//!   (a gap tells a client it missed something); kinds added later are hidden by default;
//! - other referrers are left out of their presence lists and agendas: a referrer's name or a
//!   dossier title already says which patient is on the agenda.

use std::collections::BTreeSet;

use super::room::RoomRole;
use crate::string_enum;

string_enum! {
    /// The durable events of the room log (API.md section 9).
    pub enum EventKind {
        Chat => "chat",
        Focus => "focus",
        VoteOpened => "vote_opened",
        VoteClosed => "vote_closed",
        Presenter => "presenter",
        KeyImage => "key_image",
    }
}

/// Who is looking at a room, and so how much of it they see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    /// Board members, coordinators, administrators.
    WholeRoom,
    /// A referrer: their own dossiers of the board, nothing else; the named ballots of their
    /// decisions only where the board shows them (API.md section 16).
    Referrer {
        user_id: String,
        dossiers: BTreeSet<String>,
        named_ballots: bool,
    },
}

/// How one durable event reaches a viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sight {
    /// As it was committed.
    Whole,
    /// A focus on a dossier that is not theirs: sent with `dossier_id: null`.
    FocusElsewhere,
    /// Only its `seq` and time: `{"type":"hidden","seq","at"}`.
    Hidden,
    /// A `vote_closed` whose decision is sent with `ballots: []`.
    WithoutBallots,
}

impl Viewer {
    /// The viewer for someone admitted to a room with `role`. `own_dossiers` are the dossiers
    /// of the board they refer (only read for referrers). An administrator who also refers a
    /// dossier on the agenda (room role `referrer`) may read every decision anyway, so they
    /// see the whole room.
    pub fn of(
        role: RoomRole,
        is_admin: bool,
        user_id: &str,
        own_dossiers: impl IntoIterator<Item = String>,
    ) -> Viewer {
        if role == RoomRole::Referrer && !is_admin {
            Viewer::Referrer {
                user_id: user_id.to_string(),
                dossiers: own_dossiers.into_iter().collect(),
                named_ballots: false,
            }
        } else {
            Viewer::WholeRoom
        }
    }

    /// This viewer, reading the named ballots of closed votes if `shown` (the board's
    /// `show_ballots_to_referrer`; everyone else reads them anyway).
    pub fn showing_ballots(self, shown: bool) -> Viewer {
        match self {
            Viewer::Referrer {
                user_id, dossiers, ..
            } => Viewer::Referrer {
                user_id,
                dossiers,
                named_ballots: shown,
            },
            whole => whole,
        }
    }

    /// Whether this viewer sees everything in the room, as it was committed.
    pub fn sees_whole_room(&self) -> bool {
        matches!(self, Viewer::WholeRoom)
    }

    /// The referrer's user id (their own presence list differs from the board's).
    pub fn referrer_id(&self) -> Option<&str> {
        match self {
            Viewer::WholeRoom => None,
            Viewer::Referrer { user_id, .. } => Some(user_id),
        }
    }

    /// Whether something about `dossier_id` (an agenda item, the focus, an open vote, a tally,
    /// a view of one of its attachments) is shown.
    pub fn sees_dossier(&self, dossier_id: &str) -> bool {
        match self {
            Viewer::WholeRoom => true,
            Viewer::Referrer { dossiers, .. } => dossiers.contains(dossier_id),
        }
    }

    fn sees_about(&self, about: Option<&str>) -> bool {
        about.is_some_and(|d| self.sees_dossier(d))
    }

    /// How a durable event of `kind` (as stored) about `about`, written by `author`, is shown.
    /// An event about no dossier (chat before the first focus, or an old row whose dossier
    /// could not be told) is hidden from referrers, but for its author.
    pub fn event(&self, kind: &str, about: Option<&str>, author: &str) -> Sight {
        match self {
            Viewer::WholeRoom => return Sight::Whole,
            Viewer::Referrer {
                named_ballots: false,
                ..
            } if kind == EventKind::VoteClosed.as_str() && self.sees_about(about) => {
                return Sight::WithoutBallots;
            }
            Viewer::Referrer { user_id, .. } if user_id == author => return Sight::Whole,
            Viewer::Referrer { .. } => {}
        }
        match kind.parse::<EventKind>() {
            Ok(EventKind::Focus) if self.sees_about(about) => Sight::Whole,
            Ok(EventKind::Focus) => Sight::FocusElsewhere,
            // Who presents names a board member, whom a referrer sees in the room anyway.
            Ok(EventKind::Presenter) => Sight::Whole,
            Ok(
                EventKind::Chat
                | EventKind::VoteOpened
                | EventKind::VoteClosed
                | EventKind::KeyImage,
            ) if self.sees_about(about) => Sight::Whole,
            _ => Sight::Hidden,
        }
    }

    /// The dossier a chat line this viewer writes while `focused` is under review is about:
    /// the focused one, unless a referrer writes while another's dossier is in focus (then
    /// none: the line would otherwise reach that dossier's referrer, with the writer's name).
    pub fn chat_about(&self, focused: Option<&str>) -> Option<String> {
        focused.filter(|d| self.sees_dossier(d)).map(str::to_string)
    }

    /// Whether a participant is listed to this viewer: a referrer does not see the other
    /// referrers in the room.
    pub fn sees_participant(&self, user_id: &str, role: RoomRole) -> bool {
        match self {
            Viewer::WholeRoom => true,
            Viewer::Referrer { user_id: me, .. } => role != RoomRole::Referrer || user_id == me,
        }
    }
}

/// Whether an open connection keeps its view after the viewer's access was re-checked
/// (`now` is `None` when they may no longer enter). A connection that would now see less is
/// closed; the client may reconnect and is admitted with what it may still see.
pub fn keeps_view(was: &Viewer, now: Option<&Viewer>) -> bool {
    match now {
        None => false,
        Some(now) => !was.sees_whole_room() || now.sees_whole_room(),
    }
}

/// Whether a participant is named in the `present` list of a decision on a dossier referred by
/// `dossier_referrer`: everyone but the referrers of other dossiers (whose names would tell the
/// dossier's referrer, who reads the decision, which other patients were on the agenda).
pub fn listed_in_decision(user_id: &str, role: RoomRole, dossier_referrer: &str) -> bool {
    role != RoomRole::Referrer || user_id == dossier_referrer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn referrer(dossiers: &[&str]) -> Viewer {
        Viewer::of(
            RoomRole::Referrer,
            false,
            "ref-a",
            dossiers.iter().map(|d| d.to_string()),
        )
    }

    #[test]
    fn board_people_see_the_whole_room() {
        for role in [RoomRole::Coordinator, RoomRole::Member, RoomRole::Admin] {
            let v = Viewer::of(role, false, "u", ["d1".to_string()]);
            assert_eq!(v, Viewer::WholeRoom);
            for kind in ["chat", "focus", "vote_opened", "vote_closed", "later_kind"] {
                assert_eq!(
                    v.event(kind, None, "someone"),
                    Sight::Whole,
                    "{role} {kind}"
                );
                assert_eq!(v.event(kind, Some("other"), "someone"), Sight::Whole);
            }
            assert!(v.sees_dossier("anything"));
            assert!(v.sees_participant("someone", RoomRole::Referrer));
        }
        // An administrator who refers a dossier on the agenda may read every decision anyway.
        assert!(Viewer::of(RoomRole::Referrer, true, "u", Vec::new()).sees_whole_room());
    }

    #[test]
    fn a_referrer_sees_their_own_dossiers_only() {
        let v = referrer(&["mine", "mine-too"]);
        assert!(!v.sees_whole_room());
        assert_eq!(v.referrer_id(), Some("ref-a"));
        assert_eq!(v.event("focus", Some("mine"), "chair"), Sight::Whole);
        assert_eq!(
            v.event("focus", Some("theirs"), "chair"),
            Sight::FocusElsewhere
        );
        assert_eq!(v.event("focus", None, "chair"), Sight::FocusElsewhere);
        // Their decisions without the named ballots, unless the board shows them.
        assert_eq!(
            v.event("vote_closed", Some("mine"), "chair"),
            Sight::WithoutBallots
        );
        let shown = v.clone().showing_ballots(true);
        assert_eq!(
            shown.event("vote_closed", Some("mine"), "chair"),
            Sight::Whole
        );
        assert_eq!(
            shown.event("vote_closed", Some("theirs"), "chair"),
            Sight::Hidden
        );
        assert_eq!(
            Viewer::WholeRoom
                .showing_ballots(false)
                .event("vote_closed", Some("x"), "c"),
            Sight::Whole
        );
        for kind in ["vote_opened", "vote_closed", "chat"] {
            assert_eq!(
                shown.event(kind, Some("mine-too"), "chair"),
                Sight::Whole,
                "{kind}"
            );
            assert_eq!(
                v.event(kind, Some("theirs"), "chair"),
                Sight::Hidden,
                "{kind}"
            );
            assert_eq!(v.event(kind, None, "someone"), Sight::Hidden, "{kind}");
        }
        // Kinds this rule does not know yet are hidden, even about their dossier.
        assert_eq!(v.event("annotation", Some("mine"), "chair"), Sight::Hidden);
        // Key images of their own dossier only; who presents, always.
        assert_eq!(v.event("key_image", Some("mine"), "m"), Sight::Whole);
        assert_eq!(v.event("key_image", Some("theirs"), "m"), Sight::Hidden);
        assert_eq!(v.event("presenter", None, "chair"), Sight::Whole);
        assert!(v.sees_dossier("mine") && !v.sees_dossier("theirs"));
        assert_eq!(v.chat_about(Some("mine")).as_deref(), Some("mine"));
        assert_eq!(v.chat_about(Some("theirs")), None);
        assert_eq!(v.chat_about(None), None);
        assert_eq!(
            Viewer::WholeRoom.chat_about(Some("theirs")).as_deref(),
            Some("theirs")
        );
        // Their own lines, whatever they are about.
        assert_eq!(v.event("chat", None, "ref-a"), Sight::Whole);
        assert_eq!(v.event("chat", Some("theirs"), "ref-a"), Sight::Whole);
        assert_eq!(v.event("chat", None, "ref-b"), Sight::Hidden);
    }

    #[test]
    fn referrers_do_not_see_each_other() {
        let v = referrer(&["mine"]);
        assert!(v.sees_participant("ref-a", RoomRole::Referrer));
        assert!(!v.sees_participant("ref-b", RoomRole::Referrer));
        assert!(v.sees_participant("chair", RoomRole::Coordinator));
        assert!(v.sees_participant("member", RoomRole::Member));
        assert!(v.sees_participant("admin", RoomRole::Admin));
        assert!(listed_in_decision("ref-a", RoomRole::Referrer, "ref-a"));
        assert!(!listed_in_decision("ref-b", RoomRole::Referrer, "ref-a"));
        assert!(listed_in_decision("m", RoomRole::Member, "ref-a"));
    }

    #[test]
    fn losing_access_or_the_whole_room_ends_the_view() {
        let whole = Viewer::WholeRoom;
        let narrow = referrer(&["mine"]);
        assert!(keeps_view(&whole, Some(&whole)));
        assert!(!keeps_view(&whole, Some(&narrow)));
        assert!(!keeps_view(&whole, None));
        assert!(keeps_view(&narrow, Some(&narrow)));
        assert!(keeps_view(&narrow, Some(&whole)));
        assert!(!keeps_view(&narrow, None));
    }

    #[test]
    fn event_kinds_round_trip() {
        for k in EventKind::ALL {
            assert_eq!(k.as_str().parse::<EventKind>(), Ok(*k));
        }
    }
}

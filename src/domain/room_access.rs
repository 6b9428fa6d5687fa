//! What each person may do in a live room and on a session's agenda (chair, voter), beside
//! `access.rs`: the room's permission rules as pure functions. A refusal carries the words the
//! caller sees.

use serde::Serialize;
use utoipa::ToSchema;

use super::dossier::{DossierStatus, Transition};
use super::room::{RoomRole, SessionStatus};

/// Why a room or agenda action is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomRefusal {
    /// The session is closed: it takes no more writes (409).
    SessionClosed,
    /// The session was cancelled: it takes no more writes (409).
    SessionCancelled,
    /// Only a planned session (not yet live, closed or cancelled) may be changed so (409).
    NotPlanned(MeetingAct),
    /// Publishing twice (409).
    AlreadyPublished,
    /// Closing a session twice (409).
    SessionAlreadyClosed,
    /// The caller's board role was taken away since they joined (403).
    NoLongerTakesPart,
    /// Only the chair may do this (403); the wording names the place it is asked from.
    NotChair(ChairPlace),
    /// Only members and coordinators vote (403).
    NotVoter,
    /// The dossier is not on this session's agenda (404).
    NotOnAgenda,
    /// A vote opens only on a scheduled dossier (409).
    NotScheduled(DossierStatus),
    /// A dossier has one open vote at a time (409).
    VoteAlreadyOpen,
    /// Ballots go to an open vote only (409).
    VoteClosed,
    /// Closing a vote twice (409).
    VoteAlreadyClosed,
    /// The option is not one of the vote's (400 on `option`).
    UnknownOption,
    /// The dossier belongs to another board (409).
    OtherBoard,
    /// Off the agenda while a vote on it is open (409).
    VoteOpenOnDossier,
    /// The dossier's status does not allow this transition (409).
    Transition(String),
    /// The presenter must be a member or coordinator present in the room (400 on `user_id`).
    PresenterNotEligible,
    /// Only members and coordinators mark key images (403).
    NotMarker,
    /// The attachment is not one of a dossier on this session's agenda (404).
    AttachmentNotOnAgenda,
    /// Key images are marked, and views shown, on DICOM attachments only (409).
    NotImaging(ImagingAct),
    /// Only the presenter shows the room what to look at (403).
    NotPresenter,
    /// The attachment holds no series with this UID (404).
    UnknownSeries,
    /// The series has no frame with this number (404).
    UnknownFrame,
}

/// What is done to a planned session before it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingAct {
    Publish,
    Change,
    Cancel,
}

impl MeetingAct {
    fn done(self) -> &'static str {
        match self {
            MeetingAct::Publish => "published",
            MeetingAct::Change => "changed",
            MeetingAct::Cancel => "cancelled",
        }
    }
}

/// What is done with a frame of a DICOM attachment in the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImagingAct {
    /// Marking a key image.
    Mark,
    /// Showing the room a view.
    View,
}

/// What only members and coordinators do: cast a ballot, mark a key image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoterAct {
    Ballot,
    Mark,
}

/// Where a chair-only action is asked from: the room, or the session's REST endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChairPlace {
    Room,
    Agenda,
}

impl RoomRefusal {
    pub fn message(&self) -> String {
        match self {
            RoomRefusal::SessionClosed => "the session is closed".into(),
            RoomRefusal::SessionCancelled => "the session is cancelled".into(),
            RoomRefusal::NotPlanned(act) => format!("only a planned session can be {}", act.done()),
            RoomRefusal::AlreadyPublished => "the session is already published".into(),
            RoomRefusal::SessionAlreadyClosed => "the session is already closed".into(),
            RoomRefusal::NoLongerTakesPart => "you no longer take part in this session".into(),
            RoomRefusal::NotChair(ChairPlace::Room) => {
                "only the chair (a coordinator of the board) may do this".into()
            }
            RoomRefusal::NotChair(ChairPlace::Agenda) => {
                "only a coordinator of the board may do this".into()
            }
            RoomRefusal::NotVoter => "only members and coordinators of the board vote".into(),
            RoomRefusal::NotOnAgenda => "dossier on this session's agenda".into(),
            RoomRefusal::NotScheduled(status) => format!(
                "a vote can only be opened on a scheduled dossier; this one is {}",
                status.as_str()
            ),
            RoomRefusal::VoteAlreadyOpen => "a vote is already open on this dossier".into(),
            RoomRefusal::VoteClosed => "this vote is closed".into(),
            RoomRefusal::VoteAlreadyClosed => "this vote is already closed".into(),
            RoomRefusal::UnknownOption => "not one of the vote's options".into(),
            RoomRefusal::OtherBoard => "the dossier was referred to another board".into(),
            RoomRefusal::VoteOpenOnDossier => {
                "a vote is open on this dossier; close it first".into()
            }
            RoomRefusal::Transition(why) => why.clone(),
            RoomRefusal::PresenterNotEligible => {
                "must be a member or coordinator present in the room".into()
            }
            RoomRefusal::NotMarker => {
                "only members and coordinators of the board mark key images".into()
            }
            RoomRefusal::AttachmentNotOnAgenda => "attachment on this session's agenda".into(),
            RoomRefusal::NotImaging(ImagingAct::Mark) => {
                "key images are marked on DICOM attachments only".into()
            }
            RoomRefusal::NotImaging(ImagingAct::View) => {
                "only DICOM attachments are shown in the room".into()
            }
            RoomRefusal::NotPresenter => "only the presenter shows the room a view".into(),
            RoomRefusal::UnknownSeries => "series".into(),
            RoomRefusal::UnknownFrame => "frame of this series".into(),
        }
    }
}

/// What the caller may do in a room, sent in `welcome` and on sessions so that the pages do
/// not re-derive the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct RoomCan {
    /// Focus, open and close votes, manage the agenda, close the session.
    pub chair: bool,
    /// Cast a ballot.
    pub vote: bool,
}

impl RoomCan {
    pub fn of(role: RoomRole, session: SessionStatus) -> RoomCan {
        let open = !session.is_over();
        RoomCan {
            chair: open && role.can_chair(),
            vote: open && role.can_vote(),
        }
    }
}

/// What the caller may do with a session, sent on every Session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct SessionCan {
    /// Chair its live room.
    pub chair: bool,
    /// Put dossiers on its agenda or take them off.
    pub manage_agenda: bool,
    /// Close it for good.
    pub close: bool,
    /// Send its agenda to those concerned (once, while planned).
    pub publish: bool,
    /// Change its time, title or video link (while planned).
    pub edit: bool,
    /// Cancel it (while planned).
    pub cancel: bool,
}

impl SessionCan {
    pub fn of(role: RoomRole, session: SessionStatus, published: bool) -> SessionCan {
        let chairs = role.can_chair() && !session.is_over();
        let before = role.can_chair() && session == SessionStatus::Planned;
        SessionCan {
            chair: chairs,
            manage_agenda: chairs,
            close: chairs,
            publish: before && !published,
            edit: before,
            cancel: before,
        }
    }
}

/// Any write in a room: the caller must still take part, and the session must be open.
pub fn may_write(role: Option<RoomRole>, session: SessionStatus) -> Result<RoomRole, RoomRefusal> {
    let role = role.ok_or(RoomRefusal::NoLongerTakesPart)?;
    if session.is_over() {
        return Err(over(session));
    }
    Ok(role)
}

/// Why a session that is over takes no write.
pub fn over(session: SessionStatus) -> RoomRefusal {
    if session == SessionStatus::Cancelled {
        RoomRefusal::SessionCancelled
    } else {
        RoomRefusal::SessionClosed
    }
}

/// Chair-only actions: focus, open and close votes, the agenda, closing the session.
pub fn must_chair(role: RoomRole, place: ChairPlace) -> Result<(), RoomRefusal> {
    if role.can_chair() {
        Ok(())
    } else {
        Err(RoomRefusal::NotChair(place))
    }
}

/// Focus: the chair, on a dossier of the agenda.
pub fn may_focus(role: RoomRole, on_agenda: bool) -> Result<(), RoomRefusal> {
    must_chair(role, ChairPlace::Room)?;
    if !on_agenda {
        return Err(RoomRefusal::NotOnAgenda);
    }
    Ok(())
}

/// Opening a vote: the chair, on a scheduled dossier of the agenda with no vote open.
pub fn may_open_vote(
    role: RoomRole,
    on_agenda: bool,
    dossier: DossierStatus,
    vote_already_open: bool,
) -> Result<(), RoomRefusal> {
    may_focus(role, on_agenda)?;
    if dossier != DossierStatus::Scheduled {
        return Err(RoomRefusal::NotScheduled(dossier));
    }
    if vote_already_open {
        return Err(RoomRefusal::VoteAlreadyOpen);
    }
    Ok(())
}

/// What only members and coordinators do (cast a ballot, mark a key image); asked first, before
/// the vote or the attachment is even looked up.
pub fn must_vote(role: RoomRole, act: VoterAct) -> Result<(), RoomRefusal> {
    match (role.can_vote(), act) {
        (true, _) => Ok(()),
        (false, VoterAct::Ballot) => Err(RoomRefusal::NotVoter),
        (false, VoterAct::Mark) => Err(RoomRefusal::NotMarker),
    }
}

/// Casting (or changing) a ballot, once [`must_vote`] allowed the caller: on an open vote, for
/// one of its options.
pub fn may_cast(vote_open: bool, options: &[String], option: &str) -> Result<(), RoomRefusal> {
    if !vote_open {
        return Err(RoomRefusal::VoteClosed);
    }
    if !options.iter().any(|o| o == option) {
        return Err(RoomRefusal::UnknownOption);
    }
    Ok(())
}

/// Closing a vote: the chair, once.
pub fn may_close_vote(role: RoomRole, vote_open: bool) -> Result<(), RoomRefusal> {
    must_chair(role, ChairPlace::Room)?;
    if !vote_open {
        return Err(RoomRefusal::VoteAlreadyClosed);
    }
    Ok(())
}

/// Agenda changes: a coordinator, on a session that is not closed.
pub fn may_change_agenda(role: RoomRole, session: SessionStatus) -> Result<(), RoomRefusal> {
    must_chair(role, ChairPlace::Agenda)?;
    if session.is_over() {
        return Err(over(session));
    }
    Ok(())
}

/// Putting a dossier on the agenda: one of the session's board, that may be scheduled; the
/// dossier's next status.
pub fn may_schedule(
    same_board: bool,
    dossier: DossierStatus,
) -> Result<DossierStatus, RoomRefusal> {
    if !same_board {
        return Err(RoomRefusal::OtherBoard);
    }
    dossier
        .apply(Transition::Schedule)
        .map_err(|e| RoomRefusal::Transition(e.to_string()))
}

/// Taking a dossier off the agenda: not while a vote on it is open. A scheduled dossier goes
/// back to `submitted`; any other keeps its status (`None`).
pub fn may_unschedule(
    vote_open: bool,
    dossier: DossierStatus,
) -> Result<Option<DossierStatus>, RoomRefusal> {
    if vote_open {
        return Err(RoomRefusal::VoteOpenOnDossier);
    }
    Ok(off_agenda(dossier))
}

/// What becomes of a dossier taken off an agenda: a scheduled one goes back to `submitted`.
pub fn off_agenda(dossier: DossierStatus) -> Option<DossierStatus> {
    dossier.apply(Transition::Unschedule).ok()
}

/// Handing the presenter's role on: the chair, to a member or coordinator present in the room
/// (`target`: their role there, if present).
pub fn may_present(role: RoomRole, target: Option<RoomRole>) -> Result<(), RoomRefusal> {
    must_chair(role, ChairPlace::Room)?;
    match target {
        Some(t) if t.can_vote() => Ok(()),
        _ => Err(RoomRefusal::PresenterNotEligible),
    }
}

/// A frame marked or shown in the room belongs to a DICOM attachment of a dossier on the
/// agenda (the caller's part was checked before: [`must_vote`], [`may_view`]).
pub fn may_use_attachment(
    on_agenda: bool,
    is_dicom: bool,
    act: ImagingAct,
) -> Result<(), RoomRefusal> {
    if !on_agenda {
        return Err(RoomRefusal::AttachmentNotOnAgenda);
    }
    if !is_dicom {
        return Err(RoomRefusal::NotImaging(act));
    }
    Ok(())
}

/// Who presents: the one the chair last handed the role to (`handed_to`), else the chair.
pub fn presents(role: RoomRole, handed_to: Option<&str>, user_id: &str) -> bool {
    match handed_to {
        Some(presenter) => presenter == user_id,
        None => role.can_chair(),
    }
}

/// Showing the room a view: the presenter only.
pub fn may_view(is_presenter: bool) -> Result<(), RoomRefusal> {
    if is_presenter {
        Ok(())
    } else {
        Err(RoomRefusal::NotPresenter)
    }
}

/// A frame marked or shown exists: `frames` is how many the series has (`None`: the attachment
/// has no such series).
pub fn frame_exists(frames: Option<u32>, frame: u32) -> Result<(), RoomRefusal> {
    match frames {
        None => Err(RoomRefusal::UnknownSeries),
        Some(n) if frame < n => Ok(()),
        Some(_) => Err(RoomRefusal::UnknownFrame),
    }
}

/// Closing a session: a coordinator, once.
pub fn may_close_session(role: RoomRole, session: SessionStatus) -> Result<(), RoomRefusal> {
    must_chair(role, ChairPlace::Agenda)?;
    match session {
        SessionStatus::Closed => return Err(RoomRefusal::SessionAlreadyClosed),
        SessionStatus::Cancelled => return Err(RoomRefusal::SessionCancelled),
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
#[path = "room_access_tests.rs"]
mod tests;

//! Unit tests of the room rules (`room_access.rs`).

use super::*;
use DossierStatus::*;
use RoomRole::*;

const ROLES: [RoomRole; 4] = [Coordinator, Member, Referrer, Admin];

#[test]
fn only_coordinators_chair_and_members_vote() {
    for role in ROLES {
        let can = RoomCan::of(role, SessionStatus::Live);
        assert_eq!(can.chair, role == Coordinator);
        assert_eq!(can.vote, matches!(role, Coordinator | Member));
        assert_eq!(
            RoomCan::of(role, SessionStatus::Closed),
            RoomCan {
                chair: false,
                vote: false
            }
        );
        assert_eq!(
            must_chair(role, ChairPlace::Room).is_ok(),
            role == Coordinator
        );
    }
}

#[test]
fn writes_need_a_part_and_an_open_session() {
    assert_eq!(
        may_write(None, SessionStatus::Live),
        Err(RoomRefusal::NoLongerTakesPart)
    );
    assert_eq!(
        may_write(Some(Member), SessionStatus::Closed),
        Err(RoomRefusal::SessionClosed)
    );
    assert_eq!(
        may_write(Some(Referrer), SessionStatus::Planned),
        Ok(Referrer)
    );
}

#[test]
fn a_vote_opens_on_a_scheduled_dossier_of_the_agenda() {
    assert_eq!(may_open_vote(Coordinator, true, Scheduled, false), Ok(()));
    assert_eq!(
        may_open_vote(Member, true, Scheduled, false),
        Err(RoomRefusal::NotChair(ChairPlace::Room))
    );
    assert_eq!(
        may_open_vote(Coordinator, false, Scheduled, false),
        Err(RoomRefusal::NotOnAgenda)
    );
    assert_eq!(
        may_open_vote(Coordinator, true, Decided, false),
        Err(RoomRefusal::NotScheduled(Decided))
    );
    assert_eq!(
        may_open_vote(Coordinator, true, Scheduled, true),
        Err(RoomRefusal::VoteAlreadyOpen)
    );
    assert!(
        RoomRefusal::NotScheduled(Submitted)
            .message()
            .ends_with("this one is submitted")
    );
}

#[test]
fn ballots_need_a_voter_an_open_vote_and_a_known_option() {
    let options = vec!["Yes".to_string(), "No".to_string()];
    assert_eq!(must_vote(Member, VoterAct::Ballot), Ok(()));
    assert_eq!(must_vote(Coordinator, VoterAct::Ballot), Ok(()));
    assert_eq!(
        must_vote(Referrer, VoterAct::Ballot),
        Err(RoomRefusal::NotVoter)
    );
    assert_eq!(
        must_vote(Admin, VoterAct::Ballot),
        Err(RoomRefusal::NotVoter)
    );
    assert_eq!(may_cast(true, &options, "Yes"), Ok(()));
    assert_eq!(
        may_cast(false, &options, "Yes"),
        Err(RoomRefusal::VoteClosed)
    );
    assert_eq!(
        may_cast(true, &options, "Maybe"),
        Err(RoomRefusal::UnknownOption)
    );
}

#[test]
fn votes_close_once_by_the_chair() {
    assert_eq!(may_close_vote(Coordinator, true), Ok(()));
    assert_eq!(
        may_close_vote(Coordinator, false),
        Err(RoomRefusal::VoteAlreadyClosed)
    );
    assert_eq!(
        may_close_vote(Member, true),
        Err(RoomRefusal::NotChair(ChairPlace::Room))
    );
}

#[test]
fn presenting_and_marking() {
    assert_eq!(may_present(Coordinator, Some(Member)), Ok(()));
    assert_eq!(may_present(Coordinator, Some(Coordinator)), Ok(()));
    assert_eq!(
        may_present(Member, Some(Member)),
        Err(RoomRefusal::NotChair(ChairPlace::Room))
    );
    assert_eq!(
        may_present(Coordinator, Some(Referrer)),
        Err(RoomRefusal::PresenterNotEligible)
    );
    assert_eq!(
        may_present(Coordinator, None),
        Err(RoomRefusal::PresenterNotEligible)
    );
    // Marking: a member or coordinator (the same words as before the rule was split)...
    for role in ROLES {
        assert_eq!(
            must_vote(role, VoterAct::Mark).is_ok(),
            matches!(role, Coordinator | Member)
        );
    }
    assert_eq!(
        must_vote(Referrer, VoterAct::Mark),
        Err(RoomRefusal::NotMarker)
    );
    assert_eq!(
        RoomRefusal::NotMarker.message(),
        "only members and coordinators of the board mark key images"
    );
    assert_eq!(
        RoomRefusal::NotVoter.message(),
        "only members and coordinators of the board vote"
    );
    // ...on a DICOM attachment of a dossier on the agenda.
    let mark = ImagingAct::Mark;
    assert_eq!(may_use_attachment(true, true, mark), Ok(()));
    assert_eq!(
        may_use_attachment(false, true, mark),
        Err(RoomRefusal::AttachmentNotOnAgenda)
    );
    assert_eq!(
        may_use_attachment(true, false, mark),
        Err(RoomRefusal::NotImaging(mark))
    );
    assert_eq!(
        RoomRefusal::NotImaging(mark).message(),
        "key images are marked on DICOM attachments only"
    );
}

#[test]
fn the_presenter_shows_views() {
    // The chair presents until the role is handed on; then only the one it was handed to.
    assert!(presents(Coordinator, None, "chair"));
    assert!(!presents(Member, None, "member"));
    assert!(!presents(Admin, None, "admin"));
    assert!(!presents(Referrer, None, "referrer"));
    assert!(presents(Member, Some("member"), "member"));
    assert!(!presents(Coordinator, Some("member"), "chair"));
    assert!(!presents(Member, Some("member"), "another"));
    assert_eq!(may_view(true), Ok(()));
    assert_eq!(may_view(false), Err(RoomRefusal::NotPresenter));
    let view = ImagingAct::View;
    assert_eq!(may_use_attachment(true, true, view), Ok(()));
    assert_eq!(
        may_use_attachment(false, false, view),
        Err(RoomRefusal::AttachmentNotOnAgenda)
    );
    assert_eq!(
        may_use_attachment(true, false, view),
        Err(RoomRefusal::NotImaging(view))
    );
    assert_ne!(
        RoomRefusal::NotImaging(view).message(),
        RoomRefusal::NotImaging(ImagingAct::Mark).message()
    );
}

#[test]
fn frames_exist_within_their_series() {
    assert_eq!(frame_exists(Some(3), 0), Ok(()));
    assert_eq!(frame_exists(Some(3), 2), Ok(()));
    assert_eq!(frame_exists(Some(3), 3), Err(RoomRefusal::UnknownFrame));
    assert_eq!(frame_exists(Some(0), 0), Err(RoomRefusal::UnknownFrame));
    assert_eq!(frame_exists(None, 0), Err(RoomRefusal::UnknownSeries));
    // "Not counted yet" (u32::MAX) lets every frame number but the last through.
    assert_eq!(frame_exists(Some(u32::MAX), 1_000_000), Ok(()));
}

#[test]
fn agenda_rules() {
    assert_eq!(
        may_change_agenda(Member, SessionStatus::Live),
        Err(RoomRefusal::NotChair(ChairPlace::Agenda))
    );
    assert_eq!(
        may_change_agenda(Coordinator, SessionStatus::Closed),
        Err(RoomRefusal::SessionClosed)
    );
    assert_eq!(may_schedule(true, Submitted), Ok(Scheduled));
    assert_eq!(may_schedule(false, Submitted), Err(RoomRefusal::OtherBoard));
    assert!(matches!(
        may_schedule(true, Draft),
        Err(RoomRefusal::Transition(_))
    ));
    assert_eq!(may_unschedule(false, Scheduled), Ok(Some(Submitted)));
    assert_eq!(may_unschedule(false, Decided), Ok(None));
    assert_eq!(
        may_unschedule(true, Scheduled),
        Err(RoomRefusal::VoteOpenOnDossier)
    );
    assert_eq!(
        may_close_session(Coordinator, SessionStatus::Closed),
        Err(RoomRefusal::SessionAlreadyClosed)
    );
    assert_eq!(may_close_session(Coordinator, SessionStatus::Live), Ok(()));
}

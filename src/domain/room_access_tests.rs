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
    assert_eq!(may_cast(Member, true, &options, "Yes"), Ok(()));
    assert_eq!(
        may_cast(Referrer, true, &options, "Yes"),
        Err(RoomRefusal::NotVoter)
    );
    assert_eq!(
        may_cast(Admin, true, &options, "Yes"),
        Err(RoomRefusal::NotVoter)
    );
    assert_eq!(
        may_cast(Member, false, &options, "Yes"),
        Err(RoomRefusal::VoteClosed)
    );
    assert_eq!(
        may_cast(Member, true, &options, "Maybe"),
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
    assert_eq!(may_mark(Member, true, true), Ok(()));
    assert_eq!(may_mark(Referrer, true, true), Err(RoomRefusal::NotMarker));
    assert_eq!(may_mark(Admin, true, true), Err(RoomRefusal::NotMarker));
    assert_eq!(
        may_mark(Member, false, true),
        Err(RoomRefusal::AttachmentNotOnAgenda)
    );
    assert_eq!(may_mark(Member, true, false), Err(RoomRefusal::NotImaging));
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

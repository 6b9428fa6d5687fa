//! A planned meeting before it starts: publishing its agenda, changing it, cancelling it; and
//! who hears of it (API.md section 12).

use std::collections::BTreeSet;

use super::room::{RoomRole, SessionStatus};
use super::room_access::{ChairPlace, MeetingAct, RoomRefusal, must_chair};

/// Publishing: a coordinator, once, while the session is planned.
pub fn may_publish(
    role: RoomRole,
    session: SessionStatus,
    published: bool,
) -> Result<(), RoomRefusal> {
    planned(role, session, MeetingAct::Publish)?;
    if published {
        return Err(RoomRefusal::AlreadyPublished);
    }
    Ok(())
}

/// Changing the time, title or video link: a coordinator, while the session is planned.
pub fn may_change(role: RoomRole, session: SessionStatus) -> Result<(), RoomRefusal> {
    planned(role, session, MeetingAct::Change)
}

/// Cancelling: a coordinator, while the session is planned.
pub fn may_cancel(role: RoomRole, session: SessionStatus) -> Result<(), RoomRefusal> {
    planned(role, session, MeetingAct::Cancel)
}

fn planned(role: RoomRole, session: SessionStatus, act: MeetingAct) -> Result<(), RoomRefusal> {
    must_chair(role, ChairPlace::Agenda)?;
    match session {
        SessionStatus::Planned => Ok(()),
        SessionStatus::Cancelled => Err(RoomRefusal::SessionCancelled),
        _ => Err(RoomRefusal::NotPlanned(act)),
    }
}

/// Those concerned by a session: the board's members and coordinators, and the referrers of
/// the dossiers on its agenda; each once, in a stable order.
pub fn concerned<'a>(
    board: impl IntoIterator<Item = &'a str>,
    referrers: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    board
        .into_iter()
        .chain(referrers)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(String::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_coordinator_publishes_a_planned_session_once() {
        assert_eq!(
            may_publish(RoomRole::Coordinator, SessionStatus::Planned, false),
            Ok(())
        );
        assert_eq!(
            may_publish(RoomRole::Coordinator, SessionStatus::Planned, true),
            Err(RoomRefusal::AlreadyPublished)
        );
        assert_eq!(
            may_publish(RoomRole::Member, SessionStatus::Planned, false),
            Err(RoomRefusal::NotChair(ChairPlace::Agenda))
        );
        assert_eq!(
            may_publish(RoomRole::Coordinator, SessionStatus::Live, false),
            Err(RoomRefusal::NotPlanned(MeetingAct::Publish))
        );
    }

    #[test]
    fn cancelling_and_changing_need_a_planned_session() {
        for status in [SessionStatus::Live, SessionStatus::Closed] {
            assert_eq!(
                may_cancel(RoomRole::Coordinator, status),
                Err(RoomRefusal::NotPlanned(MeetingAct::Cancel))
            );
            assert_eq!(
                may_change(RoomRole::Coordinator, status),
                Err(RoomRefusal::NotPlanned(MeetingAct::Change))
            );
        }
        assert_eq!(
            may_cancel(RoomRole::Coordinator, SessionStatus::Cancelled),
            Err(RoomRefusal::SessionCancelled)
        );
        assert_eq!(
            may_cancel(RoomRole::Referrer, SessionStatus::Planned),
            Err(RoomRefusal::NotChair(ChairPlace::Agenda))
        );
        assert_eq!(
            may_change(RoomRole::Coordinator, SessionStatus::Planned),
            Ok(())
        );
    }

    #[test]
    fn the_concerned_are_counted_once() {
        assert_eq!(
            concerned(["b", "a"], ["a", "c"]),
            vec!["a".to_string(), "b".into(), "c".into()]
        );
    }
}

//! The decision rule as one pure function: when a vote closes, which ballots count (only those
//! of people still on the board), whether quorum is met, what the outcome is, and where the
//! dossier goes next (decided, or back to be presented again) through the state machine.

use std::collections::BTreeMap;

use super::board::QuorumRule;
use super::dossier::{DossierStatus, Transition, TransitionError};
use super::quorum::{self, Outcome, QuorumNow, QuorumResult};

/// One ballot as cast, with what the rule needs of its voter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CastBallot<'a> {
    pub voter_id: &'a str,
    pub specialty: Option<&'a str>,
    pub option: &'a str,
}

/// What closing a vote decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Indices (into the ballots given) of the ballots that count, in their order.
    pub counted: Vec<usize>,
    pub quorum: QuorumResult,
    pub tally: BTreeMap<String, u32>,
    pub outcome: Outcome,
    /// The dossier's status after the vote.
    pub dossier_status: DossierStatus,
}

impl Verdict {
    /// Whether the dossier leaves the session's agenda to be presented again.
    pub fn requeued(&self) -> bool {
        self.dossier_status == DossierStatus::Submitted
    }
}

/// Where an open vote stands (API.md section 16, `tally`): who has voted (not for what) and the
/// quorum as if the vote closed now, with the same member filter as `close_vote`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Standing {
    /// The voters whose ballots would count, in the order given.
    pub voters: Vec<String>,
    pub quorum: QuorumNow,
}

pub fn standing(rule: &QuorumRule, members: &[&str], ballots: &[CastBallot<'_>]) -> Standing {
    let counted: Vec<&CastBallot<'_>> = ballots
        .iter()
        .filter(|b| members.contains(&b.voter_id))
        .collect();
    let specialties: Vec<Option<&str>> = counted.iter().map(|b| b.specialty).collect();
    Standing {
        voters: counted.iter().map(|b| b.voter_id.to_string()).collect(),
        quorum: rule.as_if_closed_now(&specialties),
    }
}

/// Closes a vote: member filter, then quorum, then outcome, then the dossier's transition
/// (`Decide` with an outcome, `Requeue` without quorum or tied).
pub fn close_vote(
    rule: &QuorumRule,
    options: &[String],
    members: &[&str],
    ballots: &[CastBallot<'_>],
    dossier: DossierStatus,
) -> Result<Verdict, TransitionError> {
    let counted: Vec<usize> = ballots
        .iter()
        .enumerate()
        .filter(|(_, b)| members.contains(&b.voter_id))
        .map(|(i, _)| i)
        .collect();
    let specialties: Vec<Option<&str>> = counted.iter().map(|&i| ballots[i].specialty).collect();
    let quorum = rule.evaluate(&specialties);
    let chosen: Vec<&str> = counted.iter().map(|&i| ballots[i].option).collect();
    let tally = quorum::tally(options, &chosen);
    let outcome = quorum::outcome(quorum.met, &tally);
    let transition = match outcome {
        Outcome::Decided(_) => Transition::Decide,
        Outcome::Tied | Outcome::NoQuorum => Transition::Requeue,
    };
    let dossier_status = dossier.apply(transition)?;
    Ok(Verdict {
        counted,
        quorum,
        tally,
        outcome,
        dossier_status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(min_voters: u32, min_specialties: u32, required: &[&str]) -> QuorumRule {
        QuorumRule {
            min_voters,
            min_specialties,
            required_specialties: required.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn the_standing_counts_members_only_and_never_says_what_they_chose() {
        let ballots = [
            CastBallot {
                voter_id: "u1",
                specialty: Some("Neurology"),
                option: "escalate",
            },
            CastBallot {
                voter_id: "gone",
                specialty: Some("Neuroradiology"),
                option: "continue",
            },
        ];
        let standing = standing(&rule(2, 1, &["Neuroradiology"]), &["u1", "u2"], &ballots);
        assert_eq!(standing.voters, vec!["u1".to_string()]);
        assert!(!standing.quorum.met);
        assert_eq!(standing.quorum.missing_specialties, vec!["Neuroradiology"]);
        let text = serde_json::to_string(&standing).unwrap();
        assert!(!text.contains("escalate") && !text.contains("continue"));
    }

    fn options() -> Vec<String> {
        vec!["escalate".into(), "continue".into()]
    }

    fn ballot<'a>(voter: &'a str, specialty: &'a str, option: &'a str) -> CastBallot<'a> {
        CastBallot {
            voter_id: voter,
            specialty: Some(specialty),
            option,
        }
    }

    #[test]
    fn a_majority_with_quorum_decides() {
        let ballots = [
            ballot("a", "neurology", "escalate"),
            ballot("b", "radiology", "escalate"),
            ballot("c", "ophthalmology", "continue"),
        ];
        let v = close_vote(
            &rule(3, 3, &[]),
            &options(),
            &["a", "b", "c"],
            &ballots,
            DossierStatus::Scheduled,
        )
        .unwrap();
        assert_eq!(v.outcome, Outcome::Decided("escalate".into()));
        assert_eq!(v.tally["escalate"], 2);
        assert_eq!(v.counted, vec![0, 1, 2]);
        assert_eq!(v.dossier_status, DossierStatus::Decided);
        assert!(!v.requeued());
    }

    #[test]
    fn ballots_of_former_members_do_not_count() {
        let ballots = [
            ballot("a", "neurology", "escalate"),
            ballot("gone", "radiology", "escalate"),
            ballot("c", "ophthalmology", "continue"),
        ];
        let v = close_vote(
            &rule(3, 3, &[]),
            &options(),
            &["a", "c"],
            &ballots,
            DossierStatus::Scheduled,
        )
        .unwrap();
        assert_eq!(v.counted, vec![0, 2]);
        assert!(!v.quorum.met);
        assert_eq!(v.outcome, Outcome::NoQuorum);
        // Requeue really goes through the state machine: back to submitted.
        assert_eq!(v.dossier_status, DossierStatus::Submitted);
        assert!(v.requeued());
    }

    #[test]
    fn a_tie_requeues_and_a_missing_required_specialty_is_no_quorum() {
        let ballots = [
            ballot("a", "neurology", "escalate"),
            ballot("b", "radiology", "continue"),
        ];
        let tied = close_vote(
            &rule(2, 2, &[]),
            &options(),
            &["a", "b"],
            &ballots,
            DossierStatus::Scheduled,
        )
        .unwrap();
        assert_eq!(tied.outcome, Outcome::Tied);
        assert!(tied.requeued());
        let missing = close_vote(
            &rule(2, 2, &["microbiology"]),
            &options(),
            &["a", "b"],
            &ballots,
            DossierStatus::Scheduled,
        )
        .unwrap();
        assert_eq!(missing.outcome, Outcome::NoQuorum);
    }

    #[test]
    fn a_dossier_not_on_an_agenda_cannot_be_decided() {
        let err = close_vote(
            &rule(1, 1, &[]),
            &options(),
            &["a"],
            &[ballot("a", "neurology", "escalate")],
            DossierStatus::Withdrawn,
        )
        .unwrap_err();
        assert_eq!(err.transition, Transition::Decide);
    }
}

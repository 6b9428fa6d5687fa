//! Quorum and outcome of a vote (PRODUCT.md "Rules that matter"): pure functions.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::board::{QuorumRule, specialty_key};

/// Whether the voters of a closed vote meet the board's rule, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QuorumResult {
    pub met: bool,
    /// How many voters cast a ballot.
    pub voters: u32,
    /// The distinct specialties among the voters, sorted.
    pub specialties: Vec<String>,
    pub rule: QuorumRule,
}

impl QuorumRule {
    /// Evaluates the rule for the voters' specialties (one entry per voter; `None` when a voter
    /// has no specialty on record, which counts as a voter but not as a specialty).
    pub fn evaluate(&self, voter_specialties: &[Option<&str>]) -> QuorumResult {
        // Keyed by the case-insensitive form, showing the first spelling met.
        let mut distinct: BTreeMap<String, String> = BTreeMap::new();
        for s in voter_specialties.iter().flatten() {
            let shown = s.trim();
            if !shown.is_empty() {
                distinct
                    .entry(specialty_key(shown))
                    .or_insert_with(|| shown.to_string());
            }
        }
        let voters = u32::try_from(voter_specialties.len()).unwrap_or(u32::MAX);
        let required_present = self
            .required_specialties
            .iter()
            .all(|r| distinct.contains_key(&specialty_key(r)));
        let met = voters >= self.min_voters
            && distinct.len() as u64 >= u64::from(self.min_specialties)
            && required_present;
        QuorumResult {
            met,
            voters,
            specialties: distinct.into_values().collect(),
            rule: self.clone(),
        }
    }

    /// The rule applied to the ballots cast so far, saying what is still missing.
    pub fn as_if_closed_now(&self, voter_specialties: &[Option<&str>]) -> QuorumNow {
        let result = self.evaluate(voter_specialties);
        let present: Vec<String> = result
            .specialties
            .iter()
            .map(|s| specialty_key(s))
            .collect();
        let missing_specialties = self
            .required_specialties
            .iter()
            .filter(|r| !present.contains(&specialty_key(r)))
            .cloned()
            .collect();
        QuorumNow {
            met: result.met,
            voters: result.voters,
            missing_voters: self.min_voters.saturating_sub(result.voters),
            missing_specialty_count: self
                .min_specialties
                .saturating_sub(u32::try_from(result.specialties.len()).unwrap_or(u32::MAX)),
            specialties: result.specialties,
            missing_specialties,
            rule: self.clone(),
        }
    }

    pub fn is_met(&self, voter_specialties: &[Option<&str>]) -> bool {
        self.evaluate(voter_specialties).met
    }
}

/// The quorum of an open vote as if it closed now (API.md section 16).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct QuorumNow {
    pub met: bool,
    /// How many (counted) voters have voted.
    pub voters: u32,
    /// The distinct specialties among them, sorted.
    pub specialties: Vec<String>,
    /// The rule's required specialties no voter has yet, as the rule spells them.
    pub missing_specialties: Vec<String>,
    /// How many more voters the rule needs (0 when enough have voted).
    pub missing_voters: u32,
    /// How many more distinct specialties the rule needs.
    pub missing_specialty_count: u32,
    pub rule: QuorumRule,
}

/// How a vote ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// With quorum, this option had strictly the most ballots.
    Decided(String),
    /// With quorum, two or more options shared the most ballots.
    Tied,
    /// Without quorum, whatever the ballots.
    NoQuorum,
}

impl Outcome {
    /// The decision status of the contract.
    pub fn status(&self) -> &'static str {
        match self {
            Outcome::Decided(_) => "decided",
            Outcome::Tied => "tied",
            Outcome::NoQuorum => "no_quorum",
        }
    }

    pub fn option(&self) -> Option<&str> {
        match self {
            Outcome::Decided(o) => Some(o),
            _ => None,
        }
    }
}

/// Counts ballots per option; every option appears, with 0 if nobody chose it. Ballots for
/// options that are not on the vote are ignored (they cannot be cast).
pub fn tally(options: &[String], ballots: &[&str]) -> BTreeMap<String, u32> {
    let mut counts: BTreeMap<String, u32> = options.iter().map(|o| (o.clone(), 0)).collect();
    for b in ballots {
        if let Some(n) = counts.get_mut(*b) {
            *n += 1;
        }
    }
    counts
}

/// The outcome under the rule: no quorum first; then the strict winner, or a tie.
pub fn outcome(quorum_met: bool, tally: &BTreeMap<String, u32>) -> Outcome {
    if !quorum_met {
        return Outcome::NoQuorum;
    }
    let best = tally.values().copied().max().unwrap_or(0);
    let mut leaders = tally.iter().filter(|(_, n)| **n == best);
    match (leaders.next(), leaders.next()) {
        (Some((option, n)), None) if *n > 0 => Outcome::Decided(option.clone()),
        _ => Outcome::Tied,
    }
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
    fn three_physicians_of_three_specialties() {
        let r = rule(3, 3, &[]);
        assert!(r.is_met(&[
            Some("Neurology"),
            Some("Neuroradiology"),
            Some("Ophthalmology")
        ]));
        // Three voters but two specialties.
        let res = r.evaluate(&[
            Some("Neurology"),
            Some("neurology "),
            Some("Neuroradiology"),
        ]);
        assert!(!res.met);
        assert_eq!(res.voters, 3);
        assert_eq!(res.specialties, ["Neurology", "Neuroradiology"]);
        // Too few voters.
        assert!(!r.is_met(&[Some("Neurology"), Some("Neuroradiology")]));
        assert!(!r.is_met(&[]));
    }

    #[test]
    fn required_specialties_must_all_vote() {
        let r = rule(
            3,
            3,
            &["Infectious diseases", "Orthopaedic surgery", "Microbiology"],
        );
        assert!(r.is_met(&[
            Some("infectious diseases"),
            Some("Orthopaedic Surgery"),
            Some("Microbiology")
        ]));
        let res = r.evaluate(&[
            Some("Infectious diseases"),
            Some("Orthopaedic surgery"),
            Some("Radiology"),
            Some("Anaesthesia"),
        ]);
        assert!(!res.met, "microbiology is missing");
        assert_eq!(res.voters, 4);
    }

    #[test]
    fn the_quorum_now_names_what_is_missing() {
        let r = rule(3, 2, &["Neuroradiology", "Neurology"]);
        let now = r.as_if_closed_now(&[Some("neurology"), Some("Neurology"), None]);
        assert!(!now.met);
        assert_eq!(now.voters, 3);
        assert_eq!(now.missing_voters, 0);
        assert_eq!(now.specialties, vec!["neurology".to_string()]);
        assert_eq!(now.missing_specialties, vec!["Neuroradiology".to_string()]);
        assert_eq!(now.missing_specialty_count, 1);
        let now = r.as_if_closed_now(&[Some("Neurology"), Some("NEURORADIOLOGY ")]);
        assert!(!now.met);
        assert_eq!(now.missing_voters, 1);
        assert!(now.missing_specialties.is_empty());
        assert_eq!(now.missing_specialty_count, 0);
        let now = r.as_if_closed_now(&[Some("Neurology"), Some("Neuroradiology"), None]);
        assert!(now.met);
        assert_eq!(r.as_if_closed_now(&[]).missing_voters, 3);
    }

    #[test]
    fn voters_without_specialty_count_as_voters_only() {
        let r = rule(3, 2, &[]);
        assert!(r.is_met(&[Some("Neurology"), Some("Radiology"), None]));
        assert!(!r.is_met(&[Some("Neurology"), None, None]));
        assert!(!r.is_met(&[Some("Neurology"), Some(""), None]));
    }

    fn opts(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn tally_counts_every_option() {
        let t = tally(
            &opts(&["escalate", "continue", "defer"]),
            &["escalate", "continue", "escalate", "bogus"],
        );
        assert_eq!(t["escalate"], 2);
        assert_eq!(t["continue"], 1);
        assert_eq!(t["defer"], 0);
        assert_eq!(t.len(), 3);
    }

    #[test]
    fn strict_winner_decides() {
        let t = tally(&opts(&["a", "b"]), &["a", "a", "b"]);
        assert_eq!(outcome(true, &t), Outcome::Decided("a".into()));
        assert_eq!(outcome(true, &t).status(), "decided");
        assert_eq!(outcome(true, &t).option(), Some("a"));
    }

    #[test]
    fn ties_are_recorded() {
        let t = tally(&opts(&["a", "b", "c"]), &["a", "b", "c", "c", "a"]);
        assert_eq!(outcome(true, &t), Outcome::Tied);
        assert_eq!(outcome(true, &t).option(), None);
        assert_eq!(
            outcome(true, &tally(&opts(&["a", "b"]), &[])),
            Outcome::Tied
        );
    }

    #[test]
    fn no_quorum_wins_over_everything() {
        let t = tally(&opts(&["a", "b"]), &["a", "a", "a"]);
        assert_eq!(outcome(false, &t), Outcome::NoQuorum);
        assert_eq!(outcome(false, &t).status(), "no_quorum");
    }

    #[test]
    fn a_changed_ballot_counts_once() {
        // Ballots are one per voter: the latest replaces the earlier one before counting.
        let mut ballots: BTreeMap<&str, &str> = BTreeMap::new();
        ballots.insert("v1", "a");
        ballots.insert("v2", "b");
        ballots.insert("v3", "b");
        ballots.insert("v3", "a");
        let cast: Vec<&str> = ballots.values().copied().collect();
        let t = tally(&opts(&["a", "b"]), &cast);
        assert_eq!(t["a"], 2);
        assert_eq!(outcome(true, &t), Outcome::Decided("a".into()));
    }
}

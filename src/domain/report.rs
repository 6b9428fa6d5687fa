//! The yearly activity report and the measures of time to decision (pure).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

/// A dossier sent to a board (its first submission).
#[derive(Debug, Clone)]
pub struct Received {
    pub submitted_at: NaiveDateTime,
    pub organization: Option<String>,
    /// The dossier's template field values (a JSON object).
    pub fields: serde_json::Map<String, serde_json::Value>,
}

/// A decision record: decided, tied, or without quorum.
#[derive(Debug, Clone)]
pub struct Decided {
    pub decided_at: NaiveDateTime,
    pub status: String,
    pub submitted_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct MonthActivity {
    /// `YYYY-MM`.
    pub month: String,
    pub received: u64,
    pub decided: u64,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct OrganizationActivity {
    pub organization: String,
    pub received: u64,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct ActivityReport {
    pub board_id: Option<String>,
    pub year: i32,
    /// Dossiers submitted during the year.
    pub dossiers_received: u64,
    /// Decisions with an outcome (`decided`) during the year.
    pub decisions: u64,
    /// Presentations that ended without quorum during the year.
    pub no_quorum: u64,
    /// Median days from first submission to an outcome, over the year's decisions.
    pub median_days_to_decision: Option<f64>,
    /// The 90th percentile of the same delays (nearest rank).
    pub p90_days_to_decision: Option<f64>,
    pub by_month: Vec<MonthActivity>,
    pub by_organization: Vec<OrganizationActivity>,
    /// The follow-ups of the year's decisions (API.md section 13).
    pub follow_up: FollowUpCounts,
    /// For each `choice`/`boolean` field of the board's template, the year's dossiers per value.
    pub fields: BTreeMap<String, BTreeMap<String, u64>>,
}

/// How the follow-ups of the year's decisions went: asked (come due), answered, and how.
#[derive(Debug, Clone, Default, Serialize, ToSchema, PartialEq, Eq)]
pub struct FollowUpCounts {
    pub asked: u64,
    pub answered: u64,
    pub applied_yes: u64,
    pub applied_partly: u64,
    pub applied_no: u64,
}

/// One follow-up as the report counts it: whether it came due by `now`, and its answer.
#[derive(Debug, Clone)]
pub struct FollowUpFact {
    pub due: bool,
    pub applied: Option<String>,
}

pub fn follow_up_counts(facts: &[FollowUpFact]) -> FollowUpCounts {
    let mut c = FollowUpCounts::default();
    for f in facts {
        if f.due || f.applied.is_some() {
            c.asked += 1;
        }
        match f.applied.as_deref() {
            Some("yes") => c.applied_yes += 1,
            Some("partly") => c.applied_partly += 1,
            Some("no") => c.applied_no += 1,
            _ => continue,
        }
        c.answered += 1;
    }
    c
}

/// The `p`-th percentile by nearest rank (`p` in 0..=100), or `None` for no values.
pub fn percentile(values: &mut [f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * values.len() as f64).ceil().max(1.0) as usize;
    Some(values[rank.min(values.len()) - 1])
}

/// Referrers without an organization on record are counted under this name.
pub const UNKNOWN_ORGANIZATION: &str = "unspecified";

/// Days from submission to decision, in fractional days (never negative).
pub fn days_between(submitted_at: NaiveDateTime, decided_at: NaiveDateTime) -> f64 {
    ((decided_at - submitted_at).num_seconds().max(0)) as f64 / 86_400.0
}

/// The median, or `None` for no values.
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    })
}

/// Builds the report of `year` from the dossiers received and decisions taken in that year
/// (callers pass only that year's facts; others are ignored all the same).
pub fn activity(
    board_id: Option<String>,
    year: i32,
    received: &[Received],
    decided: &[Decided],
) -> ActivityReport {
    let mut months: Vec<MonthActivity> = (1..=12)
        .map(|m| MonthActivity {
            month: format!("{year:04}-{m:02}"),
            received: 0,
            decided: 0,
        })
        .collect();
    let mut organizations: BTreeMap<String, u64> = BTreeMap::new();
    let mut dossiers_received = 0;
    for r in received.iter().filter(|r| r.submitted_at.year() == year) {
        dossiers_received += 1;
        months[r.submitted_at.month0() as usize].received += 1;
        let org = r
            .organization
            .as_deref()
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .unwrap_or(UNKNOWN_ORGANIZATION);
        *organizations.entry(org.to_string()).or_insert(0) += 1;
    }
    let mut decisions = 0;
    let mut no_quorum = 0;
    let mut days = Vec::new();
    for d in decided.iter().filter(|d| d.decided_at.year() == year) {
        match d.status.as_str() {
            "decided" => {
                decisions += 1;
                months[d.decided_at.month0() as usize].decided += 1;
                if let Some(s) = d.submitted_at {
                    days.push(days_between(s, d.decided_at));
                }
            }
            "no_quorum" => no_quorum += 1,
            _ => {}
        }
    }
    let mut by_organization: Vec<OrganizationActivity> = organizations
        .into_iter()
        .map(|(organization, received)| OrganizationActivity {
            organization,
            received,
        })
        .collect();
    by_organization.sort_by(|a, b| {
        b.received
            .cmp(&a.received)
            .then(a.organization.cmp(&b.organization))
    });
    ActivityReport {
        board_id,
        year,
        dossiers_received,
        decisions,
        no_quorum,
        median_days_to_decision: median(&mut days).map(|m| (m * 10.0).round() / 10.0),
        p90_days_to_decision: percentile(&mut days, 90.0).map(|m| (m * 10.0).round() / 10.0),
        by_month: months,
        by_organization,
        follow_up: FollowUpCounts::default(),
        fields: BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    }

    #[test]
    fn medians() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3.0]), Some(3.0));
        assert_eq!(median(&mut [9.0, 1.0, 5.0]), Some(5.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 10.0]), Some(3.0));
    }

    #[test]
    fn days_are_fractional_and_never_negative() {
        assert_eq!(days_between(at(2026, 1, 1, 0), at(2026, 1, 3, 12)), 2.5);
        assert_eq!(days_between(at(2026, 1, 3, 0), at(2026, 1, 1, 0)), 0.0);
    }

    #[test]
    fn the_90th_percentile_and_follow_up_counts() {
        let mut days: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&mut days, 90.0), Some(9.0));
        assert_eq!(percentile(&mut [4.0], 90.0), Some(4.0));
        assert_eq!(percentile(&mut [], 90.0), None);
        let mut twenty: Vec<f64> = (1..=20).rev().map(f64::from).collect();
        assert_eq!(percentile(&mut twenty, 90.0), Some(18.0));
        let fact = |due, applied: Option<&str>| FollowUpFact {
            due,
            applied: applied.map(String::from),
        };
        let c = follow_up_counts(&[
            fact(true, Some("yes")),
            fact(true, Some("no")),
            fact(false, Some("partly")),
            fact(true, None),
            fact(false, None),
        ]);
        assert_eq!(
            c,
            FollowUpCounts {
                asked: 4,
                answered: 3,
                applied_yes: 1,
                applied_partly: 1,
                applied_no: 1
            }
        );
    }

    #[test]
    fn a_year_of_activity() {
        let received = vec![
            Received {
                submitted_at: at(2026, 1, 5, 9),
                organization: Some("CH Bourg".into()),
                fields: Default::default(),
            },
            Received {
                submitted_at: at(2026, 1, 20, 9),
                organization: Some("CHU Lyon".into()),
                fields: Default::default(),
            },
            Received {
                submitted_at: at(2026, 3, 2, 9),
                organization: Some("CH Bourg".into()),
                fields: Default::default(),
            },
            Received {
                submitted_at: at(2026, 3, 9, 9),
                organization: None,
                fields: Default::default(),
            },
            Received {
                submitted_at: at(2025, 12, 30, 9),
                organization: Some("CH Bourg".into()),
                fields: Default::default(),
            },
        ];
        let decided = vec![
            Decided {
                decided_at: at(2026, 1, 15, 9),
                status: "decided".into(),
                submitted_at: Some(at(2026, 1, 5, 9)),
            },
            Decided {
                decided_at: at(2026, 3, 10, 9),
                status: "no_quorum".into(),
                submitted_at: Some(at(2026, 3, 2, 9)),
            },
            Decided {
                decided_at: at(2026, 3, 17, 9),
                status: "decided".into(),
                submitted_at: Some(at(2026, 3, 2, 9)),
            },
            Decided {
                decided_at: at(2026, 3, 17, 10),
                status: "tied".into(),
                submitted_at: Some(at(2026, 3, 9, 9)),
            },
            Decided {
                decided_at: at(2026, 4, 1, 9),
                status: "decided".into(),
                submitted_at: Some(at(2025, 12, 30, 9)),
            },
        ];
        let r = activity(Some("b1".into()), 2026, &received, &decided);
        assert_eq!(r.dossiers_received, 4);
        assert_eq!(r.decisions, 3);
        assert_eq!(r.no_quorum, 1);
        // 10, 15 and 92 days: the median is 15.
        assert_eq!(r.median_days_to_decision, Some(15.0));
        assert_eq!(r.by_month.len(), 12);
        assert_eq!(
            r.by_month[0],
            MonthActivity {
                month: "2026-01".into(),
                received: 2,
                decided: 1
            }
        );
        assert_eq!(
            r.by_month[2],
            MonthActivity {
                month: "2026-03".into(),
                received: 2,
                decided: 1
            }
        );
        assert_eq!(r.by_month[3].decided, 1);
        assert_eq!(
            r.by_organization[0],
            OrganizationActivity {
                organization: "CH Bourg".into(),
                received: 2
            }
        );
        assert_eq!(r.by_organization.len(), 3);
        assert!(
            r.by_organization
                .iter()
                .any(|o| o.organization == UNKNOWN_ORGANIZATION)
        );
    }

    #[test]
    fn an_empty_year() {
        let r = activity(None, 2030, &[], &[]);
        assert_eq!(r.dossiers_received, 0);
        assert_eq!(r.median_days_to_decision, None);
        assert!(r.by_month.iter().all(|m| m.received == 0 && m.decided == 0));
    }
}

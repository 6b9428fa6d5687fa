//! Boards (expert panels), their members' roles and their quorum rule.

use serde::{Deserialize, Serialize};

use super::{ValidationError, text};
use crate::string_enum;

string_enum! {
    /// A member's role on one board. Coordinators triage, schedule and chair.
    pub enum BoardRole { Coordinator => "coordinator", Member => "member" }
}

pub const BOARD_NAME_MAX_CHARS: usize = 200;
pub const BOARD_DESCRIPTION_MAX_CHARS: usize = 4000;
pub const MAX_VOTERS_RULE: u32 = 100;
pub const MAX_REQUIRED_SPECIALTIES: usize = 20;

/// The quorum rule of a board (PRODUCT.md: "Quorum").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QuorumRule {
    pub min_voters: u32,
    pub min_specialties: u32,
    pub required_specialties: Vec<String>,
}

impl Default for QuorumRule {
    fn default() -> Self {
        QuorumRule {
            min_voters: 3,
            min_specialties: 3,
            required_specialties: Vec::new(),
        }
    }
}

impl QuorumRule {
    pub fn parse(
        min_voters: i64,
        min_specialties: i64,
        required: &[String],
    ) -> Result<QuorumRule, ValidationError> {
        let bound = |field: &str, v: i64, min: i64| -> Result<u32, ValidationError> {
            if v < min || v > i64::from(MAX_VOTERS_RULE) {
                Err(ValidationError::new(
                    field,
                    format!("must be between {min} and {MAX_VOTERS_RULE}"),
                ))
            } else {
                Ok(v as u32)
            }
        };
        let min_voters = bound("quorum.min_voters", min_voters, 1)?;
        let min_specialties = bound("quorum.min_specialties", min_specialties, 0)?;
        if min_specialties > min_voters {
            return Err(ValidationError::new(
                "quorum.min_specialties",
                "must not exceed min_voters",
            ));
        }
        if required.len() > MAX_REQUIRED_SPECIALTIES {
            return Err(ValidationError::new(
                "quorum.required_specialties",
                format!("at most {MAX_REQUIRED_SPECIALTIES} specialties"),
            ));
        }
        let mut required_specialties: Vec<String> = Vec::with_capacity(required.len());
        for (i, s) in required.iter().enumerate() {
            let field = format!("quorum.required_specialties[{i}]");
            let s = text::line(&field, s, super::user::SPECIALTY_MAX_CHARS)?;
            if required_specialties
                .iter()
                .any(|have| specialty_key(have) == specialty_key(&s))
            {
                return Err(ValidationError::new(field, "listed twice"));
            }
            required_specialties.push(s);
        }
        if required_specialties.len() as u32 > min_voters {
            return Err(ValidationError::new(
                "quorum.required_specialties",
                "more required specialties than min_voters",
            ));
        }
        Ok(QuorumRule {
            min_voters,
            min_specialties,
            required_specialties,
        })
    }
}

/// Specialties are compared without regard to case or surrounding spaces.
pub fn specialty_key(s: &str) -> String {
    s.trim().to_lowercase()
}

/// A validated new board.
#[derive(Debug)]
pub struct NewBoard {
    pub name: String,
    pub description: String,
    pub quorum: QuorumRule,
    pub show_ballots_to_referrer: bool,
}

/// A validated change to a board (`PATCH /api/boards/{id}`): what is `None` stays.
#[derive(Debug, Default)]
pub struct BoardPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub quorum: Option<QuorumRule>,
    pub show_ballots_to_referrer: Option<bool>,
    /// Days after a decision when its referrer is asked for the follow-up (0: never).
    pub follow_up_days: Option<i32>,
}

impl BoardPatch {
    /// Checks each given field as `NewBoard::parse` does; the quorum comes already parsed.
    pub fn parse(
        name: Option<&str>,
        description: Option<&str>,
        quorum: Option<QuorumRule>,
        show_ballots_to_referrer: Option<bool>,
        follow_up_days: Option<i64>,
    ) -> Result<BoardPatch, ValidationError> {
        let follow_up_days = follow_up_days
            .map(|d| {
                i32::try_from(d)
                    .ok()
                    .filter(|d| (0..=super::follow_up::MAX_DAYS).contains(d))
                    .ok_or_else(|| {
                        ValidationError::new(
                            "follow_up_days",
                            format!("must be between 0 and {}", super::follow_up::MAX_DAYS),
                        )
                    })
            })
            .transpose()?;
        let patch = BoardPatch {
            name: name
                .map(|n| text::line("name", n, BOARD_NAME_MAX_CHARS))
                .transpose()?,
            description: description
                .map(|d| text::paragraph("description", d, BOARD_DESCRIPTION_MAX_CHARS))
                .transpose()?,
            quorum,
            show_ballots_to_referrer,
            follow_up_days,
        };
        if patch.is_empty() {
            return Err(ValidationError::new("body", "nothing to change"));
        }
        Ok(patch)
    }

    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.description.is_none()
            && self.quorum.is_none()
            && self.show_ballots_to_referrer.is_none()
            && self.follow_up_days.is_none()
    }
}

impl NewBoard {
    pub fn parse(
        name: &str,
        description: Option<&str>,
        quorum: Option<QuorumRule>,
    ) -> Result<NewBoard, ValidationError> {
        let quorum = match quorum {
            Some(q) => QuorumRule::parse(
                q.min_voters.into(),
                q.min_specialties.into(),
                &q.required_specialties,
            )?,
            None => QuorumRule::default(),
        };
        Ok(NewBoard {
            name: text::line("name", name, BOARD_NAME_MAX_CHARS)?,
            description: text::paragraph(
                "description",
                description.unwrap_or(""),
                BOARD_DESCRIPTION_MAX_CHARS,
            )?,
            quorum,
            show_ballots_to_referrer: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_quorum_is_three_of_three() {
        let b = NewBoard::parse("CRC SEP", None, None).unwrap();
        assert_eq!(b.quorum, QuorumRule::default());
        assert_eq!(b.quorum.min_voters, 3);
    }

    #[test]
    fn quorum_bounds() {
        assert_eq!(
            QuorumRule::parse(0, 0, &[]).unwrap_err().field,
            "quorum.min_voters"
        );
        assert_eq!(
            QuorumRule::parse(101, 0, &[]).unwrap_err().field,
            "quorum.min_voters"
        );
        assert_eq!(
            QuorumRule::parse(2, 3, &[]).unwrap_err().field,
            "quorum.min_specialties"
        );
        assert_eq!(
            QuorumRule::parse(3, -1, &[]).unwrap_err().field,
            "quorum.min_specialties"
        );
    }

    #[test]
    fn required_specialties_are_distinct_and_fit() {
        let dup = vec!["Microbiology".to_string(), " microbiology".to_string()];
        assert_eq!(
            QuorumRule::parse(3, 3, &dup).unwrap_err().field,
            "quorum.required_specialties[1]"
        );
        let many: Vec<String> = (0..4).map(|i| format!("s{i}")).collect();
        assert!(QuorumRule::parse(3, 3, &many).is_err());
        let blank = vec![" ".to_string()];
        assert_eq!(
            QuorumRule::parse(3, 3, &blank).unwrap_err().field,
            "quorum.required_specialties[0]"
        );
        let ok = vec![
            "Infectiology".into(),
            "Orthopaedic surgery".into(),
            "Microbiology".into(),
        ];
        assert_eq!(
            QuorumRule::parse(3, 3, &ok)
                .unwrap()
                .required_specialties
                .len(),
            3
        );
    }
}

//! The follow-up of a decision (API.md section 13): whether the board's advice was applied,
//! answered once by the dossier's referrer, with a reason unless it was applied. Pure.

use chrono::{Duration, NaiveDateTime};

use super::ValidationError;
use crate::string_enum;

string_enum! {
    /// Whether the advice was applied.
    pub enum Applied { Yes => "yes", Partly => "partly", No => "no" }
}

/// A follow-up as the API shows it (with its decision once answered, and in the list of the
/// referrer's follow-ups).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct FollowUpView {
    pub decision_id: String,
    pub dossier_id: String,
    /// The dossier's reference (in the referrer's list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub due_at: String,
    #[schema(value_type = Option<String>)]
    pub applied: Option<Applied>,
    pub reason: Option<String>,
    pub outcome_note: Option<String>,
    pub answered_at: Option<String>,
}

/// At most this many characters in a reason or an outcome note.
pub const NOTE_MAX_CHARS: usize = 2_000;

/// A checked answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub applied: Applied,
    pub reason: Option<String>,
    pub outcome_note: Option<String>,
}

impl Answer {
    /// `reason` is required unless the advice was applied (`yes`).
    pub fn parse(
        applied: Applied,
        reason: Option<&str>,
        outcome_note: Option<&str>,
    ) -> Result<Answer, ValidationError> {
        let text = |field: &str, v: Option<&str>| {
            v.map(|t| super::text::paragraph(field, t, NOTE_MAX_CHARS))
                .transpose()
                .map(|t| t.filter(|t| !t.trim().is_empty()))
        };
        let reason = text("reason", reason)?;
        let outcome_note = text("outcome_note", outcome_note)?;
        if applied != Applied::Yes && reason.is_none() {
            return Err(ValidationError::new(
                "reason",
                "say why the advice was not, or only partly, applied",
            ));
        }
        Ok(Answer {
            applied,
            reason,
            outcome_note,
        })
    }
}

/// When a decision taken at `decided_at` is followed up: `days` later; none for 0 days or an
/// outcome other than `decided`.
pub fn due(status: &str, decided_at: NaiveDateTime, days: i32) -> Option<NaiveDateTime> {
    (status == "decided" && days > 0).then(|| decided_at + Duration::days(i64::from(days)))
}

/// The largest `follow_up_days` a board may set (ten years).
pub const MAX_DAYS: i32 = 3_650;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_unless_applied() {
        assert!(Answer::parse(Applied::Yes, None, None).is_ok());
        for a in [Applied::Partly, Applied::No] {
            assert_eq!(Answer::parse(a, None, None).unwrap_err().field, "reason");
            assert_eq!(
                Answer::parse(a, Some("  "), None).unwrap_err().field,
                "reason"
            );
            assert!(Answer::parse(a, Some("Intolerance"), None).is_ok());
        }
        let long = "x".repeat(NOTE_MAX_CHARS + 1);
        assert_eq!(
            Answer::parse(Applied::Yes, None, Some(&long))
                .unwrap_err()
                .field,
            "outcome_note"
        );
    }

    #[test]
    fn due_after_the_board_s_days_for_decided_only() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap();
        assert_eq!(due("decided", at, 90), Some(at + Duration::days(90)));
        assert_eq!(due("decided", at, 0), None);
        assert_eq!(due("no_quorum", at, 90), None);
        assert_eq!(due("tied", at, 90), None);
    }
}

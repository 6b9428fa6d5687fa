//! Dossiers: the referral of one pseudonymised patient to a board, and its state machine.

use serde::{Deserialize, Serialize};

use super::{ValidationError, text};
use crate::string_enum;

string_enum! {
    /// Where a dossier stands. `decided` is reached only through a vote (live rooms).
    pub enum DossierStatus {
        Draft => "draft",
        Submitted => "submitted",
        Scheduled => "scheduled",
        Decided => "decided",
        Withdrawn => "withdrawn",
    }
}

string_enum! {
    pub enum Sex { Female => "female", Male => "male", Other => "other", Unknown => "unknown" }
}

string_enum! {
    pub enum Urgency { Routine => "routine", Priority => "priority" }
}

// The enum comes from `string_enum!`, which cannot mark a `#[default]` variant.
#[allow(clippy::derivable_impls)]
impl Default for Urgency {
    fn default() -> Self {
        Urgency::Routine
    }
}

/// What can happen to a dossier's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The referrer sends the draft to the board.
    Submit,
    /// A coordinator puts it on a session's agenda.
    Schedule,
    /// A coordinator takes it off the agenda.
    Unschedule,
    /// The referrer withdraws it.
    Withdraw,
    /// A vote closed with an outcome.
    Decide,
    /// A vote closed without quorum or tied: to be presented again.
    Requeue,
}

impl Transition {
    fn verb(self) -> &'static str {
        match self {
            Transition::Submit => "submit",
            Transition::Schedule => "schedule",
            Transition::Unschedule => "unschedule",
            Transition::Withdraw => "withdraw",
            Transition::Decide => "decide",
            Transition::Requeue => "requeue",
        }
    }
}

/// A transition that the current status does not allow (HTTP 409).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionError {
    pub from: DossierStatus,
    pub transition: Transition,
}

impl std::fmt::Display for TransitionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot {} a dossier that is {}",
            self.transition.verb(),
            self.from
        )
    }
}

impl DossierStatus {
    /// The status after `transition`, or why it is not allowed.
    pub fn apply(self, transition: Transition) -> Result<DossierStatus, TransitionError> {
        use DossierStatus::*;
        use Transition::*;
        let next = match (self, transition) {
            (Draft, Submit) => Some(Submitted),
            (Submitted, Schedule) => Some(Scheduled),
            (Scheduled, Unschedule) => Some(Submitted),
            (Draft | Submitted | Scheduled, Withdraw) => Some(Withdrawn),
            (Scheduled, Decide) => Some(Decided),
            (Scheduled, Requeue) => Some(Submitted),
            _ => None,
        };
        next.ok_or(TransitionError {
            from: self,
            transition,
        })
    }

    /// The referrer may change the content only before the board has taken the dossier up.
    pub fn is_editable(self) -> bool {
        matches!(self, DossierStatus::Draft | DossierStatus::Submitted)
    }

    /// Attachments may be added or removed until the dossier is decided or withdrawn.
    pub fn is_open(self) -> bool {
        !matches!(self, DossierStatus::Decided | DossierStatus::Withdrawn)
    }
}

pub const TITLE_MAX_CHARS: usize = 200;
pub const PSEUDONYM_MAX_CHARS: usize = 64;
pub const QUESTION_MAX_CHARS: usize = 4000;
pub const HISTORY_MAX_CHARS: usize = 20000;
pub const MIN_BIRTH_YEAR: i32 = 1900;

/// The pseudonymised patient: never a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Patient {
    pub pseudonym: String,
    pub birth_year: Option<i32>,
    pub sex: Option<Sex>,
}

impl Patient {
    pub fn parse(
        pseudonym: &str,
        birth_year: Option<i64>,
        sex: Option<Sex>,
        current_year: i32,
    ) -> Result<Patient, ValidationError> {
        let pseudonym = text::line("patient.pseudonym", pseudonym, PSEUDONYM_MAX_CHARS)?;
        let birth_year = match birth_year {
            None => None,
            Some(y) if y >= i64::from(MIN_BIRTH_YEAR) && y <= i64::from(current_year) => {
                Some(y as i32)
            }
            Some(_) => {
                return Err(ValidationError::new(
                    "patient.birth_year",
                    format!("must be between {MIN_BIRTH_YEAR} and {current_year}"),
                ));
            }
        };
        Ok(Patient {
            pseudonym,
            birth_year,
            sex,
        })
    }
}

/// The referrer's content of a dossier, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierContent {
    pub title: String,
    pub patient: Patient,
    pub question: String,
    pub history: String,
    pub urgency: Urgency,
    pub consent: bool,
}

impl DossierContent {
    pub fn check_title(title: &str) -> Result<String, ValidationError> {
        text::line("title", title, TITLE_MAX_CHARS)
    }

    pub fn check_question(question: &str) -> Result<String, ValidationError> {
        text::paragraph("question", question, QUESTION_MAX_CHARS)
    }

    pub fn check_history(history: &str) -> Result<String, ValidationError> {
        text::paragraph("history", history, HISTORY_MAX_CHARS)
    }

    /// What submission requires (PRODUCT.md flow, step 1): a question and recorded consent.
    /// Everything the content lacks to be submitted (`question`, `consent`), every item.
    pub fn missing_for_submission(&self) -> Vec<String> {
        let mut missing = Vec::new();
        if self.question.trim().is_empty() {
            missing.push("question".to_string());
        }
        if !self.consent {
            missing.push("consent".to_string());
        }
        missing
    }

    pub fn check_submittable(&self) -> Result<(), ValidationError> {
        if self.question.trim().is_empty() {
            return Err(ValidationError::new(
                "question",
                "a clinical question is required to submit",
            ));
        }
        if !self.consent {
            return Err(ValidationError::new(
                "consent",
                "the patient's consent must be recorded to submit",
            ));
        }
        Ok(())
    }
}

/// A change to a dossier's content; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct DossierPatch {
    pub title: Option<String>,
    pub patient: Option<Patient>,
    pub question: Option<String>,
    pub history: Option<String>,
    pub urgency: Option<Urgency>,
    pub consent: Option<bool>,
    /// Another board of the service (only while a draft: `may_change_board`).
    pub board_id: Option<String>,
    /// Template field values to merge (checked by `domain::template`; `null` removes one).
    pub fields: Option<serde_json::Map<String, serde_json::Value>>,
}

impl DossierPatch {
    pub fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.patient.is_none()
            && self.question.is_none()
            && self.history.is_none()
            && self.urgency.is_none()
            && self.board_id.is_none()
            && self.fields.is_none()
            && self.consent.is_none()
    }

    /// The content after this patch, if the status allows it. A submitted dossier must stay
    /// submittable: its question cannot be emptied nor its consent withdrawn by an edit.
    pub fn apply_to(
        self,
        status: DossierStatus,
        current: &DossierContent,
    ) -> Result<DossierContent, PatchError> {
        if !status.is_editable() {
            return Err(PatchError::NotEditable(status));
        }
        let next = DossierContent {
            title: self.title.unwrap_or_else(|| current.title.clone()),
            patient: self.patient.unwrap_or_else(|| current.patient.clone()),
            question: self.question.unwrap_or_else(|| current.question.clone()),
            history: self.history.unwrap_or_else(|| current.history.clone()),
            urgency: self.urgency.unwrap_or(current.urgency),
            consent: self.consent.unwrap_or(current.consent),
        };
        if status == DossierStatus::Submitted {
            next.check_submittable().map_err(PatchError::Invalid)?;
        }
        Ok(next)
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum PatchError {
    NotEditable(DossierStatus),
    Invalid(ValidationError),
    /// The board was asked to change after the dossier left the draft state.
    BoardFixed(DossierStatus),
}

/// A dossier goes to another board only while it is a draft: once submitted, its board has
/// seen it (and may have put it on an agenda).
pub fn may_change_board(status: DossierStatus) -> Result<(), PatchError> {
    if status == DossierStatus::Draft {
        Ok(())
    } else {
        Err(PatchError::BoardFixed(status))
    }
}

/// Human-readable dossier reference: `RCP-2026-000042`.
pub fn reference(year: i32, number: i64) -> String {
    format!("RCP-{year}-{number:06}")
}

#[cfg(test)]
#[path = "dossier_tests.rs"]
mod tests;

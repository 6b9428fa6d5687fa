//! The rules of taking imaging from the hospital's PACS (API.md section 15): what a search may
//! ask, which identifiers may go to the PACS, an import's states and what a STOW-RS push
//! answers. The patient identifiers a searcher types or the PACS returns are never kept: this
//! module only checks their shape.

use super::ValidationError;

/// The most studies one search lists.
pub const SEARCH_LIMIT: usize = 50;
/// The most series one import may name.
pub const MAX_SERIES: usize = 500;

/// A QIDO-RS search, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StudyQuery {
    pub patient_id: Option<String>,
    pub accession_number: Option<String>,
    /// `YYYYMMDD` or a range `YYYYMMDD-YYYYMMDD` (either end may be open).
    pub study_date: Option<String>,
    pub modality: Option<String>,
}

impl StudyQuery {
    /// Checks the filters: at least one, each of its DICOM shape (no wildcard, no control
    /// character, within the VR's length).
    pub fn parse(
        patient_id: Option<&str>,
        accession_number: Option<&str>,
        study_date: Option<&str>,
        modality: Option<&str>,
    ) -> Result<StudyQuery, ValidationError> {
        let clean = |v: Option<&str>| v.map(str::trim).filter(|v| !v.is_empty()).map(String::from);
        let query = StudyQuery {
            patient_id: clean(patient_id),
            accession_number: clean(accession_number),
            study_date: clean(study_date),
            modality: clean(modality).map(|m| m.to_ascii_uppercase()),
        };
        if query.names().is_empty() {
            return Err(ValidationError::new(
                "query",
                "give at least one of patient_id, accession_number, study_date, modality",
            ));
        }
        if let Some(id) = &query.patient_id {
            dicom_text("patient_id", id, 64)?;
        }
        if let Some(acc) = &query.accession_number {
            dicom_text("accession_number", acc, 16)?;
        }
        if let Some(date) = &query.study_date {
            date_range(date)?;
        }
        if let Some(m) = &query.modality
            && !(m.len() <= 16
                && m.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
        {
            return Err(ValidationError::new(
                "modality",
                "must be a DICOM modality such as MR, CT or CR",
            ));
        }
        Ok(query)
    }

    /// Which filters were given (their names only: what the audit keeps).
    pub fn names(&self) -> Vec<&'static str> {
        [
            ("patient_id", self.patient_id.is_some()),
            ("accession_number", self.accession_number.is_some()),
            ("study_date", self.study_date.is_some()),
            ("modality", self.modality.is_some()),
        ]
        .into_iter()
        .filter(|(_, given)| *given)
        .map(|(name, _)| name)
        .collect()
    }
}

/// Free DICOM text sent as a QIDO matching key: no wildcard (`*`, `?`) and no `\`, which would
/// widen the match; printable; at most `max` characters.
fn dicom_text(field: &str, value: &str, max: usize) -> Result<(), ValidationError> {
    if value.chars().count() > max {
        return Err(ValidationError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() || matches!(c, '*' | '?' | '\\'))
    {
        return Err(ValidationError::new(
            field,
            "must not contain control characters, wildcards or backslashes",
        ));
    }
    Ok(())
}

fn date_range(value: &str) -> Result<(), ValidationError> {
    let date = |d: &str| {
        d.len() == 8
            && d.bytes().all(|b| b.is_ascii_digit())
            && chrono::NaiveDate::parse_from_str(d, "%Y%m%d").is_ok()
    };
    let valid = match value.split_once('-') {
        Some((from, to)) => {
            (from.is_empty() || date(from)) && (to.is_empty() || date(to)) && value.len() > 1
        }
        None => date(value),
    };
    if valid {
        Ok(())
    } else {
        Err(ValidationError::new(
            "study_date",
            "must be YYYYMMDD or a range YYYYMMDD-YYYYMMDD",
        ))
    }
}

/// A DICOM UID: 1 to 64 characters, digits and dots, as the PACS will be asked for it.
pub fn uid(field: &str, value: &str) -> Result<String, ValidationError> {
    let fine = !value.is_empty()
        && value.len() <= 64
        && value.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && !value.starts_with('.')
        && !value.ends_with('.')
        && !value.contains("..");
    if fine {
        Ok(value.to_string())
    } else {
        Err(ValidationError::new(
            field,
            "must be a DICOM UID (digits and dots, at most 64 characters)",
        ))
    }
}

/// The series an import asks for: none (every series of the study) or 1 to 500 distinct UIDs.
pub fn series_uids(values: Option<&[String]>) -> Result<Vec<String>, ValidationError> {
    let Some(values) = values else {
        return Ok(Vec::new());
    };
    if values.is_empty() || values.len() > MAX_SERIES {
        return Err(ValidationError::new(
            "series_uids",
            format!("give 1 to {MAX_SERIES} series, or leave it out for the whole study"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for (i, v) in values.iter().enumerate() {
        let v = uid(&format!("series_uids[{i}]"), v)?;
        if out.contains(&v) {
            return Err(ValidationError::new(
                format!("series_uids[{i}]"),
                "is given twice",
            ));
        }
        out.push(v);
    }
    Ok(out)
}

/// Where an import is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStatus {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl ImportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportStatus::Queued => "queued",
            ImportStatus::Running => "running",
            ImportStatus::Done => "done",
            ImportStatus::Failed => "failed",
            ImportStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> ImportStatus {
        match s {
            "queued" => ImportStatus::Queued,
            "running" => ImportStatus::Running,
            "done" => ImportStatus::Done,
            "cancelled" => ImportStatus::Cancelled,
            _ => ImportStatus::Failed,
        }
    }

    /// Still under way: it may be cancelled, and it is watched for a dead runner.
    pub fn is_open(self) -> bool {
        matches!(self, ImportStatus::Queued | ImportStatus::Running)
    }
}

/// Why an import cannot be cancelled: it has ended.
pub fn may_cancel(status: ImportStatus) -> Result<(), String> {
    if status.is_open() {
        Ok(())
    } else {
        Err(format!(
            "the import has already ended ({}): nothing to cancel",
            status.as_str()
        ))
    }
}

/// The HTTP status of a STOW-RS answer: every instance stored (200), some (202), none (409).
pub fn stow_status(stored: usize, failed: usize) -> u16 {
    match (stored, failed) {
        (_, 0) if stored > 0 => 200,
        (0, _) => 409,
        _ => 202,
    }
}

#[cfg(test)]
#[path = "pacs_tests.rs"]
mod tests;

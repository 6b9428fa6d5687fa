use super::*;

#[test]
fn a_search_needs_one_clean_filter() {
    assert!(StudyQuery::parse(None, None, None, None).is_err());
    assert!(StudyQuery::parse(Some(" "), Some(""), None, None).is_err());
    let q =
        StudyQuery::parse(Some(" PID-1 "), None, Some("20260101-20261130"), Some("mr")).unwrap();
    assert_eq!(q.patient_id.as_deref(), Some("PID-1"));
    assert_eq!(q.modality.as_deref(), Some("MR"));
    assert_eq!(q.names(), vec!["patient_id", "study_date", "modality"]);
    for (field, bad) in [
        (
            "patient_id",
            StudyQuery::parse(Some("PID*"), None, None, None),
        ),
        (
            "patient_id",
            StudyQuery::parse(Some("a\\b"), None, None, None),
        ),
        (
            "patient_id",
            StudyQuery::parse(Some("a\nb"), None, None, None),
        ),
        (
            "patient_id",
            StudyQuery::parse(Some(&"x".repeat(65)), None, None, None),
        ),
        (
            "accession_number",
            StudyQuery::parse(None, Some(&"1".repeat(17)), None, None),
        ),
        (
            "study_date",
            StudyQuery::parse(None, None, Some("2026-11-30"), None),
        ),
        (
            "study_date",
            StudyQuery::parse(None, None, Some("20261331"), None),
        ),
        ("study_date", StudyQuery::parse(None, None, Some("-"), None)),
        ("modality", StudyQuery::parse(None, None, None, Some("M R"))),
        ("modality", StudyQuery::parse(None, None, None, Some("MR*"))),
    ] {
        assert_eq!(bad.unwrap_err().field, field);
    }
    for fine in ["20261130", "20261101-", "-20261130", "20260101-20261130"] {
        assert!(
            StudyQuery::parse(None, None, Some(fine), None).is_ok(),
            "{fine}"
        );
    }
}

#[test]
fn uids_are_digits_and_dots() {
    assert!(uid("u", "1.2.826.0.1.3680043.99.1").is_ok());
    for bad in ["", "1..2", ".1", "1.", "1.2.a", "1/2", &"1".repeat(65)] {
        assert!(uid("u", bad).is_err(), "{bad}");
    }
}

#[test]
fn series_are_distinct_and_bounded() {
    assert_eq!(series_uids(None).unwrap(), Vec::<String>::new());
    assert!(series_uids(Some(&[])).is_err());
    let twice = vec!["1.2".to_string(), "1.2".to_string()];
    assert_eq!(
        series_uids(Some(&twice)).unwrap_err().field,
        "series_uids[1]"
    );
    let bad = vec!["1.2".to_string(), "x".to_string()];
    assert_eq!(series_uids(Some(&bad)).unwrap_err().field, "series_uids[1]");
    let many: Vec<String> = (0..=MAX_SERIES).map(|i| format!("1.{i}")).collect();
    assert!(series_uids(Some(&many)).is_err());
}

#[test]
fn only_open_imports_are_cancelled() {
    for s in [ImportStatus::Queued, ImportStatus::Running] {
        assert!(may_cancel(s).is_ok());
    }
    for s in [
        ImportStatus::Done,
        ImportStatus::Failed,
        ImportStatus::Cancelled,
    ] {
        assert!(may_cancel(s).is_err());
        assert_eq!(ImportStatus::parse(s.as_str()), s);
    }
}

#[test]
fn stow_answers_by_what_was_stored() {
    assert_eq!(stow_status(3, 0), 200);
    assert_eq!(stow_status(2, 1), 202);
    assert_eq!(stow_status(0, 3), 409);
    assert_eq!(stow_status(0, 0), 409);
}

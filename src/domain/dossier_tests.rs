use super::DossierStatus::*;
use super::Transition::*;
use super::*;

#[test]
fn allowed_transitions() {
    let allowed = [
        (Draft, Submit, Submitted),
        (Submitted, Schedule, Scheduled),
        (Scheduled, Unschedule, Submitted),
        (Draft, Withdraw, Withdrawn),
        (Submitted, Withdraw, Withdrawn),
        (Scheduled, Withdraw, Withdrawn),
        (Scheduled, Decide, Decided),
        (Scheduled, Requeue, Submitted),
    ];
    for (from, t, to) in allowed {
        assert_eq!(from.apply(t), Ok(to), "{from} {t:?}");
    }
}

#[test]
fn every_other_transition_is_refused() {
    let transitions = [Submit, Schedule, Unschedule, Withdraw, Decide, Requeue];
    let mut refused = 0;
    for from in DossierStatus::ALL {
        for t in transitions {
            if let Err(e) = from.apply(t) {
                assert_eq!(e.from, *from);
                refused += 1;
            }
        }
    }
    // 5 statuses x 6 transitions, 8 allowed.
    assert_eq!(refused, 22);
    assert_eq!(
        Decided.apply(Withdraw).unwrap_err().to_string(),
        "cannot withdraw a dossier that is decided"
    );
}

#[test]
fn editability_and_openness() {
    assert!(Draft.is_editable() && Submitted.is_editable());
    assert!(!Scheduled.is_editable() && !Decided.is_editable() && !Withdrawn.is_editable());
    assert!(Scheduled.is_open());
    assert!(!Decided.is_open() && !Withdrawn.is_open());
}

fn content() -> DossierContent {
    DossierContent {
        title: "Relapsing MS, escalation?".into(),
        patient: Patient::parse("SEP-0042", Some(1985), Some(Sex::Female), 2026).unwrap(),
        question: "Switch to a high-efficacy therapy?".into(),
        history: String::new(),
        urgency: Urgency::Routine,
        consent: true,
    }
}

#[test]
fn submission_needs_question_and_consent() {
    let mut c = content();
    assert!(c.check_submittable().is_ok());
    c.question = "  ".into();
    assert_eq!(c.check_submittable().unwrap_err().field, "question");
    c = content();
    c.consent = false;
    assert_eq!(c.check_submittable().unwrap_err().field, "consent");
}

#[test]
fn patch_respects_status() {
    let patch = DossierPatch {
        title: Some("New".into()),
        ..Default::default()
    };
    assert_eq!(
        patch.clone().apply_to(Draft, &content()).unwrap().title,
        "New"
    );
    assert_eq!(
        patch.apply_to(Scheduled, &content()).unwrap_err(),
        PatchError::NotEditable(Scheduled)
    );
    let drop_consent = DossierPatch {
        consent: Some(false),
        ..Default::default()
    };
    assert!(drop_consent.clone().apply_to(Draft, &content()).is_ok());
    assert!(matches!(
        drop_consent.apply_to(Submitted, &content()),
        Err(PatchError::Invalid(e)) if e.field == "consent"
    ));
}

#[test]
fn the_board_changes_only_while_a_draft() {
    assert!(may_change_board(Draft).is_ok());
    for s in [Submitted, Scheduled, Decided, Withdrawn] {
        assert_eq!(may_change_board(s), Err(PatchError::BoardFixed(s)));
    }
}

#[test]
fn patient_birth_year_bounds() {
    assert!(Patient::parse("P1", Some(1899), None, 2026).is_err());
    assert!(Patient::parse("P1", Some(2027), None, 2026).is_err());
    assert_eq!(
        Patient::parse(" ", None, None, 2026).unwrap_err().field,
        "patient.pseudonym"
    );
}

#[test]
fn references_are_padded() {
    assert_eq!(reference(2026, 42), "RCP-2026-000042");
    assert_eq!(reference(2026, 1_234_567), "RCP-2026-1234567");
}

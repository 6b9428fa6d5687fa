use serde_json::json;

use super::*;

#[test]
fn return_to_stays_on_this_service() {
    assert_eq!(return_to(None).unwrap(), "/");
    assert_eq!(return_to(Some("")).unwrap(), "/");
    for fine in [
        "/",
        "/#/dossiers/abc",
        "/#/sessions/1?tab=room",
        "/index.html",
    ] {
        assert_eq!(return_to(Some(fine)).unwrap(), fine);
    }
    for bad in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "/a\\b",
        "javascript:alert(1)",
        "evil.example",
        "#/dossiers",
        "/ /x",
        "/\n/evil.example",
        "/\t/evil.example",
        "http:/evil.example",
    ] {
        assert_eq!(
            return_to(Some(bad)),
            Err(SignInFailure::BadReturnTo),
            "{bad:?}"
        );
    }
    let long = format!("/#/{}", "a".repeat(RETURN_TO_MAX_CHARS));
    assert_eq!(return_to(Some(&long)), Err(SignInFailure::BadReturnTo));
}

#[test]
fn failure_codes_are_distinct_words() {
    let codes: std::collections::BTreeSet<_> =
        SignInFailure::ALL.iter().map(|f| f.code()).collect();
    assert_eq!(codes.len(), SignInFailure::ALL.len());
    assert!(
        codes
            .iter()
            .all(|c| c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'))
    );
    assert_eq!(
        SignInFailure::of_provider_error("access_denied"),
        SignInFailure::Cancelled
    );
    assert_eq!(
        SignInFailure::of_provider_error("server_error"),
        SignInFailure::ProviderError
    );
}

#[test]
fn claim_values_are_identifiers() {
    assert_eq!(
        claim_value(Some(&json!("810001234567"))),
        Some("810001234567".into())
    );
    assert_eq!(
        claim_value(Some(&json!(810001234567u64))),
        Some("810001234567".into())
    );
    assert_eq!(claim_value(Some(&json!(" x "))), Some("x".into()));
    for bad in [
        json!(""),
        json!("  "),
        json!(null),
        json!(true),
        json!(1.5),
        json!(["a"]),
        json!({"a": 1}),
        json!("a\u{0}b"),
        json!("x".repeat(EXTERNAL_ID_MAX_CHARS + 1)),
    ] {
        assert_eq!(claim_value(Some(&bad)), None, "{bad}");
    }
    assert_eq!(claim_value(None), None);
}

fn identity(email: Option<&str>, name: Option<&str>) -> Identity {
    Identity {
        external_id: "810001234567".into(),
        email: email.map(String::from),
        name: name.map(String::from),
    }
}

#[test]
fn a_linked_account_signs_in_in_both_modes() {
    for mode in [Provisioning::Link, Provisioning::Create] {
        assert_eq!(
            match_account(mode, &identity(None, None), Some(("u1", false)), true),
            AccountMatch::Existing("u1".into())
        );
        assert_eq!(
            match_account(mode, &identity(None, None), Some(("u1", true)), false),
            AccountMatch::Refused(SignInFailure::Disabled)
        );
    }
}

#[test]
fn link_mode_refuses_strangers_even_with_a_known_email() {
    assert_eq!(
        match_account(
            Provisioning::Link,
            &identity(Some("a@chu.example"), Some("A")),
            None,
            true
        ),
        AccountMatch::Refused(SignInFailure::UnknownAccount)
    );
}

#[test]
fn create_mode_needs_a_free_email() {
    let who = identity(Some("a@chu.example"), Some("Dr A"));
    assert_eq!(
        match_account(Provisioning::Create, &who, None, false),
        AccountMatch::Create {
            email: "a@chu.example".into(),
            name: "Dr A".into()
        }
    );
    assert_eq!(
        match_account(Provisioning::Create, &who, None, true),
        AccountMatch::Refused(SignInFailure::AccountExists)
    );
    assert_eq!(
        match_account(
            Provisioning::Create,
            &identity(None, Some("A")),
            None,
            false
        ),
        AccountMatch::Refused(SignInFailure::MissingClaim)
    );
    // Without a name, the e-mail stands for it.
    assert_eq!(
        match_account(
            Provisioning::Create,
            &identity(Some("a@chu.example"), None),
            None,
            false
        ),
        AccountMatch::Create {
            email: "a@chu.example".into(),
            name: "a@chu.example".into()
        }
    );
}

#[test]
fn provisioning_parses() {
    assert_eq!("link".parse(), Ok(Provisioning::Link));
    assert_eq!("create".parse(), Ok(Provisioning::Create));
    assert!("Link".parse::<Provisioning>().is_err());
}

#[test]
fn only_admins_keep_the_password_when_it_is_off() {
    assert!(password_sign_in_allowed(true, false));
    assert!(password_sign_in_allowed(true, true));
    assert!(password_sign_in_allowed(false, true));
    assert!(!password_sign_in_allowed(false, false));
}

#[test]
fn external_ids_are_one_bounded_line() {
    assert_eq!(
        external_id("external_id", Some(" 8100 ")).unwrap(),
        Some("8100".into())
    );
    assert_eq!(external_id("external_id", Some("")).unwrap(), None);
    assert!(external_id("external_id", Some("a\nb")).is_err());
    assert!(external_id("external_id", Some(&"x".repeat(EXTERNAL_ID_MAX_CHARS + 1))).is_err());
}

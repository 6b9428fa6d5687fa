//! What a sign-in through the OpenID provider refuses (API.md section 14): altered or stale
//! states, ID tokens that fail a check (a key the provider never published, another nonce,
//! audience, issuer, an expired token), open redirects, password sign-in switched off, the
//! service without a provider, and a provider that does not answer at start.

use consilium::domain::sign_in::Provisioning;
use serde_json::json;

use crate::helpers::{Backend, Options, PASSWORD, spawn_app_with};
use crate::oidc::{account, app_with, audits, exchange};
use crate::oidc_provider::{Browser, MARTIN_RPPS, TestProvider, code_of, error_of};

crate::on_both!(
    altered_and_stale_states_are_refused,
    tokens_that_fail_a_check_sign_nobody_in,
    return_to_stays_on_this_service,
    password_sign_in_can_be_switched_off,
    without_a_provider_the_flow_is_closed,
);

async fn altered_and_stale_states_are_refused(backend: Backend) {
    let provider = TestProvider::start();
    let app = app_with(backend, &provider, Provisioning::Create).await;
    let browser = Browser::new();
    let start = browser.start(&app, None).await;
    let callback = browser.at_provider(&start.location, "dr.nouveau").await;
    let url = reqwest::Url::parse(&callback).unwrap();
    let state: String = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let mut altered = state.clone();
    let last = altered.pop().unwrap();
    altered.push(if last == '0' { '1' } else { '0' });
    let tampered = callback.replace(&format!("state={state}"), &format!("state={altered}"));
    assert_ne!(tampered, callback);
    assert_eq!(
        error_of(&browser.get(&tampered).await.location),
        "bad_state"
    );
    // Without a state or a code.
    for query in ["", "?code=abc", &format!("?state={state}")] {
        let hop = browser
            .get(&format!("{}/api/auth/oidc/callback{query}", app.url))
            .await;
        assert_eq!(error_of(&hop.location), "bad_state", "{query:?}");
    }
    // The untouched callback still works: an altered state consumed nothing.
    assert!(code_of(&browser.get(&callback).await.location).len() >= 43);

    // Started more than ten minutes ago.
    let start = browser.start(&app, None).await;
    let callback = browser.at_provider(&start.location, "dr.nouveau").await;
    app.db
        .write(|conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query("UPDATE oidc_logins SET expires_at = '2000-01-01 00:00:00'")
                .execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(error_of(&browser.get(&callback).await.location), "expired");

    // The person cancels at the provider; the provider fails.
    for (error, code) in [
        ("access_denied", "cancelled"),
        ("server_error", "provider_error"),
    ] {
        let hop = browser
            .get(&format!(
                "{}/api/auth/oidc/callback?error={error}&state=x",
                app.url
            ))
            .await;
        assert_eq!(error_of(&hop.location), code);
    }
    let reasons: Vec<String> = audits(&app, "auth.login_failed")
        .await
        .into_iter()
        .map(|(_, d)| d["reason"].as_str().unwrap().to_string())
        .collect();
    for reason in ["bad_state", "expired", "cancelled", "provider_error"] {
        assert!(reasons.iter().any(|r| r == reason), "{reason}: {reasons:?}");
    }
}

async fn tokens_that_fail_a_check_sign_nobody_in(backend: Backend) {
    let provider = TestProvider::start();
    let app = app_with(backend, &provider, Provisioning::Create).await;
    // Re-signed with the provider's own key and unchanged claims, a token is fine: what the
    // cases below change is what makes them fail.
    provider.tokens("real", json!({})).await;
    let end = Browser::new().sign_in(&app, "dr.nouveau", None).await;
    code_of(&end);
    let (users, codes) = (app.count("users").await, app.count("oidc_codes").await);
    let now = chrono::Utc::now().timestamp();
    for (key, claims) in [
        ("foreign-same-kid", json!({})),
        ("foreign-new-kid", json!({})),
        ("real", json!({"nonce": "another-nonce"})),
        ("real", json!({"aud": "another-client"})),
        ("real", json!({"iss": "http://127.0.0.1:1"})),
        ("real", json!({"exp": now - 600, "iat": now - 4000})),
    ] {
        provider.tokens(key, claims.clone()).await;
        let end = Browser::new().sign_in(&app, "dr.martin", None).await;
        assert_eq!(error_of(&end), "bad_token", "{key} {claims}");
    }
    assert_eq!(app.count("users").await, users, "nobody was created");
    assert_eq!(app.count("oidc_codes").await, codes);
    let bad = audits(&app, "auth.login_failed").await;
    assert_eq!(
        bad.iter()
            .filter(|(_, d)| d["reason"] == "bad_token")
            .count(),
        6
    );
    // Back to the provider's own tokens: the same person signs in.
    provider.tokens("none", json!({})).await;
    let end = Browser::new().sign_in(&app, "dr.martin", None).await;
    let body = exchange(&app, code_of(&end)).await;
    assert_eq!(body.expect(200)["user"]["external_id"], MARTIN_RPPS);
}

async fn return_to_stays_on_this_service(backend: Backend) {
    let provider = TestProvider::start();
    let app = app_with(backend, &provider, Provisioning::Create).await;
    let browser = Browser::new();
    for bad in [
        "https%3A%2F%2Fevil.example%2F",
        "%2F%2Fevil.example%2F",
        "%2F%5Cevil.example",
        "%5C%5Cevil.example",
        "javascript%3Aalert(1)",
        "evil.example",
        "%2F%0A%2Fevil.example",
        "http%3A%2Fevil.example",
    ] {
        let hop = browser.start(&app, Some(bad)).await;
        assert_eq!(hop.status, 302);
        assert_eq!(hop.location, "/#/sign-in?error=bad_return_to", "{bad}");
    }
    assert_eq!(app.count("oidc_logins").await, 0, "nothing began");
    // A path of this service goes through, and comes back in the exchange.
    let end = browser
        .sign_in(
            &app,
            "dr.nouveau",
            Some("%2F%23%2Fdossiers%2Fabc%3Ftab%3Dfiles"),
        )
        .await;
    let body = exchange(&app, code_of(&end)).await;
    assert_eq!(body.expect(200)["return_to"], "/#/dossiers/abc?tab=files");
}

async fn password_sign_in_can_be_switched_off(backend: Backend) {
    let provider = TestProvider::start();
    let app = spawn_app_with(
        backend,
        Options {
            oidc: Some(provider.settings(Provisioning::Link)),
            password_login: Some(false),
            ..Options::default()
        },
    )
    .await;
    let providers = app.get("/api/auth/providers", None).await;
    assert_eq!(providers.expect(200)["password"], false);
    // Administrators keep their password (the way in when the provider is down).
    let admin = app.admin().await;
    let email = "claire.martin@chu.example";
    account(&app, &admin.token, email).await;
    let login = |password: &'static str| {
        app.post(
            "/api/auth/login",
            None,
            json!({"email": email, "password": password}),
        )
    };
    let refused = login(PASSWORD).await;
    assert_eq!(refused.status, 403);
    assert!(refused.body.get("token").is_none());
    // A wrong password is still a 401: the switch says nothing to who lacks the password.
    assert_eq!(login("not the password at all").await.status, 401);
    let reasons = audits(&app, "auth.login_failed").await;
    assert!(
        reasons
            .iter()
            .any(|(_, d)| d["reason"] == "password_login_off")
    );
}

async fn without_a_provider_the_flow_is_closed(backend: Backend) {
    let app = spawn_app_with(backend, Options::default()).await;
    let providers = app.get("/api/auth/providers", None).await;
    assert_eq!(
        providers.expect(200).clone(),
        json!({"password": true, "oidc": null})
    );
    let browser = Browser::new();
    for path in [
        "/api/auth/oidc/start?return_to=/",
        "/api/auth/oidc/callback?code=a&state=b",
    ] {
        let hop = browser.get(&format!("{}{path}", app.url)).await;
        assert_eq!(hop.status, 302);
        assert_eq!(error_of(&hop.location), "unavailable");
    }
    // The exchange: bad input is a 400, an unknown code a 401; no token either way.
    let raw = app
        .api
        .client
        .post(format!("{}/api/auth/oidc/exchange", app.url))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 400);
    for (body, status) in [
        (json!({}), 400),
        (json!({"code": 5}), 400),
        (json!({"code": ""}), 400),
        (json!({"code": "x".repeat(200)}), 400),
        (json!({"code": "abc", "more": 1}), 400),
        (json!({"code": "0".repeat(64)}), 401),
    ] {
        let res = app
            .post("/api/auth/oidc/exchange", None, body.clone())
            .await;
        assert_eq!(res.status, status, "{body}");
        assert!(res.body.get("token").is_none());
    }
    assert_eq!(app.count("auth_tokens").await, 0);
}

/// A provider that does not answer stops the start, with a message that names it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswering_provider_stops_the_start() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let issuer = format!("http://127.0.0.1:{}", closed.local_addr().unwrap().port());
    drop(closed);
    let dir = tempfile::tempdir().unwrap();
    let settings = consilium::config::Settings {
        bind: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().to_path_buf(),
        oidc_issuer: Some(issuer.clone()),
        oidc_client_id: Some("c".into()),
        oidc_client_secret: Some("s".into()),
        ..consilium::config::Settings::default()
    };
    let config = consilium::config::Config::resolve_with_secret(
        &settings,
        Some(crate::helpers::TEST_SECRET),
    )
    .unwrap();
    let error = match consilium::startup::Application::build(config).await {
        Ok(_) => panic!("started without its provider"),
        Err(e) => format!("{e:#}"),
    };
    assert!(error.contains("CONSILIUM_OIDC_ISSUER"), "{error}");
    assert!(error.contains(&issuer), "{error}");
    // Half a configuration is refused before anything starts.
    let half = consilium::config::Settings {
        oidc_client_secret: None,
        ..settings
    };
    let error =
        consilium::config::Config::resolve_with_secret(&half, Some(crate::helpers::TEST_SECRET))
            .expect_err("refused");
    assert!(format!("{error}").contains("CONSILIUM_OIDC_CLIENT_SECRET"));
}

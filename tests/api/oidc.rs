//! Sign-in through a real OpenID provider (API.md section 14): the whole flow against
//! panva's oidc-provider on loopback, RS256 ID tokens carrying `SubjectNameID`; `link` and
//! `create` provisioning, single-use codes, several instances, the admin's `external_id`.

use consilium::domain::sign_in::Provisioning;
use serde_json::{Value, json};

use crate::helpers::{Backend, Options, PASSWORD, TestApp, spawn_app_with};
use crate::oidc_provider::{Browser, MARTIN_RPPS, TestProvider, code_of, error_of};

crate::on_both!(
    a_linked_practitioner_signs_in_once_per_code,
    link_mode_refuses_the_unknown_and_the_disabled,
    create_mode_makes_one_account_per_person,
    a_sign_in_begun_on_one_instance_ends_on_another,
    admins_link_accounts_to_external_ids,
);

pub async fn app_with(backend: Backend, provider: &TestProvider, mode: Provisioning) -> TestApp {
    spawn_app_with(
        backend,
        Options {
            oidc: Some(provider.settings(mode)),
            ..Options::default()
        },
    )
    .await
}

/// The audit rows of `action`: their object and detail.
pub async fn audits(app: &TestApp, action: &'static str) -> Vec<(Option<String>, Value)> {
    let rows = app
        .db
        .read(|conn| consilium::db::audit::page(conn, 0, 10_000))
        .await
        .expect("audit");
    rows.into_iter()
        .filter(|r| r.action == action)
        .map(|r| {
            (
                r.object_id,
                serde_json::from_str(&r.detail).expect("detail"),
            )
        })
        .collect()
}

/// A clinician with `email`, created by the admin (no sign-in).
pub async fn account(app: &TestApp, admin: &str, email: &str) -> String {
    let res = app
        .post(
            "/api/users",
            Some(admin),
            json!({"email": email, "name": "Dr Claire Martin", "password": PASSWORD}),
        )
        .await;
    res.expect(201)["id"].as_str().expect("id").to_string()
}

async fn link(app: &TestApp, admin: &str, user: &str, external_id: Value) -> Value {
    app.patch(
        &format!("/api/users/{user}"),
        Some(admin),
        json!({ "external_id": external_id }),
    )
    .await
    .expect(200)
    .clone()
}

async fn set_disabled(app: &TestApp, admin: &str, user: &str, disabled: bool) {
    app.patch(
        &format!("/api/users/{user}"),
        Some(admin),
        json!({ "disabled": disabled }),
    )
    .await
    .expect(200);
}

pub async fn exchange(app: &TestApp, code: &str) -> crate::helpers::Resp {
    app.post("/api/auth/oidc/exchange", None, json!({ "code": code }))
        .await
}

async fn a_linked_practitioner_signs_in_once_per_code(backend: Backend) {
    let provider = TestProvider::start();
    let app = app_with(backend, &provider, Provisioning::Link).await;
    let admin = app.admin().await;
    let martin = account(&app, &admin.token, "claire.martin@chu.example").await;
    assert_eq!(
        link(&app, &admin.token, &martin, json!(MARTIN_RPPS)).await["external_id"],
        MARTIN_RPPS
    );

    let providers = app.get("/api/auth/providers", None).await;
    assert_eq!(
        providers.expect(200).clone(),
        json!({"password": true, "oidc": {"label": "Pro Santé Connect", "start": "/api/auth/oidc/start"}})
    );

    // Start: to the provider's authorization endpoint, code flow with PKCE S256, a state and
    // a nonce, and a short-lived HttpOnly SameSite=Lax cookie.
    let browser = Browser::new();
    let start = browser
        .http
        .get(format!(
            "{}/api/auth/oidc/start?return_to=/%23/dossiers",
            app.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status().as_u16(), 302);
    let cookie = start.headers()["set-cookie"].to_str().unwrap().to_string();
    for part in ["consilium_oidc=", "HttpOnly", "SameSite=Lax", "Max-Age=600"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    let to = reqwest::Url::parse(start.headers()["location"].to_str().unwrap()).unwrap();
    assert!(
        to.as_str()
            .starts_with(&format!("{}/auth?", provider.issuer))
    );
    let query: std::collections::HashMap<_, _> = to.query_pairs().into_owned().collect();
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["client_id"], crate::oidc_provider::CLIENT_ID);
    assert_eq!(
        query["redirect_uri"],
        format!("{}/api/auth/oidc/callback", app.url)
    );
    assert!(query["scope"].split(' ').any(|s| s == "openid"));
    assert!(query["state"].len() >= 43 && query["nonce"].len() >= 43);

    // The whole flow, through the provider's login form.
    let start = browser.start(&app, Some("/%23/dossiers")).await;
    let callback = browser.at_provider(&start.location, "dr.martin").await;
    let end = browser.get(&callback).await;
    assert_eq!(end.status, 302);
    let code = code_of(&end.location).to_string();
    let signed = exchange(&app, &code).await;
    let body = signed.expect(200).clone();
    assert_eq!(body["user"]["id"], martin.as_str());
    assert_eq!(body["user"]["external_id"], MARTIN_RPPS);
    assert_eq!(body["return_to"], "/#/dossiers");
    assert_eq!(body["token_type"], "Bearer");
    let token = body["token"].as_str().unwrap();
    let me = app.get("/api/me", Some(token)).await;
    assert_eq!(me.expect(200)["id"], martin.as_str());
    let logins = audits(&app, "auth.login").await;
    assert!(
        logins
            .iter()
            .any(|(who, d)| who.as_deref() == Some(&martin) && d["method"] == "oidc")
    );

    // The code works once.
    let again = exchange(&app, &code).await;
    assert_eq!(again.status, 401);
    assert!(again.body.get("token").is_none());
    // The callback works once: a replayed one finds no sign-in under way.
    let replay = browser.get(&callback).await;
    assert_eq!(error_of(&replay.location), "bad_state");
    // A callback carried to another browser (without the cookie) is refused.
    let start = browser.start(&app, None).await;
    let callback = browser.at_provider(&start.location, "dr.martin").await;
    let elsewhere = Browser::new().get(&callback).await;
    assert_eq!(error_of(&elsewhere.location), "bad_state");
    let refused = audits(&app, "auth.login_failed").await;
    assert_eq!(
        refused
            .iter()
            .filter(|(_, d)| d["reason"] == "bad_state")
            .count(),
        2
    );
    // Without return_to, the browser goes to the start page.
    let end = browser.sign_in(&app, "dr.martin", None).await;
    let body = exchange(&app, code_of(&end)).await;
    assert_eq!(body.expect(200)["return_to"], "/");
}

async fn link_mode_refuses_the_unknown_and_the_disabled(backend: Backend) {
    let provider = TestProvider::start();
    let app = app_with(backend, &provider, Provisioning::Link).await;
    let admin = app.admin().await;
    let users = app.count("users").await;

    let end = Browser::new().sign_in(&app, "dr.nouveau", None).await;
    assert_eq!(error_of(&end), "unknown_account");
    assert_eq!(app.count("users").await, users, "nobody was created");
    assert_eq!(app.count("oidc_codes").await, 0);
    let refused = audits(&app, "auth.login_failed").await;
    assert!(refused.iter().any(|(_, d)| d["reason"] == "unknown_account"
        && d["external_id"] == "810009999999"
        && d["method"] == "oidc"));

    // Linked, then disabled: refused too, and no code is left.
    let martin = account(&app, &admin.token, "claire.martin@chu.example").await;
    link(&app, &admin.token, &martin, json!(MARTIN_RPPS)).await;
    set_disabled(&app, &admin.token, &martin, true).await;
    let end = Browser::new().sign_in(&app, "dr.martin", None).await;
    assert_eq!(error_of(&end), "disabled");
    assert_eq!(app.count("oidc_codes").await, 0);

    // Disabled between the callback and the exchange: the code no longer works.
    set_disabled(&app, &admin.token, &martin, false).await;
    let end = Browser::new().sign_in(&app, "dr.martin", None).await;
    let code = code_of(&end).to_string();
    set_disabled(&app, &admin.token, &martin, true).await;
    assert_eq!(exchange(&app, &code).await.status, 401);
}

async fn create_mode_makes_one_account_per_person(backend: Backend) {
    let provider = TestProvider::start();
    let app = app_with(backend, &provider, Provisioning::Create).await;
    let admin = app.admin().await;
    let users = app.count("users").await;

    let end = Browser::new().sign_in(&app, "dr.nouveau", None).await;
    let body = exchange(&app, code_of(&end)).await.expect(200).clone();
    let user = &body["user"];
    assert_eq!(user["email"], "nouveau@chu-test.example");
    assert_eq!(user["name"], "Dr Paul Nouveau");
    assert_eq!(user["role"], "clinician");
    assert_eq!(user["external_id"], "810009999999");
    assert_eq!(app.count("users").await, users + 1);
    let created = audits(&app, "user.create").await;
    assert!(created.iter().any(|(id, d)| id.as_ref()
        == user["id"].as_str().map(String::from).as_ref()
        && d["via"] == "oidc"));

    // The second sign-in finds the same account.
    let end = Browser::new().sign_in(&app, "dr.nouveau", None).await;
    let again = exchange(&app, code_of(&end)).await.expect(200).clone();
    assert_eq!(again["user"]["id"], user["id"]);
    assert_eq!(app.count("users").await, users + 1);
    // Such an account has no password.
    for password in [PASSWORD, "!no-password", ""] {
        let res = app
            .post(
                "/api/auth/login",
                None,
                json!({"email": "nouveau@chu-test.example", "password": password}),
            )
            .await;
        assert!(
            matches!(res.status, 400 | 401),
            "{password:?}: {}",
            res.status
        );
    }

    // An e-mail that already names an unlinked account is not taken over.
    account(&app, &admin.token, "martin@chu-test.example").await;
    let end = Browser::new().sign_in(&app, "dr.martin", None).await;
    assert_eq!(error_of(&end), "account_exists");
    // Without an e-mail, or without the claim that names the person, nobody is created.
    provider
        .add_account("dr.sans", json!({"SubjectNameID": "810005555555"}))
        .await;
    provider
        .add_account(
            "dr.anonyme",
            json!({"email": "anonyme@chu-test.example", "name": "Dr Anonyme"}),
        )
        .await;
    for (login, reason) in [
        ("dr.sans", "missing_claim"),
        ("dr.anonyme", "missing_claim"),
    ] {
        let end = Browser::new().sign_in(&app, login, None).await;
        assert_eq!(error_of(&end), reason, "{login}");
    }
    assert_eq!(app.count("users").await, users + 2);
}

async fn a_sign_in_begun_on_one_instance_ends_on_another(backend: Backend) {
    let provider = TestProvider::start();
    let first = app_with(backend, &provider, Provisioning::Create).await;
    // Both instances answer at the same public address, as behind a load balancer.
    let second = spawn_app_with(
        backend,
        Options {
            database_url: Some(first.database_url.clone()),
            oidc: Some(provider.settings(Provisioning::Create)),
            public_url: Some(first.url.clone()),
            ..Options::default()
        },
    )
    .await;
    let browser = Browser::new();
    let start = browser.start(&first, Some("/%23/sessions")).await;
    let callback = browser.at_provider(&start.location, "dr.nouveau").await;
    let on_second = callback.replacen(&first.url, &second.url, 1);
    assert_ne!(on_second, callback);
    let end = browser.get(&on_second).await;
    let code = code_of(&end.location).to_string();
    // …and the code left by the second works on the first.
    let body = exchange(&first, &code).await.expect(200).clone();
    assert_eq!(body["user"]["external_id"], "810009999999");
    assert_eq!(body["return_to"], "/#/sessions");
}

async fn admins_link_accounts_to_external_ids(backend: Backend) {
    let app = spawn_app_with(backend, Options::default()).await;
    let admin = app.admin().await;
    let clinician = app.clinician(&admin, "neurology").await;
    let other = app.clinician(&admin, "radiology").await;
    let path = format!("/api/users/{}", clinician.id);

    assert_eq!(
        link(&app, &admin.token, &clinician.id, json!(" 810001234567 ")).await["external_id"],
        "810001234567"
    );
    let listed = app.get("/api/users", Some(&admin.token)).await;
    assert!(
        listed.expect(200)["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["id"] == clinician.id.as_str() && u["external_id"] == "810001234567")
    );
    // Unique: another account cannot take it, and keeps what it had.
    let taken = app
        .patch(
            &format!("/api/users/{}", other.id),
            Some(&admin.token),
            json!({"external_id": "810001234567"}),
        )
        .await;
    assert_eq!(taken.status, 409);
    let me = app.get("/api/me", Some(&other.token)).await;
    assert_eq!(me.expect(200)["external_id"], Value::Null);
    // Only administrators; bad values are refused and change nothing.
    let denied = app
        .patch(&path, Some(&clinician.token), json!({"external_id": "x"}))
        .await;
    assert_eq!(denied.status, 403);
    for bad in [
        json!("x".repeat(256)),
        json!("a\nb"),
        json!(810001234567u64),
        json!(["810001234567"]),
    ] {
        let res = app
            .patch(&path, Some(&admin.token), json!({"external_id": bad}))
            .await;
        assert_eq!(res.status, 400, "{bad}");
    }
    let me = app.get("/api/me", Some(&clinician.token)).await;
    assert_eq!(me.expect(200)["external_id"], "810001234567");
    // null and "" clear it.
    for clear in [json!(null), json!("")] {
        link(&app, &admin.token, &clinician.id, json!("810001234567")).await;
        assert_eq!(
            link(&app, &admin.token, &clinician.id, clear).await["external_id"],
            Value::Null
        );
    }
}

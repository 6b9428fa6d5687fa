//! Hostile users: sign-in throttling, revoked and disabled accounts in the live room.

use std::time::Duration;

use serde_json::json;

use crate::fixtures::{meeting, three_of_three};
use crate::helpers::{Backend, Options, PASSWORD, spawn_app, spawn_app_with};
use crate::on_both;
use crate::ws::{Ended, Ws};

on_both!(
    sign_in_is_throttled_then_recovers,
    revoked_tokens_and_disabled_users_leave_the_room,
    cross_origin_access_is_closed_unless_configured,
);

async fn sign_in_is_throttled_then_recovers(backend: Backend) {
    let app = spawn_app_with(
        backend,
        Options {
            login_window_secs: Some(3),
            ..Options::default()
        },
    )
    .await;
    let admin = app.admin().await;
    let victim = app.clinician(&admin, "Neurology").await;
    let attempt = |email: String, password: &'static str| {
        let api = app.api.clone();
        async move {
            api.post(
                "/api/auth/login",
                None,
                json!({"email": email, "password": password}),
            )
            .await
        }
    };
    for _ in 0..5 {
        attempt(victim.email.clone(), "wrong password!")
            .await
            .expect_problem(401, "unauthenticated");
    }
    // Now even the right password waits, with a Retry-After.
    let res = attempt(victim.email.to_uppercase(), PASSWORD).await;
    res.expect_problem(429, "rate_limited");
    let retry: u64 = res.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=3).contains(&retry), "Retry-After {retry}");
    // Others are not affected.
    app.login(&admin.email, PASSWORD).await;
    // Nothing is locked for good: after the window the right password works again.
    tokio::time::sleep(Duration::from_millis(3100)).await;
    app.login(&victim.email, PASSWORD).await;

    // One address trying many accounts is throttled as a whole (on a server with the usual
    // window: 30 sequential password checks may take longer than the 3 s above).
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    for i in 0..30 {
        app.post(
            "/api/auth/login",
            None,
            json!({"email": format!("nobody{i}@test.example.org"), "password": "guess guess guess"}),
        )
        .await
        .expect(401);
    }
    app.post(
        "/api/auth/login",
        None,
        json!({"email": admin.email, "password": PASSWORD}),
    )
    .await
    .expect_problem(429, "rate_limited");
}

async fn revoked_tokens_and_disabled_users_leave_the_room(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, three_of_three()).await;
    let (mut chair, _) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    // Signing out closes the connections opened with that token, and only those.
    let second = app.login(&m.specialists[0].email, PASSWORD).await;
    let (mut with_first, _) = Ws::join(&app.url, &m.session, &m.specialists[0].token, None).await;
    let (mut with_second, _) = Ws::join(&app.url, &m.session, &second, None).await;
    app.post_empty("/api/auth/logout", Some(&m.specialists[0].token))
        .await
        .expect(204);
    assert_eq!(with_first.closed().await, Ended::Closed(4401));
    with_second.send(json!({"type": "ping"})).await;
    with_second.next_of("pong").await;
    let mut again = Ws::connect(&app.url, &m.session).await;
    again
        .send(json!({"type": "hello", "token": m.specialists[0].token}))
        .await;
    assert_eq!(again.closed().await, Ended::Closed(4401));

    // An administrator disables an account: every token and connection of it ends.
    let (mut victim, _) = Ws::join(&app.url, &m.session, &m.specialists[1].token, None).await;
    let res = app
        .patch(
            &format!("/api/users/{}", m.specialists[1].id),
            Some(&m.admin.token),
            json!({"disabled": true}),
        )
        .await;
    res.expect(200);
    assert_eq!(victim.closed().await, Ended::Closed(4401));
    app.get("/api/me", Some(&m.specialists[1].token))
        .await
        .expect_problem(401, "unauthenticated");
    app.post(
        "/api/auth/login",
        None,
        json!({"email": m.specialists[1].email, "password": PASSWORD}),
    )
    .await
    .expect_problem(401, "unauthenticated");
    // The others stay.
    chair.send(json!({"type": "ping"})).await;
    chair.next_of("pong").await;
    // Enabled again, the account signs in again.
    app.patch(
        &format!("/api/users/{}", m.specialists[1].id),
        Some(&m.admin.token),
        json!({"disabled": false}),
    )
    .await
    .expect(200);
    app.login(&m.specialists[1].email, PASSWORD).await;

    // Only administrators manage accounts, and not their own standing.
    app.patch(
        &format!("/api/users/{}", m.specialists[2].id),
        Some(&m.chair.token),
        json!({"disabled": true}),
    )
    .await
    .expect_problem(403, "forbidden");
    app.patch(
        &format!("/api/users/{}", m.admin.id),
        Some(&m.admin.token),
        json!({"disabled": true}),
    )
    .await
    .expect_problem(409, "conflict");
    app.patch(
        &format!("/api/users/{}", m.specialists[2].id),
        Some(&m.admin.token),
        json!({"disabled": "yes"}),
    )
    .await
    .expect_invalid("disabled");
    app.patch(
        &format!("/api/users/{}", m.specialists[2].id),
        Some(&m.admin.token),
        json!({}),
    )
    .await
    .expect_invalid("body");
    app.patch(
        "/api/users/00000000-0000-0000-0000-000000000000",
        Some(&m.admin.token),
        json!({"disabled": true}),
    )
    .await
    .expect_problem(404, "not_found");
}

async fn cross_origin_access_is_closed_unless_configured(backend: Backend) {
    let preflight = |app_url: String, origin: &'static str| async move {
        reqwest::Client::new()
            .request(reqwest::Method::OPTIONS, format!("{app_url}/api/me"))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .send()
            .await
            .unwrap()
    };
    let allowed = |res: &reqwest::Response| {
        res.headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap().to_string())
    };
    // By default no origin is allowed, and same-origin or non-browser calls still work.
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let res = preflight(app.url.clone(), "https://evil.example").await;
    assert_eq!(allowed(&res), None);
    let res = app
        .client
        .get(format!("{}/api/me", app.url))
        .bearer_auth(&admin.token)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(allowed(&res), None);

    // Configured: that origin only.
    let app = spawn_app_with(
        backend,
        Options {
            cors_origins: vec!["https://portal.chu.example".to_string()],
            ..Options::default()
        },
    )
    .await;
    let res = preflight(app.url.clone(), "https://portal.chu.example").await;
    assert_eq!(res.status(), 200);
    assert_eq!(allowed(&res).as_deref(), Some("https://portal.chu.example"));
    let res = preflight(app.url.clone(), "https://evil.example").await;
    assert_eq!(allowed(&res), None);
}

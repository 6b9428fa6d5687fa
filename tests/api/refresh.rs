//! Staying signed in while working (API.md section 16, issue 15): a token is refreshed into a
//! new one of the same chain while the old keeps working; twelve hours after the sign-in the
//! chain ends; sign-out revokes the whole chain (and closes its room connections with 4401)
//! but not the user's other sign-ins.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::fixtures::{meeting, one_of_one};
use crate::helpers::{Backend, PASSWORD, TestApp, spawn_app};
use crate::on_both;
use crate::ws::{Ended, Ws};

on_both!(
    a_token_is_refreshed_and_its_chain_signed_out,
    a_sign_in_lasts_twelve_hours,
);

async fn refresh(app: &TestApp, token: &str) -> Value {
    app.post_empty("/api/auth/refresh", Some(token))
        .await
        .expect(200)
        .clone()
}

async fn a_token_is_refreshed_and_its_chain_signed_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, one_of_one()).await;
    let who = &m.specialists[0];
    let first = who.token.clone();
    let r = refresh(&app, &first).await;
    assert_eq!(r["token_type"], "Bearer");
    assert_eq!(r["user"]["id"], who.id.as_str());
    let second = r["token"].as_str().unwrap().to_string();
    assert_ne!(second, first);
    let expires: DateTime<Utc> = r["expires_at"].as_str().unwrap().parse().unwrap();
    let left = (expires - Utc::now()).num_seconds();
    assert!((3500..=3600).contains(&left), "{left} s");
    // Both work.
    for t in [&first, &second] {
        app.get("/api/me", Some(t)).await.expect(200);
    }
    let third = refresh(&app, &second).await["token"]
        .as_str()
        .unwrap()
        .to_string();
    // Another sign-in of the same person, and a room connection opened with the first token.
    let other = app.login(&who.email, PASSWORD).await;
    let (mut ws, _) = Ws::join(&app.url, &m.session, &first, None).await;
    // Signing out with the newest revokes the whole chain, and closes the room with 4401.
    app.post_empty("/api/auth/logout", Some(&third))
        .await
        .expect(204);
    for t in [&first, &second, &third] {
        app.get("/api/me", Some(t))
            .await
            .expect_problem(401, "unauthenticated");
        app.post_empty("/api/auth/refresh", Some(t))
            .await
            .expect_problem(401, "unauthenticated");
    }
    assert_eq!(ws.closed().await, Ended::Closed(4401));
    app.get("/api/me", Some(&other)).await.expect(200);
    // Bad tokens.
    app.post_empty("/api/auth/refresh", None)
        .await
        .expect_problem(401, "unauthenticated");
    app.post_empty("/api/auth/refresh", Some("not.a.token"))
        .await
        .expect_problem(401, "unauthenticated");
    app.post("/api/auth/refresh", Some(&other), json!({"extra": 1}))
        .await
        .expect(200);
}

/// Moves the sign-in of every token of the chain back by `hours`.
async fn sign_in_hours_ago(app: &TestApp, hours: f64) {
    let back = chrono::Duration::seconds((hours * 3600.0) as i64);
    let at = (Utc::now() - back).naive_utc();
    app.db
        .write(move |conn| {
            use diesel::prelude::*;
            diesel::sql_query("UPDATE auth_tokens SET signed_in_at = $1")
                .bind::<diesel::sql_types::Timestamp, _>(at)
                .execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
}

async fn a_sign_in_lasts_twelve_hours(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    // Eleven and a half hours in: the new token ends with the twelfth hour, not an hour on.
    sign_in_hours_ago(&app, 11.5).await;
    let r = refresh(&app, &admin.token).await;
    let expires: DateTime<Utc> = r["expires_at"].as_str().unwrap().parse().unwrap();
    let left = (expires - Utc::now()).num_seconds();
    assert!((1700..=1800).contains(&left), "{left} s");
    let newer = r["token"].as_str().unwrap().to_string();
    // Past twelve hours: 401, though the token itself has not expired.
    sign_in_hours_ago(&app, 12.1).await;
    app.get("/api/me", Some(&newer)).await.expect(200);
    app.post_empty("/api/auth/refresh", Some(&newer))
        .await
        .expect_problem(401, "unauthenticated");
}

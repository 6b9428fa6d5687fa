//! A user's language (API.md section 16, issue 15): French by default, set by the user with
//! `PATCH /api/me`; bad values change nothing.

use serde_json::json;

use crate::helpers::{Backend, PASSWORD, spawn_app};
use crate::on_both;

on_both!(a_user_chooses_their_language);

async fn a_user_chooses_their_language(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let doctor = app.clinician(&admin, "Neurology").await;
    assert_eq!(
        app.get("/api/me", Some(&doctor.token)).await.expect(200)["locale"],
        "fr"
    );
    let login = app
        .post(
            "/api/auth/login",
            None,
            json!({"email": doctor.email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(login.expect(200)["user"]["locale"], "fr");
    for bad in [
        json!({"locale": "de"}),
        json!({"locale": 1}),
        json!({"locale": "FR"}),
        json!({}),
        json!({"locale": "en", "name": "Mallory"}),
        json!(["en"]),
    ] {
        app.patch("/api/me", Some(&doctor.token), bad)
            .await
            .expect_status(400);
    }
    app.patch("/api/me", None, json!({"locale": "en"}))
        .await
        .expect_problem(401, "unauthenticated");
    assert_eq!(
        app.get("/api/me", Some(&doctor.token)).await.expect(200)["locale"],
        "fr"
    );
    let me = app
        .patch("/api/me", Some(&doctor.token), json!({"locale": "en"}))
        .await;
    assert_eq!(me.expect(200)["locale"], "en");
    assert_eq!(me.body["id"], doctor.id.as_str());
    assert_eq!(
        app.get("/api/me", Some(&doctor.token)).await.expect(200)["locale"],
        "en"
    );
    // Only their own.
    assert_eq!(
        app.get("/api/me", Some(&admin.token)).await.expect(200)["locale"],
        "fr"
    );
    let listed = app.get("/api/users", Some(&admin.token)).await;
    let row = listed.expect(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == doctor.id.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["locale"], "en");
}

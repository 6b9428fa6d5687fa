//! What the caller may do, as the server tells the pages (`can` on sessions and in the room's
//! `welcome`), for every role of a meeting, while it is open and once it is closed.

use serde_json::{Value, json};

use crate::fixtures::{meeting, three_of_three};
use crate::helpers::{Backend, TestApp, spawn_app};
use crate::on_both;
use crate::ws::Ws;

on_both!(session_and_room_say_what_each_role_may_do);

fn can(chair: bool, vote: bool) -> Value {
    json!({ "chair": chair, "vote": vote })
}

/// A planned, unpublished session: its coordinators may also publish, change and cancel it.
fn session_can(chair: bool) -> Value {
    json!({ "chair": chair, "manage_agenda": chair, "close": chair,
            "publish": chair, "edit": chair, "cancel": chair })
}

async fn session_and_room_say_what_each_role_may_do(backend: Backend) {
    let app: TestApp = spawn_app(backend).await;
    let m = meeting(&app, three_of_three()).await;
    let admin = app.admin().await;
    let people = [
        ("coordinator", &m.chair, can(true, true)),
        ("member", &m.specialists[0], can(false, true)),
        ("referrer", &m.referrer, can(false, false)),
        ("admin", &admin, can(false, false)),
    ];
    for (role, who, expected) in &people {
        let session = app
            .get(&format!("/api/sessions/{}", m.session), Some(&who.token))
            .await
            .expect(200)
            .clone();
        assert_eq!(
            session["can"],
            session_can(expected["chair"] == true),
            "{role}"
        );
        let (ws, welcome) = Ws::join(&app.url, &m.session, &who.token, None).await;
        assert_eq!(welcome["can"], *expected, "{role}");
        assert_eq!(welcome["session"]["can"], session["can"], "{role}");
        ws.close().await;
    }
    // The board's list says the same.
    let listed = app
        .get(
            &format!("/api/boards/{}/sessions", m.board),
            Some(&m.specialists[0].token),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(listed["items"][0]["can"], session_can(false));
    let listed = app
        .get(
            &format!("/api/boards/{}/sessions", m.board),
            Some(&m.chair.token),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(listed["items"][0]["can"], session_can(true));

    // Once the session is closed, nobody may do anything more with it.
    let closed = app
        .post_empty(
            &format!("/api/sessions/{}/close", m.session),
            Some(&m.chair.token),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(closed["can"], session_can(false));
    for (role, who, _) in &people {
        let session = app
            .get(&format!("/api/sessions/{}", m.session), Some(&who.token))
            .await
            .expect(200)
            .clone();
        assert_eq!(session["can"], session_can(false), "{role}");
        let (ws, welcome) = Ws::join(&app.url, &m.session, &who.token, None).await;
        assert_eq!(welcome["can"], can(false, false), "{role}");
        ws.close().await;
    }
}

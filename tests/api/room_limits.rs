//! Security issue 11, points 4 and 8: a member removed from the board leaves the room at once
//! (on every instance), and one user's room connections are capped, with presence sent only
//! when it changes what others see.

use std::time::Duration;

use serde_json::json;

use crate::fixtures::{meeting, schedule, submitted_dossier, three_of_three};
use crate::helpers::{Backend, Options, TestApp, spawn_app, spawn_app_with};
use crate::on_both;
use crate::ws::{Ended, Ws};

on_both!(
    removed_members_leave_the_room,
    connections_per_user_are_capped,
);

/// Checks that a connection is still served, through the room (a chat line reaches it).
async fn still_in_the_room(speaker: &mut Ws, listener: &mut Ws, text: &str) {
    let ack = speaker.ok(json!({"type": "chat", "text": text})).await;
    let got = listener.event(ack["seq"].as_i64().unwrap()).await;
    assert_eq!(got["text"], text);
}

async fn removed_members_leave_the_room(backend: Backend) {
    let app = spawn_app(backend).await;
    // On PostgreSQL a second instance shares the rooms: the removal made through the first
    // must close a connection held by the second.
    let other: Option<TestApp> = match backend {
        Backend::Postgres => Some(
            spawn_app_with(
                backend,
                Options {
                    database_url: Some(app.database_url.clone()),
                    ..Options::default()
                },
            )
            .await,
        ),
        Backend::Sqlite => None,
    };
    let far_url = other.as_ref().map_or(app.url.clone(), |o| o.url.clone());
    let m = meeting(&app, three_of_three()).await;
    let [gone, demoted, stays] = [&m.specialists[0], &m.specialists[1], &m.specialists[2]];
    // `demoted` also refers a dossier on the agenda: removed from the board, they are a
    // referrer there, and see only their own case.
    let own = submitted_dossier(&app, demoted, &m.board).await;
    schedule(&app, &m.chair, &m.session, &own).await;
    let co_chair = app.clinician(&m.admin, "Neuroradiology").await;
    app.add_member(&m.admin, &m.board, &co_chair, "coordinator")
        .await;

    let other_admin = app.admin().await;
    let (mut chair, _) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    let (mut admin_ws, _) = Ws::join(&far_url, &m.session, &other_admin.token, None).await;
    let (mut gone_ws, _) = Ws::join(&far_url, &m.session, &gone.token, None).await;
    let (mut demoted_ws, welcome) = Ws::join(&app.url, &m.session, &demoted.token, None).await;
    assert_eq!(welcome["session"]["agenda"].as_array().unwrap().len(), 2);
    let (mut stays_ws, _) = Ws::join(&far_url, &m.session, &stays.token, None).await;
    let (mut co_chair_ws, _) = Ws::join(&app.url, &m.session, &co_chair.token, None).await;
    still_in_the_room(&mut chair, &mut gone_ws, "before").await;

    // Removal closes their connections at once, with 4403, on whichever instance.
    app.delete(
        &format!("/api/boards/{}/members/{}", m.board, gone.id),
        Some(&m.admin.token),
    )
    .await
    .expect(204);
    assert_eq!(gone_ws.closed().await, Ended::Closed(4403));
    let mut again = Ws::connect(&far_url, &m.session).await;
    again
        .send(json!({"type": "hello", "token": gone.token, "since": 0}))
        .await;
    assert_eq!(again.closed().await, Ended::Closed(4403));

    // Removing someone who still refers a dossier on the agenda closes the connection that saw
    // the whole room; they come back as a referrer, seeing their own case only.
    app.delete(
        &format!("/api/boards/{}/members/{}", m.board, demoted.id),
        Some(&m.chair.token),
    )
    .await
    .expect(204);
    assert_eq!(demoted_ws.closed().await, Ended::Closed(4403));
    // (Their old connection's presence, as a member, is gone first.)
    wait_for_presence_rows(&app, 4).await;
    let (_back, welcome) = Ws::join(&app.url, &m.session, &demoted.token, Some(0)).await;
    let agenda = welcome["session"]["agenda"].as_array().unwrap();
    assert_eq!(agenda.len(), 1);
    assert_eq!(agenda[0]["dossier_id"], own.as_str());
    let me = welcome["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["user"]["id"] == demoted.id.as_str())
        .unwrap()
        .clone();
    assert_eq!(me["role"], "referrer");

    // A role change that keeps access keeps the connection; what the new role may do is
    // checked with each command.
    app.add_member(&m.admin, &m.board, &co_chair, "member")
        .await;
    still_in_the_room(&mut chair, &mut co_chair_ws, "after the role change").await;
    co_chair_ws
        .refused(
            json!({"type": "focus", "dossier_id": m.dossier}),
            "forbidden",
        )
        .await;

    // So does an administrator who is made a clinician: outside the board, they may no longer
    // enter.
    app.patch(
        &format!("/api/users/{}", other_admin.id),
        Some(&m.admin.token),
        json!({"role": "clinician"}),
    )
    .await
    .expect(200);
    assert_eq!(admin_ws.closed().await, Ended::Closed(4403));

    // Nobody else was touched.
    still_in_the_room(&mut chair, &mut stays_ws, "after").await;
    still_in_the_room(&mut stays_ws, &mut chair, "still here").await;
    drop(other);
}

/// Waits until the database holds `n` open room connections, then a little longer: a leaving
/// connection announces itself just after its row goes.
async fn wait_for_presence_rows(app: &TestApp, n: i64) {
    for _ in 0..200 {
        if app.count("room_presence").await == n {
            tokio::time::sleep(Duration::from_millis(300)).await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("expected {n} room connections");
}

/// The presence messages `ws` receives until the chair's next chat line reaches it: the room
/// handles its messages in order, so any presence caused before is sent before that line.
async fn presences_until_chat(chair: &mut Ws, ws: &mut Ws) -> usize {
    let seen = ws.log.len();
    let ack = chair.ok(json!({"type": "chat", "text": "sync"})).await;
    ws.event(ack["seq"].as_i64().unwrap()).await;
    ws.log[seen..]
        .iter()
        .filter(|v| v["type"] == "presence")
        .count()
}

async fn connections_per_user_are_capped(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, three_of_three()).await;
    let user = &m.specialists[0];
    let (mut chair, _) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    let (mut watcher, _) = Ws::join(&app.url, &m.session, &m.specialists[1].token, None).await;
    presences_until_chat(&mut chair, &mut watcher).await;

    // The first tab is announced; the next seven are welcomed without a presence broadcast.
    let mut tabs = vec![Ws::join(&app.url, &m.session, &user.token, None).await.0];
    assert_eq!(presences_until_chat(&mut chair, &mut watcher).await, 1);
    for _ in 1..8 {
        let (tab, welcome) = Ws::join(&app.url, &m.session, &user.token, None).await;
        // The user is listed once, however many tabs they have.
        let listed = welcome["participants"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["user"]["id"] == user.id.as_str())
            .count();
        assert_eq!(listed, 1);
        tabs.push(tab);
    }
    assert_eq!(presences_until_chat(&mut chair, &mut watcher).await, 0);
    wait_for_presence_rows(&app, 10).await;

    // The ninth is refused with 4429 before anything is recorded.
    let mut ninth = Ws::connect(&app.url, &m.session).await;
    ninth
        .send(json!({"type": "hello", "token": user.token, "since": null}))
        .await;
    assert_eq!(ninth.closed().await, Ended::Closed(4429));
    assert_eq!(app.count("room_presence").await, 10);
    // Every tab still works, and other users are not limited by this one.
    for tab in tabs.iter_mut() {
        tab.send(json!({"type": "ping"})).await;
        tab.next_of("pong").await;
    }
    let (other_tab, _) = Ws::join(&app.url, &m.session, &m.specialists[2].token, None).await;
    assert_eq!(presences_until_chat(&mut chair, &mut watcher).await, 1);

    // A tab closing frees a place; a second tab leaving is not announced either.
    tabs.pop().unwrap().close().await;
    wait_for_presence_rows(&app, 10).await;
    assert_eq!(presences_until_chat(&mut chair, &mut watcher).await, 0);
    let (tab, _) = Ws::join(&app.url, &m.session, &user.token, None).await;
    tabs.push(tab);
    assert_eq!(presences_until_chat(&mut chair, &mut watcher).await, 0);

    // When the last tab goes, the user leaves the room, and that is announced.
    for tab in tabs {
        tab.close().await;
    }
    wait_for_presence_rows(&app, 3).await;
    assert_eq!(presences_until_chat(&mut chair, &mut watcher).await, 1);
    let last = watcher
        .log
        .iter()
        .rev()
        .find(|v| v["type"] == "presence")
        .unwrap();
    assert!(!last.to_string().contains(&user.id), "{last}");
    other_tab.close().await;
}

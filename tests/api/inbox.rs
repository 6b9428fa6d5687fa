//! The in-app inbox and what fills it (API.md section 12, issue 14), without SMTP: who gets
//! which notification, read and read-all, the live badge over Server-Sent Events, preferences,
//! the outbox for administrators; publishing, changing and cancelling a session as a matrix of
//! roles; and bad input, which changes nothing.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::fixtures::{meeting, one_of_one, submitted_dossier};
use crate::helpers::{Actor, Api, Backend, spawn_app};
use crate::on_both;

on_both!(
    notifications_reach_whom_the_contract_names,
    the_inbox_is_read_and_refuses_bad_input,
    the_badge_updates_live,
    publishing_changing_and_cancelling_by_role,
);

/// The notifications of `who` (`query`: e.g. `?unread=true`).
pub async fn inbox(app: &Api, who: &Actor, query: &str) -> Vec<Value> {
    app.get(&format!("/api/me/notifications{query}"), Some(&who.token))
        .await
        .expect(200)["items"]
        .as_array()
        .unwrap()
        .clone()
}

fn kinds(items: &[Value]) -> Vec<String> {
    let mut k: Vec<String> = items
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_string())
        .collect();
    k.sort();
    k
}

async fn notifications_reach_whom_the_contract_names(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, one_of_one()).await;
    // The submission told the coordinator only; without SMTP, no mail.
    let chair = inbox(&app, &m.chair, "").await;
    assert_eq!(kinds(&chair), ["dossier_submitted"]);
    assert_eq!(chair[0]["mail"], "skipped");
    assert_eq!(chair[0]["dossier_id"], m.dossier.as_str());
    assert_eq!(chair[0]["link"], format!("/#/dossiers/{}", m.dossier));
    assert!(chair[0]["read_at"].is_null());
    for s in &m.specialists {
        assert!(inbox(&app, s, "").await.is_empty());
    }
    assert!(inbox(&app, &m.referrer, "").await.is_empty());
    assert!(inbox(&app, &m.admin, "").await.is_empty());

    app.post_empty(
        &format!("/api/sessions/{}/publish", m.session),
        Some(&m.chair.token),
    )
    .await
    .expect(200);
    for s in &m.specialists {
        assert_eq!(kinds(&inbox(&app, s, "").await), ["session_published"]);
    }
    let referrer = inbox(&app, &m.referrer, "").await;
    assert_eq!(kinds(&referrer), ["dossier_scheduled", "session_published"]);
    let published = referrer
        .iter()
        .find(|n| n["kind"] == "session_published")
        .unwrap();
    assert_eq!(published["session_id"], m.session.as_str());
    assert_eq!(published["link"], format!("/#/sessions/{}", m.session));
    // Nothing of the dossier's content in a subject.
    for n in &referrer {
        let subject = n["subject"].as_str().unwrap();
        assert!(
            !subject.contains("Relapsing") && !subject.contains("Switch"),
            "{subject}"
        );
    }
    // A change to the published session: an update to each of those concerned.
    app.patch(
        &format!("/api/sessions/{}", m.session),
        Some(&m.chair.token),
        json!({"video_url": "https://visio.example.org/autre"}),
    )
    .await
    .expect(200);
    for who in m.specialists.iter().chain([&m.chair, &m.referrer]) {
        let items = inbox(&app, who, "").await;
        assert_eq!(
            items
                .iter()
                .filter(|n| n["kind"] == "session_updated")
                .count(),
            1
        );
    }
    // The outsider and the admin heard nothing.
    assert!(inbox(&app, &m.admin, "").await.is_empty());
    // A rolled-back change writes nothing: a refused publish leaves the inbox as it was.
    let before = app.count("notifications").await;
    app.post_empty(
        &format!("/api/sessions/{}/publish", m.session),
        Some(&m.chair.token),
    )
    .await
    .expect_problem(409, "conflict");
    assert_eq!(app.count("notifications").await, before);
}

async fn the_inbox_is_read_and_refuses_bad_input(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, one_of_one()).await;
    submitted_dossier(&app, &m.referrer, &m.board).await;
    let items = inbox(&app, &m.chair, "?unread=true").await;
    assert_eq!(items.len(), 2);
    let first = items[0]["id"].as_str().unwrap().to_string();
    // Someone else's notification is not theirs to read.
    app.post_empty(
        &format!("/api/me/notifications/{first}/read"),
        Some(&m.referrer.token),
    )
    .await
    .expect_problem(404, "not_found");
    app.post_empty(&format!("/api/me/notifications/{first}/read"), None)
        .await
        .expect_problem(401, "unauthenticated");
    for bad in ["nope", "00000000-0000-0000-0000-000000000000"] {
        app.post_empty(
            &format!("/api/me/notifications/{bad}/read"),
            Some(&m.chair.token),
        )
        .await
        .expect_problem(404, "not_found");
    }
    assert_eq!(inbox(&app, &m.chair, "?unread=true").await.len(), 2);
    app.post_empty(
        &format!("/api/me/notifications/{first}/read"),
        Some(&m.chair.token),
    )
    .await
    .expect(204);
    // Twice is fine.
    app.post_empty(
        &format!("/api/me/notifications/{first}/read"),
        Some(&m.chair.token),
    )
    .await
    .expect(204);
    assert_eq!(inbox(&app, &m.chair, "?unread=true").await.len(), 1);
    let read = inbox(&app, &m.chair, "?unread=false").await;
    assert_eq!(read.len(), 1);
    assert!(read[0]["read_at"].is_string());
    app.post_empty("/api/me/notifications/read-all", Some(&m.chair.token))
        .await
        .expect(204);
    assert!(inbox(&app, &m.chair, "?unread=true").await.is_empty());
    assert_eq!(inbox(&app, &m.chair, "").await.len(), 2);
    for q in ["?unread=maybe", "?unread=", "?other=1"] {
        app.get(&format!("/api/me/notifications{q}"), Some(&m.chair.token))
            .await
            .expect_status(400);
    }

    // Preferences.
    let path = "/api/me/preferences";
    assert_eq!(
        app.get(path, Some(&m.referrer.token)).await.expect(200),
        &json!({"mail": "immediate"})
    );
    for bad in [
        json!({"mail": "weekly"}),
        json!({}),
        json!({"mail": 1}),
        json!({"mail": "off", "extra": true}),
        json!("off"),
    ] {
        app.put(path, Some(&m.referrer.token), bad)
            .await
            .expect_status(400);
    }
    app.put(path, None, json!({"mail": "off"}))
        .await
        .expect_problem(401, "unauthenticated");
    assert_eq!(
        app.get(path, Some(&m.referrer.token)).await.expect(200)["mail"],
        "immediate"
    );
    for p in ["off", "daily_digest", "immediate"] {
        let set = app
            .put(path, Some(&m.referrer.token), json!({"mail": p}))
            .await;
        assert_eq!(set.expect(200)["mail"], p);
    }

    // The outbox is the administrators'.
    for who in [&m.chair, &m.referrer] {
        app.get("/api/admin/outbox", Some(&who.token))
            .await
            .expect_problem(403, "forbidden");
    }
    for q in ["", "?status=pending", "?status=failed"] {
        app.get(&format!("/api/admin/outbox{q}"), Some(&m.admin.token))
            .await
            .expect(200);
    }
    for q in ["?status=sent", "?status=skipped", "?status=x"] {
        app.get(&format!("/api/admin/outbox{q}"), Some(&m.admin.token))
            .await
            .expect_status(400);
    }
}

/// Reads Server-Sent Events until one `unread` event; its count.
async fn next_unread(
    stream: &mut (impl futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Unpin),
    buf: &mut String,
) -> i64 {
    loop {
        if let Some(end) = buf.find("\n\n") {
            let event: String = buf.drain(..end + 2).collect();
            if let Some(data) = event
                .lines()
                .find_map(|l| l.strip_prefix("data: "))
                .filter(|_| event.contains("event: unread"))
            {
                let v: Value = serde_json::from_str(data).unwrap();
                return v["unread"].as_i64().unwrap();
            }
            continue;
        }
        let chunk = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("an event within 10 s")
            .expect("the stream goes on")
            .unwrap();
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
}

async fn the_badge_updates_live(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, one_of_one()).await;
    let url = format!("{}/api/me/events", app.url);
    let none = app.client.get(&url).send().await.unwrap();
    assert_eq!(none.status(), 401);
    let res = app
        .client
        .get(&url)
        .bearer_auth(&m.chair.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    let mut stream = res.bytes_stream();
    let mut buf = String::new();
    assert_eq!(next_unread(&mut stream, &mut buf).await, 1);
    // Another dossier is submitted: the coordinator's badge says 2 without asking.
    submitted_dossier(&app, &m.referrer, &m.board).await;
    assert_eq!(next_unread(&mut stream, &mut buf).await, 2);
    // Reading all of them on another page: 0.
    app.post_empty("/api/me/notifications/read-all", Some(&m.chair.token))
        .await
        .expect(204);
    assert_eq!(next_unread(&mut stream, &mut buf).await, 0);
}

async fn publishing_changing_and_cancelling_by_role(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, one_of_one()).await;
    let outsider = app.clinician(&m.admin, "Cardiology").await;
    let s = format!("/api/sessions/{}", m.session);
    // Publish, change and cancel: the coordinator only; others 403, strangers 404.
    for (who, status) in [
        (&m.specialists[0], 403),
        (&m.referrer, 403),
        (&m.admin, 403),
        (&outsider, 404),
    ] {
        for path in [format!("{s}/publish"), format!("{s}/cancel")] {
            app.post_empty(&path, Some(&who.token))
                .await
                .expect_status(status);
        }
        app.patch(&s, Some(&who.token), json!({"title": "x"}))
            .await
            .expect_status(status);
    }
    for path in [format!("{s}/publish"), format!("{s}/cancel")] {
        app.post_empty(&path, None).await.expect_status(401);
    }
    let unchanged = app.get(&s, Some(&m.chair.token)).await.expect(200).clone();
    assert!(unchanged["published_at"].is_null());
    assert_eq!(unchanged["can"]["publish"], true);
    assert_eq!(unchanged["can"]["cancel"], true);
    // Bad changes: 400 naming the field, nothing changed.
    for (body, field) in [
        (json!({"scheduled_at": "tomorrow"}), "scheduled_at"),
        (json!({"duration_minutes": 5}), "duration_minutes"),
        (json!({"duration_minutes": 481}), "duration_minutes"),
        (json!({"title": ""}), "title"),
        (json!({"title": "x".repeat(300)}), "title"),
        (json!({"video_url": "javascript:alert(1)"}), "video_url"),
        (json!({"status": "closed"}), "status"),
    ] {
        app.patch(&s, Some(&m.chair.token), body)
            .await
            .expect_invalid(field);
    }
    app.patch(&s, Some(&m.chair.token), json!([1]))
        .await
        .expect_status(400);
    assert_eq!(
        app.get(&s, Some(&m.chair.token)).await.expect(200),
        &unchanged
    );
    // A good change.
    let changed = app
        .patch(
            &s,
            Some(&m.chair.token),
            json!({"title": "RCP SEP de décembre", "duration_minutes": 60, "video_url": ""}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(changed["title"], "RCP SEP de décembre");
    assert_eq!(changed["duration_minutes"], 60);
    assert!(changed["video_url"].is_null());
    // Cancelled: the dossier is back to submitted, the session takes nothing more.
    let cancelled = app
        .post_empty(&format!("{s}/cancel"), Some(&m.chair.token))
        .await
        .expect(200)
        .clone();
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(
        cancelled["can"],
        json!({"chair": false, "manage_agenda": false, "close": false,
               "publish": false, "edit": false, "cancel": false})
    );
    let d = app
        .get(
            &format!("/api/dossiers/{}", m.dossier),
            Some(&m.referrer.token),
        )
        .await;
    assert_eq!(d.expect(200)["status"], "submitted");
    // An unpublished session's cancellation told nobody.
    assert!(inbox(&app, &m.referrer, "").await.is_empty());
    for path in [
        format!("{s}/publish"),
        format!("{s}/cancel"),
        format!("{s}/close"),
    ] {
        app.post_empty(&path, Some(&m.chair.token))
            .await
            .expect_problem(409, "conflict");
    }
    app.patch(&s, Some(&m.chair.token), json!({"title": "x"}))
        .await
        .expect_problem(409, "conflict");
    app.post(
        &format!("{s}/agenda"),
        Some(&m.chair.token),
        json!({"dossier_id": m.dossier}),
    )
    .await
    .expect_problem(409, "conflict");
    // The invitation says so.
    let ics = app
        .get(&format!("{s}/invite.ics"), Some(&m.chair.token))
        .await;
    assert!(ics.text.contains("STATUS:CANCELLED"), "{}", ics.text);
}

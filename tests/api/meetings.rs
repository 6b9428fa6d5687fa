//! A board's weekly slot and the sessions planned from it (API.md section 12, issue 14):
//! the slot's fields and their errors, who may set and read it, planning 26 weeks across both
//! changes of time in Paris, and a second plan that creates nothing.

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde_json::{Value, json};

use crate::fixtures::{meeting, three_of_three};
use crate::helpers::{Api, Backend, spawn_app};
use crate::on_both;

on_both!(
    a_board_schedule_is_set_by_its_coordinators,
    planning_follows_paris_time_and_is_idempotent,
    a_session_invitation_for_who_may_join,
    the_calendar_feed_is_secret_and_rotates,
);

fn tuesday() -> Value {
    json!({"weekday": "tuesday", "time": "17:30", "duration_minutes": 120,
           "title": "RCP infections ostéo-articulaires",
           "video_url": "https://visio.example.org/crioac"})
}

async fn a_board_schedule_is_set_by_its_coordinators(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let coordinator = app.clinician(&admin, "Infectiology").await;
    let member = app.clinician(&admin, "Orthopaedics").await;
    let outsider = app.clinician(&admin, "Neurology").await;
    let board = app.board(&admin, three_of_three()).await;
    app.add_member(&admin, &board, &coordinator, "coordinator")
        .await;
    app.add_member(&admin, &board, &member, "member").await;
    let path = format!("/api/boards/{board}/schedule");
    // None yet.
    app.get(&path, Some(&coordinator.token))
        .await
        .expect_problem(404, "not_found");
    let set = app.put(&path, Some(&coordinator.token), tuesday()).await;
    let s = set.expect(200).clone();
    assert_eq!(s["board_id"], board.as_str());
    assert_eq!(
        (&s["weekday"], &s["time"], &s["duration_minutes"]),
        (&json!("tuesday"), &json!("17:30"), &json!(120))
    );
    assert_eq!(s["timezone"], "Europe/Paris");
    assert_eq!(s["video_url"], "https://visio.example.org/crioac");
    // Everyone signed in may read it (a referrer wants to know when the board meets).
    for who in [&coordinator, &member, &outsider, &admin] {
        assert_eq!(app.get(&path, Some(&who.token)).await.expect(200), &s);
    }
    app.get(&path, None)
        .await
        .expect_problem(401, "unauthenticated");
    // Only its coordinators set it.
    for who in [&member, &outsider, &admin] {
        app.put(&path, Some(&who.token), tuesday())
            .await
            .expect_problem(403, "forbidden");
    }
    app.put(
        "/api/boards/00000000-0000-0000-0000-000000000000/schedule",
        Some(&coordinator.token),
        tuesday(),
    )
    .await
    .expect_problem(404, "not_found");
    // Bad input names the field and changes nothing.
    let bad = |field: &str, value: Value| {
        let mut body = tuesday();
        body[field] = value;
        body
    };
    for (field, value) in [
        ("weekday", json!("mardi")),
        ("weekday", json!("Tuesday")),
        ("weekday", json!("")),
        ("time", json!("25:00")),
        ("time", json!("17h30")),
        ("time", json!("17:30:00")),
        ("duration_minutes", json!(10)),
        ("duration_minutes", json!(481)),
        ("video_url", json!("javascript:alert(1)")),
        ("title", json!("x".repeat(201))),
    ] {
        app.put(&path, Some(&coordinator.token), bad(field, value))
            .await
            .expect_invalid(field);
    }
    for body in [
        json!({"weekday": "tuesday", "time": "17:30"}),
        json!({"weekday": 2, "time": "17:30", "duration_minutes": 60}),
        json!({"weekday": "tuesday", "time": "17:30", "duration_minutes": "90"}),
        json!({"weekday": "tuesday", "time": "17:30", "duration_minutes": 90, "extra": 1}),
        json!([]),
    ] {
        let res = app.put(&path, Some(&coordinator.token), body).await;
        assert_eq!(res.status, 400, "{}", res.text);
    }
    assert_eq!(app.get(&path, Some(&member.token)).await.expect(200), &s);
    // A change replaces it.
    let mut friday = tuesday();
    friday["weekday"] = json!("friday");
    friday["time"] = json!("08:00");
    friday["title"] = Value::Null;
    let changed = app.put(&path, Some(&coordinator.token), friday).await;
    assert_eq!(changed.expect(200)["weekday"], "friday");
    assert!(changed.body["title"].is_null());
    assert_eq!(
        app.get(&path, Some(&member.token)).await.expect(200)["time"],
        "08:00"
    );
}

async fn planning_follows_paris_time_and_is_idempotent(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let coordinator = app.clinician(&admin, "Infectiology").await;
    let member = app.clinician(&admin, "Orthopaedics").await;
    let board = app.board(&admin, three_of_three()).await;
    app.add_member(&admin, &board, &coordinator, "coordinator")
        .await;
    app.add_member(&admin, &board, &member, "member").await;
    let plan = format!("/api/boards/{board}/sessions/plan");
    // No slot yet: nothing to plan from.
    app.post(&plan, Some(&coordinator.token), json!({"weeks": 4}))
        .await
        .expect_problem(409, "conflict");
    app.put(
        &format!("/api/boards/{board}/schedule"),
        Some(&coordinator.token),
        tuesday(),
    )
    .await
    .expect(200);
    for weeks in [json!(0), json!(27), json!(-1)] {
        app.post(&plan, Some(&coordinator.token), json!({ "weeks": weeks }))
            .await
            .expect_invalid("weeks");
    }
    let res = app
        .post(&plan, Some(&coordinator.token), json!({"weeks": "4"}))
        .await;
    assert_eq!(res.status, 400, "{}", res.text);
    app.post(&plan, Some(&member.token), json!({"weeks": 4}))
        .await
        .expect_problem(403, "forbidden");
    assert_eq!(
        count_sessions(&app, &board, &coordinator.token).await,
        0,
        "refused plans created nothing"
    );

    let planned = app
        .post(&plan, Some(&coordinator.token), json!({"weeks": 26}))
        .await;
    let items = planned.expect(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 26);
    let paris: chrono_tz::Tz = "Europe/Paris".parse().unwrap();
    let now = Utc::now();
    let (mut winter, mut summer) = (0, 0);
    let mut previous: Option<DateTime<Utc>> = None;
    for s in &items {
        let at: DateTime<Utc> = s["scheduled_at"].as_str().unwrap().parse().unwrap();
        let local = at.with_timezone(&paris);
        assert_eq!(local.weekday(), chrono::Weekday::Tue, "{at}");
        assert_eq!((local.hour(), local.minute()), (17, 30), "{at}");
        // 17:30 in Paris is 16:30Z in winter (UTC+1) and 15:30Z in summer (UTC+2).
        match at.hour() {
            16 => winter += 1,
            15 => summer += 1,
            h => panic!("17:30 in Paris at {h}:30Z"),
        }
        assert_eq!(at.minute(), 30);
        assert!(at > now);
        if let Some(p) = previous {
            assert!((at - p).num_hours() >= 167 && (at - p).num_hours() <= 169);
        } else {
            assert!(
                at - now <= chrono::Duration::days(7),
                "the first within 7 days"
            );
        }
        previous = Some(at);
        assert_eq!(s["duration_minutes"], 120);
        assert!(s["published_at"].is_null());
        assert_eq!(s["status"], "planned");
        assert_eq!(s["title"], "RCP infections ostéo-articulaires");
        assert_eq!(s["video_url"], "https://visio.example.org/crioac");
        assert_eq!(s["board_id"], board.as_str());
    }
    // Half a year from any date crosses a change of time.
    assert!(winter > 0 && summer > 0, "winter {winter}, summer {summer}");
    assert_eq!(count_sessions(&app, &board, &coordinator.token).await, 26);
    // Again: nothing new. Fewer weeks: nothing new either.
    for weeks in [26, 3] {
        let again = app
            .post(&plan, Some(&coordinator.token), json!({ "weeks": weeks }))
            .await;
        assert_eq!(again.expect(200)["items"], json!([]));
    }
    assert_eq!(count_sessions(&app, &board, &coordinator.token).await, 26);
    // A session made by hand keeps its default length.
    let hand = app
        .post(
            &format!("/api/boards/{board}/sessions"),
            Some(&coordinator.token),
            json!({"title": "Extra", "scheduled_at": "2027-01-05T09:00:00Z"}),
        )
        .await;
    assert_eq!(hand.expect(201)["duration_minutes"], 90);
    app.post(
        &format!("/api/boards/{board}/sessions"),
        Some(&coordinator.token),
        json!({"title": "Extra", "scheduled_at": "2027-01-05T09:00:00Z", "duration_minutes": 5}),
    )
    .await
    .expect_invalid("duration_minutes");
}

async fn count_sessions(app: &Api, board: &str, token: &str) -> usize {
    app.get(&format!("/api/boards/{board}/sessions"), Some(token))
        .await
        .expect(200)["items"]
        .as_array()
        .unwrap()
        .len()
}

/// Properties as `(NAME;PARAMS, VALUE)` pairs.
type Props = Vec<(String, String)>;

/// The calendar's properties and those of its one `VEVENT` (folded lines joined).
fn ics_properties(text: &str) -> (Props, Props) {
    let unfolded = text.replace("\r\n ", "").replace("\r\n\t", "");
    let (mut calendar, mut event, mut inside) = (Vec::new(), Vec::new(), false);
    for line in unfolded.split("\r\n").filter(|l| !l.is_empty()) {
        let (key, value) = line.split_once(':').expect("NAME:VALUE");
        match (key, value) {
            ("BEGIN", "VEVENT") => inside = true,
            ("END", "VEVENT") => inside = false,
            _ if inside => event.push((key.to_string(), value.to_string())),
            _ => calendar.push((key.to_string(), value.to_string())),
        }
    }
    (calendar, event)
}

fn one<'a>(props: &'a [(String, String)], key: &str) -> &'a str {
    let found: Vec<&str> = props
        .iter()
        .filter(|(k, _)| k == key || k.starts_with(&format!("{key};")))
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(found.len(), 1, "{key} in {props:?}");
    found[0]
}

async fn a_session_invitation_for_who_may_join(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, three_of_three()).await;
    let path = format!("/api/sessions/{}/invite.ics", m.session);
    let res = app.get(&path, Some(&m.specialists[0].token)).await;
    res.expect(200);
    assert_eq!(
        res.header("content-type"),
        Some("text/calendar; charset=utf-8")
    );
    assert!(res.text.starts_with("BEGIN:VCALENDAR\r\n"), "{}", res.text);
    assert!(res.text.ends_with("END:VCALENDAR\r\n"));
    assert!(
        res.text.lines().all(|l| l.len() <= 76),
        "lines are folded: {}",
        res.text
    );
    let (calendar, event) = ics_properties(&res.text);
    assert_eq!(one(&calendar, "VERSION"), "2.0");
    assert!(
        calendar.iter().all(|(k, _)| k != "METHOD"),
        "a download has no METHOD"
    );
    let uid = one(&event, "UID").to_string();
    assert!(uid.contains(&m.session), "{uid}");
    // The fixture's session: 2026-11-24T16:30:00Z, 90 minutes by default.
    assert_eq!(one(&event, "DTSTART"), "20261124T163000Z");
    assert_eq!(one(&event, "DTEND"), "20261124T180000Z");
    assert_eq!(one(&event, "SEQUENCE"), "0");
    assert_eq!(one(&event, "LOCATION"), "https://visio.example.org/rcp");
    assert!(one(&event, "URL").ends_with(&format!("/#/sessions/{}/live", m.session)));
    assert!(one(&event, "SUMMARY").contains("Weekly MS board"));
    assert_eq!(one(&event, "STATUS"), "CONFIRMED");
    // Nothing of the dossier: no pseudonym, no title.
    let dossier = app
        .get(
            &format!("/api/dossiers/{}", m.dossier),
            Some(&m.chair.token),
        )
        .await;
    let pseudonym = dossier.expect(200)["patient"]["pseudonym"]
        .as_str()
        .unwrap()
        .to_string();
    let title = dossier.body["title"].as_str().unwrap().to_string();
    assert!(!res.text.contains(&pseudonym) && !res.text.contains(&title));
    // The same UID for every reader and every download; the referrer of a dossier on the
    // agenda may join, so may fetch it.
    for who in [&m.chair, &m.referrer, &m.admin] {
        let again = app.get(&path, Some(&who.token)).await;
        again.expect(200);
        assert_eq!(one(&ics_properties(&again.text).1, "UID"), uid);
    }
    // Someone of another board, or of none: as if it did not exist.
    let outsider = app.clinician(&m.admin, "Neurology").await;
    app.get(&path, Some(&outsider.token))
        .await
        .expect_problem(404, "not_found");
    app.get(&path, None)
        .await
        .expect_problem(401, "unauthenticated");
    app.get(
        "/api/sessions/00000000-0000-0000-0000-000000000000/invite.ics",
        Some(&m.chair.token),
    )
    .await
    .expect_problem(404, "not_found");
    app.get("/api/sessions/not-an-id/invite.ics", Some(&m.chair.token))
        .await
        .expect_problem(404, "not_found");
}

/// The path of a feed URL (the test server's public URL is its own address).
fn feed_path(url: &str) -> String {
    let at = url.find("/api/calendar/").expect("a feed URL");
    url[at..].to_string()
}

async fn the_calendar_feed_is_secret_and_rotates(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, three_of_three()).await;
    let outsider = app.clinician(&m.admin, "Neurology").await;
    let uid = format!("session-{}@consilium", m.session);
    let mut first = String::new();
    for (who, sees) in [
        (&m.specialists[0], true),
        (&m.chair, true),
        (&m.referrer, true),
        (&outsider, false),
    ] {
        let res = app
            .post("/api/me/calendar", Some(&who.token), json!({}))
            .await;
        let url = res.expect(200)["url"].as_str().unwrap().to_string();
        assert!(url.starts_with("http") && url.ends_with(".ics"), "{url}");
        let feed = app.get(&feed_path(&url), None).await;
        feed.expect(200);
        assert_eq!(
            feed.header("content-type"),
            Some("text/calendar; charset=utf-8")
        );
        assert!(feed.text.starts_with("BEGIN:VCALENDAR"));
        assert_eq!(feed.text.contains(&uid), sees, "{}", feed.text);
        if first.is_empty() {
            first = url;
        }
    }
    // Rotating: a new address; the old one is gone.
    let again = app
        .post("/api/me/calendar", Some(&m.specialists[0].token), json!({}))
        .await;
    let second = again.expect(200)["url"].as_str().unwrap().to_string();
    assert_ne!(second, first);
    app.get(&feed_path(&first), None)
        .await
        .expect_problem(404, "not_found");
    app.get(&feed_path(&second), None).await.expect(200);
    // Anything else is not a feed.
    let secret = feed_path(&second)
        .trim_start_matches("/api/calendar/")
        .trim_end_matches(".ics")
        .to_string();
    for path in [
        format!("/api/calendar/{secret}"),
        format!("/api/calendar/{}.ics", secret.to_uppercase()),
        format!("/api/calendar/{}.ics", "0".repeat(64)),
        "/api/calendar/abc.ics".to_string(),
        "/api/calendar/.ics".to_string(),
    ] {
        app.get(&path, None).await.expect_problem(404, "not_found");
    }
    app.post("/api/me/calendar", None, json!({}))
        .await
        .expect_problem(401, "unauthenticated");
}

//! The presenter's `view` in the room (API.md section 11): relayed to the others with who sent
//! it, refused from anyone else and for anything that does not exist, never written to the log,
//! coalesced to 10 a second without losing the last, kept for the welcome of later joiners, and
//! relayed across instances on PostgreSQL.

use std::time::Instant;

use serde_json::{Value, json};

use crate::fixtures::{meeting, one_of_one, schedule, submitted_dossier};
use crate::helpers::{Backend, another_instance, spawn_app};
use crate::on_both;
use crate::review::{letter_and_elsewhere, meeting_with_mri, mri, series_of};
use crate::ws::Ws;

on_both!(
    the_presenters_view_reaches_the_others,
    bad_views_are_refused_and_not_relayed,
    a_burst_of_views_is_coalesced,
    a_late_joiner_is_welcomed_with_the_latest_view,
);

fn view(attachment: &str, frame: u32) -> Value {
    json!({"type": "view", "attachment_id": attachment, "series_uid": series_of(attachment),
           "frame": frame})
}

/// A view with more fields (or some replaced).
fn view_with(attachment: &str, frame: u32, extra: Value) -> Value {
    let mut v = view(attachment, frame);
    if let (Some(m), Value::Object(e)) = (v.as_object_mut(), extra) {
        m.extend(e);
    }
    v
}

fn views(messages: &[Value]) -> Vec<&Value> {
    messages.iter().filter(|v| v["type"] == "view").collect()
}

/// Everything `ws` receives until the durable event `seq` (not included).
async fn until_seq(ws: &mut Ws, seq: i64) -> Vec<Value> {
    let mut seen = Vec::new();
    loop {
        let v = ws.recv().await;
        if v["seq"] == seq && v["type"] != "ack" {
            return seen;
        }
        seen.push(v);
    }
}

/// Sends a chat line through `ws` (a marker in everyone's stream); returns its `seq` and
/// everything `ws` received until its own line came back.
async fn marker(ws: &mut Ws) -> (i64, Vec<Value>) {
    let rid = uuid::Uuid::new_v4().to_string();
    ws.send(json!({"type": "chat", "text": "marker", "request_id": rid}))
        .await;
    let mut seen = Vec::new();
    let seq = loop {
        let v = ws.recv().await;
        if v["type"] == "ack" && v["request_id"] == rid.as_str() {
            break v["seq"].as_i64().unwrap();
        }
        seen.push(v);
    };
    if seen.iter().any(|v| v["seq"] == seq) {
        seen.retain(|v| v["seq"] != seq);
    } else {
        seen.extend(until_seq(ws, seq).await);
    }
    (seq, seen)
}

async fn the_presenters_view_reaches_the_others(backend: Backend) {
    let (app, m, attachment) = meeting_with_mri(backend).await;
    let (mut chair, _) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    let member = &m.specialists[0];
    let (mut voter, _) = Ws::join(&app.url, &m.session, &member.token, None).await;
    let (mut referrer, _) = Ws::join(&app.url, &m.session, &m.referrer.token, None).await;

    // The chair presents at first: the view reaches the others, with who sent it.
    let shown = view_with(
        &attachment,
        3,
        json!({"wc": 40, "ww": 80, "zoom": 2.0, "center": [128, 96.5]}),
    );
    chair.send(shown).await;
    let got = voter.next_of("view").await;
    assert_eq!(got["by"]["id"], m.chair.id.as_str());
    assert_eq!(
        got["by"]["email"],
        m.chair.email.as_str(),
        "the room's User"
    );
    assert_eq!(got["attachment_id"], attachment.as_str());
    assert_eq!(got["series_uid"], series_of(&attachment));
    assert_eq!(got["frame"], 3);
    assert_eq!(
        (got["wc"].as_f64(), got["ww"].as_f64()),
        (Some(40.0), Some(80.0))
    );
    assert_eq!(got["zoom"], 2.0);
    assert_eq!(got["center"], json!([128.0, 96.5]));
    assert!(got.get("preset").is_none() && got.get("seq").is_none());
    // The referrer sees what is shown of their own dossier.
    assert_eq!(referrer.next_of("view").await["frame"], 3);
    // Not the sender; no ack without a request id.
    let (_, seen) = marker(&mut chair).await;
    assert!(views(&seen).is_empty(), "{seen:?}");
    // With a request id: an ack, and no seq (nothing durable).
    let ack = chair.ok(view(&attachment, 4)).await;
    assert!(ack.get("seq").is_none(), "{ack}");
    assert_eq!(voter.next_of("view").await["frame"], 4);

    // A member does not present: refused, nothing relayed.
    voter.refused(view(&attachment, 5), "forbidden").await;
    referrer.refused(view(&attachment, 5), "forbidden").await;
    let (seq, _) = marker(&mut voter).await;
    assert!(views(&until_seq(&mut chair, seq).await).is_empty());

    // Handed on: the member presents, the chair no longer does.
    chair
        .ok(json!({"type": "present", "user_id": member.id}))
        .await;
    let refused = chair.refused(view(&attachment, 6), "forbidden").await;
    assert!(
        refused["message"].as_str().unwrap().contains("presenter"),
        "{refused}"
    );
    voter.ok(view(&attachment, 7)).await;
    let got = chair.next_of("view").await;
    assert_eq!(
        (got["frame"].as_u64(), &got["by"]["id"]),
        (Some(7), &json!(member.id))
    );
    // The chair's refused view never went out: the next one the referrer sees is the member's.
    let got = referrer.next_of("view").await;
    assert_eq!(
        (got["frame"].as_u64(), &got["by"]["id"]),
        (Some(7), &json!(member.id))
    );
}

async fn bad_views_are_refused_and_not_relayed(backend: Backend) {
    let (app, m, attachment) = meeting_with_mri(backend).await;
    let (letter, elsewhere) = letter_and_elsewhere(&app, &m).await;
    let (mut chair, _) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    let (mut voter, _) = Ws::join(&app.url, &m.session, &m.specialists[0].token, None).await;
    let events = app.count("room_events").await;
    let requests = app.count("room_requests").await;

    let with = |extra: Value| view_with(&attachment, 0, extra);
    let without = |field: &str| {
        let mut v = view(&attachment, 0);
        v.as_object_mut().unwrap().remove(field);
        v
    };
    let cases = [
        (view(&elsewhere, 0), "not_found", None),
        (view(&letter, 0), "conflict", None),
        (
            view(&uuid::Uuid::new_v4().to_string(), 0),
            "not_found",
            None,
        ),
        (view("not-a-uuid", 0), "not_found", None),
        (
            without("attachment_id"),
            "invalid_input",
            Some("attachment_id"),
        ),
        (without("series_uid"), "invalid_input", Some("series_uid")),
        (without("frame"), "invalid_input", Some("frame")),
        (
            with(json!({"series_uid": "1..2"})),
            "invalid_input",
            Some("series_uid"),
        ),
        (
            with(json!({"series_uid": 12})),
            "invalid_input",
            Some("series_uid"),
        ),
        (with(json!({"frame": -1})), "invalid_input", Some("frame")),
        (
            with(json!({"frame": 4_294_967_296_u64})),
            "invalid_input",
            Some("frame"),
        ),
        (with(json!({"frame": "0"})), "invalid_input", Some("frame")),
        // The series index says what exists: 256 frames of one series.
        (with(json!({"frame": 256})), "not_found", None),
        (
            with(json!({"series_uid": "1.2.826.0.1.3680043.8.498.1"})),
            "not_found",
            None,
        ),
        (with(json!({"wc": 40})), "invalid_input", Some("ww")),
        (
            with(json!({"wc": 40, "ww": 0})),
            "invalid_input",
            Some("ww"),
        ),
        (
            with(json!({"wc": 1e9, "ww": 80})),
            "invalid_input",
            Some("wc"),
        ),
        (
            with(json!({"preset": "bones"})),
            "invalid_input",
            Some("preset"),
        ),
        (with(json!({"zoom": 0})), "invalid_input", Some("zoom")),
        (with(json!({"zoom": 51})), "invalid_input", Some("zoom")),
        (
            with(json!({"center": [1]})),
            "invalid_input",
            Some("center"),
        ),
        (
            with(json!({"center": [1, 2e9]})),
            "invalid_input",
            Some("center"),
        ),
    ];
    for (cmd, code, field) in cases {
        let refused = chair.refused(cmd.clone(), code).await;
        if let Some(field) = field {
            assert_eq!(refused["field"], field, "{cmd}: {refused}");
        }
    }
    // The socket stayed open and nothing went out.
    let (seq, _) = marker(&mut chair).await;
    assert!(views(&until_seq(&mut voter, seq).await).is_empty());
    // Nothing in the log but the marker; no request id kept for a view.
    assert_eq!(app.count("room_events").await, events + 1);
    assert_eq!(app.count("room_requests").await, requests + 1);
    chair.ok(view(&attachment, 0)).await;
    assert_eq!(voter.next_of("view").await["frame"], 0);
    assert_eq!(app.count("room_events").await, events + 1);
    assert_eq!(app.count("room_requests").await, requests + 1);
}

async fn a_burst_of_views_is_coalesced(backend: Backend) {
    let (app, m, attachment) = meeting_with_mri(backend).await;
    let (mut chair, _) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    let (mut voter, _) = Ws::join(&app.url, &m.session, &m.specialists[0].token, None).await;
    let started = Instant::now();
    // 200 views as fast as the socket takes them, ten times the command rate: each is
    // acknowledged, none refused.
    let present = async {
        for n in 0..200 {
            let v = view_with(&attachment, n, json!({"request_id": format!("v{n}")}));
            chair.send(v).await;
        }
        let mut acks = 0;
        while acks < 200 {
            let v = chair.recv().await;
            assert_ne!(v["type"], "error", "{v}");
            if v["type"] == "ack" {
                assert_eq!(v["request_id"], format!("v{acks}"));
                acks += 1;
            }
        }
    };
    let follow = async {
        let mut frames = Vec::new();
        loop {
            let v = voter.recv().await;
            if v["type"] == "view" {
                let frame = v["frame"].as_u64().unwrap();
                frames.push(frame);
                if frame == 199 {
                    return (frames, started.elapsed());
                }
            }
        }
    };
    let ((), (frames, took)) = tokio::join!(present, follow);
    // Far fewer than 200, at most 10 a second, in order, and the last one sent came.
    let most = 10.0 * took.as_secs_f64() + 2.0;
    assert!(
        (frames.len() as f64) <= most && frames.len() < 100,
        "{} views in {took:?}: {frames:?}",
        frames.len()
    );
    assert!(frames.windows(2).all(|w| w[0] < w[1]), "{frames:?}");
    assert_eq!(frames.last(), Some(&199));
    // Nothing more comes after the last.
    let (seq, _) = marker(&mut chair).await;
    assert!(views(&until_seq(&mut voter, seq).await).is_empty());
}

async fn a_late_joiner_is_welcomed_with_the_latest_view(backend: Backend) {
    let (app, m, attachment) = meeting_with_mri(backend).await;
    let (mut chair, welcome) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    assert_eq!(welcome["view"], Value::Null);
    let member = &m.specialists[0];
    let (mut voter, _) = Ws::join(&app.url, &m.session, &member.token, None).await;
    for frame in 1..=3 {
        chair
            .send(view_with(&attachment, frame, json!({"preset": "brain"})))
            .await;
    }
    voter
        .until(|v| v["type"] == "view" && v["frame"] == 3)
        .await;

    let (_, late) = Ws::join(&app.url, &m.session, &m.specialists[1].token, None).await;
    assert_eq!(late["presenter_id"], Value::Null);
    let shown = &late["view"];
    assert_eq!(shown["type"], "view");
    assert_eq!(shown["frame"], 3);
    assert_eq!(shown["preset"], "brain");
    assert_eq!(shown["attachment_id"], attachment.as_str());
    assert_eq!(shown["by"]["id"], m.chair.id.as_str());

    // The presenter changes; the latest view stays, and says who sent it.
    chair
        .ok(json!({"type": "present", "user_id": member.id}))
        .await;
    let (_, later) = Ws::join(&app.url, &m.session, &m.specialists[2].token, None).await;
    assert_eq!(later["presenter_id"], member.id.as_str());
    assert_eq!(later["view"]["frame"], 3);
    assert_eq!(later["view"]["by"]["id"], m.chair.id.as_str());

    // A referrer of another dossier on the agenda sees neither the view nor its welcome.
    let stranger = app.clinician(&m.admin, "Neurology").await;
    let theirs = submitted_dossier(&app, &stranger, &m.board).await;
    schedule(&app, &m.chair, &m.session, &theirs).await;
    let (mut outsider, welcome) = Ws::join(&app.url, &m.session, &stranger.token, None).await;
    assert_eq!(welcome["view"], Value::Null);
    let (_, own) = Ws::join(&app.url, &m.session, &m.referrer.token, None).await;
    assert_eq!(own["view"]["frame"], 3, "the referrer of the dossier shown");
    voter.ok(view(&attachment, 9)).await;
    assert_eq!(chair.next_of("view").await["frame"], 9);
    let (seq, _) = marker(&mut chair).await;
    assert!(views(&until_seq(&mut outsider, seq).await).is_empty());
}

/// Two instances on one PostgreSQL database: a view shown on A reaches the room on B, the last
/// of a burst included, and B welcomes its late joiners with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_view_crosses_instances() {
    let a = spawn_app(Backend::Postgres).await;
    let b = another_instance(&a).await;
    let m = meeting(&a, one_of_one()).await;
    let attachment = mri(&a, &m).await;
    let (mut chair, _) = Ws::join(&a.url, &m.session, &m.chair.token, None).await;
    let (mut on_a, _) = Ws::join(&a.url, &m.session, &m.specialists[0].token, None).await;
    let (mut on_b, _) = Ws::join(&b.url, &m.session, &m.specialists[1].token, None).await;
    // Everyone is in (presence crossed), so B's room is open.
    chair
        .until(|v| {
            v["type"] == "presence" && v["participants"].as_array().is_some_and(|p| p.len() == 3)
        })
        .await;
    chair.send(view(&attachment, 0)).await;
    let got = on_b.next_of("view").await;
    assert_eq!(got["by"]["id"], m.chair.id.as_str());
    assert_eq!(got["frame"], 0);
    assert_eq!(on_a.next_of("view").await["frame"], 0);
    // A burst: both sides end on its last view.
    for n in 1..=50 {
        chair.send(view(&attachment, n)).await;
    }
    for ws in [&mut on_a, &mut on_b] {
        let mut frames = Vec::new();
        while frames.last() != Some(&50) {
            let v = ws.next_of("view").await;
            frames.push(v["frame"].as_u64().unwrap());
        }
        assert!(frames.len() < 50, "{frames:?}");
        assert!(frames.windows(2).all(|w| w[0] < w[1]), "{frames:?}");
    }
    // A late joiner on B is welcomed with it.
    let (_, late) = Ws::join(&b.url, &m.session, &m.specialists[2].token, None).await;
    assert_eq!(late["view"]["frame"], 50);
    assert_eq!(late["view"]["by"]["id"], m.chair.id.as_str());
}

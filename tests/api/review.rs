//! Imaging review in the room (API.md section 11, issue 13): the presenter's hand-over and key
//! images, which the decision records and hashes. The `view` relay is in view.rs.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::attachments::dicom_file;
use crate::audit::verify;
use crate::dicom_series::{EXPLICIT_LE, Spec};
use crate::fixtures::{Meeting, escalate, meeting, one_of_one};
use crate::helpers::{Backend, TestApp, spawn_app};
use crate::imaging::upload_as;
use crate::on_both;
use crate::ws::Ws;

on_both!(
    the_chair_hands_the_presenter_role_on,
    key_images_are_marked_and_recorded_in_the_decision,
    marks_are_checked,
    a_mark_sent_again_is_applied_once,
);

/// The series UID of each test MRI by attachment id: de-identification gives every series a
/// new UID per dossier, which the tests learn from the series listing.
static SERIES_OF: std::sync::Mutex<BTreeMap<String, String>> =
    std::sync::Mutex::new(BTreeMap::new());

/// The (de-identified) series UID of an MRI uploaded by [`mri`]; for any other attachment, a
/// well-formed UID it does not hold.
pub fn series_of(attachment: &str) -> String {
    let known = SERIES_OF.lock().unwrap_or_else(|e| e.into_inner());
    known
        .get(attachment)
        .cloned()
        .unwrap_or_else(|| "1.2.826.0.1.3680043.8.498.1".to_string())
}

/// An MRI of 256 frames (one multi-frame instance) on the meeting's dossier; its id.
pub async fn mri(app: &TestApp, m: &Meeting) -> String {
    let frames: Vec<usize> = (0..256).collect();
    let bytes = Spec::sixteen_bit("1.2.826.0.1.3680043.8.498.1").instance(&frames, EXPLICIT_LE);
    let a = upload_as(app, &m.referrer.token, &m.dossier, bytes, "t2.dcm").await;
    let id = a["id"].as_str().unwrap().to_string();
    let listed = app
        .get(
            &format!("/api/attachments/{id}/series"),
            Some(&m.referrer.token),
        )
        .await;
    let series = listed.expect(200)["items"][0]["series_uid"]
        .as_str()
        .unwrap()
        .to_string();
    SERIES_OF
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(id.clone(), series);
    id
}

/// A server with a meeting (a quorum of one) and an MRI on its dossier ([`mri`]).
pub async fn meeting_with_mri(backend: Backend) -> (TestApp, Meeting, String) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, one_of_one()).await;
    let attachment = mri(&app, &m).await;
    (app, m, attachment)
}

/// Two attachments no frame of the meeting's dossier can be shown from: a letter on that
/// dossier (not DICOM), and a DICOM file on another dossier of the board; their ids.
pub async fn letter_and_elsewhere(app: &TestApp, m: &Meeting) -> (String, String) {
    let token = &m.referrer.token;
    let letter = upload_as(app, token, &m.dossier, b"Letter".to_vec(), "letter.txt").await;
    let other_dossier = app.dossier(&m.referrer, &m.board).await;
    let elsewhere = upload_as(
        app,
        token,
        other_dossier["id"].as_str().unwrap(),
        dicom_file("DOE^JOHN", "T1"),
        "t1.dcm",
    )
    .await;
    let id = |v: &Value| v["id"].as_str().unwrap().to_string();
    (id(&letter), id(&elsewhere))
}

async fn the_chair_hands_the_presenter_role_on(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, one_of_one()).await;
    let (mut chair, welcome) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    assert_eq!(
        welcome["presenter_id"],
        Value::Null,
        "the chair presents at first"
    );
    let member = &m.specialists[0];
    let (mut voter, _) = Ws::join(&app.url, &m.session, &member.token, None).await;
    let (mut referrer, _) = Ws::join(&app.url, &m.session, &m.referrer.token, None).await;

    // Only the chair hands it on, and only to a member or coordinator in the room.
    voter
        .refused(
            json!({"type": "present", "user_id": member.id}),
            "forbidden",
        )
        .await;
    let refused = chair
        .refused(
            json!({"type": "present", "user_id": m.referrer.id}),
            "invalid_input",
        )
        .await;
    assert_eq!(refused["field"], "user_id");
    let absent = &m.specialists[1];
    chair
        .refused(
            json!({"type": "present", "user_id": absent.id}),
            "invalid_input",
        )
        .await;
    chair
        .refused(json!({"type": "present", "user_id": 7}), "invalid_input")
        .await;

    let ack = chair
        .ok(json!({"type": "present", "user_id": member.id}))
        .await;
    let seq = ack["seq"].as_i64().unwrap();
    let event = voter.event(seq).await;
    assert_eq!(event["type"], "presenter");
    assert_eq!(event["user_id"], member.id.as_str());
    assert_eq!(event["by"]["id"], m.chair.id.as_str());
    // The referrer sees who presents (a board member, listed in the room anyway).
    assert_eq!(referrer.event(seq).await["type"], "presenter");

    // A late joiner learns who presents.
    let (_, late) = Ws::join(&app.url, &m.session, &absent.token, None).await;
    assert_eq!(late["presenter_id"], member.id.as_str());
}

async fn key_images_are_marked_and_recorded_in_the_decision(backend: Backend) {
    let (app, m, attachment) = meeting_with_mri(backend).await;
    let (mut chair, _) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    let member = &m.specialists[0];
    let (mut voter, _) = Ws::join(&app.url, &m.session, &member.token, None).await;
    let series = series_of(&attachment);
    let ack = voter
        .ok(
            json!({"type": "mark", "attachment_id": attachment, "series_uid": series,
                   "frame": 12, "note": "New gadolinium-enhancing lesion"}),
        )
        .await;
    let event = chair.event(ack["seq"].as_i64().unwrap()).await;
    assert_eq!(event["type"], "key_image");
    assert_eq!(event["frame"], 12);
    assert_eq!(event["note"], "New gadolinium-enhancing lesion");
    chair
        .ok(json!({"type": "mark", "attachment_id": attachment, "series_uid": series, "frame": 3}))
        .await;

    let decision = escalate(&mut chair, &mut voter, &m.dossier).await;
    let images = decision["key_images"].as_array().unwrap();
    assert_eq!(images.len(), 2);
    assert_eq!(images[0]["frame"], 12);
    assert_eq!(images[0]["by"]["id"], member.id.as_str());
    assert_eq!(images[1]["frame"], 3);
    assert_eq!(images[1]["note"], "");
    assert_eq!(images[0]["attachment_id"], attachment.as_str());
    // The REST read is the same decision, and the hash covers the key images.
    let id = decision["id"].as_str().unwrap();
    let read = app
        .get(&format!("/api/decisions/{id}"), Some(&m.referrer.token))
        .await
        .expect(200)
        .clone();
    assert_eq!(read["key_images"], decision["key_images"]);
    let (ok, text) = verify(&app);
    assert!(ok, "{text}");
}

async fn marks_are_checked(backend: Backend) {
    let (app, m, attachment) = meeting_with_mri(backend).await;
    let (note, elsewhere) = letter_and_elsewhere(&app, &m).await;
    let (mut voter, _) = Ws::join(&app.url, &m.session, &m.specialists[0].token, None).await;
    let (mut referrer, _) = Ws::join(&app.url, &m.session, &m.referrer.token, None).await;
    let series = "1.2.3";
    let mark = |attachment: &str, series: &str, frame: Value, note: &str| {
        json!({"type": "mark", "attachment_id": attachment, "series_uid": series,
               "frame": frame, "note": note})
    };
    referrer
        .refused(mark(&attachment, series, json!(0), ""), "forbidden")
        .await;
    let cases = [
        (mark(&attachment, series, json!(-1), ""), "invalid_input"),
        (mark(&attachment, series, json!("x"), ""), "invalid_input"),
        (mark(&attachment, "1..2", json!(0), ""), "invalid_input"),
        (
            mark(&attachment, series, json!(0), &"n".repeat(501)),
            "invalid_input",
        ),
        (mark("not-a-uuid", series, json!(0), ""), "not_found"),
        (
            mark(&uuid::Uuid::new_v4().to_string(), series, json!(0), ""),
            "not_found",
        ),
        (mark(&note, series, json!(0), ""), "conflict"),
        (mark(&elsewhere, series, json!(0), ""), "not_found"),
    ];
    for (cmd, code) in cases {
        voter.refused(cmd, code).await;
    }
    // Nothing was written: the log holds no key image.
    let log = app
        .get(
            &format!("/api/sessions/{}/events", m.session),
            Some(&m.chair.token),
        )
        .await
        .expect(200)
        .clone();
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["type"] != "key_image"),
        "{log}"
    );
}

async fn a_mark_sent_again_is_applied_once(backend: Backend) {
    let (app, m, attachment) = meeting_with_mri(backend).await;
    let (mut voter, _) = Ws::join(&app.url, &m.session, &m.specialists[0].token, None).await;
    let mark = json!({"type": "mark", "attachment_id": attachment,
                      "series_uid": series_of(&attachment), "frame": 4, "note": "Lesion"});
    let rid = uuid::Uuid::new_v4().to_string();
    let first = voter.command(mark.clone(), &rid).await;
    assert_eq!(first["type"], "ack", "{first}");
    let events = app.count("room_events").await;
    // The dossier leaves the agenda; a retry of the mark is still acknowledged as it was (its
    // rules and frame are not asked again), and not applied again.
    app.delete(
        &format!("/api/sessions/{}/agenda/{}", m.session, m.dossier),
        Some(&m.chair.token),
    )
    .await
    .expect(200);
    let again = voter.command(mark.clone(), &rid).await;
    assert_eq!(
        (&again["type"], &again["seq"]),
        (&json!("ack"), &first["seq"])
    );
    assert_eq!(app.count("room_events").await, events);
    // A new mark is refused now.
    voter.refused(mark, "not_found").await;
}

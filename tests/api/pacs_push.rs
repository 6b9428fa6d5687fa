//! STOW-RS pushes to a dossier, and who may search, import, see and cancel, with bad input
//! refused and nothing changed (API.md section 15).

use serde_json::{Value, json};

use crate::helpers::{Backend, Options, spawn_app_with};
use crate::orthanc::Orthanc;
use crate::pacs::{
    app_on, assert_no_identifier_in_tables, attachments_of, import, import_study, wait_import,
    world,
};
use crate::pacs_data::{StudySpec, identifying_in};

crate::on_both!(
    pushed_instances_become_one_attachment_per_series,
    who_may_do_what_and_bad_input,
);

const BOUNDARY: &str = "consilium-test-boundary-7f3a";

fn body(parts: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (content_type, bytes) in parts {
        out.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Type: {content_type}\r\n\r\n").as_bytes(),
        );
        out.extend_from_slice(bytes);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    out
}

async fn push(
    app: &crate::helpers::TestApp,
    token: Option<&str>,
    dossier: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> crate::helpers::Resp {
    let mut req = app
        .api
        .client
        .post(format!("{}/api/dossiers/{dossier}/studies", app.url))
        .header("Content-Type", content_type)
        .body(bytes);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    crate::helpers::Api::read(req.send().await.unwrap()).await
}

fn related() -> String {
    format!("multipart/related; type=\"application/dicom\"; boundary={BOUNDARY}")
}

fn seq_len(answer: &Value, tag: &str) -> usize {
    answer[tag]["Value"].as_array().map_or(0, Vec::len)
}

async fn pushed_instances_become_one_attachment_per_series(backend: Backend) {
    let app = spawn_app_with(backend, Options::default()).await;
    let (_, referrer, dossier) = world(&app).await;
    let study = StudySpec::small(6);
    let t2: Vec<Vec<u8>> = (0..3)
        .map(|i| study.instance(&study.series[0], i))
        .collect();
    let flair = study.instance(&study.series[1], 0);
    let mut parts: Vec<(&str, Vec<u8>)> = t2
        .iter()
        .map(|b| ("application/dicom", b.clone()))
        .collect();
    parts.push(("application/dicom", flair));
    parts.push(("application/dicom", b"not a DICOM file at all".to_vec()));
    parts.push(("text/plain", b"hello".to_vec()));

    let res = push(
        &app,
        Some(&referrer.token),
        &dossier,
        &related(),
        body(&parts),
    )
    .await;
    assert_eq!(res.status, 202, "{}", res.text);
    assert!(
        res.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/dicom+json")
    );
    assert_eq!(seq_len(&res.body, "00081199"), 4);
    assert_eq!(seq_len(&res.body, "00081198"), 2);
    let stored_uid = &res.body["00081199"]["Value"][0]["00081155"]["Value"][0];
    assert_eq!(stored_uid, &json!(format!("{}.1", study.series[0].uid)));
    assert_eq!(
        res.body["00081198"]["Value"][0]["00081197"]["Value"][0],
        0xC000
    );
    let items = attachments_of(&app, &referrer.token, &dossier).await;
    let mut counts: Vec<u64> = items
        .iter()
        .map(|a| a["dicom"]["instances"].as_u64().unwrap())
        .collect();
    counts.sort();
    assert_eq!(counts, vec![1, 3], "one attachment per series");
    for item in &items {
        let bytes = app
            .api
            .client
            .get(format!(
                "{}/api/attachments/{}/content",
                app.url,
                item["id"].as_str().unwrap()
            ))
            .bearer_auth(&referrer.token)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(identifying_in(&bytes), Vec::<&str>::new());
    }
    assert_no_identifier_in_tables(&app).await;

    // Every instance stored: 200. None: 409, nothing added.
    let all = vec![("application/dicom", study.instance(&study.series[1], 1))];
    let res = push(
        &app,
        Some(&referrer.token),
        &dossier,
        &related(),
        body(&all),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.text);
    let none = vec![("application/dicom", b"garbage".to_vec())];
    let res = push(
        &app,
        Some(&referrer.token),
        &dossier,
        &related(),
        body(&none),
    )
    .await;
    assert_eq!(res.status, 409, "{}", res.text);
    assert_eq!(seq_len(&res.body, "00081198"), 1);
    assert_eq!(app.count("attachments").await, 3);
}

async fn who_may_do_what_and_bad_input(backend: Backend) {
    let orthanc = Orthanc::start().await;
    let study = StudySpec::small(7);
    orthanc.store(&study.files()).await;
    let app = app_on(backend, &orthanc.dicomweb()).await;
    let (admin, referrer, dossier) = world(&app).await;
    let stranger = app.clinician(&admin, "radiology").await;
    let instance = study.instance(&study.series[0], 0);
    let one = body(&[("application/dicom", instance.clone())]);

    // Pushes: no token, a stranger, a wrong media type, a broken body.
    assert_eq!(
        push(&app, None, &dossier, &related(), one.clone())
            .await
            .status,
        401
    );
    let res = push(
        &app,
        Some(&stranger.token),
        &dossier,
        &related(),
        one.clone(),
    )
    .await;
    assert!(matches!(res.status, 403 | 404), "{}", res.status);
    for content_type in [
        "application/dicom",
        "multipart/form-data; boundary=x",
        "multipart/related; type=\"application/json\"; boundary=x",
        "multipart/related",
    ] {
        let res = push(
            &app,
            Some(&referrer.token),
            &dossier,
            content_type,
            one.clone(),
        )
        .await;
        assert_eq!(res.status, 415, "{content_type}");
    }
    let broken = push(
        &app,
        Some(&referrer.token),
        &dossier,
        &related(),
        b"--other\r\n\r\nxx".to_vec(),
    )
    .await;
    assert!(matches!(broken.status, 400 | 409), "{}", broken.status);

    // Searches: at least one filter, each of its shape.
    for query in [
        "",
        "patient_id=",
        "patient_id=PID*",
        "study_date=2026-11-15",
        "modality=M%20R",
        "unknown=1",
    ] {
        let res = app
            .get(&format!("/api/pacs/studies?{query}"), Some(&referrer.token))
            .await;
        assert_eq!(res.status, 400, "{query}");
    }
    assert_eq!(
        app.get("/api/pacs/studies?modality=MR", None).await.status,
        401
    );

    // Imports: bad input, a stranger's dossier, a series not in the study.
    for body in [
        json!({}),
        json!({"study_uid": "not-a-uid"}),
        json!({"study_uid": study.uid, "series_uids": []}),
        json!({"study_uid": study.uid, "series_uids": ["1.2.3"]}),
        json!({"study_uid": study.uid, "series_uids": [study.series[0].uid, study.series[0].uid]}),
        json!({"study_uid": study.uid, "extra": 1}),
    ] {
        let res = import(&app, &referrer.token, &dossier, body.clone()).await;
        assert_eq!(res.status, 400, "{body}");
    }
    let res = import(
        &app,
        &stranger.token,
        &dossier,
        json!({"study_uid": study.uid}),
    )
    .await;
    assert!(matches!(res.status, 403 | 404), "{}", res.status);
    let res = import(
        &app,
        &referrer.token,
        &dossier,
        json!({"study_uid": "1.2.3.4.5"}),
    )
    .await;
    assert_eq!(res.status, 404, "a study the PACS does not have");
    assert_eq!(app.count("pacs_imports").await, 0, "nothing began");

    // An import: its requester sees and may cancel it; a stranger neither.
    let id = import_study(&app, &referrer.token, &dossier, &study.uid).await;
    let path = format!("/api/imports/{id}");
    let listed = app
        .get(
            &format!("/api/dossiers/{dossier}/imports"),
            Some(&referrer.token),
        )
        .await;
    assert_eq!(listed.expect(200)["items"][0]["id"], id.as_str());
    let hidden = app
        .get(
            &format!("/api/dossiers/{dossier}/imports"),
            Some(&stranger.token),
        )
        .await;
    assert_eq!(hidden.status, 404);
    assert_eq!(app.get(&path, Some(&stranger.token)).await.status, 404);
    assert_eq!(app.delete(&path, Some(&stranger.token)).await.status, 404);
    assert_eq!(app.get(&path, None).await.status, 401);
    assert_eq!(
        app.get("/api/imports/no-such-import", Some(&referrer.token))
            .await
            .status,
        404
    );
    let done = wait_import(&app, &referrer.token, &id, |v| v["status"] == "done").await;
    assert_eq!(done["attachment_ids"].as_array().unwrap().len(), 2);
    // An ended import cannot be cancelled, and keeps what it made.
    assert_eq!(app.delete(&path, Some(&referrer.token)).await.status, 409);
    assert_eq!(app.count("attachments").await, 2);

    // Without a PACS, searches and imports are 404; pushes still work.
    let off = spawn_app_with(backend, Options::default()).await;
    let (_, referrer, dossier) = world(&off).await;
    let res = off
        .get("/api/pacs/studies?modality=MR", Some(&referrer.token))
        .await;
    assert_eq!(res.status, 404);
    let info = off.get("/api/pacs", Some(&referrer.token)).await;
    assert_eq!(info.expect(200)["configured"], false);
    let res = import(
        &off,
        &referrer.token,
        &dossier,
        json!({"study_uid": study.uid}),
    )
    .await;
    assert_eq!(res.status, 404);
    let res = push(&off, Some(&referrer.token), &dossier, &related(), one).await;
    assert_eq!(res.status, 200, "{}", res.text);
}

//! Imports from a real PACS (API.md section 15): Debian's Orthanc with its DICOMweb plugin,
//! basic auth on, loaded with generated studies carrying real-looking identifying values.
//! Search, whole-study and chosen-series imports, the de-identified bytes, a scan of everything
//! the service wrote for the identifying values, cancel mid-way, the PACS down, a restart
//! mid-import.

use std::time::{Duration, Instant};

use consilium::pacs::{PacsAuth, PacsSettings};
use serde_json::{Value, json};

use crate::helpers::{Actor, Backend, Options, TestApp, spawn_app_with};
use crate::orthanc::{Orthanc, PACS_PASSWORD, PACS_USER, SlowProxy};
use crate::pacs_data::{
    IDENTIFYING, PATIENT_ID, PATIENT_NAME, StudySpec, identifying_in, scan_dir,
};

crate::on_both!(
    a_study_is_found_imported_and_deidentified,
    chosen_series_only,
    a_cancelled_import_leaves_nothing,
    a_pacs_down_fails_cleanly_without_its_password,
    a_restart_mid_import_fails_it_cleanly,
);

pub fn settings(url: &str) -> PacsSettings {
    PacsSettings {
        url: url.to_string(),
        auth: PacsAuth::Basic {
            user: PACS_USER.into(),
            password: PACS_PASSWORD.into(),
        },
    }
}

pub async fn app_on(backend: Backend, url: &str) -> TestApp {
    spawn_app_with(
        backend,
        Options {
            pacs: Some(settings(url)),
            ..Options::default()
        },
    )
    .await
}

/// An admin, a referrer and a draft dossier of theirs.
pub async fn world(app: &TestApp) -> (Actor, Actor, String) {
    let admin = app.admin().await;
    let referrer = app.clinician(&admin, "neurology").await;
    let board = app.board(&admin, crate::fixtures::one_of_one()).await;
    let dossier = app.dossier(&referrer, &board).await;
    (admin, referrer, dossier["id"].as_str().unwrap().to_string())
}

pub async fn import(
    app: &TestApp,
    token: &str,
    dossier: &str,
    body: Value,
) -> crate::helpers::Resp {
    app.post(
        &format!("/api/dossiers/{dossier}/imports"),
        Some(token),
        body,
    )
    .await
}

/// Starts the import of a whole study; its id.
pub async fn import_study(app: &TestApp, token: &str, dossier: &str, study_uid: &str) -> String {
    let started = import(app, token, dossier, json!({ "study_uid": study_uid })).await;
    started.expect(202)["id"].as_str().unwrap().to_string()
}

/// Polls an import until `done` holds of it (at most 60 s).
pub async fn wait_import(
    app: &TestApp,
    token: &str,
    id: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let start = Instant::now();
    loop {
        let res = app.get(&format!("/api/imports/{id}"), Some(token)).await;
        let body = res.expect(200).clone();
        if done(&body) {
            return body;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "import stuck: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn ended(v: &Value) -> bool {
    matches!(v["status"].as_str(), Some("done" | "failed" | "cancelled"))
}

/// The dossier's attachments, as its page lists them.
pub async fn attachments_of(app: &TestApp, token: &str, dossier: &str) -> Vec<Value> {
    let res = app
        .get(&format!("/api/dossiers/{dossier}"), Some(token))
        .await;
    res.expect(200)["attachments"].as_array().unwrap().clone()
}

async fn a_study_is_found_imported_and_deidentified(backend: Backend) {
    let orthanc = Orthanc::start().await;
    let study = StudySpec::small(1);
    orthanc.store(&study.files()).await;
    let app = app_on(backend, &orthanc.dicomweb()).await;
    let (_, referrer, dossier) = world(&app).await;

    let found = app
        .get(
            &format!("/api/pacs/studies?patient_id={PATIENT_ID}"),
            Some(&referrer.token),
        )
        .await;
    let items = found.expect(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    let item = &items[0];
    assert_eq!(item["study_uid"], study.uid.as_str());
    assert_eq!(item["study_date"], "20261115");
    assert_eq!(item["description"], "IRM cerebrale");
    assert_eq!(item["modalities"], json!(["MR"]));
    // Shown to the searcher, to pick the right patient.
    assert_eq!(item["patient_id"], PATIENT_ID);
    assert_eq!(item["patient_name"], PATIENT_NAME);
    let mut series: Vec<(String, u64)> = item["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["description"].as_str().unwrap().to_string(),
                s["instances"].as_u64().unwrap(),
            )
        })
        .collect();
    series.sort();
    assert_eq!(series, vec![("FLAIR".into(), 4), ("T2 axial".into(), 6)]);
    // Other filters find it too; nothing matches another patient.
    for query in [
        "accession_number=ACC55120X",
        "study_date=20261101-20261130&modality=MR",
    ] {
        let res = app
            .get(&format!("/api/pacs/studies?{query}"), Some(&referrer.token))
            .await;
        assert_eq!(
            res.expect(200)["items"].as_array().unwrap().len(),
            1,
            "{query}"
        );
    }
    let none = app
        .get(
            "/api/pacs/studies?patient_id=PID-0000",
            Some(&referrer.token),
        )
        .await;
    assert_eq!(none.expect(200)["items"], json!([]));

    let started = import(
        &app,
        &referrer.token,
        &dossier,
        json!({"study_uid": study.uid}),
    )
    .await;
    let started = started.expect(202).clone();
    assert_eq!(started["dossier_id"], dossier.as_str());
    assert!(matches!(
        started["status"].as_str(),
        Some("queued" | "running")
    ));
    let id = started["id"].as_str().unwrap();
    let done = wait_import(&app, &referrer.token, id, ended).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["instances_done"], 10);
    assert_eq!(done["instances_total"], 10);
    assert!(done["bytes"].as_i64().unwrap() > 10 * 64 * 64 * 2);
    let ids = done["attachment_ids"].as_array().unwrap();
    assert_eq!(ids.len(), 2, "one attachment per series");
    let attachments = attachments_of(&app, &referrer.token, &dossier).await;
    let mut counts: Vec<u64> = attachments
        .iter()
        .map(|a| {
            assert_eq!(a["kind"], "imaging");
            assert_eq!(a["deidentified"], true);
            a["dicom"]["instances"].as_u64().unwrap()
        })
        .collect();
    counts.sort();
    assert_eq!(counts, vec![4, 6]);
    // The stored bytes are de-identified, and so is everything else the service wrote.
    for id in ids {
        let bytes = app
            .api
            .client
            .get(format!(
                "{}/api/attachments/{}/content",
                app.url,
                id.as_str().unwrap()
            ))
            .bearer_auth(&referrer.token)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert!(bytes.starts_with(b"PK"), "a zip archive");
        assert_eq!(identifying_in(&bytes), Vec::<&str>::new());
    }
    assert_eq!(
        scan_dir(app.dir.path()),
        vec![],
        "identifying values in the data dir"
    );
    assert_no_identifier_in_tables(&app).await;
}

/// The rows the service wrote (audit, attachments, imports) hold no identifying value, nor the
/// study's UID.
pub async fn assert_no_identifier_in_tables(app: &TestApp) {
    let dump = app
        .db
        .read(|conn| {
            use diesel::RunQueryDsl;
            #[derive(diesel::QueryableByName)]
            struct Text {
                #[diesel(sql_type = diesel::sql_types::Text)]
                t: String,
            }
            let mut all = String::new();
            for sql in [
                "SELECT detail AS t FROM audit_log",
                "SELECT COALESCE(dicom, '') || filename AS t FROM attachments",
                "SELECT attachment_ids || COALESCE(error, '') AS t FROM pacs_imports",
            ] {
                let rows: Vec<Text> = diesel::sql_query(sql).load(conn)?;
                for r in rows {
                    all.push_str(&r.t);
                    all.push('\n');
                }
            }
            Ok(all)
        })
        .await
        .unwrap();
    for value in IDENTIFYING.iter().chain(["1.2.826.0.1.3680043.1"].iter()) {
        assert!(!dump.contains(value), "{value} stored: {dump}");
    }
}

async fn chosen_series_only(backend: Backend) {
    let orthanc = Orthanc::start().await;
    let study = StudySpec::small(2);
    orthanc.store(&study.files()).await;
    let app = app_on(backend, &orthanc.dicomweb()).await;
    let (_, referrer, dossier) = world(&app).await;
    let flair = &study.series[1].uid;
    let started = import(
        &app,
        &referrer.token,
        &dossier,
        json!({"study_uid": study.uid, "series_uids": [flair]}),
    )
    .await;
    let id = started.expect(202)["id"].as_str().unwrap().to_string();
    let done = wait_import(&app, &referrer.token, &id, ended).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["instances_total"], 4);
    let attachments = attachments_of(&app, &referrer.token, &dossier).await;
    assert_eq!(attachments.len(), 1);
    assert_eq!(attachments[0]["dicom"]["instances"], 4);
    assert_eq!(attachments[0]["dicom"]["series_description"], "FLAIR");
}

async fn a_cancelled_import_leaves_nothing(backend: Backend) {
    let orthanc = Orthanc::start().await;
    let study = StudySpec::sized(3, 3, 12, 256);
    orthanc.store(&study.files()).await;
    let proxy = SlowProxy::start(&orthanc.url, 400_000).await;
    let app = app_on(backend, &format!("{}/dicom-web", proxy.url)).await;
    let (_, referrer, dossier) = world(&app).await;
    let id = import_study(&app, &referrer.token, &dossier, &study.uid).await;
    // Mid-way: some instances in, not all.
    let mid = wait_import(&app, &referrer.token, &id, |v| {
        v["instances_done"].as_i64().unwrap_or(0) >= 14 || ended(v)
    })
    .await;
    assert_eq!(mid["status"], "running", "{mid}");
    assert!(
        !mid["attachment_ids"].as_array().unwrap().is_empty(),
        "{mid}"
    );
    let cancelled = app
        .delete(&format!("/api/imports/{id}"), Some(&referrer.token))
        .await;
    assert_eq!(cancelled.expect(200)["status"], "cancelled");
    let after = wait_import(&app, &referrer.token, &id, |v| {
        v["attachment_ids"].as_array().is_some_and(|a| a.is_empty())
    })
    .await;
    assert_eq!(after["status"], "cancelled");
    // Nothing half-done is kept: no attachment, no object, no spool file.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        attachments_of(&app, &referrer.token, &dossier)
            .await
            .is_empty()
    );
    assert_eq!(objects_under(&app.dir.path().join("objects")), 0);
    assert_eq!(spooled(&app.dir.path().join("tmp")), 0, "spool left behind");
    // Cancelling again, or an ended import, is a conflict.
    let again = app
        .delete(&format!("/api/imports/{id}"), Some(&referrer.token))
        .await;
    assert_eq!(again.status, 409);
}

pub fn files_under(dir: &std::path::Path) -> usize {
    let mut n = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                n += 1;
            }
        }
    }
    n
}

/// Files in the spool (not its lock).
fn spooled(dir: &std::path::Path) -> usize {
    let mut n = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else if !e.file_name().to_string_lossy().contains("lock") {
                n += 1;
            }
        }
    }
    n
}

/// Attachment objects (not the derived series indexes).
fn objects_under(dir: &std::path::Path) -> usize {
    files_under(dir)
}

async fn a_pacs_down_fails_cleanly_without_its_password(backend: Backend) {
    // Nobody listens: search and import answer 502, naming the PACS but not its password.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://127.0.0.1:{}/dicom-web",
        closed.local_addr().unwrap().port()
    );
    drop(closed);
    let app = app_on(backend, &url).await;
    let (_, referrer, dossier) = world(&app).await;
    let res = app
        .get("/api/pacs/studies?patient_id=PID-1", Some(&referrer.token))
        .await;
    assert_eq!(res.status, 502);
    assert!(res.text.contains("127.0.0.1"), "{}", res.text);
    assert!(
        !res.text.contains(PACS_PASSWORD) && !res.text.contains("PID-1"),
        "{}",
        res.text
    );
    let res = import(
        &app,
        &referrer.token,
        &dossier,
        json!({"study_uid": "1.2.3"}),
    )
    .await;
    assert_eq!(res.status, 502);
    assert_eq!(app.count("pacs_imports").await, 0);
    drop(app);

    // Down mid-way: the import fails, keeps nothing, and says why without the password.
    let orthanc = Orthanc::start().await;
    let study = StudySpec::sized(4, 2, 12, 256);
    orthanc.store(&study.files()).await;
    let proxy = SlowProxy::start(&orthanc.url, 400_000).await;
    let app = app_on(backend, &format!("{}/dicom-web", proxy.url)).await;
    let (_, referrer, dossier) = world(&app).await;
    let id = import_study(&app, &referrer.token, &dossier, &study.uid).await;
    wait_import(&app, &referrer.token, &id, |v| {
        v["instances_done"].as_i64().unwrap_or(0) >= 3 || ended(v)
    })
    .await;
    proxy.cut();
    let failed = wait_import(&app, &referrer.token, &id, ended).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    let error = failed["error"].as_str().unwrap();
    assert!(error.contains("PACS"), "{error}");
    assert!(
        !error.contains(PACS_PASSWORD) && !error.contains(PACS_USER),
        "{error}"
    );
    assert_eq!(failed["attachment_ids"], json!([]));
    assert!(
        attachments_of(&app, &referrer.token, &dossier)
            .await
            .is_empty()
    );

    // Wrong credentials: the PACS's 401 becomes a 502 that names it.
    let wrong = spawn_app_with(
        backend,
        Options {
            pacs: Some(PacsSettings {
                url: orthanc.dicomweb(),
                auth: PacsAuth::Basic {
                    user: PACS_USER.into(),
                    password: "wrong-password".into(),
                },
            }),
            ..Options::default()
        },
    )
    .await;
    let (_, referrer, _) = world(&wrong).await;
    let res = wrong
        .get("/api/pacs/studies?modality=MR", Some(&referrer.token))
        .await;
    assert_eq!(res.status, 502);
    assert!(
        res.text.contains("401") && !res.text.contains("wrong-password"),
        "{}",
        res.text
    );
}

async fn a_restart_mid_import_fails_it_cleanly(backend: Backend) {
    let orthanc = Orthanc::start().await;
    let study = StudySpec::sized(5, 3, 12, 256);
    orthanc.store(&study.files()).await;
    let proxy = SlowProxy::start(&orthanc.url, 400_000).await;
    let pacs_url = format!("{}/dicom-web", proxy.url);
    // The database and objects outlive the first server.
    let keep = tempfile::tempdir().unwrap();
    let objects = format!("file://{}", keep.path().join("objects").display());
    let database_url = match backend {
        Backend::Sqlite => format!("sqlite://{}", keep.path().join("db.sqlite").display()),
        Backend::Postgres => tokio::task::spawn_blocking(crate::helpers::fresh_postgres_database)
            .await
            .unwrap(),
    };
    let options = Options {
        pacs: Some(settings(&pacs_url)),
        database_url: Some(database_url),
        object_store_url: Some(objects),
        ..Options::default()
    };
    let first = spawn_app_with(backend, options.clone()).await;
    let (_, referrer, dossier) = world(&first).await;
    let id = import_study(&first, &referrer.token, &dossier, &study.uid).await;
    wait_import(&first, &referrer.token, &id, |v| {
        !v["attachment_ids"].as_array().unwrap().is_empty() || ended(v)
    })
    .await;
    drop(first);

    let second = spawn_app_with(backend, options).await;
    let failed = wait_import(&second, &referrer.token, &id, ended).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(failed["error"].as_str().unwrap().contains("interrupted"));
    assert_eq!(failed["attachment_ids"], json!([]));
    assert!(
        attachments_of(&second, &referrer.token, &dossier)
            .await
            .is_empty()
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        files_under(&keep.path().join("objects")),
        0,
        "objects left behind"
    );
}

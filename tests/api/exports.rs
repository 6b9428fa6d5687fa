//! Exports, the printable record and the activity report, on decisions made in the live room.

use std::process::Command;

use serde_json::{Value, json};

use crate::fixtures::{Meeting, meeting, open_vote, schedule, submitted_dossier, three_of_three};
use crate::helpers::{Backend, TestApp, spawn_app};
use crate::on_both;
use crate::ws::Ws;

on_both!(
    exports_in_every_format,
    exports_are_for_coordinators,
    printable_record,
    activity_report,
    export_command
);

/// Awkward text: commas, quotes, a line break, and a leading `=` that a spreadsheet would run.
pub const AWKWARD: &str =
    "=1+1 is text, not a formula; \"quoted\", with a comma\nand a second line";

/// A meeting with two decisions: one decided (with awkward text), one without quorum.
pub async fn decisions(app: &TestApp) -> (Meeting, Vec<Value>) {
    let m = meeting(app, three_of_three()).await;
    let second = submitted_dossier(app, &m.referrer, &m.board).await;
    schedule(app, &m.chair, &m.session, &second).await;
    let (mut chair, _) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    let mut voters = Vec::new();
    for s in &m.specialists {
        voters.push(Ws::join(&app.url, &m.session, &s.token, None).await.0);
    }
    let vote = open_vote(&mut chair, &m.dossier, &["escalate", "continue"]).await;
    for (i, ws) in voters.iter_mut().enumerate() {
        let comment = if i == 0 { Some(AWKWARD) } else { None };
        ws.ok(json!({"type": "cast", "vote_id": vote, "option": "escalate", "comment": comment}))
            .await;
    }
    let ack = chair
        .ok(json!({"type": "close_vote", "vote_id": vote, "summary": AWKWARD}))
        .await;
    let first = chair.event(ack["seq"].as_i64().unwrap()).await["decision"].clone();
    let vote = open_vote(&mut chair, &second, &["yes", "no"]).await;
    voters[0]
        .ok(json!({"type": "cast", "vote_id": vote, "option": "yes"}))
        .await;
    let ack = chair
        .ok(json!({"type": "close_vote", "vote_id": vote, "summary": "-No quorum, present again."}))
        .await;
    let no_quorum = chair.event(ack["seq"].as_i64().unwrap()).await["decision"].clone();
    assert_eq!(first["status"], "decided");
    assert_eq!(no_quorum["status"], "no_quorum");
    (m, vec![first, no_quorum])
}

pub async fn download(app: &TestApp, path: &str, token: &str) -> (u16, String, Vec<u8>) {
    let res = app
        .client
        .get(format!("{}{path}", app.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, ct, res.bytes().await.unwrap().to_vec())
}

/// Runs the independent FHIR validator on a bundle.
pub fn validate_fhir(bundle: &[u8]) {
    let python = std::env::var("CONSILIUM_TEST_PYTHON").unwrap_or_else(|_| {
        panic!("CONSILIUM_TEST_PYTHON is not set: run the suite with scripts/test, which installs the FHIR validator")
    });
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), bundle).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fhir/validate_bundle.py");
    let out = Command::new(python)
        .arg(script)
        .arg(file.path())
        .output()
        .expect("run the FHIR validator");
    assert!(
        out.status.success(),
        "the FHIR validator refused the bundle: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn exports_in_every_format(backend: Backend) {
    let app = spawn_app(backend).await;
    let (m, made) = decisions(&app).await;
    let t = &m.chair.token;
    let path = format!("/api/exports/decisions?board_id={}", m.board);

    // CSV, read back with a real CSV parser.
    let (status, ct, body) = download(&app, &format!("{path}&format=csv"), t).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(ct, "text/csv; charset=utf-8");
    let text = String::from_utf8(body.clone()).unwrap();
    assert!(text.starts_with("decision_id,reference,board,session_id,decided_at,status,outcome,summary,quorum_met,voters,specialties,referrer,referrer_organization,patient_pseudonym,submitted_at,days_to_decision\r\n"));
    let mut reader = csv::Reader::from_reader(body.as_slice());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let first = rows
        .iter()
        .find(|r| r[col("decision_id")] == made[0]["id"])
        .unwrap();
    // The leading `=` is neutralised; everything else round-trips exactly.
    assert_eq!(&first[col("summary")], format!("'{AWKWARD}"));
    assert_eq!(&first[col("status")], "decided");
    assert_eq!(&first[col("outcome")], "escalate");
    assert_eq!(&first[col("quorum_met")], "true");
    assert_eq!(&first[col("voters")], "3");
    assert_eq!(
        &first[col("specialties")],
        "Neurology;Neuroradiology;Ophthalmology"
    );
    assert_eq!(&first[col("session_id")], m.session);
    assert_eq!(&first[col("referrer_organization")], "CH Test");
    assert_eq!(&first[col("days_to_decision")], "0");
    assert!(first[col("reference")].starts_with("RCP-"));
    assert!(first[col("board")].starts_with("Board "));
    let second = rows
        .iter()
        .find(|r| r[col("decision_id")] == made[1]["id"])
        .unwrap();
    assert_eq!(&second[col("status")], "no_quorum");
    assert_eq!(&second[col("outcome")], "");
    assert_eq!(&second[col("summary")], "'-No quorum, present again.");

    // JSON: the decisions exactly as published.
    let (status, ct, body) = download(&app, &format!("{path}&format=json"), t).await;
    assert_eq!((status, ct.as_str()), (200, "application/json"));
    let json: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["items"].as_array().unwrap(), &made);

    // FHIR: checked by an independent validator, references resolving in the bundle.
    let (status, ct, body) = download(&app, &format!("{path}&format=fhir"), t).await;
    assert_eq!((status, ct.as_str()), (200, "application/fhir+json"));
    let bundle: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "collection");
    let entries = bundle["entry"].as_array().unwrap();
    assert_eq!(entries.len(), 4);
    let care_plan = entries
        .iter()
        .find(|e| e["resource"]["id"] == made[0]["id"])
        .unwrap();
    assert_eq!(care_plan["resource"]["resourceType"], "CarePlan");
    assert_eq!(care_plan["resource"]["description"], AWKWARD);
    let based_on = care_plan["resource"]["basedOn"][0]["reference"]
        .as_str()
        .unwrap();
    let request = entries.iter().find(|e| e["fullUrl"] == based_on).unwrap();
    assert_eq!(request["resource"]["resourceType"], "ServiceRequest");
    assert_eq!(
        request["resource"]["subject"]["display"],
        care_plan["resource"]["subject"]["display"]
    );
    assert!(request["resource"]["reasonCode"][0]["text"].is_string());
    validate_fhir(&body);

    // Filters: a date range that excludes everything still gives valid, empty documents.
    let (_, _, body) = download(&app, &format!("{path}&format=csv&to=2001-01-01"), t).await;
    assert_eq!(
        csv::Reader::from_reader(body.as_slice()).records().count(),
        0
    );
    let (_, _, body) = download(&app, &format!("{path}&format=fhir&from=2199-01-01"), t).await;
    validate_fhir(&body);
    let (_, _, body) = download(&app, &format!("{path}&format=json&from=2199-01-01"), t).await;
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!({"items": []})
    );
}

async fn exports_are_for_coordinators(backend: Backend) {
    let app = spawn_app(backend).await;
    let (m, _) = decisions(&app).await;
    let other_board = app.board(&m.admin, json!(null)).await;
    let other_coordinator = app.clinician(&m.admin, "Cardiology").await;
    app.add_member(&m.admin, &other_board, &other_coordinator, "coordinator")
        .await;
    let path = format!("/api/exports/decisions?board_id={}&format=csv", m.board);
    let report = format!("/api/reports/activity?board_id={}", m.board);
    for (who, token, expected) in [
        ("member", m.specialists[0].token.as_str(), 403),
        ("referrer", m.referrer.token.as_str(), 403),
        (
            "other board's coordinator",
            other_coordinator.token.as_str(),
            403,
        ),
        ("coordinator", m.chair.token.as_str(), 200),
        ("admin", m.admin.token.as_str(), 200),
    ] {
        let res = app.get(&path, Some(token)).await;
        assert_eq!(res.status, expected, "export by {who}: {}", res.text);
        let res = app.get(&report, Some(token)).await;
        assert_eq!(res.status, expected, "report by {who}: {}", res.text);
        if expected == 403 {
            res.expect_problem(403, "forbidden");
        }
    }
    app.get(&path, None)
        .await
        .expect_problem(401, "unauthenticated");
    // Without a board: an admin exports all, a coordinator their boards, a member nothing.
    let all = app
        .get("/api/exports/decisions?format=json", Some(&m.admin.token))
        .await;
    assert_eq!(all.expect(200)["items"].as_array().unwrap().len(), 2);
    let mine = app
        .get(
            "/api/exports/decisions?format=json",
            Some(&other_coordinator.token),
        )
        .await;
    assert_eq!(mine.expect(200)["items"], json!([]));
    app.get("/api/exports/decisions", Some(&m.specialists[0].token))
        .await
        .expect_problem(403, "forbidden");
    // Bad input.
    let t = Some(m.chair.token.as_str());
    app.get(
        &format!("/api/exports/decisions?board_id={}&format=xml", m.board),
        t,
    )
    .await
    .expect_invalid("format");
    app.get(
        &format!("/api/exports/decisions?board_id={}&from=soon", m.board),
        t,
    )
    .await
    .expect_invalid("from");
    app.get("/api/exports/decisions?board_id=nope", t)
        .await
        .expect_invalid("board_id");
    app.get(
        "/api/exports/decisions?board_id=00000000-0000-0000-0000-000000000000",
        t,
    )
    .await
    .expect_problem(404, "not_found");
    app.get(&format!("{report}&year=1999"), t)
        .await
        .expect_invalid("year");
    app.get(&format!("{report}&year=last"), t)
        .await
        .expect_invalid("year");
}

async fn printable_record(backend: Backend) {
    let app = spawn_app(backend).await;
    let (m, made) = decisions(&app).await;
    let id = made[0]["id"].as_str().unwrap();
    // The board's chair reads the named ballots; English asked for (French is the default:
    // see record_fr.rs).
    let path = format!("/api/decisions/{id}/report.pdf?locale=en");
    let (status, ct, pdf) = download(&app, &path, &m.chair.token).await;
    assert_eq!((status, ct.as_str()), (200, "application/pdf"));
    assert!(pdf.starts_with(b"%PDF-"));
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-layout"])
        .arg(file.path())
        .arg("-")
        .output()
        .expect("pdftotext (Debian package poppler-utils) must be installed");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let dossier = app
        .get(
            &format!("/api/dossiers/{}", m.dossier),
            Some(&m.referrer.token),
        )
        .await;
    let reference = dossier.body["reference"].as_str().unwrap();
    for expected in [
        reference,
        "Decided: escalate",
        "Neuroradiology",
        made[0]["hash"].as_str().unwrap(),
        "rationale",
        "Weekly MS board",
    ] {
        if expected == "rationale" {
            assert!(text.contains("is text, not a formula"), "{text}");
        } else {
            assert!(
                text.contains(expected),
                "the record lacks {expected:?}:\n{text}"
            );
        }
    }
    // Hidden from strangers, like the decision itself.
    let stranger = app.clinician(&m.admin, "Cardiology").await;
    let (status, _, _) = download(&app, &path, &stranger.token).await;
    assert_eq!(status, 404);
}

async fn activity_report(backend: Backend) {
    let app = spawn_app(backend).await;
    let (m, _) = decisions(&app).await;
    let year = chrono::Utc::now().format("%Y").to_string();
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    let res = app
        .get(
            &format!("/api/reports/activity?board_id={}&year={year}", m.board),
            Some(&m.chair.token),
        )
        .await;
    let r = res.expect(200);
    assert_eq!(r["board_id"], m.board.as_str());
    assert_eq!(r["year"], year.parse::<i64>().unwrap());
    assert_eq!(r["dossiers_received"], 2);
    assert_eq!(r["decisions"], 1);
    assert_eq!(r["no_quorum"], 1);
    assert_eq!(r["median_days_to_decision"], 0.0);
    let by_month = r["by_month"].as_array().unwrap();
    assert_eq!(by_month.len(), 12);
    let this = by_month
        .iter()
        .find(|x| x["month"] == month.as_str())
        .unwrap();
    assert_eq!(
        (this["received"].as_i64(), this["decided"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(
        r["by_organization"],
        json!([{"organization": "CH Test", "received": 2}])
    );
    let empty = app
        .get(
            &format!("/api/reports/activity?board_id={}&year=2001", m.board),
            Some(&m.chair.token),
        )
        .await;
    assert_eq!(empty.expect(200)["dossiers_received"], 0);
    assert_eq!(empty.body["median_days_to_decision"], Value::Null);
}

async fn export_command(backend: Backend) {
    let app = spawn_app(backend).await;
    let (m, made) = decisions(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("decisions.csv");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_consilium"))
            .env("CONSILIUM_DATA_DIR", dir.path())
            .env("CONSILIUM_DATABASE_URL", &app.database_url)
            .env("RUST_LOG", "warn")
            .arg("export")
            .args(args)
            .output()
            .unwrap()
    };
    let res = run(&[
        "--format",
        "csv",
        "--board",
        &m.board,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    let mut reader = csv::Reader::from_path(&out).unwrap();
    assert_eq!(reader.records().count(), 2);
    assert!(!dir.path().join("decisions.partial").exists());
    let res = run(&["--format", "json", "--from", "2000-01-01"]);
    assert!(res.status.success());
    let json: Value = serde_json::from_slice(&res.stdout).unwrap();
    assert_eq!(json["items"].as_array().unwrap(), &made);
    let res = run(&["--format", "fhir"]);
    assert!(res.status.success());
    validate_fhir(&res.stdout);
    let res = run(&["--format", "xml"]);
    assert!(!res.status.success());
    let res = run(&["--board", "00000000-0000-0000-0000-000000000000"]);
    assert!(!res.status.success());
}

//! French outputs (API.md section 16, issue 15): the printable record in the reader's language
//! with local times (`?locale=` overrides it), and the yearly activity report as a PDF, over
//! HTTP and from `consilium report`, read back with `pdftotext`.

use std::process::Command;

use serde_json::json;

use crate::exports::{decisions, download};
use crate::helpers::{Backend, TestApp, spawn_app};
use crate::on_both;

on_both!(the_record_speaks_french_with_local_times);
on_both!(the_activity_report_as_a_document);

/// The text of a PDF, read back with `pdftotext` (poppler-utils).
pub fn text_of(pdf: &[u8]) -> String {
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), pdf).unwrap();
    let out = Command::new("pdftotext")
        .arg(file.path())
        .arg("-")
        .output()
        .expect("pdftotext (Debian package poppler-utils) must be installed");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn the_record_speaks_french_with_local_times(backend: Backend) {
    let app = spawn_app(backend).await;
    let (m, made) = decisions(&app).await;
    let id = made[0]["id"].as_str().unwrap();
    let path = format!("/api/decisions/{id}/report.pdf");
    let (status, _, pdf) = download(&app, &path, &m.chair.token).await;
    assert_eq!(status, 200);
    let text = text_of(&pdf);
    // The meeting of fixtures::meeting is at 2026-11-24T16:30:00Z: 17:30 in Paris.
    for expected in [
        "Décision",
        "Décidé : escalate",
        "24 novembre 2026 à 17:30",
        "Médecin demandeur",
        "Question posée",
        "Parcours du dossier",
        "Documents examinés",
        "Votes nominatifs",
        "Quorum",
        "atteint",
    ] {
        assert!(text.contains(expected), "{expected:?} in:\n{text}");
    }
    assert!(!text.contains("T16:30:00"), "no raw UTC:\n{text}");
    let decided_at = made[0]["decided_at"].as_str().unwrap();
    assert!(!text.contains(decided_at), "no raw UTC:\n{text}");
    let decided: chrono::DateTime<chrono::Utc> = decided_at.parse().unwrap();
    let local = consilium::domain::notification_text::when(
        decided,
        chrono_tz::Europe::Paris,
        consilium::domain::notification_text::Lang::Fr,
    );
    assert!(text.contains(&local), "{local:?} in:\n{text}");
    // English when asked for, or when the reader chose it.
    let (_, _, pdf) = download(&app, &format!("{path}?locale=en"), &m.chair.token).await;
    let en = text_of(&pdf);
    assert!(
        en.contains("Decided: escalate") && en.contains("November 24 2026, 17:30"),
        "{en}"
    );
    app.patch(
        "/api/me",
        Some(&m.specialists[0].token),
        json!({"locale": "en"}),
    )
    .await
    .expect(200);
    let (_, _, pdf) = download(&app, &path, &m.specialists[0].token).await;
    assert!(text_of(&pdf).contains("Participants present"));
    let (_, _, pdf) = download(&app, &format!("{path}?locale=fr"), &m.specialists[0].token).await;
    assert!(text_of(&pdf).contains("Participants présents"));
    // Bad input.
    for bad in [
        "?locale=de",
        "?locale=",
        "?locale=FR",
        "?lang=en",
        "?locale=en&locale=fr",
    ] {
        let res = app.get(&format!("{path}{bad}"), Some(&m.chair.token)).await;
        assert_eq!(res.status, 400, "{bad}: {}", res.text);
    }
}

fn report_cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_consilium"))
        .env("CONSILIUM_DATA_DIR", app.dir.path())
        .env("CONSILIUM_DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "warn")
        .arg("report")
        .args(args)
        .output()
        .unwrap()
}

async fn the_activity_report_as_a_document(backend: Backend) {
    let app = spawn_app(backend).await;
    let (m, _) = decisions(&app).await;
    let year = chrono::Utc::now().format("%Y").to_string();
    let path = format!("/api/reports/activity.pdf?board_id={}&year={year}", m.board);
    let figures = app
        .get(
            &format!("/api/reports/activity?board_id={}&year={year}", m.board),
            Some(&m.chair.token),
        )
        .await
        .expect(200)
        .clone();
    let (status, ct, pdf) = download(&app, &path, &m.chair.token).await;
    assert_eq!((status, ct.as_str()), (200, "application/pdf"));
    let text = text_of(&pdf);
    for expected in [
        format!("Rapport d’activité annuel {year}"),
        "Dossiers reçus".to_string(),
        format!("{}", figures["dossiers_received"]),
        "Votes sans quorum".to_string(),
        "Activité par mois".to_string(),
        "janv.".to_string(),
        "déc.".to_string(),
        "Édité le".to_string(),
    ] {
        assert!(text.contains(&expected), "{expected:?} in:\n{text}");
    }
    let (_, _, pdf) = download(&app, &format!("{path}&locale=en"), &m.admin.token).await;
    assert!(text_of(&pdf).contains(&format!("Yearly activity report {year}")));
    // Who may: the board's coordinators and admins.
    for who in [&m.specialists[0], &m.referrer] {
        let (status, _, _) = download(&app, &path, &who.token).await;
        assert_eq!(status, 403);
    }
    let res = app
        .client
        .get(format!("{}{path}", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    // Bad input.
    for (bad, field) in [
        ("/api/reports/activity.pdf".to_string(), "board_id"),
        (
            format!("/api/reports/activity.pdf?board_id={}&year=1999", m.board),
            "year",
        ),
        (
            "/api/reports/activity.pdf?board_id=nope".to_string(),
            "board_id",
        ),
        (
            format!("/api/reports/activity.pdf?board_id={}&locale=xx", m.board),
            "locale",
        ),
    ] {
        let res = app.get(&bad, Some(&m.chair.token)).await;
        assert_eq!(res.status, 400, "{bad}: {}", res.text);
        assert!(res.text.contains(field), "{bad}: {}", res.text);
    }
    app.get(
        "/api/reports/activity.pdf?board_id=00000000-0000-0000-0000-000000000000",
        Some(&m.admin.token),
    )
    .await
    .expect_problem(404, "not_found");
    // The command line: JSON with the same figures, and the PDF to a file.
    let out = report_cli(&app, &["--board", &m.board, "--year", &year]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["dossiers_received"], figures["dossiers_received"]);
    assert_eq!(json["decisions"], figures["decisions"]);
    assert_eq!(json["by_month"], figures["by_month"]);
    let file = app.dir.path().join("rapport.pdf");
    let out = report_cli(
        &app,
        &[
            "--board",
            &m.board,
            "--year",
            &year,
            "--format",
            "pdf",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text_of(&std::fs::read(&file).unwrap()).contains("Dossiers reçus"));
    for bad in [
        vec!["--board", "nope"],
        vec!["--board", "00000000-0000-0000-0000-000000000000"],
        vec!["--board", &m.board, "--year", "1999"],
        vec!["--board", &m.board, "--format", "docx"],
        vec!["--year", "2026"],
    ] {
        let out = report_cli(&app, &bad);
        assert!(!out.status.success(), "{bad:?} should fail");
    }
    // `demo --help` lists its own options, not every server setting.
    let help = Command::new(env!("CARGO_BIN_EXE_consilium"))
        .args(["demo", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("--data-dir"), "{help}");
    assert!(
        !help.contains("--bind") && !help.contains("--smtp-url"),
        "{help}"
    );
}

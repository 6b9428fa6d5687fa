//! The printable record shows the key images as thumbnails with their notes (API.md section
//! 11, issue 13).

use std::process::Command;

use serde_json::json;

use crate::fixtures::escalate;
use crate::helpers::Backend;
use crate::on_both;
use crate::review::{meeting_with_mri, series_of};
use crate::ws::Ws;

on_both!(the_record_shows_key_images_as_thumbnails);

fn poppler(tool: &str, args: &[&str], pdf: &[u8]) -> String {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), pdf).unwrap();
    let out = Command::new(tool)
        .args(args)
        .arg(file.path())
        .args(if tool == "pdftotext" {
            &["-"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap_or_else(|e| panic!("{tool} (Debian package poppler-utils) must be installed: {e}"));
    assert!(out.status.success(), "{tool}");
    String::from_utf8_lossy(&out.stdout).to_string()
}

async fn the_record_shows_key_images_as_thumbnails(backend: Backend) {
    let (app, m, attachment) = meeting_with_mri(backend).await;
    let attachment = attachment.as_str();
    let series = series_of(attachment);
    let (mut chair, _) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    let member = &m.specialists[0];
    let (mut voter, _) = Ws::join(&app.url, &m.session, &member.token, None).await;
    voter
        .ok(
            json!({"type": "mark", "attachment_id": attachment, "series_uid": series,
                   "frame": 2, "note": "Lésion rehaussée après gadolinium"}),
        )
        .await;
    chair
        .ok(
            json!({"type": "mark", "attachment_id": attachment, "series_uid": series,
                   "frame": 4, "note": ""}),
        )
        .await;
    let decision = escalate(&mut chair, &mut voter, &m.dossier).await;
    assert_eq!(decision["key_images"].as_array().unwrap().len(), 2);
    let res = app
        .client
        .get(format!(
            "{}/api/decisions/{}/report.pdf",
            app.url,
            decision["id"].as_str().unwrap()
        ))
        .bearer_auth(&m.referrer.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let pdf = res.bytes().await.unwrap().to_vec();
    let text = poppler("pdftotext", &["-layout"], &pdf);
    // The referrer reads the record in French, their default language.
    for expected in [
        "Images clés",
        "Lésion rehaussée après gadolinium",
        "Image 3 de la série",
        "Image 5 de la série",
        "(sans note)",
        "Marquée par",
    ] {
        assert!(text.contains(expected), "{expected} in:\n{text}");
    }
    // Two thumbnails, grey, the frames' aspect (64×32) at 240 px on the longest edge.
    let images = poppler("pdfimages", &["-list"], &pdf);
    let rows: Vec<&str> = images.lines().skip(2).collect();
    assert_eq!(rows.len(), 2, "{images}");
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(
            (cols[2], cols[3], cols[4], cols[5]),
            ("image", "240", "120", "gray"),
            "{row}"
        );
    }
}

//! The CSV export in the dialect French Excel opens in columns (API.md section 16, issue 15):
//! `;` between cells, a UTF-8 byte-order mark, the same header and quoting; and its bad input.

use crate::exports::{AWKWARD, decisions, download};
use crate::helpers::{Backend, spawn_app};
use crate::on_both;

on_both!(excel_fr_csv_is_read_in_columns);

async fn excel_fr_csv_is_read_in_columns(backend: Backend) {
    let app = spawn_app(backend).await;
    let (m, made) = decisions(&app).await;
    let t = &m.chair.token;
    let path = format!("/api/exports/decisions?board_id={}", m.board);
    let (status, ct, body) =
        download(&app, &format!("{path}&format=csv&dialect=excel-fr"), t).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(ct, "text/csv; charset=utf-8");
    let bom = "\u{feff}".as_bytes();
    assert!(body.starts_with(bom), "a byte-order mark first");
    let text = String::from_utf8(body[bom.len()..].to_vec()).unwrap();
    assert!(text.starts_with("decision_id;reference;board;session_id;decided_at;status;outcome;summary;quorum_met;voters;specialties;referrer;referrer_organization;patient_pseudonym;submitted_at;days_to_decision\r\n"));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(&body[bom.len()..]);
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(header.len(), 16);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let first = rows
        .iter()
        .find(|r| r[col("decision_id")] == made[0]["id"])
        .unwrap();
    // The summary holds `;`, quotes and a line break: quoted, and read back whole.
    assert_eq!(&first[col("summary")], format!("'{AWKWARD}"));
    assert_eq!(
        &first[col("specialties")],
        "Neurology;Neuroradiology;Ophthalmology"
    );
    // The default stays RFC 4180.
    let (_, _, plain) = download(&app, &format!("{path}&format=csv&dialect=rfc4180"), t).await;
    assert!(plain.starts_with(b"decision_id,reference,"));
    // Bad input.
    for (q, field) in [
        ("&dialect=excel", "dialect"),
        ("&format=json&dialect=excel-fr", "dialect"),
    ] {
        let (status, _, body) = download(&app, &format!("{path}{q}"), t).await;
        assert_eq!(status, 400, "{q}");
        let problem: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem["field"], field, "{q}");
    }
}

//! The template fields leave the service with the decisions (API.md section 13, issue 16): CSV
//! columns `field_<key>` after the v1 columns (the v1 header unchanged and first), the JSON
//! export's `fields`, and FHIR `ServiceRequest.supportingInfo` → `Observation`s, the bundle
//! still valid under the independent validator.

use serde_json::{Value, json};

use crate::exports::{download, validate_fhir};
use crate::fixtures::{escalate, meeting, one_of_one, scheduled_with_fields};
use crate::helpers::{Backend, spawn_app};
use crate::on_both;
use crate::ws::Ws;

on_both!(the_exports_carry_the_fields);

async fn the_exports_carry_the_fields(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, one_of_one()).await;
    app.put(
        &format!("/api/boards/{}/template", m.board),
        Some(&m.chair.token),
        json!({"fields": [
            {"key": "edss", "label": "EDSS", "type": "number", "min": 0, "max": 10, "step": 0.5},
            {"key": "course", "label": "Forme", "type": "choice", "choices": ["RR", "SP"]},
            {"key": "therapies", "label": "Traitements", "type": "multi_choice", "choices": ["natalizumab", "ocrelizumab"]},
            {"key": "new_lesions", "label": "Nouvelles lésions", "type": "boolean"},
            {"key": "notes", "label": "Remarques", "type": "text"}
        ]}),
    )
    .await
    .expect(200);
    let created = scheduled_with_fields(
        &app,
        &m,
        json!({"edss": 3.5, "course": "RR", "therapies": ["natalizumab", "ocrelizumab"],
               "new_lesions": true, "notes": "=HYPERLINK(\"x\")"}),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_string();
    let (mut chair, _) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    let (mut voter, _) = Ws::join(&app.url, &m.session, &m.specialists[0].token, None).await;
    // The dossier of the fixture has no fields; this one has all five.
    let plain = escalate(&mut chair, &mut voter, &m.dossier).await;
    let filled = escalate(&mut chair, &mut voter, &id).await;
    let path = format!("/api/exports/decisions?board_id={}", m.board);
    let t = &m.chair.token;

    // CSV: the v1 header first and unchanged, then one column per field.
    let (_, _, csv) = download(&app, &format!("{path}&format=csv"), t).await;
    let text = String::from_utf8(csv).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let v1 = consilium::export::csv::HEADER.join(",");
    assert_eq!(
        header,
        format!("{v1},field_edss,field_course,field_therapies,field_new_lesions,field_notes")
    );
    let rows: Vec<&str> = lines.collect();
    let row_of = |decision: &Value| {
        rows.iter()
            .find(|r| r.starts_with(decision["id"].as_str().unwrap()))
            .copied()
            .unwrap()
    };
    assert!(
        row_of(&filled)
            .ends_with(",3.5,RR,natalizumab|ocrelizumab,true,\"'=HYPERLINK(\"\"x\"\")\""),
        "{}",
        row_of(&filled)
    );
    assert!(row_of(&plain).ends_with(",,,,,"), "{}", row_of(&plain));
    // The French spreadsheet dialect: a decimal comma in the field too.
    let (_, _, csv) = download(&app, &format!("{path}&format=csv&dialect=excel-fr"), t).await;
    let text = String::from_utf8(csv).unwrap();
    assert!(text.contains(";3,5;RR;"), "{text}");

    // JSON: each decision with its dossier's fields.
    let (_, _, json_bytes) = download(&app, &format!("{path}&format=json"), t).await;
    let items: Value = serde_json::from_slice(&json_bytes).unwrap();
    let find = |d: &Value| {
        items["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == d["id"])
            .cloned()
            .unwrap()
    };
    assert_eq!(find(&filled)["fields"], created["fields"]);
    // A dossier without values reads as in v1: no `fields`.
    assert!(find(&plain).get("fields").is_none());
    assert_eq!(find(&plain), plain);
    assert_eq!(find(&filled)["hash"], filled["hash"]);

    // The printable record lists them with their labels, in French.
    let (_, _, pdf) = download(
        &app,
        &format!(
            "/api/decisions/{}/report.pdf",
            filled["id"].as_str().unwrap()
        ),
        &m.referrer.token,
    )
    .await;
    let text = crate::documents::text_of(&pdf);
    for expected in [
        "Données du dossier",
        "EDSS : 3,5",
        "Forme : RR",
        "Traitements : natalizumab, ocrelizumab",
        "Nouvelles lésions : oui",
    ] {
        assert!(text.contains(expected), "{expected:?} in:\n{text}");
    }

    // FHIR: supportingInfo references one Observation per field, all in the bundle.
    let (_, _, bundle) = download(&app, &format!("{path}&format=fhir"), t).await;
    validate_fhir(&bundle);
    let bundle: Value = serde_json::from_slice(&bundle).unwrap();
    let entries = bundle["entry"].as_array().unwrap();
    let urls: Vec<&str> = entries
        .iter()
        .map(|e| e["fullUrl"].as_str().unwrap())
        .collect();
    let request = entries
        .iter()
        .find(|e| {
            e["resource"]["resourceType"] == "ServiceRequest"
                && e["resource"]["identifier"][0]["value"] == created["reference"]
        })
        .unwrap();
    let info = request["resource"]["supportingInfo"].as_array().unwrap();
    assert_eq!(info.len(), 5);
    for r in info {
        assert!(urls.contains(&r["reference"].as_str().unwrap()), "{r}");
    }
    let observations: Vec<&Value> = entries
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == "Observation")
        .collect();
    assert_eq!(observations.len(), 5);
    let edss = observations
        .iter()
        .find(|o| o["code"]["coding"][0]["code"] == "edss")
        .unwrap();
    assert_eq!(edss["valueQuantity"]["value"], 3.5);
    let lesions = observations
        .iter()
        .find(|o| o["code"]["coding"][0]["code"] == "new_lesions")
        .unwrap();
    assert_eq!(lesions["valueBoolean"], true);
}

//! Who reads named ballots (API.md section 16, issue 15): a referrer who is not on the board
//! gets decisions with `ballots: []` unless the board shows them; members, coordinators and
//! admins get the whole record, and the hash verifies only with it. `PATCH /api/boards/{id}`:
//! who may change a board, and bad input that changes nothing.

use serde_json::{Value, json};

use crate::exports::download;
use crate::fixtures::{Meeting, decide_unanimously, meeting, three_of_three};
use crate::helpers::{Backend, TestApp, spawn_app};
use crate::on_both;
use crate::ws::Ws;

on_both!(referrers_read_named_ballots_only_where_the_board_allows);
on_both!(who_may_change_a_board_and_bad_changes);

async fn decision_as(app: &TestApp, m: &Meeting, id: &str, token: &str) -> (Value, Value, Value) {
    let one = app
        .get(&format!("/api/decisions/{id}"), Some(token))
        .await
        .expect(200)
        .clone();
    let listed = app
        .get(&format!("/api/decisions?board_id={}", m.board), Some(token))
        .await
        .expect(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == id)
        .cloned()
        .unwrap();
    let on_dossier = app
        .get(&format!("/api/dossiers/{}", m.dossier), Some(token))
        .await
        .expect(200)["decision"]
        .clone();
    (one, listed, on_dossier)
}

async fn pdf_text(app: &TestApp, id: &str, token: &str) -> String {
    let (status, _, pdf) = download(app, &format!("/api/decisions/{id}/report.pdf"), token).await;
    assert_eq!(status, 200);
    crate::documents::text_of(&pdf)
}

async fn referrers_read_named_ballots_only_where_the_board_allows(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, three_of_three()).await;
    // The referrer is in the room when the vote closes.
    let (mut referrer_ws, _) = Ws::join(&app.url, &m.session, &m.referrer.token, None).await;
    let decision = decide_unanimously(&app, &m, "escalate").await;
    let id = decision["id"].as_str().unwrap();
    assert_eq!(decision["ballots"].as_array().unwrap().len(), 3);
    let closed = referrer_ws.next_of("vote_closed").await;
    assert_eq!(closed["decision"]["ballots"], json!([]), "{closed}");
    assert_eq!(closed["decision"]["hash"], decision["hash"]);
    assert_eq!(closed["decision"]["tally"], decision["tally"]);
    // Over REST, wherever the referrer meets it: ballots empty, the rest intact.
    for d in <[Value; 3]>::from(decision_as(&app, &m, id, &m.referrer.token).await) {
        assert_eq!(d["ballots"], json!([]), "{d}");
        for field in ["tally", "quorum", "present", "outcome", "summary", "hash"] {
            assert_eq!(d[field], decision[field], "{field}");
        }
    }
    let events = app
        .get(
            &format!("/api/sessions/{}/events?since=0", m.session),
            Some(&m.referrer.token),
        )
        .await
        .expect(200)
        .clone();
    let closed_event = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "vote_closed")
        .cloned()
        .unwrap();
    assert_eq!(closed_event["decision"]["ballots"], json!([]));
    let text = pdf_text(&app, id, &m.referrer.token).await;
    assert!(
        text.contains("Les votes nominatifs ne sont pas communiqués"),
        "{text}"
    );
    // A named ballot as the record prints it: « Name (Specialty): option ».
    let names: Vec<String> = decision["ballots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            format!(
                "{} ({})",
                b["voter"]["name"].as_str().unwrap(),
                b["voter"]["specialty"].as_str().unwrap()
            )
        })
        .collect();
    // Present in the room, the voters are named in `present`, not with their votes.
    assert!(!text.contains(&format!("{}: escalate", names[0])), "{text}");
    // Members, the chair and admins read the whole record.
    for token in [&m.specialists[0].token, &m.chair.token, &m.admin.token] {
        let (one, listed, on_dossier) = decision_as(&app, &m, id, token).await;
        for d in [one, listed, on_dossier] {
            assert_eq!(d["ballots"].as_array().unwrap().len(), 3);
        }
    }
    assert!(
        pdf_text(&app, id, &m.chair.token)
            .await
            .contains(&format!("{}: escalate", names[0]))
    );
    // The board shows them: the referrer reads them everywhere.
    let board = app
        .patch(
            &format!("/api/boards/{}", m.board),
            Some(&m.chair.token),
            json!({"show_ballots_to_referrer": true}),
        )
        .await;
    assert_eq!(board.expect(200)["show_ballots_to_referrer"], true);
    for d in <[Value; 3]>::from(decision_as(&app, &m, id, &m.referrer.token).await) {
        assert_eq!(d["ballots"], decision["ballots"]);
    }
    let text = pdf_text(&app, id, &m.referrer.token).await;
    assert!(text.contains(&format!("{}: escalate", names[0])), "{text}");
    // A referrer joining the room now reads them in the replayed log.
    let (mut late, _) = Ws::join(&app.url, &m.session, &m.referrer.token, Some(0)).await;
    let replayed = late.next_of("vote_closed").await;
    assert_eq!(replayed["decision"]["ballots"], decision["ballots"]);
    let (clean, report) = crate::audit::verify(&app);
    assert!(clean, "{report}");
}

async fn who_may_change_a_board_and_bad_changes(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, three_of_three()).await;
    let path = format!("/api/boards/{}", m.board);
    let before = app
        .get(&path, Some(&m.admin.token))
        .await
        .expect(200)
        .clone();
    assert_eq!(before["show_ballots_to_referrer"], false);
    assert_eq!(before["can"]["edit"], true);
    // Bad input: each refused, naming the field, and nothing changes.
    for (body, field) in [
        (json!({}), "body"),
        (json!({"name": ""}), "name"),
        (json!({"name": "x".repeat(201)}), "name"),
        (json!({"show_ballots_to_referrer": "yes"}), "body"),
        (
            json!({"quorum": {"min_voters": 0, "min_specialties": 0}}),
            "quorum.min_voters",
        ),
        (
            json!({"quorum": {"min_voters": 1, "min_specialties": 1, "required_specialties": ["A", "B"]}}),
            "quorum.required_specialties",
        ),
        (json!({"owner": "me"}), "body"),
        (json!([]), "body"),
    ] {
        let res = app.patch(&path, Some(&m.admin.token), body.clone()).await;
        assert_eq!(res.status, 400, "{body}: {}", res.body);
        if field != "body" {
            assert_eq!(res.body["field"], field, "{body}: {}", res.body);
        }
    }
    app.patch(
        "/api/boards/00000000-0000-0000-0000-000000000000",
        Some(&m.admin.token),
        json!({"name": "X"}),
    )
    .await
    .expect_problem(404, "not_found");
    app.patch(&path, None, json!({"name": "X"}))
        .await
        .expect_status(401);
    // Who may: the admin and the board's coordinator; not a member, a referrer or a stranger.
    let stranger = app.clinician(&m.admin, "Cardiology").await;
    for who in [&m.specialists[0], &m.referrer, &stranger] {
        app.patch(&path, Some(&who.token), json!({"name": "Taken over"}))
            .await
            .expect_problem(403, "forbidden");
    }
    let after = app
        .get(&path, Some(&m.admin.token))
        .await
        .expect(200)
        .clone();
    assert_eq!(after, before, "refused changes changed nothing");
    for (who, name) in [(&m.chair, "RCP SEP (coordinator)"), (&m.admin, "RCP SEP")] {
        let res = app
            .patch(
                &path,
                Some(&who.token),
                json!({"name": name, "description": "Sclérose en plaques", "quorum": {"min_voters": 2, "min_specialties": 1, "required_specialties": ["Neuroradiology"]}}),
            )
            .await;
        let b = res.expect(200);
        assert_eq!(b["name"], name);
        assert_eq!(b["quorum"]["min_voters"], 2);
        assert_eq!(
            b["quorum"]["required_specialties"],
            json!(["Neuroradiology"])
        );
        assert_eq!(b["show_ballots_to_referrer"], false);
    }
    // A new board may show them from the start.
    let created = app
        .post(
            "/api/boards",
            Some(&m.admin.token),
            json!({"name": "RCP IOA", "show_ballots_to_referrer": true}),
        )
        .await;
    assert_eq!(created.expect(201)["show_ballots_to_referrer"], true);
}

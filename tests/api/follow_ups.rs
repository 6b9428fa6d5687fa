//! Was the advice applied? (API.md section 13, issue 16.) A `decided` decision schedules a
//! follow-up after the board's `follow_up_days`; when due, the referrer is notified and answers
//! once (a reason unless `yes`); the answer shows with the decision without touching its hash,
//! goes into the exports, and the yearly report counts it with the p90 delay and the template's
//! choice fields — figures checked against a set computed by hand here.

use diesel::RunQueryDsl;
use serde_json::{Value, json};

use crate::exports::download;
use crate::fixtures::{
    escalate, meeting, one_of_one, schedule, scheduled_with_fields, submitted_dossier,
};
use crate::helpers::{Backend, TestApp, spawn_app};
use crate::on_both;
use crate::ws::Ws;

on_both!(a_decision_is_followed_up_once);

async fn sql(app: &TestApp, statement: String) {
    app.db
        .read(move |conn| {
            diesel::sql_query(statement.as_str()).execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
}

async fn wait_for_notification(app: &TestApp, token: &str, kind: &str) -> Value {
    for _ in 0..100 {
        let inbox = app.get("/api/me/notifications", Some(token)).await;
        if let Some(n) = inbox.body["items"]
            .as_array()
            .and_then(|items| items.iter().find(|n| n["kind"] == kind))
        {
            return n.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no {kind} notification");
}

async fn a_decision_is_followed_up_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, one_of_one()).await;
    app.put(
        &format!("/api/boards/{}/template", m.board),
        Some(&m.chair.token),
        json!({"fields": [{"key": "course", "label": "Forme", "type": "choice", "choices": ["RR", "SP", "PP"]},
                          {"key": "implant", "label": "Matériel", "type": "boolean"}]}),
    )
    .await
    .expect(200);
    // Two more dossiers with fields (the fixture's has none): RR + implant, SP.
    let mut ids = Vec::new();
    for fields in [
        json!({"course": "RR", "implant": true}),
        json!({"course": "SP"}),
    ] {
        let d = scheduled_with_fields(&app, &m, fields).await;
        ids.push(d["id"].as_str().unwrap().to_string());
    }
    let (mut chair, _) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    let (mut voter, _) = Ws::join(&app.url, &m.session, &m.specialists[0].token, None).await;
    let first = escalate(&mut chair, &mut voter, &m.dossier).await;
    let second = escalate(&mut chair, &mut voter, &ids[0]).await;
    // A vote without a ballot: no quorum, no follow-up.
    let vote = crate::fixtures::open_vote(&mut chair, &ids[1], &["a", "b"]).await;
    let no_quorum = crate::fixtures::close_vote(&mut chair, &vote).await;
    assert_eq!(no_quorum["status"], "no_quorum");
    let id = first["id"].as_str().unwrap();

    // Scheduled 90 days on (the default), not due yet.
    let all = app
        .get("/api/follow-ups", Some(&m.referrer.token))
        .await
        .expect(200)
        .clone();
    let items = all["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{all}");
    let decided_at: chrono::DateTime<chrono::Utc> =
        first["decided_at"].as_str().unwrap().parse().unwrap();
    let due: chrono::DateTime<chrono::Utc> = items[0]["due_at"].as_str().unwrap().parse().unwrap();
    assert_eq!((due - decided_at).num_days(), 90);
    assert!(items[0]["answered_at"].is_null());
    let due_now = app
        .get("/api/follow-ups?due=true", Some(&m.referrer.token))
        .await;
    assert_eq!(due_now.expect(200)["items"], json!([]));
    app.get("/api/follow-ups?due=maybe", Some(&m.referrer.token))
        .await
        .expect_status(400);
    // Others have none of their own.
    let theirs = app.get("/api/follow-ups", Some(&m.chair.token)).await;
    assert_eq!(theirs.expect(200)["items"], json!([]));

    // It comes due: the referrer is told (once), and it is listed as due.
    sql(
        &app,
        format!("UPDATE follow_ups SET due_at = '2020-01-01 00:00:00' WHERE decision_id = '{id}'"),
    )
    .await;
    let told = wait_for_notification(&app, &m.referrer.token, "follow_up_due").await;
    assert!(
        told["subject"].as_str().unwrap().contains("Suivi"),
        "{told}"
    );
    let due_now = app
        .get("/api/follow-ups?due=true", Some(&m.referrer.token))
        .await
        .expect(200)
        .clone();
    assert_eq!(due_now["items"].as_array().unwrap().len(), 1);
    assert_eq!(due_now["items"][0]["decision_id"], id);
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let inbox = app
        .get("/api/me/notifications", Some(&m.referrer.token))
        .await;
    let count = inbox.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "follow_up_due")
        .count();
    assert_eq!(count, 1, "told once");

    // Bad input and the wrong people: refused, nothing recorded.
    let path = format!("/api/decisions/{id}/follow-up");
    for (body, field) in [
        (json!({"applied": "maybe"}), None),
        (json!({"applied": "no"}), Some("reason")),
        (
            json!({"applied": "partly", "reason": "   "}),
            Some("reason"),
        ),
        (
            json!({"applied": "yes", "outcome_note": "x".repeat(2001)}),
            Some("outcome_note"),
        ),
        (json!({"applied": "yes", "extra": 1}), None),
        (json!([]), None),
    ] {
        let res = app.post(&path, Some(&m.referrer.token), body.clone()).await;
        assert_eq!(res.status, 400, "{body}: {}", res.text);
        if let Some(f) = field {
            assert_eq!(res.body["field"], f, "{body}");
        }
    }
    app.post(
        &path,
        Some(&m.specialists[0].token),
        json!({"applied": "yes"}),
    )
    .await
    .expect_problem(403, "forbidden");
    let stranger = app.clinician(&m.admin, "Cardiology").await;
    app.post(&path, Some(&stranger.token), json!({"applied": "yes"}))
        .await
        .expect_problem(404, "not_found");
    app.post(&path, None, json!({"applied": "yes"}))
        .await
        .expect_status(401);
    app.post(
        &format!(
            "/api/decisions/{}/follow-up",
            no_quorum["id"].as_str().unwrap()
        ),
        Some(&m.referrer.token),
        json!({"applied": "yes"}),
    )
    .await
    .expect_problem(409, "conflict");
    let still = app
        .get(&format!("/api/decisions/{id}"), Some(&m.chair.token))
        .await
        .expect(200)
        .clone();
    assert!(still.get("follow_up").is_none(), "{still}");

    // The answer, once.
    let answered = app
        .post(&path, Some(&m.referrer.token), json!({"applied": "partly", "reason": "Intolérance", "outcome_note": "Relais à 3 mois"}))
        .await;
    assert_eq!(answered.status, 201, "{}", answered.text);
    assert_eq!(answered.body["applied"], "partly");
    app.post(&path, Some(&m.referrer.token), json!({"applied": "yes"}))
        .await
        .expect_problem(409, "conflict");
    app.post(
        &format!(
            "/api/decisions/{}/follow-up",
            second["id"].as_str().unwrap()
        ),
        Some(&m.referrer.token),
        json!({"applied": "yes"}),
    )
    .await
    .expect(201);
    // Shown with the decision, the record and its hash unchanged; the chain verifies.
    let read = app
        .get(&format!("/api/decisions/{id}"), Some(&m.chair.token))
        .await
        .expect(200)
        .clone();
    assert_eq!(read["follow_up"]["applied"], "partly");
    assert_eq!(read["follow_up"]["reason"], "Intolérance");
    assert_eq!(read["hash"], first["hash"]);
    let mut without = read.clone();
    without.as_object_mut().unwrap().remove("follow_up");
    assert_eq!(without, first);
    let on_dossier = app
        .get(
            &format!("/api/dossiers/{}", m.dossier),
            Some(&m.referrer.token),
        )
        .await;
    assert_eq!(
        on_dossier.expect(200)["decision"]["follow_up"]["applied"],
        "partly"
    );
    let (clean, report) = crate::audit::verify(&app);
    assert!(clean, "{report}");

    // The JSON export carries it.
    let export = format!("/api/exports/decisions?board_id={}", m.board);
    let (_, _, json_bytes) = download(&app, &format!("{export}&format=json"), &m.chair.token).await;
    let items: Value = serde_json::from_slice(&json_bytes).unwrap();
    let item = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(item["follow_up"]["applied"], "partly");

    // The year's report, computed by hand: 3 received (the fixture's + 2), 2 decided, 1 without
    // quorum; follow-ups: 2 scheduled, 1 come due, both answered (partly, yes); fields: RR 1,
    // SP 1, PP 0; implant true 1, false 0.
    let year = chrono::Utc::now().format("%Y").to_string();
    let r = app
        .get(
            &format!("/api/reports/activity?board_id={}&year={year}", m.board),
            Some(&m.chair.token),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(r["dossiers_received"], 3);
    assert_eq!(r["decisions"], 2);
    assert_eq!(r["no_quorum"], 1);
    assert_eq!(
        r["follow_up"],
        json!({"asked": 2, "answered": 2, "applied_yes": 1, "applied_partly": 1, "applied_no": 0})
    );
    assert!(r["p90_days_to_decision"].as_f64().unwrap() >= 0.0);
    assert_eq!(
        r["fields"],
        json!({"course": {"PP": 0, "RR": 1, "SP": 1}, "implant": {"false": 0, "true": 1}})
    );

    // A board that asks for none: a new decision schedules nothing.
    app.patch(
        &format!("/api/boards/{}", m.board),
        Some(&m.chair.token),
        json!({"follow_up_days": 0}),
    )
    .await
    .expect(200);
    for bad in [
        json!({"follow_up_days": -1}),
        json!({"follow_up_days": 3651}),
        json!({"follow_up_days": "90"}),
    ] {
        app.patch(
            &format!("/api/boards/{}", m.board),
            Some(&m.chair.token),
            bad,
        )
        .await
        .expect_status(400);
    }
    let third = submitted_dossier(&app, &m.referrer, &m.board).await;
    schedule(&app, &m.chair, &m.session, &third).await;
    let decided = escalate(&mut chair, &mut voter, &third).await;
    app.post(
        &format!(
            "/api/decisions/{}/follow-up",
            decided["id"].as_str().unwrap()
        ),
        Some(&m.referrer.token),
        json!({"applied": "yes"}),
    )
    .await
    .expect_problem(409, "conflict");
}

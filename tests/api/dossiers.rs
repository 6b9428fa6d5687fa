use serde_json::{Value, json};

use crate::helpers::{Actor, Backend, TestApp, spawn_app};
use crate::on_both;

on_both!(
    create_and_read_a_draft,
    references_are_unique_and_readable,
    list_filters_and_order,
    edit_while_draft_or_submitted,
    submit_needs_consent_and_question,
    allowed_and_forbidden_transitions,
    every_read_and_change_is_audited,
    can_says_what_each_caller_may_do,
);

async fn setup(app: &TestApp) -> (Actor, Actor, String) {
    let admin = app.admin().await;
    let referrer = app.clinician(&admin, "Neurology").await;
    let board = app.board(&admin, json!(null)).await;
    (admin, referrer, board)
}

async fn create_and_read_a_draft(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, referrer, board) = setup(&app).await;
    let res = app
        .post(
            "/api/dossiers",
            Some(&referrer.token),
            json!({"board_id": board, "title": "  Knee prosthesis infection ",
                   "patient": {"pseudonym": "OS-0031"}, "question": ""}),
        )
        .await;
    let d = res.expect(201).clone();
    assert_eq!(d["status"], "draft");
    assert_eq!(d["title"], "Knee prosthesis infection");
    assert_eq!(d["urgency"], "routine");
    assert_eq!(d["consent"], false);
    assert_eq!(d["history"], "");
    assert_eq!(
        d["patient"],
        json!({"pseudonym": "OS-0031", "birth_year": null, "sex": null})
    );
    assert_eq!(d["referrer"]["id"], referrer.id.as_str());
    assert_eq!(d["board_id"], board.as_str());
    assert_eq!(d["attachments"], json!([]));
    assert_eq!(d["decision"], Value::Null);
    assert_eq!(d["submitted_at"], Value::Null);
    assert!(d["created_at"].as_str().unwrap().ends_with('Z'));
    let id = d["id"].as_str().unwrap();
    let got = app
        .get(&format!("/api/dossiers/{id}"), Some(&referrer.token))
        .await;
    assert_eq!(got.expect(200), &d);
    app.get(
        "/api/dossiers/00000000-0000-0000-0000-000000000000",
        Some(&referrer.token),
    )
    .await
    .expect_problem(404, "not_found");
    // An unknown board is bad input, and creates nothing.
    let before = app.count("dossiers").await;
    app.post(
        "/api/dossiers",
        Some(&referrer.token),
        json!({"board_id": "00000000-0000-0000-0000-000000000000", "title": "t",
               "patient": {"pseudonym": "P"}, "question": "q"}),
    )
    .await
    .expect_invalid("board_id");
    assert_eq!(app.count("dossiers").await, before);
}

async fn references_are_unique_and_readable(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, referrer, board) = setup(&app).await;
    let creations = (0..8).map(|_| app.dossier(&referrer, &board));
    let dossiers = futures_util::future::join_all(creations).await;
    let mut refs: Vec<String> = dossiers
        .iter()
        .map(|d| d["reference"].as_str().unwrap().to_string())
        .collect();
    let year = chrono::Utc::now().format("%Y").to_string();
    for r in &refs {
        assert!(r.starts_with(&format!("RCP-{year}-")), "{r}");
        assert_eq!(r.len(), "RCP-2026-000001".len());
    }
    refs.sort();
    refs.dedup();
    assert_eq!(refs.len(), 8);
    assert_eq!(refs[0], format!("RCP-{year}-000001"));
    assert_eq!(refs[7], format!("RCP-{year}-000008"));
}

async fn list_filters_and_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let (admin, referrer, board) = setup(&app).await;
    let other_board = app.board(&admin, json!(null)).await;
    let a = app.dossier(&referrer, &board).await;
    let b = app.dossier(&referrer, &board).await;
    let c = app.dossier(&referrer, &other_board).await;
    let id = |d: &Value| d["id"].as_str().unwrap().to_string();
    app.post_empty(
        &format!("/api/dossiers/{}/submit", id(&b)),
        Some(&referrer.token),
    )
    .await
    .expect(200);
    let ids = |res: &crate::helpers::Resp| -> Vec<String> {
        res.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(id)
            .collect()
    };
    let all = app.get("/api/dossiers", Some(&referrer.token)).await;
    all.expect(200);
    assert_eq!(ids(&all), [id(&c), id(&b), id(&a)]);
    let on_board = app
        .get(
            &format!("/api/dossiers?board_id={board}"),
            Some(&referrer.token),
        )
        .await;
    assert_eq!(ids(&on_board), [id(&b), id(&a)]);
    let submitted = app
        .get("/api/dossiers?status=submitted", Some(&referrer.token))
        .await;
    assert_eq!(ids(&submitted), [id(&b)]);
    let both = app
        .get(
            &format!("/api/dossiers?status=draft&board_id={board}"),
            Some(&referrer.token),
        )
        .await;
    assert_eq!(ids(&both), [id(&a)]);
    let page = app
        .get("/api/dossiers?limit=1&offset=1", Some(&referrer.token))
        .await;
    assert_eq!(ids(&page), [id(&b)]);
    app.get("/api/dossiers?status=lost", Some(&referrer.token))
        .await
        .expect_invalid("status");
    app.get("/api/dossiers?board_id=nope", Some(&referrer.token))
        .await
        .expect_invalid("board_id");
    app.get("/api/dossiers?limit=0", Some(&referrer.token))
        .await
        .expect_invalid("limit");
    app.get("/api/dossiers?limit=x", Some(&referrer.token))
        .await
        .expect_invalid("limit");
}

async fn edit_while_draft_or_submitted(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, referrer, board) = setup(&app).await;
    let d = app.dossier(&referrer, &board).await;
    let path = format!("/api/dossiers/{}", d["id"].as_str().unwrap());
    let res = app
        .patch(
            &path,
            Some(&referrer.token),
            json!({"title": "New title", "urgency": "priority",
            "patient": {"pseudonym": "SEP-9", "sex": "male", "birth_year": 1970}}),
        )
        .await;
    let body = res.expect(200);
    assert_eq!(body["title"], "New title");
    assert_eq!(body["urgency"], "priority");
    assert_eq!(body["patient"]["sex"], "male");
    assert_eq!(body["question"], d["question"]);
    app.post_empty(&format!("{path}/submit"), Some(&referrer.token))
        .await
        .expect(200);
    app.patch(
        &path,
        Some(&referrer.token),
        json!({"history": "Updated history."}),
    )
    .await
    .expect(200);
    // A submitted dossier must stay submittable.
    app.patch(&path, Some(&referrer.token), json!({"consent": false}))
        .await
        .expect_invalid("consent");
    app.patch(&path, Some(&referrer.token), json!({"question": "  "}))
        .await
        .expect_invalid("question");
    app.patch(&path, Some(&referrer.token), json!({}))
        .await
        .expect_invalid("body");
    app.post_empty(&format!("{path}/withdraw"), Some(&referrer.token))
        .await
        .expect(200);
    let before = app.get(&path, Some(&referrer.token)).await.body;
    app.patch(&path, Some(&referrer.token), json!({"title": "Too late"}))
        .await
        .expect_problem(409, "conflict");
    assert_eq!(app.get(&path, Some(&referrer.token)).await.body, before);
}

async fn submit_needs_consent_and_question(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, referrer, board) = setup(&app).await;
    let res = app
        .post(
            "/api/dossiers",
            Some(&referrer.token),
            json!({"board_id": board, "title": "No consent yet", "patient": {"pseudonym": "P1"},
                   "question": ""}),
        )
        .await;
    let path = format!("/api/dossiers/{}", res.expect(201)["id"].as_str().unwrap());
    let snapshot = app.get(&path, Some(&referrer.token)).await.body;
    app.post_empty(&format!("{path}/submit"), Some(&referrer.token))
        .await
        .expect_invalid("question");
    app.patch(
        &path,
        Some(&referrer.token),
        json!({"question": "Which treatment?"}),
    )
    .await
    .expect(200);
    app.post_empty(&format!("{path}/submit"), Some(&referrer.token))
        .await
        .expect_invalid("consent");
    let now = app.get(&path, Some(&referrer.token)).await.body;
    assert_eq!(now["status"], snapshot["status"]);
    assert_eq!(now["submitted_at"], Value::Null);
    app.patch(&path, Some(&referrer.token), json!({"consent": true}))
        .await
        .expect(200);
    let res = app
        .post_empty(&format!("{path}/submit"), Some(&referrer.token))
        .await;
    assert_eq!(res.expect(200)["status"], "submitted");
    assert!(res.body["submitted_at"].is_string());
}

async fn allowed_and_forbidden_transitions(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, referrer, board) = setup(&app).await;
    let t = Some(referrer.token.as_str());
    let path = |d: &Value| format!("/api/dossiers/{}", d["id"].as_str().unwrap());
    // draft -> submitted -> withdrawn
    let d = app.dossier(&referrer, &board).await;
    assert_eq!(
        app.post_empty(&format!("{}/submit", path(&d)), t)
            .await
            .expect(200)["status"],
        "submitted"
    );
    app.post_empty(&format!("{}/submit", path(&d)), t)
        .await
        .expect_problem(409, "conflict");
    assert_eq!(
        app.post_empty(&format!("{}/withdraw", path(&d)), t)
            .await
            .expect(200)["status"],
        "withdrawn"
    );
    // withdrawn is final
    for action in ["submit", "withdraw"] {
        let before = app.get(&path(&d), t).await.body;
        app.post_empty(&format!("{}/{action}", path(&d)), t)
            .await
            .expect_problem(409, "conflict");
        assert_eq!(app.get(&path(&d), t).await.body, before);
    }
    // draft -> withdrawn
    let d = app.dossier(&referrer, &board).await;
    assert_eq!(
        app.post_empty(&format!("{}/withdraw", path(&d)), t)
            .await
            .expect(200)["status"],
        "withdrawn"
    );
}

async fn every_read_and_change_is_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, referrer, board) = setup(&app).await;
    let d = app.dossier(&referrer, &board).await;
    let id = d["id"].as_str().unwrap().to_string();
    let path = format!("/api/dossiers/{id}");
    app.get(&path, Some(&referrer.token)).await.expect(200);
    app.patch(&path, Some(&referrer.token), json!({"title": "T2"}))
        .await
        .expect(200);
    app.post_empty(&format!("{path}/submit"), Some(&referrer.token))
        .await
        .expect(200);
    app.get("/api/dossiers", Some(&referrer.token))
        .await
        .expect(200);
    let rows = app
        .db
        .read({
            let id = id.clone();
            move |conn| consilium::db::audit::for_object(conn, "dossier", &id)
        })
        .await
        .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "dossier.create",
            "dossier.read",
            "dossier.update",
            "dossier.submit"
        ]
    );
    assert!(
        rows.iter()
            .all(|r| r.actor_id.as_deref() == Some(referrer.id.as_str()))
    );
    // The list is recorded too, with the ids it showed.
    let page = app
        .db
        .read(|conn| consilium::db::audit::page(conn, 0, 1000))
        .await
        .unwrap();
    let list = page
        .iter()
        .rev()
        .find(|r| r.action == "dossier.list")
        .expect("list audited");
    assert!(list.detail.contains(&id));
    // The chain holds.
    for w in page.windows(2) {
        assert_eq!(w[1].previous_hash, w[0].hash);
        assert_eq!(w[1].hash, w[1].expected_hash());
    }
}

/// `can` on every dossier mirrors what the server enforces, for each kind of caller.
async fn can_says_what_each_caller_may_do(backend: Backend) {
    let app = spawn_app(backend).await;
    let (admin, referrer, board) = setup(&app).await;
    let member = app.clinician(&admin, "Radiology").await;
    let coordinator = app.clinician(&admin, "Neurology").await;
    app.add_member(&admin, &board, &member, "member").await;
    app.add_member(&admin, &board, &coordinator, "coordinator")
        .await;
    let created = app.dossier(&referrer, &board).await;
    let id = created["id"].as_str().unwrap().to_string();
    let can = |edit, submit, withdraw, upload, delete_attachments| {
        json!({"edit": edit, "submit": submit, "withdraw": withdraw, "upload": upload,
               "delete_attachments": delete_attachments})
    };
    let nothing = can(false, false, false, false, false);
    assert_eq!(created["can"], can(true, true, true, true, true));
    let seen_by = |who: &Actor| {
        let (app, id, token) = (&app, id.clone(), who.token.clone());
        async move {
            app.get(&format!("/api/dossiers/{id}"), Some(&token))
                .await
                .expect(200)["can"]
                .clone()
        }
    };
    assert_eq!(seen_by(&referrer).await, can(true, true, true, true, true));
    assert_eq!(seen_by(&member).await, nothing);
    assert_eq!(
        seen_by(&coordinator).await,
        can(false, false, false, true, false)
    );
    assert_eq!(seen_by(&admin).await, nothing);
    let list = app.get("/api/dossiers", Some(&coordinator.token)).await;
    assert_eq!(
        list.expect(200)["items"][0]["can"],
        can(false, false, false, true, false)
    );

    let submitted = app
        .post_empty(&format!("/api/dossiers/{id}/submit"), Some(&referrer.token))
        .await;
    assert_eq!(
        submitted.expect(200)["can"],
        can(true, false, true, true, true)
    );
    assert_eq!(seen_by(&referrer).await, can(true, false, true, true, true));
    assert_eq!(
        seen_by(&coordinator).await,
        can(false, false, false, true, false)
    );

    let withdrawn = app
        .post_empty(
            &format!("/api/dossiers/{id}/withdraw"),
            Some(&referrer.token),
        )
        .await;
    assert_eq!(withdrawn.expect(200)["can"], nothing);
    assert_eq!(seen_by(&referrer).await, nothing);
    assert_eq!(seen_by(&coordinator).await, nothing);
    // What `can` refuses, the server refuses.
    app.patch(
        &format!("/api/dossiers/{id}"),
        Some(&referrer.token),
        json!({"title": "Again"}),
    )
    .await
    .expect_problem(409, "conflict");
}

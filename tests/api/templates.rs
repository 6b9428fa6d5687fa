//! Board templates and typed dossier fields (API.md section 13, issue 16): versions and bad
//! definitions; every field type's good and bad values on create and PATCH (400 naming
//! `fields.<key>`, nothing changed); a dossier keeps its template version; submission lists
//! every missing item at once.

use serde_json::{Value, json};

use crate::helpers::{Actor, Backend, TestApp, spawn_app};
use crate::on_both;

on_both!(templates_are_versioned_and_checked);
on_both!(fields_are_typed_and_the_gate_lists_everything);

fn ms_template() -> Value {
    json!({
        "fields": [
            {"key": "edss", "label": "EDSS", "type": "number", "required": true, "min": 0, "max": 10, "step": 0.5,
             "help": "Expanded Disability Status Scale"},
            {"key": "course", "label": "Forme évolutive", "type": "choice", "required": true, "choices": ["RR", "SP", "PP", "CIS"]},
            {"key": "therapies", "label": "Traitements", "type": "multi_choice", "choices": ["natalizumab", "ocrelizumab"]},
            {"key": "last_relapse", "label": "Dernière poussée", "type": "date"},
            {"key": "new_lesions", "label": "Nouvelles lésions", "type": "boolean", "required": true},
            {"key": "notes", "label": "Remarques", "type": "text"}
        ],
        "requires_attachment": ["imaging"]
    })
}

struct World {
    app: TestApp,
    admin: Actor,
    coordinator: Actor,
    member: Actor,
    referrer: Actor,
    board: String,
}

async fn world(backend: Backend) -> World {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let coordinator = app.clinician(&admin, "Neurology").await;
    let member = app.clinician(&admin, "Neuroradiology").await;
    let referrer = app.clinician(&admin, "Neurology").await;
    let board = app.board(&admin, json!(null)).await;
    app.add_member(&admin, &board, &coordinator, "coordinator")
        .await;
    app.add_member(&admin, &board, &member, "member").await;
    World {
        app,
        admin,
        coordinator,
        member,
        referrer,
        board,
    }
}

async fn templates_are_versioned_and_checked(backend: Backend) {
    let w = world(backend).await;
    let app = &w.app;
    let path = format!("/api/boards/{}/template", w.board);
    // No template yet: version 0, nothing asked.
    let none = app
        .get(&path, Some(&w.referrer.token))
        .await
        .expect(200)
        .clone();
    assert_eq!(
        none,
        json!({"fields": [], "requires_attachment": [], "version": 0})
    );
    let v1 = app
        .put(&path, Some(&w.coordinator.token), ms_template())
        .await
        .expect(200)
        .clone();
    assert_eq!(v1["version"], 1);
    assert_eq!(v1["fields"].as_array().unwrap().len(), 6);
    // Any signed-in clinician reads it.
    assert_eq!(
        app.get(&path, Some(&w.referrer.token)).await.expect(200),
        &v1
    );
    // Bad definitions: refused, naming the place, and the template stays at version 1.
    for (body, field) in [
        (
            json!({"fields": [{"key": "EDSS", "label": "x", "type": "text"}]}),
            "fields[0].key",
        ),
        (
            json!({"fields": [{"key": "a", "label": "x", "type": "choice"}]}),
            "fields[0].choices",
        ),
        (
            json!({"fields": [{"key": "a", "label": "x", "type": "number", "min": 3, "max": 1}]}),
            "fields[0].min",
        ),
        (
            json!({"fields": [{"key": "a", "label": "x", "type": "text"}, {"key": "a", "label": "y", "type": "text"}]}),
            "fields[1].key",
        ),
        (
            json!({"fields": [{"key": "a", "label": "x", "type": "colour"}]}),
            "",
        ),
        (
            json!({"fields": [{"key": "a", "label": "x", "type": "text", "secret": 1}]}),
            "",
        ),
        (json!({"fields": [], "requires_attachment": ["x-ray"]}), ""),
        (json!({"fields": "edss"}), ""),
        (json!({}), ""),
    ] {
        let res = app
            .put(&path, Some(&w.coordinator.token), body.clone())
            .await;
        assert_eq!(res.status, 400, "{body}: {}", res.text);
        if !field.is_empty() {
            assert_eq!(res.body["field"], field, "{body}");
        }
    }
    // Who may write it: the coordinator and admins; not a member, a referrer, or no one.
    for who in [&w.member, &w.referrer] {
        app.put(&path, Some(&who.token), ms_template())
            .await
            .expect_problem(403, "forbidden");
    }
    app.put(&path, None, ms_template()).await.expect_status(401);
    app.put(
        "/api/boards/00000000-0000-0000-0000-000000000000/template",
        Some(&w.admin.token),
        ms_template(),
    )
    .await
    .expect_problem(404, "not_found");
    assert_eq!(
        app.get(&path, Some(&w.member.token)).await.expect(200)["version"],
        1
    );
    let v2 = app
        .put(
            &path,
            Some(&w.admin.token),
            json!({"fields": [{"key": "site", "label": "Site", "type": "text", "required": true}]}),
        )
        .await;
    assert_eq!(v2.expect(200)["version"], 2);
}

async fn fields_are_typed_and_the_gate_lists_everything(backend: Backend) {
    let w = world(backend).await;
    let app = &w.app;
    let path = format!("/api/boards/{}/template", w.board);
    app.put(&path, Some(&w.coordinator.token), ms_template())
        .await
        .expect(200);
    let create = |fields: Value| {
        json!({
            "board_id": w.board, "title": "SEP récurrente", "patient": {"pseudonym": "P-1"},
            "question": "", "fields": fields,
        })
    };
    // Bad values on create: 400 naming the field, and no dossier.
    for (fields, key) in [
        (json!({"edss": "3.5"}), "edss"),
        (json!({"edss": 3.2}), "edss"),
        (json!({"edss": 11}), "edss"),
        (json!({"course": "relapsing"}), "course"),
        (json!({"therapies": ["aspirin"]}), "therapies"),
        (json!({"last_relapse": "31/01/2026"}), "last_relapse"),
        (json!({"new_lesions": "yes"}), "new_lesions"),
        (json!({"notes": 3}), "notes"),
        (json!({"smoker": true}), "smoker"),
    ] {
        let res = app
            .post(
                "/api/dossiers",
                Some(&w.referrer.token),
                create(fields.clone()),
            )
            .await;
        assert_eq!(res.status, 400, "{fields}: {}", res.text);
        assert_eq!(res.body["field"], format!("fields.{key}"), "{fields}");
    }
    let listed = app.get("/api/dossiers", Some(&w.referrer.token)).await;
    assert_eq!(listed.expect(200)["items"], json!([]));
    // A draft with some values.
    let d = app
        .post(
            "/api/dossiers",
            Some(&w.referrer.token),
            create(json!({"edss": 3.5, "therapies": ["natalizumab"]})),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(d["template_version"], 1);
    assert_eq!(
        d["fields"],
        json!({"edss": 3.5, "therapies": ["natalizumab"]})
    );
    let id = d["id"].as_str().unwrap();
    let dossier = format!("/api/dossiers/{id}");
    // The gate: every missing item at once, in the problem's `missing`.
    let res = app
        .post_empty(&format!("{dossier}/submit"), Some(&w.referrer.token))
        .await;
    assert_eq!(res.status, 400, "{}", res.text);
    assert_eq!(
        res.body["missing"],
        json!([
            "question",
            "consent",
            "fields.course",
            "fields.new_lesions",
            "attachments.imaging"
        ])
    );
    assert_eq!(res.body["field"], "question");
    // A new template version does not change what this dossier follows.
    app.put(
        &path,
        Some(&w.coordinator.token),
        json!({"fields": [{"key": "site", "label": "Site", "type": "text"}]}),
    )
    .await
    .expect(200);
    let res = app
        .patch(
            &dossier,
            Some(&w.referrer.token),
            json!({"fields": {"site": "knee"}}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.text);
    assert_eq!(res.body["field"], "fields.site");
    // Bad values on PATCH: 400, and nothing changes.
    for (fields, key) in [
        (json!({"course": "RR", "edss": -1}), "edss"),
        (
            json!({"new_lesions": null, "therapies": "natalizumab"}),
            "therapies",
        ),
        (json!({"last_relapse": "2026-02-30"}), "last_relapse"),
        (json!({"edss": "2"}), "edss"),
        (json!({"course": "SPMS"}), "course"),
        (json!({"new_lesions": 0}), "new_lesions"),
        (json!({"notes": ["a"]}), "notes"),
        (json!({"smoker": false}), "smoker"),
    ] {
        let res = app
            .patch(
                &dossier,
                Some(&w.referrer.token),
                json!({ "fields": fields }),
            )
            .await;
        assert_eq!(res.status, 400, "{fields}: {}", res.text);
        assert_eq!(res.body["field"], format!("fields.{key}"));
    }
    let same = app
        .get(&dossier, Some(&w.referrer.token))
        .await
        .expect(200)
        .clone();
    assert_eq!(same["fields"], d["fields"]);
    // PATCH merges; null removes.
    let patched = app
        .patch(
            &dossier,
            Some(&w.referrer.token),
            json!({"question": "Escalate?", "consent": true,
                   "fields": {"course": "RR", "new_lesions": true, "therapies": null, "last_relapse": "2026-01-31"}}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(
        patched["fields"],
        json!({"edss": 3.5, "course": "RR", "new_lesions": true, "last_relapse": "2026-01-31"})
    );
    assert_eq!(patched["template_version"], 1);
    // Only the attachment is missing now.
    let res = app
        .post_empty(&format!("{dossier}/submit"), Some(&w.referrer.token))
        .await;
    assert_eq!(
        res.body["missing"],
        json!(["attachments.imaging"]),
        "{}",
        res.text
    );
    // Who may write fields: the referrer only.
    for who in [&w.coordinator, &w.member] {
        let res = app
            .patch(&dossier, Some(&who.token), json!({"fields": {"edss": 1}}))
            .await;
        assert!([403, 404].contains(&res.status), "{}", res.text);
    }
    let after = app
        .get(&dossier, Some(&w.referrer.token))
        .await
        .expect(200)
        .clone();
    assert_eq!(after["fields"]["edss"], 3.5);
}

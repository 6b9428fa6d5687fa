//! A draft is a dossier the referrer is still writing (issue 15): every field may change, the
//! board included, until it is submitted; the service says how large an attachment may be.

use serde_json::json;

use crate::helpers::{Backend, spawn_app};
use crate::on_both;

on_both!(a_draft_changes_board_until_submitted);

async fn a_draft_changes_board_until_submitted(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let referrer = app.clinician(&admin, "Neurology").await;
    let other = app.clinician(&admin, "Neurology").await;
    let coordinator = app.clinician(&admin, "Neurology").await;
    let first = app.board(&admin, json!(null)).await;
    let second = app.board(&admin, json!(null)).await;
    app.add_member(&admin, &first, &coordinator, "coordinator")
        .await;
    let draft = app.dossier(&referrer, &first).await;
    let id = draft["id"].as_str().unwrap().to_string();
    let path = format!("/api/dossiers/{id}");
    assert!(draft["max_upload_bytes"].as_u64().unwrap() > 0, "{draft}");
    let read = app
        .get(&path, Some(&referrer.token))
        .await
        .expect(200)
        .clone();
    assert_eq!(read["max_upload_bytes"], draft["max_upload_bytes"]);
    // Bad input: refused, naming the field, and nothing changes.
    for (body, status, field) in [
        (json!({"board_id": "nope"}), 400, Some("board_id")),
        (
            json!({"board_id": "00000000-0000-0000-0000-000000000000"}),
            400,
            Some("board_id"),
        ),
        (json!({"board_id": 7}), 400, None),
        (json!({"board_id": null}), 400, None),
    ] {
        let res = app.patch(&path, Some(&referrer.token), body.clone()).await;
        assert_eq!(res.status, status, "{body}: {}", res.text);
        if let Some(f) = field {
            assert_eq!(res.body["field"], f, "{body}: {}", res.text);
        }
    }
    // Only the referrer moves it.
    for who in [&other, &coordinator, &admin] {
        let res = app
            .patch(&path, Some(&who.token), json!({"board_id": second}))
            .await;
        assert!(
            [403, 404].contains(&res.status),
            "{}: {}",
            who.email,
            res.text
        );
    }
    let unchanged = app
        .get(&path, Some(&referrer.token))
        .await
        .expect(200)
        .clone();
    assert_eq!(unchanged["board_id"], first.as_str());
    // The referrer moves the draft, with its other fields in the same request.
    let moved = app
        .patch(
            &path,
            Some(&referrer.token),
            json!({"board_id": second, "question": "Which second-line therapy?"}),
        )
        .await;
    let moved = moved.expect(200);
    assert_eq!(moved["board_id"], second.as_str());
    assert_eq!(moved["question"], "Which second-line therapy?");
    assert_eq!(moved["reference"], draft["reference"]);
    // Submitted: the board is fixed (409), the content still editable.
    app.post_empty(&format!("{path}/submit"), Some(&referrer.token))
        .await
        .expect(200);
    app.patch(&path, Some(&referrer.token), json!({"board_id": first}))
        .await
        .expect_problem(409, "conflict");
    let after = app
        .get(&path, Some(&referrer.token))
        .await
        .expect(200)
        .clone();
    assert_eq!(after["board_id"], second.as_str());
    assert_eq!(after["status"], "submitted");
    // The same board again is no change.
    app.patch(&path, Some(&referrer.token), json!({"board_id": second}))
        .await
        .expect(200);
}

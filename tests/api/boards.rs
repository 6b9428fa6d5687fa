use serde_json::json;

use crate::helpers::{Backend, spawn_app};
use crate::on_both;

on_both!(
    boards_are_created_with_quorum_defaults,
    boards_are_listed_and_fetched,
    members_are_added_changed_and_removed,
    can_says_what_each_caller_may_do,
);

async fn boards_are_created_with_quorum_defaults(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let res = app
        .post(
            "/api/boards",
            Some(&admin.token),
            json!({"name": "CRC SEP"}),
        )
        .await;
    let board = res.expect(201);
    assert_eq!(board["name"], "CRC SEP");
    assert_eq!(board["description"], "");
    assert_eq!(
        board["quorum"],
        json!({"min_voters": 3, "min_specialties": 3, "required_specialties": []})
    );
    let res = app
        .post(
            "/api/boards",
            Some(&admin.token),
            json!({"name": "CRIOAc", "description": "Bone and joint infections",
                   "quorum": {"min_voters": 3, "min_specialties": 3,
                              "required_specialties": ["Infectious diseases", "Orthopaedic surgery", "Microbiology"]}}),
        )
        .await;
    let board = res.expect(201);
    assert_eq!(board["quorum"]["required_specialties"][2], "Microbiology");
    let id = board["id"].as_str().unwrap();
    let audit = app
        .db
        .read({
            let id = id.to_string();
            move |conn| consilium::db::audit::for_object(conn, "board", &id)
        })
        .await
        .unwrap();
    assert_eq!(audit[0].action, "board.create");
    assert_eq!(audit[0].actor_id.as_deref(), Some(admin.id.as_str()));
}

async fn boards_are_listed_and_fetched(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let clinician = app.clinician(&admin, "Neurology").await;
    let first = app.board(&admin, json!(null)).await;
    let second = app.board(&admin, json!(null)).await;
    let list = app.get("/api/boards", Some(&clinician.token)).await;
    let items = list.expect(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], second.as_str());
    assert_eq!(items[1]["id"], first.as_str());
    let one = app
        .get(&format!("/api/boards/{first}"), Some(&clinician.token))
        .await;
    assert_eq!(one.expect(200)["id"], first.as_str());
    app.get(
        "/api/boards/00000000-0000-0000-0000-000000000000",
        Some(&clinician.token),
    )
    .await
    .expect_problem(404, "not_found");
    app.get("/api/boards/not-a-uuid", Some(&clinician.token))
        .await
        .expect_problem(404, "not_found");
    app.get("/api/boards", None)
        .await
        .expect_problem(401, "unauthenticated");
}

async fn members_are_added_changed_and_removed(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let coordinator = app.clinician(&admin, "Neurology").await;
    let member = app.clinician(&admin, "Neuroradiology").await;
    let board = app.board(&admin, json!(null)).await;
    let res = app
        .put(
            &format!("/api/boards/{board}/members/{}", coordinator.id),
            Some(&admin.token),
            json!({"role": "coordinator"}),
        )
        .await;
    let body = res.expect(200);
    assert_eq!(body["role"], "coordinator");
    assert_eq!(body["user"]["id"], coordinator.id.as_str());
    // The coordinator manages members from now on.
    app.add_member(&coordinator, &board, &member, "member")
        .await;
    let list = app
        .get(&format!("/api/boards/{board}/members"), Some(&member.token))
        .await;
    let items = list.expect(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["role"], "coordinator");
    assert_eq!(items[1]["user"]["id"], member.id.as_str());
    assert!(!list.text.contains("argon2"));
    // Promote, then remove.
    app.add_member(&coordinator, &board, &member, "coordinator")
        .await;
    let list = app
        .get(&format!("/api/boards/{board}/members"), Some(&member.token))
        .await;
    assert!(
        list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["role"] == "coordinator")
    );
    app.delete(
        &format!("/api/boards/{board}/members/{}", member.id),
        Some(&coordinator.token),
    )
    .await
    .expect(204);
    app.delete(
        &format!("/api/boards/{board}/members/{}", member.id),
        Some(&coordinator.token),
    )
    .await
    .expect_problem(404, "not_found");
    app.put(
        &format!("/api/boards/{board}/members/00000000-0000-0000-0000-000000000000"),
        Some(&admin.token),
        json!({"role": "member"}),
    )
    .await
    .expect_problem(404, "not_found");
    app.put(
        &format!(
            "/api/boards/00000000-0000-0000-0000-000000000000/members/{}",
            member.id
        ),
        Some(&admin.token),
        json!({"role": "member"}),
    )
    .await
    .expect_problem(404, "not_found");
    let list = app
        .get(&format!("/api/boards/{board}/members"), Some(&admin.token))
        .await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
}

/// `can` on boards mirrors what the server enforces: coordinators manage members, plan
/// sessions and export; admins manage members and export; others do none of these.
async fn can_says_what_each_caller_may_do(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let coordinator = app.clinician(&admin, "Neurology").await;
    let member = app.clinician(&admin, "Radiology").await;
    let stranger = app.clinician(&admin, "Cardiology").await;
    let board = app.board(&admin, json!(null)).await;
    app.add_member(&admin, &board, &coordinator, "coordinator")
        .await;
    app.add_member(&admin, &board, &member, "member").await;
    let can = |manage_members, plan_sessions, export| json!({"manage_members": manage_members, "edit": manage_members, "plan_sessions": plan_sessions, "export": export});
    for (who, expected) in [
        (&coordinator, can(true, true, true)),
        (&member, can(false, false, false)),
        (&stranger, can(false, false, false)),
        (&admin, can(true, false, true)),
    ] {
        let one = app
            .get(&format!("/api/boards/{board}"), Some(&who.token))
            .await;
        assert_eq!(one.expect(200)["can"], expected, "{}", who.email);
        let list = app.get("/api/boards", Some(&who.token)).await;
        let items = list.expect(200)["items"].as_array().unwrap().clone();
        let listed = items.iter().find(|b| b["id"] == board.as_str()).unwrap();
        assert_eq!(listed["can"], expected, "{}", who.email);
    }
    // What `can` refuses, the server refuses.
    app.get(
        &format!("/api/exports/decisions?board_id={board}"),
        Some(&member.token),
    )
    .await
    .expect_problem(403, "forbidden");
    app.put(
        &format!("/api/boards/{board}/members/{}", stranger.id),
        Some(&member.token),
        json!({"role": "member"}),
    )
    .await
    .expect_problem(403, "forbidden");
}

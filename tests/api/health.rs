use serde_json::Value;

use crate::helpers::{Backend, spawn_app};
use crate::on_both;

on_both!(
    health_and_readiness,
    openapi_lists_every_endpoint,
    unknown_api_path_is_a_problem
);

async fn health_and_readiness(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.get("/healthz", None).await;
    assert_eq!(res.expect(200)["status"], "ok");
    let res = app.get("/readyz", None).await;
    res.expect(200);
}

async fn openapi_lists_every_endpoint(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.get("/api/openapi.json", None).await;
    let doc = res.expect(200);
    assert!(doc["openapi"].as_str().unwrap_or("").starts_with("3."));
    let paths = doc["paths"].as_object().expect("paths");
    for (path, method) in [
        ("/api/auth/login", "post"),
        ("/api/auth/logout", "post"),
        ("/api/me", "get"),
        ("/api/users", "post"),
        ("/api/users", "get"),
        ("/api/boards", "post"),
        ("/api/boards", "get"),
        ("/api/boards/{id}", "get"),
        ("/api/boards/{id}/members", "get"),
        ("/api/boards/{id}/members/{user_id}", "put"),
        ("/api/boards/{id}/members/{user_id}", "delete"),
        ("/api/dossiers", "post"),
        ("/api/dossiers", "get"),
        ("/api/dossiers/{id}", "get"),
        ("/api/dossiers/{id}", "patch"),
        ("/api/dossiers/{id}/submit", "post"),
        ("/api/dossiers/{id}/withdraw", "post"),
        ("/api/boards/{id}/sessions", "post"),
        ("/api/boards/{id}/sessions", "get"),
        ("/api/sessions/{id}", "get"),
        ("/api/sessions/{id}/agenda", "post"),
        ("/api/sessions/{id}/agenda/{dossier_id}", "delete"),
        ("/api/sessions/{id}/close", "post"),
        ("/api/sessions/{id}/events", "get"),
        ("/api/decisions", "get"),
        ("/api/decisions/{id}", "get"),
        ("/healthz", "get"),
        ("/readyz", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing from the OpenAPI document"
        );
    }
    // A parameter is `in: path` only where the path names it; query strings are `in: query`.
    let mut wrong = Vec::new();
    for (path, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap();
                let in_path = path.contains(&format!("{{{name}}}"));
                if (p["in"] == "path") != in_path {
                    wrong.push(format!("{method} {path} {name} in {}", p["in"]));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "misplaced parameters: {wrong:#?}");
    let activity = &paths["/api/reports/activity"]["get"]["parameters"];
    assert!(
        activity
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "year" && p["in"] == "query")
    );
    let user = &doc["components"]["schemas"]["User"]["properties"];
    assert!(user.get("password_hash").is_none());
    assert_ne!(doc["components"]["securitySchemes"]["bearer"], Value::Null);
}

async fn unknown_api_path_is_a_problem(backend: Backend) {
    let app = spawn_app(backend).await;
    app.get("/api/nothing-here", None)
        .await
        .expect_problem(404, "not_found");
}

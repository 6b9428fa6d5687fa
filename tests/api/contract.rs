//! The public contract changes only by additions: the OpenAPI document as it was before the
//! use-case redesign (issue 12) is contained in today's, path by path and schema by schema.
//! New properties, schemas and endpoints are allowed; nothing removed or changed. One
//! correction was made to the stored document (issue 15): the query-string parameters it
//! declared `in: path` (utoipa's default, wrong: no path names them, and so "required") are
//! there now as today's document declares them: `in: query`, optional.

use serde_json::Value;

use crate::helpers::{Backend, spawn_app};

const BEFORE: &str = include_str!("openapi_before_issue_12.json");

/// What `before` has and `after` lacks or has otherwise; lists grow only.
fn removed_or_changed(before: &Value, after: &Value, path: &str, out: &mut Vec<String>) {
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            for (key, value) in b {
                match a.get(key) {
                    Some(other) => removed_or_changed(value, other, &format!("{path}/{key}"), out),
                    None => out.push(format!("removed {path}/{key}")),
                }
            }
        }
        (Value::Array(b), Value::Array(a)) => {
            for item in b {
                if !a.contains(item) {
                    out.push(format!("removed from {path}: {item}"));
                }
            }
        }
        (b, a) if b != a => out.push(format!("changed {path}: {b} → {a}")),
        _ => {}
    }
}

#[tokio::test]
async fn the_contract_only_grows() {
    let app = spawn_app(Backend::Sqlite).await;
    let after = app.get("/api/openapi.json", None).await.expect(200).clone();
    let before: Value = serde_json::from_str(BEFORE).unwrap();
    let mut diff = Vec::new();
    removed_or_changed(&before, &after, "", &mut diff);
    assert!(diff.is_empty(), "the contract lost or changed: {diff:#?}");
    // The check itself can fail.
    let mut shrunk = after.clone();
    shrunk["paths"]
        .as_object_mut()
        .unwrap()
        .remove("/api/dossiers");
    let mut diff = Vec::new();
    removed_or_changed(&before, &shrunk, "", &mut diff);
    assert_eq!(diff, vec!["removed /paths//api/dossiers".to_string()]);
}

//! Tamper evidence: `consilium audit verify` finds a row changed or removed behind the
//! service's back.

use std::process::Command;

use diesel::RunQueryDsl;

use crate::fixtures::{decide_unanimously, meeting, three_of_three};
use crate::helpers::{Backend, TestApp, spawn_app};
use crate::on_both;

on_both!(
    audit_verify_finds_tampering,
    audit_verify_covers_every_decision_column,
);

pub fn verify(app: &TestApp) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_consilium"))
        .env("CONSILIUM_DATA_DIR", app.dir.path())
        .env("CONSILIUM_DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "warn")
        .args(["audit", "verify"])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Runs raw SQL as someone with direct access to the database would.
async fn sql(app: &TestApp, statements: Vec<String>) {
    app.db
        .read(move |conn| {
            for s in &statements {
                diesel::sql_query(s.as_str()).execute(conn)?;
            }
            Ok(())
        })
        .await
        .unwrap();
}

async fn audit_verify_finds_tampering(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, three_of_three()).await;
    let decision = decide_unanimously(&app, &m, "escalate").await;
    let decision_id = decision["id"].as_str().unwrap().to_string();

    let (ok, text) = verify(&app);
    assert!(ok, "{text}");
    assert!(text.contains("1 decisions verified"), "{text}");

    // The database itself refuses changes to the audit log and decisions.
    let refused = app
        .db
        .read(|conn| {
            Ok(
                diesel::sql_query("UPDATE audit_log SET detail = '{}' WHERE seq = 3")
                    .execute(conn)
                    .is_err(),
            )
        })
        .await
        .unwrap();
    assert!(refused, "the audit log must be append-only");

    // Someone with full access lifts the guards and rewrites history.
    let (drop_audit_guard, drop_decision_guard) = match backend {
        Backend::Sqlite => (
            vec![
                "DROP TRIGGER audit_log_is_append_only_update".to_string(),
                "DROP TRIGGER audit_log_is_append_only_delete".to_string(),
            ],
            vec!["DROP TRIGGER decisions_are_immutable_update".to_string()],
        ),
        Backend::Postgres => (
            vec!["DROP TRIGGER audit_log_is_append_only ON audit_log".to_string()],
            vec!["DROP TRIGGER decisions_are_immutable ON decisions".to_string()],
        ),
    };
    let original = app
        .db
        .read(|conn| consilium::db::audit::page(conn, 2, 1))
        .await
        .unwrap()
        .remove(0);
    assert_eq!(original.seq, 3);
    sql(&app, drop_audit_guard).await;
    sql(
        &app,
        vec!["UPDATE audit_log SET actor_id = NULL WHERE seq = 3".into()],
    )
    .await;
    let (ok, text) = verify(&app);
    assert!(!ok);
    assert!(
        text.contains("entry 3") && text.contains("changed"),
        "{text}"
    );
    // Put back exactly as it was, the chain holds again.
    let restore = match &original.actor_id {
        Some(a) => format!("UPDATE audit_log SET actor_id = '{a}' WHERE seq = 3"),
        None => "UPDATE audit_log SET actor_id = NULL WHERE seq = 3".into(),
    };
    sql(&app, vec![restore]).await;
    let (ok, text) = verify(&app);
    assert!(ok, "{text}");

    // A decision whose outcome is changed.
    sql(&app, drop_decision_guard).await;
    sql(
        &app,
        vec![format!(
            "UPDATE decisions SET outcome = 'continue' WHERE id = '{decision_id}'"
        )],
    )
    .await;
    let (ok, text) = verify(&app);
    assert!(!ok);
    assert!(text.contains(&decision_id), "{text}");

    // The newest audit entries removed: the chain left is valid, but the count betrays it.
    let fresh = spawn_app(backend).await;
    let admin = fresh.admin().await;
    fresh.clinician(&admin, "Neurology").await;
    let (ok, text) = verify(&fresh);
    assert!(ok, "{text}");
    let drop = match backend {
        Backend::Sqlite => vec!["DROP TRIGGER audit_log_is_append_only_delete".to_string()],
        Backend::Postgres => vec!["DROP TRIGGER audit_log_is_append_only ON audit_log".to_string()],
    };
    sql(&fresh, drop).await;
    sql(
        &fresh,
        vec!["DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)".into()],
    )
    .await;
    let (ok, text) = verify(&fresh);
    assert!(!ok);
    assert!(text.contains("newest were removed"), "{text}");
}

/// Security issue 11, point 9: with the immutability trigger dropped, changing only
/// `decided_at`, `decided_by` or `board_id` of a decision is found too (exports filter on
/// `decided_at`).
async fn audit_verify_covers_every_decision_column(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, three_of_three()).await;
    let decision = decide_unanimously(&app, &m, "escalate").await;
    let id = decision["id"].as_str().unwrap().to_string();
    let other_board = app.board(&m.admin, three_of_three()).await;
    let (ok, text) = verify(&app);
    assert!(ok, "{text}");

    let drop = match backend {
        Backend::Sqlite => "DROP TRIGGER decisions_are_immutable_update",
        Backend::Postgres => "DROP TRIGGER decisions_are_immutable ON decisions",
    };
    sql(&app, vec![drop.to_string()]).await;
    let original = app
        .db
        .read({
            let id = id.clone();
            move |conn| {
                use consilium::db::schema::decisions::dsl as d;
                use diesel::prelude::*;
                Ok(d::decisions
                    .filter(d::id.eq(&id))
                    .select((d::decided_at, d::decided_by, d::board_id))
                    .first::<(chrono::NaiveDateTime, String, String)>(conn)?)
            }
        })
        .await
        .unwrap();
    let at = |t: chrono::NaiveDateTime| t.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
    let changes = [
        (
            format!(
                "decided_at = '{}'",
                at(original.0 - chrono::Duration::days(400))
            ),
            format!("decided_at = '{}'", at(original.0)),
        ),
        (
            format!(
                "decided_at = '{}'",
                at(original.0 + chrono::Duration::microseconds(1))
            ),
            format!("decided_at = '{}'", at(original.0)),
        ),
        (
            format!("decided_by = '{}'", m.specialists[0].id),
            format!("decided_by = '{}'", original.1),
        ),
        (
            format!("board_id = '{other_board}'"),
            format!("board_id = '{}'", original.2),
        ),
    ];
    for (tamper, restore) in changes {
        sql(
            &app,
            vec![format!("UPDATE decisions SET {tamper} WHERE id = '{id}'")],
        )
        .await;
        let (ok, text) = verify(&app);
        assert!(!ok, "{tamper}: {text}");
        assert!(
            text.contains(&id) || text.contains("remain"),
            "{tamper}: {text}"
        );
        sql(
            &app,
            vec![format!("UPDATE decisions SET {restore} WHERE id = '{id}'")],
        )
        .await;
        let (ok, text) = verify(&app);
        assert!(ok, "after restoring {restore}: {text}");
    }
}

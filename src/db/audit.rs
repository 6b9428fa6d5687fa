//! The append-only audit log: who did what to which object, and when.

use diesel::prelude::*;
use serde_json::Value;

use super::schema::audit_log;
use super::{DbConn, counters, now};
use crate::domain::audit::{AuditContent, GENESIS_HASH, chain_hash, format_time};
use crate::error::AppResult;

/// One thing to record. `detail` is a small JSON object (never a secret, never patient text).
pub struct Audit<'a> {
    pub actor_id: Option<&'a str>,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: Option<&'a str>,
    pub detail: Value,
}

impl<'a> Audit<'a> {
    pub fn new(
        actor_id: &'a str,
        action: &'a str,
        object_type: &'a str,
        object_id: &'a str,
    ) -> Self {
        Audit {
            actor_id: Some(actor_id),
            action,
            object_type,
            object_id: Some(object_id),
            detail: Value::Object(Default::default()),
        }
    }

    pub fn with_detail(mut self, detail: Value) -> Self {
        self.detail = detail;
        self
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub seq: i64,
    pub at: chrono::NaiveDateTime,
    pub actor_id: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub detail: String,
    pub previous_hash: String,
    pub hash: String,
}

impl AuditRow {
    /// The hash this row should carry given its content and `previous_hash`.
    pub fn expected_hash(&self) -> String {
        let at = format_time(self.at);
        chain_hash(
            &self.previous_hash,
            &AuditContent {
                seq: self.seq,
                at: &at,
                actor_id: self.actor_id.as_deref(),
                action: &self.action,
                object_type: &self.object_type,
                object_id: self.object_id.as_deref(),
                detail: &self.detail,
            },
        )
    }
}

/// Appends an entry inside the caller's transaction. Entries are chained in `seq` order; the
/// counter row serialises writers so the chain never forks.
/// Records that `actor` read a list of `object_type` rows (one row per list, naming the ids,
/// with `extra` fields beside them); an empty list records nothing.
pub fn record_list<'a>(
    conn: &mut DbConn,
    actor: &str,
    action: &str,
    object_type: &str,
    ids: impl IntoIterator<Item = &'a str>,
    extra: Value,
) -> AppResult<()> {
    let ids: Vec<&str> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(());
    }
    let mut detail = extra;
    match detail.as_object_mut() {
        Some(map) => {
            map.insert("ids".into(), serde_json::json!(ids));
        }
        None => detail = serde_json::json!({ "ids": ids }),
    }
    record(
        conn,
        Audit {
            actor_id: Some(actor),
            action,
            object_type,
            object_id: None,
            detail,
        },
    )?;
    Ok(())
}

pub fn record(conn: &mut DbConn, entry: Audit<'_>) -> AppResult<i64> {
    let seq = counters::next(conn, "audit")?;
    let previous_hash = if seq == 1 {
        GENESIS_HASH.to_string()
    } else {
        audit_log::table
            .find(seq - 1)
            .select(audit_log::hash)
            .first::<String>(conn)
            .optional()?
            .unwrap_or_else(|| GENESIS_HASH.to_string())
    };
    let mut row = AuditRow {
        seq,
        at: now(),
        actor_id: entry.actor_id.map(str::to_string),
        action: entry.action.to_string(),
        object_type: entry.object_type.to_string(),
        object_id: entry.object_id.map(str::to_string),
        detail: entry.detail.to_string(),
        previous_hash,
        hash: String::new(),
    };
    row.hash = row.expected_hash();
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::seq.eq(row.seq),
            audit_log::at.eq(row.at),
            audit_log::actor_id.eq(&row.actor_id),
            audit_log::action.eq(&row.action),
            audit_log::object_type.eq(&row.object_type),
            audit_log::object_id.eq(&row.object_id),
            audit_log::detail.eq(&row.detail),
            audit_log::previous_hash.eq(&row.previous_hash),
            audit_log::hash.eq(&row.hash),
        ))
        .execute(conn)?;
    Ok(seq)
}

/// Entries about one object, oldest first (for tests and the admin's audit view).
pub fn for_object(
    conn: &mut DbConn,
    object_type: &str,
    object_id: &str,
) -> AppResult<Vec<AuditRow>> {
    Ok(audit_log::table
        .filter(audit_log::object_type.eq(object_type))
        .filter(audit_log::object_id.eq(object_id))
        .order(audit_log::seq.asc())
        .select(AuditRow::as_select())
        .load(conn)?)
}

/// A page of the log in `seq` order, starting after `after`.
pub fn page(conn: &mut DbConn, after: i64, limit: i64) -> AppResult<Vec<AuditRow>> {
    Ok(audit_log::table
        .filter(audit_log::seq.gt(after))
        .order(audit_log::seq.asc())
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)?)
}

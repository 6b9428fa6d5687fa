//! The upload journal's rows (see `storage::journal`).

use diesel::prelude::*;
use futures_util::FutureExt;
use futures_util::future::BoxFuture;

use super::room::presence::INSTANCE_TIMEOUT_SECS;
use super::schema::{attachments, instances, object_uploads};
use super::{Db, DbConn, now};
use crate::error::AppResult;
use crate::storage::journal::{Leftover, UploadJournal};

pub fn record(
    conn: &mut DbConn,
    key: &str,
    upload_id: Option<&str>,
    instance_id: &str,
) -> AppResult<()> {
    diesel::insert_into(object_uploads::table)
        .values((
            object_uploads::object_key.eq(key),
            object_uploads::upload_id.eq(upload_id),
            object_uploads::instance_id.eq(instance_id),
            object_uploads::started_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Takes `key` off the journal: called in the transaction that commits its attachment row,
/// or once its upload was aborted.
pub fn forget(conn: &mut DbConn, key: &str) -> AppResult<()> {
    diesel::delete(object_uploads::table.find(key)).execute(conn)?;
    Ok(())
}

#[derive(QueryableByName)]
struct Connected {
    #[diesel(sql_type = diesel::sql_types::Text)]
    application_name: String,
}

/// The instances that may still be running, `me` among them. On SQLite, which one process
/// serves, only `me`. On PostgreSQL an instance is alive while it holds a connection (each
/// names itself in `application_name`; a killed process's connections end with it), or while
/// its heartbeat is recent.
pub fn live_instances(conn: &mut DbConn, me: &str) -> AppResult<Vec<String>> {
    let live: Vec<String> = if matches!(conn, DbConn::Sqlite(_)) {
        vec![me.to_string()]
    } else {
        let connected: Vec<Connected> = diesel::sql_query(
            "SELECT DISTINCT application_name FROM pg_stat_activity \
             WHERE application_name LIKE 'consilium:%'",
        )
        .load(conn)?;
        let mut live: Vec<String> = connected
            .into_iter()
            .filter_map(|c| {
                c.application_name
                    .strip_prefix("consilium:")
                    .map(str::to_string)
            })
            .collect();
        if live.is_empty() {
            // Connection names not visible to this role: fall back on the heartbeats.
            let horizon = now() - chrono::Duration::seconds(INSTANCE_TIMEOUT_SECS);
            live = instances::table
                .filter(instances::heartbeat_at.ge(horizon))
                .select(instances::id)
                .load(conn)?;
        }
        live.push(me.to_string());
        live
    };
    Ok(live)
}

/// The uploads of instances that are gone (none of them can still be running, see
/// `live_instances`), oldest first.
pub fn leftovers(conn: &mut DbConn, me: &str) -> AppResult<Vec<Leftover>> {
    let live = live_instances(conn, me)?;
    let rows: Vec<(String, Option<String>)> = object_uploads::table
        .filter(object_uploads::instance_id.ne_all(&live))
        .order(object_uploads::started_at.asc())
        .select((object_uploads::object_key, object_uploads::upload_id))
        .limit(1000)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(key, upload_id)| Leftover { key, upload_id })
        .collect())
}

/// Whether an attachment row holds `key` (its upload did complete).
pub fn is_attached(conn: &mut DbConn, key: &str) -> AppResult<bool> {
    Ok(attachments::table
        .filter(attachments::object_key.eq(key))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// The journal kept in the database, for one instance.
pub struct DbJournal {
    pub db: Db,
    pub instance_id: String,
}

impl UploadJournal for DbJournal {
    fn started(
        &self,
        key: String,
        upload_id: Option<String>,
    ) -> BoxFuture<'static, anyhow::Result<()>> {
        let (db, instance) = (self.db.clone(), self.instance_id.clone());
        async move {
            db.write(move |conn| record(conn, &key, upload_id.as_deref(), &instance))
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))
        }
        .boxed()
    }

    fn abandoned(&self, key: String) -> BoxFuture<'static, ()> {
        let db = self.db.clone();
        async move {
            if let Err(e) = db.write(move |conn| forget(conn, &key)).await {
                tracing::warn!(error = %e, "cannot take an aborted upload off the journal");
            }
        }
        .boxed()
    }
}

//! How committed changes reach the rooms of every instance.
//!
//! The committing transaction announces its change (`db::room::notify`: a transactional
//! `pg_notify` on PostgreSQL) and the committing instance feeds its own room directly. On
//! PostgreSQL, each instance also listens on a dedicated tokio-postgres connection: the
//! notifications carry only ids, rooms read the events from the table, and after a reconnect
//! every room re-reads what it may have missed. On SQLite there is one instance, and the
//! in-process bus has nothing to listen to.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio_postgres::AsyncMessage;

use super::hub::{Hub, Note};
use crate::db::Backend;
use crate::usecase;

pub const CHANNEL: &str = "consilium_live";

/// The source of notes from other instances.
pub trait Bus: Send + Sync + 'static {
    /// Starts delivering notes from other instances to `hub`.
    fn start(self: Arc<Self>, hub: Arc<Hub>);
}

/// One instance (SQLite): every change is committed here and delivered directly.
pub struct InProcessBus;

impl Bus for InProcessBus {
    fn start(self: Arc<Self>, _hub: Arc<Hub>) {}
}

/// Several instances on one PostgreSQL: LISTEN on a connection of its own.
pub struct PgBus {
    url: String,
}

impl Bus for PgBus {
    fn start(self: Arc<Self>, hub: Arc<Hub>) {
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(200);
            let mut first = true;
            loop {
                match self.listen(&hub, first).await {
                    Ok(()) => backoff = Duration::from_millis(200),
                    Err(e) => tracing::warn!(error = %e, "live notifications: connection lost"),
                }
                if hub.is_shutting_down() {
                    return;
                }
                first = false;
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        });
    }
}

impl PgBus {
    async fn listen(&self, hub: &Arc<Hub>, first: bool) -> anyhow::Result<()> {
        let (client, mut connection) =
            tokio_postgres::connect(&self.url, tokio_postgres::NoTls).await?;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        // The connection object must be polled to receive notifications.
        let driver = tokio::spawn(async move {
            let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
            while let Some(message) = messages.next().await {
                match message {
                    Ok(AsyncMessage::Notification(n)) => {
                        if tx.send(n.payload().to_string()).is_err() {
                            break;
                        }
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "live notifications: connection error");
                        break;
                    }
                }
            }
        });
        client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
        if !first {
            // Anything committed while we were away is in the tables.
            hub.resync_all();
        }
        tracing::info!("listening for live notifications");
        let own = crate::db::application_name(&hub.instance_id);
        while let Some(payload) = rx.recv().await {
            let Some((origin, text)) = payload.split_once(' ') else {
                tracing::warn!(%payload, "unknown live notification");
                continue;
            };
            // This instance fed its own rooms when it committed.
            if origin == own {
                continue;
            }
            match Note::parse(text) {
                Some(note) => hub.deliver(note),
                None => tracing::warn!(%payload, "unknown live notification"),
            }
        }
        driver.abort();
        drop(client);
        Ok(())
    }
}

/// The bus for a database URL.
pub fn for_database(url: &str) -> anyhow::Result<Arc<dyn Bus>> {
    Ok(match Backend::of_url(url)? {
        Backend::Sqlite => Arc::new(InProcessBus),
        Backend::Postgres => Arc::new(PgBus {
            url: url.to_string(),
        }),
    })
}

/// Keeps this instance's heartbeat fresh and forgets instances that stopped (their
/// connections leave the presence lists).
pub fn start_heartbeat(hub: Arc<Hub>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(10));
        let mut n: u64 = 0;
        loop {
            tick.tick().await;
            if hub.is_shutting_down() {
                return;
            }
            let id = hub.instance_id.clone();
            if let Err(e) = hub
                .db
                .write(move |c| crate::db::room::presence::heartbeat(c, &id))
                .await
            {
                tracing::warn!(error = %e, "heartbeat failed");
            }
            n += 1;
            if n.is_multiple_of(3) {
                match usecase::run(&hub.db, usecase::room::reap_instances).await {
                    Ok(done) => hub.publish(&done.events),
                    Err(e) => tracing::warn!(error = %e, "reaping instances failed"),
                }
            }
        }
    });
}

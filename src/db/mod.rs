//! Storage of rows on SQLite or PostgreSQL through one diesel codebase.
//!
//! The backend is picked from the URL scheme. Diesel is blocking, so every query runs through
//! [`Db::read`] or [`Db::write`], which move the work to tokio's blocking pool; no diesel call
//! ever runs on an async worker thread.

pub mod attachments;
pub mod audit;
pub mod boards;
pub mod counters;
pub mod decisions;
pub mod dossiers;
pub mod exports;
pub mod follow_ups;
pub mod group;
pub mod notifications;
pub mod object_uploads;
pub mod pacs_imports;
pub mod room;
pub mod schedules;
pub mod schema;
pub mod sessions;
pub mod sign_in;
pub mod templates;
pub mod users;
pub mod verify;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, anyhow};
use chrono::{NaiveDateTime, Timelike, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::R2D2Connection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::{AppError, AppResult};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// One connection to either database.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> anyhow::Result<Backend> {
        if url.starts_with("sqlite://") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(anyhow!(
                "unsupported database URL {:?}: use sqlite://PATH or postgres://…",
                crate::config::redact_url(url)
            ))
        }
    }
}

/// Opens connections of the backend named by the URL (never guessing, unlike `establish`).
pub struct Manager {
    url: String,
    backend: Backend,
    instance_id: String,
}

/// SQLite settings on every connection: WAL so readers never block the writer, foreign keys
/// enforced, a busy timeout for other processes (CLI commands), and full fsync at commit so an
/// acknowledged write survives a power cut.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;";

impl r2d2::ManageConnection for Manager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        match self.backend {
            Backend::Sqlite => {
                let path = self.url.trim_start_matches("sqlite://");
                let mut conn = diesel::SqliteConnection::establish(path)
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                conn.batch_execute(SQLITE_PRAGMAS)
                    .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
            Backend::Postgres => {
                let mut conn = diesel::PgConnection::establish(&self.url)
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                // Names the instance in pg_stat_activity, and in the notifications it sends
                // (see `room::notify`), so that an instance can skip its own.
                conn.batch_execute(&format!(
                    "SET application_name = '{}'",
                    application_name(&self.instance_id)
                ))
                .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(DbConn::Postgres(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        conn.is_broken()
    }
}

pub type Pool = r2d2::Pool<Manager>;

/// The connection pool and the rules for using it.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    backend: Backend,
    instance_id: String,
    /// SQLite has one writer at a time; taking turns here rather than in SQLite's busy loop
    /// keeps writers in order and avoids `database is locked` under load.
    sqlite_writer: Arc<Mutex<()>>,
    /// What writing notifications needs of the service, set once it has bound its address.
    delivery: Arc<std::sync::OnceLock<crate::domain::notification::Delivery>>,
    /// The group commit of room writes, started on first use (`group::GroupWriter`).
    group: Arc<std::sync::OnceLock<group::GroupWriter>>,
}

impl Db {
    /// Opens the pool of one instance (`instance_id` names it to the database).
    pub fn connect(url: &str, max_size: u32, instance_id: &str) -> anyhow::Result<Db> {
        let backend = Backend::of_url(url)?;
        if backend == Backend::Sqlite {
            let path = std::path::Path::new(url.trim_start_matches("sqlite://"));
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
        }
        let manager = Manager {
            url: url.to_string(),
            backend,
            instance_id: instance_id.to_string(),
        };
        let pool = r2d2::Pool::builder()
            .max_size(max_size)
            .min_idle(Some(1))
            // A round trip before every use only finds a PostgreSQL connection that a restart
            // of the server closed; an SQLite file has no connection to lose.
            .test_on_check_out(backend == Backend::Postgres)
            .connection_timeout(Duration::from_secs(10))
            .build(manager)
            .with_context(|| {
                format!(
                    "cannot connect to the database at {}",
                    crate::config::redact_url(url)
                )
            })?;
        Ok(Db {
            pool,
            backend,
            instance_id: instance_id.to_string(),
            sqlite_writer: Arc::new(Mutex::new(())),
            delivery: Arc::default(),
            group: Arc::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The id of the instance this pool belongs to.
    pub fn instance_id(&self) -> &str {
        &self.instance_id
    }

    /// Connections in use and idle, for metrics and readiness.
    pub fn pool_state(&self) -> r2d2::State {
        self.pool.state()
    }

    /// Applies pending migrations; on PostgreSQL under an advisory lock so that instances
    /// starting together do not race.
    pub fn migrate(&self) -> anyhow::Result<Vec<String>> {
        let mut conn = self.pool.get().context("no database connection")?;
        let names = |applied: Vec<diesel::migration::MigrationVersion<'_>>| {
            applied.iter().map(|m| m.to_string()).collect::<Vec<_>>()
        };
        match &mut *conn {
            DbConn::Sqlite(c) => c
                .run_pending_migrations(SQLITE_MIGRATIONS)
                .map(names)
                .map_err(|e| anyhow!("migration failed: {e}")),
            DbConn::Postgres(c) => {
                c.batch_execute("SELECT pg_advisory_lock(7460121)")?;
                let result = c
                    .run_pending_migrations(POSTGRES_MIGRATIONS)
                    .map(names)
                    .map_err(|e| anyhow!("migration failed: {e}"));
                c.batch_execute("SELECT pg_advisory_unlock(7460121)")?;
                result
            }
        }
    }

    /// Runs `f` on a pooled connection, on the calling thread. For start-up and CLI commands.
    pub fn blocking_read<T>(&self, f: impl FnOnce(&mut DbConn) -> AppResult<T>) -> AppResult<T> {
        let mut conn = self.pool.get()?;
        f(&mut conn)
    }

    /// Runs `f` in one transaction, on the calling thread. For start-up and CLI commands.
    pub fn blocking_write<T>(&self, f: impl FnOnce(&mut DbConn) -> AppResult<T>) -> AppResult<T> {
        let mut conn = self.pool.get()?;
        let _turn = match self.backend {
            Backend::Sqlite => Some(
                self.sqlite_writer
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()),
            ),
            Backend::Postgres => None,
        };
        let conn: &mut DbConn = &mut conn;
        conn.transaction(f)
    }

    /// Runs read-only work on the blocking pool.
    pub async fn read<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.blocking_read(f))
            .await
            .map_err(AppError::internal)?
    }

    /// Runs `f` in one transaction on the blocking pool: all of it is committed, or none.
    pub async fn write<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.blocking_write(f))
            .await
            .map_err(AppError::internal)?
    }

    /// Starts the group commit's task on the current tokio runtime (at start-up, so that it
    /// does not live on whichever worker wrote first).
    pub fn start_group_commit(&self) -> &group::GroupWriter {
        self.group.get_or_init(|| {
            // The committing task holds a pool without the queue: when the last clone of this
            // `Db` goes, the queue closes and the task ends.
            group::GroupWriter::start(Db {
                group: Arc::default(),
                ..self.clone()
            })
        })
    }

    /// Queues a write for the next group commit (see `group`).
    pub fn grouped(&self, job: Box<dyn group::Grouped>) {
        self.start_group_commit().submit(job);
    }

    /// How notifications are delivered (the default until the server sets it: no mail).
    pub fn delivery(&self) -> crate::domain::notification::Delivery {
        self.delivery.get().cloned().unwrap_or_default()
    }

    /// Sets how notifications are delivered, once, at start-up.
    pub fn set_delivery(&self, delivery: crate::domain::notification::Delivery) {
        let _ = self.delivery.set(delivery);
    }

    /// Whether the database answers, for `/readyz`.
    pub async fn is_ready(&self) -> bool {
        self.read(|conn| conn.ping().map_err(AppError::from))
            .await
            .is_ok()
    }
}

/// Announces a note to every instance once the transaction commits (PostgreSQL NOTIFY is
/// transactional), as `ORIGIN NOTE` where ORIGIN is the sending instance's application name:
/// the sender feeds its own rooms directly and skips its own notes. On SQLite there is one
/// instance, fed directly after the commit.
pub fn notify(conn: &mut DbConn, note: &str) -> AppResult<()> {
    if let DbConn::Postgres(pg) = conn {
        diesel::sql_query(
            "SELECT pg_notify('consilium_live', current_setting('application_name') || ' ' || $1)",
        )
        .bind::<diesel::sql_types::Text, _>(note)
        .execute(pg)?;
    }
    Ok(())
}

/// The current time as stored: naive UTC, truncated to the microseconds both backends keep.
pub fn now() -> NaiveDateTime {
    let now = Utc::now().naive_utc();
    now.with_nanosecond(now.nanosecond() / 1_000 * 1_000)
        .unwrap_or(now)
}

/// The PostgreSQL `application_name` of an instance's connections (only id characters).
pub fn application_name(instance_id: &str) -> String {
    let safe: String = instance_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    format!("consilium:{safe}")
}

/// A new random id.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Whether a diesel error is a unique-constraint violation.
pub fn is_unique_violation(err: &diesel::result::Error) -> bool {
    matches!(
        err,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

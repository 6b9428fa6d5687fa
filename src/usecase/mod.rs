//! The use cases: what a person (or the CLI) can do, one module per capability.
//!
//! A use case runs inside one transaction that its adapter opens (`run`): it loads what it
//! needs through `db/`, asks `domain/` what is allowed and what follows, writes through `db/`,
//! and returns its result with the typed [`Event`]s it caused. The adapters — HTTP handlers,
//! the live room, the CLI — call use cases and render their results; they hold no rules.
//!
//! Side effects hang on the events, in two places only:
//! - [`effects::within`] runs inside the same transaction, before it commits: the notes that
//!   tell the other instances (transactional `pg_notify`), and the notifications (the outbox, `notify`);
//! - after the commit the adapter hands the events to the local rooms (`live::Hub::publish`).

pub mod accounts;
pub mod attachments;
pub mod boards;
pub mod calendar;
pub mod catalogue;
pub mod dossiers;
pub mod effects;
pub mod events;
pub mod exports;
pub mod follow_ups;
pub mod imaging;
pub mod imports;
pub mod meetings;
pub mod notifications;
pub mod notify;
pub mod review;
pub mod room;
pub mod schedules;
pub mod sessions;
pub mod sign_in;
pub mod templates;
pub mod votes;

pub use events::Event;

use diesel::Connection;

use crate::db::{Db, DbConn};
use crate::error::{AppError, AppResult};

/// What a use case did: its result, and what happened.
#[derive(Debug)]
pub struct Done<T> {
    pub value: T,
    pub events: Vec<Event>,
}

impl<T> Done<T> {
    /// A result that changed nothing anyone needs to hear about.
    pub fn quiet(value: T) -> Done<T> {
        Done {
            value,
            events: Vec::new(),
        }
    }

    pub fn with(value: T, events: Vec<Event>) -> Done<T> {
        Done { value, events }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Done<U> {
        Done {
            value: f(self.value),
            events: self.events,
        }
    }
}

/// Runs a use case in one transaction on the blocking pool, with the in-transaction effects of
/// its events; all of it commits, or none.
pub async fn run<T, F>(db: &Db, f: F) -> AppResult<Done<T>>
where
    F: FnOnce(&mut DbConn) -> AppResult<Done<T>> + Send + 'static,
    T: Send + 'static,
{
    let delivery = db.delivery();
    db.write(move |conn| {
        let mut done = f(conn)?;
        let notified = effects::within(conn, &delivery, &done.events)?;
        done.events.extend(notified);
        Ok(done)
    })
    .await
}

/// [`run`] on the calling thread, for start-up and CLI commands.
pub fn run_blocking<T>(
    db: &Db,
    f: impl FnOnce(&mut DbConn) -> AppResult<Done<T>>,
) -> AppResult<Done<T>> {
    let delivery = db.delivery();
    db.blocking_write(move |conn| {
        let mut done = f(conn)?;
        let notified = effects::within(conn, &delivery, &done.events)?;
        done.events.extend(notified);
        Ok(done)
    })
}

/// [`run`] through the group commit (`db::group`): the use case runs in its own savepoint of a
/// transaction it may share with the writes that arrived while the previous one committed.
/// Once its rows are durable, `after` gets its events, in the order the writes ran (the room's
/// broadcast, so that events reach the rooms in `seq` order), then the caller its result.
pub async fn run_grouped<T, F, A>(db: &Db, key: &str, f: F, after: A) -> AppResult<Done<T>>
where
    F: FnOnce(&mut DbConn) -> AppResult<Done<T>> + Send + 'static,
    A: FnOnce(&[Event]) + Send + 'static,
    T: Send + 'static,
{
    let (reply, answer) = tokio::sync::oneshot::channel();
    db.grouped(Box::new(GroupJob {
        key: key.to_string(),
        work: Some(f),
        delivery: db.delivery(),
        result: None,
        after: Some(after),
        reply: Some(reply),
    }));
    answer.await.map_err(|_| {
        AppError::internal(anyhow::anyhow!("the write was dropped before it committed"))
    })?
}

struct GroupJob<T, F, A> {
    key: String,
    work: Option<F>,
    delivery: crate::domain::notification::Delivery,
    result: Option<AppResult<Done<T>>>,
    after: Option<A>,
    reply: Option<tokio::sync::oneshot::Sender<AppResult<Done<T>>>>,
}

impl<T, F, A> crate::db::group::Grouped for GroupJob<T, F, A>
where
    F: FnOnce(&mut DbConn) -> AppResult<Done<T>> + Send + 'static,
    A: FnOnce(&[Event]) + Send + 'static,
    T: Send + 'static,
{
    fn key(&self) -> &str {
        &self.key
    }

    fn apply(&mut self, conn: &mut DbConn) {
        let Some(f) = self.work.take() else { return };
        let delivery = &self.delivery;
        self.result = Some(conn.transaction(|c| {
            let mut done = f(c)?;
            let notified = effects::within(c, delivery, &done.events)?;
            done.events.extend(notified);
            Ok(done)
        }));
    }

    fn settle(mut self: Box<Self>, committed: Result<(), std::sync::Arc<str>>) {
        let result = match (committed, self.result.take()) {
            (Ok(()), Some(result)) => result,
            // Refused on its own: nothing of it was written either way.
            (Err(_), Some(Err(refused))) => Err(refused),
            (Err(cause), _) => Err(AppError::internal(anyhow::anyhow!(
                "not committed: {cause}"
            ))),
            (Ok(()), None) => Err(AppError::internal(anyhow::anyhow!("the write did not run"))),
        };
        if let (Ok(done), Some(after)) = (&result, self.after.take()) {
            after(&done.events);
        }
        if let Some(reply) = self.reply.take() {
            let _ = reply.send(result);
        }
    }
}

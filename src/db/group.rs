//! Group commit: writes that arrive while a commit is in flight share the next transaction.
//!
//! Each write (a [`Grouped`] job) runs in its own savepoint inside the shared transaction, so
//! that one refused command rolls back only its own rows. The transaction then commits once
//! (one fsync on SQLite, one round trip to disk on PostgreSQL) and every job is settled, in the
//! order it ran, with whether its rows are durable. Nobody hears of a write before that.
//!
//! Jobs are ordered by their key (the room's session) before they run, keeping the arrival
//! order within a key: every batch takes the rows of several sessions in the same order, so
//! that two instances' batches on one PostgreSQL cannot wait for each other in a circle.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::{Db, DbConn};

/// Jobs taken into one transaction at most.
const MAX_BATCH: usize = 256;

/// One write of a group.
pub trait Grouped: Send {
    /// What orders the batch (the jobs of one key run in arrival order).
    fn key(&self) -> &str;
    /// Runs in the shared transaction; the job opens its own savepoint and keeps its result.
    fn apply(&mut self, conn: &mut DbConn);
    /// After the batch: `Ok` when the transaction committed, with its rows durable.
    fn settle(self: Box<Self>, committed: Result<(), Arc<str>>);
}

/// The queue of the instance's grouped writes and the task that commits them.
#[derive(Clone)]
pub struct GroupWriter {
    tx: mpsc::UnboundedSender<Box<dyn Grouped>>,
}

impl GroupWriter {
    /// Starts the committing task on the current tokio runtime.
    pub fn start(db: Db) -> GroupWriter {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(commit_loop(db, rx));
        GroupWriter { tx }
    }

    /// Queues a job; a job that cannot be queued (the task is gone) is settled as failed.
    pub fn submit(&self, job: Box<dyn Grouped>) {
        if let Err(mpsc::error::SendError(job)) = self.tx.send(job) {
            job.settle(Err("the database writer stopped".into()));
        }
    }
}

async fn commit_loop(db: Db, mut rx: mpsc::UnboundedReceiver<Box<dyn Grouped>>) {
    let mut batch: Vec<Box<dyn Grouped>> = Vec::new();
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let taken = std::mem::take(&mut batch);
        let db = db.clone();
        let ran = tokio::task::spawn_blocking(move || {
            let mut jobs = taken;
            jobs.sort_by(|a, b| a.key().cmp(b.key()));
            let outcome = db.blocking_write(|conn| {
                for job in jobs.iter_mut() {
                    job.apply(conn);
                }
                Ok(())
            });
            (jobs, outcome.map_err(|e| Arc::<str>::from(e.to_string())))
        })
        .await;
        match ran {
            Ok((jobs, outcome)) => {
                if let Err(e) = &outcome {
                    tracing::error!(error = %e, jobs = jobs.len(), "group commit failed");
                }
                for job in jobs {
                    job.settle(outcome.clone());
                }
            }
            // A panic in a job: the transaction rolled back, and the jobs' answers were
            // dropped with them, which their callers see as a failure.
            Err(e) => tracing::error!(error = %e, "group commit panicked"),
        }
    }
}

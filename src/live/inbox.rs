//! Whose inbox just changed, for their open pages (`GET /api/me/events`): a broadcast of user
//! ids fed by the `n:` notes of every instance, and a signal that the server is stopping, on
//! which every event stream ends (the pages reconnect to the next server).

use std::sync::Arc;

use tokio::sync::{broadcast, watch};

pub struct Inbox {
    changed: broadcast::Sender<Arc<str>>,
    stopping: watch::Sender<bool>,
}

impl Default for Inbox {
    fn default() -> Inbox {
        Inbox {
            changed: broadcast::channel(1024).0,
            stopping: watch::channel(false).0,
        }
    }
}

impl Inbox {
    /// Tells the open pages of `user_id` that their inbox changed.
    pub fn tell(&self, user_id: &str) {
        let _ = self.changed.send(user_id.into());
    }

    /// The changes to come, and the stop signal.
    pub fn subscribe(&self) -> (broadcast::Receiver<Arc<str>>, watch::Receiver<bool>) {
        (self.changed.subscribe(), self.stopping.subscribe())
    }

    /// The server is stopping: every event stream ends.
    pub fn close(&self) {
        self.stopping.send_replace(true);
        tracing::info!(
            streams = self.stopping.receiver_count(),
            "inbox streams told to end"
        );
    }
}

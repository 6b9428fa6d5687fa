//! The connections open on this instance, with a count per user (for the per-user cap, without
//! walking every connection on each join).

use std::collections::HashMap;

use super::conn::ConnHandle;

#[derive(Default)]
pub struct Registry {
    by_id: HashMap<u64, ConnHandle>,
    per_user: HashMap<String, usize>,
}

impl Registry {
    /// Adds a connection unless its user already has `max` open; whether it was added.
    pub fn register(&mut self, conn: &ConnHandle, max: usize) -> bool {
        let open = self.per_user.entry(conn.user_id.clone()).or_insert(0);
        if *open >= max {
            return false;
        }
        *open += 1;
        self.by_id.insert(conn.id, conn.clone());
        true
    }

    pub fn unregister(&mut self, conn_id: u64) {
        let Some(conn) = self.by_id.remove(&conn_id) else {
            return;
        };
        if let Some(open) = self.per_user.get_mut(&conn.user_id) {
            *open -= 1;
            if *open == 0 {
                self.per_user.remove(&conn.user_id);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn all(&self) -> impl Iterator<Item = &ConnHandle> {
        self.by_id.values()
    }

    pub fn of_user(&self, user_id: &str) -> Vec<ConnHandle> {
        if !self.per_user.contains_key(user_id) {
            return Vec::new();
        }
        self.all()
            .filter(|c| c.user_id == user_id)
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::domain::room::RoomRole;
    use crate::domain::room_visibility::Viewer;

    fn conn(id: u64, user: &str) -> ConnHandle {
        let (tx, _) = tokio::sync::mpsc::channel(1);
        ConnHandle {
            id,
            user_id: user.into(),
            token_id: "t".into(),
            session_id: "s".into(),
            viewer: Arc::new(Viewer::of(RoomRole::Member, false, user, Vec::new())),
            tx,
            close: Arc::default(),
        }
    }

    #[test]
    fn caps_each_user_and_frees_a_place_on_leaving() {
        let mut r = Registry::default();
        assert!(r.register(&conn(1, "a"), 2));
        assert!(r.register(&conn(2, "a"), 2));
        assert!(!r.register(&conn(3, "a"), 2));
        assert!(r.register(&conn(4, "b"), 2));
        assert_eq!(r.len(), 3);
        assert_eq!(r.of_user("a").len(), 2);
        r.unregister(1);
        r.unregister(1);
        assert!(r.register(&conn(5, "a"), 2));
        r.unregister(2);
        r.unregister(5);
        assert!(r.of_user("a").is_empty());
        assert!(!r.is_empty());
        r.unregister(4);
        assert!(r.is_empty());
    }
}

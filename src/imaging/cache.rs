//! Memory the renderer keeps: the latest values by key within a byte budget, and one running
//! computation per key shared by everyone who asks for it meanwhile.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

use super::ImagingError;

/// Least-recently-used values within `budget` bytes (as their owners count them).
pub struct Lru<V> {
    inner: Mutex<LruInner<V>>,
}

struct LruInner<V> {
    budget: usize,
    used: usize,
    clock: u64,
    entries: HashMap<String, (V, usize, u64)>,
}

impl<V: Clone> Lru<V> {
    pub fn new(budget: usize) -> Lru<V> {
        Lru {
            inner: Mutex::new(LruInner {
                budget,
                used: 0,
                clock: 0,
                entries: HashMap::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruInner<V>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, key: &str) -> Option<V> {
        let mut inner = self.lock();
        inner.clock += 1;
        let now = inner.clock;
        let entry = inner.entries.get_mut(key)?;
        entry.2 = now;
        Some(entry.0.clone())
    }

    /// Keeps `value`; what was used least recently goes to make room. A value larger than the
    /// whole budget is not kept.
    pub fn put(&self, key: &str, value: V, size: usize) {
        let mut inner = self.lock();
        if size > inner.budget {
            return;
        }
        inner.clock += 1;
        let now = inner.clock;
        if let Some((_, old, _)) = inner.entries.insert(key.to_string(), (value, size, now)) {
            inner.used -= old;
        }
        inner.used += size;
        while inner.used > inner.budget {
            let Some(oldest) = inner
                .entries
                .iter()
                .min_by_key(|(_, (_, _, at))| *at)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some((_, size, _)) = inner.entries.remove(&oldest) {
                inner.used -= size;
            }
        }
    }

    pub fn remove(&self, key: &str) {
        let mut inner = self.lock();
        if let Some((_, size, _)) = inner.entries.remove(key) {
            inner.used -= size;
        }
    }

    pub fn remove_prefix(&self, prefix: &str) {
        let mut inner = self.lock();
        let keys: Vec<String> = inner
            .entries
            .keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect();
        for key in keys {
            if let Some((_, size, _)) = inner.entries.remove(&key) {
                inner.used -= size;
            }
        }
    }
}

/// The answers of an access check remembered for a moment, by token and object: a viewer asks
/// for many frames of one attachment in a burst, and each would otherwise cost a database read.
/// An answer is kept `ttl` at most (browsers keep the frames themselves for a day).
pub struct Grants<V> {
    ttl: Duration,
    entries: Mutex<HashMap<(String, String), (V, Instant)>>,
}

/// How many answers are kept before the expired ones are swept.
const GRANTS_SWEEP: usize = 4096;

impl<V: Clone> Grants<V> {
    pub fn new(ttl: Duration) -> Grants<V> {
        Grants {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), (V, Instant)>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, token_id: &str, object: &str) -> Option<V> {
        let entries = self.lock();
        let (value, at) = entries.get(&(token_id.to_string(), object.to_string()))?;
        (at.elapsed() < self.ttl).then(|| value.clone())
    }

    pub fn put(&self, token_id: &str, object: &str, value: V) {
        let mut entries = self.lock();
        if entries.len() >= GRANTS_SWEEP {
            let ttl = self.ttl;
            entries.retain(|_, (_, at)| at.elapsed() < ttl);
            if entries.len() >= GRANTS_SWEEP {
                entries.clear();
            }
        }
        entries.insert(
            (token_id.to_string(), object.to_string()),
            (value, Instant::now()),
        );
    }

    /// Forgets every answer about `object` (it was deleted).
    pub fn forget(&self, object: &str) {
        self.lock().retain(|(_, o), _| o != object);
    }
}

type Cell<V> = Arc<OnceCell<Result<V, ImagingError>>>;

/// Computations in flight, by key.
pub struct Flights<V> {
    running: Mutex<HashMap<String, Cell<V>>>,
}

impl<V> Default for Flights<V> {
    fn default() -> Self {
        Flights {
            running: Mutex::new(HashMap::new()),
        }
    }
}

impl<V: Clone> Flights<V> {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cell<V>>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The result of `work`, or of the same key's work already running.
    pub async fn run(
        &self,
        key: &str,
        work: impl Future<Output = Result<V, ImagingError>>,
    ) -> Result<V, ImagingError> {
        let cell = self
            .lock()
            .entry(key.to_string())
            .or_insert_with(|| Arc::new(OnceCell::new()))
            .clone();
        let result = cell.get_or_init(|| work).await.clone();
        let mut running = self.lock();
        if running.get(key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
            running.remove(key);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_recently_used_goes_first() {
        let lru = Lru::new(10);
        lru.put("a", 1, 4);
        lru.put("b", 2, 4);
        assert_eq!(lru.get("a"), Some(1));
        lru.put("c", 3, 4);
        assert_eq!(lru.get("b"), None);
        assert_eq!(lru.get("a"), Some(1));
        assert_eq!(lru.get("c"), Some(3));
        lru.put("huge", 4, 11);
        assert_eq!(lru.get("huge"), None);
        lru.remove_prefix("a");
        assert_eq!(lru.get("a"), None);
    }

    #[tokio::test]
    async fn one_flight_serves_everyone_waiting() {
        let flights: Arc<Flights<u32>> = Arc::new(Flights::default());
        let runs = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (flights, runs) = (flights.clone(), runs.clone());
            tasks.push(tokio::spawn(async move {
                flights
                    .run("k", async {
                        runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        Ok(7)
                    })
                    .await
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap(), 7);
        }
        assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 1);
        // Once done, the key runs again.
        assert_eq!(flights.run("k", async { Ok(8) }).await.unwrap(), 8);
    }
}

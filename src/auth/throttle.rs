//! Sign-in throttling: after too many failed attempts for one account or from one address
//! within a window, further attempts are refused (429 with Retry-After) until the oldest
//! failure leaves the window. Nothing is locked for good.
//!
//! An attempt is counted when it is admitted, before its password is checked, and uncounted
//! only if it succeeds: checking and counting under one lock is what keeps the limit under
//! concurrency (300 parallel guesses once got 82 password checks when the count came after the
//! slow argon2 verification).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub per_account: usize,
    pub per_address: usize,
    pub window: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_account: 5,
            per_address: 30,
            window: Duration::from_secs(15 * 60),
        }
    }
}

/// How many keys are remembered at most; beyond that the oldest windows are forgotten first.
const MAX_KEYS: usize = 100_000;

pub struct LoginThrottle {
    limits: Limits,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

fn account_key(email_key: &str) -> String {
    format!("a:{email_key}")
}

fn address_key(address: &str) -> String {
    format!("i:{address}")
}

impl LoginThrottle {
    pub fn new(limits: Limits) -> LoginThrottle {
        LoginThrottle {
            limits,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Admits an attempt for this account from this address and counts it at once, or
    /// refuses it with how long to wait. A success must be reported with
    /// [`LoginThrottle::succeeded`]; anything else stays counted as a failure.
    pub fn admit(&self, email_key: &str, address: &str) -> Result<Attempt, Duration> {
        self.admit_at(email_key, address, Instant::now())
    }

    fn admit_at(&self, email_key: &str, address: &str, now: Instant) -> Result<Attempt, Duration> {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if failures.len() >= MAX_KEYS {
            let window = self.limits.window;
            failures.retain(|_, times| {
                prune(times, now, window);
                !times.is_empty()
            });
        }
        let checks = [
            (account_key(email_key), self.limits.per_account),
            (address_key(address), self.limits.per_address),
        ];
        let mut wait: Option<Duration> = None;
        for (key, max) in &checks {
            if let Some(times) = failures.get_mut(key) {
                prune(times, now, self.limits.window);
                if times.len() >= *max
                    && let Some(oldest) = times.front()
                {
                    let w = (*oldest + self.limits.window).saturating_duration_since(now);
                    wait = Some(wait.map_or(w, |x| x.max(w)));
                }
            }
        }
        if let Some(wait) = wait {
            return Err(wait);
        }
        for (key, _) in checks {
            failures.entry(key).or_default().push_back(now);
        }
        Ok(Attempt {
            account: account_key(email_key),
            address: address_key(address),
            at: now,
        })
    }

    /// A successful sign-in clears the account's failures and takes its own attempt off the
    /// address's count (so that many colleagues behind one hospital address can sign in).
    pub fn succeeded(&self, attempt: Attempt) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.remove(&attempt.account);
        if let Some(times) = failures.get_mut(&attempt.address)
            && let Some(i) = times.iter().rposition(|t| *t == attempt.at)
        {
            times.remove(i);
        }
    }
}

/// An admitted sign-in attempt, counted as a failure until it is reported as a success.
#[derive(Debug)]
#[must_use]
pub struct Attempt {
    account: String,
    address: String,
    at: Instant,
}

fn prune(times: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while times
        .front()
        .is_some_and(|t| now.saturating_duration_since(*t) >= window)
    {
        times.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle() -> LoginThrottle {
        LoginThrottle::new(Limits {
            per_account: 3,
            per_address: 5,
            window: Duration::from_secs(60),
        })
    }

    #[test]
    fn an_account_is_throttled_then_recovers() {
        let t = throttle();
        let start = Instant::now();
        for i in 0..3 {
            let _failed = t
                .admit_at("ada", "10.0.0.1", start + Duration::from_secs(i))
                .unwrap();
        }
        let wait = t
            .admit_at("ada", "10.0.0.2", start + Duration::from_secs(10))
            .unwrap_err();
        assert_eq!(wait, Duration::from_secs(50));
        // Other accounts are not affected.
        assert!(
            t.admit_at("bob", "10.0.0.2", start + Duration::from_secs(10))
                .is_ok()
        );
        // After the window, attempts are allowed again.
        assert!(
            t.admit_at("ada", "10.0.0.1", start + Duration::from_secs(61))
                .is_ok()
        );
    }

    #[test]
    fn attempts_count_when_admitted_not_when_they_fail() {
        // Attempts still in flight (admitted, not yet reported) already count.
        let t = throttle();
        let now = Instant::now();
        let in_flight: Vec<_> = (0..3).map(|_| t.admit_at("ada", "10.0.0.1", now)).collect();
        assert!(in_flight.iter().all(Result::is_ok));
        assert!(t.admit_at("ada", "10.0.0.1", now).is_err());
    }

    #[test]
    fn an_address_is_throttled_across_accounts() {
        let t = throttle();
        let now = Instant::now();
        for i in 0..5 {
            let _failed = t.admit_at(&format!("user{i}"), "10.0.0.9", now).unwrap();
        }
        assert!(t.admit_at("someone-else", "10.0.0.9", now).is_err());
        assert!(t.admit_at("someone-else", "10.0.0.10", now).is_ok());
    }

    #[test]
    fn success_clears_the_account_and_its_own_attempt() {
        let t = throttle();
        let now = Instant::now();
        for _ in 0..2 {
            let _failed = t.admit_at("ada", "10.0.0.1", now).unwrap();
        }
        let ok = t.admit_at("ada", "10.0.0.1", now).unwrap();
        t.succeeded(ok);
        let _failed = t.admit_at("ada", "10.0.0.1", now).unwrap();
        assert!(t.admit_at("ada", "10.0.0.1", now).is_ok());
        // Successful sign-ins from one address do not use up its allowance.
        for i in 0..20 {
            let ok = t
                .admit_at(&format!("colleague{i}"), "10.0.0.2", now)
                .unwrap();
            t.succeeded(ok);
        }
        assert!(t.admit_at("last", "10.0.0.2", now).is_ok());
    }
}

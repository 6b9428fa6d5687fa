//! The tunables of the live rooms.

use std::time::Duration;

/// Tunables of the live rooms.
#[derive(Debug, Clone)]
pub struct LiveSettings {
    /// Messages a connection may have waiting; a client that lets more pile up is closed (4008).
    pub queue_capacity: usize,
    /// Commands per second a connection may send, with a burst of twice that.
    pub commands_per_sec: f64,
    pub hello_timeout: Duration,
    pub ping_interval: Duration,
    pub idle_timeout: Duration,
    /// Open room connections one user may have on this instance; more are refused (4429).
    pub max_connections_per_user: usize,
}

impl Default for LiveSettings {
    fn default() -> Self {
        LiveSettings {
            queue_capacity: 256,
            commands_per_sec: 20.0,
            hello_timeout: Duration::from_secs(10),
            ping_interval: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            max_connections_per_user: 8,
        }
    }
}

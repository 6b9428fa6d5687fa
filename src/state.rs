//! The one shared state of the running service, held in `web::Data`.

use std::sync::Arc;

use crate::auth::throttle::LoginThrottle;
use crate::auth::token::Keys;
use crate::config::Config;
use crate::db::Db;
use crate::live::Hub;
use crate::storage::Storage;

pub struct AppState {
    pub config: Config,
    pub db: Db,
    pub storage: Storage,
    pub keys: Keys,
    pub hub: Arc<Hub>,
    pub throttle: LoginThrottle,
    /// Turns to de-identify an upload (`CONSILIUM_DEIDENTIFY_CONCURRENCY`).
    pub deidentify_turns: Arc<tokio::sync::Semaphore>,
}

//! The one shared state of the running service, held in `web::Data`.

use std::sync::Arc;

use crate::auth::throttle::LoginThrottle;
use crate::auth::token::Keys;
use crate::config::Config;
use crate::db::Db;
use crate::live::Hub;
use crate::storage::Storage;
use crate::storage::spool::SpoolDir;

pub struct AppState {
    pub config: Config,
    pub db: Db,
    pub storage: Storage,
    /// This process's own folder for uploads being de-identified.
    pub spool: SpoolDir,
    /// Series and rendered frames of DICOM attachments.
    pub imaging: Arc<crate::imaging::Imaging>,
    pub keys: Keys,
    /// The base of links in mails and calendars, without a trailing `/`.
    pub public_url: String,
    pub hub: Arc<Hub>,
    pub throttle: LoginThrottle,
    /// The address of the metrics-only listener, when there is one.
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// Turns to de-identify an upload (`CONSILIUM_DEIDENTIFY_CONCURRENCY`).
    pub deidentify_turns: Arc<tokio::sync::Semaphore>,
    /// The OpenID provider, when sign-in through one is configured.
    pub oidc: Option<Arc<crate::auth::oidc::Provider>>,
    /// Imports from the PACS, when one is configured.
    pub importer: Option<Arc<crate::pacs::runner::Importer>>,
}

//! Configuration from the environment and flags (API.md section 1), with defaults that run on a
//! fresh machine: SQLite and objects under `./data`, a JWT secret generated on first start.
//!
//! `settings.rs` holds the flags and environment variables, `resolve.rs` checks them and fills
//! in the defaults, `secret.rs` loads or generates the JWT secret.

mod resolve;
mod secret;
mod settings;

use std::net::SocketAddr;
use std::path::PathBuf;

pub use settings::Settings;

/// How uploads are de-identified.
#[derive(Debug, Clone)]
pub struct IngestConfig {
    pub limits: crate::ingest::Limits,
    pub dates: crate::ingest::Dates,
    /// Keys the replacement UIDs and date shifts (derived from the JWT secret).
    pub key: crate::ingest::PseudonymKey,
    pub concurrency: usize,
    pub queue_wait: std::time::Duration,
}

impl IngestConfig {
    /// The options of an upload to `dossier_id`: its UIDs and dates are pseudonymised with the
    /// dossier's own key.
    pub fn options_for(&self, dossier_id: &str) -> crate::ingest::Options {
        crate::ingest::Options {
            limits: self.limits,
            profile: crate::ingest::Profile::new(self.dates, self.key.for_dossier(dossier_id)),
        }
    }
}

/// How mails go out (API.md section 12).
#[derive(Clone)]
pub struct MailConfig {
    /// `None`: no mail.
    pub smtp_url: Option<String>,
    pub from: String,
    pub poll: std::time::Duration,
    pub first_retry: std::time::Duration,
}

impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("from", &self.from)
            .field("poll", &self.poll)
            .field("first_retry", &self.first_retry)
            .finish()
    }
}

/// Resolved configuration: every default filled in, the secret loaded.
#[derive(Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub object_store_url: String,
    pub jwt_secret: Vec<u8>,
    pub token_ttl_secs: u64,
    pub max_upload_bytes: u64,
    pub live_queue_capacity: usize,
    pub live_commands_per_sec: f64,
    pub max_live_connections_per_user: usize,
    pub db_pool_size: Option<u32>,
    pub login_limits: crate::auth::throttle::Limits,
    pub trust_forwarded: bool,
    /// S3 endpoint and credentials, for an `s3://` object store.
    pub s3: crate::storage::S3Settings,
    /// Origins allowed to call the API from a browser (none by default).
    pub cors_origins: Vec<String>,
    /// The base of links in mails and calendars (`CONSILIUM_PUBLIC_URL`), without a trailing
    /// `/`; `None`: `http://` and the address the server listens on.
    pub public_url: Option<String>,
    /// The time zone of board schedules, mails and calendars (`CONSILIUM_TIMEZONE`).
    pub timezone: chrono_tz::Tz,
    pub mail: MailConfig,
    /// How long a request body may stall.
    pub body_idle_timeout: std::time::Duration,
    pub metrics_bind: Option<SocketAddr>,
    pub metrics_token: Option<String>,
    pub ingest: IngestConfig,
    /// Sign-in through an OpenID provider (API.md section 14); `None`: off.
    pub oidc: Option<crate::auth::oidc::OidcSettings>,
    /// Whether non-administrators may sign in with a password (`CONSILIUM_PASSWORD_LOGIN`).
    pub password_login: bool,
    /// The hospital's PACS over DICOMweb (API.md section 15); `None`: off.
    pub pacs: Option<crate::pacs::PacsSettings>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact_url(&self.database_url))
            .field("object_store_url", &self.object_store_url)
            .field("jwt_secret", &"***")
            .field("token_ttl_secs", &self.token_ttl_secs)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("live_queue_capacity", &self.live_queue_capacity)
            .field("live_commands_per_sec", &self.live_commands_per_sec)
            .field(
                "max_live_connections_per_user",
                &self.max_live_connections_per_user,
            )
            .field("db_pool_size", &self.db_pool_size)
            .field("login_limits", &self.login_limits)
            .field("trust_forwarded", &self.trust_forwarded)
            .field("s3", &self.s3)
            .field("cors_origins", &self.cors_origins)
            .field("public_url", &self.public_url)
            .field("timezone", &self.timezone)
            .field("mail", &self.mail)
            .field("body_idle_timeout", &self.body_idle_timeout)
            .field("metrics_bind", &self.metrics_bind)
            .field("metrics_token", &self.metrics_token.as_ref().map(|_| "***"))
            .field("ingest", &self.ingest)
            .field("oidc", &self.oidc)
            .field("password_login", &self.password_login)
            .field("pacs", &self.pacs)
            .finish()
    }
}

impl Config {
    /// Where uploads are spooled while they are de-identified (inside the data dir, so on the
    /// same disk as the local object store).
    pub fn spool_dir(&self) -> PathBuf {
        self.data_dir.join("tmp")
    }
}

/// A database URL with any password replaced, for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/consilium"),
            "postgres://app:***@db:5432/consilium"
        );
        assert_eq!(redact_url("sqlite://./data/x.db"), "sqlite://./data/x.db");
    }
}

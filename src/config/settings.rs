//! The settings as given: flags and environment variables, each flag overriding its variable,
//! with the defaults that run on a fresh machine. `resolve.rs` checks them and fills in the rest.

use std::net::SocketAddr;
use std::path::PathBuf;

/// The settings every command shares. Each flag overrides its environment variable. Where the
/// data lives (data dir, database, object store) may follow any command; the serving settings
/// come before the command (`consilium --bind … serve`) or from the environment, so that the
/// help of `demo`, `user`, `export` and `report` lists only what they use.
#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// Listen address; port 0 picks a free port.
    #[arg(long, env = "CONSILIUM_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Where the default database, objects and generated secret live.
    #[arg(
        long,
        env = "CONSILIUM_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// `sqlite://PATH` or `postgres://…` (default: `sqlite://<data dir>/consilium.db`).
    #[arg(long, env = "CONSILIUM_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// `file://DIR`, `memory://` or `s3://BUCKET` (default: `file://<data dir>/objects`).
    #[arg(long, env = "CONSILIUM_OBJECT_STORE_URL", global = true)]
    pub object_store_url: Option<String>,
    /// Lifetime of issued tokens, in seconds.
    #[arg(long, env = "CONSILIUM_TOKEN_TTL_SECS", default_value_t = 3600)]
    pub token_ttl_secs: u64,
    /// Largest attachment accepted, in bytes.
    #[arg(
        long,
        env = "CONSILIUM_MAX_UPLOAD_BYTES",
        default_value_t = 4_294_967_296
    )]
    pub max_upload_bytes: u64,
    /// Messages a live-room connection may have waiting before it is closed with 4008.
    #[arg(long, env = "CONSILIUM_LIVE_QUEUE_CAPACITY", default_value_t = 256)]
    pub live_queue_capacity: usize,
    /// Commands per second one live-room connection may send (bursts of twice that).
    #[arg(long, env = "CONSILIUM_LIVE_COMMANDS_PER_SEC", default_value_t = 20.0)]
    pub live_commands_per_sec: f64,
    /// Open live-room connections one user may have on one instance; more are refused (4429).
    #[arg(
        long,
        env = "CONSILIUM_MAX_LIVE_CONNECTIONS_PER_USER",
        default_value_t = 8
    )]
    pub max_live_connections_per_user: usize,
    /// Database connections per instance (default: 8 on SQLite, 16 on PostgreSQL).
    #[arg(long, env = "CONSILIUM_DB_POOL_SIZE")]
    pub db_pool_size: Option<u32>,
    /// Failed sign-ins are counted over this many seconds.
    #[arg(long, env = "CONSILIUM_LOGIN_WINDOW_SECS", default_value_t = 900)]
    pub login_window_secs: u64,
    /// Failed sign-ins allowed per account within the window.
    #[arg(long, env = "CONSILIUM_LOGIN_MAX_PER_ACCOUNT", default_value_t = 5)]
    pub login_max_per_account: usize,
    /// Failed sign-ins allowed per client address within the window.
    #[arg(long, env = "CONSILIUM_LOGIN_MAX_PER_ADDRESS", default_value_t = 30)]
    pub login_max_per_address: usize,
    /// Take the client address from X-Forwarded-For / Forwarded (only behind a trusted proxy).
    #[arg(long, env = "CONSILIUM_TRUST_FORWARDED", default_value_t = false)]
    pub trust_forwarded: bool,
    /// Web origins (comma-separated, e.g. `https://portal.chu.example`) whose pages may call
    /// the API from a browser. Empty: no cross-origin access at all.
    #[arg(long, env = "CONSILIUM_CORS_ORIGINS", default_value = "")]
    pub cors_origins: String,
    /// The base of every link in mails and calendars, e.g. `https://rcp.chu.example`
    /// (default: `http://` and the address the server listens on).
    #[arg(long, env = "CONSILIUM_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// The time zone of board schedules, mails and calendars (an IANA name).
    #[arg(long, env = "CONSILIUM_TIMEZONE", default_value = "Europe/Paris")]
    pub timezone: String,
    /// SMTP server for mails: `smtp://HOST:PORT`, `smtp://USER:PASS@HOST:587?tls=required`,
    /// `smtps://HOST:465`. Empty: no mail (notifications stay in the in-app inbox).
    #[arg(long, env = "CONSILIUM_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of mails.
    #[arg(
        long,
        env = "CONSILIUM_MAIL_FROM",
        default_value = "Consilium <no-reply@localhost>"
    )]
    pub mail_from: String,
    /// How often the mail sender looks for due mails, in milliseconds.
    #[arg(long, env = "CONSILIUM_MAIL_POLL_MS", default_value_t = 5000)]
    pub mail_poll_ms: u64,
    /// The wait after a first failed try, in milliseconds; it doubles up to an hour.
    #[arg(long, env = "CONSILIUM_MAIL_RETRY_MS", default_value_t = 60_000)]
    pub mail_retry_ms: u64,
    /// Seconds the server waits for the next bytes of a request body before it gives up (408).
    #[arg(long, env = "CONSILIUM_BODY_IDLE_TIMEOUT_SECS", default_value_t = 30)]
    pub body_idle_timeout_secs: u64,
    /// A separate listen address serving only `/metrics`, without a token (for the internal
    /// network), e.g. `127.0.0.1:9464`.
    #[arg(long, env = "CONSILIUM_METRICS_BIND")]
    pub metrics_bind: Option<SocketAddr>,
    /// A bearer token (at least 16 characters) that opens `/metrics` on the main listener.
    #[arg(long, env = "CONSILIUM_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// De-identifications (DICOM files, zip archives) that run at once; more uploads wait for
    /// a turn. Bounds the CPU, memory and spool disk they use together.
    #[arg(long, env = "CONSILIUM_DEIDENTIFY_CONCURRENCY", default_value_t = 2)]
    pub deidentify_concurrency: usize,
    /// Seconds an upload waits for a de-identification turn before it is answered 503.
    #[arg(long, env = "CONSILIUM_DEIDENTIFY_QUEUE_SECS", default_value_t = 30)]
    pub deidentify_queue_secs: u64,
    /// Bytes one upload may unpack to (zip entries, nested archives, deflated DICOM).
    #[arg(
        long,
        env = "CONSILIUM_MAX_UNPACKED_BYTES",
        default_value_t = 17_179_869_184
    )]
    pub max_unpacked_bytes: u64,
    /// Entries one zip upload may hold, nested archives included.
    #[arg(long, env = "CONSILIUM_MAX_ARCHIVE_ENTRIES", default_value_t = 50_000)]
    pub max_archive_entries: usize,
    /// DICOM dates: `keep` them, or `shift` them back by the same number of days (1 to
    /// CONSILIUM_DICOM_DATE_SHIFT_MAX_DAYS) for every upload of a dossier.
    #[arg(long, env = "CONSILIUM_DICOM_DATES", default_value = "keep")]
    pub dicom_dates: String,
    /// The largest shift of DICOM dates, in days, when they are shifted.
    #[arg(
        long,
        env = "CONSILIUM_DICOM_DATE_SHIFT_MAX_DAYS",
        default_value_t = 365
    )]
    pub dicom_date_shift_max_days: u16,
    /// The OpenID provider's issuer URL (its `/.well-known/openid-configuration` is read at
    /// start). Empty: no sign-in through a provider.
    #[arg(long, env = "CONSILIUM_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,
    /// The client registered at the provider.
    #[arg(long, env = "CONSILIUM_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,
    /// The client's secret (sent to the token endpoint with HTTP basic authentication).
    #[arg(long, env = "CONSILIUM_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,
    /// The scopes asked for, space-separated (`openid` is always asked).
    #[arg(
        long,
        env = "CONSILIUM_OIDC_SCOPES",
        default_value = "openid email profile"
    )]
    pub oidc_scopes: String,
    /// The claim that names the person (Pro Santé Connect: `SubjectNameID`).
    #[arg(long, env = "CONSILIUM_OIDC_CLAIM", default_value = "sub")]
    pub oidc_claim: String,
    /// `link`: only accounts whose external_id equals the claim sign in; `create`: the first
    /// sign-in creates a clinician account from the `email` and `name` claims.
    #[arg(long, env = "CONSILIUM_OIDC_PROVISION", default_value = "link")]
    pub oidc_provision: String,
    /// The text of the provider's button on the sign-in page.
    #[arg(long, env = "CONSILIUM_OIDC_LABEL", default_value = "Single sign-on")]
    pub oidc_label: String,
    /// The PACS's DICOMweb root, e.g. `http://pacs:8042/dicom-web`. Empty: no PACS import.
    #[arg(long, env = "CONSILIUM_DICOMWEB_URL")]
    pub dicomweb_url: Option<String>,
    /// How to authenticate to the PACS: `basic:USER:PASS` or `bearer:TOKEN`.
    #[arg(long, env = "CONSILIUM_DICOMWEB_AUTH", hide_env_values = true)]
    pub dicomweb_auth: Option<String>,
    /// `false` refuses password sign-in (403) to everyone but administrators.
    #[arg(long, env = "CONSILIUM_PASSWORD_LOGIN", default_value_t = true, action = clap::ArgAction::Set)]
    pub password_login: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            object_store_url: None,
            token_ttl_secs: 3600,
            max_upload_bytes: 4_294_967_296,
            live_queue_capacity: 256,
            live_commands_per_sec: 20.0,
            max_live_connections_per_user: 8,
            db_pool_size: None,
            login_window_secs: 900,
            login_max_per_account: 5,
            login_max_per_address: 30,
            trust_forwarded: false,
            cors_origins: String::new(),
            public_url: None,
            timezone: "Europe/Paris".to_string(),
            smtp_url: None,
            mail_from: "Consilium <no-reply@localhost>".to_string(),
            mail_poll_ms: 5000,
            mail_retry_ms: 60_000,
            body_idle_timeout_secs: 30,
            metrics_bind: None,
            metrics_token: None,
            deidentify_concurrency: 2,
            deidentify_queue_secs: 30,
            max_unpacked_bytes: 17_179_869_184,
            max_archive_entries: 50_000,
            dicom_dates: "keep".to_string(),
            dicom_date_shift_max_days: 365,
            oidc_issuer: None,
            oidc_client_id: None,
            oidc_client_secret: None,
            oidc_scopes: "openid email profile".to_string(),
            oidc_claim: "sub".to_string(),
            oidc_provision: "link".to_string(),
            oidc_label: "Single sign-on".to_string(),
            password_login: true,
            dicomweb_url: None,
            dicomweb_auth: None,
        }
    }
}

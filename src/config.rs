//! Configuration from the environment and flags (API.md section 1), with defaults that run on a
//! fresh machine: SQLite and objects under `./data`, a JWT secret generated on first start.

use std::fs;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use rand::RngCore;

/// The settings every command shares. Each flag overrides its environment variable.
#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// Listen address; port 0 picks a free port.
    #[arg(
        long,
        env = "CONSILIUM_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
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
    #[arg(
        long,
        env = "CONSILIUM_TOKEN_TTL_SECS",
        default_value_t = 3600,
        global = true
    )]
    pub token_ttl_secs: u64,
    /// Largest attachment accepted, in bytes.
    #[arg(
        long,
        env = "CONSILIUM_MAX_UPLOAD_BYTES",
        default_value_t = 4_294_967_296,
        global = true
    )]
    pub max_upload_bytes: u64,
    /// Messages a live-room connection may have waiting before it is closed with 4008.
    #[arg(
        long,
        env = "CONSILIUM_LIVE_QUEUE_CAPACITY",
        default_value_t = 256,
        global = true
    )]
    pub live_queue_capacity: usize,
    /// Commands per second one live-room connection may send (bursts of twice that).
    #[arg(
        long,
        env = "CONSILIUM_LIVE_COMMANDS_PER_SEC",
        default_value_t = 20.0,
        global = true
    )]
    pub live_commands_per_sec: f64,
    /// Database connections per instance (default: 8 on SQLite, 16 on PostgreSQL).
    #[arg(long, env = "CONSILIUM_DB_POOL_SIZE", global = true)]
    pub db_pool_size: Option<u32>,
    /// Failed sign-ins are counted over this many seconds.
    #[arg(
        long,
        env = "CONSILIUM_LOGIN_WINDOW_SECS",
        default_value_t = 900,
        global = true
    )]
    pub login_window_secs: u64,
    /// Failed sign-ins allowed per account within the window.
    #[arg(
        long,
        env = "CONSILIUM_LOGIN_MAX_PER_ACCOUNT",
        default_value_t = 5,
        global = true
    )]
    pub login_max_per_account: usize,
    /// Failed sign-ins allowed per client address within the window.
    #[arg(
        long,
        env = "CONSILIUM_LOGIN_MAX_PER_ADDRESS",
        default_value_t = 30,
        global = true
    )]
    pub login_max_per_address: usize,
    /// Take the client address from X-Forwarded-For / Forwarded (only behind a trusted proxy).
    #[arg(
        long,
        env = "CONSILIUM_TRUST_FORWARDED",
        default_value_t = false,
        global = true
    )]
    pub trust_forwarded: bool,
    /// Web origins (comma-separated, e.g. `https://portal.chu.example`) whose pages may call
    /// the API from a browser. Empty: no cross-origin access at all.
    #[arg(
        long,
        env = "CONSILIUM_CORS_ORIGINS",
        default_value = "",
        global = true
    )]
    pub cors_origins: String,
    /// De-identifications (DICOM files, zip archives) that run at once; more uploads wait for
    /// a turn. Bounds the CPU, memory and spool disk they use together.
    #[arg(
        long,
        env = "CONSILIUM_DEIDENTIFY_CONCURRENCY",
        default_value_t = 2,
        global = true
    )]
    pub deidentify_concurrency: usize,
    /// Seconds an upload waits for a de-identification turn before it is answered 503.
    #[arg(
        long,
        env = "CONSILIUM_DEIDENTIFY_QUEUE_SECS",
        default_value_t = 30,
        global = true
    )]
    pub deidentify_queue_secs: u64,
    /// Bytes one upload may unpack to (zip entries, nested archives, deflated DICOM).
    #[arg(
        long,
        env = "CONSILIUM_MAX_UNPACKED_BYTES",
        default_value_t = 17_179_869_184,
        global = true
    )]
    pub max_unpacked_bytes: u64,
    /// Entries one zip upload may hold, nested archives included.
    #[arg(
        long,
        env = "CONSILIUM_MAX_ARCHIVE_ENTRIES",
        default_value_t = 50_000,
        global = true
    )]
    pub max_archive_entries: usize,
    /// DICOM dates: `keep` them, or `shift` them back by the same number of days (1 to
    /// CONSILIUM_DICOM_DATE_SHIFT_MAX_DAYS) for every upload of a dossier.
    #[arg(
        long,
        env = "CONSILIUM_DICOM_DATES",
        default_value = "keep",
        global = true
    )]
    pub dicom_dates: String,
    /// The largest shift of DICOM dates, in days, when they are shifted.
    #[arg(
        long,
        env = "CONSILIUM_DICOM_DATE_SHIFT_MAX_DAYS",
        default_value_t = 365,
        global = true
    )]
    pub dicom_date_shift_max_days: u16,
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
            db_pool_size: None,
            login_window_secs: 900,
            login_max_per_account: 5,
            login_max_per_address: 30,
            trust_forwarded: false,
            cors_origins: String::new(),
            deidentify_concurrency: 2,
            deidentify_queue_secs: 30,
            max_unpacked_bytes: 17_179_869_184,
            max_archive_entries: 50_000,
            dicom_dates: "keep".to_string(),
            dicom_date_shift_max_days: 365,
        }
    }
}

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
    pub db_pool_size: Option<u32>,
    pub login_limits: crate::auth::throttle::Limits,
    pub trust_forwarded: bool,
    /// S3 endpoint and credentials, for an `s3://` object store.
    pub s3: crate::storage::S3Settings,
    /// Origins allowed to call the API from a browser (none by default).
    pub cors_origins: Vec<String>,
    pub ingest: IngestConfig,
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
            .field("db_pool_size", &self.db_pool_size)
            .field("login_limits", &self.login_limits)
            .field("trust_forwarded", &self.trust_forwarded)
            .field("s3", &self.s3)
            .field("cors_origins", &self.cors_origins)
            .field("ingest", &self.ingest)
            .finish()
    }
}

const SECRET_FILE: &str = "jwt_secret";
const MIN_SECRET_BYTES: usize = 32;

impl Config {
    /// Where uploads are spooled while they are de-identified (inside the data dir, so on the
    /// same disk as the local object store).
    pub fn spool_dir(&self) -> PathBuf {
        self.data_dir.join("tmp")
    }

    /// Fills in defaults from the settings and the environment's `CONSILIUM_JWT_SECRET`.
    pub fn resolve(settings: &Settings) -> anyhow::Result<Config> {
        let secret_env = std::env::var("CONSILIUM_JWT_SECRET").ok();
        Config::resolve_with_secret(settings, secret_env.as_deref())
    }

    pub fn resolve_with_secret(
        settings: &Settings,
        secret: Option<&str>,
    ) -> anyhow::Result<Config> {
        if settings.token_ttl_secs == 0 {
            bail!("CONSILIUM_TOKEN_TTL_SECS must be at least 1");
        }
        if settings.max_upload_bytes == 0 {
            bail!("CONSILIUM_MAX_UPLOAD_BYTES must be at least 1");
        }
        if !(1..=1_000_000).contains(&settings.live_queue_capacity) {
            bail!("CONSILIUM_LIVE_QUEUE_CAPACITY must be between 1 and 1000000");
        }
        if !(settings.live_commands_per_sec > 0.0 && settings.live_commands_per_sec.is_finite()) {
            bail!("CONSILIUM_LIVE_COMMANDS_PER_SEC must be a positive number");
        }
        if settings
            .db_pool_size
            .is_some_and(|n| !(1..=1000).contains(&n))
        {
            bail!("CONSILIUM_DB_POOL_SIZE must be between 1 and 1000");
        }
        if !(1..=64).contains(&settings.deidentify_concurrency) {
            bail!("CONSILIUM_DEIDENTIFY_CONCURRENCY must be between 1 and 64");
        }
        if settings.max_unpacked_bytes == 0 || settings.max_archive_entries == 0 {
            bail!(
                "CONSILIUM_MAX_UNPACKED_BYTES and CONSILIUM_MAX_ARCHIVE_ENTRIES must be at least 1"
            );
        }
        let dates = match settings.dicom_dates.parse() {
            Ok(crate::ingest::Dates::Shift { .. }) if settings.dicom_date_shift_max_days == 0 => {
                bail!("CONSILIUM_DICOM_DATE_SHIFT_MAX_DAYS must be at least 1")
            }
            Ok(crate::ingest::Dates::Shift { .. }) => crate::ingest::Dates::Shift {
                max_days: settings.dicom_date_shift_max_days,
            },
            Ok(keep) => keep,
            Err(e) => bail!("CONSILIUM_DICOM_DATES: {e}"),
        };
        let data_dir = settings.data_dir.clone();
        fs::create_dir_all(&data_dir)
            .with_context(|| format!("cannot create data dir {}", data_dir.display()))?;
        let database_url = settings
            .database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("consilium.db").display()));
        let object_store_url = settings
            .object_store_url
            .clone()
            .unwrap_or_else(|| format!("file://{}", data_dir.join("objects").display()));
        let jwt_secret = match secret {
            Some(s) if s.len() < MIN_SECRET_BYTES => {
                bail!("CONSILIUM_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")
            }
            Some(s) => s.as_bytes().to_vec(),
            None => load_or_create_secret(&data_dir)?,
        };
        let pseudonym_key = crate::ingest::PseudonymKey::from_secret(&jwt_secret);
        Ok(Config {
            bind: settings.bind,
            data_dir,
            database_url,
            object_store_url,
            jwt_secret,
            token_ttl_secs: settings.token_ttl_secs,
            max_upload_bytes: settings.max_upload_bytes,
            live_queue_capacity: settings.live_queue_capacity,
            live_commands_per_sec: settings.live_commands_per_sec,
            db_pool_size: settings.db_pool_size,
            login_limits: crate::auth::throttle::Limits {
                per_account: settings.login_max_per_account,
                per_address: settings.login_max_per_address,
                window: std::time::Duration::from_secs(settings.login_window_secs),
            },
            trust_forwarded: settings.trust_forwarded,
            s3: crate::storage::S3Settings::from_env(),
            cors_origins: parse_origins(&settings.cors_origins)?,
            ingest: IngestConfig {
                limits: crate::ingest::Limits {
                    max_entries: settings.max_archive_entries,
                    max_unpacked_bytes: settings.max_unpacked_bytes,
                    ..crate::ingest::Limits::default()
                },
                dates,
                key: pseudonym_key,
                concurrency: settings.deidentify_concurrency,
                queue_wait: std::time::Duration::from_secs(settings.deidentify_queue_secs),
            },
        })
    }
}

/// Exact origins, `scheme://host[:port]` each; a wildcard is refused (tokens are bearer
/// credentials: any page allowed here can use a stolen one).
fn parse_origins(list: &str) -> anyhow::Result<Vec<String>> {
    list.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|o| {
            let valid = (o.starts_with("https://") || o.starts_with("http://"))
                && !o.ends_with('/')
                && !o.contains('*')
                && o.split("://")
                    .nth(1)
                    .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'));
            if valid {
                Ok(o.to_string())
            } else {
                bail!("CONSILIUM_CORS_ORIGINS: {o:?} is not an origin like https://host[:port]")
            }
        })
        .collect()
}

/// Reads the generated secret, or creates it with mode 0600 on first start.
fn load_or_create_secret(data_dir: &Path) -> anyhow::Result<Vec<u8>> {
    let path = data_dir.join(SECRET_FILE);
    match fs::read_to_string(&path) {
        Ok(text) => {
            let text = text.trim();
            if text.len() < MIN_SECRET_BYTES {
                bail!(
                    "{} is too short; delete it to generate a new one",
                    path.display()
                );
            }
            Ok(text.as_bytes().to_vec())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut bytes = [0u8; 48];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let secret = hex::encode(bytes);
            let mut options = fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            match options.open(&path) {
                Ok(mut file) => {
                    file.write_all(secret.as_bytes())?;
                    file.sync_all()?;
                    tracing::info!(path = %path.display(), "generated a new JWT signing secret");
                    Ok(secret.into_bytes())
                }
                // Another process created it first: use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    load_or_create_secret(data_dir)
                }
                Err(e) => Err(e).with_context(|| format!("cannot write {}", path.display())),
            }
        }
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
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
    fn defaults_live_in_the_data_dir() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings {
            data_dir: dir.path().to_path_buf(),
            ..Settings::default()
        };
        let config = Config::resolve_with_secret(&settings, None).unwrap();
        assert!(config.database_url.starts_with("sqlite://"));
        assert!(config.database_url.ends_with("consilium.db"));
        assert!(config.object_store_url.starts_with("file://"));
        let secret_path = dir.path().join(SECRET_FILE);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&secret_path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // The secret is kept across starts.
        let again = Config::resolve_with_secret(&settings, None).unwrap();
        assert_eq!(config.jwt_secret, again.jwt_secret);
        assert!(
            !format!("{config:?}")
                .contains(&String::from_utf8_lossy(&config.jwt_secret).to_string())
        );
    }

    #[test]
    fn short_secret_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings {
            data_dir: dir.path().to_path_buf(),
            ..Settings::default()
        };
        assert!(Config::resolve_with_secret(&settings, Some("short")).is_err());
    }

    #[test]
    fn cors_origins_are_exact() {
        assert_eq!(parse_origins("").unwrap(), Vec::<String>::new());
        assert_eq!(
            parse_origins("https://a.example, http://127.0.0.1:3000").unwrap(),
            vec!["https://a.example", "http://127.0.0.1:3000"]
        );
        for bad in [
            "*",
            "https://*.example",
            "a.example",
            "https://a.example/",
            "ftp://x",
        ] {
            assert!(parse_origins(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/consilium"),
            "postgres://app:***@db:5432/consilium"
        );
        assert_eq!(redact_url("sqlite://./data/x.db"), "sqlite://./data/x.db");
    }
}

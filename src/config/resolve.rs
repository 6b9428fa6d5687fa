//! From settings to a [`Config`]: every value checked (the messages name the environment
//! variable), every default filled in, the secret loaded.

use std::fs;

use anyhow::{Context, bail};

use super::secret::{MIN_SECRET_BYTES, load_or_create_secret};
use super::{Config, IngestConfig, MailConfig, Settings, redact_url};

impl Config {
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
        if !(1..=10_000).contains(&settings.max_live_connections_per_user) {
            bail!("CONSILIUM_MAX_LIVE_CONNECTIONS_PER_USER must be between 1 and 10000");
        }
        if settings
            .db_pool_size
            .is_some_and(|n| !(1..=1000).contains(&n))
        {
            bail!("CONSILIUM_DB_POOL_SIZE must be between 1 and 1000");
        }
        if !(1..=86_400).contains(&settings.body_idle_timeout_secs) {
            bail!("CONSILIUM_BODY_IDLE_TIMEOUT_SECS must be between 1 and 86400");
        }
        if settings
            .metrics_token
            .as_ref()
            .is_some_and(|t| t.len() < 16 || t.chars().any(|c| c.is_whitespace()))
        {
            bail!("CONSILIUM_METRICS_TOKEN must be at least 16 characters, without spaces");
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
            max_live_connections_per_user: settings.max_live_connections_per_user,
            db_pool_size: settings.db_pool_size,
            login_limits: crate::auth::throttle::Limits {
                per_account: settings.login_max_per_account,
                per_address: settings.login_max_per_address,
                window: std::time::Duration::from_secs(settings.login_window_secs),
            },
            trust_forwarded: settings.trust_forwarded,
            s3: crate::storage::S3Settings::from_env(),
            cors_origins: parse_origins(&settings.cors_origins)?,
            public_url: parse_public_url(settings.public_url.as_deref())?,
            timezone: settings.timezone.parse().map_err(|_| {
                anyhow::anyhow!(
                    "CONSILIUM_TIMEZONE: {:?} is not a time zone name such as Europe/Paris",
                    settings.timezone
                )
            })?,
            mail: parse_mail(settings)?,
            body_idle_timeout: std::time::Duration::from_secs(settings.body_idle_timeout_secs),
            metrics_bind: settings.metrics_bind,
            metrics_token: settings.metrics_token.clone().filter(|t| !t.is_empty()),
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
            oidc: parse_oidc(settings)?,
            password_login: settings.password_login,
            pacs: parse_pacs(settings)?,
        })
    }
}

/// `CONSILIUM_SMTP_URL` and `CONSILIUM_MAIL_FROM`: an `smtp://` or `smtps://` URL and a
/// mailbox; a bad one stops the start with a message that never shows the password.
fn parse_mail(settings: &Settings) -> anyhow::Result<MailConfig> {
    let smtp_url = settings
        .smtp_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(String::from);
    if let Some(url) = &smtp_url
        && !(url.starts_with("smtp://") || url.starts_with("smtps://"))
    {
        anyhow::bail!(
            "CONSILIUM_SMTP_URL: {:?} is not an smtp:// or smtps:// URL",
            redact_url(url)
        );
    }
    if settings
        .mail_from
        .parse::<lettre::message::Mailbox>()
        .is_err()
    {
        anyhow::bail!(
            "CONSILIUM_MAIL_FROM: {:?} is not an address such as Consilium <no-reply@example.org>",
            settings.mail_from
        );
    }
    Ok(MailConfig {
        smtp_url,
        from: settings.mail_from.clone(),
        poll: std::time::Duration::from_millis(settings.mail_poll_ms.clamp(50, 600_000)),
        first_retry: std::time::Duration::from_millis(settings.mail_retry_ms.clamp(100, 3_600_000)),
    })
}

/// `CONSILIUM_DICOMWEB_URL` and `CONSILIUM_DICOMWEB_AUTH`; the messages never show a secret.
fn parse_pacs(settings: &Settings) -> anyhow::Result<Option<crate::pacs::PacsSettings>> {
    let Some(url) = settings
        .dicomweb_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    else {
        return Ok(None);
    };
    let fine = (url.starts_with("http://") || url.starts_with("https://"))
        && !url.contains(['?', '#', ' '])
        && !url.contains('@');
    if !fine {
        bail!(
            "CONSILIUM_DICOMWEB_URL: {:?} is not an http(s) URL such as http://pacs:8042/dicom-web \
             (credentials go in CONSILIUM_DICOMWEB_AUTH)",
            redact_url(url)
        );
    }
    let auth = settings
        .dicomweb_auth
        .as_deref()
        .unwrap_or_default()
        .parse()
        .map_err(|e| anyhow::anyhow!("CONSILIUM_DICOMWEB_AUTH {e}"))?;
    Ok(Some(crate::pacs::PacsSettings {
        url: url.trim_end_matches('/').to_string(),
        auth,
    }))
}

/// `CONSILIUM_OIDC_*`: nothing without an issuer; with one, a client id and secret, and
/// valid scopes, claim and provisioning mode.
fn parse_oidc(settings: &Settings) -> anyhow::Result<Option<crate::auth::oidc::OidcSettings>> {
    let present = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(String::from)
    };
    let Some(issuer) = present(&settings.oidc_issuer) else {
        return Ok(None);
    };
    if !(issuer.starts_with("https://") || issuer.starts_with("http://")) {
        bail!("CONSILIUM_OIDC_ISSUER: {issuer:?} is not an http(s) URL");
    }
    let (Some(client_id), Some(client_secret)) = (
        present(&settings.oidc_client_id),
        present(&settings.oidc_client_secret),
    ) else {
        bail!(
            "CONSILIUM_OIDC_ISSUER is set: CONSILIUM_OIDC_CLIENT_ID and \
             CONSILIUM_OIDC_CLIENT_SECRET must be set too"
        );
    };
    let mut scopes: Vec<String> = vec!["openid".to_string()];
    for scope in settings.oidc_scopes.split_whitespace() {
        if !scope
            .chars()
            .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\')
        {
            bail!("CONSILIUM_OIDC_SCOPES: {scope:?} is not a scope name");
        }
        if !scopes.iter().any(|s| s == scope) {
            scopes.push(scope.to_string());
        }
    }
    let claim = settings.oidc_claim.trim();
    if claim.is_empty() || claim.len() > 100 || !claim.chars().all(|c| c.is_ascii_graphic()) {
        bail!("CONSILIUM_OIDC_CLAIM: {claim:?} is not a claim name such as sub or SubjectNameID");
    }
    let provision = settings
        .oidc_provision
        .trim()
        .parse()
        .map_err(|e| anyhow::anyhow!("CONSILIUM_OIDC_PROVISION: {e}"))?;
    let label = settings.oidc_label.trim();
    if label.is_empty() || label.chars().count() > 80 || label.chars().any(char::is_control) {
        bail!("CONSILIUM_OIDC_LABEL must be 1 to 80 characters on one line");
    }
    Ok(Some(crate::auth::oidc::OidcSettings {
        issuer,
        client_id,
        client_secret,
        scopes,
        claim: claim.to_string(),
        provision,
        label: label.to_string(),
    }))
}

/// `CONSILIUM_PUBLIC_URL`: an absolute http(s) URL without query or fragment; the trailing
/// `/` dropped.
fn parse_public_url(raw: Option<&str>) -> anyhow::Result<Option<String>> {
    let Some(url) = raw.map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(rest) if !rest.is_empty() && !rest.contains(['?', '#', ' ']) => {
            Ok(Some(url.trim_end_matches('/').to_string()))
        }
        _ => bail!(
            "CONSILIUM_PUBLIC_URL: {url:?} is not an http(s) URL such as https://rcp.chu.example"
        ),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::secret::SECRET_FILE;

    fn settings_in(data_dir: &std::path::Path) -> Settings {
        Settings {
            data_dir: data_dir.to_path_buf(),
            ..Settings::default()
        }
    }

    #[test]
    fn defaults_live_in_the_data_dir() {
        let dir = tempfile::tempdir().unwrap();
        let settings = settings_in(dir.path());
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
        let settings = settings_in(dir.path());
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
}

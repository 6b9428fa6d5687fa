//! Building and running the server: `Application::build` binds (port 0 in tests) and reports
//! the real port; `run_until_stopped` serves until SIGINT or SIGTERM.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;

use crate::auth::throttle::LoginThrottle;
use crate::auth::token::Keys;
use crate::config::Config;
use crate::db::{Backend, Db};
use crate::http;
use crate::imaging::{Imaging, ImagingSettings};
use crate::live::{Hub, LiveSettings, bus};
use crate::state::AppState;
use crate::storage::Storage;
use crate::storage::spool::SpoolDir;
use crate::usecase::catalogue::IndexCatalogue;

/// Connects to the database and applies pending migrations (on a blocking thread).
pub async fn open_database(config: &Config) -> anyhow::Result<Db> {
    let url = config.database_url.clone();
    let pool_size = config.db_pool_size;
    tokio::task::spawn_blocking(move || {
        let size = pool_size.unwrap_or(match Backend::of_url(&url)? {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        });
        let db = Db::connect(&url, size, &crate::db::new_id())?;
        let applied = db.migrate()?;
        for name in applied {
            tracing::info!(migration = %name, "applied migration");
        }
        Ok(db)
    })
    .await
    .context("database start-up task failed")?
}

pub struct Application {
    server: Server,
    metrics_addr: Option<std::net::SocketAddr>,
    port: u16,
    host: String,
    state: web::Data<AppState>,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let db = open_database(&config).await?;
        let journal = Arc::new(crate::db::object_uploads::DbJournal {
            db: db.clone(),
            instance_id: db.instance_id().to_string(),
        });
        let storage = Storage::open(&config.object_store_url, &config.s3)?.with_journal(journal);
        let spool = SpoolDir::claim(&config.spool_dir(), db.instance_id())?;
        let imaging = Arc::new(Imaging::new(
            storage.clone(),
            spool.path().to_path_buf(),
            ImagingSettings::default(),
        ));
        let keys = Keys::new(&config.jwt_secret, config.token_ttl_secs);
        let hub = start_live(&config, db.clone(), imaging.clone()).await?;
        start_upload_recovery(db.clone(), storage.clone());
        start_follow_ups(db.clone(), hub.clone(), config.mail.poll);
        let listener = TcpListener::bind(config.bind)
            .with_context(|| format!("cannot listen on {}", config.bind))?;
        let local = listener.local_addr()?;
        let metrics_listener = match config.metrics_bind {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .with_context(|| format!("cannot listen for metrics on {addr}"))?,
            ),
            None => None,
        };
        let metrics_addr = match &metrics_listener {
            Some(l) => Some(l.local_addr()?),
            None => None,
        };
        // Hash the dummy password now, so that the first unknown e-mail is not slower.
        crate::auth::password::off_thread(|| crate::auth::password::verify_dummy("warm-up"))
            .await
            .map_err(|e| anyhow::anyhow!("password hashing thread: {e}"))?;
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{local}"));
        let deidentify_turns = Arc::new(tokio::sync::Semaphore::new(config.ingest.concurrency));
        let oidc = match &config.oidc {
            Some(settings) => Some(Arc::new(
                crate::auth::oidc::Provider::discover(
                    settings.clone(),
                    format!("{public_url}/api/auth/oidc/callback"),
                )
                .await?,
            )),
            None => None,
        };
        db.set_delivery(crate::domain::notification::Delivery {
            smtp: config.mail.smtp_url.is_some(),
            zone: config.timezone,
            public_url: public_url.clone(),
        });
        crate::mail::start(
            db.clone(),
            &config.mail,
            config.timezone,
            public_url.clone(),
        )?;
        let importer = match &config.pacs {
            Some(settings) => {
                let importer = Arc::new(crate::pacs::runner::Importer {
                    pacs: crate::pacs::Pacs::new(settings)?,
                    db: db.clone(),
                    storage: storage.clone(),
                    hub: hub.clone(),
                    imaging: imaging.clone(),
                    spool_dir: spool.path().to_path_buf(),
                    ingest: config.ingest.clone(),
                    max_bytes: config.max_upload_bytes,
                    turns: deidentify_turns.clone(),
                });
                start_import_sweep(importer.clone());
                Some(importer)
            }
            None => None,
        };
        let state = web::Data::new(AppState {
            public_url,
            throttle: LoginThrottle::new(config.login_limits),
            deidentify_turns,
            config,
            db,
            storage,
            spool,
            imaging,
            keys,
            hub,
            metrics_addr,
            oidc,
            importer,
        });
        let app_state = state.clone();
        let cors_origins = state.config.cors_origins.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(app_state.clone())
                .wrap(cors(&cors_origins))
                .wrap(from_fn(http::body_timeout::limit_idle_body))
                .wrap(from_fn(http::head_as_get))
                .wrap(from_fn(http::metrics_listener_only))
                .wrap(from_fn(http::log_requests))
                .wrap(security_headers())
                .configure(http::configure)
        })
        // Replies go out whole at once: Nagle's algorithm would hold back the last segment
        // of a response (or a room message) until the client acknowledges the previous one.
        .on_connect(|conn, _| {
            if let Some(tcp) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() {
                let _ = tcp.set_nodelay(true);
            }
        })
        .listen(listener)?;
        let server = match metrics_listener {
            Some(l) => server.listen(l)?,
            None => server,
        };
        let server = server.disable_signals().shutdown_timeout(30).run();
        Ok(Application {
            server,
            metrics_addr,
            port: local.port(),
            host: local.ip().to_string(),
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://HOST:PORT`, with the real port.
    pub fn url(&self) -> String {
        if self.host.contains(':') {
            format!("http://[{}]:{}", self.host, self.port)
        } else {
            format!("http://{}:{}", self.host, self.port)
        }
    }

    /// `http://HOST:PORT` of the metrics-only listener, when there is one.
    pub fn metrics_url(&self) -> Option<String> {
        self.metrics_addr.map(|a| format!("http://{a}"))
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped through the handle.
    pub async fn run(self) -> std::io::Result<()> {
        self.server.await
    }

    /// Serves until SIGINT or SIGTERM, then closes the live rooms (1001: reconnect with
    /// `since`), stops accepting, lets in-flight requests finish and returns.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let hub = self.state.hub.clone();
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("shutting down");
            hub.shutdown().await;
            handle.stop(true).await;
        });
        self.server.await
    }
}

/// Cross-origin access: none unless origins are configured; then only those, with the
/// headers the API uses. Requests from other origins get no CORS headers, so browsers refuse
/// them; non-browser clients are unaffected.
fn cors(origins: &[String]) -> actix_cors::Cors {
    use actix_web::http::header;
    let mut cors = actix_cors::Cors::default();
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors.allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::RANGE,
            header::IF_NONE_MATCH,
        ])
        .expose_headers([
            header::ETAG,
            header::CONTENT_RANGE,
            header::CONTENT_DISPOSITION,
            header::RETRY_AFTER,
        ])
        .max_age(600)
}

/// The Content-Security-Policy of every response: only this origin's scripts, styles and
/// connections (the live room's WebSocket included), no framing, no plugins.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'self'; object-src 'none'";

/// Security headers set on every response (a handler's own value wins).
fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("X-Frame-Options", "DENY"))
}

/// Registers this instance, and starts its heartbeat and the notifications from other
/// instances.
async fn start_live(config: &Config, db: Db, imaging: Arc<Imaging>) -> anyhow::Result<Arc<Hub>> {
    let settings = LiveSettings {
        queue_capacity: config.live_queue_capacity,
        commands_per_sec: config.live_commands_per_sec,
        max_connections_per_user: config.max_live_connections_per_user,
        ..LiveSettings::default()
    };
    let catalogue = Arc::new(IndexCatalogue {
        db: db.clone(),
        imaging,
    });
    db.start_group_commit();
    let hub = Hub::new(db.clone(), settings, catalogue);
    let instance = hub.instance_id.clone();
    db.write(move |conn| crate::db::room::presence::register_instance(conn, &instance))
        .await
        .map_err(|e| anyhow::anyhow!("cannot register the instance: {e}"))?;
    bus::for_database(&config.database_url)?.start(hub.clone());
    bus::start_heartbeat(hub.clone());
    Ok(hub)
}

/// Tells the referrers whose follow-ups came due (`usecase::follow_ups::tell_due`), at the
/// mail sender's pace (`CONSILIUM_MAIL_POLL_MS`, at least once a minute).
fn start_follow_ups(db: Db, hub: Arc<crate::live::Hub>, every: std::time::Duration) {
    let every = every.min(std::time::Duration::from_secs(60));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let now = crate::db::now();
            match crate::usecase::run(&db, move |conn| {
                crate::usecase::follow_ups::tell_due(conn, now)
            })
            .await
            {
                Ok(done) => hub.publish(&done.events),
                Err(e) => tracing::warn!(error = %e, "telling follow-ups due failed"),
            }
        }
    });
}

/// How often the upload journal is checked for uploads of instances that are gone.
const UPLOAD_RECOVERY_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

/// Cleans up, now and then every minute, the uploads that a crashed instance left half done:
/// S3 multipart uploads aborted, staging files and objects without an attachment row removed.
/// Fails, every few seconds, the PACS imports whose instance stopped (at once after a
/// restart) or whose runner went silent, removing what they made.
fn start_import_sweep(importer: Arc<crate::pacs::runner::Importer>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
        loop {
            tick.tick().await;
            if let Err(e) = importer.sweep().await {
                tracing::warn!(error = %e, "the sweep of abandoned PACS imports failed");
            }
        }
    });
}

fn start_upload_recovery(db: Db, storage: Storage) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(UPLOAD_RECOVERY_INTERVAL);
        loop {
            tick.tick().await;
            if let Err(e) = recover_uploads(&db, &storage).await {
                tracing::warn!(error = %e, "cleaning up interrupted uploads failed");
            }
        }
    });
}

async fn recover_uploads(db: &Db, storage: &Storage) -> anyhow::Result<()> {
    use crate::db::object_uploads;
    let me = db.instance_id().to_string();
    let leftovers = db
        .read(move |conn| object_uploads::leftovers(conn, &me))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for leftover in leftovers {
        let key = leftover.key.clone();
        let attached = db
            .read(move |conn| object_uploads::is_attached(conn, &key))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if !attached {
            storage.clean_up(&leftover).await?;
        }
        let key = leftover.key.clone();
        db.write(move |conn| object_uploads::forget(conn, &key))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        tracing::info!(attached, "cleaned up an upload interrupted by a stop");
    }
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

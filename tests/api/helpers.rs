//! The test harness: a real server on a random port, on a temp SQLite file or on a fresh
//! database of the throwaway PostgreSQL cluster that `scripts/test` starts
//! (`CONSILIUM_TEST_PG_URL`), driven over HTTP.

#![allow(dead_code)]

use std::sync::mpsc;

use consilium::config::{Config, Settings};
use consilium::db::Db;
use consilium::domain::user::{NewUser, Role};
use consilium::startup::Application;
use reqwest::Method;
use serde_json::{Value, json};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The JWT secret of every test server, so that tests can forge tokens.
pub const TEST_SECRET: &str = "test-secret-test-secret-test-secret-0123";
pub const PASSWORD: &str = "correct horse battery staple";

/// Runs a test function once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::helpers::Backend::Postgres).await
                }
            }
        )*
    };
}

/// A fresh PostgreSQL database on the test cluster. Without a cluster the test fails: the
/// PostgreSQL half of the suite is never skipped silently.
pub fn fresh_postgres_database() -> String {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, PgConnection};
    let admin_url = std::env::var("CONSILIUM_TEST_PG_URL").unwrap_or_else(|_| {
        panic!(
            "CONSILIUM_TEST_PG_URL is not set: run the suite with scripts/test, which starts a \
             throwaway PostgreSQL cluster"
        )
    });
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let mut conn = PgConnection::establish(&admin_url).expect("connect to the test cluster");
    conn.batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create a test database");
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("a database URL with a path");
    format!("{base}/{name}")
}

/// The HTTP side of a running server: requests and the data-building steps of the tests.
#[derive(Clone)]
pub struct Api {
    pub url: String,
    pub client: reqwest::Client,
}

pub struct TestApp {
    pub api: Api,
    pub db: Db,
    pub backend: Backend,
    pub database_url: String,
    pub config: Config,
    /// The metrics-only listener, when the options asked for one.
    pub metrics_url: Option<String>,
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
    pub dir: tempfile::TempDir,
}

/// Options for a test server.
#[derive(Clone, Default)]
pub struct Options {
    pub token_ttl_secs: Option<u64>,
    pub max_upload_bytes: Option<u64>,
    pub object_store_url: Option<String>,
    /// Another instance on the same database (the URL of a running test app).
    pub database_url: Option<String>,
    pub live_queue_capacity: Option<usize>,
    pub live_commands_per_sec: Option<f64>,
    pub login_window_secs: Option<u64>,
    /// S3 endpoint and credentials for an `s3://` object store.
    pub s3: Option<consilium::storage::S3Settings>,
    /// Origins allowed to call the API from a browser.
    pub cors_origins: Vec<String>,
    pub body_idle_timeout_secs: Option<u64>,
    pub metrics_token: Option<String>,
    /// Serve `/metrics` on a separate loopback listener.
    pub metrics_listener: bool,
    /// De-identifications at once, and seconds an upload waits for a turn.
    pub deidentify_concurrency: Option<usize>,
    pub deidentify_queue_secs: Option<u64>,
    /// Bytes one upload may unpack to.
    pub max_unpacked_bytes: Option<u64>,
    /// `keep` or `shift`.
    pub dicom_dates: Option<String>,
    /// SMTP for mails (`CONSILIUM_SMTP_URL`); the sender then polls every 100 ms and retries
    /// after 300 ms, doubling.
    pub smtp_url: Option<String>,
    pub public_url: Option<String>,
    /// Sign-in through an OpenID provider.
    pub oidc: Option<consilium::auth::oidc::OidcSettings>,
    /// `CONSILIUM_PASSWORD_LOGIN`.
    pub password_login: Option<bool>,
    /// The PACS over DICOMweb.
    pub pacs: Option<consilium::pacs::PacsSettings>,
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, Options::default()).await
}

/// Another instance of `app`'s server on the same database (the rooms are shared across
/// instances on PostgreSQL).
pub async fn another_instance(app: &TestApp) -> TestApp {
    spawn_app_with(
        app.backend,
        Options {
            database_url: Some(app.database_url.clone()),
            ..Options::default()
        },
    )
    .await
}

/// Server logs in tests, when `TEST_LOG` holds a filter (e.g. `TEST_LOG=consilium=debug`).
fn init_test_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if let Ok(filter) = std::env::var("TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_test_writer()
                .try_init();
        }
    });
}

pub async fn spawn_app_with(backend: Backend, options: Options) -> TestApp {
    init_test_logs();
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = match (&options.database_url, backend) {
        (Some(url), _) => url.clone(),
        (None, Backend::Sqlite) => format!("sqlite://{}", dir.path().join("test.db").display()),
        (None, Backend::Postgres) => tokio::task::spawn_blocking(fresh_postgres_database)
            .await
            .expect("create database"),
    };
    let settings = Settings {
        bind: "127.0.0.1:0".parse().expect("address"),
        data_dir: dir.path().to_path_buf(),
        database_url: Some(database_url.clone()),
        object_store_url: options
            .object_store_url
            .clone()
            .or_else(|| Some(format!("file://{}", dir.path().join("objects").display()))),
        token_ttl_secs: options.token_ttl_secs.unwrap_or(3600),
        max_upload_bytes: options.max_upload_bytes.unwrap_or(64 * 1024 * 1024),
        live_queue_capacity: options.live_queue_capacity.unwrap_or(256),
        live_commands_per_sec: options.live_commands_per_sec.unwrap_or(20.0),
        login_window_secs: options.login_window_secs.unwrap_or(900),
        body_idle_timeout_secs: options.body_idle_timeout_secs.unwrap_or(30),
        metrics_token: options.metrics_token.clone(),
        metrics_bind: options
            .metrics_listener
            .then(|| "127.0.0.1:0".parse().expect("address")),
        deidentify_concurrency: options.deidentify_concurrency.unwrap_or(2),
        deidentify_queue_secs: options.deidentify_queue_secs.unwrap_or(30),
        max_unpacked_bytes: options
            .max_unpacked_bytes
            .unwrap_or(Settings::default().max_unpacked_bytes),
        dicom_dates: options.dicom_dates.clone().unwrap_or("keep".into()),
        smtp_url: options.smtp_url.clone(),
        public_url: options.public_url.clone(),
        mail_poll_ms: 100,
        mail_retry_ms: 300,
        ..Settings::default()
    };
    let mut config = Config::resolve_with_secret(&settings, Some(TEST_SECRET)).expect("config");
    if let Some(s3) = &options.s3 {
        config.s3 = s3.clone();
    }
    config.cors_origins = options.cors_origins.clone();
    config.oidc = options.oidc.clone();
    config.password_login = options.password_login.unwrap_or(true);
    config.pacs = options.pacs.clone();
    // The server gets a thread and a runtime of its own, so that stopping it from `Drop` never
    // waits on the test's own runtime.
    let (tx, rx) = mpsc::channel();
    let server_config = config.clone();
    let thread = std::thread::spawn(move || {
        let system = actix_web::rt::System::new();
        system.block_on(async move {
            match Application::build(server_config).await {
                Ok(app) => {
                    let _ = tx.send(Ok((
                        app.url(),
                        app.metrics_url(),
                        app.handle(),
                        app.state().db.clone(),
                    )));
                    let _ = app.run().await;
                }
                Err(e) => {
                    let _ = tx.send(Err(format!("{e:#}")));
                }
            }
        });
    });
    let (url, metrics_url, handle, db) =
        tokio::task::spawn_blocking(move || rx.recv().expect("server thread"))
            .await
            .expect("join")
            .unwrap_or_else(|e| panic!("the server did not start: {e}"));
    TestApp {
        api: Api {
            url,
            client: reqwest::Client::new(),
        },
        db,
        backend,
        database_url,
        config,
        metrics_url,
        handle,
        thread: Some(thread),
        dir,
    }
}

impl std::ops::Deref for TestApp {
    type Target = Api;

    fn deref(&self) -> &Api {
        &self.api
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        // A plain thread, so that this works whether or not a runtime is current.
        let _ = std::thread::spawn(move || futures_executor_block_on(handle.stop(false))).join();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn futures_executor_block_on<F: std::future::Future>(f: F) -> F::Output {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(f)
}

/// A response: status, headers and the body parsed as JSON (`Null` when empty or not JSON).
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the status, printing the body when it differs.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        &self.body
    }

    /// Asserts a problem document with this status and code.
    #[track_caller]
    pub fn expect_problem(&self, status: u16, code: &str) -> &Value {
        self.expect(status);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "problem content type; body: {}",
            self.text
        );
        assert_eq!(self.body["code"], code, "body: {}", self.text);
        assert_eq!(self.body["status"], status);
        assert_eq!(self.body["type"], "about:blank");
        assert!(self.body["title"].is_string());
        assert!(self.body["detail"].is_string());
        &self.body
    }

    /// Asserts a 400 naming `field`.
    #[track_caller]
    /// Any problem document with this status.
    pub fn expect_status(&self, status: u16) -> &Value {
        assert_eq!(self.status, status, "body: {}", self.text);
        self.expect_problem(status, self.body["code"].as_str().unwrap_or("?"))
    }

    pub fn expect_invalid(&self, field: &str) {
        self.expect_problem(400, "invalid_input");
        assert_eq!(self.body["field"], field, "body: {}", self.text);
        assert!(
            self.body["detail"].as_str().unwrap_or("").contains(field),
            "detail should name {field}: {}",
            self.text
        );
    }
}

/// A signed-in person in a test.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: String,
    pub email: String,
    pub token: String,
    pub specialty: Option<String>,
}

impl Api {
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut req = self.client.request(method, format!("{}{}", self.url, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        Self::read(req.send().await.expect("request")).await
    }

    /// Sends raw bytes with a content type.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Resp {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.url, path))
            .header("content-type", content_type)
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Self::read(req.send().await.expect("request")).await
    }

    pub async fn read(res: reqwest::Response) -> Resp {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.request(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.request(Method::POST, path, token, Some(body)).await
    }

    pub async fn post_empty(&self, path: &str, token: Option<&str>) -> Resp {
        self.request(Method::POST, path, token, None).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.request(Method::PUT, path, token, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.request(Method::PATCH, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Resp {
        self.request(Method::DELETE, path, token, None).await
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let res = self
            .post(
                "/api/auth/login",
                None,
                json!({"email": email, "password": password}),
            )
            .await;
        res.expect(200)["token"]
            .as_str()
            .expect("token")
            .to_string()
    }

    /// A clinician created by `admin` through the API, then signed in.
    pub async fn clinician(&self, admin: &Actor, specialty: &str) -> Actor {
        let email = format!("dr-{}@test.example.org", short_id());
        let res = self
            .post(
                "/api/users",
                Some(&admin.token),
                json!({
                    "email": email,
                    "name": format!("Dr {specialty}"),
                    "password": PASSWORD,
                    "specialty": specialty,
                    "organization": "CH Test",
                }),
            )
            .await;
        let id = res.expect(201)["id"].as_str().expect("id").to_string();
        let token = self.login(&email, PASSWORD).await;
        Actor {
            id,
            email,
            token,
            specialty: Some(specialty.to_string()),
        }
    }

    /// A board created by `admin` with the given quorum.
    pub async fn board(&self, admin: &Actor, quorum: Value) -> String {
        let res = self
            .post(
                "/api/boards",
                Some(&admin.token),
                json!({"name": format!("Board {}", short_id()), "quorum": quorum}),
            )
            .await;
        res.expect(201)["id"].as_str().expect("id").to_string()
    }

    pub async fn add_member(&self, by: &Actor, board: &str, user: &Actor, role: &str) {
        self.put(
            &format!("/api/boards/{board}/members/{}", user.id),
            Some(&by.token),
            json!({"role": role}),
        )
        .await
        .expect(200);
    }

    /// A draft dossier of `referrer` on `board`, with consent and a question.
    pub async fn dossier(&self, referrer: &Actor, board: &str) -> Value {
        let res = self
            .post(
                "/api/dossiers",
                Some(&referrer.token),
                json!({
                    "board_id": board,
                    "title": "Relapsing MS, escalation?",
                    "patient": {"pseudonym": format!("P-{}", short_id()), "birth_year": 1984, "sex": "female"},
                    "question": "Switch to a high-efficacy therapy?",
                    "history": "Two relapses in 2026.",
                    "consent": true,
                }),
            )
            .await;
        res.expect(201).clone()
    }
}

impl TestApp {
    /// The first administrator, created as `consilium user add` does, then signed in.
    pub async fn admin(&self) -> Actor {
        let email = format!("admin-{}@test.example.org", short_id());
        let new = NewUser::parse(
            &email,
            "Test Admin",
            PASSWORD,
            Some(Role::Admin),
            None,
            None,
        )
        .expect("valid admin");
        let user = consilium::auth::create_account(&self.db, None, new)
            .await
            .expect("create admin");
        let token = self.login(&email, PASSWORD).await;
        Actor {
            id: user.id,
            email,
            token,
            specialty: None,
        }
    }

    /// Counts rows of a table directly in the database.
    pub async fn count(&self, table: &'static str) -> i64 {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        self.db
            .read(move |conn| {
                let c: Count = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
                    .get_result(conn)?;
                Ok(c.n)
            })
            .await
            .expect("count")
    }
}

pub fn short_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..10].to_string()
}

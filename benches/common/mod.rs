//! What the benchmarks that drive the real server share: command-line arguments, the data
//! every upload needs (an account, a board, a dossier), and the server process (`process.rs`).

#![allow(dead_code)]

pub mod process;
pub mod rooms;

use std::path::{Path, PathBuf};

use anyhow::{Context, ensure};
use serde_json::{Value, json};

pub const PASSWORD: &str = "bench-password-123";

/// The value after `--name` on the command line.
pub fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// The value after `--name` parsed, or `default` when it is absent.
pub fn arg_or<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    match arg(name) {
        Some(v) => v
            .parse()
            .map_err(|_| anyhow::anyhow!("bad value for {name}: {v}")),
        None => Ok(default),
    }
}

/// A temporary directory under `--dir` (default: the system's), removed when dropped.
pub fn scratch_dir() -> anyhow::Result<tempfile::TempDir> {
    let base = arg("--dir")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    Ok(tempfile::tempdir_in(&base)?)
}

/// The multi-threaded runtime a benchmark's clients run on.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// The administrator `admin@bench.test` (password [`PASSWORD`]), added through the CLI as an
/// operator does.
pub fn add_admin(binary: &Path, data: &Path, db_url: &str) -> anyhow::Result<()> {
    let status = std::process::Command::new(binary)
        .args([
            "user",
            "add",
            "--email",
            "admin@bench.test",
            "--name",
            "Admin",
        ])
        .args(["--password", PASSWORD, "--role", "admin"])
        .env("CONSILIUM_DATA_DIR", data)
        .env("CONSILIUM_DATABASE_URL", db_url)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .status()?;
    ensure!(status.success(), "user add failed");
    Ok(())
}

/// Signs `email` in (password [`PASSWORD`]) on the server at `api`; its token.
pub async fn login(client: &reqwest::Client, api: &str, email: &str) -> anyhow::Result<String> {
    let v: Value = client
        .post(format!("{api}/api/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    Ok(v["token"].as_str().context("login failed")?.to_string())
}

/// An admin (through the CLI), a board, a referrer and a draft dossier (through the API).
pub async fn setup(
    binary: &Path,
    data: &Path,
    db_url: &str,
    url: &str,
) -> anyhow::Result<(String, String)> {
    add_admin(binary, data, db_url)?;
    let client = reqwest::Client::new();
    let admin = login(&client, url, "admin@bench.test").await?;
    let post = |path: &str, token: &str, body: Value| {
        client
            .post(format!("{url}{path}"))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let board: Value = post("/api/boards", &admin, json!({"name": "Bench board"}))
        .await?
        .json()
        .await?;
    post(
        "/api/users",
        &admin,
        json!({"email": "referrer@bench.test", "name": "Dr Bench", "password": PASSWORD}),
    )
    .await?
    .error_for_status()?;
    let referrer = login(&client, url, "referrer@bench.test").await?;
    let dossier: Value = post(
        "/api/dossiers",
        &referrer,
        json!({"board_id": board["id"], "title": "Bench", "patient": {"pseudonym": "B-1"}, "question": "?"}),
    )
    .await?
    .json()
    .await?;
    let id = dossier["id"].as_str().context("dossier id")?.to_string();
    Ok((referrer, id))
}

/// A WebSocket to `path` on the server at `http_url` (`http://host:port`), with TCP_NODELAY set
/// (tokio-tungstenite leaves Nagle on: without it a client measures delayed-ACK stalls).
pub async fn ws_connect(
    http_url: &str,
    path: &str,
) -> anyhow::Result<tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>> {
    let addr = http_url
        .strip_prefix("http://")
        .context("the server's URL is not http://")?;
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    tcp.set_nodelay(true)?;
    let (ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}{path}"), tcp)
        .await
        .context("WebSocket upgrade")?;
    Ok(ws)
}

/// The value at percentile `p` (nearest rank) of `v`, sorted in place; NaN when empty.
pub fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let i = ((p / 100.0) * (v.len() - 1) as f64).round() as usize;
    v[i.min(v.len() - 1)]
}

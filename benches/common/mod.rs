//! What the benchmarks that drive the real server share: command-line arguments, the data
//! every upload needs (an account, a board, a dossier), and the server process (`process.rs`).

#![allow(dead_code)]

pub mod process;

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde_json::{Value, json};

pub const PASSWORD: &str = "bench-password-123";

/// The value after `--name` on the command line.
pub fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
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

/// An admin (through the CLI), a board, a referrer and a draft dossier (through the API).
pub async fn setup(
    binary: &Path,
    data: &Path,
    db_url: &str,
    url: &str,
) -> anyhow::Result<(String, String)> {
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
    if !status.success() {
        bail!("user add failed");
    }
    let client = reqwest::Client::new();
    let login = |email: &'static str| {
        let client = client.clone();
        async move {
            let v: Value = client
                .post(format!("{url}/api/auth/login"))
                .json(&json!({"email": email, "password": PASSWORD}))
                .send()
                .await?
                .json()
                .await?;
            v["token"]
                .as_str()
                .map(str::to_string)
                .context("login failed")
        }
    };
    let admin = login("admin@bench.test").await?;
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
    let referrer = login("referrer@bench.test").await?;
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

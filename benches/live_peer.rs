//! Consilium's live rooms against a Socket.IO 4 server with the same room shape, side by side
//! in one run, driven by one client (`benches/peer/client.mjs`, Node) with the same logic.
//!
//! For each run: Consilium (release build, SQLite, every command durable before its ack) is
//! started on a fresh data directory, users, boards, sessions and dossiers are set up through
//! the API (at most `--max-per-user` connections per user), and the client drives it; then the
//! Socket.IO peer (`benches/peer/server.mjs`, in memory) is started and driven by the same
//! client with the same plan shape. Figures are printed side by side with their ratios.
//!
//! Run: `cargo bench --bench live_peer -- --connections 10000 --rooms 500 --rate 100 --duration 60 --runs 2`

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Context, bail, ensure};
use common::process::{ServerProcess, machine};
use common::{arg, arg_or, login, rooms, runtime};
use serde_json::{Value, json};

mod common;

struct Args {
    connections: usize,
    rooms: usize,
    rate: f64,
    duration: u64,
    runs: usize,
    max_per_user: usize,
    seed: u64,
}

fn main() -> anyhow::Result<()> {
    let a = Args {
        connections: arg_or("--connections", 10_000)?,
        rooms: arg_or("--rooms", 500)?,
        rate: arg_or("--rate", 100.0)?,
        duration: arg_or("--duration", 60)?,
        runs: arg_or("--runs", 2)?,
        max_per_user: arg_or("--max-per-user", 4)?,
        seed: arg_or("--seed", 42)?,
    };
    ensure!(
        a.rooms > 0 && a.connections >= a.rooms * 2,
        "need at least 2 connections per room"
    );
    println!("machine: {}", machine());
    println!(
        "{} connections in {} rooms of {}, {} commands/s for {} s, at most {} connections per user on Consilium, {} runs",
        a.connections,
        a.rooms,
        a.connections / a.rooms,
        a.rate,
        a.duration,
        a.max_per_user,
        a.runs
    );
    let peer = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/peer");
    npm_ci(&peer)?;
    let rt = runtime()?;
    let mut rows = Vec::new();
    for run in 1..=a.runs {
        let ours = rt.block_on(consilium_run(&a, &peer))?;
        let theirs = socketio_run(&a, &peer)?;
        print_pair(run, &ours, &theirs);
        rows.push((ours, theirs));
    }
    println!(
        "\n| run | server | connect | RSS per connection | broadcast p50 / p95 / p99 / max | ack p50 / p99 | undelivered / unacked | errors |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (run, (ours, theirs)) in rows.iter().enumerate() {
        for r in [ours, theirs] {
            println!("{}", row(run + 1, r));
        }
    }
    Ok(())
}

/// Installs the peer's packages from its lock file when they are missing.
fn npm_ci(peer: &Path) -> anyhow::Result<()> {
    if peer.join("node_modules/socket.io").exists() {
        return Ok(());
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(peer)
        .status()
        .context("npm is needed for the Socket.IO peer")?;
    ensure!(status.success(), "npm ci failed in {}", peer.display());
    Ok(())
}

/// Runs the client on a plan; its result.
fn drive(peer: &Path, plan: &Value) -> anyhow::Result<Value> {
    let dir = tempfile::tempdir()?;
    let plan_path = dir.path().join("plan.json");
    let out_path = dir.path().join("result.json");
    std::fs::write(&plan_path, serde_json::to_vec(plan)?)?;
    let status = Command::new("node")
        .arg("--max-old-space-size=4096")
        .arg(peer.join("client.mjs"))
        .arg("--plan")
        .arg(&plan_path)
        .arg("--out")
        .arg(&out_path)
        .status()
        .context("node is needed for the client")?;
    ensure!(status.success(), "the client failed");
    Ok(serde_json::from_slice(&std::fs::read(&out_path)?)?)
}

fn plan(a: &Args, target: &str, url: &str, pid: u32, rooms: Vec<Value>) -> Value {
    json!({
        "target": target, "url": url, "server_pid": pid, "rate": a.rate, "duration": a.duration,
        "seed": a.seed, "handshake_concurrency": 128, "rooms": rooms,
    })
}

async fn consilium_run(a: &Args, peer: &Path) -> anyhow::Result<Value> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("peer.db").display());
    // `--binary` runs another build (an older commit, or a wrapper such as a profiler).
    let binary = arg("--binary")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_consilium")));
    let binary = binary.as_path();
    let server = ServerProcess::start(
        binary,
        dir.path(),
        &url,
        &[
            (
                "CONSILIUM_JWT_SECRET",
                "peer-bench-secret-peer-bench-secret-0123456789",
            ),
            (
                "CONSILIUM_MAX_LIVE_CONNECTIONS_PER_USER",
                &a.max_per_user.to_string(),
            ),
        ],
    )?;
    let api = server.url.clone();
    let client = reqwest::Client::new();
    common::add_admin(binary, dir.path(), &url)?;
    let admin = login(&client, &api, "admin@bench.test").await?;
    let per_room = a.connections / a.rooms;
    let user_count = a.connections.div_ceil(a.max_per_user).max(per_room);
    let started = std::time::Instant::now();
    let users = rooms::users(&client, &api, &admin, user_count).await?;
    let made = rooms::rooms(&client, &api, &admin, &users, a.rooms, per_room).await?;
    eprintln!(
        "consilium: {user_count} users and {} rooms set up in {:.1} s",
        a.rooms,
        started.elapsed().as_secs_f64()
    );
    let rooms: Vec<Value> = made
        .iter()
        .enumerate()
        .map(|(r, (session, dossier, _))| {
            let members: Vec<Value> = (0..per_room)
                .map(|k| json!({"token": users[rooms::member(r, k, per_room, user_count)].1}))
                .collect();
            json!({"session_id": session, "dossier_id": dossier, "members": members})
        })
        .collect();
    let plan = plan(a, "consilium", &api, server.pid(), rooms);
    let peer = peer.to_path_buf();
    let result = tokio::task::spawn_blocking(move || drive(&peer, &plan)).await??;
    drop(server);
    Ok(result)
}

/// The Socket.IO peer as a child process, killed when dropped.
struct Peer(Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn socketio_run(a: &Args, peer: &Path) -> anyhow::Result<Value> {
    let mut child = Command::new("node")
        .arg(peer.join("server.mjs"))
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("node is needed for the Socket.IO peer")?;
    let stdout = child.stdout.take().context("no stdout")?;
    let peer_process = Peer(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let Some(url) = line.trim().strip_prefix("listening on ") else {
        bail!("unexpected first line from the Socket.IO peer: {line:?}");
    };
    let per_room = a.connections / a.rooms;
    let user_count = a.connections.div_ceil(a.max_per_user).max(per_room);
    let rooms: Vec<Value> = (0..a.rooms)
        .map(|r| {
            let members: Vec<Value> = (0..per_room)
                .map(|k| json!({"token": format!("t{}", rooms::member(r, k, per_room, user_count))}))
                .collect();
            json!({"session_id": format!("s{r}"), "dossier_id": format!("d{r}"), "members": members})
        })
        .collect();
    let plan = plan(a, "socketio", url, peer_process.0.id(), rooms);
    let result = drive(&PathBuf::from(peer), &plan)?;
    drop(peer_process);
    Ok(result)
}

fn f(v: &Value, path: &[&str]) -> f64 {
    let mut at = v;
    for p in path {
        at = &at[*p];
    }
    at.as_f64().unwrap_or(f64::NAN)
}

fn row(run: usize, r: &Value) -> String {
    let name = match r["target"].as_str() {
        Some("consilium") => "Consilium (SQLite, durable)",
        _ => "Socket.IO 4 (memory)",
    };
    format!(
        "| {run} | {name} | {:.0} in {:.1} s | {:.1} KiB | {:.1} / {:.1} / {:.1} / {:.1} ms | {:.1} / {:.1} ms | {:.0} / {:.0} | {} |",
        f(r, &["connections", "established"]),
        f(r, &["connections", "seconds"]),
        f(r, &["rss", "per_conn_kib"]),
        f(r, &["broadcast_ms", "p50"]),
        f(r, &["broadcast_ms", "p95"]),
        f(r, &["broadcast_ms", "p99"]),
        f(r, &["broadcast_ms", "max"]),
        f(r, &["ack_ms", "p50"]),
        f(r, &["ack_ms", "p99"]),
        f(r, &["broadcast_ms", "undelivered"]),
        f(r, &["ack_ms", "unacked"]),
        r["errors"]
    )
}

fn print_pair(run: usize, ours: &Value, theirs: &Value) {
    println!("\nrun {run}");
    println!("{}", row(run, ours));
    println!("{}", row(run, theirs));
    let ratio = |path: &[&str]| f(ours, path) / f(theirs, path);
    println!(
        "ratios Consilium / Socket.IO: broadcast p99 {:.2}, ack p99 {:.2}, connect time {:.2}, RSS per connection {:.2}",
        ratio(&["broadcast_ms", "p99"]),
        ratio(&["ack_ms", "p99"]),
        ratio(&["connections", "seconds"]),
        ratio(&["rss", "per_conn_kib"]),
    );
    println!(
        "client CPU: {:.1} s and {:.1} s; commands sent {:.0} and {:.0}",
        f(ours, &["client_cpu_s"]),
        f(theirs, &["client_cpu_s"]),
        f(ours, &["load", "sent"]),
        f(theirs, &["load", "sent"]),
    );
}

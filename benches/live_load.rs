//! Load generator for the live rooms (issue: live rooms under load).
//!
//! Starts the real server (one instance, or several on one PostgreSQL), sets up users, boards,
//! sessions and dossiers through the API, opens N WebSocket connections across R rooms, has
//! each room's chair open a vote, then for a fixed time sends commands at a fixed rate (chat
//! lines and ballots, from seeded random members), and reports:
//! connections established and setup rate; p50/p95/p99 latency from a chat command's send to
//! its broadcast reaching every other member of the room; p99 of acks; messages delivered per
//! second; errors by code; the servers' RSS per connection. Loopback only.
//!
//! Run: `cargo bench --bench live_load -- --connections 10000 --rooms 500 --rate 100 --duration 60`
//! (add `--database-url postgres://… --instances 2` for two instances on one PostgreSQL).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use common::process::{ServerProcess, machine, mib};
use common::{login, percentile, rooms, runtime};
use futures_util::{SinkExt, StreamExt};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use tokio::sync::{Semaphore, mpsc};
use tokio_tungstenite::tungstenite::Message;

mod common;

#[derive(Debug, Clone)]
struct Args {
    connections: usize,
    rooms: usize,
    rate: f64,
    duration: u64,
    seed: u64,
    database_url: Option<String>,
    instances: usize,
    users: Option<usize>,
}

fn parse_args() -> anyhow::Result<Args> {
    let args: Vec<String> = std::env::args().collect();
    let get = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let a = Args {
        connections: get("--connections")
            .map(|v| v.parse())
            .transpose()?
            .unwrap_or(10_000),
        rooms: get("--rooms")
            .map(|v| v.parse())
            .transpose()?
            .unwrap_or(500),
        rate: get("--rate")
            .map(|v| v.parse())
            .transpose()?
            .unwrap_or(100.0),
        duration: get("--duration")
            .map(|v| v.parse())
            .transpose()?
            .unwrap_or(60),
        seed: get("--seed").map(|v| v.parse()).transpose()?.unwrap_or(42),
        database_url: get("--database-url"),
        instances: get("--instances")
            .map(|v| v.parse())
            .transpose()?
            .unwrap_or(1),
        users: get("--users").map(|v| v.parse()).transpose()?,
    };
    if a.rooms == 0 || a.connections < a.rooms * 2 {
        bail!("need at least 2 connections per room");
    }
    if a.instances > 1
        && !a
            .database_url
            .as_deref()
            .unwrap_or("")
            .starts_with("postgres")
    {
        bail!("several instances need --database-url postgres://…");
    }
    Ok(a)
}

/// What every connection shares: pending acks and broadcasts, counters.
#[derive(Default)]
struct Book {
    acks: Mutex<HashMap<String, Instant>>,
    ack_ms: Mutex<Vec<f64>>,
    /// chat id -> (sent, receivers expected, receivers so far)
    broadcasts: Mutex<HashMap<String, (Instant, usize, usize)>>,
    broadcast_ms: Mutex<Vec<f64>>,
    errors: Mutex<BTreeMap<String, u64>>,
    received: AtomicU64,
}

impl Book {
    fn error(&self, code: String) {
        if let Ok(mut e) = self.errors.lock() {
            *e.entry(code).or_insert(0) += 1;
        }
    }
}

struct Conn {
    tx: mpsc::UnboundedSender<String>,
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    runtime()?.block_on(run(args))
}

async fn run(args: Args) -> anyhow::Result<()> {
    println!("machine: {}", machine());
    println!("{args:?}");
    let dir = tempfile::tempdir()?;
    let url = args
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("load.db").display()));
    let binary = Path::new(env!("CARGO_BIN_EXE_consilium"));
    // With `--users`, one simulated user holds several connections (in different rooms): the
    // per-user cap must let them all in.
    let users = args
        .users
        .unwrap_or(args.connections)
        .clamp(1, args.connections);
    let max_per_user = args.connections.div_ceil(users).max(8).to_string();
    let mut servers = Vec::new();
    for i in 0..args.instances {
        let data = dir.path().join(format!("instance-{i}"));
        std::fs::create_dir_all(&data)?;
        servers.push(ServerProcess::start(
            binary,
            &data,
            &url,
            &[
                (
                    "CONSILIUM_JWT_SECRET",
                    "load-test-secret-load-test-secret-0123456789",
                ),
                ("CONSILIUM_MAX_LIVE_CONNECTIONS_PER_USER", &max_per_user),
            ],
        )?);
    }
    let api = servers[0].url.clone();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;

    // --- Setup through the API ----------------------------------------------------------
    common::add_admin(binary, dir.path(), &url)?;
    let admin = login(&client, &api, "admin@bench.test").await?;
    let setup = Instant::now();
    let per_room = args.connections / args.rooms;
    let user_count = args.users.unwrap_or(args.rooms * per_room).max(per_room);
    let users = rooms::users(&client, &api, &admin, user_count).await?;
    let users_secs = setup.elapsed().as_secs_f64();
    // Room r has users (r * per_room + k) % user_count; k = 0 chairs.
    let member = |r: usize, k: usize| rooms::member(r, k, per_room, user_count);
    let rooms = rooms::rooms(&client, &api, &admin, &users, args.rooms, per_room).await?;
    let setup_secs = setup.elapsed().as_secs_f64();
    println!(
        "setup: {user_count} users in {users_secs:.1} s ({:.0}/s, each created and signed in), {} rooms; total {setup_secs:.1} s",
        user_count as f64 / users_secs,
        args.rooms
    );
    let idle_before: Vec<u64> = servers.iter().map(|s| s.rss().unwrap_or(0)).collect();

    // --- Connections ----------------------------------------------------------------------
    let book = Arc::new(Book::default());
    let handshakes = Arc::new(Semaphore::new(128));
    let connect_started = Instant::now();
    let mut joins = Vec::new();
    for r in 0..args.rooms {
        for k in 0..per_room {
            let server = &servers[(r * per_room + k) % servers.len()].url;
            let ws_url = format!(
                "{}/api/sessions/{}/live",
                server.replacen("http", "ws", 1),
                rooms[r].0
            );
            let token = users[member(r, k)].1.clone();
            let (book, handshakes) = (book.clone(), handshakes.clone());
            joins.push(tokio::spawn(async move {
                let permit = handshakes.acquire_owned().await?;
                let conn = connect(&ws_url, &token, (r, k), book).await;
                drop(permit);
                conn
            }));
        }
    }
    let mut conns: Vec<Vec<Conn>> = (0..args.rooms).map(|_| Vec::new()).collect();
    let mut failed = 0;
    for (i, j) in joins.into_iter().enumerate() {
        match j.await? {
            Ok(c) => conns[i / per_room].push(c),
            Err(e) => {
                failed += 1;
                if failed <= 3 {
                    eprintln!("connection failed: {e:#}");
                }
            }
        }
    }
    let connect_secs = connect_started.elapsed().as_secs_f64();
    let established: usize = conns.iter().map(Vec::len).sum();
    println!(
        "connections: {established} established, {failed} failed, in {connect_secs:.1} s ({:.0}/s)",
        established as f64 / connect_secs
    );
    tokio::time::sleep(Duration::from_secs(5)).await;
    for (i, s) in servers.iter().enumerate() {
        let rss = s.rss()?;
        let here = established.div_ceil(servers.len());
        println!(
            "instance {i}: RSS {:.1} MiB with ~{here} idle connections; {:.1} KiB per connection",
            mib(rss),
            (rss.saturating_sub(idle_before[i])) as f64 / 1024.0 / here.max(1) as f64
        );
    }

    // --- Votes --------------------------------------------------------------------------
    for (r, room) in rooms.iter().enumerate() {
        let Some(chair) = conns[r].first() else {
            continue;
        };
        let _ = chair.tx.send(
            json!({"type": "open_vote", "dossier_id": room.1, "proposal": "Escalate?", "options": ["escalate", "continue"], "request_id": format!("open-{r}")})
                .to_string(),
        );
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let votes = vote_ids(&client, &api, &rooms, &users, per_room, member).await?;
    book.received.store(0, Ordering::Relaxed);
    if let Ok(mut e) = book.errors.lock() {
        e.clear();
    }

    // --- Load -------------------------------------------------------------------------------
    let mut rng = StdRng::seed_from_u64(args.seed);
    let interval = Duration::from_secs_f64(1.0 / args.rate);
    let load_started = Instant::now();
    let mut next = tokio::time::Instant::now();
    let mut sent = 0u64;
    while load_started.elapsed() < Duration::from_secs(args.duration) {
        let r = rng.gen_range(0..args.rooms);
        if conns[r].len() < 2 {
            continue;
        }
        let k = rng.gen_range(0..conns[r].len());
        let rid = format!("c{sent}");
        let now = Instant::now();
        let cmd = if rng.gen_bool(0.6) || votes[r].is_none() {
            let id = format!("m{sent}");
            if let Ok(mut b) = book.broadcasts.lock() {
                b.insert(id.clone(), (now, conns[r].len() - 1, 0));
            }
            json!({"type": "chat", "text": format!("{id} The MRI shows two new lesions."), "request_id": rid})
        } else {
            let option = if rng.gen_bool(0.5) {
                "escalate"
            } else {
                "continue"
            };
            json!({"type": "cast", "vote_id": votes[r], "option": option, "request_id": rid})
        };
        if let Ok(mut a) = book.acks.lock() {
            a.insert(rid, now);
        }
        let _ = conns[r][k].tx.send(cmd.to_string());
        sent += 1;
        next += interval;
        tokio::time::sleep_until(next).await;
    }
    let load_secs = load_started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let received = book.received.load(Ordering::Relaxed);

    // --- Report -------------------------------------------------------------------------
    let mut bcast = book
        .broadcast_ms
        .lock()
        .map(|v| v.clone())
        .unwrap_or_default();
    let mut acks = book.ack_ms.lock().map(|v| v.clone()).unwrap_or_default();
    let undelivered = book.broadcasts.lock().map(|b| b.len()).unwrap_or(0);
    let unacked = book.acks.lock().map(|a| a.len()).unwrap_or(0);
    println!(
        "load: {sent} commands in {load_secs:.1} s ({:.1}/s)",
        sent as f64 / load_secs
    );
    println!(
        "broadcast latency (chat, to every other member): p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms over {} broadcasts; {undelivered} not fully delivered",
        percentile(&mut bcast, 50.0),
        percentile(&mut bcast, 95.0),
        percentile(&mut bcast, 99.0),
        percentile(&mut bcast, 100.0),
        bcast.len()
    );
    println!(
        "ack latency: p50 {:.1} ms, p99 {:.1} ms over {} acks; {unacked} unacknowledged",
        percentile(&mut acks, 50.0),
        percentile(&mut acks, 99.0),
        acks.len()
    );
    println!(
        "messages delivered: {received} in {:.1} s ({:.0}/s)",
        load_secs + 3.0,
        received as f64 / (load_secs + 3.0)
    );
    println!(
        "errors by code: {:?}",
        book.errors.lock().map(|e| e.clone()).unwrap_or_default()
    );
    for (i, s) in servers.iter().enumerate() {
        println!("instance {i}: RSS after the load {:.1} MiB", mib(s.rss()?));
    }
    Ok(())
}

/// The open vote of each room, read from the room log.
async fn vote_ids(
    client: &reqwest::Client,
    api: &str,
    rooms: &[(String, String, String)],
    users: &[(String, String)],
    per_room: usize,
    member: impl Fn(usize, usize) -> usize,
) -> anyhow::Result<Vec<Option<String>>> {
    let _ = per_room;
    let mut out = Vec::with_capacity(rooms.len());
    for (r, room) in rooms.iter().enumerate() {
        let token = &users[member(r, 0)].1;
        let log: Value = client
            .get(format!("{api}/api/sessions/{}/events", room.0))
            .bearer_auth(token)
            .send()
            .await?
            .json()
            .await?;
        let vote = log["items"]
            .as_array()
            .and_then(|items| items.iter().find(|e| e["type"] == "vote_opened"))
            .and_then(|e| e["vote"]["id"].as_str())
            .map(str::to_string);
        out.push(vote);
    }
    Ok(out)
}

/// Opens one connection: hello, welcome, then a writer task and a reader task.
async fn connect(
    url: &str,
    token: &str,
    _slot: (usize, usize),
    book: Arc<Book>,
) -> anyhow::Result<Conn> {
    // TCP_NODELAY on the client's side too: without it, small frames wait for delayed ACKs.
    let (ws, _) = tokio_tungstenite::connect_async_with_config(url, None, true)
        .await
        .context("upgrade")?;
    let (mut sink, mut stream) = ws.split();
    sink.send(Message::text(
        json!({"type": "hello", "token": token}).to_string(),
    ))
    .await?;
    loop {
        match tokio::time::timeout(Duration::from_secs(30), stream.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                let v: Value = serde_json::from_str(t.as_str())?;
                if v["type"] == "welcome" {
                    break;
                }
            }
            Ok(Some(Ok(Message::Close(f)))) => bail!("closed before welcome: {f:?}"),
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(e))) => bail!("read: {e}"),
            Ok(None) => bail!("ended before welcome"),
            Err(_) => bail!("no welcome within 30 s"),
        }
    }
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    tokio::spawn(async move {
        while let Some(text) = rx.recv().await {
            if sink.send(Message::text(text)).await.is_err() {
                break;
            }
        }
    });
    tokio::spawn(async move {
        while let Some(msg) = stream.next().await {
            match msg {
                Ok(Message::Text(t)) => {
                    book.received.fetch_add(1, Ordering::Relaxed);
                    on_message(&book, t.as_str());
                }
                Ok(Message::Close(f)) => {
                    book.error(format!(
                        "close:{}",
                        f.map(|f| u16::from(f.code)).unwrap_or(1005)
                    ));
                    break;
                }
                Ok(_) => {}
                Err(_) => {
                    book.error("dropped".into());
                    break;
                }
            }
        }
    });
    Ok(Conn { tx })
}

fn on_message(book: &Book, text: &str) {
    let now = Instant::now();
    // Cheap checks first: most messages are chat lines and tallies.
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return;
    };
    match v["type"].as_str() {
        Some("ack") => {
            if let Some(rid) = v["request_id"].as_str()
                && let Some(sent) = book.acks.lock().ok().and_then(|mut a| a.remove(rid))
                && let Ok(mut samples) = book.ack_ms.lock()
            {
                samples.push(now.duration_since(sent).as_secs_f64() * 1000.0);
            }
        }
        Some("error") => {
            book.error(v["code"].as_str().unwrap_or("?").to_string());
            if let Some(rid) = v["request_id"].as_str()
                && let Ok(mut a) = book.acks.lock()
            {
                a.remove(rid);
            }
        }
        Some("chat") => {
            let Some(id) = v["text"].as_str().and_then(|t| t.split(' ').next()) else {
                return;
            };
            let Ok(mut b) = book.broadcasts.lock() else {
                return;
            };
            let mut done = None;
            if let Some(track) = b.get_mut(id) {
                // The author also receives its own line; it is not one of the "others".
                track.2 += 1;
                if track.2 > track.1 {
                    done = Some(track.0);
                }
            }
            if let Some(sent) = done {
                b.remove(id);
                if let Ok(mut samples) = book.broadcast_ms.lock() {
                    samples.push(now.duration_since(sent).as_secs_f64() * 1000.0);
                }
            }
        }
        _ => {}
    }
}

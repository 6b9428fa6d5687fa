//! The real binary killed (SIGKILL) in the middle of a burst of 500 room commands, sent from
//! four connections without waiting for answers: with group commit, every command that was
//! acknowledged is in the log after the restart, with the `seq` its ack gave, in an unbroken
//! sequence; sending the whole burst again applies each command exactly once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::fixtures::{meeting_with, three_of_three};
use crate::helpers::Backend;
use crate::live_process::{Server, cli_admin, database};
use crate::on_both;
use crate::ws::Ws;

on_both!(a_kill_mid_burst_loses_no_acknowledged_command);

const CONNECTIONS: usize = 4;
const PER_CONNECTION: usize = 125;
/// The kill comes once this many acks have arrived.
const KILL_AFTER: usize = 60;

fn line(conn: usize, n: usize) -> (String, String) {
    // Long lines (1 KiB) make the burst take long enough for the kill to land inside it.
    let text = format!("burst {conn}-{n} {}", "x".repeat(1000));
    (format!("b{conn}-{n}"), text)
}

/// The room's durable log, oldest first.
async fn room_log(server: &Server, session: &str, token: &str) -> Vec<Value> {
    let log = server
        .api
        .get(
            &format!("/api/sessions/{session}/events?limit=1000"),
            Some(token),
        )
        .await;
    log.expect(200)["items"].as_array().unwrap().clone()
}

async fn a_kill_mid_burst_loses_no_acknowledged_command(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = database(backend, dir.path()).await;
    let no_rate = [(
        "CONSILIUM_LIVE_COMMANDS_PER_SEC".to_string(),
        "100000".to_string(),
    )];
    let server = Server::start_with(dir.path(), &db, &no_rate);
    let admin = cli_admin(dir.path(), &db, &server.api).await;
    let m = meeting_with(&server.api, admin, three_of_three()).await;
    let url = server.api.url.clone();
    let mut tokens = vec![m.chair.token.clone()];
    tokens.extend(m.specialists.iter().map(|s| s.token.clone()));
    assert_eq!(tokens.len(), CONNECTIONS);

    let acked: Arc<Mutex<HashMap<String, i64>>> = Arc::default();
    let count = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let (ws, _) = Ws::join(&url, &m.session, token, None).await;
        let (mut sink, mut stream) = ws.stream.split();
        tasks.push(tokio::spawn(async move {
            for n in 0..PER_CONNECTION {
                let (rid, text) = line(i, n);
                let cmd = json!({"type": "chat", "text": text, "request_id": rid});
                if sink.send(Message::text(cmd.to_string())).await.is_err() {
                    break;
                }
            }
        }));
        let (acked, count) = (acked.clone(), count.clone());
        tasks.push(tokio::spawn(async move {
            while let Some(Ok(msg)) = stream.next().await {
                let Message::Text(t) = msg else { continue };
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                assert_ne!(v["type"], "error", "refused: {v}");
                if v["type"] == "ack" {
                    let rid = v["request_id"].as_str().unwrap().to_string();
                    acked
                        .lock()
                        .unwrap()
                        .insert(rid, v["seq"].as_i64().unwrap());
                    count.fetch_add(1, Ordering::SeqCst);
                }
            }
        }));
    }
    let waited = tokio::time::timeout(Duration::from_secs(30), async {
        while count.load(Ordering::SeqCst) < KILL_AFTER {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await;
    assert!(waited.is_ok(), "no {KILL_AFTER} acks within 30 s");
    server.signal("-KILL");
    let _ = server.wait().await;
    // The readers end with the dropped connections.
    for task in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
    }
    let acked = acked.lock().unwrap().clone();
    let total = CONNECTIONS * PER_CONNECTION;
    assert!(acked.len() >= KILL_AFTER);
    assert!(
        acked.len() < total,
        "all {total} commands were acknowledged before the kill: it did not land mid-burst"
    );

    // After the restart: every acknowledged line is in the log with its seq, and the log has
    // no gap.
    let server = Server::start_with(dir.path(), &db, &no_rate);
    let url = server.api.url.clone();
    let items = room_log(&server, &m.session, &m.chair.token).await;
    let by_seq: HashMap<i64, String> = items
        .iter()
        .map(|e| {
            (
                e["seq"].as_i64().unwrap(),
                e["text"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let seqs: Vec<i64> = items.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=items.len() as i64).collect::<Vec<_>>());
    for conn in 0..CONNECTIONS {
        for n in 0..PER_CONNECTION {
            let (rid, text) = line(conn, n);
            if let Some(seq) = acked.get(&rid) {
                assert_eq!(by_seq.get(seq), Some(&text), "acknowledged {rid} lost");
            }
        }
    }
    let durable_before = items.len();
    assert!(durable_before >= acked.len());

    // The burst again, after the restart: acknowledged commands answer with their seq and are
    // not applied twice; the others are applied now.
    // (A request id is the author's: each line goes again from the one who sent it.)
    let mut texts_seen: HashMap<String, usize> = HashMap::new();
    for (conn, token) in tokens.iter().enumerate() {
        let (mut ws, _) = Ws::join(&url, &m.session, token, None).await;
        for n in 0..PER_CONNECTION {
            let (rid, text) = line(conn, n);
            let ack = ws
                .command(json!({"type": "chat", "text": text}), &rid)
                .await;
            assert_eq!(ack["type"], "ack", "{ack}");
            if let Some(seq) = acked.get(&rid) {
                assert_eq!(ack["seq"].as_i64(), Some(*seq), "{rid} applied twice");
            }
        }
    }
    let items = room_log(&server, &m.session, &m.chair.token).await;
    for e in &items {
        *texts_seen
            .entry(e["text"].as_str().unwrap_or("").to_string())
            .or_default() += 1;
    }
    assert_eq!(items.len(), total, "each command exactly once");
    for conn in 0..CONNECTIONS {
        for n in 0..PER_CONNECTION {
            assert_eq!(texts_seen.get(&line(conn, n).1), Some(&1));
        }
    }
    eprintln!(
        "burst of {total}: {} acknowledged before the kill, {durable_before} durable",
        acked.len()
    );
}

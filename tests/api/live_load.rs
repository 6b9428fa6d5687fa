//! The live rooms under stress: several instances, slow and silent clients, floods.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::fixtures::{meeting, open_vote, three_of_three};
use crate::helpers::{Backend, Options, another_instance, spawn_app, spawn_app_with};
use crate::on_both;
use crate::ws::{Ended, Ws};

on_both!(
    a_stalled_client_does_not_delay_the_others,
    a_flood_is_rate_limited,
    silent_peers_are_dropped,
    metrics_count_the_rooms,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_the_rooms() {
    let a = spawn_app(Backend::Postgres).await;
    let b = another_instance(&a).await;
    let m = meeting(&a, three_of_three()).await;
    // The chair and one specialist on A, two specialists on B.
    let (mut chair, _) = Ws::join(&a.url, &m.session, &m.chair.token, None).await;
    let (mut on_a, _) = Ws::join(&a.url, &m.session, &m.specialists[0].token, None).await;
    let (mut b1, _) = Ws::join(&b.url, &m.session, &m.specialists[1].token, None).await;
    let (mut b2, welcome) = Ws::join(&b.url, &m.session, &m.specialists[2].token, None).await;
    // Presence crosses instances.
    assert_eq!(welcome["participants"].as_array().unwrap().len(), 4);
    chair
        .until(|v| {
            v["type"] == "presence" && v["participants"].as_array().is_some_and(|p| p.len() == 4)
        })
        .await;
    // Events from both sides, interleaved.
    chair
        .ok(json!({"type": "focus", "dossier_id": m.dossier}))
        .await;
    b1.ok(json!({"type": "chat", "text": "from B"})).await;
    on_a.ok(json!({"type": "chat", "text": "from A"})).await;
    let vote = open_vote(&mut chair, &m.dossier, &["yes", "no"]).await;
    // Ballots on both instances; the tally reaches everyone.
    b1.ok(json!({"type": "cast", "vote_id": vote, "option": "yes"}))
        .await;
    b2.ok(json!({"type": "cast", "vote_id": vote, "option": "yes", "comment": "cast on B"}))
        .await;
    on_a.ok(json!({"type": "cast", "vote_id": vote, "option": "no"}))
        .await;
    chair
        .until(|v| v["type"] == "tally" && v["cast"] == 3)
        .await;
    b2.until(|v| v["type"] == "tally" && v["cast"] == 3).await;
    // Closed on A, counting the ballots cast on B.
    let ack = chair
        .ok(json!({"type": "close_vote", "vote_id": vote, "summary": "Agreed."}))
        .await;
    let last = ack["seq"].as_i64().unwrap();
    assert_eq!(last, 5);
    let decision = chair.event(last).await["decision"].clone();
    assert_eq!(decision["status"], "decided");
    assert_eq!(decision["outcome"], "yes");
    assert_eq!(decision["tally"], json!({"yes": 2, "no": 1}));
    assert!(
        decision["ballots"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["comment"] == "cast on B")
    );
    assert_eq!(decision["present"].as_array().unwrap().len(), 4);
    // Everyone saw the same events in the same order.
    for ws in [&mut on_a, &mut b1, &mut b2] {
        ws.event(last).await;
    }
    let order = |ws: &Ws| -> Vec<String> { ws.events.iter().map(|e| e.to_string()).collect() };
    let reference = order(&chair);
    assert_eq!(reference.len(), 5);
    for ws in [&on_a, &b1, &b2] {
        assert_eq!(order(ws), reference);
    }
    // A client moving from A to B resumes without a gap.
    on_a.close().await;
    b1.ok(json!({"type": "chat", "text": "while you moved"}))
        .await;
    let (mut moved, _) = Ws::join(&b.url, &m.session, &m.specialists[0].token, Some(last)).await;
    assert_eq!(moved.event(last + 1).await["text"], "while you moved");
    assert_eq!(moved.events.len(), 1);
}

async fn a_stalled_client_does_not_delay_the_others(backend: Backend) {
    let app = spawn_app_with(
        backend,
        Options {
            live_queue_capacity: Some(128),
            live_commands_per_sec: Some(10_000.0),
            ..Options::default()
        },
    )
    .await;
    let m = meeting(&app, three_of_three()).await;
    let (mut chair, _) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    let (mut reader, _) = Ws::join(&app.url, &m.session, &m.specialists[0].token, None).await;
    // This one says hello, then stops reading.
    let (mut stalled, _) = Ws::join(&app.url, &m.session, &m.specialists[1].token, None).await;

    const MESSAGES: usize = 900;
    let started = Instant::now();
    let reading = tokio::spawn(async move {
        let mut arrivals = Vec::with_capacity(MESSAGES);
        while arrivals.len() < MESSAGES {
            let v = reader.recv().await;
            if v["type"] == "chat" {
                arrivals.push((v["seq"].as_i64().unwrap(), started.elapsed()));
            }
        }
        arrivals
    });
    // Big lines (about 12 KB each), so that the stalled client's buffers fill quickly.
    let filler = "€".repeat(3990);
    let mut sent = Vec::with_capacity(MESSAGES);
    for i in 0..MESSAGES {
        let at = started.elapsed();
        let ack = chair
            .ok(json!({"type": "chat", "text": format!("{i:04} {filler}")}))
            .await;
        sent.push((ack["seq"].as_i64().unwrap(), at));
    }
    let arrivals = tokio::time::timeout(Duration::from_secs(60), reading)
        .await
        .unwrap()
        .unwrap();
    let mut delays: Vec<Duration> = arrivals
        .iter()
        .map(|(seq, at)| {
            let (_, sent_at) = sent.iter().find(|(s, _)| s == seq).unwrap();
            at.saturating_sub(*sent_at)
        })
        .collect();
    delays.sort();
    let p99 = delays[delays.len() * 99 / 100];
    println!(
        "delivery to the others while one client stalled: p50 {:?}, p99 {:?}, max {:?}",
        delays[delays.len() / 2],
        p99,
        delays.last().unwrap()
    );
    // Every message reached the reading member, in order, promptly.
    let seqs: Vec<i64> = arrivals.iter().map(|(s, _)| *s).collect();
    let expected: Vec<i64> = sent.iter().map(|(s, _)| *s).collect();
    assert_eq!(seqs, expected);
    assert!(p99 < Duration::from_secs(2), "p99 {p99:?}");
    // The stalled client was closed with 4008 behind whatever it had buffered.
    assert_eq!(stalled.closed().await, Ended::Closed(4008));
    // It can come back with since and catch up.
    let last = *expected.last().unwrap();
    let (mut back, welcome) = Ws::join(
        &app.url,
        &m.session,
        &m.specialists[1].token,
        Some(last - 5),
    )
    .await;
    assert_eq!(welcome["seq"], last);
    back.event(last).await;
    assert_eq!(back.events.len(), 5);
}

async fn a_flood_is_rate_limited(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, three_of_three()).await;
    let (mut chair, _) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    for i in 0..100 {
        chair.send(json!({"type": "chat", "text": format!("flood {i}"), "request_id": format!("f{i}")})).await;
    }
    let mut acked = 0;
    let mut limited = 0;
    while acked + limited < 100 {
        let v = chair.recv().await;
        match v["type"].as_str() {
            Some("ack") => acked += 1,
            Some("error") => {
                assert_eq!(v["code"], "rate_limited", "{v}");
                assert!(v["request_id"].as_str().unwrap().starts_with('f'));
                limited += 1;
            }
            _ => {}
        }
    }
    assert!(limited > 0, "nothing was limited");
    assert!(acked >= 40, "the burst allowance was not honoured: {acked}");
    let log = app
        .get(
            &format!("/api/sessions/{}/events", m.session),
            Some(&m.chair.token),
        )
        .await;
    assert_eq!(log.body["items"].as_array().unwrap().len(), acked);
    // After a pause the connection works again.
    tokio::time::sleep(Duration::from_millis(500)).await;
    chair
        .ok(json!({"type": "chat", "text": "calm again"}))
        .await;
}

async fn silent_peers_are_dropped(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, three_of_three()).await;
    let (mut chair, _) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    let joined = Instant::now();
    let (mut silent, _) = Ws::join(&app.url, &m.session, &m.specialists[0].token, None).await;
    chair
        .until(|v| {
            v["type"] == "presence" && v["participants"].as_array().is_some_and(|p| p.len() == 2)
        })
        .await;
    // The silent one does not read, so it does not answer the server's pings either; the
    // chair keeps reading (and so answers them) until it sees the other leave.
    let presence = loop {
        let v = chair
            .try_recv(Duration::from_secs(60))
            .await
            .expect("the chair stays connected");
        if v["type"] == "presence" && v["participants"].as_array().is_some_and(|p| p.len() == 1) {
            break v;
        }
    };
    assert_eq!(
        presence["participants"][0]["user"]["id"],
        m.chair.id.as_str()
    );
    let after = joined.elapsed();
    assert!(
        after >= Duration::from_secs(30) && after < Duration::from_secs(45),
        "dropped after {after:?}"
    );
    assert_eq!(silent.closed().await, Ended::Closed(4000));
}

async fn metrics_count_the_rooms(backend: Backend) {
    let app = spawn_app_with(
        backend,
        Options {
            metrics_token: Some("metrics-token-0123456789".into()),
            ..Options::default()
        },
    )
    .await;
    let m = meeting(&app, three_of_three()).await;
    let (mut chair, _) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    let ack = chair.ok(json!({"type": "chat", "text": "counted"})).await;
    // The line itself reaches the chair from the room's task, after the ack: wait for it, so
    // that it is counted before the metrics are read.
    chair.event(ack["seq"].as_i64().unwrap()).await;
    chair
        .refused(
            json!({"type": "focus", "dossier_id": "00000000-0000-0000-0000-000000000000"}),
            "not_found",
        )
        .await;
    let res = app
        .client
        .get(format!("{}/metrics", app.url))
        .bearer_auth("metrics-token-0123456789")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let text = res.text().await.unwrap();
    let value = |line_start: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(line_start))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{line_start} missing from\n{text}"))
    };
    assert_eq!(value("consilium_live_connections "), 1.0);
    assert_eq!(value("consilium_live_rooms "), 1.0);
    assert_eq!(value("consilium_live_commands_total{result=\"ok\"}"), 1.0);
    assert_eq!(
        value("consilium_live_commands_total{result=\"refused\"}"),
        1.0
    );
    assert_eq!(value("consilium_live_command_seconds_count"), 2.0);
    assert!(value("consilium_live_messages_out_total") >= 3.0);
    assert!(value("consilium_db_pool_connections{state=\"idle\"}") >= 0.0);
    assert_eq!(value("consilium_live_slow_consumer_closes_total"), 0.0);
}

//! The live room protocol against the real server: a whole meeting, refusals, resume.

use serde_json::{Value, json};

use crate::fixtures::{Meeting, meeting, open_vote, schedule, submitted_dossier, three_of_three};
use crate::helpers::{Actor, Backend, TestApp, spawn_app};
use crate::on_both;
use crate::ws::{Ended, Ws};

on_both!(
    a_meeting_decides,
    no_quorum_sends_the_dossier_back,
    a_tie_is_recorded,
    chair_commands_are_for_the_chair,
    strangers_and_bad_tokens_are_turned_away,
    bad_frames_get_errors_and_change_nothing,
    a_client_resumes_with_since,
    request_ids_are_applied_once,
    sessions_and_agendas_over_rest,
    decisions_are_chained_and_immutable,
);

async fn a_meeting_decides(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, three_of_three()).await;
    let (mut chair, welcome) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    assert_eq!(welcome["seq"], 0);
    assert_eq!(welcome["session"]["id"], m.session.as_str());
    assert_eq!(
        welcome["session"]["video_url"],
        "https://visio.example.org/rcp"
    );
    assert_eq!(welcome["you"]["id"], m.chair.id.as_str());
    assert_eq!(welcome["current_dossier_id"], Value::Null);
    assert_eq!(welcome["open_votes"], json!([]));
    assert_eq!(welcome["participants"][0]["role"], "coordinator");

    // Three specialists join; everyone sees the presence grow.
    let mut members = Vec::new();
    for (i, s) in m.specialists.iter().enumerate() {
        let (ws, welcome) = Ws::join(&app.url, &m.session, &s.token, None).await;
        assert_eq!(welcome["participants"].as_array().unwrap().len(), i + 2);
        members.push(ws);
    }
    let presence = chair
        .until(|v| {
            v["type"] == "presence" && v["participants"].as_array().is_some_and(|p| p.len() == 4)
        })
        .await;
    let roles: Vec<&str> = presence["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["coordinator", "member", "member", "member"]);
    assert!(presence["participants"][1]["user"]["specialty"].is_string());

    // Focus, then a vote.
    let ack = chair
        .ok(json!({"type": "focus", "dossier_id": m.dossier}))
        .await;
    assert_eq!(ack["seq"], 1);
    for ws in members.iter_mut() {
        let focus = ws.event(1).await;
        assert_eq!(focus["type"], "focus");
        assert_eq!(focus["dossier_id"], m.dossier.as_str());
        assert_eq!(focus["by"]["id"], m.chair.id.as_str());
    }
    let vote = open_vote(&mut chair, &m.dossier, &["escalate", "continue"]).await;
    for ws in members.iter_mut() {
        let opened = ws.event(2).await;
        assert_eq!(opened["vote"]["options"], json!(["escalate", "continue"]));
        assert_eq!(opened["vote"]["status"], "open");
    }

    // Ballots: the room only learns how many have voted.
    let choices = ["escalate", "continue", "continue"];
    for (i, ws) in members.iter_mut().enumerate() {
        let ack = ws
            .ok(json!({"type": "cast", "vote_id": vote, "option": choices[i], "comment": format!("rationale {i}")}))
            .await;
        assert!(ack.get("seq").is_none(), "a ballot takes no seq: {ack}");
        let tally = chair
            .until(|v| v["type"] == "tally" && v["cast"] == i as i64 + 1)
            .await;
        // How many, and who (never for what), and the quorum as if the vote closed now.
        assert_eq!(tally["vote_id"], vote.as_str());
        assert_eq!(tally["cast"], i + 1);
        assert_eq!(tally["voters"].as_array().unwrap().len(), i + 1);
        assert_eq!(tally["quorum"]["met"], i + 1 == 3);
        assert_eq!(tally["quorum"]["voters"], i + 1);
        assert_eq!(tally["quorum"]["missing_voters"], 2 - i);
        assert!(!tally.to_string().contains(choices[i]), "{tally}");
    }
    // The third specialist changes their mind; the count stays at 3.
    members[2]
        .ok(json!({"type": "cast", "vote_id": vote, "option": "escalate", "comment": "convinced"}))
        .await;
    let tally = chair.next_of("tally").await;
    assert_eq!(tally["cast"], 3);
    // Nothing so far reveals a ballot: not the room log, not the messages.
    let log = app
        .get(
            &format!("/api/sessions/{}/events", m.session),
            Some(&m.chair.token),
        )
        .await;
    assert!(!log.text.contains("rationale"), "{}", log.text);
    assert!(
        chair
            .log
            .iter()
            .all(|v| !v.to_string().contains("rationale"))
    );

    // Closing broadcasts the decision.
    let ack = chair
        .ok(json!({"type": "close_vote", "vote_id": vote, "summary": "Escalate to natalizumab."}))
        .await;
    let closed_seq = ack["seq"].as_i64().unwrap();
    assert_eq!(closed_seq, 3);
    let closed = chair.event(closed_seq).await;
    assert_eq!(closed["type"], "vote_closed");
    assert_eq!(closed["vote_id"], vote.as_str());
    let decision = closed["decision"].clone();
    assert_eq!(decision["status"], "decided");
    assert_eq!(decision["outcome"], "escalate");
    assert_eq!(decision["tally"], json!({"escalate": 2, "continue": 1}));
    assert_eq!(decision["summary"], "Escalate to natalizumab.");
    assert_eq!(decision["proposal"], "Escalate to a high-efficacy therapy?");
    assert_eq!(decision["quorum"]["met"], true);
    assert_eq!(decision["quorum"]["voters"], 3);
    assert_eq!(
        decision["quorum"]["specialties"],
        json!(["Neurology", "Neuroradiology", "Ophthalmology"])
    );
    assert_eq!(decision["quorum"]["rule"], three_of_three());
    let ballots = decision["ballots"].as_array().unwrap();
    assert_eq!(ballots.len(), 3);
    let changed = ballots
        .iter()
        .find(|b| b["voter"]["id"] == m.specialists[2].id.as_str())
        .unwrap();
    assert_eq!(changed["option"], "escalate");
    assert_eq!(changed["comment"], "convinced");
    assert_eq!(decision["present"].as_array().unwrap().len(), 4);
    assert_eq!(decision["decided_by"]["id"], m.chair.id.as_str());
    assert_eq!(decision["hash"].as_str().unwrap().len(), 64);
    assert_eq!(decision["previous_hash"], "0".repeat(64));
    for ws in members.iter_mut() {
        assert_eq!(ws.event(closed_seq).await["decision"], decision);
    }

    // It is persisted and readable; the dossier is decided.
    let id = decision["id"].as_str().unwrap();
    let got = app
        .get(
            &format!("/api/decisions/{id}"),
            Some(&m.specialists[0].token),
        )
        .await;
    assert_eq!(got.expect(200), &decision);
    // The referrer reads it without the named ballots (the board does not show them).
    let mut without_ballots = decision.clone();
    without_ballots["ballots"] = json!([]);
    let got = app
        .get(&format!("/api/decisions/{id}"), Some(&m.referrer.token))
        .await;
    assert_eq!(got.expect(200), &without_ballots);
    let dossier = app
        .get(
            &format!("/api/dossiers/{}", m.dossier),
            Some(&m.referrer.token),
        )
        .await;
    assert_eq!(dossier.body["status"], "decided");
    assert_eq!(dossier.body["decision"], without_ballots);
    // The log holds exactly the three durable events, in order.
    let log = app
        .get(
            &format!("/api/sessions/{}/events", m.session),
            Some(&m.chair.token),
        )
        .await;
    let seqs: Vec<i64> = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, [1, 2, 3]);
    assert_eq!(log.body["items"][2], closed);
    let session = app
        .get(
            &format!("/api/sessions/{}", m.session),
            Some(&m.chair.token),
        )
        .await;
    assert_eq!(session.body["status"], "live");
    // Every member saw the same events in the same order.
    for ws in &members {
        let seen: Vec<i64> = ws
            .events
            .iter()
            .map(|e| e["seq"].as_i64().unwrap())
            .collect();
        assert_eq!(seen, [1, 2, 3]);
    }
}

async fn no_quorum_sends_the_dossier_back(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, three_of_three()).await;
    let (mut chair, _) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    let (mut a, _) = Ws::join(&app.url, &m.session, &m.specialists[1].token, None).await;
    let (mut b, _) = Ws::join(&app.url, &m.session, &m.specialists[2].token, None).await;
    let vote = open_vote(&mut chair, &m.dossier, &["yes", "no"]).await;
    a.ok(json!({"type": "cast", "vote_id": vote, "option": "yes"}))
        .await;
    b.ok(json!({"type": "cast", "vote_id": vote, "option": "yes"}))
        .await;
    let ack = chair
        .ok(json!({"type": "close_vote", "vote_id": vote, "summary": "Present again next week."}))
        .await;
    let closed = chair.event(ack["seq"].as_i64().unwrap()).await;
    let decision = &closed["decision"];
    assert_eq!(decision["status"], "no_quorum");
    assert_eq!(decision["outcome"], Value::Null);
    assert_eq!(decision["quorum"]["met"], false);
    assert_eq!(decision["quorum"]["voters"], 2);
    assert_eq!(decision["tally"], json!({"yes": 2, "no": 0}));
    let dossier = app
        .get(
            &format!("/api/dossiers/{}", m.dossier),
            Some(&m.referrer.token),
        )
        .await;
    assert_eq!(dossier.body["status"], "submitted");
    assert_eq!(dossier.body["decision"]["status"], "no_quorum");
    // Off the agenda, ready to be scheduled again; the attempt stays on record.
    let session = app
        .get(
            &format!("/api/sessions/{}", m.session),
            Some(&m.chair.token),
        )
        .await;
    assert_eq!(session.body["agenda"], json!([]));
    schedule(&app, &m.chair, &m.session, &m.dossier).await;
    let vote2 = open_vote(&mut chair, &m.dossier, &["yes", "no"]).await;
    assert_ne!(vote, vote2);
    let id = decision["id"].as_str().unwrap();
    app.get(&format!("/api/decisions/{id}"), Some(&m.chair.token))
        .await
        .expect(200);
}

async fn a_tie_is_recorded(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, three_of_three()).await;
    let (mut chair, _) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    let mut voters = Vec::new();
    for s in &m.specialists {
        voters.push(Ws::join(&app.url, &m.session, &s.token, None).await.0);
    }
    let vote = open_vote(
        &mut chair,
        &m.dossier,
        &["dair", "two-stage", "antibiotics only"],
    )
    .await;
    let picks = ["dair", "two-stage", "dair"];
    for (ws, pick) in voters.iter_mut().zip(picks) {
        ws.ok(json!({"type": "cast", "vote_id": vote, "option": pick}))
            .await;
    }
    // The chair votes too (coordinators vote), making it 2-2.
    chair
        .ok(json!({"type": "cast", "vote_id": vote, "option": "two-stage"}))
        .await;
    let ack = chair
        .ok(json!({"type": "close_vote", "vote_id": vote, "summary": "Tied; discuss again."}))
        .await;
    let decision = chair.event(ack["seq"].as_i64().unwrap()).await["decision"].clone();
    assert_eq!(decision["status"], "tied");
    assert_eq!(decision["outcome"], Value::Null);
    assert_eq!(decision["quorum"]["met"], true);
    assert_eq!(decision["quorum"]["voters"], 4);
    assert_eq!(
        decision["tally"],
        json!({"dair": 2, "two-stage": 2, "antibiotics only": 0})
    );
    let dossier = app
        .get(
            &format!("/api/dossiers/{}", m.dossier),
            Some(&m.referrer.token),
        )
        .await;
    assert_eq!(dossier.body["status"], "submitted");
}

async fn event_count(app: &TestApp, m: &Meeting) -> usize {
    let log = app
        .get(
            &format!("/api/sessions/{}/events", m.session),
            Some(&m.chair.token),
        )
        .await;
    log.expect(200)["items"].as_array().unwrap().len()
}

async fn chair_commands_are_for_the_chair(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, three_of_three()).await;
    let (mut chair, _) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    let vote = open_vote(&mut chair, &m.dossier, &["yes", "no"]).await;
    // The referrer of a dossier on the agenda may enter, but neither chair nor vote.
    let (mut referrer, welcome) = Ws::join(&app.url, &m.session, &m.referrer.token, None).await;
    assert_eq!(welcome["open_votes"][0]["id"], vote.as_str());
    let (mut member, _) = Ws::join(&app.url, &m.session, &m.specialists[0].token, None).await;
    // An admin who is not on the board may watch, not vote.
    let (mut admin, _) = Ws::join(&app.url, &m.session, &m.admin.token, None).await;
    let before = event_count(&app, &m).await;
    for ws in [&mut referrer, &mut member, &mut admin] {
        ws.refused(
            json!({"type": "focus", "dossier_id": m.dossier}),
            "forbidden",
        )
        .await;
        ws.refused(json!({"type": "open_vote", "dossier_id": m.dossier, "proposal": "p", "options": ["a", "b"]}), "forbidden").await;
        ws.refused(
            json!({"type": "close_vote", "vote_id": vote, "summary": "s"}),
            "forbidden",
        )
        .await;
    }
    referrer
        .refused(
            json!({"type": "cast", "vote_id": vote, "option": "yes"}),
            "forbidden",
        )
        .await;
    admin
        .refused(
            json!({"type": "cast", "vote_id": vote, "option": "yes"}),
            "forbidden",
        )
        .await;
    assert_eq!(event_count(&app, &m).await, before);
    // Referrers may chat.
    referrer
        .ok(json!({"type": "chat", "text": "The patient relapsed again last week."}))
        .await;
    assert_eq!(event_count(&app, &m).await, before + 1);
    // Nothing was decided.
    let dossier = app
        .get(
            &format!("/api/dossiers/{}", m.dossier),
            Some(&m.referrer.token),
        )
        .await;
    assert_eq!(dossier.body["status"], "scheduled");
}

async fn strangers_and_bad_tokens_are_turned_away(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, three_of_three()).await;
    let stranger = app.clinician(&m.admin, "Cardiology").await;
    let mut ws = Ws::connect(&app.url, &m.session).await;
    ws.send(json!({"type": "hello", "token": stranger.token}))
        .await;
    assert_eq!(ws.closed().await, Ended::Closed(4403));
    let mut ws = Ws::connect(&app.url, &m.session).await;
    ws.send(json!({"type": "hello", "token": "not-a-token"}))
        .await;
    assert_eq!(ws.closed().await, Ended::Closed(4401));
    let mut ws = Ws::connect(&app.url, "00000000-0000-0000-0000-000000000000").await;
    ws.send(json!({"type": "hello", "token": m.chair.token}))
        .await;
    assert_eq!(ws.closed().await, Ended::Closed(4404));
    let mut ws = Ws::connect(&app.url, "nope").await;
    ws.send(json!({"type": "hello", "token": m.chair.token}))
        .await;
    assert_eq!(ws.closed().await, Ended::Closed(4404));
    // A revoked token is refused too.
    let token = app.login(&m.chair.email, crate::helpers::PASSWORD).await;
    app.post_empty("/api/auth/logout", Some(&token))
        .await
        .expect(204);
    let mut ws = Ws::connect(&app.url, &m.session).await;
    ws.send(json!({"type": "hello", "token": token})).await;
    assert_eq!(ws.closed().await, Ended::Closed(4401));
    // Commands before hello get an error; silence closes with 4408.
    let mut ws = Ws::connect(&app.url, &m.session).await;
    ws.send(json!({"type": "chat", "text": "hi", "request_id": "early"}))
        .await;
    let err = ws.next_of("error").await;
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["request_id"], "early");
    let started = std::time::Instant::now();
    assert_eq!(ws.closed().await, Ended::Closed(4408));
    assert!(started.elapsed() < std::time::Duration::from_secs(11));
    assert_eq!(event_count(&app, &m).await, 0);
}

async fn bad_frames_get_errors_and_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, three_of_three()).await;
    let (mut chair, _) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    let (mut member, _) = Ws::join(&app.url, &m.session, &m.specialists[0].token, None).await;
    let vote = open_vote(&mut chair, &m.dossier, &["yes", "no"]).await;
    let before = event_count(&app, &m).await;
    let other_dossier = submitted_dossier(&app, &m.referrer, &m.board).await;
    let unknown = "00000000-0000-0000-0000-000000000000";
    let cases: Vec<(Value, &str)> = vec![
        (json!({"type": "dance"}), "invalid_input"),
        (json!({"type": "chat"}), "invalid_input"),
        (json!({"type": "chat", "text": ""}), "invalid_input"),
        (
            json!({"type": "chat", "text": "x".repeat(4001)}),
            "invalid_input",
        ),
        (json!({"type": "chat", "text": 42}), "invalid_input"),
        (json!({"type": "focus"}), "invalid_input"),
        (json!({"type": "focus", "dossier_id": unknown}), "not_found"),
        (
            json!({"type": "focus", "dossier_id": other_dossier}),
            "not_found",
        ),
        (
            json!({"type": "open_vote", "dossier_id": m.dossier, "proposal": "p", "options": ["a"]}),
            "invalid_input",
        ),
        (
            json!({"type": "open_vote", "dossier_id": m.dossier, "proposal": "p", "options": ["a", "a"]}),
            "invalid_input",
        ),
        (
            json!({"type": "open_vote", "dossier_id": m.dossier, "proposal": "p", "options": ["a", "b"]}),
            "conflict",
        ),
        (
            json!({"type": "open_vote", "dossier_id": m.dossier, "options": ["a", "b"]}),
            "invalid_input",
        ),
        (
            json!({"type": "cast", "vote_id": unknown, "option": "yes"}),
            "not_found",
        ),
        (
            json!({"type": "cast", "vote_id": "garbage", "option": "yes"}),
            "not_found",
        ),
        (
            json!({"type": "cast", "vote_id": vote, "option": "maybe"}),
            "invalid_input",
        ),
        (json!({"type": "cast", "vote_id": vote}), "invalid_input"),
        (
            json!({"type": "close_vote", "vote_id": unknown, "summary": "s"}),
            "not_found",
        ),
        (
            json!({"type": "close_vote", "vote_id": vote, "summary": ""}),
            "invalid_input",
        ),
        (
            json!({"type": "hello", "token": m.chair.token}),
            "invalid_input",
        ),
    ];
    for (cmd, code) in cases {
        let err = chair.refused(cmd.clone(), code).await;
        assert!(err["message"].is_string(), "{cmd}: {err}");
    }
    // Malformed frames: an error without request id, and the socket stays open.
    for text in ["{not json", "[1,2]", "\"hello\"", "{\"type\": 7}"] {
        chair.send_text(text.to_string()).await;
        let err = chair.next_of("error").await;
        assert_eq!(err["code"], "invalid_input", "{text}");
    }
    chair.send(json!({"type": "ping"})).await;
    chair.next_of("pong").await;
    // A ballot on a closed vote.
    chair
        .ok(json!({"type": "close_vote", "vote_id": vote, "summary": "closed"}))
        .await;
    let after_close = event_count(&app, &m).await;
    assert_eq!(after_close, before + 1);
    member
        .refused(
            json!({"type": "cast", "vote_id": vote, "option": "yes"}),
            "conflict",
        )
        .await;
    chair
        .refused(
            json!({"type": "close_vote", "vote_id": vote, "summary": "again"}),
            "conflict",
        )
        .await;
    assert_eq!(event_count(&app, &m).await, after_close);
    // An oversize frame closes with 1009; nothing was written.
    let big = json!({"type": "chat", "text": "x".repeat(70 * 1024)}).to_string();
    chair.send_text(big).await;
    assert_eq!(chair.closed().await, Ended::Closed(1009));
    assert_eq!(event_count(&app, &m).await, after_close);
    // The other member is unaffected.
    member.send(json!({"type": "ping"})).await;
    member.next_of("pong").await;
}

async fn a_client_resumes_with_since(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, three_of_three()).await;
    let (mut chair, _) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    let (mut member, _) = Ws::join(&app.url, &m.session, &m.specialists[0].token, None).await;
    chair.ok(json!({"type": "chat", "text": "one"})).await;
    chair
        .ok(json!({"type": "focus", "dossier_id": m.dossier}))
        .await;
    member.event(2).await;
    let last_seen = member.events.last().unwrap()["seq"].as_i64().unwrap();
    assert_eq!(last_seen, 2);
    member.close().await;
    // Others act while it is away.
    let vote = open_vote(&mut chair, &m.dossier, &["a", "b"]).await;
    for text in ["three", "four", "five"] {
        chair.ok(json!({"type": "chat", "text": text})).await;
    }
    let (mut back, welcome) = Ws::join(
        &app.url,
        &m.session,
        &m.specialists[0].token,
        Some(last_seen),
    )
    .await;
    assert_eq!(welcome["seq"], 6);
    assert_eq!(welcome["current_dossier_id"], m.dossier.as_str());
    assert_eq!(welcome["open_votes"][0]["id"], vote.as_str());
    for seq in 3..=6 {
        back.event(seq).await;
    }
    // Then live events continue without a gap or a duplicate.
    chair.ok(json!({"type": "chat", "text": "seven"})).await;
    back.event(7).await;
    let seqs: Vec<i64> = back
        .events
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, [3, 4, 5, 6, 7]);
    let texts: Vec<&str> = back
        .events
        .iter()
        .filter_map(|e| e["text"].as_str())
        .collect();
    assert_eq!(texts, ["three", "four", "five", "seven"]);
    // A client that saw everything gets nothing replayed; one that saw nothing gets it all.
    let (mut fresh, w) = Ws::join(&app.url, &m.session, &m.specialists[1].token, Some(0)).await;
    assert_eq!(w["seq"], 7);
    for seq in 1..=7 {
        fresh.event(seq).await;
    }
    assert_eq!(fresh.events.len(), 7);
}

async fn request_ids_are_applied_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, three_of_three()).await;
    let (mut chair, _) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    let first = chair
        .command(json!({"type": "chat", "text": "once"}), "r-1")
        .await;
    let again = chair
        .command(json!({"type": "chat", "text": "once"}), "r-1")
        .await;
    assert_eq!(first["type"], "ack");
    assert_eq!(again, first);
    assert_eq!(event_count(&app, &m).await, 1);
    // Another user may use the same request id.
    let (mut member, _) = Ws::join(&app.url, &m.session, &m.specialists[0].token, None).await;
    let theirs = member
        .command(json!({"type": "chat", "text": "mine"}), "r-1")
        .await;
    assert_eq!(theirs["seq"], 2);
    // A repeated ballot is acknowledged without a seq and counted once.
    let vote = open_vote(&mut chair, &m.dossier, &["a", "b"]).await;
    let b1 = member
        .command(
            json!({"type": "cast", "vote_id": vote, "option": "a"}),
            "b-1",
        )
        .await;
    let b2 = member
        .command(
            json!({"type": "cast", "vote_id": vote, "option": "b"}),
            "b-1",
        )
        .await;
    assert_eq!(b1, b2);
    let ack = chair
        .ok(json!({"type": "close_vote", "vote_id": vote, "summary": "s"}))
        .await;
    let decision = chair.event(ack["seq"].as_i64().unwrap()).await["decision"].clone();
    assert_eq!(decision["tally"], json!({"a": 1, "b": 0}));
}

async fn sessions_and_agendas_over_rest(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, three_of_three()).await;
    let t = |a: &Actor| Some(a.token.clone());
    let path = format!("/api/sessions/{}", m.session);
    // The agenda shows the scheduled dossier.
    let s = app.get(&path, t(&m.chair).as_deref()).await;
    let s = s.expect(200).clone();
    assert_eq!(s["status"], "planned");
    assert_eq!(s["agenda"][0]["dossier_id"], m.dossier.as_str());
    assert_eq!(s["agenda"][0]["status"], "scheduled");
    assert!(
        s["agenda"][0]["reference"]
            .as_str()
            .unwrap()
            .starts_with("RCP-")
    );
    assert_eq!(s["agenda"][0]["position"], 1);
    // The referrer sees it (their dossier is on it) and the board's list shows it to them.
    app.get(&path, t(&m.referrer).as_deref()).await.expect(200);
    let list = app
        .get(
            &format!("/api/boards/{}/sessions", m.board),
            t(&m.referrer).as_deref(),
        )
        .await;
    assert_eq!(list.expect(200)["items"].as_array().unwrap().len(), 1);
    // A stranger does not.
    let stranger = app.clinician(&m.admin, "Cardiology").await;
    app.get(&path, t(&stranger).as_deref())
        .await
        .expect_problem(404, "not_found");
    let list = app
        .get(
            &format!("/api/boards/{}/sessions", m.board),
            t(&stranger).as_deref(),
        )
        .await;
    assert_eq!(list.expect(200)["items"], json!([]));
    app.get(&format!("{path}/events"), t(&stranger).as_deref())
        .await
        .expect_problem(404, "not_found");
    // Only coordinators plan and build agendas.
    let body = json!({"title": "x", "scheduled_at": "2026-12-01T16:00:00Z"});
    app.post(
        &format!("/api/boards/{}/sessions", m.board),
        t(&m.specialists[0]).as_deref(),
        body.clone(),
    )
    .await
    .expect_problem(403, "forbidden");
    app.post(
        &format!("/api/boards/{}/sessions", m.board),
        t(&m.admin).as_deref(),
        body.clone(),
    )
    .await
    .expect_problem(403, "forbidden");
    let other = submitted_dossier(&app, &m.referrer, &m.board).await;
    app.post(
        &format!("{path}/agenda"),
        t(&m.specialists[0]).as_deref(),
        json!({"dossier_id": other}),
    )
    .await
    .expect_problem(403, "forbidden");
    // Wrong states and boards are conflicts.
    app.post(
        &format!("{path}/agenda"),
        t(&m.chair).as_deref(),
        json!({"dossier_id": m.dossier}),
    )
    .await
    .expect_problem(409, "conflict");
    let draft = app.dossier(&m.referrer, &m.board).await;
    app.post(
        &format!("{path}/agenda"),
        t(&m.chair).as_deref(),
        json!({"dossier_id": draft["id"]}),
    )
    .await
    .expect_problem(409, "conflict");
    let elsewhere_board = app.board(&m.admin, json!(null)).await;
    let elsewhere = submitted_dossier(&app, &m.referrer, &elsewhere_board).await;
    app.post(
        &format!("{path}/agenda"),
        t(&m.chair).as_deref(),
        json!({"dossier_id": elsewhere}),
    )
    .await
    .expect_problem(409, "conflict");
    app.post(
        &format!("{path}/agenda"),
        t(&m.chair).as_deref(),
        json!({"dossier_id": "x"}),
    )
    .await
    .expect_invalid("dossier_id");
    // Bad session bodies.
    for (body, field) in [
        (json!({"scheduled_at": "2026-12-01T16:00:00Z"}), "title"),
        (json!({"title": "t"}), "scheduled_at"),
        (
            json!({"title": "t", "scheduled_at": "next tuesday"}),
            "scheduled_at",
        ),
        (
            json!({"title": "t", "scheduled_at": "2026-12-01T16:00:00Z", "video_url": "javascript:alert(1)"}),
            "video_url",
        ),
        (
            json!({"title": "", "scheduled_at": "2026-12-01T16:00:00Z"}),
            "title",
        ),
    ] {
        let before = app.count("sessions").await;
        app.post(
            &format!("/api/boards/{}/sessions", m.board),
            t(&m.chair).as_deref(),
            body,
        )
        .await
        .expect_invalid(field);
        assert_eq!(app.count("sessions").await, before);
    }
    // Scheduling moves the dossier; unscheduling moves it back.
    app.post(
        &format!("{path}/agenda"),
        t(&m.chair).as_deref(),
        json!({"dossier_id": other}),
    )
    .await
    .expect(200);
    let d = app
        .get(&format!("/api/dossiers/{other}"), t(&m.referrer).as_deref())
        .await;
    assert_eq!(d.body["status"], "scheduled");
    // A scheduled dossier can no longer be edited by its referrer.
    app.patch(
        &format!("/api/dossiers/{other}"),
        t(&m.referrer).as_deref(),
        json!({"title": "late edit"}),
    )
    .await
    .expect_problem(409, "conflict");
    let s = app
        .delete(&format!("{path}/agenda/{other}"), t(&m.chair).as_deref())
        .await;
    assert_eq!(s.expect(200)["agenda"].as_array().unwrap().len(), 1);
    let d = app
        .get(&format!("/api/dossiers/{other}"), t(&m.referrer).as_deref())
        .await;
    assert_eq!(d.body["status"], "submitted");
    app.delete(&format!("{path}/agenda/{other}"), t(&m.chair).as_deref())
        .await
        .expect_problem(404, "not_found");
    // A dossier with an open vote stays until the vote closes; closing the session closes it.
    let (mut chair, _) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    let vote = open_vote(&mut chair, &m.dossier, &["a", "b"]).await;
    app.delete(
        &format!("{path}/agenda/{}", m.dossier),
        t(&m.chair).as_deref(),
    )
    .await
    .expect_problem(409, "conflict");
    app.post_empty(
        &format!("/api/dossiers/{}/withdraw", m.dossier),
        t(&m.referrer).as_deref(),
    )
    .await
    .expect_problem(409, "conflict");
    app.post_empty(&format!("{path}/close"), t(&m.specialists[0]).as_deref())
        .await
        .expect_problem(403, "forbidden");
    let closed = app
        .post_empty(&format!("{path}/close"), t(&m.chair).as_deref())
        .await;
    assert_eq!(closed.expect(200)["status"], "closed");
    let event = chair.until(|v| v["type"] == "vote_closed").await;
    assert_eq!(event["vote_id"], vote.as_str());
    assert_eq!(event["decision"]["status"], "no_quorum");
    app.post_empty(&format!("{path}/close"), t(&m.chair).as_deref())
        .await
        .expect_problem(409, "conflict");
    // A closed session takes no more writes.
    chair
        .refused(json!({"type": "chat", "text": "after"}), "conflict")
        .await;
    app.post(
        &format!("{path}/agenda"),
        t(&m.chair).as_deref(),
        json!({"dossier_id": other}),
    )
    .await
    .expect_problem(409, "conflict");
}

async fn decisions_are_chained_and_immutable(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, three_of_three()).await;
    let second = submitted_dossier(&app, &m.referrer, &m.board).await;
    schedule(&app, &m.chair, &m.session, &second).await;
    let (mut chair, _) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    let mut decisions = Vec::new();
    for dossier in [&m.dossier, &second] {
        let vote = open_vote(&mut chair, dossier, &["a", "b"]).await;
        let ack = chair
            .ok(json!({"type": "close_vote", "vote_id": vote, "summary": "s"}))
            .await;
        decisions.push(chair.event(ack["seq"].as_i64().unwrap()).await["decision"].clone());
    }
    assert_eq!(decisions[0]["previous_hash"], "0".repeat(64));
    assert_eq!(decisions[1]["previous_hash"], decisions[0]["hash"]);
    // The hash covers the canonical record.
    for d in &decisions {
        assert_eq!(d["hash"], consilium::domain::canonical::record_hash(d));
    }
    // The database refuses to change or remove a decision.
    let id = decisions[0]["id"].as_str().unwrap().to_string();
    let (update, delete) = app
        .db
        .read(move |conn| {
            use diesel::RunQueryDsl;
            let update = diesel::sql_query(format!(
                "UPDATE decisions SET outcome = 'b' WHERE id = '{id}'"
            ))
            .execute(conn);
            let delete =
                diesel::sql_query(format!("DELETE FROM decisions WHERE id = '{id}'")).execute(conn);
            Ok((update.is_err(), delete.is_err()))
        })
        .await
        .unwrap();
    assert!(update && delete, "decisions must be immutable");
    let id = decisions[0]["id"].as_str().unwrap();
    let got = app
        .get(&format!("/api/decisions/{id}"), Some(&m.chair.token))
        .await;
    assert_eq!(got.expect(200), &decisions[0]);
    // Listing: the board's people and the referrer see both; a stranger none.
    let list = app
        .get(
            &format!("/api/decisions?board_id={}", m.board),
            Some(&m.specialists[0].token),
        )
        .await;
    assert_eq!(list.expect(200)["items"].as_array().unwrap().len(), 2);
    let list = app.get("/api/decisions", Some(&m.referrer.token)).await;
    assert_eq!(list.expect(200)["items"].as_array().unwrap().len(), 2);
    let stranger = app.clinician(&m.admin, "Cardiology").await;
    let list = app.get("/api/decisions", Some(&stranger.token)).await;
    assert_eq!(list.expect(200)["items"], json!([]));
    app.get(&format!("/api/decisions/{id}"), Some(&stranger.token))
        .await
        .expect_problem(404, "not_found");
    app.get("/api/decisions?from=yesterday", Some(&m.chair.token))
        .await
        .expect_invalid("from");
    app.get(
        "/api/decisions?from=2026-12-01&to=2026-11-01",
        Some(&m.chair.token),
    )
    .await
    .expect_invalid("to");
    let none = app
        .get("/api/decisions?to=2000-01-01", Some(&m.chair.token))
        .await;
    assert_eq!(none.expect(200)["items"], json!([]));
}

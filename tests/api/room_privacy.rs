//! Security issue 11, points 2 and 6: a referrer in the live room sees only what concerns
//! their own dossier (live feed, `since` replay, `/events`, welcome, session reads), and those
//! reads of patient data are audited once per read, not per message.

use consilium::db::audit::{self, AuditRow};
use serde_json::{Value, json};

use crate::fixtures::{Meeting, meeting, open_vote, schedule, submitted_dossier, three_of_three};
use crate::helpers::{Actor, Backend, TestApp, spawn_app};
use crate::on_both;
use crate::ws::Ws;

on_both!(
    referrers_see_only_their_own_case,
    room_and_session_reads_are_audited,
    older_events_are_given_their_dossier,
);

/// The meeting of `live.rs` with a second referrer, B, whose dossier is on the same agenda.
struct TwoCases {
    m: Meeting,
    other: Actor,
    other_dossier: String,
}

async fn two_cases(app: &TestApp) -> TwoCases {
    let m = meeting(app, three_of_three()).await;
    let other = app.clinician(&m.admin, "Cardiology").await;
    let other_dossier = submitted_dossier(app, &other, &m.board).await;
    schedule(app, &m.chair, &m.session, &other_dossier).await;
    TwoCases {
        m,
        other,
        other_dossier,
    }
}

/// Focuses `dossier`, has a specialist chat about it, then votes on it and closes the vote;
/// returns the `seq` of the four events.
async fn discuss(
    chair: &mut Ws,
    voters: &mut [Ws],
    dossier: &str,
    chat: &str,
    summary: &str,
) -> [i64; 4] {
    let focus = chair
        .ok(json!({"type": "focus", "dossier_id": dossier}))
        .await;
    let said = voters[0].ok(json!({"type": "chat", "text": chat})).await;
    let vote = open_vote(chair, dossier, &["operate", "wait"]).await;
    for ws in voters.iter_mut() {
        ws.ok(json!({"type": "cast", "vote_id": vote, "option": "operate", "comment": format!("{summary} ballot")}))
            .await;
    }
    let closed = chair
        .ok(json!({"type": "close_vote", "vote_id": vote, "summary": summary}))
        .await;
    let opened = closed["seq"].as_i64().unwrap() - 1;
    [
        focus["seq"].as_i64().unwrap(),
        said["seq"].as_i64().unwrap(),
        opened,
        closed["seq"].as_i64().unwrap(),
    ]
}

fn types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

/// Everything a connection received, as one text, to look for what must not be there.
fn everything(ws: &Ws) -> String {
    ws.log
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

async fn referrers_see_only_their_own_case(backend: Backend) {
    let app = spawn_app(backend).await;
    let TwoCases {
        m,
        other,
        other_dossier,
    } = two_cases(&app).await;
    let (mine, theirs) = (m.dossier.clone(), other_dossier.clone());
    let (mut chair, _) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    let (mut a, a_welcome) = Ws::join(&app.url, &m.session, &m.referrer.token, None).await;
    let (mut b, b_welcome) = Ws::join(&app.url, &m.session, &other.token, None).await;
    let mut voters = Vec::new();
    for s in &m.specialists {
        voters.push(Ws::join(&app.url, &m.session, &s.token, None).await.0);
    }
    // The welcome: their own agenda item only, and no other referrer among the participants.
    let agenda_ids = |w: &Value| -> Vec<String> {
        w["session"]["agenda"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["dossier_id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(agenda_ids(&a_welcome), [mine.as_str()]);
    assert_eq!(agenda_ids(&b_welcome), [theirs.as_str()]);
    let b_sees: Vec<&str> = b_welcome["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["user"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(b_sees, [m.chair.id.as_str(), other.id.as_str()]);

    // B's case first, then A's.
    let b_seqs = discuss(
        &mut chair,
        &mut voters,
        &theirs,
        "Case B: the abscess grew",
        "Operate on B",
    )
    .await;
    // A referrer writing while another case is in focus reaches the board, not that case's
    // referrer; they read their own line.
    let early = a
        .ok(json!({"type": "chat", "text": "Case A: is it my turn?"}))
        .await;
    assert_eq!(early["seq"], 5);
    let thanks = b
        .ok(json!({"type": "chat", "text": "Case B: thank you"}))
        .await;
    assert_eq!(thanks["seq"], 6);
    let a_seqs = discuss(
        &mut chair,
        &mut voters,
        &mine,
        "Case A: stable lesion",
        "Operate on A",
    )
    .await;
    assert_eq!(b_seqs, [1, 2, 3, 4]);
    assert_eq!(a_seqs, [7, 8, 9, 10]);
    let own = a
        .ok(json!({"type": "chat", "text": "Case A: thank you"}))
        .await;
    assert_eq!(own["seq"], 11);
    let late = b
        .ok(json!({"type": "chat", "text": "Case B: and now?"}))
        .await;
    assert_eq!(late["seq"], 12);
    let a_live: Vec<Value> = {
        a.event(12).await;
        a.events.clone()
    };
    let b_live: Vec<Value> = {
        b.event(12).await;
        b.events.clone()
    };
    let seqs = |events: &[Value]| -> Vec<i64> {
        events.iter().map(|e| e["seq"].as_i64().unwrap()).collect()
    };
    // Gap-free for everyone; the other case's events are hidden or blanked.
    assert_eq!(seqs(&a_live), (1..=12).collect::<Vec<_>>());
    assert_eq!(seqs(&b_live), (1..=12).collect::<Vec<_>>());
    assert_eq!(
        types(&a_live),
        [
            "focus",
            "hidden",
            "hidden",
            "hidden",
            "chat",
            "hidden",
            "focus",
            "chat",
            "vote_opened",
            "vote_closed",
            "chat",
            "hidden"
        ]
    );
    assert_eq!(
        types(&b_live),
        [
            "focus",
            "chat",
            "vote_opened",
            "vote_closed",
            "hidden",
            "chat",
            "focus",
            "hidden",
            "hidden",
            "hidden",
            "hidden",
            "chat"
        ]
    );
    assert_eq!(a_live[0]["dossier_id"], Value::Null);
    assert_eq!(a_live[0]["by"]["id"], m.chair.id.as_str());
    assert_eq!(a_live[6]["dossier_id"], mine.as_str());
    assert_eq!(b_live[6]["dossier_id"], Value::Null);
    let hidden_from_a = [1, 2, 3, 5, 11].map(|i| &a_live[i]);
    let hidden_from_b = [4, 7, 8, 9, 10].map(|i| &b_live[i]);
    for hidden in hidden_from_a.into_iter().chain(hidden_from_b) {
        let keys: Vec<&String> = hidden.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["at", "seq", "type"], "{hidden}");
        assert!(hidden["at"].is_string());
    }
    // Their own decision, without the named ballots (the board does not show them to
    // referrers: ballot_visibility.rs); nobody else's.
    let decision = &a_live[9]["decision"];
    assert_eq!(decision["dossier_id"], mine.as_str());
    assert_eq!(decision["ballots"], json!([]));
    assert_eq!(
        decision["tally"].as_object().unwrap().len(),
        2,
        "{decision}"
    );
    assert_eq!(a_live[7]["text"], "Case A: stable lesion");
    // Their own lines, whenever written.
    assert_eq!(a_live[4]["text"], "Case A: is it my turn?");
    assert_eq!(b_live[5]["text"], "Case B: thank you");
    assert_eq!(b_live[11]["text"], "Case B: and now?");
    let a_text = everything(&a);
    let b_text = everything(&b);
    for secret in [theirs.as_str(), other.id.as_str(), "Case B", "Operate on B"] {
        assert!(!a_text.contains(secret), "A saw {secret}: {a_text}");
    }
    for secret in [
        mine.as_str(),
        m.referrer.id.as_str(),
        "Case A",
        "Operate on A",
    ] {
        assert!(!b_text.contains(secret), "B saw {secret}: {b_text}");
    }
    // Tallies: of their own vote only.
    let tallies = |ws: &Ws| ws.log.iter().filter(|v| v["type"] == "tally").count();
    assert_eq!(tallies(&a), 3);
    assert_eq!(tallies(&b), 3);
    // A decision names the referrers of other cases nowhere, not even in `present`.
    let present: Vec<&str> = decision["present"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert!(present.contains(&m.referrer.id.as_str()), "{present:?}");
    assert!(!present.contains(&other.id.as_str()), "{present:?}");

    // The board sees everything, as before: the chair's copy is whole.
    let chair_events = {
        chair.event(12).await;
        chair.events.clone()
    };
    assert_eq!(
        types(&chair_events),
        [
            "focus",
            "chat",
            "vote_opened",
            "vote_closed",
            "chat",
            "chat",
            "focus",
            "chat",
            "vote_opened",
            "vote_closed",
            "chat",
            "chat"
        ]
    );
    assert_eq!(chair_events[0]["dossier_id"], theirs.as_str());
    assert_eq!(
        chair_events[3]["decision"]["ballots"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    // The same event, but for the named ballots the referrer does not read.
    let mut whole = a_live[9].clone();
    whole["decision"]["ballots"] = chair_events[9]["decision"]["ballots"].clone();
    assert_eq!(chair_events[9], whole);
    assert_eq!(
        chair_events[9]["decision"]["ballots"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(chair_events[4], a_live[4]);
    let presence = chair
        .log
        .iter()
        .rev()
        .find(|v| v["type"] == "presence")
        .unwrap();
    assert!(presence.to_string().contains(&other.id));

    // The replay from 0 and `/events` show A exactly what the live feed showed.
    let (mut again, _) = Ws::join(&app.url, &m.session, &m.referrer.token, Some(0)).await;
    again.event(12).await;
    assert_eq!(again.events, a_live);
    let log = app
        .get(
            &format!("/api/sessions/{}/events", m.session),
            Some(&m.referrer.token),
        )
        .await;
    assert_eq!(log.expect(200)["items"].as_array().unwrap(), &a_live);
    let log = app
        .get(
            &format!("/api/sessions/{}/events?since=2&limit=3", m.session),
            Some(&other.token),
        )
        .await;
    assert_eq!(log.expect(200)["items"].as_array().unwrap(), &b_live[2..5]);
    let log = app
        .get(
            &format!("/api/sessions/{}/events", m.session),
            Some(&m.specialists[0].token),
        )
        .await;
    assert_eq!(log.expect(200)["items"].as_array().unwrap(), &chair_events);
    // The same decision over REST stays a 404 for the other referrer.
    let b_decision = chair_events[3]["decision"]["id"].as_str().unwrap();
    app.get(
        &format!("/api/decisions/{b_decision}"),
        Some(&m.referrer.token),
    )
    .await
    .expect_problem(404, "not_found");

    // Session reads: the agenda lists their own dossier only; the board sees both.
    let agenda = |s: &Value| -> Vec<String> {
        s["agenda"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["dossier_id"].as_str().unwrap().to_string())
            .collect()
    };
    let path = format!("/api/sessions/{}", m.session);
    let s = app.get(&path, Some(&m.referrer.token)).await;
    assert_eq!(agenda(s.expect(200)), [mine.as_str()]);
    let s = app.get(&path, Some(&m.specialists[0].token)).await;
    assert_eq!(agenda(s.expect(200)), [mine.clone(), theirs.clone()]);
    let list = app
        .get(
            &format!("/api/boards/{}/sessions", m.board),
            Some(&other.token),
        )
        .await;
    assert_eq!(agenda(&list.expect(200)["items"][0]), [theirs.as_str()]);
    let list = app
        .get(
            &format!("/api/boards/{}/sessions", m.board),
            Some(&m.chair.token),
        )
        .await;
    assert_eq!(agenda(&list.expect(200)["items"][0]), [mine, theirs]);
}

/// The audit rows about a session, oldest first.
async fn session_audit(app: &TestApp, session: &str) -> Vec<AuditRow> {
    let session = session.to_string();
    let rows = app
        .db
        .read(move |conn| audit::page(conn, 0, 100_000))
        .await
        .unwrap();
    rows.into_iter()
        .filter(|r| r.object_id.as_deref() == Some(session.as_str()) || r.detail.contains(&session))
        .collect()
}

fn actions(rows: &[AuditRow]) -> Vec<(String, String)> {
    rows.iter()
        .map(|r| (r.action.clone(), r.actor_id.clone().unwrap_or_default()))
        .collect()
}

async fn room_and_session_reads_are_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = meeting(&app, three_of_three()).await;
    let before = session_audit(&app, &m.session).await.len();
    let (r, c) = (m.referrer.id.clone(), m.chair.id.clone());
    let row = |action: &str, who: &str| (action.to_string(), who.to_string());

    // One row per join, however many messages follow.
    let (mut chair, _) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    let (mut referrer, _) = Ws::join(&app.url, &m.session, &m.referrer.token, None).await;
    chair
        .ok(json!({"type": "focus", "dossier_id": m.dossier}))
        .await;
    for i in 0..5 {
        chair
            .ok(json!({"type": "chat", "text": format!("line {i}")}))
            .await;
    }
    referrer.event(6).await;
    let rows = session_audit(&app, &m.session).await;
    assert_eq!(
        actions(&rows[before..]),
        [row("session.join", &c), row("session.join", &r)]
    );
    assert!(rows[before].detail.contains("\"role\":\"coordinator\""));
    // A replay is one join too.
    let (mut replay, _) = Ws::join(&app.url, &m.session, &m.referrer.token, Some(0)).await;
    replay.event(6).await;
    let rows = session_audit(&app, &m.session).await;
    assert_eq!(actions(&rows[before + 2..]), [row("session.join", &r)]);
    assert!(rows[before + 2].detail.contains("\"since\":0"));

    // REST reads of the log and of the session (the agenda names dossiers).
    let base = format!("/api/sessions/{}", m.session);
    app.get(&format!("{base}/events?since=2"), Some(&m.referrer.token))
        .await
        .expect(200);
    app.get(&base, Some(&m.referrer.token)).await.expect(200);
    app.get(
        &format!("/api/boards/{}/sessions", m.board),
        Some(&m.chair.token),
    )
    .await
    .expect(200);
    let rows = session_audit(&app, &m.session).await;
    assert_eq!(
        actions(&rows[before + 3..]),
        [
            row("session.events_read", &r),
            row("session.read", &r),
            row("session.list", &c),
        ]
    );
    let events_read: Value = serde_json::from_str(&rows[before + 3].detail).unwrap();
    assert_eq!(
        events_read,
        json!({"since": 2, "first_seq": 3, "last_seq": 6})
    );
    // Nothing is read past the end: no row.
    app.get(&format!("{base}/events?since=6"), Some(&m.referrer.token))
        .await
        .expect(200);
    // Refused reads write nothing.
    let stranger = app.clinician(&m.admin, "Cardiology").await;
    app.get(&base, Some(&stranger.token))
        .await
        .expect_problem(404, "not_found");
    app.get(&format!("{base}/events"), Some(&stranger.token))
        .await
        .expect_problem(404, "not_found");
    assert_eq!(session_audit(&app, &m.session).await.len(), before + 6);
    // The chain still verifies.
    let rows = app
        .db
        .read(|conn| audit::page(conn, 0, 100_000))
        .await
        .unwrap();
    assert!(rows.iter().all(|r| r.hash == r.expected_hash()));
}

#[derive(diesel::QueryableByName, Debug, PartialEq, Eq)]
struct EventDossier {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    seq: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    dossier_id: Option<String>,
}

async fn event_dossiers(app: &TestApp, session: &str) -> Vec<EventDossier> {
    let sql = format!(
        "SELECT seq, dossier_id FROM room_events WHERE session_id = '{session}' ORDER BY seq"
    );
    app.db
        .read(move |conn| {
            use diesel::RunQueryDsl;
            Ok(diesel::sql_query(sql).load(conn)?)
        })
        .await
        .unwrap()
}

/// The migration that added `room_events.dossier_id` fills it for events logged before: the
/// same values as the service writes now.
async fn older_events_are_given_their_dossier(backend: Backend) {
    let app = spawn_app(backend).await;
    let TwoCases {
        m, other_dossier, ..
    } = two_cases(&app).await;
    let (mut chair, _) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    let mut voters = Vec::new();
    for s in &m.specialists {
        voters.push(Ws::join(&app.url, &m.session, &s.token, None).await.0);
    }
    chair
        .ok(json!({"type": "chat", "text": "before any focus"}))
        .await;
    discuss(&mut chair, &mut voters, &other_dossier, "on B", "B").await;
    discuss(&mut chair, &mut voters, &m.dossier, "on A", "A").await;
    let written = event_dossiers(&app, &m.session).await;
    let about = |d: &str| Some(d.to_string());
    let expected: Vec<Option<String>> = [
        None,
        about(&other_dossier),
        about(&other_dossier),
        about(&other_dossier),
        about(&other_dossier),
        about(&m.dossier),
        about(&m.dossier),
        about(&m.dossier),
        about(&m.dossier),
    ]
    .into();
    assert_eq!(
        written
            .iter()
            .map(|e| e.dossier_id.clone())
            .collect::<Vec<_>>(),
        expected
    );

    // As if these rows predated the column: the migration's backfill finds the same.
    let up = match backend {
        Backend::Sqlite => {
            include_str!("../../migrations/sqlite/2026-11-30-000101_room_event_dossier/up.sql")
        }
        Backend::Postgres => {
            include_str!("../../migrations/postgres/2026-11-30-000101_room_event_dossier/up.sql")
        }
    };
    let backfill: Vec<String> = up
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n")
        .split(';')
        .map(str::trim)
        .filter(|s| s.starts_with("UPDATE"))
        .map(str::to_string)
        .collect();
    assert_eq!(backfill.len(), 2);
    app.db
        .read(move |conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query("UPDATE room_events SET dossier_id = NULL").execute(conn)?;
            for statement in &backfill {
                diesel::sql_query(statement.as_str()).execute(conn)?;
            }
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(event_dossiers(&app, &m.session).await, written);
}

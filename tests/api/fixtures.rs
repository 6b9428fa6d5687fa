//! The worlds the room tests are played in, shared by the test files: a board with its chair,
//! specialists and referrer, a session with a submitted dossier on its agenda, quorum rules,
//! and the few room moves every meeting makes (open a vote, decide unanimously).

use serde_json::{Value, json};

use crate::helpers::{Actor, Api, TestApp};
use crate::ws::Ws;

/// A board, its chair and three specialists of three specialties, a referrer with a
/// submitted dossier, and a session with that dossier on the agenda.
pub struct Meeting {
    pub admin: Actor,
    pub chair: Actor,
    pub specialists: Vec<Actor>,
    pub referrer: Actor,
    pub board: String,
    pub session: String,
    pub dossier: String,
}

pub async fn meeting(app: &TestApp, quorum: Value) -> Meeting {
    meeting_with(app, app.admin().await, quorum).await
}

/// The same on any running server, with an administrator already signed in.
pub async fn meeting_with(app: &Api, admin: Actor, quorum: Value) -> Meeting {
    let chair = app.clinician(&admin, "Neurology").await;
    let mut specialists = Vec::new();
    for s in ["Neurology", "Neuroradiology", "Ophthalmology"] {
        specialists.push(app.clinician(&admin, s).await);
    }
    let referrer = app.clinician(&admin, "Neurology").await;
    let board = app.board(&admin, quorum).await;
    app.add_member(&admin, &board, &chair, "coordinator").await;
    for s in &specialists {
        app.add_member(&admin, &board, s, "member").await;
    }
    let dossier = submitted_dossier(app, &referrer, &board).await;
    let res = app
        .post(
            &format!("/api/boards/{board}/sessions"),
            Some(&chair.token),
            json!({"title": "Weekly MS board", "scheduled_at": "2026-11-24T16:30:00Z",
                   "video_url": "https://visio.example.org/rcp"}),
        )
        .await;
    let session = res.expect(201)["id"].as_str().unwrap().to_string();
    schedule(app, &chair, &session, &dossier).await;
    Meeting {
        admin,
        chair,
        specialists,
        referrer,
        board,
        session,
        dossier,
    }
}

pub async fn submitted_dossier(app: &Api, referrer: &Actor, board: &str) -> String {
    let d = app.dossier(referrer, board).await;
    let id = d["id"].as_str().unwrap().to_string();
    app.post_empty(&format!("/api/dossiers/{id}/submit"), Some(&referrer.token))
        .await
        .expect(200);
    id
}

pub async fn schedule(app: &Api, chair: &Actor, session: &str, dossier: &str) {
    app.post(
        &format!("/api/sessions/{session}/agenda"),
        Some(&chair.token),
        json!({"dossier_id": dossier}),
    )
    .await
    .expect(200);
}

pub fn three_of_three() -> Value {
    json!({"min_voters": 3, "min_specialties": 3, "required_specialties": []})
}

/// A quorum of one voter.
pub fn one_of_one() -> Value {
    json!({"min_voters": 1, "min_specialties": 1, "required_specialties": []})
}

/// Every specialist of the meeting joins and votes `option`, the chair closes the vote;
/// returns the published decision.
pub async fn decide_unanimously(app: &TestApp, m: &Meeting, option: &str) -> Value {
    let (mut chair, _) = Ws::join(&app.url, &m.session, &m.chair.token, None).await;
    let mut voters = Vec::new();
    for s in &m.specialists {
        voters.push(Ws::join(&app.url, &m.session, &s.token, None).await.0);
    }
    let vote = open_vote(&mut chair, &m.dossier, &[option, "continue"]).await;
    for ws in voters.iter_mut() {
        ws.ok(json!({"type": "cast", "vote_id": vote, "option": option}))
            .await;
    }
    close_vote(&mut chair, &vote).await
}

/// The chair opens a vote on `dossier` (escalate or continue), `voter` casts "escalate" and
/// the chair closes the vote; returns the published decision.
pub async fn escalate(chair: &mut Ws, voter: &mut Ws, dossier: &str) -> Value {
    let vote = open_vote(chair, dossier, &["escalate", "continue"]).await;
    voter
        .ok(json!({"type": "cast", "vote_id": vote, "option": "escalate"}))
        .await;
    close_vote(chair, &vote).await
}

/// Closes a vote as chair; returns the published decision.
pub async fn close_vote(chair: &mut Ws, vote: &str) -> Value {
    let ack = chair
        .ok(json!({"type": "close_vote", "vote_id": vote, "summary": "Escalate."}))
        .await;
    chair.event(ack["seq"].as_i64().unwrap()).await["decision"].clone()
}

/// Opens a vote as chair; returns its id.
pub async fn open_vote(chair: &mut Ws, dossier: &str, options: &[&str]) -> String {
    let ack = chair
        .ok(json!({"type": "open_vote", "dossier_id": dossier, "proposal": "Escalate to a high-efficacy therapy?", "options": options}))
        .await;
    let opened = chair.event(ack["seq"].as_i64().unwrap()).await;
    assert_eq!(opened["type"], "vote_opened");
    opened["vote"]["id"].as_str().unwrap().to_string()
}

/// A dossier of the meeting's referrer with template `fields`, submitted and put on the
/// meeting's agenda; returns the dossier as created.
pub async fn scheduled_with_fields(app: &TestApp, m: &Meeting, fields: Value) -> Value {
    let created = app
        .post(
            "/api/dossiers",
            Some(&m.referrer.token),
            json!({"board_id": m.board, "title": "Cas", "patient": {"pseudonym": "P-9"},
                   "question": "Escalate?", "consent": true, "fields": fields}),
        )
        .await
        .expect(201)
        .clone();
    let id = created["id"].as_str().unwrap().to_string();
    app.post_empty(
        &format!("/api/dossiers/{id}/submit"),
        Some(&m.referrer.token),
    )
    .await
    .expect(200);
    schedule(app, &m.chair, &m.session, &id).await;
    created
}

//! Rooms for the live benchmarks, set up through the API: users (each created and signed in),
//! and per room a board with a coordinator and members, a session and a dossier on its agenda.

use anyhow::Context;
use futures_util::{StreamExt, stream};
use serde_json::{Value, json};

use super::{PASSWORD, login};

/// Who sits at place `k` of room `r` when rooms of `per_room` share `users` users: user
/// `(r * per_room + k) % users`; place 0 chairs.
pub fn member(r: usize, k: usize, per_room: usize, users: usize) -> usize {
    (r * per_room + k) % users
}

/// `count` users, each created by `admin` and signed in: (id, token), in order.
pub async fn users(
    client: &reqwest::Client,
    api: &str,
    admin: &str,
    count: usize,
) -> anyhow::Result<Vec<(String, String)>> {
    let specialties = [
        "Neurology",
        "Neuroradiology",
        "Ophthalmology",
        "Radiology",
        "Neurosurgery",
    ];
    stream::iter(0..count)
        .map(|i| {
            let (client, api, admin) = (client.clone(), api.to_string(), admin.to_string());
            async move {
                let email = format!("u{i}-{}@load.example.org", uuid::Uuid::new_v4().simple());
                let res: Value = client
                    .post(format!("{api}/api/users"))
                    .bearer_auth(&admin)
                    .json(&json!({"email": email, "name": format!("Dr Load {i}"), "password": PASSWORD,
                                  "specialty": specialties[i % specialties.len()], "organization": "CH Load"}))
                    .send()
                    .await?
                    .json()
                    .await?;
                let id = res["id"].as_str().context("user not created")?.to_string();
                let token = login(&client, &api, &email).await?;
                anyhow::Ok((id, token))
            }
        })
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect()
}

/// `count` rooms of `per_room` places taken from `users` (see [`member`]): (session id,
/// dossier id, board id) of each, in order.
pub async fn rooms(
    client: &reqwest::Client,
    api: &str,
    admin: &str,
    users: &[(String, String)],
    count: usize,
    per_room: usize,
) -> anyhow::Result<Vec<(String, String, String)>> {
    stream::iter(0..count)
        .map(|r| {
            let people: Vec<(String, String)> = (0..per_room)
                .map(|k| users[member(r, k, per_room, users.len())].clone())
                .collect();
            async move { set_up_room(client, api, admin, r, &people).await }
        })
        // In order: rooms[r] must be room r.
        .buffered(8)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect()
}

/// A board with `people` (the first coordinates), a session, and a scheduled dossier.
/// Returns (session id, dossier id, board id).
pub async fn set_up_room(
    client: &reqwest::Client,
    api: &str,
    admin: &str,
    r: usize,
    people: &[(String, String)],
) -> anyhow::Result<(String, String, String)> {
    let call = |method: reqwest::Method, path: String, token: String, body: Option<Value>| {
        let client = client.clone();
        let url = format!("{api}{path}");
        async move {
            let mut req = client.request(method, url).bearer_auth(token);
            if let Some(b) = body {
                req = req.json(&b);
            }
            let res = req.send().await?;
            let status = res.status();
            let v: Value = res.json().await.unwrap_or(Value::Null);
            anyhow::ensure!(status.is_success(), "{status}: {v}");
            anyhow::Ok(v)
        }
    };
    use reqwest::Method;
    let board = call(
        Method::POST,
        "/api/boards".into(),
        admin.into(),
        Some(json!({"name": format!("Load board {r}")})),
    )
    .await?;
    let board_id = board["id"].as_str().context("board")?.to_string();
    for (i, (id, _)) in people.iter().enumerate() {
        let role = if i == 0 { "coordinator" } else { "member" };
        call(
            Method::PUT,
            format!("/api/boards/{board_id}/members/{id}"),
            admin.into(),
            Some(json!({"role": role})),
        )
        .await?;
    }
    let chair = people[0].1.clone();
    let session = call(
        Method::POST,
        format!("/api/boards/{board_id}/sessions"),
        chair.clone(),
        Some(json!({"title": format!("Load session {r}"), "scheduled_at": "2026-11-24T16:30:00Z"})),
    )
    .await?;
    let session_id = session["id"].as_str().context("session")?.to_string();
    let dossier = call(
        Method::POST,
        "/api/dossiers".into(),
        chair.clone(),
        Some(json!({"board_id": board_id, "title": "Load case", "patient": {"pseudonym": format!("LOAD-{r}")},
                    "question": "Escalate?", "consent": true})),
    )
    .await?;
    let dossier_id = dossier["id"].as_str().context("dossier")?.to_string();
    call(
        Method::POST,
        format!("/api/dossiers/{dossier_id}/submit"),
        chair.clone(),
        None,
    )
    .await?;
    call(
        Method::POST,
        format!("/api/sessions/{session_id}/agenda"),
        chair,
        Some(json!({"dossier_id": dossier_id})),
    )
    .await?;
    Ok((session_id, dossier_id, board_id))
}

//! The real binary as a process: graceful shutdown closes rooms with 1001; SIGKILL loses
//! nothing that was acknowledged.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::json;

use crate::fixtures::{meeting_with, open_vote, three_of_three};
use crate::helpers::{Actor, Api, Backend, PASSWORD, fresh_postgres_database, short_id};
use crate::on_both;
use crate::ws::{Ended, Ws};

on_both!(
    sigterm_closes_rooms_with_1001,
    acknowledged_ballots_survive_sigkill
);

/// `consilium serve` as a child process; killed when dropped.
pub struct Server {
    child: Child,
    pub api: Api,
}

impl Server {
    pub fn start(dir: &Path, db: &str) -> Server {
        Server::start_with(dir, db, &[])
    }

    /// With more environment variables (an S3 store, say).
    pub fn start_with(dir: &Path, db: &str, env: &[(String, String)]) -> Server {
        let mut child = command(dir, db)
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .arg("serve")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .expect("listening line")
            .to_string();
        Server {
            child,
            api: Api {
                url,
                client: reqwest::Client::new(),
            },
        }
    }

    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    pub async fn wait(mut self) -> std::process::ExitStatus {
        let mut child = std::mem::replace(&mut self.child, Command::new("true").spawn().unwrap());
        tokio::task::spawn_blocking(move || child.wait().unwrap())
            .await
            .unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn command(dir: &Path, db: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_consilium"));
    cmd.env("CONSILIUM_DATA_DIR", dir)
        .env("CONSILIUM_DATABASE_URL", db)
        .env("CONSILIUM_BIND", "127.0.0.1:0")
        .env_remove("CONSILIUM_JWT_SECRET")
        .env("RUST_LOG", "warn");
    cmd
}

pub async fn database(backend: Backend, dir: &Path) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.join("consilium.db").display()),
        Backend::Postgres => tokio::task::spawn_blocking(fresh_postgres_database)
            .await
            .unwrap(),
    }
}

/// An administrator created with `consilium user add`, signed in.
pub async fn cli_admin(dir: &Path, db: &str, api: &Api) -> Actor {
    let email = format!("admin-{}@test.example.org", short_id());
    let out = command(dir, db)
        .args([
            "user",
            "add",
            "--email",
            &email,
            "--name",
            "Admin",
            "--password",
            PASSWORD,
            "--role",
            "admin",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = api.login(&email, PASSWORD).await;
    let me = api.get("/api/me", Some(&token)).await;
    Actor {
        id: me.body["id"].as_str().unwrap().to_string(),
        email,
        token,
        specialty: None,
    }
}

async fn sigterm_closes_rooms_with_1001(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = database(backend, dir.path()).await;
    let server = Server::start(dir.path(), &db);
    let admin = cli_admin(dir.path(), &db, &server.api).await;
    let m = meeting_with(&server.api, admin, three_of_three()).await;
    let (mut chair, _) = Ws::join(&server.api.url, &m.session, &m.chair.token, None).await;
    let (mut member, _) =
        Ws::join(&server.api.url, &m.session, &m.specialists[0].token, None).await;
    chair
        .ok(json!({"type": "chat", "text": "before the restart"}))
        .await;
    server.signal("-TERM");
    assert_eq!(chair.closed().await, Ended::Closed(1001));
    assert_eq!(member.closed().await, Ended::Closed(1001));
    let status = server.wait().await;
    assert!(status.success(), "exit status {status:?}");
    // Back up: the clients resume where they were.
    let server = Server::start(dir.path(), &db);
    let (mut chair, welcome) = Ws::join(&server.api.url, &m.session, &m.chair.token, Some(0)).await;
    assert_eq!(welcome["seq"], 1);
    assert_eq!(chair.event(1).await["text"], "before the restart");
    // Nobody from before the restart lingers in the presence list.
    assert_eq!(welcome["participants"].as_array().unwrap().len(), 1);
}

async fn acknowledged_ballots_survive_sigkill(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = database(backend, dir.path()).await;
    let server = Server::start(dir.path(), &db);
    let admin = cli_admin(dir.path(), &db, &server.api).await;
    let m = meeting_with(&server.api, admin, three_of_three()).await;
    let url = server.api.url.clone();
    let (mut chair, _) = Ws::join(&url, &m.session, &m.chair.token, None).await;
    let mut voters = Vec::new();
    for s in &m.specialists {
        voters.push(Ws::join(&url, &m.session, &s.token, None).await.0);
    }
    chair
        .ok(json!({"type": "focus", "dossier_id": m.dossier}))
        .await;
    let vote = open_vote(&mut chair, &m.dossier, &["escalate", "continue"]).await;
    let picks = ["escalate", "escalate", "continue"];
    for (ws, pick) in voters.iter_mut().zip(picks) {
        ws.ok(json!({"type": "cast", "vote_id": vote, "option": pick, "comment": format!("{pick} because")})).await;
    }
    let last = chair
        .ok(json!({"type": "chat", "text": "all ballots are in"}))
        .await["seq"]
        .as_i64()
        .unwrap();
    // Killed right after the acknowledgements: no chance to flush anything.
    server.signal("-KILL");
    let _ = server.wait().await;

    let server = Server::start(dir.path(), &db);
    let url = server.api.url.clone();
    // Every acknowledged event is in the log, in order.
    let log = server
        .api
        .get(
            &format!("/api/sessions/{}/events", m.session),
            Some(&m.chair.token),
        )
        .await;
    let items = log.expect(200)["items"].as_array().unwrap().clone();
    let seqs: Vec<i64> = items.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=last).collect::<Vec<_>>());
    assert_eq!(items.last().unwrap()["text"], "all ballots are in");
    // Every acknowledged ballot counts when the vote closes.
    let (mut chair, welcome) = Ws::join(&url, &m.session, &m.chair.token, Some(last)).await;
    assert_eq!(welcome["seq"], last);
    assert_eq!(welcome["open_votes"][0]["id"], vote.as_str());
    let ack = chair
        .ok(json!({"type": "close_vote", "vote_id": vote, "summary": "Escalate."}))
        .await;
    assert_eq!(ack["seq"], last + 1);
    let decision = chair.event(last + 1).await["decision"].clone();
    assert_eq!(decision["tally"], json!({"escalate": 2, "continue": 1}));
    assert_eq!(decision["ballots"].as_array().unwrap().len(), 3);
    assert_eq!(decision["status"], "decided");
}

//! Benchmark of the decision exports (issue: exports and reports).
//!
//! Seeds N decisions (default 100,000) with valid hash chains into a fresh database, starts the
//! real server (release build) on it, and downloads the export as CSV, FHIR and JSON through
//! HTTP, printing the time taken and the server's memory (idle RSS and peak RSS during each
//! export).
//!
//! Run: `cargo bench --bench exports -- [--decisions N] [--database-url URL]`

use std::time::Instant;

use anyhow::Context;
use chrono::Duration;
use common::process::{RssSampler, ServerProcess, machine, mib};
use common::{PASSWORD, arg, runtime};
use consilium::api::User;
use consilium::db::schema::{decisions, dossiers, votes};
use consilium::db::{Db, boards, new_id, sessions, users};
use consilium::domain::audit::format_time;
use consilium::domain::board::{BoardRole, NewBoard, QuorumRule};
use consilium::domain::canonical::{GENESIS_HASH, record_hash};
use consilium::domain::user::{NewUser, Role};
use diesel::prelude::*;
use futures_util::StreamExt;
use serde_json::json;

mod common;

const BATCH: usize = 5_000;

fn main() -> anyhow::Result<()> {
    let n: usize = arg("--decisions")
        .map(|v| v.parse())
        .transpose()?
        .unwrap_or(100_000);
    let dir = tempfile::tempdir()?;
    let url = arg("--database-url")
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("bench.db").display()));
    runtime()?.block_on(run(n, dir.path(), &url))
}

async fn run(n: usize, dir: &std::path::Path, url: &str) -> anyhow::Result<()> {
    println!("machine: {}", machine());
    println!("database: {}", consilium::config::redact_url(url));
    let started = Instant::now();
    let (board_id, chair_email) = seed(url, n).await?;
    println!(
        "seeded {n} decisions in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_consilium"));
    let server = ServerProcess::start(binary, dir, url, &[])?;
    let client = reqwest::Client::new();
    let login: serde_json::Value = client
        .post(format!("{}/api/auth/login", server.url))
        .json(&json!({"email": chair_email, "password": PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["token"].as_str().context("login failed")?.to_string();
    // Warm up the code paths, then take the idle figure.
    let warm = format!(
        "{}/api/exports/decisions?board_id={board_id}&to=2000-01-01",
        server.url
    );
    client
        .get(&warm)
        .bearer_auth(&token)
        .send()
        .await?
        .bytes()
        .await?;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let idle = server.rss()?;
    println!("server idle RSS: {:.1} MiB", mib(idle));
    println!();
    println!(
        "| format | decisions | bytes | time (s) | MB/s | peak RSS (MiB) | above idle (MiB) |"
    );
    println!("|---|---|---|---|---|---|---|");
    for format in ["csv", "fhir", "json"] {
        let url = format!(
            "{}/api/exports/decisions?board_id={board_id}&format={format}",
            server.url
        );
        let sampler = RssSampler::start(server.pid());
        let t0 = Instant::now();
        let res = client.get(&url).bearer_auth(&token).send().await?;
        anyhow::ensure!(res.status().is_success(), "export failed: {}", res.status());
        let mut stream = res.bytes_stream();
        let mut bytes = 0usize;
        let mut newlines = 0usize;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            bytes += chunk.len();
            newlines += chunk.iter().filter(|b| **b == b'\n').count();
        }
        let secs = t0.elapsed().as_secs_f64();
        let peak = sampler.finish();
        if format == "csv" {
            anyhow::ensure!(
                newlines == n + 1,
                "expected {} CSV lines, got {newlines}",
                n + 1
            );
        }
        println!(
            "| {format} | {n} | {bytes} | {secs:.2} | {:.1} | {:.1} | {:.1} |",
            bytes as f64 / secs / 1e6,
            mib(peak),
            mib(peak.saturating_sub(idle))
        );
    }
    Ok(())
}

/// A board, its people and a session made through the library, then `n` decided dossiers
/// with their votes and chained decisions inserted in batches.
async fn seed(url: &str, n: usize) -> anyhow::Result<(String, String)> {
    let db = Db::connect(url, 4, "bench-seed")?;
    db.migrate()?;
    let mut people = Vec::new();
    for (name, specialty) in [
        ("Dr Chair", "Neurology"),
        ("Dr Radio", "Neuroradiology"),
        ("Dr Ophtalmo", "Ophthalmology"),
        ("Dr Neuro", "Neurology"),
        ("Dr Referrer", "Neurology"),
    ] {
        let email = format!("{}@bench.example.org", new_id());
        let new = NewUser::parse(
            &email,
            name,
            PASSWORD,
            Some(Role::Clinician),
            Some(specialty),
            Some("CH Bench, Service de neurologie"),
        )?;
        people.push(consilium::auth::create_account(&db, None, new).await?);
    }
    let chair_email = people[0].email.clone();
    let ids: Vec<String> = people.iter().map(|p| p.id.clone()).collect();
    let (board, session) = db
        .write(move |conn| {
            let board = boards::insert(
                conn,
                &NewBoard::parse("Bench board", None, Some(QuorumRule::parse(3, 3, &[])?))?,
            )?;
            boards::put_member(conn, &board.id, &ids[0], BoardRole::Coordinator)?;
            for id in &ids[1..4] {
                boards::put_member(conn, &board.id, id, BoardRole::Member)?;
            }
            let chair = users::by_id(conn, &ids[0])?
                .ok_or_else(|| consilium::error::AppError::not_found("user"))?;
            let session = consilium::usecase::sessions::create(
                conn,
                &chair,
                &board.id,
                &sessions::NewSession {
                    title: "Bench session".into(),
                    scheduled_at: consilium::db::now(),
                    video_url: None,
                    duration_minutes: 90,
                },
            )?;
            Ok((board, session.value.record.row))
        })
        .await?;
    let users_json: Vec<serde_json::Value> = people
        .iter()
        .map(|u| serde_json::to_value(User::from(u)))
        .collect::<Result<_, _>>()?;
    let start = consilium::db::now() - Duration::days(365);
    let mut previous = GENESIS_HASH.to_string();
    let mut done = 0;
    while done < n {
        let count = BATCH.min(n - done);
        let (board_id, session_id, referrer, chair_id) = (
            board.id.clone(),
            session.id.clone(),
            people[4].id.clone(),
            people[0].id.clone(),
        );
        let users_json = users_json.clone();
        let prev = previous.clone();
        previous = db
            .write(move |conn| {
                let mut prev = prev;
                for i in done..done + count {
                    let dossier_id = new_id();
                    let vote_id = new_id();
                    let decision_id = new_id();
                    let submitted = start + Duration::minutes(i as i64 * 3);
                    let decided = submitted + Duration::days(9) + Duration::minutes(i as i64 % 600);
                    diesel::insert_into(dossiers::table)
                        .values((
                            dossiers::id.eq(&dossier_id),
                            dossiers::reference.eq(format!("RCP-BENCH-{i:07}")),
                            dossiers::board_id.eq(&board_id),
                            dossiers::referrer_id.eq(&referrer),
                            dossiers::title.eq("Relapsing MS under first-line therapy"),
                            dossiers::patient_pseudonym.eq(format!("SEP-{i:06}")),
                            dossiers::patient_birth_year.eq(Some(1980)),
                            dossiers::patient_sex.eq(Some("female")),
                            dossiers::question.eq("Escalate to a high-efficacy therapy, and which one?"),
                            dossiers::history.eq(""),
                            dossiers::urgency.eq("routine"),
                            dossiers::consent.eq(true),
                            dossiers::status.eq("decided"),
                            dossiers::created_at.eq(submitted),
                            dossiers::updated_at.eq(decided),
                            dossiers::submitted_at.eq(Some(submitted)),
                        ))
                        .execute(conn)?;
                    diesel::insert_into(votes::table)
                        .values((
                            votes::id.eq(&vote_id),
                            votes::session_id.eq(&session_id),
                            votes::dossier_id.eq(&dossier_id),
                            votes::proposal.eq("Escalate to natalizumab?"),
                            votes::options.eq(r#"["escalate","continue"]"#),
                            votes::status.eq("closed"),
                            votes::opened_by.eq(&chair_id),
                            votes::opened_at.eq(decided),
                            votes::opened_seq.eq(0_i64),
                            votes::closed_at.eq(Some(decided)),
                            votes::closed_seq.eq(Some(0_i64)),
                        ))
                        .execute(conn)?;
                    let mut body = json!({
                        "id": decision_id,
                        "dossier_id": dossier_id,
                        "session_id": session_id,
                        "vote_id": vote_id,
                        "status": "decided",
                        "outcome": "escalate",
                        "summary": "Escalate to natalizumab after JCV serology; MRI in 6 months, \"urgent\" if new lesions.",
                        "proposal": "Escalate to natalizumab?",
                        "tally": {"escalate": 2, "continue": 1},
                        "ballots": [
                            {"voter": users_json[1], "option": "escalate", "comment": "Active disease on MRI."},
                            {"voter": users_json[2], "option": "escalate", "comment": null},
                            {"voter": users_json[3], "option": "continue", "comment": "Wait for the next MRI."},
                        ],
                        "quorum": {"met": true, "voters": 3, "specialties": ["Neurology", "Neuroradiology", "Ophthalmology"],
                                   "rule": {"min_voters": 3, "min_specialties": 3, "required_specialties": []}},
                        "present": [users_json[0], users_json[1], users_json[2], users_json[3]],
                        "decided_at": format_time(decided),
                        "decided_by": users_json[0],
                        "previous_hash": prev,
                    });
                    let hash = record_hash(&body);
                    body["hash"] = json!(hash);
                    diesel::insert_into(decisions::table)
                        .values((
                            decisions::id.eq(&decision_id),
                            decisions::board_id.eq(&board_id),
                            decisions::dossier_id.eq(&dossier_id),
                            decisions::session_id.eq(&session_id),
                            decisions::vote_id.eq(&vote_id),
                            decisions::status.eq("decided"),
                            decisions::outcome.eq(Some("escalate")),
                            decisions::decided_at.eq(decided),
                            decisions::decided_by.eq(&chair_id),
                            decisions::chain_seq.eq(i as i64 + 1),
                            decisions::previous_hash.eq(&prev),
                            decisions::hash.eq(&hash),
                            decisions::body.eq(body.to_string()),
                        ))
                        .execute(conn)?;
                    prev = hash;
                }
                Ok(prev)
            })
            .await?;
        done += count;
    }
    // A database that grew by 100,000 rows in seconds has no statistics yet; a real one has
    // them from autovacuum (PostgreSQL) or from the operator (SQLite). Without them PostgreSQL
    // plans the first export's pages as whole-table joins.
    db.write(|conn| {
        use diesel::connection::SimpleConnection;
        conn.batch_execute("ANALYZE")?;
        Ok(())
    })
    .await?;
    Ok((board.id, chair_email))
}

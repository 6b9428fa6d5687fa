//! Security issue 11: the defects a black-box probe found, each driven against the real server
//! on both databases (and, for crash leftovers, on local files and on S3). Each test failed on
//! the code before its fix.

use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::attachments::Store;
use crate::fixtures::one_of_one;
use crate::helpers::{Backend, Options, TestApp, spawn_app, spawn_app_with};
use crate::live_process::{Server, cli_admin, database};
use crate::s3::S3Server;
use crate::{on_all_stores, on_both};

on_both!(
    sign_in_limit_holds_under_concurrency,
    a_stalled_body_times_out_and_nothing_is_kept,
    head_answers_where_get_does,
    members_contacts_only_for_the_board,
    metrics_are_not_public,
    duplicate_keys_overflowing_ranges_and_extended_filenames,
);

/// Point 3: 300 wrong passwords at once on one account get no more password checks than the
/// limit (5); before, 82 got through.
async fn sign_in_limit_holds_under_concurrency(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let victim = app.clinician(&admin, "Neurology").await;
    let failed_before = failed_logins(&app).await;
    let attempts = (0..300).map(|_| {
        let api = app.api.clone();
        let email = victim.email.clone();
        tokio::spawn(async move {
            api.post(
                "/api/auth/login",
                None,
                json!({"email": email, "password": "wrong password!"}),
            )
            .await
            .status
        })
    });
    let statuses: Vec<u16> = futures_util::future::join_all(attempts)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(checked, 5, "{statuses:?}");
    assert_eq!(throttled, 295);
    // One audit row per password checked, no more.
    assert_eq!(failed_logins(&app).await - failed_before, 5);
}

/// `auth.login_failed` rows of the audit log (read in the database: it has no endpoint).
async fn failed_logins(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    app.db
        .read(|conn| {
            use consilium::db::schema::audit_log::dsl as a;
            Ok(a::audit_log
                .filter(a::action.eq("auth.login_failed"))
                .count()
                .get_result::<i64>(conn)?)
        })
        .await
        .unwrap()
}

/// Point 7: an upload that stops sending is given up after the body timeout (408), and nothing
/// of it stays: no spool file, no object, no row, no journal entry.
async fn a_stalled_body_times_out_and_nothing_is_kept(backend: Backend) {
    let app = spawn_app_with(
        backend,
        Options {
            body_idle_timeout_secs: Some(2),
            ..Options::default()
        },
    )
    .await;
    let admin = app.admin().await;
    let board = app.board(&admin, one_of_one()).await;
    let referrer = app.clinician(&admin, "Neurology").await;
    let dossier = app.dossier(&referrer, &board).await;
    let dossier_id = dossier["id"].as_str().unwrap();
    let mut dicom_head = vec![0u8; 128];
    dicom_head.extend_from_slice(b"DICM");
    for first in [b"plain bytes, no known format".to_vec(), dicom_head] {
        let mut socket = start_upload(&app.url, dossier_id, &referrer.token, &first, 1).await;
        // Then nothing: the server answers 408 within the timeout (and some slack).
        let mut answer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(10), async {
            let mut buf = [0u8; 4096];
            loop {
                match socket.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        answer.extend_from_slice(&buf[..n]);
                        if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                            break;
                        }
                    }
                }
            }
        })
        .await;
        assert!(read.is_ok(), "no answer to a stalled upload");
        let text = String::from_utf8_lossy(&answer);
        assert!(text.starts_with("HTTP/1.1 408"), "{text}");
        // The abandoned upload is aborted in the background: wait (bounded) for it.
        let mut left = Vec::new();
        let mut journal = 0;
        for _ in 0..50 {
            left = files_under(&app.dir.path().join("objects"));
            left.extend(
                files_under(&app.config.spool_dir())
                    .into_iter()
                    .filter(|p| !p.ends_with(".lock")),
            );
            journal = app.count("object_uploads").await;
            if left.is_empty() && journal == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(left.is_empty(), "left behind: {left:?}");
        assert_eq!(journal, 0);
    }
    // A slow but steady upload is not cut: chunks 300 ms apart with a 2 s timeout.
    let body = futures_util::stream::iter(0..6).then(|i| async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        Ok::<_, std::io::Error>(format!("line {i}\n").into_bytes())
    });
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::stream(reqwest::Body::wrap_stream(body)).file_name("slow.txt"),
    );
    let res = app
        .client
        .post(format!("{}/api/dossiers/{dossier_id}/attachments", app.url))
        .bearer_auth(&referrer.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let res = crate::helpers::Api::read(res).await;
    res.expect(201);
}

/// Minor: HEAD answers wherever GET does, with GET's headers and no body.
async fn head_answers_where_get_does(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let head = |path: String, token: Option<String>| {
        let client = app.client.clone();
        let url = format!("{}{path}", app.url);
        async move {
            let mut req = client.head(url);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            req.send().await.unwrap()
        }
    };
    let res = head("/healthz".into(), None).await;
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.bytes().await.unwrap().is_empty());
    let res = head("/api/me".into(), Some(admin.token.clone())).await;
    assert_eq!(res.status().as_u16(), 200);
    let get = app.get("/api/me", Some(&admin.token)).await;
    assert_eq!(
        res.headers().get("content-length").unwrap(),
        &get.text.len().to_string()
    );
    assert!(res.bytes().await.unwrap().is_empty());
    // Without a token, HEAD is refused as GET is.
    assert_eq!(head("/api/me".into(), None).await.status().as_u16(), 401);
    // Nothing else changed: POST-only routes stay POST-only.
    assert_eq!(
        head("/api/auth/login".into(), None).await.status().as_u16(),
        404
    );
}

/// Minor: a referrer choosing a board sees names, specialties and organisations of its
/// members, not their e-mail addresses; the board's own people and admins see them.
async fn members_contacts_only_for_the_board(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let board = app.board(&admin, one_of_one()).await;
    let member = app.clinician(&admin, "Neurology").await;
    let coordinator = app.clinician(&admin, "Neurology").await;
    let outsider = app.clinician(&admin, "Cardiology").await;
    app.add_member(&admin, &board, &member, "member").await;
    app.add_member(&admin, &board, &coordinator, "coordinator")
        .await;
    let path = format!("/api/boards/{board}/members");
    for (who, sees_emails) in [
        (&admin, true),
        (&member, true),
        (&coordinator, true),
        (&outsider, false),
    ] {
        let res = app.get(&path, Some(&who.token)).await;
        let items = res.expect(200)["items"].as_array().unwrap().clone();
        assert_eq!(items.len(), 2);
        for item in &items {
            let user = &item["user"];
            assert!(user["name"].is_string() && user["id"].is_string());
            assert!(item["role"].is_string());
            assert_eq!(user.get("email").is_some(), sees_emails, "{user}");
            if !sees_emails {
                assert!(!res.text.contains(&member.email));
                assert!(user.get("specialty").is_some());
            }
        }
    }
    app.get(&path, None)
        .await
        .expect_problem(401, "unauthenticated");
}

/// Minor: `/metrics` is not public. Without configuration it does not exist on the main
/// listener; with a token it needs that token; a separate listener serves it (and only it).
async fn metrics_are_not_public(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app
        .client
        .get(format!("{}/metrics", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
    drop(app);

    let token = "metrics-token-0123456789";
    let app = spawn_app_with(
        backend,
        Options {
            metrics_token: Some(token.into()),
            metrics_listener: true,
            ..Options::default()
        },
    )
    .await;
    let get = |url: String, bearer: Option<&'static str>| {
        let client = app.client.clone();
        async move {
            let mut req = client.get(url);
            if let Some(t) = bearer {
                req = req.bearer_auth(t);
            }
            req.send().await.unwrap().status().as_u16()
        }
    };
    let main = format!("{}/metrics", app.url);
    assert_eq!(get(main.clone(), None).await, 401);
    assert_eq!(
        get(main.clone(), Some("metrics-token-0123456780")).await,
        401
    );
    assert_eq!(get(main.clone(), Some("short")).await, 401);
    assert_eq!(get(main, Some("metrics-token-0123456789")).await, 200);
    let separate = app.metrics_url.clone().expect("a metrics listener");
    assert_ne!(separate, app.url);
    assert_eq!(get(format!("{separate}/metrics"), None).await, 200);
    // The metrics listener serves nothing else.
    assert_eq!(get(format!("{separate}/healthz"), None).await, 404);
    assert_eq!(get(format!("{separate}/api/boards"), None).await, 404);
    assert_eq!(get(format!("{separate}/"), None).await, 404);
}

/// Minor: duplicate JSON keys are refused (and change nothing); a `Range` whose last position
/// overflows is still a range (206); a file part named only with `filename*` keeps its name.
async fn duplicate_keys_overflowing_ranges_and_extended_filenames(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let board = app.board(&admin, one_of_one()).await;
    let referrer = app.clinician(&admin, "Neurology").await;
    let dossiers_before = app.count("dossiers").await;
    let body = format!(
        r#"{{"board_id":"{board}","title":"A","title":"B","patient":{{"pseudonym":"P-1"}},"question":"Q?"}}"#
    );
    let res = app
        .raw(
            reqwest::Method::POST,
            "/api/dossiers",
            Some(&referrer.token),
            "application/json",
            body,
        )
        .await;
    res.expect_problem(400, "invalid_input");
    assert!(res.text.contains("twice"), "{}", res.text);
    assert_eq!(app.count("dossiers").await, dossiers_before);

    let dossier = app.dossier(&referrer, &board).await;
    let dossier_id = dossier["id"].as_str().unwrap();
    // A part with only `filename*` (RFC 5987): the name is kept, UTF-8 decoded.
    let boundary = "XBOUNDARYX";
    let multipart = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
         filename*=UTF-8''compte-rendu%20IRM%20%C3%A9t%C3%A9.txt\r\n\
         Content-Type: text/plain\r\n\r\n0123456789abcdef\r\n--{boundary}--\r\n"
    );
    let res = app
        .raw(
            reqwest::Method::POST,
            &format!("/api/dossiers/{dossier_id}/attachments"),
            Some(&referrer.token),
            &format!("multipart/form-data; boundary={boundary}"),
            multipart,
        )
        .await;
    let attachment = res.expect(201).clone();
    assert_eq!(attachment["filename"], "compte-rendu IRM été.txt");
    let id = attachment["id"].as_str().unwrap();
    // A last position beyond u64: to the end (206), not the whole (200).
    let res = app
        .client
        .get(format!("{}/api/attachments/{id}/content", app.url))
        .bearer_auth(&referrer.token)
        .header("Range", "bytes=10-99999999999999999999999999")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 206);
    assert_eq!(res.headers()["content-range"], "bytes 10-15/16");
    assert_eq!(&res.bytes().await.unwrap()[..], b"abcdef");
}

/// Starts an upload over a raw socket (declaring 60 MB): the multipart head, `first`, then
/// `mib` MiB, and leaves it open without finishing it.
async fn start_upload(
    url: &str,
    dossier_id: &str,
    token: &str,
    first: &[u8],
    mib: usize,
) -> tokio::net::TcpStream {
    let addr = url.trim_start_matches("http://").to_string();
    let mut socket = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let boundary = "XBOUNDARYX";
    let head = format!(
        "POST /api/dossiers/{dossier_id}/attachments HTTP/1.1\r\nHost: {addr}\r\n\
         Authorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: 60000000\r\n\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.bin\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    socket.write_all(first).await.unwrap();
    let chunk = vec![0x5Au8; 1024 * 1024];
    for _ in 0..mib {
        socket.write_all(&chunk).await.unwrap();
    }
    socket.flush().await.unwrap();
    socket
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if let Ok(entries) = std::fs::read_dir(&d) {
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push(p);
                }
            }
        }
    }
    out
}

on_all_stores!(crash_leftovers_are_cleaned_at_start);

/// Point 10: SIGKILL during two uploads (one spooled for de-identification, one streamed to
/// the store) leaves a spool file and a half-written object (local staging file, or an S3
/// multipart upload with its parts); the next start removes them all.
async fn crash_leftovers_are_cleaned_at_start(backend: Backend, store: Store) {
    let dir = tempfile::tempdir().unwrap();
    let db = database(backend, dir.path()).await;
    let s3 = (store == Store::S3).then(S3Server::start);
    let env: Vec<(String, String)> = match &s3 {
        None => vec![],
        Some(s3) => vec![
            ("CONSILIUM_OBJECT_STORE_URL".into(), s3.url()),
            ("AWS_ENDPOINT".into(), s3.endpoint.clone()),
            ("AWS_REGION".into(), "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID".into(), crate::s3::ACCESS_KEY.into()),
            ("AWS_SECRET_ACCESS_KEY".into(), crate::s3::SECRET_KEY.into()),
            ("AWS_ALLOW_HTTP".into(), "true".into()),
        ],
    };
    let server = Server::start_with(dir.path(), &db, &env);
    let admin = cli_admin(dir.path(), &db, &server.api).await;
    let api = server.api.clone();
    let board = api.board(&admin, one_of_one()).await;
    let referrer = api.clinician(&admin, "Neurology").await;
    let dossier = api.dossier(&referrer, &board).await;
    let dossier_id = dossier["id"].as_str().unwrap().to_string();

    let mut dicom_head = vec![0u8; 128];
    dicom_head.extend_from_slice(b"DICM");
    let mut sockets = Vec::new();
    for first in [b"plain bytes".to_vec(), dicom_head] {
        // Two S3 parts' worth, so that parts are in the bucket.
        sockets.push(start_upload(&api.url, &dossier_id, &referrer.token, &first, 20).await);
    }
    let spool = dir.path().join("tmp");
    let leftovers = || {
        let mut left: Vec<PathBuf> = files_under(&spool)
            .into_iter()
            .filter(|p| !p.ends_with(".lock"))
            .collect();
        match &s3 {
            Some(s3) => left.extend(s3.files().into_iter().filter(|p| {
                let name = p.file_name().unwrap().to_string_lossy().to_string();
                name.starts_with(".upload") || p.to_string_lossy().contains("dossiers")
            })),
            None => left.extend(files_under(&dir.path().join("objects"))),
        }
        left
    };
    // Wait until both uploads have left something on disk, then kill the server.
    let mut seen = Vec::new();
    for _ in 0..100 {
        seen = leftovers();
        let spooled = seen.iter().any(|p| p.starts_with(&spool));
        let stored = seen.iter().any(|p| !p.starts_with(&spool));
        if spooled && stored {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.signal("-KILL");
    let _ = server.wait().await;
    drop(sockets);
    let before = leftovers();
    assert!(
        before.iter().any(|p| p.starts_with(&spool))
            && before.iter().any(|p| !p.starts_with(&spool)),
        "the crash should have left a spool file and a partial object: {seen:?}"
    );

    let server = Server::start_with(dir.path(), &db, &env);
    let mut left = before;
    for _ in 0..100 {
        left = leftovers();
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(left.is_empty(), "left after the restart: {left:?}");
    let res = server
        .api
        .get(
            &format!("/api/dossiers/{dossier_id}"),
            Some(&referrer.token),
        )
        .await;
    assert_eq!(res.expect(200)["attachments"], json!([]));
    // And uploads work again.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"after the crash".to_vec()).file_name("after.txt"),
    );
    let res = server
        .api
        .client
        .post(format!(
            "{}/api/dossiers/{dossier_id}/attachments",
            server.api.url
        ))
        .bearer_auth(&referrer.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
}

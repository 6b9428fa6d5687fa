//! The server under test: its set-up (an admin, a board of a chair and followers, a dossier
//! with the images, a session) and the HTTP helpers of the measurements.

use std::io::Cursor;
use std::time::Instant;

use anyhow::{Context, ensure};
use bytes::Bytes;
use serde_json::{Value, json};

use crate::Args;
use crate::common::{PASSWORD, login};
use crate::images::zip_of;

/// The URL of a frame's render.
pub fn frame_url(api: &str, attachment: &str, series: &str, n: usize, query: &str) -> String {
    format!("{api}/api/attachments/{attachment}/series/{series}/frames/{n}{query}")
}

pub struct Got {
    pub ms: f64,
    pub status: u16,
    pub body: Bytes,
    pub etag: Option<String>,
}

/// A GET timed from the send to the last byte of the body.
pub async fn timed_get(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    if_none_match: Option<&str>,
) -> anyhow::Result<Got> {
    let mut req = client.get(url).header("Accept", "image/png");
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(e) = if_none_match {
        req = req.header("If-None-Match", e);
    }
    let started = Instant::now();
    let res = req.send().await?;
    let status = res.status().as_u16();
    let etag = res
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = res.bytes().await?;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    Ok(Got {
        ms,
        status,
        body,
        etag,
    })
}

/// A GET that must answer 200 with a PNG of `size`×`size`.
pub async fn png_get(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    size: u32,
) -> anyhow::Result<Got> {
    let got = timed_get(client, url, token, None).await?;
    ensure!(
        got.status == 200,
        "{url}: {} {}",
        got.status,
        String::from_utf8_lossy(&got.body[..got.body.len().min(300)])
    );
    let info = png::Decoder::new(Cursor::new(&got.body[..]))
        .read_info()
        .with_context(|| format!("{url}: not a PNG"))?
        .info()
        .clone();
    ensure!(
        (info.width, info.height) == (size, size),
        "{url}: a {}×{} PNG",
        info.width,
        info.height
    );
    Ok(got)
}

/// The grey levels of an 8-bit grey PNG.
fn grey_of(png_bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut reader = png::Decoder::new(Cursor::new(png_bytes)).read_info()?;
    let mut buf = vec![0; reader.output_buffer_size().context("PNG too large")?];
    let info = reader.next_frame(&mut buf)?;
    ensure!(
        info.color_type == png::ColorType::Grayscale && info.bit_depth == png::BitDepth::Eight,
        "not an 8-bit grey PNG: {:?} {:?}",
        info.color_type,
        info.bit_depth
    );
    buf.truncate(info.buffer_size());
    Ok(buf)
}

/// The mean absolute difference of two renders of the same frame, in grey levels.
pub fn mean_difference(a: &[u8], b: &[u8]) -> anyhow::Result<f64> {
    let (a, b) = (grey_of(a)?, grey_of(b)?);
    ensure!(a.len() == b.len(), "renders of different sizes");
    let sum: u64 = a
        .iter()
        .zip(&b)
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    Ok(sum as f64 / a.len().max(1) as f64)
}

/// A bare HTTP/1.1 server in this process that answers every request with `body`: what moving
/// that many bytes through loopback into this client costs, whatever the server does.
pub async fn canned_server(body: Bytes) -> anyhow::Result<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let body = body.clone();
            let _ = sock.set_nodelay(true);
            tokio::spawn(async move {
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                let mut buf = vec![0u8; 16 * 1024];
                let mut pending = Vec::new();
                loop {
                    let n = match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    pending.extend_from_slice(&buf[..n]);
                    while let Some(end) = memchr::memmem::find(&pending, b"\r\n\r\n") {
                        pending.drain(..end + 4);
                        if sock.write_all(head.as_bytes()).await.is_err()
                            || sock.write_all(&body).await.is_err()
                        {
                            return;
                        }
                    }
                }
            });
        }
    });
    Ok(format!("http://{addr}/frame.png"))
}

async fn call(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<Value>,
) -> anyhow::Result<Value> {
    let mut req = client.request(method, &url).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await?;
    let status = res.status();
    let v: Value = res.json().await.unwrap_or(Value::Null);
    ensure!(status.is_success(), "{url}: {status} {v}");
    Ok(v)
}

async fn upload(
    client: &reqwest::Client,
    api: &str,
    token: &str,
    dossier: &str,
    name: &str,
    mime: &str,
    bytes: Vec<u8>,
) -> anyhow::Result<String> {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(name.to_string())
        .mime_str(mime)?;
    let res = client
        .post(format!("{api}/api/dossiers/{dossier}/attachments"))
        .bearer_auth(token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await?;
    let status = res.status();
    let v: Value = res.json().await?;
    ensure!(status.as_u16() == 201, "upload of {name}: {status} {v}");
    Ok(v["id"].as_str().context("attachment id")?.to_string())
}

/// The (de-identified) UID and frame count of an attachment's only series.
async fn only_series(
    client: &reqwest::Client,
    api: &str,
    token: &str,
    attachment: &str,
) -> anyhow::Result<(String, u64)> {
    let v = call(
        client,
        reqwest::Method::GET,
        format!("{api}/api/attachments/{attachment}/series"),
        token,
        None,
    )
    .await?;
    let s = &v["items"][0];
    Ok((
        s["series_uid"].as_str().context("series_uid")?.to_string(),
        s["frames"].as_u64().context("frames")?,
    ))
}

/// The room and everyone in it: a board with a coordinator (the chair) and `followers`
/// members, a session with the imaging dossier on its agenda.
pub struct Room {
    pub chair: String,
    pub followers: Vec<String>,
    pub session: String,
    pub mr: String,
    pub mr_series: String,
    pub xrays: Vec<(String, String)>,
}

pub async fn set_up(
    api: &str,
    client: &reqwest::Client,
    args: &Args,
    mr_files: &[Vec<u8>],
    xray_files: &[Vec<u8>],
) -> anyhow::Result<Room> {
    use reqwest::Method;
    let admin = login(client, api, "admin@bench.test").await?;
    let board = call(
        client,
        Method::POST,
        format!("{api}/api/boards"),
        &admin,
        Some(json!({"name": "Neuro-oncology board"})),
    )
    .await?;
    let board_id = board["id"].as_str().context("board id")?.to_string();
    let mut tokens = Vec::new();
    for i in 0..=args.followers {
        let email = format!("dr{i}@bench.test");
        let user = call(
            client,
            Method::POST,
            format!("{api}/api/users"),
            &admin,
            Some(
                json!({"email": email, "name": format!("Dr Bench {i}"), "password": PASSWORD,
                        "specialty": "Neuroradiology", "organization": "CH Bench"}),
            ),
        )
        .await?;
        let id = user["id"].as_str().context("user id")?;
        let role = if i == 0 { "coordinator" } else { "member" };
        call(
            client,
            Method::PUT,
            format!("{api}/api/boards/{board_id}/members/{id}"),
            &admin,
            Some(json!({"role": role})),
        )
        .await?;
        tokens.push(login(client, api, &email).await?);
    }
    let chair = tokens.remove(0);
    let dossier = call(
        client,
        Method::POST,
        format!("{api}/api/dossiers"),
        &chair,
        Some(json!({"board_id": board_id, "title": "Glioma follow-up", "patient": {"pseudonym": "BENCH-1"},
                    "question": "Progression or pseudo-progression?", "consent": true})),
    )
    .await?;
    let dossier_id = dossier["id"].as_str().context("dossier id")?.to_string();
    let mr = upload(
        client,
        api,
        &chair,
        &dossier_id,
        "mr-t2.zip",
        "application/zip",
        zip_of(mr_files)?,
    )
    .await?;
    let mut xrays = Vec::new();
    for (i, bytes) in xray_files.iter().enumerate() {
        let id = upload(
            client,
            api,
            &chair,
            &dossier_id,
            &format!("chest-{i}.dcm"),
            "application/dicom",
            bytes.clone(),
        )
        .await?;
        let (series, _) = only_series(client, api, &chair, &id).await?;
        xrays.push((id, series));
    }
    let (mr_series, frames) = only_series(client, api, &chair, &mr).await?;
    ensure!(
        frames as usize == args.slices,
        "the MR series has {frames} frames"
    );
    call(
        client,
        Method::POST,
        format!("{api}/api/dossiers/{dossier_id}/submit"),
        &chair,
        None,
    )
    .await?;
    let session = call(
        client,
        Method::POST,
        format!("{api}/api/boards/{board_id}/sessions"),
        &chair,
        Some(json!({"title": "Weekly board", "scheduled_at": "2026-11-30T16:30:00Z"})),
    )
    .await?;
    let session = session["id"].as_str().context("session id")?.to_string();
    call(
        client,
        Method::POST,
        format!("{api}/api/sessions/{session}/agenda"),
        &chair,
        Some(json!({"dossier_id": dossier_id})),
    )
    .await?;
    Ok(Room {
        chair,
        followers: tokens,
        session,
        mr,
        mr_series,
        xrays,
    })
}

//! The presenter's view to the followers' image: the chair (the presenter) sends `view` for
//! successive slices; each follower, on receiving it, GETs the frame, as the viewer does.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::Args;
use crate::common::ws_connect;
use crate::report::{p, verdict};
use crate::server::{Room, frame_url, png_get};

struct Sample {
    relay_ms: f64,
    image_ms: f64,
    frame: usize,
}

#[derive(Default)]
struct Book {
    /// frame -> when the presenter sent its view
    sent: Mutex<HashMap<usize, Instant>>,
    /// every frame a follower was shown, measured or not
    shown: Mutex<HashSet<usize>>,
    samples: Mutex<Vec<Sample>>,
    errors: Mutex<Vec<String>>,
}

impl Book {
    fn error(&self, e: String) {
        if let Ok(mut v) = self.errors.lock() {
            v.push(e);
        }
    }

    fn was_shown(&self, frame: usize) -> bool {
        self.shown.lock().is_ok_and(|s| s.contains(&frame))
    }
}

type Ws = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// Joins the room: hello with the token, until welcome.
async fn join(api: &str, session: &str, token: &str) -> anyhow::Result<Ws> {
    let mut ws = ws_connect(api, &format!("/api/sessions/{session}/live")).await?;
    ws.send(Message::text(
        json!({"type": "hello", "token": token}).to_string(),
    ))
    .await?;
    loop {
        match tokio::time::timeout(Duration::from_secs(30), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                let v: Value = serde_json::from_str(t.as_str())?;
                if v["type"] == "welcome" {
                    return Ok(ws);
                }
            }
            Ok(Some(Ok(Message::Close(f)))) => bail!("closed before welcome: {f:?}"),
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(e))) => bail!("read: {e}"),
            Ok(None) => bail!("ended before welcome"),
            Err(_) => bail!("no welcome within 30 s"),
        }
    }
}

/// What a follower reads from a relayed `view`: the frame to show, and the window asked for.
fn view_of(v: &Value) -> Option<(String, String, usize, String)> {
    if v["type"] != "view" {
        return None;
    }
    let mut query = Vec::new();
    for key in ["wc", "ww", "preset"] {
        match &v[key] {
            Value::Null => {}
            Value::String(s) => query.push(format!("{key}={s}")),
            other => query.push(format!("{key}={other}")),
        }
    }
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{}", query.join("&"))
    };
    Some((
        v["attachment_id"].as_str()?.to_string(),
        v["series_uid"].as_str()?.to_string(),
        usize::try_from(v["frame"].as_u64()?).ok()?,
        query,
    ))
}

/// A follower: on each view it reads, it GETs the frame (as the viewer does) with its own HTTP
/// connection, and records when it held the whole PNG.
fn follower(
    mut ws: Ws,
    api: String,
    token: String,
    book: Arc<Book>,
    seen: Arc<tokio::sync::Notify>,
) -> anyhow::Result<()> {
    let client = reqwest::Client::builder().tcp_nodelay(true).build()?;
    tokio::spawn(async move {
        // A kept-alive connection, as a browser that has been showing the series has.
        let _ = client.get(format!("{api}/healthz")).send().await;
        while let Some(msg) = ws.next().await {
            let t = match msg {
                Ok(Message::Text(t)) => t,
                Ok(Message::Close(f)) => {
                    book.error(format!("closed: {f:?}"));
                    break;
                }
                Ok(_) => continue,
                Err(e) => {
                    book.error(format!("dropped: {e}"));
                    break;
                }
            };
            let received = Instant::now();
            let Ok(v) = serde_json::from_str::<Value>(t.as_str()) else {
                continue;
            };
            let Some((attachment, series, frame, query)) = view_of(&v) else {
                continue;
            };
            if let Ok(mut s) = book.shown.lock() {
                s.insert(frame);
            }
            seen.notify_one();
            let Some(sent) = book.sent.lock().ok().and_then(|s| s.get(&frame).copied()) else {
                continue;
            };
            let (client, api, token, book) =
                (client.clone(), api.clone(), token.clone(), book.clone());
            tokio::spawn(async move {
                let url = frame_url(&api, &attachment, &series, frame, &query);
                match png_get(&client, &url, Some(&token), 512).await {
                    Ok(_) => {
                        let now = Instant::now();
                        if let Ok(mut s) = book.samples.lock() {
                            s.push(Sample {
                                relay_ms: received.duration_since(sent).as_secs_f64() * 1000.0,
                                image_ms: now.duration_since(sent).as_secs_f64() * 1000.0,
                                frame,
                            });
                        }
                    }
                    Err(e) => book.error(format!("{e:#}")),
                }
            });
        }
    });
    Ok(())
}

/// The chair's answer to the view with `request_id`: `Ok(())` on its ack, `Err(code: message)`
/// on its refusal; and whether a follower was shown it meanwhile (a view's ack comes after the
/// relay).
async fn answer(
    chair: &mut Ws,
    request_id: &str,
    seen: &tokio::sync::Notify,
) -> anyhow::Result<(Result<(), String>, bool)> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let mut shown = false;
    let mut answer = None;
    loop {
        tokio::select! {
            _ = seen.notified(), if !shown => shown = true,
            msg = chair.next(), if answer.is_none() => match msg {
                Some(Ok(Message::Text(t))) => {
                    let v: Value = serde_json::from_str(t.as_str()).unwrap_or(Value::Null);
                    if v["request_id"] == request_id {
                        answer = Some(match v["type"].as_str() {
                            Some("ack") => Ok(()),
                            _ => Err(format!("{}: {}", v["code"].as_str().unwrap_or("?"),
                                             v["message"].as_str().unwrap_or("?"))),
                        });
                    }
                }
                Some(Ok(_)) => {}
                _ => bail!("the chair's connection ended"),
            },
            _ = tokio::time::sleep_until(deadline) => break,
        }
        match &answer {
            Some(Ok(())) if shown => break,
            // A refused view is relayed to no one: give a stray relay 300 ms to show up.
            Some(Err(_)) => {
                tokio::time::sleep(Duration::from_millis(300)).await;
                break;
            }
            _ => {}
        }
    }
    match answer {
        Some(a) => Ok((a, shown)),
        None => bail!("no answer to the view {request_id} within 5 s"),
    }
}

/// 20 followers in the room; the chair sends successive views; returns the table rows.
pub async fn follow_the_presenter(
    api: &str,
    room: &Room,
    args: &Args,
) -> anyhow::Result<Vec<[String; 5]>> {
    println!(
        "\npresenter -> followers: {} followers, {} views {} ms apart",
        args.followers, args.views, args.spacing_ms
    );
    let book = Arc::new(Book::default());
    let seen = Arc::new(tokio::sync::Notify::new());
    let mut chair = join(api, &room.session, &room.chair).await?;
    for token in &room.followers {
        let ws = join(api, &room.session, token).await?;
        follower(
            ws,
            api.to_string(),
            token.clone(),
            book.clone(),
            seen.clone(),
        )?;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let view = |frame: usize, request_id: Option<&str>| {
        let mut v = json!({"type": "view", "attachment_id": room.mr,
                           "series_uid": room.mr_series, "frame": frame});
        if let Some(r) = request_id {
            v["request_id"] = json!(r);
        }
        Message::text(v.to_string())
    };
    // The relay, on the warm-up slice (not measured): acked, and shown to the followers.
    let probe = args.slices - 1;
    chair.send(view(probe, Some("probe-view"))).await?;
    let (acked, shown) = answer(&mut chair, "probe-view", &seen).await?;
    if let Err(refusal) = acked {
        bail!("the chair's view was refused: {refusal}");
    }
    ensure!(
        shown && book.was_shown(probe),
        "the chair's view reached no follower"
    );
    // A frame beyond the series: refused, and relayed to no one.
    let beyond = args.slices;
    chair.send(view(beyond, Some("beyond-view"))).await?;
    let (refused, _) = answer(&mut chair, "beyond-view", &seen).await?;
    let Err(refusal) = refused else {
        bail!(
            "a view of frame {beyond} of a {}-frame series was acked",
            args.slices
        );
    };
    ensure!(!book.was_shown(beyond), "a refused view reached a follower");
    println!(
        "  a view of frame {beyond} of the {}-frame series: refused ({refusal}), relayed to no one",
        args.slices
    );

    // The chair's own messages are read meanwhile; an error among them is one of the run's.
    let (mut sink, mut stream) = chair.split();
    let chair_errors = book.clone();
    tokio::spawn(async move {
        while let Some(Ok(msg)) = stream.next().await {
            if let Message::Text(t) = msg
                && let Ok(v) = serde_json::from_str::<Value>(t.as_str())
                && v["type"] == "error"
            {
                chair_errors.error(format!("chair: {v}"));
            }
        }
    });

    let first = args.cold;
    let interval = Duration::from_millis(args.spacing_ms);
    let mut next = tokio::time::Instant::now();
    for i in 0..args.views {
        let frame = first + i;
        if let Ok(mut s) = book.sent.lock() {
            s.insert(frame, Instant::now());
        }
        sink.send(view(frame, None)).await?;
        next += interval;
        tokio::time::sleep_until(next).await;
    }
    let expected = args.views * args.followers;
    let waited = Instant::now();
    while book.samples.lock().map(|s| s.len()).unwrap_or(0) < expected
        && waited.elapsed() < Duration::from_secs(10)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let samples = book
        .samples
        .lock()
        .map(|s| {
            s.iter()
                .map(|x| (x.relay_ms, x.image_ms, x.frame))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let errors = book.errors.lock().map(|e| e.clone()).unwrap_or_default();
    let relay: Vec<f64> = samples.iter().map(|s| s.0).collect();
    let image: Vec<f64> = samples.iter().map(|s| s.1).collect();
    let mut last_per_view: HashMap<usize, f64> = HashMap::new();
    for (_, ms, frame) in &samples {
        let e = last_per_view.entry(*frame).or_insert(0.0);
        *e = e.max(*ms);
    }
    let last: Vec<f64> = last_per_view.values().copied().collect();
    println!(
        "  {} of {expected} (view, follower) images received; {} errors{}",
        samples.len(),
        errors.len(),
        errors
            .first()
            .map(|e| format!(", first: {e}"))
            .unwrap_or_default()
    );
    println!(
        "  relay only (send -> follower reads the view): p50 {:.1} ms, p95 {:.1} ms",
        p(&relay, 50.0),
        p(&relay, 95.0)
    );
    println!(
        "  send -> follower holds the PNG: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms over {} samples",
        p(&image, 50.0),
        p(&image, 95.0),
        p(&image, 100.0),
        image.len()
    );
    println!(
        "  send -> the last of the {} followers holds it: p50 {:.1} ms, p95 {:.1} ms over {} views",
        args.followers,
        p(&last, 50.0),
        p(&last, 95.0),
        last.len()
    );
    let p95 = p(&image, 95.0);
    Ok(vec![
        [
            format!(
                "presenter's view -> follower holds the PNG, {} followers (p50 / p95)",
                args.followers
            ),
            format!("{:.1} / {p95:.1} ms", p(&image, 50.0)),
            "—".into(),
            "—".into(),
            format!("p95 ≤ 100 ms: {}", verdict(p95 <= 100.0)),
        ],
        [
            "presenter's view -> follower reads the view, relay only (p50 / p95)".into(),
            format!("{:.1} / {:.1} ms", p(&relay, 50.0), p(&relay, 95.0)),
            "—".into(),
            "—".into(),
            "(reference)".into(),
        ],
        [
            format!("a view of frame {beyond} of a {}-frame series", args.slices),
            format!("refused ({refusal}); relayed to no one"),
            "—".into(),
            "—".into(),
            "refused: met".into(),
        ],
    ])
}

//! Mails through a real SMTP server (API.md section 12, issue 14): invitations whose calendar
//! part matches `invite.ics`, updates with a higher SEQUENCE, a cancellation, the decision
//! mail, and no health data in any of them; an SMTP outage across a restart loses nothing and
//! sends nothing twice; two instances on PostgreSQL send each mail once; the daily digest.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::fixtures::{
    Meeting, decide_unanimously, meeting_with, one_of_one, schedule, submitted_dossier,
};
use crate::helpers::{Api, Backend, Options, TestApp, spawn_app_with};
use crate::inbox::inbox;
use crate::on_both;
use crate::smtp::{Mail, SmtpSink};

on_both!(
    meetings_are_mailed_without_health_data,
    tls_required_is_not_sent_in_clear,
    a_permanent_refusal_fails_at_once,
    an_outage_and_a_restart_lose_and_repeat_nothing,
    the_daily_digest_lists_the_unread,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_send_each_mail_once() {
    let sink = SmtpSink::start();
    let first = mailing_app(Backend::Postgres, &sink, None).await;
    let second = mailing_app(Backend::Postgres, &sink, Some(first.database_url.clone())).await;
    let m = meeting_with(&first, first.admin().await, one_of_one()).await;
    // Sessions published on both instances: every notification is due on both at once. The
    // coordinator heard of the submission; each session (empty agenda) invites the four
    // members.
    let mut expected = 1;
    for (i, app) in [&first, &second, &first, &second].into_iter().enumerate() {
        let s = session(app, &m, &format!("2027-0{}-02T16:30:00Z", i + 1)).await;
        publish(app, &m, &s).await;
        expected += 4;
    }
    let mails = sink
        .wait_for("every invitation", |mails| mails.len() >= expected)
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let mails = sink.mails().len().max(mails.len());
    assert_eq!(
        mails, expected,
        "each mail once, whichever instance sent it"
    );
    assert_no_duplicates(&sink.mails());
}

async fn mailing_app(backend: Backend, sink: &SmtpSink, database_url: Option<String>) -> TestApp {
    spawn_app_with(
        backend,
        Options {
            smtp_url: Some(sink.url()),
            public_url: Some("https://rcp.chu.example".into()),
            metrics_token: Some(METRICS_TOKEN.into()),
            database_url,
            ..Options::default()
        },
    )
    .await
}

const METRICS_TOKEN: &str = "metrics-token-for-the-mail-tests";

/// The value of a metric line of `/metrics` (`name{labels}`).
async fn metric(app: &Api, line: &str) -> f64 {
    let res = app.get("/metrics", Some(METRICS_TOKEN)).await;
    assert_eq!(res.status, 200, "{}", res.text);
    res.text
        .lines()
        .find_map(|l| {
            l.strip_prefix(line)
                .map(|v| v.trim().parse::<f64>().unwrap())
        })
        .unwrap_or_else(|| panic!("no {line} in /metrics"))
}

async fn session(app: &Api, m: &Meeting, at: &str) -> String {
    app.post(
        &format!("/api/boards/{}/sessions", m.board),
        Some(&m.chair.token),
        json!({"title": "RCP SEP", "scheduled_at": at, "video_url": "https://visio.example.org/rcp"}),
    )
    .await
    .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn publish(app: &Api, m: &Meeting, session: &str) -> Value {
    app.post_empty(
        &format!("/api/sessions/{session}/publish"),
        Some(&m.chair.token),
    )
    .await
    .expect(200)
    .clone()
}

/// Waits until no mail is pending (each one sent is written by the sink before the server
/// hears `250`); how many mails arrived.
async fn settle(app: &Api, admin: &str, sink: &SmtpSink) -> usize {
    for _ in 0..200 {
        let pending = app
            .get("/api/admin/outbox?status=pending", Some(admin))
            .await;
        if pending.expect(200)["items"] == json!([]) {
            return sink.mails().len();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("mails still pending after 20 s");
}

/// No two mails with the same Message-ID to the same recipient.
fn assert_no_duplicates(mails: &[Mail]) {
    let mut seen = BTreeMap::new();
    for m in mails {
        for to in &m.to {
            *seen.entry((to.clone(), m.message_id.clone())).or_insert(0) += 1;
        }
    }
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "mails sent twice: {twice:?}");
}

fn to<'a>(mails: &'a [Mail], email: &str) -> Vec<&'a Mail> {
    mails
        .iter()
        .filter(|m| m.to.iter().any(|t| t == email))
        .collect()
}

async fn meetings_are_mailed_without_health_data(backend: Backend) {
    let sink = SmtpSink::start();
    let app = mailing_app(backend, &sink, None).await;
    let m = meeting_with(&app, app.admin().await, one_of_one()).await;
    let dossier = app
        .get(
            &format!("/api/dossiers/{}", m.dossier),
            Some(&m.referrer.token),
        )
        .await
        .expect(200)
        .clone();
    let reference = dossier["reference"].as_str().unwrap().to_string();
    // The submission told the coordinator.
    let mails = sink
        .wait_for("dossier_submitted", |ms| !to(ms, &m.chair.email).is_empty())
        .await;
    let submitted = to(&mails, &m.chair.email)[0];
    assert!(
        submitted.subject.contains(&reference),
        "{}",
        submitted.subject
    );
    assert!(submitted.calendar.is_none());
    assert!(
        submitted
            .text
            .contains(&format!("https://rcp.chu.example/#/dossiers/{}", m.dossier))
    );
    // Nothing about the unpublished session yet.
    assert_eq!(mails.len(), 1);

    // One specialist reads English (API.md section 16): their mails are in English only.
    app.patch(
        "/api/me",
        Some(&m.specialists[0].token),
        serde_json::json!({"locale": "en"}),
    )
    .await
    .expect(200);
    // Publishing invites the board and the referrer; the calendar part is invite.ics's event.
    let published = publish(&app, &m, &m.session).await;
    assert!(published["published_at"].is_string());
    assert_eq!(published["can"]["publish"], false);
    let everyone: Vec<&str> = m
        .specialists
        .iter()
        .chain([&m.chair, &m.referrer])
        .map(|a| a.email.as_str())
        .collect();
    let mails = sink
        .wait_for("the invitations", |ms| {
            everyone
                .iter()
                .all(|e| to(ms, e).iter().any(|x| x.calendar.is_some()))
        })
        .await;
    let invite = app
        .get(
            &format!("/api/sessions/{}/invite.ics", m.session),
            Some(&m.chair.token),
        )
        .await;
    let uid = invite
        .text
        .lines()
        .find_map(|l| l.strip_prefix("UID:").map(|u| u.trim().to_string()))
        .unwrap();
    for e in &everyone {
        let inv: Vec<_> = to(&mails, e)
            .into_iter()
            .filter(|x| x.calendar.is_some())
            .collect();
        assert_eq!(inv.len(), 1, "one invitation for {e}");
        assert_eq!(inv[0].ics("UID").as_deref(), Some(uid.as_str()));
        assert_eq!(inv[0].ics("METHOD").as_deref(), Some("REQUEST"));
        assert_eq!(
            inv[0].calendar.as_ref().unwrap().1.to_uppercase(),
            "REQUEST"
        );
        assert_eq!(inv[0].ics("SEQUENCE").as_deref(), Some("0"));
        let english = *e == m.specialists[0].email.as_str();
        assert_eq!(inv[0].text.starts_with("Hello"), english, "{}", inv[0].text);
        assert_eq!(inv[0].text.contains("Bonjour"), !english, "{}", inv[0].text);
        assert_eq!(
            inv[0].subject.contains("agenda of the session"),
            english,
            "{}",
            inv[0].subject
        );
    }
    // The referrer also hears that their dossier is on the agenda (a mail of its own, sent in
    // any order with the invitations: wait until none is pending).
    settle(&app, &m.admin.token, &sink).await;
    let mails = sink.mails();
    let referrer_mails = to(&mails, &m.referrer.email);
    assert!(
        referrer_mails
            .iter()
            .any(|x| x.subject.contains(&reference) && x.subject.contains("inscrit")),
        "{referrer_mails:#?}"
    );
    app.post_empty(
        &format!("/api/sessions/{}/publish", m.session),
        Some(&m.chair.token),
    )
    .await
    .expect_problem(409, "conflict");

    // A change sends an update with a higher SEQUENCE.
    let before = settle(&app, &m.admin.token, &sink).await;
    app.patch(
        &format!("/api/sessions/{}", m.session),
        Some(&m.chair.token),
        json!({"scheduled_at": "2026-11-24T17:00:00Z"}),
    )
    .await
    .expect(200);
    let mails = sink
        .wait_for("the updates", |ms| ms.len() >= before + everyone.len())
        .await;
    for e in &everyone {
        let update = to(&mails[before..], e);
        assert_eq!(update.len(), 1, "one update for {e}");
        assert_eq!(update[0].ics("SEQUENCE").as_deref(), Some("1"));
        assert_eq!(update[0].ics("UID").as_deref(), Some(uid.as_str()));
        assert_eq!(
            update[0].ics("DTSTART").as_deref(),
            Some("20261124T170000Z")
        );
    }

    // The vote closes: the referrer and the coordinator hear of it.
    let before = settle(&app, &m.admin.token, &sink).await;
    let decision = decide_unanimously(&app, &m, "escalate").await;
    let mails = sink
        .wait_for("the decision mails", |ms| {
            ms[before..]
                .iter()
                .filter(|x| x.subject.contains("Vote clos"))
                .count()
                >= 2
        })
        .await;
    let decided: Vec<_> = mails[before..]
        .iter()
        .filter(|x| x.subject.contains("Vote clos"))
        .collect();
    let mut recipients: Vec<&str> = decided
        .iter()
        .flat_map(|x| x.to.iter().map(String::as_str))
        .collect();
    recipients.sort();
    let mut expected = vec![m.chair.email.as_str(), m.referrer.email.as_str()];
    expected.sort();
    assert_eq!(recipients, expected);
    assert!(decided[0].subject.contains(&reference));

    // A second session, published then cancelled: a cancellation with METHOD:CANCEL.
    let other = submitted_dossier(&app, &m.referrer, &m.board).await;
    let second = session(&app, &m, "2026-12-01T16:30:00Z").await;
    schedule(&app, &m.chair, &second, &other).await;
    publish(&app, &m, &second).await;
    let before = settle(&app, &m.admin.token, &sink).await;
    assert_eq!(
        sink.mails()
            .iter()
            .filter(|x| x.ics("UID").is_some_and(|u| u.contains(&second)))
            .count(),
        everyone.len()
    );
    let cancelled = app
        .post_empty(
            &format!("/api/sessions/{second}/cancel"),
            Some(&m.chair.token),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(cancelled["status"], "cancelled");
    let mails = sink
        .wait_for("the cancellations", |ms| {
            ms.len() >= before + everyone.len()
        })
        .await;
    for e in &everyone {
        let c = to(&mails[before..], e);
        assert_eq!(c.len(), 1, "one cancellation for {e}");
        assert_eq!(c[0].ics("METHOD").as_deref(), Some("CANCEL"));
        assert_eq!(c[0].ics("STATUS").as_deref(), Some("CANCELLED"));
        assert_eq!(c[0].ics("SEQUENCE").as_deref(), Some("1"));
        let word = if *e == m.specialists[0].email.as_str() {
            "cancelled"
        } else {
            "annulée"
        };
        assert!(c[0].subject.contains(word), "{}", c[0].subject);
    }
    let back = app
        .get(&format!("/api/dossiers/{other}"), Some(&m.referrer.token))
        .await;
    assert_eq!(back.expect(200)["status"], "submitted");

    // Every mail: no pseudonym, question, history, title, ballot or recommendation.
    let secrets = [
        dossier["patient"]["pseudonym"]
            .as_str()
            .unwrap()
            .to_string(),
        dossier["question"].as_str().unwrap().to_string(),
        dossier["history"].as_str().unwrap().to_string(),
        dossier["title"].as_str().unwrap().to_string(),
        decision["summary"].as_str().unwrap().to_string(),
        "escalate".to_string(),
    ];
    settle(&app, &m.admin.token, &sink).await;
    let all = sink.mails();
    assert!(all.len() >= 20, "{} mails", all.len());
    for mail in &all {
        let decoded = format!("{}\n{}\n{}", mail.subject, mail.text, mail.raw);
        for s in &secrets {
            assert!(
                !decoded.to_lowercase().contains(&s.to_lowercase()),
                "{s:?} in a mail: {:?}",
                mail.file
            );
        }
    }
    assert_no_duplicates(&all);

    // Message-IDs come from the notification ids; the inbox says they were sent.
    let inbox = inbox(&app, &m.referrer, "").await;
    assert!(inbox.len() >= 5);
    for n in &inbox {
        assert_eq!(n["mail"], "sent", "{n}");
        let id = format!("{}.notification@consilium", n["id"].as_str().unwrap());
        assert!(
            all.iter().any(|x| x.message_id == id),
            "no mail with Message-ID {id}"
        );
    }
}

async fn an_outage_and_a_restart_lose_and_repeat_nothing(backend: Backend) {
    let sink = SmtpSink::start();
    sink.refuse(true);
    // The database outlives the first server (SQLite: a file of this test's).
    let keep = tempfile::tempdir().unwrap();
    let url = match backend {
        Backend::Sqlite => Some(format!(
            "sqlite://{}",
            keep.path().join("db.sqlite").display()
        )),
        Backend::Postgres => None,
    };
    let first = mailing_app(backend, &sink, url).await;
    let m = meeting_with(&first, first.admin().await, one_of_one()).await;
    publish(&first, &m, &m.session).await;
    first
        .patch(
            &format!("/api/sessions/{}", m.session),
            Some(&m.chair.token),
            json!({"title": "RCP SEP (changed)"}),
        )
        .await
        .expect(200);
    // 1 submission + 5 invitations + 1 dossier_scheduled + 5 updates.
    let expected = 12;
    let admin = first.admin().await;
    let mut tried = false;
    for _ in 0..100 {
        let pending = first
            .get("/api/admin/outbox?status=pending", Some(&admin.token))
            .await
            .expect(200)["items"]
            .as_array()
            .unwrap()
            .clone();
        if pending.len() == expected
            && pending
                .iter()
                .all(|p| p["attempts"].as_i64() >= Some(1) && p["error"].is_string())
        {
            tried = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(tried, "every mail tried and refused during the outage");
    assert!(sink.mails().is_empty());
    let database_url = first.database_url.clone();
    drop(first);

    sink.refuse(false);
    let second = mailing_app(backend, &sink, Some(database_url)).await;
    // The time the backoff (and the lease of a claim cut by the stop) would take passes: the
    // mails are due now. That timing is `domain::notification`'s, unit-tested.
    second
        .db
        .write(|conn| {
            use diesel::prelude::*;
            diesel::sql_query(
                "UPDATE notifications SET mail_due_at = created_at WHERE mail = 'pending'",
            )
            .execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
    let mails = sink.wait_for("every mail", |ms| ms.len() >= expected).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(sink.mails().len(), expected, "{mails:#?}");
    assert_no_duplicates(&sink.mails());
    let admin = second.login(&m.admin.email, crate::helpers::PASSWORD).await;
    let pending = second
        .get("/api/admin/outbox?status=pending", Some(&admin))
        .await;
    assert_eq!(pending.expect(200)["items"], json!([]));
    assert_eq!(
        metric(&second, "consilium_mails{status=\"sent\"}").await,
        expected as f64
    );
    assert_eq!(
        metric(&second, "consilium_mails{status=\"pending\"}").await,
        0.0
    );
    assert_eq!(
        metric(&second, "consilium_mail_oldest_pending_seconds").await,
        0.0
    );
}

/// `?tls=required` against a server without STARTTLS: the mail waits (with the error in the
/// outbox, and the pending count and age in `/metrics`); nothing goes in clear.
async fn tls_required_is_not_sent_in_clear(backend: Backend) {
    let sink = SmtpSink::start();
    let app = spawn_app_with(
        backend,
        Options {
            smtp_url: Some(format!("{}?tls=required", sink.url())),
            metrics_token: Some(METRICS_TOKEN.into()),
            ..Options::default()
        },
    )
    .await;
    let m = meeting_with(&app, app.admin().await, one_of_one()).await;
    let mut row = Value::Null;
    for _ in 0..100 {
        let items = app
            .get("/api/admin/outbox?status=pending", Some(&m.admin.token))
            .await
            .expect(200)["items"]
            .clone();
        if items[0]["error"].is_string() {
            row = items[0].clone();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(row["kind"], "dossier_submitted", "tried and refused: {row}");
    assert!(row["attempts"].as_i64() >= Some(1));
    assert!(sink.mails().is_empty());
    assert_eq!(
        metric(&app, "consilium_mails{status=\"pending\"}").await,
        1.0
    );
    assert!(metric(&app, "consilium_mail_oldest_pending_seconds").await > 0.0);
}

async fn the_daily_digest_lists_the_unread(backend: Backend) {
    let sink = SmtpSink::start();
    let app = mailing_app(backend, &sink, None).await;
    let m = meeting_with(&app, app.admin().await, one_of_one()).await;
    let prefs = app
        .put(
            "/api/me/preferences",
            Some(&m.referrer.token),
            json!({"mail": "daily_digest"}),
        )
        .await;
    assert_eq!(prefs.expect(200)["mail"], "daily_digest");
    publish(&app, &m, &m.session).await;
    let d2 = submitted_dossier(&app, &m.referrer, &m.board).await;
    schedule(&app, &m.chair, &m.session, &d2).await;
    // Three for the referrer: session_published, dossier_scheduled twice; none mailed now.
    let unread = inbox(&app, &m.referrer, "?unread=true").await;
    assert_eq!(unread.len(), 3, "{unread:#?}");
    assert!(unread.iter().all(|n| n["mail"] == "pending"));
    sink.wait_for("the others' invitations", |ms| ms.len() >= 5)
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(to(&sink.mails(), &m.referrer.email).is_empty());
    // One is read before the digest goes.
    let read = unread[0]["id"].as_str().unwrap();
    app.post_empty(
        &format!("/api/me/notifications/{read}/read"),
        Some(&m.referrer.token),
    )
    .await
    .expect(204);
    // 07:00 comes (the due time moved to the past, as the clock would).
    let referrer = m.referrer.id.clone();
    app.db
        .write(move |conn| {
            use diesel::prelude::*;
            diesel::sql_query(
                "UPDATE notifications SET mail_due_at = created_at WHERE user_id = $1 AND digest",
            )
            .bind::<diesel::sql_types::Text, _>(referrer)
            .execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
    let mails = sink
        .wait_for("the digest", |ms| !to(ms, &m.referrer.email).is_empty())
        .await;
    settle(&app, &m.admin.token, &sink).await;
    let digest = to(&sink.mails(), &m.referrer.email)
        .into_iter()
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(digest.len(), 1, "one digest: {mails:#?}");
    assert!(
        digest[0].subject.contains("2 notification"),
        "{}",
        digest[0].subject
    );
    let still: Vec<&Value> = unread[1..].iter().collect();
    for n in still {
        let link = format!("https://rcp.chu.example{}", n["link"].as_str().unwrap());
        assert!(digest[0].text.contains(&link), "{link} in the digest");
    }
    let after = inbox(&app, &m.referrer, "").await;
    let status: BTreeMap<&str, &str> = after
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n["mail"].as_str().unwrap()))
        .collect();
    assert_eq!(status[read], "skipped");
    assert_eq!(status.values().filter(|s| **s == "sent").count(), 2);
}

/// A permanent refusal (550) is not tried again for a day: the mail is `failed` at once, the
/// administrator sees it with the server's words, and the inbox says so.
async fn a_permanent_refusal_fails_at_once(backend: Backend) {
    let sink = SmtpSink::start();
    sink.refuse_for_good();
    let app = mailing_app(backend, &sink, None).await;
    let m = meeting_with(&app, app.admin().await, one_of_one()).await;
    let mut failed = Value::Null;
    for _ in 0..100 {
        let items = app
            .get("/api/admin/outbox?status=failed", Some(&m.admin.token))
            .await
            .expect(200)["items"]
            .clone();
        if items.as_array().is_some_and(|a| !a.is_empty()) {
            failed = items;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(failed.as_array().map(Vec::len), Some(1), "{failed}");
    assert_eq!(failed[0]["attempts"], 1);
    assert!(
        failed[0]["error"].as_str().unwrap().contains("550"),
        "{failed}"
    );
    let chair = inbox(&app, &m.chair, "").await;
    assert_eq!(chair[0]["mail"], "failed");
    assert_eq!(
        app.get("/api/admin/outbox?status=pending", Some(&m.admin.token))
            .await
            .expect(200)["items"],
        json!([])
    );
}

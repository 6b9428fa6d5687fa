//! The sender task: every poll it claims the due mails (a lease, so that no other instance
//! takes them meanwhile: `FOR UPDATE SKIP LOCKED` on PostgreSQL), sends them, and marks each
//! `sent`, or due again after a backoff, or `failed` after 24 hours or on a permanent refusal.
//! A crash between sending and marking sends that mail again after the lease: at least once,
//! with the same `Message-ID`.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono_tz::Tz;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::compose;
use crate::config::MailConfig;
use crate::db::Db;
use crate::db::notifications::{self, NotificationRow};
use crate::domain::notification::{MailStatus, after_failure};
use crate::domain::notification_text::Lang;
use crate::error::AppResult;

/// How long a claimed mail is left to its sender before another may take it.
const LEASE: chrono::Duration = chrono::Duration::minutes(5);
/// Mails claimed at a time.
const BATCH: i64 = 200;

struct Sender {
    db: Db,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    zone: Tz,
    public_url: String,
    first_retry: chrono::Duration,
}

/// Starts the sender if SMTP is configured.
pub fn start(db: Db, config: &MailConfig, zone: Tz, public_url: String) -> anyhow::Result<()> {
    let Some(url) = &config.smtp_url else {
        return Ok(());
    };
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map_err(|e| anyhow::anyhow!("CONSILIUM_SMTP_URL {}: {e}", crate::config::redact_url(url)))?
        .timeout(Some(Duration::from_secs(30)))
        .build();
    let sender = Sender {
        db,
        transport,
        from: config.from.parse()?,
        zone,
        public_url,
        first_retry: chrono::Duration::from_std(config.first_retry)?,
    };
    let poll = config.poll;
    tokio::spawn(async move {
        loop {
            match sender.round().await {
                // A full batch: there may be more at once.
                Ok(n) if n as i64 >= BATCH => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "mail sender round failed"),
            }
            tokio::time::sleep(poll).await;
        }
    });
    Ok(())
}

impl Sender {
    /// One round: claims what is due and sends it; how many rows it claimed.
    async fn round(&self) -> AppResult<usize> {
        let now = crate::db::now();
        let rows = self
            .db
            .write(move |c| notifications::claim_due(c, now, now + LEASE, BATCH))
            .await?;
        let n = rows.len();
        // A user's digest rows go as one mail; every other row as its own.
        let mut digests: BTreeMap<String, Vec<NotificationRow>> = BTreeMap::new();
        for row in rows {
            if row.digest {
                digests.entry(row.user_id.clone()).or_default().push(row);
            } else {
                self.send(vec![row]).await?;
            }
        }
        for (_, rows) in digests {
            // The digest lists the day's unread notifications; the read ones need no mail.
            let (unread, read): (Vec<_>, Vec<_>) =
                rows.into_iter().partition(|r| r.read_at.is_none());
            self.mark(&read, MailStatus::Skipped, None, None).await?;
            if !unread.is_empty() {
                self.send(unread).await?;
            }
        }
        if n > 0 {
            tracing::info!(claimed = n, "mail sender round");
        }
        Ok(n)
    }

    async fn send(&self, rows: Vec<NotificationRow>) -> AppResult<()> {
        let user_id = rows[0].user_id.clone();
        let address = self
            .db
            .read(move |c| notifications::address_of(c, &user_id))
            .await?;
        let Some((to, lang)) = address.and_then(|(a, locale)| {
            a.parse::<Mailbox>()
                .ok()
                .map(|to| (to, Lang::of_locale(&locale)))
        }) else {
            // A disabled account, or an address no server takes: nothing to send.
            return self.mark(&rows, MailStatus::Skipped, None, None).await;
        };
        let message =
            match compose::mail(&rows, &self.from, to, (self.zone, lang), &self.public_url) {
                Ok(m) => m,
                Err(e) => {
                    let why = format!("cannot compose the mail: {e}");
                    return self.mark(&rows, MailStatus::Failed, None, Some(&why)).await;
                }
            };
        match self.transport.send(message).await {
            Ok(_) => {
                let at = crate::db::now();
                let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
                self.db
                    .write(move |c| {
                        notifications::set_mail(c, &ids, MailStatus::Sent, None, None, Some(at))
                    })
                    .await
            }
            Err(e) => {
                let why: String = e.to_string().chars().take(500).collect();
                tracing::warn!(error = %why, mails = rows.len(), "mail not sent");
                if e.is_permanent() {
                    return self.mark(&rows, MailStatus::Failed, None, Some(&why)).await;
                }
                let now = crate::db::now();
                for row in &rows {
                    match after_failure(row.created_at, row.mail_attempts, now, self.first_retry) {
                        Some(next) => {
                            self.mark(
                                std::slice::from_ref(row),
                                MailStatus::Pending,
                                Some(next),
                                Some(&why),
                            )
                            .await?
                        }
                        None => {
                            self.mark(
                                std::slice::from_ref(row),
                                MailStatus::Failed,
                                None,
                                Some(&why),
                            )
                            .await?
                        }
                    }
                }
                Ok(())
            }
        }
    }

    async fn mark(
        &self,
        rows: &[NotificationRow],
        status: MailStatus,
        due: Option<chrono::NaiveDateTime>,
        error: Option<&str>,
    ) -> AppResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let error = error.filter(|e| !e.is_empty()).map(String::from);
        self.db
            .write(move |c| notifications::set_mail(c, &ids, status, due, error.as_deref(), None))
            .await
    }
}

//! A notification (or a day's digest of them) as a mail in the recipient's language, the
//! calendar part of an invitation, update or cancellation, and a `Message-ID` derived from
//! the notification's id so that a mail sent twice (a crash between sending and marking) is
//! recognisably the same.

use chrono_tz::Tz;
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};

use crate::db::notifications::NotificationRow;
use crate::domain::notification::NotificationKind;
use crate::domain::notification_text::{Facts, Lang, digest_subject, mail_body, subject};

/// The `Message-ID` of the mail of a notification (or of a digest, by its first row).
pub fn message_id(row: &NotificationRow) -> String {
    let what = if row.digest { "digest" } else { "notification" };
    format!("<{}.{what}@consilium>", row.id)
}

fn item(row: &NotificationRow, public_url: &str) -> (NotificationKind, Facts, String) {
    (
        row.kind
            .parse()
            .unwrap_or(NotificationKind::DossierSubmitted),
        serde_json::from_str(&row.facts).unwrap_or_default(),
        format!("{public_url}{}", row.link),
    )
}

/// The mail of `rows` to `to`: one notification, or a digest of several.
pub fn mail(
    rows: &[NotificationRow],
    from: &Mailbox,
    to: Mailbox,
    (zone, lang): (Tz, Lang),
    public_url: &str,
) -> anyhow::Result<Message> {
    let first = rows
        .first()
        .ok_or_else(|| anyhow::anyhow!("no notification"))?;
    let items: Vec<_> = rows.iter().map(|r| item(r, public_url)).collect();
    let subject = match (first.digest, items.first()) {
        (false, Some((kind, facts, _))) => {
            format!("[Consilium] {}", subject(*kind, facts, zone, lang))
        }
        _ => digest_subject(rows.len(), lang),
    };
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(mail_body(&items, zone, lang));
    let builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject)
        .message_id(Some(message_id(first)));
    let calendar = (!first.digest)
        .then_some(first.calendar.as_deref())
        .flatten();
    Ok(match calendar {
        None => builder.singlepart(text)?,
        Some(ics) => {
            let method = if ics.contains("METHOD:CANCEL") {
                "CANCEL"
            } else {
                "REQUEST"
            };
            let part = SinglePart::builder()
                .header(ContentType::parse(&format!(
                    "text/calendar; charset=utf-8; method={method}"
                ))?)
                .body(ics.to_string());
            builder.multipart(MultiPart::mixed().singlepart(text).singlepart(part))?
        }
    })
}

//! The words of notifications and their mails, French first, English second. A notification
//! names the board, the dossier's reference and the session's date, and nothing else: mail is
//! not a channel for health data (API.md section 12).

use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::notification::NotificationKind;

/// What a notification is about: all a mail may say.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    pub board: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Fr,
    En,
}

impl Lang {
    /// A user's `locale` (`fr` unless it is `en`).
    pub fn of_locale(locale: &str) -> Lang {
        if locale == "en" { Lang::En } else { Lang::Fr }
    }
}

const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A date and time as people read it, in the service's zone: « 8 décembre 2026 à 17:30 ».
pub fn when(at: DateTime<Utc>, zone: Tz, lang: Lang) -> String {
    let local = at.with_timezone(&zone);
    let month = local.month0() as usize;
    let (h, m) = (local.hour(), local.minute());
    match lang {
        Lang::Fr => format!(
            "{} {} {} à {h:02}:{m:02}",
            local.day(),
            MONTHS_FR[month],
            local.year()
        ),
        Lang::En => format!(
            "{} {} {}, {h:02}:{m:02}",
            MONTHS_EN[month],
            local.day(),
            local.year()
        ),
    }
}

/// The one-line subject of a notification.
pub fn subject(kind: NotificationKind, facts: &Facts, zone: Tz, lang: Lang) -> String {
    let board = &facts.board;
    let reference = facts.reference.as_deref().unwrap_or("—");
    let date = facts
        .session_at
        .map(|at| when(at, zone, lang))
        .unwrap_or_default();
    use NotificationKind as K;
    match (lang, kind) {
        (Lang::Fr, K::DossierSubmitted) => format!("Nouveau dossier {reference} soumis à {board}"),
        (Lang::Fr, K::SessionPublished) => format!("{board} : séance du {date}, ordre du jour"),
        (Lang::Fr, K::SessionUpdated) => format!("{board} : séance du {date} modifiée"),
        (Lang::Fr, K::SessionCancelled) => format!("{board} : séance du {date} annulée"),
        (Lang::Fr, K::DossierScheduled) => {
            format!("Dossier {reference} inscrit à la séance {board} du {date}")
        }
        (Lang::Fr, K::DecisionRecorded) => {
            format!("Vote clos sur le dossier {reference} ({board})")
        }
        (Lang::Fr, K::FollowUpDue) => format!("Suivi attendu pour le dossier {reference}"),
        (Lang::En, K::DossierSubmitted) => format!("New dossier {reference} submitted to {board}"),
        (Lang::En, K::SessionPublished) => format!("{board}: agenda of the session of {date}"),
        (Lang::En, K::SessionUpdated) => format!("{board}: the session of {date} has changed"),
        (Lang::En, K::SessionCancelled) => {
            format!("{board}: the session of {date} is cancelled")
        }
        (Lang::En, K::DossierScheduled) => {
            format!("Dossier {reference} is on the agenda of {board} on {date}")
        }
        (Lang::En, K::DecisionRecorded) => {
            format!("The vote on dossier {reference} has closed ({board})")
        }
        (Lang::En, K::FollowUpDue) => format!("Follow-up due for dossier {reference}"),
    }
}

/// The text of a mail carrying notifications, in the recipient's language: each subject with
/// its link.
pub fn mail_body(items: &[(NotificationKind, Facts, String)], zone: Tz, lang: Lang) -> String {
    let (hello, open, footer) = match lang {
        Lang::Fr => (
            "Bonjour,",
            "Ouvrir dans Consilium",
            "Ce message ne contient aucune donnée de santé : consultez le dossier dans Consilium.",
        ),
        Lang::En => (
            "Hello,",
            "Open in Consilium",
            "This message holds no health data: read the dossier in Consilium.",
        ),
    };
    let mut out = format!("{hello}\n\n");
    for (kind, facts, link) in items {
        let sep = if lang == Lang::Fr { " " } else { "" };
        out.push_str(&format!(
            "- {}\n  {open}{sep}: {link}\n",
            subject(*kind, facts, zone, lang)
        ));
    }
    out.push_str(&format!("\n{footer}\n\nConsilium\n"));
    out
}

/// The subject of a daily digest of `n` notifications.
pub fn digest_subject(n: usize, lang: Lang) -> String {
    match (lang, n) {
        (Lang::Fr, 1) => "Consilium : 1 notification du jour".to_string(),
        (Lang::Fr, n) => format!("Consilium : {n} notifications du jour"),
        (Lang::En, 1) => "Consilium: 1 notification today".to_string(),
        (Lang::En, n) => format!("Consilium: {n} notifications today"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::schedule::testing::{paris, utc};
    use super::*;

    fn facts() -> Facts {
        Facts {
            board: "RCP SEP".into(),
            reference: Some("SEP-2026-0004".into()),
            session_at: Some(utc("2026-12-08T16:30:00Z")),
        }
    }

    #[test]
    fn dates_are_local_and_in_words() {
        let at = utc("2026-12-08T16:30:00Z");
        assert_eq!(when(at, paris(), Lang::Fr), "8 décembre 2026 à 17:30");
        assert_eq!(when(at, paris(), Lang::En), "December 8 2026, 17:30");
        // Summer time.
        let june = utc("2027-06-01T15:30:00Z");
        assert_eq!(when(june, paris(), Lang::Fr), "1 juin 2027 à 17:30");
    }

    #[test]
    fn subjects_name_board_reference_and_date_only() {
        for kind in NotificationKind::ALL {
            for lang in [Lang::Fr, Lang::En] {
                let s = subject(*kind, &facts(), paris(), lang);
                assert!(!s.is_empty());
            }
        }
        assert_eq!(
            subject(
                NotificationKind::DossierScheduled,
                &facts(),
                paris(),
                Lang::Fr
            ),
            "Dossier SEP-2026-0004 inscrit à la séance RCP SEP du 8 décembre 2026 à 17:30"
        );
    }

    #[test]
    fn a_mail_body_speaks_the_recipients_language() {
        let items = [(
            NotificationKind::SessionCancelled,
            facts(),
            "http://x/#/sessions/1".to_string(),
        )];
        let fr = mail_body(&items, paris(), Lang::Fr);
        assert!(fr.contains("annulée") && fr.starts_with("Bonjour"));
        assert!(!fr.contains("cancelled"));
        let en = mail_body(&items, paris(), Lang::En);
        assert!(en.contains("cancelled") && !en.contains("annulée"));
        assert_eq!(en.matches("http://x/#/sessions/1").count(), 1);
        assert_eq!(Lang::of_locale("en"), Lang::En);
        assert_eq!(Lang::of_locale("xx"), Lang::Fr);
        assert_eq!(
            digest_subject(1, Lang::Fr),
            "Consilium : 1 notification du jour"
        );
        assert_eq!(
            digest_subject(3, Lang::En),
            "Consilium: 3 notifications today"
        );
    }
}

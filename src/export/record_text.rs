//! The words of the printable documents (the decision record and the activity report), French
//! first, English second, with times in the service's zone (API.md section 16): never raw UTC.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use crate::domain::notification_text::Lang;
use crate::domain::notification_text::when;

/// A label of the printable documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    RecordTitle,
    Dossier,
    Patient,
    Meeting,
    Referrer,
    Question,
    History,
    Fields,
    Course,
    Documents,
    NoDocuments,
    Proposal,
    Outcome,
    Recommendation,
    Tally,
    Ballots,
    NoBallot,
    BallotsWithheld,
    Quorum,
    Present,
    Decided,
    Hash,
    PreviousHash,
    DecisionId,
    KeyImages,
    NoNote,
    ImageGone,
    ReportTitle,
    Board,
    Year,
    Received,
    Decisions,
    NoQuorum,
    MedianDays,
    ByMonth,
    ByOrganization,
    Generated,
    NoFigure,
    Legend,
}

/// A label in `lang`.
pub fn label(lang: Lang, l: Label) -> &'static str {
    use Label::*;
    match lang {
        Lang::Fr => match l {
            RecordTitle => "Réunion de concertation pluridisciplinaire - fiche de décision",
            Dossier => "Dossier",
            Patient => "Patient (pseudonyme)",
            Meeting => "Séance",
            Referrer => "Médecin demandeur",
            Question => "Question posée",
            History => "Histoire clinique",
            Fields => "Données du dossier",
            Course => "Parcours du dossier",
            Documents => "Documents examinés",
            NoDocuments => "Aucun document joint.",
            Proposal => "Proposition soumise au vote",
            Outcome => "Décision",
            Recommendation => "Recommandation",
            Tally => "Décompte des voix",
            Ballots => "Votes nominatifs",
            NoBallot => "Aucun vote exprimé.",
            BallotsWithheld => "Les votes nominatifs ne sont pas communiqués au médecin demandeur.",
            Quorum => "Quorum",
            Present => "Participants présents",
            Decided => "Décidé le",
            Hash => "Empreinte de la fiche (SHA-256)",
            PreviousHash => "Empreinte de la fiche précédente",
            DecisionId => "Identifiant de la décision",
            KeyImages => "Images clés",
            NoNote => "(sans note)",
            ImageGone => "(l’image n’est plus disponible)",
            ReportTitle => "Rapport d’activité annuel",
            Board => "Groupe",
            Year => "Année",
            Received => "Dossiers reçus",
            Decisions => "Décisions rendues",
            NoQuorum => "Votes sans quorum",
            MedianDays => "Délai médian de la soumission à la décision (jours)",
            ByMonth => "Activité par mois",
            ByOrganization => "Dossiers reçus par établissement",
            Generated => "Édité le",
            NoFigure => "aucune donnée",
            Legend => "Barres foncées : dossiers reçus ; barres claires : décisions rendues.",
        },
        Lang::En => match l {
            RecordTitle => "Multidisciplinary case review - decision record",
            Dossier => "Dossier",
            Patient => "Patient (pseudonym)",
            Meeting => "Meeting",
            Referrer => "Referring physician",
            Question => "Clinical question",
            History => "History",
            Fields => "Dossier data",
            Course => "Course of the dossier",
            Documents => "Documents reviewed",
            NoDocuments => "No document attached.",
            Proposal => "Proposal put to the vote",
            Outcome => "Decision",
            Recommendation => "Recommendation",
            Tally => "Tally",
            Ballots => "Named ballots",
            NoBallot => "No ballot was cast.",
            BallotsWithheld => "Named ballots are not shown to the referring physician.",
            Quorum => "Quorum",
            Present => "Participants present",
            Decided => "Decided",
            Hash => "Record hash (SHA-256)",
            PreviousHash => "Previous record hash",
            DecisionId => "Decision id",
            KeyImages => "Key images",
            NoNote => "(no note)",
            ImageGone => "(the image is no longer available)",
            ReportTitle => "Yearly activity report",
            Board => "Board",
            Year => "Year",
            Received => "Dossiers received",
            Decisions => "Decisions",
            NoQuorum => "Votes without quorum",
            MedianDays => "Median delay from submission to decision (days)",
            ByMonth => "Activity by month",
            ByOrganization => "Dossiers received by organisation",
            Generated => "Issued",
            NoFigure => "no data",
            Legend => "Dark bars: dossiers received; light bars: decisions.",
        },
    }
}

/// An instant in the service's zone, in words (« 8 décembre 2026 à 17:30 »).
pub fn local(at: DateTime<Utc>, zone: Tz, lang: Lang) -> String {
    when(at, zone, lang)
}

/// An RFC 3339 instant from a stored record in the service's zone; as given if unreadable.
pub fn local_str(at: &str, zone: Tz, lang: Lang) -> String {
    DateTime::parse_from_rfc3339(at)
        .map(|t| local(t.with_timezone(&Utc), zone, lang))
        .unwrap_or_else(|_| at.to_string())
}

/// What a decision's status says.
pub fn outcome(lang: Lang, status: &str, option: Option<&str>) -> String {
    match (lang, status, option) {
        (Lang::Fr, "decided", Some(o)) => format!("Décidé : {o}"),
        (Lang::Fr, "tied", _) => {
            "Égalité : aucune option n’a la majorité ; à présenter de nouveau".to_string()
        }
        (Lang::Fr, "no_quorum", _) => "Quorum non atteint : à présenter de nouveau".to_string(),
        (Lang::En, "decided", Some(o)) => format!("Decided: {o}"),
        (Lang::En, "tied", _) => "Tied: no option had a majority; to be presented again".into(),
        (Lang::En, "no_quorum", _) => "No quorum: to be presented again".to_string(),
        (_, s, _) => s.to_string(),
    }
}

/// The quorum of a decision: whether met, who voted, and the rule.
pub struct QuorumWords<'a> {
    pub met: bool,
    pub voters: u32,
    pub specialties: &'a [String],
    pub min_voters: u32,
    pub min_specialties: u32,
    pub required: &'a [String],
}

pub fn quorum(lang: Lang, q: &QuorumWords<'_>) -> String {
    let list = |none: &str| {
        if q.specialties.is_empty() {
            none.to_string()
        } else {
            q.specialties.join(", ")
        }
    };
    match lang {
        Lang::Fr => format!(
            "{} - {} votant(s), spécialités : {}. Règle : au moins {} votants de {} spécialités{}.",
            if q.met { "atteint" } else { "non atteint" },
            q.voters,
            list("aucune"),
            q.min_voters,
            q.min_specialties,
            if q.required.is_empty() {
                String::new()
            } else {
                format!(", dont {}", q.required.join(", "))
            }
        ),
        Lang::En => format!(
            "{} - {} voter(s), specialties: {}. Rule: at least {} voters of {} specialties{}.",
            if q.met { "met" } else { "not met" },
            q.voters,
            list("none"),
            q.min_voters,
            q.min_specialties,
            if q.required.is_empty() {
                String::new()
            } else {
                format!(", including {}", q.required.join(", "))
            }
        ),
    }
}

/// « {when} par {name} ».
pub fn by(lang: Lang, when: &str, name: &str) -> String {
    match lang {
        Lang::Fr => format!("{when} par {name}"),
        Lang::En => format!("{when} by {name}"),
    }
}

/// The caption of a key image: which image of which series.
pub fn key_image(lang: Lang, frame: u32, series: &str) -> String {
    match lang {
        Lang::Fr => format!("Image {} de la série {series}", frame + 1),
        Lang::En => format!("Image {} of series {series}", frame + 1),
    }
}

/// « Marquée par {name} le {when} ».
pub fn marked(lang: Lang, name: &str, when: &str) -> String {
    match lang {
        Lang::Fr => format!("Marquée par {name} le {when}"),
        Lang::En => format!("Marked by {name} on {when}"),
    }
}

/// A step of the dossier's course.
#[derive(Debug, Clone, Copy)]
pub enum Step {
    Created,
    Submitted,
    Presented,
    Decided,
}

pub fn step(lang: Lang, s: Step, when: &str) -> String {
    let what = match (lang, s) {
        (Lang::Fr, Step::Created) => "Dossier créé",
        (Lang::Fr, Step::Submitted) => "Soumis au groupe",
        (Lang::Fr, Step::Presented) => "Présenté en séance",
        (Lang::Fr, Step::Decided) => "Décision enregistrée",
        (Lang::En, Step::Created) => "Dossier created",
        (Lang::En, Step::Submitted) => "Submitted to the board",
        (Lang::En, Step::Presented) => "Presented in session",
        (Lang::En, Step::Decided) => "Decision recorded",
    };
    match lang {
        Lang::Fr => format!("{when} : {what}"),
        Lang::En => format!("{when}: {what}"),
    }
}

/// A template field's value as the record prints it: booleans in words, choices joined.
pub fn field_value(lang: Lang, v: &serde_json::Value) -> String {
    use serde_json::Value;
    match (lang, v) {
        (Lang::Fr, Value::Bool(true)) => "oui".into(),
        (Lang::Fr, Value::Bool(false)) => "non".into(),
        (Lang::En, Value::Bool(true)) => "yes".into(),
        (Lang::En, Value::Bool(false)) => "no".into(),
        (Lang::Fr, Value::Number(n)) => n.to_string().replace('.', ","),
        (_, Value::String(s)) => s.clone(),
        (_, Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join(", "),
        (_, other) => other.to_string(),
    }
}

/// A size in bytes as people read it (« 1,5 Mo » / "1.5 MB").
pub fn size(lang: Lang, bytes: i64) -> String {
    let units = match lang {
        Lang::Fr => ["o", "Ko", "Mo", "Go"],
        Lang::En => ["B", "KB", "MB", "GB"],
    };
    let mut value = bytes.max(0) as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < units.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    let text = if unit == 0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    };
    let text = if lang == Lang::Fr {
        text.replace('.', ",")
    } else {
        text
    };
    format!("{text} {}", units[unit])
}

/// An attachment's kind in words.
pub fn kind(lang: Lang, kind: &str) -> &'static str {
    match (lang, kind) {
        (Lang::Fr, "imaging") => "imagerie",
        (Lang::Fr, "note") => "note",
        (Lang::Fr, "report") => "compte rendu",
        (Lang::Fr, _) => "autre",
        (Lang::En, "imaging") => "imaging",
        (Lang::En, "note") => "note",
        (Lang::En, "report") => "report",
        (Lang::En, _) => "other",
    }
}

/// A month's name, short (for the report's chart).
pub fn month_short(lang: Lang, month0: usize) -> &'static str {
    const FR: [&str; 12] = [
        "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
        "déc.",
    ];
    const EN: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let names = if lang == Lang::Fr { &FR } else { &EN };
    names[month0.min(11)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_local_and_sizes_readable() {
        let zone: Tz = "Europe/Paris".parse().unwrap();
        assert_eq!(
            local_str("2026-12-08T16:30:00.123Z", zone, Lang::Fr),
            "8 décembre 2026 à 17:30"
        );
        assert_eq!(local_str("not a time", zone, Lang::Fr), "not a time");
        assert_eq!(size(Lang::Fr, 1_572_864), "1,5 Mo");
        assert_eq!(size(Lang::En, 1_572_864), "1.5 MB");
        assert_eq!(size(Lang::En, 12), "12 B");
        assert_eq!(
            step(Lang::Fr, Step::Created, "1 mai"),
            "1 mai : Dossier créé"
        );
        assert_eq!(
            step(Lang::En, Step::Created, "May 1"),
            "May 1: Dossier created"
        );
        assert_eq!(outcome(Lang::Fr, "decided", Some("A")), "Décidé : A");
        assert_eq!(label(Lang::Fr, Label::Outcome), "Décision");
    }
}

//! The printable decision record ("fiche RCP") in the reader's language, with times in the
//! service's zone: the dossier (reference, pseudonym, referrer and organisation, question,
//! history, its course and the documents reviewed), the vote and its outcome, the ballots for
//! those who may read them, the quorum, who was present, the key images and the hashes.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::pdf::{Writer, render};
use super::record_text::{self as words, Label, Lang, QuorumWords, Step, label};
use crate::api::Decision;
use crate::domain::resample::Picture;

/// A document attached to the dossier, as the record lists it.
#[derive(Debug, Clone)]
pub struct Document {
    pub filename: String,
    pub kind: String,
    pub size: i64,
}

/// What the record shows besides the decision itself.
pub struct RecordContext {
    pub lang: Lang,
    pub zone: Tz,
    pub board: String,
    pub session_title: String,
    pub session_at: DateTime<Utc>,
    pub reference: String,
    pub pseudonym: String,
    pub referrer: String,
    pub organization: Option<String>,
    pub question: String,
    pub history: String,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub documents: Vec<Document>,
    /// The template fields of the dossier, as (label, value) in the template's order.
    pub fields: Vec<(String, String)>,
    /// The decision's key images as thumbnails, in its order (`None`: no longer available).
    pub thumbnails: Vec<Option<Picture>>,
}

/// The record of one decision, as PDF bytes. A decision whose `ballots` were withheld from the
/// reader (API.md section 16) says so instead of listing them.
pub fn decision_record(d: &Decision, ctx: &RecordContext) -> Vec<u8> {
    let lang = ctx.lang;
    let at = |t: DateTime<Utc>| words::local(t, ctx.zone, lang);
    let mut w = Writer::new();
    w.paragraph(label(lang, Label::RecordTitle), 16.0, true);
    w.paragraph(&ctx.board, 12.0, false);
    w.gap(10.0);
    w.field(label(lang, Label::Dossier), &ctx.reference);
    w.field(label(lang, Label::Patient), &ctx.pseudonym);
    let referrer = match &ctx.organization {
        Some(o) if !o.trim().is_empty() => format!("{}, {o}", ctx.referrer),
        _ => ctx.referrer.clone(),
    };
    w.field(label(lang, Label::Referrer), &referrer);
    w.field(
        label(lang, Label::Meeting),
        &format!("{} - {}", ctx.session_title, at(ctx.session_at)),
    );
    w.field(label(lang, Label::Question), &ctx.question);
    w.field(label(lang, Label::History), &ctx.history);
    if !ctx.fields.is_empty() {
        w.paragraph(label(lang, Label::Fields), 9.0, true);
        for (name, value) in &ctx.fields {
            w.paragraph(&format!("{name} : {value}"), 11.0, false);
        }
        w.gap(6.0);
    }
    course(&mut w, d, ctx);
    documents(&mut w, ctx);
    w.field(label(lang, Label::Proposal), &d.proposal);
    w.field(
        label(lang, Label::Outcome),
        &words::outcome(lang, &d.status, d.outcome.as_deref()),
    );
    w.field(label(lang, Label::Recommendation), &d.summary);
    let tally: Vec<String> = d.tally.iter().map(|(o, n)| format!("{o}: {n}")).collect();
    w.field(label(lang, Label::Tally), &tally.join("    "));
    ballots(&mut w, d, lang);
    key_images(&mut w, d, ctx);
    let q = &d.quorum;
    w.field(
        label(lang, Label::Quorum),
        &words::quorum(
            lang,
            &QuorumWords {
                met: q.met,
                voters: q.voters,
                specialties: &q.specialties,
                min_voters: q.rule.min_voters,
                min_specialties: q.rule.min_specialties,
                required: &q.rule.required_specialties,
            },
        ),
    );
    let present: Vec<&str> = d.present.iter().map(|u| u.name.as_str()).collect();
    w.field(label(lang, Label::Present), &present.join(", "));
    w.field(
        label(lang, Label::Decided),
        &words::by(
            lang,
            &words::local_str(&d.decided_at, ctx.zone, lang),
            &d.decided_by.name,
        ),
    );
    w.field(label(lang, Label::Hash), &d.hash);
    w.field(label(lang, Label::PreviousHash), &d.previous_hash);
    w.field(label(lang, Label::DecisionId), &d.id);
    let title = format!("{} {}", label(lang, Label::RecordTitle), ctx.reference);
    render(w, &title)
}

/// Created, submitted, presented, decided: each with its local time.
fn course(w: &mut Writer, d: &Decision, ctx: &RecordContext) {
    let lang = ctx.lang;
    let at = |t: DateTime<Utc>| words::local(t, ctx.zone, lang);
    w.paragraph(label(lang, Label::Course), 9.0, true);
    w.paragraph(
        &words::step(lang, Step::Created, &at(ctx.created_at)),
        11.0,
        false,
    );
    if let Some(s) = ctx.submitted_at {
        w.paragraph(&words::step(lang, Step::Submitted, &at(s)), 11.0, false);
    }
    w.paragraph(
        &words::step(lang, Step::Presented, &at(ctx.session_at)),
        11.0,
        false,
    );
    let decided = words::local_str(&d.decided_at, ctx.zone, lang);
    w.paragraph(&words::step(lang, Step::Decided, &decided), 11.0, false);
    w.gap(6.0);
}

fn documents(w: &mut Writer, ctx: &RecordContext) {
    let lang = ctx.lang;
    w.paragraph(label(lang, Label::Documents), 9.0, true);
    if ctx.documents.is_empty() {
        w.paragraph(label(lang, Label::NoDocuments), 11.0, false);
    }
    for doc in &ctx.documents {
        w.paragraph(
            &format!(
                "{} - {} - {}",
                doc.filename,
                words::kind(lang, &doc.kind),
                words::size(lang, doc.size)
            ),
            11.0,
            false,
        );
    }
    w.gap(6.0);
}

fn ballots(w: &mut Writer, d: &Decision, lang: Lang) {
    w.paragraph(label(lang, Label::Ballots), 9.0, true);
    let cast: u32 = d.tally.values().sum();
    if d.ballots.is_empty() {
        let why = if cast > 0 {
            Label::BallotsWithheld
        } else {
            Label::NoBallot
        };
        w.paragraph(label(lang, why), 11.0, false);
    }
    for b in &d.ballots {
        let who = match &b.voter.specialty {
            Some(s) => format!("{} ({s})", b.voter.name),
            None => b.voter.name.clone(),
        };
        w.paragraph(&format!("{who}: {}", b.option), 11.0, false);
        if let Some(c) = &b.comment {
            w.paragraph(&format!("    {c}"), 10.0, false);
        }
    }
    w.gap(6.0);
}

/// The key images the board marked: thumbnail, note, who and when.
fn key_images(w: &mut Writer, d: &Decision, ctx: &RecordContext) {
    if d.key_images.is_empty() {
        return;
    }
    let lang = ctx.lang;
    w.paragraph(label(lang, Label::KeyImages), 9.0, true);
    for (i, k) in d.key_images.iter().enumerate() {
        let caption = vec![
            words::key_image(lang, k.frame, &k.series_uid),
            if k.note.trim().is_empty() {
                label(lang, Label::NoNote).to_string()
            } else {
                k.note.clone()
            },
            words::marked(lang, &k.by.name, &words::local_str(&k.at, ctx.zone, lang)),
        ];
        match ctx.thumbnails.get(i).cloned().flatten() {
            Some(picture) => w.picture(picture, 120.0, &caption),
            None => {
                for line in caption {
                    w.paragraph(&line, 10.0, false);
                }
                w.paragraph(label(lang, Label::ImageGone), 9.0, false);
                w.gap(6.0);
            }
        }
    }
}

//! The yearly activity report as a document (API.md section 16): the figures a CRAtb files
//! before 31 March, a monthly chart of dossiers received and decided, the organisations that
//! referred, and the delay to decision, in the reader's language.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::pdf::{Writer, render};
use super::record_text::{self as words, Label, Lang, label};
use crate::domain::report::ActivityReport;

/// What the document says besides the figures.
pub struct ActivityContext {
    pub lang: Lang,
    pub zone: Tz,
    pub board: String,
    pub generated_at: DateTime<Utc>,
}

/// A delay in days, with a decimal comma in French.
fn days(lang: Lang, d: Option<f64>) -> String {
    match d {
        None => label(lang, Label::NoFigure).to_string(),
        Some(d) => {
            let text = format!("{d:.1}");
            if lang == Lang::Fr {
                text.replace('.', ",")
            } else {
                text
            }
        }
    }
}

pub fn activity_report(r: &ActivityReport, ctx: &ActivityContext) -> Vec<u8> {
    let lang = ctx.lang;
    let mut w = Writer::new();
    w.paragraph(
        &format!("{} {}", label(lang, Label::ReportTitle), r.year),
        16.0,
        true,
    );
    w.paragraph(&ctx.board, 12.0, false);
    w.gap(10.0);
    w.field(label(lang, Label::Board), &ctx.board);
    w.field(label(lang, Label::Year), &r.year.to_string());
    w.field(
        label(lang, Label::Received),
        &r.dossiers_received.to_string(),
    );
    w.field(label(lang, Label::Decisions), &r.decisions.to_string());
    w.field(label(lang, Label::NoQuorum), &r.no_quorum.to_string());
    w.field(
        label(lang, Label::MedianDays),
        &days(lang, r.median_days_to_decision),
    );
    w.paragraph(label(lang, Label::ByMonth), 9.0, true);
    w.paragraph(label(lang, Label::Legend), 8.0, false);
    w.gap(4.0);
    let groups: Vec<(String, Vec<u32>)> = r
        .by_month
        .iter()
        .enumerate()
        .map(|(i, m)| {
            (
                words::month_short(lang, i).to_string(),
                vec![
                    u32::try_from(m.received).unwrap_or(u32::MAX),
                    u32::try_from(m.decided).unwrap_or(u32::MAX),
                ],
            )
        })
        .collect();
    w.bars(&groups, &[0.25, 0.65], 150.0);
    w.paragraph(label(lang, Label::ByOrganization), 9.0, true);
    if r.by_organization.is_empty() {
        w.paragraph(label(lang, Label::NoFigure), 11.0, false);
    }
    for o in &r.by_organization {
        w.paragraph(&format!("{}: {}", o.organization, o.received), 11.0, false);
    }
    w.gap(10.0);
    w.field(
        label(lang, Label::Generated),
        &words::local(ctx.generated_at, ctx.zone, lang),
    );
    let title = format!(
        "{} {} - {}",
        label(lang, Label::ReportTitle),
        r.year,
        ctx.board
    );
    render(w, &title)
}

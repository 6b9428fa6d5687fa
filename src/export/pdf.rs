//! The printable decision record ("fiche RCP"): an A4 PDF written with the standard Helvetica
//! fonts (WinAnsi encoding, so no font file to embed), with simple word wrapping and pages.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

use crate::api::Decision;
use crate::domain::resample::Picture;
pub use crate::export::pdf_text::{win_ansi, wrap};

/// What the record shows besides the decision itself.
pub struct RecordContext {
    pub board: String,
    pub session_title: String,
    pub session_date: String,
    pub reference: String,
    pub pseudonym: String,
    pub question: String,
    /// The decision's key images as thumbnails, in its order (`None`: no longer available).
    pub thumbnails: Vec<Option<Picture>>,
}

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 56.0;

/// Lays out lines top to bottom, starting new pages as needed.
struct Writer {
    pages: Vec<Content>,
    y: f32,
    /// Pictures placed, with the page they are on.
    images: Vec<(usize, Picture)>,
}

impl Writer {
    fn new() -> Writer {
        let mut w = Writer {
            pages: Vec::new(),
            y: 0.0,
            images: Vec::new(),
        };
        w.new_page();
        w
    }

    fn new_page(&mut self) {
        self.pages.push(Content::new());
        self.y = PAGE_H - MARGIN;
    }

    fn line(&mut self, text: &str, size: f32, bold: bool) {
        let leading = size * 1.35;
        if self.y - leading < MARGIN {
            self.new_page();
        }
        self.y -= leading;
        let font = if bold { Name(b"F2") } else { Name(b"F1") };
        let bytes = win_ansi(text);
        if let Some(content) = self.pages.last_mut() {
            content
                .begin_text()
                .set_font(font, size)
                .next_line(MARGIN, self.y)
                .show(Str(&bytes))
                .end_text();
        }
    }

    fn paragraph(&mut self, text: &str, size: f32, bold: bool) {
        for l in wrap(text, size, bold, PAGE_W - 2.0 * MARGIN) {
            self.line(&l, size, bold);
        }
    }

    /// Places `picture` at the left margin, at most `edge` points on its longest side, and
    /// `caption` beside it.
    fn picture(&mut self, picture: Picture, edge: f32, caption: &[String]) {
        let scale = edge / picture.width.max(picture.height).max(1) as f32;
        let (w, h) = (picture.width as f32 * scale, picture.height as f32 * scale);
        if self.y - h < MARGIN {
            self.new_page();
        }
        let top = self.y;
        self.y -= h;
        let name = format!("Im{}", self.images.len());
        let page = self.pages.len() - 1;
        if let Some(content) = self.pages.last_mut() {
            content
                .save_state()
                .transform([w, 0.0, 0.0, h, MARGIN, self.y])
                .x_object(Name(name.as_bytes()))
                .restore_state();
        }
        self.images.push((page, picture));
        let mut line_y = top;
        for text in caption {
            for l in wrap(text, 10.0, false, PAGE_W - 2.0 * MARGIN - w - 12.0) {
                line_y -= 13.5;
                if line_y < self.y {
                    break;
                }
                if let Some(content) = self.pages.last_mut() {
                    content
                        .begin_text()
                        .set_font(Name(b"F1"), 10.0)
                        .next_line(MARGIN + w + 12.0, line_y)
                        .show(Str(&win_ansi(&l)))
                        .end_text();
                }
            }
        }
        self.gap(8.0);
    }

    fn gap(&mut self, points: f32) {
        self.y -= points;
    }

    fn field(&mut self, label: &str, value: &str) {
        self.paragraph(label, 9.0, true);
        self.paragraph(
            if value.trim().is_empty() { "-" } else { value },
            11.0,
            false,
        );
        self.gap(6.0);
    }
}

fn outcome_text(d: &Decision) -> String {
    match (d.status.as_str(), &d.outcome) {
        ("decided", Some(o)) => format!("Decided: {o}"),
        ("tied", _) => "Tied: no option had a majority; to be presented again".to_string(),
        ("no_quorum", _) => "No quorum: to be presented again".to_string(),
        (s, _) => s.to_string(),
    }
}

/// The record of one decision, as PDF bytes.
pub fn decision_record(d: &Decision, ctx: &RecordContext) -> Vec<u8> {
    let mut w = Writer::new();
    w.paragraph(
        "Multidisciplinary case review - decision record",
        16.0,
        true,
    );
    w.paragraph(&ctx.board, 12.0, false);
    w.gap(10.0);
    w.field("Dossier", &ctx.reference);
    w.field("Patient (pseudonym)", &ctx.pseudonym);
    w.field(
        "Meeting",
        &format!("{} - {}", ctx.session_title, ctx.session_date),
    );
    w.field("Clinical question", &ctx.question);
    w.field("Proposal put to the vote", &d.proposal);
    w.field("Outcome", &outcome_text(d));
    w.field("Recommendation", &d.summary);
    let tally: Vec<String> = d.tally.iter().map(|(o, n)| format!("{o}: {n}")).collect();
    w.field("Tally", &tally.join("    "));
    w.paragraph("Ballots", 9.0, true);
    if d.ballots.is_empty() {
        w.paragraph("No ballot was cast.", 11.0, false);
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
    key_images(&mut w, d, ctx);
    let q = &d.quorum;
    w.field(
        "Quorum",
        &format!(
            "{} - {} voter(s), specialties: {}. Rule: at least {} voters of {} specialties{}.",
            if q.met { "met" } else { "not met" },
            q.voters,
            if q.specialties.is_empty() {
                "none".to_string()
            } else {
                q.specialties.join(", ")
            },
            q.rule.min_voters,
            q.rule.min_specialties,
            if q.rule.required_specialties.is_empty() {
                String::new()
            } else {
                format!(", including {}", q.rule.required_specialties.join(", "))
            }
        ),
    );
    let present: Vec<&str> = d.present.iter().map(|u| u.name.as_str()).collect();
    w.field("Participants present", &present.join(", "));
    w.field(
        "Decided",
        &format!("{} by {}", d.decided_at, d.decided_by.name),
    );
    w.field("Record hash (SHA-256)", &d.hash);
    w.field("Previous record hash", &d.previous_hash);
    w.field("Decision id", &d.id);
    render(w, &format!("Decision record {}", ctx.reference))
}

/// The key images the board marked: thumbnail, note, who and when.
fn key_images(w: &mut Writer, d: &Decision, ctx: &RecordContext) {
    if d.key_images.is_empty() {
        return;
    }
    w.paragraph("Key images", 9.0, true);
    for (i, k) in d.key_images.iter().enumerate() {
        let caption = vec![
            format!("Image {} of series {}", k.frame + 1, k.series_uid),
            if k.note.trim().is_empty() {
                "(no note)".to_string()
            } else {
                k.note.clone()
            },
            format!("Marked by {} at {}", k.by.name, k.at),
        ];
        match ctx.thumbnails.get(i).cloned().flatten() {
            Some(picture) => w.picture(picture, 120.0, &caption),
            None => {
                for line in caption {
                    w.paragraph(&line, 10.0, false);
                }
                w.paragraph("(the image is no longer available)", 9.0, false);
                w.gap(6.0);
            }
        }
    }
}

/// A picture as a compressed PDF image stream.
fn image_stream(picture: &Picture) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    let len = picture.width as usize * picture.height as usize * usize::from(picture.channels);
    let samples = picture.samples.get(..len).unwrap_or(&picture.samples);
    // Writing to memory cannot fail.
    let _ = encoder.write_all(samples);
    encoder.finish().unwrap_or_default()
}

fn render(w: Writer, title: &str) -> Vec<u8> {
    let Writer { pages, images, .. } = w;
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let first_page = 6;
    let page_ids: Vec<Ref> = (0..pages.len())
        .map(|i| Ref::new(first_page + 2 * i as i32))
        .collect();
    let first_image = first_page + 2 * pages.len() as i32;
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().copied())
        .count(pages.len() as i32);
    pdf.type1_font(regular)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.document_info(info)
        .title(pdf_writer::TextStr(title))
        .producer(pdf_writer::TextStr("Consilium"));
    for (i, content) in pages.into_iter().enumerate() {
        let page_id = page_ids[i];
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(page_id);
        page.parent(tree)
            .media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .contents(content_id);
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        fonts.pair(Name(b"F1"), regular);
        fonts.pair(Name(b"F2"), bold);
        fonts.finish();
        if images.iter().any(|(p, _)| *p == i) {
            let mut objects = resources.x_objects();
            for (k, _) in images.iter().enumerate().filter(|(_, (p, _))| *p == i) {
                let name = format!("Im{k}");
                objects.pair(Name(name.as_bytes()), Ref::new(first_image + k as i32));
            }
            objects.finish();
        }
        resources.finish();
        page.finish();
        pdf.stream(content_id, &content.finish());
    }
    for (k, (_, picture)) in images.iter().enumerate() {
        let data = image_stream(picture);
        let mut image = pdf.image_xobject(Ref::new(first_image + k as i32), &data);
        image.filter(pdf_writer::Filter::FlateDecode);
        image.width(picture.width as i32);
        image.height(picture.height as i32);
        if picture.channels == 1 {
            image.color_space().device_gray();
        } else {
            image.color_space().device_rgb();
        }
        image.bits_per_component(8);
        image.finish();
    }
    pdf.finish()
}

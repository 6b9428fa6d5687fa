//! The printable documents (the decision record of `record.rs`, the activity report of
//! `activity_pdf.rs`): A4 PDFs written with the standard Helvetica fonts (WinAnsi encoding, so
//! no font file to embed), with simple word wrapping, pages, pictures and bars.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

use crate::domain::resample::Picture;
pub use crate::export::pdf_text::{win_ansi, wrap};
pub use crate::export::record::{Document, RecordContext, decision_record};

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 56.0;

/// Lays out lines top to bottom, starting new pages as needed.
pub(crate) struct Writer {
    pages: Vec<Content>,
    y: f32,
    /// Pictures placed, with the page they are on.
    images: Vec<(usize, Picture)>,
}

impl Writer {
    pub(crate) fn new() -> Writer {
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

    pub(crate) fn paragraph(&mut self, text: &str, size: f32, bold: bool) {
        for l in wrap(text, size, bold, PAGE_W - 2.0 * MARGIN) {
            self.line(&l, size, bold);
        }
    }

    /// Places `picture` at the left margin, at most `edge` points on its longest side, and
    /// `caption` beside it.
    pub(crate) fn picture(&mut self, picture: Picture, edge: f32, caption: &[String]) {
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

    /// A bar chart of `groups` (a label and one value per series), the series in the grey
    /// levels of `shades`, `height` points tall, with each value written above its bar.
    pub(crate) fn bars(&mut self, groups: &[(String, Vec<u32>)], shades: &[f32], height: f32) {
        let label_h = 14.0;
        if self.y - height - label_h < MARGIN {
            self.new_page();
        }
        let top = self.y;
        let base = top - height;
        let max = groups
            .iter()
            .flat_map(|(_, v)| v.iter().copied())
            .max()
            .unwrap_or(0)
            .max(1) as f32;
        let width = PAGE_W - 2.0 * MARGIN;
        let slot = width / groups.len().max(1) as f32;
        let series = shades.len().max(1) as f32;
        let bar = (slot * 0.8 / series).min(18.0);
        if let Some(c) = self.pages.last_mut() {
            c.set_line_width(0.5)
                .move_to(MARGIN, base)
                .line_to(MARGIN + width, base)
                .stroke();
            for (g, (name, values)) in groups.iter().enumerate() {
                let x0 = MARGIN + g as f32 * slot + (slot - bar * series) / 2.0;
                for (k, value) in values.iter().enumerate() {
                    let h = (height - 12.0) * *value as f32 / max;
                    let x = x0 + k as f32 * bar;
                    let shade = shades.get(k).copied().unwrap_or(0.5);
                    c.set_fill_gray(shade)
                        .rect(x, base, bar - 1.0, h)
                        .fill_nonzero()
                        .set_fill_gray(0.0);
                    let n = value.to_string();
                    c.begin_text()
                        .set_font(Name(b"F1"), 7.0)
                        .next_line(x, base + h + 2.0)
                        .show(Str(&win_ansi(&n)))
                        .end_text();
                }
                c.begin_text()
                    .set_font(Name(b"F1"), 8.0)
                    .next_line(MARGIN + g as f32 * slot + 2.0, base - 10.0)
                    .show(Str(&win_ansi(name)))
                    .end_text();
            }
        }
        self.y = base - label_h;
        self.gap(6.0);
    }

    pub(crate) fn gap(&mut self, points: f32) {
        self.y -= points;
    }

    pub(crate) fn field(&mut self, label: &str, value: &str) {
        self.paragraph(label, 9.0, true);
        self.paragraph(
            if value.trim().is_empty() { "-" } else { value },
            11.0,
            false,
        );
        self.gap(6.0);
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

pub(crate) fn render(w: Writer, title: &str) -> Vec<u8> {
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

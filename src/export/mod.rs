//! Rendering decisions for the outside world: CSV, JSON and FHIR R4 exports written page by
//! page, and the printable decision record (PDF).

pub mod activity_pdf;
pub mod cli;
pub mod csv;
pub mod fhir;
pub mod ics;
pub mod pdf;
mod pdf_text;
pub mod record;
pub mod record_text;
pub mod report_cli;
pub mod stream;

use crate::db::exports::ExportRow;
use crate::error::AppResult;
use crate::string_enum;

string_enum! {
    pub enum Format { Csv => "csv", Json => "json", Fhir => "fhir" }
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json => "application/json",
            Format::Fhir => "application/fhir+json",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Fhir => "fhir.json",
        }
    }
}

/// Writes an export in pieces: `start`, then `page` for each page of rows (in order), then
/// `end`. Each call returns the bytes to send; nothing is kept between pages but a flag.
pub struct Renderer {
    format: Format,
    dialect: csv::Dialect,
    /// The template field keys of the exported boards: the CSV's `field_<key>` columns.
    field_keys: Vec<String>,
    written: u64,
}

impl Renderer {
    pub fn new(format: Format) -> Renderer {
        Renderer {
            format,
            dialect: csv::Dialect::Rfc4180,
            field_keys: Vec::new(),
            written: 0,
        }
    }

    /// The CSV dialect (RFC 4180 unless said).
    pub fn dialect(mut self, dialect: csv::Dialect) -> Renderer {
        self.dialect = dialect;
        self
    }

    /// The template field keys whose columns follow the v1 columns of a CSV export.
    pub fn field_keys(&mut self, keys: Vec<String>) {
        self.field_keys = keys;
    }

    pub fn start(&self, generated_at: &str) -> Vec<u8> {
        match self.format {
            Format::Csv => csv::header(self.dialect, &self.field_keys),
            Format::Json => b"{\"items\":[".to_vec(),
            Format::Fhir => fhir::bundle_start(generated_at),
        }
    }

    pub fn page(&mut self, rows: &[ExportRow]) -> AppResult<Vec<u8>> {
        let mut out = Vec::with_capacity(rows.len() * 1024);
        for row in rows {
            match self.format {
                Format::Csv => csv::write_row(&mut out, row, self.dialect, &self.field_keys)?,
                Format::Json => {
                    if self.written > 0 {
                        out.push(b',');
                    }
                    json_item(&mut out, row)?;
                }
                Format::Fhir => {
                    if self.written > 0 {
                        out.push(b',');
                    }
                    fhir::write_entries(&mut out, row)?;
                }
            }
            self.written += 1;
        }
        Ok(out)
    }

    pub fn end(&self) -> Vec<u8> {
        match self.format {
            Format::Csv => Vec::new(),
            Format::Json => b"]}".to_vec(),
            Format::Fhir => b"]}".to_vec(),
        }
    }

    pub fn written(&self) -> u64 {
        self.written
    }
}

/// A decision of the JSON export: the record as stored, with its dossier's template fields and
/// the answer to its follow-up, when there are.
fn json_item(out: &mut Vec<u8>, row: &ExportRow) -> AppResult<()> {
    let mut item: serde_json::Value =
        serde_json::from_str(&row.decision.body).map_err(crate::error::AppError::internal)?;
    let fields: serde_json::Value =
        serde_json::from_str(&row.fields).unwrap_or_else(|_| serde_json::json!({}));
    if let Some(obj) = item.as_object_mut() {
        // Only what there is: a decision of a board without a template reads as in v1.
        if fields.as_object().is_some_and(|f| !f.is_empty()) {
            obj.insert("fields".to_string(), fields);
        }
        if let Some((applied, at)) = &row.follow_up {
            obj.insert(
                "follow_up".to_string(),
                serde_json::json!({
                    "applied": applied,
                    "answered_at": crate::domain::audit::format_time(*at),
                }),
            );
        }
    }
    serde_json::to_writer(&mut *out, &item).map_err(crate::error::AppError::internal)
}

//! The CSV export: RFC 4180 (quoted where needed, CRLF line ends), with cells that a
//! spreadsheet would read as a formula neutralised; or the dialect French Excel opens in
//! columns (`excel-fr`: `;` between cells, a UTF-8 byte-order mark, a decimal comma), with the
//! same header and quoting rules.

use crate::api::Decision;
use crate::db::exports::ExportRow;
use crate::domain::audit::format_time;
use crate::domain::report::days_between;
use crate::error::{AppError, AppResult};

pub const HEADER: [&str; 16] = [
    "decision_id",
    "reference",
    "board",
    "session_id",
    "decided_at",
    "status",
    "outcome",
    "summary",
    "quorum_met",
    "voters",
    "specialties",
    "referrer",
    "referrer_organization",
    "patient_pseudonym",
    "submitted_at",
    "days_to_decision",
];

/// A cell starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'` so that spreadsheets
/// show it as text instead of running it.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

crate::string_enum! {
    /// How cells are separated and numbers written.
    pub enum Dialect { Rfc4180 => "rfc4180", ExcelFr => "excel-fr" }
}

impl Dialect {
    fn delimiter(self) -> u8 {
        match self {
            Dialect::Rfc4180 => b',',
            Dialect::ExcelFr => b';',
        }
    }

    /// A number as the dialect's spreadsheet reads it (`3.5`, or `3,5` in French).
    pub fn number(self, text: &str) -> String {
        match self {
            Dialect::Rfc4180 => text.to_string(),
            Dialect::ExcelFr => text.replace('.', ","),
        }
    }
}

fn writer(out: &mut Vec<u8>, dialect: Dialect) -> ::csv::Writer<&mut Vec<u8>> {
    ::csv::WriterBuilder::new()
        .delimiter(dialect.delimiter())
        .terminator(::csv::Terminator::CRLF)
        .quote_style(::csv::QuoteStyle::Necessary)
        .from_writer(out)
}

/// The header: the v1 columns, then `field_<key>` for each template field key.
pub fn header(dialect: Dialect, field_keys: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    if dialect == Dialect::ExcelFr {
        out.extend_from_slice("\u{feff}".as_bytes());
    }
    {
        let mut w = writer(&mut out, dialect);
        let columns = HEADER
            .iter()
            .map(|c| (*c).to_string())
            .chain(field_keys.iter().map(|k| format!("field_{k}")));
        // Writing to memory cannot fail.
        let _ = w.write_record(columns);
        let _ = w.flush();
    }
    out
}

/// A field value as a cell: text as it is, numbers in the dialect, booleans as `true`/`false`,
/// several choices joined with `|`, nothing for no value.
fn field_cell(value: Option<&serde_json::Value>, dialect: Dialect) -> String {
    use serde_json::Value;
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => dialect.number(&n.to_string()),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join("|"),
        Some(other) => other.to_string(),
    }
}

pub fn write_row(
    out: &mut Vec<u8>,
    row: &ExportRow,
    dialect: Dialect,
    field_keys: &[String],
) -> AppResult<()> {
    let d: Decision = serde_json::from_str(&row.decision.body).map_err(AppError::internal)?;
    let days = row
        .submitted_at
        .map(|s| (days_between(s, row.decision.decided_at).floor() as i64).to_string())
        .unwrap_or_default();
    let cells: [String; 16] = [
        d.id,
        row.reference.clone(),
        row.board_name.clone(),
        d.session_id,
        d.decided_at,
        d.status,
        d.outcome.unwrap_or_default(),
        d.summary,
        d.quorum.met.to_string(),
        dialect.number(&d.quorum.voters.to_string()),
        d.quorum.specialties.join(";"),
        row.referrer_name.clone(),
        row.referrer_organization.clone().unwrap_or_default(),
        row.pseudonym.clone(),
        row.submitted_at.map(format_time).unwrap_or_default(),
        dialect.number(&days),
    ];
    let values: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&row.fields).unwrap_or_default();
    let fields = field_keys
        .iter()
        .map(|k| field_cell(values.get(k), dialect));
    let mut w = writer(out, dialect);
    w.write_record(
        cells
            .into_iter()
            .chain(fields)
            .map(|c| neutralise(&c).into_owned()),
    )
    .map_err(AppError::internal)?;
    w.flush().map_err(AppError::internal)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        for bad in ["=1+1", "+33 6", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralise(bad).starts_with('\''), "{bad:?}");
        }
        for fine in ["Escalate", "", "1-2", "a=b", "'quoted"] {
            assert_eq!(neutralise(fine), fine);
        }
    }

    #[test]
    fn the_french_dialect_has_a_bom_semicolons_and_a_decimal_comma() {
        let h = String::from_utf8(header(Dialect::ExcelFr, &[])).unwrap();
        assert!(h.starts_with("\u{feff}decision_id;reference;board;"), "{h}");
        assert!(h.ends_with(";days_to_decision\r\n"));
        assert_eq!(Dialect::ExcelFr.number("3.5"), "3,5");
        assert_eq!(Dialect::Rfc4180.number("3.5"), "3.5");
    }

    #[test]
    fn header_is_exact() {
        assert_eq!(
            String::from_utf8(header(Dialect::Rfc4180, &["edss".to_string()])).unwrap(),
            "decision_id,reference,board,session_id,decided_at,status,outcome,summary,quorum_met,voters,specialties,referrer,referrer_organization,patient_pseudonym,submitted_at,days_to_decision,field_edss\r\n"
        );
    }
}

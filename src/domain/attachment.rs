//! Attachments: their kinds, safe filenames and byte ranges. No I/O here.

use crate::string_enum;

string_enum! {
    /// What an attachment is for.
    pub enum AttachmentKind {
        Imaging => "imaging",
        Note => "note",
        Report => "report",
        Other => "other",
    }
}

/// Longest filename kept, in characters.
pub const FILENAME_MAX_CHARS: usize = 200;
/// The name given when nothing usable is left of the client's.
pub const FALLBACK_FILENAME: &str = "attachment";

/// A filename safe to store and to send back: the last path component only, no control or
/// bidirectional-override characters, no quotes, no leading dots, at most
/// [`FILENAME_MAX_CHARS`] characters (the extension kept when shortened).
pub fn sanitize_filename(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_format_char(*c))
        .map(|c| match c {
            '"' | '*' | '?' | '<' | '>' | '|' | ':' => '_',
            c => c,
        })
        .collect();
    let trimmed = cleaned
        .trim()
        .trim_start_matches('.')
        .trim_end_matches(['.', ' '])
        .trim();
    if trimmed.is_empty() {
        return FALLBACK_FILENAME.to_string();
    }
    shorten(trimmed, FILENAME_MAX_CHARS)
}

/// Unicode format characters (bidirectional overrides, zero-width joiners) that can disguise a
/// filename's extension.
fn is_format_char(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

fn shorten(name: &str, max: usize) -> String {
    let count = name.chars().count();
    if count <= max {
        return name.to_string();
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.chars().count() <= 16 => (stem, Some(ext)),
        _ => (name, None),
    };
    match ext {
        Some(ext) => {
            let keep = max - ext.chars().count() - 1;
            let stem: String = stem.chars().take(keep).collect();
            format!("{stem}.{ext}")
        }
        None => stem.chars().take(max).collect(),
    }
}

/// `Content-Disposition` for a download: an ASCII fallback and the exact UTF-8 name (RFC 6266).
pub fn content_disposition(filename: &str) -> String {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in filename.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// A satisfiable byte range: `start..=end` within the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub start: u64,
    pub end: u64,
}

/// What a `Range` header asks of an object of `size` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeRequest {
    /// No usable range (absent, not bytes, several ranges, or malformed): send it all, 200.
    Whole,
    /// One satisfiable range: 206.
    Part(ByteRange),
    /// A well-formed range outside the object: 416.
    Unsatisfiable,
}

/// Parses a `Range` header (RFC 9110 section 14). Several ranges are answered with the whole
/// object, which the RFC allows.
pub fn parse_range(header: Option<&str>, size: u64) -> RangeRequest {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return RangeRequest::Whole;
    };
    if spec.contains(',') {
        return RangeRequest::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeRequest::Whole;
    };
    // All digits but too large for u64: larger than any content, so it saturates (a last
    // position past the end means "to the end", RFC 9110 section 14.1.2).
    let number = |s: &str| -> Option<u64> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            None
        } else {
            Some(s.parse().unwrap_or(u64::MAX))
        }
    };
    match (first.trim(), last.trim()) {
        ("", suffix) => match number(suffix) {
            None => RangeRequest::Whole,
            Some(0) => RangeRequest::Unsatisfiable,
            Some(_) if size == 0 => RangeRequest::Unsatisfiable,
            Some(n) => RangeRequest::Part(ByteRange {
                start: size.saturating_sub(n),
                end: size - 1,
            }),
        },
        (start, end) => {
            let Some(start) = number(start) else {
                return RangeRequest::Whole;
            };
            let end = if end.is_empty() {
                None
            } else {
                match number(end) {
                    Some(e) if e >= start => Some(e),
                    _ => return RangeRequest::Whole,
                }
            };
            if start >= size {
                return RangeRequest::Unsatisfiable;
            }
            RangeRequest::Part(ByteRange {
                start,
                end: end.map_or(size - 1, |e| e.min(size - 1)),
            })
        }
    }
}

/// Whether an `If-None-Match` header matches the entity tag `etag` (quoted).
pub fn if_none_match(header: Option<&str>, etag: &str) -> bool {
    header.is_some_and(|h| {
        h.split(',')
            .map(str::trim)
            .any(|candidate| candidate == "*" || candidate.trim_start_matches("W/") == etag)
    })
}

/// A content type as the client declared it, if it is a plain `type/subtype` (parameters and
/// anything odd dropped); otherwise `application/octet-stream`.
pub fn safe_content_type(declared: Option<&str>) -> String {
    const FALLBACK: &str = "application/octet-stream";
    let Some(essence) = declared.map(|d| d.split(';').next().unwrap_or("").trim()) else {
        return FALLBACK.to_string();
    };
    let token = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    match essence.split_once('/') {
        Some((t, s)) if token(t) && token(s) => essence.to_ascii_lowercase(),
        _ => FALLBACK.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames_lose_paths_controls_and_disguises() {
        assert_eq!(sanitize_filename("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_filename("C:\\Users\\x\\scan.dcm"), "scan.dcm");
        assert_eq!(sanitize_filename("a\u{0}b\nc\r.pdf"), "abc.pdf");
        assert_eq!(sanitize_filename("report\u{202E}fdp.exe"), "reportfdp.exe");
        assert_eq!(sanitize_filename("say \"hi\".txt"), "say _hi_.txt");
        assert_eq!(sanitize_filename("..."), FALLBACK_FILENAME);
        assert_eq!(sanitize_filename(""), FALLBACK_FILENAME);
        assert_eq!(sanitize_filename(".hidden"), "hidden");
        assert_eq!(
            sanitize_filename("IRM T2 – coupe.dcm"),
            "IRM T2 – coupe.dcm"
        );
        let long = format!("{}.dcm", "x".repeat(500));
        let short = sanitize_filename(&long);
        assert_eq!(short.chars().count(), FILENAME_MAX_CHARS);
        assert!(short.ends_with(".dcm"));
    }

    #[test]
    fn content_disposition_is_ascii_with_utf8_name() {
        let cd = content_disposition("IRM é.dcm");
        assert_eq!(
            cd,
            "attachment; filename=\"IRM _.dcm\"; filename*=UTF-8''IRM%20%C3%A9.dcm"
        );
        assert!(cd.is_ascii());
    }

    #[test]
    fn ranges() {
        use RangeRequest::*;
        let part = |start, end| Part(ByteRange { start, end });
        assert_eq!(parse_range(None, 100), Whole);
        assert_eq!(parse_range(Some("bytes=0-9"), 100), part(0, 9));
        assert_eq!(parse_range(Some("bytes=90-"), 100), part(90, 99));
        assert_eq!(parse_range(Some("bytes=-10"), 100), part(90, 99));
        assert_eq!(parse_range(Some("bytes=-1000"), 100), part(0, 99));
        assert_eq!(parse_range(Some("bytes=50-5000"), 100), part(50, 99));
        assert_eq!(parse_range(Some("bytes=100-"), 100), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=200-300"), 100), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=-0"), 100), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=9-1"), 100), Whole);
        assert_eq!(parse_range(Some("bytes=0-1,5-6"), 100), Whole);
        assert_eq!(parse_range(Some("items=0-1"), 100), Whole);
        assert_eq!(parse_range(Some("bytes=a-b"), 100), Whole);
        assert_eq!(parse_range(Some("bytes=0-0"), 0), Unsatisfiable);
    }

    #[test]
    fn etags_match() {
        assert!(if_none_match(Some("\"abc\""), "\"abc\""));
        assert!(if_none_match(Some("\"x\", W/\"abc\""), "\"abc\""));
        assert!(if_none_match(Some("*"), "\"abc\""));
        assert!(!if_none_match(Some("\"abd\""), "\"abc\""));
        assert!(!if_none_match(None, "\"abc\""));
    }

    #[test]
    fn range_positions_beyond_u64_saturate() {
        let huge = "99999999999999999999999999";
        assert_eq!(
            parse_range(Some(&format!("bytes=10-{huge}")), 100),
            RangeRequest::Part(ByteRange { start: 10, end: 99 })
        );
        assert_eq!(
            parse_range(Some(&format!("bytes={huge}-")), 100),
            RangeRequest::Unsatisfiable
        );
        assert_eq!(
            parse_range(Some(&format!("bytes=-{huge}")), 100),
            RangeRequest::Part(ByteRange { start: 0, end: 99 })
        );
    }

    #[test]
    fn content_types() {
        assert_eq!(
            safe_content_type(Some("application/pdf")),
            "application/pdf"
        );
        assert_eq!(
            safe_content_type(Some("Text/Plain; charset=utf-8")),
            "text/plain"
        );
        assert_eq!(
            safe_content_type(Some("text/html\r\nX-Evil: 1")),
            "application/octet-stream"
        );
        assert_eq!(safe_content_type(None), "application/octet-stream");
    }
}

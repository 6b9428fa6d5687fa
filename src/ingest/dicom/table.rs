//! Table E.1-1 of DICOM PS3.15 (2024b), the Basic Application Level Confidentiality Profile:
//! each attribute it names and the action the basic profile takes on it. The data is
//! `table.tsv`, as the standard writes it, compiled in and parsed once into a list sorted by tag
//! for a binary search. Options and the rules that apply to whole classes of attributes
//! (private, curves, overlays, dates) are in `profile.rs`.
//!
//! Overlay and curve repeating groups (60xx, 50xx) are not listed: `profile.rs` removes those
//! groups whole.

use std::sync::LazyLock;

/// The basic profile's action on an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basic {
    /// X: remove.
    X,
    /// Z: replace with a zero-length value.
    Z,
    /// D: replace with a dummy value.
    D,
    /// U: replace the UID with another one, consistently.
    U,
    /// X/Z, X/D, X/Z/D or Z/D (which one depends on the IOD; the standard lets the
    /// de-identifier choose the one that keeps the instance conformant).
    Conditional,
    /// X/Z/U*: a sequence of references; kept, with the UIDs inside it replaced.
    References,
}

/// One attribute a line: `(gggg,eeee)`, the action, the attribute's name, separated by tabs.
const SOURCE: &str = include_str!("table.tsv");

/// `(group << 16 | element, action)`, sorted by tag.
static TABLE: LazyLock<Vec<(u32, Basic)>> = LazyLock::new(|| {
    let mut table: Vec<(u32, Basic)> = SOURCE
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| parse_line(line).unwrap_or_else(|| panic!("table.tsv: cannot read {line:?}")))
        .collect();
    table.sort_unstable_by_key(|(tag, _)| *tag);
    table
});

fn parse_line(line: &str) -> Option<(u32, Basic)> {
    let mut fields = line.split('\t');
    let (tag, action, name) = (fields.next()?, fields.next()?, fields.next()?);
    if name.trim().is_empty() || fields.next().is_some() {
        return None;
    }
    let (group, element) = tag.strip_prefix('(')?.strip_suffix(')')?.split_once(',')?;
    let hex = |s: &str| (s.len() == 4).then(|| u16::from_str_radix(s, 16).ok())?;
    let tag = u32::from(hex(group)?) << 16 | u32::from(hex(element)?);
    let action = match action {
        "X" => Basic::X,
        "Z" => Basic::Z,
        "D" => Basic::D,
        "U" => Basic::U,
        "X/Z" | "X/D" | "X/Z/D" | "Z/D" => Basic::Conditional,
        "X/Z/U*" => Basic::References,
        _ => return None,
    };
    Some((tag, action))
}

/// The basic profile's action on `tag`, if the table names it.
pub fn basic_action(tag: u32) -> Option<Basic> {
    TABLE
        .binary_search_by_key(&tag, |(t, _)| *t)
        .ok()
        .map(|i| TABLE[i].1)
}

#[cfg(test)]
mod tests {
    use super::Basic::*;
    use super::*;

    #[test]
    fn the_table_parses_whole_without_duplicates() {
        let lines = SOURCE
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .count();
        assert_eq!(TABLE.len(), lines);
        assert_eq!(TABLE.len(), 617);
        assert!(TABLE.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(basic_action(0x0010_0010), Some(Z)); // Patient's Name
        assert_eq!(basic_action(0x0008_0080), Some(Conditional)); // Institution Name
        assert_eq!(basic_action(0x0020_000D), Some(U)); // Study Instance UID
        assert_eq!(basic_action(0x0008_1140), Some(References)); // Referenced Image Sequence
        assert_eq!(basic_action(0x0008_0106), Some(D)); // Context Group Version
        assert_eq!(basic_action(0x0000_1000), Some(X)); // the first
        assert_eq!(basic_action(0xFFFC_FFFC), Some(X)); // the last
        assert_eq!(basic_action(0x0008_0060), None); // Modality
    }

    #[test]
    fn malformed_lines_are_refused() {
        assert_eq!(
            parse_line("(0010,0010)\tZ\tPatient's Name"),
            Some((0x0010_0010, Z))
        );
        for bad in [
            "(0010,0010)\tZ",
            "(0010,0010)\tZ\t",
            "(0010,0010)\tQ\tName",
            "0010,0010\tZ\tName",
            "(010,0010)\tZ\tName",
            "(0010,00G0)\tZ\tName",
            "(0010,0010)\tZ\tName\textra",
        ] {
            assert_eq!(parse_line(bad), None, "{bad:?}");
        }
    }
}

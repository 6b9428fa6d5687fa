//! What happens to each attribute: the basic profile of PS3.15 annex E (table in `table.rs`)
//! with the options a case review needs, and the replacement values (UIDs, dates, dummies).
//!
//! Options (PS3.15 E.3):
//! - Retain Patient Characteristics: sex, age, size, weight, pregnancy status (a reviewer reads
//!   images against them; the dossier holds sex and birth year anyway).
//! - Retain Longitudinal Temporal Information, Full Dates (default) or Modified Dates
//!   (`CONSILIUM_DICOM_DATES=shift`): every date is moved back by the same number of days for
//!   every upload of one dossier, so intervals between examinations stay true.
//! - Descriptions: Study Description, Series Description and Protocol Name are kept as they
//!   are (not cleaned): reviewers find their way with them. They are free text typed at the
//!   modality; this is the one place where a careless entry could leave a name.
//!
//! Beyond the table: every private element, every element of unknown type (VR UN, or not in the
//! dictionary in an implicit VR data set: its content cannot be checked), group lengths, and the
//! overlay and curve groups are removed.
//!
//! UIDs are replaced by `2.25.<128-bit number>` derived with HMAC-SHA256 from a per-dossier key:
//! the same original UID gives the same new one within a dossier (references between instances
//! and uploads hold), and a different one in another dossier (no linking across dossiers).

use dicom_core::VR;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::table::{Basic, basic_action};

type HmacSha256 = Hmac<Sha256>;

/// What is done with dates and times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dates {
    /// Kept as they are (Retain Longitudinal Temporal Information, Full Dates).
    Keep,
    /// Moved back by 1 to `max_days` days, the same shift for a whole dossier (Modified Dates).
    Shift { max_days: u16 },
}

impl std::str::FromStr for Dates {
    type Err = String;

    fn from_str(s: &str) -> Result<Dates, String> {
        match s {
            "keep" => Ok(Dates::Keep),
            "shift" => Ok(Dates::Shift { max_days: 365 }),
            other => Err(format!("{other:?} is not `keep` or `shift`")),
        }
    }
}

/// What happens to one element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Keep,
    Remove,
    /// Kept with a zero-length value (a sequence: with no item).
    Empty,
    /// Replaced by a dummy value of its VR (a sequence: removed).
    Dummy,
    /// Its UIDs replaced.
    Uid,
    /// Its dates moved back.
    Shift,
}

/// A secret that keys the replacement UIDs and the date shift.
#[derive(Clone)]
pub struct PseudonymKey([u8; 32]);

impl std::fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PseudonymKey(***)")
    }
}

impl PseudonymKey {
    /// The service's key, derived from a secret of the service (kept apart from what the
    /// secret signs by the label).
    pub fn from_secret(secret: &[u8]) -> PseudonymKey {
        PseudonymKey(keyed_hash(secret, b"consilium de-identification key v1"))
    }

    /// The key of one dossier: its uploads share UIDs and date shift, other dossiers do not.
    pub fn for_dossier(&self, dossier_id: &str) -> PseudonymKey {
        let mut label = b"dossier:".to_vec();
        label.extend_from_slice(dossier_id.as_bytes());
        PseudonymKey(keyed_hash(&self.0, &label))
    }
}

fn keyed_hash(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// The de-identification of one upload.
#[derive(Debug, Clone)]
pub struct Profile {
    dates: Dates,
    key: PseudonymKey,
    shift_days: u16,
}

/// Patient characteristics kept (Retain Patient Characteristics Option).
const PATIENT_CHARACTERISTICS: &[u32] = &[
    0x0010_0040, // Patient's Sex
    0x0010_1010, // Patient's Age
    0x0010_1020, // Patient's Size
    0x0010_1030, // Patient's Weight
    0x0010_21C0, // Pregnancy Status
    0x0010_2203, // Patient's Sex Neutered
];
/// Descriptions kept as they are.
const KEPT_DESCRIPTIONS: &[u32] = &[
    0x0008_1030, // Study Description
    0x0008_103E, // Series Description
    0x0018_1030, // Protocol Name
];
/// Dates and times never kept, whatever the option.
const BIRTH: &[u32] = &[0x0010_0030, 0x0010_0032];
/// What this de-identification writes itself; an upload's own values are dropped.
pub const PATIENT_IDENTITY_REMOVED: u32 = 0x0012_0062;
pub const DEIDENTIFICATION_METHOD: u32 = 0x0012_0063;
const DEIDENTIFICATION_METHOD_CODES: u32 = 0x0012_0064;
pub const LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED: u32 = 0x0028_0303;
const WRITTEN_HERE: &[u32] = &[
    PATIENT_IDENTITY_REMOVED,
    DEIDENTIFICATION_METHOD,
    DEIDENTIFICATION_METHOD_CODES,
    LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED,
];

/// Where standard (not instance) UIDs live: SOP classes, transfer syntaxes, well-known
/// instances. Never replaced.
const STANDARD_UID_ROOT: &str = "1.2.840.10008.";

impl Profile {
    pub fn new(dates: Dates, key: PseudonymKey) -> Profile {
        let draw = keyed_hash(&key.0, b"date shift");
        let max = match dates {
            Dates::Keep => 1,
            Dates::Shift { max_days } => u64::from(max_days.max(1)),
        };
        let shift_days = 1 + u64::from_le_bytes([
            draw[0], draw[1], draw[2], draw[3], draw[4], draw[5], draw[6], draw[7],
        ]) % max;
        Profile {
            dates,
            key,
            shift_days: u16::try_from(shift_days).unwrap_or(1),
        }
    }

    pub fn dates(&self) -> Dates {
        self.dates
    }

    /// What happens to the element `tag` of type `vr` (`None`: unknown, in an implicit VR data
    /// set, the dictionary does not know the tag).
    pub fn action(&self, tag: u32, vr: Option<VR>) -> Action {
        let (group, element) = ((tag >> 16) as u16, tag as u16);
        let private = group % 2 == 1;
        let repeating = matches!(group & 0xFF00, 0x5000 | 0x6000);
        if private
            || element == 0
            || group <= 0x0002
            || repeating
            || WRITTEN_HERE.contains(&tag)
            || matches!(vr, None | Some(VR::UN))
        {
            return Action::Remove;
        }
        if PATIENT_CHARACTERISTICS.contains(&tag) || KEPT_DESCRIPTIONS.contains(&tag) {
            return Action::Keep;
        }
        let basic = basic_action(tag);
        let temporal = matches!(vr, Some(VR::DA | VR::DT | VR::TM));
        if temporal && !BIRTH.contains(&tag) {
            return match (self.dates, vr) {
                (Dates::Shift { .. }, Some(VR::DA | VR::DT)) => Action::Shift,
                _ => Action::Keep,
            };
        }
        match basic {
            None | Some(Basic::References) => Action::Keep,
            Some(Basic::X) => Action::Remove,
            Some(Basic::Z | Basic::Conditional) => Action::Empty,
            Some(Basic::D) if vr == Some(VR::UI) => Action::Uid,
            Some(Basic::D) => Action::Dummy,
            Some(Basic::U) => Action::Uid,
        }
    }

    /// The replacement of one UID (standard UIDs are kept).
    pub fn uid(&self, uid: &str) -> String {
        let uid = uid.trim_end_matches(['\0', ' ']);
        if uid.is_empty() || uid.starts_with(STANDARD_UID_ROOT) {
            return uid.to_string();
        }
        let mut label = b"uid:".to_vec();
        label.extend_from_slice(uid.as_bytes());
        let digest = keyed_hash(&self.key.0, &label);
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        // A version-8 (custom) UUID, as the 2.25 arc requires a UUID.
        bytes[6] = (bytes[6] & 0x0F) | 0x80;
        bytes[8] = (bytes[8] & 0x3F) | 0x80;
        format!("2.25.{}", u128::from_be_bytes(bytes))
    }

    /// The replacement value of a UI element (several UIDs separated by `\`).
    pub fn uids(&self, value: &[u8]) -> Vec<u8> {
        let text = String::from_utf8_lossy(value);
        let replaced: Vec<String> = text.split('\\').map(|u| self.uid(u)).collect();
        pad(replaced.join("\\").into_bytes(), b'\0')
    }

    /// A DA or DT value moved back (several values separated by `\`); what cannot be read as a
    /// date is emptied.
    pub fn shift(&self, vr: VR, value: &[u8]) -> Vec<u8> {
        let text = String::from_utf8_lossy(value);
        let mut out = Vec::new();
        for (i, item) in text.trim_end_matches(['\0', ' ']).split('\\').enumerate() {
            let item = item.trim();
            let Some(shifted) = self.shift_one(vr, item) else {
                return Vec::new();
            };
            if i > 0 {
                out.push(b'\\');
            }
            out.extend_from_slice(shifted.as_bytes());
        }
        pad(out, b' ')
    }

    fn shift_one(&self, vr: VR, item: &str) -> Option<String> {
        if item.is_empty() {
            return Some(String::new());
        }
        // DA is YYYYMMDD; DT starts with one (a DT of year or month precision is emptied).
        let date = item.get(..8)?;
        if vr == VR::DA && item.len() != 8 {
            return None;
        }
        let parsed = chrono::NaiveDate::parse_from_str(date, "%Y%m%d").ok()?;
        let moved = parsed - chrono::Days::new(u64::from(self.shift_days));
        Some(format!("{}{}", moved.format("%Y%m%d"), &item[8..]))
    }

    /// A dummy value for a VR (`None`: the element is emptied instead).
    pub fn dummy(vr: VR) -> Option<&'static [u8]> {
        let value: &'static [u8] = match vr {
            VR::PN | VR::LO | VR::SH | VR::LT | VR::ST | VR::UT | VR::UC | VR::CS | VR::AE => {
                b"ANONYMIZED"
            }
            VR::DA => b"19000101",
            VR::TM => b"000000",
            VR::DT => b"19000101000000",
            VR::IS | VR::DS => b"0 ",
            _ => return None,
        };
        Some(value)
    }

    /// The elements this de-identification adds at the top level, in tag order, each as
    /// `(tag, VR, value)`.
    pub fn added_elements(&self) -> Vec<(u32, VR, Vec<u8>)> {
        let (dates_option, modified) = match self.dates {
            Dates::Keep => ("full dates retained", "UNMODIFIED"),
            Dates::Shift { .. } => ("dates shifted (modified dates option)", "MODIFIED"),
        };
        // DeidentificationMethod is LO: several values of at most 64 characters.
        let method = [
            "Consilium 2: PS3.15 E.1-1 basic profile",
            "retain patient characteristics option",
            dates_option,
            "study and series descriptions, protocol name kept",
            "UIDs replaced; private and unknown elements removed",
        ]
        .join("\\");
        vec![
            (PATIENT_IDENTITY_REMOVED, VR::CS, pad(b"YES".to_vec(), b' ')),
            (
                DEIDENTIFICATION_METHOD,
                VR::LO,
                pad(method.into_bytes(), b' '),
            ),
            (
                LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED,
                VR::CS,
                pad(modified.as_bytes().to_vec(), b' '),
            ),
        ]
    }
}

/// DICOM values have an even length.
pub fn pad(mut value: Vec<u8>, with: u8) -> Vec<u8> {
    if value.len() % 2 == 1 {
        value.push(with);
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(dates: Dates) -> Profile {
        Profile::new(
            dates,
            PseudonymKey::from_secret(b"test secret").for_dossier("d1"),
        )
    }

    #[test]
    fn actions() {
        let p = profile(Dates::Keep);
        let action = |tag, vr| p.action(tag, Some(vr));
        assert_eq!(action(0x0010_0010, VR::PN), Action::Empty); // Patient's Name
        assert_eq!(action(0x0010_0020, VR::LO), Action::Empty); // Patient ID
        assert_eq!(action(0x0008_0080, VR::LO), Action::Empty); // Institution Name
        assert_eq!(action(0x0008_0081, VR::ST), Action::Remove); // Institution Address
        assert_eq!(action(0x0010_0030, VR::DA), Action::Empty); // Birth Date
        assert_eq!(action(0x0010_0032, VR::TM), Action::Remove); // Birth Time
        assert_eq!(action(0x0008_0020, VR::DA), Action::Keep); // Study Date
        assert_eq!(action(0x0008_1030, VR::LO), Action::Keep); // Study Description
        assert_eq!(action(0x0010_0040, VR::CS), Action::Keep); // Patient's Sex
        assert_eq!(action(0x0008_0060, VR::CS), Action::Keep); // Modality
        assert_eq!(action(0x0020_000D, VR::UI), Action::Uid); // Study Instance UID
        assert_eq!(action(0x0008_1140, VR::SQ), Action::Keep); // Referenced Image Sequence
        assert_eq!(action(0x0040_A730, VR::SQ), Action::Dummy); // Content Sequence
        assert_eq!(action(0x0009_0010, VR::LO), Action::Remove); // private creator
        assert_eq!(action(0x6000_3000, VR::OW), Action::Remove); // overlay data
        assert_eq!(action(0x0008_0000, VR::UL), Action::Remove); // group length
        assert_eq!(action(0x0012_0062, VR::CS), Action::Remove); // written here
        assert_eq!(action(0x0008_0070, VR::UN), Action::Remove); // unknown type
        assert_eq!(p.action(0x0008_0070, None), Action::Remove);
        assert_eq!(action(0x7FE0_0010, VR::OW), Action::Keep); // Pixel Data
        let shifting = profile(Dates::Shift { max_days: 365 });
        assert_eq!(shifting.action(0x0008_0020, Some(VR::DA)), Action::Shift);
        assert_eq!(shifting.action(0x0008_0030, Some(VR::TM)), Action::Keep);
        assert_eq!(shifting.action(0x0010_0030, Some(VR::DA)), Action::Empty);
    }

    #[test]
    fn uids_are_replaced_consistently_per_dossier() {
        let p = profile(Dates::Keep);
        let a = p.uid("1.2.826.0.1.3680043.2.1125.1.12345");
        assert!(a.starts_with("2.25.") && a.len() <= 64, "{a}");
        assert!(a[5..].bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(a, p.uid("1.2.826.0.1.3680043.2.1125.1.12345\0"));
        assert_ne!(a, p.uid("1.2.826.0.1.3680043.2.1125.1.12346"));
        let other = Profile::new(
            Dates::Keep,
            PseudonymKey::from_secret(b"test secret").for_dossier("d2"),
        );
        assert_ne!(a, other.uid("1.2.826.0.1.3680043.2.1125.1.12345"));
        assert_eq!(
            p.uid("1.2.840.10008.5.1.4.1.1.4"),
            "1.2.840.10008.5.1.4.1.1.4"
        );
        let two = p.uids(b"1.2.3\\1.2.4\0");
        assert_eq!(two.len() % 2, 0);
        assert_eq!(two.iter().filter(|b| **b == b'\\').count(), 1);
    }

    #[test]
    fn dates_move_back_together() {
        let p = profile(Dates::Shift { max_days: 365 });
        let days = i64::from(p.shift_days);
        assert!((1..=365).contains(&days));
        let expected = (chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
            - chrono::Days::new(days as u64))
        .format("%Y%m%d")
        .to_string();
        assert_eq!(p.shift(VR::DA, b"20260301"), expected.as_bytes());
        let dt = p.shift(VR::DT, b"20260301101500.000+0100");
        assert!(dt.starts_with(expected.as_bytes()));
        assert!(dt.ends_with(b"101500.000+0100 "));
        let both = String::from_utf8(p.shift(VR::DA, b"20260301\\20260302")).unwrap();
        assert_eq!(both.split('\\').count(), 2);
        assert!(p.shift(VR::DA, b"2026.03.01").is_empty());
        assert!(p.shift(VR::DT, b"2026").is_empty());
        // The same dossier, the same shift.
        assert_eq!(
            profile(Dates::Shift { max_days: 365 }).shift_days,
            p.shift_days
        );
    }
}

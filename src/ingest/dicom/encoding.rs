//! How a data set is encoded: byte order, explicit or implicit value representations, which
//! VRs have a long length, and the VR the dictionary gives a tag when the data set carries none.

use dicom_core::VR;
use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry, VirtualVr};

/// The length of an element, item or sequence that ends with a delimiter.
pub const UNDEFINED: u32 = 0xFFFF_FFFF;

/// How numbers and value representations are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encoding {
    pub explicit: bool,
    pub big_endian: bool,
}

impl Encoding {
    pub const EXPLICIT_LE: Encoding = Encoding {
        explicit: true,
        big_endian: false,
    };
    pub const IMPLICIT_LE: Encoding = Encoding {
        explicit: false,
        big_endian: false,
    };
    pub const EXPLICIT_BE: Encoding = Encoding {
        explicit: true,
        big_endian: true,
    };

    pub(super) fn u16(self, b: [u8; 2]) -> u16 {
        if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        }
    }

    pub(super) fn u32(self, b: [u8; 4]) -> u32 {
        if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }
    }

    fn put_u16(self, v: u16) -> [u8; 2] {
        if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    fn put_u32(self, v: u32) -> [u8; 4] {
        if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    /// An element header: tag, VR (explicit encodings, not for items) and length.
    pub fn header(self, tag: u32, vr: Option<VR>, len: u32) -> Vec<u8> {
        let mut out = Vec::with_capacity(12);
        out.extend_from_slice(&self.put_u16((tag >> 16) as u16));
        out.extend_from_slice(&self.put_u16(tag as u16));
        match vr {
            Some(vr) if self.explicit && tag >> 16 != 0xFFFE => {
                out.extend_from_slice(&vr.to_bytes());
                if has_long_length(vr) {
                    out.extend_from_slice(&[0, 0]);
                    out.extend_from_slice(&self.put_u32(len));
                } else {
                    // Only values we write ourselves are short here: they fit.
                    out.extend_from_slice(&self.put_u16(u16::try_from(len).unwrap_or(0)));
                }
            }
            _ => out.extend_from_slice(&self.put_u32(len)),
        }
        out
    }
}

/// VRs with a 4-byte length (after 2 reserved bytes) in explicit VR encodings.
pub(super) fn has_long_length(vr: VR) -> bool {
    use VR::*;
    matches!(
        vr,
        OB | OD | OF | OL | OV | OW | SQ | SV | UC | UN | UR | UT | UV
    )
}

/// The VR the dictionary gives a tag (implicit VR data sets carry none).
pub(super) fn dictionary_vr(tag: u32) -> Option<VR> {
    let tag = dicom_core::Tag((tag >> 16) as u16, tag as u16);
    let entry = dicom_dictionary_std::StandardDataDictionary.by_tag(tag)?;
    Some(match entry.vr() {
        VirtualVr::Exact(vr) => vr,
        VirtualVr::Xs => VR::US,
        VirtualVr::Ox | VirtualVr::Px | VirtualVr::Lt => VR::OW,
        // A kind of VR added to the dictionary later: opaque bytes.
        _ => VR::OB,
    })
}

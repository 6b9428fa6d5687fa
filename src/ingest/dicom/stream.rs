//! The data set, element by element, from a reader to a writer: each element is copied,
//! replaced or dropped as the profile says, at every depth of nesting, and its bytes stream
//! through a fixed buffer. Memory is what a few small values and the nesting need, whatever the
//! file size; a huge element (pixel data, a hostile length) is never held.
//!
//! Every length is checked against the bytes that actually follow: an element, item or
//! sequence that claims more than the file holds ends the read with an error, it is never
//! allocated. Sequences and items are written back with undefined lengths (legal in every
//! transfer syntax), so removing an element inside them needs no length to be recomputed.
//! Reading and checking is `input.rs`, byte order and headers `encoding.rs`.

use std::io::{Read, Write};

use dicom_core::VR;

use super::DicomError;
use super::encoding::{Encoding, UNDEFINED, dictionary_vr};
use super::input::{Header, Input, invalid};
use super::profile::{Action, Profile};

const ITEM: u32 = 0xFFFE_E000;
const ITEM_END: u32 = 0xFFFE_E00D;
const SEQUENCE_END: u32 = 0xFFFE_E0DD;
const PIXEL_DATA: u32 = 0x7FE0_0010;
/// Sequences nested deeper are refused (real files nest a handful of levels).
pub const MAX_DEPTH: usize = 32;
/// Values read whole (UIDs and dates to replace, texts for the summary) are at most this long;
/// a longer one is emptied instead.
const SMALL_VALUE: u32 = 64 * 1024;

/// Top-level texts the review shows.
const CHARSET: u32 = 0x0008_0005;
const MODALITY: u32 = 0x0008_0060;
const STUDY_DESCRIPTION: u32 = 0x0008_1030;
const SERIES_DESCRIPTION: u32 = 0x0008_103E;

/// Where a data set ends.
#[derive(Debug, Clone, Copy)]
enum End {
    /// At the end of the input (the top level).
    Input,
    /// At this position (an item of defined length).
    At(u64),
    /// At an item delimitation item (an item of undefined length).
    Delimiter,
}

/// Raw values of the top-level texts the review shows.
#[derive(Debug, Default)]
pub struct Captured {
    pub charset: Option<Vec<u8>>,
    pub modality: Option<Vec<u8>>,
    pub study_description: Option<Vec<u8>>,
    pub series_description: Option<Vec<u8>>,
}

/// Rewrites one data set.
pub struct Rewriter<'p, R, W> {
    input: Input<R>,
    out: W,
    enc: Encoding,
    profile: &'p Profile,
    /// Inside something removed: read and checked, written nowhere.
    discarding: bool,
    depth: usize,
    pub captured: Captured,
}

impl<'p, R: Read, W: Write> Rewriter<'p, R, W> {
    pub fn new(input: Input<R>, out: W, enc: Encoding, profile: &'p Profile) -> Self {
        Rewriter {
            input,
            out,
            enc,
            profile,
            discarding: false,
            depth: 0,
            captured: Captured::default(),
        }
    }

    /// Rewrites the top-level data set up to the end of the input; returns the writer.
    pub fn run(mut self) -> Result<(W, Captured), DicomError> {
        self.data_set(End::Input, true)?;
        Ok((self.out, self.captured))
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), DicomError> {
        if self.discarding {
            return Ok(());
        }
        self.out.write_all(bytes).map_err(DicomError::Io)
    }

    fn write_header(&mut self, tag: u32, vr: Option<VR>, len: u32) -> Result<(), DicomError> {
        let header = self.enc.header(tag, vr, len);
        self.write(&header)
    }

    fn write_element(&mut self, tag: u32, vr: Option<VR>, value: &[u8]) -> Result<(), DicomError> {
        let len = u32::try_from(value.len()).unwrap_or(0);
        self.write_header(tag, vr, len)?;
        self.write(value)
    }

    fn pass(&mut self, len: u32, at: u64) -> Result<(), DicomError> {
        if self.discarding {
            self.input.skip(u64::from(len), at)
        } else {
            self.input.copy(u64::from(len), at, &mut self.out)
        }
    }

    /// Runs `f` with nothing written when `discard` is set.
    fn discarding_if(
        &mut self,
        discard: bool,
        f: impl FnOnce(&mut Self) -> Result<(), DicomError>,
    ) -> Result<(), DicomError> {
        let before = self.discarding;
        self.discarding |= discard;
        let result = f(self);
        self.discarding = before;
        result
    }

    fn data_set(&mut self, end: End, top: bool) -> Result<(), DicomError> {
        let added = if top {
            self.profile.added_elements()
        } else {
            Vec::new()
        };
        let mut added = added.into_iter().peekable();
        loop {
            if let End::At(limit) = end
                && self.input.reached(limit, "an item")?
            {
                break;
            }
            let Some(h) = self.input.header(self.enc, matches!(end, End::Input))? else {
                break;
            };
            if h.tag == ITEM_END && matches!(end, End::Delimiter) {
                return Ok(());
            }
            if h.tag >> 16 == 0xFFFE {
                return Err(invalid(format!(
                    "an item or delimiter where an element should be, at byte {}",
                    h.at
                )));
            }
            while let Some((tag, vr, value)) = added.next_if(|(tag, ..)| *tag < h.tag) {
                let vr = self.enc.explicit.then_some(vr);
                self.write_element(tag, vr, &value)?;
            }
            self.element(h, top)?;
        }
        for (tag, vr, value) in added {
            let vr = self.enc.explicit.then_some(vr);
            self.write_element(tag, vr, &value)?;
        }
        Ok(())
    }

    fn element(&mut self, h: Header, top: bool) -> Result<(), DicomError> {
        if h.vr == Some(VR::UN) && h.len == UNDEFINED {
            // A sequence of unknown type, encoded in implicit VR little endian inside
            // (PS3.5 6.2.2): removed like every element of unknown type, walked to find its end.
            let saved = self.enc;
            self.enc = Encoding::IMPLICIT_LE;
            let result = self.discarding_if(true, |s| s.items(&h));
            self.enc = saved;
            return result;
        }
        let vr = h.vr.or_else(|| dictionary_vr(h.tag));
        let action = self.profile.action(h.tag, vr);
        let sequence =
            vr == Some(VR::SQ) || (h.vr.is_none() && h.len == UNDEFINED && h.tag != PIXEL_DATA);
        if sequence {
            return self.sequence(h, action);
        }
        if h.len == UNDEFINED {
            return self.fragments(h, action);
        }
        self.primitive(h, vr, action, top)
    }

    fn sequence(&mut self, h: Header, action: Action) -> Result<(), DicomError> {
        match action {
            Action::Remove | Action::Dummy => self.discarding_if(true, |s| s.items(&h)),
            Action::Empty => {
                self.write_header(h.tag, h.vr, 0)?;
                self.discarding_if(true, |s| s.items(&h))
            }
            Action::Keep | Action::Uid | Action::Shift => {
                self.write_header(h.tag, h.vr, UNDEFINED)?;
                self.items(&h)?;
                self.write_header(SEQUENCE_END, None, 0)
            }
        }
    }

    /// The items of a sequence, each data set rewritten.
    fn items(&mut self, h: &Header) -> Result<(), DicomError> {
        if self.discarding && h.len != UNDEFINED {
            return self.input.skip(u64::from(h.len), h.at);
        }
        if self.depth >= MAX_DEPTH {
            return Err(invalid(format!(
                "sequences are nested more than {MAX_DEPTH} deep at byte {}",
                h.at
            )));
        }
        self.depth += 1;
        let end = (h.len != UNDEFINED).then(|| self.input.pos + u64::from(h.len));
        loop {
            if let Some(end) = end
                && self.input.reached(end, "a sequence")?
            {
                break;
            }
            let Some(item) = self.input.header(self.enc, false)? else {
                break;
            };
            match item.tag {
                SEQUENCE_END if end.is_none() => break,
                ITEM => {
                    self.write_header(ITEM, None, UNDEFINED)?;
                    let inner = if item.len == UNDEFINED {
                        End::Delimiter
                    } else {
                        End::At(self.input.pos + u64::from(item.len))
                    };
                    self.data_set(inner, false)?;
                    self.write_header(ITEM_END, None, 0)?;
                }
                _ => {
                    return Err(invalid(format!(
                        "a sequence holds something other than items at byte {}",
                        item.at
                    )));
                }
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// Encapsulated pixel data: an offset table and fragments, copied or dropped whole.
    fn fragments(&mut self, h: Header, action: Action) -> Result<(), DicomError> {
        self.discarding_if(action != Action::Keep, |s| {
            s.write_header(h.tag, h.vr, UNDEFINED)?;
            loop {
                let Some(item) = s.input.header(s.enc, false)? else {
                    break Ok(());
                };
                match item.tag {
                    ITEM if item.len != UNDEFINED => {
                        s.write_header(ITEM, None, item.len)?;
                        s.pass(item.len, item.at)?;
                    }
                    SEQUENCE_END => break s.write_header(SEQUENCE_END, None, 0),
                    _ => {
                        break Err(invalid(format!(
                            "encapsulated pixel data holds something other than fragments at \
                             byte {}",
                            item.at
                        )));
                    }
                }
            }
        })
    }

    fn primitive(
        &mut self,
        h: Header,
        vr: Option<VR>,
        action: Action,
        top: bool,
    ) -> Result<(), DicomError> {
        let dummy = vr.and_then(Profile::dummy);
        match action {
            Action::Remove => self.input.skip(u64::from(h.len), h.at),
            Action::Dummy if dummy.is_some() => {
                self.input.skip(u64::from(h.len), h.at)?;
                self.write_element(h.tag, h.vr, dummy.unwrap_or_default())
            }
            Action::Empty | Action::Dummy => {
                self.input.skip(u64::from(h.len), h.at)?;
                self.write_header(h.tag, h.vr, 0)
            }
            Action::Uid | Action::Shift => {
                let value = match self.input.value(h.len, SMALL_VALUE, h.at)? {
                    Some(v) if action == Action::Uid => self.profile.uids(&v),
                    Some(v) => self.profile.shift(vr.unwrap_or(VR::DA), &v),
                    None => Vec::new(),
                };
                self.write_element(h.tag, h.vr, &value)
            }
            Action::Keep => {
                let captured = top
                    && !self.discarding
                    && matches!(
                        h.tag,
                        CHARSET | MODALITY | STUDY_DESCRIPTION | SERIES_DESCRIPTION
                    );
                if captured && let Some(value) = self.input.value(h.len, SMALL_VALUE, h.at)? {
                    self.write_element(h.tag, h.vr, &value)?;
                    let slot = match h.tag {
                        CHARSET => &mut self.captured.charset,
                        MODALITY => &mut self.captured.modality,
                        STUDY_DESCRIPTION => &mut self.captured.study_description,
                        _ => &mut self.captured.series_description,
                    };
                    *slot = Some(value);
                    return Ok(());
                }
                if captured {
                    // Longer than any real description: kept in the file, not shown.
                    return self.write_header(h.tag, h.vr, 0);
                }
                self.write_header(h.tag, h.vr, h.len)?;
                self.pass(h.len, h.at)
            }
        }
    }
}

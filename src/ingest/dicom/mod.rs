//! DICOM Part-10 files: what the review needs is kept, what identifies the patient is removed,
//! as a stream from a reader to a writer (see `stream.rs`): memory does not grow with the file.
//!
//! The file is read with or without its 128-byte preamble; what is written is always a normal
//! Part-10 file: a zeroed preamble (the original one may hold anything), `DICM`, a file meta
//! group rebuilt with only what identifies the object (its other elements can name sending
//! systems and carry private data), then the de-identified data set. A deflated data set is
//! inflated and written as explicit VR little endian. The profile is in `profile.rs`.

mod encoding;
mod input;
mod profile;
mod stream;
mod table;

use std::io::{BufReader, BufWriter, Read, Write};

use dicom_core::VR;
use dicom_encoding::text::{SpecificCharacterSet, TextCodec};

use encoding::{Encoding, UNDEFINED};
use input::Input;
pub use profile::{Action, Dates, Profile, PseudonymKey};
use stream::Rewriter;

/// What the review shows of a DICOM file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DicomSummary {
    pub modality: Option<String>,
    pub study_description: Option<String>,
    pub series_description: Option<String>,
}

/// A de-identified file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deidentified {
    pub summary: DicomSummary,
    /// A DICOMDIR (an index of the files of a medium, not an instance).
    pub is_directory: bool,
    /// Bytes inflated from a deflated data set.
    pub inflated: u64,
}

/// Why a file is not stored.
#[derive(Debug, thiserror::Error)]
pub enum DicomError {
    /// Not a readable DICOM Part-10 file (400).
    #[error("not a readable DICOM Part-10 file: {0}")]
    Invalid(String),
    /// A DICOM file in this transfer syntax, which we cannot read (415).
    #[error("the DICOM transfer syntax {0} is not supported")]
    Unsupported(String),
    /// A deflated data set that inflates beyond what an upload may unpack (413).
    #[error("{0}")]
    TooLarge(String),
    /// Reading the spooled upload or writing the result failed (500).
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

const BUFFER: usize = 64 * 1024;
/// The file meta group is small; more than this is not a file meta group.
const MAX_META_BYTES: usize = 64 * 1024;
const MEDIA_STORAGE_DIRECTORY: &str = "1.2.840.10008.1.3.10";
/// Consilium's implementation class UID and version name, written in the file meta group.
const IMPLEMENTATION_CLASS_UID: &str = "2.25.28233455580960088852156377725866912752";
const IMPLEMENTATION_VERSION: &str = "CONSILIUM_2";

/// Reads a Part-10 file from `input`, writes its de-identified version to `output`.
/// `max_inflated` bounds what a deflated data set may inflate to.
pub fn deidentify<R: Read, W: Write>(
    input: R,
    output: W,
    profile: &Profile,
    max_inflated: u64,
) -> Result<Deidentified, DicomError> {
    let mut input = Input::new(BufReader::with_capacity(BUFFER, input), 0);
    skip_preamble(&mut input)?;
    let meta = read_meta(&mut input)?;
    let (encoding, deflated_to) = encoding_of(&meta.transfer_syntax)?;
    let mut out = BufWriter::with_capacity(BUFFER, output);
    out.write_all(&[0u8; 128])?;
    out.write_all(b"DICM")?;
    out.write_all(&meta_group(
        &meta.sop_class,
        &profile.uid(&meta.sop_instance),
        deflated_to.unwrap_or(meta.transfer_syntax.as_str()),
    ))?;
    let start = input.pos;
    let (out, captured, inflated) = if deflated_to.is_some() {
        let inflater = Inflated {
            inner: flate2::read::DeflateDecoder::new(input),
            count: 0,
            max: max_inflated,
        };
        let mut reader = BufReader::with_capacity(BUFFER, inflater);
        let rewriter = Rewriter::new(Input::new(&mut reader, 0), out, encoding, profile);
        let (out, captured) = rewriter.run()?;
        (out, captured, reader.get_ref().count)
    } else {
        let rewriter = Rewriter::new(Input::new(input, start), out, encoding, profile);
        let (out, captured) = rewriter.run()?;
        (out, captured, 0)
    };
    out.into_inner()
        .map_err(|e| DicomError::Io(e.into_error()))?
        .flush()?;
    Ok(Deidentified {
        summary: summary(&captured),
        is_directory: meta.sop_class == MEDIA_STORAGE_DIRECTORY,
        inflated,
    })
}

/// Consumes the preamble (if any) and `DICM`.
fn skip_preamble<R: Read>(input: &mut Input<R>) -> Result<(), DicomError> {
    let mut head = [0u8; 132];
    let got = input.fill(&mut head)?;
    if got == 132 && &head[128..132] == b"DICM" {
        return Ok(());
    }
    if got >= 4 && &head[..4] == b"DICM" {
        input.unread(&head[4..got]);
        return Ok(());
    }
    Err(DicomError::Invalid("no DICM prefix".into()))
}

struct Meta {
    sop_class: String,
    sop_instance: String,
    transfer_syntax: String,
}

/// Reads the file meta group (explicit VR little endian, group 0002), keeping what identifies
/// the object and how the data set is encoded.
fn read_meta<R: Read>(input: &mut Input<R>) -> Result<Meta, DicomError> {
    let (mut sop_class, mut sop_instance, mut transfer_syntax) = (None, None, None);
    let mut size = 0usize;
    loop {
        let mut tag = [0u8; 4];
        let got = input.fill(&mut tag)?;
        input.unread(&tag[..got]);
        if got < 4 || u16::from_le_bytes([tag[0], tag[1]]) != 0x0002 {
            break;
        }
        let Some(h) = input.header(Encoding::EXPLICIT_LE, false)? else {
            break;
        };
        size += 12 + h.len as usize;
        if h.len == UNDEFINED || size > MAX_META_BYTES {
            return Err(DicomError::Invalid(
                "the file meta group is larger than a file meta group can be".into(),
            ));
        }
        let Some(value) = input.value(h.len, MAX_META_BYTES as u32, h.at)? else {
            continue;
        };
        let text = || {
            String::from_utf8_lossy(&value)
                .trim_end_matches(['\0', ' '])
                .to_string()
        };
        match h.tag {
            0x0002_0002 => sop_class = Some(text()),
            0x0002_0003 => sop_instance = Some(text()),
            0x0002_0010 => transfer_syntax = Some(text()),
            _ => {}
        }
    }
    let required = |v: Option<String>, what: &str| {
        v.filter(|v| !v.is_empty())
            .ok_or_else(|| DicomError::Invalid(format!("the file meta group has no {what}")))
    };
    Ok(Meta {
        sop_class: required(sop_class, "SOP class UID")?,
        sop_instance: required(sop_instance, "SOP instance UID")?,
        transfer_syntax: required(transfer_syntax, "transfer syntax")?,
    })
}

/// How the data set of a transfer syntax is encoded, and for a deflated one the transfer
/// syntax it is written in once inflated. Every transfer syntax of the standard but three is
/// explicit VR little endian; others (private ones) are refused.
fn encoding_of(ts: &str) -> Result<(Encoding, Option<&'static str>), DicomError> {
    Ok(match ts {
        "1.2.840.10008.1.2" => (Encoding::IMPLICIT_LE, None),
        "1.2.840.10008.1.2.2" => (Encoding::EXPLICIT_BE, None),
        // Deflated Explicit VR Little Endian; JPIP Referenced Deflate; JPIP HTJ2K Referenced
        // Deflate.
        "1.2.840.10008.1.2.1.99" => (Encoding::EXPLICIT_LE, Some("1.2.840.10008.1.2.1")),
        "1.2.840.10008.1.2.4.95" => (Encoding::EXPLICIT_LE, Some("1.2.840.10008.1.2.4.94")),
        "1.2.840.10008.1.2.4.205" => (Encoding::EXPLICIT_LE, Some("1.2.840.10008.1.2.4.204")),
        ts if ts.starts_with("1.2.840.10008.1.2.") => (Encoding::EXPLICIT_LE, None),
        other => {
            return Err(DicomError::Unsupported(
                clean_text(other).unwrap_or_default(),
            ));
        }
    })
}

/// A file meta group with only what identifies the object and its encoding.
fn meta_group(sop_class: &str, sop_instance: &str, transfer_syntax: &str) -> Vec<u8> {
    let enc = Encoding::EXPLICIT_LE;
    let uid = |s: &str| profile::pad(s.as_bytes().to_vec(), b'\0');
    let elements: [(u32, VR, Vec<u8>); 6] = [
        (0x0002_0001, VR::OB, vec![0, 1]),
        (0x0002_0002, VR::UI, uid(sop_class)),
        (0x0002_0003, VR::UI, uid(sop_instance)),
        (0x0002_0010, VR::UI, uid(transfer_syntax)),
        (0x0002_0012, VR::UI, uid(IMPLEMENTATION_CLASS_UID)),
        (
            0x0002_0013,
            VR::SH,
            profile::pad(IMPLEMENTATION_VERSION.as_bytes().to_vec(), b' '),
        ),
    ];
    let mut body = Vec::new();
    for (tag, vr, value) in elements {
        let len = u32::try_from(value.len()).unwrap_or(0);
        body.extend_from_slice(&enc.header(tag, Some(vr), len));
        body.extend_from_slice(&value);
    }
    let mut group = enc.header(0x0002_0000, Some(VR::UL), 4);
    group.extend_from_slice(&u32::try_from(body.len()).unwrap_or(0).to_le_bytes());
    group.extend_from_slice(&body);
    group
}

/// The inflated data set, counted against what an upload may unpack.
struct Inflated<R> {
    inner: R,
    count: u64,
    max: u64,
}

impl<R: Read> Read for Inflated<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        if self.count > self.max {
            return Err(std::io::Error::new(
                std::io::ErrorKind::FileTooLarge,
                format!(
                    "the deflated DICOM data set inflates to more than {} bytes",
                    self.max
                ),
            ));
        }
        Ok(n)
    }
}

fn summary(captured: &stream::Captured) -> DicomSummary {
    let charset = captured
        .charset
        .as_deref()
        .map(String::from_utf8_lossy)
        .and_then(|codes| {
            codes
                .split('\\')
                .map(str::trim)
                .find(|c| !c.is_empty())
                .and_then(SpecificCharacterSet::from_code)
        })
        .unwrap_or_default();
    let text = |raw: &Option<Vec<u8>>| {
        let raw = raw.as_deref()?;
        let decoded = charset
            .decode(raw)
            .unwrap_or_else(|_| String::from_utf8_lossy(raw).into_owned());
        clean_text(&decoded)
    };
    DicomSummary {
        modality: text(&captured.modality),
        study_description: text(&captured.study_description),
        series_description: text(&captured.series_description),
    }
}

/// A text fit to show: trimmed, no control characters, at most 256 characters.
fn clean_text(value: &str) -> Option<String> {
    let value: String = value
        .trim_matches(|c: char| c.is_whitespace() || c == '\0')
        .chars()
        .filter(|c| !c.is_control())
        .take(256)
        .collect();
    (!value.is_empty()).then_some(value)
}

#[cfg(test)]
mod tests;

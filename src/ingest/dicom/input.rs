//! The bytes of a data set as they are read: element, item and delimiter headers, values read
//! whole when they are small, and bytes skipped or copied through a fixed buffer. Every length
//! is checked against the bytes that actually follow: what claims more than the file holds
//! ends the read with an error, it is never allocated.

use std::io::{self, Read, Write};

use dicom_core::VR;

use super::DicomError;
use super::encoding::{Encoding, has_long_length};

const COPY_BUFFER: usize = 64 * 1024;

pub(super) fn invalid(why: String) -> DicomError {
    DicomError::Invalid(why)
}

/// An element, item or delimiter header as read.
#[derive(Debug, Clone, Copy)]
pub struct Header {
    pub tag: u32,
    /// The explicit VR, if the encoding has one (never for items).
    pub vr: Option<VR>,
    pub len: u32,
    /// Where the header starts.
    pub at: u64,
}

/// A reader that counts what it has consumed, with a few bytes that can be put back.
pub struct Input<R> {
    inner: R,
    back: Vec<u8>,
    pub pos: u64,
    buffer: Vec<u8>,
}

impl<R: Read> Read for Input<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = if self.back.is_empty() {
            self.inner.read(buf)?
        } else {
            let n = self.back.len().min(buf.len());
            buf[..n].copy_from_slice(&self.back[..n]);
            self.back.drain(..n);
            n
        };
        self.pos += n as u64;
        Ok(n)
    }
}

/// A read error: the client's bytes (400, 413) or the server's disk (500).
pub fn read_error(e: io::Error) -> DicomError {
    match e.kind() {
        io::ErrorKind::FileTooLarge => DicomError::TooLarge(e.to_string()),
        io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput | io::ErrorKind::UnexpectedEof => {
            DicomError::Invalid(format!("cannot be read: {e}"))
        }
        _ => DicomError::Io(e),
    }
}

impl<R: Read> Input<R> {
    pub fn new(inner: R, pos: u64) -> Input<R> {
        Input {
            inner,
            back: Vec::new(),
            pos,
            buffer: Vec::new(),
        }
    }

    /// Puts bytes back, to be read again first.
    pub fn unread(&mut self, bytes: &[u8]) {
        let mut back = bytes.to_vec();
        back.extend_from_slice(&self.back);
        self.back = back;
        self.pos -= bytes.len() as u64;
    }

    /// Reads until `buf` is full or the input ends; returns how much was read.
    pub fn fill(&mut self, buf: &mut [u8]) -> Result<usize, DicomError> {
        crate::ingest::fill(self, buf).map_err(read_error)
    }

    fn exact<const N: usize>(&mut self, at: u64) -> Result<[u8; N], DicomError> {
        let mut buf = [0u8; N];
        if self.fill(&mut buf)? < N {
            return Err(invalid(format!(
                "the file ends inside the element header at byte {at}"
            )));
        }
        Ok(buf)
    }

    /// The next header; `None` at the end of the input when that is allowed there.
    pub fn header(
        &mut self,
        enc: Encoding,
        end_allowed: bool,
    ) -> Result<Option<Header>, DicomError> {
        let at = self.pos;
        let mut tag = [0u8; 4];
        match self.fill(&mut tag)? {
            0 if end_allowed => return Ok(None),
            4 => {}
            _ => {
                return Err(invalid(format!(
                    "the file ends inside an element or item at byte {at}"
                )));
            }
        }
        let tag = u32::from(enc.u16([tag[0], tag[1]])) << 16 | u32::from(enc.u16([tag[2], tag[3]]));
        if tag >> 16 == 0xFFFE || !enc.explicit {
            let len = enc.u32(self.exact(at)?);
            return Ok(Some(Header {
                tag,
                vr: None,
                len,
                at,
            }));
        }
        let code: [u8; 2] = self.exact(at)?;
        let vr = VR::from_binary(code).ok_or_else(|| {
            invalid(format!(
                "unknown value representation {:?} at byte {at}",
                String::from_utf8_lossy(&code)
            ))
        })?;
        let len = if has_long_length(vr) {
            let _reserved: [u8; 2] = self.exact(at)?;
            enc.u32(self.exact(at)?)
        } else {
            u32::from(enc.u16(self.exact(at)?))
        };
        Ok(Some(Header {
            tag,
            vr: Some(vr),
            len,
            at,
        }))
    }

    fn truncated(&self, len: u64, at: u64) -> DicomError {
        invalid(format!(
            "an element at byte {at} claims {len} bytes; the file ends before"
        ))
    }

    /// Whether the input is at `end`, where `what` (an item, a sequence) of defined length
    /// ends; past it is an error.
    pub fn reached(&self, end: u64, what: &str) -> Result<bool, DicomError> {
        if self.pos > end {
            return Err(invalid(format!(
                "{what} ends past its declared length at byte {}",
                self.pos
            )));
        }
        Ok(self.pos == end)
    }

    /// Skips `len` bytes that must be there.
    pub fn skip(&mut self, len: u64, at: u64) -> Result<(), DicomError> {
        self.pass(len, at, None::<&mut io::Sink>)
    }

    /// Copies `len` bytes that must be there.
    pub fn copy(&mut self, len: u64, at: u64, out: &mut impl Write) -> Result<(), DicomError> {
        self.pass(len, at, Some(out))
    }

    fn pass<W: Write>(
        &mut self,
        len: u64,
        at: u64,
        mut out: Option<&mut W>,
    ) -> Result<(), DicomError> {
        if self.buffer.is_empty() {
            self.buffer = vec![0u8; COPY_BUFFER];
        }
        let mut buffer = std::mem::take(&mut self.buffer);
        let mut left = len;
        let result = loop {
            if left == 0 {
                break Ok(());
            }
            let want = usize::try_from(left.min(COPY_BUFFER as u64)).unwrap_or(COPY_BUFFER);
            let got = match self.fill(&mut buffer[..want]) {
                Ok(got) => got,
                Err(e) => break Err(e),
            };
            if let Some(out) = out.as_mut()
                && let Err(e) = out.write_all(&buffer[..got])
            {
                break Err(DicomError::Io(e));
            }
            left -= got as u64;
            if got < want {
                break Err(self.truncated(len, at));
            }
        };
        self.buffer = buffer;
        result
    }

    /// A value of `len` bytes read whole, or `None` (skipped) when longer than `cap`.
    pub fn value(&mut self, len: u32, cap: u32, at: u64) -> Result<Option<Vec<u8>>, DicomError> {
        if len > cap {
            self.skip(u64::from(len), at)?;
            return Ok(None);
        }
        let mut value = vec![0u8; len as usize];
        if self.fill(&mut value)? < value.len() {
            return Err(self.truncated(u64::from(len), at));
        }
        Ok(Some(value))
    }
}

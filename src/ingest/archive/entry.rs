//! One entry of an archive, looked at by its content: a DICOM file is de-identified as it is
//! inflated, a zip archive is extracted to be opened in turn, a compressed file or archive of
//! another kind is refused, and any other entry is scanned for a DICOM file hidden in it. An
//! entry is never inflated beyond the size it declares.

use std::io::{self, BufWriter, Cursor, Read, Seek, Write};
use std::path::Path;

use tempfile::NamedTempFile;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::{LARGE_ENTRY, write_failed};
use crate::domain::sniff::{ContentScan, SNIFF_BYTES, Sniffed, sniff};
use crate::ingest::{IngestError, Options, dicom, fill};

const CHUNK: usize = 64 * 1024;

/// An entry's name as shown in a message: no control characters, not too long.
pub(super) fn shown(name: &str) -> String {
    let clean: String = name.chars().filter(|c| !c.is_control()).take(120).collect();
    format!("{clean:?}")
}

/// A read error inside entry `name`: the client's bytes (400) or the server's disk (500).
fn entry_error(name: &str, e: io::Error) -> IngestError {
    match e.kind() {
        io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput | io::ErrorKind::UnexpectedEof => {
            IngestError::Invalid(format!("entry {} cannot be read: {e}", shown(name)))
        }
        _ => IngestError::Io(e),
    }
}

/// What to do with an entry once its content has been looked at.
pub(super) enum Verdict {
    /// Copy it from the original archive, compressed as it is.
    Copy,
    /// Already written, de-identified.
    Written(dicom::Deidentified),
    /// A zip archive, extracted here, to open in turn.
    Nested(NamedTempFile),
}

/// Inflates entry `i` (never more than it declared) and decides what it is by its content.
#[allow(clippy::too_many_arguments)]
pub(super) fn look_at<R: Read + Seek, W: Write + Seek>(
    archive: &mut ZipArchive<R>,
    writer: &mut ZipWriter<W>,
    i: usize,
    name: &str,
    declared: u64,
    options: &Options,
    budget_left: u64,
    tmp_dir: &Path,
    depth: usize,
) -> Result<Verdict, IngestError> {
    let entry = archive
        .by_index(i)
        .map_err(|e| IngestError::Invalid(format!("entry {} cannot be read: {e}", shown(name))))?;
    let mut reader = Capped {
        inner: entry,
        left: declared,
    };
    let mut head = vec![0u8; SNIFF_BYTES];
    let got = fill(&mut reader, &mut head).map_err(|e| entry_error(name, e))?;
    head.truncate(got);
    match sniff(&head) {
        Sniffed::Dicom => {
            let options_for_entry = SimpleFileOptions::default()
                .compression_method(CompressionMethod::Deflated)
                .large_file(declared >= LARGE_ENTRY);
            writer
                .start_file(name, options_for_entry)
                .map_err(write_failed)?;
            let done = dicom::deidentify(
                Cursor::new(head).chain(reader),
                &mut *writer,
                &options.profile,
                budget_left,
            )
            .map_err(|e| IngestError::dicom(&format!("entry {}", shown(name)), e))?;
            Ok(Verdict::Written(done))
        }
        Sniffed::Zip if depth >= options.limits.max_archive_depth => {
            Err(IngestError::Invalid(format!(
                "entry {} is a zip archive nested {} levels deep; at most {} levels \
                 of archives are opened",
                shown(name),
                depth + 1,
                options.limits.max_archive_depth
            )))
        }
        Sniffed::Zip => {
            let mut extracted = NamedTempFile::new_in(tmp_dir)?;
            {
                let mut to = BufWriter::new(extracted.as_file_mut());
                to.write_all(&head)?;
                each_chunk(&mut reader, name, |chunk| to.write_all(chunk))?;
                to.flush()?;
            }
            Ok(Verdict::Nested(extracted))
        }
        Sniffed::Refused(refusal) => Err(IngestError::Invalid(format!(
            "entry {} {}",
            shown(name),
            refusal.reason()
        ))),
        Sniffed::Other => {
            let mut scan = ContentScan::new();
            scan.feed(&head);
            each_chunk(&mut reader, name, |chunk| {
                scan.feed(chunk);
                Ok(())
            })?;
            match scan.finish() {
                Some(hidden) => Err(IngestError::Invalid(format!(
                    "entry {} {}",
                    shown(name),
                    hidden.reason()
                ))),
                None => Ok(Verdict::Copy),
            }
        }
    }
}

/// Reads the rest of entry `name` chunk by chunk, handing each to `f`.
fn each_chunk(
    reader: &mut impl Read,
    name: &str,
    mut f: impl FnMut(&[u8]) -> io::Result<()>,
) -> Result<(), IngestError> {
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let n = reader.read(&mut chunk).map_err(|e| entry_error(name, e))?;
        if n == 0 {
            return Ok(());
        }
        f(&chunk[..n])?;
    }
}

/// An entry's bytes, at most as many as it declared.
struct Capped<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            let mut one = [0u8; 1];
            return match self.inner.read(&mut one)? {
                0 => Ok(0),
                _ => Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "it holds more bytes than its header declares",
                )),
            };
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

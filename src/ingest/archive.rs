//! Zip archives. Every entry is looked at by its content, whatever its name: a DICOM file is
//! de-identified as it is inflated, a zip archive is opened in turn (a few levels deep), a
//! compressed file or archive of another kind is refused (it could hide a DICOM file), and any
//! other entry is scanned for a DICOM file hidden in it, then copied as it is (still
//! compressed). An archive with no DICOM in it is stored unchanged.
//!
//! Bounds: the list of entries is read within a byte budget (the zip reader holds it in
//! memory); the entries of an upload (nested archives included) are counted; each entry's
//! declared size is charged to the upload's unpacking budget before a byte of it is inflated,
//! and an entry that inflates to more than it declared is refused.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Cursor, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::rc::Rc;

use tempfile::NamedTempFile;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::{DicomInfo, IngestError, Ingested, Options, dicom};
use crate::domain::sniff::{ContentScan, SNIFF_BYTES, Sniffed, sniff};

/// Entries this large or larger are written with zip64 headers (a rewritten DICOM file can be
/// a little longer than the original).
const LARGE_ENTRY: u64 = 1 << 31;
const CHUNK: usize = 64 * 1024;
/// Bytes the zip reader may read to learn an archive's list of entries (its central directory
/// and end records). It holds the list in memory, a few hundred bytes an entry: this bounds that
/// memory, and leaves room for 50,000 entries with paths of 250 characters.
const MAX_DIRECTORY_BYTES: u64 = 16 * 1024 * 1024;
/// Where a zip end record can be: its 22 bytes and a comment of at most 65,535.
const END_RECORD_WINDOW: u64 = 22 + 0xFFFF;

/// What one upload has unpacked so far.
struct Budget {
    entries: usize,
    bytes: u64,
}

pub(super) fn ingest_zip(
    spool: &Path,
    tmp_dir: &Path,
    options: &Options,
) -> Result<Ingested, IngestError> {
    let mut budget = Budget {
        entries: 0,
        bytes: 0,
    };
    rewrite(spool, tmp_dir, options, &mut budget, 1)
}

fn unreadable(e: zip::result::ZipError) -> IngestError {
    match e {
        zip::result::ZipError::Io(e) if e.kind() == io::ErrorKind::FileTooLarge => {
            IngestError::TooLarge(format!("file: {e}"))
        }
        e => IngestError::Invalid(format!("not a readable zip archive: {e}")),
    }
}

fn write_failed(e: zip::result::ZipError) -> IngestError {
    IngestError::Io(io::Error::other(e))
}

/// An entry's name as shown in a message: no control characters, not too long.
fn shown(name: &str) -> String {
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
enum Verdict {
    /// Copy it from the original archive, compressed as it is.
    Copy,
    /// Already written, de-identified.
    Written(dicom::Deidentified),
    /// A zip archive, extracted here, to open in turn.
    Nested(NamedTempFile),
}

fn rewrite(
    path: &Path,
    tmp_dir: &Path,
    options: &Options,
    budget: &mut Budget,
    depth: usize,
) -> Result<Ingested, IngestError> {
    let limits = &options.limits;
    let mut file = File::open(path)?;
    check_declared_entries(&mut file, limits.max_entries)?;
    let budget_left = Rc::new(Cell::new(Some(MAX_DIRECTORY_BYTES)));
    let reader = Metered {
        inner: BufReader::new(file),
        left: budget_left.clone(),
    };
    let mut archive = ZipArchive::new(reader).map_err(unreadable)?;
    // The list is read: entries are bounded by the unpacking budget from here on.
    budget_left.set(None);
    budget.entries += archive.len();
    if budget.entries > limits.max_entries {
        return Err(IngestError::TooLarge(format!(
            "file: the archive holds more than {} entries (nested archives included)",
            limits.max_entries
        )));
    }
    let mut out = NamedTempFile::new_in(tmp_dir)?;
    let mut info = DicomInfo::default();
    let mut rewritten = false;
    {
        let mut writer = ZipWriter::new(BufWriter::new(out.as_file_mut()));
        for i in 0..archive.len() {
            // Directories too: one named `x/` can hold bytes all the same.
            let (name, encrypted, declared) = {
                let entry = archive.by_index_raw(i).map_err(unreadable)?;
                let name = entry.name().map_err(unreadable)?.into_owned();
                (name, entry.encrypted(), entry.size())
            };
            if encrypted {
                return Err(IngestError::Invalid(format!(
                    "entry {} is encrypted; send it unencrypted so that it can be checked \
                     for identifying DICOM headers",
                    shown(&name)
                )));
            }
            budget.bytes = budget.bytes.saturating_add(declared);
            if budget.bytes > limits.max_unpacked_bytes {
                return Err(IngestError::TooLarge(format!(
                    "file: the archive unpacks to more than {} bytes",
                    limits.max_unpacked_bytes
                )));
            }
            let left = limits.max_unpacked_bytes - budget.bytes;
            let verdict = look_at(
                &mut archive,
                &mut writer,
                i,
                &name,
                declared,
                options,
                left,
                tmp_dir,
                depth,
            )?;
            match verdict {
                Verdict::Copy => copy_raw(&mut archive, &mut writer, i)?,
                Verdict::Written(done) => {
                    budget.bytes = budget.bytes.saturating_add(done.inflated);
                    info.add(&done);
                    rewritten = true;
                }
                Verdict::Nested(extracted) => {
                    match rewrite(extracted.path(), tmp_dir, options, budget, depth + 1)? {
                        Ingested::Unchanged => copy_raw(&mut archive, &mut writer, i)?,
                        Ingested::Deidentified { file, dicom } => {
                            let size = file.as_file().metadata()?.len();
                            let options = SimpleFileOptions::default()
                                .compression_method(CompressionMethod::Stored)
                                .large_file(size >= LARGE_ENTRY);
                            writer.start_file(name, options).map_err(write_failed)?;
                            io::copy(&mut File::open(file.path())?, &mut writer)?;
                            info.merge(dicom);
                            rewritten = true;
                        }
                    }
                }
            }
        }
        let inner = writer.finish().map_err(write_failed)?;
        inner.into_inner().map_err(|e| e.into_error())?.flush()?;
    }
    if !rewritten {
        return Ok(Ingested::Unchanged);
    }
    out.as_file_mut().rewind()?;
    Ok(Ingested::Deidentified {
        file: out,
        dicom: info,
    })
}

impl DicomInfo {
    fn merge(&mut self, other: DicomInfo) {
        if self.instances == 0 {
            self.summary = other.summary;
        }
        self.instances += other.instances;
    }
}

fn copy_raw<R: Read + Seek, W: Write + Seek>(
    archive: &mut ZipArchive<R>,
    writer: &mut ZipWriter<W>,
    i: usize,
) -> Result<(), IngestError> {
    let entry = archive.by_index_raw(i).map_err(unreadable)?;
    writer.raw_copy_file(entry).map_err(write_failed)
}

/// Inflates entry `i` (never more than it declared) and decides what it is by its content.
#[allow(clippy::too_many_arguments)]
fn look_at<R: Read + Seek, W: Write + Seek>(
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
                let mut chunk = vec![0u8; CHUNK];
                loop {
                    let n = reader.read(&mut chunk).map_err(|e| entry_error(name, e))?;
                    if n == 0 {
                        break;
                    }
                    to.write_all(&chunk[..n])?;
                }
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
            let mut chunk = vec![0u8; CHUNK];
            loop {
                let n = reader.read(&mut chunk).map_err(|e| entry_error(name, e))?;
                if n == 0 {
                    break;
                }
                scan.feed(&chunk[..n]);
            }
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

/// Refuses an archive whose end record declares more entries than an upload may hold, before
/// the zip reader reads its list. Every plausible end record near the end is checked, whichever
/// the reader ends up using (the zip64 count, when there is one, is bounded by
/// [`MAX_DIRECTORY_BYTES`] instead).
fn check_declared_entries(file: &mut File, max_entries: usize) -> Result<(), IngestError> {
    let len = file.metadata()?.len();
    let window = len.min(END_RECORD_WINDOW);
    file.seek(SeekFrom::Start(len - window))?;
    let mut tail = Vec::with_capacity(usize::try_from(window).unwrap_or(0));
    Read::by_ref(file).take(window).read_to_end(&mut tail)?;
    file.rewind()?;
    for p in memchr::memmem::find_iter(&tail, b"PK\x05\x06") {
        let Some(record) = tail.get(p..p + 22) else {
            continue;
        };
        let entries = u16::from_le_bytes([record[10], record[11]]);
        if entries != 0xFFFF && usize::from(entries) > max_entries {
            return Err(IngestError::TooLarge(format!(
                "file: the archive holds {entries} entries; at most {max_entries} are accepted"
            )));
        }
    }
    Ok(())
}

/// A reader that may read at most so many bytes, then fails with `FileTooLarge`; `None`: no
/// limit (any more).
struct Metered<R> {
    inner: R,
    left: Rc<Cell<Option<u64>>>,
}

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(left) = self.left.get() {
            let Some(left) = left.checked_sub(n as u64) else {
                return Err(io::Error::new(
                    io::ErrorKind::FileTooLarge,
                    format!(
                        "the archive's list of entries is larger than {MAX_DIRECTORY_BYTES} bytes"
                    ),
                ));
            };
            self.left.set(Some(left));
        }
        Ok(n)
    }
}

impl<R: Seek> Seek for Metered<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// Reads until `buf` is full or the reader ends.
fn fill(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{Dates, Limits, Profile, PseudonymKey};

    fn options() -> Options {
        Options {
            limits: Limits::default(),
            profile: Profile::new(
                Dates::Keep,
                PseudonymKey::from_secret(b"t").for_dossier("d"),
            ),
        }
    }

    fn write_zip(path: &Path, entries: impl Iterator<Item = (String, Vec<u8>)>, stored: bool) {
        let mut zip = ZipWriter::new(File::create(path).unwrap());
        let method = if stored {
            CompressionMethod::Stored
        } else {
            CompressionMethod::Deflated
        };
        for (name, bytes) in entries {
            let options = SimpleFileOptions::default().compression_method(method);
            zip.start_file(name, options).unwrap();
            zip.write_all(&bytes).unwrap();
        }
        zip.finish().unwrap();
    }

    #[test]
    fn a_large_archive_is_read_within_the_directory_budget() {
        // 48 MiB of stored entries: the reader must not read through them to find the list.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("large.zip");
        let entries = (0..3).map(|i| (format!("video-{i}.bin"), vec![b'v'; 16 * 1024 * 1024]));
        write_zip(&path, entries, true);
        let result = ingest_zip(&path, dir.path(), &options()).unwrap();
        assert!(matches!(result, Ingested::Unchanged));
    }

    #[test]
    fn oversized_lists_of_entries_are_refused_before_they_are_read() {
        let dir = tempfile::tempdir().unwrap();
        // A list of 17 MiB: 20,000 entries with 850-character names.
        let path = dir.path().join("names.zip");
        let entries = (0..20_000).map(|i| (format!("{i:0>850}"), Vec::new()));
        write_zip(&path, entries, true);
        let err = ingest_zip(&path, dir.path(), &options()).unwrap_err();
        assert!(matches!(err, IngestError::TooLarge(_)), "{err}");
        // An end record declaring more entries than accepted.
        let path = dir.path().join("count.zip");
        write_zip(&path, (0..2).map(|i| (format!("{i}"), Vec::new())), true);
        let mut bytes = std::fs::read(&path).unwrap();
        let end = memchr::memmem::rfind(&bytes, b"PK\x05\x06").unwrap();
        bytes[end + 8..end + 12].copy_from_slice(&[0x60, 0xEA, 0x60, 0xEA]);
        std::fs::write(&path, bytes).unwrap();
        let err = ingest_zip(&path, dir.path(), &options()).unwrap_err();
        assert!(err.to_string().contains("60000 entries"), "{err}");
    }
}

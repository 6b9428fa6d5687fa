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
//!
//! Here the archive is rewritten entry by entry; `entry.rs` looks at one entry's content and
//! decides what it is, `directory.rs` bounds the reading of the list of entries.

mod directory;
mod entry;

use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};
use std::path::Path;
use std::rc::Rc;

use tempfile::NamedTempFile;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::{DicomInfo, IngestError, Ingested, Options};
use directory::{MAX_DIRECTORY_BYTES, Metered, check_declared_entries};
use entry::{Verdict, look_at, shown};

/// Entries this large or larger are written with zip64 headers (a rewritten DICOM file can be
/// a little longer than the original).
const LARGE_ENTRY: u64 = 1 << 31;

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

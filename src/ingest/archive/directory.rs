//! The list of an archive's entries (its central directory), read within bounds: the entry
//! count its end record declares is checked before the zip reader reads it, and the reader
//! may read only so many bytes to learn it.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::rc::Rc;

use crate::ingest::IngestError;

/// Bytes the zip reader may read to learn an archive's list of entries (its central directory
/// and end records). It holds the list in memory, a few hundred bytes an entry: this bounds that
/// memory, and leaves room for 50,000 entries with paths of 250 characters.
pub(super) const MAX_DIRECTORY_BYTES: u64 = 16 * 1024 * 1024;
/// Where a zip end record can be: its 22 bytes and a comment of at most 65,535.
const END_RECORD_WINDOW: u64 = 22 + 0xFFFF;

/// Refuses an archive whose end record declares more entries than an upload may hold, before
/// the zip reader reads its list. Every plausible end record near the end is checked, whichever
/// the reader ends up using (the zip64 count, when there is one, is bounded by
/// [`MAX_DIRECTORY_BYTES`] instead).
pub(super) fn check_declared_entries(
    file: &mut File,
    max_entries: usize,
) -> Result<(), IngestError> {
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
pub(super) struct Metered<R> {
    pub(super) inner: R,
    pub(super) left: Rc<Cell<Option<u64>>>,
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

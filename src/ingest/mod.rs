//! What happens to an upload between the client and the store when it is DICOM: a Part-10
//! file, or a zip archive holding some, is read from its spool file, de-identified, and written
//! to a new temporary file whose bytes are the ones stored. Blocking code: run it off the async
//! workers, and not too many at once (the caller holds a slot, see `http/upload.rs`).
//!
//! Memory does not depend on the upload: DICOM files are rewritten element by element as
//! streams (`dicom/`), zip entries are inflated as streams and never held whole (`archive.rs`).
//! What an upload may unpack is bounded: zip entries are counted, and every entry's declared
//! size is checked against what is left of the budget before it is inflated.

mod archive;
pub mod dicom;
pub mod store;

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use tempfile::NamedTempFile;

use crate::domain::sniff::Sniffed;
pub use dicom::{Dates, DicomError, DicomSummary, Profile, PseudonymKey};

/// Bounds on what one upload may unpack.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Entries in a zip archive, those of nested archives included.
    pub max_entries: usize,
    /// Bytes unpacked from one upload (zip entries, deflated DICOM data sets): a zip bomb stops
    /// here, before it fills the disk.
    pub max_unpacked_bytes: u64,
    /// How deep zip archives may be nested in zip archives (1: no archive in the upload's).
    pub max_archive_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 50_000,
            max_unpacked_bytes: 16 * 1024 * 1024 * 1024,
            max_archive_depth: 3,
        }
    }
}

/// DICOM found in an upload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DicomInfo {
    /// From the first DICOM file.
    pub summary: DicomSummary,
    /// DICOM files (instances), a DICOMDIR not counted.
    pub instances: u64,
}

impl DicomInfo {
    fn add(&mut self, file: &dicom::Deidentified) {
        if file.is_directory {
            return;
        }
        if self.instances == 0 {
            self.summary = file.summary.clone();
        }
        self.instances += 1;
    }
}

/// What to store.
#[derive(Debug)]
pub enum Ingested {
    /// The upload as it came (no DICOM in it).
    Unchanged,
    /// De-identified bytes, in this temporary file, to store instead of the upload.
    Deidentified {
        file: NamedTempFile,
        dicom: DicomInfo,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The client's file is not what it claims to be, or could hide identifying data (400; the
    /// message is shown after "file: ").
    #[error("{0}")]
    Invalid(String),
    /// Beyond the limits (413).
    #[error("{0}")]
    TooLarge(String),
    /// A DICOM file we cannot read (415).
    #[error("{0}")]
    Unsupported(String),
    #[error("cannot process the upload: {0}")]
    Io(#[from] std::io::Error),
}

impl IngestError {
    /// The error of a DICOM file, `what` being "the file" or "entry NAME".
    fn dicom(what: &str, e: DicomError) -> IngestError {
        match e {
            DicomError::Invalid(_) => IngestError::Invalid(format!("{what} is {e}")),
            DicomError::Unsupported(ts) => IngestError::Unsupported(format!(
                "file: {what} uses the DICOM transfer syntax {ts}, which is not supported"
            )),
            DicomError::TooLarge(why) => IngestError::TooLarge(format!("file: in {what}, {why}")),
            DicomError::Io(e) => IngestError::Io(e),
        }
    }
}

/// Reads until `buf` is full or the reader ends; returns how much was read.
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

/// How an upload is ingested.
#[derive(Debug, Clone)]
pub struct Options {
    pub limits: Limits,
    pub profile: Profile,
}

/// De-identifies the spooled upload at `spool` if it is DICOM or a zip archive.
pub fn ingest(
    spool: &Path,
    kind: Sniffed,
    tmp_dir: &Path,
    options: &Options,
) -> Result<Ingested, IngestError> {
    match kind {
        Sniffed::Other => Ok(Ingested::Unchanged),
        Sniffed::Refused(refusal) => Err(IngestError::Invalid(format!(
            "the file {}",
            refusal.reason()
        ))),
        Sniffed::Dicom => {
            let mut out = NamedTempFile::new_in(tmp_dir)?;
            let done = dicom::deidentify(
                File::open(spool)?,
                out.as_file_mut(),
                &options.profile,
                options.limits.max_unpacked_bytes,
            )
            .map_err(|e| IngestError::dicom("the file", e))?;
            out.as_file_mut().flush()?;
            let mut info = DicomInfo::default();
            info.add(&done);
            Ok(Ingested::Deidentified {
                file: out,
                dicom: info,
            })
        }
        Sniffed::Zip => archive::ingest_zip(spool, tmp_dir, options),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sniff::sniff;

    /// The fuzzing corpus (a real instance, a series zip, the 3 GiB-element regression) goes
    /// through ingest without a panic; what is kept no longer has a DICOM signature unless it
    /// was de-identified.
    #[test]
    fn fuzz_corpus_is_ingested_or_refused() {
        let dir = tempfile::tempdir().unwrap();
        let options = Options {
            limits: Limits::default(),
            profile: Profile::new(
                Dates::Keep,
                PseudonymKey::from_secret(b"corpus").for_dossier("d"),
            ),
        };
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/dicom_ingest");
        let mut seen = 0;
        for entry in std::fs::read_dir(corpus).unwrap() {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            let result = ingest(&path, sniff(&bytes), dir.path(), &options);
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            match (name.as_str(), result) {
                ("regression-3gib-element.dcm", Err(IngestError::Invalid(why))) => {
                    assert!(why.contains("not a readable DICOM"), "{why}");
                }
                ("regression-3gib-element.dcm", other) => panic!("{name}: {other:?}"),
                (_, Ok(Ingested::Deidentified { dicom, .. })) => assert!(dicom.instances >= 1),
                (_, other) => panic!("{name}: {other:?}"),
            }
            seen += 1;
        }
        assert!(seen >= 3);
    }
}

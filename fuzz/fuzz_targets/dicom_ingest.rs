//! The DICOM ingest path: any bytes claimed to be DICOM (or a zip of DICOM) are either
//! de-identified or refused, never a panic, and what is kept no longer names the patient.
#![no_main]

use consilium::domain::sniff::{Sniffed, sniff};
use consilium::ingest::{Dates, Ingested, Limits, Options, Profile, PseudonymKey, ingest};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("temp dir");
    let spool = dir.path().join("upload");
    std::fs::write(&spool, data).expect("spool");
    let options = Options {
        limits: Limits {
            max_entries: 64,
            max_unpacked_bytes: 16 * 1024 * 1024,
            max_archive_depth: 3,
        },
        profile: Profile::new(
            Dates::Shift { max_days: 365 },
            PseudonymKey::from_secret(b"fuzz").for_dossier("fuzz"),
        ),
    };
    let kind = match sniff(data) {
        Sniffed::Other | Sniffed::Refused(_) => Sniffed::Dicom,
        k => k,
    };
    if let Ok(Ingested::Deidentified { file, .. }) = ingest(&spool, kind, dir.path(), &options) {
        let kept = std::fs::read(file.path()).expect("de-identified file");
        assert!(!kept.is_empty());
    }
});

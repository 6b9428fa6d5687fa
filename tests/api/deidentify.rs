//! Security issue 11: hostile uploads against the de-identification, on SQLite and on
//! PostgreSQL (local object store, so that leftovers can be seen on disk).
//!
//! - Point 1: a small zip holding a ~500 MiB DICOM is de-identified as a stream (the process's
//!   memory does not follow the file), uploads wait for a de-identification turn (503 with
//!   `Retry-After` when none comes), and what an archive may unpack is bounded before inflating.
//! - Point 5: a DICOM file without its preamble, a zip inside a zip, a zip behind a prefix byte,
//!   gzip and tar archives, a bare data set, a DICOM file inside another format, an encrypted
//!   entry: each is de-identified or refused, and nothing identifying is ever stored.
//! - The PS3.15 basic profile: what is removed, emptied, replaced and kept.

use std::io::{Cursor, Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use dicom_core::value::DataSetSequence;
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::meta::FileMetaTableBuilder;
use dicom_object::{FileDicomObject, InMemDicomObject};
use serde_json::Value;
use zip::write::SimpleFileOptions;

use crate::attachments::{Fixture, IDENTIFIERS, Store, contains, dicom_file};
use crate::helpers::{Backend, Options, Resp};
use crate::on_both;

on_both!(
    hostile_zip_streams_and_waits_its_turn,
    archives_are_bounded_before_they_inflate,
    deidentification_cannot_be_bypassed,
    dicom_follows_the_basic_profile,
);

const MIB: usize = 1024 * 1024;

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    for (name, bytes) in entries {
        zip.start_file(*name, SimpleFileOptions::default()).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

/// A zip holding one DICOM file whose pixel data is `pixels` zero bytes: small to send, large
/// to unpack (the probe of the issue).
fn hostile_zip(pixels: u32) -> Vec<u8> {
    let mut head = dicom_file("DUPONT^JEANNE", "T2 FLAIR");
    // The builder's pixel data (OW, 4096 bytes) is its last element; a large one replaces it.
    head.truncate(head.len() - 12 - 4096);
    head.extend_from_slice(&[0xE0, 0x7F, 0x10, 0x00, b'O', b'W', 0, 0]);
    head.extend_from_slice(&pixels.to_le_bytes());
    let mut out = Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    zip.start_file("series/IM0001", SimpleFileOptions::default())
        .unwrap();
    zip.write_all(&head).unwrap();
    let zeros = vec![0u8; MIB];
    let mut left = pixels as usize;
    while left > 0 {
        let n = left.min(MIB);
        zip.write_all(&zeros[..n]).unwrap();
        left -= n;
    }
    zip.finish().unwrap();
    out.into_inner()
}

fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap();
    kb * 1024
}

/// The peak resident memory of this process (the server runs in it) while it samples.
struct PeakRss {
    peak: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl PeakRss {
    fn start() -> PeakRss {
        let (peak, stop) = (
            Arc::new(AtomicU64::new(0)),
            Arc::new(AtomicBool::new(false)),
        );
        let (p, s) = (peak.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                p.fetch_max(rss_bytes(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        PeakRss { peak, stop, thread }
    }

    fn finish(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap();
        self.peak.load(Ordering::Relaxed)
    }
}

async fn stored(f: &Fixture, att: &Value) -> Vec<u8> {
    let res = f
        .download(&f.member.token, att["id"].as_str().unwrap(), &[])
        .await;
    assert_eq!(res.status(), 200);
    res.bytes().await.unwrap().to_vec()
}

#[track_caller]
fn assert_no_identifiers(bytes: &[u8], what: &str) {
    for id in IDENTIFIERS {
        assert!(!contains(bytes, id.as_bytes()), "{id} stored in {what}");
    }
}

fn entry_of(zip_bytes: &[u8], name: &str) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip_bytes)).unwrap();
    let mut out = Vec::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_end(&mut out)
        .unwrap();
    out
}

async fn hostile_zip_streams_and_waits_its_turn(backend: Backend) {
    let options = Options {
        deidentify_concurrency: Some(1),
        deidentify_queue_secs: Some(0),
        ..Options::default()
    };
    let f = Fixture::with_options(backend, Store::Files, options).await;
    let pixels = 500 * MIB as u32;
    let hostile = hostile_zip(pixels);
    assert!(hostile.len() < 2 * MIB, "{} bytes", hostile.len());
    let token = Some(f.referrer.token.as_str());

    let before = rss_bytes();
    let sampler = PeakRss::start();
    let first = f.upload(token, "hostile.zip", hostile);
    let second = async {
        // The first upload holds the only turn while its output file sits beside its spool
        // file; another upload then finds no turn and is told to come back.
        let mut waited = 0;
        while f.spooled_files().len() < 2 {
            tokio::time::sleep(Duration::from_millis(5)).await;
            waited += 1;
            assert!(waited < 12_000, "the first upload never started");
        }
        f.upload(token, "IM0002.dcm", dicom_file("DUPONT^JEANNE", "T1"))
            .await
    };
    let (first, second) = tokio::join!(first, second);
    let peak = sampler.finish();

    let att = first.expect(201).clone();
    assert_eq!(att["deidentified"], true);
    assert_eq!(att["dicom"]["instances"], 1);
    assert_eq!(att["dicom"]["modality"], "MR");
    // Before: the file was read whole, parsed whole and written whole (about four times its
    // size, 2 GB for this one). Now the process grows by a few buffers.
    let grown = peak.saturating_sub(before);
    assert!(
        grown < 200 * MIB as u64,
        "the process grew by {} MiB while de-identifying",
        grown / MIB as u64
    );
    second.expect_problem(503, "unavailable");
    assert!(
        second.header("retry-after").is_some(),
        "{:?}",
        second.headers
    );
    f.assert_only_kept(1).await;

    // What is stored is the de-identified file with all its pixels.
    let zip_bytes = stored(&f, &att).await;
    let mut archive = zip::ZipArchive::new(Cursor::new(zip_bytes)).unwrap();
    let mut entry = archive.by_name("series/IM0001").unwrap();
    let mut head = vec![0u8; 64 * 1024];
    entry.read_exact(&mut head).unwrap();
    assert_no_identifiers(&head, "the header");
    let rest = std::io::copy(&mut entry, &mut std::io::sink()).unwrap();
    assert!(head.len() as u64 + rest > u64::from(pixels));
}

/// `zip` with the uncompressed size of its only entry replaced in both of its headers.
fn with_declared_size(mut zip: Vec<u8>, size: u32) -> Vec<u8> {
    let local = memchr::memmem::find(&zip, b"PK\x03\x04").unwrap();
    zip[local + 22..local + 26].copy_from_slice(&size.to_le_bytes());
    let central = memchr::memmem::find(&zip, b"PK\x01\x02").unwrap();
    zip[central + 24..central + 28].copy_from_slice(&size.to_le_bytes());
    zip
}

async fn archives_are_bounded_before_they_inflate(backend: Backend) {
    let options = Options {
        max_unpacked_bytes: Some(8 * MIB as u64),
        ..Options::default()
    };
    let f = Fixture::with_options(backend, Store::Files, options).await;
    let token = Some(f.referrer.token.as_str());
    let notes = vec![b'a'; 5 * MIB];
    // Two entries of 5 MiB: more than the 8 MiB an upload may unpack here.
    let two = zip_of(&[("notes/a.txt", &notes), ("notes/b.txt", &notes)]);
    assert!(two.len() < 100 * 1024);
    let res = f.upload(token, "notes.zip", two).await;
    res.expect_problem(413, "too_large");
    assert!(res.body["detail"].as_str().unwrap().contains("unpacks"));
    // An entry declaring 3 GiB: refused before a byte of it is inflated.
    let huge = with_declared_size(zip_of(&[("a.txt", b"small")]), 0xC000_0000);
    f.upload(token, "huge.zip", huge)
        .await
        .expect_problem(413, "too_large");
    // An entry declaring 1 KiB that inflates to 5 MiB.
    let liar = with_declared_size(zip_of(&[("a.txt", &notes)]), 1024);
    let res = f.upload(token, "liar.zip", liar).await;
    res.expect_invalid("file");
    f.assert_only_kept(0).await;
    // Within the bounds, fine.
    let one = zip_of(&[("notes/a.txt", &notes)]);
    let att = f.upload(token, "notes.zip", one).await.expect(201).clone();
    assert_eq!(att["deidentified"], false);
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// A tar archive of one file (header fields other than the name, size and magic left zero).
fn tar_of(name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut header = vec![0u8; 512];
    header[..name.len()].copy_from_slice(name.as_bytes());
    let size = format!("{:011o}\0", bytes.len());
    header[124..136].copy_from_slice(size.as_bytes());
    header[257..265].copy_from_slice(b"ustar\x0000");
    let mut out = header;
    out.extend_from_slice(bytes);
    out.resize(out.len().div_ceil(512) * 512 + 1024, 0);
    out
}

/// `zip` with its entries marked as encrypted.
fn marked_encrypted(mut zip: Vec<u8>) -> Vec<u8> {
    for (signature, flags_at) in [(&b"PK\x03\x04"[..], 6), (&b"PK\x01\x02"[..], 8)] {
        let at = memchr::memmem::find(&zip, signature).unwrap() + flags_at;
        zip[at] |= 1;
    }
    zip
}

async fn deidentification_cannot_be_bypassed(backend: Backend) {
    let f = Fixture::with_options(backend, Store::Files, Options::default()).await;
    let token = Some(f.referrer.token.as_str());
    let dicom = dicom_file("DUPONT^JEANNE", "T2 FLAIR");
    assert!(contains(&dicom, b"DUPONT^JEANNE"));

    // A DICOM file without its 128-byte preamble: de-identified, stored with one.
    let res = f.upload(token, "IM0001", dicom[128..].to_vec()).await;
    let att = res.expect(201).clone();
    assert_eq!(att["deidentified"], true);
    assert_eq!(att["content_type"], "application/dicom");
    assert_eq!(att["dicom"]["series_description"], "T2 FLAIR");
    let bytes = stored(&f, &att).await;
    assert_eq!(&bytes[128..132], b"DICM");
    assert_no_identifiers(&bytes, "a DICOM file without preamble");

    // A zip inside a zip (inside a zip): opened, de-identified, instances counted.
    let inner = zip_of(&[("IM0001.dcm", &dicom)]);
    let middle = zip_of(&[("series.zip", &inner)]);
    let outer = zip_of(&[("study/middle.zip", &middle), ("README.txt", b"export")]);
    let att = f
        .upload(token, "study.zip", outer)
        .await
        .expect(201)
        .clone();
    assert_eq!(att["deidentified"], true);
    assert_eq!(att["dicom"]["instances"], 1);
    let bytes = stored(&f, &att).await;
    let file = entry_of(
        &entry_of(&entry_of(&bytes, "study/middle.zip"), "series.zip"),
        "IM0001.dcm",
    );
    assert_eq!(&file[128..132], b"DICM");
    assert_no_identifiers(&file, "a nested zip");

    // Refused, each with a clear reason, nothing kept.
    let zipped = zip_of(&[("IM0001.dcm", &dicom)]);
    let mut prefixed = b"X".to_vec();
    prefixed.extend_from_slice(&zipped);
    let meta_len = u32::from_le_bytes(dicom[140..144].try_into().unwrap()) as usize;
    let bare = dicom[144 + meta_len..].to_vec();
    let mut in_pdf = b"%PDF-1.7\n1 0 obj\n<< /Length 9 >>\nstream\n".to_vec();
    in_pdf.extend_from_slice(&dicom);
    in_pdf.extend_from_slice(b"\nendstream\nendobj\n%%EOF\n");
    let too_deep = zip_of(&[("d.zip", &zip_of(&[("c.zip", &middle)]))]);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("prefixed.zip", prefixed, "zip archive"),
        ("IM0001.dcm.gz", gzip(&dicom), "gzip"),
        ("series.tar", tar_of("IM0001.dcm", &dicom), "tar"),
        ("dataset.dcm", bare, "Part-10 header"),
        ("report.pdf", in_pdf, "DICOM file"),
        (
            "gz-inside.zip",
            zip_of(&[("IM0001.dcm.gz", &gzip(&dicom))]),
            "gzip",
        ),
        (
            "pdf-inside.zip",
            zip_of(&[("report.pdf", &{
                let mut v = b"%PDF-1.7\n".to_vec();
                v.extend_from_slice(&dicom);
                v
            })]),
            "DICOM file",
        ),
        ("encrypted.zip", marked_encrypted(zipped), "encrypted"),
        ("deep.zip", too_deep, "nested"),
    ];
    for (name, bytes, reason) in cases {
        let res: Resp = f.upload(token, name, bytes).await;
        res.expect_invalid("file");
        let detail = res.body["detail"].as_str().unwrap();
        assert!(detail.contains(reason), "{name}: {detail}");
    }
    f.assert_only_kept(2).await;
}

fn element(tag: Tag, vr: VR, value: &str) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, vr, PrimitiveValue::from(value))
}

/// A DICOM file carrying many of the attributes the profile names.
fn rich_dicom(study_uid: &str, instance_uid: &str, ts: &str) -> Vec<u8> {
    let icon =
        InMemDicomObject::from_element_iter([element(tags::PATIENT_NAME, VR::PN, "ICON^NAME")]);
    let obj = InMemDicomObject::from_element_iter([
        element(tags::SOP_CLASS_UID, VR::UI, "1.2.840.10008.5.1.4.1.1.4"),
        element(tags::SOP_INSTANCE_UID, VR::UI, instance_uid),
        element(tags::STUDY_DATE, VR::DA, "20261103"),
        element(tags::STUDY_TIME, VR::TM, "101500"),
        element(tags::ACCESSION_NUMBER, VR::SH, "ACC-55120"),
        element(tags::MODALITY, VR::CS, "MR"),
        element(tags::MANUFACTURER, VR::LO, "ACME MEDICAL"),
        element(tags::INSTITUTION_NAME, VR::LO, "CHU DE BREST"),
        element(tags::INSTITUTION_ADDRESS, VR::ST, "2 avenue du CHU"),
        element(tags::STATION_NAME, VR::SH, "IRM-NORD-3T"),
        element(tags::STUDY_DESCRIPTION, VR::LO, "IRM cerebrale"),
        element(tags::SERIES_DESCRIPTION, VR::LO, "T2 FLAIR"),
        element(tags::PERFORMING_PHYSICIAN_NAME, VR::PN, "MARTIN^PAUL"),
        element(tags::OPERATORS_NAME, VR::PN, "LEROY^ANNE"),
        element(tags::PATIENT_NAME, VR::PN, "DUPONT^JEANNE"),
        element(tags::PATIENT_ID, VR::LO, "IPP-4471-0923"),
        element(tags::PATIENT_BIRTH_DATE, VR::DA, "19620714"),
        element(tags::PATIENT_SEX, VR::CS, "F"),
        element(tags::PATIENT_AGE, VR::AS, "064Y"),
        element(tags::DEVICE_SERIAL_NUMBER, VR::LO, "SN-889911"),
        element(tags::PROTOCOL_NAME, VR::LO, "BRAIN_FLAIR_AX"),
        element(tags::STUDY_INSTANCE_UID, VR::UI, study_uid),
        element(tags::STUDY_ID, VR::SH, "EX-2026-55120"),
        element(tags::REQUESTING_PHYSICIAN, VR::PN, "DURAND^LUC"),
        element(Tag(0x0029, 0x0010), VR::LO, "SIEMENS CSA HEADER"),
        element(Tag(0x0029, 0x1010), VR::LO, "DUPONT^JEANNE"),
        DataElement::new(
            Tag(0x6000, 0x3000),
            VR::OW,
            PrimitiveValue::U8(vec![0xAA; 64].into()),
        ),
        DataElement::new(
            tags::ICON_IMAGE_SEQUENCE,
            VR::SQ,
            DataSetSequence::from(vec![icon]),
        ),
        DataElement::new(
            tags::PIXEL_DATA,
            VR::OW,
            PrimitiveValue::U8(vec![7u8; 512].into()),
        ),
    ]);
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new()
                .media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.4")
                .media_storage_sop_instance_uid(instance_uid)
                .transfer_syntax(ts),
        )
        .unwrap();
    let mut bytes = Vec::new();
    file.write_all(&mut bytes).unwrap();
    bytes
}

fn open(bytes: &[u8]) -> FileDicomObject<InMemDicomObject> {
    dicom_object::OpenFileOptions::new()
        .read_preamble(dicom_object::file::ReadPreamble::Always)
        .from_reader(bytes)
        .unwrap()
}

fn text(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    obj.get(tag).map(|e| {
        e.to_str()
            .unwrap()
            .trim_end_matches(['\0', ' '])
            .to_string()
    })
}

const STUDY: &str = "1.2.826.0.1.3680043.9.7.1.20261103";

async fn upload_rich(
    f: &Fixture,
    dossier_id: &str,
    instance: &str,
) -> FileDicomObject<InMemDicomObject> {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(rich_dicom(STUDY, instance, "1.2.840.10008.1.2.1"))
            .file_name("IM.dcm"),
    );
    let res = f
        .send_form_to(dossier_id, Some(&f.referrer.token), form)
        .await;
    let att = res.expect(201).clone();
    let bytes = stored(f, &att).await;
    for gone in [
        "DUPONT^JEANNE",
        "IPP-4471-0923",
        "19620714",
        "CHU DE BREST",
        "2 avenue du CHU",
        "IRM-NORD-3T",
        "MARTIN^PAUL",
        "LEROY^ANNE",
        "DURAND^LUC",
        "SN-889911",
        "ACC-55120",
        "EX-2026-55120",
        "SIEMENS",
        "ICON^NAME",
        STUDY,
        instance,
    ] {
        assert!(!contains(&bytes, gone.as_bytes()), "{gone} was stored");
    }
    open(&bytes)
}

async fn dicom_follows_the_basic_profile(backend: Backend) {
    let f = Fixture::with_options(backend, Store::Files, Options::default()).await;
    let obj = upload_rich(&f, f.dossier_id(), "1.2.826.0.1.3680043.9.7.1.20261103.1").await;
    // Emptied (Z, and X/Z/D kept for conformance).
    for tag in [
        tags::PATIENT_NAME,
        tags::PATIENT_ID,
        tags::PATIENT_BIRTH_DATE,
        tags::ACCESSION_NUMBER,
        tags::INSTITUTION_NAME,
        tags::STATION_NAME,
        tags::OPERATORS_NAME,
        tags::DEVICE_SERIAL_NUMBER,
        tags::STUDY_ID,
    ] {
        assert_eq!(text(&obj, tag).as_deref(), Some(""), "{tag}");
    }
    // Removed (X), private elements, overlays, the icon.
    for tag in [
        tags::INSTITUTION_ADDRESS,
        tags::PERFORMING_PHYSICIAN_NAME,
        tags::REQUESTING_PHYSICIAN,
        Tag(0x0029, 0x0010),
        Tag(0x0029, 0x1010),
        Tag(0x6000, 0x3000),
        tags::ICON_IMAGE_SEQUENCE,
    ] {
        assert!(obj.get(tag).is_none(), "{tag} kept");
    }
    // Kept: what the review reads.
    for (tag, value) in [
        (tags::MODALITY, "MR"),
        (tags::MANUFACTURER, "ACME MEDICAL"),
        (tags::STUDY_DESCRIPTION, "IRM cerebrale"),
        (tags::SERIES_DESCRIPTION, "T2 FLAIR"),
        (tags::PROTOCOL_NAME, "BRAIN_FLAIR_AX"),
        (tags::STUDY_DATE, "20261103"),
        (tags::STUDY_TIME, "101500"),
        (tags::PATIENT_SEX, "F"),
        (tags::PATIENT_AGE, "064Y"),
        (tags::SOP_CLASS_UID, "1.2.840.10008.5.1.4.1.1.4"),
        (tags::PATIENT_IDENTITY_REMOVED, "YES"),
        (
            tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED,
            "UNMODIFIED",
        ),
    ] {
        assert_eq!(text(&obj, tag).as_deref(), Some(value), "{tag}");
    }
    assert!(
        text(&obj, tags::DEIDENTIFICATION_METHOD)
            .unwrap()
            .contains("PS3.15")
    );
    assert_eq!(
        obj.get(tags::PIXEL_DATA).unwrap().to_bytes().unwrap().len(),
        512
    );
    // UIDs replaced: the same study in one dossier, another in another dossier.
    let study = text(&obj, tags::STUDY_INSTANCE_UID).unwrap();
    assert!(study.starts_with("2.25."), "{study}");
    let instance = text(&obj, tags::SOP_INSTANCE_UID).unwrap();
    assert_eq!(obj.meta().media_storage_sop_instance_uid(), instance);
    let second = upload_rich(&f, f.dossier_id(), "1.2.826.0.1.3680043.9.7.1.20261103.2").await;
    assert_eq!(text(&second, tags::STUDY_INSTANCE_UID).unwrap(), study);
    assert_ne!(text(&second, tags::SOP_INSTANCE_UID).unwrap(), instance);
    let other = f.another_dossier().await;
    let elsewhere = upload_rich(
        &f,
        other["id"].as_str().unwrap(),
        "1.2.826.0.1.3680043.9.7.1.20261103.1",
    )
    .await;
    assert_ne!(text(&elsewhere, tags::STUDY_INSTANCE_UID).unwrap(), study);

    // A transfer syntax we cannot read (a private one, written over the standard one): 415.
    let mut private = rich_dicom(STUDY, "1.2.3.4", "1.2.840.10008.1.2.1");
    let at = memchr::memmem::find(&private, b"1.2.840.10008.1.2.1\0").unwrap();
    private[at..at + 20].copy_from_slice(b"1.2.840.113619.5.22\0");
    f.upload(Some(&f.referrer.token), "private.dcm", private)
        .await
        .expect_problem(415, "unsupported");

    // Dates shifted when so configured: back by the same days for a whole dossier.
    let shifting = Fixture::with_options(
        backend,
        Store::Files,
        Options {
            dicom_dates: Some("shift".into()),
            ..Options::default()
        },
    )
    .await;
    let obj = upload_rich(&shifting, shifting.dossier_id(), "1.2.3.9.1").await;
    let date = text(&obj, tags::STUDY_DATE).unwrap();
    assert!(
        date.as_str() < "20261103" && date.as_str() >= "20251103",
        "{date}"
    );
    assert_eq!(text(&obj, tags::STUDY_TIME).as_deref(), Some("101500"));
    assert_eq!(
        text(&obj, tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED).as_deref(),
        Some("MODIFIED")
    );
    let again = upload_rich(&shifting, shifting.dossier_id(), "1.2.3.9.2").await;
    assert_eq!(text(&again, tags::STUDY_DATE).unwrap(), date);
}

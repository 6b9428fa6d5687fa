use std::io::{Cursor, Read, Write};

use dicom_core::value::DataSetSequence;
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::file::ReadPreamble;
use dicom_object::meta::FileMetaTableBuilder;
use dicom_object::{FileDicomObject, InMemDicomObject, OpenFileOptions};

use super::*;

fn profile(dates: Dates) -> Profile {
    Profile::new(dates, PseudonymKey::from_secret(b"unit").for_dossier("d1"))
}

fn text(tag: Tag, vr: VR, value: &str) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, vr, PrimitiveValue::from(value))
}

fn sample_object() -> InMemDicomObject {
    let nested = InMemDicomObject::from_element_iter([
        text(tags::PATIENT_NAME, VR::PN, "NESTED^NAME"),
        text(tags::REFERENCED_SOP_INSTANCE_UID, VR::UI, "1.2.3.4.99"),
    ]);
    InMemDicomObject::from_element_iter([
        text(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 100"),
        text(tags::SOP_CLASS_UID, VR::UI, "1.2.840.10008.5.1.4.1.1.4"),
        text(tags::SOP_INSTANCE_UID, VR::UI, "1.2.3.4.5"),
        text(tags::STUDY_DATE, VR::DA, "20260301"),
        text(tags::MODALITY, VR::CS, "MR"),
        text(tags::INSTITUTION_NAME, VR::LO, "CHU DE BREST"),
        text(tags::STATION_NAME, VR::SH, "MRI-3T-NORD"),
        DataElement::new(
            tags::STUDY_DESCRIPTION,
            VR::LO,
            PrimitiveValue::from("IRM encéphale"),
        ),
        text(tags::PATIENT_NAME, VR::PN, "DOE^JANE"),
        text(tags::PATIENT_ID, VR::LO, "ID-778899"),
        text(tags::PATIENT_BIRTH_DATE, VR::DA, "19620714"),
        text(tags::PATIENT_SEX, VR::CS, "F"),
        text(tags::PATIENT_AGE, VR::AS, "064Y"),
        DataElement::new(
            tags::REFERENCED_IMAGE_SEQUENCE,
            VR::SQ,
            DataSetSequence::from(vec![nested]),
        ),
        text(Tag(0x0009, 0x0010), VR::LO, "VENDOR"),
        text(tags::STUDY_INSTANCE_UID, VR::UI, "1.2.3.4"),
        DataElement::new(
            tags::PIXEL_DATA,
            VR::OW,
            PrimitiveValue::U8(vec![7u8; 64].into()),
        ),
    ])
}

fn part10(obj: InMemDicomObject, ts: &str) -> Vec<u8> {
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new()
                .media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.4")
                .media_storage_sop_instance_uid("1.2.3.4.5")
                .transfer_syntax(ts)
                .source_application_entity_title("HOSPITAL_PACS"),
        )
        .unwrap();
    let mut bytes = Vec::new();
    file.write_all(&mut bytes).unwrap();
    bytes
}

fn sample() -> Vec<u8> {
    part10(sample_object(), "1.2.840.10008.1.2.1")
}

fn run(bytes: &[u8], dates: Dates) -> Result<(Vec<u8>, Deidentified), DicomError> {
    let mut out = Vec::new();
    let done = deidentify(bytes, &mut out, &profile(dates), 1 << 30)?;
    Ok((out, done))
}

fn open(bytes: &[u8]) -> FileDicomObject<InMemDicomObject> {
    OpenFileOptions::new()
        .read_preamble(ReadPreamble::Always)
        .from_reader(bytes)
        .unwrap()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn str_of(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    obj.get(tag).map(|e| {
        e.to_str()
            .unwrap()
            .trim_end_matches(['\0', ' '])
            .to_string()
    })
}

#[test]
fn identifiers_go_what_the_review_needs_stays() {
    let bytes = sample();
    assert!(contains(&bytes, b"DOE^JANE"));
    let (out, done) = run(&bytes, Dates::Keep).unwrap();
    for gone in [
        &b"DOE^JANE"[..],
        b"ID-778899",
        b"19620714",
        b"NESTED^NAME",
        b"VENDOR",
        b"CHU DE BREST",
        b"MRI-3T-NORD",
        b"HOSPITAL_PACS",
        b"1.2.3.4.5",
        b"1.2.3.4.99",
    ] {
        assert!(!contains(&out, gone), "{}", String::from_utf8_lossy(gone));
    }
    assert_eq!(done.summary.modality.as_deref(), Some("MR"));
    assert_eq!(
        done.summary.study_description.as_deref(),
        Some("IRM encéphale")
    );
    assert_eq!(done.summary.series_description, None);
    assert!(!done.is_directory);
    let obj = open(&out);
    assert_eq!(str_of(&obj, tags::PATIENT_IDENTITY_REMOVED).unwrap(), "YES");
    assert!(
        str_of(&obj, tags::DEIDENTIFICATION_METHOD)
            .unwrap()
            .contains("PS3.15")
    );
    assert_eq!(
        str_of(&obj, tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED).unwrap(),
        "UNMODIFIED"
    );
    // Emptied (Z), removed (X), kept.
    assert_eq!(str_of(&obj, tags::PATIENT_NAME).unwrap(), "");
    assert_eq!(str_of(&obj, tags::INSTITUTION_NAME).unwrap(), "");
    assert_eq!(str_of(&obj, tags::PATIENT_BIRTH_DATE).unwrap(), "");
    assert!(obj.get(Tag(0x0009, 0x0010)).is_none());
    assert_eq!(str_of(&obj, tags::STUDY_DATE).unwrap(), "20260301");
    assert_eq!(str_of(&obj, tags::PATIENT_SEX).unwrap(), "F");
    assert_eq!(str_of(&obj, tags::PATIENT_AGE).unwrap(), "064Y");
    // UIDs replaced, consistently between the meta group, the data set and references.
    let instance = str_of(&obj, tags::SOP_INSTANCE_UID).unwrap();
    assert!(instance.starts_with("2.25."));
    assert_eq!(obj.meta().media_storage_sop_instance_uid(), instance);
    assert_eq!(
        str_of(&obj, tags::SOP_CLASS_UID).unwrap(),
        "1.2.840.10008.5.1.4.1.1.4"
    );
    let reference = obj
        .get(tags::REFERENCED_IMAGE_SEQUENCE)
        .unwrap()
        .items()
        .unwrap()[0]
        .clone();
    assert_eq!(
        str_of(&reference, tags::REFERENCED_SOP_INSTANCE_UID).unwrap(),
        profile(Dates::Keep).uid("1.2.3.4.99")
    );
    assert_eq!(str_of(&reference, tags::PATIENT_NAME).unwrap(), "");
    assert_eq!(
        obj.get(tags::PIXEL_DATA)
            .unwrap()
            .to_bytes()
            .unwrap()
            .as_ref(),
        &[7u8; 64][..]
    );
}

#[test]
fn dates_can_be_shifted() {
    let (out, _) = run(&sample(), Dates::Shift { max_days: 30 }).unwrap();
    let obj = open(&out);
    let date = str_of(&obj, tags::STUDY_DATE).unwrap();
    assert!(
        date.as_str() < "20260301" && date.as_str() >= "20260130",
        "{date}"
    );
    assert_eq!(
        str_of(&obj, tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED).unwrap(),
        "MODIFIED"
    );
}

#[test]
fn without_preamble_and_in_other_encodings() {
    // No preamble: the output has one.
    let bytes = sample();
    let (out, _) = run(&bytes[128..], Dates::Keep).unwrap();
    assert_eq!(&out[128..132], b"DICM");
    assert_eq!(str_of(&open(&out), tags::PATIENT_NAME).unwrap(), "");
    // Implicit VR little endian.
    let implicit = part10(sample_object(), "1.2.840.10008.1.2");
    let (out, done) = run(&implicit, Dates::Keep).unwrap();
    assert!(!contains(&out, b"DOE^JANE") && !contains(&out, b"NESTED^NAME"));
    assert_eq!(done.summary.modality.as_deref(), Some("MR"));
    let obj = open(&out);
    assert_eq!(obj.meta().transfer_syntax(), "1.2.840.10008.1.2");
    assert_eq!(str_of(&obj, tags::STUDY_DATE).unwrap(), "20260301");
    // Deflated: inflated, written as explicit VR little endian.
    let explicit = sample();
    let data_set =
        &explicit[132 + 12 + u32::from_le_bytes(explicit[140..144].try_into().unwrap()) as usize..];
    let with_syntax = |ts: &str, data_set: &[u8]| {
        let mut file = vec![0u8; 128];
        file.extend_from_slice(b"DICM");
        file.extend(meta_group("1.2.840.10008.5.1.4.1.1.4", "1.2.3.4.5", ts));
        file.extend_from_slice(data_set);
        file
    };
    let mut encoder =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data_set).unwrap();
    let deflated = with_syntax("1.2.840.10008.1.2.1.99", &encoder.finish().unwrap());
    let (out, done) = run(&deflated, Dates::Keep).unwrap();
    assert!(done.inflated > 0);
    let obj = open(&out);
    assert_eq!(obj.meta().transfer_syntax(), "1.2.840.10008.1.2.1");
    assert_eq!(str_of(&obj, tags::MODALITY).unwrap(), "MR");
    assert!(!contains(&out, b"DOE^JANE"));
    // ... within the bound on what it may inflate to.
    let err = deidentify(&deflated[..], Vec::new(), &profile(Dates::Keep), 100).unwrap_err();
    assert!(matches!(err, DicomError::TooLarge(_)), "{err}");
    // A private transfer syntax is refused as unsupported.
    let private = with_syntax("1.2.840.113619.5.2", data_set);
    assert!(matches!(
        run(&private, Dates::Keep),
        Err(DicomError::Unsupported(_))
    ));
}

/// A Part-10 header (explicit VR little endian) followed by `data_set`.
fn with_header(data_set: &[u8]) -> Vec<u8> {
    let mut bytes = part10(InMemDicomObject::new_empty(), "1.2.840.10008.1.2.1");
    bytes.extend_from_slice(data_set);
    bytes
}

fn element(tag: (u16, u16), vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&tag.0.to_le_bytes());
    out.extend_from_slice(&tag.1.to_le_bytes());
    out.extend_from_slice(vr);
    if matches!(vr, b"OB" | b"OW" | b"SQ" | b"UN" | b"UT") {
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&(value.len() as u32).to_le_bytes());
    } else {
        out.extend_from_slice(&(value.len() as u16).to_le_bytes());
    }
    out.extend_from_slice(value);
    out
}

fn item_header(tag: u16, len: u32) -> Vec<u8> {
    let mut out = vec![0xFE, 0xFF];
    out.extend_from_slice(&tag.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out
}

#[test]
fn encapsulated_pixel_data_and_unknown_sequences() {
    let mut data = element((0x0008, 0x0060), b"CS", b"CT");
    // A private sequence of undefined length holding a name: removed.
    data.extend_from_slice(&[0x09, 0x00, 0x10, 0x10, b'S', b'Q', 0, 0]);
    data.extend_from_slice(&UNDEFINED.to_le_bytes());
    data.extend(item_header(0xE000, UNDEFINED));
    data.extend(element((0x0010, 0x0010), b"PN", b"HIDDEN^NAME "));
    data.extend(item_header(0xE00D, 0));
    data.extend(item_header(0xE0DD, 0));
    // A UN of undefined length (implicit VR inside): removed.
    data.extend_from_slice(&[0x08, 0x00, 0x10, 0x11, b'U', b'N', 0, 0]);
    data.extend_from_slice(&UNDEFINED.to_le_bytes());
    data.extend(item_header(0xE000, UNDEFINED));
    data.extend_from_slice(&[0x10, 0x00, 0x10, 0x00, 12, 0, 0, 0]);
    data.extend_from_slice(b"UNKNOWN^NAME");
    data.extend(item_header(0xE00D, 0));
    data.extend(item_header(0xE0DD, 0));
    // Encapsulated pixel data: offset table and two fragments, copied.
    data.extend_from_slice(&[0xE0, 0x7F, 0x10, 0x00, b'O', b'B', 0, 0]);
    data.extend_from_slice(&UNDEFINED.to_le_bytes());
    data.extend(item_header(0xE000, 0));
    data.extend(item_header(0xE000, 4));
    data.extend_from_slice(b"JPEG");
    data.extend(item_header(0xE000, 2));
    data.extend_from_slice(b"XY");
    data.extend(item_header(0xE0DD, 0));
    // A digital signature after the pixel data: removed.
    data.extend(element((0xFFFA, 0xFFFA), b"SQ", b""));
    let (out, _) = run(&with_header(&data), Dates::Keep).unwrap();
    assert!(!contains(&out, b"HIDDEN^NAME") && !contains(&out, b"UNKNOWN^NAME"));
    assert!(contains(&out, b"JPEG") && contains(&out, b"XY"));
    let obj = open(&out);
    assert_eq!(str_of(&obj, tags::MODALITY).unwrap(), "CT");
    let fragments = obj.get(tags::PIXEL_DATA).unwrap();
    assert_eq!(fragments.fragments().unwrap().len(), 2);
    assert!(obj.get(Tag(0xFFFA, 0xFFFA)).is_none());
}

#[test]
fn lies_and_garbage_are_refused() {
    // An element claiming 3 GiB at the end of a small file.
    let mut bytes = sample();
    bytes.extend_from_slice(&[
        0x09, 0x00, 0x20, 0x00, b'O', b'B', 0, 0, 0xc0, 0xc0, 0xc0, 0xc0,
    ]);
    bytes.extend_from_slice(&[0u8; 16]);
    let err = run(&bytes, Dates::Keep).unwrap_err();
    assert!(err.to_string().contains("claims"), "{err}");
    // Not DICOM after the prefix.
    let mut garbage = vec![0u8; 128];
    garbage.extend_from_slice(b"DICM\x02\x00\x00\x00garbage");
    assert!(matches!(
        run(&garbage, Dates::Keep),
        Err(DicomError::Invalid(_))
    ));
    // No DICM at all.
    assert!(matches!(
        run(b"hello", Dates::Keep),
        Err(DicomError::Invalid(_))
    ));
    // An unknown VR.
    let unknown = with_header(&element((0x0008, 0x0060), b"ZZ", b"CT"));
    assert!(matches!(
        run(&unknown, Dates::Keep),
        Err(DicomError::Invalid(_))
    ));
    // An item longer than its sequence.
    let mut data = element((0x0008, 0x1140), b"SQ", &[]);
    let len_at = data.len() - 4;
    data[len_at..].copy_from_slice(&8u32.to_le_bytes());
    data.extend(item_header(0xE000, 100));
    data.extend(vec![0u8; 100]);
    assert!(matches!(
        run(&with_header(&data), Dates::Keep),
        Err(DicomError::Invalid(_))
    ));
    // Sequences nested deeper than the bound.
    let mut deep = Vec::new();
    for _ in 0..(stream::MAX_DEPTH + 1) {
        deep.extend_from_slice(&[0x08, 0x00, 0x40, 0x11, b'S', b'Q', 0, 0]);
        deep.extend_from_slice(&UNDEFINED.to_le_bytes());
        deep.extend(item_header(0xE000, UNDEFINED));
    }
    let err = run(&with_header(&deep), Dates::Keep).unwrap_err();
    assert!(err.to_string().contains("nested"), "{err}");
}

/// Bytes of a file whose pixel data is `pixels` zero bytes, produced as they are read.
fn large_file(pixels: u32) -> impl Read {
    let mut head = sample();
    // Drop the sample's pixel data element (OW, 64 bytes: 12 + 64) and add a large one.
    head.truncate(head.len() - 76);
    head.extend_from_slice(&[0xE0, 0x7F, 0x10, 0x00, b'O', b'W', 0, 0]);
    head.extend_from_slice(&pixels.to_le_bytes());
    Cursor::new(head).chain(std::io::repeat(0).take(u64::from(pixels)))
}

struct Counting(u64);

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn large_pixel_data_streams_through() {
    let pixels = 256 * 1024 * 1024;
    let mut out = Counting(0);
    let done = deidentify(large_file(pixels), &mut out, &profile(Dates::Keep), 0).unwrap();
    assert_eq!(done.summary.modality.as_deref(), Some("MR"));
    assert!(out.0 > u64::from(pixels) && out.0 < u64::from(pixels) + 4096);
    // A file cut inside its pixel data is refused.
    let cut = large_file(pixels).take(1024 * 1024);
    let err = deidentify(cut, Counting(0), &profile(Dates::Keep), 0).unwrap_err();
    assert!(err.to_string().contains("claims"), "{err}");
}

//! DICOM series built in code for the imaging tests: slices with a known pixel pattern (a band
//! of bright rows whose place says which slice it is), a known rescale and window, in several
//! transfer syntaxes (the compressed ones through DCMTK and OpenJPEG's command-line tools,
//! which CI installs), shuffled in a zip archive.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use dicom_core::value::PixelFragmentSequence;
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};

pub const ROWS: u16 = 32;
pub const COLUMNS: u16 = 64;
/// Rows of the band that marks slice `i`: `BAND * i .. BAND * (i + 1)`.
pub const BAND: u16 = 4;
pub const SLICES: usize = 6;
/// Stored values (rescaled: value + INTERCEPT).
pub const INTERCEPT: f64 = -100.0;

pub const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";
pub const IMPLICIT_LE: &str = "1.2.840.10008.1.2";
pub const JPEG_2000_LOSSLESS: &str = "1.2.840.10008.1.2.4.90";

/// How the slices of a series are made.
#[derive(Debug, Clone)]
pub struct Spec {
    pub series_uid: String,
    pub bits: u16,
    pub background: u16,
    pub marker: u16,
    pub monochrome1: bool,
    /// The file's own window (rescaled units).
    pub window: Option<(f64, f64)>,
}

impl Spec {
    pub fn sixteen_bit(series_uid: &str) -> Spec {
        Spec {
            series_uid: series_uid.to_string(),
            bits: 16,
            background: 100,
            marker: 1100,
            monochrome1: false,
            window: Some((500.0, 1001.0)),
        }
    }

    pub fn eight_bit(series_uid: &str) -> Spec {
        Spec {
            bits: 8,
            background: 10,
            marker: 210,
            window: None,
            ..Spec::sixteen_bit(series_uid)
        }
    }

    pub fn twelve_bit(series_uid: &str) -> Spec {
        Spec {
            bits: 12,
            ..Spec::sixteen_bit(series_uid)
        }
    }

    fn value(&self, slice: usize, row: u16) -> u16 {
        if row / BAND == slice as u16 {
            self.marker
        } else {
            self.background
        }
    }

    /// The stored pixels of one slice, row by row.
    pub fn pixels(&self, slice: usize) -> Vec<u16> {
        (0..ROWS)
            .flat_map(|r| std::iter::repeat_n(self.value(slice, r), COLUMNS as usize))
            .collect()
    }

    fn pixel_bytes(&self, slices: &[usize]) -> Vec<u8> {
        slices
            .iter()
            .flat_map(|&s| self.pixels(s))
            .flat_map(|v| {
                if self.bits == 8 {
                    vec![v as u8]
                } else {
                    v.to_le_bytes().to_vec()
                }
            })
            .collect()
    }

    /// The instance holding `slices` (in that frame order) in explicit VR little endian, or
    /// `ts` for a native syntax; instance numbers run against the slice order, positions with
    /// it, so that only ordering along the normal gives the right order.
    pub fn instance(&self, slices: &[usize], ts: &str) -> Vec<u8> {
        let first = slices[0];
        let sop = format!("{}.{}", self.series_uid, first + 1);
        let mut obj = self.header(first, &sop);
        if slices.len() > 1 {
            obj.put(text(
                tags::NUMBER_OF_FRAMES,
                VR::IS,
                &slices.len().to_string(),
            ));
            obj.remove_element(tags::IMAGE_POSITION_PATIENT);
        }
        let vr = if self.bits == 8 { VR::OB } else { VR::OW };
        obj.put(DataElement::new(
            tags::PIXEL_DATA,
            vr,
            PrimitiveValue::U8(self.pixel_bytes(slices).into()),
        ));
        write(obj, &sop, ts)
    }

    /// One slice as JPEG 2000 (lossless, through `opj_compress`).
    pub fn jpeg2000(&self, slice: usize, dir: &Path) -> Vec<u8> {
        let pgm = dir.join(format!("slice-{slice}.pgm"));
        let j2k = dir.join(format!("slice-{slice}.j2k"));
        let max = if self.bits == 8 {
            255
        } else {
            (1u32 << self.bits) - 1
        };
        let mut bytes = format!("P5\n{COLUMNS} {ROWS}\n{max}\n").into_bytes();
        for v in self.pixels(slice) {
            if self.bits == 8 {
                bytes.push(v as u8);
            } else {
                bytes.extend_from_slice(&v.to_be_bytes());
            }
        }
        std::fs::write(&pgm, bytes).unwrap();
        run("opj_compress", &["-i", path(&pgm), "-o", path(&j2k)]);
        let stream = std::fs::read(&j2k).unwrap();
        let sop = format!("{}.{}", self.series_uid, slice + 1);
        let mut obj = self.header(slice, &sop);
        obj.put(DataElement::new(
            tags::PIXEL_DATA,
            VR::OB,
            PixelFragmentSequence::new_fragments(vec![stream]),
        ));
        write(obj, &sop, JPEG_2000_LOSSLESS)
    }

    fn header(&self, slice: usize, sop: &str) -> InMemDicomObject {
        let mut obj = InMemDicomObject::from_element_iter([
            text(tags::PATIENT_NAME, VR::PN, "DOE^JOHN"),
            text(tags::MODALITY, VR::CS, "MR"),
            text(tags::SERIES_DESCRIPTION, VR::LO, "T2 axial"),
            text(tags::STUDY_INSTANCE_UID, VR::UI, "1.2.826.0.1.3680043.99.1"),
            text(tags::SERIES_INSTANCE_UID, VR::UI, &self.series_uid),
            text(tags::SOP_INSTANCE_UID, VR::UI, sop),
            text(tags::SOP_CLASS_UID, VR::UI, "1.2.840.10008.5.1.4.1.1.4"),
            text(
                tags::INSTANCE_NUMBER,
                VR::IS,
                &(SLICES * 10 - slice).to_string(),
            ),
            text(
                tags::IMAGE_POSITION_PATIENT,
                VR::DS,
                &format!("-100\\-80\\{}", slice as f64 * 2.5 - 40.0),
            ),
            text(tags::IMAGE_ORIENTATION_PATIENT, VR::DS, "1\\0\\0\\0\\1\\0"),
            text(
                tags::PHOTOMETRIC_INTERPRETATION,
                VR::CS,
                if self.monochrome1 {
                    "MONOCHROME1"
                } else {
                    "MONOCHROME2"
                },
            ),
            text(tags::RESCALE_INTERCEPT, VR::DS, &INTERCEPT.to_string()),
            text(tags::RESCALE_SLOPE, VR::DS, "1"),
            uint(tags::SAMPLES_PER_PIXEL, 1),
            uint(tags::ROWS, ROWS),
            uint(tags::COLUMNS, COLUMNS),
            uint(tags::BITS_ALLOCATED, if self.bits == 8 { 8 } else { 16 }),
            uint(tags::BITS_STORED, self.bits),
            uint(tags::HIGH_BIT, self.bits - 1),
            uint(tags::PIXEL_REPRESENTATION, 0),
        ]);
        if let Some((c, w)) = self.window {
            obj.put(text(tags::WINDOW_CENTER, VR::DS, &c.to_string()));
            obj.put(text(tags::WINDOW_WIDTH, VR::DS, &w.to_string()));
        }
        obj
    }
}

fn text(tag: dicom_core::Tag, vr: VR, value: &str) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, vr, PrimitiveValue::from(value))
}

fn uint(tag: dicom_core::Tag, value: u16) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::US, PrimitiveValue::from(value))
}

fn write(obj: InMemDicomObject, sop: &str, ts: &str) -> Vec<u8> {
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new()
                .media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.4")
                .media_storage_sop_instance_uid(sop)
                .transfer_syntax(ts),
        )
        .unwrap();
    let mut bytes = Vec::new();
    file.write_all(&mut bytes).unwrap();
    bytes
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs a conversion tool; a missing tool fails the test (CI installs DCMTK and OpenJPEG).
fn run(tool: &str, args: &[&str]) {
    let out = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!(
            "{tool} is needed by the imaging tests (Debian packages dcmtk, libopenjp2-tools): {e}"
        )
    });
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `bytes` converted by a DCMTK tool (`dcmcjpeg +eb`, `dcmcrle`, `dcmconv +td`, …).
pub fn transcode(bytes: &[u8], tool: &str, options: &[&str], dir: &Path) -> Vec<u8> {
    let input = dir.join(format!("in-{}.dcm", super::helpers::short_id()));
    let output = dir.join(format!("out-{}.dcm", super::helpers::short_id()));
    std::fs::write(&input, bytes).unwrap();
    let mut args: Vec<&str> = options.to_vec();
    args.push(path(&input));
    args.push(path(&output));
    run(tool, &args);
    std::fs::read(&output).unwrap()
}

/// A zip of `files`, in a shuffled order, deflated.
pub fn shuffled_zip(mut files: Vec<Vec<u8>>) -> Vec<u8> {
    // A fixed shuffle: reversed, then the halves interleaved.
    files.reverse();
    let half = files.len().div_ceil(2);
    let (a, b) = files.split_at(half);
    let mut order = Vec::new();
    for (i, x) in a.iter().enumerate() {
        order.push(x.clone());
        if let Some(y) = b.get(i) {
            order.push(y.clone());
        }
    }
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (i, bytes) in order.into_iter().enumerate() {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file(format!("DICOM/IM{i:04}"), options).unwrap();
        zip.write_all(&bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// The grey levels of a PNG (8-bit grey), with its size.
pub fn png_grey(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Grayscale, "a grey PNG");
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

/// The mean grey level of each row.
pub fn row_means(width: u32, grey: &[u8]) -> Vec<f64> {
    grey.chunks(width as usize)
        .map(|row| row.iter().map(|&v| f64::from(v)).sum::<f64>() / row.len() as f64)
        .collect()
}

/// Which band of rows is bright (the slice the frame shows).
pub fn bright_band(width: u32, grey: &[u8]) -> usize {
    let means = row_means(width, grey);
    let (row, _) = means
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .unwrap();
    row / BAND as usize
}

/// An RGB instance (8-bit, interleaved): red background, a green band on rows 0..BAND, a blue
/// square in the top left corner of the background below it.
pub fn rgb_instance(series_uid: &str) -> Vec<u8> {
    let mut pixels = Vec::new();
    for r in 0..ROWS {
        for c in 0..COLUMNS {
            let rgb = if r < BAND {
                [0u8, 200, 0]
            } else if r < 2 * BAND && c < 8 {
                [0, 0, 200]
            } else {
                [200, 0, 0]
            };
            pixels.extend_from_slice(&rgb);
        }
    }
    let sop = format!("{series_uid}.1");
    let obj = InMemDicomObject::from_element_iter([
        text(tags::MODALITY, VR::CS, "XC"),
        text(tags::SERIES_INSTANCE_UID, VR::UI, series_uid),
        text(tags::STUDY_INSTANCE_UID, VR::UI, "1.2.826.0.1.3680043.99.1"),
        text(tags::SOP_INSTANCE_UID, VR::UI, &sop),
        text(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "RGB"),
        uint(tags::SAMPLES_PER_PIXEL, 3),
        uint(tags::PLANAR_CONFIGURATION, 0),
        uint(tags::ROWS, ROWS),
        uint(tags::COLUMNS, COLUMNS),
        uint(tags::BITS_ALLOCATED, 8),
        uint(tags::BITS_STORED, 8),
        uint(tags::HIGH_BIT, 7),
        uint(tags::PIXEL_REPRESENTATION, 0),
        DataElement::new(tags::PIXEL_DATA, VR::OB, PrimitiveValue::U8(pixels.into())),
    ]);
    write(obj, &sop, EXPLICIT_LE)
}

/// The RGB samples of a PNG, with its size.
pub fn png_rgb(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb, "a colour PNG");
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

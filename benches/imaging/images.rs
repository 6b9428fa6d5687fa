//! The images, built in code: a 512×512 16-bit MR series (a head phantom) and 2048×2048
//! 14-bit chest X-rays, as Part-10 files in explicit VR little endian; and a zip of them.

use std::io::{Cursor, Write};

use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};

use crate::{MR_INTERCEPT, MR_SLOPE, MR_WINDOW, XR_WINDOW};

const EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1";
const MR_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.4";
const DX_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.1.1";

/// xorshift64*, and normal deviates by Box–Muller.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn uniform(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn gauss(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// An ellipse: centre x and y, half-axes a and b, angle in degrees.
type Ellipse = (f64, f64, f64, f64, f64);

/// A soft-edged ellipse: 1 inside, 0 outside, a ramp of about `edge` (in normalised units)
/// across the border.
fn ellipse(x: f64, y: f64, (cx, cy, a, b, angle): Ellipse, edge: f64) -> f64 {
    let (s, c) = angle.to_radians().sin_cos();
    let (dx, dy) = (x - cx, y - cy);
    let (u, v) = (dx * c + dy * s, -dx * s + dy * c);
    let r = ((u / a).powi(2) + (v / b).powi(2)).sqrt();
    (0.5 + (1.0 - r) * a.min(b) / edge).clamp(0.0, 1.0)
}

/// Slice `slice` of `slices` of a head phantom (modified Shepp–Logan, T2-like values in
/// rescaled units), `n`×`n`, as stored values (`(value - intercept) / slope`).
fn mr_slice(slice: usize, slices: usize, n: usize) -> Vec<u16> {
    let z = 2.0 * slice as f64 / (slices.max(2) - 1) as f64 - 1.0;
    let head = (1.0 - (0.8 * z).powi(2)).max(0.05).sqrt();
    let inner = (1.0 - 2.0 * z.abs()).max(0.0);
    // (cx, cy, a, b, angle), value added inside.
    let shapes: [(Ellipse, f64, f64); 10] = [
        ((0.0, 0.0, 0.69, 0.92, 0.0), 1400.0, head),
        ((0.0, -0.0184, 0.6624, 0.874, 0.0), -600.0, head),
        ((0.22, 0.0, 0.11, 0.31, -18.0), 1000.0, inner),
        ((-0.22, 0.0, 0.16, 0.41, 18.0), 1000.0, inner),
        ((0.0, 0.35, 0.21, 0.25, 0.0), 200.0, head),
        ((0.0, 0.1, 0.046, 0.046, 0.0), 300.0, head),
        ((0.0, -0.1, 0.046, 0.046, 0.0), 300.0, head),
        ((-0.08, -0.605, 0.046, 0.023, 0.0), 400.0, head),
        ((0.0, -0.605, 0.023, 0.023, 0.0), 400.0, head),
        ((0.06, -0.605, 0.023, 0.046, 0.0), 400.0, head),
    ];
    let edge = 3.0 / n as f64;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (slice as u64 + 1).wrapping_mul(0xA24B_AED4));
    picture(n, |x, y| {
        let mut value = 0.0;
        for &((cx, cy, a, b, angle), add, scale) in &shapes {
            if scale > 0.0 {
                value += add * ellipse(x, y, (cx * scale, cy, a * scale, b * scale, angle), edge);
            }
        }
        // A smooth coil bias, then noise.
        value *= 1.0 + 0.12 * y - 0.08 * x * y;
        value += 15.0 * rng.gauss();
        let stored = ((value.max(0.0) - MR_INTERCEPT) / MR_SLOPE).round();
        stored.clamp(0.0, 65535.0) as u16
    })
}

/// A chest X-ray phantom, `n`×`n`, 14-bit stored values for MONOCHROME1 (air high, bone low);
/// `variant` shifts it a little and changes the noise.
fn xray(variant: usize, n: usize) -> Vec<u16> {
    let shift = 0.01 * variant as f64;
    let edge = 6.0 / n as f64;
    let mut rng = Rng(0xD1B5_4A32_D192_ED03 ^ (variant as u64 + 7).wrapping_mul(0x9E37_79B9));
    picture(n, |x, y| {
        let x = x - shift;
        let body = ellipse(x, y, (0.0, 0.05, 0.85, 1.1, 0.0), edge);
        let lungs = ellipse(x, y, (0.38, -0.05, 0.3, 0.6, 4.0), edge)
            + ellipse(x, y, (-0.38, -0.05, 0.3, 0.6, -4.0), edge);
        let spine = (0.5 + (0.09 - x.abs()) / edge).clamp(0.0, 1.0) * body;
        let heart = ellipse(x, y, (0.12, 0.25, 0.25, 0.22, 0.0), edge);
        let rib_phase = (18.0 * (y + 0.15 * x * x)).sin();
        let ribs = ((rib_phase - 0.6) / 0.3).clamp(0.0, 1.0) * lungs;
        let mut value = 14000.0 - 7500.0 * body + 4000.0 * lungs
            - 2500.0 * spine
            - 2000.0 * heart
            - 1200.0 * ribs
            + 600.0 * y;
        value += 60.0 * rng.gauss();
        value.round().clamp(0.0, 16383.0) as u16
    })
}

/// An `n`×`n` picture, row by row: `pixel(x, y)` at each pixel's centre, in normalised
/// coordinates (-1 to 1, left to right and top to bottom).
fn picture(n: usize, mut pixel: impl FnMut(f64, f64) -> u16) -> Vec<u16> {
    let mut out = Vec::with_capacity(n * n);
    for row in 0..n {
        let y = 2.0 * (row as f64 + 0.5) / n as f64 - 1.0;
        for col in 0..n {
            let x = 2.0 * (col as f64 + 0.5) / n as f64 - 1.0;
            out.push(pixel(x, y));
        }
    }
    out
}

fn text(tag: Tag, vr: VR, value: &str) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, vr, PrimitiveValue::from(value))
}

fn uint(tag: Tag, value: u16) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::US, PrimitiveValue::from(value))
}

fn new_uid() -> String {
    format!("2.25.{}", uuid::Uuid::new_v4().as_u128())
}

/// What the phantom images have in common: a patient, a study and series, and a square grey
/// picture of 16 bits allocated with its modality LUT and window.
struct Image<'a> {
    patient_name: &'a str,
    patient_id: &'a str,
    study: &'a str,
    series: &'a str,
    modality: &'a str,
    description: &'a str,
    photometric: &'a str,
    size: u16,
    bits_stored: u16,
    /// Rescale intercept and slope.
    rescale: (f64, f64),
    /// Window centre and width.
    window: (f64, f64),
}

impl Image<'_> {
    fn elements(&self) -> Vec<DataElement<InMemDicomObject>> {
        vec![
            text(tags::PATIENT_NAME, VR::PN, self.patient_name),
            text(tags::PATIENT_ID, VR::LO, self.patient_id),
            text(tags::STUDY_INSTANCE_UID, VR::UI, self.study),
            text(tags::SERIES_INSTANCE_UID, VR::UI, self.series),
            text(tags::MODALITY, VR::CS, self.modality),
            text(tags::SERIES_DESCRIPTION, VR::LO, self.description),
            text(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, self.photometric),
            uint(tags::SAMPLES_PER_PIXEL, 1),
            uint(tags::ROWS, self.size),
            uint(tags::COLUMNS, self.size),
            uint(tags::BITS_ALLOCATED, 16),
            uint(tags::BITS_STORED, self.bits_stored),
            uint(tags::HIGH_BIT, self.bits_stored - 1),
            uint(tags::PIXEL_REPRESENTATION, 0),
            text(tags::RESCALE_INTERCEPT, VR::DS, &self.rescale.0.to_string()),
            text(tags::RESCALE_SLOPE, VR::DS, &self.rescale.1.to_string()),
            text(tags::WINDOW_CENTER, VR::DS, &self.window.0.to_string()),
            text(tags::WINDOW_WIDTH, VR::DS, &self.window.1.to_string()),
        ]
    }
}

/// A Part-10 file in explicit VR little endian: `elements` and the SOP class and instance UIDs,
/// then 16-bit pixels.
fn part10(
    elements: Vec<DataElement<InMemDicomObject>>,
    sop_class: &str,
    sop: &str,
    pixels: &[u16],
) -> anyhow::Result<Vec<u8>> {
    let mut obj = InMemDicomObject::from_element_iter(elements);
    obj.put(text(tags::SOP_INSTANCE_UID, VR::UI, sop));
    obj.put(text(tags::SOP_CLASS_UID, VR::UI, sop_class));
    let bytes: Vec<u8> = pixels.iter().flat_map(|v| v.to_le_bytes()).collect();
    obj.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OW,
        PrimitiveValue::U8(bytes.into()),
    ));
    let file = obj.with_meta(
        FileMetaTableBuilder::new()
            .media_storage_sop_class_uid(sop_class)
            .media_storage_sop_instance_uid(sop)
            .transfer_syntax(EXPLICIT_VR_LE),
    )?;
    let mut out = Vec::new();
    file.write_all(&mut out)?;
    Ok(out)
}

/// The MR series: one Part-10 file per slice.
pub fn mr_series(slices: usize) -> anyhow::Result<Vec<Vec<u8>>> {
    let (study, series) = (new_uid(), new_uid());
    (0..slices)
        .map(|s| {
            let mut elements = Image {
                patient_name: "PHANTOM^HEAD",
                patient_id: "BENCH-MR",
                study: &study,
                series: &series,
                modality: "MR",
                description: "T2 TSE axial",
                photometric: "MONOCHROME2",
                size: 512,
                bits_stored: 16,
                rescale: (MR_INTERCEPT, MR_SLOPE),
                window: MR_WINDOW,
            }
            .elements();
            elements.extend([
                text(tags::SERIES_NUMBER, VR::IS, "3"),
                text(tags::INSTANCE_NUMBER, VR::IS, &(s + 1).to_string()),
                text(
                    tags::IMAGE_POSITION_PATIENT,
                    VR::DS,
                    &format!("-120\\-120\\{:.1}", s as f64 * 3.0 - 70.0),
                ),
                text(tags::IMAGE_ORIENTATION_PATIENT, VR::DS, "1\\0\\0\\0\\1\\0"),
                text(tags::PIXEL_SPACING, VR::DS, "0.46875\\0.46875"),
                text(tags::SLICE_THICKNESS, VR::DS, "3"),
            ]);
            part10(elements, MR_STORAGE, &new_uid(), &mr_slice(s, slices, 512))
        })
        .collect()
}

/// One chest X-ray (a study and series of its own).
pub fn xray_file(variant: usize) -> anyhow::Result<Vec<u8>> {
    let (study, series) = (new_uid(), new_uid());
    let mut elements = Image {
        patient_name: "PHANTOM^CHEST",
        patient_id: "BENCH-XR",
        study: &study,
        series: &series,
        modality: "DX",
        description: "Chest PA",
        photometric: "MONOCHROME1",
        size: 2048,
        bits_stored: 14,
        rescale: (0.0, 1.0),
        window: XR_WINDOW,
    }
    .elements();
    elements.extend([
        text(tags::PRESENTATION_INTENT_TYPE, VR::CS, "FOR PRESENTATION"),
        text(tags::INSTANCE_NUMBER, VR::IS, "1"),
        text(tags::IMAGER_PIXEL_SPACING, VR::DS, "0.139\\0.139"),
    ]);
    part10(elements, DX_STORAGE, &new_uid(), &xray(variant, 2048))
}

/// A zip of `files` (deflated, as a user's archive would be).
pub fn zip_of(files: &[Vec<u8>]) -> anyhow::Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (i, bytes) in files.iter().enumerate() {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file(format!("DICOM/MR/IM{i:04}"), options)?;
        zip.write_all(bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

//! One frame of a de-identified Part-10 instance to a PNG: decoded with dicom-pixeldata (the
//! transfer syntaxes it decodes in pure Rust), then the rules of `domain::imaging`: modality
//! LUT, VOI window, MONOCHROME1 inverted, colour kept, resized. Blocking: run it off the async
//! workers.

use std::io::Cursor;

use dicom_dictionary_std::tags;
use dicom_encoding::TransferSyntaxIndex;
use dicom_object::OpenFileOptions;
use dicom_object::file::ReadPreamble;
use dicom_pixeldata::{
    ConvertOptions, PhotometricInterpretation, PixelDecoder, PixelRepresentation,
};
use dicom_transfer_syntax_registry::{TransferSyntaxRegistry, entries};

use super::{ImagingError, twelve_bit};
use crate::domain::imaging::{
    FrameRequest, Rescale, Window, choose_window, grey_table, rendered_size,
};
use crate::domain::resample::Picture;

/// Whether the service decodes `uid`; the error names the syntax otherwise.
pub fn check_syntax(uid: &str) -> Result<(), ImagingError> {
    let uid = uid.trim_end_matches('\0');
    match TransferSyntaxRegistry.get(uid) {
        Some(ts) if ts.can_decode_all() => Ok(()),
        Some(ts) => Err(ImagingError::Unsupported(format!("{} ({uid})", ts.name()))),
        None => Err(ImagingError::Unsupported(format!("unknown ({uid})"))),
    }
}

/// A transfer syntax as errors name it: its name, then its UID.
pub(super) fn syntax_name(uid: &str) -> String {
    TransferSyntaxRegistry
        .get(uid)
        .map_or_else(|| uid.to_string(), |ts| format!("{} ({uid})", ts.name()))
}

/// Renders frame `frame` of the Part-10 instance `bytes`.
pub fn render(bytes: &[u8], frame: u32, request: &FrameRequest) -> Result<Vec<u8>, ImagingError> {
    let mut obj = OpenFileOptions::new()
        .read_preamble(ReadPreamble::Always)
        .from_reader(Cursor::new(bytes))
        .map_err(|e| ImagingError::Unreadable(e.to_string()))?;
    let mut uid = obj
        .meta()
        .transfer_syntax()
        .trim_end_matches('\0')
        .to_string();
    check_syntax(&uid)?;
    let frames = obj
        .element_opt(tags::NUMBER_OF_FRAMES)
        .ok()
        .flatten()
        .and_then(|e| e.to_int::<u32>().ok())
        .unwrap_or(1);
    if frame >= frames.max(1) {
        return Err(ImagingError::NotFound("frame"));
    }
    let mut frame = frame;
    if twelve_bit::applies(&obj, &uid) {
        twelve_bit::to_native(&mut obj, &uid, frame, frames)?;
        (uid, frame) = (entries::EXPLICIT_VR_LITTLE_ENDIAN.uid().to_string(), 0);
    }
    let decoded = obj.decode_pixel_data_frame(frame).map_err(|e| {
        tracing::warn!(error = %e, transfer_syntax = %uid, "a frame could not be decoded");
        ImagingError::Unsupported(syntax_name(&uid))
    })?;
    let (columns, rows) = (decoded.columns(), decoded.rows());
    let picture = if decoded.samples_per_pixel() == 1 {
        let rescale = decoded
            .rescale()
            .ok()
            .and_then(|r| r.first().copied())
            .map_or_else(Rescale::default, |r| Rescale {
                slope: r.slope,
                intercept: r.intercept,
            });
        let file = decoded
            .window()
            .ok()
            .flatten()
            .and_then(|w| w.first().copied())
            .filter(|w| w.width >= 1.0)
            .map(|w| Window {
                center: w.center,
                width: w.width,
            });
        let monochrome1 =
            *decoded.photometric_interpretation() == PhotometricInterpretation::Monochrome1;
        let stored = stored_values(&decoded)?;
        let (lo, hi) = stored
            .iter()
            .fold((i32::MAX, i32::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        let (lo, hi) = if stored.is_empty() { (0, 0) } else { (lo, hi) };
        let (a, b) = (rescale.apply(f64::from(lo)), rescale.apply(f64::from(hi)));
        let window = choose_window(request.window, request.preset, file, (a.min(b), a.max(b)));
        let table = grey_table(lo, hi, rescale, window, monochrome1);
        Picture {
            width: columns,
            height: rows,
            channels: 1,
            samples: stored.iter().map(|&v| table[(v - lo) as usize]).collect(),
        }
    } else {
        let samples: Vec<u8> = decoded
            .to_vec_frame_with_options(0, &ConvertOptions::new())
            .map_err(|e| ImagingError::Unreadable(e.to_string()))?;
        let ybr = matches!(
            decoded.photometric_interpretation(),
            PhotometricInterpretation::YbrFull
        ) && is_native(&uid);
        Picture {
            width: columns,
            height: rows,
            channels: 3,
            samples: if ybr { ybr_to_rgb(samples) } else { samples },
        }
    };
    let expected = columns as usize * rows as usize * usize::from(picture.channels);
    if picture.samples.len() < expected {
        return Err(ImagingError::Unreadable(
            "the frame holds fewer pixels than its size says".to_string(),
        ));
    }
    let (width, height) = rendered_size(columns, rows, request.size);
    encode_png(&picture.resized(width, height))
}

/// The stored values of a monochrome frame of 8 or 16 bits allocated: bits above `BitsStored`
/// dropped, sign extended when the pixel representation is signed.
fn stored_values(decoded: &dicom_pixeldata::DecodedPixelData) -> Result<Vec<i32>, ImagingError> {
    let data = decoded
        .frame_data(0)
        .map_err(|e| ImagingError::Unreadable(e.to_string()))?;
    let bits = u32::from(decoded.bits_stored().clamp(1, 16));
    let signed = decoded.pixel_representation() == PixelRepresentation::Signed;
    let mask = (1u32 << bits) - 1;
    let value = move |raw: u32| {
        let v = raw & mask;
        if signed && v & (1 << (bits - 1)) != 0 {
            v as i32 - (1i32 << bits)
        } else {
            v as i32
        }
    };
    match decoded.bits_allocated() {
        8 => Ok(data.iter().map(|&b| value(u32::from(b))).collect()),
        16 => Ok(data
            .chunks_exact(2)
            .map(|c| value(u32::from(u16::from_le_bytes([c[0], c[1]]))))
            .collect()),
        other => Err(ImagingError::Unsupported(format!(
            "monochrome pixel data of {other} bits allocated"
        ))),
    }
}

fn is_native(uid: &str) -> bool {
    [
        entries::IMPLICIT_VR_LITTLE_ENDIAN.uid(),
        entries::EXPLICIT_VR_LITTLE_ENDIAN.uid(),
        entries::EXPLICIT_VR_BIG_ENDIAN.uid(),
        entries::DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN.uid(),
    ]
    .contains(&uid)
}

/// Full-range YCbCr (native YBR_FULL pixel data) to RGB.
fn ybr_to_rgb(mut samples: Vec<u8>) -> Vec<u8> {
    for px in samples.chunks_exact_mut(3) {
        let (y, cb, cr) = (
            f64::from(px[0]),
            f64::from(px[1]) - 128.0,
            f64::from(px[2]) - 128.0,
        );
        let clamp = |v: f64| v.round().clamp(0.0, 255.0) as u8;
        px[0] = clamp(y + 1.402 * cr);
        px[1] = clamp(y - 0.344_136 * cb - 0.714_136 * cr);
        px[2] = clamp(y + 1.772 * cb);
    }
    samples
}

fn encode_png(picture: &Picture) -> Result<Vec<u8>, ImagingError> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, picture.width, picture.height);
        encoder.set_color(if picture.channels == 1 {
            png::ColorType::Grayscale
        } else {
            png::ColorType::Rgb
        });
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder
            .write_header()
            .map_err(|e| ImagingError::Internal(e.to_string()))?;
        let len = picture.width as usize * picture.height as usize * usize::from(picture.channels);
        writer
            .write_image_data(&picture.samples[..len])
            .map_err(|e| ImagingError::Internal(e.to_string()))?;
    }
    Ok(out)
}

/// The pixels of a PNG this module wrote (8-bit grey or RGB).
pub fn decode_png(bytes: &[u8]) -> Option<Picture> {
    let mut reader = png::Decoder::new(Cursor::new(bytes)).read_info().ok()?;
    let mut samples = vec![0; reader.output_buffer_size()?];
    let info = reader.next_frame(&mut samples).ok()?;
    samples.truncate(info.buffer_size());
    let channels = match info.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::Rgb => 3,
        _ => return None,
    };
    Some(Picture {
        width: info.width,
        height: info.height,
        channels,
        samples,
    })
}

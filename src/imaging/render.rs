//! One frame of a de-identified Part-10 instance to a PNG: decoded with dicom-pixeldata (the
//! transfer syntaxes it decodes in pure Rust), then the rules of `domain::imaging`: modality
//! LUT, VOI window, MONOCHROME1 inverted, colour kept, resized. Blocking: run it off the async
//! workers.

use std::io::Cursor;

use dicom_dictionary_std::tags;
use dicom_encoding::TransferSyntaxIndex;
use dicom_object::OpenFileOptions;
use dicom_object::file::ReadPreamble;
use dicom_pixeldata::{ConvertOptions, ModalityLutOption, PhotometricInterpretation, PixelDecoder};
use dicom_transfer_syntax_registry::{TransferSyntaxRegistry, entries};

use super::ImagingError;
use crate::domain::imaging::{
    FrameRequest, Rescale, Window, choose_window, grey_levels, rendered_size,
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

/// Renders frame `frame` of the Part-10 instance `bytes`.
pub fn render(bytes: &[u8], frame: u32, request: &FrameRequest) -> Result<Vec<u8>, ImagingError> {
    let obj = OpenFileOptions::new()
        .read_preamble(ReadPreamble::Always)
        .from_reader(Cursor::new(bytes))
        .map_err(|e| ImagingError::Unreadable(e.to_string()))?;
    let uid = obj
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
    // A syntax the registry decodes may still hold what its codec cannot (12-bit lossy JPEG).
    let decoded = obj.decode_pixel_data_frame(frame).map_err(|e| {
        tracing::warn!(error = %e, transfer_syntax = %uid, "a frame could not be decoded");
        let name = TransferSyntaxRegistry
            .get(&uid)
            .map_or_else(|| uid.clone(), |ts| format!("{} ({uid})", ts.name()));
        ImagingError::Unsupported(name)
    })?;
    let (columns, rows) = (decoded.columns(), decoded.rows());
    let picture = if decoded.samples_per_pixel() == 1 {
        let stored: Vec<f64> = decoded
            .to_vec_frame_with_options(
                0,
                &ConvertOptions::new().with_modality_lut(ModalityLutOption::None),
            )
            .map_err(|e| ImagingError::Unreadable(e.to_string()))?;
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
        let (min, max) = stored.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &v| {
            let v = rescale.apply(v);
            (lo.min(v), hi.max(v))
        });
        let window = choose_window(request.window, request.preset, file, (min, max));
        let monochrome1 =
            *decoded.photometric_interpretation() == PhotometricInterpretation::Monochrome1;
        Picture {
            width: columns,
            height: rows,
            channels: 1,
            samples: grey_levels(stored.into_iter(), rescale, window, monochrome1),
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

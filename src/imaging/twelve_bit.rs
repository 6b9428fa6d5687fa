//! Lossy JPEG of more than 8 bits (JPEG Extended, process 4) inside a DICOM instance: the
//! frame's fragments are found and decoded by `jpeg12`, and the instance is given that one
//! frame as native pixel data, so that the rest of rendering (modality LUT, window, photometric
//! interpretation) reads it like any other.

use dicom_core::value::Value;
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use dicom_object::DefaultDicomObject;
use dicom_transfer_syntax_registry::entries;

use super::ImagingError;
use super::jpeg12;
use super::render::syntax_name;

/// JPEG Baseline (process 1) and Extended (processes 2 and 4).
const LOSSY_JPEG: [&str; 2] = ["1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51"];

fn int(obj: &DefaultDicomObject, tag: dicom_core::Tag) -> Option<u32> {
    obj.element_opt(tag)
        .ok()
        .flatten()
        .and_then(|e| e.to_int::<u32>().ok())
}

/// Whether the instance holds lossy JPEG of more than 8 bits, which dicom-pixeldata's decoder
/// refuses.
pub fn applies(obj: &DefaultDicomObject, uid: &str) -> bool {
    LOSSY_JPEG.contains(&uid)
        && int(obj, tags::BITS_STORED).is_some_and(|bits| bits > 8)
        && int(obj, tags::SAMPLES_PER_PIXEL).unwrap_or(1) == 1
}

/// Replaces the instance's pixel data by frame `frame` decoded (as native explicit VR little
/// endian data of one frame, 16 bits allocated).
pub fn to_native(
    obj: &mut DefaultDicomObject,
    uid: &str,
    frame: u32,
    frames: u32,
) -> Result<(), ImagingError> {
    let refused = |e: &dyn std::fmt::Display| {
        tracing::warn!(error = %e, transfer_syntax = %uid, "a 12-bit JPEG frame could not be decoded");
        ImagingError::Unsupported(syntax_name(uid))
    };
    let stream = frame_stream(obj, frame, frames).map_err(|e| refused(&e))?;
    let image = jpeg12::decode(&stream).map_err(|e| refused(&e))?;
    let size = (int(obj, tags::COLUMNS), int(obj, tags::ROWS));
    if size != (Some(image.width.into()), Some(image.height.into())) {
        return Err(ImagingError::Unreadable(
            "the JPEG image's size is not the instance's".to_string(),
        ));
    }
    let bytes: Vec<u8> = image.samples.iter().flat_map(|v| v.to_le_bytes()).collect();
    obj.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OW,
        PrimitiveValue::U8(bytes.into()),
    ));
    obj.put(DataElement::new(
        tags::BITS_ALLOCATED,
        VR::US,
        PrimitiveValue::from(16u16),
    ));
    obj.update_meta(|meta| meta.set_transfer_syntax(&entries::EXPLICIT_VR_LITTLE_ENDIAN));
    Ok(())
}

/// The JPEG stream of frame `frame`: every fragment for a single frame; else one fragment per
/// frame, or the basic offset table's ranges, or the fragments up to each end-of-image marker.
fn frame_stream(obj: &DefaultDicomObject, frame: u32, frames: u32) -> Result<Vec<u8>, String> {
    let element = obj
        .element(tags::PIXEL_DATA)
        .map_err(|_| "no pixel data".to_string())?;
    let Value::PixelSequence(sequence) = element.value() else {
        return Err("the pixel data is not encapsulated".to_string());
    };
    let fragments = sequence.fragments();
    let n = frame as usize;
    if frames <= 1 {
        return Ok(fragments.concat());
    }
    if fragments.len() == frames as usize {
        return Ok(fragments[n].clone());
    }
    let offsets = sequence.offset_table();
    let groups: Vec<usize> = if offsets.len() == frames as usize {
        // Each fragment's offset from the first, counting its 8-byte item header.
        let mut at = 0u64;
        fragments
            .iter()
            .map(|f| {
                let start = at;
                at += 8 + f.len() as u64;
                offsets
                    .iter()
                    .rposition(|&o| u64::from(o) <= start)
                    .unwrap_or(0)
            })
            .collect()
    } else {
        let mut current = 0;
        fragments
            .iter()
            .map(|f| {
                let this = current;
                let data = f.as_slice();
                let end = data.len() - data.iter().rev().take_while(|&&b| b == 0).count();
                if end >= 2 && data[end - 2..end] == [0xFF, 0xD9] {
                    current += 1;
                }
                this
            })
            .collect()
    };
    let stream: Vec<u8> = fragments
        .iter()
        .zip(&groups)
        .filter(|(_, g)| **g == n)
        .flat_map(|(f, _)| f.iter().copied())
        .collect();
    if stream.is_empty() {
        return Err(format!("no fragment holds frame {frame}"));
    }
    Ok(stream)
}

//! Imaging review (API.md section 11), the rules with no I/O: how stored pixel values become a
//! picture (modality LUT, then VOI window, MONOCHROME1 inverted), the window presets, the size
//! of a rendered frame, and the order of the slices of a series.

use super::ValidationError;
use crate::string_enum;

string_enum! {
    /// Named windows; `default` is the file's own window, else the frame's min–max.
    pub enum Preset {
        Default => "default",
        Brain => "brain",
        Subdural => "subdural",
        Stroke => "stroke",
        Bone => "bone",
        SoftTissue => "soft_tissue",
        Lung => "lung",
    }
}

impl Preset {
    /// A preset named in a request's `preset` field (400 naming the field otherwise).
    pub fn field(raw: &str) -> Result<Preset, ValidationError> {
        raw.parse().map_err(|_| {
            let words: Vec<&str> = Preset::ALL.iter().map(|p| p.as_str()).collect();
            ValidationError::new("preset", format!("must be one of: {}", words.join(", ")))
        })
    }
}

/// A VOI window in rescaled units (Hounsfield units for CT).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    pub center: f64,
    pub width: f64,
}

impl Preset {
    /// The preset's window; `None` for `default` (the file's own, else min–max).
    pub fn window(self) -> Option<Window> {
        let (center, width) = match self {
            Preset::Default => return None,
            Preset::Brain => (40.0, 80.0),
            Preset::Subdural => (75.0, 215.0),
            Preset::Stroke => (40.0, 40.0),
            Preset::Bone => (400.0, 1800.0),
            Preset::SoftTissue => (50.0, 400.0),
            Preset::Lung => (-600.0, 1500.0),
        };
        Some(Window { center, width })
    }
}

/// The largest centre or width accepted from a caller: beyond any stored value range.
pub const WINDOW_LIMIT: f64 = 1.0e7;

impl Window {
    /// A window asked for by a caller (`wc`, `ww`): both or neither, finite, width at least 1.
    pub fn parse(
        center: Option<f64>,
        width: Option<f64>,
    ) -> Result<Option<Window>, ValidationError> {
        match (center, width) {
            (None, None) => Ok(None),
            (Some(_), None) => Err(ValidationError::new("ww", "is required with wc")),
            (None, Some(_)) => Err(ValidationError::new("wc", "is required with ww")),
            (Some(c), Some(w)) => {
                if !c.is_finite() || c.abs() > WINDOW_LIMIT {
                    return Err(ValidationError::new(
                        "wc",
                        format!("must be a number between -{WINDOW_LIMIT} and {WINDOW_LIMIT}"),
                    ));
                }
                if !w.is_finite() || !(1.0..=WINDOW_LIMIT).contains(&w) {
                    return Err(ValidationError::new(
                        "ww",
                        format!("must be a number between 1 and {WINDOW_LIMIT}"),
                    ));
                }
                Ok(Some(Window {
                    center: c,
                    width: w,
                }))
            }
        }
    }

    /// The window that spans `min..=max` (the frame's own range when nothing else is known).
    pub fn min_max(min: f64, max: f64) -> Window {
        let width = (max - min).max(1.0);
        Window {
            center: min + width / 2.0,
            width,
        }
    }

    /// The linear VOI function of DICOM PS3.3 C.11.2.1.2.1, onto 0..=255.
    pub fn apply(&self, value: f64) -> u8 {
        let c = self.center - 0.5;
        let w = (self.width - 1.0).max(f64::MIN_POSITIVE);
        if value <= c - w / 2.0 {
            0
        } else if value > c + w / 2.0 {
            255
        } else {
            (((value - c) / w + 0.5) * 255.0).round().clamp(0.0, 255.0) as u8
        }
    }
}

/// The modality LUT: stored value × slope + intercept.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rescale {
    pub slope: f64,
    pub intercept: f64,
}

impl Default for Rescale {
    fn default() -> Self {
        Rescale {
            slope: 1.0,
            intercept: 0.0,
        }
    }
}

impl Rescale {
    pub fn apply(&self, stored: f64) -> f64 {
        stored * self.slope + self.intercept
    }
}

/// Which window a frame is shown with: the caller's, else the preset's, else the file's own,
/// else the frame's min–max (of rescaled values).
pub fn choose_window(
    asked: Option<Window>,
    preset: Option<Preset>,
    file: Option<Window>,
    rescaled_min_max: (f64, f64),
) -> Window {
    asked
        .or_else(|| preset.and_then(Preset::window))
        .or(file)
        .unwrap_or_else(|| Window::min_max(rescaled_min_max.0, rescaled_min_max.1))
}

/// Grey levels of a monochrome frame: modality LUT, VOI window, and MONOCHROME1 inverted so
/// that the picture reads as MONOCHROME2.
pub fn grey_levels(
    stored: impl Iterator<Item = f64>,
    rescale: Rescale,
    window: Window,
    monochrome1: bool,
) -> Vec<u8> {
    stored
        .map(|v| {
            let level = window.apply(rescale.apply(v));
            if monochrome1 { 255 - level } else { level }
        })
        .collect()
}

/// The grey level of every stored value from `lo` to `hi` (a lookup table indexed by
/// `value - lo`): the same levels as [`grey_levels`], computed once per value instead of once
/// per pixel.
pub fn grey_table(
    lo: i32,
    hi: i32,
    rescale: Rescale,
    window: Window,
    monochrome1: bool,
) -> Vec<u8> {
    grey_levels(
        (lo..=hi.max(lo)).map(f64::from),
        rescale,
        window,
        monochrome1,
    )
}

pub const MIN_SIZE: u32 = 64;
pub const MAX_SIZE: u32 = 2048;

/// The `size` asked for: the longest edge in pixels, 64 to 2048.
pub fn parse_size(size: Option<i64>) -> Result<Option<u32>, ValidationError> {
    match size {
        None => Ok(None),
        Some(s) if (i64::from(MIN_SIZE)..=i64::from(MAX_SIZE)).contains(&s) => Ok(Some(s as u32)),
        Some(_) => Err(ValidationError::new(
            "size",
            format!("must be between {MIN_SIZE} and {MAX_SIZE}"),
        )),
    }
}

/// The rendered size (width, height) of a `columns`×`rows` frame whose longest edge becomes
/// `size` (aspect kept, at least one pixel each way); the frame's own size without `size`.
pub fn rendered_size(columns: u32, rows: u32, size: Option<u32>) -> (u32, u32) {
    let Some(size) = size else {
        return (columns.max(1), rows.max(1));
    };
    let (c, r) = (f64::from(columns.max(1)), f64::from(rows.max(1)));
    let scale = f64::from(size) / c.max(r);
    (
        ((c * scale).round() as u32).max(1),
        ((r * scale).round() as u32).max(1),
    )
}

/// How a frame is asked to be rendered: an explicit window, a preset, an edge size.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FrameRequest {
    pub window: Option<Window>,
    pub preset: Option<Preset>,
    pub size: Option<u32>,
}

impl FrameRequest {
    /// The request from its query parameters (`wc`, `ww`, `preset`, `size`).
    pub fn parse(
        wc: Option<f64>,
        ww: Option<f64>,
        preset: Option<&str>,
        size: Option<i64>,
    ) -> Result<FrameRequest, ValidationError> {
        let window = Window::parse(wc, ww)?;
        let preset = preset.map(Preset::field).transpose()?;
        if window.is_some() && preset.is_some() {
            return Err(ValidationError::new(
                "preset",
                "cannot be given together with wc and ww",
            ));
        }
        Ok(FrameRequest {
            window,
            preset,
            size: parse_size(size)?,
        })
    }

    /// A canonical text of the request: equal requests render the same picture.
    pub fn canonical(&self) -> String {
        let window = match (self.window, self.preset) {
            (Some(w), _) => format!("w{}:{}", w.center, w.width),
            (None, Some(p)) if p != Preset::Default => format!("p{}", p.as_str()),
            _ => "default".to_string(),
        };
        match self.size {
            Some(s) => format!("{window};s{s}"),
            None => format!("{window};full"),
        }
    }
}

/// What orders one frame within its series.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SliceKey {
    /// ImagePositionPatient (per frame for multi-frame instances when known).
    pub position: Option<[f64; 3]>,
    /// ImageOrientationPatient: row then column direction cosines.
    pub orientation: Option<[f64; 6]>,
    pub instance_number: Option<i64>,
    /// The frame within its instance (0 for single-frame instances).
    pub frame: u32,
}

impl SliceKey {
    /// The position along the slice normal (row × column), if both are known.
    pub fn along_normal(&self) -> Option<f64> {
        let (p, o) = (self.position?, self.orientation?);
        let n = [
            o[1] * o[5] - o[2] * o[4],
            o[2] * o[3] - o[0] * o[5],
            o[0] * o[4] - o[1] * o[3],
        ];
        let d = p[0] * n[0] + p[1] * n[1] + p[2] * n[2];
        d.is_finite().then_some(d)
    }
}

/// The order in which a radiologist reads a series: by position along the slice normal, then
/// InstanceNumber, then frame number; frames without a position come after those with one.
/// Returns the indices of `keys` in that order (stable for equal keys).
pub fn slice_order(keys: &[SliceKey]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|&a, &b| {
        let (ka, kb) = (&keys[a], &keys[b]);
        let by_position = match (ka.along_normal(), kb.along_normal()) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        by_position
            .then_with(|| {
                ka.instance_number
                    .unwrap_or(i64::MAX)
                    .cmp(&kb.instance_number.unwrap_or(i64::MAX))
            })
            .then_with(|| ka.frame.cmp(&kb.frame))
    });
    order
}

/// A DICOM UID as the standard allows it: 1 to 64 characters of digits and dots.
pub fn uid(field: &str, raw: &str) -> Result<String, ValidationError> {
    let ok = !raw.is_empty()
        && raw.len() <= 64
        && raw.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && !raw.starts_with('.')
        && !raw.ends_with('.')
        && !raw.contains("..");
    if ok {
        Ok(raw.to_string())
    } else {
        Err(ValidationError::new(
            field,
            "must be a DICOM UID (digits and dots, at most 64 characters)",
        ))
    }
}

/// Series and frames are asked of DICOM attachments only (409 otherwise).
pub fn check_imaging(is_dicom: bool) -> Result<(), &'static str> {
    if is_dicom {
        Ok(())
    } else {
        Err("the attachment is not DICOM imaging: it has no series or frames")
    }
}

pub const KEY_IMAGE_NOTE_MAX_CHARS: usize = 500;

/// A key image's note: 0 to 500 characters.
pub fn key_image_note(raw: &str) -> Result<String, ValidationError> {
    super::text::bounded("note", raw, 0, KEY_IMAGE_NOTE_MAX_CHARS, true)
}

#[path = "imaging_view.rs"]
mod view;
pub use view::{CENTER_LIMIT, View, ViewFields, ZOOM_RANGE};

#[cfg(test)]
#[path = "imaging_tests.rs"]
mod tests;

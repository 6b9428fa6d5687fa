//! The presenter's `view` (API.md section 11): what it may say, every number bounded.

use super::{Preset, Window, uid};
use crate::domain::ValidationError;

/// The zoom a view may ask for: 0.1 to 50.
pub const ZOOM_RANGE: std::ops::RangeInclusive<f64> = 0.1..=50.0;

/// How far from the origin a view's centre may lie, either way (the frame's pixels; far beyond
/// any frame, so that only absurd numbers are refused).
pub const CENTER_LIMIT: f64 = 1.0e6;

/// A `view` as it arrives (API.md section 11), before its fields are checked.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ViewFields {
    pub attachment_id: String,
    pub series_uid: String,
    pub frame: u32,
    pub wc: Option<f64>,
    pub ww: Option<f64>,
    pub preset: Option<String>,
    pub zoom: Option<f64>,
    pub center: Option<[f64; 2]>,
}

/// What the presenter shows the room: a frame of a series of a DICOM attachment, and how it is
/// windowed, zoomed and centred. Every number is bounded; the attachment id is checked by the
/// room (it names nothing unless it is a UUID of an attachment on the agenda).
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub attachment_id: String,
    pub series_uid: String,
    pub frame: u32,
    pub window: Option<Window>,
    pub preset: Option<Preset>,
    pub zoom: Option<f64>,
    pub center: Option<[f64; 2]>,
}

impl View {
    pub fn parse(f: ViewFields) -> Result<View, ValidationError> {
        let preset = f.preset.as_deref().map(Preset::field).transpose()?;
        if let Some(z) = f.zoom
            && !(z.is_finite() && ZOOM_RANGE.contains(&z))
        {
            return Err(ValidationError::new(
                "zoom",
                format!(
                    "must be a number between {} and {}",
                    ZOOM_RANGE.start(),
                    ZOOM_RANGE.end()
                ),
            ));
        }
        if let Some(c) = f.center
            && !c.iter().all(|v| v.is_finite() && v.abs() <= CENTER_LIMIT)
        {
            return Err(ValidationError::new(
                "center",
                format!("must be two numbers between -{CENTER_LIMIT} and {CENTER_LIMIT}"),
            ));
        }
        Ok(View {
            series_uid: uid("series_uid", &f.series_uid)?,
            window: Window::parse(f.wc, f.ww)?,
            attachment_id: f.attachment_id,
            frame: f.frame,
            preset,
            zoom: f.zoom,
            center: f.center,
        })
    }
}

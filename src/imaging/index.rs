//! The series index of a stored DICOM attachment: which instances it holds, where each lies in
//! the stored object (so that a frame is read with one ranged read, not by unpacking a zip of
//! several gigabytes), and each series' frames in reading order. Built once from a local copy
//! of the object (at upload, or the first time it is asked for) and stored beside it.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use dicom_dictionary_std::tags;
use dicom_object::file::ReadPreamble;
use dicom_object::{InMemDicomObject, OpenFileOptions};
use serde::{Deserialize, Serialize};
use zip::{CompressionMethod, ZipArchive};

use super::ImagingError;
use crate::domain::imaging::{SliceKey, Window, slice_order};

/// Bumped when the index's layout or meaning changes: old indexes are then rebuilt.
pub const INDEX_VERSION: u32 = 1;
/// How deep zip archives nest in what we store (the ingest allows three levels).
const MAX_DEPTH: usize = 4;

/// Where one instance's Part-10 bytes lie in the stored object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    pub offset: u64,
    pub length: u64,
    /// A deflated zip entry (inflate what is read).
    pub deflated: bool,
    pub transfer_syntax: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexedSeries {
    pub series_uid: String,
    pub study_uid: String,
    pub modality: Option<String>,
    pub series_description: Option<String>,
    pub rows: u32,
    pub columns: u32,
    pub window: Option<(f64, f64)>,
    /// Frames in reading order: (index in `instances`, frame within the instance).
    pub frames: Vec<(u32, u32)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesIndex {
    pub version: u32,
    pub instances: Vec<Instance>,
    pub series: Vec<IndexedSeries>,
}

impl SeriesIndex {
    pub fn series(&self, series_uid: &str) -> Option<&IndexedSeries> {
        self.series.iter().find(|s| s.series_uid == series_uid)
    }

    /// Frame `n` of a series: the instance (its place in `instances`, where it lies) and the
    /// frame within it.
    pub fn frame(&self, series_uid: &str, n: u32) -> Option<(usize, &Instance, u32)> {
        let (instance, frame) = *self.series(series_uid)?.frames.get(n as usize)?;
        let at = instance as usize;
        Some((at, self.instances.get(at)?, frame))
    }
}

impl IndexedSeries {
    pub fn window(&self) -> Option<Window> {
        self.window.map(|(center, width)| Window { center, width })
    }
}

/// What one instance's header says.
struct Header {
    series_uid: String,
    study_uid: String,
    modality: Option<String>,
    series_description: Option<String>,
    rows: u32,
    columns: u32,
    frames: u32,
    window: Option<(f64, f64)>,
    position: Option<[f64; 3]>,
    orientation: Option<[f64; 6]>,
    instance_number: Option<i64>,
}

/// Builds the index of the stored object at `path` (a Part-10 file or a zip archive of them).
pub fn build(path: &Path) -> Result<SeriesIndex, ImagingError> {
    let mut file = File::open(path).map_err(ImagingError::io)?;
    let length = file.metadata().map_err(ImagingError::io)?.len();
    let mut head = [0u8; 4];
    let got = file.read(&mut head).map_err(ImagingError::io)?;
    file.seek(SeekFrom::Start(0)).map_err(ImagingError::io)?;
    let mut found = Vec::new();
    if got == 4 && &head == b"PK\x03\x04" {
        scan_zip(&mut file, 0, 0, &mut found)?;
    } else {
        let (header, ts) = read_header(BufReader::new(file))?;
        if let Some(header) = header {
            found.push((
                Instance {
                    offset: 0,
                    length,
                    deflated: false,
                    transfer_syntax: ts,
                },
                header,
            ));
        }
    }
    Ok(assemble(found))
}

/// The DICOM instances of the zip archive `reader` (which starts at `base` in the object).
fn scan_zip(
    reader: &mut dyn ReadSeek,
    base: u64,
    depth: usize,
    found: &mut Vec<(Instance, Header)>,
) -> Result<(), ImagingError> {
    if depth >= MAX_DEPTH {
        return Ok(());
    }
    let mut archive = ZipArchive::new(reader).map_err(ImagingError::zip)?;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(ImagingError::zip)?;
        let (compressed, method) = (entry.compressed_size(), entry.compression());
        if entry.is_dir() || compressed == 0 {
            continue;
        }
        let deflated = match method {
            CompressionMethod::Stored => false,
            CompressionMethod::Deflated => true,
            _ => continue,
        };
        let mut head = [0u8; 132];
        let got = read_full(&mut entry, &mut head).map_err(ImagingError::io)?;
        let Some(start) = entry.data_start() else {
            continue;
        };
        drop(entry);
        if !deflated && got >= 4 && &head[..4] == b"PK\x03\x04" {
            // A nested archive, stored: its entries lie at known offsets in ours.
            let inner = archive.into_inner();
            let mut window = Part::new(inner, start, compressed)?;
            scan_zip(&mut window, base + start, depth + 1, found)?;
            let inner = window.into_inner();
            archive = ZipArchive::new(inner).map_err(ImagingError::zip)?;
            continue;
        }
        if got < 132 || &head[128..132] != b"DICM" {
            continue;
        }
        let entry = archive.by_index(i).map_err(ImagingError::zip)?;
        let (header, ts) = read_header(BufReader::new(entry))?;
        if let Some(header) = header {
            let instance = Instance {
                offset: base + start,
                length: compressed,
                deflated,
                transfer_syntax: ts,
            };
            found.push((instance, header));
        }
    }
    Ok(())
}

/// What a zip archive is read from.
trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

/// A part of a seekable reader, seen as a whole (a stored entry that is itself an archive).
struct Part<R> {
    inner: R,
    start: u64,
    length: u64,
    pos: u64,
}

impl<R: Read + Seek> Part<R> {
    fn new(mut inner: R, start: u64, length: u64) -> Result<Self, ImagingError> {
        inner
            .seek(SeekFrom::Start(start))
            .map_err(ImagingError::io)?;
        Ok(Part {
            inner,
            start,
            length,
            pos: 0,
        })
    }

    fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: Read + Seek> Read for Part<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.length.saturating_sub(self.pos);
        let take = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        if take == 0 {
            return Ok(0);
        }
        let n = self.inner.read(&mut buf[..take])?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: Read + Seek> Seek for Part<R> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.length.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        }
        .filter(|&t| t <= self.length)
        .ok_or_else(|| std::io::Error::other("seek outside the entry"))?;
        self.inner.seek(SeekFrom::Start(self.start + target))?;
        self.pos = target;
        Ok(target)
    }
}

/// The header of one Part-10 instance (up to its pixel data), and its transfer syntax;
/// `None` for an instance with no image (a DICOMDIR, a report).
fn read_header(reader: impl Read) -> Result<(Option<Header>, String), ImagingError> {
    let obj = OpenFileOptions::new()
        .read_preamble(ReadPreamble::Always)
        .read_until(tags::PIXEL_DATA)
        .from_reader(reader)
        .map_err(|e| ImagingError::Unreadable(e.to_string()))?;
    let ts = obj
        .meta()
        .transfer_syntax()
        .trim_end_matches('\0')
        .to_string();
    let text = |tag| -> Option<String> {
        obj.element_opt(tag)
            .ok()
            .flatten()
            .and_then(|e| e.to_str().ok())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let number = |tag| -> Option<u32> {
        obj.element_opt(tag)
            .ok()
            .flatten()
            .and_then(|e| e.to_int::<u32>().ok())
    };
    let (Some(series_uid), Some(rows), Some(columns)) = (
        text(tags::SERIES_INSTANCE_UID),
        number(tags::ROWS),
        number(tags::COLUMNS),
    ) else {
        return Ok((None, ts));
    };
    let header = Header {
        series_uid,
        study_uid: text(tags::STUDY_INSTANCE_UID).unwrap_or_default(),
        modality: text(tags::MODALITY),
        series_description: text(tags::SERIES_DESCRIPTION),
        rows,
        columns,
        frames: number(tags::NUMBER_OF_FRAMES).unwrap_or(1).max(1),
        window: first_window(&obj),
        position: floats(&obj, tags::IMAGE_POSITION_PATIENT).and_then(|v| v.try_into().ok()),
        orientation: floats(&obj, tags::IMAGE_ORIENTATION_PATIENT).and_then(|v| v.try_into().ok()),
        instance_number: obj
            .element_opt(tags::INSTANCE_NUMBER)
            .ok()
            .flatten()
            .and_then(|e| e.to_int::<i64>().ok()),
    };
    Ok((Some(header), ts))
}

fn floats(obj: &InMemDicomObject, tag: dicom_core::Tag) -> Option<Vec<f64>> {
    let values = obj.element_opt(tag).ok()??.to_multi_float64().ok()?;
    values.iter().all(|v| v.is_finite()).then_some(values)
}

/// The file's own window (its first one), if usable.
fn first_window(obj: &InMemDicomObject) -> Option<(f64, f64)> {
    let center = *floats(obj, tags::WINDOW_CENTER)?.first()?;
    let width = *floats(obj, tags::WINDOW_WIDTH)?.first()?;
    (width >= 1.0).then_some((center, width))
}

/// Groups instances into series (in the order series first appear) with frames in reading
/// order.
fn assemble(found: Vec<(Instance, Header)>) -> SeriesIndex {
    let mut instances = Vec::with_capacity(found.len());
    // Each series with the ordering key and place of each of its frames, as found.
    type Found = (IndexedSeries, Vec<SliceKey>, Vec<(u32, u32)>);
    let mut series: Vec<Found> = Vec::new();
    for (instance, header) in found {
        let at = instances.len() as u32;
        instances.push(instance);
        let slot = match series
            .iter()
            .position(|(s, _, _)| s.series_uid == header.series_uid)
        {
            Some(i) => i,
            None => {
                series.push((
                    IndexedSeries {
                        series_uid: header.series_uid.clone(),
                        study_uid: header.study_uid.clone(),
                        modality: header.modality.clone(),
                        series_description: header.series_description.clone(),
                        rows: header.rows,
                        columns: header.columns,
                        window: header.window,
                        frames: Vec::new(),
                    },
                    Vec::new(),
                    Vec::new(),
                ));
                series.len() - 1
            }
        };
        let (_, keys, frames) = &mut series[slot];
        for frame in 0..header.frames {
            keys.push(SliceKey {
                position: header.position,
                orientation: header.orientation,
                instance_number: header.instance_number,
                frame,
            });
            frames.push((at, frame));
        }
    }
    let series = series
        .into_iter()
        .map(|(mut s, keys, frames)| {
            s.frames = slice_order(&keys).into_iter().map(|i| frames[i]).collect();
            s
        })
        .collect();
    SeriesIndex {
        version: INDEX_VERSION,
        instances,
        series,
    }
}

/// Reads until `buf` is full or the reader ends; returns how much was read.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

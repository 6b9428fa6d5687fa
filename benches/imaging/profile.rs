//! Where the time of one render goes, in this process: the steps of
//! `imaging::render::render` timed one by one, and the whole function; plus, for comparison,
//! the per-pixel `f64` windowing the lookup table replaced, and the fastest PNG level.

use std::io::{Cursor, Read, Write};
use std::time::Instant;

use anyhow::{Context, ensure};
use consilium::domain::imaging::{FrameRequest, Rescale, Window, grey_levels, grey_table};
use dicom_object::OpenFileOptions;
use dicom_object::file::ReadPreamble;
use dicom_pixeldata::{ConvertOptions, ModalityLutOption, PixelDecoder};

use crate::report::{kib, p};

pub fn deflate(bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes)?;
    Ok(enc.finish()?)
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// The steps of one render of `bytes` (frame 0, the file's window), p50 of 10 runs each.
pub fn profile(what: &str, bytes: &[u8], zip_entry: Option<&[u8]>) -> anyhow::Result<()> {
    const RUNS: usize = 10;
    let mut steps: Vec<(&str, Vec<f64>)> = [
        "inflate (zip entry)",
        "parse Part-10",
        "decode frame",
        "stored values + min/max",
        "lookup table + lookup",
        "PNG encode (Fast)",
        "whole render()",
        "old: f64 samples + window",
        "alt: PNG encode (Fastest)",
        "alt: PNG encode (Balanced)",
        "alt: PNG encode (High)",
    ]
    .into_iter()
    .map(|s| (s, Vec::new()))
    .collect();
    let mut png_sizes = (0, 0, 0, 0);
    for _ in 0..RUNS {
        if let Some(entry) = zip_entry {
            let t = Instant::now();
            let mut out = Vec::with_capacity(bytes.len());
            flate2::read::DeflateDecoder::new(entry).read_to_end(&mut out)?;
            steps[0].1.push(ms_since(t));
        }
        let t = Instant::now();
        let obj = OpenFileOptions::new()
            .read_preamble(ReadPreamble::Always)
            .from_reader(Cursor::new(bytes))?;
        steps[1].1.push(ms_since(t));
        let t = Instant::now();
        let decoded = obj.decode_pixel_data_frame(0)?;
        steps[2].1.push(ms_since(t));
        let rescale = decoded
            .rescale()
            .ok()
            .and_then(|r| r.first().copied())
            .map_or_else(Rescale::default, |r| Rescale {
                slope: r.slope,
                intercept: r.intercept,
            });
        let window = decoded
            .window()
            .ok()
            .flatten()
            .and_then(|w| w.first().copied())
            .map(|w| Window {
                center: w.center,
                width: w.width,
            })
            .context("no window")?;
        let monochrome1 = *decoded.photometric_interpretation()
            == dicom_pixeldata::PhotometricInterpretation::Monochrome1;
        // As the server does (unsigned 16-bit samples here).
        let t = Instant::now();
        let mask = (1u32 << decoded.bits_stored()) - 1;
        let stored: Vec<i32> = decoded
            .frame_data(0)?
            .chunks_exact(2)
            .map(|b| (u32::from(u16::from_le_bytes([b[0], b[1]])) & mask) as i32)
            .collect();
        let (lo, hi) = stored
            .iter()
            .fold((i32::MAX, i32::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        steps[3].1.push(ms_since(t));
        let t = Instant::now();
        let table = grey_table(lo, hi, rescale, window, monochrome1);
        let grey: Vec<u8> = stored.iter().map(|&v| table[(v - lo) as usize]).collect();
        steps[4].1.push(ms_since(t));
        let (w, h) = (decoded.columns(), decoded.rows());
        let t = Instant::now();
        let png_fast = encode(&grey, w, h, png::Compression::Fast)?;
        steps[5].1.push(ms_since(t));
        let t = Instant::now();
        let whole = consilium::imaging::render::render(bytes, 0, &FrameRequest::default())
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        steps[6].1.push(ms_since(t));
        std::hint::black_box(whole);
        // What the table replaced: every pixel through the modality LUT and window in f64.
        let t = Instant::now();
        let samples: Vec<f64> = decoded.to_vec_frame_with_options(
            0,
            &ConvertOptions::new().with_modality_lut(ModalityLutOption::None),
        )?;
        let old = grey_levels(samples.into_iter(), rescale, window, monochrome1);
        steps[7].1.push(ms_since(t));
        ensure!(old == grey, "the lookup table renders differently");
        let t = Instant::now();
        let png_fastest = encode(&grey, w, h, png::Compression::Fastest)?;
        steps[8].1.push(ms_since(t));
        let t = Instant::now();
        let png_balanced = encode(&grey, w, h, png::Compression::Balanced)?;
        steps[9].1.push(ms_since(t));
        let t = Instant::now();
        let png_high = encode(&grey, w, h, png::Compression::High)?;
        steps[10].1.push(ms_since(t));
        png_sizes = (
            png_fast.len(),
            png_fastest.len(),
            png_balanced.len(),
            png_high.len(),
        );
    }
    println!("  {what}:");
    for (step, v) in &steps {
        if !v.is_empty() {
            println!("    {step:<30} {:>7.2} ms", p(v, 50.0));
        }
    }
    println!(
        "    PNG size: Fast {:.0} KiB, Fastest {:.0} KiB, Balanced {:.0} KiB, High {:.0} KiB",
        kib(png_sizes.0),
        kib(png_sizes.1),
        kib(png_sizes.2),
        kib(png_sizes.3)
    );
    Ok(())
}

fn encode(grey: &[u8], w: u32, h: u32, level: png::Compression) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(level);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(grey)?;
    }
    Ok(out)
}

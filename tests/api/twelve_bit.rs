//! Lossy JPEG of 12-bit samples (JPEG Extended, process 4), which CT and MR write and which
//! the service decodes with its own decoder (`src/imaging/jpeg12.rs`): series written by
//! DCMTK's `dcmcjpeg +ee` render in slice order, as single frames and as a multi-frame
//! instance, and the pixels match what DCMTK's own decoder (`dcmdjpeg`) makes of the same files.

use crate::attachments::{Fixture, Store};
use crate::dicom_series::{EXPLICIT_LE, SLICES, Spec, shuffled_zip, transcode};
use crate::helpers::{Backend, Options};
use crate::imaging::{all_slices, check_order, id, only_series, png_of, upload};
use crate::on_both;

on_both!(twelve_bit_jpeg_renders_like_dcmtk_decodes_it);

async fn twelve_bit_jpeg_renders_like_dcmtk_decodes_it(backend: Backend) {
    let f = Fixture::with_options(backend, Store::Files, Options::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let spec = Spec::twelve_bit("1.2.826.0.1.3680043.99.12.1");
    let jpeg: Vec<Vec<u8>> = all_slices(&spec, EXPLICIT_LE)
        .iter()
        .map(|b| transcode(b, "dcmcjpeg", &["+ee"], d))
        .collect();
    for file in &jpeg {
        // A JPEG Extended stream (SOF1) of 12-bit precision.
        let sof = file.windows(2).position(|w| w == [0xFF, 0xC1]);
        assert_eq!(
            sof.map(|i| file[i + 4]),
            Some(12),
            "dcmcjpeg wrote 12-bit JPEG"
        );
    }
    // DCMTK's decode of the same files, as native explicit VR little endian.
    let reference: Vec<Vec<u8>> = jpeg
        .iter()
        .map(|b| transcode(b, "dcmdjpeg", &[], d))
        .collect();
    let a = upload(&f, shuffled_zip(jpeg), "jpeg12.zip").await;
    check_order(&f, id(&a), "12-bit JPEG").await;
    let b = upload(&f, shuffled_zip(reference), "dcmdjpeg.zip").await;
    let (ua, ub) = (only_series(&f, &a).await, only_series(&f, &b).await);
    // The file's wide window, then a narrow one around the background (one stored unit is
    // more than a grey level), where the JPEG's ringing shows.
    for (query, tolerance) in [("", 1), ("?wc=0&ww=200", 2)] {
        let mut differing = 0;
        for n in 0..SLICES {
            let (_, _, ours) =
                png_of(&f, &format!("{}/series/{ua}/frames/{n}{query}", id(&a))).await;
            let (_, _, theirs) =
                png_of(&f, &format!("{}/series/{ub}/frames/{n}{query}", id(&b))).await;
            assert_eq!(ours.len(), theirs.len());
            for (x, y) in ours.iter().zip(&theirs) {
                let diff = (i32::from(*x) - i32::from(*y)).abs();
                assert!(diff <= tolerance, "frame {n}{query}: {x} against {y}");
                differing += usize::from(diff > 0);
            }
        }
        // Not every pixel may differ by rounding.
        assert!(differing * 20 < SLICES * ours_len(), "{query}: {differing}");
    }
    // A multi-frame instance: one JPEG fragment per frame.
    let frames: Vec<usize> = (0..SLICES).collect();
    let multi = transcode(
        &spec.instance(&frames, EXPLICIT_LE),
        "dcmcjpeg",
        &["+ee"],
        d,
    );
    let m = upload(&f, multi, "jpeg12-multiframe.dcm").await;
    check_order(&f, id(&m), "12-bit JPEG, multi-frame").await;
}

fn ours_len() -> usize {
    usize::from(crate::dicom_series::ROWS) * usize::from(crate::dicom_series::COLUMNS)
}

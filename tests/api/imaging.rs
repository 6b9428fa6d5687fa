//! Series and rendered frames (API.md section 11, issue 13): series built in code with a known
//! pattern in several transfer syntaxes, shuffled in zips; the PNG pixels after windowing, the
//! slice order, sizes, ETag/304, errors, and the render cache going with the attachment, on both
//! databases and on local files and S3.

use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::attachments::{Fixture, Store, dicom_file};
use crate::dicom_series::{
    self as series, BAND, COLUMNS, EXPLICIT_LE, IMPLICIT_LE, ROWS, SLICES, Spec, bright_band,
    png_grey, row_means, shuffled_zip, transcode,
};
use crate::helpers::{Api, Backend, Options, PASSWORD, Resp};
use crate::{on_all_stores, on_both};

on_both!(
    colour_stays_colour,
    every_transfer_syntax_renders_in_slice_order,
    windows_presets_and_sizes,
    undecodable_syntaxes_are_named,
);
on_all_stores!(etags_errors_access_and_the_cache_going_with_the_attachment);

pub(crate) async fn upload(f: &Fixture, bytes: Vec<u8>, name: &str) -> Value {
    upload_as(&f.app, &f.referrer.token, f.dossier_id(), bytes, name).await
}

/// Adds a file to a dossier; 201 expected.
pub async fn upload_as(app: &Api, token: &str, dossier: &str, bytes: Vec<u8>, name: &str) -> Value {
    let form = Form::new().part(
        "file",
        Part::bytes(bytes)
            .file_name(name.to_string())
            .mime_str("application/octet-stream")
            .unwrap(),
    );
    let res = app
        .client
        .post(format!("{}/api/dossiers/{dossier}/attachments", app.url))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body
}

/// The series listing of an attachment, as the board member reads it.
async fn series_listing(f: &Fixture, attachment: &str) -> Resp {
    f.app
        .get(
            &format!("/api/attachments/{attachment}/series"),
            Some(&f.member.token),
        )
        .await
}

/// The (de-identified) UID of the attachment's only series.
pub(crate) async fn only_series(f: &Fixture, attachment: &Value) -> String {
    let listed = series_listing(f, id(attachment)).await;
    listed.expect(200)["items"][0]["series_uid"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A GET of `/api/attachments/{path}`, without a token yet.
fn get_attachment(f: &Fixture, path: &str) -> reqwest::RequestBuilder {
    f.app
        .client
        .get(format!("{}/api/attachments/{path}", f.app.url))
}

pub(crate) async fn frame(f: &Fixture, token: &str, path: &str) -> reqwest::Response {
    get_attachment(f, path)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// Uploads `bytes` as `name` and asks the board member's render of frame 0 of its only series.
async fn first_frame(f: &Fixture, bytes: Vec<u8>, name: &str) -> reqwest::Response {
    let a = upload(f, bytes, name).await;
    let uid = only_series(f, &a).await;
    let path = format!("{}/series/{uid}/frames/0", id(&a));
    frame(f, &f.member.token, &path).await
}

/// Uploads the slices of a 16-bit series, shuffled in a zip.
async fn upload_series(f: &Fixture, series_uid: &str) -> Value {
    let files = all_slices(&Spec::sixteen_bit(series_uid), EXPLICIT_LE);
    upload(f, shuffled_zip(files), "s.zip").await
}

pub(crate) async fn png_of(f: &Fixture, path: &str) -> (u32, u32, Vec<u8>) {
    let res = frame(f, &f.member.token, path).await;
    let status = res.status().as_u16();
    if status != 200 {
        panic!("{path}: {status} {}", res.text().await.unwrap());
    }
    assert_eq!(res.headers()["content-type"], "image/png");
    png_grey(&res.bytes().await.unwrap())
}

pub(crate) fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

pub(crate) fn all_slices(spec: &Spec, ts: &str) -> Vec<Vec<u8>> {
    (0..SLICES).map(|i| spec.instance(&[i], ts)).collect()
}

/// Checks that frame n shows slice n, bright band on dark rows (with a tolerance for lossy
/// syntaxes).
pub(crate) async fn check_order(f: &Fixture, attachment: &str, what: &str) {
    let listed = series_listing(f, attachment).await;
    let items = listed.expect(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1, "{what}: {items:?}");
    let s = &items[0];
    // De-identification gave the series a new UID.
    let uid = s["series_uid"].as_str().unwrap();
    assert!(uid.starts_with("2.25."), "{what}: {uid}");
    assert_eq!(s["frames"], SLICES, "{what}");
    assert_eq!(
        (s["rows"].as_u64(), s["columns"].as_u64()),
        (Some(ROWS.into()), Some(COLUMNS.into()))
    );
    assert_eq!(s["modality"], "MR");
    for n in 0..SLICES {
        let (w, h, grey) = png_of(f, &format!("{attachment}/series/{uid}/frames/{n}")).await;
        assert_eq!((w, h), (u32::from(COLUMNS), u32::from(ROWS)), "{what}");
        assert_eq!(
            bright_band(w, &grey),
            n,
            "{what}: frame {n} shows the wrong slice"
        );
        let means = row_means(w, &grey);
        let band = (n * BAND as usize)..((n + 1) * BAND as usize);
        for (row, mean) in means.iter().enumerate() {
            if band.contains(&row) {
                assert!(*mean > 200.0, "{what}: frame {n} row {row} is {mean}");
            } else if row + 2 < band.start || row > band.end + 1 {
                assert!(*mean < 40.0, "{what}: frame {n} row {row} is {mean}");
            }
        }
    }
}

async fn every_transfer_syntax_renders_in_slice_order(backend: Backend) {
    let f = Fixture::with_options(backend, Store::Files, Options::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let uid = |n: u32| format!("1.2.826.0.1.3680043.99.2.{n}");
    // How each series is written: natively, or converted by a tool from explicit VR LE.
    enum Make {
        Native(&'static str),
        Tool(&'static str, &'static [&'static str]),
        Jpeg2000,
    }
    use Make::{Jpeg2000, Native, Tool};
    // The series, their bits allocated, and how each is written; series n has the UID uid(n).
    let cases = [
        ("explicit VR little endian", 16, Native(EXPLICIT_LE)),
        ("implicit VR little endian", 16, Native(IMPLICIT_LE)),
        ("deflated", 16, Tool("dcmconv", &["+td"])),
        ("JPEG baseline", 8, Tool("dcmcjpeg", &["+eb"])),
        ("JPEG extended", 8, Tool("dcmcjpeg", &["+ee"])),
        ("JPEG lossless", 16, Tool("dcmcjpeg", &["+el"])),
        ("JPEG lossless SV1", 16, Tool("dcmcjpeg", &["+e1"])),
        ("RLE lossless", 16, Tool("dcmcrle", &[])),
        ("JPEG 2000", 16, Jpeg2000),
    ];
    for (n, (what, bits, make)) in (1..).zip(cases) {
        let spec = match bits {
            8 => Spec::eight_bit(&uid(n)),
            _ => Spec::sixteen_bit(&uid(n)),
        };
        let files: Vec<Vec<u8>> = match make {
            Native(ts) => all_slices(&spec, ts),
            Tool(tool, options) => all_slices(&spec, EXPLICIT_LE)
                .iter()
                .map(|b| transcode(b, tool, options, d))
                .collect(),
            Jpeg2000 => (0..SLICES).map(|i| spec.jpeg2000(i, d)).collect(),
        };
        let zip = shuffled_zip(files);
        let a = upload(&f, zip, &format!("{what}.zip")).await;
        check_order(&f, id(&a), what).await;
    }
    // A single Part-10 file with a multi-frame instance: frames in frame order.
    let spec = Spec::sixteen_bit(&uid(10));
    let frames: Vec<usize> = (0..SLICES).collect();
    let a = upload(&f, spec.instance(&frames, EXPLICIT_LE), "multiframe.dcm").await;
    check_order(&f, id(&a), "multi-frame").await;
}

async fn windows_presets_and_sizes(backend: Backend) {
    let f = Fixture::with_options(backend, Store::Files, Options::default()).await;
    let a = upload_series(&f, "1.2.826.0.1.3680043.99.3.1").await;
    let uid = only_series(&f, &a).await;
    let base = format!("{}/series/{uid}/frames/2", id(&a));
    let grey_at = |grey: &[u8], row: usize| grey[row * COLUMNS as usize + 3];
    let marker_row = 2 * BAND as usize;
    // Rescaled values: background 0, marker 1000. The file's window (500/1001) by default.
    let (_, _, g) = png_of(&f, &base).await;
    assert_eq!((grey_at(&g, 0), grey_at(&g, marker_row)), (0, 255));
    // An explicit window: background at its middle.
    let (_, _, g) = png_of(&f, &format!("{base}?wc=0&ww=2001")).await;
    assert!(
        (i32::from(grey_at(&g, 0)) - 128).abs() <= 1,
        "{}",
        grey_at(&g, 0)
    );
    assert_eq!(grey_at(&g, marker_row), 255);
    // A window above everything: all black.
    let (_, _, g) = png_of(&f, &format!("{base}?wc=5000&ww=100")).await;
    assert!(g.iter().all(|&v| v == 0));
    // A preset (brain 40/80): background black, marker white.
    let (_, _, g) = png_of(&f, &format!("{base}?preset=brain")).await;
    assert_eq!((grey_at(&g, 0), grey_at(&g, marker_row)), (0, 255));
    // Sizes: the longest edge, aspect kept.
    let (w, h, _) = png_of(&f, &format!("{base}?size=128")).await;
    assert_eq!((w, h), (128, 64));
    let (w, h, _) = png_of(&f, &format!("{base}?size=64")).await;
    assert_eq!((w, h), (64, 32));
    // MONOCHROME1 is inverted; no window in the file: min–max.
    let spec = Spec {
        monochrome1: true,
        window: None,
        ..Spec::sixteen_bit("1.2.826.0.1.3680043.99.3.2")
    };
    let a1 = upload(&f, shuffled_zip(all_slices(&spec, EXPLICIT_LE)), "m1.zip").await;
    let uid1 = only_series(&f, &a1).await;
    let (_, _, g) = png_of(&f, &format!("{}/series/{uid1}/frames/2", id(&a1))).await;
    assert_eq!((grey_at(&g, 0), grey_at(&g, marker_row)), (255, 0));
    let listed = series_listing(&f, id(&a1)).await;
    assert_eq!(listed.expect(200)["items"][0]["window"], Value::Null);
    let listed = series_listing(&f, id(&a)).await;
    assert_eq!(listed.expect(200)["items"][0]["window"]["center"], 500.0);
    // Bad parameters: 400 naming the field.
    for (query, field) in [
        ("wc=10", "ww"),
        ("ww=10", "wc"),
        ("wc=10&ww=0", "ww"),
        ("wc=abc&ww=10", "wc"),
        ("wc=1e300&ww=10", "wc"),
        ("preset=liver", "preset"),
        ("preset=brain&wc=1&ww=2", "preset"),
        ("size=63", "size"),
        ("size=2049", "size"),
        ("size=big", "size"),
    ] {
        let res = f
            .app
            .get(
                &format!("/api/attachments/{base}?{query}"),
                Some(&f.member.token),
            )
            .await;
        res.expect_invalid(field);
    }
}

/// Files under `dir` whose path contains `part`.
fn files_with(dir: &std::path::Path, part: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().contains(part) {
                found.push(p.to_string_lossy().to_string());
            }
        }
    }
    found
}

async fn etags_errors_access_and_the_cache_going_with_the_attachment(
    backend: Backend,
    store: Store,
) {
    let f = Fixture::with_options(backend, store, Options::default()).await;
    let a = upload_series(&f, "1.2.826.0.1.3680043.99.4.1").await;
    // An attachment stored before its index existed (or whose index was lost): the index is
    // built from the object the first time it is needed, and stored again.
    let root = f.store_dir();
    let stored_index = files_with(&root, ".derived/series-v");
    assert_eq!(stored_index.len(), 1, "the index is stored at upload");
    std::fs::remove_file(&stored_index[0]).unwrap();
    let uid = only_series(&f, &a).await;
    assert_eq!(
        files_with(&root, ".derived/series-v").len(),
        1,
        "rebuilt and stored"
    );
    let path = format!("{}/series/{uid}/frames/1", id(&a));
    let res = frame(&f, &f.member.token, &path).await;
    assert_eq!(res.status().as_u16(), 200);
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    assert!(etag.starts_with('"') && etag.len() > 10, "{etag}");
    assert_eq!(res.headers()["cache-control"], "private, max-age=86400");
    let first = res.bytes().await.unwrap();
    // Revalidation: 304 without a body; the same bytes again otherwise.
    let res = get_attachment(&f, &path)
        .bearer_auth(&f.coordinator.token)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 304);
    assert_eq!(res.headers()["etag"].to_str().unwrap(), etag);
    let again = frame(&f, &f.referrer.token, &path).await;
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(again.bytes().await.unwrap(), first);
    // Another window is another picture, with another ETag.
    let other = frame(&f, &f.member.token, &format!("{path}?preset=bone")).await;
    assert_ne!(other.headers()["etag"].to_str().unwrap(), etag);
    // Errors.
    let a_id = id(&a);
    for (p, status) in [
        (format!("{a_id}/series/{uid}/frames/{SLICES}"), 404),
        (format!("{a_id}/series/{uid}/frames/-1"), 404),
        (format!("{a_id}/series/{uid}/frames/x"), 404),
        (format!("{a_id}/series/1.2.3.4/frames/0"), 404),
        (format!("{a_id}/series/not-a-uid/frames/0"), 404),
        (format!("{}/series/{uid}/frames/0", uuid_like()), 404),
    ] {
        let res = frame(&f, &f.member.token, &p).await;
        assert_eq!(res.status().as_u16(), status, "{p}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "not_found", "{p}: {body}");
    }
    // A non-DICOM attachment has no series (409), and DICOM without an image has none listed.
    let pdf = upload(&f, b"%PDF-1.4 compte rendu".to_vec(), "cr.pdf").await;
    series_listing(&f, id(&pdf))
        .await
        .expect_problem(409, "conflict");
    let res = frame(
        &f,
        &f.member.token,
        &format!("{}/series/{uid}/frames/0", id(&pdf)),
    )
    .await;
    assert_eq!(res.status().as_u16(), 409);
    let plain = upload(&f, dicom_file("DOE^JANE", "no image"), "x.dcm").await;
    let listed = series_listing(&f, id(&plain)).await;
    assert_eq!(listed.expect(200)["items"], serde_json::json!([]));
    // Access follows the attachment's: a stranger and no token are refused.
    let res = frame(&f, &f.stranger.token, &path).await;
    assert_eq!(res.status().as_u16(), 404);
    f.app
        .get(
            &format!("/api/attachments/{a_id}/series"),
            Some(&f.stranger.token),
        )
        .await
        .expect_problem(404, "not_found");
    let res = get_attachment(&f, &path).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 401);
    // The access check of a burst of frames is remembered a second for the token, no more: a
    // token signed out reads no frame after that second.
    let second = f.app.login(&f.member.email, PASSWORD).await;
    assert_eq!(frame(&f, &second, &path).await.status().as_u16(), 200);
    f.app
        .post_empty("/api/auth/logout", Some(&second))
        .await
        .expect(204);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(frame(&f, &second, &path).await.status().as_u16(), 401);
    // The index and rendered frames are stored beside the object, and go with it.
    assert!(
        !files_with(&root, ".derived/frames/").is_empty(),
        "rendered frames are cached"
    );
    assert!(
        !files_with(&root, ".derived/series-v").is_empty(),
        "the index is stored"
    );
    f.app
        .delete(&format!("/api/attachments/{a_id}"), Some(&f.referrer.token))
        .await
        .expect(204);
    let left: Vec<String> = files_with(&root, a_id);
    assert!(
        left.is_empty(),
        "nothing of the attachment is left: {left:?}"
    );
    let res = frame(&f, &f.member.token, &path).await;
    assert_eq!(res.status().as_u16(), 404);
}

fn uuid_like() -> String {
    uuid::Uuid::new_v4().to_string()
}

async fn undecodable_syntaxes_are_named(backend: Backend) {
    let f = Fixture::with_options(backend, Store::Files, Options::default()).await;
    let dir = tempfile::tempdir().unwrap();
    for (what, spec, tool, options, name) in [
        (
            "JPEG-LS",
            Spec::sixteen_bit("1.2.826.0.1.3680043.99.5.1"),
            "dcmcjpls",
            &[][..],
            "JPEG-LS",
        ),
        (
            "JPEG-LS near-lossless",
            Spec::sixteen_bit("1.2.826.0.1.3680043.99.5.2"),
            "dcmcjpls",
            &["+en"][..],
            "JPEG-LS",
        ),
    ] {
        let bytes = transcode(&spec.instance(&[0], EXPLICIT_LE), tool, options, dir.path());
        let res = first_frame(&f, bytes, &format!("{what}.dcm")).await;
        assert_eq!(res.status().as_u16(), 415, "{what}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "unsupported");
        let detail = body["detail"].as_str().unwrap();
        assert!(
            detail.contains(name) && detail.contains("1.2.840.10008.1.2.4."),
            "{what}: {detail}"
        );
    }
}

async fn colour_stays_colour(backend: Backend) {
    let f = Fixture::with_options(backend, Store::Files, Options::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let native = series::rgb_instance("1.2.826.0.1.3680043.99.7.1");
    // JPEG baseline stores colour as YBR_FULL_422: it must come back as RGB.
    let jpeg = transcode(&native, "dcmcjpeg", &["+eb"], dir.path());
    for (what, bytes, tolerance) in [("native RGB", native, 0), ("JPEG baseline", jpeg, 40)] {
        let res = first_frame(&f, bytes, &format!("{what}.dcm")).await;
        assert_eq!(res.status().as_u16(), 200, "{what}");
        let (w, _, rgb) = series::png_rgb(&res.bytes().await.unwrap());
        let at = |r: usize, c: usize| {
            let i = (r * w as usize + c) * 3;
            [rgb[i], rgb[i + 1], rgb[i + 2]]
        };
        let near = |got: [u8; 3], want: [u8; 3]| {
            got.iter()
                .zip(want)
                .all(|(g, w)| (i32::from(*g) - i32::from(w)).abs() <= tolerance)
        };
        assert!(
            near(at(1, 30), [0, 200, 0]),
            "{what}: green band {:?}",
            at(1, 30)
        );
        assert!(
            near(at(BAND as usize + 1, 2), [0, 0, 200]),
            "{what}: blue {:?}",
            at(5, 2)
        );
        assert!(
            near(at(20, 40), [200, 0, 0]),
            "{what}: red {:?}",
            at(20, 40)
        );
    }
}

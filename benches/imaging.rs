//! Benchmark of imaging review (issue 13, API.md section 11): rendering frames on the server,
//! side by side with Orthanc rendering the same files, and the presenter's view reaching 20
//! followers in a live room.
//!
//! Builds, in code, a 512×512 16-bit MR series (MONOCHROME2, explicit VR little endian, a smooth
//! head phantom with noise, RescaleSlope/Intercept and a window in the file; uploaded as one zip)
//! and 2048×2048 16-bit X-rays (DX, 14 bits stored, MONOCHROME1; one attachment each). Starts the
//! real server (release build) and a private Orthanc (Debian's, loopback only, no DICOM
//! listener), uploads the same Part-10 files to both, then measures, in one run:
//! - first render: Consilium on frames that no cache holds (a new slice or a new file each time;
//!   and a new window on the same frame) against Orthanc's `/instances/{id}/frames/0/rendered`
//!   on the same files (the first request for each instance, and repeated requests), p50;
//! - cached serve: the same URL again (200) and with `If-None-Match` (304), p50/p95;
//! - the presenter's `view` to the followers' image: 20 followers in the room; the chair sends
//!   `view` for successive slices 300 ms apart; each follower, on receiving it, GETs the frame;
//!   from the send to each follower holding the whole PNG, p50/p95. Where the server does not
//!   relay `view` yet, it says so and measures the same path with the view carried by a chat
//!   line (durable: written to the database before it is relayed) as a stand-in;
//! - where the time of one render goes, in this process: parse, decode, windowing, PNG.
//!
//! Times are taken by the client: from sending the request to holding the whole body.
//!
//! Run: `cargo bench --bench imaging -- [--slices 48] [--xrays 12] [--cold 12] [--cached 200]
//! [--followers 20] [--views 30] [--spacing-ms 300] [--pause-ms 50] [--orthanc /usr/sbin/Orthanc]
//! [--binary PATH] [--dir DIR]` (`--binary`: another build of the server, e.g. one with the
//! view relay; `--pause-ms`: the pause after each first-render request).

use std::collections::HashMap;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use bytes::Bytes;
use common::process::{ServerProcess, machine};
use common::{PASSWORD, arg, percentile, runtime, scratch_dir, ws_connect};
use consilium::domain::imaging::{FrameRequest, Rescale, Window, grey_levels};
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::file::ReadPreamble;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject, OpenFileOptions};
use dicom_pixeldata::{ConvertOptions, ModalityLutOption, PixelDecoder};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

mod common;

const EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1";
const MR_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.4";
const DX_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.1.1";

/// The MR's modality LUT and window (rescaled units).
const MR_SLOPE: f64 = 2.0;
const MR_INTERCEPT: f64 = -100.0;
const MR_WINDOW: (f64, f64) = (900.0, 1800.0);
const XR_WINDOW: (f64, f64) = (8000.0, 12000.0);

#[derive(Debug, Clone)]
struct Args {
    slices: usize,
    xrays: usize,
    cold: usize,
    cached: usize,
    followers: usize,
    views: usize,
    spacing_ms: u64,
    pause_ms: u64,
    orthanc: PathBuf,
}

fn parse_args() -> anyhow::Result<Args> {
    let num = |name: &str, default: usize| -> anyhow::Result<usize> {
        Ok(arg(name).map(|v| v.parse()).transpose()?.unwrap_or(default))
    };
    let a = Args {
        slices: num("--slices", 48)?,
        xrays: num("--xrays", 12)?,
        cold: num("--cold", 12)?,
        cached: num("--cached", 200)?,
        followers: num("--followers", 20)?,
        views: num("--views", 30)?,
        spacing_ms: num("--spacing-ms", 300)? as u64,
        pause_ms: num("--pause-ms", 50)? as u64,
        orthanc: PathBuf::from(arg("--orthanc").unwrap_or_else(|| "/usr/sbin/Orthanc".into())),
    };
    // Slices 0..cold are the cold renders, cold..cold+views the presenter's views, the last
    // one warms up.
    ensure!(
        a.slices > a.cold + a.views,
        "--slices must exceed --cold + --views"
    );
    ensure!(
        a.cold >= 1 && a.xrays >= 1 && a.cached >= 1,
        "nothing to measure"
    );
    Ok(a)
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let dir = scratch_dir()?;
    runtime()?.block_on(run(args, dir.path()))
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

// --- Images built in code ------------------------------------------------------------------

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
    let mut out = Vec::with_capacity(n * n);
    for row in 0..n {
        let y = 2.0 * (row as f64 + 0.5) / n as f64 - 1.0;
        for col in 0..n {
            let x = 2.0 * (col as f64 + 0.5) / n as f64 - 1.0;
            let mut value = 0.0;
            for &((cx, cy, a, b, angle), add, scale) in &shapes {
                if scale > 0.0 {
                    value +=
                        add * ellipse(x, y, (cx * scale, cy, a * scale, b * scale, angle), edge);
                }
            }
            // A smooth coil bias, then noise.
            value *= 1.0 + 0.12 * y - 0.08 * x * y;
            value += 15.0 * rng.gauss();
            let stored = ((value.max(0.0) - MR_INTERCEPT) / MR_SLOPE).round();
            out.push(stored.clamp(0.0, 65535.0) as u16);
        }
    }
    out
}

/// A chest X-ray phantom, `n`×`n`, 14-bit stored values for MONOCHROME1 (air high, bone low);
/// `variant` shifts it a little and changes the noise.
fn xray(variant: usize, n: usize) -> Vec<u16> {
    let shift = 0.01 * variant as f64;
    let edge = 6.0 / n as f64;
    let mut rng = Rng(0xD1B5_4A32_D192_ED03 ^ (variant as u64 + 7).wrapping_mul(0x9E37_79B9));
    let mut out = Vec::with_capacity(n * n);
    for row in 0..n {
        let y = 2.0 * (row as f64 + 0.5) / n as f64 - 1.0;
        for col in 0..n {
            let x = 2.0 * (col as f64 + 0.5) / n as f64 - 1.0 - shift;
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
            out.push(value.round().clamp(0.0, 16383.0) as u16);
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

/// A Part-10 file in explicit VR little endian: `elements`, then 16-bit pixels.
fn part10(
    elements: Vec<DataElement<InMemDicomObject>>,
    sop_class: &str,
    sop: &str,
    pixels: &[u16],
) -> anyhow::Result<Vec<u8>> {
    let mut obj = InMemDicomObject::from_element_iter(elements);
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
fn mr_series(slices: usize) -> anyhow::Result<Vec<Vec<u8>>> {
    let (study, series) = (new_uid(), new_uid());
    (0..slices)
        .map(|s| {
            let sop = new_uid();
            let elements = vec![
                text(tags::PATIENT_NAME, VR::PN, "PHANTOM^HEAD"),
                text(tags::PATIENT_ID, VR::LO, "BENCH-MR"),
                text(tags::STUDY_INSTANCE_UID, VR::UI, &study),
                text(tags::SERIES_INSTANCE_UID, VR::UI, &series),
                text(tags::SOP_INSTANCE_UID, VR::UI, &sop),
                text(tags::SOP_CLASS_UID, VR::UI, MR_STORAGE),
                text(tags::MODALITY, VR::CS, "MR"),
                text(tags::SERIES_DESCRIPTION, VR::LO, "T2 TSE axial"),
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
                text(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2"),
                uint(tags::SAMPLES_PER_PIXEL, 1),
                uint(tags::ROWS, 512),
                uint(tags::COLUMNS, 512),
                uint(tags::BITS_ALLOCATED, 16),
                uint(tags::BITS_STORED, 16),
                uint(tags::HIGH_BIT, 15),
                uint(tags::PIXEL_REPRESENTATION, 0),
                text(tags::RESCALE_INTERCEPT, VR::DS, &MR_INTERCEPT.to_string()),
                text(tags::RESCALE_SLOPE, VR::DS, &MR_SLOPE.to_string()),
                text(tags::WINDOW_CENTER, VR::DS, &MR_WINDOW.0.to_string()),
                text(tags::WINDOW_WIDTH, VR::DS, &MR_WINDOW.1.to_string()),
            ];
            part10(elements, MR_STORAGE, &sop, &mr_slice(s, slices, 512))
        })
        .collect()
}

/// One chest X-ray (a study and series of its own).
fn xray_file(variant: usize) -> anyhow::Result<Vec<u8>> {
    let sop = new_uid();
    let elements = vec![
        text(tags::PATIENT_NAME, VR::PN, "PHANTOM^CHEST"),
        text(tags::PATIENT_ID, VR::LO, "BENCH-XR"),
        text(tags::STUDY_INSTANCE_UID, VR::UI, &new_uid()),
        text(tags::SERIES_INSTANCE_UID, VR::UI, &new_uid()),
        text(tags::SOP_INSTANCE_UID, VR::UI, &sop),
        text(tags::SOP_CLASS_UID, VR::UI, DX_STORAGE),
        text(tags::MODALITY, VR::CS, "DX"),
        text(tags::SERIES_DESCRIPTION, VR::LO, "Chest PA"),
        text(tags::PRESENTATION_INTENT_TYPE, VR::CS, "FOR PRESENTATION"),
        text(tags::INSTANCE_NUMBER, VR::IS, "1"),
        text(tags::IMAGER_PIXEL_SPACING, VR::DS, "0.139\\0.139"),
        text(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME1"),
        uint(tags::SAMPLES_PER_PIXEL, 1),
        uint(tags::ROWS, 2048),
        uint(tags::COLUMNS, 2048),
        uint(tags::BITS_ALLOCATED, 16),
        uint(tags::BITS_STORED, 14),
        uint(tags::HIGH_BIT, 13),
        uint(tags::PIXEL_REPRESENTATION, 0),
        text(tags::RESCALE_INTERCEPT, VR::DS, "0"),
        text(tags::RESCALE_SLOPE, VR::DS, "1"),
        text(tags::WINDOW_CENTER, VR::DS, &XR_WINDOW.0.to_string()),
        text(tags::WINDOW_WIDTH, VR::DS, &XR_WINDOW.1.to_string()),
    ];
    part10(elements, DX_STORAGE, &sop, &xray(variant, 2048))
}

/// A zip of `files` (deflated, as a user's archive would be).
fn zip_of(files: &[Vec<u8>]) -> anyhow::Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (i, bytes) in files.iter().enumerate() {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file(format!("DICOM/MR/IM{i:04}"), options)?;
        zip.write_all(bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

// --- Orthanc ---------------------------------------------------------------------------------

/// A private Orthanc: its own ports and storage, loopback clients only, no DICOM listener, no
/// plugins; killed when dropped.
struct Orthanc {
    child: Child,
    url: String,
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl Orthanc {
    async fn start(binary: &Path, dir: &Path, client: &reqwest::Client) -> anyhow::Result<Orthanc> {
        if !binary.exists() {
            bail!(
                "{} not found (Debian package `orthanc`; or pass --orthanc PATH)",
                binary.display()
            );
        }
        let storage = dir.join("orthanc-storage");
        std::fs::create_dir_all(&storage)?;
        let (http, dicom) = (free_port()?, free_port()?);
        let config = json!({
            "Name": "consilium-bench",
            "StorageDirectory": storage,
            "IndexDirectory": storage,
            "HttpPort": http,
            "DicomPort": dicom,
            "DicomServerEnabled": false,
            "RemoteAccessAllowed": false,
            "AuthenticationEnabled": false,
            "Plugins": [],
            "KeepAlive": true,
            "TcpNoDelay": true,
            "SaveJobs": false,
        });
        let path = dir.join("orthanc.json");
        std::fs::write(&path, serde_json::to_vec_pretty(&config)?)?;
        let log = std::fs::File::create(dir.join("orthanc.log"))?;
        let child = Command::new(binary)
            .arg(&path)
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("cannot start Orthanc")?;
        let orthanc = Orthanc {
            child,
            url: format!("http://127.0.0.1:{http}"),
        };
        let started = Instant::now();
        loop {
            if let Ok(res) = client.get(format!("{}/system", orthanc.url)).send().await
                && res.status().is_success()
            {
                break;
            }
            if started.elapsed() > Duration::from_secs(60) {
                bail!("Orthanc did not answer within 60 s (see orthanc.log)");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(orthanc)
    }

    async fn version(&self, client: &reqwest::Client) -> anyhow::Result<String> {
        let v: Value = client
            .get(format!("{}/system", self.url))
            .send()
            .await?
            .json()
            .await?;
        Ok(v["Version"].as_str().unwrap_or("?").to_string())
    }

    /// Stores a Part-10 file; returns Orthanc's instance id.
    async fn store(&self, client: &reqwest::Client, bytes: Vec<u8>) -> anyhow::Result<String> {
        let res = client
            .post(format!("{}/instances", self.url))
            .header("Content-Type", "application/dicom")
            .body(bytes)
            .send()
            .await?;
        let status = res.status();
        let v: Value = res.json().await?;
        ensure!(status.is_success(), "Orthanc refused an instance: {v}");
        Ok(v["ID"].as_str().context("no instance ID")?.to_string())
    }

    fn rendered(&self, id: &str) -> String {
        format!("{}/instances/{id}/frames/0/rendered", self.url)
    }
}

impl Drop for Orthanc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// --- HTTP -------------------------------------------------------------------------------------

struct Got {
    ms: f64,
    status: u16,
    body: Bytes,
    etag: Option<String>,
}

/// A GET timed from the send to the last byte of the body.
async fn timed_get(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    if_none_match: Option<&str>,
) -> anyhow::Result<Got> {
    let mut req = client.get(url).header("Accept", "image/png");
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(e) = if_none_match {
        req = req.header("If-None-Match", e);
    }
    let started = Instant::now();
    let res = req.send().await?;
    let status = res.status().as_u16();
    let etag = res
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = res.bytes().await?;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    Ok(Got {
        ms,
        status,
        body,
        etag,
    })
}

/// A GET that must answer 200 with a PNG of `size`×`size`.
async fn png_get(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    size: u32,
) -> anyhow::Result<Got> {
    let got = timed_get(client, url, token, None).await?;
    ensure!(
        got.status == 200,
        "{url}: {} {}",
        got.status,
        String::from_utf8_lossy(&got.body[..got.body.len().min(300)])
    );
    let info = png::Decoder::new(Cursor::new(&got.body[..]))
        .read_info()
        .with_context(|| format!("{url}: not a PNG"))?
        .info()
        .clone();
    ensure!(
        (info.width, info.height) == (size, size),
        "{url}: a {}×{} PNG",
        info.width,
        info.height
    );
    Ok(got)
}

/// The grey levels of an 8-bit grey PNG.
fn grey_of(png_bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut reader = png::Decoder::new(Cursor::new(png_bytes)).read_info()?;
    let mut buf = vec![0; reader.output_buffer_size().context("PNG too large")?];
    let info = reader.next_frame(&mut buf)?;
    ensure!(
        info.color_type == png::ColorType::Grayscale && info.bit_depth == png::BitDepth::Eight,
        "not an 8-bit grey PNG: {:?} {:?}",
        info.color_type,
        info.bit_depth
    );
    buf.truncate(info.buffer_size());
    Ok(buf)
}

/// The mean absolute difference of two renders of the same frame, in grey levels.
fn mean_difference(a: &[u8], b: &[u8]) -> anyhow::Result<f64> {
    let (a, b) = (grey_of(a)?, grey_of(b)?);
    ensure!(a.len() == b.len(), "renders of different sizes");
    let sum: u64 = a
        .iter()
        .zip(&b)
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    Ok(sum as f64 / a.len().max(1) as f64)
}

/// A bare HTTP/1.1 server in this process that answers every request with `body`: what moving
/// that many bytes through loopback into this client costs, whatever the server does.
async fn canned_server(body: Bytes) -> anyhow::Result<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let body = body.clone();
            let _ = sock.set_nodelay(true);
            tokio::spawn(async move {
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                let mut buf = vec![0u8; 16 * 1024];
                let mut pending = Vec::new();
                loop {
                    let n = match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    pending.extend_from_slice(&buf[..n]);
                    while let Some(end) = memchr::memmem::find(&pending, b"\r\n\r\n") {
                        pending.drain(..end + 4);
                        if sock.write_all(head.as_bytes()).await.is_err()
                            || sock.write_all(&body).await.is_err()
                        {
                            return;
                        }
                    }
                }
            });
        }
    });
    Ok(format!("http://{addr}/frame.png"))
}

async fn login(client: &reqwest::Client, api: &str, email: &str) -> anyhow::Result<String> {
    let v: Value = client
        .post(format!("{api}/api/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    Ok(v["token"].as_str().context("login failed")?.to_string())
}

async fn call(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<Value>,
) -> anyhow::Result<Value> {
    let mut req = client.request(method, &url).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await?;
    let status = res.status();
    let v: Value = res.json().await.unwrap_or(Value::Null);
    ensure!(status.is_success(), "{url}: {status} {v}");
    Ok(v)
}

async fn upload(
    client: &reqwest::Client,
    api: &str,
    token: &str,
    dossier: &str,
    name: &str,
    mime: &str,
    bytes: Vec<u8>,
) -> anyhow::Result<String> {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(name.to_string())
        .mime_str(mime)?;
    let res = client
        .post(format!("{api}/api/dossiers/{dossier}/attachments"))
        .bearer_auth(token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await?;
    let status = res.status();
    let v: Value = res.json().await?;
    ensure!(status.as_u16() == 201, "upload of {name}: {status} {v}");
    Ok(v["id"].as_str().context("attachment id")?.to_string())
}

/// The (de-identified) UID and frame count of an attachment's only series.
async fn only_series(
    client: &reqwest::Client,
    api: &str,
    token: &str,
    attachment: &str,
) -> anyhow::Result<(String, u64)> {
    let v = call(
        client,
        reqwest::Method::GET,
        format!("{api}/api/attachments/{attachment}/series"),
        token,
        None,
    )
    .await?;
    let s = &v["items"][0];
    Ok((
        s["series_uid"].as_str().context("series_uid")?.to_string(),
        s["frames"].as_u64().context("frames")?,
    ))
}

/// The room and everyone in it: a board with a coordinator (the chair) and `followers`
/// members, a session with the imaging dossier on its agenda.
struct Room {
    chair: String,
    followers: Vec<String>,
    session: String,
    mr: String,
    mr_series: String,
    xrays: Vec<(String, String)>,
}

/// An admin through the CLI, as an operator does.
fn add_admin(binary: &Path, data: &Path, db_url: &str) -> anyhow::Result<()> {
    let status = Command::new(binary)
        .args([
            "user",
            "add",
            "--email",
            "admin@bench.test",
            "--name",
            "Admin",
        ])
        .args(["--password", PASSWORD, "--role", "admin"])
        .env("CONSILIUM_DATA_DIR", data)
        .env("CONSILIUM_DATABASE_URL", db_url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .status()?;
    ensure!(status.success(), "user add failed");
    Ok(())
}

async fn set_up(
    api: &str,
    client: &reqwest::Client,
    args: &Args,
    mr_files: &[Vec<u8>],
    xray_files: &[Vec<u8>],
) -> anyhow::Result<Room> {
    use reqwest::Method;
    let admin = login(client, api, "admin@bench.test").await?;
    let board = call(
        client,
        Method::POST,
        format!("{api}/api/boards"),
        &admin,
        Some(json!({"name": "Neuro-oncology board"})),
    )
    .await?;
    let board_id = board["id"].as_str().context("board id")?.to_string();
    let mut tokens = Vec::new();
    for i in 0..=args.followers {
        let email = format!("dr{i}@bench.test");
        let user = call(
            client,
            Method::POST,
            format!("{api}/api/users"),
            &admin,
            Some(
                json!({"email": email, "name": format!("Dr Bench {i}"), "password": PASSWORD,
                        "specialty": "Neuroradiology", "organization": "CH Bench"}),
            ),
        )
        .await?;
        let id = user["id"].as_str().context("user id")?;
        let role = if i == 0 { "coordinator" } else { "member" };
        call(
            client,
            Method::PUT,
            format!("{api}/api/boards/{board_id}/members/{id}"),
            &admin,
            Some(json!({"role": role})),
        )
        .await?;
        tokens.push(login(client, api, &email).await?);
    }
    let chair = tokens.remove(0);
    let dossier = call(
        client,
        Method::POST,
        format!("{api}/api/dossiers"),
        &chair,
        Some(json!({"board_id": board_id, "title": "Glioma follow-up", "patient": {"pseudonym": "BENCH-1"},
                    "question": "Progression or pseudo-progression?", "consent": true})),
    )
    .await?;
    let dossier_id = dossier["id"].as_str().context("dossier id")?.to_string();
    let mr = upload(
        client,
        api,
        &chair,
        &dossier_id,
        "mr-t2.zip",
        "application/zip",
        zip_of(mr_files)?,
    )
    .await?;
    let mut xrays = Vec::new();
    for (i, bytes) in xray_files.iter().enumerate() {
        let id = upload(
            client,
            api,
            &chair,
            &dossier_id,
            &format!("chest-{i}.dcm"),
            "application/dicom",
            bytes.clone(),
        )
        .await?;
        let (series, _) = only_series(client, api, &chair, &id).await?;
        xrays.push((id, series));
    }
    let (mr_series, frames) = only_series(client, api, &chair, &mr).await?;
    ensure!(
        frames as usize == args.slices,
        "the MR series has {frames} frames"
    );
    call(
        client,
        Method::POST,
        format!("{api}/api/dossiers/{dossier_id}/submit"),
        &chair,
        None,
    )
    .await?;
    let session = call(
        client,
        Method::POST,
        format!("{api}/api/boards/{board_id}/sessions"),
        &chair,
        Some(json!({"title": "Weekly board", "scheduled_at": "2026-11-30T16:30:00Z"})),
    )
    .await?;
    let session = session["id"].as_str().context("session id")?.to_string();
    call(
        client,
        Method::POST,
        format!("{api}/api/sessions/{session}/agenda"),
        &chair,
        Some(json!({"dossier_id": dossier_id})),
    )
    .await?;
    Ok(Room {
        chair,
        followers: tokens,
        session,
        mr,
        mr_series,
        xrays,
    })
}

// --- Report -----------------------------------------------------------------------------------

fn p(v: &[f64], q: f64) -> f64 {
    let mut v = v.to_vec();
    percentile(&mut v, q)
}

fn kib(n: usize) -> f64 {
    n as f64 / 1024.0
}

/// Table rows, printed at the end.
#[derive(Default)]
struct Table {
    rows: Vec<[String; 5]>,
}

impl Table {
    fn row(&mut self, what: &str, consilium: String, orthanc: String, ratio: String, target: &str) {
        println!("  {what}: Consilium {consilium}; Orthanc {orthanc}; {ratio} {target}");
        self.rows
            .push([what.into(), consilium, orthanc, ratio, target.into()]);
    }

    fn print(&self) {
        println!("\n| measurement | Consilium | Orthanc | Consilium / Orthanc | target |");
        println!("|---|---|---|---|---|");
        for r in &self.rows {
            println!("| {} | {} | {} | {} | {} |", r[0], r[1], r[2], r[3], r[4]);
        }
    }
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

async fn run(args: Args, dir: &Path) -> anyhow::Result<()> {
    println!("machine: {}", machine());
    println!("load average at start: {}", loadavg());
    println!("{args:?}");
    let started = Instant::now();
    let mr_files = mr_series(args.slices)?;
    // One more X-ray than measured: the last warms up.
    let xray_files: Vec<Vec<u8>> = (0..=args.xrays)
        .map(xray_file)
        .collect::<anyhow::Result<_>>()?;
    println!(
        "built {} MR slices ({:.0} KiB each) and {} X-rays ({:.0} KiB each) in {:.1} s",
        mr_files.len(),
        kib(mr_files[0].len()),
        xray_files.len(),
        kib(xray_files[0].len()),
        started.elapsed().as_secs_f64()
    );

    let binary = arg("--binary")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_consilium")));
    let binary = binary.as_path();
    println!("server: {}", binary.display());
    let data = dir.join("data");
    std::fs::create_dir_all(&data)?;
    let db_url = format!("sqlite://{}", data.join("consilium.db").display());
    let server = ServerProcess::start(binary, &data, &db_url, &[])?;
    let api = server.url.clone();
    let client = reqwest::Client::builder().tcp_nodelay(true).build()?;
    add_admin(binary, &data, &db_url)?;
    let room = set_up(&api, &client, &args, &mr_files, &xray_files).await?;
    let orthanc = Orthanc::start(&args.orthanc, dir, &client).await?;
    let orthanc_version = orthanc.version(&client).await?;
    println!("Orthanc {orthanc_version} at {}", orthanc.url);
    let mut mr_ids = Vec::new();
    for bytes in mr_files.iter().take(args.cold) {
        mr_ids.push(orthanc.store(&client, bytes.clone()).await?);
    }
    let warm_mr_id = orthanc
        .store(&client, mr_files[args.slices - 1].clone())
        .await?;
    let mut xr_ids = Vec::new();
    for bytes in &xray_files {
        xr_ids.push(orthanc.store(&client, bytes.clone()).await?);
    }
    let warm_xr_id = xr_ids.pop().context("no X-ray")?;
    let xr_warm = room.xrays[args.xrays].clone();

    let token = room.chair.as_str();
    let frame_url = |attachment: &str, series: &str, n: usize, query: &str| {
        format!("{api}/api/attachments/{attachment}/series/{series}/frames/{n}{query}")
    };
    // Warm-up: the code paths of both servers, on frames not measured afterwards.
    png_get(
        &client,
        &frame_url(&room.mr, &room.mr_series, args.slices - 1, ""),
        Some(token),
        512,
    )
    .await?;
    png_get(
        &client,
        &frame_url(&xr_warm.0, &xr_warm.1, 0, ""),
        Some(token),
        2048,
    )
    .await?;
    png_get(&client, &orthanc.rendered(&warm_mr_id), None, 512).await?;
    png_get(&client, &orthanc.rendered(&warm_xr_id), None, 2048).await?;

    let mut table = Table::default();
    println!("\nload average before the renders: {}", loadavg());

    // --- First renders ----------------------------------------------------------------------
    // Interleaved, so that both servers see the same moments of the machine's load, with a
    // pause after each request so that neither server's work spills into the other's sample.
    let pause = || tokio::time::sleep(Duration::from_millis(args.pause_ms));
    let mut mr_new = Vec::new();
    let mut mr_orthanc_first = Vec::new();
    let (mut mr_png, mut mr_orthanc_png) = (0, 0);
    let (mut mr_diff, mut xr_diff) = (f64::NAN, f64::NAN);
    for (i, id) in mr_ids.iter().enumerate() {
        let ours = png_get(
            &client,
            &frame_url(&room.mr, &room.mr_series, i, ""),
            Some(token),
            512,
        )
        .await?;
        pause().await;
        let theirs = png_get(&client, &orthanc.rendered(id), None, 512).await?;
        pause().await;
        if i == 0 {
            mr_diff = mean_difference(&ours.body, &theirs.body)?;
        }
        mr_new.push(ours.ms);
        mr_orthanc_first.push(theirs.ms);
        (mr_png, mr_orthanc_png) = (ours.body.len(), theirs.body.len());
    }
    let mut mr_window = Vec::new();
    let mut mr_orthanc_again = Vec::new();
    for i in 0..args.cold {
        // A window never asked for before: the frame's render caches miss (the instance's
        // bytes are in memory).
        let query = format!(
            "?wc={}&ww={}",
            MR_WINDOW.0 + 7.0 * (i + 1) as f64,
            MR_WINDOW.1
        );
        let ours = png_get(
            &client,
            &frame_url(&room.mr, &room.mr_series, 0, &query),
            Some(token),
            512,
        )
        .await?;
        pause().await;
        let theirs = png_get(&client, &orthanc.rendered(&mr_ids[0]), None, 512).await?;
        pause().await;
        mr_window.push(ours.ms);
        mr_orthanc_again.push(theirs.ms);
    }
    let mut xr_new = Vec::new();
    let mut xr_orthanc_first = Vec::new();
    let (mut xr_png, mut xr_orthanc_png) = (0, 0);
    for (i, id) in xr_ids.iter().enumerate() {
        let (attachment, series) = &room.xrays[i];
        let ours = png_get(
            &client,
            &frame_url(attachment, series, 0, ""),
            Some(token),
            2048,
        )
        .await?;
        pause().await;
        let theirs = png_get(&client, &orthanc.rendered(id), None, 2048).await?;
        pause().await;
        if i == 0 {
            xr_diff = mean_difference(&ours.body, &theirs.body)?;
        }
        xr_new.push(ours.ms);
        xr_orthanc_first.push(theirs.ms);
        (xr_png, xr_orthanc_png) = (ours.body.len(), theirs.body.len());
    }
    let mut xr_window = Vec::new();
    let mut xr_orthanc_again = Vec::new();
    for i in 0..args.cold.max(10) {
        let query = format!(
            "?wc={}&ww={}",
            XR_WINDOW.0 + 11.0 * (i + 1) as f64,
            XR_WINDOW.1
        );
        let (attachment, series) = &room.xrays[0];
        let ours = png_get(
            &client,
            &frame_url(attachment, series, 0, &query),
            Some(token),
            2048,
        )
        .await?;
        pause().await;
        let theirs = png_get(&client, &orthanc.rendered(&xr_ids[0]), None, 2048).await?;
        pause().await;
        xr_window.push(ours.ms);
        xr_orthanc_again.push(theirs.ms);
    }
    println!(
        "PNG sizes: MR Consilium {:.0} KiB, Orthanc {:.0} KiB; X-ray Consilium {:.0} KiB, Orthanc {:.0} KiB",
        kib(mr_png),
        kib(mr_orthanc_png),
        kib(xr_png),
        kib(xr_orthanc_png)
    );
    println!(
        "the same pictures: mean |difference| between the two servers' renders of one frame, \
         in grey levels (0-255): MR {mr_diff:.2}, X-ray {xr_diff:.2}"
    );
    println!("first renders (p50 over {} samples each):", args.cold);
    let first = |table: &mut Table, what: &str, ours: &[f64], theirs: &[f64]| {
        let (a, b) = (p(ours, 50.0), p(theirs, 50.0));
        table.row(
            what,
            format!("{a:.1} ms (p95 {:.1})", p(ours, 95.0)),
            format!("{b:.1} ms (p95 {:.1})", p(theirs, 95.0)),
            format!("{:.2}", a / b),
            &format!("≤ 0.5: {}", verdict(a <= b / 2.0)),
        );
    };
    first(
        &mut table,
        "MR 512² first render, a new slice each time (p50)",
        &mr_new,
        &mr_orthanc_first,
    );
    first(
        &mut table,
        "MR 512² first render, same slice, a new window each time (p50)",
        &mr_window,
        &mr_orthanc_again,
    );
    first(
        &mut table,
        "X-ray 2048² first render, a new file each time (p50)",
        &xr_new,
        &xr_orthanc_first,
    );
    first(
        &mut table,
        "X-ray 2048² first render, same file, a new window each time (p50)",
        &xr_window,
        &xr_orthanc_again,
    );

    // --- Cached serve -----------------------------------------------------------------------
    println!("cached serve ({} requests each):", args.cached);
    let xr = &room.xrays[0];
    for (what, url, size) in [
        (
            "MR 512²",
            frame_url(&room.mr, &room.mr_series, 0, ""),
            512u32,
        ),
        ("X-ray 2048²", frame_url(&xr.0, &xr.1, 0, ""), 2048),
        // What a viewer 900 px wide asks for.
        (
            "X-ray at ?size=1024",
            frame_url(&xr.0, &xr.1, 0, "?size=1024"),
            1024,
        ),
    ] {
        let first = png_get(&client, &url, Some(token), size).await?;
        let etag = first.etag.clone().context("no ETag")?;
        let mut full = Vec::new();
        let mut not_modified = Vec::new();
        let mut floor = Vec::new();
        for _ in 0..args.cached {
            full.push(png_get(&client, &url, Some(token), size).await?.ms);
        }
        for _ in 0..args.cached {
            let got = timed_get(&client, &url, Some(token), Some(&etag)).await?;
            ensure!(got.status == 304, "If-None-Match: {}", got.status);
            not_modified.push(got.ms);
        }
        let canned = canned_server(first.body.clone()).await?;
        for _ in 0..args.cached {
            floor.push(png_get(&client, &canned, None, size).await?.ms);
        }
        let png_kib = kib(first.body.len());
        for (kind, v) in [
            (format!("200, whole PNG of {png_kib:.0} KiB"), &full),
            ("304, If-None-Match".to_string(), &not_modified),
        ] {
            let (p50, p95) = (p(v, 50.0), p(v, 95.0));
            table.row(
                &format!("{what} cached, {kind} (p50 / p95)"),
                format!("{p50:.2} / {p95:.2} ms"),
                "—".into(),
                "—".into(),
                &format!(
                    "≤ 2 ms: p50 {}, p95 {}",
                    verdict(p50 <= 2.0),
                    verdict(p95 <= 2.0)
                ),
            );
        }
        table.row(
            &format!(
                "{what}: the floor, the same {png_kib:.0} KiB from a bare HTTP server in the bench (p50 / p95)"
            ),
            format!("{:.2} / {:.2} ms", p(&floor, 50.0), p(&floor, 95.0)),
            "—".into(),
            "—".into(),
            "(reference)",
        );
    }
    println!("load average after the renders: {}", loadavg());

    // --- Presenter to followers ---------------------------------------------------------------
    let follow = follow_the_presenter(&api, &room, &args).await?;
    table.rows.push(follow);

    // --- Where the time of one render goes ----------------------------------------------------
    println!("\nwhere one render goes (this process, p50 of 10; the server does the same steps):");
    let mr_entry = deflate(&mr_files[0])?;
    profile("MR 512²", &mr_files[0], Some(&mr_entry))?;
    profile("X-ray 2048²", &xray_files[0], None)?;

    table.print();
    println!(
        "\nOrthanc {orthanc_version}; load average at the end: {}",
        loadavg()
    );
    drop(orthanc);
    drop(server);
    Ok(())
}

// --- The presenter's view -------------------------------------------------------------------------

struct Sample {
    relay_ms: f64,
    image_ms: f64,
    frame: usize,
}

#[derive(Default)]
struct Book {
    /// frame -> when the presenter sent its view
    sent: Mutex<HashMap<usize, Instant>>,
    samples: Mutex<Vec<Sample>>,
    errors: Mutex<Vec<String>>,
}

impl Book {
    fn error(&self, e: String) {
        if let Ok(mut v) = self.errors.lock() {
            v.push(e);
        }
    }
}

/// How the view reaches the followers: the room's `view` relay, or a chat line as a stand-in.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Carrier {
    View,
    Chat,
}

type Ws = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// Joins the room: hello with the token, until welcome.
async fn join(api: &str, session: &str, token: &str) -> anyhow::Result<(Ws, Value)> {
    let mut ws = ws_connect(api, &format!("/api/sessions/{session}/live")).await?;
    ws.send(Message::text(
        json!({"type": "hello", "token": token}).to_string(),
    ))
    .await?;
    loop {
        match tokio::time::timeout(Duration::from_secs(30), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                let v: Value = serde_json::from_str(t.as_str())?;
                if v["type"] == "welcome" {
                    return Ok((ws, v));
                }
            }
            Ok(Some(Ok(Message::Close(f)))) => bail!("closed before welcome: {f:?}"),
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(e))) => bail!("read: {e}"),
            Ok(None) => bail!("ended before welcome"),
            Err(_) => bail!("no welcome within 30 s"),
        }
    }
}

/// What a follower reads from a relayed message: the frame to show.
fn view_of(v: &Value, carrier: Carrier) -> Option<(String, String, usize, String)> {
    match carrier {
        Carrier::View if v["type"] == "view" => {
            let mut query = Vec::new();
            for key in ["wc", "ww", "preset"] {
                match &v[key] {
                    Value::Null => {}
                    Value::String(s) => query.push(format!("{key}={s}")),
                    other => query.push(format!("{key}={other}")),
                }
            }
            let query = if query.is_empty() {
                String::new()
            } else {
                format!("?{}", query.join("&"))
            };
            Some((
                v["attachment_id"].as_str()?.to_string(),
                v["series_uid"].as_str()?.to_string(),
                usize::try_from(v["frame"].as_u64()?).ok()?,
                query,
            ))
        }
        Carrier::Chat if v["type"] == "chat" => {
            let mut words = v["text"].as_str()?.split(' ');
            if words.next()? != "view" {
                return None;
            }
            Some((
                words.next()?.to_string(),
                words.next()?.to_string(),
                words.next()?.parse().ok()?,
                String::new(),
            ))
        }
        _ => None,
    }
}

/// A follower: on each view it reads, it GETs the frame (as the viewer does) with its own HTTP
/// connection, and records when it held the whole PNG.
fn follower(
    mut ws: Ws,
    api: String,
    token: String,
    book: Arc<Book>,
    carrier: Arc<Mutex<Carrier>>,
    seen: Arc<tokio::sync::Notify>,
) -> anyhow::Result<()> {
    let client = reqwest::Client::builder().tcp_nodelay(true).build()?;
    tokio::spawn(async move {
        // A kept-alive connection, as a browser that has been showing the series has.
        let _ = client.get(format!("{api}/healthz")).send().await;
        while let Some(msg) = ws.next().await {
            let t = match msg {
                Ok(Message::Text(t)) => t,
                Ok(Message::Close(f)) => {
                    book.error(format!("closed: {f:?}"));
                    break;
                }
                Ok(_) => continue,
                Err(e) => {
                    book.error(format!("dropped: {e}"));
                    break;
                }
            };
            let received = Instant::now();
            let Ok(v) = serde_json::from_str::<Value>(t.as_str()) else {
                continue;
            };
            let how = carrier.lock().map(|c| *c).unwrap_or(Carrier::View);
            let Some((attachment, series, frame, query)) = view_of(&v, how) else {
                continue;
            };
            seen.notify_one();
            let Some(sent) = book.sent.lock().ok().and_then(|s| s.get(&frame).copied()) else {
                continue;
            };
            let (client, api, token, book) =
                (client.clone(), api.clone(), token.clone(), book.clone());
            tokio::spawn(async move {
                let url = format!(
                    "{api}/api/attachments/{attachment}/series/{series}/frames/{frame}{query}"
                );
                match png_get(&client, &url, Some(&token), 512).await {
                    Ok(_) => {
                        let now = Instant::now();
                        if let Ok(mut s) = book.samples.lock() {
                            s.push(Sample {
                                relay_ms: received.duration_since(sent).as_secs_f64() * 1000.0,
                                image_ms: now.duration_since(sent).as_secs_f64() * 1000.0,
                                frame,
                            });
                        }
                    }
                    Err(e) => book.error(format!("{e:#}")),
                }
            });
        }
    });
    Ok(())
}

/// 20 followers in the room; the chair sends successive views; returns the table row.
async fn follow_the_presenter(api: &str, room: &Room, args: &Args) -> anyhow::Result<[String; 5]> {
    println!(
        "\npresenter -> followers: {} followers, {} views {} ms apart",
        args.followers, args.views, args.spacing_ms
    );
    let book = Arc::new(Book::default());
    let carrier = Arc::new(Mutex::new(Carrier::View));
    let seen = Arc::new(tokio::sync::Notify::new());
    let (mut chair, welcome) = join(api, &room.session, &room.chair).await?;
    let relay_in_welcome = welcome.get("view").is_some();
    for token in &room.followers {
        let (ws, _) = join(api, &room.session, token).await?;
        follower(
            ws,
            api.to_string(),
            token.clone(),
            book.clone(),
            carrier.clone(),
            seen.clone(),
        )?;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Does the server relay `view`? A probe on the warm-up slice (not measured).
    let probe_frame = args.slices - 1;
    chair
        .send(Message::text(
            json!({"type": "view", "attachment_id": room.mr, "series_uid": room.mr_series,
                   "frame": probe_frame, "request_id": "probe-view"})
            .to_string(),
        ))
        .await?;
    let mut refusal = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    let relayed = loop {
        tokio::select! {
            _ = seen.notified() => break true,
            msg = chair.next() => match msg {
                Some(Ok(Message::Text(t))) => {
                    let v: Value = serde_json::from_str(t.as_str()).unwrap_or(Value::Null);
                    if v["type"] == "error" && v["request_id"] == "probe-view" {
                        refusal = Some(format!("{} ({})", v["message"].as_str().unwrap_or("?"), v["code"].as_str().unwrap_or("?")));
                        break false;
                    }
                }
                Some(Ok(_)) => {}
                _ => bail!("the chair's connection ended"),
            },
            _ = tokio::time::sleep_until(deadline) => break false,
        }
    };
    let how = if relayed {
        println!(
            "the server relays `view` (welcome carries \"view\": {relay_in_welcome}): measuring it"
        );
        Carrier::View
    } else {
        println!(
            "the server does NOT relay `view` yet ({}); measuring the same path with the view \
             carried by a chat line instead (a stand-in: chat is durable, written to the database \
             before it is relayed)",
            refusal
                .as_deref()
                .unwrap_or("no view reached a follower within 3 s")
        );
        Carrier::Chat
    };
    if let Ok(mut c) = carrier.lock() {
        *c = how;
    }
    // The chair's own messages (acks, its chat lines) are read and dropped meanwhile.
    let (mut sink, mut stream) = chair.split();
    let chair_errors = book.clone();
    tokio::spawn(async move {
        while let Some(Ok(msg)) = stream.next().await {
            if let Message::Text(t) = msg
                && let Ok(v) = serde_json::from_str::<Value>(t.as_str())
                && v["type"] == "error"
            {
                chair_errors.error(format!("chair: {v}"));
            }
        }
    });

    let first = args.cold;
    let interval = Duration::from_millis(args.spacing_ms);
    let mut next = tokio::time::Instant::now();
    for i in 0..args.views {
        let frame = first + i;
        let message = match how {
            Carrier::View => json!({"type": "view", "attachment_id": room.mr,
                                    "series_uid": room.mr_series, "frame": frame}),
            Carrier::Chat => json!({"type": "chat",
                                    "text": format!("view {} {} {frame}", room.mr, room.mr_series)}),
        };
        if let Ok(mut s) = book.sent.lock() {
            s.insert(frame, Instant::now());
        }
        sink.send(Message::text(message.to_string())).await?;
        next += interval;
        tokio::time::sleep_until(next).await;
    }
    let expected = args.views * args.followers;
    let waited = Instant::now();
    while book.samples.lock().map(|s| s.len()).unwrap_or(0) < expected
        && waited.elapsed() < Duration::from_secs(10)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let samples = book
        .samples
        .lock()
        .map(|s| {
            s.iter()
                .map(|x| (x.relay_ms, x.image_ms, x.frame))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let errors = book.errors.lock().map(|e| e.clone()).unwrap_or_default();
    let relay: Vec<f64> = samples.iter().map(|s| s.0).collect();
    let image: Vec<f64> = samples.iter().map(|s| s.1).collect();
    let mut last_per_view: HashMap<usize, f64> = HashMap::new();
    for (_, ms, frame) in &samples {
        let e = last_per_view.entry(*frame).or_insert(0.0);
        *e = e.max(*ms);
    }
    let last: Vec<f64> = last_per_view.values().copied().collect();
    println!(
        "  {} of {expected} (view, follower) images received; {} errors{}",
        samples.len(),
        errors.len(),
        errors
            .first()
            .map(|e| format!(", first: {e}"))
            .unwrap_or_default()
    );
    println!(
        "  relay only (send -> follower reads the {}): p50 {:.1} ms, p95 {:.1} ms",
        if how == Carrier::View {
            "view"
        } else {
            "chat line"
        },
        p(&relay, 50.0),
        p(&relay, 95.0)
    );
    println!(
        "  send -> follower holds the PNG: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms over {} samples",
        p(&image, 50.0),
        p(&image, 95.0),
        p(&image, 100.0),
        image.len()
    );
    println!(
        "  send -> the last of the {} followers holds it: p50 {:.1} ms, p95 {:.1} ms over {} views",
        args.followers,
        p(&last, 50.0),
        p(&last, 95.0),
        last.len()
    );
    let p95 = p(&image, 95.0);
    let what = match how {
        Carrier::View => format!(
            "presenter's view -> follower holds the PNG, {} followers (p50 / p95)",
            args.followers
        ),
        Carrier::Chat => format!(
            "STAND-IN (view relay not in this build; view carried by a chat line) -> follower holds the PNG, {} followers (p50 / p95)",
            args.followers
        ),
    };
    let target = match how {
        Carrier::View => format!("p95 ≤ 100 ms: {}", verdict(p95 <= 100.0)),
        Carrier::Chat => format!(
            "p95 ≤ 100 ms: not measurable without the relay (stand-in {})",
            if p95 <= 100.0 { "within" } else { "over" }
        ),
    };
    Ok([
        what,
        format!("{:.1} / {p95:.1} ms", p(&image, 50.0)),
        "—".into(),
        "—".into(),
        target,
    ])
}

// --- Profile ----------------------------------------------------------------------------------------

fn deflate(bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes)?;
    Ok(enc.finish()?)
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// The steps of `imaging::render::render`, timed one by one, and the whole function; plus a
/// 16-bit lookup table in place of the per-pixel `f64` path, for comparison.
fn profile(what: &str, bytes: &[u8], zip_entry: Option<&[u8]>) -> anyhow::Result<()> {
    const RUNS: usize = 10;
    let mut steps: Vec<(&str, Vec<f64>)> = [
        "inflate (zip entry)",
        "parse Part-10",
        "decode frame",
        "to f64 samples",
        "min/max + window (f64)",
        "PNG encode (Fast)",
        "whole render()",
        "alt: u16 -> u8 lookup table",
        "alt: PNG encode (Fastest)",
    ]
    .into_iter()
    .map(|s| (s, Vec::new()))
    .collect();
    let mut png_sizes = (0, 0);
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
        let t = Instant::now();
        let stored: Vec<f64> = decoded.to_vec_frame_with_options(
            0,
            &ConvertOptions::new().with_modality_lut(ModalityLutOption::None),
        )?;
        steps[3].1.push(ms_since(t));
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
        let t = Instant::now();
        let (min, max) = stored.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &v| {
            let v = rescale.apply(v);
            (lo.min(v), hi.max(v))
        });
        let grey = grey_levels(stored.into_iter(), rescale, window, monochrome1);
        steps[4].1.push(ms_since(t));
        std::hint::black_box((min, max));
        let (w, h) = (decoded.columns(), decoded.rows());
        let t = Instant::now();
        let png_fast = encode(&grey, w, h, png::Compression::Fast)?;
        steps[5].1.push(ms_since(t));
        let t = Instant::now();
        let whole = consilium::imaging::render::render(bytes, 0, &FrameRequest::default())
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        steps[6].1.push(ms_since(t));
        std::hint::black_box(whole);
        // The alternative: one table of 2^bits entries (modality LUT, window, inversion), then
        // one lookup per pixel, straight from the decoded little-endian samples.
        let t = Instant::now();
        let bits = decoded.bits_stored();
        let lut: Vec<u8> = (0..1u32 << bits)
            .map(|v| {
                let level = window.apply(rescale.apply(f64::from(v)));
                if monochrome1 { 255 - level } else { level }
            })
            .collect();
        let mask = (1u32 << bits) - 1;
        let raw = decoded.frame_data(0)?;
        let alt: Vec<u8> = raw
            .chunks_exact(2)
            .map(|b| lut[(u32::from(u16::from_le_bytes([b[0], b[1]])) & mask) as usize])
            .collect();
        steps[7].1.push(ms_since(t));
        ensure!(alt == grey, "the lookup table renders differently");
        let t = Instant::now();
        let png_fastest = encode(&grey, w, h, png::Compression::Fastest)?;
        steps[8].1.push(ms_since(t));
        png_sizes = (png_fast.len(), png_fastest.len());
    }
    println!("  {what}:");
    for (step, v) in &steps {
        if !v.is_empty() {
            println!("    {step:<30} {:>7.2} ms", p(v, 50.0));
        }
    }
    println!(
        "    PNG size: Fast {:.0} KiB, Fastest {:.0} KiB",
        kib(png_sizes.0),
        kib(png_sizes.1)
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

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
//! - the presenter's `view` to the followers' image: 20 followers in the room; the chair (the
//!   presenter) sends `view` for successive slices 300 ms apart (the series UID from the
//!   series listing); each follower, on receiving it, GETs the frame; from the send to each
//!   follower holding the whole PNG, p50/p95; and a view of a frame beyond the series must be
//!   refused;
//! - where the time of one render goes, in this process: parse, decode, windowing, PNG.
//!
//! Times are taken by the client: from sending the request to holding the whole body.
//!
//! Run: `cargo bench --bench imaging -- [--slices 48] [--xrays 12] [--cold 12] [--cached 200]
//! [--followers 20] [--views 30] [--spacing-ms 300] [--pause-ms 50] [--orthanc /usr/sbin/Orthanc]
//! [--binary PATH] [--dir DIR]` (`--binary`: another build of the server, e.g. the release
//! build; `--pause-ms`: the pause after each first-render request).
//!
//! The modules: `images` (the files, built in code), `orthanc`, `server` (the server's
//! set-up and the HTTP helpers), `renders` (first renders and cached serves), `follow` (the
//! presenter and the followers), `profile` (one render's steps in this process), `report`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, ensure};
use common::process::{ServerProcess, machine};
use common::{add_admin, arg, runtime, scratch_dir};
use images::{mr_series, xray_file};
use orthanc::Orthanc;
use report::{Table, kib};
use server::{frame_url, png_get, set_up};

#[path = "../common/mod.rs"]
mod common;
mod follow;
mod images;
mod orthanc;
mod profile;
mod renders;
mod report;
mod server;

/// The MR's modality LUT and window (rescaled units).
pub const MR_SLOPE: f64 = 2.0;
pub const MR_INTERCEPT: f64 = -100.0;
pub const MR_WINDOW: (f64, f64) = (900.0, 1800.0);
pub const XR_WINDOW: (f64, f64) = (8000.0, 12000.0);

#[derive(Debug, Clone)]
pub struct Args {
    pub slices: usize,
    pub xrays: usize,
    pub cold: usize,
    pub cached: usize,
    pub followers: usize,
    pub views: usize,
    pub spacing_ms: u64,
    pub pause_ms: u64,
    pub orthanc: PathBuf,
}

fn parse_args() -> anyhow::Result<Args> {
    let num = |name: &str, default: usize| common::arg_or(name, default);
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
        frame_url(&api, attachment, series, n, query)
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
    let servers = renders::Servers {
        client: &client,
        api: &api,
        room: &room,
        orthanc: &orthanc,
        mr_ids: &mr_ids,
        xr_ids: &xr_ids,
        args: &args,
    };
    renders::first_renders(&servers, &mut table).await?;
    renders::cached(&servers, &mut table).await?;
    println!("load average after the renders: {}", loadavg());

    // --- Presenter to followers ---------------------------------------------------------------
    let follow = follow::follow_the_presenter(&api, &room, &args).await?;
    table.rows.extend(follow);

    // --- Where the time of one render goes ----------------------------------------------------
    println!("\nwhere one render goes (this process, p50 of 10; the server does the same steps):");
    let mr_entry = profile::deflate(&mr_files[0])?;
    profile::profile("MR 512²", &mr_files[0], Some(&mr_entry))?;
    profile::profile("X-ray 2048²", &xray_files[0], None)?;

    table.print();
    println!(
        "\nOrthanc {orthanc_version}; load average at the end: {}",
        loadavg()
    );
    drop(orthanc);
    drop(server);
    Ok(())
}

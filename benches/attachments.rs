//! Benchmark of attachment upload and download through the running server (issue: imaging and
//! notes), on the local file store.
//!
//! Writes a file of N MiB (default 1024) into a temp dir, times `cp` of it on the same disk,
//! starts the real server (release build) with its data in the same temp dir, then uploads the
//! file as a multipart body and downloads it again, printing the throughput of each and the
//! server's peak RSS during each.
//!
//! Run: `cargo bench --bench attachments -- [--mib N] [--dir DIR]`

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use common::process::{RssSampler, ServerProcess, machine, mib};
use common::{arg, runtime, scratch_dir, setup};
use futures_util::StreamExt;
use serde_json::Value;
use sha2::{Digest, Sha256};

mod common;

const CHUNK: usize = 8 * 1024 * 1024;

fn main() -> anyhow::Result<()> {
    let size_mib: u64 = arg("--mib").map(|v| v.parse()).transpose()?.unwrap_or(1024);
    let dir = scratch_dir()?;
    runtime()?.block_on(run(size_mib, dir.path()))
}

/// Bytes that are no known format, written chunk by chunk; returns their SHA-256.
fn write_input(path: &Path, size: u64) -> anyhow::Result<String> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut hasher = Sha256::new();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut left = size;
    let mut chunk = vec![0u8; CHUNK];
    while left > 0 {
        for word in chunk.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            word.copy_from_slice(&x.to_le_bytes()[..word.len()]);
        }
        chunk[0] = b'X';
        let n = usize::try_from(left.min(CHUNK as u64))?;
        file.write_all(&chunk[..n])?;
        hasher.update(&chunk[..n]);
        left -= n as u64;
    }
    file.flush()?;
    file.get_ref().sync_all()?;
    Ok(hex::encode(hasher.finalize()))
}

async fn run(size_mib: u64, dir: &Path) -> anyhow::Result<()> {
    let size = size_mib * 1024 * 1024;
    println!("machine: {}", machine());
    println!("directory: {}", dir.display());
    let input = dir.join("input.bin");
    let sha256 = write_input(&input, size)?;

    // The reference: cp of the same file on the same disk (page cache warm, as for the upload).
    let copy = dir.join("copy.bin");
    let started = Instant::now();
    let status = std::process::Command::new("cp")
        .arg(&input)
        .arg(&copy)
        .status()?;
    if !status.success() {
        bail!("cp failed");
    }
    let cp_secs = started.elapsed().as_secs_f64();
    std::fs::remove_file(&copy)?;
    let cp_cached_rate = size_mib as f64 / cp_secs;
    println!(
        "cp: {size_mib} MiB in {cp_secs:.2} s = {cp_cached_rate:.0} MiB/s (into the page cache)"
    );
    // The server acknowledges an upload once it is synced to disk; the comparable copy is cp
    // followed by a sync of the copy.
    let started = Instant::now();
    let status = std::process::Command::new("cp")
        .arg(&input)
        .arg(&copy)
        .status()?;
    let synced = std::process::Command::new("sync").arg(&copy).status()?;
    if !status.success() || !synced.success() {
        bail!("cp or sync failed");
    }
    let cp_secs = started.elapsed().as_secs_f64();
    std::fs::remove_file(&copy)?;
    let cp_rate = size_mib as f64 / cp_secs;
    println!(
        "cp + sync: {size_mib} MiB in {cp_secs:.2} s = {cp_rate:.0} MiB/s (durable, as an acknowledged upload)"
    );

    let binary = Path::new(env!("CARGO_BIN_EXE_consilium"));
    let data = dir.join("data");
    let db_url = format!("sqlite://{}", data.join("consilium.db").display());
    let max = (size + 1024 * 1024).to_string();
    let server = ServerProcess::start(
        binary,
        &data,
        &db_url,
        &[("CONSILIUM_MAX_UPLOAD_BYTES", max.as_str())],
    )?;
    let (token, dossier_id) = setup(binary, &data, &db_url, &server.url).await?;
    let idle = server.rss()?;
    println!("server idle RSS: {:.1} MiB", mib(idle));

    // Upload, streamed from the file.
    let client = reqwest::Client::new();
    let file = tokio::fs::File::open(&input).await?;
    let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::with_capacity(
        file,
        1024 * 1024,
    ));
    let part = reqwest::multipart::Part::stream_with_length(body, size)
        .file_name("series.bin")
        .mime_str("application/octet-stream")?;
    let form = reqwest::multipart::Form::new().part("file", part);
    let sampler = RssSampler::start(server.pid());
    let started = Instant::now();
    let res = client
        .post(format!(
            "{}/api/dossiers/{dossier_id}/attachments",
            server.url
        ))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await?;
    let status = res.status();
    let attachment: Value = res.json().await?;
    let up_secs = started.elapsed().as_secs_f64();
    let up_peak = sampler.finish();
    if status.as_u16() != 201 {
        bail!("upload failed: {status} {attachment}");
    }
    if attachment["sha256"] != sha256.as_str() {
        bail!("sha256 differs: {} vs {sha256}", attachment["sha256"]);
    }
    let up_rate = size_mib as f64 / up_secs;
    println!(
        "upload: {size_mib} MiB in {up_secs:.2} s = {up_rate:.0} MiB/s ({:.0}% of cp + sync, {:.0}% of cp); server peak RSS {:.1} MiB",
        100.0 * up_rate / cp_rate,
        100.0 * up_rate / cp_cached_rate,
        mib(up_peak)
    );

    // Download, streamed and hashed.
    let id = attachment["id"].as_str().context("attachment id")?;
    let sampler = RssSampler::start(server.pid());
    let started = Instant::now();
    let res = client
        .get(format!("{}/api/attachments/{id}/content", server.url))
        .bearer_auth(&token)
        .send()
        .await?;
    if !res.status().is_success() {
        bail!("download failed: {}", res.status());
    }
    let mut stream = res.bytes_stream();
    let mut hasher = Sha256::new();
    let mut got = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        got += chunk.len() as u64;
        hasher.update(&chunk);
    }
    let down_secs = started.elapsed().as_secs_f64();
    let down_peak = sampler.finish();
    if got != size || hex::encode(hasher.finalize()) != sha256 {
        bail!("downloaded bytes differ");
    }
    println!(
        "download: {size_mib} MiB in {down_secs:.2} s = {:.0} MiB/s; server peak RSS {:.1} MiB",
        size_mib as f64 / down_secs,
        mib(down_peak)
    );
    println!(
        "targets: peak upload RSS < 100 MiB: {}; upload >= (cp + sync)/2: {}",
        if mib(up_peak) < 100.0 {
            "met"
        } else {
            "MISSED"
        },
        if up_rate >= cp_rate / 2.0 {
            "met"
        } else {
            "MISSED"
        }
    );
    Ok(())
}

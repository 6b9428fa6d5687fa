//! A study imported from a real PACS, end to end (issue 18): Debian's Orthanc with its DICOMweb
//! plugin holds a generated study of about `--mib` MiB (default 300); the same run measures
//!   1. Orthanc's own WADO-RS download of every series of the study (streamed and dropped by
//!      this client): time, throughput, Orthanc's peak RSS;
//!   2. Consilium (the release binary as a child process, SQLite and local files) importing
//!      the study: WADO-RS streamed to the spool, de-identified, stored, one attachment per
//!      series: time from the request to `done`, throughput, Consilium's peak RSS (and
//!      Orthanc's while it serves it).
//!
//! Run: `cargo bench --bench pacs_import -- [--mib 300] [--series 6] [--orthanc /usr/sbin/Orthanc]
//! [--plugin /usr/share/orthanc/plugins/libOrthancDicomWeb.so] [--dir DIR]`

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use common::process::{RssSampler, ServerProcess, machine, mib, rss_of};
use common::{arg, runtime, scratch_dir, setup};
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use dicom_object::meta::FileMetaTableBuilder;
use futures_util::StreamExt;
use serde_json::{Value, json};

mod common;

const USER: &str = "bench";
const PASSWORD: &str = "bench-pacs-password";
/// 512×512 16-bit images: 512 KiB each.
const SIDE: u32 = 512;

fn main() -> anyhow::Result<()> {
    let total_mib: u64 = arg("--mib").map(|v| v.parse()).transpose()?.unwrap_or(300);
    let series: usize = arg("--series").map(|v| v.parse()).transpose()?.unwrap_or(6);
    let orthanc = arg("--orthanc").unwrap_or_else(|| "/usr/sbin/Orthanc".into());
    let plugin = arg("--plugin")
        .unwrap_or_else(|| "/usr/share/orthanc/plugins/libOrthancDicomWeb.so".into());
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_consilium"));
    let dir = scratch_dir()?;
    println!("machine: {}", machine());
    runtime()?.block_on(run(
        total_mib,
        series,
        Path::new(&orthanc),
        Path::new(&plugin),
        &binary,
        dir.path(),
    ))
}

struct Orthanc {
    child: Child,
    url: String,
}

impl Drop for Orthanc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

async fn start_orthanc(binary: &Path, plugin: &Path, dir: &Path) -> anyhow::Result<Orthanc> {
    ensure!(
        binary.exists(),
        "{} not found (Debian package orthanc)",
        binary.display()
    );
    ensure!(
        plugin.exists(),
        "{} not found (Debian package orthanc-dicomweb)",
        plugin.display()
    );
    let storage = dir.join("orthanc");
    std::fs::create_dir_all(&storage)?;
    let http = free_port()?;
    let config = json!({
        "Name": "consilium-bench-pacs", "StorageDirectory": storage, "IndexDirectory": storage,
        "HttpPort": http, "DicomPort": free_port()?, "DicomServerEnabled": false,
        "RemoteAccessAllowed": false, "AuthenticationEnabled": true,
        "RegisteredUsers": { USER: PASSWORD }, "Plugins": [plugin],
        "DicomWeb": { "Enable": true, "Root": "/dicom-web/", "EnableWado": false },
        "SaveJobs": false, "KeepAlive": true, "TcpNoDelay": true,
    });
    let path = dir.join("orthanc.json");
    std::fs::write(&path, serde_json::to_vec(&config)?)?;
    let child = Command::new(binary)
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start Orthanc")?;
    let orthanc = Orthanc {
        child,
        url: format!("http://127.0.0.1:{http}"),
    };
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        if let Ok(r) = client
            .get(format!("{}/dicom-web/studies", orthanc.url))
            .basic_auth(USER, Some(PASSWORD))
            .send()
            .await
            && r.status().is_success()
        {
            return Ok(orthanc);
        }
        if started.elapsed() > Duration::from_secs(60) {
            bail!("Orthanc did not answer within 60 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One instance of the study: noise-like pixels (so that nothing compresses it away).
fn instance(study: &str, series: usize, index: usize) -> anyhow::Result<Vec<u8>> {
    let series_uid = format!("{study}.{}", series + 1);
    let sop = format!("{series_uid}.{}", index + 1);
    let text = |tag, vr, v: &str| DataElement::new(tag, vr, PrimitiveValue::from(v));
    let uint = |tag, v: u16| DataElement::new(tag, VR::US, PrimitiveValue::from(v));
    let mut x: u32 = (series * 100_003 + index * 7919) as u32 | 1;
    let pixels: Vec<u8> = (0..SIDE * SIDE)
        .flat_map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            ((x % 4096) as u16).to_le_bytes()
        })
        .collect();
    let obj = InMemDicomObject::from_element_iter([
        text(tags::SOP_CLASS_UID, VR::UI, "1.2.840.10008.5.1.4.1.1.2"),
        text(tags::SOP_INSTANCE_UID, VR::UI, &sop),
        text(tags::MODALITY, VR::CS, "CT"),
        text(tags::PATIENT_NAME, VR::PN, "BENCH^PATIENT"),
        text(tags::PATIENT_ID, VR::LO, "BENCH-1"),
        text(tags::STUDY_INSTANCE_UID, VR::UI, study),
        text(tags::SERIES_INSTANCE_UID, VR::UI, &series_uid),
        text(tags::INSTANCE_NUMBER, VR::IS, &(index + 1).to_string()),
        text(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2"),
        uint(tags::SAMPLES_PER_PIXEL, 1),
        uint(tags::ROWS, SIDE as u16),
        uint(tags::COLUMNS, SIDE as u16),
        uint(tags::BITS_ALLOCATED, 16),
        uint(tags::BITS_STORED, 12),
        uint(tags::HIGH_BIT, 11),
        uint(tags::PIXEL_REPRESENTATION, 0),
        DataElement::new(tags::PIXEL_DATA, VR::OW, PrimitiveValue::U8(pixels.into())),
    ]);
    let file = obj.with_meta(
        FileMetaTableBuilder::new()
            .transfer_syntax("1.2.840.10008.1.2.1")
            .media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.2")
            .media_storage_sop_instance_uid(&sop),
    )?;
    let mut out = Vec::new();
    file.write_all(&mut out)?;
    Ok(out)
}

async fn run(
    total_mib: u64,
    series: usize,
    orthanc_bin: &Path,
    plugin: &Path,
    binary: &Path,
    dir: &Path,
) -> anyhow::Result<()> {
    let orthanc = start_orthanc(orthanc_bin, plugin, dir).await?;
    let per_instance = u64::from(SIDE * SIDE * 2);
    let instances = (total_mib * 1024 * 1024).div_ceil(per_instance) as usize;
    let per_series = instances.div_ceil(series);
    let study = "1.2.826.0.1.3680043.12.1";
    let client = reqwest::Client::builder().tcp_nodelay(true).build()?;
    println!("loading {series} series × {per_series} instances of {SIDE}² into Orthanc…");
    let jobs = (0..series).flat_map(|s| (0..per_series).map(move |i| (s, i)));
    let stored: Vec<anyhow::Result<()>> = futures_util::stream::iter(jobs)
        .map(|(s, i)| {
            let (client, url) = (client.clone(), orthanc.url.clone());
            async move {
                let bytes = instance(study, s, i)?;
                let r = client
                    .post(format!("{url}/instances"))
                    .basic_auth(USER, Some(PASSWORD))
                    .body(bytes)
                    .send()
                    .await?;
                ensure!(r.status().is_success(), "Orthanc refused an instance");
                Ok(())
            }
        })
        .buffer_unordered(4)
        .collect()
        .await;
    stored.into_iter().collect::<anyhow::Result<Vec<()>>>()?;

    // 1. Orthanc's own WADO-RS download of every series.
    let orthanc_idle = rss_of(orthanc.child.id())?;
    let sampler = RssSampler::start(orthanc.child.id());
    let started = Instant::now();
    let mut bytes = 0u64;
    for s in 0..series {
        let mut body = client
            .get(format!(
                "{}/dicom-web/studies/{study}/series/{study}.{}",
                orthanc.url,
                s + 1
            ))
            .header(
                "Accept",
                "multipart/related; type=\"application/dicom\"; transfer-syntax=*",
            )
            .basic_auth(USER, Some(PASSWORD))
            .send()
            .await?
            .error_for_status()?
            .bytes_stream();
        while let Some(chunk) = body.next().await {
            bytes += chunk?.len() as u64;
        }
    }
    let download = started.elapsed().as_secs_f64();
    let orthanc_peak = sampler.finish();
    println!(
        "Orthanc WADO-RS download: {:.1} MiB in {download:.2} s = {:.1} MiB/s; Orthanc RSS idle {:.1} MiB, peak {:.1} MiB",
        mib(bytes),
        mib(bytes) / download,
        mib(orthanc_idle),
        mib(orthanc_peak)
    );

    // 2. Consilium importing the same study.
    let data = dir.join("consilium");
    std::fs::create_dir_all(&data)?;
    let db_url = format!("sqlite://{}", data.join("consilium.db").display());
    let dicomweb = format!("{}/dicom-web", orthanc.url);
    let auth = format!("basic:{USER}:{PASSWORD}");
    let server = ServerProcess::start(
        binary,
        &data,
        &db_url,
        &[
            ("CONSILIUM_DICOMWEB_URL", dicomweb.as_str()),
            ("CONSILIUM_DICOMWEB_AUTH", auth.as_str()),
        ],
    )?;
    let (referrer, dossier) = setup(binary, &data, &db_url, &server.url).await?;
    let idle = server.rss()?;
    let sampler = RssSampler::start(server.pid());
    let orthanc_sampler = RssSampler::start(orthanc.child.id());
    let started = Instant::now();
    let import: Value = client
        .post(format!("{}/api/dossiers/{dossier}/imports", server.url))
        .bearer_auth(&referrer)
        .json(&json!({ "study_uid": study }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let id = import["id"].as_str().context("import id")?;
    let done = loop {
        let v: Value = client
            .get(format!("{}/api/imports/{id}", server.url))
            .bearer_auth(&referrer)
            .send()
            .await?
            .json()
            .await?;
        match v["status"].as_str() {
            Some("done") => break v,
            Some("failed" | "cancelled") => bail!("the import ended badly: {v}"),
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    };
    let took = started.elapsed().as_secs_f64();
    let peak = sampler.finish();
    let orthanc_serving = orthanc_sampler.finish();
    let imported = done["bytes"].as_u64().unwrap_or(0);
    println!(
        "Consilium import (WADO-RS → spool → de-identified → stored, {} attachments, {} instances): {:.1} MiB in {took:.2} s = {:.1} MiB/s; RSS idle {:.1} MiB, peak {:.1} MiB (+{:.1}); Orthanc peak meanwhile {:.1} MiB",
        done["attachment_ids"].as_array().map_or(0, Vec::len),
        done["instances_done"],
        mib(imported),
        mib(imported) / took,
        mib(idle),
        mib(peak),
        mib(peak.saturating_sub(idle)),
        mib(orthanc_serving)
    );
    println!(
        "ratio: the import takes {:.2}× the time of Orthanc's bare download; Consilium's peak RSS is {:.2}× Orthanc's",
        took / download,
        peak as f64 / orthanc_peak.max(1) as f64
    );
    Ok(())
}

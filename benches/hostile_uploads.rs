//! Peak memory of the server under parallel hostile uploads (security issue 11, point 1).
//!
//! Each upload is a small zip holding one DICOM file of about `--mib` MiB (default 500): a
//! header naming the patient, then highly compressible content (`--shape pixels`: zeroed pixel
//! data, the probe of the issue; `--shape items`: a sequence of millions of small items, the
//! worst case for a parser that builds the data set in memory). `--parallel` clients (default
//! 8) send theirs at once to the release server, started as a child process on a temporary
//! data directory (SQLite, local object store); its RSS is sampled every 5 ms from `/proc`.
//!
//! Run: `cargo bench --bench hostile_uploads -- [--parallel 8] [--mib 500] [--shape pixels]
//! [--concurrency N] [--binary PATH] [--dir DIR]`
//! (`--binary` measures another build of the server, e.g. an older one; `--concurrency` sets
//! `CONSILIUM_DEIDENTIFY_CONCURRENCY`.)

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use common::process::{RssSampler, ServerProcess, machine, mib};
use common::{arg, runtime, scratch_dir, setup};
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use dicom_object::meta::FileMetaTableBuilder;
use serde_json::Value;
use zip::write::SimpleFileOptions;

mod common;

const MIB: usize = 1024 * 1024;

fn main() -> anyhow::Result<()> {
    let parallel: usize = arg("--parallel")
        .map(|v| v.parse())
        .transpose()?
        .unwrap_or(8);
    let size_mib: usize = arg("--mib").map(|v| v.parse()).transpose()?.unwrap_or(500);
    let shape = arg("--shape").unwrap_or_else(|| "pixels".into());
    let binary = arg("--binary")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_consilium")));
    let dir = scratch_dir()?;
    runtime()?.block_on(run(parallel, size_mib, &shape, &binary, dir.path()))
}

/// The header of a DICOM file naming its patient, up to (not including) its bulk content.
fn dicom_head() -> anyhow::Result<Vec<u8>> {
    let text = |tag, vr, value: &str| DataElement::new(tag, vr, PrimitiveValue::from(value));
    let obj = InMemDicomObject::from_element_iter([
        text(tags::SOP_CLASS_UID, VR::UI, "1.2.840.10008.5.1.4.1.1.4"),
        text(
            tags::SOP_INSTANCE_UID,
            VR::UI,
            "1.2.826.0.1.3680043.9.7.1.1",
        ),
        text(tags::MODALITY, VR::CS, "MR"),
        text(tags::INSTITUTION_NAME, VR::LO, "CHU DE BREST"),
        text(tags::STUDY_DESCRIPTION, VR::LO, "IRM cerebrale"),
        text(tags::SERIES_DESCRIPTION, VR::LO, "T2 FLAIR"),
        text(tags::PATIENT_NAME, VR::PN, "DUPONT^JEANNE"),
        text(tags::PATIENT_ID, VR::LO, "IPP-4471-0923"),
        text(tags::PATIENT_BIRTH_DATE, VR::DA, "19620714"),
        text(
            tags::STUDY_INSTANCE_UID,
            VR::UI,
            "1.2.826.0.1.3680043.9.7.1",
        ),
    ]);
    let file = obj.with_meta(
        FileMetaTableBuilder::new()
            .media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.4")
            .media_storage_sop_instance_uid("1.2.826.0.1.3680043.9.7.1.1")
            .transfer_syntax("1.2.840.10008.1.2.1"),
    )?;
    let mut bytes = Vec::new();
    file.write_all(&mut bytes)?;
    Ok(bytes)
}

/// A zip of one DICOM file of about `size` bytes of the given shape.
fn hostile_zip(size: usize, shape: &str) -> anyhow::Result<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    zip.start_file("series/IM0001", SimpleFileOptions::default())?;
    zip.write_all(&dicom_head()?)?;
    match shape {
        "pixels" => {
            // Pixel Data (7FE0,0010) OW, defined length, zeroed.
            zip.write_all(&[0xE0, 0x7F, 0x10, 0x00, b'O', b'W', 0, 0])?;
            zip.write_all(&u32::try_from(size)?.to_le_bytes())?;
            let zeros = vec![0u8; MIB];
            let mut left = size;
            while left > 0 {
                let n = left.min(MIB);
                zip.write_all(&zeros[..n])?;
                left -= n;
            }
        }
        "items" => {
            // Referenced Image Sequence (0008,1140), undefined length, with items of a
            // Referenced SOP Instance UID each (replaced one by one): 42 bytes an item.
            zip.write_all(&[
                0x08, 0x00, 0x40, 0x11, b'S', b'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
            ])?;
            let mut item = vec![0xFE, 0xFF, 0x00, 0xE0];
            item.extend_from_slice(&34u32.to_le_bytes());
            item.extend_from_slice(&[0x08, 0x00, 0x55, 0x11, b'U', b'I', 26, 0]);
            item.extend_from_slice(b"1.2.826.0.1.3680043.9.7.2\0");
            let block: Vec<u8> = item
                .iter()
                .copied()
                .cycle()
                .take(item.len() * 4096)
                .collect();
            let mut left = size / item.len();
            while left > 0 {
                let n = left.min(4096);
                zip.write_all(&block[..n * item.len()])?;
                left -= n;
            }
            zip.write_all(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0])?;
        }
        other => bail!("unknown shape {other:?}: pixels or items"),
    }
    zip.finish()?;
    Ok(out.into_inner())
}

async fn run(
    parallel: usize,
    size_mib: usize,
    shape: &str,
    binary: &Path,
    dir: &Path,
) -> anyhow::Result<()> {
    println!("machine: {}", machine());
    println!("server: {}", binary.display());
    let zip = hostile_zip(size_mib * MIB, shape)?;
    println!(
        "upload: a {:.0} KiB zip holding one {size_mib} MiB DICOM file ({shape}); {parallel} at once",
        zip.len() as f64 / 1024.0
    );
    let data = dir.join("data");
    let db_url = format!("sqlite://{}", data.join("consilium.db").display());
    let mut env = vec![("RUST_LOG", "error".to_string())];
    if let Some(n) = arg("--concurrency") {
        env.push(("CONSILIUM_DEIDENTIFY_CONCURRENCY", n));
    }
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = ServerProcess::start(binary, &data, &db_url, &env)?;
    let (token, dossier_id) = setup(binary, &data, &db_url, &server.url).await?;
    let idle = server.rss()?;
    println!("server idle RSS: {:.1} MiB", mib(idle));

    let client = reqwest::Client::new();
    let sampler = RssSampler::start(server.pid());
    let started = Instant::now();
    let uploads: Vec<_> = (0..parallel)
        .map(|i| {
            let (client, zip, token) = (client.clone(), zip.clone(), token.clone());
            let url = format!("{}/api/dossiers/{dossier_id}/attachments", server.url);
            tokio::spawn(async move {
                let part = reqwest::multipart::Part::bytes(zip)
                    .file_name(format!("hostile-{i}.zip"))
                    .mime_str("application/zip")?;
                let form = reqwest::multipart::Form::new().part("file", part);
                let sent = Instant::now();
                let res = client
                    .post(url)
                    .bearer_auth(token)
                    .multipart(form)
                    .send()
                    .await?;
                let status = res.status().as_u16();
                let body: Value = res.json().await.unwrap_or(Value::Null);
                anyhow::Ok((status, sent.elapsed().as_secs_f64(), body))
            })
        })
        .collect();
    let mut results = Vec::new();
    for upload in uploads {
        results.push(upload.await.context("upload task")??);
    }
    let total = started.elapsed().as_secs_f64();
    let peak = sampler.finish();
    for (i, (status, secs, body)) in results.iter().enumerate() {
        let what = match status {
            201 => format!(
                "deidentified={} instances={} stored {} bytes",
                body["deidentified"], body["dicom"]["instances"], body["size"]
            ),
            _ => format!("{}", body["detail"]),
        };
        println!("  upload {i}: {status} in {secs:.2} s, {what}");
    }
    let created = results.iter().filter(|(s, ..)| *s == 201).count();
    println!(
        "{created} of {parallel} stored in {total:.2} s; server peak RSS {:.1} MiB ({:.1} MiB above idle)",
        mib(peak),
        mib(peak.saturating_sub(idle))
    );
    if let Some((_, _, body)) = results.iter().find(|(s, ..)| *s == 201) {
        check_deidentified(&client, &server.url, &token, body).await?;
    }
    Ok(())
}

/// Downloads one stored upload and checks that the patient's name is gone from it.
async fn check_deidentified(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    attachment: &Value,
) -> anyhow::Result<()> {
    let id = attachment["id"].as_str().context("attachment id")?;
    let stored = client
        .get(format!("{url}/api/attachments/{id}/content"))
        .bearer_auth(token)
        .send()
        .await?
        .bytes()
        .await?;
    let mut archive = zip::ZipArchive::new(Cursor::new(stored))?;
    let mut entry = archive.by_name("series/IM0001")?;
    let mut head = vec![0u8; 64 * 1024];
    std::io::Read::read_exact(&mut entry, &mut head)?;
    if memchr::memmem::find(&head, b"DUPONT").is_some() {
        bail!("the stored file still names the patient");
    }
    println!("checked: the stored file no longer names the patient");
    Ok(())
}

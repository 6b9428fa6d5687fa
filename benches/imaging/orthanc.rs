//! A private Orthanc, to render the same files side by side.

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use serde_json::{Value, json};

/// A private Orthanc: its own ports and storage, loopback clients only, no DICOM listener, no
/// plugins; killed when dropped.
pub struct Orthanc {
    child: Child,
    pub url: String,
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl Orthanc {
    pub async fn start(
        binary: &Path,
        dir: &Path,
        client: &reqwest::Client,
    ) -> anyhow::Result<Orthanc> {
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

    pub async fn version(&self, client: &reqwest::Client) -> anyhow::Result<String> {
        let v: Value = client
            .get(format!("{}/system", self.url))
            .send()
            .await?
            .json()
            .await?;
        Ok(v["Version"].as_str().unwrap_or("?").to_string())
    }

    /// Stores a Part-10 file; returns Orthanc's instance id.
    pub async fn store(&self, client: &reqwest::Client, bytes: Vec<u8>) -> anyhow::Result<String> {
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

    pub fn rendered(&self, id: &str) -> String {
        format!("{}/instances/{id}/frames/0/rendered", self.url)
    }
}

impl Drop for Orthanc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

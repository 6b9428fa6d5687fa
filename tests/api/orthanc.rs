//! A real PACS for the import tests: Debian's Orthanc with its DICOMweb plugin, a private
//! instance (its own JSON configuration, ports and storage directory, loopback only, basic
//! auth on), started and stopped by the test; and a throttling proxy in front of it, to catch
//! an import mid-way (or cut it off).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::smtp::free_port;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const PACS_USER: &str = "pacs";
pub const PACS_PASSWORD: &str = "pacs-s3cret-Pw";

pub struct Orthanc {
    child: Child,
    pub url: String,
    _dir: tempfile::TempDir,
}

fn plugin() -> PathBuf {
    let path = PathBuf::from(
        std::env::var("CONSILIUM_TEST_DICOMWEB_PLUGIN")
            .unwrap_or_else(|_| "/usr/share/orthanc/plugins/libOrthancDicomWeb.so".into()),
    );
    assert!(
        path.exists(),
        "{} is missing: run the suite with scripts/test, which installs Debian's orthanc and \
         orthanc-dicomweb",
        path.display()
    );
    path
}

impl Orthanc {
    /// Starts Orthanc and waits until it answers (at most 60 s). Without Orthanc the test
    /// fails: the PACS half of the suite is never skipped.
    pub async fn start() -> Orthanc {
        let binary = Path::new("/usr/sbin/Orthanc");
        assert!(
            binary.exists(),
            "/usr/sbin/Orthanc is missing: run the suite with scripts/test (Debian package orthanc)"
        );
        let dir = tempfile::tempdir().unwrap();
        let storage = dir.path().join("storage");
        std::fs::create_dir_all(&storage).unwrap();
        let http = free_port();
        let config = json!({
            "Name": "consilium-test-pacs",
            "StorageDirectory": storage,
            "IndexDirectory": storage,
            "HttpPort": http,
            "DicomPort": free_port(),
            "DicomServerEnabled": false,
            "RemoteAccessAllowed": false,
            "AuthenticationEnabled": true,
            "RegisteredUsers": { PACS_USER: PACS_PASSWORD },
            "Plugins": [plugin()],
            "DicomWeb": { "Enable": true, "Root": "/dicom-web/", "EnableWado": false },
            "SaveJobs": false,
            "KeepAlive": true,
            "TcpNoDelay": true,
        });
        let path = dir.path().join("orthanc.json");
        std::fs::write(&path, serde_json::to_vec_pretty(&config).unwrap()).unwrap();
        let child = Command::new(binary)
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start Orthanc");
        let orthanc = Orthanc {
            child,
            url: format!("http://127.0.0.1:{http}"),
            _dir: dir,
        };
        let client = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let Ok(res) = client
                .get(format!("{}/dicom-web/studies", orthanc.url))
                .basic_auth(PACS_USER, Some(PACS_PASSWORD))
                .send()
                .await
                && res.status().is_success()
            {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "Orthanc and its DICOMweb plugin did not answer within 60 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        orthanc
    }

    pub fn dicomweb(&self) -> String {
        format!("{}/dicom-web", self.url)
    }

    /// Stores Part-10 files in the PACS.
    pub async fn store(&self, files: &[Vec<u8>]) {
        let client = reqwest::Client::new();
        for bytes in files {
            let res = client
                .post(format!("{}/instances", self.url))
                .basic_auth(PACS_USER, Some(PACS_PASSWORD))
                .header("Content-Type", "application/dicom")
                .body(bytes.clone())
                .send()
                .await
                .unwrap();
            assert!(res.status().is_success(), "Orthanc refused an instance");
        }
    }
}

impl Drop for Orthanc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP proxy on loopback that passes at most `bytes_per_sec` from the server to the client,
/// and can cut every connection (and refuse new ones).
pub struct SlowProxy {
    pub url: String,
    cut: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl SlowProxy {
    pub async fn start(upstream: &str, bytes_per_sec: u64) -> SlowProxy {
        let target = upstream.trim_start_matches("http://").to_string();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let cut = Arc::new(AtomicBool::new(false));
        let c = cut.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if c.load(Ordering::Relaxed) {
                    continue;
                }
                let (target, c) = (target.clone(), c.clone());
                tokio::spawn(async move {
                    let Ok(server) = tokio::net::TcpStream::connect(&target).await else {
                        return;
                    };
                    let (mut cr, mut cw) = client.into_split();
                    let (mut sr, mut sw) = server.into_split();
                    let up = tokio::spawn(async move {
                        let _ = tokio::io::copy(&mut cr, &mut sw).await;
                    });
                    let mut buf = vec![0u8; 16 * 1024];
                    let chunk = (bytes_per_sec / 20).clamp(1, buf.len() as u64) as usize;
                    loop {
                        if c.load(Ordering::Relaxed) {
                            break;
                        }
                        let n = match sr.read(&mut buf[..chunk]).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        if cw.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    up.abort();
                });
            }
        });
        SlowProxy {
            url: format!("http://127.0.0.1:{port}"),
            cut,
            task,
        }
    }

    /// Drops every connection and refuses new ones: the PACS is down.
    pub fn cut(&self) {
        self.cut.store(true, Ordering::Relaxed);
    }
}

impl Drop for SlowProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

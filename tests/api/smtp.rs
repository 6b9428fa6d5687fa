//! A real SMTP server for the mail tests: `tests/smtp/smtp_sink.py` (aiosmtpd) on a loopback
//! port, started and stopped by the test; what it accepted, parsed with `mail-parser`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mail_parser::{MessageParser, MimeHeaders};

pub struct SmtpSink {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

/// One mail as it arrived.
#[derive(Debug, Clone)]
pub struct Mail {
    pub file: PathBuf,
    pub to: Vec<String>,
    pub subject: String,
    pub message_id: String,
    /// Every text part, decoded.
    pub text: String,
    /// The calendar part and its `method` parameter.
    pub calendar: Option<(String, String)>,
    /// The whole message as sent, for scans.
    pub raw: String,
}

impl Mail {
    /// A calendar property (`UID`, `SEQUENCE`, `METHOD`, `STATUS`…), unfolded.
    pub fn ics(&self, name: &str) -> Option<String> {
        let (ics, _) = self.calendar.as_ref()?;
        let unfolded = ics.replace("\r\n ", "").replace("\n ", "");
        unfolded.lines().find_map(|l| {
            l.strip_prefix(&format!("{name}:"))
                .map(|v| v.trim().to_string())
        })
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        let python = std::env::var("CONSILIUM_TEST_PYTHON").unwrap_or_else(|_| {
            panic!("CONSILIUM_TEST_PYTHON is not set: run the suite with scripts/test, which installs the SMTP server (aiosmtpd)")
        });
        let dir = tempfile::tempdir().unwrap();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp/smtp_sink.py");
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new(&python)
                .arg(script)
                .arg(dir.path())
                .arg(port.to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("start the SMTP sink");
            let mut line = String::new();
            let _ = BufReader::new(child.stdout.take().unwrap()).read_line(&mut line);
            if line.trim() == "ready" {
                return SmtpSink { port, dir, child };
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("the SMTP sink did not start");
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// While refusing, every recipient gets 451 (an outage).
    pub fn refuse(&self, refusing: bool) {
        let flag = self.dir.path().join("REFUSE");
        if refusing {
            std::fs::write(flag, b"").unwrap();
        } else {
            let _ = std::fs::remove_file(flag);
        }
    }

    /// Every recipient gets 550 (an address the server does not know).
    pub fn refuse_for_good(&self) {
        std::fs::write(self.dir.path().join("REFUSE"), b"permanent").unwrap();
    }

    pub fn mails(&self) -> Vec<Mail> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        files.sort();
        files.iter().map(|f| parse(f)).collect()
    }

    /// Waits until `pred` holds of the mails (at most 20 s); the mails then.
    pub async fn wait_for(&self, what: &str, pred: impl Fn(&[Mail]) -> bool) -> Vec<Mail> {
        let start = Instant::now();
        loop {
            let mails = self.mails();
            if pred(&mails) {
                return mails;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{what}: not within 20 s; arrived: {:#?}",
                mails
                    .iter()
                    .map(|m| (&m.to, &m.subject))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn parse(file: &Path) -> Mail {
    let bytes = std::fs::read(file).unwrap();
    let raw = String::from_utf8_lossy(&bytes).to_string();
    let to = raw
        .lines()
        .take_while(|l| l.starts_with("X-Sink-Rcpt-To:"))
        .map(|l| l["X-Sink-Rcpt-To:".len()..].trim().to_string())
        .collect();
    let message = MessageParser::default().parse(&bytes).expect("a mail");
    let mut text = String::new();
    let mut calendar = None;
    for part in message.parts.iter() {
        let Some(ct) = part.content_type() else {
            continue;
        };
        let kind = format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or(""));
        let body = part.text_contents().unwrap_or_default().to_string();
        if kind == "text/calendar" {
            let method = ct.attribute("method").unwrap_or("").to_string();
            calendar = Some((body, method));
        } else if kind == "text/plain" {
            text.push_str(&body);
        }
    }
    Mail {
        file: file.to_path_buf(),
        to,
        subject: message.subject().unwrap_or("").to_string(),
        message_id: message.message_id().unwrap_or("").to_string(),
        text,
        calendar,
        raw,
    }
}

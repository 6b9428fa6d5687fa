//! Attachments (API.md section 7) on the local file store and on a real S3-protocol server,
//! on SQLite and on PostgreSQL: round trip, ranges, revalidation, the size limit, a client that
//! hangs up, access, DICOM de-identification, corrupt DICOM and hostile filenames.

use std::time::Duration;

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use dicom_object::meta::FileMetaTableBuilder;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::helpers::{Actor, Backend, Options, Resp, TestApp, spawn_app_with};
use crate::s3::S3Server;

/// Where the bytes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    Files,
    S3,
}

/// Runs a test on each database and each object store.
#[macro_export]
macro_rules! on_all_stores {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                use $crate::attachments::Store;
                use $crate::helpers::Backend;
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite_files() { super::$name(Backend::Sqlite, Store::Files).await }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite_s3() { super::$name(Backend::Sqlite, Store::S3).await }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres_files() { super::$name(Backend::Postgres, Store::Files).await }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres_s3() { super::$name(Backend::Postgres, Store::S3).await }
            }
        )*
    };
}

on_all_stores!(
    round_trip_ranges_and_revalidation,
    size_limit_keeps_nothing,
    client_hanging_up_keeps_nothing,
    access_follows_the_dossier,
    dicom_is_deidentified,
    corrupt_dicom_is_refused,
    hostile_filenames_are_cleaned,
    bad_multipart_input,
    a_failed_row_write_removes_the_object,
);

/// A server on one store, with a board, its people and a draft dossier.
pub struct Fixture {
    pub app: TestApp,
    s3: Option<S3Server>,
    pub referrer: Actor,
    pub coordinator: Actor,
    pub member: Actor,
    other_referrer: Actor,
    pub stranger: Actor,
    board: String,
    pub dossier: Value,
}

impl Fixture {
    async fn new(backend: Backend, store: Store, max_upload_bytes: Option<u64>) -> Fixture {
        let options = Options {
            max_upload_bytes,
            ..Options::default()
        };
        Fixture::with_options(backend, store, options).await
    }

    /// A fixture whose server has these options (the store's are set here).
    pub async fn with_options(backend: Backend, store: Store, options: Options) -> Fixture {
        let s3 = (store == Store::S3).then(S3Server::start);
        let options = Options {
            object_store_url: s3.as_ref().map(S3Server::url),
            s3: s3.as_ref().map(S3Server::settings),
            ..options
        };
        let app = spawn_app_with(backend, options).await;
        let admin = app.admin().await;
        let board = app
            .board(
                &admin,
                json!({"min_voters": 1, "min_specialties": 1, "required_specialties": []}),
            )
            .await;
        let referrer = app.clinician(&admin, "neurology").await;
        let coordinator = app.clinician(&admin, "neurology").await;
        let member = app.clinician(&admin, "radiology").await;
        let other_referrer = app.clinician(&admin, "neurology").await;
        let stranger = app.clinician(&admin, "cardiology").await;
        app.add_member(&admin, &board, &coordinator, "coordinator")
            .await;
        app.add_member(&admin, &board, &member, "member").await;
        let other_board = app
            .board(
                &admin,
                json!({"min_voters": 3, "min_specialties": 3, "required_specialties": []}),
            )
            .await;
        app.add_member(&admin, &other_board, &stranger, "coordinator")
            .await;
        let dossier = app.dossier(&referrer, &board).await;
        Fixture {
            app,
            s3,
            referrer,
            coordinator,
            member,
            other_referrer,
            stranger,
            board,
            dossier,
        }
    }

    /// The directory where the store keeps its objects (the S3 server's or the local one's).
    pub fn store_dir(&self) -> std::path::PathBuf {
        match &self.s3 {
            Some(s3) => s3.dir.path().to_path_buf(),
            None => std::path::PathBuf::from(
                self.app
                    .config
                    .object_store_url
                    .strip_prefix("file://")
                    .expect("a local store"),
            ),
        }
    }

    pub fn dossier_id(&self) -> &str {
        self.dossier["id"].as_str().expect("dossier id")
    }

    /// Another draft dossier of the referrer, on the same board.
    pub async fn another_dossier(&self) -> Value {
        self.app.dossier(&self.referrer, &self.board).await
    }

    pub async fn upload(&self, token: Option<&str>, filename: &str, bytes: Vec<u8>) -> Resp {
        let form = Form::new().part(
            "file",
            Part::bytes(bytes)
                .file_name(filename.to_string())
                .mime_str("application/octet-stream")
                .expect("mime"),
        );
        self.send_form(token, form).await
    }

    pub async fn send_form(&self, token: Option<&str>, form: Form) -> Resp {
        self.send_form_to(self.dossier_id(), token, form).await
    }

    pub async fn send_form_to(&self, dossier_id: &str, token: Option<&str>, form: Form) -> Resp {
        let mut req = self
            .app
            .client
            .post(format!(
                "{}/api/dossiers/{dossier_id}/attachments",
                self.app.url,
            ))
            .multipart(form);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        crate::helpers::Api::read(req.send().await.expect("upload")).await
    }

    pub async fn download(
        &self,
        token: &str,
        id: &str,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut req = self
            .app
            .client
            .get(format!("{}/api/attachments/{id}/content", self.app.url))
            .bearer_auth(token);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send().await.expect("download")
    }

    /// The object files the store holds (partial uploads included).
    /// The attachments' objects in the store (not what is derived from them: series indexes
    /// and rendered frames, under `<object>.derived/`).
    pub fn stored_files(&self) -> Vec<std::path::PathBuf> {
        let mut files = self.store_files();
        files.retain(|p| !p.to_string_lossy().contains(".derived/"));
        files
    }

    fn store_files(&self) -> Vec<std::path::PathBuf> {
        match &self.s3 {
            Some(s3) => s3
                .files()
                .into_iter()
                .filter(|p| p.to_string_lossy().contains("dossiers"))
                .collect(),
            None => {
                let mut out = Vec::new();
                walk(&self.app.dir.path().join("objects"), &mut out);
                out
            }
        }
    }

    /// The files in the spool directory.
    /// Spooled uploads (each running process holds a lock file in its own spool folder).
    pub fn spooled_files(&self) -> Vec<std::path::PathBuf> {
        let mut spooled = Vec::new();
        walk(&self.app.config.spool_dir(), &mut spooled);
        spooled.retain(|p| !p.ends_with(".lock"));
        spooled
    }

    /// Waits (bounded) until the store holds `objects` files, the table `objects` rows, the
    /// dossier lists `objects` attachments, and the spool is empty.
    pub async fn assert_only_kept(&self, objects: usize) {
        let mut files = Vec::new();
        let mut spooled = Vec::new();
        for _ in 0..50 {
            files = self.stored_files();
            spooled = self.spooled_files();
            if files.len() == objects && spooled.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(files.len(), objects, "stored: {files:?}");
        assert!(spooled.is_empty(), "left in the spool: {spooled:?}");
        assert_eq!(self.app.count("attachments").await, objects as i64);
        let dossier = self
            .app
            .get(
                &format!("/api/dossiers/{}", self.dossier_id()),
                Some(&self.referrer.token),
            )
            .await;
        let listed = dossier.expect(200)["attachments"].as_array().map(Vec::len);
        assert_eq!(listed, Some(objects), "the dossier lists {listed:?}");
    }

    /// Waits (bounded) until the store and the table hold no attachment, and the spool is empty.
    async fn assert_nothing_kept(&self) {
        let mut files = Vec::new();
        for _ in 0..50 {
            files = self.stored_files();
            files.extend(self.spooled_files());
            if files.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(files.is_empty(), "left behind: {files:?}");
        assert_eq!(self.app.count("attachments").await, 0);
    }
}

fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Bytes that are no known format (they must not start like DICOM or zip).
fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8 | 0x01
        })
        .map(|b| if b == b'P' { b'Q' } else { b })
        .collect()
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn round_trip_ranges_and_revalidation(backend: Backend, store: Store) {
    let f = Fixture::new(backend, store, None).await;
    // Several parts of the multipart upload on the S3 side.
    let data = pseudo_random(19 * 1024 * 1024 + 12345, 7);
    let form = Form::new().text("kind", "note").part(
        "file",
        Part::bytes(data.clone())
            .file_name("notes.bin")
            .mime_str("application/x-test")
            .unwrap(),
    );
    let res = f.send_form(Some(&f.referrer.token), form).await;
    let att = res.expect(201).clone();
    assert_eq!(att["sha256"], sha256_hex(&data));
    assert_eq!(att["size"], data.len() as u64);
    assert_eq!(att["kind"], "note");
    assert_eq!(att["filename"], "notes.bin");
    assert_eq!(att["content_type"], "application/x-test");
    assert_eq!(att["deidentified"], false);
    assert_eq!(att["dicom"], Value::Null);
    assert_eq!(att["dossier_id"], f.dossier_id());
    let id = att["id"].as_str().unwrap();

    // Metadata, and the dossier lists it.
    let meta = f
        .app
        .get(&format!("/api/attachments/{id}"), Some(&f.member.token))
        .await;
    assert_eq!(meta.expect(200)["sha256"], att["sha256"]);
    let dossier = f
        .app
        .get(
            &format!("/api/dossiers/{}", f.dossier_id()),
            Some(&f.referrer.token),
        )
        .await;
    assert_eq!(dossier.expect(200)["attachments"][0]["id"], id);

    // Whole content, byte-identical, with its headers.
    let res = f.download(&f.coordinator.token, id, &[]).await;
    assert_eq!(res.status(), 200);
    let etag = format!("\"{}\"", sha256_hex(&data));
    let h = res.headers().clone();
    assert_eq!(h["etag"], etag.as_str());
    assert_eq!(h["content-length"], data.len().to_string().as_str());
    assert_eq!(h["content-type"], "application/x-test");
    assert_eq!(h["accept-ranges"], "bytes");
    assert_eq!(
        h["content-disposition"],
        "attachment; filename=\"notes.bin\"; filename*=UTF-8''notes.bin"
    );
    let body = res.bytes().await.unwrap();
    assert_eq!(sha256_hex(&body), sha256_hex(&data));

    // Ranges.
    for (range, start, end) in [
        ("bytes=0-99", 0usize, 99usize),
        ("bytes=1000-", 1000, data.len() - 1),
        ("bytes=-10", data.len() - 10, data.len() - 1),
        ("bytes=5-5", 5, 5),
    ] {
        let res = f.download(&f.referrer.token, id, &[("range", range)]).await;
        assert_eq!(res.status(), 206, "{range}");
        assert_eq!(
            res.headers()["content-range"],
            format!("bytes {start}-{end}/{}", data.len()).as_str()
        );
        assert_eq!(
            res.headers()["content-length"],
            (end - start + 1).to_string().as_str()
        );
        let part = res.bytes().await.unwrap();
        assert_eq!(&part[..], &data[start..=end], "{range}");
    }
    let res = f
        .download(
            &f.referrer.token,
            id,
            &[("range", &format!("bytes={}-", data.len()))],
        )
        .await;
    assert_eq!(res.status(), 416);
    assert_eq!(
        res.headers()["content-range"],
        format!("bytes */{}", data.len()).as_str()
    );

    // Revalidation.
    let res = f
        .download(&f.referrer.token, id, &[("if-none-match", &etag)])
        .await;
    assert_eq!(res.status(), 304);
    assert_eq!(res.headers()["etag"], etag.as_str());
    assert!(res.bytes().await.unwrap().is_empty());
    let res = f
        .download(
            &f.referrer.token,
            id,
            &[("if-none-match", "\"something-else\"")],
        )
        .await;
    assert_eq!(res.status(), 200);

    // Everything is in the audit log.
    for action in [
        "attachment.upload",
        "attachment.read",
        "attachment.download",
    ] {
        let n = audit_count(&f.app, action).await;
        assert!(n >= 1, "{action} recorded {n} times");
    }

    // Deletion by the uploader removes the row and the object.
    f.app
        .delete(&format!("/api/attachments/{id}"), Some(&f.referrer.token))
        .await
        .expect(204);
    assert_eq!(audit_count(&f.app, "attachment.delete").await, 1);
    f.app
        .get(&format!("/api/attachments/{id}"), Some(&f.referrer.token))
        .await
        .expect_problem(404, "not_found");
    f.assert_nothing_kept().await;
}

async fn audit_count(app: &TestApp, action: &'static str) -> i64 {
    use consilium::db::schema::audit_log;
    use diesel::prelude::*;
    app.db
        .read(move |conn| {
            Ok(audit_log::table
                .filter(audit_log::action.eq(action))
                .count()
                .get_result(conn)?)
        })
        .await
        .unwrap()
}

async fn size_limit_keeps_nothing(backend: Backend, store: Store) {
    let limit = 1024 * 1024;
    let f = Fixture::new(backend, store, Some(limit)).await;
    // Exactly the limit is accepted.
    let ok = f
        .upload(
            Some(&f.referrer.token),
            "max.bin",
            pseudo_random(limit as usize, 3),
        )
        .await;
    let id = ok.expect(201)["id"].as_str().unwrap().to_string();
    f.app
        .delete(&format!("/api/attachments/{id}"), Some(&f.referrer.token))
        .await
        .expect(204);
    f.assert_nothing_kept().await;

    // Declared too large: refused before reading.
    let res = f
        .upload(
            Some(&f.referrer.token),
            "big.bin",
            pseudo_random(3 * limit as usize, 4),
        )
        .await;
    res.expect_problem(413, "too_large");
    f.assert_nothing_kept().await;

    // Streamed without a length, one byte over: refused while streaming.
    for first in [&b"plain"[..], &dicom_preamble()[..]] {
        let mut data = first.to_vec();
        data.extend(pseudo_random(limit as usize + 1 - first.len(), 5));
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            data.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
        let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
        let form = Form::new().part("file", Part::stream(body).file_name("streamed.bin"));
        let res = f.send_form(Some(&f.referrer.token), form).await;
        res.expect_problem(413, "too_large");
        f.assert_nothing_kept().await;
    }
}

/// 128 bytes then `DICM`: takes the spooled path.
fn dicom_preamble() -> Vec<u8> {
    let mut v = vec![0u8; 128];
    v.extend_from_slice(b"DICM");
    v
}

async fn client_hanging_up_keeps_nothing(backend: Backend, store: Store) {
    let f = Fixture::new(backend, store, None).await;
    for first in [&b"plain"[..], &dicom_preamble()[..]] {
        let addr = f.app.url.trim_start_matches("http://").to_string();
        let mut socket = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let boundary = "XBOUNDARYX";
        let declared = 50 * 1024 * 1024;
        let head = format!(
            "POST /api/dossiers/{}/attachments HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
             Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {declared}\r\n\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.bin\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n",
            f.dossier_id(),
            f.referrer.token
        );
        socket.write_all(head.as_bytes()).await.unwrap();
        socket.write_all(first).await.unwrap();
        // Enough to have started an object (several parts on S3).
        let chunk = pseudo_random(1024 * 1024, 9);
        for _ in 0..20 {
            socket.write_all(&chunk).await.unwrap();
        }
        socket.flush().await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        drop(socket);
        f.assert_nothing_kept().await;
    }
    // The server still works.
    f.upload(Some(&f.referrer.token), "after.txt", b"still fine".to_vec())
        .await
        .expect(201);
}

async fn access_follows_the_dossier(backend: Backend, store: Store) {
    let f = Fixture::new(backend, store, None).await;
    let data = b"clinical note".to_vec();
    // Who may not upload: nothing kept, nothing leaked.
    f.upload(None, "a.txt", data.clone())
        .await
        .expect_problem(401, "unauthenticated");
    f.upload(Some("not-a-token"), "a.txt", data.clone())
        .await
        .expect_problem(401, "unauthenticated");
    f.upload(Some(&f.member.token), "a.txt", data.clone())
        .await
        .expect_problem(403, "forbidden");
    f.upload(Some(&f.stranger.token), "a.txt", data.clone())
        .await
        .expect_problem(404, "not_found");
    f.upload(Some(&f.other_referrer.token), "a.txt", data.clone())
        .await
        .expect_problem(404, "not_found");
    f.assert_nothing_kept().await;

    // Referrer and coordinator may.
    let by_referrer = f
        .upload(Some(&f.referrer.token), "r.txt", data.clone())
        .await;
    let r_id = by_referrer.expect(201)["id"].as_str().unwrap().to_string();
    let by_coord = f
        .upload(Some(&f.coordinator.token), "c.txt", data.clone())
        .await;
    let c_id = by_coord.expect(201)["id"].as_str().unwrap().to_string();

    // Reading: the board and the referrer, not others (404, nothing leaked).
    for who in [&f.referrer, &f.coordinator, &f.member] {
        assert_eq!(f.download(&who.token, &r_id, &[]).await.status(), 200);
    }
    for who in [&f.stranger, &f.other_referrer] {
        let res = f.download(&who.token, &r_id, &[]).await;
        assert_eq!(res.status(), 404);
        let text = res.text().await.unwrap();
        assert!(!text.contains("clinical note"));
        f.app
            .get(&format!("/api/attachments/{r_id}"), Some(&who.token))
            .await
            .expect_problem(404, "not_found");
        f.app
            .delete(&format!("/api/attachments/{r_id}"), Some(&who.token))
            .await
            .expect_problem(404, "not_found");
    }
    let res = f
        .app
        .client
        .get(format!("{}/api/attachments/{r_id}/content", f.app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    // Deleting: only the uploader.
    f.app
        .delete(
            &format!("/api/attachments/{r_id}"),
            Some(&f.coordinator.token),
        )
        .await
        .expect_problem(403, "forbidden");
    f.app
        .delete(&format!("/api/attachments/{c_id}"), Some(&f.referrer.token))
        .await
        .expect_problem(403, "forbidden");
    assert_eq!(f.app.count("attachments").await, 2);
    assert_eq!(f.stored_files().len(), 2);

    // A withdrawn dossier takes no more attachments and keeps its own.
    f.app
        .post_empty(
            &format!("/api/dossiers/{}/withdraw", f.dossier_id()),
            Some(&f.referrer.token),
        )
        .await
        .expect(200);
    f.upload(Some(&f.referrer.token), "late.txt", data.clone())
        .await
        .expect_problem(409, "conflict");
    f.app
        .delete(&format!("/api/attachments/{r_id}"), Some(&f.referrer.token))
        .await
        .expect_problem(409, "conflict");
    assert_eq!(f.app.count("attachments").await, 2);
    assert_eq!(f.stored_files().len(), 2);
    // Bad ids.
    f.app
        .get("/api/attachments/not-a-uuid", Some(&f.referrer.token))
        .await
        .expect_problem(404, "not_found");
}

/// A DICOM Part-10 file with patient identifiers set.
pub fn dicom_file(patient: &str, series: &str) -> Vec<u8> {
    let text = |tag, vr, value: &str| DataElement::new(tag, vr, PrimitiveValue::from(value));
    let obj = InMemDicomObject::from_element_iter([
        text(tags::PATIENT_NAME, VR::PN, patient),
        text(tags::PATIENT_ID, VR::LO, "IPP-4471-0923"),
        text(tags::PATIENT_BIRTH_DATE, VR::DA, "19620714"),
        text(tags::PATIENT_ADDRESS, VR::LO, "12 rue des Lilas, Rennes"),
        // OtherPatientIDs, a retired tag that old files still carry.
        text(dicom_core::Tag(0x0010, 0x1000), VR::LO, "NIR-1620735"),
        text(tags::REFERRING_PHYSICIAN_NAME, VR::PN, "MARTIN^PAUL"),
        text(tags::INSTITUTION_ADDRESS, VR::ST, "2 avenue du CHU, Brest"),
        text(tags::MODALITY, VR::CS, "MR"),
        text(tags::STUDY_DESCRIPTION, VR::LO, "IRM cerebrale"),
        text(tags::SERIES_DESCRIPTION, VR::LO, series),
        text(tags::SOP_INSTANCE_UID, VR::UI, "1.2.3.4.5"),
        DataElement::new(
            tags::PIXEL_DATA,
            VR::OW,
            PrimitiveValue::U8(vec![7u8; 4096].into()),
        ),
    ]);
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new()
                .media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.4")
                .media_storage_sop_instance_uid("1.2.3.4.5")
                .transfer_syntax("1.2.840.10008.1.2.1"),
        )
        .unwrap();
    let mut bytes = Vec::new();
    file.write_all(&mut bytes).unwrap();
    bytes
}

pub const IDENTIFIERS: &[&str] = &[
    "DUPONT^JEANNE",
    "IPP-4471-0923",
    "19620714",
    "rue des Lilas",
    "NIR-1620735",
    "MARTIN^PAUL",
    "avenue du CHU",
];

async fn dicom_is_deidentified(backend: Backend, store: Store) {
    let f = Fixture::new(backend, store, None).await;
    let original = dicom_file("DUPONT^JEANNE", "T2 FLAIR");
    for id in IDENTIFIERS {
        assert!(
            contains(&original, id.as_bytes()),
            "the test file holds {id}"
        );
    }
    let res = f
        .upload(Some(&f.referrer.token), "IM0001.dcm", original.clone())
        .await;
    let att = res.expect(201).clone();
    assert_eq!(att["deidentified"], true);
    assert_eq!(att["kind"], "imaging");
    assert_eq!(att["content_type"], "application/dicom");
    assert_eq!(
        att["dicom"],
        json!({"modality": "MR", "study_description": "IRM cerebrale", "series_description": "T2 FLAIR", "instances": 1})
    );
    let res = f
        .download(&f.member.token, att["id"].as_str().unwrap(), &[])
        .await;
    assert_eq!(res.status(), 200);
    let stored = res.bytes().await.unwrap().to_vec();
    assert_eq!(att["sha256"], sha256_hex(&stored));
    for id in IDENTIFIERS {
        assert!(!contains(&stored, id.as_bytes()), "{id} was still stored");
    }
    let obj = dicom_object::OpenFileOptions::new()
        .read_preamble(dicom_object::file::ReadPreamble::Always)
        .from_reader(&stored[..])
        .unwrap();
    assert_eq!(
        obj.get(tags::PATIENT_IDENTITY_REMOVED)
            .unwrap()
            .to_str()
            .unwrap(),
        "YES"
    );
    assert!(obj.get(tags::DEIDENTIFICATION_METHOD).is_some());
    assert_eq!(obj.get(tags::MODALITY).unwrap().to_str().unwrap(), "MR");

    // A zip of a series: every file de-identified, instances counted.
    let mut zipped = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut zipped);
        let options = zip::write::SimpleFileOptions::default();
        for (i, name) in ["DUPONT^JEANNE", "DUPONT^JEANNE", "DUPONT^JEANNE"]
            .iter()
            .enumerate()
        {
            zip.start_file(format!("series/IM{i:04}"), options).unwrap();
            std::io::Write::write_all(&mut zip, &dicom_file(name, "T1 gado")).unwrap();
        }
        zip.start_file("README.txt", options).unwrap();
        std::io::Write::write_all(&mut zip, b"exported series").unwrap();
        zip.finish().unwrap();
    }
    let res = f
        .upload(Some(&f.referrer.token), "series.zip", zipped.into_inner())
        .await;
    let att = res.expect(201).clone();
    assert_eq!(att["deidentified"], true);
    assert_eq!(att["content_type"], "application/zip");
    assert_eq!(att["dicom"]["instances"], 3);
    assert_eq!(att["dicom"]["series_description"], "T1 gado");
    let res = f
        .download(&f.referrer.token, att["id"].as_str().unwrap(), &[])
        .await;
    let stored = res.bytes().await.unwrap().to_vec();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(stored)).unwrap();
    assert_eq!(archive.len(), 4);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let mut content = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut content).unwrap();
        for id in IDENTIFIERS {
            assert!(!contains(&content, id.as_bytes()), "{id} in entry {i}");
        }
    }
}

async fn corrupt_dicom_is_refused(backend: Backend, store: Store) {
    let f = Fixture::new(backend, store, None).await;
    let mut corrupt = dicom_file("DUPONT^JEANNE", "T2");
    corrupt.truncate(200);
    corrupt.extend_from_slice(&[0xff; 64]);
    let res = f
        .upload(Some(&f.referrer.token), "broken.dcm", corrupt)
        .await;
    res.expect_invalid("file");
    assert!(res.body["detail"].as_str().unwrap().contains("DICOM"));
    // A corrupt zip, and a zip holding a corrupt DICOM file.
    let res = f
        .upload(
            Some(&f.referrer.token),
            "broken.zip",
            b"PK\x03\x04 not really a zip".to_vec(),
        )
        .await;
    res.expect_invalid("file");
    let mut zipped = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut zipped);
        zip.start_file("IM0001", zip::write::SimpleFileOptions::default())
            .unwrap();
        let mut bad = dicom_preamble();
        bad.extend_from_slice(&[0x42; 100]);
        std::io::Write::write_all(&mut zip, &bad).unwrap();
        zip.finish().unwrap();
    }
    let res = f
        .upload(Some(&f.referrer.token), "bad.zip", zipped.into_inner())
        .await;
    res.expect_invalid("file");
    f.assert_nothing_kept().await;
}

async fn hostile_filenames_are_cleaned(backend: Backend, store: Store) {
    let f = Fixture::new(backend, store, None).await;
    let long = format!("{}.pdf", "a".repeat(1000));
    for (raw, expected) in [
        ("../../../etc/passwd", "passwd".to_string()),
        ("..\\..\\boot.ini", "boot.ini".to_string()),
        ("rapport\u{202E}fdp.exe", "rapportfdp.exe".to_string()),
        ("Set-Cookie: x=1.txt", "Set-Cookie_ x=1.txt".to_string()),
        ("quote\"d.txt", "quote_d.txt".to_string()),
        ("..", "attachment".to_string()),
        (long.as_str(), format!("{}.pdf", "a".repeat(196))),
    ] {
        let res = f.upload(Some(&f.referrer.token), raw, b"x".to_vec()).await;
        assert_eq!(res.status, 201, "{raw:?}: {}", res.text);
        let att = res.body.clone();
        assert_eq!(att["filename"], expected.as_str(), "{raw:?}");
        let dl = f
            .download(&f.referrer.token, att["id"].as_str().unwrap(), &[])
            .await;
        let cd = dl.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(cd.starts_with("attachment; filename=\""), "{cd}");
        assert!(
            !cd.contains('/') && !cd.contains('\\') && !cd.contains('\r'),
            "{cd}"
        );
    }
    // Control characters cannot even travel in the part's header (a line break would end
    // it): such a part is refused whole. Those that arrive otherwise are dropped (unit tests).
    let before = f.app.count("attachments").await;
    for raw in ["line\r\nSet-Cookie: x=1.txt", "bell\u{7}tab.txt"] {
        f.upload(Some(&f.referrer.token), raw, b"x".to_vec())
            .await
            .expect_invalid("file");
    }
    assert_eq!(f.app.count("attachments").await, before);
    assert_eq!(f.stored_files().len() as i64, before);
}

async fn bad_multipart_input(backend: Backend, store: Store) {
    let f = Fixture::new(backend, store, None).await;
    let path = format!("/api/dossiers/{}/attachments", f.dossier_id());
    let token = Some(f.referrer.token.as_str());
    // Not multipart at all.
    f.app
        .raw(
            reqwest::Method::POST,
            &path,
            token,
            "application/json",
            "{}",
        )
        .await
        .expect_problem(400, "invalid_input");
    // Multipart without the file part.
    f.send_form(token, Form::new().text("kind", "note"))
        .await
        .expect_invalid("file");
    // An unknown kind.
    let form = Form::new()
        .text("kind", "selfie")
        .part("file", Part::bytes(b"x".to_vec()).file_name("x.txt"));
    f.send_form(token, form).await.expect_invalid("kind");
    // An unknown part.
    let form = Form::new()
        .text("patient_name", "DUPONT")
        .part("file", Part::bytes(b"x".to_vec()).file_name("x.txt"));
    f.send_form(token, form)
        .await
        .expect_invalid("patient_name");
    // Two files.
    let form = Form::new()
        .part("file", Part::bytes(b"x".to_vec()).file_name("x.txt"))
        .part("file", Part::bytes(b"y".to_vec()).file_name("y.txt"));
    f.send_form(token, form).await.expect_invalid("file");
    // A bad dossier id, an unknown dossier.
    f.app
        .raw(
            reqwest::Method::POST,
            "/api/dossiers/nope/attachments",
            token,
            "multipart/form-data; boundary=x",
            "--x--",
        )
        .await
        .expect_problem(404, "not_found");
    f.assert_nothing_kept().await;
    // An empty file is fine.
    let res = f.upload(token, "empty.txt", Vec::new()).await;
    let att = res.expect(201).clone();
    assert_eq!(att["size"], 0);
    let dl = f
        .download(&f.referrer.token, att["id"].as_str().unwrap(), &[])
        .await;
    assert_eq!(dl.status(), 200);
    assert!(dl.bytes().await.unwrap().is_empty());
}

async fn a_failed_row_write_removes_the_object(backend: Backend, store: Store) {
    let f = Fixture::new(backend, store, None).await;
    // The body is fed by hand: part of it, then the dossier is withdrawn, then the rest.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let form = Form::new().part(
        "file",
        Part::stream(reqwest::Body::wrap_stream(stream)).file_name("slow.bin"),
    );
    let upload = {
        let token = f.referrer.token.clone();
        let req = f
            .app
            .client
            .post(format!(
                "{}/api/dossiers/{}/attachments",
                f.app.url,
                f.dossier_id()
            ))
            .bearer_auth(token)
            .multipart(form);
        tokio::spawn(async move { crate::helpers::Api::read(req.send().await.unwrap()).await })
    };
    let chunk = pseudo_random(1024 * 1024, 11);
    for _ in 0..12 {
        tx.send(Ok(chunk.clone())).await.unwrap();
    }
    f.app
        .post_empty(
            &format!("/api/dossiers/{}/withdraw", f.dossier_id()),
            Some(&f.referrer.token),
        )
        .await
        .expect(200);
    tx.send(Ok(chunk.clone())).await.unwrap();
    drop(tx);
    let res = upload.await.unwrap();
    res.expect_problem(409, "conflict");
    f.assert_nothing_kept().await;
}

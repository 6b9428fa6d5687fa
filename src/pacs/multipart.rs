//! `multipart/related` bodies (RFC 2387), as WADO-RS answers and STOW-RS requests carry DICOM
//! instances: the media type's parameters, and the parts as a stream (multer parses any
//! boundary-delimited body; only its helper insists on `multipart/form-data`).

use bytes::Bytes;
use futures_util::Stream;

/// A media type's essence (lower case) and its parameters (names in lower case, values
/// unquoted).
pub fn media_type(raw: &str) -> (String, Vec<(String, String)>) {
    let mut pieces = split_params(raw).into_iter();
    let essence = pieces
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let params = pieces
        .filter_map(|p| {
            let (name, value) = p.split_once('=')?;
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .map_or_else(|| value.to_string(), |v| v.replace("\\\"", "\""));
            Some((name.trim().to_ascii_lowercase(), value))
        })
        .collect();
    (essence, params)
}

/// Splits at `;` outside quoted strings.
fn split_params(raw: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut escaped = false;
    for c in raw.chars() {
        match c {
            '\\' if quoted && !escaped => escaped = true,
            '"' if !escaped => quoted = !quoted,
            ';' if !quoted => {
                out.push(String::new());
                continue;
            }
            _ => escaped = false,
        }
        if let Some(last) = out.last_mut() {
            last.push(c);
        }
    }
    out
}

/// The boundary of a `multipart/related` body whose root type is `application/dicom` (or not
/// said); `None` for anything else.
pub fn dicom_boundary(content_type: &str) -> Option<String> {
    let (essence, params) = media_type(content_type);
    if essence != "multipart/related" {
        return None;
    }
    let param = |name: &str| params.iter().find(|(n, _)| n == name).map(|(_, v)| v);
    if param("type").is_some_and(|t| !t.eq_ignore_ascii_case("application/dicom")) {
        return None;
    }
    param("boundary")
        .filter(|b| !b.is_empty() && b.len() <= 70)
        .cloned()
}

/// The parts of a body, streamed, within `max_bytes` in all.
pub fn parts<S, E>(stream: S, boundary: String, max_bytes: u64) -> multer::Multipart<'static>
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
{
    let constraints =
        multer::Constraints::new().size_limit(multer::SizeLimit::new().whole_stream(max_bytes));
    multer::Multipart::with_constraints(stream, boundary, constraints)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_of_dicom_bodies() {
        assert_eq!(
            dicom_boundary("multipart/related; type=\"application/dicom\"; boundary=abc123"),
            Some("abc123".into())
        );
        assert_eq!(
            dicom_boundary("Multipart/Related;Boundary=\"a;b=c\";TYPE=application/DICOM"),
            Some("a;b=c".into())
        );
        assert_eq!(
            dicom_boundary("multipart/related; boundary=x"),
            Some("x".into())
        );
        for bad in [
            "multipart/form-data; boundary=x",
            "multipart/related; type=\"application/dicom+json\"; boundary=x",
            "multipart/related; type=application/dicom",
            "multipart/related; boundary=",
            "application/dicom",
            "",
        ] {
            assert_eq!(dicom_boundary(bad), None, "{bad}");
        }
        let long = format!("multipart/related; boundary={}", "b".repeat(71));
        assert_eq!(dicom_boundary(&long), None);
    }

    #[tokio::test]
    async fn parts_stream_across_chunk_edges() {
        let body = b"--XYZ\r\nContent-Type: application/dicom\r\n\r\nfirst part\r\n--XYZ\r\nContent-Type: application/dicom\r\n\r\nsecond\r\n--XYZ--\r\n";
        for split in 1..body.len() {
            let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
                Ok(Bytes::copy_from_slice(&body[..split])),
                Ok(Bytes::copy_from_slice(&body[split..])),
            ];
            let mut parts = parts(futures_util::stream::iter(chunks), "XYZ".into(), 1 << 20);
            let mut got = Vec::new();
            while let Some(mut field) = parts.next_field().await.unwrap() {
                assert_eq!(
                    field.content_type().map(|m| m.essence_str().to_string()),
                    Some("application/dicom".to_string())
                );
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.unwrap() {
                    bytes.extend_from_slice(&chunk);
                }
                got.push(String::from_utf8(bytes).unwrap());
            }
            assert_eq!(got, vec!["first part", "second"], "split at {split}");
        }
    }

    #[tokio::test]
    async fn a_body_beyond_the_bound_is_refused() {
        let body = format!(
            "--B\r\nContent-Type: application/dicom\r\n\r\n{}\r\n--B--\r\n",
            "x".repeat(5000)
        );
        let chunks: Vec<Result<Bytes, std::io::Error>> = vec![Ok(Bytes::from(body))];
        let mut parts = parts(futures_util::stream::iter(chunks), "B".into(), 1000);
        let failed = async {
            while let Some(mut field) = parts.next_field().await? {
                while field.chunk().await?.is_some() {}
            }
            Ok::<_, multer::Error>(())
        }
        .await;
        assert!(failed.is_err());
    }
}

//! The hospital's PACS over DICOMweb (API.md section 15): QIDO-RS searches, WADO-RS retrieval
//! of a series as a stream, and the STOW-RS pushes it (or a workstation) makes to us.
//!
//! Patient identifiers cross this module (the searcher's filters, the PACS's answers) but are
//! never logged: a failed request is reported by the PACS's address and status only, never by
//! its URL (whose query holds the filters).

pub mod client;
pub mod multipart;
pub mod runner;
pub mod series;
pub mod stow;

pub use client::{Pacs, PacsSeries, PacsStudy};

/// How this service authenticates to the PACS (`CONSILIUM_DICOMWEB_AUTH`).
#[derive(Clone, PartialEq, Eq)]
pub enum PacsAuth {
    None,
    Basic { user: String, password: String },
    Bearer(String),
}

impl std::fmt::Debug for PacsAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PacsAuth::None => f.write_str("None"),
            PacsAuth::Basic { user, .. } => write!(f, "Basic({user}:***)"),
            PacsAuth::Bearer(_) => f.write_str("Bearer(***)"),
        }
    }
}

impl std::str::FromStr for PacsAuth {
    type Err = String;

    /// `basic:USER:PASS` (the password may hold `:`), `bearer:TOKEN`, or empty.
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(PacsAuth::None);
        }
        if let Some(rest) = raw.strip_prefix("basic:") {
            return match rest.split_once(':') {
                Some((user, password)) if !user.is_empty() => Ok(PacsAuth::Basic {
                    user: user.to_string(),
                    password: password.to_string(),
                }),
                _ => Err("basic: must be followed by USER:PASS".to_string()),
            };
        }
        if let Some(token) = raw.strip_prefix("bearer:")
            && !token.is_empty()
        {
            return Ok(PacsAuth::Bearer(token.to_string()));
        }
        Err("must be basic:USER:PASS or bearer:TOKEN".to_string())
    }
}

/// The PACS settings (`CONSILIUM_DICOMWEB_URL`, `CONSILIUM_DICOMWEB_AUTH`).
#[derive(Debug, Clone)]
pub struct PacsSettings {
    /// The DICOMweb root, without a trailing `/`.
    pub url: String,
    pub auth: PacsAuth,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_parses_and_hides_secrets() {
        assert_eq!("".parse(), Ok(PacsAuth::None));
        assert_eq!(
            "basic:orthanc:pa:ss".parse(),
            Ok(PacsAuth::Basic {
                user: "orthanc".into(),
                password: "pa:ss".into()
            })
        );
        assert_eq!("bearer:abc".parse(), Ok(PacsAuth::Bearer("abc".into())));
        for bad in [
            "basic:",
            "basic:nopass",
            "basic::x",
            "bearer:",
            "token:x",
            "x",
        ] {
            assert!(bad.parse::<PacsAuth>().is_err(), "{bad}");
        }
        let shown = format!("{:?}", "basic:orthanc:s3cret".parse::<PacsAuth>().unwrap());
        assert!(!shown.contains("s3cret"));
        assert!(!format!("{:?}", PacsAuth::Bearer("tok3n".into())).contains("tok3n"));
    }
}

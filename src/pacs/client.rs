//! The DICOMweb client: QIDO-RS for studies and series (asking for the fields it shows with
//! `includefield`), WADO-RS for a series as `multipart/related` (streamed, never held whole).

use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::{PacsAuth, PacsSettings};
use crate::domain::pacs::{SEARCH_LIMIT, StudyQuery};
use crate::error::AppError;

/// A series as the PACS lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PacsSeries {
    pub series_uid: String,
    pub modality: Option<String>,
    pub description: Option<String>,
    /// Instances in the series, as the PACS counts them.
    pub instances: u64,
}

/// A study as the PACS lists it. The patient's name and identifiers are shown to the searcher
/// to pick the right study; they are never stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PacsStudy {
    pub study_uid: String,
    /// `YYYYMMDD`, as the PACS has it.
    pub study_date: Option<String>,
    pub modalities: Vec<String>,
    pub description: Option<String>,
    pub patient_name: Option<String>,
    pub patient_id: Option<String>,
    pub accession_number: Option<String>,
    pub series: Vec<PacsSeries>,
}

pub struct Pacs {
    root: String,
    auth: PacsAuth,
    http: reqwest::Client,
    /// How errors name the PACS: its scheme, host and port (no credentials, no path).
    name: String,
}

/// The DICOM JSON tags read here.
mod tag {
    pub const STUDY_DATE: &str = "00080020";
    pub const ACCESSION: &str = "00080050";
    pub const MODALITIES: &str = "00080061";
    pub const MODALITY: &str = "00080060";
    pub const STUDY_DESCRIPTION: &str = "00081030";
    pub const SERIES_DESCRIPTION: &str = "0008103E";
    pub const PATIENT_NAME: &str = "00100010";
    pub const PATIENT_ID: &str = "00100020";
    pub const STUDY_UID: &str = "0020000D";
    pub const SERIES_UID: &str = "0020000E";
    pub const SERIES_INSTANCES: &str = "00201209";
}

impl Pacs {
    pub fn new(settings: &PacsSettings) -> anyhow::Result<Pacs> {
        let parsed = reqwest::Url::parse(&settings.url)?;
        let name = format!(
            "{}://{}{}",
            parsed.scheme(),
            parsed.host_str().unwrap_or("?"),
            parsed.port().map(|p| format!(":{p}")).unwrap_or_default()
        );
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            // No answer for this long while a series streams is a dead PACS.
            .read_timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none())
            .tcp_nodelay(true)
            .build()?;
        Ok(Pacs {
            root: settings.url.trim_end_matches('/').to_string(),
            auth: settings.auth.clone(),
            http,
            name,
        })
    }

    /// The PACS as errors name it.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn request(&self, path: &str, accept: &str) -> reqwest::RequestBuilder {
        let request = self
            .http
            .get(format!("{}{path}", self.root))
            .header(ACCEPT, accept);
        match &self.auth {
            PacsAuth::None => request,
            PacsAuth::Basic { user, password } => request.basic_auth(user, Some(password)),
            PacsAuth::Bearer(token) => request.bearer_auth(token),
        }
    }

    /// Sends a request; a failure becomes 502 (504 on a timeout) naming the PACS only.
    async fn send(&self, request: reqwest::RequestBuilder) -> Result<reqwest::Response, AppError> {
        let response = request.send().await.map_err(|e| self.failure(&e))?;
        let status = response.status();
        if !status.is_success() {
            tracing::warn!(pacs = %self.name, status = status.as_u16(), "the PACS refused a request");
            return Err(AppError::BadGateway(format!(
                "the PACS at {} answered {}",
                self.name,
                status.as_u16()
            )));
        }
        Ok(response)
    }

    /// A transport error as the client sees it: without the URL (its query may hold patient
    /// identifiers), and without credentials.
    pub fn failure(&self, e: &reqwest::Error) -> AppError {
        let timeout = e.is_timeout();
        let kind = if timeout {
            "timeout"
        } else if e.is_connect() {
            "connect"
        } else {
            "transfer"
        };
        tracing::warn!(pacs = %self.name, kind, "the PACS could not be reached");
        if timeout {
            AppError::GatewayTimeout(format!("the PACS at {} did not answer in time", self.name))
        } else {
            AppError::BadGateway(format!("the PACS at {} cannot be reached", self.name))
        }
    }

    async fn json(&self, request: reqwest::RequestBuilder) -> Result<Vec<Value>, AppError> {
        let response = self.send(request).await?;
        if response.status() == reqwest::StatusCode::NO_CONTENT {
            return Ok(Vec::new());
        }
        let bytes = response.bytes().await.map_err(|e| self.failure(&e))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Vec::new());
        }
        serde_json::from_slice(&bytes).map_err(|_| {
            AppError::BadGateway(format!(
                "the PACS at {} sent an unreadable answer",
                self.name
            ))
        })
    }

    /// QIDO-RS: the studies matching `query` (at most 50), each with its series.
    pub async fn studies(&self, query: &StudyQuery) -> Result<Vec<PacsStudy>, AppError> {
        let mut params: Vec<(&str, String)> = vec![("limit", SEARCH_LIMIT.to_string())];
        for field in [
            "StudyDescription",
            "ModalitiesInStudy",
            "PatientName",
            "PatientID",
        ] {
            params.push(("includefield", field.to_string()));
        }
        let filters = [
            ("PatientID", &query.patient_id),
            ("AccessionNumber", &query.accession_number),
            ("StudyDate", &query.study_date),
            ("ModalitiesInStudy", &query.modality),
        ];
        for (key, value) in filters {
            if let Some(value) = value {
                params.push((key, value.clone()));
            }
        }
        let found = self
            .json(
                self.request("/studies", "application/dicom+json")
                    .query(&params),
            )
            .await?;
        let studies: Vec<PacsStudy> = found
            .iter()
            .take(SEARCH_LIMIT)
            .filter_map(study_of)
            .collect();
        // Each study's series, four at a time.
        futures_util::stream::iter(studies)
            .map(|mut study| async move {
                study.series = self.series(&study.study_uid).await?;
                Ok::<_, AppError>(study)
            })
            .buffered(4)
            .try_collect()
            .await
    }

    /// QIDO-RS: the series of a study.
    pub async fn series(&self, study_uid: &str) -> Result<Vec<PacsSeries>, AppError> {
        let params = [
            ("includefield", "SeriesDescription"),
            ("includefield", "NumberOfSeriesRelatedInstances"),
            ("includefield", "Modality"),
        ];
        let found = self
            .json(
                self.request(
                    &format!("/studies/{study_uid}/series"),
                    "application/dicom+json",
                )
                .query(&params),
            )
            .await?;
        Ok(found.iter().filter_map(series_of).collect())
    }

    /// WADO-RS: a series as it is stored (`transfer-syntax=*`), as a `multipart/related`
    /// response to stream.
    pub async fn retrieve(
        &self,
        study_uid: &str,
        series_uid: &str,
    ) -> Result<reqwest::Response, AppError> {
        let response = self
            .send(self.request(
                &format!("/studies/{study_uid}/series/{series_uid}"),
                "multipart/related; type=\"application/dicom\"; transfer-syntax=*",
            ))
            .await?;
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !content_type
            .to_ascii_lowercase()
            .starts_with("multipart/related")
        {
            return Err(AppError::BadGateway(format!(
                "the PACS at {} did not send the series as multipart/related",
                self.name
            )));
        }
        Ok(response)
    }
}

/// The first value of a tag, as text (a person name's alphabetic form; a number written out).
fn text(obj: &Value, tag: &str) -> Option<String> {
    let value = obj.get(tag)?.get("Value")?.get(0)?;
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Object(pn) => pn.get("Alphabetic")?.as_str()?.to_string(),
        _ => return None,
    };
    Some(text).filter(|t| !t.trim().is_empty())
}

fn texts(obj: &Value, tag: &str) -> Vec<String> {
    obj.get(tag)
        .and_then(|e| e.get("Value"))
        .and_then(Value::as_array)
        .map(|vs| {
            vs.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn study_of(obj: &Value) -> Option<PacsStudy> {
    let study_uid = text(obj, tag::STUDY_UID)?;
    crate::domain::pacs::uid("study_uid", &study_uid).ok()?;
    Some(PacsStudy {
        study_uid,
        study_date: text(obj, tag::STUDY_DATE),
        modalities: texts(obj, tag::MODALITIES),
        description: text(obj, tag::STUDY_DESCRIPTION),
        patient_name: text(obj, tag::PATIENT_NAME),
        patient_id: text(obj, tag::PATIENT_ID),
        accession_number: text(obj, tag::ACCESSION),
        series: Vec::new(),
    })
}

fn series_of(obj: &Value) -> Option<PacsSeries> {
    let series_uid = text(obj, tag::SERIES_UID)?;
    crate::domain::pacs::uid("series_uid", &series_uid).ok()?;
    Some(PacsSeries {
        series_uid,
        modality: text(obj, tag::MODALITY),
        description: text(obj, tag::SERIES_DESCRIPTION),
        instances: text(obj, tag::SERIES_INSTANCES)
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0),
    })
}

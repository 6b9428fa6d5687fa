//! One error type for the whole service. It knows its HTTP status and public code and renders
//! the RFC 9457 problem document of the contract; internal causes go to the log, never out.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::domain::ValidationError;
use crate::domain::access::Denied;
use crate::domain::room_access::RoomRefusal;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("invalid input: {0}")]
    Invalid(#[from] ValidationError),
    /// A submission that lacks items (API.md section 13): every one, not only the first.
    #[error("incomplete: {0:?}")]
    Incomplete(Vec<String>),
    #[error("unauthenticated: {0}")]
    Unauthenticated(&'static str),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("too large: {0}")]
    TooLarge(String),
    /// A file the service cannot read (e.g. a DICOM transfer syntax it does not know).
    #[error("unsupported: {0}")]
    Unsupported(String),
    #[error("range not satisfiable")]
    RangeNotSatisfiable { size: u64 },
    #[error("request body timed out")]
    BodyTimeout,
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A server this one depends on (the PACS) failed or could not be reached (502).
    #[error("bad gateway: {0}")]
    BadGateway(String),
    /// A server this one depends on (the PACS) did not answer in time (504).
    #[error("gateway timeout: {0}")]
    GatewayTimeout(String),
    #[error("internal error: {0}")]
    Internal(#[source] anyhow::Error),
}

impl From<RoomRefusal> for AppError {
    fn from(refusal: RoomRefusal) -> Self {
        match refusal {
            RoomRefusal::NoLongerTakesPart
            | RoomRefusal::NotChair(_)
            | RoomRefusal::NotVoter
            | RoomRefusal::NotMarker
            | RoomRefusal::NotPresenter => AppError::forbidden(refusal.message()),
            RoomRefusal::NotOnAgenda
            | RoomRefusal::AttachmentNotOnAgenda
            | RoomRefusal::UnknownSeries
            | RoomRefusal::UnknownFrame => AppError::not_found(&refusal.message()),
            RoomRefusal::UnknownOption => AppError::invalid("option", refusal.message()),
            RoomRefusal::PresenterNotEligible => AppError::invalid("user_id", refusal.message()),
            RoomRefusal::SessionClosed
            | RoomRefusal::SessionCancelled
            | RoomRefusal::NotPlanned(_)
            | RoomRefusal::AlreadyPublished
            | RoomRefusal::SessionAlreadyClosed
            | RoomRefusal::NotScheduled(_)
            | RoomRefusal::VoteAlreadyOpen
            | RoomRefusal::VoteClosed
            | RoomRefusal::VoteAlreadyClosed
            | RoomRefusal::OtherBoard
            | RoomRefusal::VoteOpenOnDossier
            | RoomRefusal::NotImaging(_)
            | RoomRefusal::Transition(_) => AppError::conflict(refusal.message()),
        }
    }
}

impl From<crate::imaging::ImagingError> for AppError {
    fn from(e: crate::imaging::ImagingError) -> Self {
        use crate::imaging::ImagingError;
        match e {
            ImagingError::NotFound(what) => AppError::not_found(what),
            ImagingError::Unsupported(_) => AppError::Unsupported(e.to_string()),
            ImagingError::Unreadable(_) | ImagingError::Internal(_) => {
                AppError::internal(anyhow::anyhow!(e))
            }
        }
    }
}

impl AppError {
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(err.into())
    }

    pub fn not_found(what: &str) -> Self {
        AppError::NotFound(format!("{what} not found"))
    }

    pub fn forbidden(why: impl Into<String>) -> Self {
        AppError::Forbidden(why.into())
    }

    pub fn conflict(why: impl Into<String>) -> Self {
        AppError::Conflict(why.into())
    }

    /// An access refusal as the contract's status: hidden things are 404, others 403.
    pub fn denied(denied: Denied, what: &str) -> Self {
        match denied {
            Denied::Hidden => AppError::not_found(what),
            Denied::Forbidden(why) => AppError::forbidden(why),
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid(ValidationError::new(field, message))
    }

    /// The public code of the contract (section 2).
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid(_) | AppError::Incomplete(_) => "invalid_input",
            AppError::Unauthenticated(_) => "unauthenticated",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::TooLarge(_) => "too_large",
            AppError::Unsupported(_) => "unsupported",
            AppError::RangeNotSatisfiable { .. } => "range_not_satisfiable",
            AppError::BodyTimeout => "timeout",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::Unavailable(_) => "unavailable",
            AppError::BadGateway(_) => "bad_gateway",
            AppError::GatewayTimeout(_) => "gateway_timeout",
            AppError::Internal(_) => "internal",
        }
    }

    /// The text a client may see. Internal causes are never included.
    pub fn public_detail(&self) -> String {
        match self {
            AppError::Invalid(v) => v.to_string(),
            AppError::Incomplete(missing) => {
                format!("missing before submission: {}", missing.join(", "))
            }
            AppError::Unauthenticated(why) => (*why).to_string(),
            AppError::Forbidden(s)
            | AppError::NotFound(s)
            | AppError::Conflict(s)
            | AppError::TooLarge(s)
            | AppError::Unsupported(s)
            | AppError::Unavailable(s)
            | AppError::BadGateway(s)
            | AppError::GatewayTimeout(s) => s.clone(),
            AppError::RangeNotSatisfiable { size } => {
                format!("the requested range is outside the {size} bytes of the content")
            }
            AppError::BodyTimeout => {
                "the request body stopped arriving; nothing was kept, send it again".to_string()
            }
            AppError::RateLimited { retry_after_secs } => {
                format!("too many requests; retry after {retry_after_secs} s")
            }
            AppError::Internal(_) => "an internal error occurred; it has been logged".to_string(),
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        Problem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: self.public_detail(),
            code: self.code(),
            field: match self {
                AppError::Invalid(v) => Some(v.field.clone()),
                AppError::Incomplete(missing) => missing.first().cloned(),
                _ => None,
            },
            missing: match self {
                AppError::Incomplete(missing) => Some(missing.clone()),
                _ => None,
            },
        }
    }
}

/// RFC 9457 problem document, with the contract's `code` and, for invalid input, the `field`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    #[schema(example = "about:blank")]
    pub kind: &'static str,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[schema(example = "invalid_input")]
    pub code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every item a submission lacks (`question`, `consent`, `fields.<key>`,
    /// `attachments.<kind>`), when that is why it was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing: Option<Vec<String>>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Invalid(_) | AppError::Incomplete(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unsupported(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            AppError::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::BadGateway(_) => StatusCode::BAD_GATEWAY,
            AppError::GatewayTimeout(_) => StatusCode::GATEWAY_TIMEOUT,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(cause) = self {
            tracing::error!(error = ?cause, "internal error");
        }
        let mut builder = HttpResponse::build(self.status_code());
        builder.content_type("application/problem+json");
        if let AppError::RateLimited { retry_after_secs } = self {
            builder.insert_header(("Retry-After", retry_after_secs.to_string()));
        }
        if let AppError::Unavailable(_) = self {
            // Every 503 is a momentary state (a busy queue, a database restarting).
            builder.insert_header(("Retry-After", UNAVAILABLE_RETRY_AFTER_SECS.to_string()));
        }
        if let AppError::RangeNotSatisfiable { size } = self {
            builder.insert_header(("Content-Range", format!("bytes */{size}")));
        }
        if let AppError::BodyTimeout = self {
            builder.insert_header(("Connection", "close"));
        }
        if let AppError::Unauthenticated(_) = self {
            builder.insert_header(("WWW-Authenticate", "Bearer"));
        }
        builder.json(self.problem())
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> Self {
        AppError::internal(err)
    }
}

impl From<r2d2::Error> for AppError {
    fn from(err: r2d2::Error) -> Self {
        tracing::error!(error = %err, "database pool");
        AppError::Unavailable("database unavailable".to_string())
    }
}

/// What a 503 tells the client to wait before trying again.
pub const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 10;

pub type AppResult<T> = Result<T, AppError>;

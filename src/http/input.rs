//! The actix extractors of request input: JSON bodies and query strings, parsed by the
//! framework-free helpers of `crate::input` (re-exported here for the handlers).

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header};
use bytes::BytesMut;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::error::AppError;
pub use crate::input::{
    date_bound, field_id, field_time, page_bounds, parse_json, parse_query, parse_value, path_id,
};

/// Largest JSON body accepted (the longest text field is 20,000 characters).
pub const JSON_BODY_LIMIT: usize = 256 * 1024;

/// A JSON request body deserialized into `T`.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type_ok = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                let mime = v
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                mime == "application/json" || mime.ends_with("+json")
            })
            .unwrap_or(false);
        let declared_len = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !content_type_ok {
                return Err(AppError::invalid(
                    "body",
                    "Content-Type must be application/json",
                ));
            }
            if declared_len.is_some_and(|n| n > JSON_BODY_LIMIT) {
                return Err(too_large());
            }
            let mut body = BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    if super::body_timeout::is_stalled(&e) {
                        AppError::BodyTimeout
                    } else {
                        AppError::invalid("body", "the body could not be read")
                    }
                })?;
                if body.len() + chunk.len() > JSON_BODY_LIMIT {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            parse_json(&body).map(ApiJson)
        })
    }
}

fn too_large() -> AppError {
    AppError::TooLarge(format!(
        "the JSON body is larger than {} KiB",
        JSON_BODY_LIMIT / 1024
    ))
}

/// A query string deserialized into `T`.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiQuery<T> {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(ApiQuery))
    }
}

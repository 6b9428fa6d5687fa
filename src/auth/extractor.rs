use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use crate::db::users::{self, UserRow};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

use super::token::TokenError;

/// The signed-in user, from `Authorization: Bearer <token>`. The token must be well signed,
/// unexpired, issued by this service and not revoked, and its account enabled.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: UserRow,
    pub token_id: String,
}

impl CurrentUser {
    pub fn id(&self) -> &str {
        &self.user.id
    }

    pub fn is_admin(&self) -> bool {
        self.user.is_admin()
    }
}

/// Resolves a raw token to its user; shared by the HTTP extractor and the live room's `hello`.
pub async fn authenticate(state: &AppState, token: &str) -> AppResult<CurrentUser> {
    let claims = state.keys.verify(token).map_err(|e| match e {
        TokenError::Expired => AppError::Unauthenticated("the token has expired"),
        TokenError::Invalid => AppError::Unauthenticated("the token is not valid"),
    })?;
    let token_id = claims.jti.clone();
    let user = state
        .db
        .read(move |conn| users::by_live_token(conn, &claims.jti, &claims.sub))
        .await?
        .ok_or(AppError::Unauthenticated(
            "the token has been revoked or its account disabled",
        ))?;
    Ok(CurrentUser { user, token_id })
}

fn bearer(req: &HttpRequest) -> AppResult<String> {
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .ok_or(AppError::Unauthenticated("a bearer token is required"))?;
    let value = header
        .to_str()
        .map_err(|_| AppError::Unauthenticated("malformed Authorization header"))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or(AppError::Unauthenticated("malformed Authorization header"))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(AppError::Unauthenticated("malformed Authorization header"));
    }
    Ok(token.trim().to_string())
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal(anyhow::anyhow!("no state")))?;
            authenticate(&state, &token?).await
        })
    }
}

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use crate::db::DbConn;
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

/// A bearer token whose signature and lifetime were checked; whether it is still live (not
/// revoked, its account enabled) is checked by `Verified::user` inside a database read.
#[derive(Clone)]
pub struct Verified {
    claims: super::token::Claims,
}

impl Verified {
    /// Checks the signature, issuer and lifetime (no database).
    pub fn check(state: &AppState, token: &str) -> AppResult<Verified> {
        let claims = state.keys.verify(token).map_err(|e| match e {
            TokenError::Expired => AppError::Unauthenticated("the token has expired"),
            TokenError::Invalid => AppError::Unauthenticated("the token is not valid"),
        })?;
        Ok(Verified { claims })
    }

    /// The token's own id (`jti`).
    pub fn token_id(&self) -> &str {
        &self.claims.jti
    }

    /// When the token expires (seconds since the epoch).
    pub fn expires_at(&self) -> i64 {
        self.claims.exp
    }

    /// The token's user, if the token is live.
    pub fn user(&self, conn: &mut DbConn) -> AppResult<CurrentUser> {
        let user = users::by_live_token(conn, &self.claims.jti, &self.claims.sub)?.ok_or(
            AppError::Unauthenticated("the token has been revoked or its account disabled"),
        )?;
        Ok(CurrentUser {
            user,
            token_id: self.claims.jti.clone(),
        })
    }

    /// Runs `f` as the token's user in the same read (one trip to the blocking pool): for the
    /// requests that are many and small, such as frames.
    pub async fn read_as<T, F>(self, state: &AppState, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConn, &CurrentUser) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        state
            .db
            .read(move |conn| {
                let me = self.user(conn)?;
                f(conn, &me)
            })
            .await
    }
}

/// Resolves a raw token to its user; shared by the HTTP extractor and the live room's `hello`.
pub async fn authenticate(state: &AppState, token: &str) -> AppResult<CurrentUser> {
    Verified::check(state, token)?
        .read_as(state, |_, me| Ok(me.clone()))
        .await
}

/// The request's bearer token, not yet checked: for handlers that check it in the same trip
/// to the database as their own read (`Verified::read_as`).
pub struct Bearer(pub String);

impl FromRequest for Bearer {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(bearer(req).map(Bearer))
    }
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

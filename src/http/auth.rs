//! Sign-in, sign-out and the signed-in user.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::input::ApiJson;
use crate::api::User;
use crate::auth::{CurrentUser, password};
use crate::db::{new_id, users};
use crate::domain::user::{EMAIL_MAX_CHARS, Email, Locale, PASSWORD_MAX_CHARS};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::usecase::{self, accounts};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    pub token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    pub expires_at: DateTime<Utc>,
    pub user: User,
    /// After a sign-in through the identity provider: the page to go to (a path of this
    /// service).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_to: Option<String>,
}

const WRONG_CREDENTIALS: &str = "wrong e-mail or password";

/// Exchanges an e-mail and password for a bearer token. A wrong e-mail and a wrong password
/// get the same answer, in the same time.
///
/// With `CONSILIUM_PASSWORD_LOGIN=false`, only administrators may (403 for anyone else whose
/// password is right).
#[utoipa::path(post, path = "/api/auth/login", tag = "accounts", request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 429, body = crate::error::Problem, headers(("Retry-After" = u64, description = "Seconds to wait")))))]
#[post("/auth/login")]
pub async fn login(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<LoginRequest>,
) -> AppResult<HttpResponse> {
    if body.email.chars().count() > EMAIL_MAX_CHARS {
        return Err(AppError::invalid(
            "email",
            format!("must be at most {EMAIL_MAX_CHARS} characters"),
        ));
    }
    if body.password.chars().count() > PASSWORD_MAX_CHARS {
        return Err(AppError::invalid(
            "password",
            format!("must be at most {PASSWORD_MAX_CHARS} characters"),
        ));
    }
    let key = Email::key_of(&body.email);
    let address = client_address(&req, state.config.trust_forwarded);
    let attempt = state
        .throttle
        .admit(&key, &address)
        .map_err(|wait| AppError::RateLimited {
            retry_after_secs: wait.as_secs().max(1),
        })?;
    let lookup_key = key.clone();
    let found = state
        .db
        .read(move |conn| users::by_email_key(conn, &lookup_key))
        .await?;
    let candidate = found.clone();
    let verified = password::off_thread(move || match &candidate {
        Some(user) => {
            password::verify(&user.password_hash, &body.password) && accounts::may_sign_in(user)
        }
        None => {
            password::verify_dummy(&body.password);
            false
        }
    })
    .await?;

    let user = match (verified, found) {
        (true, Some(user)) => user,
        (_, found) => {
            // The attempt stays counted: it was counted when admitted.
            let user_id = found.map(|u| u.id);
            usecase::run(&state.db, move |conn| {
                accounts::sign_in_refused(conn, user_id.as_deref(), &key)
            })
            .await?;
            return Err(AppError::Unauthenticated(WRONG_CREDENTIALS));
        }
    };

    let (candidate, switch) = (user.clone(), state.config.password_login);
    let allowed = usecase::run(&state.db, move |conn| {
        accounts::password_sign_in(conn, &candidate, &key, switch)
    })
    .await?
    .value;
    if !allowed {
        return Err(AppError::Forbidden(
            "password sign-in is switched off: sign in through the identity provider".into(),
        ));
    }
    state.throttle.succeeded(attempt);
    Ok(HttpResponse::Ok().json(signed_in(&state, user, "password", None).await?))
}

/// Issues a token to `user`, who has just proven who they are (`method`: `password` or
/// `oidc`), and records it.
pub(super) async fn signed_in(
    state: &AppState,
    user: users::UserRow,
    method: &'static str,
    return_to: Option<String>,
) -> AppResult<LoginResponse> {
    let token_id = new_id();
    let (token, claims) = state
        .keys
        .issue(&user.id, &token_id, Utc::now().timestamp())
        .map_err(AppError::internal)?;
    let issued = DateTime::from_timestamp(claims.iat, 0).unwrap_or_default();
    let expires = DateTime::from_timestamp(claims.exp, 0).unwrap_or_default();
    let user_id = user.id.clone();
    usecase::run(&state.db, move |conn| {
        accounts::signed_in(
            conn,
            &user_id,
            &token_id,
            issued.naive_utc(),
            expires.naive_utc(),
            method,
        )
    })
    .await?;
    Ok(LoginResponse {
        token,
        token_type: "Bearer",
        expires_at: expires,
        user: User::from(&user),
        return_to,
    })
}

/// The client's address: the peer's, or the one a trusted proxy reports.
fn client_address(req: &actix_web::HttpRequest, trust_forwarded: bool) -> String {
    let info = req.connection_info();
    let raw = if trust_forwarded {
        info.realip_remote_addr().map(str::to_string)
    } else {
        info.peer_addr().map(str::to_string)
    };
    let raw = raw.unwrap_or_else(|| "unknown".to_string());
    // Keep the host, drop the port.
    match raw.parse::<std::net::SocketAddr>() {
        Ok(addr) => addr.ip().to_string(),
        Err(_) => raw,
    }
}

/// A new token for the signed-in caller, in the chain of the one presented (which keeps
/// working until its own expiry); possible until 12 hours after the sign-in, then 401.
#[utoipa::path(post, path = "/api/auth/refresh", tag = "accounts", security(("bearer" = [])),
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, body = crate::error::Problem)))]
#[post("/auth/refresh")]
pub async fn refresh(state: web::Data<AppState>, me: CurrentUser) -> AppResult<HttpResponse> {
    let token_id = new_id();
    // Whole seconds, as the token's claims hold them.
    let now = DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap_or_default();
    let ttl = state.keys.ttl_secs();
    let user = me.user.clone();
    let new_id_ = token_id.clone();
    let expires = usecase::run(&state.db, move |conn| {
        accounts::refresh(conn, &me.user, &me.token_id, &new_id_, now.naive_utc(), ttl)
    })
    .await?
    .value
    .and_utc();
    let (token, _) = state
        .keys
        .issue_until(&user.id, &token_id, now.timestamp(), expires.timestamp())
        .map_err(AppError::internal)?;
    Ok(HttpResponse::Ok().json(LoginResponse {
        token,
        token_type: "Bearer",
        expires_at: expires,
        user: User::from(&user),
        return_to: None,
    }))
}

/// Signs out: the token is revoked at once, everywhere.
///
/// Every token refreshed from the same sign-in is revoked with it; the user's other sign-ins
/// are not.
#[utoipa::path(post, path = "/api/auth/logout", tag = "accounts", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = crate::error::Problem)))]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, me: CurrentUser) -> AppResult<HttpResponse> {
    let done = usecase::run(&state.db, move |conn| {
        accounts::sign_out(conn, &me.user, &me.token_id)
    })
    .await?;
    // The live connections opened with this token close, on every instance.
    state.hub.publish(&done.events);
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/me", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = User), (status = 401, body = crate::error::Problem)))]
#[get("/me")]
pub async fn current_user(me: CurrentUser) -> web::Json<User> {
    web::Json(User::from(&me.user))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMeRequest {
    /// `fr` or `en`.
    pub locale: Locale,
}

/// The signed-in user changes their own settings (their language).
#[utoipa::path(patch, path = "/api/me", tag = "accounts", security(("bearer" = [])),
    request_body = UpdateMeRequest,
    responses(
        (status = 200, body = User),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem)))]
#[patch("/me")]
pub async fn update_me(
    state: web::Data<AppState>,
    me: CurrentUser,
    ApiJson(body): ApiJson<UpdateMeRequest>,
) -> AppResult<web::Json<User>> {
    let done = usecase::run(&state.db, move |conn| {
        accounts::set_locale(conn, &me.user, body.locale)
    })
    .await?;
    Ok(web::Json(User::from(&done.value)))
}

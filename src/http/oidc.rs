//! Sign-in through the hospital's OpenID provider (API.md section 14): the sign-in page's
//! choices, `/start` (to the provider), `/callback` (back from it) and the one-time code's
//! exchange. Every failure sends the browser to `/#/sign-in?error=<code>`; the use case has
//! audited it.

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{LoginResponse, signed_in};
use super::input::ApiJson;
use crate::auth::oidc::{digest, secret};
use crate::db::sign_in::PendingLogin;
use crate::domain::sign_in::{self as rules, CODE_SECS, PENDING_SECS, SignInFailure};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::usecase::{self, sign_in};

/// The cookie that binds a sign-in under way to the browser that began it.
const COOKIE: &str = "consilium_oidc";
const COOKIE_PATH: &str = "/api/auth/oidc";

#[derive(Debug, Serialize, ToSchema)]
pub struct Providers {
    /// Whether password sign-in is open to everyone (administrators always keep it).
    pub password: bool,
    pub oidc: Option<OidcChoice>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OidcChoice {
    /// The button's text.
    pub label: String,
    /// Where the button leads (add `?return_to=/#/…`).
    #[schema(example = "/api/auth/oidc/start")]
    pub start: &'static str,
}

/// How one may sign in here: with a password, through the identity provider, or both.
#[utoipa::path(get, path = "/api/auth/providers", tag = "accounts",
    responses((status = 200, body = Providers)))]
#[get("/auth/providers")]
pub async fn providers(state: web::Data<AppState>) -> web::Json<Providers> {
    web::Json(Providers {
        password: state.config.password_login,
        oidc: state.oidc.as_ref().map(|p| OidcChoice {
            label: p.settings().label.clone(),
            start: "/api/auth/oidc/start",
        }),
    })
}

/// The query of `/start` and `/callback`, read leniently: a malformed one is a failure sent
/// back to the sign-in page, not a JSON error in the browser.
fn query(req: &HttpRequest) -> std::collections::HashMap<String, String> {
    form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect()
}

/// Sends the browser to the identity provider (code flow, PKCE S256, state and nonce bound to
/// this browser by a ten-minute cookie). `return_to` must be a path of this service.
#[utoipa::path(get, path = "/api/auth/oidc/start", tag = "accounts",
    params(("return_to" = Option<String>, Query, description = "Where to go once signed in: a path of this service, e.g. /#/dossiers")),
    responses((status = 302, description = "To the provider, or to /#/sign-in?error=<code>")))]
#[get("/auth/oidc/start")]
pub async fn start(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let Some(provider) = state.oidc.clone() else {
        return refuse(&state, SignInFailure::Unavailable).await;
    };
    let return_to = match rules::return_to(query(&req).get("return_to").map(String::as_str)) {
        Ok(path) => path,
        Err(failure) => return refuse(&state, failure).await,
    };
    // One browser secret for every sign-in this browser has under way (several tabs).
    let browser = req
        .cookie(COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .unwrap_or_else(secret);
    let (state_value, nonce, verifier) = (secret(), secret(), secret());
    let now = Utc::now().naive_utc();
    let login = PendingLogin {
        state_hash: digest(&state_value),
        browser_hash: digest(&browser),
        nonce: nonce.clone(),
        pkce_verifier: verifier.clone(),
        return_to,
        expires_at: now + Duration::seconds(PENDING_SECS),
    };
    usecase::run(&state.db, move |conn| sign_in::begin(conn, &login, now)).await?;
    let to = provider.authorize_url(&state_value, &nonce, &verifier);
    let cookie = Cookie::build(COOKIE, browser)
        .path(COOKIE_PATH)
        .http_only(true)
        .secure(state.public_url.starts_with("https://"))
        .same_site(SameSite::Lax)
        .max_age(time::Duration::seconds(PENDING_SECS))
        .finish();
    Ok(HttpResponse::Found()
        .insert_header((header::LOCATION, to))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .cookie(cookie)
        .finish())
}

/// Back from the provider: the state is checked (once, from this browser), the code exchanged,
/// the ID token verified, the claim mapped to an account; then to `/#/signed-in?code=…`.
#[utoipa::path(get, path = "/api/auth/oidc/callback", tag = "accounts",
    params(
        ("code" = Option<String>, Query, description = "The provider's authorization code"),
        ("state" = Option<String>, Query, description = "The state given at /start")),
    responses((status = 302, description = "To /#/signed-in?code=<one-time code>, or to /#/sign-in?error=<code>")))]
#[get("/auth/oidc/callback")]
pub async fn callback(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let Some(provider) = state.oidc.clone() else {
        return refuse(&state, SignInFailure::Unavailable).await;
    };
    let params = query(&req);
    if let Some(error) = params.get("error") {
        tracing::warn!(error = %error.chars().take(64).collect::<String>(), "OpenID provider refused the sign-in");
        return refuse(&state, SignInFailure::of_provider_error(error)).await;
    }
    let (Some(code), Some(state_value)) = (params.get("code"), params.get("state")) else {
        return refuse(&state, SignInFailure::BadState).await;
    };
    if code.len() > 2048 || state_value.len() > 256 {
        return refuse(&state, SignInFailure::BadState).await;
    }
    let state_hash = digest(state_value);
    let browser_hash = req.cookie(COOKIE).map(|c| digest(c.value()));
    let now = Utc::now().naive_utc();
    let pending = usecase::run(&state.db, move |conn| {
        sign_in::take_pending(conn, &state_hash, browser_hash.as_deref(), now)
    })
    .await?
    .value;
    let login = match pending {
        Ok(login) => login,
        Err(failure) => return Ok(to_sign_in(failure)),
    };
    // RFC 9207: a provider that names itself must be ours.
    if let Some(iss) = params.get("iss")
        && iss.trim_end_matches('/') != provider.settings().issuer.trim_end_matches('/')
    {
        return refuse(&state, SignInFailure::BadToken).await;
    }
    let identity = match provider
        .identify(code, &login.pkce_verifier, &login.nonce)
        .await
    {
        Ok(identity) => identity,
        Err(failure) => return refuse(&state, failure).await,
    };
    let one_time = secret();
    let (code_hash, mode) = (digest(&one_time), provider.settings().provision);
    let now = Utc::now().naive_utc();
    let done = usecase::run(&state.db, move |conn| {
        sign_in::complete(
            conn,
            mode,
            &identity,
            &code_hash,
            &login.return_to,
            now + Duration::seconds(CODE_SECS),
            now,
        )
    })
    .await;
    match done.map(|d| d.value) {
        Ok(Ok(_)) => Ok(redirect(&format!("/#/signed-in?code={one_time}"))),
        Ok(Err(failure)) => Ok(to_sign_in(failure)),
        Err(e) => {
            tracing::error!(error = %e, "OpenID sign-in: the account could not be stored");
            refuse(&state, SignInFailure::Unavailable).await
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExchangeRequest {
    /// The one-time code of `/#/signed-in?code=`.
    pub code: String,
}

/// Turns the one-time code of a sign-in through the provider into a token (once, within 60 s).
#[utoipa::path(post, path = "/api/auth/oidc/exchange", tag = "accounts",
    request_body = ExchangeRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem)))]
#[post("/auth/oidc/exchange")]
pub async fn exchange(
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<ExchangeRequest>,
) -> AppResult<HttpResponse> {
    if body.code.is_empty() || body.code.len() > 128 {
        return Err(AppError::invalid("code", "must be 1 to 128 characters"));
    }
    let code_hash = digest(&body.code);
    let now = Utc::now().naive_utc();
    let found = usecase::run(&state.db, move |conn| {
        sign_in::exchange(conn, &code_hash, now)
    })
    .await?
    .value;
    let Some((user, return_to)) = found else {
        return Err(AppError::Unauthenticated(
            "the sign-in code is not valid, already used or expired: please sign in again",
        ));
    };
    Ok(HttpResponse::Ok().json(signed_in(&state, user, "oidc", Some(return_to)).await?))
}

/// Audits a failure that no use case has seen yet, and sends the browser back.
async fn refuse(state: &AppState, failure: SignInFailure) -> AppResult<HttpResponse> {
    usecase::run(&state.db, move |conn| sign_in::refused(conn, failure)).await?;
    Ok(to_sign_in(failure))
}

fn to_sign_in(failure: SignInFailure) -> HttpResponse {
    redirect(&format!("/#/sign-in?error={}", failure.code()))
}

fn redirect(to: &str) -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, to))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

//! The inbox, its live badge, mail preferences and the outbox (API.md section 12).

use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, put, web};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::input::{ApiJson, ApiQuery, path_id};
use crate::api::{Items, utc};
use crate::auth::CurrentUser;
use crate::auth::extractor::{Bearer, Verified};
use crate::db::notifications::NotificationRow;
use crate::domain::notification::{MailPreference, MailStatus, NotificationKind};
use crate::error::AppResult;
use crate::state::AppState;
use crate::usecase::{self, notifications};

#[derive(Debug, Serialize, ToSchema)]
pub struct Notification {
    pub id: String,
    pub kind: NotificationKind,
    /// One line naming the board, the dossier's reference and the session's date (French).
    pub subject: String,
    /// Where it leads in these pages, e.g. `/#/dossiers/{id}`.
    pub link: String,
    pub dossier_id: Option<String>,
    pub session_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
    pub mail: MailStatus,
}

impl From<NotificationRow> for Notification {
    fn from(r: NotificationRow) -> Self {
        Notification {
            kind: r.kind.parse().unwrap_or(NotificationKind::DossierSubmitted),
            mail: r.mail.parse().unwrap_or(MailStatus::Skipped),
            id: r.id,
            subject: r.subject,
            link: r.link,
            dossier_id: r.dossier_id,
            session_id: r.session_id,
            created_at: utc(r.created_at),
            read_at: r.read_at.map(utc),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InboxQuery {
    /// `true`: unread only; `false`: read only; absent: all.
    pub unread: Option<bool>,
}

/// The caller's notifications, newest first (at most 200).
#[utoipa::path(get, path = "/api/me/notifications", tag = "notifications", security(("bearer" = [])),
    params(InboxQuery),
    responses(
        (status = 200, body = inline(Items<Notification>)),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem)))]
#[get("/me/notifications")]
pub async fn inbox(
    state: web::Data<AppState>,
    me: CurrentUser,
    ApiQuery(q): ApiQuery<InboxQuery>,
) -> AppResult<web::Json<Items<Notification>>> {
    let rows = state
        .db
        .read(move |conn| notifications::inbox(conn, &me.user, q.unread))
        .await?;
    Ok(web::Json(Items::collect(
        rows.into_iter().map(Notification::from),
    )))
}

/// Marks one of the caller's notifications read.
#[utoipa::path(post, path = "/api/me/notifications/{id}/read", tag = "notifications", security(("bearer" = [])),
    params(("id" = String, Path, description = "Notification id")),
    responses(
        (status = 204, description = "Read"),
        (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[post("/me/notifications/{id}/read")]
pub async fn read(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = path_id(&path, "notification")?;
    let user_id = me.user.id.clone();
    usecase::run(&state.db, move |conn| {
        notifications::read(conn, &me.user, &id)
    })
    .await?;
    state.hub.inbox.tell(&user_id);
    Ok(HttpResponse::NoContent().finish())
}

/// Marks all the caller's notifications read.
#[utoipa::path(post, path = "/api/me/notifications/read-all", tag = "notifications", security(("bearer" = [])),
    responses(
        (status = 204, description = "All read"),
        (status = 401, body = crate::error::Problem)))]
#[post("/me/notifications/read-all")]
pub async fn read_all(state: web::Data<AppState>, me: CurrentUser) -> AppResult<HttpResponse> {
    let user_id = me.user.id.clone();
    usecase::run(&state.db, move |conn| {
        notifications::read_all(conn, &me.user)
    })
    .await?;
    state.hub.inbox.tell(&user_id);
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// `immediate` (default), `daily_digest` (one mail at 07:00 local time) or `off`.
    pub mail: MailPreference,
}

/// How the caller's notifications are mailed.
#[utoipa::path(get, path = "/api/me/preferences", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = Preferences), (status = 401, body = crate::error::Problem)))]
#[get("/me/preferences")]
pub async fn get_preferences(
    state: web::Data<AppState>,
    me: CurrentUser,
) -> AppResult<web::Json<Preferences>> {
    let mail = state
        .db
        .read(move |conn| notifications::preference(conn, &me.user))
        .await?;
    Ok(web::Json(Preferences { mail }))
}

#[utoipa::path(put, path = "/api/me/preferences", tag = "notifications", security(("bearer" = [])),
    request_body = Preferences,
    responses(
        (status = 200, body = Preferences),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem)))]
#[put("/me/preferences")]
pub async fn put_preferences(
    state: web::Data<AppState>,
    me: CurrentUser,
    ApiJson(body): ApiJson<Preferences>,
) -> AppResult<web::Json<Preferences>> {
    let done = usecase::run(&state.db, move |conn| {
        notifications::set_preference(conn, &me.user, body.mail)
    })
    .await?;
    Ok(web::Json(Preferences { mail: done.value }))
}

/// How long an event stream stays quiet before a comment keeps proxies from closing it; the
/// token is checked again at each.
const HEARTBEAT: Duration = Duration::from_secs(20);

/// Server-Sent Events: `event: unread` with `{"unread":N}` at once and whenever the caller's
/// inbox changes. Ends when the token expires or is revoked (the page reconnects).
#[utoipa::path(get, path = "/api/me/events", tag = "notifications", security(("bearer" = [])),
    responses(
        (status = 200, description = "An event stream", content_type = "text/event-stream"),
        (status = 401, body = crate::error::Problem)))]
#[get("/me/events")]
pub async fn events(state: web::Data<AppState>, token: Bearer) -> AppResult<HttpResponse> {
    let token = Verified::check(&state, &token.0)?;
    let me = token
        .clone()
        .read_as(&state, |_, me| Ok(me.clone()))
        .await?;
    let user_id: std::sync::Arc<str> = me.user.id.as_str().into();
    let (rx, stop) = state.hub.inbox.subscribe();
    let ends = tokio::time::Instant::now()
        + Duration::from_secs((token.expires_at() - Utc::now().timestamp()).max(0) as u64);
    let stream = futures_util::stream::unfold(
        (state, token, user_id, rx, stop, true),
        move |(state, token, user_id, mut rx, mut stop, first)| async move {
            let mut tell = first;
            if *stop.borrow() {
                return None;
            }
            if !first {
                tokio::select! {
                    _ = stop.changed() => return None,
                    got = rx.recv() => match got {
                        Ok(who) => tell = who == user_id,
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => tell = true,
                        Err(_) => return None,
                    },
                    _ = tokio::time::sleep(HEARTBEAT) => {}
                    _ = tokio::time::sleep_until(ends) => return None,
                }
            }
            let unread = token
                .clone()
                .read_as(&state, |conn, me| notifications::unread(conn, &me.user))
                .await
                .ok()?;
            let text = if tell {
                format!("event: unread\ndata: {{\"unread\":{unread}}}\n\n")
            } else {
                ": keep-alive\n\n".to_string()
            };
            Some((
                Ok::<_, actix_web::Error>(Bytes::from(text)),
                (state, token, user_id, rx, stop, false),
            ))
        },
    );
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/event-stream"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(stream))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OutboxQuery {
    /// `pending` (default) or `failed`.
    pub status: Option<MailStatus>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxMail {
    pub id: String,
    pub user_id: String,
    pub kind: NotificationKind,
    pub subject: String,
    pub created_at: DateTime<Utc>,
    pub mail: MailStatus,
    pub attempts: i32,
    /// The last SMTP error (never a credential).
    pub error: Option<String>,
    /// When it is (next) tried.
    pub due_at: Option<DateTime<Utc>>,
    pub digest: bool,
}

/// Mails pending or given up (administrators), oldest first (at most 500).
#[utoipa::path(get, path = "/api/admin/outbox", tag = "notifications", security(("bearer" = [])),
    params(OutboxQuery),
    responses(
        (status = 200, body = inline(Items<OutboxMail>)),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)))]
#[get("/admin/outbox")]
pub async fn outbox(
    state: web::Data<AppState>,
    me: CurrentUser,
    ApiQuery(q): ApiQuery<OutboxQuery>,
) -> AppResult<web::Json<Items<OutboxMail>>> {
    let status = q.status.unwrap_or(MailStatus::Pending);
    let rows = state
        .db
        .read(move |conn| notifications::outbox(conn, &me.user, status))
        .await?;
    Ok(web::Json(Items::collect(rows.into_iter().map(|r| {
        OutboxMail {
            kind: r.kind.parse().unwrap_or(NotificationKind::DossierSubmitted),
            mail: r.mail.parse().unwrap_or(MailStatus::Pending),
            id: r.id,
            user_id: r.user_id,
            subject: r.subject,
            created_at: utc(r.created_at),
            attempts: r.mail_attempts,
            error: r.mail_error,
            due_at: r.mail_due_at.map(utc),
            digest: r.digest,
        }
    }))))
}

//! HTTP handlers: extract, call, map. No business rules here.

pub mod attachments;
pub mod auth;
pub mod boards;
pub mod body_timeout;
pub mod calendar;
pub mod decisions;
pub mod dossiers;
pub mod exports;
pub mod follow_ups;
pub mod health;
pub mod imaging;
pub mod input;
pub mod meetings;
pub mod metrics;
pub mod notifications;
pub mod oidc;
pub mod openapi;
pub mod pacs;
mod pacs_stow;
pub mod pages;
pub mod reports;
pub mod schedules;
pub mod sessions;
pub mod templates;
pub mod upload;
pub mod users;

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

use crate::error::AppError;

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(metrics::metrics)
        .service(
            web::scope("/api")
                .service(openapi::openapi_json)
                .service(auth::login)
                .service(oidc::providers)
                .service(pacs::pacs_info)
                .service(pacs::search_studies)
                .service(pacs::start_import)
                .service(pacs::list_imports)
                .service(pacs::get_import)
                .service(pacs::cancel_import)
                .service(pacs::stow)
                .service(oidc::start)
                .service(oidc::callback)
                .service(oidc::exchange)
                .service(auth::logout)
                .service(auth::refresh)
                .service(auth::update_me)
                .service(auth::current_user)
                .service(users::create_user)
                .service(users::list_users)
                .service(users::update_user)
                .service(boards::create_board)
                .service(boards::patch_board)
                .service(templates::get_template)
                .service(templates::put_template)
                .service(boards::list_boards)
                .service(boards::get_board)
                .service(boards::list_members)
                .service(boards::put_member)
                .service(boards::remove_member)
                .service(dossiers::create_dossier)
                .service(dossiers::list_dossiers)
                .service(dossiers::get_dossier)
                .service(dossiers::patch_dossier)
                .service(dossiers::submit_dossier)
                .service(dossiers::withdraw_dossier)
                .service(attachments::upload_attachment)
                .service(attachments::get_attachment)
                .service(attachments::download_attachment)
                .service(attachments::delete_attachment)
                .service(imaging::list_series)
                .service(imaging::get_frame)
                .service(schedules::put_schedule)
                .service(schedules::get_schedule)
                .service(schedules::plan_sessions)
                .service(calendar::invite)
                .service(calendar::rotate_feed)
                .service(calendar::feed)
                .service(sessions::create_session)
                .service(sessions::list_sessions)
                .service(sessions::get_session)
                .service(sessions::add_to_agenda)
                .service(sessions::remove_from_agenda)
                .service(sessions::close_session)
                .service(meetings::publish)
                .service(meetings::cancel)
                .service(meetings::change)
                .service(notifications::inbox)
                .service(notifications::read_all)
                .service(notifications::read)
                .service(notifications::get_preferences)
                .service(notifications::put_preferences)
                .service(notifications::events)
                .service(notifications::outbox)
                .service(sessions::list_events)
                .service(sessions::live)
                .service(decisions::list_decisions)
                .service(decisions::get_decision)
                .service(exports::decision_pdf)
                .service(exports::export_decisions)
                .service(exports::activity_report)
                .service(reports::activity_pdf)
                .service(follow_ups::list_follow_ups)
                .service(follow_ups::answer_follow_up)
                .default_service(web::to(api_not_found)),
        )
        .configure(pages::configure);
}

async fn api_not_found(req: HttpRequest) -> HttpResponse {
    AppError::NotFound(format!("no such endpoint: {} {}", req.method(), req.path()))
        .error_response()
}

/// HEAD is answered wherever GET is, with the same headers and no body (the HTTP layer
/// drops the body of a response to HEAD by itself).
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == actix_web::http::Method::HEAD {
        req.head_mut().method = actix_web::http::Method::GET;
    }
    next.call(req).await
}

/// The metrics listener serves `/metrics` and nothing else.
pub async fn metrics_listener_only<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<actix_web::body::EitherBody<B>>, actix_web::Error> {
    let on_metrics_listener = req
        .app_data::<web::Data<crate::state::AppState>>()
        .is_some_and(|s| s.metrics_addr == Some(req.app_config().local_addr()));
    if on_metrics_listener && req.path() != "/metrics" {
        let res = AppError::not_found("page").error_response();
        return Ok(req.into_response(res).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// Logs each request: method, path (never the query string, never headers, so no token or
/// password reaches the log), status and time taken.
/// A request path as logs may show it: a calendar feed's address is its credential.
fn loggable_path(path: &str) -> String {
    match path.strip_prefix("/api/calendar/") {
        Some(_) => "/api/calendar/…".to_string(),
        None => path.to_string(),
    }
}

pub async fn log_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = loggable_path(req.path());
    let res = next.call(req).await?;
    let status = res.status().as_u16();
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::warn!(%method, %path, status, elapsed_ms, "request");
    } else {
        tracing::info!(%method, %path, status, elapsed_ms, "request");
    }
    Ok(res)
}

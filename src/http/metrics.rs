//! Prometheus metrics of the instance. They hold no patient data, but they tell how busy the
//! service is and who may be connected, so they are not public: they are served on the
//! separate listener `CONSILIUM_METRICS_BIND` (for the internal network) without a token, and
//! on the main listener only with `Authorization: Bearer <CONSILIUM_METRICS_TOKEN>`. Without
//! either, `/metrics` does not exist on the main listener (404).

use std::fmt::Write;
use std::sync::atomic::Ordering;

use actix_web::{HttpRequest, HttpResponse, get, http::header, web};
use subtle::ConstantTimeEq;

use crate::error::AppError;

use crate::state::AppState;

/// Whether this request may read the metrics: on the metrics listener, or with the token.
fn check_access(req: &HttpRequest, state: &AppState) -> Result<(), AppError> {
    if state.metrics_addr == Some(req.app_config().local_addr()) {
        return Ok(());
    }
    let Some(expected) = &state.config.metrics_token else {
        return Err(AppError::not_found("metrics"));
    };
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(AppError::Unauthenticated(
            "the metrics need their own bearer token",
        ))
    }
}

/// Metrics in the Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "health",
    security(("metrics_token" = [])),
    responses(
        (status = 200, description = "Prometheus text format", content_type = "text/plain"),
        (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem, description = "No metrics token is configured: metrics are served on CONSILIUM_METRICS_BIND only")))]
#[get("/metrics")]
pub async fn metrics(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    check_access(&req, &state)?;
    let m = &state.hub.metrics;
    let pool = state.db.pool_state();
    let (mails, oldest) = state
        .db
        .read(crate::usecase::notifications::mail_metrics)
        .await?;
    let mut out = String::with_capacity(4096);
    let mut metric = |name: &str, kind: &str, help: &str, lines: &[(String, f64)]| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (labels, value) in lines {
            let _ = writeln!(out, "{name}{labels} {value}");
        }
    };
    let n = |v: &std::sync::atomic::AtomicU64| v.load(Ordering::Relaxed) as f64;
    metric(
        "consilium_live_connections",
        "gauge",
        "Open live-room connections on this instance.",
        &[(String::new(), state.hub.connections_open() as f64)],
    );
    metric(
        "consilium_live_rooms",
        "gauge",
        "Rooms with connections on this instance.",
        &[(String::new(), state.hub.rooms_open() as f64)],
    );
    metric(
        "consilium_live_connections_total",
        "counter",
        "Live-room connections accepted.",
        &[(String::new(), n(&m.connections_total))],
    );
    metric(
        "consilium_live_messages_in_total",
        "counter",
        "Text frames received from clients.",
        &[(String::new(), n(&m.messages_in))],
    );
    metric(
        "consilium_live_messages_out_total",
        "counter",
        "Messages queued to clients.",
        &[(String::new(), n(&m.messages_out))],
    );
    metric(
        "consilium_live_slow_consumer_closes_total",
        "counter",
        "Connections closed with 4008 (queue full).",
        &[(String::new(), n(&m.slow_closes))],
    );
    metric(
        "consilium_live_commands_total",
        "counter",
        "Room commands by result.",
        &[
            ("{result=\"ok\"}".into(), n(&m.commands_ok)),
            ("{result=\"refused\"}".into(), n(&m.commands_refused)),
        ],
    );
    metric(
        "consilium_db_pool_connections",
        "gauge",
        "Database connections of the pool by state.",
        &[
            ("{state=\"idle\"}".into(), f64::from(pool.idle_connections)),
            (
                "{state=\"in_use\"}".into(),
                f64::from(pool.connections - pool.idle_connections),
            ),
        ],
    );
    metric(
        "consilium_mails",
        "gauge",
        "Notification mails by status.",
        &mails
            .iter()
            .map(|(s, n)| (format!("{{status=\"{s}\"}}"), *n as f64))
            .collect::<Vec<_>>(),
    );
    metric(
        "consilium_mail_oldest_pending_seconds",
        "gauge",
        "Age of the oldest mail not yet sent (0 when none).",
        &[(String::new(), oldest)],
    );
    let _ = writeln!(
        out,
        "# HELP consilium_live_command_seconds Time from a room command's arrival to its acknowledgement.\n# TYPE consilium_live_command_seconds histogram"
    );
    m.command_latency
        .render("consilium_live_command_seconds", &mut out);
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(out))
}

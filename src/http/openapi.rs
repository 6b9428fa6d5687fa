//! The OpenAPI 3 document of the REST API, generated from the handlers' annotations.

use actix_web::{HttpResponse, get};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{
    attachments, auth, boards, calendar, decisions, dossiers, exports, follow_ups, health, imaging,
    meetings, metrics, notifications, oidc, pacs, reports, schedules, sessions, templates, users,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Consilium",
        description = "Telexpertise case review for medical expert networks. See API.md for the live room protocol.",
    ),
    paths(
        health::healthz,
        health::readyz,
        metrics::metrics,
        auth::login,
        oidc::providers,
        pacs::pacs_info,
        pacs::search_studies,
        pacs::start_import,
        pacs::list_imports,
        pacs::get_import,
        pacs::cancel_import,
        pacs::stow,
        oidc::start,
        oidc::callback,
        oidc::exchange,
        auth::logout,
        auth::refresh,
        auth::update_me,
        auth::current_user,
        users::create_user,
        users::list_users,
        users::update_user,
        boards::create_board,
        boards::patch_board,
        templates::get_template,
        templates::put_template,
        boards::list_boards,
        boards::get_board,
        boards::list_members,
        boards::put_member,
        boards::remove_member,
        dossiers::create_dossier,
        dossiers::list_dossiers,
        dossiers::get_dossier,
        dossiers::patch_dossier,
        dossiers::submit_dossier,
        dossiers::withdraw_dossier,
        attachments::upload_attachment,
        attachments::get_attachment,
        attachments::download_attachment,
        attachments::delete_attachment,
        imaging::list_series,
        imaging::get_frame,
        schedules::put_schedule,
        schedules::get_schedule,
        schedules::plan_sessions,
        calendar::invite,
        calendar::rotate_feed,
        calendar::feed,
        sessions::create_session,
        sessions::list_sessions,
        sessions::get_session,
        sessions::add_to_agenda,
        sessions::remove_from_agenda,
        sessions::close_session,
        meetings::publish,
        meetings::cancel,
        meetings::change,
        notifications::inbox,
        notifications::read,
        notifications::read_all,
        notifications::get_preferences,
        notifications::put_preferences,
        notifications::events,
        notifications::outbox,
        sessions::list_events,
        decisions::list_decisions,
        decisions::get_decision,
        exports::decision_pdf,
        exports::export_decisions,
        exports::activity_report,
        reports::activity_pdf,
        follow_ups::list_follow_ups,
        follow_ups::answer_follow_up,
    ),
    components(schemas(crate::error::Problem)),
    modifiers(&BearerAuth, &ProblemContentType),
    tags(
        (name = "health"), (name = "accounts"), (name = "boards"), (name = "dossiers"),
        (name = "attachments"), (name = "sessions"), (name = "decisions"), (name = "exports"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "metrics_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Errors travel as `application/problem+json` (RFC 9457): every response documented with the
/// `Problem` schema says so, wherever the annotations wrote the default JSON type.
struct ProblemContentType;

impl Modify for ProblemContentType {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::RefOr;
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                for response in operation.responses.responses.values_mut() {
                    let RefOr::T(response) = response else {
                        continue;
                    };
                    let is_problem = response.content.get("application/json").is_some_and(|c| {
                        matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem"))
                    });
                    if is_problem
                        && let Some(content) = response.content.shift_remove("application/json")
                    {
                        response
                            .content
                            .insert("application/problem+json".to_string(), content);
                    }
                }
            }
        }
    }
}

/// The document, for clients and for schemathesis.
#[get("/openapi.json")]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

//! Dossiers: referral, listing, edits, submission and withdrawal.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::Datelike;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::input::{ApiJson, ApiQuery, field_id, page_bounds, path_id};
use crate::api::{Dossier, Items};
use crate::auth::CurrentUser;
use crate::db::DbConn;
use crate::db::dossiers::ListFilter;
use crate::domain::ValidationError;
use crate::domain::dossier::{DossierContent, DossierPatch, DossierStatus, Patient, Sex, Urgency};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::usecase::{self, dossiers};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatientInput {
    /// A pseudonym, never the patient's name.
    pub pseudonym: String,
    pub birth_year: Option<i64>,
    pub sex: Option<Sex>,
}

impl PatientInput {
    fn parse(&self) -> Result<Patient, ValidationError> {
        Patient::parse(
            &self.pseudonym,
            self.birth_year,
            self.sex,
            chrono::Utc::now().year(),
        )
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDossierRequest {
    pub board_id: String,
    pub title: String,
    pub patient: PatientInput,
    /// The clinical question; may be empty in a draft, required to submit.
    pub question: String,
    pub history: Option<String>,
    pub urgency: Option<Urgency>,
    /// Whether the patient's consent is recorded (default false).
    pub consent: Option<bool>,
    /// Values of the board template's fields (API.md section 13).
    #[schema(value_type = Option<Object>)]
    pub fields: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchDossierRequest {
    /// Another board (only while the dossier is a draft).
    pub board_id: Option<String>,
    /// Values of the board template's fields, merged (`null` removes one).
    #[schema(value_type = Option<Object>)]
    pub fields: Option<serde_json::Map<String, serde_json::Value>>,
    pub title: Option<String>,
    pub patient: Option<PatientInput>,
    pub question: Option<String>,
    pub history: Option<String>,
    pub urgency: Option<Urgency>,
    pub consent: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub board_id: Option<String>,
    pub status: Option<DossierStatus>,
    /// At most this many (1..=500, default 200).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Refers a new dossier to a board, as a draft; the caller is its referrer.
#[utoipa::path(post, path = "/api/dossiers", tag = "dossiers", security(("bearer" = [])),
    request_body = CreateDossierRequest,
    responses(
        (status = 201, body = Dossier),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem)))]
#[post("/dossiers")]
pub async fn create_dossier(
    state: web::Data<AppState>,
    me: CurrentUser,
    ApiJson(body): ApiJson<CreateDossierRequest>,
) -> AppResult<HttpResponse> {
    let board_id = field_id("board_id", &body.board_id)?;
    let fields = body.fields.clone().unwrap_or_default();
    let content = DossierContent {
        title: DossierContent::check_title(&body.title)?,
        patient: body.patient.parse()?,
        question: DossierContent::check_question(&body.question)?,
        history: DossierContent::check_history(body.history.as_deref().unwrap_or(""))?,
        urgency: body.urgency.unwrap_or_default(),
        consent: body.consent.unwrap_or(false),
    };
    let done = usecase::run(&state.db, move |conn| {
        dossiers::create(conn, &me.user, &board_id, &content, &fields)
    })
    .await?;
    state.hub.publish(&done.events);
    Ok(HttpResponse::Created().json(shown(&state, done.value)))
}

/// The dossiers the caller may see, newest first.
#[utoipa::path(get, path = "/api/dossiers", tag = "dossiers", security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, body = Items<Dossier>),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem)))]
#[get("/dossiers")]
pub async fn list_dossiers(
    state: web::Data<AppState>,
    me: CurrentUser,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> AppResult<web::Json<Items<Dossier>>> {
    let (limit, offset) = page_bounds(query.limit, query.offset)?;
    let filter = ListFilter {
        board_id: query
            .board_id
            .as_deref()
            .map(|b| field_id("board_id", b))
            .transpose()?,
        status: query.status,
        limit,
        offset,
    };
    let done = usecase::run(&state.db, move |conn| {
        dossiers::list(conn, &me.user, &filter)
    })
    .await?;
    Ok(web::Json(Items::collect(
        done.value.into_iter().map(|v| shown(&state, v)),
    )))
}

#[utoipa::path(get, path = "/api/dossiers/{id}", tag = "dossiers", security(("bearer" = [])),
    params(("id" = String, Path, description = "Dossier id")),
    responses(
        (status = 200, body = Dossier),
        (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[get("/dossiers/{id}")]
pub async fn get_dossier(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
) -> AppResult<web::Json<Dossier>> {
    let id = path_id(&path, "dossier")?;
    let done = usecase::run(&state.db, move |conn| dossiers::read(conn, &me.user, &id)).await?;
    Ok(web::Json(shown(&state, done.value)))
}

/// Changes the content (the referrer, while the dossier is a draft or submitted).
#[utoipa::path(patch, path = "/api/dossiers/{id}", tag = "dossiers", security(("bearer" = [])),
    params(("id" = String, Path, description = "Dossier id")),
    request_body = PatchDossierRequest,
    responses(
        (status = 200, body = Dossier),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
#[patch("/dossiers/{id}")]
pub async fn patch_dossier(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
    ApiJson(body): ApiJson<PatchDossierRequest>,
) -> AppResult<web::Json<Dossier>> {
    let id = path_id(&path, "dossier")?;
    let patch = DossierPatch {
        title: body
            .title
            .as_deref()
            .map(DossierContent::check_title)
            .transpose()?,
        patient: body.patient.as_ref().map(PatientInput::parse).transpose()?,
        question: body
            .question
            .as_deref()
            .map(DossierContent::check_question)
            .transpose()?,
        history: body
            .history
            .as_deref()
            .map(DossierContent::check_history)
            .transpose()?,
        urgency: body.urgency,
        consent: body.consent,
        board_id: body
            .board_id
            .as_deref()
            .map(|b| field_id("board_id", b))
            .transpose()?,
        fields: body.fields,
    };
    if patch.is_empty() {
        return Err(AppError::invalid("body", "no field to change"));
    }
    respond(&state, move |conn| {
        dossiers::update(conn, &me.user, &id, patch)
    })
    .await
}

/// Runs a use case that changes one dossier, tells the rooms, and answers with the dossier.
async fn respond<F>(state: &AppState, f: F) -> AppResult<web::Json<Dossier>>
where
    F: FnOnce(&mut DbConn) -> AppResult<usecase::Done<dossiers::DossierView>> + Send + 'static,
{
    let done = usecase::run(&state.db, f).await?;
    state.hub.publish(&done.events);
    Ok(web::Json(shown(state, done.value)))
}

/// A dossier as the API shows it, with the service's upload limit.
fn shown(state: &AppState, view: dossiers::DossierView) -> Dossier {
    Dossier {
        max_upload_bytes: Some(state.config.max_upload_bytes),
        ..Dossier::from(view)
    }
}

/// Sends a draft to the board. Needs the patient's consent and a clinical question.
#[utoipa::path(post, path = "/api/dossiers/{id}/submit", tag = "dossiers", security(("bearer" = [])),
    params(("id" = String, Path, description = "Dossier id")),
    responses(
        (status = 200, body = Dossier),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
#[post("/dossiers/{id}/submit")]
pub async fn submit_dossier(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
) -> AppResult<web::Json<Dossier>> {
    let id = path_id(&path, "dossier")?;
    respond(&state, move |conn| dossiers::submit(conn, &me.user, &id)).await
}

/// Withdraws a dossier (the referrer; not once decided).
#[utoipa::path(post, path = "/api/dossiers/{id}/withdraw", tag = "dossiers", security(("bearer" = [])),
    params(("id" = String, Path, description = "Dossier id")),
    responses(
        (status = 200, body = Dossier),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
#[post("/dossiers/{id}/withdraw")]
pub async fn withdraw_dossier(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
) -> AppResult<web::Json<Dossier>> {
    let id = path_id(&path, "dossier")?;
    respond(&state, move |conn| dossiers::withdraw(conn, &me.user, &id)).await
}

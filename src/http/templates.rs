//! Board templates (API.md section 13): `GET` for any signed-in user (referrers fill them in),
//! `PUT` for the board's coordinators and admins, each `PUT` a new version.

use actix_web::{get, put, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::input::{ApiJson, path_id};
use crate::auth::CurrentUser;
use crate::domain::template::{FieldDef, Template};
use crate::error::AppResult;
use crate::state::AppState;
use crate::usecase::{self, templates};

/// A template as written: its fields and the attachment kinds a dossier needs.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutTemplateRequest {
    pub fields: Vec<FieldDef>,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub requires_attachment: Vec<crate::domain::attachment::AttachmentKind>,
}

/// A board's template and its version (0 while the board has none).
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateBody {
    pub fields: Vec<FieldDef>,
    #[schema(value_type = Vec<String>)]
    pub requires_attachment: Vec<crate::domain::attachment::AttachmentKind>,
    pub version: i32,
}

impl From<templates::Versioned> for TemplateBody {
    fn from(v: templates::Versioned) -> Self {
        TemplateBody {
            fields: v.template.fields,
            requires_attachment: v.template.requires_attachment,
            version: v.version,
        }
    }
}

/// The board's current template.
#[utoipa::path(get, path = "/api/boards/{id}/template", tag = "boards", security(("bearer" = [])),
    params(("id" = String, Path, description = "Board id")),
    responses(
        (status = 200, body = TemplateBody),
        (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[get("/boards/{id}/template")]
pub async fn get_template(
    state: web::Data<AppState>,
    _me: CurrentUser,
    path: web::Path<String>,
) -> AppResult<web::Json<TemplateBody>> {
    let id = path_id(&path, "board")?;
    let current = state
        .db
        .read(move |conn| templates::current(conn, &id))
        .await?;
    Ok(web::Json(current.into()))
}

/// Writes a new version of the board's template (its coordinators and admins).
#[utoipa::path(put, path = "/api/boards/{id}/template", tag = "boards", security(("bearer" = [])),
    params(("id" = String, Path, description = "Board id")),
    request_body = PutTemplateRequest,
    responses(
        (status = 200, body = TemplateBody),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[put("/boards/{id}/template")]
pub async fn put_template(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
    ApiJson(body): ApiJson<PutTemplateRequest>,
) -> AppResult<web::Json<TemplateBody>> {
    let id = path_id(&path, "board")?;
    let template = Template {
        fields: body.fields,
        requires_attachment: body.requires_attachment,
    };
    let done = usecase::run(&state.db, move |conn| {
        templates::put(conn, &me.user, &id, template)
    })
    .await?;
    Ok(web::Json(done.value.into()))
}

//! Account management (administrators).

use actix_web::{HttpResponse, get, patch, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::input::{ApiJson, path_id};
use crate::api::{Items, User};
use crate::auth::{CurrentUser, create_account};
use crate::db::users::UserPatch;
use crate::domain::user::{
    NAME_MAX_CHARS, NewUser, ORGANIZATION_MAX_CHARS, Role, SPECIALTY_MAX_CHARS,
};
use crate::domain::{sign_in, text};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::usecase::{self, accounts};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    pub email: String,
    pub name: String,
    /// At least 10 characters.
    pub password: String,
    pub role: Option<Role>,
    pub specialty: Option<String>,
    pub organization: Option<String>,
}

/// Creates an account. A taken e-mail, in any letter case, is a conflict.
#[utoipa::path(post, path = "/api/users", tag = "accounts", security(("bearer" = [])),
    request_body = CreateUserRequest,
    responses(
        (status = 201, body = User),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    me: CurrentUser,
    ApiJson(body): ApiJson<CreateUserRequest>,
) -> AppResult<HttpResponse> {
    accounts::require_admin(&me.user)?;
    let new = NewUser::parse(
        &body.email,
        &body.name,
        &body.password,
        body.role,
        body.specialty.as_deref(),
        body.organization.as_deref(),
    )?;
    let user = create_account(&state.db, Some(me.user), new).await?;
    Ok(HttpResponse::Created().json(User::from(&user)))
}

/// Every account, newest first.
#[utoipa::path(get, path = "/api/users", tag = "accounts", security(("bearer" = [])),
    responses(
        (status = 200, body = Items<User>),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)))]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    me: CurrentUser,
) -> AppResult<web::Json<Items<User>>> {
    let rows = state
        .db
        .read(move |conn| accounts::list(conn, &me.user))
        .await?;
    Ok(web::Json(Items::collect(rows.iter().map(User::from))))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    pub name: Option<String>,
    pub role: Option<Role>,
    /// An empty string clears it.
    pub specialty: Option<String>,
    /// An empty string clears it.
    pub organization: Option<String>,
    /// A disabled account cannot sign in; its tokens and live connections end at once.
    pub disabled: Option<bool>,
    /// The person's identifier at the identity provider (the claim of
    /// `CONSILIUM_OIDC_CLAIM`); unique (409 when another account has it); null or an empty
    /// string clears it.
    #[serde(default, deserialize_with = "crate::input::present")]
    #[schema(value_type = Option<String>, nullable)]
    pub external_id: Option<Option<String>>,
}

/// Changes an account (administrators). Disabling it revokes its tokens and closes its live
/// connections on every instance.
#[utoipa::path(patch, path = "/api/users/{id}", tag = "accounts", security(("bearer" = [])),
    params(("id" = String, Path, description = "User id")),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, body = User),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
    ApiJson(body): ApiJson<UpdateUserRequest>,
) -> AppResult<web::Json<User>> {
    accounts::require_admin(&me.user)?;
    let id = path_id(&path, "user")?;
    let optional =
        |field: &str, v: Option<&str>, max: usize| -> AppResult<Option<Option<String>>> {
            v.map(|s| text::optional_line(field, Some(s), max))
                .transpose()
                .map_err(AppError::from)
        };
    let patch = UserPatch {
        name: body
            .name
            .as_deref()
            .map(|n| text::line("name", n, NAME_MAX_CHARS))
            .transpose()?,
        role: body.role,
        specialty: optional("specialty", body.specialty.as_deref(), SPECIALTY_MAX_CHARS)?,
        organization: optional(
            "organization",
            body.organization.as_deref(),
            ORGANIZATION_MAX_CHARS,
        )?,
        disabled: body.disabled,
        external_id: body
            .external_id
            .map(|id| sign_in::external_id("external_id", id.as_deref()))
            .transpose()?,
    };
    if patch.name.is_none()
        && patch.role.is_none()
        && patch.specialty.is_none()
        && patch.organization.is_none()
        && patch.disabled.is_none()
        && patch.external_id.is_none()
    {
        return Err(AppError::invalid("body", "no field to change"));
    }
    let done = usecase::run(&state.db, move |conn| {
        accounts::update(conn, &me.user, &id, &patch)
    })
    .await?;
    // A disabled account's connections close, a changed role's are re-checked, everywhere.
    state.hub.publish(&done.events);
    Ok(web::Json(User::from(&done.value)))
}

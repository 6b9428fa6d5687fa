//! Account management (administrators).

use actix_web::{HttpResponse, get, patch, post, web};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::input::{ApiJson, path_id};
use crate::api::{Items, User};
use crate::auth::{CurrentUser, create_account};
use crate::db::audit::{self, Audit};
use crate::db::users::{self, UserPatch};
use crate::domain::text;
use crate::domain::user::{
    NAME_MAX_CHARS, NewUser, ORGANIZATION_MAX_CHARS, Role, SPECIALTY_MAX_CHARS,
};
use crate::error::{AppError, AppResult};
use crate::live::hub::Note;
use crate::state::AppState;

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
    me.require_admin()?;
    let new = NewUser::parse(
        &body.email,
        &body.name,
        &body.password,
        body.role,
        body.specialty.as_deref(),
        body.organization.as_deref(),
    )?;
    let user = create_account(&state.db, Some(me.user.id.clone()), new).await?;
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
    me.require_admin()?;
    let rows = state.db.read(users::list).await?;
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
    me.require_admin()?;
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
    };
    if patch.name.is_none()
        && patch.role.is_none()
        && patch.specialty.is_none()
        && patch.organization.is_none()
        && patch.disabled.is_none()
    {
        return Err(AppError::invalid("body", "no field to change"));
    }
    if id == me.user.id && (patch.disabled == Some(true) || patch.role == Some(Role::Clinician)) {
        return Err(AppError::conflict(
            "administrators cannot disable or demote themselves",
        ));
    }
    let disabling = patch.disabled == Some(true);
    // An administrator who becomes a clinician may lose rooms they were in.
    let role_changed = patch.role.is_some() && !disabling;
    let target = id.clone();
    let user = state
        .db
        .write(move |conn| {
            let user = users::update(conn, &id, &patch)?;
            if disabling {
                users::revoke_all_tokens(conn, &id)?;
                crate::db::notify(conn, &format!("u:{id}"))?;
            } else if role_changed {
                crate::db::notify(
                    conn,
                    &Note::AccessChanged {
                        user_id: id.clone(),
                    }
                    .encode(),
                )?;
            }
            audit::record(
                conn,
                Audit::new(&me.user.id, "user.update", "user", &id).with_detail(json!({
                    "name": patch.name.is_some(),
                    "role": patch.role,
                    "specialty": patch.specialty.is_some(),
                    "organization": patch.organization.is_some(),
                    "disabled": patch.disabled,
                })),
            )?;
            Ok(user)
        })
        .await?;
    if disabling {
        state.hub.deliver(Note::UserRevoked { user_id: target });
    } else if role_changed {
        state.hub.deliver(Note::AccessChanged { user_id: target });
    }
    Ok(web::Json(User::from(&user)))
}

//! Boards and their members.

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::input::{ApiJson, path_id};
use crate::api::{Board, Items, Member, MemberUser, User, UserSummary};
use crate::auth::CurrentUser;
use crate::domain::board::{BoardPatch, BoardRole, NewBoard, QuorumRule};
use crate::error::AppResult;
use crate::state::AppState;
use crate::usecase::{self, accounts, boards};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBoardRequest {
    pub name: String,
    pub description: Option<String>,
    pub quorum: Option<QuorumInput>,
    /// Whether a referrer who is not on the board reads named ballots (default false).
    pub show_ballots_to_referrer: Option<bool>,
}

/// What `PATCH /api/boards/{id}` may change; at least one field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchBoardRequest {
    pub name: Option<String>,
    pub description: Option<String>,
    pub quorum: Option<QuorumInput>,
    pub show_ballots_to_referrer: Option<bool>,
    /// Days after a decision when its referrer is asked for the follow-up (0 to 3650; 0: never).
    pub follow_up_days: Option<i64>,
}

impl QuorumInput {
    fn rule(&self) -> Result<QuorumRule, crate::domain::ValidationError> {
        QuorumRule::parse(
            self.min_voters,
            self.min_specialties,
            &self.required_specialties,
        )
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuorumInput {
    pub min_voters: i64,
    pub min_specialties: i64,
    #[serde(default)]
    pub required_specialties: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutMemberRequest {
    pub role: BoardRole,
}

/// Creates a board (administrators). Quorum defaults to 3 voters of 3 specialties.
#[utoipa::path(post, path = "/api/boards", tag = "boards", security(("bearer" = [])),
    request_body = CreateBoardRequest,
    responses(
        (status = 201, body = Board),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)))]
#[post("/boards")]
pub async fn create_board(
    state: web::Data<AppState>,
    me: CurrentUser,
    ApiJson(body): ApiJson<CreateBoardRequest>,
) -> AppResult<HttpResponse> {
    accounts::require_admin(&me.user)?;
    let quorum = body.quorum.as_ref().map(QuorumInput::rule).transpose()?;
    let mut new = NewBoard::parse(&body.name, body.description.as_deref(), quorum)?;
    new.show_ballots_to_referrer = body.show_ballots_to_referrer.unwrap_or(false);
    let done = usecase::run(&state.db, move |conn| boards::create(conn, &me.user, &new)).await?;
    Ok(HttpResponse::Created().json(Board::new(&done.value.row, done.value.can)))
}

/// Changes a board (administrators and the board's coordinators): name, description, quorum,
/// and whether referrers read named ballots (API.md section 16).
#[utoipa::path(patch, path = "/api/boards/{id}", tag = "boards", security(("bearer" = [])),
    params(("id" = String, Path, description = "Board id")),
    request_body = PatchBoardRequest,
    responses(
        (status = 200, body = Board),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[patch("/boards/{id}")]
pub async fn patch_board(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
    ApiJson(body): ApiJson<PatchBoardRequest>,
) -> AppResult<web::Json<Board>> {
    let id = path_id(&path, "board")?;
    let quorum = body.quorum.as_ref().map(QuorumInput::rule).transpose()?;
    let patch = BoardPatch::parse(
        body.name.as_deref(),
        body.description.as_deref(),
        quorum,
        body.show_ballots_to_referrer,
        body.follow_up_days,
    )?;
    let done = usecase::run(&state.db, move |conn| {
        boards::update(conn, &me.user, &id, &patch)
    })
    .await?;
    Ok(web::Json(Board::new(&done.value.row, done.value.can)))
}

/// Every board: any signed-in user may list them, to choose where to refer.
#[utoipa::path(get, path = "/api/boards", tag = "boards", security(("bearer" = [])),
    responses((status = 200, body = Items<Board>), (status = 401, body = crate::error::Problem)))]
#[get("/boards")]
pub async fn list_boards(
    state: web::Data<AppState>,
    me: CurrentUser,
) -> AppResult<web::Json<Items<Board>>> {
    let views = state
        .db
        .read(move |conn| boards::list(conn, &me.user))
        .await?;
    Ok(web::Json(Items::collect(
        views.iter().map(|v| Board::new(&v.row, v.can)),
    )))
}

#[utoipa::path(get, path = "/api/boards/{id}", tag = "boards", security(("bearer" = [])),
    params(("id" = String, Path, description = "Board id")),
    responses(
        (status = 200, body = Board),
        (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[get("/boards/{id}")]
pub async fn get_board(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
) -> AppResult<web::Json<Board>> {
    let id = path_id(&path, "board")?;
    let view = state
        .db
        .read(move |conn| boards::get(conn, &me.user, &id))
        .await?;
    Ok(web::Json(Board::new(&view.row, view.can)))
}

#[utoipa::path(get, path = "/api/boards/{id}/members", tag = "boards", security(("bearer" = [])),
    params(("id" = String, Path, description = "Board id")),
    responses(
        (status = 200, body = Items<Member>),
        (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[get("/boards/{id}/members")]
pub async fn list_members(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<String>,
) -> AppResult<web::Json<Items<Member>>> {
    let id = path_id(&path, "board")?;
    let found = state
        .db
        .read(move |conn| boards::members(conn, &me.user, &id))
        .await?;
    let contacts = found.contacts;
    Ok(web::Json(Items::collect(found.members.iter().map(
        |(u, role)| Member {
            user: if contacts {
                MemberUser::Full(User::from(u))
            } else {
                MemberUser::Summary(UserSummary::from(u))
            },
            role: *role,
        },
    ))))
}

/// Adds a member or changes their role (administrators and the board's coordinators).
#[utoipa::path(put, path = "/api/boards/{id}/members/{user_id}", tag = "boards",
    security(("bearer" = [])), request_body = PutMemberRequest,
    params(("id" = String, Path, description = "Board id"), ("user_id" = String, Path, description = "User id")),
    responses(
        (status = 200, body = Member),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[put("/boards/{id}/members/{user_id}")]
pub async fn put_member(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<(String, String)>,
    ApiJson(body): ApiJson<PutMemberRequest>,
) -> AppResult<web::Json<Member>> {
    let board_id = path_id(&path.0, "board")?;
    let user_id = path_id(&path.1, "user")?;
    let done = usecase::run(&state.db, move |conn| {
        boards::put_member(conn, &me.user, &board_id, &user_id, body.role)
    })
    .await?;
    // Their open room connections are re-checked, on every instance.
    state.hub.publish(&done.events);
    let (user, role) = done.value;
    Ok(web::Json(Member {
        user: MemberUser::Full(User::from(&user)),
        role,
    }))
}

/// Removes a member (administrators and the board's coordinators).
#[utoipa::path(delete, path = "/api/boards/{id}/members/{user_id}", tag = "boards",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Board id"), ("user_id" = String, Path, description = "User id")),
    responses(
        (status = 204),
        (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
#[delete("/boards/{id}/members/{user_id}")]
pub async fn remove_member(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let board_id = path_id(&path.0, "board")?;
    let user_id = path_id(&path.1, "member")?;
    let done = usecase::run(&state.db, move |conn| {
        boards::remove_member(conn, &me.user, &board_id, &user_id)
    })
    .await?;
    // Their open room connections are re-checked, on every instance.
    state.hub.publish(&done.events);
    Ok(HttpResponse::NoContent().finish())
}

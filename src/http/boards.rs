//! Boards and their members.

use actix_web::{HttpResponse, delete, get, post, put, web};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::input::{ApiJson, path_id};
use crate::api::{Board, Items, Member, MemberUser, User, UserSummary};
use crate::auth::CurrentUser;
use crate::db::audit::{self, Audit};
use crate::db::{boards, users};
use crate::domain::board::{BoardRole, NewBoard, QuorumRule};
use crate::error::{AppError, AppResult};
use crate::live::hub::Note;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBoardRequest {
    pub name: String,
    pub description: Option<String>,
    pub quorum: Option<QuorumInput>,
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
    me.require_admin()?;
    let quorum = body
        .quorum
        .map(|q| QuorumRule::parse(q.min_voters, q.min_specialties, &q.required_specialties))
        .transpose()?;
    let new = NewBoard::parse(&body.name, body.description.as_deref(), quorum)?;
    let row = state
        .db
        .write(move |conn| {
            let row = boards::insert(conn, &new)?;
            audit::record(
                conn,
                Audit::new(&me.user.id, "board.create", "board", &row.id),
            )?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(Board::from(&row)))
}

/// Every board: any signed-in user may list them, to choose where to refer.
#[utoipa::path(get, path = "/api/boards", tag = "boards", security(("bearer" = [])),
    responses((status = 200, body = Items<Board>), (status = 401, body = crate::error::Problem)))]
#[get("/boards")]
pub async fn list_boards(
    state: web::Data<AppState>,
    _me: CurrentUser,
) -> AppResult<web::Json<Items<Board>>> {
    let rows = state.db.read(boards::list).await?;
    Ok(web::Json(Items::collect(rows.iter().map(Board::from))))
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
    _me: CurrentUser,
    path: web::Path<String>,
) -> AppResult<web::Json<Board>> {
    let id = path_id(&path, "board")?;
    let row = state.db.read(move |conn| boards::get(conn, &id)).await?;
    Ok(web::Json(Board::from(&row)))
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
    let user = me.user.clone();
    let (rows, relation) = state
        .db
        .read(move |conn| {
            boards::get(conn, &id)?;
            Ok((
                boards::members(conn, &id)?,
                boards::relation(conn, &id, &user)?,
            ))
        })
        .await?;
    let contacts = relation.can_see_member_contacts();
    Ok(web::Json(Items::collect(rows.iter().map(|(u, role)| {
        Member {
            user: if contacts {
                MemberUser::Full(User::from(u))
            } else {
                MemberUser::Summary(UserSummary::from(u))
            },
            role: *role,
        }
    }))))
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
    let changed = user_id.clone();
    let member = state
        .db
        .write(move |conn| {
            boards::get(conn, &board_id)?;
            boards::relation(conn, &board_id, &me.user)?
                .check_manage_members()
                .map_err(|d| AppError::denied(d, "board"))?;
            let user = users::by_id(conn, &user_id)?.ok_or_else(|| AppError::not_found("user"))?;
            let previous = boards::put_member(conn, &board_id, &user_id, body.role)?;
            audit::record(
                conn,
                Audit::new(&me.user.id, "board.member_put", "board", &board_id).with_detail(
                    json!({
                        "user_id": user_id,
                        "role": body.role,
                        "previous_role": previous,
                    }),
                ),
            )?;
            crate::db::notify(
                conn,
                &Note::AccessChanged {
                    user_id: user_id.clone(),
                }
                .encode(),
            )?;
            Ok(Member {
                user: MemberUser::Full(User::from(&user)),
                role: body.role,
            })
        })
        .await?;
    // Their open room connections are re-checked, on every instance.
    state.hub.deliver(Note::AccessChanged { user_id: changed });
    Ok(web::Json(member))
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
    let removed = user_id.clone();
    state
        .db
        .write(move |conn| {
            boards::get(conn, &board_id)?;
            boards::relation(conn, &board_id, &me.user)?
                .check_manage_members()
                .map_err(|d| AppError::denied(d, "board"))?;
            if !boards::remove_member(conn, &board_id, &user_id)? {
                return Err(AppError::not_found("member"));
            }
            crate::db::notify(
                conn,
                &Note::AccessChanged {
                    user_id: user_id.clone(),
                }
                .encode(),
            )?;
            audit::record(
                conn,
                Audit::new(&me.user.id, "board.member_remove", "board", &board_id)
                    .with_detail(json!({ "user_id": user_id })),
            )
        })
        .await?;
    // Their open room connections are re-checked, on every instance.
    state.hub.deliver(Note::AccessChanged { user_id: removed });
    Ok(HttpResponse::NoContent().finish())
}

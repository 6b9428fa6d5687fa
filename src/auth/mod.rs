//! Authentication: argon2id password hashes, HS256 tokens with a server-side id, and the
//! extractor that turns a bearer token into the signed-in user.

pub mod extractor;
pub mod oidc;
pub mod password;
pub mod throttle;
pub mod token;

pub use extractor::CurrentUser;

use crate::db::Db;
use crate::db::users::UserRow;
use crate::domain::user::NewUser;
use crate::error::AppResult;

/// Creates an account: hashes the password off the async threads, then stores the user and
/// records who created it (`None`: the command line).
pub async fn create_account(db: &Db, actor: Option<UserRow>, new: NewUser) -> AppResult<UserRow> {
    let (new, hash) = password::off_thread(move || {
        let hash = password::hash(new.password.expose());
        (new, hash)
    })
    .await?;
    let hash = hash?;
    let done = crate::usecase::run(db, move |conn| {
        crate::usecase::accounts::create(conn, actor.as_ref(), &new, &hash)
    })
    .await?;
    Ok(done.value)
}

//! Who enters a room: the token, the session and the user's place in it, checked in one trip
//! to the database when the `hello` comes, and again after registering if access may have
//! changed meanwhile.

use super::hub::{CloseSignal, ConnHandle, Hub, close_code, current_viewer};
use crate::auth::extractor::{Verified, authenticate};
use crate::db::users::UserRow;
use crate::domain::room::RoomRole;
use crate::domain::room_access::RoomCan;
use crate::domain::room_visibility::{Viewer, keeps_view};
use crate::error::AppError;
use crate::state::AppState;
use crate::usecase::room;

/// Who entered, and how they take part.
pub struct Admitted {
    pub user: UserRow,
    pub token_id: String,
    pub session_id: String,
    pub role: RoomRole,
    pub viewer: Viewer,
    pub can: RoomCan,
}

/// Checks, in one trip to the database, the token (4401), that the session exists (4404) and
/// that the user may enter it (4403); answers how they take part and what they may see.
pub async fn admit(
    state: &AppState,
    raw_id: &str,
    token: &str,
    close: &CloseSignal,
) -> Option<Admitted> {
    let Ok(verified) = Verified::check(state, token) else {
        close.close(close_code::UNAUTHENTICATED);
        return None;
    };
    let Ok(session_id) = crate::input::path_id(raw_id, "session") else {
        close.close(close_code::NO_SESSION);
        return None;
    };
    let sid = session_id.clone();
    let found = verified
        .read_as(state, move |c, me| {
            Ok((me.clone(), room::admission(c, &sid, &me.user)?))
        })
        .await;
    let code = match found {
        Ok((me, Some(Some((role, viewer, can))))) => {
            return Some(Admitted {
                user: me.user,
                token_id: me.token_id,
                session_id,
                role,
                viewer,
                can,
            });
        }
        Ok((_, Some(None))) => close_code::FORBIDDEN,
        Ok((_, None)) => close_code::NO_SESSION,
        Err(AppError::Unauthenticated(_)) => close_code::UNAUTHENTICATED,
        Err(e) => {
            tracing::warn!(error = %e, "room admission failed");
            1011
        }
    };
    close.close(code);
    None
}

/// Checks again that the connection may enter as it was admitted; closes it if not.
pub async fn still_admitted(state: &AppState, hub: &Hub, token: &str, conn: &ConnHandle) -> bool {
    if authenticate(state, token).await.is_err() {
        conn.close.close(close_code::UNAUTHENTICATED);
        return false;
    }
    let code = match current_viewer(&hub.db, conn).await {
        Ok(now) if keeps_view(&conn.viewer, now.as_ref()) => return true,
        Ok(_) => close_code::FORBIDDEN,
        Err(e) => {
            tracing::warn!(error = %e, "room admission failed");
            1011
        }
    };
    conn.close.close(code);
    false
}

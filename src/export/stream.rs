//! The one page loop of an export, for the API and the command line alike: the head, then
//! one piece per page of decisions read in a stable order, then the tail, so that memory
//! stays flat whatever the number of decisions.

use futures_util::Stream;

use super::Renderer;
use crate::db::exports::{self, Cursor, Scope};
use crate::db::{Db, templates};
use crate::domain::audit::format_time;
use crate::error::AppResult;

/// Rows read from the database per page of an export.
pub const EXPORT_PAGE: i64 = 500;

/// A piece of an export: its bytes, and how many decisions they hold.
#[derive(Debug)]
pub struct Piece {
    pub bytes: Vec<u8>,
    pub decisions: u64,
}

enum Stage {
    Start,
    Pages(Option<Cursor>),
    Done,
}

struct State {
    db: Db,
    scope: Scope,
    renderer: Renderer,
    stage: Stage,
}

/// The export of `scope` through `renderer`, piece by piece, one database page at a time.
/// After an error the stream ends.
pub fn pieces(db: Db, scope: Scope, renderer: Renderer) -> impl Stream<Item = AppResult<Piece>> {
    let state = State {
        db,
        scope,
        renderer,
        stage: Stage::Start,
    };
    futures_util::stream::unfold(state, |mut st| async move {
        let piece = match std::mem::replace(&mut st.stage, Stage::Done) {
            Stage::Start => {
                st.stage = Stage::Pages(None);
                start(&mut st).await
            }
            Stage::Pages(cursor) => next_page(&mut st, cursor).await,
            Stage::Done => return None,
        };
        if let Err(e) = &piece {
            tracing::error!(error = %e, "export aborted");
        }
        Some((piece, st))
    })
}

/// The head, once the template fields of the exported boards are known.
async fn start(st: &mut State) -> AppResult<Piece> {
    let boards = st.scope.boards.clone();
    let keys = st
        .db
        .read(move |conn| templates::current_keys(conn, boards.as_deref()))
        .await?;
    st.renderer.field_keys(keys);
    Ok(Piece {
        bytes: st.renderer.start(&format_time(crate::db::now())),
        decisions: 0,
    })
}

/// The page after `cursor`, or the tail once there is none.
async fn next_page(st: &mut State, cursor: Option<Cursor>) -> AppResult<Piece> {
    let scope = st.scope.clone();
    let rows = st
        .db
        .read(move |conn| exports::page(conn, &scope, cursor.as_ref(), EXPORT_PAGE))
        .await?;
    let Some(last) = rows.last() else {
        return Ok(Piece {
            bytes: st.renderer.end(),
            decisions: 0,
        });
    };
    let next = Cursor {
        decided_at: last.decision.decided_at,
        id: last.decision.id.clone(),
    };
    let bytes = st.renderer.page(&rows)?;
    st.stage = Stage::Pages(Some(next));
    Ok(Piece {
        bytes,
        decisions: rows.len() as u64,
    })
}

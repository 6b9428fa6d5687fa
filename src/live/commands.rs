//! Applying a room command: the frame is translated into its use case (`usecase::room`,
//! `usecase::votes`, `usecase::review`), run in one transaction that also claims the request
//! id; then the rooms hear of what happened and the author gets an `ack`. A `view` writes
//! nothing: checked read-only, it is handed to the room, which relays it.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::hub::Hub;
use super::protocol::{self, Command, Incoming, Refusal};
use super::view::Relayed;
use crate::api::User;
use crate::db::users::UserRow;
use crate::domain::imaging::View;
use crate::domain::room::VoteDraft;
use crate::error::{AppError, AppResult};
use crate::usecase::catalogue::check_frame;
use crate::usecase::{self, Done, review, room, votes};

/// An id named in a command: anything that is not a UUID names nothing.
fn known_id(raw: &str, what: &str) -> AppResult<String> {
    uuid::Uuid::parse_str(raw)
        .map(|u| u.to_string())
        .map_err(|_| AppError::not_found(what))
}

/// Applies a command from `user` in `session_id`; returns the `ack` text.
pub async fn execute(
    hub: &Arc<Hub>,
    user: &UserRow,
    session_id: &str,
    incoming: Incoming,
) -> Result<String, Refusal> {
    let Incoming {
        command,
        request_id,
    } = incoming;
    let rid = request_id.clone();
    let started = std::time::Instant::now();
    let result = apply(
        hub,
        user.clone(),
        session_id.to_string(),
        command,
        request_id,
    )
    .await;
    hub.metrics.command_latency.observe(started.elapsed());
    match result {
        // The rooms heard of its events when it committed (`usecase::run_grouped`).
        Ok(done) => {
            hub.metrics.commands_ok.fetch_add(1, Ordering::Relaxed);
            Ok(protocol::ack(rid.as_deref(), done.value))
        }
        Err(err) => {
            hub.metrics.commands_refused.fetch_add(1, Ordering::Relaxed);
            if let AppError::Internal(cause) = &err {
                tracing::error!(error = ?cause, "room command failed");
            }
            Err(Refusal::from_error(&err, rid))
        }
    }
}

/// Checks a `view` the presenter sent on connection `conn_id` and hands it to the room, which
/// relays it to the others, coalesced. Nothing is written and the request id is not recorded;
/// the answer is an `ack` only when the view carried a request id, and an `error` if refused.
pub async fn view(
    hub: &Hub,
    user: &UserRow,
    session_id: &str,
    conn_id: u64,
    view: View,
    request_id: Option<String>,
) -> Result<Option<String>, Refusal> {
    match relay(hub, user, session_id, conn_id, view).await {
        Ok(()) => {
            hub.metrics.commands_ok.fetch_add(1, Ordering::Relaxed);
            Ok(request_id.map(|r| protocol::ack(Some(&r), None)))
        }
        Err(err) => {
            hub.metrics.commands_refused.fetch_add(1, Ordering::Relaxed);
            if let AppError::Internal(cause) = &err {
                tracing::error!(error = ?cause, "room view failed");
            }
            Err(Refusal::from_error(&err, request_id))
        }
    }
}

async fn relay(
    hub: &Hub,
    user: &UserRow,
    session_id: &str,
    conn_id: u64,
    view: View,
) -> AppResult<()> {
    let attachment_id = known_id(&view.attachment_id, "attachment")?;
    let (sid, u) = (session_id.to_string(), user.clone());
    let shown = hub
        .db
        .read(move |c| review::view(c, &sid, &u, &attachment_id))
        .await?;
    check_frame(
        &*hub.catalogue,
        &shown.attachment_id,
        &view.series_uid,
        view.frame,
    )
    .await?;
    let text = protocol::view(&User::from(user), &shown.attachment_id, &view);
    let relayed = Relayed {
        from_conn: Some(conn_id),
        dossier_id: shown.dossier_id,
        text: text.into(),
    };
    hub.relay_view(session_id, relayed).await;
    Ok(())
}

/// A mark's frame is looked up in the catalogue before its transaction, once the mark's rules
/// allowed it (read-only; skipped for a request id already applied).
async fn check_mark(
    hub: &Hub,
    user: &UserRow,
    session_id: &str,
    mark: &review::Mark,
    request_id: Option<&str>,
) -> AppResult<()> {
    let (sid, u, m, rid) = (
        session_id.to_string(),
        user.clone(),
        mark.clone(),
        request_id.map(str::to_string),
    );
    let ask = hub
        .db
        .read(move |c| review::before_mark(c, &sid, &u, &m, rid.as_deref()))
        .await?;
    if ask {
        check_frame(
            &*hub.catalogue,
            &mark.attachment_id,
            &mark.series_uid,
            mark.frame,
        )
        .await?;
    }
    Ok(())
}

/// The command's use case, in one transaction (shared with the commands that arrive while
/// the previous ones commit): applied once per request id; the rooms hear of it once durable.
async fn apply(
    hub: &Arc<Hub>,
    user: UserRow,
    session_id: String,
    command: Command,
    request_id: Option<String>,
) -> AppResult<Done<Option<i64>>> {
    // Input checks that need no database come first.
    let draft = match &command {
        Command::OpenVote {
            proposal, options, ..
        } => Some(VoteDraft::parse(proposal, options)?),
        _ => None,
    };
    let mark = match &command {
        Command::Mark {
            attachment_id,
            series_uid,
            frame,
            note,
        } => {
            let mark = review::Mark {
                attachment_id: known_id(attachment_id, "attachment")?,
                series_uid: series_uid.clone(),
                frame: *frame,
                note: note.clone(),
            };
            check_mark(hub, &user, &session_id, &mark, request_id.as_deref()).await?;
            Some(mark)
        }
        _ => None,
    };
    let key = session_id.clone();
    let rooms = hub.clone();
    let publish = move |events: &[usecase::Event]| rooms.publish(events);
    let work = move |conn: &mut crate::db::DbConn| {
        let (sid, uid) = (session_id.as_str(), user.id.as_str());
        room::once(
            conn,
            sid,
            uid,
            request_id.as_deref(),
            |conn| match command {
                Command::Chat { text } => room::chat(conn, sid, &user, &text),
                Command::Focus { dossier_id } => {
                    room::focus(conn, sid, &user, &known_id(&dossier_id, "dossier")?)
                }
                Command::OpenVote { dossier_id, .. } => {
                    let draft =
                        draft.ok_or_else(|| AppError::internal(anyhow::anyhow!("no draft")))?;
                    votes::open(conn, sid, &user, &known_id(&dossier_id, "dossier")?, &draft)
                }
                Command::Cast {
                    vote_id,
                    option,
                    comment,
                } => votes::cast(
                    conn,
                    sid,
                    &user,
                    &known_id(&vote_id, "vote")?,
                    &option,
                    comment.as_deref(),
                ),
                Command::CloseVote { vote_id, summary } => {
                    votes::close(conn, sid, &user, &known_id(&vote_id, "vote")?, &summary)
                }
                Command::Present { user_id } => {
                    review::present(conn, sid, &user, &known_id(&user_id, "user")?)
                }
                Command::Mark { .. } => {
                    let mark =
                        mark.ok_or_else(|| AppError::internal(anyhow::anyhow!("no mark")))?;
                    review::mark(conn, sid, &user, &mark)
                }
                Command::Hello { .. } | Command::View(_) | Command::Ping => {
                    Err(AppError::internal(anyhow::anyhow!("not a room command")))
                }
            },
        )
    };
    usecase::run_grouped(&hub.db, &key, work, publish).await
}

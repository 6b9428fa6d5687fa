//! Applying a room command: the frame is translated into its use case (`usecase::room`,
//! `usecase::votes`), run in one transaction that also claims the request id; then the rooms
//! hear of what happened and the author gets an `ack`.

use std::sync::atomic::Ordering;

use super::hub::Hub;
use super::protocol::{self, Command, Incoming, Refusal};
use crate::db::users::UserRow;
use crate::domain::room::VoteDraft;
use crate::error::{AppError, AppResult};
use crate::usecase::{self, Done, review, room, votes};

/// An id named in a command: anything that is not a UUID names nothing.
fn known_id(raw: &str, what: &str) -> AppResult<String> {
    uuid::Uuid::parse_str(raw)
        .map(|u| u.to_string())
        .map_err(|_| AppError::not_found(what))
}

/// Applies a command from `user` in `session_id`; returns the `ack` text.
pub async fn execute(
    hub: &Hub,
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
        Ok(done) => {
            hub.metrics.commands_ok.fetch_add(1, Ordering::Relaxed);
            hub.publish(&done.events);
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

/// The command's use case, in one transaction: applied once per request id.
async fn apply(
    hub: &Hub,
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
    usecase::run(&hub.db, move |conn| {
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
                Command::Mark {
                    attachment_id,
                    series_uid,
                    frame,
                    note,
                } => review::mark(
                    conn,
                    sid,
                    &user,
                    &review::Mark {
                        attachment_id: known_id(&attachment_id, "attachment")?,
                        series_uid,
                        frame,
                        note,
                    },
                ),
                Command::Hello { .. } | Command::Ping => {
                    Err(AppError::internal(anyhow::anyhow!("not a room command")))
                }
            },
        )
    })
    .await
}

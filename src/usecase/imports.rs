//! Imports from the hospital's PACS (API.md section 15): who may start one (who may add an
//! attachment to the dossier), see it (who sees the dossier), cancel it (its requester, or who
//! may add attachments); its progress; its end, which keeps every series' attachment or none.
//! The runner (`pacs/runner.rs`) does the network work and calls these at each step.

use chrono::NaiveDateTime;
use serde_json::json;

use super::dossiers::load_for;
use super::{Done, Event};
use crate::db::attachments::{self, AttachmentRow};
use crate::db::audit::{self, Audit};
use crate::db::pacs_imports::{self, ImportRow};
use crate::db::users::UserRow;
use crate::db::{DbConn, new_id, object_uploads};
use crate::domain::access::DossierAction;
use crate::domain::pacs::{ImportStatus, may_cancel};
use crate::error::{AppError, AppResult};

/// Records a search of the PACS: who searched, and which filters, never their values.
pub fn searched(conn: &mut DbConn, user: &UserRow, filters: &[&str]) -> AppResult<Done<()>> {
    audit::record(
        conn,
        Audit {
            actor_id: Some(&user.id),
            action: "pacs.search",
            object_type: "pacs",
            object_id: None,
            detail: json!({ "filters": filters }),
        },
    )?;
    Ok(Done::quiet(()))
}

/// A new import into `dossier_id` (who may add attachments to it, while it takes them), run by
/// the instance `runner`.
pub fn start(
    conn: &mut DbConn,
    user: &UserRow,
    dossier_id: &str,
    series: usize,
    runner: &str,
    now: NaiveDateTime,
) -> AppResult<Done<ImportRow>> {
    super::attachments::check_upload(conn, user, dossier_id)?;
    let row = ImportRow {
        id: new_id(),
        dossier_id: dossier_id.to_string(),
        requested_by: user.id.clone(),
        status: ImportStatus::Queued.as_str().to_string(),
        instances_done: 0,
        instances_total: 0,
        bytes: 0,
        attachment_ids: "[]".to_string(),
        error: None,
        runner: runner.to_string(),
        heartbeat_at: now,
        created_at: now,
        finished_at: None,
    };
    pacs_imports::insert(conn, &row)?;
    audit::record(
        conn,
        Audit::new(&user.id, "pacs.import", "import", &row.id)
            .with_detail(json!({ "dossier_id": dossier_id, "series": series })),
    )?;
    Ok(Done::quiet(row))
}

/// An import `user` may see (as its dossier): 404 otherwise.
pub fn get(conn: &mut DbConn, user: &UserRow, id: &str) -> AppResult<ImportRow> {
    let row = pacs_imports::by_id(conn, id)?.ok_or_else(|| AppError::not_found("import"))?;
    load_for(conn, user, &row.dossier_id, DossierAction::View).map_err(|e| match e {
        AppError::NotFound(_) => AppError::not_found("import"),
        other => other,
    })?;
    Ok(row)
}

/// The imports of a dossier `user` sees, newest first: 404 otherwise.
pub fn of_dossier(
    conn: &mut DbConn,
    user: &UserRow,
    dossier_id: &str,
) -> AppResult<Vec<ImportRow>> {
    load_for(conn, user, dossier_id, DossierAction::View)?;
    pacs_imports::of_dossier(conn, dossier_id)
}

/// Cancels an import under way (its requester, or who may add attachments to the dossier); its
/// runner sees it at its next step and undoes what it made.
pub fn cancel(
    conn: &mut DbConn,
    user: &UserRow,
    id: &str,
    now: NaiveDateTime,
) -> AppResult<Done<ImportRow>> {
    let row = get(conn, user, id)?;
    if row.requested_by != user.id {
        super::attachments::check_upload(conn, user, &row.dossier_id)?;
    }
    may_cancel(ImportStatus::parse(&row.status)).map_err(AppError::conflict)?;
    let undone = pacs_imports::transition(
        conn,
        id,
        &["queued", "running"],
        ImportStatus::Cancelled.as_str(),
        None,
        Some(now),
    )?;
    if !undone {
        return Err(AppError::conflict(
            "the import has just ended: nothing to cancel",
        ));
    }
    audit::record(
        conn,
        Audit::new(&user.id, "pacs.import_cancel", "import", id),
    )?;
    let row = pacs_imports::by_id(conn, id)?.ok_or_else(|| AppError::not_found("import"))?;
    Ok(Done::quiet(row))
}

/// The runner's progress (which also says it lives); the import's status now, so that the
/// runner stops once it is cancelled.
pub fn progress(
    conn: &mut DbConn,
    id: &str,
    counts: (i64, i64, i64),
    now: NaiveDateTime,
) -> AppResult<Done<ImportStatus>> {
    let (done, total, bytes) = counts;
    pacs_imports::set_progress(conn, id, done, total, bytes, now)?;
    let _ = pacs_imports::transition(conn, id, &["queued"], "running", None, None)?;
    let row = pacs_imports::by_id(conn, id)?.ok_or_else(|| AppError::not_found("import"))?;
    Ok(Done::quiet(ImportStatus::parse(&row.status)))
}

/// Records one series' attachment, if the import is still under way (false: it was cancelled,
/// and the object must go).
pub fn attach(conn: &mut DbConn, id: &str, row: &AttachmentRow) -> AppResult<Done<bool>> {
    let import = pacs_imports::by_id(conn, id)?.ok_or_else(|| AppError::not_found("import"))?;
    if !ImportStatus::parse(&import.status).is_open() {
        return Ok(Done::quiet(false));
    }
    let done = super::attachments::add(conn, row)?;
    let mut ids = import.attachment_ids();
    ids.push(row.id.clone());
    pacs_imports::set_attachments(conn, id, &ids)?;
    Ok(done.map(|()| true))
}

/// Ends an import: `done` when `failure` is none and it was not cancelled meanwhile; else
/// every attachment it made is removed (their objects are returned, for the adapter to delete,
/// and journaled for the next start if it cannot).
pub fn finish(
    conn: &mut DbConn,
    id: &str,
    failure: Option<&str>,
    instance: &str,
    now: NaiveDateTime,
) -> AppResult<Done<Vec<AttachmentRow>>> {
    let ended = match failure {
        None => {
            pacs_imports::transition(conn, id, &["queued", "running"], "done", None, Some(now))?
        }
        Some(error) => pacs_imports::transition(
            conn,
            id,
            &["queued", "running"],
            "failed",
            Some(error),
            Some(now),
        )?,
    };
    let import = pacs_imports::by_id(conn, id)?.ok_or_else(|| AppError::not_found("import"))?;
    if ended && failure.is_none() {
        return Ok(Done::quiet(Vec::new()));
    }
    undo(conn, &import, instance)
}

/// Fails the open imports whose instance stopped or died, or whose runner has not been heard
/// of since `before`: nothing they made is kept.
pub fn sweep(
    conn: &mut DbConn,
    before: NaiveDateTime,
    instance: &str,
    now: NaiveDateTime,
) -> AppResult<Done<Vec<AttachmentRow>>> {
    let mut removed = Done::quiet(Vec::new());
    let live = object_uploads::live_instances(conn, instance)?;
    for import in pacs_imports::abandoned(conn, &live, before)? {
        let failed = pacs_imports::transition(
            conn,
            &import.id,
            &["queued", "running"],
            "failed",
            Some("the import was interrupted (the server stopped); start it again"),
            Some(now),
        )?;
        if failed {
            let undone = undo(conn, &import, instance)?;
            removed.value.extend(undone.value);
            removed.events.extend(undone.events);
        }
    }
    Ok(removed)
}

/// Removes every attachment an ended import made.
fn undo(
    conn: &mut DbConn,
    import: &ImportRow,
    instance: &str,
) -> AppResult<Done<Vec<AttachmentRow>>> {
    let mut rows = Vec::new();
    let mut events = Vec::new();
    for attachment_id in import.attachment_ids() {
        let Some(row) = attachments::by_id(conn, &attachment_id)? else {
            continue;
        };
        attachments::delete(conn, &row.id)?;
        audit::record(
            conn,
            Audit {
                actor_id: None,
                action: "attachment.delete",
                object_type: "attachment",
                object_id: Some(&row.id),
                detail: json!({ "dossier_id": row.dossier_id, "import_id": import.id,
                    "reason": "import_not_completed" }),
            },
        )?;
        object_uploads::record(conn, &row.object_key, None, instance)?;
        events.push(Event::AttachmentDeleted {
            attachment_id: row.id.clone(),
            dossier_id: row.dossier_id.clone(),
        });
        rows.push(row);
    }
    pacs_imports::set_attachments(conn, &import.id, &[])?;
    Ok(Done::with(rows, events))
}

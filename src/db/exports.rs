//! Reading decisions for exports and reports: page by page, in a stable order, so that memory
//! stays flat whatever the number of decisions.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::decisions::DecisionRow;
use super::schema::{boards, decisions, dossiers, follow_ups, users};
use crate::domain::report::{Decided, Received};
use crate::error::AppResult;

/// One decision with what the exports show of its dossier, board and referrer.
#[derive(Debug, Clone)]
pub struct ExportRow {
    pub decision: DecisionRow,
    pub reference: String,
    pub board_name: String,
    pub question: String,
    pub pseudonym: String,
    pub submitted_at: Option<NaiveDateTime>,
    pub referrer_name: String,
    pub referrer_email: String,
    pub referrer_organization: Option<String>,
    /// The dossier's template field values (a JSON object).
    pub fields: String,
    /// The answer to the decision's follow-up (`yes`, `partly`, `no`) and when it was given.
    pub follow_up: Option<(String, NaiveDateTime)>,
}

/// Which decisions an export covers. `boards: None` means every board.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub boards: Option<Vec<String>>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

/// Where the previous page ended: decisions are read in `(decided_at, id)` order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub decided_at: NaiveDateTime,
    pub id: String,
}

/// A boxed query of decisions narrowed to a scope's boards and period.
macro_rules! within {
    ($query:expr, $scope:expr) => {{
        let mut query = $query;
        let scope: &Scope = $scope;
        if let Some(ids) = &scope.boards {
            query = query.filter(decisions::board_id.eq_any(ids.clone()));
        }
        if let Some(from) = scope.from {
            query = query.filter(decisions::decided_at.ge(from));
        }
        if let Some(to) = scope.to {
            query = query.filter(decisions::decided_at.lt(to));
        }
        query
    }};
}

/// The next page of decisions after `after`, at most `limit`.
pub fn page(
    conn: &mut DbConn,
    scope: &Scope,
    after: Option<&Cursor>,
    limit: i64,
) -> AppResult<Vec<ExportRow>> {
    let mut query = decisions::table
        .inner_join(dossiers::table.on(dossiers::id.eq(decisions::dossier_id)))
        .inner_join(boards::table.on(boards::id.eq(decisions::board_id)))
        .inner_join(users::table.on(users::id.eq(dossiers::referrer_id)))
        .left_join(follow_ups::table.on(follow_ups::decision_id.eq(decisions::id)))
        .select((
            DecisionRow::as_select(),
            dossiers::reference,
            boards::name,
            dossiers::question,
            dossiers::patient_pseudonym,
            dossiers::submitted_at,
            users::name,
            users::email,
            users::organization,
            dossiers::fields,
            follow_ups::applied.nullable(),
            follow_ups::answered_at.nullable(),
        ))
        .into_boxed();
    query = within!(query, scope);
    if let Some(c) = after {
        // A row-value comparison, which both databases answer with a range scan of the
        // (decided_at, id) index; the equivalent OR form made PostgreSQL sort the whole table
        // for every page when its statistics were not yet gathered.
        query = query.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("(decisions.decided_at, decisions.id) > (")
                .bind::<diesel::sql_types::Timestamp, _>(c.decided_at)
                .sql(", ")
                .bind::<diesel::sql_types::Text, _>(c.id.clone())
                .sql(")"),
        );
    }
    type Row = (
        DecisionRow,
        String,
        String,
        String,
        String,
        Option<NaiveDateTime>,
        String,
        String,
        Option<String>,
        String,
        Option<String>,
        Option<NaiveDateTime>,
    );
    let rows: Vec<Row> = query
        .order((decisions::decided_at.asc(), decisions::id.asc()))
        .limit(limit)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(
                decision,
                reference,
                board_name,
                question,
                pseudonym,
                submitted_at,
                rn,
                re,
                ro,
                f,
                fa,
                ft,
            )| {
                ExportRow {
                    decision,
                    reference,
                    board_name,
                    question,
                    pseudonym,
                    submitted_at,
                    referrer_name: rn,
                    referrer_email: re,
                    referrer_organization: ro,
                    fields: f,
                    follow_up: fa.zip(ft),
                }
            },
        )
        .collect())
}

/// How many decisions the scope holds (for progress bars).
pub fn count(conn: &mut DbConn, scope: &Scope) -> AppResult<i64> {
    let mut query = decisions::table.into_boxed();
    query = within!(query, scope);
    Ok(query.count().get_result(conn)?)
}

/// The facts of a year's activity: dossiers first submitted and decisions taken in
/// `[from, to)`.
pub fn activity_facts(
    conn: &mut DbConn,
    boards: Option<&[String]>,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> AppResult<(Vec<Received>, Vec<Decided>)> {
    let mut received_q = dossiers::table
        .inner_join(users::table.on(users::id.eq(dossiers::referrer_id)))
        .filter(dossiers::submitted_at.ge(from))
        .filter(dossiers::submitted_at.lt(to))
        .select((
            dossiers::submitted_at,
            users::organization,
            dossiers::fields,
        ))
        .into_boxed();
    let mut decided_q = decisions::table
        .inner_join(dossiers::table.on(dossiers::id.eq(decisions::dossier_id)))
        .filter(decisions::decided_at.ge(from))
        .filter(decisions::decided_at.lt(to))
        .select((
            decisions::decided_at,
            decisions::status,
            dossiers::submitted_at,
        ))
        .into_boxed();
    if let Some(ids) = boards {
        received_q = received_q.filter(dossiers::board_id.eq_any(ids.to_vec()));
        decided_q = decided_q.filter(decisions::board_id.eq_any(ids.to_vec()));
    }
    let received = received_q
        .load::<(Option<NaiveDateTime>, Option<String>, String)>(conn)?
        .into_iter()
        .filter_map(|(s, organization, fields)| {
            s.map(|submitted_at| Received {
                submitted_at,
                organization,
                fields: serde_json::from_str(&fields).unwrap_or_default(),
            })
        })
        .collect();
    let decided = decided_q
        .load::<(NaiveDateTime, String, Option<NaiveDateTime>)>(conn)?
        .into_iter()
        .map(|(decided_at, status, submitted_at)| Decided {
            decided_at,
            status,
            submitted_at,
        })
        .collect();
    Ok((received, decided))
}

//! The FHIR R4 export: a `Bundle` of type `collection` holding, per decision, a
//! `ServiceRequest` (the referral) and a `CarePlan` (the recommendation) based on it. The
//! patient, requester and author are logical references (identifier and display), so the only
//! literal references, `CarePlan.basedOn` and `ServiceRequest.supportingInfo` (one
//! `Observation` per template field of the dossier, API.md section 13), resolve inside the
//! bundle.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::api::Decision;
use crate::db::exports::ExportRow;
use crate::domain::audit::format_time;
use crate::error::{AppError, AppResult};

const SYSTEM: &str = "urn:consilium";

pub fn bundle_start(generated_at: &str) -> Vec<u8> {
    let head = json!({
        "resourceType": "Bundle",
        "id": Uuid::new_v4().to_string(),
        "type": "collection",
        "timestamp": generated_at,
    })
    .to_string();
    // Re-open the object to append the entries as they are written.
    let mut out = head.into_bytes();
    out.pop();
    out.extend_from_slice(b",\"entry\":[");
    out
}

/// The id of the ServiceRequest of a decision: derived from the decision id, so that the same
/// export gives the same ids every time.
fn service_request_id(decision_id: &str) -> String {
    let namespace = Uuid::parse_str(decision_id).unwrap_or(Uuid::NAMESPACE_OID);
    Uuid::new_v5(&namespace, b"ServiceRequest").to_string()
}

fn nonempty(s: &str) -> Option<&str> {
    let t = s.trim();
    (!t.is_empty()).then_some(t)
}

/// An `Observation` of one template field of the dossier, and its id.
fn observation(
    decision_id: &str,
    key: &str,
    value: &Value,
    subject: &Value,
) -> Option<(String, Value)> {
    let namespace = Uuid::parse_str(decision_id).unwrap_or(Uuid::NAMESPACE_OID);
    let id = Uuid::new_v5(&namespace, format!("Observation:{key}").as_bytes()).to_string();
    let mut obs = json!({
        "resourceType": "Observation",
        "id": id,
        "status": "final",
        "code": {"coding": [{"system": format!("{SYSTEM}:dossier-field"), "code": key}], "text": key},
        "subject": subject.clone(),
    });
    match value {
        Value::Bool(b) => obs["valueBoolean"] = json!(b),
        Value::Number(n) => obs["valueQuantity"] = json!({"value": n}),
        Value::String(s) if !s.trim().is_empty() => obs["valueString"] = json!(s),
        Value::Array(items) if !items.is_empty() => {
            let words: Vec<String> = items
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect();
            obs["valueCodeableConcept"] = json!({"text": words.join(", ")});
        }
        _ => return None,
    }
    Some((id, obs))
}

/// The entries of one decision: the ServiceRequest, the CarePlan, and the Observations of its
/// dossier's template fields.
pub fn entries(row: &ExportRow) -> AppResult<Vec<Value>> {
    let d: Decision = serde_json::from_str(&row.decision.body).map_err(AppError::internal)?;
    let sr_id = service_request_id(&d.id);
    let subject = json!({
        "identifier": {"system": format!("{SYSTEM}:patient-pseudonym"), "value": row.pseudonym},
        "display": row.pseudonym,
    });
    let mut requester = json!({
        "identifier": {"system": format!("{SYSTEM}:user-email"), "value": row.referrer_email},
        "display": row.referrer_name,
    });
    if let Some(org) = row.referrer_organization.as_deref().and_then(nonempty) {
        requester["display"] = json!(format!("{} ({org})", row.referrer_name));
    }
    let decided = d.status == "decided";
    let mut service_request = json!({
        "resourceType": "ServiceRequest",
        "id": sr_id,
        "identifier": [{"system": format!("{SYSTEM}:dossier-reference"), "value": row.reference}],
        "status": if decided { "completed" } else { "active" },
        "intent": "order",
        "code": {"text": "Multidisciplinary case review (RCP)"},
        "subject": subject,
        "requester": requester,
        "performer": [{"display": row.board_name}],
    });
    if let Some(q) = nonempty(&row.question) {
        service_request["reasonCode"] = json!([{"text": q}]);
    }
    if let Some(s) = row.submitted_at {
        service_request["authoredOn"] = json!(format_time(s));
    }
    let fields: serde_json::Map<String, Value> =
        serde_json::from_str(&row.fields).unwrap_or_default();
    let observations: Vec<(String, Value)> = fields
        .iter()
        .filter_map(|(k, v)| observation(&d.id, k, v, &subject))
        .collect();
    if !observations.is_empty() {
        service_request["supportingInfo"] = json!(
            observations
                .iter()
                .map(|(id, _)| json!({"reference": format!("urn:uuid:{id}")}))
                .collect::<Vec<_>>()
        );
    }
    let outcome = match &d.outcome {
        Some(o) => format!("{}: {o}", row.reference),
        None => format!("{}: {}", row.reference, d.status.replace('_', " ")),
    };
    let care_plan = json!({
        "resourceType": "CarePlan",
        "id": d.id,
        "identifier": [
            {"system": format!("{SYSTEM}:decision"), "value": d.id},
            {"system": format!("{SYSTEM}:decision-hash"), "value": d.hash},
        ],
        "status": if decided { "active" } else { "draft" },
        "intent": "plan",
        "title": outcome,
        "description": d.summary,
        "subject": service_request["subject"].clone(),
        "basedOn": [{"reference": format!("urn:uuid:{sr_id}")}],
        "created": d.decided_at,
        "author": {"display": d.decided_by.name},
    });
    let mut out = vec![
        json!({"fullUrl": format!("urn:uuid:{sr_id}"), "resource": service_request}),
        json!({"fullUrl": format!("urn:uuid:{}", d.id), "resource": care_plan}),
    ];
    out.extend(
        observations
            .into_iter()
            .map(|(id, obs)| json!({"fullUrl": format!("urn:uuid:{id}"), "resource": obs})),
    );
    Ok(out)
}

pub fn write_entries(out: &mut Vec<u8>, row: &ExportRow) -> AppResult<()> {
    for (i, entry) in entries(row)?.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut *out, entry).map_err(AppError::internal)?;
    }
    Ok(())
}

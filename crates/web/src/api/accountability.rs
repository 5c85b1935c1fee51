//! The JSON API for accountability: scans (one or a batch), the keys devices verify passes
//! with, passes (issue, revoke) and head-counts.

use super::{ApiError, ApiResult};
use crate::auth::{Caller, CurrentUser};
use crate::services::accountability as svc;
use crate::{AppState, WebError};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value, json};

/// `POST /api/v1/scans`: one scan object, or `{"scans": [...], "sent_at": ..., "device": ...}`.
/// Answered after the scans are committed. A batch answers 200 with each item's fate (a
/// malformed item is `rejected` and named, the others count); a single malformed scan is 400.
pub async fn scans(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Json(body): Json<Value>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let single = body.get("scans").is_none();
    let answers = svc::submit_scans(&state, &user, &caller.source, &body).await?;
    let count = |s: &str| answers.iter().filter(|a| a.status == s).count();
    if single
        && let Some(a) = answers.first()
        && a.status == "rejected"
    {
        return Err(WebError::BadRequest(a.words.clone()).into());
    }
    Ok((
        StatusCode::OK,
        Json(json!({
            "received": answers.len(),
            "recorded": count("recorded"),
            "replayed": count("replayed"),
            "rejected": count("rejected"),
            "results": answers,
        })),
    ))
}

/// What a scanning device needs to verify passes offline.
pub async fn keys(State(state): State<AppState>) -> ApiResult {
    Ok(Json(svc::device_kit(&state).await?))
}

#[derive(Deserialize)]
pub struct PassOrderBody {
    person: String,
    departure: String,
}

#[derive(Deserialize)]
pub struct IssueBody {
    #[serde(default)]
    orders: Vec<PassOrderBody>,
    person: Option<String>,
    departure: Option<String>,
    valid_from: Option<String>,
    valid_until: Option<String>,
}

/// Issues passes: `{"person": ..., "departure": ...}` or `{"orders": [...]}`, with an optional
/// validity window (RFC 3339; default from now for 72 hours).
pub async fn issue(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Json(b): Json<IssueBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut orders: Vec<svc::PassOrder> = b
        .orders
        .into_iter()
        .map(|o| svc::PassOrder {
            person: o.person,
            departure: o.departure,
        })
        .collect();
    match (b.person, b.departure) {
        (Some(person), Some(departure)) => orders.push(svc::PassOrder { person, departure }),
        (None, None) => {}
        _ => {
            return Err(WebError::BadRequest("person and departure go together".into()).into());
        }
    }
    if orders.is_empty() {
        return Err(
            WebError::BadRequest("no pass to issue: give person and departure".into()).into(),
        );
    }
    let (from, until) = svc::window(&state, b.valid_from.as_deref(), b.valid_until.as_deref())?;
    let issued =
        svc::issue_passes(&state, &user.actor(), &caller.source, &orders, from, until).await?;
    Ok((StatusCode::CREATED, Json(json!({ "passes": issued }))))
}

/// `POST /api/v1/passes/departures/{id}`: one pass per household on the departure's manifest,
/// skipping those that already hold a live pass for it.
pub async fn issue_for_departure(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let r = svc::issue_manifest_passes(&state, &user.actor(), &caller.source, &id).await?;
    Ok((
        StatusCode::OK,
        Json(json!({
            "departure": r.departure,
            "households": r.households,
            "issued": r.passes.len(),
            "skipped": r.households - r.passes.len(),
            "passes": r.passes,
        })),
    ))
}

#[derive(Deserialize)]
pub struct RevokeBody {
    reason: String,
}

pub async fn revoke(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<RevokeBody>,
) -> ApiResult {
    svc::revoke_pass(&state, &user.actor(), &caller.source, &id, &b.reason).await?;
    Ok(Json(json!({ "revoked": id })))
}

/// Head-counts: by checkpoint, by category against the last checkpoint, per departure.
pub async fn headcounts(State(state): State<AppState>) -> ApiResult {
    let h = svc::headcounts(&state).await?;
    Ok(Json(
        serde_json::to_value(h).map_err(|e| WebError::Internal(e.to_string()))?,
    ))
}

/// `GET /api/v1/checkpoints`: every checkpoint in order, retired ones in their place.
pub async fn checkpoints(State(state): State<AppState>) -> ApiResult {
    let list = svc::checkpoint_list(&state.store).await?;
    Ok(Json(json!({ "checkpoints": list })))
}

#[derive(Deserialize)]
pub struct AddCheckpointBody {
    code: String,
    name: String,
    #[serde(default)]
    required: bool,
    after: Option<String>,
}

/// `POST /api/v1/checkpoints`: a new checkpoint after `after` (a code) or at the end.
pub async fn add_checkpoint(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Json(b): Json<AddCheckpointBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let change = svc::CheckpointChange::Add {
        code: b.code,
        name: b.name,
        required: b.required,
        after: b.after,
    };
    let list = svc::change_checkpoints_now(&state, &user, &caller.source, &change).await?;
    Ok((StatusCode::CREATED, Json(json!({ "checkpoints": list }))))
}

#[derive(Deserialize)]
pub struct EditCheckpointBody {
    name: Option<String>,
    required: Option<bool>,
    /// 1-based, among every checkpoint.
    position: Option<usize>,
}

/// `POST /api/v1/checkpoints/{code}`: rename, required or not, move to a position.
pub async fn edit_checkpoint(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path(code): Path<String>,
    Json(b): Json<EditCheckpointBody>,
) -> ApiResult {
    if b.name.is_none() && b.required.is_none() && b.position.is_none() {
        return Err(WebError::BadRequest(
            "nothing to change: give name, required or position".into(),
        )
        .into());
    }
    if let Some(n) = &b.name
        && n.trim().is_empty()
    {
        return Err(WebError::BadRequest("name: a checkpoint needs a name".into()).into());
    }
    // Checked whole before anything is written: a bad position changes nothing.
    let list = svc::checkpoint_list(&state.store).await?;
    if let Some(p) = b.position
        && (p == 0 || p > list.len())
    {
        return Err(WebError::BadRequest(format!("position: 1 to {}, not {p}", list.len())).into());
    }
    let mut list = list;
    if b.name.is_some() || b.required.is_some() {
        let change = svc::CheckpointChange::Edit {
            code: code.clone(),
            name: b.name,
            required: b.required,
        };
        list = svc::change_checkpoints_now(&state, &user, &caller.source, &change).await?;
    }
    if let Some(position) = b.position {
        let change = svc::CheckpointChange::Move { code, position };
        list = svc::change_checkpoints_now(&state, &user, &caller.source, &change).await?;
    }
    Ok(Json(json!({ "checkpoints": list })))
}

/// `POST /api/v1/checkpoints/{code}/retire`: out of the flow (it keeps its place).
pub async fn retire_checkpoint(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path(code): Path<String>,
) -> ApiResult {
    let change = svc::CheckpointChange::Retire { code };
    let list = svc::change_checkpoints_now(&state, &user, &caller.source, &change).await?;
    Ok(Json(json!({ "checkpoints": list })))
}

/// `POST /api/v1/checkpoints/{code}/restore`: back in the flow.
pub async fn restore_checkpoint(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path(code): Path<String>,
) -> ApiResult {
    let change = svc::CheckpointChange::Restore { code };
    let list = svc::change_checkpoints_now(&state, &user, &caller.source, &change).await?;
    Ok(Json(json!({ "checkpoints": list })))
}

/// Request and answer shapes for the OpenAPI document: `(method, path, request body, 200 body)`.
pub fn openapi_shapes() -> Vec<(&'static str, &'static str, Value, Option<Value>)> {
    let scan = json!({
        "type": "object",
        "required": ["id", "checkpoint"],
        "properties": {
            "id": {"type": "string", "maxLength": 64, "description": "The device's own id for this scan: sent twice, counted once"},
            "token": {"type": "string", "description": "The pass's QR text (or give person)"},
            "person": {"type": "string", "description": "A registry person id, for a walk-up (or give token)"},
            "checkpoint": {"type": "string", "description": "A checkpoint code in use (GET /api/v1/checkpoints)"},
            "scanned_at": {"type": "string", "format": "date-time", "description": "On the device's clock; default: when sent"},
            "departure": {"type": "string", "description": "The departure this checkpoint works (boarding)"},
            "device": {"type": "string"}
        }
    });
    let result = json!({
        "type": "object",
        "properties": {
            "index": {"type": "integer"},
            "id": {"type": ["string", "null"]},
            "status": {"enum": ["recorded", "replayed", "rejected"]},
            "verdict": {"enum": ["green", "amber", "red", null]},
            "reason": {"type": ["string", "null"]},
            "words": {"type": "string", "description": "What the agent reads; for a rejected item, the field at fault"},
            "skew_seconds": {"type": ["integer", "null"]},
            "skew_flagged": {"type": "boolean"},
            "heads": {"type": ["integer", "null"]},
            "lap_infants": {"type": ["integer", "null"]},
            "initials": {"type": ["string", "null"]},
            "birth_year": {"type": ["integer", "null"]},
            "departure": {"type": ["string", "null"]}
        }
    });
    let checkpoint = json!({
        "type": "object",
        "properties": {
            "position": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
            "required": {"type": "boolean"}, "retired": {"type": "boolean"},
            "retired_at": {"type": ["string", "null"]}
        }
    });
    let checkpoints = json!({"type": "object", "properties": {"checkpoints": {"type": "array", "items": checkpoint}}});
    vec![
        (
            "post",
            "/api/v1/scans",
            json!({"oneOf": [
                scan.clone(),
                {"type": "object", "required": ["scans"], "properties": {
                    "scans": {"type": "array", "maxItems": svc::MAX_SCANS_PER_REQUEST, "items": scan},
                    "sent_at": {"type": "string", "format": "date-time", "description": "The device's clock when sending: beyond 5 minutes off, its scans are flagged and their times corrected"},
                    "device": {"type": "string"}
                }}
            ]}),
            Some(json!({"type": "object", "properties": {
                "received": {"type": "integer"}, "recorded": {"type": "integer"},
                "replayed": {"type": "integer"}, "rejected": {"type": "integer"},
                "results": {"type": "array", "items": result}
            }})),
        ),
        (
            "post",
            "/api/v1/checkpoints",
            json!({"type": "object", "required": ["code", "name"], "properties": {
                "code": {"type": "string", "pattern": "^[a-z0-9_-]{1,32}$"},
                "name": {"type": "string", "maxLength": 60},
                "required": {"type": "boolean"},
                "after": {"type": "string", "description": "The code it comes after; default: at the end"}
            }}),
            Some(checkpoints.clone()),
        ),
        (
            "post",
            "/api/v1/checkpoints/{code}",
            json!({"type": "object", "properties": {
                "name": {"type": "string", "maxLength": 60},
                "required": {"type": "boolean"},
                "position": {"type": "integer", "minimum": 1}
            }}),
            Some(checkpoints.clone()),
        ),
        ("get", "/api/v1/checkpoints", Value::Null, Some(checkpoints)),
        (
            "post",
            "/api/v1/passes",
            json!({"type": "object", "properties": {
                "person": {"type": "string"}, "departure": {"type": "string"},
                "orders": {"type": "array", "items": {"type": "object", "properties": {"person": {"type": "string"}, "departure": {"type": "string"}}}},
                "valid_from": {"type": "string", "format": "date-time"},
                "valid_until": {"type": "string", "format": "date-time"}
            }}),
            None,
        ),
        (
            "post",
            "/api/v1/passes/{id}/revoke",
            json!({"type": "object", "required": ["reason"], "properties": {"reason": {"type": "string", "maxLength": 200}}}),
            None,
        ),
    ]
}

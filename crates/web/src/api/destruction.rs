//! The JSON API for destruction: the same operations as the pages (services::destruction).

use super::{ApiError, ApiResult};
use crate::auth::{Caller, CurrentUser};
use crate::services::destruction::{self as svc, HoldingInput, RecordInput};
use crate::{AppState, WebError};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value, json};

async fn audit_read(
    state: &AppState,
    user: &CurrentUser,
    caller: &Caller,
    action: &str,
    detail: String,
) -> Result<(), WebError> {
    svc::audit_read(
        &state.store,
        &user.actor(),
        &caller.source,
        action,
        "destruction",
        detail,
        state.now(),
    )
    .await
}

pub async fn holdings(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
) -> ApiResult {
    let cat = svc::catalogue(&state.store).await?;
    let rows = state.store.holdings().await?;
    audit_read(
        &state,
        &user,
        &caller,
        "destruction.holdings_read",
        format!("rows={}", rows.len()),
    )
    .await?;
    Ok(Json(json!({
        "holdings": rows.iter().map(|h| json!({
            "id": h.id, "kind": h.kind, "kind_label": cat.label(&h.kind), "description": h.description,
            "quantity": h.quantity, "initial_quantity": h.initial_quantity, "unit": cat.unit(&h.kind),
            "sealed_in_bags": h.sealed, "classification": h.classification, "location": h.location,
            "custodian": h.custodian, "priority": h.priority, "updated_at": h.updated_at,
        })).collect::<Vec<_>>(),
    })))
}

pub async fn add_holding(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Json(input): Json<HoldingInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let id = svc::add_holding(
        &state.store,
        &user.actor(),
        &caller.source,
        &input,
        state.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

pub async fn plan(State(state): State<AppState>) -> ApiResult {
    let o = svc::overview(&state.store, state.now()).await?;
    Ok(Json(json!({
        "emergency": o.settings.emergency,
        "emergency_priority": o.settings.emergency_priority,
        "deadline_hours": o.settings.deadline_hours,
        "days_to_target": o.plan.days_to_target,
        "days_to_zero": o.plan.days_to_zero,
        "meets_deadline": o.plan.meets_deadline,
        "bottleneck": o.plan.bottleneck.iter().map(|d| json!({"id": d, "name": o.device_name(d)})).collect::<Vec<_>>(),
        "critical_kinds": o.plan.critical_kinds,
        "stuck": o.plan.stuck,
        "remaining": o.remaining,
        "days": o.plan.days,
        "what_ifs": o.what_ifs,
    })))
}

fn record_json(r: &drawdown_storage::destruction::RecordRow) -> Value {
    json!({
        "id": r.id, "certificate": svc::certificate_number(r.number), "holding_id": r.holding_id,
        "kind": r.kind, "quantity": r.quantity, "method": r.method, "device_id": r.device_id,
        "burn_bag_id": r.burn_bag_id, "operator": r.operator, "destroyed_at": r.destroyed_at,
        "status": r.status, "witness": r.witness, "witnessed_at": r.witnessed_at, "note": r.note,
    })
}

pub async fn records(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
) -> ApiResult {
    let rows = state.store.destruction_records().await?;
    audit_read(
        &state,
        &user,
        &caller,
        "destruction.read",
        format!("records={}", rows.len()),
    )
    .await?;
    Ok(Json(
        json!({ "records": rows.iter().map(record_json).collect::<Vec<_>>() }),
    ))
}

pub async fn record(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Json(input): Json<RecordInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (id, number) = svc::record_destruction(
        &state.store,
        &user.actor(),
        &caller.source,
        &input,
        state.now(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(
            json!({ "id": id, "certificate": svc::certificate_number(number), "status": "pending_witness" }),
        ),
    ))
}

pub async fn witness(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    let org = svc::org_name(&state.store).await?;
    let sha = svc::witness(
        &state.store,
        &org,
        &user.actor(),
        &caller.source,
        &id,
        state.now(),
    )
    .await?;
    let r = state
        .store
        .destruction_record(&id)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(Json(
        json!({ "record": record_json(&r), "certificate_sha256": sha }),
    ))
}

#[derive(Deserialize)]
pub struct DeviceBody {
    status: String,
    #[serde(default, deserialize_with = "svc::number_or_text")]
    hours_per_day: String,
}

pub async fn update_device(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<DeviceBody>,
) -> ApiResult {
    svc::update_device(
        &state.store,
        &user.actor(),
        &caller.source,
        &id,
        &b.status,
        Some(b.hours_per_day.as_str()),
        state.now(),
    )
    .await?;
    let d = state
        .store
        .destruction_device(&id)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(Json(
        json!({ "id": d.id, "name": d.name, "status": d.status, "hours_per_day": d.hours_per_day }),
    ))
}

pub async fn devices(State(state): State<AppState>) -> ApiResult {
    let devices = state.store.destruction_devices().await?;
    Ok(Json(json!({
        "devices": devices.iter().map(|d| json!({
            "id": d.id, "name": d.name, "method": d.method, "kg_per_hour": d.kg_per_hour,
            "hours_per_day": d.hours_per_day, "status": d.status, "location": d.location,
        })).collect::<Vec<_>>(),
    })))
}

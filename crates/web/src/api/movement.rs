//! The JSON API for movement: departures, plans, manifests.

use super::{ApiError, ApiResult};
use crate::auth::{Caller, CurrentUser};
use crate::services::movement as mv;
use crate::{AppState, WebError};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use drawdown_storage::movement::{DepartureRecord, Load};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn departure_json(d: &DepartureRecord, l: Load) -> Value {
    json!({
        "id": d.id, "kind": d.kind, "carrier": d.carrier, "origin": d.origin,
        "destination": d.destination, "departs_at": d.departs_at, "seats": d.seats,
        "weight_limit_kg": d.weight_limit_kg, "gate": d.gate, "status": d.status,
        "manifest": d.manifest,
        "manifested": {"households": l.units, "seats": l.seats, "people": l.people, "lap_infants": l.lap_infants},
    })
}

pub async fn departures(State(state): State<AppState>) -> ApiResult {
    let deps = state.store.departures().await?;
    let loads = state.store.manifest_loads().await?;
    Ok(Json(json!({
        "departures": deps.iter().map(|d| departure_json(d, loads.get(&d.id).copied().unwrap_or_default())).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
pub struct NewDepartures {
    departures: Vec<Value>,
}

/// Numbers may come as JSON numbers or text; every field is checked like a CSV row.
fn input_of(v: &Value) -> mv::DepartureInput {
    let get = |k: &str| match v.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    mv::DepartureInput {
        id: if get("id").is_empty() {
            get("departure_id")
        } else {
            get("id")
        },
        kind: get("kind"),
        carrier: get("carrier"),
        origin: get("origin"),
        destination: get("destination"),
        departs_at: get("departs_at"),
        seats: get("seats"),
        weight_limit_kg: get("weight_limit_kg"),
        gate: get("gate"),
        status: get("status"),
    }
}

pub async fn add_departures(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Json(b): Json<NewDepartures>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut deps = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, v) in b.departures.iter().enumerate() {
        match input_of(v).check(state.now()) {
            Ok(d) if !seen.insert(d.id.clone()) => {
                errors.push(format!(
                    "departures[{i}]: departure_id '{}' appears twice",
                    d.id
                ));
            }
            Ok(d) => deps.push(d),
            Err(e) => errors.push(format!("departures[{i}]: {e}")),
        }
    }
    if deps.is_empty() && errors.is_empty() {
        errors.push("give at least one departure".into());
    }
    if !errors.is_empty() {
        return Err(WebError::BadRequest(errors.join("; ")).into());
    }
    mv::add_departures(
        &state.store,
        &deps,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"added": deps.iter().map(|d| d.id.as_str()).collect::<Vec<_>>()})),
    ))
}

#[derive(Deserialize)]
pub struct StateBody {
    status: Option<String>,
    manifest: Option<String>,
}

pub async fn set_state(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<StateBody>,
) -> ApiResult {
    let d = mv::set_state(
        &state.store,
        &id,
        b.status.as_deref(),
        b.manifest.as_deref(),
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await?;
    let load = state
        .store
        .manifest_loads()
        .await?
        .get(&id)
        .copied()
        .unwrap_or_default();
    Ok(Json(departure_json(&d, load)))
}

#[derive(Deserialize, Default)]
pub struct PlanBody {
    gate_per_hour: Option<u32>,
    holding: Option<u32>,
    flight_cost: Option<f64>,
    /// Seconds the planner may spend improving (default 3, at most 30).
    time_limit_s: Option<f64>,
}

pub fn run_json(r: &drawdown_storage::movement::PlanRunRecord) -> Value {
    let summary = mv::RunSummary::parse(&r.summary);
    json!({
        "id": r.id, "created_at": r.created_at, "created_by": r.created_by,
        "departures": r.departures, "households": r.units, "people": r.people,
        "moved_households": r.moved_units, "moved_people": r.moved_people,
        "objective": r.objective, "bound": r.bound,
        "gap": drawdown_planner::gap(r.objective, r.bound),
        "elapsed_ms": r.elapsed_ms, "changed": r.changed, "kept": summary.kept,
        "moved_people_by_tier": summary.moved_by_tier, "left_people_by_tier": summary.left_by_tier,
        "left_households": summary.left_units,
        "left_by_reason": summary.left_by_reason.iter().map(|(r, n)| json!({"reason": r, "households": n})).collect::<Vec<_>>(),
        "gate_per_hour": summary.gate_per_hour, "holding": summary.holding, "flight_cost": summary.flight_cost,
    })
}

pub async fn plan(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    body: Option<Json<PlanBody>>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let b = body.map(|Json(b)| b).unwrap_or_default();
    let mut req = mv::PlanRequest::default();
    if let Some(g) = b.gate_per_hour {
        req.gate_per_hour = g;
    }
    if let Some(h) = b.holding {
        req.holding = h;
    }
    if let Some(c) = b.flight_cost {
        req.flight_cost = c;
    }
    if let Some(t) = b.time_limit_s {
        if !(t.is_finite() && t > 0.0 && t <= 30.0) {
            return Err(
                WebError::BadRequest("time_limit_s: more than 0, at most 30".into()).into(),
            );
        }
        req.time_limit = std::time::Duration::from_secs_f64(t);
    }
    let vault = state.vault()?;
    let id = mv::plan_registry(
        &state.store,
        &vault,
        &req,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await?;
    let run = state.store.plan_run(&id).await?.ok_or(WebError::NotFound)?;
    Ok((StatusCode::CREATED, Json(run_json(&run))))
}

pub async fn plan_run(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    let run = state.store.plan_run(&id).await?.ok_or(WebError::NotFound)?;
    let outcomes = state.store.plan_outcomes(&id).await?;
    let ev = drawdown_domain::audit::AuditEvent::new(
        user.actor(),
        "movement.plan_read",
        format!("plan:{id}"),
        format!("rows={}", outcomes.len()),
        &caller.source,
    );
    state.store.audit(&ev, state.now()).await?;
    let mut v = run_json(&run);
    v["outcomes"] = outcomes
        .iter()
        .map(|o| json!({"household": o.unit_id, "outcome": o.outcome, "departure": o.departure_id, "previous_departure": o.previous_departure_id, "reason": o.reason, "people": o.people, "priority": o.priority}))
        .collect();
    Ok(Json(v))
}

/// A manifest with its passengers' advance passenger information (audited as an export).
pub async fn manifest(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    let vault = state.vault()?;
    let m = mv::manifest_export(&state.store, &vault, &id).await?;
    mv::audit_export(
        &state.store,
        &m,
        "json",
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await?;
    let entries = state.store.manifest(&id).await?;
    let load = drawdown_storage::movement::Load {
        units: entries.len() as i64,
        seats: m.seats,
        people: m.people,
        lap_infants: m.lap_infants,
    };
    let mut v = departure_json(&m.departure, load);
    v["households"] = entries
        .iter()
        .map(|e| json!({"household": e.unit_id, "head_person_id": e.head_person_id, "seats": e.seats, "people": e.people, "lap_infants": e.lap_infants, "priority": e.priority, "pinned": e.pinned, "placed_by": e.placed_by, "warning": e.warning}))
        .collect();
    v["passengers"] = m
        .rows
        .iter()
        .map(|r| {
            let mut o = serde_json::Map::new();
            for (k, val) in mv::API_COLUMNS.iter().zip(r.iter()) {
                o.insert((*k).to_string(), Value::String(val.clone()));
            }
            Value::Object(o)
        })
        .collect();
    Ok(Json(v))
}

#[derive(Deserialize)]
pub struct MoveBody {
    departure: String,
}

pub async fn move_household(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path(unit): Path<String>,
    Json(b): Json<MoveBody>,
) -> ApiResult {
    let vault = state.vault()?;
    let warning = mv::move_by_hand(
        &state.store,
        &vault,
        &unit,
        &b.departure,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await?;
    Ok(Json(
        json!({"household": unit, "departure": b.departure.trim(), "pinned": true, "warning": warning}),
    ))
}

#[derive(Deserialize)]
pub struct PinBody {
    pinned: bool,
}

pub async fn pin_household(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path(unit): Path<String>,
    Json(b): Json<PinBody>,
) -> ApiResult {
    mv::pin(
        &state.store,
        &unit,
        b.pinned,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await?;
    Ok(Json(json!({"household": unit, "pinned": b.pinned})))
}

pub fn readiness_json(f: &drawdown_storage::movement::MovementFacts) -> Value {
    json!({"household": f.unit_id, "documents_ready": f.documents_ready, "ready_at": f.ready_at, "deadline": f.deadline})
}

/// A household's readiness (a person's id gives their household's).
pub async fn readiness(State(state): State<AppState>, Path(unit): Path<String>) -> ApiResult {
    let unit = match mv::unit_id_of(&state.store, &unit).await {
        Err(WebError::BadRequest(_)) => return Err(WebError::NotFound.into()),
        other => other?,
    };
    Ok(Json(readiness_json(
        &mv::readiness(&state.store, &unit).await?,
    )))
}

#[derive(Deserialize)]
pub struct ReadinessBody {
    documents_ready: Option<bool>,
    ready_at: Option<String>,
    deadline: Option<String>,
}

/// Sets a household's readiness: a field left out keeps what was recorded; an empty time
/// clears it.
pub async fn set_readiness(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path(unit): Path<String>,
    Json(b): Json<ReadinessBody>,
) -> ApiResult {
    let input = mv::ReadinessInput {
        documents_ready: b
            .documents_ready
            .map(|r| if r { "yes" } else { "no" }.to_string()),
        ready_at: b.ready_at,
        deadline: b.deadline,
    };
    let f = mv::set_readiness(
        &state.store,
        &unit,
        &input,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await?;
    Ok(Json(readiness_json(&f)))
}

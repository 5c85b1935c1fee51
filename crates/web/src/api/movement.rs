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

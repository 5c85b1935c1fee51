//! The JSON API for posture: the same operations as the pages and the command line.

use super::{ApiError, ApiResult};
use crate::auth::{Caller, CurrentUser};
use crate::services::posture::{self as svc, DecisionInput, LevelInput, TaskInput, TripwireInput};
use crate::{AppState, WebError};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use drawdown_domain::audit::AuditEvent;
use drawdown_posture::log::RawEvent;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize, Default)]
pub struct At {
    #[serde(default)]
    at: String,
}

fn moment(q: &At, now: time::OffsetDateTime) -> Result<time::OffsetDateTime, WebError> {
    if q.at.trim().is_empty() {
        return Ok(now);
    }
    drawdown_posture::log::parse_time(&q.at).ok_or_else(|| {
        WebError::BadRequest(format!(
            "at: '{}' is not a time (2021-08-14 18:00, UTC)",
            q.at
        ))
    })
}

/// The situation, posture, crossed tripwires and open decision items at `?at=` (default now).
fn state_at(p: &svc::Posture, at: time::OffsetDateTime) -> Value {
    let s = p.situation(at);
    let tripwires: Vec<Value> = p
        .evaluate(&s)
        .into_iter()
        .map(|t| {
            json!({
                "id": t.row.id, "name": t.row.name, "condition": t.row.condition,
                "recommends": t.level, "actions": t.row.actions,
                "crossed": t.facts.is_some(), "facts": t.facts.unwrap_or_default(),
            })
        })
        .collect();
    let items: Vec<Value> = p
        .open_items(at)
        .into_iter()
        .map(|i| {
            json!({
                "id": i.id, "tripwire": p.tripwire(&i.tripwire_id).map(|t| t.name.clone()),
                "recommends": p.level(&i.level_id).map(|l| l.name.clone()),
                "crossed_at": i.crossed_at, "opened_at": i.opened_at,
                "facts": serde_json::from_str::<Value>(&i.facts).unwrap_or_default(),
            })
        })
        .collect();
    let at_s = drawdown_storage::timestamp(at);
    json!({
        "at": at_s,
        "country": p.gazetteer.country,
        "posture": p.current_name(at),
        "declared": p.current(at).map(|(d, _)| json!({"id": d.id, "decided_at": d.decided_at, "decided_by": d.decided_by})),
        "measures": svc::measures_json(&s),
        "tripwires": tripwires,
        "open_items": items,
        "conflicts": s.conflicts().iter().map(|(subject, r)| json!({
            "subject": subject, "counts": r.report, "conflicting": r.conflicts,
        })).collect::<Vec<_>>(),
        "decisions": p.decisions.iter().filter(|d| d.decided_at <= at_s).map(|d| json!({
            "id": d.id, "kind": d.kind, "level": p.level(&d.level_id).map(|l| l.name.clone()),
            "decided_at": d.decided_at, "decided_by": d.decided_by, "attendees": d.attendees,
            "rationale": d.rationale,
            "snapshot": serde_json::from_str::<Value>(&d.snapshot).unwrap_or_default(),
        })).collect::<Vec<_>>(),
    })
}

pub async fn overview(State(state): State<AppState>, Query(q): Query<At>) -> ApiResult {
    let now = state.scenario_now().await?;
    let p = svc::load(&state.store, now).await?;
    let at = moment(&q, now)?;
    let mut v = state_at(&p, at);
    v["levels"] = json!(p.levels);
    v["tasks"] = json!(p.tasks);
    Ok(Json(v))
}

/// What was known and decided at `?at=`.
pub async fn timeline(State(state): State<AppState>, Query(q): Query<At>) -> ApiResult {
    let now = state.scenario_now().await?;
    let p = svc::load(&state.store, now).await?;
    let at = moment(&q, now)?;
    let mut v = state_at(&p, at);
    v["events"] = json!(
        p.events
            .iter()
            .filter(|e| e.event.at <= at)
            .map(|e| &e.event)
            .collect::<Vec<_>>()
    );
    Ok(Json(v))
}

pub async fn events(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
) -> ApiResult {
    let rows = state.store.posture_events().await?;
    let ev = AuditEvent::new(
        user.actor(),
        "posture.log_read",
        "posture_events",
        format!("rows={}", rows.len()),
        &caller.source,
    );
    state.store.audit(&ev, state.now()).await?;
    Ok(Json(json!({
        "events": rows.iter().map(|r| json!({
            "event": r.event, "recorded_by": r.recorded_by, "recorded_at": r.recorded_at,
        })).collect::<Vec<_>>(),
    })))
}

/// One event, or `{"events": [...]}`: all are recorded or none.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum EventsBody {
    Many { events: Vec<RawEvent> },
    One(RawEvent),
}

pub async fn add_events(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Json(b): Json<EventsBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let now = state.now();
    // The same instant as the re-evaluation's, on the post's clock.
    let today = svc::today(&state.store, now).await?;
    let (raws, first) = match b {
        EventsBody::Many { events } => (events, 1),
        EventsBody::One(mut r) => {
            if r.at.trim().is_empty() {
                r.at = drawdown_storage::timestamp(today);
            }
            (vec![r], 0)
        }
    };
    let ids = svc::record_events(
        &state.store,
        &raws,
        first,
        &user.actor(),
        &caller.source,
        now,
    )
    .await?;
    let p = svc::load(&state.store, now).await?;
    let open = state_at(&p, today)["open_items"].clone();
    Ok((
        StatusCode::CREATED,
        Json(json!({ "ids": ids, "open_items": open })),
    ))
}

pub async fn tripwires(State(state): State<AppState>) -> ApiResult {
    let now = state.scenario_now().await?;
    let p = svc::load(&state.store, now).await?;
    Ok(Json(
        json!({ "tripwires": state_at(&p, now)["tripwires"].clone() }),
    ))
}

pub async fn add_tripwire(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Json(b): Json<TripwireInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let id = svc::save_tripwire(
        &state.store,
        None,
        &b,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

pub async fn edit_tripwire(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<TripwireInput>,
) -> ApiResult {
    svc::save_tripwire(
        &state.store,
        Some(&id),
        &b,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await?;
    Ok(Json(json!({ "id": id })))
}

pub async fn declare(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Json(b): Json<DecisionInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let id = svc::decide(
        &state.store,
        false,
        &b,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

pub async fn decline(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Json(b): Json<DecisionInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let id = svc::decide(
        &state.store,
        true,
        &b,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

/// Ticks a task off: the committee, or a holder of the task's owner role (403 otherwise).
pub async fn tick_task(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    svc::tick_task(
        &state.store,
        &id,
        None,
        Some(user.roles),
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await?;
    Ok(Json(json!({ "id": id, "done": true })))
}

pub async fn retire_tripwire(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    let id = svc::retire_tripwire(
        &state.store,
        &id,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await?;
    Ok(Json(json!({ "id": id, "retired": true })))
}

pub async fn levels(State(state): State<AppState>) -> ApiResult {
    let p = svc::load(&state.store, state.now()).await?;
    Ok(Json(json!({ "levels": p.levels })))
}

pub async fn add_level(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Json(b): Json<LevelInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let id = svc::add_level(&state.store, &b, &user.actor(), &caller.source, state.now()).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

pub async fn edit_level(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<LevelInput>,
) -> ApiResult {
    svc::edit_level(
        &state.store,
        &id,
        &b,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await?;
    Ok(Json(json!({ "id": id })))
}

pub async fn add_task_template(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<TaskInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let task = svc::add_task_template(
        &state.store,
        &id,
        &b,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": task }))))
}

pub async fn edit_task_template(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path((id, task)): Path<(String, String)>,
    Json(b): Json<TaskInput>,
) -> ApiResult {
    svc::edit_task_template(
        &state.store,
        &id,
        &task,
        &b,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await?;
    Ok(Json(json!({ "id": task })))
}

pub async fn remove_task_template(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path((id, task)): Path<(String, String)>,
) -> ApiResult {
    svc::remove_task_template(
        &state.store,
        &id,
        &task,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await?;
    Ok(Json(json!({ "id": task, "removed": true })))
}

/// The checklist tasks the caller sees: all of them for those who read posture, otherwise
/// those of their roles; each says whether the caller may tick it.
pub async fn tasks(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
) -> ApiResult {
    let p = svc::load(&state.store, state.now()).await?;
    let all = user.can(drawdown_domain::Permission::ViewPosture);
    let tasks: Vec<Value> = p
        .tasks
        .iter()
        .filter(|t| all || svc::may_tick(user.roles, &t.owner_role))
        .map(|t| {
            let mut v = json!(t);
            v["can_tick"] = json!(svc::may_tick(user.roles, &t.owner_role));
            v
        })
        .collect();
    Ok(Json(json!({ "tasks": tasks })))
}

pub async fn gazetteer(State(state): State<AppState>) -> ApiResult {
    let g = svc::gazetteer(&state.store).await?;
    let (areas, approximate) = drawdown_posture::map::province_areas(&g);
    Ok(Json(json!({
        "country": g.country,
        "places": g.places,
        "provinces": areas.iter().map(|a| &a.province).collect::<Vec<_>>(),
        "approximate_areas": approximate,
    })))
}

#[derive(Deserialize)]
pub struct GazetteerBody {
    #[serde(default)]
    country: String,
    /// The CSV text: name,province,kind,latitude,longitude.
    #[serde(default)]
    csv: String,
}

pub async fn load_gazetteer(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Json(b): Json<GazetteerBody>,
) -> ApiResult {
    let n = svc::load_gazetteer(
        &state.store,
        &b.country,
        &b.csv,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await?;
    Ok(Json(json!({ "country": b.country.trim(), "places": n })))
}

//! The JSON API for outreach: segments' reach, alerts, and the SMS gateway's callback.

use super::{ApiError, ApiResult};
use crate::auth::{Caller, CurrentUser};
use crate::services::outreach::alerts::{self, Draft};
use crate::{AppState, WebError};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::{Extension, Json};
use drawdown_outreach::Segment;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

/// Alerts, newest first, with their delivery counts.
pub async fn alerts_list(State(state): State<AppState>) -> ApiResult {
    let list = state.store.alerts(500).await?;
    Ok(Json(json!({
        "alerts": list.iter().map(|a| json!({
            "id": a.id, "title": a.title, "state": a.state, "segment": a.segment_text,
            "channels": a.channels, "people": a.people, "messages": a.addresses,
            "created_by": a.created_by, "created_at": a.created_at, "approved_by": a.approved_by,
            "delivery": {"queued": a.queued, "sent": a.sent, "failed": a.failed, "bounced": a.bounced},
        })).collect::<Vec<_>>(),
    })))
}

/// A segment's filters, or the name of a saved one.
#[derive(Deserialize)]
pub struct SegmentBody {
    #[serde(flatten)]
    segment: Segment,
    saved_segment: Option<String>,
}

/// How many people and reachable addresses a segment holds.
pub async fn reach(State(state): State<AppState>, Json(body): Json<SegmentBody>) -> ApiResult {
    let draft = alerts::with_saved_segment(
        &state,
        &Draft {
            segment: body.segment,
            saved_segment: body.saved_segment,
            ..Default::default()
        },
    )
    .await?;
    let facts = alerts::facts(&state).await?;
    let r = draft.segment.reach(&facts);
    Ok(Json(json!({
        "segment": draft.segment.describe(),
        "people": r.people, "email": r.email, "phone": r.phone, "unreachable": r.unreachable,
    })))
}

/// Saved segments, by name.
pub async fn segments(State(state): State<AppState>) -> ApiResult {
    let list = alerts::saved_segments(&state).await?;
    Ok(Json(json!({
        "segments": list.iter().map(|s| json!({
            "name": s.name,
            "segment": serde_json::from_str::<Value>(&s.filters).unwrap_or(Value::Null),
            "description": s.description, "created_by": s.created_by,
            "updated_by": s.updated_by, "updated_at": s.updated_at,
        })).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
pub struct SaveSegment {
    name: String,
    #[serde(default)]
    segment: Segment,
}

/// Saves a segment under a name (201 new, 200 replaced), for later messages.
pub async fn save_segment(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Json(body): Json<SaveSegment>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let new = alerts::save_segment(
        &state,
        &body.name,
        &body.segment,
        &user.actor(),
        &caller.source,
    )
    .await?;
    Ok((
        if new {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(json!({"name": body.name.trim(), "segment": body.segment.describe()})),
    ))
}

pub async fn delete_segment(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
) -> ApiResult {
    alerts::delete_segment(&state, &name, &user.actor(), &caller.source).await?;
    Ok(Json(json!({"deleted": name})))
}

/// Sends an alert (or holds it for a second person's approval above the threshold).
pub async fn send(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Json(draft): Json<Draft>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let sent = alerts::send(&state, &draft, &user.actor(), &caller.source).await?;
    Ok((
        if sent.awaiting_approval {
            StatusCode::ACCEPTED
        } else {
            StatusCode::CREATED
        },
        Json(serde_json::to_value(&sent).map_err(|e| WebError::Internal(e.to_string()))?),
    ))
}

/// A second person approves a held alert. Only in a person's own session: a device token is
/// not a person, so it cannot be the second one.
pub async fn approve(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    if user.session.is_none() {
        return Err(WebError::BadRequest(
            "a second person approves in their own session (the alert's page, the API from a logged-in browser, or `drawdown alerts approve`), not with a device token".into(),
        )
        .into());
    }
    let n = alerts::approve(&state, &id, &user.actor(), &caller.source).await?;
    Ok(Json(
        json!({"alert_id": id, "approved_by": user.actor(), "messages": n}),
    ))
}

#[derive(Deserialize, Default)]
pub struct SecretQuery {
    secret: Option<String>,
}

/// The SMS gateway's callback for a reply: `from` and `text` as a form or JSON, with the
/// shared secret in `X-Drawdown-Secret` (or `?secret=` for gateways that cannot set headers).
pub async fn sms_inbound(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<SecretQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let Some(expected) = state.outreach.channels.inbound_secret.as_deref() else {
        return Err(WebError::NotFound.into());
    };
    let given = headers
        .get("x-drawdown-secret")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or(q.secret)
        .unwrap_or_default();
    if !crate::auth::same_token(&given, expected) {
        return Err(WebError::NotLoggedIn {
            api: true,
            invalid_session: false,
        }
        .into());
    }
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/json"));
    let fields: HashMap<String, String> = if json {
        let v: Value = serde_json::from_slice(&body)
            .map_err(|e| WebError::BadRequest(format!("the body is not JSON: {e}")))?;
        ["from", "text"]
            .iter()
            .filter_map(|k| {
                v.get(*k)
                    .and_then(Value::as_str)
                    .map(|s| (k.to_string(), s.to_string()))
            })
            .collect()
    } else {
        serde_urlencoded::from_bytes(&body)
            .map_err(|e| WebError::BadRequest(format!("the body is not a form: {e}")))?
    };
    let from = fields
        .get("from")
        .ok_or_else(|| WebError::BadRequest("`from` is missing".into()))?;
    let text = fields
        .get("text")
        .ok_or_else(|| WebError::BadRequest("`text` is missing".into()))?;
    let person = alerts::inbound(&state, from, text, &caller.source).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "attached": person.is_some() })),
    ))
}

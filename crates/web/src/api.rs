//! The JSON API: the same operations as the pages, for scripts and devices. Errors are
//! `{"error": "..."}` with the HTTP status that fits.

use crate::auth::{Caller, CurrentUser};
use crate::pages;
use crate::routes::{Need, ROUTES};
use crate::{AppState, WebError};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use drawdown_domain::people::{Category, PersonalDetails};
use drawdown_domain::{Permission, Role, RoleSet};
use serde::Deserialize;
use serde_json::{Value, json};

// Each area's JSON handlers live in a file of its own under api/.
pub mod accountability;
pub mod destruction;
pub mod movement;
pub mod outreach;
pub mod posture;

/// A [`WebError`] rendered as JSON.
pub struct ApiError(pub WebError);

impl From<WebError> for ApiError {
    fn from(e: WebError) -> Self {
        ApiError(e)
    }
}

impl From<drawdown_storage::StorageError> for ApiError {
    fn from(e: drawdown_storage::StorageError) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let WebError::Internal(detail) = &self.0 {
            tracing::error!(%detail, "api request failed");
        }
        use crate::error::WithRetryAfter;
        error_body(self.0.status(), &self.0.to_string())
            .with_retry_after(crate::error::retry_after(&self.0))
    }
}

pub fn error_body(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

pub type ApiResult = Result<Json<Value>, ApiError>;

pub async fn me(Extension(user): Extension<CurrentUser>) -> ApiResult {
    let perms: Vec<Permission> = Permission::ALL
        .into_iter()
        .filter(|p| user.can(*p))
        .collect();
    Ok(Json(json!({
        "id": user.id,
        "username": user.username,
        "roles": user.roles.iter().map(Role::slug).collect::<Vec<_>>(),
        "permissions": perms,
        "device_token": user.session.is_none(),
    })))
}

pub async fn footprint(State(state): State<AppState>) -> ApiResult {
    let (cats, total) = pages::category_counts(&state).await?;
    let deployment = state.store.deployment_state().await?;
    Ok(Json(json!({
        "people_total": total,
        "people_by_category": cats.iter().map(|c| json!({"category": c.label, "count": c.count})).collect::<Vec<_>>(),
        "sites": state.store.sites().await?.iter().map(|s| json!({"code": s.code, "name": s.name, "kind": s.kind, "country": s.country, "latitude": s.latitude, "longitude": s.longitude})).collect::<Vec<_>>(),
        "vault": state.vault_label(),
        "wiped_at": deployment.wiped_at,
    })))
}

fn user_json(u: &drawdown_storage::UserRecord) -> Value {
    json!({
        "id": u.id,
        "username": u.username,
        "roles": u.roles.iter().map(Role::slug).collect::<Vec<_>>(),
        "disabled": u.disabled,
        "created_at": u.created_at,
    })
}

pub async fn users(State(state): State<AppState>) -> ApiResult {
    let users = state.store.users().await?;
    Ok(Json(
        json!({ "users": users.iter().map(user_json).collect::<Vec<_>>() }),
    ))
}

#[derive(Deserialize)]
pub struct NewUserBody {
    username: String,
    password: String,
    roles: Vec<String>,
}

fn roles_of(list: &[String]) -> Result<RoleSet, WebError> {
    RoleSet::parse(&list.join(",")).map_err(|e| WebError::BadRequest(e.to_string()))
}

pub async fn create_user(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Json(b): Json<NewUserBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let roles = roles_of(&b.roles)?;
    let id = pages::create_user_record(
        &state,
        &user,
        &caller.source,
        b.username.trim(),
        &b.password,
        roles,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

#[derive(Deserialize)]
pub struct UpdateUserBody {
    roles: Vec<String>,
    #[serde(default)]
    disabled: bool,
}

pub async fn update_user(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Json(b): Json<UpdateUserBody>,
) -> ApiResult {
    let roles = roles_of(&b.roles)?;
    pages::update_user_record(&state, &user, &caller.source, &id, roles, b.disabled).await?;
    let u = state
        .store
        .user_by_id(&id)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(Json(user_json(&u)))
}

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    before: Option<i64>,
    limit: Option<i64>,
}

pub async fn audit(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<AuditQuery>,
) -> ApiResult {
    let f = drawdown_storage::audit::AuditFilter {
        actor: q.actor,
        action: q.action,
        limit: q.limit.unwrap_or(100).clamp(1, 1000),
        before_seq: q.before,
    };
    let entries = state.store.audit_entries(&f).await?;
    let ev = drawdown_domain::audit::AuditEvent::new(
        user.actor(),
        "audit.read",
        "audit_log",
        format!("rows={}", entries.len()),
        &caller.source,
    );
    state.store.audit(&ev, state.now()).await?;
    Ok(Json(json!({ "entries": entries })))
}

pub async fn audit_verify(State(state): State<AppState>) -> ApiResult {
    let report = state.store.verify_audit().await?;
    Ok(Json(json!({
        "intact": report.is_intact(),
        "checked": report.checked,
        "last_seq": report.last_seq,
        "problems": report.problems.iter().map(|p| json!({"problem": p, "message": p.to_string()})).collect::<Vec<_>>(),
    })))
}

pub async fn people(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<pages::PeopleQuery>,
) -> ApiResult {
    let page = q.page.unwrap_or(1).max(1);
    let (rows, total) = pages::read_people(&state, &user, &caller.source, &q).await?;
    Ok(Json(json!({
        "total": total,
        "page": page,
        "page_size": pages::PAGE_SIZE,
        "people": rows.iter().map(|r| json!({"id": r.id, "name": r.name, "birth_date": r.birth_date, "phone": r.phone, "category": r.category, "status": r.status, "priority": r.priority, "household": r.household, "lap_infant": r.lap_infant})).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
pub struct NewPersonBody {
    category: String,
    #[serde(flatten)]
    details: PersonalDetails,
}

pub async fn add_person(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Json(b): Json<NewPersonBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let category = Category::parse(&b.category)
        .ok_or_else(|| WebError::BadRequest(format!("unknown category '{}'", b.category)))?;
    let id = pages::add_person_record(&state, &user, &caller.source, &b.details, category).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

pub async fn tokens(State(state): State<AppState>) -> ApiResult {
    let tokens = state.store.api_tokens().await?;
    Ok(Json(
        json!({ "tokens": tokens.iter().map(|t| json!({"id": t.id, "name": t.name, "role": t.role.slug(), "created_by": t.created_by, "created_at": t.created_at, "revoked_at": t.revoked_at})).collect::<Vec<_>>() }),
    ))
}

#[derive(Deserialize)]
pub struct NewTokenBody {
    name: String,
    role: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Json(b): Json<NewTokenBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (id, secret) = pages::issue_token(&state, &user, &caller.source, &b.name, &b.role).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "token": secret, "note": "shown once: store it on the device" })),
    ))
}

pub async fn revoke_token(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    let ev = drawdown_domain::audit::AuditEvent::new(
        user.actor(),
        "token.revoke",
        format!("token:{id}"),
        "",
        &caller.source,
    );
    state.store.revoke_api_token(&id, &ev, state.now()).await?;
    state.tokens.forget_all();
    Ok(Json(json!({ "revoked": id })))
}

pub async fn vault_status(State(state): State<AppState>) -> ApiResult {
    let d = state.store.deployment_state().await?;
    Ok(Json(
        json!({ "vault": state.vault_label(), "wiped_at": d.wiped_at, "wiped_by": d.wiped_by }),
    ))
}

#[derive(Deserialize)]
pub struct UnlockBody {
    passphrase: String,
}

pub async fn unlock(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<Caller>,
    Json(b): Json<UnlockBody>,
) -> ApiResult {
    let pass = zeroize::Zeroizing::new(b.passphrase);
    pages::unlock_vault(&state, &user, &caller.source, &pass).await?;
    Ok(Json(json!({ "vault": state.vault_label() })))
}

/// The OpenAPI 3.1 document, built from the route table.
pub async fn openapi() -> Json<Value> {
    Json(openapi_document())
}

pub fn openapi_document() -> Value {
    let mut paths = serde_json::Map::new();
    for r in ROUTES.iter().filter(|r| r.path.starts_with("/api/v1/")) {
        let params: Vec<Value> = r
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        let (security, needs) = match r.need {
            Need::Public => (json!([]), "none".to_string()),
            Need::Login => (
                json!([{"bearer": []}, {"session": []}]),
                "any logged-in user".to_string(),
            ),
            Need::Perm(p) => (
                json!([{"bearer": []}, {"session": []}]),
                format!(
                    "{p:?}, granted by: {}",
                    p.granted_by()
                        .iter()
                        .map(|r| r.slug())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        };
        let mut op = json!({
            "summary": r.summary,
            "description": format!("Needs: {needs}. Browser sessions send the X-CSRF-Token header on POST."),
            "parameters": params,
            "security": security,
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {}}},
                "400": {"$ref": "#/components/responses/Error"},
                "401": {"$ref": "#/components/responses/Error"},
                "403": {"$ref": "#/components/responses/Error"},
            }
        });
        if r.method == "post" {
            op["requestBody"] =
                json!({"content": {"application/json": {"schema": {"type": "object"}}}});
            op["responses"]["201"] = json!({"description": "Created"});
        }
        let entry = paths.entry(r.path.to_string()).or_insert_with(|| json!({}));
        entry[r.method] = op;
    }
    // Areas that describe their bodies.
    for (method, path, body, answer) in accountability::openapi_shapes() {
        if let Some(op) = paths.get_mut(path).and_then(|p| p.get_mut(method)) {
            if !body.is_null() {
                op["requestBody"] = json!({"content": {"application/json": {"schema": body}}});
            }
            if let Some(a) = answer {
                op["responses"]["200"] =
                    json!({"description": "OK", "content": {"application/json": {"schema": a}}});
            }
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Drawdown API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The drawdown and evacuation of a post: the same operations as the web UI. Authenticate with a device token (Authorization: Bearer dd_...) or a browser session cookie plus X-CSRF-Token."
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "dd_session"}
            },
            "responses": {
                "Error": {"description": "An error", "content": {"application/json": {"schema": {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}}}}
            }
        }
    })
}

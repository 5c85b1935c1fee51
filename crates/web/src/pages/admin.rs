//! Administration: users and roles, device tokens, the audit log.

use super::*;

pub struct RoleBox {
    pub slug: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

pub struct UserRow {
    pub id: String,
    pub username: String,
    pub roles: Vec<RoleBox>,
    pub role_labels: String,
    pub disabled: bool,
    pub created_at: String,
    pub is_me: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    chrome: Chrome,
    users: Vec<UserRow>,
    new_roles: Vec<RoleBox>,
    new_username: String,
    error: Option<String>,
}

fn role_boxes(set: RoleSet) -> Vec<RoleBox> {
    Role::ALL
        .into_iter()
        .map(|r| RoleBox {
            slug: r.slug(),
            label: r.label(),
            checked: set.contains(r),
        })
        .collect()
}

async fn users_page(
    state: &AppState,
    user: &CurrentUser,
    done: Option<&str>,
    error: Option<String>,
    new_username: String,
    new_roles: RoleSet,
) -> PageResult {
    let users = state
        .store
        .users()
        .await?
        .into_iter()
        .map(|u| UserRow {
            is_me: u.id == user.id,
            role_labels: u
                .roles
                .iter()
                .map(Role::label)
                .collect::<Vec<_>>()
                .join(", "),
            roles: role_boxes(u.roles),
            id: u.id,
            username: u.username,
            disabled: u.disabled,
            created_at: u.created_at,
        })
        .collect();
    let status = form_status(&error);
    let page = UsersPage {
        chrome: chrome(state, user, "/admin/users", "Users", done).await?,
        users,
        new_roles: role_boxes(new_roles),
        new_username,
        error,
    };
    render(&page, status)
}

pub async fn users(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Query(d): Query<Done>,
) -> PageResult {
    users_page(
        &state,
        &user,
        d.done.as_deref(),
        None,
        String::new(),
        RoleSet::empty(),
    )
    .await
}

fn parse_roles(list: &[&str]) -> Result<RoleSet, WebError> {
    let mut set = RoleSet::empty();
    for r in list {
        set.insert(Role::parse(r).map_err(|e| WebError::BadRequest(e.to_string()))?);
    }
    Ok(set)
}

/// Creates an account (web and API share this).
pub async fn create_user_record(
    state: &AppState,
    actor: &CurrentUser,
    source: &str,
    username: &str,
    password: &str,
    roles: RoleSet,
) -> Result<String, WebError> {
    auth::check_username(username)?;
    auth::check_new_password(password, username)?;
    if roles.is_empty() {
        return Err(WebError::BadRequest(
            "give the user at least one role".into(),
        ));
    }
    let id = uuid::Uuid::now_v7().to_string();
    let hash = auth::hash_password(password)?;
    let ev = AuditEvent::new(
        actor.actor(),
        "user.create",
        format!("user:{id}"),
        format!("username={username} roles={roles}"),
        source,
    );
    state
        .store
        .create_user(
            &NewUser {
                id: &id,
                username,
                password_hash: &hash,
                roles,
            },
            &ev,
            state.now(),
        )
        .await?;
    Ok(id)
}

/// Changes roles and the disabled flag; an administrator cannot lock themselves out.
pub async fn update_user_record(
    state: &AppState,
    actor: &CurrentUser,
    source: &str,
    id: &str,
    roles: RoleSet,
    disabled: bool,
) -> Result<(), WebError> {
    if id == actor.id && (disabled || !roles.contains(Role::Administrator)) {
        return Err(WebError::BadRequest("you cannot disable yourself or remove your own administrator role; ask another administrator".into()));
    }
    let target = state
        .store
        .user_by_id(id)
        .await?
        .ok_or(WebError::NotFound)?;
    let ev = AuditEvent::new(
        actor.actor(),
        "user.update",
        format!("user:{id}"),
        format!(
            "username={} roles={roles} disabled={disabled}",
            target.username
        ),
        source,
    );
    state
        .store
        .update_user_access(id, roles, disabled, &ev, state.now())
        .await?;
    Ok(())
}

pub async fn create_user(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = Fields(form);
    let username = f.get("username").to_string();
    let roles = parse_roles(&f.all("roles"));
    let result = match roles {
        Ok(r) => create_user_record(
            &state,
            &user,
            &caller.source,
            &username,
            f.raw("password"),
            r,
        )
        .await
        .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => see_other("/admin/users?done=user-created"),
        Err(WebError::BadRequest(m) | WebError::Conflict(m)) => {
            users_page(&state, &user, None, Some(m), username, roles_or_empty(&f)).await
        }
        Err(e) => Err(e),
    }
}

fn roles_or_empty(f: &Fields) -> RoleSet {
    parse_roles(&f.all("roles")).unwrap_or_default()
}

pub async fn update_user(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = Fields(form);
    let result = match parse_roles(&f.all("roles")) {
        Ok(roles) => {
            update_user_record(
                &state,
                &user,
                &caller.source,
                &id,
                roles,
                f.get("disabled") == "on",
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => see_other("/admin/users?done=user-updated"),
        Err(WebError::BadRequest(m)) => {
            users_page(
                &state,
                &user,
                None,
                Some(m),
                String::new(),
                RoleSet::empty(),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    chrome: Chrome,
    tokens: Vec<drawdown_storage::ApiTokenRecord>,
    roles: Vec<(&'static str, &'static str)>,
    new_token: Option<String>,
    error: Option<String>,
}

async fn tokens_page(
    state: &AppState,
    user: &CurrentUser,
    done: Option<&str>,
    new_token: Option<String>,
    error: Option<String>,
) -> PageResult {
    let status = form_status(&error);
    let page = TokensPage {
        chrome: chrome(state, user, "/admin/tokens", "Device tokens", done).await?,
        tokens: state.store.api_tokens().await?,
        roles: Role::ALL
            .into_iter()
            .filter(|r| r.allowed_for_token())
            .map(|r| (r.slug(), r.label()))
            .collect(),
        new_token,
        error,
    };
    render(&page, status)
}

pub async fn tokens(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Query(d): Query<Done>,
) -> PageResult {
    tokens_page(&state, &user, d.done.as_deref(), None, None).await
}

/// Issues a device token; the secret is returned once and only its hash is kept.
pub async fn issue_token(
    state: &AppState,
    actor: &CurrentUser,
    source: &str,
    name: &str,
    role: &str,
) -> Result<(String, String), WebError> {
    let role = Role::parse(role).map_err(|e| WebError::BadRequest(e.to_string()))?;
    if !role.allowed_for_token() {
        return Err(WebError::BadRequest(format!(
            "a device token cannot carry the role {}",
            role.label()
        )));
    }
    if name.trim().is_empty() || name.len() > 80 {
        return Err(WebError::BadRequest(
            "name the device (e.g. \"North Gate scanner 2\")".into(),
        ));
    }
    let id = uuid::Uuid::now_v7().to_string();
    let secret = format!("dd_{}", auth::random_token());
    let ev = AuditEvent::new(
        actor.actor(),
        "token.create",
        format!("token:{id}"),
        format!("role={role}"),
        source,
    );
    state
        .store
        .create_api_token(
            &id,
            name.trim(),
            &auth::token_hash(&secret),
            role,
            &actor.username,
            &ev,
            state.now(),
        )
        .await?;
    Ok((id, secret))
}

pub async fn create_token(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    match issue_token(&state, &user, &caller.source, get("name"), get("role")).await {
        Ok((_, secret)) => tokens_page(&state, &user, None, Some(secret), None).await,
        Err(WebError::BadRequest(m)) => tokens_page(&state, &user, None, None, Some(m)).await,
        Err(e) => Err(e),
    }
}

pub async fn revoke_token(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(id): Path<String>,
) -> PageResult {
    let ev = AuditEvent::new(
        user.actor(),
        "token.revoke",
        format!("token:{id}"),
        "",
        &caller.source,
    );
    state.store.revoke_api_token(&id, &ev, state.now()).await?;
    state.tokens.forget_all();
    see_other("/admin/tokens?done=token-revoked")
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
    entries: Vec<AuditEntry>,
    actor: String,
    action: String,
    verify: Option<ChainReport>,
    problems: Vec<String>,
    older: Option<i64>,
}

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    before: Option<i64>,
    verify: Option<String>,
}

pub const AUDIT_PAGE: i64 = 100;

pub async fn audit(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    let filter = drawdown_storage::audit::AuditFilter {
        actor: q.actor.clone().filter(|s| !s.is_empty()),
        action: q.action.clone().filter(|s| !s.is_empty()),
        limit: AUDIT_PAGE,
        before_seq: q.before,
    };
    let entries = state.store.audit_entries(&filter).await?;
    let verify = if q.verify.is_some() {
        Some(state.store.verify_audit().await?)
    } else {
        None
    };
    let ev = AuditEvent::new(
        user.actor(),
        "audit.read",
        "audit_log",
        format!("rows={}", entries.len()),
        &caller.source,
    );
    state.store.audit(&ev, state.now()).await?;
    let older = (entries.len() as i64 == AUDIT_PAGE)
        .then(|| entries.last().map(|e| e.seq))
        .flatten();
    let page = AuditPage {
        chrome: chrome(&state, &user, "/admin/audit", "Audit log", None).await?,
        problems: verify
            .as_ref()
            .map(|r| r.problems.iter().map(|p| p.to_string()).collect())
            .unwrap_or_default(),
        entries,
        actor: q.actor.unwrap_or_default(),
        action: q.action.unwrap_or_default(),
        verify,
        older,
    };
    render(&page, StatusCode::OK)
}

pub async fn audit_csv(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    let filter = drawdown_storage::audit::AuditFilter {
        actor: q.actor.filter(|s| !s.is_empty()),
        action: q.action.filter(|s| !s.is_empty()),
        limit: 100_000,
        before_seq: None,
    };
    let entries = state.store.audit_entries(&filter).await?;
    let ev = AuditEvent::new(
        user.actor(),
        "audit.export",
        "audit_log",
        format!("rows={}", entries.len()),
        &caller.source,
    );
    state.store.audit(&ev, state.now()).await?;
    let out = crate::export::csv(
        &[
            "seq", "at", "actor", "action", "target", "detail", "source", "hash",
        ],
        entries.iter().map(|e| {
            [
                e.seq.to_string(),
                e.at.clone(),
                e.event.actor.clone(),
                e.event.action.clone(),
                e.event.target.clone(),
                e.event.detail.clone(),
                e.event.source.clone(),
                e.hash.clone(),
            ]
        }),
    );
    Ok(crate::export::csv_download("drawdown-audit.csv", out))
}

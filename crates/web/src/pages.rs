//! The server-rendered pages. Each handler does one thing; the layout comes from [`Chrome`].

use crate::auth::{self, CurrentUser};
use crate::protection::{self, person_aad};
use crate::state::VaultSlot;
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use drawdown_domain::audit::{AuditEntry, AuditEvent, ChainReport};
use drawdown_domain::people::{Category, PersonalDetails};
use drawdown_domain::{Permission, Role, RoleSet};
use drawdown_storage::NewUser;
use serde::Deserialize;
use std::collections::HashMap;

pub type PageResult = Result<Response, WebError>;

/// Minutes a wipe request waits for the second authority.
pub const WIPE_CONFIRM_MINUTES: i64 = 5;

// ---------------------------------------------------------------- layout

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
    pub allowed: bool,
}

pub struct Notice {
    pub kind: &'static str,
    pub text: String,
}

/// What every page's frame needs.
pub struct Chrome {
    pub title: String,
    pub org: String,
    pub user: Option<CurrentUser>,
    pub nav: Vec<NavItem>,
    pub admin_nav: Vec<NavItem>,
    pub banner: Option<Notice>,
    pub flash: Option<Notice>,
}

impl Chrome {
    pub fn csrf(&self) -> &str {
        self.user.as_ref().map(|u| u.csrf()).unwrap_or("")
    }
    pub fn username(&self) -> &str {
        self.user
            .as_ref()
            .map(|u| u.username.as_str())
            .unwrap_or("")
    }
    pub fn roles(&self) -> String {
        self.user
            .as_ref()
            .map(|u| {
                u.roles
                    .iter()
                    .map(Role::label)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    }

    /// A frame without a database round trip, for error pages.
    fn bare(title: &str) -> Chrome {
        Chrome {
            title: title.into(),
            org: String::new(),
            user: None,
            nav: vec![],
            admin_nav: vec![],
            banner: None,
            flash: None,
        }
    }
}

const SECTIONS: [(&str, &str, Option<Permission>); 8] = [
    ("/", "Dashboard", Some(Permission::ViewDashboard)),
    ("/posture", "Posture", Some(Permission::ViewPosture)),
    ("/people", "People", Some(Permission::ViewPeople)),
    ("/movement", "Movement", Some(Permission::ViewMovement)),
    (
        "/accountability",
        "Accountability",
        Some(Permission::ViewAccountability),
    ),
    ("/alerts", "Alerts", Some(Permission::SendAlerts)),
    (
        "/destruction",
        "Destruction",
        Some(Permission::ViewDestruction),
    ),
    ("/protection", "Protection", None),
];

const ADMIN: [(&str, &str, Permission); 3] = [
    ("/admin/users", "Users", Permission::ManageUsers),
    ("/admin/tokens", "Device tokens", Permission::ManageTokens),
    ("/admin/audit", "Audit log", Permission::ViewAudit),
];

fn flash_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "user-created" => "User added.",
        "user-updated" => "User updated.",
        "password-changed" => "Password changed. Your other sessions were ended.",
        "token-revoked" => "Token revoked.",
        "person-added" => "Person added to the registry.",
        "vault-unlocked" => "Vault unlocked.",
        "wipe-requested" => {
            "Wipe requested. A second wipe authority must confirm in their own session."
        }
        "wipe-cancelled" => "Wipe request cancelled.",
        "wiped" => "Wipe done: the key material is destroyed.",
        _ => return None,
    })
}

pub async fn chrome(
    state: &AppState,
    user: &CurrentUser,
    active: &str,
    title: &str,
    done: Option<&str>,
) -> Result<Chrome, WebError> {
    let org = state
        .store
        .organisation()
        .await?
        .map(|(n, _)| n)
        .unwrap_or_default();
    let deployment = state.store.deployment_state().await?;
    let banner = if let Some(at) = deployment.wiped_at {
        Some(Notice {
            kind: "wiped",
            text: format!(
                "WIPED at {at}: the vault's keys were destroyed; personal data on this deployment is unrecoverable."
            ),
        })
    } else if matches!(
        *state
            .vault
            .read()
            .map_err(|_| WebError::Internal("lock".into()))?,
        VaultSlot::Locked(_)
    ) {
        Some(Notice {
            kind: "locked",
            text: "The vault is locked: personal data cannot be read until an administrator unlocks it (Protection).".into(),
        })
    } else {
        None
    };
    let nav = SECTIONS
        .iter()
        .map(|(href, label, need)| NavItem {
            href,
            label,
            active: *href == active,
            allowed: need.is_none_or(|p| user.can(p)),
        })
        .collect();
    let admin_nav = ADMIN
        .iter()
        .filter(|(_, _, p)| user.can(*p))
        .map(|(href, label, _)| NavItem {
            href,
            label,
            active: *href == active,
            allowed: true,
        })
        .collect();
    Ok(Chrome {
        title: title.into(),
        org,
        user: Some(user.clone()),
        nav,
        admin_nav,
        banner,
        flash: done.and_then(flash_text).map(|t| Notice {
            kind: "ok",
            text: t.into(),
        }),
    })
}

/// A stored RFC 3339 time as people read it: "2021-08-15 06:00:00 UTC".
pub fn when(at: &str) -> String {
    match at.get(..19) {
        Some(head) if at.len() >= 20 => format!("{} UTC", head.replace('T', " ")),
        _ => at.to_string(),
    }
}

/// 4000 → "4,000".
pub fn count(n: &i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if *n < 0 { format!("-{out}") } else { out }
}

fn render(t: &impl Template, status: StatusCode) -> PageResult {
    Ok((status, Html(t.render()?)).into_response())
}

fn see_other(to: &str) -> PageResult {
    Ok(Redirect::to(to).into_response())
}

#[derive(Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

/// Form fields, where a key may repeat (role checkboxes).
struct Fields(Vec<(String, String)>);

impl Fields {
    fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .unwrap_or("")
    }
    fn raw(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

// ---------------------------------------------------------------- errors

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    heading: String,
    message: String,
    roles: Vec<&'static str>,
    login_link: bool,
}

pub fn error_page(status: StatusCode, e: &WebError) -> Response {
    let (heading, roles) = match e {
        WebError::Forbidden { need, .. } => (
            "Not permitted",
            need.granted_by().into_iter().map(Role::label).collect(),
        ),
        WebError::BadCsrf => ("Form expired", vec![]),
        WebError::NotFound => ("Not found", vec![]),
        WebError::VaultLocked => ("Vault locked", vec![]),
        WebError::Wiped => ("Wiped", vec![]),
        WebError::TooManyAttempts(_) => ("Too many attempts", vec![]),
        WebError::Internal(_) => ("Something went wrong", vec![]),
        _ => ("Cannot do that", vec![]),
    };
    let page = ErrorPage {
        chrome: Chrome::bare(heading),
        heading: heading.into(),
        message: e.to_string(),
        roles,
        login_link: matches!(e, WebError::BadCsrf),
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, e.to_string()).into_response(),
    }
}

pub async fn not_found() -> Response {
    error_page(StatusCode::NOT_FOUND, &WebError::NotFound)
}

pub async fn healthz() -> &'static str {
    "ok"
}

// ---------------------------------------------------------------- login

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    login_csrf: String,
    username: String,
    error: Option<String>,
    notice: Option<&'static str>,
    demo: bool,
}

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    expired: Option<String>,
    done: Option<String>,
}

fn login_page_response(
    state: &AppState,
    username: String,
    error: Option<String>,
    notice: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let token = auth::random_token();
    let page = LoginPage {
        chrome: Chrome::bare("Log in"),
        login_csrf: token.clone(),
        username,
        error,
        notice,
        demo: state.config.demo,
    };
    let mut r = render(&page, status)?;
    if let Ok(v) = auth::login_csrf_cookie(&token).parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(r)
}

pub async fn login_page(State(state): State<AppState>, Query(q): Query<LoginQuery>) -> PageResult {
    let notice = if q.expired.is_some() {
        Some(
            "Your session is no longer valid (it expired, was ended, or was not genuine). Please log in again.",
        )
    } else if q.done.as_deref() == Some("logged-out") {
        Some("You are logged out.")
    } else {
        None
    };
    let mut r = login_page_response(&state, String::new(), None, notice, StatusCode::OK)?;
    if q.expired.is_some()
        && let Ok(v) = auth::clear_session_cookie().parse()
    {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(r)
}

pub async fn login(
    State(state): State<AppState>,
    Extension(caller): Extension<auth::Caller>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    let username = get("username").trim().to_string();
    let password = get("password");
    // Login CSRF: the form's token must match the cookie set with the form.
    let cookie_token = auth::cookie(&headers, auth::LOGIN_CSRF_COOKIE).unwrap_or("");
    if cookie_token.is_empty() || !auth::same_token(cookie_token, get("_csrf")) {
        return Err(WebError::BadCsrf);
    }
    let now = state.now();
    let ip_key = format!("ip:{}", caller.source);
    let user_key = format!("user:{}", username.to_lowercase());
    if let Some(secs) = state
        .limiter
        .blocked(&user_key, auth::LoginLimiter::MAX_FAILURES)
        .or_else(|| {
            state
                .limiter
                .blocked(&ip_key, auth::LoginLimiter::MAX_FAILURES_PER_ADDRESS)
        })
    {
        let msg = WebError::TooManyAttempts(secs).to_string();
        return login_page_response(
            &state,
            username,
            Some(msg),
            None,
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let user = state.store.user_by_username(&username).await?;
    let ok = match &user {
        Some(u) => auth::verify_password(password, &u.password_hash) && !u.disabled,
        None => {
            auth::verify_password(password, auth::dummy_hash());
            false
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        state.limiter.fail(&user_key);
        state.limiter.fail(&ip_key);
        let ev = AuditEvent::new(
            "anonymous",
            "auth.login_failed",
            format!("username:{username}"),
            "",
            &caller.source,
        );
        state.store.audit(&ev, now).await?;
        return login_page_response(
            &state,
            username,
            Some("Wrong username or password, or the account is disabled.".into()),
            None,
            StatusCode::UNAUTHORIZED,
        );
    };
    state.limiter.clear(&user_key);
    let token = auth::random_token();
    let csrf = auth::random_token();
    let expires = now + time::Duration::hours(auth::SESSION_HOURS);
    let ev = AuditEvent::new(
        &user.username,
        "auth.login",
        format!("user:{}", user.id),
        "",
        &caller.source,
    );
    state
        .store
        .create_session(
            &auth::token_hash(&token),
            &user.id,
            &csrf,
            expires,
            &caller.source,
            &ev,
            now,
        )
        .await?;
    let mut r = Redirect::to("/").into_response();
    let h = r.headers_mut();
    if let Ok(v) = auth::session_cookie(&token).parse() {
        h.append(header::SET_COOKIE, v);
    }
    if let Ok(v) = format!("{}=; Path=/; Max-Age=0", auth::LOGIN_CSRF_COOKIE).parse() {
        h.append(header::SET_COOKIE, v);
    }
    Ok(r)
}

pub async fn logout(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
) -> PageResult {
    if let Some(s) = &user.session {
        let ev = AuditEvent::new(
            user.actor(),
            "auth.logout",
            format!("user:{}", user.id),
            "",
            &caller.source,
        );
        state
            .store
            .end_session(&s.token_hash, &ev, state.now())
            .await?;
    }
    let mut r = Redirect::to("/login?done=logged-out").into_response();
    if let Ok(v) = auth::clear_session_cookie().parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(r)
}

// ---------------------------------------------------------------- dashboard

pub struct CategoryCount {
    pub label: &'static str,
    pub count: i64,
    /// Width of the bar, 0–100.
    pub pct: i64,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    categories: Vec<CategoryCount>,
    total: i64,
    sites: Vec<drawdown_storage::SiteRecord>,
    vault: &'static str,
    audit_entries: i64,
}

/// Head-counts by category, in the order PRODUCT.md lists them, with bar widths.
pub async fn category_counts(state: &AppState) -> Result<(Vec<CategoryCount>, i64), WebError> {
    let counts: HashMap<String, i64> = state
        .store
        .count_persons_by_category()
        .await?
        .into_iter()
        .collect();
    let total: i64 = counts.values().sum();
    let max = counts.values().copied().max().unwrap_or(0).max(1);
    let rows = Category::ALL
        .into_iter()
        .map(|c| {
            let count = counts.get(c.slug()).copied().unwrap_or(0);
            CategoryCount {
                label: c.label(),
                count,
                pct: count * 100 / max,
            }
        })
        .collect();
    Ok((rows, total))
}

pub async fn dashboard(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Query(d): Query<Done>,
) -> PageResult {
    let (categories, total) = category_counts(&state).await?;
    let page = DashboardPage {
        chrome: chrome(&state, &user, "/", "Dashboard", d.done.as_deref()).await?,
        categories,
        total,
        sites: state.store.sites().await?,
        vault: state.vault_label(),
        audit_entries: state.store.audit_head().await?.0,
    };
    render(&page, StatusCode::OK)
}

// ---------------------------------------------------------------- sections still to come

#[derive(Template)]
#[template(path = "section.html")]
struct SectionPage {
    chrome: Chrome,
    heading: &'static str,
    lead: &'static str,
    parts: &'static [&'static str],
}

async fn section(
    state: &AppState,
    user: &CurrentUser,
    href: &str,
    heading: &'static str,
    lead: &'static str,
    parts: &'static [&'static str],
) -> PageResult {
    let page = SectionPage {
        chrome: chrome(state, user, href, heading, None).await?,
        heading,
        lead,
        parts,
    };
    render(&page, StatusCode::OK)
}

pub async fn posture(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
) -> PageResult {
    section(&s, &u, "/posture", "Posture", "Where the post stands, and why: the situation log, tripwires, posture levels and the committee's decisions.", &[
        "Situation log of indicators (places taken, roads closed, airport status, assessments) with source and confidence",
        "Tripwires over measures derived from the log, each recommending a posture",
        "Posture levels (normal, heightened, authorized departure, ordered departure, suspended) with checklists",
        "Decision log: who decided what, when and why",
    ]).await
}

pub async fn movement(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
) -> PageResult {
    section(&s, &u, "/movement", "Movement", "Departures and manifests: who leaves on which flight or convoy.", &[
        "Departures board (flights, convoys) with seats, gate and status",
        "A planner that keeps households together, respects priority, deadlines and gate throughput",
        "Manifest editor and exports (CSV, XLSX, PDF) with advance passenger information",
    ]).await
}

pub async fn accountability(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
) -> PageResult {
    section(
        &s,
        &u,
        "/accountability",
        "Accountability",
        "Who is where, without handing anyone a list.",
        &[
            "Checkpoints from rally point to safe haven",
            "Signed boarding passes verified offline",
            "A scanning page that works without the network; live head-counts",
        ],
    )
    .await
}

pub async fn alerts(State(s): State<AppState>, Extension(u): Extension<CurrentUser>) -> PageResult {
    section(
        &s,
        &u,
        "/alerts",
        "Alerts",
        "Reach the right people, in English, Dari and Pashto.",
        &[
            "Segments of the registry, counted before sending",
            "Templates and messages with per-person fields; two-person approval for large sends",
            "Email and SMS outbox with delivery status; public self-registration form",
        ],
    )
    .await
}

pub async fn destruction(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
) -> PageResult {
    section(
        &s,
        &u,
        "/destruction",
        "Destruction",
        "The ledger and the plan to zero for sensitive holdings.",
        &[
            "Inventory of holdings by kind, classification and priority",
            "Approved methods and devices with capacity; a plan with days to zero",
            "Witnessed destruction records, certificates, burn-down chart",
        ],
    )
    .await
}

// ---------------------------------------------------------------- people

pub struct PersonRow {
    pub id: String,
    pub name: String,
    pub birth_date: String,
    pub phone: String,
    pub category: &'static str,
    pub priority: i64,
    pub site: String,
}

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    chrome: Chrome,
    rows: Vec<PersonRow>,
    total: i64,
    page: i64,
    pages: i64,
    q: String,
    category: String,
    categories: Vec<(&'static str, &'static str)>,
    can_manage: bool,
    error: Option<String>,
    form: HashMap<String, String>,
}

impl PeoplePage {
    fn value(&self, k: &str) -> &str {
        self.form.get(k).map(String::as_str).unwrap_or("")
    }
    fn prev(&self) -> i64 {
        self.page - 1
    }
    fn next(&self) -> i64 {
        self.page + 1
    }
}

#[derive(Deserialize, Default)]
pub struct PeopleQuery {
    q: Option<String>,
    category: Option<String>,
    page: Option<i64>,
    done: Option<String>,
}

pub const PAGE_SIZE: i64 = 50;

/// A decrypted page of the registry; the read is audited, without the search text.
pub async fn read_people(
    state: &AppState,
    user: &CurrentUser,
    source: &str,
    q: &str,
    category: &str,
    page: i64,
) -> Result<(Vec<PersonRow>, i64), WebError> {
    let name_index = if q.trim().is_empty() {
        None
    } else {
        Some(state.with_vault(|v| Ok(v.blind_index("name", q)))?)
    };
    let category = Category::parse(category).map(Category::slug);
    let total = state
        .store
        .count_persons(category, name_index.as_deref())
        .await?;
    let records = state
        .store
        .persons(
            category,
            name_index.as_deref(),
            PAGE_SIZE,
            (page - 1) * PAGE_SIZE,
        )
        .await?;
    let rows = state.with_vault(|v| {
        records
            .iter()
            .map(|r| {
                let plain = v.open_sealed(&person_aad(&r.id), &r.sealed)?;
                let d: PersonalDetails = serde_json::from_slice(&plain)
                    .map_err(|e| WebError::Internal(e.to_string()))?;
                Ok(PersonRow {
                    id: r.id.clone(),
                    name: d.full_name(),
                    birth_date: d.birth_date.clone(),
                    phone: d.phone.clone(),
                    category: Category::parse(&r.category)
                        .map(Category::label)
                        .unwrap_or("?"),
                    priority: r.priority,
                    site: r.site_code.clone().unwrap_or_default(),
                })
            })
            .collect::<Result<Vec<_>, WebError>>()
    })?;
    let detail = format!(
        "category={} search={} page={page} rows={}",
        category.unwrap_or("all"),
        if name_index.is_some() { "yes" } else { "no" },
        rows.len()
    );
    let ev = AuditEvent::new(user.actor(), "people.read", "registry", detail, source);
    state.store.audit(&ev, state.now()).await?;
    Ok((rows, total))
}

/// Seals and stores one person.
pub async fn add_person_record(
    state: &AppState,
    user: &CurrentUser,
    source: &str,
    details: &PersonalDetails,
    category: Category,
    site: Option<String>,
) -> Result<String, WebError> {
    if details.full_name().trim().is_empty() {
        return Err(WebError::BadRequest(
            "a person needs at least one name".into(),
        ));
    }
    let person = state.with_vault(|v| protection::seal_person(v, details, category, site))?;
    let id = person.id.clone();
    let ev = AuditEvent::new(
        user.actor(),
        "people.add",
        format!("person:{id}"),
        format!("category={}", category.slug()),
        source,
    );
    state.store.add_persons(&[person], &ev, state.now()).await?;
    Ok(id)
}

async fn people_page(
    state: &AppState,
    user: &CurrentUser,
    source: &str,
    q: PeopleQuery,
    error: Option<String>,
    form: HashMap<String, String>,
) -> PageResult {
    let page = q.page.unwrap_or(1).max(1);
    let query = q.q.unwrap_or_default();
    let category = q.category.unwrap_or_default();
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let (rows, total) = read_people(state, user, source, &query, &category, page).await?;
    let tpl = PeoplePage {
        chrome: chrome(state, user, "/people", "People", q.done.as_deref()).await?,
        rows,
        total,
        page,
        pages: ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
        q: query,
        category,
        categories: Category::ALL
            .iter()
            .map(|c| (c.slug(), c.label()))
            .collect(),
        can_manage: user.can(Permission::ManagePeople),
        error,
        form,
    };
    render(&tpl, status)
}

pub async fn people(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Query(q): Query<PeopleQuery>,
) -> PageResult {
    people_page(&state, &user, &caller.source, q, None, HashMap::new()).await
}

pub async fn add_person(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let get = |k: &str| {
        form.get(k)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let details = PersonalDetails {
        given_name: get("given_name"),
        family_name: get("family_name"),
        birth_date: get("birth_date"),
        phone: get("phone"),
        email: get("email"),
        document_number: get("document_number"),
        notes: get("notes"),
    };
    let result = match Category::parse(&get("category")) {
        None => Err(WebError::BadRequest("choose a category".into())),
        Some(c) => {
            add_person_record(
                &state,
                &user,
                &caller.source,
                &details,
                c,
                Some(get("site")),
            )
            .await
        }
    };
    match result {
        Ok(_) => see_other("/people?done=person-added"),
        Err(WebError::BadRequest(msg)) => {
            let mut form = form;
            form.remove("_csrf");
            people_page(
                &state,
                &user,
                &caller.source,
                PeopleQuery::default(),
                Some(msg),
                form,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------- account

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    error: Option<String>,
}

pub async fn account(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Query(d): Query<Done>,
) -> PageResult {
    let page = AccountPage {
        chrome: chrome(&state, &user, "/account", "Your account", d.done.as_deref()).await?,
        error: None,
    };
    render(&page, StatusCode::OK)
}

pub async fn change_password(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    let result = async {
        let record = state
            .store
            .user_by_id(&user.id)
            .await?
            .ok_or(WebError::NotFound)?;
        if !auth::verify_password(get("current"), &record.password_hash) {
            return Err(WebError::BadRequest("the current password is wrong".into()));
        }
        if get("new") != get("confirm") {
            return Err(WebError::BadRequest(
                "the new password and its confirmation differ".into(),
            ));
        }
        auth::check_new_password(get("new"), &user.username)?;
        let hash = auth::hash_password(get("new"))?;
        let ev = AuditEvent::new(
            user.actor(),
            "user.password",
            format!("user:{}", user.id),
            "",
            &caller.source,
        );
        let keep = user.session.as_ref().map(|s| s.token_hash.as_str());
        state
            .store
            .set_password(&user.id, &hash, keep, &ev, state.now())
            .await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => see_other("/account?done=password-changed"),
        Err(WebError::BadRequest(m)) => {
            let page = AccountPage {
                chrome: chrome(&state, &user, "/account", "Your account", None).await?,
                error: Some(m),
            };
            render(&page, StatusCode::BAD_REQUEST)
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------- users

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
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
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

// ---------------------------------------------------------------- device tokens

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
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
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
    see_other("/admin/tokens?done=token-revoked")
}

// ---------------------------------------------------------------- audit

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

/// Neutralises spreadsheet formula injection: a cell that a spreadsheet would evaluate
/// (starting with = + - @, tab or carriage return) is prefixed with an apostrophe.
pub fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
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
    let mut out = String::from("seq,at,actor,action,target,detail,source,hash\n");
    for e in &entries {
        let cells = [
            e.seq.to_string(),
            e.at.clone(),
            e.event.actor.clone(),
            e.event.action.clone(),
            e.event.target.clone(),
            e.event.detail.clone(),
            e.event.source.clone(),
            e.hash.clone(),
        ];
        out.push_str(
            &cells
                .iter()
                .map(|c| csv_cell(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"drawdown-audit.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}

// ---------------------------------------------------------------- protection

pub struct PendingWipe {
    pub id: String,
    pub requested_by: String,
    pub expires_at: String,
    pub mine: bool,
    pub handoff: bool,
}

#[derive(Template)]
#[template(path = "protection.html")]
struct ProtectionPage {
    chrome: Chrome,
    vault: &'static str,
    key_id: String,
    can_unlock: bool,
    can_wipe: bool,
    pending: Option<PendingWipe>,
    wiped_at: Option<String>,
    wiped_by: Option<String>,
    handoffs: Vec<String>,
    error: Option<String>,
    minutes: i64,
}

fn handoff_dir(state: &AppState) -> std::path::PathBuf {
    state.config.data_dir.join("handoffs")
}

async fn protection_page(
    state: &AppState,
    user: &CurrentUser,
    done: Option<&str>,
    error: Option<String>,
) -> PageResult {
    let now = state.now();
    let key_id = match &*state
        .vault
        .read()
        .map_err(|_| WebError::Internal("lock".into()))?
    {
        VaultSlot::Unlocked(v) => v.key_id(),
        VaultSlot::Locked(h) => h.key_id(),
        _ => String::new(),
    };
    let pending = match state.store.pending_wipe(now).await? {
        Some(r) => {
            let by = state
                .store
                .user_by_id(&r.requested_by)
                .await?
                .map(|u| u.username)
                .unwrap_or_default();
            Some(PendingWipe {
                mine: r.requested_by == user.id,
                id: r.id,
                requested_by: by,
                expires_at: r.expires_at,
                handoff: r.handoff_recipient.is_some(),
            })
        }
        None => None,
    };
    let deployment = state.store.deployment_state().await?;
    let mut handoffs: Vec<String> = std::fs::read_dir(handoff_dir(state))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    handoffs.sort();
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = ProtectionPage {
        chrome: chrome(state, user, "/protection", "Protection", done).await?,
        vault: state.vault_label(),
        key_id,
        can_unlock: user.can(Permission::UnlockVault),
        can_wipe: user.can(Permission::Wipe),
        pending,
        wiped_at: deployment.wiped_at,
        wiped_by: deployment.wiped_by,
        handoffs,
        error,
        minutes: WIPE_CONFIRM_MINUTES,
    };
    render(&page, status)
}

pub async fn protection(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Query(d): Query<Done>,
) -> PageResult {
    protection_page(&state, &user, d.done.as_deref(), None).await
}

/// Unlocks the vault with a passphrase (web and API share this).
pub async fn unlock_vault(
    state: &AppState,
    user: &CurrentUser,
    source: &str,
    passphrase: &str,
) -> Result<(), WebError> {
    let outcome = open_vault_slot(state, passphrase);
    let action = match &outcome {
        Ok(false) => return Ok(()),
        Ok(true) => "vault.unlock",
        Err(_) => "vault.unlock_failed",
    };
    let ev = AuditEvent::new(user.actor(), action, "vault", "", source);
    state.store.audit(&ev, state.now()).await?;
    outcome.map(|_| ())
}

/// Swaps a locked slot for an unlocked vault; false when it was already unlocked.
fn open_vault_slot(state: &AppState, passphrase: &str) -> Result<bool, WebError> {
    let mut slot = state
        .vault
        .write()
        .map_err(|_| WebError::Internal("lock".into()))?;
    let vault = match &*slot {
        VaultSlot::Unlocked(_) => return Ok(false),
        VaultSlot::Wiped => return Err(WebError::Wiped),
        VaultSlot::Missing => {
            return Err(WebError::BadRequest(
                "this database has no vault: run `drawdown init`".into(),
            ));
        }
        VaultSlot::Locked(h) => {
            drawdown_vault::Vault::open(h, drawdown_vault::Unlock::Passphrase(passphrase))
                .map_err(|e| WebError::BadRequest(format!("cannot unlock: {e}")))?
        }
    };
    *slot = VaultSlot::Unlocked(vault);
    Ok(true)
}

pub async fn unlock(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let pass = zeroize::Zeroizing::new(form.get("passphrase").cloned().unwrap_or_default());
    match unlock_vault(&state, &user, &caller.source, &pass).await {
        Ok(()) => see_other("/protection?done=vault-unlocked"),
        Err(WebError::BadRequest(m)) => {
            let ev = AuditEvent::new(
                user.actor(),
                "vault.unlock_failed",
                "vault",
                "",
                &caller.source,
            );
            state.store.audit(&ev, state.now()).await?;
            protection_page(&state, &user, None, Some(m)).await
        }
        Err(e) => Err(e),
    }
}

fn typed_confirmation(f: &HashMap<String, String>) -> Result<(), WebError> {
    if f.get("confirm").map(|s| s.trim()) == Some("WIPE") {
        Ok(())
    } else {
        Err(WebError::BadRequest(
            "type WIPE in capitals to confirm".into(),
        ))
    }
}

pub async fn wipe_request(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let result = async {
        typed_confirmation(&form)?;
        if state.store.deployment_state().await?.is_wiped() {
            return Err(WebError::Wiped);
        }
        let recipient = form
            .get("recipient")
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        if let Some(r) = &recipient {
            protection::check_recipient(r)?;
        }
        let now = state.now();
        let req = drawdown_storage::WipeRequest {
            id: uuid::Uuid::now_v7().to_string(),
            requested_by: user.id.clone(),
            requested_at: drawdown_storage::timestamp(now),
            expires_at: drawdown_storage::timestamp(
                now + time::Duration::minutes(WIPE_CONFIRM_MINUTES),
            ),
            handoff_recipient: recipient.clone(),
            state: "pending".into(),
        };
        let ev = AuditEvent::new(
            user.actor(),
            "vault.wipe_request",
            format!("wipe:{}", req.id),
            format!("handoff={}", recipient.is_some()),
            &caller.source,
        );
        state.store.request_wipe(&req, &ev, now).await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => see_other("/protection?done=wipe-requested"),
        Err(WebError::BadRequest(m) | WebError::Conflict(m)) => {
            protection_page(&state, &user, None, Some(m)).await
        }
        Err(e) => Err(e),
    }
}

pub async fn wipe_confirm(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let result = async {
        typed_confirmation(&form)?;
        let now = state.now();
        let req = state
            .store
            .pending_wipe(now)
            .await?
            .filter(|r| Some(r.id.as_str()) == form.get("id").map(String::as_str))
            .ok_or_else(|| WebError::BadRequest("this wipe request is no longer pending (expired or cancelled)".into()))?;
        if req.requested_by == user.id {
            return Err(WebError::BadRequest("a second wipe authority must confirm: you made this request".into()));
        }
        if let Some(recipient) = &req.handoff_recipient {
            // The hand-off comes first: if it fails, nothing is destroyed.
            if state.vault_label() != "unlocked" {
                return Err(WebError::BadRequest("the vault must be unlocked to export the hand-off; unlock it or request a wipe without hand-off".into()));
            }
            let handoff = protection::Handoff::load(&state.store).await?;
            let (file, n) = state.with_vault(|v| handoff.seal_to(v, recipient, now))?;
            let dir = handoff_dir(&state);
            std::fs::create_dir_all(&dir).map_err(|e| WebError::Internal(e.to_string()))?;
            let name = format!("handoff-{}.age", now.unix_timestamp());
            std::fs::write(dir.join(&name), &file).map_err(|e| WebError::Internal(e.to_string()))?;
            let ev = AuditEvent::new(user.actor(), "vault.handoff", format!("file:{name}"), format!("people={n}"), &caller.source);
            state.store.audit(&ev, now).await?;
        }
        protection::wipe(&state.store, Some((&req.id, &user.id)), &user.actor(), &caller.source, now)
            .await
            .map_err(|e| match e {
                WebError::Conflict(m) => WebError::BadRequest(m),
                other => other,
            })?;
        state.mark_wiped();
        Ok(())
    }
    .await;
    match result {
        Ok(()) => see_other("/protection?done=wiped"),
        Err(WebError::BadRequest(m)) => protection_page(&state, &user, None, Some(m)).await,
        Err(e) => Err(e),
    }
}

pub async fn wipe_cancel(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let id = form.get("id").cloned().unwrap_or_default();
    let ev = AuditEvent::new(
        user.actor(),
        "vault.wipe_cancel",
        format!("wipe:{id}"),
        "",
        &caller.source,
    );
    match state
        .store
        .cancel_wipe(&id, &user.id, &ev, state.now())
        .await
    {
        Ok(()) => see_other("/protection?done=wipe-cancelled"),
        Err(drawdown_storage::StorageError::NotFound(_)) => {
            protection_page(
                &state,
                &user,
                None,
                Some("no pending wipe request to cancel".into()),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn handoff_download(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(name): Path<String>,
) -> PageResult {
    let safe = name.starts_with("handoff-")
        && name.ends_with(".age")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'));
    if !safe {
        return Err(WebError::NotFound);
    }
    let bytes = std::fs::read(handoff_dir(&state).join(&name)).map_err(|_| WebError::NotFound)?;
    let ev = AuditEvent::new(
        user.actor(),
        "vault.handoff_download",
        format!("file:{name}"),
        "",
        &caller.source,
    );
    state.store.audit(&ev, state.now()).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

//! Alerts: the section's pages and its card on the dashboard; and the public
//! self-registration pages (no login: a person registers themselves and their household).

use super::*;
use crate::services::outreach::{self as svc, Intake, TokenProblem};
use drawdown_outreach::Language;
use drawdown_outreach::lang::Words;
use drawdown_outreach::registration::{self as reg, FieldProblem, MAX_MEMBERS, MEMBER_PARTS};

/// The public form's body is small: this is several times the largest honest submission.
pub const MAX_REGISTRATION_BYTES: usize = 32 * 1024;

fn language_of(asked: Option<&str>, headers: &HeaderMap) -> Language {
    if let Some(l) = asked.and_then(Language::parse) {
        return l;
    }
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    for tag in accept.split(',') {
        let code = tag.split(';').next().unwrap_or("").trim();
        let primary = code.split('-').next().unwrap_or("");
        if let Some(l) = Language::parse(primary) {
            return l;
        }
    }
    Language::En
}

struct FieldView {
    name: String,
    label: &'static str,
    hint: &'static str,
    value: String,
    error: Option<&'static str>,
    required: bool,
    autocomplete: &'static str,
    inputmode: &'static str,
}

#[derive(Template)]
#[template(path = "outreach_register.html")]
struct RegisterPage {
    chrome: Chrome,
    lang: Language,
    langs: [Language; 3],
    w: &'static Words,
    base: &'static str,
    heading: &'static str,
    notice: String,
    problems: Vec<(String, &'static str)>,
    action: &'static str,
    submit: &'static str,
    token: String,
    reference: String,
    secret: String,
    lead: Vec<FieldView>,
    rows: Vec<(usize, Vec<FieldView>)>,
    max_rows: usize,
    provinces: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "outreach_registered.html")]
struct RegisteredPage {
    chrome: Chrome,
    lang: Language,
    w: &'static Words,
    heading: &'static str,
    reference: String,
    secret: String,
}

#[derive(Template)]
#[template(path = "outreach_update.html")]
struct UpdatePage {
    chrome: Chrome,
    lang: Language,
    langs: [Language; 3],
    w: &'static Words,
    token: String,
    reference: String,
    error: &'static str,
}

/// What the form held, and what went wrong with it.
#[derive(Default)]
struct Typed {
    values: HashMap<String, String>,
    problems: Vec<FieldProblem>,
    rows: usize,
}

impl Typed {
    fn get(&self, k: &str) -> &str {
        self.values.get(k).map(String::as_str).unwrap_or("")
    }
}

/// Where the form is going: a new registration, or an update of one.
struct Mode {
    action: &'static str,
    reference: String,
    secret: String,
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    state: &AppState,
    lang: Language,
    typed: &Typed,
    notice: String,
    mode: Mode,
    status: StatusCode,
) -> PageResult {
    let w = lang.words();
    let vault = state.vault()?;
    let problem = |name: &str| {
        typed
            .problems
            .iter()
            .find(|p| p.field == name)
            .map(|p| p.problem.text(w))
    };
    let field = |name: &str,
                 label: &'static str,
                 hint: &'static str,
                 required: bool,
                 autocomplete: &'static str,
                 inputmode: &'static str| FieldView {
        name: name.to_string(),
        label,
        hint,
        value: typed.get(name).to_string(),
        error: problem(name),
        required,
        autocomplete,
        inputmode,
    };
    let lead = vec![
        field("given_name", w.given_name, "", true, "given-name", ""),
        field("family_name", w.family_name, "", false, "family-name", ""),
        field(
            "birth_date",
            w.birth_date,
            w.birth_hint,
            true,
            "bday",
            "numeric",
        ),
        field("document_number", w.document_number, "", false, "off", ""),
        field("phone", w.phone, w.phone_hint, false, "tel", "tel"),
        field("email", w.email, "", false, "email", "email"),
        field("province", w.province, "", true, "", ""),
        field("status", w.status, "", true, "", ""),
    ];
    let labels = [
        w.given_name,
        w.family_name,
        w.birth_date,
        w.document_number,
        w.relationship,
    ];
    let rows = (1..=typed.rows.clamp(1, MAX_MEMBERS))
        .map(|i| {
            let fields = MEMBER_PARTS
                .iter()
                .zip(labels)
                .map(|(part, label)| {
                    field(
                        &reg::member_field(i, part),
                        label,
                        "",
                        false,
                        "off",
                        if *part == "birth" { "numeric" } else { "" },
                    )
                })
                .collect();
            (i, fields)
        })
        .collect();
    let update = !mode.reference.is_empty();
    let page = RegisterPage {
        chrome: Chrome::bare(w.title),
        lang,
        langs: Language::ALL,
        w,
        base: if update {
            "/register/update"
        } else {
            "/register"
        },
        heading: if update { w.update_title } else { w.title },
        notice,
        problems: typed
            .problems
            .iter()
            .map(|p| (p.field.clone(), p.problem.text(w)))
            .collect(),
        action: mode.action,
        submit: if update { w.save } else { w.submit },
        token: svc::form_token(&vault, state.now()),
        reference: mode.reference,
        secret: mode.secret,
        lead,
        rows,
        max_rows: MAX_MEMBERS,
        provinces: drawdown_outreach::provinces::choices(),
        statuses: reg::CLAIMS
            .iter()
            .zip(w.statuses)
            .map(|(c, label)| (c.slug(), label))
            .collect(),
    };
    render(&page, status)
}

#[derive(Deserialize, Default)]
pub struct LangQuery {
    lang: Option<String>,
}

fn unavailable(lang: Language) -> Response {
    let w = lang.words();
    let page = RegisteredPage {
        chrome: Chrome::bare(w.title),
        lang,
        w,
        heading: w.unavailable,
        reference: String::new(),
        secret: String::new(),
    };
    match page.render() {
        Ok(html) => (StatusCode::SERVICE_UNAVAILABLE, Html(html)).into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, w.unavailable).into_response(),
    }
}

/// The public registration form.
pub async fn register_page(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> PageResult {
    let lang = language_of(q.lang.as_deref(), &headers);
    if state.vault().is_err() {
        return Ok(unavailable(lang));
    }
    let typed = Typed {
        rows: reg::MEMBER_ROWS,
        ..Default::default()
    };
    form_page(
        &state,
        lang,
        &typed,
        String::new(),
        Mode {
            action: "/register",
            reference: String::new(),
            secret: String::new(),
        },
        StatusCode::OK,
    )
}

fn typed_from(form: Vec<(String, String)>) -> Typed {
    let mut values = HashMap::new();
    for (k, v) in form {
        values.entry(k).or_insert(v);
    }
    let filled = (1..=MAX_MEMBERS)
        .filter(|i| {
            MEMBER_PARTS.iter().any(|p| {
                values
                    .get(&reg::member_field(*i, p))
                    .is_some_and(|v: &String| !v.trim().is_empty())
            })
        })
        .max()
        .unwrap_or(0);
    let asked: usize = values
        .get("rows")
        .and_then(|r| r.parse().ok())
        .unwrap_or(reg::MEMBER_ROWS);
    let more = if values.contains_key("more") { 4 } else { 0 };
    Typed {
        rows: (asked + more).max(filled).clamp(1, MAX_MEMBERS),
        values,
        problems: vec![],
    }
}

/// The checks every public submission passes before its content is read: the form token,
/// then the address's rate. `Some` is the page to show instead (the form kept).
fn gate(
    state: &AppState,
    caller: &auth::Caller,
    lang: Language,
    typed: &Typed,
    mode: impl Fn() -> Mode,
) -> Option<PageResult> {
    let w = lang.words();
    let Ok(vault) = state.vault() else {
        return Some(Ok(unavailable(lang)));
    };
    let now = state.now();
    let o = &state.outreach;
    if !o.admit(&caller.source, now, o.register.per_address_per_minute) {
        return Some(form_page(
            state,
            lang,
            typed,
            w.rate_limited.into(),
            mode(),
            StatusCode::TOO_MANY_REQUESTS,
        ));
    }
    match svc::spend_token(
        o,
        &vault,
        typed.get("_token"),
        now,
        o.register.min_fill_seconds,
    ) {
        Ok(()) => None,
        Err(TokenProblem::Expired | TokenProblem::TooFast) => Some(form_page(
            state,
            lang,
            typed,
            w.expired.into(),
            mode(),
            StatusCode::BAD_REQUEST,
        )),
    }
}

/// A registration sent.
pub async fn register_submit(
    State(state): State<AppState>,
    Extension(caller): Extension<auth::Caller>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    let mut typed = typed_from(form);
    let lang = language_of(Some(typed.get("lang")), &headers);
    let w = lang.words();
    let new = || Mode {
        action: "/register",
        reference: String::new(),
        secret: String::new(),
    };
    if typed.values.contains_key("more") {
        return form_page(&state, lang, &typed, String::new(), new(), StatusCode::OK);
    }
    if let Some(page) = gate(&state, &caller, lang, &typed, new) {
        return page;
    }
    // A bot filled the field people never see: it is told what a person is told, and
    // nothing is kept.
    if !typed.get("website").is_empty() {
        return receipt(lang, svc::new_reference(), svc::new_secret());
    }
    let parsed = reg::parse(|k| typed.get(k), lang);
    let registration = match parsed {
        Ok(r) => r,
        Err(problems) => {
            typed.problems = problems;
            return form_page(
                &state,
                lang,
                &typed,
                w.form_problem.into(),
                new(),
                StatusCode::BAD_REQUEST,
            );
        }
    };
    let vault = state.vault()?;
    let clock = {
        let s = state.clone();
        std::sync::Arc::new(move || s.now())
    };
    match svc::register(&state.store, &state.outreach, &vault, &registration, clock).await? {
        Intake::Accepted(r) => receipt(lang, r.reference, r.secret),
        Intake::Busy => form_page(
            &state,
            lang,
            &typed,
            w.unavailable.into(),
            new(),
            StatusCode::SERVICE_UNAVAILABLE,
        ),
    }
}

fn receipt(lang: Language, reference: String, secret: String) -> PageResult {
    let w = lang.words();
    render(
        &RegisteredPage {
            chrome: Chrome::bare(w.done_title),
            lang,
            w,
            heading: w.done_title,
            reference,
            secret,
        },
        StatusCode::OK,
    )
}

fn update_login(
    state: &AppState,
    lang: Language,
    reference: String,
    error: &'static str,
    status: StatusCode,
) -> PageResult {
    let vault = state.vault()?;
    render(
        &UpdatePage {
            chrome: Chrome::bare(lang.words().update_title),
            lang,
            langs: Language::ALL,
            w: lang.words(),
            token: svc::form_token(&vault, state.now()),
            reference,
            error,
        },
        status,
    )
}

/// Where a person gives their reference and secret to change their registration.
pub async fn register_update_page(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> PageResult {
    let lang = language_of(q.lang.as_deref(), &headers);
    if state.vault().is_err() {
        return Ok(unavailable(lang));
    }
    update_login(&state, lang, String::new(), "", StatusCode::OK)
}

/// Reference and secret given: the registration as it stands, to change.
pub async fn register_update_open(
    State(state): State<AppState>,
    Extension(caller): Extension<auth::Caller>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    let typed = typed_from(form);
    let lang = language_of(Some(typed.get("lang")), &headers);
    let w = lang.words();
    let reference = typed.get("reference").to_string();
    let vault = state.vault();
    let Ok(vault) = vault else {
        return Ok(unavailable(lang));
    };
    let now = state.now();
    let o = &state.outreach;
    // Guessing secrets is slow: few tries a minute from one address.
    if !o.admit(&format!("update:{}", caller.source), now, 10)
        || svc::spend_token(o, &vault, typed.get("_token"), now, 0).is_err()
    {
        return update_login(&state, lang, reference, w.expired, StatusCode::BAD_REQUEST);
    }
    let found =
        svc::open_registration(&state.store, &vault, &reference, typed.get("secret")).await?;
    let Some((rec, registration)) = found else {
        return update_login(
            &state,
            lang,
            reference,
            w.update_wrong,
            StatusCode::BAD_REQUEST,
        );
    };
    let values: HashMap<String, String> = registration.fields().into_iter().collect();
    let shown = Typed {
        rows: registration
            .members
            .len()
            .clamp(reg::MEMBER_ROWS, MAX_MEMBERS),
        values,
        problems: vec![],
    };
    form_page(
        &state,
        lang,
        &shown,
        String::new(),
        Mode {
            action: "/register/update/save",
            reference: rec.reference,
            secret: typed.get("secret").to_string(),
        },
        StatusCode::OK,
    )
}

/// The changed registration saved.
pub async fn register_update_save(
    State(state): State<AppState>,
    Extension(caller): Extension<auth::Caller>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    let mut typed = typed_from(form);
    let lang = language_of(Some(typed.get("lang")), &headers);
    let w = lang.words();
    let reference = typed.get("reference").to_string();
    let secret = typed.get("secret").to_string();
    let mode = || Mode {
        action: "/register/update/save",
        reference: reference.clone(),
        secret: secret.clone(),
    };
    if typed.values.contains_key("more") {
        return form_page(&state, lang, &typed, String::new(), mode(), StatusCode::OK);
    }
    if let Some(page) = gate(&state, &caller, lang, &typed, mode) {
        return page;
    }
    let vault = state.vault()?;
    let Some((rec, _)) = svc::open_registration(&state.store, &vault, &reference, &secret).await?
    else {
        return update_login(
            &state,
            lang,
            reference,
            w.update_wrong,
            StatusCode::BAD_REQUEST,
        );
    };
    let registration = match reg::parse(|k| typed.get(k), lang) {
        Ok(r) => r,
        Err(problems) => {
            typed.problems = problems;
            return form_page(
                &state,
                lang,
                &typed,
                w.form_problem.into(),
                mode(),
                StatusCode::BAD_REQUEST,
            );
        }
    };
    svc::update_registration(
        &state.store,
        &vault,
        &rec,
        &registration,
        &caller.source,
        state.now(),
    )
    .await?;
    render(
        &RegisteredPage {
            chrome: Chrome::bare(w.updated),
            lang,
            w,
            heading: w.updated,
            reference: String::new(),
            secret: String::new(),
        },
        StatusCode::OK,
    )
}

pub async fn alerts(State(s): State<AppState>, Extension(u): Extension<CurrentUser>) -> PageResult {
    super::dashboard::section(
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

/// This area's card on the dashboard (a `<section class="card">`).
pub async fn dashboard_card(state: &AppState, _user: &CurrentUser) -> Result<String, WebError> {
    let registrations = state.store.count_registrations().await?;
    Ok(format!(
        r#"<section class="card" aria-labelledby="c-alerts">
    <h2 id="c-alerts">Alerts</h2>
    <p class="big">{}</p>
    <p class="muted">self-registrations through the public form (<a href="/register">/register</a>)</p>
  </section>"#,
        count(&registrations)
    ))
}

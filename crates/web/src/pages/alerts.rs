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

struct AlertRow {
    id: String,
    title: String,
    when: String,
    created_by: String,
    segment_text: String,
    people: String,
    addresses: String,
    state: String,
    state_label: String,
    sent: i64,
    queued: i64,
    failed: i64,
    bounced: i64,
}

#[derive(Template)]
#[template(path = "outreach_alerts.html")]
struct AlertsPage {
    chrome: Chrome,
    threshold: u64,
    channels: Vec<String>,
    problems: Vec<String>,
    outbox: Vec<(String, String, String)>,
    registrations: String,
    alerts: Vec<AlertRow>,
    templates: Vec<(String, String)>,
    replies: Vec<(String, String, String, String)>,
}

fn state_label(s: &str) -> String {
    match s {
        "awaiting_approval" => "waiting for approval".into(),
        other => other.replace('_', " "),
    }
}

/// The alerts section: channels, outbox, alerts, templates, replies.
pub async fn alerts(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
) -> PageResult {
    let ch = &s.outreach.channels;
    let alerts = s
        .store
        .alerts(200)
        .await?
        .into_iter()
        .map(|a| AlertRow {
            when: when(&a.created_at),
            people: count(&a.people),
            addresses: count(&a.addresses),
            state_label: state_label(&a.state),
            id: a.id,
            title: a.title,
            created_by: a.created_by,
            segment_text: a.segment_text,
            state: a.state,
            sent: a.sent,
            queued: a.queued,
            failed: a.failed,
            bounced: a.bounced,
        })
        .collect();
    // Replies are personal: opened only with the vault, and the read is audited.
    let mut replies = Vec::new();
    if let Ok(vault) = s.vault() {
        let recent = s.store.recent_inbound(50).await?;
        if !recent.is_empty() {
            for r in &recent {
                let (from, text) = svc::alerts::open_reply(&vault, r)?;
                replies.push((
                    when(&r.received_at),
                    from,
                    r.person_id.clone().unwrap_or_default(),
                    text,
                ));
            }
            let ev = AuditEvent::new(
                u.actor(),
                "outreach.replies_read",
                "replies",
                format!("count={}", recent.len()),
                &caller.source,
            );
            s.store.audit(&ev, s.now()).await?;
        }
    }
    let page = AlertsPage {
        chrome: chrome(&s, &u, "/alerts", "Alerts", None).await?,
        threshold: svc::alerts::approval_threshold(),
        channels: ch.describe(),
        problems: ch.problems.clone(),
        outbox: s
            .store
            .outbox_counts()
            .await?
            .into_iter()
            .map(|(c, st, n)| (c, st, count(&n)))
            .collect(),
        registrations: count(&s.store.count_registrations().await?),
        alerts,
        templates: s
            .store
            .alert_templates()
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect(),
        replies,
    };
    render(&page, StatusCode::OK)
}

/// The compose form's values, as typed.
#[derive(Default)]
struct ComposeForm {
    title: String,
    departure: String,
    gate: String,
    report_time: String,
    bring: String,
    household_of: String,
    email: bool,
    sms: bool,
    preview_for: String,
    template_name: String,
}

struct TextView {
    code: &'static str,
    label: &'static str,
    dir: &'static str,
    subject: String,
    body: String,
}

#[derive(Template)]
#[template(path = "outreach_compose.html")]
struct ComposePage {
    chrome: Chrome,
    error: Option<String>,
    reach: Option<drawdown_outreach::Reach>,
    messages: u64,
    needs_approval: bool,
    threshold: u64,
    preview: Option<svc::alerts::Preview>,
    f: ComposeForm,
    texts: Vec<TextView>,
    categories: Vec<(String, String, bool)>,
    provinces: Vec<(String, String, bool)>,
    lists: Vec<(String, String, bool)>,
    priorities: Vec<(String, String, bool)>,
    languages: Vec<(String, String, bool)>,
    households: Vec<(String, String, bool)>,
    claims: Vec<(String, String, bool)>,
}

/// A draft from the compose form's fields.
fn draft_from(f: &Fields) -> svc::alerts::Draft {
    use drawdown_outreach::segment::{ClaimFilter, HouseholdFilter};
    use drawdown_outreach::template::MessageText;
    let text = |code: &str| MessageText {
        subject: f.get(&format!("{code}_subject")).to_string(),
        body: f.raw(&format!("{code}_body")).trim().replace("\r\n", "\n"),
    };
    let mut fields = HashMap::new();
    for k in ["departure", "gate", "report_time", "bring"] {
        let v = f.get(&format!("field_{k}"));
        if !v.is_empty() {
            fields.insert(k.to_string(), v.to_string());
        }
    }
    let set = |name: &str| -> std::collections::BTreeSet<String> {
        f.all(name)
            .into_iter()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    };
    let segment = drawdown_outreach::Segment {
        categories: set("category"),
        priorities: f
            .all("priority")
            .into_iter()
            .filter_map(|p| p.trim().parse().ok())
            .collect(),
        household: match f.get("household") {
            "in_household" => HouseholdFilter::InHousehold,
            "alone" => HouseholdFilter::Alone,
            _ => HouseholdFilter::Any,
        },
        claim: match f.get("claim") {
            "claimed" => ClaimFilter::Claimed,
            "confirmed" => ClaimFilter::Confirmed,
            _ => ClaimFilter::Any,
        },
        provinces: set("province"),
        languages: f
            .all("language")
            .into_iter()
            .filter_map(Language::parse)
            .collect(),
        lists: set("list"),
        household_of: Some(f.get("household_of").to_string()).filter(|v| !v.is_empty()),
        ..Default::default()
    };
    svc::alerts::Draft {
        title: f.get("title").to_string(),
        texts: drawdown_outreach::Texts {
            en: text("en"),
            fa: text("fa"),
            ps: text("ps"),
        },
        fields,
        segment,
        email: !f.get("email").is_empty(),
        sms: !f.get("sms").is_empty(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn compose_page(
    s: &AppState,
    u: &CurrentUser,
    d: &svc::alerts::Draft,
    extra: (&str, &str, &str),
    error: Option<String>,
    reach: Option<drawdown_outreach::Reach>,
    preview: Option<svc::alerts::Preview>,
    status: StatusCode,
) -> PageResult {
    let (preview_for, template_name, flash) = extra;
    let seg = &d.segment;
    let sel = |set: &std::collections::BTreeSet<String>, v: &str| set.contains(v);
    let lists = s
        .store
        .sources()
        .await?
        .into_iter()
        .map(|l| (l.name.clone(), l.name.clone(), sel(&seg.lists, &l.name)))
        .collect();
    let threshold = svc::alerts::approval_threshold();
    use drawdown_outreach::segment::{ClaimFilter, HouseholdFilter};
    let page = ComposePage {
        chrome: chrome(s, u, "/alerts", "Compose an alert", Some(flash)).await?,
        error,
        messages: reach.as_ref().map(|r| d.addresses(r)).unwrap_or(0),
        needs_approval: reach.as_ref().is_some_and(|r| r.people > threshold),
        threshold,
        reach,
        preview,
        f: ComposeForm {
            title: d.title.clone(),
            departure: d.fields.get("departure").cloned().unwrap_or_default(),
            gate: d.fields.get("gate").cloned().unwrap_or_default(),
            report_time: d.fields.get("report_time").cloned().unwrap_or_default(),
            bring: d.fields.get("bring").cloned().unwrap_or_default(),
            household_of: seg.household_of.clone().unwrap_or_default(),
            email: d.email,
            sms: d.sms,
            preview_for: preview_for.to_string(),
            template_name: template_name.to_string(),
        },
        texts: Language::ALL
            .iter()
            .map(|l| {
                let t = d.texts.get(*l);
                TextView {
                    code: l.code(),
                    label: l.label(),
                    dir: l.dir(),
                    subject: t.subject.clone(),
                    body: t.body.clone(),
                }
            })
            .collect(),
        categories: svc::alerts::categories()
            .into_iter()
            .map(|(slug, label)| {
                (
                    slug.to_string(),
                    label.to_string(),
                    sel(&seg.categories, slug),
                )
            })
            .collect(),
        provinces: drawdown_outreach::provinces::choices()
            .into_iter()
            .map(|(en, _)| (en.to_string(), en.to_string(), sel(&seg.provinces, en)))
            .collect(),
        lists,
        priorities: (1..=5u8)
            .map(|p| {
                (
                    p.to_string(),
                    format!("tier {p}"),
                    seg.priorities.contains(&p),
                )
            })
            .collect(),
        languages: Language::ALL
            .iter()
            .map(|l| {
                (
                    l.code().to_string(),
                    l.label().to_string(),
                    seg.languages.contains(l),
                )
            })
            .collect(),
        households: [
            (HouseholdFilter::Any, "any", "Anyone"),
            (
                HouseholdFilter::InHousehold,
                "in_household",
                "In a household of two or more",
            ),
            (HouseholdFilter::Alone, "alone", "Travelling alone"),
        ]
        .into_iter()
        .map(|(h, v, l)| (v.to_string(), l.to_string(), seg.household == h))
        .collect(),
        claims: [
            (ClaimFilter::Any, "any", "Any"),
            (ClaimFilter::Claimed, "claimed", "Only claimed, unverified"),
            (
                ClaimFilter::Confirmed,
                "confirmed",
                "Known from a list or verified",
            ),
        ]
        .into_iter()
        .map(|(h, v, l)| (v.to_string(), l.to_string(), seg.claim == h))
        .collect(),
    };
    render(&page, status)
}

#[derive(Deserialize, Default)]
pub struct ComposeQuery {
    template: Option<String>,
}

/// The compose form, empty or from a template.
pub async fn alerts_compose(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Query(q): Query<ComposeQuery>,
) -> PageResult {
    let mut d = svc::alerts::Draft {
        email: true,
        sms: true,
        ..Default::default()
    };
    if let Some(id) = q.template.as_deref() {
        let t = s
            .store
            .alert_templates()
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or(WebError::NotFound)?;
        d.title = t.name;
        d.texts = serde_json::from_str(&t.texts).map_err(|e| WebError::Internal(e.to_string()))?;
    }
    compose_page(&s, &u, &d, ("", "", ""), None, None, None, StatusCode::OK).await
}

/// Count and preview, send, or keep the texts as a template.
pub async fn alerts_compose_post(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = Fields(form);
    let d = draft_from(&f);
    let preview_for = f.get("preview_for").to_string();
    let template_name = f.get("template_name").to_string();
    let extra = (preview_for.as_str(), template_name.as_str(), "");
    let (s, u, d) = (&s, &u, &d);
    let fail = |e: WebError| async move {
        let status = e.status();
        compose_page(s, u, d, extra, Some(e.to_string()), None, None, status).await
    };
    match f.get("do") {
        "send" => match svc::alerts::send(s, d, &u.actor(), &caller.source).await {
            Ok(sent) => see_other(&format!("/alerts/{}", sent.alert_id)),
            Err(e @ (WebError::BadRequest(_) | WebError::Conflict(_))) => fail(e).await,
            Err(e) => Err(e),
        },
        "save_template" => {
            let name = template_name.trim();
            let checked = if name.is_empty() || name.chars().count() > 120 {
                Err(WebError::BadRequest(
                    "give the template a name of at most 120 characters".into(),
                ))
            } else {
                d.texts
                    .check()
                    .map_err(|e| WebError::BadRequest(e.to_string()))
            };
            if let Err(e) = checked {
                return fail(e).await;
            }
            let texts =
                serde_json::to_string(&d.texts).map_err(|e| WebError::Internal(e.to_string()))?;
            let ev = AuditEvent::new(
                u.actor(),
                "outreach.template_saved",
                format!("template:{name}"),
                "",
                &caller.source,
            );
            s.store
                .save_template(
                    &uuid::Uuid::now_v7().to_string(),
                    name,
                    &texts,
                    &u.actor(),
                    &ev,
                    s.now(),
                )
                .await?;
            compose_page(
                s,
                u,
                d,
                ("", "", "template-saved"),
                None,
                None,
                None,
                StatusCode::OK,
            )
            .await
        }
        _ => {
            if let Err(e) = d.texts.check() {
                return fail(WebError::BadRequest(e.to_string())).await;
            }
            let facts = svc::alerts::facts(s).await?;
            let reach = d.segment.reach(&facts);
            let who = if preview_for.is_empty() {
                d.segment.select(&facts).first().map(|p| p.id.clone())
            } else {
                Some(preview_for.clone())
            };
            let preview = match who {
                Some(id) => match svc::alerts::preview(s, d, &id, &u.actor(), &caller.source).await
                {
                    Ok(p) => Some(p),
                    Err(WebError::NotFound) => {
                        return fail(WebError::BadRequest(format!("no person has the id {id}")))
                            .await;
                    }
                    Err(e) => return Err(e),
                },
                None => None,
            };
            compose_page(s, u, d, extra, None, Some(reach), preview, StatusCode::OK).await
        }
    }
}

struct MessageRow {
    channel: String,
    state: String,
    attempts: i64,
    reason: String,
    updated: String,
    person_id: String,
}

#[derive(Template)]
#[template(path = "outreach_alert.html")]
struct AlertPage {
    chrome: Chrome,
    error: Option<String>,
    a: drawdown_storage::outreach::AlertRecord,
    state_label: String,
    created: String,
    own: bool,
    texts: Vec<(&'static str, &'static str, String, String)>,
    messages: Vec<MessageRow>,
}

async fn alert_page(
    s: &AppState,
    u: &CurrentUser,
    id: &str,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let a = s.store.alert(id).await?.ok_or(WebError::NotFound)?;
    let d = svc::alerts::draft_of(&a)?;
    let texts = Language::ALL
        .iter()
        .filter(|l| !d.texts.get(**l).is_empty())
        .map(|l| {
            let t = d.texts.get(*l);
            (l.label(), l.dir(), t.subject.clone(), t.body.clone())
        })
        .collect();
    let messages = s
        .store
        .messages_of_alert(id, 1000)
        .await?
        .into_iter()
        .map(|m| MessageRow {
            channel: m.channel,
            state: m.state,
            attempts: m.attempts,
            reason: m.reason,
            updated: when(&m.updated_at),
            person_id: m.person_id,
        })
        .collect();
    let page = AlertPage {
        chrome: chrome(s, u, "/alerts", &a.title, None).await?,
        error,
        state_label: state_label(&a.state),
        created: when(&a.created_at),
        own: a.created_by == u.actor(),
        texts,
        messages,
        a,
    };
    render(&page, status)
}

pub async fn alert_detail(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Path(id): Path<String>,
) -> PageResult {
    alert_page(&s, &u, &id, None, StatusCode::OK).await
}

/// A second person approves a held alert.
pub async fn alert_approve(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(id): Path<String>,
) -> PageResult {
    match svc::alerts::approve(&s, &id, &u.actor(), &caller.source).await {
        Ok(_) => see_other(&format!("/alerts/{id}")),
        Err(e @ (WebError::BadRequest(_) | WebError::Conflict(_))) => {
            let status = e.status();
            alert_page(&s, &u, &id, Some(e.to_string()), status).await
        }
        Err(e) => Err(e),
    }
}

pub async fn alert_cancel(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(id): Path<String>,
) -> PageResult {
    match svc::alerts::cancel(&s, &id, &u.actor(), &caller.source).await {
        Ok(()) => see_other(&format!("/alerts/{id}")),
        Err(e @ WebError::Conflict(_)) => {
            alert_page(&s, &u, &id, Some(e.to_string()), StatusCode::CONFLICT).await
        }
        Err(e) => Err(e),
    }
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

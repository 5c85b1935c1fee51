//! Destruction: the plan and the ledger (/destruction), the inventory and burn bags
//! (/destruction/holdings), devices and the method matrix (/destruction/devices), and the
//! area's card on the dashboard.

use super::*;
use crate::services::destruction::{self as svc, Overview, RecordInput};
use axum::extract::Multipart;
use drawdown_destruction::{DeviceStatus, Method};
use drawdown_storage::destruction::PENDING_WITNESS;

/// "1,234" for whole quantities, one decimal under ten.
pub fn qty(q: f64) -> String {
    if q > 0.0 && q < 10.0 && q.fract() > 0.05 {
        format!("{q:.1}")
    } else {
        count(&(q.round() as i64))
    }
}

/// "1.8 days (43 h)".
pub fn days_text(d: Option<f64>) -> String {
    match d {
        None => "never, at today's capacity".into(),
        Some(d) if d <= 0.0 => "done".into(),
        Some(d) if d < 2.0 => format!("{d:.1} days ({:.0} h)", d * 24.0),
        Some(d) => format!("{d:.1} days"),
    }
}

fn flash(done: Option<&str>) -> Option<Notice> {
    let text = match done? {
        "recorded" => {
            "Destruction recorded. A second person must now confirm it as witness, in their own session."
        }
        "witnessed" => {
            "Witnessed: the certificate of destruction is issued and its SHA-256 is in the audit log."
        }
        "holding" => "Holding added to the inventory.",
        "imported" => "Holdings imported.",
        "device" => "Device saved.",
        "matrix" => "Method matrix changed.",
        "bag" => "Burn bag sealed.",
        "kind" => "Kind added.",
        "settings" => "Emergency destruction settings saved.",
        _ => return None,
    };
    Some(Notice {
        kind: "ok",
        text: text.into(),
    })
}

async fn frame(
    state: &AppState,
    user: &CurrentUser,
    title: &str,
    done: Option<&str>,
) -> Result<Chrome, WebError> {
    let mut c = chrome(state, user, "/destruction", title, None).await?;
    c.flash = flash(done);
    Ok(c)
}

/// The pages a form comes back on when it is refused.
#[derive(Clone, Copy)]
enum FormPage {
    Plan,
    Holdings,
    Devices,
}

impl FormPage {
    /// The page again, with the reason the form was refused (a 400).
    async fn refused(
        self,
        state: &AppState,
        user: &CurrentUser,
        source: &str,
        reason: String,
    ) -> PageResult {
        match self {
            FormPage::Plan => destruction_page(state, user, source, None, Some(reason)).await,
            FormPage::Holdings => holdings_page(state, user, source, None, Some(reason)).await,
            FormPage::Devices => devices_page(state, user, None, Some(reason)).await,
        }
    }
}

/// A form's outcome: done, on to `next`; refused (bad input, a conflict), back on `page` with
/// the reason; anything else is an error page.
async fn after_form<T>(
    state: &AppState,
    user: &CurrentUser,
    source: &str,
    outcome: Result<T, WebError>,
    next: &str,
    page: FormPage,
) -> PageResult {
    match outcome {
        Ok(_) => see_other(next),
        Err(WebError::BadRequest(m) | WebError::Conflict(m)) => {
            page.refused(state, user, source, m).await
        }
        Err(other) => Err(other),
    }
}

async fn audit_read(
    state: &AppState,
    user: &CurrentUser,
    source: &str,
    action: &str,
    target: &str,
    detail: String,
) -> Result<(), WebError> {
    svc::audit_read(
        &state.store,
        &user.actor(),
        source,
        action,
        target,
        detail,
        state.now(),
    )
    .await
}

/// Every method, for a form's choice.
fn method_choices() -> Vec<Choice> {
    Method::ALL
        .iter()
        .map(|m| Choice {
            value: m.slug().into(),
            label: m.label().into(),
        })
        .collect()
}

/// A PDF to download as `filename`.
fn pdf_download(filename: &str, pdf: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        pdf,
    )
        .into_response()
}

// ------------------------------------------------------------ the plan and the ledger

pub struct KindLeft {
    pub slug: String,
    pub label: String,
    pub priority: u8,
    pub left: String,
    pub unit: &'static str,
    pub start: String,
    pub pct_done: i64,
    pub methods: String,
    pub stuck: bool,
    pub critical: bool,
}

pub struct WorkLine {
    pub day: u32,
    pub kind: String,
    pub device: String,
    pub quantity: String,
    pub unit: &'static str,
}

pub struct EmergencyLine {
    pub priority: i64,
    pub kind: String,
    pub description: String,
    pub location: String,
    pub left: String,
    pub unit: &'static str,
    pub devices: String,
}

pub struct RecordView {
    pub id: String,
    pub number: String,
    pub at: String,
    pub kind: String,
    pub quantity: String,
    pub unit: &'static str,
    pub method: String,
    pub device: String,
    pub bag: String,
    pub operator: String,
    pub witness: String,
    pub pending: bool,
    pub mine: bool,
}

pub struct Choice {
    pub value: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "destruction.html")]
struct DestructionPage {
    chrome: Chrome,
    emergency: bool,
    /// "ordered departure: Reduce holdings to the emergency-destruction level (due …)".
    posture: Option<String>,
    level: i64,
    deadline_hours: i64,
    days_to_target: String,
    days_to_zero: String,
    meets: Option<bool>,
    bottleneck: String,
    critical: String,
    stuck: String,
    kinds: Vec<KindLeft>,
    work: Vec<WorkLine>,
    what_ifs: Vec<(String, String, bool)>,
    emergency_list: Vec<EmergencyLine>,
    pending: Vec<RecordView>,
    records: Vec<RecordView>,
    burn_down: String,
    can_manage: bool,
    can_witness: bool,
    holdings: Vec<Choice>,
    methods: Vec<Choice>,
    devices: Vec<Choice>,
    open_bags: Vec<Choice>,
    error: Option<String>,
}

fn record_view(o: &Overview, r: &drawdown_storage::destruction::RecordRow, me: &str) -> RecordView {
    RecordView {
        id: r.id.clone(),
        number: svc::certificate_number(r.number),
        at: when(&r.destroyed_at),
        kind: o.catalogue.label(&r.kind),
        quantity: count(&r.quantity),
        unit: o.catalogue.unit(&r.kind),
        method: r.method.replace('_', " "),
        device: o.record_device(r),
        bag: o.record_bag(r),
        operator: r.operator.clone(),
        witness: r.witness.clone().unwrap_or_default(),
        pending: r.status == PENDING_WITNESS,
        mine: r.operator == me,
    }
}

async fn destruction_page(
    state: &AppState,
    user: &CurrentUser,
    source: &str,
    done: Option<&str>,
    error: Option<String>,
) -> PageResult {
    let o = svc::overview(&state.store, state.now()).await?;
    audit_read(
        state,
        user,
        source,
        "destruction.read",
        "destruction",
        format!("holdings={} records={}", o.holdings.len(), o.records.len()),
    )
    .await?;
    let p = &o.plan;
    let start = o.at_start();
    let mut kinds: Vec<KindLeft> = o
        .catalogue
        .kinds
        .iter()
        .filter(|k| start.get(&k.slug).copied().unwrap_or(0) > 0)
        .map(|k| {
            let left = o.remaining.get(&k.slug).copied().unwrap_or(0.0);
            let s = start.get(&k.slug).copied().unwrap_or(0);
            KindLeft {
                slug: k.slug.clone(),
                label: k.label.clone(),
                priority: k.priority,
                left: qty(left),
                unit: k.unit.label(),
                start: count(&s),
                pct_done: if s > 0 {
                    (100.0 * (1.0 - left / s as f64)).round() as i64
                } else {
                    100
                },
                methods: o
                    .catalogue
                    .matrix
                    .methods_for(&k.slug)
                    .iter()
                    .map(|m| m.slug())
                    .collect::<Vec<_>>()
                    .join(", "),
                stuck: p.stuck.contains(&k.slug),
                critical: p.critical_kinds.contains(&k.slug),
            }
        })
        .collect();
    kinds.sort_by_key(|k| (k.priority, k.label.clone()));
    let work = p
        .days
        .iter()
        .take(14)
        .flat_map(|d| {
            d.work.iter().map(|w| WorkLine {
                day: d.day,
                kind: o.catalogue.label(&w.kind),
                device: o.device_name(&w.device),
                quantity: qty(w.quantity),
                unit: o.catalogue.unit(&w.kind),
            })
        })
        .collect();
    // The emergency list: what must go first, in order, on which device, and what is left.
    let mut devices_for: HashMap<String, Vec<String>> = HashMap::new();
    for w in p.days.iter().flat_map(|d| &d.work) {
        let names = devices_for.entry(w.kind.clone()).or_default();
        let n = o.device_name(&w.device);
        if !names.contains(&n) {
            names.push(n);
        }
    }
    let emergency_list = o
        .holdings
        .iter()
        .filter(|h| h.quantity > 0)
        .map(|h| EmergencyLine {
            priority: h.priority,
            kind: o.catalogue.label(&h.kind),
            description: h.description.clone(),
            location: h.location.clone(),
            left: count(&h.quantity),
            unit: o.catalogue.unit(&h.kind),
            devices: devices_for
                .get(&h.kind)
                .map(|v| v.join(", "))
                .unwrap_or_else(|| "no working device approved".into()),
        })
        .collect();
    let me = user.actor();
    let pending = o
        .records
        .iter()
        .filter(|r| r.status == PENDING_WITNESS)
        .map(|r| record_view(&o, r, &me))
        .collect();
    let records = o
        .records
        .iter()
        .take(50)
        .map(|r| record_view(&o, r, &me))
        .collect();
    let holdings = o
        .holdings
        .iter()
        .filter(|h| h.quantity - h.sealed > 0)
        .map(|h| Choice {
            value: h.id.clone(),
            label: format!(
                "{} — {} ({} {} left{}, {})",
                o.catalogue.label(&h.kind),
                if h.description.is_empty() {
                    "no description"
                } else {
                    &h.description
                },
                count(&(h.quantity - h.sealed)),
                o.catalogue.unit(&h.kind),
                if h.sealed > 0 { " outside bags" } else { "" },
                h.location
            ),
        })
        .collect();
    let devices = o
        .devices
        .iter()
        .map(|d| Choice {
            value: d.id.clone(),
            label: format!(
                "{} ({}, {})",
                d.name,
                d.method.replace('_', " "),
                DeviceStatus::parse(&d.status).map_or(d.status.as_str(), |s| s.label())
            ),
        })
        .collect();
    let open_bags = o
        .bags
        .iter()
        .filter(|b| b.record_id.is_none())
        .map(|b| Choice {
            value: b.serial.clone(),
            label: format!("{} — {}", b.serial, b.contents),
        })
        .collect();
    let burn_down = burn_down_svg(&o, state.now()) + &plan_by_priority_svg(&o);
    let page = DestructionPage {
        chrome: frame(state, user, "Destruction", done).await?,
        emergency: o.settings.emergency,
        posture: o
            .posture
            .as_ref()
            .map(|p| format!("{}: {} (due {})", p.level, p.task, when(&p.due_at))),
        level: o.settings.emergency_priority,
        deadline_hours: o.settings.deadline_hours,
        days_to_target: days_text(p.days_to_target),
        days_to_zero: days_text(p.days_to_zero),
        meets: p.meets_deadline,
        bottleneck: o.device_names(&p.bottleneck),
        critical: o.catalogue.labels(&p.critical_kinds),
        stuck: o.catalogue.labels(&p.stuck),
        kinds,
        work,
        what_ifs: o
            .what_ifs
            .iter()
            .take(8)
            .map(|w| {
                (
                    w.change.clone(),
                    days_text(w.days_to_target),
                    w.meets_deadline == Some(true),
                )
            })
            .collect(),
        emergency_list,
        pending,
        records,
        burn_down,
        can_manage: user.can(Permission::ManageDestruction),
        can_witness: user.can(Permission::WitnessDestruction),
        holdings,
        methods: method_choices(),
        devices,
        open_bags,
        error: error.clone(),
    };
    render(&page, form_status(&error))
}

/// Remaining holdings (kg by weight) over time: what the records say so far, then the plan;
/// all kinds, and the emergency level's kinds (the most sensitive) apart; the deadline marked.
fn burn_down_svg(o: &Overview, now: time::OffsetDateTime) -> String {
    use crate::charts::{self, LineChart, Series, XAxis};
    let kg = |kind: &str, q: f64| o.catalogue.kg(kind, q);
    let urgent = |kind: &str| {
        o.catalogue
            .kind(kind)
            .is_some_and(|k| i64::from(k.priority) <= o.settings.emergency_priority)
    };
    let now_x = now.unix_timestamp() as f64;
    let left_all: f64 = o.remaining.iter().map(|(k, q)| kg(k, *q)).sum();
    let left_urgent: f64 = o
        .remaining
        .iter()
        .filter(|(k, _)| urgent(k))
        .map(|(k, q)| kg(k, *q))
        .sum();
    // Walk the records back from now: before each one, its quantity was still held.
    let mut all = vec![(now_x, left_all)];
    let mut first = vec![(now_x, left_urgent)];
    let (mut a, mut u) = (left_all, left_urgent);
    let mut newest_first: Vec<_> = o.records.iter().collect();
    newest_first.sort_by(|a, b| b.destroyed_at.cmp(&a.destroyed_at));
    for r in newest_first {
        let Some(x) = charts::time_x(&r.destroyed_at) else {
            continue;
        };
        all.push((x, a));
        first.push((x, u));
        a += kg(&r.kind, r.quantity as f64);
        if urgent(&r.kind) {
            u += kg(&r.kind, r.quantity as f64);
        }
        all.push((x - 1.0, a));
        first.push((x - 1.0, u));
    }
    if let Some(x) = o
        .holdings
        .iter()
        .filter_map(|h| charts::time_x(&h.created_at))
        .reduce(f64::min)
    {
        all.push((x, a));
        first.push((x, u));
    }
    let by_day = o.plan.remaining_by_day(&o.remaining);
    let plan_all: Vec<(f64, f64)> = by_day
        .iter()
        .enumerate()
        .map(|(d, left)| {
            (
                now_x + d as f64 * 86_400.0,
                left.iter().map(|(k, q)| kg(k, *q)).sum(),
            )
        })
        .collect();
    let plan_urgent: Vec<(f64, f64)> = by_day
        .iter()
        .enumerate()
        .map(|(d, left)| {
            (
                now_x + d as f64 * 86_400.0,
                left.iter()
                    .filter(|(k, _)| urgent(k))
                    .map(|(k, q)| kg(k, *q))
                    .sum(),
            )
        })
        .collect();
    let series = [
        Series::new("Recorded: all holdings (kg)", all),
        Series::new(
            format!(
                "Recorded: priority 1–{} (kg)",
                o.settings.emergency_priority
            ),
            first,
        ),
        Series::new("Plan: all holdings", plan_all),
        Series::new(
            format!("Plan: priority 1–{}", o.settings.emergency_priority),
            plan_urgent,
        ),
    ];
    let deadline = now_x + o.settings.deadline_hours as f64 * 3600.0;
    let deadline_label = format!("Deadline ({} h)", o.settings.deadline_hours);
    charts::line(&LineChart {
        title: "Holdings left, recorded and planned",
        desc: "Kilograms of sensitive holdings left over time: what destruction records show so far, then the plan to zero at today's capacity.",
        x_label: "Date (UTC)",
        y_label: "kg left",
        series: &series,
        x_axis: XAxis::Time,
        step: false,
        x_marks: &[(deadline, deadline_label.as_str())],
        ..Default::default()
    })
}

/// What the plan leaves at the start of each day, by priority (kg by weight), most sensitive at
/// the bottom of each bar.
fn plan_by_priority_svg(o: &Overview) -> String {
    use crate::charts::{self, BarSeries, StackedBarChart};
    let by_day = o.plan.remaining_by_day(&o.remaining);
    let categories: Vec<String> = (0..by_day.len())
        .map(|d| {
            if d == 0 {
                "Now".to_string()
            } else {
                format!("Day {d}")
            }
        })
        .collect();
    let mut priorities: Vec<u8> = o.catalogue.kinds.iter().map(|k| k.priority).collect();
    priorities.sort_unstable();
    priorities.dedup();
    let series: Vec<BarSeries> = priorities
        .iter()
        .map(|p| {
            BarSeries::new(
                format!("Priority {p}"),
                by_day
                    .iter()
                    .map(|left| {
                        left.iter()
                            .filter_map(|(k, q)| {
                                o.catalogue
                                    .kind(k)
                                    .filter(|k| k.priority == *p)
                                    .map(|k| q * k.kg_per_unit)
                            })
                            .sum()
                    })
                    .collect(),
            )
        })
        .filter(|s| s.values.iter().any(|v| *v > 0.0))
        .collect();
    charts::stacked(&StackedBarChart {
        title: "The plan: what is left at the start of each day, by priority",
        desc: "Kilograms left at the start of each planned day, stacked by emergency-destruction priority (1, the most sensitive, at the bottom).",
        x_label: "Day of the plan",
        y_label: "kg left",
        categories: &categories,
        series: &series,
    })
}

pub async fn destruction(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Query(d): Query<Done>,
) -> PageResult {
    destruction_page(&s, &u, &caller.source, d.done.as_deref(), None).await
}

pub async fn record_destruction(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(input): Form<RecordInput>,
) -> PageResult {
    let outcome =
        svc::record_destruction(&s.store, &u.actor(), &caller.source, &input, s.now()).await;
    let next = "/destruction?done=recorded#pending";
    after_form(&s, &u, &caller.source, outcome, next, FormPage::Plan).await
}

pub async fn witness_destruction(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(id): Path<String>,
) -> PageResult {
    let org = svc::org_name(&s.store).await?;
    let outcome = svc::witness(&s.store, &org, &u.actor(), &caller.source, &id, s.now()).await;
    let next = "/destruction?done=witnessed#records";
    after_form(&s, &u, &caller.source, outcome, next, FormPage::Plan).await
}

pub async fn destruction_certificate(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(id): Path<String>,
) -> PageResult {
    let r = s
        .store
        .destruction_record(&id)
        .await?
        .ok_or(WebError::NotFound)?;
    let (sha, pdf) = s
        .store
        .destruction_certificate(&id)
        .await?
        .ok_or(WebError::NotFound)?;
    let number = svc::certificate_number(r.number);
    audit_read(
        &s,
        &u,
        &caller.source,
        "destruction.certificate_read",
        &format!("destruction_record:{id}"),
        format!("{number} sha256={sha}"),
    )
    .await?;
    Ok(pdf_download(&format!("certificate-{number}.pdf"), pdf))
}

pub async fn destruction_emergency(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    let on = match get("emergency") {
        "on" => true,
        "off" => false,
        other => {
            return Err(WebError::BadRequest(format!(
                "emergency: '{other}' is not on or off"
            )));
        }
    };
    let outcome = svc::set_emergency(
        &s.store,
        &u.actor(),
        &caller.source,
        on,
        get("level"),
        get("deadline_hours"),
        s.now(),
    )
    .await;
    let next = "/destruction?done=settings";
    after_form(&s, &u, &caller.source, outcome, next, FormPage::Plan).await
}

// ------------------------------------------------------------ holdings and burn bags

pub struct HoldingView {
    pub id: String,
    pub kind: String,
    pub description: String,
    pub quantity: String,
    pub quantity_raw: i64,
    pub initial: String,
    pub unit: &'static str,
    pub sealed: String,
    pub classification: String,
    pub location: String,
    pub custodian: String,
    pub priority: i64,
}

pub struct BagView {
    pub serial: String,
    pub holding: String,
    pub contents: String,
    pub quantity: String,
    pub unit: &'static str,
    pub sealed_by: String,
    pub sealed_at: String,
    pub destroyed: String,
}

#[derive(Template)]
#[template(path = "destruction_holdings.html")]
struct HoldingsPage {
    chrome: Chrome,
    holdings: Vec<HoldingView>,
    bags: Vec<BagView>,
    kinds: Vec<Choice>,
    methods: Vec<Choice>,
    columns: String,
    can_manage: bool,
    error: Option<String>,
}

async fn holdings_page(
    state: &AppState,
    user: &CurrentUser,
    source: &str,
    done: Option<&str>,
    error: Option<String>,
) -> PageResult {
    let cat = svc::catalogue(&state.store).await?;
    let rows = state.store.holdings().await?;
    let bags = state.store.burn_bags().await?;
    let records = state.store.destruction_records().await?;
    audit_read(
        state,
        user,
        source,
        "destruction.holdings_read",
        "holdings",
        format!("rows={}", rows.len()),
    )
    .await?;
    let holding_label = |id: &str| {
        rows.iter()
            .find(|h| h.id == id)
            .map(|h| format!("{} — {}", cat.label(&h.kind), h.description))
            .unwrap_or_default()
    };
    let page = HoldingsPage {
        chrome: frame(state, user, "Holdings", done).await?,
        holdings: rows
            .iter()
            .map(|h| HoldingView {
                id: h.id.clone(),
                kind: cat.label(&h.kind),
                description: h.description.clone(),
                quantity: count(&h.quantity),
                quantity_raw: h.quantity,
                initial: count(&h.initial_quantity),
                unit: cat.unit(&h.kind),
                sealed: if h.sealed > 0 {
                    count(&h.sealed)
                } else {
                    String::new()
                },
                classification: h.classification.clone(),
                location: h.location.clone(),
                custodian: h.custodian.clone(),
                priority: h.priority,
            })
            .collect(),
        bags: bags
            .iter()
            .map(|b| {
                let unit = rows
                    .iter()
                    .find(|h| h.id == b.holding_id)
                    .map_or("units", |h| cat.unit(&h.kind));
                BagView {
                    serial: b.serial.clone(),
                    holding: holding_label(&b.holding_id),
                    contents: b.contents.clone(),
                    quantity: count(&b.quantity),
                    unit,
                    sealed_by: b.sealed_by.clone(),
                    sealed_at: when(&b.sealed_at),
                    destroyed: b
                        .record_id
                        .as_deref()
                        .and_then(|r| records.iter().find(|x| x.id == r))
                        .map(|r| {
                            format!(
                                "{} on {}{}",
                                svc::certificate_number(r.number),
                                when(&r.destroyed_at),
                                r.witness
                                    .as_deref()
                                    .map(|w| format!(", witnessed by {w}"))
                                    .unwrap_or_else(|| ", awaiting witness".into())
                            )
                        })
                        .unwrap_or_default(),
                }
            })
            .collect(),
        kinds: cat
            .kinds
            .iter()
            .map(|k| Choice {
                value: k.slug.clone(),
                label: format!("{} ({}, priority {})", k.label, k.unit.label(), k.priority),
            })
            .collect(),
        methods: method_choices(),
        columns: svc::CSV_COLUMNS.join(","),
        can_manage: user.can(Permission::ManageDestruction),
        error: error.clone(),
    };
    render(&page, form_status(&error))
}

pub async fn destruction_holdings(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Query(d): Query<Done>,
) -> PageResult {
    holdings_page(&s, &u, &caller.source, d.done.as_deref(), None).await
}

pub async fn add_holding(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(input): Form<svc::HoldingInput>,
) -> PageResult {
    let outcome = svc::add_holding(&s.store, &u.actor(), &caller.source, &input, s.now()).await;
    let next = "/destruction/holdings?done=holding";
    after_form(&s, &u, &caller.source, outcome, next, FormPage::Holdings).await
}

pub async fn import_holdings(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    mut multipart: Multipart,
) -> PageResult {
    let refused = |reason: String| FormPage::Holdings.refused(&s, &u, &caller.source, reason);
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(f)) if f.name() == Some("file") => {
                let name = f.file_name().unwrap_or("holdings.csv").to_string();
                match f.bytes().await {
                    Ok(b) => file = Some((name, b.to_vec())),
                    Err(e) => return refused(format!("the upload failed: {e}")).await,
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => return refused(format!("the upload failed: {e}")).await,
        }
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return refused("choose a CSV file of holdings".into()).await;
    };
    let outcome =
        svc::import_holdings(&s.store, &u.actor(), &caller.source, &name, &bytes, s.now()).await;
    let next = "/destruction/holdings?done=imported";
    after_form(&s, &u, &caller.source, outcome, next, FormPage::Holdings).await
}

pub async fn seal_bag(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    let outcome = svc::seal_bag(
        &s.store,
        &u.actor(),
        &caller.source,
        get("holding"),
        get("serial"),
        get("quantity"),
        get("contents"),
        s.now(),
    )
    .await;
    let next = "/destruction/holdings?done=bag#bags";
    after_form(&s, &u, &caller.source, outcome, next, FormPage::Holdings).await
}

pub async fn add_kind(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let f = Fields(f);
    let methods: Vec<String> = f.all("methods").into_iter().map(String::from).collect();
    let outcome = svc::add_kind(
        &s.store,
        &u.actor(),
        &caller.source,
        f.get("label"),
        f.get("unit"),
        f.get("kg_per_unit"),
        f.get("priority"),
        &methods,
        s.now(),
    )
    .await;
    let next = "/destruction/holdings?done=kind";
    after_form(&s, &u, &caller.source, outcome, next, FormPage::Holdings).await
}

/// The ledger for the after-action report: every holding and every record, as CSV (audited;
/// cells that a spreadsheet would evaluate are neutralised).
pub async fn destruction_csv(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
) -> PageResult {
    let body = svc::ledger_csv(&s.store, s.now()).await?;
    audit_read(
        &s,
        &u,
        &caller.source,
        "destruction.export",
        "destruction_ledger.csv",
        format!("bytes={}", body.len()),
    )
    .await?;
    Ok(crate::export::csv_download("destruction-ledger.csv", body))
}

/// The PDF summary for the after-action report (audited).
pub async fn destruction_summary_pdf(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
) -> PageResult {
    let pdf = svc::summary_pdf(&s.store, s.now()).await?;
    audit_read(
        &s,
        &u,
        &caller.source,
        "destruction.export",
        "destruction_summary.pdf",
        format!("sha256={}", drawdown_documents::sha256_hex(&pdf)),
    )
    .await?;
    Ok(pdf_download("destruction-summary.pdf", pdf))
}

// ------------------------------------------------------------ devices and the matrix

pub struct DeviceView {
    pub id: String,
    pub name: String,
    pub method: String,
    pub kg_per_hour: String,
    pub hours_per_day: String,
    pub status: String,
    pub status_label: &'static str,
    pub location: String,
    pub kg_per_day: String,
}

pub struct MatrixRow {
    pub kind: String,
    pub label: String,
    pub cells: Vec<(String, bool)>,
}

#[derive(Template)]
#[template(path = "destruction_devices.html")]
struct DevicesPage {
    chrome: Chrome,
    devices: Vec<DeviceView>,
    statuses: Vec<(&'static str, &'static str)>,
    methods: Vec<Choice>,
    method_slugs: Vec<&'static str>,
    matrix: Vec<MatrixRow>,
    can_manage: bool,
    error: Option<String>,
}

async fn devices_page(
    state: &AppState,
    user: &CurrentUser,
    done: Option<&str>,
    error: Option<String>,
) -> PageResult {
    let cat = svc::catalogue(&state.store).await?;
    let devices = state.store.destruction_devices().await?;
    let page = DevicesPage {
        chrome: frame(state, user, "Devices and methods", done).await?,
        devices: devices
            .iter()
            .map(|d| {
                let e = svc::engine_device(d);
                DeviceView {
                    id: d.id.clone(),
                    name: d.name.clone(),
                    method: e.method.label().into(),
                    kg_per_hour: qty(d.kg_per_hour),
                    hours_per_day: format!("{}", d.hours_per_day),
                    status: d.status.clone(),
                    status_label: e.status.label(),
                    location: d.location.clone(),
                    kg_per_day: qty(e.kg_per_day()),
                }
            })
            .collect(),
        statuses: DeviceStatus::ALL
            .iter()
            .map(|s| (s.slug(), s.label()))
            .collect(),
        methods: method_choices(),
        method_slugs: Method::ALL.iter().map(|m| m.slug()).collect(),
        matrix: cat
            .kinds
            .iter()
            .map(|k| MatrixRow {
                kind: k.slug.clone(),
                label: k.label.clone(),
                cells: Method::ALL
                    .iter()
                    .map(|m| (m.slug().to_string(), cat.matrix.allows(&k.slug, *m)))
                    .collect(),
            })
            .collect(),
        can_manage: user.can(Permission::ManageDestruction),
        error: error.clone(),
    };
    render(&page, form_status(&error))
}

pub async fn destruction_devices(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Query(d): Query<Done>,
) -> PageResult {
    devices_page(&s, &u, d.done.as_deref(), None).await
}

pub async fn add_device(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    let outcome = svc::add_device(
        &s.store,
        &u.actor(),
        &caller.source,
        get("name"),
        get("method"),
        get("kg_per_hour"),
        get("hours_per_day"),
        get("location"),
        s.now(),
    )
    .await;
    let next = "/destruction/devices?done=device";
    after_form(&s, &u, &caller.source, outcome, next, FormPage::Devices).await
}

pub async fn update_device(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    let outcome = svc::update_device(
        &s.store,
        &u.actor(),
        &caller.source,
        &id,
        get("status"),
        Some(get("hours_per_day")),
        s.now(),
    )
    .await;
    let next = "/destruction/devices?done=device";
    after_form(&s, &u, &caller.source, outcome, next, FormPage::Devices).await
}

pub async fn set_matrix(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    let allowed = match get("allowed") {
        "yes" => true,
        "no" => false,
        other => {
            let reason = format!("allowed: '{other}' is not yes or no");
            return FormPage::Devices
                .refused(&s, &u, &caller.source, reason)
                .await;
        }
    };
    let outcome = svc::set_matrix(
        &s.store,
        &u.actor(),
        &caller.source,
        get("kind"),
        get("method"),
        allowed,
        s.now(),
    )
    .await;
    let next = "/destruction/devices?done=matrix#matrix";
    after_form(&s, &u, &caller.source, outcome, next, FormPage::Devices).await
}

// ------------------------------------------------------------ dashboard

#[derive(Template)]
#[template(
    source = r#"<section class="card" aria-labelledby="c-holdings">
    <h2 id="c-holdings">Sensitive holdings left</h2>
    <p class="big">{{ left }}</p>
    <p class="muted">{{ line }}</p>
    {% if emergency %}<p class="dd-emergency-tag">Emergency destruction</p>{% endif %}
    {{ chart|safe }}
    <p><a href="/destruction">Plan and ledger</a></p>
  </section>"#,
    ext = "html"
)]
struct Card {
    left: String,
    line: String,
    emergency: bool,
    chart: String,
}

/// This area's card on the dashboard (a `<section class="card">`).
pub async fn dashboard_card(state: &AppState, _user: &CurrentUser) -> Result<String, WebError> {
    let o = svc::overview(&state.store, state.now()).await?;
    let kg: f64 = o.remaining.iter().map(|(k, q)| o.catalogue.kg(k, *q)).sum();
    let line = if o.holdings.is_empty() {
        "No holdings inventoried yet.".to_string()
    } else {
        format!(
            "by weight. Emergency level in {}, zero in {}; records awaiting a witness: {}.",
            days_text(o.plan.days_to_target),
            days_text(o.plan.days_to_zero),
            o.records
                .iter()
                .filter(|r| r.status == PENDING_WITNESS)
                .count()
        )
    };
    Ok(Card {
        left: if o.holdings.is_empty() {
            "—".into()
        } else {
            format!("{} kg", qty(kg))
        },
        line,
        emergency: o.settings.emergency,
        chart: burn_down_svg(&o, state.now()),
    }
    .render()?)
}

//! Movement: the departures board, the plan result, the manifest editor, and the area's card
//! on the dashboard.

use super::*;
use crate::services::movement as mv;
use axum::extract::Multipart;
use drawdown_storage::movement::{DEPARTURE_STATUSES, DepartureRecord, Load};

pub struct BoardRow {
    pub id: String,
    pub kind: String,
    pub carrier: String,
    pub origin: String,
    pub destination: String,
    pub departs: String,
    pub gate: String,
    pub seats: String,
    pub taken: String,
    pub people: String,
    pub status: String,
    pub manifest: String,
}

#[derive(Default)]
pub struct Totals {
    pub departures: String,
    pub open: String,
    pub cancelled: String,
    pub seats: String,
    pub seats_taken: String,
    pub people: String,
    pub lap_infants: String,
    /// The post's today (scenario time when it runs one): its day, departures, seats, people.
    pub today: String,
    pub today_departures: String,
    pub today_seats: String,
    pub today_people: String,
}

pub struct RunLine {
    pub id: String,
    pub at: String,
    pub moved_people: String,
    pub left_units: String,
    pub gap: String,
}

#[derive(Template)]
#[template(path = "movement_board.html")]
struct BoardPage {
    chrome: Chrome,
    errors: Vec<String>,
    totals: Totals,
    last_run: Option<RunLine>,
    rows: Vec<BoardRow>,
    statuses: &'static [&'static str],
    can_manage: bool,
    gate_per_hour: u32,
    holding: u32,
    charts: String,
}

fn board_row(d: &DepartureRecord, load: Load) -> BoardRow {
    BoardRow {
        id: d.id.clone(),
        kind: d.kind.clone(),
        carrier: d.carrier.clone(),
        origin: d.origin.clone(),
        destination: d.destination.clone(),
        departs: when(&d.departs_at).trim_end_matches(" UTC").to_string(),
        gate: d.gate.clone(),
        seats: count(&d.seats),
        taken: count(&load.seats),
        people: count(&load.people),
        status: d.status.clone(),
        manifest: d.manifest.clone(),
    }
}

/// The gap between a plan's objective and its bound, as people read it.
pub fn gap_text(objective: f64, bound: f64) -> String {
    if bound.abs() < 1e-9 {
        return "0 %".into();
    }
    format!(
        "{:.2} %",
        ((bound - objective) / bound.abs() * 100.0).max(0.0)
    )
}

async fn board(
    state: &AppState,
    user: &CurrentUser,
    errors: Vec<String>,
    done: Option<&str>,
) -> PageResult {
    let deps = state.store.departures().await?;
    let loads = state.store.manifest_loads().await?;
    let mut t = (0i64, 0i64, 0i64, 0i64, 0i64, 0i64);
    for d in deps.iter().filter(|d| d.status != "cancelled") {
        let l = loads.get(&d.id).copied().unwrap_or_default();
        t.0 += d.seats;
        t.1 += l.seats;
        t.2 += l.people;
        t.3 += l.lap_infants;
    }
    let today = state.scenario_now().await?.date();
    let day = today.to_string();
    let (mut td, mut ts, mut tp) = (0i64, 0i64, 0i64);
    for d in deps
        .iter()
        .filter(|d| d.status != "cancelled" && d.departs_at.starts_with(&day))
    {
        td += 1;
        ts += d.seats;
        tp += loads.get(&d.id).map(|l| l.people).unwrap_or(0);
    }
    t.4 = deps.iter().filter(|d| d.is_open()).count() as i64;
    t.5 = deps.iter().filter(|d| d.status == "cancelled").count() as i64;
    let last = state.store.plan_runs(1).await?.into_iter().next();
    // The plan form starts from the last run's gate and holding area.
    let (gate_per_hour, holding) = last
        .as_ref()
        .map(|r| mv::RunSummary::parse(&r.summary))
        .filter(|s| s.gate_per_hour > 0 && s.holding > 0)
        .map(|s| (s.gate_per_hour, s.holding))
        .unwrap_or((mv::DEFAULT_GATE_PER_HOUR, mv::DEFAULT_HOLDING));
    let last_run = last.map(|r| {
        let left = mv::RunSummary::parse(&r.summary).left_units;
        RunLine {
            at: when(&r.created_at),
            moved_people: count(&r.moved_people),
            left_units: count(&left),
            gap: gap_text(r.objective, r.bound),
            id: r.id,
        }
    });
    let charts = mv::charts(&deps, &state.store.manifest_entries().await?, &day);
    let page = BoardPage {
        chrome: chrome(state, user, "/movement", "Movement", done).await?,
        errors,
        totals: Totals {
            departures: count(&deps.len()),
            open: count(&t.4),
            cancelled: count(&t.5),
            seats: count(&t.0),
            seats_taken: count(&t.1),
            people: count(&t.2),
            lap_infants: count(&t.3),
            today: day_text(today),
            today_departures: count(&td),
            today_seats: count(&ts),
            today_people: count(&tp),
        },
        last_run,
        rows: deps
            .iter()
            .map(|d| board_row(d, loads.get(&d.id).copied().unwrap_or_default()))
            .collect(),
        statuses: &DEPARTURE_STATUSES,
        can_manage: user.can(Permission::ManageMovement),
        gate_per_hour,
        holding,
        charts,
    };
    render(
        &page,
        if page_errors(&page) {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        },
    )
}

fn page_errors(p: &BoardPage) -> bool {
    !p.errors.is_empty()
}

pub async fn movement(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Query(q): Query<Done>,
) -> PageResult {
    board(&state, &user, vec![], q.done.as_deref()).await
}

fn departure_input(f: &HashMap<String, String>) -> mv::DepartureInput {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    mv::DepartureInput {
        id: get("id"),
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

pub async fn add_departure(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let d = match departure_input(&form).check(state.now()) {
        Ok(d) => d,
        Err(e) => return board(&state, &user, vec![e], None).await,
    };
    match mv::add_departures(
        &state.store,
        &[d],
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await
    {
        Ok(()) => see_other("/movement?done=departure-added"),
        Err(WebError::Conflict(m)) => board(&state, &user, vec![m], None).await,
        Err(e) => Err(e),
    }
}

pub async fn import_departures(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    mut multipart: Multipart,
) -> PageResult {
    let mut bytes = Vec::new();
    loop {
        match multipart.next_field().await {
            Ok(Some(f)) if f.name() == Some("file") => match f.bytes().await {
                Ok(b) => bytes = b.to_vec(),
                Err(e) => {
                    return board(&state, &user, vec![format!("the upload failed: {e}")], None)
                        .await;
                }
            },
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => {
                return board(&state, &user, vec![format!("the upload failed: {e}")], None).await;
            }
        }
    }
    if bytes.is_empty() {
        return board(
            &state,
            &user,
            vec!["choose a departures file (CSV)".into()],
            None,
        )
        .await;
    }
    let deps = match mv::read_departures_csv(&bytes, state.now()) {
        Ok(d) => d,
        Err(errors) => return board(&state, &user, errors, None).await,
    };
    match mv::add_departures(
        &state.store,
        &deps,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await
    {
        Ok(()) => see_other("/movement?done=departures-imported"),
        Err(WebError::Conflict(m)) => board(&state, &user, vec![m], None).await,
        Err(e) => Err(e),
    }
}

pub async fn set_departure_state(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let status = form
        .get("status")
        .map(String::as_str)
        .filter(|s| !s.is_empty());
    let manifest = form
        .get("manifest")
        .map(String::as_str)
        .filter(|s| !s.is_empty());
    mv::set_state(
        &state.store,
        &id,
        status,
        manifest,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await?;
    let back = form.get("back").map(String::as_str).unwrap_or("");
    if back == "departure" {
        see_other(&format!("/movement/departures/{id}?done=departure-updated"))
    } else {
        see_other("/movement?done=departure-updated")
    }
}

/// Head names for units, opened from the vault ("—" when the vault is locked or a head is missing).
async fn head_names(
    state: &AppState,
    heads: &[String],
) -> Result<HashMap<String, String>, WebError> {
    let mut out = HashMap::new();
    let Ok(vault) = state.vault() else {
        return Ok(out);
    };
    for r in state.store.persons_by_ids(heads).await? {
        let plain = vault.open_sealed(&person_aad(&r.id), &r.sealed)?;
        let d: PersonalDetails =
            serde_json::from_slice(&plain).map_err(|e| WebError::Internal(e.to_string()))?;
        out.insert(r.id, d.full_name());
    }
    Ok(out)
}

pub async fn plan_now(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let mut req = mv::PlanRequest::default();
    let num = |k: &str| form.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let mut errors = Vec::new();
    if let Some(g) = num("gate_per_hour") {
        match g.parse() {
            Ok(g) => req.gate_per_hour = g,
            Err(_) => errors.push(format!("gate '{g}': a whole number of people an hour")),
        }
    }
    if let Some(h) = num("holding") {
        match h.parse() {
            Ok(h) => req.holding = h,
            Err(_) => errors.push(format!("holding area '{h}': a whole number of people")),
        }
    }
    if let Some(c) = num("flight_cost") {
        match c.parse() {
            Ok(c) => req.flight_cost = c,
            Err(_) => errors.push(format!("flight cost '{c}': a number, 0 or more")),
        }
    }
    if !errors.is_empty() {
        return board(&state, &user, errors, None).await;
    }
    let vault = state.vault()?;
    match mv::plan_registry(
        &state.store,
        &vault,
        &req,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await
    {
        Ok(id) => see_other(&format!("/movement/plans/{id}")),
        Err(WebError::BadRequest(m)) => board(&state, &user, vec![m], None).await,
        Err(e) => Err(e),
    }
}

pub struct OutcomeRow {
    pub unit: String,
    pub head: String,
    pub people: i64,
    pub priority: i64,
    pub outcome: String,
    pub from: String,
    pub to: String,
    pub reason: String,
}

pub struct RunView {
    pub at: String,
    pub by: String,
    pub departures: String,
    pub moved_people: String,
    pub moved_units: String,
    pub left_units: String,
    pub left_people: String,
    pub objective: String,
    pub bound: String,
    pub gap: String,
    pub changed: String,
    pub kept: String,
    pub elapsed: String,
}

#[derive(Template)]
#[template(path = "movement_plan.html")]
struct PlanPage {
    chrome: Chrome,
    run: RunView,
    summary: mv::RunSummary,
    tiers: Vec<(u8, String, String)>,
    reasons: Vec<(String, String)>,
    outcomes: Vec<OutcomeRow>,
    truncated: bool,
    shown: usize,
}

/// Rows of a plan's outcome table shown at most (the API gives them all).
const OUTCOMES_SHOWN: usize = 1000;

pub async fn plan_page(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(id): Path<String>,
) -> PageResult {
    let run = state.store.plan_run(&id).await?.ok_or(WebError::NotFound)?;
    let summary = mv::RunSummary::parse(&run.summary);
    let outcomes = state.store.plan_outcomes(&id).await?;
    let shown: Vec<_> = outcomes.iter().take(OUTCOMES_SHOWN).collect();
    // Heads of the households shown: units are households or persons.
    let mut heads = HashMap::new();
    for e in state.store.manifest_entries().await? {
        heads.insert(e.unit_id, e.head_person_id);
    }
    let head_ids: Vec<String> = shown
        .iter()
        .map(|o| {
            heads
                .get(&o.unit_id)
                .cloned()
                .unwrap_or_else(|| o.unit_id.clone())
        })
        .collect();
    let names = head_names(&state, &head_ids).await?;
    let ev = AuditEvent::new(
        user.actor(),
        "movement.plan_read",
        format!("plan:{id}"),
        format!("rows={}", shown.len()),
        &caller.source,
    );
    state.store.audit(&ev, state.now()).await?;
    let page = PlanPage {
        chrome: chrome(&state, &user, "/movement", "Plan", None).await?,
        run: RunView {
            at: when(&run.created_at),
            by: run.created_by.clone(),
            departures: count(&run.departures),
            moved_people: count(&run.moved_people),
            moved_units: count(&run.moved_units),
            left_units: count(&summary.left_units),
            left_people: count(&summary.left_by_tier.iter().sum::<u64>()),
            objective: format!("{:.0}", run.objective),
            bound: format!("{:.0}", run.bound),
            gap: gap_text(run.objective, run.bound),
            changed: count(&run.changed),
            kept: count(&summary.kept),
            elapsed: format!("{} ms", count(&run.elapsed_ms)),
        },
        tiers: (0..5)
            .map(|t| {
                (
                    t as u8 + 1,
                    count(&summary.moved_by_tier[t]),
                    count(&summary.left_by_tier[t]),
                )
            })
            .collect(),
        reasons: summary
            .left_by_reason
            .iter()
            .map(|(r, n)| (r.clone(), count(n)))
            .collect(),
        outcomes: shown
            .iter()
            .zip(&head_ids)
            .map(|(o, h)| OutcomeRow {
                unit: o.unit_id.clone(),
                head: names.get(h).cloned().unwrap_or_else(|| "—".into()),
                people: o.people,
                priority: o.priority,
                outcome: o.outcome.clone(),
                from: o.previous_departure_id.clone().unwrap_or_default(),
                to: o.departure_id.clone().unwrap_or_default(),
                reason: o.reason.clone(),
            })
            .collect(),
        truncated: outcomes.len() > OUTCOMES_SHOWN,
        shown: OUTCOMES_SHOWN,
        summary,
    };
    render(&page, StatusCode::OK)
}

pub struct EntryRow {
    pub unit: String,
    pub head: String,
    pub seats: i64,
    pub people: i64,
    pub lap_infants: i64,
    pub priority: i64,
    pub placed_by: String,
    pub pinned: bool,
    pub warning: String,
}

#[derive(Template)]
#[template(path = "movement_departure.html")]
struct DeparturePage {
    chrome: Chrome,
    d: DepartureRecord,
    departs: String,
    weight: String,
    error: Option<String>,
    warning: Option<String>,
    seats_taken: String,
    seats: String,
    people: String,
    lap_infants: String,
    units: String,
    pinned: String,
    entries: Vec<EntryRow>,
    open_ids: Vec<String>,
    open: bool,
    can_manage: bool,
}

#[derive(Deserialize, Default)]
pub struct DepartureQuery {
    done: Option<String>,
    warning: Option<String>,
}

async fn departure_view(
    state: &AppState,
    user: &CurrentUser,
    source: &str,
    id: &str,
    error: Option<String>,
    q: DepartureQuery,
) -> PageResult {
    let d = state.store.departure(id).await?.ok_or(WebError::NotFound)?;
    let entries = state.store.manifest(id).await?;
    let heads: Vec<String> = entries.iter().map(|e| e.head_person_id.clone()).collect();
    let names = head_names(state, &heads).await?;
    let ev = AuditEvent::new(
        user.actor(),
        "movement.manifest_read",
        format!("departure:{id}"),
        format!("rows={}", entries.len()),
        source,
    );
    state.store.audit(&ev, state.now()).await?;
    let open_ids = state
        .store
        .departures()
        .await?
        .into_iter()
        .filter(|o| o.is_open() && o.id != d.id)
        .map(|o| o.id)
        .collect();
    let page = DeparturePage {
        chrome: chrome(
            state,
            user,
            "/movement",
            &format!("Departure {id}"),
            q.done.as_deref(),
        )
        .await?,
        departs: when(&d.departs_at),
        weight: d.weight_limit_kg.map(|w| w.to_string()).unwrap_or_default(),
        error: error.clone(),
        warning: q.warning.filter(|w| !w.is_empty()),
        seats_taken: count(&entries.iter().map(|e| e.seats).sum::<i64>()),
        seats: count(&d.seats),
        people: count(&entries.iter().map(|e| e.people).sum::<i64>()),
        lap_infants: count(&entries.iter().map(|e| e.lap_infants).sum::<i64>()),
        units: count(&entries.len()),
        pinned: count(&entries.iter().filter(|e| e.pinned).count()),
        entries: entries
            .iter()
            .map(|e| EntryRow {
                unit: e.unit_id.clone(),
                head: names
                    .get(&e.head_person_id)
                    .cloned()
                    .unwrap_or_else(|| "—".into()),
                seats: e.seats,
                people: e.people,
                lap_infants: e.lap_infants,
                priority: e.priority,
                placed_by: e.placed_by.clone(),
                pinned: e.pinned,
                warning: e.warning.clone(),
            })
            .collect(),
        open_ids,
        open: d.is_open(),
        can_manage: user.can(Permission::ManageMovement),
        d,
    };
    render(&page, form_status(&error))
}

pub async fn departure_page(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(id): Path<String>,
    Query(q): Query<DepartureQuery>,
) -> PageResult {
    departure_view(&state, &user, &caller.source, &id, None, q).await
}

pub async fn edit_departure(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    match mv::edit_departure(
        &state.store,
        &id,
        &departure_input(&form),
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await
    {
        Ok(_) => see_other(&format!("/movement/departures/{id}?done=departure-updated")),
        Err(WebError::BadRequest(m)) => {
            departure_view(
                &state,
                &user,
                &caller.source,
                &id,
                Some(m),
                DepartureQuery::default(),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

fn back_to(form: &HashMap<String, String>, fallback: &str) -> String {
    form.get("back")
        .filter(|b| !b.is_empty() && !b.contains(['/', '?', '#']))
        .cloned()
        .unwrap_or_else(|| fallback.to_string())
}

async fn after_move(
    state: &AppState,
    user: &CurrentUser,
    source: &str,
    back: &str,
    result: Result<String, WebError>,
) -> PageResult {
    match result {
        Ok(w) => {
            let w: String =
                serde_urlencoded::to_string([("warning", w.as_str())]).unwrap_or_default();
            see_other(&format!(
                "/movement/departures/{back}?done=household-moved&{w}"
            ))
        }
        Err(WebError::BadRequest(m)) => {
            departure_view(
                state,
                user,
                source,
                back,
                Some(m),
                DepartureQuery::default(),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

pub async fn add_by_hand(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let unit = form
        .get("unit")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let vault = state.vault()?;
    let r = mv::move_by_hand(
        &state.store,
        &vault,
        &unit,
        &id,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await;
    after_move(&state, &user, &caller.source, &id, r).await
}

pub async fn move_unit(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(unit): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let to = form
        .get("departure")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let back = back_to(&form, &to);
    let vault = state.vault()?;
    let r = mv::move_by_hand(
        &state.store,
        &vault,
        &unit,
        &to,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await;
    after_move(&state, &user, &caller.source, &back, r).await
}

pub async fn pin_unit(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(unit): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let pinned = form.get("pinned").map(String::as_str) != Some("no");
    mv::pin(
        &state.store,
        &unit,
        pinned,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await?;
    let back = back_to(&form, "");
    if back.is_empty() {
        see_other("/movement?done=household-pinned")
    } else {
        see_other(&format!(
            "/movement/departures/{back}?done=household-pinned"
        ))
    }
}

pub async fn remove_unit(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(unit): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let back = back_to(&form, "");
    match mv::remove(
        &state.store,
        &unit,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await
    {
        Ok(()) if back.is_empty() => see_other("/movement?done=household-moved"),
        Ok(()) => see_other(&format!("/movement/departures/{back}?done=household-moved")),
        Err(WebError::BadRequest(m)) if !back.is_empty() => {
            departure_view(
                &state,
                &user,
                &caller.source,
                &back,
                Some(m),
                DepartureQuery::default(),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "movement_household.html")]
struct HouseholdPage {
    chrome: Chrome,
    unit: String,
    head: String,
    seats: u32,
    people: u32,
    lap_infants: u32,
    priority: u8,
    entry: Option<drawdown_storage::movement::ManifestEntry>,
    documents_ready: bool,
    ready_at: String,
    deadline: String,
    error: Option<String>,
    can_manage: bool,
}

async fn household_view(
    state: &AppState,
    user: &CurrentUser,
    source: &str,
    id: &str,
    error: Option<String>,
    form: Option<&mv::ReadinessInput>,
    done: Option<&str>,
) -> PageResult {
    let unit = match mv::unit_id_of(&state.store, id).await {
        Ok(u) => u,
        Err(WebError::BadRequest(_)) => return Err(WebError::NotFound),
        Err(e) => return Err(e),
    };
    let vault = state.vault()?;
    let u = mv::unit_of(&state.store, &vault, &unit, state.scenario_now().await?).await?;
    let names = head_names(state, std::slice::from_ref(&u.head_person_id)).await?;
    let facts = mv::readiness(&state.store, &unit).await?;
    let entry = state.store.manifest_entry(&unit).await?;
    let ev = AuditEvent::new(
        user.actor(),
        "movement.household_read",
        format!("household:{unit}"),
        format!("people={}", u.people),
        source,
    );
    state.store.audit(&ev, state.now()).await?;
    // A refused form comes back with what the person typed.
    let (documents_ready, ready_at, deadline) = match form {
        Some(f) => (
            !matches!(
                f.documents_ready.as_deref().map(str::trim),
                Some("no" | "false" | "0")
            ),
            f.ready_at.clone().unwrap_or_default(),
            f.deadline.clone().unwrap_or_default(),
        ),
        None => (
            facts.documents_ready,
            facts.ready_at.clone().unwrap_or_default(),
            facts.deadline.clone().unwrap_or_default(),
        ),
    };
    let page = HouseholdPage {
        chrome: chrome(state, user, "/movement", &format!("Household {unit}"), done).await?,
        head: names
            .get(&u.head_person_id)
            .cloned()
            .unwrap_or_else(|| "—".into()),
        seats: u.seats,
        people: u.people,
        lap_infants: u.lap_infants,
        priority: u.priority,
        unit,
        entry,
        documents_ready,
        ready_at,
        deadline,
        can_manage: user.can(Permission::ManageMovement),
        error: error.clone(),
    };
    render(&page, form_status(&error))
}

/// One household (or a person travelling alone): where it is manifested and its readiness.
pub async fn household_page(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(unit): Path<String>,
    Query(q): Query<Done>,
) -> PageResult {
    household_view(
        &state,
        &user,
        &caller.source,
        &unit,
        None,
        None,
        q.done.as_deref(),
    )
    .await
}

pub async fn set_readiness(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(unit): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    // The form gives every field: an empty time clears it.
    let get = |k: &str| Some(form.get(k).cloned().unwrap_or_default());
    let input = mv::ReadinessInput {
        documents_ready: get("documents_ready"),
        ready_at: get("ready_at"),
        deadline: get("deadline"),
    };
    match mv::set_readiness(
        &state.store,
        &unit,
        &input,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await
    {
        Ok(f) => see_other(&format!(
            "/movement/manifest/{}?done=readiness-saved",
            f.unit_id
        )),
        Err(WebError::BadRequest(m)) => {
            household_view(
                &state,
                &user,
                &caller.source,
                &unit,
                Some(m),
                Some(&input),
                None,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// A manifest's export in one format, audited.
pub async fn export_manifest(
    state: &AppState,
    user: &CurrentUser,
    source: &str,
    id: &str,
    format: &str,
) -> PageResult {
    let vault = state.vault()?;
    let m = mv::manifest_export(&state.store, &vault, id).await?;
    mv::audit_export(&state.store, &m, format, &user.actor(), source, state.now()).await?;
    let name = format!("manifest-{}.{format}", m.departure.id);
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!("attachment; filename=\"{safe}\"");
    Ok(match format {
        "csv" => crate::export::csv_download(&name, mv::manifest_csv(&m)),
        "xlsx" => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
                ),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            mv::manifest_xlsx(&m)?,
        )
            .into_response(),
        _ => (
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            mv::manifest_pdf(&m, state.now()),
        )
            .into_response(),
    })
}

pub async fn manifest_csv(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(id): Path<String>,
) -> PageResult {
    export_manifest(&state, &user, &caller.source, &id, "csv").await
}

pub async fn manifest_xlsx(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(id): Path<String>,
) -> PageResult {
    export_manifest(&state, &user, &caller.source, &id, "xlsx").await
}

pub async fn manifest_pdf(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(id): Path<String>,
) -> PageResult {
    export_manifest(&state, &user, &caller.source, &id, "pdf").await
}

/// This area's card on the dashboard (a `<section class="card">`): departures today, seats,
/// people manifested. Cheap: two aggregate reads.
pub async fn dashboard_card(state: &AppState, _user: &CurrentUser) -> Result<String, WebError> {
    let day = state.scenario_now().await?.date();
    let from = drawdown_storage::timestamp(day.midnight().assume_utc());
    let to = drawdown_storage::timestamp(day.next_day().unwrap_or(day).midnight().assume_utc());
    let today = state.store.departures_between(&from, &to).await?;
    let loads = state.store.manifest_loads().await?;
    let (seats, people) = loads
        .values()
        .fold((0, 0), |a, l| (a.0 + l.seats, a.1 + l.people));
    let today_live = today.iter().filter(|d| d.status != "cancelled").count();
    let today_seats: i64 = today
        .iter()
        .filter(|d| d.status != "cancelled")
        .map(|d| d.seats)
        .sum();
    Ok(format!(
        r#"<section class="card" aria-labelledby="c-departures">
    <h2 id="c-departures">Departures</h2>
    <p class="big">{}</p>
    <p class="muted">today, {} ({} seats) · {} seats taken, {} people manifested in all · <a href="/movement">board</a></p>
  </section>"#,
        count(&today_live),
        day_text(day),
        count(&today_seats),
        count(&seats),
        count(&people),
    ))
}

/// A day as the pages say it: "15 Aug 2021".
fn day_text(day: time::Date) -> String {
    let f = time::macros::format_description!("[day padding:none] [month repr:short] [year]");
    day.format(&f).unwrap_or_else(|_| day.to_string())
}

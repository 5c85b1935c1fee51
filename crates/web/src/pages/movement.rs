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
    t.4 = deps.iter().filter(|d| d.is_open()).count() as i64;
    t.5 = deps.iter().filter(|d| d.status == "cancelled").count() as i64;
    let last_run = state.store.plan_runs(1).await?.into_iter().next().map(|r| {
        let left = mv::RunSummary::parse(&r.summary).left_units;
        RunLine {
            at: when(&r.created_at),
            moved_people: count(&r.moved_people),
            left_units: count(&left),
            gap: gap_text(r.objective, r.bound),
            id: r.id,
        }
    });
    let charts = mv::charts(&deps, &state.store.manifest_entries().await?);
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
        },
        last_run,
        rows: deps
            .iter()
            .map(|d| board_row(d, loads.get(&d.id).copied().unwrap_or_default()))
            .collect(),
        statuses: &DEPARTURE_STATUSES,
        can_manage: user.can(Permission::ManageMovement),
        gate_per_hour: mv::DEFAULT_GATE_PER_HOUR,
        holding: mv::DEFAULT_HOLDING,
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

/// This area's card on the dashboard (a `<section class="card">`): departures today, seats,
/// people manifested. Cheap: two aggregate reads.
pub async fn dashboard_card(state: &AppState, _user: &CurrentUser) -> Result<String, WebError> {
    let now = state.now();
    let day = now.date();
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
    <p class="muted">today ({} seats) · {} seats taken, {} people manifested in all · <a href="/movement">board</a></p>
  </section>"#,
        count(&today_live),
        count(&today_seats),
        count(&seats),
        count(&people),
    ))
}

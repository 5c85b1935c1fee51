//! Posture: the overview, the situation log, tripwires, levels and checklists, the timeline
//! with its map, and the section's card on the dashboard.

use super::*;
use crate::charts::{self, LineChart, Series, XAxis};
use crate::services::posture::{self as svc, DecisionInput, Posture, TripwireInput};
use axum::extract::Multipart;
use drawdown_posture::log::{Confidence, EventKind, RawEvent, day};
use drawdown_posture::map::Projection;
use drawdown_posture::measures::{Measure, Situation, Status, value_text};
use drawdown_posture::tripwire::Fact;
use drawdown_posture::{Gazetteer, PlaceKind};
use time::OffsetDateTime;

/// `?at=` on the pages that look back, and `?done=` after a change.
#[derive(Deserialize, Default)]
pub struct AtQuery {
    #[serde(default)]
    pub at: String,
    /// The slider: days after the log's first day.
    #[serde(default)]
    pub day: String,
    #[serde(default)]
    pub done: String,
}

/// One crossed tripwire or open decision item, as the committee reads it.
pub struct Crossed {
    pub item_id: String,
    pub name: String,
    pub recommends: String,
    pub since: String,
    pub facts: Vec<Fact>,
    pub actions: String,
}

pub struct MeasureView {
    pub name: &'static str,
    pub description: &'static str,
    pub value: String,
    pub grounds: String,
}

pub struct ConflictView {
    pub subject: String,
    pub counts: String,
    pub others: Vec<String>,
}

pub struct EventView {
    pub id: String,
    pub at: String,
    pub kind: &'static str,
    pub place: String,
    pub detail: String,
    pub source: String,
    pub confidence: &'static str,
    pub notes: String,
    pub recorded_by: String,
}

pub struct TripwireLine {
    pub id: String,
    pub name: String,
    pub condition: String,
    pub recommends: String,
    pub actions: String,
    pub crossed: bool,
    pub facts: Vec<Fact>,
}

pub struct TaskView {
    pub id: String,
    pub task: String,
    pub owner_role: String,
    pub level: String,
    pub due: String,
    pub done: String,
    pub overdue: bool,
    /// This user may tick it off (the committee, or a holder of its owner role).
    pub can_tick: bool,
}

pub struct DecisionView {
    pub id: String,
    pub kind: String,
    pub level: String,
    pub at: String,
    pub by: String,
    pub attendees: String,
    pub rationale: String,
    pub snapshot: Vec<String>,
}

fn flash(done: &str) -> Option<&'static str> {
    Some(match done {
        "event" => "Recorded in the situation log; tripwires re-evaluated.",
        "imported" => "Imported into the situation log; tripwires re-evaluated.",
        "tripwire" => "Tripwire saved and evaluated.",
        "retired" => "Tripwire retired: no longer evaluated, kept on the record.",
        "gazetteer" => "Gazetteer loaded; tripwires re-evaluated.",
        "level" => "Level saved.",
        "template_saved" => "Checklist task saved (tasks already open keep theirs).",
        "template_removed" => "Checklist task removed (tasks already open stay).",
        "declared" => "Posture declared; its checklist is open.",
        "declined" => "Decision recorded.",
        "task" => "Task ticked off.",
        "template" => "Task added to the level's checklist.",
        _ => return None,
    })
}

async fn frame(
    state: &AppState,
    user: &CurrentUser,
    title: &str,
    done: &str,
) -> Result<Chrome, WebError> {
    let mut c = chrome(state, user, "/posture", title, None).await?;
    c.flash = flash(done).map(|t| Notice {
        kind: "ok",
        text: t.into(),
    });
    Ok(c)
}

/// The moment a page looks at: `?at=` (a time), `?day=` (the slider), or now.
fn moment(p: &Posture, q: &AtQuery, now: OffsetDateTime) -> Result<OffsetDateTime, WebError> {
    if !q.day.trim().is_empty() {
        let d: i64 = q
            .day
            .trim()
            .parse()
            .map_err(|_| WebError::BadRequest("day: a whole number of days".into()))?;
        let first = first_day(p).unwrap_or(now);
        return Ok((first + time::Duration::days(d) + time::Duration::hours(23)).min(now));
    }
    if q.at.trim().is_empty() {
        return Ok(now);
    }
    drawdown_posture::log::parse_time(&q.at).ok_or_else(|| {
        WebError::BadRequest(format!(
            "at: '{}' is not a time (2021-08-14 or 2021-08-14 18:00, UTC)",
            q.at.trim()
        ))
    })
}

fn first_day(p: &Posture) -> Option<OffsetDateTime> {
    p.events
        .first()
        .map(|e| e.event.at.date().midnight().assume_utc())
}

fn crossed_now(p: &Posture, s: &Situation, at: OffsetDateTime) -> (Vec<Crossed>, Vec<Crossed>) {
    let open: Vec<Crossed> = p
        .open_items(at)
        .into_iter()
        .map(|i| {
            let t = p.tripwire(&i.tripwire_id);
            let live = t.and_then(|t| {
                drawdown_posture::tripwire::parse(&t.condition)
                    .ok()
                    .and_then(|c| c.evaluate(s))
            });
            Crossed {
                item_id: i.id.clone(),
                name: t.map(|t| t.name.clone()).unwrap_or_default(),
                recommends: p
                    .level(&i.level_id)
                    .map(|l| l.name.clone())
                    .unwrap_or_default(),
                since: when(&i.crossed_at),
                facts: live.unwrap_or_else(|| serde_json::from_str(&i.facts).unwrap_or_default()),
                actions: t.map(|t| t.actions.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let others = p
        .evaluate(s)
        .into_iter()
        .filter(|t| t.facts.is_some() && !open.iter().any(|o| o.name == t.row.name))
        .map(|t| Crossed {
            item_id: String::new(),
            name: t.row.name.clone(),
            recommends: t.level.clone(),
            since: t.row.crossed_at.as_deref().map(when).unwrap_or_default(),
            facts: t.facts.unwrap_or_default(),
            actions: t.row.actions.clone(),
        })
        .collect();
    (open, others)
}

fn measures(s: &Situation) -> Vec<MeasureView> {
    Measure::ALL
        .into_iter()
        .map(|m| MeasureView {
            name: m.name(),
            description: m.description(),
            value: value_text(m, &s.value(m)),
            grounds: s.grounds(m),
        })
        .collect()
}

fn conflicts(s: &Situation) -> Vec<ConflictView> {
    s.conflicts()
        .into_iter()
        .map(|(subject, r)| ConflictView {
            subject,
            counts: r.report.summary(),
            others: r
                .conflicts
                .iter()
                .map(drawdown_posture::Event::summary)
                .collect(),
        })
        .collect()
}

fn event_views(p: &Posture, until: OffsetDateTime) -> Vec<EventView> {
    p.events
        .iter()
        .filter(|e| e.event.at <= until)
        .map(|r| {
            let e = &r.event;
            EventView {
                id: e.id.clone(),
                at: when(&drawdown_storage::timestamp(e.at)),
                kind: e.kind.slug(),
                place: e.place.clone(),
                detail: match e.kind {
                    EventKind::Assessment => e
                        .horizon_days
                        .map(|d| {
                            format!(
                                "isolation within {}",
                                drawdown_posture::measures::days_text(d)
                            )
                        })
                        .unwrap_or_default(),
                    _ => e.value.replace('_', " "),
                },
                source: e.source.clone(),
                confidence: e.confidence.slug(),
                notes: e.notes.clone(),
                recorded_by: r.recorded_by.clone(),
            }
        })
        .collect()
}

fn decision_views(p: &Posture, until: OffsetDateTime) -> Vec<DecisionView> {
    let until = drawdown_storage::timestamp(until);
    p.decisions
        .iter()
        .filter(|d| d.decided_at <= until)
        .rev()
        .map(|d| {
            let snap: serde_json::Value = serde_json::from_str(&d.snapshot).unwrap_or_default();
            let mut lines: Vec<String> = snap["measures"]
                .as_array()
                .map(|ms| {
                    ms.iter()
                        .map(|m| {
                            format!(
                                "{}: {}",
                                m["measure"].as_str().unwrap_or(""),
                                m["text"].as_str().unwrap_or("")
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            if let Some(cs) = snap["crossed"].as_array() {
                for c in cs {
                    lines.push(format!(
                        "crossed: {} (recommends {})",
                        c["tripwire"].as_str().unwrap_or(""),
                        c["recommends"].as_str().unwrap_or("")
                    ));
                }
            }
            DecisionView {
                id: d.id.clone(),
                kind: if d.kind == "declare" {
                    "Declared".into()
                } else {
                    "Decided not to go to".into()
                },
                level: p
                    .level(&d.level_id)
                    .map(|l| l.name.clone())
                    .unwrap_or_default(),
                at: when(&d.decided_at),
                by: d.decided_by.clone(),
                attendees: d.attendees.clone(),
                rationale: d.rationale.clone(),
                snapshot: lines,
            }
        })
        .collect()
}

/// The two charts: capitals fallen, and the assessed time to isolation as it shrank.
fn charts_html(p: &Posture, until: OffsetDateTime) -> (String, String) {
    let history = Situation::history(&p.log(), &p.gazetteer, until);
    let series = |m: Measure| -> Vec<(f64, f64)> {
        history
            .iter()
            .filter_map(|pt| {
                pt.values
                    .iter()
                    .find(|(k, _)| *k == m)
                    .and_then(|(_, v)| match v {
                        drawdown_posture::Value::Number(n) => {
                            Some((pt.at.unix_timestamp() as f64, *n))
                        }
                        _ => None,
                    })
            })
            .collect()
    };
    let total = p.gazetteer.provincial_capitals().count() as f64;
    let fallen = [Series::new(
        "Provincial capitals under hostile control",
        series(Measure::CapitalsFallen),
    )];
    let half = (total / 2.0, "half of the provincial capitals");
    let marks = [half];
    let a = charts::line(&LineChart {
        title: "Provincial capitals fallen",
        x_label: "Date (UTC)",
        y_label: "Capitals",
        series: &fallen,
        x_axis: XAxis::Time,
        step: true,
        y_marks: &marks,
        ..Default::default()
    });
    let iso = [Series::new(
        "Assessed days to isolation",
        series(Measure::AssessedDaysToIsolation),
    )];
    let b = charts::line(&LineChart {
        title: "Assessed time until the capital could be isolated",
        x_label: "Date (UTC)",
        y_label: "Days",
        series: &iso,
        x_axis: XAxis::Time,
        step: true,
        ..Default::default()
    });
    (a, b)
}

/// The map: the country's provinces filled by the status of their capitals, the outline, each
/// provincial capital marked, the capital and the airport, roads and crossings. Inline SVG from
/// embedded data: it works offline. A table under it says the same for screen readers.
pub fn map_svg(g: &Gazetteer, s: &Situation) -> String {
    let esc = charts::esc;
    let proj = Projection::fit(g, 640.0, 24.0);
    let (areas, approximate) = drawdown_posture::map::province_areas(g);
    let mut out = format!(
        r##"<figure class="posture-map"><svg viewBox="0 0 {w:.0} {h:.0}" width="100%" role="img" aria-labelledby="map-title"><title id="map-title">Map of {c}: provinces by the status of their capitals at {at}</title>"##,
        w = proj.width,
        h = proj.height,
        c = esc(&g.country),
        at = esc(&day(s.at)),
    );
    let outline = proj.outline_path(g);
    if !outline.is_empty() {
        out.push_str(&format!(r##"<path d="{outline}" fill="#eef1f4"/>"##));
    }
    let fill = |st: Status| match st {
        Status::Taken => "#b3261e",
        Status::Contested => "#e69f00",
        Status::Held => "#1f3a5f",
    };
    let area_fill = |st: Status| match st {
        Status::Taken => "#e8a29c",
        Status::Contested => "#f7d48a",
        Status::Held => "#dfe6ee",
    };
    let word = |st: Status| match st {
        Status::Taken => "taken (hostile-held)",
        Status::Contested => "contested",
        Status::Held => "held",
    };
    // Each province with the capital that gives it its status.
    let capital_of = |province: &str| {
        let f = drawdown_posture::gazetteer::fold(province);
        g.provincial_capitals()
            .find(|c| drawdown_posture::gazetteer::fold(&c.province) == f)
    };
    let mut rows = Vec::new();
    for a in &areas {
        let cap = capital_of(&a.province);
        let st = cap.map_or(Status::Held, |c| s.status_of(&c.name));
        let label = format!(
            "{} province{}: {}",
            a.province,
            cap.map(|c| format!(" (capital {})", c.name))
                .unwrap_or_default(),
            word(st)
        );
        out.push_str(&format!(
            r##"<path class="map-province province-{st}" d="{d}" fill="{f}" stroke="#fff" stroke-width="0.8"><title>{t}</title></path>"##,
            st = st.slug(),
            d = proj.ring_path(&a.ring),
            f = area_fill(st),
            t = esc(&label),
        ));
        if !rows
            .iter()
            .any(|(p, _, _): &(String, String, Status)| *p == a.province)
        {
            rows.push((
                a.province.clone(),
                cap.map(|c| c.name.clone()).unwrap_or_default(),
                st,
            ));
        }
    }
    if !outline.is_empty() {
        out.push_str(&format!(
            r##"<path d="{outline}" fill="none" stroke="#7a8794" stroke-width="1.2"/>"##
        ));
    }
    for p in &g.places {
        let (x, y) = proj.xy(p.longitude, p.latitude);
        let st = s.status_of(&p.name);
        let label = format!(
            "{} ({}, {}): {}",
            p.name,
            p.province,
            p.kind.slug().replace('_', " "),
            st.slug()
        );
        match p.kind {
            PlaceKind::Capital => out.push_str(&format!(
                r##"<g class="map-place map-{st}"><title>{t}</title><rect x="{x0:.1}" y="{y0:.1}" width="14" height="14" fill="{f}" stroke="#000" stroke-width="1.5"/><text x="{tx:.1}" y="{ty:.1}" font-size="14" font-weight="700">{n}</text></g>"##,
                st = st.slug(),
                t = esc(&label),
                x0 = x - 7.0,
                y0 = y - 7.0,
                f = fill(st),
                tx = x + 10.0,
                ty = y - 8.0,
                n = esc(&p.name),
            )),
            PlaceKind::Airport => out.push_str(&format!(
                r##"<g class="map-airport"><title>{t}</title><path d="M{x:.1},{y1:.1} L{x2:.1},{y2:.1} L{x3:.1},{y2:.1} Z" fill="#fff" stroke="#000" stroke-width="1.5"/><text x="{tx:.1}" y="{ty:.1}" font-size="12">✈ {n}</text></g>"##,
                t = esc(&format!("{label}; airport {}", value_text(Measure::AirportStatus, &s.value(Measure::AirportStatus)))),
                y1 = y - 6.0,
                x2 = x - 6.0,
                x3 = x + 6.0,
                y2 = y + 5.0,
                tx = x + 9.0,
                ty = y + 16.0,
                n = esc(&p.name),
            )),
            PlaceKind::ProvincialCapital | PlaceKind::Place => out.push_str(&format!(
                r##"<g class="map-place map-{st}"><title>{t}</title><circle cx="{x:.1}" cy="{y:.1}" r="{r}" fill="{f}" stroke="#fff" stroke-width="1"/><text x="{tx:.1}" y="{ty:.1}" font-size="10" fill="#38424d">{n}</text></g>"##,
                st = st.slug(),
                t = esc(&label),
                r = if st == Status::Held { 4.5 } else { 6.0 },
                f = fill(st),
                tx = x + 7.0,
                ty = y + 3.5,
                n = esc(&p.name),
            )),
            PlaceKind::Road | PlaceKind::Crossing => {
                let open = s
                    .roads
                    .iter()
                    .chain(&s.crossings)
                    .find(|r| r.0 == p.name)
                    .is_none_or(|r| r.1);
                out.push_str(&format!(
                    r##"<g class="map-route"><title>{t}</title><rect x="{x0:.1}" y="{y0:.1}" width="7" height="7" transform="rotate(45 {x:.1} {y:.1})" fill="{f}" stroke="#000" stroke-width="0.6"/></g>"##,
                    t = esc(&format!("{}: {}", p.name, if open { "open" } else { "closed" })),
                    x0 = x - 3.5,
                    y0 = y - 3.5,
                    f = if open { "#009e73" } else { "#b3261e" },
                ));
            }
        }
    }
    out.push_str("</svg>");
    out.push_str(&format!(
        r##"<figcaption>Provinces: <span class="swatch swatch-taken"></span> capital taken (hostile-held) · <span class="swatch swatch-contested"></span> contested · <span class="swatch swatch-held"></span> held. Capitals: <span class="key key-taken">●</span> taken · <span class="key key-contested">●</span> contested · <span class="key key-held">●</span> held · ■ the capital · ✈ the airport · ◆ roads and crossings (green open, red closed). Hover a province or place for its status. {source}</figcaption>"##,
        source = if approximate {
            "<strong class=\"map-approximate\">Province areas are approximate</strong>: each is the land nearer its capital than any other (no boundaries were loaded with this gazetteer)."
        } else {
            "Boundaries: Natural Earth (public domain), simplified."
        }
    ));
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    out.push_str(&format!(
        r##"<table class="visually-hidden province-status"><caption>Provinces of {c} by status at {at}</caption><thead><tr><th scope="col">Province</th><th scope="col">Capital</th><th scope="col">Status</th></tr></thead><tbody>"##,
        c = esc(&g.country),
        at = esc(&day(s.at)),
    ));
    for (province, capital, st) in rows {
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&province),
            esc(&capital),
            word(st)
        ));
    }
    out.push_str("</tbody></table></figure>");
    out
}

// ------------------------------------------------------------------ overview

#[derive(Template)]
#[template(path = "posture_overview.html")]
struct OverviewPage {
    chrome: Chrome,
    posture: String,
    posture_since: String,
    posture_by: String,
    open: Vec<Crossed>,
    others: Vec<Crossed>,
    measures: Vec<MeasureView>,
    conflicts: Vec<ConflictView>,
    levels: Vec<(String, String)>,
    capitals_chart: String,
    isolation_chart: String,
    map: String,
    can_manage: bool,
    error: Option<String>,
    country: String,
}

async fn overview(
    state: &AppState,
    user: &CurrentUser,
    done: &str,
    error: Option<String>,
) -> PageResult {
    // The post's moment: the scenario clock's when an exercise runs one.
    let now = state.scenario_now().await?;
    let p = svc::load(&state.store, now).await?;
    let s = p.situation(now);
    let (open, others) = crossed_now(&p, &s, now);
    let (capitals_chart, isolation_chart) = charts_html(&p, now);
    let current = p.current(now);
    let status = form_status(&error);
    let page = OverviewPage {
        chrome: frame(state, user, "Posture", done).await?,
        posture: p.current_name(now),
        posture_since: current
            .map(|(d, _)| when(&d.decided_at))
            .unwrap_or_default(),
        posture_by: current
            .map(|(d, _)| d.decided_by.clone())
            .unwrap_or_default(),
        open,
        others,
        measures: measures(&s),
        conflicts: conflicts(&s),
        levels: p
            .levels
            .iter()
            .map(|l| (l.name.clone(), l.description.clone()))
            .collect(),
        capitals_chart,
        isolation_chart,
        map: map_svg(&p.gazetteer, &s),
        can_manage: user.can(Permission::ManagePosture),
        error,
        country: p.gazetteer.country.clone(),
    };
    render(&page, status)
}

pub async fn posture(
    State(s): State<AppState>,
    Extension(u): Extension<CurrentUser>,
    Query(q): Query<AtQuery>,
) -> PageResult {
    overview(&s, &u, &q.done, None).await
}

/// Declares a posture (the committee), with a rationale and who attended.
pub async fn declare(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(form): Form<DecisionInput>,
) -> PageResult {
    match svc::decide(
        &state.store,
        false,
        &form,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await
    {
        Ok(_) => see_other("/posture?done=declared"),
        Err(WebError::BadRequest(m) | WebError::Conflict(m)) => {
            overview(&state, &user, "", Some(m)).await
        }
        Err(e) => Err(e),
    }
}

/// Records a decision not to follow a tripwire's recommendation.
pub async fn decline(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(form): Form<DecisionInput>,
) -> PageResult {
    match svc::decide(
        &state.store,
        true,
        &form,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await
    {
        Ok(_) => see_other("/posture?done=declined"),
        Err(WebError::BadRequest(m) | WebError::Conflict(m)) => {
            overview(&state, &user, "", Some(m)).await
        }
        Err(e) => Err(e),
    }
}

// ------------------------------------------------------------------ the situation log

#[derive(Template)]
#[template(path = "posture_log.html")]
struct LogPage {
    chrome: Chrome,
    events: Vec<EventView>,
    kinds: Vec<(&'static str, &'static str)>,
    confidences: Vec<&'static str>,
    places: Vec<String>,
    airport_statuses: Vec<&'static str>,
    can_manage: bool,
    error: Option<String>,
    form: RawEvent,
    csrf_query: String,
    country: String,
}

async fn log_page(
    state: &AppState,
    user: &CurrentUser,
    source: &str,
    done: &str,
    error: Option<String>,
    form: RawEvent,
) -> PageResult {
    let now = state.now();
    let p = svc::load(&state.store, now).await?;
    let events = event_views(
        &p,
        OffsetDateTime::from_unix_timestamp(253_402_300_799).unwrap_or(now),
    );
    let ev = AuditEvent::new(
        user.actor(),
        "posture.log_read",
        "posture_events",
        format!("rows={}", events.len()),
        source,
    );
    state.store.audit(&ev, now).await?;
    let chrome = frame(state, user, "Situation log", done).await?;
    let csrf_query = chrome.csrf().to_string();
    let status = form_status(&error);
    let page = LogPage {
        chrome,
        events,
        kinds: EventKind::ALL
            .iter()
            .map(|k| (k.slug(), k.label()))
            .collect(),
        confidences: Confidence::ALL.iter().map(|c| c.slug()).collect(),
        places: p.gazetteer.places.iter().map(|p| p.name.clone()).collect(),
        airport_statuses: drawdown_posture::log::AIRPORT_STATUSES.to_vec(),
        can_manage: user.can(Permission::ManagePosture),
        error,
        form,
        csrf_query,
        country: p.gazetteer.country.clone(),
    };
    render(&page, status)
}

pub async fn situation_log(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Query(q): Query<AtQuery>,
) -> PageResult {
    log_page(
        &state,
        &user,
        &caller.source,
        &q.done,
        None,
        RawEvent::default(),
    )
    .await
}

pub async fn add_event(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(form): Form<RawEvent>,
) -> PageResult {
    let now = state.now();
    // The same instant as the re-evaluation's, on the post's clock.
    let today = svc::today(&state.store, now).await?;
    let mut raw = form.clone();
    if raw.at.trim().is_empty() {
        raw.at = drawdown_storage::timestamp(today);
    }
    match svc::record_events(&state.store, &[raw], 0, &user.actor(), &caller.source, now).await {
        Ok(_) => see_other("/posture/log?done=event"),
        Err(WebError::BadRequest(m)) => {
            log_page(&state, &user, &caller.source, "", Some(m), form).await
        }
        Err(e) => Err(e),
    }
}

pub async fn import_events(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    mut multipart: Multipart,
) -> PageResult {
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(f)) if f.name() == Some("file") => {
                let name = f.file_name().unwrap_or("upload").to_string();
                match f.bytes().await {
                    Ok(b) => file = Some((name, b.to_vec())),
                    Err(e) => {
                        let m = format!("the upload failed: {e}");
                        return log_page(
                            &state,
                            &user,
                            &caller.source,
                            "",
                            Some(m),
                            RawEvent::default(),
                        )
                        .await;
                    }
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => {
                let m = format!("the upload failed: {e}");
                return log_page(
                    &state,
                    &user,
                    &caller.source,
                    "",
                    Some(m),
                    RawEvent::default(),
                )
                .await;
            }
        }
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        let m = "choose a CSV, XLSX or JSON file of events".to_string();
        return log_page(
            &state,
            &user,
            &caller.source,
            "",
            Some(m),
            RawEvent::default(),
        )
        .await;
    };
    let now = state.now();
    match svc::import_events(
        &state.store,
        &name,
        &bytes,
        &user.actor(),
        &caller.source,
        now,
    )
    .await
    {
        Ok(_) => see_other("/posture/log?done=imported"),
        Err(WebError::BadRequest(m)) => {
            log_page(
                &state,
                &user,
                &caller.source,
                "",
                Some(m),
                RawEvent::default(),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// Loads another country's gazetteer from an uploaded CSV (with its country's name).
pub async fn load_gazetteer(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    mut multipart: Multipart,
) -> PageResult {
    let (mut country, mut csv) = (String::new(), None);
    let mut problem = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(f)) if f.name() == Some("country") => match f.text().await {
                Ok(t) => country = t,
                Err(e) => problem = Some(format!("the upload failed: {e}")),
            },
            Ok(Some(f)) if f.name() == Some("file") => match f.bytes().await {
                Ok(b) => csv = Some(b.to_vec()),
                Err(e) => problem = Some(format!("the upload failed: {e}")),
            },
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => {
                problem = Some(format!("the upload failed: {e}"));
                break;
            }
        }
    }
    let text = match (problem, csv.filter(|b| !b.is_empty())) {
        (Some(m), _) => Err(m),
        (None, None) => Err("choose a CSV file of places".to_string()),
        (None, Some(b)) => String::from_utf8(b)
            .map_err(|_| "the file is not UTF-8 text (save it as CSV, UTF-8)".to_string()),
    };
    let result = match text {
        Ok(text) => {
            svc::load_gazetteer(
                &state.store,
                &country,
                &text,
                &user.actor(),
                &caller.source,
                state.now(),
            )
            .await
        }
        Err(m) => Err(WebError::BadRequest(m)),
    };
    match result {
        Ok(_) => see_other("/posture/log?done=gazetteer"),
        Err(WebError::BadRequest(m)) => {
            log_page(
                &state,
                &user,
                &caller.source,
                "",
                Some(m),
                RawEvent::default(),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// The situation log as CSV (audited), formula-safe.
pub async fn log_csv(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
) -> PageResult {
    let now = state.now();
    let rows = state.store.posture_events().await?;
    let ev = AuditEvent::new(
        user.actor(),
        "posture.log_export",
        "posture_events",
        format!("rows={}", rows.len()),
        &caller.source,
    );
    state.store.audit(&ev, now).await?;
    let body = crate::export::csv(
        &[
            "kind",
            "at",
            "place",
            "source",
            "confidence",
            "value",
            "horizon",
            "notes",
        ],
        rows.iter().map(|r| {
            let e = &r.event;
            vec![
                e.kind.slug().to_string(),
                drawdown_storage::timestamp(e.at),
                e.place.clone(),
                e.source.clone(),
                e.confidence.slug().to_string(),
                e.value.clone(),
                e.horizon_days
                    .map(|d| format!("{d} days"))
                    .unwrap_or_default(),
                e.notes.clone(),
            ]
        }),
    );
    Ok(crate::export::csv_download("situation-log.csv", body))
}

// ------------------------------------------------------------------ tripwires

#[derive(Template)]
#[template(path = "posture_tripwires.html")]
struct TripwiresPage {
    chrome: Chrome,
    tripwires: Vec<TripwireLine>,
    /// Name, condition, level, "when by whom".
    retired: Vec<(String, String, String, String)>,
    levels: Vec<String>,
    measures: Vec<(&'static str, &'static str, String)>,
    kinds: Vec<&'static str>,
    can_manage: bool,
    error: Option<String>,
    /// The tripwire whose form failed ("" for the add form).
    error_for: String,
    form: TripwireInput,
}

async fn tripwires_page(
    state: &AppState,
    user: &CurrentUser,
    done: &str,
    error: Option<(String, String)>,
    form: TripwireInput,
) -> PageResult {
    // The post's moment: the scenario clock's when an exercise runs one.
    let now = state.scenario_now().await?;
    let p = svc::load(&state.store, now).await?;
    let s = p.situation(now);
    let tripwires = p
        .evaluate(&s)
        .into_iter()
        .map(|t| TripwireLine {
            id: t.row.id.clone(),
            name: t.row.name.clone(),
            condition: t.row.condition.clone(),
            recommends: t.level.clone(),
            actions: t.row.actions.clone(),
            crossed: t.facts.is_some(),
            facts: t.facts.unwrap_or_default(),
        })
        .collect();
    let retired = p
        .tripwires
        .iter()
        .filter_map(|t| {
            let at = t.retired_at.as_deref()?;
            Some((
                t.name.clone(),
                t.condition.clone(),
                p.level(&t.level_id)
                    .map(|l| l.name.clone())
                    .unwrap_or_default(),
                format!(
                    "{} by {}",
                    when(at),
                    t.retired_by.clone().unwrap_or_default()
                ),
            ))
        })
        .collect();
    let (error_for, error) = match error {
        Some((f, e)) => (f, Some(e)),
        None => (String::new(), None),
    };
    let status = form_status(&error);
    let page = TripwiresPage {
        chrome: frame(state, user, "Tripwires", done).await?,
        tripwires,
        retired,
        levels: p.levels.iter().map(|l| l.name.clone()).collect(),
        measures: Measure::ALL
            .into_iter()
            .map(|m| (m.name(), m.description(), value_text(m, &s.value(m))))
            .collect(),
        kinds: EventKind::ALL.iter().map(|k| k.slug()).collect(),
        can_manage: user.can(Permission::ManagePosture),
        error,
        error_for,
        form,
    };
    render(&page, status)
}

pub async fn tripwires(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Query(q): Query<AtQuery>,
) -> PageResult {
    tripwires_page(&state, &user, &q.done, None, TripwireInput::default()).await
}

pub async fn add_tripwire(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(form): Form<TripwireInput>,
) -> PageResult {
    match svc::save_tripwire(
        &state.store,
        None,
        &form,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await
    {
        Ok(_) => see_other("/posture/tripwires?done=tripwire"),
        Err(WebError::BadRequest(m) | WebError::Conflict(m)) => {
            tripwires_page(&state, &user, "", Some((String::new(), m)), form).await
        }
        Err(e) => Err(e),
    }
}

pub async fn edit_tripwire(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(id): Path<String>,
    Form(form): Form<TripwireInput>,
) -> PageResult {
    match svc::save_tripwire(
        &state.store,
        Some(&id),
        &form,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await
    {
        Ok(_) => see_other("/posture/tripwires?done=tripwire"),
        Err(WebError::BadRequest(m) | WebError::Conflict(m)) => {
            tripwires_page(&state, &user, "", Some((id, m)), form).await
        }
        Err(e) => Err(e),
    }
}

/// Retires a tripwire: kept on the record, no longer evaluated.
pub async fn retire_tripwire(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(id): Path<String>,
) -> PageResult {
    match svc::retire_tripwire(
        &state.store,
        &id,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await
    {
        Ok(_) => see_other("/posture/tripwires?done=retired"),
        Err(WebError::Conflict(m)) => {
            tripwires_page(
                &state,
                &user,
                "",
                Some((String::new(), m)),
                TripwireInput::default(),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

// ------------------------------------------------------------------ levels and checklists

pub struct TemplateView {
    pub id: String,
    pub task: String,
    pub owner_role: String,
    pub due_hours: i64,
}

pub struct LevelView {
    pub id: String,
    pub rank: i64,
    pub name: String,
    pub description: String,
    pub current: bool,
    pub tasks: Vec<TemplateView>,
}

#[derive(Template)]
#[template(path = "posture_levels.html")]
struct LevelsPage {
    chrome: Chrome,
    levels: Vec<LevelView>,
    tasks: Vec<TaskView>,
    /// Where a tick comes back to.
    from: &'static str,
    roles: Vec<&'static str>,
    /// (id, name) of each level, lowest first, for "above".
    level_names: Vec<(String, String)>,
    can_manage: bool,
    error: Option<String>,
    /// The level or task whose form failed (its form opens).
    error_for: String,
    form: svc::LevelInput,
}

/// The checklist tasks `user` sees (all of them, or those of their roles), open first.
fn task_views(p: &Posture, user: &CurrentUser, now: OffsetDateTime, all: bool) -> Vec<TaskView> {
    let now_s = drawdown_storage::timestamp(now);
    let level_of = |decision: &str| {
        p.decisions
            .iter()
            .find(|d| d.id == decision)
            .and_then(|d| p.level(&d.level_id))
            .map(|l| l.name.clone())
            .unwrap_or_default()
    };
    let mut tasks: Vec<TaskView> = p
        .tasks
        .iter()
        .filter(|t| all || svc::may_tick(user.roles, &t.owner_role))
        .map(|t| TaskView {
            id: t.id.clone(),
            task: t.task.clone(),
            owner_role: t.owner_role.clone(),
            level: level_of(&t.decision_id),
            due: when(&t.due_at),
            done: match (&t.done_at, &t.done_by) {
                (Some(at), Some(by)) => format!("{} by {by}", when(at)),
                _ => String::new(),
            },
            overdue: t.done_at.is_none() && t.due_at < now_s,
            can_tick: svc::may_tick(user.roles, &t.owner_role),
        })
        .collect();
    // Open tasks first, the most overdue on top.
    tasks.sort_by_key(|t| !t.done.is_empty());
    tasks
}

async fn levels_page(
    state: &AppState,
    user: &CurrentUser,
    done: &str,
    error: Option<(String, String)>,
    form: svc::LevelInput,
) -> PageResult {
    // The post's moment: the scenario clock's when an exercise runs one.
    let now = state.scenario_now().await?;
    let p = svc::load(&state.store, now).await?;
    let current = p.current_name(now);
    let (error_for, error) = match error {
        Some((f, e)) => (f, Some(e)),
        None => (String::new(), None),
    };
    let status = form_status(&error);
    let page = LevelsPage {
        chrome: frame(state, user, "Posture levels and checklists", done).await?,
        levels: p
            .levels
            .iter()
            .map(|l| LevelView {
                id: l.id.clone(),
                rank: l.rank,
                name: l.name.clone(),
                description: l.description.clone(),
                current: l.name == current,
                tasks: l
                    .tasks
                    .iter()
                    .map(|t| TemplateView {
                        id: t.id.clone(),
                        task: t.task.clone(),
                        owner_role: t.owner_role.clone(),
                        due_hours: t.due_hours,
                    })
                    .collect(),
            })
            .collect(),
        tasks: task_views(&p, user, now, true),
        from: "levels",
        roles: drawdown_domain::Role::ALL
            .iter()
            .map(|r| r.slug())
            .collect(),
        level_names: p
            .levels
            .iter()
            .map(|l| (l.id.clone(), l.name.clone()))
            .collect(),
        can_manage: user.can(Permission::ManagePosture),
        error,
        error_for,
        form,
    };
    render(&page, status)
}

pub async fn levels(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Query(q): Query<AtQuery>,
) -> PageResult {
    levels_page(&state, &user, &q.done, None, svc::LevelInput::default()).await
}

#[derive(Template)]
#[template(path = "posture_tasks.html")]
struct TasksPage {
    chrome: Chrome,
    tasks: Vec<TaskView>,
    from: &'static str,
    /// Everything (those who read posture) or only the user's roles' tasks.
    all: bool,
    can_view: bool,
    roles: String,
    error: Option<String>,
}

async fn tasks_page(
    state: &AppState,
    user: &CurrentUser,
    done: &str,
    error: Option<String>,
) -> PageResult {
    // The post's moment: the scenario clock's when an exercise runs one.
    let now = state.scenario_now().await?;
    let p = svc::load(&state.store, now).await?;
    let all = user.can(Permission::ViewPosture);
    let status = form_status(&error);
    let page = TasksPage {
        chrome: frame(state, user, "Checklist tasks", done).await?,
        tasks: task_views(&p, user, now, all),
        from: "tasks",
        all,
        can_view: all,
        roles: user.roles.to_string(),
        error,
    };
    render(&page, status)
}

/// The checklist tasks a user may see: every task for those who read posture, the tasks of
/// their roles for the others (a destruction officer's, a movement officer's).
pub async fn checklist_tasks(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Query(q): Query<AtQuery>,
) -> PageResult {
    tasks_page(&state, &user, &q.done, None).await
}

/// Ticks a task off: the committee, or a holder of the task's owner role.
pub async fn tick_task(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let back_to_tasks =
        form.get("from").is_some_and(|f| f == "tasks") || !user.can(Permission::ViewPosture);
    match svc::tick_task(
        &state.store,
        &id,
        None,
        Some(user.roles),
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await
    {
        Ok(()) if back_to_tasks => see_other("/posture/tasks?done=task"),
        Ok(()) => see_other("/posture/levels?done=task"),
        Err(WebError::Conflict(m)) if back_to_tasks => tasks_page(&state, &user, "", Some(m)).await,
        Err(WebError::Conflict(m)) => {
            levels_page(
                &state,
                &user,
                "",
                Some((String::new(), m)),
                Default::default(),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// A level's form failed: the page again, with the error by that form.
async fn level_error(
    state: &AppState,
    user: &CurrentUser,
    target: &str,
    e: WebError,
    form: svc::LevelInput,
) -> PageResult {
    match e {
        WebError::BadRequest(m) | WebError::Conflict(m) => {
            levels_page(state, user, "", Some((target.to_string(), m)), form).await
        }
        e => Err(e),
    }
}

pub async fn add_posture_level(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Form(form): Form<svc::LevelInput>,
) -> PageResult {
    match svc::add_level(
        &state.store,
        &form,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await
    {
        Ok(_) => see_other("/posture/levels?done=level"),
        Err(e) => level_error(&state, &user, "new-level", e, form).await,
    }
}

pub async fn edit_posture_level(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(id): Path<String>,
    Form(form): Form<svc::LevelInput>,
) -> PageResult {
    match svc::edit_level(
        &state.store,
        &id,
        &form,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await
    {
        Ok(()) => see_other("/posture/levels?done=level"),
        Err(e) => level_error(&state, &user, &id, e, Default::default()).await,
    }
}

pub async fn add_task_template(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path(id): Path<String>,
    Form(form): Form<svc::TaskInput>,
) -> PageResult {
    match svc::add_task_template(
        &state.store,
        &id,
        &form,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await
    {
        Ok(_) => see_other("/posture/levels?done=template"),
        Err(e) => level_error(&state, &user, &id, e, Default::default()).await,
    }
}

pub async fn edit_task_template(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path((id, task)): Path<(String, String)>,
    Form(form): Form<svc::TaskInput>,
) -> PageResult {
    match svc::edit_task_template(
        &state.store,
        &id,
        &task,
        &form,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await
    {
        Ok(()) => see_other("/posture/levels?done=template_saved"),
        Err(e) => level_error(&state, &user, &task, e, Default::default()).await,
    }
}

pub async fn remove_task_template(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Path((id, task)): Path<(String, String)>,
) -> PageResult {
    svc::remove_task_template(
        &state.store,
        &id,
        &task,
        &user.actor(),
        &caller.source,
        state.now(),
    )
    .await?;
    see_other("/posture/levels?done=template_removed")
}

// ------------------------------------------------------------------ timeline and map

#[derive(Template)]
#[template(path = "posture_timeline.html")]
struct TimelinePage {
    chrome: Chrome,
    at: String,
    at_day: String,
    day: i64,
    days: i64,
    first: String,
    posture: String,
    crossed: Vec<Crossed>,
    open: Vec<Crossed>,
    measures: Vec<MeasureView>,
    conflicts: Vec<ConflictView>,
    decisions: Vec<DecisionView>,
    events: Vec<EventView>,
    map: String,
}

pub async fn timeline(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Query(q): Query<AtQuery>,
) -> PageResult {
    // The post's moment: the scenario clock's when an exercise runs one.
    let now = state.scenario_now().await?;
    let p = svc::load(&state.store, now).await?;
    let at = moment(&p, &q, now)?;
    let s = p.situation(at);
    let (open, crossed) = crossed_now(&p, &s, at);
    let first = first_day(&p).unwrap_or(now);
    // The slider runs from the log's first day to the last event or decision (or today).
    let last = p
        .events
        .last()
        .map(|e| e.event.at)
        .into_iter()
        .chain(
            p.decisions
                .iter()
                .filter_map(|d| drawdown_posture::log::parse_time(&d.decided_at)),
        )
        .max()
        .unwrap_or(now);
    let mut events = event_views(&p, at);
    events.reverse();
    let page = TimelinePage {
        chrome: frame(&state, &user, "Timeline", "").await?,
        at: when(&drawdown_storage::timestamp(at)),
        at_day: day(at),
        day: (at - first).whole_days().max(0),
        days: (last - first).whole_days().max(1),
        first: day(first),
        posture: p.current_name(at),
        crossed,
        open,
        measures: measures(&s),
        conflicts: conflicts(&s),
        decisions: decision_views(&p, at),
        events,
        map: map_svg(&p.gazetteer, &s),
    };
    render(&page, StatusCode::OK)
}

/// The timeline up to `?at=` as a PDF for the after-action review.
pub async fn timeline_pdf(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Extension(caller): Extension<auth::Caller>,
    Query(q): Query<AtQuery>,
) -> PageResult {
    let now = state.now();
    // The same instant as the re-evaluation's, on the post's clock.
    let today = svc::today(&state.store, now).await?;
    let p = svc::load(&state.store, now).await?;
    let at = moment(&p, &q, today)?;
    let bytes = svc::timeline_pdf(&p, at, now);
    let ev = AuditEvent::new(
        user.actor(),
        "posture.timeline_export",
        "posture_timeline",
        format!("at={}", drawdown_storage::timestamp(at)),
        &caller.source,
    );
    state.store.audit(&ev, now).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"posture-timeline-{}.pdf\"", day(at)),
            ),
        ],
        bytes,
    )
        .into_response())
}

// ------------------------------------------------------------------ the dashboard card

#[derive(Template)]
#[template(path = "posture_card.html")]
struct Card {
    posture: String,
    since: String,
    open: Vec<Crossed>,
    crossed: usize,
    overdue: usize,
    /// Open tasks of the user's roles, for those who do not manage posture.
    mine: usize,
    can_view: bool,
}

/// This area's card on the dashboard: the posture in force and any crossed tripwire awaiting
/// a decision, with its facts.
pub async fn dashboard_card(state: &AppState, user: &CurrentUser) -> Result<String, WebError> {
    // The post's moment: the scenario clock's when an exercise runs one.
    let now = state.scenario_now().await?;
    let p = svc::load(&state.store, now).await?;
    let s = p.situation(now);
    let (open, others) = crossed_now(&p, &s, now);
    let now_s = drawdown_storage::timestamp(now);
    let card = Card {
        posture: p.current_name(now),
        since: p
            .current(now)
            .map(|(d, _)| when(&d.decided_at))
            .unwrap_or_default(),
        crossed: open.len() + others.len(),
        open,
        overdue: p
            .tasks
            .iter()
            .filter(|t| t.done_at.is_none() && t.due_at < now_s)
            .count(),
        mine: if user.can(Permission::ManagePosture) {
            0
        } else {
            p.tasks
                .iter()
                .filter(|t| t.done_at.is_none() && svc::may_tick(user.roles, &t.owner_role))
                .count()
        },
        can_view: user.can(Permission::ViewPosture),
    };
    Ok(card.render()?)
}

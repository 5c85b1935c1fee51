//! Posture: the operations behind its pages, API and command line.
//!
//! Every change (an event recorded, a tripwire saved, a gazetteer loaded) re-evaluates the
//! tripwires; one that crosses opens a decision item when it recommends a posture above the
//! one in force. Declaring a posture (or deciding not to) records who, who attended, why, and
//! a snapshot of the indicators then.

use crate::WebError;
use drawdown_domain::audit::AuditEvent;
use drawdown_domain::{Permission, Role, RoleSet};
use drawdown_posture::log::{Event, RawEvent};
use drawdown_posture::measures::{Measure, Situation, value_text};
use drawdown_posture::tripwire::{self, Condition, Fact};
use drawdown_posture::{Gazetteer, defaults};
use drawdown_storage::Store;
use drawdown_storage::posture::{
    Crossings, DecisionRow, EventRow, ItemRow, LevelRow, TaskRow, TaskTemplateRow, TripwireRow,
};
use serde_json::{Value as Json, json};
use time::OffsetDateTime;

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn ts(t: OffsetDateTime) -> String {
    drawdown_storage::timestamp(t)
}

fn parse_ts(s: &str) -> Option<OffsetDateTime> {
    drawdown_posture::log::parse_time(s)
}

/// A tripwire with its level and, at the moment asked, whether it holds and why.
#[derive(Clone, Debug)]
pub struct TripwireView {
    pub row: TripwireRow,
    pub level: String,
    pub rank: i64,
    pub condition: Option<Condition>,
    pub facts: Option<Vec<Fact>>,
}

/// Everything posture holds, read once.
pub struct Posture {
    pub gazetteer: Gazetteer,
    pub events: Vec<EventRow>,
    pub levels: Vec<LevelRow>,
    pub tripwires: Vec<TripwireRow>,
    pub items: Vec<ItemRow>,
    pub decisions: Vec<DecisionRow>,
    pub tasks: Vec<TaskRow>,
}

/// The post's moment at real time `now`: the scenario clock's time when an exercise (or the
/// demo, set in August 2021) runs one, else `now`. Situations, crossings, declarations and
/// ticks are on this clock; audit entries and `recorded_at` keep the real one.
pub async fn today(store: &Store, now: OffsetDateTime) -> Result<OffsetDateTime, WebError> {
    Ok(match store.scenario_clock().await? {
        Some((at, set_at)) => crate::state::scenario_time(&at, &set_at, now).unwrap_or(now),
        None => now,
    })
}

/// The gazetteer in force: the one loaded, or Afghanistan's.
pub async fn gazetteer(store: &Store) -> Result<Gazetteer, WebError> {
    Ok(store
        .posture_gazetteer()
        .await?
        .unwrap_or_else(Gazetteer::afghanistan))
}

/// Reads everything; a deployment without levels gets the typical plan's first.
pub async fn load(store: &Store, now: OffsetDateTime) -> Result<Posture, WebError> {
    let mut levels = store.posture_levels().await?;
    if levels.is_empty() {
        ensure_defaults(store, "system", "system", now).await?;
        levels = store.posture_levels().await?;
    }
    Ok(Posture {
        gazetteer: gazetteer(store).await?,
        events: store.posture_events().await?,
        levels,
        tripwires: store.posture_tripwires().await?,
        items: store.posture_items().await?,
        decisions: store.posture_decisions().await?,
        tasks: store.posture_tasks().await?,
    })
}

/// The typical plan's levels, checklists and tripwires, when there are no levels yet.
pub async fn ensure_defaults(
    store: &Store,
    actor: &str,
    source: &str,
    now: OffsetDateTime,
) -> Result<(), WebError> {
    if !store.posture_levels().await?.is_empty() {
        return Ok(());
    }
    let mut ids = Vec::new();
    for l in defaults::levels() {
        let row = LevelRow {
            id: new_id(),
            rank: l.rank,
            name: l.name.into(),
            description: l.description.into(),
            tasks: l
                .tasks
                .iter()
                .map(|t| TaskTemplateRow {
                    id: new_id(),
                    task: t.task.into(),
                    owner_role: t.owner_role.into(),
                    due_hours: t.due_hours,
                })
                .collect(),
        };
        let ev = AuditEvent::new(
            actor,
            "posture.level_add",
            format!("level:{}", row.id),
            format!("{} (rank {}, default plan)", row.name, row.rank),
            source,
        );
        match store.add_posture_level(&row, &ev, now).await {
            // Another request seeded them at the same moment.
            Err(drawdown_storage::StorageError::Conflict(_)) => return Ok(()),
            r => r?,
        }
        ids.push((l.name, row.id));
    }
    for t in defaults::tripwires() {
        let level = ids
            .iter()
            .find(|(n, _)| *n == t.recommends)
            .map(|(_, id)| id.clone())
            .unwrap_or_default();
        let row = TripwireRow {
            id: new_id(),
            name: t.name.into(),
            condition: t.condition.into(),
            level_id: level,
            actions: t.actions.into(),
            crossed_at: None,
            facts: "[]".into(),
            retired_at: None,
            retired_by: None,
        };
        let ev = AuditEvent::new(
            actor,
            "posture.tripwire_add",
            format!("tripwire:{}", row.id),
            format!("{}: {}", row.name, row.condition),
            source,
        );
        store.save_posture_tripwire(&row, &ev, now).await?;
    }
    Ok(())
}

impl Posture {
    pub fn log(&self) -> Vec<Event> {
        self.events.iter().map(|e| e.event.clone()).collect()
    }

    pub fn situation(&self, at: OffsetDateTime) -> Situation {
        Situation::at(&self.log(), &self.gazetteer, at)
    }

    pub fn level(&self, id: &str) -> Option<&LevelRow> {
        self.levels.iter().find(|l| l.id == id)
    }

    /// A level by its name (any case) or id.
    pub fn level_named(&self, name: &str) -> Option<&LevelRow> {
        let n = name.trim().to_lowercase().replace(['_', '-'], " ");
        self.levels
            .iter()
            .find(|l| l.name.to_lowercase() == n || l.id == name.trim())
    }

    pub fn level_names(&self) -> String {
        self.levels
            .iter()
            .map(|l| l.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The posture in force at `at`: the latest declaration then.
    pub fn current(&self, at: OffsetDateTime) -> Option<(&DecisionRow, &LevelRow)> {
        let at = ts(at);
        self.decisions
            .iter()
            .filter(|d| d.kind == "declare" && d.decided_at <= at)
            .max_by(|a, b| (&a.decided_at, &a.recorded_at).cmp(&(&b.decided_at, &b.recorded_at)))
            .and_then(|d| self.level(&d.level_id).map(|l| (d, l)))
    }

    /// The posture's name at `at` (the lowest level when none was declared).
    pub fn current_name(&self, at: OffsetDateTime) -> String {
        self.current(at)
            .map(|(_, l)| l.name.clone())
            .or_else(|| self.levels.first().map(|l| l.name.clone()))
            .unwrap_or_else(|| "normal".into())
    }

    pub fn current_rank(&self, at: OffsetDateTime) -> i64 {
        self.current(at)
            .map(|(_, l)| l.rank)
            .or_else(|| self.levels.first().map(|l| l.rank))
            .unwrap_or(0)
    }

    /// Every tripwire in force at the situation's moment (not yet retired then), evaluated.
    pub fn evaluate(&self, s: &Situation) -> Vec<TripwireView> {
        let at = ts(s.at);
        self.tripwires
            .iter()
            .filter(|t| t.retired_at.as_ref().is_none_or(|r| *r > at))
            .map(|t| {
                let condition = tripwire::parse(&t.condition).ok();
                let facts = condition.as_ref().and_then(|c| c.evaluate(s));
                let level = self.level(&t.level_id);
                TripwireView {
                    row: t.clone(),
                    level: level.map(|l| l.name.clone()).unwrap_or_default(),
                    rank: level.map_or(0, |l| l.rank),
                    condition,
                    facts,
                }
            })
            .collect()
    }

    /// Decision items open at `at`.
    pub fn open_items(&self, at: OffsetDateTime) -> Vec<&ItemRow> {
        let at = ts(at);
        self.items
            .iter()
            .filter(|i| i.opened_at <= at && i.closed_at.as_ref().is_none_or(|c| *c > at))
            .collect()
    }

    pub fn tripwire(&self, id: &str) -> Option<&TripwireRow> {
        self.tripwires.iter().find(|t| t.id == id)
    }

    /// The indicators in view at `at`, as a decision keeps them.
    pub fn snapshot(&self, at: OffsetDateTime) -> Json {
        let s = self.situation(at);
        let crossed: Vec<Json> = self
            .evaluate(&s)
            .into_iter()
            .filter_map(|t| {
                t.facts.map(|f| {
                    json!({"tripwire": t.row.name, "condition": t.row.condition, "recommends": t.level, "facts": f})
                })
            })
            .collect();
        json!({
            "at": ts(at),
            "posture": self.current_name(at),
            "measures": measures_json(&s),
            "crossed": crossed,
            "conflicts": s.conflicts().iter().map(|(subject, r)| json!({
                "subject": subject,
                "counts": r.report.summary(),
                "conflicting": r.conflicts.iter().map(Event::summary).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }
}

/// Each measure's value, text and grounds.
pub fn measures_json(s: &Situation) -> Vec<Json> {
    Measure::ALL
        .into_iter()
        .map(|m| {
            let v = s.value(m);
            json!({
                "measure": m.name(),
                "value": v,
                "text": value_text(m, &v),
                "grounds": s.grounds(m),
            })
        })
        .collect()
}

/// Re-evaluates every tripwire at `at` and records what crossed or cleared. Returns how many
/// decision items it opened.
pub async fn reevaluate(
    store: &Store,
    at: OffsetDateTime,
    actor: &str,
    source: &str,
    now: OffsetDateTime,
) -> Result<usize, WebError> {
    let p = load(store, now).await?;
    let log = p.log();
    let s = Situation::at(&log, &p.gazetteer, at);
    let rank = p.current_rank(at);
    let mut c = Crossings::default();
    let mut audits = Vec::new();
    for t in p.evaluate(&s) {
        match (&t.facts, &t.row.crossed_at) {
            (Some(facts), None) => {
                let since = t
                    .condition
                    .as_ref()
                    .and_then(|cond| drawdown_posture::crossed_since(cond, &log, &p.gazetteer, at))
                    .unwrap_or(at);
                let facts_json = serde_json::to_string(facts).unwrap_or_else(|_| "[]".into());
                let open_already = p
                    .items
                    .iter()
                    .any(|i| i.tripwire_id == t.row.id && i.closed_at.is_none());
                let item = (t.rank > rank && !open_already).then(|| ItemRow {
                    id: new_id(),
                    tripwire_id: t.row.id.clone(),
                    level_id: t.row.level_id.clone(),
                    crossed_at: ts(since),
                    opened_at: ts(at),
                    facts: facts_json.clone(),
                    closed_at: None,
                    decision_id: None,
                });
                audits.push(AuditEvent::new(
                    actor,
                    "posture.tripwire_crossed",
                    format!("tripwire:{}", t.row.id),
                    format!(
                        "{} (recommends {}){}",
                        t.row.name,
                        t.level,
                        if item.is_some() {
                            "; decision item opened"
                        } else {
                            "; at or below the posture in force"
                        }
                    ),
                    source,
                ));
                c.crossed
                    .push((t.row.id.clone(), ts(since), facts_json, item));
            }
            (None, Some(_)) => {
                audits.push(AuditEvent::new(
                    actor,
                    "posture.tripwire_cleared",
                    format!("tripwire:{}", t.row.id),
                    t.row.name.clone(),
                    source,
                ));
                c.cleared.push(t.row.id.clone());
            }
            _ => {}
        }
    }
    if audits.is_empty() {
        return Ok(0);
    }
    Ok(store.apply_posture_crossings(&c, &audits, now).await?)
}

/// Checks events as typed or imported; the first wrong one is named by its row.
pub fn check_events(
    raws: &[RawEvent],
    g: &Gazetteer,
    first_row: usize,
) -> Result<Vec<Event>, WebError> {
    if raws.is_empty() {
        return Err(WebError::BadRequest("there are no events to record".into()));
    }
    raws.iter()
        .enumerate()
        .map(|(i, r)| {
            r.parse(&new_id(), g).map_err(|e| {
                WebError::BadRequest(if raws.len() == 1 && first_row == 0 {
                    e.to_string()
                } else {
                    format!("row {}, {e}", i + first_row.max(1))
                })
            })
        })
        .collect()
}

/// Records events (all or none) and re-evaluates the tripwires.
pub async fn record_events(
    store: &Store,
    raws: &[RawEvent],
    first_row: usize,
    actor: &str,
    source: &str,
    now: OffsetDateTime,
) -> Result<Vec<String>, WebError> {
    let g = gazetteer(store).await?;
    let events = check_events(raws, &g, first_row)?;
    let detail = if events.len() == 1 {
        events[0].summary()
    } else {
        format!("{} events", events.len())
    };
    let ev = AuditEvent::new(
        actor,
        "posture.event_add",
        events
            .first()
            .map(|e| format!("event:{}", e.id))
            .unwrap_or_default(),
        detail,
        source,
    );
    store.add_posture_events(&events, actor, &ev, now).await?;
    reevaluate(store, today(store, now).await?, actor, source, now).await?;
    Ok(events.into_iter().map(|e| e.id).collect())
}

const EVENT_FIELDS: [&str; 8] = [
    "kind",
    "at",
    "place",
    "source",
    "confidence",
    "value",
    "horizon",
    "notes",
];

/// Reads events from a CSV, XLSX or JSON file (columns: kind, at, place, source, confidence,
/// value, horizon, notes). Any problem refuses the whole file.
pub fn read_events_file(file_name: &str, bytes: &[u8]) -> Result<Vec<RawEvent>, WebError> {
    use drawdown_import::{Format, Limits, read_table};
    let format = Format::from_file_name(file_name)
        .or_else(|| Format::sniff(bytes))
        .ok_or_else(|| {
            WebError::BadRequest(format!(
                "{file_name}: not a CSV, XLSX or JSON file (name it .csv, .xlsx or .json)"
            ))
        })?;
    let limits = Limits {
        max_bytes: 16 << 20,
        max_rows: 100_000,
        ..Limits::default()
    };
    let parsed = read_table(bytes, format, &limits)
        .map_err(|e| WebError::BadRequest(format!("{file_name}: {e}")))?;
    if let Some(p) = parsed.problems.first() {
        return Err(WebError::BadRequest(format!(
            "{file_name}, row {}{}: {}",
            p.row,
            p.column
                .as_ref()
                .map(|c| format!(", column {c}"))
                .unwrap_or_default(),
            p.reason
        )));
    }
    let headers: Vec<String> = parsed
        .table
        .headers
        .iter()
        .map(|h| {
            let h = h.trim().to_lowercase();
            match h.as_str() {
                "date" | "time" | "when" => "at".into(),
                "status" | "label" => "value".into(),
                "horizon_days" => "horizon".into(),
                "type" => "kind".into(),
                _ => h,
            }
        })
        .collect();
    for (h, raw) in headers.iter().zip(&parsed.table.headers) {
        if !EVENT_FIELDS.contains(&h.as_str()) {
            return Err(WebError::BadRequest(format!(
                "{file_name}: column '{raw}' is not a field of an event; the columns are: {}",
                EVENT_FIELDS.join(", ")
            )));
        }
    }
    for need in ["kind", "at", "source"] {
        if !headers.iter().any(|h| h == need) {
            return Err(WebError::BadRequest(format!(
                "{file_name}: there is no '{need}' column (the columns are: {})",
                EVENT_FIELDS.join(", ")
            )));
        }
    }
    Ok(parsed
        .table
        .rows
        .iter()
        .map(|row| {
            let mut r = RawEvent::default();
            for (h, cell) in headers.iter().zip(&row.cells) {
                let slot = match h.as_str() {
                    "kind" => &mut r.kind,
                    "at" => &mut r.at,
                    "place" => &mut r.place,
                    "source" => &mut r.source,
                    "confidence" => &mut r.confidence,
                    "value" => &mut r.value,
                    "horizon" => &mut r.horizon,
                    _ => &mut r.notes,
                };
                *slot = cell.clone();
            }
            r
        })
        .collect())
}

/// Imports a file of events: all or none. Row numbers count the header as row 1.
pub async fn import_events(
    store: &Store,
    file_name: &str,
    bytes: &[u8],
    actor: &str,
    source: &str,
    now: OffsetDateTime,
) -> Result<usize, WebError> {
    let raws = read_events_file(file_name, bytes)?;
    let g = gazetteer(store).await?;
    let events = check_events(&raws, &g, 2).map_err(|e| match e {
        WebError::BadRequest(m) => WebError::BadRequest(format!("{file_name}, {m}")),
        other => other,
    })?;
    let ev = AuditEvent::new(
        actor,
        "posture.event_import",
        format!("file:{file_name}"),
        format!("{} events", events.len()),
        source,
    );
    store.add_posture_events(&events, actor, &ev, now).await?;
    reevaluate(store, today(store, now).await?, actor, source, now).await?;
    Ok(events.len())
}

/// A tripwire as a form or the API sends it.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct TripwireInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub condition: String,
    /// The level it recommends (name).
    #[serde(default)]
    pub recommends: String,
    #[serde(default)]
    pub actions: String,
}

/// Checks a condition against the language and the gazetteer; returns it in canonical form.
pub fn check_condition(text: &str, g: &Gazetteer) -> Result<String, WebError> {
    let c = tripwire::parse(text).map_err(|e| WebError::BadRequest(format!("condition {e}")))?;
    for place in c.places() {
        if g.find(&place).is_none() {
            return Err(WebError::BadRequest(format!(
                "condition: '{place}' is not in the gazetteer of {}",
                g.country
            )));
        }
    }
    // Places named as the gazetteer names them, so events match.
    let mut text = c.text();
    for place in c.places() {
        if let Some(p) = g.find(&place) {
            text = text.replace(&format!("\"{place}\""), &format!("\"{}\"", p.name));
        }
    }
    Ok(text)
}

/// Adds a tripwire (`id` None) or changes one, then re-evaluates.
pub async fn save_tripwire(
    store: &Store,
    id: Option<&str>,
    input: &TripwireInput,
    actor: &str,
    source: &str,
    now: OffsetDateTime,
) -> Result<String, WebError> {
    let p = load(store, now).await?;
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(WebError::BadRequest(
            "name: give the tripwire a name the committee will recognise (up to 200 characters)"
                .into(),
        ));
    }
    let condition = check_condition(&input.condition, &p.gazetteer)?;
    let level = p.level_named(&input.recommends).ok_or_else(|| {
        WebError::BadRequest(format!(
            "recommends: '{}' is not a posture level; the levels are: {}",
            input.recommends.trim(),
            p.level_names()
        ))
    })?;
    if let Some(id) = id {
        let t = p.tripwire(id).ok_or(WebError::NotFound)?;
        if t.retired_at.is_some() {
            return Err(WebError::Conflict(
                "that tripwire is retired: it stays as it was, on the record; add a new one".into(),
            ));
        }
    }
    if let Some(t) = p
        .tripwires
        .iter()
        .find(|t| t.name.eq_ignore_ascii_case(name) && Some(t.id.as_str()) != id)
    {
        return Err(WebError::Conflict(format!(
            "name: a tripwire is already called '{name}'{}",
            if t.retired_at.is_some() {
                " (retired; it keeps its name on the record)"
            } else {
                ""
            }
        )));
    }
    let row = TripwireRow {
        id: id.map_or_else(new_id, str::to_string),
        name: name.to_string(),
        condition,
        level_id: level.id.clone(),
        actions: input.actions.trim().to_string(),
        crossed_at: None,
        facts: "[]".into(),
        retired_at: None,
        retired_by: None,
    };
    let ev = AuditEvent::new(
        actor,
        if id.is_some() {
            "posture.tripwire_edit"
        } else {
            "posture.tripwire_add"
        },
        format!("tripwire:{}", row.id),
        format!("{}: {} → {}", row.name, row.condition, level.name),
        source,
    );
    store.save_posture_tripwire(&row, &ev, now).await?;
    reevaluate(store, today(store, now).await?, actor, source, now).await?;
    Ok(row.id)
}

/// A tripwire by its id or its name (any case).
fn find_tripwire<'a>(p: &'a Posture, key: &str) -> Option<&'a TripwireRow> {
    let key = key.trim();
    p.tripwire(key).or_else(|| {
        p.tripwires
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(key))
    })
}

/// Retires a tripwire (by id or name): no longer evaluated, kept on the record (decisions'
/// snapshots and past moments of the timeline still show it). An item it left open closes.
pub async fn retire_tripwire(
    store: &Store,
    key: &str,
    actor: &str,
    source: &str,
    now: OffsetDateTime,
) -> Result<String, WebError> {
    let p = load(store, now).await?;
    let t = find_tripwire(&p, key).ok_or(WebError::NotFound)?;
    if t.retired_at.is_some() {
        return Err(WebError::Conflict(format!(
            "'{}' is already retired",
            t.name
        )));
    }
    let open = p
        .items
        .iter()
        .filter(|i| i.tripwire_id == t.id && i.closed_at.is_none())
        .count();
    let ev = AuditEvent::new(
        actor,
        "posture.tripwire_retire",
        format!("tripwire:{}", t.id),
        format!(
            "{}: {}{}",
            t.name,
            t.condition,
            if open > 0 {
                "; its open decision item closed"
            } else {
                ""
            }
        ),
        source,
    );
    let at = ts(today(store, now).await?);
    store
        .retire_posture_tripwire(&t.id, actor, &at, &ev, now)
        .await?;
    Ok(t.id.clone())
}

/// A decision as a form, the API or the console gives it.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct DecisionInput {
    /// The level declared (name); for a decision not to, the item's level is used.
    #[serde(default)]
    pub level: String,
    /// The decision item it answers (required to decide not to).
    #[serde(default)]
    pub item: String,
    #[serde(default)]
    pub rationale: String,
    /// Who attended, as written ("Ambassador, DCM, RSO, MGT").
    #[serde(default)]
    pub attendees: String,
    /// When it was decided, if not now (recording a decision taken earlier).
    #[serde(default)]
    pub decided_at: String,
}

/// Declares a posture (`decline` false) or records a decision not to follow a tripwire.
pub async fn decide(
    store: &Store,
    decline: bool,
    input: &DecisionInput,
    actor: &str,
    source: &str,
    now: OffsetDateTime,
) -> Result<String, WebError> {
    let p = load(store, now).await?;
    let rationale = input.rationale.trim();
    if rationale.is_empty() {
        return Err(WebError::BadRequest(
            "rationale: say why (it goes on the record for the after-action review)".into(),
        ));
    }
    if rationale.chars().count() > 8000 {
        return Err(WebError::BadRequest(
            "rationale: keep it under 8,000 characters".into(),
        ));
    }
    let today = today(store, now).await?;
    let decided_at = if input.decided_at.trim().is_empty() {
        today
    } else {
        parse_ts(&input.decided_at).ok_or_else(|| {
            WebError::BadRequest(format!(
                "decided_at: '{}' is not a time (2021-08-12 18:00, UTC)",
                input.decided_at.trim()
            ))
        })?
    };
    if decided_at > today {
        return Err(WebError::BadRequest(
            "decided_at: a decision cannot be recorded in the future".into(),
        ));
    }
    let item = if input.item.trim().is_empty() {
        None
    } else {
        Some(
            p.items
                .iter()
                .find(|i| i.id == input.item.trim())
                .ok_or_else(|| {
                    WebError::BadRequest(format!(
                        "item: there is no decision item {}",
                        input.item.trim()
                    ))
                })?,
        )
    };
    if let Some(i) = item
        && i.closed_at.is_some()
    {
        return Err(WebError::Conflict(
            "item: that decision item was already decided".into(),
        ));
    }
    let level = if decline {
        let i = item.ok_or_else(|| {
            WebError::BadRequest("item: say which decision item the committee decided on".into())
        })?;
        p.level(&i.level_id).ok_or(WebError::NotFound)?
    } else {
        p.level_named(&input.level).ok_or_else(|| {
            WebError::BadRequest(format!(
                "level: '{}' is not a posture level; the levels are: {}",
                input.level.trim(),
                p.level_names()
            ))
        })?
    };
    let id = new_id();
    let at = ts(decided_at);
    let mut closes: Vec<String> = item.map(|i| i.id.clone()).into_iter().collect();
    let mut tasks = Vec::new();
    if !decline {
        // A declaration answers every open item recommending this level or one below.
        for i in p.open_items(decided_at) {
            if p.level(&i.level_id).is_some_and(|l| l.rank <= level.rank) && !closes.contains(&i.id)
            {
                closes.push(i.id.clone());
            }
        }
        for (n, t) in level.tasks.iter().enumerate() {
            tasks.push(TaskRow {
                id: new_id(),
                decision_id: id.clone(),
                position: n as i64,
                task: t.task.clone(),
                owner_role: t.owner_role.clone(),
                due_at: ts(decided_at + time::Duration::hours(t.due_hours)),
                done_at: None,
                done_by: None,
            });
        }
    }
    let d = DecisionRow {
        id: id.clone(),
        kind: if decline { "decline" } else { "declare" }.into(),
        level_id: level.id.clone(),
        decided_at: at,
        decided_by: actor.to_string(),
        attendees: input.attendees.trim().to_string(),
        rationale: rationale.to_string(),
        snapshot: p.snapshot(decided_at).to_string(),
        recorded_by: actor.to_string(),
        recorded_at: ts(now),
    };
    let ev = AuditEvent::new(
        actor,
        if decline {
            "posture.decline"
        } else {
            "posture.declare"
        },
        format!("decision:{id}"),
        format!(
            "{} {}; {} item(s) answered, {} task(s)",
            if decline { "not" } else { "declared" },
            level.name,
            closes.len(),
            tasks.len()
        ),
        source,
    );
    store
        .record_posture_decision(&d, &tasks, &closes, &ev, now)
        .await?;
    Ok(id)
}

/// Whether roles may tick a task owned by `owner_role`: the committee (ManagePosture) ticks
/// any task; anyone else the tasks of a role they hold.
pub fn may_tick(roles: RoleSet, owner_role: &str) -> bool {
    roles.allows(Permission::ManagePosture)
        || Role::parse(owner_role).is_ok_and(|r| roles.contains(r))
}

/// Ticks a checklist task off. `roles` None: the console, which may tick any task.
pub async fn tick_task(
    store: &Store,
    id: &str,
    done_at: Option<OffsetDateTime>,
    roles: Option<RoleSet>,
    actor: &str,
    source: &str,
    now: OffsetDateTime,
) -> Result<(), WebError> {
    let tasks = store.posture_tasks().await?;
    let task = tasks
        .iter()
        .find(|t| t.id == id)
        .ok_or(WebError::NotFound)?;
    if let Some(roles) = roles
        && !may_tick(roles, &task.owner_role)
    {
        return Err(WebError::NotPermitted(format!(
            "this task is the {} role's (or the committee's) to tick off; your roles: {}",
            task.owner_role,
            if roles.is_empty() {
                "none".to_string()
            } else {
                roles.to_string()
            }
        )));
    }
    let ev = AuditEvent::new(
        actor,
        "posture.task_done",
        format!("task:{id}"),
        task.task.clone(),
        source,
    );
    store
        .tick_posture_task(
            id,
            actor,
            &ts(done_at.unwrap_or(today(store, now).await?)),
            &ev,
            now,
        )
        .await?;
    Ok(())
}

/// Loads another country's gazetteer from CSV. Refused if the log names a place it lacks.
pub async fn load_gazetteer(
    store: &Store,
    country: &str,
    csv: &str,
    actor: &str,
    source: &str,
    now: OffsetDateTime,
) -> Result<usize, WebError> {
    if country.trim().is_empty() {
        return Err(WebError::BadRequest("country: name the country".into()));
    }
    let g = Gazetteer::from_csv(country.trim(), csv)
        .map_err(|e| WebError::BadRequest(format!("gazetteer, {e}")))?;
    let missing: Vec<String> = store
        .posture_events()
        .await?
        .iter()
        .filter(|e| !e.event.place.is_empty() && g.find(&e.event.place).is_none())
        .map(|e| e.event.place.clone())
        .collect();
    if let Some(first) = missing.first() {
        return Err(WebError::BadRequest(format!(
            "gazetteer: the situation log names places this gazetteer lacks ({first} and {} more)",
            missing.len() - 1
        )));
    }
    let ev = AuditEvent::new(
        actor,
        "posture.gazetteer_load",
        "gazetteer",
        format!("{}: {} places", g.country, g.places.len()),
        source,
    );
    store.set_posture_gazetteer(&g, &ev, now).await?;
    reevaluate(store, today(store, now).await?, actor, source, now).await?;
    Ok(g.places.len())
}

/// A checklist task of a level as a form, the API or the console gives it.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct TaskInput {
    /// What must be done.
    #[serde(default)]
    pub task: String,
    /// The role that owns it (its holders may tick it off, as may the committee).
    #[serde(default)]
    pub owner_role: String,
    /// Due this many hours after the declaration ("48", "48h").
    #[serde(default, deserialize_with = "text_or_number")]
    pub due_hours: String,
}

/// Accepts `48` as well as `"48"` (the API sends numbers, forms text).
fn text_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    use serde::Deserialize;
    Ok(match Json::deserialize(d)? {
        Json::String(s) => s,
        Json::Null => String::new(),
        other => other.to_string(),
    })
}

fn check_task(input: &TaskInput, id: String) -> Result<TaskTemplateRow, WebError> {
    let task = input.task.trim();
    if task.is_empty() || task.chars().count() > 300 {
        return Err(WebError::BadRequest(
            "task: say what must be done (up to 300 characters)".into(),
        ));
    }
    let role = Role::parse(&input.owner_role.trim().to_lowercase()).map_err(|_| {
        WebError::BadRequest(format!(
            "owner_role: '{}' is not a role; the roles are: {}",
            input.owner_role.trim(),
            Role::ALL.map(|r| r.slug()).join(", ")
        ))
    })?;
    let hours: i64 = input
        .due_hours
        .trim()
        .trim_end_matches('h')
        .trim()
        .parse()
        .ok()
        .filter(|h| (0..=24 * 365).contains(h))
        .ok_or_else(|| {
            WebError::BadRequest(format!(
                "due_hours: '{}' is not a number of hours after the declaration (0 to 8760, e.g. 48)",
                input.due_hours.trim()
            ))
        })?;
    Ok(TaskTemplateRow {
        id,
        task: task.to_string(),
        owner_role: role.slug().to_string(),
        due_hours: hours,
    })
}

fn find_level<'a>(p: &'a Posture, key: &str) -> Result<&'a LevelRow, WebError> {
    p.level(key.trim())
        .or_else(|| p.level_named(key))
        .ok_or(WebError::NotFound)
}

/// Adds a task to a level's checklist (by the level's id or name); returns its id.
pub async fn add_task_template(
    store: &Store,
    level: &str,
    input: &TaskInput,
    actor: &str,
    source: &str,
    now: OffsetDateTime,
) -> Result<String, WebError> {
    let p = load(store, now).await?;
    let level = find_level(&p, level)?;
    let t = check_task(input, new_id())?;
    let ev = AuditEvent::new(
        actor,
        "posture.task_template_add",
        format!("level:{}", level.id),
        format!(
            "{}: {} ({}, {} h)",
            level.name, t.task, t.owner_role, t.due_hours
        ),
        source,
    );
    store
        .add_posture_task_template(&level.id, &t, &ev, now)
        .await?;
    Ok(t.id)
}

/// Changes a task of a level's checklist. Tasks already opened by a declaration keep theirs.
pub async fn edit_task_template(
    store: &Store,
    level: &str,
    task_id: &str,
    input: &TaskInput,
    actor: &str,
    source: &str,
    now: OffsetDateTime,
) -> Result<(), WebError> {
    let p = load(store, now).await?;
    let level = find_level(&p, level)?;
    let old = level
        .tasks
        .iter()
        .find(|t| t.id == task_id)
        .ok_or(WebError::NotFound)?;
    let t = check_task(input, old.id.clone())?;
    let ev = AuditEvent::new(
        actor,
        "posture.task_template_edit",
        format!("level:{}", level.id),
        format!(
            "{}: {} ({}, {} h), was {} ({}, {} h)",
            level.name, t.task, t.owner_role, t.due_hours, old.task, old.owner_role, old.due_hours
        ),
        source,
    );
    store
        .update_posture_task_template(&level.id, &t, &ev, now)
        .await?;
    Ok(())
}

/// Removes a task from a level's checklist (tasks already opened stay).
pub async fn remove_task_template(
    store: &Store,
    level: &str,
    task_id: &str,
    actor: &str,
    source: &str,
    now: OffsetDateTime,
) -> Result<(), WebError> {
    let p = load(store, now).await?;
    let level = find_level(&p, level)?;
    let old = level
        .tasks
        .iter()
        .find(|t| t.id == task_id)
        .ok_or(WebError::NotFound)?;
    let ev = AuditEvent::new(
        actor,
        "posture.task_template_remove",
        format!("level:{}", level.id),
        format!("{}: {}", level.name, old.task),
        source,
    );
    store
        .remove_posture_task_template(&level.id, task_id, &ev, now)
        .await?;
    Ok(())
}

/// A posture level as a form, the API or the console gives it.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct LevelInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// A new level goes just above this one (name or id; default: above the highest).
    #[serde(default)]
    pub after: String,
}

fn check_level(
    p: &Posture,
    id: Option<&str>,
    input: &LevelInput,
) -> Result<(String, String), WebError> {
    let name = input.name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > 60 {
        return Err(WebError::BadRequest(
            "name: name the level as the plan does, e.g. 'ordered departure' (up to 60 characters)"
                .into(),
        ));
    }
    if let Some(other) = p.level_named(&name).filter(|l| Some(l.id.as_str()) != id) {
        return Err(WebError::Conflict(format!(
            "name: there is already a level called '{}'",
            other.name
        )));
    }
    let description = input.description.trim().to_string();
    if description.chars().count() > 1000 {
        return Err(WebError::BadRequest(
            "description: keep it under 1,000 characters".into(),
        ));
    }
    Ok((name, description))
}

/// Adds a posture level just above another (default: at the top), with an empty checklist;
/// returns its id. Levels above it move up one rank.
pub async fn add_level(
    store: &Store,
    input: &LevelInput,
    actor: &str,
    source: &str,
    now: OffsetDateTime,
) -> Result<String, WebError> {
    let p = load(store, now).await?;
    let (name, description) = check_level(&p, None, input)?;
    let rank = if input.after.trim().is_empty() {
        p.levels.iter().map(|l| l.rank + 1).max().unwrap_or(0)
    } else {
        p.level(input.after.trim())
            .or_else(|| p.level_named(&input.after))
            .ok_or_else(|| {
                WebError::BadRequest(format!(
                    "after: '{}' is not a posture level; the levels are: {}",
                    input.after.trim(),
                    p.level_names()
                ))
            })?
            .rank
            + 1
    };
    let row = LevelRow {
        id: new_id(),
        rank,
        name,
        description,
        tasks: vec![],
    };
    let ev = AuditEvent::new(
        actor,
        "posture.level_add",
        format!("level:{}", row.id),
        format!("{} (rank {})", row.name, row.rank),
        source,
    );
    store.insert_posture_level(&row, &ev, now).await?;
    Ok(row.id)
}

/// Renames a level or changes its description (decisions already taken keep the name they
/// had in their snapshots).
pub async fn edit_level(
    store: &Store,
    level: &str,
    input: &LevelInput,
    actor: &str,
    source: &str,
    now: OffsetDateTime,
) -> Result<(), WebError> {
    let p = load(store, now).await?;
    let old = find_level(&p, level)?;
    let (name, description) = check_level(&p, Some(&old.id), input)?;
    let ev = AuditEvent::new(
        actor,
        "posture.level_edit",
        format!("level:{}", old.id),
        if name == old.name {
            format!("{}: description changed", name)
        } else {
            format!("{} renamed {}", old.name, name)
        },
        source,
    );
    store
        .update_posture_level(&old.id, &name, &description, &ev, now)
        .await?;
    Ok(())
}

/// What a decision's snapshot had in view, in a few words: the tripwires crossed and the
/// measures that count most.
fn in_view(snapshot: &str) -> String {
    let v: Json = serde_json::from_str(snapshot).unwrap_or_default();
    let crossed: Vec<&str> = v["crossed"]
        .as_array()
        .map(|c| c.iter().filter_map(|t| t["tripwire"].as_str()).collect())
        .unwrap_or_default();
    let measures: Vec<String> = v["measures"]
        .as_array()
        .map(|ms| {
            ms.iter()
                .filter(|m| {
                    matches!(
                        m["measure"].as_str(),
                        Some(
                            "capitals_fallen" | "nearest_hostile_km" | "assessed_days_to_isolation"
                        )
                    )
                })
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
    format!(
        "Crossed: {}. {}",
        if crossed.is_empty() {
            "none".to_string()
        } else {
            crossed.join("; ")
        },
        measures.join(", ")
    )
}

/// The timeline up to `at` as a PDF: what was known and decided, for the after-action review.
pub fn timeline_pdf(p: &Posture, at: OffsetDateTime, now: OffsetDateTime) -> Vec<u8> {
    use drawdown_documents::{Document, PageSize};
    let s = p.situation(at);
    let mut d = Document::new(PageSize::A4, "Posture timeline");
    d.generated_at(now);
    d.heading(&format!("Posture timeline to {}", ts(at)));
    d.key_values(&[
        ("Country", p.gazetteer.country.clone()),
        ("Posture in force", p.current_name(at)),
        (
            "Events in the log",
            p.events
                .iter()
                .filter(|e| e.event.at <= at)
                .count()
                .to_string(),
        ),
    ]);
    d.subheading("Measures");
    let rows: Vec<Vec<String>> = Measure::ALL
        .into_iter()
        .map(|m| {
            vec![
                m.name().to_string(),
                value_text(m, &s.value(m)),
                s.grounds(m),
            ]
        })
        .collect();
    d.table(&["Measure", "Value", "Grounds"], &rows);
    d.subheading("Tripwires crossed");
    let crossed: Vec<Vec<String>> = p
        .evaluate(&s)
        .into_iter()
        .filter_map(|t| {
            t.facts.map(|f| {
                vec![
                    t.row.name.clone(),
                    t.level.clone(),
                    f.iter()
                        .map(|x| format!("{}: {}", x.condition, x.observed))
                        .collect::<Vec<_>>()
                        .join("\n"),
                ]
            })
        })
        .collect();
    if crossed.is_empty() {
        d.paragraph("None.");
    } else {
        d.table(&["Tripwire", "Recommends", "Facts"], &crossed);
    }
    d.subheading("Decisions on record");
    let at_s = ts(at);
    let decisions: Vec<Vec<String>> = p
        .decisions
        .iter()
        .filter(|x| x.decided_at <= at_s)
        .map(|x| {
            vec![
                x.decided_at.clone(),
                format!(
                    "{} {}",
                    if x.kind == "declare" {
                        "declared"
                    } else {
                        "did not go to"
                    },
                    p.level(&x.level_id).map(|l| l.name.as_str()).unwrap_or("")
                ),
                format!("{}; attended: {}", x.decided_by, x.attendees),
                x.rationale.clone(),
                in_view(&x.snapshot),
            ]
        })
        .collect();
    if decisions.is_empty() {
        d.paragraph("None.");
    } else {
        d.table(
            &["When (UTC)", "Decision", "Who", "Rationale", "In view then"],
            &decisions,
        );
    }
    d.subheading("Situation log");
    let events: Vec<Vec<String>> = p
        .events
        .iter()
        .filter(|e| e.event.at <= at)
        .map(|e| {
            vec![
                ts(e.event.at),
                e.event.kind.slug().to_string(),
                e.event.summary(),
                e.event.notes.clone(),
            ]
        })
        .collect();
    d.table(&["When (UTC)", "Kind", "Report", "Notes"], &events);
    d.finish()
}

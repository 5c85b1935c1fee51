//! Movement: departures, planning manifests from the registry, the manifest editor's moves and
//! the manifests' exports. Shared by the pages, the API and the command line.

use crate::WebError;
use drawdown_domain::audit::AuditEvent;
use drawdown_storage::Store;
use drawdown_storage::movement::{
    DEPARTURE_STATUSES, DepartureRecord, MANIFEST_STATES, MovementFacts,
};
use serde::Deserialize;
use std::collections::HashSet;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The columns of a departures file, in this order (a header row names them; extra columns are ignored).
pub const DEPARTURE_COLUMNS: [&str; 10] = [
    "departure_id",
    "kind",
    "carrier",
    "origin",
    "destination",
    "departs_at",
    "seats",
    "weight_limit_kg",
    "gate",
    "status",
];

/// A departure as a person gives it (form, JSON, a CSV row); every field text until checked.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct DepartureInput {
    #[serde(alias = "departure_id")]
    pub id: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub carrier: String,
    #[serde(default)]
    pub origin: String,
    #[serde(default)]
    pub destination: String,
    pub departs_at: String,
    pub seats: String,
    #[serde(default)]
    pub weight_limit_kg: String,
    #[serde(default)]
    pub gate: String,
    #[serde(default)]
    pub status: String,
}

/// "2021-08-24T14:00:00Z", "2021-08-24 14:00" or "2021-08-24T14:00" (UTC) → RFC 3339.
pub fn parse_time(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t.to_offset(time::UtcOffset::UTC));
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    let fmt_t = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let fmt_s = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    [fmt, fmt_t, fmt_s]
        .iter()
        .find_map(|f| time::PrimitiveDateTime::parse(s, f).ok())
        .map(|t| t.assume_utc())
}

/// The stored form of a time: RFC 3339, UTC, to the second.
pub fn stored_time(t: OffsetDateTime) -> String {
    let t = t.replace_nanosecond(0).unwrap_or(t);
    drawdown_storage::timestamp(t)
}

impl DepartureInput {
    /// Checks every field; the error names the field and the value.
    pub fn check(&self, now: OffsetDateTime) -> Result<DepartureRecord, String> {
        let id = self.id.trim();
        if id.is_empty() || id.len() > 40 || id.chars().any(|c| c.is_control() || c == '/') {
            return Err(format!(
                "departure_id '{id}': give an id of 1 to 40 characters without '/' (e.g. RCH871)"
            ));
        }
        let kind = match self.kind.trim().to_lowercase().as_str() {
            "" | "flight" => "flight",
            "convoy" => "convoy",
            k => return Err(format!("kind '{k}': a departure is a flight or a convoy")),
        };
        let seats = self.seats.trim();
        let seats: i64 = seats
            .parse()
            .map_err(|_| format!("seats '{seats}': not a whole number"))?;
        if seats <= 0 {
            return Err(format!(
                "seats {seats}: a departure needs at least one seat"
            ));
        }
        if seats > 2000 {
            return Err(format!(
                "seats {seats}: more than any aircraft or convoy carries"
            ));
        }
        let weight = match self.weight_limit_kg.trim() {
            "" => None,
            w => Some(w.parse::<i64>().ok().filter(|w| *w > 0).ok_or_else(|| {
                format!("weight_limit_kg '{w}': a positive whole number of kilograms")
            })?),
        };
        let departs_at = parse_time(&self.departs_at).ok_or_else(|| {
            format!(
                "departs_at '{}': write a time as 2021-08-24T14:00:00Z or 2021-08-24 14:00 (UTC)",
                self.departs_at.trim()
            )
        })?;
        let status = match self.status.trim().to_lowercase().as_str() {
            "" => "planned".to_string(),
            s if DEPARTURE_STATUSES.contains(&s) => s.to_string(),
            s => {
                return Err(format!(
                    "status '{s}': one of {}",
                    DEPARTURE_STATUSES.join(", ")
                ));
            }
        };
        let text = |name: &str, v: &str, max: usize| -> Result<String, String> {
            let v = v.trim();
            if v.chars().count() > max {
                return Err(format!("{name}: at most {max} characters"));
            }
            Ok(v.to_string())
        };
        let at = drawdown_storage::timestamp(now);
        Ok(DepartureRecord {
            id: id.to_string(),
            kind: kind.to_string(),
            carrier: text("carrier", &self.carrier, 80)?,
            origin: text("origin", &self.origin, 80)?,
            destination: text("destination", &self.destination, 80)?,
            departs_at: stored_time(departs_at),
            seats,
            weight_limit_kg: weight,
            gate: text("gate", &self.gate, 40)?,
            manifest: "open".to_string(),
            status,
            created_at: at.clone(),
            updated_at: at,
        })
    }
}

/// A departures file read: the departures, or every row's problem (nothing is written then).
pub fn read_departures_csv(
    bytes: &[u8],
    now: OffsetDateTime,
) -> Result<Vec<DepartureRecord>, Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h
            .iter()
            .map(|s| s.trim().trim_start_matches('\u{feff}').to_lowercase())
            .collect(),
        Err(e) => return Err(vec![format!("the file is not CSV: {e}")]),
    };
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name || (name == "departure_id" && h == "id"))
    };
    let missing: Vec<&str> = ["departure_id", "departs_at", "seats"]
        .into_iter()
        .filter(|c| col(c).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(vec![format!(
            "the header row lacks {} (columns: {})",
            missing.join(", "),
            DEPARTURE_COLUMNS.join(",")
        )]);
    }
    let idx: Vec<Option<usize>> = DEPARTURE_COLUMNS.iter().map(|c| col(c)).collect();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for (i, rec) in reader.records().enumerate() {
        let row = i + 2; // the header is row 1
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(format!("row {row}: {e}"));
                continue;
            }
        };
        let get = |k: usize| idx[k].and_then(|c| rec.get(c)).unwrap_or("").to_string();
        let input = DepartureInput {
            id: get(0),
            kind: get(1),
            carrier: get(2),
            origin: get(3),
            destination: get(4),
            departs_at: get(5),
            seats: get(6),
            weight_limit_kg: get(7),
            gate: get(8),
            status: get(9),
        };
        match input.check(now) {
            Ok(d) => {
                if !seen.insert(d.id.clone()) {
                    errors.push(format!(
                        "row {row}: departure_id '{}' appears twice in the file",
                        d.id
                    ));
                } else {
                    out.push(d);
                }
            }
            Err(e) => errors.push(format!("row {row}: {e}")),
        }
    }
    if errors.is_empty() {
        if out.is_empty() {
            return Err(vec!["the file holds no departures".into()]);
        }
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Adds departures (a form's one, or a file's many): all or none, audited once.
pub async fn add_departures(
    store: &Store,
    deps: &[DepartureRecord],
    actor: &str,
    source: &str,
    now: OffsetDateTime,
) -> Result<(), WebError> {
    let detail = match deps {
        [one] => format!("{} {} seats at {}", one.id, one.seats, one.departs_at),
        many => format!("{} departures", many.len()),
    };
    let ev = AuditEvent::new(
        actor,
        "movement.departure_add",
        "departures",
        detail,
        source,
    );
    store
        .add_departures(deps, &ev, now)
        .await
        .map_err(|e| match e {
            drawdown_storage::StorageError::Conflict(m) => {
                WebError::Conflict(format!("{m}: choose another id, or edit that departure"))
            }
            e => e.into(),
        })
}

/// Changes a departure's details; its status and manifest stay.
pub async fn edit_departure(
    store: &Store,
    id: &str,
    input: &DepartureInput,
    actor: &str,
    source: &str,
    now: OffsetDateTime,
) -> Result<DepartureRecord, WebError> {
    let old = store.departure(id).await?.ok_or(WebError::NotFound)?;
    let mut d = DepartureInput {
        id: id.to_string(),
        ..input.clone()
    }
    .check(now)
    .map_err(WebError::BadRequest)?;
    d.status = old.status.clone();
    d.manifest = old.manifest.clone();
    let load = store
        .manifest_loads()
        .await?
        .get(id)
        .copied()
        .unwrap_or_default();
    if d.seats < load.seats {
        return Err(WebError::BadRequest(format!(
            "seats {}: the manifest already holds {} seated people; move households off first",
            d.seats, load.seats
        )));
    }
    let ev = AuditEvent::new(
        actor,
        "movement.departure_edit",
        format!("departure:{id}"),
        format!("{} seats at {}", d.seats, d.departs_at),
        source,
    );
    store.update_departure(&d, &ev, now).await?;
    Ok(d)
}

/// Sets a departure's status and/or its manifest's state (confirm, close, reopen).
pub async fn set_state(
    store: &Store,
    id: &str,
    status: Option<&str>,
    manifest: Option<&str>,
    actor: &str,
    source: &str,
    now: OffsetDateTime,
) -> Result<DepartureRecord, WebError> {
    let mut d = store.departure(id).await?.ok_or(WebError::NotFound)?;
    if let Some(s) = status {
        let s = s.trim();
        if !DEPARTURE_STATUSES.contains(&s) {
            return Err(WebError::BadRequest(format!(
                "status '{s}': one of {}",
                DEPARTURE_STATUSES.join(", ")
            )));
        }
        d.status = s.to_string();
        // A cancelled departure's people need other seats: its manifest reopens for the planner.
        if s == "cancelled" {
            d.manifest = "open".into();
        }
    }
    if let Some(m) = manifest {
        let m = m.trim();
        if !MANIFEST_STATES.contains(&m) {
            return Err(WebError::BadRequest(format!(
                "manifest '{m}': one of {}",
                MANIFEST_STATES.join(", ")
            )));
        }
        if d.status == "cancelled" && m != "open" {
            return Err(WebError::BadRequest(
                "a cancelled departure's manifest cannot be confirmed or closed".into(),
            ));
        }
        d.manifest = m.to_string();
    }
    let ev = AuditEvent::new(
        actor,
        "movement.departure_state",
        format!("departure:{id}"),
        format!("status {} manifest {}", d.status, d.manifest),
        source,
    );
    store
        .set_departure_state(id, &d.status, &d.manifest, &ev, now)
        .await?;
    Ok(d)
}

/// The gate's default processing rate (people per hour) and holding area (people).
pub const DEFAULT_GATE_PER_HOUR: u32 = 400;
pub const DEFAULT_HOLDING: u32 = 3_000;

/// What a plan run says beyond its figures (stored as JSON with the run).
#[derive(Clone, Debug, Default, serde::Serialize, Deserialize)]
pub struct RunSummary {
    /// People moved per tier 1..=5.
    pub moved_by_tier: [u64; 5],
    /// People left per tier 1..=5.
    pub left_by_tier: [u64; 5],
    pub left_units: u64,
    /// Units left, by reason.
    pub left_by_reason: Vec<(String, u64)>,
    pub gate_per_hour: u32,
    pub holding: u32,
    pub flight_cost: f64,
    /// Units whose departure changed against the manifests before the run.
    pub changed: u64,
    pub kept: u64,
}

impl RunSummary {
    pub fn parse(json: &str) -> RunSummary {
        serde_json::from_str(json).unwrap_or_default()
    }
}

/// Seat use and people manifested per day and tier, as stacked bar charts.
/// `today` (YYYY-MM-DD, the post's scenario day) is marked on the day axis.
pub fn charts(
    deps: &[DepartureRecord],
    entries: &[drawdown_storage::movement::ManifestEntry],
    today: &str,
) -> String {
    use crate::charts::{BarSeries, StackedBarChart, stacked};
    use std::collections::BTreeMap;
    if deps.is_empty() {
        return String::new();
    }
    let day_of: std::collections::HashMap<&str, &str> = deps
        .iter()
        .map(|d| (d.id.as_str(), d.departs_at.get(..10).unwrap_or("")))
        .collect();
    // Per day: seats offered (not cancelled), seats taken, people per tier.
    let mut days: BTreeMap<&str, (f64, f64, [f64; 5])> = BTreeMap::new();
    for d in deps.iter().filter(|d| d.status != "cancelled") {
        days.entry(d.departs_at.get(..10).unwrap_or(""))
            .or_default()
            .0 += d.seats as f64;
    }
    for e in entries {
        let Some(day) = day_of.get(e.departure_id.as_str()) else {
            continue;
        };
        let v = days.entry(day).or_default();
        v.1 += e.seats as f64;
        v.2[(e.priority.clamp(1, 5) - 1) as usize] += e.people as f64;
    }
    let categories: Vec<String> = days
        .keys()
        .map(|d| {
            if *d == today {
                format!("{d} (today)")
            } else {
                d.to_string()
            }
        })
        .collect();
    let seat_series = [
        BarSeries {
            label: "Seats taken".into(),
            values: days.values().map(|v| v.1).collect(),
        },
        BarSeries {
            label: "Seats free".into(),
            values: days.values().map(|v| (v.0 - v.1).max(0.0)).collect(),
        },
    ];
    let tier_series: Vec<BarSeries> = (0..5)
        .map(|t| BarSeries {
            label: format!("Tier {}", t + 1),
            values: days.values().map(|v| v.2[t]).collect(),
        })
        .collect();
    format!(
        "<div class=\"cols movement-charts\">{}{}</div>",
        stacked(&StackedBarChart {
            title: "Seat use per day",
            desc: "Seats taken and free on the departures of each day (cancelled ones left out).",
            x_label: "Day (UTC)",
            y_label: "Seats",
            categories: &categories,
            series: &seat_series,
        }),
        stacked(&StackedBarChart {
            title: "People manifested per day and tier",
            desc: "People on each day's manifests, lap infants included, by priority tier.",
            x_label: "Day (UTC)",
            y_label: "People",
            categories: &categories,
            series: &tier_series,
        })
    )
}

// ------------------------------------------------------------------ planning from the registry

/// What a person travels with, for planning: the unit, whether they are a lap infant, their tier.
#[derive(Clone, Debug)]
pub struct Unit {
    pub id: String,
    pub head_person_id: String,
    /// (person id, lap infant), head first.
    pub members: Vec<(String, bool)>,
    pub seats: u32,
    pub people: u32,
    pub lap_infants: u32,
    /// 1..=5 (registry tiers 6–9 plan as 5).
    pub priority: u8,
}

/// Under two years old at `at`: a lap infant (no seat, still a person at the gate).
pub fn lap_infant_at(birth: &str, at: OffsetDateTime) -> bool {
    let Some(year) = birth.get(..4).and_then(|y| y.parse::<i32>().ok()) else {
        return false;
    };
    // A year alone is not enough to seat a child on a lap.
    let Some(month) = birth.get(5..7).and_then(|m| m.parse::<i32>().ok()) else {
        return false;
    };
    let day = birth
        .get(8..10)
        .and_then(|d| d.parse::<i32>().ok())
        .unwrap_or(1);
    let months = (at.year() - year) * 12 + (i32::from(u8::from(at.month())) - month)
        - i32::from(i32::from(at.day()) < day);
    (0..24).contains(&months)
}

/// The registry as units: households, and persons without one as households of one.
/// Lap infants are judged at `at` (the plan's first departure), from the sealed birth date.
pub async fn units_from_registry(
    store: &Store,
    vault: &drawdown_vault::Vault,
    at: OffsetDateTime,
) -> Result<Vec<Unit>, WebError> {
    use std::collections::BTreeMap;
    let persons = store
        .persons_filtered(&drawdown_storage::PersonFilter::default(), i64::MAX, 0)
        .await?;
    let heads = store.household_heads().await?;
    let mut units: BTreeMap<String, Unit> = BTreeMap::new();
    for p in &persons {
        let plain =
            vault.open_sealed(&crate::services::protection::person_aad(&p.id), &p.sealed)?;
        let d: drawdown_domain::people::PersonalDetails = serde_json::from_slice(&plain)
            .map_err(|e| WebError::Internal(format!("person {}: {e}", p.id)))?;
        let infant = lap_infant_at(&d.birth_date, at);
        let unit_id = p.household_id.clone().unwrap_or_else(|| p.id.clone());
        let tier = p.priority_override.unwrap_or(p.priority).clamp(1, 5) as u8;
        let u = units.entry(unit_id.clone()).or_insert_with(|| Unit {
            head_person_id: heads.get(&unit_id).cloned().unwrap_or_default(),
            id: unit_id,
            members: vec![],
            seats: 0,
            people: 0,
            lap_infants: 0,
            priority: tier,
        });
        u.members.push((p.id.clone(), infant));
        u.people += 1;
        if infant {
            u.lap_infants += 1;
        } else {
            u.seats += 1;
        }
        // A household goes at the priority of its highest-priority member.
        u.priority = u.priority.min(tier);
    }
    let mut out: Vec<Unit> = units.into_values().collect();
    for u in &mut out {
        // Infants alone still need a seat for one of them.
        if u.seats == 0 {
            u.seats = 1;
            u.lap_infants -= 1;
            if let Some(m) = u.members.first_mut() {
                m.1 = false;
            }
        }
        let head_known = u.members.iter().any(|(id, _)| *id == u.head_person_id);
        if !head_known {
            // The first adult, else the first member.
            u.head_person_id = u
                .members
                .iter()
                .find(|(_, infant)| !infant)
                .or(u.members.first())
                .map(|(id, _)| id.clone())
                .unwrap_or_default();
        }
        let head = u.head_person_id.clone();
        u.members.sort_by_key(|(id, _)| (*id != head, id.clone()));
    }
    Ok(out)
}

/// What a person asks of a plan.
#[derive(Clone, Debug)]
pub struct PlanRequest {
    pub gate_per_hour: u32,
    pub holding: u32,
    pub flight_cost: f64,
    pub time_limit: std::time::Duration,
}

impl Default for PlanRequest {
    fn default() -> Self {
        PlanRequest {
            gate_per_hour: DEFAULT_GATE_PER_HOUR,
            holding: DEFAULT_HOLDING,
            flight_cost: 0.0,
            time_limit: std::time::Duration::from_secs(3),
        }
    }
}

/// Reasons a unit is left before the planner sees it.
pub const LEFT_DOCUMENTS: &str = "documents not ready";
pub const LEFT_TOO_BIG: &str = "bigger than any open departure";

fn minutes_from(start: OffsetDateTime, at: &str) -> Option<i64> {
    OffsetDateTime::parse(at, &Rfc3339)
        .ok()
        .map(|t| (t - start).whole_minutes())
}

/// Plans every open departure from the registry and stores the result; returns the run's id.
/// Households on confirmed or closed manifests, or on departures boarding or gone, stay where
/// they are; pinned ones stay put; the rest keep their seat when they can.
pub async fn plan_registry(
    store: &Store,
    vault: &drawdown_vault::Vault,
    req: &PlanRequest,
    actor: &str,
    source: &str,
    now: OffsetDateTime,
) -> Result<String, WebError> {
    use drawdown_planner as planner;
    use drawdown_storage::movement::{
        ManifestEntry, ManifestPerson, Placement, PlanOutcome, PlanRunRecord,
    };
    use std::collections::HashMap;
    if req.gate_per_hour == 0 || req.holding == 0 {
        return Err(WebError::BadRequest(
            "the gate's rate and the holding area must be at least 1 person".into(),
        ));
    }
    if !req.flight_cost.is_finite() || req.flight_cost < 0.0 {
        return Err(WebError::BadRequest(
            "the flight cost must be 0 or more".into(),
        ));
    }
    let deps = store.departures().await?;
    let open: Vec<&DepartureRecord> = deps.iter().filter(|d| d.is_open()).collect();
    let Some(first) = open.first() else {
        return Err(WebError::BadRequest(
            "no open departure to plan: add departures, or reopen a manifest".into(),
        ));
    };
    let first_at = OffsetDateTime::parse(&first.departs_at, &Rfc3339)
        .map_err(|e| WebError::Internal(format!("departure {}: {e}", first.id)))?;
    // The plan's clock starts on the hour of the first open departure: the gate counts by hour.
    let start = first_at
        .replace_minute(0)
        .and_then(|t| t.replace_second(0))
        .and_then(|t| t.replace_nanosecond(0))
        .unwrap_or(first_at);
    let open_index: HashMap<&str, usize> = open
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id.as_str(), i))
        .collect();
    let status_of: HashMap<&str, &DepartureRecord> =
        deps.iter().map(|d| (d.id.as_str(), d)).collect();
    let entries = store.manifest_entries().await?;
    let by_unit: HashMap<&str, &ManifestEntry> =
        entries.iter().map(|e| (e.unit_id.as_str(), e)).collect();
    let facts: HashMap<String, drawdown_storage::movement::MovementFacts> = store
        .movement_facts()
        .await?
        .into_iter()
        .map(|f| (f.unit_id.clone(), f))
        .collect();
    let units = units_from_registry(store, vault, start).await?;
    let max_open_seats = open.iter().map(|d| d.seats).max().unwrap_or(0);
    let mut pre_left = 0i64;

    let mut households = Vec::new();
    let mut planned_units: Vec<&Unit> = Vec::new();
    let mut outcomes: Vec<PlanOutcome> = Vec::new();
    let mut left_by_reason: HashMap<String, u64> = HashMap::new();
    let mut summary = RunSummary {
        gate_per_hour: req.gate_per_hour,
        holding: req.holding,
        flight_cost: req.flight_cost,
        ..Default::default()
    };
    for u in &units {
        let entry = by_unit.get(u.id.as_str()).copied();
        // On a departure the planner may not change (confirmed, closed, boarding, gone): fixed.
        if let Some(e) = entry {
            let fixed = status_of
                .get(e.departure_id.as_str())
                .is_some_and(|d| !d.is_open() && d.status != "cancelled");
            if fixed {
                continue;
            }
        }
        let previous = entry.and_then(|e| open_index.get(e.departure_id.as_str()).copied());
        let pinned = entry
            .filter(|e| e.pinned)
            .and_then(|e| open_index.get(e.departure_id.as_str()).copied());
        let f = facts.get(&u.id);
        // Left before the planner sees them: documents not ready, or a household no open
        // departure can seat whole (a registry fact, not bad input: the rest is still planned).
        let left = if pinned.is_some() {
            None
        } else if f.is_some_and(|f| !f.documents_ready) {
            Some((LEFT_DOCUMENTS, LEFT_DOCUMENTS.to_string()))
        } else if i64::from(u.seats) > max_open_seats {
            Some((
                LEFT_TOO_BIG,
                format!(
                    "{LEFT_TOO_BIG}: needs {} seats, the largest has {max_open_seats}",
                    u.seats
                ),
            ))
        } else {
            None
        };
        if let Some((key, reason)) = left {
            *left_by_reason.entry(key.into()).or_default() += 1;
            summary.left_by_tier[usize::from(u.priority - 1)] += u64::from(u.people);
            summary.left_units += 1;
            if entry.is_some() {
                summary.changed += 1;
            }
            pre_left += 1;
            outcomes.push(PlanOutcome {
                unit_id: u.id.clone(),
                outcome: if entry.is_some() { "removed" } else { "left" }.into(),
                departure_id: None,
                previous_departure_id: entry.map(|e| e.departure_id.clone()),
                reason,
                people: i64::from(u.people),
                priority: i64::from(u.priority),
            });
            continue;
        }
        households.push(planner::Household {
            id: u.id.clone(),
            seats: u.seats,
            people: u.people,
            priority: u.priority,
            ready_at: f
                .and_then(|f| f.ready_at.as_deref())
                .and_then(|t| minutes_from(start, t)),
            deadline: f
                .and_then(|f| f.deadline.as_deref())
                .and_then(|t| minutes_from(start, t)),
            pinned,
            previous,
        });
        planned_units.push(u);
    }
    let inst = planner::Instance {
        households,
        departures: open
            .iter()
            .map(|d| planner::Departure {
                id: d.id.clone(),
                departs_at: minutes_from(start, &d.departs_at).unwrap_or(0),
                seats: u32::try_from(d.seats).unwrap_or(0),
            })
            .collect(),
        params: planner::Params {
            gate_per_hour: req.gate_per_hour,
            holding: req.holding,
            weights: planner::DEFAULT_WEIGHTS,
            flight_cost: req.flight_cost,
        },
    };
    if let Err(errors) = planner::validate(&inst) {
        // Name the household by its head too: that is who the officer looks for.
        let text: Vec<String> = errors
            .iter()
            .take(20)
            .map(|e| match e.row {
                planner::Row::Household(i) => format!(
                    "household {} (head {}): {}",
                    e.id, planned_units[i].head_person_id, e.reason
                ),
                planner::Row::Departure(_) => format!("departure {}: {}", e.id, e.reason),
                planner::Row::Params => format!("{}: {}", e.id, e.reason),
            })
            .collect();
        return Err(WebError::BadRequest(format!(
            "cannot plan ({} problem(s), nothing changed): {}",
            errors.len(),
            text.join("; ")
        )));
    }
    let plan = planner::plan(
        &inst,
        &planner::Options {
            time_limit: req.time_limit,
            method: planner::Method::Best,
        },
    );
    let run_id = uuid::Uuid::now_v7().to_string();
    let left_reason: HashMap<usize, planner::LeftReason> = plan.left.iter().copied().collect();
    let mut placements = Vec::new();
    let (mut moved_units, mut moved_people) = (0i64, 0i64);
    for (i, u) in planned_units.iter().enumerate() {
        let h = &inst.households[i];
        let before = by_unit.get(u.id.as_str()).map(|e| e.departure_id.clone());
        match plan.assignment[i] {
            Some(d) => {
                let dep = &open[d];
                moved_units += 1;
                moved_people += i64::from(u.people);
                summary.moved_by_tier[usize::from(u.priority - 1)] += u64::from(u.people);
                let entry = by_unit.get(u.id.as_str());
                placements.push(Placement {
                    entry: ManifestEntry {
                        unit_id: u.id.clone(),
                        departure_id: dep.id.clone(),
                        head_person_id: u.head_person_id.clone(),
                        seats: i64::from(u.seats),
                        people: i64::from(u.people),
                        lap_infants: i64::from(u.lap_infants),
                        priority: i64::from(u.priority),
                        pinned: h.pinned.is_some(),
                        placed_by: if h.pinned.is_some() {
                            entry
                                .map(|e| e.placed_by.clone())
                                .unwrap_or_else(|| "plan".into())
                        } else {
                            "plan".into()
                        },
                        plan_run_id: Some(run_id.clone()),
                        warning: if h.pinned.is_some() {
                            entry.map(|e| e.warning.clone()).unwrap_or_default()
                        } else {
                            String::new()
                        },
                    },
                    people: u
                        .members
                        .iter()
                        .map(|(pid, infant)| ManifestPerson {
                            person_id: pid.clone(),
                            unit_id: u.id.clone(),
                            departure_id: dep.id.clone(),
                            lap_infant: *infant,
                        })
                        .collect(),
                });
                match &before {
                    Some(b) if *b == dep.id => summary.kept += 1,
                    b => {
                        summary.changed += 1;
                        outcomes.push(PlanOutcome {
                            unit_id: u.id.clone(),
                            outcome: if b.is_some() { "moved" } else { "added" }.into(),
                            departure_id: Some(dep.id.clone()),
                            previous_departure_id: b.clone(),
                            reason: String::new(),
                            people: i64::from(u.people),
                            priority: i64::from(u.priority),
                        });
                    }
                }
            }
            None => {
                let reason = left_reason
                    .get(&i)
                    .map(|r| r.as_str())
                    .unwrap_or("not placed")
                    .to_string();
                *left_by_reason.entry(reason.clone()).or_default() += 1;
                summary.left_by_tier[usize::from(u.priority - 1)] += u64::from(u.people);
                summary.left_units += 1;
                if before.is_some() {
                    summary.changed += 1;
                }
                outcomes.push(PlanOutcome {
                    unit_id: u.id.clone(),
                    outcome: if before.is_some() { "removed" } else { "left" }.into(),
                    departure_id: None,
                    previous_departure_id: before,
                    reason,
                    people: i64::from(u.people),
                    priority: i64::from(u.priority),
                });
            }
        }
    }
    let mut reasons: Vec<(String, u64)> = left_by_reason.into_iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    summary.left_by_reason = reasons;
    let units_total = planned_units.len() as i64 + pre_left;
    let run = PlanRunRecord {
        id: run_id.clone(),
        created_by: actor.to_string(),
        created_at: drawdown_storage::timestamp(now),
        departures: open.len() as i64,
        units: units_total,
        people: moved_people + summary.left_by_tier.iter().sum::<u64>() as i64,
        moved_units,
        moved_people,
        objective: plan.objective,
        bound: plan.bound,
        elapsed_ms: plan.stats.elapsed.as_millis() as i64,
        changed: summary.changed as i64,
        summary: serde_json::to_string(&summary).map_err(|e| WebError::Internal(e.to_string()))?,
    };
    let ev = AuditEvent::new(
        actor,
        "movement.plan",
        format!("plan:{run_id}"),
        format!(
            "{} departures, {} households moved ({} people), {} left, {} changed, objective {:.0}, bound {:.0}",
            run.departures,
            moved_units,
            moved_people,
            summary.left_units,
            summary.changed,
            plan.objective,
            plan.bound
        ),
        source,
    );
    store
        .record_plan(&run, &placements, &outcomes, &ev, now)
        .await?;
    Ok(run_id)
}

// ------------------------------------------------------------------ the manifest editor

/// One unit read from the registry by its id (a household's id, or a person's).
pub async fn unit_of(
    store: &Store,
    vault: &drawdown_vault::Vault,
    unit_id: &str,
    at: OffsetDateTime,
) -> Result<Unit, WebError> {
    let mut members = store.household_members(unit_id).await?;
    if members.is_empty() {
        match store.person(unit_id).await? {
            Some(p) if p.household_id.is_none() => members.push(p),
            Some(p) => {
                return Err(WebError::BadRequest(format!(
                    "{unit_id} travels with household {}: move the household",
                    p.household_id.unwrap_or_default()
                )));
            }
            None => {
                return Err(WebError::BadRequest(format!(
                    "no household or person {unit_id} in the registry"
                )));
            }
        }
    }
    let heads = store.household_heads().await?;
    let mut u = Unit {
        id: unit_id.to_string(),
        head_person_id: heads.get(unit_id).cloned().unwrap_or_default(),
        members: vec![],
        seats: 0,
        people: 0,
        lap_infants: 0,
        priority: 5,
    };
    for p in &members {
        let plain =
            vault.open_sealed(&crate::services::protection::person_aad(&p.id), &p.sealed)?;
        let d: drawdown_domain::people::PersonalDetails = serde_json::from_slice(&plain)
            .map_err(|e| WebError::Internal(format!("person {}: {e}", p.id)))?;
        let infant = lap_infant_at(&d.birth_date, at);
        u.members.push((p.id.clone(), infant));
        u.people += 1;
        if infant {
            u.lap_infants += 1;
        } else {
            u.seats += 1;
        }
        u.priority = u
            .priority
            .min(p.priority_override.unwrap_or(p.priority).clamp(1, 5) as u8);
    }
    if u.seats == 0 {
        u.seats = 1;
        u.lap_infants -= 1;
        if let Some(m) = u.members.first_mut() {
            m.1 = false;
        }
    }
    if !u.members.iter().any(|(id, _)| *id == u.head_person_id) {
        u.head_person_id = u
            .members
            .iter()
            .find(|(_, infant)| !infant)
            .or(u.members.first())
            .map(|(id, _)| id.clone())
            .unwrap_or_default();
    }
    let head = u.head_person_id.clone();
    u.members.sort_by_key(|(id, _)| (*id != head, id.clone()));
    Ok(u)
}

/// Puts a household on a departure by hand, pinned there (every later plan keeps it). Rules it
/// breaks (seats, readiness, deadline, documents) do not stop a person: they are returned and
/// kept with the entry as its warning. A manifest that is not open refuses.
pub async fn move_by_hand(
    store: &Store,
    vault: &drawdown_vault::Vault,
    unit_id: &str,
    departure_id: &str,
    actor: &str,
    source: &str,
    now: OffsetDateTime,
) -> Result<String, WebError> {
    use drawdown_storage::movement::{ManifestEntry, ManifestPerson, Placement};
    let unit_id = unit_id.trim();
    let departure_id = departure_id.trim();
    let dep = store
        .departure(departure_id)
        .await?
        .ok_or_else(|| WebError::BadRequest(format!("no departure {departure_id}")))?;
    if !dep.is_open() {
        return Err(WebError::BadRequest(format!(
            "departure {} is {} with a {} manifest: only open manifests of planned or confirmed departures change (reopen it first)",
            dep.id, dep.status, dep.manifest
        )));
    }
    if let Some(e) = store.manifest_entry(unit_id).await?
        && let Some(from) = store.departure(&e.departure_id).await?
        && from.id != dep.id
        && !from.is_open()
        && from.status != "cancelled"
    {
        return Err(WebError::BadRequest(format!(
            "household {unit_id} is on {} whose manifest is {} ({}): reopen it first",
            from.id, from.manifest, from.status
        )));
    }
    let at = OffsetDateTime::parse(&dep.departs_at, &Rfc3339)
        .map_err(|e| WebError::Internal(format!("departure {}: {e}", dep.id)))?;
    let u = unit_of(store, vault, unit_id, at).await?;
    let mut warnings = Vec::new();
    let load = store
        .manifest_loads()
        .await?
        .get(&dep.id)
        .copied()
        .unwrap_or_default();
    let already = store
        .manifest_entry(unit_id)
        .await?
        .filter(|e| e.departure_id == dep.id)
        .map(|e| e.seats)
        .unwrap_or(0);
    let taken = load.seats - already + i64::from(u.seats);
    if taken > dep.seats {
        warnings.push(format!("seats exceeded: {taken} of {}", dep.seats));
    }
    if let Some(f) = store.movement_fact(&u.id).await? {
        if !f.documents_ready {
            warnings.push("documents not ready".to_string());
        }
        if let Some(r) = f
            .ready_at
            .as_deref()
            .filter(|r| *r > dep.departs_at.as_str())
        {
            warnings.push(format!("not ready until {r}"));
        }
        if let Some(d) = f
            .deadline
            .as_deref()
            .filter(|d| *d <= dep.departs_at.as_str())
        {
            warnings.push(format!("departs after the household's deadline {d}"));
        }
    }
    let warning = warnings.join("; ");
    let placement = Placement {
        entry: ManifestEntry {
            unit_id: u.id.clone(),
            departure_id: dep.id.clone(),
            head_person_id: u.head_person_id.clone(),
            seats: i64::from(u.seats),
            people: i64::from(u.people),
            lap_infants: i64::from(u.lap_infants),
            priority: i64::from(u.priority),
            pinned: true,
            placed_by: "hand".into(),
            plan_run_id: None,
            warning: warning.clone(),
        },
        people: u
            .members
            .iter()
            .map(|(pid, infant)| ManifestPerson {
                person_id: pid.clone(),
                unit_id: u.id.clone(),
                departure_id: dep.id.clone(),
                lap_infant: *infant,
            })
            .collect(),
    };
    let ev = AuditEvent::new(
        actor,
        "movement.manifest_move",
        format!("household:{}", u.id),
        format!(
            "to {} ({} people){}",
            dep.id,
            u.people,
            if warning.is_empty() {
                String::new()
            } else {
                format!("; breaks: {warning}")
            }
        ),
        source,
    );
    store.place_unit(&placement, &ev, now).await?;
    Ok(warning)
}

/// Pins a household where it is (or unpins it: the next plan may move it).
pub async fn pin(
    store: &Store,
    unit_id: &str,
    pinned: bool,
    actor: &str,
    source: &str,
    now: OffsetDateTime,
) -> Result<(), WebError> {
    let ev = AuditEvent::new(
        actor,
        if pinned {
            "movement.manifest_pin"
        } else {
            "movement.manifest_unpin"
        },
        format!("household:{unit_id}"),
        "",
        source,
    );
    store.set_pinned(unit_id, pinned, &ev, now).await?;
    Ok(())
}

/// Takes a household off its manifest (an open one).
pub async fn remove(
    store: &Store,
    unit_id: &str,
    actor: &str,
    source: &str,
    now: OffsetDateTime,
) -> Result<(), WebError> {
    let e = store
        .manifest_entry(unit_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let dep = store
        .departure(&e.departure_id)
        .await?
        .ok_or(WebError::NotFound)?;
    if !dep.is_open() && dep.status != "cancelled" {
        return Err(WebError::BadRequest(format!(
            "departure {}'s manifest is {} ({}): reopen it first",
            dep.id, dep.manifest, dep.status
        )));
    }
    let ev = AuditEvent::new(
        actor,
        "movement.manifest_remove",
        format!("household:{unit_id}"),
        format!("from {}", dep.id),
        source,
    );
    store.unplace_unit(unit_id, &ev, now).await?;
    Ok(())
}

// ------------------------------------------------------------------ readiness facts

/// A household's readiness as a person gives it (form, JSON, command line); text until checked.
/// A field left out keeps what was recorded; an empty one clears it (ready now, no deadline).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ReadinessInput {
    /// yes / no (also true/false, 1/0, ready / not ready); empty: yes.
    pub documents_ready: Option<String>,
    /// A time (2021-08-24T14:00:00Z or 2021-08-24 14:00, UTC).
    pub ready_at: Option<String>,
    /// A time after `ready_at`.
    pub deadline: Option<String>,
}

impl ReadinessInput {
    /// `before` with this input's fields over it; the error names the field and the value.
    pub fn check(&self, before: &MovementFacts) -> Result<MovementFacts, String> {
        let documents_ready = match self
            .documents_ready
            .as_deref()
            .map(|v| v.trim().to_lowercase())
        {
            None => before.documents_ready,
            Some(v) => match v.as_str() {
                "" | "yes" | "true" | "1" | "ready" => true,
                "no" | "false" | "0" | "not ready" => false,
                v => return Err(format!("documents_ready '{v}': yes or no")),
            },
        };
        let time = |name: &str,
                    given: &Option<String>,
                    was: &Option<String>|
         -> Result<Option<OffsetDateTime>, String> {
            match given.as_deref().map(str::trim) {
                None => Ok(was.as_deref().and_then(parse_time)),
                Some("") => Ok(None),
                Some(v) => parse_time(v).map(Some).ok_or_else(|| {
                    format!("{name} '{v}': write a time as 2021-08-24T14:00:00Z or 2021-08-24 14:00 (UTC)")
                }),
            }
        };
        let ready_at = time("ready_at", &self.ready_at, &before.ready_at)?;
        let deadline = time("deadline", &self.deadline, &before.deadline)?;
        if let (Some(r), Some(d)) = (ready_at, deadline)
            && d <= r
        {
            return Err(format!(
                "deadline {}: it must be after the readiness time {}",
                stored_time(d),
                stored_time(r)
            ));
        }
        Ok(MovementFacts {
            unit_id: before.unit_id.clone(),
            documents_ready,
            ready_at: ready_at.map(stored_time),
            deadline: deadline.map(stored_time),
        })
    }
}

/// The unit a household or person id travels as: the household's id, or the person's own
/// when they travel alone (a member's id names their household).
pub async fn unit_id_of(store: &Store, id: &str) -> Result<String, WebError> {
    let id = id.trim();
    if !store.household_members(id).await?.is_empty() {
        return Ok(id.to_string());
    }
    match store.person(id).await? {
        Some(p) => Ok(p.household_id.unwrap_or(p.id)),
        None => Err(WebError::BadRequest(format!(
            "no household or person {id} in the registry"
        ))),
    }
}

/// A unit's readiness facts (none recorded: documents ready, ready now, no deadline).
pub async fn readiness(store: &Store, unit_id: &str) -> Result<MovementFacts, WebError> {
    Ok(store
        .movement_fact(unit_id)
        .await?
        .unwrap_or_else(|| MovementFacts {
            unit_id: unit_id.to_string(),
            documents_ready: true,
            ready_at: None,
            deadline: None,
        }))
}

/// Words for a unit's readiness, as the audit log and the pages say it.
pub fn readiness_text(f: &MovementFacts) -> String {
    format!(
        "documents {}; ready {}; deadline {}",
        if f.documents_ready {
            "ready"
        } else {
            "not ready"
        },
        f.ready_at
            .as_deref()
            .map(|t| format!("at {t}"))
            .unwrap_or_else(|| "now".into()),
        f.deadline.as_deref().unwrap_or("none"),
    )
}

/// Records a household's (or a lone person's) readiness: documents, ready at, deadline. The
/// next plan uses it; a manifest it is on already is not changed (the plan page will say).
pub async fn set_readiness(
    store: &Store,
    id: &str,
    input: &ReadinessInput,
    actor: &str,
    source: &str,
    now: OffsetDateTime,
) -> Result<MovementFacts, WebError> {
    let unit = unit_id_of(store, id).await?;
    let before = readiness(store, &unit).await?;
    let facts = input.check(&before).map_err(WebError::BadRequest)?;
    let ev = AuditEvent::new(
        actor,
        "movement.readiness",
        format!("household:{unit}"),
        readiness_text(&facts),
        source,
    );
    store
        .set_movement_facts(std::slice::from_ref(&facts), actor, &ev, now)
        .await?;
    Ok(facts)
}

// ------------------------------------------------------------------ exports

/// The associated data binding a person's sealed travel-document facts to them.
pub fn travel_aad(person_id: &str) -> Vec<u8> {
    format!("travel:{person_id}").into_bytes()
}

/// Travel-document facts the registry does not hold (sealed).
#[derive(Clone, Debug, Default, serde::Serialize, Deserialize)]
pub struct TravelDocument {
    #[serde(default)]
    pub document_expiry: String,
}

/// The advance passenger information columns, in this order.
pub const API_COLUMNS: [&str; 13] = [
    "departure_id",
    "household",
    "seq",
    "family_name",
    "given_names",
    "date_of_birth",
    "sex",
    "nationality",
    "document_number",
    "document_expiry",
    "lap_infant",
    "priority",
    "head_of_household",
];

/// One manifest read for export: the departure and one row per person (API columns).
pub struct ManifestExport {
    pub departure: DepartureRecord,
    pub rows: Vec<[String; 13]>,
    pub seats: i64,
    pub people: i64,
    pub lap_infants: i64,
}

/// Reads a manifest with its people's details, opened from the vault, head of household first.
pub async fn manifest_export(
    store: &Store,
    vault: &drawdown_vault::Vault,
    departure_id: &str,
) -> Result<ManifestExport, WebError> {
    use crate::services::registry::RowValues;
    use drawdown_import::Target;
    let departure = store
        .departure(departure_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let entries = store.manifest(departure_id).await?;
    let people = store.manifest_people(departure_id).await?;
    let ids: Vec<String> = people.iter().map(|p| p.person_id.clone()).collect();
    let records = store.persons_by_ids(&ids).await?;
    let by_id: std::collections::HashMap<&str, &drawdown_storage::PersonRecord> =
        records.iter().map(|r| (r.id.as_str(), r)).collect();
    let travel = store.travel_documents(&ids).await?;
    let mut rows = Vec::new();
    for e in &entries {
        let mut members: Vec<_> = people.iter().filter(|p| p.unit_id == e.unit_id).collect();
        members.sort_by_key(|p| (p.person_id != e.head_person_id, p.person_id.clone()));
        for (seq, m) in members.iter().enumerate() {
            let Some(rec) = by_id.get(m.person_id.as_str()) else {
                continue;
            };
            let plain = vault.open_sealed(
                &crate::services::protection::person_aad(&rec.id),
                &rec.sealed,
            )?;
            let d: drawdown_domain::people::PersonalDetails = serde_json::from_slice(&plain)
                .map_err(|e| WebError::Internal(format!("person {}: {e}", rec.id)))?;
            // Sex, nationality and a passport number come from the lists behind the person.
            let (mut sex, mut nationality, mut passport) =
                (String::new(), String::new(), String::new());
            for row in store.rows_of_person(&rec.id).await? {
                let v = RowValues::open(vault, &row)?;
                let pick = |slot: &mut String, t: Target| {
                    if slot.is_empty()
                        && let Some(x) = v.get(t)
                    {
                        *slot = x.to_string();
                    }
                };
                pick(&mut sex, Target::Sex);
                pick(&mut nationality, Target::Nationality);
                pick(&mut passport, Target::PassportNo);
            }
            let expiry = match travel.get(&rec.id) {
                Some(sealed) => {
                    let plain = vault.open_sealed(&travel_aad(&rec.id), sealed)?;
                    serde_json::from_slice::<TravelDocument>(&plain)
                        .map(|t| t.document_expiry)
                        .unwrap_or_default()
                }
                None => String::new(),
            };
            rows.push([
                departure.id.clone(),
                e.unit_id.clone(),
                (seq + 1).to_string(),
                d.family_name.clone(),
                d.given_name.clone(),
                d.birth_date.clone(),
                sex,
                nationality,
                if d.document_number.is_empty() {
                    passport
                } else {
                    d.document_number.clone()
                },
                expiry,
                if m.lap_infant { "yes" } else { "no" }.to_string(),
                e.priority.to_string(),
                if m.person_id == e.head_person_id {
                    "yes"
                } else {
                    "no"
                }
                .to_string(),
            ]);
        }
    }
    Ok(ManifestExport {
        seats: entries.iter().map(|e| e.seats).sum(),
        people: entries.iter().map(|e| e.people).sum(),
        lap_infants: entries.iter().map(|e| e.lap_infants).sum(),
        departure,
        rows,
    })
}

/// The manifest as CSV, every cell neutralised against formula injection.
pub fn manifest_csv(m: &ManifestExport) -> String {
    crate::export::csv(&API_COLUMNS, &m.rows)
}

/// The manifest as an XLSX workbook. Every value is written as a text cell (never a formula), so
/// a name such as "=HYPERLINK(…)" stays inert; the same apostrophe as the CSV's marks it too.
pub fn manifest_xlsx(m: &ManifestExport) -> Result<Vec<u8>, WebError> {
    use rust_xlsxwriter::{Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| WebError::Internal(format!("xlsx: {e}"));
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name("Manifest").map_err(err)?;
    for (c, h) in API_COLUMNS.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *h, &bold)
            .map_err(err)?;
    }
    for (r, row) in m.rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let v = if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                format!("'{v}")
            } else {
                v.clone()
            };
            sheet.write_string(r as u32 + 1, c as u16, v).map_err(err)?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(err)?;
    book.save_to_buffer().map_err(err)
}

/// The manifest as a PDF (A4 landscape): the departure's facts, counts, then the passengers.
pub fn manifest_pdf(m: &ManifestExport, now: OffsetDateTime) -> Vec<u8> {
    use drawdown_documents::{Document, PageSize};
    let d = &m.departure;
    let mut doc = Document::new(PageSize::A4Landscape, &format!("Manifest {}", d.id));
    doc.generated_at(now)
        .footer_note(
            "Advance passenger information. Personal data: keep under the post's protection rules.",
        )
        .heading(&format!("Manifest — {} ({})", d.id, d.kind))
        .key_values(&[
            ("Carrier or type", d.carrier.as_str()),
            ("From → to", &format!("{} → {}", d.origin, d.destination)),
            ("Departs (UTC)", &d.departs_at),
            ("Gate", &d.gate),
            ("Status", &format!("{} · manifest {}", d.status, d.manifest)),
            (
                "Counts",
                &format!(
                    "{} people ({} lap infants) in {} of {} seats",
                    m.people, m.lap_infants, m.seats, d.seats
                ),
            ),
        ]);
    let rows: Vec<Vec<String>> = m
        .rows
        .iter()
        .map(|r| {
            vec![
                r[1].chars().take(13).collect(),
                r[2].clone(),
                r[3].clone(),
                r[4].clone(),
                r[5].clone(),
                r[6].clone(),
                r[7].clone(),
                r[8].clone(),
                r[9].clone(),
                r[10].clone(),
                r[11].clone(),
                r[12].clone(),
            ]
        })
        .collect();
    doc.table(
        &[
            "Household",
            "#",
            "Family name",
            "Given names",
            "Born",
            "Sex",
            "Nationality",
            "Document",
            "Expiry",
            "Lap",
            "Tier",
            "Head",
        ],
        &rows,
    );
    doc.finish()
}

/// Records that a manifest was exported (an export is a read of a list: audited).
pub async fn audit_export(
    store: &Store,
    m: &ManifestExport,
    format: &str,
    actor: &str,
    source: &str,
    now: OffsetDateTime,
) -> Result<(), WebError> {
    let ev = AuditEvent::new(
        actor,
        "movement.manifest_export",
        format!("departure:{}", m.departure.id),
        format!("format={format} rows={}", m.rows.len()),
        source,
    );
    store.audit(&ev, now).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> OffsetDateTime {
        time::macros::datetime!(2021-08-15 06:00 UTC)
    }

    #[test]
    fn a_good_file_reads() {
        let csv = "departure_id,kind,carrier,origin,destination,departs_at,seats,gate,status\n\
                   RCH871,flight,USAF C-17,KBL,Al Udeid,2021-08-15 21:00,450,North,\n\
                   CVY1,convoy,Buses,Compound,HKIA,2021-08-16T04:00:00Z,60,,confirmed\n";
        let deps = read_departures_csv(csv.as_bytes(), now()).expect("reads");
        assert_eq!(deps.len(), 2);
        assert_eq!(deps[0].departs_at, "2021-08-15T21:00:00Z");
        assert_eq!(deps[0].status, "planned");
        assert_eq!(deps[1].kind, "convoy");
        assert_eq!(deps[1].status, "confirmed");
    }

    #[test]
    fn bad_rows_are_named_and_nothing_is_kept() {
        let csv = "departure_id,departs_at,seats\n\
                   A1,2021-08-15 21:00,-5\n\
                   A2,tomorrow,100\n\
                   A3,2021-08-15 21:00,100\n\
                   A3,2021-08-15 22:00,100\n";
        let errs = read_departures_csv(csv.as_bytes(), now()).expect_err("refused");
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(errs[0].starts_with("row 2: seats -5"), "{errs:?}");
        assert!(
            errs[1].starts_with("row 3: departs_at 'tomorrow'"),
            "{errs:?}"
        );
        assert!(
            errs[2].contains("row 5") && errs[2].contains("twice"),
            "{errs:?}"
        );
    }

    #[test]
    fn the_pdf_names_each_household_head() {
        let departure = DepartureRecord {
            id: "RCH871".into(),
            kind: "flight".into(),
            carrier: "USAF C-17".into(),
            origin: "KBL".into(),
            destination: "Al Udeid".into(),
            departs_at: "2021-08-15T21:00:00Z".into(),
            seats: 450,
            weight_limit_kg: None,
            gate: "North".into(),
            status: "confirmed".into(),
            manifest: "frozen".into(),
            created_at: String::new(),
            updated_at: String::new(),
        };
        let row = |seq: &str, given: &str, head: &str| {
            [
                "RCH871",
                "HH-17",
                seq,
                "Haidari",
                given,
                "1980-03-01",
                "F",
                "AFG",
                "P1234567",
                "2030-01-01",
                "no",
                "1",
                head,
            ]
            .map(String::from)
        };
        let m = ManifestExport {
            departure,
            rows: vec![row("1", "Laila", "yes"), row("2", "Farid", "no")],
            seats: 2,
            people: 2,
            lap_infants: 0,
        };
        let path = std::env::temp_dir().join(format!("manifest-{}.pdf", std::process::id()));
        std::fs::write(&path, manifest_pdf(&m, now())).expect("write");
        let out = std::process::Command::new("pdftotext")
            .args(["-layout", path.to_str().expect("utf-8"), "-"])
            .output()
            .expect("pdftotext (poppler-utils; scripts/test installs it)");
        let _ = std::fs::remove_file(&path);
        let text = String::from_utf8_lossy(&out.stdout);
        let row = |name: &str| {
            text.lines()
                .find(|l| l.contains(name))
                .map(|l| l.split_whitespace().last().unwrap_or_default().to_string())
        };
        assert_eq!(row("Tier").as_deref(), Some("Head"), "{text}");
        assert_eq!(row("Laila").as_deref(), Some("yes"), "{text}");
        assert_eq!(row("Farid").as_deref(), Some("no"), "{text}");
    }

    #[test]
    fn a_missing_column_is_named() {
        let errs = read_departures_csv(b"id,when\nA,B\n", now()).expect_err("refused");
        assert!(errs[0].contains("departs_at, seats"), "{errs:?}");
    }
}

//! Destruction: the operations behind its pages, API and command line. The rules live in the
//! engine (`drawdown_destruction`); this module reads the store, asks the engine, and writes
//! through storage methods that append the audit entry in the same transaction.

use crate::WebError;
use drawdown_destruction::ledger::{self, Proposed};
use drawdown_destruction::plan::{self, Plan, WhatIf};
use drawdown_destruction::{
    Device, DeviceStatus, Kind, Matrix, Method, Override, Unit, default_kinds,
};
use drawdown_domain::audit::AuditEvent;
use drawdown_storage::destruction::{
    BurnBagRow, DestructionSettings, DeviceRow, HoldingRow, KindRow, NewRecord, RecordRow,
};
use drawdown_storage::{Store, timestamp};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// The kinds (defaults and the post's own) and the matrix with the post's overrides.
pub struct Catalogue {
    pub kinds: Vec<Kind>,
    pub matrix: Matrix,
    pub overrides: Vec<Override>,
}

impl Catalogue {
    pub fn kind(&self, slug: &str) -> Option<&Kind> {
        self.kinds.iter().find(|k| k.slug == slug)
    }

    /// A kind by slug or by its label, or a clear error naming the kinds there are.
    pub fn find(&self, text: &str) -> Result<&Kind, String> {
        let t = text.trim().to_lowercase();
        self.kinds
            .iter()
            .find(|k| k.slug == t || k.label.to_lowercase() == t)
            .ok_or_else(|| {
                format!(
                    "unknown kind '{}' (kinds: {})",
                    text.trim(),
                    self.kinds
                        .iter()
                        .map(|k| k.slug.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
    }

    pub fn label(&self, slug: &str) -> String {
        self.kind(slug)
            .map_or_else(|| slug.to_string(), |k| k.label.clone())
    }

    pub fn unit(&self, slug: &str) -> &'static str {
        self.kind(slug).map_or("units", |k| k.unit.label())
    }

    /// `q` of a kind in kilograms (an unknown kind counts a unit as a kilogram).
    pub fn kg(&self, slug: &str, q: f64) -> f64 {
        q * self.kind(slug).map_or(1.0, |k| k.kg_per_unit)
    }

    /// "Classified paper, Hard drives".
    pub fn labels(&self, slugs: &[String]) -> String {
        slugs
            .iter()
            .map(|k| self.label(k))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The post's name, as its documents state it.
pub async fn org_name(store: &Store) -> Result<String, WebError> {
    Ok(store
        .organisation()
        .await?
        .map(|(n, _)| n)
        .unwrap_or_default())
}

/// Records that someone read a list or took an export.
pub async fn audit_read(
    store: &Store,
    actor: &str,
    source: &str,
    action: &str,
    target: &str,
    detail: String,
    now: OffsetDateTime,
) -> Result<(), WebError> {
    store
        .audit(&event(actor, action, target.into(), detail, source), now)
        .await?;
    Ok(())
}

pub async fn catalogue(store: &Store) -> Result<Catalogue, WebError> {
    let mut kinds = default_kinds();
    for k in store.destruction_kinds().await? {
        kinds.push(Kind {
            unit: Unit::parse(&k.unit).unwrap_or(Unit::Item),
            methods: k
                .methods
                .split(',')
                .filter_map(|m| Method::parse(m).ok())
                .collect(),
            slug: k.slug,
            label: k.label,
            kg_per_unit: k.kg_per_unit,
            priority: u8::try_from(k.priority).unwrap_or(9),
        });
    }
    let overrides: Vec<Override> = store
        .matrix_overrides()
        .await?
        .into_iter()
        .filter_map(|(kind, method, allowed)| {
            Some(Override {
                kind,
                method: Method::parse(&method).ok()?,
                allowed,
            })
        })
        .collect();
    let matrix = Matrix::new(&kinds, &overrides);
    Ok(Catalogue {
        kinds,
        matrix,
        overrides,
    })
}

pub fn engine_device(d: &DeviceRow) -> Device {
    Device {
        id: d.id.clone(),
        name: d.name.clone(),
        method: Method::parse(&d.method).unwrap_or(Method::Burn),
        kg_per_hour: d.kg_per_hour,
        hours_per_day: d.hours_per_day,
        status: DeviceStatus::parse(&d.status).unwrap_or(DeviceStatus::Broken),
    }
}

/// What is left, by kind.
pub fn remaining(holdings: &[HoldingRow]) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for h in holdings {
        *out.entry(h.kind.clone()).or_insert(0.0) += h.quantity as f64;
    }
    out.retain(|_, q| *q > 0.0);
    out
}

/// What the declared posture asks of destruction: an open checklist task for the destruction
/// officer that reduces or destroys holdings ("Reduce holdings to the emergency-destruction
/// level" within 48 h, "Destroy every remaining sensitive holding"…) turns the page into the
/// emergency list, with the task's deadline.
#[derive(Clone, Debug)]
pub struct PostureDemand {
    pub level: String,
    pub task: String,
    pub due_at: String,
    /// "every remaining": the target is zero, not the emergency level.
    pub everything: bool,
}

/// Reads the posture's tables (issue 4): the latest declared posture's open destruction tasks.
pub async fn posture_demand(store: &Store) -> Result<Option<PostureDemand>, WebError> {
    let Some(declared) = store
        .posture_decisions()
        .await?
        .into_iter()
        .rfind(|d| d.kind == "declare")
    else {
        return Ok(None);
    };
    let level = store
        .posture_levels()
        .await?
        .into_iter()
        .find(|l| l.id == declared.level_id)
        .map_or_else(|| declared.level_id.clone(), |l| l.name);
    Ok(store
        .posture_tasks()
        .await?
        .into_iter()
        .filter(|t| {
            t.decision_id == declared.id && t.owner_role == "destruction" && t.done_at.is_none()
        })
        .find(|t| {
            let text = t.task.to_lowercase();
            text.starts_with("reduce") || text.starts_with("destroy")
        })
        .map(|t| PostureDemand {
            everything: t.task.to_lowercase().contains("every remaining"),
            level,
            task: t.task,
            due_at: t.due_at,
        }))
}

/// Everything the pages, the API and the CLI show about destruction, computed at once.
pub struct Overview {
    /// The declared posture's demand, when it requires emergency destruction.
    pub posture: Option<PostureDemand>,
    pub catalogue: Catalogue,
    pub holdings: Vec<HoldingRow>,
    pub devices: Vec<DeviceRow>,
    pub settings: DestructionSettings,
    pub remaining: BTreeMap<String, f64>,
    pub plan: Plan,
    pub what_ifs: Vec<WhatIf>,
    pub records: Vec<RecordRow>,
    pub bags: Vec<BurnBagRow>,
}

impl Overview {
    pub fn device_name(&self, id: &str) -> String {
        self.devices
            .iter()
            .find(|d| d.id == id)
            .map_or_else(|| id.to_string(), |d| d.name.clone())
    }
    /// "Firebox 1, Shredder".
    pub fn device_names(&self, ids: &[String]) -> String {
        ids.iter()
            .map(|id| self.device_name(id))
            .collect::<Vec<_>>()
            .join(", ")
    }
    /// The device a record names, or "".
    pub fn record_device(&self, r: &RecordRow) -> String {
        r.device_id
            .as_deref()
            .map(|d| self.device_name(d))
            .unwrap_or_default()
    }
    /// The serial of the burn bag a record destroyed, or "".
    pub fn record_bag(&self, r: &RecordRow) -> String {
        r.burn_bag_id
            .as_deref()
            .and_then(|b| self.bags.iter().find(|x| x.id == b))
            .map(|b| b.serial.clone())
            .unwrap_or_default()
    }
    /// What was held before any destruction, by kind.
    pub fn at_start(&self) -> BTreeMap<String, i64> {
        let mut start = BTreeMap::new();
        for h in &self.holdings {
            *start.entry(h.kind.clone()).or_default() += h.initial_quantity;
        }
        start
    }
    pub fn deadline_days(&self) -> f64 {
        self.settings.deadline_hours as f64 / 24.0
    }
}

/// Reads the ledger and plans: the target is the emergency level (kinds of priority up to the
/// setting's), against the checklist's deadline; then zero.
pub async fn overview(store: &Store, now: OffsetDateTime) -> Result<Overview, WebError> {
    let catalogue = catalogue(store).await?;
    let holdings = store.holdings().await?;
    let devices = store.destruction_devices().await?;
    let mut settings = store.destruction_settings().await?;
    let posture = posture_demand(store).await?;
    // A declared posture that requires it switches emergency destruction on, with its deadline.
    if let Some(p) = &posture {
        settings.emergency = true;
        if p.everything {
            settings.emergency_priority = 9;
        }
        if let Ok(due) =
            time::OffsetDateTime::parse(&p.due_at, &time::format_description::well_known::Rfc3339)
        {
            // The task is due on the post's clock (the scenario's, in an exercise or the demo).
            let today = super::posture::today(store, now).await?;
            settings.deadline_hours = ((due - today).whole_minutes() as f64 / 60.0)
                .ceil()
                .max(0.0) as i64;
        }
    }
    let records = store.destruction_records().await?;
    let bags = store.burn_bags().await?;
    let remaining = remaining(&holdings);
    let engine_devices: Vec<Device> = devices.iter().map(engine_device).collect();
    let req = plan::Request {
        kinds: &catalogue.kinds,
        matrix: &catalogue.matrix,
        remaining: &remaining,
        devices: &engine_devices,
        first: Some(u8::try_from(settings.emergency_priority).unwrap_or(2)),
        deadline_days: Some(settings.deadline_hours as f64 / 24.0),
    };
    let plan = plan::plan(&req);
    let what_ifs = plan::what_ifs(&req);
    Ok(Overview {
        posture,
        catalogue,
        holdings,
        devices,
        settings,
        remaining,
        plan,
        what_ifs,
        records,
        bags,
    })
}

fn event(actor: &str, action: &str, target: String, detail: String, source: &str) -> AuditEvent {
    AuditEvent::new(actor, action, target, detail, source)
}

fn bad(m: impl Into<String>) -> WebError {
    WebError::BadRequest(m.into())
}

fn text_field(name: &str, v: &str, max: usize) -> Result<String, WebError> {
    let v = v.trim();
    if v.chars().count() > max {
        return Err(bad(format!("{name} is longer than {max} characters")));
    }
    Ok(v.to_string())
}

/// A JSON number or a string, as text: API clients send quantities either way, forms as text.
pub fn number_or_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    use serde::Deserialize;
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    })
}

/// A whole quantity, as typed: "1,200" and "1200" are the same; negatives and fractions are
/// refused with the field named.
pub fn parse_quantity(field: &str, v: &str) -> Result<i64, WebError> {
    let t = v.trim().replace([',', '_', ' '], "");
    let q: i64 = t.parse().map_err(|_| {
        bad(format!(
            "{field}: '{}' is not a whole number (kilograms or items)",
            v.trim()
        ))
    })?;
    if q < 0 {
        return Err(bad(format!("{field}: a quantity cannot be negative ({q})")));
    }
    Ok(q)
}

// ------------------------------------------------------------ holdings

/// A holding as typed in a form, the API or a CSV row (fields as text).
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct HoldingInput {
    pub kind: String,
    #[serde(default)]
    pub description: String,
    #[serde(deserialize_with = "number_or_text")]
    pub quantity: String,
    #[serde(default)]
    pub classification: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub custodian: String,
    /// Empty: the kind's default.
    #[serde(default, deserialize_with = "number_or_text")]
    pub priority: String,
}

const CLASSIFICATIONS: [&str; 5] = [
    "unclassified",
    "sensitive",
    "confidential",
    "secret",
    "top secret",
];

fn holding_row(
    cat: &Catalogue,
    input: &HoldingInput,
    now: OffsetDateTime,
) -> Result<HoldingRow, WebError> {
    let kind = cat.find(&input.kind).map_err(bad)?;
    let quantity = parse_quantity("quantity", &input.quantity)?;
    let classification = match input.classification.trim().to_lowercase() {
        c if c.is_empty() => "unclassified".to_string(),
        c if CLASSIFICATIONS.contains(&c.as_str()) => c,
        c => {
            return Err(bad(format!(
                "classification: '{c}' is not one of {}",
                CLASSIFICATIONS.join(", ")
            )));
        }
    };
    let priority = match input.priority.trim() {
        "" => i64::from(kind.priority),
        p => p
            .parse::<i64>()
            .ok()
            .filter(|p| (1..=9).contains(p))
            .ok_or_else(|| bad(format!("priority: '{p}' is not 1 (first) to 9")))?,
    };
    let at = timestamp(now);
    Ok(HoldingRow {
        id: uuid::Uuid::now_v7().to_string(),
        kind: kind.slug.clone(),
        description: text_field("description", &input.description, 200)?,
        quantity,
        initial_quantity: quantity,
        classification,
        location: text_field("location", &input.location, 120)?,
        custodian: text_field("custodian", &input.custodian, 120)?,
        priority,
        created_at: at.clone(),
        updated_at: at,
        sealed: 0,
    })
}

pub async fn add_holding(
    store: &Store,
    actor: &str,
    source: &str,
    input: &HoldingInput,
    now: OffsetDateTime,
) -> Result<String, WebError> {
    let cat = catalogue(store).await?;
    let row = holding_row(&cat, input, now)?;
    let ev = event(
        actor,
        "destruction.holding_add",
        format!("holding:{}", row.id),
        format!("{} {} {}", row.quantity, cat.unit(&row.kind), row.kind),
        source,
    );
    store
        .add_holdings(std::slice::from_ref(&row), &ev, now)
        .await?;
    Ok(row.id)
}

/// The columns a holdings CSV may have (header names, any order, case-insensitive).
pub const CSV_COLUMNS: [&str; 7] = [
    "kind",
    "description",
    "quantity",
    "classification",
    "location",
    "custodian",
    "priority",
];

/// Reads a holdings CSV: every row checked; any problem refuses the whole file, each problem
/// named by row and field, so a file is imported whole or not at all.
pub fn parse_holdings_csv(
    cat: &Catalogue,
    bytes: &[u8],
    now: OffsetDateTime,
) -> Result<Vec<HoldingRow>, Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h
            .iter()
            .map(|s| s.trim_start_matches('\u{feff}').to_lowercase())
            .collect(),
        Err(e) => return Err(vec![format!("the file is not CSV: {e}")]),
    };
    for required in ["kind", "quantity"] {
        if !headers.iter().any(|h| h == required) {
            return Err(vec![format!(
                "the file has no '{required}' column (columns: {})",
                CSV_COLUMNS.join(", ")
            )]);
        }
    }
    if let Some(h) = headers.iter().find(|h| !CSV_COLUMNS.contains(&h.as_str())) {
        return Err(vec![format!(
            "unknown column '{h}' (columns: {})",
            CSV_COLUMNS.join(", ")
        )]);
    }
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let line = i + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("row {line}: {e}"));
                continue;
            }
        };
        let get = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|p| rec.get(p))
                .unwrap_or("")
                .to_string()
        };
        let input = HoldingInput {
            kind: get("kind"),
            description: get("description"),
            quantity: get("quantity"),
            classification: get("classification"),
            location: get("location"),
            custodian: get("custodian"),
            priority: get("priority"),
        };
        if input.kind.is_empty() && input.quantity.is_empty() {
            continue;
        }
        match holding_row(cat, &input, now) {
            Ok(r) => rows.push(r),
            Err(e) => problems.push(format!("row {line}: {e}")),
        }
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push("the file has no holdings".into());
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// Imports a holdings CSV whole, or refuses it (with every problem) and changes nothing.
pub async fn import_holdings(
    store: &Store,
    actor: &str,
    source: &str,
    file_name: &str,
    bytes: &[u8],
    now: OffsetDateTime,
) -> Result<usize, WebError> {
    let cat = catalogue(store).await?;
    let rows = parse_holdings_csv(&cat, bytes, now).map_err(|p| {
        let shown: Vec<&String> = p.iter().take(20).collect();
        bad(format!(
            "{file_name}: nothing imported; {} problem(s): {}{}",
            p.len(),
            shown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            if p.len() > 20 { "; …" } else { "" }
        ))
    })?;
    let ev = event(
        actor,
        "destruction.holdings_import",
        format!("file:{file_name}"),
        format!("rows={}", rows.len()),
        source,
    );
    store.add_holdings(&rows, &ev, now).await?;
    Ok(rows.len())
}

/// Adds a kind of the post's own.
#[allow(clippy::too_many_arguments)]
pub async fn add_kind(
    store: &Store,
    actor: &str,
    source: &str,
    label: &str,
    unit: &str,
    kg_per_unit: &str,
    priority: &str,
    methods: &[String],
    now: OffsetDateTime,
) -> Result<String, WebError> {
    let label = text_field("name", label, 80)?;
    if label.is_empty() {
        return Err(bad("name the kind (e.g. \"Satellite phones\")"));
    }
    let slug: String = label
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect::<String>()
        .split('_')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    if slug.is_empty() {
        return Err(bad("a kind's name needs letters or digits"));
    }
    let cat = catalogue(store).await?;
    if cat.kind(&slug).is_some() {
        return Err(WebError::Conflict(format!(
            "a kind '{slug}' already exists"
        )));
    }
    let unit = Unit::parse(unit).ok_or_else(|| bad(format!("unit: '{unit}' is not kg or item")))?;
    let kg: f64 = kg_per_unit
        .trim()
        .parse()
        .ok()
        .filter(|k: &f64| k.is_finite() && *k > 0.0)
        .ok_or_else(|| {
            bad(format!(
                "weight: '{kg_per_unit}' is not a weight above zero (kg)"
            ))
        })?;
    let priority: i64 = priority
        .trim()
        .parse()
        .ok()
        .filter(|p| (1..=9).contains(p))
        .ok_or_else(|| bad(format!("priority: '{priority}' is not 1 (first) to 9")))?;
    let mut ms = Vec::new();
    for m in methods {
        ms.push(Method::parse(m).map_err(|e| bad(e.to_string()))?.slug());
    }
    if ms.is_empty() {
        return Err(bad("approve at least one method for the kind"));
    }
    let row = KindRow {
        slug: slug.clone(),
        label,
        unit: unit.slug().into(),
        kg_per_unit: kg,
        priority,
        methods: ms.join(","),
    };
    let ev = event(
        actor,
        "destruction.kind_add",
        format!("kind:{slug}"),
        row.methods.clone(),
        source,
    );
    store.add_destruction_kind(&row, &ev, now).await?;
    Ok(slug)
}

// ------------------------------------------------------------ devices and matrix

#[allow(clippy::too_many_arguments)]
pub async fn add_device(
    store: &Store,
    actor: &str,
    source: &str,
    name: &str,
    method: &str,
    kg_per_hour: &str,
    hours_per_day: &str,
    location: &str,
    now: OffsetDateTime,
) -> Result<String, WebError> {
    let name = text_field("name", name, 80)?;
    if name.is_empty() {
        return Err(bad("name the device (e.g. \"Firebox 2\")"));
    }
    let method = Method::parse(method).map_err(|e| bad(e.to_string()))?;
    let rate = parse_positive("capacity (kg an hour)", kg_per_hour, 1_000_000.0)?;
    let hours = parse_positive("hours a day", hours_per_day, 24.0)?;
    let row = DeviceRow {
        id: uuid::Uuid::now_v7().to_string(),
        name,
        method: method.slug().into(),
        kg_per_hour: rate,
        hours_per_day: hours,
        status: DeviceStatus::Working.slug().into(),
        location: text_field("location", location, 120)?,
        updated_at: timestamp(now),
    };
    let ev = event(
        actor,
        "destruction.device_add",
        format!("device:{}", row.id),
        format!("{} {} {rate} kg/h {hours} h/day", row.name, row.method),
        source,
    );
    store.add_destruction_device(&row, &ev, now).await?;
    Ok(row.id)
}

fn parse_positive(field: &str, v: &str, max: f64) -> Result<f64, WebError> {
    v.trim()
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite() && *x > 0.0 && *x <= max)
        .ok_or_else(|| {
            bad(format!(
                "{field}: '{}' is not a number above 0 and at most {max}",
                v.trim()
            ))
        })
}

/// A device's status (working, out of fuel, broken) and, optionally, its hours a day.
pub async fn update_device(
    store: &Store,
    actor: &str,
    source: &str,
    id: &str,
    status: &str,
    hours_per_day: Option<&str>,
    now: OffsetDateTime,
) -> Result<(), WebError> {
    let d = store
        .destruction_device(id)
        .await?
        .ok_or(WebError::NotFound)?;
    let status = DeviceStatus::parse(status).ok_or_else(|| {
        bad(format!(
            "status: '{status}' is not working, out_of_fuel or broken"
        ))
    })?;
    let hours = match hours_per_day.map(str::trim).filter(|h| !h.is_empty()) {
        Some(h) => parse_positive("hours a day", h, 24.0)?,
        None => d.hours_per_day,
    };
    let ev = event(
        actor,
        "destruction.device_update",
        format!("device:{id}"),
        format!("{}: {} {hours} h/day", d.name, status.slug()),
        source,
    );
    store
        .update_destruction_device(id, status.slug(), hours, &ev, now)
        .await?;
    Ok(())
}

pub async fn set_matrix(
    store: &Store,
    actor: &str,
    source: &str,
    kind: &str,
    method: &str,
    allowed: bool,
    now: OffsetDateTime,
) -> Result<(), WebError> {
    let cat = catalogue(store).await?;
    let kind = cat.find(kind).map_err(bad)?.slug.clone();
    let method = Method::parse(method).map_err(|e| bad(e.to_string()))?;
    let ev = event(
        actor,
        "destruction.matrix_set",
        format!("matrix:{kind}/{}", method.slug()),
        if allowed { "approved" } else { "not approved" }.into(),
        source,
    );
    store
        .set_matrix_cell(&kind, method.slug(), allowed, &ev, now)
        .await?;
    Ok(())
}

pub async fn set_emergency(
    store: &Store,
    actor: &str,
    source: &str,
    emergency: bool,
    priority: &str,
    deadline_hours: &str,
    now: OffsetDateTime,
) -> Result<(), WebError> {
    let current = store.destruction_settings().await?;
    let priority = match priority.trim() {
        "" => current.emergency_priority,
        p => p
            .parse::<i64>()
            .ok()
            .filter(|p| (1..=9).contains(p))
            .ok_or_else(|| bad(format!("emergency level: '{p}' is not a priority 1 to 9")))?,
    };
    let hours = match deadline_hours.trim() {
        "" => current.deadline_hours,
        h => h
            .parse::<i64>()
            .ok()
            .filter(|h| (1..=24 * 60).contains(h))
            .ok_or_else(|| {
                bad(format!(
                    "deadline: '{h}' is not a number of hours (1 to 1440)"
                ))
            })?,
    };
    let ev = event(
        actor,
        "destruction.emergency",
        "destruction_settings".into(),
        format!(
            "emergency={} level=priority<={priority} deadline={hours}h",
            if emergency { "on" } else { "off" }
        ),
        source,
    );
    store
        .set_destruction_settings(emergency, priority, hours, &ev, now)
        .await?;
    Ok(())
}

// ------------------------------------------------------------ bags and records

#[allow(clippy::too_many_arguments)]
pub async fn seal_bag(
    store: &Store,
    actor: &str,
    source: &str,
    holding_id: &str,
    serial: &str,
    quantity: &str,
    contents: &str,
    now: OffsetDateTime,
) -> Result<String, WebError> {
    let h = store
        .holding(holding_id.trim())
        .await?
        .ok_or_else(|| bad(format!("holding: no holding '{}'", holding_id.trim())))?;
    let serial = text_field("serial", serial, 40)?;
    if serial.is_empty()
        || !serial
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(bad(
            "serial: write the number printed on the bag (letters, digits and -)",
        ));
    }
    let quantity = parse_quantity("quantity", quantity)?;
    if quantity == 0 {
        return Err(bad("quantity: a sealed bag holds something (above 0)"));
    }
    let bag = BurnBagRow {
        id: uuid::Uuid::now_v7().to_string(),
        serial: serial.clone(),
        holding_id: h.id.clone(),
        contents: text_field("contents", contents, 200)?,
        quantity,
        sealed_by: actor.to_string(),
        sealed_at: timestamp(now),
        record_id: None,
    };
    let ev = event(
        actor,
        "destruction.bag_seal",
        format!("burn_bag:{serial}"),
        format!("{quantity} of holding {}", h.id),
        source,
    );
    store.seal_burn_bag(&bag, &ev, now).await?;
    Ok(bag.id)
}

/// A destruction as typed: of a holding, or of a sealed burn bag (by serial).
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct RecordInput {
    #[serde(default)]
    pub holding: String,
    #[serde(default)]
    pub bag: String,
    #[serde(default, deserialize_with = "number_or_text")]
    pub quantity: String,
    pub method: String,
    #[serde(default)]
    pub device: String,
    #[serde(default)]
    pub note: String,
}

/// Records a destruction, pending its witness. Returns (id, certificate number).
pub async fn record_destruction(
    store: &Store,
    actor: &str,
    source: &str,
    input: &RecordInput,
    now: OffsetDateTime,
) -> Result<(String, i64), WebError> {
    let cat = catalogue(store).await?;
    let bag = match input.bag.trim() {
        "" => None,
        serial => {
            let b = store
                .burn_bag(serial)
                .await?
                .ok_or_else(|| bad(format!("bag: no burn bag with serial '{serial}'")))?;
            if let Some(r) = &b.record_id {
                let n = store.destruction_record(r).await?.map_or(0, |r| r.number);
                return Err(bad(format!(
                    "burn bag {} was already destroyed (record D-{n:06}): it cannot be destroyed twice",
                    b.serial
                )));
            }
            Some(b)
        }
    };
    let holding_id = bag.as_ref().map_or_else(
        || input.holding.trim().to_string(),
        |b| b.holding_id.clone(),
    );
    if holding_id.is_empty() {
        return Err(bad("holding: choose what was destroyed"));
    }
    let h = store
        .holding(&holding_id)
        .await?
        .ok_or_else(|| bad(format!("holding: no holding '{holding_id}'")))?;
    let kind = cat
        .kind(&h.kind)
        .ok_or_else(|| bad(format!("holding {}: unknown kind '{}'", h.id, h.kind)))?;
    let quantity = match &bag {
        Some(b) => b.quantity,
        None => {
            let q = parse_quantity("quantity", &input.quantity)?;
            if q == 0 {
                return Err(bad("quantity: a destruction destroys something (above 0)"));
            }
            q
        }
    };
    let method = Method::parse(&input.method).map_err(|e| bad(e.to_string()))?;
    let device = match input.device.trim() {
        "" => None,
        id => Some(engine_device(
            &store
                .destruction_device(id)
                .await?
                .ok_or_else(|| bad(format!("device: no device '{id}'")))?,
        )),
    };
    // What a direct record may take: what is left outside sealed bags.
    let held = if bag.is_some() {
        h.quantity
    } else {
        h.quantity - h.sealed
    };
    if bag.is_none() && h.quantity > 0 && held < quantity && h.sealed > 0 {
        return Err(bad(format!(
            "cannot destroy {quantity} {}: {} of this holding's {} are sealed in burn bags (destroy each bag by its serial)",
            kind.unit.label(),
            h.sealed,
            h.quantity
        )));
    }
    ledger::check_record(
        &cat.matrix,
        &Proposed {
            kind: &kind.slug,
            kind_label: &kind.label,
            unit: kind.unit.label(),
            held,
            quantity,
            method,
            device: device.as_ref(),
        },
    )
    .map_err(|e| bad(e.to_string()))?;
    let id = uuid::Uuid::now_v7().to_string();
    let ev = event(
        actor,
        "destruction.record",
        format!("destruction_record:{id}"),
        format!(
            "{quantity} {} {} by {}{}{}",
            kind.unit.label(),
            kind.slug,
            method.slug(),
            device
                .as_ref()
                .map(|d| format!(" on {}", d.name))
                .unwrap_or_default(),
            bag.as_ref()
                .map(|b| format!(" (bag {})", b.serial))
                .unwrap_or_default()
        ),
        source,
    );
    let number = store
        .record_destruction(
            &NewRecord {
                id: id.clone(),
                holding_id: h.id.clone(),
                kind: kind.slug.clone(),
                quantity,
                method: method.slug().into(),
                device_id: device.map(|d| d.id),
                burn_bag_id: bag.map(|b| b.id),
                operator: actor.to_string(),
                note: text_field("note", &input.note, 300)?,
            },
            &ev,
            now,
        )
        .await?;
    Ok((id, number))
}

/// "D-000042".
pub fn certificate_number(n: i64) -> String {
    format!("D-{n:06}")
}

/// The witness confirms in their own session; the certificate is issued, its SHA-256 goes into
/// the audit log. Returns the hash.
pub async fn witness(
    store: &Store,
    org: &str,
    witness: &str,
    source: &str,
    record_id: &str,
    now: OffsetDateTime,
) -> Result<String, WebError> {
    let r = store
        .destruction_record(record_id)
        .await?
        .ok_or(WebError::NotFound)?;
    ledger::check_witness(
        &r.operator,
        witness,
        r.status != drawdown_storage::destruction::PENDING_WITNESS,
    )
    .map_err(|e| bad(e.to_string()))?;
    let cat = catalogue(store).await?;
    let device = match &r.device_id {
        Some(id) => store.destruction_device(id).await?.map(|d| d.name),
        None => None,
    };
    let bag = match &r.burn_bag_id {
        Some(id) => store.burn_bag(id).await?.map(|b| b.serial),
        None => None,
    };
    let holding = store.holding(&r.holding_id).await?;
    let pdf = certificate_pdf(
        &Certificate {
            org,
            number: &certificate_number(r.number),
            kind: &cat.label(&r.kind),
            quantity: r.quantity,
            unit: cat.unit(&r.kind),
            method: Method::parse(&r.method).map_or(r.method.as_str(), |m| m.label()),
            device: device.as_deref(),
            bag: bag.as_deref(),
            description: holding.as_ref().map_or("", |h| h.description.as_str()),
            classification: holding.as_ref().map_or("", |h| h.classification.as_str()),
            operator: &r.operator,
            destroyed_at: &r.destroyed_at,
            witness,
            witnessed_at: &timestamp(now),
        },
        now,
    );
    let sha = drawdown_documents::sha256_hex(&pdf);
    let ev = event(
        witness,
        "destruction.witness",
        format!("destruction_record:{record_id}"),
        format!("certificate {} sha256={sha}", certificate_number(r.number)),
        source,
    );
    store
        .witness_destruction(record_id, witness, &sha, &pdf, &ev, now)
        .await?;
    Ok(sha)
}

/// What a certificate of destruction states.
pub struct Certificate<'a> {
    pub org: &'a str,
    pub number: &'a str,
    pub kind: &'a str,
    pub quantity: i64,
    pub unit: &'a str,
    pub method: &'a str,
    pub device: Option<&'a str>,
    pub bag: Option<&'a str>,
    pub description: &'a str,
    pub classification: &'a str,
    pub operator: &'a str,
    pub destroyed_at: &'a str,
    pub witness: &'a str,
    pub witnessed_at: &'a str,
}

/// The certificate as a PDF (deterministic: dated when witnessed).
pub fn certificate_pdf(c: &Certificate, at: OffsetDateTime) -> Vec<u8> {
    use drawdown_documents::{Document, PageSize};
    let mut doc = Document::new(
        PageSize::A4,
        &format!("Certificate of destruction {}", c.number),
    );
    let quantity = format!("{} {}", c.quantity, c.unit);
    let mut facts: Vec<(&str, &str)> = vec![
        ("Certificate", c.number),
        ("Post", c.org),
        ("Kind", c.kind),
        ("Description", c.description),
        ("Classification", c.classification),
        ("Quantity", &quantity),
        ("Method", c.method),
    ];
    if let Some(d) = c.device {
        facts.push(("Device", d));
    }
    if let Some(b) = c.bag {
        facts.push(("Burn bag", b));
    }
    facts.extend([
        ("Destroyed by", c.operator),
        ("Destroyed at", c.destroyed_at),
        ("Witnessed by", c.witness),
        ("Witnessed at", c.witnessed_at),
    ]);
    doc.generated_at(at)
        .footer_note("Drawdown · this certificate's SHA-256 is recorded in the post's audit log")
        .heading("Certificate of destruction")
        .paragraph(
            "We certify that the material described below was destroyed completely by the method stated, \
             by the operator named, in the presence of the witness named, who confirmed it in their own session.",
        )
        .key_values(&facts)
        .spacer()
        .paragraph("Two-person rule: the witness is not the operator.");
    doc.finish()
}

/// The PDF summary for the after-action report: what was held, what is left, every record.
pub async fn summary_pdf(store: &Store, now: OffsetDateTime) -> Result<Vec<u8>, WebError> {
    use drawdown_documents::{Document, PageSize};
    let o = overview(store, now).await?;
    let org = org_name(store).await?;
    let start = o.at_start();
    let kinds: Vec<Vec<String>> = o
        .catalogue
        .kinds
        .iter()
        .filter(|k| start.contains_key(&k.slug))
        .map(|k| {
            vec![
                k.priority.to_string(),
                k.label.clone(),
                format!("{} {}", start[&k.slug], k.unit.label()),
                format!(
                    "{} {}",
                    o.remaining.get(&k.slug).copied().unwrap_or(0.0),
                    k.unit.label()
                ),
            ]
        })
        .collect();
    let records: Vec<Vec<String>> = o
        .records
        .iter()
        .rev()
        .map(|r| {
            vec![
                certificate_number(r.number),
                r.destroyed_at
                    .get(..16)
                    .unwrap_or(&r.destroyed_at)
                    .replace('T', " "),
                format!(
                    "{} {} {}",
                    r.quantity,
                    o.catalogue.unit(&r.kind),
                    o.catalogue.label(&r.kind)
                ),
                r.method.replace('_', " "),
                r.operator.clone(),
                r.witness
                    .clone()
                    .unwrap_or_else(|| "awaiting witness".into()),
            ]
        })
        .collect();
    let days = |d: Option<f64>| {
        d.map_or("never at today's capacity".into(), |d| {
            format!("{d:.1} days")
        })
    };
    let mut doc = Document::new(PageSize::A4, "Destruction summary");
    doc.generated_at(now)
        .footer_note("Drawdown · destruction summary for the after-action report")
        .heading(&format!("Destruction summary — {org}"))
        .key_values(&[
            ("Holdings", o.holdings.len().to_string()),
            ("Records", o.records.len().to_string()),
            (
                "Emergency level",
                format!(
                    "priority up to {}: {}",
                    o.settings.emergency_priority,
                    days(o.plan.days_to_target)
                ),
            ),
            ("Zero", days(o.plan.days_to_zero)),
        ])
        .subheading("What was held and what is left")
        .table(&["Priority", "Kind", "At start", "Left"], &kinds)
        .subheading("Witnessed records")
        .table(
            &[
                "Certificate",
                "When (UTC)",
                "What",
                "Method",
                "Operator",
                "Witness",
            ],
            &records,
        );
    Ok(doc.finish())
}

/// The ledger's columns: a holding's, then a record's.
const LEDGER_COLUMNS: [&str; 19] = [
    "section",
    "id",
    "kind",
    "description",
    "quantity",
    "unit",
    "initial_quantity",
    "classification",
    "location",
    "custodian",
    "priority",
    "method",
    "device",
    "burn_bag",
    "operator",
    "destroyed_at",
    "witness",
    "witnessed_at",
    "status",
];

/// The ledger for the after-action report: holdings, then records, as one CSV. Cells that a
/// spreadsheet would evaluate are neutralised.
pub async fn ledger_csv(store: &Store, now: OffsetDateTime) -> Result<String, WebError> {
    let o = overview(store, now).await?;
    let holdings = o.holdings.iter().map(|h| {
        [
            "holding".to_string(),
            h.id.clone(),
            h.kind.clone(),
            h.description.clone(),
            h.quantity.to_string(),
            o.catalogue.unit(&h.kind).to_string(),
            h.initial_quantity.to_string(),
            h.classification.clone(),
            h.location.clone(),
            h.custodian.clone(),
            h.priority.to_string(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]
    });
    let records = o.records.iter().rev().map(|r| {
        [
            "record".to_string(),
            certificate_number(r.number),
            r.kind.clone(),
            r.note.clone(),
            r.quantity.to_string(),
            o.catalogue.unit(&r.kind).to_string(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            r.method.clone(),
            o.record_device(r),
            o.record_bag(r),
            r.operator.clone(),
            r.destroyed_at.clone(),
            r.witness.clone().unwrap_or_default(),
            r.witnessed_at.clone().unwrap_or_default(),
            r.status.clone(),
        ]
    });
    Ok(crate::export::csv(&LEDGER_COLUMNS, holdings.chain(records)))
}

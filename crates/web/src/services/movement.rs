//! Movement: departures, planning manifests from the registry, the manifest editor's moves and
//! the manifests' exports. Shared by the pages, the API and the command line.

use crate::WebError;
use drawdown_domain::audit::AuditEvent;
use drawdown_storage::Store;
use drawdown_storage::movement::{DEPARTURE_STATUSES, DepartureRecord, MANIFEST_STATES};
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

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Seat use and people manifested per day and tier, as bar tables (readable without colour).
pub fn charts(
    deps: &[DepartureRecord],
    entries: &[drawdown_storage::movement::ManifestEntry],
) -> String {
    use std::collections::BTreeMap;
    if deps.is_empty() {
        return String::new();
    }
    let day_of: std::collections::HashMap<&str, &str> = deps
        .iter()
        .map(|d| (d.id.as_str(), d.departs_at.get(..10).unwrap_or("")))
        .collect();
    let mut seats: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for d in deps.iter().filter(|d| d.status != "cancelled") {
        seats
            .entry(d.departs_at.get(..10).unwrap_or(""))
            .or_default()
            .0 += d.seats;
    }
    let mut people: BTreeMap<&str, [i64; 5]> = BTreeMap::new();
    for e in entries {
        let Some(day) = day_of.get(e.departure_id.as_str()) else {
            continue;
        };
        seats.entry(day).or_default().1 += e.seats;
        let tier = (e.priority.clamp(1, 5) - 1) as usize;
        people.entry(day).or_default()[tier] += e.people;
    }
    let mut out = String::from(
        "<div class=\"cols movement-charts\"><section aria-labelledby=\"h-seat-use\"><h2 id=\"h-seat-use\">Seat use per day</h2>\
         <table class=\"bars\"><thead><tr><th scope=\"col\">Day</th><th scope=\"col\" class=\"num\">Taken / seats</th><th scope=\"col\">Use</th></tr></thead><tbody>",
    );
    for (day, (total, taken)) in &seats {
        let pct = if *total > 0 { taken * 100 / total } else { 0 };
        out.push_str(&format!(
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{taken} / {total}</td><td class=\"bar\"><progress max=\"100\" value=\"{pct}\" aria-label=\"{pct} % of seats on {}\">{pct} %</progress></td></tr>",
            escape(day),
            escape(day)
        ));
    }
    out.push_str("</tbody></table></section><section aria-labelledby=\"h-moved\"><h2 id=\"h-moved\">People manifested per day and tier</h2>\
        <table class=\"sortable\"><thead><tr><th scope=\"col\">Day</th><th scope=\"col\" class=\"num\">Tier 1</th><th scope=\"col\" class=\"num\">2</th><th scope=\"col\" class=\"num\">3</th><th scope=\"col\" class=\"num\">4</th><th scope=\"col\" class=\"num\">5</th><th scope=\"col\" class=\"num\">All</th></tr></thead><tbody>");
    for (day, tiers) in &people {
        out.push_str(&format!("<tr><th scope=\"row\">{}</th>", escape(day)));
        for n in tiers {
            out.push_str(&format!("<td class=\"num\">{n}</td>"));
        }
        out.push_str(&format!(
            "<td class=\"num\">{}</td></tr>",
            tiers.iter().sum::<i64>()
        ));
    }
    out.push_str("</tbody></table></section></div>");
    out
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
    fn a_missing_column_is_named() {
        let errs = read_departures_csv(b"id,when\nA,B\n", now()).expect_err("refused");
        assert!(errs[0].contains("departs_at, seats"), "{errs:?}");
    }
}

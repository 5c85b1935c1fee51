//! `drawdown plan`: the manifest planner on files alone, without a database (issue 6), and
//! `drawdown bench plan`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Args;
use drawdown_planner::{Departure, Household, Instance, LeftReason, Options, Params, Plan, Row};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, PrimitiveDateTime};

const PLAN_AFTER: &str = "Files (CSV with a header row; columns in any order):
  households.csv   household_id,size,priority,ready_at,deadline
                   size: seats the household needs; priority: 1 (highest) … 5;
                   ready_at, deadline: optional (empty = ready now / no deadline)
  departures.csv   departure_id,departs_at,seats

Times are whole hours from the start of the plan (0, 6, 36) or ISO 8601 times
(2021-08-15T06:00:00Z). With ISO times the plan starts at --start, or else at the hour of the
earliest departure. A household may board a departure at time t when ready_at <= t < deadline.

The rules: households are never split; seats are never exceeded; the gate passes at most
--gate-per-hour people in each hour (hours counted from the start); passed people wait in a
holding area of at most --holding people at the end of each hour (empty at the start) until
their departure leaves; people passed in an hour may board a departure in that same hour. A
departure that carries nobody is not flown; one that carries anyone costs --flight-cost per seat.
The planner maximises Σ weight(priority) × size of the moved households − the flight costs,
and prints an upper bound on what any plan could reach, and the gap to it.

Example:
  drawdown plan --households households.csv --departures departures.csv \\
      --gate-per-hour 900 --holding 2000 --flight-cost 1 --out assignments.csv --left left.csv";

#[derive(Args)]
#[command(after_help = PLAN_AFTER)]
pub struct PlanArgs {
    /// households.csv: household_id,size,priority,ready_at,deadline.
    #[arg(long)]
    households: PathBuf,
    /// departures.csv: departure_id,departs_at,seats.
    #[arg(long)]
    departures: PathBuf,
    /// People the gate passes in each hour.
    #[arg(long)]
    gate_per_hour: u32,
    /// People the holding area takes (counted at the end of each hour).
    #[arg(long)]
    holding: u32,
    /// Value of one seat by priority, e.g. 1=20,2=10,3=6,4=4,5=2 (tiers not named keep these).
    #[arg(long, default_value = "1=20,2=10,3=6,4=4,5=2")]
    weights: String,
    /// Cost per seat of each departure flown (one that carries anyone).
    #[arg(long, default_value_t = 0.0)]
    flight_cost: f64,
    /// Where to write household_id,departure_id for each moved household.
    #[arg(long)]
    out: PathBuf,
    /// Also write household_id,reason for each household left behind.
    #[arg(long)]
    left: Option<PathBuf>,
    /// The start of the plan, for ISO 8601 times (default: the hour of the earliest departure).
    #[arg(long)]
    start: Option<String>,
    /// Seconds the planner may spend improving the plan.
    #[arg(long, default_value_t = 4.0)]
    time_limit: f64,
    /// Run only the plain priority-first greedy (the baseline).
    #[arg(long)]
    greedy: bool,
}

/// `drawdown bench plan`.
#[derive(Args)]
pub struct BenchArgs {
    /// Instance sizes in people (comma-separated).
    #[arg(long, default_value = "1000,10000,120000", value_delimiter = ',')]
    people: Vec<usize>,
    /// Seed of the generated instances.
    #[arg(long, default_value_t = crate::plan_bench::SEED)]
    seed: u64,
    /// Cost per seat of each departure flown.
    #[arg(long, default_value_t = 1.0)]
    flight_cost: f64,
    /// Seconds the planner may spend.
    #[arg(long, default_value_t = 4.0)]
    time_limit: f64,
    /// Skip HiGHS (PyPI highspy, installed into a venv under the target directory on first use).
    #[arg(long)]
    no_highs: bool,
    /// Seconds HiGHS may spend on each instance.
    #[arg(long, default_value_t = 60.0)]
    highs_time_limit: f64,
}

pub fn plan(args: &PlanArgs) -> Result<()> {
    let weights = parse_weights(&args.weights)?;
    let households = read_csv(&args.households)?;
    let departures = read_csv(&args.departures)?;
    let start = match &args.start {
        Some(s) => Some(parse_iso(s).with_context(|| format!("--start {s}"))?),
        None => None,
    };
    let inst = build_instance(
        &households,
        &departures,
        start,
        Params {
            gate_per_hour: args.gate_per_hour,
            holding: args.holding,
            weights,
            flight_cost: args.flight_cost,
        },
    )?;
    if let Err(errors) = drawdown_planner::validate(&inst) {
        let mut msg = format!("{} problem(s) in the input, nothing planned:", errors.len());
        for e in errors.iter().take(50) {
            let _ = write!(
                msg,
                "\n  {}",
                located(e, &args.households, &args.departures)
            );
        }
        if errors.len() > 50 {
            let _ = write!(msg, "\n  … and {} more", errors.len() - 50);
        }
        bail!(msg);
    }
    if !args.time_limit.is_finite() || args.time_limit < 0.0 {
        bail!("--time-limit must be a number of seconds ≥ 0");
    }
    let opts = Options {
        time_limit: Duration::from_secs_f64(args.time_limit),
        method: if args.greedy {
            drawdown_planner::Method::Greedy
        } else {
            drawdown_planner::Method::Best
        },
    };
    let plan = drawdown_planner::plan(&inst, &opts);
    write_assignments(&args.out, &inst, &plan)?;
    if let Some(path) = &args.left {
        write_left(path, &inst, &plan)?;
    }
    print!("{}", summary(&inst, &plan));
    Ok(())
}

/// An input error with its file and line (the header is line 1).
fn located(e: &drawdown_planner::InputError, households: &Path, departures: &Path) -> String {
    match e.row {
        Row::Household(i) => format!(
            "{} line {}: household {}: {}",
            households.display(),
            i + 2,
            e.id,
            e.reason
        ),
        Row::Departure(i) => format!(
            "{} line {}: departure {}: {}",
            departures.display(),
            i + 2,
            e.id,
            e.reason
        ),
        Row::Params => format!("{}: {}", e.id, e.reason),
    }
}

/// What the command prints: people moved by priority, objective, bound, gap, who is left.
pub fn summary(inst: &Instance, plan: &Plan) -> String {
    let mut out = String::new();
    let total_people: u64 = inst.households.iter().map(|h| u64::from(h.people)).sum();
    let _ = writeln!(out, "priority  households moved  people moved  of people");
    for p in 1..=5u8 {
        let all: u64 = inst
            .households
            .iter()
            .filter(|h| h.priority == p)
            .map(|h| u64::from(h.people))
            .sum();
        let m = plan.stats.moved[usize::from(p - 1)];
        let _ = writeln!(
            out,
            "{p:>8}  {:>16}  {:>12}  {:>9}",
            group(m.households as u64),
            group(m.people),
            group(all)
        );
    }
    let moved: u64 = plan.stats.moved.iter().map(|m| m.people).sum();
    let _ = writeln!(
        out,
        "{:>8}  {:>16}  {:>12}  {:>9}",
        "all",
        group(plan.stats.moved.iter().map(|m| m.households as u64).sum()),
        group(moved),
        group(total_people)
    );
    let _ = writeln!(
        out,
        "departures flown: {} of {}",
        plan.stats.flown,
        inst.departures.len()
    );
    let _ = writeln!(out, "objective:   {:.1}", plan.objective);
    let _ = writeln!(out, "upper bound: {:.1}", plan.bound);
    let _ = writeln!(out, "gap:         {:.3} %", plan.gap() * 100.0);
    if plan.stats.had_previous > 0 {
        let _ = writeln!(
            out,
            "changed from the previous plan: {} of {} households",
            plan.stats.changed, plan.stats.had_previous
        );
    }
    let _ = writeln!(
        out,
        "time:        {:.2} s",
        plan.stats.elapsed.as_secs_f64()
    );
    if plan.left.is_empty() {
        let _ = writeln!(out, "everyone moved");
    } else {
        let mut by_reason: Vec<(LeftReason, Vec<&str>)> = Vec::new();
        for (i, r) in &plan.left {
            match by_reason.iter_mut().find(|(x, _)| x == r) {
                Some((_, ids)) => ids.push(&inst.households[*i].id),
                None => by_reason.push((*r, vec![&inst.households[*i].id])),
            }
        }
        let _ = writeln!(out, "left behind: {} households", plan.left.len());
        for (r, ids) in by_reason {
            let shown: Vec<&str> = ids.iter().take(8).copied().collect();
            let more = if ids.len() > 8 {
                format!(", … {} more", ids.len() - 8)
            } else {
                String::new()
            };
            let _ = writeln!(out, "  {r} ({}): {}{more}", ids.len(), shown.join(", "));
        }
    }
    out
}

fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn write_assignments(path: &Path, inst: &Instance, plan: &Plan) -> Result<()> {
    let mut w = csv::Writer::from_path(path).with_context(|| format!("{}", path.display()))?;
    w.write_record(["household_id", "departure_id"])?;
    for (i, a) in plan.assignment.iter().enumerate() {
        if let Some(d) = a {
            w.write_record([&inst.households[i].id, &inst.departures[*d].id])?;
        }
    }
    w.flush()?;
    Ok(())
}

fn write_left(path: &Path, inst: &Instance, plan: &Plan) -> Result<()> {
    let mut w = csv::Writer::from_path(path).with_context(|| format!("{}", path.display()))?;
    w.write_record(["household_id", "reason"])?;
    for (i, r) in &plan.left {
        w.write_record([inst.households[*i].id.as_str(), r.as_str()])?;
    }
    w.flush()?;
    Ok(())
}

/// `1=20,2=10`: the tiers named replace the defaults.
fn parse_weights(s: &str) -> Result<[f64; 5]> {
    let mut w = drawdown_planner::DEFAULT_WEIGHTS;
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part
            .split_once('=')
            .with_context(|| format!("--weights: {part:?} is not PRIORITY=WEIGHT"))?;
        let k: usize = k
            .trim()
            .parse()
            .ok()
            .filter(|k| (1..=5).contains(k))
            .with_context(|| format!("--weights: unknown priority {k:?} (1 … 5)"))?;
        let v: f64 = v
            .trim()
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && *v >= 0.0)
            .with_context(|| {
                format!("--weights: weight {v:?} of priority {k} is not a number ≥ 0")
            })?;
        w[k - 1] = v;
    }
    Ok(w)
}

/// A CSV file as rows of named fields (header names lower-cased and trimmed).
struct Table {
    path: PathBuf,
    header: HashMap<String, usize>,
    rows: Vec<csv::StringRecord>,
}

impl Table {
    fn col(&self, name: &str) -> Result<usize> {
        self.header
            .get(name)
            .copied()
            .with_context(|| format!("{}: no column {name:?} in the header", self.path.display()))
    }
}

fn read_csv(path: &Path) -> Result<Table> {
    let mut r = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let header = r
        .headers()
        .with_context(|| format!("{}: no header row", path.display()))?
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim_start_matches('\u{feff}').to_lowercase(), i))
        .collect();
    let mut rows = Vec::new();
    for (i, rec) in r.records().enumerate() {
        rows.push(rec.with_context(|| format!("{} line {}", path.display(), i + 2))?);
    }
    Ok(Table {
        path: path.to_path_buf(),
        header,
        rows,
    })
}

/// A time field: whole hours from the start, or ISO 8601.
enum When {
    Hours(i64),
    At(OffsetDateTime),
}

fn parse_when(s: &str) -> Option<When> {
    if let Ok(h) = s.parse::<i64>() {
        return Some(When::Hours(h));
    }
    parse_iso(s).ok().map(When::At)
}

fn parse_iso(s: &str) -> Result<OffsetDateTime> {
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    // Without an offset: UTC.
    let fmts = [
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]"),
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"),
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]"),
    ];
    for f in fmts {
        if let Ok(t) = PrimitiveDateTime::parse(s, f) {
            return Ok(t.assume_utc());
        }
    }
    bail!("{s:?} is neither whole hours nor an ISO 8601 time")
}

fn build_instance(
    households: &Table,
    departures: &Table,
    start: Option<OffsetDateTime>,
    params: Params,
) -> Result<Instance> {
    let mut errors: Vec<String> = Vec::new();
    let field = |t: &Table, rec: &csv::StringRecord, col: Option<usize>| -> String {
        let _ = t;
        col.and_then(|c| rec.get(c)).unwrap_or("").to_string()
    };
    // Departures first: ISO times need the start, the earliest departure's hour by default.
    let d_id = departures.col("departure_id")?;
    let d_at = departures.col("departs_at")?;
    let d_seats = departures.col("seats")?;
    let h_id = households.col("household_id")?;
    let h_size = households.col("size")?;
    let h_prio = households.col("priority")?;
    let h_ready = households.header.get("ready_at").copied();
    let h_deadline = households.header.get("deadline").copied();

    let mut dep_when = Vec::new();
    for (i, rec) in departures.rows.iter().enumerate() {
        let at = field(departures, rec, Some(d_at));
        match parse_when(&at) {
            Some(w) => dep_when.push(Some(w)),
            None => {
                errors.push(format!(
                    "{} line {}: departs_at {at:?} is neither whole hours nor an ISO 8601 time",
                    departures.path.display(),
                    i + 2
                ));
                dep_when.push(None);
            }
        }
    }
    let start = start.or_else(|| {
        dep_when
            .iter()
            .filter_map(|w| match w {
                Some(When::At(t)) => Some(*t),
                _ => None,
            })
            .min()
            .map(|t| {
                let t = t.to_offset(time::UtcOffset::UTC);
                t.replace_minute(0)
                    .and_then(|t| t.replace_second(0))
                    .and_then(|t| t.replace_nanosecond(0))
                    .unwrap_or(t)
            })
    });
    let minutes = |w: &When| -> Option<i64> {
        match w {
            When::Hours(h) => h.checked_mul(60),
            When::At(t) => start.map(|s| (*t - s).whole_minutes()),
        }
    };
    let mut deps = Vec::new();
    for (i, rec) in departures.rows.iter().enumerate() {
        let line = format!("{} line {}", departures.path.display(), i + 2);
        let seats_s = field(departures, rec, Some(d_seats));
        let seats = match seats_s.parse::<i64>() {
            Ok(s) if s < 0 => {
                errors.push(format!("{line}: negative seats ({s})"));
                0
            }
            Ok(s) if s > i64::from(u32::MAX) => {
                errors.push(format!("{line}: {s} seats is not a departure"));
                0
            }
            Ok(s) => s as u32,
            Err(_) => {
                errors.push(format!("{line}: seats {seats_s:?} is not a whole number"));
                0
            }
        };
        let at = dep_when[i].as_ref().and_then(minutes).unwrap_or(0);
        deps.push(Departure {
            id: field(departures, rec, Some(d_id)),
            departs_at: at,
            seats,
        });
    }
    let mut hhs = Vec::new();
    for (i, rec) in households.rows.iter().enumerate() {
        let line = format!("{} line {}", households.path.display(), i + 2);
        let size_s = field(households, rec, Some(h_size));
        let size = match size_s.parse::<i64>() {
            Ok(s) if s >= 1 && s <= i64::from(u32::MAX) => s as u32,
            _ => {
                errors.push(format!("{line}: size {size_s:?} is not a whole number ≥ 1"));
                1
            }
        };
        let prio_s = field(households, rec, Some(h_prio));
        let priority = match prio_s.parse::<u8>() {
            Ok(p) if (1..=5).contains(&p) => p,
            _ => {
                errors.push(format!(
                    "{line}: unknown priority {prio_s:?} (1 highest … 5)"
                ));
                5
            }
        };
        let mut time = |name: &str, col: Option<usize>| -> Option<i64> {
            let s = field(households, rec, col);
            if s.is_empty() {
                return None;
            }
            match parse_when(&s) {
                Some(w) => match minutes(&w) {
                    Some(m) => Some(m),
                    None => {
                        errors.push(format!(
                            "{line}: {name} {s:?} is an ISO time but no departure has one: give --start"
                        ));
                        None
                    }
                },
                None => {
                    errors.push(format!(
                        "{line}: {name} {s:?} is neither whole hours nor an ISO 8601 time"
                    ));
                    None
                }
            }
        };
        let ready_at = time("ready_at", h_ready);
        let deadline = time("deadline", h_deadline);
        hhs.push(Household {
            id: field(households, rec, Some(h_id)),
            seats: size,
            people: size,
            priority,
            ready_at,
            deadline,
            pinned: None,
            previous: None,
        });
    }
    if !errors.is_empty() {
        let n = errors.len();
        let mut msg = format!("{n} problem(s) in the input, nothing planned:");
        for e in errors.iter().take(50) {
            let _ = write!(msg, "\n  {e}");
        }
        if n > 50 {
            let _ = write!(msg, "\n  … and {} more", n - 50);
        }
        bail!(msg);
    }
    Ok(Instance {
        households: hhs,
        departures: deps,
        params,
    })
}

pub fn bench(args: &BenchArgs) -> Result<()> {
    crate::plan_bench::run(
        &args.people,
        args.seed,
        args.flight_cost,
        Duration::from_secs_f64(args.time_limit.max(0.0)),
        (!args.no_highs).then(|| Duration::from_secs_f64(args.highs_time_limit.max(1.0))),
    )
}

//! The manifest planner: households onto departures, with a bound. Pure: no I/O.
//!
//! The model (docs/planner.md): a household boards one departure or none, never split; it may
//! board departure d when `ready_at <= departs_at < deadline`; seats are never exceeded; the gate
//! processes at most `gate_per_hour` people in each hour (hour = floor(minutes / 60)), and
//! processed people wait in holding (at most `holding` people at the end of each hour, empty at
//! the start) until their departure leaves; people processed in an hour may board a departure
//! in that same hour. A departure carrying nobody is not flown; a flown one costs
//! `flight_cost × seats`. Objective: Σ weight(priority) × seats of moved households − the cost of
//! the flown departures.
#![forbid(unsafe_code)]

mod bound;
mod gate;
pub mod generate;
mod greedy;
mod improve;

use std::fmt;
use std::time::{Duration, Instant};

pub use gate::Gate;

/// A household to move: it needs `seats` seats and counts `people` at the gate.
#[derive(Clone, Debug, PartialEq)]
pub struct Household {
    pub id: String,
    /// Seats the household needs.
    pub seats: u32,
    /// People, lap infants included (they take no seat but pass the gate).
    pub people: u32,
    /// 1 highest ..= 5.
    pub priority: u8,
    /// Minutes from the plan start; None: ready now.
    pub ready_at: Option<i64>,
    /// Minutes from the plan start; None: no deadline.
    pub deadline: Option<i64>,
    /// A departure index a person pinned: a hard constraint.
    pub pinned: Option<usize>,
    /// The departure in the last plan: kept when possible.
    pub previous: Option<usize>,
}

/// A flight or convoy.
#[derive(Clone, Debug, PartialEq)]
pub struct Departure {
    pub id: String,
    /// Minutes from the plan start.
    pub departs_at: i64,
    pub seats: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// People the gate processes in each hour.
    pub gate_per_hour: u32,
    /// People the holding area takes at the end of each hour.
    pub holding: u32,
    /// Value of one seat of a moved household, by priority 1..=5.
    pub weights: [f64; 5],
    /// Cost of flying one seat of a departure that carries anyone.
    pub flight_cost: f64,
}

/// The default weights: 1=20, 2=10, 3=6, 4=4, 5=2.
pub const DEFAULT_WEIGHTS: [f64; 5] = [20.0, 10.0, 6.0, 4.0, 2.0];

impl Default for Params {
    fn default() -> Self {
        Params {
            gate_per_hour: 0,
            holding: 0,
            weights: DEFAULT_WEIGHTS,
            flight_cost: 0.0,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Instance {
    pub households: Vec<Household>,
    pub departures: Vec<Departure>,
    pub params: Params,
}

/// Where a bad input is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Row {
    /// Index into `households` (the CLI adds the file's line).
    Household(usize),
    Departure(usize),
    Params,
}

/// One reason the input cannot be planned, naming the row and the id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    pub row: Row,
    pub id: String,
    pub reason: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.row {
            Row::Household(i) => {
                write!(f, "household {} (row {}): {}", self.id, i + 1, self.reason)
            }
            Row::Departure(i) => {
                write!(f, "departure {} (row {}): {}", self.id, i + 1, self.reason)
            }
            Row::Params => write!(f, "{}: {}", self.id, self.reason),
        }
    }
}

/// Why a household stays behind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LeftReason {
    /// Ready only after the last departure.
    NotReadyBeforeLastDeparture,
    /// No departure between readiness and deadline at all.
    NoDepartureInWindow,
    /// Departures in the window are full.
    NoSeatBeforeDeadline,
    /// Seats are left in the window, but the gate or the holding area cannot pass the household.
    GateOrHoldingCapacity,
    /// Its only possible departures are not worth flying for it (flight cost above its value).
    NotWorthAFlight,
}

impl LeftReason {
    pub fn as_str(self) -> &'static str {
        match self {
            LeftReason::NotReadyBeforeLastDeparture => "not ready before the last departure",
            LeftReason::NoDepartureInWindow => "no departure between readiness and deadline",
            LeftReason::NoSeatBeforeDeadline => "no seat before the deadline",
            LeftReason::GateOrHoldingCapacity => "gate or holding capacity",
            LeftReason::NotWorthAFlight => "not worth a flight at this flight cost",
        }
    }
}

impl fmt::Display for LeftReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Households, people and seats moved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Moved {
    pub households: usize,
    pub people: u64,
    pub seats: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Plain priority-first greedy (the baseline the benchmark compares with).
    Greedy,
    /// Bound-guided construction, then local search until the time limit.
    Best,
}

#[derive(Clone, Debug)]
pub struct Options {
    /// Stop improving after this long (a feasible plan is ready long before).
    pub time_limit: Duration,
    pub method: Method,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            time_limit: Duration::from_secs(4),
            method: Method::Best,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Stats {
    /// By priority 1..=5.
    pub moved: [Moved; 5],
    /// Departures carrying anyone.
    pub flown: usize,
    /// Households whose `previous` departure differs from their new one (left behind included).
    pub changed: usize,
    /// Households that had a `previous` departure.
    pub had_previous: usize,
    pub elapsed: Duration,
    /// Each better plan as it was found: when, and its objective (the last is the plan's).
    pub progress: Vec<(Duration, f64)>,
}

#[derive(Clone, Debug)]
pub struct Plan {
    /// Per household: the departure index, or None (left).
    pub assignment: Vec<Option<usize>>,
    pub objective: f64,
    /// An upper bound on the best possible objective (the LP relaxation over classes).
    pub bound: f64,
    /// Households left behind and why.
    pub left: Vec<(usize, LeftReason)>,
    pub stats: Stats,
}

impl Plan {
    /// (bound − objective) / |bound|, 0 when both are 0.
    pub fn gap(&self) -> f64 {
        gap(self.objective, self.bound)
    }
}

pub fn gap(objective: f64, bound: f64) -> f64 {
    if bound.abs() < 1e-9 {
        if objective.abs() < 1e-9 {
            0.0
        } else {
            f64::INFINITY
        }
    } else {
        ((bound - objective) / bound.abs()).max(0.0)
    }
}

/// Check the input; every problem found, each naming its row.
pub fn validate(inst: &Instance) -> Result<(), Vec<InputError>> {
    let mut errors = Vec::new();
    let p = &inst.params;
    let mut param = |id: &str, reason: String| {
        errors.push(InputError {
            row: Row::Params,
            id: id.into(),
            reason,
        })
    };
    for (i, w) in p.weights.iter().enumerate() {
        if !w.is_finite() || *w < 0.0 {
            param(
                "weights",
                format!("weight of priority {} must be ≥ 0, got {w}", i + 1),
            );
        }
    }
    if !p.flight_cost.is_finite() || p.flight_cost < 0.0 {
        param("flight cost", format!("must be ≥ 0, got {}", p.flight_cost));
    }
    let mut seen = std::collections::HashMap::new();
    let max_seats = inst.departures.iter().map(|d| d.seats).max().unwrap_or(0);
    for (i, d) in inst.departures.iter().enumerate() {
        let mut err = |reason: String| {
            errors.push(InputError {
                row: Row::Departure(i),
                id: d.id.clone(),
                reason,
            })
        };
        if d.id.trim().is_empty() {
            err("empty departure id".into());
        } else if let Some(first) = seen.insert(d.id.as_str(), i) {
            err(format!(
                "duplicate departure id (first on row {})",
                first + 1
            ));
        }
        if d.departs_at < 0 {
            err("departs before the start of the plan".into());
        }
    }
    let mut seen = std::collections::HashMap::new();
    let mut pinned_seats = vec![0u64; inst.departures.len()];
    for (i, h) in inst.households.iter().enumerate() {
        let mut err = |reason: String| {
            errors.push(InputError {
                row: Row::Household(i),
                id: h.id.clone(),
                reason,
            })
        };
        if h.id.trim().is_empty() {
            err("empty household id".into());
        } else if let Some(first) = seen.insert(h.id.as_str(), i) {
            err(format!(
                "duplicate household id (first on row {})",
                first + 1
            ));
        }
        if !(1..=5).contains(&h.priority) {
            err(format!("unknown priority {} (1 highest … 5)", h.priority));
        }
        if h.seats == 0 {
            err("a household needs at least one seat".into());
        }
        if h.people < h.seats {
            err(format!("{} people cannot fill {} seats", h.people, h.seats));
        }
        // With no departures at all nobody is too big: everyone is simply left.
        if h.seats > max_seats && !inst.departures.is_empty() {
            err(format!(
                "needs {} seats, more than any departure has ({max_seats})",
                h.seats
            ));
        }
        if let (Some(r), Some(d)) = (h.ready_at, h.deadline)
            && d <= r
        {
            err("deadline is not after readiness".into());
        }
        for (what, dep) in [("pinned", h.pinned), ("previous", h.previous)] {
            if let Some(d) = dep
                && d >= inst.departures.len()
            {
                err(format!("{what} departure {d} does not exist"));
            }
        }
        if let Some(d) = h.pinned
            && d < inst.departures.len()
        {
            pinned_seats[d] += u64::from(h.seats);
        }
    }
    for (d, &s) in pinned_seats.iter().enumerate() {
        if s > u64::from(inst.departures[d].seats) {
            errors.push(InputError {
                row: Row::Departure(d),
                id: inst.departures[d].id.clone(),
                reason: format!(
                    "households pinned to it need {s} seats; it has {}",
                    inst.departures[d].seats
                ),
            });
        }
    }
    if errors.is_empty() {
        // The pins alone must pass the gate and the holding area.
        let model = Model::new(inst);
        let mut gate = model.empty_gate();
        for (i, h) in inst.households.iter().enumerate() {
            if let Some(d) = h.pinned {
                gate.add(model.dep_hour[d], u64::from(h.people));
                let _ = i;
            }
        }
        if !gate.feasible() {
            errors.push(InputError {
                row: Row::Params,
                id: "pinned households".into(),
                reason: "the gate and holding area cannot pass the pinned households alone".into(),
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Plan the instance. Call `validate` first: an invalid instance panics or plans nonsense.
pub fn plan(inst: &Instance, opts: &Options) -> Plan {
    let started = Instant::now();
    let model = Model::new(inst);
    let bound = bound::upper_bound(&model);
    let (assignment, progress) = match opts.method {
        Method::Greedy => {
            let a = greedy::greedy(&model);
            let v = model.objective(&a);
            (a, vec![(started.elapsed(), v)])
        }
        Method::Best => improve::best(&model, bound.as_ref(), started, opts.time_limit),
    };
    let mut plan = finish(&model, assignment, bound.map(|b| b.value), started);
    plan.stats.progress = progress;
    plan
}

/// Score and explain an assignment (also used to check one made by hand).
pub fn evaluate(inst: &Instance, assignment: &[Option<usize>]) -> Result<f64, String> {
    let model = Model::new(inst);
    model.check(assignment)?;
    Ok(model.objective(assignment))
}

fn finish(
    model: &Model,
    assignment: Vec<Option<usize>>,
    bound: Option<f64>,
    started: Instant,
) -> Plan {
    debug_assert!(
        model.check(&assignment).is_ok(),
        "{:?}",
        model.check(&assignment)
    );
    let objective = model.objective(&assignment);
    let left = model.left_reasons(&assignment);
    let mut moved = [Moved::default(); 5];
    let mut flown = vec![false; model.deps.len()];
    let mut changed = 0;
    let mut had_previous = 0;
    for (i, h) in model.inst.households.iter().enumerate() {
        if let Some(d) = assignment[i] {
            let m = &mut moved[usize::from(h.priority - 1)];
            m.households += 1;
            m.people += u64::from(h.people);
            m.seats += u64::from(h.seats);
            flown[d] = true;
        }
        if h.previous.is_some() {
            had_previous += 1;
            if h.previous != assignment[i] {
                changed += 1;
            }
        }
    }
    // The bound of a plan with pins can sit below the greedy only through rounding: keep it honest.
    let bound = bound.unwrap_or(f64::INFINITY).max(objective);
    Plan {
        assignment,
        objective,
        bound,
        left,
        stats: Stats {
            moved,
            flown: flown.iter().filter(|f| **f).count(),
            changed,
            had_previous,
            elapsed: started.elapsed(),
            progress: Vec::new(),
        },
    }
}

/// The instance with what every algorithm needs precomputed: hours, departures in time order,
/// each household's window as a range of that order.
pub(crate) struct Model<'a> {
    pub inst: &'a Instance,
    /// Departure indices sorted by time.
    pub deps: Vec<usize>,
    /// Position of each departure in `deps`.
    pub pos: Vec<usize>,
    /// Hour of each departure (by departure index).
    pub dep_hour: Vec<usize>,
    pub hours: usize,
    /// Per household: the window [lo, hi) in `deps` positions.
    pub window: Vec<(usize, usize)>,
    /// Value of a household if moved: weight × seats.
    pub value: Vec<f64>,
}

impl<'a> Model<'a> {
    pub fn new(inst: &'a Instance) -> Model<'a> {
        let mut deps: Vec<usize> = (0..inst.departures.len()).collect();
        deps.sort_by_key(|&d| (inst.departures[d].departs_at, d));
        let mut pos = vec![0; deps.len()];
        for (p, &d) in deps.iter().enumerate() {
            pos[d] = p;
        }
        let dep_hour: Vec<usize> = inst
            .departures
            .iter()
            .map(|d| d.departs_at.max(0).div_euclid(60) as usize)
            .collect();
        let hours = dep_hour.iter().max().map_or(0, |h| h + 1);
        let times: Vec<i64> = deps
            .iter()
            .map(|&d| inst.departures[d].departs_at)
            .collect();
        let window = inst
            .households
            .iter()
            .map(|h| {
                let lo = h.ready_at.map_or(0, |r| times.partition_point(|&t| t < r));
                let hi = h
                    .deadline
                    .map_or(times.len(), |d| times.partition_point(|&t| t < d));
                (lo, hi.max(lo))
            })
            .collect();
        let value = inst
            .households
            .iter()
            .map(|h| weight(&inst.params, h.priority) * f64::from(h.seats))
            .collect();
        Model {
            inst,
            deps,
            pos,
            dep_hour,
            hours,
            window,
            value,
        }
    }

    pub fn empty_gate(&self) -> Gate {
        Gate::new(
            self.hours,
            u64::from(self.inst.params.gate_per_hour),
            u64::from(self.inst.params.holding),
        )
    }

    /// May household h board departure d (window or pin)?
    pub fn allowed(&self, h: usize, d: usize) -> bool {
        if let Some(p) = self.inst.households[h].pinned {
            return p == d;
        }
        let (lo, hi) = self.window[h];
        (lo..hi).contains(&self.pos[d])
    }

    /// Every rule, on an assignment.
    pub fn check(&self, assignment: &[Option<usize>]) -> Result<(), String> {
        let inst = self.inst;
        if assignment.len() != inst.households.len() {
            return Err("assignment length differs from households".into());
        }
        let mut seats = vec![0u64; inst.departures.len()];
        let mut gate = self.empty_gate();
        for (i, a) in assignment.iter().enumerate() {
            let h = &inst.households[i];
            if let Some(p) = h.pinned
                && *a != Some(p)
            {
                return Err(format!("household {} is pinned to departure {p}", h.id));
            }
            if let Some(d) = *a {
                if d >= inst.departures.len() {
                    return Err(format!("household {}: no departure {d}", h.id));
                }
                if !self.allowed(i, d) {
                    return Err(format!(
                        "household {} cannot board {} (outside its window)",
                        h.id, inst.departures[d].id
                    ));
                }
                seats[d] += u64::from(h.seats);
                gate.add(self.dep_hour[d], u64::from(h.people));
            }
        }
        for (d, &s) in seats.iter().enumerate() {
            if s > u64::from(inst.departures[d].seats) {
                return Err(format!(
                    "departure {}: {s} seats taken of {}",
                    inst.departures[d].id, inst.departures[d].seats
                ));
            }
        }
        if !gate.feasible() {
            return Err("the gate or the holding area is over capacity".into());
        }
        Ok(())
    }

    pub fn objective(&self, assignment: &[Option<usize>]) -> f64 {
        let mut flown = vec![false; self.inst.departures.len()];
        let mut total = 0.0;
        for (i, a) in assignment.iter().enumerate() {
            if let Some(d) = *a {
                total += self.value[i];
                flown[d] = true;
            }
        }
        let c = self.inst.params.flight_cost;
        for (d, f) in flown.iter().enumerate() {
            if *f {
                total -= c * f64::from(self.inst.departures[d].seats);
            }
        }
        total
    }

    /// Why each household left behind is left.
    pub fn left_reasons(&self, assignment: &[Option<usize>]) -> Vec<(usize, LeftReason)> {
        let inst = self.inst;
        let mut seats_left: Vec<u64> = inst.departures.iter().map(|d| u64::from(d.seats)).collect();
        let mut gate = self.empty_gate();
        let mut flown = vec![false; inst.departures.len()];
        for (i, a) in assignment.iter().enumerate() {
            if let Some(d) = *a {
                seats_left[d] -= u64::from(inst.households[i].seats);
                gate.add(self.dep_hour[d], u64::from(inst.households[i].people));
                flown[d] = true;
            }
        }
        let slack = gate.slack();
        let c = inst.params.flight_cost;
        let mut left = Vec::new();
        for (i, a) in assignment.iter().enumerate() {
            if a.is_some() {
                continue;
            }
            let h = &inst.households[i];
            let (lo, hi) = self.window[i];
            let reason = if lo == hi {
                if lo == self.deps.len() && h.ready_at.is_some() {
                    LeftReason::NotReadyBeforeLastDeparture
                } else {
                    LeftReason::NoDepartureInWindow
                }
            } else {
                let mut seat = false;
                let mut passes = false;
                let mut worth = false;
                for &d in &self.deps[lo..hi] {
                    if seats_left[d] >= u64::from(h.seats) {
                        seat = true;
                        if slack[self.dep_hour[d]] >= i64::from(h.people) {
                            passes = true;
                            if flown[d] || self.value[i] > c * f64::from(inst.departures[d].seats) {
                                worth = true;
                            }
                        }
                    }
                }
                if !seat {
                    LeftReason::NoSeatBeforeDeadline
                } else if !passes {
                    LeftReason::GateOrHoldingCapacity
                } else if !worth {
                    LeftReason::NotWorthAFlight
                } else {
                    // A seat and the gate are free for it, yet the plan left it: only a time
                    // limit or a trade (its seat for someone worth more at the gate) does that.
                    LeftReason::GateOrHoldingCapacity
                }
            };
            left.push((i, reason));
        }
        left
    }
}

pub(crate) fn weight(p: &Params, priority: u8) -> f64 {
    p.weights[usize::from(priority.clamp(1, 5) - 1)]
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

//! The planner proper: choose the flights on the LP, round the LP onto households, then repair
//! and improve while time allows.
//!
//! 1. Flights. The LP pays C per seat carried; a real flight pays C for every seat it has, so
//!    the plan must fly few departures and fill them. Starting from every departure, close the
//!    least-used ones in batches while the LP on the open ones, minus the full cost of the
//!    flights it uses, improves (each LP is a max-flow of a few milliseconds).
//! 2. Rounding. The LP on the chosen flights says how many seats each class (priority, window)
//!    moves and how full each departure is. Sweep the departures in time order and fill each up
//!    to its LP load with households whose class still has seats to move, earliest window end
//!    first (the order that is exact for intervals), checking seats and the real gate.
//! 3. Repair and improve: pins and (when re-planning) previous seats first; then everyone left
//!    onto flown departures with room; open a closed departure when what it would carry is worth
//!    its cost; close a flown one that is not; swap a left household for a less valuable one.

use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

use crate::Model;
use crate::bound::{Bound, Lp};
use crate::greedy::State;

pub(crate) fn best(
    model: &Model,
    bound: Option<&Bound>,
    started: Instant,
    limit: Duration,
) -> (Vec<Option<usize>>, Vec<(Duration, f64)>) {
    let inst = model.inst;
    let deadline = started + limit;
    let mut progress = Vec::new();
    let lp = Lp::new(model);
    let replan = inst.households.iter().any(|h| h.previous.is_some());
    let nd = inst.departures.len();
    if replan {
        // Keep the flights of the last plan (and any pinned one); the LP guides who fills them.
        let mut open = vec![false; nd];
        for h in &inst.households {
            if let Some(d) = h.previous.or(h.pinned) {
                open[d] = true;
            }
        }
        let sol = lp.solve(model, &open);
        let a = construct(model, &sol, &open, deadline);
        progress.push((started.elapsed(), model.objective(&a)));
        return (a, progress);
    }
    let mut open = vec![true; nd];
    let mut best: Option<(f64, Vec<Option<usize>>)> = None;
    let mut first = true;
    loop {
        let sol = match bound {
            Some(b) if first && inst.params.flight_cost <= 0.0 => clone_bound(b),
            _ => {
                // Half of what is left for the flights, the rest for the households.
                let now = Instant::now();
                let until = now + deadline.saturating_duration_since(now).mul_f64(0.5);
                choose_flights(model, &lp, &mut open, until, first)
            }
        };
        first = false;
        let assignment = construct(model, &sol, &open, deadline);
        let value = model.objective(&assignment);
        let flown = flown(model, &assignment);
        let improved = best.as_ref().is_none_or(|(v, _)| value > *v + 1e-9);
        if improved {
            progress.push((started.elapsed(), value));
            best = Some((value, assignment));
        }
        // Again from the flights this plan flies, while that helps and time is left.
        if !improved
            || flown == open
            || Instant::now() >= deadline
            || inst.params.flight_cost <= 0.0
        {
            break;
        }
        open = flown;
    }
    let (value, assignment) = best.unwrap_or_else(|| (0.0, vec![None; inst.households.len()]));
    // Never worse than the baseline (it costs a few milliseconds).
    let greedy = crate::greedy::greedy(model);
    let greedy_value = model.objective(&greedy);
    if greedy_value > value {
        progress.push((started.elapsed(), greedy_value));
        return (greedy, progress);
    }
    (assignment, progress)
}

fn flown(model: &Model, assignment: &[Option<usize>]) -> Vec<bool> {
    let mut flown = vec![false; model.inst.departures.len()];
    for d in assignment.iter().flatten() {
        flown[*d] = true;
    }
    flown
}

/// Households onto the flights `open`, guided by the LP solution `sol` on them.
fn construct(model: &Model, sol: &Bound, open: &[bool], deadline: Instant) -> Vec<Option<usize>> {
    let mut state = State::new(model);
    place_fixed(model, &mut state);
    round(model, sol, open, &mut state);
    fill(model, &mut state, None);
    open_worthwhile(model, &mut state);
    close_unprofitable(model, &mut state);
    fill(model, &mut state, None);
    swaps(model, &mut state, deadline);
    close_unprofitable(model, &mut state);
    state.assignment
}

fn clone_bound(b: &Bound) -> Bound {
    Bound {
        value: b.value,
        load: b.load.clone(),
        class_flow: b.class_flow.clone(),
        class_of: b.class_of.clone(),
        gross: b.gross,
    }
}

/// What the LP on `open` promises once each flight used costs all its seats.
fn estimate(model: &Model, sol: &Bound) -> f64 {
    let c = model.inst.params.flight_cost;
    let flown: f64 = sol
        .load
        .iter()
        .enumerate()
        .filter(|(_, l)| **l > 0)
        .map(|(d, _)| f64::from(model.inst.departures[d].seats))
        .sum();
    sol.gross - c * flown
}

fn choose_flights(
    model: &Model,
    lp: &Lp,
    open: &mut [bool],
    until: Instant,
    from_all: bool,
) -> Bound {
    let inst = model.inst;
    let mut sol = lp.solve(model, open);
    let close_empty = |open: &mut [bool], sol: &Bound| {
        for (d, o) in open.iter_mut().enumerate() {
            if sol.load[d] == 0 {
                *o = false;
            }
        }
    };
    close_empty(open, &sol);
    let mut est = estimate(model, &sol);
    let util =
        |sol: &Bound, d: usize| sol.load[d] as f64 / f64::from(inst.departures[d].seats.max(1));
    // From every departure, close in batches first; from a plan's flights, one at a time.
    let mut batch = if from_all {
        open.iter().filter(|o| **o).count() / 8
    } else {
        1
    };
    let mut tried = vec![false; open.len()];
    while Instant::now() < until {
        let mut cands: Vec<usize> = (0..open.len())
            .filter(|&d| open[d] && !tried[d] && util(&sol, d) < 0.98)
            .collect();
        if cands.is_empty() {
            break;
        }
        cands.sort_by(|&a, &b| util(&sol, a).total_cmp(&util(&sol, b)));
        let trial: Vec<usize> = cands
            .iter()
            .take(batch.clamp(1, cands.len()))
            .copied()
            .collect();
        for &d in &trial {
            open[d] = false;
        }
        let next = lp.solve(model, open);
        let next_est = estimate(model, &next);
        if next_est > est {
            est = next_est;
            sol = next;
            close_empty(open, &sol);
        } else {
            for &d in &trial {
                open[d] = true;
            }
            if trial.len() > 1 {
                batch = trial.len() / 2;
            } else {
                tried[trial[0]] = true;
            }
        }
    }
    sol
}

/// Pins, then (re-planning) everyone who can keep their previous seat, by priority.
fn place_fixed(model: &Model, state: &mut State) {
    let inst = model.inst;
    for (i, h) in inst.households.iter().enumerate() {
        if let Some(d) = h.pinned {
            state.put(i, d);
        }
    }
    state.refresh();
    let mut order: Vec<usize> = (0..inst.households.len())
        .filter(|&i| inst.households[i].pinned.is_none() && inst.households[i].previous.is_some())
        .collect();
    order.sort_by_key(|&i| inst.households[i].priority);
    for i in order {
        if let Some(d) = inst.households[i].previous
            && model.allowed(i, d)
            && state.fits(i, d)
        {
            state.put(i, d);
            state.refresh();
        }
    }
}

/// Fill each open departure up to its LP load, earliest window end first, class quotas kept.
fn round(model: &Model, sol: &Bound, open: &[bool], state: &mut State) {
    let inst = model.inst;
    let mut quota: Vec<i64> = sol.class_flow.iter().map(|&f| f as i64).collect();
    let mut target: Vec<i64> = sol.load.iter().map(|&l| l as i64).collect();
    for (i, a) in state.assignment.iter().enumerate() {
        if let Some(d) = *a {
            let s = i64::from(inst.households[i].seats);
            quota[sol.class_of[i]] -= s;
            target[d] -= s;
        }
    }
    let mut by_start: Vec<usize> = (0..inst.households.len())
        .filter(|&i| state.assignment[i].is_none() && inst.households[i].pinned.is_none())
        .collect();
    by_start.sort_by_key(|&i| model.window[i].0);
    let mut next = 0;
    // Max-heap on (−window end, −priority, seats): earliest end, then higher priority, then larger.
    let mut pool: BinaryHeap<(i64, i64, u32, usize)> = BinaryHeap::new();
    let mut missed = Vec::new();
    for (pos, &d) in model.deps.iter().enumerate() {
        while next < by_start.len() && model.window[by_start[next]].0 <= pos {
            let i = by_start[next];
            let h = &inst.households[i];
            pool.push((
                -(model.window[i].1 as i64),
                -i64::from(h.priority),
                h.seats,
                i,
            ));
            next += 1;
        }
        if !open[d] || target[d] <= 0 {
            continue;
        }
        missed.clear();
        while target[d] > 0 {
            let Some(item) = pool.pop() else { break };
            let i = item.3;
            if model.window[i].1 <= pos {
                continue; // its window has closed
            }
            let s = i64::from(inst.households[i].seats);
            if quota[sol.class_of[i]] <= 0 {
                continue; // the LP does not move more of its class
            }
            if s <= target[d] && state.fits(i, d) {
                state.put(i, d);
                state.refresh();
                target[d] -= s;
                quota[sol.class_of[i]] -= s;
            } else {
                missed.push(item);
                if missed.len() > 48 {
                    break;
                }
            }
        }
        for item in missed.drain(..) {
            pool.push(item);
        }
    }
}

/// Everyone left (by priority, earliest window end), onto the first flown departure with room.
/// With `only`, onto that departure alone.
fn fill(model: &Model, state: &mut State, only: Option<usize>) {
    let inst = model.inst;
    let mut flown = vec![false; inst.departures.len()];
    for d in state.assignment.iter().flatten() {
        flown[*d] = true;
    }
    let mut order: Vec<usize> = (0..inst.households.len())
        .filter(|&i| state.assignment[i].is_none())
        .collect();
    order.sort_by_key(|&i| (inst.households[i].priority, model.window[i].1));
    state.refresh();
    for i in order {
        let (lo, hi) = model.window[i];
        let found = match only {
            Some(d) => (model.allowed(i, d) && state.fits(i, d)).then_some(d),
            None => model.deps[lo..hi]
                .iter()
                .copied()
                .find(|&d| flown[d] && state.fits(i, d)),
        };
        if let Some(d) = found {
            state.put(i, d);
            state.refresh();
        }
    }
}

/// Open a departure nobody flies when the households left that it could carry are worth more
/// than its cost.
fn open_worthwhile(model: &Model, state: &mut State) {
    let inst = model.inst;
    let c = inst.params.flight_cost;
    let mut flown = vec![false; inst.departures.len()];
    for d in state.assignment.iter().flatten() {
        flown[*d] = true;
    }
    let mut left: Vec<usize> = (0..inst.households.len())
        .filter(|&i| state.assignment[i].is_none() && inst.households[i].pinned.is_none())
        .collect();
    left.sort_by_key(|&i| inst.households[i].priority);
    for &d in &model.deps {
        if flown[d] {
            continue;
        }
        state.refresh();
        let hour = model.dep_hour[d];
        let mut people_room = state.slack[hour];
        let mut seats_room = i64::from(inst.departures[d].seats);
        let mut take = Vec::new();
        let mut value = 0.0;
        for &i in &left {
            let h = &inst.households[i];
            if state.assignment[i].is_none()
                && model.allowed(i, d)
                && i64::from(h.seats) <= seats_room
                && i64::from(h.people) <= people_room
            {
                seats_room -= i64::from(h.seats);
                people_room -= i64::from(h.people);
                value += model.value[i];
                take.push(i);
            }
        }
        if !take.is_empty() && value > c * f64::from(inst.departures[d].seats) {
            for i in take {
                state.put(i, d);
            }
            flown[d] = true;
            left.retain(|&i| state.assignment[i].is_none());
        }
    }
    state.refresh();
}

/// A flown departure worth less than its cost: move its households to other flown departures
/// when they can go, and do not fly it.
fn close_unprofitable(model: &Model, state: &mut State) {
    let inst = model.inst;
    let c = inst.params.flight_cost;
    if c <= 0.0 {
        return;
    }
    let mut on: Vec<Vec<usize>> = vec![Vec::new(); inst.departures.len()];
    for (i, a) in state.assignment.iter().enumerate() {
        if let Some(d) = *a {
            on[d].push(i);
        }
    }
    for d in 0..inst.departures.len() {
        if on[d].is_empty() || on[d].iter().any(|&i| inst.households[i].pinned.is_some()) {
            continue;
        }
        let value: f64 = on[d].iter().map(|&i| model.value[i]).sum();
        if value >= c * f64::from(inst.departures[d].seats) {
            continue;
        }
        let moved = std::mem::take(&mut on[d]);
        for &i in &moved {
            state.take(i);
        }
        state.refresh();
        for &i in &moved {
            let (lo, hi) = model.window[i];
            let to = model.deps[lo..hi]
                .iter()
                .copied()
                .find(|&e| e != d && !on[e].is_empty() && state.fits(i, e));
            if let Some(e) = to {
                state.put(i, e);
                state.refresh();
                on[e].push(i);
            }
        }
    }
    state.refresh();
}

/// A left household takes the place of less valuable ones on a departure of its window, when
/// the trade gains, until time is up.
fn swaps(model: &Model, state: &mut State, deadline: Instant) {
    let inst = model.inst;
    let mut on: Vec<Vec<usize>> = vec![Vec::new(); inst.departures.len()];
    for (i, a) in state.assignment.iter().enumerate() {
        if let Some(d) = *a {
            on[d].push(i);
        }
    }
    let mut left: Vec<usize> = (0..inst.households.len())
        .filter(|&i| state.assignment[i].is_none() && inst.households[i].pinned.is_none())
        .collect();
    // Most valuable per seat first.
    left.sort_by_key(|&i| {
        (
            inst.households[i].priority,
            std::cmp::Reverse(inst.households[i].seats),
        )
    });
    state.refresh();
    for (n, &i) in left.iter().enumerate() {
        if n % 64 == 0 && Instant::now() >= deadline {
            break;
        }
        if state.assignment[i].is_some() {
            continue;
        }
        let (lo, hi) = model.window[i];
        let h = &inst.households[i];
        'deps: for &d in &model.deps[lo..hi] {
            if on[d].is_empty() {
                continue;
            }
            // Victims: cheapest per seat first, not pinned, less valuable per seat than i.
            let mut victims: Vec<usize> = on[d]
                .iter()
                .copied()
                .filter(|&j| {
                    inst.households[j].pinned.is_none() && inst.households[j].priority > h.priority
                })
                .collect();
            if victims.is_empty() {
                continue;
            }
            victims.sort_by_key(|&j| std::cmp::Reverse(inst.households[j].priority));
            let mut taken = Vec::new();
            let mut lost = 0.0;
            for &j in &victims {
                if lost + model.value[j] >= model.value[i] {
                    break;
                }
                state.take(j);
                taken.push(j);
                lost += model.value[j];
                state.refresh();
                if state.fits(i, d) {
                    state.put(i, d);
                    on[d].retain(|x| !taken.contains(x));
                    on[d].push(i);
                    // The removed may find room elsewhere.
                    for &j in &taken {
                        let (jlo, jhi) = model.window[j];
                        state.refresh();
                        if let Some(e) = model.deps[jlo..jhi]
                            .iter()
                            .copied()
                            .find(|&e| e != d && !on[e].is_empty() && state.fits(j, e))
                        {
                            state.put(j, e);
                            on[e].push(j);
                        }
                    }
                    state.refresh();
                    break 'deps;
                }
            }
            for &j in &taken {
                state.put(j, d);
            }
            state.refresh();
        }
    }
}

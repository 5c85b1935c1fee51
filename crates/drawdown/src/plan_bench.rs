//! `drawdown bench plan`: the planner on seeded instances (issue 6's "Figures to reach").
//!
//! For each size it generates an instance (`drawdown_planner::generate`, seeded: the same
//! instance on every machine), runs the plain priority-first greedy and the planner, cancels
//! the busiest departure and re-plans from the previous plan, and (unless --no-highs) gives the
//! same instance to HiGHS as a mixed-integer program with a time limit, in a Python virtual
//! environment under the target directory (PyPI `highspy`, installed on first use; the script is
//! `highs_bench.py` beside this file). It prints objective, bound, gap and time side by side.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use anyhow::Result;
use drawdown_planner::{Method, Options, Plan, generate};

/// The seed of the generated instances.
pub const SEED: u64 = 20_210_815;

struct Row {
    people: usize,
    households: usize,
    departures: usize,
    solver: String,
    objective: f64,
    bound: f64,
    time: Duration,
    note: String,
}

pub fn run(
    sizes: &[usize],
    seed: u64,
    flight_cost: f64,
    limit: Duration,
    highs: Option<Duration>,
) -> Result<()> {
    let machine = machine();
    let mut rows = Vec::new();
    let mut replans = Vec::new();
    for &people in sizes {
        eprintln!("{people} people: generating (seed {seed})");
        let inst = generate::instance(seed, people, flight_cost);
        if let Err(e) = drawdown_planner::validate(&inst) {
            anyhow::bail!("the generator made an invalid instance: {:?}", e.first());
        }
        let n_people: usize = inst.households.iter().map(|h| h.people as usize).sum();
        let row = |solver: &str, plan: &Plan, note: String| Row {
            people: n_people,
            households: inst.households.len(),
            departures: inst.departures.len(),
            solver: solver.into(),
            objective: plan.objective,
            bound: plan.bound,
            time: plan.stats.elapsed,
            note,
        };
        eprintln!("{people} people: greedy");
        let greedy = drawdown_planner::plan(
            &inst,
            &Options {
                method: Method::Greedy,
                time_limit: limit,
            },
        );
        rows.push(row("greedy", &greedy, String::new()));
        eprintln!("{people} people: planner");
        let best = drawdown_planner::plan(
            &inst,
            &Options {
                method: Method::Best,
                time_limit: limit,
            },
        );
        let first = best
            .stats
            .progress
            .first()
            .map_or(0.0, |p| p.0.as_secs_f64());
        let within = best
            .stats
            .progress
            .iter()
            .find(|(_, v)| drawdown_planner::gap(*v, best.bound) < 0.005)
            .map_or("never".to_string(), |p| {
                format!("{:.2} s", p.0.as_secs_f64())
            });
        rows.push(row(
            "drawdown",
            &best,
            format!(
                "{} departures flown; first plan {first:.2} s; within 0.5 % of the bound: {within}",
                best.stats.flown
            ),
        ));

        // Cancel the departure carrying the most people, re-plan from the plan.
        let mut load = vec![0u64; inst.departures.len()];
        for (i, a) in best.assignment.iter().enumerate() {
            if let Some(d) = a {
                load[*d] += u64::from(inst.households[i].people);
            }
        }
        let cancelled = (0..load.len()).max_by_key(|&d| load[d]).unwrap_or(0);
        let replan_inst = generate::cancel(&inst, &best.assignment, cancelled);
        let on_cancelled = best
            .assignment
            .iter()
            .filter(|a| **a == Some(cancelled))
            .count();
        eprintln!(
            "{people} people: re-plan after cancelling {}",
            inst.departures[cancelled].id
        );
        let started = Instant::now();
        let replan = drawdown_planner::plan(
            &replan_inst,
            &Options {
                method: Method::Best,
                time_limit: limit.min(Duration::from_millis(800)),
            },
        );
        let wall = started.elapsed();
        // Moved: on a departure in the plan, and not on that same departure after the re-plan
        // (those on the cancelled one included).
        let moved = best
            .assignment
            .iter()
            .zip(&replan_inst.households)
            .zip(&replan.assignment)
            .filter(|((before, h), after)| {
                **before == Some(cancelled) || (before.is_some() && h.previous != **after)
            })
            .count();
        replans.push(Replan {
            people: n_people,
            households: inst.households.len(),
            on_cancelled,
            moved,
            plan: replan,
            wall,
        });

        if let Some(highs_limit) = highs {
            eprintln!("{people} people: HiGHS (up to {} s)", highs_limit.as_secs());
            match crate::plan_highs::run(&inst, highs_limit) {
                Ok(h) => rows.push(Row {
                    people: n_people,
                    households: inst.households.len(),
                    departures: inst.departures.len(),
                    solver: "HiGHS MIP".into(),
                    objective: h.objective,
                    bound: h.bound,
                    time: h.time,
                    note: h.note,
                }),
                Err(e) => eprintln!("HiGHS did not complete: {e:#}"),
            }
        }
    }
    print!(
        "{}",
        table(&rows, &replans, seed, flight_cost, limit, &machine)
    );
    Ok(())
}

struct Replan {
    people: usize,
    households: usize,
    on_cancelled: usize,
    moved: usize,
    plan: Plan,
    wall: Duration,
}

fn table(
    rows: &[Row],
    replans: &[Replan],
    seed: u64,
    flight_cost: f64,
    limit: Duration,
    machine: &str,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "drawdown bench plan (seed {seed}, --flight-cost {flight_cost}, planner time limit {:.1} s)",
        limit.as_secs_f64()
    );
    let _ = writeln!(out, "machine: {machine}");
    let _ = writeln!(
        out,
        "\n{:>8} {:>10} {:>5}  {:<10} {:>14} {:>14} {:>8} {:>9}  note",
        "people", "households", "deps", "solver", "objective", "bound", "gap %", "time s"
    );
    // A figure a solver did not reach prints as a dash.
    let num = |x: f64, places: usize| {
        if x.is_finite() {
            format!("{x:.places$}")
        } else {
            "—".to_string()
        }
    };
    for r in rows {
        let gap = if r.objective.is_finite() && r.bound.is_finite() {
            drawdown_planner::gap(r.objective, r.bound) * 100.0
        } else {
            f64::NAN
        };
        let _ = writeln!(
            out,
            "{:>8} {:>10} {:>5}  {:<10} {:>14} {:>14} {:>8} {:>9.3}  {}",
            r.people,
            r.households,
            r.departures,
            r.solver,
            num(r.objective, 1),
            num(r.bound, 1),
            num(gap, 3),
            r.time.as_secs_f64(),
            r.note
        );
    }
    let _ = writeln!(
        out,
        "\nre-plan after one cancelled departure (the busiest), warm-started from the plan:"
    );
    let _ = writeln!(
        out,
        "{:>8} {:>10} {:>12} {:>14} {:>8} {:>9} {:>16} {:>10}",
        "people",
        "households",
        "on cancelled",
        "objective",
        "gap %",
        "time s",
        "households moved",
        "moved %"
    );
    for r in replans {
        let _ = writeln!(
            out,
            "{:>8} {:>10} {:>12} {:>14.1} {:>8.3} {:>9.3} {:>16} {:>10.3}",
            r.people,
            r.households,
            r.on_cancelled,
            r.plan.objective,
            r.plan.gap() * 100.0,
            r.wall.as_secs_f64(),
            r.moved,
            r.moved as f64 * 100.0 / r.households.max(1) as f64
        );
    }
    out
}

/// CPU model, cores and load average, for the record.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    format!("{cpu}, {cores} cores, load average {load}")
}

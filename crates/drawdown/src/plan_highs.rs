//! The planning instance through HiGHS (PyPI `highspy`) as a mixed-integer program, for
//! `drawdown bench plan`: the model is in `highs_bench.py`; households are given as classes of
//! interchangeable ones (same seats, people, priority and window), as the planner sees them.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use drawdown_planner::Instance;

const SCRIPT: &str = include_str!("highs_bench.py");
const REQUIREMENT: &str = "highspy>=1.7,<2";

pub struct Outcome {
    pub objective: f64,
    pub bound: f64,
    pub time: Duration,
    pub note: String,
}

pub fn run(inst: &Instance, limit: Duration) -> Result<Outcome> {
    let python = crate::bench_resolve::ensure_venv(
        "highs-venv",
        "import highspy, numpy",
        &[REQUIREMENT, "numpy"],
    )?;
    let dir = std::env::temp_dir().join(format!("drawdown-highs-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let script = dir.join("highs_bench.py");
    std::fs::write(&script, SCRIPT)?;
    let input = dir.join("instance.json");
    std::fs::write(&input, serde_json::to_vec(&to_json(inst))?)?;
    let started = Instant::now();
    let out = Command::new(&python)
        .arg(&script)
        .arg(&input)
        .arg(format!("{}", limit.as_secs_f64()))
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run the HiGHS script")?;
    let wall = started.elapsed();
    let _ = std::fs::remove_dir_all(&dir);
    if !out.status.success() {
        bail!("the HiGHS script failed ({})", out.status);
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or("{}");
    let v: serde_json::Value = serde_json::from_str(line).context("the HiGHS script's answer")?;
    let num = |k: &str| v.get(k).and_then(serde_json::Value::as_f64);
    Ok(Outcome {
        objective: num("objective").unwrap_or(f64::NAN),
        bound: num("bound").unwrap_or(f64::NAN),
        time: wall,
        note: format!(
            "{}{}; {} columns, {} rows; model built in {:.1} s",
            v.get("status").and_then(|s| s.as_str()).unwrap_or("?"),
            match (num("objective"), num("bound")) {
                (None, None) => "; no solution and no bound within the limit",
                (None, _) => "; no solution within the limit",
                (_, None) => "; no bound within the limit",
                _ => "",
            },
            num("columns").unwrap_or(0.0),
            num("rows").unwrap_or(0.0),
            num("build_s").unwrap_or(0.0)
        ),
    })
}

/// Departures in time order; households as classes with their window in that order.
fn to_json(inst: &Instance) -> serde_json::Value {
    let mut order: Vec<usize> = (0..inst.departures.len()).collect();
    order.sort_by_key(|&d| (inst.departures[d].departs_at, d));
    let times: Vec<i64> = order
        .iter()
        .map(|&d| inst.departures[d].departs_at)
        .collect();
    let mut classes: HashMap<(u32, u32, u8, usize, usize), u64> = HashMap::new();
    for h in &inst.households {
        let lo = h.ready_at.map_or(0, |r| times.partition_point(|&t| t < r));
        let hi = h
            .deadline
            .map_or(times.len(), |d| times.partition_point(|&t| t < d));
        if hi > lo {
            *classes
                .entry((h.seats, h.people, h.priority, lo, hi))
                .or_default() += 1;
        }
    }
    let mut classes: Vec<_> = classes.into_iter().collect();
    classes.sort_unstable();
    serde_json::json!({
        "gate": inst.params.gate_per_hour,
        "holding": inst.params.holding,
        "flight_cost": inst.params.flight_cost,
        "weights": inst.params.weights,
        "departures": order.iter().map(|&d| [inst.departures[d].departs_at, i64::from(inst.departures[d].seats)]).collect::<Vec<_>>(),
        "classes": classes.iter().map(|((s, p, pr, lo, hi), n)| [u64::from(*s), u64::from(*p), u64::from(*pr), *lo as u64, *hi as u64, *n]).collect::<Vec<_>>(),
    })
}

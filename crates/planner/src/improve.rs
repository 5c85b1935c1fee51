//! The planner proper: bound-guided construction, then local search while time allows.

use std::time::{Duration, Instant};

use crate::Model;
use crate::bound::Bound;
use crate::greedy::State;

pub(crate) fn best(
    model: &Model,
    _bound: Option<&Bound>,
    _started: Instant,
    _limit: Duration,
) -> Vec<Option<usize>> {
    let inst = model.inst;
    let mut state = State::new(model);
    for (i, h) in inst.households.iter().enumerate() {
        if let Some(d) = h.pinned {
            state.put(i, d);
        }
    }
    let mut order: Vec<usize> = (0..inst.households.len())
        .filter(|&i| inst.households[i].pinned.is_none())
        .collect();
    order.sort_by_key(|&i| inst.households[i].priority);
    state.refresh();
    // Re-planning: everyone who can keep their seat keeps it.
    for &i in &order {
        if let Some(d) = inst.households[i].previous
            && model.allowed(i, d)
            && state.fits(i, d)
        {
            state.put(i, d);
            state.refresh();
        }
    }
    for &i in &order {
        if state.assignment[i].is_some() {
            continue;
        }
        let (lo, hi) = model.window[i];
        if let Some(d) = model.deps[lo..hi]
            .iter()
            .copied()
            .find(|&d| state.fits(i, d))
        {
            state.put(i, d);
            state.refresh();
        }
    }
    state.assignment
}

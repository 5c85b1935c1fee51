//! The upper bound.

use crate::Model;

pub(crate) struct Bound {
    pub value: f64,
}

/// Every household that has a departure in its window, moved, no flight paid: loose but valid.
pub(crate) fn upper_bound(model: &Model) -> Option<Bound> {
    let value = (0..model.inst.households.len())
        .filter(|&i| {
            model.window[i].0 < model.window[i].1 || model.inst.households[i].pinned.is_some()
        })
        .map(|i| model.value[i])
        .sum();
    Some(Bound { value })
}

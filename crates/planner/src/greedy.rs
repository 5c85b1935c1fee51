//! The plain priority-first greedy: the baseline, and the start of nothing else.

use crate::Model;

/// Pins first; then, by priority (ties in input order), each household onto the earliest
/// departure in its window with seats for it that the gate and holding area can still pass.
pub(crate) fn greedy(model: &Model) -> Vec<Option<usize>> {
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
    for i in order {
        let (lo, hi) = model.window[i];
        let h = &inst.households[i];
        let found = model.deps[lo..hi].iter().copied().find(|&d| {
            state.seats_left[d] >= u64::from(h.seats)
                && state.slack[model.dep_hour[d]] >= i64::from(h.people)
        });
        if let Some(d) = found {
            state.put(i, d);
            state.refresh();
        }
    }
    state.assignment
}

/// An assignment being built: seats left, gate loads and their slack.
pub(crate) struct State<'m, 'a> {
    pub model: &'m Model<'a>,
    pub assignment: Vec<Option<usize>>,
    pub seats_left: Vec<u64>,
    pub gate: crate::Gate,
    pub slack: Vec<i64>,
}

impl<'m, 'a> State<'m, 'a> {
    pub fn new(model: &'m Model<'a>) -> Self {
        let inst = model.inst;
        State {
            model,
            assignment: vec![None; inst.households.len()],
            seats_left: inst.departures.iter().map(|d| u64::from(d.seats)).collect(),
            gate: model.empty_gate(),
            slack: vec![0; model.hours],
        }
    }

    pub fn put(&mut self, i: usize, d: usize) {
        let h = &self.model.inst.households[i];
        debug_assert!(self.assignment[i].is_none());
        self.assignment[i] = Some(d);
        self.seats_left[d] -= u64::from(h.seats);
        self.gate.add(self.model.dep_hour[d], u64::from(h.people));
    }

    pub fn take(&mut self, i: usize) {
        let h = &self.model.inst.households[i];
        if let Some(d) = self.assignment[i].take() {
            self.seats_left[d] += u64::from(h.seats);
            self.gate
                .remove(self.model.dep_hour[d], u64::from(h.people));
        }
    }

    pub fn refresh(&mut self) {
        self.gate.slack_into(&mut self.slack);
    }

    /// Could household i go on departure d now (seats and gate)?
    pub fn fits(&self, i: usize, d: usize) -> bool {
        let h = &self.model.inst.households[i];
        self.seats_left[d] >= u64::from(h.seats)
            && self.slack[self.model.dep_hour[d]] >= i64::from(h.people)
    }
}

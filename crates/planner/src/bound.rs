//! The upper bound: the LP relaxation over classes, solved exactly as a max-flow.
//!
//! Relax "households unsplit" to seats that flow on their own, and the fixed charge of a flight
//! (y_d in [0, 1], load ≤ seats·y_d, cost C·seats·y_d) to what it costs at the optimum of the
//! relaxation: C per seat carried. What is left is a network:
//!   source → hour k (the gate: G) → hour k+1 (holding at the end of hour k: H)
//!   hour k → departure d leaving in hour k (its seats)
//!   departure → class (priority, window) when d is in the window → sink (the class's seats),
//! where each seat reaching the sink through a class of priority p is worth w_p − C. The flows
//! reaching the sink through the classes form a polymatroid, so the greedy is exact: maximise the
//! flow of the best tier, then add the next tier's classes and augment, and so on (an augmenting
//! path never lowers a class's flow into the sink). Windows are intervals of the departures in
//! time order, so a class is wired to the O(log n) nodes of a segment tree that cover its
//! window, not to every departure in it. The gate counts people, seats here: people ≥ seats, so
//! this is still a relaxation when lap infants travel (and exact when they do not).
//!
//! The same network, with some departures closed, estimates the best plan on a given set of
//! flights (the planner's construction uses it).

use crate::Model;

pub(crate) struct Bound {
    /// The LP optimum: Σ (w_p − C) × seats moved of priority p.
    pub value: f64,
    /// Seats each departure carries in the LP solution (by departure index).
    pub load: Vec<u64>,
    /// Seats each class moves, and the classes (by household: its class).
    pub class_flow: Vec<u64>,
    pub class_of: Vec<usize>,
    /// Σ w_p × seats moved (the objective before the flights' cost).
    pub gross: f64,
}

pub(crate) fn upper_bound(model: &Model) -> Option<Bound> {
    let open = vec![true; model.inst.departures.len()];
    Some(Lp::new(model).solve(model, &open))
}

/// The classes of the relaxation: households with the same priority and window.
pub(crate) struct Lp {
    class_of: Vec<usize>,
    /// (priority, lo, hi, seats)
    classes: Vec<(u8, usize, usize, u64)>,
}

impl Lp {
    pub fn new(model: &Model) -> Lp {
        let inst = model.inst;
        let mut index = std::collections::HashMap::new();
        let mut classes = Vec::new();
        let mut class_of = Vec::with_capacity(inst.households.len());
        for (i, h) in inst.households.iter().enumerate() {
            // A pin is a window of one departure (the plan must honour it anyway).
            let (lo, hi) = match h.pinned {
                Some(d) => (model.pos[d], model.pos[d] + 1),
                None => model.window[i],
            };
            let key = (h.priority, lo, hi);
            let c = *index.entry(key).or_insert_with(|| {
                classes.push((h.priority, lo, hi, 0));
                classes.len() - 1
            });
            classes[c].3 += u64::from(h.seats);
            class_of.push(c);
        }
        Lp { class_of, classes }
    }

    /// The LP optimum with only the `open` departures (by departure index).
    pub fn solve(&self, model: &Model, open: &[bool]) -> Bound {
        let inst = model.inst;
        let p = &inst.params;
        let nd = model.deps.len();
        let nh = model.hours;
        let size = nd.next_power_of_two().max(1);
        // Nodes: source, sink, hours, segment tree (1..2·size, leaves size+pos), classes.
        let source = 0;
        let sink = 1;
        let hour0 = 2;
        let seg0 = hour0 + nh; // node of segment-tree index v is seg0 + v
        let class0 = seg0 + 2 * size;
        let mut g = Flow::new(class0 + self.classes.len());
        for k in 0..nh {
            g.arc(source, hour0 + k, i64::from(p.gate_per_hour));
            if k + 1 < nh {
                g.arc(hour0 + k, hour0 + k + 1, i64::from(p.holding));
            }
        }
        let mut dep_arc = vec![usize::MAX; inst.departures.len()];
        for (pos, &d) in model.deps.iter().enumerate() {
            if open[d] {
                dep_arc[d] = g.arc(
                    hour0 + model.dep_hour[d],
                    seg0 + size + pos,
                    i64::from(inst.departures[d].seats),
                );
            }
        }
        const INF: i64 = i64::MAX / 4;
        for v in 2..2 * size {
            g.arc(seg0 + v, seg0 + v / 2, INF);
        }
        let mut sink_arc = Vec::with_capacity(self.classes.len());
        for (c, &(_, lo, hi, _)) in self.classes.iter().enumerate() {
            let (mut l, mut r) = (lo + size, hi + size);
            while l < r {
                if l & 1 == 1 {
                    g.arc(seg0 + l, class0 + c, INF);
                    l += 1;
                }
                if r & 1 == 1 {
                    r -= 1;
                    g.arc(seg0 + r, class0 + c, INF);
                }
                l >>= 1;
                r >>= 1;
            }
            sink_arc.push(g.arc(class0 + c, sink, 0));
        }
        // Tiers by weight, best first; a tier worth no more than a seat's flight stays home.
        let mut tiers: Vec<u8> = (1..=5).collect();
        tiers.sort_by(|a, b| {
            crate::weight(p, *b)
                .partial_cmp(&crate::weight(p, *a))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        for t in tiers {
            if crate::weight(p, t) <= p.flight_cost {
                continue;
            }
            for (c, &(prio, _, _, seats)) in self.classes.iter().enumerate() {
                if prio == t {
                    g.set_cap(sink_arc[c], seats as i64);
                }
            }
            g.max_flow(source, sink);
        }
        let class_flow: Vec<u64> = sink_arc.iter().map(|&a| g.flow(a) as u64).collect();
        let mut value = 0.0;
        let mut gross = 0.0;
        for (c, &(prio, ..)) in self.classes.iter().enumerate() {
            let w = crate::weight(p, prio);
            value += (w - p.flight_cost) * class_flow[c] as f64;
            gross += w * class_flow[c] as f64;
        }
        let load = dep_arc
            .iter()
            .map(|&a| if a == usize::MAX { 0 } else { g.flow(a) as u64 })
            .collect();
        Bound {
            value,
            load,
            class_flow,
            class_of: self.class_of.clone(),
            gross,
        }
    }
}

/// Dinic's max-flow on an arc list.
struct Flow {
    head: Vec<usize>,
    next: Vec<usize>,
    to: Vec<usize>,
    cap: Vec<i64>,
    /// The capacity each arc was given (flow = given − residual).
    given: Vec<i64>,
    level: Vec<i32>,
    iter: Vec<usize>,
}

const NONE: usize = usize::MAX;

impl Flow {
    fn new(n: usize) -> Flow {
        Flow {
            head: vec![NONE; n],
            next: Vec::new(),
            to: Vec::new(),
            cap: Vec::new(),
            given: Vec::new(),
            level: vec![0; n],
            iter: vec![0; n],
        }
    }

    /// An arc u → v; returns its id.
    fn arc(&mut self, u: usize, v: usize, cap: i64) -> usize {
        let id = self.to.len();
        for (a, b, c) in [(u, v, cap), (v, u, 0)] {
            self.to.push(b);
            self.cap.push(c);
            self.given.push(c);
            self.next.push(self.head[a]);
            self.head[a] = self.to.len() - 1;
        }
        id
    }

    fn set_cap(&mut self, id: usize, cap: i64) {
        let flow = self.flow(id);
        self.given[id] = cap;
        self.cap[id] = cap - flow;
    }

    fn flow(&self, id: usize) -> i64 {
        self.given[id] - self.cap[id]
    }

    fn max_flow(&mut self, s: usize, t: usize) -> i64 {
        let mut total = 0;
        let mut queue = Vec::with_capacity(self.head.len());
        loop {
            self.level.iter_mut().for_each(|l| *l = -1);
            self.level[s] = 0;
            queue.clear();
            queue.push(s);
            let mut qi = 0;
            while qi < queue.len() {
                let u = queue[qi];
                qi += 1;
                let mut e = self.head[u];
                while e != NONE {
                    let v = self.to[e];
                    if self.cap[e] > 0 && self.level[v] < 0 {
                        self.level[v] = self.level[u] + 1;
                        queue.push(v);
                    }
                    e = self.next[e];
                }
            }
            if self.level[t] < 0 {
                return total;
            }
            self.iter.copy_from_slice(&self.head);
            loop {
                let f = self.push(s, t, i64::MAX);
                if f == 0 {
                    break;
                }
                total += f;
            }
        }
    }

    /// One blocking-flow path (iterative DFS along levels).
    fn push(&mut self, s: usize, t: usize, limit: i64) -> i64 {
        let mut path: Vec<usize> = Vec::new();
        let mut u = s;
        loop {
            if u == t {
                let f = path
                    .iter()
                    .map(|&e| self.cap[e])
                    .min()
                    .unwrap_or(limit)
                    .min(limit);
                for &e in &path {
                    self.cap[e] -= f;
                    self.cap[e ^ 1] += f;
                }
                return f;
            }
            let mut advanced = false;
            while self.iter[u] != NONE {
                let e = self.iter[u];
                let v = self.to[e];
                if self.cap[e] > 0 && self.level[v] == self.level[u] + 1 {
                    path.push(e);
                    u = v;
                    advanced = true;
                    break;
                }
                self.iter[u] = self.next[e];
            }
            if !advanced {
                // Dead end: retreat and skip the arc that led here.
                self.level[u] = -1;
                match path.pop() {
                    Some(e) => {
                        u = self.to[e ^ 1];
                        self.iter[u] = self.next[e];
                    }
                    None => return 0,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dinic_finds_a_max_flow() {
        let mut g = Flow::new(4);
        g.arc(0, 1, 3);
        g.arc(0, 2, 2);
        g.arc(1, 2, 5);
        g.arc(1, 3, 2);
        g.arc(2, 3, 3);
        assert_eq!(g.max_flow(0, 3), 5);
    }
}

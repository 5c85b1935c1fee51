//! Maximum flow (Dinic) on a small graph with real capacities, and the minimum cut it proves.

/// A flow network: nodes are numbers, edges are added in pairs (forward, residual).
pub(crate) struct Network {
    head: Vec<Vec<usize>>,
    to: Vec<usize>,
    cap: Vec<f64>,
    level: Vec<i32>,
    next: Vec<usize>,
}

/// Flows below this are treated as nothing (capacities are kilograms and days).
const EPS: f64 = 1e-9;

impl Network {
    pub(crate) fn new(nodes: usize) -> Network {
        Network {
            head: vec![Vec::new(); nodes],
            to: Vec::new(),
            cap: Vec::new(),
            level: vec![0; nodes],
            next: vec![0; nodes],
        }
    }

    /// Adds an edge and returns its index (its flow is read back with [`Network::flow_on`]).
    pub(crate) fn add_edge(&mut self, from: usize, to: usize, cap: f64) -> usize {
        let e = self.to.len();
        self.head[from].push(e);
        self.to.push(to);
        self.cap.push(cap.max(0.0));
        self.head[to].push(e + 1);
        self.to.push(from);
        self.cap.push(0.0);
        e
    }

    /// The flow an edge carries: what its residual twin holds.
    pub(crate) fn flow_on(&self, edge: usize) -> f64 {
        self.cap[edge ^ 1]
    }

    fn bfs(&mut self, s: usize, t: usize) -> bool {
        self.level.iter_mut().for_each(|l| *l = -1);
        self.level[s] = 0;
        let mut queue = std::collections::VecDeque::from([s]);
        while let Some(v) = queue.pop_front() {
            for &e in &self.head[v] {
                let w = self.to[e];
                if self.cap[e] > EPS && self.level[w] < 0 {
                    self.level[w] = self.level[v] + 1;
                    queue.push_back(w);
                }
            }
        }
        self.level[t] >= 0
    }

    fn dfs(&mut self, v: usize, t: usize, pushed: f64) -> f64 {
        if v == t {
            return pushed;
        }
        while self.next[v] < self.head[v].len() {
            let e = self.head[v][self.next[v]];
            let w = self.to[e];
            if self.cap[e] > EPS && self.level[w] == self.level[v] + 1 {
                let got = self.dfs(w, t, pushed.min(self.cap[e]));
                if got > EPS {
                    self.cap[e] -= got;
                    self.cap[e ^ 1] += got;
                    return got;
                }
            }
            self.next[v] += 1;
        }
        0.0
    }

    /// Pushes as much as fits from `s` to `t`; returns the amount.
    pub(crate) fn max_flow(&mut self, s: usize, t: usize) -> f64 {
        let mut total = 0.0;
        while self.bfs(s, t) {
            self.next.iter_mut().for_each(|n| *n = 0);
            loop {
                let got = self.dfs(s, t, f64::INFINITY);
                if got <= EPS {
                    break;
                }
                total += got;
            }
        }
        total
    }

    /// After [`Network::max_flow`]: the nodes still reachable from `s` in the residual graph
    /// (the source side of a minimum cut).
    pub(crate) fn source_side(&self, s: usize) -> Vec<bool> {
        let mut seen = vec![false; self.head.len()];
        seen[s] = true;
        let mut stack = vec![s];
        while let Some(v) = stack.pop() {
            for &e in &self.head[v] {
                let w = self.to[e];
                if self.cap[e] > EPS && !seen[w] {
                    seen[w] = true;
                    stack.push(w);
                }
            }
        }
        seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_network() {
        // CLRS figure 26.1: maximum flow 23.
        let mut n = Network::new(6);
        for (a, b, c) in [
            (0, 1, 16.0),
            (0, 2, 13.0),
            (2, 1, 4.0),
            (1, 3, 12.0),
            (3, 2, 9.0),
            (2, 4, 14.0),
            (4, 3, 7.0),
            (3, 5, 20.0),
            (4, 5, 4.0),
        ] {
            n.add_edge(a, b, c);
        }
        assert!((n.max_flow(0, 5) - 23.0).abs() < 1e-9);
        let side = n.source_side(0);
        assert!(side[0] && !side[5]);
    }
}

//! The gate and the holding area, as people departing per hour.
//!
//! People leaving in hours a..=b must pass the gate in hours ..=b; those that passed before a
//! wait in holding at the end of hour a−1 (at most H, none before the start). So the loads are
//! feasible exactly when, for every a ≤ b: people departing in a..=b ≤ G·(b−a+1) + (a > 0 ? H : 0).
//! (Sufficient too: process each hour's people as late as the gate allows.) Writing P for the
//! prefix sums of the loads, the spare capacity at hour h is
//!   min over b ≥ h of (G·(b+1) − P[b+1]) − max(0, max over 1 ≤ a ≤ h of (G·a − P[a] − H)),
//! all hours at once in O(hours).

/// People departing per hour under a gate of `g` per hour and a holding area of `h`.
#[derive(Clone, Debug)]
pub struct Gate {
    g: i64,
    h: i64,
    load: Vec<i64>,
}

impl Gate {
    pub fn new(hours: usize, gate_per_hour: u64, holding: u64) -> Gate {
        Gate {
            g: gate_per_hour as i64,
            h: holding as i64,
            load: vec![0; hours],
        }
    }

    pub fn hours(&self) -> usize {
        self.load.len()
    }

    pub fn load(&self, hour: usize) -> i64 {
        self.load[hour]
    }

    pub fn add(&mut self, hour: usize, people: u64) {
        self.load[hour] += people as i64;
    }

    pub fn remove(&mut self, hour: usize, people: u64) {
        self.load[hour] -= people as i64;
    }

    /// People that could still depart in each hour, the others unchanged (negative: over capacity).
    pub fn slack(&self) -> Vec<i64> {
        let mut out = vec![0; self.load.len()];
        self.slack_into(&mut out);
        out
    }

    pub fn slack_into(&self, out: &mut Vec<i64>) {
        let n = self.load.len();
        out.clear();
        out.resize(n, 0);
        if n == 0 {
            return;
        }
        // prefix[a] = people departing before hour a.
        let mut prefix = Vec::with_capacity(n + 1);
        prefix.push(0i64);
        for &l in &self.load {
            prefix.push(prefix[prefix.len() - 1] + l);
        }
        // Suffix minimum of U(b) = G(b+1) − P[b+1], written into out.
        let mut m = i64::MAX;
        for b in (0..n).rev() {
            m = m.min(self.g * (b as i64 + 1) - prefix[b + 1]);
            out[b] = m;
        }
        let mut best_v = 0i64;
        for (a, o) in out.iter_mut().enumerate() {
            if a >= 1 {
                best_v = best_v.max(self.g * a as i64 - prefix[a] - self.h);
            }
            *o -= best_v;
        }
    }

    pub fn feasible(&self) -> bool {
        self.slack().iter().all(|&s| s >= 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feasibility by simulation: pass each hour's people as late as possible, holding the rest.
    fn simulate(load: &[i64], g: i64, h: i64) -> bool {
        // Latest-possible processing: need[k] = people that must have passed by the end of hour k.
        let n = load.len();
        let mut need = vec![0i64; n + 1];
        let mut cum = 0;
        let mut cum_load = vec![0i64; n];
        for k in 0..n {
            cum += load[k];
            cum_load[k] = cum;
        }
        // Backwards: passed by end of k ≥ max(cum_load[k], passed by end of k+1 − g).
        let mut next = i64::MIN;
        for k in (0..n).rev() {
            let v = cum_load[k].max(if next == i64::MIN { 0 } else { next - g });
            need[k] = v;
            next = v;
        }
        // Before hour 0 nothing passed: hour 0 alone passes need[0].
        if need[0] > g {
            return false;
        }
        (0..n).all(|k| need[k] - cum_load[k] <= h)
    }

    #[test]
    fn slack_matches_a_simulation() {
        let mut seed = 7u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..3000 {
            let n = (next() % 8 + 1) as usize;
            let g = (next() % 6) as i64;
            let h = (next() % 6) as i64;
            let load: Vec<i64> = (0..n).map(|_| (next() % 9) as i64).collect();
            let mut gate = Gate::new(n, g as u64, h as u64);
            for (k, &l) in load.iter().enumerate() {
                gate.add(k, l as u64);
            }
            assert_eq!(
                gate.feasible(),
                simulate(&load, g, h),
                "{load:?} g={g} h={h}"
            );
            // Slack is exact: adding it keeps feasibility, one more breaks it.
            if gate.feasible() {
                let s = gate.slack();
                for k in 0..n {
                    let mut more = load.clone();
                    more[k] += s[k];
                    assert!(simulate(&more, g, h));
                    more[k] += 1;
                    assert!(!simulate(&more, g, h), "{load:?} g={g} h={h} k={k} s={s:?}");
                }
            }
        }
    }

    #[test]
    fn a_full_hour_may_be_passed_ahead_into_holding() {
        let mut gate = Gate::new(3, 10, 5);
        gate.add(1, 15);
        assert!(gate.feasible(), "5 pass in hour 0 and wait");
        gate.add(1, 1);
        assert!(!gate.feasible(), "holding takes only 5");
        let mut gate = Gate::new(1, 10, 5);
        gate.add(0, 11);
        assert!(
            !gate.feasible(),
            "holding starts empty: nothing passed before hour 0"
        );
    }
}

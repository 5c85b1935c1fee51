//! Seeded instances that look like the airlift (issue 6's benchmark): households of 1 to 12 in
//! five tiers, departures of 100 to 450 seats over 14 days, readiness and deadlines, a gate that
//! passes about 92 % of the demand over the horizon.

use crate::{Departure, Household, Instance, Params};

/// Days the departures span.
pub const DAYS: i64 = 14;
/// People per departure (the reference: 120,000 people, ~800 departures).
const PEOPLE_PER_DEPARTURE: usize = 150;

/// A small, fast, seeded generator (splitmix64): the same instance on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in lo..=hi.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % ((hi - lo + 1) as u64)) as i64
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// An index drawn with the given weights.
    pub fn pick(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

/// Household sizes 1..=12: many alone or in pairs, families up to 12 (mean about 3.4).
const SIZE_WEIGHTS: [f64; 12] = [
    22.0, 22.0, 18.0, 13.0, 9.0, 6.0, 4.0, 2.5, 1.5, 1.0, 0.6, 0.4,
];
/// Tiers 1..=5: few at the top.
const TIER_WEIGHTS: [f64; 5] = [8.0, 14.0, 22.0, 26.0, 30.0];

/// An instance of about `people` people (seats; this generator has no lap infants).
pub fn instance(seed: u64, people: usize, flight_cost: f64) -> Instance {
    let mut rng = Rng::new(seed);
    let horizon_h = DAYS * 24;
    let mut households = Vec::new();
    let mut total = 0usize;
    while total < people {
        let size = (rng.pick(&SIZE_WEIGHTS) + 1).min(people - total).max(1) as u32;
        total += size as usize;
        let priority = rng.pick(&TIER_WEIGHTS) as u8 + 1;
        // Readiness in 6-hour blocks: a third ready now, the rest over the first 11 days.
        let ready_h = if rng.unit() < 0.33 {
            0
        } else {
            6 * rng.range(0, 44)
        };
        // Some must be gone by a deadline (2 to 7 days after readiness, in 12-hour blocks).
        let deadline_h = if rng.unit() < 0.4 {
            Some(ready_h + 12 * rng.range(4, 14))
        } else {
            None
        };
        households.push(Household {
            id: format!("H{:06}", households.len() + 1),
            seats: size,
            people: size,
            priority,
            ready_at: (ready_h > 0).then_some(ready_h * 60),
            deadline: deadline_h.map(|d| d * 60),
            pinned: None,
            previous: None,
        });
    }
    let n_deps = (people / PEOPLE_PER_DEPARTURE).max(8);
    let mut times: Vec<i64> = (0..n_deps)
        .map(|_| rng.range(0, horizon_h * 60 - 1))
        .collect();
    times.sort_unstable();
    let departures = times
        .into_iter()
        .enumerate()
        .map(|(i, t)| Departure {
            id: format!("D{:04}", i + 1),
            departs_at: t,
            seats: rng.range(100, 450) as u32,
        })
        .collect();
    let gate = ((total as f64) * 0.92 / horizon_h as f64).ceil() as u32;
    // Holding for three hours of the gate, or more when departures are far apart (small
    // instances), so that a departure can fill from the hours before it.
    let spacing_h = horizon_h as f64 / n_deps as f64;
    let holding = (f64::from(gate) * (1.5 * spacing_h).max(3.0)).ceil() as u32;
    Instance {
        households,
        departures,
        params: Params {
            gate_per_hour: gate.max(12),
            holding: holding.max(12),
            weights: crate::DEFAULT_WEIGHTS,
            flight_cost,
        },
    }
}

/// The same instance with one departure cancelled (removed) and everyone's `previous` set
/// from `assignment` (departure indices after the removal).
pub fn cancel(inst: &Instance, assignment: &[Option<usize>], cancelled: usize) -> Instance {
    let mut out = inst.clone();
    out.departures.remove(cancelled);
    for (h, a) in out.households.iter_mut().zip(assignment) {
        h.previous = match *a {
            Some(d) if d == cancelled => None,
            Some(d) if d > cancelled => Some(d - 1),
            other => other,
        };
    }
    out
}

//! Properties on random small instances: every rule holds, the bound is above the best plan
//! (found by enumeration), and the planner is never worse than the greedy.
#![allow(clippy::unwrap_used)]

use super::*;
use proptest::prelude::*;

fn instance() -> impl Strategy<Value = Instance> {
    let household = (
        1u32..=5,
        0u32..=2,
        1u8..=5,
        prop::option::of(0i64..8),
        prop::option::of(1i64..10),
        0u8..10,
        0u8..10,
    );
    let departure = (0i64..8 * 60, 1u32..=12);
    (
        prop::collection::vec(household, 1..8),
        prop::collection::vec(departure, 1..4),
        1u32..12,
        0u32..10,
        0u32..3,
    )
        .prop_map(|(hs, ds, gate, holding, cost)| {
            let nd = ds.len();
            let departures: Vec<Departure> = ds
                .into_iter()
                .enumerate()
                .map(|(i, (t, s))| Departure {
                    id: format!("d{i}"),
                    departs_at: t,
                    seats: s.max(5),
                })
                .collect();
            let households = hs
                .into_iter()
                .enumerate()
                .map(
                    |(i, (seats, infants, priority, ready, len, pin, prev))| Household {
                        id: format!("h{i}"),
                        seats,
                        people: seats + infants,
                        priority,
                        ready_at: ready.map(|r| r * 60),
                        deadline: len.map(|l| (ready.unwrap_or(0) + l) * 60),
                        pinned: (pin == 0).then_some(usize::from(pin) % nd),
                        previous: (prev < 3).then_some(usize::from(prev) % nd),
                    },
                )
                .collect();
            Instance {
                households,
                departures,
                params: Params {
                    gate_per_hour: gate,
                    holding,
                    weights: DEFAULT_WEIGHTS,
                    flight_cost: f64::from(cost),
                },
            }
        })
}

/// The best objective by trying every assignment.
fn optimum(inst: &Instance) -> f64 {
    let n = inst.households.len();
    let k = inst.departures.len() + 1;
    let mut best = f64::NEG_INFINITY;
    let mut a = vec![None; n];
    let total = k.pow(n as u32);
    for mut code in 0..total {
        for slot in a.iter_mut() {
            let c = code % k;
            code /= k;
            *slot = (c > 0).then(|| c - 1);
        }
        if let Ok(v) = evaluate(inst, &a) {
            best = best.max(v);
        }
    }
    best
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn plans_keep_every_rule_and_the_bound_holds(inst in instance()) {
        prop_assume!(validate(&inst).is_ok());
        let best = optimum(&inst);
        let opts = Options { time_limit: Duration::from_millis(200), method: Method::Best };
        let plan = plan(&inst, &opts);
        prop_assert_eq!(evaluate(&inst, &plan.assignment), Ok(plan.objective));
        prop_assert!(plan.objective <= best + 1e-9);
        prop_assert!(plan.bound >= best - 1e-9, "bound {} below the optimum {}", plan.bound, best);
        for (i, h) in inst.households.iter().enumerate() {
            if let Some(p) = h.pinned {
                prop_assert_eq!(plan.assignment[i], Some(p));
            }
        }
        for (i, _) in &plan.left {
            prop_assert!(plan.assignment[*i].is_none());
        }
        prop_assert_eq!(plan.left.len(), plan.assignment.iter().filter(|a| a.is_none()).count());
        let greedy = crate::plan(&inst, &Options { method: Method::Greedy, ..opts });
        prop_assert_eq!(evaluate(&inst, &greedy.assignment), Ok(greedy.objective));
        let fresh: Instance = Instance {
            households: inst.households.iter().map(|h| Household { previous: None, ..h.clone() }).collect(),
            ..inst.clone()
        };
        let fresh_plan = crate::plan(&fresh, &opts);
        let fresh_greedy = crate::plan(&fresh, &Options { method: Method::Greedy, ..opts });
        prop_assert!(fresh_plan.objective >= fresh_greedy.objective - 1e-9);
    }
}

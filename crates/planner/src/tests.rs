//! Unit tests of the planner: the rules, bad input, left reasons.
#![allow(clippy::unwrap_used)] // a test fails loudly by design

use super::*;

fn household(id: &str, seats: u32, priority: u8) -> Household {
    Household {
        id: id.into(),
        seats,
        people: seats,
        priority,
        ready_at: None,
        deadline: None,
        pinned: None,
        previous: None,
    }
}

fn departure(id: &str, hour: i64, seats: u32) -> Departure {
    Departure {
        id: id.into(),
        departs_at: hour * 60,
        seats,
    }
}

fn params(gate: u32, holding: u32) -> Params {
    Params {
        gate_per_hour: gate,
        holding,
        ..Params::default()
    }
}

#[test]
fn bad_input_names_the_row() {
    let mut inst = Instance {
        households: vec![
            household("a", 2, 1),
            household("a", 3, 7),
            household("c", 500, 1),
        ],
        departures: vec![departure("f1", 1, 100)],
        params: params(100, 100),
    };
    inst.households[0].ready_at = Some(600);
    inst.households[0].deadline = Some(60);
    let errors = validate(&inst).unwrap_err();
    let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert!(
        text.iter()
            .any(|t| t.contains("household a (row 1)") && t.contains("deadline")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.contains("row 2") && t.contains("duplicate")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.contains("row 2") && t.contains("unknown priority 7")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.contains("household c (row 3)") && t.contains("more than any")),
        "{text:?}"
    );
}

#[test]
fn households_are_never_split_and_seats_hold() {
    let inst = Instance {
        households: vec![
            household("a", 6, 1),
            household("b", 5, 2),
            household("c", 4, 3),
        ],
        departures: vec![departure("f1", 1, 10)],
        params: params(100, 100),
    };
    validate(&inst).unwrap();
    for method in [Method::Greedy, Method::Best] {
        let plan = plan(
            &inst,
            &Options {
                method,
                ..Options::default()
            },
        );
        assert_eq!(plan.assignment, vec![Some(0), None, Some(0)], "{method:?}");
        assert_eq!(plan.objective, 6.0 * 20.0 + 4.0 * 6.0);
        assert_eq!(plan.left, vec![(1, LeftReason::NoSeatBeforeDeadline)]);
        assert!(plan.bound >= plan.objective);
    }
}

#[test]
fn the_gate_limits_and_says_so() {
    // 10 an hour, holding 0: a departure in hour 0 takes at most 10 people.
    let inst = Instance {
        households: vec![household("a", 8, 1), household("b", 4, 1)],
        departures: vec![departure("f1", 0, 100)],
        params: params(10, 0),
    };
    let plan = plan(&inst, &Options::default());
    assert_eq!(plan.assignment, vec![Some(0), None]);
    assert_eq!(plan.left, vec![(1, LeftReason::GateOrHoldingCapacity)]);
}

#[test]
fn windows_and_reasons() {
    let mut late = household("late", 1, 1);
    late.ready_at = Some(10 * 60);
    let mut early = household("early", 1, 1);
    early.deadline = Some(60);
    let mut between = household("between", 1, 1);
    between.ready_at = Some(2 * 60 + 1);
    between.deadline = Some(3 * 60);
    let inst = Instance {
        households: vec![late, early, between, household("ok", 1, 5)],
        departures: vec![departure("f1", 2, 10), departure("f2", 3, 10)],
        params: params(10, 10),
    };
    let plan = plan(&inst, &Options::default());
    assert_eq!(plan.assignment[..3], [None, None, None]);
    assert!(plan.assignment[3].is_some());
    assert_eq!(
        plan.left,
        vec![
            (0, LeftReason::NotReadyBeforeLastDeparture),
            (1, LeftReason::NoDepartureInWindow),
            (2, LeftReason::NoDepartureInWindow),
        ]
    );
}

#[test]
fn pins_hold_even_outside_the_window() {
    let mut a = household("a", 2, 5);
    a.pinned = Some(1);
    a.deadline = Some(60);
    let inst = Instance {
        households: vec![a, household("b", 9, 1)],
        departures: vec![departure("f1", 0, 10), departure("f2", 5, 10)],
        params: params(100, 100),
    };
    let plan = plan(&inst, &Options::default());
    assert_eq!(plan.assignment[0], Some(1));
    assert!(plan.assignment[1].is_some());
}

#[test]
fn pins_beyond_seats_are_refused() {
    let mut a = household("a", 6, 5);
    a.pinned = Some(0);
    let mut b = household("b", 6, 5);
    b.pinned = Some(0);
    let inst = Instance {
        households: vec![a, b],
        departures: vec![departure("f1", 0, 10)],
        params: params(100, 100),
    };
    let errors = validate(&inst).unwrap_err();
    assert!(errors[0].to_string().contains("departure f1"), "{errors:?}");
}

#[test]
fn generated_instances_plan_feasibly() {
    for people in [1_000, 10_000] {
        let inst = generate::instance(11, people, 1.0);
        validate(&inst).unwrap();
        for method in [Method::Greedy, Method::Best] {
            let plan = plan(
                &inst,
                &Options {
                    method,
                    time_limit: Duration::from_millis(500),
                },
            );
            assert_eq!(evaluate(&inst, &plan.assignment), Ok(plan.objective));
            assert!(plan.bound >= plan.objective - 1e-6);
        }
    }
}

#[test]
fn a_replan_keeps_everyone_who_can_keep_their_seat() {
    let inst = generate::instance(5, 10_000, 1.0);
    let opts = Options {
        time_limit: Duration::from_millis(500),
        method: Method::Best,
    };
    let first = plan(&inst, &opts);
    let busiest = (0..inst.departures.len())
        .max_by_key(|&d| first.assignment.iter().filter(|a| **a == Some(d)).count())
        .unwrap();
    let next = generate::cancel(&inst, &first.assignment, busiest);
    let again = plan(&next, &opts);
    assert_eq!(evaluate(&next, &again.assignment), Ok(again.objective));
    // Cancelling a departure only frees the gate: every previous seat still fits.
    for (i, h) in next.households.iter().enumerate() {
        if h.previous.is_some() {
            assert_eq!(again.assignment[i], h.previous, "household {}", h.id);
        }
    }
    assert_eq!(again.stats.changed, 0);
    assert!(again.bound >= again.objective);
}

#[test]
fn the_planner_reaches_the_bound_on_a_generated_instance() {
    let inst = generate::instance(3, 10_000, 0.0);
    let plan = plan(&inst, &Options::default());
    let greedy = super::plan(
        &inst,
        &Options {
            method: Method::Greedy,
            ..Options::default()
        },
    );
    assert!(plan.objective >= greedy.objective);
    // Without flight costs the LP is nearly integral: only households' sizes stand between.
    assert!(plan.gap() < 0.01, "gap {}", plan.gap());
}

#[test]
fn no_departures_leaves_everyone_with_the_reason() {
    let inst = Instance {
        households: vec![household("a", 2, 1)],
        departures: vec![],
        params: params(10, 10),
    };
    validate(&inst).unwrap();
    let plan = plan(&inst, &Options::default());
    assert_eq!(plan.left, vec![(0, LeftReason::NoDepartureInWindow)]);
    assert_eq!(plan.objective, 0.0);
}

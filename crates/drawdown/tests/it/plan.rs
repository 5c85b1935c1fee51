//! `drawdown plan` on files alone: the plan, its summary, bad input named by row.

use crate::harness::{TempDir, drawdown};
use std::collections::HashMap;

fn write(dir: &TempDir, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

fn plan(dir: &TempDir, households: &str, departures: &str, extra: &[&str]) -> crate::harness::Run {
    let h = write(dir, "households.csv", households);
    let d = write(dir, "departures.csv", departures);
    let out = dir.join("assignments.csv").to_string_lossy().into_owned();
    let mut args = vec![
        "plan",
        "--households",
        &h,
        "--departures",
        &d,
        "--gate-per-hour",
        "10",
        "--holding",
        "20",
        "--out",
        &out,
    ];
    args.extend_from_slice(extra);
    drawdown(&args, &[])
}

fn assignments(dir: &TempDir) -> HashMap<String, String> {
    let text = std::fs::read_to_string(dir.join("assignments.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("household_id,departure_id"));
    lines
        .map(|l| {
            let (h, d) = l.split_once(',').unwrap();
            (h.to_string(), d.to_string())
        })
        .collect()
}

#[test]
fn plans_households_onto_departures_within_every_rule() {
    let dir = TempDir::new("plan");
    // Hour 0: the gate passes 10, holding is empty: at most 10 people can leave in hour 0.
    // f2 at 02:30 can take up to 10 + 20 (held) = 30 people, and has 12 seats.
    let run = plan(
        &dir,
        "household_id,size,priority,ready_at,deadline\n\
         A,6,1,,\n\
         B,5,1,,1\n\
         C,6,2,,\n\
         D,4,3,2021-08-15T02:00:00Z,\n\
         E,3,5,,\n\
         F,2,4,10,\n",
        "departure_id,departs_at,seats\n\
         f1,2021-08-15T00:30:00Z,100\n\
         f2,2021-08-15T02:30:00Z,12\n",
        &[
            "--weights",
            "5=1",
            "--left",
            &dir.join("left.csv").to_string_lossy(),
        ],
    );
    run.assert_ok();
    let a = assignments(&dir);
    // The optimum: A and C fill f2's 12 seats; B (deadline 1 h) and E take 8 of the 10 people
    // the gate passes in hour 0; D (only f2) and F (ready after the last departure) stay.
    let expected: HashMap<String, String> = [("A", "f2"), ("C", "f2"), ("B", "f1"), ("E", "f1")]
        .into_iter()
        .map(|(h, d)| (h.to_string(), d.to_string()))
        .collect();
    assert_eq!(a, expected, "{}", run.stdout);
    assert!(run.stdout.contains("objective:   283.0"), "{}", run.stdout);
    let left = std::fs::read_to_string(dir.join("left.csv")).unwrap();
    assert!(left.contains("D,no seat before the deadline"), "{left}");
    assert!(
        left.contains("F,not ready before the last departure"),
        "{left}"
    );
    let on = |d: &str| -> u32 {
        a.iter()
            .filter(|(_, x)| x.as_str() == d)
            .map(|(h, _)| match h.as_str() {
                "A" | "C" => 6,
                "B" => 5,
                "D" => 4,
                "E" => 3,
                _ => 2,
            })
            .sum()
    };
    assert!(on("f1") <= 10, "gate: {a:?}");
    assert!(on("f2") <= 12, "seats: {a:?}");
    assert!(run.stdout.contains("upper bound:"), "{}", run.stdout);
    assert!(run.stdout.contains("gap:"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("not ready before the last departure (1): F"),
        "{}",
        run.stdout
    );
}

#[test]
fn the_greedy_baseline_is_worse_here() {
    let dir = TempDir::new("plan-greedy");
    let run = plan(
        &dir,
        "household_id,size,priority,ready_at,deadline\nA,6,1,,\nB,5,1,,1\nC,6,2,,\n\
         D,4,3,2,\nE,3,5,,\nF,2,4,10,\n",
        "departure_id,departs_at,seats\nf1,0,100\nf2,2,12\n",
        &["--weights", "5=1", "--greedy"],
    );
    run.assert_ok();
    // A takes the first departure and B, who could only go then, stays.
    assert!(!assignments(&dir).contains_key("B"), "{}", run.stdout);
    assert!(run.stdout.contains("objective:   207.0"), "{}", run.stdout);
}

#[test]
fn bad_input_is_named_by_row_and_nothing_is_written() {
    let dir = TempDir::new("plan-bad");
    let run = plan(
        &dir,
        "household_id,size,priority,ready_at,deadline\n\
         A,2,1,,\n\
         A,3,1,,\n\
         B,2,9,,\n\
         C,500,1,,\n\
         D,2,2,10,5\n",
        "departure_id,departs_at,seats\nf1,1,100\nf2,2,-5\n",
        &[],
    );
    assert!(!run.ok());
    let err = &run.stderr;
    assert!(
        err.contains("departures.csv line 3: negative seats"),
        "{err}"
    );
    assert!(
        err.contains("households.csv line 4: unknown priority \"9\""),
        "{err}"
    );
    assert!(!dir.join("assignments.csv").exists());

    // With the departures right: duplicate, too big, deadline before readiness.
    let run = plan(
        &dir,
        "household_id,size,priority,ready_at,deadline\n\
         A,2,1,,\n\
         A,3,1,,\n\
         C,500,1,,\n\
         D,2,2,10,5\n",
        "departure_id,departs_at,seats\nf1,1,100\n",
        &[],
    );
    assert!(!run.ok());
    let err = &run.stderr;
    assert!(
        err.contains("households.csv line 3: household A: duplicate household id"),
        "{err}"
    );
    assert!(
        err.contains("households.csv line 4: household C: needs 500 seats"),
        "{err}"
    );
    assert!(
        err.contains("households.csv line 5: household D: deadline is not after readiness"),
        "{err}"
    );
    assert!(!dir.join("assignments.csv").exists());
}

#[test]
fn help_teaches_the_formats() {
    let run = drawdown(&["plan", "--help"], &[]);
    run.assert_ok();
    assert!(
        run.stdout
            .contains("household_id,size,priority,ready_at,deadline")
    );
    assert!(run.stdout.contains("--gate-per-hour"));
}

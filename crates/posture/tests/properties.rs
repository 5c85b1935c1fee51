//! Property tests of the tripwire evaluation over random situation logs.

use drawdown_posture::log::{Confidence, Event, EventKind, parse_time};
use drawdown_posture::measures::{Measure, Situation, Value};
use drawdown_posture::tripwire::parse;
use drawdown_posture::{Gazetteer, PlaceKind};
use proptest::prelude::*;
use time::{Duration, OffsetDateTime};

fn start() -> OffsetDateTime {
    parse_time("2021-08-01").expect("time")
}

/// A random event over the real gazetteer, within 20 days of the start.
fn event(g: &Gazetteer) -> impl Strategy<Value = Event> + use<> {
    let capitals: Vec<String> = g.provincial_capitals().map(|p| p.name.clone()).collect();
    let roads: Vec<String> = g.of_kind(PlaceKind::Road).map(|p| p.name.clone()).collect();
    (
        0usize..EventKind::ALL.len(),
        0usize..capitals.len(),
        0usize..roads.len(),
        0i64..(20 * 24),
        1i64..=3,
        1u32..200,
        0usize..4,
    )
        .prop_map(move |(k, c, r, hours, conf, horizon, airport)| {
            let kind = EventKind::ALL[k];
            let place = match kind {
                EventKind::PlaceTaken | EventKind::PlaceContested | EventKind::PlaceRetaken => {
                    capitals[c].clone()
                }
                EventKind::RoadClosed | EventKind::RoadReopened => roads[r].clone(),
                EventKind::CrossingClosed | EventKind::CrossingReopened => {
                    "Torkham crossing (Pakistan)".into()
                }
                _ => String::new(),
            };
            Event {
                id: String::new(),
                kind,
                at: start() + Duration::hours(hours),
                place,
                source: "prop".into(),
                confidence: Confidence::from_i64(conf),
                value: match kind {
                    EventKind::AirportStatus => {
                        drawdown_posture::log::AIRPORT_STATUSES[airport].into()
                    }
                    _ => "label".into(),
                },
                horizon_days: (kind == EventKind::Assessment).then_some(f64::from(horizon)),
                notes: String::new(),
            }
        })
}

fn log(g: &Gazetteer, max: usize) -> impl Strategy<Value = Vec<Event>> + use<> {
    prop::collection::vec(event(g), 0..max).prop_map(|mut v| {
        for (i, e) in v.iter_mut().enumerate() {
            e.id = format!("e{i:04}");
        }
        v
    })
}

/// Conditions over every measure and event kind, with random thresholds.
fn condition() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        (0usize..8, 0usize..4, 0u32..120).prop_map(|(m, o, n)| {
            let m = Measure::ALL[m];
            format!("{} {} {n}", m.name(), [">=", "<=", ">", "<"][o])
        }),
        (0usize..4, any::<bool>()).prop_map(|(s, eq)| format!(
            "airport_status {} \"{}\"",
            if eq { "=" } else { "!=" },
            drawdown_posture::log::AIRPORT_STATUSES[s]
        )),
        (0usize..EventKind::ALL.len()).prop_map(|k| format!("event {}", EventKind::ALL[k].slug())),
    ];
    leaf.prop_recursive(3, 8, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) and ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) or ({b})")),
            inner.prop_map(|a| format!("not ({a})")),
        ]
    })
}

/// The share of capitals fallen, counted directly: for each capital, its latest report at the
/// highest confidence up to `t`.
fn fallen_by_hand(g: &Gazetteer, log: &[Event], t: OffsetDateTime) -> usize {
    g.provincial_capitals()
        .filter(|c| {
            log.iter()
                .filter(|e| {
                    e.at <= t
                        && e.place == c.name
                        && matches!(
                            e.kind,
                            EventKind::PlaceTaken
                                | EventKind::PlaceContested
                                | EventKind::PlaceRetaken
                        )
                })
                .max_by(|a, b| (a.confidence, a.at, &a.id).cmp(&(b.confidence, b.at, &b.id)))
                .is_some_and(|e| e.kind == EventKind::PlaceTaken)
        })
        .count()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// A tripwire on the share of capitals fallen fires exactly when the log, read by hand,
    /// meets it: never on a log that does not.
    #[test]
    fn never_fires_on_a_log_that_does_not_meet_it(
        log in log(&Gazetteer::afghanistan(), 60),
        threshold in 0u32..100,
        hours in 0i64..(21 * 24),
    ) {
        let g = Gazetteer::afghanistan();
        let t = start() + Duration::hours(hours);
        let s = Situation::at(&log, &g, t);
        let c = parse(&format!("capitals_fallen_pct >= {threshold}")).expect("parses");
        let by_hand = 100.0 * fallen_by_hand(&g, &log, t) as f64 / 34.0;
        prop_assert_eq!(c.evaluate(&s).is_some(), by_hand >= f64::from(threshold));
        // An event kind absent from the log never fires `event KIND`.
        for kind in EventKind::ALL {
            let present = log.iter().any(|e| e.kind == kind && e.at <= t);
            let c = parse(&format!("event {}", kind.slug())).expect("parses");
            prop_assert_eq!(c.evaluate(&s).is_some(), present);
        }
        // With no place taken up to t, no distance tripwire fires.
        if !log.iter().any(|e| e.kind == EventKind::PlaceTaken && e.at <= t) {
            prop_assert_eq!(s.value(Measure::NearestHostileKm), Value::Unknown);
            prop_assert!(parse("nearest_hostile_km <= 20000").expect("p").evaluate(&s).is_none());
        }
    }

    /// A custom note, or a threat report when the condition does not look at threats, changes
    /// no measure and no tripwire's result or facts.
    #[test]
    fn adding_an_unrelated_event_never_changes_a_result(
        log in log(&Gazetteer::afghanistan(), 40),
        extra in event(&Gazetteer::afghanistan()),
        custom in any::<bool>(),
        cond in condition(),
        hours in 0i64..(21 * 24),
    ) {
        let g = Gazetteer::afghanistan();
        let c = parse(&cond).expect("generated conditions parse");
        let mut extra = extra;
        extra.kind = if custom { EventKind::Custom } else { EventKind::ThreatAgainstPost };
        extra.place = String::new();
        extra.horizon_days = None;
        let unrelated = match extra.kind {
            EventKind::Custom => !cond.contains("event custom"),
            EventKind::ThreatAgainstPost => !cond.contains("threat_against_post"),
            _ => false,
        };
        prop_assume!(unrelated);
        let t = start() + Duration::hours(hours);
        let before = c.evaluate(&Situation::at(&log, &g, t));
        let mut more = log.clone();
        extra.id = "zz-extra".into();
        more.push(extra);
        let after = c.evaluate(&Situation::at(&more, &g, t));
        prop_assert_eq!(before, after);
    }

    /// What happens after t does not change the situation at t.
    #[test]
    fn evaluation_at_t_ignores_events_after_t(
        log in log(&Gazetteer::afghanistan(), 40),
        later in log(&Gazetteer::afghanistan(), 20),
        cond in condition(),
        hours in 0i64..(21 * 24),
    ) {
        let g = Gazetteer::afghanistan();
        let t = start() + Duration::hours(hours);
        let c = parse(&cond).expect("parses");
        let now: Vec<Event> = log.into_iter().filter(|e| e.at <= t).collect();
        let mut with_later = now.clone();
        for (i, mut e) in later.into_iter().enumerate() {
            e.at = t + Duration::minutes(1 + i as i64);
            e.id = format!("later{i}");
            with_later.push(e);
        }
        let a = Situation::at(&now, &g, t);
        let b = Situation::at(&with_later, &g, t);
        prop_assert_eq!(c.evaluate(&a), c.evaluate(&b));
        for m in Measure::ALL {
            prop_assert_eq!(a.value(m), b.value(m));
        }
    }

    /// The history (computed cheaply, step by step) agrees with the full situation at each of
    /// its moments.
    #[test]
    fn the_history_agrees_with_the_situation_at_each_moment(log in log(&Gazetteer::afghanistan(), 50)) {
        let g = Gazetteer::afghanistan();
        let end = start() + Duration::days(30);
        for p in Situation::history(&log, &g, end) {
            let s = Situation::at(&log, &g, p.at);
            for (m, v) in &p.values {
                prop_assert_eq!(&s.value(*m), v, "{} at {}", m.name(), p.at);
            }
            prop_assert_eq!(s.last_change, Some(p.at));
        }
    }

    /// Any text either parses, or fails with a column inside it (plus one for "at the end").
    #[test]
    fn the_parser_never_panics_and_points_inside_the_text(src in "\\PC{0,40}") {
        if let Err(e) = parse(&src) {
            prop_assert!(e.column >= 1 && e.column <= src.chars().count() + 1, "{} for {:?}", e, src);
        }
    }

    /// Written back, a condition parses to itself.
    #[test]
    fn conditions_round_trip(cond in condition()) {
        let c = parse(&cond).expect("parses");
        prop_assert_eq!(parse(&c.text()).expect("text parses"), c);
    }
}

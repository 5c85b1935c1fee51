use super::*;
use crate::{DeviceStatus, Unit, default_kinds};
use proptest::prelude::*;

fn device(id: &str, method: Method, kg_per_hour: f64, hours: f64) -> Device {
    Device {
        id: id.into(),
        name: id.into(),
        method,
        kg_per_hour,
        hours_per_day: hours,
        status: DeviceStatus::Working,
    }
}

fn left(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
    pairs.iter().map(|(k, q)| (k.to_string(), *q)).collect()
}

fn request<'a>(
    kinds: &'a [Kind],
    matrix: &'a Matrix,
    remaining: &'a BTreeMap<String, f64>,
    devices: &'a [Device],
) -> Request<'a> {
    Request {
        kinds,
        matrix,
        remaining,
        devices,
        first: None,
        deadline_days: None,
    }
}

#[test]
fn one_firebox_one_kind() {
    let kinds = default_kinds();
    let m = Matrix::new(&kinds, &[]);
    let rem = left(&[("classified_paper", 1000.0)]);
    let devs = [device("firebox", Method::Burn, 50.0, 10.0)];
    let p = plan(&request(&kinds, &m, &rem, &devs));
    assert!((p.days_to_zero.expect("a plan") - 2.0).abs() < 1e-6);
    assert_eq!(p.days.len(), 2);
    assert!((p.days[0].work[0].kg - 500.0).abs() < 1e-6);
    assert_eq!(p.bottleneck, vec!["firebox".to_string()]);
}

#[test]
fn the_bottleneck_is_the_only_device_for_vehicles() {
    // Paper can go to the firebox or the incinerator; vehicles only to the crusher, which is
    // slow: the crusher decides the plan, whatever the paper does.
    let kinds = default_kinds();
    let m = Matrix::new(&kinds, &[]);
    let rem = left(&[("classified_paper", 2000.0), ("armoured_vehicle", 10.0)]);
    let devs = [
        device("firebox", Method::Burn, 50.0, 10.0),
        device("incinerator", Method::Incinerate, 100.0, 10.0),
        device("crusher", Method::Crush, 3500.0, 2.0),
    ];
    let p = plan(&request(&kinds, &m, &rem, &devs));
    // 35,000 kg of vehicles at 7,000 kg a day: 5 days; paper needs 2000/1500 days.
    assert!(
        (p.days_to_zero.expect("a plan") - 5.0).abs() < 1e-6,
        "{p:?}"
    );
    assert_eq!(p.bottleneck, vec!["crusher".to_string()]);
    assert_eq!(p.critical_kinds, vec!["armoured_vehicle".to_string()]);
    let w = what_ifs(&Request {
        deadline_days: Some(2.0),
        ..request(&kinds, &m, &rem, &devs)
    });
    assert!(
        w[0].change.contains("crusher") || w[0].change.contains("Crush"),
        "{w:?}"
    );
    assert!(w.iter().any(|x| x.meets_deadline == Some(true)), "{w:?}");
}

#[test]
fn a_kind_without_a_working_device_is_stuck() {
    let kinds = default_kinds();
    let m = Matrix::new(&kinds, &[]);
    let rem = left(&[("ssd", 500.0), ("classified_paper", 100.0)]);
    let mut broken = device("disintegrator", Method::Disintegrate, 100.0, 10.0);
    broken.status = DeviceStatus::Broken;
    // A degausser does not destroy an SSD: the SSDs are stuck.
    let devs = [
        broken,
        device("degausser", Method::DegaussDestroy, 20.0, 10.0),
        device("firebox", Method::Burn, 50.0, 10.0),
    ];
    let p = plan(&Request {
        deadline_days: Some(2.0),
        ..request(&kinds, &m, &rem, &devs)
    });
    assert_eq!(p.stuck, vec!["ssd".to_string()]);
    assert_eq!(p.days_to_zero, None);
    assert_eq!(p.meets_deadline, Some(false));
    let w = what_ifs(&request(&kinds, &m, &rem, &devs));
    assert!(
        w.iter().any(|x| x.change == "Repair disintegrator"),
        "{w:?}"
    );
}

#[test]
fn emergency_level_first() {
    let kinds = default_kinds();
    let m = Matrix::new(&kinds, &[]);
    let rem = left(&[("classified_paper", 500.0), ("flags", 500.0)]);
    let devs = [device("firebox", Method::Burn, 50.0, 10.0)];
    let p = plan(&Request {
        first: Some(1),
        deadline_days: Some(1.0),
        ..request(&kinds, &m, &rem, &devs)
    });
    assert!((p.days_to_target.expect("a plan") - 1.0).abs() < 1e-6);
    assert!((p.days_to_zero.expect("a plan") - 2.0).abs() < 1e-6);
    assert_eq!(p.meets_deadline, Some(true));
    assert!(p.days[0].work.iter().all(|w| w.kind == "classified_paper"));
    assert!(p.days[1].work.iter().all(|w| w.kind == "flags"));
}

#[test]
fn nothing_left_is_zero_days() {
    let kinds = default_kinds();
    let m = Matrix::new(&kinds, &[]);
    let rem = left(&[]);
    let p = plan(&request(&kinds, &m, &rem, &[]));
    assert_eq!(p.days_to_zero, Some(0.0));
    assert!(p.days.is_empty());
}

// ---------------------------------------------------------------- properties

const METHODS: [Method; 4] = [
    Method::Burn,
    Method::Shred,
    Method::Disintegrate,
    Method::Crush,
];

/// Small random instances: up to 5 kinds, each approved for a random subset of 4 methods, and
/// up to 5 devices.
fn instance() -> impl Strategy<Value = (Vec<Kind>, BTreeMap<String, f64>, Vec<Device>)> {
    (
        prop::collection::vec((1u8..=3, 0.1f64..5.0, 1usize..16, 0.0f64..2000.0), 1..=5),
        prop::collection::vec(
            (
                0usize..4,
                1.0f64..200.0,
                1.0f64..24.0,
                prop::bool::weighted(0.85),
            ),
            0..=5,
        ),
    )
        .prop_map(|(ks, ds)| {
            let kinds: Vec<Kind> = ks
                .iter()
                .enumerate()
                .map(|(i, (prio, kg, mask, _))| Kind {
                    slug: format!("k{i}"),
                    label: format!("kind {i}"),
                    unit: Unit::Item,
                    kg_per_unit: *kg,
                    priority: *prio,
                    methods: (0..4)
                        .filter(|b| mask & (1 << b) != 0)
                        .map(|b| METHODS[b])
                        .collect(),
                })
                .collect();
            let rem = ks
                .iter()
                .enumerate()
                .map(|(i, k)| (format!("k{i}"), k.3))
                .collect();
            let devices = ds
                .iter()
                .enumerate()
                .map(|(j, (m, rate, hours, works))| Device {
                    id: format!("d{j}"),
                    name: format!("device {j}"),
                    method: METHODS[*m],
                    kg_per_hour: *rate,
                    hours_per_day: *hours,
                    status: if *works {
                        DeviceStatus::Working
                    } else {
                        DeviceStatus::Broken
                    },
                })
                .collect();
            (kinds, rem, devices)
        })
}

/// The lower bound by brute force: every set of kinds must be destroyed by its devices.
fn brute_force(kinds: &[Kind], m: &Matrix, rem: &BTreeMap<String, f64>, devs: &[Device]) -> f64 {
    let n = kinds.len();
    let mut best: f64 = 0.0;
    for mask in 1u32..(1 << n) {
        let set: Vec<&Kind> = (0..n)
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| &kinds[i])
            .collect();
        let w: f64 = set.iter().map(|k| rem[&k.slug] * k.kg_per_unit).sum();
        let c: f64 = devs
            .iter()
            .filter(|d| set.iter().any(|k| m.allows(&k.slug, d.method)))
            .map(Device::kg_per_day)
            .sum();
        if w > 0.0 {
            best = best.max(w / c);
        }
    }
    best
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The plan is the shortest possible, never exceeds a device's day, destroys exactly what
    /// is left, and leaves nothing negative.
    #[test]
    fn optimal_within_capacity_and_complete((kinds, rem, devs) in instance()) {
        let m = Matrix::new(&kinds, &[]);
        let p = plan(&request(&kinds, &m, &rem, &devs));
        for d in &p.days {
            for dev in &devs {
                let used: f64 = d.work.iter().filter(|w| w.device == dev.id).map(|w| w.kg).sum();
                prop_assert!(used <= dev.kg_per_day() * (1.0 + 1e-6) + 1e-6, "day {} device {}: {used} > {}", d.day, dev.id, dev.kg_per_day());
            }
            for w in &d.work {
                prop_assert!(w.quantity >= 0.0);
                let dev = devs.iter().find(|x| x.id == w.device).expect("device");
                prop_assert!(m.allows(&w.kind, dev.method), "method not approved");
            }
        }
        for day in p.remaining_by_day(&rem) {
            prop_assert!(day.values().all(|q| *q >= 0.0));
        }
        if let Some(t) = p.days_to_zero {
            let lower = brute_force(&kinds, &m, &rem, &devs);
            prop_assert!((t - lower).abs() <= 1e-6 * lower.max(1.0), "plan {t} vs bound {lower}");
            for k in &kinds {
                let done: f64 = p.days.iter().flat_map(|d| &d.work).filter(|w| w.kind == k.slug).map(|w| w.quantity).sum();
                prop_assert!((done - rem[&k.slug]).abs() <= 1e-6 * rem[&k.slug].max(1.0), "{}: destroyed {done} of {}", k.slug, rem[&k.slug]);
            }
            prop_assert!(p.days.len() as f64 <= t.ceil() + 1.0);
        } else {
            prop_assert!(!p.stuck.is_empty());
        }
    }

    /// More capacity (one more device, or more hours) never lengthens the plan.
    #[test]
    fn more_capacity_never_lengthens((kinds, rem, devs) in instance(), m_new in 0usize..4, rate in 1.0f64..200.0, extra in 0.0f64..10.0) {
        let m = Matrix::new(&kinds, &[]);
        let before = plan(&request(&kinds, &m, &rem, &devs)).days_to_zero;
        let mut more = devs.clone();
        more.push(device("new", METHODS[m_new], rate, 8.0));
        let after = plan(&request(&kinds, &m, &rem, &more)).days_to_zero;
        let mut longer = devs.clone();
        for d in &mut longer { d.hours_per_day = (d.hours_per_day + extra).min(24.0); }
        let after_hours = plan(&request(&kinds, &m, &rem, &longer)).days_to_zero;
        for a in [after, after_hours] {
            match (before, a) {
                (Some(b), Some(a)) => prop_assert!(a <= b * (1.0 + 1e-6) + 1e-9, "{a} > {b}"),
                (Some(_), None) => prop_assert!(false, "more capacity made the plan impossible"),
                _ => {}
            }
        }
    }
}

//! The plan to zero: how many days, at today's capacity, until nothing is left (or nothing of
//! the priorities a posture requires), day by day and by kind, and which device holds it up.
//!
//! Quantities are divisible (a kilogram of paper can go to any firebox), so the shortest plan
//! is a transportation problem, solved exactly. For a horizon of `T` days, the plan is feasible
//! when a flow from kinds (supply: their weight) through the devices that may destroy them
//! (capacity: kilograms a day × `T`) saturates every kind. By the max-flow/min-cut theorem the
//! shortest horizon is `max over sets S of kinds of W(S) / C(N(S))`, where `N(S)` are the working
//! devices allowed for `S`. We find it by Dinkelbach's iteration: start from the whole set's
//! ratio (a lower bound), and while the flow at `T` does not saturate, the minimum cut names a
//! set with a higher ratio, which becomes the next `T`. Each step strictly raises `T` through
//! finitely many sets, so it ends, at the optimum; the last set is the bottleneck (no schedule
//! can finish sooner, since those devices alone must destroy those kinds).
//!
//! The schedule then gives each device its share from that flow, most sensitive kind first.
//! When a posture requires the most sensitive kinds to go first ([`Request::first`]), they are
//! planned as a phase of their own (optimal on its own), and the rest after them.

use crate::flow::Network;
use crate::{Device, Kind, Matrix, Method};
use serde::Serialize;
use std::collections::BTreeMap;

/// What the plan is asked.
#[derive(Clone, Debug)]
pub struct Request<'a> {
    pub kinds: &'a [Kind],
    pub matrix: &'a Matrix,
    /// What is left, by kind slug, in the kind's unit. Kinds missing or at zero are done.
    pub remaining: &'a BTreeMap<String, f64>,
    pub devices: &'a [Device],
    /// Kinds with a priority at or below this number must reach zero first (the emergency
    /// destruction level a posture requires); `None`: the target is zero for everything.
    pub first: Option<u8>,
    /// The deadline for the target, in days from now (e.g. 2 for "within 48 hours").
    pub deadline_days: Option<f64>,
}

/// One device's work on one kind during one day.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Work {
    pub kind: String,
    pub device: String,
    /// In the kind's unit.
    pub quantity: f64,
    pub kg: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Day {
    /// 1 is today.
    pub day: u32,
    pub work: Vec<Work>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Plan {
    /// Days until the target is met (the emergency level, or zero); `None` when some kind of
    /// the target has no working device allowed to destroy it.
    pub days_to_target: Option<f64>,
    /// Days until nothing is left; `None` when some kind cannot be destroyed today.
    pub days_to_zero: Option<f64>,
    /// Kinds with something left and no working device approved for them.
    pub stuck: Vec<String>,
    /// The devices that decide the target's length: the minimum cut.
    pub bottleneck: Vec<String>,
    /// The kinds those devices must destroy.
    pub critical_kinds: Vec<String>,
    pub meets_deadline: Option<bool>,
    pub days: Vec<Day>,
}

impl Plan {
    /// What is left of each kind at the start of each day: entry 0 is now, the last entry the
    /// end of the plan.
    pub fn remaining_by_day(&self, now: &BTreeMap<String, f64>) -> Vec<BTreeMap<String, f64>> {
        let mut out = vec![now.clone()];
        let mut left = now.clone();
        for d in &self.days {
            for w in &d.work {
                if let Some(q) = left.get_mut(&w.kind) {
                    *q = (*q - w.quantity).max(0.0);
                }
            }
            out.push(left.clone());
        }
        out
    }
}

/// The optimum of one phase.
struct Phase {
    days: f64,
    critical: Vec<usize>,
    bottleneck: Vec<usize>,
    /// (kind, device, kg).
    assign: Vec<(usize, usize, f64)>,
}

/// Shortest horizon for `weights` (kg by kind) on devices of capacity `cap` (kg a day), where
/// `adj[k]` lists the devices allowed for kind `k`. Every kind with weight must have an
/// adjacent device with capacity.
fn solve(weights: &[f64], adj: &[Vec<usize>], cap: &[f64]) -> Phase {
    let active: Vec<usize> = (0..weights.len()).filter(|&k| weights[k] > 0.0).collect();
    if active.is_empty() {
        return Phase {
            days: 0.0,
            critical: vec![],
            bottleneck: vec![],
            assign: vec![],
        };
    }
    let ratio = |set: &[usize]| -> (f64, Vec<usize>) {
        let w: f64 = set.iter().map(|&k| weights[k]).sum();
        let mut devs: Vec<usize> = set.iter().flat_map(|&k| adj[k].iter().copied()).collect();
        devs.sort_unstable();
        devs.dedup();
        let c: f64 = devs.iter().map(|&d| cap[d]).sum();
        (w / c, devs)
    };
    let total: f64 = active.iter().map(|&k| weights[k]).sum();
    let (mut t, mut bottleneck) = ratio(&active);
    let mut critical = active.clone();
    // Each round raises t to a new set's ratio; there are at most 2^k sets, but in practice a
    // handful of rounds. The bound keeps float noise from looping.
    for _ in 0..(4 * active.len() + 8) {
        let (flow, net_side, _) = flow_at(weights, adj, cap, t * (1.0 + 1e-12));
        if flow >= total * (1.0 - 1e-9) {
            break;
        }
        let set: Vec<usize> = active
            .iter()
            .copied()
            .filter(|&k| net_side[1 + k])
            .collect();
        if set.is_empty() {
            t *= 1.0 + 1e-9;
            continue;
        }
        let (next, devs) = ratio(&set);
        if next > t * (1.0 + 1e-12) {
            t = next;
            critical = set;
            bottleneck = devs;
        } else {
            t *= 1.0 + 1e-9;
        }
    }
    let (_, _, assign) = flow_at(weights, adj, cap, t * (1.0 + 1e-9));
    Phase {
        days: t,
        critical,
        bottleneck,
        assign,
    }
}

/// The maximum flow at horizon `t`: its value, the source side of the cut (node 0 is the
/// source, 1..=K the kinds, then the devices, then the sink) and the kilograms per pair.
fn flow_at(
    weights: &[f64],
    adj: &[Vec<usize>],
    cap: &[f64],
    t: f64,
) -> (f64, Vec<bool>, Vec<(usize, usize, f64)>) {
    let k = weights.len();
    let d = cap.len();
    let sink = 1 + k + d;
    let mut net = Network::new(sink + 1);
    let mut pairs = Vec::new();
    for (i, w) in weights.iter().enumerate() {
        if *w > 0.0 {
            net.add_edge(0, 1 + i, *w);
            for &j in &adj[i] {
                pairs.push((i, j, net.add_edge(1 + i, 1 + k + j, f64::INFINITY)));
            }
        }
    }
    for (j, c) in cap.iter().enumerate() {
        net.add_edge(1 + k + j, sink, c * t);
    }
    let flow = net.max_flow(0, sink);
    let side = net.source_side(0);
    let assign = pairs
        .into_iter()
        .map(|(i, j, e)| (i, j, net.flow_on(e)))
        .filter(|(_, _, f)| *f > 1e-9)
        .collect();
    (flow, side, assign)
}

/// The plan for what is left.
pub fn plan(req: &Request) -> Plan {
    let kinds: Vec<&Kind> = req
        .kinds
        .iter()
        .filter(|k| req.remaining.get(&k.slug).copied().unwrap_or(0.0) > 0.0)
        .collect();
    let cap: Vec<f64> = req.devices.iter().map(Device::kg_per_day).collect();
    let adj: Vec<Vec<usize>> = kinds
        .iter()
        .map(|k| {
            req.devices
                .iter()
                .enumerate()
                .filter(|(j, dev)| cap[*j] > 0.0 && req.matrix.allows(&k.slug, dev.method))
                .map(|(j, _)| j)
                .collect()
        })
        .collect();
    let stuck: Vec<usize> = (0..kinds.len()).filter(|&i| adj[i].is_empty()).collect();
    let weight = |i: usize| req.remaining[&kinds[i].slug] * kinds[i].kg_per_unit;
    let in_first = |i: usize| req.first.is_none_or(|p| kinds[i].priority <= p);

    // Phases: the target's kinds, then (when the target is an emergency level) the rest.
    let mut phases: Vec<Vec<f64>> = vec![
        (0..kinds.len())
            .map(|i| {
                if in_first(i) && !stuck.contains(&i) {
                    weight(i)
                } else {
                    0.0
                }
            })
            .collect(),
    ];
    if req.first.is_some() {
        phases.push(
            (0..kinds.len())
                .map(|i| {
                    if !in_first(i) && !stuck.contains(&i) {
                        weight(i)
                    } else {
                        0.0
                    }
                })
                .collect(),
        );
    }

    let mut start = 0.0;
    let mut buckets: BTreeMap<u32, BTreeMap<(usize, usize), f64>> = BTreeMap::new();
    let mut target = None;
    let mut cut = (vec![], vec![]);
    for (n, weights) in phases.iter().enumerate() {
        let phase = solve(weights, &adj, &cap);
        if n == 0 {
            target = Some(phase.days);
            cut = (phase.critical.clone(), phase.bottleneck.clone());
        }
        // Each device works through its share, most sensitive kind first.
        let mut by_device: BTreeMap<usize, Vec<(usize, f64)>> = BTreeMap::new();
        for (i, j, kg) in phase.assign {
            by_device.entry(j).or_default().push((i, kg));
        }
        for (j, mut jobs) in by_device {
            jobs.sort_by_key(|(i, _)| (kinds[*i].priority, kinds[*i].slug.clone()));
            let mut at = start;
            for (i, kg) in jobs {
                let end = at + kg / cap[j];
                let mut day = at.floor();
                while day < end - 1e-12 {
                    let from = at.max(day);
                    let to = end.min(day + 1.0);
                    let part = (to - from) * cap[j];
                    if part > 1e-9 {
                        *buckets
                            .entry(day as u32 + 1)
                            .or_default()
                            .entry((i, j))
                            .or_default() += part;
                    }
                    day += 1.0;
                }
                at = end;
            }
        }
        start += phase.days;
    }

    let stuck_in_target = stuck.iter().any(|&i| in_first(i));
    let days_to_target = if stuck_in_target { None } else { target };
    let days_to_zero = if stuck.is_empty() { Some(start) } else { None };
    let days = buckets
        .into_iter()
        .map(|(day, work)| Day {
            day,
            work: work
                .into_iter()
                .map(|((i, j), kg)| Work {
                    kind: kinds[i].slug.clone(),
                    device: req.devices[j].id.clone(),
                    quantity: kg / kinds[i].kg_per_unit,
                    kg,
                })
                .collect(),
        })
        .collect();
    Plan {
        days_to_target,
        days_to_zero,
        stuck: stuck.iter().map(|&i| kinds[i].slug.clone()).collect(),
        bottleneck: cut.1.iter().map(|&j| req.devices[j].id.clone()).collect(),
        critical_kinds: cut.0.iter().map(|&i| kinds[i].slug.clone()).collect(),
        meets_deadline: req
            .deadline_days
            .map(|d| days_to_target.is_some_and(|t| t <= d + 1e-9)),
        days,
    }
}

/// A change the post could make, and the plan it would give.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WhatIf {
    pub change: String,
    pub days_to_target: Option<f64>,
    pub meets_deadline: Option<bool>,
}

/// Every single change worth trying, re-planned: repair or refuel a device, run a device round
/// the clock, add one more device of a method approved for something left (copying the
/// fastest of that method, or a typical rate: heavy equipment for what can be crushed). Only
/// changes that shorten the plan, shortest first.
pub fn what_ifs(req: &Request) -> Vec<WhatIf> {
    let base = plan(req).days_to_target;
    let better = |d: Option<f64>| match (d, base) {
        (Some(d), Some(b)) => d < b - 1e-9,
        (Some(_), None) => true,
        _ => false,
    };
    let mut candidates: Vec<(String, Vec<Device>)> = Vec::new();
    for (j, dev) in req.devices.iter().enumerate() {
        if dev.status != crate::DeviceStatus::Working {
            let mut devices = req.devices.to_vec();
            devices[j].status = crate::DeviceStatus::Working;
            let verb = match dev.status {
                crate::DeviceStatus::OutOfFuel => "Refuel",
                _ => "Repair",
            };
            candidates.push((format!("{verb} {}", dev.name), devices));
        } else if dev.hours_per_day < 24.0 {
            let mut devices = req.devices.to_vec();
            devices[j].hours_per_day = 24.0;
            candidates.push((
                format!(
                    "Run {} round the clock (24 h a day, not {} h)",
                    dev.name, dev.hours_per_day
                ),
                devices,
            ));
        }
    }
    let left: Vec<&Kind> = req
        .kinds
        .iter()
        .filter(|k| req.remaining.get(&k.slug).copied().unwrap_or(0.0) > 0.0)
        .collect();
    for m in Method::ALL {
        if !left.iter().any(|k| req.matrix.allows(&k.slug, m)) {
            continue;
        }
        let like = req
            .devices
            .iter()
            .filter(|d| d.method == m)
            .max_by(|a, b| a.kg_per_hour.total_cmp(&b.kg_per_hour));
        let (rate, hours) = like.map_or((m.typical_kg_per_hour(), 10.0), |d| {
            (d.kg_per_hour, d.hours_per_day)
        });
        let mut devices = req.devices.to_vec();
        devices.push(Device {
            id: format!("what-if-{}", m.slug()),
            name: format!("another {}", m.slug()),
            method: m,
            kg_per_hour: rate,
            hours_per_day: hours,
            status: crate::DeviceStatus::Working,
        });
        candidates.push((
            format!("Add a device: {}, {rate} kg/h × {hours} h a day", m.label()),
            devices,
        ));
    }
    let mut out: Vec<WhatIf> = candidates
        .into_iter()
        .map(|(change, devices)| {
            let p = plan(&Request {
                devices: &devices,
                ..req.clone()
            });
            WhatIf {
                change,
                days_to_target: p.days_to_target,
                meets_deadline: p.meets_deadline,
            }
        })
        .filter(|w| better(w.days_to_target))
        .collect();
    out.sort_by(|a, b| {
        a.days_to_target
            .unwrap_or(f64::INFINITY)
            .total_cmp(&b.days_to_target.unwrap_or(f64::INFINITY))
    });
    out
}

#[cfg(test)]
mod tests;

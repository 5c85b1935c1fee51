//! Resolves generated lists at scale and prints time, quality and the run's statistics;
//! index look-ups are timed on records held out of the run.
//!
//! `cargo run -p drawdown-resolution --release --example scale -- 610000`
//! (persons; about 1.64 records each, so 1,000,000 records). Peak memory: run it under
//! `/usr/bin/time -v`. Environment: `MATCH`, `WINDOW`, `MAX_BLOCK` override the config;
//! `SKIP_RECALL` skips the blocking-recall pass, `BLOCKING_ONLY` stops after it;
//! `SHOW_FALSE` / `SHOW_MISSED` explain some false and missed pairs.

use std::collections::HashMap;
use std::time::Instant;

use drawdown_resolution::{Config, Field, Index, RawRecord, resolve};

#[allow(dead_code)]
#[path = "../src/synth.rs"]
mod synth;

fn config() -> Config {
    let mut c = Config::default();
    if let Some(v) = std::env::var("MATCH").ok().and_then(|v| v.parse().ok()) {
        c.match_threshold = v;
        c.review_threshold = c.review_threshold.min(v);
    }
    if let Some(v) = std::env::var("WINDOW").ok().and_then(|v| v.parse().ok()) {
        c.window = v;
    }
    if let Some(v) = std::env::var("MAX_BLOCK").ok().and_then(|v| v.parse().ok()) {
        c.max_block_size = v;
    }
    c
}

fn main() {
    let persons: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let t = Instant::now();
    let s = synth::generate(persons, 42);
    let held = 1000.min(s.records.len() / 10);
    let (train, test) = s.records.split_at(s.records.len() - held);
    println!(
        "generated {} records ({} persons) in {:.1?}",
        s.records.len(),
        persons,
        t.elapsed()
    );

    if std::env::var("SKIP_RECALL").is_err() {
        let t = Instant::now();
        let b = drawdown_resolution::blocking_recall(train, &config(), &s.person[..train.len()])
            .expect("blocking");
        println!(
            "blocking recall {:.4} ({} of {} true pairs; {} candidate pairs) in {:.1?}",
            b.recall(),
            b.found,
            b.true_pairs,
            b.candidate_pairs,
            t.elapsed()
        );
        for (k, n) in &b.by_key {
            println!("  {k:<20} first found {n}");
        }
    }
    if std::env::var("BLOCKING_ONLY").is_ok() {
        return;
    }
    let t = Instant::now();
    let cpu = cpu_seconds();
    let res = resolve(train, &config()).expect("resolve");
    let secs = t.elapsed().as_secs_f64();
    println!(
        "resolved {} records in {secs:.2} s ({:.0} records/s), {:.2} s of CPU (the machine may be shared: CPU/2 is the time on 2 idle cores)",
        train.len(),
        train.len() as f64 / secs,
        cpu_seconds() - cpu
    );
    let st = &res.stats;
    println!(
        "candidate pairs {} (skipped by windows {}), blocks {} ({} oversized), EM {} pairs / {} patterns / {} iterations (converged {}), links {}, merges {}, refused {}, review {}",
        st.candidate_pairs,
        st.pairs_skipped,
        st.blocks,
        st.oversized_blocks,
        st.em_pairs,
        st.em_patterns,
        st.em_iterations,
        st.em_converged,
        st.links,
        st.merges,
        st.merges_refused,
        res.review.len()
    );
    for k in &st.blocking {
        println!(
            "  {:<20} blocks {:>8} largest {:>6} oversized {:>6} pairs {:>10} skipped {:>10}",
            k.key, k.blocks, k.largest, k.oversized, k.pairs, k.skipped
        );
    }
    let person = &s.person[..train.len()];
    let household = &s.household[..train.len()];
    report(person, household, &res.cluster_of);
    if std::env::var("SHOW_MISSED").is_ok() {
        let mut first: HashMap<u32, usize> = HashMap::new();
        let mut shown = 0;
        for (i, &p) in person.iter().enumerate() {
            match first.get(&p) {
                Some(&j) if res.cluster_of[i] != res.cluster_of[j] && shown < 15 => {
                    shown += 1;
                    println!(
                        "{}",
                        drawdown_resolution::explain(&train[j], &train[i], &res.model)
                    );
                    println!("{:?}\n{:?}\n", train[j], train[i]);
                }
                None => {
                    first.insert(p, i);
                }
                _ => {}
            }
        }
    }
    if std::env::var("SHOW_FALSE").is_ok() {
        let mut shown = 0;
        let mut first: HashMap<u32, usize> = HashMap::new();
        for (i, &c) in res.cluster_of.iter().enumerate() {
            match first.get(&c) {
                Some(&j) if person[i] != person[j] && shown < 8 => {
                    shown += 1;
                    println!(
                        "{}",
                        drawdown_resolution::explain(&train[j], &train[i], &res.model)
                    );
                    println!("{:?}\n{:?}\n", train[j], train[i]);
                }
                None => {
                    first.insert(c, i);
                }
                _ => {}
            }
        }
    }

    let t = Instant::now();
    let index = Index::build(train, &res);
    println!("index built in {:.2?}", t.elapsed());
    let mut times = Vec::with_capacity(test.len());
    let mut joined = 0;
    for r in test {
        let t = Instant::now();
        let a = index.assign(r);
        times.push(t.elapsed());
        joined += usize::from(a.cluster.is_some());
    }
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    println!(
        "index: {} look-ups, {} joined a person; p50 {:.2?} p99 {:.2?} max {:.2?}",
        times.len(),
        joined,
        pct(0.5),
        pct(0.99),
        times[times.len() - 1]
    );
}

/// User and system time of this process so far, from /proc (Linux).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn report(person: &[u32], household: &[u32], cluster_of: &[u32]) {
    let mut by_cluster: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, &c) in cluster_of.iter().enumerate() {
        by_cluster.entry(c).or_default().push(i);
    }
    let (mut tp, mut fp, mut hh) = (0u64, 0u64, 0u64);
    for m in by_cluster.values() {
        for (k, &i) in m.iter().enumerate() {
            for &j in &m[k + 1..] {
                if person[i] == person[j] {
                    tp += 1;
                } else {
                    fp += 1;
                    hh += u64::from(household[i] == household[j]);
                }
            }
        }
    }
    let mut by_person: HashMap<u32, u64> = HashMap::new();
    for &p in person {
        *by_person.entry(p).or_default() += 1;
    }
    let truth: u64 = by_person.values().map(|n| n * (n - 1) / 2).sum();
    let p = tp as f64 / (tp + fp).max(1) as f64;
    let r = tp as f64 / truth.max(1) as f64;
    println!(
        "pairwise precision {p:.4} recall {r:.4} F1 {:.4}; false pairs {fp} of which same household {hh}; clusters {} for {} persons",
        2.0 * p * r / (p + r),
        by_cluster.len(),
        by_person.len()
    );
}

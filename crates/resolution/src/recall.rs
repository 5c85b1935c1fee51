//! Blocking recall against known truth, for benchmarks: of the pairs of records of one
//! person, how many the blocks compare, and for those they do not, why.

use std::collections::HashMap;

use crate::blocking::{self, Blocking, KEY_NAMES, Met};
use crate::features::{NONE, Rec, Span};
use crate::names::NameView;
use crate::{Config, RawRecord, ResolveError, check_config, check_ids, prepare_in_order};

/// How well blocking does against known truth.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockingRecall {
    /// Pairs of records of one person.
    pub true_pairs: u64,
    /// Of those, pairs the blocks compare.
    pub found: u64,
    /// All pairs the blocks compare.
    pub candidate_pairs: u64,
    /// True pairs first found under each blocking key, in key order.
    pub by_key: Vec<(&'static str, u64)>,
    /// True pairs never compared, by cause, most first.
    pub misses: Vec<BlockingMiss>,
}

/// True pairs that blocking never compared, for one cause.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockingMiss {
    /// Why: "left out of a block of KEY" (they share a key whose oversized block's window
    /// left them apart, or whose rule pairs only sparse records with the rest) or "no key in
    /// common".
    pub reason: String,
    /// How their names and birth years relate, e.g. "names share a word, a year missing".
    pub relation: String,
    /// What each record carries, the sparser first, e.g. "1 word year place".
    pub sides: (String, String),
    pub pairs: u64,
    /// A few of the pairs, as input indices.
    pub examples: Vec<(usize, usize)>,
}

impl BlockingRecall {
    pub fn recall(&self) -> f64 {
        if self.true_pairs == 0 {
            1.0
        } else {
            self.found as f64 / self.true_pairs as f64
        }
    }
}

/// Runs normalisation and blocking only, and counts which pairs of records of one person
/// (`person[i]`: any id, one per record) the blocks compare.
pub fn blocking_recall<T: Eq + std::hash::Hash + Sync>(
    records: &[RawRecord],
    config: &Config,
    person: &[T],
) -> Result<BlockingRecall, ResolveError> {
    check_config(config)?;
    check_ids(records)?;
    if person.len() != records.len() {
        return Err(ResolveError::InvalidConfig(format!(
            "{} truth labels for {} records",
            person.len(),
            records.len()
        )));
    }
    let (prep, order) = prepare_in_order(records, config.threads);
    let names = NameView::new(&prep.names);
    let blocking = Blocking::build(
        &prep.recs,
        &prep.arena,
        &names,
        config.max_block_size,
        config.window,
        config.sparse_block_size,
        config.threads,
    );
    let counts = blocking.for_each_pair(
        config.threads,
        || (0u64, [0u64; blocking::KEYS]),
        |acc: &mut (u64, [u64; blocking::KEYS]), kind, i, j| {
            acc.0 += 1;
            if person[order[i as usize] as usize] == person[order[j as usize] as usize] {
                acc.1[kind] += 1;
            }
        },
    );
    let mut by_key = [0u64; blocking::KEYS];
    let mut candidate_pairs = 0;
    for (n, k) in counts {
        candidate_pairs += n;
        for (a, b) in by_key.iter_mut().zip(k) {
            *a += b;
        }
    }
    // The true pairs, enumerated per person (a person has a handful of records).
    let mut members: HashMap<&T, Vec<u32>> = HashMap::new();
    for (k, &i) in order.iter().enumerate() {
        members
            .entry(&person[i as usize])
            .or_default()
            .push(k as u32);
    }
    let mut true_pairs = 0u64;
    let mut misses: HashMap<String, BlockingMiss> = HashMap::new();
    for m in members.values() {
        for (a, &i) in m.iter().enumerate() {
            for &j in &m[a + 1..] {
                true_pairs += 1;
                let reason = match blocking.met(i, j) {
                    Met::Compared => continue,
                    Met::LeftOut(k) => format!("left out of a block of {}", KEY_NAMES[k]),
                    Met::Apart => "no key in common".to_string(),
                };
                let (ri, rj) = (&prep.recs[i as usize], &prep.recs[j as usize]);
                let (pi, pj) = (profile(ri, &names), profile(rj, &names));
                let sides = if pi <= pj { (pi, pj) } else { (pj, pi) };
                let relation = relation(ri, rj, &names);
                let cause = format!("{reason}; {relation}; {} | {}", sides.0, sides.1);
                let e = misses.entry(cause).or_insert_with(|| BlockingMiss {
                    reason,
                    relation,
                    sides,
                    ..BlockingMiss::default()
                });
                e.pairs += 1;
                if e.examples.len() < 3 {
                    e.examples
                        .push((order[i as usize] as usize, order[j as usize] as usize));
                }
            }
        }
    }
    let mut misses: Vec<BlockingMiss> = misses.into_values().collect();
    misses.sort_by(|a, b| {
        b.pairs.cmp(&a.pairs).then_with(|| {
            (&a.reason, &a.relation, &a.sides).cmp(&(&b.reason, &b.relation, &b.sides))
        })
    });
    Ok(BlockingRecall {
        true_pairs,
        found: by_key.iter().sum(),
        candidate_pairs,
        by_key: KEY_NAMES.iter().copied().zip(by_key).collect(),
        misses,
    })
}

/// What a record carries, in a few words: name words, date, and whichever of father,
/// place, phone, document, e-mail and address it has.
fn profile(r: &Rec, names: &NameView) -> String {
    let words: usize = [r.given, r.family]
        .into_iter()
        .filter_map(|n| n.id())
        .map(|id| names.info(id).word_skeletons().len())
        .sum();
    let mut s = format!(
        "{} {}",
        match words {
            0 => "no name",
            1 => "1 word",
            _ => "2+ words",
        },
        if r.dob.is_full() {
            "date"
        } else if r.dob.is_some() {
            "year"
        } else {
            "-"
        }
    );
    for (has, tag) in [
        (r.father.is_some(), " father"),
        (r.province != NONE || r.city != NONE, " place"),
        (r.phone != 0, " phone"),
        (
            r.passport != Span::default() || r.national_id != Span::default(),
            " doc",
        ),
    ] {
        if has {
            s.push_str(tag);
        }
    }
    s
}

/// How the two records' names and years relate.
fn relation(a: &Rec, b: &Rec, names: &NameView) -> String {
    let words = |r: &Rec| -> Vec<u32> {
        let mut w: Vec<u32> = [r.given, r.family]
            .into_iter()
            .filter_map(|n| n.id())
            .flat_map(|id| names.info(id).word_skeletons().to_vec())
            .collect();
        w.sort_unstable();
        w.dedup();
        w
    };
    let (wa, wb) = (words(a), words(b));
    let shared = wa.iter().filter(|w| wb.contains(w)).count();
    let name = if wa == wb {
        "same name words"
    } else if shared == wa.len().min(wb.len()) && shared > 0 {
        "one's words within the other's"
    } else if shared > 0 {
        "names share a word"
    } else {
        "names share no word"
    };
    let (ya, yb) = (a.dob.year, b.dob.year);
    let year = if ya == 0 || yb == 0 {
        "a year missing"
    } else if ya == yb {
        "same year"
    } else if ya.abs_diff(yb) == 1 {
        "years 1 apart"
    } else {
        "years differ"
    };
    let places = |r: &Rec| -> Vec<u64> {
        [r.province, r.city]
            .into_iter()
            .filter(|&p| p != NONE)
            .map(|p| names.info(p).skeleton)
            .collect()
    };
    let (pa, pb) = (places(a), places(b));
    let place = if pa.is_empty() || pb.is_empty() {
        "a place missing"
    } else if pa.iter().any(|p| pb.contains(p)) {
        "same place"
    } else {
        "places differ"
    };
    format!("{name}, {year}, {place}")
}

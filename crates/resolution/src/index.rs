//! Incremental matching: a resolved registry kept in memory with its blocks sorted, so that
//! one new record (an import row, a self-registration) is matched with the same keys,
//! windows and model a full run would use, without running it.

use crate::Resolution;
use crate::blocking::{KEYS, keys_of, locality, secondary, sparse, sparse_cap, sparse_only};
use crate::cluster::MergeRule;
use crate::compare::{Comparer, Side};
use crate::explain::tf_adjustments;
use crate::features::{Normaliser, Rec, prepare};
use crate::model::{Decision, Model};
use crate::names::{NameView, Names, Overlay};
use crate::record::RawRecord;

/// Key, secondary order, locality, record: how a full run orders a block.
type SortEntry = (u32, u64, (u64, u64, u16), u32);

/// A record of the registry that a new record resembles.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Candidate {
    /// Index of the record in the records the index was built from.
    pub record: u32,
    pub cluster: u32,
    pub score: f64,
    pub decision: Decision,
}

/// Where a new record belongs.
#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    /// The person (cluster) it joins, `None` for a new person.
    pub cluster: Option<u32>,
    /// Matches and pairs for review, strongest first.
    pub candidates: Vec<Candidate>,
}

/// A resolved registry, ready to match new records.
pub struct Index {
    model: Model,
    names: Names,
    arena: Vec<u8>,
    recs: Vec<Rec>,
    keys: Vec<[u32; KEYS]>,
    /// Per key: records holding it, sorted as the full run sorts a block.
    sorted: Vec<Vec<u32>>,
    cluster_of: Vec<u32>,
    /// Members of each cluster: `members[starts[c]..starts[c + 1]]`.
    starts: Vec<u32>,
    members: Vec<u32>,
    /// Name-frequency adjustment per interned name, given/family/father.
    adj: [Vec<f64>; 3],
}

struct Query<'a> {
    rec: Rec,
    arena: Vec<u8>,
    extra: Names,
    base: &'a Names,
}

impl Query<'_> {
    fn view(&self) -> NameView<'_> {
        NameView {
            base: self.base,
            extra: Some(&self.extra),
        }
    }
}

impl Index {
    /// Builds the index of `records` as `resolution` resolved them. Records past the end
    /// of the resolution (there should be none) count as persons of their own.
    pub fn build(records: &[RawRecord], resolution: &Resolution) -> Index {
        let model = resolution.model.clone();
        let prep = prepare(records, model.config.threads);
        let view = NameView::new(&prep.names);
        let keys: Vec<[u32; KEYS]> = prep
            .recs
            .iter()
            .map(|r| keys_of(r, &prep.arena, &view))
            .collect();
        // As a full run sorts a block: key, secondary order, then its internal order
        // (locality, input index).
        let sorted: Vec<Vec<u32>> = (0..KEYS)
            .map(|kind| {
                let mut v: Vec<SortEntry> = keys
                    .iter()
                    .enumerate()
                    .filter(|(_, k)| k[kind] != 0)
                    .map(|(i, k)| {
                        let r = &prep.recs[i];
                        (
                            k[kind],
                            secondary(r, kind, &view),
                            locality(r, &view),
                            i as u32,
                        )
                    })
                    .collect();
                v.sort_unstable();
                v.into_iter().map(|e| e.3).collect()
            })
            .collect();
        // Tolerate a resolution that is not this one's: ids past its count get room too.
        let mut next = resolution
            .cluster_of
            .iter()
            .map(|&c| c.saturating_add(1))
            .max()
            .unwrap_or(0)
            .max(resolution.cluster_count as u32);
        let cluster_of: Vec<u32> = (0..records.len())
            .map(|i| {
                resolution.cluster_of.get(i).copied().unwrap_or_else(|| {
                    next += 1;
                    next - 1
                })
            })
            .collect();
        let clusters = next as usize;
        let mut starts = vec![0u32; clusters + 1];
        for &c in &cluster_of {
            starts[c as usize + 1] += 1;
        }
        for c in 0..clusters {
            starts[c + 1] += starts[c];
        }
        let mut fill = starts.clone();
        let mut members = vec![0u32; records.len()];
        for (i, &c) in cluster_of.iter().enumerate() {
            members[fill[c as usize] as usize] = i as u32;
            fill[c as usize] += 1;
        }
        let adj = {
            let per = |slot: usize| -> Vec<f64> {
                (0..prep.names.len() as u32)
                    .map(|id| model.tf_adjustment(slot, model.tf_share(slot, prep.names.text(id))))
                    .collect()
            };
            [per(0), per(1), per(2)]
        };
        Index {
            model,
            names: prep.names,
            arena: prep.arena,
            recs: prep.recs,
            keys,
            sorted,
            cluster_of,
            starts,
            members,
            adj,
        }
    }

    pub fn len(&self) -> usize {
        self.recs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.recs.is_empty()
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Records of the registry that `r` matches or may match (review), strongest first.
    pub fn match_record(&self, r: &RawRecord) -> Vec<Candidate> {
        let q = self.query(r);
        self.candidates(&q)
    }

    /// The person `r` joins: the best-matching cluster that the full run's merge rule would
    /// accept (no member is a conflict, the members agree on average), or none.
    pub fn assign(&self, r: &RawRecord) -> Assignment {
        let q = self.query(r);
        let candidates = self.candidates(&q);
        let config = &self.model.config;
        let rule = MergeRule {
            prior_weight: self.model.prior_weight(),
            match_threshold: config.match_threshold,
            review_threshold: config.review_threshold,
            conflict_threshold: config.conflict_threshold,
            max_checks: config.max_link_checks,
        };
        let mut tried = Vec::new();
        for c in candidates.iter().filter(|c| c.decision == Decision::Match) {
            if tried.contains(&c.cluster) {
                continue;
            }
            tried.push(c.cluster);
            let members = self.cluster_members(c.cluster);
            let query_id = [u32::MAX];
            let ok = rule.allows(&query_id, members, &mut |_, m| self.score(&q, m));
            if ok {
                return Assignment {
                    cluster: Some(c.cluster),
                    candidates,
                };
            }
        }
        Assignment {
            cluster: None,
            candidates,
        }
    }

    fn cluster_members(&self, c: u32) -> &[u32] {
        let c = c as usize;
        match (self.starts.get(c), self.starts.get(c + 1)) {
            (Some(&s), Some(&e)) => &self.members[s as usize..e as usize],
            _ => &[],
        }
    }

    fn query(&self, r: &RawRecord) -> Query<'_> {
        let mut n = Normaliser::new(Overlay {
            base: &self.names,
            extra: Names::default(),
        });
        let rec = n.record(r);
        Query {
            rec,
            arena: n.arena,
            extra: n.sink.extra,
            base: &self.names,
        }
    }

    /// The registry records the full run would have compared with the query, scored.
    fn candidates(&self, q: &Query) -> Vec<Candidate> {
        let mut out: Vec<Candidate> = self
            .compared_with(q)
            .into_iter()
            .filter_map(|i| {
                let score = self.score(q, i);
                let decision = self.model.decide(score);
                (decision != Decision::NonMatch).then(|| Candidate {
                    record: i,
                    cluster: self.cluster_of[i as usize],
                    score,
                    decision,
                })
            })
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.record.cmp(&b.record)));
        out
    }

    /// The registry records the full run would have compared with `r`: the same blocks,
    /// in an oversized block the same window around where it would sort, and the sparse
    /// records' pairs (see `blocking::sparse`). Sorted, each once.
    #[cfg(test)]
    pub(crate) fn compared_with_record(&self, r: &RawRecord) -> Vec<u32> {
        self.compared_with(&self.query(r))
    }

    fn compared_with(&self, q: &Query) -> Vec<u32> {
        let view = q.view();
        let qk = keys_of(&q.rec, &q.arena, &view);
        let config = &self.model.config;
        let mut found: Vec<u32> = Vec::new();
        for (kind, &key) in qk.iter().enumerate() {
            if key == 0 {
                continue;
            }
            let s = &self.sorted[kind];
            let lo = s.partition_point(|&i| self.keys[i as usize][kind] < key);
            let hi = s.partition_point(|&i| self.keys[i as usize][kind] <= key);
            if lo == hi {
                continue;
            }
            // The block with the query in it.
            let len = hi - lo + 1;
            // Its sparse records sort first; a sparse query meets the rest, any other
            // query the sparse records, when the block is small enough for that.
            let across = || {
                let q_sparse = sparse(&q.rec, kind);
                let at = lo + s[lo..hi].partition_point(|&i| sparse(&self.recs[i as usize], kind));
                if q_sparse { &s[at..hi] } else { &s[lo..at] }
            };
            let pairs_sparse = len <= sparse_cap(kind, config.sparse_block_size);
            if sparse_only(kind) {
                if pairs_sparse {
                    found.extend_from_slice(across());
                }
                continue;
            }
            if len <= config.max_block_size {
                found.extend_from_slice(&s[lo..hi]);
                continue;
            }
            if pairs_sparse {
                found.extend_from_slice(across());
            }
            // The query sorts as the last input record would.
            let qs = (secondary(&q.rec, kind, &view), locality(&q.rec, &view));
            let at = lo
                + s[lo..hi].partition_point(|&i| {
                    let r = &self.recs[i as usize];
                    (secondary(r, kind, &view), locality(r, &view)) <= qs
                });
            let from = at.saturating_sub(config.window).max(lo);
            let to = (at + config.window).min(hi);
            found.extend_from_slice(&s[from..to]);
        }
        found.sort_unstable();
        found.dedup();
        found
    }

    /// The match weight of the query and registry record `i`, computed as the full run
    /// would: the registry record first (it has the lower index).
    fn score(&self, q: &Query, i: u32) -> f64 {
        let view = q.view();
        let rec = &self.recs[i as usize];
        let o = Comparer::uncached(view).compare(
            Side {
                rec,
                arena: &self.arena,
            },
            Side {
                rec: &q.rec,
                arena: &q.arena,
            },
        );
        let base = self.names.len() as u32;
        let tf = tf_adjustments(&o, rec, &q.rec, &self.model, |slot, id| {
            if id < base {
                self.adj[slot][id as usize]
            } else {
                self.model
                    .tf_adjustment(slot, self.model.tf_share(slot, view.text(id)))
            }
        });
        self.model.score(o.pattern, tf)
    }
}

//! Clustering without chaining: links are taken strongest first, and two groups merge only
//! when no pair across them says "different people" and the pairs across them agree on
//! average. One record that resembles two siblings cannot join the siblings together.

/// A scored candidate pair.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Edge {
    pub(crate) i: u32,
    pub(crate) j: u32,
    pub(crate) score: f64,
}

/// What a merge of two groups needs.
pub(crate) struct MergeRule {
    /// Scores include the prior; conflicts are judged on the evidence alone.
    pub(crate) prior_weight: f64,
    pub(crate) match_threshold: f64,
    pub(crate) review_threshold: f64,
    pub(crate) conflict_threshold: f64,
    pub(crate) max_checks: usize,
}

impl MergeRule {
    /// Whether groups `a` and `b` may merge, scoring pairs across them with `score`
    /// (all pairs, or an even sample of `max_checks` of them).
    pub(crate) fn allows(
        &self,
        a: &[u32],
        b: &[u32],
        score: &mut impl FnMut(u32, u32) -> f64,
    ) -> bool {
        let total = a.len() * b.len();
        if total <= 1 {
            return true;
        }
        let step = total.div_ceil(self.max_checks.max(1)).max(1);
        let mut sum = 0.0;
        let mut n = 0usize;
        let mut k = 0;
        while k < total {
            let (x, y) = (a[k / b.len()], b[k % b.len()]);
            let s = score(x, y);
            if s - self.prior_weight < self.conflict_threshold {
                return false;
            }
            sum += s;
            n += 1;
            k += step;
        }
        sum / n as f64 >= self.review_threshold
    }
}

/// Union-find whose roots keep their members, so merges can be checked.
pub(crate) struct Groups {
    parent: Vec<u32>,
    members: Vec<Vec<u32>>,
}

impl Groups {
    pub(crate) fn new(n: usize) -> Groups {
        Groups {
            parent: (0..n as u32).collect(),
            members: vec![Vec::new(); n],
        }
    }

    pub(crate) fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = p;
        }
        x
    }

    fn members(&self, root: u32) -> Vec<u32> {
        let m = &self.members[root as usize];
        if m.is_empty() { vec![root] } else { m.clone() }
    }

    fn union(&mut self, a: u32, b: u32) {
        let (mut big, mut small) = (a, b);
        if self.size(big) < self.size(small) {
            std::mem::swap(&mut big, &mut small);
        }
        let moved = self.members(small);
        self.members[small as usize] = Vec::new();
        if self.members[big as usize].is_empty() {
            self.members[big as usize].push(big);
        }
        self.members[big as usize].extend(moved);
        self.parent[small as usize] = big;
    }

    fn size(&self, root: u32) -> usize {
        self.members[root as usize].len().max(1)
    }
}

/// The outcome of clustering.
pub(crate) struct Clusters {
    pub(crate) cluster_of: Vec<u32>,
    pub(crate) count: usize,
    /// Uncertain pairs across clusters, and refused merges.
    pub(crate) review: Vec<Edge>,
    pub(crate) merges: u64,
    pub(crate) refused: u64,
}

/// Clusters `n` records from `edges` (any order; pairs below the review threshold already
/// dropped). `score` scores any pair of records.
pub(crate) fn cluster(
    n: usize,
    mut edges: Vec<Edge>,
    rule: &MergeRule,
    mut score: impl FnMut(u32, u32) -> f64,
) -> Clusters {
    edges.sort_unstable_by(|x, y| {
        y.score
            .total_cmp(&x.score)
            .then(x.i.cmp(&y.i))
            .then(x.j.cmp(&y.j))
    });
    let mut g = Groups::new(n);
    let mut review = Vec::new();
    let mut merges = 0;
    let mut refused = 0;
    for e in &edges {
        if e.score < rule.match_threshold {
            review.push(*e);
            continue;
        }
        let (ra, rb) = (g.find(e.i), g.find(e.j));
        if ra == rb {
            continue;
        }
        let (ma, mb) = (g.members(ra), g.members(rb));
        if rule.allows(&ma, &mb, &mut score) {
            g.union(ra, rb);
            merges += 1;
        } else {
            refused += 1;
            review.push(*e);
        }
    }
    // Dense ids in order of first appearance.
    let mut id_of_root = vec![u32::MAX; n];
    let mut cluster_of = Vec::with_capacity(n);
    let mut count = 0u32;
    for x in 0..n as u32 {
        let r = g.find(x) as usize;
        if id_of_root[r] == u32::MAX {
            id_of_root[r] = count;
            count += 1;
        }
        cluster_of.push(id_of_root[r]);
    }
    review.retain(|e| cluster_of[e.i as usize] != cluster_of[e.j as usize]);
    review.sort_unstable_by(|x, y| {
        y.score
            .total_cmp(&x.score)
            .then(x.i.cmp(&y.i))
            .then(x.j.cmp(&y.j))
    });
    Clusters {
        cluster_of,
        count: count as usize,
        review,
        merges,
        refused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> MergeRule {
        MergeRule {
            prior_weight: 0.0,
            match_threshold: 5.0,
            review_threshold: 0.0,
            conflict_threshold: -5.0,
            max_checks: 100,
        }
    }

    #[test]
    fn one_bridge_does_not_chain_two_people() {
        // 0 and 2 are twins (they score -20 together); 1 is a sparse record that resembles
        // both. 3 is a second record of twin 0.
        let s = |i: u32, j: u32| -> f64 {
            match (i.min(j), i.max(j)) {
                (0, 3) => 20.0,
                (0, 1) => 8.0,
                (1, 2) => 7.0,
                (0, 2) | (2, 3) => -20.0,
                (1, 3) => 6.0,
                _ => -30.0,
            }
        };
        let edges = vec![
            Edge {
                i: 0,
                j: 3,
                score: 20.0,
            },
            Edge {
                i: 0,
                j: 1,
                score: 8.0,
            },
            Edge {
                i: 1,
                j: 2,
                score: 7.0,
            },
            Edge {
                i: 1,
                j: 3,
                score: 6.0,
            },
        ];
        let c = cluster(4, edges, &rule(), s);
        assert_eq!(c.cluster_of[0], c.cluster_of[3]);
        assert_eq!(c.cluster_of[0], c.cluster_of[1]);
        assert_ne!(c.cluster_of[0], c.cluster_of[2], "the twins stay apart");
        assert_eq!(c.count, 2);
        assert_eq!(c.refused, 1);
        assert_eq!(c.review.len(), 1);
        assert_eq!((c.review[0].i, c.review[0].j), (1, 2));
    }

    #[test]
    fn consistent_groups_merge_and_ids_are_dense() {
        let s = |_: u32, _: u32| 10.0;
        let edges = vec![
            Edge {
                i: 4,
                j: 5,
                score: 10.0,
            },
            Edge {
                i: 1,
                j: 4,
                score: 9.0,
            },
            Edge {
                i: 2,
                j: 3,
                score: 2.0,
            },
        ];
        let c = cluster(6, edges, &rule(), s);
        assert_eq!(c.cluster_of, vec![0, 1, 2, 3, 1, 1]);
        assert_eq!(c.count, 4);
        assert_eq!(c.merges, 2);
        assert_eq!(
            c.review.len(),
            1,
            "the uncertain pair across clusters is kept for review"
        );
    }

    #[test]
    fn merge_rule_samples_large_groups() {
        let a: Vec<u32> = (0..100).collect();
        let b: Vec<u32> = (100..200).collect();
        let mut calls = 0;
        let r = MergeRule {
            max_checks: 50,
            ..rule()
        };
        assert!(r.allows(&a, &b, &mut |_, _| {
            calls += 1;
            1.0
        }));
        assert!(calls <= 50);
        assert!(
            !r.allows(&a, &b, &mut |_, _| -1.0),
            "average below review threshold"
        );
    }
}

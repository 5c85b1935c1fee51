//! The Fellegi–Sunter model: for each comparison and level, m (how often the records of one
//! person agree so) and u (how often two different people do), weights log2(m/u), learned
//! without labels: u from random pairs, m and the prior by EM over candidate pairs.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use crate::compare::{COMPARISONS, Comparison, DIFFERENT, EXACT, MISSING, Pattern, WEAK};

/// Settings of a run. The defaults suit lists of Afghan evacuees from a few thousand to a
/// few million rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// A pair whose match weight (log2 of the odds that it is one person) reaches this is
    /// the same person.
    pub match_threshold: f64,
    /// Pairs from here up to the match threshold are uncertain: they go to review.
    pub review_threshold: f64,
    /// Two groups are not merged when the evidence of any pair across them (its match
    /// weight without the prior) is below this: those two records say "different people",
    /// whatever links the groups (anti-chaining).
    pub conflict_threshold: f64,
    /// Blocks larger than this are compared in a sliding window over a sorted order.
    pub max_block_size: usize,
    /// In an oversized block, each record is compared with this many records after it.
    pub window: usize,
    /// In an oversized block of at most this many records, a record that lacks what orders
    /// the block (a birth year for the name-words key, a family name for given name +
    /// province) is compared with all the others that have it: the window would find its
    /// partners only by chance. Half of it is the largest block of the given name + birth
    /// year key, which pairs only single names with the rest. 0 turns all of these off.
    pub sparse_block_size: usize,
    pub em_max_iterations: u32,
    /// EM stops when no m probability and not the prior move more than this.
    pub em_tolerance: f64,
    /// Candidate pairs EM learns from; a deterministic sample when there are more.
    pub em_max_pairs: u64,
    /// Random pairs that estimate u (all pairs when there are fewer).
    pub u_sample_pairs: u64,
    /// How many pseudo-pairs the prior m values count for, and (times 50) the prior u
    /// values: enough to keep a small list sane (in a list of twenty rows half the pairs
    /// may be one family), negligible beside a large one.
    pub prior_strength: f64,
    /// The household rules below: on for evacuee lists, where households are the hard
    /// negatives. Off for data without households whose noise replaces given names outright
    /// (FEBRL's generator does): there the rules would read its duplicates as twins.
    pub household_rules: bool,
    /// Positive weights of household facts (family and father's name, phone, address,
    /// birth date…) are multiplied by this when the given names disagree: siblings and twins
    /// share all of them.
    pub household_discount: f64,
    /// …and together count for at most this many bits.
    pub household_cap: f64,
    /// Agreement on household facts (family and father's name, phone, address, places)
    /// counts for at most this many bits in any case: it proves the household, and the
    /// person must be proved by given name, birth date, sex or documents.
    pub household_max: f64,
    /// Clearly different given names weigh at most this (a strong "no"), unless a passport
    /// or national id agrees exactly.
    pub given_name_conflict_weight: f64,
    /// Birth dates two or more years apart weigh at most this.
    pub birth_date_conflict_weight: f64,
    /// Weights are kept within ± this.
    pub max_weight: f64,
    /// At most this many pairs across two groups are checked before merging them.
    pub max_link_checks: usize,
    /// Worker threads (the reference laptop has 2 cores).
    pub threads: usize,
    /// Seeds the sampling of random pairs: same input, same seed, same result.
    pub seed: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            match_threshold: 2.0,
            review_threshold: -3.0,
            conflict_threshold: -6.0,
            max_block_size: 40,
            window: 4,
            sparse_block_size: 320,
            em_max_iterations: 40,
            em_tolerance: 1e-4,
            em_max_pairs: 1_000_000,
            u_sample_pairs: 300_000,
            prior_strength: 20.0,
            household_rules: true,
            household_discount: 0.2,
            household_cap: 3.0,
            household_max: 20.0,
            given_name_conflict_weight: -10.0,
            birth_date_conflict_weight: -8.0,
            max_weight: 20.0,
            max_link_checks: 400,
            threads: 2,
            // 15 August 2021, the day Kabul fell.
            seed: 20_210_815,
        }
    }
}

/// What the engine concludes about a pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Decision {
    Match,
    Review,
    NonMatch,
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Decision::Match => "match",
            Decision::Review => "review",
            Decision::NonMatch => "non-match",
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct LevelModel {
    pub label: &'static str,
    /// P(this level | same person).
    pub m: f64,
    /// P(this level | different people).
    pub u: f64,
    /// The weight used: log2(m/u), kept within bounds and capped for conflicts.
    pub weight: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ComparisonModel {
    pub comparison: Comparison,
    pub levels: Vec<LevelModel>,
}

type Table = [[f64; 8]; COMPARISONS];

/// How common each name is, so that two "Mohammad"s count for less than two "Zmaryalai"s.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct TermFrequencies {
    /// Share of records with the name, for names above `floor`; given, family, father.
    pub(crate) names: [HashMap<Box<str>, f32>; 3],
    /// The share assumed for a name not in the table; 0 turns the adjustment off.
    pub(crate) floor: f32,
}

/// A trained model: everything a decision on a pair needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// P(one person) for two records drawn at random: EM's match rate among candidate
    /// pairs times candidate pairs over all pairs. The weights are log2(m/u) with u from
    /// random pairs, so this is the prior they combine with; it also makes a run on a
    /// larger registry ask for more evidence, as namesakes there are more common.
    pub prior: f64,
    pub comparisons: Vec<ComparisonModel>,
    pub config: Config,
    pub(crate) tf: TermFrequencies,
    weights: Table,
    /// Per comparison, the most a level can weigh (an exact name with the largest
    /// frequency adjustment): what [`Model::best_case`] assumes of a comparison to come.
    max_weights: [f64; COMPARISONS],
    /// log2 of the prior odds, computed once: every pair's score starts here.
    prior_weight: f64,
    /// Per discounted or not and per set of pending comparisons (bits 0-15), their best
    /// weights: the sum left alone by the household rules and the sum they cap. Built on
    /// first use: the models of EM's iterations never need it.
    pending_best: Derived<[Vec<(f64, f64)>; 2]>,
}

/// A table computed from a model's other fields on first use: not part of its value, so
/// two models with the same weights are equal whether or not either has built it.
#[derive(Clone, Debug, Default)]
struct Derived<T>(OnceLock<T>);

impl<T> PartialEq for Derived<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// The comparisons a pattern has a level for (not missing), one bit per index.
fn present(p: Pattern) -> u16 {
    // Bit 0 of each three-bit level set when the level is 7, missing.
    let missing = p.0 & (p.0 >> 1) & (p.0 >> 2);
    let mut mask = 0u16;
    for i in 0..COMPARISONS {
        mask |= (((missing >> (3 * i)) & 1) as u16) << i;
    }
    !mask & PENDING_MASK
}

/// [`Comparison::shared_by_siblings`] and [`Comparison::household`] as bit masks.
const SHARED_BY_SIBLINGS: u16 = mask_of(false);
const HOUSEHOLD: u16 = mask_of(true);

const fn mask_of(household: bool) -> u16 {
    let mut m = 0;
    let mut i = 0;
    while i < COMPARISONS {
        let c = Comparison::ALL[i];
        if (household && c.household()) || (!household && c.shared_by_siblings()) {
            m |= 1 << i;
        }
        i += 1;
    }
    m
}

/// The pending comparisons [`Model::best_case`] tabulates: all fifteen.
const PENDING_MASK: u16 = (1 << COMPARISONS) - 1;

/// What training learnt, without the name frequencies (those come from the records):
/// plain numbers, no personal data, so they may be stored in clear beside a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameters {
    pub prior: f64,
    /// m and u per comparison (in [`Comparison::ALL`] order), per level.
    pub m: Vec<Vec<f64>>,
    pub u: Vec<Vec<f64>>,
}

impl Model {
    pub fn parameters(&self) -> Parameters {
        let table = |f: fn(&LevelModel) -> f64| {
            self.comparisons
                .iter()
                .map(|c| c.levels.iter().map(f).collect())
                .collect()
        };
        Parameters {
            prior: self.prior,
            m: table(|l| l.m),
            u: table(|l| l.u),
        }
    }

    /// The model `parameters` describe, with name frequencies counted from `tf`'s records.
    pub(crate) fn from_parameters(
        parameters: &Parameters,
        config: Config,
        tf: TermFrequencies,
    ) -> Result<Model, String> {
        let table = |rows: &[Vec<f64>]| -> Result<Table, String> {
            if rows.len() != COMPARISONS {
                return Err(format!(
                    "{} comparisons stored, this engine has {COMPARISONS}",
                    rows.len()
                ));
            }
            let mut t = [[0.0; 8]; COMPARISONS];
            for (c, row) in Comparison::ALL.iter().zip(rows) {
                let levels = c.levels().len();
                if row.len() != levels || row.iter().any(|p| !(0.0..=1.0).contains(p)) {
                    return Err(format!("comparison {c:?}: bad probabilities"));
                }
                t[c.index()][..levels].copy_from_slice(row);
            }
            Ok(t)
        };
        if !(parameters.prior > 0.0 && parameters.prior < 1.0) {
            return Err(format!("prior {} is not a probability", parameters.prior));
        }
        Ok(Model::new(
            parameters.prior,
            &table(&parameters.m)?,
            &table(&parameters.u)?,
            config,
            tf,
        ))
    }
}

impl Default for Model {
    /// The prior model: sensible m and u before any data is seen.
    fn default() -> Self {
        let mut m = [[0.0; 8]; COMPARISONS];
        let mut u = [[0.0; 8]; COMPARISONS];
        for c in Comparison::ALL {
            let (pm, pu) = priors(c);
            m[c.index()][..pm.len()].copy_from_slice(pm);
            u[c.index()][..pu.len()].copy_from_slice(pu);
        }
        Model::new(1e-4, &m, &u, Config::default(), TermFrequencies::default())
    }
}

impl Model {
    pub(crate) fn new(
        prior: f64,
        m: &Table,
        u: &Table,
        config: Config,
        tf: TermFrequencies,
    ) -> Model {
        let mut weights = [[0.0; 8]; COMPARISONS];
        let mut comparisons = Vec::with_capacity(COMPARISONS);
        for c in Comparison::ALL {
            let i = c.index();
            let mut levels = Vec::new();
            for (l, label) in c.levels().iter().enumerate() {
                let w = level_weight(c, l as u8, m[i][l], u[i][l], &config);
                weights[i][l] = w;
                levels.push(LevelModel {
                    label,
                    m: m[i][l],
                    u: u[i][l],
                    weight: w,
                });
            }
            comparisons.push(ComparisonModel {
                comparison: c,
                levels,
            });
        }
        let mut max_weights = [f64::NEG_INFINITY; COMPARISONS];
        for c in Comparison::ALL {
            let i = c.index();
            for (l, &w) in weights[i].iter().enumerate().take(c.levels().len()) {
                // An exact name with the largest frequency adjustment.
                let w = if l == usize::from(EXACT) && i < 3 {
                    (w + MAX_TF).min(config.max_weight)
                } else {
                    w
                };
                max_weights[i] = max_weights[i].max(w);
            }
        }
        Model {
            prior,
            comparisons,
            config,
            tf,
            weights,
            max_weights,
            prior_weight: (prior / (1.0 - prior)).log2(),
            pending_best: Derived::default(),
        }
    }

    fn pending_table(&self, discounted: bool) -> Vec<(f64, f64)> {
        (0..=PENDING_MASK)
            .map(|mask| {
                let (mut more, mut capped) = (0.0, 0.0);
                for c in Comparison::ALL {
                    let x = self.max_weights[c.index()];
                    if mask & (1 << c.index()) == 0 || x <= 0.0 {
                        continue;
                    }
                    if self.capped(c, discounted) {
                        capped += x;
                    } else {
                        more += x;
                    }
                }
                (more, capped)
            })
            .collect()
    }

    /// log2 of the prior odds: where every pair starts.
    pub fn prior_weight(&self) -> f64 {
        self.prior_weight
    }

    pub fn decide(&self, score: f64) -> Decision {
        if score >= self.config.match_threshold {
            Decision::Match
        } else if score >= self.config.review_threshold {
            Decision::Review
        } else {
            Decision::NonMatch
        }
    }

    /// The probability a match weight stands for.
    pub fn probability(score: f64) -> f64 {
        1.0 / (1.0 + (-score).exp2())
    }

    /// Whether the given names disagree and no document says otherwise: then household
    /// facts are discounted and a different given name weighs at most the conflict weight.
    /// Siblings do not share a passport or a national id; a list that gives a household's
    /// documents to each member is a weakness of the list this rule cannot see.
    pub(crate) fn discounts(&self, p: Pattern) -> bool {
        self.config.household_rules
            && matches!(p.level(Comparison::GivenName), WEAK | DIFFERENT)
            && !Model::documents_agree(p)
    }

    pub(crate) fn documents_agree(p: Pattern) -> bool {
        p.level(Comparison::PassportNo) == EXACT || p.level(Comparison::NationalId) == EXACT
    }

    /// Weights before the household rules, and the positive sums they act on (household
    /// facts, facts siblings may share).
    fn raw_contributions(&self, p: Pattern, tf: [f64; 3]) -> ([f64; COMPARISONS], f64, f64) {
        let mut w = [0.0; COMPARISONS];
        let mut household = 0.0;
        let mut shared = 0.0;
        for c in Comparison::ALL {
            let l = p.level(c);
            if l == MISSING {
                continue;
            }
            let mut x = self.weights[c.index()][usize::from(l)];
            // Given, family and father's name are the first three comparisons.
            if l == EXACT && c.index() < 3 {
                x = (x + tf[c.index()]).clamp(-self.config.max_weight, self.config.max_weight);
            }
            if c == Comparison::GivenName && l == DIFFERENT && self.discounts(p) {
                x = x.min(self.config.given_name_conflict_weight);
            }
            if x > 0.0 && c.household() {
                household += x;
            }
            if x > 0.0 && c.shared_by_siblings() {
                shared += x;
            }
            w[c.index()] = x;
        }
        (w, household, shared)
    }

    /// What each comparison contributes: its weight, `tf` (the name-frequency adjustment
    /// of given, family, father's name) added to an exact name; when the given names
    /// disagree, the positive facts siblings may share scaled down by the discount and
    /// together to at most the household cap; otherwise the household facts together to at
    /// most the household maximum.
    pub(crate) fn contributions(&self, p: Pattern, tf: [f64; 3]) -> [f64; COMPARISONS] {
        let (mut w, household, shared) = self.raw_contributions(p, tf);
        let scale = |w: &mut [f64; COMPARISONS], applies: fn(Comparison) -> bool, factor: f64| {
            for c in Comparison::ALL {
                if applies(c) && w[c.index()] > 0.0 {
                    w[c.index()] *= factor;
                }
            }
        };
        if shared > 0.0 && self.discounts(p) {
            let factor = self
                .config
                .household_discount
                .min(self.config.household_cap / shared);
            scale(&mut w, Comparison::shared_by_siblings, factor);
        } else if self.config.household_rules && household > self.config.household_max {
            scale(
                &mut w,
                Comparison::household,
                self.config.household_max / household,
            );
        }
        w
    }

    /// The best match weight a pair can reach once the comparisons still missing from `p`
    /// are done, of which `pending` (bits by comparison index) may be present on both
    /// records. Each comparison counts at its level with the largest name-frequency
    /// adjustment, each pending one at its best level, and the household rules cap the sums
    /// as they would cap the final weights: a pair below the review threshold here is below
    /// it whatever the rest says, and need not be compared further. Called for every
    /// candidate pair, so it reads tables rather than the names.
    pub(crate) fn best_case(&self, p: Pattern, pending: u16) -> f64 {
        let discounted = self.discounts(p);
        // A document still to come may agree, and then the given names' disagreement
        // discounts nothing: the better of both cases.
        let documents = [Comparison::PassportNo, Comparison::NationalId]
            .iter()
            .any(|c| pending & (1 << c.index()) != 0);
        if discounted && documents {
            return self
                .best_case_as(p, pending, true)
                .max(self.best_case_as(p, pending, false));
        }
        self.best_case_as(p, pending, discounted)
    }

    fn best_case_as(&self, p: Pattern, pending: u16, discounted: bool) -> f64 {
        // Called for every candidate pair, up to three times: bit masks, not the
        // comparison list.
        let capped = if discounted {
            SHARED_BY_SIBLINGS
        } else if self.config.household_rules {
            HOUSEHOLD
        } else {
            0
        };
        let mut s = self.prior_weight;
        let mut sum = 0.0;
        let mut known = present(p) & !pending;
        while known != 0 {
            let i = known.trailing_zeros() as usize;
            known &= known - 1;
            let l = ((p.0 >> (3 * i)) & 7) as u8;
            let mut x = if l == EXACT && i < 3 {
                self.max_weights[i]
            } else {
                self.weights[i][usize::from(l)]
            };
            if i == Comparison::GivenName.index() && l == DIFFERENT && discounted {
                x = x.min(self.config.given_name_conflict_weight);
            }
            if x > 0.0 && capped & (1 << i) != 0 {
                sum += x;
            } else {
                s += x;
            }
        }
        let tables = self
            .pending_best
            .0
            .get_or_init(|| [false, true].map(|d| self.pending_table(d)));
        let (more, more_capped) =
            tables[usize::from(discounted)][usize::from(pending & PENDING_MASK)];
        s + more + self.cap(sum + more_capped, discounted)
    }

    /// Whether the household rules cap `c`'s positive weight: what siblings may share when
    /// the given names disagree, else the household facts.
    fn capped(&self, c: Comparison, discounted: bool) -> bool {
        if discounted {
            c.shared_by_siblings()
        } else {
            self.config.household_rules && c.household()
        }
    }

    /// What the household rules leave of `sum`, the positive weights [`Model::capped`].
    fn cap(&self, sum: f64, discounted: bool) -> f64 {
        if discounted {
            (self.config.household_discount * sum).min(self.config.household_cap)
        } else if self.config.household_rules {
            sum.min(self.config.household_max)
        } else {
            sum
        }
    }

    /// Whether the household maximum cut this pattern's household facts down.
    pub(crate) fn household_capped(&self, p: Pattern, tf: [f64; 3]) -> bool {
        let (_, household, _) = self.raw_contributions(p, tf);
        self.config.household_rules && !self.discounts(p) && household > self.config.household_max
    }

    /// The match weight of a pair: prior plus the contributions.
    pub(crate) fn score(&self, p: Pattern, tf: [f64; 3]) -> f64 {
        self.prior_weight + self.contributions(p, tf).iter().sum::<f64>()
    }

    /// The frequency adjustment for an exact name: log2(u of an exact name / the name's
    /// share), within [-8, 4]. `slot` is 0 given, 1 family, 2 father.
    pub(crate) fn tf_adjustment(&self, slot: usize, share: f64) -> f64 {
        if self.tf.floor <= 0.0 {
            return 0.0;
        }
        let c = [
            Comparison::GivenName,
            Comparison::FamilyName,
            Comparison::FatherName,
        ][slot];
        let u = self.comparisons[c.index()].levels[usize::from(EXACT)].u;
        let share = share.max(f64::from(self.tf.floor));
        (u / share).log2().clamp(-8.0, MAX_TF)
    }

    /// The share of records with a canonical name, as the model knows it.
    pub(crate) fn tf_share(&self, slot: usize, canonical: &str) -> f64 {
        f64::from(
            self.tf.names[slot]
                .get(canonical)
                .copied()
                .unwrap_or(self.tf.floor),
        )
    }
}

/// The largest name-frequency adjustment: a rare name agreeing counts this much more.
const MAX_TF: f64 = 4.0;

fn level_weight(c: Comparison, level: u8, m: f64, u: f64, config: &Config) -> f64 {
    let w = (m.max(1e-12) / u.max(1e-12)).log2();
    let mut w = w.clamp(-config.max_weight, config.max_weight);
    if c == Comparison::BirthDate && level >= 5 {
        w = w.min(config.birth_date_conflict_weight);
    }
    w
}

/// Prior m and u per level, from what such lists look like.
pub(crate) fn priors(c: Comparison) -> (&'static [f64], &'static [f64]) {
    match c {
        Comparison::GivenName | Comparison::FamilyName | Comparison::FatherName => (
            &[0.80, 0.08, 0.06, 0.03, 0.03],
            &[0.01, 0.005, 0.01, 0.04, 0.935],
        ),
        Comparison::BirthDate => (
            &[0.55, 0.05, 0.25, 0.03, 0.07, 0.03, 0.02],
            &[0.0003, 0.0005, 0.01, 0.015, 0.03, 0.12, 0.8242],
        ),
        Comparison::Sex => (&[0.97, 0.03], &[0.5, 0.5]),
        Comparison::Nationality => (&[0.95, 0.05], &[0.8, 0.2]),
        Comparison::PassportNo | Comparison::NationalId => {
            (&[0.85, 0.07, 0.08], &[1e-6, 1e-5, 0.999_989])
        }
        Comparison::Phone => (&[0.7, 0.05, 0.25], &[1e-5, 1e-4, 0.999_89]),
        Comparison::Email => (&[0.8, 0.05, 0.15], &[1e-6, 1e-4, 0.999_899]),
        Comparison::PlaceOfBirth | Comparison::City => (&[0.85, 0.05, 0.10], &[0.1, 0.02, 0.88]),
        Comparison::Address => (&[0.6, 0.15, 0.25], &[0.001, 0.01, 0.989]),
        Comparison::Province => (&[0.9, 0.1], &[0.1, 0.9]),
        Comparison::Postcode => (&[0.85, 0.15], &[0.05, 0.95]),
    }
}

/// Level counts over random pairs.
#[derive(Clone, Debug)]
pub(crate) struct LevelCounts(pub(crate) [[u64; 8]; COMPARISONS]);

impl LevelCounts {
    pub(crate) fn new() -> Self {
        LevelCounts([[0; 8]; COMPARISONS])
    }

    pub(crate) fn add(&mut self, p: Pattern) {
        for c in Comparison::ALL {
            self.0[c.index()][usize::from(p.level(c))] += 1;
        }
    }

    pub(crate) fn merge(&mut self, other: &LevelCounts) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
    }
}

/// u per level from random-pair counts, smoothed towards the prior; a level never seen
/// among `pairs` random pairs is taken as rarer than one in `pairs` but not impossible.
pub(crate) fn estimate_u(counts: &LevelCounts, config: &Config) -> Table {
    let mut u = [[0.0; 8]; COMPARISONS];
    for c in Comparison::ALL {
        let i = c.index();
        let (_, pu) = priors(c);
        let n: u64 = counts.0[i][..pu.len()].iter().sum();
        let floor = 0.5 / (n as f64 + 1.0);
        let strength = config.prior_strength * 50.0;
        for (l, &prior) in pu.iter().enumerate() {
            let x = (counts.0[i][l] as f64 + strength * prior) / (n as f64 + strength);
            u[i][l] = x.max(floor.min(prior));
        }
        normalise(&mut u[i][..pu.len()]);
    }
    u
}

fn normalise(v: &mut [f64]) {
    let s: f64 = v.iter().sum();
    if s > 0.0 {
        for x in v {
            *x /= s;
        }
    }
}

/// The result of EM.
pub(crate) struct Training {
    /// Its prior is the match probability of two random records.
    pub(crate) model: Model,
    /// The share of matches among the candidate pairs.
    pub(crate) candidate_rate: f64,
    pub(crate) iterations: u32,
    pub(crate) converged: bool,
}

/// EM over the distinct patterns of a sample of candidate pairs (with their counts), u
/// fixed. `candidates` is how many candidate pairs the sample stands for, `all_pairs` how
/// many pairs of records there are.
///
/// The E step uses the decision's own posterior: the prior of two random records (the
/// candidates' match rate scaled by candidates over all pairs) with weights from random-pair
/// u, household discount and conflict caps included. With the candidates' own rate as
/// prior instead, every pair of namesakes in a name block would look like a match and EM
/// would learn "same name" rather than "same person".
pub(crate) fn train(
    patterns: &[(Pattern, u64)],
    u: &Table,
    config: &Config,
    candidates: f64,
    all_pairs: f64,
) -> Training {
    let mut m = [[0.0; 8]; COMPARISONS];
    for c in Comparison::ALL {
        let (pm, _) = priors(c);
        m[c.index()][..pm.len()].copy_from_slice(pm);
    }
    let all_pairs = all_pairs.max(1.0);
    let scale = (candidates / all_pairs).clamp(0.0, 1.0);
    // Start from about one matching pair per two records: a person on one or two lists.
    let mut prior = (1.0 / (2.0 * all_pairs).sqrt()).clamp(1e-12, 0.5);
    let mut candidate_rate = prior / scale.max(1e-300);
    let mut model = Model::new(prior, &m, u, config.clone(), TermFrequencies::default());
    let total: f64 = patterns.iter().map(|(_, n)| *n as f64).sum();
    if total == 0.0 {
        return Training {
            model,
            candidate_rate: 0.0,
            iterations: 0,
            converged: true,
        };
    }
    let mut iterations = 0;
    let mut converged = false;
    while iterations < config.em_max_iterations {
        iterations += 1;
        let (num, matched) = expectation(&model, patterns, config.threads);
        let mut delta: f64 = 0.0;
        let mut next = [[0.0; 8]; COMPARISONS];
        for c in Comparison::ALL {
            let i = c.index();
            let (pm, _) = priors(c);
            let levels = pm.len();
            let sum: f64 = num[i][..levels].iter().sum();
            for l in 0..levels {
                let x = (num[i][l] + config.prior_strength * pm[l]) / (sum + config.prior_strength);
                next[i][l] = x.max(1e-4);
            }
            normalise(&mut next[i][..levels]);
            for l in 0..levels {
                delta = delta.max((next[i][l] - m[i][l]).abs());
            }
        }
        candidate_rate = (matched / total).clamp(1e-6, 0.9);
        let next_prior = (candidate_rate * scale).clamp(1e-12, 0.5);
        delta = delta.max((next_prior - prior).abs() / prior.max(1e-12) * 0.01);
        m = next;
        prior = next_prior;
        model = Model::new(prior, &m, u, config.clone(), TermFrequencies::default());
        if delta < config.em_tolerance {
            converged = true;
            break;
        }
    }
    Training {
        model,
        candidate_rate,
        iterations,
        converged,
    }
}

/// EM's expectation step: per comparison and level, the expected number of matches among
/// the pairs with it, and the expected number of matches in all. Large pattern lists are
/// split over `threads` threads and summed in order, so a run is repeatable.
fn expectation(model: &Model, patterns: &[(Pattern, u64)], threads: usize) -> (Table, f64) {
    let part = |patterns: &[(Pattern, u64)]| {
        let mut num = [[0.0f64; 8]; COMPARISONS];
        let mut matched = 0.0;
        for &(p, n) in patterns {
            let w = Model::probability(model.score(p, [0.0; 3])) * n as f64;
            matched += w;
            for c in Comparison::ALL {
                let l = p.level(c);
                if l != MISSING {
                    num[c.index()][usize::from(l)] += w;
                }
            }
        }
        (num, matched)
    };
    if threads < 2 || patterns.len() < 20_000 {
        return part(patterns);
    }
    let chunk = patterns.len().div_ceil(threads);
    let parts: Vec<(Table, f64)> = std::thread::scope(|s| {
        let handles: Vec<_> = patterns
            .chunks(chunk)
            .map(|c| s.spawn(move || part(c)))
            .collect();
        crate::join_all(handles)
    });
    let mut num = [[0.0f64; 8]; COMPARISONS];
    let mut matched = 0.0;
    for (n, m) in parts {
        matched += m;
        for (row, add) in num.iter_mut().zip(n) {
            for (x, y) in row.iter_mut().zip(add) {
                *x += y;
            }
        }
    }
    (num, matched)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::Rng;

    fn pattern(levels: &[(Comparison, u8)]) -> Pattern {
        let mut p = Pattern::all_missing();
        for &(c, l) in levels {
            let shift = 3 * c.index();
            p.0 = (p.0 & !(7 << shift)) | (u64::from(l) << shift);
        }
        p
    }

    #[test]
    fn prior_model_decides_obvious_pairs() {
        let m = Model::default();
        let same = pattern(&[
            (Comparison::GivenName, 0),
            (Comparison::FamilyName, 0),
            (Comparison::BirthDate, 0),
            (Comparison::Phone, 0),
        ]);
        let siblings = pattern(&[
            (Comparison::GivenName, DIFFERENT),
            (Comparison::FamilyName, 0),
            (Comparison::FatherName, 0),
            (Comparison::BirthDate, 5),
            (Comparison::Phone, 0),
            (Comparison::Address, 0),
        ]);
        let twins = pattern(&[
            (Comparison::GivenName, DIFFERENT),
            (Comparison::FamilyName, 0),
            (Comparison::FatherName, 0),
            (Comparison::BirthDate, 0),
            (Comparison::Phone, 0),
            (Comparison::Address, 0),
        ]);
        assert_eq!(m.decide(m.score(same, [0.0; 3])), Decision::Match);
        assert_eq!(m.decide(m.score(siblings, [0.0; 3])), Decision::NonMatch);
        assert_eq!(m.decide(m.score(twins, [0.0; 3])), Decision::NonMatch);
        assert!(m.score(twins, [0.0; 3]) - m.prior_weight() < m.config.conflict_threshold);
    }

    #[test]
    fn weights_respect_caps() {
        let m = Model::default();
        // Different given names are capped where no document agrees.
        let p = pattern(&[(Comparison::GivenName, DIFFERENT)]);
        assert!(m.contributions(p, [0.0; 3])[Comparison::GivenName.index()] <= -10.0);
        let d = &m.comparisons[Comparison::BirthDate.index()];
        assert!(d.levels[5].weight <= -8.0 && d.levels[6].weight <= -8.0);
        for c in &m.comparisons {
            for l in &c.levels {
                assert!(l.weight.abs() <= 20.0);
            }
            assert_eq!(c.levels.len(), c.comparison.levels().len());
        }
    }

    #[test]
    fn best_case_bounds_every_completion() {
        // Whatever the comparisons still to come turn out to be, and whatever the name
        // frequencies, the final weight is at most the best case: a pair stopped early could
        // never have reached review.
        let mut rng = Rng::new(7);
        let first = [
            Comparison::GivenName,
            Comparison::FamilyName,
            Comparison::BirthDate,
        ];
        for household_rules in [true, false] {
            let m = Model::new(
                1e-6,
                &priors_table(|c| priors(c).0),
                &priors_table(|c| priors(c).1),
                Config {
                    household_rules,
                    ..Config::default()
                },
                TermFrequencies::default(),
            );
            for _ in 0..20_000 {
                let mut full = Pattern::all_missing();
                for c in Comparison::ALL {
                    let levels = c.levels().len() as u64;
                    let l = rng.below(levels + 2);
                    if l < levels {
                        full.set(c, l as u8);
                    }
                }
                // Some of the later comparisons still to come (after the first stop all of
                // them, documents included; before the father's name only that one).
                let mut partial = full;
                let mut pending = 0u16;
                for c in Comparison::ALL {
                    if first.contains(&c) || rng.below(3) == 0 {
                        continue;
                    }
                    // Present on both sides (pending), or known to be missing.
                    if full.level(c) != MISSING || rng.below(4) == 0 {
                        pending |= 1 << c.index();
                    }
                    partial.set(c, MISSING);
                }
                let tf = [0, 1, 2].map(|_| rng.below(1_200) as f64 / 100.0 - 8.0);
                let best = m.best_case(partial, pending);
                let score = m.score(full, tf);
                assert!(score <= best + 1e-9, "{full:?}: {score} > {best}");
            }
        }
    }

    fn priors_table(side: impl Fn(Comparison) -> &'static [f64]) -> Table {
        let mut t = [[0.0; 8]; COMPARISONS];
        for c in Comparison::ALL {
            let v = side(c);
            t[c.index()][..v.len()].copy_from_slice(v);
        }
        t
    }

    #[test]
    fn em_recovers_m_and_prior_from_a_synthetic_mixture() {
        // 10% matches agreeing on each of four comparisons with p = 0.9, non-matches with
        // the u below; EM must find the prior and the m values again.
        let comps = [
            Comparison::GivenName,
            Comparison::FamilyName,
            Comparison::Phone,
            Comparison::PassportNo,
        ];
        let u_true = [0.05, 0.1, 0.01, 0.001];
        let mut rng = Rng::new(1);
        let mut hist: HashMap<Pattern, u64> = HashMap::new();
        let mut counts = LevelCounts::new();
        let draw = |rng: &mut Rng, p: f64| (rng.next_u64() as f64 / u64::MAX as f64) < p;
        for i in 0..200_000 {
            let is_match = i % 10 == 0;
            let mut levels = Vec::new();
            for (k, c) in comps.iter().enumerate() {
                let agree = draw(&mut rng, if is_match { 0.9 } else { u_true[k] });
                let l = if agree {
                    0
                } else if c.levels().len() == 5 {
                    DIFFERENT
                } else {
                    c.levels().len() as u8 - 1
                };
                levels.push((*c, l));
            }
            *hist.entry(pattern(&levels)).or_default() += 1;
        }
        // u from "random pairs": non-matches only.
        for _ in 0..200_000 {
            let mut levels = Vec::new();
            for (k, c) in comps.iter().enumerate() {
                let agree = draw(&mut rng, u_true[k]);
                let l = if agree {
                    0
                } else if c.levels().len() == 5 {
                    DIFFERENT
                } else {
                    c.levels().len() as u8 - 1
                };
                levels.push((*c, l));
            }
            counts.add(pattern(&levels));
        }
        let config = Config {
            given_name_conflict_weight: 0.0,
            household_discount: 1.0,
            ..Config::default()
        };
        let u = estimate_u(&counts, &config);
        let mut patterns: Vec<(Pattern, u64)> = hist.into_iter().collect();
        patterns.sort();
        let t = train(&patterns, &u, &config, 200_000.0, 200_000.0);
        assert!(t.converged, "EM converged in {} iterations", t.iterations);
        assert!(
            (t.model.prior - 0.1).abs() < 0.01,
            "prior {}",
            t.model.prior
        );
        for c in comps {
            let m0 = t.model.comparisons[c.index()].levels[0].m;
            assert!((m0 - 0.9).abs() < 0.03, "{c}: m = {m0}");
        }
    }

    #[test]
    fn u_is_smoothed_never_zero() {
        let mut counts = LevelCounts::new();
        for _ in 0..1000 {
            counts.add(pattern(&[(Comparison::PassportNo, 2)]));
        }
        let u = estimate_u(&counts, &Config::default());
        let p = &u[Comparison::PassportNo.index()];
        assert!(p[0] > 0.0 && p[0] < 1e-3);
        assert!((p[0] + p[1] + p[2] - 1.0).abs() < 1e-9);
    }
}

//! Blocking: which pairs are compared at all. Thirteen keys, so that a typo, a missing date or
//! a swapped name in one field does not hide a pair; each pair is compared once, under the
//! first key that brings it together. Blocks larger than the cap are sorted and compared in
//! a sliding window, and the pairs this leaves out are counted. A sparse record (one without
//! what the block is sorted by, see [`sparse`]) would find its partners in a window only by
//! chance: in a block of moderate size it meets every record that is not sparse.

use crate::compare::{Comparer, Side};
use crate::features::{NONE, NameRef, Rec};
use crate::hash::{Fnv, key32, mix};
use crate::names::{MAX_TOKENS, NameView};

pub(crate) const KEYS: usize = 13;

/// The blocking keys, in the order pairs are attributed to them.
pub(crate) const KEY_NAMES: [&str; KEYS] = [
    "passport",
    "national id",
    "phone",
    "email",
    "address",
    "name + birth year",
    "name words",
    "family + father",
    "given + province",
    "given + birth date",
    "family + birth date",
    "birth date + postcode",
    "given + birth year",
];

const PASSPORT: usize = 0;
const NATIONAL_ID: usize = 1;
const PHONE: usize = 2;
const EMAIL: usize = 3;
const ADDRESS: usize = 4;
const NAME_YEAR: usize = 5;
const NAME_WORDS: usize = 6;
const FAMILY_FATHER: usize = 7;
const GIVEN_PLACE: usize = 8;
const GIVEN_DATE: usize = 9;
const FAMILY_DATE: usize = 10;
const DATE_POSTCODE: usize = 11;
const GIVEN_YEAR: usize = 12;

/// Per blocking key: how it split the records.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyStats {
    pub key: &'static str,
    /// Blocks of two records or more.
    pub blocks: usize,
    pub largest: usize,
    /// Blocks over the cap, compared in a window.
    pub oversized: usize,
    /// Pairs first compared under this key.
    pub pairs: u64,
    /// Pairs of oversized blocks the window left out.
    pub skipped: u64,
}

/// The blocking keys of a record; 0 where the record lacks what the key needs.
pub(crate) fn keys_of(r: &Rec, arena: &[u8], names: &NameView) -> [u32; KEYS] {
    let mut k = [0u32; KEYS];
    let h = |kind: usize, parts: &[u64]| {
        let mut f = Fnv::new().u64(kind as u64);
        for p in parts {
            f = f.u64(*p);
        }
        key32(f.finish())
    };
    let bytes = |kind: usize, s: Option<&[u8]>| {
        s.map_or(0, |b| key32(Fnv::new().u64(kind as u64).bytes(b).finish()))
    };
    k[PASSPORT] = bytes(PASSPORT, r.passport.get(arena));
    k[NATIONAL_ID] = bytes(NATIONAL_ID, r.national_id.get(arena));
    if r.phone != 0 {
        k[PHONE] = h(PHONE, &[r.phone]);
    }
    k[EMAIL] = bytes(EMAIL, r.email.get(arena));
    k[ADDRESS] = bytes(ADDRESS, r.address.get(arena));
    let info = |n: NameRef| n.id().map(|id| names.info(id));
    let given = info(r.given);
    let family = info(r.family);
    let father = info(r.father);
    let year = u64::from(r.dob.year);
    if let Some(g) = given {
        let gs = g.core_skeleton;
        if year != 0 {
            // Either order: a swapped record still meets its other records.
            let fs = family.map_or(0, |f| f.core_skeleton);
            k[NAME_YEAR] = h(NAME_YEAR, &[gs.min(fs), gs.max(fs), year]);
        }
        if let Some(p) = [r.province, r.city].into_iter().find(|&p| p != NONE) {
            k[GIVEN_PLACE] = h(GIVEN_PLACE, &[gs, names.info(p).skeleton]);
        }
        if r.dob.is_full() {
            k[GIVEN_DATE] = h(
                GIVEN_DATE,
                &[gs, year, u64::from(r.dob.month), u64::from(r.dob.day)],
            );
        }
        if year != 0 {
            k[GIVEN_YEAR] = h(GIVEN_YEAR, &[gs, year]);
        }
        let mut words = [0u64; 2 * MAX_TOKENS];
        let mut n = 0;
        for w in g
            .word_skeletons()
            .iter()
            .chain(family.map_or(&[][..], |f| f.word_skeletons()))
        {
            words[n] = u64::from(*w);
            n += 1;
        }
        words[..n].sort_unstable();
        if n == 1 {
            // A single name alone would block with every namesake: add the year.
            words[1] = year;
            n = 2;
        }
        k[NAME_WORDS] = h(NAME_WORDS, &words[..n]);
    }
    if let (Some(f), Some(fa)) = (family, father) {
        k[FAMILY_FATHER] = h(FAMILY_FATHER, &[f.skeleton, fa.skeleton]);
    }
    // A full birth date is nearly a key by itself; with the family name or the postcode it
    // finds records whose given name was misspelt, replaced or left out. (With the city it
    // made blocks of a capital's people born on one day: 3.6 million pairs at 1,000,000
    // records for 262 true pairs no other key found, so it is gone.)
    if r.dob.is_full() {
        let date = [year, u64::from(r.dob.month), u64::from(r.dob.day)];
        // A single name may be the family name.
        if let Some(f) = family.or(given) {
            k[FAMILY_DATE] = h(FAMILY_DATE, &[f.skeleton, date[0], date[1], date[2]]);
        }
        if r.postcode != 0 {
            k[DATE_POSTCODE] = h(DATE_POSTCODE, &[r.postcode, date[0], date[1], date[2]]);
        }
    }
    k
}

/// The order inside an oversized block, so that records likely to be one person end up
/// within the window: by name, or for name words (which fix the name) by birth year and
/// father. (Sorting the other keys by year first loses more pairs than it finds: a third of
/// the records have no year.) Sparse records (see [`sparse`]) sort first.
pub(crate) fn secondary(r: &Rec, kind: usize, names: &NameView) -> u64 {
    let skel = |n: NameRef| {
        n.id()
            .map_or(0, |id| u64::from(key32(names.info(id).core_skeleton)))
    };
    match kind {
        // No year (sparse) is year 0: first.
        NAME_WORDS => (u64::from(r.dob.year) << 32) | skel(r.father),
        GIVEN_YEAR => (u64::from(!sparse(r, kind)) << 63) | skel(r.family),
        GIVEN_PLACE => (u64::from(!sparse(r, kind)) << 63) | (skel(r.given) << 31) | skel(r.family),
        _ => (skel(r.given) << 32) | skel(r.family),
    }
}

/// A record that lacks what orders a block of `kind`: under name words, a birth year; under
/// given name + birth year or + province, a family name. Its true partners can sit anywhere
/// in the block's order, never near it, so a window finds them only by chance: in a block of
/// at most [`sparse_cap`] records it is compared with every record that is not sparse.
pub(crate) fn sparse(r: &Rec, kind: usize) -> bool {
    match kind {
        NAME_WORDS => r.dob.year == 0,
        GIVEN_YEAR | GIVEN_PLACE => !r.family.is_some(),
        _ => false,
    }
}

/// Whether blocks of `kind` pair sparse records with the others (in blocks of any size).
fn has_sparse(kind: usize) -> bool {
    matches!(kind, NAME_WORDS | GIVEN_YEAR | GIVEN_PLACE)
}

/// The largest block of `kind` whose sparse records meet all the others:
/// `Config::sparse_block_size`, and half that for given name + birth year, whose blocks
/// are all of one given name and year and whose sparse records are single names: at
/// 1,000,000 records the blocks between the two sizes cost 1.9 million pairs for 0.1 % of
/// the true pairs.
pub(crate) fn sparse_cap(kind: usize, sparse_block_size: usize) -> usize {
    if sparse_only(kind) {
        sparse_block_size / 2
    } else {
        sparse_block_size
    }
}

/// Keys that compare only sparse records with the others, never two of the others: given
/// name + birth year is there for a record with a single name (and a year) to meet the
/// full-named records of its person; name + birth year already pairs the full-named ones.
pub(crate) fn sparse_only(kind: usize) -> bool {
    kind == GIVEN_YEAR
}

/// Where a record sorts in a run's internal order (family, given name, birth year), which
/// also breaks ties inside an oversized block. An index sorts by the same.
pub(crate) fn locality(r: &Rec, names: &NameView) -> (u64, u64, u16) {
    let skel = |n: NameRef| n.id().map_or(0, |id| names.info(id).skeleton);
    (skel(r.family), skel(r.given), r.dob.year)
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Block {
    pub(crate) kind: u8,
    pub(crate) windowed: bool,
    pub(crate) start: u32,
    pub(crate) len: u32,
    /// Leading sparse members, each compared with every member after them; 0 when the
    /// block does not do so.
    pub(crate) sparse: u32,
}

/// Every block of every key. Per-key tables are kept apart (and empty where a key needs
/// none), as each key's thread wrote them: merging them would cost passes over fresh memory.
pub(crate) struct Blocking {
    pub(crate) keys: Vec<[u32; KEYS]>,
    /// Per key, the position + 1 of a record in its block when the block is windowed, else
    /// 0; empty when the key has no windowed block.
    pos: Vec<Vec<u32>>,
    /// Per key, bit 0: the record's block compares sparse records with the rest; bit 1: the
    /// record is sparse. Empty when no block of the key does so.
    flags: Vec<Vec<u8>>,
    /// Per key, the members of its blocks, block after block.
    members: Vec<Vec<u32>>,
    /// Every key's blocks, key after key.
    blocks: Vec<Block>,
    pub(crate) window: usize,
    pub(crate) stats: Vec<KeyStats>,
}

impl Blocking {
    pub(crate) fn build(
        recs: &[Rec],
        arena: &[u8],
        names: &NameView,
        max_block: usize,
        window: usize,
        sparse_cap: usize,
        threads: usize,
    ) -> Blocking {
        let keys: Vec<[u32; KEYS]> =
            crate::par_map(recs, threads, [0; KEYS], |r| keys_of(r, arena, names));
        let threads = threads.clamp(1, KEYS);
        let max_block = max_block.max(2);
        // Keys are sorted on separate threads, kind by kind.
        let per_kind: Vec<KindBlocks> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let keys = &keys;
                    s.spawn(move || {
                        let mut scratch = Vec::new();
                        (t..KEYS)
                            .step_by(threads)
                            .map(|kind| {
                                kind_blocks(
                                    kind,
                                    recs,
                                    keys,
                                    names,
                                    (max_block, window, sparse_cap),
                                    &mut scratch,
                                )
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            let mut all: Vec<KindBlocks> = handles.into_iter().flat_map(crate::join_one).collect();
            all.sort_by_key(|k| k.kind);
            all
        });
        let mut blocks = Vec::new();
        let (mut pos, mut flags, mut members) = (Vec::new(), Vec::new(), Vec::new());
        let mut stats = Vec::with_capacity(KEYS);
        for kb in per_kind {
            blocks.extend(kb.blocks);
            pos.push(kb.pos);
            flags.push(kb.flags);
            members.push(kb.members);
            stats.push(kb.stats);
        }
        Blocking {
            keys,
            pos,
            flags,
            members,
            blocks,
            window,
            stats,
        }
    }

    /// Pairs the blocks would compare, before de-duplication across keys.
    pub(crate) fn pair_estimate(&self) -> u64 {
        self.blocks
            .iter()
            .map(|b| {
                let n = u64::from(b.len);
                let s = u64::from(b.sparse);
                if sparse_only(usize::from(b.kind)) {
                    s * (n - s)
                } else if b.windowed {
                    n * self.window as u64 + s * (n - s)
                } else {
                    n * (n - 1) / 2
                }
            })
            .sum()
    }

    pub(crate) fn block_count(&self) -> usize {
        self.blocks.len()
    }

    /// Whether records `i` and `j`, meeting under key `kind`, already met under an
    /// earlier key (and were compared there).
    fn met_before(&self, kind: usize, i: u32, j: u32) -> bool {
        let (ki, kj) = (&self.keys[i as usize], &self.keys[j as usize]);
        // All keys at once (the compiler makes this a few vector instructions), then
        // positions only for the keys shared.
        let mut shared = 0u32;
        for k in 0..KEYS {
            shared |= u32::from(ki[k] == kj[k] && ki[k] != 0) << k;
        }
        shared &= (1u32 << kind) - 1;
        while shared != 0 {
            if self.compared_under(shared.trailing_zeros() as usize, i, j) {
                return true;
            }
            shared &= shared - 1;
        }
        false
    }

    /// Whether records `i` and `j`, which share key `k`, are compared in its block.
    fn compared_under(&self, k: usize, i: u32, j: u32) -> bool {
        let (i, j) = (i as usize, j as usize);
        if let (Some(&fi), Some(&fj)) = (self.flags[k].get(i), self.flags[k].get(j)) {
            // A sparse record and one that is not, in a block that pairs them.
            if fi & fj & 1 != 0 && (fi ^ fj) & 2 != 0 {
                return true;
            }
        }
        if sparse_only(k) {
            return false;
        }
        match (self.pos[k].get(i), self.pos[k].get(j)) {
            (Some(&pi), Some(&pj)) if pi != 0 => pi.abs_diff(pj) as usize <= self.window,
            // Not windowed: the block compares all its pairs.
            _ => true,
        }
    }

    /// Whether records `i` and `j` are compared; if not, the first key they share whose
    /// block left them out (a window, or a rule for sparse records). For diagnostics.
    pub(crate) fn met(&self, i: u32, j: u32) -> Met {
        let (ki, kj) = (&self.keys[i as usize], &self.keys[j as usize]);
        let mut left_out = None;
        for k in 0..KEYS {
            if ki[k] == kj[k] && ki[k] != 0 {
                if self.compared_under(k, i, j) {
                    return Met::Compared;
                }
                left_out.get_or_insert(k);
            }
        }
        left_out.map_or(Met::Apart, Met::LeftOut)
    }

    /// Calls `visit(acc, kind, i, j)` once for every candidate pair, on `threads` threads,
    /// each with its own accumulator.
    pub(crate) fn for_each_pair<A, I, V>(&self, threads: usize, init: I, visit: V) -> Vec<A>
    where
        A: Send,
        I: Fn() -> A + Sync,
        V: Fn(&mut A, usize, u32, u32) + Sync,
    {
        self.for_each_pair_sampled(threads, 1.0, 0, init, visit)
    }

    /// As `for_each_pair`, over a deterministic sample of about `share` of the blocks:
    /// sampling blocks rather than pairs spares enumerating the pairs left out.
    pub(crate) fn for_each_pair_sampled<A, I, V>(
        &self,
        threads: usize,
        share: f64,
        seed: u64,
        init: I,
        visit: V,
    ) -> Vec<A>
    where
        A: Send,
        I: Fn() -> A + Sync,
        V: Fn(&mut A, usize, u32, u32) + Sync,
    {
        let threads = threads.max(1);
        let cut = (share.clamp(0.0, 1.0) * u64::MAX as f64) as u64;
        let keep = |b: usize| share >= 1.0 || mix(b as u64 ^ seed) < cut;
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let (init, visit) = (&init, &visit);
                    s.spawn(move || {
                        let mut acc = init();
                        for (_, b) in self
                            .blocks
                            .iter()
                            .enumerate()
                            .skip(t)
                            .step_by(threads)
                            .filter(|(n, _)| keep(*n))
                        {
                            let kind = usize::from(b.kind);
                            let m =
                                &self.members[kind][b.start as usize..(b.start + b.len) as usize];
                            let sparse = b.sparse as usize;
                            let mut pair = |i: u32, j: u32| {
                                if !self.met_before(kind, i, j) {
                                    visit(&mut acc, kind, i.min(j), i.max(j));
                                }
                            };
                            if sparse_only(kind) {
                                for &i in &m[..sparse] {
                                    for &j in &m[sparse..] {
                                        pair(i, j);
                                    }
                                }
                                continue;
                            }
                            for a in 0..m.len() {
                                let end = if b.windowed {
                                    (a + 1 + self.window).min(m.len())
                                } else {
                                    m.len()
                                };
                                for &j in &m[a + 1..end] {
                                    pair(m[a], j);
                                }
                                // A sparse record, and the rest beyond the window.
                                if a < sparse {
                                    for &j in &m[end.max(sparse)..] {
                                        pair(m[a], j);
                                    }
                                }
                            }
                        }
                        acc
                    })
                })
                .collect();
            crate::join_all(handles)
        })
    }
}

/// How blocking treats a pair of records.
pub(crate) enum Met {
    Compared,
    /// They share this key, but its block left them out.
    LeftOut(usize),
    /// They share no key.
    Apart,
}

struct KindBlocks {
    kind: usize,
    members: Vec<u32>,
    blocks: Vec<Block>,
    /// As `Blocking::pos` and `Blocking::flags` for this key.
    pos: Vec<u32>,
    flags: Vec<u8>,
    stats: KeyStats,
}

/// The blocks of one key; `sizes` are the largest block, the window and the largest block
/// whose sparse records meet all the rest. `v` is a scratch buffer, reused from key to key:
/// freeing and reallocating it would cost a page fault per 4 KiB each time.
fn kind_blocks(
    kind: usize,
    recs: &[Rec],
    keys: &[[u32; KEYS]],
    names: &NameView,
    sizes: (usize, usize, usize),
    v: &mut Vec<(u32, u64, u32)>,
) -> KindBlocks {
    let (max_block, window, sparse_block_size) = sizes;
    let sparse_cap = sparse_cap(kind, sparse_block_size);
    v.clear();
    v.extend(
        keys.iter()
            .enumerate()
            .filter(|(_, k)| k[kind] != 0)
            .map(|(i, k)| (k[kind], secondary(&recs[i], kind, names), i as u32)),
    );
    v.sort_unstable();
    let mut out = KindBlocks {
        kind,
        members: Vec::new(),
        blocks: Vec::new(),
        pos: Vec::new(),
        flags: Vec::new(),
        stats: KeyStats {
            key: KEY_NAMES[kind],
            ..KeyStats::default()
        },
    };
    let mut start = 0;
    while start < v.len() {
        let mut end = start + 1;
        while end < v.len() && v[end].0 == v[start].0 {
            end += 1;
        }
        let len = end - start;
        let block = &v[start..end];
        start = end;
        if len < 2 {
            continue;
        }
        let only = sparse_only(kind);
        let windowed = !only && len > max_block;
        // Sparse records sort first.
        let sparse = if has_sparse(kind) {
            block
                .iter()
                .take_while(|e| sparse(&recs[e.2 as usize], kind))
                .count()
        } else {
            0
        };
        let mixed = sparse > 0 && sparse < len;
        let all = (len as u64) * (len as u64 - 1) / 2;
        let across = (sparse * (len - sparse)) as u64;
        if only {
            // Only sparse records against the rest, and only in a block small enough.
            if !mixed {
                continue;
            }
            out.stats.largest = out.stats.largest.max(len);
            if len > sparse_cap {
                out.stats.oversized += 1;
                out.stats.skipped += across;
                continue;
            }
        }
        let pairs_sparse = mixed && (windowed || only) && len <= sparse_cap;
        let first = out.members.len() as u32;
        // Zeroed, so the pages of records in no such block are never touched.
        if windowed && out.pos.is_empty() {
            out.pos = vec![0; recs.len()];
        }
        if pairs_sparse && out.flags.is_empty() {
            out.flags = vec![0; recs.len()];
        }
        for (p, e) in block.iter().enumerate() {
            out.members.push(e.2);
            if windowed {
                out.pos[e.2 as usize] = p as u32 + 1;
            }
            if pairs_sparse {
                out.flags[e.2 as usize] = 1 | (u8::from(p < sparse) << 1);
            }
        }
        out.blocks.push(Block {
            kind: kind as u8,
            windowed,
            start: first,
            len: len as u32,
            sparse: if pairs_sparse { sparse as u32 } else { 0 },
        });
        out.stats.blocks += 1;
        out.stats.largest = out.stats.largest.max(len);
        if windowed {
            out.stats.oversized += 1;
            let w = window.min(len - 1) as u64;
            let mut kept = w * len as u64 - w * (w + 1) / 2;
            if pairs_sparse {
                // Sparse records also meet the rest beyond the window.
                kept += (0..sparse)
                    .map(|a| (len - (a + 1 + window).min(len).max(sparse)) as u64)
                    .sum::<u64>();
            }
            out.stats.skipped += all - kept;
        }
    }
    out
}

/// Scores of candidate pairs are computed where the pair is visited; this helper is the one
/// place that builds the two sides of a pair of batch records.
pub(crate) fn sides<'a>(recs: &'a [Rec], arena: &'a [u8], i: u32, j: u32) -> (Side<'a>, Side<'a>) {
    (
        Side {
            rec: &recs[i as usize],
            arena,
        },
        Side {
            rec: &recs[j as usize],
            arena,
        },
    )
}

/// Compares a candidate pair of batch records.
pub(crate) fn compare_pair(
    recs: &[Rec],
    arena: &[u8],
    cx: &mut Comparer,
    i: u32,
    j: u32,
) -> crate::compare::Outcome {
    let (a, b) = sides(recs, arena, i, j);
    cx.compare(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::prepare;
    use crate::record::{Field, RawRecord};

    fn records(rows: &[&[(Field, &str)]]) -> Vec<RawRecord> {
        rows.iter()
            .enumerate()
            .map(|(i, fields)| {
                let mut r = RawRecord::new(format!("r{i}"), "t");
                for (f, v) in *fields {
                    r.set(*f, *v);
                }
                r
            })
            .collect()
    }

    fn pairs(
        recs: &[RawRecord],
        max_block: usize,
        window: usize,
    ) -> (Vec<(u32, u32, usize)>, Blocking) {
        let p = prepare(recs, 1);
        let names = NameView::new(&p.names);
        let b = Blocking::build(&p.recs, &p.arena, &names, max_block, window, 320, 2);
        let mut out: Vec<(u32, u32, usize)> = b
            .for_each_pair(2, Vec::new, |acc, kind, i, j| acc.push((i, j, kind)))
            .into_iter()
            .flatten()
            .collect();
        out.sort_unstable();
        (out, b)
    }

    #[test]
    fn variants_meet_under_some_key_and_each_pair_once() {
        use Field::*;
        let recs = records(&[
            &[
                (GivenName, "Mohammad Nabi"),
                (FamilyName, "Karimi"),
                (DateOfBirth, "1985-03-12"),
                (FatherName, "Abdul Rahim"),
            ],
            // Mohammad dropped, date in Solar Hijri: name + birth year.
            &[
                (GivenName, "Nabi"),
                (FamilyName, "Karimy"),
                (DateOfBirth, "1363-12-21"),
            ],
            // Swapped, no date, no father: name words.
            &[(GivenName, "Karimi"), (FamilyName, "Mohammad Nabi")],
            // Typo in the family name, same father: given + father.
            &[
                (GivenName, "Nabi"),
                (FamilyName, "Krimi"),
                (FatherName, "Abdurrahim"),
            ],
            // Only a phone and a passport in common with record 5.
            &[
                (FullName, "N. K."),
                (Phone, "0700111222"),
                (PassportNo, "P1234567"),
            ],
            &[
                (GivenName, "Nabi"),
                (FamilyName, "Karimi"),
                (Phone, "+93 700 111 222"),
                (PassportNo, "p 1234567"),
            ],
        ]);
        let (pairs, _) = pairs(&recs, 60, 10);
        let has = |i: u32, j: u32| pairs.iter().any(|p| (p.0, p.1) == (i, j));
        assert!(has(0, 1), "{pairs:?}");
        assert!(has(0, 2), "{pairs:?}");
        assert!(has(0, 3), "{pairs:?}");
        assert!(has(4, 5), "{pairs:?}");
        assert!(has(1, 5), "{pairs:?}");
        let mut seen: Vec<(u32, u32)> = pairs.iter().map(|p| (p.0, p.1)).collect();
        seen.dedup();
        assert_eq!(seen.len(), pairs.len(), "a pair is compared once");
        // The phone pair is attributed to the first key that joins it: passport.
        assert_eq!(
            pairs.iter().find(|p| (p.0, p.1) == (4, 5)).map(|p| p.2),
            Some(0)
        );
    }

    #[test]
    fn oversized_blocks_use_a_window_and_count_what_they_skip() {
        use Field::*;
        let rows: Vec<Vec<(Field, String)>> = (0..40)
            .map(|i| {
                vec![
                    (GivenName, format!("Name{}", i / 2)),
                    (Phone, "0700000000".to_string()),
                ]
            })
            .collect();
        let recs: Vec<RawRecord> = rows
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let mut r = RawRecord::new(format!("r{i}"), "t");
                for (k, v) in f {
                    r.set(*k, v.clone());
                }
                r
            })
            .collect();
        let (pairs, b) = pairs(&recs, 10, 3);
        let phone = &b.stats[2];
        assert_eq!(phone.oversized, 1);
        assert_eq!(phone.largest, 40);
        let compared = 3 * 40 - 6;
        assert_eq!(phone.skipped, 40 * 39 / 2 - compared);
        assert_eq!(pairs.iter().filter(|p| p.2 == 2).count() as u64, compared);
        // Records with the same name sort next to each other, so each namesake pair is in.
        for i in (0..40).step_by(2) {
            assert!(pairs.iter().any(|p| (p.0, p.1) == (i, i + 1)), "pair {i}");
        }
    }
}

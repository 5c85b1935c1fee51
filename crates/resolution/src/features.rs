//! A record normalised for comparison: interned names, parsed dates and phones, document
//! numbers in a shared byte arena. About 90 bytes a record, no allocation of its own.

use std::collections::HashMap;

use crate::hash::hash_bytes;
use crate::names::{NameSink, NameView, Names, canonical_words, split_father};
use crate::record::{Field, RawRecord};
use crate::text::{fold, words};
use crate::values::{
    Dob, normalise_address, normalise_document, normalise_email, normalise_nationality,
    normalise_place, normalise_postcode, parse_date, parse_phone, parse_sex,
};

/// No interned value.
pub(crate) const NONE: u32 = u32::MAX;

/// An interned name, with a flag in the top bit when it was transliterated letter by letter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NameRef(pub(crate) u32);

impl NameRef {
    pub(crate) const NONE: NameRef = NameRef(NONE);
    const GUESSED: u32 = 1 << 31;

    pub(crate) fn new(id: u32, guessed: bool) -> NameRef {
        NameRef(id | if guessed { NameRef::GUESSED } else { 0 })
    }

    pub(crate) fn id(self) -> Option<u32> {
        (self.0 != NONE).then_some(self.0 & !NameRef::GUESSED)
    }

    pub(crate) fn is_some(self) -> bool {
        self.0 != NONE
    }

    pub(crate) fn guessed(self) -> bool {
        self.0 != NONE && self.0 & NameRef::GUESSED != 0
    }

    fn remap(self, map: &[u32]) -> NameRef {
        match self.id() {
            Some(id) => NameRef::new(map[id as usize], self.guessed()),
            None => self,
        }
    }
}

/// Bytes of a value in an arena; `len == 0` means absent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Span {
    off: u32,
    len: u16,
}

impl Span {
    /// Whether a value is there (without reading it).
    pub(crate) fn present(self) -> bool {
        self.len != 0
    }

    pub(crate) fn get(self, arena: &[u8]) -> Option<&[u8]> {
        if self.len == 0 {
            return None;
        }
        let start = self.off as usize;
        arena.get(start..start + usize::from(self.len))
    }

    fn push(arena: &mut Vec<u8>, value: Option<&str>) -> Span {
        let Some(v) = value else {
            return Span::default();
        };
        let bytes = &v.as_bytes()[..v.len().min(usize::from(u16::MAX))];
        let off = arena.len() as u32;
        arena.extend_from_slice(bytes);
        Span {
            off,
            len: bytes.len() as u16,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rec {
    pub(crate) given: NameRef,
    pub(crate) family: NameRef,
    pub(crate) father: NameRef,
    /// Interned in the same table as names.
    pub(crate) nationality: u32,
    pub(crate) place_of_birth: u32,
    pub(crate) city: u32,
    pub(crate) province: u32,
    /// International digits, 0 when absent.
    pub(crate) phone: u64,
    /// Hash of the normalised postcode, 0 when absent.
    pub(crate) postcode: u64,
    pub(crate) passport: Span,
    pub(crate) national_id: Span,
    pub(crate) email: Span,
    pub(crate) address: Span,
    pub(crate) dob: Dob,
    /// 1 male, 2 female, 0 unknown.
    pub(crate) sex: u8,
}

/// How a record's name fields were read, for explanations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NameSource {
    Fields,
    FullName,
}

/// Normalises records into one name table and one arena, caching by raw value: lists
/// repeat the same names and places thousands of times. The caches borrow the raw values
/// from the records (`'r`) rather than copy them: a million records hold about a million
/// distinct raw names.
pub(crate) struct Normaliser<'r, S: NameSink> {
    pub(crate) sink: S,
    pub(crate) arena: Vec<u8>,
    names: HashMap<&'r str, NameRef>,
    fulls: HashMap<&'r str, [NameRef; 3]>,
    places: HashMap<&'r str, u32>,
    nationalities: HashMap<&'r str, u32>,
    buf: String,
}

impl<'r, S: NameSink> Normaliser<'r, S> {
    pub(crate) fn new(sink: S) -> Self {
        Normaliser {
            sink,
            arena: Vec::new(),
            names: HashMap::new(),
            fulls: HashMap::new(),
            places: HashMap::new(),
            nationalities: HashMap::new(),
            buf: String::new(),
        }
    }

    pub(crate) fn record(&mut self, r: &'r RawRecord) -> Rec {
        self.record_with_source(r).0
    }

    pub(crate) fn record_with_source(&mut self, r: &'r RawRecord) -> (Rec, NameSource) {
        let given = r.get(Field::GivenName);
        let family = r.get(Field::FamilyName);
        let full = r.get(Field::FullName);
        let father_raw = r.get(Field::FatherName);
        let (mut g, mut f, mut father, source) = match (given, family, full) {
            (Some(g), Some(f), _) => (
                self.name(g),
                self.name(f),
                NameRef::NONE,
                NameSource::Fields,
            ),
            (_, _, Some(full)) => {
                let [g, f, fa] = self.full_name(full);
                (g, f, fa, NameSource::FullName)
            }
            (g, f, None) => (
                g.map_or(NameRef::NONE, |g| self.name(g)),
                f.map_or(NameRef::NONE, |f| self.name(f)),
                NameRef::NONE,
                NameSource::Fields,
            ),
        };
        if let Some(fa) = father_raw {
            father = self.name(fa);
        }
        // A family name alone is a single name, compared against both parts of the other's.
        if !g.is_some() && f.is_some() {
            (g, f) = (f, NameRef::NONE);
        }
        let buf = &mut self.buf;
        let dob = r
            .get(Field::DateOfBirth)
            .and_then(|d| parse_date(d, buf))
            .unwrap_or_default();
        let phone = r
            .get(Field::Phone)
            .and_then(|p| parse_phone(p, buf))
            .unwrap_or(0);
        let passport = r
            .get(Field::PassportNo)
            .and_then(|p| normalise_document(p, buf));
        let national_id = r
            .get(Field::NationalId)
            .and_then(|p| normalise_document(p, buf));
        let email = r.get(Field::Email).and_then(|p| normalise_email(p, buf));
        let address = r
            .get(Field::Address)
            .and_then(|p| normalise_address(p, buf));
        let postcode = r
            .get(Field::Postcode)
            .and_then(|p| normalise_postcode(p, buf))
            .map_or(0, |p| hash_bytes(p.as_bytes()));
        let sex = r.get(Field::Sex).map_or(0, |s| parse_sex(s, buf));
        let rec = Rec {
            given: g,
            family: f,
            father,
            nationality: r
                .get(Field::Nationality)
                .map_or(NONE, |n| self.nationality(n)),
            place_of_birth: r.get(Field::PlaceOfBirth).map_or(NONE, |p| self.place(p)),
            city: r.get(Field::City).map_or(NONE, |p| self.place(p)),
            province: r.get(Field::Province).map_or(NONE, |p| self.place(p)),
            phone,
            postcode,
            passport: Span::push(&mut self.arena, passport.as_deref()),
            national_id: Span::push(&mut self.arena, national_id.as_deref()),
            email: Span::push(&mut self.arena, email.as_deref()),
            address: Span::push(&mut self.arena, address.as_deref()),
            dob,
            sex,
        };
        (rec, source)
    }

    fn name(&mut self, raw: &'r str) -> NameRef {
        if let Some(&n) = self.names.get(raw) {
            return n;
        }
        let (words, guessed) = canonical_words(raw, &mut self.buf);
        let n = if words.is_empty() {
            NameRef::NONE
        } else {
            NameRef::new(self.sink.intern(&words.join(" ")), guessed)
        };
        self.names.insert(raw, n);
        n
    }

    /// Given, family and father's name from a full name: the last word is the family name,
    /// the words before it the given name, one word a single name.
    fn full_name(&mut self, raw: &'r str) -> [NameRef; 3] {
        if let Some(&n) = self.fulls.get(raw) {
            return n;
        }
        fold(raw, &mut self.buf);
        let raw_words: Vec<String> = words(&self.buf).collect();
        let (name, father) = split_father(&raw_words);
        let (name_words, g1) = canonical_words(&name.join(" "), &mut self.buf);
        let (father_words, g2) = canonical_words(&father.join(" "), &mut self.buf);
        let mut out = [NameRef::NONE; 3];
        match name_words.len() {
            0 => {}
            1 => out[0] = NameRef::new(self.sink.intern(&name_words[0]), g1),
            n => {
                out[0] = NameRef::new(self.sink.intern(&name_words[..n - 1].join(" ")), g1);
                out[1] = NameRef::new(self.sink.intern(&name_words[n - 1]), g1);
            }
        }
        if !father_words.is_empty() {
            out[2] = NameRef::new(self.sink.intern(&father_words.join(" ")), g2);
        }
        self.fulls.insert(raw, out);
        out
    }

    fn place(&mut self, raw: &'r str) -> u32 {
        if let Some(&p) = self.places.get(raw) {
            return p;
        }
        let p = normalise_place(raw, &mut self.buf).map_or(NONE, |p| self.sink.intern(&p));
        self.places.insert(raw, p);
        p
    }

    fn nationality(&mut self, raw: &'r str) -> u32 {
        if let Some(&p) = self.nationalities.get(raw) {
            return p;
        }
        let p = normalise_nationality(raw, &mut self.buf).map_or(NONE, |p| self.sink.intern(&p));
        self.nationalities.insert(raw, p);
        p
    }
}

/// Every record of a run, normalised.
#[derive(Debug, Default)]
pub(crate) struct Prepared {
    pub(crate) names: Names,
    pub(crate) arena: Vec<u8>,
    pub(crate) recs: Vec<Rec>,
}

/// Normalises records on `threads` threads, then merges their name tables and arenas.
pub(crate) fn prepare(records: &[RawRecord], threads: usize) -> Prepared {
    prepare_sorted(records, threads, |_, _| ()).0
}

/// As [`prepare`], with the records sorted by `key` (ties by input index), and `order[k]`,
/// the input index of record `k`. Keys are computed on the normalising threads, and the
/// records are written once, in their final order: at a million records each extra copy
/// costs a pass over 90 MB of fresh memory.
pub(crate) fn prepare_sorted<K: Ord + Send + Sync>(
    records: &[RawRecord],
    threads: usize,
    key: impl Fn(&Rec, &NameView) -> K + Sync,
) -> (Prepared, Vec<u32>) {
    let threads = threads.clamp(1, 64);
    let chunk = records.len().div_ceil(threads).max(1);
    let key = &key;
    let mut parts: Vec<(Prepared, Vec<(K, u32)>)> = std::thread::scope(|s| {
        let handles: Vec<_> = records
            .chunks(chunk)
            .enumerate()
            .map(|(p, part)| {
                s.spawn(move || {
                    let mut n = Normaliser::new(Names::default());
                    let recs: Vec<Rec> = part.iter().map(|r| n.record(r)).collect();
                    let view = NameView::new(&n.sink);
                    let keys = recs
                        .iter()
                        .enumerate()
                        .map(|(i, r)| (key(r, &view), (p * chunk + i) as u32))
                        .collect();
                    let prepared = Prepared {
                        names: n.sink,
                        arena: n.arena,
                        recs,
                    };
                    (prepared, keys)
                })
            })
            .collect();
        crate::join_all(handles)
    });
    if parts.is_empty() {
        return (Prepared::default(), Vec::new());
    }
    // Into the first part's keys: growing a vector in place touches less fresh memory.
    let mut keyed = std::mem::take(&mut parts[0].1);
    for (_, keys) in &mut parts[1..] {
        keyed.append(keys);
    }
    keyed.sort_unstable();
    let order: Vec<u32> = keyed.into_iter().map(|k| k.1).collect();

    // The first part's names and arena are the base; the others' ids and spans move.
    let mut names = std::mem::take(&mut parts[0].0.names);
    let mut arena = std::mem::take(&mut parts[0].0.arena);
    let mut moves: Vec<(Vec<u32>, u32)> = vec![(Vec::new(), 0)];
    for (part, _) in &parts[1..] {
        let map = (0..part.names.len() as u32)
            .map(|id| names.intern(part.names.text(id)))
            .collect();
        moves.push((map, arena.len() as u32));
        arena.extend_from_slice(&part.arena);
    }
    // The other parts' records, moved, after the first part's in its own vector (growing
    // it in place), then put in order where they are: a second vector of records would be
    // 90 MB of fresh memory at a million records.
    let mut recs = std::mem::take(&mut parts[0].0.recs);
    recs.reserve(records.len() - recs.len());
    for ((part, _), (map, shift)) in parts.iter().zip(&moves).skip(1) {
        recs.extend(part.recs.iter().map(|&r| moved(r, map, *shift)));
    }
    drop(parts);
    permute(&mut recs, &order);
    (Prepared { names, arena, recs }, order)
}

/// Reorders `v` so that `v[k]` becomes the old `v[order[k]]`, in place: each cycle of the
/// permutation is followed once.
fn permute<T: Copy>(v: &mut [T], order: &[u32]) {
    let mut done = vec![false; v.len()];
    for start in 0..v.len() {
        if done[start] {
            continue;
        }
        let first = v[start];
        let mut k = start;
        loop {
            done[k] = true;
            let from = order[k] as usize;
            if from == start {
                v[k] = first;
                break;
            }
            v[k] = v[from];
            k = from;
        }
    }
}

/// A record of a part whose names were re-interned by `map` and whose arena now starts at
/// `shift`.
fn moved(r: Rec, map: &[u32], shift: u32) -> Rec {
    let place = |p: u32| if p == NONE { NONE } else { map[p as usize] };
    let span = |s: Span| {
        if s.len == 0 {
            s
        } else {
            Span {
                off: s.off + shift,
                len: s.len,
            }
        }
    };
    Rec {
        given: r.given.remap(map),
        family: r.family.remap(map),
        father: r.father.remap(map),
        nationality: place(r.nationality),
        place_of_birth: place(r.place_of_birth),
        city: place(r.city),
        province: place(r.province),
        passport: span(r.passport),
        national_id: span(r.national_id),
        email: span(r.email),
        address: span(r.address),
        ..r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permute_puts_each_item_where_the_order_says() {
        let mut rng = crate::hash::Rng::new(3);
        for n in [0usize, 1, 2, 7, 1000] {
            let mut order: Vec<u32> = (0..n as u32).collect();
            for i in (1..n).rev() {
                order.swap(i, rng.below(i as u64 + 1) as usize);
            }
            let original: Vec<u64> = (0..n as u64).map(|x| x * 10).collect();
            let mut v = original.clone();
            permute(&mut v, &order);
            let want: Vec<u64> = order.iter().map(|&i| original[i as usize]).collect();
            assert_eq!(v, want, "n = {n}");
        }
    }

    /// A record that outlives the normaliser borrowing from it (leaked: tests only).
    fn rec(fields: &[(Field, &str)]) -> &'static RawRecord {
        let mut r = RawRecord::new("x", "t");
        for (f, v) in fields {
            r.set(*f, *v);
        }
        Box::leak(Box::new(r))
    }

    #[test]
    fn full_name_is_split_when_parts_are_absent() {
        let mut n = Normaliser::new(Names::default());
        let r = n.record(rec(&[(
            Field::FullName,
            "Haji Mohammad Nabi Karimi s/o Abdul Rahim",
        )]));
        let t = |x: NameRef| x.id().map(|id| n.sink.text(id).to_string());
        assert_eq!(t(r.given).as_deref(), Some("muhammad nabi"));
        assert_eq!(t(r.family).as_deref(), Some("karimi"));
        assert_eq!(t(r.father).as_deref(), Some("abdulrahim"));
        let single = n.record(rec(&[(Field::FullName, "Nabi")]));
        assert!(single.given.is_some() && !single.family.is_some());
        let family_only = n.record(rec(&[(Field::FamilyName, "Karimi")]));
        assert_eq!(
            family_only.given, r.family,
            "a lone family name is a single name"
        );
    }

    #[test]
    fn parts_win_over_the_full_name_and_father_field_wins() {
        let mut n = Normaliser::new(Names::default());
        let r = n.record(rec(&[
            (Field::FullName, "Something Else"),
            (Field::GivenName, "Ahmed"),
            (Field::FamilyName, "Karimy"),
            (Field::FatherName, "Mohd Karim"),
        ]));
        assert_eq!(n.sink.text(r.given.id().unwrap()), "ahmad");
        assert_eq!(n.sink.text(r.family.id().unwrap()), "karimi");
        assert_eq!(n.sink.text(r.father.id().unwrap()), "muhammad karim");
    }

    #[test]
    fn arabic_script_letters_are_flagged_as_guessed() {
        let mut n = Normaliser::new(Names::default());
        let r = n.record(rec(&[
            (Field::GivenName, "سپین"),
            (Field::FamilyName, "کریمی"),
        ]));
        assert!(r.given.guessed());
        assert!(!r.family.guessed());
    }

    #[test]
    fn threads_merge_into_one_table() {
        let records: Vec<RawRecord> = (0..50)
            .map(|i| {
                rec(&[
                    (Field::GivenName, ["Ahmad", "Zabiullah", "Nabi"][i % 3]),
                    (Field::FamilyName, ["Karimi", "Rahimi"][i % 2]),
                    (Field::PassportNo, &format!("P{i:07}")),
                    (Field::Province, "Kabul"),
                ])
                .clone()
            })
            .collect();
        let one = prepare(&records, 1);
        let three = prepare(&records, 3);
        assert_eq!(one.recs.len(), 50);
        assert_eq!(three.recs.len(), 50);
        for (a, b) in one.recs.iter().zip(&three.recs) {
            let text = |p: &Prepared, x: NameRef| p.names.text(x.id().unwrap()).to_string();
            assert_eq!(text(&one, a.given), text(&three, b.given));
            assert_eq!(text(&one, a.family), text(&three, b.family));
            assert_eq!(a.passport.get(&one.arena), b.passport.get(&three.arena));
            assert_eq!(one.names.text(a.province), three.names.text(b.province));
        }
    }
}

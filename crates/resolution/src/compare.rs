//! Graded comparison of two normalised records: one agreement level per comparison, packed
//! three bits each into a `u64` pattern (level 7 means "missing on one side").

use std::fmt;

use crate::features::{NONE, NameRef, Rec};
use crate::hash::Fnv;
use crate::names::NameView;
use crate::values::Dob;

/// What the model compares. Names are compared after aligning swapped given and family
/// names; a full name counts as given and family name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Comparison {
    GivenName,
    FamilyName,
    FatherName,
    BirthDate,
    Sex,
    Nationality,
    PassportNo,
    NationalId,
    Phone,
    Email,
    PlaceOfBirth,
    Address,
    City,
    Province,
    Postcode,
}

pub(crate) const COMPARISONS: usize = 15;
/// The level of a comparison when either record lacks the value: it weighs nothing.
pub(crate) const MISSING: u8 = 7;

/// Name levels.
pub(crate) const EXACT: u8 = 0;
pub(crate) const VARIANT: u8 = 1;
pub(crate) const CLOSE: u8 = 2;
pub(crate) const WEAK: u8 = 3;
pub(crate) const DIFFERENT: u8 = 4;

const NAME_LEVELS: &[&str] = &["exact", "spelling variant", "close", "weak", "different"];
const DATE_LEVELS: &[&str] = &[
    "exact",
    "typo",
    "same year (a year only)",
    "same year, other day",
    "one year apart",
    "2-5 years apart",
    "over 5 years apart",
];
const SAME_DIFFERENT: &[&str] = &["same", "different"];
const DOCUMENT_LEVELS: &[&str] = &["exact", "one character off", "different"];
const PHONE_LEVELS: &[&str] = &["exact", "one digit off", "different"];
const EMAIL_LEVELS: &[&str] = &["exact", "same name, other domain", "different"];
const PLACE_LEVELS: &[&str] = &["same", "similar", "different"];
const ADDRESS_LEVELS: &[&str] = &["exact", "overlapping", "different"];

impl Comparison {
    pub const ALL: [Comparison; COMPARISONS] = [
        Comparison::GivenName,
        Comparison::FamilyName,
        Comparison::FatherName,
        Comparison::BirthDate,
        Comparison::Sex,
        Comparison::Nationality,
        Comparison::PassportNo,
        Comparison::NationalId,
        Comparison::Phone,
        Comparison::Email,
        Comparison::PlaceOfBirth,
        Comparison::Address,
        Comparison::City,
        Comparison::Province,
        Comparison::Postcode,
    ];

    /// Named like the fields it compares.
    pub fn name(self) -> &'static str {
        match self {
            Comparison::GivenName => "given_name",
            Comparison::FamilyName => "family_name",
            Comparison::FatherName => "father_name",
            Comparison::BirthDate => "date_of_birth",
            Comparison::Sex => "sex",
            Comparison::Nationality => "nationality",
            Comparison::PassportNo => "passport_no",
            Comparison::NationalId => "national_id",
            Comparison::Phone => "phone",
            Comparison::Email => "email",
            Comparison::PlaceOfBirth => "place_of_birth",
            Comparison::Address => "address",
            Comparison::City => "city",
            Comparison::Province => "province",
            Comparison::Postcode => "postcode",
        }
    }

    /// The agreement levels, best first.
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Comparison::GivenName | Comparison::FamilyName | Comparison::FatherName => NAME_LEVELS,
            Comparison::BirthDate => DATE_LEVELS,
            Comparison::Sex
            | Comparison::Nationality
            | Comparison::Province
            | Comparison::Postcode => SAME_DIFFERENT,
            Comparison::PassportNo | Comparison::NationalId => DOCUMENT_LEVELS,
            Comparison::Phone => PHONE_LEVELS,
            Comparison::Email => EMAIL_LEVELS,
            Comparison::PlaceOfBirth | Comparison::City => PLACE_LEVELS,
            Comparison::Address => ADDRESS_LEVELS,
        }
    }

    /// Facts that say "same household" rather than "same person": together they count for
    /// at most `Config::household_max`.
    pub const fn household(self) -> bool {
        !matches!(
            self,
            Comparison::GivenName
                | Comparison::PassportNo
                | Comparison::NationalId
                | Comparison::BirthDate
                | Comparison::Sex
        )
    }

    /// Facts that two members of one household may share. When the given names disagree,
    /// agreement on these counts little (twins share the birth date, siblings the sex).
    pub const fn shared_by_siblings(self) -> bool {
        !matches!(
            self,
            Comparison::GivenName | Comparison::PassportNo | Comparison::NationalId
        )
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Agreement levels of a pair, three bits per comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Pattern(pub(crate) u64);

impl Pattern {
    pub(crate) fn level(self, c: Comparison) -> u8 {
        ((self.0 >> (3 * c.index())) & 7) as u8
    }

    pub(crate) fn set(&mut self, c: Comparison, level: u8) {
        let shift = 3 * c.index();
        self.0 = (self.0 & !(7 << shift)) | (u64::from(level & 7) << shift);
    }

    pub(crate) fn all_missing() -> Pattern {
        let mut p = Pattern(0);
        for c in Comparison::ALL {
            p.set(c, MISSING);
        }
        p
    }
}

/// A record and the arena its spans point into.
#[derive(Clone, Copy)]
pub(crate) struct Side<'a> {
    pub(crate) rec: &'a Rec,
    pub(crate) arena: &'a [u8],
}

/// The comparison of a pair, whether names matched only once given and family name were
/// swapped, and which names were compared as given and as family name (for the
/// name-frequency adjustment and explanations).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) pattern: Pattern,
    pub(crate) swapped: bool,
    pub(crate) given: (NameRef, NameRef),
    pub(crate) family: (NameRef, NameRef),
}

/// Aligned names: levels and the names behind them.
struct Names2 {
    given: u8,
    family: u8,
    swapped: bool,
    given_pair: (NameRef, NameRef),
    family_pair: (NameRef, NameRef),
}

/// Compares records, remembering name comparisons: lists repeat the same names, and
/// comparing two names costs more than all the other fields together.
pub(crate) struct Comparer<'a> {
    pub(crate) names: NameView<'a>,
    /// Direct-mapped: both names (30 bits each, the guessed bit included) and the level in
    /// one word, so that more pairs fit in the CPU's cache; a collision just recomputes.
    cache: Vec<u64>,
}

/// 2^18 words, 2 MiB a thread: at 1,000,000 records a run meets about 4 million distinct
/// pairs of names; a larger table misses the CPU's cache and costs what it saves.
const CACHE_BITS: u32 = 18;
const EMPTY: u64 = u64::MAX;
/// Name ids (with the guessed bit) that fit in a cache key.
const KEY_BITS: u32 = 30;

impl<'a> Comparer<'a> {
    pub(crate) fn new(names: NameView<'a>) -> Self {
        Comparer {
            names,
            cache: vec![EMPTY; 1 << CACHE_BITS],
        }
    }

    /// For a handful of comparisons (an explanation, one query): no cache to allocate.
    pub(crate) fn uncached(names: NameView<'a>) -> Self {
        Comparer {
            names,
            cache: Vec::new(),
        }
    }

    pub(crate) fn compare(&mut self, a: Side, b: Side) -> Outcome {
        compare(a, b, self)
    }

    /// `None` when `stop`, shown the levels so far and which comparisons are still to come
    /// (see [`pending`]), says the pair cannot matter: most pairs of a large block are two
    /// siblings or two strangers. It is asked after names and birth date, after documents,
    /// and before the father's name.
    pub(crate) fn compare_unless(
        &mut self,
        a: Side,
        b: Side,
        stop: &dyn Fn(&Outcome, u16) -> bool,
    ) -> Option<Outcome> {
        compare_unless(a, b, self, stop).ok()
    }

    fn name_level(&mut self, a: NameRef, b: NameRef) -> u8 {
        if self.cache.is_empty() || a == b {
            return name_level(a, b, &self.names);
        }
        let (lo, hi) = if a.0 < b.0 { (a.0, b.0) } else { (b.0, a.0) };
        let (lo, hi) = (compact_ref(lo), compact_ref(hi));
        if lo.max(hi) >= 1 << KEY_BITS {
            return name_level(a, b, &self.names);
        }
        // Key in the high bits, level in the low three.
        let key = (lo << KEY_BITS | hi) << 3;
        let slot = (crate::hash::mix(key) >> (64 - CACHE_BITS)) as usize;
        if let Some(&e) = self.cache.get(slot)
            && e & !7 == key
        {
            return (e & 7) as u8;
        }
        let level = name_level(a, b, &self.names);
        if let Some(e) = self.cache.get_mut(slot) {
            *e = key | u64::from(level & 7);
        }
        level
    }
}

/// A name reference in 30 bits when its id fits in 29: the guessed bit moved down.
fn compact_ref(r: u32) -> u64 {
    let guessed = u64::from(r >> 31);
    let id = u64::from(r & 0x7fff_ffff);
    if id >= 1 << (KEY_BITS - 1) {
        return u64::MAX;
    }
    guessed << (KEY_BITS - 1) | id
}

fn compare(a: Side, b: Side, cx: &mut Comparer) -> Outcome {
    match compare_unless(a, b, cx, &|_, _| false) {
        Ok(o) | Err(o) => o,
    }
}

/// Compares names and birth date first, the father's name last; if `stop` says
/// the pair cannot matter whatever the rest says, stops there (`Err`, the rest missing).
fn compare_unless(
    a: Side,
    b: Side,
    cx: &mut Comparer,
    stop: &dyn Fn(&Outcome, u16) -> bool,
) -> Result<Outcome, Outcome> {
    let (x, y) = (a.rec, b.rec);
    let mut p = Pattern::all_missing();
    let n = name_levels(x, y, cx);
    p.set(Comparison::GivenName, n.given);
    p.set(Comparison::FamilyName, n.family);
    p.set(Comparison::BirthDate, date_level(x.dob, y.dob));
    let outcome = |p| Outcome {
        pattern: p,
        swapped: n.swapped,
        given: n.given_pair,
        family: n.family_pair,
    };
    // Names and birth date are read from the records themselves; documents and the rest
    // from the arena, which most pairs need not touch.
    let pending = pending(a, b);
    if stop(&outcome(p), pending) {
        return Err(outcome(p));
    }
    p.set(
        Comparison::PassportNo,
        document_level(x.passport.get(a.arena), y.passport.get(b.arena)),
    );
    p.set(
        Comparison::NationalId,
        document_level(x.national_id.get(a.arena), y.national_id.get(b.arena)),
    );
    let documents = (1 << Comparison::PassportNo.index()) | (1 << Comparison::NationalId.index());
    if pending & documents != 0 && stop(&outcome(p), pending & !documents) {
        return Err(outcome(p));
    }
    let names = &cx.names;
    if x.sex != 0 && y.sex != 0 {
        p.set(Comparison::Sex, u8::from(x.sex != y.sex));
    }
    if x.nationality != NONE && y.nationality != NONE {
        p.set(
            Comparison::Nationality,
            u8::from(x.nationality != y.nationality),
        );
    }
    p.set(Comparison::Phone, phone_level(x.phone, y.phone));
    p.set(
        Comparison::Email,
        email_level(x.email.get(a.arena), y.email.get(b.arena)),
    );
    p.set(
        Comparison::PlaceOfBirth,
        place_level(x.place_of_birth, y.place_of_birth, names),
    );
    p.set(
        Comparison::Address,
        address_level(x.address.get(a.arena), y.address.get(b.arena)),
    );
    p.set(Comparison::City, place_level(x.city, y.city, names));
    p.set(
        Comparison::Province,
        province_level(x.province, y.province, names),
    );
    if x.postcode != 0 && y.postcode != 0 {
        p.set(Comparison::Postcode, u8::from(x.postcode != y.postcode));
    }
    // Once more before the father's name, the last comparison that may look up a name:
    // the household facts now known decide most pairs that got this far.
    let father = 1 << Comparison::FatherName.index();
    if stop(&outcome(p), pending & father) {
        return Err(outcome(p));
    }
    p.set(
        Comparison::FatherName,
        opt_name_level(x.father, y.father, cx),
    );
    Ok(outcome(p))
}

/// The comparisons after the first ones (names, birth date) that may find a value on both
/// sides, one bit per comparison index. A comparison left out here is
/// certainly missing; one kept in may still turn out missing.
fn pending(a: Side, b: Side) -> u16 {
    let (x, y) = (a.rec, b.rec);
    let both = |x: bool, y: bool| x && y;
    [
        (
            Comparison::PassportNo,
            both(x.passport.present(), y.passport.present()),
        ),
        (
            Comparison::NationalId,
            both(x.national_id.present(), y.national_id.present()),
        ),
        (
            Comparison::FatherName,
            both(x.father.is_some(), y.father.is_some()),
        ),
        (Comparison::Sex, both(x.sex != 0, y.sex != 0)),
        (
            Comparison::Nationality,
            both(x.nationality != NONE, y.nationality != NONE),
        ),
        (Comparison::Phone, both(x.phone != 0, y.phone != 0)),
        (
            Comparison::Email,
            both(x.email.present(), y.email.present()),
        ),
        (
            Comparison::PlaceOfBirth,
            both(x.place_of_birth != NONE, y.place_of_birth != NONE),
        ),
        (
            Comparison::Address,
            both(x.address.present(), y.address.present()),
        ),
        (Comparison::City, both(x.city != NONE, y.city != NONE)),
        (
            Comparison::Province,
            both(x.province != NONE, y.province != NONE),
        ),
        (Comparison::Postcode, both(x.postcode != 0, y.postcode != 0)),
    ]
    .into_iter()
    .fold(0, |m, (c, on)| m | (u16::from(on) << c.index()))
}

/// Given and family name levels after alignment: straight or swapped, whichever agrees
/// better; a single name is compared with both parts of the other's name and with the two
/// joined, and counts as whichever it matches.
fn name_levels(x: &Rec, y: &Rec, cx: &mut Comparer) -> Names2 {
    let (xg, xf, yg, yf) = (x.given, x.family, y.given, y.family);
    let none = (NameRef::NONE, NameRef::NONE);
    let straight = |given: u8, family: u8| Names2 {
        given,
        family,
        swapped: false,
        given_pair: (xg, yg),
        family_pair: (xf, yf),
    };
    match (xg.is_some(), xf.is_some(), yg.is_some(), yf.is_some()) {
        (true, true, true, true) => {
            let g = cx.name_level(xg, yg);
            let f = cx.name_level(xf, yf);
            if g + f <= 1 {
                return straight(g, f);
            }
            // A swap must explain both names: one matching part is a shared family name
            // written in the wrong column, not the same person.
            // The second swapped comparison only when the first could make a swap.
            let sg = cx.name_level(xg, yf);
            let sf = if sg <= CLOSE {
                cx.name_level(xf, yg)
            } else {
                DIFFERENT
            };
            if sg <= CLOSE && sf <= CLOSE && sg + sf < g + f {
                Names2 {
                    given: sg,
                    family: sf,
                    swapped: true,
                    given_pair: (xg, yf),
                    family_pair: (xf, yg),
                }
            } else {
                straight(g, f)
            }
        }
        (true, false, true, true) => single_vs_full(xg, yg, yf, cx, false),
        (true, true, true, false) => single_vs_full(yg, xg, xf, cx, true),
        (true, false, true, false) => Names2 {
            given: cx.name_level(xg, yg),
            family: MISSING,
            swapped: false,
            given_pair: (xg, yg),
            family_pair: none,
        },
        _ => Names2 {
            given: MISSING,
            family: MISSING,
            swapped: false,
            given_pair: none,
            family_pair: none,
        },
    }
}

/// `s` a single name, `g f` the other record's given and family name; `flip` when the
/// single name belongs to the second record (pairs keep the first record's name first).
fn single_vs_full(s: NameRef, g: NameRef, f: NameRef, cx: &mut Comparer, flip: bool) -> Names2 {
    let pair = |a: NameRef, b: NameRef| if flip { (b, a) } else { (a, b) };
    let none = (NameRef::NONE, NameRef::NONE);
    if let (Some(si), Some(gi), Some(fi)) = (s.id(), g.id(), f.id()) {
        let joined = cx.names.info(si).joined;
        let straight = joined == joined_hash(gi, fi, &cx.names);
        if straight || joined == joined_hash(fi, gi, &cx.names) {
            return Names2 {
                given: EXACT,
                family: MISSING,
                swapped: !straight,
                given_pair: pair(s, g),
                family_pair: none,
            };
        }
    }
    let lg = cx.name_level(s, g);
    let lf = cx.name_level(s, f);
    if lf < lg {
        Names2 {
            given: MISSING,
            family: lf,
            swapped: false,
            given_pair: none,
            family_pair: pair(s, f),
        }
    } else {
        Names2 {
            given: lg,
            family: MISSING,
            swapped: false,
            given_pair: pair(s, g),
            family_pair: none,
        }
    }
}

fn joined_hash(a: u32, b: u32, names: &NameView) -> u64 {
    let state: Fnv = names.info(a).joined_state;
    let mut s = state;
    for w in names.text(b).split(' ') {
        s = s.bytes(w.as_bytes());
    }
    s.finish()
}

fn opt_name_level(a: NameRef, b: NameRef, cx: &mut Comparer) -> u8 {
    if a.is_some() && b.is_some() {
        cx.name_level(a, b)
    } else {
        MISSING
    }
}

/// How well two names agree. Exact after canonical spelling; a spelling variant when the
/// phonetic keys or the word sets agree; close for a small typo, a dropped prefix word
/// (Mohammad Nabi / Nabi), one name inside the other, or the same consonants when one side
/// was transliterated from Arabic script; weak for a loose resemblance.
pub(crate) fn name_level(a: NameRef, b: NameRef, names: &NameView) -> u8 {
    let (Some(ai), Some(bi)) = (a.id(), b.id()) else {
        return MISSING;
    };
    if ai == bi {
        return EXACT;
    }
    let (x, y) = (names.info(ai), names.info(bi));
    if x.joined == y.joined {
        return EXACT;
    }
    let (tx, ty) = (names.text(ai), names.text(bi));
    // Karim and Karima, Jamil and Jamila: brother and sister, not a typo.
    if feminine_pair(tx.as_bytes(), ty.as_bytes()) {
        return DIFFERENT;
    }
    if x.phonetic == y.phonetic || (x.word_count > 1 && x.sorted == y.sorted) {
        return VARIANT;
    }
    let guessed = a.guessed() || b.guessed();
    if x.core == y.core || (guessed && x.skeleton == y.skeleton) {
        return CLOSE;
    }
    match containment(x, y) {
        Some(true) => return CLOSE,
        Some(false) => return WEAK,
        None => {}
    }
    let (cx, cy) = (core_text(tx, x.core_offset), core_text(ty, y.core_offset));
    if x.skeleton == y.skeleton && vowels_dropped(cx, cy) {
        return CLOSE;
    }
    let jw = jaro_winkler(cx.as_bytes(), cy.as_bytes());
    if jw >= 0.92 {
        CLOSE
    } else if jw >= 0.80 || x.skeleton == y.skeleton {
        WEAK
    } else {
        DIFFERENT
    }
}

/// One name is the other with some vowels left out: Frishta/Fereshta, Layla/Laila. Hasan
/// and Husain (other vowels), Ahmad and Hamida (vowels elsewhere) and Latif and Latifa (a
/// feminine ending) are not.
fn vowels_dropped(a: &str, b: &str) -> bool {
    let (mut pa, mut pb) = (Vec::with_capacity(a.len()), Vec::with_capacity(b.len()));
    crate::names::phonetic(a.as_bytes(), &mut pa);
    crate::names::phonetic(b.as_bytes(), &mut pb);
    let (s, l) = if pa.len() <= pb.len() {
        (pa, pb)
    } else {
        (pb, pa)
    };
    if s.len() == l.len() || l.len() == s.len() + 1 && l.ends_with(b"a") && l.starts_with(&s) {
        return false;
    }
    let vowel = |c: u8| matches!(c, b'a' | b'i' | b'u');
    let mut i = 0;
    for &c in &l {
        if i < s.len() && s[i] == c {
            i += 1;
        } else if !vowel(c) {
            return false;
        }
    }
    i == s.len()
}

fn core_text(t: &str, offset: u8) -> &str {
    t.get(usize::from(offset)..).unwrap_or(t)
}

/// Whether every word of the shorter name is in the longer one: `Some(true)` when a real
/// name is shared, `Some(false)` when only a prefix word such as Mohammad is.
fn containment(x: &crate::names::NameInfo, y: &crate::names::NameInfo) -> Option<bool> {
    let (s, l) = if x.word_count <= y.word_count {
        (x, y)
    } else {
        (y, x)
    };
    if s.word_count == 0 || s.word_count == l.word_count {
        return None;
    }
    if !s.words().iter().all(|w| l.words().contains(w)) {
        return None;
    }
    let all_prefix = s.prefix_mask.count_ones() == u32::from(s.word_count);
    Some(!all_prefix)
}

/// A name and the same name with a feminine -a (Karim/Karima); a name already ending in a
/// vowel with one more "a" is a typo (Sara/Saraa).
fn feminine_pair(a: &[u8], b: &[u8]) -> bool {
    let (s, l) = if a.len() < b.len() { (a, b) } else { (b, a) };
    let consonant_end = s
        .last()
        .is_some_and(|c| !matches!(c, b'a' | b'e' | b'i' | b'o' | b'u' | b'y'));
    l.len() == s.len() + 1 && s.len() >= 3 && consonant_end && l.ends_with(b"a") && l.starts_with(s)
}

fn date_level(a: Dob, b: Dob) -> u8 {
    if !a.is_some() || !b.is_some() {
        return MISSING;
    }
    let gap = if a.is_full() && b.is_full() {
        if a.year == b.year && a.month == b.month && a.day == b.day {
            return 0;
        }
        let same_year = a.year == b.year;
        let day_month_swapped = a.month == b.day && a.day == b.month;
        let one_part_off = (a.month == b.month && digit_typo(a.day.into(), b.day.into()))
            || (a.day == b.day && digit_typo(a.month.into(), b.month.into()));
        if same_year && (day_month_swapped || one_part_off) {
            return 1;
        }
        if a.month == b.month && a.day == b.day && digit_typo(a.year.into(), b.year.into()) {
            return 1;
        }
        if same_year {
            return 3;
        }
        (i32::from(a.year) - i32::from(b.year)).abs()
    } else {
        let (alo, ahi) = a.years();
        let (blo, bhi) = b.years();
        if alo <= bhi && blo <= ahi {
            return 2;
        }
        (blo - ahi).max(alo - bhi)
    };
    match gap {
        1 => 4,
        2..=5 => 5,
        _ => 6,
    }
}

/// Numbers that differ in one digit, by two swapped digits, or by one.
fn digit_typo(a: u32, b: u32) -> bool {
    if a.abs_diff(b) == 1 {
        return true;
    }
    let (mut da, mut db) = ([0u8; 10], [0u8; 10]);
    let la = digits(u64::from(a), &mut da);
    let lb = digits(u64::from(b), &mut db);
    la == lb && within_one_edit(&da[..la], &db[..lb])
}

/// Decimal digits of `v` into `out`, returning how many.
pub(crate) fn digits(mut v: u64, out: &mut [u8]) -> usize {
    let mut tmp = [0u8; 20];
    let mut n = 0;
    loop {
        tmp[n] = b'0' + (v % 10) as u8;
        n += 1;
        v /= 10;
        if v == 0 || n == tmp.len() {
            break;
        }
    }
    let n = n.min(out.len());
    for i in 0..n {
        out[i] = tmp[n - 1 - i];
    }
    n
}

fn document_level(a: Option<&[u8]>, b: Option<&[u8]>) -> u8 {
    match (a, b) {
        (Some(a), Some(b)) if a == b => 0,
        (Some(a), Some(b)) if within_one_edit(a, b) => 1,
        (Some(_), Some(_)) => 2,
        _ => MISSING,
    }
}

fn phone_level(a: u64, b: u64) -> u8 {
    if a == 0 || b == 0 {
        return MISSING;
    }
    if a == b {
        return 0;
    }
    let (mut da, mut db) = ([0u8; 20], [0u8; 20]);
    let la = digits(a, &mut da);
    let lb = digits(b, &mut db);
    if within_one_edit(&da[..la], &db[..lb]) {
        1
    } else {
        2
    }
}

fn email_level(a: Option<&[u8]>, b: Option<&[u8]>) -> u8 {
    let (Some(a), Some(b)) = (a, b) else {
        return MISSING;
    };
    if a == b {
        return 0;
    }
    let local = |e: &[u8]| -> usize { e.iter().position(|&c| c == b'@').unwrap_or(e.len()) };
    if a[..local(a)] == b[..local(b)] { 1 } else { 2 }
}

fn place_level(a: u32, b: u32, names: &NameView) -> u8 {
    if a == NONE || b == NONE {
        return MISSING;
    }
    if a == b {
        return 0;
    }
    let (x, y) = (names.info(a), names.info(b));
    if x.joined == y.joined || x.phonetic == y.phonetic {
        return 0;
    }
    if x.skeleton == y.skeleton
        || jaro_winkler(names.text(a).as_bytes(), names.text(b).as_bytes()) >= 0.88
    {
        1
    } else {
        2
    }
}

fn province_level(a: u32, b: u32, names: &NameView) -> u8 {
    match place_level(a, b, names) {
        MISSING => MISSING,
        0 | 1 => 0,
        _ => 1,
    }
}

fn address_level(a: Option<&[u8]>, b: Option<&[u8]>) -> u8 {
    let (Some(a), Some(b)) = (a, b) else {
        return MISSING;
    };
    if a == b {
        return 0;
    }
    let wa = || a.split(|&c| c == b' ').filter(|w| !w.is_empty());
    let wb = || b.split(|&c| c == b' ').filter(|w| !w.is_empty());
    let (na, nb) = (wa().count(), wb().count());
    let shared = wa().filter(|w| wb().any(|v| v == *w)).count();
    if na.min(nb) > 0 && shared * 2 >= na.min(nb).max(2) {
        1
    } else {
        2
    }
}

/// Levenshtein distance with adjacent transposition at most 1.
pub(crate) fn within_one_edit(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return true;
    }
    let (la, lb) = (a.len(), b.len());
    if la == lb {
        let Some(i) = a.iter().zip(b).position(|(x, y)| x != y) else {
            return true;
        };
        if a[i + 1..] == b[i + 1..] {
            return true;
        }
        return i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i] && a[i + 2..] == b[i + 2..];
    }
    let (s, l) = if la < lb { (a, b) } else { (b, a) };
    if l.len() != s.len() + 1 {
        return false;
    }
    let i = s.iter().zip(l).position(|(x, y)| x != y).unwrap_or(s.len());
    s[i..] == l[i + 1..]
}

const JW_MAX: usize = 48;

/// Jaro–Winkler similarity of two names, spaces ignored; no allocation.
pub(crate) fn jaro_winkler(a: &[u8], b: &[u8]) -> f64 {
    let (mut xa, mut xb) = ([0u8; JW_MAX], [0u8; JW_MAX]);
    let la = compact(a, &mut xa);
    let lb = compact(b, &mut xb);
    let (a, b) = (&xa[..la], &xb[..lb]);
    if la == 0 || lb == 0 {
        return 0.0;
    }
    let window = (la.max(lb) / 2).saturating_sub(1);
    let (mut ma, mut mb) = ([false; JW_MAX], [false; JW_MAX]);
    let mut m = 0usize;
    for i in 0..la {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(lb);
        for j in lo..hi {
            if !mb[j] && a[i] == b[j] {
                ma[i] = true;
                mb[j] = true;
                m += 1;
                break;
            }
        }
    }
    if m == 0 {
        return 0.0;
    }
    let mut k = 0;
    let mut half_transpositions = 0usize;
    for i in 0..la {
        if !ma[i] {
            continue;
        }
        while !mb[k] {
            k += 1;
        }
        if a[i] != b[k] {
            half_transpositions += 1;
        }
        k += 1;
    }
    let m = m as f64;
    let t = (half_transpositions / 2) as f64;
    let jaro = (m / la as f64 + m / lb as f64 + (m - t) / m) / 3.0;
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count() as f64;
    jaro + prefix * 0.1 * (1.0 - jaro)
}

fn compact(s: &[u8], out: &mut [u8; JW_MAX]) -> usize {
    let mut n = 0;
    for &c in s {
        if c != b' ' && n < JW_MAX {
            out[n] = c;
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::Normaliser;
    use crate::names::Names;
    use crate::record::{Field, RawRecord};

    struct Fixture {
        n: Normaliser<'static, Names>,
    }

    impl Fixture {
        fn new() -> Self {
            Fixture {
                n: Normaliser::new(Names::default()),
            }
        }

        fn rec(&mut self, fields: &[(Field, &str)]) -> Rec {
            let mut r = RawRecord::new("x", "t");
            for (f, v) in fields {
                r.set(*f, *v);
            }
            // Outlives the normaliser that borrows from it (leaked: tests only).
            self.n.record(Box::leak(Box::new(r)))
        }

        fn cmp(&self, a: &Rec, b: &Rec) -> Outcome {
            let side = |r| Side {
                rec: r,
                arena: &self.n.arena,
            };
            Comparer::new(NameView::new(&self.n.sink)).compare(side(a), side(b))
        }

        fn names(&mut self, a: &str, b: &str) -> u8 {
            let a = self.rec(&[(Field::GivenName, a)]);
            let b = self.rec(&[(Field::GivenName, b)]);
            self.cmp(&a, &b).pattern.level(Comparison::GivenName)
        }
    }

    #[test]
    fn jaro_winkler_reference_values() {
        let close = |a: &str, b: &str, want: f64| {
            let got = jaro_winkler(a.as_bytes(), b.as_bytes());
            assert!((got - want).abs() < 0.001, "{a}/{b}: {got}");
        };
        close("martha", "marhta", 0.961);
        close("dwayne", "duane", 0.840);
        close("dixon", "dicksonx", 0.813);
        close("abc", "abc", 1.0);
        assert_eq!(jaro_winkler(b"", b"abc"), 0.0);
        close("ahmad shah", "ahmadshah", 1.0);
    }

    #[test]
    fn one_edit() {
        assert!(within_one_edit(b"P1234567", b"P1234567"));
        assert!(within_one_edit(b"P1234567", b"P1234568"));
        assert!(within_one_edit(b"P1234567", b"P1243567"));
        assert!(within_one_edit(b"P1234567", b"P123567"));
        assert!(within_one_edit(b"P123567", b"P1234567"));
        assert!(!within_one_edit(b"P1234567", b"P1243568"));
        assert!(!within_one_edit(b"P1234567", b"P12345678X"));
    }

    #[test]
    fn name_levels_grade_variants() {
        let mut f = Fixture::new();
        assert_eq!(f.names("Mohammad", "Muhammed"), EXACT);
        assert_eq!(f.names("Abdul Rahman", "Abdurrahman"), EXACT);
        assert_eq!(f.names("Ghulam Haidar", "Ghulamhaidar"), EXACT);
        assert_eq!(f.names("Raheema", "Rahima"), VARIANT);
        assert_eq!(f.names("Gul Ahmad", "Ahmad Gul"), VARIANT);
        assert_eq!(f.names("Mohammad Nabi", "Nabi"), CLOSE);
        assert_eq!(f.names("Ahmad Shah", "Ahmad"), CLOSE);
        assert_eq!(f.names("Mohammad", "Mohammad Wali"), WEAK);
        assert_eq!(f.names("Zabiullah", "Zabiulah"), EXACT);
        assert_eq!(f.names("Khalilullah", "Khalilulah"), EXACT);
        assert_eq!(f.names("Nasratullah", "Nasrtullah"), CLOSE);
        assert_eq!(f.names("Spin", "سپین"), EXACT);
        assert_eq!(f.names("Wazir", "وزیر"), CLOSE);
        assert_eq!(f.names("Hasan", "Husain"), WEAK);
        assert_eq!(f.names("Frishta", "Fereshta"), CLOSE);
        assert_eq!(f.names("Laila", "Layla"), VARIANT);
        assert_eq!(f.names("Ahmad", "Hamid"), WEAK);
        assert_eq!(f.names("Ahmad", "Hamida"), WEAK);
        assert_eq!(f.names("Nawid", "Nadia"), WEAK);
        assert_eq!(f.names("Mohammad", "Ahmad"), WEAK);
        assert_eq!(f.names("Latif", "Lateefa"), WEAK);
        assert_eq!(f.names("Karim", "Karima"), DIFFERENT);
        assert_eq!(f.names("Ahmad", "Farid"), DIFFERENT);
    }

    #[test]
    fn swapped_and_single_names_are_aligned() {
        let mut f = Fixture::new();
        let a = f.rec(&[(Field::GivenName, "Ahmad"), (Field::FamilyName, "Karimi")]);
        let b = f.rec(&[(Field::GivenName, "Karimi"), (Field::FamilyName, "Ahmed")]);
        let o = f.cmp(&a, &b);
        assert!(o.swapped);
        assert_eq!(o.pattern.level(Comparison::GivenName), EXACT);
        assert_eq!(o.pattern.level(Comparison::FamilyName), EXACT);
        let full = f.rec(&[(Field::FullName, "Karimi Ahmad")]);
        let o = f.cmp(&a, &full);
        assert!(o.swapped);
        assert_eq!(o.pattern.level(Comparison::GivenName), EXACT);
        let single = f.rec(&[(Field::GivenName, "Ahmad")]);
        let o = f.cmp(&a, &single);
        assert_eq!(o.pattern.level(Comparison::GivenName), EXACT);
        assert_eq!(o.pattern.level(Comparison::FamilyName), MISSING);
        let surname = f.rec(&[(Field::FamilyName, "Karimi")]);
        let o = f.cmp(&a, &surname);
        assert_eq!(o.pattern.level(Comparison::GivenName), MISSING);
        assert_eq!(o.pattern.level(Comparison::FamilyName), EXACT);
        let one_column = f.rec(&[(Field::GivenName, "Mohammad Nabi")]);
        let split = f.rec(&[(Field::GivenName, "Mohammad"), (Field::FamilyName, "Nabi")]);
        assert_eq!(
            f.cmp(&one_column, &split)
                .pattern
                .level(Comparison::GivenName),
            EXACT
        );
    }

    #[test]
    fn dates_grade_typos_years_and_hijri() {
        let mut f = Fixture::new();
        let mut level = |a: &str, b: &str| {
            let a = f.rec(&[(Field::DateOfBirth, a)]);
            let b = f.rec(&[(Field::DateOfBirth, b)]);
            f.cmp(&a, &b).pattern.level(Comparison::BirthDate)
        };
        assert_eq!(level("1985-03-12", "12/03/1985"), 0);
        assert_eq!(
            level("1985-03-12", "1363-12-21"),
            0,
            "the same day in Solar Hijri"
        );
        assert_eq!(level("1985-03-12", "1985-12-03"), 1);
        assert_eq!(level("1985-03-12", "1985-03-13"), 1);
        assert_eq!(level("1985-03-12", "1986-03-12"), 1);
        assert_eq!(level("1985-03-12", "1985"), 2);
        assert_eq!(level("1985-03-12", "1985-01-01"), 2);
        assert_eq!(level("1985-03-12", "1364"), 2, "1364 SH is 1985 or 1986");
        assert_eq!(level("1985-03-12", "1985-07-30"), 3);
        assert_eq!(level("1985", "1986"), 4);
        assert_eq!(level("1985-03-12", "1988-06-01"), 5);
        assert_eq!(level("1985-03-12", "1995-06-01"), 6);
        assert_eq!(level("1985-03-12", ""), MISSING);
    }

    #[test]
    fn identifiers_phones_and_places() {
        let mut f = Fixture::new();
        let a = f.rec(&[
            (Field::PassportNo, "P01234567"),
            (Field::NationalId, "1399-0101-12345"),
            (Field::Phone, "+93 70 123 4567"),
            (Field::Email, "a.karimi@gmail.com"),
            (Field::Province, "Kabul"),
            (Field::City, "Mazar-i-Sharif"),
            (Field::Address, "House 12, Street 4, Karte Char"),
            (Field::Sex, "M"),
            (Field::Nationality, "Afghan"),
        ]);
        let b = f.rec(&[
            (Field::PassportNo, "P01234576"),
            (Field::NationalId, "139901011234"),
            (Field::Phone, "0701234567"),
            (Field::Email, "a.karimi@yahoo.com"),
            (Field::Province, "کابل"),
            (Field::City, "Mazar e Sharif"),
            (Field::Address, "Karte Char, House 12"),
            (Field::Sex, "male"),
            (Field::Nationality, "AFG"),
        ]);
        let p = f.cmp(&a, &b).pattern;
        assert_eq!(p.level(Comparison::PassportNo), 1);
        assert_eq!(p.level(Comparison::NationalId), 1);
        assert_eq!(p.level(Comparison::Phone), 0);
        assert_eq!(p.level(Comparison::Email), 1);
        assert_eq!(p.level(Comparison::Province), 0);
        assert_eq!(p.level(Comparison::City), 0);
        assert_eq!(p.level(Comparison::Address), 1);
        assert_eq!(p.level(Comparison::Sex), 0);
        assert_eq!(p.level(Comparison::Nationality), 0);
        assert_eq!(p.level(Comparison::FatherName), MISSING);
        assert_eq!(p.level(Comparison::Postcode), MISSING);
    }

    #[test]
    fn only_identifiers_are_not_household_facts() {
        let own: Vec<_> = Comparison::ALL
            .into_iter()
            .filter(|c| !c.shared_by_siblings())
            .collect();
        assert_eq!(
            own,
            vec![
                Comparison::GivenName,
                Comparison::PassportNo,
                Comparison::NationalId
            ]
        );
        for c in Comparison::ALL {
            assert!(!c.household() || c.shared_by_siblings());
        }
        for c in Comparison::ALL {
            assert!(c.levels().len() <= MISSING as usize);
        }
    }
}

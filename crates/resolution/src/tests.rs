//! End-to-end tests of the engine: a hand-written fixture of one extended household and its
//! namesakes, and generated lists with ground truth.

use std::collections::{HashMap, HashSet};

use crate::blocking::Blocking;
use crate::names::NameView;
use crate::synth::generate;
use crate::*;

fn rec(id: &str, source: &str, fields: &[(Field, &str)]) -> RawRecord {
    let mut r = RawRecord::new(id, source);
    for (f, v) in fields {
        r.set(*f, *v);
    }
    r
}

/// (record, person) pairs: one family of siblings and twins, their namesakes, and people
/// spelled every which way.
fn fixture() -> Vec<(RawRecord, &'static str)> {
    use Field::*;
    vec![
        // Mohammad Nabi Karimi, four lists, four spellings.
        (
            rec(
                "a1",
                "hr",
                &[
                    (GivenName, "Mohammad Nabi"),
                    (FamilyName, "Karimi"),
                    (FatherName, "Abdul Rahim"),
                    (DateOfBirth, "1985-03-12"),
                    (Phone, "+93 70 123 4567"),
                    (PassportNo, "P01234567"),
                    (Province, "Kabul"),
                    (Sex, "M"),
                ],
            ),
            "nabi",
        ),
        (
            rec(
                "a2",
                "consular",
                &[
                    (FullName, "Muhammad Nabi Karimy"),
                    (DateOfBirth, "1363-12-21"),
                    (Phone, "0701234567"),
                    (PassportNo, "P01234576"),
                ],
            ),
            "nabi",
        ),
        (
            rec(
                "a3",
                "siv",
                &[
                    (GivenName, "Karimi"),
                    (FamilyName, "Mohammed Nabi"),
                    (FatherName, "Abdurrahim"),
                    (DateOfBirth, "1985"),
                    (Phone, "0093701234567"),
                ],
            ),
            "nabi",
        ),
        (
            rec(
                "a4",
                "ngo",
                &[
                    (FullName, "محمد نبی کریمی"),
                    (DateOfBirth, "1363"),
                    (Phone, "701234567"),
                    (Province, "کابل"),
                ],
            ),
            "nabi",
        ),
        // His brother.
        (
            rec(
                "b1",
                "hr",
                &[
                    (GivenName, "Ahmad Shah"),
                    (FamilyName, "Karimi"),
                    (FatherName, "Abdul Rahim"),
                    (DateOfBirth, "1988-07-01"),
                    (Phone, "+93 70 123 4567"),
                    (Province, "Kabul"),
                    (Sex, "M"),
                ],
            ),
            "ahmad",
        ),
        (
            rec(
                "b2",
                "ngo",
                &[
                    (GivenName, "Ahmed Shah"),
                    (FamilyName, "Karimi"),
                    (FatherName, "Abdul Rahim"),
                    (DateOfBirth, "1988"),
                    (Phone, "0701234567"),
                ],
            ),
            "ahmad",
        ),
        // Twin brothers: same family, father, birth date, phone, address.
        (
            rec(
                "c1",
                "hr",
                &[
                    (GivenName, "Hasan"),
                    (FamilyName, "Karimi"),
                    (FatherName, "Abdul Rahim"),
                    (DateOfBirth, "1990-05-20"),
                    (Phone, "+93701234567"),
                    (Address, "House 7, Street 3, Karte Char"),
                    (Sex, "M"),
                ],
            ),
            "hasan",
        ),
        (
            rec(
                "c2",
                "siv",
                &[
                    (GivenName, "Hassan"),
                    (FamilyName, "Karimi"),
                    (FatherName, "Abdul Rahim"),
                    (DateOfBirth, "20/05/1990"),
                    (Phone, "0701234567"),
                    (Address, "House 7, Street 3, Karte Char"),
                ],
            ),
            "hasan",
        ),
        (
            rec(
                "d1",
                "hr",
                &[
                    (GivenName, "Husain"),
                    (FamilyName, "Karimi"),
                    (FatherName, "Abdul Rahim"),
                    (DateOfBirth, "1990-05-20"),
                    (Phone, "+93701234567"),
                    (Address, "House 7, Street 3, Karte Char"),
                    (Sex, "M"),
                ],
            ),
            "husain",
        ),
        (
            rec(
                "d2",
                "ngo",
                &[
                    (GivenName, "Hussein"),
                    (FamilyName, "Karimi"),
                    (FatherName, "Abdul Rahim"),
                    (DateOfBirth, "1990-05-20"),
                    (Phone, "0701234567"),
                ],
            ),
            "husain",
        ),
        // Their sister.
        (
            rec(
                "e1",
                "consular",
                &[
                    (GivenName, "Karima"),
                    (FamilyName, "Karimi"),
                    (FatherName, "Abdul Rahim"),
                    (DateOfBirth, "1992-02-14"),
                    (Phone, "0701234567"),
                    (Sex, "F"),
                ],
            ),
            "karima",
        ),
        // Zabiullah Ahmadzai: Hijri date, compound names, a full name with the father in it.
        (
            rec(
                "f1",
                "hr",
                &[
                    (GivenName, "Zabiullah"),
                    (FamilyName, "Ahmadzai"),
                    (FatherName, "Ghulam Haidar"),
                    (DateOfBirth, "1979-11-02"),
                    (NationalId, "1399-0101-12345"),
                ],
            ),
            "zabi",
        ),
        (
            rec(
                "f2",
                "siv",
                &[
                    (GivenName, "Zabihullah"),
                    (FamilyName, "Ahmadzay"),
                    (FatherName, "Gholam Hyder"),
                    (DateOfBirth, "1358-08-11"),
                    (NationalId, "139901011234 5"),
                ],
            ),
            "zabi",
        ),
        (
            rec(
                "f3",
                "self",
                &[
                    (FullName, "Zabi Ullah Ahmadzai s/o Ghulam Haidar"),
                    (Phone, "+93 799 555 123"),
                    (DateOfBirth, "1979"),
                ],
            ),
            "zabi",
        ),
        // Abdul Rahman Popal: Abd- compounds and a 1 January birthday.
        (
            rec(
                "g1",
                "hr",
                &[
                    (GivenName, "Abdul Rahman"),
                    (FamilyName, "Popal"),
                    (DateOfBirth, "1970-01-01"),
                    (PassportNo, "P7654321"),
                ],
            ),
            "popal",
        ),
        (
            rec(
                "g2",
                "consular",
                &[
                    (GivenName, "Abdurrahman"),
                    (FamilyName, "Popal"),
                    (DateOfBirth, "1970-06-30"),
                    (PassportNo, "P7654321"),
                ],
            ),
            "popal",
        ),
        (
            rec(
                "g3",
                "ngo",
                &[
                    (GivenName, "Abd al-Rahman"),
                    (FamilyName, "Popal"),
                    (DateOfBirth, "1970"),
                    (Email, "a.popal@example.org"),
                ],
            ),
            "popal",
        ),
        // Fatima Sadat by email.
        (
            rec(
                "h1",
                "consular",
                &[
                    (GivenName, "Fatima"),
                    (FamilyName, "Sadat"),
                    (DateOfBirth, "1995-09-09"),
                    (Email, "fatima.sadat@example.org"),
                    (Sex, "F"),
                ],
            ),
            "fatima",
        ),
        (
            rec(
                "h2",
                "self",
                &[
                    (GivenName, "Fatemah"),
                    (FamilyName, "Saadat"),
                    (DateOfBirth, "09/09/1995"),
                    (Email, "FATIMA.SADAT@example.org"),
                ],
            ),
            "fatima",
        ),
        // A single name and nothing else: alone.
        (
            rec("i1", "self", &[(FullName, "Sultan"), (DateOfBirth, "1960")]),
            "sultan",
        ),
        // Another Mohammad Nabi Karimi: other father, other age, other province.
        (
            rec(
                "j1",
                "consular",
                &[
                    (GivenName, "Mohammad Nabi"),
                    (FamilyName, "Karimi"),
                    (FatherName, "Ghulam Sakhi"),
                    (DateOfBirth, "1962-04-04"),
                    (Province, "Herat"),
                ],
            ),
            "other nabi",
        ),
        // Yusuf Wardak.
        (
            rec(
                "k1",
                "hr",
                &[
                    (GivenName, "Yusuf"),
                    (FamilyName, "Wardak"),
                    (DateOfBirth, "1980-06-15"),
                    (Phone, "0700 222 333"),
                ],
            ),
            "yusuf",
        ),
        (
            rec(
                "k2",
                "ngo",
                &[
                    (GivenName, "Yousaf"),
                    (FamilyName, "Wardak"),
                    (DateOfBirth, "15/06/1980"),
                    (Phone, "+93700222333"),
                ],
            ),
            "yusuf",
        ),
    ]
}

fn persons_of(records: &[RawRecord], cluster_of: &[u32]) -> Vec<Vec<String>> {
    let mut by: HashMap<u32, Vec<String>> = HashMap::new();
    for (r, c) in records.iter().zip(cluster_of) {
        by.entry(*c).or_default().push(r.id.clone());
    }
    let mut v: Vec<Vec<String>> = by.into_values().collect();
    v.sort();
    v
}

#[test]
fn fixture_resolves_to_its_persons() {
    let (records, truth): (Vec<RawRecord>, Vec<&str>) = fixture().into_iter().unzip();
    let res = resolve(&records, &Config::default()).unwrap();
    let mut want: HashMap<&str, Vec<String>> = HashMap::new();
    for (r, p) in records.iter().zip(&truth) {
        want.entry(p).or_default().push(r.id.clone());
    }
    let mut want: Vec<Vec<String>> = want.into_values().collect();
    want.sort();
    let got = persons_of(&records, &res.cluster_of);
    if got != want {
        let idx = |id: &str| records.iter().position(|r| r.id == id).unwrap();
        for (a, b) in [
            ("c1", "d1"),
            ("a1", "b1"),
            ("a1", "j1"),
            ("a1", "a3"),
            ("a2", "a4"),
        ] {
            eprintln!(
                "{}",
                explain(&records[idx(a)], &records[idx(b)], &res.model)
            );
        }
    }
    assert_eq!(got, want);
    assert_eq!(res.cluster_count, want.len());
    assert_eq!(res.cluster_of.len(), records.len());
    assert!(res.stats.em_iterations > 0);
    assert!(res.stats.candidate_pairs > 0);
}

#[test]
fn siblings_are_not_even_close_and_similar_named_twins_go_to_review_at_most() {
    let (records, _): (Vec<RawRecord>, Vec<&str>) = fixture().into_iter().unzip();
    let res = resolve(&records, &Config::default()).unwrap();
    let idx = |id: &str| records.iter().position(|r| r.id == id).unwrap();
    for (a, b) in [("a1", "b1"), ("b1", "e1"), ("c1", "e1"), ("a2", "b2")] {
        let e = explain(&records[idx(a)], &records[idx(b)], &res.model);
        assert_eq!(e.decision, Decision::NonMatch, "{e}");
        assert!(
            e.score - e.prior_weight < res.model.config.conflict_threshold,
            "a conflict: {e}"
        );
    }
    // Hasan and Husain, born the same day: a person may look, the engine does not merge.
    for (a, b) in [("c1", "d1"), ("c2", "d2")] {
        let e = explain(&records[idx(a)], &records[idx(b)], &res.model);
        assert_ne!(e.decision, Decision::Match, "{e}");
    }
}

#[test]
fn bad_input_is_refused_with_the_record_named() {
    let a = RawRecord::new("x1", "a").with(Field::GivenName, "Ahmad");
    let b = RawRecord::new("x1", "b").with(Field::GivenName, "Ahmed");
    assert_eq!(
        resolve(&[a.clone(), b], &Config::default()).unwrap_err(),
        ResolveError::DuplicateId("x1".into())
    );
    let empty = RawRecord::new(" ", "a");
    assert_eq!(
        resolve(&[a.clone(), empty], &Config::default()).unwrap_err(),
        ResolveError::EmptyId { index: 1 }
    );
    // The first bad record in input order is the one named, as a reader going down the
    // list would find it: the second of a pair, or an empty id before it.
    let mut many: Vec<RawRecord> = (0..5_000)
        .map(|i| RawRecord::new(format!("r{i}"), "a"))
        .collect();
    many[4_000] = RawRecord::new("r7", "a");
    many[3_000] = RawRecord::new("r2999", "a");
    assert_eq!(
        check_ids(&many).unwrap_err(),
        ResolveError::DuplicateId("r2999".into())
    );
    many[2_500] = RawRecord::new("", "a");
    assert_eq!(
        check_ids(&many).unwrap_err(),
        ResolveError::EmptyId { index: 2_500 }
    );
    many[2_000] = RawRecord::new("r1", "a");
    assert_eq!(
        check_ids(&many).unwrap_err(),
        ResolveError::DuplicateId("r1".into())
    );
    let bad = Config {
        review_threshold: 10.0,
        match_threshold: 5.0,
        ..Config::default()
    };
    assert!(matches!(
        resolve(&[a], &bad),
        Err(ResolveError::InvalidConfig(_))
    ));
    assert!(
        resolve(&[], &Config::default())
            .unwrap()
            .cluster_of
            .is_empty()
    );
    let one = resolve(&[RawRecord::new("only", "a")], &Config::default()).unwrap();
    assert_eq!((one.cluster_of, one.cluster_count), (vec![0], 1));
}

#[test]
fn explanations_say_what_agreed_and_why() {
    let (records, _): (Vec<RawRecord>, Vec<&str>) = fixture().into_iter().unzip();
    let res = resolve(&records, &Config::default()).unwrap();
    let e = explain(&records[0], &records[2], &res.model);
    assert_eq!(e.decision, Decision::Match);
    assert!(e.notes.iter().any(|n| n.contains("swapped")), "{e}");
    let given = e
        .fields
        .iter()
        .find(|f| f.comparison == Comparison::GivenName)
        .unwrap();
    assert_eq!(given.level, "exact");
    assert_eq!(given.a.as_deref(), Some("muhammad nabi"));
    let phone = e
        .fields
        .iter()
        .find(|f| f.comparison == Comparison::Phone)
        .unwrap();
    assert_eq!(phone.a.as_deref(), Some("+93701234567"));
    assert!(phone.weight > 0.0);
    let total: f64 = e.prior_weight + e.fields.iter().map(|f| f.weight).sum::<f64>();
    assert!(
        (total - e.score).abs() < 1e-9,
        "the fields add up to the score"
    );
    let text = e.to_string();
    assert!(text.starts_with("a1 vs a3: match"), "{text}");
    assert!(
        text.contains("given_name") && text.contains("date_of_birth"),
        "{text}"
    );

    // Twins: the household facts are discounted and the given names say no.
    let twins = explain(&records[6], &records[8], &res.model);
    assert_ne!(twins.decision, Decision::Match);
    assert!(
        twins.notes.iter().any(|n| n.contains("siblings")),
        "{twins}"
    );
    let fam = twins
        .fields
        .iter()
        .find(|f| f.comparison == Comparison::FamilyName)
        .unwrap();
    assert!(
        fam.note.as_deref().unwrap_or("").contains("discounted"),
        "{twins}"
    );

    // The Arabic-script record is explained in Latin letters.
    let arabic = explain(&records[0], &records[3], &res.model);
    let fam = arabic
        .fields
        .iter()
        .find(|f| f.comparison == Comparison::FamilyName)
        .unwrap();
    assert_eq!(fam.b.as_deref(), Some("karimi"));
    assert!(arabic.notes.iter().any(|n| n.contains("full name")));
}

#[test]
fn index_agrees_with_a_full_run_on_held_out_records() {
    let (records, _): (Vec<RawRecord>, Vec<&str>) = fixture().into_iter().unzip();
    let held = ["a4", "b2", "f3", "k2", "i1", "e1"];
    let (test, train): (Vec<RawRecord>, Vec<RawRecord>) = records
        .iter()
        .cloned()
        .partition(|r| held.contains(&r.id.as_str()));
    let full = resolve(&records, &Config::default()).unwrap();
    let part = resolve(&train, &Config::default()).unwrap();
    let index = Index::build(&train, &part);
    assert_eq!(index.len(), train.len());
    for r in &test {
        let a = index.assign(r);
        let full_mates: HashSet<&str> = {
            let me = records.iter().position(|x| x.id == r.id).unwrap();
            records
                .iter()
                .enumerate()
                .filter(|(i, x)| full.cluster_of[*i] == full.cluster_of[me] && x.id != r.id)
                .map(|(_, x)| x.id.as_str())
                .collect()
        };
        let index_mates: HashSet<&str> = match a.cluster {
            Some(c) => train
                .iter()
                .enumerate()
                .filter(|(i, _)| part.cluster_of[*i] == c)
                .map(|(_, x)| x.id.as_str())
                .collect(),
            None => HashSet::new(),
        };
        assert_eq!(index_mates, full_mates, "{}: {:?}", r.id, a.candidates);
        // Candidates are the records the index compared and kept, strongest first.
        for w in a.candidates.windows(2) {
            assert!(w[0].score >= w[1].score);
        }
    }
}

#[test]
fn index_scores_equal_full_run_scores() {
    let s = generate(400, 9);
    let (train, test) = s.records.split_at(s.records.len() - 40);
    let part = resolve(train, &Config::default()).unwrap();
    let index = Index::build(train, &part);
    for r in test {
        for c in index.match_record(r) {
            let e = explain(&train[c.record as usize], r, index.model());
            assert!(
                (e.score - c.score).abs() < 1e-6,
                "{} vs {}: {} / {}",
                train[c.record as usize].id,
                r.id,
                e.score,
                c.score
            );
            assert_eq!(e.decision, c.decision);
        }
    }
}

#[test]
fn index_assignments_agree_with_a_full_run_on_generated_records() {
    let s = generate(1500, 11);
    let n = s.records.len();
    let held = 150;
    let full = resolve(&s.records, &Config::default()).unwrap();
    let train = &s.records[..n - held];
    let part = resolve(train, &Config::default()).unwrap();
    let index = Index::build(train, &part);
    let mut agree = 0;
    for (k, r) in s.records[n - held..].iter().enumerate() {
        let me = n - held + k;
        let full_mates: HashSet<usize> = (0..n - held)
            .filter(|&i| full.cluster_of[i] == full.cluster_of[me])
            .collect();
        let index_mates: HashSet<usize> = match index.assign(r).cluster {
            Some(c) => (0..n - held).filter(|&i| part.cluster_of[i] == c).collect(),
            None => HashSet::new(),
        };
        agree += usize::from(full_mates == index_mates);
    }
    // The two runs learn their models from slightly different data; nearly every record
    // must still land with the same people.
    assert!(agree * 100 >= held * 97, "{agree} of {held} agree");
}

#[test]
fn garbage_in_any_field_never_panics() {
    let long = "x".repeat(70_000);
    let pieces = [
        "",
        " ",
        "\u{0}",
        "💥",
        "ـــ",
        "\u{200C}",
        "ﷲ",
        "محمد‌",
        "a\u{301}",
        "1/1/1",
        "00000000",
        "9999-99-99",
        "+",
        "0093",
        "@",
        "a@b.c",
        "s/o",
        "abd",
        "ullah",
        "ghulam",
        "Mohammad Mohammad Mohammad Mohammad Mohammad",
        "١٣٩٩/١٢/٣٠",
        "1400-12-30",
        long.as_str(),
        "ğüşİ",
        "Ⅻ",
        "ﬀ",
        "\t\n",
    ];
    let mut rng = crate::hash::Rng::new(5);
    let mut records = Vec::new();
    for i in 0..300 {
        let mut r = RawRecord::new(format!("g{i}"), "junk");
        for f in Field::ALL {
            if rng.below(3) > 0 {
                let a = pieces[rng.below(pieces.len() as u64) as usize];
                let b = pieces[rng.below(pieces.len() as u64) as usize];
                r.set(f, format!("{a}{b}"));
            }
        }
        records.push(r);
    }
    let res = resolve(&records, &Config::default()).unwrap();
    assert_eq!(res.cluster_of.len(), records.len());
    let index = Index::build(&records, &res);
    for (a, b) in records.iter().zip(records.iter().skip(1)).take(50) {
        let _ = explain(a, b, &res.model).to_string();
        let _ = index.assign(a);
    }
    // An index over a resolution of other records still answers.
    let other = Index::build(&records[..10], &res);
    let _ = other.match_record(&records[20]);
}

struct Quality {
    precision: f64,
    recall: f64,
    f1: f64,
    household_false: usize,
}

fn pairwise(person: &[u32], household: &[u32], cluster_of: &[u32]) -> Quality {
    let mut by_cluster: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, &c) in cluster_of.iter().enumerate() {
        by_cluster.entry(c).or_default().push(i);
    }
    let (mut tp, mut fp, mut household_false) = (0usize, 0usize, 0usize);
    for members in by_cluster.values() {
        for (k, &i) in members.iter().enumerate() {
            for &j in &members[k + 1..] {
                if person[i] == person[j] {
                    tp += 1;
                } else {
                    fp += 1;
                    if household[i] == household[j] {
                        household_false += 1;
                    }
                }
            }
        }
    }
    let mut by_person: HashMap<u32, usize> = HashMap::new();
    for &p in person {
        *by_person.entry(p).or_default() += 1;
    }
    let true_pairs: usize = by_person.values().map(|n| n * (n - 1) / 2).sum();
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / true_pairs.max(1) as f64;
    let f1 = 2.0 * precision * recall / (precision + recall).max(1e-12);
    Quality {
        precision,
        recall,
        f1,
        household_false,
    }
}

#[test]
fn generated_lists_resolve_well() {
    let s = generate(2000, 42);
    let res = resolve(&s.records, &Config::default()).unwrap();
    let q = pairwise(&s.person, &s.household, &res.cluster_of);
    eprintln!(
        "records {} precision {:.3} recall {:.3} F1 {:.3} household false pairs {} stats {:?}",
        s.records.len(),
        q.precision,
        q.recall,
        q.f1,
        q.household_false,
        res.stats
    );
    assert!(q.f1 >= 0.9, "F1 {:.3}", q.f1);
    assert!(q.precision >= 0.95, "precision {:.3}", q.precision);
    assert!(res.stats.em_converged);
}

#[test]
fn blocking_recall_on_generated_variants() {
    let s = generate(2000, 7);
    let config = Config::default();
    let b = blocking_recall(&s.records, &config, &s.person).unwrap();
    eprintln!(
        "blocking recall {:.4} ({}/{}), {} pairs compared",
        b.recall(),
        b.found,
        b.true_pairs,
        b.candidate_pairs
    );
    assert!(b.recall() >= 0.95, "blocking recall {:.4}", b.recall());
    assert_eq!(b.by_key.iter().map(|(_, n)| n).sum::<u64>(), b.found);
    // The pairs said to be missed are exactly the true pairs not enumerated.
    assert_eq!(
        b.misses.iter().map(|m| m.pairs).sum::<u64>(),
        b.true_pairs - b.found
    );
    // The same pairs as a full run compares.
    let res = resolve(&s.records, &config).unwrap();
    assert_eq!(res.stats.candidate_pairs, b.candidate_pairs);
    // Independent count: every pair the blocks compare, checked against the truth.
    let (prep, order) = crate::prepare_in_order(&s.records, 2);
    let names = NameView::new(&prep.names);
    let blocks = Blocking::build(
        &prep.recs,
        &prep.arena,
        &names,
        config.max_block_size,
        config.window,
        config.sparse_block_size,
        2,
    );
    let compared: HashSet<(u32, u32)> = blocks
        .for_each_pair(2, Vec::new, |v, _, i, j| {
            let (a, b) = (order[i as usize], order[j as usize]);
            v.push((a.min(b), a.max(b)));
        })
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(compared.len() as u64, b.candidate_pairs, "each pair once");
    let found = compared
        .iter()
        .filter(|(i, j)| s.person[*i as usize] == s.person[*j as usize])
        .count();
    assert_eq!(found as u64, b.found);
}

#[test]
fn runs_are_deterministic_whatever_the_threads() {
    let s = generate(500, 3);
    let one = resolve(
        &s.records,
        &Config {
            threads: 1,
            ..Config::default()
        },
    )
    .unwrap();
    let two = resolve(
        &s.records,
        &Config {
            threads: 2,
            ..Config::default()
        },
    )
    .unwrap();
    let again = resolve(
        &s.records,
        &Config {
            threads: 2,
            ..Config::default()
        },
    )
    .unwrap();
    assert_eq!(two.cluster_of, again.cluster_of);
    assert_eq!(two.review, again.review);
    assert_eq!(one.cluster_of, two.cluster_of);
    assert_eq!(one.stats.candidate_pairs, two.stats.candidate_pairs);
}

#[test]
fn a_restored_resolution_matches_as_the_run_it_was_stored_from() {
    let s = generate(400, 17);
    let (train, test) = s.records.split_at(s.records.len() - 40);
    let run = resolve(train, &Config::default()).unwrap();
    let stored = run.model.parameters();
    let restored = restore(train, &run.cluster_of, &stored, &Config::default()).unwrap();
    assert_eq!(
        restored.model, run.model,
        "same weights and name frequencies"
    );
    let (a, b) = (Index::build(train, &run), Index::build(train, &restored));
    for r in test {
        assert_eq!(a.assign(r), b.assign(r), "{}", r.id);
    }
    // Stored parameters that do not fit this engine are refused, not guessed at.
    let mut bad = stored.clone();
    bad.m.pop();
    assert!(restore(train, &run.cluster_of, &bad, &Config::default()).is_err());
    let mut bad = stored;
    bad.prior = 1.5;
    assert!(restore(train, &run.cluster_of, &bad, &Config::default()).is_err());
    assert!(
        restore(
            train,
            &run.cluster_of[1..],
            &run.model.parameters(),
            &Config::default()
        )
        .is_err()
    );
}

/// The records a full run over `records` compares with the last of them (input indices).
fn full_run_partners(records: &[RawRecord], config: &Config) -> HashSet<usize> {
    let (prep, order) = crate::prepare_in_order(records, 1);
    let names = NameView::new(&prep.names);
    let blocks = Blocking::build(
        &prep.recs,
        &prep.arena,
        &names,
        config.max_block_size,
        config.window,
        config.sparse_block_size,
        1,
    );
    let last = records.len() - 1;
    blocks
        .for_each_pair(1, Vec::new, |v, _, i, j| {
            let (a, b) = (order[i as usize] as usize, order[j as usize] as usize);
            if a == last || b == last {
                v.push(a + b - last);
            }
        })
        .into_iter()
        .flatten()
        .collect()
}

/// One name written by twelve records with birth years and two without, a single name with
/// a year, and a namesake: blocks of at most four, a window of one.
fn sparse_fixture() -> Vec<RawRecord> {
    use Field::*;
    let mut records: Vec<RawRecord> = (0..12)
        .map(|k| {
            let year = (1950 + 3 * k).to_string();
            rec(
                &format!("d{k}"),
                "a",
                &[
                    (GivenName, "Laila"),
                    (FamilyName, "Ibrahimi"),
                    (DateOfBirth, &year),
                ],
            )
        })
        .collect();
    for id in ["s0", "s1"] {
        records.push(rec(
            id,
            "b",
            &[(GivenName, "Laila"), (FamilyName, "Ibrahimi")],
        ));
    }
    records.push(rec(
        "k",
        "c",
        &[
            (GivenName, "Laila"),
            (FamilyName, "Karimi"),
            (DateOfBirth, "1965"),
        ],
    ));
    records.push(rec(
        "single",
        "c",
        &[(GivenName, "Layla"), (DateOfBirth, "1965")],
    ));
    records
}

#[test]
fn sparse_records_meet_every_record_of_a_small_oversized_block() {
    let records = sparse_fixture();
    let id = |i: u32| records[i as usize].id.as_str();
    let config = Config {
        max_block_size: 4,
        window: 1,
        sparse_block_size: 100,
        ..Config::default()
    };
    let pairs = |config: &Config| -> HashSet<(String, String)> {
        let (prep, order) = crate::prepare_in_order(&records, 1);
        let names = NameView::new(&prep.names);
        let b = Blocking::build(
            &prep.recs,
            &prep.arena,
            &names,
            config.max_block_size,
            config.window,
            config.sparse_block_size,
            1,
        );
        let all: Vec<(u32, u32)> = b
            .for_each_pair(1, Vec::new, |v, _, i, j| {
                v.push((order[i as usize], order[j as usize]))
            })
            .into_iter()
            .flatten()
            .collect();
        let set: HashSet<(String, String)> = all
            .iter()
            .map(|&(i, j)| {
                let (a, b) = (id(i).to_string(), id(j).to_string());
                if a < b { (a, b) } else { (b, a) }
            })
            .collect();
        assert_eq!(set.len(), all.len(), "each pair once");
        set
    };
    let has = |p: &HashSet<(String, String)>, a: &str, b: &str| {
        let (a, b) = if a < b { (a, b) } else { (b, a) };
        p.contains(&(a.to_string(), b.to_string()))
    };
    let on = pairs(&config);
    // Without a year, s0 and s1 meet every record of the name that has one.
    for k in 0..12 {
        assert!(has(&on, "s0", &format!("d{k}")), "s0 d{k}");
        assert!(has(&on, "s1", &format!("d{k}")), "s1 d{k}");
    }
    // Records with years meet only their neighbours in the window.
    assert!(has(&on, "d3", "d4"));
    assert!(!has(&on, "d3", "d9"));
    // The single name with a year meets the full names of that year, which do not meet
    // each other for it.
    assert!(has(&on, "single", "d5"));
    assert!(has(&on, "single", "k"));
    assert!(!has(&on, "d5", "k"));

    // Above the size, the window alone: the far pairs are left out.
    let off = pairs(&Config {
        sparse_block_size: 2,
        ..config.clone()
    });
    assert!(!has(&off, "s0", "d11"));
    assert!(!has(&off, "single", "d5"));
    assert!(has(&off, "d3", "d4"));

    // The recall diagnostic agrees: of the pairs of "one person" s0 ~ d11, single ~ d5 and
    // d5 ~ k, the first two are compared with the sparse pairs and not without.
    let person: Vec<u32> = records
        .iter()
        .map(|r| match r.id.as_str() {
            "s0" | "d11" => 1,
            "single" | "d5" | "k" => 2,
            _ => 3 + records.iter().position(|x| x.id == r.id).unwrap() as u32,
        })
        .collect();
    let b = blocking_recall(&records, &config, &person).unwrap();
    assert_eq!((b.true_pairs, b.found), (4, 3));
    assert_eq!(b.misses.len(), 1);
    assert_eq!(b.misses[0].pairs, 1);
    assert_eq!(
        b.misses[0].reason,
        "left out of a block of given + birth year"
    );
    let b = blocking_recall(
        &records,
        &Config {
            sparse_block_size: 2,
            ..config.clone()
        },
        &person,
    )
    .unwrap();
    assert_eq!((b.true_pairs, b.found), (4, 0));
    assert_eq!(b.misses.iter().map(|m| m.pairs).sum::<u64>(), 4);
}

#[test]
fn the_index_compares_what_a_full_run_would() {
    let all = sparse_fixture();
    for sparse_block_size in [100, 2] {
        let config = Config {
            max_block_size: 4,
            window: 1,
            sparse_block_size,
            ..Config::default()
        };
        for q in ["s0", "d7", "single", "k", "d0"] {
            // The query last, as a full run over the registry and it would see it.
            let mut records: Vec<RawRecord> = all.iter().filter(|r| r.id != q).cloned().collect();
            let query = all.iter().find(|r| r.id == q).unwrap().clone();
            let registry = records.clone();
            records.push(query.clone());
            let full = full_run_partners(&records, &config);
            let res = resolve(&registry, &config).unwrap();
            let index = Index::build(&registry, &res);
            let found: HashSet<usize> = index
                .compared_with_record(&query)
                .into_iter()
                .map(|i| i as usize)
                .collect();
            assert_eq!(found, full, "{q} (sparse blocks up to {sparse_block_size})");
            if sparse_block_size == 100 {
                assert!(!found.is_empty(), "{q}");
            }
        }
    }
}

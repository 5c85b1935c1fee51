//! `cargo bench -p drawdown-documents`: how long `Document::finish` takes for a boarding pass and for
//! manifests of 100, 1,000 and 3,000 rows (medians of several runs), and how big the files are.
//! Plain `main` (no bench framework): the build stays lean.

use std::time::{Duration, Instant};

use drawdown_documents::{Document, PageSize};
use time::macros::datetime;

fn pass() -> Document {
    let mut doc = Document::new(PageSize::A6, "Boarding pass");
    doc.generated_at(datetime!(2021-08-20 14:05 UTC))
        .heading("Boarding pass")
        .subheading("کارت سوار شدن · د سپریدو کارت");
    doc.qr(
        "DD1.AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5",
        42.0,
    )
    .expect("fits");
    doc.key_values(&[
        ("Holder", "F. H. (born 1984), household of 5"),
        ("Departure", "KAM-4411 Kabul to Doha"),
    ])
    .key_values(&[
        ("دارنده", "ف. ح. (تولد ۱۳۶۳)، خانوار ۵ نفر"),
        ("پرواز", "KAM-4411 کابل به دوحه"),
    ])
    .key_values(&[
        ("لرونکی", "ف. ح. (زیږدنه ۱۳۶۳)، کورنۍ ۵ تنه"),
        ("الوتنه", "KAM-4411 کابل ته دوحه"),
    ]);
    doc
}

fn manifest(rows: usize) -> Document {
    let mut doc = Document::new(PageSize::A4, "Manifest KAM-4411");
    doc.generated_at(datetime!(2021-08-20 14:05 UTC))
        .heading("Manifest KAM-4411");
    let people: Vec<Vec<String>> = (0..rows)
        .map(|i| {
            vec![
                (i + 1).to_string(),
                if i % 3 == 0 {
                    format!("حیدری {i}")
                } else {
                    format!("HAIDARI-{i}")
                },
                format!("Farid Ahmad {}", i % 97),
                format!("19{:02}-03-02", i % 100),
                if i % 2 == 0 { "M" } else { "F" }.to_owned(),
                "AFG".to_owned(),
                format!("P{:08}", 1_000_000 + i),
                "2027-05-31".to_owned(),
            ]
        })
        .collect();
    doc.table(
        &[
            "#",
            "Surname",
            "Given names",
            "Born",
            "Sex",
            "Nationality",
            "Document",
            "Expires",
        ],
        &people,
    );
    doc
}

fn measure(name: &str, doc: &Document, runs: usize) {
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut bytes = 0;
    for _ in 0..runs {
        let t = Instant::now();
        bytes = doc.finish().len();
        times.push(t.elapsed());
    }
    times.sort();
    let median = times[runs / 2];
    println!(
        "{name:<22} median {:>8.1} ms   min {:>8.1} ms   {:>8} bytes",
        median.as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        bytes
    );
}

fn main() {
    println!("drawdown-documents: Document::finish (layout, shaping, subsetting, compression)");
    measure("boarding pass (A6)", &pass(), 21);
    measure("manifest 100 rows", &manifest(100), 11);
    measure("manifest 1,000 rows", &manifest(1_000), 7);
    measure("manifest 3,000 rows", &manifest(3_000), 5);
}

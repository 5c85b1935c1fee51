//! Tests read the PDFs back with a real reader (poppler's `pdftotext` and `pdfinfo`, Debian package
//! poppler-utils, installed by scripts/test). They also serve as the examples area developers copy.

use std::path::PathBuf;
use std::process::Command;

use time::macros::datetime;

use super::*;

/// Writes `pdf` to a temporary file and returns its path (kept for a look when a test fails).
fn save(name: &str, pdf: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("drawdown-documents-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, pdf).expect("write pdf");
    path
}

fn poppler(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!("{tool} not found ({e}): install Debian's poppler-utils (scripts/test does)")
    });
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// The text of one page (1-based), or of all pages when `page` is None.
fn pdftotext(path: &std::path::Path, page: Option<usize>) -> String {
    let p = path.to_str().expect("utf-8 path");
    match page {
        Some(n) => {
            let n = n.to_string();
            poppler("pdftotext", &["-f", &n, "-l", &n, p, "-"])
        }
        None => poppler("pdftotext", &[p, "-"]),
    }
}

fn pdfinfo(path: &std::path::Path) -> String {
    poppler("pdfinfo", &[path.to_str().expect("utf-8 path")])
}

fn pages(info: &str) -> usize {
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("page count")
}

/// Example: a boarding pass on A6 in English, Dari and Pashto with its QR code. Copy this pattern.
fn example_boarding_pass() -> Vec<u8> {
    let token = "DD1.AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5";
    let mut doc = Document::new(PageSize::A6, "Boarding pass · کارت پرواز");
    doc.generated_at(datetime!(2021-08-20 14:05 UTC))
        .heading("Boarding pass")
        .subheading("کارت سوار شدن · د سپریدو کارت")
        .qr(token, 42.0)
        .expect("a token fits in a QR code");
    doc.key_values(&[
        (
            "Holder",
            "F. H. (born 1984), household of 5 incl. 1 lap infant",
        ),
        ("Departure", "KAM-4411 Kabul to Doha, 21 Aug 2021 06:40"),
        ("Valid", "2021-08-20 18:00 to 2021-08-21 08:00 UTC"),
    ])
    .rule()
    .key_values(&[
        ("دارنده", "ف. ح. (تولد ۱۳۶۳)، خانوار ۵ نفر"),
        ("پرواز", "KAM-4411 کابل به دوحه"),
    ])
    .rule()
    .key_values(&[
        ("لرونکی", "ف. ح. (زیږدنه ۱۳۶۳)، کورنۍ ۵ تنه"),
        ("الوتنه", "KAM-4411 کابل ته دوحه"),
    ])
    .paragraph("Show this pass at every checkpoint.")
    .paragraph("این کارت را در هر ایست بازرسی نشان دهید.")
    .paragraph("دا کارت په هر پوسته کې وښایاست.");
    doc.finish()
}

/// Example: a manifest with advance passenger information; the table runs over several pages.
fn example_manifest(rows: usize) -> Vec<u8> {
    let mut doc = Document::new(PageSize::A4, "Manifest KAM-4411");
    doc.generated_at(datetime!(2021-08-20 14:05 UTC))
        .footer_note("Official use only")
        .heading("Manifest KAM-4411: Kabul to Doha")
        .key_values(&[
            ("Departs", "2021-08-21 06:40 UTC"),
            ("Seats", "180"),
            ("People", &rows.to_string()),
        ]);
    let people: Vec<Vec<String>> = (0..rows)
        .map(|i| {
            vec![
                (i + 1).to_string(),
                if i % 3 == 0 {
                    "حیدری".to_owned()
                } else {
                    format!("HAIDARI-{i}")
                },
                "Farid Ahmad".to_owned(),
                "1984-03-02".to_owned(),
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
    doc.finish()
}

#[test]
fn boarding_pass_is_one_a6_page_with_all_three_languages() {
    let pdf = example_boarding_pass();
    assert!(
        pdf.len() < 120_000,
        "a pass must stay small: {} bytes",
        pdf.len()
    );
    let path = save("pass.pdf", &pdf);
    let info = pdfinfo(&path);
    assert_eq!(pages(&info), 1, "{info}");
    assert!(info.contains("297.638 x 419.528 pts"), "not A6: {info}");
    let text = pdftotext(&path, None);
    for expected in [
        "Boarding pass",
        "KAM-4411",
        "Household of 5".to_lowercase().as_str(),
        "Page 1 of 1",
    ] {
        assert!(
            text.to_lowercase().contains(&expected.to_lowercase()),
            "missing {expected:?} in:\n{text}"
        );
    }
    for expected in [
        "کارت",
        "پرواز",
        "دارنده",
        "کابل",
        "الوتنه",
        "لرونکی",
        "کورنۍ",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn manifest_table_continues_over_pages_with_its_header() {
    let pdf = example_manifest(150);
    let path = save("manifest.pdf", &pdf);
    let n = pages(&pdfinfo(&path));
    assert!(n >= 3, "150 rows should take several pages, got {n}");
    for page in 1..=n {
        let text = pdftotext(&path, Some(page));
        assert!(
            text.contains("Surname"),
            "page {page} lacks the header:\n{text}"
        );
        assert!(
            text.contains(&format!("Page {page} of {n}")),
            "page {page}:\n{text}"
        );
        assert!(
            text.contains("Generated 2021-08-20 14:05 UTC"),
            "page {page}"
        );
    }
    let all = pdftotext(&path, None);
    for i in [1usize, 2, 76, 149] {
        assert!(all.contains(&format!("HAIDARI-{i}")), "row {i} missing");
        assert!(
            all.contains(&format!("P{:08}", 1_000_000 + i)),
            "document of row {i} missing"
        );
    }
    assert!(all.contains("حیدری"));
}

#[test]
fn same_input_and_time_give_the_same_bytes() {
    assert_eq!(example_boarding_pass(), example_boarding_pass());
    assert_eq!(example_manifest(40), example_manifest(40));
    let mut a = Document::new(PageSize::A4, "t");
    a.generated_at(datetime!(2021-08-20 14:05 UTC))
        .paragraph("x");
    let mut b = a.clone();
    b.generated_at(datetime!(2021-08-20 14:06 UTC));
    assert_ne!(a.finish(), b.finish());
    assert_eq!(sha256_hex(&a.finish()), sha256_hex(&a.finish()));
}

#[test]
fn long_paragraphs_wrap_and_every_word_survives() {
    let words: Vec<String> = (0..400).map(|i| format!("word{i}")).collect();
    let mut doc = Document::new(PageSize::A6, "Wrap");
    doc.generated_at(datetime!(2021-08-20 14:05 UTC))
        .paragraph(&words.join(" "));
    let path = save("wrap.pdf", &doc.finish());
    assert!(pages(&pdfinfo(&path)) >= 2);
    let text = pdftotext(&path, None);
    let found: Vec<&str> = text
        .split_whitespace()
        .filter(|w| w.starts_with("word"))
        .collect();
    assert_eq!(found, words.iter().map(String::as_str).collect::<Vec<_>>());
}

#[test]
fn page_breaks_spacers_and_an_empty_document_still_make_valid_pdfs() {
    let mut doc = Document::new(PageSize::A4, "Empty");
    doc.generated_at(datetime!(2021-08-20 14:05 UTC));
    let path = save("empty.pdf", &doc.finish());
    assert_eq!(pages(&pdfinfo(&path)), 1);
    doc.paragraph("one")
        .page_break()
        .spacer()
        .paragraph("two")
        .page_break()
        .paragraph("three");
    let path = save("breaks.pdf", &doc.finish());
    assert_eq!(pages(&pdfinfo(&path)), 3);
    assert!(pdftotext(&path, Some(3)).contains("three"));
}

#[test]
fn oversized_qr_data_is_refused_with_its_size() {
    let mut doc = Document::new(PageSize::A6, "QR");
    let err = doc.qr(&"x".repeat(4000), 40.0).expect_err("too long");
    assert!(err.to_string().contains("4000 bytes"), "{err}");
}

#[test]
fn a_row_taller_than_a_page_is_split_not_lost() {
    let tall = (0..120)
        .map(|i| format!("line{i}"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut doc = Document::new(PageSize::A6, "Tall");
    doc.generated_at(datetime!(2021-08-20 14:05 UTC))
        .table(&["Cell"], &[[tall.as_str()]]);
    let path = save("tall.pdf", &doc.finish());
    assert!(pages(&pdfinfo(&path)) >= 2);
    let text = pdftotext(&path, None);
    for i in [0, 60, 119] {
        assert!(text.contains(&format!("line{i}")), "line{i} lost");
    }
}

#[test]
fn a_document_can_be_built_in_async_handlers() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Document>();
    send_sync::<Error>();
}

#[test]
fn the_printed_qr_code_scans_back_to_the_token() {
    // Rendered as a printer would (pdftoppm), read as a scanner would (zbarimg, Debian's zbar-tools).
    let token = "DD1.AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5";
    let path = save("scan.pdf", &example_boarding_pass());
    let png = path.with_extension("");
    poppler(
        "pdftoppm",
        &[
            "-r",
            "150",
            "-png",
            "-singlefile",
            path.to_str().expect("path"),
            png.to_str().expect("path"),
        ],
    );
    let out = Command::new("zbarimg")
        .args(["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"])
        .arg(png.with_extension("png"))
        .output()
        .unwrap_or_else(|e| {
            panic!("zbarimg not found ({e}): install Debian's zbar-tools (scripts/test does)")
        });
    assert!(
        out.status.success(),
        "no QR code found: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), token);
}

#[test]
fn landscape_a4_is_wider_than_tall() {
    let mut doc = Document::new(PageSize::A4Landscape, "Wide");
    doc.generated_at(datetime!(2021-08-20 14:05 UTC))
        .table(&["a", "b"], &[["1", "2"]]);
    let info = pdfinfo(&save("landscape.pdf", &doc.finish()));
    assert!(info.contains("841.89 x 595.276 pts"), "{info}");
}

#[test]
fn bullets_numbers_and_stray_control_characters() {
    let mut doc = Document::new(PageSize::A4, "Summary");
    doc.generated_at(datetime!(2021-08-20 14:05 UTC))
        .heading("After-action summary")
        .bullets(&[
            "Paper: 2.4 tonnes destroyed by burning, witnessed.",
            "کاغذ: ۲٫۴ تن سوزانده شد.",
            "A long item that wraps onto a second line so that the hanging indent can be seen under the first word of the item and not under the bullet.",
        ])
        .table(&["Kind", "Destroyed", "Remaining"], &[["Paper (kg)", "2,400", "12"], ["Drives", "310", "0"]])
        .paragraph("tab\there\r\nwindows line\u{7}bell");
    let path = save("summary.pdf", &doc.finish());
    let text = pdftotext(&path, None);
    for expected in [
        "After-action summary",
        "• Paper: 2.4 tonnes",
        "کاغذ",
        "2,400",
        "hanging indent",
        "tab here",
        "windows line",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(
        text.contains("linebell"),
        "the bell character is dropped: {text}"
    );
}

#[test]
fn random_text_in_every_block_never_breaks_the_layout() {
    // Letters, digits, marks, joiners, punctuation, a character the font lacks, line breaks: in
    // random mixes and lengths, in every kind of block, on both page sizes.
    let pool: Vec<char> =
        "abcXYZ019 .,-()/:;\n\tابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیټډړښږځڅګڼۍې۰۱۲۹٫ًَُِّ\u{200C}→ж"
            .chars()
            .collect();
    let mut seed: u64 = 0x5eed;
    let mut next = move |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % n.max(1)
    };
    for round in 0..12 {
        let mut text = |max: usize| -> String {
            let len = next(max);
            (0..len).map(|_| pool[next(pool.len())]).collect()
        };
        let size = if round % 2 == 0 {
            PageSize::A6
        } else {
            PageSize::A4
        };
        let mut doc = Document::new(size, &text(40));
        doc.generated_at(datetime!(2021-08-20 14:05 UTC))
            .footer_note(&text(30))
            .heading(&text(60))
            .paragraph(&text(900))
            .key_values(&[(text(30), text(200)), (text(5), text(400))])
            .bullets(&[text(200), text(0)])
            .table(
                &[text(10), text(20), text(3)],
                &(0..40)
                    .map(|_| vec![text(30), text(120), text(8)])
                    .collect::<Vec<_>>(),
            )
            .qr(&text(300), next(80) as f32 - 10.0)
            .expect("fits");
        let pdf = doc.finish();
        let path = save(&format!("random-{round}.pdf"), &pdf);
        assert!(pages(&pdfinfo(&path)) >= 1);
        pdftotext(&path, None);
    }
}

#[test]
fn a_long_footer_note_wraps_at_the_foot_of_every_page() {
    let note = "Show this code at every checkpoint · این کد را در هر ایست بازرسی نشان دهید · دا کوډ په هره پوسته کې وښایاست";
    let mut doc = Document::new(PageSize::A6, "Boarding pass");
    doc.generated_at(datetime!(2021-08-20 14:05 UTC))
        .footer_note(note);
    for i in 0..60 {
        doc.paragraph(&format!("line {i}"));
    }
    let path = save("note.pdf", &doc.finish());
    let n = pages(&pdfinfo(&path));
    assert!(n >= 2);
    for page in 1..=n {
        let text = pdftotext(&path, Some(page));
        for expected in ["Show this code at every checkpoint", "بازرسی", "وښایاست"] {
            assert!(
                text.contains(expected),
                "page {page} lacks {expected:?}:\n{text}"
            );
        }
    }
}

#[test]
fn latin_values_beside_dari_labels_keep_their_order() {
    let mut doc = Document::new(PageSize::A6, "Pass");
    doc.generated_at(datetime!(2021-08-20 14:05 UTC))
        .key_values(&[
            ("دارنده", "F. H."),
            ("افراد", "5, including 1 lap infant"),
            ("پرواز", "KAM-4411 کابل به دوحه"),
        ]);
    let path = save("latin-in-dari.pdf", &doc.finish());
    let text = pdftotext(&path, None);
    assert!(text.contains("F. H."), "{text}");
    assert!(text.contains("5, including 1 lap infant"), "{text}");
    assert!(text.contains("KAM-4411"), "{text}");
}

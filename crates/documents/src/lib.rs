//! Printable documents: PDF pages (A4, A6) with headings, paragraphs, key/value blocks, tables that
//! continue across pages, QR codes, and English, Dari and Pashto text (shaped, right to left where
//! it should be, extractable). The one way Drawdown makes a PDF; areas call this builder.
//!
//! ```
//! use drawdown_documents::{Document, PageSize, sha256_hex};
//! use time::macros::datetime;
//!
//! let mut doc = Document::new(PageSize::A4, "Manifest KAM-4411");
//! doc.generated_at(datetime!(2021-08-20 14:05 UTC))
//!     .footer_note("Official use only")
//!     .heading("Manifest KAM-4411 — Kabul to Doha")
//!     .key_values(&[("Departs", "2021-08-21 06:40"), ("Seats", "180")])
//!     .table(
//!         &["Surname", "Given names", "Born", "Document"],
//!         &[["HAIDARI", "Farid", "1984-03-02", "P01234567"], ["حیدری", "فرید", "۱۳۶۳", "P07654321"]],
//!     );
//! let pdf: Vec<u8> = doc.finish();
//! assert!(pdf.starts_with(b"%PDF-"));
//! let hash = sha256_hex(&pdf); // what a certificate puts in the audit log
//! assert_eq!(hash.len(), 64);
//! ```
//!
//! A boarding pass: A6, a QR code, English, Dari and Pashto.
//!
//! ```
//! use drawdown_documents::{Document, PageSize, qr_svg};
//! use time::macros::datetime;
//!
//! let token = "DD1.AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e";
//! let mut pass = Document::new(PageSize::A6, "Boarding pass");
//! pass.generated_at(datetime!(2021-08-20 14:05 UTC))
//!     .heading("Boarding pass")
//!     .subheading("کارت سوار شدن · د سپریدو کارت")
//!     .qr(token, 42.0)?; // Err only if the data cannot fit in a QR code
//! pass.key_values(&[("Holder", "F. H. (born 1984), household of 5"), ("Departure", "KAM-4411")])
//!     .rule()
//!     .key_values(&[("دارنده", "ف. ح. (تولد ۱۳۶۳)"), ("پرواز", "KAM-4411 کابل به دوحه")])
//!     .rule()
//!     .key_values(&[("لرونکی", "ف. ح. (زیږدنه ۱۳۶۳)"), ("الوتنه", "KAM-4411 کابل ته دوحه")]);
//! let pdf = pass.finish();
//! // The web page shows the same code:
//! let svg = qr_svg(token)?;
//! assert!(svg.starts_with("<svg"));
//! # assert!(pdf.len() < 100_000);
//! # Ok::<(), drawdown_documents::Error>(())
//! ```
//!
//! Output is deterministic: the same calls with the same `generated_at` give the same bytes (the
//! generated-at time defaults to now, so set it when you need a reproducible file). `finish` is
//! CPU work (a pass ~1 ms, a 1,000-row manifest ~30 ms): in an async handler, run big documents in
//! `tokio::task::spawn_blocking`. More complete examples, checked with a real PDF reader, are in
//! the crate's tests (`example_boarding_pass`, `example_manifest` in `src/tests.rs`); see
//! docs/documents.md.
#![forbid(unsafe_code)]

mod layout;
mod pdf;
mod qr;
mod text;

use std::sync::Arc;

pub use qr::qr_svg;

/// Page formats Drawdown prints on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageSize {
    /// 210 × 297 mm: reports, manifests, certificates.
    A4,
    /// 105 × 148 mm: boarding passes (four to an A4 sheet, or a pocket printer).
    A6,
    /// 297 × 210 mm: wide tables (a manifest with many columns).
    A4Landscape,
}

/// What can go wrong while building a document.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The data does not fit in any QR code (a QR code holds about 2 kB at this error correction).
    #[error("QR code data of {bytes} bytes cannot be encoded: {reason}")]
    Qr { bytes: usize, reason: String },
}

#[derive(Clone, Debug)]
pub(crate) enum Block {
    Heading {
        text: String,
        level: u8,
    },
    Paragraph {
        text: String,
        bold: bool,
    },
    KeyValues(Vec<(String, String)>),
    Bullets(Vec<String>),
    Table {
        headers: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    Qr {
        matrix: Arc<qr::QrMatrix>,
        size_mm: f32,
    },
    Spacer,
    Rule,
    PageBreak,
}

/// A document being built: add blocks in reading order, then [`Document::finish`].
///
/// Text may be English, Dari or Pashto, or a mix on one line: each paragraph reads in the
/// direction of its first letter (Dari and Pashto right to left, aligned right), and Latin
/// names or numbers inside keep their own order. Line breaks (`\n`) in text are kept.
#[derive(Clone, Debug)]
pub struct Document {
    size: PageSize,
    title: String,
    note: String,
    generated_at: time::OffsetDateTime,
    blocks: Vec<Block>,
}

impl Document {
    /// A new, empty document. `title` goes into the running header and the file's metadata.
    pub fn new(size: PageSize, title: &str) -> Self {
        Self {
            size,
            title: clean(title),
            note: String::new(),
            generated_at: time::OffsetDateTime::now_utc(),
            blocks: Vec::new(),
        }
    }

    /// The time printed in the footer and stored as the creation date (default: now). Set it for
    /// reproducible output.
    pub fn generated_at(&mut self, at: time::OffsetDateTime) -> &mut Self {
        self.generated_at = at;
        self
    }

    /// A note printed at the foot of every page, e.g. a handling caveat or an instruction in
    /// several languages (wrapped, up to four lines).
    pub fn footer_note(&mut self, note: &str) -> &mut Self {
        self.note = clean(note);
        self
    }

    /// A section heading (large, bold); it is never left alone at the bottom of a page.
    pub fn heading(&mut self, text: &str) -> &mut Self {
        self.blocks.push(Block::Heading {
            text: clean(text),
            level: 1,
        });
        self
    }

    /// A smaller heading, for sub-sections.
    pub fn subheading(&mut self, text: &str) -> &mut Self {
        self.blocks.push(Block::Heading {
            text: clean(text),
            level: 2,
        });
        self
    }

    /// Running text, wrapped to the page width.
    pub fn paragraph(&mut self, text: &str) -> &mut Self {
        self.blocks.push(Block::Paragraph {
            text: clean(text),
            bold: false,
        });
        self
    }

    /// Running text in bold.
    pub fn strong(&mut self, text: &str) -> &mut Self {
        self.blocks.push(Block::Paragraph {
            text: clean(text),
            bold: true,
        });
        self
    }

    /// A bulleted list, one item per entry (wrapped with a hanging indent).
    pub fn bullets<T: AsRef<str>>(&mut self, items: &[T]) -> &mut Self {
        self.blocks.push(Block::Bullets(
            items.iter().map(|t| clean(t.as_ref())).collect(),
        ));
        self
    }

    /// Label/value pairs, labels in a column sized to the longest (at most 40 % of the width).
    /// A Dari or Pashto label puts the labels on the right and reads the values right to left.
    pub fn key_values<K: AsRef<str>, V: AsRef<str>>(&mut self, pairs: &[(K, V)]) -> &mut Self {
        let pairs = pairs
            .iter()
            .map(|(k, v)| (clean(k.as_ref()), clean(v.as_ref())))
            .collect();
        self.blocks.push(Block::KeyValues(pairs));
        self
    }

    /// A table: column widths from the content, cells wrapped, rows striped, columns of numbers
    /// aligned right; it continues on the next page with the header repeated. `rows` may be
    /// arrays or vectors of anything string-like; a short row leaves its last cells empty.
    pub fn table<H: AsRef<str>, C: AsRef<str>, R: AsRef<[C]>>(
        &mut self,
        headers: &[H],
        rows: &[R],
    ) -> &mut Self {
        let headers = headers.iter().map(|h| clean(h.as_ref())).collect();
        let rows = rows
            .iter()
            .map(|r| r.as_ref().iter().map(|c| clean(c.as_ref())).collect())
            .collect();
        self.blocks.push(Block::Table { headers, rows });
        self
    }

    /// A QR code of `data`, `size_mm` wide (quiet zone included), centred. The same code as
    /// [`qr_svg`] draws for the web. Fails if the data is too long for a QR code.
    pub fn qr(&mut self, data: &str, size_mm: f32) -> Result<&mut Self, Error> {
        let matrix = Arc::new(qr::QrMatrix::encode(data)?);
        self.blocks.push(Block::Qr { matrix, size_mm });
        Ok(self)
    }

    /// Vertical space of about a line.
    pub fn spacer(&mut self) -> &mut Self {
        self.blocks.push(Block::Spacer);
        self
    }

    /// A thin horizontal line across the page.
    pub fn rule(&mut self) -> &mut Self {
        self.blocks.push(Block::Rule);
        self
    }

    /// Continue on a new page.
    pub fn page_break(&mut self) -> &mut Self {
        self.blocks.push(Block::PageBreak);
        self
    }

    /// Lays the document out and returns the PDF file's bytes.
    pub fn finish(&self) -> Vec<u8> {
        let mut shaper = text::Shaper::default();
        let mut m = layout::Metrics::of(self.size);
        let note = self.note_lines(&m, &mut shaper);
        m.footer_extra = note.len() as f32 * m.line_height(text::FontId::Regular, m.small);
        let mut layout = layout::Layout::new(m, &mut shaper);
        for block in &self.blocks {
            layout.block(block);
        }
        let mut pages = std::mem::take(&mut layout.pages);
        drop(layout);
        self.running_header(&m, &mut pages, &mut shaper, &note);
        pdf::write(
            &m,
            &pages,
            &shaper,
            &pdf::Header {
                title: &self.title,
                generated_at: self.generated_at,
            },
        )
    }

    fn note_lines(&self, m: &layout::Metrics, shaper: &mut text::Shaper) -> Vec<text::Line> {
        if self.note.trim().is_empty() {
            return Vec::new();
        }
        let mut lines = shaper.lines(text::FontId::Regular, &self.note, m.small, m.text_width());
        lines.truncate(4);
        lines
    }

    /// The title on top; the note, generated-at and "Page n of N" at the bottom of every page.
    fn running_header(
        &self,
        m: &layout::Metrics,
        pages: &mut [layout::Page],
        shaper: &mut text::Shaper,
        note: &[text::Line],
    ) {
        let total = pages.len();
        let generated = self.generated_at.to_offset(time::UtcOffset::UTC);
        let generated = format!(
            "Generated {:04}-{:02}-{:02} {:02}:{:02} UTC",
            generated.year(),
            u8::from(generated.month()),
            generated.day(),
            generated.hour(),
            generated.minute()
        );
        let size = m.small;
        let font = text::FontId::Regular;
        let half = m.text_width() / 2.0 - size;
        let lh = m.line_height(font, size);
        let header_y = m.margin + m.ascent(font, size);
        let footer_y = m.height - m.margin - m.line_height(font, size) + m.ascent(font, size);
        let gray = 0.35;
        let one_line = |shaper: &mut text::Shaper, t: &str| {
            shaper.lines(font, t, size, half).into_iter().next()
        };
        for (i, page) in pages.iter_mut().enumerate() {
            let mut put = |line: Option<text::Line>, right: bool, y: f32| {
                if let Some(line) = line {
                    let x = if right {
                        m.width - m.margin - line.width
                    } else {
                        m.margin
                    };
                    for run in line.runs.iter().scan(x, |pen, run| {
                        let at = *pen;
                        *pen += run.width;
                        Some((at, run.clone()))
                    }) {
                        page.push(layout::Op::Text {
                            x: run.0,
                            y,
                            run: run.1,
                            gray,
                        });
                    }
                }
            };
            let title = shaper
                .lines(font, &self.title, size, m.text_width())
                .into_iter()
                .next();
            put(title, false, header_y);
            for (k, line) in note.iter().enumerate() {
                let y = footer_y - (note.len() - k) as f32 * lh;
                put(Some(line.clone()), line.rtl, y);
            }
            put(one_line(shaper, &generated), false, footer_y);
            put(
                one_line(shaper, &format!("Page {} of {total}", i + 1)),
                true,
                footer_y,
            );
            page.push(layout::Op::Rule {
                x1: m.margin,
                x2: m.width - m.margin,
                y: m.margin + m.line_height(font, size) + 1.0,
                width: 0.4,
                gray: 0.6,
            });
        }
    }
}

/// Text as it may come from imported lists: Windows line ends, tabs and other control characters
/// would print as boxes.
fn clean(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter_map(|c| match c {
            '\n' => Some('\n'),
            '\t' | '\r' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// SHA-256 of a finished document, lower-case hex: what a certificate of destruction records in
/// the audit log.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[cfg(test)]
mod tests;

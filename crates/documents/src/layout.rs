//! Layout: blocks flow down the page and onto new pages; tables repeat their header on each page.
//! Everything here is in points (1/72 inch), measured from the top-left of the page.

use std::sync::Arc;

use crate::qr::{QUIET_ZONE, QrMatrix};
use crate::text::{FontId, Line, Shaper, units_to_pt};
use crate::{Block, PageSize};

/// Sizes for one page format: an A6 pass is not a shrunken A4 page, its text stays readable.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Metrics {
    pub width: f32,
    pub height: f32,
    pub margin: f32,
    pub body: f32,
    pub h1: f32,
    pub h2: f32,
    pub table: f32,
    pub small: f32,
    pub pad: f32,
    /// Room the footer note takes above the footer line.
    pub footer_extra: f32,
}

impl Metrics {
    pub fn of(size: PageSize) -> Self {
        match size {
            PageSize::A4Landscape => Self {
                width: mm(297.0),
                height: mm(210.0),
                ..Self::of(PageSize::A4)
            },
            PageSize::A4 => Self {
                width: mm(210.0),
                height: mm(297.0),
                margin: mm(15.0),
                body: 10.0,
                h1: 17.0,
                h2: 12.5,
                table: 8.5,
                small: 7.5,
                pad: 3.0,
                footer_extra: 0.0,
            },
            PageSize::A6 => Self {
                width: mm(105.0),
                height: mm(148.0),
                margin: mm(6.0),
                body: 8.0,
                h1: 12.0,
                h2: 9.5,
                table: 7.0,
                small: 5.5,
                pad: 2.0,
                footer_extra: 0.0,
            },
        }
    }

    pub fn line_height(&self, font: FontId, size: f32) -> f32 {
        let f = font.data();
        units_to_pt(font, f.ascender - f.descender, size) * 0.9
    }

    pub fn ascent(&self, font: FontId, size: f32) -> f32 {
        let f = font.data();
        // Baseline placed so the line's ink sits centred in the reduced line height.
        let full = units_to_pt(font, f.ascender - f.descender, size);
        units_to_pt(font, f.ascender, size) - (full - self.line_height(font, size)) / 2.0
    }

    /// Top of the text area (below the running header).
    pub fn top(&self) -> f32 {
        self.margin + self.small * 2.2
    }

    /// Bottom of the text area (above the running footer).
    pub fn bottom(&self) -> f32 {
        self.height - self.margin - self.small * 2.2 - self.footer_extra
    }

    pub fn text_width(&self) -> f32 {
        self.width - 2.0 * self.margin
    }
}

/// A count, amount, percentage or quantity with unit-free digits (Latin or Eastern Arabic-Indic).
fn is_number(text: &str) -> bool {
    let t = text.trim();
    t.chars().any(|c| c.is_ascii_digit() || ('۰'..='۹').contains(&c) || ('٠'..='٩').contains(&c))
        && t.chars().all(|c| {
            c.is_ascii_digit()
                || ('۰'..='۹').contains(&c)
                || ('٠'..='٩').contains(&c)
                || matches!(c, '.' | ',' | '-' | '+' | '%' | ' ' | '\u{66B}' | '\u{66C}' | '\u{2212}')
        })
        // Dates and document numbers are not amounts.
        && !(t.len() == 10 && t.as_bytes().get(4) == Some(&b'-'))
}

pub(crate) fn mm(v: f32) -> f32 {
    v * 72.0 / 25.4
}

/// Something drawn on a page, in points from the page's top-left corner.
#[derive(Clone, Debug)]
pub(crate) enum Op {
    /// A run of glyphs whose baseline starts at (x, y).
    Text {
        x: f32,
        y: f32,
        run: crate::text::Run,
        gray: f32,
    },
    /// Filled rectangles (x, y of the top-left corner, width, height).
    Fill { rects: Vec<[f32; 4]>, gray: f32 },
    /// A horizontal rule.
    Rule {
        x1: f32,
        x2: f32,
        y: f32,
        width: f32,
        gray: f32,
    },
}

pub(crate) type Page = Vec<Op>;

pub(crate) struct Layout<'a> {
    pub m: Metrics,
    pub shaper: &'a mut Shaper,
    pub pages: Vec<Page>,
    y: f32,
}

const KEY_GRAY: f32 = 0.25;
const RULE_GRAY: f32 = 0.6;
const HEADER_FILL: f32 = 0.86;
const STRIPE_FILL: f32 = 0.955;

impl<'a> Layout<'a> {
    pub fn new(m: Metrics, shaper: &'a mut Shaper) -> Self {
        Self {
            m,
            shaper,
            pages: vec![Vec::new()],
            y: m.top(),
        }
    }

    fn page(&mut self) -> &mut Page {
        // `pages` always holds at least one page.
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = self.m.top();
    }

    fn at_top(&self) -> bool {
        self.y <= self.m.top() + 0.01
    }

    fn room(&self) -> f32 {
        self.m.bottom() - self.y
    }

    /// Starts a new page unless `height` still fits (or the page is empty anyway).
    fn ensure(&mut self, height: f32) {
        if height > self.room() && !self.at_top() {
            self.new_page();
        }
    }

    pub fn block(&mut self, block: &Block) {
        let m = self.m;
        match block {
            Block::Heading { text, level } => {
                let size = if *level <= 1 { m.h1 } else { m.h2 };
                let lines = self.shaper.lines(FontId::Bold, text, size, m.text_width());
                let lh = m.line_height(FontId::Bold, size);
                let before = if self.at_top() { 0.0 } else { size * 0.5 };
                // Keep a heading with at least one line of what follows.
                self.ensure(
                    before + lh * lines.len() as f32 + m.line_height(FontId::Regular, m.body),
                );
                if !self.at_top() {
                    self.y += before;
                }
                self.lines(lines, FontId::Bold, size, m.margin, m.text_width(), 0.0);
                self.y += size * 0.25;
            }
            Block::Paragraph { text, bold } => {
                let font = if *bold { FontId::Bold } else { FontId::Regular };
                let lines = self.shaper.lines(font, text, m.body, m.text_width());
                self.lines(lines, font, m.body, m.margin, m.text_width(), 0.0);
                self.y += m.body * 0.45;
            }
            Block::KeyValues(pairs) => self.key_values(pairs),
            Block::Bullets(items) => self.bullets(items),
            Block::Table { headers, rows } => self.table(headers, rows),
            Block::Qr { matrix, size_mm } => self.qr(matrix, *size_mm),
            Block::Spacer => {
                let h = m.line_height(FontId::Regular, m.body) * 0.75;
                if !self.at_top() {
                    self.y = (self.y + h).min(m.bottom());
                }
            }
            Block::Rule => {
                self.ensure(m.body);
                let y = self.y + m.body * 0.4;
                self.page().push(Op::Rule {
                    x1: m.margin,
                    x2: m.width - m.margin,
                    y,
                    width: 0.6,
                    gray: RULE_GRAY,
                });
                self.y += m.body * 0.8;
            }
            Block::PageBreak => self.new_page(),
        }
    }

    /// Places lines one under the other inside [x, x + width], breaking pages between lines.
    fn lines(&mut self, lines: Vec<Line>, font: FontId, size: f32, x: f32, width: f32, gray: f32) {
        let lh = self.m.line_height(font, size);
        let ascent = self.m.ascent(font, size);
        for line in lines {
            self.ensure(lh);
            let y = self.y + ascent;
            self.place(&line, x, width, y, gray);
            self.y += lh;
        }
    }

    /// Puts one line's runs on the page, aligned by its direction.
    fn place(&mut self, line: &Line, x: f32, width: f32, baseline: f32, gray: f32) {
        self.place_aligned(line, x, width, baseline, gray, line.rtl);
    }

    fn place_aligned(
        &mut self,
        line: &Line,
        x: f32,
        width: f32,
        baseline: f32,
        gray: f32,
        right: bool,
    ) {
        let mut pen = if right { x + width - line.width } else { x };
        for run in &line.runs {
            let w = run.width;
            self.page().push(Op::Text {
                x: pen,
                y: baseline,
                run: run.clone(),
                gray,
            });
            pen += w;
        }
    }

    /// A list with bullets and a hanging indent; each item reads in its own direction.
    fn bullets(&mut self, items: &[String]) {
        let m = self.m;
        let size = m.body;
        let indent = size * 1.3;
        let bullet = self
            .shaper
            .lines(FontId::Regular, "•", size, m.text_width());
        let lh = m.line_height(FontId::Regular, size);
        let ascent = m.ascent(FontId::Regular, size);
        for item in items {
            let lines = self
                .shaper
                .lines(FontId::Regular, item, size, m.text_width() - indent);
            let rtl = lines.first().is_some_and(|l| l.rtl);
            for (i, line) in lines.iter().enumerate() {
                self.ensure(lh);
                let y = self.y + ascent;
                if i == 0
                    && let Some(b) = bullet.first()
                {
                    let bx = if rtl {
                        m.margin + m.text_width() - indent * 0.7
                    } else {
                        m.margin + indent * 0.2
                    };
                    self.place_aligned(b, bx, indent * 0.5, y, 0.0, false);
                }
                let x = if rtl { m.margin } else { m.margin + indent };
                self.place(line, x, m.text_width() - indent, y, 0.0);
                self.y += lh;
            }
            self.y += size * 0.15;
        }
        self.y += size * 0.3;
    }

    fn key_values(&mut self, pairs: &[(String, String)]) {
        let m = self.m;
        let size = m.body;
        let gap = size;
        let key_width = pairs
            .iter()
            .map(|(k, _)| self.shaper.extent(FontId::Bold, k, size).0)
            .fold(0.0f32, f32::max)
            .min(m.text_width() * 0.4)
            .max(size);
        let value_width = m.text_width() - key_width - gap;
        let lh = m.line_height(FontId::Regular, size);
        let ascent = m.ascent(FontId::Regular, size);
        for (k, v) in pairs {
            let keys = self.shaper.lines(FontId::Bold, k, size, key_width);
            // A right-to-left key puts the key column on the right, values aligned beside it; a
            // value with Dari or Pashto in it then reads right to left even if it starts with a
            // Latin flight number, while a purely Latin value ("F. H.") keeps its own order.
            let rtl = keys.first().is_some_and(|l| l.rtl);
            let value_dir = (rtl && crate::text::has_rtl(v)).then_some(true);
            let values = self
                .shaper
                .lines_in(FontId::Regular, v, size, value_width, value_dir);
            let (key_x, value_x) = if rtl {
                (m.margin + value_width + gap, m.margin)
            } else {
                (m.margin, m.margin + key_width + gap)
            };
            let rows = keys.len().max(values.len()).max(1);
            self.ensure(lh * rows.min(3) as f32);
            for i in 0..rows {
                self.ensure(lh);
                let y = self.y + ascent;
                if let Some(line) = keys.get(i) {
                    self.place(line, key_x, key_width, y, KEY_GRAY);
                }
                if let Some(line) = values.get(i) {
                    self.place_aligned(line, value_x, value_width, y, 0.0, rtl);
                }
                self.y += lh;
            }
            self.y += size * 0.15;
        }
        self.y += size * 0.35;
    }

    fn table(&mut self, headers: &[String], rows: &[Vec<String>]) {
        let m = self.m;
        let size = m.table;
        let pad = m.pad;
        let columns = headers
            .len()
            .max(rows.iter().map(Vec::len).max().unwrap_or(0));
        if columns == 0 {
            return;
        }
        let widths = self.column_widths(headers, rows, columns, size);
        // Columns of numbers line up on the right, as people read amounts and counts.
        let numeric: Vec<bool> = (0..columns)
            .map(|c| {
                let mut cells = rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .filter(|t| !t.trim().is_empty())
                    .peekable();
                cells.peek().is_some() && cells.all(|t| is_number(t))
            })
            .collect();
        let lh = m.line_height(FontId::Regular, size);
        let ascent = m.ascent(FontId::Regular, size);

        let cell_lines = |shaper: &mut Shaper, font: FontId, cells: &[String]| -> Vec<Vec<Line>> {
            (0..columns)
                .map(|c| {
                    let text = cells.get(c).map(String::as_str).unwrap_or("");
                    shaper.lines(font, text, size, (widths[c] - 2.0 * pad).max(1.0))
                })
                .collect()
        };
        let header = cell_lines(self.shaper, FontId::Bold, headers);
        let header_h = if headers.is_empty() {
            0.0
        } else {
            header.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + 2.0 * pad
        };

        let draw_header = |this: &mut Self| {
            if header_h == 0.0 {
                return;
            }
            let top = this.y;
            this.page().push(Op::Fill {
                rects: vec![[m.margin, top, m.text_width(), header_h]],
                gray: HEADER_FILL,
            });
            let mut x = m.margin;
            for (c, lines) in header.iter().enumerate() {
                for (i, line) in lines.iter().enumerate() {
                    let y = top + pad + i as f32 * lh + ascent;
                    this.place_aligned(
                        line,
                        x + pad,
                        widths[c] - 2.0 * pad,
                        y,
                        0.0,
                        line.rtl || numeric[c],
                    );
                }
                x += widths[c];
            }
            this.y += header_h;
        };

        // The header never sits alone at the bottom of a page.
        let first_row_h = rows
            .first()
            .map(|r| {
                let lines = cell_lines(self.shaper, FontId::Regular, r);
                lines.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + 2.0 * pad
            })
            .unwrap_or(0.0);
        self.ensure(header_h + first_row_h);
        let mut fresh = self.at_top();
        draw_header(self);
        let page_fit =
            (((m.bottom() - m.top() - header_h - 2.0 * pad) / lh).floor() as usize).max(1);

        for (r, row) in rows.iter().enumerate() {
            let cells = cell_lines(self.shaper, FontId::Regular, row);
            let height = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let mut done = 0;
            while done < height {
                let left = height - done;
                let mut fit = ((self.room() - 2.0 * pad) / lh).floor().max(0.0) as usize;
                // Move the row to a new page when it fits there whole; a row taller than a page
                // is split where the page ends.
                if fit < left && !fresh && (left <= page_fit || fit == 0) {
                    self.new_page();
                    draw_header(self);
                    fit = ((self.room() - 2.0 * pad) / lh).floor().max(0.0) as usize;
                }
                fresh = false;
                let take = fit.min(height - done).max(1);
                let top = self.y;
                let h = take as f32 * lh + 2.0 * pad;
                if r % 2 == 1 {
                    self.page().push(Op::Fill {
                        rects: vec![[m.margin, top, m.text_width(), h]],
                        gray: STRIPE_FILL,
                    });
                }
                let mut x = m.margin;
                for (c, lines) in cells.iter().enumerate() {
                    for (i, line) in lines.iter().enumerate().skip(done).take(take) {
                        let y = top + pad + (i - done) as f32 * lh + ascent;
                        self.place_aligned(
                            line,
                            x + pad,
                            widths[c] - 2.0 * pad,
                            y,
                            0.0,
                            line.rtl || numeric[c],
                        );
                    }
                    x += widths[c];
                }
                self.y += h;
                let y = self.y;
                self.page().push(Op::Rule {
                    x1: m.margin,
                    x2: m.margin + m.text_width(),
                    y,
                    width: 0.3,
                    gray: RULE_GRAY,
                });
                done += take;
            }
        }
        self.y += m.body * 0.6;
    }

    /// Column widths from content: every column gets its longest word, the rest of the line is
    /// shared in proportion to how much more each column would like; narrow tables fill the line.
    fn column_widths(
        &mut self,
        headers: &[String],
        rows: &[Vec<String>],
        columns: usize,
        size: f32,
    ) -> Vec<f32> {
        let avail = self.m.text_width();
        let pad = 2.0 * self.m.pad;
        let mut natural = vec![pad; columns];
        let mut minimum = vec![pad; columns];
        let mut measure = |font: FontId, cells: &[String], shaper: &mut Shaper| {
            for (c, text) in cells.iter().enumerate().take(columns) {
                let (n, w) = shaper.extent(font, text, size);
                natural[c] = natural[c].max(n + pad);
                minimum[c] = minimum[c].max(w + pad);
            }
        };
        measure(FontId::Bold, headers, self.shaper);
        for row in rows {
            measure(FontId::Regular, row, self.shaper);
        }
        // No single word may claim more than half the line; it will be broken instead.
        for w in &mut minimum {
            *w = w.min(avail / 2.0);
        }
        let total_natural: f32 = natural.iter().sum();
        let total_min: f32 = minimum.iter().sum();
        if total_natural <= avail {
            let scale = avail / total_natural;
            natural.iter().map(|w| w * scale).collect()
        } else if total_min <= avail {
            let want: f32 = natural.iter().zip(&minimum).map(|(n, m)| n - m).sum();
            let share = (avail - total_min) / want.max(f32::EPSILON);
            natural
                .iter()
                .zip(&minimum)
                .map(|(n, m)| m + (n - m) * share)
                .collect()
        } else {
            minimum.iter().map(|w| w * avail / total_min).collect()
        }
    }

    fn qr(&mut self, matrix: &Arc<QrMatrix>, size_mm: f32) {
        let m = self.m;
        // Below ~15 mm a phone camera struggles; above the text area it cannot be printed.
        let side = mm(size_mm.max(15.0))
            .min(m.text_width())
            .min(m.bottom() - m.top());
        self.ensure(side);
        let module = side / (matrix.width + 2 * QUIET_ZONE) as f32;
        let left = m.margin + (m.text_width() - side) / 2.0 + module * QUIET_ZONE as f32;
        let top = self.y + module * QUIET_ZONE as f32;
        let rects = matrix
            .runs()
            .into_iter()
            .map(|(row, col, len)| {
                [
                    left + col as f32 * module,
                    top + row as f32 * module,
                    len as f32 * module,
                    module,
                ]
            })
            .collect();
        self.page().push(Op::Fill { rects, gray: 0.0 });
        self.y += side;
    }
}

#[cfg(test)]
mod tests {
    use super::is_number;

    #[test]
    fn numbers_are_told_from_dates_and_codes() {
        for n in ["12", "1,234", "-3.5", "45 %", "۱۲۳", "+7"] {
            assert!(is_number(n), "{n}");
        }
        for t in ["2021-08-20", "P01234567", "KAM-4411", "", "-", "12 kg"] {
            assert!(!is_number(t), "{t}");
        }
    }
}

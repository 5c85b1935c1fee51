//! Charts drawn as inline SVG on the server: no script, no third-party library, readable without colour.
//!
//! Three kinds, each a plain struct in and an HTML fragment out (a `<figure>` holding the `<svg>`
//! and, in a `<details>`, the same numbers as a table for screen readers and for copying):
//!
//! * [`line`]: one or more [`Series`] over a numeric or time x axis, straight or as steps
//!   ("capitals fallen over time", "remaining holdings vs plan", "assessed days to isolation"),
//!   with optional reference lines ([`LineChart::x_marks`] for a deadline, [`LineChart::y_marks`]
//!   for a tripwire threshold);
//! * [`bar`]: one value per category;
//! * [`stacked`]: several [`BarSeries`] stacked per category ("people moved per day by tier").
//!
//! ```
//! use drawdown_web::charts::{self, LineChart, Series, XAxis};
//! let fallen = vec![
//!     (charts::time_x("2021-08-06T00:00:00Z").unwrap(), 1.0),
//!     (charts::time_x("2021-08-13T00:00:00Z").unwrap(), 18.0),
//!     (charts::time_x("2021-08-15T00:00:00Z").unwrap(), 33.0),
//! ];
//! let series = [Series::new("Provincial capitals fallen", fallen)];
//! let html = charts::line(&LineChart {
//!     title: "Capitals fallen",
//!     x_label: "Date (UTC)",
//!     y_label: "Capitals",
//!     series: &series,
//!     x_axis: XAxis::Time,
//!     step: true,
//!     y_marks: &[(17.0, "Tripwire: half of the capitals")],
//!     ..Default::default()
//! });
//! assert!(html.starts_with("<figure"));
//! ```
//!
//! In an askama template, insert the fragment with `{{ chart|safe }}`: every piece of text in it
//! is escaped here. Series colours are the Okabe–Ito palette (distinct under the common colour
//! blindnesses) and each line also has its own dash pattern, so series stay apart in greyscale.
//! Only SVG presentation attributes and classes styled in `app.css` are used (the CSP forbids
//! inline `style`). Empty data draws an empty frame saying so; thousands of points are thinned
//! (keeping each pixel column's first, lowest, highest and last value, so peaks survive), and
//! more than [`MAX_BARS`] categories are merged in runs with their values summed (bars show amounts).
//! Times on a [`XAxis::Time`] axis are seconds since the Unix epoch, shown in UTC.

use std::fmt::Write;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

/// Colours that survive colour blindness (Okabe & Ito), strongest first; yellow last (weak on white).
const PALETTE: [&str; 8] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
];
/// One dash pattern per series, so lines differ without colour too.
const DASHES: [&str; 8] = [
    "", "7 4", "2 3", "10 3 2 3", "4 4", "1 2", "12 4", "6 2 2 2",
];

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 300.0;
const MARGIN_LEFT: f64 = 64.0;
const MARGIN_RIGHT: f64 = 20.0;
const FONT: f64 = 12.0;
/// Points kept per series once thinned (about one pixel column in four, four points each).
const MAX_POINTS: usize = 600;
/// Rows in the data table before it shows every n-th row.
const MAX_TABLE_ROWS: usize = 500;
/// Bars drawn before consecutive categories are merged.
pub const MAX_BARS: usize = 200;

/// How the x axis reads its numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum XAxis {
    /// Plain numbers (days, percentages, counts).
    #[default]
    Number,
    /// Seconds since the Unix epoch (see [`time_x`]), labelled as UTC dates and times.
    Time,
}

/// One line: a label for the legend and its (x, y) points, in any order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

impl Series {
    pub fn new(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            label: label.into(),
            points,
        }
    }
}

/// A line (or step) chart.
#[derive(Clone, Copy, Debug, Default)]
pub struct LineChart<'a> {
    pub title: &'a str,
    /// One or two sentences for screen readers; a summary of the data is written when empty.
    pub desc: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    pub series: &'a [Series],
    pub x_axis: XAxis,
    /// Hold each value until the next point (stocks and counts that change in jumps).
    pub step: bool,
    /// Vertical reference lines: (x, label), e.g. a deadline.
    pub x_marks: &'a [(f64, &'a str)],
    /// Horizontal reference lines: (y, label), e.g. a tripwire threshold.
    pub y_marks: &'a [(f64, &'a str)],
}

/// A bar chart: one value per category, in the order given.
#[derive(Clone, Copy, Debug, Default)]
pub struct BarChart<'a> {
    pub title: &'a str,
    pub desc: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    /// (category, value).
    pub bars: &'a [(String, f64)],
}

/// One layer of a stacked bar chart: `values[i]` belongs to `categories[i]` (missing = 0).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BarSeries {
    pub label: String,
    pub values: Vec<f64>,
}

impl BarSeries {
    pub fn new(label: impl Into<String>, values: Vec<f64>) -> Self {
        BarSeries {
            label: label.into(),
            values,
        }
    }
}

/// A stacked bar chart: the first series sits at the bottom of each bar.
/// Negative values count as zero (a stack shows parts of a whole).
#[derive(Clone, Copy, Debug, Default)]
pub struct StackedBarChart<'a> {
    pub title: &'a str,
    pub desc: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    pub categories: &'a [String],
    pub series: &'a [BarSeries],
}

/// Seconds since the Unix epoch for an RFC 3339 time (the form `drawdown_storage::timestamp` writes).
pub fn time_x(rfc3339: &str) -> Option<f64> {
    OffsetDateTime::parse(rfc3339, &Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp() as f64)
}

/// Escapes text for HTML and SVG (element content and quoted attributes).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML; drop them.
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// Draws a line (or step) chart.
pub fn line(c: &LineChart) -> String {
    let series: Vec<(String, Vec<(f64, f64)>)> = c
        .series
        .iter()
        .map(|s| (s.label.clone(), thin(clean(&s.points))))
        .collect();
    let all = || series.iter().flat_map(|(_, p)| p.iter());
    let id = chart_id(
        c.title,
        &format!("{:?}", c.series.first().map(|s| &s.points)),
    );
    let legend: Vec<&str> = series.iter().map(|(l, _)| l.as_str()).collect();
    let mut f = Frame::new(&id, if legend.len() > 1 { &legend } else { &[] }, 0.0);
    let desc = if c.desc.is_empty() {
        line_summary(&series, c.x_axis)
    } else {
        c.desc.to_string()
    };
    f.open(c.title, &desc);

    if all().next().is_none() {
        f.empty();
    } else {
        // Domains: y always shows zero (honest for amounts); x spans the data.
        let (mut x0, mut x1) = min_max(all().map(|p| p.0).chain(c.x_marks.iter().map(|m| m.0)));
        let (y_lo, y_hi) = min_max(
            all()
                .map(|p| p.1)
                .chain(c.y_marks.iter().map(|m| m.0))
                .chain([0.0]),
        );
        if x0 == x1 {
            let pad = if c.x_axis == XAxis::Time {
                43_200.0
            } else {
                1.0
            };
            x0 -= pad;
            x1 += pad;
        }
        let yt = nice_ticks(y_lo, y_hi, 5);
        let (y0, y1) = (yt[0], yt[yt.len() - 1]);
        let xt = match c.x_axis {
            XAxis::Number => nice_ticks(x0, x1, 6),
            XAxis::Time => time_ticks(x0, x1),
        };
        if c.x_axis == XAxis::Number {
            x0 = x0.min(xt[0]);
            x1 = x1.max(xt[xt.len() - 1]);
        }
        let (left, bottom, pw, ph) = (f.left, f.bottom(), f.plot_w(), f.plot_h());
        let sx = |x: f64| left + (x - x0) / (x1 - x0) * pw;
        let sy = |y: f64| bottom - (y - y0) / (y1 - y0) * ph;

        f.y_axis(&yt, sy, c.y_label);
        let step = xt.get(1).map(|b| b - xt[0]).unwrap_or(1.0);
        let labels: Vec<(f64, String)> = xt
            .iter()
            .filter(|&&t| t >= x0 - 1e-9 && t <= x1 + 1e-9)
            .map(|&t| (sx(t), x_text(t, c.x_axis, step)))
            .collect();
        f.x_axis(&labels, c.x_label, false);

        for (i, (label, pts)) in series.iter().enumerate() {
            if pts.is_empty() {
                continue;
            }
            let (colour, dash) = (PALETTE[i % 8], DASHES[i % 8]);
            let mut d = String::new();
            let mut prev_y = 0.0;
            for (k, &(x, y)) in pts.iter().enumerate() {
                let (px, py) = (sx(x), sy(y));
                if k == 0 {
                    let _ = write!(d, "M{px:.1},{py:.1}");
                } else if c.step {
                    let _ = write!(d, "L{px:.1},{prev_y:.1}L{px:.1},{py:.1}");
                } else {
                    let _ = write!(d, "L{px:.1},{py:.1}");
                }
                prev_y = py;
            }
            let _ = write!(
                f.svg,
                r#"<path class="chart-line" d="{d}" fill="none" stroke="{colour}" stroke-width="2""#
            );
            if !dash.is_empty() {
                let _ = write!(f.svg, r#" stroke-dasharray="{dash}""#);
            }
            let _ = write!(f.svg, "><title>{}</title></path>", esc(label));
            if pts.len() <= 40 {
                for &(x, y) in pts {
                    let _ = write!(
                        f.svg,
                        r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"><title>{}: {}, {}</title></circle>"#,
                        sx(x),
                        sy(y),
                        esc(label),
                        esc(&x_full(x, c.x_axis)),
                        esc(&fmt_num(y))
                    );
                }
            }
        }
        for &(x, label) in c.x_marks {
            let px = sx(x);
            let _ = write!(
                f.svg,
                r##"<line class="chart-mark" x1="{px:.1}" y1="{:.1}" x2="{px:.1}" y2="{:.1}" stroke="#5b6775" stroke-dasharray="3 3"/><text class="chart-mark-label" x="{:.1}" y="{:.1}" font-size="{FONT}" text-anchor="end">{}</text>"##,
                f.top,
                f.bottom(),
                px - 4.0,
                f.top + FONT,
                esc(label)
            );
        }
        for &(y, label) in c.y_marks {
            let py = sy(y);
            let _ = write!(
                f.svg,
                r##"<line class="chart-mark" x1="{:.1}" y1="{py:.1}" x2="{:.1}" y2="{py:.1}" stroke="#b3261e" stroke-dasharray="6 3"/><text class="chart-mark-label" x="{:.1}" y="{:.1}" font-size="{FONT}" text-anchor="end">{}</text>"##,
                f.left,
                f.right(),
                f.right() - 2.0,
                py - 4.0,
                esc(label)
            );
        }
    }
    f.legend_line(&legend);
    let table = line_table(c, &series);
    f.finish(&table)
}

/// Draws a bar chart.
pub fn bar(c: &BarChart) -> String {
    let categories: Vec<String> = c.bars.iter().map(|b| b.0.clone()).collect();
    let series = [BarSeries::new(
        if c.y_label.is_empty() {
            "Value"
        } else {
            c.y_label
        },
        c.bars.iter().map(|b| b.1).collect(),
    )];
    bars(
        c.title,
        c.desc,
        c.x_label,
        c.y_label,
        &categories,
        &series,
        false,
    )
}

/// Draws a stacked bar chart.
pub fn stacked(c: &StackedBarChart) -> String {
    bars(
        c.title,
        c.desc,
        c.x_label,
        c.y_label,
        c.categories,
        c.series,
        true,
    )
}

fn bars(
    title: &str,
    desc: &str,
    x_label: &str,
    y_label: &str,
    categories: &[String],
    series: &[BarSeries],
    stacked: bool,
) -> String {
    let value = |s: &BarSeries, i: usize| {
        let v = s.values.get(i).copied().unwrap_or(0.0);
        if !v.is_finite() || (stacked && v < 0.0) {
            0.0
        } else {
            v
        }
    };
    // Merge runs of categories when there are too many to draw one bar each.
    let run = categories.len().div_ceil(MAX_BARS).max(1);
    let cats: Vec<String> = categories
        .chunks(run)
        .map(|ch| match ch {
            [one] => one.clone(),
            [first, .., last] => format!("{first} – {last}"),
            [] => String::new(),
        })
        .collect();
    let vals: Vec<Vec<f64>> = series
        .iter()
        .map(|s| {
            (0..cats.len())
                .map(|b| {
                    (b * run..((b + 1) * run).min(categories.len()))
                        .map(|i| value(s, i))
                        .sum()
                })
                .collect()
        })
        .collect();
    let totals: Vec<f64> = (0..cats.len())
        .map(|b| vals.iter().map(|v| v[b]).sum())
        .collect();

    let id = chart_id(title, &format!("{categories:?}{:?}", series.first()));
    let legend: Vec<&str> = series.iter().map(|s| s.label.as_str()).collect();
    let legend_shown: &[&str] = if stacked { &legend } else { &[] };
    // Long category names are written at a slant, which needs room below the axis.
    let longest = cats.iter().map(|c| text_w(c)).fold(0.0, f64::max);
    let band_guess = (WIDTH - MARGIN_LEFT - MARGIN_RIGHT) / cats.len().max(1) as f64;
    let slant = longest > band_guess.max(40.0) && cats.len() > 1;
    let extra = if slant { longest.min(110.0) * 0.7 } else { 0.0 };
    let mut f = Frame::new(&id, legend_shown, extra);
    let desc = if desc.is_empty() {
        bar_summary(&cats, &totals, series.len(), stacked)
    } else {
        desc.to_string()
    };
    f.open(title, &desc);

    if cats.is_empty() {
        f.empty();
    } else {
        let lo = if stacked {
            0.0
        } else {
            vals.iter().flatten().copied().fold(0.0, f64::min)
        };
        let hi = if stacked {
            totals.iter().copied().fold(0.0, f64::max)
        } else {
            vals.iter().flatten().copied().fold(0.0, f64::max)
        };
        let yt = nice_ticks(lo, hi, 5);
        let (y0, y1) = (yt[0], yt[yt.len() - 1]);
        let (bottom, ph) = (f.bottom(), f.plot_h());
        let sy = |y: f64| bottom - (y - y0) / (y1 - y0) * ph;
        f.y_axis(&yt, sy, y_label);

        let band = f.plot_w() / cats.len() as f64;
        let width = (band * 0.8).max(0.5);
        let per_label = if slant { FONT * 1.4 } else { longest + 8.0 };
        let every = ((per_label / band).ceil() as usize).max(1);
        let labels: Vec<(f64, String)> = cats
            .iter()
            .enumerate()
            .filter(|(i, _)| i % every == 0)
            .map(|(i, c)| (f.left + band * (i as f64 + 0.5), c.clone()))
            .collect();

        for (b, cat) in cats.iter().enumerate() {
            let x = f.left + band * b as f64 + (band - width) / 2.0;
            let mut base = 0.0_f64;
            for (k, s) in series.iter().enumerate() {
                let v = vals[k][b];
                let (from, to) = if stacked {
                    let from = base;
                    base += v;
                    (from, base)
                } else {
                    (0.0_f64.min(v), 0.0_f64.max(v))
                };
                if to <= from {
                    continue;
                }
                let (top, bottom) = (sy(to), sy(from));
                let colour = if stacked { PALETTE[k % 8] } else { PALETTE[0] };
                let _ = write!(
                    f.svg,
                    r##"<rect class="chart-bar" x="{x:.2}" y="{top:.2}" width="{width:.2}" height="{:.2}" fill="{colour}" stroke="#ffffff" stroke-width="{}"><title>{}{}: {}</title></rect>"##,
                    (bottom - top).max(0.5),
                    if width > 3.0 { "0.5" } else { "0" },
                    esc(cat),
                    if stacked {
                        format!(", {}", esc(&s.label))
                    } else {
                        String::new()
                    },
                    esc(&fmt_num(v))
                );
            }
        }
        f.x_axis(&labels, x_label, slant);
    }
    f.legend_boxes(legend_shown);
    let table = bar_table(x_label, &cats, series, &vals, &totals, stacked);
    f.finish(&table)
}

/// The SVG being written, with the plot area's geometry.
struct Frame {
    id: String,
    svg: String,
    left: f64,
    top: f64,
    height: f64,
    bottom_margin: f64,
    legend_rows: Vec<Vec<(f64, usize)>>,
}

impl Frame {
    fn new(id: &str, legend: &[&str], extra_bottom: f64) -> Frame {
        // Lay the legend out in rows above the plot.
        let mut rows: Vec<Vec<(f64, usize)>> = Vec::new();
        let mut x = MARGIN_LEFT;
        for (i, l) in legend.iter().enumerate() {
            let w = 30.0 + text_w(l) + 16.0;
            if rows.is_empty() || (x + w > WIDTH - MARGIN_RIGHT && x > MARGIN_LEFT) {
                rows.push(Vec::new());
                x = MARGIN_LEFT;
            }
            if let Some(r) = rows.last_mut() {
                r.push((x, i));
            }
            x += w;
        }
        let top = 14.0 + rows.len() as f64 * 18.0;
        let bottom_margin = 44.0 + extra_bottom;
        Frame {
            id: id.to_string(),
            svg: String::with_capacity(8192),
            left: MARGIN_LEFT,
            top,
            height: HEIGHT + rows.len() as f64 * 18.0 + extra_bottom,
            bottom_margin,
            legend_rows: rows,
        }
    }
    fn right(&self) -> f64 {
        WIDTH - MARGIN_RIGHT
    }
    fn bottom(&self) -> f64 {
        self.height - self.bottom_margin
    }
    fn plot_w(&self) -> f64 {
        self.right() - self.left
    }
    fn plot_h(&self) -> f64 {
        self.bottom() - self.top
    }

    fn open(&mut self, title: &str, desc: &str) {
        let id = &self.id;
        let _ = write!(
            self.svg,
            r#"<figure class="chart" id="{id}"><svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" role="img" viewBox="0 0 {WIDTH} {h}" width="{WIDTH}" height="{h}" aria-labelledby="{id}-t {id}-d" font-family="system-ui, sans-serif" font-size="{FONT}"><title id="{id}-t">{t}</title><desc id="{id}-d">{d}</desc>"#,
            h = self.height,
            t = esc(title),
            d = esc(desc),
        );
    }

    fn empty(&mut self) {
        let (cx, cy) = (
            self.left + self.plot_w() / 2.0,
            self.top + self.plot_h() / 2.0,
        );
        let _ = write!(
            self.svg,
            r##"<rect class="chart-frame" x="{}" y="{}" width="{:.1}" height="{:.1}" fill="none" stroke="#d5dbe2"/><text class="chart-empty" x="{cx:.1}" y="{cy:.1}" text-anchor="middle">No data yet</text>"##,
            self.left,
            self.top,
            self.plot_w(),
            self.plot_h()
        );
    }

    fn y_axis(&mut self, ticks: &[f64], sy: impl Fn(f64) -> f64, label: &str) {
        let step = ticks.get(1).map(|b| b - ticks[0]).unwrap_or(1.0);
        for &t in ticks {
            let y = sy(t);
            let _ = write!(
                self.svg,
                r##"<line class="chart-grid" x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#e3e7ec"/><text class="chart-tick" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
                self.left,
                self.right(),
                self.left - 6.0,
                y + FONT / 3.0,
                esc(&fmt_tick(t, step))
            );
        }
        let _ = write!(
            self.svg,
            r##"<line class="chart-axis" x1="{l:.1}" y1="{:.1}" x2="{l:.1}" y2="{:.1}" stroke="#5b6775"/>"##,
            self.top,
            self.bottom(),
            l = self.left
        );
        if !label.is_empty() {
            let (x, y) = (14.0, self.top + self.plot_h() / 2.0);
            let _ = write!(
                self.svg,
                r#"<text class="chart-label" x="{x}" y="{y:.1}" text-anchor="middle" transform="rotate(-90 {x} {y:.1})">{}</text>"#,
                esc(label)
            );
        }
    }

    fn x_axis(&mut self, ticks: &[(f64, String)], label: &str, slant: bool) {
        let b = self.bottom();
        let _ = write!(
            self.svg,
            r##"<line class="chart-axis" x1="{:.1}" y1="{b:.1}" x2="{:.1}" y2="{b:.1}" stroke="#5b6775"/>"##,
            self.left,
            self.right()
        );
        for (x, text) in ticks {
            let y = b + FONT + 4.0;
            if slant {
                let _ = write!(
                    self.svg,
                    r#"<text class="chart-tick" x="{x:.1}" y="{y:.1}" text-anchor="end" transform="rotate(-40 {x:.1} {y:.1})">{}</text>"#,
                    esc(&clip(text, 18))
                );
            } else {
                let _ = write!(
                    self.svg,
                    r##"<line class="chart-axis" x1="{x:.1}" y1="{b:.1}" x2="{x:.1}" y2="{:.1}" stroke="#5b6775"/><text class="chart-tick" x="{x:.1}" y="{y:.1}" text-anchor="middle">{}</text>"##,
                    b + 4.0,
                    esc(text)
                );
            }
        }
        if !label.is_empty() {
            let _ = write!(
                self.svg,
                r#"<text class="chart-label" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                self.left + self.plot_w() / 2.0,
                self.height - 8.0,
                esc(label)
            );
        }
    }

    fn legend_line(&mut self, labels: &[&str]) {
        self.legend(labels, true);
    }
    fn legend_boxes(&mut self, labels: &[&str]) {
        self.legend(labels, false);
    }
    fn legend(&mut self, labels: &[&str], lines: bool) {
        let rows = std::mem::take(&mut self.legend_rows);
        for (r, row) in rows.iter().enumerate() {
            let y = 12.0 + r as f64 * 18.0;
            for &(x, i) in row {
                let colour = PALETTE[i % 8];
                if lines {
                    let dash = DASHES[i % 8];
                    let _ = write!(
                        self.svg,
                        r#"<line x1="{x:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{colour}" stroke-width="2""#,
                        y - 4.0,
                        x + 24.0,
                        y - 4.0
                    );
                    if !dash.is_empty() {
                        let _ = write!(self.svg, r#" stroke-dasharray="{dash}""#);
                    }
                    self.svg.push_str("/>");
                } else {
                    let _ = write!(
                        self.svg,
                        r#"<rect x="{:.1}" y="{:.1}" width="12" height="12" fill="{colour}"/>"#,
                        x + 6.0,
                        y - 10.0
                    );
                }
                let _ = write!(
                    self.svg,
                    r#"<text class="chart-legend" x="{:.1}" y="{y:.1}">{}</text>"#,
                    x + 30.0,
                    esc(labels.get(i).copied().unwrap_or(""))
                );
            }
        }
    }

    fn finish(mut self, table: &str) -> String {
        self.svg.push_str("</svg>");
        self.svg.push_str(table);
        self.svg.push_str("</figure>");
        self.svg
    }
}

/// Finite points only, sorted by x.
fn clean(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut p: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    p.sort_by(|a, b| a.0.total_cmp(&b.0));
    p
}

/// Keeps at most about [`MAX_POINTS`] points: per column of x, the first, lowest, highest and last.
fn thin(points: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    if points.len() <= MAX_POINTS {
        return points;
    }
    let columns = MAX_POINTS / 4;
    let (x0, x1) = (points[0].0, points[points.len() - 1].0);
    let span = (x1 - x0).max(f64::MIN_POSITIVE);
    let mut out = Vec::with_capacity(MAX_POINTS);
    let mut start = 0;
    while start < points.len() {
        let col = (((points[start].0 - x0) / span * columns as f64) as usize).min(columns - 1);
        let mut end = start;
        while end < points.len()
            && (((points[end].0 - x0) / span * columns as f64) as usize).min(columns - 1) == col
        {
            end += 1;
        }
        let run = &points[start..end];
        let lowest = run
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.1.total_cmp(&b.1.1));
        let highest = run
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.1.total_cmp(&b.1.1));
        let mut keep = vec![0, run.len() - 1];
        keep.extend(lowest.map(|l| l.0));
        keep.extend(highest.map(|h| h.0));
        keep.sort_unstable();
        keep.dedup();
        out.extend(keep.into_iter().map(|i| run[i]));
        start = end;
    }
    out
}

fn min_max(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        })
}

/// Round ticks (1, 2 or 5 × 10ⁿ apart) covering `lo..=hi`; at least two.
fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    let (lo, hi) = if lo.is_finite() && hi.is_finite() {
        (lo, hi)
    } else {
        (0.0, 1.0)
    };
    let (lo, hi) = if hi - lo < 1e-12 {
        if lo == 0.0 {
            (0.0, 1.0)
        } else {
            (lo.min(0.0), hi.max(0.0) + hi.abs().max(1.0) * 0.1)
        }
    } else {
        (lo, hi)
    };
    let raw = (hi - lo) / target as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).floor() * step;
    let last = (hi / step).ceil() * step;
    let n = ((last - first) / step).round() as usize;
    // Round away binary noise (0.6000000000000001) at one digit finer than the step.
    let scale = 10f64.powi((1 - step.log10().floor() as i32).max(0));
    (0..=n.max(1))
        .map(|i| {
            let v = ((first + i as f64 * step) * scale).round() / scale;
            if v.abs() < step * 1e-9 { 0.0 } else { v }
        })
        .collect()
}

/// Ticks at round times (minutes, hours, days, weeks) inside `lo..=hi` (seconds, UTC).
fn time_ticks(lo: f64, hi: f64) -> Vec<f64> {
    const STEPS: [f64; 16] = [
        60.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 10800.0, 21600.0, 43200.0, 86400.0,
        172800.0, 604800.0, 1209600.0, 2592000.0, 7776000.0,
    ];
    let span = hi - lo;
    let step = STEPS
        .iter()
        .copied()
        .find(|s| span / s <= 7.0)
        .unwrap_or_else(|| (span / 7.0 / 31_536_000.0).ceil() * 31_536_000.0);
    // Days and longer count from the first midnight in range, not from the epoch's Thursday.
    let unit = if step >= 86400.0 { 86400.0 } else { step };
    let mut t = (lo / unit).ceil() * unit;
    let mut out = Vec::new();
    while t <= hi && out.len() < 20 {
        out.push(t);
        t += step;
    }
    if out.is_empty() {
        out.push(lo);
    }
    if out.len() == 1 {
        out.push(out[0] + step);
    }
    out
}

fn when(x: f64) -> Option<OffsetDateTime> {
    if !x.is_finite() {
        return None;
    }
    OffsetDateTime::from_unix_timestamp(x.round() as i64).ok()
}

/// A tick label on the x axis.
fn x_text(x: f64, axis: XAxis, step: f64) -> String {
    match axis {
        XAxis::Number => fmt_tick(x, step),
        XAxis::Time => {
            let Some(t) = when(x) else {
                return String::new();
            };
            let midnight = t.hour() == 0 && t.minute() == 0;
            let fmt = if step >= 86400.0 || midnight {
                t.format(format_description!("[day padding:none] [month repr:short]"))
            } else {
                t.format(format_description!("[hour]:[minute]"))
            };
            fmt.unwrap_or_default()
        }
    }
}

/// An x value in full, for tooltips and the data table.
fn x_full(x: f64, axis: XAxis) -> String {
    match axis {
        XAxis::Number => fmt_num(x),
        XAxis::Time => when(x)
            .and_then(|t| {
                t.format(format_description!(
                    "[year]-[month]-[day] [hour]:[minute] UTC"
                ))
                .ok()
            })
            .unwrap_or_default(),
    }
}

/// A number as people read it: thousands grouped, at most two decimals.
pub fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let neg = v < 0.0;
    let rounded = (v.abs() * 100.0).round() / 100.0;
    let whole = rounded.trunc();
    let frac = ((rounded - whole) * 100.0).round() as u64;
    let digits = format!("{whole:.0}");
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let mut out = String::new();
    if neg && (whole > 0.0 || frac > 0) {
        out.push('-');
    }
    out.push_str(&grouped);
    if frac > 0 {
        let f = format!("{frac:02}");
        out.push('.');
        out.push_str(f.trim_end_matches('0'));
    }
    out
}

/// A tick label: compact for large numbers (12k, 1.5M), as many decimals as the step needs.
fn fmt_tick(v: f64, step: f64) -> String {
    let a = v.abs();
    let compact = |div: f64, unit: &str| {
        let decimals = if step / div >= 1.0 { 0 } else { 1 };
        format!("{:.*}{unit}", decimals, v / div)
    };
    if a >= 1e6 {
        compact(1e6, "M")
    } else if a >= 1e4 {
        compact(1e3, "k")
    } else if step >= 1.0 || v == 0.0 {
        fmt_num(v)
    } else {
        let decimals = (-step.log10().floor()) as usize;
        format!("{:.*}", decimals.min(6), v)
    }
}

/// Rough width of a text at the chart's font size (SVG cannot measure on the server).
fn text_w(s: &str) -> f64 {
    s.chars().count() as f64 * FONT * 0.58
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(n - 1).collect();
        out.push('…');
        out
    }
}

/// A stable id for the figure (titles and ids of `<title>`/`<desc>` must be unique on the page).
fn chart_id(title: &str, data: &str) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in title.bytes().chain(data.bytes()) {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("chart-{:012x}", h & 0xffff_ffff_ffff)
}

fn line_summary(series: &[(String, Vec<(f64, f64)>)], axis: XAxis) -> String {
    let parts: Vec<String> = series
        .iter()
        .filter_map(|(label, pts)| {
            let (first, last) = (pts.first()?, pts.last()?);
            Some(format!(
                "{label}: {} at {}, {} at {}",
                fmt_num(first.1),
                x_full(first.0, axis),
                fmt_num(last.1),
                x_full(last.0, axis)
            ))
        })
        .collect();
    if parts.is_empty() {
        "No data yet.".to_string()
    } else {
        format!("{}.", parts.join("; "))
    }
}

fn bar_summary(cats: &[String], totals: &[f64], series: usize, stacked: bool) -> String {
    let Some((i, top)) = totals.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)) else {
        return "No data yet.".to_string();
    };
    format!(
        "{} bars{}; total {}; highest: {} ({}).",
        cats.len(),
        if stacked {
            format!(" of {series} parts each")
        } else {
            String::new()
        },
        fmt_num(totals.iter().sum()),
        cats[i],
        fmt_num(*top)
    )
}

fn table_open(out: &mut String, rows: usize, shown: usize) {
    out.push_str(r#"<details class="chart-data"><summary>The numbers</summary>"#);
    if shown < rows {
        let _ = write!(
            out,
            r#"<p class="muted">{} rows; every {}th shown.</p>"#,
            fmt_num(rows as f64),
            rows.div_ceil(shown)
        );
    }
    out.push_str("<table><thead><tr>");
}

fn line_table(c: &LineChart, series: &[(String, Vec<(f64, f64)>)]) -> String {
    // One row per x value across all series (they usually share their x values).
    let mut xs: Vec<f64> = series
        .iter()
        .flat_map(|(_, p)| p.iter().map(|q| q.0))
        .collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    let every = xs.len().div_ceil(MAX_TABLE_ROWS).max(1);
    let shown: Vec<f64> = xs.iter().copied().step_by(every).collect();
    let mut out = String::new();
    table_open(&mut out, xs.len(), shown.len());
    let x_head = if c.x_label.is_empty() { "x" } else { c.x_label };
    let _ = write!(out, r#"<th scope="col">{}</th>"#, esc(x_head));
    for (label, _) in series {
        let _ = write!(out, r#"<th scope="col" class="num">{}</th>"#, esc(label));
    }
    out.push_str("</tr></thead><tbody>");
    if shown.is_empty() {
        let _ = write!(
            out,
            r#"<tr><td colspan="{}">No data yet</td></tr>"#,
            series.len() + 1
        );
    }
    for x in shown {
        let _ = write!(
            out,
            r#"<tr><th scope="row">{}</th>"#,
            esc(&x_full(x, c.x_axis))
        );
        for (_, pts) in series {
            let v = pts
                .binary_search_by(|p| p.0.total_cmp(&x))
                .ok()
                .map(|i| fmt_num(pts[i].1))
                .unwrap_or_default();
            let _ = write!(out, r#"<td class="num">{v}</td>"#);
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></details>");
    out
}

fn bar_table(
    x_label: &str,
    cats: &[String],
    series: &[BarSeries],
    vals: &[Vec<f64>],
    totals: &[f64],
    stacked: bool,
) -> String {
    let every = cats.len().div_ceil(MAX_TABLE_ROWS).max(1);
    let mut out = String::new();
    table_open(&mut out, cats.len(), cats.len().div_ceil(every));
    let head = if x_label.is_empty() {
        "Category"
    } else {
        x_label
    };
    let _ = write!(out, r#"<th scope="col">{}</th>"#, esc(head));
    for s in series {
        let _ = write!(out, r#"<th scope="col" class="num">{}</th>"#, esc(&s.label));
    }
    if stacked {
        out.push_str(r#"<th scope="col" class="num">Total</th>"#);
    }
    out.push_str("</tr></thead><tbody>");
    if cats.is_empty() {
        let _ = write!(
            out,
            r#"<tr><td colspan="{}">No data yet</td></tr>"#,
            series.len() + 1 + usize::from(stacked)
        );
    }
    for (b, cat) in cats.iter().enumerate().step_by(every) {
        let _ = write!(out, r#"<tr><th scope="row">{}</th>"#, esc(cat));
        for v in vals {
            let _ = write!(out, r#"<td class="num">{}</td>"#, fmt_num(v[b]));
        }
        if stacked {
            let _ = write!(out, r#"<td class="num">{}</td>"#, fmt_num(totals[b]));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></details>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use quick_xml::Reader;
    use quick_xml::events::Event;

    /// Parses the fragment as XML, checking every element is closed in order; returns element names.
    fn well_formed(s: &str) -> Vec<String> {
        let mut r = Reader::from_str(s);
        let mut stack: Vec<String> = Vec::new();
        let mut names = Vec::new();
        loop {
            match r
                .read_event()
                .unwrap_or_else(|e| panic!("not XML: {e}\n{s}"))
            {
                Event::Start(e) => {
                    let n = e.name().into_inner().to_string();
                    names.push(n.clone());
                    stack.push(n);
                }
                Event::Empty(e) => names.push(e.name().into_inner().to_string()),
                Event::End(e) => {
                    let n = e.name().into_inner().to_string();
                    assert_eq!(
                        stack.pop().as_deref(),
                        Some(n.as_str()),
                        "mismatched </{n}>"
                    );
                }
                Event::Eof => break,
                _ => {}
            }
        }
        assert!(stack.is_empty(), "unclosed: {stack:?}");
        names
    }

    fn day(d: u32) -> f64 {
        time_x(&format!("2021-08-{d:02}T00:00:00Z")).unwrap()
    }

    #[test]
    fn line_chart_is_accessible_xml_with_legend_and_table() {
        let series = [
            Series::new("Plan", vec![(day(10), 100.0), (day(20), 0.0)]),
            Series::new(
                "Remaining",
                vec![(day(10), 100.0), (day(12), 80.0), (day(14), 75.0)],
            ),
        ];
        let html = line(&LineChart {
            title: "Holdings",
            x_label: "Date",
            y_label: "Items",
            series: &series,
            x_axis: XAxis::Time,
            x_marks: &[(day(31), "Deadline")],
            ..Default::default()
        });
        let names = well_formed(&html);
        assert!(html.contains(r#"role="img""#));
        assert!(html.contains("<title id="));
        assert!(html.contains("<desc id="));
        assert_eq!(names.iter().filter(|n| *n == "path").count(), 2);
        assert!(html.contains(">Plan</text>") && html.contains(">Remaining</text>"));
        assert!(
            html.contains("stroke-dasharray=\"7 4\""),
            "second series dashed"
        );
        assert!(html.contains("Deadline"));
        // The numbers, as a table: one row per distinct date.
        assert_eq!(html.matches(r#"<th scope="row">"#).count(), 4);
        assert!(html.contains("2021-08-12 00:00 UTC"));
        assert!(
            html.contains(">10 Aug<") && html.contains(">17 Aug<"),
            "date ticks"
        );
        assert!(!html.contains("style="), "no inline style (CSP)");
    }

    #[test]
    fn text_is_escaped_everywhere() {
        let evil = r#"<script>alert("x")</script> & 'q'"#;
        let series = [Series::new(evil, vec![(1.0, 2.0), (2.0, 3.0)])];
        let html = line(&LineChart {
            title: evil,
            desc: evil,
            x_label: evil,
            y_label: evil,
            series: &series,
            y_marks: &[(2.5, evil)],
            ..Default::default()
        });
        well_formed(&html);
        assert!(!html.contains("<script"));
        assert!(
            html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;")
        );
        let bars = [(evil.to_string(), 3.0)];
        let html = bar(&BarChart {
            title: evil,
            bars: &bars,
            ..Default::default()
        });
        well_formed(&html);
        assert!(!html.contains("<script"));
        // Control characters are not XML: dropped.
        assert_eq!(esc("a\u{1}b"), "ab");
    }

    #[test]
    fn empty_data_draws_a_frame_that_says_so() {
        for html in [
            line(&LineChart {
                title: "Nothing",
                ..Default::default()
            }),
            line(&LineChart {
                title: "Nothing",
                series: &[
                    Series::new("a", vec![]),
                    Series::new("b", vec![(f64::NAN, 1.0)]),
                ],
                ..Default::default()
            }),
            bar(&BarChart {
                title: "Nothing",
                ..Default::default()
            }),
            stacked(&StackedBarChart {
                title: "Nothing",
                ..Default::default()
            }),
        ] {
            well_formed(&html);
            assert!(html.contains("No data yet"), "{html}");
            assert!(!html.contains("NaN") && !html.contains("inf"), "{html}");
        }
    }

    #[test]
    fn one_point_is_drawn_with_a_marker() {
        let series = [Series::new("Only", vec![(day(15), 7.0)])];
        for axis in [XAxis::Time, XAxis::Number] {
            let html = line(&LineChart {
                title: "One",
                series: &series,
                x_axis: axis,
                ..Default::default()
            });
            well_formed(&html);
            assert!(html.contains("<circle"));
            assert!(!html.contains("NaN") && !html.contains("inf"));
        }
    }

    #[test]
    fn thousands_of_points_are_thinned_but_keep_their_peaks() {
        let mut pts: Vec<(f64, f64)> = (0..100_000).map(|i| (i as f64, (i % 7) as f64)).collect();
        pts[54_321].1 = 1_000.0;
        let series = [Series::new("Scans", pts)];
        let html = line(&LineChart {
            title: "Many",
            series: &series,
            ..Default::default()
        });
        well_formed(&html);
        assert!(html.len() < 120_000, "{} bytes", html.len());
        let path = html.split(" d=\"").nth(1).unwrap();
        let path = &path[..path.find('"').unwrap()];
        assert!(path.matches('L').count() <= MAX_POINTS);
        assert!(html.contains(">1,000<"), "the peak is still in the table");
        assert!(html.contains("every "), "the table says it is thinned");
    }

    #[test]
    fn step_lines_hold_their_value() {
        let series = [Series::new("Capitals", vec![(0.0, 1.0), (1.0, 5.0)])];
        let html = line(&LineChart {
            title: "Step",
            series: &series,
            step: true,
            ..Default::default()
        });
        let path = html.split(" d=\"").nth(1).unwrap();
        let path = &path[..path.find('"').unwrap()];
        assert_eq!(path.matches('L').count(), 2, "{path}");
    }

    #[test]
    fn stacked_bars_stack_and_total() {
        let days: Vec<String> = ["15 Aug", "16 Aug", "17 Aug"].map(String::from).to_vec();
        let series = [
            BarSeries::new("Priority 1", vec![10.0, 20.0, 30.0]),
            BarSeries::new("Priority 2", vec![5.0, -3.0]),
        ];
        let html = stacked(&StackedBarChart {
            title: "People moved per day",
            x_label: "Day",
            y_label: "People",
            categories: &days,
            series: &series,
            ..Default::default()
        });
        let names = well_formed(&html);
        // 3 + 1 non-empty segments (a negative or missing value is nothing).
        assert_eq!(
            names.iter().filter(|n| *n == "rect").count(),
            4 + 2,
            "segments + legend swatches"
        );
        assert!(html.contains("<td class=\"num\">15</td>"), "total of day 1");
        assert!(html.contains("<td class=\"num\">30</td>"));
        assert!(html.contains(">Priority 2</text>"));
    }

    #[test]
    fn many_bars_are_merged_in_runs() {
        let bars: Vec<(String, f64)> = (0..1000).map(|i| (format!("d{i}"), 1.0)).collect();
        let html = bar(&BarChart {
            title: "Many bars",
            bars: &bars,
            ..Default::default()
        });
        let names = well_formed(&html);
        assert_eq!(names.iter().filter(|n| *n == "rect").count(), MAX_BARS);
        assert!(html.contains("d0 – d4"));
        assert!(html.contains(">5<"), "each merged bar sums its run");
    }

    #[test]
    fn negative_bars_go_below_zero() {
        let bars = vec![("a".to_string(), -5.0), ("b".to_string(), 10.0)];
        let html = bar(&BarChart {
            title: "Change",
            bars: &bars,
            ..Default::default()
        });
        well_formed(&html);
        assert!(html.contains(">-5<") || html.contains(">-4<") || html.contains(">-6<"));
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(fmt_num(1234567.0), "1,234,567");
        assert_eq!(fmt_num(-2.5), "-2.5");
        assert_eq!(fmt_num(0.004), "0");
        assert_eq!(fmt_num(12.345), "12.35");
        assert_eq!(fmt_tick(25_000.0, 5_000.0), "25k");
        assert_eq!(fmt_tick(1_500_000.0, 500_000.0), "1.5M");
        assert_eq!(fmt_tick(0.25, 0.05), "0.25");
        assert_eq!(
            nice_ticks(0.0, 823.0, 5),
            vec![0.0, 200.0, 400.0, 600.0, 800.0, 1000.0]
        );
        assert_eq!(nice_ticks(0.0, 0.0, 5), vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
    }

    #[test]
    fn ids_differ_between_charts() {
        let a = bar(&BarChart {
            title: "A",
            ..Default::default()
        });
        let b = bar(&BarChart {
            title: "B",
            ..Default::default()
        });
        let id = |s: &str| {
            s.split("id=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .to_string()
        };
        assert_ne!(id(&a), id(&b));
    }
}

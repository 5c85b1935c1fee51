//! Text: the embedded font, shaping (rustybuzz), right-to-left reordering (unicode-bidi) and line
//! breaking. Glyphs come out in visual order, so the PDF writer only places them left to right.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::sync::LazyLock;

use rustybuzz::{Direction, Face, UnicodeBuffer};
use unicode_bidi::BidiInfo;

static REGULAR_TTF: &[u8] = include_bytes!("../fonts/Vazirmatn-Regular.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../fonts/Vazirmatn-Bold.ttf");

/// One font file, parsed once per process.
pub(crate) struct FontData {
    pub data: &'static [u8],
    pub face: Face<'static>,
    pub postscript_name: &'static str,
    pub units_per_em: f32,
    pub ascender: f32,
    pub descender: f32,
    pub cap_height: f32,
    pub bbox: [f32; 4],
}

impl FontData {
    fn load(data: &'static [u8], postscript_name: &'static str) -> Self {
        #[allow(clippy::expect_used)] // the font is compiled in; a unit test parses it
        let face = Face::from_slice(data, 0).expect("embedded font parses");
        let bb = face.global_bounding_box();
        Self {
            data,
            postscript_name,
            units_per_em: face.units_per_em() as f32,
            ascender: face.ascender() as f32,
            descender: face.descender() as f32,
            cap_height: face.capital_height().unwrap_or(face.ascender()) as f32,
            bbox: [
                bb.x_min as f32,
                bb.y_min as f32,
                bb.x_max as f32,
                bb.y_max as f32,
            ],
            face,
        }
    }

    /// The advance the font itself gives a glyph (hmtx), in font units.
    pub fn advance(&self, gid: u16) -> f32 {
        self.face
            .glyph_hor_advance(rustybuzz::ttf_parser::GlyphId(gid))
            .unwrap_or(0) as f32
    }
}

static FONTS: LazyLock<[FontData; 2]> = LazyLock::new(|| {
    [
        FontData::load(REGULAR_TTF, "Vazirmatn-Regular"),
        FontData::load(BOLD_TTF, "Vazirmatn-Bold"),
    ]
});

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum FontId {
    Regular = 0,
    Bold = 1,
}

impl FontId {
    pub const ALL: [FontId; 2] = [FontId::Regular, FontId::Bold];

    pub fn data(self) -> &'static FontData {
        &FONTS[self as usize]
    }
}

/// A glyph placed by the shaper, in font units.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Glyph {
    pub gid: u16,
    pub advance: f32,
    pub x_offset: f32,
    pub y_offset: f32,
}

/// A run of glyphs in one font and size, in visual order (left to right).
#[derive(Clone, Debug)]
pub(crate) struct Run {
    pub font: FontId,
    pub size: f32,
    pub glyphs: Rc<[Glyph]>,
    /// Width in points.
    pub width: f32,
}

/// One laid-out line: runs left to right.
#[derive(Clone, Debug, Default)]
pub(crate) struct Line {
    pub runs: Vec<Run>,
    pub width: f32,
    /// The paragraph reads right to left: align it to the right.
    pub rtl: bool,
}

/// Shapes text and remembers, for every glyph used, the text it stands for (the PDF's ToUnicode map,
/// so text can be copied and extracted).
#[derive(Default)]
pub(crate) struct Shaper {
    /// Shaped texts by font and direction (index `font * 2 + rtl`).
    cache: [HashMap<String, Rc<[Glyph]>>; 4],
    pub used: [BTreeMap<u16, String>; 2],
}

impl Shaper {
    /// Shapes `text` as one run in one direction; glyphs come out in visual order.
    pub fn shape(&mut self, font: FontId, text: &str, rtl: bool) -> Rc<[Glyph]> {
        let slot = font as usize * 2 + usize::from(rtl);
        if let Some(hit) = self.cache[slot].get(text) {
            return hit.clone();
        }
        let data = font.data();
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.set_direction(if rtl {
            Direction::RightToLeft
        } else {
            Direction::LeftToRight
        });
        buffer.guess_segment_properties();
        let out = rustybuzz::shape(&data.face, &[], buffer);
        let infos = out.glyph_infos();
        let positions = out.glyph_positions();

        // Cluster starts, in logical order, to find the text each cluster covers.
        let mut starts: Vec<usize> = infos.iter().map(|i| i.cluster as usize).collect();
        starts.sort_unstable();
        starts.dedup();
        let mut claimed = vec![false; starts.len()];
        let used = &mut self.used[font as usize];

        let glyphs: Rc<[Glyph]> = infos
            .iter()
            .zip(positions)
            .map(|(info, pos)| {
                let gid = info.glyph_id as u16;
                let cluster = info.cluster as usize;
                if let Ok(k) = starts.binary_search(&cluster)
                    && !claimed[k]
                {
                    claimed[k] = true;
                    let end = starts.get(k + 1).copied().unwrap_or(text.len());
                    if gid != 0 {
                        used.entry(gid)
                            .or_insert_with(|| text[cluster..end].to_owned());
                    }
                }
                Glyph {
                    gid,
                    advance: pos.x_advance as f32,
                    x_offset: pos.x_offset as f32,
                    y_offset: pos.y_offset as f32,
                }
            })
            .collect();
        self.cache[slot].insert(text.to_owned(), glyphs.clone());
        glyphs
    }

    /// Width of `text` in points at `size`.
    pub fn width(&mut self, font: FontId, text: &str, size: f32) -> f32 {
        let rtl = is_rtl(text);
        let glyphs = self.shape(font, text, rtl);
        units_to_pt(font, glyphs.iter().map(|g| g.advance).sum(), size)
    }

    /// Natural width (longest hard line) and minimum width (longest word) of `text`, in points.
    pub fn extent(&mut self, font: FontId, text: &str, size: f32) -> (f32, f32) {
        let mut natural: f32 = 0.0;
        let mut minimum: f32 = 0.0;
        for line in text.split('\n') {
            natural = natural.max(self.width(font, line, size));
            for word in line.split_whitespace() {
                minimum = minimum.max(self.width(font, word, size));
            }
        }
        (natural, minimum)
    }

    /// Breaks `text` into lines no wider than `max_width` points (a word longer than the line is
    /// broken between letters), each reordered for display.
    pub fn lines(&mut self, font: FontId, text: &str, size: f32, max_width: f32) -> Vec<Line> {
        self.lines_in(font, text, size, max_width, None)
    }

    /// As [`Shaper::lines`], with the paragraph direction given (`Some(true)`: right to left) rather
    /// than taken from the first letter: a value beside a Dari label reads right to left even when it
    /// starts with a Latin flight number.
    pub fn lines_in(
        &mut self,
        font: FontId,
        text: &str,
        size: f32,
        max_width: f32,
        rtl: Option<bool>,
    ) -> Vec<Line> {
        let level = rtl.map(|r| {
            if r {
                unicode_bidi::Level::rtl()
            } else {
                unicode_bidi::Level::ltr()
            }
        });
        let mut out = Vec::new();
        for hard in text.split('\n') {
            let hard = hard.trim_end();
            if hard.is_empty() {
                out.push(Line::default());
                continue;
            }
            let bidi = BidiInfo::new(hard, level);
            for para in &bidi.paragraphs {
                let rtl = para.level.is_rtl();
                for range in self.break_lines(font, hard, para.range.clone(), size, max_width) {
                    let (levels, runs) = bidi.visual_runs(para, range);
                    let mut line = Line {
                        rtl,
                        ..Line::default()
                    };
                    for run in runs {
                        let run_rtl = levels[run.start].is_rtl();
                        let glyphs = self.shape(font, &hard[run], run_rtl);
                        let width = units_to_pt(font, glyphs.iter().map(|g| g.advance).sum(), size);
                        line.width += width;
                        line.runs.push(Run {
                            font,
                            size,
                            glyphs,
                            width,
                        });
                    }
                    out.push(line);
                }
            }
        }
        out
    }

    /// Greedy line breaking at spaces, in logical order. Returns byte ranges without trailing spaces.
    fn break_lines(
        &mut self,
        font: FontId,
        text: &str,
        range: std::ops::Range<usize>,
        size: f32,
        max_width: f32,
    ) -> Vec<std::ops::Range<usize>> {
        let space = self.width(font, " ", size);
        let mut lines = Vec::new();
        let mut start: Option<usize> = None;
        let mut end = range.start;
        let mut width = 0.0;
        for (word_start, word) in words(&text[range.clone()]) {
            let word_start = word_start + range.start;
            let word_width = self.width(font, word, size);
            if start.is_some() && width + space + word_width <= max_width {
                width += space + word_width;
                end = word_start + word.len();
                continue;
            }
            if let Some(s) = start {
                lines.push(s..end);
            }
            if word_width <= max_width {
                start = Some(word_start);
                end = word_start + word.len();
                width = word_width;
            } else {
                // Too long for any line (an id, a link): break between letters.
                let mut piece_start = word_start;
                let mut piece_width = 0.0;
                let mut last = word_start;
                for (i, c) in word.char_indices() {
                    let at = word_start + i;
                    let w = self.width(font, &text[at..at + c.len_utf8()], size);
                    if piece_width + w > max_width && at > piece_start && !is_mark(c) {
                        lines.push(piece_start..at);
                        piece_start = at;
                        piece_width = 0.0;
                    }
                    piece_width += w;
                    last = at + c.len_utf8();
                }
                start = Some(piece_start);
                end = last;
                width = piece_width;
            }
        }
        if let Some(s) = start {
            lines.push(s..end);
        }
        lines
    }
}

/// Words of a line with their byte offsets (split at whitespace).
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split(char::is_whitespace)
        .filter(|w| !w.is_empty())
        .map(move |w| (w.as_ptr() as usize - text.as_ptr() as usize, w))
}

/// Combining marks and joiners never start a line.
fn is_mark(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F | 0x064B..=0x065F | 0x0670 | 0x06D6..=0x06ED | 0x200C..=0x200F)
}

pub(crate) fn units_to_pt(font: FontId, units: f32, size: f32) -> f32 {
    units * size / font.data().units_per_em
}

/// Whether a text holds any right-to-left letter (Dari, Pashto, Arabic, Hebrew).
pub(crate) fn has_rtl(text: &str) -> bool {
    use unicode_bidi::BidiClass::{AL, R};
    text.chars()
        .any(|c| matches!(unicode_bidi::bidi_class(c), R | AL))
}

/// Whether a text's first strong character reads right to left (the bidi rule for a paragraph).
pub(crate) fn is_rtl(text: &str) -> bool {
    unicode_bidi::get_base_direction(text) == unicode_bidi::Direction::Rtl
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fonts_parse_and_cover_dari_and_pashto_letters() {
        for font in FontId::ALL {
            let face = &font.data().face;
            for c in "AZaz09پچژگکیټډړښږځڅګڼۍې۰۹".chars() {
                assert!(face.glyph_index(c).is_some(), "{font:?} lacks {c}");
            }
        }
    }

    #[test]
    fn arabic_letters_join_into_contextual_forms() {
        let mut s = Shaper::default();
        // Isolated letters versus the same letters joined: the glyphs differ.
        let apart = s.shape(FontId::Regular, "ب ب ب", true);
        let joined = s.shape(FontId::Regular, "ببب", true);
        assert_eq!(joined.len(), 3);
        assert_ne!(apart[0].gid, joined[0].gid);
        assert_ne!(joined[0].gid, joined[1].gid);
        // Every used glyph maps back to the letter it draws.
        assert!(s.used[0].values().any(|t| t == "ب"));
    }

    #[test]
    fn long_text_wraps_and_long_words_break() {
        let mut s = Shaper::default();
        let lines = s.lines(
            FontId::Regular,
            "one two three four five six seven",
            10.0,
            60.0,
        );
        assert!(lines.len() > 2, "{}", lines.len());
        assert!(lines.iter().all(|l| l.width <= 60.0 + 0.01));
        let long = "X".repeat(80);
        let lines = s.lines(FontId::Regular, &long, 10.0, 50.0);
        assert!(lines.len() > 5);
        assert!(lines.iter().all(|l| l.width <= 50.0 + 0.01));
    }

    #[test]
    fn mixed_dari_and_latin_puts_the_latin_run_where_it_reads() {
        let mut s = Shaper::default();
        let lines = s.lines(FontId::Regular, "پرواز KAM-123 کابل", 10.0, 500.0);
        assert_eq!(lines.len(), 1);
        let line = &lines[0];
        assert!(line.rtl);
        // Right to left: "کابل" is drawn leftmost, then the Latin code, then "پرواز" at the right.
        assert_eq!(line.runs.len(), 3);
        let latin = s.shape(FontId::Regular, "KAM-123", false);
        assert_eq!(line.runs[1].glyphs.len(), latin.len());
        assert!(!is_rtl("KAM-123 پرواز"));
    }
}

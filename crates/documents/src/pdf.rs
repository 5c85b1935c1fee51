//! Writes laid-out pages as PDF: fonts subset to the glyphs used, a ToUnicode map so text can be
//! copied, streams compressed. Nothing depends on the clock or on hash order: same input, same bytes.

use std::collections::BTreeSet;
use std::io::Write;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Date, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use sha2::{Digest, Sha256};
use subsetter::GlyphRemapper;

use crate::layout::{Metrics, Op, Page};
use crate::text::{FontId, Shaper, units_to_pt};

const FONT_NAMES: [&[u8]; 2] = [b"F0", b"F1"];

pub(crate) struct Header<'a> {
    pub title: &'a str,
    pub generated_at: time::OffsetDateTime,
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
    // Writing into a Vec cannot fail.
    let _ = z.write_all(data);
    z.finish().unwrap_or_default()
}

pub(crate) fn write(m: &Metrics, pages: &[Page], shaper: &Shaper, header: &Header) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let mut next = 1;
    let mut alloc = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let catalog = alloc();
    let tree = alloc();
    let info = alloc();

    // Which glyphs each font draws; subset ids follow the original order, so output is stable.
    let mut used: [BTreeSet<u16>; 2] = Default::default();
    for op in pages.iter().flatten() {
        if let Op::Text { run, .. } = op {
            used[run.font as usize].extend(run.glyphs.iter().map(|g| g.gid));
        }
    }
    let mut remappers: [GlyphRemapper; 2] = [GlyphRemapper::new(), GlyphRemapper::new()];
    let mut font_refs: [Option<Ref>; 2] = [None, None];
    for font in FontId::ALL {
        let glyphs = &used[font as usize];
        if glyphs.is_empty() {
            continue;
        }
        let remapper = &mut remappers[font as usize];
        for &g in glyphs {
            remapper.remap(g);
        }
        let type0 = alloc();
        font_refs[font as usize] = Some(type0);
        write_font(&mut pdf, font, remapper, shaper, type0, &mut alloc);
    }

    let page_refs: Vec<(Ref, Ref)> = pages.iter().map(|_| (alloc(), alloc())).collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_refs.iter().map(|p| p.0))
        .count(pages.len() as i32);

    for (ops, (page_ref, content_ref)) in pages.iter().zip(&page_refs) {
        let mut page = pdf.page(*page_ref);
        page.media_box(Rect::new(0.0, 0.0, m.width, m.height));
        page.parent(tree);
        page.contents(*content_ref);
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        for font in FontId::ALL {
            if let Some(r) = font_refs[font as usize] {
                fonts.pair(Name(FONT_NAMES[font as usize]), r);
            }
        }
        fonts.finish();
        resources.finish();
        page.finish();

        let content = content(m, ops, &remappers);
        pdf.stream(*content_ref, &deflate(&content))
            .filter(Filter::FlateDecode);
    }

    let t = header.generated_at.to_offset(time::UtcOffset::UTC);
    let date = Date::new(t.year().clamp(0, 9999) as u16)
        .month(u8::from(t.month()))
        .day(t.day())
        .hour(t.hour())
        .minute(t.minute())
        .second(t.second())
        .utc_offset_hour(0)
        .utc_offset_minute(0);
    pdf.document_info(info)
        .title(TextStr(header.title))
        .producer(TextStr("Drawdown"))
        .creation_date(date);
    // A stable file identifier: derived from the content, as the spec allows.
    let _ = next;
    let id =
        Sha256::digest(format!("{}|{}|{}", header.title, t, pages.len()).as_bytes())[..16].to_vec();
    pdf.set_file_id((id.clone(), id));
    pdf.finish()
}

fn write_font(
    pdf: &mut Pdf,
    font: FontId,
    remapper: &GlyphRemapper,
    shaper: &Shaper,
    type0: Ref,
    alloc: &mut impl FnMut() -> Ref,
) {
    let data = font.data();
    let cid = alloc();
    let descriptor = alloc();
    let file = alloc();
    let cmap_ref = alloc();

    // Subset tag: six capitals derived from the glyph set (the PDF convention "ABCDEF+Name").
    let gids: Vec<u16> = remapper.remapped_gids().collect();
    let digest = Sha256::digest(
        gids.iter()
            .flat_map(|g| g.to_be_bytes())
            .collect::<Vec<u8>>(),
    );
    let tag: String = digest
        .iter()
        .take(6)
        .map(|b| char::from(b'A' + b % 26))
        .collect();
    let base_font = format!("{tag}+{}", data.postscript_name);
    let base_font = Name(base_font.as_bytes());
    let system = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };

    pdf.type0_font(type0)
        .base_font(base_font)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(cmap_ref);

    let scale = 1000.0 / data.units_per_em;
    let widths: Vec<f32> = gids
        .iter()
        .map(|&g| (data.advance(g) * scale).round())
        .collect();
    let mut cid_font = pdf.cid_font(cid);
    cid_font
        .subtype(CidFontType::Type2)
        .base_font(base_font)
        .system_info(system)
        .font_descriptor(descriptor)
        .default_width(0.0)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    cid_font.widths().consecutive(0, widths);
    cid_font.finish();

    let [x0, y0, x1, y1] = data.bbox.map(|v| v * scale);
    pdf.font_descriptor(descriptor)
        .name(base_font)
        .flags(FontFlags::SYMBOLIC)
        .bbox(Rect::new(x0, y0, x1, y1))
        .italic_angle(0.0)
        .ascent(data.ascender * scale)
        .descent(data.descender * scale)
        .cap_height(data.cap_height * scale)
        .stem_v(if font == FontId::Bold { 140.0 } else { 80.0 })
        .font_file2(file);

    // The subsetter only fails on fonts it cannot read; ours are compiled in and tested.
    let subset = subsetter::subset(data.data, 0, remapper).unwrap_or_else(|_| data.data.to_vec());
    pdf.stream(file, &deflate(&subset))
        .filter(Filter::FlateDecode)
        .pair(Name(b"Length1"), subset.len() as i32);

    let mut cmap = UnicodeCmap::new(Name(b"Custom"), system);
    for (new, old) in gids.iter().enumerate() {
        if let Some(text) = shaper.used[font as usize].get(old)
            && !text.is_empty()
        {
            cmap.pair_with_multiple(new as u16, text.chars());
        }
    }
    let cmap = cmap.finish();
    pdf.cmap(cmap_ref, &deflate(cmap.as_slice()))
        .filter(Filter::FlateDecode);
}

/// One page's content stream. Coordinates flip here: layout measures from the top, PDF from the bottom.
fn content(m: &Metrics, ops: &[Op], remappers: &[GlyphRemapper; 2]) -> Vec<u8> {
    let mut c = Content::new();
    let flip = |y: f32| m.height - y;
    for op in ops {
        match op {
            Op::Fill { rects, gray } => {
                c.set_fill_gray(*gray);
                for [x, y, w, h] in rects {
                    c.rect(*x, flip(y + h), *w, *h);
                }
                c.fill_nonzero();
            }
            Op::Rule {
                x1,
                x2,
                y,
                width,
                gray,
            } => {
                c.set_stroke_gray(*gray);
                c.set_line_width(*width);
                c.move_to(*x1, flip(*y));
                c.line_to(*x2, flip(*y));
                c.stroke();
            }
            Op::Text { x, y, run, gray } => {
                let font = run.font;
                let data = font.data();
                let remap = &remappers[font as usize];
                let size = run.size;
                c.set_fill_gray(*gray);
                c.begin_text();
                c.set_font(Name(FONT_NAMES[font as usize]), size);
                let mut pen = *x;
                let baseline = flip(*y);
                // Consecutive glyphs without offsets go in one TJ array, with adjustments where the
                // shaper's advance differs from the font's own (kerning); marks get their own place.
                let mut group: Vec<(u16, f32)> = Vec::new();
                let mut group_x = pen;
                let flush = |c: &mut Content, group: &mut Vec<(u16, f32)>, at: f32| {
                    if group.is_empty() {
                        return;
                    }
                    c.set_text_matrix([1.0, 0.0, 0.0, 1.0, at, baseline]);
                    let mut shown = c.show_positioned();
                    let mut items = shown.items();
                    let mut bytes = Vec::new();
                    for &(gid, adjust) in group.iter() {
                        bytes.extend_from_slice(&gid.to_be_bytes());
                        if adjust.abs() > 0.01 {
                            items.show(Str(&bytes));
                            bytes.clear();
                            items.adjust(adjust);
                        }
                    }
                    if !bytes.is_empty() {
                        items.show(Str(&bytes));
                    }
                    items.finish();
                    shown.finish();
                    group.clear();
                };
                for g in run.glyphs.iter() {
                    let new = remap.get(g.gid).unwrap_or(0);
                    let advance_pt = units_to_pt(font, g.advance, size);
                    let own = data.advance(g.gid) * 1000.0 / data.units_per_em;
                    let wanted = g.advance * 1000.0 / data.units_per_em;
                    let adjust = (own - wanted).round();
                    if g.x_offset != 0.0 || g.y_offset != 0.0 {
                        flush(&mut c, &mut group, group_x);
                        c.set_text_matrix([
                            1.0,
                            0.0,
                            0.0,
                            1.0,
                            pen + units_to_pt(font, g.x_offset, size),
                            baseline + units_to_pt(font, g.y_offset, size),
                        ]);
                        let mut shown = c.show_positioned();
                        let mut items = shown.items();
                        items.show(Str(&new.to_be_bytes()));
                        items.finish();
                        shown.finish();
                        pen += advance_pt;
                        group_x = pen;
                        continue;
                    }
                    if group.is_empty() {
                        group_x = pen;
                    }
                    group.push((new, adjust));
                    pen += advance_pt;
                }
                flush(&mut c, &mut group, group_x);
                c.end_text();
            }
        }
    }
    c.finish().to_vec()
}

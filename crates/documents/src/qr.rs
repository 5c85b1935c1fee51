//! QR codes: one encoder (the `qrcode` crate) for the PDF and the web page, so both show the same code.

use qrcode::{Color, EcLevel, QrCode};

/// Modules around the code, as the QR standard asks, so scanners find it.
pub(crate) const QUIET_ZONE: usize = 4;

/// A QR code's dark modules, row by row, without the quiet zone.
#[derive(Clone, Debug)]
pub(crate) struct QrMatrix {
    pub width: usize,
    pub dark: Vec<bool>,
}

impl QrMatrix {
    /// Error correction M (15 %): survives a crease or a smudge on a printed pass and keeps tokens of a
    /// few hundred bytes scannable from a phone screen.
    pub fn encode(data: &str) -> Result<Self, crate::Error> {
        let code =
            QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M).map_err(|e| {
                crate::Error::Qr {
                    bytes: data.len(),
                    reason: e.to_string(),
                }
            })?;
        Ok(Self {
            width: code.width(),
            dark: code
                .to_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect(),
        })
    }

    /// Horizontal runs of dark modules: (row, first column, length). Fewer shapes, smaller files.
    pub fn runs(&self) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        for y in 0..self.width {
            let row = &self.dark[y * self.width..(y + 1) * self.width];
            let mut x = 0;
            while x < self.width {
                if row[x] {
                    let start = x;
                    while x < self.width && row[x] {
                        x += 1;
                    }
                    out.push((y, start, x - start));
                } else {
                    x += 1;
                }
            }
        }
        out
    }
}

/// The QR code for `data` as an inline SVG element (one path, no styles or scripts, so it passes
/// the strict CSP), with the quiet zone. It scales to its container; set a size with CSS.
/// Fails only if `data` is too long for any QR code (over ~2 kB at this error correction).
pub fn qr_svg(data: &str) -> Result<String, crate::Error> {
    let m = QrMatrix::encode(data)?;
    let size = m.width + 2 * QUIET_ZONE;
    let mut d = String::with_capacity(m.width * m.width * 2);
    for (y, x, len) in m.runs() {
        use std::fmt::Write;
        let _ = write!(d, "M{} {}h{len}v1h-{len}z", x + QUIET_ZONE, y + QUIET_ZONE);
    }
    Ok(format!(
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="qr" viewBox="0 0 {s} {s}" "#,
            r#"role="img" aria-label="QR code" shape-rendering="crispEdges">"#,
            r##"<rect width="{s}" height="{s}" fill="#fff"/><path fill="#000" d="{d}"/></svg>"##
        ),
        s = size,
        d = d
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_cover_exactly_the_dark_modules() {
        let m = QrMatrix::encode("DD1:abcdefghijklmnopqrstuvwxyz0123456789").expect("encodes");
        let mut covered = vec![false; m.dark.len()];
        for (y, x, len) in m.runs() {
            for i in x..x + len {
                assert!(!covered[y * m.width + i]);
                covered[y * m.width + i] = true;
            }
        }
        assert_eq!(covered, m.dark);
    }

    #[test]
    fn svg_is_deterministic_and_self_contained() {
        let a = qr_svg("hello").expect("fits");
        assert_eq!(a, qr_svg("hello").expect("fits"));
        assert_ne!(a, qr_svg("hellp").expect("fits"));
        assert!(a.starts_with("<svg") && a.ends_with("</svg>"));
        assert!(!a.contains("style"));
        // Version 1 is 21 modules; with the quiet zone 29.
        assert!(a.contains(r#"viewBox="0 0 29 29""#), "{a}");
    }

    #[test]
    fn too_much_data_is_refused_not_truncated() {
        assert!(QrMatrix::encode(&"x".repeat(5000)).is_err());
        let err = qr_svg(&"x".repeat(5000)).expect_err("too long");
        assert!(err.to_string().contains("5000 bytes"), "{err}");
    }
}

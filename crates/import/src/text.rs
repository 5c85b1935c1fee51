//! What the bytes really are (sniffed from their first bytes, whatever the file's name says),
//! and turning text bytes into a `String` in whichever encoding they were saved.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, WINDOWS_1256};

use crate::ImportError;

/// What the first bytes say a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A ZIP archive: XLSX, but also ODS, DOCX, plain .zip.
    Zip,
    /// An OLE2 compound file: Excel 97–2003 .xls, or a password-protected .xlsx.
    Ole2,
    Pdf,
    Gzip,
    /// Anything else; maybe text.
    Other,
}

pub(crate) fn sniff(bytes: &[u8]) -> Kind {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        Kind::Zip
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Kind::Ole2
    } else if bytes.starts_with(b"%PDF") {
        Kind::Pdf
    } else if bytes.starts_with(&[0x1F, 0x8B]) {
        Kind::Gzip
    } else {
        Kind::Other
    }
}

/// "this file is …" for a kind that is not text, to tell the user what they uploaded.
pub(crate) fn describe(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::Zip => Some("an XLSX/ZIP"),
        Kind::Ole2 => Some(
            "an old Excel 97-2003 (.xls) or password-protected workbook (save it as .xlsx without a password)",
        ),
        Kind::Pdf => Some("a PDF"),
        Kind::Gzip => Some("a gzip-compressed file"),
        Kind::Other => None,
    }
}

pub(crate) struct Decoded {
    pub text: String,
    pub encoding: &'static str,
}

/// Why bytes could not be taken as text.
pub(crate) enum TextError {
    /// Binary data, not text at all; the caller turns it into its own "not CSV/JSON" error.
    Binary(String),
    Encoding(ImportError),
}

/// Decodes text bytes: a byte-order mark decides first; then UTF-16 without a mark (recognised
/// by its NUL bytes, which no text file otherwise has); then UTF-8; then Windows-1256, which is
/// what Excel on an Arabic-script Windows saved as "CSV".
pub(crate) fn decode(bytes: &[u8]) -> Result<Decoded, TextError> {
    let decoded = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Decoded {
            text: strict_utf8(rest, "UTF-8 with BOM")?,
            encoding: "UTF-8 with BOM",
        }
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        Decoded {
            text: strict_utf16(rest, UTF_16LE)?,
            encoding: "UTF-16LE",
        }
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        Decoded {
            text: strict_utf16(rest, UTF_16BE)?,
            encoding: "UTF-16BE",
        }
    } else if let Some(enc) = utf16_without_bom(bytes) {
        Decoded {
            text: strict_utf16(bytes, enc)?,
            encoding: enc.name(),
        }
    } else if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(TextError::Binary(format!(
            "it holds binary data (a NUL byte on line {})",
            line_of(bytes, at)
        )));
    } else {
        match std::str::from_utf8(bytes) {
            Ok(s) => Decoded {
                text: s.to_owned(),
                encoding: "UTF-8",
            },
            Err(e) if mostly_utf8(bytes) => {
                return Err(TextError::Encoding(utf8_error(bytes, e, "UTF-8")));
            }
            Err(_) => {
                // Every byte means something in Windows-1256: this cannot fail.
                let (text, _, _) = WINDOWS_1256.decode(bytes);
                Decoded {
                    text: text.into_owned(),
                    encoding: "windows-1256",
                }
            }
        }
    };
    check_text(&decoded.text)?;
    Ok(decoded)
}

fn strict_utf8(bytes: &[u8], name: &'static str) -> Result<String, TextError> {
    std::str::from_utf8(bytes)
        .map(str::to_owned)
        .map_err(|e| TextError::Encoding(utf8_error(bytes, e, name)))
}

fn utf8_error(bytes: &[u8], e: std::str::Utf8Error, name: &'static str) -> ImportError {
    let at = e.valid_up_to();
    ImportError::Encoding {
        encoding: name,
        line: line_of(bytes, at),
        detail: bytes.get(at).map(|b| format!("byte 0x{b:02X}")),
    }
}

fn strict_utf16(bytes: &[u8], enc: &'static Encoding) -> Result<String, TextError> {
    if let Some(text) = enc.decode_without_bom_handling_and_without_replacement(bytes) {
        return Ok(text.into_owned());
    }
    // Find the place: decode with replacement and count the lines before the first U+FFFD.
    let (text, _) = enc.decode_without_bom_handling(bytes);
    let line = text
        .find('\u{FFFD}')
        .map_or(1, |at| line_of(text.as_bytes(), at));
    let detail = if bytes.len() % 2 == 1 {
        Some("the file ends in the middle of a character".to_owned())
    } else {
        Some("a broken surrogate pair".to_owned())
    };
    Err(TextError::Encoding(ImportError::Encoding {
        encoding: enc.name(),
        line,
        detail,
    }))
}

/// UTF-16 without a byte-order mark: the ASCII characters of a CSV (digits, separators, line
/// ends, Latin letters) each carry a NUL byte, always on the same side of the pair.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = &bytes[..bytes.len().min(8192)];
    let pairs = sample.len() / 2;
    if pairs < 2 {
        return None;
    }
    let (mut even, mut odd) = (0usize, 0usize);
    for (i, &b) in sample.iter().enumerate() {
        if b == 0 {
            if i % 2 == 0 {
                even += 1;
            } else {
                odd += 1;
            }
        }
    }
    // At least a tenth of the characters ASCII (and a few in all), NULs (almost) only on one side.
    let enough = |n: usize| n * 10 >= pairs && n >= 4.min(pairs);
    if enough(odd) && even * 20 <= odd {
        Some(UTF_16LE)
    } else if enough(even) && odd * 20 <= even {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Invalid UTF-8 that is nonetheless mostly well-formed multi-byte UTF-8 is a UTF-8 file with a
/// damaged byte, not Windows-1256: reading it as 1256 would silently garble every name.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let (mut multibyte, mut invalid) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        multibyte += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        if !chunk.invalid().is_empty() {
            invalid += 1;
        }
    }
    multibyte >= 4 * invalid.max(1)
}

/// Decoded text that still holds NULs or many control characters is binary data.
fn check_text(text: &str) -> Result<(), TextError> {
    if let Some(at) = text.find('\0') {
        return Err(TextError::Binary(format!(
            "it holds binary data (a NUL character on line {})",
            line_of(text.as_bytes(), at)
        )));
    }
    let total = text.chars().count();
    let controls = text
        .chars()
        .filter(|&c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0B' | '\x0C'))
        .count();
    if controls > 8 && controls * 100 > total {
        return Err(TextError::Binary(
            "it holds binary data (control characters), not text".to_owned(),
        ));
    }
    Ok(())
}

/// 1-based line number of a byte offset.
pub(crate) fn line_of(bytes: &[u8], at: usize) -> usize {
    line_breaks(bytes, 0, at) + 1
}

/// Line breaks in `bytes[from..to]`: LF, CRLF, and a lone CR (old Mac exports end lines so, and
/// CSV readers take it as a record end).
pub(crate) fn line_breaks(bytes: &[u8], from: usize, to: usize) -> usize {
    let to = to.min(bytes.len());
    let from = from.min(to);
    bytes[from..to]
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(from + i + 1) != Some(&b'\n')))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(bytes: &[u8]) -> Decoded {
        match decode(bytes) {
            Ok(d) => d,
            Err(TextError::Binary(m)) => panic!("binary: {m}"),
            Err(TextError::Encoding(e)) => panic!("{e}"),
        }
    }

    const DARI: &str = "نام,تخلص\nاحمد,کریمی\n";

    #[test]
    fn utf8_plain_and_with_bom() {
        let d = ok(DARI.as_bytes());
        assert_eq!((d.text.as_str(), d.encoding), (DARI, "UTF-8"));
        let mut b = b"\xEF\xBB\xBF".to_vec();
        b.extend_from_slice(DARI.as_bytes());
        let d = ok(&b);
        assert_eq!((d.text.as_str(), d.encoding), (DARI, "UTF-8 with BOM"));
    }

    fn utf16(s: &str, le: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        if bom {
            out.extend_from_slice(if le { b"\xFF\xFE" } else { b"\xFE\xFF" });
        }
        for u in s.encode_utf16() {
            out.extend_from_slice(&if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        out
    }

    #[test]
    fn utf16_with_and_without_bom() {
        for (le, name) in [(true, "UTF-16LE"), (false, "UTF-16BE")] {
            for bom in [true, false] {
                let d = ok(&utf16(DARI, le, bom));
                assert_eq!((d.text.as_str(), d.encoding), (DARI, name), "bom {bom}");
            }
        }
    }

    #[test]
    fn windows_1256() {
        // Windows-1256 has the Arabic yeh (ي), not the Persian one (ی): old Dari exports use it.
        let text = "نام,تخلص,پدر\nاحمد,کريمي,گل\n";
        let (bytes, _, unmappable) = WINDOWS_1256.encode(text);
        assert!(!unmappable);
        let d = ok(&bytes);
        assert_eq!(d.encoding, "windows-1256");
        assert_eq!(d.text, text);
    }

    #[test]
    fn damaged_utf8_is_an_error_naming_the_line() {
        let mut b = "name\nاحمد\nکریمی\n".as_bytes().to_vec();
        b.extend_from_slice(b"\xFFx\n");
        match decode(&b) {
            Err(TextError::Encoding(ImportError::Encoding { line, encoding, .. })) => {
                assert_eq!((line, encoding), (4, "UTF-8"));
            }
            _ => panic!("expected an encoding error"),
        }
        let b = b"\xEF\xBB\xBFa\nb\xC3\n";
        match decode(b) {
            Err(TextError::Encoding(ImportError::Encoding { line, .. })) => assert_eq!(line, 2),
            _ => panic!("expected an encoding error"),
        }
    }

    #[test]
    fn broken_utf16_names_the_line() {
        let mut b = utf16("a,b\nc,d\n", true, true);
        b.extend_from_slice(&0xD800u16.to_le_bytes()); // lone surrogate
        b.extend_from_slice(&u16::from(b'x').to_le_bytes());
        match decode(&b) {
            Err(TextError::Encoding(ImportError::Encoding { line, encoding, .. })) => {
                assert_eq!((line, encoding), (3, "UTF-16LE"));
            }
            _ => panic!("expected an encoding error"),
        }
    }

    #[test]
    fn binary_is_not_text() {
        assert!(matches!(
            decode(b"name\nab\0\x01\x02\x03\xFF\xFEzz"),
            Err(TextError::Binary(_))
        ));
        let junk: Vec<u8> = (0u8..=255).cycle().take(4000).filter(|&b| b != 0).collect();
        assert!(matches!(decode(&junk), Err(TextError::Binary(_))));
    }

    #[test]
    fn counts_every_kind_of_line_break() {
        assert_eq!(line_of(b"a\nb\r\nc\rd", 9), 4);
        assert_eq!(line_of(b"a\r\nb", 2), 1); // between CR and LF: still line 1
        assert_eq!(line_breaks(b"a\r\nb\rc", 1, 7), 2);
    }

    #[test]
    fn sniffs_containers() {
        assert_eq!(sniff(b"PK\x03\x04rest"), Kind::Zip);
        assert_eq!(sniff(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), Kind::Ole2);
        assert_eq!(sniff(b"%PDF-1.7"), Kind::Pdf);
        assert_eq!(sniff(b"a,b\n"), Kind::Other);
    }
}

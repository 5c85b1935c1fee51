//! Reading the lists a post is handed (HR exports, the consular registry, SIV pipeline
//! spreadsheets, partners' lists) into plain tables, and suggesting which registry field each
//! column feeds.
//!
//! Pure: bytes in, tables out. No files, network, clock or database: the caller reads the
//! upload, enforces its size while streaming it (see [`Limits::check_size`]) and stores the
//! result.
//!
//! The flow is [`read_table`] → [`suggest_mapping`] (a person may correct it) →
//! [`apply_mapping`]. A problem that makes the whole file unreadable is an [`ImportError`] and
//! nothing of the file is kept; a problem of one row is a [`RowProblem`] naming the row.
#![forbid(unsafe_code)]
// Tests may unwrap; library code is still checked by the plain (non-test) clippy run.
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod apply;
mod delimited;
mod error;
mod hxl;
mod json;
mod suggest;
mod target;
mod text;
mod xlsx;

use serde::{Deserialize, Serialize};

pub use apply::{MappedRow, apply_mapping};
pub use error::ImportError;
pub use suggest::{Mapping, Suggestion, suggest_mapping};
pub use target::Target;

/// What a file claims to be (from its name or the user's choice). The bytes are sniffed and
/// must agree: an XLSX uploaded as CSV is refused, not read as garbage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Xlsx,
    Json,
}

impl Format {
    /// From a file name's extension, case-insensitively: `.csv`, `.tsv`, `.txt` → CSV,
    /// `.xlsx`, `.xlsm` → XLSX, `.json` → JSON. Anything else (including old `.xls`) → None.
    pub fn from_file_name(name: &str) -> Option<Format> {
        let (_, ext) = name.rsplit_once('.')?;
        match ext.to_ascii_lowercase().as_str() {
            "csv" | "tsv" | "txt" => Some(Format::Csv),
            "xlsx" | "xlsm" => Some(Format::Xlsx),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    /// A guess from the bytes alone, for an upload without a usable name: a ZIP is XLSX, text
    /// starting with `[` or `{` is JSON, other text is CSV. [`read_table`] still verifies it.
    pub fn sniff(bytes: &[u8]) -> Option<Format> {
        match text::sniff(bytes) {
            text::Kind::Zip => Some(Format::Xlsx),
            text::Kind::Other => {
                let decoded = text::decode(bytes).ok()?;
                match decoded.text.trim_start().chars().next() {
                    Some('[' | '{') => Some(Format::Json),
                    Some(_) => Some(Format::Csv),
                    None => None,
                }
            }
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Xlsx => "XLSX",
            Format::Json => "JSON",
        }
    }
}

/// Bounds on what one import may hold, so a hostile or mistaken upload cannot exhaust the
/// laptop the post runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Size of the uploaded file.
    pub max_bytes: usize,
    /// Data rows (the header and an HXL hashtag row are not counted).
    pub max_rows: usize,
    pub max_columns: usize,
    /// Size of an XLSX once unpacked, as its ZIP directory declares it.
    pub max_unpacked_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 256 << 20,
            max_rows: 2_000_000,
            max_columns: 256,
            max_unpacked_bytes: 1 << 30,
        }
    }
}

impl Limits {
    /// The size check alone, for a caller that knows an upload's length (Content-Length, a
    /// file's metadata) before reading it into memory.
    pub fn check_size(&self, size: usize) -> Result<(), ImportError> {
        if size > self.max_bytes {
            Err(ImportError::TooLarge {
                size,
                limit: self.max_bytes,
            })
        } else {
            Ok(())
        }
    }
}

/// A decoded table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Table {
    /// The header row, trimmed; a blank header cell becomes "(column N)" (XLSX: "(column C)").
    pub headers: Vec<String>,
    /// The data rows; every row has exactly `headers.len()` cells. Rows whose cells are all
    /// empty are left out.
    pub rows: Vec<Row>,
    /// How the bytes were read: "UTF-8", "UTF-8 with BOM", "UTF-16LE", "UTF-16BE",
    /// "windows-1256", "xlsx" or "json".
    pub encoding: &'static str,
    /// The HXL hashtag row (e.g. `#affected+name`) if the file has one, one entry per column
    /// ("" where a column has no hashtag). It was consumed: it is not among `rows`.
    pub hxl: Option<Vec<String>>,
    /// XLSX: the name of the sheet that was read.
    pub sheet: Option<String>,
}

/// One data row with its number in the file as a person would count it: CSV, the line number of
/// the record's first line; XLSX, the sheet's row number; JSON, the array index + 1.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Row {
    pub number: usize,
    pub cells: Vec<String>,
}

/// A file that could be read, with the problems of single rows that did not stop it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Parsed {
    pub table: Table,
    pub problems: Vec<RowProblem>,
}

/// A problem of one row (or one value in it). The row number is the one in [`Row::number`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowProblem {
    pub row: usize,
    /// The column's header as the file spells it, when the problem is one value's.
    pub column: Option<String>,
    pub reason: String,
    /// What was done about it.
    pub effect: Effect,
}

/// What became of a value or row that has a problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// The value was left out; the rest of the row is imported.
    ValueDropped,
    /// The whole row is left out of the import.
    RowSkipped,
}

/// Reads a whole file into a table. `format` is what the file claims to be; the bytes must
/// agree. Problems that make the file unreadable are an `Err` naming what and where (line,
/// row, cell); problems of single rows are [`RowProblem`]s in [`Parsed`].
pub fn read_table(bytes: &[u8], format: Format, limits: &Limits) -> Result<Parsed, ImportError> {
    limits.check_size(bytes.len())?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ImportError::EmptyFile);
    }
    match format {
        Format::Csv => delimited::read(bytes, limits),
        Format::Xlsx => xlsx::read(bytes, limits),
        Format::Json => json::read(bytes, limits),
    }
}

/// Header cells trimmed, a stray byte-order mark dropped, blanks named after their column.
fn clean_headers(raw: Vec<String>, blank_name: impl Fn(usize) -> String) -> Vec<String> {
    raw.into_iter()
        .enumerate()
        .map(|(i, h)| {
            let h = h.trim_start_matches('\u{FEFF}').trim();
            if h.is_empty() {
                blank_name(i)
            } else {
                h.to_owned()
            }
        })
        .collect()
}

/// A number as a person would write it: integers without ".0" (phone numbers and ids are often
/// stored as numbers), others in the shortest form that reads back the same.
fn number_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e17 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_from_name() {
        assert_eq!(Format::from_file_name("HR list.CSV"), Some(Format::Csv));
        assert_eq!(Format::from_file_name("a.b.xlsx"), Some(Format::Xlsx));
        assert_eq!(Format::from_file_name("x.json"), Some(Format::Json));
        assert_eq!(Format::from_file_name("old.xls"), None);
        assert_eq!(Format::from_file_name("noext"), None);
    }

    #[test]
    fn format_sniffed() {
        assert_eq!(Format::sniff(b"PK\x03\x04..."), Some(Format::Xlsx));
        assert_eq!(Format::sniff(b"  [{\"a\":1}]"), Some(Format::Json));
        assert_eq!(Format::sniff(b"a,b\n1,2\n"), Some(Format::Csv));
        assert_eq!(Format::sniff(b""), None);
    }

    #[test]
    fn limits_size_and_empty() {
        let limits = Limits {
            max_bytes: 10,
            ..Limits::default()
        };
        assert_eq!(
            read_table(b"name\nsomeone long\n", Format::Csv, &limits),
            Err(ImportError::TooLarge {
                size: 18,
                limit: 10
            })
        );
        for f in [Format::Csv, Format::Xlsx, Format::Json] {
            assert_eq!(
                read_table(b"", f, &Limits::default()),
                Err(ImportError::EmptyFile)
            );
            assert_eq!(
                read_table(b" \r\n", f, &Limits::default()),
                Err(ImportError::EmptyFile)
            );
        }
    }

    /// A partner's Dari list with an HXL row, read, mapped and checked end to end.
    #[test]
    fn pipeline() {
        let csv = "شماره,نام,تخلص,نام پدر,تاریخ تولد,شماره تلفن,Extra\n\
                   #affected+id,,,,,#contact+phone,\n\
                   P-1,احمد,کریمی,محمد,1364/06/31,0700123456,x\n\
                   P-2,زهرا,احمدی,,2021-02-30,0799,\n\
                   P-1,علی,,,,,\n\
                   P-3,,,گل,,,\n";
        let parsed = read_table(csv.as_bytes(), Format::Csv, &Limits::default()).unwrap();
        let table = &parsed.table;
        assert_eq!(table.rows.len(), 4);
        let (mapping, suggestions) = suggest_mapping(&table.headers, table.hxl.as_deref());
        use Target::*;
        assert_eq!(
            mapping.columns,
            [
                Some(RecordId),
                Some(GivenName),
                Some(FamilyName),
                Some(FatherName),
                Some(DateOfBirth),
                Some(Phone),
                None
            ]
        );
        assert_eq!(suggestions[0].reason, "HXL #affected+id");
        let (rows, problems) = apply_mapping(table, &mapping);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].get(DateOfBirth), Some("1364-06-31"));
        assert_eq!(rows[1].get(DateOfBirth), None);
        let listed: Vec<(usize, &str)> = problems
            .iter()
            .map(|p| (p.row, p.reason.as_str()))
            .collect();
        assert_eq!(
            listed,
            [
                (
                    4,
                    "date_of_birth '2021-02-30': day 30 does not exist in month 2 of 2021"
                ),
                (5, "duplicate record_id P-1 (first at row 3)"),
                (
                    6,
                    "no name: full_name, given_name and family_name are all empty"
                ),
            ]
        );
        assert_eq!(problems[0].column.as_deref(), Some("تاریخ تولد"));
    }

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(number_text(93_700_123_456.0), "93700123456");
        assert_eq!(number_text(1.5), "1.5");
        assert_eq!(number_text(-3.0), "-3");
        assert_eq!(number_text(0.1), "0.1");
    }
}

//! XLSX: the first non-empty visible worksheet; the header is its first non-empty row. Cells are
//! streamed (never a dense grid: a sheet that names cell XFD1048576 would need billions of
//! slots), formulas are refused, dates become ISO dates, integral numbers lose their ".0".

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Seek};
use std::panic::{self, AssertUnwindSafe};

use calamine::{DataRef, Reader, SheetType, SheetVisible, Xlsx};

use crate::text::{self, Kind};
use crate::{
    Effect, ImportError, Limits, Parsed, Row, RowProblem, Table, clean_headers, hxl, number_text,
};

/// More entries than any real workbook has; a guard against archives built to be slow.
const MAX_ENTRIES: usize = 10_000;

pub(crate) fn read(bytes: &[u8], limits: &Limits) -> Result<Parsed, ImportError> {
    match text::sniff(bytes) {
        Kind::Zip => {}
        Kind::Other => return Err(ImportError::NotXlsx(describe_text(bytes))),
        kind => {
            let what = text::describe(kind).unwrap_or("something else");
            return Err(ImportError::NotXlsx(format!("this file is {what}")));
        }
    }
    check_archive(bytes, limits)?;
    let mut book = guarded(|| Xlsx::new(Cursor::new(bytes)))?;
    let sheets: Vec<String> = book
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet && s.visible == SheetVisible::Visible)
        .map(|s| s.name.clone())
        .collect();
    for name in sheets {
        let grid = read_sheet(&mut book, &name, limits)?;
        if !grid.sheet_rows.is_empty() {
            return grid.into_parsed(name, limits);
        }
    }
    Err(ImportError::EmptyFile)
}

/// Runs a call into the workbook reader, turning its errors, and its panics, into "damaged".
/// Fuzzing found calamine panicking on hostile input (an overflowing cell reference such as
/// `<c r="AAAAAAAAAA1">`); an upload must get an error, not take the request down.
fn guarded<T>(f: impl FnOnce() -> Result<T, calamine::XlsxError>) -> Result<T, ImportError> {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(ImportError::NotXlsx(format!(
            "the workbook is damaged: {e}"
        ))),
        Err(_) => Err(ImportError::NotXlsx(
            "the workbook is damaged (its XML could not be read)".to_owned(),
        )),
    }
}

fn describe_text(bytes: &[u8]) -> String {
    match text::decode(bytes) {
        Ok(d) if matches!(d.text.trim_start().chars().next(), Some('[' | '{')) => {
            "this file is JSON text, not a workbook".to_owned()
        }
        Ok(_) => "this file is text (CSV?), not a workbook".to_owned(),
        Err(_) => "this file is not a ZIP archive, so not a workbook".to_owned(),
    }
}

/// Refuses archives that are not workbooks, and workbooks that would unpack to more than the
/// limit, before anything is unpacked.
fn check_archive(bytes: &[u8], limits: &Limits) -> Result<(), ImportError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ImportError::NotXlsx(format!("the ZIP archive is damaged: {e}")))?;
    if archive.len() > MAX_ENTRIES {
        return Err(ImportError::NotXlsx(format!(
            "the archive holds {} entries, more than any workbook",
            archive.len()
        )));
    }
    let names: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .map(|n| n.to_string())
        .collect();
    let has = |name: &str| names.iter().any(|n| n == name);
    if !has("xl/workbook.xml") {
        let what = if has("xl/workbook.bin") {
            "a binary Excel workbook (.xlsb); save it as .xlsx"
        } else if has("content.xml") {
            "an OpenDocument file (.ods); save it as .xlsx"
        } else if has("word/document.xml") {
            "a Word document"
        } else {
            "a ZIP archive without a workbook in it"
        };
        return Err(ImportError::NotXlsx(format!("this file is {what}")));
    }
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| ImportError::NotXlsx(format!("the ZIP archive is damaged: {e}")))?;
        total = total.saturating_add(entry.size());
    }
    if total > limits.max_unpacked_bytes {
        return Err(ImportError::TooLargeUnpacked {
            size: total,
            limit: limits.max_unpacked_bytes,
        });
    }
    Ok(())
}

/// The non-empty cells of one sheet, by row.
struct Grid {
    sheet_rows: BTreeMap<u32, Vec<(u32, String)>>,
    /// Cells holding an Excel error value (#N/A, #REF!…): (row, column, what).
    errors: Vec<(u32, u32, String)>,
}

fn read_sheet<RS: Read + Seek>(
    book: &mut Xlsx<RS>,
    name: &str,
    limits: &Limits,
) -> Result<Grid, ImportError> {
    let mut cells = guarded(|| book.worksheet_cells_reader(name))?;
    let mut sheet_rows: BTreeMap<u32, Vec<(u32, String)>> = BTreeMap::new();
    let mut errors = Vec::new();
    // The header and an HXL row come on top of the data rows.
    let row_limit = limits.max_rows.saturating_add(2);
    while let Some(cell) = guarded(|| cells.next_cell_with_formula_metadata())? {
        let (row, col) = cell.pos;
        if cell.formula.is_some() {
            return Err(ImportError::Formula {
                sheet: name.to_owned(),
                cell: cell_name(row, col),
            });
        }
        let value = match cell.value {
            DataRef::Error(e) => {
                errors.push((row, col, format!("the cell holds the Excel error {e}")));
                continue;
            }
            value => cell_text(value),
        };
        if value.trim().is_empty() {
            continue;
        }
        if col as usize >= limits.max_columns {
            return Err(ImportError::TooManyColumns {
                found: col as usize + 1,
                limit: limits.max_columns,
            });
        }
        sheet_rows.entry(row).or_default().push((col, value));
        if sheet_rows.len() > row_limit {
            return Err(ImportError::TooManyRows {
                limit: limits.max_rows,
            });
        }
    }
    Ok(Grid { sheet_rows, errors })
}

impl Grid {
    fn into_parsed(self, sheet: String, limits: &Limits) -> Result<Parsed, ImportError> {
        let first_col = self
            .sheet_rows
            .values()
            .flatten()
            .map(|&(c, _)| c)
            .min()
            .unwrap_or(0);
        let last_col = self
            .sheet_rows
            .values()
            .flatten()
            .map(|&(c, _)| c)
            .max()
            .unwrap_or(0);
        let width = (last_col - first_col) as usize + 1;
        if width > limits.max_columns {
            return Err(ImportError::TooManyColumns {
                found: width,
                limit: limits.max_columns,
            });
        }
        let dense = |cells: Vec<(u32, String)>| {
            let mut out = vec![String::new(); width];
            for (c, v) in cells {
                out[(c - first_col) as usize] = v;
            }
            out
        };
        let mut sheet_rows = self.sheet_rows.into_iter();
        let Some((header_row, header_cells)) = sheet_rows.next() else {
            return Err(ImportError::EmptyFile);
        };
        let header_raw = dense(header_cells);
        let headers = clean_headers(header_raw.clone(), |i| {
            format!("(column {})", column_letters(first_col + i as u32))
        });
        let mut hxl_row = hxl::is_hashtag_row(&header_raw)
            .then(|| header_raw.iter().map(|c| c.trim().to_owned()).collect());
        let mut rows: Vec<Row> = Vec::new();
        for (r, cells) in sheet_rows {
            let cells = dense(cells);
            if hxl_row.is_none() && rows.is_empty() && hxl::is_hashtag_row(&cells) {
                hxl_row = Some(cells.iter().map(|c| c.trim().to_owned()).collect());
                continue;
            }
            rows.push(Row {
                number: r as usize + 1,
                cells,
            });
        }
        if rows.len() > limits.max_rows {
            return Err(ImportError::TooManyRows {
                limit: limits.max_rows,
            });
        }
        let problems = self
            .errors
            .into_iter()
            .filter(|&(r, c, _)| r > header_row && c >= first_col && c <= last_col)
            .map(|(r, c, reason)| RowProblem {
                row: r as usize + 1,
                column: headers.get((c - first_col) as usize).cloned(),
                reason: format!("{reason} (cell {})", cell_name(r, c)),
                effect: Effect::ValueDropped,
            })
            .collect();
        Ok(Parsed {
            table: Table {
                headers,
                rows,
                encoding: "xlsx",
                hxl: hxl_row,
                sheet: Some(sheet),
            },
            problems,
        })
    }
}

fn cell_text(value: DataRef<'_>) -> String {
    match value {
        DataRef::String(s) => s,
        DataRef::SharedString(s) => s.to_owned(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number_text(f),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(dt) if dt.is_datetime() => {
            let serial = dt.as_f64();
            let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
            if serial < 1.0 && serial > 0.0 {
                format!("{h:02}:{mi:02}:{s:02}")
            } else if (h, mi, s) == (0, 0, 0) {
                format!("{y:04}-{mo:02}-{d:02}")
            } else {
                format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")
            }
        }
        DataRef::DateTime(dt) => number_text(dt.as_f64()),
        DataRef::DateTimeIso(s) => s.strip_suffix("T00:00:00").map(str::to_owned).unwrap_or(s),
        DataRef::DurationIso(s) => s,
        DataRef::Error(_) | DataRef::Empty => String::new(),
    }
}

/// "C7" for row 6, column 2 (both 0-based), as Excel names cells.
fn cell_name(row: u32, col: u32) -> String {
    format!("{}{}", column_letters(col), u64::from(row) + 1)
}

fn column_letters(col: u32) -> String {
    let mut n = u64::from(col) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push(char::from(b'A' + rem));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Format, read_table};
    use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Formula, Workbook};

    fn parse(bytes: &[u8]) -> Result<Parsed, ImportError> {
        read_table(bytes, Format::Xlsx, &Limits::default())
    }

    /// A small HR export: a title row above the header is not how we read it, so the header is
    /// row 2 after a blank row 1; a date cell, a phone as a big number, an id as a float.
    fn hr_workbook(with_formula: bool) -> Vec<u8> {
        let mut book = Workbook::new();
        let date = CellFormat::new().set_num_format("dd/mm/yyyy");
        let sheet = book.add_worksheet().set_name("Staff").unwrap();
        for (c, h) in ["Staff ID", "Surname", "Given name", "DOB", "Mobile"]
            .iter()
            .enumerate()
        {
            sheet.write_string(1, c as u16 + 1, *h).unwrap();
        }
        sheet.write_number(2, 1, 1001.0).unwrap();
        sheet.write_string(2, 2, "Karimi").unwrap();
        sheet.write_string(2, 3, "Ahmad").unwrap();
        let dob = ExcelDateTime::from_ymd(1985, 3, 21).unwrap();
        sheet.write_datetime_with_format(2, 4, &dob, &date).unwrap();
        sheet.write_number(2, 5, 93_700_123_456.0).unwrap();
        sheet.write_number(4, 1, 1002.0).unwrap();
        sheet.write_string(4, 2, "Ahmadi").unwrap();
        sheet.write_boolean(4, 3, true).unwrap();
        sheet.write_number(4, 4, 1.5).unwrap();
        if with_formula {
            sheet.write_formula(6, 3, Formula::new("=B3&C3")).unwrap();
        }
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn round_trip() {
        let p = parse(&hr_workbook(false)).unwrap();
        assert_eq!(p.table.sheet.as_deref(), Some("Staff"));
        assert_eq!(p.table.encoding, "xlsx");
        assert_eq!(
            p.table.headers,
            ["Staff ID", "Surname", "Given name", "DOB", "Mobile"]
        );
        let rows: Vec<(usize, Vec<&str>)> = p
            .table
            .rows
            .iter()
            .map(|r| (r.number, r.cells.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(
            rows,
            [
                (
                    3,
                    vec!["1001", "Karimi", "Ahmad", "1985-03-21", "93700123456"]
                ),
                (5, vec!["1002", "Ahmadi", "true", "1.5", ""]),
            ]
        );
        assert!(p.problems.is_empty());
    }

    #[test]
    fn formula_is_refused_naming_the_cell() {
        assert_eq!(
            parse(&hr_workbook(true)),
            Err(ImportError::Formula {
                sheet: "Staff".into(),
                cell: "D7".into()
            })
        );
        let e = parse(&hr_workbook(true)).unwrap_err();
        assert!(e.to_string().contains("Staff!D7"));
    }

    #[test]
    fn first_non_empty_visible_sheet_and_hxl() {
        let mut book = Workbook::new();
        book.add_worksheet().set_name("Cover").unwrap();
        let hidden = book.add_worksheet().set_name("Lookups").unwrap();
        hidden.write_string(0, 0, "lookup").unwrap();
        hidden.set_hidden(true);
        let sheet = book.add_worksheet().set_name("List").unwrap();
        sheet.write_string(0, 0, "Name").unwrap();
        sheet.write_string(0, 1, "").unwrap();
        sheet.write_string(0, 2, "Phone").unwrap();
        sheet.write_string(1, 0, "#affected+name").unwrap();
        sheet.write_string(1, 2, "#contact+phone").unwrap();
        sheet.write_string(2, 0, "Zahra").unwrap();
        sheet.write_string(2, 1, "x").unwrap();
        sheet.write_string(2, 2, "0700").unwrap();
        let p = parse(&book.save_to_buffer().unwrap()).unwrap();
        assert_eq!(p.table.sheet.as_deref(), Some("List"));
        assert_eq!(p.table.headers, ["Name", "(column B)", "Phone"]);
        assert_eq!(
            p.table.hxl,
            Some(vec![
                "#affected+name".to_owned(),
                String::new(),
                "#contact+phone".to_owned()
            ])
        );
        assert_eq!(p.table.rows.len(), 1);
        assert_eq!(p.table.rows[0].number, 3);
        assert_eq!(p.table.rows[0].cells, ["Zahra", "x", "0700"]);
    }

    #[test]
    fn empty_workbook() {
        let mut book = Workbook::new();
        book.add_worksheet();
        assert_eq!(
            parse(&book.save_to_buffer().unwrap()),
            Err(ImportError::EmptyFile)
        );
    }

    #[test]
    fn not_xlsx() {
        assert!(matches!(
            parse(b"id,name\n1,Ahmad\n"),
            Err(ImportError::NotXlsx(m)) if m.contains("text (CSV?)")
        ));
        assert!(matches!(
            parse(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00"),
            Err(ImportError::NotXlsx(m)) if m.contains(".xls")
        ));
        assert!(matches!(
            parse(b"PK\x03\x04garbage that is not a zip"),
            Err(ImportError::NotXlsx(m)) if m.contains("damaged")
        ));
        // A real ZIP that is not a workbook.
        let mut buf = Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut buf);
            zip.start_file("content.xml", zip::write::SimpleFileOptions::default())
                .unwrap();
            std::io::Write::write_all(&mut zip, b"<x/>").unwrap();
            zip.finish().unwrap();
        }
        assert!(matches!(
            parse(buf.get_ref()),
            Err(ImportError::NotXlsx(m)) if m.contains(".ods")
        ));
    }

    #[test]
    fn a_workbook_is_not_csv_or_json() {
        let book = hr_workbook(false);
        assert_eq!(
            read_table(&book, Format::Csv, &Limits::default()),
            Err(ImportError::NotCsv(
                "this file is an XLSX/ZIP, not CSV".into()
            ))
        );
        assert!(matches!(
            read_table(&book, Format::Json, &Limits::default()),
            Err(ImportError::NotJson { reason, .. }) if reason.contains("XLSX/ZIP")
        ));
    }

    #[test]
    fn limits() {
        let book = hr_workbook(false);
        let tight = |f: fn(&mut Limits)| {
            let mut l = Limits::default();
            f(&mut l);
            read_table(&book, Format::Xlsx, &l)
        };
        assert_eq!(
            tight(|l| l.max_rows = 1),
            Err(ImportError::TooManyRows { limit: 1 })
        );
        assert!(matches!(
            tight(|l| l.max_columns = 4),
            Err(ImportError::TooManyColumns { limit: 4, .. })
        ));
        assert!(matches!(
            tight(|l| l.max_unpacked_bytes = 1000),
            Err(ImportError::TooLargeUnpacked { limit: 1000, .. })
        ));
    }

    /// The first crash the fuzzer found (now in the corpus as regress-cell-ref-overflow): a
    /// cell reference with so many letters that calamine's column arithmetic overflows.
    #[test]
    fn hostile_cell_reference_is_an_error() {
        let mut buf = Cursor::new(Vec::new());
        {
            use std::io::Write;
            let mut zip = zip::ZipWriter::new(&mut buf);
            let o = zip::write::SimpleFileOptions::default();
            for (name, body) in [
                (
                    "_rels/.rels",
                    r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
                ),
                (
                    "xl/workbook.xml",
                    r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
                ),
                (
                    "xl/_rels/workbook.xml.rels",
                    r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
                ),
                (
                    "xl/worksheets/sheet1.xml",
                    r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="ABCDEFGHIJKLMNOPQRSTUVWXYZ1" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>"#,
                ),
            ] {
                zip.start_file(name, o).unwrap();
                zip.write_all(body.as_bytes()).unwrap();
            }
            zip.finish().unwrap();
        }
        let result = parse(buf.get_ref());
        assert!(result.is_err(), "{result:?}");
        // Only builds with overflow checks panic; release builds wrap and fail further on.
        if cfg!(debug_assertions) {
            assert_eq!(
                result,
                Err(ImportError::NotXlsx(
                    "the workbook is damaged (its XML could not be read)".into()
                ))
            );
        }
    }

    #[test]
    fn cell_names() {
        assert_eq!(cell_name(6, 2), "C7");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(16_383), "XFD");
    }
}

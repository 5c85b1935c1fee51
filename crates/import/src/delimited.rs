//! CSV (and its semicolon- and tab-separated cousins) in any of the encodings lists arrive in.

use crate::text::{self, TextError};
use crate::{ImportError, Limits, Parsed, Row, Table, clean_headers, hxl};

pub(crate) fn read(bytes: &[u8], limits: &Limits) -> Result<Parsed, ImportError> {
    if let Some(what) = text::describe(text::sniff(bytes)) {
        return Err(ImportError::NotCsv(format!("this file is {what}, not CSV")));
    }
    let decoded = text::decode(bytes).map_err(|e| match e {
        TextError::Binary(why) => ImportError::NotCsv(why),
        TextError::Encoding(e) => e,
    })?;
    let text = decoded.text.as_str();
    if text.trim().is_empty() {
        return Err(ImportError::EmptyFile);
    }
    if looks_like_json(text) {
        return Err(ImportError::NotCsv("this file is JSON, not CSV".to_owned()));
    }

    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(text))
        .has_headers(false)
        // Ragged rows are checked here, to name the line in our own words.
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut headers: Option<Vec<String>> = None;
    let mut hxl_row: Option<Vec<String>> = None;
    let mut rows: Vec<Row> = Vec::new();
    // (line, start byte, end byte) of the last record read, blank or not.
    let mut last = (0, 0, 0);
    // csv's own line count slips on CRLF; lines are counted here from byte offsets.
    let mut counted = (0usize, 1usize);
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                return Err(ImportError::NotCsv(format!("line {line}: {e}")));
            }
        }
        let mut start = record.position().map_or(0, |p| p.byte() as usize);
        // A record never starts with a line end; after CRLF the offset may point at the LF.
        while matches!(text.as_bytes().get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        let end = reader.position().byte() as usize;
        let line = counted.1 + text::line_breaks(text.as_bytes(), counted.0, start);
        counted = (start, line);
        last = (line, start, end);
        // Rows of nothing (",,,," that spreadsheets leave at the end) carry no one.
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cells: Vec<String> = record.iter().map(str::to_owned).collect();
        let Some(header) = &headers else {
            if cells.len() > limits.max_columns {
                return Err(ImportError::TooManyColumns {
                    found: cells.len(),
                    limit: limits.max_columns,
                });
            }
            if hxl::is_hashtag_row(&cells) {
                hxl_row = Some(cells.iter().map(|c| c.trim().to_owned()).collect());
            }
            headers = Some(clean_headers(cells, |i| format!("(column {})", i + 1)));
            continue;
        };
        if cells.len() != header.len() {
            if unclosed_quote(text, start, end) {
                return Err(ImportError::UnclosedQuote { line });
            }
            return Err(ImportError::RaggedRow {
                line,
                expected: header.len(),
                found: cells.len(),
            });
        }
        if hxl_row.is_none() && rows.is_empty() && hxl::is_hashtag_row(&cells) {
            hxl_row = Some(cells.iter().map(|c| c.trim().to_owned()).collect());
            continue;
        }
        if rows.len() >= limits.max_rows {
            return Err(ImportError::TooManyRows {
                limit: limits.max_rows,
            });
        }
        rows.push(Row {
            number: line,
            cells,
        });
    }
    let Some(headers) = headers else {
        return Err(ImportError::NoHeader);
    };
    if unclosed_quote(text, last.1, last.2) {
        return Err(ImportError::UnclosedQuote { line: last.0 });
    }
    Ok(Parsed {
        table: Table {
            headers,
            rows,
            encoding: decoded.encoding,
            hxl: hxl_row,
            sheet: None,
        },
        problems: Vec::new(),
    })
}

/// A record whose quoted field never closed runs to the end of the file: it spans lines and
/// holds an odd number of quotes (well-formed quoting always pairs them).
fn unclosed_quote(text: &str, start: usize, end: usize) -> bool {
    let Some(raw) = text.get(start..end) else {
        return false;
    };
    end >= text.len()
        && raw.trim_end().contains(['\n', '\r'])
        && raw.bytes().filter(|&b| b == b'"').count() % 2 == 1
}

/// The separator the header line uses most, outside quotes: `,` `;` (Excel where the decimal
/// mark is a comma) or tab. On a tie, tab then semicolon win: header texts hold commas more
/// often than either. Blank lines above the header (or lines of separators only) are passed
/// over: guessing from them would read a whole semicolon file as one column.
fn sniff_delimiter(text: &str) -> u8 {
    let blank = |line: &str| {
        line.chars()
            .all(|c| c.is_whitespace() || matches!(c, ',' | ';' | '\t'))
    };
    let mut offset = 0;
    for line in text.split_inclusive(['\n', '\r']) {
        if !blank(line) {
            break;
        }
        offset += line.len();
    }
    let (mut comma, mut semi, mut tab) = (0usize, 0usize, 0usize);
    let mut quoted = false;
    for b in text[offset..].bytes() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            b',' if !quoted => comma += 1,
            b';' if !quoted => semi += 1,
            b'\t' if !quoted => tab += 1,
            _ => {}
        }
    }
    if tab > 0 && tab >= semi && tab >= comma {
        b'\t'
    } else if semi > 0 && semi >= comma {
        b';'
    } else {
        b','
    }
}

fn looks_like_json(text: &str) -> bool {
    matches!(text.trim_start().chars().next(), Some('[' | '{'))
        && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Format, read_table};
    use encoding_rs::WINDOWS_1256;

    fn parse(bytes: &[u8]) -> Result<Parsed, ImportError> {
        read_table(bytes, Format::Csv, &Limits::default())
    }

    fn cells(p: &Parsed) -> Vec<(usize, Vec<&str>)> {
        p.table
            .rows
            .iter()
            .map(|r| (r.number, r.cells.iter().map(String::as_str).collect()))
            .collect()
    }

    #[test]
    fn reads_a_plain_csv() {
        let p = parse(b"record_id,full_name\n1,Ahmad Karimi\r\n2,Zahra\n").unwrap();
        assert_eq!(p.table.headers, ["record_id", "full_name"]);
        assert_eq!(
            cells(&p),
            [(2, vec!["1", "Ahmad Karimi"]), (3, vec!["2", "Zahra"])]
        );
        assert_eq!(p.table.encoding, "UTF-8");
        assert!(p.problems.is_empty());
    }

    #[test]
    fn every_encoding() {
        // Arabic yeh (ي): Windows-1256 has no Persian yeh (ی), and old Dari exports use it.
        let csv = "نام,تخلص,ولايت\nاحمد,کريمي,کابل\nزهرا,احمدي,هرات\n";
        let expect = [
            (2, vec!["احمد", "کريمي", "کابل"]),
            (3, vec!["زهرا", "احمدي", "هرات"]),
        ];
        let mut bom8 = b"\xEF\xBB\xBF".to_vec();
        bom8.extend_from_slice(csv.as_bytes());
        // encoding_rs only decodes UTF-16 (the WHATWG standard never encodes it): by hand.
        let utf16 = |le: bool, bom: bool| {
            let mut out: Vec<u8> = Vec::new();
            if bom {
                out.extend_from_slice(if le { b"\xFF\xFE" } else { b"\xFE\xFF" });
            }
            for u in csv.encode_utf16() {
                out.extend_from_slice(&if le { u.to_le_bytes() } else { u.to_be_bytes() });
            }
            out
        };
        let (cp1256, _, unmappable) = WINDOWS_1256.encode(csv);
        assert!(!unmappable);
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (csv.as_bytes().to_vec(), "UTF-8"),
            (bom8, "UTF-8 with BOM"),
            (utf16(true, true), "UTF-16LE"),
            (utf16(false, true), "UTF-16BE"),
            (utf16(true, false), "UTF-16LE"),
            (utf16(false, false), "UTF-16BE"),
            (cp1256.into_owned(), "windows-1256"),
        ];
        for (bytes, encoding) in cases {
            let p = parse(&bytes).unwrap();
            assert_eq!(p.table.encoding, encoding);
            assert_eq!(p.table.headers, ["نام", "تخلص", "ولايت"], "{encoding}");
            assert_eq!(cells(&p), expect, "{encoding}");
        }
    }

    #[test]
    fn sniffs_the_delimiter() {
        for (sep, data) in [
            (b',', "a,b,c;d\n1,2,3;4\n"),
            (b';', "a;b,c\n1;2,3\n"),
            (b';', "Name;Phone;\"Town, Province\"\nA;1;K\n"),
            (b'\t', "Name\tPhone, mobile\tCity\nA\t1\tK\n"),
        ] {
            assert_eq!(sniff_delimiter(data), sep, "{data}");
            let p = parse(data.as_bytes()).unwrap();
            assert_eq!(p.table.rows[0].cells.len(), p.table.headers.len());
        }
        let p = parse("Name;Phone;\"Town, Province\"\nA;1;K\n".as_bytes()).unwrap();
        assert_eq!(p.table.headers, ["Name", "Phone", "Town, Province"]);
        assert_eq!(sniff_delimiter("name\nx\n"), b',');
        assert_eq!(sniff_delimiter("\r\n;;\n\na;b\n1;2\n"), b';');
        let p = parse(b"\n;;\na;b\n1;2\n").unwrap();
        assert_eq!(p.table.headers, ["a", "b"]);
    }

    #[test]
    fn quoted_newlines_keep_line_numbers() {
        let data = "id,name,address\n1,\"Ahmad\",\"House 4\nStreet 2\r\nKabul\"\n2,Zahra,\"Herat\"\n\n3,\"Ali \"\"the\"\" elder\",x\n";
        let p = parse(data.as_bytes()).unwrap();
        assert_eq!(
            cells(&p),
            [
                (2, vec!["1", "Ahmad", "House 4\nStreet 2\r\nKabul"]),
                (5, vec!["2", "Zahra", "Herat"]),
                (7, vec!["3", "Ali \"the\" elder", "x"]),
            ]
        );
    }

    #[test]
    fn old_mac_line_ends() {
        let p = parse(b"id,name\r1,A\r2,\"B\rb\"\r3,C\r").unwrap();
        assert_eq!(
            cells(&p),
            [
                (2, vec!["1", "A"]),
                (3, vec!["2", "B\rb"]),
                (5, vec!["3", "C"])
            ]
        );
    }

    #[test]
    fn ragged_row_fails_the_file_naming_the_line() {
        let data = "id,name,phone\n1,A,070\n2,\"B\nb\",071\n3,C\n4,D,072\n";
        assert_eq!(
            parse(data.as_bytes()),
            Err(ImportError::RaggedRow {
                line: 5,
                expected: 3,
                found: 2
            })
        );
        let data = "id,name\n1,A,extra\n";
        assert_eq!(
            parse(data.as_bytes()),
            Err(ImportError::RaggedRow {
                line: 2,
                expected: 2,
                found: 3
            })
        );
    }

    #[test]
    fn unclosed_quote_is_named() {
        let data = "id,name\n1,A\n2,\"B\n3,C\n";
        assert_eq!(
            parse(data.as_bytes()),
            Err(ImportError::UnclosedQuote { line: 3 })
        );
        // A lone inch mark inside an unquoted field is not a quote.
        let p = parse(b"id,height\n1,5'10\"\n2,6'\n").unwrap();
        assert_eq!(p.table.rows[0].cells[1], "5'10\"");
    }

    #[test]
    fn blank_rows_skipped_and_blank_headers_named() {
        let p = parse(b"\n,,\nid,,name\n1,,A\n,,\n \n2,x,B\n,,\n").unwrap();
        assert_eq!(p.table.headers, ["id", "(column 2)", "name"]);
        assert_eq!(
            cells(&p),
            [(4, vec!["1", "", "A"]), (7, vec!["2", "x", "B"])]
        );
    }

    #[test]
    fn hxl_row_is_consumed() {
        let p = parse(b"Name,Phone\n#affected+name,#contact+phone\nA,070\n").unwrap();
        assert_eq!(
            p.table.hxl.as_deref(),
            Some(&["#affected+name".to_owned(), "#contact+phone".to_owned()][..])
        );
        assert_eq!(cells(&p), [(3, vec!["A", "070"])]);
        // A hashtag row as the header itself.
        let p = parse(b"#affected+name,#contact+phone\nA,070\n").unwrap();
        assert!(p.table.hxl.is_some());
        assert_eq!(p.table.headers, ["#affected+name", "#contact+phone"]);
        assert_eq!(p.table.rows.len(), 1);
    }

    #[test]
    fn not_csv() {
        let e = parse(b"PK\x03\x04\x14\x00\x00\x00rest of a zip").unwrap_err();
        assert_eq!(
            e,
            ImportError::NotCsv("this file is an XLSX/ZIP, not CSV".into())
        );
        assert!(e.to_string().contains("this file is an XLSX/ZIP, not CSV"));
        assert!(matches!(
            parse(b"name\nA\x00\x01\x02\x03B\n"),
            Err(ImportError::NotCsv(_))
        ));
        assert!(matches!(
            parse(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00"),
            Err(ImportError::NotCsv(m)) if m.contains(".xls")
        ));
        assert_eq!(
            parse(b"[{\"a\": 1}]"),
            Err(ImportError::NotCsv("this file is JSON, not CSV".into()))
        );
    }

    #[test]
    fn header_only_and_bom_only() {
        let p = parse(b"id,name\n").unwrap();
        assert_eq!(p.table.rows.len(), 0);
        assert_eq!(parse(b"\xEF\xBB\xBF"), Err(ImportError::EmptyFile));
        assert_eq!(parse(b",,,\n,,\n"), Err(ImportError::NoHeader));
    }

    #[test]
    fn limits() {
        let limits = Limits {
            max_rows: 2,
            max_columns: 3,
            ..Limits::default()
        };
        assert!(read_table(b"a,b,c\n1,2,3\n4,5,6\n", Format::Csv, &limits).is_ok());
        assert_eq!(
            read_table(b"a,b,c\n1,2,3\n4,5,6\n7,8,9\n", Format::Csv, &limits),
            Err(ImportError::TooManyRows { limit: 2 })
        );
        assert_eq!(
            read_table(b"a,b,c,d\n", Format::Csv, &limits),
            Err(ImportError::TooManyColumns { found: 4, limit: 3 })
        );
    }
}

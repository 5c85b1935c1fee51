//! Workbooks: raw bytes starting with "PK" are read as they are; anything else is taken as the
//! first worksheet's XML and wrapped in an otherwise valid workbook, so that the fuzzer reaches
//! the cell reader instead of stopping at the ZIP layer.
#![no_main]

use std::io::{Cursor, Write};
use std::panic;
use std::sync::Once;

use drawdown_import::{Format, ImportError, Limits, read_table};
use libfuzzer_sys::fuzz_target;
use zip::write::SimpleFileOptions;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;
const SHARED_STRINGS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="3" uniqueCount="3"><si><t>Name</t></si><si><t>Phone</t></si><si><t>#affected+name</t></si></sst>"#;

fn wrap(sheet: &[u8]) -> Option<Vec<u8>> {
    let mut buf = Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buf);
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, body) in [
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", RELS.as_bytes()),
        ("xl/workbook.xml", WORKBOOK.as_bytes()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
        ("xl/sharedStrings.xml", SHARED_STRINGS.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet),
    ] {
        zip.start_file(name, stored).ok()?;
        zip.write_all(body).ok()?;
    }
    zip.finish().ok()?;
    Some(buf.into_inner())
}

static HOOK: Once = Once::new();

fuzz_target!(|data: &[u8]| {
    // libfuzzer-sys aborts on every panic, even one read_table catches. Calamine's panics are
    // caught and turned into errors by design (see `guarded` in src/xlsx.rs), so they are let
    // through quietly; any other panic still reaches libfuzzer-sys's abort and is a crash.
    HOOK.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let in_calamine = info
                .location()
                .is_some_and(|l| l.file().contains("/calamine-"));
            if !in_calamine {
                default(info);
                std::process::abort();
            }
        }));
    });
    let limits = Limits {
        max_rows: 10_000,
        max_columns: 64,
        max_unpacked_bytes: 16 << 20,
        ..Limits::default()
    };
    let bytes = if data.starts_with(b"PK") {
        data.to_vec()
    } else {
        match wrap(data) {
            Some(b) => b,
            None => return,
        }
    };
    match read_table(&bytes, Format::Xlsx, &limits) {
        Ok(parsed) => {
            let table = &parsed.table;
            assert!(!table.headers.is_empty());
            assert!(table.headers.len() <= limits.max_columns);
            for row in &table.rows {
                assert_eq!(row.cells.len(), table.headers.len());
            }
        }
        Err(ImportError::Formula { cell, .. }) => assert!(!cell.is_empty()),
        Err(_) => {}
    }
});

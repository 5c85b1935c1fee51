//! Header suggestion and mapping over arbitrary text: lines are rows, tabs separate cells; the
//! first line is the header, a second line of hashtags is the HXL row.
#![no_main]

use drawdown_import::{Row, Table, apply_mapping, suggest_mapping};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let headers: Vec<String> = match lines.next() {
        Some(h) => h.split('\t').map(str::to_owned).take(64).collect(),
        None => return,
    };
    let mut hxl = None;
    let mut rows = Vec::new();
    for (i, line) in lines.enumerate() {
        let mut cells: Vec<String> = line.split('\t').map(str::to_owned).collect();
        cells.resize(headers.len(), String::new());
        if i == 0 && line.starts_with('#') {
            hxl = Some(cells);
            continue;
        }
        rows.push(Row {
            number: i + 2,
            cells,
        });
    }
    let (mapping, suggestions) = suggest_mapping(&headers, hxl.as_deref());
    assert_eq!(mapping.columns.len(), headers.len());
    assert_eq!(suggestions.len(), headers.len());
    // Two columns never get the same target.
    assert!(mapping.repeated().is_empty());
    for (s, t) in suggestions.iter().zip(&mapping.columns) {
        assert_eq!(s.target, *t);
        assert!((0.0..=1.0).contains(&s.confidence));
    }
    let table = Table {
        headers,
        rows,
        encoding: "UTF-8",
        hxl,
        sheet: None,
    };
    let (mapped, problems) = apply_mapping(&table, &mapping);
    assert!(mapped.len() + problems.len() >= mapped.len());
    for m in &mapped {
        assert!(m.values.iter().all(|(_, v)| !v.is_empty() && v.trim() == v));
        assert!(m.values.iter().any(|(t, _)| t.is_name()));
    }
});

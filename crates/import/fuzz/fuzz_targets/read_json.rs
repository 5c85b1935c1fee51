//! Any bytes claimed to be JSON: an error or a well-formed table, never a panic.
#![no_main]

use drawdown_import::{Format, Limits, read_table};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_rows: 10_000,
        max_columns: 64,
        ..Limits::default()
    };
    if let Ok(parsed) = read_table(data, Format::Json, &limits) {
        let table = &parsed.table;
        assert!(!table.headers.is_empty());
        assert!(table.headers.len() <= limits.max_columns);
        let mut previous = 0;
        for row in &table.rows {
            assert_eq!(row.cells.len(), table.headers.len());
            assert!(row.number > previous);
            previous = row.number;
        }
    }
});

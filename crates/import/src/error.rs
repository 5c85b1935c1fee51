/// Why a whole file was refused. Each names what is wrong and, where it can, where (line, row,
/// cell), so a registrar can fix the file and try again; nothing of a refused file is kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("the file is {} and the limit is {}", mib(*.size as u64), mib(*.limit as u64))]
    TooLarge { size: usize, limit: usize },
    /// A small XLSX can unpack to gigabytes (a "ZIP bomb"); refused before unpacking.
    #[error("the workbook unpacks to {} and the limit is {}", mib(*.size), mib(*.limit))]
    TooLargeUnpacked { size: u64, limit: u64 },
    #[error("not a CSV file: {0}")]
    NotCsv(String),
    #[error("not an XLSX workbook: {0}")]
    NotXlsx(String),
    #[error("not a usable JSON file: {reason} (line {line}, column {column})")]
    NotJson {
        line: usize,
        column: usize,
        reason: String,
    },
    #[error(
        "line {line} is not valid {encoding}{}; save the file again as UTF-8",
        .detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default()
    )]
    Encoding {
        encoding: &'static str,
        line: usize,
        detail: Option<String>,
    },
    #[error(
        "line {line} has {found} column{} but the header has {expected}; nothing was imported",
        if *.found == 1 { "" } else { "s" }
    )]
    RaggedRow {
        line: usize,
        expected: usize,
        found: usize,
    },
    #[error("line {line}: a quoted field is never closed (the rest of the file was read into it)")]
    UnclosedQuote { line: usize },
    #[error(
        "cell {sheet}!{cell} holds a formula; formulas are refused because their values can be stale: copy the sheet and paste values only"
    )]
    Formula { sheet: String, cell: String },
    #[error("the file is empty")]
    EmptyFile,
    #[error("the file has no header row (every cell of its first row is empty)")]
    NoHeader,
    #[error("the file has more than {limit} rows")]
    TooManyRows { limit: usize },
    #[error("the file has {found} columns and the limit is {limit}")]
    TooManyColumns { found: usize, limit: usize },
}

fn mib(bytes: u64) -> String {
    const MIB: u64 = 1 << 20;
    if bytes >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_place() {
        let e = ImportError::RaggedRow {
            line: 7,
            expected: 5,
            found: 4,
        };
        assert_eq!(
            e.to_string(),
            "line 7 has 4 columns but the header has 5; nothing was imported"
        );
        let e = ImportError::Formula {
            sheet: "Sheet1".into(),
            cell: "C7".into(),
        };
        assert!(e.to_string().starts_with("cell Sheet1!C7 holds a formula"));
        let e = ImportError::TooLarge {
            size: 2 << 30,
            limit: 256 << 20,
        };
        assert_eq!(
            e.to_string(),
            "the file is 2048.0 MiB and the limit is 256.0 MiB"
        );
    }
}

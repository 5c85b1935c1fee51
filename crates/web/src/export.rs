//! CSV exports that are safe to open in a spreadsheet.
//!
//! Every cell goes through [`csv_cell`]: a value a spreadsheet would evaluate as a formula
//! (starting with `=`, `+`, `-`, `@`, tab or carriage return: "formula injection", e.g. a
//! registrant who types `=HYPERLINK(...)` as a name) is prefixed with an apostrophe, and the
//! cell is quoted when it holds a comma, a quote or a line break. Build a whole file with
//! [`csv`] and send it with [`csv_download`]; audit the export (an `AuditEvent`) in the handler.
//!
//! ```
//! use drawdown_web::export;
//! let rows = vec![vec!["Ahmad, Zia".to_string(), "=1+1".to_string()]];
//! assert_eq!(export::csv(&["name", "note"], &rows), "name,note\n\"Ahmad, Zia\",'=1+1\n");
//! ```

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// One cell, neutralised against formula injection and quoted as CSV needs.
pub fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// One CSV line (with its `\n`), every cell through [`csv_cell`].
pub fn csv_row<C: AsRef<str>>(cells: impl IntoIterator<Item = C>) -> String {
    let mut out = String::new();
    for (i, c) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&csv_cell(c.as_ref()));
    }
    out.push('\n');
    out
}

/// A whole CSV document: a header line, then one line per row, every cell neutralised.
pub fn csv<R, C>(headers: &[&str], rows: impl IntoIterator<Item = R>) -> String
where
    R: IntoIterator<Item = C>,
    C: AsRef<str>,
{
    let mut out = csv_row(headers);
    for row in rows {
        out.push_str(&csv_row(row));
    }
    out
}

/// The response for a CSV download named `filename` (anything but letters, digits, `.`, `-`
/// and `_` in the name becomes `_`).
pub fn csv_download(filename: &str, body: String) -> Response {
    let safe: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{safe}\""),
            ),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        for f in [
            "=1+1",
            "+1",
            "-2+3+cmd|' /C calc'!A0",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            let c = csv_cell(f);
            let unquoted = c.trim_start_matches('"');
            assert!(unquoted.starts_with('\''), "{f:?} -> {c:?}");
        }
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("احمد"), "احمد");
    }

    #[test]
    fn quoting_holds() {
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_cell("=a,b"), "\"'=a,b\"");
    }

    #[test]
    fn whole_documents() {
        let rows = [["1", "=x"], ["2", "y,z"]];
        assert_eq!(csv(&["n", "v"], rows), "n,v\n1,'=x\n2,\"y,z\"\n");
        let none: [[&str; 2]; 0] = [];
        assert_eq!(csv(&["n", "v"], none), "n,v\n");
    }

    #[test]
    fn download_names_are_safe() {
        let r = csv_download("manifest \"KBL\"/01.csv", "a\n".into());
        let cd = r.headers().get(header::CONTENT_DISPOSITION).unwrap();
        assert_eq!(cd, "attachment; filename=\"manifest__KBL__01.csv\"");
        assert_eq!(
            r.headers().get(header::CONTENT_TYPE).unwrap(),
            "text/csv; charset=utf-8"
        );
    }
}

//! Applying a mapping: each row's values for the registry, and what can be checked without the
//! resolution engine (dates that do not exist, emails without @, repeated record ids, rows with
//! no name).

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Serialize;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use crate::{Effect, Mapping, RowProblem, Table, Target};

/// One row's values, in column order: trimmed, Unicode NFC, empty values left out. Dates of
/// birth are rewritten as `YYYY-MM-DD` or `YYYY` (Solar Hijri dates keep their Solar Hijri
/// year, month and day: the engine converts them). A target fed by several columns (a
/// corrected mapping may do that) has one value per column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MappedRow {
    /// The row's number in the file ([`crate::Row::number`]).
    pub row: usize,
    pub values: Vec<(Target, String)>,
}

impl MappedRow {
    /// The first value for `target`.
    pub fn get(&self, target: Target) -> Option<&str> {
        self.values
            .iter()
            .find(|(t, _)| *t == target)
            .map(|(_, v)| v.as_str())
    }
}

/// Applies a mapping to every row. A value that fails its check is dropped from its row; a row
/// whose record id repeats an earlier row's, or that has no name at all, is left out. Each is a
/// [`RowProblem`] naming the row (and the column, by its header).
pub fn apply_mapping(table: &Table, mapping: &Mapping) -> (Vec<MappedRow>, Vec<RowProblem>) {
    let mut out = Vec::with_capacity(table.rows.len());
    let mut problems = Vec::new();
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    let header = |i: usize| table.headers.get(i).cloned();
    let has_name_column = mapping.columns.iter().flatten().any(|t| t.is_name());

    for row in &table.rows {
        let mut values = Vec::new();
        let mut row_problems = Vec::new();
        for (i, target) in mapping.columns.iter().enumerate() {
            let (Some(target), Some(raw)) = (target, row.cells.get(i)) else {
                continue;
            };
            let value = nfc(raw.trim());
            if value.is_empty() {
                continue;
            }
            match check(*target, value) {
                Ok(v) => values.push((*target, v)),
                Err(reason) => row_problems.push(RowProblem {
                    row: row.number,
                    column: header(i),
                    reason,
                    effect: Effect::ValueDropped,
                }),
            }
        }

        let mut skip: Option<RowProblem> = None;
        if let Some(i) = mapping.column_of(Target::RecordId) {
            let id = values
                .iter()
                .find(|(t, _)| *t == Target::RecordId)
                .map(|(_, v)| v.clone());
            if let Some(id) = id {
                if let Some(&first) = first_seen.get(&id) {
                    skip = Some(RowProblem {
                        row: row.number,
                        column: header(i),
                        reason: format!("duplicate record_id {id} (first at row {first})"),
                        effect: Effect::RowSkipped,
                    });
                } else {
                    first_seen.insert(id, row.number);
                }
            }
        }
        if skip.is_none() && !values.iter().any(|(t, _)| t.is_name()) {
            let reason = if has_name_column {
                "no name: full_name, given_name and family_name are all empty"
            } else {
                "no name: no column is mapped to full_name, given_name or family_name"
            };
            skip = Some(RowProblem {
                row: row.number,
                column: None,
                reason: reason.to_owned(),
                effect: Effect::RowSkipped,
            });
        }

        problems.extend(row_problems);
        match skip {
            Some(p) => problems.push(p),
            None => out.push(MappedRow {
                row: row.number,
                values,
            }),
        }
    }
    (out, problems)
}

/// NFC, skipping the (slow) normaliser for text already in NFC, which is nearly all of it.
fn nfc(s: &str) -> String {
    if s.is_ascii() || is_nfc_quick(s.chars()) == IsNormalized::Yes {
        s.to_owned()
    } else {
        s.nfc().collect()
    }
}

/// The value as the registry takes it, or why it cannot be taken.
fn check(target: Target, value: String) -> Result<String, String> {
    match target {
        Target::DateOfBirth => parse_date(&value)
            .map(|d| d.to_string())
            .map_err(|why| format!("date_of_birth '{value}': {why}")),
        Target::Email => {
            let ok = value.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.is_empty()
                    && !domain.contains('@')
                    && !value.chars().any(char::is_whitespace)
            });
            if ok {
                Ok(value)
            } else {
                Err(format!(
                    "email '{value}' is not an email address (it needs one @)"
                ))
            }
        }
        Target::Phone if !value.chars().any(|c| c.is_numeric()) => {
            Err(format!("phone '{value}' has no digits"))
        }
        _ => Ok(value),
    }
}

/// A date of birth as far as the file gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BirthDate {
    Year(u16),
    Full { year: u16, month: u8, day: u8 },
}

impl std::fmt::Display for BirthDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            BirthDate::Year(y) => write!(f, "{y:04}"),
            BirthDate::Full { year, month, day } => write!(f, "{year:04}-{month:02}-{day:02}"),
        }
    }
}

const ACCEPTED: &str = "expected YYYY-MM-DD, YYYY, DD/MM/YYYY, DD.MM.YYYY or '21 Mar 1985'";

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Parses YYYY-MM-DD (also with / or .), DD/MM/YYYY, DD.MM.YYYY, DD-MM-YYYY, YYYY, MM/YYYY
/// (kept as the year), and dates with an English month name ("21 Mar 1985", "March 21, 1985").
/// A year from 1300 to 1410 is Solar Hijri, as on Afghan documents: its months have 31 days
/// (1–6), 30 (7–11) or up to 30 (12); only those ranges are checked, the engine converts.
/// A time after the date ("1985-03-21T00:00:00", "1985-03-21 00:00") is ignored.
pub(crate) fn parse_date(raw: &str) -> Result<BirthDate, String> {
    let raw = raw.trim();
    let s: Cow<str> = if raw.is_ascii() {
        Cow::Borrowed(raw)
    } else {
        Cow::Owned(
            raw.chars()
                .map(|c| match c {
                    '٠'..='٩' => char::from(b'0' + (c as u32 - '٠' as u32) as u8),
                    '۰'..='۹' => char::from(b'0' + (c as u32 - '۰' as u32) as u8),
                    c => c,
                })
                .collect(),
        )
    };
    let date_part = strip_time(&s);
    // At most four parts are looked at (more is not a date): no allocation per value.
    let mut found = [""; 4];
    let mut count = 0;
    for p in date_part
        .split(['-', '/', '.', ' ', ','])
        .filter(|p| !p.is_empty())
    {
        if count == found.len() {
            count += 1;
            break;
        }
        found[count] = p;
        count += 1;
    }
    let parts = &found[..count.min(found.len())];
    let parts = if count > found.len() {
        &found[..0]
    } else {
        parts
    };
    let number = |p: &str| -> Option<u32> {
        if !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()) {
            p.parse().ok()
        } else {
            None
        }
    };
    let month_name = |p: &str| -> Option<u32> {
        if p.len() < 3 || !p.bytes().all(|b| b.is_ascii_alphabetic()) {
            return None;
        }
        let p = p.to_ascii_lowercase();
        MONTHS
            .iter()
            .position(|m| p.starts_with(m) && full_month(m).starts_with(&p))
            .map(|i| i as u32 + 1)
    };
    let (year, month, day) = match parts {
        [y] if y.len() == 4 => (
            number(y).ok_or_else(|| format!("not a date; {ACCEPTED}"))?,
            None,
            None,
        ),
        [a, b] if b.len() == 4 => {
            let (m, y) = (number(a), number(b));
            match (m, y) {
                (Some(m), Some(y)) => (y, Some(m), None),
                _ => match (month_name(a), y) {
                    (Some(m), Some(y)) => (y, Some(m), None),
                    _ => return Err(format!("not a date; {ACCEPTED}")),
                },
            }
        }
        [a, b] if a.len() == 4 => match (number(a), number(b)) {
            (Some(y), Some(m)) => (y, Some(m), None),
            _ => return Err(format!("not a date; {ACCEPTED}")),
        },
        [a, b, c] => {
            if let Some(m) = month_name(b) {
                // 21 Mar 1985
                match (number(a), number(c)) {
                    (Some(d), Some(y)) if c.len() == 4 => (y, Some(m), Some(d)),
                    _ => return Err(format!("not a date; {ACCEPTED}")),
                }
            } else if let Some(m) = month_name(a) {
                // March 21, 1985
                match (number(b), number(c)) {
                    (Some(d), Some(y)) if c.len() == 4 => (y, Some(m), Some(d)),
                    _ => return Err(format!("not a date; {ACCEPTED}")),
                }
            } else {
                match (number(a), number(b), number(c)) {
                    (Some(y), Some(m), Some(d)) if a.len() == 4 => (y, Some(m), Some(d)),
                    (Some(d), Some(m), Some(y)) if c.len() == 4 => (y, Some(m), Some(d)),
                    (Some(_), Some(_), Some(_)) if c.len() == 2 => {
                        return Err(format!(
                            "a two-digit year is ambiguous; write the year in full ({ACCEPTED})"
                        ));
                    }
                    _ => return Err(format!("not a date; {ACCEPTED}")),
                }
            }
        }
        _ => return Err(format!("not a date; {ACCEPTED}")),
    };
    let solar_hijri = (1300..=1410).contains(&year);
    if !solar_hijri && !(1850..=2100).contains(&year) {
        return Err(format!(
            "year {year} is neither a Solar Hijri year (1300–1410) nor a plausible Gregorian one"
        ));
    }
    let year = year as u16;
    let Some(month) = month else {
        return Ok(BirthDate::Year(year));
    };
    if !(1..=12).contains(&month) {
        return Err(format!("month {month} does not exist"));
    }
    let month = month as u8;
    let Some(day) = day else {
        // Month and year only: the engine uses the year.
        return Ok(BirthDate::Year(year));
    };
    if day == 0 {
        return Err("day 0 does not exist".to_owned());
    }
    let max = if solar_hijri {
        match month {
            1..=6 => 31,
            7..=11 => 30,
            _ => 30,
        }
    } else {
        days_in_gregorian_month(year, month)
    };
    if day > u32::from(max) {
        let calendar = if solar_hijri { "Solar Hijri " } else { "" };
        return Err(format!(
            "day {day} does not exist in {calendar}month {month} of {year}"
        ));
    }
    Ok(BirthDate::Full {
        year,
        month,
        day: day as u8,
    })
}

fn full_month(abbrev: &str) -> &'static str {
    match abbrev {
        "jan" => "january",
        "feb" => "february",
        "mar" => "march",
        "apr" => "april",
        "may" => "may",
        "jun" => "june",
        "jul" => "july",
        "aug" => "august",
        "sep" => "september",
        "oct" => "october",
        "nov" => "november",
        _ => "december",
    }
}

/// "1985-03-21T10:00:00" or "1985-03-21 00:00" → "1985-03-21".
fn strip_time(s: &str) -> &str {
    for sep in ['T', ' '] {
        if let Some((date, time)) = s.rsplit_once(sep) {
            let t = time.trim_end_matches('Z');
            let looks_like_time = t.contains(':')
                && t.chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, ':' | '.' | '+' | '-'));
            if looks_like_time {
                return date.trim();
            }
        }
    }
    s
}

fn days_in_gregorian_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Row;

    fn table(headers: &[&str], rows: &[&[&str]]) -> Table {
        Table {
            headers: headers.iter().map(|s| s.to_string()).collect(),
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, r)| Row {
                    number: i + 2,
                    cells: r.iter().map(|s| s.to_string()).collect(),
                })
                .collect(),
            encoding: "UTF-8",
            hxl: None,
            sheet: None,
        }
    }

    fn date(s: &str) -> Result<String, String> {
        parse_date(s).map(|d| d.to_string())
    }

    #[test]
    fn dates_accepted() {
        for (raw, iso) in [
            ("1985-03-21", "1985-03-21"),
            ("1985", "1985"),
            ("21/03/1985", "1985-03-21"),
            ("21.3.1985", "1985-03-21"),
            ("1-3-1985", "1985-03-01"),
            ("1985/3/21", "1985-03-21"),
            ("2000-02-29", "2000-02-29"),
            ("1364-12-30", "1364-12-30"),
            ("1364/06/31", "1364-06-31"),
            ("۱۳۶۴/۰۶/۳۱", "1364-06-31"),
            ("21 Mar 1985", "1985-03-21"),
            ("March 21, 1985", "1985-03-21"),
            ("21-mar-1985", "1985-03-21"),
            ("03/1985", "1985"),
            ("1985-03-21T00:00:00", "1985-03-21"),
            ("1985-03-21 10:30", "1985-03-21"),
        ] {
            assert_eq!(date(raw).as_deref(), Ok(iso), "{raw}");
        }
    }

    #[test]
    fn dates_that_do_not_exist() {
        for (raw, why) in [
            ("2021-02-30", "day 30 does not exist in month 2 of 2021"),
            ("1900-02-29", "day 29 does not exist in month 2 of 1900"),
            ("2021-13-01", "month 13 does not exist"),
            ("31/04/1990", "day 31 does not exist in month 4 of 1990"),
            (
                "1364-07-31",
                "day 31 does not exist in Solar Hijri month 7 of 1364",
            ),
            (
                "1364-12-31",
                "day 31 does not exist in Solar Hijri month 12 of 1364",
            ),
            ("0000-01-01", "year 0 is neither"),
            ("1600", "year 1600 is neither"),
            ("12/03/85", "two-digit year"),
            ("unknown", "not a date"),
            ("31122", "not a date"),
            ("12/2020/1", "not a date"),
            ("Smarch 3 1990", "not a date"),
            ("1985-03-00", "day 0 does not exist"),
            ("1985-00", "month 0 does not exist"),
        ] {
            let e = date(raw).unwrap_err();
            assert!(e.contains(why), "{raw}: {e}");
        }
    }

    #[test]
    fn values_trimmed_normalised_and_checked() {
        let t = table(
            &["ID", "Name", "DOB", "Email", "Phone"],
            &[
                &[" 1 ", " Zahra ", "2021-02-30", "zahra.example.org", "  "],
                // "e" + combining acute: NFC makes it one character.
                &["2", "Rene\u{301}", "21/03/1985", "r@example.org", "none"],
            ],
        );
        let mapping = Mapping {
            columns: vec![
                Some(Target::RecordId),
                Some(Target::FullName),
                Some(Target::DateOfBirth),
                Some(Target::Email),
                Some(Target::Phone),
            ],
        };
        let (rows, problems) = apply_mapping(&t, &mapping);
        assert_eq!(
            rows,
            [
                MappedRow {
                    row: 2,
                    values: vec![
                        (Target::RecordId, "1".into()),
                        (Target::FullName, "Zahra".into())
                    ]
                },
                MappedRow {
                    row: 3,
                    values: vec![
                        (Target::RecordId, "2".into()),
                        (Target::FullName, "Ren\u{e9}".into()),
                        (Target::DateOfBirth, "1985-03-21".into()),
                        (Target::Email, "r@example.org".into()),
                    ]
                },
            ]
        );
        let summary: Vec<(usize, Option<&str>, &str)> = problems
            .iter()
            .map(|p| (p.row, p.column.as_deref(), p.reason.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    2,
                    Some("DOB"),
                    "date_of_birth '2021-02-30': day 30 does not exist in month 2 of 2021"
                ),
                (
                    2,
                    Some("Email"),
                    "email 'zahra.example.org' is not an email address (it needs one @)"
                ),
                (3, Some("Phone"), "phone 'none' has no digits"),
            ]
        );
        assert!(problems.iter().all(|p| p.effect == Effect::ValueDropped));
        assert_eq!(rows[1].get(Target::Email), Some("r@example.org"));
    }

    #[test]
    fn duplicate_ids_and_nameless_rows_are_skipped() {
        let t = table(
            &["record_id", "given_name", "family_name", "phone"],
            &[
                &["A1", "Ahmad", "", "070"],
                &["A2", "", "", "071"],
                &["A1", "Ahmad", "Karimi", "072"],
                &["A3", "", "Ahmadi", ""],
            ],
        );
        let mapping = Mapping {
            columns: vec![
                Some(Target::RecordId),
                Some(Target::GivenName),
                Some(Target::FamilyName),
                Some(Target::Phone),
            ],
        };
        let (rows, problems) = apply_mapping(&t, &mapping);
        assert_eq!(rows.iter().map(|r| r.row).collect::<Vec<_>>(), [2, 5]);
        assert_eq!(
            problems,
            [
                RowProblem {
                    row: 3,
                    column: None,
                    reason: "no name: full_name, given_name and family_name are all empty".into(),
                    effect: Effect::RowSkipped,
                },
                RowProblem {
                    row: 4,
                    column: Some("record_id".into()),
                    reason: "duplicate record_id A1 (first at row 2)".into(),
                    effect: Effect::RowSkipped,
                },
            ]
        );
    }

    #[test]
    fn unmapped_and_short_mappings() {
        let t = table(&["a", "b"], &[&["x", "y"]]);
        let (rows, problems) = apply_mapping(&t, &Mapping::unmapped(0));
        assert!(rows.is_empty());
        assert_eq!(problems.len(), 1);
        assert!(problems[0].reason.contains("no column is mapped"));
        let long = Mapping {
            columns: vec![None, Some(Target::FullName), Some(Target::Notes)],
        };
        let (rows, _) = apply_mapping(&t, &long);
        assert_eq!(rows[0].values, [(Target::FullName, "y".to_owned())]);
    }
}

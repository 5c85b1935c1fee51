//! Normalisation of the fields that are not names: dates of birth, phones, document numbers,
//! email, sex, nationality, places, addresses.

use std::fmt;

use crate::names::canonical_words;
use crate::text::{fold, is_arabic_letter, transliterate, words};

/// A date of birth as far as the list knew it. A year alone, a 1 January (the default many
/// registrations fall back to) and a Solar Hijri year alone (which straddles two Gregorian
/// years) are not full dates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Dob {
    /// Gregorian year; 0 when absent.
    pub(crate) year: u16,
    /// 0 when only the year is known.
    pub(crate) month: u8,
    pub(crate) day: u8,
    /// The date may also fall in `year + 1` (a Solar Hijri year alone).
    pub(crate) next_year_too: bool,
    /// Written in the Solar Hijri calendar (kept for explanations).
    pub(crate) hijri: bool,
}

impl Dob {
    pub(crate) fn is_some(&self) -> bool {
        self.year != 0
    }

    pub(crate) fn is_full(&self) -> bool {
        self.month != 0
    }

    /// First and last Gregorian year the date may fall in.
    pub(crate) fn years(&self) -> (i32, i32) {
        let y = i32::from(self.year);
        (y, y + i32::from(self.next_year_too))
    }

    fn year_only(year: i32, hijri: bool) -> Option<Dob> {
        let year = u16::try_from(year).ok()?;
        Some(Dob {
            year,
            month: 0,
            day: 0,
            next_year_too: false,
            hijri,
        })
    }
}

impl fmt::Display for Dob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.is_some() {
            return f.write_str("-");
        }
        if self.is_full() {
            write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)?;
        } else if self.next_year_too {
            write!(f, "{} or {} (year only)", self.year, self.year + 1)?;
        } else {
            write!(f, "{} (year only)", self.year)?;
        }
        if self.hijri {
            f.write_str(", from Solar Hijri")?;
        }
        Ok(())
    }
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Month names of the Solar Hijri calendar, Afghan (Hamal…) and Iranian (Farvardin…).
const HIJRI_MONTHS: [(&str, &str); 12] = [
    ("hamal", "farvardin"),
    ("sawr", "ordibehesht"),
    ("jawza", "khordad"),
    ("saratan", "tir"),
    ("asad", "mordad"),
    ("sunbula", "shahrivar"),
    ("mizan", "mehr"),
    ("aqrab", "aban"),
    ("qaws", "azar"),
    ("jadi", "dey"),
    ("dalw", "bahman"),
    ("hut", "esfand"),
];

enum Part {
    Num(u32, usize),
    Month(u32),
    HijriMonth(u32),
}

/// Parses the date formats lists use: YYYY-MM-DD, YYYY alone, DD/MM/YYYY (MM/DD/YYYY when
/// the day cannot be a month), YYYYMMDD, "12 Mar 1985", with or without a time after it.
/// Years 1280–1414 are Solar Hijri (no one alive was born in those Gregorian years) and are
/// converted. A date that does not exist keeps its year.
pub(crate) fn parse_date(raw: &str, buf: &mut String) -> Option<Dob> {
    fold(raw, buf);
    let mut parts = Vec::with_capacity(3);
    for tok in date_tokens(buf) {
        if parts.len() == 3 {
            break;
        }
        if tok.bytes().all(|b| b.is_ascii_digit()) {
            parts.push(Part::Num(tok.parse().ok()?, tok.len()));
        } else if let Some(m) = month_number(tok) {
            parts.push(Part::Month(m));
        } else if let Some(m) = hijri_month_number(tok) {
            parts.push(Part::HijriMonth(m));
        } else if parts.is_empty() || tok.len() > 2 {
            // "T" of an ISO time, "th" of "12th": skip; anything else is not a date.
            if !matches!(tok, "t" | "st" | "nd" | "rd" | "th") {
                return None;
            }
        }
    }
    let mut hijri_month = false;
    let mut num = |p: &Part| -> (u32, usize) {
        match *p {
            Part::Num(v, l) => (v, l),
            Part::Month(m) => (m, 2),
            Part::HijriMonth(m) => {
                hijri_month = true;
                (m, 2)
            }
        }
    };
    let (y, m, d) = match parts.as_slice() {
        [Part::Num(v, 4)] => (*v, 0, 0),
        [Part::Num(v, 8)] => {
            let (a, b) = (*v / 10_000, *v % 10_000);
            if (1280..=2100).contains(&a) {
                (a, b / 100, b % 100)
            } else {
                (b, a % 100, a / 100)
            }
        }
        [p, q] => {
            let ((a, la), (b, lb)) = (num(p), num(q));
            if la == 4 {
                (a, 0, 0)
            } else if lb == 4 {
                (b, 0, 0)
            } else {
                return None;
            }
        }
        [p, q, r] => {
            let ((a, la), (b, _), (c, lc)) = (num(p), num(q), num(r));
            if la == 4 {
                (a, b, c)
            } else if lc == 4 || lc == 2 {
                let year = if lc == 4 {
                    c
                } else if c >= 30 {
                    1900 + c
                } else {
                    2000 + c
                };
                if matches!(p, Part::Month(_) | Part::HijriMonth(_)) {
                    (year, a, b)
                } else if matches!(q, Part::Month(_) | Part::HijriMonth(_)) || b <= 12 && a > 12 {
                    (year, b, a)
                } else if a <= 12 && b > 12 {
                    (year, a, b)
                } else {
                    (year, b, a)
                }
            } else {
                return None;
            }
        }
        _ => return None,
    };
    let year = i32::try_from(y).ok()?;
    if (1280..=1414).contains(&year) || hijri_month {
        return hijri_date(year, m, d);
    }
    if !(1880..=2100).contains(&year) {
        return None;
    }
    if m == 0 || !gregorian_valid(year, m, d) || (m == 1 && d == 1) {
        return Dob::year_only(year, false);
    }
    Some(Dob {
        year: u16::try_from(year).ok()?,
        month: m as u8,
        day: d as u8,
        next_year_too: false,
        hijri: false,
    })
}

/// Runs of digits and runs of letters: "12th" is "12" and "th".
fn date_tokens(s: &str) -> impl Iterator<Item = &str> {
    let mut rest = s;
    std::iter::from_fn(move || {
        rest = rest.trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
        let first = rest.chars().next()?;
        let digits = first.is_ascii_digit();
        let end = rest
            .find(|c: char| !c.is_ascii_alphanumeric() || c.is_ascii_digit() != digits)
            .unwrap_or(rest.len());
        let (tok, tail) = rest.split_at(end);
        rest = tail;
        Some(tok)
    })
}

fn hijri_date(jy: i32, m: u32, d: u32) -> Option<Dob> {
    if !(1280..=1414).contains(&jy) {
        return None;
    }
    // 1 Hamal is Nowruz, the default birthday of Afghan documents: a year only.
    if m != 0
        && !(m == 1 && d == 1)
        && let Some((gy, gm, gd)) = drawdown_calendar::to_gregorian(jy, m, d)
    {
        return Some(Dob {
            year: u16::try_from(gy).ok()?,
            month: gm as u8,
            day: gd as u8,
            next_year_too: false,
            hijri: true,
        });
    }
    let mut dob = Dob::year_only(jy + 621, true)?;
    dob.next_year_too = true;
    Some(dob)
}

fn month_number(tok: &str) -> Option<u32> {
    if tok.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| tok.starts_with(m))
        .map(|i| i as u32 + 1)
}

fn hijri_month_number(tok: &str) -> Option<u32> {
    HIJRI_MONTHS
        .iter()
        .position(|(af, ir)| tok == *af || tok == *ir)
        .map(|i| i as u32 + 1)
}

fn gregorian_valid(y: i32, m: u32, d: u32) -> bool {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// A phone as its international digits: Afghan numbers written +93 7…, 0093 7…, 07… or
/// 7… all become 937…; other numbers keep their country code. Only the first of several
/// numbers in one cell counts.
pub(crate) fn parse_phone(raw: &str, buf: &mut String) -> Option<u64> {
    fold(raw, buf);
    let first = buf
        .split([',', ';', '/', '|'])
        .find(|p| p.bytes().any(|b| b.is_ascii_digit()))?;
    let plus = first.trim_start().starts_with('+');
    let digits: String = first.chars().filter(char::is_ascii_digit).collect();
    let intl = if plus {
        Some(digits.as_str())
    } else {
        digits.strip_prefix("00")
    };
    let canonical = match intl {
        Some(d) => match d.strip_prefix("93") {
            Some(nsn) => format!("93{}", nsn.trim_start_matches('0')),
            None => d.to_string(),
        },
        None => match digits.strip_prefix('0') {
            Some(nsn) => format!("93{nsn}"),
            None if digits.len() == 9 => format!("93{digits}"),
            None => digits.clone(),
        },
    };
    if canonical.len() < 6 || canonical.len() > 18 {
        return None;
    }
    canonical.parse().ok()
}

/// Passport and national-id numbers: upper-case letters and digits only.
pub(crate) fn normalise_document(raw: &str, buf: &mut String) -> Option<String> {
    fold(raw, buf);
    let s: String = buf
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (s.len() >= 4).then_some(s)
}

pub(crate) fn normalise_email(raw: &str, buf: &mut String) -> Option<String> {
    fold(raw, buf);
    let s: String = buf.chars().filter(|c| !c.is_whitespace()).collect();
    let (local, domain) = s.split_once('@')?;
    (!local.is_empty() && domain.contains('.')).then_some(s)
}

/// 1 male, 2 female, 0 unknown.
pub(crate) fn parse_sex(raw: &str, buf: &mut String) -> u8 {
    fold(raw, buf);
    match buf.trim() {
        "m" | "male" | "man" | "boy" | "mr" | "مرد" | "ذکور" | "نارینه" | "نر" | "پسر" => {
            1
        }
        "f" | "female" | "woman" | "girl" | "mrs" | "ms" | "زن" | "اناث" | "ښځه" | "مونث"
        | "دختر" => 2,
        _ => 0,
    }
}

/// Nationality as a short code where the table knows the country, else its canonical words.
pub(crate) fn normalise_nationality(raw: &str, buf: &mut String) -> Option<String> {
    let (words, _) = canonical_words(raw, buf);
    let joined = words.join(" ");
    let code = match joined.as_str() {
        "" => return None,
        "af"
        | "afg"
        | "afghan"
        | "afghanistan"
        | "afghani"
        | "afghanistani"
        | "afghanistan islamic republic of" => "af",
        "us"
        | "usa"
        | "u s"
        | "u s a"
        | "american"
        | "united states"
        | "united states of america" => "us",
        "ir" | "irn" | "iran" | "iranian" => "ir",
        "pk" | "pak" | "pakistan" | "pakistani" => "pk",
        "gb" | "gbr" | "uk" | "british" | "united kingdom" => "gb",
        "in" | "ind" | "india" | "indian" => "in",
        "tj" | "tjk" | "tajikistan" | "tajikistani" => "tj",
        "uz" | "uzb" | "uzbekistan" | "uzbekistani" => "uz",
        "ca" | "can" | "canada" | "canadian" => "ca",
        "de" | "deu" | "germany" | "german" => "de",
        _ => return Some(joined),
    };
    Some(code.to_string())
}

/// A place (city, province, place of birth) as canonical words, without the generic words
/// ("province", "city", Persian "ولایت") and the joining vowel of Mazar-i-Sharif.
pub(crate) fn normalise_place(raw: &str, buf: &mut String) -> Option<String> {
    let (words, _) = canonical_words(raw, buf);
    let kept: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .filter(|w| {
            !matches!(
                *w,
                "province"
                    | "provence"
                    | "wilayat"
                    | "wilayet"
                    | "velayat"
                    | "city"
                    | "district"
                    | "center"
                    | "centre"
                    | "i"
                    | "e"
                    | "y"
                    | "wlait"
                    | "shhr"
                    | "uluswali"
            )
        })
        .collect();
    (!kept.is_empty()).then(|| kept.join(" "))
}

/// An address as its meaningful words (house numbers included), in order.
pub(crate) fn normalise_address(raw: &str, buf: &mut String) -> Option<String> {
    let arabic = fold(raw, buf);
    let mut all = Vec::new();
    for w in words(buf) {
        if arabic && w.chars().any(is_arabic_letter) {
            all.extend(transliterate(&w).0);
        } else {
            all.push(w);
        }
    }
    let kept: Vec<&str> = all
        .iter()
        .map(String::as_str)
        .filter(|w| {
            !matches!(
                *w,
                "street"
                    | "st"
                    | "road"
                    | "rd"
                    | "house"
                    | "no"
                    | "number"
                    | "nr"
                    | "apt"
                    | "apartment"
                    | "flat"
                    | "block"
                    | "lane"
                    | "near"
                    | "the"
                    | "of"
                    | "and"
                    | "district"
                    | "kabul"
            )
        })
        .collect();
    (!kept.is_empty()).then(|| kept.join(" "))
}

pub(crate) fn normalise_postcode(raw: &str, buf: &mut String) -> Option<String> {
    fold(raw, buf);
    let s: String = buf
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (!s.is_empty()).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Option<Dob> {
        parse_date(s, &mut String::new())
    }

    fn full(y: u16, m: u8, d: u8) -> Option<Dob> {
        Some(Dob {
            year: y,
            month: m,
            day: d,
            next_year_too: false,
            hijri: false,
        })
    }

    fn year(y: u16) -> Option<Dob> {
        Some(Dob {
            year: y,
            ..Dob::default()
        })
    }

    #[test]
    fn gregorian_formats() {
        assert_eq!(date("1985-03-12"), full(1985, 3, 12));
        assert_eq!(date("1985/03/12"), full(1985, 3, 12));
        assert_eq!(date("12/03/1985"), full(1985, 3, 12));
        assert_eq!(date("12.03.1985"), full(1985, 3, 12));
        assert_eq!(
            date("03/25/1985"),
            full(1985, 3, 25),
            "a day cannot be month 25"
        );
        assert_eq!(date("19850312"), full(1985, 3, 12));
        assert_eq!(date("12 Mar 1985"), full(1985, 3, 12));
        assert_eq!(date("March 12th, 1985"), full(1985, 3, 12));
        assert_eq!(date("1985-03-12T00:00:00"), full(1985, 3, 12));
        assert_eq!(date("1985-03-12 00:00:00"), full(1985, 3, 12));
        assert_eq!(date("12/03/85"), full(1985, 3, 12));
        assert_eq!(date("۱۹۸۵-۰۳-۱۲"), full(1985, 3, 12));
    }

    #[test]
    fn partial_suspicious_and_impossible_dates_keep_their_year() {
        assert_eq!(date("1985"), year(1985));
        assert_eq!(
            date("1985-01-01"),
            year(1985),
            "1 January is a default, not a birthday"
        );
        assert_eq!(date("01/01/1985"), year(1985));
        assert_eq!(date("1985-02-30"), year(1985));
        assert_eq!(date("03/1985"), year(1985));
        assert_eq!(date(""), None);
        assert_eq!(date("unknown"), None);
        assert_eq!(date("12"), None);
        assert_eq!(date("1066"), None);
    }

    #[test]
    fn solar_hijri_dates_are_converted() {
        let d = date("1364-12-21").unwrap();
        assert_eq!((d.year, d.month, d.day, d.hijri), (1986, 3, 12, true));
        assert_eq!(
            date("1400-05-24").map(|d| (d.year, d.month, d.day)),
            Some((2021, 8, 15))
        );
        assert_eq!(
            date("24/05/1400").map(|d| (d.year, d.month, d.day)),
            Some((2021, 8, 15))
        );
        assert_eq!(
            date("۱۴۰۰/۰۵/۲۴").map(|d| (d.year, d.month, d.day)),
            Some((2021, 8, 15))
        );
        assert_eq!(
            date("24 Asad 1400").map(|d| (d.year, d.month, d.day)),
            Some((2021, 8, 15))
        );
        // A year alone, or 1 Hamal (Nowruz), straddles two Gregorian years.
        let y = date("1364").unwrap();
        assert_eq!(
            (y.year, y.month, y.next_year_too, y.hijri),
            (1985, 0, true, true)
        );
        assert_eq!(y.years(), (1985, 1986));
        assert_eq!(date("1364-01-01"), date("1364"));
        assert_eq!(y.to_string(), "1985 or 1986 (year only), from Solar Hijri");
        assert_eq!(full(1985, 3, 12).unwrap().to_string(), "1985-03-12");
    }

    #[test]
    fn afghan_phones_become_one_number() {
        let p = |s: &str| parse_phone(s, &mut String::new());
        let want = Some(93_701_234_567);
        for s in [
            "+93 70 123 4567",
            "0093701234567",
            "0701234567",
            "070-123-4567",
            "701234567",
            "+93 (0)70 123 4567",
            "۰۷۰۱۲۳۴۵۶۷",
        ] {
            assert_eq!(p(s), want, "{s}");
        }
        assert_eq!(p("0701234567 / 0799000111"), want);
        assert_eq!(p("+1 202 555 0100"), Some(12_025_550_100));
        assert_eq!(p("001 202 555 0100"), Some(12_025_550_100));
        assert_eq!(p("123"), None);
        assert_eq!(p("n/a"), None);
    }

    #[test]
    fn documents_emails_sex_nationality() {
        let mut b = String::new();
        assert_eq!(
            normalise_document(" p-0123 4567 ", &mut b).as_deref(),
            Some("P01234567")
        );
        assert_eq!(
            normalise_document("1399-0101-12345", &mut b).as_deref(),
            Some("1399010112345")
        );
        assert_eq!(normalise_document("12", &mut b), None);
        assert_eq!(
            normalise_email(" Ahmad.K@Example.org ", &mut b).as_deref(),
            Some("ahmad.k@example.org")
        );
        assert_eq!(normalise_email("not an email", &mut b), None);
        assert_eq!(parse_sex("F", &mut b), 2);
        assert_eq!(parse_sex("Male", &mut b), 1);
        assert_eq!(parse_sex("مرد", &mut b), 1);
        assert_eq!(parse_sex("?", &mut b), 0);
        for s in ["Afghan", "AFG", "Afghanistan", "افغان"] {
            assert_eq!(
                normalise_nationality(s, &mut b).as_deref(),
                Some("af"),
                "{s}"
            );
        }
        assert_eq!(
            normalise_nationality("U.S.A.", &mut b).as_deref(),
            Some("us")
        );
    }

    #[test]
    fn places_and_addresses() {
        let mut b = String::new();
        assert_eq!(
            normalise_place("Kabul Province", &mut b).as_deref(),
            Some("kabul")
        );
        assert_eq!(normalise_place("کابل", &mut b).as_deref(), Some("kabul"));
        assert_eq!(
            normalise_place("Mazar-i-Sharif", &mut b),
            normalise_place("Mazar e Sharif", &mut b)
        );
        assert_eq!(
            normalise_place("Qandahar", &mut b).as_deref(),
            Some("kandahar")
        );
        assert_eq!(
            normalise_address("House 12, Street 4, Karte Char, Kabul", &mut b).as_deref(),
            Some("12 4 karte char")
        );
        assert_eq!(
            normalise_postcode(" 1001 ", &mut b).as_deref(),
            Some("1001")
        );
    }
}

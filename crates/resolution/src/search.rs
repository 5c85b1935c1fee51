//! Look-up keys for finding a person by any spelling of a name, a document number or a phone:
//! the same normalisation the engine matches with, so a search finds what a merge would.
//! The registry stores these keys only as blind indexes (keyed hashes).

use crate::names::{canonical_words, phonetic, skeleton};
use crate::record::{Field, RawRecord};
use crate::values::{normalise_document, normalise_email, parse_phone};

/// Key of one name word: its consonant skeleton, which all spellings and both scripts share.
fn name_key(word: &str) -> Option<String> {
    let mut ph = Vec::new();
    let mut sk = Vec::new();
    phonetic(word.as_bytes(), &mut ph);
    skeleton(&ph, &mut sk);
    (!sk.is_empty()).then(|| String::from_utf8_lossy(&sk).into_owned())
}

fn name_keys(raw: &str, buf: &mut String, out: &mut Vec<(&'static str, String)>) {
    let (words, _) = canonical_words(raw, buf);
    for w in words {
        if let Some(k) = name_key(&w)
            && !out.iter().any(|(kind, key)| *kind == "name" && *key == k)
        {
            out.push(("name", k));
        }
    }
}

/// The keys a record can be found by: each name word, phone, documents, email.
pub fn search_keys(r: &RawRecord) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let mut buf = String::new();
    for f in [Field::FullName, Field::GivenName, Field::FamilyName] {
        if let Some(v) = r.get(f) {
            name_keys(v, &mut buf, &mut out);
        }
    }
    if let Some(p) = r.get(Field::Phone).and_then(|v| parse_phone(v, &mut buf)) {
        out.push(("phone", p.to_string()));
    }
    for f in [Field::PassportNo, Field::NationalId] {
        if let Some(d) = r.get(f).and_then(|v| normalise_document(v, &mut buf)) {
            out.push(("document", d));
        }
    }
    if let Some(e) = r
        .get(Field::Email)
        .and_then(|v| normalise_email(v, &mut buf))
    {
        out.push(("email", e));
    }
    out
}

/// The keys of a free-text query: an email, a phone (mostly digits), a document number
/// (letters and digits), or name words (every word must match).
pub fn query_keys(query: &str) -> Vec<(&'static str, String)> {
    let mut buf = String::new();
    let q = query.trim();
    if q.contains('@') {
        return normalise_email(q, &mut buf)
            .map(|e| vec![("email", e)])
            .unwrap_or_default();
    }
    let digits = q.chars().filter(char::is_ascii_digit).count();
    let letters = q.chars().filter(|c| c.is_alphabetic()).count();
    if digits >= 6
        && letters == 0
        && let Some(p) = parse_phone(q, &mut buf)
    {
        return vec![("phone", p.to_string())];
    }
    if digits > 0 && !q.contains(char::is_whitespace) {
        return normalise_document(q, &mut buf)
            .map(|d| vec![("document", d)])
            .unwrap_or_default();
    }
    let mut out = Vec::new();
    name_keys(q, &mut buf, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_share_keys() {
        let a = query_keys("Mohammad Karimi");
        let b = query_keys("muhammad  KARIMI");
        assert!(!a.is_empty());
        assert_eq!(a, b);
    }

    #[test]
    fn record_keys_cover_queries() {
        let r = RawRecord::new("1", "x")
            .with(Field::GivenName, "Zabiullah")
            .with(Field::FamilyName, "Stanikzai")
            .with(Field::Phone, "0700 123 456")
            .with(Field::PassportNo, "p-0123456");
        let keys = search_keys(&r);
        for q in ["Zabihullah Stanekzai", "+93 700 123 456", "P0123456"] {
            for k in query_keys(q) {
                assert!(keys.contains(&k), "{q}: {k:?} not in {keys:?}");
            }
        }
        assert!(!query_keys("Zabihullah").is_empty());
    }
}

//! Where a person is: one of the 34 provinces (the gazetteer's), or abroad.

use drawdown_domain::lists::PROVINCES;

/// Chosen by people who are no longer in the country.
pub const ABROAD: (&str, &str) = ("Outside Afghanistan", "خارج از افغانستان");

/// Every choice a form offers: (English name, name in Arabic script), in alphabetical order
/// of the English name, abroad last.
pub fn choices() -> Vec<(&'static str, &'static str)> {
    let mut v: Vec<(&str, &str)> = PROVINCES.iter().map(|p| (p.0, p.1)).collect();
    v.sort_unstable();
    v.push(ABROAD);
    v
}

/// The English name of a province as a form or a list writes it (either script, any case).
pub fn parse(s: &str) -> Option<&'static str> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    PROVINCES
        .iter()
        .map(|p| (p.0, p.1))
        .chain([ABROAD])
        .find(|(en, native)| en.eq_ignore_ascii_case(t) || *native == t)
        .map(|(en, _)| en)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirty_four_and_abroad() {
        let c = choices();
        assert_eq!(c.len(), 35);
        assert_eq!(c.last(), Some(&ABROAD));
        assert_eq!(parse("kandahar"), Some("Kandahar"));
        assert_eq!(parse("کابل"), Some("Kabul"));
        assert_eq!(parse("Outside Afghanistan"), Some("Outside Afghanistan"));
        assert_eq!(parse("Atlantis"), None);
        assert_eq!(parse(""), None);
    }
}

//! The three languages people are reached in (messages, registrations). The pages' own words
//! are in the web crate's message tables (`drawdown_web::i18n`).

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    En,
    /// Dari (Afghan Persian).
    Fa,
    Ps,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::En, Language::Fa, Language::Ps];

    /// BCP 47 code, as `lang=` wants it.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Fa => "fa",
            Language::Ps => "ps",
        }
    }

    /// Text direction, as `dir=` wants it.
    pub fn dir(self) -> &'static str {
        match self {
            Language::En => "ltr",
            Language::Fa | Language::Ps => "rtl",
        }
    }

    /// The language's own name for itself.
    pub fn native(self) -> &'static str {
        match self {
            Language::En => "English",
            Language::Fa => "دری",
            Language::Ps => "پښتو",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Language::En => "English",
            Language::Fa => "Dari",
            Language::Ps => "Pashto",
        }
    }

    /// Reads a language as lists and forms write it (code, English name, own name).
    pub fn parse(s: &str) -> Option<Language> {
        let t = s.trim().to_lowercase();
        Some(match t.as_str() {
            "en" | "eng" | "english" => Language::En,
            "fa" | "prs" | "fa-af" | "dari" | "farsi" | "persian" | "دری" | "فارسی" => {
                Language::Fa
            }
            "ps" | "pus" | "pashto" | "pushto" | "پښتو" => Language::Ps,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_and_names() {
        assert_eq!(Language::parse("Dari"), Some(Language::Fa));
        assert_eq!(Language::parse(" prs "), Some(Language::Fa));
        assert_eq!(Language::parse("پښتو"), Some(Language::Ps));
        assert_eq!(Language::parse("EN"), Some(Language::En));
        assert_eq!(Language::parse("klingon"), None);
        for l in Language::ALL {
            assert_eq!(Language::parse(l.code()), Some(l));
        }
    }

    #[test]
    fn right_to_left_for_dari_and_pashto() {
        assert_eq!(Language::En.dir(), "ltr");
        assert_eq!(Language::Fa.dir(), "rtl");
        assert_eq!(Language::Ps.dir(), "rtl");
    }
}

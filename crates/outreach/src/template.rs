//! What a message says: a subject and a body per language, with fields filled per person
//! (`{name}`, `{departure}`, `{gate}`, `{report_time}`, `{bring}`). `{{` and `}}` are braces.

use crate::Language;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The fields a template may use.
pub const FIELDS: [&str; 5] = ["name", "departure", "gate", "report_time", "bring"];

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageText {
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub body: String,
}

impl MessageText {
    pub fn is_empty(&self) -> bool {
        self.body.trim().is_empty()
    }
}

/// A message in each language; an empty language falls back to English.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Texts {
    #[serde(default)]
    pub en: MessageText,
    #[serde(default)]
    pub fa: MessageText,
    #[serde(default)]
    pub ps: MessageText,
}

impl Texts {
    pub fn get(&self, l: Language) -> &MessageText {
        match l {
            Language::En => &self.en,
            Language::Fa => &self.fa,
            Language::Ps => &self.ps,
        }
    }

    /// The text a person reading `l` gets, and the language it is in.
    pub fn for_language(&self, l: Language) -> (Language, &MessageText) {
        let t = self.get(l);
        if t.is_empty() {
            (Language::En, &self.en)
        } else {
            (l, t)
        }
    }

    /// Every problem with the texts, naming the language and the part.
    pub fn check(&self) -> Result<(), TemplateError> {
        if self.en.is_empty() {
            return Err(TemplateError::MissingEnglish);
        }
        for l in Language::ALL {
            let t = self.get(l);
            for (part, s) in [("subject", &t.subject), ("body", &t.body)] {
                parse(s).map_err(|e| TemplateError::In {
                    language: l.label(),
                    part,
                    problem: Box::new(e),
                })?;
            }
        }
        Ok(())
    }
}

/// The values of the fields for one recipient; a field left out renders as empty and is
/// reported as missing.
pub type Fields = BTreeMap<&'static str, String>;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("unknown field {{{0}}} (fields: name, departure, gate, report_time, bring)")]
    UnknownField(String),
    #[error("a '{{' at character {0} is not closed (write {{{{ for a brace)")]
    Unclosed(usize),
    #[error("a '}}' at character {0} opens nothing (write }}}} for a brace)")]
    Unopened(usize),
    #[error("the English text is empty: every message needs one (it is the fallback)")]
    MissingEnglish,
    #[error("{language} {part}: {problem}")]
    In {
        language: &'static str,
        part: &'static str,
        problem: Box<TemplateError>,
    },
}

enum Piece<'a> {
    Text(&'a str),
    Brace(char),
    Field(&'static str),
}

fn parse(s: &str) -> Result<Vec<Piece<'_>>, TemplateError> {
    let mut out = Vec::new();
    let mut rest = s;
    let mut at = 0;
    while let Some(i) = rest.find(['{', '}']) {
        out.push(Piece::Text(&rest[..i]));
        let c = rest.as_bytes()[i];
        let chars_before = at + rest[..i].chars().count();
        let after = &rest[i + 1..];
        if c == b'}' {
            if let Some(next) = after.strip_prefix('}') {
                out.push(Piece::Brace('}'));
                at = chars_before + 2;
                rest = next;
                continue;
            }
            return Err(TemplateError::Unopened(chars_before + 1));
        }
        if let Some(next) = after.strip_prefix('{') {
            out.push(Piece::Brace('{'));
            at = chars_before + 2;
            rest = next;
            continue;
        }
        let end = after
            .find('}')
            .ok_or(TemplateError::Unclosed(chars_before + 1))?;
        let name = after[..end].trim();
        let field = FIELDS
            .iter()
            .copied()
            .find(|f| *f == name)
            .ok_or_else(|| TemplateError::UnknownField(name.to_string()))?;
        out.push(Piece::Field(field));
        at = chars_before + 2 + after[..end].chars().count();
        rest = &after[end + 1..];
    }
    out.push(Piece::Text(rest));
    Ok(out)
}

/// A text with its fields filled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    /// Fields the text uses that had no value for this recipient.
    pub missing: Vec<&'static str>,
}

pub fn render(s: &str, fields: &Fields) -> Result<Rendered, TemplateError> {
    let mut text = String::with_capacity(s.len() + 32);
    let mut missing = Vec::new();
    for p in parse(s)? {
        match p {
            Piece::Text(t) => text.push_str(t),
            Piece::Brace(c) => text.push(c),
            Piece::Field(f) => match fields.get(f).filter(|v| !v.trim().is_empty()) {
                Some(v) => text.push_str(v),
                None => {
                    if !missing.contains(&f) {
                        missing.push(f);
                    }
                }
            },
        }
    }
    Ok(Rendered { text, missing })
}

/// How many SMS parts a text takes: 160/153 characters in the GSM alphabet (taken here as
/// ASCII), 70/67 otherwise (Dari and Pashto always).
pub fn sms_parts(text: &str) -> u32 {
    let n = text.chars().count() as u32;
    let (single, multi) = if text.is_ascii() {
        (160, 153)
    } else {
        (70, 67)
    };
    if n <= single { 1 } else { n.div_ceil(multi) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Fields {
        let mut f = Fields::new();
        f.insert("name", "Farida Ahmadi".into());
        f.insert("gate", "North Gate".into());
        f.insert("report_time", "06:00".into());
        f
    }

    #[test]
    fn fills_fields_and_reports_missing_ones() {
        let r = render(
            "{name}: report to the {gate} at {report_time} with {bring}. {{not a field}}",
            &fields(),
        )
        .expect("renders");
        assert_eq!(
            r.text,
            "Farida Ahmadi: report to the North Gate at 06:00 with . {not a field}"
        );
        assert_eq!(r.missing, ["bring"]);
        let fa = render(
            "{name} عزیز، ساعت {report_time} به {gate} بیایید.",
            &fields(),
        )
        .expect("renders");
        assert_eq!(
            fa.text,
            "Farida Ahmadi عزیز، ساعت 06:00 به North Gate بیایید."
        );
    }

    #[test]
    fn bad_templates_are_named() {
        assert_eq!(
            render("Hello {nam}", &fields()).err(),
            Some(TemplateError::UnknownField("nam".into()))
        );
        assert_eq!(
            render("Hello {name", &fields()).err(),
            Some(TemplateError::Unclosed(7))
        );
        assert_eq!(
            render("a } b", &fields()).err(),
            Some(TemplateError::Unopened(3))
        );
        let t = Texts {
            en: MessageText {
                subject: "s".into(),
                body: "ok {name}".into(),
            },
            ps: MessageText {
                subject: String::new(),
                body: "{gate".into(),
            },
            ..Default::default()
        };
        let e = t.check().expect_err("pashto body is broken").to_string();
        assert!(e.starts_with("Pashto body:"), "{e}");
        assert_eq!(Texts::default().check(), Err(TemplateError::MissingEnglish));
    }

    #[test]
    fn falls_back_to_english() {
        let t = Texts {
            en: MessageText {
                subject: "Leave".into(),
                body: "Leave now".into(),
            },
            fa: MessageText {
                subject: "".into(),
                body: "همین حالا بروید".into(),
            },
            ..Default::default()
        };
        assert_eq!(t.for_language(Language::Fa).0, Language::Fa);
        assert_eq!(t.for_language(Language::Ps).0, Language::En);
    }

    #[test]
    fn sms_parts_by_alphabet() {
        assert_eq!(sms_parts(&"a".repeat(160)), 1);
        assert_eq!(sms_parts(&"a".repeat(161)), 2);
        assert_eq!(sms_parts(&"ب".repeat(70)), 1);
        assert_eq!(sms_parts(&"ب".repeat(71)), 2);
    }
}

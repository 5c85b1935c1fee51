//! The public self-registration form: what it asks, and the checks on what was typed.
//!
//! The form is read as a map of field names to text; a problem names its field, so the page
//! can mark it and keep everything else the person typed.

use crate::Language;
use drawdown_domain::people::Category;
use std::collections::BTreeMap;

/// At most this many people travel with the one registering.
pub const MAX_MEMBERS: usize = 12;
/// Rows for travelling companions shown at first (more on request, no script needed).
pub const MEMBER_ROWS: usize = 4;
/// Any one field: longer is refused (names, numbers and addresses are short).
pub const MAX_FIELD_CHARS: usize = 100;

/// The statuses a person may claim, in the order the form lists them.
/// A claim is recorded as "claimed, unverified" until a registrar sees a document.
pub const CLAIMS: [Category; 6] = [
    Category::Citizen,
    Category::PermanentResident,
    Category::SivApplicant,
    Category::StaffLocal,
    Category::RefugeeReferral,
    Category::OtherAtRisk,
];

/// One person on the form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Member {
    pub given_name: String,
    pub family_name: String,
    pub birth_date: String,
    pub document_number: String,
    pub relationship: String,
}

/// A registration that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registration {
    pub language: Language,
    pub lead: Member,
    pub phone: String,
    pub email: String,
    /// English name of the province (or abroad).
    pub province: &'static str,
    pub claimed: Category,
    pub members: Vec<Member>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    Required,
    Date,
    Phone,
    Email,
    Contact,
    TooLong,
    Province,
    Status,
    Member,
}

/// A problem with one field of the form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub problem: Problem,
}

/// Field names of companion `i` (1-based).
pub fn member_field(i: usize, part: &str) -> String {
    format!("m{i}_{part}")
}

/// The parts of a companion's row, in the form's order.
pub const MEMBER_PARTS: [&str; 5] = ["given", "family", "birth", "document", "relationship"];

/// Persian and Arabic-Indic digits as ASCII: phones type them, numbers must compare equal.
pub fn ascii_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '۰'..='۹' => char::from(b'0' + (c as u32 - '۰' as u32) as u8),
            '٠'..='٩' => char::from(b'0' + (c as u32 - '٠' as u32) as u8),
            c => c,
        })
        .collect()
}

/// A birth date as `YYYY-MM-DD` (or `YYYY`), or None.
pub fn parse_date(s: &str) -> Option<String> {
    let t = ascii_digits(s.trim()).replace(['/', '.'], "-");
    let parts: Vec<&str> = t.split('-').collect();
    let num = |p: &str, len: usize| -> Option<u32> {
        (p.len() == len && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse().ok())
            .flatten()
    };
    match parts.as_slice() {
        [y] => num(y, 4)
            .filter(|y| (1900..=2100).contains(y))
            .map(|y| y.to_string()),
        [y, m, d] => {
            let y = num(y, 4).filter(|y| (1900..=2100).contains(y))?;
            let m = num(m, 2)
                .or_else(|| num(m, 1))
                .filter(|m| (1..=12).contains(m))?;
            let d = num(d, 2)
                .or_else(|| num(d, 1))
                .filter(|d| (1..=31).contains(d))?;
            Some(format!("{y:04}-{m:02}-{d:02}"))
        }
        _ => None,
    }
}

/// A phone number as `+` and digits, or None.
pub fn parse_phone(s: &str) -> Option<String> {
    let t = ascii_digits(s.trim());
    let t: String = t
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.' | '\u{200e}' | '\u{200f}'))
        .collect();
    let digits = t
        .strip_prefix('+')
        .or_else(|| t.strip_prefix("00"))
        .map(|d| (d, true))
        .unwrap_or((&t, false));
    let (d, international) = digits;
    if !(8..=15).contains(&d.len()) || !d.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(if international {
        format!("+{d}")
    } else if let Some(local) = d.strip_prefix('0') {
        // A local Afghan number (07x…): the country code is implied.
        format!("+93{local}")
    } else {
        format!("+{d}")
    })
}

/// An email address, trimmed and lower-cased, or None.
pub fn parse_email(s: &str) -> Option<String> {
    let t = s.trim().to_lowercase();
    let (local, domain) = t.split_once('@')?;
    let ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !t
            .chars()
            .any(|c| c.is_whitespace() || c == '<' || c == '>' || c == ',')
        && !domain.contains('@');
    ok.then_some(t)
}

/// Checks a submitted form. `get` returns a field's text ("" when absent).
pub fn parse<'a>(
    get: impl Fn(&str) -> &'a str,
    language: Language,
) -> Result<Registration, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let mut flag = |field: &str, problem: Problem| {
        problems.push(FieldProblem {
            field: field.to_string(),
            problem,
        })
    };
    let text = |field: &str, flag: &mut dyn FnMut(&str, Problem)| -> String {
        let v = get(field).trim();
        if v.chars().count() > MAX_FIELD_CHARS {
            flag(field, Problem::TooLong);
        }
        v.chars().filter(|c| !c.is_control()).collect()
    };
    let given = text("given_name", &mut flag);
    let family = text("family_name", &mut flag);
    let birth = text("birth_date", &mut flag);
    let document = ascii_digits(&text("document_number", &mut flag));
    let phone_in = text("phone", &mut flag);
    let email_in = text("email", &mut flag);
    if given.is_empty() {
        flag("given_name", Problem::Required);
    }
    let birth_date = if birth.is_empty() {
        flag("birth_date", Problem::Required);
        String::new()
    } else {
        parse_date(&birth).unwrap_or_else(|| {
            flag("birth_date", Problem::Date);
            String::new()
        })
    };
    let phone = if phone_in.is_empty() {
        String::new()
    } else {
        parse_phone(&phone_in).unwrap_or_else(|| {
            flag("phone", Problem::Phone);
            String::new()
        })
    };
    let email = if email_in.is_empty() {
        String::new()
    } else {
        parse_email(&email_in).unwrap_or_else(|| {
            flag("email", Problem::Email);
            String::new()
        })
    };
    if phone_in.is_empty() && email_in.is_empty() {
        flag("phone", Problem::Contact);
    }
    let province = crate::provinces::parse(get("province"));
    if province.is_none() {
        flag("province", Problem::Province);
    }
    let claimed = CLAIMS
        .iter()
        .copied()
        .find(|c| c.slug() == get("status").trim());
    if claimed.is_none() {
        flag("status", Problem::Status);
    }
    let mut members = Vec::new();
    for i in 1..=MAX_MEMBERS {
        let f = |part: &str| member_field(i, part);
        let vals: Vec<String> = MEMBER_PARTS
            .iter()
            .map(|p| text(&f(p), &mut flag))
            .collect();
        if vals.iter().all(String::is_empty) {
            continue;
        }
        if vals[0].is_empty() {
            flag(&f("given"), Problem::Member);
        }
        let birth_date = if vals[2].is_empty() {
            String::new()
        } else {
            parse_date(&vals[2]).unwrap_or_else(|| {
                flag(&f("birth"), Problem::Date);
                String::new()
            })
        };
        members.push(Member {
            given_name: vals[0].clone(),
            family_name: vals[1].clone(),
            birth_date,
            document_number: ascii_digits(&vals[3]),
            relationship: vals[4].clone(),
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let (Some(province), Some(claimed)) = (province, claimed) else {
        return Err(problems);
    };
    Ok(Registration {
        language,
        lead: Member {
            given_name: given,
            family_name: family,
            birth_date,
            document_number: document,
            relationship: String::new(),
        },
        phone,
        email,
        province,
        claimed,
        members,
    })
}

impl Registration {
    /// The list rows this registration becomes, the person registering first: values by the
    /// registry's field names. Companions share the household, the contact phone, the place
    /// and the language; only the one registering carries the claimed status.
    pub fn rows(&self, household: &str) -> Vec<BTreeMap<String, String>> {
        let mut out = Vec::new();
        for (i, m) in std::iter::once(&self.lead).chain(&self.members).enumerate() {
            let mut v = BTreeMap::new();
            let mut put = |k: &str, x: &str| {
                if !x.is_empty() {
                    v.insert(k.to_string(), x.to_string());
                }
            };
            put("given_name", &m.given_name);
            put("family_name", &m.family_name);
            put("date_of_birth", &m.birth_date);
            put("passport_no", &m.document_number);
            put("relationship", &m.relationship);
            put("phone", &self.phone);
            put("province", self.province);
            put("language", self.language.code());
            put("household_id", household);
            if i == 0 {
                put("email", &self.email);
                put("claimed_status", self.claimed.slug());
            }
            out.push(v);
        }
        out
    }

    /// The form's fields as the person typed them back, for the update page.
    pub fn fields(&self) -> BTreeMap<String, String> {
        let mut f = BTreeMap::new();
        f.insert("given_name".into(), self.lead.given_name.clone());
        f.insert("family_name".into(), self.lead.family_name.clone());
        f.insert("birth_date".into(), self.lead.birth_date.clone());
        f.insert("document_number".into(), self.lead.document_number.clone());
        f.insert("phone".into(), self.phone.clone());
        f.insert("email".into(), self.email.clone());
        f.insert("province".into(), self.province.to_string());
        f.insert("status".into(), self.claimed.slug().to_string());
        for (i, m) in self.members.iter().enumerate() {
            let n = i + 1;
            for (part, v) in MEMBER_PARTS.iter().zip([
                &m.given_name,
                &m.family_name,
                &m.birth_date,
                &m.document_number,
                &m.relationship,
            ]) {
                f.insert(member_field(n, part), v.clone());
            }
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn good() -> HashMap<String, String> {
        form(&[
            ("given_name", "Farida"),
            ("family_name", "Ahmadi"),
            ("birth_date", "۱۹۸۵-۰۳-۲۱"),
            ("document_number", "P۱۲۳۴۵۶۷"),
            ("phone", "0701 234 567"),
            ("province", "کابل"),
            ("status", "citizen"),
            ("m1_given", "Omid"),
            ("m1_relationship", "son"),
            ("m1_birth", "2015"),
        ])
    }

    #[test]
    fn a_good_form_with_persian_digits() {
        let f = good();
        let r = parse(|k| f.get(k).map(String::as_str).unwrap_or(""), Language::Fa).expect("valid");
        assert_eq!(r.lead.birth_date, "1985-03-21");
        assert_eq!(r.lead.document_number, "P1234567");
        assert_eq!(r.phone, "+93701234567");
        assert_eq!(r.province, "Kabul");
        assert_eq!(r.claimed, Category::Citizen);
        assert_eq!(r.members.len(), 1);
        let rows = r.rows("SR-X");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["claimed_status"], "citizen");
        assert!(!rows[1].contains_key("claimed_status"));
        assert_eq!(rows[1]["household_id"], "SR-X");
        assert_eq!(rows[1]["language"], "fa");
        // What the update page shows parses back to the same registration.
        let back = r.fields();
        let again = parse(
            |k| back.get(k).map(String::as_str).unwrap_or(""),
            Language::Fa,
        )
        .expect("round trip");
        assert_eq!(again, r);
    }

    #[test]
    fn each_problem_names_its_field() {
        let mut f = good();
        f.insert("given_name".into(), "".into());
        f.insert("birth_date".into(), "21 March".into());
        f.insert("phone".into(), "".into());
        f.insert("province".into(), "Atlantis".into());
        f.insert("status".into(), "king".into());
        f.insert("m2_family".into(), "Ahmadi".into());
        f.insert("m1_given".into(), "x".repeat(MAX_FIELD_CHARS + 1));
        let p = parse(|k| f.get(k).map(String::as_str).unwrap_or(""), Language::En)
            .expect_err("invalid");
        let has = |field: &str, pr: Problem| p.iter().any(|x| x.field == field && x.problem == pr);
        assert!(has("given_name", Problem::Required));
        assert!(has("birth_date", Problem::Date));
        assert!(has("phone", Problem::Contact));
        assert!(has("province", Problem::Province));
        assert!(has("status", Problem::Status));
        assert!(has("m2_given", Problem::Member));
        assert!(has("m1_given", Problem::TooLong));
    }

    #[test]
    fn phones_dates_and_emails() {
        assert_eq!(
            parse_phone("+1 (202) 555-0100").as_deref(),
            Some("+12025550100")
        );
        assert_eq!(
            parse_phone("0093 70 123 4567").as_deref(),
            Some("+93701234567")
        );
        assert_eq!(parse_phone("12"), None);
        assert_eq!(parse_phone("call me"), None);
        assert_eq!(parse_date("1990/1/5").as_deref(), Some("1990-01-05"));
        assert_eq!(parse_date("1990-13-05"), None);
        assert_eq!(parse_date("1800"), None);
        assert_eq!(
            parse_email(" A@Example.org ").as_deref(),
            Some("a@example.org")
        );
        assert_eq!(parse_email("a@b"), None);
        assert_eq!(parse_email("a b@c.org"), None);
    }
}

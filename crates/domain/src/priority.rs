//! Priority rules: which tier (1 is first out) each person gets, and why. Rules are read in
//! order; the first whose conditions hold and whose dates include the day decides. Dates
//! matter: in Kabul the accepted documents changed mid-operation.

use crate::people::Category;
use serde::{Deserialize, Serialize};

/// What a rule may look at, of one person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Facts {
    pub category: Category,
    /// The category (or citizenship) is only claimed, not seen on a document.
    pub claimed: bool,
    /// A passport or national id number is on record.
    pub has_document: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub name: String,
    /// None: any category.
    pub category: Option<Category>,
    /// Some(true): only claimed statuses; Some(false): only verified ones.
    pub claimed: Option<bool>,
    /// Some(true): only people with a document on record; Some(false): only people without.
    pub has_document: Option<bool>,
    pub tier: u8,
    /// ISO dates (YYYY-MM-DD), inclusive; `to` None: no end.
    pub from: String,
    pub to: Option<String>,
}

impl Rule {
    pub fn applies(&self, f: &Facts, today: &str) -> bool {
        self.category.is_none_or(|c| c == f.category)
            && self.claimed.is_none_or(|c| c == f.claimed)
            && self.has_document.is_none_or(|d| d == f.has_document)
            && self.from.as_str() <= today
            && self.to.as_deref().is_none_or(|t| today <= t)
    }

    /// "SIV applicants without a document, from 2021-08-25".
    pub fn describe(&self) -> String {
        let mut parts = vec![
            self.category
                .map(Category::label)
                .unwrap_or("Everyone")
                .to_string(),
        ];
        match self.claimed {
            Some(true) => parts.push("whose status is only claimed".into()),
            Some(false) => parts.push("whose status is verified".into()),
            None => {}
        }
        match self.has_document {
            Some(true) => parts.push("with a document on record".into()),
            Some(false) => parts.push("without a document on record".into()),
            None => {}
        }
        let dates = match &self.to {
            Some(t) => format!("from {} to {}", self.from, t),
            None => format!("from {}", self.from),
        };
        format!("{} → tier {}, {dates}", parts.join(" "), self.tier)
    }
}

/// The tier and the rule that gave it; with no rule matching, the category's default.
pub fn priority(rules: &[Rule], f: &Facts, today: &str) -> (u8, String) {
    rules
        .iter()
        .find(|r| r.applies(f, today))
        .map(|r| (r.tier, r.name.clone()))
        .unwrap_or_else(|| {
            (
                f.category.default_priority(),
                format!("default for {}", f.category.label()),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(
        name: &str,
        category: Option<Category>,
        has_document: Option<bool>,
        tier: u8,
        from: &str,
        to: Option<&str>,
    ) -> Rule {
        Rule {
            name: name.into(),
            category,
            claimed: None,
            has_document,
            tier,
            from: from.into(),
            to: to.map(Into::into),
        }
    }

    #[test]
    fn the_first_rule_in_force_decides() {
        let rules = vec![
            rule(
                "Passports only from 25 August",
                Some(Category::Citizen),
                Some(false),
                4,
                "2021-08-25",
                None,
            ),
            rule(
                "Citizens first",
                Some(Category::Citizen),
                None,
                1,
                "2021-08-01",
                None,
            ),
        ];
        let without = Facts {
            category: Category::Citizen,
            claimed: false,
            has_document: false,
        };
        assert_eq!(priority(&rules, &without, "2021-08-20").0, 1);
        assert_eq!(
            priority(&rules, &without, "2021-08-25"),
            (4, "Passports only from 25 August".into())
        );
        let with = Facts {
            has_document: true,
            ..without
        };
        assert_eq!(priority(&rules, &with, "2021-08-26").0, 1);
        let siv = Facts {
            category: Category::SivApplicant,
            ..without
        };
        assert_eq!(
            priority(&rules, &siv, "2021-08-26"),
            (3, "default for SIV applicants".into())
        );
    }

    #[test]
    fn end_dates_and_claims() {
        let mut r = rule(
            "Until the 20th",
            None,
            None,
            2,
            "2021-08-01",
            Some("2021-08-20"),
        );
        r.claimed = Some(true);
        let f = Facts {
            category: Category::Citizen,
            claimed: true,
            has_document: false,
        };
        assert!(r.applies(&f, "2021-08-20"));
        assert!(!r.applies(&f, "2021-08-21"));
        assert!(!r.applies(
            &Facts {
                claimed: false,
                ..f
            },
            "2021-08-10"
        ));
        assert!(r.describe().contains("only claimed"));
    }
}

//! People on the post's lists: categories and the personal details that only the vault stores.

use serde::{Deserialize, Serialize};

/// Who a person is to the post (PRODUCT.md's default categories).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    StaffCitizen,
    StaffLocal,
    Citizen,
    PermanentResident,
    SivApplicant,
    RefugeeReferral,
    ThirdCountryNational,
    OtherAtRisk,
}

impl Category {
    pub const ALL: [Category; 8] = [
        Category::StaffCitizen,
        Category::StaffLocal,
        Category::Citizen,
        Category::PermanentResident,
        Category::SivApplicant,
        Category::RefugeeReferral,
        Category::ThirdCountryNational,
        Category::OtherAtRisk,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Category::StaffCitizen => "staff_citizen",
            Category::StaffLocal => "staff_local",
            Category::Citizen => "citizen",
            Category::PermanentResident => "permanent_resident",
            Category::SivApplicant => "siv_applicant",
            Category::RefugeeReferral => "refugee_referral",
            Category::ThirdCountryNational => "third_country_national",
            Category::OtherAtRisk => "other_at_risk",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Category::StaffCitizen => "Chief-of-mission staff (citizen)",
            Category::StaffLocal => "Chief-of-mission staff (local)",
            Category::Citizen => "Citizens",
            Category::PermanentResident => "Permanent residents",
            Category::SivApplicant => "SIV applicants",
            Category::RefugeeReferral => "Refugee referrals",
            Category::ThirdCountryNational => "Third-country nationals",
            Category::OtherAtRisk => "Other at-risk",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.slug() == s.trim())
    }

    /// The default priority (1 is first out); the people engine refines it later.
    pub fn default_priority(self) -> u8 {
        match self {
            Category::StaffCitizen => 1,
            Category::Citizen | Category::StaffLocal => 2,
            Category::PermanentResident => 3,
            Category::SivApplicant => 3,
            Category::RefugeeReferral | Category::OtherAtRisk => 4,
            Category::ThirdCountryNational => 5,
        }
    }
}

/// The personal part of a person: sealed by the vault as one record, never stored in the clear.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalDetails {
    #[serde(default)]
    pub given_name: String,
    #[serde(default)]
    pub family_name: String,
    /// ISO 8601 date, or a year alone when that is all a list gives.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub birth_date: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phone: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub email: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub document_number: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
}

impl PersonalDetails {
    pub fn full_name(&self) -> String {
        match (self.given_name.trim(), self.family_name.trim()) {
            ("", f) => f.to_string(),
            (g, "") => g.to_string(),
            (g, f) => format!("{g} {f}"),
        }
    }

    /// Initials as a checkpoint needs them, and no more.
    pub fn initials(&self) -> String {
        [&self.given_name, &self.family_name]
            .iter()
            .filter_map(|n| n.trim().chars().next())
            .flat_map(char::to_uppercase)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.slug()), Some(c));
        }
        assert_eq!(Category::parse("king"), None);
    }

    #[test]
    fn names_and_initials() {
        let p = PersonalDetails {
            given_name: "mohammad".into(),
            family_name: "Karimi".into(),
            ..Default::default()
        };
        assert_eq!(p.full_name(), "mohammad Karimi");
        assert_eq!(p.initials(), "MK");
        let single = PersonalDetails {
            given_name: "Gulalai".into(),
            ..Default::default()
        };
        assert_eq!(single.full_name(), "Gulalai");
    }
}

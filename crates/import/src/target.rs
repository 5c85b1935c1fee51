use std::fmt;

use serde::{Deserialize, Serialize};

/// The registry's fields an import column can feed. The snake_case names are the ones
/// `drawdown resolve` understands as CSV headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    RecordId,
    FullName,
    GivenName,
    FamilyName,
    FatherName,
    DateOfBirth,
    Sex,
    Nationality,
    PassportNo,
    NationalId,
    Phone,
    Email,
    PlaceOfBirth,
    Address,
    City,
    Province,
    Postcode,
    HouseholdId,
    Relationship,
    Category,
    SivStage,
    ClaimedStatus,
    Language,
    Notes,
}

impl Target {
    pub const ALL: [Target; 24] = [
        Target::RecordId,
        Target::FullName,
        Target::GivenName,
        Target::FamilyName,
        Target::FatherName,
        Target::DateOfBirth,
        Target::Sex,
        Target::Nationality,
        Target::PassportNo,
        Target::NationalId,
        Target::Phone,
        Target::Email,
        Target::PlaceOfBirth,
        Target::Address,
        Target::City,
        Target::Province,
        Target::Postcode,
        Target::HouseholdId,
        Target::Relationship,
        Target::Category,
        Target::SivStage,
        Target::ClaimedStatus,
        Target::Language,
        Target::Notes,
    ];

    /// snake_case, e.g. "family_name".
    pub fn name(self) -> &'static str {
        match self {
            Target::RecordId => "record_id",
            Target::FullName => "full_name",
            Target::GivenName => "given_name",
            Target::FamilyName => "family_name",
            Target::FatherName => "father_name",
            Target::DateOfBirth => "date_of_birth",
            Target::Sex => "sex",
            Target::Nationality => "nationality",
            Target::PassportNo => "passport_no",
            Target::NationalId => "national_id",
            Target::Phone => "phone",
            Target::Email => "email",
            Target::PlaceOfBirth => "place_of_birth",
            Target::Address => "address",
            Target::City => "city",
            Target::Province => "province",
            Target::Postcode => "postcode",
            Target::HouseholdId => "household_id",
            Target::Relationship => "relationship",
            Target::Category => "category",
            Target::SivStage => "siv_stage",
            Target::ClaimedStatus => "claimed_status",
            Target::Language => "language",
            Target::Notes => "notes",
        }
    }

    /// For people, e.g. "Family name".
    pub fn label(self) -> &'static str {
        match self {
            Target::RecordId => "Record ID",
            Target::FullName => "Full name",
            Target::GivenName => "Given name",
            Target::FamilyName => "Family name",
            Target::FatherName => "Father's name",
            Target::DateOfBirth => "Date of birth",
            Target::Sex => "Sex",
            Target::Nationality => "Nationality",
            Target::PassportNo => "Passport number",
            Target::NationalId => "National ID (tazkira)",
            Target::Phone => "Phone",
            Target::Email => "Email",
            Target::PlaceOfBirth => "Place of birth",
            Target::Address => "Address",
            Target::City => "City / district",
            Target::Province => "Province",
            Target::Postcode => "Postcode",
            Target::HouseholdId => "Household / case number",
            Target::Relationship => "Relationship to head of household",
            Target::Category => "Category",
            Target::SivStage => "SIV stage",
            Target::ClaimedStatus => "Claimed status",
            Target::Language => "Language",
            Target::Notes => "Notes",
        }
    }

    /// From the snake_case name, case-insensitively (also accepts spaces or dashes for `_`).
    pub fn parse(s: &str) -> Option<Target> {
        let wanted: String = s
            .trim()
            .chars()
            .map(|c| match c {
                ' ' | '-' => '_',
                c => c.to_ascii_lowercase(),
            })
            .collect();
        Target::ALL.into_iter().find(|t| t.name() == wanted)
    }

    /// Fields that hold a person's name: a row needs at least one of them.
    pub fn is_name(self) -> bool {
        matches!(
            self,
            Target::FullName | Target::GivenName | Target::FamilyName
        )
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in Target::ALL {
            assert_eq!(Target::parse(t.name()), Some(t));
            assert_eq!(
                serde_json::to_string(&t).unwrap(),
                format!("\"{}\"", t.name())
            );
            assert!(!t.label().is_empty());
        }
        assert_eq!(Target::parse(" Family-Name "), Some(Target::FamilyName));
        assert_eq!(Target::parse("household id"), Some(Target::HouseholdId));
        assert_eq!(Target::parse("surname"), None);
    }
}

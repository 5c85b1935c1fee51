//! Who a message goes to: a segment is a conjunction of filters over facts about each person
//! (an empty filter lets everyone through). The caller gathers the facts; this module only
//! decides and counts.

use crate::Language;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Whether a person travels with others.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HouseholdFilter {
    #[default]
    Any,
    /// In a household of two or more.
    InHousehold,
    /// Travelling alone.
    Alone,
}

/// Whether a person's category is claimed (self-registration) or known from a list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimFilter {
    #[default]
    Any,
    Claimed,
    Confirmed,
}

/// A segment of the registry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Segment {
    /// Category slugs.
    pub categories: BTreeSet<String>,
    /// Priority tiers (1 first out).
    pub priorities: BTreeSet<u8>,
    pub household: HouseholdFilter,
    pub claim: ClaimFilter,
    /// English province names.
    pub provinces: BTreeSet<String>,
    pub languages: BTreeSet<Language>,
    /// Source list names: a person on any of them.
    pub lists: BTreeSet<String>,
    /// Departure ids: a person manifested on any of them.
    pub departures: BTreeSet<String>,
    /// Manifested on some departure (true) or on none (false).
    pub manifested: Option<bool>,
    /// Checkpoint codes: a person whose last scan was at one of them.
    pub last_checkpoints: BTreeSet<String>,
    /// One household: everyone who travels with this person (instructions to one family).
    pub household_of: Option<String>,
}

/// What the caller knows of one person.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonFacts {
    pub id: String,
    pub category: String,
    pub priority: u8,
    pub claimed: bool,
    pub household: Option<String>,
    pub household_size: u32,
    pub province: Option<String>,
    pub language: Option<Language>,
    pub lists: Vec<String>,
    pub departure: Option<String>,
    pub last_checkpoint: Option<String>,
    pub has_email: bool,
    pub has_phone: bool,
}

impl Segment {
    /// Everyone.
    pub fn everyone() -> Segment {
        Segment::default()
    }

    /// `household_of` names a person; `household` is that person's household (None: alone).
    pub fn matches(&self, p: &PersonFacts, household: Option<&Option<String>>) -> bool {
        let within = |set: &BTreeSet<String>, v: &Option<String>| {
            set.is_empty() || v.as_ref().is_some_and(|v| set.contains(v))
        };
        if !self.categories.is_empty() && !self.categories.contains(&p.category) {
            return false;
        }
        if !self.priorities.is_empty() && !self.priorities.contains(&p.priority) {
            return false;
        }
        match self.household {
            HouseholdFilter::Any => {}
            HouseholdFilter::InHousehold if p.household_size < 2 => return false,
            HouseholdFilter::Alone if p.household_size >= 2 => return false,
            _ => {}
        }
        match self.claim {
            ClaimFilter::Claimed if !p.claimed => return false,
            ClaimFilter::Confirmed if p.claimed => return false,
            _ => {}
        }
        if !within(&self.provinces, &p.province) {
            return false;
        }
        if !self.languages.is_empty()
            && !self.languages.contains(&p.language.unwrap_or(Language::En))
        {
            return false;
        }
        if !self.lists.is_empty() && !p.lists.iter().any(|l| self.lists.contains(l)) {
            return false;
        }
        if !within(&self.departures, &p.departure) {
            return false;
        }
        if let Some(m) = self.manifested
            && m != p.departure.is_some()
        {
            return false;
        }
        if !within(&self.last_checkpoints, &p.last_checkpoint) {
            return false;
        }
        if let Some(of) = &self.household_of {
            match household {
                Some(Some(h)) => {
                    if p.household.as_ref() != Some(h) {
                        return false;
                    }
                }
                _ => {
                    if &p.id != of {
                        return false;
                    }
                }
            }
        }
        true
    }

    /// The people of `all` in this segment.
    pub fn select<'a>(&self, all: &'a [PersonFacts]) -> Vec<&'a PersonFacts> {
        let household = self.household_of.as_ref().map(|of| {
            all.iter()
                .find(|p| &p.id == of)
                .and_then(|p| p.household.clone())
        });
        all.iter()
            .filter(|p| self.matches(p, household.as_ref()))
            .collect()
    }

    /// People and reachable addresses, before sending.
    pub fn reach(&self, all: &[PersonFacts]) -> Reach {
        let mut r = Reach::default();
        for p in self.select(all) {
            r.people += 1;
            r.email += u64::from(p.has_email);
            r.phone += u64::from(p.has_phone);
            r.unreachable += u64::from(!p.has_email && !p.has_phone);
        }
        r
    }

    /// In words, for the audit log and the outbox: which filters are set.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        let list = |name: &str, s: &BTreeSet<String>| {
            (!s.is_empty())
                .then(|| format!("{name}={}", s.iter().cloned().collect::<Vec<_>>().join("|")))
        };
        parts.extend(list("category", &self.categories));
        if !self.priorities.is_empty() {
            parts.push(format!(
                "priority={}",
                self.priorities
                    .iter()
                    .map(u8::to_string)
                    .collect::<Vec<_>>()
                    .join("|")
            ));
        }
        match self.household {
            HouseholdFilter::Any => {}
            HouseholdFilter::InHousehold => parts.push("household=in_household".into()),
            HouseholdFilter::Alone => parts.push("household=alone".into()),
        }
        match self.claim {
            ClaimFilter::Any => {}
            ClaimFilter::Claimed => parts.push("status=claimed".into()),
            ClaimFilter::Confirmed => parts.push("status=confirmed".into()),
        }
        parts.extend(list("province", &self.provinces));
        if !self.languages.is_empty() {
            parts.push(format!(
                "language={}",
                self.languages
                    .iter()
                    .map(|l| l.code())
                    .collect::<Vec<_>>()
                    .join("|")
            ));
        }
        parts.extend(list("list", &self.lists));
        parts.extend(list("departure", &self.departures));
        if let Some(m) = self.manifested {
            parts.push(format!("manifested={m}"));
        }
        parts.extend(list("last_checkpoint", &self.last_checkpoints));
        if let Some(of) = &self.household_of {
            parts.push(format!("household_of={of}"));
        }
        if parts.is_empty() {
            "everyone".into()
        } else {
            parts.join(" ")
        }
    }
}

/// How many a segment reaches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Reach {
    pub people: u64,
    /// People with an email address.
    pub email: u64,
    /// People with a phone number.
    pub phone: u64,
    /// People with neither.
    pub unreachable: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(id: &str, cat: &str, hh: Option<&str>, size: u32) -> PersonFacts {
        PersonFacts {
            id: id.into(),
            category: cat.into(),
            priority: 2,
            household: hh.map(str::to_string),
            household_size: size,
            province: Some("Kabul".into()),
            language: Some(Language::Fa),
            lists: vec!["Self-registration".into()],
            has_phone: true,
            ..Default::default()
        }
    }

    fn people() -> Vec<PersonFacts> {
        let mut v = vec![
            person("a", "citizen", Some("h1"), 3),
            person("b", "citizen", Some("h1"), 3),
            person("c", "siv_applicant", Some("h1"), 3),
            person("d", "citizen", None, 1),
            person("e", "siv_applicant", None, 1),
        ];
        v[3].province = Some("Kandahar".into());
        v[3].has_email = true;
        v[3].has_phone = false;
        v[4].language = None;
        v[4].claimed = true;
        v[4].has_phone = false;
        v[4].departure = Some("RCH-885".into());
        v[4].last_checkpoint = Some("north-gate".into());
        v
    }

    #[test]
    fn everyone_and_counts() {
        let all = people();
        let r = Segment::everyone().reach(&all);
        assert_eq!(
            r,
            Reach {
                people: 5,
                email: 1,
                phone: 3,
                unreachable: 1
            }
        );
        assert_eq!(Segment::everyone().describe(), "everyone");
    }

    #[test]
    fn filters_combine() {
        let all = people();
        let ids = |s: &Segment| {
            s.select(&all)
                .iter()
                .map(|p| p.id.clone())
                .collect::<Vec<_>>()
        };
        let citizens = Segment {
            categories: ["citizen".to_string()].into(),
            ..Default::default()
        };
        assert_eq!(ids(&citizens), ["a", "b", "d"]);
        let in_kandahar = Segment {
            provinces: ["Kandahar".to_string()].into(),
            ..citizens.clone()
        };
        assert_eq!(ids(&in_kandahar), ["d"]);
        assert_eq!(
            ids(&Segment {
                household: HouseholdFilter::Alone,
                ..Default::default()
            }),
            ["d", "e"]
        );
        assert_eq!(
            ids(&Segment {
                claim: ClaimFilter::Claimed,
                ..Default::default()
            }),
            ["e"]
        );
        // No language known reads as English.
        assert_eq!(
            ids(&Segment {
                languages: [Language::En].into(),
                ..Default::default()
            }),
            ["e"]
        );
        assert_eq!(
            ids(&Segment {
                manifested: Some(true),
                ..Default::default()
            }),
            ["e"]
        );
        assert_eq!(
            ids(&Segment {
                last_checkpoints: ["north-gate".to_string()].into(),
                ..Default::default()
            }),
            ["e"]
        );
        assert!(
            ids(&Segment {
                lists: ["HR".to_string()].into(),
                ..Default::default()
            })
            .is_empty()
        );
        assert!(in_kandahar.describe().contains("province=Kandahar"));
    }

    #[test]
    fn one_household() {
        let all = people();
        let ids = |s: &Segment| {
            s.select(&all)
                .iter()
                .map(|p| p.id.clone())
                .collect::<Vec<_>>()
        };
        let fam = Segment {
            household_of: Some("b".into()),
            ..Default::default()
        };
        assert_eq!(ids(&fam), ["a", "b", "c"]);
        let alone = Segment {
            household_of: Some("d".into()),
            ..Default::default()
        };
        assert_eq!(ids(&alone), ["d"]);
        let nobody = Segment {
            household_of: Some("zz".into()),
            ..Default::default()
        };
        assert!(ids(&nobody).is_empty());
    }

    #[test]
    fn round_trips_as_json() {
        let s = Segment {
            categories: ["citizen".to_string()].into(),
            languages: [Language::Ps].into(),
            ..Default::default()
        };
        let j = serde_json::to_string(&s).expect("json");
        assert_eq!(serde_json::from_str::<Segment>(&j).expect("back"), s);
        assert_eq!(
            serde_json::from_str::<Segment>("{}").expect("empty"),
            Segment::everyone()
        );
    }
}

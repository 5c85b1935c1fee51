//! Destruction planning: holdings, methods, devices and the plan to zero. Pure: no I/O.
//!
//! The words are the post's: a *kind* of holding (classified paper, hard drives, armoured
//! vehicles…) is destroyed by an approved *method* (burn, shred, disintegrate…) on a *device*
//! (a firebox, the disintegrator, heavy equipment) that has a capacity per hour and hours a
//! day. [`plan::plan`] says how long until the footprint is zero, day by day.
#![forbid(unsafe_code)]

mod flow;
pub mod ledger;
pub mod plan;

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// How a kind is destroyed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Burn,
    Shred,
    Disintegrate,
    Incinerate,
    DegaussDestroy,
    Crush,
    Compact,
    Cut,
    Neutralise,
}

impl Method {
    pub const ALL: [Method; 9] = [
        Method::Burn,
        Method::Shred,
        Method::Disintegrate,
        Method::Incinerate,
        Method::DegaussDestroy,
        Method::Crush,
        Method::Compact,
        Method::Cut,
        Method::Neutralise,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Method::Burn => "burn",
            Method::Shred => "shred",
            Method::Disintegrate => "disintegrate",
            Method::Incinerate => "incinerate",
            Method::DegaussDestroy => "degauss_destroy",
            Method::Crush => "crush",
            Method::Compact => "compact",
            Method::Cut => "cut",
            Method::Neutralise => "neutralise",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Method::Burn => "Burn (firebox, burn barrel)",
            Method::Shred => "Shred (NSA/CSS-listed crosscut, 1 × 5 mm)",
            Method::Disintegrate => "Disintegrate (2 mm screen)",
            Method::Incinerate => "Incinerate",
            Method::DegaussDestroy => "Degauss, then physically destroy",
            Method::Crush => "Crush (heavy equipment)",
            Method::Compact => "Compact",
            Method::Cut => "Cut (torch, demilitarise)",
            Method::Neutralise => "Neutralise (specialist disposal)",
        }
    }

    pub fn parse(s: &str) -> Result<Method, UnknownMethod> {
        let s = s.trim().to_lowercase().replace([' ', '-'], "_");
        Method::ALL
            .into_iter()
            .find(|m| m.slug() == s)
            .ok_or(UnknownMethod(s))
    }

    /// A capacity for a device of this method when the post adds one in a what-if and has
    /// none to copy (kilograms an hour; vehicles count by their weight).
    pub fn typical_kg_per_hour(self) -> f64 {
        match self {
            Method::Burn => 40.0,
            Method::Shred => 30.0,
            Method::Disintegrate => 120.0,
            Method::Incinerate => 200.0,
            Method::DegaussDestroy => 15.0,
            Method::Crush => 7000.0,
            Method::Compact => 300.0,
            Method::Cut => 500.0,
            Method::Neutralise => 50.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "unknown method '{0}' (methods: burn, shred, disintegrate, incinerate, degauss_destroy, crush, compact, cut, neutralise)"
)]
pub struct UnknownMethod(pub String);

/// What a kind is counted in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Kg,
    Item,
}

impl Unit {
    pub fn slug(self) -> &'static str {
        match self {
            Unit::Kg => "kg",
            Unit::Item => "item",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Unit::Kg => "kg",
            Unit::Item => "items",
        }
    }
    pub fn parse(s: &str) -> Option<Unit> {
        match s.trim().to_lowercase().as_str() {
            "kg" | "kilogram" | "kilograms" => Some(Unit::Kg),
            "item" | "items" | "each" | "pcs" | "units" => Some(Unit::Item),
            _ => None,
        }
    }
}

/// A kind of holding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Kind {
    pub slug: String,
    pub label: String,
    pub unit: Unit,
    /// Weight of one unit: devices' capacities are in kilograms an hour.
    pub kg_per_unit: f64,
    /// Emergency-destruction priority: 1 goes first.
    pub priority: u8,
    /// Methods approved by default.
    pub methods: Vec<Method>,
}

/// The kinds a post starts with. Shredding paper means a crosscut shredder on the NSA/CSS
/// evaluated products list; a solid-state drive is disintegrated or incinerated, never merely
/// degaussed (it stores no magnetic data); a hard drive is degaussed and then destroyed.
pub fn default_kinds() -> Vec<Kind> {
    use Method::*;
    use Unit::*;
    let k = |slug: &str, label: &str, unit, kg, priority, methods: &[Method]| Kind {
        slug: slug.into(),
        label: label.into(),
        unit,
        kg_per_unit: kg,
        priority,
        methods: methods.to_vec(),
    };
    vec![
        k(
            "crypto_equipment",
            "Cryptographic equipment",
            Item,
            15.0,
            1,
            &[Disintegrate, Incinerate],
        ),
        k(
            "classified_paper",
            "Classified paper",
            Kg,
            1.0,
            1,
            &[Burn, Shred, Disintegrate, Incinerate],
        ),
        k(
            "sensitive_paper",
            "Sensitive unclassified paper (names of staff)",
            Kg,
            1.0,
            1,
            &[Burn, Shred, Disintegrate, Incinerate],
        ),
        k(
            "hard_drive",
            "Hard drives",
            Item,
            0.6,
            2,
            &[DegaussDestroy, Disintegrate],
        ),
        k(
            "ssd",
            "Solid-state drives",
            Item,
            0.1,
            2,
            &[Disintegrate, Incinerate],
        ),
        k("phone", "Phones", Item, 0.2, 2, &[Disintegrate, Incinerate]),
        k(
            "laptop",
            "Laptops",
            Item,
            2.5,
            2,
            &[Disintegrate, Incinerate, Crush],
        ),
        k(
            "removable_media",
            "Removable media (USB, discs, tapes)",
            Item,
            0.05,
            2,
            &[Disintegrate, Incinerate, Burn],
        ),
        k(
            "badge_equipment",
            "Badges and ID equipment",
            Item,
            0.5,
            3,
            &[Disintegrate, Incinerate, Burn],
        ),
        k("weapons", "Weapons", Item, 4.0, 3, &[Cut, Crush]),
        k("ammunition", "Ammunition", Kg, 1.0, 3, &[Neutralise]),
        k(
            "logo_items",
            "Items with logos",
            Kg,
            1.0,
            4,
            &[Burn, Incinerate, Compact, Shred],
        ),
        k("flags", "Flags", Item, 1.0, 4, &[Burn, Incinerate]),
        k("uniforms", "Uniforms", Item, 1.5, 4, &[Burn, Incinerate]),
        k(
            "armoured_vehicle",
            "Armoured vehicles",
            Item,
            3500.0,
            5,
            &[Crush, Cut],
        ),
        k("hazardous", "Hazardous material", Kg, 1.0, 5, &[Neutralise]),
    ]
}

/// A change the post made to the default matrix.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Override {
    pub kind: String,
    pub method: Method,
    pub allowed: bool,
}

/// Which method may destroy which kind: the defaults with the post's overrides on top.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Matrix {
    allowed: BTreeSet<(String, Method)>,
}

impl Matrix {
    pub fn new(kinds: &[Kind], overrides: &[Override]) -> Matrix {
        let mut allowed: BTreeSet<(String, Method)> = kinds
            .iter()
            .flat_map(|k| k.methods.iter().map(|m| (k.slug.clone(), *m)))
            .collect();
        for o in overrides {
            if o.allowed {
                allowed.insert((o.kind.clone(), o.method));
            } else {
                allowed.remove(&(o.kind.clone(), o.method));
            }
        }
        Matrix { allowed }
    }

    pub fn allows(&self, kind: &str, method: Method) -> bool {
        self.allowed.contains(&(kind.to_string(), method))
    }

    pub fn methods_for(&self, kind: &str) -> Vec<Method> {
        Method::ALL
            .into_iter()
            .filter(|m| self.allows(kind, *m))
            .collect()
    }
}

/// Whether a device can run today.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceStatus {
    Working,
    OutOfFuel,
    Broken,
}

impl DeviceStatus {
    pub const ALL: [DeviceStatus; 3] = [
        DeviceStatus::Working,
        DeviceStatus::OutOfFuel,
        DeviceStatus::Broken,
    ];
    pub fn slug(self) -> &'static str {
        match self {
            DeviceStatus::Working => "working",
            DeviceStatus::OutOfFuel => "out_of_fuel",
            DeviceStatus::Broken => "broken",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            DeviceStatus::Working => "working",
            DeviceStatus::OutOfFuel => "out of fuel",
            DeviceStatus::Broken => "broken",
        }
    }
    pub fn parse(s: &str) -> Option<DeviceStatus> {
        let s = s.trim().to_lowercase().replace([' ', '-'], "_");
        DeviceStatus::ALL.into_iter().find(|d| d.slug() == s)
    }
}

/// A firebox, the disintegrator, a shredder, heavy equipment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Device {
    pub id: String,
    pub name: String,
    pub method: Method,
    pub kg_per_hour: f64,
    pub hours_per_day: f64,
    pub status: DeviceStatus,
}

impl Device {
    /// Kilograms a day while working; nothing otherwise.
    pub fn kg_per_day(&self) -> f64 {
        if self.status == DeviceStatus::Working {
            (self.kg_per_hour * self.hours_per_day).max(0.0)
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_sound() {
        let kinds = default_kinds();
        let m = Matrix::new(&kinds, &[]);
        assert!(
            !m.allows("ssd", Method::DegaussDestroy),
            "an SSD is not degaussed"
        );
        assert!(m.allows("ssd", Method::Disintegrate));
        assert!(m.allows("hard_drive", Method::DegaussDestroy));
        assert!(m.allows("classified_paper", Method::Shred));
        assert!(m.allows("armoured_vehicle", Method::Crush));
        let slugs: BTreeSet<_> = kinds.iter().map(|k| k.slug.as_str()).collect();
        assert_eq!(slugs.len(), kinds.len(), "kind slugs are unique");
        assert!(
            kinds
                .iter()
                .all(|k| !k.methods.is_empty() && k.kg_per_unit > 0.0)
        );
    }

    #[test]
    fn overrides_adjust_the_matrix() {
        let kinds = default_kinds();
        let m = Matrix::new(
            &kinds,
            &[
                Override {
                    kind: "flags".into(),
                    method: Method::Burn,
                    allowed: false,
                },
                Override {
                    kind: "flags".into(),
                    method: Method::Shred,
                    allowed: true,
                },
            ],
        );
        assert_eq!(
            m.methods_for("flags"),
            vec![Method::Shred, Method::Incinerate]
        );
    }

    #[test]
    fn names_parse() {
        assert_eq!(Method::parse("Degauss-Destroy"), Ok(Method::DegaussDestroy));
        assert!(Method::parse("microwave").is_err());
        assert_eq!(Unit::parse("Items"), Some(Unit::Item));
        assert_eq!(
            DeviceStatus::parse("out of fuel"),
            Some(DeviceStatus::OutOfFuel)
        );
    }
}

//! The reference scenario: the US Embassy in Kabul, August 2021 (PRODUCT.md). A deterministic
//! generator with a fixed seed, so the demo, the tests and the benchmarks see the same post.
//! Each capability grows it.

use crate::access::{Role, RoleSet};

pub const DEFAULT_SEED: u64 = 20_210_815;

#[derive(Clone, Debug, PartialEq)]
pub struct Organisation {
    pub name: String,
    pub country: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiteKind {
    Post,
    Airport,
    StagingBase,
    SafeHaven,
}

impl SiteKind {
    pub fn slug(self) -> &'static str {
        match self {
            SiteKind::Post => "post",
            SiteKind::Airport => "airport",
            SiteKind::StagingBase => "staging_base",
            SiteKind::SafeHaven => "safe_haven",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            SiteKind::Post => "Post",
            SiteKind::Airport => "Airport",
            SiteKind::StagingBase => "Staging base",
            SiteKind::SafeHaven => "Safe haven",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Site {
    pub code: String,
    pub name: String,
    pub kind: SiteKind,
    pub country: String,
    pub latitude: f64,
    pub longitude: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DemoUser {
    pub username: String,
    pub roles: RoleSet,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub organisation: Organisation,
    pub sites: Vec<Site>,
    pub users: Vec<DemoUser>,
}

/// The post: its organisation, sites and one user per role. Its people come from the lists
/// (`crate::lists`), generated from the same seed.
pub fn generate() -> Scenario {
    let organisation = Organisation {
        name: "US Embassy Kabul (reference scenario)".into(),
        country: "Afghanistan".into(),
    };
    let site = |code: &str, name: &str, kind, country: &str, lat, lon| Site {
        code: code.into(),
        name: name.into(),
        kind,
        country: country.into(),
        latitude: lat,
        longitude: lon,
    };
    let sites = vec![
        site(
            "KBL",
            "Embassy compound, Kabul",
            SiteKind::Post,
            "Afghanistan",
            34.5353,
            69.1906,
        ),
        site(
            "HKIA",
            "Hamid Karzai International Airport",
            SiteKind::Airport,
            "Afghanistan",
            34.5659,
            69.2123,
        ),
        site(
            "AUAB",
            "Al Udeid Air Base, Qatar",
            SiteKind::StagingBase,
            "Qatar",
            25.1173,
            51.3150,
        ),
        site(
            "DULLES",
            "Dulles Expo Center, Virginia",
            SiteKind::SafeHaven,
            "United States",
            38.9123,
            -77.4570,
        ),
    ];
    let users = [
        ("admin", Role::Administrator),
        ("committee", Role::Committee),
        ("registrar", Role::Registrar),
        ("movement", Role::Movement),
        ("checkpoint", Role::Checkpoint),
        ("destruction", Role::Destruction),
        ("viewer", Role::Viewer),
        ("wipe1", Role::Wipe),
        ("wipe2", Role::Wipe),
    ]
    .into_iter()
    .map(|(u, r)| DemoUser {
        username: u.into(),
        roles: RoleSet::of(&[r]),
    })
    .collect();
    Scenario {
        organisation,
        sites,
        users,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_user_per_role_and_the_sites() {
        let s = generate();
        assert_eq!(s, generate());
        // One user per role, and two wipe authorities for the two-person rule.
        for r in Role::ALL {
            assert!(
                s.users.iter().any(|u| u.roles.contains(r)),
                "no demo user for {r}"
            );
        }
        assert_eq!(
            s.users
                .iter()
                .filter(|u| u.roles.contains(Role::Wipe))
                .count(),
            2
        );
        assert!(s.sites.iter().any(|x| x.kind == SiteKind::SafeHaven));
    }
}

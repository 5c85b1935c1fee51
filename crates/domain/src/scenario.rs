//! The reference scenario: the US Embassy in Kabul, August 2021 (PRODUCT.md). A deterministic
//! generator with a fixed seed, so the demo, the tests and the benchmarks see the same post.
//! Each capability grows it.

use crate::access::{Role, RoleSet};
use crate::people::{Category, PersonalDetails};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

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
pub struct PersonSeed {
    pub category: Category,
    pub site_code: String,
    pub details: PersonalDetails,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub organisation: Organisation,
    pub sites: Vec<Site>,
    pub users: Vec<DemoUser>,
    pub people: Vec<PersonSeed>,
}

/// Sizes of the generated scenario; `reference()` is PRODUCT.md's scale for what exists so far.
#[derive(Clone, Copy, Debug)]
pub struct Scale {
    pub staff_citizens: usize,
    pub staff_local: usize,
}

impl Scale {
    pub fn reference() -> Self {
        Scale {
            staff_citizens: 1_400,
            staff_local: 2_600,
        }
    }
    pub fn small() -> Self {
        Scale {
            staff_citizens: 14,
            staff_local: 26,
        }
    }
}

const AFGHAN_GIVEN: &[&str] = &[
    "Mohammad",
    "Ahmad",
    "Abdul",
    "Farid",
    "Hamid",
    "Jawad",
    "Nasir",
    "Rahim",
    "Sayed",
    "Zabiullah",
    "Mursal",
    "Fatima",
    "Gulalai",
    "Habiba",
    "Laila",
    "Mariam",
    "Nargis",
    "Parwana",
    "Shabana",
    "Zarghona",
    "Khalid",
    "Najib",
    "Wahid",
    "Samira",
    "Homa",
    "Bashir",
    "Rohullah",
    "Sadia",
];
const AFGHAN_FAMILY: &[&str] = &[
    "Karimi",
    "Ahmadzai",
    "Popal",
    "Sultani",
    "Noori",
    "Hakimi",
    "Rahimi",
    "Stanikzai",
    "Wardak",
    "Safi",
    "Amiri",
    "Rezai",
    "Hashimi",
    "Sadat",
    "Mohammadi",
    "Niazi",
    "Kakar",
    "Yousufzai",
    "Azizi",
    "Barakzai",
    "Haidari",
    "Qaderi",
];
const US_GIVEN: &[&str] = &[
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Daniel",
    "Karen",
    "Maria",
    "Kevin",
    "Aisha",
    "Omar",
];
const US_FAMILY: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Nguyen",
    "Walker",
];

fn pick<'a>(rng: &mut ChaCha8Rng, list: &[&'a str]) -> &'a str {
    list[rng.gen_range(0..list.len())]
}

fn person(rng: &mut ChaCha8Rng, category: Category, given: &[&str], family: &[&str]) -> PersonSeed {
    let year = rng.gen_range(1955..2000);
    let month = rng.gen_range(1..=12);
    let day = rng.gen_range(1..=28);
    let details = PersonalDetails {
        given_name: pick(rng, given).to_string(),
        family_name: pick(rng, family).to_string(),
        birth_date: format!("{year:04}-{month:02}-{day:02}"),
        phone: format!(
            "+93 7{:02} {:03} {:03}",
            rng.gen_range(0..100),
            rng.gen_range(0..1000),
            rng.gen_range(0..1000)
        ),
        ..Default::default()
    };
    PersonSeed {
        category,
        site_code: "KBL".into(),
        details,
    }
}

/// Generates the scenario; the same seed and scale give the same scenario, always.
pub fn generate(seed: u64, scale: Scale) -> Scenario {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
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
    let mut people = Vec::with_capacity(scale.staff_citizens + scale.staff_local);
    for _ in 0..scale.staff_citizens {
        people.push(person(
            &mut rng,
            Category::StaffCitizen,
            US_GIVEN,
            US_FAMILY,
        ));
    }
    for _ in 0..scale.staff_local {
        people.push(person(
            &mut rng,
            Category::StaffLocal,
            AFGHAN_GIVEN,
            AFGHAN_FAMILY,
        ));
    }
    Scenario {
        organisation,
        sites,
        users,
        people,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic() {
        let a = generate(DEFAULT_SEED, Scale::small());
        let b = generate(DEFAULT_SEED, Scale::small());
        assert_eq!(a, b);
        let c = generate(DEFAULT_SEED + 1, Scale::small());
        assert_ne!(a.people, c.people);
    }

    #[test]
    fn reference_scale_and_roles() {
        let s = generate(DEFAULT_SEED, Scale::reference());
        assert_eq!(s.people.len(), 4_000);
        let citizens = s
            .people
            .iter()
            .filter(|p| p.category == Category::StaffCitizen)
            .count();
        assert_eq!(citizens, 1_400);
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

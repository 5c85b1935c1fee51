//! A seeded generator of realistic evacuee lists, with the ground truth behind every row: the
//! benchmark data of the entity-resolution engine (issue 3) and of the demo's lists.
//!
//! The model follows Kabul in August 2021. Persons live in **households** (a head, a spouse,
//! children including lap infants, sometimes a grandparent; siblings and twins share a family
//! name, a father's name, a contact phone, an address and a province, and twins a birth date).
//! Each household has a **category** (chief-of-mission staff, citizen or local; citizens in the
//! consular registry; SIV applicants with their families; partner referrals; people who only
//! registered themselves), and the category decides on which **lists** its members stand:
//!
//! | source | who is on it | how it is written |
//! |---|---|---|
//! | `hr_staff` | staff only (not their families) | clean, from HR files, upper case half the time |
//! | `consular_registry` | citizens and their families, some staff citizens | given + family, US-style dates (some day/month swapped) |
//! | `siv_pipeline` | SIV cases with every derivative, most local staff | copied from passports: `YYYY-01-01` placeholders, father's name as surname for those without one |
//! | `partner_ngo_a` | referrals, some SIV families | an English spreadsheet: full name only, birth year only |
//! | `partner_ngo_b` | referrals, some SIV families | a Dari spreadsheet: Arabic script, Solar Hijri dates, tazkira numbers |
//! | `hotline` | everyone who could call or fill the form | messy: single names, year only, Hijri dates, duplicates |
//!
//! One person stands on one to five lists (on average 1.45 rows per person, as 125,000 people
//! behind 180,000 rows). Each row carries the noise of its list: spelling variants (Mohammad /
//! Muhammad / Mohammed, Ahmad / Ahmed, Abdul Rahman / Abdurrahman, -ullah / -ulla, Sayed / Syed, a
//! dropped "Mohammad" prefix), given and family name swapped, a single name only, Arabic script
//! (with Arabic or Persian yeh and kaf), one-character typos, a birth year only, the 1 January
//! placeholder, Solar Hijri dates (written `YYYY-MM-DD` or `YYYY` with the Hijri year, 1300–1400),
//! day and month swapped, passport numbers with one character wrong, phones as `+93 …`, `0093…`
//! or `07…`, missing fields and a few duplicates within a list.
//!
//! Pure: no I/O, no clock; the same seed and size give the same rows, always.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

mod names;
/// The 34 provinces (for forms that ask where someone is).
pub use names::PROVINCES;
use names::{
    ABDUL, FAMILY, FEMALE, KABUL_DISTRICTS, MALE, PLACE_VARIANTS, ULLAH, US_FAMILY, US_FEMALE,
    US_MALE,
};

/// The lists, in the order their rows are returned.
pub const SOURCES: [&str; 6] = [
    "hr_staff",
    "consular_registry",
    "siv_pipeline",
    "partner_ngo_a",
    "partner_ngo_b",
    "hotline",
];

/// The field names a row may carry: the resolution engine's CSV headers.
pub const FIELDS: [&str; 16] = [
    "full_name",
    "given_name",
    "family_name",
    "father_name",
    "date_of_birth",
    "sex",
    "nationality",
    "passport_no",
    "national_id",
    "phone",
    "email",
    "place_of_birth",
    "address",
    "city",
    "province",
    "postcode",
];

/// Rows per distinct person on average (125,000 people behind ~180,000 rows).
pub const ROWS_PER_PERSON: f64 = 1.45;

/// The day the lists describe: the fall of Kabul, 15 August 2021.
pub const REFERENCE_DATE: (i32, u32, u32) = (2021, 8, 15);

/// One row of one list, with the truth behind it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedRow {
    /// Unique across all lists, e.g. `siv-0012345`; says nothing about the person.
    pub record_id: String,
    /// One of [`SOURCES`].
    pub source: String,
    /// The person behind the row: rows with the same value are the same person.
    pub truth_person: u64,
    /// The person's household.
    pub household: u64,
    /// The non-empty fields, named as in [`FIELDS`].
    pub fields: Vec<(&'static str, String)>,
}

impl GeneratedRow {
    /// The value of a field, if the row has it.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| *k == field)
            .map(|(_, v)| v.as_str())
    }
}

/// Lists for `people` distinct persons (about [`ROWS_PER_PERSON`] rows each), grouped by source
/// in the order of [`SOURCES`], each list in its own shuffled order. Every person has at least
/// one row.
pub fn generate_lists(seed: u64, people: usize) -> Vec<GeneratedRow> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let samplers = Samplers::new();
    let population = Population::generate(&mut rng, &samplers, people);
    let memberships = population.memberships(&mut rng);
    let mut rows = Vec::with_capacity(memberships.iter().map(Vec::len).sum());
    for (list, members) in memberships.iter().enumerate() {
        let profile = &PROFILES[list];
        let mut list_rng = ChaCha8Rng::seed_from_u64(
            seed ^ 0x9e37_79b9_7f4a_7c15u64.wrapping_mul(list as u64 + 1),
        );
        let mut list_rows: Vec<(usize, Vec<(&'static str, String)>)> = members
            .iter()
            .map(|&p| (p, render(&population, p, profile, &mut list_rng)))
            .collect();
        list_rows.shuffle(&mut list_rng);
        for (n, (p, fields)) in list_rows.into_iter().enumerate() {
            let person = &population.persons[p];
            rows.push(GeneratedRow {
                record_id: format!("{}-{:07}", profile.prefix, n + 1),
                source: profile.source.to_string(),
                truth_person: p as u64,
                household: person.household as u64,
                fields,
            });
        }
    }
    rows
}

// ---------------------------------------------------------------------------------------------
// Calendars: one implementation for the workspace, in drawdown-calendar.

fn jdn_from_gregorian(y: i64, m: i64, d: i64) -> i64 {
    drawdown_calendar::julian_day(y, m, d)
}

fn gregorian_from_jdn(jdn: i64) -> (i64, i64, i64) {
    drawdown_calendar::gregorian(jdn)
}

// ---------------------------------------------------------------------------------------------
// The population: households and persons.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    StaffCitizen,
    StaffLocal,
    Citizen,
    Siv,
    Referral,
    Other,
}

/// Household kinds with their weight among households (not persons: a staff citizen is posted
/// alone, an SIV case is a family of about 4.5), tuned so that persons split about as in Kabul:
/// ~1 % staff citizens, ~9 % local staff and families, ~8 % citizens, ~63 % SIV applicants with
/// families, ~12 % partner referrals, ~7 % self-registered.
const KIND_WEIGHTS: [(Kind, f64); 6] = [
    (Kind::StaffCitizen, 0.95),
    (Kind::StaffLocal, 2.1),
    (Kind::Citizen, 2.0),
    (Kind::Siv, 14.0),
    (Kind::Referral, 3.0),
    (Kind::Other, 2.4),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Head,
    Spouse,
    Child,
    Grandparent,
}

#[derive(Clone, Debug)]
struct Name {
    latin: String,
    /// None for names with no Arabic-script form on the lists (US names).
    arabic: Option<String>,
    /// The first word is a prefix that people often leave out ("Mohammad Farid" → "Farid").
    droppable_prefix: bool,
}

impl Name {
    fn simple(latin: &str, arabic: &str) -> Name {
        Name {
            latin: latin.to_string(),
            arabic: Some(arabic.to_string()),
            droppable_prefix: false,
        }
    }
    fn latin_only(latin: &str) -> Name {
        Name {
            latin: latin.to_string(),
            arabic: None,
            droppable_prefix: false,
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Address {
    Kabul {
        house: u32,
        street: u32,
        district: usize,
    },
    Province {
        nahia: u32,
        street: u32,
        province: usize,
    },
}

#[derive(Clone, Debug)]
struct Household {
    kind: Kind,
    province: usize,
    address: Address,
    postcode: String,
    head: usize,
}

#[derive(Clone, Debug)]
struct Person {
    household: usize,
    role: Role,
    male: bool,
    given: Name,
    family: Option<Name>,
    father: Option<Name>,
    /// Julian day number of the true birth date.
    dob: i64,
    /// The person's documents carry an estimated date (1 January of a year).
    dob_unknown: bool,
    us_citizen: bool,
    afghan: bool,
    /// On the HR staff list.
    staff: bool,
    passport_af: Option<String>,
    passport_us: Option<String>,
    national_id: Option<String>,
    /// Digits with the country code: "937xxxxxxxx" or "1xxxxxxxxxx".
    phone: Option<String>,
    alt_phone: Option<String>,
    email: Option<String>,
    birth_province: usize,
}

/// Samplers for skewed name frequencies: a few names are very common, most are rare.
struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(n: usize, exponent: f64) -> Zipf {
        let mut total = 0.0;
        let cumulative = (0..n)
            .map(|rank| {
                total += 1.0 / ((rank + 2) as f64).powf(exponent);
                total
            })
            .collect();
        Zipf { cumulative }
    }
    fn sample(&self, rng: &mut ChaCha8Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let x = rng.gen_range(0.0..total);
        self.cumulative
            .partition_point(|&c| c <= x)
            .min(self.cumulative.len() - 1)
    }
}

struct Samplers {
    male: Zipf,
    female: Zipf,
    abdul: Zipf,
    ullah: Zipf,
    family: Zipf,
}

impl Samplers {
    fn new() -> Samplers {
        Samplers {
            male: Zipf::new(MALE.len(), 0.75),
            female: Zipf::new(FEMALE.len(), 0.7),
            abdul: Zipf::new(ABDUL.len(), 0.6),
            ullah: Zipf::new(ULLAH.len(), 0.6),
            family: Zipf::new(FAMILY.len(), 0.65),
        }
    }

    fn male_simple(&self, rng: &mut ChaCha8Rng) -> (&'static str, &'static str) {
        MALE[self.male.sample(rng)]
    }

    /// A male given name as Afghans carry them: simple, "Mohammad …", "Abdul …", "…ullah",
    /// "Ghulam …" or "Sayed …".
    fn male_given(&self, rng: &mut ChaCha8Rng) -> Name {
        let r: f64 = rng.r#gen();
        if r < 0.50 {
            let (l, a) = self.male_simple(rng);
            Name::simple(l, a)
        } else if r < 0.68 {
            let (l, a) = loop {
                let n = self.male_simple(rng);
                if n.0 != "Mohammad" {
                    break n;
                }
            };
            Name {
                latin: format!("Mohammad {l}"),
                arabic: Some(format!("محمد {a}")),
                droppable_prefix: true,
            }
        } else if r < 0.81 {
            let (l, a) = ABDUL[self.abdul.sample(rng)];
            Name::simple(&format!("Abdul {l}"), a)
        } else if r < 0.93 {
            let (l, a) = ULLAH[self.ullah.sample(rng)];
            Name::simple(l, a)
        } else if r < 0.97 {
            let (l, a) = self.male_simple(rng);
            Name {
                latin: format!("Ghulam {l}"),
                arabic: Some(format!("غلام {a}")),
                droppable_prefix: false,
            }
        } else {
            let (l, a) = self.male_simple(rng);
            Name {
                latin: format!("Sayed {l}"),
                arabic: Some(format!("سید {a}")),
                droppable_prefix: true,
            }
        }
    }

    fn female_given(&self, rng: &mut ChaCha8Rng) -> Name {
        let (l, a) = FEMALE[self.female.sample(rng)];
        Name::simple(l, a)
    }

    fn given(&self, rng: &mut ChaCha8Rng, male: bool, us: bool) -> Name {
        match (us, male) {
            (true, true) => Name::latin_only(pick(rng, US_MALE)),
            (true, false) => Name::latin_only(pick(rng, US_FEMALE)),
            (false, true) => self.male_given(rng),
            (false, false) => self.female_given(rng),
        }
    }

    fn family(&self, rng: &mut ChaCha8Rng, us: bool) -> Name {
        if us {
            Name::latin_only(pick(rng, US_FAMILY))
        } else {
            let (l, a) = FAMILY[self.family.sample(rng)];
            Name::simple(l, a)
        }
    }
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, list: &[T]) -> T {
    list[rng.gen_range(0..list.len())]
}

const DAYS_PER_YEAR: f64 = 365.2425;

fn reference_jdn() -> i64 {
    let (y, m, d) = REFERENCE_DATE;
    jdn_from_gregorian(y.into(), m.into(), d.into())
}

/// A birth date for someone `age` years old (in whole years) on the reference date.
fn birth_for_age(rng: &mut ChaCha8Rng, age: f64) -> i64 {
    reference_jdn() - (age * DAYS_PER_YEAR) as i64 - rng.gen_range(0..365)
}

fn age_on_reference(dob: i64) -> f64 {
    (reference_jdn() - dob) as f64 / DAYS_PER_YEAR
}

fn afghan_phone(rng: &mut ChaCha8Rng) -> String {
    format!(
        "937{}{:07}",
        rng.gen_range(0..10),
        rng.gen_range(0..10_000_000)
    )
}

fn us_phone(rng: &mut ChaCha8Rng) -> String {
    format!(
        "1{}{:02}{}{:06}",
        rng.gen_range(2..10),
        rng.gen_range(0..100),
        rng.gen_range(2..10),
        rng.gen_range(0..1_000_000)
    )
}

fn ascii_lower(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

struct Population {
    households: Vec<Household>,
    persons: Vec<Person>,
}

/// The number of children of a couple, before the mother's age limits it (mean ≈ 2.7).
const CHILDREN: [(usize, f64); 9] = [
    (0, 12.0),
    (1, 15.0),
    (2, 19.0),
    (3, 18.0),
    (4, 14.0),
    (5, 10.0),
    (6, 6.0),
    (7, 4.0),
    (8, 2.0),
];

fn weighted<T: Copy>(rng: &mut ChaCha8Rng, table: &[(T, f64)]) -> T {
    let total: f64 = table.iter().map(|(_, w)| w).sum();
    let mut x = rng.gen_range(0.0..total);
    for &(v, w) in table {
        if x < w {
            return v;
        }
        x -= w;
    }
    table[table.len() - 1].0
}

impl Population {
    fn generate(rng: &mut ChaCha8Rng, samplers: &Samplers, people: usize) -> Population {
        let mut population = Population {
            households: Vec::with_capacity(people / 4 + 1),
            persons: Vec::with_capacity(people + 16),
        };
        while population.persons.len() < people {
            let kind = weighted(rng, &KIND_WEIGHTS);
            population.add_household(rng, samplers, kind);
        }
        population.persons.truncate(people);
        population
    }

    fn add_household(&mut self, rng: &mut ChaCha8Rng, samplers: &Samplers, kind: Kind) {
        let hid = self.households.len();
        let start = self.persons.len();
        let province = if rng.gen_bool(0.75) {
            0
        } else {
            rng.gen_range(1..PROVINCES.len())
        };
        let address = if province == 0 {
            Address::Kabul {
                house: rng.gen_range(1..400),
                street: rng.gen_range(1..30),
                district: rng.gen_range(0..KABUL_DISTRICTS.len()),
            }
        } else {
            Address::Province {
                nahia: rng.gen_range(1..8),
                street: rng.gen_range(1..20),
                province,
            }
        };
        let postcode = match address {
            Address::Kabul { district, .. } => format!("{}", 1001 + district),
            Address::Province { nahia, .. } => format!("{}", 1000 + 100 * province as u32 + nahia),
        };
        // Who the household is: US-named (staff citizens, some citizens) or Afghan.
        let us_named = match kind {
            Kind::StaffCitizen => rng.gen_bool(0.6),
            Kind::Citizen => rng.gen_bool(0.2),
            _ => false,
        };
        let passports = rng.gen_bool(match kind {
            Kind::StaffCitizen => 1.0,
            Kind::StaffLocal => 0.7,
            Kind::Citizen => 0.85,
            Kind::Siv => 0.5,
            Kind::Referral => 0.35,
            Kind::Other => 0.3,
        });
        // Many Afghans carry no family name; their children then have none either.
        let no_family = !us_named && rng.gen_bool(0.15);
        let (head_age_lo, head_age_hi) = match kind {
            Kind::StaffCitizen => (25.0, 62.0),
            Kind::StaffLocal => (22.0, 60.0),
            Kind::Citizen => (25.0, 72.0),
            Kind::Siv => (22.0, 60.0),
            Kind::Referral => (20.0, 65.0),
            Kind::Other => (18.0, 70.0),
        };
        let single = rng.gen_bool(match kind {
            Kind::StaffCitizen => 0.8,
            Kind::Other => 0.3,
            _ => 0.1,
        });
        let head_male = rng.gen_bool(if kind == Kind::StaffCitizen {
            0.6
        } else {
            0.88
        });
        let head_age = rng.gen_range(head_age_lo..head_age_hi);
        let family = (!no_family).then(|| samplers.family(rng, us_named));
        let head_father = (!us_named).then(|| samplers.male_given(rng));

        let head_dob = birth_for_age(rng, head_age);
        let head = self.new_person(
            rng,
            samplers,
            (hid, province),
            Role::Head,
            head_male,
            us_named,
            head_dob,
            family.clone(),
            head_father.clone(),
        );
        let head_given = head.given.clone();
        self.persons.push(head);

        let mut mother_dob = if head_male { None } else { Some(head_dob) };
        if !single && head_male {
            let age = (head_age - rng.gen_range(0.0..12.0)).max(17.0);
            // A wife keeps her father's family name half the time.
            let spouse_family = if us_named || rng.gen_bool(0.5) {
                family.clone()
            } else {
                Some(samplers.family(rng, false))
            };
            let spouse_father = (!us_named).then(|| samplers.male_given(rng));
            let spouse_dob = birth_for_age(rng, age);
            let spouse = self.new_person(
                rng,
                samplers,
                (hid, province),
                Role::Spouse,
                false,
                us_named,
                spouse_dob,
                spouse_family,
                spouse_father,
            );
            mother_dob = Some(spouse.dob);
            self.persons.push(spouse);
        }
        if !single && kind != Kind::StaffCitizen {
            let mother = mother_dob.unwrap_or(head_dob + (5.0 * DAYS_PER_YEAR) as i64);
            let wanted = weighted(rng, &CHILDREN);
            let children_father = if head_male {
                Some(head_given.clone())
            } else {
                (!us_named).then(|| samplers.male_given(rng))
            };
            let mut birth = mother + (rng.gen_range(18.0..28.0) * DAYS_PER_YEAR) as i64;
            let latest = reference_jdn() - 10;
            let mut born = 0;
            while born < wanted && birth <= latest && birth - mother < (45.0 * DAYS_PER_YEAR) as i64
            {
                // About one birth in thirty is twins (more than in life: they are the hardest
                // negatives, and the benchmark should hold enough of them).
                let twins = rng.gen_bool(0.035);
                for _ in 0..if twins { 2 } else { 1 } {
                    let male = rng.gen_bool(0.51);
                    let child = self.new_child(
                        rng,
                        samplers,
                        (hid, province),
                        start,
                        male,
                        us_named,
                        birth,
                        family.clone(),
                        children_father.clone(),
                        twins,
                    );
                    self.persons.push(child);
                    born += 1;
                }
                birth += rng.gen_range(365..1500);
            }
        }
        if !us_named && !single && rng.gen_bool(0.1) {
            // A grandparent: the head's father (whose given name is the head's father's name)
            // or the head's mother.
            let age = (head_age + rng.gen_range(20.0..35.0)).min(92.0);
            let grandfather = rng.gen_bool(0.45) && head_father.is_some();
            let dob = birth_for_age(rng, age);
            let gp_father = samplers.male_given(rng);
            let mut gp = self.new_person(
                rng,
                samplers,
                (hid, province),
                Role::Grandparent,
                grandfather,
                false,
                dob,
                if grandfather { family.clone() } else { None },
                Some(gp_father),
            );
            if grandfather && let Some(f) = &head_father {
                gp.given = f.clone();
            }
            self.persons.push(gp);
        }

        // Who is staff, who holds US citizenship.
        let end = self.persons.len();
        match kind {
            Kind::StaffCitizen => {
                self.persons[start].staff = true;
            }
            Kind::StaffLocal => {
                let staff = if end > start + 1
                    && self.persons[start + 1].role == Role::Spouse
                    && rng.gen_bool(0.1)
                {
                    start + 1
                } else {
                    start
                };
                self.persons[staff].staff = true;
            }
            _ => {}
        }
        for i in start..end {
            let p = &mut self.persons[i];
            p.us_citizen = match kind {
                Kind::StaffCitizen => true,
                Kind::Citizen => p.role == Role::Head || us_named || rng.gen_bool(0.75),
                _ => false,
            };
            p.afghan = !us_named;
            let has_passport = if passports {
                rng.gen_bool(0.92)
            } else {
                rng.gen_bool(0.05)
            };
            if p.afghan && has_passport {
                p.passport_af = Some(format!("P{:07}", rng.gen_range(0..10_000_000)));
            }
            if p.us_citizen {
                p.passport_us = Some(format!(
                    "{}{:08}",
                    rng.gen_range(5..7),
                    rng.gen_range(0..100_000_000)
                ));
            }
            let adult = age_on_reference(p.dob) >= 18.0;
            if p.afghan && rng.gen_bool(if adult { 0.8 } else { 0.5 }) {
                p.national_id = Some(format!(
                    "{}{:04}{:05}",
                    rng.gen_range(1396..1401),
                    rng.gen_range(100..3500),
                    rng.gen_range(0..100_000)
                ));
            }
            let own_phone = match p.role {
                Role::Head => rng.gen_bool(0.96),
                Role::Spouse => rng.gen_bool(0.45),
                Role::Child => adult && rng.gen_bool(0.6),
                Role::Grandparent => rng.gen_bool(0.1),
            };
            if own_phone {
                p.phone = Some(if p.us_citizen && (us_named || rng.gen_bool(0.4)) {
                    us_phone(rng)
                } else {
                    afghan_phone(rng)
                });
                if rng.gen_bool(0.12) {
                    p.alt_phone = Some(afghan_phone(rng));
                }
            }
            let email_p = match (p.role, kind) {
                (Role::Head, Kind::StaffCitizen | Kind::StaffLocal) => 0.95,
                (Role::Head, Kind::Citizen) => 0.7,
                (Role::Head, _) => 0.3,
                (Role::Spouse, _) => 0.15,
                (Role::Child, _) if adult => 0.3,
                _ => 0.0,
            };
            if rng.gen_bool(email_p) {
                let given = ascii_lower(p.given.latin.split(' ').next_back().unwrap_or(""));
                let fam = p
                    .family
                    .as_ref()
                    .map(|f| ascii_lower(&f.latin))
                    .unwrap_or_default();
                let (y, _, _) = gregorian_from_jdn(p.dob);
                let domain = pick(
                    rng,
                    &["gmail.com", "yahoo.com", "hotmail.com", "outlook.com"],
                );
                p.email = Some(match rng.gen_range(0..4) {
                    0 if !fam.is_empty() => format!("{given}.{fam}@{domain}"),
                    1 if !fam.is_empty() => format!("{given}{fam}{}@{domain}", y % 100),
                    2 => format!("{given}_{y}@{domain}"),
                    _ => format!("{given}{}@{domain}", rng.gen_range(1..999)),
                });
                if p.staff && kind == Kind::StaffCitizen {
                    let initial = given.chars().next().unwrap_or('x');
                    p.email = Some(format!("{fam}{initial}@state.gov"));
                }
            }
        }
        self.households.push(Household {
            kind,
            province,
            address,
            postcode,
            head: start,
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn new_person(
        &self,
        rng: &mut ChaCha8Rng,
        samplers: &Samplers,
        (household, household_province): (usize, usize),
        role: Role,
        male: bool,
        us: bool,
        dob: i64,
        family: Option<Name>,
        father: Option<Name>,
    ) -> Person {
        let age = age_on_reference(dob);
        Person {
            household,
            role,
            male,
            given: samplers.given(rng, male, us),
            family,
            father,
            dob,
            // Older Afghans often have no recorded birth date: documents carry 1 January.
            dob_unknown: !us && rng.gen_bool(if age > 30.0 { 0.3 } else { 0.08 }),
            us_citizen: false,
            afghan: true,
            staff: false,
            passport_af: None,
            passport_us: None,
            national_id: None,
            phone: None,
            alt_phone: None,
            email: None,
            birth_province: if rng.gen_bool(0.65) {
                household_province
            } else {
                rng.gen_range(0..PROVINCES.len())
            },
        }
    }

    /// A child with a given name unlike any sibling's (twins too).
    #[allow(clippy::too_many_arguments)]
    fn new_child(
        &self,
        rng: &mut ChaCha8Rng,
        samplers: &Samplers,
        household: (usize, usize),
        first_member: usize,
        male: bool,
        us: bool,
        dob: i64,
        family: Option<Name>,
        father: Option<Name>,
        twin: bool,
    ) -> Person {
        let mut child = self.new_person(
            rng,
            samplers,
            household,
            Role::Child,
            male,
            us,
            dob,
            family,
            father,
        );
        let siblings = &self.persons[first_member..];
        // Twin boys are often Hassan and Hussain.
        if twin && male && !us {
            match siblings.last() {
                Some(prev) if prev.dob == dob => {
                    if prev.male && prev.given.latin == "Hassan" {
                        child.given = Name::simple("Hussain", "حسین");
                    }
                }
                _ => {
                    if rng.gen_bool(0.3) && !siblings.iter().any(|s| s.given.latin == "Hassan") {
                        child.given = Name::simple("Hassan", "حسن");
                    }
                }
            }
        }
        let mut tries = 0;
        while tries < 50
            && siblings.iter().any(|s| {
                s.given.latin == child.given.latin
                    || (s.dob == dob
                        && s.male == male
                        && s.given.latin.split(' ').next_back()
                            == child.given.latin.split(' ').next_back())
            })
        {
            child.given = samplers.given(rng, male, us);
            tries += 1;
        }
        child.dob_unknown = false;
        child
    }

    /// The lists each person stands on: per list, the persons (a person twice for a duplicate
    /// within the list).
    fn memberships(&self, rng: &mut ChaCha8Rng) -> Vec<Vec<usize>> {
        let mut lists: Vec<Vec<usize>> = vec![Vec::new(); SOURCES.len()];
        let mut on_a_list = vec![false; self.persons.len()];
        let n = self.persons.len();
        for h in &self.households {
            let members: Vec<usize> = (h.head..n)
                .take_while(|&i| self.persons[i].household == self.persons[h.head].household)
                .collect();
            // HR lists the staff members themselves, never their families.
            for &m in &members {
                if self.persons[m].staff {
                    lists[HR].push(m);
                    on_a_list[m] = true;
                }
            }
            for &(list, household_p, whole_family_p) in listings(h.kind) {
                if !rng.gen_bool(household_p) {
                    continue;
                }
                let whole = rng.gen_bool(whole_family_p);
                for &m in &members {
                    let p = &self.persons[m];
                    let include = if list == CONSULAR && h.kind == Kind::StaffLocal {
                        false
                    } else if list == CONSULAR {
                        p.us_citizen && rng.gen_bool(0.93)
                    } else if m == h.head {
                        true
                    } else {
                        whole && rng.gen_bool(0.93)
                    };
                    if include {
                        lists[list].push(m);
                        on_a_list[m] = true;
                    }
                }
            }
            // Everyone stands on at least one list: the list of their category.
            for &m in &members {
                if !on_a_list[m] {
                    let p = &self.persons[m];
                    let list = match h.kind {
                        Kind::StaffCitizen | Kind::Citizen if p.us_citizen => CONSULAR,
                        Kind::StaffCitizen | Kind::Citizen => HOTLINE,
                        Kind::StaffLocal | Kind::Siv => SIV,
                        Kind::Referral => {
                            if rng.gen_bool(0.55) {
                                NGO_A
                            } else {
                                NGO_B
                            }
                        }
                        Kind::Other => HOTLINE,
                    };
                    lists[list].push(m);
                    on_a_list[m] = true;
                }
            }
        }
        // A few people stand twice on the same list.
        for (list, members) in lists.iter_mut().enumerate() {
            let dup = PROFILES[list].duplicate;
            let extra: Vec<usize> = members
                .iter()
                .copied()
                .filter(|_| rng.gen_bool(dup))
                .collect();
            members.extend(extra);
        }
        lists
    }
}

const HR: usize = 0;
const CONSULAR: usize = 1;
const SIV: usize = 2;
const NGO_A: usize = 3;
const NGO_B: usize = 4;
const HOTLINE: usize = 5;

/// For a household kind: (list, probability that the household is on it, probability that the
/// whole family is listed rather than the head alone). HR is decided per staff member.
fn listings(kind: Kind) -> &'static [(usize, f64, f64)] {
    match kind {
        Kind::StaffCitizen => &[(CONSULAR, 0.45, 1.0), (HOTLINE, 0.04, 0.5)],
        Kind::StaffLocal => &[
            (SIV, 0.7, 0.97),
            (NGO_A, 0.08, 0.8),
            (NGO_B, 0.06, 0.8),
            (HOTLINE, 0.3, 0.6),
        ],
        Kind::Citizen => &[
            (CONSULAR, 0.92, 1.0),
            (NGO_A, 0.05, 0.7),
            (NGO_B, 0.04, 0.7),
            (HOTLINE, 0.35, 0.6),
        ],
        Kind::Siv => &[
            (SIV, 0.97, 0.98),
            (NGO_A, 0.2, 0.85),
            (NGO_B, 0.15, 0.85),
            (HOTLINE, 0.33, 0.55),
        ],
        Kind::Referral => &[
            (SIV, 0.05, 0.9),
            (NGO_A, 0.6, 0.9),
            (NGO_B, 0.5, 0.9),
            (HOTLINE, 0.3, 0.55),
        ],
        Kind::Other => &[(NGO_A, 0.08, 0.8), (NGO_B, 0.1, 0.8), (HOTLINE, 1.0, 0.7)],
    }
}

// ---------------------------------------------------------------------------------------------
// Lists: how each one writes a person.

/// How a list writes its rows. Probabilities are per row (names: per name).
struct Profile {
    source: &'static str,
    prefix: &'static str,
    /// Copied from documents (passports, tazkiras): 1 January placeholders, father's name as
    /// surname for people without one.
    documents: bool,
    /// Only a `full_name` column.
    full_only: f64,
    /// `full_name` and the split columns.
    full_and_split: f64,
    arabic: f64,
    upper: f64,
    lower: f64,
    /// A spelling variant, per name word.
    variant: f64,
    /// A one-character typo, per name.
    typo: f64,
    /// Given and family name swapped.
    swap: f64,
    /// Only the given name, nothing of the family or father.
    single_name: f64,
    /// The row has a single name and nothing else that identifies (a sign-up sheet's "Farid,
    /// Kabul").
    bare: f64,
    /// "Mohammad Farid" written "Farid".
    prefix_drop: f64,
    father: f64,
    dob: f64,
    jan1: f64,
    year_only: f64,
    hijri: f64,
    day_month_swap: f64,
    date_typo: f64,
    passport: f64,
    passport_typo: f64,
    national_id: f64,
    phone: f64,
    /// A family member's row carries the head's phone and email (the case's contact).
    contact: f64,
    /// Weights of the phone formats: +93 7x xxx xxxx, +937xxxxxxxx, 00937xxxxxxxx,
    /// 07x xxx xxxx, 07xxxxxxxx, 07x-xxx-xxxx, 7xxxxxxxx.
    phone_formats: [f64; 7],
    email: f64,
    place_of_birth: f64,
    address: f64,
    city: f64,
    province: f64,
    postcode: f64,
    sex: f64,
    nationality: f64,
    duplicate: f64,
}

const PROFILES: [Profile; 6] = [
    Profile {
        source: "hr_staff",
        prefix: "hr",
        documents: true,
        full_only: 0.0,
        full_and_split: 0.1,
        arabic: 0.0,
        upper: 0.3,
        lower: 0.0,
        variant: 0.06,
        typo: 0.01,
        swap: 0.01,
        single_name: 0.0,
        bare: 0.0,
        prefix_drop: 0.05,
        father: 0.85,
        dob: 0.98,
        jan1: 0.01,
        year_only: 0.0,
        hijri: 0.0,
        day_month_swap: 0.01,
        date_typo: 0.005,
        passport: 0.85,
        passport_typo: 0.01,
        national_id: 0.8,
        phone: 0.97,
        contact: 0.0,
        phone_formats: [0.5, 0.2, 0.0, 0.2, 0.1, 0.0, 0.0],
        email: 0.95,
        place_of_birth: 0.6,
        address: 0.8,
        city: 0.9,
        province: 0.9,
        postcode: 0.5,
        sex: 0.99,
        nationality: 0.99,
        duplicate: 0.002,
    },
    Profile {
        source: "consular_registry",
        prefix: "cr",
        documents: true,
        full_only: 0.0,
        full_and_split: 0.3,
        arabic: 0.0,
        upper: 0.1,
        lower: 0.0,
        variant: 0.2,
        typo: 0.02,
        swap: 0.02,
        single_name: 0.0,
        bare: 0.0,
        prefix_drop: 0.1,
        father: 0.0,
        dob: 0.97,
        jan1: 0.02,
        year_only: 0.01,
        hijri: 0.0,
        day_month_swap: 0.04,
        date_typo: 0.01,
        passport: 0.9,
        passport_typo: 0.02,
        national_id: 0.1,
        phone: 0.92,
        contact: 0.3,
        phone_formats: [0.3, 0.3, 0.1, 0.1, 0.1, 0.1, 0.0],
        email: 0.8,
        place_of_birth: 0.7,
        address: 0.6,
        city: 0.85,
        province: 0.5,
        postcode: 0.2,
        sex: 0.95,
        nationality: 0.95,
        duplicate: 0.01,
    },
    Profile {
        source: "siv_pipeline",
        prefix: "siv",
        documents: true,
        full_only: 0.0,
        full_and_split: 0.0,
        arabic: 0.0,
        upper: 0.5,
        lower: 0.0,
        variant: 0.25,
        typo: 0.03,
        swap: 0.04,
        single_name: 0.01,
        bare: 0.0,
        prefix_drop: 0.1,
        father: 0.6,
        dob: 0.97,
        jan1: 0.03,
        year_only: 0.02,
        hijri: 0.03,
        day_month_swap: 0.03,
        date_typo: 0.01,
        passport: 0.75,
        passport_typo: 0.03,
        national_id: 0.7,
        phone: 0.9,
        contact: 0.8,
        phone_formats: [0.3, 0.3, 0.15, 0.1, 0.1, 0.05, 0.0],
        email: 0.6,
        place_of_birth: 0.5,
        address: 0.5,
        city: 0.6,
        province: 0.6,
        postcode: 0.05,
        sex: 0.97,
        nationality: 0.9,
        duplicate: 0.01,
    },
    Profile {
        source: "partner_ngo_a",
        prefix: "nga",
        documents: false,
        full_only: 0.7,
        full_and_split: 0.1,
        arabic: 0.05,
        upper: 0.05,
        lower: 0.05,
        variant: 0.35,
        typo: 0.04,
        swap: 0.06,
        single_name: 0.04,
        bare: 0.005,
        prefix_drop: 0.2,
        father: 0.4,
        dob: 0.8,
        jan1: 0.05,
        year_only: 0.4,
        hijri: 0.05,
        day_month_swap: 0.03,
        date_typo: 0.02,
        passport: 0.35,
        passport_typo: 0.04,
        national_id: 0.3,
        phone: 0.85,
        contact: 0.6,
        phone_formats: [0.15, 0.15, 0.15, 0.2, 0.2, 0.1, 0.05],
        email: 0.2,
        place_of_birth: 0.3,
        address: 0.3,
        city: 0.5,
        province: 0.6,
        postcode: 0.0,
        sex: 0.7,
        nationality: 0.5,
        duplicate: 0.02,
    },
    Profile {
        source: "partner_ngo_b",
        prefix: "ngb",
        documents: false,
        full_only: 0.2,
        full_and_split: 0.0,
        arabic: 0.6,
        upper: 0.0,
        lower: 0.0,
        variant: 0.35,
        typo: 0.04,
        swap: 0.05,
        single_name: 0.03,
        bare: 0.0,
        prefix_drop: 0.2,
        father: 0.85,
        dob: 0.85,
        jan1: 0.03,
        year_only: 0.3,
        hijri: 0.7,
        day_month_swap: 0.01,
        date_typo: 0.02,
        passport: 0.2,
        passport_typo: 0.04,
        national_id: 0.65,
        phone: 0.85,
        contact: 0.6,
        phone_formats: [0.05, 0.1, 0.15, 0.3, 0.3, 0.05, 0.05],
        email: 0.05,
        place_of_birth: 0.5,
        address: 0.3,
        city: 0.6,
        province: 0.8,
        postcode: 0.0,
        sex: 0.8,
        nationality: 0.3,
        duplicate: 0.02,
    },
    Profile {
        source: "hotline",
        prefix: "hl",
        documents: false,
        full_only: 0.5,
        full_and_split: 0.0,
        arabic: 0.25,
        upper: 0.05,
        lower: 0.15,
        variant: 0.4,
        typo: 0.06,
        swap: 0.06,
        single_name: 0.08,
        bare: 0.015,
        prefix_drop: 0.25,
        father: 0.3,
        dob: 0.65,
        jan1: 0.05,
        year_only: 0.4,
        hijri: 0.25,
        day_month_swap: 0.03,
        date_typo: 0.03,
        passport: 0.25,
        passport_typo: 0.05,
        national_id: 0.2,
        phone: 0.95,
        contact: 0.5,
        phone_formats: [0.1, 0.15, 0.15, 0.2, 0.25, 0.05, 0.1],
        email: 0.2,
        place_of_birth: 0.1,
        address: 0.2,
        city: 0.5,
        province: 0.4,
        postcode: 0.0,
        sex: 0.5,
        nationality: 0.3,
        duplicate: 0.05,
    },
];

/// Whole-word spelling variants of common names.
const WORD_VARIANTS: &[(&str, &[&str])] = &[
    (
        "Mohammad",
        &[
            "Muhammad", "Mohammed", "Mohamad", "Muhammed", "Mohamed", "Mohd", "Mohammod", "M.",
        ],
    ),
    ("Ahmad", &["Ahmed", "Ahmd"]),
    ("Mahmood", &["Mahmud", "Mahmoud"]),
    ("Mustafa", &["Mostafa", "Mustapha"]),
    ("Hussain", &["Hussein", "Husain", "Hossain"]),
    ("Hassan", &["Hasan"]),
    ("Omar", &["Umar"]),
    ("Osman", &["Usman", "Othman"]),
    ("Yousuf", &["Yusuf", "Yousef", "Yosuf", "Yousof"]),
    ("Yaqub", &["Yaqoob", "Yakub", "Yaqoub"]),
    ("Ibrahim", &["Ebrahim", "Ibraheem"]),
    ("Ismail", &["Esmail", "Ismael"]),
    ("Ishaq", &["Ishaque", "Eshaq"]),
    ("Idris", &["Idrees", "Edris"]),
    ("Dawood", &["Dawud", "Daud", "Daoud"]),
    ("Sulaiman", &["Suleiman", "Sulayman", "Soleiman"]),
    ("Haroon", &["Harun", "Haroun"]),
    ("Sayed", &["Syed", "Sayyed", "Sayyid", "Seyed"]),
    ("Ghulam", &["Gholam", "Golam", "Gulam"]),
    ("Fatima", &["Fatema", "Fatimah", "Fatemah"]),
    ("Mariam", &["Maryam", "Mariyam"]),
    ("Laila", &["Layla", "Leila"]),
    ("Zainab", &["Zaynab", "Zeinab"]),
    ("Khadija", &["Khadijah", "Khadeja"]),
    ("Aisha", &["Ayesha", "Aysha", "Aesha"]),
    ("Sakina", &["Sakineh", "Sakeena"]),
    ("Soraya", &["Suraya", "Suraia"]),
    ("Nilofar", &["Nilufar", "Niloofar"]),
    ("Parwana", &["Parvana"]),
    ("Wahid", &["Wahed", "Vahid"]),
    ("Rasool", &["Rasul", "Rasoul"]),
    ("Siddiq", &["Sediq", "Sidiq", "Siddique"]),
    ("Qasim", &["Qasem", "Kasim"]),
    ("Tariq", &["Tarik", "Tareq"]),
    ("Farooq", &["Faruq", "Farouk"]),
    ("Nasir", &["Naseer", "Naser"]),
    ("Basir", &["Baseer"]),
    ("Bashir", &["Basheer"]),
    ("Zahir", &["Zaheer", "Zaher"]),
    ("Jamil", &["Jameel"]),
    ("Jalil", &["Jaleel"]),
    ("Kabir", &["Kabeer"]),
    ("Habib", &["Habeeb"]),
    ("Hamid", &["Hameed"]),
    ("Rahim", &["Raheem"]),
    ("Karim", &["Kareem"]),
    ("Latif", &["Lateef"]),
    ("Majid", &["Majeed", "Majed"]),
    ("Rahman", &["Rehman", "Rahmaan"]),
    ("Rauf", &["Raouf", "Rawoof"]),
    ("Razaq", &["Razzaq", "Razak"]),
    ("Sattar", &["Satar"]),
    ("Ghafoor", &["Ghafur"]),
    ("Qadir", &["Qader", "Kadir", "Qadeer"]),
    ("Qayum", &["Qayyum", "Qayoom"]),
    ("Saboor", &["Sabur"]),
    ("Noor", &["Nur"]),
    ("Ahmadzai", &["Ahmadzay", "Ahmedzai"]),
    ("Yousufzai", &["Yusufzai", "Yousafzai"]),
    ("Noori", &["Nuri", "Noorie"]),
    ("Hashimi", &["Hashemi", "Hashimy"]),
    ("Rezai", &["Rezaee", "Rezaei", "Rezaie"]),
    ("Mohammadi", &["Muhammadi", "Mohammady"]),
    ("Sediqi", &["Siddiqi", "Sidiqi", "Sediqy"]),
    ("Mousavi", &["Musawi", "Moosavi", "Mosawi"]),
    ("Hussaini", &["Husseini", "Hosseini", "Husaini"]),
    ("Qaderi", &["Qadiri", "Kaderi"]),
    ("Wardak", &["Wardag"]),
    ("Osmani", &["Usmani"]),
    ("Stanikzai", &["Stanekzai"]),
    ("Jafari", &["Jafary", "Jaafari"]),
    ("Haidari", &["Haidary", "Heidari", "Haydari"]),
    ("Durrani", &["Durani"]),
    ("Kakar", &["Kakkar"]),
    ("Achakzai", &["Achekzai"]),
    ("Alokozai", &["Alikozai"]),
    ("Ahmadi", &["Ahmady", "Ahmedi"]),
];

/// Variants of word endings, tried when the whole word has none.
const SUFFIX_VARIANTS: &[(&str, &[&str])] = &[
    ("ullah", &["ulla", "ollah", "ulah", " Ullah"]),
    ("zai", &["zay", "zaee", "zoy"]),
    ("zada", &["zadah", "zadeh", "zade"]),
];

/// Letter-level transliteration variants, tried last.
const INNER_VARIANTS: &[(&str, &str)] = &[
    ("oo", "u"),
    ("ee", "i"),
    ("ou", "u"),
    ("q", "k"),
    ("w", "v"),
    ("i", "e"),
];

fn variant_word(rng: &mut ChaCha8Rng, word: &str) -> String {
    if let Some((_, alts)) = WORD_VARIANTS.iter().find(|(w, _)| *w == word) {
        return pick(rng, alts).to_string();
    }
    for (suffix, alts) in SUFFIX_VARIANTS {
        if let Some(stem) = word.strip_suffix(suffix)
            && !stem.is_empty()
        {
            return format!("{stem}{}", pick(rng, alts));
        }
    }
    // Family names end in "-i" or "-y" as the clerk hears them.
    if word.len() > 4 && word.ends_with('i') && rng.gen_bool(0.5) {
        return format!("{}y", &word[..word.len() - 1]);
    }
    let options: Vec<&(&str, &str)> = INNER_VARIANTS
        .iter()
        .filter(|(from, _)| word[1..].contains(from))
        .collect();
    if options.is_empty() {
        return word.to_string();
    }
    let (from, to) = *options[rng.gen_range(0..options.len())];
    // Replace one occurrence after the first letter.
    match word[1..].find(from) {
        Some(pos) => {
            let pos = pos + 1;
            format!("{}{}{}", &word[..pos], to, &word[pos + from.len()..])
        }
        None => word.to_string(),
    }
}

/// Sun letters assimilate the "l" of "Abdul": Abdur Rahman, Abdus Sattar.
fn sun_letter(word: &str) -> Option<char> {
    let first = word.chars().next()?.to_ascii_lowercase();
    matches!(first, 'r' | 's' | 'z' | 't' | 'd' | 'n').then_some(first)
}

/// A Latin name as one list writes it: per word, with probability `rate`, another spelling.
fn spell(rng: &mut ChaCha8Rng, latin: &str, rate: f64) -> String {
    if rate == 0.0 {
        return latin.to_string();
    }
    let words: Vec<&str> = latin.split(' ').collect();
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        if w == "Abdul" && i + 1 < words.len() && rng.gen_bool(rate) {
            let next = words[i + 1];
            let next = if rng.gen_bool(rate) {
                variant_word(rng, next)
            } else {
                next.to_string()
            };
            let lower = next.to_lowercase();
            let form = rng.gen_range(0..6);
            out.push(match (form, sun_letter(&next)) {
                (0, _) => format!("Abdul{lower}"),
                (1, _) => format!("Abdul-{next}"),
                (2, Some(c)) => format!("Abdu{c}{lower}"),
                (2, None) => format!("Abdul{lower}"),
                (3, Some(c)) => format!("Abdu{c} {next}"),
                (3, None) => format!("Abdul {next}"),
                (4, _) => format!("Abd al-{next}"),
                _ => format!("Abd-ul-{next}"),
            });
            i += 2;
            continue;
        }
        out.push(if rng.gen_bool(rate) {
            variant_word(rng, w)
        } else {
            w.to_string()
        });
        i += 1;
    }
    out.join(" ")
}

/// One character deleted, doubled, replaced or swapped with its neighbour (never the first).
fn typo(rng: &mut ChaCha8Rng, s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    if chars.len() < 4 {
        return s.to_string();
    }
    let i = rng.gen_range(1..chars.len());
    if chars[i] == ' ' || chars[i - 1] == ' ' {
        return s.to_string();
    }
    let arabic = chars[i] as u32 >= 0x0600;
    match rng.gen_range(0..4) {
        0 => {
            chars.remove(i);
        }
        1 => chars.insert(i, chars[i]),
        2 => {
            chars[i] = if arabic {
                pick(rng, &['ر', 'ز', 'د', 'ن', 'ی', 'ه', 'و', 'ا'])
            } else {
                char::from(b'a' + rng.gen_range(0..26))
            }
        }
        _ => chars.swap(i - 1, i),
    }
    chars.into_iter().collect()
}

/// Arabic-script noise: Arabic yeh and kaf for the Persian ones (a Windows-1256 or Arabic
/// keyboard), the zero-width non-joiner dropped or typed as a space, a final ta marbuta.
fn arabic_noise(rng: &mut ChaCha8Rng, s: &str) -> String {
    let mut out = s.to_string();
    if rng.gen_bool(0.3) {
        out = out.replace('ی', "ي").replace('ک', "ك");
    }
    if out.contains('\u{200c}') {
        out = match rng.gen_range(0..3) {
            0 => out,
            1 => out.replace('\u{200c}', ""),
            _ => out.replace('\u{200c}', " "),
        };
    }
    if out.ends_with('ه') && rng.gen_bool(0.1) {
        out.pop();
        out.push('ة');
    }
    out
}

fn drop_prefix(s: &str) -> &str {
    s.split_once(' ').map(|(_, rest)| rest).unwrap_or(s)
}

/// A name as the list writes it, in Latin or Arabic script.
fn write_name(
    rng: &mut ChaCha8Rng,
    name: &Name,
    profile: &Profile,
    arabic: bool,
    allow_prefix_drop: bool,
) -> String {
    let drop = allow_prefix_drop && name.droppable_prefix && rng.gen_bool(profile.prefix_drop);
    match (&name.arabic, arabic) {
        (Some(a), true) => {
            let a = if drop { drop_prefix(a) } else { a };
            let a = arabic_noise(rng, a);
            if rng.gen_bool(profile.typo / 2.0) {
                typo(rng, &a)
            } else {
                a
            }
        }
        _ => {
            let l = if drop {
                drop_prefix(&name.latin)
            } else {
                &name.latin
            };
            let l = spell(rng, l, profile.variant);
            if rng.gen_bool(profile.typo) {
                typo(rng, &l)
            } else {
                l
            }
        }
    }
}

fn phone_format(rng: &mut ChaCha8Rng, canonical: &str, profile: &Profile) -> String {
    if let Some(national) = canonical.strip_prefix("93") {
        let (a, b, c) = (&national[..2], &national[2..5], &national[5..]);
        let formats: Vec<(usize, f64)> =
            profile.phone_formats.iter().copied().enumerate().collect();
        match weighted(rng, &formats) {
            0 => format!("+93 {a} {b} {c}"),
            1 => format!("+93{national}"),
            2 => format!("0093{national}"),
            3 => format!("0{a} {b} {c}"),
            4 => format!("0{national}"),
            5 => format!("0{a}-{b}-{c}"),
            _ => national.to_string(),
        }
    } else {
        let national = canonical.strip_prefix('1').unwrap_or(canonical);
        let (a, b, c) = (&national[..3], &national[3..6], &national[6..]);
        match rng.gen_range(0..4) {
            0 => format!("+1 ({a}) {b}-{c}"),
            1 => format!("+1{national}"),
            2 => format!("{a}-{b}-{c}"),
            _ => format!("001{national}"),
        }
    }
}

/// A digit changed at random.
fn digit_typo(rng: &mut ChaCha8Rng, s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    let digits: Vec<usize> = (0..chars.len())
        .filter(|&i| chars[i].is_ascii_digit())
        .collect();
    if digits.is_empty() {
        return s.to_string();
    }
    let i = digits[rng.gen_range(0..digits.len())];
    let old = chars[i];
    loop {
        let new = char::from(b'0' + rng.gen_range(0..10));
        if new != old {
            chars[i] = new;
            break;
        }
    }
    chars.into_iter().collect()
}

/// One character of a passport number wrong: a digit replaced, two swapped, O for 0, the
/// leading letter lost.
fn passport_typo(rng: &mut ChaCha8Rng, s: &str) -> String {
    match rng.gen_range(0..5) {
        0 | 1 => digit_typo(rng, s),
        2 => {
            let mut chars: Vec<char> = s.chars().collect();
            if chars.len() > 3 {
                let i = rng.gen_range(2..chars.len());
                chars.swap(i - 1, i);
            }
            chars.into_iter().collect()
        }
        3 if s.contains('0') => s.replacen('0', "O", 1),
        _ => match s.strip_prefix('P') {
            Some(rest) => rest.to_string(),
            None => digit_typo(rng, s),
        },
    }
}

fn write_date(rng: &mut ChaCha8Rng, person: &Person, profile: &Profile) -> Option<String> {
    if !rng.gen_bool(profile.dob) {
        return None;
    }
    let (mut y, mut m, mut d) = gregorian_from_jdn(person.dob);
    let mut year_only = false;
    let mut placeholder = false;
    if person.dob_unknown {
        if profile.documents {
            placeholder = rng.gen_bool(0.85);
        } else {
            match rng.gen_range(0..10) {
                0..=4 => year_only = true,
                5..=7 => placeholder = true,
                _ => {}
            }
        }
        // Estimated ages disagree by a year now and then.
        if rng.gen_bool(0.1) {
            y += if rng.gen_bool(0.5) { 1 } else { -1 };
        }
    } else if rng.gen_bool(profile.jan1) {
        placeholder = true;
    }
    if rng.gen_bool(profile.year_only) {
        year_only = true;
    }
    if rng.gen_bool(profile.hijri) {
        let (hy, hm, hd) =
            drawdown_calendar::from_gregorian(y as i32, m as u32, d as u32).unwrap_or((1300, 1, 1));
        return Some(if year_only {
            format!("{hy}")
        } else if placeholder {
            // A Hijri placeholder is 1 Hamal, the first day of the Hijri year.
            format!("{hy}-01-01")
        } else {
            format!("{hy:04}-{hm:02}-{hd:02}")
        });
    }
    if year_only {
        return Some(format!("{y}"));
    }
    if placeholder {
        m = 1;
        d = 1;
    }
    if rng.gen_bool(profile.date_typo) {
        match rng.gen_range(0..3) {
            0 => d = rng.gen_range(1..=28),
            1 => {
                m = rng.gen_range(1..=12);
                d = d.min(28);
            }
            _ => y += if rng.gen_bool(0.5) { 1 } else { -1 },
        }
        // 29 February of a year that is no longer leap.
        if m == 2 && d == 29 {
            d = 28;
        }
    }
    if d <= 12 && d != m && rng.gen_bool(profile.day_month_swap) {
        std::mem::swap(&mut d, &mut m);
    }
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

fn place_name(
    rng: &mut ChaCha8Rng,
    latin: &'static str,
    arabic_form: &'static str,
    arabic: bool,
) -> String {
    if arabic && rng.gen_bool(0.5) {
        return arabic_form.to_string();
    }
    if rng.gen_bool(0.25)
        && let Some((_, alts)) = PLACE_VARIANTS.iter().find(|(p, _)| *p == latin)
    {
        return pick(rng, alts).to_string();
    }
    latin.to_string()
}

fn write_address(rng: &mut ChaCha8Rng, address: &Address) -> String {
    match *address {
        Address::Kabul {
            house,
            street,
            district,
        } => {
            let d = KABUL_DISTRICTS[district];
            match rng.gen_range(0..5) {
                0 => format!("House {house}, Street {street}, {d}, Kabul"),
                1 => format!("H# {house}, St# {street}, {d}"),
                2 => format!("{d}, Street {street}, House No. {house}"),
                3 => format!("{d}, Kabul"),
                _ => format!("House {house} Street {street} {d}"),
            }
        }
        Address::Province {
            nahia,
            street,
            province,
        } => {
            let city = PROVINCES[province].2;
            match rng.gen_range(0..3) {
                0 => format!("Nahia {nahia}, Street {street}, {city}"),
                1 => format!("District {nahia}, {city}"),
                _ => format!("{city}, Nahia {nahia}"),
            }
        }
    }
}

fn render(
    population: &Population,
    index: usize,
    profile: &Profile,
    rng: &mut ChaCha8Rng,
) -> Vec<(&'static str, String)> {
    let p = &population.persons[index];
    let h = &population.households[p.household];
    let head = &population.persons[h.head];
    let mut fields: Vec<(&'static str, String)> = Vec::with_capacity(12);
    let arabic = p.given.arabic.is_some() && rng.gen_bool(profile.arabic);

    // Names.
    let bare = rng.gen_bool(profile.bare);
    let single = bare || rng.gen_bool(profile.single_name);
    let mut given = write_name(rng, &p.given, profile, arabic, true);
    if single {
        // The name the person goes by: one word.
        given = given.split(' ').next_back().unwrap_or(&given).to_string();
    }
    let mut family = if single {
        None
    } else {
        match &p.family {
            Some(f) => Some(write_name(rng, f, profile, arabic, false)),
            // Passports put the father's name where the family name is missing.
            None if profile.documents => p.father.as_ref().filter(|_| rng.gen_bool(0.7)).map(|f| {
                let short = Name {
                    latin: f.latin.split(' ').next_back().unwrap_or("").to_string(),
                    arabic: f
                        .arabic
                        .as_ref()
                        .map(|a| a.split(' ').next_back().unwrap_or("").to_string()),
                    droppable_prefix: false,
                };
                write_name(rng, &short, profile, arabic, false)
            }),
            None => None,
        }
    };
    let father = if single || !rng.gen_bool(profile.father) {
        None
    } else {
        p.father
            .as_ref()
            .map(|f| write_name(rng, f, profile, arabic, true))
    };
    let swapped = family.is_some() && rng.gen_bool(profile.swap);
    // Letter case is the spreadsheet's habit, the same for every name of the row.
    let case_mode = if arabic {
        0
    } else if rng.gen_bool(profile.upper) {
        1
    } else if rng.gen_bool(profile.lower) {
        2
    } else {
        0
    };
    let case = |s: String, _: &mut ChaCha8Rng| -> String {
        match case_mode {
            1 => s.to_uppercase(),
            2 => s.to_lowercase(),
            _ => s,
        }
    };
    let r: f64 = rng.r#gen();
    let full_only = r < profile.full_only;
    let full_too = !full_only && r < profile.full_only + profile.full_and_split;
    if full_only || full_too {
        let full = match (&family, swapped) {
            (Some(f), false) => format!("{given} {f}"),
            (Some(f), true) => format!("{f} {given}"),
            (None, _) => given.clone(),
        };
        fields.push(("full_name", case(full, rng)));
    }
    if !full_only {
        if swapped {
            std::mem::swap(&mut given, family.get_or_insert_with(String::new));
        }
        fields.push(("given_name", case(given, rng)));
        if let Some(f) = family.filter(|f| !f.is_empty()) {
            fields.push(("family_name", case(f, rng)));
        }
    }
    if let Some(f) = father {
        fields.push(("father_name", case(f, rng)));
    }
    if bare {
        if rng.gen_bool(0.5) {
            let (l, a, _, _) = PROVINCES[h.province];
            fields.push(("city", place_name(rng, l, a, arabic)));
        }
        return fields;
    }

    if let Some(dob) = write_date(rng, p, profile) {
        fields.push(("date_of_birth", dob));
    }
    if rng.gen_bool(profile.sex) {
        let s = match (arabic && rng.gen_bool(0.5), profile.prefix, p.male) {
            (true, _, true) => "مرد",
            (true, _, false) => "زن",
            (false, "hr" | "siv", true) => "M",
            (false, "hr" | "siv", false) => "F",
            (false, "cr", true) => "Male",
            (false, "cr", false) => "Female",
            (false, _, true) => pick(rng, &["M", "male", "Male"]),
            (false, _, false) => pick(rng, &["F", "female", "Female"]),
        };
        fields.push(("sex", s.to_string()));
    }
    if rng.gen_bool(profile.nationality) {
        let us = p.us_citizen && (!p.afghan || profile.prefix == "cr" || rng.gen_bool(0.3));
        let n = if us {
            pick(rng, &["US", "USA", "American", "United States"])
        } else if arabic && rng.gen_bool(0.5) {
            "افغان"
        } else {
            pick(rng, &["AF", "AFG", "Afghan", "Afghanistan"])
        };
        fields.push(("nationality", n.to_string()));
    }
    let passport = if profile.prefix == "cr" {
        p.passport_us.as_ref().or(p.passport_af.as_ref())
    } else {
        p.passport_af.as_ref().or(p.passport_us.as_ref())
    };
    if let Some(pp) = passport.filter(|_| rng.gen_bool(profile.passport)) {
        let mut s = if rng.gen_bool(profile.passport_typo) {
            passport_typo(rng, pp)
        } else {
            pp.clone()
        };
        if rng.gen_bool(0.04) {
            s = s.to_lowercase();
        } else if rng.gen_bool(0.03) && s.starts_with('P') {
            s = format!("P {}", &s[1..]);
        }
        fields.push(("passport_no", s));
    }
    if let Some(nid) = p
        .national_id
        .as_ref()
        .filter(|_| rng.gen_bool(profile.national_id))
    {
        let mut s = match rng.gen_range(0..10) {
            0..=5 => format!("{}-{}-{}", &nid[..4], &nid[4..8], &nid[8..]),
            6..=8 => nid.clone(),
            _ => format!("{} {} {}", &nid[..4], &nid[4..8], &nid[8..]),
        };
        if rng.gen_bool(0.01) {
            s = digit_typo(rng, &s);
        }
        fields.push(("national_id", s));
    }
    // The phone: the person's own, or the case contact's (the head's) for a family member.
    let contact = index != h.head && rng.gen_bool(profile.contact);
    let phone = if contact || p.phone.is_none() {
        head.phone.as_ref()
    } else if p.alt_phone.is_some() && rng.gen_bool(0.25) {
        p.alt_phone.as_ref()
    } else {
        p.phone.as_ref()
    };
    if let Some(ph) = phone.filter(|_| rng.gen_bool(profile.phone)) {
        let mut s = phone_format(rng, ph, profile);
        if rng.gen_bool(0.01) {
            s = digit_typo(rng, &s);
        }
        fields.push(("phone", s));
    }
    let email = if contact {
        head.email.as_ref()
    } else {
        p.email.as_ref()
    };
    if let Some(e) = email.filter(|_| rng.gen_bool(profile.email)) {
        fields.push(("email", e.clone()));
    }
    if rng.gen_bool(profile.place_of_birth) {
        let (prov, prov_a, city, city_a) = PROVINCES[p.birth_province];
        let s = if rng.gen_bool(0.5) {
            place_name(rng, prov, prov_a, arabic)
        } else {
            place_name(rng, city, city_a, arabic)
        };
        fields.push(("place_of_birth", s));
    }
    if rng.gen_bool(profile.address) {
        fields.push(("address", write_address(rng, &h.address)));
    }
    let (prov, prov_a, city, city_a) = PROVINCES[h.province];
    if rng.gen_bool(profile.city) {
        fields.push(("city", place_name(rng, city, city_a, arabic)));
    }
    if rng.gen_bool(profile.province) {
        fields.push(("province", place_name(rng, prov, prov_a, arabic)));
    }
    if rng.gen_bool(profile.postcode) {
        fields.push(("postcode", h.postcode.clone()));
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    #[test]
    fn deterministic() {
        let a = generate_lists(7, 3_000);
        let b = generate_lists(7, 3_000);
        assert_eq!(a, b);
        let c = generate_lists(8, 3_000);
        assert_ne!(a, c);
    }

    #[test]
    fn every_person_at_least_once_and_ids_unique() {
        let people = 5_000;
        let rows = generate_lists(1, people);
        let persons: BTreeSet<u64> = rows.iter().map(|r| r.truth_person).collect();
        assert_eq!(persons.len(), people);
        assert_eq!(persons.iter().max().copied(), Some(people as u64 - 1));
        let ids: BTreeSet<&str> = rows.iter().map(|r| r.record_id.as_str()).collect();
        assert_eq!(ids.len(), rows.len());
        for r in &rows {
            assert!(SOURCES.contains(&r.source.as_str()));
            for (k, v) in &r.fields {
                assert!(FIELDS.contains(k), "unknown field {k}");
                assert!(!v.trim().is_empty(), "empty {k} in {}", r.record_id);
            }
            assert!(
                r.get("full_name").is_some() || r.get("given_name").is_some(),
                "no name in {}",
                r.record_id
            );
        }
    }

    struct Stats {
        rows: usize,
        people: usize,
        lists_per_person: BTreeMap<usize, usize>,
        rows_by_source: BTreeMap<String, usize>,
        within_list_duplicates: usize,
    }

    fn stats(rows: &[GeneratedRow]) -> Stats {
        let mut by_person: BTreeMap<u64, Vec<&str>> = BTreeMap::new();
        let mut rows_by_source = BTreeMap::new();
        for r in rows {
            by_person.entry(r.truth_person).or_default().push(&r.source);
            *rows_by_source.entry(r.source.clone()).or_insert(0) += 1;
        }
        let mut lists_per_person = BTreeMap::new();
        let mut within_list_duplicates = 0;
        for sources in by_person.values() {
            let distinct: BTreeSet<&&str> = sources.iter().collect();
            *lists_per_person.entry(distinct.len()).or_insert(0) += 1;
            within_list_duplicates += sources.len() - distinct.len();
        }
        Stats {
            rows: rows.len(),
            people: by_person.len(),
            lists_per_person,
            rows_by_source,
            within_list_duplicates,
        }
    }

    #[test]
    fn overlap_rates_are_as_intended() {
        let rows = generate_lists(42, 40_000);
        let s = stats(&rows);
        let ratio = s.rows as f64 / s.people as f64;
        eprintln!(
            "rows {} people {} ratio {ratio:.3} lists/person {:?} by source {:?} dups {}",
            s.rows, s.people, s.lists_per_person, s.rows_by_source, s.within_list_duplicates
        );
        assert!((1.38..=1.52).contains(&ratio), "rows per person {ratio}");
        // One to five lists per person; most on one, a good share on two or more.
        assert!(s.lists_per_person.keys().all(|&k| (1..=5).contains(&k)));
        let one = s.lists_per_person[&1] as f64 / s.people as f64;
        assert!((0.55..0.8).contains(&one), "share on one list {one}");
        assert!(s.lists_per_person.get(&3).copied().unwrap_or(0) > 0);
        // A few duplicates within a list (~1.5 % of rows).
        let dup = s.within_list_duplicates as f64 / s.rows as f64;
        assert!((0.005..0.04).contains(&dup), "within-list duplicates {dup}");
        // The SIV pipeline is the biggest list, HR the smallest.
        let siv = s.rows_by_source["siv_pipeline"];
        assert!(s.rows_by_source.values().all(|&n| n <= siv));
        let hr = s.rows_by_source["hr_staff"];
        assert!(s.rows_by_source.values().all(|&n| n >= hr));
    }

    fn share(rows: &[&GeneratedRow], f: impl Fn(&GeneratedRow) -> bool) -> f64 {
        rows.iter().filter(|r| f(r)).count() as f64 / rows.len().max(1) as f64
    }

    fn is_arabic(s: &str) -> bool {
        s.chars().any(|c| ('\u{0600}'..='\u{06ff}').contains(&c))
    }

    fn year(r: &GeneratedRow) -> Option<i32> {
        r.get("date_of_birth")?.get(..4)?.parse().ok()
    }

    #[test]
    fn noise_rates_are_as_intended() {
        let rows = generate_lists(42, 40_000);
        let list = |s: &str| rows.iter().filter(|r| r.source == s).collect::<Vec<_>>();
        let (hr, siv, nga, ngb, hot) = (
            list("hr_staff"),
            list("siv_pipeline"),
            list("partner_ngo_a"),
            list("partner_ngo_b"),
            list("hotline"),
        );
        // Arabic script: none on HR, most names on the Dari list, some on the hotline.
        let arabic = |r: &GeneratedRow| {
            r.get("given_name")
                .or(r.get("full_name"))
                .is_some_and(is_arabic)
        };
        assert_eq!(share(&hr, arabic), 0.0);
        let b = share(&ngb, arabic);
        assert!((0.5..0.7).contains(&b), "arabic on ngo b {b}");
        let h = share(&hot, arabic);
        assert!((0.18..0.32).contains(&h), "arabic on hotline {h}");
        // Solar Hijri dates (years 1290–1400) on the Dari list and the hotline, not on HR.
        let hijri = |r: &GeneratedRow| year(r).is_some_and(|y| (1290..=1401).contains(&y));
        assert_eq!(share(&hr, hijri), 0.0);
        let b = share(&ngb, hijri);
        assert!((0.45..0.7).contains(&b), "hijri on ngo b {b}");
        assert!(share(&hot, hijri) > 0.08);
        // Birth year only.
        let year_only = |r: &GeneratedRow| r.get("date_of_birth").is_some_and(|d| d.len() == 4);
        let a = share(&nga, year_only);
        assert!((0.25..0.5).contains(&a), "year only on ngo a {a}");
        // 1 January placeholders, most on documents.
        let jan1 = |r: &GeneratedRow| {
            r.get("date_of_birth")
                .is_some_and(|d| d.ends_with("-01-01") && !hijri(r))
        };
        let s = share(&siv, jan1);
        assert!((0.08..0.3).contains(&s), "1 January on siv {s}");
        // Full name only on NGO A; given + family on the SIV list.
        let full_only =
            |r: &GeneratedRow| r.get("full_name").is_some() && r.get("given_name").is_none();
        assert!(share(&nga, full_only) > 0.6);
        assert_eq!(share(&siv, full_only), 0.0);
        // Phone formats: all of +93, 0093 and 07 appear on the hotline.
        for prefix in ["+93", "0093", "07"] {
            assert!(
                hot.iter()
                    .any(|r| r.get("phone").is_some_and(|p| p.starts_with(prefix))),
                "no phone starting with {prefix}"
            );
        }
        // Single names on the hotline: a name of one word and no family name.
        let single = |r: &GeneratedRow| {
            r.get("family_name").is_none()
                && r.get("full_name")
                    .or(r.get("given_name"))
                    .is_some_and(|n| !n.contains(' '))
        };
        let s = share(&hot, single);
        // (persons without a family name, the single_name and bare rows)
        assert!((0.1..0.3).contains(&s), "single names on hotline {s}");
        // Spelling variants of Mohammad exist.
        let all: Vec<&GeneratedRow> = rows.iter().collect();
        for v in ["Muhammad", "Mohammed", "Ahmed", "Syed", "Abdurrahman"] {
            assert!(
                share(&all, |r| r.fields.iter().any(|(_, x)| x.contains(v))) > 0.0,
                "no {v}"
            );
        }
    }

    #[test]
    fn passport_typos_are_one_character() {
        let rows = generate_lists(3, 20_000);
        let mut by_person: BTreeMap<u64, BTreeSet<String>> = BTreeMap::new();
        for r in &rows {
            if let Some(p) = r.get("passport_no") {
                by_person
                    .entry(r.truth_person)
                    .or_default()
                    .insert(p.to_uppercase().replace(' ', ""));
            }
        }
        // Levenshtein distance, small strings.
        fn edits(a: &str, b: &str) -> usize {
            let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
            let mut row: Vec<usize> = (0..=b.len()).collect();
            for i in 1..=a.len() {
                let mut prev = row[0];
                row[0] = i;
                for j in 1..=b.len() {
                    let cur = row[j];
                    row[j] = (prev + usize::from(a[i - 1] != b[j - 1]))
                        .min(row[j] + 1)
                        .min(row[j - 1] + 1);
                    prev = cur;
                }
            }
            row[b.len()]
        }
        let (mut typos, mut far) = (0, 0);
        for set in by_person.values().filter(|s| s.len() > 1) {
            let v: Vec<&String> = set.iter().collect();
            for (i, a) in v.iter().enumerate() {
                for b in &v[i + 1..] {
                    // Dual nationals carry an Afghan (P…) and a US (digits) passport.
                    let afghan = |s: &str| s.starts_with('P') || s.len() == 7;
                    if afghan(a) != afghan(b) {
                        continue;
                    }
                    // One character wrong: a replaced digit or a lost P is one edit, two
                    // swapped neighbours two.
                    if edits(a, b) <= 2 {
                        typos += 1;
                    } else {
                        far += 1;
                    }
                }
            }
        }
        assert!(typos > 20, "passport typos: {typos}");
        assert!(
            far * 50 <= typos,
            "{far} passport spellings more than one character apart"
        );
    }

    #[test]
    fn households_share_what_households_share() {
        let rows = generate_lists(5, 20_000);
        let mut households: BTreeMap<u64, BTreeSet<u64>> = BTreeMap::new();
        for r in &rows {
            households
                .entry(r.household)
                .or_default()
                .insert(r.truth_person);
        }
        let sizes: Vec<usize> = households.values().map(BTreeSet::len).collect();
        let mean = sizes.iter().sum::<usize>() as f64 / sizes.len() as f64;
        assert!((3.0..5.5).contains(&mean), "mean household size {mean}");
        assert!(sizes.iter().any(|&s| s >= 6));

        // Siblings (the children of a household) share family name and father's name, and
        // twins a birth date; on the SIV list, where whole cases are listed with their dates.
        let siv: Vec<&GeneratedRow> = rows.iter().filter(|r| r.source == "siv_pipeline").collect();
        let mut by_household: BTreeMap<u64, Vec<&GeneratedRow>> = BTreeMap::new();
        for r in &siv {
            by_household.entry(r.household).or_default().push(r);
        }
        let mut shared_father = 0;
        let mut twins = 0;
        let mut infants = 0;
        for members in by_household.values() {
            for (i, a) in members.iter().enumerate() {
                if a.get("date_of_birth")
                    .is_some_and(|d| d.starts_with("2020") || d.starts_with("2021"))
                {
                    infants += 1;
                }
                for b in &members[i + 1..] {
                    if a.truth_person == b.truth_person {
                        continue;
                    }
                    if a.get("father_name").is_some()
                        && a.get("father_name").map(str::to_lowercase)
                            == b.get("father_name").map(str::to_lowercase)
                    {
                        shared_father += 1;
                    }
                    if a.get("date_of_birth").is_some()
                        && a.get("date_of_birth") == b.get("date_of_birth")
                        && !a
                            .get("date_of_birth")
                            .is_some_and(|d| d.ends_with("-01-01"))
                    {
                        twins += 1;
                    }
                }
            }
        }
        assert!(
            shared_father > 100,
            "siblings sharing a father's name: {shared_father}"
        );
        assert!(twins > 10, "twin pairs: {twins}");
        assert!(infants > 100, "lap infants: {infants}");
    }

    #[test]
    fn spelling_variants() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut seen = BTreeSet::new();
        for _ in 0..500 {
            seen.insert(spell(&mut rng, "Abdul Rahman", 0.7));
            seen.insert(spell(&mut rng, "Zabiullah", 1.0));
        }
        for v in [
            "Abdurrahman",
            "Abdul-Rahman",
            "Abd al-Rahman",
            "Zabiulla",
            "Zabiollah",
        ] {
            assert!(seen.contains(v), "{v} not in {seen:?}");
        }
        assert_eq!(spell(&mut rng, "Abdul Rahman", 0.0), "Abdul Rahman");
    }
}

//! A seeded generator of noisy, overlapping evacuee lists with ground truth, for the
//! engine's own tests and `examples/scale.rs` (the product's benchmark generator lives in
//! the domain crate). Households of siblings share family name, father, phone, address and
//! province; twins share the birth date too. Self-contained so the example can include it.

use super::{Field, RawRecord};

pub struct Synth {
    pub records: Vec<RawRecord>,
    /// The person behind each record.
    pub person: Vec<u32>,
    /// The household of each record's person.
    pub household: Vec<u32>,
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    /// Skewed towards the front of a list, as real name frequencies are.
    fn skewed(&mut self, n: usize) -> usize {
        let a = self.below(n);
        let b = self.below(n);
        a.min(b)
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len())]
    }
}

/// Canonical name, then the spellings lists use for it.
const MALE: &[&[&str]] = &[
    &["Mohammad", "Muhammad", "Mohammed", "Mohd", "Mohamed"],
    &["Ahmad", "Ahmed"],
    &[
        "Abdul Rahman",
        "Abdurrahman",
        "Abdul Rehman",
        "Abd al-Rahman",
    ],
    &["Zabiullah", "Zabihullah", "Zabi Ullah"],
    &["Ghulam Haidar", "Gholam Hyder", "Ghulamhaidar"],
    &["Hamid", "Hameed"],
    &["Rahim", "Raheem"],
    &["Karim", "Kareem"],
    &["Nabi"],
    &["Wali"],
    &["Farid", "Fareed"],
    &["Jawid", "Javed", "Jawed"],
    &["Nawid", "Naveed", "Navid"],
    &["Hasan", "Hassan"],
    &["Husain", "Hussain", "Hussein"],
    &["Yusuf", "Yousuf", "Yousaf"],
    &["Ibrahim", "Ebrahim"],
    &["Ismail", "Esmail"],
    &["Mustafa", "Mostafa"],
    &["Mahmud", "Mahmood"],
    &["Qasim", "Kasim"],
    &["Bashir", "Basheer"],
    &["Nasir", "Naseer"],
    &["Rashid", "Rasheed"],
    &["Habib"],
    &["Sharif", "Shareef"],
    &["Latif", "Lateef"],
    &["Najib", "Najeeb"],
    &["Masud", "Masood", "Massoud"],
    &["Aziz"],
    &["Amin", "Ameen"],
    &["Hikmatullah", "Hekmatullah"],
    &["Samiullah", "Sami Ullah"],
    &["Amanullah", "Amanulla"],
    &["Khalid", "Khaled"],
    &["Tariq", "Tareq"],
    &["Sayed Ahmad", "Syed Ahmad", "Said Ahmad"],
    &["Gul Ahmad", "Gol Ahmad"],
    &["Mirwais"],
    &["Fawad"],
    &["Shakib"],
    &["Sultan"],
    &["Jamil", "Jameel"],
    &["Wahid", "Waheed"],
    &["Omar", "Umar"],
    &["Usman", "Osman"],
    &["Idris", "Edris"],
    &["Zahir", "Zaheer"],
    &["Qadir", "Qader"],
    &["Abdullah", "Abdulla"],
];

const FEMALE: &[&[&str]] = &[
    &["Fatima", "Fatema", "Fatimah"],
    &["Maryam", "Mariam"],
    &["Zainab", "Zeinab"],
    &["Aisha", "Ayesha"],
    &["Khadija", "Khadijah"],
    &["Zahra"],
    &["Shakila"],
    &["Farida", "Fareeda"],
    &["Nasrin"],
    &["Parwin", "Parween"],
    &["Laila", "Layla"],
    &["Malalai"],
    &["Sima"],
    &["Shabnam"],
    &["Nazia"],
    &["Karima", "Kareema"],
    &["Rahima", "Raheema"],
    &["Jamila", "Jameela"],
    &["Latifa", "Lateefa"],
    &["Habiba"],
    &["Hamida"],
    &["Nadia"],
    &["Mina"],
    &["Frishta", "Fereshta"],
    &["Tamana"],
    &["Palwasha"],
    &["Nilofar"],
    &["Soraya"],
];

const FAMILY: &[&[&str]] = &[
    &["Ahmadi", "Ahmady"],
    &["Mohammadi", "Muhammadi"],
    &["Karimi", "Karimy", "Kareemi"],
    &["Rahimi", "Raheemi"],
    &["Hussaini", "Husseini", "Hosaini"],
    &["Hashimi", "Hashemi"],
    &["Noori", "Nuri"],
    &["Qaderi", "Qadiri", "Kadiri"],
    &["Siddiqi", "Sediqi"],
    &["Azizi"],
    &["Hakimi", "Hakeemi"],
    &["Amiri"],
    &["Jalali"],
    &["Sultani"],
    &["Habibi"],
    &["Nazari"],
    &["Rasuli", "Rasooli"],
    &["Sharifi"],
    &["Haidari", "Heydari"],
    &["Rezai", "Rezaei"],
    &["Ahmadzai", "Ahmadzay"],
    &["Popal"],
    &["Wardak"],
    &["Stanekzai", "Stanikzai"],
    &["Sadat", "Saadat"],
    &["Safi"],
    &["Momand", "Mohmand"],
    &["Niazi"],
    &["Durrani", "Durani"],
    &["Hotak"],
    &["Achakzai"],
    &["Barakzai"],
    &["Kakar"],
    &["Mangal"],
    &["Zadran"],
    &["Yusufzai", "Yousafzai"],
    &["Alizai"],
    &["Samadi"],
    &["Wahidi"],
    &["Akbari"],
    &["Rahmani", "Rehmani"],
    &["Faizi"],
    &["Naseri", "Nasiri"],
    &["Ludin"],
    &["Mujaddidi"],
    &["Baheer"],
    &["Zazai"],
    &["Ghani"],
    &["Taniwal"],
    &["Sherzad"],
];

/// Arabic-script forms of some canonical names.
const ARABIC: &[(&str, &str)] = &[
    ("Mohammad", "محمد"),
    ("Ahmad", "احمد"),
    ("Hamid", "حمید"),
    ("Nabi", "نبی"),
    ("Wali", "ولی"),
    ("Karim", "کریم"),
    ("Rahim", "رحیم"),
    ("Fatima", "فاطمه"),
    ("Maryam", "مریم"),
    ("Zainab", "زینب"),
    ("Ahmadi", "احمدی"),
    ("Karimi", "کریمی"),
    ("Rahimi", "رحیمی"),
    ("Azizi", "عزیزی"),
    ("Amiri", "امیری"),
    ("Wardak", "وردک"),
    ("Popal", "پوپل"),
    ("Ahmadzai", "احمدزی"),
    ("Mangal", "منگل"),
];

const PROVINCES: &[&str] = &[
    "Kabul",
    "Kapisa",
    "Parwan",
    "Wardak",
    "Logar",
    "Nangarhar",
    "Laghman",
    "Panjshir",
    "Baghlan",
    "Bamyan",
    "Ghazni",
    "Paktika",
    "Paktia",
    "Khost",
    "Kunar",
    "Nuristan",
    "Badakhshan",
    "Takhar",
    "Kunduz",
    "Samangan",
    "Balkh",
    "Sar-e Pol",
    "Ghor",
    "Daykundi",
    "Uruzgan",
    "Zabul",
    "Kandahar",
    "Jawzjan",
    "Faryab",
    "Helmand",
    "Badghis",
    "Herat",
    "Farah",
    "Nimroz",
];

const SOURCES: &[&str] = &[
    "hr",
    "consular",
    "siv",
    "ngo_a",
    "ngo_b",
    "self_registration",
];

struct Person {
    given: usize,
    male: bool,
    mohammad_prefix: bool,
    family: usize,
    father: usize,
    year: u32,
    month: u32,
    day: u32,
    phone: u64,
    passport: Option<String>,
    national_id: Option<String>,
    email: bool,
    province: usize,
    house: u32,
    street: u32,
}

/// `persons` people in households, each on one to four lists with noise.
pub fn generate(persons: usize, seed: u64) -> Synth {
    let mut rng = Rng(seed ^ 0x5eed);
    let mut people: Vec<(Person, u32)> = Vec::with_capacity(persons);
    let mut household = 0u32;
    while people.len() < persons {
        let size = 1 + rng.below(5) + usize::from(rng.chance(0.2)) * rng.below(4);
        let family = rng.skewed(FAMILY.len());
        let father = rng.skewed(MALE.len());
        let phone = 700_000_000 + rng.below(99_999_999) as u64;
        let province = rng.skewed(PROVINCES.len());
        let (house, street) = (1 + rng.below(200) as u32, 1 + rng.below(40) as u32);
        let mut year = 1950 + rng.below(55) as u32;
        let mut prev: Option<(u32, u32, u32)> = None;
        let mut used: Vec<(bool, usize)> = Vec::new();
        for _ in 0..size.min(persons - people.len()) {
            let male = rng.chance(0.55);
            let list = if male { MALE } else { FEMALE };
            // Siblings never share a given name.
            let mut given = rng.skewed(list.len());
            while used.contains(&(male, given)) {
                given = rng.below(list.len());
            }
            used.push((male, given));
            let (y, m, d) = match prev {
                Some(p) if rng.chance(0.08) => p, // twins
                _ => (year, 1 + rng.below(12) as u32, 1 + rng.below(28) as u32),
            };
            prev = Some((y, m, d));
            year += 1 + rng.below(4) as u32;
            let passport = rng
                .chance(0.4)
                .then(|| format!("P{:07}", rng.below(9_999_999)));
            let national_id = rng
                .chance(0.6)
                .then(|| format!("{}", 1_000_000_000u64 + rng.below(899_999_999) as u64));
            let own_phone = rng.chance(0.3);
            people.push((
                Person {
                    given,
                    male,
                    mohammad_prefix: male && rng.chance(0.15),
                    family,
                    father,
                    year: y,
                    month: m,
                    day: d,
                    phone: if own_phone {
                        700_000_000 + rng.below(99_999_999) as u64
                    } else {
                        phone
                    },
                    passport,
                    national_id,
                    email: rng.chance(0.1),
                    province,
                    house,
                    street,
                },
                household,
            ));
        }
        household += 1;
    }
    let mut rows: Vec<(RawRecord, u32, u32)> = Vec::new();
    for (pid, (p, h)) in people.iter().enumerate() {
        let copies = match rng.below(100) {
            0..=54 => 1,
            55..=84 => 2,
            85..=95 => 3,
            _ => 4,
        };
        let mut sources: Vec<&str> = SOURCES.to_vec();
        for c in 0..copies {
            let s = sources.remove(rng.below(sources.len()));
            let id = format!("{s}-{pid}-{c}");
            rows.push((record(&mut rng, p, id, s), pid as u32, *h));
        }
    }
    // Lists do not come sorted by person: shuffle, or blocks would find records of one
    // person side by side for free.
    for i in (1..rows.len()).rev() {
        rows.swap(i, rng.below(i + 1));
    }
    let mut out = Synth {
        records: Vec::new(),
        person: Vec::new(),
        household: Vec::new(),
    };
    for (r, p, h) in rows {
        out.records.push(r);
        out.person.push(p);
        out.household.push(h);
    }
    out
}

fn spell(rng: &mut Rng, variants: &[&str]) -> String {
    let canonical = variants[0];
    if rng.chance(0.05)
        && let Some((_, a)) = ARABIC.iter().find(|(l, _)| *l == canonical)
    {
        return a.to_string();
    }
    let mut s = if rng.chance(0.35) {
        rng.pick(variants)
    } else {
        canonical
    }
    .to_string();
    if rng.chance(0.04) && s.len() > 4 {
        // A typo: one letter doubled or dropped.
        let i = 1 + rng.below(s.len() - 2);
        if s.is_char_boundary(i) && s.is_char_boundary(i + 1) {
            if rng.chance(0.5) {
                s.remove(i);
            } else {
                let c = s.as_bytes()[i] as char;
                s.insert(i, c);
            }
        }
    }
    match rng.below(10) {
        0 => s.to_uppercase(),
        1 => s.to_lowercase(),
        _ => s,
    }
}

fn record(rng: &mut Rng, p: &Person, id: String, source: &str) -> RawRecord {
    let mut r = RawRecord::new(id, source);
    let list = if p.male { MALE } else { FEMALE };
    let mut given = spell(rng, list[p.given]);
    if p.mohammad_prefix && rng.chance(0.6) {
        given = format!("{} {given}", spell(rng, MALE[0]));
    }
    let family = spell(rng, FAMILY[p.family]);
    match rng.below(100) {
        0..=3 => r.set(Field::FullName, given.clone()),
        4..=8 => {
            r.set(Field::GivenName, family);
            r.set(Field::FamilyName, given);
        }
        9..=33 => r.set(Field::FullName, format!("{given} {family}")),
        _ => {
            r.set(Field::GivenName, given);
            r.set(Field::FamilyName, family);
        }
    }
    if rng.chance(0.65) {
        r.set(Field::FatherName, spell(rng, MALE[p.father]));
    }
    let (y, m, d) = (p.year, p.month, p.day);
    let dob = match rng.below(100) {
        0..=49 => format!("{y}-{m:02}-{d:02}"),
        50..=59 => format!("{d:02}/{m:02}/{y}"),
        60..=71 => format!("{y}"),
        72..=75 => format!("{y}-01-01"),
        76..=85 => {
            let sh = if m > 3 || (m == 3 && d >= 21) {
                y - 621
            } else {
                y - 622
            };
            format!("{sh}")
        }
        86..=88 => format!("{y}-{d:02}-{m:02}"),
        _ => String::new(),
    };
    r.set(Field::DateOfBirth, dob);
    if rng.chance(0.8) {
        r.set(Field::Sex, if p.male { "M" } else { "F" });
    }
    if rng.chance(0.75) {
        let mut digits = p.phone.to_string();
        if rng.chance(0.02) {
            let i = rng.below(digits.len());
            digits.replace_range(i..=i, &((digits.as_bytes()[i] - b'0' + 1) % 10).to_string());
        }
        let phone = match rng.below(4) {
            0 => format!("+93 {digits}"),
            1 => format!("0093{digits}"),
            2 => format!("0{digits}"),
            _ => digits,
        };
        r.set(Field::Phone, phone);
    }
    if let Some(pp) = &p.passport
        && rng.chance(0.7)
    {
        let mut pp = pp.clone();
        if rng.chance(0.05) {
            pp.replace_range(3..4, "9");
        }
        r.set(Field::PassportNo, pp);
    }
    if let Some(n) = &p.national_id
        && rng.chance(0.6)
    {
        r.set(
            Field::NationalId,
            if rng.chance(0.5) {
                format!("{}-{}", &n[..4], &n[4..])
            } else {
                n.clone()
            },
        );
    }
    if p.email && rng.chance(0.7) {
        r.set(
            Field::Email,
            format!(
                "{}.{}{}@example.org",
                list[p.given][0], FAMILY[p.family][0], p.day
            )
            .to_lowercase()
            .replace(' ', ""),
        );
    }
    if rng.chance(0.7) {
        r.set(Field::Province, PROVINCES[p.province]);
    }
    if rng.chance(0.4) {
        r.set(
            Field::Address,
            format!("House {}, Street {}", p.house, p.street),
        );
    }
    r
}

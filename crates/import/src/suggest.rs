//! Which registry field each column feeds: from the header's words (English, Dari, Pashto) and
//! from an HXL hashtag row. Every suggestion says why, so a person can trust or correct it.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::Target;
use crate::hxl::{self, Hashtag};

/// Which target each column feeds (by column index); None leaves the column out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    pub columns: Vec<Option<Target>>,
}

impl Mapping {
    /// Every column unmapped.
    pub fn unmapped(columns: usize) -> Mapping {
        Mapping {
            columns: vec![None; columns],
        }
    }

    /// The first column feeding `target`.
    pub fn column_of(&self, target: Target) -> Option<usize> {
        self.columns.iter().position(|t| *t == Some(target))
    }

    /// Targets fed by more than one column (a corrected mapping may do that; [`apply_mapping`]
    /// then yields one value per column). For the UI to warn about.
    ///
    /// [`apply_mapping`]: crate::apply_mapping
    pub fn repeated(&self) -> Vec<Target> {
        let mut seen = Vec::new();
        let mut repeated = Vec::new();
        for t in self.columns.iter().flatten() {
            if seen.contains(t) {
                if !repeated.contains(t) {
                    repeated.push(*t);
                }
            } else {
                seen.push(*t);
            }
        }
        repeated
    }

    /// The mapping as (header, target) pairs: what to remember for a source, so that the next
    /// version of its list (columns moved, added, removed) is mapped the same way.
    pub fn to_pairs(&self, headers: &[String]) -> Vec<(String, Target)> {
        headers
            .iter()
            .zip(&self.columns)
            .filter_map(|(h, t)| t.map(|t| (h.clone(), t)))
            .collect()
    }

    /// A remembered mapping laid over a file's headers, matched the way suggestions match
    /// (case, accents, punctuation ignored). Headers not in `pairs` stay unmapped.
    pub fn from_pairs(headers: &[String], pairs: &[(String, Target)]) -> Mapping {
        let keys: Vec<(String, Target)> = pairs.iter().map(|(h, t)| (compact(h), *t)).collect();
        Mapping {
            columns: headers
                .iter()
                .map(|h| {
                    let k = compact(h);
                    keys.iter().find(|(key, _)| *key == k).map(|(_, t)| *t)
                })
                .collect(),
        }
    }
}

/// Why a column was (or was not) given a target.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Suggestion {
    pub column: usize,
    pub header: String,
    pub target: Option<Target>,
    /// 0 to 1: 1 is the field's own name, ~0.95 a known synonym or HXL hashtag, below 0.8 a
    /// guess from a word inside a longer header.
    pub confidence: f32,
    /// E.g. "synonym 'surname'", "HXL #contact+phone", "Dari header 'تخلص'".
    pub reason: String,
}

/// Suggests a target for each column from its header and, if the file has one, its HXL hashtag.
/// Two columns never get the same target: the more confident keeps it, the other is left
/// unmapped with the reason saying so.
pub fn suggest_mapping(headers: &[String], hxl: Option<&[String]>) -> (Mapping, Vec<Suggestion>) {
    let mut best: Vec<Option<Candidate>> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let tag = hxl
                .and_then(|row| row.get(i))
                .and_then(|t| hxl::parse(t))
                .or_else(|| hxl::parse(h));
            let from_tag = tag.as_ref().and_then(hashtag_candidate);
            let from_words = header_candidate(h);
            match (from_tag, from_words) {
                (Some(a), Some(b)) => Some(if b.confidence > a.confidence { b } else { a }),
                (a, b) => a.or(b),
            }
        })
        .collect();

    // "Name" beside "Surname" (نام beside تخلص, as on a tazkira) is the given name.
    let has =
        |best: &[Option<Candidate>], t: Target| best.iter().flatten().any(|c| c.target == Some(t));
    if has(&best, Target::FamilyName)
        && !has(&best, Target::GivenName)
        && let Some(c) = best
            .iter_mut()
            .flatten()
            .find(|c| c.bare_name && c.target == Some(Target::FullName))
    {
        c.target = Some(Target::GivenName);
        c.reason
            .push_str("; beside a family-name column, a bare 'name' is the given name");
    }

    // Each target to its most confident column; ties go to the leftmost.
    let mut order: Vec<usize> = (0..headers.len()).collect();
    order.sort_by(|&a, &b| {
        let ca = best[a].as_ref().map_or(-1.0, |c| c.confidence);
        let cb = best[b].as_ref().map_or(-1.0, |c| c.confidence);
        cb.total_cmp(&ca).then(a.cmp(&b))
    });
    let mut owner: Vec<(Target, usize)> = Vec::new();
    let mut mapping = Mapping::unmapped(headers.len());
    for i in order {
        let Some(c) = best[i].as_mut() else { continue };
        let Some(t) = c.target else { continue };
        if let Some(&(_, j)) = owner.iter().find(|(o, _)| *o == t) {
            c.reason = format!(
                "looks like {} ({}), but column {} '{}' matches it better",
                t.name(),
                c.reason,
                j + 1,
                headers[j]
            );
            c.target = None;
        } else {
            owner.push((t, i));
            mapping.columns[i] = Some(t);
        }
    }

    let suggestions = headers
        .iter()
        .enumerate()
        .map(|(i, h)| match best[i].take() {
            Some(c) => Suggestion {
                column: i,
                header: h.clone(),
                target: c.target,
                confidence: if c.target.is_some() {
                    c.confidence
                } else {
                    0.0
                },
                reason: c.reason,
            },
            None => Suggestion {
                column: i,
                header: h.clone(),
                target: None,
                confidence: 0.0,
                reason: "no known field matches this header".to_owned(),
            },
        })
        .collect();
    (mapping, suggestions)
}

#[derive(Clone, Debug)]
struct Candidate {
    /// None: recognised as something the registry does not keep (e.g. age).
    target: Option<Target>,
    confidence: f32,
    reason: String,
    /// Matched only the bare word "name" (نام, نوم, اسم): full name or given name by context.
    bare_name: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lang {
    Field,
    English,
    Dari,
    Pashto,
    DariPashto,
}

struct Synonym {
    target: Option<Target>,
    lang: Lang,
    text: &'static str,
    compact: String,
    tokens: Vec<String>,
    weight: f32,
    bare_name: bool,
}

impl Synonym {
    fn reason(&self) -> String {
        match self.lang {
            Lang::Field => format!("field name '{}'", self.text),
            Lang::English => format!("synonym '{}'", self.text),
            Lang::Dari => format!("Dari header '{}'", self.text),
            Lang::Pashto => format!("Pashto header '{}'", self.text),
            Lang::DariPashto => format!("Dari/Pashto header '{}'", self.text),
        }
    }
}

use Lang::{Dari, DariPashto, English, Pashto};
use Target::*;

/// (target, language, weight, words). Weight 0.95 for words that name the field; lower for
/// words that often mean something else.
#[rustfmt::skip]
const WORDS: &[(Target, Lang, f32, &[&str])] = &[
    (RecordId, English, 0.95, &["record id", "record no", "record number", "case id", "row id",
        "reference number", "ref no", "registration id", "registration number", "registration no",
        "reg no", "individual id", "person id", "applicant id", "beneficiary id", "staff id",
        "employee id", "employee number", "employee no", "emp id", "emp no", "personnel number",
        "hr id", "unique id", "uid", "internal id"]),
    (RecordId, English, 0.8, &["id", "identifier", "reference", "ref", "key"]),
    (RecordId, Dari, 0.9, &["شماره ثبت", "آی دی", "شناسه", "کد ثبت"]),
    (RecordId, Pashto, 0.9, &["د ثبت شمیره", "پېژند"]),
    (FullName, English, 0.95, &["full name", "complete name", "name in full", "person name",
        "applicant name", "applicant full name", "beneficiary name", "employee name", "staff name",
        "name of applicant", "name and surname", "name surname", "names", "full names",
        "name of person"]),
    (FullName, Dari, 0.95, &["نام کامل", "نام و تخلص", "اسم کامل", "نام مکمل", "نام و نام خانوادگی"]),
    (FullName, Pashto, 0.95, &["بشپړ نوم", "نوم او تخلص"]),
    (GivenName, English, 0.95, &["given name", "given names", "first name", "first names",
        "forename", "forenames", "fname", "christian name", "first", "personal name"]),
    (GivenName, Dari, 0.95, &["نام کوچک", "اسم کوچک", "نام اول"]),
    (GivenName, Pashto, 0.95, &["لومړی نوم"]),
    (FamilyName, English, 0.95, &["family name", "last name", "surname", "lname", "last",
        "family names", "last names", "surnames", "tribe name"]),
    (FamilyName, DariPashto, 0.95, &["تخلص"]),
    (FamilyName, Dari, 0.95, &["نام خانوادگی", "فامیلی", "اسم فامیلی"]),
    (FamilyName, Pashto, 0.95, &["کورنی نوم", "د کورنۍ نوم"]),
    (FatherName, English, 0.95, &["father name", "father's name", "name of father", "father",
        "s/o", "son of", "d/o", "daughter of", "s/o d/o", "son daughter of", "fathers name"]),
    (FatherName, DariPashto, 0.95, &["ولد"]),
    (FatherName, Dari, 0.95, &["نام پدر", "اسم پدر", "بنت", "ولد/بنت", "ولدیت", "پدر"]),
    (FatherName, Pashto, 0.95, &["د پلار نوم", "پلار", "د پلار نام"]),
    (DateOfBirth, English, 0.95, &["date of birth", "dob", "d.o.b.", "birth date", "birthdate",
        "birthday", "date born", "born", "born on", "birth", "year of birth", "birth year", "yob",
        "date of birth dd mm yyyy", "dob dd mm yyyy"]),
    (DateOfBirth, Dari, 0.95, &["تاریخ تولد", "تولد", "سال تولد", "تاریخ پیدایش", "سال پیدایش"]),
    (DateOfBirth, Pashto, 0.95, &["د زیږیدو نیټه", "د زېږېدو نېټه", "د زیږون نیټه", "زیږیدنه",
        "د زیږیدو کال", "د زیږېدو نیټه"]),
    (Sex, English, 0.95, &["sex", "gender", "m/f", "male/female", "sex m f"]),
    (Sex, DariPashto, 0.95, &["جنسیت", "جنس"]),
    (Nationality, English, 0.95, &["nationality", "citizenship", "country of citizenship",
        "nation", "citizen of", "country of nationality"]),
    (Nationality, DariPashto, 0.95, &["تابعیت", "ملیت"]),
    (PassportNo, English, 0.95, &["passport no", "passport number", "passport", "passport num",
        "passport nr", "passport id", "passport #", "ppt no", "ppt", "travel document number",
        "travel document", "passport no."]),
    (PassportNo, Dari, 0.95, &["شماره پاسپورت", "پاسپورت", "شماره گذرنامه", "گذرنامه", "نمبر پاسپورت"]),
    (PassportNo, Pashto, 0.95, &["پاسپورټ", "د پاسپورټ شمیره", "د پاسپورټ نمبر"]),
    (NationalId, English, 0.95, &["national id", "nid", "national id number", "national id no",
        "national identity number", "tazkira", "tazkera", "tazkirah", "taskera", "tazkira number",
        "tazkira no", "tazkera number", "tazkera no", "tazkira id", "e tazkira", "etazkira",
        "electronic tazkira", "id card", "id card number", "id card no", "id number", "id no",
        "identity card", "identity card number", "cnic", "nic"]),
    (NationalId, DariPashto, 0.95, &["تذکره", "تذکره الکترونیکی"]),
    (NationalId, Dari, 0.95, &["شماره تذکره", "نمبر تذکره", "شماره تذکره الکترونیکی", "تذکره تابعیت",
        "شماره تذکره تابعیت"]),
    (NationalId, Pashto, 0.95, &["د تذکرې شمیره", "د تذکرې نمبر", "د تذکرې شمېره"]),
    (Phone, English, 0.95, &["phone", "phone number", "phone no", "mobile", "mobile number",
        "mobile no", "mobile phone", "cell", "cell phone", "cellphone", "cell number", "tel",
        "tel no", "telephone", "telephone number", "telephone no", "contact number", "contact no",
        "contact phone", "whatsapp", "whatsapp number", "msisdn", "phone #", "mobile #"]),
    (Phone, DariPashto, 0.95, &["تلیفون", "موبایل"]),
    (Phone, Dari, 0.95, &["شماره تلفن", "تلفن", "شماره موبایل", "شماره تماس", "نمبر تلفن",
        "شماره تلیفون", "مبایل", "تلفون", "نمبر تلیفون", "شماره مبایل"]),
    (Phone, Pashto, 0.95, &["د تلیفون شمیره", "ټیلیفون", "د اړیکې شمیره", "د موبایل شمیره",
        "د ټیلیفون شمیره"]),
    (Email, English, 0.95, &["email", "e-mail", "email address", "e-mail address", "mail",
        "email id", "electronic mail"]),
    (Email, DariPashto, 0.95, &["ایمیل"]),
    (Email, Dari, 0.95, &["آدرس ایمیل", "ایمیل آدرس", "پست الکترونیکی"]),
    (Email, Pashto, 0.95, &["بریښنالیک", "برېښنالیک"]),
    (PlaceOfBirth, English, 0.95, &["place of birth", "pob", "birthplace", "birth place",
        "city of birth", "country of birth", "province of birth"]),
    (PlaceOfBirth, Dari, 0.95, &["محل تولد", "جای تولد", "محل پیدایش"]),
    (PlaceOfBirth, Pashto, 0.95, &["د زیږیدو ځای", "د زېږېدو ځای"]),
    (Address, English, 0.95, &["address", "home address", "current address", "street address",
        "residential address", "residence", "address line 1", "street", "current residence",
        "place of residence"]),
    (Address, Dari, 0.95, &["آدرس", "نشانی", "محل سکونت", "آدرس فعلی", "سکونت", "آدرس دائمی",
        "سکونت فعلی"]),
    (Address, Pashto, 0.95, &["پته", "استوګنځی", "اوسنی پته", "د اوسیدو ځای"]),
    (City, English, 0.95, &["city", "town", "village", "district", "city town", "municipality",
        "city/town"]),
    (City, DariPashto, 0.95, &["ولسوالی"]),
    (City, Dari, 0.95, &["شهر", "قریه", "ناحیه"]),
    (City, Pashto, 0.95, &["ښار", "کلی"]),
    (Province, English, 0.95, &["province", "state", "region", "governorate", "prov"]),
    (Province, DariPashto, 0.95, &["ولایت"]),
    (Postcode, English, 0.95, &["postcode", "post code", "postal code", "zip", "zip code",
        "zipcode"]),
    (Postcode, Dari, 0.95, &["کد پستی"]),
    (Postcode, Pashto, 0.95, &["پوستي کوډ"]),
    (HouseholdId, English, 0.95, &["household id", "household", "household number",
        "household no", "hh id", "hhid", "hh no", "hh number", "family id", "family number",
        "family no", "case number", "case no", "case #", "group id", "group number", "family group",
        "family group id", "household code", "family code"]),
    (HouseholdId, English, 0.8, &["case"]),
    (HouseholdId, Dari, 0.95, &["شماره خانواده", "خانوار", "کد خانوار", "شماره خانوار", "نمبر فامیل",
        "کد خانواده"]),
    (HouseholdId, Pashto, 0.95, &["د کورنۍ شمیره", "د کورنۍ کوډ"]),
    (Relationship, English, 0.95, &["relationship", "relation", "relation to head",
        "relationship to head", "relationship to head of household", "relation to head of household",
        "relationship to hoh", "relation to hoh", "relationship to principal applicant",
        "relationship to pa", "relationship to applicant", "rel to head", "family relation",
        "kinship", "relationship with head"]),
    (Relationship, Dari, 0.95, &["نسبت", "رابطه", "قرابت", "نسبت با سرپرست",
        "نسبت با سرپرست خانواده", "رابطه با سرپرست خانوار", "نسبت با سرپرست خانوار"]),
    (Relationship, Pashto, 0.95, &["اړیکه", "خپلوي", "د کورنۍ مشر سره اړیکه"]),
    (Category, English, 0.95, &["category", "population group", "beneficiary type", "person type",
        "staff type", "employee type", "staff category", "employment type", "employee category",
        "eligibility category"]),
    (Category, English, 0.7, &["type", "group"]),
    (Category, Dari, 0.95, &["کتگوری", "دسته بندی", "نوعیت"]),
    (Category, Pashto, 0.95, &["کټګوري", "کټګورۍ", "ډول"]),
    (SivStage, English, 0.95, &["siv stage", "siv status", "siv", "siv step", "com approval",
        "chief of mission approval", "application stage", "siv application status", "case stage",
        "siv application stage"]),
    (SivStage, English, 0.8, &["stage", "application status"]),
    (SivStage, Dari, 0.9, &["مرحله", "مرحله siv"]),
    (ClaimedStatus, English, 0.95, &["claimed status", "citizenship status", "immigration status",
        "legal status", "residency status", "us citizen", "us status", "visa status"]),
    (ClaimedStatus, English, 0.8, &["status"]),
    (ClaimedStatus, Dari, 0.9, &["وضعیت", "وضعیت حقوقی"]),
    (ClaimedStatus, Pashto, 0.9, &["حالت"]),
    (Language, English, 0.95, &["language", "preferred language", "lang", "languages",
        "spoken language", "primary language", "mother tongue"]),
    (Language, Dari, 0.95, &["زبان", "لسان"]),
    (Language, Pashto, 0.95, &["ژبه", "مورنۍ ژبه"]),
    (Notes, English, 0.95, &["notes", "note", "remarks", "remark", "comments", "comment",
        "observations", "additional information", "other information", "details"]),
    (Notes, Dari, 0.95, &["ملاحظات", "یادداشت", "توضیحات", "نظریات"]),
    (Notes, Pashto, 0.95, &["یادښت", "تبصره", "څرګندونې"]),
];

/// Bare words for a name: the full name alone, the given name beside a family-name column.
const BARE_NAMES: &[(Lang, &str)] = &[
    (English, "name"),
    (Dari, "نام"),
    (DariPashto, "اسم"),
    (Pashto, "نوم"),
];

/// Headers recognised as columns the registry does not keep, so that no word inside them is
/// taken for a field (an age is not a date of birth; a row counter is not a record id).
const NOT_FIELDS: &[(Lang, &str)] = &[
    (English, "age"),
    (English, "age years"),
    (English, "no"),
    (English, "no."),
    (English, "s no"),
    (English, "s/no"),
    (English, "sr no"),
    (English, "serial"),
    (English, "serial no"),
    (English, "serial number"),
    (English, "row"),
    (English, "#"),
    (DariPashto, "عمر"),
    (Dari, "سن"),
    (Dari, "ردیف"),
    (Dari, "شماره"),
    (Pashto, "شمیره"),
];

/// Words that make a header about someone else (a mother's name, an emergency contact's phone):
/// inside such a header no personal field is guessed from a contained word.
const OTHER_PERSON: &[&str] = &[
    "mother",
    "mothers",
    "grandfather",
    "spouse",
    "husband",
    "wife",
    "emergency",
    "guardian",
    "sponsor",
    "supervisor",
    "manager",
    "employer",
    "head",
    "hoh",
    "referee",
    "interpreter",
    "مادر",
    "مور",
    "همسر",
    "شوهر",
    "پدرکلان",
    "نیکه",
    "سرپرست",
];

/// Words that make a header about a property of the field rather than the field itself
/// ("Passport expiry", "Household size", "Tazkira issue date"): inside such a header no field is
/// guessed from a contained word (a date word still allows date of birth).
const QUALIFIERS: &[&str] = &[
    "expiry",
    "expiration",
    "expires",
    "expire",
    "issue",
    "issued",
    "issuance",
    "validity",
    "valid",
    "size",
    "count",
    "total",
    "date",
    "انقضا",
    "صدور",
    "تعداد",
    "تاریخ",
    "نیټه",
];

static SYNONYMS: LazyLock<Vec<Synonym>> = LazyLock::new(|| {
    let mut out = Vec::new();
    let mut push = |target, lang, weight, text: &'static str, bare_name| {
        out.push(Synonym {
            target,
            lang,
            text,
            compact: compact(text),
            tokens: tokens(text),
            weight,
            bare_name,
        });
    };
    for t in Target::ALL {
        push(Some(t), Lang::Field, 1.0, t.name(), false);
    }
    for &(t, lang, weight, words) in WORDS {
        for &w in words {
            push(Some(t), lang, weight, w, false);
        }
    }
    for &(lang, w) in BARE_NAMES {
        push(Some(FullName), lang, 0.85, w, true);
    }
    for &(lang, w) in NOT_FIELDS {
        push(None, lang, 0.95, w, false);
    }
    out
});

static OTHER_PERSON_TOKENS: LazyLock<Vec<String>> =
    LazyLock::new(|| OTHER_PERSON.iter().map(|w| compact(w)).collect());
static QUALIFIER_TOKENS: LazyLock<Vec<String>> =
    LazyLock::new(|| QUALIFIERS.iter().map(|w| compact(w)).collect());

fn is_personal(t: Target) -> bool {
    matches!(
        t,
        RecordId
            | FullName
            | GivenName
            | FamilyName
            | FatherName
            | DateOfBirth
            | Sex
            | Nationality
            | PassportNo
            | NationalId
            | Phone
            | Email
            | PlaceOfBirth
    )
}

fn header_candidate(header: &str) -> Option<Candidate> {
    let whole = compact(header);
    if whole.is_empty() {
        return None;
    }
    let exact = |key: &str, factor: f32, note: &str| {
        SYNONYMS
            .iter()
            .filter(|s| s.compact == key)
            .max_by(|a, b| a.weight.total_cmp(&b.weight))
            .map(|s| Candidate {
                target: s.target,
                confidence: s.weight * factor,
                reason: if s.target.is_some() {
                    format!("{}{note}", s.reason())
                } else {
                    format!("{} is not a registry field", s.reason())
                },
                bare_name: s.bare_name,
            })
    };
    if let Some(c) = exact(&whole, 1.0, "") {
        return Some(c);
    }
    // "Phone (mobile)", "2. Surname", "Phone 2", "DOB [dd/mm/yyyy]": the core of the header.
    let core = core_of(header);
    let core_key = compact(&core);
    if !core_key.is_empty()
        && core_key != whole
        && let Some(c) = exact(&core_key, 0.9, "")
    {
        if c.target.is_some() {
            return Some(Candidate {
                reason: format!("{} (in '{}')", c.reason, header.trim()),
                ..c
            });
        }
        return Some(c);
    }
    // A known word inside a longer header: "Applicant's family name" → family name.
    let words = tokens(&core);
    let about_someone_else = words
        .iter()
        .any(|w| OTHER_PERSON_TOKENS.iter().any(|o| o == w));
    let qualified = words
        .iter()
        .any(|w| QUALIFIER_TOKENS.iter().any(|o| o == w));
    let header_len = words
        .iter()
        .map(|w| w.chars().count())
        .sum::<usize>()
        .max(1);
    SYNONYMS
        .iter()
        .filter(|s| s.target.is_some())
        .filter(|s| s.tokens.len() > 1 || s.compact.chars().count() >= 4)
        .filter(|s| !(about_someone_else && s.target.is_some_and(is_personal)))
        .filter(|s| !(qualified && s.target != Some(DateOfBirth)))
        .filter(|s| contains_run(&words, &s.tokens))
        .map(|s| {
            let share = s.compact.chars().count() as f32 / header_len as f32;
            (s, (0.5 + 0.3 * share.min(1.0)) * s.weight.min(0.95))
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(s, confidence)| Candidate {
            target: s.target,
            confidence: confidence.min(0.79),
            reason: format!("header contains {}", s.reason()),
            bare_name: s.bare_name,
        })
}

fn contains_run(words: &[String], run: &[String]) -> bool {
    !run.is_empty() && words.len() >= run.len() && words.windows(run.len()).any(|w| w == run)
}

/// The header without bracketed parts, leading numbering ("3.", "Q3") and trailing digits.
fn core_of(header: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in header.chars() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    let trimmed = out
        .trim()
        .trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, '.' | ')' | '-' | ' '))
        .trim_end_matches(|c: char| c.is_ascii_digit() || c.is_whitespace() || c == '_');
    let trimmed = trimmed.trim();
    // "Q3 Name": a questionnaire's numbering.
    match trimmed.split_once(' ') {
        Some((q, rest))
            if q.len() >= 2
                && q.starts_with(['Q', 'q'])
                && q[1..].chars().all(|c| c.is_ascii_digit()) =>
        {
            rest.to_owned()
        }
        _ => trimmed.to_owned(),
    }
}

/// Lowercase words with accents, Arabic diacritics and punctuation removed, and the letters
/// that Dari, Pashto and Arabic keyboards type differently (ي/ی, ك/ک, ګ/گ, ې/ی) made one.
pub(crate) fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'ي' | 'ى' | 'ې' | 'ۍ' | 'ئ' => 'ی',
            'ك' => 'ک',
            'ګ' => 'گ',
            'ة' => 'ه',
            'ـ' => continue, // tatweel, a stretching stroke
            '\u{200C}' | '\u{200D}' | '\u{200B}' => ' ',
            '٠'..='٩' => char::from(b'0' + (c as u32 - '٠' as u32) as u8),
            '۰'..='۹' => char::from(b'0' + (c as u32 - '۰' as u32) as u8),
            c => c,
        };
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else {
            out.push(' ');
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn tokens(s: &str) -> Vec<String> {
    normalize(s)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The header as one key: "Last_Name", "last name", "LASTNAME" all become "lastname".
pub(crate) fn compact(s: &str) -> String {
    normalize(s).replace(' ', "")
}

/// What an HXL hashtag says a column holds.
fn hashtag_candidate(tag: &Hashtag) -> Option<Candidate> {
    let a = |x: &str| tag.has(x);
    let any = |xs: &[&str]| xs.iter().any(|x| tag.has(x));
    let t = tag.tag.as_str();
    let (target, confidence) = if a("age") {
        return Some(Candidate {
            target: None,
            confidence: 0.97,
            reason: format!("HXL {} (an age) is not a registry field", tag.spelled()),
            bare_name: false,
        });
    } else if any(&["phone", "mobile", "tel", "telephone"]) {
        (Phone, 0.97)
    } else if any(&["email", "mail"]) {
        (Email, 0.97)
    } else if t == "adm1" {
        (Province, 0.95)
    } else if matches!(t, "adm2" | "adm3" | "adm4") {
        (City, 0.9)
    } else if any(&["birth", "dob", "birthdate"]) {
        if any(&["place", "loc"]) || t == "loc" {
            (PlaceOfBirth, 0.95)
        } else {
            (DateOfBirth, 0.97)
        }
    } else if any(&["passport"]) {
        (PassportNo, 0.97)
    } else if any(&["nid", "national", "tazkira", "tazkera"]) {
        (NationalId, 0.97)
    } else if matches!(t, "household" | "group" | "hh" | "family") || any(&["household", "hh"]) {
        if any(&["id", "code", "num", "number", "no"]) {
            (HouseholdId, 0.97)
        } else {
            return None;
        }
    } else if a("name") {
        if any(&["first", "given", "f", "fname"]) {
            (GivenName, 0.97)
        } else if any(&["last", "family", "surname", "l", "lname"]) {
            (FamilyName, 0.97)
        } else if any(&["father", "parent"]) {
            (FatherName, 0.97)
        } else if matches!(
            t,
            "affected" | "beneficiary" | "person" | "indiv" | "contact"
        ) {
            (FullName, 0.9)
        } else {
            return None;
        }
    } else if any(&["sex", "gender"]) {
        (Sex, 0.97)
    } else if any(&["nationality", "citizenship"]) {
        (Nationality, 0.97)
    } else if any(&["relationship", "relation"]) {
        (Relationship, 0.97)
    } else if any(&["postcode", "zip", "postal"]) {
        (Postcode, 0.95)
    } else if a("address") || (t == "loc" && a("street")) {
        (Address, 0.95)
    } else if t == "loc" && any(&["city", "town", "village"]) {
        (City, 0.95)
    } else if any(&["lang", "language"]) {
        (Language, 0.95)
    } else if any(&["notes", "note", "comment", "comments", "remarks"]) || t == "description" {
        (Notes, 0.9)
    } else if any(&["siv"]) {
        (SivStage, 0.9)
    } else if any(&["category", "type"]) && matches!(t, "affected" | "beneficiary" | "person") {
        (Category, 0.9)
    } else if a("status") && matches!(t, "affected" | "beneficiary" | "person") {
        (ClaimedStatus, 0.85)
    } else if a("id") && matches!(t, "affected" | "beneficiary" | "person" | "indiv" | "meta") {
        (RecordId, 0.95)
    } else {
        return None;
    };
    Some(Candidate {
        target: Some(target),
        confidence,
        reason: format!("HXL {}", tag.spelled()),
        bare_name: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn targets(headers: &[&str]) -> Vec<Option<Target>> {
        suggest_mapping(&strings(headers), None).0.columns
    }

    #[test]
    fn english_synonyms() {
        assert_eq!(
            targets(&[
                "Case ID",
                "Surname",
                "First Name",
                "Father's name",
                "D.O.B.",
                "Mobile",
                "Passport Number",
                "Tazkira No",
                "Household number",
                "Relation to head",
                "E-mail",
                "Gender",
            ]),
            [
                Some(RecordId),
                Some(FamilyName),
                Some(GivenName),
                Some(FatherName),
                Some(DateOfBirth),
                Some(Phone),
                Some(PassportNo),
                Some(NationalId),
                Some(HouseholdId),
                Some(Relationship),
                Some(Email),
                Some(Sex),
            ]
        );
        assert_eq!(
            targets(&[
                "last_name",
                "FORENAME",
                "birthdate",
                "cell",
                "tel",
                "NID",
                "case number"
            ]),
            [
                Some(FamilyName),
                Some(GivenName),
                Some(DateOfBirth),
                Some(Phone),
                None, // a second phone column: the first keeps phone
                Some(NationalId),
                Some(HouseholdId),
            ]
        );
    }

    #[test]
    fn field_names_are_certain() {
        let headers: Vec<String> = Target::ALL.iter().map(|t| t.name().to_owned()).collect();
        let (mapping, suggestions) = suggest_mapping(&headers, None);
        assert_eq!(
            mapping.columns,
            Target::ALL.iter().map(|&t| Some(t)).collect::<Vec<_>>()
        );
        assert!(suggestions.iter().all(|s| s.confidence == 1.0));
        assert_eq!(suggestions[3].reason, "field name 'family_name'");
    }

    #[test]
    fn reasons_say_why() {
        let (_, s) = suggest_mapping(&strings(&["Surname", "تخلص", "د پلار نوم", "Notes"]), None);
        assert_eq!(s[0].reason, "synonym 'surname'");
        assert_eq!(s[0].target, Some(FamilyName));
        assert!((s[0].confidence - 0.95).abs() < 1e-6);
        // Two family-name columns: the first (leftmost, equally confident) keeps it.
        assert_eq!(s[1].target, None);
        assert!(
            s[1].reason.contains("column 1 'Surname' matches it better"),
            "{}",
            s[1].reason
        );
        assert_eq!(s[2].reason, "Pashto header 'د پلار نوم'");
        assert_eq!(s[2].target, Some(FatherName));
    }

    #[test]
    fn dari_headers() {
        assert_eq!(
            targets(&[
                "نام",
                "تخلص",
                "نام پدر",
                "تاریخ تولد",
                "جنسیت",
                "تابعیت",
                "شماره تذکره",
                "شماره پاسپورت",
                "شماره تلفن",
                "ولایت",
                "ولسوالی",
                "آدرس",
                "ایمیل",
            ]),
            [
                Some(GivenName), // نام beside تخلص, as on a tazkira
                Some(FamilyName),
                Some(FatherName),
                Some(DateOfBirth),
                Some(Sex),
                Some(Nationality),
                Some(NationalId),
                Some(PassportNo),
                Some(Phone),
                Some(Province),
                Some(City),
                Some(Address),
                Some(Email),
            ]
        );
        // Alone, نام is the full name; spelling variants (Arabic ي/ك, ZWNJ, diacritics) match.
        assert_eq!(targets(&["نام", "ولد"]), [Some(FullName), Some(FatherName)]);
        assert_eq!(
            targets(&["نام\u{200C}خانوادگی", "موبايل", "تذكره"]),
            [Some(FamilyName), Some(Phone), Some(NationalId)]
        );
        assert_eq!(targets(&["تلفون"]), [Some(Phone)]);
        assert_eq!(targets(&["اسم", "تليفون"]), [Some(FullName), Some(Phone)]);
    }

    #[test]
    fn pashto_headers() {
        assert_eq!(
            targets(&[
                "نوم",
                "د پلار نوم",
                "د زیږیدو نیټه",
                "د زېږېدو ځای",
                "تذکره",
                "پته",
                "ټیلیفون"
            ]),
            [
                Some(FullName),
                Some(FatherName),
                Some(DateOfBirth),
                Some(PlaceOfBirth),
                Some(NationalId),
                Some(Address),
                Some(Phone),
            ]
        );
    }

    #[test]
    fn hxl_row_maps_columns_whatever_the_header() {
        let headers = strings(&["A", "B", "C", "D", "E", "F", "G", "H", "I"]);
        let tags = strings(&[
            "#affected+name",
            "#affected+f+name",
            "#affected+name+last",
            "#contact+phone",
            "#contact+email",
            "#adm1+name",
            "#affected+age",
            "#date+birth",
            "#household+id",
        ]);
        let (mapping, s) = suggest_mapping(&headers, Some(&tags));
        assert_eq!(
            mapping.columns,
            [
                Some(FullName),
                Some(GivenName),
                Some(FamilyName),
                Some(Phone),
                Some(Email),
                Some(Province),
                None,
                Some(DateOfBirth),
                Some(HouseholdId),
            ]
        );
        assert_eq!(s[3].reason, "HXL #contact+phone");
        assert!(s[6].reason.contains("age"));
        let (m, _) = suggest_mapping(
            &strings(&["x", "y", "z"]),
            Some(&strings(&["#affected+id", "#group+id", "#affected+birth"])),
        );
        assert_eq!(
            m.columns,
            [Some(RecordId), Some(HouseholdId), Some(DateOfBirth)]
        );
        // Hashtags as the header itself.
        let (m, _) = suggest_mapping(&strings(&["#affected+name+first", "#contact+phone"]), None);
        assert_eq!(m.columns, [Some(GivenName), Some(Phone)]);
    }

    #[test]
    fn noisy_headers() {
        assert_eq!(
            targets(&[
                "1. Full Name",
                "Phone (mobile)",
                "DOB [dd/mm/yyyy]",
                "Applicant's family name",
                "Mother's name",
                "Emergency contact phone",
                "Passport expiry",
                "Household size",
                "Age",
                "S/No",
                "Passport 2",
            ]),
            [
                Some(FullName),
                Some(Phone),
                Some(DateOfBirth),
                Some(FamilyName),
                None,
                None,
                None,
                None,
                None,
                None,
                Some(PassportNo),
            ]
        );
        let (_, s) = suggest_mapping(&strings(&["Applicant's family name"]), None);
        assert_eq!(s[0].reason, "header contains synonym 'family name'");
        assert!(s[0].confidence < 0.8);
        assert_eq!(targets(&["Colour", ""]), [None, None]);
    }

    #[test]
    fn remembered_mapping_follows_moved_columns() {
        let old = strings(&["Surname", "Tel", "Extra"]);
        let m = Mapping {
            columns: vec![Some(FamilyName), Some(Phone), None],
        };
        let pairs = m.to_pairs(&old);
        assert_eq!(
            pairs,
            [("Surname".into(), FamilyName), ("Tel".into(), Phone)]
        );
        let new = strings(&["tel", "New", "SURNAME"]);
        assert_eq!(
            Mapping::from_pairs(&new, &pairs).columns,
            [Some(Phone), None, Some(FamilyName)]
        );
        let twice = Mapping {
            columns: vec![Some(Notes), Some(Phone), Some(Notes)],
        };
        assert_eq!(twice.repeated(), [Notes]);
        assert_eq!(twice.column_of(Phone), Some(1));
    }

    #[test]
    fn normalisation() {
        assert_eq!(normalize("  Last_Name (Famille) "), "last name famille");
        assert_eq!(normalize("Prénom"), "prenom");
        assert_eq!(normalize("تاريخ تولد"), normalize("تاریخ تولد"));
        assert_eq!(normalize("نام‌ پدر"), "نام پدر");
        assert_eq!(normalize("۱۲۳"), "123");
        assert_eq!(compact("E-Mail"), "email");
    }
}

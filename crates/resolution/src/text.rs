//! Text folding, Arabic-script transliteration and the name-variant tables.
//!
//! Folding is NFKD with combining marks dropped: it does what NFKC does for lists (ligatures,
//! full-width forms, Arabic presentation forms) and also drops accents and Arabic short-vowel
//! marks, which lists write inconsistently.

use std::collections::HashMap;
use std::sync::OnceLock;

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// Lower-cased, compatibility-decomposed text without combining marks, with Persian and
/// Arabic-Indic digits made ASCII and the Arabic letters Persian lists write in two ways
/// unified (ي/ی, ك/ک, ة/ه). Returns whether the text held Arabic script.
pub(crate) fn fold(s: &str, out: &mut String) -> bool {
    out.clear();
    let mut arabic = false;
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        decompose_compatible(c, |d| {
            if is_combining_mark(d) {
                return;
            }
            let d = match d {
                '\u{0660}'..='\u{0669}' => digit(d as u32 - 0x0660),
                '\u{06F0}'..='\u{06F9}' => digit(d as u32 - 0x06F0),
                'ي' | 'ى' | 'ئ' => 'ی',
                'ك' => 'ک',
                'ة' | 'ە' | 'ۀ' => 'ه',
                'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
                'ؤ' => 'و',
                // Tatweel, zero-width joiners and the byte-order mark carry no letter.
                '\u{0640}' | '\u{200B}'..='\u{200F}' | '\u{FEFF}' => return,
                _ => d,
            };
            if is_arabic_letter(d) {
                arabic = true;
            }
            for l in d.to_lowercase() {
                out.push(l);
            }
        });
    }
    arabic
}

fn digit(v: u32) -> char {
    char::from_digit(v, 10).unwrap_or('0')
}

pub(crate) fn is_arabic_letter(c: char) -> bool {
    matches!(c, '\u{0620}'..='\u{064A}' | '\u{066E}'..='\u{06D3}' | '\u{06FA}'..='\u{06FF}' | '\u{0750}'..='\u{077F}')
}

/// Words of folded text: letters and digits; apostrophes join ("Abd'ul"), anything else
/// separates.
pub(crate) fn words(folded: &str) -> impl Iterator<Item = String> + '_ {
    folded
        .split(|c: char| !(c.is_alphanumeric() || is_apostrophe(c)))
        .map(|w| w.chars().filter(|c| !is_apostrophe(*c)).collect::<String>())
        .filter(|w| !w.is_empty())
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | '`' | 'ʻ' | 'ʼ' | '´')
}

/// An Arabic-script word in Latin letters. Known names come from a dictionary (exact);
/// others letter by letter, which loses the short vowels Arabic script does not write:
/// the caller marks such names as guessed and compares them by consonant skeleton.
/// Returns the Latin words and whether any was guessed.
pub(crate) fn transliterate(word: &str) -> (Vec<String>, bool) {
    let dict = arabic_names();
    if let Some(l) = dict.get(word) {
        return (vec![(*l).to_string()], false);
    }
    if word == "الله" {
        return (vec!["ullah".to_string()], false);
    }
    let mut guessed = false;
    let mut core = |w: &str| -> String {
        if let Some(l) = dict.get(w) {
            return (*l).to_string();
        }
        if let Some(stem) = w.strip_prefix("ال")
            && let Some(l) = dict.get(stem)
        {
            return (*l).to_string();
        }
        for (suffix, latin) in [("زی", "zai"), ("زای", "zai"), ("یی", "i"), ("ی", "i")] {
            if let Some(stem) = w.strip_suffix(suffix)
                && let Some(l) = dict.get(stem)
            {
                return format!("{l}{latin}");
            }
        }
        guessed = true;
        letters(w)
    };
    let mut w = word;
    let mut abd = false;
    if let Some(rest) = w.strip_prefix("عبد")
        && !rest.is_empty()
    {
        abd = true;
        w = rest
            .strip_prefix("ال")
            .filter(|r| !r.is_empty())
            .unwrap_or(rest);
    }
    let mut ullah = false;
    if let Some(stem) = w.strip_suffix("الله")
        && !stem.is_empty()
    {
        ullah = true;
        w = stem;
    }
    let mut latin = if w == "الله" {
        "ullah".to_string()
    } else {
        core(w)
    };
    if ullah {
        latin.push_str("ullah");
    }
    if abd {
        latin.insert_str(0, "abdul");
    }
    (vec![latin], guessed)
}

/// Letter-by-letter transliteration: و and ی are consonants at the start of a word and
/// vowels inside it; a final ه is a vowel except after alef (شاه, Shah).
fn letters(w: &str) -> String {
    let chars: Vec<char> = w.chars().collect();
    let mut out = String::with_capacity(chars.len() * 2);
    for (i, &c) in chars.iter().enumerate() {
        let initial = i == 0;
        let last = i + 1 == chars.len();
        let s = match c {
            'ا' => "a",
            'ب' => "b",
            'پ' => "p",
            'ت' | 'ټ' | 'ط' => "t",
            'ث' | 'س' | 'ص' => "s",
            'ج' => "j",
            'چ' => "ch",
            'ح' => "h",
            'خ' => "kh",
            'څ' => "ts",
            'ځ' | 'ذ' | 'ز' | 'ض' | 'ظ' => "z",
            'د' | 'ډ' => "d",
            'ر' | 'ړ' => "r",
            'ژ' | 'ږ' => "zh",
            'ش' | 'ښ' => "sh",
            'غ' => "gh",
            'ف' => "f",
            'ق' => "q",
            'ک' => "k",
            'گ' | 'ګ' => "g",
            'ل' => "l",
            'م' => "m",
            'ن' | 'ڼ' => "n",
            'و' if initial => "w",
            'و' => "u",
            'ه' if last && i > 0 && chars[i - 1] != 'ا' => "a",
            'ه' => "h",
            'ی' if initial => "y",
            'ی' => "i",
            'ې' => "e",
            'ۍ' => "ai",
            c if c.is_ascii_alphanumeric() => {
                out.push(c);
                continue;
            }
            _ => "",
        };
        out.push_str(s);
    }
    out
}

/// Titles and honorifics: not part of anyone's name.
pub(crate) fn is_title(w: &str) -> bool {
    matches!(
        w,
        "mr" | "mrs"
            | "ms"
            | "miss"
            | "dr"
            | "eng"
            | "engr"
            | "engineer"
            | "doctor"
            | "prof"
            | "professor"
            | "haji"
            | "hajji"
            | "alhaj"
            | "alhajj"
            | "alhaji"
            | "mullah"
            | "mulla"
            | "mawlawi"
            | "mawlavi"
            | "maulvi"
            | "molvi"
            | "mowlawi"
            | "maulana"
            | "qari"
    )
}

/// The canonical spelling of a name word, if the table knows it.
pub(crate) fn variant(w: &str) -> Option<&'static str> {
    latin_variants().get(w).copied()
}

fn latin_variants() -> &'static HashMap<&'static str, &'static str> {
    static T: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    T.get_or_init(|| {
        let mut m = HashMap::new();
        for (canonical, variants) in LATIN_VARIANTS {
            m.insert(*canonical, *canonical);
            for v in variants.split_whitespace() {
                m.insert(v, *canonical);
            }
        }
        m
    })
}

fn arabic_names() -> &'static HashMap<&'static str, &'static str> {
    static T: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    T.get_or_init(|| {
        let mut m = HashMap::new();
        for (latin, words) in ARABIC_NAMES {
            for w in words.split_whitespace() {
                m.insert(w, *latin);
            }
        }
        m
    })
}

/// Canonical spelling, then the spellings lists use for it. Names whose variants differ
/// only in vowels or doubled letters need no entry: the phonetic key merges those.
const LATIN_VARIANTS: &[(&str, &str)] = &[
    (
        "muhammad",
        "mohammad mohammed muhammed mohamed mohamad muhamad muhamed mohd mhd md mohmad mohammod mahomed mohamd muhamd mouhamad mohammadh muhammet mohamad mohamaad mohmmad",
    ),
    ("ahmad", "ahmed ahmet ahmat ahamad ahmmad"),
    ("ali", "aly alee"),
    ("hasan", "hassan hasen hassen"),
    (
        "husain",
        "hussain hussein husein hosain hossain hossein hosein husayn hussayn husen hussien",
    ),
    ("mahmud", "mahmood mahmod mehmood mehmud mahmoud mahmut"),
    (
        "abdullah",
        "abdulla abdallah abdalla abdollah abdolla abdulah abdula",
    ),
    (
        "sayed",
        "syed said sayyid sayyed seyed seyyed sayid saiyid sayeed",
    ),
    ("ghulam", "gholam golam gulam ghulum gholum ghollam"),
    ("gul", "gol gull ghul"),
    ("nur", "noor nour noer"),
    ("rahman", "rehman rahaman rahmaan rehmaan rahmon"),
    ("rahim", "raheem rahem"),
    ("karim", "kareem karem kerim"),
    ("hamid", "hameed"),
    ("rashid", "rasheed rashed"),
    ("majid", "majeed majed"),
    ("nasir", "naseer naser nassir"),
    ("habib", "habeeb"),
    ("jamil", "jameel"),
    ("aziz", "azeez"),
    ("bashir", "basheer"),
    ("nazir", "nazeer"),
    ("qadir", "qader kadir kader qadeer"),
    ("qasim", "kasim qassim qasem kasem ghasem"),
    (
        "yusuf",
        "yousuf yousaf yusef yousef yosuf yusof yousif yusif",
    ),
    ("yaqub", "yakub yaqoob yacoub yaqoub yakoub"),
    ("ibrahim", "ebrahim ibraheem ebraheem ibrahem"),
    ("ismail", "esmail ismael esmael ismaeel"),
    ("ishaq", "ishak eshaq"),
    ("umar", "omar omer umer"),
    ("usman", "osman uthman othman usmaan osmon"),
    ("mustafa", "mostafa mustapha mostapha mustefa"),
    ("mahdi", "mehdi"),
    ("jafar", "jaafar jafer jaffar"),
    ("haidar", "haider hayder heidar heydar hyder haydar"),
    ("masud", "masood massoud masoud masood"),
    ("khalid", "khaled"),
    ("tariq", "tarek tareq tarik"),
    ("wahid", "waheed wahed vahid"),
    ("walid", "waleed"),
    ("farid", "fareed"),
    ("jawid", "javed jawed javid javeed"),
    ("nawid", "naveed navid naweed nawed"),
    ("zahir", "zaheer zaher dhahir"),
    ("sadiq", "sadeq sadik sadegh"),
    ("siddiq", "siddique sediq sidiq seddiq sidique"),
    ("latif", "lateef latef"),
    ("sharif", "shareef sharef"),
    ("najib", "najeeb"),
    ("mujib", "mujeeb"),
    ("wali", "vali walee"),
    ("amin", "ameen"),
    ("amir", "ameer"),
    ("hakim", "hakeem"),
    ("qurban", "ghorban qorban qurbon ghurban"),
    ("rasul", "rasool rasoul"),
    ("hashim", "hashem hashem"),
    ("reza", "riza raza"),
    ("jan", "jaan"),
    ("khan", "khaan"),
    ("shah", "shaah"),
    ("zainab", "zaynab zeinab zenab"),
    ("fatima", "fatema fatimah fatemah fatime"),
    ("khadija", "khadijah khadeeja khadeja khatija"),
    ("aisha", "ayesha aysha aesha aishah ayisha"),
    ("maryam", "mariam mariyam maryum meryem"),
    ("sultan", "soltan sultaan"),
    ("akbar", "akber"),
    ("asghar", "asgar"),
    ("rafi", "rafee rafie"),
    ("obaid", "ubaid ubayd"),
    ("hikmat", "hekmat"),
    ("ismat", "esmat"),
    ("inayat", "enayat"),
    ("ihsan", "ehsan"),
    ("imran", "emran"),
    ("idris", "edris"),
    ("ilyas", "elyas ilias elias"),
    ("rezai", "rezaei rezaee rezayee rezayi"),
    ("stanekzai", "stanikzai"),
    ("durrani", "durani"),
    ("momand", "mohmand"),
    ("sadat", "saadat sadaat"),
    ("zabi", "zabih"),
    ("kabul", "kabol"),
    ("kandahar", "qandahar"),
    ("herat", "hirat"),
];

/// Latin spelling, then Arabic-script spellings (Persian letter forms, as `fold` leaves them).
const ARABIC_NAMES: &[(&str, &str)] = &[
    ("muhammad", "محمد"),
    ("ahmad", "احمد"),
    ("ali", "علی"),
    ("hasan", "حسن"),
    ("husain", "حسین"),
    ("mahmud", "محمود"),
    ("abdullah", "عبدالله"),
    ("abdul", "عبد"),
    ("rahman", "رحمن رحمان"),
    ("rahim", "رحیم"),
    ("karim", "کریم"),
    ("ghulam", "غلام"),
    ("gul", "گل"),
    ("sayed", "سید"),
    ("shah", "شاه"),
    ("khan", "خان"),
    ("jan", "جان"),
    ("nur", "نور"),
    ("fatima", "فاطمه"),
    ("maryam", "مریم"),
    ("zainab", "زینب"),
    ("aisha", "عایشه"),
    ("khadija", "خدیجه"),
    ("yusuf", "یوسف"),
    ("ibrahim", "ابراهیم"),
    ("ismail", "اسماعیل"),
    ("ishaq", "اسحاق"),
    ("umar", "عمر"),
    ("usman", "عثمان"),
    ("hamid", "حمید"),
    ("hamed", "حامد"),
    ("rashid", "رشید"),
    ("nabi", "نبی"),
    ("qadir", "قادر"),
    ("zahir", "ظاهر"),
    ("nasir", "نصیر ناصر"),
    ("bashir", "بشیر"),
    ("nazir", "نذیر نظیر"),
    ("jawid", "جاوید"),
    ("nawid", "نوید"),
    ("farid", "فرید"),
    ("wahid", "وحید واحد"),
    ("wali", "ولی"),
    ("amin", "امین"),
    ("habib", "حبیب"),
    ("latif", "لطیف"),
    ("sharif", "شریف"),
    ("siddiq", "صدیق"),
    ("sadiq", "صادق"),
    ("mujib", "مجیب"),
    ("najib", "نجیب"),
    ("masud", "مسعود"),
    ("haidar", "حیدر"),
    ("qurban", "قربان"),
    ("sakhi", "سخی"),
    ("hakim", "حکیم"),
    ("mirwais", "میرویس"),
    ("aziz", "عزیز"),
    ("rahmat", "رحمت"),
    ("nazar", "نظر"),
    ("akbar", "اکبر"),
    ("asghar", "اصغر"),
    ("jafar", "جعفر"),
    ("qasim", "قاسم"),
    ("mustafa", "مصطفی"),
    ("mahdi", "مهدی"),
    ("sultan", "سلطان"),
    ("zaman", "زمان"),
    ("amir", "امیر"),
    ("rasul", "رسول"),
    ("hashim", "هاشم"),
    ("reza", "رضا"),
    ("rezai", "رضایی"),
    ("jamil", "جمیل"),
    ("jalal", "جلال"),
    ("majid", "مجید"),
    ("khalid", "خالد"),
    ("tariq", "طارق"),
    ("walid", "ولید"),
    ("shafiq", "شفیق"),
    ("rafi", "رفیع"),
    ("samad", "صمد"),
    ("obaid", "عبید"),
    ("hikmat", "حکمت"),
    ("ismat", "عصمت"),
    ("inayat", "عنایت"),
    ("ihsan", "احسان"),
    ("imran", "عمران"),
    ("idris", "ادریس"),
    ("ilyas", "الیاس"),
    ("zahra", "زهرا"),
    ("zohra", "زهره"),
    ("shakila", "شکیلا"),
    ("farida", "فریده"),
    ("nasrin", "نسرین"),
    ("parwin", "پروین"),
    ("laila", "لیلا لیلی"),
    ("malalai", "ملالی"),
    ("malala", "ملاله"),
    ("sima", "سیما"),
    ("shabnam", "شبنم"),
    ("gulalai", "گلالی"),
    ("nazia", "نازیه"),
    ("roshan", "روشن"),
    ("humayun", "همایون"),
    ("fawad", "فواد"),
    ("shakib", "شکیب"),
    ("zabi", "ذبیح"),
    ("sami", "سمیع"),
    ("aman", "امان"),
    ("popal", "پوپل"),
    ("karzai", "کرزی"),
    ("wardak", "وردک"),
    ("stanekzai", "ستانکزی"),
    ("sadat", "سادات"),
    ("safi", "صافی"),
    ("momand", "مومند مهمند"),
    ("niazi", "نیازی"),
    ("durrani", "درانی"),
    ("hotak", "هوتک"),
    ("achakzai", "اچکزی"),
    ("barakzai", "بارکزی"),
    ("kakar", "کاکړ کاکر"),
    ("mangal", "منگل"),
    ("zadran", "ځدراڼ زدران"),
    ("tajik", "تاجیک"),
    ("hazara", "هزاره"),
    ("uzbek", "ازبک"),
    ("kabul", "کابل"),
    ("herat", "هرات"),
    ("kandahar", "کندهار قندهار"),
    ("mazar", "مزار"),
    ("balkh", "بلخ"),
    ("nangarhar", "ننگرهار"),
    ("jalalabad", "جلالاباد"),
    ("ghazni", "غزنی"),
    ("bamyan", "بامیان"),
    ("parwan", "پروان"),
    ("kapisa", "کاپیسا"),
    ("logar", "لوگر"),
    ("paktia", "پکتیا"),
    ("khost", "خوست"),
    ("kunar", "کنر"),
    ("laghman", "لغمان"),
    ("badakhshan", "بدخشان"),
    ("takhar", "تخار"),
    ("kunduz", "کندز قندوز کندوز"),
    ("baghlan", "بغلان"),
    ("samangan", "سمنگان"),
    ("jawzjan", "جوزجان"),
    ("faryab", "فاریاب"),
    ("saripul", "سرپل"),
    ("ghor", "غور"),
    ("daikundi", "دایکندی"),
    ("uruzgan", "ارزگان"),
    ("zabul", "زابل"),
    ("helmand", "هلمند"),
    ("badghis", "بادغیس"),
    ("farah", "فراه"),
    ("nimroz", "نیمروز"),
    ("panjshir", "پنجشیر"),
    ("nuristan", "نورستان"),
    ("paktika", "پکتیکا"),
    ("afghanistan", "افغانستان"),
    ("afghan", "افغان"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(s: &str) -> String {
        let mut out = String::new();
        fold(s, &mut out);
        out
    }

    #[test]
    fn fold_lowercases_strips_accents_and_compat_forms() {
        assert_eq!(folded("ÁHMAD"), "ahmad");
        assert_eq!(folded("Ｍｏｈａｍｍａｄ"), "mohammad");
        assert_eq!(folded("ﬁrst"), "first");
        assert_eq!(folded("José"), "jose");
    }

    #[test]
    fn fold_unifies_arabic_letters_digits_and_marks() {
        let mut out = String::new();
        assert!(fold("علي", &mut out));
        assert_eq!(out, "علی");
        assert_eq!(folded("كريم"), "کریم");
        // Short-vowel marks (harakat) and tatweel go.
        assert_eq!(folded("مُحَمَّد"), "محمد");
        assert_eq!(folded("محـــمد"), "محمد");
        // Presentation forms come back to letters.
        assert_eq!(folded("\u{FEE3}\u{FEA4}\u{FEE4}\u{FEAA}"), "محمد");
        assert_eq!(folded("۱۳۹۹"), "1399");
        assert_eq!(folded("١٩٨٥"), "1985");
        assert!(!fold("Ahmad", &mut out));
    }

    #[test]
    fn words_split_on_punctuation_and_keep_apostrophes_joined() {
        let w: Vec<String> = words("abd'ul-rahman  karimi.").collect();
        assert_eq!(w, vec!["abdul", "rahman", "karimi"]);
    }

    #[test]
    fn transliteration_uses_the_dictionary_then_letters() {
        assert_eq!(transliterate("محمد"), (vec!["muhammad".to_string()], false));
        assert_eq!(transliterate("کریمی"), (vec!["karimi".to_string()], false));
        assert_eq!(
            transliterate("احمدزی"),
            (vec!["ahmadzai".to_string()], false)
        );
        assert_eq!(
            transliterate("عبدالرحمن"),
            (vec!["abdulrahman".to_string()], false)
        );
        assert_eq!(
            transliterate("ذبیح‌الله".replace('\u{200C}', "").as_str()).0,
            vec!["zabiullah".to_string()]
        );
        assert_eq!(transliterate("الله").0, vec!["ullah".to_string()]);
        let (w, guessed) = transliterate("سپین");
        assert!(guessed);
        assert_eq!(w, vec!["spin".to_string()]);
        assert_eq!(letters("وزیری"), "wziri");
        assert_eq!(letters("شاه"), "shah");
    }

    #[test]
    fn tables_map_variants_to_one_spelling() {
        for v in ["mohammad", "muhammed", "mohd", "mohamed"] {
            assert_eq!(variant(v), Some("muhammad"), "{v}");
        }
        assert_eq!(variant("ahmed"), Some("ahmad"));
        assert_eq!(variant("syed"), Some("sayed"));
        assert_eq!(variant("said"), Some("sayed"));
        assert_eq!(variant("gholam"), Some("ghulam"));
        assert_eq!(variant("gol"), Some("gul"));
        assert_eq!(variant("karimi"), None);
        assert!(is_title("haji"));
        assert!(!is_title("ahmad"));
    }
}

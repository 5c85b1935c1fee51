//! The three languages people are reached in, and the public form's words in each.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    En,
    /// Dari (Afghan Persian).
    Fa,
    Ps,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::En, Language::Fa, Language::Ps];

    /// BCP 47 code, as `lang=` wants it.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Fa => "fa",
            Language::Ps => "ps",
        }
    }

    /// Text direction, as `dir=` wants it.
    pub fn dir(self) -> &'static str {
        match self {
            Language::En => "ltr",
            Language::Fa | Language::Ps => "rtl",
        }
    }

    /// The language's own name for itself.
    pub fn native(self) -> &'static str {
        match self {
            Language::En => "English",
            Language::Fa => "دری",
            Language::Ps => "پښتو",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Language::En => "English",
            Language::Fa => "Dari",
            Language::Ps => "Pashto",
        }
    }

    /// Reads a language as lists and forms write it (code, English name, own name).
    pub fn parse(s: &str) -> Option<Language> {
        let t = s.trim().to_lowercase();
        Some(match t.as_str() {
            "en" | "eng" | "english" => Language::En,
            "fa" | "prs" | "fa-af" | "dari" | "farsi" | "persian" | "دری" | "فارسی" => {
                Language::Fa
            }
            "ps" | "pus" | "pashto" | "pushto" | "پښتو" => Language::Ps,
            _ => return None,
        })
    }

    pub fn words(self) -> &'static Words {
        match self {
            Language::En => &EN,
            Language::Fa => &FA,
            Language::Ps => &PS,
        }
    }
}

/// Every word the public registration pages show, in one language.
pub struct Words {
    pub title: &'static str,
    pub intro: &'static str,
    pub privacy: &'static str,
    pub language: &'static str,
    pub you: &'static str,
    pub given_name: &'static str,
    pub family_name: &'static str,
    pub birth_date: &'static str,
    pub birth_hint: &'static str,
    pub document_number: &'static str,
    pub phone: &'static str,
    pub phone_hint: &'static str,
    pub email: &'static str,
    pub province: &'static str,
    pub choose: &'static str,
    pub status: &'static str,
    /// In the order of [`crate::registration::CLAIMS`].
    pub statuses: [&'static str; 6],
    pub household: &'static str,
    pub household_hint: &'static str,
    pub person_n: &'static str,
    pub relationship: &'static str,
    pub more_rows: &'static str,
    pub submit: &'static str,
    pub required: &'static str,
    pub form_problem: &'static str,
    pub err_required: &'static str,
    pub err_date: &'static str,
    pub err_phone: &'static str,
    pub err_email: &'static str,
    pub err_contact: &'static str,
    pub err_too_long: &'static str,
    pub err_province: &'static str,
    pub err_status: &'static str,
    pub err_member: &'static str,
    pub expired: &'static str,
    pub rate_limited: &'static str,
    pub unavailable: &'static str,
    pub done_title: &'static str,
    pub done_reference: &'static str,
    pub done_secret: &'static str,
    pub done_keep: &'static str,
    pub done_next: &'static str,
    pub update_link: &'static str,
    pub update_title: &'static str,
    pub update_intro: &'static str,
    pub reference: &'static str,
    pub secret: &'static str,
    pub update_open: &'static str,
    pub update_wrong: &'static str,
    pub save: &'static str,
    pub updated: &'static str,
    pub honeypot: &'static str,
}

static EN: Words = Words {
    title: "Register with the embassy",
    intro: "Tell us who you are, where you are and who travels with you. We will contact you with instructions. Registering does not guarantee evacuation.",
    privacy: "What you give is encrypted and seen only by the embassy's staff.",
    language: "Language",
    you: "You",
    given_name: "Given name",
    family_name: "Family name",
    birth_date: "Date of birth",
    birth_hint: "YYYY-MM-DD, or the year alone",
    document_number: "Passport or tazkira number",
    phone: "Phone",
    phone_hint: "with the country code, e.g. +93 70 123 4567",
    email: "Email",
    province: "Province where you are now",
    choose: "Choose…",
    status: "Your status",
    statuses: [
        "Citizen",
        "Permanent resident (green card)",
        "SIV applicant",
        "Employee of the embassy",
        "Refugee referral (P1/P2)",
        "Other, at risk",
    ],
    household: "People travelling with you",
    household_hint: "Your family members who travel with you. Leave empty rows empty.",
    person_n: "Person",
    relationship: "Relationship",
    more_rows: "More rows for people travelling with you",
    submit: "Register",
    required: "required",
    form_problem: "Please correct the fields marked below. What you typed is kept.",
    err_required: "This field is required.",
    err_date: "Write the date as YYYY-MM-DD, or the year alone.",
    err_phone: "Write a phone number with its country code (e.g. +93 70 123 4567).",
    err_email: "This is not an email address.",
    err_contact: "Give a phone number or an email address, so we can reach you.",
    err_too_long: "Too long.",
    err_province: "Choose a province from the list.",
    err_status: "Choose a status from the list.",
    err_member: "Give at least a given name for each person listed, or leave the whole row empty.",
    expired: "The form was open too long, or was already sent. Check what you typed and send it again.",
    rate_limited: "Too many registrations from your network just now. Wait a minute and send again; what you typed is kept.",
    unavailable: "Registration is closed for a moment. Try again in a few minutes; what you typed is kept.",
    done_title: "Registration received",
    done_reference: "Your reference",
    done_secret: "Your secret code (to update your entry)",
    done_keep: "Write both down or take a photo of this page. Keep the secret code to yourself: anyone with it can change your entry. This page will not be shown again.",
    done_next: "Registering does not guarantee a seat. Watch for messages from the embassy by SMS or email.",
    update_link: "Already registered? Update your entry",
    update_title: "Update your registration",
    update_intro: "Give the reference and the secret code you received.",
    reference: "Reference",
    secret: "Secret code",
    update_open: "Open my registration",
    update_wrong: "The reference and secret code do not match. Check them and try again.",
    save: "Save changes",
    updated: "Your registration was updated.",
    honeypot: "Leave this field empty",
};

static FA: Words = Words {
    title: "ثبت نام نزد سفارت",
    intro: "بگویید شما کی هستید، در کجا هستید و چه کسانی با شما سفر می‌کنند. ما برای رهنمایی با شما تماس می‌گیریم. ثبت نام تضمین تخلیه نیست.",
    privacy: "معلومات شما رمزگذاری می‌شود و تنها کارمندان سفارت آن را می‌بینند.",
    language: "زبان",
    you: "شما",
    given_name: "نام",
    family_name: "تخلص",
    birth_date: "تاریخ تولد",
    birth_hint: "سال-ماه-روز میلادی، یا تنها سال",
    document_number: "شماره پاسپورت یا تذکره",
    phone: "شماره تلفن",
    phone_hint: "با کد کشور، مثلاً ‎+93 70 123 4567‎",
    email: "ایمیل",
    province: "ولایتی که اکنون در آن هستید",
    choose: "انتخاب کنید…",
    status: "وضعیت شما",
    statuses: [
        "تبعه",
        "دارنده اقامت دائم (گرین کارت)",
        "متقاضی ویزه خاص مهاجرت (SIV)",
        "کارمند سفارت",
        "معرفی شده برای پناهندگی (P1/P2)",
        "دیگر، در معرض خطر",
    ],
    household: "کسانی که با شما سفر می‌کنند",
    household_hint: "اعضای خانواده که با شما سفر می‌کنند. سطرهای خالی را خالی بگذارید.",
    person_n: "شخص",
    relationship: "نسبت",
    more_rows: "سطرهای بیشتر برای همراهان",
    submit: "ثبت نام",
    required: "ضروری",
    form_problem: "لطفاً خانه‌های نشانی شده را درست کنید. آنچه نوشته‌اید حفظ شده است.",
    err_required: "این خانه ضروری است.",
    err_date: "تاریخ را به شکل سال-ماه-روز یا تنها سال بنویسید.",
    err_phone: "شماره تلفن را با کد کشور بنویسید (مثلاً ‎+93 70 123 4567‎).",
    err_email: "این آدرس ایمیل درست نیست.",
    err_contact: "شماره تلفن یا ایمیل بدهید تا بتوانیم با شما تماس بگیریم.",
    err_too_long: "بسیار طولانی است.",
    err_province: "یک ولایت را از فهرست انتخاب کنید.",
    err_status: "یک وضعیت را از فهرست انتخاب کنید.",
    err_member: "برای هر شخص دست‌کم نام را بنویسید، یا تمام سطر را خالی بگذارید.",
    expired: "فورم بیش از حد باز مانده یا قبلاً فرستاده شده است. معلومات را بررسی کرده و دوباره بفرستید.",
    rate_limited: "ثبت نام‌های زیادی از شبکه شما انجام شده. یک دقیقه صبر کنید و دوباره بفرستید؛ آنچه نوشته‌اید حفظ شده است.",
    unavailable: "ثبت نام برای لحظه‌ای بسته است. چند دقیقه بعد دوباره کوشش کنید؛ آنچه نوشته‌اید حفظ شده است.",
    done_title: "ثبت نام شما دریافت شد",
    done_reference: "شماره مرجع شما",
    done_secret: "رمز شما (برای تغییر معلومات)",
    done_keep: "هر دو را یادداشت کنید یا از این صفحه عکس بگیرید. رمز را به کسی ندهید: هر کسی که آن را داشته باشد می‌تواند معلومات شما را تغییر دهد. این صفحه دوباره نشان داده نمی‌شود.",
    done_next: "ثبت نام تضمین جای در پرواز نیست. منتظر پیام‌های سفارت از طریق پیامک یا ایمیل باشید.",
    update_link: "قبلاً ثبت نام کرده‌اید؟ معلومات خود را تغییر دهید",
    update_title: "تغییر معلومات ثبت نام",
    update_intro: "شماره مرجع و رمزی را که دریافت کرده‌اید وارد کنید.",
    reference: "شماره مرجع",
    secret: "رمز",
    update_open: "باز کردن ثبت نام من",
    update_wrong: "شماره مرجع و رمز مطابقت ندارند. آن‌ها را بررسی و دوباره کوشش کنید.",
    save: "ذخیره تغییرات",
    updated: "ثبت نام شما تازه شد.",
    honeypot: "این خانه را خالی بگذارید",
};

static PS: Words = Words {
    title: "له سفارت سره نوم لیکنه",
    intro: "ووایاست چې تاسو څوک یاست، چیرته یاست او څوک ستاسو سره سفر کوي. موږ به د لارښوونو لپاره تاسو سره اړیکه ونیسو. نوم لیکنه د ایستلو تضمین نه دی.",
    privacy: "ستاسو معلومات کوډ کیږي او یوازې د سفارت کارکوونکي یې لیدلی شي.",
    language: "ژبه",
    you: "تاسو",
    given_name: "نوم",
    family_name: "تخلص",
    birth_date: "د زیږیدو نېټه",
    birth_hint: "کال-میاشت-ورځ میلادي، یا یوازې کال",
    document_number: "د پاسپورت یا تذکرې شمېره",
    phone: "د تلیفون شمېره",
    phone_hint: "د هېواد له کوډ سره، لکه ‎+93 70 123 4567‎",
    email: "برېښنالیک",
    province: "هغه ولایت چې اوس پکې یاست",
    choose: "وټاکئ…",
    status: "ستاسو حالت",
    statuses: [
        "تبعه",
        "د دایمي استوګنې لرونکی (ګرین کارت)",
        "د ځانګړي مهاجرت ویزې (SIV) غوښتونکی",
        "د سفارت کارکوونکی",
        "د پناه غوښتنې لپاره معرفي شوی (P1/P2)",
        "نور، په خطر کې",
    ],
    household: "هغه کسان چې ستاسو سره سفر کوي",
    household_hint: "ستاسو د کورنۍ غړي چې ستاسو سره سفر کوي. خالي کرښې خالي پرېږدئ.",
    person_n: "کس",
    relationship: "اړیکه",
    more_rows: "د ملګرو لپاره نورې کرښې",
    submit: "نوم لیکنه",
    required: "اړین",
    form_problem: "مهرباني وکړئ نښه شوي ځایونه سم کړئ. هغه څه چې تاسو لیکلي ساتل شوي.",
    err_required: "دا ځای اړین دی.",
    err_date: "نېټه د کال-میاشت-ورځ په بڼه یا یوازې کال ولیکئ.",
    err_phone: "د تلیفون شمېره د هېواد له کوډ سره ولیکئ (لکه ‎+93 70 123 4567‎).",
    err_email: "دا سم برېښنالیک نه دی.",
    err_contact: "د تلیفون شمېره یا برېښنالیک ورکړئ چې تاسو سره اړیکه ونیسو.",
    err_too_long: "ډېر اوږد دی.",
    err_province: "له لېست څخه یو ولایت وټاکئ.",
    err_status: "له لېست څخه یو حالت وټاکئ.",
    err_member: "د هر کس لپاره لږ تر لږه نوم ولیکئ، یا ټوله کرښه خالي پرېږدئ.",
    expired: "فورمه ډېر وخت خلاصه پاتې شوې یا مخکې لېږل شوې. معلومات وګورئ او بیا یې ولېږئ.",
    rate_limited: "ستاسو له شبکې ډېرې نوم لیکنې شوې. یوه دقیقه صبر وکړئ او بیا یې ولېږئ؛ هغه څه چې تاسو لیکلي ساتل شوي.",
    unavailable: "نوم لیکنه د یوې شیبې لپاره بنده ده. څو دقیقې وروسته بیا هڅه وکړئ؛ هغه څه چې تاسو لیکلي ساتل شوي.",
    done_title: "ستاسو نوم لیکنه ترلاسه شوه",
    done_reference: "ستاسو د مرجع شمېره",
    done_secret: "ستاسو پټ کوډ (د معلوماتو د بدلولو لپاره)",
    done_keep: "دواړه ولیکئ یا د دې پاڼې انځور واخلئ. پټ کوډ چاته مه ورکوئ: هر څوک چې دا ولري ستاسو معلومات بدلولی شي. دا پاڼه بیا نه ښودل کیږي.",
    done_next: "نوم لیکنه د الوتکې د څوکۍ تضمین نه دی. د SMS یا برېښنالیک له لارې د سفارت پیغامونو ته پام وکړئ.",
    update_link: "مخکې مو نوم لیکلی؟ خپل معلومات سم کړئ",
    update_title: "د نوم لیکنې سمول",
    update_intro: "د مرجع شمېره او پټ کوډ چې تاسو ترلاسه کړي ولیکئ.",
    reference: "د مرجع شمېره",
    secret: "پټ کوډ",
    update_open: "زما نوم لیکنه پرانیزه",
    update_wrong: "د مرجع شمېره او پټ کوډ سره سمون نه خوري. وې ګورئ او بیا هڅه وکړئ.",
    save: "بدلونونه خوندي کړه",
    updated: "ستاسو نوم لیکنه تازه شوه.",
    honeypot: "دا ځای خالي پرېږدئ",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_and_names() {
        assert_eq!(Language::parse("Dari"), Some(Language::Fa));
        assert_eq!(Language::parse(" prs "), Some(Language::Fa));
        assert_eq!(Language::parse("پښتو"), Some(Language::Ps));
        assert_eq!(Language::parse("EN"), Some(Language::En));
        assert_eq!(Language::parse("klingon"), None);
        for l in Language::ALL {
            assert_eq!(Language::parse(l.code()), Some(l));
        }
    }

    #[test]
    fn right_to_left_for_dari_and_pashto() {
        assert_eq!(Language::En.dir(), "ltr");
        assert_eq!(Language::Fa.dir(), "rtl");
        assert_eq!(Language::Ps.dir(), "rtl");
    }
}

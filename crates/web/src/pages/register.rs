//! The public self-registration pages (no login): a person registers themselves and their
//! household, and later updates the entry with the reference and secret they were given.
//! English, Dari and Pashto through `drawdown_web::i18n` (the language switcher, `?lang=`,
//! the cookie, the browser's language); no script needed; usable on a small phone.

use super::*;
use crate::i18n::{self, Lang, Texts};
use crate::services::outreach::{self as svc, Intake, TokenProblem};
use drawdown_outreach::Language;
use drawdown_outreach::registration::{self as reg, FieldProblem, MAX_MEMBERS, MEMBER_PARTS};

/// The public form's body is small: this is several times the largest honest submission.
pub const MAX_REGISTRATION_BYTES: usize = 32 * 1024;

/// Every word the public registration pages show.
pub const MESSAGES: i18n::Messages = &[
    (
        "title",
        "Register with the embassy",
        "ثبت نام نزد سفارت",
        "له سفارت سره نوم لیکنه",
    ),
    (
        "intro",
        "Tell us who you are, where you are and who travels with you. We will contact you with instructions. Registering does not guarantee evacuation.",
        "بگویید شما کی هستید، در کجا هستید و چه کسانی با شما سفر می‌کنند. ما برای رهنمایی با شما تماس می‌گیریم. ثبت نام تضمین تخلیه نیست.",
        "ووایاست چې تاسو څوک یاست، چیرته یاست او څوک ستاسو سره سفر کوي. موږ به د لارښوونو لپاره تاسو سره اړیکه ونیسو. نوم لیکنه د ایستلو تضمین نه دی.",
    ),
    (
        "privacy",
        "What you give is encrypted and seen only by the embassy's staff.",
        "معلومات شما رمزگذاری می‌شود و تنها کارمندان سفارت آن را می‌بینند.",
        "ستاسو معلومات کوډ کیږي او یوازې د سفارت کارکوونکي یې لیدلی شي.",
    ),
    ("language", "Language", "زبان", "ژبه"),
    ("you", "You", "شما", "تاسو"),
    ("given_name", "Given name", "نام", "نوم"),
    ("family_name", "Family name", "تخلص", "تخلص"),
    ("birth_date", "Date of birth", "تاریخ تولد", "د زیږیدو نېټه"),
    (
        "birth_hint",
        "YYYY-MM-DD, or the year alone",
        "سال-ماه-روز میلادی، یا تنها سال",
        "کال-میاشت-ورځ میلادي، یا یوازې کال",
    ),
    (
        "document_number",
        "Passport or tazkira number",
        "شماره پاسپورت یا تذکره",
        "د پاسپورت یا تذکرې شمېره",
    ),
    ("phone", "Phone", "شماره تلفن", "د تلیفون شمېره"),
    (
        "phone_hint",
        "with the country code, e.g. +93 70 123 4567",
        "با کد کشور، مثلاً ‎+93 70 123 4567‎",
        "د هېواد له کوډ سره، لکه ‎+93 70 123 4567‎",
    ),
    ("email", "Email", "ایمیل", "برېښنالیک"),
    (
        "province",
        "Province where you are now",
        "ولایتی که اکنون در آن هستید",
        "هغه ولایت چې اوس پکې یاست",
    ),
    ("choose", "Choose…", "انتخاب کنید…", "وټاکئ…"),
    ("status", "Your status", "وضعیت شما", "ستاسو حالت"),
    (
        "household",
        "People travelling with you",
        "کسانی که با شما سفر می‌کنند",
        "هغه کسان چې ستاسو سره سفر کوي",
    ),
    (
        "household_hint",
        "Your family members who travel with you. Leave empty rows empty.",
        "اعضای خانواده که با شما سفر می‌کنند. سطرهای خالی را خالی بگذارید.",
        "ستاسو د کورنۍ غړي چې ستاسو سره سفر کوي. خالي کرښې خالي پرېږدئ.",
    ),
    ("person_n", "Person", "شخص", "کس"),
    ("relationship", "Relationship", "نسبت", "اړیکه"),
    (
        "more_rows",
        "More rows for people travelling with you",
        "سطرهای بیشتر برای همراهان",
        "د ملګرو لپاره نورې کرښې",
    ),
    ("submit", "Register", "ثبت نام", "نوم لیکنه"),
    ("required", "required", "ضروری", "اړین"),
    (
        "form_problem",
        "Please correct the fields marked below. What you typed is kept.",
        "لطفاً خانه‌های نشانی شده را درست کنید. آنچه نوشته‌اید حفظ شده است.",
        "مهرباني وکړئ نښه شوي ځایونه سم کړئ. هغه څه چې تاسو لیکلي ساتل شوي.",
    ),
    (
        "err_required",
        "This field is required.",
        "این خانه ضروری است.",
        "دا ځای اړین دی.",
    ),
    (
        "err_date",
        "Write the date as YYYY-MM-DD, or the year alone.",
        "تاریخ را به شکل سال-ماه-روز یا تنها سال بنویسید.",
        "نېټه د کال-میاشت-ورځ په بڼه یا یوازې کال ولیکئ.",
    ),
    (
        "err_phone",
        "Write a phone number with its country code (e.g. +93 70 123 4567).",
        "شماره تلفن را با کد کشور بنویسید (مثلاً ‎+93 70 123 4567‎).",
        "د تلیفون شمېره د هېواد له کوډ سره ولیکئ (لکه ‎+93 70 123 4567‎).",
    ),
    (
        "err_email",
        "This is not an email address.",
        "این آدرس ایمیل درست نیست.",
        "دا سم برېښنالیک نه دی.",
    ),
    (
        "err_contact",
        "Give a phone number or an email address, so we can reach you.",
        "شماره تلفن یا ایمیل بدهید تا بتوانیم با شما تماس بگیریم.",
        "د تلیفون شمېره یا برېښنالیک ورکړئ چې تاسو سره اړیکه ونیسو.",
    ),
    (
        "err_too_long",
        "Too long.",
        "بسیار طولانی است.",
        "ډېر اوږد دی.",
    ),
    (
        "err_province",
        "Choose a province from the list.",
        "یک ولایت را از فهرست انتخاب کنید.",
        "له لېست څخه یو ولایت وټاکئ.",
    ),
    (
        "err_status",
        "Choose a status from the list.",
        "یک وضعیت را از فهرست انتخاب کنید.",
        "له لېست څخه یو حالت وټاکئ.",
    ),
    (
        "err_member",
        "Give at least a given name for each person listed, or leave the whole row empty.",
        "برای هر شخص دست‌کم نام را بنویسید، یا تمام سطر را خالی بگذارید.",
        "د هر کس لپاره لږ تر لږه نوم ولیکئ، یا ټوله کرښه خالي پرېږدئ.",
    ),
    (
        "expired",
        "The form was open too long, or was already sent. Check what you typed and send it again.",
        "فورم بیش از حد باز مانده یا قبلاً فرستاده شده است. معلومات را بررسی کرده و دوباره بفرستید.",
        "فورمه ډېر وخت خلاصه پاتې شوې یا مخکې لېږل شوې. معلومات وګورئ او بیا یې ولېږئ.",
    ),
    (
        "rate_limited",
        "Too many registrations from your network just now. Wait a minute and send again; what you typed is kept.",
        "ثبت نام‌های زیادی از شبکه شما انجام شده. یک دقیقه صبر کنید و دوباره بفرستید؛ آنچه نوشته‌اید حفظ شده است.",
        "ستاسو له شبکې ډېرې نوم لیکنې شوې. یوه دقیقه صبر وکړئ او بیا یې ولېږئ؛ هغه څه چې تاسو لیکلي ساتل شوي.",
    ),
    (
        "unavailable",
        "Registration is closed for a moment. Try again in a few minutes; what you typed is kept.",
        "ثبت نام برای لحظه‌ای بسته است. چند دقیقه بعد دوباره کوشش کنید؛ آنچه نوشته‌اید حفظ شده است.",
        "نوم لیکنه د یوې شیبې لپاره بنده ده. څو دقیقې وروسته بیا هڅه وکړئ؛ هغه څه چې تاسو لیکلي ساتل شوي.",
    ),
    (
        "done_title",
        "Registration received",
        "ثبت نام شما دریافت شد",
        "ستاسو نوم لیکنه ترلاسه شوه",
    ),
    (
        "done_reference",
        "Your reference",
        "شماره مرجع شما",
        "ستاسو د مرجع شمېره",
    ),
    (
        "done_secret",
        "Your secret code (to update your entry)",
        "رمز شما (برای تغییر معلومات)",
        "ستاسو پټ کوډ (د معلوماتو د بدلولو لپاره)",
    ),
    (
        "done_keep",
        "Write both down or take a photo of this page. Keep the secret code to yourself: anyone with it can change your entry. This page will not be shown again.",
        "هر دو را یادداشت کنید یا از این صفحه عکس بگیرید. رمز را به کسی ندهید: هر کسی که آن را داشته باشد می‌تواند معلومات شما را تغییر دهد. این صفحه دوباره نشان داده نمی‌شود.",
        "دواړه ولیکئ یا د دې پاڼې انځور واخلئ. پټ کوډ چاته مه ورکوئ: هر څوک چې دا ولري ستاسو معلومات بدلولی شي. دا پاڼه بیا نه ښودل کیږي.",
    ),
    (
        "done_next",
        "Registering does not guarantee a seat. Watch for messages from the embassy by SMS or email.",
        "ثبت نام تضمین جای در پرواز نیست. منتظر پیام‌های سفارت از طریق پیامک یا ایمیل باشید.",
        "نوم لیکنه د الوتکې د څوکۍ تضمین نه دی. د SMS یا برېښنالیک له لارې د سفارت پیغامونو ته پام وکړئ.",
    ),
    (
        "update_link",
        "Already registered? Update your entry",
        "قبلاً ثبت نام کرده‌اید؟ معلومات خود را تغییر دهید",
        "مخکې مو نوم لیکلی؟ خپل معلومات سم کړئ",
    ),
    (
        "update_title",
        "Update your registration",
        "تغییر معلومات ثبت نام",
        "د نوم لیکنې سمول",
    ),
    (
        "update_intro",
        "Give the reference and the secret code you received.",
        "شماره مرجع و رمزی را که دریافت کرده‌اید وارد کنید.",
        "د مرجع شمېره او پټ کوډ چې تاسو ترلاسه کړي ولیکئ.",
    ),
    ("reference", "Reference", "شماره مرجع", "د مرجع شمېره"),
    ("secret", "Secret code", "رمز", "پټ کوډ"),
    (
        "update_open",
        "Open my registration",
        "باز کردن ثبت نام من",
        "زما نوم لیکنه پرانیزه",
    ),
    (
        "update_wrong",
        "The reference and secret code do not match. Check them and try again.",
        "شماره مرجع و رمز مطابقت ندارند. آن‌ها را بررسی و دوباره کوشش کنید.",
        "د مرجع شمېره او پټ کوډ سره سمون نه خوري. وې ګورئ او بیا هڅه وکړئ.",
    ),
    (
        "save",
        "Save changes",
        "ذخیره تغییرات",
        "بدلونونه خوندي کړه",
    ),
    (
        "updated",
        "Your registration was updated.",
        "ثبت نام شما تازه شد.",
        "ستاسو نوم لیکنه تازه شوه.",
    ),
    (
        "honeypot",
        "Leave this field empty",
        "این خانه را خالی بگذارید",
        "دا ځای خالي پرېږدئ",
    ),
    ("status_citizen", "Citizen", "تبعه", "تبعه"),
    (
        "status_permanent_resident",
        "Permanent resident (green card)",
        "دارنده اقامت دائم (گرین کارت)",
        "د دایمي استوګنې لرونکی (ګرین کارت)",
    ),
    (
        "status_siv_applicant",
        "SIV applicant",
        "متقاضی ویزه خاص مهاجرت (SIV)",
        "د ځانګړي مهاجرت ویزې (SIV) غوښتونکی",
    ),
    (
        "status_staff_local",
        "Employee of the embassy",
        "کارمند سفارت",
        "د سفارت کارکوونکی",
    ),
    (
        "status_refugee_referral",
        "Refugee referral (P1/P2)",
        "معرفی شده برای پناهندگی (P1/P2)",
        "د پناه غوښتنې لپاره معرفي شوی (P1/P2)",
    ),
    (
        "status_other_at_risk",
        "Other, at risk",
        "دیگر، در معرض خطر",
        "نور، په خطر کې",
    ),
];

/// The language a registration is kept in (the same three as the pages).
fn language(l: Lang) -> Language {
    match l {
        Lang::En => Language::En,
        Lang::Fa => Language::Fa,
        Lang::Ps => Language::Ps,
    }
}

/// The page's language: the one the form was filled in (its hidden field), else the
/// request's (`?lang=`, the cookie, the browser's language).
fn form_lang(typed: &Typed, asked: Lang) -> Lang {
    Lang::parse(typed.get("lang")).unwrap_or(asked)
}

struct FieldView {
    name: String,
    label: &'static str,
    hint: &'static str,
    value: String,
    error: Option<&'static str>,
    required: bool,
    autocomplete: &'static str,
    inputmode: &'static str,
}

#[derive(Template)]
#[template(path = "outreach_register.html")]
struct RegisterPage {
    chrome: Chrome,
    lang: Lang,
    tx: Texts,
    /// The language switcher is shown where following it loses nothing (not on an opened entry).
    switch: bool,
    heading: &'static str,
    notice: String,
    problems: Vec<(String, &'static str)>,
    action: &'static str,
    submit: &'static str,
    token: String,
    reference: String,
    secret: String,
    lead: Vec<FieldView>,
    /// Companions' rows: number, number as the language writes it, fields.
    rows: Vec<(usize, String, Vec<FieldView>)>,
    max_rows: usize,
    provinces: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "outreach_registered.html")]
struct RegisteredPage {
    chrome: Chrome,
    lang: Lang,
    tx: Texts,
    heading: &'static str,
    reference: String,
    secret: String,
}

#[derive(Template)]
#[template(path = "outreach_update.html")]
struct UpdatePage {
    chrome: Chrome,
    lang: Lang,
    tx: Texts,
    token: String,
    reference: String,
    error: &'static str,
}

/// What the form held, and what went wrong with it.
#[derive(Default)]
struct Typed {
    values: HashMap<String, String>,
    problems: Vec<FieldProblem>,
    rows: usize,
}

impl Typed {
    fn get(&self, k: &str) -> &str {
        self.values.get(k).map(String::as_str).unwrap_or("")
    }
}

/// Where the form is going: a new registration, or an update of one.
struct Mode {
    action: &'static str,
    reference: String,
    secret: String,
}

fn problem_key(p: reg::Problem) -> &'static str {
    match p {
        reg::Problem::Required => "err_required",
        reg::Problem::Date => "err_date",
        reg::Problem::Phone => "err_phone",
        reg::Problem::Email => "err_email",
        reg::Problem::Contact => "err_contact",
        reg::Problem::TooLong => "err_too_long",
        reg::Problem::Province => "err_province",
        reg::Problem::Status => "err_status",
        reg::Problem::Member => "err_member",
    }
}

fn form_page(
    state: &AppState,
    lang: Lang,
    typed: &Typed,
    notice: String,
    mode: Mode,
    status: StatusCode,
) -> PageResult {
    let tx = Texts::new(lang, MESSAGES);
    let vault = state.vault()?;
    let problem = |name: &str| {
        typed
            .problems
            .iter()
            .find(|p| p.field == name)
            .map(|p| tx.t(problem_key(p.problem)))
    };
    let field = |name: &str,
                 label: &'static str,
                 hint: &'static str,
                 required: bool,
                 autocomplete: &'static str,
                 inputmode: &'static str| FieldView {
        name: name.to_string(),
        label,
        hint,
        value: typed.get(name).to_string(),
        error: problem(name),
        required,
        autocomplete,
        inputmode,
    };
    let t = |k: &str| tx.t(k);
    let lead = vec![
        field("given_name", t("given_name"), "", true, "given-name", ""),
        field(
            "family_name",
            t("family_name"),
            "",
            false,
            "family-name",
            "",
        ),
        field(
            "birth_date",
            t("birth_date"),
            t("birth_hint"),
            true,
            "bday",
            "numeric",
        ),
        field(
            "document_number",
            t("document_number"),
            "",
            false,
            "off",
            "",
        ),
        field("phone", t("phone"), t("phone_hint"), false, "tel", "tel"),
        field("email", t("email"), "", false, "email", "email"),
        field("province", t("province"), "", true, "", ""),
        field("status", t("status"), "", true, "", ""),
    ];
    let labels = [
        t("given_name"),
        t("family_name"),
        t("birth_date"),
        t("document_number"),
        t("relationship"),
    ];
    let rows = (1..=typed.rows.clamp(1, MAX_MEMBERS))
        .map(|i| {
            let fields = MEMBER_PARTS
                .iter()
                .zip(labels)
                .map(|(part, label)| {
                    field(
                        &reg::member_field(i, part),
                        label,
                        "",
                        false,
                        "off",
                        if *part == "birth" { "numeric" } else { "" },
                    )
                })
                .collect();
            (i, lang.number(i as i64), fields)
        })
        .collect();
    let update = !mode.reference.is_empty();
    let page = RegisterPage {
        chrome: Chrome::bare(t("title")),
        lang,
        tx,
        switch: !update,
        heading: if update {
            t("update_title")
        } else {
            t("title")
        },
        notice,
        problems: typed
            .problems
            .iter()
            .map(|p| (p.field.clone(), tx.t(problem_key(p.problem))))
            .collect(),
        action: mode.action,
        submit: if update { t("save") } else { t("submit") },
        token: svc::form_token(&vault, state.now()),
        reference: mode.reference,
        secret: mode.secret,
        lead,
        rows,
        max_rows: MAX_MEMBERS,
        provinces: drawdown_outreach::provinces::choices(),
        statuses: reg::CLAIMS
            .iter()
            .map(|c| (c.slug(), tx.t(&format!("status_{}", c.slug()))))
            .collect(),
    };
    render(&page, status)
}

fn unavailable(lang: Lang) -> Response {
    let tx = Texts::new(lang, MESSAGES);
    let page = RegisteredPage {
        chrome: Chrome::bare(tx.t("title")),
        lang,
        tx,
        heading: tx.t("unavailable"),
        reference: String::new(),
        secret: String::new(),
    };
    match page.render() {
        Ok(html) => (StatusCode::SERVICE_UNAVAILABLE, Html(html)).into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, tx.t("unavailable")).into_response(),
    }
}

/// The public registration form.
pub async fn register_page(lang: Lang, State(state): State<AppState>) -> PageResult {
    if state.vault().is_err() {
        return Ok(unavailable(lang));
    }
    let typed = Typed {
        rows: reg::MEMBER_ROWS,
        ..Default::default()
    };
    form_page(
        &state,
        lang,
        &typed,
        String::new(),
        Mode {
            action: "/register",
            reference: String::new(),
            secret: String::new(),
        },
        StatusCode::OK,
    )
}

fn typed_from(form: Vec<(String, String)>) -> Typed {
    let mut values = HashMap::new();
    for (k, v) in form {
        values.entry(k).or_insert(v);
    }
    let filled = (1..=MAX_MEMBERS)
        .filter(|i| {
            MEMBER_PARTS.iter().any(|p| {
                values
                    .get(&reg::member_field(*i, p))
                    .is_some_and(|v: &String| !v.trim().is_empty())
            })
        })
        .max()
        .unwrap_or(0);
    let asked: usize = values
        .get("rows")
        .and_then(|r| r.parse().ok())
        .unwrap_or(reg::MEMBER_ROWS);
    let more = if values.contains_key("more") { 4 } else { 0 };
    Typed {
        rows: (asked + more).max(filled).clamp(1, MAX_MEMBERS),
        values,
        problems: vec![],
    }
}

/// The checks every public submission passes before its content is read: the address's
/// rate, then the form token. `Some` is the page to show instead (the form kept).
fn gate(
    state: &AppState,
    caller: &auth::Caller,
    lang: Lang,
    typed: &Typed,
    mode: impl Fn() -> Mode,
) -> Option<PageResult> {
    let tx = Texts::new(lang, MESSAGES);
    let Ok(vault) = state.vault() else {
        return Some(Ok(unavailable(lang)));
    };
    let now = state.now();
    let o = &state.outreach;
    if !o.admit(&caller.source, now, o.register.per_address_per_minute) {
        return Some(form_page(
            state,
            lang,
            typed,
            tx.t("rate_limited").into(),
            mode(),
            StatusCode::TOO_MANY_REQUESTS,
        ));
    }
    match svc::spend_token(
        o,
        &vault,
        typed.get("_token"),
        now,
        o.register.min_fill_seconds,
    ) {
        Ok(()) => None,
        Err(TokenProblem::Expired | TokenProblem::TooFast) => Some(form_page(
            state,
            lang,
            typed,
            tx.t("expired").into(),
            mode(),
            StatusCode::BAD_REQUEST,
        )),
    }
}

/// A registration sent.
pub async fn register_submit(
    asked: Lang,
    State(state): State<AppState>,
    Extension(caller): Extension<auth::Caller>,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    let mut typed = typed_from(form);
    let lang = form_lang(&typed, asked);
    let tx = Texts::new(lang, MESSAGES);
    let new = || Mode {
        action: "/register",
        reference: String::new(),
        secret: String::new(),
    };
    if typed.values.contains_key("more") {
        return form_page(&state, lang, &typed, String::new(), new(), StatusCode::OK);
    }
    if let Some(page) = gate(&state, &caller, lang, &typed, new) {
        return page;
    }
    // A bot filled the field people never see: it is told what a person is told, and
    // nothing is kept.
    if !typed.get("website").is_empty() {
        return receipt(lang, svc::new_reference(), svc::new_secret());
    }
    let registration = match reg::parse(|k| typed.get(k), language(lang)) {
        Ok(r) => r,
        Err(problems) => {
            typed.problems = problems;
            return form_page(
                &state,
                lang,
                &typed,
                tx.t("form_problem").into(),
                new(),
                StatusCode::BAD_REQUEST,
            );
        }
    };
    let vault = state.vault()?;
    let clock = {
        let s = state.clone();
        std::sync::Arc::new(move || s.now())
    };
    match svc::register(&state.store, &state.outreach, &vault, &registration, clock).await? {
        Intake::Accepted(r) => receipt(lang, r.reference, r.secret),
        Intake::Busy => form_page(
            &state,
            lang,
            &typed,
            tx.t("unavailable").into(),
            new(),
            StatusCode::SERVICE_UNAVAILABLE,
        ),
    }
}

fn receipt(lang: Lang, reference: String, secret: String) -> PageResult {
    let tx = Texts::new(lang, MESSAGES);
    render(
        &RegisteredPage {
            chrome: Chrome::bare(tx.t("done_title")),
            lang,
            tx,
            heading: tx.t("done_title"),
            reference,
            secret,
        },
        StatusCode::OK,
    )
}

fn update_login(
    state: &AppState,
    lang: Lang,
    reference: String,
    error: &'static str,
    status: StatusCode,
) -> PageResult {
    let vault = state.vault()?;
    let tx = Texts::new(lang, MESSAGES);
    render(
        &UpdatePage {
            chrome: Chrome::bare(tx.t("update_title")),
            lang,
            tx,
            token: svc::form_token(&vault, state.now()),
            reference,
            error,
        },
        status,
    )
}

/// Where a person gives their reference and secret to change their registration.
pub async fn register_update_page(lang: Lang, State(state): State<AppState>) -> PageResult {
    if state.vault().is_err() {
        return Ok(unavailable(lang));
    }
    update_login(&state, lang, String::new(), "", StatusCode::OK)
}

/// Reference and secret given: the registration as it stands, to change.
pub async fn register_update_open(
    asked: Lang,
    State(state): State<AppState>,
    Extension(caller): Extension<auth::Caller>,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    let typed = typed_from(form);
    let lang = form_lang(&typed, asked);
    let tx = Texts::new(lang, MESSAGES);
    let reference = typed.get("reference").to_string();
    let Ok(vault) = state.vault() else {
        return Ok(unavailable(lang));
    };
    let now = state.now();
    let o = &state.outreach;
    // Guessing secrets is slow: few tries a minute from one address.
    if !o.admit(&format!("update:{}", caller.source), now, 10)
        || svc::spend_token(o, &vault, typed.get("_token"), now, 0).is_err()
    {
        return update_login(
            &state,
            lang,
            reference,
            tx.t("expired"),
            StatusCode::BAD_REQUEST,
        );
    }
    let found =
        svc::open_registration(&state.store, &vault, &reference, typed.get("secret")).await?;
    let Some((rec, registration)) = found else {
        return update_login(
            &state,
            lang,
            reference,
            tx.t("update_wrong"),
            StatusCode::BAD_REQUEST,
        );
    };
    let values: HashMap<String, String> = registration.fields().into_iter().collect();
    let shown = Typed {
        rows: registration
            .members
            .len()
            .clamp(reg::MEMBER_ROWS, MAX_MEMBERS),
        values,
        problems: vec![],
    };
    form_page(
        &state,
        lang,
        &shown,
        String::new(),
        Mode {
            action: "/register/update/save",
            reference: rec.reference,
            secret: typed.get("secret").to_string(),
        },
        StatusCode::OK,
    )
}

/// The changed registration saved.
pub async fn register_update_save(
    asked: Lang,
    State(state): State<AppState>,
    Extension(caller): Extension<auth::Caller>,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    let mut typed = typed_from(form);
    let lang = form_lang(&typed, asked);
    let tx = Texts::new(lang, MESSAGES);
    let reference = typed.get("reference").to_string();
    let secret = typed.get("secret").to_string();
    let mode = || Mode {
        action: "/register/update/save",
        reference: reference.clone(),
        secret: secret.clone(),
    };
    if typed.values.contains_key("more") {
        return form_page(&state, lang, &typed, String::new(), mode(), StatusCode::OK);
    }
    if let Some(page) = gate(&state, &caller, lang, &typed, mode) {
        return page;
    }
    let vault = state.vault()?;
    let Some((rec, _)) = svc::open_registration(&state.store, &vault, &reference, &secret).await?
    else {
        return update_login(
            &state,
            lang,
            reference,
            tx.t("update_wrong"),
            StatusCode::BAD_REQUEST,
        );
    };
    let registration = match reg::parse(|k| typed.get(k), language(lang)) {
        Ok(r) => r,
        Err(problems) => {
            typed.problems = problems;
            return form_page(
                &state,
                lang,
                &typed,
                tx.t("form_problem").into(),
                mode(),
                StatusCode::BAD_REQUEST,
            );
        }
    };
    svc::update_registration(
        &state.store,
        &vault,
        &rec,
        &registration,
        &caller.source,
        state.now(),
    )
    .await?;
    render(
        &RegisteredPage {
            chrome: Chrome::bare(tx.t("updated")),
            lang,
            tx,
            heading: tx.t("updated"),
            reference: String::new(),
            secret: String::new(),
        },
        StatusCode::OK,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_words_are_all_there_in_three_languages() {
        i18n::check(MESSAGES).expect("the table");
        for (key, _, fa, ps) in MESSAGES {
            assert!(
                !fa.is_empty() && !ps.is_empty(),
                "{key} needs Dari and Pashto"
            );
        }
        for c in reg::CLAIMS {
            assert_ne!(
                i18n::t(MESSAGES, Lang::Ps, &format!("status_{}", c.slug())),
                "[missing text]"
            );
        }
        for p in [
            reg::Problem::Required,
            reg::Problem::Date,
            reg::Problem::Phone,
            reg::Problem::Email,
            reg::Problem::Contact,
            reg::Problem::TooLong,
            reg::Problem::Province,
            reg::Problem::Status,
            reg::Problem::Member,
        ] {
            assert_ne!(
                i18n::t(MESSAGES, Lang::Fa, problem_key(p)),
                "[missing text]"
            );
        }
        assert_eq!(language(Lang::Fa), Language::Fa);
    }
}

//! English, Dari and Pashto for the pages that registrants and checkpoint agents see.
//!
//! * [`Lang`] is the language of a page: `En`, `Fa` (Dari, `fa-AF`) or `Ps` (Pashto), with its
//!   [`code`](Lang::code), [`native_name`](Lang::native_name), [`dir`](Lang::dir) (`"rtl"` for
//!   Dari and Pashto) and [`parse`](Lang::parse) (accepts `en`, `fa`, `fa-AF`, `prs`, `dari`,
//!   `ps`, `pus`, `pashto`, any case).
//! * `Lang` is an axum extractor: `?lang=` first, then the `lang` cookie, then the browser's
//!   `Accept-Language`, else English. A valid `?lang=` is remembered in the `lang` cookie by a
//!   layer on the router, so a form posted from the page keeps its language.
//! * Each area keeps its own message table, a `&[(key, en, fa, ps)]` in its own module; [`t`]
//!   looks a key up and falls back to English when a translation is missing (empty); an
//!   unknown key shows `[missing text]` and logs a warning (visible, never a crash). Check a table in a unit
//!   test with [`check`]. [`Texts`] bundles a language and a table for templates.
//! * Numbers: [`Lang::number`] and [`Lang::digits`] write Eastern Arabic-Indic digits
//!   (۰۱۲۳۴۵۶۷۸۹) and the Arabic thousands separator for Dari and Pashto. Keep ids, codes,
//!   phone numbers and anything a person may type back in ASCII digits (`digits` is for display).
//! * The language switcher: `{% include "lang_switch.html" %}` in a template whose struct has a
//!   field `lang: Lang`. Pages that extend `base.html` set the document's language with
//!   `{% block lang %}{{ lang.html_lang() }}{% endblock %}{% block dir %}{{ lang.dir() }}{% endblock %}`.
//!
//! ```
//! use drawdown_web::i18n::{self, Lang, Texts};
//! // In the area's module (e.g. pages/outreach.rs):
//! const MESSAGES: i18n::Messages = &[
//!     ("title", "Register for evacuation", "ثبت نام برای تخلیه", "د وتلو لپاره نوم لیکنه"),
//!     ("people", "People in your household", "", ""),
//! ];
//! assert_eq!(i18n::t(MESSAGES, Lang::Fa, "title"), "ثبت نام برای تخلیه");
//! assert_eq!(i18n::t(MESSAGES, Lang::Ps, "people"), "People in your household"); // fallback
//! let tx = Texts::new(Lang::Ps, MESSAGES);
//! assert_eq!(tx.number(1234), "۱٬۲۳۴");
//! assert_eq!(Lang::parse("fa-AF"), Some(Lang::Fa));
//! assert_eq!(Lang::Ps.dir(), "rtl");
//! # assert!(i18n::check(MESSAGES).is_ok());
//! ```
//!
//! In a handler, take `lang: Lang` as an argument (any position before the body):
//! `async fn form(lang: Lang, State(state): State<AppState>) -> PageResult { … }`.

use axum::extract::{FromRequestParts, Request};
use axum::http::header::{self, HeaderValue};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use std::convert::Infallible;

/// A message table: (key, English, Dari, Pashto). An empty translation falls back to English.
pub type Messages = &'static [(&'static str, &'static str, &'static str, &'static str)];

/// The cookie that remembers a chosen language (not secret; one year).
pub const COOKIE: &str = "lang";

/// A language of the interface.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    En,
    /// Dari (Afghan Persian).
    Fa,
    /// Pashto.
    Ps,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Fa, Lang::Ps];

    /// The short code used in `?lang=` and the cookie: `en`, `fa`, `ps`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fa => "fa",
            Lang::Ps => "ps",
        }
    }

    /// The BCP 47 tag for `<html lang>`: `en`, `fa-AF`, `ps-AF`.
    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fa => "fa-AF",
            Lang::Ps => "ps-AF",
        }
    }

    /// The language's name in itself, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fa => "دری",
            Lang::Ps => "پښتو",
        }
    }

    /// Writing direction for `dir=`: `"ltr"` or `"rtl"`.
    pub fn dir(self) -> &'static str {
        if self.is_rtl() { "rtl" } else { "ltr" }
    }

    pub fn is_rtl(self) -> bool {
        matches!(self, Lang::Fa | Lang::Ps)
    }

    /// Reads a language code or tag (`fa`, `fa-AF`, `prs`, `Dari`, `ps_AF`, `en-GB`…).
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim();
        let primary = s
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match primary.as_str() {
            "en" | "eng" | "english" => Some(Lang::En),
            "fa" | "fas" | "per" | "prs" | "dari" | "persian" => Some(Lang::Fa),
            "ps" | "pus" | "pbt" | "pashto" | "pushto" => Some(Lang::Ps),
            _ => None,
        }
    }

    /// The best language a browser's `Accept-Language` asks for (by q-value, then order).
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::parse) else {
                continue;
            };
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l)
    }

    /// The language of a request: `?lang=`, then the `lang` cookie, then `Accept-Language`, else English.
    pub fn of_request(parts: &Parts) -> Lang {
        query_lang(parts)
            .or_else(|| crate::auth::cookie(&parts.headers, COOKIE).and_then(Lang::parse))
            .or_else(|| {
                parts
                    .headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(Lang::from_accept_language)
            })
            .unwrap_or_default()
    }

    /// Replaces ASCII digits with the language's own (Eastern Arabic-Indic for Dari and Pashto).
    pub fn digits(self, s: &str) -> String {
        if !self.is_rtl() {
            return s.to_string();
        }
        s.chars()
            .map(|c| match c.to_digit(10) {
                Some(d) if c.is_ascii_digit() => char::from_u32(0x06F0 + d).unwrap_or(c),
                _ => c,
            })
            .collect()
    }

    /// A whole number with grouped thousands, in the language's digits: `12,345` / `۱۲٬۳۴۵`.
    pub fn number(self, n: i64) -> String {
        let sep = if self.is_rtl() { '\u{066C}' } else { ',' };
        let digits = n.unsigned_abs().to_string();
        let mut out = String::with_capacity(digits.len() + 8);
        if n < 0 {
            out.push('-');
        }
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(sep);
            }
            out.push(c);
        }
        self.digits(&out)
    }

    /// The other languages (for a switcher that lists only the alternatives).
    pub fn others(self) -> impl Iterator<Item = Lang> {
        Lang::ALL.into_iter().filter(move |l| *l != self)
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

fn query_lang(parts: &Parts) -> Option<Lang> {
    let query = parts.uri.query()?;
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::parse(&v))
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang::of_request(parts))
    }
}

/// Looks `key` up in `table` for `lang`: the translation, else English, else the key itself.
pub fn t(table: Messages, lang: Lang, key: &str) -> &'static str {
    match table.iter().find(|m| m.0 == key) {
        Some(&(_, en, fa, ps)) => {
            let s = match lang {
                Lang::En => en,
                Lang::Fa => fa,
                Lang::Ps => ps,
            };
            if s.is_empty() { en } else { s }
        }
        None => {
            tracing::warn!(key, "no such message key");
            "[missing text]"
        }
    }
}

/// Checks a table: no duplicate or empty keys, every English text present.
/// Returns the problems, one a line, for a unit test to show.
pub fn check(table: Messages) -> Result<(), String> {
    let mut problems = Vec::new();
    for (i, (key, en, _, _)) in table.iter().enumerate() {
        if key.is_empty() {
            problems.push(format!("row {}: empty key", i + 1));
        }
        if en.is_empty() {
            problems.push(format!("row {} ({key}): no English text", i + 1));
        }
        if table[..i].iter().any(|m| m.0 == *key) {
            problems.push(format!("row {} ({key}): duplicate key", i + 1));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// A language and a table, for templates: `{{ tx.t("title") }}`, `{{ tx.number(n) }}`.
#[derive(Clone, Copy, Debug)]
pub struct Texts {
    pub lang: Lang,
    table: Messages,
}

impl Texts {
    pub fn new(lang: Lang, table: Messages) -> Texts {
        Texts { lang, table }
    }
    pub fn t(&self, key: &str) -> &'static str {
        t(self.table, self.lang, key)
    }
    pub fn number(&self, n: i64) -> String {
        self.lang.number(n)
    }
    pub fn digits(&self, s: &str) -> String {
        self.lang.digits(s)
    }
}

/// The `Set-Cookie` value that remembers `lang`.
pub fn cookie(lang: Lang) -> String {
    format!(
        "{COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
        lang.code()
    )
}

/// Router layer: a valid `?lang=` that differs from the cookie is remembered in the cookie.
pub async fn remember(req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let chosen = query_lang(&parts)
        .filter(|l| crate::auth::cookie(&parts.headers, COOKIE).and_then(Lang::parse) != Some(*l));
    let mut res = next.run(Request::from_parts(parts, body)).await;
    if let Some(lang) = chosen
        && let Ok(v) = HeaderValue::from_str(&cookie(lang))
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request as HttpRequest;

    const TABLE: Messages = &[
        ("hello", "Hello", "سلام", "سلام"),
        ("only_en", "Only English", "", ""),
    ];

    fn parts(uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut b = HttpRequest::builder().uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn codes_names_and_directions() {
        for l in Lang::ALL {
            assert_eq!(Lang::parse(l.code()), Some(l));
            assert_eq!(Lang::parse(l.html_lang()), Some(l));
        }
        assert_eq!(Lang::En.dir(), "ltr");
        assert_eq!(Lang::Fa.dir(), "rtl");
        assert_eq!(Lang::Fa.native_name(), "دری");
        assert_eq!(Lang::parse("PRS"), Some(Lang::Fa));
        assert_eq!(Lang::parse("ps_AF"), Some(Lang::Ps));
        assert_eq!(Lang::parse("de"), None);
        assert_eq!(Lang::parse(""), None);
        assert_eq!(Lang::Fa.others().collect::<Vec<_>>(), [Lang::En, Lang::Ps]);
    }

    #[test]
    fn accept_language_by_quality() {
        assert_eq!(
            Lang::from_accept_language("de-DE,ps;q=0.7,fa-AF;q=0.9,en;q=0.8"),
            Some(Lang::Fa)
        );
        assert_eq!(Lang::from_accept_language("ps-AF, en"), Some(Lang::Ps));
        assert_eq!(
            Lang::from_accept_language("fa;q=0, en;q=0.1"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language("de, *;q=0.5"), None);
        assert_eq!(Lang::from_accept_language(""), None);
    }

    #[test]
    fn request_order_is_query_cookie_header() {
        let all = [("cookie", "session=x; lang=ps"), ("accept-language", "fa")];
        assert_eq!(Lang::of_request(&parts("/r?x=1&lang=en", &all)), Lang::En);
        assert_eq!(Lang::of_request(&parts("/r", &all)), Lang::Ps);
        assert_eq!(
            Lang::of_request(&parts("/r", &[("accept-language", "fa")])),
            Lang::Fa
        );
        assert_eq!(Lang::of_request(&parts("/r?lang=xx", &[])), Lang::En);
        assert_eq!(
            Lang::of_request(&parts("/r?lang=xx", &[("cookie", "lang=fa")])),
            Lang::Fa,
            "an unknown ?lang= falls through"
        );
    }

    #[tokio::test]
    async fn extractor_never_rejects() {
        let mut p = parts("/r?lang=ps%2DAF", &[]);
        assert_eq!(
            Lang::from_request_parts(&mut p, &()).await.unwrap(),
            Lang::Ps
        );
    }

    #[test]
    fn lookup_falls_back_to_english() {
        assert_eq!(t(TABLE, Lang::Fa, "hello"), "سلام");
        assert_eq!(t(TABLE, Lang::En, "hello"), "Hello");
        assert_eq!(t(TABLE, Lang::Ps, "only_en"), "Only English");
        assert_eq!(t(TABLE, Lang::Ps, "nope"), "[missing text]");
        let tx = Texts::new(Lang::Fa, TABLE);
        assert_eq!(tx.t("hello"), "سلام");
    }

    #[test]
    fn tables_are_checked() {
        assert!(check(TABLE).is_ok());
        let bad: Messages = &[("a", "A", "", ""), ("a", "", "", ""), ("", "x", "", "")];
        let err = check(bad).unwrap_err();
        assert!(err.contains("row 2 (a): duplicate key"), "{err}");
        assert!(err.contains("row 2 (a): no English text"), "{err}");
        assert!(err.contains("row 3: empty key"), "{err}");
    }

    #[test]
    fn numbers_in_the_languages_digits() {
        assert_eq!(Lang::En.number(1_234_567), "1,234,567");
        assert_eq!(Lang::Fa.number(1_234_567), "۱٬۲۳۴٬۵۶۷");
        assert_eq!(Lang::Ps.number(-42), "-۴۲");
        assert_eq!(Lang::Fa.number(0), "۰");
        assert_eq!(Lang::Fa.digits("Gate 3, 14:05"), "Gate ۳, ۱۴:۰۵");
        assert_eq!(Lang::En.digits("Gate 3"), "Gate 3");
        assert_eq!(Lang::En.number(i64::MIN), "-9,223,372,036,854,775,808");
    }

    #[tokio::test]
    async fn the_router_layer_remembers_a_chosen_language() {
        use tower::ServiceExt;
        let app = axum::Router::new()
            .route(
                "/r",
                axum::routing::get(|lang: Lang| async move { lang.code() }),
            )
            .layer(axum::middleware::from_fn(remember));
        let call = |uri: &str, cookie: Option<&str>| {
            let mut b = HttpRequest::builder().uri(uri);
            if let Some(c) = cookie {
                b = b.header("cookie", c);
            }
            app.clone()
                .oneshot(b.body(axum::body::Body::empty()).unwrap())
        };
        let res = call("/r?lang=ps", None).await.unwrap();
        assert_eq!(
            res.headers().get(header::SET_COOKIE).unwrap(),
            &cookie(Lang::Ps)
        );
        let body = axum::body::to_bytes(res.into_body(), 100).await.unwrap();
        assert_eq!(&body[..], b"ps");
        let res = call("/r?lang=ps", Some("lang=ps")).await.unwrap();
        assert!(
            res.headers().get(header::SET_COOKIE).is_none(),
            "already set"
        );
        let res = call("/r?lang=klingon", None).await.unwrap();
        assert!(
            res.headers().get(header::SET_COOKIE).is_none(),
            "not a language"
        );
        let res = call("/r", Some("lang=fa")).await.unwrap();
        assert!(res.headers().get(header::SET_COOKIE).is_none());
        let body = axum::body::to_bytes(res.into_body(), 100).await.unwrap();
        assert_eq!(&body[..], b"fa");
    }

    #[derive(askama::Template)]
    #[template(source = r#"{% include "lang_switch.html" %}"#, ext = "html")]
    struct Switch {
        lang: Lang,
    }

    #[test]
    fn the_switcher_marks_the_current_language() {
        use askama::Template;
        let html = Switch { lang: Lang::Ps }.render().unwrap();
        assert_eq!(html.matches("<a href=").count(), 3);
        assert!(html.contains(r#"<a href="?lang=ps" lang="ps-AF" hreflang="ps-AF" dir="rtl" aria-current="true">پښتو</a>"#), "{html}");
        assert!(
            html.contains(r#"<a href="?lang=en" lang="en" hreflang="en" dir="ltr">English</a>"#),
            "{html}"
        );
    }

    #[test]
    fn cookie_value() {
        assert_eq!(
            cookie(Lang::Fa),
            "lang=fa; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly"
        );
    }
}

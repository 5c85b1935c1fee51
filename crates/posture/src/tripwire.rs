//! The tripwire language: conditions a committee member can read and write.
//!
//! ```text
//! condition  := either ("or" either)*
//! either     := both ("and" both)*
//! both       := "not" both | "(" condition ")" | comparison | event
//! comparison := MEASURE OP VALUE          OP: >= <= > < = == != (or ≥ ≤ ≠)
//! VALUE      := NUMBER [% | km | days | h] | "text"
//! event      := "event" KIND ["at" "place" | at PLACE]
//! ```
//! e.g. `capitals_fallen_pct >= 50`, `nearest_hostile_km <= 50 and airport_status != "open"`,
//! `event commercial_flights_suspended`.

use crate::log::EventKind;
use crate::measures::{Measure, Situation, Unit, Value, value_text};
use serde::Serialize;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Op {
    Ge,
    Le,
    Gt,
    Lt,
    Eq,
    Ne,
}

impl Op {
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Ge => "≥",
            Op::Le => "≤",
            Op::Gt => ">",
            Op::Lt => "<",
            Op::Eq => "=",
            Op::Ne => "≠",
        }
    }
    fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Op::Ge => a >= b,
            Op::Le => a <= b,
            Op::Gt => a > b,
            Op::Lt => a < b,
            Op::Eq => (a - b).abs() < 1e-9,
            Op::Ne => (a - b).abs() >= 1e-9,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Condition {
    Compare {
        measure: Measure,
        op: Op,
        value: Value,
    },
    Event {
        kind: EventKind,
        place: Option<String>,
    },
    Not(Box<Condition>),
    And(Box<Condition>, Box<Condition>),
    Or(Box<Condition>, Box<Condition>),
}

/// A condition that does not parse: where, what was expected, what was found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ParseError {
    /// 1-based column (in characters).
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at column {}: {}", self.column, self.message)
    }
}

impl std::error::Error for ParseError {}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(String),
    Number(f64, String),
    Text(String),
    Op(Op),
    Open,
    Close,
    End,
}

impl Tok {
    fn shown(&self) -> String {
        match self {
            Tok::Word(w) => format!("'{w}'"),
            Tok::Number(n, u) => format!("'{n}{u}'"),
            Tok::Text(t) => format!("\"{t}\""),
            Tok::Op(o) => format!("'{}'", o.symbol()),
            Tok::Open => "'('".into(),
            Tok::Close => "')'".into(),
            Tok::End => "the end of the condition".into(),
        }
    }
}

fn lex(src: &str) -> Result<Vec<(usize, Tok)>, ParseError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |i: usize, m: String| ParseError {
        column: i + 1,
        message: m,
    };
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        let (tok, len) = match (c, two.as_str()) {
            (_, ">=") => (Tok::Op(Op::Ge), 2),
            (_, "<=") => (Tok::Op(Op::Le), 2),
            (_, "==") => (Tok::Op(Op::Eq), 2),
            (_, "!=") | (_, "<>") => (Tok::Op(Op::Ne), 2),
            ('≥', _) => (Tok::Op(Op::Ge), 1),
            ('≤', _) => (Tok::Op(Op::Le), 1),
            ('≠', _) => (Tok::Op(Op::Ne), 1),
            ('>', _) => (Tok::Op(Op::Gt), 1),
            ('<', _) => (Tok::Op(Op::Lt), 1),
            ('=', _) => (Tok::Op(Op::Eq), 1),
            ('(', _) => (Tok::Open, 1),
            (')', _) => (Tok::Close, 1),
            ('"', _) | ('\'', _) => {
                let close = chars[i + 1..]
                    .iter()
                    .position(|&d| d == c)
                    .ok_or_else(|| err(i, format!("the text opened with {c} is not closed")))?;
                let text: String = chars[i + 1..i + 1 + close].iter().collect();
                (Tok::Text(text), close + 2)
            }
            (c, _) if c.is_ascii_digit() || c == '.' || c == '-' => {
                let mut j = i + 1;
                while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
                    j += 1;
                }
                let num: String = chars[i..j].iter().collect();
                let n: f64 = num
                    .parse()
                    .map_err(|_| err(i, format!("'{num}' is not a number")))?;
                // A unit right after the number: 50%, 50 km, 30 days, 72h.
                let mut k = j;
                while k < chars.len() && chars[k] == ' ' {
                    k += 1;
                }
                let mut u = k;
                while u < chars.len() && (chars[u].is_alphabetic() || chars[u] == '%') {
                    u += 1;
                }
                let unit: String = chars[k..u].iter().collect::<String>().to_lowercase();
                let known = ["%", "km", "days", "day", "d", "h", "hours", "hour"];
                if known.contains(&unit.as_str()) {
                    (Tok::Number(n, unit), u - i)
                } else {
                    (Tok::Number(n, String::new()), j - i)
                }
            }
            (c, _) if c.is_alphabetic() || c == '_' => {
                let mut j = i + 1;
                while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
                    j += 1;
                }
                (Tok::Word(chars[i..j].iter().collect()), j - i)
            }
            (c, _) => {
                return Err(err(
                    i,
                    format!("'{c}' is not part of the tripwire language"),
                ));
            }
        };
        out.push((start, tok));
        i += len;
    }
    out.push((chars.len(), Tok::End));
    Ok(out)
}

/// Levenshtein distance, for "did you mean".
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

fn suggest<'a>(word: &str, names: impl Iterator<Item = &'a str>) -> String {
    names
        .map(|n| (distance(word, n), n))
        .filter(|(d, n)| *d <= 3.max(n.len() / 4))
        .min()
        .map(|(_, n)| format!(" (did you mean {n}?)"))
        .unwrap_or_default()
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos.min(self.toks.len() - 1)].1
    }
    fn col(&self) -> usize {
        self.toks[self.pos.min(self.toks.len() - 1)].0 + 1
    }
    fn next(&mut self) -> Tok {
        let t = self.peek().clone();
        self.pos += 1;
        t
    }
    fn fail<T>(&self, expected: &str) -> Result<T, ParseError> {
        Err(ParseError {
            column: self.col(),
            message: format!("expected {expected}, found {}", self.peek().shown()),
        })
    }
    fn keyword(&self, k: &str) -> bool {
        matches!(self.peek(), Tok::Word(w) if w.eq_ignore_ascii_case(k))
    }

    fn condition(&mut self) -> Result<Condition, ParseError> {
        let mut left = self.either()?;
        while self.keyword("or") {
            self.pos += 1;
            let right = self.either()?;
            left = Condition::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn either(&mut self) -> Result<Condition, ParseError> {
        let mut left = self.both()?;
        while self.keyword("and") {
            self.pos += 1;
            let right = self.both()?;
            left = Condition::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn both(&mut self) -> Result<Condition, ParseError> {
        const START: &str = "a measure (e.g. capitals_fallen_pct), 'event', 'not' or '('";
        if self.keyword("not") {
            self.pos += 1;
            return Ok(Condition::Not(Box::new(self.both()?)));
        }
        if self.keyword("event") {
            self.pos += 1;
            return self.event();
        }
        match self.peek().clone() {
            Tok::Open => {
                self.pos += 1;
                let c = self.condition()?;
                if *self.peek() != Tok::Close {
                    return self.fail("')' to close the '('");
                }
                self.pos += 1;
                Ok(c)
            }
            Tok::Word(w) => {
                let col = self.col();
                let measure = Measure::parse(&w.to_lowercase()).ok_or_else(|| ParseError {
                    column: col,
                    message: format!(
                        "'{w}' is not a measure{}; the measures are: {}",
                        suggest(&w.to_lowercase(), Measure::ALL.iter().map(|m| m.name())),
                        Measure::ALL.map(Measure::name).join(", ")
                    ),
                })?;
                self.pos += 1;
                self.comparison(measure)
            }
            _ => self.fail(START),
        }
    }

    fn comparison(&mut self, measure: Measure) -> Result<Condition, ParseError> {
        let Tok::Op(op) = self.peek().clone() else {
            return self.fail(&format!(
                "a comparison (>=, <=, >, <, =, !=) after {}",
                measure.name()
            ));
        };
        self.pos += 1;
        let col = self.col();
        let bad = |m: String| ParseError {
            column: col,
            message: m,
        };
        let value = match (self.next(), measure.unit()) {
            (Tok::Text(t), Unit::Text) => {
                if !matches!(op, Op::Eq | Op::Ne) {
                    return Err(bad(format!(
                        "{} is text: compare it with = or !=",
                        measure.name()
                    )));
                }
                let t = t.trim().to_lowercase().replace([' ', '-'], "_");
                let allowed: &[&str] = match measure {
                    Measure::AirportStatus => &crate::log::AIRPORT_STATUSES,
                    _ => &["operating", "suspended"],
                };
                if !allowed.contains(&t.as_str()) {
                    return Err(bad(format!(
                        "{} is one of: {}; not \"{t}\"",
                        measure.name(),
                        allowed.join(", ")
                    )));
                }
                Value::Text(t)
            }
            (Tok::Word(w), Unit::Text) => {
                return Err(bad(format!(
                    "put the text in quotes: {} {} \"{w}\"",
                    measure.name(),
                    op.symbol()
                )));
            }
            (Tok::Number(..), Unit::Text) => {
                return Err(bad(format!(
                    "{} is text, not a number ({})",
                    measure.name(),
                    measure.description()
                )));
            }
            (Tok::Number(n, unit), u) => {
                let n = match (unit.as_str(), u) {
                    ("", _) => n,
                    ("%", Unit::Percent) | ("km", Unit::Km) => n,
                    ("days" | "day" | "d", Unit::Days) => n,
                    ("h" | "hours" | "hour", Unit::Days) => n / 24.0,
                    (unit, u) => {
                        return Err(bad(format!(
                            "{} is counted in {}, not '{unit}'",
                            measure.name(),
                            match u {
                                Unit::Count => "a plain number",
                                Unit::Percent => "%",
                                Unit::Km => "km",
                                Unit::Days => "days (or h)",
                                Unit::Text => "text",
                            }
                        )));
                    }
                };
                Value::Number(n)
            }
            (t, Unit::Text) => {
                self.pos -= 1;
                let _ = t;
                return self.fail(&format!("a quoted text after {}", measure.name()));
            }
            _ => {
                self.pos -= 1;
                return self.fail(&format!(
                    "a number after {} {}",
                    measure.name(),
                    op.symbol()
                ));
            }
        };
        Ok(Condition::Compare { measure, op, value })
    }

    fn event(&mut self) -> Result<Condition, ParseError> {
        let col = self.col();
        let Tok::Word(w) = self.peek().clone() else {
            return self.fail("an event kind after 'event' (e.g. commercial_flights_suspended)");
        };
        let kind = EventKind::parse(&w).ok_or_else(|| ParseError {
            column: col,
            message: format!(
                "'{w}' is not an event kind{}; the kinds are: {}",
                suggest(&w.to_lowercase(), EventKind::ALL.iter().map(|k| k.slug())),
                EventKind::ALL.map(EventKind::slug).join(", ")
            ),
        })?;
        self.pos += 1;
        let mut place = None;
        if self.keyword("at") {
            self.pos += 1;
            match self.next() {
                Tok::Text(t) | Tok::Word(t) => place = Some(t),
                _ => {
                    self.pos -= 1;
                    return self.fail("a place after 'at' (e.g. \"Kabul\")");
                }
            }
        }
        Ok(Condition::Event { kind, place })
    }
}

/// Parses a condition. The error says where, what was expected and what was found.
pub fn parse(src: &str) -> Result<Condition, ParseError> {
    if src.trim().is_empty() {
        return Err(ParseError {
            column: 1,
            message: "the condition is empty; e.g. capitals_fallen_pct >= 50".into(),
        });
    }
    let mut p = Parser {
        toks: lex(src)?,
        pos: 0,
    };
    let c = p.condition()?;
    if *p.peek() != Tok::End {
        return p.fail("'and', 'or' or the end of the condition");
    }
    Ok(c)
}

/// One fact behind a crossed tripwire: the part of the condition, and what the log shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Fact {
    pub condition: String,
    pub observed: String,
}

impl Condition {
    /// The condition written back, in the language.
    pub fn text(&self) -> String {
        match self {
            Condition::Compare { measure, op, value } => {
                let v = match value {
                    Value::Text(t) => format!("\"{t}\""),
                    Value::Number(n) => format!("{n}"),
                    Value::Unknown => "?".into(),
                };
                let op = match op {
                    Op::Ge => ">=",
                    Op::Le => "<=",
                    Op::Gt => ">",
                    Op::Lt => "<",
                    Op::Eq => "=",
                    Op::Ne => "!=",
                };
                format!("{} {op} {v}", measure.name())
            }
            Condition::Event { kind, place: None } => format!("event {}", kind.slug()),
            Condition::Event {
                kind,
                place: Some(p),
            } => format!("event {} at \"{p}\"", kind.slug()),
            Condition::Not(c) => format!("not {}", c.grouped()),
            Condition::And(a, b) => format!("{} and {}", a.grouped(), b.grouped()),
            Condition::Or(a, b) => format!("{} or {}", a.grouped(), b.grouped()),
        }
    }

    fn grouped(&self) -> String {
        match self {
            Condition::And(..) | Condition::Or(..) => format!("({})", self.text()),
            _ => self.text(),
        }
    }

    /// The measures and event kinds it looks at.
    pub fn measures(&self) -> Vec<Measure> {
        let mut out = Vec::new();
        self.visit(&mut |c| {
            if let Condition::Compare { measure, .. } = c {
                out.push(*measure);
            }
        });
        out
    }

    /// The event kinds it asks for.
    pub fn event_kinds(&self) -> Vec<EventKind> {
        let mut out = Vec::new();
        self.visit(&mut |c| {
            if let Condition::Event { kind, .. } = c {
                out.push(*kind);
            }
        });
        out
    }

    /// The places it names (`event … at "X"`), to check against the gazetteer.
    pub fn places(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.visit(&mut |c| {
            if let Condition::Event { place: Some(p), .. } = c {
                out.push(p.clone());
            }
        });
        out
    }

    fn visit(&self, f: &mut impl FnMut(&Condition)) {
        f(self);
        match self {
            Condition::Not(c) => c.visit(f),
            Condition::And(a, b) | Condition::Or(a, b) => {
                a.visit(f);
                b.visit(f);
            }
            _ => {}
        }
    }

    /// Does it hold in this situation? When it does, the facts that make it hold.
    pub fn evaluate(&self, s: &Situation) -> Option<Vec<Fact>> {
        match self {
            Condition::Compare { measure, op, value } => {
                let actual = s.value(*measure);
                let holds = match (&actual, value) {
                    (Value::Number(a), Value::Number(b)) => op.holds(*a, *b),
                    (Value::Text(a), Value::Text(b)) => match op {
                        Op::Eq => a == b,
                        Op::Ne => a != b,
                        _ => false,
                    },
                    _ => false,
                };
                holds.then(|| {
                    vec![Fact {
                        condition: self.text(),
                        observed: s.grounds(*measure),
                    }]
                })
            }
            Condition::Event { kind, place } => s.first_event(*kind, place.as_deref()).map(|e| {
                vec![Fact {
                    condition: self.text(),
                    observed: e.summary(),
                }]
            }),
            Condition::Not(c) => match c.evaluate(s) {
                Some(_) => None,
                None => Some(vec![Fact {
                    condition: self.text(),
                    observed: c.why_not(s),
                }]),
            },
            Condition::And(a, b) => {
                let mut fa = a.evaluate(s)?;
                fa.extend(b.evaluate(s)?);
                Some(fa)
            }
            Condition::Or(a, b) => match (a.evaluate(s), b.evaluate(s)) {
                (None, None) => None,
                (x, y) => Some(x.into_iter().chain(y).flatten().collect()),
            },
        }
    }

    /// Why a condition that does not hold does not: for `not …` facts.
    fn why_not(&self, s: &Situation) -> String {
        match self {
            Condition::Compare { measure, .. } => format!(
                "{} is {}",
                measure.name(),
                value_text(*measure, &s.value(*measure))
            ),
            Condition::Event { kind, .. } => format!("no {} in the log", kind.slug()),
            _ => format!("{} does not hold", self.text()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gazetteer::Gazetteer;
    use crate::measures::tests::ev;

    fn err(src: &str) -> ParseError {
        parse(src).expect_err(src)
    }

    #[test]
    fn conditions_read_as_written() {
        for (src, back) in [
            ("capitals_fallen_pct >= 50", "capitals_fallen_pct >= 50"),
            ("capitals_fallen_pct ≥ 50%", "capitals_fallen_pct >= 50"),
            (
                "nearest_hostile_km <= 50 km and airport_status != \"open\"",
                "nearest_hostile_km <= 50 and airport_status != \"open\"",
            ),
            (
                "event commercial_flights_suspended",
                "event commercial_flights_suspended",
            ),
            (
                "event place_taken at \"Kabul\"",
                "event place_taken at \"Kabul\"",
            ),
            (
                "assessed_days_to_isolation <= 72h",
                "assessed_days_to_isolation <= 3",
            ),
            (
                "not (roads_open > 2 or roads_closed = 0)",
                "not (roads_open > 2 or roads_closed = 0)",
            ),
            (
                "CAPITALS_FALLEN >= 10 AND (event threat_against_post OR days_since_change < 1)",
                "capitals_fallen >= 10 and (event threat_against_post or days_since_change < 1)",
            ),
        ] {
            let c = parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
            assert_eq!(c.text(), back);
            assert_eq!(parse(&c.text()).expect("round trip"), c);
        }
    }

    #[test]
    fn errors_say_where_what_was_expected_and_what_was_found() {
        let e = err("capitals_fell >= 50");
        assert_eq!(e.column, 1);
        assert!(
            e.message.contains("'capitals_fell' is not a measure"),
            "{e}"
        );
        assert!(e.message.contains("did you mean capitals_fallen?"), "{e}");
        assert!(
            e.message.contains("nearest_hostile_km"),
            "lists the measures: {e}"
        );
        let e = err("capitals_fallen_pct 50");
        assert_eq!(e.column, 21);
        assert!(e.message.contains("expected a comparison"), "{e}");
        assert!(e.message.contains("found '50'"), "{e}");
        let e = err("capitals_fallen_pct >= 50 and");
        assert_eq!(e.column, 30);
        assert!(e.message.contains("found the end of the condition"), "{e}");
        let e = err("(capitals_fallen >= 3");
        assert!(e.message.contains("')'"), "{e}");
        let e = err("airport_status != open");
        assert!(e.message.contains("quotes"), "{e}");
        let e = err("airport_status >= \"open\"");
        assert!(e.message.contains("= or !="), "{e}");
        let e = err("airport_status = \"shut\"");
        assert!(e.message.contains("military_only"), "{e}");
        let e = err("nearest_hostile_km <= 50 days");
        assert!(e.message.contains("km"), "{e}");
        let e = err("event flights_suspended");
        assert!(e.message.contains("commercial_flights_suspended"), "{e}");
        let e = err("capitals_fallen >= 3 roads_open < 2");
        assert!(e.message.contains("expected 'and', 'or'"), "{e}");
        let e = err("");
        assert!(e.message.contains("empty"));
        let e = err("capitals_fallen >= 3 & roads_open < 2");
        assert_eq!(e.column, 22);
        let e = err("airport_status = \"open");
        assert!(e.message.contains("not closed"), "{e}");
    }

    #[test]
    fn evaluation_returns_the_facts_that_crossed_it() {
        let g = Gazetteer::afghanistan();
        let log = vec![
            ev("1", "place_taken", "2021-08-13", "Pul-e-Alam", "medium"),
            ev("2", "airport_status", "2021-08-16", "", "high"),
        ];
        let s = Situation::at(&log, &g, crate::log::parse_time("2021-08-17").expect("t"));
        let c = parse("nearest_hostile_km <= 70 and airport_status != \"open\"").expect("parses");
        let facts = c.evaluate(&s).expect("crossed");
        assert_eq!(facts.len(), 2);
        assert!(facts[0].observed.contains("Pul-e-Alam"), "{:?}", facts);
        assert!(facts[1].observed.contains("airport closed"), "{:?}", facts);
        assert!(
            parse("nearest_hostile_km <= 50")
                .expect("p")
                .evaluate(&s)
                .is_none()
        );
        let f = parse("not event commercial_flights_suspended")
            .expect("p")
            .evaluate(&s)
            .expect("holds");
        assert!(f[0].observed.contains("no commercial_flights_suspended"));
        assert!(
            parse("event place_taken at \"logar\"")
                .expect("p")
                .evaluate(&s)
                .is_none(),
            "places are matched by their gazetteer name"
        );
        assert!(
            parse("event place_taken at \"pul e alam\"")
                .expect("p")
                .evaluate(&s)
                .is_some()
        );
    }
}

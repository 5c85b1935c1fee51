//! The situation log: indicators recorded as typed events, each with its place, time, source
//! and confidence. Reports that conflict are all kept; the measures decide which one counts.

use crate::gazetteer::{Gazetteer, PlaceKind};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    PlaceTaken,
    PlaceContested,
    PlaceRetaken,
    RoadClosed,
    RoadReopened,
    CrossingClosed,
    CrossingReopened,
    AirportStatus,
    CommercialFlightsSuspended,
    CommercialFlightsResumed,
    ThreatAgainstPost,
    Assessment,
    Custom,
}

impl EventKind {
    pub const ALL: [EventKind; 13] = [
        EventKind::PlaceTaken,
        EventKind::PlaceContested,
        EventKind::PlaceRetaken,
        EventKind::RoadClosed,
        EventKind::RoadReopened,
        EventKind::CrossingClosed,
        EventKind::CrossingReopened,
        EventKind::AirportStatus,
        EventKind::CommercialFlightsSuspended,
        EventKind::CommercialFlightsResumed,
        EventKind::ThreatAgainstPost,
        EventKind::Assessment,
        EventKind::Custom,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            EventKind::PlaceTaken => "place_taken",
            EventKind::PlaceContested => "place_contested",
            EventKind::PlaceRetaken => "place_retaken",
            EventKind::RoadClosed => "road_closed",
            EventKind::RoadReopened => "road_reopened",
            EventKind::CrossingClosed => "crossing_closed",
            EventKind::CrossingReopened => "crossing_reopened",
            EventKind::AirportStatus => "airport_status",
            EventKind::CommercialFlightsSuspended => "commercial_flights_suspended",
            EventKind::CommercialFlightsResumed => "commercial_flights_resumed",
            EventKind::ThreatAgainstPost => "threat_against_post",
            EventKind::Assessment => "assessment",
            EventKind::Custom => "custom",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EventKind::PlaceTaken => "Place taken by hostile forces",
            EventKind::PlaceContested => "Place contested",
            EventKind::PlaceRetaken => "Place retaken by the government",
            EventKind::RoadClosed => "Road closed",
            EventKind::RoadReopened => "Road reopened",
            EventKind::CrossingClosed => "Border crossing closed",
            EventKind::CrossingReopened => "Border crossing reopened",
            EventKind::AirportStatus => "Airport status",
            EventKind::CommercialFlightsSuspended => "Commercial flights suspended",
            EventKind::CommercialFlightsResumed => "Commercial flights resumed",
            EventKind::ThreatAgainstPost => "Threat against the post",
            EventKind::Assessment => "Assessment (time to isolation)",
            EventKind::Custom => "Other (custom)",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        let s = s.trim().to_lowercase().replace([' ', '-'], "_");
        EventKind::ALL.into_iter().find(|k| k.slug() == s)
    }

    /// The kind of gazetteer place the event must name, if any.
    pub fn place_kind(self) -> Option<&'static [PlaceKind]> {
        use PlaceKind::*;
        match self {
            EventKind::PlaceTaken | EventKind::PlaceContested | EventKind::PlaceRetaken => {
                Some(&[Capital, ProvincialCapital, Place, Airport, Crossing])
            }
            EventKind::RoadClosed | EventKind::RoadReopened => Some(&[Road]),
            EventKind::CrossingClosed | EventKind::CrossingReopened => Some(&[Crossing]),
            _ => None,
        }
    }
}

/// How far a report is believed. When reports conflict, the latest at the highest confidence
/// counts for the measures; the others are shown as conflicting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// A party's own claim, a single unconfirmed source.
    Low = 1,
    /// A credible source, not yet confirmed.
    Medium = 2,
    /// Confirmed by the post or by several independent sources.
    High = 3,
}

impl Confidence {
    pub const ALL: [Confidence; 3] = [Confidence::Low, Confidence::Medium, Confidence::High];
    pub fn slug(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
    pub fn parse(s: &str) -> Option<Confidence> {
        match s.trim().to_lowercase().as_str() {
            "low" | "1" | "claimed" | "unconfirmed" => Some(Confidence::Low),
            "medium" | "2" | "" => Some(Confidence::Medium),
            "high" | "3" | "confirmed" => Some(Confidence::High),
            _ => None,
        }
    }
    pub fn from_i64(n: i64) -> Confidence {
        match n {
            ..=1 => Confidence::Low,
            2 => Confidence::Medium,
            _ => Confidence::High,
        }
    }
}

/// The airport's possible states, from normal to shut.
pub const AIRPORT_STATUSES: [&str; 4] = ["open", "restricted", "military_only", "closed"];

/// One recorded indicator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: String,
    pub kind: EventKind,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The gazetteer's name of the place (empty when the kind names none).
    pub place: String,
    pub source: String,
    pub confidence: Confidence,
    /// The airport's status, or a custom event's label.
    pub value: String,
    /// An assessment's horizon: days until the capital could be isolated.
    pub horizon_days: Option<f64>,
    pub notes: String,
}

/// An event as typed or imported, every field text.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RawEvent {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub at: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub confidence: String,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub horizon: String,
    #[serde(default)]
    pub notes: String,
}

/// A field of an event that is wrong, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

fn field(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

/// Reads a time: RFC 3339, or "YYYY-MM-DD HH:MM" / "YYYY-MM-DDTHH:MM" / "YYYY-MM-DD" in UTC.
pub fn parse_time(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    let s = s.replace('T', " ");
    let s = s.trim_end_matches('Z').trim_end_matches(" UTC");
    let full = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let minutes = format_description!("[year]-[month]-[day] [hour]:[minute]");
    let day = format_description!("[year]-[month]-[day]");
    if let Ok(t) = time::PrimitiveDateTime::parse(s, full) {
        return Some(t.assume_utc());
    }
    if let Ok(t) = time::PrimitiveDateTime::parse(s, minutes) {
        return Some(t.assume_utc());
    }
    time::Date::parse(s, day)
        .ok()
        .map(|d| d.midnight().assume_utc())
}

/// Reads a horizon: "72h", "72 hours", "30 days", "30", "1 week", "6 months" → days.
pub fn parse_horizon(s: &str) -> Option<f64> {
    let s = s.trim().to_lowercase();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let n: f64 = s[..split].trim().parse().ok()?;
    let unit = s[split..].trim();
    let days = match unit {
        "" | "d" | "day" | "days" => n,
        "h" | "hour" | "hours" => n / 24.0,
        "w" | "week" | "weeks" => n * 7.0,
        "month" | "months" => n * 30.0,
        _ => return None,
    };
    (days.is_finite() && days > 0.0).then_some(days)
}

impl RawEvent {
    /// Checks every field and names the first that is wrong. Places must be in the gazetteer
    /// and of the kind the event needs; the stored name is the gazetteer's.
    pub fn parse(&self, id: &str, gazetteer: &Gazetteer) -> Result<Event, FieldError> {
        let kind = EventKind::parse(&self.kind).ok_or_else(|| {
            field(
                "kind",
                format!(
                    "'{}' is not an event kind; use one of: {}",
                    self.kind,
                    EventKind::ALL.map(EventKind::slug).join(", ")
                ),
            )
        })?;
        let at = parse_time(&self.at).ok_or_else(|| {
            field(
                "at",
                format!(
                    "'{}' is not a time; write 2021-08-13 or 2021-08-13 14:30 (UTC) or RFC 3339",
                    self.at
                ),
            )
        })?;
        let confidence = Confidence::parse(&self.confidence).ok_or_else(|| {
            field(
                "confidence",
                format!("'{}' is not low, medium or high", self.confidence),
            )
        })?;
        let source = self.source.trim().to_string();
        if source.is_empty() {
            return Err(field(
                "source",
                "say where this came from (e.g. \"AFP\", \"RSO\", \"local lawmaker via AFP\")",
            ));
        }
        let place = match kind.place_kind() {
            Some(kinds) => {
                if self.place.trim().is_empty() {
                    return Err(field("place", format!("a {} names a place", kind.slug())));
                }
                let p = gazetteer.find(&self.place).ok_or_else(|| {
                    field(
                        "place",
                        format!(
                            "'{}' is not in the gazetteer of {}",
                            self.place.trim(),
                            gazetteer.country
                        ),
                    )
                })?;
                if !kinds.contains(&p.kind) {
                    return Err(field(
                        "place",
                        format!(
                            "{} is a {}; a {} names a {}",
                            p.name,
                            p.kind.slug().replace('_', " "),
                            kind.slug(),
                            kinds
                                .iter()
                                .map(|k| k.slug().replace('_', " "))
                                .collect::<Vec<_>>()
                                .join(" or ")
                        ),
                    ));
                }
                p.name.clone()
            }
            // Optional for the others, but when given it must exist.
            None if !self.place.trim().is_empty() => gazetteer
                .find(&self.place)
                .map(|p| p.name.clone())
                .ok_or_else(|| {
                    field(
                        "place",
                        format!(
                            "'{}' is not in the gazetteer of {}",
                            self.place.trim(),
                            gazetteer.country
                        ),
                    )
                })?,
            None => String::new(),
        };
        let mut value = self.value.trim().to_string();
        let mut horizon_days = None;
        match kind {
            EventKind::AirportStatus => {
                value = value.to_lowercase().replace([' ', '-'], "_");
                if !AIRPORT_STATUSES.contains(&value.as_str()) {
                    return Err(field(
                        "value",
                        format!(
                            "the airport's status '{}' is not one of: {}",
                            self.value.trim(),
                            AIRPORT_STATUSES.join(", ")
                        ),
                    ));
                }
            }
            EventKind::Assessment => {
                horizon_days = Some(parse_horizon(&self.horizon).ok_or_else(|| {
                    field(
                        "horizon",
                        format!(
                            "'{}' is not a time to isolation; write 72h, 30 days, 6 months",
                            self.horizon.trim()
                        ),
                    )
                })?);
            }
            EventKind::Custom if value.is_empty() => {
                return Err(field("value", "a custom event needs a label"));
            }
            _ => {}
        }
        Ok(Event {
            id: id.to_string(),
            kind,
            at,
            place,
            source,
            confidence,
            value,
            horizon_days,
            notes: self.notes.trim().to_string(),
        })
    }
}

impl Event {
    /// One line for a fact: "Kandahar taken, 2021-08-13 (AFP, high)".
    pub fn summary(&self) -> String {
        let what = match self.kind {
            EventKind::PlaceTaken => format!("{} taken", self.place),
            EventKind::PlaceContested => format!("{} contested", self.place),
            EventKind::PlaceRetaken => format!("{} retaken", self.place),
            EventKind::RoadClosed | EventKind::CrossingClosed => format!("{} closed", self.place),
            EventKind::RoadReopened | EventKind::CrossingReopened => {
                format!("{} reopened", self.place)
            }
            EventKind::AirportStatus => format!("airport {}", self.value.replace('_', " ")),
            EventKind::CommercialFlightsSuspended => "commercial flights suspended".into(),
            EventKind::CommercialFlightsResumed => "commercial flights resumed".into(),
            EventKind::ThreatAgainstPost => "threat against the post".into(),
            EventKind::Assessment => format!(
                "assessed isolation within {}",
                crate::measures::days_text(self.horizon_days.unwrap_or(0.0))
            ),
            EventKind::Custom => self.value.clone(),
        };
        format!(
            "{what}, {} ({}, {})",
            day(self.at),
            self.source,
            self.confidence.slug()
        )
    }
}

/// "2021-08-13".
pub fn day(t: OffsetDateTime) -> String {
    let d = t.date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(kind: &str, place: &str) -> RawEvent {
        RawEvent {
            kind: kind.into(),
            at: "2021-08-13 09:00".into(),
            place: place.into(),
            source: "AFP".into(),
            confidence: "high".into(),
            ..RawEvent::default()
        }
    }

    #[test]
    fn events_are_checked_field_by_field() {
        let g = Gazetteer::afghanistan();
        let e = raw("place taken", "kandahar")
            .parse("e1", &g)
            .expect("valid");
        assert_eq!(
            (e.kind, e.place.as_str()),
            (EventKind::PlaceTaken, "Kandahar")
        );
        let e = raw("place_fell", "Kandahar")
            .parse("e", &g)
            .expect_err("refused");
        assert_eq!(e.field, "kind");
        assert!(e.message.contains("place_taken"), "{e}");
        let e = raw("place_taken", "Atlantis")
            .parse("e", &g)
            .expect_err("refused");
        assert_eq!(e.field, "place");
        let e = raw("road_closed", "Kandahar")
            .parse("e", &g)
            .expect_err("refused");
        assert!(e.message.contains("names a road"), "{e}");
        let mut r = raw("assessment", "");
        r.horizon = "72h".into();
        assert_eq!(r.parse("e", &g).expect("valid").horizon_days, Some(3.0));
        r.horizon = "soon".into();
        assert_eq!(r.parse("e", &g).expect_err("refused").field, "horizon");
        let mut r = raw("airport_status", "");
        r.value = "Military only".into();
        assert_eq!(r.parse("e", &g).expect("valid").value, "military_only");
        r.value = "shut".into();
        assert_eq!(r.parse("e", &g).expect_err("refused").field, "value");
        let mut r = raw("custom", "");
        assert_eq!(r.parse("e", &g).expect_err("refused").field, "value");
        r.value = "Embassy urges citizens to leave".into();
        assert!(r.parse("e", &g).is_ok());
        let mut r = raw("threat_against_post", "");
        r.at = "13/08/2021".into();
        assert_eq!(r.parse("e", &g).expect_err("refused").field, "at");
        r.at = "2021-08-13T09:00:00+04:30".into();
        r.source = " ".into();
        assert_eq!(r.parse("e", &g).expect_err("refused").field, "source");
        r.source = "RSO".into();
        r.confidence = "sure".into();
        assert_eq!(r.parse("e", &g).expect_err("refused").field, "confidence");
    }

    #[test]
    fn horizons_read_as_days() {
        assert_eq!(parse_horizon("30 days"), Some(30.0));
        assert_eq!(parse_horizon("6 months"), Some(180.0));
        assert_eq!(parse_horizon("1 week"), Some(7.0));
        assert_eq!(parse_horizon("90"), Some(90.0));
        assert_eq!(parse_horizon("0"), None);
        assert_eq!(parse_horizon("x"), None);
    }
}

//! Measures derived from the situation log at any moment, and their history.
//!
//! Each subject (a place, a road, a crossing, the airport, commercial flights, the assessment of
//! time to isolation) may have several reports. The one that counts is the latest at the
//! highest confidence; reports that disagree with it and are no more than a day older (or
//! newer) are kept and shown as conflicting.

use crate::gazetteer::{Gazetteer, PlaceKind, fold};
use crate::log::{Event, EventKind, day};
use serde::Serialize;
use std::collections::BTreeMap;
use time::{Duration, OffsetDateTime};

/// What a measure counts in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Count,
    Percent,
    Km,
    Days,
    Text,
}

impl Unit {
    pub fn suffix(self) -> &'static str {
        match self {
            Unit::Count | Unit::Text => "",
            Unit::Percent => " %",
            Unit::Km => " km",
            Unit::Days => " days",
        }
    }
}

/// A measure a tripwire may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    CapitalsFallen,
    CapitalsFallenPct,
    NearestHostileKm,
    RoadsOpen,
    RoadsClosed,
    CrossingsOpen,
    DaysSinceChange,
    AssessedDaysToIsolation,
    AirportStatus,
    CommercialFlights,
}

impl Measure {
    pub const ALL: [Measure; 10] = [
        Measure::CapitalsFallen,
        Measure::CapitalsFallenPct,
        Measure::NearestHostileKm,
        Measure::RoadsOpen,
        Measure::RoadsClosed,
        Measure::CrossingsOpen,
        Measure::DaysSinceChange,
        Measure::AssessedDaysToIsolation,
        Measure::AirportStatus,
        Measure::CommercialFlights,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Measure::CapitalsFallen => "capitals_fallen",
            Measure::CapitalsFallenPct => "capitals_fallen_pct",
            Measure::NearestHostileKm => "nearest_hostile_km",
            Measure::RoadsOpen => "roads_open",
            Measure::RoadsClosed => "roads_closed",
            Measure::CrossingsOpen => "crossings_open",
            Measure::DaysSinceChange => "days_since_change",
            Measure::AssessedDaysToIsolation => "assessed_days_to_isolation",
            Measure::AirportStatus => "airport_status",
            Measure::CommercialFlights => "commercial_flights",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Measure::CapitalsFallen => "provincial capitals under hostile control",
            Measure::CapitalsFallenPct => "share of provincial capitals under hostile control",
            Measure::NearestHostileKm => {
                "great-circle distance from the capital to the nearest hostile-held place"
            }
            Measure::RoadsOpen => "roads out of the capital still open",
            Measure::RoadsClosed => "roads out of the capital closed",
            Measure::CrossingsOpen => "border crossings open",
            Measure::DaysSinceChange => "days since a measure last changed",
            Measure::AssessedDaysToIsolation => {
                "the latest assessed time until the capital could be isolated"
            }
            Measure::AirportStatus => "the airport: open, restricted, military_only or closed",
            Measure::CommercialFlights => "commercial flights: operating or suspended",
        }
    }

    pub fn unit(self) -> Unit {
        match self {
            Measure::CapitalsFallen
            | Measure::RoadsOpen
            | Measure::RoadsClosed
            | Measure::CrossingsOpen => Unit::Count,
            Measure::CapitalsFallenPct => Unit::Percent,
            Measure::NearestHostileKm => Unit::Km,
            Measure::DaysSinceChange | Measure::AssessedDaysToIsolation => Unit::Days,
            Measure::AirportStatus | Measure::CommercialFlights => Unit::Text,
        }
    }

    pub fn parse(s: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.name() == s)
    }
}

/// A measure's value at a moment.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Number(f64),
    Text(String),
    /// Nothing in the log says (no hostile-held place, no assessment yet).
    Unknown,
}

/// "3 days", "72 h", "6 months".
pub fn days_text(d: f64) -> String {
    if d < 1.0 || (d < 4.0 && (d * 24.0).fract() == 0.0 && d.fract() != 0.0) {
        format!("{} h", (d * 24.0).round())
    } else if d >= 60.0 && (d / 30.0).fract() == 0.0 {
        format!("{} months", d / 30.0)
    } else {
        format!("{} days", round1(d))
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// A value as the committee reads it: "52.9 %", "64 km", "closed".
pub fn value_text(m: Measure, v: &Value) -> String {
    match v {
        Value::Unknown => "unknown".into(),
        Value::Text(t) => t.replace('_', " "),
        Value::Number(n) if m.unit() == Unit::Days => days_text(*n),
        Value::Number(n) => format!("{}{}", round1(*n), m.unit().suffix()),
    }
}

/// Where a place stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Held,
    Contested,
    Taken,
}

impl Status {
    pub fn slug(self) -> &'static str {
        match self {
            Status::Held => "held",
            Status::Contested => "contested",
            Status::Taken => "taken",
        }
    }
}

/// The report that counts for a subject, and the ones that disagree with it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reading {
    pub report: Event,
    pub conflicts: Vec<Event>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlaceReading {
    pub place: String,
    pub kind: PlaceKind,
    pub status: Status,
    pub km_from_capital: Option<f64>,
    pub reading: Reading,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Subject {
    Place(String),
    Road(String),
    Crossing(String),
    Airport,
    Flights,
    Assessment,
}

fn subject(e: &Event) -> Option<Subject> {
    use EventKind::*;
    Some(match e.kind {
        PlaceTaken | PlaceContested | PlaceRetaken => Subject::Place(fold(&e.place)),
        RoadClosed | RoadReopened => Subject::Road(fold(&e.place)),
        CrossingClosed | CrossingReopened => Subject::Crossing(fold(&e.place)),
        AirportStatus => Subject::Airport,
        CommercialFlightsSuspended | CommercialFlightsResumed => Subject::Flights,
        Assessment => Subject::Assessment,
        ThreatAgainstPost | Custom => return None,
    })
}

/// What a report says about its subject, for telling whether two reports disagree.
fn claim(e: &Event) -> String {
    match e.kind {
        EventKind::AirportStatus => e.value.clone(),
        EventKind::Assessment => format!("{:?}", e.horizon_days),
        k => k.slug().to_string(),
    }
}

fn rank(e: &Event) -> (crate::log::Confidence, OffsetDateTime, &str) {
    (e.confidence, e.at, e.id.as_str())
}

fn read(reports: &[Event]) -> Option<Reading> {
    let winner = reports.iter().max_by(|a, b| rank(a).cmp(&rank(b)))?;
    let near = winner.at - Duration::days(1);
    let conflicts = reports
        .iter()
        .filter(|r| r.id != winner.id && claim(r) != claim(winner) && r.at >= near)
        .cloned()
        .collect();
    Some(Reading {
        report: winner.clone(),
        conflicts,
    })
}

/// The situation at one moment: every measure, and what each rests on.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Situation {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub capital: String,
    pub capitals_total: usize,
    /// Every place with a report, with its status.
    pub places: Vec<PlaceReading>,
    pub nearest_hostile: Option<PlaceReading>,
    /// Roads out of the capital: name, open, the report that counts.
    pub roads: Vec<(String, bool, Option<Reading>)>,
    pub crossings: Vec<(String, bool, Option<Reading>)>,
    pub airport: Option<Reading>,
    pub flights: Option<Reading>,
    pub assessment: Option<Reading>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_change: Option<OffsetDateTime>,
    /// The first event of each kind (and of each kind at each place) up to this moment.
    #[serde(skip)]
    firsts: BTreeMap<(EventKind, String), Event>,
}

/// The values that, when they move, count as a change: computed from the counting report of
/// each subject alone, cheaply, at every moment of the walk.
#[derive(Clone, Debug, PartialEq)]
struct Key {
    fallen: usize,
    nearest_km: Option<f64>,
    roads_closed: usize,
    crossings_closed: usize,
    assessment: Option<f64>,
    airport: Option<String>,
    flights_suspended: bool,
}

struct Tracker {
    subjects: BTreeMap<Subject, Vec<Event>>,
    /// The report that counts for each subject (the maximum by confidence, time, id).
    winners: BTreeMap<Subject, Event>,
    /// Folded place name → (kind, km from the capital).
    info: std::collections::HashMap<String, (PlaceKind, Option<f64>)>,
    capitals_total: usize,
    roads_total: usize,
    crossings_total: usize,
}

impl Tracker {
    fn new(g: &Gazetteer) -> Tracker {
        Tracker {
            subjects: BTreeMap::new(),
            winners: BTreeMap::new(),
            info: g
                .places
                .iter()
                .map(|p| (fold(&p.name), (p.kind, g.km_from_capital(p))))
                .collect(),
            capitals_total: g.provincial_capitals().count(),
            roads_total: g.of_kind(PlaceKind::Road).count(),
            crossings_total: g.of_kind(PlaceKind::Crossing).count(),
        }
    }

    fn add(&mut self, e: &Event) {
        if let Some(s) = subject(e) {
            let better = self.winners.get(&s).is_none_or(|w| rank(e) > rank(w));
            if better {
                self.winners.insert(s.clone(), e.clone());
            }
            self.subjects.entry(s).or_default().push(e.clone());
        }
    }

    fn key(&self) -> Key {
        let mut k = Key {
            fallen: 0,
            nearest_km: None,
            roads_closed: 0,
            crossings_closed: 0,
            assessment: None,
            airport: None,
            flights_suspended: false,
        };
        for (s, e) in &self.winners {
            match s {
                Subject::Place(p) if e.kind == EventKind::PlaceTaken => {
                    if let Some((kind, km)) = self.info.get(p) {
                        if kind.is_provincial_capital() {
                            k.fallen += 1;
                        }
                        if let Some(km) = km
                            && k.nearest_km.is_none_or(|n| *km < n)
                        {
                            k.nearest_km = Some(*km);
                        }
                    }
                }
                Subject::Road(p)
                    if e.kind == EventKind::RoadClosed
                        && self.info.get(p).is_some_and(|i| i.0 == PlaceKind::Road) =>
                {
                    k.roads_closed += 1;
                }
                Subject::Crossing(p)
                    if e.kind == EventKind::CrossingClosed
                        && self.info.get(p).is_some_and(|i| i.0 == PlaceKind::Crossing) =>
                {
                    k.crossings_closed += 1;
                }
                Subject::Assessment => k.assessment = e.horizon_days,
                Subject::Airport => k.airport = Some(e.value.clone()),
                Subject::Flights => {
                    k.flights_suspended = e.kind == EventKind::CommercialFlightsSuspended;
                }
                _ => {}
            }
        }
        k
    }

    /// The values of a key, as [`Situation::value`] gives them.
    fn values(&self, k: &Key) -> Vec<(Measure, Value)> {
        let n = |x: usize| Value::Number(x as f64);
        vec![
            (Measure::CapitalsFallen, n(k.fallen)),
            (
                Measure::CapitalsFallenPct,
                if self.capitals_total == 0 {
                    Value::Unknown
                } else {
                    Value::Number(100.0 * k.fallen as f64 / self.capitals_total as f64)
                },
            ),
            (
                Measure::NearestHostileKm,
                k.nearest_km.map_or(Value::Unknown, Value::Number),
            ),
            (Measure::RoadsOpen, n(self.roads_total - k.roads_closed)),
            (Measure::RoadsClosed, n(k.roads_closed)),
            (
                Measure::CrossingsOpen,
                n(self.crossings_total - k.crossings_closed),
            ),
            (
                Measure::AssessedDaysToIsolation,
                k.assessment.map_or(Value::Unknown, Value::Number),
            ),
            (
                Measure::AirportStatus,
                Value::Text(k.airport.clone().unwrap_or_else(|| "open".into())),
            ),
            (
                Measure::CommercialFlights,
                Value::Text(
                    if k.flights_suspended {
                        "suspended"
                    } else {
                        "operating"
                    }
                    .into(),
                ),
            ),
        ]
    }

    fn reading(&self, s: &Subject) -> Option<Reading> {
        self.subjects.get(s).and_then(|r| read(r))
    }

    fn situation(
        &self,
        g: &Gazetteer,
        at: OffsetDateTime,
        last_change: Option<OffsetDateTime>,
    ) -> Situation {
        let mut places = Vec::new();
        for p in &g.places {
            let Some(reading) = self.reading(&Subject::Place(fold(&p.name))) else {
                continue;
            };
            let status = match reading.report.kind {
                EventKind::PlaceTaken => Status::Taken,
                EventKind::PlaceContested => Status::Contested,
                _ => Status::Held,
            };
            places.push(PlaceReading {
                place: p.name.clone(),
                kind: p.kind,
                status,
                km_from_capital: g.km_from_capital(p),
                reading,
            });
        }
        let nearest_hostile = places
            .iter()
            .filter(|p| p.status == Status::Taken && p.km_from_capital.is_some())
            .min_by(|a, b| {
                a.km_from_capital
                    .partial_cmp(&b.km_from_capital)
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
            .cloned();
        let open = |kind: PlaceKind, sub: fn(String) -> Subject| {
            g.of_kind(kind)
                .map(|p| {
                    let r = self.reading(&sub(fold(&p.name)));
                    let is_open = r.as_ref().is_none_or(|r| {
                        !matches!(
                            r.report.kind,
                            EventKind::RoadClosed | EventKind::CrossingClosed
                        )
                    });
                    (p.name.clone(), is_open, r)
                })
                .collect::<Vec<_>>()
        };
        Situation {
            at,
            capital: g.capital().map(|c| c.name.clone()).unwrap_or_default(),
            capitals_total: g.provincial_capitals().count(),
            places,
            nearest_hostile,
            roads: open(PlaceKind::Road, Subject::Road),
            crossings: open(PlaceKind::Crossing, Subject::Crossing),
            airport: self.reading(&Subject::Airport),
            flights: self.reading(&Subject::Flights),
            assessment: self.reading(&Subject::Assessment),
            last_change,
            firsts: BTreeMap::new(),
        }
    }
}

/// The log in the order the measures read it.
fn ordered(log: &[Event]) -> Vec<&Event> {
    let mut events: Vec<&Event> = log.iter().collect();
    events.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    events
}

/// Walks the log in time order up to `until`, calling `each` at every moment the log has an
/// event with that moment, the measures' values right after it and whether one changed; returns
/// the full situation at `until`.
fn walk(
    log: &[Event],
    g: &Gazetteer,
    until: OffsetDateTime,
    mut each: impl FnMut(OffsetDateTime, &dyn Fn() -> Vec<(Measure, Value)>, bool),
) -> Situation {
    let events = ordered(log);
    let mut tracker = Tracker::new(g);
    let mut firsts: BTreeMap<(EventKind, String), Event> = BTreeMap::new();
    // The empty log's values: a first event that moves none of them is no change.
    let mut last_key = tracker.key();
    let mut last_change = None;
    let mut i = 0;
    while i < events.len() && events[i].at <= until {
        let t = events[i].at;
        while i < events.len() && events[i].at == t {
            let e = events[i];
            tracker.add(e);
            firsts
                .entry((e.kind, String::new()))
                .or_insert_with(|| e.clone());
            if !e.place.is_empty() {
                firsts
                    .entry((e.kind, fold(&e.place)))
                    .or_insert_with(|| e.clone());
            }
            i += 1;
        }
        let k = tracker.key();
        let changed = last_key != k;
        if changed {
            last_change = Some(t);
        }
        each(t, &|| tracker.values(&k), changed);
        last_key = k;
    }
    let mut s = tracker.situation(g, until, last_change);
    s.firsts = firsts;
    s
}

/// One point of a measure's history.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Point {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub values: Vec<(Measure, Value)>,
}

impl Situation {
    /// The situation as the log stood at `at`: events after it are ignored.
    pub fn at(log: &[Event], g: &Gazetteer, at: OffsetDateTime) -> Situation {
        walk(log, g, at, |_, _, _| {})
    }

    /// Every moment up to `until` at which a measure changed, with all the values then.
    pub fn history(log: &[Event], g: &Gazetteer, until: OffsetDateTime) -> Vec<Point> {
        let mut points = Vec::new();
        walk(log, g, until, |at, values, changed| {
            if changed {
                points.push(Point {
                    at,
                    values: values(),
                });
            }
        });
        points
    }

    /// The moments up to `until` at which a measure changed.
    pub fn changes(log: &[Event], g: &Gazetteer, until: OffsetDateTime) -> Vec<OffsetDateTime> {
        let mut out = Vec::new();
        walk(log, g, until, |at, _, changed| {
            if changed {
                out.push(at);
            }
        });
        out
    }

    pub fn fallen(&self) -> impl Iterator<Item = &PlaceReading> {
        self.places
            .iter()
            .filter(|p| p.kind.is_provincial_capital() && p.status == Status::Taken)
    }

    pub fn status_of(&self, place: &str) -> Status {
        let f = fold(place);
        self.places
            .iter()
            .find(|p| fold(&p.place) == f)
            .map_or(Status::Held, |p| p.status)
    }

    /// Every reading that has conflicting reports: (subject, reading).
    pub fn conflicts(&self) -> Vec<(String, &Reading)> {
        let mut out: Vec<(String, &Reading)> = self
            .places
            .iter()
            .map(|p| (p.place.clone(), &p.reading))
            .collect();
        for (name, _, r) in self.roads.iter().chain(&self.crossings) {
            if let Some(r) = r {
                out.push((name.clone(), r));
            }
        }
        for (name, r) in [
            ("Airport", &self.airport),
            ("Commercial flights", &self.flights),
            ("Assessment", &self.assessment),
        ] {
            if let Some(r) = r {
                out.push((name.to_string(), r));
            }
        }
        out.retain(|(_, r)| !r.conflicts.is_empty());
        out
    }

    /// The first event of this kind (at this place, when given) up to this moment.
    pub fn first_event(&self, kind: EventKind, place: Option<&str>) -> Option<&Event> {
        self.firsts
            .get(&(kind, place.map(fold).unwrap_or_default()))
    }

    pub fn value(&self, m: Measure) -> Value {
        let count = |n: usize| Value::Number(n as f64);
        match m {
            Measure::CapitalsFallen => count(self.fallen().count()),
            Measure::CapitalsFallenPct if self.capitals_total == 0 => Value::Unknown,
            Measure::CapitalsFallenPct => {
                Value::Number(100.0 * self.fallen().count() as f64 / self.capitals_total as f64)
            }
            Measure::NearestHostileKm => self
                .nearest_hostile
                .as_ref()
                .and_then(|p| p.km_from_capital)
                .map_or(Value::Unknown, Value::Number),
            Measure::RoadsOpen => count(self.roads.iter().filter(|r| r.1).count()),
            Measure::RoadsClosed => count(self.roads.iter().filter(|r| !r.1).count()),
            Measure::CrossingsOpen => count(self.crossings.iter().filter(|r| r.1).count()),
            Measure::DaysSinceChange => self.last_change.map_or(Value::Unknown, |c| {
                Value::Number(((self.at - c).as_seconds_f64() / 86_400.0).max(0.0))
            }),
            Measure::AssessedDaysToIsolation => self
                .assessment
                .as_ref()
                .and_then(|r| r.report.horizon_days)
                .map_or(Value::Unknown, Value::Number),
            Measure::AirportStatus => Value::Text(
                self.airport
                    .as_ref()
                    .map_or("open".into(), |r| r.report.value.clone()),
            ),
            Measure::CommercialFlights => Value::Text(
                match self.flights.as_ref().map(|r| r.report.kind) {
                    Some(EventKind::CommercialFlightsSuspended) => "suspended",
                    _ => "operating",
                }
                .into(),
            ),
        }
    }

    /// What a measure's value rests on, in a sentence.
    pub fn grounds(&self, m: Measure) -> String {
        let v = value_text(m, &self.value(m));
        match m {
            Measure::CapitalsFallen | Measure::CapitalsFallenPct => {
                // In the order they fell.
                let mut fallen: Vec<&PlaceReading> = self.fallen().collect();
                fallen.sort_by_key(|p| p.reading.report.at);
                let names: Vec<&str> = fallen.iter().map(|p| p.place.as_str()).collect();
                format!(
                    "{v}: {} of {} provincial capitals under hostile control{}",
                    names.len(),
                    self.capitals_total,
                    if names.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", names.join(", "))
                    }
                )
            }
            Measure::NearestHostileKm => match &self.nearest_hostile {
                Some(p) => format!(
                    "{v}: {} from {} ({})",
                    p.place,
                    self.capital,
                    p.reading.report.summary()
                ),
                None => "no hostile-held place in the log".into(),
            },
            Measure::RoadsOpen | Measure::RoadsClosed => {
                let closed: Vec<&str> = self
                    .roads
                    .iter()
                    .filter(|r| !r.1)
                    .map(|r| r.0.as_str())
                    .collect();
                format!(
                    "{} of {} roads out of {} open{}",
                    self.roads.len() - closed.len(),
                    self.roads.len(),
                    self.capital,
                    if closed.is_empty() {
                        String::new()
                    } else {
                        format!("; closed: {}", closed.join(", "))
                    }
                )
            }
            Measure::CrossingsOpen => format!(
                "{} of {} border crossings open",
                self.crossings.iter().filter(|r| r.1).count(),
                self.crossings.len()
            ),
            Measure::DaysSinceChange => match self.last_change {
                Some(c) => format!("{v} since the last change ({})", day(c)),
                None => "nothing has changed yet".into(),
            },
            Measure::AssessedDaysToIsolation => match &self.assessment {
                Some(r) => r.report.summary(),
                None => "no assessment in the log".into(),
            },
            Measure::AirportStatus => match &self.airport {
                Some(r) => r.report.summary(),
                None => "airport open (nothing reported)".into(),
            },
            Measure::CommercialFlights => match &self.flights {
                Some(r) => r.report.summary(),
                None => "commercial flights operating (nothing reported)".into(),
            },
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::log::{Confidence, RawEvent};

    pub fn ev(id: &str, kind: &str, at: &str, place: &str, conf: &str) -> Event {
        RawEvent {
            kind: kind.into(),
            at: at.into(),
            place: place.into(),
            source: "test".into(),
            confidence: conf.into(),
            value: if kind == "airport_status" {
                "closed".into()
            } else {
                "x".into()
            },
            horizon: "30 days".into(),
            notes: String::new(),
        }
        .parse(id, &Gazetteer::afghanistan())
        .expect("valid event")
    }

    fn t(s: &str) -> OffsetDateTime {
        crate::log::parse_time(s).expect("time")
    }

    #[test]
    fn capitals_fallen_and_nearest_hostile_place() {
        let g = Gazetteer::afghanistan();
        let log = vec![
            ev("1", "place_taken", "2021-08-06", "Zaranj", "high"),
            ev("2", "place_taken", "2021-08-12", "Ghazni", "high"),
            ev("3", "place_taken", "2021-08-13", "Pul-e-Alam", "medium"),
        ];
        let s = Situation::at(&log, &g, t("2021-08-12 12:00"));
        assert_eq!(s.value(Measure::CapitalsFallen), Value::Number(2.0));
        let Value::Number(km) = s.value(Measure::NearestHostileKm) else {
            panic!("a distance")
        };
        assert!(
            (km - 128.0).abs() < 5.0,
            "Ghazni is nearest on the 12th: {km}"
        );
        let s = Situation::at(&log, &g, t("2021-08-14"));
        assert_eq!(
            s.nearest_hostile.as_ref().map(|p| p.place.as_str()),
            Some("Pul-e-Alam")
        );
        let Value::Number(pct) = s.value(Measure::CapitalsFallenPct) else {
            panic!("a share")
        };
        assert!((pct - 300.0 / 34.0).abs() < 1e-9);
        assert!(
            s.grounds(Measure::CapitalsFallen)
                .contains("Zaranj, Ghazni")
        );
    }

    #[test]
    fn the_latest_report_at_the_highest_confidence_counts_and_conflicts_are_kept() {
        let g = Gazetteer::afghanistan();
        let log = vec![
            ev(
                "a",
                "place_contested",
                "2021-08-13 08:00",
                "Kandahar",
                "medium",
            ),
            ev("b", "place_taken", "2021-08-13 10:00", "Kandahar", "low"),
        ];
        let s = Situation::at(&log, &g, t("2021-08-14"));
        assert_eq!(
            s.status_of("Kandahar"),
            Status::Contested,
            "medium beats a later low"
        );
        let c = s.conflicts();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].1.conflicts[0].id, "b");
        let mut log = log;
        log.push(ev(
            "c",
            "place_taken",
            "2021-08-13 15:00",
            "Kandahar",
            "high",
        ));
        let s = Situation::at(&log, &g, t("2021-08-14"));
        assert_eq!(s.status_of("Kandahar"), Status::Taken);
        assert_eq!(
            s.conflicts()[0].1.conflicts[0].id,
            "a",
            "the contested report stays visible"
        );
        // Retaken later at the same confidence: the later report counts.
        log.push(ev("d", "place_retaken", "2021-08-20", "Kandahar", "high"));
        let s = Situation::at(&log, &g, t("2021-08-21"));
        assert_eq!(s.status_of("Kandahar"), Status::Held);
        assert!(
            s.conflicts().is_empty(),
            "reports days apart are a change, not a conflict"
        );
    }

    #[test]
    fn roads_airport_flights_assessment_and_days_since_change() {
        let g = Gazetteer::afghanistan();
        let mut log = vec![
            ev(
                "1",
                "road_closed",
                "2021-08-12",
                "Kabul–Kandahar highway (south)",
                "medium",
            ),
            ev("2", "assessment", "2021-08-12", "", "medium"),
            ev("3", "custom", "2021-08-14", "", "low"),
        ];
        let s = Situation::at(&log, &g, t("2021-08-15"));
        assert_eq!(s.value(Measure::RoadsOpen), Value::Number(4.0));
        assert_eq!(s.value(Measure::RoadsClosed), Value::Number(1.0));
        assert_eq!(
            s.value(Measure::AssessedDaysToIsolation),
            Value::Number(30.0)
        );
        assert_eq!(s.value(Measure::AirportStatus), Value::Text("open".into()));
        assert_eq!(
            s.value(Measure::CommercialFlights),
            Value::Text("operating".into())
        );
        // The custom event changed no measure: three days since the 12th.
        assert_eq!(s.value(Measure::DaysSinceChange), Value::Number(3.0));
        log.push(ev("4", "airport_status", "2021-08-15", "", "high"));
        log.push(ev(
            "5",
            "commercial_flights_suspended",
            "2021-08-15",
            "",
            "high",
        ));
        let s = Situation::at(&log, &g, t("2021-08-15"));
        assert_eq!(
            s.value(Measure::AirportStatus),
            Value::Text("closed".into())
        );
        assert_eq!(
            s.value(Measure::CommercialFlights),
            Value::Text("suspended".into())
        );
        assert_eq!(s.value(Measure::DaysSinceChange), Value::Number(0.0));
        let h = Situation::history(&log, &g, t("2021-08-16"));
        assert_eq!(h.len(), 2, "two moments changed a measure: {h:?}");
        assert!(s.first_event(EventKind::Custom, None).is_some());
        assert_eq!(Confidence::parse("confirmed"), Some(Confidence::High));
    }

    #[test]
    fn days_read_naturally() {
        assert_eq!(days_text(3.0), "3 days");
        assert_eq!(days_text(0.5), "12 h");
        assert_eq!(days_text(180.0), "6 months");
        assert_eq!(days_text(30.0), "30 days");
    }
}

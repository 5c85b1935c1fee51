//! Posture engine: measures derived from the situation log, the tripwire language and its evaluation. Pure: no I/O.
//!
//! - [`gazetteer`]: the country's places (Afghanistan's 34 provinces embedded; others from CSV);
//! - [`log`]: the situation log's typed events, checked field by field;
//! - [`measures`]: the situation at any moment and each measure's history;
//! - [`tripwire`]: the tripwire language, its parser and its evaluation with the facts;
//! - [`defaults`]: the levels, checklists and tripwires of a typical Emergency Action Plan;
//! - [`map`]: the projection the map is drawn with.
#![forbid(unsafe_code)]

pub mod defaults;
pub mod gazetteer;
pub mod log;
pub mod map;
pub mod measures;
pub mod tripwire;

pub use gazetteer::{Gazetteer, Place, PlaceKind};
pub use log::{Confidence, Event, EventKind, RawEvent};
pub use measures::{Measure, Situation, Status, Value};
pub use tripwire::{Condition, Fact, ParseError};

/// When a tripwire has held without a break up to `until`: the first moment of its current
/// crossing (None when it does not hold at `until`). Its result can only move when a measure
/// changes or an event it names first appears, so only those moments are looked at.
pub fn crossed_since(
    condition: &Condition,
    log: &[Event],
    gazetteer: &Gazetteer,
    until: time::OffsetDateTime,
) -> Option<time::OffsetDateTime> {
    condition.evaluate(&Situation::at(log, gazetteer, until))?;
    let kinds = condition.event_kinds();
    let mut times: Vec<time::OffsetDateTime> = Situation::changes(log, gazetteer, until)
        .into_iter()
        .chain(
            log.iter()
                .filter(|e| e.at <= until && kinds.contains(&e.kind))
                .map(|e| e.at),
        )
        .collect();
    times.sort();
    times.dedup();
    let mut since = None;
    // Walk back while it still holds.
    for t in times.into_iter().rev() {
        if condition
            .evaluate(&Situation::at(log, gazetteer, t))
            .is_some()
        {
            since = Some(t);
        } else {
            break;
        }
    }
    since.or(Some(until))
}

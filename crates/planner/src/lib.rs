//! The manifest planner: households onto departures, with a bound. Pure: no I/O.
#![forbid(unsafe_code)]

//! Posture engine: measures derived from the situation log, the tripwire language and its evaluation. Pure: no I/O.
#![forbid(unsafe_code)]

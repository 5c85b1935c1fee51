//! Boarding-pass tokens: compact, Ed25519-signed, verified offline. Pure: no I/O.
#![forbid(unsafe_code)]

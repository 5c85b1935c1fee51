//! Reaching people: segments, message templates, delivery policy (retries, rate limits). Pure: no I/O.
#![forbid(unsafe_code)]

//! Reaching people: who a message goes to (segments evaluated over facts the caller gives),
//! what it says (templates in English, Dari and Pashto with per-person fields), how it is
//! delivered (the SMS gateway's request shape, retries with backoff, a rate limit per
//! channel), and the public self-registration form (the checks on what was typed). Pure: no I/O, no clock (time is a parameter).
#![forbid(unsafe_code)]

pub mod lang;
pub mod policy;
pub mod provinces;
pub mod registration;
pub mod segment;
pub mod sms;
pub mod template;

pub use lang::Language;
pub use segment::{PersonFacts, Reach, Segment};
pub use template::{Fields, MessageText, Texts};

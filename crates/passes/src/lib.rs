//! Boarding passes that need no list: a compact token signed with Ed25519 that a checkpoint
//! device verifies offline with the post's public key, the checkpoints in order, and the
//! verdict of each scan. Pure: no I/O, no clock (the caller passes the time).
#![forbid(unsafe_code)]

pub mod checkpoints;
pub mod token;

pub use checkpoints::{Caution, Flow, Here, LastSeen, Skew, Step, Verdict, judge, order, skew};
pub use token::{
    Check, Keyring, PassClaims, PassSigner, Refusal, SubjectKind, authentic, decode_text, parse,
    pass_ref, verify, verify_bytes,
};

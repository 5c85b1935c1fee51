//! Drawdown's domain: the words the post uses, and the engines that need no I/O.
//!
//! Nothing here touches a database, a socket, a file or the clock: time and randomness are
//! parameters, so every engine can be tested, benchmarked and reused alone.
#![forbid(unsafe_code)]

pub mod access;
pub mod audit;
pub mod lists;
pub mod people;
pub mod priority;
pub mod scenario;

pub use access::{Permission, Role, RoleSet};

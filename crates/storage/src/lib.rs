//! All of Drawdown's SQL lives here: migrations and queries for SQLite (the default, embedded)
//! and PostgreSQL (several sites, one deployment).
//!
//! One code path serves both databases through sqlx's `Any` driver: values are integers,
//! floats, text and blobs; times are RFC 3339 text. Each database has its own migration set
//! (`migrations/sqlite`, `migrations/postgres`), kept in step by the conformance tests.
//!
//! Every write method takes the [`AuditEvent`] that records it and appends it to the audit
//! chain in the same transaction: a write without its audit entry cannot be expressed.
#![forbid(unsafe_code)]

pub mod accountability;
pub mod audit;
pub mod batch;
pub mod destruction;
mod error;
pub mod movement;
mod org;
pub mod outreach;
mod persons;
pub mod posture;
mod priority;
pub mod registry;
mod sessions;
mod store;
mod users;
mod vault;

pub use drawdown_domain::audit::{AuditEntry, AuditEvent};
pub use error::StorageError;
pub use org::SiteRecord;
pub use persons::{PersonFilter, PersonRecord};
pub use sessions::{ApiTokenRecord, SessionRecord};
pub use store::{Backend, SchemaStatus, Store};
pub use users::{NewUser, UserRecord};
pub use vault::{DeploymentState, WipeOutcome, WipeRequest};

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// RFC 3339 in UTC, second precision plus fraction: sorts as text in both databases.
pub fn timestamp(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

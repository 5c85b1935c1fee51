//! Envelope encryption of personal data for Drawdown.
//!
//! Key hierarchy:
//! - a random 32-byte **root key** per vault, stored only wrapped in a [`VaultHeader`]
//!   (by a key derived from a passphrase with Argon2id, or by a key file);
//! - a **KEK** and a **blind-index key** derived from the root key with HMAC-SHA256
//!   domain separation;
//! - a fresh random **data key (DEK)** per sealed record, wrapped by the KEK and stored
//!   inside the record's blob.
//!
//! Destroying every copy of the header (and key material) makes every sealed record
//! unrecoverable: that is the crypto-shredding the emergency wipe relies on.
//!
//! Pure library: no file or network I/O. Callers read key files and headers and pass bytes.

#![forbid(unsafe_code)]
// Tests may unwrap; library code is still checked by the plain (non-test) clippy run.
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod error;
mod handoff;
mod header;
mod keyfile;
mod primitives;
mod vault;

pub use error::{UnlockKind, VaultError};
pub use handoff::handoff_encrypt;
pub use header::{Kdf, VaultHeader};
pub use keyfile::generate_key_file;
pub use vault::{Unlock, Vault};

/// Re-exported so callers can name the return type of [`Vault::open_sealed`] and
/// [`generate_key_file`] without depending on `zeroize` themselves.
pub use zeroize::Zeroizing;

//! The vault header: everything needed to unwrap the root key, given the passphrase or
//! key file. Not secret, but integrity-relevant: the KDF section is bound to the wrapped
//! root key as associated data, and the key id is checked after unwrapping.

use serde::{Deserialize, Serialize};

use crate::VaultError;
use crate::primitives::{WRAPPED_KEY_LEN, to_hex};

const MAGIC: &[u8; 4] = b"DDVH";
pub(crate) const HEADER_VERSION: u8 = 1;
const KDF_ARGON2ID: u8 = 1;
const KDF_KEY_FILE: u8 = 2;
pub(crate) const KEY_ID_LEN: usize = 8;

// Bounds on Argon2 parameters read from a header: a forged header must not be able to
// make `open` allocate gigabytes or spin for minutes.
const MAX_M_COST_KIB: u32 = 4 * 1024 * 1024;
const MAX_T_COST: u32 = 64;
const MAX_P_COST: u32 = 64;
const MIN_SALT_LEN: usize = 8;
const MAX_SALT_LEN: usize = 64;

/// How the root key's wrapping key is obtained.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Kdf {
    /// Argon2id (v0x13) over the passphrase.
    Argon2id {
        m_cost_kib: u32,
        t_cost: u32,
        p_cost: u32,
        salt: Vec<u8>,
    },
    /// The wrapping key comes from a key file.
    KeyFile,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct VaultHeader {
    pub(crate) version: u8,
    pub(crate) kdf: Kdf,
    /// nonce || encrypted root key || tag (XChaCha20-Poly1305).
    pub(crate) wrapped_root_key: Vec<u8>,
    /// Public fingerprint of the root key, checked after unwrapping.
    pub(crate) key_id: [u8; KEY_ID_LEN],
}

impl VaultHeader {
    /// Binary form: `"DDVH" || version || kdf section || wrapped root key || key id`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.bound_prefix();
        out.extend_from_slice(&self.wrapped_root_key);
        out.extend_from_slice(&self.key_id);
        out
    }

    pub fn from_bytes(b: &[u8]) -> Result<Self, VaultError> {
        let mut r = Reader(b);
        if r.take(MAGIC.len())? != MAGIC {
            return Err(bad("not a Drawdown vault header"));
        }
        let version = r.u8()?;
        if version != HEADER_VERSION {
            return Err(bad(&format!("unsupported header version {version}")));
        }
        let kdf = match r.u8()? {
            KDF_ARGON2ID => {
                let m_cost_kib = r.u32()?;
                let t_cost = r.u32()?;
                let p_cost = r.u32()?;
                let salt_len = usize::from(r.u8()?);
                let salt = r.take(salt_len)?.to_vec();
                Kdf::Argon2id {
                    m_cost_kib,
                    t_cost,
                    p_cost,
                    salt,
                }
            }
            KDF_KEY_FILE => Kdf::KeyFile,
            other => return Err(bad(&format!("unknown key derivation {other}"))),
        };
        let wrapped_root_key = r.take(WRAPPED_KEY_LEN)?.to_vec();
        let key_id = r
            .take(KEY_ID_LEN)?
            .try_into()
            .map_err(|_| bad("truncated"))?;
        if !r.0.is_empty() {
            return Err(bad("trailing bytes"));
        }
        let header = VaultHeader {
            version,
            kdf,
            wrapped_root_key,
            key_id,
        };
        header.validate()?;
        Ok(header)
    }

    pub fn uses_key_file(&self) -> bool {
        matches!(self.kdf, Kdf::KeyFile)
    }

    /// The key id of the vault this header unlocks (same as [`crate::Vault::key_id`]),
    /// readable without unlocking.
    pub fn key_id(&self) -> String {
        to_hex(&self.key_id)
    }

    pub fn kdf(&self) -> &Kdf {
        &self.kdf
    }

    /// Checks a header however it was obtained (`from_bytes` or serde).
    pub(crate) fn validate(&self) -> Result<(), VaultError> {
        if self.version != HEADER_VERSION {
            return Err(bad(&format!("unsupported header version {}", self.version)));
        }
        if self.wrapped_root_key.len() != WRAPPED_KEY_LEN {
            return Err(bad("wrapped root key has the wrong length"));
        }
        if let Kdf::Argon2id {
            m_cost_kib,
            t_cost,
            p_cost,
            salt,
        } = &self.kdf
        {
            if !(MIN_SALT_LEN..=MAX_SALT_LEN).contains(&salt.len()) {
                return Err(bad("salt has the wrong length"));
            }
            if *m_cost_kib > MAX_M_COST_KIB || *t_cost > MAX_T_COST || *p_cost > MAX_P_COST {
                return Err(bad("Argon2 parameters out of range"));
            }
            // Lower bounds and internal consistency (m >= 8p, ...) are argon2's own.
            argon2::Params::new(*m_cost_kib, *t_cost, *p_cost, Some(32))
                .map_err(|e| bad(&format!("Argon2 parameters invalid: {e}")))?;
        }
        Ok(())
    }

    /// Magic, version and KDF section: authenticated as associated data of the root
    /// key wrap, so parameters or salt cannot be swapped without detection.
    pub(crate) fn bound_prefix(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(128);
        out.extend_from_slice(MAGIC);
        out.push(self.version);
        match &self.kdf {
            Kdf::Argon2id {
                m_cost_kib,
                t_cost,
                p_cost,
                salt,
            } => {
                out.push(KDF_ARGON2ID);
                out.extend_from_slice(&m_cost_kib.to_be_bytes());
                out.extend_from_slice(&t_cost.to_be_bytes());
                out.extend_from_slice(&p_cost.to_be_bytes());
                // validate() caps the salt at 64 bytes; saturate rather than truncate silently.
                out.push(u8::try_from(salt.len()).unwrap_or(u8::MAX));
                out.extend_from_slice(salt);
            }
            Kdf::KeyFile => out.push(KDF_KEY_FILE),
        }
        out
    }
}

fn bad(why: &str) -> VaultError {
    VaultError::BadHeader(why.to_string())
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], VaultError> {
        let (head, tail) = self.0.split_at_checked(n).ok_or_else(|| bad("truncated"))?;
        self.0 = tail;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, VaultError> {
        Ok(self.take(1)?.first().copied().unwrap_or_default())
    }

    fn u32(&mut self) -> Result<u32, VaultError> {
        let b: [u8; 4] = self.take(4)?.try_into().map_err(|_| bad("truncated"))?;
        Ok(u32::from_be_bytes(b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(kdf: Kdf) -> VaultHeader {
        VaultHeader {
            version: HEADER_VERSION,
            kdf,
            wrapped_root_key: (0..WRAPPED_KEY_LEN as u8).collect(),
            key_id: [1, 2, 3, 4, 5, 6, 7, 8],
        }
    }

    fn argon() -> Kdf {
        Kdf::Argon2id {
            m_cost_kib: 19456,
            t_cost: 2,
            p_cost: 1,
            salt: vec![0xaa; 16],
        }
    }

    #[test]
    fn round_trip_both_kinds() {
        for h in [sample(argon()), sample(Kdf::KeyFile)] {
            let b = h.to_bytes();
            assert_eq!(VaultHeader::from_bytes(&b).unwrap(), h);
        }
        assert!(sample(Kdf::KeyFile).uses_key_file());
        assert!(!sample(argon()).uses_key_file());
        assert_eq!(sample(argon()).key_id(), "0102030405060708");
    }

    #[test]
    fn every_truncation_and_extension_rejected() {
        for h in [sample(argon()), sample(Kdf::KeyFile)] {
            let b = h.to_bytes();
            for len in 0..b.len() {
                assert!(
                    matches!(
                        VaultHeader::from_bytes(&b[..len]),
                        Err(VaultError::BadHeader(_))
                    ),
                    "truncated to {len} accepted"
                );
            }
            let mut longer = b.clone();
            longer.push(0);
            assert!(matches!(
                VaultHeader::from_bytes(&longer),
                Err(VaultError::BadHeader(_))
            ));
        }
    }

    #[test]
    fn garbage_rejected() {
        let cases: Vec<Vec<u8>> = vec![
            Vec::new(),
            b"hello world, this is not a header at all......................................"
                .to_vec(),
            vec![0u8; 200],
            vec![0xffu8; 200],
        ];
        for c in cases {
            assert!(matches!(
                VaultHeader::from_bytes(&c),
                Err(VaultError::BadHeader(_))
            ));
        }
        // Right magic, wrong version / unknown KDF.
        let mut b = sample(Kdf::KeyFile).to_bytes();
        b[4] = 2;
        assert!(VaultHeader::from_bytes(&b).is_err());
        let mut b = sample(Kdf::KeyFile).to_bytes();
        b[5] = 9;
        assert!(VaultHeader::from_bytes(&b).is_err());
    }

    #[test]
    fn hostile_argon_params_rejected() {
        for (m, t, p, salt) in [
            (u32::MAX, 2, 1, 16),
            (19456, 1000, 1, 16),
            (19456, 2, 1000, 16),
            (0, 2, 1, 16),
            (19456, 0, 1, 16),
            (19456, 2, 0, 16),
            (19456, 2, 1, 0),
            (19456, 2, 1, 4),
            (19456, 2, 1, 200),
        ] {
            let h = sample(Kdf::Argon2id {
                m_cost_kib: m,
                t_cost: t,
                p_cost: p,
                salt: vec![1; salt],
            });
            assert!(h.validate().is_err(), "{m} {t} {p} {salt}");
            assert!(VaultHeader::from_bytes(&h.to_bytes()).is_err());
        }
    }
}

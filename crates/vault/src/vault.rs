//! The unlocked vault: root key, KEK, blind-index key; sealing and opening records.

use std::fmt;

use argon2::{Algorithm, Argon2, Params, Version};
use hmac::Mac;
use zeroize::{Zeroize, Zeroizing};

use crate::header::{HEADER_VERSION, KEY_ID_LEN, Kdf, VaultHeader};
use crate::keyfile::parse_key_file;
use crate::primitives::{
    KEY_LEN, Key32, NONCE_LEN, TAG_LEN, WRAPPED_KEY_LEN, derive, encrypt_in_place, hmac,
    open_in_place, random_bytes, random_key, split_array, to_hex, unwrap_key, wrap_key,
};
use crate::{UnlockKind, VaultError};

// Argon2id cost for new vaults (OWASP's minimum recommendation; also argon2's default).
const ARGON2_M_COST_KIB: u32 = 19456;
const ARGON2_T_COST: u32 = 2;
const ARGON2_P_COST: u32 = 1;
const SALT_LEN: usize = 16;

// Domain-separation labels: every key derived from the root key is independent.
const LABEL_KEK: &[u8] = b"drawdown/kek/v1";
const LABEL_BLIND_INDEX: &[u8] = b"drawdown/blind-index/v1";
const LABEL_KEY_ID: &[u8] = b"drawdown/key-id/v1";
const LABEL_KEY_FILE_WRAP: &[u8] = b"drawdown/key-file-wrap/v1";

/// Sealed record layout v1: version || wrapped DEK (nonce || key || tag) || nonce ||
/// ciphertext || tag.
const BLOB_VERSION: u8 = 1;
const BLOB_OVERHEAD: usize = 1 + WRAPPED_KEY_LEN + NONCE_LEN + TAG_LEN;

/// What unlocks a vault.
#[derive(Clone, Copy)]
pub enum Unlock<'a> {
    Passphrase(&'a str),
    /// The full contents of a key file (see [`crate::generate_key_file`]).
    KeyFile(&'a [u8]),
}

impl fmt::Debug for Unlock<'_> {
    // Never print the passphrase or key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unlock::Passphrase(_) => f.write_str("Passphrase(<redacted>)"),
            Unlock::KeyFile(_) => f.write_str("KeyFile(<redacted>)"),
        }
    }
}

/// An unlocked vault. All key material is zeroized on drop. Not `Clone`: share it
/// with `Arc<Vault>` so there is one copy of the keys in memory.
pub struct Vault {
    /// Kept so the vault can be re-wrapped (passphrase change) without re-encrypting.
    root: Key32,
    kek: Key32,
    index_key: Key32,
    key_id: [u8; KEY_ID_LEN],
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("key_id", &self.key_id())
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// New vault: random 32-byte root key wrapped by a key derived from the passphrase
    /// (Argon2id, m=19456 KiB, t=2, p=1, random 16-byte salt) or from the key file.
    pub fn create(unlock: Unlock) -> Result<(Vault, VaultHeader), VaultError> {
        let vault = Vault::from_root(random_key()?);
        let header = vault.rewrap(unlock)?;
        Ok((vault, header))
    }

    /// Unwraps the root key. Wrong passphrase or key file => [`VaultError::WrongKey`];
    /// the other kind of unlock than the header's => [`VaultError::WrongUnlockKind`].
    pub fn open(header: &VaultHeader, unlock: Unlock) -> Result<Vault, VaultError> {
        header.validate()?;
        let wrapping_key = wrapping_key(&header.kdf, unlock)?;
        let wrapped: [u8; WRAPPED_KEY_LEN] =
            header.wrapped_root_key.as_slice().try_into().map_err(|_| {
                VaultError::BadHeader("wrapped root key has the wrong length".into())
            })?;
        let root = unwrap_key(&wrapping_key, &header.bound_prefix(), &wrapped)
            .map_err(|()| VaultError::WrongKey)?;
        let vault = Vault::from_root(root);
        if vault.key_id != header.key_id {
            // The root key unwrapped (so the key was right) but the stored id was edited.
            return Err(VaultError::BadHeader(
                "key id does not match the vault's key".into(),
            ));
        }
        Ok(vault)
    }

    /// A new header for the same root key under another passphrase or key file (fresh
    /// salt and nonce). Records sealed before stay readable; the old header keeps
    /// working until it is destroyed.
    pub fn rewrap(&self, unlock: Unlock) -> Result<VaultHeader, VaultError> {
        let kdf = match unlock {
            Unlock::Passphrase(p) => {
                if p.trim().is_empty() {
                    return Err(VaultError::EmptyPassphrase);
                }
                Kdf::Argon2id {
                    m_cost_kib: ARGON2_M_COST_KIB,
                    t_cost: ARGON2_T_COST,
                    p_cost: ARGON2_P_COST,
                    salt: random_bytes::<SALT_LEN>()?.to_vec(),
                }
            }
            Unlock::KeyFile(_) => Kdf::KeyFile,
        };
        let mut header = VaultHeader {
            version: HEADER_VERSION,
            kdf,
            wrapped_root_key: Vec::new(),
            key_id: self.key_id,
        };
        let wrapping_key = wrapping_key(&header.kdf, unlock)?;
        header.wrapped_root_key =
            wrap_key(&wrapping_key, &header.bound_prefix(), &self.root)?.to_vec();
        Ok(header)
    }

    /// Seals one record under a fresh random data key (DEK). `aad` is authenticated but
    /// not stored: pass the same bytes to [`Vault::open_sealed`] (e.g. table, column and
    /// row id, so a blob cannot be moved to another row or column).
    ///
    /// Output: version || wrapped DEK || nonce || ciphertext || tag
    /// (113 bytes + plaintext length).
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, VaultError> {
        let dek = random_key()?;
        let wrapped_dek = wrap_key(&self.kek, &[BLOB_VERSION], &dek)?;
        let nonce: [u8; NONCE_LEN] = random_bytes()?;

        // Exact capacity, then encrypt in place: the plaintext copy never reallocates,
        // so no stray copy of it is left on the heap.
        let mut out = Vec::with_capacity(BLOB_OVERHEAD + plaintext.len());
        out.push(BLOB_VERSION);
        out.extend_from_slice(&wrapped_dek);
        out.extend_from_slice(&nonce);
        let body = out.len();
        out.extend_from_slice(plaintext);
        let encrypted = match out.get_mut(body..) {
            Some(buf) => encrypt_in_place(&dek, &nonce, &payload_aad(aad), buf),
            None => Err(VaultError::Crypto("sealing buffer".into())),
        };
        match encrypted {
            Ok(tag) => {
                out.extend_from_slice(&tag);
                Ok(out)
            }
            Err(e) => {
                out.zeroize();
                Err(e)
            }
        }
    }

    /// Opens a record sealed by [`Vault::seal`] with the same `aad`. A tampered or
    /// truncated blob, other `aad` or another vault's blob => [`VaultError::Corrupt`].
    pub fn open_sealed(&self, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let (&version, rest) = sealed.split_first().ok_or(VaultError::Corrupt)?;
        if version != BLOB_VERSION {
            return Err(VaultError::Corrupt);
        }
        let (wrapped_dek, rest) =
            split_array::<WRAPPED_KEY_LEN>(rest).ok_or(VaultError::Corrupt)?;
        let (nonce, rest) = split_array::<NONCE_LEN>(rest).ok_or(VaultError::Corrupt)?;
        let ct_len = rest.len().checked_sub(TAG_LEN).ok_or(VaultError::Corrupt)?;
        let (ct, tag) = rest.split_at_checked(ct_len).ok_or(VaultError::Corrupt)?;
        let tag: [u8; TAG_LEN] = tag.try_into().map_err(|_| VaultError::Corrupt)?;

        let dek = unwrap_key(&self.kek, &[BLOB_VERSION], &wrapped_dek)
            .map_err(|()| VaultError::Corrupt)?;
        let mut buf = Zeroizing::new(ct.to_vec());
        open_in_place(&dek, &nonce, &payload_aad(aad), &mut buf, &tag)
            .map_err(|()| VaultError::Corrupt)?;
        Ok(buf)
    }

    /// Blind index for equality look-ups: HMAC-SHA256 under a key derived from the
    /// root key, domain-separated by `field`, over the normalised value (trimmed,
    /// internal whitespace collapsed to one space, each character Unicode-lowercased).
    /// Returns 32 lowercase hex characters (first 16 bytes of the MAC).
    pub fn blind_index(&self, field: &str, value: &str) -> String {
        let mut mac = hmac(&self.index_key);
        // Length prefix: ("ab", "c") and ("a", "bc") must not collide.
        mac.update(&(field.len() as u64).to_be_bytes());
        mac.update(field.as_bytes());
        // Normalise while streaming into the MAC: no normalised copy of the personal
        // value is ever built.
        let mut utf8 = [0u8; 4];
        for (i, word) in value.split_whitespace().enumerate() {
            if i > 0 {
                mac.update(b" ");
            }
            for c in word.chars().flat_map(char::to_lowercase) {
                mac.update(c.encode_utf8(&mut utf8).as_bytes());
            }
        }
        utf8.zeroize();
        let tag = mac.finalize().into_bytes();
        to_hex(tag.get(..16).unwrap_or_default())
    }

    /// Stable, non-secret id of the root key (16 hex characters) for display; equal to
    /// [`VaultHeader::key_id`] of every header that unlocks this vault.
    pub fn key_id(&self) -> String {
        to_hex(&self.key_id)
    }

    fn from_root(root: Key32) -> Vault {
        let kek = derive(&root, LABEL_KEK);
        let index_key = derive(&root, LABEL_BLIND_INDEX);
        let id = derive(&root, LABEL_KEY_ID);
        let key_id = split_array::<KEY_ID_LEN>(&id[..])
            .map(|(head, _)| head)
            .unwrap_or_default();
        Vault {
            root,
            kek,
            index_key,
            key_id,
        }
    }
}

/// The key that wraps the root key, from the header's KDF and the caller's unlock.
fn wrapping_key(kdf: &Kdf, unlock: Unlock) -> Result<Key32, VaultError> {
    match (kdf, unlock) {
        (
            Kdf::Argon2id {
                m_cost_kib,
                t_cost,
                p_cost,
                salt,
            },
            Unlock::Passphrase(passphrase),
        ) => {
            let params = Params::new(*m_cost_kib, *t_cost, *p_cost, Some(KEY_LEN))
                .map_err(|e| VaultError::BadHeader(format!("Argon2 parameters invalid: {e}")))?;
            let mut key = Zeroizing::new([0u8; KEY_LEN]);
            Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
                .hash_password_into(passphrase.as_bytes(), salt, &mut key[..])
                .map_err(|e| VaultError::Crypto(format!("Argon2 failed: {e}")))?;
            Ok(key)
        }
        (Kdf::KeyFile, Unlock::KeyFile(contents)) => {
            let file_key = parse_key_file(contents)?;
            Ok(derive(&file_key, LABEL_KEY_FILE_WRAP))
        }
        (Kdf::Argon2id { .. }, Unlock::KeyFile(_)) => {
            Err(VaultError::WrongUnlockKind(UnlockKind::Passphrase))
        }
        (Kdf::KeyFile, Unlock::Passphrase(_)) => {
            Err(VaultError::WrongUnlockKind(UnlockKind::KeyFile))
        }
    }
}

/// Payload associated data: the blob version, then the caller's `aad`.
fn payload_aad(aad: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + aad.len());
    out.push(BLOB_VERSION);
    out.extend_from_slice(aad);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate_key_file;

    const PASS: &str = "correct horse battery staple";

    fn vault() -> Vault {
        // Sealing tests don't need Argon2: build from a random root directly.
        Vault::from_root(random_key().unwrap())
    }

    #[test]
    fn vault_is_send_sync() {
        fn check<T: Send + Sync>() {}
        check::<Vault>();
    }

    #[test]
    fn passphrase_create_open_round_trip() {
        let (v, h) = Vault::create(Unlock::Passphrase(PASS)).unwrap();
        assert!(!h.uses_key_file());
        assert_eq!(
            h.kdf(),
            &Kdf::Argon2id {
                m_cost_kib: 19456,
                t_cost: 2,
                p_cost: 1,
                salt: match h.kdf() {
                    Kdf::Argon2id { salt, .. } => salt.clone(),
                    Kdf::KeyFile => unreachable!(),
                },
            }
        );
        let sealed = v.seal(b"person:1:name", b"Mohammad Karimi").unwrap();

        let h2 = VaultHeader::from_bytes(&h.to_bytes()).unwrap();
        assert_eq!(h2, h);
        let v2 = Vault::open(&h2, Unlock::Passphrase(PASS)).unwrap();
        assert_eq!(v2.key_id(), v.key_id());
        assert_eq!(v2.key_id(), h.key_id());
        assert_eq!(v2.key_id().len(), 16);
        assert_eq!(
            &v2.open_sealed(b"person:1:name", &sealed).unwrap()[..],
            b"Mohammad Karimi"
        );
        assert_eq!(
            v2.blind_index("name", "Mohammad Karimi"),
            v.blind_index("name", "Mohammad Karimi")
        );
    }

    #[test]
    fn two_vaults_same_passphrase_differ() {
        let (a, ha) = Vault::create(Unlock::Passphrase(PASS)).unwrap();
        let (b, hb) = Vault::create(Unlock::Passphrase(PASS)).unwrap();
        assert_ne!(a.key_id(), b.key_id());
        assert_ne!(ha.to_bytes(), hb.to_bytes());
    }

    #[test]
    fn wrong_passphrase_is_wrong_key() {
        let (_, h) = Vault::create(Unlock::Passphrase(PASS)).unwrap();
        for wrong in [
            "correct horse battery stapl",
            "Correct horse battery staple",
            "",
        ] {
            let err = Vault::open(&h, Unlock::Passphrase(wrong)).unwrap_err();
            assert!(matches!(err, VaultError::WrongKey), "{err:?}");
            assert_eq!(err.to_string(), "wrong passphrase or key file");
        }
    }

    #[test]
    fn empty_passphrase_rejected_at_create() {
        for p in ["", "   ", "\n"] {
            assert!(matches!(
                Vault::create(Unlock::Passphrase(p)),
                Err(VaultError::EmptyPassphrase)
            ));
        }
    }

    #[test]
    fn key_file_create_open_round_trip() {
        let kf = generate_key_file();
        let (v, h) = Vault::create(Unlock::KeyFile(kf.as_bytes())).unwrap();
        assert!(h.uses_key_file());
        assert_eq!(h.kdf(), &Kdf::KeyFile);
        let sealed = v.seal(b"aad", b"payload").unwrap();

        let h2 = VaultHeader::from_bytes(&h.to_bytes()).unwrap();
        let v2 = Vault::open(&h2, Unlock::KeyFile(kf.as_bytes())).unwrap();
        assert_eq!(v2.key_id(), v.key_id());
        assert_eq!(&v2.open_sealed(b"aad", &sealed).unwrap()[..], b"payload");

        // Trailing whitespace in the file is fine.
        let crlf = format!("{}\r\n", kf.trim_end());
        assert!(Vault::open(&h, Unlock::KeyFile(crlf.as_bytes())).is_ok());
    }

    #[test]
    fn other_key_file_is_wrong_key() {
        let (_, h) = Vault::create(Unlock::KeyFile(generate_key_file().as_bytes())).unwrap();
        let other = generate_key_file();
        assert!(matches!(
            Vault::open(&h, Unlock::KeyFile(other.as_bytes())),
            Err(VaultError::WrongKey)
        ));
    }

    #[test]
    fn malformed_key_file_rejected() {
        for bad in [&b""[..], b"secret", b"drawdown-key-v1:AAAA\n"] {
            assert!(matches!(
                Vault::create(Unlock::KeyFile(bad)),
                Err(VaultError::BadKeyFile(_))
            ));
        }
        let (_, h) = Vault::create(Unlock::KeyFile(generate_key_file().as_bytes())).unwrap();
        let err = Vault::open(&h, Unlock::KeyFile(b"hunter2\n")).unwrap_err();
        assert!(matches!(err, VaultError::BadKeyFile(_)), "{err:?}");
        assert!(err.to_string().contains("key file"));
    }

    #[test]
    fn wrong_unlock_kind_is_explained() {
        let kf = generate_key_file();
        let (_, hk) = Vault::create(Unlock::KeyFile(kf.as_bytes())).unwrap();
        let err = Vault::open(&hk, Unlock::Passphrase(PASS)).unwrap_err();
        assert!(matches!(
            err,
            VaultError::WrongUnlockKind(UnlockKind::KeyFile)
        ));
        assert!(err.to_string().contains("key file"));

        let (_, hp) = Vault::create(Unlock::Passphrase(PASS)).unwrap();
        let err = Vault::open(&hp, Unlock::KeyFile(kf.as_bytes())).unwrap_err();
        assert!(matches!(
            err,
            VaultError::WrongUnlockKind(UnlockKind::Passphrase)
        ));
        assert!(err.to_string().contains("passphrase"));
    }

    #[test]
    fn tampered_header_does_not_open() {
        let (_, h) = Vault::create(Unlock::Passphrase(PASS)).unwrap();
        let bytes = h.to_bytes();
        // Every single-byte change is either rejected as malformed, or fails to
        // unwrap, or (key id) is caught after unwrapping. Never opens.
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x01;
            let Ok(h2) = VaultHeader::from_bytes(&b) else {
                continue;
            };
            match Vault::open(&h2, Unlock::Passphrase(PASS)) {
                Err(VaultError::WrongKey | VaultError::BadHeader(_)) => {}
                other => panic!("byte {i}: {:?}", other.map(|_| ())),
            }
        }
    }

    #[test]
    fn edited_key_id_is_caught() {
        let kf = generate_key_file();
        let (_, mut h) = Vault::create(Unlock::KeyFile(kf.as_bytes())).unwrap();
        h.key_id[0] ^= 0xff;
        assert!(matches!(
            Vault::open(&h, Unlock::KeyFile(kf.as_bytes())),
            Err(VaultError::BadHeader(_))
        ));
    }

    #[test]
    fn header_from_serde_is_validated_in_open() {
        let kf = generate_key_file();
        let (_, mut h) = Vault::create(Unlock::KeyFile(kf.as_bytes())).unwrap();
        h.wrapped_root_key.pop();
        assert!(matches!(
            Vault::open(&h, Unlock::KeyFile(kf.as_bytes())),
            Err(VaultError::BadHeader(_))
        ));
    }

    #[test]
    fn rewrap_changes_unlock_but_not_keys() {
        let (v, hp) = Vault::create(Unlock::Passphrase(PASS)).unwrap();
        let sealed = v.seal(b"a", b"record").unwrap();
        let kf = generate_key_file();
        let hk = v.rewrap(Unlock::KeyFile(kf.as_bytes())).unwrap();
        let v2 = Vault::open(&hk, Unlock::KeyFile(kf.as_bytes())).unwrap();
        assert_eq!(v2.key_id(), v.key_id());
        assert_eq!(&v2.open_sealed(b"a", &sealed).unwrap()[..], b"record");
        // New passphrase, fresh salt.
        let hp2 = v2.rewrap(Unlock::Passphrase("new passphrase")).unwrap();
        assert_ne!(hp2.kdf(), hp.kdf());
        assert!(Vault::open(&hp2, Unlock::Passphrase("new passphrase")).is_ok());
        assert!(matches!(
            Vault::open(&hp2, Unlock::Passphrase(PASS)),
            Err(VaultError::WrongKey)
        ));
    }

    #[test]
    fn seal_open_round_trip() {
        let v = vault();
        for pt in [
            &b""[..],
            b"x",
            "Mohammad Karimi — محمد کریمی".as_bytes(),
            &[0u8; 10_000][..],
        ] {
            let sealed = v.seal(b"people:42:name", pt).unwrap();
            assert_eq!(sealed.len(), BLOB_OVERHEAD + pt.len());
            assert_eq!(sealed[0], BLOB_VERSION);
            assert_eq!(&v.open_sealed(b"people:42:name", &sealed).unwrap()[..], pt);
        }
        // Empty aad works too.
        let sealed = v.seal(b"", b"pt").unwrap();
        assert_eq!(&v.open_sealed(b"", &sealed).unwrap()[..], b"pt");
    }

    #[test]
    fn every_seal_differs() {
        let v = vault();
        let a = v.seal(b"aad", b"same plaintext").unwrap();
        let b = v.seal(b"aad", b"same plaintext").unwrap();
        assert_ne!(a, b);
        // Wrapped DEK (incl. its nonce), payload nonce and ciphertext all differ.
        let dek = 1..1 + WRAPPED_KEY_LEN;
        let nonce = dek.end..dek.end + NONCE_LEN;
        let ct = nonce.end..a.len();
        assert_ne!(a[dek.clone()], b[dek]);
        assert_ne!(a[nonce.clone()], b[nonce]);
        assert_ne!(a[ct.clone()], b[ct]);
    }

    #[test]
    fn wrong_aad_fails() {
        let v = vault();
        let sealed = v.seal(b"people:1:name", b"secret").unwrap();
        for aad in [
            &b"people:2:name"[..],
            b"",
            b"people:1:name\0",
            b"people:1:nam",
        ] {
            assert!(matches!(
                v.open_sealed(aad, &sealed),
                Err(VaultError::Corrupt)
            ));
        }
    }

    #[test]
    fn any_flipped_byte_fails() {
        let v = vault();
        let sealed = v.seal(b"aad", b"some personal data").unwrap();
        for i in 0..sealed.len() {
            for bit in [0x01u8, 0x80] {
                let mut t = sealed.clone();
                t[i] ^= bit;
                assert!(
                    matches!(v.open_sealed(b"aad", &t), Err(VaultError::Corrupt)),
                    "flip {bit:#x} at {i} accepted"
                );
            }
        }
    }

    #[test]
    fn truncated_or_extended_blob_fails() {
        let v = vault();
        let sealed = v.seal(b"aad", b"some personal data").unwrap();
        for len in 0..sealed.len() {
            assert!(matches!(
                v.open_sealed(b"aad", &sealed[..len]),
                Err(VaultError::Corrupt)
            ));
        }
        let mut longer = sealed.clone();
        longer.push(0);
        assert!(v.open_sealed(b"aad", &longer).is_err());
        assert!(v.open_sealed(b"aad", &[0xff; 500]).is_err());
    }

    #[test]
    fn other_vault_cannot_open() {
        let a = vault();
        let b = vault();
        let sealed = a.seal(b"aad", b"secret").unwrap();
        assert!(matches!(
            b.open_sealed(b"aad", &sealed),
            Err(VaultError::Corrupt)
        ));
    }

    #[test]
    fn plaintext_never_in_blob() {
        let v = vault();
        let pt = b"Mohammad Karimi, passport P01234567, SIV case KBL-2021-0815, Wazir Akbar Khan";
        let aad = b"people:7:details";
        let sealed = v.seal(aad, pt).unwrap();
        // No 6-byte window of the plaintext (or the aad, which is not stored) occurs.
        for w in pt.windows(6).chain(aad.windows(6)) {
            assert!(
                !sealed.windows(6).any(|s| s == w),
                "{:?} found in blob",
                String::from_utf8_lossy(w)
            );
        }
    }

    #[test]
    fn blind_index_normalises() {
        let v = vault();
        let a = v.blind_index("name", "  Mohammad  KARIMI");
        assert_eq!(a, v.blind_index("name", "mohammad karimi"));
        assert_eq!(a, v.blind_index("name", "Mohammad\tKarimi \n"));
        assert_ne!(a, v.blind_index("name", "mohammadkarimi"));
        assert_ne!(a, v.blind_index("name", "mohammad karimy"));
        assert_eq!(a.len(), 32);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        // Non-ASCII lowercase, and scripts without case pass through.
        assert_eq!(
            v.blind_index("name", "ÉLODIE  Ünal"),
            v.blind_index("name", "élodie ünal")
        );
        assert_eq!(
            v.blind_index("name", " محمد  کریمی "),
            v.blind_index("name", "محمد کریمی")
        );
    }

    #[test]
    fn blind_index_separated_by_field_and_vault() {
        let v = vault();
        let w = vault();
        let a = v.blind_index("name", "mohammad karimi");
        assert_ne!(a, v.blind_index("father_name", "mohammad karimi"));
        assert_ne!(a, w.blind_index("name", "mohammad karimi"));
        // Field/value boundary is unambiguous.
        assert_ne!(v.blind_index("ab", "c"), v.blind_index("a", "bc"));
        // Not the same key as anything else derived from the root.
        assert_ne!(v.index_key[..], v.kek[..]);
    }

    #[test]
    fn debug_shows_only_key_id() {
        let v = vault();
        let dbg = format!("{v:?}");
        assert_eq!(dbg, format!("Vault {{ key_id: {:?}, .. }}", v.key_id()));
        for secret in [&v.root, &v.kek, &v.index_key] {
            assert!(!dbg.contains(&to_hex(&secret[..])));
        }
        assert_eq!(
            format!("{:?}", Unlock::Passphrase(PASS)),
            "Passphrase(<redacted>)"
        );
        let kf = generate_key_file();
        assert!(!format!("{:?}", Unlock::KeyFile(kf.as_bytes())).contains("drawdown-key"));
    }

    #[test]
    fn key_id_is_not_a_prefix_of_secrets() {
        let v = vault();
        let id = v.key_id();
        for secret in [&v.root, &v.kek, &v.index_key] {
            assert!(!to_hex(&secret[..]).starts_with(&id));
        }
    }
}

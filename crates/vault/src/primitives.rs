//! Thin, panic-free wrappers over the primitives the vault uses.

use chacha20poly1305::aead::AeadInPlace;
use chacha20poly1305::{KeyInit, Tag, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::VaultError;

pub(crate) const KEY_LEN: usize = 32;
pub(crate) const NONCE_LEN: usize = 24;
pub(crate) const TAG_LEN: usize = 16;
/// A 32-byte key wrapped with XChaCha20-Poly1305: nonce || ciphertext || tag.
pub(crate) const WRAPPED_KEY_LEN: usize = NONCE_LEN + KEY_LEN + TAG_LEN;

pub(crate) type Key32 = Zeroizing<[u8; KEY_LEN]>;
pub(crate) type HmacSha256 = Hmac<Sha256>;

pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], VaultError> {
    let mut out = [0u8; N];
    OsRng
        .try_fill_bytes(&mut out)
        .map_err(|e| VaultError::Crypto(format!("random source failed: {e}")))?;
    Ok(out)
}

pub(crate) fn random_key() -> Result<Key32, VaultError> {
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    OsRng
        .try_fill_bytes(&mut key[..])
        .map_err(|e| VaultError::Crypto(format!("random source failed: {e}")))?;
    Ok(key)
}

/// HMAC-SHA256 keyed by a 32-byte key. The key is zero-padded to the 64-byte block
/// size, which is exactly what HMAC does itself; going through the fixed-size
/// `KeyInit::new` keeps this infallible without an `expect`.
pub(crate) fn hmac(key: &[u8; KEY_LEN]) -> HmacSha256 {
    let mut block = Zeroizing::new([0u8; 64]);
    for (dst, src) in block.iter_mut().zip(key.iter()) {
        *dst = *src;
    }
    <HmacSha256 as KeyInit>::new((&*block).into())
}

/// Derives an independent sub-key: HMAC(key, label).
pub(crate) fn derive(key: &[u8; KEY_LEN], label: &[u8]) -> Key32 {
    let mut mac = hmac(key);
    mac.update(label);
    Zeroizing::new(mac.finalize().into_bytes().into())
}

fn cipher(key: &[u8; KEY_LEN]) -> XChaCha20Poly1305 {
    // The cipher zeroizes its copy of the key on drop.
    XChaCha20Poly1305::new(key.into())
}

/// Encrypts `buf` in place; returns the tag. The caller supplies a fresh random nonce.
pub(crate) fn encrypt_in_place(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    buf: &mut [u8],
) -> Result<[u8; TAG_LEN], VaultError> {
    let tag = cipher(key)
        .encrypt_in_place_detached(&XNonce::from(*nonce), aad, buf)
        .map_err(|_| VaultError::Crypto("encryption failed".into()))?;
    Ok(tag.into())
}

/// Decrypts `buf` in place; `Err(())` when the tag does not verify (in which case
/// `buf` is left as ciphertext).
pub(crate) fn open_in_place(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    buf: &mut [u8],
    tag: &[u8; TAG_LEN],
) -> Result<(), ()> {
    cipher(key)
        .decrypt_in_place_detached(&XNonce::from(*nonce), aad, buf, &Tag::from(*tag))
        .map_err(|_| ())
}

/// Wraps a 32-byte key: nonce || ciphertext || tag.
pub(crate) fn wrap_key(
    kek: &[u8; KEY_LEN],
    aad: &[u8],
    key: &[u8; KEY_LEN],
) -> Result<[u8; WRAPPED_KEY_LEN], VaultError> {
    let nonce: [u8; NONCE_LEN] = random_bytes()?;
    let mut buf = Zeroizing::new(*key);
    let tag = encrypt_in_place(kek, &nonce, aad, &mut buf[..])?;
    let mut out = [0u8; WRAPPED_KEY_LEN];
    let (n, rest) = out.split_at_mut(NONCE_LEN);
    let (c, t) = rest.split_at_mut(KEY_LEN);
    n.copy_from_slice(&nonce);
    c.copy_from_slice(&buf[..]);
    t.copy_from_slice(&tag);
    Ok(out)
}

/// Reverses [`wrap_key`]; `Err(())` when the KEK or the AAD is wrong or the bytes were
/// altered.
pub(crate) fn unwrap_key(
    kek: &[u8; KEY_LEN],
    aad: &[u8],
    wrapped: &[u8; WRAPPED_KEY_LEN],
) -> Result<Key32, ()> {
    let (nonce, rest) = split_array::<NONCE_LEN>(wrapped).ok_or(())?;
    let (ct, tag) = split_array::<KEY_LEN>(rest).ok_or(())?;
    let tag: [u8; TAG_LEN] = tag.try_into().map_err(|_| ())?;
    let mut key = Zeroizing::new(ct);
    open_in_place(kek, &nonce, aad, &mut key[..], &tag)?;
    Ok(key)
}

/// Splits a fixed-size array off the front of `b`, or `None` if `b` is too short.
pub(crate) fn split_array<const N: usize>(b: &[u8]) -> Option<([u8; N], &[u8])> {
    let (head, tail) = b.split_at_checked(N)?;
    Some((head.try_into().ok()?, tail))
}

pub(crate) fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc4231_case_2_style_padding() {
        // Zero-padding a short key to the block size must equal HMAC with the short key.
        let key = [7u8; 32];
        let mut a = hmac(&key);
        a.update(b"abc");
        let mut b = <HmacSha256 as Mac>::new_from_slice(&key).unwrap();
        b.update(b"abc");
        assert_eq!(a.finalize().into_bytes(), b.finalize().into_bytes());
    }

    #[test]
    fn derive_is_domain_separated() {
        let key = [1u8; 32];
        assert_ne!(*derive(&key, b"a"), *derive(&key, b"b"));
        assert_eq!(*derive(&key, b"a"), *derive(&key, b"a"));
    }

    #[test]
    fn wrap_unwrap() {
        let kek = [3u8; 32];
        let key = [9u8; 32];
        let w = wrap_key(&kek, b"ctx", &key).unwrap();
        assert_eq!(*unwrap_key(&kek, b"ctx", &w).unwrap(), key);
        assert!(unwrap_key(&kek, b"other", &w).is_err());
        assert!(unwrap_key(&[4u8; 32], b"ctx", &w).is_err());
        let mut bad = w;
        bad[30] ^= 1;
        assert!(unwrap_key(&kek, b"ctx", &bad).is_err());
    }

    #[test]
    fn hex() {
        assert_eq!(to_hex(&[0x00, 0xab, 0x0f, 0xf0]), "00ab0ff0");
    }
}

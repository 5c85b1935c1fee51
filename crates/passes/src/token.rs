//! The boarding-pass token: a compact binary record signed with Ed25519, carried in a QR code
//! as base64url text. It holds no name: an opaque id and just enough to recognise the holder
//! (initials, birth year, household size with lap infants).
//!
//! Layout (version 1, big-endian integers, strings are a length byte then UTF-8):
//!
//! ```text
//! version u8 | key id u32 | pass id u64 | kind u8 (0 person, 1 household) | subject str
//! | initials str | birth year u16 (0 unknown) | household size u8 | lap infants u8
//! | departure str | valid from u32 | valid until u32 (unix seconds) | signature [64]
//! ```
//!
//! The signature covers every byte before it. Parsing is strict: every length is checked, the
//! record must end exactly where the signature does.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::Serialize;

pub const VERSION: u8 = 1;
pub const SIGNATURE_LEN: usize = 64;
pub const MAX_ID_LEN: usize = 40;
pub const MAX_INITIALS_LEN: usize = 12;
/// Bytes of the shortest possible token: fixed fields, one-byte ids, empty initials, signature.
pub const MIN_LEN: usize = 1 + 4 + 8 + 1 + 2 + 1 + 2 + 1 + 1 + 2 + 4 + 4 + SIGNATURE_LEN;
pub const MAX_LEN: usize = MIN_LEN - 2 + 2 * MAX_ID_LEN + MAX_INITIALS_LEN;
/// Longest text form (base64url of [`MAX_LEN`] bytes); longer input is refused unread.
pub const MAX_TEXT_LEN: usize = MAX_LEN.div_ceil(3) * 4;

/// Whom a pass is for: one person, or a household scanned in one go on its head's pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    Person,
    Household,
}

/// What a pass says, signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PassClaims {
    pub key_id: u32,
    /// Random, unique per pass: what a revocation names.
    pub pass_id: u64,
    pub kind: SubjectKind,
    /// The opaque person or household id.
    pub subject: String,
    pub initials: String,
    pub birth_year: Option<u16>,
    /// People the pass admits, lap infants included (1 for a person alone).
    pub household_size: u8,
    pub lap_infants: u8,
    pub departure: String,
    /// Unix seconds.
    pub valid_from: i64,
    pub valid_until: i64,
}

impl PassClaims {
    /// The pass id as it is stored and revoked: 16 hex digits.
    pub fn pass_ref(&self) -> String {
        pass_ref(self.pass_id)
    }

    /// Checks the fields a token can carry; the message names the field.
    pub fn check(&self) -> Result<(), String> {
        let id_ok = |s: &str| !s.is_empty() && s.len() <= MAX_ID_LEN;
        if !id_ok(&self.subject) {
            return Err(format!("subject: 1 to {MAX_ID_LEN} bytes"));
        }
        if !id_ok(&self.departure) {
            return Err(format!("departure: 1 to {MAX_ID_LEN} bytes"));
        }
        if self.initials.len() > MAX_INITIALS_LEN {
            return Err(format!("initials: at most {MAX_INITIALS_LEN} bytes"));
        }
        if self.household_size == 0 {
            return Err("household size: at least 1".into());
        }
        if self.lap_infants >= self.household_size {
            return Err(
                "lap infants: fewer than the household size (an adult carries them)".into(),
            );
        }
        if self.birth_year == Some(0) {
            return Err("birth year: leave it out when unknown".into());
        }
        let in_range = |t: i64| (0..=i64::from(u32::MAX)).contains(&t);
        if !in_range(self.valid_from) || !in_range(self.valid_until) {
            return Err("validity: between 1970 and 2106".into());
        }
        if self.valid_until <= self.valid_from {
            return Err("validity: 'until' must come after 'from'".into());
        }
        Ok(())
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        out.push(VERSION);
        out.extend_from_slice(&self.key_id.to_be_bytes());
        out.extend_from_slice(&self.pass_id.to_be_bytes());
        out.push(match self.kind {
            SubjectKind::Person => 0,
            SubjectKind::Household => 1,
        });
        for s in [&self.subject, &self.initials] {
            out.push(s.len() as u8);
            out.extend_from_slice(s.as_bytes());
        }
        out.extend_from_slice(&self.birth_year.unwrap_or(0).to_be_bytes());
        out.push(self.household_size);
        out.push(self.lap_infants);
        out.push(self.departure.len() as u8);
        out.extend_from_slice(self.departure.as_bytes());
        out.extend_from_slice(&(self.valid_from as u32).to_be_bytes());
        out.extend_from_slice(&(self.valid_until as u32).to_be_bytes());
    }
}

pub fn pass_ref(pass_id: u64) -> String {
    format!("{pass_id:016x}")
}

/// Why a pass is refused. The words are what the checkpoint agent reads.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Refusal {
    #[error("not a pass: the code could not be read ({detail})")]
    Unreadable { detail: String },
    #[error("truncated pass: the code is incomplete (scan it again, or print a new pass)")]
    Truncated,
    #[error("unknown pass version {version}: this pass was not made by this post's system")]
    WrongVersion { version: u8 },
    #[error("malformed pass: {field}")]
    Malformed { field: String },
    #[error("unknown key {key_id}: this pass was not signed by this post")]
    UnknownKey { key_id: u32 },
    #[error("forged or altered pass: the signature does not match")]
    BadSignature,
    #[error("revoked pass: it was withdrawn; do not admit, refer to the movement officer")]
    Revoked,
    #[error("expired pass: it was valid until {until} (unix time)")]
    Expired { until: i64 },
    #[error("pass not yet valid: it is valid from {from} (unix time)")]
    NotYetValid { from: i64 },
}

impl Refusal {
    /// A short stable code for the API and the database.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Unreadable { .. } => "unreadable",
            Refusal::Truncated => "truncated",
            Refusal::WrongVersion { .. } => "wrong_version",
            Refusal::Malformed { .. } => "malformed",
            Refusal::UnknownKey { .. } => "unknown_key",
            Refusal::BadSignature => "bad_signature",
            Refusal::Revoked => "revoked",
            Refusal::Expired { .. } => "expired",
            Refusal::NotYetValid { .. } => "not_yet_valid",
        }
    }
}

/// A post's signing key. The seed comes from the caller (a CSPRNG, sealed by the vault).
pub struct PassSigner {
    key_id: u32,
    key: SigningKey,
}

impl PassSigner {
    pub fn from_seed(key_id: u32, seed: &[u8; 32]) -> Self {
        PassSigner {
            key_id,
            key: SigningKey::from_bytes(seed),
        }
    }

    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    /// The signed token as bytes. The claims' key id is this signer's.
    pub fn sign_bytes(&self, claims: &PassClaims) -> Result<Vec<u8>, String> {
        let mut c = claims.clone();
        c.key_id = self.key_id;
        c.check()?;
        let mut out = Vec::with_capacity(MAX_LEN);
        c.encode_body(&mut out);
        let sig = self.key.sign(&out);
        out.extend_from_slice(&sig.to_bytes());
        Ok(out)
    }

    /// The signed token as the text a QR code carries.
    pub fn sign(&self, claims: &PassClaims) -> Result<String, String> {
        Ok(URL_SAFE_NO_PAD.encode(self.sign_bytes(claims)?))
    }
}

/// The public keys a device trusts, by key id.
#[derive(Clone, Debug, Default)]
pub struct Keyring {
    keys: Vec<(u32, VerifyingKey)>,
}

impl Keyring {
    pub fn new() -> Self {
        Keyring::default()
    }

    /// Adds a public key; refuses bytes that are not a valid Ed25519 point.
    pub fn add(&mut self, key_id: u32, public: &[u8; 32]) -> Result<(), String> {
        let key = VerifyingKey::from_bytes(public)
            .map_err(|_| format!("key {key_id}: not an Ed25519 public key"))?;
        self.keys.retain(|(id, _)| *id != key_id);
        self.keys.push((key_id, key));
        Ok(())
    }

    fn get(&self, key_id: u32) -> Option<&VerifyingKey> {
        self.keys
            .iter()
            .find(|(id, _)| *id == key_id)
            .map(|(_, k)| k)
    }
}

/// Reads the fields of a token without checking its signature.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Refusal> {
        let end = self.at.checked_add(n).ok_or(Refusal::Truncated)?;
        let s = self.bytes.get(self.at..end).ok_or(Refusal::Truncated)?;
        self.at = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, Refusal> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, Refusal> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, Refusal> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64, Refusal> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_be_bytes(a))
    }
    fn text(&mut self, field: &str, max: usize, empty_ok: bool) -> Result<String, Refusal> {
        let n = self.u8()? as usize;
        if n > max || (n == 0 && !empty_ok) {
            return Err(Refusal::Malformed {
                field: format!("{field}: length {n}"),
            });
        }
        let b = self.take(n)?;
        String::from_utf8(b.to_vec()).map_err(|_| Refusal::Malformed {
            field: format!("{field}: not UTF-8"),
        })
    }
}

/// A token split into what was signed, the claims, and the signature. No key needed.
pub struct Parsed {
    pub claims: PassClaims,
    body_len: usize,
    signature: [u8; SIGNATURE_LEN],
}

/// Decodes the QR text (surrounding whitespace ignored, as keyboard-wedge scanners add some).
pub fn decode_text(text: &str) -> Result<Vec<u8>, Refusal> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Refusal::Unreadable {
            detail: "empty".into(),
        });
    }
    if text.len() > MAX_TEXT_LEN {
        return Err(Refusal::Unreadable {
            detail: format!(
                "{} characters, a pass has at most {MAX_TEXT_LEN}",
                text.len()
            ),
        });
    }
    URL_SAFE_NO_PAD.decode(text).map_err(|_| {
        if cut_short(text) {
            Refusal::Truncated
        } else {
            Refusal::Unreadable {
                detail: "not base64url text".into(),
            }
        }
    })
}

/// Whether text that is not strict base64url is the start of a pass cut mid-character (a
/// length one more than a multiple of four, or stray bits in its last character). Only says
/// why a code is refused: nothing read this way is ever accepted.
fn cut_short(text: &str) -> bool {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    if !text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return false;
    }
    let lenient = GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireNone),
    );
    // ASCII only, so any cut is on a character boundary.
    let whole = if text.len() % 4 == 1 {
        text.len() - 1
    } else {
        text.len()
    };
    lenient
        .decode(&text[..whole])
        .is_ok_and(|start| matches!(parse(&start), Err(Refusal::Truncated)))
}

/// Parses a token's bytes strictly.
pub fn parse(bytes: &[u8]) -> Result<Parsed, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::Truncated);
    }
    if bytes[0] != VERSION {
        return Err(Refusal::WrongVersion { version: bytes[0] });
    }
    if bytes.len() > MAX_LEN {
        return Err(Refusal::Malformed {
            field: format!("length {} bytes, at most {MAX_LEN}", bytes.len()),
        });
    }
    let mut r = Reader { bytes, at: 1 };
    let key_id = r.u32()?;
    let pass_id = r.u64()?;
    let kind = match r.u8()? {
        0 => SubjectKind::Person,
        1 => SubjectKind::Household,
        k => {
            return Err(Refusal::Malformed {
                field: format!("subject kind {k}"),
            });
        }
    };
    let subject = r.text("subject", MAX_ID_LEN, false)?;
    let initials = r.text("initials", MAX_INITIALS_LEN, true)?;
    let birth_year = match r.u16()? {
        0 => None,
        y => Some(y),
    };
    let household_size = r.u8()?;
    let lap_infants = r.u8()?;
    let departure = r.text("departure", MAX_ID_LEN, false)?;
    let valid_from = i64::from(r.u32()?);
    let valid_until = i64::from(r.u32()?);
    let body_len = r.at;
    let sig = r.take(SIGNATURE_LEN)?;
    if r.at != bytes.len() {
        return Err(Refusal::Malformed {
            field: format!("{} bytes after the signature", bytes.len() - r.at),
        });
    }
    let claims = PassClaims {
        key_id,
        pass_id,
        kind,
        subject,
        initials,
        birth_year,
        household_size,
        lap_infants,
        departure,
        valid_from,
        valid_until,
    };
    claims
        .check()
        .map_err(|field| Refusal::Malformed { field })?;
    let mut signature = [0u8; SIGNATURE_LEN];
    signature.copy_from_slice(sig);
    Ok(Parsed {
        claims,
        body_len,
        signature,
    })
}

/// The leeway for clocks when checking validity, and what counts as revoked.
pub struct Check<'a> {
    pub now: i64,
    /// Seconds a device's clock may be off: a pass this close to its window still counts.
    pub leeway: i64,
    pub revoked: &'a dyn Fn(u64) -> bool,
}

/// Signature first (an altered pass says "altered", not "expired"), then revocation, then time.
pub fn verify_bytes(bytes: &[u8], keys: &Keyring, check: &Check) -> Result<PassClaims, Refusal> {
    let parsed = parse(bytes)?;
    verify_parsed(bytes, parsed, keys, check)
}

pub fn verify(text: &str, keys: &Keyring, check: &Check) -> Result<PassClaims, Refusal> {
    verify_bytes(&decode_text(text)?, keys, check)
}

/// Checks only the signature: the claims are authentic, whatever the time or revocations.
pub fn authentic(text: &str, keys: &Keyring) -> Result<PassClaims, Refusal> {
    let bytes = decode_text(text)?;
    let parsed = parse(&bytes)?;
    check_signature(&bytes, &parsed, keys)?;
    Ok(parsed.claims)
}

fn check_signature(bytes: &[u8], parsed: &Parsed, keys: &Keyring) -> Result<(), Refusal> {
    let key = keys.get(parsed.claims.key_id).ok_or(Refusal::UnknownKey {
        key_id: parsed.claims.key_id,
    })?;
    key.verify(
        &bytes[..parsed.body_len],
        &Signature::from_bytes(&parsed.signature),
    )
    .map_err(|_| Refusal::BadSignature)
}

fn verify_parsed(
    bytes: &[u8],
    parsed: Parsed,
    keys: &Keyring,
    check: &Check,
) -> Result<PassClaims, Refusal> {
    check_signature(bytes, &parsed, keys)?;
    let c = parsed.claims;
    if (check.revoked)(c.pass_id) {
        return Err(Refusal::Revoked);
    }
    within_window(&c, check.now, check.leeway)?;
    Ok(c)
}

/// The validity window with a clock leeway on both ends.
pub fn within_window(c: &PassClaims, now: i64, leeway: i64) -> Result<(), Refusal> {
    if now + leeway < c.valid_from {
        return Err(Refusal::NotYetValid { from: c.valid_from });
    }
    if now - leeway > c.valid_until {
        return Err(Refusal::Expired {
            until: c.valid_until,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> PassClaims {
        PassClaims {
            key_id: 0,
            pass_id: 0x0123_4567_89ab_cdef,
            kind: SubjectKind::Household,
            subject: "hh-0193a1b2-7c4d".into(),
            initials: "A.K.".into(),
            birth_year: Some(1984),
            household_size: 5,
            lap_infants: 1,
            departure: "dep-kbl-0825-c17".into(),
            valid_from: 1_629_849_600,
            valid_until: 1_629_936_000,
        }
    }

    fn signer() -> PassSigner {
        PassSigner::from_seed(7, &[42u8; 32])
    }

    fn ring() -> Keyring {
        let mut k = Keyring::new();
        k.add(7, &signer().public_key()).unwrap();
        k
    }

    fn at(now: i64) -> Check<'static> {
        Check {
            now,
            leeway: 300,
            revoked: &|_| false,
        }
    }

    #[test]
    fn round_trip() {
        let t = signer().sign(&claims()).unwrap();
        assert!(t.len() <= MAX_TEXT_LEN, "{} chars", t.len());
        let got = verify(&t, &ring(), &at(1_629_900_000)).unwrap();
        assert_eq!(
            got,
            PassClaims {
                key_id: 7,
                ..claims()
            }
        );
        // A keyboard-wedge scanner's trailing newline does not matter.
        assert!(verify(&format!("{t}\r\n"), &ring(), &at(1_629_900_000)).is_ok());
    }

    #[test]
    fn person_without_birth_year_or_initials() {
        let c = PassClaims {
            kind: SubjectKind::Person,
            initials: String::new(),
            birth_year: None,
            household_size: 1,
            lap_infants: 0,
            subject: "p".into(),
            departure: "d".into(),
            ..claims()
        };
        let b = signer().sign_bytes(&c).unwrap();
        assert_eq!(b.len(), MIN_LEN);
        let got = verify_bytes(&b, &ring(), &at(1_629_900_000)).unwrap();
        assert_eq!(got.birth_year, None);
    }

    #[test]
    fn longest_fits() {
        let c = PassClaims {
            subject: "s".repeat(MAX_ID_LEN),
            departure: "d".repeat(MAX_ID_LEN),
            initials: "i".repeat(MAX_INITIALS_LEN),
            ..claims()
        };
        let b = signer().sign_bytes(&c).unwrap();
        assert_eq!(b.len(), MAX_LEN);
        assert!(parse(&b).is_ok());
        let too_long = PassClaims {
            subject: "s".repeat(MAX_ID_LEN + 1),
            ..claims()
        };
        assert!(signer().sign(&too_long).unwrap_err().contains("subject"));
    }

    #[test]
    fn bad_claims_are_refused_before_signing() {
        for (c, word) in [
            (
                PassClaims {
                    household_size: 0,
                    ..claims()
                },
                "household size",
            ),
            (
                PassClaims {
                    lap_infants: 5,
                    ..claims()
                },
                "lap infants",
            ),
            (
                PassClaims {
                    valid_until: 1,
                    ..claims()
                },
                "validity",
            ),
            (
                PassClaims {
                    departure: String::new(),
                    ..claims()
                },
                "departure",
            ),
            (
                PassClaims {
                    birth_year: Some(0),
                    ..claims()
                },
                "birth year",
            ),
        ] {
            assert!(signer().sign(&c).unwrap_err().contains(word), "{word}");
        }
    }

    #[test]
    fn every_altered_bit_is_refused() {
        let b = signer().sign_bytes(&claims()).unwrap();
        for i in 0..b.len() {
            for bit in 0..8 {
                let mut m = b.clone();
                m[i] ^= 1 << bit;
                let r = verify_bytes(&m, &ring(), &at(1_629_900_000));
                assert!(r.is_err(), "byte {i} bit {bit} accepted");
            }
        }
    }

    #[test]
    fn every_truncation_is_refused() {
        let b = signer().sign_bytes(&claims()).unwrap();
        for n in 0..b.len() {
            let r = verify_bytes(&b[..n], &ring(), &at(1_629_900_000));
            assert!(r.is_err(), "prefix of {n} bytes accepted");
        }
        // Cut inside the signature: that is a truncated pass, said so.
        assert_eq!(
            verify_bytes(&b[..b.len() - 1], &ring(), &at(0)).unwrap_err(),
            Refusal::Truncated
        );
        let mut longer = b.clone();
        longer.push(0);
        assert!(matches!(parse(&longer), Err(Refusal::Malformed { .. })));
    }

    #[test]
    fn every_truncation_of_the_text_is_truncated() {
        let t = signer().sign(&claims()).unwrap();
        for k in 1..t.len() {
            assert_eq!(
                verify(&t[..k], &ring(), &at(0)).unwrap_err(),
                Refusal::Truncated,
                "cut at {k} of {}",
                t.len()
            );
        }
        // One character too many is not a truncation, and never accepted.
        let longer = format!("{t}A");
        assert!(matches!(
            verify(&longer, &ring(), &at(0)),
            Err(Refusal::Unreadable { .. } | Refusal::Malformed { .. })
        ));
    }

    #[test]
    fn forged_with_another_key() {
        let forger = PassSigner::from_seed(7, &[1u8; 32]);
        let t = forger.sign(&claims()).unwrap();
        assert_eq!(
            verify(&t, &ring(), &at(1_629_900_000)).unwrap_err(),
            Refusal::BadSignature
        );
        let other_id = PassSigner::from_seed(8, &[42u8; 32])
            .sign(&claims())
            .unwrap();
        assert_eq!(
            verify(&other_id, &ring(), &at(1_629_900_000)).unwrap_err(),
            Refusal::UnknownKey { key_id: 8 }
        );
    }

    #[test]
    fn altered_field_says_altered() {
        let mut b = signer().sign_bytes(&claims()).unwrap();
        // The household size sits after the subject and initials; bump it.
        let pos = 1 + 4 + 8 + 1 + 1 + claims().subject.len() + 1 + claims().initials.len() + 2;
        assert_eq!(b[pos], 5);
        b[pos] = 9;
        assert_eq!(
            verify_bytes(&b, &ring(), &at(1_629_900_000)).unwrap_err(),
            Refusal::BadSignature
        );
    }

    #[test]
    fn time_window_with_leeway() {
        let t = signer().sign(&claims()).unwrap();
        let c = claims();
        assert!(verify(&t, &ring(), &at(c.valid_from - 299)).is_ok());
        assert_eq!(
            verify(&t, &ring(), &at(c.valid_from - 301)).unwrap_err(),
            Refusal::NotYetValid { from: c.valid_from }
        );
        assert!(verify(&t, &ring(), &at(c.valid_until + 299)).is_ok());
        assert_eq!(
            verify(&t, &ring(), &at(c.valid_until + 301)).unwrap_err(),
            Refusal::Expired {
                until: c.valid_until
            }
        );
    }

    #[test]
    fn revoked() {
        let t = signer().sign(&claims()).unwrap();
        let revoked = |id: u64| id == 0x0123_4567_89ab_cdef;
        let check = Check {
            now: 1_629_900_000,
            leeway: 0,
            revoked: &revoked,
        };
        assert_eq!(verify(&t, &ring(), &check).unwrap_err(), Refusal::Revoked);
        assert_eq!(claims().pass_ref(), "0123456789abcdef");
    }

    #[test]
    fn unreadable_and_versions() {
        assert!(matches!(
            verify("", &ring(), &at(0)),
            Err(Refusal::Unreadable { .. })
        ));
        assert!(matches!(
            verify("not a pass!", &ring(), &at(0)),
            Err(Refusal::Unreadable { .. })
        ));
        assert!(matches!(
            verify(&"A".repeat(MAX_TEXT_LEN + 1), &ring(), &at(0)),
            Err(Refusal::Unreadable { .. })
        ));
        let mut b = signer().sign_bytes(&claims()).unwrap();
        b[0] = 2;
        assert_eq!(
            verify_bytes(&b, &ring(), &at(0)).unwrap_err(),
            Refusal::WrongVersion { version: 2 }
        );
    }

    #[test]
    fn random_bytes_never_panic() {
        // A small xorshift walk over lengths and contents; the fuzz target goes further.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % (MAX_LEN as u64 + 8)) as usize;
            let mut b: Vec<u8> = (0..len).map(|i| (x >> (i % 56)) as u8).collect();
            if let Some(first) = b.first_mut() {
                *first = VERSION;
            }
            assert!(verify_bytes(&b, &ring(), &at(0)).is_err());
        }
    }

    /// The fuzzer's kept corpus and seeds, replayed on every test run with the target's own
    /// checks: a refusal or a pass within the limits, one encoding per pass, and nothing but
    /// the real key's signature accepted.
    #[test]
    fn the_fuzz_corpus_replays() {
        let signer = PassSigner::from_seed(1, &[7u8; 32]);
        let mut keys = Keyring::new();
        keys.add(1, &signer.public_key()).unwrap();
        let check = Check {
            now: 1_629_900_000,
            leeway: 300,
            revoked: &|id| id == 13,
        };
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
        let mut files = 0;
        let mut verified = 0;
        for dir in ["corpus/parse_token", "seeds/parse_token"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let data = std::fs::read(entry.unwrap().path()).unwrap();
                files += 1;
                if let Ok(p) = parse(&data) {
                    assert!(data.len() <= MAX_LEN);
                    assert!(p.claims.check().is_ok());
                    let again = signer.sign_bytes(&p.claims).unwrap();
                    assert_eq!(again.len(), data.len());
                }
                if let Ok(c) = verify_bytes(&data, &keys, &check) {
                    assert_eq!(signer.sign_bytes(&c).unwrap().as_slice(), data.as_slice());
                    verified += 1;
                }
                if let Ok(text) = std::str::from_utf8(&data) {
                    let _ = verify(text, &keys, &check);
                }
            }
        }
        assert!(files > 100, "the corpus has {files} files");
        assert!(verified >= 1, "the seeds hold a valid pass");
    }
}

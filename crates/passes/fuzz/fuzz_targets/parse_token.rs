//! Any bytes as a scanned pass: as raw token bytes and as QR text. A refusal or a pass whose
//! fields respect the limits, never a panic; and nothing but a real signature is accepted.
#![no_main]

use drawdown_passes::token::{MAX_LEN, PassSigner};
use drawdown_passes::{Check, Keyring, parse, verify, verify_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let signer = PassSigner::from_seed(1, &[7u8; 32]);
    let mut keys = Keyring::new();
    keys.add(1, &signer.public_key()).expect("valid key");
    let check = Check {
        now: 1_629_900_000,
        leeway: 300,
        revoked: &|id| id == 13,
    };
    if let Ok(p) = parse(data) {
        assert!(data.len() <= MAX_LEN);
        assert!(p.claims.check().is_ok());
        // Re-signing what was parsed gives back the same body: the format has one encoding.
        let again = signer.sign_bytes(&p.claims).expect("parsed claims sign");
        assert_eq!(again.len(), data.len());
    }
    if let Ok(c) = verify_bytes(data, &keys, &check) {
        // Only the real key signs; libFuzzer cannot forge Ed25519, so this is the seed itself.
        assert_eq!(signer.sign_bytes(&c).expect("signs").as_slice(), data);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = verify(text, &keys, &check);
    }
});

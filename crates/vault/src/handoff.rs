//! Encrypted hand-off to headquarters with age (X25519 recipients only).

use crate::VaultError;

/// Encrypts `plaintext` to an age X25519 recipient (`age1...`); returns ASCII-armored
/// output (`-----BEGIN AGE ENCRYPTED FILE-----`), decryptable with the stock `age` tool.
pub fn handoff_encrypt(recipient: &str, plaintext: &[u8]) -> Result<Vec<u8>, VaultError> {
    let recipient: age::x25519::Recipient = recipient.trim().parse().map_err(|e: &str| {
        VaultError::BadRecipient(format!("{e} (expected an age X25519 public key, age1...)"))
    })?;
    let armored = age::encrypt_and_armor(&recipient, plaintext)
        .map_err(|e| VaultError::Crypto(format!("age encryption failed: {e}")))?;
    Ok(armored.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use age::secrecy::ExposeSecret;
    use std::io::Read;

    fn decrypt(identity: &age::x25519::Identity, armored: &[u8]) -> Vec<u8> {
        let decryptor =
            age::Decryptor::new_buffered(age::armor::ArmoredReader::new(armored)).unwrap();
        let mut reader = decryptor
            .decrypt(std::iter::once(identity as &dyn age::Identity))
            .unwrap();
        let mut out = Vec::new();
        reader.read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn round_trip_to_generated_identity() {
        let identity = age::x25519::Identity::generate();
        let recipient = identity.to_public().to_string();
        let msg = "name,category\nMohammad Karimi,SIV\n".repeat(500);
        let out = handoff_encrypt(&recipient, msg.as_bytes()).unwrap();
        let text = std::str::from_utf8(&out).unwrap();
        assert!(text.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"));
        assert!(
            text.trim_end()
                .ends_with("-----END AGE ENCRYPTED FILE-----")
        );
        assert!(!text.contains("Karimi"));
        assert_eq!(decrypt(&identity, &out), msg.as_bytes());
        // Pasted recipients often carry a newline.
        let out = handoff_encrypt(&format!(" {recipient}\n"), b"x").unwrap();
        assert_eq!(decrypt(&identity, &out), b"x");
    }

    #[test]
    fn empty_payload_round_trips() {
        let identity = age::x25519::Identity::generate();
        let out = handoff_encrypt(&identity.to_public().to_string(), b"").unwrap();
        assert!(decrypt(&identity, &out).is_empty());
    }

    #[test]
    fn other_identity_cannot_decrypt() {
        let identity = age::x25519::Identity::generate();
        let other = age::x25519::Identity::generate();
        let out = handoff_encrypt(&identity.to_public().to_string(), b"secret").unwrap();
        let decryptor =
            age::Decryptor::new_buffered(age::armor::ArmoredReader::new(&out[..])).unwrap();
        assert!(
            decryptor
                .decrypt(std::iter::once(&other as &dyn age::Identity))
                .is_err()
        );
    }

    #[test]
    fn bad_recipients_rejected() {
        let identity = age::x25519::Identity::generate();
        let good = identity.to_public().to_string();
        let secret = identity.to_string();
        let cases = [
            String::new(),
            "age1".to_string(),
            "not a key".to_string(),
            good[..good.len() - 1].to_string(),
            format!("{good}x"),
            // A secret key is not a recipient.
            secret.expose_secret().to_string(),
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB+VHtZ6isGN"
                .to_string(),
        ];
        for c in cases {
            match handoff_encrypt(&c, b"x") {
                Err(VaultError::BadRecipient(reason)) => assert!(!reason.is_empty()),
                other => panic!("{c:?}: {:?}", other.map(|_| ())),
            }
        }
    }
}

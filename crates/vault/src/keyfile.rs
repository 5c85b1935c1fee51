//! Key files: `drawdown-key-v1:` + base64(32 random bytes) + newline.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use rand::rngs::OsRng;
use zeroize::Zeroizing;

use crate::VaultError;
use crate::primitives::{KEY_LEN, Key32};

const PREFIX: &str = "drawdown-key-v1:";
/// base64 of 32 bytes with padding.
const B64_LEN: usize = 44;

/// A new key file's contents: `"drawdown-key-v1:" + base64(32 random bytes) + "\n"`.
pub fn generate_key_file() -> Zeroizing<String> {
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    OsRng.fill_bytes(&mut key[..]);
    // Exact capacity: the string never reallocates, so no unzeroized copy is left behind.
    let mut out = Zeroizing::new(String::with_capacity(PREFIX.len() + B64_LEN + 1));
    out.push_str(PREFIX);
    STANDARD.encode_string(&key[..], &mut out);
    out.push('\n');
    out
}

/// Parses a key file's contents. Trailing whitespace (newline, CRLF from an editor) is
/// tolerated; anything else is rejected so a wrong file is never mistaken for a key.
pub(crate) fn parse_key_file(bytes: &[u8]) -> Result<Key32, VaultError> {
    let bad = |why: &str| VaultError::BadKeyFile(why.to_string());
    let text = std::str::from_utf8(bytes).map_err(|_| bad("not a text file"))?;
    let b64 = text
        .trim_end()
        .strip_prefix(PREFIX)
        .ok_or_else(|| bad("expected a line starting with \"drawdown-key-v1:\""))?;
    if b64.len() != B64_LEN {
        return Err(bad("the key must be 32 bytes in base64"));
    }
    // One spare byte: base64's length estimate for 44 characters is 33.
    let mut buf = Zeroizing::new([0u8; KEY_LEN + 1]);
    let n = STANDARD
        .decode_slice(b64, &mut buf[..])
        .map_err(|_| bad("the key is not valid base64"))?;
    let (key, _) = crate::primitives::split_array::<KEY_LEN>(&buf[..])
        .filter(|_| n == KEY_LEN)
        .ok_or_else(|| bad("the key must be 32 bytes in base64"))?;
    Ok(Zeroizing::new(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_file_has_the_documented_format_and_parses() {
        let f = generate_key_file();
        assert!(f.starts_with("drawdown-key-v1:"));
        assert!(f.ends_with('\n'));
        assert_eq!(f.len(), 16 + 44 + 1);
        let key = parse_key_file(f.as_bytes()).unwrap();
        let again = STANDARD
            .decode(f.trim_end().strip_prefix(PREFIX).unwrap())
            .unwrap();
        assert_eq!(&key[..], &again[..]);
    }

    #[test]
    fn generated_files_differ() {
        assert_ne!(*generate_key_file(), *generate_key_file());
    }

    #[test]
    fn trailing_whitespace_tolerated() {
        let f = generate_key_file();
        let k1 = parse_key_file(f.as_bytes()).unwrap();
        let crlf = format!("{}\r\n\r\n  \t", f.trim_end());
        assert_eq!(*parse_key_file(crlf.as_bytes()).unwrap(), *k1);
        assert_eq!(*parse_key_file(f.trim_end().as_bytes()).unwrap(), *k1);
    }

    #[test]
    fn malformed_key_files_rejected() {
        let good = generate_key_file();
        let b64 = good.trim_end().strip_prefix(PREFIX).unwrap().to_string();
        let cases: Vec<Vec<u8>> = vec![
            Vec::new(),
            b"\n".to_vec(),
            b"drawdown-key-v1:".to_vec(),
            format!("drawdown-key-v2:{b64}\n").into_bytes(),
            format!(" drawdown-key-v1:{b64}\n").into_bytes(),
            format!("{b64}\n").into_bytes(),
            format!("drawdown-key-v1: {b64}\n").into_bytes(),
            format!("drawdown-key-v1:{}\n", &b64[..40]).into_bytes(),
            format!("drawdown-key-v1:{b64}AAAA\n").into_bytes(),
            format!("drawdown-key-v1:{}\n", b64.trim_end_matches('=')).into_bytes(),
            format!("drawdown-key-v1:{}!\n", &b64[..43]).into_bytes(),
            format!("drawdown-key-v1:{b64}\nextra line\n").into_bytes(),
            // 33 bytes of key material.
            format!("drawdown-key-v1:{}\n", STANDARD.encode([1u8; 33])).into_bytes(),
            // 31 bytes.
            format!("drawdown-key-v1:{}\n", STANDARD.encode([1u8; 31])).into_bytes(),
            vec![0xff, 0xfe, 0x00],
            b"-----BEGIN AGE ENCRYPTED FILE-----\n".to_vec(),
        ];
        for c in cases {
            match parse_key_file(&c) {
                Err(VaultError::BadKeyFile(_)) => {}
                other => panic!("{:?} accepted or wrong error: {:?}", c, other.map(|_| ())),
            }
        }
    }
}

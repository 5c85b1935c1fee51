use std::fmt;

/// How a vault is unlocked; used to explain a [`VaultError::WrongUnlockKind`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnlockKind {
    Passphrase,
    KeyFile,
}

impl fmt::Display for UnlockKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UnlockKind::Passphrase => "a passphrase",
            UnlockKind::KeyFile => "a key file",
        })
    }
}

impl UnlockKind {
    fn other(self) -> UnlockKind {
        match self {
            UnlockKind::Passphrase => UnlockKind::KeyFile,
            UnlockKind::KeyFile => UnlockKind::Passphrase,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The passphrase or key file does not unwrap the root key.
    #[error("wrong passphrase or key file")]
    WrongKey,
    /// The vault needs the given kind of unlock, and the other kind was supplied.
    #[error("this vault is unlocked with {0}, not {other}", other = .0.other())]
    WrongUnlockKind(UnlockKind),
    #[error("not a valid Drawdown key file: {0}")]
    BadKeyFile(String),
    #[error("a vault passphrase must not be empty")]
    EmptyPassphrase,
    /// A sealed record was tampered with, truncated, or sealed with another vault or
    /// another associated data.
    #[error("encrypted record is corrupt or does not belong to this vault")]
    Corrupt,
    #[error("invalid vault header: {0}")]
    BadHeader(String),
    #[error("invalid age recipient: {0}")]
    BadRecipient(String),
    /// Failure of the random source or a primitive; not caused by the caller's input.
    #[error("cryptographic failure: {0}")]
    Crypto(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_clear() {
        assert_eq!(
            VaultError::WrongKey.to_string(),
            "wrong passphrase or key file"
        );
        assert_eq!(
            VaultError::WrongUnlockKind(UnlockKind::KeyFile).to_string(),
            "this vault is unlocked with a key file, not a passphrase"
        );
        assert_eq!(
            VaultError::WrongUnlockKind(UnlockKind::Passphrase).to_string(),
            "this vault is unlocked with a passphrase, not a key file"
        );
    }

    #[test]
    fn error_is_send_sync_static() {
        fn check<T: std::error::Error + Send + Sync + 'static>() {}
        check::<VaultError>();
    }
}

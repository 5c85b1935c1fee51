use crate::auth::LoginLimiter;
use drawdown_storage::Store;
use drawdown_vault::{Vault, VaultHeader};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use time::OffsetDateTime;

/// Settings fixed at start.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// Where the server may write files (hand-off exports).
    pub data_dir: PathBuf,
    /// Shown on the login page of a demo deployment.
    pub demo: bool,
}

/// The vault as the running server holds it.
pub enum VaultSlot {
    /// No vault in the database yet (`drawdown init` makes one).
    Missing,
    /// A vault exists; an operator must unlock it before personal data can be read or written.
    Locked(VaultHeader),
    /// Shared so a request can hold it across awaits; a wipe drops the slot's reference and
    /// the keys go (zeroized) when the last request using them ends.
    Unlocked(Arc<Vault>),
    /// The key material was destroyed: personal data is unrecoverable.
    Wiped,
}

impl VaultSlot {
    pub fn label(&self) -> &'static str {
        match self {
            VaultSlot::Missing => "missing",
            VaultSlot::Locked(_) => "locked",
            VaultSlot::Unlocked(_) => "unlocked",
            VaultSlot::Wiped => "wiped",
        }
    }
}

type Clock = dyn Fn() -> OffsetDateTime + Send + Sync;

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub vault: Arc<RwLock<VaultSlot>>,
    pub config: Arc<WebConfig>,
    pub(crate) limiter: Arc<LoginLimiter>,
    clock: Arc<Clock>,
}

impl AppState {
    pub fn new(store: Store, vault: VaultSlot, config: WebConfig) -> Self {
        AppState {
            store,
            vault: Arc::new(RwLock::new(vault)),
            config: Arc::new(config),
            limiter: Arc::new(LoginLimiter::default()),
            clock: Arc::new(OffsetDateTime::now_utc),
        }
    }

    /// Replaces the clock (tests move time forward to expire sessions and wipe requests).
    pub fn with_clock(
        mut self,
        clock: impl Fn() -> OffsetDateTime + Send + Sync + 'static,
    ) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    pub fn now(&self) -> OffsetDateTime {
        (self.clock)()
    }

    /// The unlocked vault, or why personal data cannot be reached.
    pub fn vault(&self) -> Result<Arc<Vault>, crate::WebError> {
        let slot = self
            .vault
            .read()
            .map_err(|_| crate::WebError::Internal("vault lock poisoned".into()))?;
        match &*slot {
            VaultSlot::Unlocked(v) => Ok(Arc::clone(v)),
            VaultSlot::Wiped => Err(crate::WebError::Wiped),
            VaultSlot::Locked(_) | VaultSlot::Missing => Err(crate::WebError::VaultLocked),
        }
    }

    pub fn vault_label(&self) -> &'static str {
        self.vault.read().map(|s| s.label()).unwrap_or("unknown")
    }

    /// Drops the keys from memory (their Drop zeroizes them).
    pub fn mark_wiped(&self) {
        if let Ok(mut slot) = self.vault.write() {
            *slot = VaultSlot::Wiped;
        }
    }
}

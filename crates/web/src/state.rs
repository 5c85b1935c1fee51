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
    /// Device tokens lately found live (auth::TokenCache).
    pub(crate) tokens: Arc<crate::auth::TokenCache>,
    pub(crate) desk: Arc<ImportDesk>,
    /// The last resolution run's index and weights, for explanations and for matching one new
    /// row at once. Held in memory only: it carries how common each name is.
    matcher: Arc<RwLock<Option<Arc<crate::services::registry::Matcher>>>>,
    /// Bumped by every new matcher, so that a slow background refresh never replaces a newer
    /// one; and whether a refresh is running or wanted.
    matcher_generation: Arc<std::sync::atomic::AtomicU64>,
    refresh: Arc<std::sync::Mutex<Refresh>>,
    clock: Arc<Clock>,
    /// Accountability's scan writer (group commit) and cached keys and checkpoints.
    pub(crate) accountability: Arc<crate::services::accountability::Desk>,
    /// Self-registration intake, alert channels, the outbox worker (services::outreach).
    pub outreach: Arc<crate::services::outreach::Outreach>,
}

#[derive(Default)]
struct Refresh {
    running: bool,
    again: bool,
}

impl AppState {
    pub fn new(store: Store, vault: VaultSlot, config: WebConfig) -> Self {
        AppState {
            store,
            vault: Arc::new(RwLock::new(vault)),
            config: Arc::new(config),
            limiter: Arc::new(LoginLimiter::default()),
            tokens: Arc::default(),
            desk: Arc::new(ImportDesk::default()),
            matcher: Arc::new(RwLock::new(None)),
            matcher_generation: Arc::default(),
            refresh: Arc::default(),
            clock: Arc::new(OffsetDateTime::now_utc),
            accountability: Arc::default(),
            outreach: Arc::new(crate::services::outreach::Outreach::from_env()),
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

    /// The post's "now" for what its pages call today: the scenario clock's time when the post
    /// runs a scenario (the demo is set in August 2021), else the real clock. Sessions, audit
    /// entries and passes keep the real clock ([`AppState::now`]).
    pub async fn scenario_now(&self) -> Result<OffsetDateTime, crate::WebError> {
        let now = self.now();
        Ok(match self.store.scenario_clock().await? {
            Some((at, set_at)) => scenario_time(&at, &set_at, now).unwrap_or(now),
            None => now,
        })
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

    pub fn set_matcher(&self, matcher: crate::services::registry::Matcher) {
        if let Ok(mut m) = self.matcher.write() {
            *m = Some(Arc::new(matcher));
            self.matcher_generation
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    /// Rebuilds the matcher from the stored registry in the background (after a restart, an
    /// unlock, a person added by hand). Requests that come while one runs are folded into one
    /// more run; a result older than a matcher set meanwhile is dropped.
    pub fn refresh_matcher(&self) {
        {
            let Ok(mut r) = self.refresh.lock() else {
                return;
            };
            if r.running {
                r.again = true;
                return;
            }
            r.running = true;
        }
        let state = self.clone();
        tokio::spawn(async move {
            loop {
                let generation = state
                    .matcher_generation
                    .load(std::sync::atomic::Ordering::SeqCst);
                let restored = match state.vault() {
                    Ok(vault) => {
                        crate::services::registry::restore_matcher(&state.store, &vault).await
                    }
                    Err(_) => Ok(None),
                };
                match restored {
                    Ok(Some(m)) => {
                        if let Ok(mut slot) = state.matcher.write()
                            && state
                                .matcher_generation
                                .compare_exchange(
                                    generation,
                                    generation + 1,
                                    std::sync::atomic::Ordering::SeqCst,
                                    std::sync::atomic::Ordering::SeqCst,
                                )
                                .is_ok()
                        {
                            *slot = Some(Arc::new(m));
                            tracing::info!(
                                rows = slot.as_ref().map_or(0, |m| m.index.len()),
                                "matcher restored from the registry"
                            );
                        }
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, "could not restore the matcher"),
                }
                let Ok(mut r) = state.refresh.lock() else {
                    return;
                };
                if r.again {
                    r.again = false;
                } else {
                    r.running = false;
                    return;
                }
            }
        });
    }

    pub fn matcher(&self) -> Option<Arc<crate::services::registry::Matcher>> {
        self.matcher.read().ok().and_then(|m| m.clone())
    }

    pub fn vault_label(&self) -> &'static str {
        self.vault.read().map(|s| s.label()).unwrap_or("unknown")
    }

    /// Drops the keys from memory (their Drop zeroizes them), and with them everything else
    /// personal the server holds: uploads waiting for their import, the model's name counts.
    pub fn mark_wiped(&self) {
        if let Ok(mut slot) = self.vault.write() {
            *slot = VaultSlot::Wiped;
        }
        if let Ok(mut m) = self.matcher.write() {
            *m = None;
        }
        self.outreach.forget_people();
        if let Ok(mut staged) = self.desk.staged.lock() {
            for s in staged.values_mut() {
                zeroize::Zeroize::zeroize(&mut s.bytes);
            }
            staged.clear();
        }
    }
}

/// A file uploaded for import, kept in memory between the dry run and the commit (never on
/// disk: it holds personal data in the clear).
pub struct Staged {
    pub owner: String,
    pub source: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub at: std::time::Instant,
}

/// A long import running in the background, as the progress page shows it.
#[derive(Clone, Debug)]
pub enum Job {
    Running { owner: String, stage: String },
    Done { owner: String, summary: String },
    Failed { owner: String, error: String },
}

impl Job {
    pub fn owner(&self) -> &str {
        match self {
            Job::Running { owner, .. } | Job::Done { owner, .. } | Job::Failed { owner, .. } => {
                owner
            }
        }
    }
}

/// Uploads waiting for their commit, and import jobs.
#[derive(Default)]
pub struct ImportDesk {
    pub staged: std::sync::Mutex<std::collections::HashMap<String, Staged>>,
    pub jobs: std::sync::Mutex<std::collections::HashMap<String, Job>>,
}

impl ImportDesk {
    /// Uploads are dropped after this long, and beyond this many bytes in all.
    pub const KEEP: std::time::Duration = std::time::Duration::from_secs(30 * 60);
    pub const MAX_STAGED_BYTES: usize = 1 << 30;

    pub fn stage(&self, token: String, s: Staged) -> Result<(), crate::WebError> {
        let mut map = self
            .staged
            .lock()
            .map_err(|_| crate::WebError::Internal("desk lock".into()))?;
        map.retain(|_, v| v.at.elapsed() < Self::KEEP);
        let held: usize = map.values().map(|v| v.bytes.len()).sum();
        if held + s.bytes.len() > Self::MAX_STAGED_BYTES {
            return Err(crate::WebError::BadRequest(
                "too many uploads are waiting: commit or wait for earlier ones".into(),
            ));
        }
        map.insert(token, s);
        Ok(())
    }

    /// A copy of an upload, if it exists and belongs to `owner`.
    pub fn staged(&self, token: &str, owner: &str) -> Option<(String, String, Vec<u8>)> {
        let map = self.staged.lock().ok()?;
        map.get(token)
            .filter(|s| s.owner == owner && s.at.elapsed() < Self::KEEP)
            .map(|s| (s.source.clone(), s.file_name.clone(), s.bytes.clone()))
    }

    pub fn take(&self, token: &str) {
        if let Ok(mut map) = self.staged.lock() {
            map.remove(token);
        }
    }

    pub fn set_job(&self, id: &str, job: Job) {
        if let Ok(mut map) = self.jobs.lock() {
            map.insert(id.to_string(), job);
        }
    }

    pub fn job(&self, id: &str) -> Option<Job> {
        self.jobs.lock().ok()?.get(id).cloned()
    }
}

/// The scenario's time at real time `now`, for a clock set to `scenario_at` at real time
/// `set_at` (both RFC 3339): it runs on as real time passes.
pub fn scenario_time(
    scenario_at: &str,
    set_at: &str,
    now: OffsetDateTime,
) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    let at = OffsetDateTime::parse(scenario_at, &Rfc3339).ok()?;
    let set = OffsetDateTime::parse(set_at, &Rfc3339).ok()?;
    Some(at + (now - set))
}

#[cfg(test)]
mod scenario_tests {
    use super::scenario_time;
    use time::macros::datetime;

    #[test]
    fn the_scenario_clock_runs_on_from_where_it_was_set() {
        let now = datetime!(2025-03-01 12:30 UTC);
        let t = scenario_time("2021-08-15T10:00:00Z", "2025-03-01T12:00:00Z", now);
        assert_eq!(t, Some(datetime!(2021-08-15 10:30 UTC)));
        assert_eq!(
            scenario_time("not a time", "2025-03-01T12:00:00Z", now),
            None
        );
    }
}

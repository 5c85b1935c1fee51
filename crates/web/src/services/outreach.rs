//! Outreach: the public self-registration intake (group-committed), and alerts to segments
//! of the registry with their outbox (see `outbox` below).
//!
//! Self-registrations are rows of the list "Self-registration", sealed like every list's
//! rows, resolved with the others by the next resolution run. A submission is acknowledged
//! only once its batch is committed (SQLite `synchronous = FULL`, or PostgreSQL's commit):
//! the group commit of `drawdown_storage::batch` takes everything that queued while the
//! previous batch was being written, so a surge costs one fsync per batch, not one per person.

use crate::WebError;
use crate::services::registry::{RowValues, seal_row};
use drawdown_domain::audit::AuditEvent;
use drawdown_outreach::registration::Registration;
use drawdown_storage::Store;
use drawdown_storage::batch::{BatchConfig, BatchError, Batcher};
use drawdown_storage::outreach::{NewRegistration, RegistrationItem, RegistrationWriter};
use drawdown_storage::registry::NewSourceRow;
use drawdown_vault::Vault;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use time::OffsetDateTime;

/// The list self-registrations belong to.
pub const SELF_REGISTRATION: &str = "Self-registration";

/// Submissions waiting for the writer beyond this are refused at once ("try again in a few
/// minutes", the form kept) rather than queued without bound.
const INTAKE_QUEUE: usize = 16_384;
/// Registrations in one transaction at most.
const MAX_BATCH: usize = 1_024;
/// A form token is good for this long after the form was shown.
pub const FORM_VALID_SECONDS: i64 = 2 * 3600;

/// Settings read at start from the environment (`drawdown serve --help` lists them).
#[derive(Clone, Debug)]
pub struct RegisterSettings {
    /// Submissions a minute from one address (0: no limit). Mobile networks put many people
    /// behind one address: keep it generous.
    pub per_address_per_minute: u32,
    /// A form sent back sooner than this after it was shown is a bot's.
    pub min_fill_seconds: i64,
}

impl Default for RegisterSettings {
    fn default() -> Self {
        RegisterSettings {
            per_address_per_minute: 30,
            min_fill_seconds: 3,
        }
    }
}

fn env_num<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

/// What the server holds for outreach.
pub struct Outreach {
    pub register: RegisterSettings,
    pub channels: outbox::Channels,
    intake: OnceLock<Batcher<RegistrationWriter>>,
    used_tokens: Mutex<HashMap<String, i64>>,
    /// Per address: the times (ms) of its submissions in the last minute, oldest first.
    per_address: Mutex<HashMap<String, std::collections::VecDeque<i64>>>,
    /// What the registry says of every person, for segments, with the registry's fingerprint
    /// when it was read (rebuilt when the registry changes).
    #[allow(clippy::type_complexity)]
    pub(crate) facts: Mutex<Option<((i64, String), Arc<Vec<drawdown_outreach::PersonFacts>>)>>,
    pub(crate) worker: outbox::WorkerHandle,
}

impl Outreach {
    pub fn from_env() -> Outreach {
        let d = RegisterSettings::default();
        Outreach {
            register: RegisterSettings {
                per_address_per_minute: env_num("DRAWDOWN_REGISTER_PER_MINUTE")
                    .unwrap_or(d.per_address_per_minute),
                min_fill_seconds: env_num("DRAWDOWN_REGISTER_MIN_SECONDS")
                    .unwrap_or(d.min_fill_seconds),
            },
            channels: outbox::Channels::from_env(),
            intake: OnceLock::new(),
            used_tokens: Mutex::new(HashMap::new()),
            per_address: Mutex::new(HashMap::new()),
            facts: Mutex::new(None),
            worker: outbox::WorkerHandle::default(),
        }
    }

    /// Keeps the outbox worker from starting on this state: the demo records deliveries as
    /// the outbox would, without sending anything to anyone.
    pub fn hold_outbox(&self) {
        self.worker.hold();
    }

    /// Drops what is held in memory about people (the wipe).
    pub fn forget_people(&self) {
        if let Ok(mut f) = self.facts.lock() {
            *f = None;
        }
    }

    /// Counts a submission from `address`; false when it already made `limit` in the last
    /// sixty seconds. A sliding window: a fixed calendar minute would let a flood through
    /// twice over at the turn of the minute.
    pub fn admit(&self, address: &str, now: OffsetDateTime, limit: u32) -> bool {
        if limit == 0 {
            return true;
        }
        let now_ms = (now.unix_timestamp_nanos() / 1_000_000) as i64;
        let since = now_ms - 60_000;
        let Ok(mut map) = self.per_address.lock() else {
            return false;
        };
        if map.len() > 100_000 {
            map.retain(|_, times| times.back().is_some_and(|&t| t > since));
        }
        let times = map.entry(address.to_string()).or_default();
        while times.front().is_some_and(|&t| t <= since) {
            times.pop_front();
        }
        if times.len() >= limit as usize {
            return false;
        }
        times.push_back(now_ms);
        true
    }
}

/// Problems with a form token, as the page words them.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenProblem {
    /// Forged, too old, reused, or sent back sooner than a person could have filled it.
    Expired,
    TooFast,
}

/// A form token: when the form was shown, a random nonce, and a MAC under the vault's index
/// key (so every server sharing the database accepts it, and none without the vault).
pub fn form_token(vault: &Vault, now: OffsetDateTime) -> String {
    let nonce = crate::auth::random_token();
    let nonce = &nonce[..nonce.len().min(22)];
    let body = format!("{}.{nonce}", now.unix_timestamp());
    let mac = vault.blind_index("register-form", &body);
    format!("{body}.{mac}")
}

/// Checks a form token and spends it (each is good once). `min_seconds`: how long a person
/// needs at least to fill the form in.
pub fn spend_token(
    o: &Outreach,
    vault: &Vault,
    token: &str,
    now: OffsetDateTime,
    min_seconds: i64,
) -> Result<(), TokenProblem> {
    let mut parts = token.trim().rsplitn(2, '.');
    let (Some(mac), Some(body)) = (parts.next(), parts.next()) else {
        return Err(TokenProblem::Expired);
    };
    if !crate::auth::same_token(&vault.blind_index("register-form", body), mac) {
        return Err(TokenProblem::Expired);
    }
    let issued: i64 = body
        .split('.')
        .next()
        .and_then(|t| t.parse().ok())
        .ok_or(TokenProblem::Expired)?;
    let age = now.unix_timestamp() - issued;
    if !(0..=FORM_VALID_SECONDS).contains(&age) {
        return Err(TokenProblem::Expired);
    }
    if age < min_seconds {
        return Err(TokenProblem::TooFast);
    }
    let mut used = o.used_tokens.lock().map_err(|_| TokenProblem::Expired)?;
    if used.len() > 200_000 {
        let oldest = now.unix_timestamp() - FORM_VALID_SECONDS;
        used.retain(|_, at| *at >= oldest);
    }
    if used.insert(body.to_string(), issued).is_some() {
        return Err(TokenProblem::Expired);
    }
    Ok(())
}

/// Crockford's base32 (no I, L, O, U): read aloud and typed on a phone without confusion.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn code(chars: usize) -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..chars)
        .map(|_| ALPHABET[rng.gen_range(0..32)] as char)
        .collect()
}

/// A reference as people are given it: `SR-XXXX-XXXX` (40 bits).
pub fn new_reference() -> String {
    let c = code(8);
    format!("SR-{}-{}", &c[..4], &c[4..])
}

/// A secret to update a registration with: 12 characters (60 bits), in groups of four.
pub fn new_secret() -> String {
    let c = code(12);
    format!("{}-{}-{}", &c[..4], &c[4..8], &c[8..])
}

/// How references and secrets are compared: case and separators ignored.
pub fn normalise_code(s: &str) -> String {
    s.trim()
        .to_uppercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| match c {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect()
}

pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(normalise_code(secret).as_bytes()))
}

/// What a person gets back: their reference and the secret (shown once).
#[derive(Clone, Debug)]
pub struct Receipt {
    pub reference: String,
    pub secret: String,
    pub people: usize,
}

/// Seals a registration's rows (the caller's thread does the crypto, the writer only writes).
fn sealed_rows(
    vault: &Vault,
    reg: &Registration,
    household: &str,
    ids: &[String],
) -> Result<Vec<NewSourceRow>, WebError> {
    reg.rows(household)
        .into_iter()
        .zip(ids)
        .map(|(values, id)| {
            let values = RowValues(values);
            let record_key = vault.blind_index(&format!("row-id:{SELF_REGISTRATION}"), id);
            let content_key = vault.blind_index(
                &format!("row-content:{SELF_REGISTRATION}"),
                &values.canonical(),
            );
            seal_row(vault, id.clone(), record_key, content_key, 0, &values)
        })
        .collect()
}

/// What became of a submission.
pub enum Intake {
    Accepted(Receipt),
    /// The writer's queue is full: the person is asked to send again in a few minutes.
    Busy,
}

/// Accepts one registration durably (returns once its batch is committed).
pub async fn register(
    store: &Store,
    outreach: &Outreach,
    vault: &Vault,
    reg: &Registration,
    clock: Arc<dyn Fn() -> OffsetDateTime + Send + Sync>,
) -> Result<Intake, WebError> {
    let reference = new_reference();
    let secret = new_secret();
    let household = reference.clone();
    let ids: Vec<String> = (0..=reg.members.len())
        .map(|_| uuid::Uuid::now_v7().to_string())
        .collect();
    let rows = sealed_rows(vault, reg, &household, &ids)?;
    let people = rows.len();
    let item = RegistrationItem {
        registration: NewRegistration {
            reference: reference.clone(),
            secret_hash: secret_hash(&secret),
            language: reg.language.code().to_string(),
            row_ids: serde_json::to_string(&ids).map_err(|e| WebError::Internal(e.to_string()))?,
        },
        rows,
    };
    let intake = outreach.intake.get_or_init(|| {
        Batcher::spawn(
            store.clone(),
            BatchConfig {
                max_items: MAX_BATCH,
                queue_depth: INTAKE_QUEUE,
            },
            RegistrationWriter {
                list: SELF_REGISTRATION.into(),
                new_list_id: uuid::Uuid::now_v7().to_string(),
                clock,
            },
        )
    });
    match intake.submit(item).await {
        Ok(()) => Ok(Intake::Accepted(Receipt {
            reference,
            secret,
            people,
        })),
        Err(BatchError::Busy) => Ok(Intake::Busy),
        Err(e) => {
            tracing::error!(error = %e, "a self-registration was not written");
            Err(WebError::Internal(e.to_string()))
        }
    }
}

/// The registration behind a reference, if the secret matches. The same error for an
/// unknown reference and a wrong secret: nothing tells whether someone is registered.
pub async fn open_registration(
    store: &Store,
    vault: &Vault,
    reference: &str,
    secret: &str,
) -> Result<Option<(drawdown_storage::outreach::RegistrationRecord, Registration)>, WebError> {
    let reference = format_reference(reference);
    let found = store.registration(&reference).await?;
    let expected = found
        .as_ref()
        .map(|r| r.secret_hash.clone())
        .unwrap_or_else(|| "0".repeat(64));
    let ok = crate::auth::same_token(&secret_hash(secret), &expected) && found.is_some();
    let Some(rec) = found.filter(|_| ok) else {
        return Ok(None);
    };
    let ids: Vec<String> =
        serde_json::from_str(&rec.row_ids).map_err(|e| WebError::Internal(e.to_string()))?;
    let sealed = store.sealed_rows(&ids).await?;
    let mut values = Vec::new();
    for id in &ids {
        if let Some((_, blob)) = sealed.iter().find(|(i, _)| i == id) {
            let plain = vault.open_sealed(&crate::services::registry::row_aad(id), blob)?;
            let v: RowValues = serde_json::from_slice(&plain)
                .map_err(|e| WebError::Internal(format!("row {id}: {e}")))?;
            values.push(v);
        }
    }
    let language = drawdown_outreach::Language::parse(&rec.language)
        .unwrap_or(drawdown_outreach::Language::En);
    let mut form: HashMap<String, String> = HashMap::new();
    for (i, v) in values.iter().enumerate() {
        let g = |k: &str| v.0.get(k).cloned().unwrap_or_default();
        if i == 0 {
            form.insert("given_name".into(), g("given_name"));
            form.insert("family_name".into(), g("family_name"));
            form.insert("birth_date".into(), g("date_of_birth"));
            form.insert("document_number".into(), g("passport_no"));
            form.insert("phone".into(), g("phone"));
            form.insert("email".into(), g("email"));
            form.insert("province".into(), g("province"));
            form.insert("status".into(), g("claimed_status"));
        } else {
            let f = |p: &str| drawdown_outreach::registration::member_field(i, p);
            form.insert(f("given"), g("given_name"));
            form.insert(f("family"), g("family_name"));
            form.insert(f("birth"), g("date_of_birth"));
            form.insert(f("document"), g("passport_no"));
            form.insert(f("relationship"), g("relationship"));
        }
    }
    let reg = drawdown_outreach::registration::parse(
        |k| form.get(k).map(String::as_str).unwrap_or(""),
        language,
    )
    .map_err(|_| WebError::Internal("a stored registration no longer reads".into()))?;
    Ok(Some((rec, reg)))
}

/// `sr7k4mq2xp`, `SR-7K4M-Q2XP` → `SR-7K4M-Q2XP`.
pub fn format_reference(s: &str) -> String {
    let c = normalise_code(s);
    let c = c.strip_prefix("SR").unwrap_or(&c);
    if c.len() == 8 {
        format!("SR-{}-{}", &c[..4], &c[4..])
    } else {
        s.trim().to_uppercase()
    }
}

/// Replaces a registration's rows with what its owner typed now: rows kept in place are
/// changed, new companions added, removed ones marked removed (one import, audited).
pub async fn update_registration(
    store: &Store,
    vault: &Vault,
    rec: &drawdown_storage::outreach::RegistrationRecord,
    reg: &Registration,
    source_ip: &str,
    now: OffsetDateTime,
) -> Result<(), WebError> {
    let old: Vec<String> =
        serde_json::from_str(&rec.row_ids).map_err(|e| WebError::Internal(e.to_string()))?;
    let want = reg.members.len() + 1;
    let ids: Vec<String> = (0..want)
        .map(|i| {
            old.get(i)
                .cloned()
                .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
        })
        .collect();
    let mut rows = sealed_rows(vault, reg, &rec.reference, &ids)?;
    for (i, r) in rows.iter_mut().enumerate() {
        r.row_number = i as i64 + 1;
    }
    let (changed, added): (Vec<NewSourceRow>, Vec<NewSourceRow>) =
        rows.into_iter().partition(|r| old.contains(&r.id));
    let removed: Vec<String> = old.iter().skip(want).cloned().collect();
    let source = store
        .source_by_name(SELF_REGISTRATION)
        .await?
        .ok_or(WebError::NotFound)?;
    let import_id = uuid::Uuid::now_v7().to_string();
    let w = drawdown_storage::registry::ImportWrite {
        import_id: import_id.clone(),
        source_id: source.id,
        source_name: SELF_REGISTRATION.into(),
        mapping: source.mapping,
        file_name: "public form (update)".into(),
        format: "form".into(),
        encoding: "UTF-8".into(),
        rows_read: want as i64,
        rows_rejected: 0,
        added,
        changed,
        unchanged: vec![],
        removed,
        created_by: "public".into(),
    };
    let ev = AuditEvent::new(
        "public",
        "registration.update",
        format!("registration:{}", rec.reference),
        format!(
            "rows={} added={} removed={}",
            want,
            w.added.len(),
            w.removed.len()
        ),
        source_ip,
    );
    let ids_json = serde_json::to_string(&ids).map_err(|e| WebError::Internal(e.to_string()))?;
    store
        .update_registration(&rec.reference, &ids_json, &w, &ev, now)
        .await?;
    Ok(())
}

pub mod alerts;
pub mod outbox;

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    #[test]
    fn the_rate_limit_slides_over_the_turn_of_a_minute() {
        let o = Outreach::from_env();
        // Three submissions just before a minute turns, a fourth just after: still refused,
        // where a calendar-minute count would have let it (and three more) through.
        let t = time::macros::datetime!(2021-08-16 06:00:58 UTC);
        for _ in 0..3 {
            assert!(o.admit("10.0.0.1", t, 3));
        }
        assert!(!o.admit("10.0.0.1", t + Duration::seconds(3), 3));
        // Another address has its own allowance.
        assert!(o.admit("10.0.0.2", t + Duration::seconds(3), 3));
        // A minute after the first three, the address may send again.
        assert!(o.admit("10.0.0.1", t + Duration::seconds(61), 3));
        // No limit configured: always admitted.
        assert!(o.admit("10.0.0.3", t, 0));
    }
}

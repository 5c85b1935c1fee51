//! Accountability: the operations behind its pages, API and command line. The post's
//! pass-signing key (sealed by the vault), passes, scans with group commit, head-counts.

use crate::auth::CurrentUser;
use crate::{AppState, WebError};
use drawdown_domain::audit::AuditEvent;
use drawdown_domain::people::PersonalDetails;
use drawdown_passes::{
    Flow, Keyring, LastSeen, PassClaims, PassSigner, Refusal, Step, SubjectKind, Verdict,
};
use drawdown_storage::accountability::{
    CheckpointRecord, Judge, Judged, PassRecord, PendingScan, ScanItem, ScanWriter, Seen,
};
use drawdown_storage::batch::{BatchConfig, BatchError, Batcher};
use drawdown_storage::{Store, timestamp};
use rand::RngCore;
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Seconds a device clock may be off before its scans are flagged (and a pass's window is
/// stretched by as much on each end).
pub const SKEW_WINDOW: i64 = 300;
/// A pass up to this far outside its window is amber (early, late), beyond it red.
pub const GRACE: i64 = 3 * 3600;
/// Scans one request may carry.
pub const MAX_SCANS_PER_REQUEST: usize = 2000;
/// Scans one transaction may gather from waiting requests.
const MAX_SCANS_PER_COMMIT: usize = 4000;
/// Scans waiting at most before a request is answered 503 (try again in a second).
const MAX_SCANS_WAITING: usize = 50_000;
/// Default validity of a pass: from now for this long.
pub const PASS_HOURS: i64 = 72;

/// What the server keeps in memory for accountability: the group-commit writer for scans and
/// the public keys and flow (both small, reloaded when they change).
#[derive(Default)]
pub struct Desk {
    scans: OnceLock<Batcher<ScanWriter>>,
    keys: RwLock<Option<Arc<Keyring>>>,
    flow: RwLock<Option<(Arc<Flow>, std::time::Instant)>>,
}

/// Why a scan is judged as it is, kept beside it until its batch commits.
#[derive(Clone)]
enum Basis {
    Pass(Box<PassClaims>),
    Person,
}

#[derive(Clone)]
struct Context {
    basis: Basis,
    /// When the scan happened, on the server's clock (unix seconds).
    at: i64,
    here_departure: Option<String>,
}

impl Desk {
    /// The scan writer: the codebase's one group commit (drawdown_storage::batch), started on
    /// first use.
    fn scans(&self, store: &Store) -> Batcher<ScanWriter> {
        self.scans
            .get_or_init(|| {
                Batcher::spawn(
                    store.clone(),
                    BatchConfig {
                        max_items: MAX_SCANS_PER_COMMIT,
                        queue_depth: MAX_SCANS_WAITING,
                    },
                    ScanWriter,
                )
            })
            .clone()
    }

    fn forget_keys(&self) {
        if let Ok(mut k) = self.keys.write() {
            *k = None;
        }
    }

    fn forget_flow(&self) {
        if let Ok(mut f) = self.flow.write() {
            *f = None;
        }
    }
}

/// How the writer judges one scan once it knows the history: the pass's claims against the
/// flow and the scan's moment, or the order of checkpoints alone for a person id.
fn judge_with(flow: Arc<Flow>, context: Option<Context>) -> Box<Judge> {
    Box::new(move |s: &PendingScan, last: Option<&Seen>, revoked: bool| {
        let verdict = if revoked {
            Verdict::Red(Refusal::Revoked)
        } else {
            let last = last.map(|l| LastSeen {
                checkpoint: &l.checkpoint,
                at: &l.at,
            });
            match &context {
                Some(Context {
                    basis: Basis::Pass(claims),
                    at,
                    here_departure,
                }) => {
                    let here = drawdown_passes::Here {
                        checkpoint: &s.checkpoint,
                        departure: here_departure.as_deref(),
                        now: *at,
                        leeway: SKEW_WINDOW,
                        grace: GRACE,
                    };
                    drawdown_passes::judge(&flow, claims, &here, last.as_ref())
                }
                _ => drawdown_passes::order(&flow, &s.checkpoint, last.as_ref()),
            }
        };
        Judged {
            verdict: verdict.colour().into(),
            reason: verdict.code().into(),
            words: verdict.words(),
        }
    })
}

fn unix(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s.trim(), &Rfc3339).ok()
}

/// How long the checkpoints are kept in memory: a change from the command line (another
/// process) reaches a running server within this.
const FLOW_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// The flow of checkpoints (retired ones in their place), cached.
pub async fn flow(state: &AppState) -> Result<Arc<Flow>, WebError> {
    if let Ok(f) = state.accountability.flow.read()
        && let Some((f, at)) = f.as_ref()
        && at.elapsed() < FLOW_TTL
    {
        return Ok(Arc::clone(f));
    }
    let flow = Arc::new(flow_of(state.store.checkpoints().await?)?);
    if let Ok(mut f) = state.accountability.flow.write() {
        *f = Some((Arc::clone(&flow), std::time::Instant::now()));
    }
    Ok(flow)
}

fn flow_of(records: Vec<CheckpointRecord>) -> Result<Flow, WebError> {
    if records.is_empty() {
        return Ok(Flow::default());
    }
    Flow::new(
        records
            .into_iter()
            .map(|c| Step {
                code: c.code,
                name: c.name,
                required: c.required,
                retired: c.retired_at.is_some(),
            })
            .collect(),
    )
    .map_err(WebError::Internal)
}

/// One checkpoint as the configuration page and `GET /api/v1/checkpoints` show it.
#[derive(Clone, Debug, Serialize)]
pub struct CheckpointView {
    /// 1-based, among every checkpoint (retired ones keep their place).
    pub position: usize,
    pub code: String,
    pub name: String,
    pub required: bool,
    pub retired: bool,
    pub retired_at: Option<String>,
}

pub async fn checkpoint_list(store: &Store) -> Result<Vec<CheckpointView>, WebError> {
    let records = store.checkpoints().await?;
    let records = if records.is_empty() {
        default_records()
    } else {
        records
    };
    Ok(records
        .into_iter()
        .enumerate()
        .map(|(i, c)| CheckpointView {
            position: i + 1,
            retired: c.retired_at.is_some(),
            code: c.code,
            name: c.name,
            required: c.required,
            retired_at: c.retired_at,
        })
        .collect())
}

fn default_records() -> Vec<CheckpointRecord> {
    Flow::default()
        .steps
        .into_iter()
        .map(|s| CheckpointRecord {
            code: s.code,
            name: s.name,
            required: s.required,
            retired_at: None,
        })
        .collect()
}

/// One change to the checkpoints. Codes never change (scans and whereabouts name them); a
/// checkpoint leaves the flow by being retired, and may be restored.
#[derive(Clone, Debug)]
pub enum CheckpointChange {
    /// A new checkpoint after `after` (a code), or at the end.
    Add {
        code: String,
        name: String,
        required: bool,
        after: Option<String>,
    },
    /// A new name, or whether it may be skipped.
    Edit {
        code: String,
        name: Option<String>,
        required: Option<bool>,
    },
    /// To a 1-based position among every checkpoint.
    Move {
        code: String,
        position: usize,
    },
    Retire {
        code: String,
    },
    Restore {
        code: String,
    },
}

impl CheckpointChange {
    fn code(&self) -> &str {
        match self {
            CheckpointChange::Add { code, .. }
            | CheckpointChange::Edit { code, .. }
            | CheckpointChange::Move { code, .. }
            | CheckpointChange::Retire { code }
            | CheckpointChange::Restore { code } => code,
        }
    }

    fn action(&self) -> &'static str {
        match self {
            CheckpointChange::Add { .. } => "checkpoints.add",
            CheckpointChange::Edit { .. } => "checkpoints.edit",
            CheckpointChange::Move { .. } => "checkpoints.move",
            CheckpointChange::Retire { .. } => "checkpoints.retire",
            CheckpointChange::Restore { .. } => "checkpoints.restore",
        }
    }
}

/// Applies a change to the checkpoints after checking it (a bad one is a clear error and
/// changes nothing); one transaction, one audit entry naming the flow that results.
pub async fn change_checkpoints(
    store: &Store,
    actor: &str,
    source: &str,
    change: &CheckpointChange,
    now: OffsetDateTime,
) -> Result<Vec<CheckpointView>, WebError> {
    let mut records = store.checkpoints().await?;
    if records.is_empty() {
        records = default_records();
    }
    let bad = |m: String| WebError::BadRequest(m);
    let code = change.code().trim().to_string();
    let find = |records: &[CheckpointRecord]| -> Result<usize, WebError> {
        records.iter().position(|r| r.code == code).ok_or_else(|| {
            let codes: Vec<&str> = records.iter().map(|r| r.code.as_str()).collect();
            bad(format!(
                "no checkpoint '{code}' (there are: {})",
                codes.join(", ")
            ))
        })
    };
    let name_ok = |name: &str| -> Result<String, WebError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(bad("name: a checkpoint needs a name".into()));
        }
        Ok(name.to_string())
    };
    let detail;
    match change {
        CheckpointChange::Add {
            name,
            required,
            after,
            ..
        } => {
            if let Some(r) = records.iter().find(|r| r.code == code) {
                return Err(bad(if r.retired_at.is_some() {
                    format!("checkpoint '{code}' exists, retired: restore it instead")
                } else {
                    format!("checkpoint '{code}' exists already")
                }));
            }
            let at = match after.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
                None => records.len(),
                Some(a) => {
                    records
                        .iter()
                        .position(|r| r.code == a)
                        .ok_or_else(|| bad(format!("after: no checkpoint '{a}'")))?
                        + 1
                }
            };
            records.insert(
                at,
                CheckpointRecord {
                    code: code.clone(),
                    name: name_ok(name)?,
                    required: *required,
                    retired_at: None,
                },
            );
            detail = format!("added at position {}", at + 1);
        }
        CheckpointChange::Edit { name, required, .. } => {
            let i = find(&records)?;
            if name.is_none() && required.is_none() {
                return Err(bad("nothing to change: give a name or required".into()));
            }
            let mut said = Vec::new();
            if let Some(n) = name {
                let n = name_ok(n)?;
                said.push(format!("name '{}' -> '{n}'", records[i].name));
                records[i].name = n;
            }
            if let Some(r) = required {
                records[i].required = *r;
                said.push(format!("required {r}"));
            }
            detail = said.join("; ");
        }
        CheckpointChange::Move { position, .. } => {
            let i = find(&records)?;
            if *position == 0 || *position > records.len() {
                return Err(bad(format!(
                    "position: 1 to {}, not {position}",
                    records.len()
                )));
            }
            let r = records.remove(i);
            records.insert(position - 1, r);
            detail = format!("from position {} to {position}", i + 1);
        }
        CheckpointChange::Retire { .. } => {
            let i = find(&records)?;
            if records[i].retired_at.is_some() {
                return Err(bad(format!("checkpoint '{code}' is retired already")));
            }
            records[i].retired_at = Some(timestamp(now));
            detail = "retired".into();
        }
        CheckpointChange::Restore { .. } => {
            let i = find(&records)?;
            if records[i].retired_at.is_none() {
                return Err(bad(format!("checkpoint '{code}' is in use, not retired")));
            }
            records[i].retired_at = None;
            detail = "restored".into();
        }
    }
    // The whole flow as it would stand: codes plain and unique, names given, one in use.
    flow_of(records.clone()).map_err(|e| match e {
        WebError::Internal(m) => bad(m),
        other => other,
    })?;
    let order: Vec<&str> = records
        .iter()
        .filter(|r| r.retired_at.is_none())
        .map(|r| r.code.as_str())
        .collect();
    let ev = AuditEvent::new(
        actor,
        change.action(),
        format!("checkpoint:{code}"),
        format!("{detail}; flow {}", order.join(">")),
        source,
    );
    store.set_checkpoints(&records, &ev, now).await?;
    checkpoint_list(store).await
}

/// [`change_checkpoints`] from the server: the cached flow is dropped at once.
pub async fn change_checkpoints_now(
    state: &AppState,
    user: &CurrentUser,
    source: &str,
    change: &CheckpointChange,
) -> Result<Vec<CheckpointView>, WebError> {
    let out = change_checkpoints(&state.store, &user.actor(), source, change, state.now()).await;
    state.accountability.forget_flow();
    out
}

/// The post's public keys, cached; reloaded when a pass names a key not yet known.
pub async fn keyring(state: &AppState, reload: bool) -> Result<Arc<Keyring>, WebError> {
    if !reload
        && let Ok(k) = state.accountability.keys.read()
        && let Some(k) = k.as_ref()
    {
        return Ok(Arc::clone(k));
    }
    let mut ring = Keyring::new();
    for k in state.store.pass_keys().await? {
        let public: [u8; 32] = k
            .public_key
            .as_slice()
            .try_into()
            .map_err(|_| WebError::Internal(format!("pass key {} is damaged", k.key_id)))?;
        ring.add(k.key_id as u32, &public)
            .map_err(WebError::Internal)?;
    }
    let ring = Arc::new(ring);
    if let Ok(mut k) = state.accountability.keys.write() {
        *k = Some(Arc::clone(&ring));
    }
    Ok(ring)
}

/// The public keys as devices fetch them: `[{key_id, public_key (base64url)}]`.
pub async fn public_keys(state: &AppState) -> Result<Vec<(u32, String)>, WebError> {
    use base64::Engine;
    Ok(state
        .store
        .pass_keys()
        .await?
        .into_iter()
        .map(|k| {
            (
                k.key_id as u32,
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&k.public_key),
            )
        })
        .collect())
}

fn key_aad(key_id: i64) -> Vec<u8> {
    format!("pass-key:{key_id}").into_bytes()
}

fn token_aad(pass_id: &str) -> Vec<u8> {
    format!("pass:{pass_id}").into_bytes()
}

/// The post's signing key, made on first use (the vault must be unlocked: the private key is
/// sealed by it and never stored in the clear).
pub async fn signer(state: &AppState, actor: &str, source: &str) -> Result<PassSigner, WebError> {
    let vault = state.vault()?;
    let (signer, created) = signer_with(&state.store, &vault, actor, source, state.now()).await?;
    if created {
        state.accountability.forget_keys();
    }
    Ok(signer)
}

/// [`signer`] on a store and an open vault (the demo and benchmarks have no server yet).
pub async fn signer_with(
    store: &Store,
    vault: &drawdown_vault::Vault,
    actor: &str,
    source: &str,
    now: OffsetDateTime,
) -> Result<(PassSigner, bool), WebError> {
    let keys = store.pass_keys().await?;
    if let Some(k) = keys.last() {
        let seed = vault.open_sealed(&key_aad(k.key_id), &k.sealed_private)?;
        let seed: [u8; 32] = seed
            .as_slice()
            .try_into()
            .map_err(|_| WebError::Internal("pass key seed is damaged".into()))?;
        return Ok((PassSigner::from_seed(k.key_id as u32, &seed), false));
    }
    let mut seed = zeroize::Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng.fill_bytes(&mut *seed);
    let key_id = 1;
    let signer = PassSigner::from_seed(key_id as u32, &seed);
    let sealed = vault.seal(&key_aad(key_id), &*seed)?;
    let ev = AuditEvent::new(
        actor,
        "passes.key_created",
        format!("pass-key:{key_id}"),
        "Ed25519 pass-signing key; private key sealed by the vault",
        source,
    );
    store
        .create_pass_key(key_id, &signer.public_key(), &sealed, &ev, now)
        .await?;
    Ok((signer, true))
}

/// "A.K." from the given and family names (first letters, at most three parts).
pub fn initials(details: &PersonalDetails) -> String {
    let mut out = String::new();
    for part in details
        .given_name
        .split_whitespace()
        .chain(details.family_name.split_whitespace())
        .take(3)
    {
        if let Some(c) = part.chars().next() {
            let up: String = c.to_uppercase().collect();
            if out.len() + up.len() + 1 > drawdown_passes::token::MAX_INITIALS_LEN {
                break;
            }
            out.push_str(&up);
            out.push('.');
        }
    }
    out
}

pub fn birth_year(details: &PersonalDetails) -> Option<u16> {
    details
        .birth_date
        .get(..4)
        .and_then(|y| y.parse::<u16>().ok())
        .filter(|y| (1880..=2100).contains(y))
}

/// A pass to issue: the person who holds it (their household travels on it) and the departure.
#[derive(Clone, Debug)]
pub struct PassOrder {
    pub person: String,
    pub departure: String,
}

/// A pass as issued, with its QR text.
#[derive(Clone, Debug, Serialize)]
pub struct IssuedPass {
    pub id: String,
    pub kind: SubjectKind,
    pub subject: String,
    pub departure: String,
    pub household_size: u8,
    pub lap_infants: u8,
    pub initials: String,
    pub birth_year: Option<u16>,
    pub valid_from: String,
    pub valid_until: String,
    pub token: String,
    pub revoked: bool,
}

fn departure_ok(d: &str) -> Result<(), WebError> {
    if d.is_empty() || d.len() > drawdown_passes::token::MAX_ID_LEN {
        return Err(WebError::BadRequest(format!(
            "departure: 1 to {} characters",
            drawdown_passes::token::MAX_ID_LEN
        )));
    }
    Ok(())
}

/// Issues passes: one per household (on its head's details, counting every member and lap
/// infant) or per person travelling alone. A subject with a live pass for the same departure
/// is skipped. One transaction for the lot.
pub async fn issue_passes(
    state: &AppState,
    actor: &str,
    source: &str,
    orders: &[PassOrder],
    valid_from: OffsetDateTime,
    valid_until: OffsetDateTime,
) -> Result<Vec<IssuedPass>, WebError> {
    let vault = state.vault()?;
    let (signer, created) = signer_with(&state.store, &vault, actor, source, state.now()).await?;
    if created {
        state.accountability.forget_keys();
    }
    issue_passes_with(
        &state.store,
        &vault,
        &signer,
        actor,
        source,
        orders,
        valid_from,
        valid_until,
        state.now(),
    )
    .await
}

/// [`issue_passes`] on a store, an open vault and a signer.
#[allow(clippy::too_many_arguments)]
pub async fn issue_passes_with(
    store: &Store,
    vault: &drawdown_vault::Vault,
    signer: &PassSigner,
    actor: &str,
    source: &str,
    orders: &[PassOrder],
    valid_from: OffsetDateTime,
    valid_until: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<Vec<IssuedPass>, WebError> {
    if valid_until <= valid_from {
        return Err(WebError::BadRequest(
            "validity: 'until' must come after 'from'".into(),
        ));
    }
    for o in orders {
        departure_ok(&o.departure)?;
    }
    let ids: Vec<String> = orders.iter().map(|o| o.person.clone()).collect();
    let people: HashMap<String, drawdown_storage::PersonRecord> = store
        .persons_by_ids(&ids)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let mut records = Vec::new();
    let mut issued = Vec::new();
    let mut done: std::collections::HashSet<(String, String)> = Default::default();
    for (i, o) in orders.iter().enumerate() {
        let p = people.get(&o.person).ok_or_else(|| {
            WebError::BadRequest(format!("order {}: no person with id {}", i + 1, o.person))
        })?;
        let (kind, subject, size, lap) = match &p.household_id {
            Some(h) => {
                let members = store.household_members(h).await?;
                let lap = members.iter().filter(|m| m.lap_infant).count();
                (
                    SubjectKind::Household,
                    h.clone(),
                    members.len().max(1),
                    lap.min(members.len().saturating_sub(1)),
                )
            }
            None => (SubjectKind::Person, p.id.clone(), 1, 0),
        };
        if !done.insert((subject.clone(), o.departure.clone())) {
            continue;
        }
        let live = store
            .passes(Some(&o.departure), Some(&subject), 10)
            .await?
            .into_iter()
            .any(|x| x.revoked_at.is_none());
        if live {
            continue;
        }
        let plain =
            vault.open_sealed(&crate::services::protection::person_aad(&p.id), &p.sealed)?;
        let details: PersonalDetails = serde_json::from_slice(&plain)
            .map_err(|e| WebError::Internal(format!("sealed record {}: {e}", p.id)))?;
        let claims = PassClaims {
            key_id: signer.key_id(),
            pass_id: rand::rngs::OsRng.next_u64(),
            kind,
            subject: subject.clone(),
            initials: initials(&details),
            birth_year: birth_year(&details),
            household_size: size.min(255) as u8,
            lap_infants: lap.min(254) as u8,
            departure: o.departure.clone(),
            valid_from: unix(valid_from),
            valid_until: unix(valid_until),
        };
        let token = signer
            .sign(&claims)
            .map_err(|e| WebError::BadRequest(format!("order {}: {e}", i + 1)))?;
        let id = claims.pass_ref();
        records.push(PassRecord {
            id: id.clone(),
            key_id: i64::from(claims.key_id),
            kind: kind_slug(kind).into(),
            subject,
            departure: o.departure.clone(),
            household_size: i64::from(claims.household_size),
            lap_infants: i64::from(claims.lap_infants),
            valid_from: timestamp(valid_from),
            valid_until: timestamp(valid_until),
            sealed_token: vault.seal(&token_aad(&id), token.as_bytes())?,
            issued_at: timestamp(now),
            issued_by: actor.into(),
            revoked_at: None,
            revoked_by: None,
            revoke_reason: None,
        });
        issued.push(IssuedPass {
            id,
            kind,
            subject: claims.subject.clone(),
            departure: claims.departure.clone(),
            household_size: claims.household_size,
            lap_infants: claims.lap_infants,
            initials: claims.initials.clone(),
            birth_year: claims.birth_year,
            valid_from: timestamp(valid_from),
            valid_until: timestamp(valid_until),
            token,
            revoked: false,
        });
    }
    if !records.is_empty() {
        let deps: std::collections::BTreeSet<&str> =
            records.iter().map(|r| r.departure.as_str()).collect();
        let ev = AuditEvent::new(
            actor,
            "passes.issue",
            format!(
                "departure:{}",
                deps.into_iter().collect::<Vec<_>>().join(",")
            ),
            format!("{} passes", records.len()),
            source,
        );
        store.insert_passes(&records, &ev, now).await?;
    }
    Ok(issued)
}

/// Hours before and after a departure's time that its manifest's passes are valid.
pub const DEPARTURE_PASS_BEFORE_HOURS: i64 = 24;
pub const DEPARTURE_PASS_AFTER_HOURS: i64 = 12;

/// What issuing a manifest's passes did.
#[derive(Clone, Debug, Serialize)]
pub struct ManifestPasses {
    pub departure: String,
    /// Households (and people alone) on the manifest.
    pub households: usize,
    /// Passes issued now; the others already held a live pass for this departure.
    pub passes: Vec<IssuedPass>,
}

/// Issues the passes of a whole manifest in one action: one per household on it, held by its
/// head, valid around the departure's time. Households with a live pass for this departure are
/// skipped, so a second call issues none.
pub async fn issue_manifest_passes(
    state: &AppState,
    actor: &str,
    source: &str,
    departure: &str,
) -> Result<ManifestPasses, WebError> {
    let offset = state.scenario_now().await? - state.now();
    let (orders, from, until) = manifest_orders(&state.store, departure.trim(), offset).await?;
    let passes = issue_passes(state, actor, source, &orders, from, until).await?;
    Ok(ManifestPasses {
        departure: departure.trim().into(),
        households: orders.len(),
        passes,
    })
}

/// The orders and validity window for one departure's manifest. Departures are on the post's
/// clock; a pass is checked against real clocks (devices verify it offline), so when the post
/// runs a scenario (`offset` = scenario time minus real time, e.g. the demo set in August
/// 2021) the window is moved by as much: the pass is valid when, on the post's clock, the
/// departure is 24 hours away.
pub async fn manifest_orders(
    store: &Store,
    departure: &str,
    offset: time::Duration,
) -> Result<(Vec<PassOrder>, OffsetDateTime, OffsetDateTime), WebError> {
    departure_ok(departure)?;
    let d = store
        .departure(departure)
        .await?
        .ok_or_else(|| WebError::BadRequest(format!("departure: no departure {departure}")))?;
    if d.status == "cancelled" {
        return Err(WebError::BadRequest(format!(
            "departure {departure}: cancelled, no passes to issue"
        )));
    }
    let at = parse_time(&d.departs_at).ok_or_else(|| {
        WebError::Internal(format!(
            "departure {departure}: unreadable time {}",
            d.departs_at
        ))
    })?;
    let orders: Vec<PassOrder> = store
        .manifest(departure)
        .await?
        .into_iter()
        .map(|e| PassOrder {
            person: e.head_person_id,
            departure: departure.into(),
        })
        .collect();
    if orders.is_empty() {
        return Err(WebError::BadRequest(format!(
            "departure {departure}: its manifest is empty (plan or add households first)"
        )));
    }
    let at = at - offset;
    Ok((
        orders,
        at - time::Duration::hours(DEPARTURE_PASS_BEFORE_HOURS),
        at + time::Duration::hours(DEPARTURE_PASS_AFTER_HOURS),
    ))
}

pub fn kind_slug(k: SubjectKind) -> &'static str {
    match k {
        SubjectKind::Person => "person",
        SubjectKind::Household => "household",
    }
}

/// A stored pass opened with the vault (its token holds initials and a birth year).
pub fn open_pass(state: &AppState, rec: &PassRecord) -> Result<IssuedPass, WebError> {
    let vault = state.vault()?;
    let token = vault.open_sealed(&token_aad(&rec.id), &rec.sealed_token)?;
    let token = String::from_utf8(token.to_vec())
        .map_err(|_| WebError::Internal(format!("pass {} is damaged", rec.id)))?;
    let parsed = drawdown_passes::parse(
        &drawdown_passes::decode_text(&token)
            .map_err(|e| WebError::Internal(format!("pass {}: {e}", rec.id)))?,
    )
    .map_err(|e| WebError::Internal(format!("pass {}: {e}", rec.id)))?;
    let c = parsed.claims;
    Ok(IssuedPass {
        id: rec.id.clone(),
        kind: c.kind,
        subject: c.subject,
        departure: c.departure,
        household_size: c.household_size,
        lap_infants: c.lap_infants,
        initials: c.initials,
        birth_year: c.birth_year,
        valid_from: rec.valid_from.clone(),
        valid_until: rec.valid_until.clone(),
        token,
        revoked: rec.revoked_at.is_some(),
    })
}

pub async fn revoke_pass(
    state: &AppState,
    actor: &str,
    source: &str,
    id: &str,
    reason: &str,
) -> Result<(), WebError> {
    revoke_pass_with(&state.store, actor, source, id, reason, state.now()).await
}

/// [`revoke_pass`] on a store.
pub async fn revoke_pass_with(
    store: &Store,
    actor: &str,
    source: &str,
    id: &str,
    reason: &str,
    now: OffsetDateTime,
) -> Result<(), WebError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.len() > 200 {
        return Err(WebError::BadRequest(
            "reason: say why the pass is revoked (up to 200 characters)".into(),
        ));
    }
    let ev = AuditEvent::new(
        actor,
        "passes.revoke",
        format!("pass:{id}"),
        reason.to_string(),
        source,
    );
    store
        .revoke_pass(id, reason, &ev, now)
        .await
        .map_err(|e| match e {
            drawdown_storage::StorageError::NotFound(_) => {
                WebError::BadRequest(format!("no live pass {id} (unknown, or already revoked)"))
            }
            other => other.into(),
        })
}

/// One item's answer in `POST /api/v1/scans`.
#[derive(Clone, Debug, Serialize)]
pub struct ScanAnswer {
    pub index: usize,
    pub id: Option<String>,
    /// `recorded`, `replayed` (counted once) or `rejected` (malformed: not recorded).
    pub status: &'static str,
    pub verdict: Option<String>,
    pub reason: Option<String>,
    pub words: String,
    pub skew_seconds: Option<i64>,
    pub skew_flagged: bool,
    /// What the agent counts: people on the pass, lap infants among them, the holder's
    /// initials and birth year. Nothing else personal.
    pub heads: Option<i64>,
    pub lap_infants: Option<i64>,
    pub initials: Option<String>,
    pub birth_year: Option<u16>,
    pub departure: Option<String>,
}

impl ScanAnswer {
    fn rejected(index: usize, id: Option<String>, why: String) -> Self {
        ScanAnswer {
            index,
            id,
            status: "rejected",
            verdict: None,
            reason: Some("malformed".into()),
            words: why,
            skew_seconds: None,
            skew_flagged: false,
            heads: None,
            lap_infants: None,
            initials: None,
            birth_year: None,
            departure: None,
        }
    }
}

fn text_field<'a>(v: &'a Value, name: &str, max: usize) -> Result<Option<&'a str>, String> {
    match v.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.len() <= max => Ok(Some(s.as_str())),
        Some(Value::String(_)) => Err(format!("{name}: at most {max} characters")),
        Some(_) => Err(format!("{name}: must be text")),
    }
}

fn scan_id_ok(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
}

/// Records scans (one JSON object, or `{"scans": [...], "sent_at": "...", "device": "..."}`).
/// Each item is checked on its own: a malformed one is named and the others still count. The
/// answer comes after the batch's transaction commits: an acknowledged scan is on disk.
pub async fn submit_scans(
    state: &AppState,
    user: &CurrentUser,
    source: &str,
    body: &Value,
) -> Result<Vec<ScanAnswer>, WebError> {
    let (items, envelope): (Vec<&Value>, &Value) = match body.get("scans") {
        Some(Value::Array(a)) => (a.iter().collect(), body),
        Some(_) => {
            return Err(WebError::BadRequest(
                "scans: must be a list of scans".into(),
            ));
        }
        None if body.is_object() => (vec![body], &Value::Null),
        None => {
            return Err(WebError::BadRequest(
                "send one scan (an object) or {\"scans\": [...]}".into(),
            ));
        }
    };
    if items.is_empty() {
        return Err(WebError::BadRequest("scans: the list is empty".into()));
    }
    if items.len() > MAX_SCANS_PER_REQUEST {
        return Err(WebError::BadRequest(format!(
            "scans: at most {MAX_SCANS_PER_REQUEST} per request, this one has {}",
            items.len()
        )));
    }
    let now = state.now();
    let server = unix(now);
    let flow = flow(state).await?;
    let mut keys = keyring(state, false).await?;
    // The device clock at sending, against ours: within the window its scan times stand,
    // beyond it the scans are kept, flagged, and their times corrected by the difference.
    let sent_at = match text_field(envelope, "sent_at", 64) {
        Ok(Some(s)) => Some(
            parse_time(s)
                .ok_or_else(|| WebError::BadRequest("sent_at: an RFC 3339 time".into()))?,
        ),
        Ok(None) => None,
        Err(e) => return Err(WebError::BadRequest(e)),
    };
    let envelope_device = text_field(envelope, "device", 64).map_err(WebError::BadRequest)?;
    // A device token is its own device; a browser names itself.
    let device_default = if user.session.is_none() {
        user.username.clone()
    } else {
        "browser".into()
    };
    let mut answers: Vec<Option<ScanAnswer>> = vec![None; items.len()];
    let mut pending = Vec::new();
    let mut contexts = Vec::new();
    let mut pending_index = Vec::new();
    let mut person_checks: Vec<(usize, String)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let id = item.get("id").and_then(Value::as_str).map(str::to_string);
        match read_item(
            item,
            &flow,
            &mut keys,
            state,
            server,
            sent_at,
            envelope_device.unwrap_or(&device_default),
            &user.actor(),
        )
        .await
        {
            Ok((scan, ctx, mut answer)) => {
                answer.index = i;
                if ctx
                    .as_ref()
                    .is_some_and(|c| matches!(c.basis, Basis::Person))
                    && let Some(p) = &scan.subject
                {
                    person_checks.push((i, p.clone()));
                }
                answers[i] = Some(answer);
                pending_index.push(i);
                pending.push(scan);
                contexts.push(ctx);
            }
            Err(why) => {
                answers[i] = Some(ScanAnswer::rejected(
                    i,
                    id,
                    format!("scan {} ({}): {why}", i + 1, item_name(item)),
                ))
            }
        }
    }
    // Scans by person id: the person must be on the registry.
    if !person_checks.is_empty() {
        let ids: Vec<String> = person_checks.iter().map(|(_, p)| p.clone()).collect();
        let known: std::collections::HashSet<String> = state
            .store
            .persons_by_ids(&ids)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect();
        let unknown: std::collections::HashSet<usize> = person_checks
            .iter()
            .filter(|(_, p)| !known.contains(p))
            .map(|(i, _)| *i)
            .collect();
        if !unknown.is_empty() {
            let mut keep_scans = Vec::new();
            let mut keep_ctx = Vec::new();
            let mut keep_index = Vec::new();
            for ((s, c), i) in pending.into_iter().zip(contexts).zip(pending_index) {
                if unknown.contains(&i) {
                    answers[i] = Some(ScanAnswer::rejected(
                        i,
                        Some(s.id.clone()),
                        format!(
                            "scan {} ({}): person: no such person on the registry",
                            i + 1,
                            s.id
                        ),
                    ));
                } else {
                    keep_scans.push(s);
                    keep_ctx.push(c);
                    keep_index.push(i);
                }
            }
            pending = keep_scans;
            contexts = keep_ctx;
            pending_index = keep_index;
        }
    }
    if !pending.is_empty() {
        let event = Arc::new(AuditEvent::new(
            user.actor(),
            "scans.record",
            format!("device:{}", envelope_device.unwrap_or(&device_default)),
            "",
            source,
        ));
        let items: Vec<ScanItem> = pending
            .into_iter()
            .zip(contexts)
            .map(|(scan, ctx)| ScanItem {
                scan,
                judge: judge_with(Arc::clone(&flow), ctx),
                audit: Arc::clone(&event),
                now,
            })
            .collect();
        let outcomes = state
            .accountability
            .scans(&state.store)
            .submit_all(items)
            .await;
        // Too many scans waiting: the whole request is answered 503 and sent again; the scans
        // that were written meanwhile come back as replays, counted once.
        if outcomes.iter().any(|o| matches!(o, Err(BatchError::Busy))) {
            return Err(WebError::Busy(BatchError::RETRY_AFTER_SECS));
        }
        for (o, i) in outcomes.into_iter().zip(pending_index) {
            let o = o.map_err(|e| WebError::Internal(format!("scan not recorded: {e}")))?;
            if let Some(a) = answers[i].as_mut() {
                a.status = if o.replayed { "replayed" } else { "recorded" };
                a.verdict = Some(o.verdict);
                a.reason = Some(o.reason);
                a.words = o.words;
            }
        }
    }
    Ok(answers.into_iter().flatten().collect())
}

fn item_name(item: &Value) -> String {
    item.get("id")
        .and_then(Value::as_str)
        .map(|s| s.chars().take(64).collect())
        .unwrap_or_else(|| "no id".into())
}

/// Reads one scan: its id, checkpoint, time and either a pass (verified here, with the public
/// key: a refused pass is still recorded, red, with its reason) or a person id.
#[allow(clippy::too_many_arguments)]
async fn read_item(
    item: &Value,
    flow: &Flow,
    keys: &mut Arc<Keyring>,
    state: &AppState,
    server: i64,
    sent_at: Option<OffsetDateTime>,
    device: &str,
    agent: &str,
) -> Result<(PendingScan, Option<Context>, ScanAnswer), String> {
    if !item.is_object() {
        return Err("a scan is an object".into());
    }
    let id = text_field(item, "id", 64)?.ok_or("id: missing (each scan needs its own id)")?;
    if !scan_id_ok(id) {
        return Err("id: 1-64 letters, digits, '-', '_', '.' or ':'".into());
    }
    let checkpoint = text_field(item, "checkpoint", 32)?.ok_or("checkpoint: missing")?;
    if !flow.accepts(checkpoint) {
        let codes: Vec<String> = flow.active().into_iter().map(|s| s.code).collect();
        let retired = if flow.position(checkpoint).is_some() {
            " (it was retired)"
        } else {
            ""
        };
        return Err(format!(
            "checkpoint: '{checkpoint}'{retired} is not one of {}",
            codes.join(", ")
        ));
    }
    let scanned_at = match text_field(item, "scanned_at", 64)? {
        Some(s) => parse_time(s).ok_or("scanned_at: an RFC 3339 time")?,
        None => sent_at.unwrap_or_else(|| {
            OffsetDateTime::from_unix_timestamp(server).unwrap_or(OffsetDateTime::UNIX_EPOCH)
        }),
    };
    let device = text_field(item, "device", 64)?.unwrap_or(device);
    let here_departure = text_field(item, "departure", 40)?.map(str::to_string);
    // Skew: the device's clock at sending (or, for a scan sent at once, at scanning).
    let device_clock = unix(sent_at.unwrap_or(scanned_at));
    let skew = drawdown_passes::skew(device_clock, server, SKEW_WINDOW);
    let at = unix(scanned_at) - if skew.flagged { skew.seconds } else { 0 };
    if at > server + SKEW_WINDOW {
        return Err("scanned_at: later than the time it was sent".into());
    }
    let token = text_field(item, "token", drawdown_passes::token::MAX_TEXT_LEN + 16)
        .map_err(|_| "token: too long to be a pass".to_string())?;
    let person = text_field(item, "person", 64)?;
    let mut scan = PendingScan {
        id: id.to_string(),
        pass_id: None,
        subject: None,
        kind: "unknown".into(),
        heads: 0,
        lap_infants: 0,
        departure: None,
        checkpoint: checkpoint.to_string(),
        device: device.to_string(),
        agent: agent.to_string(),
        device_time: timestamp(scanned_at),
        skew_seconds: skew.seconds,
        skew_flagged: skew.flagged,
        refused: None,
    };
    let mut answer = ScanAnswer {
        index: 0,
        id: Some(id.to_string()),
        status: "recorded",
        verdict: None,
        reason: None,
        words: String::new(),
        skew_seconds: Some(skew.seconds),
        skew_flagged: skew.flagged,
        heads: None,
        lap_infants: None,
        initials: None,
        birth_year: None,
        departure: None,
    };
    let ctx = match (token, person) {
        (Some(_), Some(_)) => return Err("send a token or a person, not both".into()),
        (None, None) => return Err("token or person: one is needed".into()),
        (None, Some(p)) => {
            scan.subject = Some(p.to_string());
            scan.kind = "person".into();
            scan.heads = 1;
            answer.heads = Some(1);
            answer.lap_infants = Some(0);
            Some(Context {
                basis: Basis::Person,
                at,
                here_departure,
            })
        }
        (Some(t), None) => {
            // Signature and format only: revocation is read in the batch's transaction and
            // time is judged against the scan's own moment.
            let mut verdict = drawdown_passes::authentic(t, keys);
            if let Err(Refusal::UnknownKey { .. }) = verdict {
                *keys = keyring(state, true).await.map_err(|e| e.to_string())?;
                verdict = drawdown_passes::authentic(t, keys);
            }
            match verdict {
                Ok(c) => {
                    scan.pass_id = Some(c.pass_ref());
                    scan.subject = Some(c.subject.clone());
                    scan.kind = kind_slug(c.kind).into();
                    scan.heads = i64::from(c.household_size);
                    scan.lap_infants = i64::from(c.lap_infants);
                    scan.departure = Some(c.departure.clone());
                    answer.heads = Some(scan.heads);
                    answer.lap_infants = Some(scan.lap_infants);
                    answer.initials = Some(c.initials.clone());
                    answer.birth_year = c.birth_year;
                    answer.departure = Some(c.departure.clone());
                    Some(Context {
                        basis: Basis::Pass(Box::new(c)),
                        at,
                        here_departure,
                    })
                }
                Err(refusal) => {
                    scan.refused = Some((refusal.code().into(), refusal.to_string()));
                    None
                }
            }
        }
    };
    Ok((scan, ctx, answer))
}

/// A validity window from optional RFC 3339 texts (default: from now for [`PASS_HOURS`]).
pub fn window(
    state: &AppState,
    from: Option<&str>,
    until: Option<&str>,
) -> Result<(OffsetDateTime, OffsetDateTime), WebError> {
    let read = |name: &str, v: Option<&str>| -> Result<Option<OffsetDateTime>, WebError> {
        match v.map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => parse_time(v).map(Some).ok_or_else(|| {
                WebError::BadRequest(format!(
                    "{name}: an RFC 3339 time, like 2021-08-25T06:00:00Z"
                ))
            }),
        }
    };
    let from = read("valid_from", from)?.unwrap_or_else(|| state.now());
    let until = read("valid_until", until)?.unwrap_or(from + time::Duration::hours(PASS_HOURS));
    if until <= from {
        return Err(WebError::BadRequest(
            "valid_until: must come after valid_from".into(),
        ));
    }
    Ok((from, until))
}

/// What a scanning device needs offline: public keys, revoked passes, the checkpoints, the
/// clock window.
pub async fn device_kit(state: &AppState) -> Result<Value, WebError> {
    let keys = public_keys(state).await?;
    let revoked = state.store.revoked_passes().await?;
    let flow = flow(state).await?;
    Ok(serde_json::json!({
        "keys": keys.iter().map(|(id, k)| serde_json::json!({"key_id": id, "public_key": k})).collect::<Vec<_>>(),
        "revoked": revoked,
        "checkpoints": flow.active(),
        "skew_window_seconds": SKEW_WINDOW,
        "grace_seconds": GRACE,
        "server_time": timestamp(state.now()),
        // The post's clock (its scenario's time when it runs one): departures are on it.
        "post_time": timestamp(state.scenario_now().await?),
    }))
}

/// One checkpoint's line of the head-count.
#[derive(Clone, Debug, Serialize)]
pub struct CheckpointHeads {
    pub code: String,
    pub name: String,
    /// Out of the flow; shown while people were last seen there.
    pub retired: bool,
    /// People on the registry last admitted here (households counted by member).
    pub people: i64,
    pub lap_infants: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct CategoryHeads {
    pub category: String,
    /// Aligned with `checkpoints`, then one more: never scanned.
    pub by_checkpoint: Vec<i64>,
    pub total: i64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct DepartureHeads {
    pub departure: String,
    /// The departure's seats (movement's board); none for a departure it does not list.
    pub seats: Option<i64>,
    /// Passes (one per household or person travelling alone).
    pub households: i64,
    /// People on the passes, lap infants included.
    pub people: i64,
    pub lap_infants: i64,
    pub not_seen: i64,
    pub on_the_way: i64,
    pub boarded: i64,
    pub departed: i64,
    pub arrived: i64,
    /// People who did not board a departure that has left.
    pub no_shows: i64,
    pub out_of_order: i64,
    pub refused: i64,
    pub other_exceptions: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Headcounts {
    pub at: String,
    pub checkpoints: Vec<CheckpointHeads>,
    pub categories: Vec<CategoryHeads>,
    pub people_total: i64,
    pub never_scanned: i64,
    pub still_in_country: i64,
    pub manifested_not_boarded: i64,
    pub boarded_not_arrived: i64,
    pub arrived: i64,
    pub departures: Vec<DepartureHeads>,
    pub exceptions: Vec<drawdown_storage::accountability::ScanRow>,
    pub scans_total: i64,
}

/// Head-counts: by category against the last checkpoint, the totals that matter, per departure
/// with its exceptions. Counts and opaque ids only.
pub async fn headcounts(state: &AppState) -> Result<Headcounts, WebError> {
    let flow = flow(state).await?;
    let n = flow.steps.len();
    let boarding = flow.boarding().unwrap_or(n.saturating_sub(1));
    let left = flow.position("departed").unwrap_or(boarding + 1).min(n);
    let last = n.saturating_sub(1);
    let mut checkpoints: Vec<CheckpointHeads> = flow
        .steps
        .iter()
        .map(|s| CheckpointHeads {
            code: s.code.clone(),
            name: s.name.clone(),
            retired: s.retired,
            people: 0,
            lap_infants: 0,
        })
        .collect();
    let mut categories: Vec<CategoryHeads> = Vec::new();
    let (mut total, mut never, mut in_country, mut boarded_not_arrived, mut arrived) =
        (0, 0, 0, 0, 0);
    for (cat, cp, people, lap) in state.store.people_by_category_and_checkpoint().await? {
        let label = drawdown_domain::people::Category::parse(&cat)
            .map(|c| c.label().to_string())
            .unwrap_or(cat);
        let row = match categories.iter_mut().position(|c| c.category == label) {
            Some(i) => &mut categories[i],
            None => {
                categories.push(CategoryHeads {
                    category: label,
                    by_checkpoint: vec![0; n + 1],
                    total: 0,
                });
                categories.last_mut().expect("just pushed")
            }
        };
        let pos = flow.position(&cp);
        row.by_checkpoint[pos.unwrap_or(n)] += people;
        row.total += people;
        total += people;
        match pos {
            None => {
                never += people;
                in_country += people;
            }
            Some(p) => {
                checkpoints[p].people += people;
                checkpoints[p].lap_infants += lap;
                if p < left {
                    in_country += people;
                }
                if p >= boarding && p < last {
                    boarded_not_arrived += people;
                }
                if p == last {
                    arrived += people;
                }
            }
        }
    }
    categories.sort_by_key(|c| std::cmp::Reverse(c.total));
    let mut departures: Vec<DepartureHeads> = Vec::new();
    let mut manifested_not_boarded = 0;
    for (dep, cp, passes, heads, lap) in state.store.passes_by_departure_and_checkpoint().await? {
        if departures.last().is_none_or(|d| d.departure != dep) {
            departures.push(DepartureHeads {
                departure: dep.clone(),
                ..Default::default()
            });
        }
        let d = departures.last_mut().expect("just pushed");
        d.households += passes;
        d.people += heads;
        d.lap_infants += lap;
        match flow.position(&cp) {
            None => {
                d.not_seen += heads;
                manifested_not_boarded += heads;
            }
            Some(p) if p < boarding => {
                d.on_the_way += heads;
                manifested_not_boarded += heads;
            }
            Some(p) if p == boarding => d.boarded += heads,
            Some(p) if p < last => d.departed += heads,
            Some(_) => d.arrived += heads,
        }
    }
    let seats: HashMap<String, i64> = state
        .store
        .departures()
        .await?
        .into_iter()
        .map(|d| (d.id, d.seats))
        .collect();
    for d in &mut departures {
        d.seats = seats.get(&d.departure).copied();
        if d.departed + d.arrived > 0 {
            d.no_shows = d.not_seen + d.on_the_way;
        }
    }
    for (dep, verdict, reason, count) in state.store.exceptions_by_departure().await? {
        let Some(d) = departures.iter_mut().find(|d| d.departure == dep) else {
            continue;
        };
        match (verdict.as_str(), reason.as_str()) {
            (_, "out_of_order") => d.out_of_order += count,
            ("red", _) => d.refused += count,
            _ => d.other_exceptions += count,
        }
    }
    Ok(Headcounts {
        at: timestamp(state.now()),
        checkpoints,
        categories,
        people_total: total,
        never_scanned: never,
        still_in_country: in_country,
        manifested_not_boarded,
        boarded_not_arrived,
        arrived,
        departures,
        exceptions: state.store.recent_exceptions(50).await?,
        scans_total: state.store.scan_count().await?,
    })
}

/// A walk-up registered at a checkpoint: added to the registry by hand (the people engine
/// matches them with the other lists), returns their person id.
pub async fn walkup(
    state: &AppState,
    user: &CurrentUser,
    source: &str,
    details: &PersonalDetails,
    category: drawdown_domain::people::Category,
) -> Result<String, WebError> {
    let vault = state.vault()?;
    let matcher = state.matcher();
    crate::services::registry::add_by_hand(
        &state.store,
        &vault,
        matcher.as_deref(),
        details,
        category,
        &user.actor(),
        source,
        state.now(),
    )
    .await
}

/// A pass as a PDF: the QR code, then the holder's initials, people, departure and validity in
/// English, Dari and Pashto.
pub fn pass_pdf(
    p: &IssuedPass,
    size: drawdown_documents::PageSize,
    now: OffsetDateTime,
) -> Result<Vec<u8>, WebError> {
    use drawdown_documents::Document;
    let holder = match p.birth_year {
        Some(y) => format!("{} (born {y})", p.initials),
        None => p.initials.clone(),
    };
    let people = if p.lap_infants > 0 {
        format!(
            "{}, including {} lap infant(s)",
            p.household_size, p.lap_infants
        )
    } else {
        p.household_size.to_string()
    };
    let valid = format!("{} to {}", p.valid_from, p.valid_until);
    let mut doc = Document::new(size, "Boarding pass");
    doc.generated_at(now)
        .heading("Boarding pass")
        .subheading("کارت سوار شدن · د سپریدو کارت");
    doc.qr(
        &p.token,
        if size == drawdown_documents::PageSize::A6 {
            50.0
        } else {
            80.0
        },
    )
    .map_err(|e| WebError::Internal(format!("qr: {e}")))?;
    doc.key_values(&[
        ("Holder", holder.as_str()),
        ("People", people.as_str()),
        ("Departure", p.departure.as_str()),
        ("Valid", valid.as_str()),
        ("Pass", p.id.as_str()),
    ])
    .rule()
    .key_values(&[
        ("دارنده", p.initials.as_str()),
        ("افراد", people.as_str()),
        ("پرواز", p.departure.as_str()),
    ])
    .rule()
    .key_values(&[
        ("لرونکی", p.initials.as_str()),
        ("کسان", people.as_str()),
        ("الوتنه", p.departure.as_str()),
    ])
    .footer_note("Show this code at every checkpoint · این کد را در هر ایست بازرسی نشان دهید · دا کوډ په هره پوسته کې وښایاست");
    Ok(doc.finish())
}

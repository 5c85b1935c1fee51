//! Storage for accountability: pass-signing keys, checkpoints, passes, scans and whereabouts
//! (0006_accountability.sql). Scans are written by [`ScanWriter`] through the codebase's one
//! group commit ([`crate::batch::Batcher`]): every scan waiting from every request goes into one
//! transaction, a fixed handful of statements whatever its size (multi-row reads and writes),
//! and every scan's id is checked first so a scan sent twice is stored once.

use crate::audit::append;
use crate::batch::{BatchWriter, Value, insert_rows, json_keys, json_list};
use crate::registry::{Bind, bulk_insert};
use crate::{Result, StorageError, Store, timestamp};
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use time::OffsetDateTime;

#[derive(Clone, Debug)]
pub struct PassKeyRecord {
    pub key_id: i64,
    pub public_key: Vec<u8>,
    pub sealed_private: Vec<u8>,
    pub created_at: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointRecord {
    pub code: String,
    pub name: String,
    pub required: bool,
    /// When it left the flow (scans no longer go there); it keeps its place in the order.
    pub retired_at: Option<String>,
}

#[derive(Clone, Debug)]
pub struct PassRecord {
    pub id: String,
    pub key_id: i64,
    pub kind: String,
    pub subject: String,
    pub departure: String,
    pub household_size: i64,
    pub lap_infants: i64,
    pub valid_from: String,
    pub valid_until: String,
    pub sealed_token: Vec<u8>,
    pub issued_at: String,
    pub issued_by: String,
    pub revoked_at: Option<String>,
    pub revoked_by: Option<String>,
    pub revoke_reason: Option<String>,
}

/// A scan as received, before the database has judged what it can only judge with the
/// history (revocation, order of checkpoints) and before replays are set aside.
#[derive(Clone, Debug)]
pub struct PendingScan {
    pub id: String,
    pub pass_id: Option<String>,
    pub subject: Option<String>,
    /// `person`, `household` or `unknown` (an unreadable pass).
    pub kind: String,
    pub heads: i64,
    pub lap_infants: i64,
    pub departure: Option<String>,
    pub checkpoint: String,
    pub device: String,
    pub agent: String,
    pub device_time: String,
    pub skew_seconds: i64,
    pub skew_flagged: bool,
    /// Refused before the database was needed (forged, truncated…): `(reason code, words)`.
    pub refused: Option<(String, String)>,
}

/// Where a person or household was last admitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    pub checkpoint: String,
    pub at: String,
}

/// The verdict given to one new scan.
#[derive(Clone, Debug)]
pub struct Judged {
    /// `green`, `amber` or `red`.
    pub verdict: String,
    pub reason: String,
    pub words: String,
}

/// What became of each scan of a batch, in the batch's order.
#[derive(Clone, Debug)]
pub struct ScanOutcome {
    pub id: String,
    pub verdict: String,
    pub reason: String,
    pub words: String,
    /// The id was already stored: counted once, the first verdict stands.
    pub replayed: bool,
}

/// Judges a new scan given where its subject was last seen and whether its pass is revoked
/// (the web layer brings the pass's claims and the flow; storage brings the history).
pub type Judge = dyn Fn(&PendingScan, Option<&Seen>, bool) -> Judged + Send + Sync;

/// One scan handed to the group-commit writer.
pub struct ScanItem {
    pub scan: PendingScan,
    /// Not called for a scan refused before the database was needed (`scan.refused`).
    pub judge: Box<Judge>,
    /// The audit entry of the request the scan came in. Scans of one commit whose entries
    /// share actor, action, target and source are recorded as one entry: "n scans".
    pub audit: Arc<crate::AuditEvent>,
    /// The server's time when the request came (the latest of a commit is its scans' time).
    pub now: OffsetDateTime,
}

/// Writes scans for [`crate::batch::Batcher`]: replays set aside (their first verdict is
/// returned), revocations and last checkpoints read inside the transaction (three reads for
/// the whole commit), each new scan judged in order (a later scan sees an earlier one), the
/// scans and the whereabouts written with multi-row statements, one audit entry per device.
pub struct ScanWriter;

impl BatchWriter for ScanWriter {
    type Item = ScanItem;
    type Output = ScanOutcome;

    async fn write(
        &self,
        conn: &mut AnyConnection,
        items: &[ScanItem],
    ) -> Result<Vec<std::result::Result<ScanOutcome, String>>> {
        Ok(write_scans(conn, items)
            .await?
            .into_iter()
            .map(Ok)
            .collect())
    }
}

fn opt_text(v: Option<&str>) -> Value {
    v.map_or(Value::NullText, Value::text)
}

fn unique(keys: Vec<&str>) -> Vec<&str> {
    let mut seen = HashSet::new();
    keys.into_iter().filter(|k| seen.insert(*k)).collect()
}

async fn write_scans(conn: &mut AnyConnection, items: &[ScanItem]) -> Result<Vec<ScanOutcome>> {
    let Some(now) = items.iter().map(|i| i.now).max() else {
        return Ok(Vec::new());
    };
    let server_time = timestamp(now);
    // One read for the whole commit: replays (ids already stored), revoked passes among the
    // batch, and where each subject was last seen.
    let ids = unique(items.iter().map(|i| i.scan.id.as_str()).collect());
    let pass_ids = unique(
        items
            .iter()
            .filter_map(|i| i.scan.pass_id.as_deref())
            .collect(),
    );
    let subjects = unique(
        items
            .iter()
            .filter_map(|i| i.scan.subject.as_deref())
            .collect(),
    );
    let sql = format!(
        "SELECT 's', id, verdict, reason FROM scans WHERE id IN ({}) \
         UNION ALL SELECT 'r', id, NULL, NULL FROM passes WHERE revoked_at IS NOT NULL AND id IN ({}) \
         UNION ALL SELECT 'w', subject, checkpoint, at FROM whereabouts WHERE subject IN ({})",
        json_keys(conn, 1),
        json_keys(conn, 2),
        json_keys(conn, 3)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(json_list(&ids))
        .bind(json_list(&pass_ids))
        .bind(json_list(&subjects))
        .fetch_all(&mut *conn)
        .await?;
    let mut stored: HashMap<String, (String, String)> = HashMap::new();
    let mut revoked: HashSet<String> = HashSet::new();
    let mut seen: HashMap<String, Seen> = HashMap::new();
    for r in &rows {
        let kind: String = r.try_get(0)?;
        let key: String = r.try_get(1)?;
        let (b, c): (Option<String>, Option<String>) = (r.try_get(2)?, r.try_get(3)?);
        match kind.as_str() {
            "s" => {
                stored.insert(key, (b.unwrap_or_default(), c.unwrap_or_default()));
            }
            "r" => {
                revoked.insert(key);
            }
            _ => {
                seen.insert(
                    key,
                    Seen {
                        checkpoint: b.unwrap_or_default(),
                        at: c.unwrap_or_default(),
                    },
                );
            }
        }
    }
    let mut outcomes: Vec<ScanOutcome> = Vec::with_capacity(items.len());
    let mut fresh: Vec<(usize, Judged)> = Vec::new();
    let mut first_of: HashMap<&str, usize> = HashMap::new();
    let mut moved: HashMap<&str, usize> = HashMap::new();
    let mut audit: BTreeMap<(&str, &str, &str, &str), usize> = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        let s = &item.scan;
        let again = |verdict: &str, reason: &str| ScanOutcome {
            id: s.id.clone(),
            verdict: verdict.into(),
            reason: reason.into(),
            words: "received before: counted once".into(),
            replayed: true,
        };
        if let Some((verdict, reason)) = stored.get(&s.id) {
            outcomes.push(again(verdict, reason));
            continue;
        }
        // The same id twice in one commit: the first stands.
        if let Some(&j) = first_of.get(s.id.as_str()) {
            let o = again(&outcomes[j].verdict, &outcomes[j].reason);
            outcomes.push(o);
            continue;
        }
        first_of.insert(&s.id, i);
        let judged = match &s.refused {
            Some((reason, words)) => Judged {
                verdict: "red".into(),
                reason: reason.clone(),
                words: words.clone(),
            },
            None => {
                let is_revoked = s.pass_id.as_ref().is_some_and(|p| revoked.contains(p));
                let last = s.subject.as_ref().and_then(|x| seen.get(x));
                (item.judge)(s, last, is_revoked)
            }
        };
        if judged.verdict != "red"
            && let Some(subject) = &s.subject
        {
            seen.insert(
                subject.clone(),
                Seen {
                    checkpoint: s.checkpoint.clone(),
                    at: server_time.clone(),
                },
            );
            moved.insert(subject, i);
        }
        outcomes.push(ScanOutcome {
            id: s.id.clone(),
            verdict: judged.verdict.clone(),
            reason: judged.reason.clone(),
            words: judged.words.clone(),
            replayed: false,
        });
        let e = &item.audit;
        *audit
            .entry((&e.actor, &e.action, &e.target, &e.source))
            .or_default() += 1;
        fresh.push((i, judged));
    }
    let mut values = Vec::with_capacity(fresh.len() * 16);
    for (i, j) in &fresh {
        let s = &items[*i].scan;
        values.extend([
            Value::text(&s.id),
            opt_text(s.pass_id.as_deref()),
            opt_text(s.subject.as_deref()),
            Value::text(&s.kind),
            Value::Int(s.heads),
            Value::Int(s.lap_infants),
            opt_text(s.departure.as_deref()),
            Value::text(&s.checkpoint),
            Value::text(&s.device),
            Value::text(&s.agent),
            Value::text(&s.device_time),
            Value::text(&server_time),
            Value::Int(s.skew_seconds),
            Value::Int(i64::from(s.skew_flagged)),
            Value::text(&j.verdict),
            Value::text(&j.reason),
        ]);
    }
    if !values.is_empty() {
        insert_rows(
            conn,
            "INSERT INTO scans (id, pass_id, subject, kind, heads, lap_infants, departure, checkpoint, \
             device, agent, device_time, server_time, skew_seconds, skew_flagged, verdict, reason)",
            "",
            16,
            &values,
        )
        .await?;
    }
    // Whereabouts: one row per subject (its last scan of the commit), so one statement may
    // upsert them all.
    let mut values = Vec::with_capacity(moved.len() * 8);
    for (subject, i) in &moved {
        let s = &items[*i].scan;
        values.extend([
            Value::text(*subject),
            Value::text(&s.kind),
            Value::text(&s.checkpoint),
            opt_text(s.departure.as_deref()),
            Value::Int(s.heads),
            Value::Int(s.lap_infants),
            Value::text(&server_time),
            Value::text(&s.id),
        ]);
    }
    if !values.is_empty() {
        insert_rows(
            conn,
            "INSERT INTO whereabouts (subject, kind, checkpoint, departure, heads, lap_infants, at, scan_id)",
            "ON CONFLICT (subject) DO UPDATE SET kind = excluded.kind, checkpoint = excluded.checkpoint, \
             departure = COALESCE(excluded.departure, whereabouts.departure), heads = excluded.heads, \
             lap_infants = excluded.lap_infants, at = excluded.at, scan_id = excluded.scan_id",
            8,
            &values,
        )
        .await?;
    }
    for ((actor, action, target, source), n) in audit {
        let e = crate::AuditEvent::new(actor, action, target, format!("{n} scans"), source);
        append(conn, &e, now).await?;
    }
    Ok(outcomes)
}

#[derive(Clone, Debug, Default)]
pub struct CheckpointCount {
    pub checkpoint: String,
    pub subjects: i64,
    pub heads: i64,
    pub lap_infants: i64,
}

#[derive(Clone, Debug, Default)]
pub struct VerdictCount {
    pub verdict: String,
    pub reason: String,
    pub scans: i64,
}

fn pass_record(r: &sqlx::any::AnyRow) -> Result<PassRecord> {
    Ok(PassRecord {
        id: r.try_get("id")?,
        key_id: r.try_get("key_id")?,
        kind: r.try_get("kind")?,
        subject: r.try_get("subject")?,
        departure: r.try_get("departure")?,
        household_size: r.try_get("household_size")?,
        lap_infants: r.try_get("lap_infants")?,
        valid_from: r.try_get("valid_from")?,
        valid_until: r.try_get("valid_until")?,
        sealed_token: r.try_get("sealed_token")?,
        issued_at: r.try_get("issued_at")?,
        issued_by: r.try_get("issued_by")?,
        revoked_at: r.try_get("revoked_at")?,
        revoked_by: r.try_get("revoked_by")?,
        revoke_reason: r.try_get("revoke_reason")?,
    })
}

const SELECT_PASS: &str = "SELECT id, key_id, kind, subject, departure, household_size, lap_infants, \
     valid_from, valid_until, sealed_token, issued_at, issued_by, revoked_at, revoked_by, revoke_reason \
     FROM passes ";

/// `$1, $2, …` for an IN list.
fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(",")
}

impl Store {
    pub async fn pass_keys(&self) -> Result<Vec<PassKeyRecord>> {
        let rows = sqlx::query(
            "SELECT key_id, public_key, sealed_private, created_at FROM pass_keys ORDER BY key_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PassKeyRecord {
                    key_id: r.try_get(0)?,
                    public_key: r.try_get(1)?,
                    sealed_private: r.try_get(2)?,
                    created_at: r.try_get(3)?,
                })
            })
            .collect()
    }

    pub async fn create_pass_key(
        &self,
        key_id: i64,
        public_key: &[u8],
        sealed_private: &[u8],
        event: &crate::AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO pass_keys (key_id, public_key, sealed_private, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(key_id)
        .bind(public_key)
        .bind(sealed_private)
        .bind(timestamp(now))
        .bind(&event.actor)
        .execute(&mut *tx)
        .await?;
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every checkpoint in order, retired ones included (in their place).
    pub async fn checkpoints(&self) -> Result<Vec<CheckpointRecord>> {
        let rows = sqlx::query(
            "SELECT code, name, required, retired_at FROM checkpoints ORDER BY position",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CheckpointRecord {
                    code: r.try_get(0)?,
                    name: r.try_get(1)?,
                    required: r.try_get::<i64, _>(2)? != 0,
                    retired_at: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// Replaces the checkpoints with `steps`, in this order (already checked by the caller).
    pub async fn set_checkpoints(
        &self,
        steps: &[CheckpointRecord],
        event: &crate::AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM checkpoints")
            .execute(&mut *tx)
            .await?;
        let values: Vec<Value> = steps
            .iter()
            .enumerate()
            .flat_map(|(i, s)| {
                [
                    Value::text(&s.code),
                    Value::Int(i as i64 + 1),
                    Value::text(&s.name),
                    Value::Int(i64::from(s.required)),
                    opt_text(s.retired_at.as_deref()),
                ]
            })
            .collect();
        insert_rows(
            &mut tx,
            "INSERT INTO checkpoints (code, position, name, required, retired_at)",
            "",
            5,
            &values,
        )
        .await?;
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores newly issued passes (one transaction, one audit entry for the lot).
    pub async fn insert_passes(
        &self,
        passes: &[PassRecord],
        event: &crate::AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let rows: Vec<Vec<Bind>> = passes
            .iter()
            .map(|p| {
                vec![
                    Bind::Text(&p.id),
                    Bind::Int(p.key_id),
                    Bind::Text(&p.kind),
                    Bind::Text(&p.subject),
                    Bind::Text(&p.departure),
                    Bind::Int(p.household_size),
                    Bind::Int(p.lap_infants),
                    Bind::Text(&p.valid_from),
                    Bind::Text(&p.valid_until),
                    Bind::Blob(&p.sealed_token),
                    Bind::Text(&p.issued_at),
                    Bind::Text(&p.issued_by),
                    Bind::OptText(None),
                    Bind::OptText(None),
                    Bind::OptText(None),
                ]
            })
            .collect();
        bulk_insert(
            &mut tx,
            "passes (id, key_id, kind, subject, departure, household_size, lap_infants, valid_from, \
             valid_until, sealed_token, issued_at, issued_by, revoked_at, revoked_by, revoke_reason)",
            &rows,
        )
        .await?;
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn pass(&self, id: &str) -> Result<Option<PassRecord>> {
        let sql = format!("{SELECT_PASS} WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(pass_record).transpose()
    }

    /// Passes, newest first; for one departure or subject when given.
    pub async fn passes(
        &self,
        departure: Option<&str>,
        subject: Option<&str>,
        limit: i64,
    ) -> Result<Vec<PassRecord>> {
        let sql = format!(
            "{SELECT_PASS} WHERE ($1 = '' OR departure = $1) AND ($2 = '' OR subject = $2) \
             ORDER BY issued_at DESC, id LIMIT $3"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(departure.unwrap_or(""))
            .bind(subject.unwrap_or(""))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(pass_record).collect()
    }

    pub async fn revoke_pass(
        &self,
        id: &str,
        reason: &str,
        event: &crate::AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE passes SET revoked_at = $1, revoked_by = $2, revoke_reason = $3 \
             WHERE id = $4 AND revoked_at IS NULL",
        )
        .bind(timestamp(now))
        .bind(&event.actor)
        .bind(reason)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::NotFound(format!("live pass {id}")));
        }
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Revoked pass ids, for devices to refuse them offline.
    pub async fn revoked_passes(&self) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM passes WHERE revoked_at IS NOT NULL ORDER BY id")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Which of these scan ids are stored (to check that nothing acknowledged was lost).
    pub async fn scans_present(&self, ids: &[String]) -> Result<HashSet<String>> {
        let mut found = HashSet::new();
        for chunk in ids.chunks(500) {
            let sql = format!(
                "SELECT id FROM scans WHERE id IN ({})",
                placeholders(chunk.len())
            );
            let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(id);
            }
            found.extend(q.fetch_all(&self.pool).await?);
        }
        Ok(found)
    }

    /// People and households by the checkpoint they were last admitted at.
    pub async fn whereabouts_by_checkpoint(&self) -> Result<Vec<CheckpointCount>> {
        let rows = sqlx::query(
            "SELECT checkpoint, count(*), CAST(COALESCE(sum(heads), 0) AS BIGINT), CAST(COALESCE(sum(lap_infants), 0) AS BIGINT) \
             FROM whereabouts GROUP BY checkpoint",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CheckpointCount {
                    checkpoint: r.try_get(0)?,
                    subjects: r.try_get(1)?,
                    heads: r.try_get(2)?,
                    lap_infants: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// Scans since a time, by verdict and reason.
    pub async fn scan_verdicts_since(&self, since: &str) -> Result<Vec<VerdictCount>> {
        let rows = sqlx::query(
            "SELECT verdict, reason, count(*) FROM scans WHERE server_time >= $1 \
             GROUP BY verdict, reason ORDER BY verdict, reason",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(VerdictCount {
                    verdict: r.try_get(0)?,
                    reason: r.try_get(1)?,
                    scans: r.try_get(2)?,
                })
            })
            .collect()
    }

    pub async fn scan_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM scans")
            .fetch_one(&self.pool)
            .await?)
    }

    /// People on the registry by category and the checkpoint they (or their household) were
    /// last admitted at ('' when never scanned): `(category, checkpoint, people, lap infants)`.
    pub async fn people_by_category_and_checkpoint(
        &self,
    ) -> Result<Vec<(String, String, i64, i64)>> {
        let rows = sqlx::query(
            "SELECT p.category, \
             COALESCE(CASE WHEN wh.at IS NULL OR (wp.at IS NOT NULL AND wp.at >= wh.at) \
                      THEN wp.checkpoint ELSE wh.checkpoint END, '') AS cp, \
             count(*), CAST(COALESCE(sum(p.lap_infant), 0) AS BIGINT) \
             FROM persons p \
             LEFT JOIN whereabouts wp ON wp.subject = p.id \
             LEFT JOIN whereabouts wh ON wh.subject = p.household_id \
             GROUP BY p.category, cp",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
            .collect()
    }

    /// Live passes by departure and the checkpoint their holders were last admitted at:
    /// `(departure, checkpoint or '', passes, heads, lap infants)`.
    pub async fn passes_by_departure_and_checkpoint(
        &self,
    ) -> Result<Vec<(String, String, i64, i64, i64)>> {
        let rows = sqlx::query(
            "SELECT ps.departure, COALESCE(w.checkpoint, '') AS cp, count(*), \
             CAST(COALESCE(sum(ps.household_size), 0) AS BIGINT), CAST(COALESCE(sum(ps.lap_infants), 0) AS BIGINT) \
             FROM passes ps LEFT JOIN whereabouts w ON w.subject = ps.subject \
             WHERE ps.revoked_at IS NULL GROUP BY ps.departure, cp ORDER BY ps.departure",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get(0)?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                ))
            })
            .collect()
    }

    /// Scans that were not green, by departure ('' when the pass named none) and reason.
    pub async fn exceptions_by_departure(&self) -> Result<Vec<(String, String, String, i64)>> {
        let rows = sqlx::query(
            "SELECT COALESCE(departure, '') AS dep, verdict, reason, count(*) FROM scans \
             WHERE verdict <> 'green' GROUP BY dep, verdict, reason ORDER BY dep, verdict, reason",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
            .collect()
    }

    /// The latest scans that were not green (newest first).
    pub async fn recent_exceptions(&self, limit: i64) -> Result<Vec<ScanRow>> {
        let rows = sqlx::query(
            "SELECT id, pass_id, subject, departure, checkpoint, device, verdict, reason, \
             server_time, heads, skew_flagged FROM scans WHERE verdict <> 'green' \
             ORDER BY server_time DESC, id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(scan_row).collect()
    }

    /// The latest scans (newest first).
    pub async fn recent_scans(&self, limit: i64) -> Result<Vec<ScanRow>> {
        let rows = sqlx::query(
            "SELECT id, pass_id, subject, departure, checkpoint, device, verdict, reason, \
             server_time, heads, skew_flagged FROM scans ORDER BY server_time DESC, id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(scan_row).collect()
    }
}

/// A stored scan as the head-count pages list it (opaque ids only).
#[derive(Clone, Debug, serde::Serialize)]
pub struct ScanRow {
    pub id: String,
    pub pass_id: Option<String>,
    pub subject: Option<String>,
    pub departure: Option<String>,
    pub checkpoint: String,
    pub device: String,
    pub verdict: String,
    pub reason: String,
    pub server_time: String,
    pub heads: i64,
    pub skew_flagged: bool,
}

fn scan_row(r: &sqlx::any::AnyRow) -> Result<ScanRow> {
    Ok(ScanRow {
        id: r.try_get(0)?,
        pass_id: r.try_get(1)?,
        subject: r.try_get(2)?,
        departure: r.try_get(3)?,
        checkpoint: r.try_get(4)?,
        device: r.try_get(5)?,
        verdict: r.try_get(6)?,
        reason: r.try_get(7)?,
        server_time: r.try_get(8)?,
        heads: r.try_get(9)?,
        skew_flagged: r.try_get::<i64, _>(10)? != 0,
    })
}

use crate::store::Conn;
use crate::{Result, Store, timestamp};
use drawdown_domain::audit::{AuditEntry, AuditEvent, ChainReport, ChainVerifier, next_entry};
use futures_util::TryStreamExt;
use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

/// Appends to the chain inside the caller's write transaction. The head row is updated first,
/// so the transaction holds the write lock before it reads anything.
pub(crate) async fn append(
    conn: &mut Conn,
    event: &AuditEvent,
    now: OffsetDateTime,
) -> Result<AuditEntry> {
    let row = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *conn)
        .await?;
    let seq: i64 = row.try_get(0)?;
    let prev_hash: String = row.try_get(1)?;
    let entry = next_entry(Some((seq - 1, &prev_hash)), timestamp(now), event.clone());
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, target, detail, source, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(entry.seq)
    .bind(&entry.at)
    .bind(&entry.event.actor)
    .bind(&entry.event.action)
    .bind(&entry.event.target)
    .bind(&entry.event.detail)
    .bind(&entry.event.source)
    .bind(&entry.prev_hash)
    .bind(&entry.hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&entry.hash)
        .execute(&mut *conn)
        .await?;
    Ok(entry)
}

fn entry(row: &AnyRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        event: AuditEvent {
            actor: row.try_get("actor")?,
            action: row.try_get("action")?,
            target: row.try_get("target")?,
            detail: row.try_get("detail")?,
            source: row.try_get("source")?,
        },
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// A filter on the audit log's view.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    /// Matches actions starting with this (e.g. "user." or "people.read").
    pub action: Option<String>,
    pub limit: i64,
    pub before_seq: Option<i64>,
}

impl Store {
    /// Records an event that is not a write of its own: a read of a list, an export, a login
    /// failure.
    pub async fn audit(&self, event: &AuditEvent, now: OffsetDateTime) -> Result<AuditEntry> {
        let mut tx = self.begin_write().await?;
        let e = append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(e)
    }

    /// Newest first, filtered.
    pub async fn audit_entries(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, target, detail, source, prev_hash, hash FROM audit_log \
             WHERE ($1 = '' OR actor = $1) AND ($2 = '' OR action LIKE $2 || '%') AND seq < $3 \
             ORDER BY seq DESC LIMIT $4",
        )
        .bind(f.actor.clone().unwrap_or_default())
        .bind(f.action.clone().unwrap_or_default())
        .bind(f.before_seq.unwrap_or(i64::MAX))
        .bind(if f.limit <= 0 { 100 } else { f.limit })
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(entry).collect()
    }

    /// The recorded head: the last position and hash the chain reached.
    pub async fn audit_head(&self) -> Result<(i64, String)> {
        let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }

    /// Walks the whole chain in stored order, streaming, and checks it against the head.
    pub async fn verify_audit(&self) -> Result<ChainReport> {
        let head = self.audit_head().await?;
        let mut verifier = ChainVerifier::new();
        let mut rows = sqlx::query(
            "SELECT seq, at, actor, action, target, detail, source, prev_hash, hash FROM audit_log ORDER BY seq",
        )
        .fetch(&self.pool);
        while let Some(row) = rows.try_next().await? {
            verifier.push(&entry(&row)?);
        }
        let head = (head.0 > 0).then_some(head);
        Ok(verifier.finish(head.as_ref().map(|(s, h)| (*s, h.as_str()))))
    }
}

use crate::audit::append;
use crate::store::Backend;
use crate::{Result, StorageError, Store, timestamp};
use drawdown_domain::audit::AuditEvent;
use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

/// Whether the deployment still holds readable personal data.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeploymentState {
    pub wiped_at: Option<String>,
    pub wiped_by: Option<String>,
}

impl DeploymentState {
    pub fn is_wiped(&self) -> bool {
        self.wiped_at.is_some()
    }
}

/// A first wipe authority's request, waiting for a second one's confirmation.
#[derive(Clone, Debug, PartialEq)]
pub struct WipeRequest {
    pub id: String,
    pub requested_by: String,
    pub requested_at: String,
    pub expires_at: String,
    pub handoff_recipient: Option<String>,
    pub state: String,
}

/// What the wipe did beyond destroying the key.
#[derive(Clone, Debug, PartialEq)]
pub struct WipeOutcome {
    /// SQLite: the write-ahead log was checkpointed and truncated, so no old page image of
    /// the key survives in it. PostgreSQL: the vault table was vacuumed.
    pub compacted: bool,
}

fn wipe_request(row: &AnyRow) -> Result<WipeRequest> {
    Ok(WipeRequest {
        id: row.try_get("id")?,
        requested_by: row.try_get("requested_by")?,
        requested_at: row.try_get("requested_at")?,
        expires_at: row.try_get("expires_at")?,
        handoff_recipient: row.try_get("handoff_recipient")?,
        state: row.try_get("state")?,
    })
}

impl Store {
    /// The sealed vault header, if the vault exists (it does not after a wipe).
    pub async fn vault_header(&self) -> Result<Option<Vec<u8>>> {
        Ok(sqlx::query_scalar("SELECT header FROM vault WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn create_vault(
        &self,
        header: &[u8],
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let exists: i64 = sqlx::query_scalar("SELECT count(*) FROM vault")
            .fetch_one(&mut *tx)
            .await?;
        if exists > 0 {
            return Err(StorageError::Conflict(
                "this database already has a vault".into(),
            ));
        }
        sqlx::query("INSERT INTO vault (id, header, created_at) VALUES (1, $1, $2)")
            .bind(header)
            .bind(timestamp(now))
            .execute(&mut *tx)
            .await?;
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn deployment_state(&self) -> Result<DeploymentState> {
        let row = sqlx::query("SELECT wiped_at, wiped_by FROM deployment WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(DeploymentState {
            wiped_at: row.try_get(0)?,
            wiped_by: row.try_get(1)?,
        })
    }

    pub async fn request_wipe(
        &self,
        req: &WipeRequest,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let pending: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM wipe_requests WHERE state = 'pending' AND expires_at > $1",
        )
        .bind(timestamp(now))
        .fetch_one(&mut *tx)
        .await?;
        if pending > 0 {
            return Err(StorageError::Conflict(
                "a wipe request is already waiting for confirmation".into(),
            ));
        }
        sqlx::query(
            "INSERT INTO wipe_requests (id, requested_by, requested_at, expires_at, handoff_recipient, state) \
             VALUES ($1, $2, $3, $4, $5, 'pending')",
        )
        .bind(&req.id)
        .bind(&req.requested_by)
        .bind(&req.requested_at)
        .bind(&req.expires_at)
        .bind(req.handoff_recipient.as_deref())
        .execute(&mut *tx)
        .await?;
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The request waiting for a second person, if any and not expired.
    pub async fn pending_wipe(&self, now: OffsetDateTime) -> Result<Option<WipeRequest>> {
        let row = sqlx::query(
            "SELECT id, requested_by, requested_at, expires_at, handoff_recipient, state FROM wipe_requests \
             WHERE state = 'pending' AND expires_at > $1 ORDER BY requested_at DESC LIMIT 1",
        )
        .bind(timestamp(now))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(wipe_request).transpose()
    }

    pub async fn cancel_wipe(
        &self,
        id: &str,
        by: &str,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE wipe_requests SET state = 'cancelled', decided_by = $1, decided_at = $2 WHERE id = $3 AND state = 'pending'",
        )
        .bind(by)
        .bind(timestamp(now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::NotFound("pending wipe request".into()));
        }
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Crypto-shredding: overwrites and deletes the wrapped root key and marks the deployment
    /// wiped, in one transaction whose cost does not depend on how many records exist. With
    /// `confirm = Some((request_id, confirmer))` the request must be pending, unexpired and made
    /// by someone else (the two-person rule is checked here, where it cannot be skipped).
    pub async fn destroy_key_material(
        &self,
        confirm: Option<(&str, &str)>,
        wiped_by: &str,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<WipeOutcome> {
        let ts = timestamp(now);
        let mut tx = self.begin_write().await?;
        if self.backend() == Backend::Sqlite {
            // Deleted key material is overwritten with zeros, not left in a free page.
            sqlx::query("PRAGMA secure_delete = ON")
                .execute(&mut *tx)
                .await?;
        }
        if let Some((id, confirmer)) = confirm {
            let done = sqlx::query(
                "UPDATE wipe_requests SET state = 'executed', decided_by = $1, decided_at = $2 \
                 WHERE id = $3 AND state = 'pending' AND expires_at > $2 AND requested_by <> $1",
            )
            .bind(confirmer)
            .bind(&ts)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StorageError::Conflict(
                    "this wipe request is not waiting for you: it expired, was cancelled, or you made it yourself (a second person must confirm)".into(),
                ));
            }
        }
        let header: Option<Vec<u8>> = sqlx::query_scalar("SELECT header FROM vault WHERE id = 1")
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(h) = header {
            // Overwrite in place before deleting, so the row's old bytes are not what is freed.
            sqlx::query("UPDATE vault SET header = $1 WHERE id = 1")
                .bind(vec![0u8; h.len()])
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM vault").execute(&mut *tx).await?;
        }
        sqlx::query(
            "UPDATE deployment SET state = 'wiped', wiped_at = $1, wiped_by = $2 WHERE id = 1",
        )
        .bind(&ts)
        .bind(wiped_by)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE wipe_requests SET state = 'superseded' WHERE state = 'pending'")
            .execute(&mut *tx)
            .await?;
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        let compacted = self.compact_after_wipe().await;
        Ok(WipeOutcome { compacted })
    }

    /// Removes old page images of the key from the log files the database keeps.
    async fn compact_after_wipe(&self) -> bool {
        match self.backend() {
            Backend::Sqlite => {
                // Readers may hold the log for a moment; retry briefly.
                for _ in 0..50 {
                    let busy: Result<i64, sqlx::Error> =
                        sqlx::query_scalar("PRAGMA wal_checkpoint(TRUNCATE)")
                            .fetch_one(&self.pool)
                            .await;
                    if let Ok(0) = busy {
                        return true;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
                false
            }
            Backend::Postgres => sqlx::query("VACUUM FULL vault")
                .execute(&self.pool)
                .await
                .is_ok(),
        }
    }
}

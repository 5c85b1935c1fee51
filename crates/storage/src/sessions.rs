use crate::audit::append;
use crate::users::{UserRecord, user};
use crate::{Result, StorageError, Store, timestamp};
use drawdown_domain::Role;
use drawdown_domain::audit::AuditEvent;
use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

/// A live browser session: only the token's hash is stored, so a copy of the database does
/// not give anyone a session.
#[derive(Clone, Debug)]
pub struct SessionRecord {
    pub token_hash: String,
    pub csrf_token: String,
    pub expires_at: String,
    pub user: UserRecord,
}

/// A device's API token (a checkpoint scanner), with the one role it acts with.
#[derive(Clone, Debug)]
pub struct ApiTokenRecord {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub created_by: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

fn token(row: &AnyRow) -> Result<ApiTokenRecord> {
    let role: String = row.try_get("role")?;
    Ok(ApiTokenRecord {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        role: Role::parse(&role).map_err(|e| StorageError::Database(e.to_string()))?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

impl Store {
    #[allow(clippy::too_many_arguments)]
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: &str,
        csrf_token: &str,
        expires_at: OffsetDateTime,
        source: &str,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, source) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf_token)
        .bind(timestamp(now))
        .bind(timestamp(expires_at))
        .bind(source)
        .execute(&mut *tx)
        .await?;
        // Expired sessions go when new ones come: no sweeper task needed.
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(timestamp(now))
            .execute(&mut *tx)
            .await?;
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The session and its user, if the session exists, has not expired and the user is
    /// enabled.
    pub async fn session(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<SessionRecord>> {
        let row = sqlx::query(
            "SELECT s.token_hash, s.csrf_token, s.expires_at, u.id, u.username, u.password_hash, u.roles, \
                    u.disabled, u.created_at, u.updated_at \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0",
        )
        .bind(token_hash)
        .bind(timestamp(now))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(SessionRecord {
            token_hash: row.try_get("token_hash")?,
            csrf_token: row.try_get("csrf_token")?,
            expires_at: row.try_get("expires_at")?,
            user: user(&row)?,
        }))
    }

    pub async fn end_session(
        &self,
        token_hash: &str,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *tx)
            .await?;
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn create_api_token(
        &self,
        id: &str,
        name: &str,
        token_hash: &str,
        role: Role,
        created_by: &str,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO api_tokens (id, name, token_hash, role, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(name)
        .bind(token_hash)
        .bind(role.slug())
        .bind(created_by)
        .bind(timestamp(now))
        .execute(&mut *tx)
        .await?;
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A live (not revoked) token by its hash.
    pub async fn api_token(&self, token_hash: &str) -> Result<Option<ApiTokenRecord>> {
        let row = sqlx::query(
            "SELECT id, name, role, created_by, created_at, revoked_at FROM api_tokens \
             WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(token).transpose()
    }

    pub async fn api_tokens(&self) -> Result<Vec<ApiTokenRecord>> {
        let rows = sqlx::query(
            "SELECT id, name, role, created_by, created_at, revoked_at FROM api_tokens ORDER BY created_at DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(token).collect()
    }

    pub async fn revoke_api_token(
        &self,
        id: &str,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(timestamp(now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::NotFound(format!("live token {id}")));
        }
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

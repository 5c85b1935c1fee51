use crate::audit::append;
use crate::{Result, StorageError, Store, timestamp};
use drawdown_domain::RoleSet;
use drawdown_domain::audit::AuditEvent;
use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

/// An account. The password hash is Argon2id (PHC string), made by the web layer.
#[derive(Clone, Debug, PartialEq)]
pub struct UserRecord {
    pub id: String,
    pub username: String,
    pub password_hash: String,
    pub roles: RoleSet,
    pub disabled: bool,
    pub created_at: String,
    pub updated_at: String,
}

pub struct NewUser<'a> {
    pub id: &'a str,
    pub username: &'a str,
    pub password_hash: &'a str,
    pub roles: RoleSet,
}

pub(crate) fn user(row: &AnyRow) -> Result<UserRecord> {
    let roles: String = row.try_get("roles")?;
    Ok(UserRecord {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        password_hash: row.try_get("password_hash")?,
        roles: RoleSet::parse(&roles).map_err(|e| StorageError::Database(e.to_string()))?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// A static query over the users' columns (sqlx wants SQL that is visibly not built from input).
macro_rules! select_users {
    ($rest:literal) => {
        concat!("SELECT id, username, password_hash, roles, disabled, created_at, updated_at FROM users ", $rest)
    };
}

impl Store {
    pub async fn create_user(
        &self,
        u: &NewUser<'_>,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let ts = timestamp(now);
        sqlx::query(
            "INSERT INTO users (id, username, password_hash, roles, disabled, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 0, $5, $5)",
        )
        .bind(u.id)
        .bind(u.username)
        .bind(u.password_hash)
        .bind(u.roles.to_string())
        .bind(&ts)
        .execute(&mut *tx)
        .await
        .map_err(|e| match StorageError::from(e) {
            StorageError::Conflict(_) => StorageError::Conflict(format!("the username '{}' is taken", u.username)),
            other => other,
        })?;
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>> {
        let row = sqlx::query(select_users!("WHERE username = $1"))
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user).transpose()
    }

    pub async fn user_by_id(&self, id: &str) -> Result<Option<UserRecord>> {
        let row = sqlx::query(select_users!("WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user).transpose()
    }

    pub async fn users(&self) -> Result<Vec<UserRecord>> {
        let rows = sqlx::query(select_users!("ORDER BY username"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(user).collect()
    }

    pub async fn count_users(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM users")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Changes roles and/or the disabled flag. Disabling ends the user's sessions.
    pub async fn update_user_access(
        &self,
        id: &str,
        roles: RoleSet,
        disabled: bool,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE users SET roles = $1, disabled = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(roles.to_string())
        .bind(i64::from(disabled))
        .bind(timestamp(now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::NotFound(format!("user {id}")));
        }
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets a new password hash and ends every other session of the user.
    pub async fn set_password(
        &self,
        id: &str,
        password_hash: &str,
        keep_session: Option<&str>,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(password_hash)
            .bind(timestamp(now))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(id)
            .bind(keep_session.unwrap_or(""))
            .execute(&mut *tx)
            .await?;
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

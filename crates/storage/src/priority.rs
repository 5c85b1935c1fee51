//! Priority rules, in order.

use crate::audit::append;
use crate::{Result, StorageError, Store, timestamp};
use drawdown_domain::audit::AuditEvent;
use drawdown_domain::people::Category;
use drawdown_domain::priority::Rule;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use time::OffsetDateTime;

/// The conditions column: what a rule looks at.
#[derive(Serialize, Deserialize)]
struct Conditions {
    category: Option<Category>,
    claimed: Option<bool>,
    has_document: Option<bool>,
}

impl Store {
    /// The rules in the order they are read, with their ids.
    pub async fn priority_rules(&self) -> Result<Vec<(String, Rule)>> {
        let rows = sqlx::query(
            "SELECT id, name, conditions, tier, effective_from, effective_to FROM priority_rules ORDER BY position, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let c: String = r.try_get("conditions")?;
                let c: Conditions = serde_json::from_str(&c)
                    .map_err(|e| StorageError::Database(format!("priority rule: {e}")))?;
                let tier: i64 = r.try_get("tier")?;
                Ok((
                    r.try_get("id")?,
                    Rule {
                        name: r.try_get("name")?,
                        category: c.category,
                        claimed: c.claimed,
                        has_document: c.has_document,
                        tier: u8::try_from(tier).unwrap_or(9),
                        from: r.try_get("effective_from")?,
                        to: r.try_get("effective_to")?,
                    },
                ))
            })
            .collect()
    }

    /// Adds a rule after the others.
    pub async fn add_priority_rule(
        &self,
        id: &str,
        rule: &Rule,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let conditions = serde_json::to_string(&Conditions {
            category: rule.category,
            claimed: rule.claimed,
            has_document: rule.has_document,
        })
        .map_err(|e| StorageError::Database(e.to_string()))?;
        let mut tx = self.begin_write().await?;
        let last: Option<i64> = sqlx::query_scalar("SELECT max(position) FROM priority_rules")
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO priority_rules (id, position, name, conditions, tier, effective_from, effective_to, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(last.unwrap_or(0) + 1)
        .bind(&rule.name)
        .bind(conditions)
        .bind(i64::from(rule.tier))
        .bind(&rule.from)
        .bind(rule.to.as_deref())
        .bind(timestamp(now))
        .execute(&mut *tx)
        .await?;
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn delete_priority_rule(
        &self,
        id: &str,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM priority_rules WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::NotFound(format!("priority rule {id}")));
        }
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

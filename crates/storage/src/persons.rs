use crate::audit::append;
use crate::{Result, Store, timestamp};
use drawdown_domain::audit::AuditEvent;
use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

/// A person as stored: what is not personal in the clear, the rest sealed by the vault.
#[derive(Clone, Debug, PartialEq)]
pub struct PersonRecord {
    pub id: String,
    pub category: String,
    pub priority: i64,
    pub site_code: Option<String>,
    pub sealed: Vec<u8>,
    pub created_at: String,
}

pub struct NewPerson {
    pub id: String,
    pub category: String,
    pub priority: i64,
    pub site_code: Option<String>,
    pub sealed: Vec<u8>,
    pub name_index: String,
}

fn person(row: &AnyRow) -> Result<PersonRecord> {
    Ok(PersonRecord {
        id: row.try_get("id")?,
        category: row.try_get("category")?,
        priority: row.try_get("priority")?,
        site_code: row.try_get("site_code")?,
        sealed: row.try_get("sealed")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    /// Adds people in one transaction with one audit entry (an import is one act).
    pub async fn add_persons(
        &self,
        people: &[NewPerson],
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let ts = timestamp(now);
        for p in people {
            sqlx::query(
                "INSERT INTO persons (id, category, priority, site_code, sealed, name_index, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
            )
            .bind(&p.id)
            .bind(&p.category)
            .bind(p.priority)
            .bind(p.site_code.as_deref())
            .bind(&p.sealed)
            .bind(&p.name_index)
            .bind(&ts)
            .execute(&mut *tx)
            .await?;
        }
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Head-counts by category (no personal data).
    pub async fn count_persons_by_category(&self) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT category, count(*) AS n FROM persons GROUP BY category ORDER BY category",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// A page of people, in priority order; optionally one category or one blind-index match.
    pub async fn persons(
        &self,
        category: Option<&str>,
        name_index: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<PersonRecord>> {
        let rows = sqlx::query(
            "SELECT id, category, priority, site_code, sealed, created_at FROM persons \
             WHERE ($1 = '' OR category = $1) AND ($2 = '' OR name_index = $2) \
             ORDER BY priority, created_at, id LIMIT $3 OFFSET $4",
        )
        .bind(category.unwrap_or(""))
        .bind(name_index.unwrap_or(""))
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(person).collect()
    }

    pub async fn count_persons(
        &self,
        category: Option<&str>,
        name_index: Option<&str>,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT count(*) FROM persons WHERE ($1 = '' OR category = $1) AND ($2 = '' OR name_index = $2)",
        )
        .bind(category.unwrap_or(""))
        .bind(name_index.unwrap_or(""))
        .fetch_one(&self.pool)
        .await?)
    }

    /// Every sealed record, for the hand-off export (streamed by pages by the caller).
    pub async fn all_persons(&self) -> Result<Vec<PersonRecord>> {
        let rows = sqlx::query(
            "SELECT id, category, priority, site_code, sealed, created_at FROM persons ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(person).collect()
    }
}

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
    pub household_id: Option<String>,
    pub priority_rule: String,
    pub priority_override: Option<i64>,
    pub status: String,
    pub lap_infant: bool,
}

fn person(row: &AnyRow) -> Result<PersonRecord> {
    Ok(PersonRecord {
        id: row.try_get("id")?,
        category: row.try_get("category")?,
        priority: row.try_get("priority")?,
        site_code: row.try_get("site_code")?,
        sealed: row.try_get("sealed")?,
        created_at: row.try_get("created_at")?,
        household_id: row.try_get("household_id")?,
        priority_rule: row.try_get("priority_rule")?,
        priority_override: row.try_get("priority_override")?,
        status: row.try_get("status")?,
        lap_infant: row.try_get::<i64, _>("lap_infant")? != 0,
    })
}

/// A static query over the persons' columns.
macro_rules! select_persons {
    ($rest:expr) => {
        concat!(
            "SELECT id, category, priority, site_code, sealed, created_at, household_id, priority_rule, \
             priority_override, status, lap_infant FROM persons ",
            $rest
        )
    };
}

/// Filters of the people list; empty strings and zero mean "any".
#[derive(Clone, Debug, Default)]
pub struct PersonFilter {
    pub category: String,
    pub priority: i64,
    /// "yes": in a household; "no": alone.
    pub household: String,
    /// "claimed": a status only claimed, not verified.
    pub status: String,
    /// A list's name: people with a live row on it.
    pub source: String,
}

impl PersonFilter {
    /// The same filter, on a record already fetched (for search results).
    pub fn admits(&self, p: &PersonRecord) -> bool {
        (self.category.is_empty() || p.category == self.category)
            && (self.priority == 0 || p.priority_override.unwrap_or(p.priority) == self.priority)
            && match self.household.as_str() {
                "yes" => p.household_id.is_some(),
                "no" => p.household_id.is_none(),
                _ => true,
            }
            && (self.status.is_empty() || !p.status.is_empty())
    }
}

macro_rules! person_filter {
    () => {
        "WHERE ($1 = '' OR category = $1) AND ($2 = 0 OR COALESCE(priority_override, priority) = $2) \
         AND ($3 = '' OR ($3 = 'yes' AND household_id IS NOT NULL) OR ($3 = 'no' AND household_id IS NULL)) \
         AND ($4 = '' OR status <> '') \
         AND ($5 = '' OR id IN (SELECT r.person_id FROM source_rows r JOIN sources s ON s.id = r.source_id \
                                WHERE s.name = $5 AND r.removed_in IS NULL)) "
    };
}

impl Store {
    /// A page of the people list, priority first.
    pub async fn persons_filtered(
        &self,
        f: &PersonFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<PersonRecord>> {
        let rows = sqlx::query(select_persons!(concat!(
            person_filter!(),
            "ORDER BY COALESCE(priority_override, priority), created_at, id LIMIT $6 OFFSET $7"
        )))
        .bind(&f.category)
        .bind(f.priority)
        .bind(&f.household)
        .bind(&f.status)
        .bind(&f.source)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(person).collect()
    }

    pub async fn count_filtered(&self, f: &PersonFilter) -> Result<i64> {
        Ok(
            sqlx::query_scalar(concat!("SELECT count(*) FROM persons ", person_filter!()))
                .bind(&f.category)
                .bind(f.priority)
                .bind(&f.household)
                .bind(&f.status)
                .bind(&f.source)
                .fetch_one(&self.pool)
                .await?,
        )
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
        let rows = sqlx::query(select_persons!(
            "WHERE ($1 = '' OR category = $1) AND ($2 = '' OR name_index = $2) \
             ORDER BY priority, created_at, id LIMIT $3 OFFSET $4"
        ))
        .bind(category.unwrap_or(""))
        .bind(name_index.unwrap_or(""))
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(person).collect()
    }

    pub async fn person(&self, id: &str) -> Result<Option<PersonRecord>> {
        let row = sqlx::query(select_persons!("WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(person).transpose()
    }

    /// Persons by id, in the order given (ids that do not exist are skipped).
    pub async fn persons_by_ids(&self, ids: &[String]) -> Result<Vec<PersonRecord>> {
        let mut found: std::collections::HashMap<String, PersonRecord> =
            std::collections::HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(200) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "{} WHERE id IN ({})",
                select_persons!(""),
                placeholders.join(",")
            );
            // Only placeholders are generated; every id is bound.
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(id);
            }
            for row in q.fetch_all(&self.pool).await? {
                let p = person(&row)?;
                found.insert(p.id.clone(), p);
            }
        }
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }

    pub async fn household_members(&self, household_id: &str) -> Result<Vec<PersonRecord>> {
        let rows = sqlx::query(select_persons!("WHERE household_id = $1 ORDER BY id"))
            .bind(household_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(person).collect()
    }

    /// A registrar's priority for one person, over the rules (None gives the rules back).
    pub async fn set_priority_override(
        &self,
        id: &str,
        tier: Option<i64>,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done =
            sqlx::query("UPDATE persons SET priority_override = $1, updated_at = $2 WHERE id = $3")
                .bind(tier)
                .bind(timestamp(now))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(crate::StorageError::NotFound(format!("person {id}")));
        }
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every sealed record, for the hand-off export (streamed by pages by the caller).
    pub async fn all_persons(&self) -> Result<Vec<PersonRecord>> {
        let rows = sqlx::query(select_persons!("ORDER BY id"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(person).collect()
    }
}

use crate::audit::append;
use crate::{Result, Store, timestamp};
use drawdown_domain::audit::AuditEvent;
use drawdown_domain::scenario::{Organisation, Site};
use sqlx::Row;
use time::OffsetDateTime;

#[derive(Clone, Debug, PartialEq)]
pub struct SiteRecord {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub country: String,
    pub latitude: f64,
    pub longitude: f64,
}

impl Store {
    /// Sets the organisation and its sites (replacing sites with the same code).
    pub async fn set_organisation(
        &self,
        org: &Organisation,
        sites: &[Site],
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM organisation")
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO organisation (id, name, country, created_at) VALUES (1, $1, $2, $3)",
        )
        .bind(&org.name)
        .bind(&org.country)
        .bind(timestamp(now))
        .execute(&mut *tx)
        .await?;
        for s in sites {
            sqlx::query("DELETE FROM sites WHERE code = $1")
                .bind(&s.code)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO sites (code, name, kind, country, latitude, longitude) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&s.code)
            .bind(&s.name)
            .bind(s.kind.slug())
            .bind(&s.country)
            .bind(s.latitude)
            .bind(s.longitude)
            .execute(&mut *tx)
            .await?;
        }
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The organisation's name and country, once set.
    pub async fn organisation(&self) -> Result<Option<(String, String)>> {
        let row = sqlx::query("SELECT name, country FROM organisation WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }

    /// The post's scenario clock, if one is set: (scenario moment, real moment it was set),
    /// both RFC 3339. The scenario time runs on from the first as real time passes the second.
    pub async fn scenario_clock(&self) -> Result<Option<(String, String)>> {
        let row = sqlx::query("SELECT scenario_at, set_at FROM scenario_clock WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }

    /// Sets the scenario clock to `scenario_at` now (None: back to the real clock).
    pub async fn set_scenario_clock(
        &self,
        scenario_at: Option<&str>,
        by: &str,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM scenario_clock")
            .execute(&mut *tx)
            .await?;
        if let Some(at) = scenario_at {
            sqlx::query(
                "INSERT INTO scenario_clock (id, scenario_at, set_at, set_by) VALUES (1, $1, $2, $3)",
            )
            .bind(at)
            .bind(timestamp(now))
            .bind(by)
            .execute(&mut *tx)
            .await?;
        }
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn sites(&self) -> Result<Vec<SiteRecord>> {
        let rows = sqlx::query(
            "SELECT code, name, kind, country, latitude, longitude FROM sites ORDER BY code",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SiteRecord {
                    code: r.try_get("code")?,
                    name: r.try_get("name")?,
                    kind: r.try_get("kind")?,
                    country: r.try_get("country")?,
                    latitude: r.try_get("latitude")?,
                    longitude: r.try_get("longitude")?,
                })
            })
            .collect()
    }
}

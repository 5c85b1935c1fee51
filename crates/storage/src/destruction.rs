//! Storage for destruction: holdings, devices, the matrix's overrides, burn bags, witnessed
//! records and their certificates (migration 0004_destruction.sql). The guards that keep the
//! ledger true (never negative, a bag destroyed once, a witness who is not the operator) are
//! in the SQL itself, so two sessions racing cannot break them.

use crate::audit::append;
use crate::registry::{Bind, bulk_insert};
use crate::{Result, StorageError, Store, timestamp};
use drawdown_domain::audit::AuditEvent;
use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

/// A kind the post added to the defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct KindRow {
    pub slug: String,
    pub label: String,
    pub unit: String,
    pub kg_per_unit: f64,
    pub priority: i64,
    /// Comma-separated method slugs.
    pub methods: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct HoldingRow {
    pub id: String,
    pub kind: String,
    pub description: String,
    pub quantity: i64,
    pub initial_quantity: i64,
    pub classification: String,
    pub location: String,
    pub custodian: String,
    pub priority: i64,
    pub created_at: String,
    pub updated_at: String,
    /// Of `quantity`, how much is sealed in burn bags not yet destroyed.
    pub sealed: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DeviceRow {
    pub id: String,
    pub name: String,
    pub method: String,
    pub kg_per_hour: f64,
    pub hours_per_day: f64,
    pub status: String,
    pub location: String,
    pub updated_at: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BurnBagRow {
    pub id: String,
    pub serial: String,
    pub holding_id: String,
    pub contents: String,
    pub quantity: i64,
    pub sealed_by: String,
    pub sealed_at: String,
    pub record_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RecordRow {
    pub id: String,
    pub number: i64,
    pub holding_id: String,
    pub kind: String,
    pub quantity: i64,
    pub method: String,
    pub device_id: Option<String>,
    pub burn_bag_id: Option<String>,
    pub operator: String,
    pub destroyed_at: String,
    pub note: String,
    pub status: String,
    pub witness: Option<String>,
    pub witnessed_at: Option<String>,
}

/// A record waiting for its witness.
pub const PENDING_WITNESS: &str = "pending_witness";
pub const WITNESSED: &str = "witnessed";

#[derive(Clone, Debug, PartialEq)]
pub struct DestructionSettings {
    pub emergency: bool,
    pub emergency_priority: i64,
    pub deadline_hours: i64,
    pub updated_by: String,
    pub updated_at: String,
}

fn holding(r: &AnyRow) -> Result<HoldingRow> {
    Ok(HoldingRow {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        description: r.try_get("description")?,
        quantity: r.try_get("quantity")?,
        initial_quantity: r.try_get("initial_quantity")?,
        classification: r.try_get("classification")?,
        location: r.try_get("location")?,
        custodian: r.try_get("custodian")?,
        priority: r.try_get("priority")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        sealed: r.try_get("sealed")?,
    })
}

fn device(r: &AnyRow) -> Result<DeviceRow> {
    Ok(DeviceRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        method: r.try_get("method")?,
        kg_per_hour: r.try_get("kg_per_hour")?,
        hours_per_day: r.try_get("hours_per_day")?,
        status: r.try_get("status")?,
        location: r.try_get("location")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn bag(r: &AnyRow) -> Result<BurnBagRow> {
    Ok(BurnBagRow {
        id: r.try_get("id")?,
        serial: r.try_get("serial")?,
        holding_id: r.try_get("holding_id")?,
        contents: r.try_get("contents")?,
        quantity: r.try_get("quantity")?,
        sealed_by: r.try_get("sealed_by")?,
        sealed_at: r.try_get("sealed_at")?,
        record_id: r.try_get("record_id")?,
    })
}

fn record(r: &AnyRow) -> Result<RecordRow> {
    Ok(RecordRow {
        id: r.try_get("id")?,
        number: r.try_get("number")?,
        holding_id: r.try_get("holding_id")?,
        kind: r.try_get("kind")?,
        quantity: r.try_get("quantity")?,
        method: r.try_get("method")?,
        device_id: r.try_get("device_id")?,
        burn_bag_id: r.try_get("burn_bag_id")?,
        operator: r.try_get("operator")?,
        destroyed_at: r.try_get("destroyed_at")?,
        note: r.try_get("note")?,
        status: r.try_get("status")?,
        witness: r.try_get("witness")?,
        witnessed_at: r.try_get("witnessed_at")?,
    })
}

fn kind(r: &AnyRow) -> Result<KindRow> {
    Ok(KindRow {
        slug: r.try_get("slug")?,
        label: r.try_get("label")?,
        unit: r.try_get("unit")?,
        kg_per_unit: r.try_get("kg_per_unit")?,
        priority: r.try_get("priority")?,
        methods: r.try_get("methods")?,
    })
}

/// Every row `sql` selects, each read by `read`.
async fn rows<T>(
    store: &Store,
    sql: &'static str,
    read: fn(&AnyRow) -> Result<T>,
) -> Result<Vec<T>> {
    let rows = sqlx::query(sql).fetch_all(&store.pool).await?;
    rows.iter().map(read).collect()
}

/// The row `sql` selects for `$1 = id`, if there is one.
async fn row<T>(
    store: &Store,
    sql: &'static str,
    id: &str,
    read: fn(&AnyRow) -> Result<T>,
) -> Result<Option<T>> {
    let row = sqlx::query(sql)
        .bind(id)
        .fetch_optional(&store.pool)
        .await?;
    row.as_ref().map(read).transpose()
}

/// A unique constraint's refusal in the user's words; other errors as they are.
fn taken(message: String) -> impl FnOnce(sqlx::Error) -> StorageError {
    move |e| match StorageError::from(e) {
        StorageError::Conflict(_) => StorageError::Conflict(message),
        other => other,
    }
}

/// What of a holding is sealed in bags not yet destroyed (`$holding`: its id in the query).
macro_rules! sealed {
    ($holding:literal) => {
        concat!(
            "CAST(COALESCE((SELECT SUM(b.quantity) FROM burn_bags b WHERE b.holding_id = ",
            $holding,
            " AND b.record_id IS NULL), 0) AS BIGINT)"
        )
    };
}

macro_rules! select_holdings {
    ($rest:expr) => {
        concat!(
            "SELECT h.id, h.kind, h.description, h.quantity, h.initial_quantity, h.classification, h.location, \
             h.custodian, h.priority, h.created_at, h.updated_at, ",
            sealed!("h.id"),
            " AS sealed FROM holdings h ",
            $rest
        )
    };
}

macro_rules! select_devices {
    ($rest:expr) => {
        concat!(
            "SELECT id, name, method, kg_per_hour, hours_per_day, status, location, updated_at FROM destruction_devices ",
            $rest
        )
    };
}

macro_rules! select_bags {
    ($rest:expr) => {
        concat!(
            "SELECT id, serial, holding_id, contents, quantity, sealed_by, sealed_at, record_id FROM burn_bags ",
            $rest
        )
    };
}

macro_rules! select_records {
    ($rest:expr) => {
        concat!(
            "SELECT id, number, holding_id, kind, quantity, method, device_id, burn_bag_id, operator, \
             destroyed_at, note, status, witness, witnessed_at FROM destruction_records ",
            $rest
        )
    };
}

/// What a new destruction record says.
#[derive(Clone, Debug)]
pub struct NewRecord {
    pub id: String,
    pub holding_id: String,
    pub kind: String,
    pub quantity: i64,
    pub method: String,
    pub device_id: Option<String>,
    pub burn_bag_id: Option<String>,
    pub operator: String,
    pub note: String,
}

impl Store {
    // ------------------------------------------------------------ settings

    pub async fn destruction_settings(&self) -> Result<DestructionSettings> {
        let r = sqlx::query(
            "SELECT emergency, emergency_priority, deadline_hours, updated_by, updated_at FROM destruction_settings WHERE id = 1",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(DestructionSettings {
            emergency: r.try_get::<i64, _>("emergency")? != 0,
            emergency_priority: r.try_get("emergency_priority")?,
            deadline_hours: r.try_get("deadline_hours")?,
            updated_by: r.try_get("updated_by")?,
            updated_at: r.try_get("updated_at")?,
        })
    }

    pub async fn set_destruction_settings(
        &self,
        emergency: bool,
        emergency_priority: i64,
        deadline_hours: i64,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        append(&mut tx, event, now).await?;
        sqlx::query(
            "UPDATE destruction_settings SET emergency = $1, emergency_priority = $2, deadline_hours = $3, \
             updated_by = $4, updated_at = $5 WHERE id = 1",
        )
        .bind(i64::from(emergency))
        .bind(emergency_priority)
        .bind(deadline_hours)
        .bind(&event.actor)
        .bind(timestamp(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ------------------------------------------------------------ kinds and matrix

    pub async fn destruction_kinds(&self) -> Result<Vec<KindRow>> {
        rows(
            self,
            "SELECT slug, label, unit, kg_per_unit, priority, methods FROM destruction_kinds ORDER BY slug",
            kind,
        )
        .await
    }

    pub async fn add_destruction_kind(
        &self,
        k: &KindRow,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        append(&mut tx, event, now).await?;
        sqlx::query(
            "INSERT INTO destruction_kinds (slug, label, unit, kg_per_unit, priority, methods, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&k.slug)
        .bind(&k.label)
        .bind(&k.unit)
        .bind(k.kg_per_unit)
        .bind(k.priority)
        .bind(&k.methods)
        .bind(&event.actor)
        .bind(timestamp(now))
        .execute(&mut *tx)
        .await
        .map_err(taken(format!("a kind '{}' already exists", k.slug)))?;
        tx.commit().await?;
        Ok(())
    }

    /// The post's changes to the default matrix: (kind, method, allowed).
    pub async fn matrix_overrides(&self) -> Result<Vec<(String, String, bool)>> {
        rows(
            self,
            "SELECT kind, method, allowed FROM destruction_matrix ORDER BY kind, method",
            |r| {
                Ok((
                    r.try_get("kind")?,
                    r.try_get("method")?,
                    r.try_get::<i64, _>("allowed")? != 0,
                ))
            },
        )
        .await
    }

    pub async fn set_matrix_cell(
        &self,
        kind: &str,
        method: &str,
        allowed: bool,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        append(&mut tx, event, now).await?;
        sqlx::query("DELETE FROM destruction_matrix WHERE kind = $1 AND method = $2")
            .bind(kind)
            .bind(method)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO destruction_matrix (kind, method, allowed, changed_by, changed_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(kind)
        .bind(method)
        .bind(i64::from(allowed))
        .bind(&event.actor)
        .bind(timestamp(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ------------------------------------------------------------ holdings

    /// Every holding, most sensitive first.
    pub async fn holdings(&self) -> Result<Vec<HoldingRow>> {
        rows(
            self,
            select_holdings!("ORDER BY h.priority, h.kind, h.id"),
            holding,
        )
        .await
    }

    pub async fn holding(&self, id: &str) -> Result<Option<HoldingRow>> {
        row(self, select_holdings!("WHERE h.id = $1"), id, holding).await
    }

    /// Adds holdings (one, or an imported file's rows) in one transaction.
    pub async fn add_holdings(
        &self,
        rows: &[HoldingRow],
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        append(&mut tx, event, now).await?;
        let binds: Vec<Vec<Bind>> = rows
            .iter()
            .map(|h| {
                vec![
                    Bind::Text(&h.id),
                    Bind::Text(&h.kind),
                    Bind::Text(&h.description),
                    Bind::Int(h.quantity),
                    Bind::Int(h.initial_quantity),
                    Bind::Text(&h.classification),
                    Bind::Text(&h.location),
                    Bind::Text(&h.custodian),
                    Bind::Int(h.priority),
                    Bind::Text(&h.created_at),
                    Bind::Text(&h.updated_at),
                ]
            })
            .collect();
        bulk_insert(
            &mut tx,
            "holdings (id, kind, description, quantity, initial_quantity, classification, location, custodian, priority, created_at, updated_at)",
            &binds,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ------------------------------------------------------------ devices

    pub async fn destruction_devices(&self) -> Result<Vec<DeviceRow>> {
        rows(self, select_devices!("ORDER BY name"), device).await
    }

    pub async fn destruction_device(&self, id: &str) -> Result<Option<DeviceRow>> {
        row(self, select_devices!("WHERE id = $1"), id, device).await
    }

    pub async fn add_destruction_device(
        &self,
        d: &DeviceRow,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        append(&mut tx, event, now).await?;
        sqlx::query(
            "INSERT INTO destruction_devices (id, name, method, kg_per_hour, hours_per_day, status, location, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&d.id)
        .bind(&d.name)
        .bind(&d.method)
        .bind(d.kg_per_hour)
        .bind(d.hours_per_day)
        .bind(&d.status)
        .bind(&d.location)
        .bind(timestamp(now))
        .execute(&mut *tx)
        .await
        .map_err(taken(format!("a device named '{}' already exists", d.name)))?;
        tx.commit().await?;
        Ok(())
    }

    /// A device's status and hours a day.
    pub async fn update_destruction_device(
        &self,
        id: &str,
        status: &str,
        hours_per_day: f64,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        append(&mut tx, event, now).await?;
        let done = sqlx::query(
            "UPDATE destruction_devices SET status = $1, hours_per_day = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(status)
        .bind(hours_per_day)
        .bind(timestamp(now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::NotFound(format!("device {id}")));
        }
        tx.commit().await?;
        Ok(())
    }

    // ------------------------------------------------------------ burn bags

    pub async fn burn_bags(&self) -> Result<Vec<BurnBagRow>> {
        rows(self, select_bags!("ORDER BY serial"), bag).await
    }

    pub async fn burn_bag(&self, id: &str) -> Result<Option<BurnBagRow>> {
        row(self, select_bags!("WHERE id = $1 OR serial = $1"), id, bag).await
    }

    /// Seals a bag: its quantity must fit in what is left of the holding and not already in
    /// another bag.
    pub async fn seal_burn_bag(
        &self,
        b: &BurnBagRow,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        append(&mut tx, event, now).await?;
        let free: Option<i64> = sqlx::query_scalar(concat!(
            "SELECT h.quantity - ",
            sealed!("h.id"),
            " FROM holdings h WHERE h.id = $1"
        ))
        .bind(&b.holding_id)
        .fetch_optional(&mut *tx)
        .await?;
        let free =
            free.ok_or_else(|| StorageError::NotFound(format!("holding {}", b.holding_id)))?;
        if b.quantity > free {
            return Err(StorageError::Conflict(format!(
                "cannot seal {} in bag {}: only {free} of this holding is not already in a bag",
                b.quantity, b.serial
            )));
        }
        sqlx::query(
            "INSERT INTO burn_bags (id, serial, holding_id, contents, quantity, sealed_by, sealed_at, record_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)",
        )
        .bind(&b.id)
        .bind(&b.serial)
        .bind(&b.holding_id)
        .bind(&b.contents)
        .bind(b.quantity)
        .bind(&b.sealed_by)
        .bind(timestamp(now))
        .execute(&mut *tx)
        .await
        .map_err(taken(format!(
            "burn bag serial {} is already in use",
            b.serial
        )))?;
        tx.commit().await?;
        Ok(())
    }

    // ------------------------------------------------------------ records

    /// Every record, newest first.
    pub async fn destruction_records(&self) -> Result<Vec<RecordRow>> {
        rows(self, select_records!("ORDER BY number DESC"), record).await
    }

    pub async fn destruction_record(&self, id: &str) -> Result<Option<RecordRow>> {
        row(self, select_records!("WHERE id = $1"), id, record).await
    }

    /// Records a destruction and takes it off the holding, in one transaction. The holding
    /// cannot go below zero, nor below what is sealed in bags (a bag is destroyed by its own
    /// record), and a bag is destroyed once.
    pub async fn record_destruction(
        &self,
        r: &NewRecord,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<i64> {
        let at = timestamp(now);
        let mut tx = self.begin_write().await?;
        // The audit head's row lock serialises writers on PostgreSQL too.
        append(&mut tx, event, now).await?;
        if let Some(bag) = &r.burn_bag_id {
            let done = sqlx::query(
                "UPDATE burn_bags SET record_id = $1 WHERE id = $2 AND record_id IS NULL AND holding_id = $3 AND quantity = $4",
            )
            .bind(&r.id)
            .bind(bag)
            .bind(&r.holding_id)
            .bind(r.quantity)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StorageError::Conflict(
                    "this burn bag was already destroyed (or does not hold that)".into(),
                ));
            }
        }
        let done = sqlx::query(
            concat!(
                "UPDATE holdings SET quantity = quantity - $1, updated_at = $2 WHERE id = $3 AND quantity - ",
                sealed!("$3"),
                " >= $1"
            ),
        )
        .bind(r.quantity)
        .bind(&at)
        .bind(&r.holding_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::Conflict(
                "cannot destroy more than is held (what is sealed in burn bags is destroyed with the bag)".into(),
            ));
        }
        let number: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(number), 0) + 1 FROM destruction_records")
                .fetch_one(&mut *tx)
                .await?;
        sqlx::query(
            "INSERT INTO destruction_records (id, number, holding_id, kind, quantity, method, device_id, burn_bag_id, \
             operator, destroyed_at, note, status, witness, witnessed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, NULL)",
        )
        .bind(&r.id)
        .bind(number)
        .bind(&r.holding_id)
        .bind(&r.kind)
        .bind(r.quantity)
        .bind(&r.method)
        .bind(r.device_id.as_deref())
        .bind(r.burn_bag_id.as_deref())
        .bind(&r.operator)
        .bind(&at)
        .bind(&r.note)
        .bind(PENDING_WITNESS)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(number)
    }

    /// The witness confirms, and the certificate is issued with it. Refused when the record
    /// is not pending or the witness is its operator.
    #[allow(clippy::too_many_arguments)]
    pub async fn witness_destruction(
        &self,
        id: &str,
        witness: &str,
        sha256: &str,
        pdf: &[u8],
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let at = timestamp(now);
        let mut tx = self.begin_write().await?;
        append(&mut tx, event, now).await?;
        let done = sqlx::query(
            "UPDATE destruction_records SET status = $1, witness = $2, witnessed_at = $3 \
             WHERE id = $4 AND status = $5 AND operator <> $2",
        )
        .bind(WITNESSED)
        .bind(witness)
        .bind(&at)
        .bind(id)
        .bind(PENDING_WITNESS)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::Conflict(
                "this record is not waiting for a witness, or you recorded it yourself".into(),
            ));
        }
        sqlx::query(
            "INSERT INTO destruction_certificates (record_id, sha256, pdf, issued_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(sha256)
        .bind(pdf)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The certificate as issued: (sha256, pdf).
    pub async fn destruction_certificate(
        &self,
        record_id: &str,
    ) -> Result<Option<(String, Vec<u8>)>> {
        let row =
            sqlx::query("SELECT sha256, pdf FROM destruction_certificates WHERE record_id = $1")
                .bind(record_id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| Ok((r.try_get("sha256")?, r.try_get("pdf")?)))
            .transpose()
    }
}

//! Storage for movement: departures, readiness facts, manifests and plan runs
//! (migration 0005_movement.sql). A "unit" travels together: a household's id, or a person's
//! id when they have no household.

use crate::audit::append;
use crate::registry::{Bind, bulk_insert};
use crate::{Result, StorageError, Store, timestamp};
use drawdown_domain::audit::AuditEvent;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashMap;
use time::OffsetDateTime;

/// The statuses a departure goes through.
pub const DEPARTURE_STATUSES: [&str; 5] =
    ["planned", "confirmed", "boarding", "departed", "cancelled"];

/// The states of a departure's manifest: the planner only changes open ones.
pub const MANIFEST_STATES: [&str; 3] = ["open", "confirmed", "closed"];

/// Departures the planner fills: not yet boarding, not cancelled, manifest still open.
macro_rules! open_departure {
    () => {
        "manifest = 'open' AND status IN ('planned', 'confirmed')"
    };
}

#[derive(Clone, Debug, PartialEq)]
pub struct DepartureRecord {
    pub id: String,
    /// flight | convoy
    pub kind: String,
    pub carrier: String,
    pub origin: String,
    pub destination: String,
    /// RFC 3339.
    pub departs_at: String,
    pub seats: i64,
    pub weight_limit_kg: Option<i64>,
    pub gate: String,
    pub status: String,
    pub manifest: String,
    pub created_at: String,
    pub updated_at: String,
}

impl DepartureRecord {
    /// The planner may fill it.
    pub fn is_open(&self) -> bool {
        self.manifest == "open" && matches!(self.status.as_str(), "planned" | "confirmed")
    }
}

fn departure(r: &AnyRow) -> Result<DepartureRecord> {
    Ok(DepartureRecord {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        carrier: r.try_get("carrier")?,
        origin: r.try_get("origin")?,
        destination: r.try_get("destination")?,
        departs_at: r.try_get("departs_at")?,
        seats: r.try_get("seats")?,
        weight_limit_kg: r.try_get("weight_limit_kg")?,
        gate: r.try_get("gate")?,
        status: r.try_get("status")?,
        manifest: r.try_get("manifest")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

macro_rules! select_departures {
    ($rest:expr) => {
        concat!(
            "SELECT id, kind, carrier, origin, destination, departs_at, seats, weight_limit_kg, gate, \
             status, manifest, created_at, updated_at FROM departures ",
            $rest
        )
    };
}

/// What the movement officer knows of a unit's readiness.
#[derive(Clone, Debug, PartialEq)]
pub struct MovementFacts {
    pub unit_id: String,
    pub documents_ready: bool,
    pub ready_at: Option<String>,
    pub deadline: Option<String>,
}

/// One unit on one departure.
#[derive(Clone, Debug, PartialEq)]
pub struct ManifestEntry {
    pub unit_id: String,
    pub departure_id: String,
    pub head_person_id: String,
    pub seats: i64,
    pub people: i64,
    pub lap_infants: i64,
    pub priority: i64,
    pub pinned: bool,
    /// plan | hand
    pub placed_by: String,
    pub plan_run_id: Option<String>,
    pub warning: String,
}

fn entry(r: &AnyRow) -> Result<ManifestEntry> {
    Ok(ManifestEntry {
        unit_id: r.try_get("unit_id")?,
        departure_id: r.try_get("departure_id")?,
        head_person_id: r.try_get("head_person_id")?,
        seats: r.try_get("seats")?,
        people: r.try_get("people")?,
        lap_infants: r.try_get("lap_infants")?,
        priority: r.try_get("priority")?,
        pinned: r.try_get::<i64, _>("pinned")? != 0,
        placed_by: r.try_get("placed_by")?,
        plan_run_id: r.try_get("plan_run_id")?,
        warning: r.try_get("warning")?,
    })
}

macro_rules! select_entries {
    ($rest:expr) => {
        concat!(
            "SELECT unit_id, departure_id, head_person_id, seats, people, lap_infants, priority, pinned, \
             placed_by, plan_run_id, warning FROM manifest_entries ",
            $rest
        )
    };
}

/// One manifested person (boarding passes are issued per person from these).
#[derive(Clone, Debug, PartialEq)]
pub struct ManifestPerson {
    pub person_id: String,
    pub unit_id: String,
    pub departure_id: String,
    pub lap_infant: bool,
}

/// A unit placed with its people.
#[derive(Clone, Debug)]
pub struct Placement {
    pub entry: ManifestEntry,
    pub people: Vec<ManifestPerson>,
}

/// One run of the planner.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanRunRecord {
    pub id: String,
    pub created_by: String,
    pub created_at: String,
    pub departures: i64,
    pub units: i64,
    pub people: i64,
    pub moved_units: i64,
    pub moved_people: i64,
    pub objective: f64,
    pub bound: f64,
    pub elapsed_ms: i64,
    pub changed: i64,
    /// JSON.
    pub summary: String,
}

fn plan_run(r: &AnyRow) -> Result<PlanRunRecord> {
    Ok(PlanRunRecord {
        id: r.try_get("id")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        departures: r.try_get("departures")?,
        units: r.try_get("units")?,
        people: r.try_get("people")?,
        moved_units: r.try_get("moved_units")?,
        moved_people: r.try_get("moved_people")?,
        objective: r.try_get("objective")?,
        bound: r.try_get("bound")?,
        elapsed_ms: r.try_get("elapsed_ms")?,
        changed: r.try_get("changed")?,
        summary: r.try_get("summary")?,
    })
}

/// A unit whose departure changed in a run, or that was left.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanOutcome {
    pub unit_id: String,
    /// added | moved | removed | left
    pub outcome: String,
    pub departure_id: Option<String>,
    pub previous_departure_id: Option<String>,
    pub reason: String,
    pub people: i64,
    pub priority: i64,
}

/// Per departure: units, seats taken, people, lap infants.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Load {
    pub units: i64,
    pub seats: i64,
    pub people: i64,
    pub lap_infants: i64,
}

async fn insert_placements(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    placements: &[Placement],
    now: &str,
) -> Result<()> {
    let entries: Vec<Vec<Bind>> = placements
        .iter()
        .map(|p| {
            let e = &p.entry;
            vec![
                Bind::Text(&e.unit_id),
                Bind::Text(&e.departure_id),
                Bind::Text(&e.head_person_id),
                Bind::Int(e.seats),
                Bind::Int(e.people),
                Bind::Int(e.lap_infants),
                Bind::Int(e.priority),
                Bind::Int(i64::from(e.pinned)),
                Bind::Text(&e.placed_by),
                Bind::OptText(e.plan_run_id.as_deref()),
                Bind::Text(&e.warning),
                Bind::Text(now),
            ]
        })
        .collect();
    bulk_insert(
        tx,
        "manifest_entries (unit_id, departure_id, head_person_id, seats, people, lap_infants, priority, \
         pinned, placed_by, plan_run_id, warning, updated_at)",
        &entries,
    )
    .await?;
    let people: Vec<Vec<Bind>> = placements
        .iter()
        .flat_map(|p| p.people.iter())
        .map(|m| {
            vec![
                Bind::Text(&m.person_id),
                Bind::Text(&m.unit_id),
                Bind::Text(&m.departure_id),
                Bind::Int(i64::from(m.lap_infant)),
            ]
        })
        .collect();
    bulk_insert(
        tx,
        "manifest_people (person_id, unit_id, departure_id, lap_infant)",
        &people,
    )
    .await
}

async fn remove_unit(tx: &mut sqlx::Transaction<'static, sqlx::Any>, unit: &str) -> Result<()> {
    sqlx::query("DELETE FROM manifest_people WHERE unit_id = $1")
        .bind(unit)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM manifest_entries WHERE unit_id = $1")
        .bind(unit)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Store {
    /// Each household's head, where the registry names one.
    pub async fn household_heads(&self) -> Result<HashMap<String, String>> {
        let rows = sqlx::query(
            "SELECT id, head_person_id FROM households WHERE head_person_id IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("head_person_id")?)))
            .collect()
    }

    /// Every departure, earliest first.
    pub async fn departures(&self) -> Result<Vec<DepartureRecord>> {
        let rows = sqlx::query(select_departures!("ORDER BY departs_at, id"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(departure).collect()
    }

    pub async fn departure(&self, id: &str) -> Result<Option<DepartureRecord>> {
        let row = sqlx::query(select_departures!("WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(departure).transpose()
    }

    /// Departures whose time falls in [from, to).
    pub async fn departures_between(&self, from: &str, to: &str) -> Result<Vec<DepartureRecord>> {
        let rows = sqlx::query(select_departures!(
            "WHERE departs_at >= $1 AND departs_at < $2 ORDER BY departs_at, id"
        ))
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(departure).collect()
    }

    /// Adds departures (all or none): an id that exists already is a conflict naming it.
    pub async fn add_departures(
        &self,
        deps: &[DepartureRecord],
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for chunk in deps.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT id FROM departures WHERE id IN ({}) ORDER BY id LIMIT 1",
                placeholders.join(",")
            );
            // Only placeholders are generated; every id is bound.
            let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
            for d in chunk {
                q = q.bind(&d.id);
            }
            if let Some(id) = q.fetch_optional(&mut *tx).await? {
                return Err(StorageError::Conflict(format!(
                    "departure {id} exists already"
                )));
            }
        }
        let at = timestamp(now);
        let rows: Vec<Vec<Bind>> = deps
            .iter()
            .map(|d| {
                vec![
                    Bind::Text(&d.id),
                    Bind::Text(&d.kind),
                    Bind::Text(&d.carrier),
                    Bind::Text(&d.origin),
                    Bind::Text(&d.destination),
                    Bind::Text(&d.departs_at),
                    Bind::Int(d.seats),
                    Bind::OptInt(d.weight_limit_kg),
                    Bind::Text(&d.gate),
                    Bind::Text(&d.status),
                    Bind::Text(&d.manifest),
                    Bind::Text(&at),
                    Bind::Text(&at),
                ]
            })
            .collect();
        bulk_insert(
            &mut tx,
            "departures (id, kind, carrier, origin, destination, departs_at, seats, weight_limit_kg, gate, \
             status, manifest, created_at, updated_at)",
            &rows,
        )
        .await?;
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes a departure's details (not its id, status or manifest state).
    pub async fn update_departure(
        &self,
        d: &DepartureRecord,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE departures SET kind = $2, carrier = $3, origin = $4, destination = $5, departs_at = $6, \
             seats = $7, weight_limit_kg = $8, gate = $9, updated_at = $10 WHERE id = $1",
        )
        .bind(&d.id)
        .bind(&d.kind)
        .bind(&d.carrier)
        .bind(&d.origin)
        .bind(&d.destination)
        .bind(&d.departs_at)
        .bind(d.seats)
        .bind(d.weight_limit_kg)
        .bind(&d.gate)
        .bind(timestamp(now))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::NotFound(format!("departure {}", d.id)));
        }
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets a departure's status and its manifest's state together. A cancelled departure's
    /// manifest reopens, so the next plan finds its households new seats.
    pub async fn set_departure_state(
        &self,
        id: &str,
        status: &str,
        manifest: &str,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE departures SET status = $2, manifest = $3, updated_at = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(status)
        .bind(manifest)
        .bind(timestamp(now))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::NotFound(format!("departure {id}")));
        }
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Readiness facts of every unit that has any.
    pub async fn movement_facts(&self) -> Result<Vec<MovementFacts>> {
        let rows = sqlx::query(
            "SELECT unit_id, documents_ready, ready_at, deadline FROM movement_facts ORDER BY unit_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(MovementFacts {
                    unit_id: r.try_get("unit_id")?,
                    documents_ready: r.try_get::<i64, _>("documents_ready")? != 0,
                    ready_at: r.try_get("ready_at")?,
                    deadline: r.try_get("deadline")?,
                })
            })
            .collect()
    }

    /// One unit's readiness facts, if any were recorded.
    pub async fn movement_fact(&self, unit_id: &str) -> Result<Option<MovementFacts>> {
        let row = sqlx::query(
            "SELECT unit_id, documents_ready, ready_at, deadline FROM movement_facts WHERE unit_id = $1",
        )
        .bind(unit_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(MovementFacts {
                unit_id: r.try_get("unit_id")?,
                documents_ready: r.try_get::<i64, _>("documents_ready")? != 0,
                ready_at: r.try_get("ready_at")?,
                deadline: r.try_get("deadline")?,
            })
        })
        .transpose()
    }

    /// Records (or replaces) units' readiness facts.
    pub async fn set_movement_facts(
        &self,
        facts: &[MovementFacts],
        by: &str,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let at = timestamp(now);
        for chunk in facts.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "DELETE FROM movement_facts WHERE unit_id IN ({})",
                placeholders.join(",")
            );
            // Only placeholders are generated; every id is bound.
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for f in chunk {
                q = q.bind(&f.unit_id);
            }
            q.execute(&mut *tx).await?;
        }
        let rows: Vec<Vec<Bind>> = facts
            .iter()
            .map(|f| {
                vec![
                    Bind::Text(&f.unit_id),
                    Bind::Int(i64::from(f.documents_ready)),
                    Bind::OptText(f.ready_at.as_deref()),
                    Bind::OptText(f.deadline.as_deref()),
                    Bind::Text(by),
                    Bind::Text(&at),
                ]
            })
            .collect();
        bulk_insert(
            &mut tx,
            "movement_facts (unit_id, documents_ready, ready_at, deadline, updated_by, updated_at)",
            &rows,
        )
        .await?;
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A person's sealed travel-document facts.
    pub async fn travel_documents(
        &self,
        person_ids: &[String],
    ) -> Result<HashMap<String, Vec<u8>>> {
        let mut out = HashMap::new();
        for chunk in person_ids.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT person_id, sealed FROM travel_documents WHERE person_id IN ({})",
                placeholders.join(",")
            );
            // Only placeholders are generated; every id is bound.
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(id);
            }
            for r in q.fetch_all(&self.pool).await? {
                out.insert(r.try_get("person_id")?, r.try_get("sealed")?);
            }
        }
        Ok(out)
    }

    /// Records sealed travel-document facts (replacing any before).
    pub async fn set_travel_documents(
        &self,
        docs: &[(String, Vec<u8>)],
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for (id, _) in docs {
            sqlx::query("DELETE FROM travel_documents WHERE person_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        let at = timestamp(now);
        let rows: Vec<Vec<Bind>> = docs
            .iter()
            .map(|(id, sealed)| vec![Bind::Text(id), Bind::Blob(sealed), Bind::Text(&at)])
            .collect();
        bulk_insert(
            &mut tx,
            "travel_documents (person_id, sealed, updated_at)",
            &rows,
        )
        .await?;
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every manifest entry.
    pub async fn manifest_entries(&self) -> Result<Vec<ManifestEntry>> {
        let rows = sqlx::query(select_entries!("ORDER BY departure_id, priority, unit_id"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(entry).collect()
    }

    /// One departure's manifest, priority first.
    pub async fn manifest(&self, departure_id: &str) -> Result<Vec<ManifestEntry>> {
        let rows = sqlx::query(select_entries!(
            "WHERE departure_id = $1 ORDER BY priority, unit_id"
        ))
        .bind(departure_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(entry).collect()
    }

    pub async fn manifest_entry(&self, unit_id: &str) -> Result<Option<ManifestEntry>> {
        let row = sqlx::query(select_entries!("WHERE unit_id = $1"))
            .bind(unit_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(entry).transpose()
    }

    /// One departure's manifested people.
    pub async fn manifest_people(&self, departure_id: &str) -> Result<Vec<ManifestPerson>> {
        let rows = sqlx::query(
            "SELECT person_id, unit_id, departure_id, lap_infant FROM manifest_people \
             WHERE departure_id = $1 ORDER BY unit_id, person_id",
        )
        .bind(departure_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ManifestPerson {
                    person_id: r.try_get("person_id")?,
                    unit_id: r.try_get("unit_id")?,
                    departure_id: r.try_get("departure_id")?,
                    lap_infant: r.try_get::<i64, _>("lap_infant")? != 0,
                })
            })
            .collect()
    }

    /// Per departure: what its manifest holds (no personal data).
    pub async fn manifest_loads(&self) -> Result<HashMap<String, Load>> {
        let rows = sqlx::query(
            // PostgreSQL sums BIGINT to NUMERIC, which sqlx's Any driver cannot read: cast back.
            "SELECT departure_id, count(*) AS units, CAST(sum(seats) AS BIGINT) AS seats, \
             CAST(sum(people) AS BIGINT) AS people, CAST(sum(lap_infants) AS BIGINT) AS lap_infants \
             FROM manifest_entries GROUP BY departure_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = HashMap::new();
        for r in rows {
            out.insert(
                r.try_get("departure_id")?,
                Load {
                    units: r.try_get("units")?,
                    seats: r.try_get::<Option<i64>, _>("seats")?.unwrap_or(0),
                    people: r.try_get::<Option<i64>, _>("people")?.unwrap_or(0),
                    lap_infants: r.try_get::<Option<i64>, _>("lap_infants")?.unwrap_or(0),
                },
            );
        }
        Ok(out)
    }

    /// Stores a plan: every open departure's manifest is replaced by `placements` (entries on
    /// other departures are untouched), with the run and its outcomes, in one transaction.
    pub async fn record_plan(
        &self,
        run: &PlanRunRecord,
        placements: &[Placement],
        outcomes: &[PlanOutcome],
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        // Open departures, and cancelled ones whose households go elsewhere.
        sqlx::query(concat!(
            "DELETE FROM manifest_people WHERE departure_id IN (SELECT id FROM departures WHERE ",
            open_departure!(),
            " OR status = 'cancelled')"
        ))
        .execute(&mut *tx)
        .await?;
        sqlx::query(concat!(
            "DELETE FROM manifest_entries WHERE departure_id IN (SELECT id FROM departures WHERE ",
            open_departure!(),
            " OR status = 'cancelled')"
        ))
        .execute(&mut *tx)
        .await?;
        let at = timestamp(now);
        insert_placements(&mut tx, placements, &at).await?;
        sqlx::query(
            "INSERT INTO plan_runs (id, created_by, created_at, departures, units, people, moved_units, \
             moved_people, objective, bound, elapsed_ms, changed, summary) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(&run.id)
        .bind(&run.created_by)
        .bind(&run.created_at)
        .bind(run.departures)
        .bind(run.units)
        .bind(run.people)
        .bind(run.moved_units)
        .bind(run.moved_people)
        .bind(run.objective)
        .bind(run.bound)
        .bind(run.elapsed_ms)
        .bind(run.changed)
        .bind(&run.summary)
        .execute(&mut *tx)
        .await?;
        let rows: Vec<Vec<Bind>> = outcomes
            .iter()
            .map(|o| {
                vec![
                    Bind::Text(&run.id),
                    Bind::Text(&o.unit_id),
                    Bind::Text(&o.outcome),
                    Bind::OptText(o.departure_id.as_deref()),
                    Bind::OptText(o.previous_departure_id.as_deref()),
                    Bind::Text(&o.reason),
                    Bind::Int(o.people),
                    Bind::Int(o.priority),
                ]
            })
            .collect();
        bulk_insert(
            &mut tx,
            "plan_outcomes (run_id, unit_id, outcome, departure_id, previous_departure_id, reason, people, priority)",
            &rows,
        )
        .await?;
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Places one unit by hand (moving it from wherever it was).
    pub async fn place_unit(
        &self,
        placement: &Placement,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        remove_unit(&mut tx, &placement.entry.unit_id).await?;
        insert_placements(&mut tx, std::slice::from_ref(placement), &timestamp(now)).await?;
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes a unit off its manifest.
    pub async fn unplace_unit(
        &self,
        unit: &str,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        remove_unit(&mut tx, unit).await?;
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_pinned(
        &self,
        unit: &str,
        pinned: bool,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE manifest_entries SET pinned = $2, updated_at = $3 WHERE unit_id = $1",
        )
        .bind(unit)
        .bind(i64::from(pinned))
        .bind(timestamp(now))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::NotFound(format!("manifest entry {unit}")));
        }
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Plan runs, newest first.
    pub async fn plan_runs(&self, limit: i64) -> Result<Vec<PlanRunRecord>> {
        let rows = sqlx::query(
            "SELECT id, created_by, created_at, departures, units, people, moved_units, moved_people, \
             objective, bound, elapsed_ms, changed, summary FROM plan_runs ORDER BY created_at DESC, id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(plan_run).collect()
    }

    pub async fn plan_run(&self, id: &str) -> Result<Option<PlanRunRecord>> {
        let row = sqlx::query(
            "SELECT id, created_by, created_at, departures, units, people, moved_units, moved_people, \
             objective, bound, elapsed_ms, changed, summary FROM plan_runs WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(plan_run).transpose()
    }

    /// What a run changed and who it left, priority first.
    pub async fn plan_outcomes(&self, run_id: &str) -> Result<Vec<PlanOutcome>> {
        let rows = sqlx::query(
            "SELECT unit_id, outcome, departure_id, previous_departure_id, reason, people, priority \
             FROM plan_outcomes WHERE run_id = $1 ORDER BY outcome, priority, unit_id",
        )
        .bind(run_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PlanOutcome {
                    unit_id: r.try_get("unit_id")?,
                    outcome: r.try_get("outcome")?,
                    departure_id: r.try_get("departure_id")?,
                    previous_departure_id: r.try_get("previous_departure_id")?,
                    reason: r.try_get("reason")?,
                    people: r.try_get("people")?,
                    priority: r.try_get("priority")?,
                })
            })
            .collect()
    }
}

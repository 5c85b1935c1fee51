//! Storage for posture: queries over the tables of its migration (0003_posture.sql).

use crate::audit::append;
use crate::{Result, StorageError, Store, timestamp};
use drawdown_domain::audit::AuditEvent;
use drawdown_posture::log::{Confidence, Event, EventKind, parse_time};
use drawdown_posture::{Gazetteer, Place, PlaceKind};
use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

/// An event of the situation log with who entered it and when.
#[derive(Clone, Debug)]
pub struct EventRow {
    pub event: Event,
    pub recorded_by: String,
    pub recorded_at: String,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct TaskTemplateRow {
    pub id: String,
    pub task: String,
    pub owner_role: String,
    pub due_hours: i64,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct LevelRow {
    pub id: String,
    pub rank: i64,
    pub name: String,
    pub description: String,
    pub tasks: Vec<TaskTemplateRow>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct TripwireRow {
    pub id: String,
    pub name: String,
    pub condition: String,
    pub level_id: String,
    pub actions: String,
    pub crossed_at: Option<String>,
    /// JSON list of facts at the crossing.
    pub facts: String,
    /// When and by whom it was retired (no longer evaluated; kept for the record).
    pub retired_at: Option<String>,
    pub retired_by: Option<String>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct ItemRow {
    pub id: String,
    pub tripwire_id: String,
    pub level_id: String,
    pub crossed_at: String,
    pub opened_at: String,
    pub facts: String,
    pub closed_at: Option<String>,
    pub decision_id: Option<String>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct DecisionRow {
    pub id: String,
    /// "declare" or "decline".
    pub kind: String,
    pub level_id: String,
    pub decided_at: String,
    pub decided_by: String,
    pub attendees: String,
    pub rationale: String,
    pub snapshot: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct TaskRow {
    pub id: String,
    pub decision_id: String,
    pub position: i64,
    pub task: String,
    pub owner_role: String,
    pub due_at: String,
    pub done_at: Option<String>,
    pub done_by: Option<String>,
}

/// What one evaluation of the tripwires changes, written in one transaction.
#[derive(Clone, Debug, Default)]
pub struct Crossings {
    /// Tripwires that now hold: id, since when, facts (JSON), and the item to open (if any).
    pub crossed: Vec<(String, String, String, Option<ItemRow>)>,
    /// Tripwires that no longer hold.
    pub cleared: Vec<String>,
}

fn event_of(r: &AnyRow) -> Result<EventRow> {
    let kind: String = r.try_get("kind")?;
    let at: String = r.try_get("at")?;
    let bad = |what: &str| StorageError::Database(format!("posture event: bad {what}"));
    Ok(EventRow {
        event: Event {
            id: r.try_get("id")?,
            kind: EventKind::parse(&kind).ok_or_else(|| bad("kind"))?,
            at: parse_time(&at).ok_or_else(|| bad("time"))?,
            place: r.try_get("place")?,
            source: r.try_get("source")?,
            confidence: Confidence::from_i64(r.try_get("confidence")?),
            value: r.try_get("value")?,
            horizon_days: r.try_get("horizon_days")?,
            notes: r.try_get("notes")?,
        },
        recorded_by: r.try_get("recorded_by")?,
        recorded_at: r.try_get("recorded_at")?,
    })
}

fn tripwire_of(r: &AnyRow) -> Result<TripwireRow> {
    Ok(TripwireRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        condition: r.try_get("condition")?,
        level_id: r.try_get("level_id")?,
        actions: r.try_get("actions")?,
        crossed_at: r.try_get("crossed_at")?,
        facts: r.try_get("facts")?,
        retired_at: r.try_get("retired_at")?,
        retired_by: r.try_get("retired_by")?,
    })
}

fn item_of(r: &AnyRow) -> Result<ItemRow> {
    Ok(ItemRow {
        id: r.try_get("id")?,
        tripwire_id: r.try_get("tripwire_id")?,
        level_id: r.try_get("level_id")?,
        crossed_at: r.try_get("crossed_at")?,
        opened_at: r.try_get("opened_at")?,
        facts: r.try_get("facts")?,
        closed_at: r.try_get("closed_at")?,
        decision_id: r.try_get("decision_id")?,
    })
}

fn decision_of(r: &AnyRow) -> Result<DecisionRow> {
    Ok(DecisionRow {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        level_id: r.try_get("level_id")?,
        decided_at: r.try_get("decided_at")?,
        decided_by: r.try_get("decided_by")?,
        attendees: r.try_get("attendees")?,
        rationale: r.try_get("rationale")?,
        snapshot: r.try_get("snapshot")?,
        recorded_by: r.try_get("recorded_by")?,
        recorded_at: r.try_get("recorded_at")?,
    })
}

fn task_of(r: &AnyRow) -> Result<TaskRow> {
    Ok(TaskRow {
        id: r.try_get("id")?,
        decision_id: r.try_get("decision_id")?,
        position: r.try_get("position")?,
        task: r.try_get("task")?,
        owner_role: r.try_get("owner_role")?,
        due_at: r.try_get("due_at")?,
        done_at: r.try_get("done_at")?,
        done_by: r.try_get("done_by")?,
    })
}

const EVENT_COLUMNS: &str =
    "id, kind, at, place, source, confidence, value, horizon_days, notes, recorded_by, recorded_at";
const DECISION_COLUMNS: &str = "id, kind, level_id, decided_at, decided_by, attendees, rationale, snapshot, recorded_by, recorded_at";

impl Store {
    /// The whole situation log, in time order.
    pub async fn posture_events(&self) -> Result<Vec<EventRow>> {
        let rows = sqlx::query(concat!(
            "SELECT id, kind, at, place, source, confidence, value, horizon_days, notes, recorded_by, recorded_at ",
            "FROM posture_events ORDER BY at, id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event_of).collect()
    }

    /// Adds events to the log (all or none), in statements of ~1,000 parameters.
    pub async fn add_posture_events(
        &self,
        events: &[Event],
        recorded_by: &str,
        audit: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let width = EVENT_COLUMNS.split(',').count();
        let recorded_at = timestamp(now);
        let mut tx = self.begin_write().await?;
        for chunk in events.chunks(1_000 / width) {
            let mut sql = format!("INSERT INTO posture_events ({EVENT_COLUMNS}) VALUES ");
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push(',');
                }
                let b = i * width;
                let marks: Vec<String> = (1..=width).map(|c| format!("${}", b + c)).collect();
                sql.push_str(&format!("({})", marks.join(",")));
            }
            // Only placeholders are generated; every value is bound.
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for e in chunk {
                q = q
                    .bind(e.id.clone())
                    .bind(e.kind.slug())
                    .bind(timestamp(e.at))
                    .bind(e.place.clone())
                    .bind(e.source.clone())
                    .bind(e.confidence as i64)
                    .bind(e.value.clone())
                    .bind(e.horizon_days)
                    .bind(e.notes.clone())
                    .bind(recorded_by.to_string())
                    .bind(recorded_at.clone());
            }
            q.execute(&mut *tx).await?;
        }
        append(&mut tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The loaded gazetteer, or None for the embedded default.
    pub async fn posture_gazetteer(&self) -> Result<Option<Gazetteer>> {
        let rows = sqlx::query(
            "SELECT country, name, province, kind, latitude, longitude FROM posture_places ORDER BY position",
        )
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Ok(None);
        }
        let mut places = Vec::new();
        let mut country = String::new();
        for r in &rows {
            country = r.try_get("country")?;
            let kind: String = r.try_get("kind")?;
            places.push(Place {
                name: r.try_get("name")?,
                province: r.try_get("province")?,
                kind: PlaceKind::parse(&kind).unwrap_or(PlaceKind::Place),
                latitude: r.try_get("latitude")?,
                longitude: r.try_get("longitude")?,
            });
        }
        Ok(Some(Gazetteer {
            country,
            places,
            outline: vec![],
            areas: vec![],
        }))
    }

    /// Replaces the gazetteer with another country's.
    pub async fn set_posture_gazetteer(
        &self,
        g: &Gazetteer,
        audit: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM posture_places")
            .execute(&mut *tx)
            .await?;
        for (i, p) in g.places.iter().enumerate() {
            sqlx::query(
                "INSERT INTO posture_places (position, country, name, province, kind, latitude, longitude) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(i as i64)
            .bind(&g.country)
            .bind(&p.name)
            .bind(&p.province)
            .bind(p.kind.slug())
            .bind(p.latitude)
            .bind(p.longitude)
            .execute(&mut *tx)
            .await?;
        }
        append(&mut tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The levels in rank order, each with its checklist.
    pub async fn posture_levels(&self) -> Result<Vec<LevelRow>> {
        let rows =
            sqlx::query("SELECT id, rank, name, description FROM posture_levels ORDER BY rank")
                .fetch_all(&self.pool)
                .await?;
        let tasks = sqlx::query(
            "SELECT id, level_id, task, owner_role, due_hours FROM posture_task_templates ORDER BY level_id, position",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let id: String = r.try_get("id")?;
            let mut list = Vec::new();
            for t in &tasks {
                let level: String = t.try_get("level_id")?;
                if level == id {
                    list.push(TaskTemplateRow {
                        id: t.try_get("id")?,
                        task: t.try_get("task")?,
                        owner_role: t.try_get("owner_role")?,
                        due_hours: t.try_get("due_hours")?,
                    });
                }
            }
            out.push(LevelRow {
                id,
                rank: r.try_get("rank")?,
                name: r.try_get("name")?,
                description: r.try_get("description")?,
                tasks: list,
            });
        }
        Ok(out)
    }

    pub async fn add_posture_level(
        &self,
        level: &LevelRow,
        audit: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO posture_levels (id, rank, name, description) VALUES ($1, $2, $3, $4)",
        )
        .bind(&level.id)
        .bind(level.rank)
        .bind(&level.name)
        .bind(&level.description)
        .execute(&mut *tx)
        .await?;
        for (i, t) in level.tasks.iter().enumerate() {
            insert_template(&mut tx, &level.id, i as i64, t).await?;
        }
        append(&mut tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Inserts a level at `level.rank`: the levels at that rank and above move up one.
    pub async fn insert_posture_level(
        &self,
        level: &LevelRow,
        audit: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        // Through negative ranks: a unique rank is checked row by row.
        for sql in [
            "UPDATE posture_levels SET rank = -rank - 1 WHERE rank >= $1",
            "UPDATE posture_levels SET rank = -rank WHERE rank < 0",
        ] {
            sqlx::query(sql).bind(level.rank).execute(&mut *tx).await?;
        }
        sqlx::query(
            "INSERT INTO posture_levels (id, rank, name, description) VALUES ($1, $2, $3, $4)",
        )
        .bind(&level.id)
        .bind(level.rank)
        .bind(&level.name)
        .bind(&level.description)
        .execute(&mut *tx)
        .await?;
        for (i, t) in level.tasks.iter().enumerate() {
            insert_template(&mut tx, &level.id, i as i64, t).await?;
        }
        append(&mut tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Renames a level or changes its description.
    pub async fn update_posture_level(
        &self,
        id: &str,
        name: &str,
        description: &str,
        audit: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done =
            sqlx::query("UPDATE posture_levels SET name = $1, description = $2 WHERE id = $3")
                .bind(name)
                .bind(description)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::NotFound(format!("posture level {id}")));
        }
        append(&mut tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes a task of a level's checklist (tasks already opened by a declaration keep what
    /// they were given).
    pub async fn update_posture_task_template(
        &self,
        level_id: &str,
        t: &TaskTemplateRow,
        audit: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE posture_task_templates SET task = $1, owner_role = $2, due_hours = $3 WHERE id = $4 AND level_id = $5",
        )
        .bind(&t.task)
        .bind(&t.owner_role)
        .bind(t.due_hours)
        .bind(&t.id)
        .bind(level_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::NotFound(format!("checklist task {}", t.id)));
        }
        append(&mut tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a task from a level's checklist.
    pub async fn remove_posture_task_template(
        &self,
        level_id: &str,
        id: &str,
        audit: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done =
            sqlx::query("DELETE FROM posture_task_templates WHERE id = $1 AND level_id = $2")
                .bind(id)
                .bind(level_id)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::NotFound(format!("checklist task {id}")));
        }
        append(&mut tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a task to a level's checklist, after the others.
    pub async fn add_posture_task_template(
        &self,
        level_id: &str,
        t: &TaskTemplateRow,
        audit: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let last: Option<i64> = sqlx::query_scalar(
            "SELECT max(position) FROM posture_task_templates WHERE level_id = $1",
        )
        .bind(level_id)
        .fetch_one(&mut *tx)
        .await?;
        insert_template(&mut tx, level_id, last.map_or(0, |p| p + 1), t).await?;
        append(&mut tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn posture_tripwires(&self) -> Result<Vec<TripwireRow>> {
        let rows = sqlx::query(
            "SELECT id, name, condition, level_id, actions, crossed_at, facts, retired_at, retired_by FROM posture_tripwires ORDER BY position, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(tripwire_of).collect()
    }

    /// Adds a tripwire (after the others) or changes one; a changed condition starts uncrossed.
    pub async fn save_posture_tripwire(
        &self,
        t: &TripwireRow,
        audit: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let at = timestamp(now);
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE posture_tripwires SET name = $1, level_id = $2, actions = $3, updated_at = $4, \
             crossed_at = CASE WHEN condition = $5 THEN crossed_at ELSE NULL END, \
             facts = CASE WHEN condition = $5 THEN facts ELSE '[]' END, condition = $5 WHERE id = $6",
        )
        .bind(&t.name)
        .bind(&t.level_id)
        .bind(&t.actions)
        .bind(&at)
        .bind(&t.condition)
        .bind(&t.id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            let last: Option<i64> =
                sqlx::query_scalar("SELECT max(position) FROM posture_tripwires")
                    .fetch_one(&mut *tx)
                    .await?;
            sqlx::query(
                "INSERT INTO posture_tripwires (id, position, name, condition, level_id, actions, crossed_at, facts, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, NULL, '[]', $7, $7)",
            )
            .bind(&t.id)
            .bind(last.map_or(0, |p| p + 1))
            .bind(&t.name)
            .bind(&t.condition)
            .bind(&t.level_id)
            .bind(&t.actions)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        }
        append(&mut tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Retires a tripwire: it stays on record but is no longer evaluated; a decision item it
    /// left open is closed without a decision. A retired one cannot be retired again.
    /// `at`: from when (on the post's clock); `now`: the real time of the change.
    pub async fn retire_posture_tripwire(
        &self,
        id: &str,
        by: &str,
        at: &str,
        audit: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE posture_tripwires SET retired_at = $1, retired_by = $2, crossed_at = NULL, facts = '[]', updated_at = $3 \
             WHERE id = $4 AND retired_at IS NULL",
        )
        .bind(at)
        .bind(by)
        .bind(timestamp(now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::Conflict(
                "that tripwire is already retired".into(),
            ));
        }
        sqlx::query(
            "UPDATE posture_items SET closed_at = $1 WHERE tripwire_id = $2 AND closed_at IS NULL",
        )
        .bind(at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        append(&mut tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records what an evaluation found. A tripwire is marked crossed only if it was not
    /// already (so two evaluations at once open one item, not two).
    pub async fn apply_posture_crossings(
        &self,
        c: &Crossings,
        audits: &[AuditEvent],
        now: OffsetDateTime,
    ) -> Result<usize> {
        let mut tx = self.begin_write().await?;
        let mut opened = 0;
        for (id, since, facts, item) in &c.crossed {
            let done = sqlx::query(
                "UPDATE posture_tripwires SET crossed_at = $1, facts = $2 WHERE id = $3 AND crossed_at IS NULL",
            )
            .bind(since)
            .bind(facts)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 1
                && let Some(i) = item
            {
                sqlx::query(
                    "INSERT INTO posture_items (id, tripwire_id, level_id, crossed_at, opened_at, facts, closed_at, decision_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL)",
                )
                .bind(&i.id)
                .bind(&i.tripwire_id)
                .bind(&i.level_id)
                .bind(&i.crossed_at)
                .bind(&i.opened_at)
                .bind(&i.facts)
                .execute(&mut *tx)
                .await?;
                opened += 1;
            }
        }
        for id in &c.cleared {
            sqlx::query(
                "UPDATE posture_tripwires SET crossed_at = NULL, facts = '[]' WHERE id = $1",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        for a in audits {
            append(&mut tx, a, now).await?;
        }
        tx.commit().await?;
        Ok(opened)
    }

    pub async fn posture_items(&self) -> Result<Vec<ItemRow>> {
        let rows = sqlx::query(
            "SELECT id, tripwire_id, level_id, crossed_at, opened_at, facts, closed_at, decision_id FROM posture_items ORDER BY opened_at, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(item_of).collect()
    }

    pub async fn posture_decisions(&self) -> Result<Vec<DecisionRow>> {
        let rows = sqlx::query(concat!(
            "SELECT id, kind, level_id, decided_at, decided_by, attendees, rationale, snapshot, recorded_by, recorded_at ",
            "FROM posture_decisions ORDER BY decided_at, recorded_at, id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(decision_of).collect()
    }

    /// Records a decision, its checklist tasks, and closes the decision items it answers.
    pub async fn record_posture_decision(
        &self,
        d: &DecisionRow,
        tasks: &[TaskRow],
        closes: &[String],
        audit: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "INSERT INTO posture_decisions ({DECISION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&d.id)
            .bind(&d.kind)
            .bind(&d.level_id)
            .bind(&d.decided_at)
            .bind(&d.decided_by)
            .bind(&d.attendees)
            .bind(&d.rationale)
            .bind(&d.snapshot)
            .bind(&d.recorded_by)
            .bind(&d.recorded_at)
            .execute(&mut *tx)
            .await?;
        for t in tasks {
            sqlx::query(
                "INSERT INTO posture_tasks (id, decision_id, position, task, owner_role, due_at, done_at, done_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL)",
            )
            .bind(&t.id)
            .bind(&d.id)
            .bind(t.position)
            .bind(&t.task)
            .bind(&t.owner_role)
            .bind(&t.due_at)
            .execute(&mut *tx)
            .await?;
        }
        for item in closes {
            sqlx::query(
                "UPDATE posture_items SET closed_at = $1, decision_id = $2 WHERE id = $3 AND closed_at IS NULL",
            )
            .bind(&d.decided_at)
            .bind(&d.id)
            .bind(item)
            .execute(&mut *tx)
            .await?;
        }
        append(&mut tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn posture_tasks(&self) -> Result<Vec<TaskRow>> {
        let rows = sqlx::query(
            "SELECT id, decision_id, position, task, owner_role, due_at, done_at, done_by FROM posture_tasks ORDER BY due_at, position, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(task_of).collect()
    }

    /// Ticks a checklist task off: who and when. A task ticked already stays as it was.
    pub async fn tick_posture_task(
        &self,
        id: &str,
        by: &str,
        at: &str,
        audit: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let exists: i64 = sqlx::query_scalar("SELECT count(*) FROM posture_tasks WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        if exists == 0 {
            return Err(StorageError::NotFound(format!("checklist task {id}")));
        }
        let done = sqlx::query(
            "UPDATE posture_tasks SET done_at = $1, done_by = $2 WHERE id = $3 AND done_at IS NULL",
        )
        .bind(at)
        .bind(by)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::Conflict(
                "that task is already ticked off".into(),
            ));
        }
        append(&mut tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

async fn insert_template(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    level_id: &str,
    position: i64,
    t: &TaskTemplateRow,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO posture_task_templates (id, level_id, position, task, owner_role, due_hours) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&t.id)
    .bind(level_id)
    .bind(position)
    .bind(&t.task)
    .bind(&t.owner_role)
    .bind(t.due_hours)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

//! The registry's tables: lists (sources), their imports, their rows (sealed, with provenance),
//! the persons the rows resolve into, look-up keys, decisions and the review queue.

use crate::audit::append;
use crate::{Result, StorageError, Store, timestamp};
use drawdown_domain::audit::AuditEvent;
use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

#[derive(Clone, Debug, PartialEq)]
pub struct SourceRecord {
    pub id: String,
    pub name: String,
    /// JSON [["header", "target"], …]: the mapping used last time.
    pub mapping: String,
    pub rows_live: i64,
    pub imports: i64,
}

/// What is known of a list's rows before an import, to tell added, changed and removed apart.
#[derive(Clone, Debug, PartialEq)]
pub struct RowKey {
    pub id: String,
    pub record_key: String,
    pub content_key: String,
    pub removed: bool,
}

#[derive(Clone, Debug)]
pub struct NewSourceRow {
    pub id: String,
    pub record_key: String,
    pub content_key: String,
    pub row_number: i64,
    pub sealed: Vec<u8>,
}

/// One import, as it will be recorded.
#[derive(Clone, Debug)]
pub struct ImportWrite {
    pub import_id: String,
    pub source_id: String,
    pub source_name: String,
    pub mapping: String,
    pub file_name: String,
    pub format: String,
    pub encoding: String,
    pub rows_read: i64,
    pub rows_rejected: i64,
    pub added: Vec<NewSourceRow>,
    /// Rows whose content changed: same id, new content.
    pub changed: Vec<NewSourceRow>,
    /// Ids of rows seen again unchanged (or seen again after a removal).
    pub unchanged: Vec<(String, i64)>,
    /// Ids of rows the new version of the list no longer has.
    pub removed: Vec<String>,
    pub created_by: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ImportRecord {
    pub id: String,
    pub source_name: String,
    pub file_name: String,
    pub format: String,
    pub encoding: String,
    pub rows_read: i64,
    pub rows_rejected: i64,
    pub added: i64,
    pub changed: i64,
    pub unchanged: i64,
    pub removed: i64,
    pub created_by: String,
    pub created_at: String,
}

/// A live row of a list, with its provenance.
#[derive(Clone, Debug)]
pub struct SourceRow {
    pub id: String,
    pub source_name: String,
    pub row_number: i64,
    pub first_import: String,
    pub last_import: String,
    pub last_file: String,
    pub person_id: Option<String>,
    pub sealed: Vec<u8>,
}

/// A person as a resolution run writes it.
#[derive(Clone, Debug)]
pub struct ResolvedPerson {
    pub id: String,
    pub category: String,
    pub priority: i64,
    pub priority_rule: String,
    pub status: String,
    pub household_id: Option<String>,
    pub lap_infant: bool,
    pub sealed: Vec<u8>,
    pub name_index: String,
    pub rows: Vec<String>,
    pub search_keys: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
pub struct ResolutionWrite {
    pub run_id: String,
    pub persons: Vec<ResolvedPerson>,
    pub households: Vec<(String, Option<String>)>,
    pub review: Vec<(String, String, f64)>,
    /// What the run did, as JSON (counts, not the model: the model holds name frequencies).
    pub stats: String,
    pub rows_total: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    pub row_a: String,
    pub row_b: String,
    pub decision: String,
    pub decided_by: String,
    pub decided_at: String,
}

/// Orders a pair so that (a, b) and (b, a) are one key.
pub fn pair(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}

fn source_row(r: &AnyRow) -> Result<SourceRow> {
    Ok(SourceRow {
        id: r.try_get("id")?,
        source_name: r.try_get("source_name")?,
        row_number: r.try_get("row_number")?,
        first_import: r.try_get("first_import")?,
        last_import: r.try_get("last_import")?,
        last_file: r.try_get("last_file")?,
        person_id: r.try_get("person_id")?,
        sealed: r.try_get("sealed")?,
    })
}

/// A value for [`bulk_insert`].
pub(crate) enum Bind<'a> {
    Text(&'a str),
    OptText(Option<&'a str>),
    Int(i64),
    OptInt(Option<i64>),
    Real(f64),
    Blob(&'a [u8]),
}

/// Inserts many rows with multi-row VALUES statements: one statement per few hundred rows
/// instead of one per row. `target` is a table with its column list, written by this crate.
pub(crate) async fn bulk_insert(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    target: &'static str,
    rows: &[Vec<Bind<'_>>],
) -> Result<()> {
    let Some(width) = rows.first().map(Vec::len) else {
        return Ok(());
    };
    // Well under SQLite's 32,766 and PostgreSQL's 65,535 parameters per statement.
    let per_statement = (1_000 / width).max(1);
    for chunk in rows.chunks(per_statement) {
        let mut sql = format!("INSERT INTO {target} VALUES ");
        let mut n = 0;
        for (i, _) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            sql.push('(');
            for c in 0..width {
                if c > 0 {
                    sql.push(',');
                }
                n += 1;
                sql.push_str(&format!("${n}"));
            }
            sql.push(')');
        }
        // Only placeholders are generated; every value is bound.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for row in chunk {
            for v in row {
                q = match v {
                    Bind::Text(t) => q.bind(*t),
                    Bind::OptText(t) => q.bind(*t),
                    Bind::Int(i) => q.bind(*i),
                    Bind::OptInt(i) => q.bind(*i),
                    Bind::Real(f) => q.bind(*f),
                    Bind::Blob(b) => q.bind(*b),
                };
            }
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

macro_rules! select_sources {
    ($rest:literal) => {
        concat!(
            "SELECT s.id, s.name, s.mapping, \
             (SELECT count(*) FROM source_rows r WHERE r.source_id = s.id AND r.removed_in IS NULL) AS rows_live, \
             (SELECT count(*) FROM imports i WHERE i.source_id = s.id) AS imports \
             FROM sources s ",
            $rest
        )
    };
}

fn source(r: &AnyRow) -> Result<SourceRecord> {
    Ok(SourceRecord {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        mapping: r.try_get("mapping")?,
        rows_live: r.try_get("rows_live")?,
        imports: r.try_get("imports")?,
    })
}

macro_rules! select_rows {
    ($rest:literal) => {
        concat!(
            "SELECT r.id, s.name AS source_name, r.row_number, r.first_import, r.last_import, \
             i.file_name AS last_file, r.person_id, r.sealed \
             FROM source_rows r JOIN sources s ON s.id = r.source_id JOIN imports i ON i.id = r.last_import ",
            $rest
        )
    };
}

/// An import's writes inside the caller's transaction (the audit entry is the caller's).
pub(crate) async fn write_import(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    w: &ImportWrite,
    ts: &str,
) -> Result<()> {
    let updated = sqlx::query("UPDATE sources SET mapping = $1, updated_at = $2 WHERE id = $3")
        .bind(&w.mapping)
        .bind(ts)
        .bind(&w.source_id)
        .execute(&mut **tx)
        .await?;
    if updated.rows_affected() == 0 {
        sqlx::query("INSERT INTO sources (id, name, mapping, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)")
                .bind(&w.source_id)
                .bind(&w.source_name)
                .bind(&w.mapping)
                .bind(ts)
                .execute(&mut **tx)
                .await?;
    }
    sqlx::query(
            "INSERT INTO imports (id, source_id, file_name, format, encoding, rows_read, rows_rejected, \
             added, changed, unchanged, removed, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(&w.import_id)
        .bind(&w.source_id)
        .bind(&w.file_name)
        .bind(&w.format)
        .bind(&w.encoding)
        .bind(w.rows_read)
        .bind(w.rows_rejected)
        .bind(w.added.len() as i64)
        .bind(w.changed.len() as i64)
        .bind(w.unchanged.len() as i64)
        .bind(w.removed.len() as i64)
        .bind(&w.created_by)
        .bind(ts)
        .execute(&mut **tx)
        .await?;
    let added: Vec<Vec<Bind>> = w
        .added
        .iter()
        .map(|r| {
            vec![
                Bind::Text(&r.id),
                Bind::Text(&w.source_id),
                Bind::Text(&r.record_key),
                Bind::Text(&r.content_key),
                Bind::Int(r.row_number),
                Bind::Text(&w.import_id),
                Bind::Text(&w.import_id),
                Bind::Blob(&r.sealed),
            ]
        })
        .collect();
    bulk_insert(
            tx,
            "source_rows (id, source_id, record_key, content_key, row_number, first_import, last_import, sealed)",
            &added,
        )
        .await
        .map_err(|e| match e {
            StorageError::Conflict(_) => StorageError::Conflict("the file repeats a record already in this list".into()),
            other => other,
        })?;
    for r in &w.changed {
        sqlx::query(
                "UPDATE source_rows SET content_key = $1, row_number = $2, last_import = $3, sealed = $4, removed_in = NULL WHERE id = $5",
            )
            .bind(&r.content_key)
            .bind(r.row_number)
            .bind(&w.import_id)
            .bind(&r.sealed)
            .bind(&r.id)
            .execute(&mut **tx)
            .await?;
    }
    for (id, row_number) in &w.unchanged {
        sqlx::query("UPDATE source_rows SET last_import = $1, row_number = $2, removed_in = NULL WHERE id = $3")
                .bind(&w.import_id)
                .bind(row_number)
                .bind(id)
                .execute(&mut **tx)
                .await?;
    }
    for id in &w.removed {
        sqlx::query("UPDATE source_rows SET removed_in = $1 WHERE id = $2")
            .bind(&w.import_id)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

impl Store {
    pub async fn source_by_name(&self, name: &str) -> Result<Option<SourceRecord>> {
        let row = sqlx::query(select_sources!("WHERE s.name = $1"))
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(source).transpose()
    }

    pub async fn sources(&self) -> Result<Vec<SourceRecord>> {
        let rows = sqlx::query(select_sources!("ORDER BY s.name"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(source).collect()
    }

    /// The keys of every row a list has had (live or removed).
    pub async fn row_keys(&self, source_id: &str) -> Result<Vec<RowKey>> {
        let rows = sqlx::query(
            "SELECT id, record_key, content_key, removed_in FROM source_rows WHERE source_id = $1",
        )
        .bind(source_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RowKey {
                    id: r.try_get("id")?,
                    record_key: r.try_get("record_key")?,
                    content_key: r.try_get("content_key")?,
                    removed: r.try_get::<Option<String>, _>("removed_in")?.is_some(),
                })
            })
            .collect()
    }

    /// Writes one import whole, or nothing.
    pub async fn commit_import(
        &self,
        w: &ImportWrite,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let ts = timestamp(now);
        let mut tx = self.begin_write().await?;
        write_import(&mut tx, w, &ts).await?;
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn imports(&self, limit: i64) -> Result<Vec<ImportRecord>> {
        let rows = sqlx::query(
            "SELECT i.id, s.name AS source_name, i.file_name, i.format, i.encoding, i.rows_read, i.rows_rejected, \
             i.added, i.changed, i.unchanged, i.removed, i.created_by, i.created_at \
             FROM imports i JOIN sources s ON s.id = i.source_id ORDER BY i.created_at DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ImportRecord {
                    id: r.try_get("id")?,
                    source_name: r.try_get("source_name")?,
                    file_name: r.try_get("file_name")?,
                    format: r.try_get("format")?,
                    encoding: r.try_get("encoding")?,
                    rows_read: r.try_get("rows_read")?,
                    rows_rejected: r.try_get("rows_rejected")?,
                    added: r.try_get("added")?,
                    changed: r.try_get("changed")?,
                    unchanged: r.try_get("unchanged")?,
                    removed: r.try_get("removed")?,
                    created_by: r.try_get("created_by")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// Every live row of every list, for a resolution run.
    pub async fn live_rows(&self) -> Result<Vec<SourceRow>> {
        let rows = sqlx::query(select_rows!("WHERE r.removed_in IS NULL ORDER BY r.id"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(source_row).collect()
    }

    /// The rows behind one person.
    pub async fn rows_of_person(&self, person_id: &str) -> Result<Vec<SourceRow>> {
        let rows = sqlx::query(select_rows!(
            "WHERE r.person_id = $1 AND r.removed_in IS NULL ORDER BY s.name, r.row_number"
        ))
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(source_row).collect()
    }

    pub async fn rows_by_id(&self, a: &str, b: &str) -> Result<Vec<SourceRow>> {
        let rows = sqlx::query(select_rows!("WHERE r.id IN ($1, $2)"))
            .bind(a)
            .bind(b)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(source_row).collect()
    }

    pub async fn decisions(&self) -> Result<Vec<Decision>> {
        let rows = sqlx::query(
            "SELECT row_a, row_b, decision, decided_by, decided_at FROM match_decisions",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Decision {
                    row_a: r.try_get(0)?,
                    row_b: r.try_get(1)?,
                    decision: r.try_get(2)?,
                    decided_by: r.try_get(3)?,
                    decided_at: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// Records a person's decision on a pair (replacing an earlier one) and takes the pair
    /// off the review queue.
    pub async fn decide_pair(
        &self,
        a: &str,
        b: &str,
        decision: &str,
        by: &str,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let (a, b) = pair(a, b);
        let mut tx = self.begin_write().await?;
        // A decision is on two rows of the registry: anything else changes nothing.
        let known: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM source_rows WHERE id IN ($1, $2)")
                .bind(&a)
                .bind(&b)
                .fetch_one(&mut *tx)
                .await?;
        if a == b || known != 2 {
            return Err(StorageError::NotFound(format!("a pair of rows {a}, {b}")));
        }
        sqlx::query("DELETE FROM match_decisions WHERE row_a = $1 AND row_b = $2")
            .bind(&a)
            .bind(&b)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO match_decisions (row_a, row_b, decision, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&a)
            .bind(&b)
            .bind(decision)
            .bind(by)
            .bind(timestamp(now))
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM review_pairs WHERE row_a = $1 AND row_b = $2")
            .bind(&a)
            .bind(&b)
            .execute(&mut *tx)
            .await?;
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The review queue, most uncertain first (scores nearest the middle of the band first is
    /// the engine's business; here: highest score first).
    /// The most uncertain pairs first: a match weight is log2 of the odds that the two rows are
    /// one person, so the closer to 0 (even odds), the more a person's eye is worth.
    pub async fn review_queue(
        &self,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<(String, String, f64)>> {
        let rows = sqlx::query("SELECT row_a, row_b, score FROM review_pairs ORDER BY abs(score), row_a, row_b LIMIT $1 OFFSET $2")
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect()
    }

    /// The statistics (and trained parameters) of the latest resolution run, as JSON text.
    pub async fn latest_resolution_stats(&self) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT stats FROM resolution_runs ORDER BY id DESC LIMIT 1")
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn review_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM review_pairs")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Replaces the registry's persons with a resolution run's, in one transaction. Person ids
    /// are kept stable by the caller; what people decided about a person (a priority set by
    /// hand, the creation date) is carried over. Rows are written in bulk: at the reference
    /// scale this is over a million rows.
    pub async fn apply_resolution(
        &self,
        w: &ResolutionWrite,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let ts = timestamp(now);
        let clock = std::time::Instant::now();
        let lap = |what: &str| {
            tracing::debug!(
                what,
                ms = clock.elapsed().as_millis() as u64,
                "apply resolution"
            )
        };
        let mut tx = self.begin_write().await?;
        let kept: Vec<(String, Option<i64>, String)> = {
            let rows = sqlx::query("SELECT id, priority_override, created_at FROM persons")
                .fetch_all(&mut *tx)
                .await?;
            rows.iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
                .collect::<Result<_>>()?
        };
        let carried: std::collections::HashMap<&str, (Option<i64>, &str)> = kept
            .iter()
            .map(|(id, o, c)| (id.as_str(), (*o, c.as_str())))
            .collect();
        for q in [
            "DELETE FROM search_keys",
            "DELETE FROM review_pairs",
            "DELETE FROM households",
            "DELETE FROM persons",
            "DROP INDEX search_keys_key",
            "DROP INDEX search_keys_person",
        ] {
            sqlx::query(q).execute(&mut *tx).await?;
        }
        lap("cleared");
        let mut persons = Vec::with_capacity(w.persons.len());
        let mut keys = Vec::new();
        let mut links = Vec::new();
        for p in &w.persons {
            let (over, created) = carried
                .get(p.id.as_str())
                .copied()
                .unwrap_or((None, ts.as_str()));
            persons.push(vec![
                Bind::Text(&p.id),
                Bind::Text(&p.category),
                Bind::Int(p.priority),
                Bind::Blob(&p.sealed),
                Bind::Text(&p.name_index),
                Bind::Text(created),
                Bind::Text(&ts),
                Bind::OptText(p.household_id.as_deref()),
                Bind::Text(&p.priority_rule),
                Bind::OptInt(over),
                Bind::Text(&p.status),
                Bind::Int(i64::from(p.lap_infant)),
            ]);
            for (kind, key) in &p.search_keys {
                keys.push(vec![Bind::Text(&p.id), Bind::Text(kind), Bind::Text(key)]);
            }
            for r in &p.rows {
                links.push(vec![Bind::Text(r), Bind::Text(&p.id)]);
            }
        }
        bulk_insert(
            &mut tx,
            "persons (id, category, priority, sealed, name_index, created_at, updated_at, household_id, priority_rule, priority_override, status, lap_infant)",
            &persons,
        )
        .await?;
        lap("persons");
        bulk_insert(&mut tx, "search_keys (person_id, kind, key)", &keys).await?;
        lap("search keys");
        // Building an index once is far cheaper than keeping it up to date row by row.
        sqlx::query("CREATE INDEX search_keys_key ON search_keys(key, person_id)")
            .execute(&mut *tx)
            .await?;
        sqlx::query("CREATE INDEX search_keys_person ON search_keys(person_id, key)")
            .execute(&mut *tx)
            .await?;
        lap("indexes");
        // Row → person: through a scratch table, then one update.
        sqlx::query("DELETE FROM row_links")
            .execute(&mut *tx)
            .await?;
        bulk_insert(&mut tx, "row_links (row_id, person_id)", &links).await?;
        sqlx::query(
            "UPDATE source_rows SET person_id = (SELECT l.person_id FROM row_links l WHERE l.row_id = source_rows.id)",
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM row_links")
            .execute(&mut *tx)
            .await?;
        lap("row links");
        let households: Vec<Vec<Bind>> = w
            .households
            .iter()
            .map(|(id, head)| {
                vec![
                    Bind::Text(id),
                    Bind::OptText(head.as_deref()),
                    Bind::Int(0),
                    Bind::Text(&ts),
                    Bind::Text(&ts),
                ]
            })
            .collect();
        bulk_insert(
            &mut tx,
            "households (id, head_person_id, confirmed, created_at, updated_at)",
            &households,
        )
        .await?;
        let ordered: Vec<(String, String, f64)> = w
            .review
            .iter()
            .map(|(a, b, s)| {
                let (a, b) = pair(a, b);
                (a, b, *s)
            })
            .collect();
        let review: Vec<Vec<Bind>> = ordered
            .iter()
            .map(|(a, b, s)| {
                vec![
                    Bind::Text(a),
                    Bind::Text(b),
                    Bind::Real(*s),
                    Bind::Text(&ts),
                ]
            })
            .collect();
        bulk_insert(
            &mut tx,
            "review_pairs (row_a, row_b, score, created_at)",
            &review,
        )
        .await?;
        sqlx::query(
            "INSERT INTO resolution_runs (id, rows_total, persons, review_pairs, stats, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&w.run_id)
        .bind(w.rows_total)
        .bind(w.persons.len() as i64)
        .bind(w.review.len() as i64)
        .bind(&w.stats)
        .bind(&ts)
        .execute(&mut *tx)
        .await?;
        append(&mut tx, event, now).await?;
        lap("review and run");
        tx.commit().await?;
        lap("committed");
        Ok(())
    }

    /// Links a row just added to a person already on the registry, with its look-up keys.
    pub async fn attach_row(
        &self,
        row_id: &str,
        person_id: &str,
        keys: &[(String, String)],
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE source_rows SET person_id = $1 WHERE id = $2")
            .bind(person_id)
            .bind(row_id)
            .execute(&mut *tx)
            .await?;
        for (kind, key) in keys {
            let known: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM search_keys WHERE person_id = $1 AND key = $2",
            )
            .bind(person_id)
            .bind(key)
            .fetch_one(&mut *tx)
            .await?;
            if known == 0 {
                sqlx::query("INSERT INTO search_keys (person_id, kind, key) VALUES ($1, $2, $3)")
                    .bind(person_id)
                    .bind(kind)
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        sqlx::query("UPDATE persons SET updated_at = $1 WHERE id = $2")
            .bind(timestamp(now))
            .bind(person_id)
            .execute(&mut *tx)
            .await?;
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A person made at once for rows just added by hand (the next resolution run may merge
    /// them with others).
    pub async fn add_resolved_person(
        &self,
        p: &ResolvedPerson,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let ts = timestamp(now);
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO persons (id, category, priority, site_code, sealed, name_index, created_at, updated_at, \
             household_id, priority_rule, status, lap_infant) VALUES ($1, $2, $3, NULL, $4, $5, $6, $6, $7, $8, $9, $10)",
        )
        .bind(&p.id)
        .bind(&p.category)
        .bind(p.priority)
        .bind(&p.sealed)
        .bind(&p.name_index)
        .bind(&ts)
        .bind(p.household_id.as_deref())
        .bind(&p.priority_rule)
        .bind(&p.status)
        .bind(i64::from(p.lap_infant))
        .execute(&mut *tx)
        .await?;
        for r in &p.rows {
            sqlx::query("UPDATE source_rows SET person_id = $1 WHERE id = $2")
                .bind(&p.id)
                .bind(r)
                .execute(&mut *tx)
                .await?;
        }
        for (kind, key) in &p.search_keys {
            sqlx::query("INSERT INTO search_keys (person_id, kind, key) VALUES ($1, $2, $3)")
                .bind(&p.id)
                .bind(kind)
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records that two persons travel together and puts them in one household at once (the
    /// household of either, or a new one).
    pub async fn link_household(
        &self,
        a: &str,
        b: &str,
        by: &str,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<String> {
        let (pa, pb) = pair(a, b);
        let ts = timestamp(now);
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM household_links WHERE person_a = $1 AND person_b = $2")
            .bind(&pa)
            .bind(&pb)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO household_links (person_a, person_b, decided_by, decided_at) VALUES ($1, $2, $3, $4)")
            .bind(&pa)
            .bind(&pb)
            .bind(by)
            .bind(&ts)
            .execute(&mut *tx)
            .await?;
        let mut found = None;
        for id in [a, b] {
            let h: Option<Option<String>> =
                sqlx::query_scalar("SELECT household_id FROM persons WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            match h {
                None => return Err(StorageError::NotFound(format!("person {id}"))),
                Some(Some(h)) if found.is_none() => found = Some(h),
                _ => {}
            }
        }
        let household = match found {
            Some(h) => h,
            None => {
                let h = format!("hh-{pa}");
                sqlx::query("INSERT INTO households (id, head_person_id, confirmed, created_at, updated_at) VALUES ($1, NULL, 1, $2, $2)")
                    .bind(&h)
                    .bind(&ts)
                    .execute(&mut *tx)
                    .await?;
                h
            }
        };
        sqlx::query(
            "UPDATE persons SET household_id = $1, updated_at = $2 WHERE id = $3 OR id = $4",
        )
        .bind(&household)
        .bind(&ts)
        .bind(a)
        .bind(b)
        .execute(&mut *tx)
        .await?;
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(household)
    }

    /// Records that a document was seen for a person whose status was only claimed.
    pub async fn verify_person(
        &self,
        person_id: &str,
        document: &str,
        by: &str,
        event: &AuditEvent,
        now: OffsetDateTime,
    ) -> Result<()> {
        let ts = timestamp(now);
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE persons SET status = '', updated_at = $1 WHERE id = $2")
            .bind(&ts)
            .bind(person_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::NotFound(format!("person {person_id}")));
        }
        sqlx::query("DELETE FROM verifications WHERE person_id = $1")
            .bind(person_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO verifications (person_id, document, verified_by, verified_at) VALUES ($1, $2, $3, $4)")
            .bind(person_id)
            .bind(document)
            .bind(by)
            .bind(&ts)
            .execute(&mut *tx)
            .await?;
        append(&mut tx, event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn verified_persons(&self) -> Result<std::collections::HashSet<String>> {
        Ok(sqlx::query_scalar("SELECT person_id FROM verifications")
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .collect())
    }

    pub async fn household_links(&self) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT person_a, person_b FROM household_links")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// A person's look-up keys (blind indexes), by kind.
    pub async fn search_keys_of(&self, person_id: &str) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT kind, key FROM search_keys WHERE person_id = $1")
            .bind(person_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// Persons having every one of `keys` (blind-indexed search keys). The rarest key leads
    /// and the others are probed per candidate, so a common name word costs little.
    pub async fn persons_with_keys(&self, keys: &[String], limit: i64) -> Result<Vec<String>> {
        let mut counted = Vec::with_capacity(keys.len());
        for k in keys {
            let n: i64 = sqlx::query_scalar("SELECT count(*) FROM search_keys WHERE key = $1")
                .bind(k)
                .fetch_one(&self.pool)
                .await?;
            if n == 0 {
                return Ok(vec![]);
            }
            counted.push((n, k.as_str()));
        }
        counted.sort();
        counted.dedup_by(|a, b| a.1 == b.1);
        let k: Vec<&str> = counted.iter().map(|(_, k)| *k).collect();
        // Four keys narrow enough; more only cost probes.
        let q = match k.len() {
            0 => return Ok(vec![]),
            1 => sqlx::query_scalar("SELECT DISTINCT person_id FROM search_keys WHERE key = $1 LIMIT $2")
                .bind(k[0])
                .bind(limit),
            2 => sqlx::query_scalar(
                "SELECT DISTINCT a.person_id FROM search_keys a \
                 WHERE a.key = $1 AND EXISTS (SELECT 1 FROM search_keys b WHERE b.person_id = a.person_id AND b.key = $2) \
                 LIMIT $3",
            )
            .bind(k[0])
            .bind(k[1])
            .bind(limit),
            3 => sqlx::query_scalar(
                "SELECT DISTINCT a.person_id FROM search_keys a \
                 WHERE a.key = $1 AND EXISTS (SELECT 1 FROM search_keys b WHERE b.person_id = a.person_id AND b.key = $2) \
                 AND EXISTS (SELECT 1 FROM search_keys c WHERE c.person_id = a.person_id AND c.key = $3) LIMIT $4",
            )
            .bind(k[0])
            .bind(k[1])
            .bind(k[2])
            .bind(limit),
            _ => sqlx::query_scalar(
                "SELECT DISTINCT a.person_id FROM search_keys a \
                 WHERE a.key = $1 AND EXISTS (SELECT 1 FROM search_keys b WHERE b.person_id = a.person_id AND b.key = $2) \
                 AND EXISTS (SELECT 1 FROM search_keys c WHERE c.person_id = a.person_id AND c.key = $3) \
                 AND EXISTS (SELECT 1 FROM search_keys d WHERE d.person_id = a.person_id AND d.key = $4) LIMIT $5",
            )
            .bind(k[0])
            .bind(k[1])
            .bind(k[2])
            .bind(k[3])
            .bind(limit),
        };
        Ok(q.fetch_all(&self.pool).await?)
    }
}

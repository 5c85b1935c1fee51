//! Group commit: many concurrent requests' small writes, one transaction (and one fsync) per batch.
//!
//! A [`Batcher`] owns one writer task. Requests [`submit`](Batcher::submit) items; the task takes
//! every item waiting (up to [`BatchConfig::max_items`]), opens ONE write transaction, hands the
//! items to the area's [`BatchWriter`], commits, and only then answers each submitter. So an
//! acknowledged item is on disk (SQLite runs WAL with `synchronous = FULL`; PostgreSQL commits
//! durably) and survives `kill -9`. While a commit is in flight the next batch gathers in the
//! queue; an idle batcher writes a lone item at once (no artificial wait).
//!
//! * Back-pressure: when [`BatchConfig::queue_depth`] items are already waiting, `submit` fails
//!   at once with [`BatchError::Busy`]; answer 503 with `Retry-After:` [`BatchError::RETRY_AFTER_SECS`].
//! * One bad item fails alone: the writer returns one `Result` per item (validate first and
//!   return `Err(reason)` for a refused item: it gets [`BatchError::Rejected`], the others are
//!   written). If the writer fails the whole batch (a constraint, a database error), the batch is
//!   rolled back and split in halves until the item at fault is alone; every other item is
//!   written. Writers must therefore not depend on the batch's composition.
//! * The writer lives in the area's storage module (all SQL lives in this crate) and appends
//!   the audit summary it wants in the same transaction (`crate::audit::append`), e.g. one
//!   event per batch: "scans.recorded n=412".
//! * [`insert_rows`] writes many rows in one `INSERT` whose text does not depend on their
//!   number (they travel as one JSON parameter), so it is prepared once per connection and
//!   reused; [`json_keys`] does the same for `WHERE id IN (…)` reads.
//!
//! ```ignore
//! // In crates/storage/src/accountability.rs:
//! pub struct ScanWriter;
//! impl BatchWriter for ScanWriter {
//!     type Item = NewScan;
//!     type Output = ScanOutcome;
//!     async fn write(&self, conn: &mut AnyConnection, items: &[NewScan])
//!         -> Result<Vec<Result<ScanOutcome, String>>> {
//!         let mut values = Vec::new();
//!         for s in items { values.extend([Value::text(&s.id), Value::text(&s.checkpoint), Value::Int(s.at)]); }
//!         let inserted = insert_rows_returning(conn, "INSERT INTO scans (id, checkpoint, at)",
//!             "ON CONFLICT (id) DO NOTHING RETURNING id", 3, values).await?;
//!         crate::audit::append(conn, &AuditEvent::new("system", "scans.recorded", "scans",
//!             format!("n={}", items.len()), "batch"), OffsetDateTime::now_utc()).await?;
//!         Ok(items.iter().map(|s| Ok(ScanOutcome { replay: !inserted.contains(&s.id) })).collect())
//!     }
//! }
//! // At start (AppState): one batcher for the whole process.
//! let scans = Batcher::spawn(store.clone(), BatchConfig::default(), ScanWriter);
//! // In a handler:
//! match scans.submit(scan).await {
//!     Ok(outcome) => …,                              // committed: durable
//!     Err(BatchError::Busy) => 503 + Retry-After: 1,
//!     Err(BatchError::Rejected(why)) => 422 naming the field,
//!     Err(e) => 500,
//! }
//! ```

use crate::{Result, StorageError, Store};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{mpsc, oneshot};

/// Parameters per multi-row statement (SQLite allows 32,766, PostgreSQL 65,535; ~1,000 keeps
/// statements small enough to prepare once and cache).
pub const PARAMS_PER_STATEMENT: usize = 1000;

/// How a batcher groups its items.
#[derive(Clone, Copy, Debug)]
pub struct BatchConfig {
    /// Items per transaction at most.
    pub max_items: usize,
    /// Items waiting at most before `submit` answers [`BatchError::Busy`].
    pub queue_depth: usize,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig {
            max_items: 2000,
            queue_depth: 50_000,
        }
    }
}

/// Why an item was not written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// Too many items waiting: try again shortly (HTTP 503 with `Retry-After`).
    #[error("too busy: try again in a moment")]
    Busy,
    /// The writer refused this item; the reason names the field.
    #[error("{0}")]
    Rejected(String),
    /// The database failed on this item even alone; nothing of it was written.
    #[error("not written: {0}")]
    Storage(String),
    /// The batcher has stopped (the server is shutting down).
    #[error("the writer has stopped")]
    Closed,
}

impl BatchError {
    pub const RETRY_AFTER_SECS: u32 = 1;
}

/// What an area writes in a batch. Implement it in the area's storage module.
pub trait BatchWriter: Send + Sync + 'static {
    type Item: Send + Sync + 'static;
    type Output: Send + 'static;
    /// Writes `items` inside the open transaction `conn` and returns one result per item, in
    /// order: `Ok` for a written item, `Err(reason)` for a refused one (its writes must not have
    /// happened). An `Err` of the whole call rolls the batch back (see the module doc).
    fn write(
        &self,
        conn: &mut AnyConnection,
        items: &[Self::Item],
    ) -> impl Future<Output = Result<Vec<std::result::Result<Self::Output, String>>>> + Send;
}

type Reply<O> = oneshot::Sender<std::result::Result<O, BatchError>>;

/// Counters since the batcher started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchStats {
    /// Transactions committed (split retries included).
    pub commits: u64,
    /// Items acknowledged as written.
    pub written: u64,
    /// The largest batch taken from the queue.
    pub largest: u64,
}

#[derive(Default)]
struct Counters {
    commits: AtomicU64,
    written: AtomicU64,
    largest: AtomicU64,
}

/// The handle requests submit to; cheap to clone. The writer task stops when the last handle
/// is dropped, after writing what was queued.
pub struct Batcher<W: BatchWriter> {
    queue: mpsc::Sender<(W::Item, Reply<W::Output>)>,
    counters: Arc<Counters>,
}

impl<W: BatchWriter> Clone for Batcher<W> {
    fn clone(&self) -> Self {
        Batcher {
            queue: self.queue.clone(),
            counters: self.counters.clone(),
        }
    }
}

impl<W: BatchWriter> Batcher<W> {
    /// Starts the writer task on the current tokio runtime.
    pub fn spawn(store: Store, config: BatchConfig, writer: W) -> Batcher<W> {
        let (queue, rx) = mpsc::channel(config.queue_depth.max(1));
        let counters = Arc::new(Counters::default());
        tokio::spawn(run(
            store,
            writer,
            rx,
            config.max_items.max(1),
            counters.clone(),
        ));
        Batcher { queue, counters }
    }

    /// Queues `item` and waits until its batch is committed (or the item refused).
    pub async fn submit(&self, item: W::Item) -> std::result::Result<W::Output, BatchError> {
        let rx = self.enqueue(item)?;
        rx.await.unwrap_or(Err(BatchError::Closed))
    }

    /// Queues several items (e.g. one API request's batch) and waits for all; one result each.
    pub async fn submit_all(
        &self,
        items: Vec<W::Item>,
    ) -> Vec<std::result::Result<W::Output, BatchError>> {
        let pending: Vec<_> = items.into_iter().map(|i| self.enqueue(i)).collect();
        let mut out = Vec::with_capacity(pending.len());
        for p in pending {
            out.push(match p {
                Ok(rx) => rx.await.unwrap_or(Err(BatchError::Closed)),
                Err(e) => Err(e),
            });
        }
        out
    }

    fn enqueue(
        &self,
        item: W::Item,
    ) -> std::result::Result<
        oneshot::Receiver<std::result::Result<W::Output, BatchError>>,
        BatchError,
    > {
        let (tx, rx) = oneshot::channel();
        self.queue.try_send((item, tx)).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => BatchError::Busy,
            mpsc::error::TrySendError::Closed(_) => BatchError::Closed,
        })?;
        Ok(rx)
    }

    pub fn stats(&self) -> BatchStats {
        BatchStats {
            commits: self.counters.commits.load(Ordering::Relaxed),
            written: self.counters.written.load(Ordering::Relaxed),
            largest: self.counters.largest.load(Ordering::Relaxed),
        }
    }
}

async fn run<W: BatchWriter>(
    store: Store,
    writer: W,
    mut rx: mpsc::Receiver<(W::Item, Reply<W::Output>)>,
    max: usize,
    counters: Arc<Counters>,
) {
    let mut jobs = Vec::with_capacity(max);
    // Waits for the first item only: everything already queued joins it.
    while rx.recv_many(&mut jobs, max).await > 0 {
        counters
            .largest
            .fetch_max(jobs.len() as u64, Ordering::Relaxed);
        let (items, replies): (Vec<_>, Vec<_>) = jobs.drain(..).unzip();
        let results = write_batch(&store, &writer, &items, &counters).await;
        for (reply, result) in replies.into_iter().zip(results) {
            let _ = reply.send(result);
        }
    }
}

/// One transaction for all; on failure, halves until the failing item is alone.
async fn write_batch<W: BatchWriter>(
    store: &Store,
    writer: &W,
    items: &[W::Item],
    counters: &Counters,
) -> Vec<std::result::Result<W::Output, BatchError>> {
    let mut results: Vec<Option<std::result::Result<W::Output, BatchError>>> =
        (0..items.len()).map(|_| None).collect();
    let mut ranges = vec![(0, items.len())];
    while let Some((a, b)) = ranges.pop() {
        match attempt(store, writer, &items[a..b]).await {
            Ok(written) => {
                counters.commits.fetch_add(1, Ordering::Relaxed);
                for (slot, r) in results[a..b].iter_mut().zip(written) {
                    if r.is_ok() {
                        counters.written.fetch_add(1, Ordering::Relaxed);
                    }
                    *slot = Some(r.map_err(BatchError::Rejected));
                }
            }
            Err(e) if b - a == 1 => {
                tracing::warn!(error = %e, "a batched item could not be written");
                results[a] = Some(Err(BatchError::Storage(e.to_string())));
            }
            Err(_) => {
                let mid = a + (b - a) / 2;
                ranges.push((mid, b));
                ranges.push((a, mid));
            }
        }
    }
    results
        .into_iter()
        .map(|r| r.unwrap_or(Err(BatchError::Closed)))
        .collect()
}

async fn attempt<W: BatchWriter>(
    store: &Store,
    writer: &W,
    items: &[W::Item],
) -> Result<Vec<std::result::Result<W::Output, String>>> {
    let mut tx = store.begin_write().await?;
    let out = writer.write(&mut tx, items).await?;
    if out.len() != items.len() {
        return Err(StorageError::Database(format!(
            "the batch writer answered {} results for {} items",
            out.len(),
            items.len()
        )));
    }
    tx.commit().await?;
    Ok(out)
}

/// A value for [`insert_rows`]: what sqlx's `Any` driver carries.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Int(i64),
    Float(f64),
    Text(String),
    Blob(Vec<u8>),
    /// NULL in an integer column.
    NullInt,
    /// NULL in a text column.
    NullText,
}

impl Value {
    pub fn text(s: impl Into<String>) -> Value {
        Value::Text(s.into())
    }
}

/// The statement for `rows` rows of `columns` values: `head VALUES ($1, $2), ($3, $4) tail`.
fn multi_row_sql(head: &str, tail: &str, columns: usize, rows: usize) -> String {
    let mut sql = String::with_capacity(head.len() + tail.len() + rows * columns * 6);
    sql.push_str(head);
    sql.push_str(" VALUES ");
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..columns {
            if c > 0 {
                sql.push_str(", ");
            }
            n += 1;
            sql.push('$');
            sql.push_str(&n.to_string());
        }
        sql.push(')');
    }
    if !tail.is_empty() {
        sql.push(' ');
        sql.push_str(tail);
    }
    sql
}

fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    values: &'q [Value],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for v in values {
        q = match v {
            Value::Int(i) => q.bind(*i),
            Value::Float(f) => q.bind(*f),
            Value::Text(s) => q.bind(s.as_str()),
            Value::Blob(b) => q.bind(b.as_slice()),
            Value::NullInt => q.bind(None::<i64>),
            Value::NullText => q.bind(None::<String>),
        };
    }
    q
}

fn check_shape(columns: usize, values: &[Value]) -> Result<usize> {
    if columns == 0 || !values.len().is_multiple_of(columns) {
        return Err(StorageError::Database(format!(
            "insert_rows: {} values do not make rows of {columns} columns",
            values.len()
        )));
    }
    Ok((PARAMS_PER_STATEMENT / columns).max(1))
}

/// Rows per statement when they travel as one JSON parameter.
pub const ROWS_PER_JSON_STATEMENT: usize = 5000;

fn is_postgres(conn: &AnyConnection) -> bool {
    conn.backend_name() == "PostgreSQL"
}

/// The SQL type of each column when every row's values can travel as JSON (no blobs, no
/// column mixing kinds, finite floats); `None` otherwise.
fn json_types(columns: usize, values: &[Value]) -> Option<Vec<&'static str>> {
    let mut types: Vec<Option<&'static str>> = vec![None; columns];
    for (i, v) in values.iter().enumerate() {
        let t = match v {
            Value::Int(_) | Value::NullInt => "BIGINT",
            Value::Text(_) | Value::NullText => "TEXT",
            Value::Float(f) if f.is_finite() => "DOUBLE PRECISION",
            Value::Float(_) | Value::Blob(_) => return None,
        };
        let slot = &mut types[i % columns];
        match slot {
            None => *slot = Some(t),
            Some(known) if *known == t => {}
            Some(_) => return None,
        }
    }
    types.into_iter().collect()
}

fn json_value(v: &Value) -> serde_json::Value {
    match v {
        Value::Int(i) => (*i).into(),
        Value::Float(f) => (*f).into(),
        Value::Text(s) => s.as_str().into(),
        Value::Blob(_) | Value::NullInt | Value::NullText => serde_json::Value::Null,
    }
}

/// `head SELECT CAST(j.value ->> 0 AS T0), … FROM <the JSON array $1> WHERE true tail`: one
/// statement text whatever the number of rows, so it is prepared once per connection. (The
/// `WHERE true` keeps SQLite from reading an `ON CONFLICT` tail as a join's `ON`.)
fn json_rows_sql(postgres: bool, head: &str, tail: &str, types: &[&str]) -> String {
    let cols: Vec<String> = types
        .iter()
        .enumerate()
        .map(|(i, t)| format!("CAST(j.value ->> {i} AS {t})"))
        .collect();
    let source = if postgres {
        "json_array_elements(CAST($1 AS json)) AS j(value)"
    } else {
        "json_each($1) AS j"
    };
    format!(
        "{head} SELECT {} FROM {source} WHERE true {tail}",
        cols.join(", ")
    )
}

/// A subquery giving one row per key of the JSON array of texts bound as `$n` (column
/// `value`): `WHERE id IN (<json_keys(conn, 1)>)` with [`json_list`] bound, one statement text
/// for any number of keys.
pub fn json_keys(conn: &AnyConnection, n: usize) -> String {
    if is_postgres(conn) {
        format!("SELECT value FROM json_array_elements_text(CAST(${n} AS json)) AS j(value)")
    } else {
        format!("SELECT value FROM json_each(${n})")
    }
}

/// Keys as the JSON array [`json_keys`] reads.
pub fn json_list<S: AsRef<str>>(keys: &[S]) -> String {
    serde_json::Value::Array(
        keys.iter()
            .map(|k| serde_json::Value::from(k.as_ref()))
            .collect(),
    )
    .to_string()
}

enum Statement {
    Json(String, String),
    /// The statement and the range of `values` it binds.
    Values(String, std::ops::Range<usize>),
}

/// The statements for `values`: rows as one JSON parameter when they can travel so, else
/// multi-row `VALUES` of about [`PARAMS_PER_STATEMENT`] parameters.
fn statements(
    conn: &AnyConnection,
    head: &str,
    tail: &str,
    columns: usize,
    values: &[Value],
) -> Result<Vec<Statement>> {
    let per = check_shape(columns, values)?;
    if let Some(types) = json_types(columns, values) {
        let sql = json_rows_sql(is_postgres(conn), head, tail, &types);
        return Ok(values
            .chunks(ROWS_PER_JSON_STATEMENT * columns)
            .map(|chunk| {
                let rows: Vec<serde_json::Value> = chunk
                    .chunks(columns)
                    .map(|row| serde_json::Value::Array(row.iter().map(json_value).collect()))
                    .collect();
                Statement::Json(sql.clone(), serde_json::Value::Array(rows).to_string())
            })
            .collect());
    }
    Ok(values
        .chunks(per * columns)
        .enumerate()
        .map(|(i, chunk)| {
            let from = i * per * columns;
            Statement::Values(
                multi_row_sql(head, tail, columns, chunk.len() / columns),
                from..from + chunk.len(),
            )
        })
        .collect())
}

/// Inserts `values` (row after row, `columns` per row): `head` is `INSERT INTO t (a, b, c)`,
/// `tail` is what follows the rows (`""` or `ON CONFLICT (id) DO NOTHING`). The rows travel as
/// one JSON parameter of one statement whose text does not depend on their number (the
/// portable form of PostgreSQL's `UNNEST`: `json_array_elements` there, `json_each` in
/// SQLite), so it is prepared once per connection and a batch of any size is one round trip
/// (up to [`ROWS_PER_JSON_STATEMENT`] rows). Rows holding blobs use multi-row `VALUES`.
/// Returns the rows affected.
pub async fn insert_rows(
    conn: &mut AnyConnection,
    head: &'static str,
    tail: &'static str,
    columns: usize,
    values: &[Value],
) -> Result<u64> {
    let mut affected = 0;
    for st in statements(conn, head, tail, columns, values)? {
        affected += match st {
            Statement::Json(sql, rows) => {
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(rows)
                    .execute(&mut *conn)
                    .await?
            }
            Statement::Values(sql, range) => {
                bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &values[range])
                    .execute(&mut *conn)
                    .await?
            }
        }
        .rows_affected();
    }
    Ok(affected)
}

/// [`insert_rows`] with a `RETURNING …` tail: the rows it returns (e.g. the ids actually
/// inserted under `ON CONFLICT (id) DO NOTHING RETURNING id`, to tell replays apart).
pub async fn insert_rows_returning(
    conn: &mut AnyConnection,
    head: &'static str,
    tail: &'static str,
    columns: usize,
    values: &[Value],
) -> Result<Vec<AnyRow>> {
    let mut rows = Vec::new();
    for st in statements(conn, head, tail, columns, values)? {
        rows.extend(match st {
            Statement::Json(sql, json) => {
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(json)
                    .fetch_all(&mut *conn)
                    .await?
            }
            Statement::Values(sql, range) => {
                bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &values[range])
                    .fetch_all(&mut *conn)
                    .await?
            }
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use drawdown_domain::audit::AuditEvent;
    use sqlx::{Connection, Row};
    use std::collections::HashSet;
    use std::time::{Duration, Instant};

    /// A test item: a unique id and a count; a negative count is refused by validation, a
    /// count of 666 breaks the transaction (a CHECK constraint), as a bad row would.
    #[derive(Clone, Debug)]
    struct Tick {
        id: String,
        n: i64,
    }

    struct TickWriter;

    impl BatchWriter for TickWriter {
        type Item = Tick;
        type Output = bool; // true when new, false when a replay of an id already written

        async fn write(
            &self,
            conn: &mut AnyConnection,
            items: &[Tick],
        ) -> Result<Vec<std::result::Result<bool, String>>> {
            let valid: Vec<&Tick> = items.iter().filter(|t| t.n >= 0).collect();
            let values: Vec<Value> = valid
                .iter()
                .flat_map(|t| [Value::text(&t.id), Value::Int(t.n)])
                .collect();
            let new: HashSet<String> = insert_rows_returning(
                conn,
                "INSERT INTO batch_ticks (id, n)",
                "ON CONFLICT (id) DO NOTHING RETURNING id",
                2,
                &values,
            )
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<std::result::Result<_, _>>()?;
            let event = AuditEvent::new(
                "system",
                "ticks.recorded",
                "batch_ticks",
                format!("n={}", new.len()),
                "test",
            );
            crate::audit::append(conn, &event, time::OffsetDateTime::now_utc()).await?;
            Ok(items
                .iter()
                .map(|t| {
                    if t.n < 0 {
                        Err(format!("tick {}: n must be 0 or more", t.id))
                    } else {
                        Ok(new.contains(&t.id))
                    }
                })
                .collect())
        }
    }

    const TABLE: &str =
        "CREATE TABLE batch_ticks (id TEXT PRIMARY KEY, n INTEGER NOT NULL CHECK (n <> 666))";

    async fn sqlite_store(dir: &std::path::Path) -> Store {
        let url = format!("sqlite://{}", dir.join("batch.db").display());
        let store = Store::connect(&url, true).await.unwrap();
        store.migrate().await.unwrap();
        sqlx::query(TABLE).execute(&store.pool).await.unwrap();
        store
    }

    fn temp_dir(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!(
            "drawdown-batch-{name}-{}-{}",
            std::process::id(),
            uuid::Uuid::now_v7()
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// A fresh database on DRAWDOWN_TEST_PG, or None (skipped) when it is not set.
    async fn pg_store() -> Option<(Store, String, String)> {
        let base = std::env::var("DRAWDOWN_TEST_PG")
            .ok()
            .filter(|u| !u.trim().is_empty());
        let Some(base) = base else {
            eprintln!("skipped: DRAWDOWN_TEST_PG is not set");
            return None;
        };
        let name = format!("drawdown_batch_{}", uuid::Uuid::now_v7().simple());
        sqlx::any::install_default_drivers();
        let mut c = sqlx::AnyConnection::connect(&base).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut c)
            .await
            .unwrap();
        let _ = c.close().await;
        let (host, _) = base.rsplit_once('/').unwrap();
        let url = format!("{host}/{name}");
        let store = Store::connect(&url, false).await.unwrap();
        store.migrate().await.unwrap();
        sqlx::query(TABLE).execute(&store.pool).await.unwrap();
        Some((store, base, name))
    }

    async fn drop_pg(store: Store, base: &str, name: &str) {
        store.close().await;
        let mut c = sqlx::AnyConnection::connect(base).await.unwrap();
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut c)
        .await;
    }

    async fn count(store: &Store) -> i64 {
        sqlx::query("SELECT COUNT(*) FROM batch_ticks")
            .fetch_one(&store.pool)
            .await
            .unwrap()
            .get(0)
    }

    /// The behaviour every backend must show.
    async fn conformance(store: Store) {
        let b = Batcher::spawn(store.clone(), BatchConfig::default(), TickWriter);
        // Many concurrent submitters: grouped into few commits, every one acknowledged.
        let tasks: Vec<_> = (0..2000)
            .map(|i| {
                let b = b.clone();
                tokio::spawn(async move {
                    b.submit(Tick {
                        id: format!("t{i}"),
                        n: i % 600,
                    })
                    .await
                })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap(), Ok(true));
        }
        assert_eq!(count(&store).await, 2000);
        let s = b.stats();
        assert_eq!(s.written, 2000);
        assert!(s.commits < 2000, "grouped: {s:?}");
        assert!(s.largest > 1, "{s:?}");

        // A replay is acknowledged as such and written once.
        assert_eq!(
            b.submit(Tick {
                id: "t7".into(),
                n: 7
            })
            .await,
            Ok(false)
        );
        // One refused item and one that breaks the transaction fail alone.
        let results = b
            .submit_all(vec![
                Tick {
                    id: "a".into(),
                    n: 1,
                },
                Tick {
                    id: "bad".into(),
                    n: -1,
                },
                Tick {
                    id: "boom".into(),
                    n: 666,
                },
                Tick {
                    id: "b".into(),
                    n: 2,
                },
            ])
            .await;
        assert_eq!(results[0], Ok(true));
        assert_eq!(
            results[1],
            Err(BatchError::Rejected("tick bad: n must be 0 or more".into()))
        );
        assert!(
            matches!(&results[2], Err(BatchError::Storage(_))),
            "{results:?}"
        );
        assert_eq!(results[3], Ok(true));
        assert_eq!(count(&store).await, 2002);

        // Rows as one JSON parameter: quotes, backslashes, non-Latin text and NULL survive,
        // and json_keys reads them back in one statement.
        let odd = [
            "q\"uote's",
            "back\\slash\nnewline",
            "پاسپورت ✓",
            "{\"json\": [1]}",
        ];
        let mut conn = store.pool.acquire().await.unwrap();
        let values: Vec<Value> = odd
            .iter()
            .enumerate()
            .flat_map(|(i, id)| [Value::text(*id), Value::Int(i as i64 + 100)])
            .collect();
        let n = insert_rows(&mut conn, "INSERT INTO batch_ticks (id, n)", "", 2, &values)
            .await
            .unwrap();
        assert_eq!(n, odd.len() as u64);
        let sql = format!(
            "SELECT id, n FROM batch_ticks WHERE id IN ({}) ORDER BY n",
            json_keys(&conn, 1)
        );
        let back: Vec<(String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(json_list(&odd))
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        let ids: Vec<&str> = back.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, odd);
        assert_eq!(back[3].1, 103);
        // A conflicting row under ON CONFLICT DO NOTHING: skipped, the others written.
        let again = insert_rows(
            &mut conn,
            "INSERT INTO batch_ticks (id, n)",
            "ON CONFLICT (id) DO NOTHING",
            2,
            &[
                Value::text(odd[0]),
                Value::Int(1),
                Value::text("fresh"),
                Value::Int(2),
            ],
        )
        .await
        .unwrap();
        assert_eq!(again, 1);
        drop(conn);
        // The audit chain holds every batch's summary and still verifies.
        let report = store.verify_audit().await.unwrap();
        assert!(report.problems.is_empty(), "{report:?}");
        assert!(store.audit_head().await.unwrap().0 >= 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_group_commit() {
        let dir = temp_dir("sqlite");
        conformance(sqlite_store(&dir).await).await;
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_group_commit() {
        if let Some((store, base, name)) = pg_store().await {
            conformance(store.clone()).await;
            drop_pg(store, &base, &name).await;
        }
    }

    #[tokio::test]
    async fn a_full_queue_says_busy() {
        let dir = temp_dir("busy");
        let store = sqlite_store(&dir).await;
        let b = Batcher::spawn(
            store.clone(),
            BatchConfig {
                max_items: 1,
                queue_depth: 1,
            },
            TickWriter,
        );
        let items: Vec<Tick> = (0..50)
            .map(|i| Tick {
                id: format!("q{i}"),
                n: i,
            })
            .collect();
        let results = b.submit_all(items).await;
        let busy = results
            .iter()
            .filter(|r| **r == Err(BatchError::Busy))
            .count();
        let ok = results.iter().filter(|r| **r == Ok(true)).count();
        assert!(busy > 0, "{results:?}");
        assert_eq!(ok + busy, 50);
        assert_eq!(count(&store).await, ok as i64, "a Busy item is not written");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn insert_rows_chunks_and_checks_shape() {
        let dir = temp_dir("rows");
        let store = sqlite_store(&dir).await;
        let mut conn = store.pool.acquire().await.unwrap();
        let values: Vec<Value> = (0..2500)
            .flat_map(|i| [Value::text(format!("r{i}")), Value::Int(i % 600)])
            .collect();
        let n = insert_rows(&mut conn, "INSERT INTO batch_ticks (id, n)", "", 2, &values)
            .await
            .unwrap();
        assert_eq!(n, 2500);
        let err = insert_rows(
            &mut conn,
            "INSERT INTO batch_ticks (id, n)",
            "",
            2,
            &values[..3],
        )
        .await
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("3 values do not make rows of 2 columns")
        );
        assert_eq!(
            multi_row_sql("INSERT INTO t (a, b)", "ON CONFLICT DO NOTHING", 2, 2),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) ON CONFLICT DO NOTHING"
        );
        // One statement text for any number of rows; blobs and mixed columns use VALUES.
        assert_eq!(
            json_rows_sql(false, "INSERT INTO t (a, b)", "", &["TEXT", "BIGINT"]),
            "INSERT INTO t (a, b) SELECT CAST(j.value ->> 0 AS TEXT), CAST(j.value ->> 1 AS BIGINT) FROM json_each($1) AS j WHERE true "
        );
        assert_eq!(
            json_types(
                2,
                &[
                    Value::NullText,
                    Value::Int(1),
                    Value::text("a"),
                    Value::NullInt
                ]
            ),
            Some(vec!["TEXT", "BIGINT"])
        );
        assert_eq!(json_types(1, &[Value::Blob(vec![1])]), None);
        assert_eq!(json_types(1, &[Value::Int(1), Value::text("a")]), None);
        let mixed = [
            Value::text("m1"),
            Value::Int(5),
            Value::text("m2"),
            Value::text("6"),
        ];
        assert_eq!(
            insert_rows(&mut conn, "INSERT INTO batch_ticks (id, n)", "", 2, &mixed)
                .await
                .unwrap(),
            2
        );
        drop(conn);
        assert_eq!(count(&store).await, 2502);
        let _ = std::fs::remove_dir_all(dir);
    }

    /// The child half of the kill -9 test: writes through a batcher from many tasks and prints
    /// each id as soon as it is acknowledged, until it is killed.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "run by acknowledged_items_survive_kill_9 as a child process"]
    async fn kill9_child() {
        let Ok(dir) = std::env::var("DRAWDOWN_BATCH_CHILD_DIR") else {
            return;
        };
        let url = format!("sqlite://{dir}/batch.db");
        let store = Store::connect(&url, false).await.unwrap();
        let b = Batcher::spawn(store, BatchConfig::default(), TickWriter);
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        for w in 0..64 {
            let (b, tx) = (b.clone(), tx.clone());
            tokio::spawn(async move {
                for i in 0.. {
                    let id = format!("k{w}-{i}");
                    if b.submit(Tick {
                        id: id.clone(),
                        n: i % 600,
                    })
                    .await
                        == Ok(true)
                    {
                        let _ = tx.send(id);
                    }
                }
            });
        }
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        while let Some(id) = rx.recv().await {
            let _ = writeln!(out, "ACK {id}");
            let _ = out.flush();
        }
    }

    #[tokio::test]
    async fn acknowledged_items_survive_kill_9() {
        use std::io::BufRead;
        let dir = temp_dir("kill9");
        let store = sqlite_store(&dir).await;
        store.close().await;
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "batch::tests::kill9_child",
                "--ignored",
                "--nocapture",
            ])
            .env("DRAWDOWN_BATCH_CHILD_DIR", &dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        // Read acknowledgements on a thread; kill -9 once a good number arrived.
        let acked = std::thread::spawn(move || {
            let mut ids = Vec::new();
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(id) = line.strip_prefix("ACK ") {
                    ids.push(id.to_string());
                }
            }
            ids
        });
        let start = Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let n: i64 = {
                let url = format!("sqlite://{}", dir.join("batch.db").display());
                let s = Store::connect(&url, false).await.unwrap();
                let n = count(&s).await;
                s.close().await;
                n
            };
            if n >= 3000 || start.elapsed() > Duration::from_secs(30) {
                break;
            }
        }
        child.kill().unwrap(); // SIGKILL: no shutdown, no flush
        child.wait().unwrap();
        let acked = acked.join().unwrap();
        assert!(acked.len() >= 100, "only {} acknowledged", acked.len());
        eprintln!("kill -9 after {} acknowledged items", acked.len());

        let url = format!("sqlite://{}", dir.join("batch.db").display());
        let store = Store::connect(&url, false).await.unwrap();
        let mut missing = Vec::new();
        let rows = sqlx::query("SELECT id FROM batch_ticks")
            .fetch_all(&store.pool)
            .await
            .unwrap();
        let present: HashSet<String> = rows.iter().map(|r| r.get::<String, _>(0)).collect();
        for id in &acked {
            if !present.contains(id) {
                missing.push(id.clone());
            }
        }
        assert!(
            missing.is_empty(),
            "{} of {} acknowledged items lost: {:?}",
            missing.len(),
            acked.len(),
            &missing[..missing.len().min(10)]
        );
        let report = store.verify_audit().await.unwrap();
        assert!(report.problems.is_empty(), "{report:?}");
        store.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }

    /// Throughput and latency, printed: `cargo test --release -p drawdown-storage batch::tests::throughput -- --ignored --nocapture`
    /// (with DRAWDOWN_TEST_PG set, PostgreSQL too).
    #[tokio::test(flavor = "multi_thread")]
    #[ignore = "a benchmark: run it on purpose"]
    async fn throughput() {
        async fn measure(label: &str, store: &Store) {
            for (clients, total) in [(1usize, 2_000usize), (64, 40_000), (512, 100_000)] {
                let b = Batcher::spawn(store.clone(), BatchConfig::default(), TickWriter);
                let start = Instant::now();
                let per = total / clients;
                let tasks: Vec<_> = (0..clients)
                    .map(|c| {
                        let b = b.clone();
                        let tag = format!("{label}-{clients}-{c}");
                        tokio::spawn(async move {
                            let mut lat = Vec::with_capacity(per);
                            for i in 0..per {
                                let t = Instant::now();
                                let r = b
                                    .submit(Tick {
                                        id: format!("{tag}-{i}"),
                                        n: (i % 600) as i64,
                                    })
                                    .await;
                                assert_eq!(r, Ok(true));
                                lat.push(t.elapsed());
                            }
                            lat
                        })
                    })
                    .collect();
                let mut lat = Vec::new();
                for t in tasks {
                    lat.extend(t.await.unwrap());
                }
                let secs = start.elapsed().as_secs_f64();
                lat.sort();
                let q = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
                let s = b.stats();
                println!(
                    "{label:8} {clients:4} clients: {:>7.0} items/s durable, p50 {:>6.1} ms, p99 {:>6.1} ms, {} commits, mean batch {:.0}",
                    lat.len() as f64 / secs,
                    q(0.5).as_secs_f64() * 1e3,
                    q(0.99).as_secs_f64() * 1e3,
                    s.commits,
                    s.written as f64 / s.commits.max(1) as f64
                );
            }
        }
        let dir = temp_dir("bench");
        let store = sqlite_store(&dir).await;
        measure("sqlite", &store).await;
        store.close().await;
        let _ = std::fs::remove_dir_all(dir);
        if let Some((store, base, name)) = pg_store().await {
            measure("postgres", &store).await;
            drop_pg(store, &base, &name).await;
        }
    }
}

use crate::{Result, StorageError};
use sqlx::AnyConnection;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Row};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The schema's version against what this binary knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SchemaStatus {
    pub applied: Option<i64>,
    pub known: i64,
}

/// A handle on the database: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    backend: Backend,
    sqlite_path: Option<PathBuf>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish()
    }
}

/// The file behind a sqlite URL (`sqlite://path`, `sqlite:path`, with or without `?query`).
fn sqlite_path(url: &str) -> PathBuf {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    PathBuf::from(rest.split('?').next().unwrap_or(rest))
}

/// A PostgreSQL URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{}@{}", &url[..s + 3], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

fn check_sqlite_file(path: &Path, create: bool) -> Result<()> {
    let shown = path.display().to_string();
    match std::fs::File::open(path) {
        Ok(mut f) => {
            let mut magic = [0u8; 16];
            let n = f
                .read(&mut magic)
                .map_err(|e| StorageError::Database(e.to_string()))?;
            if n == 0 && create {
                return Ok(());
            }
            if n < 16 || &magic != b"SQLite format 3\0" {
                return Err(StorageError::NotADatabase(shown));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(StorageError::NoDatabase(shown)),
        Err(e) => Err(StorageError::Database(format!("{shown}: {e}"))),
    }
}

impl Store {
    /// Opens the database at `url`. With `create`, a missing SQLite file is created; without,
    /// a missing file is an error (so a typo does not start an empty post).
    pub async fn connect(url: &str, create: bool) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let (backend, sqlite_path, url) = if url.starts_with("sqlite:") {
            let path = sqlite_path(url);
            check_sqlite_file(&path, create)?;
            let mode = if create { "rwc" } else { "rw" };
            (
                Backend::Sqlite,
                Some(path.clone()),
                format!("sqlite://{}?mode={mode}", path.display()),
            )
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, None, url.to_string())
        } else {
            return Err(StorageError::BadUrl(redact(url)));
        };
        let options = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(|conn, _meta| {
                Box::pin(async move {
                    if conn.backend_name() == "SQLite" {
                        // WAL for concurrent readers; FULL so an acknowledged write is on disk.
                        // (secure_delete is turned on for the wipe alone: on every write it
                        // would double the cost of rewriting the registry.)
                        sqlx::raw_sql(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
                        )
                        .execute(&mut *conn)
                        .await?;
                    }
                    Ok(())
                })
            });
        let options = match backend {
            Backend::Sqlite => options.max_connections(4).min_connections(1),
            Backend::Postgres => options.max_connections(16),
        };
        let pool = options.connect(&url).await.map_err(|e| match backend {
            Backend::Sqlite => match &e {
                sqlx::Error::Database(db) if db.message().contains("not a database") => {
                    StorageError::NotADatabase(
                        sqlite_path
                            .as_ref()
                            .map(|p| p.display().to_string())
                            .unwrap_or_default(),
                    )
                }
                _ => StorageError::Database(e.to_string()),
            },
            Backend::Postgres => StorageError::Unreachable {
                target: redact(&url),
                reason: e.to_string(),
            },
        })?;
        Ok(Store {
            pool,
            backend,
            sqlite_path,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The SQLite file, when this store is one.
    pub fn sqlite_path(&self) -> Option<&Path> {
        self.sqlite_path.as_deref()
    }

    fn migrator(&self) -> &'static Migrator {
        match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// Where the schema stands.
    pub async fn schema_status(&self) -> Result<SchemaStatus> {
        let known = self.migrator().iter().map(|m| m.version).max().unwrap_or(0);
        let (has_migrations, tables): (i64, i64) = match self.backend {
            Backend::Sqlite => {
                let row = sqlx::query(
                    "SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'), \
                            (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%')",
                )
                .fetch_one(&self.pool)
                .await
                .map_err(|e| self.open_error(e))?;
                (row.try_get(0)?, row.try_get(1)?)
            }
            Backend::Postgres => {
                let row = sqlx::query(
                    "SELECT (SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'), \
                            (SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema())",
                )
                .fetch_one(&self.pool)
                .await?;
                (row.try_get(0)?, row.try_get(1)?)
            }
        };
        if has_migrations == 0 {
            if tables > 0 {
                return Err(StorageError::NotDrawdown);
            }
            return Ok(SchemaStatus {
                applied: None,
                known,
            });
        }
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(&self.pool)
                .await?;
        Ok(SchemaStatus { applied, known })
    }

    fn open_error(&self, e: sqlx::Error) -> StorageError {
        let text = e.to_string();
        if self.backend == Backend::Sqlite
            && (text.contains("not a database") || text.contains("malformed"))
        {
            StorageError::NotADatabase(
                self.sqlite_path
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
            )
        } else {
            StorageError::from(e)
        }
    }

    /// Brings the schema to this binary's version. Refuses a newer database. Returns the
    /// versions applied.
    pub async fn migrate(&self) -> Result<Vec<i64>> {
        let status = self.schema_status().await?;
        if let Some(found) = status.applied
            && found > status.known
        {
            return Err(StorageError::NewerSchema {
                found,
                known: status.known,
            });
        }
        let before = status.applied.unwrap_or(0);
        self.migrator().run(&self.pool).await?;
        Ok(self
            .migrator()
            .iter()
            .map(|m| m.version)
            .filter(|v| *v > before)
            .collect())
    }

    /// Succeeds only when the schema is exactly this binary's.
    pub async fn ensure_current(&self) -> Result<()> {
        let status = self.schema_status().await?;
        match status.applied {
            None => Err(StorageError::NotInitialised),
            Some(found) if found > status.known => Err(StorageError::NewerSchema {
                found,
                known: status.known,
            }),
            Some(found) if found < status.known => Err(StorageError::OlderSchema {
                found,
                known: status.known,
            }),
            Some(_) => Ok(()),
        }
    }

    /// A write transaction. SQLite takes the write lock at once (`BEGIN IMMEDIATE`) so a
    /// read-then-write never fails on a lock upgrade; PostgreSQL serialises on row locks.
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// A cheap liveness check.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Names the connection type for write helpers in this crate.
pub(crate) type Conn = AnyConnection;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            sqlite_path("sqlite:///tmp/a.db?mode=rwc"),
            PathBuf::from("/tmp/a.db")
        );
        assert_eq!(sqlite_path("sqlite:a.db"), PathBuf::from("a.db"));
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u@h:5432/db"
        );
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
    }
}

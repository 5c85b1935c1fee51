use thiserror::Error;

/// Errors a caller can act on; the sqlx error stays inside this crate's boundary as text.
#[derive(Debug, Error)]
pub enum StorageError {
    #[error("'{0}' is not a database URL: use sqlite://PATH or postgres://USER@HOST:PORT/DB")]
    BadUrl(String),
    #[error("there is no database at {0}: create one with `drawdown init --db sqlite://{0}`")]
    NoDatabase(String),
    #[error("{0} is not a SQLite database (wrong file, or damaged)")]
    NotADatabase(String),
    #[error("this database holds tables that are not Drawdown's; refusing to touch it")]
    NotDrawdown,
    #[error("this database has no Drawdown schema yet: run `drawdown init`")]
    NotInitialised,
    #[error(
        "the database schema is at version {found}, newer than this binary knows ({known}): upgrade drawdown"
    )]
    NewerSchema { found: i64, known: i64 },
    #[error(
        "the database schema is at version {found}, this binary needs {known}: run `drawdown migrate`"
    )]
    OlderSchema { found: i64, known: i64 },
    #[error("cannot reach the database at {target}: {reason}")]
    Unreachable { target: String, reason: String },
    #[error("{0}")]
    Conflict(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("database error: {0}")]
    Database(String),
}

impl From<sqlx::Error> for StorageError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StorageError::Conflict("that already exists".into())
            }
            sqlx::Error::RowNotFound => StorageError::NotFound("row".into()),
            _ => StorageError::Database(e.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StorageError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StorageError::Database(format!("migration failed: {e}"))
    }
}

//! All SQL lives here: schema, append-only migrations, dedup, full-text search.
//!
//! SQLite in WAL mode, so `earshot mentions` reads while the daemon writes. A
//! finding is written in one transaction with everything that depends on it; a
//! repeat writes nothing. Async code never touches a connection directly: it goes
//! through the [`writer::Writer`] thread (writes) or `spawn_blocking` (reads).
//! No other module builds a query string.

mod migrations;
mod outbox;
mod polls;
mod query;
mod upkeep;
pub mod writer;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::Connection;

pub use outbox::{DeliveryFilter, DeliveryRow, DueDelivery};
pub use polls::{
    Finding, FindingHit, PlannedDelivery, PollOutcome, PollRecord, SourceState, StoredSentiment,
};
pub use query::{Mention, MentionFilter, SourceReport};
pub use upkeep::{Heartbeat, Pruned};

/// A store failure, with the database path for the message.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("database {path} has schema version {found}, newer than this earshot knows ({known}); upgrade earshot")]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("database {path}: cannot create its folder: {source}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no mention with id {0}")]
    NoSuchMention(i64),
    #[error("the store writer has stopped")]
    WriterGone,
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// One connection to the mention database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the database and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.exists() {
                std::fs::create_dir_all(dir).map_err(|source| StoreError::Folder {
                    path: path.to_path_buf(),
                    source,
                })?;
            }
        }
        let conn = Connection::open(path).map_err(|source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        })?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.setup()?;
        Ok(store)
    }

    fn setup(&mut self) -> Result<()> {
        let path = self.path.clone();
        let e = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        self.conn.busy_timeout(Duration::from_secs(10)).map_err(e)?;
        self.conn
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 PRAGMA foreign_keys = ON;",
            )
            .map_err(e)?;
        migrations::apply(&mut self.conn, &self.path)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Wraps a rusqlite error with this database's path.
    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + use<> {
        let path = self.path.clone();
        move |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        }
    }
}

/// Seconds since the epoch, the form timestamps take in the database.
pub fn to_db_time(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

pub fn from_db_time(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

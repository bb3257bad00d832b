//! All SQL lives here: schema, append-only migrations, dedup, full-text search.
//!
//! SQLite in WAL mode, so `earshot mentions` reads while the daemon writes. A
//! finding is written in one transaction with everything that depends on it; a
//! repeat writes nothing. Every write transaction begins `IMMEDIATE`
//! (`Store::write`) so none is lost to lock contention; read commands open
//! the file read-only ([`Store::open_read_only`]) and never create, migrate or
//! write it. Async code never touches a connection directly: it goes
//! through the [`writer::Writer`] thread (writes) or `spawn_blocking` (reads).
//! No other module builds a query string.

mod learning;
mod migrations;
mod outbox;
mod polls;
mod query;
mod spikes;
mod stats;
mod triage;
mod upkeep;
mod users;
pub mod writer;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

pub use learning::{LabelledMention, ModelInfo, NewExample, NewModel, StoredExample};
pub use outbox::{DeliveryFilter, DeliveryRow, DueDelivery};
pub use polls::{
    Finding, FindingHit, PlannedDelivery, PollOutcome, PollRecord, SourceState, StoredRating,
    StoredSentiment,
};
pub use query::{Mention, MentionDetail, MentionFilter, MentionOrder, SourceReport};
pub use spikes::{SpikeRule, SpikeSummary};
pub use stats::{Activity, SpanCount, StatMention, StatSource};
pub use triage::{Change, Event, Label, Note, State, Triage};
pub use upkeep::{Heartbeat, Pruned};
pub use users::{ActiveToken, SessionUser, TokenInfo, User};

/// How long a connection waits for another's write lock before SQLite gives up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// A write transaction that still finds the database locked after
/// [`BUSY_TIMEOUT`] is tried again, this many times in all.
const WRITE_ATTEMPTS: u32 = 3;

/// A store failure. Each message names the database once, with the cause once.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {}", cause(error))]
    Sqlite {
        path: PathBuf,
        error: rusqlite::Error,
    },
    #[error("cannot open database {path}: {cause}")]
    Open { path: PathBuf, cause: String },
    #[error("no database at {path} (run `earshot poll` or `earshot run` first, or check [storage] database)")]
    Missing { path: PathBuf },
    #[error("database {path} stayed locked by another connection through {attempts} waits of {}s each; is something holding a write transaction open (an sqlite3 shell, a backup tool)?", BUSY_TIMEOUT.as_secs())]
    Busy { path: PathBuf, attempts: u32 },
    #[error("database {path} has schema version {found}, newer than this earshot knows ({known}); upgrade earshot")]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("database {path} has schema version {found}, older than this earshot's ({known}); start `earshot run` or run `earshot poll` once to upgrade it")]
    TooOld {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error(
        "{path} is not an earshot database (it has no earshot tables); check [storage] database"
    )]
    NotEarshot { path: PathBuf },
    #[error("no mention with id {0}")]
    NoSuchMention(i64),
    #[error("no mention with id {}; nothing was changed", list_ids(.0))]
    NoSuchMentions(Vec<i64>),
    #[error("the store writer has stopped")]
    WriterGone,
}

impl StoreError {
    /// The database stayed locked by another connection (retrying later may work).
    pub fn is_busy(&self) -> bool {
        matches!(self, StoreError::Busy { .. })
    }
}

/// `3`, `3, 4` for an error message.
fn list_ids(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// SQLite's own words for a failure, without rusqlite's code prefix.
fn cause(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(_, Some(msg)) => msg.clone(),
        rusqlite::Error::SqliteFailure(f, None) => {
            rusqlite::ffi::code_to_str(f.extended_code).to_lowercase()
        }
        other => other.to_string(),
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// Why the database at `path` could not be opened, in words that point at the
/// fix: the file system is asked the same question SQLite failed on.
fn open_cause(path: &Path, e: &rusqlite::Error, write: bool) -> String {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => {
            return "the file is not an SQLite database".into()
        }
        Some(rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly) => {}
        _ => return cause(e),
    }
    let dir = parent(path);
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => "it is a directory".into(),
        Ok(_) => match std::fs::OpenOptions::new()
            .read(true)
            .write(write)
            .open(path)
        {
            Err(io) => io.to_string(),
            // The file itself opens: SQLite could not make or open the
            // write-ahead log and shared-memory files beside it.
            Ok(_) => format!(
                "cannot open its -wal and -shm files in {} (check that directory's owner and permissions)",
                dir.display()
            ),
        },
        Err(_) => match std::fs::metadata(dir) {
            Err(io) if io.kind() == std::io::ErrorKind::NotFound => {
                format!("directory {} does not exist", dir.display())
            }
            Err(io) => format!("directory {}: {io}", dir.display()),
            Ok(m) if !m.is_dir() => format!("{} is not a directory", dir.display()),
            Ok(_) => format!(
                "cannot create it in {} (check that directory's owner and permissions)",
                dir.display()
            ),
        },
    }
}

/// The folder a database file lives in (`.` for a bare file name).
fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// One connection to the mention database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the database and brings its schema up to date.
    /// For the daemon and the commands that write; readers use
    /// [`Store::open_read_only`].
    pub fn open(path: &Path) -> Result<Store> {
        let dir = parent(path);
        if !dir.exists() {
            std::fs::create_dir_all(dir).map_err(|io| StoreError::Open {
                path: path.to_path_buf(),
                cause: format!("cannot create directory {}: {io}", dir.display()),
            })?;
        }
        let open_err = |e: rusqlite::Error| StoreError::Open {
            path: path.to_path_buf(),
            cause: open_cause(path, &e, true),
        };
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(open_err)?;
        // SQLite falls back to reading a file it may not write.
        if conn.is_readonly("main").map_err(open_err)? {
            return Err(StoreError::Open {
                path: path.to_path_buf(),
                cause: "it is read-only to this user (check its owner and mode)".into(),
            });
        }
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        // SQLite opens lazily: the first statement is where a bad file shows.
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;",
        )
        .map_err(open_err)?;
        migrations::apply(&mut conn, path)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Opens an existing database for reading only: nothing is created,
    /// migrated or written, so a mistyped path is an error rather than a new
    /// empty file, and a reader needs no write access. The schema must be the
    /// one this earshot writes.
    pub fn open_read_only(path: &Path) -> Result<Store> {
        let open_err = |e: rusqlite::Error| StoreError::Open {
            path: path.to_path_buf(),
            cause: open_cause(path, &e, false),
        };
        match std::fs::metadata(path) {
            Err(io) if io.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::Missing {
                    path: path.to_path_buf(),
                })
            }
            Err(io) => {
                return Err(StoreError::Open {
                    path: path.to_path_buf(),
                    cause: io.to_string(),
                })
            }
            Ok(m) if m.is_dir() => {
                return Err(StoreError::Open {
                    path: path.to_path_buf(),
                    cause: "it is a directory".into(),
                })
            }
            Ok(_) => {}
        }
        // While any connection has the database open it has a -wal file, and
        // a reader shares its locks through the -shm file beside it. With no
        // -wal file nobody has it open: it is read as immutable, which needs
        // neither file, so a reader in a read-only folder works and a reader
        // (root, say) leaves no -wal or -shm of its own behind for the daemon
        // to trip over. A daemon starting during such a read could change
        // what this one read sees; it never changes the file.
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let opened = if sibling(path, "-wal").exists() {
            Connection::open_with_flags(path, flags)
        } else {
            Connection::open_with_flags(immutable_uri(path), flags | OpenFlags::SQLITE_OPEN_URI)
        };
        let conn = opened.map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        // SQLite opens lazily: the first statement is where a bad file shows.
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(open_err)?;
        let known = migrations::known();
        let path = path.to_path_buf();
        match version {
            0 => Err(StoreError::NotEarshot { path }),
            found if found > known => Err(StoreError::TooNew { path, found, known }),
            found if found < known => Err(StoreError::TooOld { path, found, known }),
            _ => Ok(Store { conn, path }),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Wraps a rusqlite error with this database's path.
    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + use<> {
        let path = self.path.clone();
        move |error| StoreError::Sqlite {
            path: path.clone(),
            error,
        }
    }

    /// Runs `f` in one write transaction and commits it.
    ///
    /// The transaction begins `IMMEDIATE`: it takes the write lock before its
    /// first read, waiting up to [`BUSY_TIMEOUT`] for another connection's
    /// commit. A deferred transaction that reads first would have to upgrade
    /// its read lock later, and SQLite fails that upgrade at once ("database
    /// is locked") when another connection wrote meanwhile, without waiting.
    /// If the lock is still taken after the wait, the whole transaction is
    /// tried again, [`WRITE_ATTEMPTS`] times in all; `f` may run more than
    /// once and must not keep state between runs.
    fn write<T>(
        &mut self,
        mut f: impl FnMut(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T> {
        let mut attempt = 1;
        loop {
            let result = (|| {
                let tx = self
                    .conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)?;
                let value = f(&tx)?;
                tx.commit()?;
                Ok(value)
            })();
            match result {
                Ok(v) => return Ok(v),
                Err(e) if is_busy(&e) && attempt < WRITE_ATTEMPTS => {
                    tracing::warn!(
                        database = %self.path.display(),
                        attempt,
                        "database busy; trying the write again"
                    );
                    std::thread::sleep(Duration::from_millis(100 << attempt));
                    attempt += 1;
                }
                Err(e) if is_busy(&e) => {
                    return Err(StoreError::Busy {
                        path: self.path.clone(),
                        attempts: attempt,
                    })
                }
                Err(e) => return Err(self.err()(e)),
            }
        }
    }
}

/// `path` with `suffix` appended to its file name (`-wal`, `-shm`).
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// A `file:` URI naming `path` with `immutable=1`, the characters a URI gives
/// meaning to escaped.
fn immutable_uri(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut uri = String::from("file:");
    for b in abs.as_os_str().as_encoded_bytes() {
        match b {
            b'%' | b'?' | b'#' | 0..=0x1f | 0x7f.. => uri.push_str(&format!("%{b:02X}")),
            _ => uri.push(*b as char),
        }
    }
    uri.push_str("?mode=ro&immutable=1");
    PathBuf::from(uri)
}

/// Column `i` of a row as an optional time (NULL: none). Row mappers use
/// this and [`count_at`]; each row type has one mapper, beside its query.
fn time_at(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    r.get::<_, Option<i64>>(i).map(|t| t.map(from_db_time))
}

/// Column `i` of a row as a count that fits a `u32` (clamped).
fn count_at(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<u32> {
    r.get::<_, i64>(i)
        .map(|n| n.clamp(0, u32::MAX as i64) as u32)
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

//! All SQL lives here: schema, append-only migrations, dedup, full-text search.
//!
//! Two engines behind one `Store` ([`db`]): SQLite in WAL mode (a file, the
//! embedded default), so `earshot mentions` reads while the daemon writes;
//! and PostgreSQL, which several daemons share. A finding is written in one
//! transaction with everything that depends on it; a repeat writes nothing.
//! Every write transaction takes the engine's write lock first
//! (`Store::write`: SQLite's `IMMEDIATE`, PostgreSQL's advisory lock) so
//! none is lost to contention and every check-then-insert sees the last
//! writer's commit; read commands open the store read-only
//! ([`Store::open_read_only`]) and never create, migrate or write it. Async
//! code never touches a connection directly: it goes through the
//! [`writer::Writer`] thread (writes) or `spawn_blocking` (reads), so no
//! connection is ever held across an await. No other module builds a query
//! string.

mod copy;
pub mod db;
mod learning;
mod leases;
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

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Connection, OpenFlags};

use crate::config::{Database, Server};
use db::{Conn, DbError, DbResult, Engine, Sql, Tx};

pub use copy::Copied;
pub use learning::{LabelledMention, ModelInfo, NewExample, NewModel, StoredExample};
pub use leases::{DaemonIdentity, DaemonReport, Held};
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
    #[error("database {place}: {error}")]
    Db { place: String, error: DbError },
    #[error("cannot open database {place}: {cause}")]
    Open { place: String, cause: String },
    #[error("no database at {path} (run `earshot poll` or `earshot run` first, or check [storage] database)")]
    Missing { path: PathBuf },
    #[error("database {place} stayed locked by another connection through {attempts} waits of {}s each; is something holding a write transaction open (an sqlite3 shell, a backup tool)?", BUSY_TIMEOUT.as_secs())]
    Busy { place: String, attempts: u32 },
    #[error("database {place} has schema version {found}, newer than this earshot knows ({known}); upgrade earshot")]
    TooNew {
        place: String,
        found: i64,
        known: i64,
    },
    #[error("database {place} has schema version {found}, older than this earshot's ({known}); {}", upgrade_hint(.place))]
    TooOld {
        place: String,
        found: i64,
        known: i64,
    },
    #[error(
        "{place} is not an earshot database (it has no earshot tables); check [storage] database{}", if .place.contains("://") { ", or run `earshot migrate` to create them" } else { "" }
    )]
    NotEarshot { place: String },
    #[error("no mention with id {0}")]
    NoSuchMention(i64),
    #[error("no mention with id {}; nothing was changed", list_ids(.0))]
    NoSuchMentions(Vec<i64>),
    #[error("the store writer has stopped")]
    WriterGone,
    #[error("backup copies an SQLite file and {place} is a PostgreSQL database; back it up with pg_dump: pg_dump --format=custom --file=earshot.dump '{place}'")]
    NoBackup { place: String },
}

/// How a database with an older schema is brought up to date.
fn upgrade_hint(place: &str) -> &'static str {
    if place.contains("://") {
        "run `earshot migrate` (daemons sharing it keep running the older schema until then)"
    } else {
        "start `earshot run` or run `earshot poll` once to upgrade it"
    }
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

/// Where a store is: a database from the config, or an SQLite file.
pub trait Location {
    fn database(&self) -> Database;
}

impl Location for Database {
    fn database(&self) -> Database {
        self.clone()
    }
}

impl Location for Path {
    fn database(&self) -> Database {
        Database::Sqlite(self.to_path_buf())
    }
}

impl Location for PathBuf {
    fn database(&self) -> Database {
        Database::Sqlite(self.clone())
    }
}

/// One connection to the mention database.
pub struct Store {
    /// Reads take `&self` (a store is shared by reference for reading), but
    /// a PostgreSQL client needs `&mut` for every query: one borrow at a
    /// time, never across a call that borrows it again.
    db: RefCell<Conn>,
    /// The database as messages name it (a path, or a URL without password).
    place: String,
    /// The SQLite file, when that is the engine.
    file: Option<PathBuf>,
    /// The PostgreSQL server, to connect again when the connection is lost
    /// (a server restart, a failover to a standby).
    server: Option<Server>,
}

impl Store {
    /// Opens the database for the daemon and the commands that write;
    /// readers use [`Store::open_read_only`]. An SQLite file is created if
    /// needed and its schema brought up to date; a PostgreSQL database must
    /// have the schema this earshot writes (`earshot migrate`), since other
    /// daemons may share it.
    pub fn open(at: &(impl Location + ?Sized)) -> Result<Store> {
        match at.database() {
            Database::Sqlite(path) => Store::open_file(&path),
            Database::Postgres(server) => {
                let mut store = Store::connect(&server)?;
                store.check_version()?;
                Ok(store)
            }
        }
    }

    /// Like [`Store::open`] for a change to what is in the database: a
    /// mistyped path is an error, not a new empty database.
    pub fn open_existing(at: &(impl Location + ?Sized)) -> Result<Store> {
        let db = at.database();
        if let Database::Sqlite(path) = &db {
            if !path.exists() {
                return Err(StoreError::Missing { path: path.clone() });
            }
        }
        Store::open(&db)
    }

    /// Opens the database and applies every migration it lacks, on either
    /// engine (`earshot migrate`); the schema version it then has.
    pub fn migrate(at: &(impl Location + ?Sized)) -> Result<(Store, i64, i64)> {
        match at.database() {
            Database::Sqlite(path) => {
                let before = Store::file_version(&path);
                let store = Store::open_file(&path)?;
                Ok((store, before, migrations::known()))
            }
            Database::Postgres(server) => {
                let mut store = Store::connect(&server)?;
                let place = store.place.clone();
                let db = store.db.get_mut();
                let before = db::off_runtime(true, || {
                    let before = migrations::version(db).map_err(|error| StoreError::Db {
                        place: place.clone(),
                        error,
                    })?;
                    migrations::apply(db, &place)?;
                    Ok::<_, StoreError>(before)
                })?;
                Ok((store, before, migrations::known()))
            }
        }
    }

    /// Which engine holds the database and its schema version (0: none
    /// yet), without creating or changing anything: `earshot check`. A
    /// PostgreSQL server is connected to, so an unreachable one is an error.
    pub fn probe(at: &(impl Location + ?Sized)) -> Result<(Engine, i64)> {
        match at.database() {
            Database::Sqlite(path) => Ok((Engine::Sqlite, Store::file_version(&path))),
            Database::Postgres(server) => {
                let mut store = Store::connect(&server)?;
                let e = store.err();
                let db = store.db.get_mut();
                let found = db::off_runtime(true, || migrations::version(db)).map_err(e)?;
                Ok((Engine::Postgres, found))
            }
        }
    }

    /// The schema version this earshot writes.
    pub fn known_version() -> i64 {
        migrations::known()
    }

    /// The schema version of an SQLite file that may not exist (0 then).
    fn file_version(path: &Path) -> i64 {
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .and_then(|c| c.query_row("PRAGMA user_version", [], |r| r.get(0)))
            .unwrap_or(0)
    }

    fn open_file(path: &Path) -> Result<Store> {
        let place = path.display().to_string();
        let dir = parent(path);
        if !dir.exists() {
            std::fs::create_dir_all(dir).map_err(|io| StoreError::Open {
                place: place.clone(),
                cause: format!("cannot create directory {}: {io}", dir.display()),
            })?;
        }
        let open_err = |e: rusqlite::Error| StoreError::Open {
            place: place.clone(),
            cause: open_cause(path, &e, true),
        };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(open_err)?;
        // SQLite falls back to reading a file it may not write.
        if conn.is_readonly("main").map_err(open_err)? {
            return Err(StoreError::Open {
                place,
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
        let mut db = Conn::Sqlite(conn);
        migrations::apply(&mut db, &place)?;
        Ok(Store {
            db: RefCell::new(db),
            place,
            file: Some(path.to_path_buf()),
            server: None,
        })
    }

    /// A connection to a PostgreSQL server, TLS as its `sslmode` says
    /// (rustls, the web PKI roots; a Unix socket never uses TLS).
    fn connect(server: &Server) -> Result<Store> {
        let place = server.shown.clone();
        let open_err = |cause: String| StoreError::Open {
            place: place.clone(),
            cause,
        };
        let config = server.client_config().map_err(&open_err)?;
        // A Unix socket is local: PostgreSQL never speaks TLS on it.
        let local = config
            .get_hosts()
            .iter()
            .all(|h| matches!(h, postgres::config::Host::Unix(_)));
        if local {
            let client = db::off_runtime(true, || config.connect(postgres::NoTls))
                .map_err(|e| open_err(DbError::from(e).to_string()))?;
            return Ok(Store {
                db: RefCell::new(Conn::postgres(client)),
                place,
                file: None,
                server: Some(server.clone()),
            });
        }
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| open_err(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let client = db::off_runtime(true, || {
            config.connect(tokio_postgres_rustls::MakeRustlsConnect::new(tls))
        })
        .map_err(|e| open_err(DbError::from(e).to_string()))?;
        Ok(Store {
            db: RefCell::new(Conn::postgres(client)),
            place,
            file: None,
            server: Some(server.clone()),
        })
    }

    /// A PostgreSQL database must have exactly the schema this earshot
    /// writes: an older one waits for `earshot migrate`, a newer one for an
    /// upgrade of this earshot.
    fn check_version(&mut self) -> Result<()> {
        let place = self.place.clone();
        let db = self.db.get_mut();
        let found =
            db::off_runtime(true, || migrations::version(db)).map_err(|error| StoreError::Db {
                place: place.clone(),
                error,
            })?;
        schema_verdict(place, found, Engine::Postgres)
    }

    /// Opens an existing database for reading only: nothing is created,
    /// migrated or written, so a mistyped path is an error rather than a new
    /// empty file, and a reader needs no write access. The schema must be the
    /// one this earshot writes.
    pub fn open_read_only(at: &(impl Location + ?Sized)) -> Result<Store> {
        let path = match at.database() {
            Database::Sqlite(path) => path,
            Database::Postgres(server) => {
                let mut store = Store::connect(&server)?;
                store.check_version()?;
                return Ok(store);
            }
        };
        let path = path.as_path();
        let place = path.display().to_string();
        let open_err = |e: rusqlite::Error| StoreError::Open {
            place: place.clone(),
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
                    place,
                    cause: io.to_string(),
                })
            }
            Ok(m) if m.is_dir() => {
                return Err(StoreError::Open {
                    place,
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
        schema_verdict(place.clone(), version, Engine::Sqlite)?;
        Ok(Store {
            db: RefCell::new(Conn::Sqlite(conn)),
            place,
            file: Some(path.to_path_buf()),
            server: None,
        })
    }

    /// The SQLite file, when that is the engine.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// The database as messages name it.
    pub fn place(&self) -> &str {
        &self.place
    }

    pub fn engine(&self) -> Engine {
        self.db.borrow().engine()
    }

    /// Wraps an engine's error with this database's name.
    fn err(&self) -> impl Fn(DbError) -> StoreError + use<> {
        let place = self.place.clone();
        move |error| StoreError::Db {
            place: place.clone(),
            error,
        }
    }

    /// Runs `f` in one write transaction and commits it.
    ///
    /// The transaction takes the engine's write lock before its first read:
    /// on SQLite it begins `IMMEDIATE`, waiting up to [`BUSY_TIMEOUT`] for
    /// another connection's commit (a deferred transaction that reads first
    /// would have to upgrade its read lock later, and SQLite fails that
    /// upgrade at once, "database is locked", when another connection wrote
    /// meanwhile); on PostgreSQL it takes earshot's advisory write lock, so
    /// writers of several daemons take turns the same way. If SQLite's lock
    /// is still taken after the wait, or PostgreSQL gave the transaction up
    /// for a conflict, the whole transaction is tried again,
    /// [`WRITE_ATTEMPTS`] times in all; `f` may run more than once and must
    /// not keep state between runs.
    fn write<T: Send>(
        &mut self,
        mut f: impl FnMut(&mut Tx<'_>) -> DbResult<T> + Send,
    ) -> Result<T> {
        let mut attempt = 1;
        let pg = self.server.is_some();
        loop {
            let db = self.db.get_mut();
            let f = &mut f;
            let result = db::off_runtime(pg, move || -> DbResult<T> {
                let mut tx = db.transaction(true)?;
                let value = f(&mut tx)?;
                tx.commit()?;
                Ok(value)
            });
            match result {
                Ok(v) => return Ok(v),
                Err(e) if e.is_closed() && attempt < WRITE_ATTEMPTS => {
                    self.reconnect(&e);
                    attempt += 1;
                }
                Err(e) if (e.is_busy() || e.is_conflict()) && attempt < WRITE_ATTEMPTS => {
                    tracing::warn!(
                        database = %self.place,
                        attempt,
                        "database busy; trying the write again"
                    );
                    std::thread::sleep(Duration::from_millis(100 << attempt));
                    attempt += 1;
                }
                Err(e) if e.is_busy() => {
                    return Err(StoreError::Busy {
                        place: self.place.clone(),
                        attempts: attempt,
                    })
                }
                Err(e) => return Err(self.err()(e)),
            }
        }
    }

    /// Runs `f` on the connection outside any explicit transaction (reads).
    fn read<T: Send>(&self, f: impl Fn(&mut Conn) -> DbResult<T> + Sync) -> Result<T> {
        let e = self.err();
        let pg = self.server.is_some();
        let run = |f: &(dyn Fn(&mut Conn) -> DbResult<T> + Sync)| {
            let mut db = self.db.borrow_mut();
            let db: &mut Conn = &mut db;
            db::off_runtime(pg, move || f(db))
        };
        match run(&f) {
            Err(lost) if lost.is_closed() => {
                self.reconnect(&lost);
                run(&f).map_err(e)
            }
            other => other.map_err(e),
        }
    }

    /// This store's connection, taken out (a closed in-memory SQLite one
    /// left in its place): to drop it where that may block.
    fn take_conn(&mut self) -> Option<Conn> {
        let stand_in = Connection::open_in_memory().ok()?;
        Some(std::mem::replace(self.db.get_mut(), Conn::Sqlite(stand_in)))
    }

    /// After the PostgreSQL connection was lost: a new one, in place (the
    /// old one's prepared statements go with it). Failing that, the old one
    /// stays and the next use fails as this one did.
    fn reconnect(&self, lost: &DbError) {
        let Some(server) = &self.server else { return };
        tracing::warn!(database = %self.place, error = %lost, "connection to the database lost; connecting again");
        match Store::connect(server) {
            Ok(mut fresh) => {
                if let Some(conn) = fresh.take_conn() {
                    let old = std::mem::replace(&mut *self.db.borrow_mut(), conn);
                    drop_off_runtime(old);
                }
            }
            Err(e) => tracing::warn!(database = %self.place, error = %e, "could not connect again"),
        }
    }
}

/// A PostgreSQL client closes its connection when dropped, blocking on its
/// own runtime: where that cannot be (a tokio thread), it is dropped on a
/// thread of its own.
impl Drop for Store {
    fn drop(&mut self) {
        if self.server.is_some() {
            if let Some(conn) = self.take_conn() {
                drop_off_runtime(conn);
            }
        }
    }
}

fn drop_off_runtime(conn: Conn) {
    if tokio::runtime::Handle::try_current().is_ok() {
        let _ = std::thread::Builder::new()
            .name("earshot-db-close".into())
            .spawn(move || drop(conn));
    } else {
        drop(conn);
    }
}

/// A database opened without migrating must have the schema this earshot
/// writes (but for migrations without SQL for its engine:
/// [`migrations::needed`]).
fn schema_verdict(place: String, found: i64, engine: Engine) -> Result<()> {
    let known = migrations::known();
    match found {
        0 => Err(StoreError::NotEarshot { place }),
        found if found > known => Err(StoreError::TooNew {
            place,
            found,
            known,
        }),
        found if found < migrations::needed(engine) => Err(StoreError::TooOld {
            place,
            found,
            known,
        }),
        _ => Ok(()),
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
fn time_at(r: &db::Row, i: usize) -> DbResult<Option<DateTime<Utc>>> {
    r.get::<Option<i64>>(i).map(|t| t.map(from_db_time))
}

/// Column `i` of a row as a count that fits a `u32` (clamped).
fn count_at(r: &db::Row, i: usize) -> DbResult<u32> {
    r.get::<u32>(i)
}

/// The text PostgreSQL's full-text index holds for an item: its title and
/// text folded as the matcher folds them (case, accents and styled letters
/// gone) and cut into words where SQLite's `unicode61` tokenizer cuts them
/// (at every character that is no letter or digit), so that search there is
/// accent- and case-insensitive as SQLite's `remove_diacritics` tokenizer
/// makes it, and finds what it finds: `bol` in `bol.com`, which
/// PostgreSQL's own parser would keep whole as a host name.
pub(crate) fn search_text(title: &str, text: &str) -> String {
    let folded = crate::text::fold_all(&[title, text]);
    words(&folded).collect::<Vec<_>>().join(" ")
}

/// The words of a search term, folded and cut as [`search_text`] folds and
/// cuts an item's text.
pub(crate) fn search_words(term: &str) -> Vec<String> {
    words(&crate::text::fold(term))
        .map(str::to_string)
        .collect()
}

/// The runs of letters and digits in `s`.
fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
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

/// Stores on both engines for the store's own tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::{Database, Server, Store};

    /// A migrated store on each engine: an SQLite file in `dir`, and a fresh
    /// database on the test PostgreSQL cluster (`crate::testpg`). Each comes
    /// with its engine's name, for assertion messages.
    pub fn stores(dir: &std::path::Path) -> Vec<(&'static str, Store)> {
        let sqlite = Store::open(&dir.join("earshot.db")).expect("SQLite store");
        vec![("SQLite", sqlite), ("PostgreSQL", postgres())]
    }

    /// A migrated store on a fresh PostgreSQL database.
    pub fn postgres() -> Store {
        let (store, _, _) = Store::migrate(&postgres_database()).expect("PostgreSQL store");
        store
    }

    /// A fresh PostgreSQL database, as the config would name it.
    pub fn postgres_database() -> Database {
        let url = crate::testpg::fresh_database();
        Database::Postgres(Server {
            shown: url.clone(),
            url,
            password: None,
        })
    }
}

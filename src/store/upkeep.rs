//! Housekeeping and health: the daemon's heartbeat, retention, backups, and the
//! figures `earshot status` shows.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::{from_db_time, sq_time_at, to_db_time, Result, Store};

/// The daemon's last word in the database.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Heartbeat {
    pub pid: u32,
    pub version: String,
    pub started_at: DateTime<Utc>,
    pub heartbeat_at: DateTime<Utc>,
    pub stopped_at: Option<DateTime<Utc>>,
}

fn heartbeat_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Heartbeat> {
    Ok(Heartbeat {
        pid: r.get(0)?,
        version: r.get(1)?,
        started_at: from_db_time(r.get(2)?),
        heartbeat_at: from_db_time(r.get(3)?),
        stopped_at: sq_time_at(r, 4)?,
    })
}

/// What a retention run removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub mentions: usize,
    pub items: usize,
}

impl Store {
    pub fn heartbeat(
        &mut self,
        pid: u32,
        started_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.write_sqlite(|tx| {
            tx.execute(
                "INSERT INTO daemon (id, pid, version, started_at, heartbeat_at, stopped_at)
                 VALUES (1, ?1, ?2, ?3, ?4, NULL)
                 ON CONFLICT(id) DO UPDATE SET pid = ?1, version = ?2, started_at = ?3,
                    heartbeat_at = ?4, stopped_at = NULL",
                params![
                    pid,
                    env!("CARGO_PKG_VERSION"),
                    to_db_time(started_at),
                    to_db_time(now)
                ],
            )
            .map(|_| ())
        })
    }

    pub fn daemon_stopped(&mut self, at: DateTime<Utc>) -> Result<()> {
        self.write_sqlite(|tx| {
            tx.execute(
                "UPDATE daemon SET stopped_at = ?1 WHERE id = 1",
                [to_db_time(at)],
            )
            .map(|_| ())
        })
    }

    pub fn last_heartbeat(&self) -> Result<Option<Heartbeat>> {
        self.conn()
            .query_row(
                "SELECT pid, version, started_at, heartbeat_at, stopped_at FROM daemon WHERE id = 1",
                [],
                heartbeat_row,
            )
            .optional()
            .map_err(self.sqlite_err())
    }

    /// Deletes mentions found before `cutoff` (their deliveries with them), then
    /// items no mention refers to any more (their search rows with them).
    pub fn prune(&mut self, cutoff: DateTime<Utc>) -> Result<Pruned> {
        self.write_sqlite(|tx| {
            let mentions = tx.execute(
                "DELETE FROM mentions WHERE found_at < ?1",
                [to_db_time(cutoff)],
            )?;
            let items = tx.execute(
                "DELETE FROM items WHERE first_seen_at < ?1
                   AND NOT EXISTS (SELECT 1 FROM mentions m WHERE m.item_id = items.id)",
                [to_db_time(cutoff)],
            )?;
            Ok(Pruned { mentions, items })
        })
    }

    /// A consistent copy of the database at `path` (`VACUUM INTO`), safe while
    /// the daemon writes.
    pub fn backup_to(&self, path: &std::path::Path) -> Result<()> {
        self.conn()
            .execute("VACUUM INTO ?1", [path.to_string_lossy()])
            .map(|_| ())
            .map_err(self.sqlite_err())
    }

    /// The newest mention's time and title.
    pub fn last_mention(&self) -> Result<Option<(DateTime<Utc>, String, String)>> {
        self.conn()
            .query_row(
                "SELECT m.found_at, m.watch, i.title FROM mentions m JOIN items i ON i.id = m.item_id
                 ORDER BY m.found_at DESC, m.id DESC LIMIT 1",
                [],
                |r| Ok((from_db_time(r.get(0)?), r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(self.sqlite_err())
    }

    /// Bytes used by the database file and its write-ahead log.
    pub fn size_on_disk(&self) -> u64 {
        let Some(path) = &self.file else {
            return 0;
        };
        let mut total = 0;
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.clone().into_os_string();
            p.push(suffix);
            total += std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
        }
        total
    }
}

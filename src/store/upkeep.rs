//! Housekeeping and health: the daemon's heartbeat, retention, backups, and the
//! figures `earshot status` shows.
//!
//! Backups here are SQLite's alone (`VACUUM INTO`): a PostgreSQL database is
//! backed up with `pg_dump`, and nothing here copies one.

use chrono::{DateTime, Utc};

use super::db::{args, DbResult, Engine, Row, Sql};
use super::{from_db_time, time_at, to_db_time, Result, Store, StoreError};

/// The daemon's last word in the database.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Heartbeat {
    pub pid: u32,
    pub version: String,
    pub started_at: DateTime<Utc>,
    pub heartbeat_at: DateTime<Utc>,
    pub stopped_at: Option<DateTime<Utc>>,
}

fn heartbeat_row(r: &Row) -> DbResult<Heartbeat> {
    Ok(Heartbeat {
        pid: r.get(0)?,
        version: r.get(1)?,
        started_at: from_db_time(r.get(2)?),
        heartbeat_at: from_db_time(r.get(3)?),
        stopped_at: time_at(r, 4)?,
    })
}

/// What a retention run removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub mentions: usize,
    pub items: usize,
}

/// A count of changed rows as a `usize`.
fn changed(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

impl Store {
    pub fn heartbeat(
        &mut self,
        pid: u32,
        started_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO daemon (id, pid, version, started_at, heartbeat_at, stopped_at)
                 VALUES (1, ?1, ?2, ?3, ?4, NULL)
                 ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, version = excluded.version,
                    started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at,
                    stopped_at = NULL",
                args![
                    pid,
                    env!("CARGO_PKG_VERSION"),
                    to_db_time(started_at),
                    to_db_time(now)
                ],
            )
            .map(drop)
        })
    }

    pub fn daemon_stopped(&mut self, at: DateTime<Utc>) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE daemon SET stopped_at = ?1 WHERE id = 1",
                args![to_db_time(at)],
            )
            .map(drop)
        })
    }

    pub fn last_heartbeat(&self) -> Result<Option<Heartbeat>> {
        self.read(|db| {
            db.query_opt(
                "SELECT pid, version, started_at, heartbeat_at, stopped_at FROM daemon WHERE id = 1",
                args![],
            )?
            .as_ref()
            .map(heartbeat_row)
            .transpose()
        })
    }

    /// Deletes mentions found before `cutoff` (their deliveries with them), then
    /// items no mention refers to any more (their search rows with them).
    pub fn prune(&mut self, cutoff: DateTime<Utc>) -> Result<Pruned> {
        let cutoff = to_db_time(cutoff);
        self.write(|tx| {
            let mentions = tx.execute("DELETE FROM mentions WHERE found_at < ?1", args![cutoff])?;
            let items = tx.execute(
                "DELETE FROM items WHERE first_seen_at < ?1
                   AND NOT EXISTS (SELECT 1 FROM mentions m WHERE m.item_id = items.id)",
                args![cutoff],
            )?;
            Ok(Pruned {
                mentions: changed(mentions),
                items: changed(items),
            })
        })
    }

    /// A consistent copy of the SQLite database at `path` (`VACUUM INTO`),
    /// safe while the daemon writes. A PostgreSQL database is not copied
    /// ([`StoreError::NoBackup`]: `pg_dump` does that).
    pub fn backup_to(&self, path: &std::path::Path) -> Result<()> {
        if self.engine() == Engine::Postgres {
            return Err(StoreError::NoBackup {
                place: self.place.clone(),
            });
        }
        self.read(|db| {
            db.execute("VACUUM INTO ?1", args![path.to_string_lossy().as_ref()])
                .map(drop)
        })
    }

    /// The newest mention's time and title.
    pub fn last_mention(&self) -> Result<Option<(DateTime<Utc>, String, String)>> {
        self.read(|db| {
            db.query_opt(
                "SELECT m.found_at, m.watch, i.title FROM mentions m JOIN items i ON i.id = m.item_id
                 ORDER BY m.found_at DESC, m.id DESC LIMIT 1",
                args![],
            )?
            .map(|r| Ok((from_db_time(r.get(0)?), r.get(1)?, r.get(2)?)))
            .transpose()
        })
    }

    /// Bytes the database takes: on SQLite its file, write-ahead log and
    /// shared-memory file; on PostgreSQL what the server reports for the
    /// whole database (`pg_database_size`).
    pub fn size_on_disk(&self) -> Result<u64> {
        if self.engine() == Engine::Postgres {
            return self
                .read(|db| {
                    db.query_value::<i64>("SELECT pg_database_size(current_database())", args![])
                })
                .map(|n| n.max(0) as u64);
        }
        let mut total = 0;
        if let Some(file) = &self.file {
            for suffix in ["", "-wal", "-shm"] {
                total += std::fs::metadata(super::sibling(file, suffix))
                    .map(|m| m.len())
                    .unwrap_or(0);
            }
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::store::{Finding, FindingHit, PollOutcome, PollRecord};

    fn config(dir: &std::path::Path) -> Config {
        Config::parse(
            "[[watch]]\nname = \"acme\"\nterms = [\"acme\"]\n\n\
             [[source]]\nname = \"feed\"\nkind = \"feed\"\nurl = \"http://127.0.0.1:1/feed.rss\"\n",
            &dir.join("earshot.toml"),
        )
        .expect("config")
    }

    /// A poll of `feed` at `at` that found the item `key` for `watch`.
    fn poll(at: DateTime<Utc>, key: &str, title: &str, watch: &str) -> PollRecord {
        PollRecord {
            source: "feed".into(),
            at,
            outcome: PollOutcome::Fetched {
                validators: Default::default(),
                cursor: None,
                items: 1,
            },
            findings: vec![Finding {
                item: crate::sources::Item {
                    key: key.into(),
                    url: url::Url::parse(&format!("https://example.com/{key}")).ok(),
                    title: title.into(),
                    text: format!("{title}, said the feed"),
                    author: None,
                    published: None,
                    rating: None,
                    page_link: None,
                },
                hits: vec![FindingHit {
                    watch: watch.into(),
                    terms: vec!["acme".into()],
                    snippet: String::new(),
                    sentiment: None,
                    deliveries: Vec::new(),
                }],
            }],
        }
    }

    fn count(store: &Store, sql: &str) -> i64 {
        store
            .read(|db| db.query_value(sql, args![]))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Retention removes the same rows on both engines: old mentions with
    /// their deliveries and events, then the items no mention refers to
    /// (with their search entries and keys); an old item a newer mention
    /// refers to stays, and the sources' mention counts follow.
    #[test]
    fn prune_deletes_the_same_rows_on_both_engines() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = config(dir.path());
        let now = Utc::now();
        let old = now - chrono::Duration::days(10);
        let cutoff = now - chrono::Duration::days(5);
        for (engine, mut store) in crate::store::testing::stores(dir.path()) {
            store.sync_sources(&config.sources).expect("sync");
            let found = store
                .record_polls(&[
                    poll(old, "gone", "acme outage", "acme"),
                    poll(old, "kept", "acme price rise", "acme"),
                    // The same item found again later for another watch.
                    poll(now, "kept", "acme price rise", "beta"),
                    poll(now, "new", "acme praise", "acme"),
                ])
                .expect("record");
            let ids: Vec<i64> = found.concat();
            assert_eq!(ids.len(), 4, "{engine}: four mentions");
            store
                .write(|tx| {
                    for &id in &ids {
                        tx.execute(
                            "INSERT INTO deliveries (mention_id, route, notifier, mode, created_at, due_at)
                             VALUES (?1, 'team', 'mail', 'instant', 0, 0)",
                            args![id],
                        )?;
                        tx.execute(
                            r#"INSERT INTO mention_events (mention_id, at, "by", what, "from", "to")
                               VALUES (?1, 0, 'test', 'label', NULL, 'complaint')"#,
                            args![id],
                        )?;
                    }
                    Ok(())
                })
                .expect("deliveries");

            let pruned = store.prune(cutoff).expect("prune");
            assert_eq!(
                pruned,
                Pruned {
                    mentions: 2,
                    items: 1
                },
                "{engine}"
            );
            assert_eq!(
                count(&store, "SELECT count(*) FROM mentions"),
                2,
                "{engine}"
            );
            assert_eq!(count(&store, "SELECT count(*) FROM items"), 2, "{engine}");
            assert_eq!(
                count(&store, "SELECT count(*) FROM deliveries"),
                2,
                "{engine}: deliveries go with their mentions"
            );
            assert_eq!(
                count(&store, "SELECT count(*) FROM mention_events"),
                2,
                "{engine}: events go with their mentions"
            );
            assert_eq!(
                count(&store, "SELECT count(*) FROM item_keys"),
                2,
                "{engine}: keys go with their items"
            );
            assert_eq!(
                count(
                    &store,
                    "SELECT CAST(SUM(mention_count) AS BIGINT) FROM sources"
                ),
                2,
                "{engine}: the sources' mention counts follow"
            );
            let search = match store.engine() {
                Engine::Sqlite => "SELECT count(*) FROM items_fts WHERE items_fts MATCH 'outage'",
                Engine::Postgres => {
                    "SELECT count(*) FROM items WHERE search @@ to_tsquery('simple', 'outage')"
                }
            };
            assert_eq!(
                count(&store, search),
                0,
                "{engine}: the search entry is gone"
            );
            let titles = store
                .read(|db| {
                    db.query("SELECT title FROM items ORDER BY id", args![])?
                        .iter()
                        .map(|r| r.get::<String>(0))
                        .collect::<DbResult<Vec<_>>>()
                })
                .expect("titles");
            assert_eq!(titles, ["acme price rise", "acme praise"], "{engine}");

            let (at, watch, title) = store.last_mention().expect("last").expect("a mention");
            assert_eq!(at.timestamp(), now.timestamp(), "{engine}");
            assert_eq!(
                (watch.as_str(), title.as_str()),
                ("acme", "acme praise"),
                "{engine}"
            );

            assert_eq!(
                store.prune(cutoff).expect("prune again"),
                Pruned::default(),
                "{engine}: nothing left to prune"
            );
        }
    }

    #[test]
    fn the_heartbeat_is_written_stopped_and_restarted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let t = |secs: i64| from_db_time(1_700_000_000 + secs);
        for (engine, mut store) in crate::store::testing::stores(dir.path()) {
            assert_eq!(store.last_heartbeat().expect("beat"), None, "{engine}");
            store.heartbeat(42, t(0), t(10)).expect("beat");
            store.heartbeat(42, t(0), t(20)).expect("beat");
            let beat = Heartbeat {
                pid: 42,
                version: env!("CARGO_PKG_VERSION").into(),
                started_at: t(0),
                heartbeat_at: t(20),
                stopped_at: None,
            };
            assert_eq!(
                store.last_heartbeat().expect("beat"),
                Some(beat.clone()),
                "{engine}"
            );
            store.daemon_stopped(t(30)).expect("stopped");
            assert_eq!(
                store.last_heartbeat().expect("beat"),
                Some(Heartbeat {
                    stopped_at: Some(t(30)),
                    ..beat
                }),
                "{engine}"
            );
            store.heartbeat(43, t(40), t(40)).expect("beat");
            let again = store.last_heartbeat().expect("beat").expect("a heartbeat");
            assert_eq!(
                (again.pid, again.started_at, again.stopped_at),
                (43, t(40), None),
                "{engine}: a new daemon's heartbeat replaces the old one"
            );
            assert_eq!(
                count(&store, "SELECT count(*) FROM daemon"),
                1,
                "{engine}: one row"
            );
        }
    }

    /// SQLite is copied with `VACUUM INTO`; PostgreSQL is refused with the
    /// pg_dump hint, not a panic. Both report their size.
    #[test]
    fn backup_copies_sqlite_and_points_postgresql_at_pg_dump() {
        let dir = tempfile::tempdir().expect("tempdir");
        let now = from_db_time(1_700_000_000);
        for (engine, mut store) in crate::store::testing::stores(dir.path()) {
            store.heartbeat(7, now, now).expect("beat");
            assert!(store.size_on_disk().expect("size") > 0, "{engine}");
            let copy = dir.path().join(format!("{engine}-copy.db"));
            match store.engine() {
                Engine::Sqlite => {
                    store.backup_to(&copy).expect("backup");
                    let copied = Store::open_read_only(&copy).expect("open the copy");
                    assert_eq!(
                        copied.last_heartbeat().expect("beat").map(|b| b.pid),
                        Some(7),
                        "{engine}"
                    );
                }
                Engine::Postgres => {
                    let e = store.backup_to(&copy).expect_err("no backup on PostgreSQL");
                    assert!(matches!(e, StoreError::NoBackup { .. }), "{engine}: {e:?}");
                    let message = e.to_string();
                    assert!(message.contains("pg_dump"), "{engine}: {message}");
                    assert!(message.contains(store.place()), "{engine}: {message}");
                    assert!(!copy.exists(), "{engine}: nothing written");
                }
            }
        }
    }
}

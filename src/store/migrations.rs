//! Append-only schema migrations for both engines, from one ordered list:
//! the version is SQLite's `PRAGMA user_version`, and on PostgreSQL the one
//! row of `earshot_schema`.
//!
//! Never edit a migration that has shipped: add the next one, with its SQL
//! for each engine. earshot first ran on PostgreSQL at version 13, whose
//! PostgreSQL side creates the whole schema as versions 1–12 left it on
//! SQLite (`schema_postgres.sql`); versions 1–12 have no PostgreSQL side.

use super::db::{Conn, DbResult, Engine, Sql};
use super::{Result, StoreError};

/// Migration 13 on PostgreSQL: everything before it, then its own tables.
const POSTGRES_13: &str = concat!(
    include_str!("schema_postgres.sql"),
    "
CREATE TABLE daemons (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid BIGINT NOT NULL,
    version TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL,
    stopped_at BIGINT
);
CREATE TABLE leases (
    source_id BIGINT PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
    daemon TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX leases_daemon ON leases(daemon);
ALTER TABLE deliveries ADD COLUMN sending_by TEXT;
ALTER TABLE deliveries ADD COLUMN claimed_at BIGINT;
"
);

/// The SQL of each migration for each engine (in order; version = index + 1).
pub(super) const MIGRATIONS: &[(&str, &str)] = &[
    (SQLITE[0], ""),
    (SQLITE[1], ""),
    (SQLITE[2], ""),
    (SQLITE[3], ""),
    (SQLITE[4], ""),
    (SQLITE[5], ""),
    (SQLITE[6], ""),
    (SQLITE[7], ""),
    (SQLITE[8], ""),
    (SQLITE[9], ""),
    (SQLITE[10], ""),
    (SQLITE[11], ""),
    // 13: several daemons on one store (issue #16): each daemon's heartbeat
    // under its own id, a lease per source (held by one daemon until it
    // expires), and which dispatcher claimed a delivery, and when.
    (
        "CREATE TABLE daemons (
            id TEXT PRIMARY KEY,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            version TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            heartbeat_at INTEGER NOT NULL,
            stopped_at INTEGER
        );
        CREATE TABLE leases (
            source_id INTEGER PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
            daemon TEXT NOT NULL,
            expires_at INTEGER NOT NULL
        );
        CREATE INDEX leases_daemon ON leases(daemon);
        ALTER TABLE deliveries ADD COLUMN sending_by TEXT;
        ALTER TABLE deliveries ADD COLUMN claimed_at INTEGER;",
        POSTGRES_13,
    ),
    // 14: SQLite's full-text rows of new items are written by the store at
    // the end of each write (`polls::index_items`), not by a trigger per
    // item (issue #15 §4). Nothing changes on PostgreSQL.
    ("DROP TRIGGER items_fts_insert;", ""),
];

/// SQLite's migrations 1–12, as they shipped.
const SQLITE: &[&str] = &[
    // 1: sources, items (stored once, across sources), mentions (item × watch), FTS.
    "CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        url TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        cursor TEXT,
        last_poll_at INTEGER,
        last_success_at INTEGER,
        last_status TEXT,
        last_error TEXT,
        last_error_at INTEGER,
        failing_since INTEGER,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        polls INTEGER NOT NULL DEFAULT 0,
        last_items INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE items (
        id INTEGER PRIMARY KEY,
        canonical_url TEXT UNIQUE,
        url TEXT,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        author TEXT,
        published_at INTEGER,
        first_seen_at INTEGER NOT NULL
    );
    CREATE TABLE item_keys (
        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        PRIMARY KEY (source_id, key)
    ) WITHOUT ROWID;
    CREATE INDEX item_keys_item ON item_keys(item_id);
    CREATE TABLE item_sources (
        item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        first_seen_at INTEGER NOT NULL,
        PRIMARY KEY (item_id, source_id)
    ) WITHOUT ROWID;
    CREATE INDEX item_sources_source ON item_sources(source_id);
    CREATE TABLE mentions (
        id INTEGER PRIMARY KEY,
        item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        watch TEXT NOT NULL,
        found_at INTEGER NOT NULL,
        terms TEXT NOT NULL,
        snippet TEXT NOT NULL,
        sentiment TEXT,
        sentiment_score REAL,
        sentiment_reasons TEXT,
        lang TEXT,
        UNIQUE (item_id, watch)
    );
    CREATE INDEX mentions_found ON mentions(found_at);
    CREATE INDEX mentions_watch ON mentions(watch, found_at);
    CREATE VIRTUAL TABLE items_fts USING fts5(
        title, text, content='items', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN
        INSERT INTO items_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END;
    CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
        INSERT INTO items_fts(items_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
    END;
    CREATE TRIGGER items_fts_update AFTER UPDATE OF title, text ON items BEGIN
        INSERT INTO items_fts(items_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
        INSERT INTO items_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END;",
    // 2: the delivery outbox. A row per (mention, route, notifier), written in
    // the transaction that creates the mention; the dispatcher sends and marks.
    "CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY,
        mention_id INTEGER NOT NULL REFERENCES mentions(id) ON DELETE CASCADE,
        route TEXT NOT NULL,
        notifier TEXT NOT NULL,
        mode TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        created_at INTEGER NOT NULL,
        due_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_attempt_at INTEGER,
        last_error TEXT,
        sent_at INTEGER,
        reported_at INTEGER,
        UNIQUE (mention_id, route, notifier)
    );
    CREATE INDEX deliveries_due ON deliveries(status, due_at);
    CREATE INDEX deliveries_route_sent ON deliveries(route, notifier, sent_at);",
    // 3: the running daemon's heartbeat, for `earshot status`.
    "CREATE TABLE daemon (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        pid INTEGER NOT NULL,
        version TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        heartbeat_at INTEGER NOT NULL,
        stopped_at INTEGER
    );",
    // 4: syndicated copies: a story's fingerprint (title + lead) to find it
    // again at another URL, and the URL each source saw it at.
    "ALTER TABLE items ADD COLUMN fingerprint INTEGER;
    CREATE INDEX items_fingerprint ON items(fingerprint, first_seen_at)
        WHERE fingerprint IS NOT NULL;
    ALTER TABLE item_sources ADD COLUMN url TEXT;",
    // 5: each notifier is its own lane (due deliveries looked up per
    // notifier), and a send in flight is visible: when the dispatcher handed a
    // delivery to its receiver (cleared when the attempt is settled).
    "ALTER TABLE deliveries ADD COLUMN sending_since INTEGER;
    CREATE INDEX deliveries_notifier_due ON deliveries(status, notifier, due_at);",
    // 6: the team inbox. Each mention's state (new, assigned, handled,
    // ignored), assignee, the team's own label and the first time it was
    // handled; its tags and notes; and an append-only history of every
    // change. Notes, tags and events go with their mention (retention).
    r#"ALTER TABLE mentions ADD COLUMN state TEXT NOT NULL DEFAULT 'new';
    ALTER TABLE mentions ADD COLUMN assignee TEXT;
    ALTER TABLE mentions ADD COLUMN label TEXT;
    ALTER TABLE mentions ADD COLUMN handled_at INTEGER;
    CREATE INDEX mentions_state ON mentions(state, found_at);
    CREATE INDEX mentions_assignee ON mentions(assignee, found_at) WHERE assignee IS NOT NULL;
    CREATE TABLE mention_tags (
        mention_id INTEGER NOT NULL REFERENCES mentions(id) ON DELETE CASCADE,
        tag TEXT NOT NULL,
        PRIMARY KEY (mention_id, tag)
    ) WITHOUT ROWID;
    CREATE INDEX mention_tags_tag ON mention_tags(tag);
    CREATE TABLE mention_notes (
        id INTEGER PRIMARY KEY,
        mention_id INTEGER NOT NULL REFERENCES mentions(id) ON DELETE CASCADE,
        at INTEGER NOT NULL,
        "by" TEXT NOT NULL,
        text TEXT NOT NULL
    );
    CREATE INDEX mention_notes_mention ON mention_notes(mention_id, id);
    CREATE TABLE mention_events (
        id INTEGER PRIMARY KEY,
        mention_id INTEGER NOT NULL REFERENCES mentions(id) ON DELETE CASCADE,
        at INTEGER NOT NULL,
        "by" TEXT NOT NULL,
        what TEXT NOT NULL,
        "from" TEXT,
        "to" TEXT
    );
    CREATE INDEX mention_events_mention ON mention_events(mention_id, id);"#,
    // 7: `earshot stats` reads every mention in a time range; this covering
    // index answers it without touching the table (1M mentions: see
    // benches/stats.rs).
    "CREATE INDEX mentions_stats
        ON mentions(found_at, watch, state, sentiment, handled_at, item_id);",
    // 8: a review's own rating (2 of 1..5 stars), kept so alerts and the
    // command line can show it; NULL for items without one.
    "ALTER TABLE items ADD COLUMN rating_value REAL;
    ALTER TABLE items ADD COLUMN rating_worst REAL;
    ALTER TABLE items ADD COLUMN rating_best REAL;",
    // 9: bursts and per-watch caps. A spike is one alert for a burst of
    // negative mentions of one watch on one route, decided in the transaction
    // that stores the mention crossing the threshold; it hangs on that mention
    // (retention takes it along). A delivery now says what it carries by its
    // mode: `instant` and `digest` as before, `spike` (the spike alert,
    // `spike_id`), `folded` (an instant alert folded into spike
    // `folded_into`, listed in the route's next digest) and `notice` (the
    // route's max_per_hour reached for the mention's watch). A spike alert or
    // notice hangs on a mention too, so one mention may have a delivery per
    // route, notifier and mode: the unique key gains `mode`, which SQLite
    // can only change by building the table anew (ids kept: they are the
    // alerts' Message-IDs).
    "CREATE TABLE spikes (
        id INTEGER PRIMARY KEY,
        route TEXT NOT NULL,
        watch TEXT NOT NULL,
        mention_id INTEGER NOT NULL REFERENCES mentions(id) ON DELETE CASCADE,
        negatives INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        ends_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX spikes_route_watch ON spikes(route, watch, ends_at);
    CREATE INDEX spikes_mention ON spikes(mention_id);
    CREATE TABLE deliveries_9 (
        id INTEGER PRIMARY KEY,
        mention_id INTEGER NOT NULL REFERENCES mentions(id) ON DELETE CASCADE,
        route TEXT NOT NULL,
        notifier TEXT NOT NULL,
        mode TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        created_at INTEGER NOT NULL,
        due_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_attempt_at INTEGER,
        last_error TEXT,
        sent_at INTEGER,
        reported_at INTEGER,
        sending_since INTEGER,
        spike_id INTEGER REFERENCES spikes(id) ON DELETE CASCADE,
        folded_into INTEGER REFERENCES spikes(id) ON DELETE SET NULL,
        UNIQUE (mention_id, route, notifier, mode)
    );
    INSERT INTO deliveries_9 (id, mention_id, route, notifier, mode, status, created_at, due_at,
        attempts, last_attempt_at, last_error, sent_at, reported_at, sending_since)
    SELECT id, mention_id, route, notifier, mode, status, created_at, due_at,
        attempts, last_attempt_at, last_error, sent_at, reported_at, sending_since
    FROM deliveries;
    DROP TABLE deliveries;
    ALTER TABLE deliveries_9 RENAME TO deliveries;
    CREATE INDEX deliveries_due ON deliveries(status, due_at);
    CREATE INDEX deliveries_route_sent ON deliveries(route, notifier, sent_at);
    CREATE INDEX deliveries_notifier_due ON deliveries(status, notifier, due_at);
    CREATE INDEX deliveries_spike ON deliveries(spike_id) WHERE spike_id IS NOT NULL;
    CREATE INDEX deliveries_folded ON deliveries(folded_into) WHERE folded_into IS NOT NULL;",
    // 10: the web inbox's people and programs (issue #13). Users with an
    // Argon2id PHC hash; login sessions stored by the SHA-256 of their
    // 256-bit id (the cookie holds the id), with their CSRF token, gone with
    // their user; API tokens stored by the SHA-256 of the token, kept when
    // revoked (their name stays in the history), a name reusable once its
    // token is revoked.
    "CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE sessions (
        id_hash BLOB PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        csrf TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX sessions_user ON sessions(user_id);
    CREATE INDEX sessions_expires ON sessions(expires_at);
    CREATE TABLE tokens (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        hash BLOB NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER,
        revoked_at INTEGER
    );
    CREATE UNIQUE INDEX tokens_active_name ON tokens(name) WHERE revoked_at IS NULL;",
    // 11: the web inbox on a large database (issue #13). "Most negative
    // first" under a state filter (the inbox's open mentions) reads
    // `mentions_state_score` in the order it lists, and stops after a page,
    // instead of sorting every open mention. Each source's mention count
    // (`earshot sources`, the sources page) was a join over every item it
    // saw; it is kept on the source's row instead, `mention_count`, counted
    // once here and kept true by triggers on every change to `mentions`
    // and `item_sources` (a source's count is the mentions of the items it
    // saw, an item with two watches counting twice).
    "CREATE INDEX mentions_state_score
        ON mentions(state, sentiment_score IS NULL, sentiment_score, found_at DESC, id DESC);
    ALTER TABLE sources ADD COLUMN mention_count INTEGER NOT NULL DEFAULT 0;
    UPDATE sources SET mention_count = (
        SELECT count(*) FROM item_sources x JOIN mentions m ON m.item_id = x.item_id
        WHERE x.source_id = sources.id);
    CREATE TRIGGER mentions_count_insert AFTER INSERT ON mentions BEGIN
        UPDATE sources SET mention_count = mention_count + 1
        WHERE id IN (SELECT source_id FROM item_sources WHERE item_id = new.item_id);
    END;
    CREATE TRIGGER mentions_count_delete AFTER DELETE ON mentions BEGIN
        UPDATE sources SET mention_count = mention_count - 1
        WHERE id IN (SELECT source_id FROM item_sources WHERE item_id = old.item_id);
    END;
    CREATE TRIGGER mentions_count_update AFTER UPDATE OF item_id ON mentions BEGIN
        UPDATE sources SET mention_count = mention_count - 1
        WHERE id IN (SELECT source_id FROM item_sources WHERE item_id = old.item_id);
        UPDATE sources SET mention_count = mention_count + 1
        WHERE id IN (SELECT source_id FROM item_sources WHERE item_id = new.item_id);
    END;
    CREATE TRIGGER item_sources_count_insert AFTER INSERT ON item_sources BEGIN
        UPDATE sources SET mention_count = mention_count
            + (SELECT count(*) FROM mentions WHERE item_id = new.item_id)
        WHERE id = new.source_id;
    END;
    CREATE TRIGGER item_sources_count_delete AFTER DELETE ON item_sources BEGIN
        UPDATE sources SET mention_count = mention_count
            - (SELECT count(*) FROM mentions WHERE item_id = old.item_id)
        WHERE id = old.source_id;
    END;
    CREATE TRIGGER item_sources_count_update AFTER UPDATE OF item_id, source_id ON item_sources BEGIN
        UPDATE sources SET mention_count = mention_count
            - (SELECT count(*) FROM mentions WHERE item_id = old.item_id)
        WHERE id = old.source_id;
        UPDATE sources SET mention_count = mention_count
            + (SELECT count(*) FROM mentions WHERE item_id = new.item_id)
        WHERE id = new.source_id;
    END;",
    // 12: learning from the team's labels (issue #14). Imported labelled
    // examples, each once (by the SHA-256 of its label, language and text;
    // `lang` NULL: detected when trained on); the learned model, one row
    // (the latest): its version, byte format, when it was trained, the last
    // label event it saw, how many examples it used, what training said
    // (JSON) and its bytes. Labelled mentions and label events are found by
    // index.
    "CREATE TABLE learn_examples (
        id INTEGER PRIMARY KEY,
        hash BLOB NOT NULL UNIQUE,
        label TEXT NOT NULL,
        lang TEXT,
        text TEXT NOT NULL,
        source TEXT NOT NULL,
        imported_at INTEGER NOT NULL
    );
    CREATE TABLE learn_model (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL,
        format INTEGER NOT NULL,
        trained_at INTEGER NOT NULL,
        label_mark INTEGER NOT NULL,
        examples INTEGER NOT NULL,
        summary TEXT NOT NULL,
        model BLOB NOT NULL
    );
    CREATE INDEX mentions_label ON mentions(label) WHERE label IS NOT NULL;
    CREATE INDEX mention_events_what ON mention_events(what, id);",
];

/// The schema version this earshot writes.
pub(super) fn known() -> i64 {
    MIGRATIONS.len() as i64
}

/// The oldest schema version this earshot reads on `engine`: the last
/// migration with SQL of that engine's own. A later one without any (14 on
/// PostgreSQL) changes nothing there, so a database without it is as good
/// (`earshot migrate` still records it).
pub(super) fn needed(engine: Engine) -> i64 {
    MIGRATIONS
        .iter()
        .rposition(|(sqlite, postgres)| match engine {
            Engine::Sqlite => !sqlite.is_empty(),
            Engine::Postgres => !postgres.is_empty(),
        })
        .map_or(0, |i| i as i64 + 1)
}

/// The schema version of the database on `db` (0: none yet).
pub(super) fn version(db: &mut Conn) -> DbResult<i64> {
    match db.engine() {
        Engine::Sqlite => db.query_value("PRAGMA user_version", &[]),
        Engine::Postgres => {
            let exists: bool =
                db.query_value("SELECT to_regclass('earshot_schema') IS NOT NULL", &[])?;
            if !exists {
                return Ok(0);
            }
            Ok(db
                .query_opt("SELECT version FROM earshot_schema", &[])?
                .map(|r| r.get(0))
                .transpose()?
                .unwrap_or(0))
        }
    }
}

/// Applies every migration the database lacks, one per write transaction
/// (re-reading the version inside it, so two processes migrating a fresh
/// database at once do not race: SQLite's write lock, PostgreSQL's advisory
/// lock).
pub(super) fn apply(db: &mut Conn, place: &str) -> Result<()> {
    let e = |error| StoreError::Db {
        place: place.to_string(),
        error,
    };
    let known = known();
    let engine = db.engine();
    if engine == Engine::Postgres {
        db.batch("CREATE TABLE IF NOT EXISTS earshot_schema (version BIGINT NOT NULL);")
            .map_err(e)?;
    }
    loop {
        let mut tx = db.transaction(true).map_err(e)?;
        let current: i64 = match engine {
            Engine::Sqlite => tx.query_value("PRAGMA user_version", &[]),
            Engine::Postgres => tx
                .query_opt("SELECT version FROM earshot_schema", &[])
                .and_then(|r| r.map(|r| r.get(0)).transpose())
                .map(|v| v.unwrap_or(0)),
        }
        .map_err(e)?;
        if current > known {
            return Err(StoreError::TooNew {
                place: place.to_string(),
                found: current,
                known,
            });
        }
        let Some((sqlite, postgres)) = MIGRATIONS.get(current as usize) else {
            return Ok(());
        };
        let next = current + 1;
        match engine {
            Engine::Sqlite => {
                tx.batch(sqlite).map_err(e)?;
                // PRAGMA takes no parameters.
                tx.batch(&format!("PRAGMA user_version = {next}"))
                    .map_err(e)?;
            }
            Engine::Postgres => {
                if !postgres.is_empty() {
                    tx.batch(postgres).map_err(e)?;
                }
                tx.execute("DELETE FROM earshot_schema", &[]).map_err(e)?;
                tx.execute(
                    "INSERT INTO earshot_schema (version) VALUES (?1)",
                    &[next.into()],
                )
                .map_err(e)?;
            }
        }
        tx.commit().map_err(e)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    /// A migration without SQL for an engine leaves that engine's databases
    /// as good as before: PostgreSQL needs 13 (14 is SQLite's alone),
    /// SQLite every one.
    #[test]
    fn issue15_each_engine_needs_its_own_last_migration() {
        assert_eq!(known(), 14);
        assert_eq!(needed(Engine::Sqlite), 14);
        assert_eq!(needed(Engine::Postgres), 13);
        let verdict = |found, engine| super::super::schema_verdict("db".into(), found, engine);
        assert!(verdict(13, Engine::Postgres).is_ok());
        assert!(verdict(14, Engine::Postgres).is_ok());
        assert!(matches!(
            verdict(12, Engine::Postgres),
            Err(StoreError::TooOld { .. })
        ));
        assert!(matches!(
            verdict(13, Engine::Sqlite),
            Err(StoreError::TooOld { .. })
        ));
        assert!(matches!(
            verdict(15, Engine::Sqlite),
            Err(StoreError::TooNew { .. })
        ));
    }

    /// Migration 11 counts each source's mentions once, from the rows
    /// already there; its triggers keep the count from then on.
    #[test]
    fn source_mention_counts_start_from_the_rows_there() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("old.db");
        let conn = Connection::open(&path).expect("open");
        let before = SQLITE
            .iter()
            .position(|m| m.contains("mention_count"))
            .expect("the mention count migration");
        for m in &SQLITE[..before] {
            conn.execute_batch(m).expect("older migration");
        }
        conn.pragma_update(None, "user_version", before as i64)
            .expect("version");
        conn.execute_batch(
            "INSERT INTO sources (id, name, kind, url) VALUES (1, 'a', 'feed', 'x'), (2, 'b', 'feed', 'x'), (3, 'c', 'feed', 'x');
             INSERT INTO items (id, title, text, first_seen_at) VALUES (1, 't', 'x', 0), (2, 't', 'x', 0), (3, 't', 'x', 0);
             INSERT INTO item_sources (item_id, source_id, first_seen_at) VALUES (1, 1, 0), (2, 1, 0), (2, 2, 0), (3, 2, 0);
             INSERT INTO mentions (item_id, watch, found_at, terms, snippet) VALUES
                (1, 'acme', 0, '[]', ''), (2, 'acme', 0, '[]', ''), (2, 'globex', 0, '[]', '');",
        )
        .expect("rows");
        let mut db = Conn::Sqlite(conn);
        apply(&mut db, "old.db").expect("migrate");
        let conn = db.sqlite().expect("sqlite");
        let counts = |conn: &Connection| -> Vec<i64> {
            conn.prepare("SELECT mention_count FROM sources ORDER BY id")
                .expect("prepare")
                .query_map([], |r| r.get(0))
                .expect("query")
                .collect::<std::result::Result<_, _>>()
                .expect("rows")
        };
        assert_eq!(counts(conn), [3, 2, 0]);
        conn.execute_batch(
            "INSERT INTO mentions (item_id, watch, found_at, terms, snippet) VALUES (3, 'acme', 0, '[]', '');",
        )
        .expect("a new mention");
        assert_eq!(counts(conn), [3, 3, 0]);
    }

    /// Migration 9 builds `deliveries` anew: a database with alerts in its
    /// outbox keeps every row with its id (the alerts' Message-IDs), and a
    /// mention may then carry a spike alert beside its own alert.
    #[test]
    fn rebuilding_deliveries_keeps_every_row_and_its_id() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("old.db");
        let conn = Connection::open(&path).expect("open");
        conn.execute_batch("PRAGMA foreign_keys = ON;").expect("fk");
        let before_spikes = SQLITE
            .iter()
            .position(|m| m.contains("CREATE TABLE spikes"))
            .expect("the spikes migration");
        for m in &SQLITE[..before_spikes] {
            conn.execute_batch(m).expect("older migration");
        }
        conn.pragma_update(None, "user_version", before_spikes as i64)
            .expect("version");
        conn.execute_batch(
            "INSERT INTO items (id, title, text, first_seen_at) VALUES (1, 't', 'x', 0);
             INSERT INTO mentions (id, item_id, watch, found_at, terms, snippet) VALUES (5, 1, 'acme', 0, '[]', '');
             INSERT INTO deliveries (id, mention_id, route, notifier, mode, status, created_at, due_at, attempts, sent_at)
                VALUES (41, 5, 'r', 'mail', 'instant', 'sent', 0, 0, 1, 3),
                       (42, 5, 'r', 'chat', 'instant', 'pending', 0, 0, 2, NULL);",
        )
        .expect("rows");
        let mut db = Conn::Sqlite(conn);
        apply(&mut db, "old.db").expect("migrate");
        let conn = db.sqlite().expect("sqlite");
        let rows: Vec<(i64, String, String, i64)> = conn
            .prepare("SELECT id, notifier, status, attempts FROM deliveries ORDER BY id")
            .expect("prepare")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .expect("query")
            .collect::<std::result::Result<_, _>>()
            .expect("rows");
        assert_eq!(
            rows,
            [
                (41, "mail".to_string(), "sent".to_string(), 1),
                (42, "chat".to_string(), "pending".to_string(), 2)
            ]
        );
        conn.execute_batch(
            "INSERT INTO spikes (id, route, watch, mention_id, negatives, started_at, ends_at, created_at)
                VALUES (1, 'r', 'acme', 5, 3, 0, 60, 0);
             INSERT INTO deliveries (mention_id, route, notifier, mode, created_at, due_at, spike_id)
                VALUES (5, 'r', 'mail', 'spike', 0, 0, 1);",
        )
        .expect("a spike alert beside the mention's own");
        // Retention takes the mention, its spike and the spike's alert along.
        conn.execute_batch("DELETE FROM mentions WHERE id = 5;")
            .expect("prune");
        let left: i64 = conn
            .query_row("SELECT count(*) FROM deliveries", [], |r| r.get(0))
            .expect("count");
        let spikes: i64 = conn
            .query_row("SELECT count(*) FROM spikes", [], |r| r.get(0))
            .expect("count");
        assert_eq!((left, spikes), (0, 0));
    }
}

//! A database of N mentions built directly with rusqlite, for the benchmarks
//! that measure reads at scale (`benches/stats.rs`, `benches/web.rs`): one
//! transaction, schema from `Store::open`, the full-text trigger dropped
//! while loading (the benchmarks do not search). Six watches, nine sources,
//! a year of mentions spread evenly, 30% negative, 10% open (half of them
//! assigned), 5% ignored, the rest handled 5 minutes to 2 days after they
//! were found; about one in ten items seen by a second source. The same
//! database on every run (a fixed seed).

#![allow(dead_code)]

use std::path::Path;

use rusqlite::params;

pub const WATCHES: &[&str] = &["acme", "globex", "initech", "umbrella", "hooli", "stark"];
pub const SOURCES: &[&str] = &[
    "nu",
    "tweakers",
    "reddit",
    "hn",
    "mastodon",
    "bluesky",
    "appstore",
    "trustpilot",
    "kiyoh",
];
const YEAR: i64 = 365 * 86_400;

/// A small xorshift generator: the same database on every run, no extra crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Creates the database at `db` (which must not exist) with `n` mentions.
pub fn build(db: &Path, n: u64) {
    drop(earshot::store::Store::open(db).expect("create the schema"));
    let mut conn = rusqlite::Connection::open(db).expect("open");
    conn.execute_batch(
        "PRAGMA synchronous = OFF; PRAGMA journal_mode = WAL;
         DROP TRIGGER items_fts_insert;",
    )
    .expect("pragmas");
    let now = chrono::Utc::now().timestamp();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let tx = conn.transaction().expect("transaction");
    {
        let mut source = tx
            .prepare("INSERT INTO sources (id, name, kind, url) VALUES (?1, ?2, 'feed', ?3)")
            .expect("prepare");
        for (i, s) in SOURCES.iter().enumerate() {
            source
                .execute(params![i as i64 + 1, s, format!("http://{s}.example/feed")])
                .expect("source");
        }
        let mut item = tx
            .prepare(
                "INSERT INTO items (id, canonical_url, url, title, text, first_seen_at)
                 VALUES (?1, ?2, ?2, ?3, ?4, ?5)",
            )
            .expect("prepare");
        // The store writes an item's full-text row itself (migration 14).
        let mut indexed = tx
            .prepare("INSERT INTO items_fts (rowid, title, text) VALUES (?1, ?2, ?3)")
            .expect("prepare");
        let mut seen = tx
            .prepare(
                "INSERT INTO item_sources (item_id, source_id, first_seen_at) VALUES (?1, ?2, ?3)",
            )
            .expect("prepare");
        let mut mention = tx
            .prepare(
                "INSERT INTO mentions (id, item_id, watch, found_at, terms, snippet, sentiment,
                     sentiment_score, lang, state, assignee, handled_at)
                 VALUES (?1, ?1, ?2, ?3, '[\"x\"]', ?4, ?5, ?6, 'nl', ?7, ?8, ?9)",
            )
            .expect("prepare");
        for id in 1..=n as i64 {
            let found = now - YEAR + (id * YEAR) / n as i64;
            let watch = WATCHES[rng.below(WATCHES.len() as u64) as usize];
            let title = format!("{watch} bericht {id}");
            item.execute(params![
                id,
                format!("https://example.nl/{id}"),
                title,
                "een tekst over de dienst",
                found
            ])
            .expect("item");
            indexed
                .execute(params![id, title, "een tekst over de dienst"])
                .expect("full-text row");
            let first = rng.below(SOURCES.len() as u64) as i64 + 1;
            seen.execute(params![id, first, found]).expect("seen");
            if rng.below(10) == 0 {
                let second = first % SOURCES.len() as i64 + 1;
                seen.execute(params![id, second, found]).expect("seen");
            }
            let negative = rng.below(10) < 3;
            let (state, assignee, handled) = match rng.below(100) {
                0..=4 => ("new", None, None),
                5..=9 => ("assigned", Some("joost"), None),
                10..=14 => ("ignored", None, None),
                _ => (
                    "handled",
                    Some("sanne"),
                    Some(found + 300 + rng.below(2 * 86_400) as i64),
                ),
            };
            mention
                .execute(params![
                    id,
                    watch,
                    found,
                    title,
                    if negative { "negative" } else { "neutral" },
                    if negative { -0.6 } else { 0.0 },
                    state,
                    assignee,
                    handled
                ])
                .expect("mention");
        }
    }
    tx.commit().expect("commit");
    conn.execute_batch("ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);")
        .expect("analyze");
}

/// What follows a figure: nothing for a checked case, a mark for one only
/// reported.
pub fn note(checked: bool) -> &'static str {
    if checked {
        ""
    } else {
        "  [reported, not checked]"
    }
}

/// Fails the benchmark naming every checked case over `target`.
pub fn assert_within(over: &[&str], target: std::time::Duration) {
    assert!(
        over.is_empty(),
        "over the {} ms target: {over:?}",
        target.as_millis()
    );
}

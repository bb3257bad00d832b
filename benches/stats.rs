//! `earshot stats` and `earshot mentions list --state open` on a database of
//! 1,000,000 mentions (issue #12). Target: ≤ 200 ms each.
//!
//! The database is built directly with rusqlite in one transaction (schema
//! from `Store::open`, full-text triggers dropped while loading: these
//! commands do not search): six watches, nine sources, one year of mentions
//! spread evenly (about 82,000 in the default 30 days), 30% negative, 10%
//! open, 5% ignored, the rest handled 5 minutes to 2 days after they were
//! found. Then the binary under test runs each command five times; the
//! median is printed and checked.
//!
//! Run: `cargo bench --bench stats --profile release` (or `--profile bench`).
//! `-- --mentions N` for another size. Nothing leaves the machine.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use rusqlite::params;

const TARGET: Duration = Duration::from_millis(200);
const WATCHES: &[&str] = &["acme", "globex", "initech", "umbrella", "hooli", "stark"];
const SOURCES: &[&str] = &[
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

fn build(db: &Path, n: u64) {
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

/// The median wall time of five runs of `earshot ARGS`, after one warm-up.
fn time(config: &Path, args: &[&str]) -> (Duration, usize) {
    let run = || {
        let start = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_earshot"))
            .arg("--config")
            .arg(config)
            .args(args)
            .output()
            .expect("run earshot");
        let took = start.elapsed();
        assert!(
            out.status.success(),
            "earshot {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (took, out.stdout.iter().filter(|&&b| b == b'\n').count())
    };
    let (_, lines) = run();
    let mut times: Vec<Duration> = (0..5).map(|_| run().0).collect();
    times.sort();
    (times[2], lines)
}

fn main() {
    let mut n: u64 = 1_000_000;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--mentions" {
            n = args
                .next()
                .and_then(|v| v.parse().ok())
                .expect("--mentions N");
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("earshot.db");
    let config = dir.path().join("earshot.toml");
    let mut toml = format!("[storage]\ndatabase = {:?}\n\n", db.display().to_string());
    for w in WATCHES {
        toml.push_str(&format!("[[watch]]\nname = \"{w}\"\nterms = [\"{w}\"]\n\n"));
    }
    std::fs::write(&config, toml).expect("config");

    let start = Instant::now();
    build(&db, n);
    println!(
        "built {n} mentions in {:.1} s ({} MB)",
        start.elapsed().as_secs_f64(),
        std::fs::metadata(&db)
            .map(|m| m.len() / 1_000_000)
            .unwrap_or(0)
    );

    let cases: &[(&str, &[&str], bool)] = &[
        (
            "stats (30d, by day, json)",
            &["stats", "--format", "json"],
            true,
        ),
        ("stats (30d, by day, table)", &["stats"], true),
        (
            "stats --by week --watch acme",
            &["stats", "--by", "week", "--watch", "acme"],
            true,
        ),
        (
            "mentions list --state open",
            &["mentions", "list", "--state", "open"],
            true,
        ),
        (
            "stats --since 365d --by month (all rows)",
            &["stats", "--since", "365d", "--by", "month"],
            false,
        ),
    ];
    let mut over = Vec::new();
    for (name, args, checked) in cases {
        let (took, lines) = time(&config, args);
        println!(
            "{name:<42} {:>7.1} ms  ({lines} lines){}",
            took.as_secs_f64() * 1000.0,
            if *checked {
                ""
            } else {
                "  [reported, not checked]"
            }
        );
        if *checked && took > TARGET {
            over.push(*name);
        }
    }
    assert!(
        over.is_empty(),
        "over the {} ms target: {over:?}",
        TARGET.as_millis()
    );
}

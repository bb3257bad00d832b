//! Writing the outcome of polls: source health, validators, and findings with
//! their dedup across sources.

use std::collections::HashMap;

use super::db::{args, DbResult, Engine, Row, Sql, Tx};
use super::{count_at, time_at, to_db_time, Result, Store};
use crate::config;
use crate::http::Validators;
use crate::sources::Item;
use chrono::{DateTime, Utc};

/// What the scheduler needs to know about a source when it starts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceState {
    pub validators: Validators,
    /// An API source's resume point (newest id or time seen).
    pub cursor: Option<String>,
    pub consecutive_failures: u32,
    pub last_poll_at: Option<DateTime<Utc>>,
}

/// A sentiment verdict as stored (the store does not depend on the scorer).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredSentiment {
    pub label: String,
    pub score: f32,
    pub lang: String,
    pub reasons: Vec<String>,
}

/// A review's own rating as stored: `value` on a scale from `worst` to
/// `best` (the store does not depend on the scorer's `Rating`). In JSON a
/// whole number is written as one: `{"value": 2, "worst": 1, "best": 5}`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoredRating {
    pub value: f64,
    pub worst: f64,
    pub best: f64,
}

impl serde::Serialize for StoredRating {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        /// 2.0 as `2`, 4.5 as `4.5`.
        fn num(x: f64) -> serde_json::Value {
            if x.fract() == 0.0 && x.abs() < 9.0e15 {
                serde_json::Value::from(x as i64)
            } else {
                serde_json::Value::from(x)
            }
        }
        let mut st = s.serialize_struct("StoredRating", 3)?;
        st.serialize_field("value", &num(self.value))?;
        st.serialize_field("worst", &num(self.worst))?;
        st.serialize_field("best", &num(self.best))?;
        st.end()
    }
}

/// A delivery to queue with a new mention (decided by `notify::plan`).
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedDelivery {
    pub route: String,
    pub notifier: String,
    /// `instant` or `digest`.
    pub mode: &'static str,
    pub due_at: DateTime<Utc>,
    /// The route's spike rule, for a negative mention on an instant route
    /// with `spike` (see `store::spikes`).
    pub spike: Option<super::SpikeRule>,
}

/// One watch's hit on an item.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingHit {
    pub watch: String,
    pub terms: Vec<String>,
    pub snippet: String,
    pub sentiment: Option<StoredSentiment>,
    /// Queued in the same transaction as the mention, only if it is new.
    pub deliveries: Vec<PlannedDelivery>,
}

/// An item that at least one watch matched.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub item: Item,
    pub hits: Vec<FindingHit>,
}

/// What one poll of one source came to: what the store records and what the
/// scheduler and the command line act on (one type for both).
#[derive(Debug, Clone, PartialEq)]
pub enum PollOutcome {
    /// 304: nothing to do but note the poll.
    NotModified,
    /// A body was fetched and parsed into `items` items.
    Fetched {
        validators: Validators,
        /// An API source's new resume point; `None` keeps the stored one.
        cursor: Option<String>,
        items: usize,
    },
    Failed {
        error: String,
        /// The server's own word on when to try again.
        retry_after: Option<std::time::Duration>,
    },
}

/// The outcome of one poll of one source.
#[derive(Debug, Clone, PartialEq)]
pub struct PollRecord {
    pub source: String,
    pub at: DateTime<Utc>,
    pub outcome: PollOutcome,
    /// The matched items of a fetched body (none otherwise).
    pub findings: Vec<Finding>,
}

impl Store {
    /// Makes the `sources` table know every configured source (new ones added,
    /// changed URLs and kinds updated). Sources no longer configured keep their
    /// rows so their mentions keep their provenance.
    pub fn sync_sources(&mut self, sources: &[config::Source]) -> Result<()> {
        self.write(|tx| {
            for s in sources {
                tx.execute(
                    "INSERT INTO sources (name, kind, url) VALUES (?1, ?2, ?3)
                     ON CONFLICT(name) DO UPDATE SET kind = excluded.kind,
                        url = excluded.url,
                        etag = CASE WHEN sources.url = excluded.url THEN sources.etag END,
                        last_modified = CASE WHEN sources.url = excluded.url THEN sources.last_modified END,
                        cursor = CASE WHEN sources.url = excluded.url AND sources.kind = excluded.kind THEN sources.cursor END",
                    args![&s.name, s.kind().as_str(), s.locator()],
                )?;
            }
            Ok(())
        })
    }

    /// Forgets every source's ETag and Last-Modified, so the next poll reads
    /// each feed in full (after the watches changed: old items may now match).
    pub fn clear_validators(&mut self) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE sources SET etag = NULL, last_modified = NULL",
                args![],
            )
            .map(|_| ())
        })
    }

    /// Validators and failure counts of every known source, by name.
    pub fn source_states(&self) -> Result<HashMap<String, SourceState>> {
        self.read(|db| {
            db.query(
                "SELECT name, etag, last_modified, consecutive_failures, last_poll_at, cursor FROM sources",
                args![],
            )?
            .iter()
            .map(source_state_row)
            .collect()
        })
    }

    /// Records a batch of polls in one transaction; returns, per poll, the ids
    /// of the mentions it created (a repeat of a known item writes nothing).
    pub fn record_polls(&mut self, polls: &[PollRecord]) -> Result<Vec<Vec<i64>>> {
        self.write(|tx| {
            let mut created = Vec::with_capacity(polls.len());
            let mut indexed = Vec::new();
            for p in polls {
                let mut new = Vec::new();
                record_one(tx, p, &mut new, &mut indexed)?;
                created.push(new);
            }
            index_items(tx, &indexed)?;
            Ok(created)
        })
    }
}

/// A source's name and state.
fn source_state_row(r: &Row) -> DbResult<(String, SourceState)> {
    Ok((
        r.get(0)?,
        SourceState {
            validators: Validators {
                etag: r.get(1)?,
                last_modified: r.get(2)?,
            },
            consecutive_failures: count_at(r, 3)?,
            last_poll_at: time_at(r, 4)?,
            cursor: r.get(5)?,
        },
    ))
}

/// An item stored by this transaction, for SQLite's full-text index.
type NewItem<'a> = (i64, &'a Item);

fn record_one<'a>(
    tx: &mut Tx<'_>,
    p: &'a PollRecord,
    new: &mut Vec<i64>,
    indexed: &mut Vec<NewItem<'a>>,
) -> DbResult<()> {
    let at = to_db_time(p.at);
    let source_id: i64 = match tx
        .query_opt("SELECT id FROM sources WHERE name = ?1", args![&p.source])?
        .map(|r| r.get(0))
        .transpose()?
    {
        Some(id) => id,
        // A source removed from the config while its poll was in flight.
        None => return Ok(()),
    };
    match &p.outcome {
        PollOutcome::NotModified => {
            tx.execute(
                "UPDATE sources SET last_poll_at = ?2, last_success_at = ?2, last_status = 'not-modified',
                    consecutive_failures = 0, failing_since = NULL, polls = polls + 1 WHERE id = ?1",
                args![source_id, at],
            )?;
        }
        PollOutcome::Failed { error, .. } => {
            tx.execute(
                "UPDATE sources SET last_poll_at = ?2, last_status = 'error', last_error = ?3,
                    last_error_at = ?2, failing_since = COALESCE(failing_since, ?2),
                    consecutive_failures = consecutive_failures + 1, polls = polls + 1 WHERE id = ?1",
                args![source_id, at, error],
            )?;
        }
        PollOutcome::Fetched {
            validators,
            cursor,
            items,
        } => {
            tx.execute(
                "UPDATE sources SET last_poll_at = ?2, last_success_at = ?2, last_status = 'ok',
                    etag = ?3, last_modified = ?4, last_items = ?5, cursor = COALESCE(?6, cursor),
                    consecutive_failures = 0, failing_since = NULL, polls = polls + 1 WHERE id = ?1",
                args![
                    source_id,
                    at,
                    &validators.etag,
                    &validators.last_modified,
                    *items,
                    cursor
                ],
            )?;
            for f in &p.findings {
                record_finding(tx, source_id, at, f, new, indexed)?;
            }
        }
    }
    Ok(())
}

/// A copy of a story (same title and lead at another URL) is the same
/// item when the first was seen this recently (in seconds, as `at` is).
/// Syndication happens within hours; a recurring notice with the same words
/// weeks later ("Storing bij …") is news again.
const SYNDICATION_WINDOW_SECS: i64 = 3 * 24 * 3600;

/// Stores one finding: the item once (by this source's key, else by canonical
/// URL, else by fingerprint within [`SYNDICATION_WINDOW_SECS`], from any
/// source), this source as one that saw it and at which URL, and a mention
/// per watch that does not have one yet.
fn record_finding<'a>(
    tx: &mut Tx<'_>,
    source_id: i64,
    at: i64,
    f: &'a Finding,
    new: &mut Vec<i64>,
    indexed: &mut Vec<NewItem<'a>>,
) -> DbResult<()> {
    let item = &f.item;
    let canonical = item.canonical_url();
    // What people follow: the item's own URL, else its place on the page it
    // was read from (never its identity: `canonical` comes from `url` only).
    let link = item.link().map(|u| u.as_str());
    let first_id = |rows: Option<Row>| rows.map(|r| r.get::<i64>(0)).transpose();
    let by_key = first_id(tx.query_opt(
        "SELECT item_id FROM item_keys WHERE source_id = ?1 AND key = ?2",
        args![source_id, &item.key],
    )?)?;
    let item_id = match by_key {
        Some(id) => id,
        None => {
            let by_url = match &canonical {
                Some(c) => first_id(
                    tx.query_opt("SELECT id FROM items WHERE canonical_url = ?1", args![c])?,
                )?,
                None => None,
            };
            let fingerprint = item.fingerprint();
            let by_copy = match (by_url, fingerprint) {
                (None, Some(fp)) => first_id(tx.query_opt(
                    "SELECT id FROM items WHERE fingerprint = ?1 AND first_seen_at >= ?2
                     ORDER BY id LIMIT 1",
                    args![fp, at - SYNDICATION_WINDOW_SECS],
                )?)?,
                _ => None,
            };
            let id = match by_url.or(by_copy) {
                Some(id) => id,
                None => {
                    let id = insert_item(tx, item, canonical.as_deref(), link, at, fingerprint)?;
                    indexed.push((id, item));
                    id
                }
            };
            tx.execute(
                "INSERT OR IGNORE INTO item_keys (source_id, key, item_id) VALUES (?1, ?2, ?3)",
                args![source_id, &item.key, id],
            )?;
            id
        }
    };
    tx.execute(
        "INSERT OR IGNORE INTO item_sources (item_id, source_id, first_seen_at, url) VALUES (?1, ?2, ?3, ?4)",
        args![item_id, source_id, at, link],
    )?;
    for h in &f.hits {
        let terms = serde_json::to_string(&h.terms).unwrap_or_else(|_| "[]".into());
        let (label, score, reasons, lang) = match &h.sentiment {
            Some(s) => (
                Some(s.label.as_str()),
                Some(s.score as f64),
                Some(serde_json::to_string(&s.reasons).unwrap_or_else(|_| "[]".into())),
                Some(s.lang.as_str()),
            ),
            None => (None, None, None, None),
        };
        let inserted = tx.query_opt(
            "INSERT OR IGNORE INTO mentions
                (item_id, watch, found_at, terms, snippet, sentiment, sentiment_score, sentiment_reasons, lang)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             RETURNING id",
            args![item_id, &h.watch, at, terms, &h.snippet, label, score, reasons, lang],
        )?;
        if let Some(row) = inserted {
            let mention_id: i64 = row.get(0)?;
            new.push(mention_id);
            super::spikes::write_deliveries(tx, mention_id, &h.watch, at, &h.deliveries)?;
        }
    }
    Ok(())
}

/// Adds the items this transaction stored to SQLite's full-text index, last:
/// FTS5 writes what it holds to disk at every statement savepoint, and
/// every statement with a trigger opens one, so an index row written per
/// item as it came (by a trigger, as migration 1 did) made a segment per
/// item and merged them over and over. Written after the other statements,
/// the transaction's rows stay in memory until the commit writes them as
/// one segment. (PostgreSQL writes an item's vector with the item.)
fn index_items(tx: &mut Tx<'_>, items: &[NewItem<'_>]) -> DbResult<()> {
    if tx.engine() != Engine::Sqlite {
        return Ok(());
    }
    for (id, item) in items {
        tx.execute(
            "INSERT INTO items_fts(rowid, title, text) VALUES (?1, ?2, ?3)",
            args![*id, &item.title, &item.text],
        )?;
    }
    Ok(())
}

/// Inserts an item; its id (SQLite's full-text row comes later:
/// [`index_items`]). On PostgreSQL the item's full-text vector is
/// written with it, from the same folded text the matcher reads (accents
/// and case gone), as SQLite's FTS5 triggers index it there.
fn insert_item(
    tx: &mut Tx<'_>,
    item: &Item,
    canonical: Option<&str>,
    link: Option<&str>,
    at: i64,
    fingerprint: Option<i64>,
) -> DbResult<i64> {
    let rating = item.rating;
    let values = args![
        canonical,
        link,
        &item.title,
        &item.text,
        &item.author,
        item.published.map(to_db_time),
        at,
        fingerprint,
        rating.map(|r| r.value),
        rating.map(|r| r.worst),
        rating.map(|r| r.best),
    ];
    let row = match tx.engine() {
        Engine::Sqlite => tx.query_one(
            "INSERT INTO items (canonical_url, url, title, text, author, published_at, first_seen_at, fingerprint,
                rating_value, rating_worst, rating_best)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             RETURNING id",
            values,
        )?,
        Engine::Postgres => {
            let mut with_search = values.to_vec();
            with_search.push(super::search_text(&item.title, &item.text).into());
            tx.query_one(
                "INSERT INTO items (canonical_url, url, title, text, author, published_at, first_seen_at, fingerprint,
                    rating_value, rating_worst, rating_best, search)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, to_tsvector('simple', ?12))
                 RETURNING id",
                &with_search,
            )?
        }
    };
    row.get(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    const LEAD: &str = "Het internet van klanten van Acme Telecom werkt weer. Volgens het bedrijf was een defecte router in Amsterdam de oorzaak van de landelijke storing, die ruim vier uur duurde.";

    fn copy_of_the_story(key: &str, url: &str) -> Finding {
        Finding {
            item: Item {
                key: key.into(),
                url: url::Url::parse(url).ok(),
                title: "Storing bij Acme Telecom voorbij".into(),
                text: LEAD.into(),
                author: None,
                published: None,
                rating: None,
                page_link: None,
            },
            hits: vec![FindingHit {
                watch: "acme".into(),
                terms: vec!["Acme Telecom".into()],
                snippet: String::new(),
                sentiment: None,
                deliveries: Vec::new(),
            }],
        }
    }

    fn fetched(source: &str, at: DateTime<Utc>, f: Finding) -> PollRecord {
        PollRecord {
            source: source.into(),
            at,
            outcome: PollOutcome::Fetched {
                validators: Validators::default(),
                cursor: None,
                items: 1,
            },
            findings: vec![f],
        }
    }

    /// issue #15 §4: SQLite's full-text rows are written at the end of each
    /// write (migration 14 dropped the trigger that wrote one per item). On
    /// a database made before it, an item stored then and one stored after
    /// are both found by search, several stored in one write too, and
    /// pruning them all leaves an index that passes FTS5's own check.
    #[test]
    fn issue15_items_stored_before_and_after_migration_14_are_searchable() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("earshot.db");
        let config = Config::parse(
            "[[watch]]\nname = \"acme\"\nterms = [\"Acme Telecom\"]\n\n\
             [[source]]\nname = \"ad\"\nkind = \"feed\"\nurl = \"http://127.0.0.1:1/ad.rss\"\n",
            &dir.path().join("earshot.toml"),
        )
        .expect("config");
        // A database as earshot left it at version 13.
        {
            let conn = rusqlite::Connection::open(&path).expect("open");
            for (sqlite, _) in &crate::store::migrations::MIGRATIONS[..13] {
                conn.execute_batch(sqlite).expect("migration");
            }
            conn.pragma_update(None, "user_version", 13)
                .expect("version");
        }
        let t0 = Utc::now();
        let story = |key: &str, title: &str| {
            let mut f = copy_of_the_story(key, &format!("https://www.ad.nl/{key}/"));
            f.item.title = title.into();
            f.item.text = format!("{title}: {LEAD}");
            fetched("ad", t0, f)
        };
        // Stored through the version 13 trigger, then migrated.
        {
            let conn = rusqlite::Connection::open(&path).expect("open");
            conn.execute_batch(
                "INSERT INTO sources (id, name, kind, url) VALUES (1, 'ad', 'feed', 'x');
                 INSERT INTO items (id, title, text, first_seen_at) VALUES (1, 'Storing Zeeland', 'Acme Telecom in Zeeland', 0);
                 INSERT INTO mentions (item_id, watch, found_at, terms, snippet) VALUES (1, 'acme', 0, '[]', '');",
            )
            .expect("rows at version 13");
        }
        let mut store = Store::open(&crate::config::Database::Sqlite(path.clone())).expect("open");
        store.sync_sources(&config.sources).expect("sync");
        store
            .record_polls(&[
                story("a1", "Storing Utrecht"),
                story("a2", "Storing Groningen"),
            ])
            .expect("record");
        store
            .record_polls(&[story("a3", "Storing Limburg")])
            .expect("record");
        let found = |store: &Store, q: &str| -> Vec<String> {
            let mut titles: Vec<String> = store
                .search(q, &crate::store::MentionFilter::default())
                .expect("search")
                .into_iter()
                .map(|m| m.title)
                .collect();
            titles.sort();
            titles
        };
        assert_eq!(found(&store, "zeeland"), ["Storing Zeeland"]);
        assert_eq!(found(&store, "groningen"), ["Storing Groningen"]);
        assert_eq!(
            found(&store, "storing"),
            [
                "Storing Groningen",
                "Storing Limburg",
                "Storing Utrecht",
                "Storing Zeeland"
            ]
        );
        let integrity = |store: &Store| {
            store.read(|db| {
                db.batch("INSERT INTO items_fts(items_fts, rank) VALUES ('integrity-check', 1)")
            })
        };
        integrity(&store).expect("the index holds every item");
        store.prune(t0 + chrono::Duration::days(1)).expect("prune");
        assert!(found(&store, "storing").is_empty());
        integrity(&store).expect("the index after pruning");
    }

    /// A copy within the syndication window joins the first item; the same
    /// words after it are a new story (a recurring notice).
    #[test]
    fn copies_join_within_the_window_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = Config::parse(
            "[[watch]]\nname = \"acme\"\nterms = [\"Acme Telecom\"]\n\n\
             [[source]]\nname = \"ad\"\nkind = \"feed\"\nurl = \"http://127.0.0.1:1/ad.rss\"\n\n\
             [[source]]\nname = \"parool\"\nkind = \"feed\"\nurl = \"http://127.0.0.1:1/parool.rss\"\n",
            &dir.path().join("earshot.toml"),
        )
        .expect("config");
        for (engine, mut store) in crate::store::testing::stores(dir.path()) {
            store.sync_sources(&config.sources).expect("sync");
            let t0 = Utc::now();
            let new = |store: &mut Store, r: PollRecord| {
                store.record_polls(&[r]).expect("record").concat().len()
            };
            let first = fetched("ad", t0, copy_of_the_story("a1", "https://www.ad.nl/a1/"));
            assert_eq!(new(&mut store, first), 1, "{engine}");
            let two_days = t0 + chrono::Duration::days(2);
            let copy = fetched(
                "parool",
                two_days,
                copy_of_the_story("p1", "https://www.parool.nl/p1/"),
            );
            assert_eq!(
                new(&mut store, copy),
                0,
                "{engine}: a copy two days later is the same story"
            );
            let a_week = t0 + chrono::Duration::days(7);
            let again = fetched(
                "parool",
                a_week,
                copy_of_the_story("p2", "https://www.parool.nl/p2/"),
            );
            assert_eq!(
                new(&mut store, again),
                1,
                "{engine}: the same words a week later are news again"
            );
            let copies = store.copies(1).expect("copies");
            assert_eq!(
                copies,
                [(
                    "parool".to_string(),
                    "https://www.parool.nl/p1/".to_string()
                )],
                "{engine}"
            );
            // A repeat of a known item writes nothing, on either engine.
            let repeat = fetched(
                "ad",
                a_week,
                copy_of_the_story("a1", "https://www.ad.nl/a1/"),
            );
            assert_eq!(new(&mut store, repeat), 0, "{engine}: a repeat");
        }
    }
}

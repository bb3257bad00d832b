//! Reading the inbox back as figures. For `earshot stats` (and `GET
//! /api/stats`): one compact row per mention found since a time (watch,
//! found_at, state, negative, handled_at) and one per (mention, source);
//! grouping into local periods and percentiles happen in `crate::stats`.
//! For the web overview, which shows 90 days of a large inbox: the same
//! figures counted here in one pass over spans of time the caller gives
//! ([`Store::activity`]), so a quarter million rows are not handed over
//! one by one. This module never groups by time zone and never writes.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use super::db::{args, DbResult, Engine, Row, Sql, Value};
use super::triage::State;
use super::{from_db_time, time_at, to_db_time, Result, Store};

/// One mention, as much of it as the figures need.
#[derive(Debug, Clone, PartialEq)]
pub struct StatMention {
    pub watch: String,
    pub found_at: DateTime<Utc>,
    pub state: State,
    pub negative: bool,
    pub handled_at: Option<DateTime<Utc>>,
}

/// One source that saw a mention's item.
#[derive(Debug, Clone, PartialEq)]
pub struct StatSource {
    pub watch: String,
    pub found_at: DateTime<Utc>,
    pub source: String,
}

/// One watch's mentions as [`Store::activity`] counts them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Activity {
    pub watch: String,
    /// The mentions found in each span, in the order of the spans.
    pub spans: Vec<SpanCount>,
    /// Of the mentions found since the window began and handled at least
    /// once: seconds from found to (first) handled, never negative, in no
    /// particular order.
    pub handle_times: Vec<i64>,
    /// Per source (by name; `#id` for one no longer known): the mentions
    /// found since the window began whose item it saw.
    pub sources: BTreeMap<String, u64>,
}

/// How many mentions of a watch were found in a span, and how many of them
/// are negative, handled and ignored (the rest are open: new, assigned or a
/// state this earshot does not know, as in `crate::stats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SpanCount {
    pub mentions: u64,
    pub negative: u64,
    pub handled: u64,
    pub ignored: u64,
}

impl SpanCount {
    /// New or assigned.
    pub fn open(&self) -> u64 {
        self.mentions - self.handled - self.ignored
    }

    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &SpanCount) {
        self.mentions += other.mentions;
        self.negative += other.negative;
        self.handled += other.handled;
        self.ignored += other.ignored;
    }
}

/// The one index the figures read, forced on SQLite (`INDEXED BY`, which
/// PostgreSQL does not have: its planner picks the same index itself).
fn stats_index(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => " INDEXED BY mentions_stats",
        Engine::Postgres => "",
    }
}

/// The columns of a [`StatMention`], for a query over `mentions m`; read by
/// [`stat_mention_row`]. Negative as 1 or 0 on both engines (SQLite's
/// `IS 'negative'` is no comparison on PostgreSQL).
const STAT_COLUMNS: &str = "m.watch, m.found_at, m.state,
    CASE WHEN m.sentiment = 'negative' THEN 1 ELSE 0 END, m.handled_at";

fn stat_mention_row(r: &Row) -> DbResult<StatMention> {
    Ok(StatMention {
        watch: r.get(0)?,
        found_at: from_db_time(r.get(1)?),
        // A state this earshot does not know counts as new (open).
        state: State::parse(&r.get::<String>(2)?),
        negative: r.get(3)?,
        handled_at: time_at(r, 4)?,
    })
}

/// The text in column `i`, borrowed (empty for anything else).
fn text_at(r: &Row, i: usize) -> &str {
    match r.values().get(i) {
        Some(Value::Text(t)) => t,
        _ => "",
    }
}

impl Store {
    /// Mentions found at or after `since`, of the given watches (none: all),
    /// oldest first. Reads only the `mentions_stats` covering index.
    pub fn stat_mentions(
        &self,
        since: DateTime<Utc>,
        watches: &[String],
    ) -> Result<Vec<StatMention>> {
        self.read(|db| {
            let (filter, params) = filter(since, watches);
            let sql = format!(
                "SELECT {STAT_COLUMNS} FROM mentions m{}
                 WHERE m.found_at >= ?1{filter} ORDER BY m.found_at",
                stats_index(db.engine())
            );
            db.query(&sql, &params)?
                .iter()
                .map(stat_mention_row)
                .collect()
        })
    }

    /// The sources of the mentions [`Store::stat_mentions`] returns: one row
    /// per (mention, source that saw its item).
    pub fn stat_sources(
        &self,
        since: DateTime<Utc>,
        watches: &[String],
    ) -> Result<Vec<StatSource>> {
        let names = self.source_names()?;
        self.read(|db| {
            let (filter, params) = filter(since, watches);
            let sql = format!(
                "SELECT m.watch, m.found_at, x.source_id
                 FROM mentions m{}
                 JOIN item_sources x ON x.item_id = m.item_id
                 WHERE m.found_at >= ?1{filter}",
                stats_index(db.engine())
            );
            db.query(&sql, &params)?
                .iter()
                .map(|r| {
                    Ok(StatSource {
                        watch: r.get(0)?,
                        found_at: from_db_time(r.get(1)?),
                        source: source_name(&names, r.get(2)?),
                    })
                })
                .collect()
        })
    }

    /// Every source's name by its id.
    fn source_names(&self) -> Result<HashMap<i64, String>> {
        self.read(|db| {
            db.query("SELECT id, name FROM sources", args![])?
                .iter()
                .map(|r| Ok((r.get(0)?, r.get(1)?)))
                .collect()
        })
    }

    /// Per watch (by name), the mentions found from `bounds[0]` on, counted
    /// per span: `bounds[i]` up to `bounds[i + 1]`, and the last from the
    /// last bound on (`bounds` ascending: as many spans as bounds). Of the
    /// mentions found since `window` (at the earliest `bounds[0]`) also the
    /// times to handle and the sources, as [`Store::stat_mentions`] and
    /// [`Store::stat_sources`] give them one by one. Two passes over the
    /// `mentions_stats` covering index, the rows handed over one at a time
    /// ([`Sql::query_each`]); on SQLite nothing is allocated per mention
    /// but a handle time.
    pub fn activity(
        &self,
        bounds: &[DateTime<Utc>],
        window: DateTime<Utc>,
    ) -> Result<Vec<Activity>> {
        let Some(first) = bounds.first() else {
            return Ok(Vec::new());
        };
        let bounds: Vec<i64> = bounds.iter().map(|b| to_db_time(*b)).collect();
        let first = to_db_time(*first);
        let window = to_db_time(window).max(first);
        let names = self.source_names()?;
        let mut all = self.read(|db| {
            // Built afresh each time: a read runs again after a lost
            // connection.
            let mut watches = Watches::new(bounds.len());
            let index = stats_index(db.engine());
            let mut span = 0;
            db.query_each(
                &format!(
                    "SELECT {STAT_COLUMNS} FROM mentions m{index}
                     WHERE m.found_at >= ?1 ORDER BY m.found_at"
                ),
                args![first],
                &mut |r| {
                    let found: i64 = r.get(1)?;
                    while bounds.get(span + 1).is_some_and(|b| found >= *b) {
                        span += 1;
                    }
                    let w = watches.index(text_at(r, 0));
                    let negative: bool = r.get(3)?;
                    let handled_at: Option<i64> = r.get(4)?;
                    let a = &mut watches.all[w];
                    let c = &mut a.spans[span];
                    c.mentions += 1;
                    c.negative += u64::from(negative);
                    match State::parse(text_at(r, 2)) {
                        State::Handled => c.handled += 1,
                        State::Ignored => c.ignored += 1,
                        State::New | State::Assigned => {}
                    }
                    if let (true, Some(h)) = (found >= window, handled_at) {
                        a.handle_times.push((h - found).max(0));
                    }
                    Ok(())
                },
            )?;
            let mut seen: HashMap<(usize, i64), u64> = HashMap::new();
            db.query_each(
                &format!(
                    "SELECT m.watch, x.source_id
                     FROM mentions m{index}
                     JOIN item_sources x ON x.item_id = m.item_id
                     WHERE m.found_at >= ?1"
                ),
                args![window],
                &mut |r| {
                    let w = watches.index(text_at(r, 0));
                    *seen.entry((w, r.get(1)?)).or_default() += 1;
                    Ok(())
                },
            )?;
            for ((w, source), n) in seen {
                watches.all[w]
                    .sources
                    .insert(source_name(&names, source), n);
            }
            Ok(watches.all)
        })?;
        all.sort_by(|a, b| a.watch.cmp(&b.watch));
        Ok(all)
    }
}

/// A source's name, or `#id` for one no longer in the table.
fn source_name(names: &HashMap<i64, String>, id: i64) -> String {
    names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"))
}

/// The watches [`Store::activity`] has met so far, found by their name
/// without allocating (mentions come in runs of one watch).
struct Watches {
    all: Vec<Activity>,
    spans: usize,
    last: usize,
}

impl Watches {
    fn new(spans: usize) -> Watches {
        Watches {
            all: Vec::new(),
            spans,
            last: 0,
        }
    }

    fn index(&mut self, name: &str) -> usize {
        if self.all.get(self.last).is_some_and(|a| a.watch == name) {
            return self.last;
        }
        self.last = match self.all.iter().position(|a| a.watch == name) {
            Some(i) => i,
            None => {
                self.all.push(Activity {
                    watch: name.to_string(),
                    spans: vec![SpanCount::default(); self.spans],
                    ..Activity::default()
                });
                self.all.len() - 1
            }
        };
        self.last
    }
}

/// The parameters `since` (as `?1`) and the watches, and the filter on the
/// watches.
fn filter(since: DateTime<Utc>, watches: &[String]) -> (String, Vec<Value>) {
    let mut params = vec![Value::Int(to_db_time(since))];
    let mut sql = String::new();
    if !watches.is_empty() {
        let slots: Vec<String> = (2..watches.len() + 2).map(|i| format!("?{i}")).collect();
        sql = format!(" AND m.watch IN ({})", slots.join(", "));
        params.extend(watches.iter().map(Value::from));
    }
    (sql, params)
}

#[cfg(test)]
impl Store {
    /// Writes `mentions` as the poller would have, each on an item of its
    /// own seen by the sources named (created as needed): for tests of
    /// the figures. (Through `read`, which takes `&self` as the tests that
    /// call it have it; the rows go in one transaction all the same.)
    pub(crate) fn insert_stat_rows(&self, mentions: &[(StatMention, Vec<String>)]) -> Result<()> {
        self.read(|db| {
            let mut tx = db.transaction(true)?;
            for (m, sources) in mentions {
                let found = to_db_time(m.found_at);
                let item: i64 = tx.query_value(
                    "INSERT INTO items (title, text, first_seen_at) VALUES ('t', 'x', ?1)
                     RETURNING id",
                    args![found],
                )?;
                for s in sources {
                    tx.execute(
                        "INSERT OR IGNORE INTO sources (name, kind, url) VALUES (?1, 'feed', 'x')",
                        args![s],
                    )?;
                    tx.execute(
                        "INSERT INTO item_sources (item_id, source_id, first_seen_at)
                         SELECT ?1, id, ?2 FROM sources WHERE name = ?3",
                        args![item, found, s],
                    )?;
                }
                tx.execute(
                    "INSERT INTO mentions (item_id, watch, found_at, terms, snippet, sentiment,
                        sentiment_score, state, handled_at)
                     VALUES (?1, ?2, ?3, '[]', '', ?4, ?5, ?6, ?7)",
                    args![
                        item,
                        &m.watch,
                        found,
                        if m.negative { "negative" } else { "neutral" },
                        if m.negative { -0.5 } else { 0.0 },
                        m.state.as_str(),
                        m.handled_at.map(to_db_time),
                    ],
                )?;
            }
            tx.commit()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{figures, Period};

    /// A small xorshift generator: the same rows on every run.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    /// What [`Store::activity`] counts in one pass is what `stats::figures`
    /// makes of the rows `stat_mentions` and `stat_sources` hand over, for
    /// days in UTC (spans of one day) and the window's totals.
    #[test]
    fn activity_counts_what_figures_groups() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (engine, store) in crate::store::testing::stores(dir.path()) {
            check_activity(engine, &store);
        }
    }

    fn check_activity(engine: &str, store: &Store) {
        let day = 86_400;
        let start = 1_790_000_000 / day * day;
        let watches = ["acme", "globex", "initech"];
        let sources = ["nu", "reddit", "hn", "kiyoh"];
        let states = [State::New, State::Assigned, State::Handled, State::Ignored];
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let rows: Vec<(StatMention, Vec<String>)> = (0..600)
            .map(|_| {
                // From two days before the first span to a day after the last.
                let found = start - 2 * day + rng.below(14 * day as u64) as i64;
                let state = states[rng.below(4) as usize];
                let handled = (state == State::Handled || rng.below(10) == 0)
                    .then(|| found - 100 + rng.below(3 * day as u64) as i64);
                let first = rng.below(4) as usize;
                let mut seen = vec![sources[first].to_string()];
                if rng.below(3) == 0 {
                    seen.push(sources[(first + 1) % 4].to_string());
                }
                (
                    StatMention {
                        watch: watches[rng.below(3) as usize].into(),
                        found_at: from_db_time(found),
                        state,
                        negative: rng.below(3) == 0,
                        handled_at: handled.map(from_db_time),
                    },
                    seen,
                )
            })
            .collect();
        store.insert_stat_rows(&rows).expect("rows");

        let bounds: Vec<DateTime<Utc>> = (0..=10).map(|d| from_db_time(start + d * day)).collect();
        let window = bounds[6];
        let activity = store.activity(&bounds, window).expect("activity");

        // Per day: figures' rows by UTC day, the last span all after.
        let mentions = store.stat_mentions(bounds[0], &[]).expect("rows");
        let sources_rows = store.stat_sources(window, &[]).expect("rows");
        // The rows themselves: those inserted from the first bound on,
        // oldest first; of one watch when asked.
        let key = |m: &StatMention| {
            let state = m.state.as_str();
            (m.found_at, m.watch.clone(), state, m.negative, m.handled_at)
        };
        let mut want: Vec<_> = rows
            .iter()
            .map(|(m, _)| m)
            .filter(|m| m.found_at >= bounds[0])
            .map(key)
            .collect();
        let mut got: Vec<_> = mentions.iter().map(key).collect();
        want.sort();
        got.sort();
        assert_eq!(got, want, "{engine}: stat_mentions");
        assert!(
            mentions.windows(2).all(|w| w[0].found_at <= w[1].found_at),
            "{engine}: oldest first"
        );
        let acme = vec!["acme".to_string()];
        let of_acme = store.stat_mentions(bounds[0], &acme).expect("rows");
        assert!(
            !of_acme.is_empty() && of_acme.iter().all(|m| m.watch == "acme"),
            "{engine}"
        );
        let seen_acme: usize = rows
            .iter()
            .filter(|(m, _)| m.watch == "acme" && m.found_at >= window)
            .map(|(_, seen)| seen.len())
            .sum();
        let acme_sources = store.stat_sources(window, &acme).expect("rows");
        assert_eq!(acme_sources.len(), seen_acme, "{engine}: stat_sources");
        let by_day = figures(&mentions, &[], chrono_tz::UTC, Period::Day);
        for a in &activity {
            for (i, c) in a.spans.iter().enumerate() {
                let mut want = SpanCount::default();
                for r in by_day.iter().filter(|r| r.watch == a.watch) {
                    let t = to_db_time(crate::localtime::midnight(r.period, chrono_tz::UTC));
                    let last = i + 1 == bounds.len();
                    let here =
                        t >= to_db_time(bounds[i]) && (last || t < to_db_time(bounds[i + 1]));
                    if here {
                        want.add(&SpanCount {
                            mentions: r.mentions,
                            negative: r.negative,
                            handled: r.handled,
                            ignored: r.ignored,
                        });
                        assert_eq!(r.open, r.mentions - r.handled - r.ignored);
                    }
                }
                assert_eq!(*c, want, "{engine}: {} span {i}", a.watch);
            }
            // The window: its handle times and sources, as the rows give them.
            let mut times: Vec<i64> = mentions
                .iter()
                .filter(|m| m.watch == a.watch && m.found_at >= window)
                .filter_map(|m| m.handled_at.map(|h| (h - m.found_at).num_seconds().max(0)))
                .collect();
            let mut got = a.handle_times.clone();
            times.sort_unstable();
            got.sort_unstable();
            assert_eq!(got, times, "{engine}: {}", a.watch);
            let mut seen = BTreeMap::new();
            for s in sources_rows.iter().filter(|s| s.watch == a.watch) {
                *seen.entry(s.source.clone()).or_insert(0) += 1;
            }
            assert_eq!(a.sources, seen, "{engine}: {}", a.watch);
        }
        let names: Vec<&str> = activity.iter().map(|a| a.watch.as_str()).collect();
        assert_eq!(names, watches, "{engine}");
        let counted: u64 = activity
            .iter()
            .flat_map(|a| &a.spans)
            .map(|c| c.mentions)
            .sum();
        assert_eq!(counted, mentions.len() as u64, "{engine}");
        assert!(
            counted < 600,
            "{engine}: mentions before the first span are left out"
        );
        assert!(
            activity.iter().all(|a| !a.handle_times.is_empty()),
            "{engine}"
        );
    }
}

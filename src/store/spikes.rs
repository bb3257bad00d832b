//! Bursts: when a watch's negative mentions on a route reach its
//! `spike.negatives` within `spike.within`, the route's notifiers get one
//! spike alert, and the rest of that window's negative instant alerts for the
//! watch fold into it (listed in the route's next digest, never sent alone).
//!
//! Each new mention is placed when it is stored, in the transaction that
//! stores it (every write transaction holds the engine's write lock, so
//! daemons sharing a PostgreSQL decide one at a time): alone, folded into the
//! spike whose window is open, or crossing the threshold into a new spike. A
//! crash therefore neither loses nor doubles a spike, and the decision is
//! made once per mention, not once per notifier. The rule itself is
//! [`place`], a pure function of the times involved; nothing here sends.

use chrono::{DateTime, Duration, Utc};

use super::db::{args, DbResult, Row, Sql, Tx};
use super::{count_at, from_db_time, time_at, to_db_time, Mention, PlannedDelivery, Result, Store};

/// A route's spike rule as a negative mention's planned deliveries carry it
/// (`notify::plan` fills it in for instant routes with `spike`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpikeRule {
    pub negatives: u32,
    pub within: Duration,
    /// Where an alert folded into a spike goes: the route's next digest.
    pub digest_at: DateTime<Utc>,
}

/// The newest spike of one route and watch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LastSpike {
    pub id: i64,
    pub ends_at: DateTime<Utc>,
}

/// The negative mentions of the watch already on the route that count
/// towards a new spike (see [`counting_from`]): how many, and the first.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Earlier {
    pub count: u32,
    pub first: Option<DateTime<Utc>>,
}

/// Where a new negative mention found at `at` goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Placement {
    /// Its own alerts, as planned.
    Alone,
    /// Into the spike whose window is open: its alerts fold into it.
    Fold(i64),
    /// It makes the threshold: a new spike whose window runs from the first
    /// counted mention for `within`; its alerts fold into it.
    Crosses { started_at: DateTime<Utc> },
}

/// From when earlier negatives count towards a new spike at `at`: the
/// sliding window `(at − within, at]`, and never a mention that fell in an
/// earlier spike's window (each mention is in one spike at most, so windows
/// never overlap and a burst that goes on past its window needs `negatives`
/// new ones for the next spike).
pub fn counting_from(
    within: Duration,
    at: DateTime<Utc>,
    last: Option<LastSpike>,
) -> DateTime<Utc> {
    let from = at - within + Duration::seconds(1);
    match last {
        Some(l) if l.ends_at > from => l.ends_at,
        _ => from,
    }
}

/// The rule: a mention inside an open spike window folds; one that brings the
/// counted negatives (itself included) to `negatives` starts a spike; any
/// other stands alone. A spike's window is `[started_at, started_at +
/// within)`.
pub fn place(
    rule: &SpikeRule,
    at: DateTime<Utc>,
    last: Option<LastSpike>,
    earlier: Earlier,
) -> Placement {
    match last {
        Some(l) if at < l.ends_at => Placement::Fold(l.id),
        _ if earlier.count.saturating_add(1) >= rule.negatives => Placement::Crosses {
            started_at: earlier.first.map_or(at, |f| f.min(at)),
        },
        _ => Placement::Alone,
    }
}

/// A spike as its alert and the digest show it.
#[derive(Debug, Clone, PartialEq)]
pub struct SpikeSummary {
    pub id: i64,
    pub route: String,
    pub watch: String,
    /// The threshold it crossed.
    pub negatives: u32,
    pub started_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Negative mentions of the watch on the route in the window so far.
    pub count: u32,
    /// Of those, how many were alerted on their own (before the threshold).
    pub alone: u32,
    /// When the newest of them was found.
    pub last_found_at: DateTime<Utc>,
    /// The sources that saw them, most first (at most [`TOP_SOURCES`]).
    pub sources: Vec<(String, u32)>,
    /// The first of them, oldest first (at most [`FIRST_MENTIONS`]).
    pub first: Vec<Mention>,
}

/// How many sources a spike summary names.
pub const TOP_SOURCES: usize = 5;
/// How many mentions a spike summary shows.
pub const FIRST_MENTIONS: usize = 5;

/// The mentions a spike counts: negative mentions of its watch that reached
/// its route, found in its window (`?1` watch, `?2` start, `?3` end, `?4` route).
const IN_SPIKE: &str = "m.watch = ?1 AND m.found_at >= ?2 AND m.found_at < ?3
    AND m.sentiment = 'negative'
    AND EXISTS (SELECT 1 FROM deliveries d WHERE d.mention_id = m.id AND d.route = ?4)";

/// Writes a new mention's deliveries: as planned; or, for a route whose
/// planned deliveries carry a spike rule (a negative mention on an instant
/// route with `spike`), placed by [`place`]. Runs in the write transaction
/// that stores the mention, which holds the engine's write lock (SQLite's
/// `IMMEDIATE`, PostgreSQL's advisory lock), so the check of the open spike
/// and the insert of a new one see every other writer's commit.
pub(super) fn write_deliveries(
    tx: &mut Tx<'_>,
    mention_id: i64,
    watch: &str,
    at: i64,
    planned: &[PlannedDelivery],
) -> DbResult<()> {
    let mut routes: Vec<&str> = Vec::new();
    for d in planned {
        if !routes.contains(&d.route.as_str()) {
            routes.push(&d.route);
        }
    }
    for route in routes {
        let ds: Vec<&PlannedDelivery> = planned.iter().filter(|d| d.route == route).collect();
        let Some(rule) = ds.iter().find_map(|d| d.spike) else {
            for d in ds {
                insert(tx, mention_id, d, d.mode, d.due_at, None, None, at)?;
            }
            continue;
        };
        let found = from_db_time(at);
        let last = tx
            .query_opt(
                "SELECT id, ends_at FROM spikes WHERE route = ?1 AND watch = ?2
                 ORDER BY ends_at DESC, id DESC LIMIT 1",
                args![route, watch],
            )?
            .map(|r| last_spike_row(&r))
            .transpose()?;
        let from = counting_from(rule.within, found, last);
        let earlier = earlier_row(&tx.query_one(
            "SELECT count(*), min(m.found_at) FROM mentions m
             WHERE m.watch = ?1 AND m.found_at >= ?2 AND m.found_at <= ?3 AND m.id <> ?4
               AND m.sentiment = 'negative'
               AND EXISTS (SELECT 1 FROM deliveries d WHERE d.mention_id = m.id AND d.route = ?5)",
            args![watch, to_db_time(from), at, mention_id, route],
        )?)?;
        let spike = match place(&rule, found, last, earlier) {
            Placement::Alone => {
                for d in ds {
                    insert(tx, mention_id, d, d.mode, d.due_at, None, None, at)?;
                }
                continue;
            }
            Placement::Fold(id) => id,
            Placement::Crosses { started_at } => {
                let ends_at = started_at + rule.within;
                let id: i64 = tx.query_value(
                    "INSERT INTO spikes (route, watch, mention_id, negatives, started_at, ends_at, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     RETURNING id",
                    args![
                        route,
                        watch,
                        mention_id,
                        rule.negatives,
                        to_db_time(started_at),
                        to_db_time(ends_at),
                        at
                    ],
                )?;
                for d in &ds {
                    insert(tx, mention_id, d, "spike", d.due_at, Some(id), None, at)?;
                }
                id
            }
        };
        for d in ds {
            insert(
                tx,
                mention_id,
                d,
                "folded",
                rule.digest_at,
                None,
                Some(spike),
                at,
            )?;
        }
    }
    Ok(())
}

fn last_spike_row(r: &Row) -> DbResult<LastSpike> {
    Ok(LastSpike {
        id: r.get(0)?,
        ends_at: from_db_time(r.get(1)?),
    })
}

fn earlier_row(r: &Row) -> DbResult<Earlier> {
    Ok(Earlier {
        count: count_at(r, 0)?,
        first: time_at(r, 1)?,
    })
}

#[expect(
    clippy::too_many_arguments,
    reason = "one row's columns, named at the call"
)]
fn insert(
    tx: &mut Tx<'_>,
    mention_id: i64,
    d: &PlannedDelivery,
    mode: &str,
    due_at: DateTime<Utc>,
    spike_id: Option<i64>,
    folded_into: Option<i64>,
    at: i64,
) -> DbResult<()> {
    tx.execute(
        "INSERT OR IGNORE INTO deliveries
            (mention_id, route, notifier, mode, created_at, due_at, spike_id, folded_into)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        args![
            mention_id,
            &d.route,
            &d.notifier,
            mode,
            at,
            to_db_time(due_at),
            spike_id,
            folded_into
        ],
    )?;
    Ok(())
}

/// A spike's route, watch, threshold and window.
fn spike_head_row(r: &Row) -> DbResult<(String, String, u32, i64, i64)> {
    Ok((r.get(0)?, r.get(1)?, count_at(r, 2)?, r.get(3)?, r.get(4)?))
}

impl Store {
    /// A spike as it stands now, for its alert or a digest; `None` when it
    /// is gone (pruned with its mention).
    pub fn spike(&self, id: i64) -> Result<Option<SpikeSummary>> {
        let Some((mut summary, first)) = self.spike_counts(id)? else {
            return Ok(None);
        };
        summary.first = self.mentions_by_id(&first)?;
        Ok(Some(summary))
    }

    /// A spike's summary without its first mentions (`first` empty), and
    /// the ids of those mentions.
    fn spike_counts(&self, id: i64) -> Result<Option<(SpikeSummary, Vec<i64>)>> {
        self.read(|db| {
            let Some((route, watch, negatives, start, end)) = db
                .query_opt(
                    "SELECT route, watch, negatives, started_at, ends_at FROM spikes WHERE id = ?1",
                    args![id],
                )?
                .map(|r| spike_head_row(&r))
                .transpose()?
            else {
                return Ok(None);
            };
            let in_spike = args![&watch, start, end, &route];
            let (count, last) = db
                .query_one(
                    &format!("SELECT count(*), max(m.found_at) FROM mentions m WHERE {IN_SPIKE}"),
                    in_spike,
                )
                .and_then(|r| Ok((count_at(&r, 0)?, time_at(&r, 1)?)))?;
            let folded = count_at(
                &db.query_one(
                    "SELECT count(DISTINCT mention_id) FROM deliveries
                     WHERE folded_into = ?1 AND route = ?2",
                    args![id, &route],
                )?,
                0,
            )?;
            let sources = db
                .query(
                    &format!(
                        "SELECT s.name, count(DISTINCT m.id) AS n FROM mentions m
                         JOIN item_sources x ON x.item_id = m.item_id JOIN sources s ON s.id = x.source_id
                         WHERE {IN_SPIKE} GROUP BY s.name ORDER BY n DESC, s.name LIMIT {TOP_SOURCES}"
                    ),
                    in_spike,
                )?
                .iter()
                .map(|r| Ok((r.get(0)?, count_at(r, 1)?)))
                .collect::<DbResult<Vec<_>>>()?;
            let first = db
                .query(
                    &format!(
                        "SELECT m.id FROM mentions m WHERE {IN_SPIKE}
                         ORDER BY m.found_at, m.id LIMIT {FIRST_MENTIONS}"
                    ),
                    in_spike,
                )?
                .iter()
                .map(|r| r.get(0))
                .collect::<DbResult<Vec<i64>>>()?;
            let started_at = from_db_time(start);
            Ok(Some((
                SpikeSummary {
                    id,
                    route,
                    watch,
                    negatives,
                    started_at,
                    ends_at: from_db_time(end),
                    count,
                    alone: count.saturating_sub(folded),
                    last_found_at: last.unwrap_or(started_at),
                    sources,
                    first: Vec::new(),
                },
                first,
            )))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(min: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_795_000_000 + min * 60, 0).expect("time")
    }

    fn rule(negatives: u32, minutes: i64) -> SpikeRule {
        SpikeRule {
            negatives,
            within: Duration::minutes(minutes),
            digest_at: t(10_000),
        }
    }

    /// Runs the rule over negative mentions found at `times` (minutes), as
    /// the store does one by one, and says where each went: `a` alone, `s`
    /// crossing into a new spike, `f` folded.
    fn placements(r: &SpikeRule, times: &[i64]) -> String {
        let mut found: Vec<DateTime<Utc>> = Vec::new();
        let mut spikes: Vec<LastSpike> = Vec::new();
        let mut out = String::new();
        for &m in times {
            let at = t(m);
            let last = spikes.last().copied();
            let from = counting_from(r.within, at, last);
            let counted: Vec<DateTime<Utc>> = found
                .iter()
                .filter(|f| **f >= from && **f <= at)
                .copied()
                .collect();
            let earlier = Earlier {
                count: counted.len() as u32,
                first: counted.iter().min().copied(),
            };
            match place(r, at, last, earlier) {
                Placement::Alone => out.push('a'),
                Placement::Fold(id) => {
                    assert_eq!(Some(id), last.map(|l| l.id));
                    out.push('f')
                }
                Placement::Crosses { started_at } => {
                    spikes.push(LastSpike {
                        id: spikes.len() as i64 + 1,
                        ends_at: started_at + r.within,
                    });
                    out.push('s')
                }
            }
            found.push(at);
        }
        out
    }

    #[test]
    fn the_threshold_is_crossed_once_and_the_rest_of_the_window_folds() {
        // Twelve at once, five make a spike: four alone, the fifth crosses,
        // the other seven fold.
        assert_eq!(placements(&rule(5, 30), &[0; 12]), "aaaasfffffff");
        // Spread out but inside 30 minutes.
        assert_eq!(placements(&rule(3, 30), &[0, 10, 20, 25, 29, 31]), "aasffa");
    }

    #[test]
    fn the_window_slides_and_closes() {
        // Never three within 30 minutes: no spike.
        assert_eq!(placements(&rule(3, 30), &[0, 20, 40, 60, 80]), "aaaaa");
        // Exactly `within` apart is outside the window: (at − within, at].
        assert_eq!(placements(&rule(2, 30), &[0, 30]), "aa");
        assert_eq!(placements(&rule(2, 30), &[0, 29]), "as");
        // The spike's window runs from its first mention (minute 10) for 30
        // minutes: minute 39 folds, minute 40 stands alone again, and the
        // folded ones do not count towards the next spike.
        assert_eq!(
            placements(&rule(3, 30), &[10, 20, 30, 39, 40, 41, 50]),
            "aasfaas"
        );
    }

    /// Through the real store: negative findings recorded at explicit times,
    /// deliveries planned by `notify::plan` as the poller plans them.
    mod stored {
        use super::*;
        use crate::config::Config;
        use crate::http::Validators;
        use crate::sources::Item;
        use crate::store::{
            DeliveryFilter, DeliveryRow, Finding, FindingHit, PollOutcome, PollRecord,
            StoredSentiment,
        };

        struct Db {
            engine: &'static str,
            store: Store,
            config: Config,
            next: usize,
        }

        /// The same config, and a store with its sources on each engine (the
        /// SQLite file in the returned dir).
        fn dbs(route_extra: &str) -> (tempfile::TempDir, Vec<Db>) {
            let dir = tempfile::tempdir().expect("tempdir");
            let config = Config::parse(
                &format!(
                    "[[watch]]\nname = \"acme\"\nterms = [\"Acme Telecom\"]\n\n\
                     [[source]]\nname = \"forum\"\nkind = \"feed\"\nurl = \"http://127.0.0.1:1/f.rss\"\n\n\
                     [[notifier]]\nname = \"chat\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:1/hook\"\n\n\
                     [[notifier]]\nname = \"ops\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:1/ops\"\n\n\
                     [[route]]\nname = \"burst\"\nwatch = \"acme\"\nnotify = [\"chat\", \"ops\"]\n{route_extra}"
                ),
                &dir.path().join("earshot.toml"),
            )
            .expect("config");
            let dbs = crate::store::testing::stores(dir.path())
                .into_iter()
                .map(|(engine, mut store)| {
                    store.sync_sources(&config.sources).expect("sync");
                    Db {
                        engine,
                        store,
                        config: config.clone(),
                        next: 0,
                    }
                })
                .collect();
            (dir, dbs)
        }

        impl Db {
            /// `n` negative mentions of acme found at `at`, in one poll.
            fn found(&mut self, n: usize, at: DateTime<Utc>) {
                let findings = (0..n)
                    .map(|_| {
                        self.next += 1;
                        let i = self.next;
                        Finding {
                            item: Item {
                                key: format!("k{i}"),
                                url: url::Url::parse(&format!("https://forum.example/t/{i}")).ok(),
                                title: format!("Acme Telecom storing nummer {i}"),
                                text: format!("Alweer geen internet, dag {i}"),
                                author: None,
                                published: None,
                                rating: None,
                                page_link: None,
                            },
                            hits: vec![FindingHit {
                                watch: "acme".into(),
                                terms: vec!["Acme Telecom".into()],
                                snippet: String::new(),
                                sentiment: Some(StoredSentiment {
                                    label: "negative".into(),
                                    score: -0.8,
                                    lang: "nl".into(),
                                    reasons: Vec::new(),
                                }),
                                deliveries: crate::notify::plan::plan(
                                    &self.config.routes,
                                    "acme",
                                    Some("negative"),
                                    at,
                                    chrono_tz::Europe::Amsterdam,
                                ),
                            }],
                        }
                    })
                    .collect();
                let record = PollRecord {
                    source: "forum".into(),
                    at,
                    outcome: PollOutcome::Fetched {
                        validators: Validators::default(),
                        cursor: None,
                        items: n,
                    },
                    findings,
                };
                self.store.record_polls(&[record]).expect("record");
            }

            /// Each delivery to `chat`, oldest first, as `mode` or
            /// `mode>spike` (folded into) or `mode<spike` (announcing).
            fn chat(&self) -> Vec<String> {
                let mut rows: Vec<DeliveryRow> = self
                    .store
                    .deliveries(&DeliveryFilter::default())
                    .expect("deliveries");
                rows.retain(|r| r.notifier == "chat");
                rows.reverse();
                rows.iter()
                    .map(|r| match (r.folded_into, r.spike_id) {
                        (Some(s), _) => format!("{}>{s}", r.mode),
                        (_, Some(s)) => format!("{}<{s}", r.mode),
                        _ => r.mode.clone(),
                    })
                    .collect()
            }
        }

        /// A spike opens at the threshold, later negatives in its window fold
        /// into it, and after the window a new one opens: on both engines.
        #[test]
        fn a_burst_is_one_spike_per_notifier_and_the_window_closes() {
            let (_dir, dbs) = dbs("spike = { negatives = 3, within = \"10m\" }\n");
            for mut db in dbs {
                let engine = db.engine;
                let t0 = t(0);
                db.found(5, t0);
                assert_eq!(
                    db.chat(),
                    ["instant", "instant", "spike<1", "folded>1", "folded>1", "folded>1"],
                    "{engine}"
                );
                // The other notifier of the route has the same spike, once.
                let all = db
                    .store
                    .deliveries(&DeliveryFilter::default())
                    .expect("rows");
                assert_eq!(
                    all.iter().filter(|r| r.mode == "spike").count(),
                    2,
                    "{engine}"
                );
                let alert = all.iter().find(|r| r.mode == "spike").expect("spike alert");
                assert_eq!(
                    alert.title, "spike #1: 3 or more negative mentions of acme",
                    "{engine}"
                );
                // Inside the window: folded into the same spike.
                db.found(1, t0 + Duration::minutes(9));
                assert_eq!(
                    db.chat().last().map(String::as_str),
                    Some("folded>1"),
                    "{engine}"
                );
                let (s, first) = db.store.spike_counts(1).expect("spike").expect("exists");
                assert_eq!((s.count, s.alone, s.negatives), (6, 2, 3), "{engine}");
                assert_eq!(s.started_at, t0, "{engine}");
                assert_eq!(s.ends_at, t0 + Duration::minutes(10), "{engine}");
                assert_eq!(s.last_found_at, t0 + Duration::minutes(9), "{engine}");
                assert_eq!(s.sources, [("forum".to_string(), 6)], "{engine}");
                assert_eq!(first, [1, 2, 3, 4, 5], "{engine}");
                // The mentions themselves are read by `Store::mention`
                // (query.rs), on SQLite only until that is written for
                // PostgreSQL too.
                if engine == "SQLite" {
                    let s = db.store.spike(1).expect("spike").expect("exists");
                    assert_eq!(s.first.len(), FIRST_MENTIONS);
                    assert_eq!(s.first[0].title, "Acme Telecom storing nummer 1");
                }
                // The window has closed: alone again, then a new spike.
                db.found(3, t0 + Duration::minutes(10));
                assert_eq!(
                    db.chat()[7..],
                    ["instant", "instant", "spike<2", "folded>2"],
                    "{engine}"
                );
                let (s2, _) = db.store.spike_counts(2).expect("spike").expect("exists");
                assert_eq!((s2.count, s2.alone), (3, 2), "{engine}");
                assert_eq!(db.store.spike_counts(3).expect("spike"), None, "{engine}");
            }
        }

        #[test]
        fn without_a_spike_rule_every_alert_stands_alone() {
            let (_dir, dbs) = dbs("");
            for mut db in dbs {
                db.found(5, t(0));
                assert_eq!(db.chat(), ["instant"; 5], "{}", db.engine);
            }
        }

        #[test]
        fn the_cap_notice_is_queued_once_an_hour_per_route_and_watch() {
            let (_dir, dbs) = dbs("max_per_hour = 1\n");
            for mut db in dbs {
                let engine = db.engine;
                let now = t(0);
                db.found(4, now);
                let ids = |db: &Db| -> Vec<i64> {
                    let mut rows = db
                        .store
                        .deliveries(&DeliveryFilter::default())
                        .expect("rows");
                    rows.retain(|r| r.mode == "instant" && r.notifier == "chat");
                    rows.iter().map(|r| r.id).collect()
                };
                let notifiers = ["chat".to_string(), "ops".to_string()];
                let held = ids(&db);
                let digest = now + Duration::hours(1);
                assert!(
                    db.store
                        .hold_back("burst", "acme", &held[1..3], digest, &notifiers, now)
                        .expect("hold"),
                    "{engine}"
                );
                // Another lane, or a later pass in the hour: no second notice.
                assert!(
                    !db.store
                        .hold_back(
                            "burst",
                            "acme",
                            &held[3..],
                            digest,
                            &notifiers,
                            now + Duration::minutes(59)
                        )
                        .expect("hold"),
                    "{engine}"
                );
                let rows = db
                    .store
                    .deliveries(&DeliveryFilter::default())
                    .expect("rows");
                let notices: Vec<&DeliveryRow> =
                    rows.iter().filter(|r| r.mode == "notice").collect();
                assert_eq!(notices.len(), 2, "{engine}: one per notifier");
                assert_eq!(
                    notices[0].title, "notice: max_per_hour reached for watch acme",
                    "{engine}"
                );
                assert_eq!(notices[0].due_at, now, "{engine}: a notice is due at once");
                let digests: Vec<&DeliveryRow> =
                    rows.iter().filter(|r| r.mode == "digest").collect();
                assert_eq!(digests.len(), 3, "{engine}");
                assert!(
                    digests.iter().all(|r| r.due_at == digest),
                    "{engine}: held back until the digest"
                );
                // An hour on, holding back again tells again.
                db.found(1, now + Duration::minutes(61));
                let more = ids(&db);
                assert!(
                    db.store
                        .hold_back(
                            "burst",
                            "acme",
                            &more[more.len() - 1..],
                            digest,
                            &notifiers,
                            now + Duration::minutes(61)
                        )
                        .expect("hold"),
                    "{engine}"
                );
            }
        }
    }

    #[test]
    fn a_later_burst_gives_a_new_spike() {
        let times: Vec<i64> = [0, 1, 2, 3, 4]
            .into_iter()
            .chain([120, 121, 122, 123])
            .collect();
        assert_eq!(placements(&rule(3, 30), &times), "aasffaasf");
    }
}

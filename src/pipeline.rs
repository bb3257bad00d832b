//! One poll of one source, end to end: fetch → parse → match → store.
//!
//! This is the glue the scheduler calls on every tick and `earshot poll` calls
//! once. The CPU-bound part (parsing, matching) runs on a blocking thread; the
//! outcome, good or bad, is recorded in the store, so one broken source only
//! ever affects its own row.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use chrono::Utc;
use tokio::sync::Notify;

use crate::config::{CompiledWatches, Config, MatchMode, Source};
use crate::http::{Http, Validators};
use crate::learn::Slot;
use crate::matcher::{Hit, Matcher};
use crate::notify::plan::plan;
use crate::sentiment::Analyzer;
use crate::sources::{self, Item, ParseSlots, SourceError};
use crate::store::writer::Writer;
use crate::store::{
    Finding, FindingHit, PollOutcome, PollRecord, SourceState, StoreError, StoredSentiment,
};

/// Bodies smaller than this are parsed on the thread that fetched them.
const INLINE_PARSE: usize = 256 * 1024;

/// Everything a poll needs, shared by all sources.
#[derive(Clone)]
pub struct Poller {
    http: Http,
    analysis: Arc<Analysis>,
    writer: Writer,
    /// Bounds parsing and matching to one source per core (more threads would
    /// not go faster and each would hold its own allocator arena), large
    /// bodies to all cores but one.
    cpu: Arc<ParseSlots>,
    /// Woken when a poll creates mentions (and so, maybe, deliveries).
    new_mentions: Arc<Notify>,
}

/// The pure stages after parsing: which watches an item mentions.
pub struct Analysis {
    /// The watch list as config compiled it at load.
    watches: Arc<CompiledWatches>,
    watch_names: Vec<String>,
    /// Per source name, the watches its items are matched against, and how.
    sources: HashMap<String, SourceWatches>,
    routes: Vec<crate::config::Route>,
    tz: chrono_tz::Tz,
    /// Built on first use: a poll that finds nothing (or only 304s) never pays
    /// for the lexicons.
    sentiment: std::sync::OnceLock<Analyzer>,
    /// The learned model beside the rules, swapped by the daemon's learner.
    learned: Arc<Slot>,
}

impl Analysis {
    pub fn new(config: &Config, learned: Arc<Slot>) -> Analysis {
        let watch_names: Vec<String> = config.watches.iter().map(|w| w.name.clone()).collect();
        let sources = config
            .sources
            .iter()
            .map(|s| (s.name.clone(), SourceWatches::new(config, s)))
            .collect();
        Analysis {
            watches: config.compiled.clone(),
            watch_names,
            sources,
            routes: config.routes.clone(),
            tz: config.daemon.timezone,
            sentiment: std::sync::OnceLock::new(),
            learned,
        }
    }

    /// How items of source `source` are matched.
    fn rule(&self, source: &str) -> &SourceWatches {
        self.sources.get(source).unwrap_or(&SourceWatches::Any)
    }

    /// The [`sources::Screen`] of source `source`: whether an item written
    /// as `fields` could be one of its findings.
    pub fn could_mention(&self, source: &str, fields: &[&str]) -> bool {
        self.rule(source)
            .could_mention(&self.watches.matcher, fields)
    }

    /// The findings among `items` of source `source`.
    pub fn findings(&self, source: &str, items: Vec<Item>) -> Vec<Finding> {
        let rule = self.rule(source);
        let now = Utc::now();
        items
            .into_iter()
            .filter_map(|item| {
                let hits = rule.hits(&self.watches.matcher, &item.title, &item.text);
                if hits.is_empty() {
                    return None;
                }
                // Scored per watch: every watch has rules of its own (at
                // least its terms as names).
                let text = format!("{}\n{}", item.title, item.text);
                let scorer = self.sentiment.get_or_init(Analyzer::new);
                let model = self.learned.get();
                let hits: Vec<FindingHit> = hits
                    .into_iter()
                    .map(|h| {
                        let watch = &self.watch_names[h.watch];
                        let rules = self.watches.custom.get(h.watch);
                        let s =
                            scorer.analyze_with(&text, None, item.rating, rules, model.as_deref());
                        FindingHit {
                            deliveries: plan(
                                &self.routes,
                                watch,
                                Some(s.label.as_str()),
                                now,
                                self.tz,
                            ),
                            watch: watch.clone(),
                            terms: h.terms,
                            snippet: h.snippet,
                            sentiment: Some(StoredSentiment {
                                label: s.label.as_str().to_string(),
                                score: s.score,
                                lang: s.lang.as_str().to_string(),
                                reasons: s.reasons,
                            }),
                        }
                    })
                    .collect();
                (!hits.is_empty()).then_some(Finding { item, hits })
            })
            .collect()
    }
}

/// Which watches one source's items are matched against, and how: the
/// poller and `earshot preview` both ask this, so they agree.
#[derive(Debug, Clone)]
pub enum SourceWatches {
    /// Every watch, by its terms: a source that names none.
    Any,
    /// The watches the source names (indexes), by their terms.
    Only(Vec<usize>),
    /// `match = "all"`: every item is a mention of each of these watches
    /// that no exclusion of its own vetoes.
    All(Vec<usize>),
}

impl SourceWatches {
    pub fn new(config: &Config, source: &Source) -> SourceWatches {
        let Some(list) = &source.watches else {
            return SourceWatches::Any;
        };
        let only = list
            .iter()
            .filter_map(|n| config.watches.iter().position(|w| &w.name == n))
            .collect();
        match source.matching {
            MatchMode::Terms => SourceWatches::Only(only),
            MatchMode::All => SourceWatches::All(only),
        }
    }

    /// Whether an item written as `fields` (HTML, before it is text) could
    /// be a mention: every item of a `match = "all"` source is; otherwise
    /// the matcher decides ([`Matcher::could_mention`]).
    pub fn could_mention(&self, matcher: &Matcher, fields: &[&str]) -> bool {
        match self {
            SourceWatches::All(_) => true,
            SourceWatches::Any | SourceWatches::Only(_) => matcher.could_mention(fields),
        }
    }

    /// The watches an item with `title` and `text` is a mention of.
    pub fn hits(&self, matcher: &Matcher, title: &str, text: &str) -> Vec<Hit> {
        match self {
            SourceWatches::Any => matcher.find(title, text),
            SourceWatches::Only(only) => {
                let mut hits = matcher.find(title, text);
                hits.retain(|h| only.contains(&h.watch));
                hits
            }
            SourceWatches::All(watches) => matcher.find_all(title, text, watches),
        }
    }
}

/// What one poll did, for the scheduler and the command line.
#[derive(Debug)]
pub struct PollReport {
    pub outcome: PollOutcome,
    /// The mentions it created.
    pub new_mentions: Vec<i64>,
}

impl Poller {
    pub fn new(
        config: &Config,
        writer: Writer,
        new_mentions: Arc<Notify>,
        learned: Arc<Slot>,
    ) -> anyhow::Result<Poller> {
        Ok(Poller {
            http: Http::new(&config.http)?,
            analysis: Arc::new(Analysis::new(config, learned)),
            writer,
            new_mentions,
            cpu: Arc::new(ParseSlots::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
        })
    }

    /// Polls `source` once and records the outcome. Only a store failure is an
    /// error here; a source's own failure is recorded and reported as
    /// [`PollOutcome::Failed`].
    pub async fn poll(
        &self,
        source: &Source,
        state: &SourceState,
    ) -> Result<PollReport, StoreError> {
        let started = std::time::Instant::now();
        let (outcome, findings) = match self.fetch_and_analyse(source, state).await {
            Ok(None) => (PollOutcome::NotModified, Vec::new()),
            Ok(Some((validators, cursor, items, findings))) => (
                PollOutcome::Fetched {
                    validators,
                    cursor,
                    items,
                },
                findings,
            ),
            Err(e) => {
                tracing::warn!(source = %source.name, error = %e, "poll failed");
                let retry_after = match &e {
                    SourceError::Fetch(f) => f.retry_after(),
                    _ => None,
                };
                (
                    PollOutcome::Failed {
                        error: e.to_string(),
                        retry_after,
                    },
                    Vec::new(),
                )
            }
        };
        let record = PollRecord {
            source: source.name.clone(),
            at: Utc::now(),
            outcome: outcome.clone(),
            findings,
        };
        let created = self.writer.record(record).await?;
        if !created.is_empty() {
            self.new_mentions.notify_one();
        }
        let m = &crate::metrics::METRICS;
        m.observe_poll(started.elapsed());
        m.mentions
            .fetch_add(created.len() as u64, Ordering::Relaxed);
        match &outcome {
            PollOutcome::NotModified => m.polls_not_modified.fetch_add(1, Ordering::Relaxed),
            PollOutcome::Fetched { items, .. } => {
                m.items.fetch_add(*items as u64, Ordering::Relaxed);
                tracing::debug!(source = %source.name, items, new = created.len(), "polled");
                m.polls_ok.fetch_add(1, Ordering::Relaxed)
            }
            PollOutcome::Failed { .. } => m.polls_failed.fetch_add(1, Ordering::Relaxed),
        };
        Ok(PollReport {
            outcome,
            new_mentions: created,
        })
    }

    async fn fetch_and_analyse(
        &self,
        source: &Source,
        state: &SourceState,
    ) -> Result<Option<(Validators, Option<String>, usize, Vec<Finding>)>, SourceError> {
        let polled = sources::poll(
            &self.http,
            source,
            &state.validators,
            state.cursor.as_deref(),
            &self.cpu,
        )
        .await?;
        let Some(polled) = polled else {
            return Ok(None);
        };
        let bytes = polled.items.bytes();
        let _cpu = self.cpu.acquire(bytes).await;
        let analysis = self.analysis.clone();
        let name = source.name.clone();
        let items = polled.items;
        let work = move || {
            let screen = |fields: &[&str]| analysis.could_mention(&name, fields);
            let parsed = items.parse(&screen)?;
            Ok::<_, SourceError>((parsed.seen, analysis.findings(&name, parsed.items)))
        };
        // A small body is read where it arrived: about a millisecond of work,
        // cheaper than waking a thread of the blocking pool and back (the
        // parse slots keep at most one such parse per core). A large one
        // would hold up the other polls on this thread: it goes there.
        let crashed = |why: String| SourceError::Parse {
            kind: source.kind().as_str(),
            message: format!("parsing crashed: {why}"),
        };
        let (count, findings) = if bytes < INLINE_PARSE {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                .map_err(|p| crashed(panic_text(p.as_ref())))??
        } else {
            tokio::task::spawn_blocking(work)
                .await
                .map_err(|e| crashed(e.to_string()))??
        };
        // Only now may the next body come in: parsed items waiting for the
        // CPU count against the same bound as bodies.
        drop(polled.slot);
        Ok(Some((polled.validators, polled.cursor, count, findings)))
    }

    /// Fetches and parses one source without storing anything (from its
    /// start: no validators, no cursor).
    pub async fn preview(http: &Http, source: &Source) -> Result<Vec<Item>, SourceError> {
        let cpu = ParseSlots::new(1);
        let Some(polled) = sources::poll(http, source, &Validators::default(), None, &cpu).await?
        else {
            return Ok(Vec::new());
        };
        let items = polled.items;
        tokio::task::spawn_blocking(move || items.parse(sources::KEEP_ALL).map(|p| p.items))
            .await
            .map_err(|e| SourceError::Parse {
                kind: source.kind().as_str(),
                message: format!("parsing crashed: {e}"),
            })?
    }
}

/// A panic's message, as the blocking pool's join error would give it.
fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

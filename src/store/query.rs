//! Reading mentions and source health back out, for the command line.

use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params_from_iter, OptionalExtension, Row};

use super::db::Sql;
use super::polls::{StoredRating, StoredSentiment};
use super::triage::{State, Triage, TRIAGE_COLUMNS};
use super::{from_db_time, sq_time_at, to_db_time, Result, Store, StoreError};

/// A mention as the user sees it: one item matched by one watch.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Mention {
    pub id: i64,
    pub watch: String,
    pub sources: Vec<String>,
    pub url: Option<String>,
    pub canonical_url: Option<String>,
    pub title: String,
    pub text: String,
    pub author: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub found_at: DateTime<Utc>,
    pub terms: Vec<String>,
    pub snippet: String,
    pub sentiment: Option<StoredSentiment>,
    /// A review's own rating (`{"value": 2, "worst": 1, "best": 5}` in JSON).
    pub rating: Option<StoredRating>,
    /// Where it stands in the team's inbox (state, assignee, label, tags).
    #[serde(flatten)]
    pub triage: Triage,
}

/// Filters shared by `mentions list` and `mentions search`.
#[derive(Debug, Clone, Default)]
pub struct MentionFilter {
    pub watches: Vec<String>,
    pub sources: Vec<String>,
    pub since: Option<DateTime<Utc>>,
    /// Any of these sentiment labels (none: all, unscored ones too).
    pub sentiments: Vec<String>,
    /// Any of these states (none: all).
    pub states: Vec<State>,
    pub assignee: Option<String>,
    pub tag: Option<String>,
    pub label: Option<String>,
    pub limit: Option<usize>,
    /// Rows to skip before the first listed (paging; with or without a limit).
    pub offset: usize,
    pub order: MentionOrder,
}

/// The order mentions are listed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MentionOrder {
    /// Newest found first.
    #[default]
    Newest,
    /// Lowest sentiment score first (unscored last), then newest.
    MostNegative,
}

/// One mention with its notes and history: `mentions show --format json`
/// and `GET /api/mentions/{id}`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MentionDetail {
    #[serde(flatten)]
    pub mention: Mention,
    pub notes: Vec<super::Note>,
    pub history: Vec<super::Event>,
}

/// One source's health, for `earshot sources`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SourceReport {
    pub name: String,
    pub kind: String,
    pub url: String,
    pub last_poll_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_status: Option<String>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    pub failing_since: Option<DateTime<Utc>>,
    pub consecutive_failures: i64,
    pub polls: i64,
    pub items: i64,
    pub mentions: i64,
}

impl SourceReport {
    /// A configured source the database has no row for yet.
    pub fn never_polled(name: String, kind: String, url: String) -> SourceReport {
        SourceReport {
            name,
            kind,
            url,
            last_poll_at: None,
            last_success_at: None,
            last_status: None,
            last_error: None,
            last_error_at: None,
            failing_since: None,
            consecutive_failures: 0,
            polls: 0,
            items: 0,
            mentions: 0,
        }
    }
}

/// The first columns of every mention query; [`TRIAGE_COLUMNS`] follow at 19.
const MENTION_COLUMNS: &str = "m.id, m.watch, i.url, i.canonical_url, i.title, i.text, i.author,
    i.published_at, m.found_at, m.terms, m.snippet, m.sentiment, m.sentiment_score, m.lang,
    m.sentiment_reasons,
    (SELECT group_concat(s.name, char(31)) FROM item_sources x JOIN sources s ON s.id = x.source_id
      WHERE x.item_id = i.id),
    i.rating_value, i.rating_worst, i.rating_best";

fn mention_from_row(r: &Row<'_>) -> rusqlite::Result<Mention> {
    let terms: String = r.get(9)?;
    let sentiment = match r.get::<_, Option<String>>(11)? {
        Some(label) => Some(StoredSentiment {
            label,
            score: r.get::<_, Option<f64>>(12)?.unwrap_or(0.0) as f32,
            lang: r.get::<_, Option<String>>(13)?.unwrap_or_default(),
            reasons: r
                .get::<_, Option<String>>(14)?
                .and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or_default(),
        }),
        None => None,
    };
    let sources: Option<String> = r.get(15)?;
    let mut sources: Vec<String> = sources
        .map(|s| s.split('\u{1f}').map(str::to_string).collect())
        .unwrap_or_default();
    sources.sort();
    let rating = match (r.get(16)?, r.get(17)?, r.get(18)?) {
        (Some(value), Some(worst), Some(best)) => Some(StoredRating { value, worst, best }),
        _ => None,
    };
    let triage = Triage::from_row(r, 19)?;
    Ok(Mention {
        id: r.get(0)?,
        watch: r.get(1)?,
        url: r.get(2)?,
        canonical_url: r.get(3)?,
        title: r.get(4)?,
        text: r.get(5)?,
        author: r.get(6)?,
        published_at: r.get::<_, Option<i64>>(7)?.map(from_db_time),
        found_at: from_db_time(r.get(8)?),
        terms: serde_json::from_str(&terms).unwrap_or_default(),
        snippet: r.get(10)?,
        sentiment,
        rating,
        sources,
        triage,
    })
}

impl Store {
    /// Mentions newest first, filtered.
    pub fn mentions(&self, filter: &MentionFilter) -> Result<Vec<Mention>> {
        self.query_mentions(None, filter)
    }

    /// Mentions whose item's title or text matches the full-text `query`,
    /// newest first. Words are ANDed; `"a phrase"`, `OR`, `NOT` and `prefix*`
    /// work as in SQLite FTS5; other punctuation is treated as part of a phrase.
    pub fn search(&self, query: &str, filter: &MentionFilter) -> Result<Vec<Mention>> {
        self.query_mentions(Some(&fts_query(query)), filter)
    }

    /// One mention with its notes and history.
    pub fn mention_detail(&self, id: i64) -> Result<MentionDetail> {
        Ok(MentionDetail {
            mention: self.mention(id)?,
            notes: self.notes(id)?,
            history: self.history(id)?,
        })
    }

    pub fn mention(&self, id: i64) -> Result<Mention> {
        let sql = format!(
            "SELECT {MENTION_COLUMNS}, {TRIAGE_COLUMNS}
             FROM mentions m JOIN items i ON i.id = m.item_id WHERE m.id = ?1"
        );
        self.conn()
            .query_row(&sql, [id], mention_from_row)
            .optional()
            .map_err(self.sqlite_err())?
            .ok_or(StoreError::NoSuchMention(id))
    }

    /// The other places a mention's story was seen (syndicated copies and
    /// differently tagged links): each source with the URL it saw, where
    /// that differs from the stored link, first seen first.
    pub fn copies(&self, id: i64) -> Result<Vec<(String, String)>> {
        self.read(|db| {
            db.query(
                "SELECT s.name, x.url FROM mentions m
                   JOIN items i ON i.id = m.item_id
                   JOIN item_sources x ON x.item_id = i.id
                   JOIN sources s ON s.id = x.source_id
                 WHERE m.id = ?1 AND x.url IS NOT NULL AND x.url IS DISTINCT FROM i.url
                 ORDER BY x.first_seen_at, s.name",
                super::db::args![id],
            )?
            .iter()
            .map(|r| Ok((r.get(0)?, r.get(1)?)))
            .collect()
        })
    }

    fn query_mentions(&self, fts: Option<&str>, f: &MentionFilter) -> Result<Vec<Mention>> {
        let (sql, args) = mentions_sql(fts, f);
        let e = self.sqlite_err();
        let conn = self.conn();
        let mut stmt = conn.prepare(&sql).map_err(&e)?;
        let rows = stmt
            .query_map(params_from_iter(args), mention_from_row)
            .map_err(&e)?;
        rows.collect::<std::result::Result<_, _>>().map_err(e)
    }

    /// Every source's health and counts, by name. The mention count is
    /// the one kept on the source's row (migration 11), not a count over
    /// every item it saw.
    pub fn source_reports(&self) -> Result<Vec<SourceReport>> {
        let e = self.sqlite_err();
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT s.name, s.kind, s.url, s.last_poll_at, s.last_success_at, s.last_status,
                    s.last_error, s.last_error_at, s.failing_since, s.consecutive_failures, s.polls,
                    s.last_items, s.mention_count
                 FROM sources s ORDER BY s.name",
            )
            .map_err(&e)?;
        let rows = stmt.query_map([], source_report_row).map_err(&e)?;
        rows.collect::<std::result::Result<_, _>>().map_err(e)
    }
}

/// The query listing mentions by `f` (and the full-text query `fts`), and
/// its arguments.
fn mentions_sql(fts: Option<&str>, f: &MentionFilter) -> (String, Vec<Value>) {
    // The filters read only `mentions m`. With a limit, they pick the
    // ids first and only those rows get their columns: otherwise SQLite
    // sorts every match with its per-row subqueries evaluated (100k open
    // mentions of a million: 100 ms instead of 1 ms).
    let mut filters = String::new();
    let mut args: Vec<Value> = Vec::new();
    if let Some(q) = fts {
        filters.push_str(" AND m.item_id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)");
        args.push(Value::Text(q.to_string()));
    }
    if !f.watches.is_empty() {
        filters.push_str(&format!(
            " AND m.watch IN ({})",
            placeholders(f.watches.len())
        ));
        args.extend(f.watches.iter().cloned().map(Value::Text));
    }
    if !f.sources.is_empty() {
        filters.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM item_sources x JOIN sources s ON s.id = x.source_id
               WHERE x.item_id = m.item_id AND s.name IN ({}))",
            placeholders(f.sources.len())
        ));
        args.extend(f.sources.iter().cloned().map(Value::Text));
    }
    if let Some(since) = f.since {
        filters.push_str(" AND m.found_at >= ?");
        args.push(Value::Integer(to_db_time(since)));
    }
    if !f.sentiments.is_empty() {
        filters.push_str(&format!(
            " AND m.sentiment IN ({})",
            placeholders(f.sentiments.len())
        ));
        args.extend(f.sentiments.iter().cloned().map(Value::Text));
    }
    if !f.states.is_empty() {
        filters.push_str(&format!(
            " AND m.state IN ({})",
            placeholders(f.states.len())
        ));
        args.extend(f.states.iter().map(|s| Value::Text(s.as_str().into())));
    }
    if let Some(a) = &f.assignee {
        filters.push_str(" AND m.assignee = ?");
        args.push(Value::Text(a.clone()));
    }
    if let Some(t) = &f.tag {
        filters.push_str(
            " AND EXISTS (SELECT 1 FROM mention_tags t WHERE t.mention_id = m.id AND t.tag = ?)",
        );
        args.push(Value::Text(t.clone()));
    }
    if let Some(l) = &f.label {
        filters.push_str(" AND m.label = ?");
        args.push(Value::Text(l.clone()));
    }
    let order = match f.order {
        MentionOrder::Newest => " ORDER BY m.found_at DESC, m.id DESC",
        // Exactly the columns of `mentions_state_score` (migration 11): under
        // a state filter SQLite reads each state's part of that index in
        // this order and stops after a page, rather than sorting them all.
        MentionOrder::MostNegative => {
            " ORDER BY m.sentiment_score IS NULL, m.sentiment_score, m.found_at DESC, m.id DESC"
        }
    };
    let sql = match (f.limit, f.offset) {
        (None, 0) => format!(
            "SELECT {MENTION_COLUMNS}, {TRIAGE_COLUMNS}
             FROM mentions m JOIN items i ON i.id = m.item_id WHERE 1=1{filters}{order}"
        ),
        (limit, offset) => {
            // SQLite's LIMIT -1 is no limit.
            let limit = limit.map_or(-1, |l| l.min(i64::MAX as usize) as i64);
            args.push(Value::Integer(limit));
            args.push(Value::Integer(offset.min(i64::MAX as usize) as i64));
            format!(
                "SELECT {MENTION_COLUMNS}, {TRIAGE_COLUMNS}
                 FROM mentions m JOIN items i ON i.id = m.item_id
                 WHERE m.id IN (SELECT m.id FROM mentions m WHERE 1=1{filters}{order} LIMIT ? OFFSET ?)
                 {order}"
            )
        }
    };
    (sql, args)
}

fn source_report_row(r: &Row<'_>) -> rusqlite::Result<SourceReport> {
    Ok(SourceReport {
        name: r.get(0)?,
        kind: r.get(1)?,
        url: r.get(2)?,
        last_poll_at: sq_time_at(r, 3)?,
        last_success_at: sq_time_at(r, 4)?,
        last_status: r.get(5)?,
        last_error: r.get(6)?,
        last_error_at: sq_time_at(r, 7)?,
        failing_since: sq_time_at(r, 8)?,
        consecutive_failures: r.get(9)?,
        polls: r.get(10)?,
        items: r.get(11)?,
        mentions: r.get(12)?,
    })
}

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// Makes a user's search words safe for FTS5: plain words and quoted phrases
/// pass, `AND`/`OR`/`NOT` pass where they stand between two terms, and anything
/// else (punctuation, a dangling operator, a lone `*`) becomes a quoted phrase.
fn fts_query(q: &str) -> String {
    enum Tok {
        Term(String),
        Op(&'static str),
    }
    let quote = |w: &str| format!("\"{}\"", w.replace('"', ""));
    let mut toks = Vec::new();
    let mut rest = q.trim();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('"') {
            let end = after.find('"').unwrap_or(after.len());
            let phrase = &after[..end];
            if !phrase.trim().is_empty() {
                toks.push(Tok::Term(quote(phrase)));
            }
            rest = after.get(end + 1..).unwrap_or("").trim_start();
            continue;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..end];
        rest = rest[end..].trim_start();
        let stem = word.strip_suffix('*').unwrap_or(word);
        let plain = !stem.is_empty() && stem.chars().all(|c| c.is_alphanumeric() || c == '_');
        toks.push(match word {
            "AND" => Tok::Op("AND"),
            "OR" => Tok::Op("OR"),
            "NOT" => Tok::Op("NOT"),
            _ if plain => Tok::Term(word.to_string()),
            _ => match quote(word).as_str() {
                "\"\"" | "\"*\"" => continue,
                q => Tok::Term(q.to_string()),
            },
        });
    }
    let mut out: Vec<String> = Vec::with_capacity(toks.len());
    for (i, t) in toks.iter().enumerate() {
        match t {
            Tok::Term(w) => out.push(w.clone()),
            Tok::Op(op) => {
                let after_term = i > 0 && matches!(toks[i - 1], Tok::Term(_));
                let before_term = matches!(toks.get(i + 1), Some(Tok::Term(_)));
                if after_term && before_term {
                    out.push(op.to_string());
                } else {
                    out.push(quote(op));
                }
            }
        }
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("t.db")).expect("open");
        (dir, store)
    }

    /// "Most negative first" over the open mentions (the inbox's sort)
    /// reads `mentions_state_score` in its order instead of sorting every
    /// open mention.
    #[test]
    fn most_negative_first_reads_the_state_score_index() {
        let (_dir, store) = store();
        for filter in [
            MentionFilter {
                states: vec![State::New, State::Assigned],
                order: MentionOrder::MostNegative,
                limit: Some(51),
                ..MentionFilter::default()
            },
            MentionFilter {
                states: vec![State::Handled],
                order: MentionOrder::MostNegative,
                limit: Some(51),
                offset: 1000,
                ..MentionFilter::default()
            },
        ] {
            let (sql, args) = mentions_sql(None, &filter);
            let conn = store.conn();
            let mut stmt = conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .expect("explain");
            let plan: Vec<String> = stmt
                .query_map(params_from_iter(args), |r| r.get(3))
                .expect("plan")
                .collect::<rusqlite::Result<_>>()
                .expect("plan rows");
            assert!(
                plan.iter()
                    .any(|p| p.contains("USING COVERING INDEX mentions_state_score (state=?)")),
                "{filter:?}: {plan:#?}"
            );
        }
    }

    /// Each source's mention count, kept on its row by migration 11's
    /// triggers, is what counting over the items it saw gives, through
    /// every change: a new mention, a second watch on an item, a second
    /// source seeing an item, a mention or item deleted (retention), a
    /// mention or sighting moved.
    #[test]
    fn source_mention_counts_stay_what_a_join_counts() {
        let (_dir, store) = store();
        let check = |step: &str| {
            let counted: Vec<(String, i64)> = store
                .conn()
                .prepare(
                    "SELECT s.name, (SELECT count(*) FROM item_sources x
                        JOIN mentions m ON m.item_id = x.item_id WHERE x.source_id = s.id)
                     FROM sources s ORDER BY s.name",
                )
                .expect("prepare")
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .expect("query")
                .collect::<rusqlite::Result<_>>()
                .expect("rows");
            let kept: Vec<(String, i64)> = store
                .source_reports()
                .expect("reports")
                .into_iter()
                .map(|r| (r.name, r.mentions))
                .collect();
            assert_eq!(kept, counted, "after {step}");
        };
        let run = |step: &str, sql: &str| {
            store.conn().execute_batch(sql).expect(step);
            check(step);
        };
        run(
            "sources and items",
            "INSERT INTO sources (id, name, kind, url) VALUES (1, 'a', 'feed', 'x'), (2, 'b', 'feed', 'x'), (3, 'c', 'feed', 'x');
             INSERT INTO items (id, title, text, first_seen_at) VALUES (1, 't', 'x', 0), (2, 't', 'x', 0), (3, 't', 'x', 0);",
        );
        run(
            "sightings, then mentions",
            "INSERT INTO item_sources (item_id, source_id, first_seen_at) VALUES (1, 1, 0), (2, 1, 0), (2, 2, 0);
             INSERT INTO mentions (id, item_id, watch, found_at, terms, snippet) VALUES
                (1, 1, 'acme', 0, '[]', ''), (2, 2, 'acme', 0, '[]', ''), (3, 2, 'globex', 0, '[]', '');",
        );
        run(
            "a mention, then its sighting",
            "INSERT INTO mentions (id, item_id, watch, found_at, terms, snippet) VALUES (4, 3, 'acme', 5, '[]', '');
             INSERT INTO item_sources (item_id, source_id, first_seen_at) VALUES (3, 3, 5), (1, 3, 5);",
        );
        run(
            "a repeat sighting (ignored)",
            "INSERT OR IGNORE INTO item_sources (item_id, source_id, first_seen_at) VALUES (2, 2, 9);",
        );
        run("a mention deleted", "DELETE FROM mentions WHERE id = 3;");
        run(
            "a mention moved to another item",
            "UPDATE mentions SET item_id = 3, watch = 'hooli' WHERE id = 2;",
        );
        run(
            "a sighting moved",
            "UPDATE item_sources SET source_id = 2 WHERE item_id = 1 AND source_id = 1;",
        );
        run(
            "retention",
            "DELETE FROM mentions WHERE found_at < 1;
             DELETE FROM items WHERE NOT EXISTS (SELECT 1 FROM mentions m WHERE m.item_id = items.id);",
        );
        run("an item deleted", "DELETE FROM items WHERE id = 3;");
        let left: i64 = store
            .conn()
            .query_row("SELECT sum(mention_count) FROM sources", [], |r| r.get(0))
            .expect("sum");
        assert_eq!(left, 0);
    }

    #[test]
    fn fts_queries_are_made_safe() {
        assert_eq!(fts_query("storing acme"), "storing acme");
        assert_eq!(fts_query("bol.com"), "\"bol.com\"");
        assert_eq!(
            fts_query("\"geen reactie\" OR wacht*"),
            "\"geen reactie\" OR wacht*"
        );
        assert_eq!(fts_query("a\"b"), "\"ab\"");
        assert_eq!(fts_query("\"unclosed"), "\"unclosed\"");
        // Operators that stand where FTS5 would reject them are taken literally.
        assert_eq!(fts_query("NOT storing"), "\"NOT\" storing");
        assert_eq!(fts_query("storing OR"), "storing \"OR\"");
        assert_eq!(fts_query("AND"), "\"AND\"");
        assert_eq!(fts_query("a OR OR b"), "a \"OR\" \"OR\" b");
        assert_eq!(fts_query("* storing"), "storing");
    }
}

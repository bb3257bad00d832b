//! Reading mentions and source health back out, for the command line.

use chrono::{DateTime, Utc};

use super::db::{args, DbResult, Engine, Row, Sql, Value};
use super::polls::{StoredRating, StoredSentiment};
use super::triage::{triage_row, State, Triage, TRIAGE_COLUMNS};
use super::{from_db_time, time_at, to_db_time, Result, Store, StoreError};

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

/// The first columns of every mention query; [`TRIAGE_COLUMNS`] follow at
/// 19. Names are joined with U+001F in the literal (`string_agg` and a
/// literal read the same on both engines; `char(31)` is SQLite's only).
const MENTION_COLUMNS: &str = "m.id, m.watch, i.url, i.canonical_url, i.title, i.text, i.author,
    i.published_at, m.found_at, m.terms, m.snippet, m.sentiment, m.sentiment_score, m.lang,
    m.sentiment_reasons,
    (SELECT string_agg(s.name, '\u{1f}') FROM item_sources x JOIN sources s ON s.id = x.source_id
      WHERE x.item_id = i.id),
    i.rating_value, i.rating_worst, i.rating_best";

fn mention_row(r: &Row) -> DbResult<Mention> {
    let terms: String = r.get(9)?;
    let sentiment = match r.get::<Option<String>>(11)? {
        Some(label) => Some(StoredSentiment {
            label,
            score: r.get::<Option<f64>>(12)?.unwrap_or(0.0) as f32,
            lang: r.get::<Option<String>>(13)?.unwrap_or_default(),
            reasons: r
                .get::<Option<String>>(14)?
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
    Ok(Mention {
        id: r.get(0)?,
        watch: r.get(1)?,
        url: r.get(2)?,
        canonical_url: r.get(3)?,
        title: r.get(4)?,
        text: r.get(5)?,
        author: r.get(6)?,
        published_at: time_at(r, 7)?,
        found_at: from_db_time(r.get(8)?),
        terms: serde_json::from_str(&terms).unwrap_or_default(),
        snippet: r.get(10)?,
        sentiment,
        rating,
        sources,
        triage: triage_row(r, 19)?,
    })
}

impl Store {
    /// Mentions newest first, filtered.
    pub fn mentions(&self, filter: &MentionFilter) -> Result<Vec<Mention>> {
        self.query_mentions(None, filter)
    }

    /// Mentions whose item's title or text matches the full-text `query`,
    /// newest first. Words are ANDed; `"a phrase"`, `OR`, `NOT` and `prefix*`
    /// work as in SQLite FTS5; other punctuation is treated as part of a
    /// phrase. Accents and case never matter. The same on both engines
    /// ([`Search`]); a query with no word in it finds nothing.
    pub fn search(&self, query: &str, filter: &MentionFilter) -> Result<Vec<Mention>> {
        let search = Search::parse(query);
        if search.tree().is_none() {
            return Ok(Vec::new());
        }
        self.query_mentions(Some(&search), filter)
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
        self.read(|db| {
            db.query_opt(&sql, args![id])?
                .as_ref()
                .map(mention_row)
                .transpose()
        })?
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
                args![id],
            )?
            .iter()
            .map(|r| Ok((r.get(0)?, r.get(1)?)))
            .collect()
        })
    }

    fn query_mentions(&self, search: Option<&Search>, f: &MentionFilter) -> Result<Vec<Mention>> {
        self.read(|db| {
            let (sql, params) = mentions_sql(db.engine(), search, f);
            db.query(&sql, &params)?.iter().map(mention_row).collect()
        })
    }

    /// Every source's health and counts, by name. The mention count is
    /// the one kept on the source's row (migration 11), not a count over
    /// every item it saw.
    pub fn source_reports(&self) -> Result<Vec<SourceReport>> {
        self.read(|db| {
            db.query(
                "SELECT s.name, s.kind, s.url, s.last_poll_at, s.last_success_at, s.last_status,
                    s.last_error, s.last_error_at, s.failing_since, s.consecutive_failures, s.polls,
                    s.last_items, s.mention_count
                 FROM sources s ORDER BY s.name",
                args![],
            )?
            .iter()
            .map(source_report_row)
            .collect()
        })
    }
}

/// A statement's parameters as it is built, each written `?N`.
#[derive(Default)]
struct Params(Vec<Value>);

impl Params {
    /// Adds one parameter; its placeholder.
    fn add(&mut self, v: impl Into<Value>) -> String {
        self.0.push(v.into());
        format!("?{}", self.0.len())
    }

    /// Adds each of `vs`; their placeholders, comma-separated.
    fn list<V: Into<Value>>(&mut self, vs: impl IntoIterator<Item = V>) -> String {
        vs.into_iter()
            .map(|v| self.add(v))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The query listing mentions by `f` (and the full-text `search`), and its
/// parameters. Only the full-text match differs between the engines:
/// SQLite's FTS5 table against PostgreSQL's `tsvector` column.
fn mentions_sql(
    engine: Engine,
    search: Option<&Search>,
    f: &MentionFilter,
) -> (String, Vec<Value>) {
    // The filters read only `mentions m`. With a limit, they pick the
    // ids first and only those rows get their columns: otherwise SQLite
    // sorts every match with its per-row subqueries evaluated (100k open
    // mentions of a million: 100 ms instead of 1 ms).
    let mut filters = String::new();
    let mut p = Params::default();
    if let Some(q) = search {
        filters.push_str(&match engine {
            Engine::Sqlite => format!(
                " AND m.item_id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH {})",
                p.add(q.fts5())
            ),
            Engine::Postgres => format!(
                " AND m.item_id IN (SELECT f.id FROM items f WHERE f.search @@ to_tsquery('simple', {}))",
                p.add(q.tsquery())
            ),
        });
    }
    if !f.watches.is_empty() {
        filters.push_str(&format!(" AND m.watch IN ({})", p.list(&f.watches)));
    }
    if !f.sources.is_empty() {
        filters.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM item_sources x JOIN sources s ON s.id = x.source_id
               WHERE x.item_id = m.item_id AND s.name IN ({}))",
            p.list(&f.sources)
        ));
    }
    if let Some(since) = f.since {
        filters.push_str(&format!(" AND m.found_at >= {}", p.add(to_db_time(since))));
    }
    if !f.sentiments.is_empty() {
        filters.push_str(&format!(" AND m.sentiment IN ({})", p.list(&f.sentiments)));
    }
    if !f.states.is_empty() {
        let states = p.list(f.states.iter().map(|s| s.as_str()));
        filters.push_str(&format!(" AND m.state IN ({states})"));
    }
    if let Some(a) = &f.assignee {
        filters.push_str(&format!(" AND m.assignee = {}", p.add(a)));
    }
    if let Some(t) = &f.tag {
        filters.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM mention_tags t WHERE t.mention_id = m.id AND t.tag = {})",
            p.add(t)
        ));
    }
    if let Some(l) = &f.label {
        filters.push_str(&format!(" AND m.label = {}", p.add(l)));
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
            // No limit is the largest one (SQLite's -1 is none on SQLite
            // only).
            let limit = p.add(limit.map_or(i64::MAX, |l| l.min(i64::MAX as usize) as i64));
            let offset = p.add(offset);
            format!(
                "SELECT {MENTION_COLUMNS}, {TRIAGE_COLUMNS}
                 FROM mentions m JOIN items i ON i.id = m.item_id
                 WHERE m.id IN (SELECT m.id FROM mentions m WHERE 1=1{filters}{order} LIMIT {limit} OFFSET {offset})
                 {order}"
            )
        }
    };
    (sql, p.0)
}

fn source_report_row(r: &Row) -> DbResult<SourceReport> {
    Ok(SourceReport {
        name: r.get(0)?,
        kind: r.get(1)?,
        url: r.get(2)?,
        last_poll_at: time_at(r, 3)?,
        last_success_at: time_at(r, 4)?,
        last_status: r.get(5)?,
        last_error: r.get(6)?,
        last_error_at: time_at(r, 7)?,
        failing_since: time_at(r, 8)?,
        consecutive_failures: r.get(9)?,
        polls: r.get(10)?,
        items: r.get(11)?,
        mentions: r.get(12)?,
    })
}

/// A user's full-text search, parsed once and written for either engine:
/// [`Search::fts5`] for SQLite's FTS5, [`Search::tsquery`] for PostgreSQL.
/// Plain words and quoted phrases are terms; `AND`, `OR` and `NOT` are
/// operators where they stand between two terms, and words elsewhere; any
/// other word with punctuation is a phrase of the words in it.
#[derive(Debug, Clone, PartialEq)]
struct Search(Vec<Part>);

/// A term or an operator; an operator always stands between two terms.
#[derive(Debug, Clone, PartialEq)]
enum Part {
    Term(Term),
    Op(Op),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    And,
    Or,
    Not,
}

impl Op {
    fn word(self) -> &'static str {
        match self {
            Op::And => "AND",
            Op::Or => "OR",
            Op::Not => "NOT",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Term {
    /// As typed, without `"`.
    text: String,
    /// Only letters, digits and `_`: FTS5 reads it as it is, any other is
    /// quoted.
    bare: bool,
    /// `wacht*`: its last word is a prefix (a bare term only).
    prefix: bool,
}

impl Term {
    fn word(word: &str) -> Term {
        let stem = word.strip_suffix('*').unwrap_or(word);
        if !stem.is_empty() && stem.chars().all(|c| c.is_alphanumeric() || c == '_') {
            Term {
                text: stem.to_string(),
                bare: true,
                prefix: stem.len() < word.len(),
            }
        } else {
            Term::phrase(word)
        }
    }

    fn phrase(text: &str) -> Term {
        Term {
            text: text.replace('"', ""),
            bare: false,
            prefix: false,
        }
    }

    /// The term in PostgreSQL's `tsquery` syntax, folded and cut into
    /// words as an item's text is ([`super::search_words`]), each quoted;
    /// `None` for a term without a word (FTS5 leaves such a term out).
    fn tsquery(&self) -> Option<String> {
        let words = super::search_words(&self.text);
        let last = words.len().checked_sub(1)?;
        let lexemes: Vec<String> = words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let star = if self.prefix && i == last { ":*" } else { "" };
                format!("'{}'{star}", w.replace('\\', "\\\\").replace('\'', "''"))
            })
            .collect();
        Some(match lexemes.len() {
            1 => lexemes.concat(),
            _ => format!("({})", lexemes.join(" <-> ")),
        })
    }
}

/// A search as FTS5 reads it: runs of terms without an operator between
/// them bind tightest (`a NOT b c` is `a NOT (b AND c)`), then `NOT`, then
/// `AND`, then `OR`, each from the left; a term without a word is left out
/// with the operator that joins it (`a NOT "..."` is `a`, `"..." NOT a` is
/// nothing).
#[derive(Debug, Clone, PartialEq)]
enum Node {
    /// A term as `tsquery` text.
    Term(String),
    All(Vec<Node>),
    Any(Vec<Node>),
    /// The first without the second.
    Without(Box<Node>, Box<Node>),
}

impl Node {
    fn all(mut nodes: Vec<Node>) -> Option<Node> {
        match nodes.len() {
            0 | 1 => nodes.pop(),
            _ => Some(Node::All(nodes)),
        }
    }

    fn any(mut nodes: Vec<Node>) -> Option<Node> {
        match nodes.len() {
            0 | 1 => nodes.pop(),
            _ => Some(Node::Any(nodes)),
        }
    }

    fn tsquery(&self) -> String {
        let join = |nodes: &[Node], op: &str| {
            let parts: Vec<String> = nodes.iter().map(Node::tsquery).collect();
            format!("({})", parts.join(op))
        };
        match self {
            Node::Term(t) => t.clone(),
            Node::All(nodes) => join(nodes, " & "),
            Node::Any(nodes) => join(nodes, " | "),
            Node::Without(a, b) => format!("({} & !{})", a.tsquery(), b.tsquery()),
        }
    }
}

impl Search {
    /// Parses what a user typed; nothing in it is an error. Plain words and
    /// quoted phrases pass, `AND`/`OR`/`NOT` pass where they stand between
    /// two terms, and anything else (punctuation, a dangling operator, a
    /// lone `*`) becomes a quoted phrase.
    fn parse(q: &str) -> Search {
        enum Tok {
            Term(Term),
            Op(Op),
        }
        let mut toks = Vec::new();
        let mut rest = q.trim();
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('"') {
                let end = after.find('"').unwrap_or(after.len());
                let phrase = &after[..end];
                if !phrase.trim().is_empty() {
                    toks.push(Tok::Term(Term::phrase(phrase)));
                }
                rest = after.get(end + 1..).unwrap_or("").trim_start();
                continue;
            }
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let word = &rest[..end];
            rest = rest[end..].trim_start();
            toks.push(match word {
                "AND" => Tok::Op(Op::And),
                "OR" => Tok::Op(Op::Or),
                "NOT" => Tok::Op(Op::Not),
                _ => match Term::word(word) {
                    t if t.text.is_empty() || t.text == "*" => continue,
                    t => Tok::Term(t),
                },
            });
        }
        let mut parts = Vec::with_capacity(toks.len());
        for (i, t) in toks.iter().enumerate() {
            parts.push(match t {
                Tok::Term(t) => Part::Term(t.clone()),
                Tok::Op(op) => {
                    let after_term = i > 0 && matches!(toks[i - 1], Tok::Term(_));
                    let before_term = matches!(toks.get(i + 1), Some(Tok::Term(_)));
                    if after_term && before_term {
                        Part::Op(*op)
                    } else {
                        Part::Term(Term::phrase(op.word()))
                    }
                }
            });
        }
        Search(parts)
    }

    /// The search in FTS5's syntax (SQLite).
    fn fts5(&self) -> String {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|p| match p {
                Part::Term(t) if t.bare => format!("{}{}", t.text, if t.prefix { "*" } else { "" }),
                Part::Term(t) => format!("\"{}\"", t.text),
                Part::Op(op) => op.word().to_string(),
            })
            .collect();
        parts.join(" ")
    }

    /// The search as FTS5 reads it, terms without a word left out as FTS5
    /// leaves them out; `None` when nothing is left (it matches nothing).
    fn tree(&self) -> Option<Node> {
        // Groups (runs of terms) and the operators between them alternate.
        let mut groups = Vec::new();
        let mut ops = Vec::new();
        let mut parts = self.0.iter().peekable();
        while parts.peek().is_some() {
            let mut group = Vec::new();
            while let Some(Part::Term(t)) = parts.peek() {
                group.extend(t.tsquery().map(Node::Term));
                parts.next();
            }
            groups.push(Node::all(group));
            if let Some(Part::Op(op)) = parts.next() {
                ops.push(*op);
            }
        }
        let mut groups = groups.into_iter();
        let mut current = groups.next().flatten();
        let mut all = Vec::new();
        let mut any = Vec::new();
        for (op, group) in ops.into_iter().zip(groups) {
            match op {
                Op::Not => {
                    current = match (current, group) {
                        (Some(a), Some(b)) => Some(Node::Without(Box::new(a), Box::new(b))),
                        (a, _) => a,
                    }
                }
                Op::And => all.extend(std::mem::replace(&mut current, group)),
                Op::Or => {
                    all.extend(std::mem::replace(&mut current, group));
                    any.extend(Node::all(std::mem::take(&mut all)));
                }
            }
        }
        all.extend(current);
        any.extend(Node::all(all));
        Node::any(any)
    }

    /// The search in PostgreSQL's `tsquery` syntax, for `to_tsquery('simple',
    /// …)` over [`super::search_text`]'s words; empty when it matches
    /// nothing.
    fn tsquery(&self) -> String {
        self.tree().map(|n| n.tsquery()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::http::Validators;
    use crate::sources::Item;
    use crate::store::testing::stores;
    use crate::store::{Change, Finding, FindingHit, Label, PollOutcome, PollRecord};

    /// The items of the tests below: (watch, title, text, sentiment score).
    const ITEMS: [(&str, &str, &str, Option<f32>); 9] = [
        (
            "acme",
            "Grote storing bij Acme Telecom: duizenden klanten zonder internet",
            "Sinds vanochtend werkt niets.",
            Some(-0.8),
        ),
        (
            "acme",
            "Weer een Acme Tel storing in Rotterdam",
            "Al de derde keer deze maand.",
            Some(-0.4),
        ),
        (
            "ns",
            "NS-storing legt treinverkeer rond Utrecht plat",
            "Reizigers moeten omrijden.",
            Some(-0.6),
        ),
        (
            "bol",
            "Bestelling bij bol.com al twee weken onderweg",
            "De klantenservice reageert niet.",
            Some(-0.2),
        ),
        ("bol", "PAKKETJE VAN BOL.COM KWIJT", "Geen reactie.", None),
        (
            "klm",
            "Mijn KLM-vlucht naar Bali is geannuleerd",
            "Wat nu, @KLM?",
            Some(-0.9),
        ),
        (
            "cafe",
            "Lange review van een avondje uit",
            "De crème brûlée was heerlijk.",
            Some(0.7),
        ),
        (
            "cafe",
            "ÉÉN KLACHT OVER DE BEDIENING",
            "Ober was onbeleefd.",
            Some(-0.3),
        ),
        ("cafe", "Creme brulee zonder oven", "Een recept.", Some(0.2)),
    ];

    /// A minute after `T0` per item, in the order of [`ITEMS`].
    const T0: i64 = 1_790_000_000;

    /// Each engine's store with [`ITEMS`] polled from `nu`, one a minute,
    /// the first and the fourth also seen by `reddit`: mention ids 1 to 9.
    fn polled(dir: &std::path::Path) -> Vec<(&'static str, Store)> {
        let config = Config::parse(
            "[[watch]]\nname = \"acme\"\nterms = [\"acme\"]\n\n\
             [[source]]\nname = \"nu\"\nkind = \"feed\"\nurl = \"http://127.0.0.1:1/nu.rss\"\n\n\
             [[source]]\nname = \"reddit\"\nkind = \"feed\"\nurl = \"http://127.0.0.1:1/r.rss\"\n",
            &dir.join("earshot.toml"),
        )
        .expect("config");
        let mut all = stores(dir);
        for (engine, store) in &mut all {
            store.sync_sources(&config.sources).expect("sync");
            for (i, (watch, title, text, score)) in ITEMS.iter().enumerate() {
                let at = from_db_time(T0 + 60 * i as i64);
                let ids = store
                    .record_polls(&[poll("nu", at, finding(i, watch, title, text, *score))])
                    .expect("record");
                assert_eq!(ids, [[i as i64 + 1]], "{engine}: mention ids");
            }
            for i in [0, 3] {
                let (watch, title, text, score) = ITEMS[i];
                let at = from_db_time(T0 + 3600);
                let again = poll("reddit", at, finding(i, watch, title, text, score));
                let ids = store.record_polls(&[again]).expect("record");
                assert_eq!(ids, [Vec::<i64>::new()], "{engine}: the same story");
            }
        }
        all
    }

    fn finding(i: usize, watch: &str, title: &str, text: &str, score: Option<f32>) -> Finding {
        Finding {
            item: Item {
                key: format!("k{i}"),
                url: url::Url::parse(&format!("https://example.nl/{i}")).ok(),
                title: title.into(),
                text: text.into(),
                author: None,
                published: None,
                rating: None,
                page_link: None,
            },
            hits: vec![FindingHit {
                watch: watch.into(),
                terms: vec![watch.into()],
                snippet: String::new(),
                sentiment: score.map(|score| StoredSentiment {
                    label: if score < 0.0 { "negative" } else { "positive" }.into(),
                    score,
                    lang: "nl".into(),
                    reasons: Vec::new(),
                }),
                deliveries: Vec::new(),
            }],
        }
    }

    fn poll(source: &str, at: DateTime<Utc>, f: Finding) -> PollRecord {
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

    /// The numbers (1-based, as in [`ITEMS`]) of the mentions listed, in
    /// their order.
    fn numbers(found: &[Mention]) -> Vec<i64> {
        found.iter().map(|m| m.id).collect()
    }

    /// Every case of the documented search syntax finds the same mentions
    /// on both engines: words ANDed, phrases, OR, NOT (binding a run of
    /// words as FTS5 does), prefixes, punctuation as part of a phrase,
    /// operators where they cannot stand as words, terms without a word
    /// left out as FTS5 leaves them out; accents and case never matter,
    /// in the query or in the text.
    #[test]
    fn issue16_search_syntax_on_both_engines() {
        let cases: &[(&str, &[i64])] = &[
            ("storing", &[1, 2, 3]),
            ("STORING", &[1, 2, 3]),
            ("storing*", &[1, 2, 3]),
            ("_storing", &[1, 2, 3]),
            ("klantenservice", &[4]),
            ("bol.com", &[4, 5]),
            ("bol", &[4, 5]),
            ("BOL.COM kwijt", &[5]),
            ("@KLM", &[6]),
            ("KLM-vlucht", &[6]),
            ("vlucht-KLM", &[]),
            ("ns-storing", &[3]),
            ("creme brulee", &[7, 9]),
            ("CRÈME BRÛLÉE", &[7, 9]),
            ("crème", &[7, 9]),
            ("één klacht", &[8]),
            ("EEN KLACHT", &[8]),
            ("een", &[2, 7, 8, 9]),
            ("\"zonder internet\"", &[1]),
            ("\"internet zonder\"", &[]),
            ("\"zonder", &[1, 9]),
            ("geannul*", &[6]),
            ("GEANNUL*", &[6]),
            ("geannul", &[]),
            ("storing OR bestelling", &[1, 2, 3, 4]),
            ("acme AND storing", &[1, 2]),
            ("storing NOT rotterdam", &[1, 3]),
            ("storing NOT rotterdam utrecht", &[1, 2, 3]),
            ("storing NOT rotterdam OR bali", &[1, 3, 6]),
            ("storing rotterdam OR bali", &[2, 6]),
            ("bali OR storing rotterdam", &[2, 6]),
            ("NOT storing", &[]),
            ("storing OR", &[]),
            ("kwijt'", &[5]),
            ("'kwijt", &[5]),
            ("kwijt\\", &[5]),
            ("it's", &[]),
            ("acme \"...\"", &[1, 2]),
            ("\"...\" NOT acme", &[]),
            ("storing NOT \"...\"", &[1, 2, 3]),
            ("bestelling OR \"...\"", &[4]),
            ("\"...\" OR bestelling", &[4]),
            ("***", &[]),
            ("", &[]),
            ("vliegtuigmaaltijd", &[]),
        ];
        let dir = tempfile::tempdir().expect("tempdir");
        for (engine, store) in polled(dir.path()) {
            for (query, want) in cases {
                let found = store
                    .search(query, &MentionFilter::default())
                    .unwrap_or_else(|e| panic!("{engine}: search {query:?}: {e}"));
                let mut got = numbers(&found);
                got.sort_unstable();
                assert_eq!(got, *want, "{engine}: search {query:?}");
            }
            // With the list's filters, newest first.
            let acme = MentionFilter {
                watches: vec!["acme".into(), "ns".into()],
                ..MentionFilter::default()
            };
            let found = store.search("storing", &acme).expect("search");
            assert_eq!(numbers(&found), [3, 2, 1], "{engine}");
            let page = MentionFilter {
                limit: Some(1),
                offset: 1,
                ..MentionFilter::default()
            };
            let found = store.search("storing", &page).expect("search");
            assert_eq!(numbers(&found), [2], "{engine}");
        }
    }

    /// Every filter of `mentions list` (and the inbox) selects the same
    /// mentions on both engines, in the same order, with the same fields.
    #[test]
    fn issue16_list_filters_on_both_engines() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (engine, mut store) in polled(dir.path()) {
            let at = from_db_time(T0 + 7200);
            let mut change = |ids: &[i64], c: Change| {
                store.triage(ids, &c, "sanne", at).expect("triage");
            };
            change(&[1], Change::Handle { note: None });
            change(&[2], Change::Assign { to: "joost".into() });
            change(&[3], Change::Ignore { note: None });
            change(
                &[4, 6],
                Change::Tag {
                    tag: "urgent".into(),
                    remove: false,
                },
            );
            change(&[5], Change::Label(Label::Complaint));
            let list = |f: MentionFilter| numbers(&store.mentions(&f).expect("mentions"));
            let all = MentionFilter::default();
            assert_eq!(list(all.clone()), [9, 8, 7, 6, 5, 4, 3, 2, 1], "{engine}");
            let cases: Vec<(&str, MentionFilter, Vec<i64>)> = vec![
                (
                    "watches",
                    MentionFilter {
                        watches: vec!["acme".into(), "klm".into()],
                        ..all.clone()
                    },
                    vec![6, 2, 1],
                ),
                (
                    "a source",
                    MentionFilter {
                        sources: vec!["reddit".into()],
                        ..all.clone()
                    },
                    vec![4, 1],
                ),
                (
                    "since",
                    MentionFilter {
                        since: Some(from_db_time(T0 + 6 * 60)),
                        ..all.clone()
                    },
                    vec![9, 8, 7],
                ),
                (
                    "sentiments",
                    MentionFilter {
                        sentiments: vec!["positive".into()],
                        ..all.clone()
                    },
                    vec![9, 7],
                ),
                (
                    "states",
                    MentionFilter {
                        states: vec![State::Handled, State::Ignored],
                        ..all.clone()
                    },
                    vec![3, 1],
                ),
                (
                    "assignee",
                    MentionFilter {
                        assignee: Some("joost".into()),
                        ..all.clone()
                    },
                    vec![2],
                ),
                (
                    "tag",
                    MentionFilter {
                        tag: Some("urgent".into()),
                        ..all.clone()
                    },
                    vec![6, 4],
                ),
                (
                    "label",
                    MentionFilter {
                        label: Some("complaint".into()),
                        ..all.clone()
                    },
                    vec![5],
                ),
                (
                    "a page",
                    MentionFilter {
                        limit: Some(3),
                        offset: 2,
                        ..all.clone()
                    },
                    vec![7, 6, 5],
                ),
                (
                    "an offset without a limit",
                    MentionFilter {
                        offset: 7,
                        ..all.clone()
                    },
                    vec![2, 1],
                ),
                (
                    "most negative first, unscored last",
                    MentionFilter {
                        order: MentionOrder::MostNegative,
                        ..all.clone()
                    },
                    vec![6, 1, 3, 2, 8, 4, 9, 7, 5],
                ),
                (
                    "open, most negative first, a page",
                    MentionFilter {
                        states: vec![State::New, State::Assigned],
                        order: MentionOrder::MostNegative,
                        limit: Some(2),
                        ..all.clone()
                    },
                    vec![6, 2],
                ),
            ];
            for (what, filter, want) in cases {
                assert_eq!(list(filter), want, "{engine}: {what}");
            }

            let one = store.mention(4).expect("mention");
            assert_eq!(one.title, ITEMS[3].1, "{engine}");
            assert_eq!(one.text, ITEMS[3].2, "{engine}");
            assert_eq!(one.watch, "bol", "{engine}");
            assert_eq!(one.sources, ["nu", "reddit"], "{engine}");
            assert_eq!(one.url.as_deref(), Some("https://example.nl/3"), "{engine}");
            assert_eq!(one.found_at, from_db_time(T0 + 180), "{engine}");
            assert_eq!(one.terms, ["bol"], "{engine}");
            let sentiment = one.sentiment.as_ref().expect("sentiment");
            assert_eq!(
                (
                    sentiment.label.as_str(),
                    sentiment.score,
                    sentiment.lang.as_str()
                ),
                ("negative", -0.2, "nl"),
                "{engine}"
            );
            assert_eq!(one.triage.tags, ["urgent"], "{engine}");
            assert_eq!(one.triage.state, State::New, "{engine}");
            let handled = store.mention(1).expect("mention");
            assert_eq!(handled.triage.state, State::Handled, "{engine}");
            assert_eq!(handled.triage.handled_at, Some(at), "{engine}");
            let assigned = store.mention(2).expect("mention");
            assert_eq!(
                assigned.triage.assignee.as_deref(),
                Some("joost"),
                "{engine}"
            );
            assert_eq!(
                store.mention(5).expect("mention").sentiment,
                None,
                "{engine}"
            );
            assert!(
                matches!(store.mention(99), Err(StoreError::NoSuchMention(99))),
                "{engine}"
            );

            let reports = store.source_reports().expect("reports");
            let counts: Vec<(&str, i64, i64)> = reports
                .iter()
                .map(|r| (r.name.as_str(), r.mentions, r.polls))
                .collect();
            assert_eq!(counts, [("nu", 9, 9), ("reddit", 2, 2)], "{engine}");
            let nu = &reports[0];
            assert_eq!(nu.last_status.as_deref(), Some("ok"), "{engine}");
            assert_eq!(nu.last_poll_at, Some(from_db_time(T0 + 480)), "{engine}");
            assert_eq!(nu.items, 1, "{engine}");
        }
    }

    /// "Most negative first" over the open mentions (the inbox's sort)
    /// reads `mentions_state_score` in its order instead of sorting every
    /// open mention. SQLite only, by nature: EXPLAIN QUERY PLAN and its
    /// wording are SQLite's own (PostgreSQL's planner chooses by its
    /// statistics).
    #[test]
    fn most_negative_first_reads_the_state_score_index() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("t.db")).expect("open");
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
            let (sql, params) = mentions_sql(Engine::Sqlite, None, &filter);
            let plan: Vec<String> = store
                .read(|db| {
                    db.query(&format!("EXPLAIN QUERY PLAN {sql}"), &params)?
                        .iter()
                        .map(|r| r.get(3))
                        .collect()
                })
                .expect("plan");
            assert!(
                plan.iter()
                    .any(|p| p.contains("USING COVERING INDEX mentions_state_score (state=?)")),
                "{filter:?}: {plan:#?}"
            );
        }
    }

    /// Each source's mention count, kept on its row by migration 11's
    /// triggers (PostgreSQL's own in its schema), is what counting over
    /// the items it saw gives, through every change: a new mention, a
    /// second watch on an item, a second source seeing an item, a mention
    /// or item deleted (retention), a mention or sighting moved.
    #[test]
    fn source_mention_counts_stay_what_a_join_counts() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (engine, store) in stores(dir.path()) {
            check_mention_counts(engine, &store);
        }
    }

    fn check_mention_counts(engine: &str, store: &Store) {
        let check = |step: &str| {
            let counted: Vec<(String, i64)> = store
                .read(|db| {
                    db.query(
                        "SELECT s.name, (SELECT count(*) FROM item_sources x
                            JOIN mentions m ON m.item_id = x.item_id WHERE x.source_id = s.id)
                         FROM sources s ORDER BY s.name",
                        args![],
                    )?
                    .iter()
                    .map(|r| Ok((r.get(0)?, r.get(1)?)))
                    .collect()
                })
                .expect("count");
            let kept: Vec<(String, i64)> = store
                .source_reports()
                .expect("reports")
                .into_iter()
                .map(|r| (r.name, r.mentions))
                .collect();
            assert_eq!(kept, counted, "{engine}: after {step}");
        };
        let run = |step: &str, sql: &str| {
            store
                .read(|db| db.batch(sql))
                .unwrap_or_else(|e| panic!("{engine}: {step}: {e}"));
            check(step);
        };
        run(
            "sources and items",
            "INSERT INTO sources (id, name, kind, url) VALUES (1, 'a', 'feed', 'x'), (2, 'b', 'feed', 'x'), (3, 'c', 'feed', 'x');
             INSERT INTO items (id, title, text, first_seen_at) VALUES (1, 't', 'x', 0), (2, 't', 'x', 0), (3, 't', 'x', 0);",
        );
        // As the store writes items: SQLite's full-text rows beside them
        // (deleting an item deletes its row).
        if store.engine() == Engine::Sqlite {
            run(
                "full-text rows",
                "INSERT INTO items_fts (rowid, title, text) SELECT id, title, text FROM items;",
            );
        }
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
            "INSERT INTO item_sources (item_id, source_id, first_seen_at) VALUES (2, 2, 9)
             ON CONFLICT DO NOTHING;",
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
            .read(|db| {
                db.query_value(
                    "SELECT CAST(SUM(mention_count) AS BIGINT) FROM sources",
                    args![],
                )
            })
            .expect("sum");
        assert_eq!(left, 0, "{engine}");
    }

    /// The same parsed search, in FTS5's syntax and in `tsquery`'s.
    fn check(query: &str, fts5: &str, tsquery: &str) {
        let search = Search::parse(query);
        assert_eq!(search.fts5(), fts5, "FTS5 of {query:?}");
        assert_eq!(search.tsquery(), tsquery, "tsquery of {query:?}");
    }

    #[test]
    fn searches_are_made_safe_for_both_engines() {
        check("storing acme", "storing acme", "('storing' & 'acme')");
        check("bol.com", "\"bol.com\"", "('bol' <-> 'com')");
        check(
            "\"geen reactie\" OR wacht*",
            "\"geen reactie\" OR wacht*",
            "(('geen' <-> 'reactie') | 'wacht':*)",
        );
        check("a\"b", "\"ab\"", "'ab'");
        check("\"unclosed", "\"unclosed\"", "'unclosed'");
        // Folded as the stored text is.
        check("CRÈME Brûlée", "CRÈME Brûlée", "('creme' & 'brulee')");
        check("Straße*", "Straße*", "'strasse':*");
        check("foo_bar*", "foo_bar*", "('foo' <-> 'bar':*)");
        // Operators that stand where FTS5 would reject them are taken literally.
        check("NOT storing", "\"NOT\" storing", "('not' & 'storing')");
        check("storing OR", "storing \"OR\"", "('storing' & 'or')");
        check("AND", "\"AND\"", "'and'");
        check(
            "a OR OR b",
            "a \"OR\" \"OR\" b",
            "('a' & 'or' & 'or' & 'b')",
        );
        check("* storing", "storing", "'storing'");
        // A run of terms binds tighter than NOT, NOT than AND, AND than OR.
        check("a NOT b c", "a NOT b c", "('a' & !('b' & 'c'))");
        check(
            "a OR b AND c NOT d",
            "a OR b AND c NOT d",
            "('a' | ('b' & ('c' & !'d')))",
        );
        // A term without a word is left out, with what it would join.
        check("a \"...\" OR b", "a \"...\" OR b", "('a' | 'b')");
        check("\"...\" NOT a", "\"...\" NOT a", "");
        check("a NOT - b", "a NOT \"-\" b", "('a' & !'b')");
        check("***", "\"***\"", "");
        check("", "", "");
        // Quotes never leave a lexeme.
        check("o'brien", "\"o'brien\"", "('o' <-> 'brien')");
    }
}

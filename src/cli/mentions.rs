//! `earshot mentions [list|search|show|history]`: query the mention
//! database; the inbox commands that change a mention are in `triage`.

use std::io::Write;

use chrono::{DateTime, NaiveDate, Utc};

use crate::config::{self, Config};
use crate::store::{Label, Mention, MentionDetail, MentionFilter, State, Store, StoreError};

use super::output::{self, Cell, CsvStyle, Format, FormatArg, ListingArgs};
use super::triage::{self, HistoryFormat};
use super::UsageError;

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Sub>,
    #[command(flatten)]
    pub list: ListArgs,
}

#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    /// Newest mentions first (the default).
    List(ListArgs),
    /// Full-text search over titles and texts (words ANDed, "a phrase", OR, NOT, prefix*).
    Search {
        query: String,
        #[command(flatten)]
        args: ListArgs,
    },
    /// One mention in full.
    Show {
        id: i64,
        #[command(flatten)]
        output: FormatArg,
    },
    /// Every change to one mention, oldest first: when, who, what, from → to.
    History {
        id: i64,
        #[arg(long, value_enum, default_value = "table")]
        format: HistoryFormat,
    },
    #[command(flatten)]
    Triage(triage::Sub),
}

/// `--state`: one of the inbox states, or `open` (new or assigned).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StateArg {
    New,
    Assigned,
    Handled,
    Ignored,
    Open,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ListArgs {
    /// Only this watch (repeatable).
    #[arg(long = "watch", value_name = "W")]
    pub watches: Vec<String>,
    /// Only mentions seen by this source (repeatable).
    #[arg(long = "source", value_name = "S")]
    pub sources: Vec<String>,
    /// Only mentions found since: a duration ago (24h, 7d) or a date (2026-11-01) or RFC 3339 time.
    #[arg(long)]
    pub since: Option<String>,
    /// Only this sentiment: negative, neutral or positive (repeatable).
    #[arg(long = "sentiment", value_name = "S", value_parser = ["negative", "neutral", "positive"])]
    pub sentiments: Vec<String>,
    /// Only mentions in this state (repeatable); open is new or assigned.
    #[arg(long = "state", value_enum, value_name = "STATE")]
    pub states: Vec<StateArg>,
    /// Only mentions assigned to this person.
    #[arg(long, value_name = "NAME")]
    pub assignee: Option<String>,
    /// Only mentions with this tag.
    #[arg(long, value_name = "T")]
    pub tag: Option<String>,
    /// Only mentions the team labelled so.
    #[arg(long, value_enum, value_name = "L")]
    pub label: Option<Label>,
    #[command(flatten)]
    pub listing: ListingArgs,
}

pub fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    match &args.command {
        Some(Sub::Triage(sub)) => return triage::run(config, sub),
        Some(Sub::History { id, format }) => return triage::history(config, *id, *format),
        _ => {}
    }
    let store = Store::open_read_only(&config.storage.database)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match &args.command {
        None => print_list(
            &mut out,
            &each_sentiment(&filter(config, &args.list)?, &args.list.sentiments, |f| {
                store.mentions(f)
            })?,
            args.list.listing.format(),
        ),
        Some(Sub::List(a)) => print_list(
            &mut out,
            &each_sentiment(&filter(config, a)?, &a.sentiments, |f| store.mentions(f))?,
            a.listing.format(),
        ),
        Some(Sub::Search { query, args }) => {
            let found = each_sentiment(&filter(config, args)?, &args.sentiments, |f| {
                store.search(query, f)
            })
            .map_err(|e| {
                anyhow::anyhow!("search {query:?} failed ({e}); quote phrases with \"…\"")
            })?;
            print_list(&mut out, &found, args.listing.format())
        }
        Some(Sub::Show { id, output }) => {
            let shown = store.mention_detail(*id).map_err(|e| match e {
                StoreError::NoSuchMention(_) => anyhow::Error::from(UsageError(e.to_string())),
                e => e.into(),
            })?;
            match output.format {
                Format::Json => output::json_line(&mut out, &shown)?,
                Format::Csv => {
                    csv_header(&mut out, CsvStyle::default())?;
                    csv_mention(&mut out, CsvStyle::default(), &shown.mention)?;
                }
                Format::Table => show(&mut out, &shown, &store.copies(*id)?)?,
            }
            Ok(())
        }
        Some(Sub::History { .. } | Sub::Triage(_)) => Ok(()),
    }
}

/// Every mention matching the filters, in `format` (for `earshot export`).
pub fn export(
    config: &Config,
    since: Option<&str>,
    watches: &[String],
    format: Format,
    style: CsvStyle,
) -> anyhow::Result<()> {
    let store = Store::open_read_only(&config.storage.database)?;
    let filter = MentionFilter {
        watches: watches.to_vec(),
        since: since.map(parse_since).transpose()?,
        ..MentionFilter::default()
    };
    let stdout = std::io::stdout();
    print_list_as(&mut stdout.lock(), &store.mentions(&filter)?, format, style)
}

/// Runs `query` once per asked sentiment (the store filters by one) and
/// merges the answers newest first, as one query would list them, cut to the
/// limit. None asked, or all three, is one query without that filter.
fn each_sentiment<E>(
    base: &MentionFilter,
    sentiments: &[String],
    mut query: impl FnMut(&MentionFilter) -> Result<Vec<Mention>, E>,
) -> Result<Vec<Mention>, E> {
    let mut asked: Vec<&String> = Vec::new();
    for s in sentiments {
        if !asked.contains(&s) {
            asked.push(s);
        }
    }
    if asked.len() < 2 || asked.len() >= 3 {
        let mut f = base.clone();
        f.sentiment = (asked.len() == 1).then(|| asked[0].clone());
        return query(&f);
    }
    let mut all = Vec::new();
    for s in asked {
        let mut f = base.clone();
        f.sentiment = Some(s.clone());
        all.extend(query(&f)?);
    }
    all.sort_by_key(|m| std::cmp::Reverse((m.found_at, m.id)));
    if let Some(limit) = base.limit {
        all.truncate(limit);
    }
    Ok(all)
}

fn filter(config: &Config, a: &ListArgs) -> anyhow::Result<MentionFilter> {
    super::check_names(config, &a.watches, &a.sources)?;
    let mut states = Vec::new();
    for s in &a.states {
        let these: &[State] = match s {
            StateArg::New => &[State::New],
            StateArg::Assigned => &[State::Assigned],
            StateArg::Handled => &[State::Handled],
            StateArg::Ignored => &[State::Ignored],
            StateArg::Open => &[State::New, State::Assigned],
        };
        for st in these {
            if !states.contains(st) {
                states.push(*st);
            }
        }
    }
    Ok(MentionFilter {
        watches: a.watches.clone(),
        sources: a.sources.clone(),
        since: a.since.as_deref().map(parse_since).transpose()?,
        sentiment: None,
        states,
        assignee: a.assignee.clone(),
        tag: a.tag.clone(),
        label: a.label.map(|l| l.as_str().to_string()),
        limit: a.listing.limit(),
        ..MentionFilter::default()
    })
}

/// `24h` / `7d` (ago), `2026-11-01` (midnight UTC), or an RFC 3339 time.
pub fn parse_since(s: &str) -> Result<DateTime<Utc>, UsageError> {
    if let Ok(d) = config::parse_duration(s) {
        return chrono::Duration::from_std(d)
            .ok()
            .and_then(|d| Utc::now().checked_sub_signed(d))
            .ok_or_else(|| UsageError(format!("--since {s:?} reaches too far back")));
    }
    if let Ok(date) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            UsageError(format!(
                "--since {s:?}: use a duration (24h, 7d), a date (2026-11-01) or an RFC 3339 time"
            ))
        })
}

fn print_list(out: &mut impl Write, mentions: &[Mention], format: Format) -> anyhow::Result<()> {
    print_list_as(out, mentions, format, CsvStyle::default())
}

fn print_list_as(
    out: &mut impl Write,
    mentions: &[Mention],
    format: Format,
    style: CsvStyle,
) -> anyhow::Result<()> {
    match format {
        Format::Json => {
            for m in mentions {
                output::json_line(out, m)?;
            }
        }
        Format::Csv => {
            csv_header(out, style)?;
            for m in mentions {
                csv_mention(out, style, m)?;
            }
        }
        Format::Table => {
            let rows: Vec<Vec<String>> = mentions
                .iter()
                .map(|m| {
                    vec![
                        m.id.to_string(),
                        output::time(Some(m.found_at)),
                        output::clean(&m.watch, 20),
                        m.sentiment
                            .as_ref()
                            .map(|s| s.label.clone())
                            .unwrap_or_else(|| "-".into()),
                        m.triage.state.as_str().to_string(),
                        output::clean(m.triage.assignee.as_deref().unwrap_or("-"), 20),
                        output::clean(&m.sources.join(","), 30),
                        output::clean(&m.title, 80),
                    ]
                })
                .collect();
            output::table(
                out,
                &[
                    "ID",
                    "FOUND",
                    "WATCH",
                    "SENTIMENT",
                    "STATE",
                    "ASSIGNEE",
                    "SOURCES",
                    "TITLE",
                ],
                &rows,
            )?;
        }
    }
    Ok(())
}

/// The CSV columns: the JSON form's field names; `sentiment` is the JSON
/// `sentiment.label` and `sentiment_score` its `score`, `tags` are joined by
/// spaces.
const CSV_COLUMNS: [&str; 19] = [
    "id",
    "watch",
    "sources",
    "url",
    "canonical_url",
    "title",
    "author",
    "published_at",
    "found_at",
    "terms",
    "snippet",
    "sentiment",
    "sentiment_score",
    "state",
    "assignee",
    "label",
    "tags",
    "handled_at",
    "text",
];

fn csv_header(out: &mut impl Write, style: CsvStyle) -> std::io::Result<()> {
    output::csv_header(out, style, &CSV_COLUMNS)
}

fn csv_mention(out: &mut impl Write, style: CsvStyle, m: &Mention) -> std::io::Result<()> {
    let t = &m.triage;
    output::csv_row(
        out,
        style,
        &[
            Cell::Int(m.id),
            m.watch.clone().into(),
            m.sources.join(" ").into(),
            m.url.clone().unwrap_or_default().into(),
            m.canonical_url.clone().unwrap_or_default().into(),
            m.title.clone().into(),
            m.author.clone().unwrap_or_default().into(),
            m.published_at
                .map(|t| t.to_rfc3339())
                .unwrap_or_default()
                .into(),
            m.found_at.to_rfc3339().into(),
            m.terms.join("; ").into(),
            m.snippet.clone().into(),
            m.sentiment
                .as_ref()
                .map(|s| s.label.clone())
                .unwrap_or_default()
                .into(),
            m.sentiment
                .as_ref()
                .map(|s| Cell::Decimal(f64::from(s.score), 2))
                .unwrap_or(Cell::Empty),
            t.state.as_str().into(),
            t.assignee.clone().unwrap_or_default().into(),
            t.label.clone().unwrap_or_default().into(),
            t.tags.join(" ").into(),
            t.handled_at
                .map(|t| t.to_rfc3339())
                .unwrap_or_default()
                .into(),
            m.text.clone().into(),
        ],
    )
}

fn show(
    out: &mut impl Write,
    shown: &MentionDetail,
    copies: &[(String, String)],
) -> std::io::Result<()> {
    let m = &shown.mention;
    let t = &m.triage;
    let c = |s: &str| output::clean(s, 2000);
    writeln!(out, "mention {}  ({})", m.id, c(&m.watch))?;
    writeln!(out, "title:     {}", c(&m.title))?;
    writeln!(out, "url:       {}", c(m.url.as_deref().unwrap_or("-")))?;
    writeln!(out, "sources:   {}", c(&m.sources.join(", ")))?;
    for (source, url) in copies {
        writeln!(out, "  also at: {} ({})", c(url), c(source))?;
    }
    writeln!(out, "author:    {}", c(m.author.as_deref().unwrap_or("-")))?;
    writeln!(out, "published: {}", output::time(m.published_at))?;
    writeln!(out, "found:     {}", output::time(Some(m.found_at)))?;
    writeln!(out, "terms:     {}", c(&m.terms.join(", ")))?;
    match &m.sentiment {
        Some(s) => {
            writeln!(out, "sentiment: {} ({:+.2}, {})", s.label, s.score, s.lang)?;
            for r in &s.reasons {
                writeln!(out, "  - {}", c(r))?;
            }
        }
        None => writeln!(out, "sentiment: -")?,
    }
    writeln!(out, "snippet:   {}", c(&m.snippet))?;
    writeln!(out, "state:     {}", t.state.as_str())?;
    writeln!(
        out,
        "assignee:  {}",
        c(t.assignee.as_deref().unwrap_or("-"))
    )?;
    writeln!(out, "label:     {}", t.label.as_deref().unwrap_or("-"))?;
    writeln!(out, "tags:      {}", c(&t.tags.join(", ")))?;
    writeln!(out, "handled:   {}", output::time(t.handled_at))?;
    for n in &shown.notes {
        writeln!(
            out,
            "note:      {} {}: {}",
            output::time(Some(n.at)),
            c(&n.by),
            c(&n.text)
        )?;
    }
    if !shown.history.is_empty() {
        writeln!(out, "history:")?;
        triage::history_table(out, &shown.history)?;
    }
    writeln!(out)?;
    // Keep line breaks in the full text but nothing else that steers a terminal.
    for line in m.text.lines() {
        writeln!(out, "{}", output::clean(line, 10_000))?;
    }
    Ok(())
}

//! `earshot mentions [list|search|show|history]`: query the mention
//! database; the inbox commands that change a mention are in `triage`.

use std::io::Write;

use chrono_tz::Tz;

use crate::config::Config;
use crate::store::{Label, Mention, MentionDetail, MentionFilter, State, Store, StoreError};

use super::output::{self, Cell, CsvStyle, FormatArg, ListingArgs, Output, ReportFormat};
use super::triage;
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
        format: ReportFormat,
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
    /// Only mentions found since: today, yesterday or a date (2026-11-01),
    /// each from local midnight in [daemon] timezone; a duration ago (24h,
    /// 7d); or an RFC 3339 time.
    #[arg(long, value_name = "WHEN")]
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
        Some(Sub::Triage(sub)) => triage::run(config, sub),
        Some(Sub::History { id, format }) => triage::history(config, *id, *format),
        None => list(config, None, &args.list),
        Some(Sub::List(a)) => list(config, None, a),
        Some(Sub::Search { query, args }) => list(config, Some(query), args),
        Some(Sub::Show { id, output }) => show_one(config, *id, output),
    }
}

/// `mentions [list]` and `mentions search QUERY`: one store query with every
/// filter, printed as asked. The arguments are checked before the database
/// is opened.
fn list(config: &Config, query: Option<&str>, a: &ListArgs) -> anyhow::Result<()> {
    let (filter, to) = (filter(config, a)?, a.listing.output()?);
    let store = Store::open_read_only(&config.storage.database)?;
    let found = match query {
        None => store.mentions(&filter)?,
        Some(query) => store.search(query, &filter).map_err(|e| {
            anyhow::anyhow!("search {query:?} failed ({e}); quote phrases with \"…\"")
        })?,
    };
    let stdout = std::io::stdout();
    print_list(&mut stdout.lock(), &found, to, config.daemon.timezone)
}

/// `mentions show ID`: the mention with its notes and history.
fn show_one(config: &Config, id: i64, format: &FormatArg) -> anyhow::Result<()> {
    let to = format.output()?;
    let store = Store::open_read_only(&config.storage.database)?;
    let shown = store.mention_detail(id).map_err(|e| match e {
        StoreError::NoSuchMention(_) => anyhow::Error::from(UsageError(e.to_string())),
        e => e.into(),
    })?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match to {
        Output::Json => output::json_line(&mut out, &shown)?,
        Output::Csv(style) => {
            csv_header(&mut out, style)?;
            csv_mention(&mut out, style, &shown.mention)?;
        }
        Output::Table => show(&mut out, &shown, &store.copies(id)?, config.daemon.timezone)?,
    }
    Ok(())
}

/// Every mention matching the filters, as `to` (for `earshot export`).
pub fn export(
    config: &Config,
    since: Option<&str>,
    watches: &[String],
    to: Output,
) -> anyhow::Result<()> {
    let tz = config.daemon.timezone;
    let filter = MentionFilter {
        watches: watches.to_vec(),
        since: since.map(|s| super::parse_since(s, tz)).transpose()?,
        ..MentionFilter::default()
    };
    let store = Store::open_read_only(&config.storage.database)?;
    let stdout = std::io::stdout();
    print_list(&mut stdout.lock(), &store.mentions(&filter)?, to, tz)
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
    let mut sentiments: Vec<String> = Vec::new();
    for s in &a.sentiments {
        if !sentiments.contains(s) {
            sentiments.push(s.clone());
        }
    }
    Ok(MentionFilter {
        watches: a.watches.clone(),
        sources: a.sources.clone(),
        since: a
            .since
            .as_deref()
            .map(|s| super::parse_since(s, config.daemon.timezone))
            .transpose()?,
        sentiments,
        states,
        assignee: a.assignee.clone(),
        tag: a.tag.clone(),
        label: a.label.map(|l| l.as_str().to_string()),
        limit: a.listing.limit(),
        ..MentionFilter::default()
    })
}

fn print_list(
    out: &mut impl Write,
    mentions: &[Mention],
    to: Output,
    tz: Tz,
) -> anyhow::Result<()> {
    match to {
        Output::Json => {
            for m in mentions {
                output::json_line(out, m)?;
            }
        }
        Output::Csv(style) => {
            csv_header(out, style)?;
            for m in mentions {
                csv_mention(out, style, m)?;
            }
        }
        Output::Table => {
            let rows: Vec<Vec<String>> = mentions
                .iter()
                .map(|m| {
                    vec![
                        m.id.to_string(),
                        output::time(Some(m.found_at), tz),
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
/// `sentiment.label` and `sentiment_score` its `score`, `rating` the
/// rating's value (its scale is in the JSON), `tags` are joined by spaces.
const CSV_COLUMNS: [&str; 20] = [
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
    "rating",
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
            m.rating.map_or(Cell::Empty, |r| Cell::Decimal(r.value, 1)),
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
    tz: Tz,
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
    writeln!(out, "published: {}", output::time(m.published_at, tz))?;
    writeln!(out, "found:     {}", output::time(Some(m.found_at), tz))?;
    writeln!(out, "terms:     {}", c(&m.terms.join(", ")))?;
    if let Some(stars) = crate::notify::render::stars(m) {
        writeln!(out, "rating:    {stars}")?;
    }
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
    writeln!(out, "handled:   {}", output::time(t.handled_at, tz))?;
    for n in &shown.notes {
        writeln!(
            out,
            "note:      {} {}: {}",
            output::time(Some(n.at), tz),
            c(&n.by),
            c(&n.text)
        )?;
    }
    if !shown.history.is_empty() {
        writeln!(out, "history:")?;
        triage::history_table(out, &shown.history, tz)?;
    }
    writeln!(out)?;
    // Keep line breaks in the full text but nothing else that steers a terminal.
    for line in m.text.lines() {
        writeln!(out, "{}", output::clean(line, 10_000))?;
    }
    Ok(())
}

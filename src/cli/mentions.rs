//! `earshot mentions [list|search|show]`: query the mention database.

use std::io::Write;

use chrono::{DateTime, NaiveDate, Utc};

use crate::config::{self, Config};
use crate::store::{Mention, MentionFilter, Store};

use super::output::{self, Format, FormatArg, ListingArgs};
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
    /// Only this sentiment: negative, neutral or positive.
    #[arg(long, value_parser = ["negative", "neutral", "positive"])]
    pub sentiment: Option<String>,
    #[command(flatten)]
    pub listing: ListingArgs,
}

pub fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    let store = Store::open_read_only(&config.storage.database)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match &args.command {
        None => print_list(
            &mut out,
            &store.mentions(&filter(&args.list)?)?,
            args.list.listing.format(),
        ),
        Some(Sub::List(a)) => {
            print_list(&mut out, &store.mentions(&filter(a)?)?, a.listing.format())
        }
        Some(Sub::Search { query, args }) => {
            let found = store.search(query, &filter(args)?).map_err(|e| {
                anyhow::anyhow!("search {query:?} failed ({e}); quote phrases with \"…\"")
            })?;
            print_list(&mut out, &found, args.listing.format())
        }
        Some(Sub::Show { id, output }) => {
            let m = store.mention(*id).map_err(|e| UsageError(e.to_string()))?;
            match output.format {
                Format::Json => output::json_line(&mut out, &m)?,
                Format::Csv => {
                    csv_header(&mut out)?;
                    csv_mention(&mut out, &m)?;
                }
                Format::Table => show(&mut out, &m, &store.copies(*id)?)?,
            }
            Ok(())
        }
    }
}

/// Every mention matching the filters, in `format` (for `earshot export`).
pub fn export(
    config: &Config,
    since: Option<&str>,
    watches: &[String],
    format: Format,
) -> anyhow::Result<()> {
    let store = Store::open_read_only(&config.storage.database)?;
    let filter = MentionFilter {
        watches: watches.to_vec(),
        since: since.map(parse_since).transpose()?,
        ..MentionFilter::default()
    };
    let stdout = std::io::stdout();
    print_list(&mut stdout.lock(), &store.mentions(&filter)?, format)
}

fn filter(a: &ListArgs) -> anyhow::Result<MentionFilter> {
    Ok(MentionFilter {
        watches: a.watches.clone(),
        sources: a.sources.clone(),
        since: a.since.as_deref().map(parse_since).transpose()?,
        sentiment: a.sentiment.clone(),
        limit: a.listing.limit(),
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
    match format {
        Format::Json => {
            for m in mentions {
                output::json_line(out, m)?;
            }
        }
        Format::Csv => {
            csv_header(out)?;
            for m in mentions {
                csv_mention(out, m)?;
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
                        output::clean(&m.sources.join(","), 30),
                        output::clean(&m.title, 80),
                    ]
                })
                .collect();
            output::table(
                out,
                &["ID", "FOUND", "WATCH", "SENTIMENT", "SOURCES", "TITLE"],
                &rows,
            )?;
        }
    }
    Ok(())
}

const CSV_COLUMNS: [&str; 14] = [
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
    "text",
];

fn csv_header(out: &mut impl Write) -> std::io::Result<()> {
    output::csv_row(out, &CSV_COLUMNS.map(String::from))
}

fn csv_mention(out: &mut impl Write, m: &Mention) -> std::io::Result<()> {
    output::csv_row(
        out,
        &[
            m.id.to_string(),
            m.watch.clone(),
            m.sources.join(" "),
            m.url.clone().unwrap_or_default(),
            m.canonical_url.clone().unwrap_or_default(),
            m.title.clone(),
            m.author.clone().unwrap_or_default(),
            m.published_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            m.found_at.to_rfc3339(),
            m.terms.join("; "),
            m.snippet.clone(),
            m.sentiment
                .as_ref()
                .map(|s| s.label.clone())
                .unwrap_or_default(),
            m.sentiment
                .as_ref()
                .map(|s| format!("{:.2}", s.score))
                .unwrap_or_default(),
            m.text.clone(),
        ],
    )
}

fn show(out: &mut impl Write, m: &Mention, copies: &[(String, String)]) -> std::io::Result<()> {
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
    writeln!(out)?;
    // Keep line breaks in the full text but nothing else that steers a terminal.
    for line in m.text.lines() {
        writeln!(out, "{}", output::clean(line, 10_000))?;
    }
    Ok(())
}

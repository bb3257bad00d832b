//! `earshot stats`: per watch and local period (day, week from Monday,
//! month in `[daemon] timezone`), how many mentions came in, how many were
//! negative, handled, still open or ignored, how long handling took (median
//! and p90, nearest rank) and which sources found them. The store hands over
//! compact rows, [`crate::stats::figures`] groups them (the same figures as
//! `GET /api/stats`); this file only prints them. Never writes the database.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};

use crate::config::Config;
use crate::stats::{figures, Period, Row};
use crate::store::Store;

use super::output::{self, Cell, FormatArg, Output};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Mentions found since: today, yesterday or a date (2026-11-01), each
    /// from local midnight in [daemon] timezone; a duration ago (30d); or an
    /// RFC 3339 time.
    #[arg(long, value_name = "WHEN", default_value = "30d")]
    pub since: String,
    /// Only this watch (repeatable).
    #[arg(long = "watch", value_name = "W")]
    pub watches: Vec<String>,
    /// One row per local day, week (from Monday) or month.
    #[arg(long, value_enum, default_value = "day")]
    pub by: Period,
    #[command(flatten)]
    pub output: FormatArg,
}

pub fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    super::check_names(config, &args.watches, &[])?;
    let to = args.output.output()?;
    let since = super::parse_since(&args.since, config.daemon.timezone)?;
    let store = Store::open_read_only(&config.storage.database)?;
    let mentions = store.stat_mentions(since, &args.watches)?;
    let sources = store.stat_sources(since, &args.watches)?;
    let rows = figures(&mentions, &sources, config.daemon.timezone, args.by);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match to {
        Output::Json => {
            for r in &rows {
                output::json_line(&mut out, r)?;
            }
        }
        Output::Csv(style) => {
            let header = [
                "watch",
                "period",
                "mentions",
                "negative",
                "handled",
                "open",
                "ignored",
                "median_time_to_handle_s",
                "p90_time_to_handle_s",
                "sources",
            ];
            output::csv_header(&mut out, style, &header)?;
            for r in &rows {
                let count = |n: u64| Cell::Int(i64::try_from(n).unwrap_or(i64::MAX));
                let opt = |v: Option<i64>| v.map_or(Cell::Empty, Cell::Int);
                output::csv_row(
                    &mut out,
                    style,
                    &[
                        Cell::from(r.watch.clone()),
                        Cell::from(r.period.to_string()),
                        count(r.mentions),
                        count(r.negative),
                        count(r.handled),
                        count(r.open),
                        count(r.ignored),
                        opt(r.median_time_to_handle_s),
                        opt(r.p90_time_to_handle_s),
                        Cell::from(sources_cell(&r.sources)),
                    ],
                )?;
            }
        }
        Output::Table => table(&mut out, &rows, std::io::stdout().is_terminal())?,
    }
    Ok(())
}

/// `name=count;name=count`, by source name.
fn sources_cell(sources: &BTreeMap<String, u64>) -> String {
    sources
        .iter()
        .map(|(n, c)| format!("{n}={c}"))
        .collect::<Vec<_>>()
        .join(";")
}

/// `45s`, `12m`, `3h05m`, `2d04h`.
fn took(s: Option<i64>) -> String {
    match s {
        None => "-".into(),
        Some(s) if s < 60 => format!("{s}s"),
        Some(s) if s < 3600 => format!("{}m", s / 60),
        Some(s) if s < 86_400 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        Some(s) => format!("{}d{:02}h", s / 86_400, s % 86_400 / 3600),
    }
}

/// The Monday-morning view: a row per (watch, period), the three busiest
/// sources, and on a terminal a bar of mentions (negative part in `#`).
fn table(out: &mut impl Write, rows: &[Row], bars: bool) -> std::io::Result<()> {
    const BAR: u64 = 20;
    let most = rows.iter().map(|r| r.mentions).max().unwrap_or(0).max(1);
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut top: Vec<(&String, &u64)> = r.sources.iter().collect();
            top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let mut cells = vec![
                output::clean(&r.watch, 20),
                r.period.to_string(),
                r.mentions.to_string(),
                r.negative.to_string(),
                r.handled.to_string(),
                r.open.to_string(),
                r.ignored.to_string(),
                took(r.median_time_to_handle_s),
                took(r.p90_time_to_handle_s),
                output::clean(
                    &top.iter()
                        .take(3)
                        .map(|(n, c)| format!("{n} {c}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    50,
                ),
            ];
            if bars {
                let len = (r.mentions * BAR).div_ceil(most);
                let neg = (r.negative * BAR).div_ceil(most).min(len);
                cells.insert(
                    2,
                    format!(
                        "{}{}",
                        "#".repeat(neg as usize),
                        "=".repeat((len - neg) as usize)
                    ),
                );
            }
            cells
        })
        .collect();
    let mut header = vec![
        "WATCH",
        "PERIOD",
        "MENTIONS",
        "NEGATIVE",
        "HANDLED",
        "OPEN",
        "IGNORED",
        "MEDIAN",
        "P90",
        "TOP SOURCES",
    ];
    if bars {
        header.insert(2, "");
    }
    output::table(out, &header, &body)
}

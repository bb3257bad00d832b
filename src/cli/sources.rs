//! `earshot sources`: each source's health as the store records it.

use crate::config::Config;
use crate::store::{SourceReport, Store};

use super::output::{self, Cell, FormatArg, Output};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub output: FormatArg,
}

pub fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    let to = args.output.output()?;
    let tz = config.daemon.timezone;
    let store = Store::open_read_only(&config.storage.database)?;
    let mut reports = store.source_reports()?;
    // Configured sources that have never been polled still deserve a line.
    for s in &config.sources {
        if !reports.iter().any(|r| r.name == s.name) {
            reports.push(SourceReport {
                last_status: Some("never polled".into()),
                ..SourceReport::never_polled(s.name.clone(), s.kind().to_string(), s.locator())
            });
        }
    }
    reports.sort_by(|a, b| a.name.cmp(&b.name));
    let configured = |name: &str| config.sources.iter().any(|s| s.name == name);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match to {
        Output::Json => {
            for r in &reports {
                output::json_line(&mut out, r)?;
            }
        }
        Output::Csv(style) => {
            let t = |t: Option<chrono::DateTime<chrono::Utc>>| {
                t.map(|t| Cell::Text(t.to_rfc3339())).unwrap_or(Cell::Empty)
            };
            output::csv_header(
                &mut out,
                style,
                &[
                    "name",
                    "kind",
                    "last_status",
                    "last_poll_at",
                    "last_success_at",
                    "last_error",
                    "last_error_at",
                    "failing_since",
                    "consecutive_failures",
                    "polls",
                    "items",
                    "mentions",
                    "url",
                ],
            )?;
            for r in &reports {
                output::csv_row(
                    &mut out,
                    style,
                    &[
                        r.name.clone().into(),
                        r.kind.clone().into(),
                        r.last_status.clone().unwrap_or_default().into(),
                        t(r.last_poll_at),
                        t(r.last_success_at),
                        r.last_error.clone().unwrap_or_default().into(),
                        t(r.last_error_at),
                        t(r.failing_since),
                        Cell::Int(r.consecutive_failures),
                        Cell::Int(r.polls),
                        Cell::Int(r.items),
                        Cell::Int(r.mentions),
                        r.url.clone().into(),
                    ],
                )?;
            }
        }
        Output::Table => {
            let rows: Vec<Vec<String>> = reports
                .iter()
                .map(|r| {
                    let mut status = r.last_status.clone().unwrap_or_else(|| "-".into());
                    if r.consecutive_failures > 1 {
                        status = format!("{status} ×{}", r.consecutive_failures);
                    }
                    if !configured(&r.name) {
                        status.push_str(" (not in config)");
                    }
                    vec![
                        output::clean(&r.name, 40),
                        status,
                        output::time(r.last_poll_at, tz),
                        output::time(r.last_success_at, tz),
                        r.items.to_string(),
                        r.mentions.to_string(),
                        match (&r.last_error, r.last_error_at) {
                            (Some(e), at) if r.consecutive_failures > 0 => {
                                format!("{} ({})", output::clean(e, 100), output::time(at, tz))
                            }
                            _ => "-".into(),
                        },
                    ]
                })
                .collect();
            output::table(
                &mut out,
                &[
                    "SOURCE",
                    "STATUS",
                    "LAST POLL",
                    "LAST SUCCESS",
                    "ITEMS",
                    "MENTIONS",
                    "LAST ERROR",
                ],
                &rows,
            )?;
        }
    }
    Ok(())
}

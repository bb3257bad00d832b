//! `earshot sources`: each source's health as the store records it.

use crate::config::Config;
use crate::store::{SourceReport, Store};

use super::output::{self, Format, FormatArg};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub output: FormatArg,
}

pub fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    let store = Store::open_read_only(&config.storage.database)?;
    let mut reports = store.source_reports()?;
    // Configured sources that have never been polled still deserve a line.
    for s in &config.sources {
        if !reports.iter().any(|r| r.name == s.name) {
            reports.push(SourceReport {
                name: s.name.clone(),
                kind: s.kind().to_string(),
                url: s.locator(),
                last_poll_at: None,
                last_success_at: None,
                last_status: Some("never polled".into()),
                last_error: None,
                last_error_at: None,
                failing_since: None,
                consecutive_failures: 0,
                polls: 0,
                items: 0,
                mentions: 0,
            });
        }
    }
    reports.sort_by(|a, b| a.name.cmp(&b.name));
    let configured = |name: &str| config.sources.iter().any(|s| s.name == name);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.output.format {
        Format::Json => {
            for r in &reports {
                output::json_line(&mut out, r)?;
            }
        }
        Format::Csv => {
            output::csv_row(
                &mut out,
                &[
                    "name",
                    "kind",
                    "status",
                    "last_poll",
                    "last_success",
                    "last_error",
                    "last_error_at",
                    "failures",
                    "items",
                    "mentions",
                    "url",
                ]
                .map(String::from),
            )?;
            for r in &reports {
                output::csv_row(
                    &mut out,
                    &[
                        r.name.clone(),
                        r.kind.clone(),
                        r.last_status.clone().unwrap_or_default(),
                        r.last_poll_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
                        r.last_success_at
                            .map(|t| t.to_rfc3339())
                            .unwrap_or_default(),
                        r.last_error.clone().unwrap_or_default(),
                        r.last_error_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
                        r.consecutive_failures.to_string(),
                        r.items.to_string(),
                        r.mentions.to_string(),
                        r.url.clone(),
                    ],
                )?;
            }
        }
        Format::Table => {
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
                        output::time(r.last_poll_at),
                        output::time(r.last_success_at),
                        r.items.to_string(),
                        r.mentions.to_string(),
                        match (&r.last_error, r.last_error_at) {
                            (Some(e), at) if r.consecutive_failures > 0 => {
                                format!("{} ({})", output::clean(e, 100), output::time(at))
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

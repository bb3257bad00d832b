//! `earshot poll`: one cycle of all (or the named) sources, then exit.

use std::io::Write;

use crate::config::Config;
use crate::pipeline::PollReport;
use crate::store::PollOutcome;

use super::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Poll only this source (repeatable).
    #[arg(long = "source", value_name = "NAME")]
    pub sources: Vec<String>,
}

pub fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    super::check_names(config, &[], &args.sources)?;
    let sources: Vec<_> = config
        .sources
        .iter()
        .filter(|s| args.sources.is_empty() || args.sources.contains(&s.name))
        .cloned()
        .collect();
    let mut progress = Progress::new(sources.len());
    let results = super::runtime()?.block_on(crate::daemon::poll_once(config, &sources, |r| {
        progress.done(r)
    }));
    progress.finish();
    let results = results?;
    let mut out = std::io::stdout().lock();
    let (mut ok, mut unchanged, mut failed, mut new) = (0, 0, 0, 0);
    for (name, result) in &results {
        match result {
            Ok(PollReport {
                outcome: PollOutcome::Fetched { items, .. },
                new_mentions,
            }) => {
                ok += 1;
                new += new_mentions.len();
                writeln!(
                    out,
                    "{name}: {items} items, {} new mentions",
                    new_mentions.len()
                )?;
            }
            Ok(PollReport {
                outcome: PollOutcome::NotModified,
                ..
            }) => {
                unchanged += 1;
                writeln!(out, "{name}: not modified")?;
            }
            Ok(PollReport {
                outcome: PollOutcome::Failed { error, .. },
                ..
            }) => {
                failed += 1;
                // A server's own words can be in the error.
                writeln!(out, "{name}: error: {}", output::clean(error, 2000))?;
            }
            Err(e) => return Err(anyhow::anyhow!("recording the poll of {name}: {e}")),
        }
    }
    writeln!(
        out,
        "polled {} sources: {ok} ok, {unchanged} not modified, {failed} failed; {new} new mentions",
        results.len()
    )?;
    Ok(())
}

/// `polled 3/9 sources, 5 new mentions` on one line of stderr, rewritten as
/// each source ends, only when stderr is a terminal (never in a log or a
/// pipe); cleared before the summary. Rewritten with `\r` and spaces, no
/// escape sequences, so `NO_COLOR` and dumb terminals see plain text.
struct Progress {
    total: usize,
    done: usize,
    found: usize,
    shown: bool,
    /// Characters on the line now.
    width: usize,
}

impl Progress {
    fn new(total: usize) -> Progress {
        use std::io::IsTerminal;
        Progress {
            total,
            done: 0,
            found: 0,
            shown: std::io::stderr().is_terminal(),
            width: 0,
        }
    }

    fn done(&mut self, r: &Result<PollReport, crate::store::StoreError>) {
        self.done += 1;
        if let Ok(r) = r {
            self.found += r.new_mentions.len();
        }
        if self.shown {
            let line = format!(
                "polled {}/{} sources, {} new mentions",
                self.done, self.total, self.found
            );
            let pad = self.width.saturating_sub(line.len());
            self.width = line.len();
            // Progress only: a terminal that went away is no reason to fail.
            let _ = write!(std::io::stderr(), "\r{line}{:pad$}", "");
        }
    }

    fn finish(&mut self) {
        if self.shown && self.width > 0 {
            let _ = write!(std::io::stderr(), "\r{:w$}\r", "", w = self.width);
        }
    }
}

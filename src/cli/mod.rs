//! The command line: argument definitions and one file per subcommand.
//!
//! `main` parses [`Cli`], sets up logging and calls [`run`]; everything here
//! returns errors rather than exiting, and [`exit_code`] maps them to the
//! documented status (2 for configuration and usage errors).

mod check;
mod completions;
mod deliver;
mod deliveries;
mod eval_sentiment;
mod export;
mod learn;
mod man;
mod mentions;
mod output;
mod poll;
mod preview;
mod sources;
mod stats;
mod status;
mod store;
mod test_alert;
mod triage;
mod users;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use clap::{Parser, Subcommand};

use crate::config::{self, Config, ConfigError};
use crate::localtime;

/// earshot — find every public mention of your brand: polls feeds, matches
/// watched terms, stores each finding once in SQLite.
#[derive(Debug, Parser)]
#[command(name = "earshot", version, about, long_about = None)]
pub struct Cli {
    /// The watch list (TOML). Defaults to $EARSHOT_CONFIG, then /etc/earshot/earshot.toml.
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the config, print a summary; exit 0 when valid, 2 when not.
    Check,
    /// Run the daemon until SIGTERM or SIGINT.
    Run,
    /// Poll all (or the named) sources once, store what they mention, exit.
    Poll(poll::Args),
    /// Fetch and parse one source (a feed or review page URL, an API search, or
    /// a configured source by name) and print its items; stores nothing.
    Preview(preview::Args),
    /// Each source's last poll, last success, last error, items and mentions.
    Sources(sources::Args),
    /// List, search and show stored mentions; handle, assign, label and tag them.
    Mentions(Box<mentions::Args>),
    /// Is the daemon up, which sources fail, what waits in the outbox.
    Status(status::Args),
    /// Per watch and day, week or month: mentions, negative, handled, open,
    /// ignored, time to handle (median, p90) and sources.
    Stats(stats::Args),
    /// All mentions (or those since a time) as CSV or JSON Lines, for spreadsheets.
    Export(export::ExportArgs),
    /// A consistent copy of the database (safe while the daemon runs).
    Backup(export::BackupArgs),
    /// Bring the database's schema up to date (PostgreSQL: once, before the
    /// daemons start; an SQLite file is upgraded by the daemon too).
    Migrate,
    /// The database itself: copy an SQLite database into PostgreSQL.
    #[command(subcommand)]
    Store(store::StoreSub),
    /// Measure the sentiment scorer on a labelled file (`neg|neu|pos<TAB>text` a line),
    /// with the learned model as the daemon scores when a config is given.
    EvalSentiment(eval_sentiment::Args),
    /// Train the learned model on the team's labels and imported examples; say per
    /// language what it used and whether the model is in use.
    Learn(learn::Args),
    /// Send the alerts that are due now (what the daemon does continuously).
    Deliver(deliver::Args),
    /// The alert outbox: pending, sent and failed deliveries with their last error.
    Deliveries(deliveries::Args),
    /// Send a sample alert through one notifier and say what happened.
    TestAlert(test_alert::Args),
    /// Web inbox users: add, list, remove, passwd.
    #[command(subcommand)]
    User(users::UserSub),
    /// API tokens for scripts: create (printed once), list, revoke.
    #[command(subcommand)]
    Token(users::TokenSub),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(completions::Args),
    /// Print the manual page (roff), or write one per subcommand with --dir.
    Man(man::Args),
}

/// A usage error in the arguments that clap could not catch (exit status 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Check => check::run(&config_path(&cli)),
        Command::Run => {
            let config = load(&cli)?;
            init_logging(config.daemon.log_format, &config.daemon.log_level);
            let rt = runtime()?;
            let result = rt.block_on(async {
                let reload = reload_signal()?;
                crate::daemon::run_with_reload(config, shutdown_signal(), reload).await
            });
            // A parse still running on a blocking thread is CPU work on a
            // body nobody waits for any more (it holds no database handle):
            // leave it rather than wait, so SIGTERM exits in time.
            rt.shutdown_timeout(std::time::Duration::from_millis(500));
            result
        }
        Command::Poll(args) => poll::run(&load(&cli)?, args),
        Command::Preview(args) => preview::run(&cli, args),
        Command::Sources(args) => sources::run(&load(&cli)?, args),
        Command::Mentions(args) => mentions::run(&load(&cli)?, args),
        Command::Status(args) => status::run(&load(&cli)?, args),
        Command::Stats(args) => stats::run(&load(&cli)?, args),
        Command::Export(args) => export::export(&load(&cli)?, args),
        Command::Backup(args) => export::backup(&load(&cli)?, args),
        Command::Migrate => store::migrate(&load(&cli)?),
        Command::Store(sub) => store::store(&load(&cli)?, sub),
        Command::EvalSentiment(args) => eval_sentiment::run(args, explicit_config(&cli)?.as_ref()),
        Command::Learn(args) => learn::run(&load(&cli)?, args),
        Command::Deliver(args) => deliver::run(&load(&cli)?, args),
        Command::Deliveries(args) => deliveries::run(&load(&cli)?, args),
        Command::TestAlert(args) => test_alert::run(&load(&cli)?, args),
        Command::User(sub) => users::user(&load(&cli)?, sub),
        Command::Token(sub) => users::token(&load(&cli)?, sub),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man::run(args),
    }
}

/// Logs to stderr, one line per event, as text or JSON, at `level` (a
/// tracing filter). An operator's own `RUST_LOG`, when set and not empty,
/// overrides `level`; one that does not parse is reported and `level` used.
/// Text is coloured only on a terminal, and never when `NO_COLOR` is set
/// (<https://no-color.org>): the journal and log files get plain lines.
pub fn init_logging(format: crate::config::LogFormat, level: &str) {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let from_env = std::env::var("RUST_LOG")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .map(|v| EnvFilter::try_new(&v).map_err(|e| format!("ignoring RUST_LOG={v:?}: {e}")));
    let (filter, env_error) = match from_env {
        Some(Ok(filter)) => (filter, None),
        Some(Err(e)) => (EnvFilter::new(level), Some(e)),
        None => (EnvFilter::new(level), None),
    };
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal() && !no_color)
        .with_writer(std::io::stderr);
    let _ = match format {
        crate::config::LogFormat::Json => builder.json().flatten_event(true).try_init(),
        crate::config::LogFormat::Text => builder.try_init(),
    };
    if let Some(e) = env_error {
        tracing::warn!("{e}; logging at {level:?}");
    }
}

/// The error chain as `main` prints it, each line cleaned like all terminal
/// output: a server's own words (an API's refusal, a webhook's reply) can be
/// in it.
pub fn error_text(err: &anyhow::Error) -> String {
    format!("{err:#}")
        .lines()
        .map(|l| output::clean(l, 4000))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The exit status for an error: 2 for bad configuration or usage, else 1.
pub fn exit_code(err: &anyhow::Error) -> ExitCode {
    let usage = err
        .chain()
        .any(|e| e.is::<ConfigError>() || e.is::<UsageError>() || e.is::<crate::web::NoWebUsers>());
    if usage {
        ExitCode::from(2)
    } else {
        ExitCode::FAILURE
    }
}

/// Refuses a `--watch` or `--source` name the config does not know (exit
/// status 2), listing the known ones: see [`Config::check_names`].
pub fn check_names(
    config: &Config,
    watches: &[String],
    sources: &[String],
) -> Result<(), UsageError> {
    config.check_names(watches, sources).map_err(|e| {
        UsageError(format!(
            "unknown {flag} {:?} (--{flag}) in {}; {}",
            output::clean(&e.name, 200),
            config.path.display(),
            e.known_list(),
            flag = e.what,
        ))
    })
}

/// `--since` (every command that has it) as the instant it names, as of
/// now: see [`localtime::parse_since`].
fn parse_since(s: &str, tz: Tz) -> Result<DateTime<Utc>, UsageError> {
    localtime::parse_since(s, tz, Utc::now()).map_err(|e| UsageError(format!("--since {e}")))
}

fn config_path(cli: &Cli) -> PathBuf {
    cli.config
        .clone()
        .or_else(|| std::env::var_os("EARSHOT_CONFIG").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(config::DEFAULT_PATH))
}

fn load(cli: &Cli) -> anyhow::Result<Config> {
    Ok(Config::load(&config_path(cli))?)
}

/// The config when one was named (`--config` or `$EARSHOT_CONFIG`), for a
/// command that also works without one.
fn explicit_config(cli: &Cli) -> anyhow::Result<Option<Config>> {
    let named =
        cli.config.is_some() || std::env::var_os("EARSHOT_CONFIG").is_some_and(|v| !v.is_empty());
    if named {
        load(cli).map(Some)
    } else {
        Ok(None)
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// SIGHUP (`systemctl reload`) as a stream of reload requests.
fn reload_signal() -> anyhow::Result<tokio::sync::mpsc::Receiver<()>> {
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut hup = signal(SignalKind::hangup()).context("listening for SIGHUP")?;
        tokio::spawn(async move {
            while hup.recv().await.is_some() {
                // A reload already queued covers this one too.
                let _ = tx.try_send(());
            }
        });
    }
    #[cfg(not(unix))]
    drop(tx);
    Ok(rx)
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

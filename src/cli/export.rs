//! `earshot export` and `earshot backup`: the mention database out, for
//! spreadsheets or safekeeping.

use std::io::Write;
use std::path::PathBuf;

use crate::config::Config;
use crate::store::Store;

use super::output::{ExcelArg, Format};
use super::UsageError;

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// csv for spreadsheets, json for JSON Lines.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: Format,
    /// Only mentions found since: today, yesterday or a date (2026-11-01),
    /// each from local midnight in [daemon] timezone; a duration ago (30d);
    /// or an RFC 3339 time.
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Only this watch (repeatable).
    #[arg(long = "watch", value_name = "W")]
    pub watches: Vec<String>,
    #[command(flatten)]
    pub excel: ExcelArg,
}

pub fn export(config: &Config, args: &ExportArgs) -> anyhow::Result<()> {
    if args.format == Format::Table {
        return Err(UsageError("export writes csv or json".into()).into());
    }
    let to = args.excel.with(args.format)?;
    super::check_names(config, &args.watches, &[])?;
    super::mentions::export(config, args.since.as_deref(), &args.watches, to)
}

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// Where to write the copy (must not exist yet).
    pub path: PathBuf,
}

pub fn backup(config: &Config, args: &BackupArgs) -> anyhow::Result<()> {
    if let crate::config::Database::Postgres(server) = &config.storage.database {
        return Err(UsageError(format!(
            "backup copies an SQLite file; a PostgreSQL database is backed up with pg_dump: pg_dump --format=custom --file=earshot.dump '{}'",
            server.shown
        ))
        .into());
    }
    if args.path.exists() {
        return Err(UsageError(format!("{} already exists", args.path.display())).into());
    }
    let store = Store::open_read_only(&config.storage.database)?;
    store.backup_to(&args.path)?;
    let size = std::fs::metadata(&args.path).map(|m| m.len()).unwrap_or(0);
    writeln!(
        std::io::stdout(),
        "backed up {} to {} ({size} bytes)",
        config.storage.database,
        args.path.display()
    )?;
    Ok(())
}

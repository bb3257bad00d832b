//! `earshot export` and `earshot backup`: the mention database out, for
//! spreadsheets or safekeeping.

use std::io::Write;
use std::path::PathBuf;

use crate::config::Config;
use crate::store::Store;

use super::output::Format;
use super::UsageError;

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// csv for spreadsheets, json for JSON Lines.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: Format,
    /// Only mentions found since: a duration ago (30d), a date or an RFC 3339 time.
    #[arg(long)]
    pub since: Option<String>,
    /// Only this watch (repeatable).
    #[arg(long = "watch", value_name = "W")]
    pub watches: Vec<String>,
    /// CSV for Excel with a decimal comma (e.g. Dutch): a UTF-8 byte order
    /// mark, `;` between cells, `,` in decimal numbers.
    #[arg(long)]
    pub excel: bool,
}

pub fn export(config: &Config, args: &ExportArgs) -> anyhow::Result<()> {
    if args.format == Format::Table {
        return Err(UsageError("export writes csv or json".into()).into());
    }
    if args.excel && args.format != Format::Csv {
        return Err(UsageError("--excel goes with --format csv".into()).into());
    }
    super::check_names(config, &args.watches, &[])?;
    super::mentions::export(
        config,
        args.since.as_deref(),
        &args.watches,
        args.format,
        super::output::CsvStyle { excel: args.excel },
    )
}

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// Where to write the copy (must not exist yet).
    pub path: PathBuf,
}

pub fn backup(config: &Config, args: &BackupArgs) -> anyhow::Result<()> {
    if args.path.exists() {
        return Err(UsageError(format!("{} already exists", args.path.display())).into());
    }
    let store = Store::open_read_only(&config.storage.database)?;
    store.backup_to(&args.path)?;
    let size = std::fs::metadata(&args.path).map(|m| m.len()).unwrap_or(0);
    writeln!(
        std::io::stdout(),
        "backed up {} to {} ({size} bytes)",
        config.storage.database.display(),
        args.path.display()
    )?;
    Ok(())
}

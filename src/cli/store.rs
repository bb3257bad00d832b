//! `earshot migrate` and `earshot store copy`: the schema and the history
//! between engines. Daemons never change the schema of a shared PostgreSQL
//! database themselves; an operator runs `migrate` once (an SQLite file is
//! still upgraded by the daemon that opens it, as before).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use crate::config::{self, Config, Database};
use crate::store::Store;

use super::UsageError;

pub fn migrate(config: &Config) -> anyhow::Result<()> {
    let (store, before, after) = Store::migrate(&config.storage.database)?;
    let mut out = std::io::stdout().lock();
    let engine = store.engine().as_str();
    if before == after {
        writeln!(
            out,
            "database {} ({engine}): schema version {after}, up to date",
            config.storage.database
        )?;
    } else {
        writeln!(
            out,
            "database {} ({engine}): schema version {before} → {after}",
            config.storage.database
        )?;
    }
    Ok(())
}

#[derive(Debug, clap::Subcommand)]
pub enum StoreSub {
    /// Copy this config's SQLite database into an empty PostgreSQL database
    /// (mentions, items, sources' state, outbox, users, labels), then compare
    /// each table's rows on both sides.
    Copy(CopyArgs),
}

#[derive(Debug, clap::Args)]
pub struct CopyArgs {
    /// The PostgreSQL database to fill: postgres://USER@HOST:PORT/DATABASE
    /// (it is migrated first and must hold no rows).
    #[arg(long, value_name = "URL")]
    pub to: String,
    /// Read its password from this environment variable.
    #[arg(long, value_name = "NAME")]
    pub password_env: Option<String>,
    /// Read its password from this file (first line).
    #[arg(long, value_name = "PATH", conflicts_with = "password_env")]
    pub password_file: Option<PathBuf>,
}

pub fn store(config: &Config, sub: &StoreSub) -> anyhow::Result<()> {
    match sub {
        StoreSub::Copy(args) => copy(config, args),
    }
}

fn copy(config: &Config, args: &CopyArgs) -> anyhow::Result<()> {
    if !matches!(config.storage.database, Database::Sqlite(_)) {
        return Err(UsageError(format!(
            "store copy reads an SQLite database, and [storage] database is {}",
            config.storage.database
        ))
        .into());
    }
    let password = match (&args.password_env, &args.password_file) {
        (Some(name), _) => Some(
            std::env::var(name)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| UsageError(format!("environment variable {name} is not set")))?
                .trim()
                .to_string(),
        ),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the password file {}", path.display()))?;
            Some(text.lines().next().unwrap_or("").trim().to_string())
        }
        (None, None) => None,
    };
    let server = config::server(&args.to, password).map_err(UsageError)?;
    let source = Store::open_read_only(&config.storage.database)?;
    let (mut target, _, _) = Store::migrate(&Database::Postgres(server))?;
    let copied = source.copy_into(&mut target)?;
    let mut out = std::io::stdout().lock();
    let mut mismatched = Vec::new();
    for c in &copied {
        let mark = if c.source == c.target { "" } else { "  ✗" };
        writeln!(
            out,
            "{:<16} {:>9} → {:>9}{mark}",
            c.table, c.source, c.target
        )?;
        if c.source != c.target {
            mismatched.push(c.table);
        }
    }
    if !mismatched.is_empty() {
        anyhow::bail!(
            "the copy in {} differs from {} in {}",
            args.to,
            config.storage.database,
            mismatched.join(", ")
        );
    }
    writeln!(
        out,
        "copied {} into {}: every table's rows counted on both sides",
        config.storage.database, args.to
    )?;
    Ok(())
}

//! `earshot user add|list|remove|passwd` and `earshot token
//! create|list|revoke`: who may use the web inbox and its API.
//!
//! Passwords come from a prompt on the terminal, asked twice without echo
//! (rpassword: it turns echo off on the controlling terminal and back on,
//! also when interrupted, which is easy to get wrong by hand), or from
//! standard input with `--password-stdin` (scripts). A new token is printed
//! once, on stdout alone; only its SHA-256 digest is stored. These commands
//! write beside a running daemon (every write transaction is `IMMEDIATE`);
//! `user add` and `token create` create the database when there is none, the
//! others refuse a missing one. An unknown name is a usage error (exit 2).

use std::io::{IsTerminal, Read, Write};

use chrono::Utc;

use crate::config::Config;
use crate::store::{Store, StoreError};
use crate::web::credentials::{self, PasswordError};

use super::output::{self, ReportFormat};
use super::UsageError;

/// `earshot user …`
#[derive(Debug, clap::Subcommand)]
pub enum UserSub {
    /// Add a web user (password from a prompt, or --password-stdin).
    Add {
        name: String,
        /// Read the password from standard input (one line) instead of a prompt.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the web users and their live sessions.
    List {
        #[arg(long, value_enum, default_value = "table")]
        format: ReportFormat,
    },
    /// Remove a web user; their sessions end at once.
    Remove { name: String },
    /// Set a web user's password; their sessions end at once.
    Passwd {
        name: String,
        /// Read the password from standard input (one line) instead of a prompt.
        #[arg(long)]
        password_stdin: bool,
    },
}

/// `earshot token …`
#[derive(Debug, clap::Subcommand)]
pub enum TokenSub {
    /// Create an API token and print it once (only its hash is kept).
    Create { name: String },
    /// List the API tokens: created, last used, revoked (never the token).
    List {
        #[arg(long, value_enum, default_value = "table")]
        format: ReportFormat,
    },
    /// Revoke an API token; calls with it are refused at once.
    Revoke { name: String },
}

pub fn user(config: &Config, sub: &UserSub) -> anyhow::Result<()> {
    let path = &config.storage.database;
    let mut out = std::io::stdout().lock();
    match sub {
        UserSub::Add {
            name,
            password_stdin,
        } => {
            let name = checked_name("user", name)?;
            let hash = new_password_hash(&name, *password_stdin)?;
            let mut store = Store::open(path)?;
            if !store.add_user(&name, &hash, Utc::now())? {
                return Err(UsageError(format!(
                    "a user named {name:?} exists already (set a new password with `earshot user passwd {name}`)"
                ))
                .into());
            }
            writeln!(out, "user {name} added")?;
        }
        UserSub::List { format } => {
            let store = Store::open_read_only(path)?;
            let users = store.users(Utc::now())?;
            match format {
                ReportFormat::Json => {
                    for u in &users {
                        output::json_line(&mut out, u)?;
                    }
                }
                ReportFormat::Table => {
                    let rows: Vec<Vec<String>> = users
                        .iter()
                        .map(|u| {
                            vec![
                                output::clean(&u.name, 64),
                                output::time(Some(u.created_at), config.daemon.timezone),
                                u.sessions.to_string(),
                            ]
                        })
                        .collect();
                    output::table(&mut out, &["NAME", "CREATED", "SESSIONS"], &rows)?;
                }
            }
        }
        UserSub::Remove { name } => {
            let mut store = existing(path)?;
            if !store.remove_user(name)? {
                return Err(unknown("user", name, &store)?.into());
            }
            writeln!(
                out,
                "user {} removed; their sessions ended",
                output::clean(name, 64)
            )?;
        }
        UserSub::Passwd {
            name,
            password_stdin,
        } => {
            let mut store = existing(path)?;
            if store.password_hash(name)?.is_none() {
                return Err(unknown("user", name, &store)?.into());
            }
            let hash = new_password_hash(name, *password_stdin)?;
            if !store.set_password(name, &hash)? {
                return Err(unknown("user", name, &store)?.into());
            }
            writeln!(
                out,
                "password of {} changed; their sessions ended",
                output::clean(name, 64)
            )?;
        }
    }
    Ok(())
}

pub fn token(config: &Config, sub: &TokenSub) -> anyhow::Result<()> {
    let path = &config.storage.database;
    let mut out = std::io::stdout().lock();
    match sub {
        TokenSub::Create { name } => {
            let name = checked_name("token", name)?;
            let token = credentials::new_api_token();
            let mut store = Store::open(path)?;
            if !store.add_token(&name, &credentials::digest(&token), Utc::now())? {
                return Err(UsageError(format!(
                    "a token named {name:?} exists already (revoke it first: `earshot token revoke {name}`)"
                ))
                .into());
            }
            writeln!(out, "{token}")?;
            let _ = writeln!(
                std::io::stderr(),
                "token {name} created; it is shown this once (send it as Authorization: Bearer …)"
            );
        }
        TokenSub::List { format } => {
            let store = Store::open_read_only(path)?;
            let tokens = store.tokens()?;
            match format {
                ReportFormat::Json => {
                    for t in &tokens {
                        output::json_line(&mut out, t)?;
                    }
                }
                ReportFormat::Table => {
                    let rows: Vec<Vec<String>> = tokens
                        .iter()
                        .map(|t| {
                            vec![
                                output::clean(&t.name, 64),
                                output::time(Some(t.created_at), config.daemon.timezone),
                                output::time(t.last_used_at, config.daemon.timezone),
                                output::time(t.revoked_at, config.daemon.timezone),
                            ]
                        })
                        .collect();
                    output::table(
                        &mut out,
                        &["NAME", "CREATED", "LAST USED", "REVOKED"],
                        &rows,
                    )?;
                }
            }
        }
        TokenSub::Revoke { name } => {
            let mut store = existing(path)?;
            if !store.revoke_token(name, Utc::now())? {
                return Err(unknown("active token", name, &store)?.into());
            }
            writeln!(out, "token {} revoked", output::clean(name, 64))?;
        }
    }
    Ok(())
}

/// The database for a change to what is in it: a mistyped path is an
/// error, not a new empty database.
fn existing(db: &crate::config::Database) -> Result<Store, StoreError> {
    Store::open_existing(db)
}

/// "no user named X; known: a, b" (exit 2).
fn unknown(what: &str, name: &str, store: &Store) -> Result<UsageError, StoreError> {
    let known: Vec<String> = if what == "user" {
        store
            .users(Utc::now())?
            .into_iter()
            .map(|u| u.name)
            .collect()
    } else {
        let mut names: Vec<String> = store
            .tokens()?
            .into_iter()
            .filter(|t| t.revoked_at.is_none())
            .map(|t| t.name)
            .collect();
        names.dedup();
        names
    };
    let known = if known.is_empty() {
        "there are none".to_string()
    } else {
        format!("known: {}", known.join(", "))
    };
    Ok(UsageError(format!(
        "no {what} named {:?}; {known}",
        output::clean(name, 64)
    )))
}

/// A user or token name: 1 to 64 letters, digits and `. _ - @`.
fn checked_name(what: &str, name: &str) -> Result<String, UsageError> {
    if crate::web::valid_name(name) {
        Ok(name.to_string())
    } else {
        Err(UsageError(format!(
            "{what} name {:?}: use 1 to 64 letters, digits and . _ - @",
            output::clean(name, 64)
        )))
    }
}

/// The hash of a new password for `name`, read from standard input or asked
/// twice on the terminal.
fn new_password_hash(name: &str, from_stdin: bool) -> anyhow::Result<String> {
    let password = if from_stdin {
        let mut s = String::new();
        std::io::stdin()
            .take(credentials::MAX_PASSWORD as u64 + 2)
            .read_to_string(&mut s)
            .map_err(|e| UsageError(format!("reading the password from standard input: {e}")))?;
        // One line: the line break a shell or `echo` adds is not part of it.
        let line = s.strip_suffix('\n').unwrap_or(&s);
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.contains('\n') {
            return Err(UsageError(
                "--password-stdin reads one line; standard input has several".into(),
            )
            .into());
        }
        line.to_string()
    } else {
        if !std::io::stdin().is_terminal() && !std::io::stderr().is_terminal() {
            return Err(UsageError(
                "no terminal to ask for the password on; pass it with --password-stdin".into(),
            )
            .into());
        }
        let ask = |prompt: &str| {
            rpassword::prompt_password(prompt).map_err(|e| {
                UsageError(format!(
                    "cannot ask for the password on the terminal ({e}); pass it with --password-stdin"
                ))
            })
        };
        let first = ask(&format!("password for {name}: "))?;
        credentials::check_new_password(&first).map_err(password_error)?;
        let second = ask("the same password again: ")?;
        if first != second {
            return Err(UsageError("the two passwords differ; nothing was changed".into()).into());
        }
        first
    };
    credentials::hash_password(&password).map_err(|e| match e {
        PasswordError::Hash(_) => anyhow::Error::from(e),
        e => password_error(e).into(),
    })
}

fn password_error(e: PasswordError) -> UsageError {
    UsageError(format!("{e}; nothing was changed"))
}

//! `earshot mentions handle|assign|ignore|reopen|label|note|tag|history`:
//! the team inbox from the command line.
//!
//! Each command names who acts (`--by`, else `$EARSHOT_USER`, else the OS
//! user), opens the database for writing and makes one change to every id
//! given, in one transaction: to all of them or, when one id is unknown, to
//! none (exit 2 naming it). The store writes the history; nothing here
//! builds SQL or decides what a change means.

use std::io::Write;

use chrono::Utc;
use chrono_tz::Tz;

use crate::config::Config;
use crate::store::{Change, Event, Label, Store, StoreError};

use super::output::{self, ReportFormat};
use super::UsageError;

/// The longest note, tag or name accepted, in characters.
const MAX_TEXT: usize = 10_000;

/// `--by NAME`: who makes the change.
#[derive(Debug, Clone, clap::Args)]
pub struct ByArg {
    /// Who makes the change (default: $EARSHOT_USER, else the OS user name).
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
}

/// A triage subcommand, as parsed.
#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    /// Mark mentions handled (answered); the first time is kept as handled_at.
    Handle {
        #[arg(required = true, value_name = "ID")]
        ids: Vec<i64>,
        /// A note to keep with each (what was answered, where).
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
        #[command(flatten)]
        by: ByArg,
    },
    /// Give mentions to a person (state assigned).
    Assign {
        #[arg(required = true, value_name = "ID")]
        ids: Vec<i64>,
        /// The person who takes them.
        #[arg(long, value_name = "NAME")]
        to: String,
        #[command(flatten)]
        by: ByArg,
    },
    /// Mark mentions ignored (nothing to answer).
    Ignore {
        #[arg(required = true, value_name = "ID")]
        ids: Vec<i64>,
        /// Why, kept as a note with each.
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
        #[command(flatten)]
        by: ByArg,
    },
    /// Open handled or ignored mentions again (assigned if they have an assignee, else new).
    Reopen {
        #[arg(required = true, value_name = "ID")]
        ids: Vec<i64>,
        #[command(flatten)]
        by: ByArg,
    },
    /// The team's own verdict: complaint, praise, neutral or irrelevant.
    Label {
        #[arg(required = true, num_args = 1.., value_name = "ID")]
        ids: Vec<i64>,
        #[arg(value_enum)]
        label: Label,
        #[command(flatten)]
        by: ByArg,
    },
    /// Add a timestamped note to one mention.
    Note {
        id: i64,
        text: String,
        #[command(flatten)]
        by: ByArg,
    },
    /// Tag mentions (or take a tag off with --remove).
    Tag {
        #[arg(required = true, num_args = 1.., value_name = "ID")]
        ids: Vec<i64>,
        tag: String,
        /// Take the tag off instead.
        #[arg(long)]
        remove: bool,
        #[command(flatten)]
        by: ByArg,
    },
}

pub fn run(config: &Config, sub: &Sub) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let (ids, change, by, done): (&[i64], Change, &ByArg, String) = match sub {
        Sub::Handle { ids, note, by } => (
            ids,
            Change::Handle {
                note: text("--note", note.as_deref())?,
            },
            by,
            "handled".into(),
        ),
        Sub::Assign { ids, to, by } => {
            let to = name("--to", to)?;
            (
                ids,
                Change::Assign { to: to.clone() },
                by,
                format!("assigned to {to}"),
            )
        }
        Sub::Ignore { ids, note, by } => (
            ids,
            Change::Ignore {
                note: text("--note", note.as_deref())?,
            },
            by,
            "ignored".into(),
        ),
        Sub::Reopen { ids, by } => (ids, Change::Reopen, by, "reopened".into()),
        Sub::Label { ids, label, by } => (
            ids,
            Change::Label(*label),
            by,
            format!("labelled {}", label.as_str()),
        ),
        Sub::Note { id, text: t, by } => {
            let t = text("the note", Some(t))?.unwrap_or_default();
            (
                std::slice::from_ref(id),
                Change::Note(t),
                by,
                "noted".into(),
            )
        }
        Sub::Tag {
            ids,
            tag,
            remove,
            by,
        } => {
            let tag = name("the tag", tag)?;
            let done = if *remove {
                format!("untagged {tag}")
            } else {
                format!("tagged {tag}")
            };
            (
                ids,
                Change::Tag {
                    tag,
                    remove: *remove,
                },
                by,
                done,
            )
        }
    };
    let who = who(by.by.as_deref())?;
    // A mistyped path is an error, not a new empty database.
    let mut store = Store::open_existing(&config.storage.database)?;
    let events = store
        .triage(ids, &change, &who, Utc::now())
        .map_err(usage)?;
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    writeln!(
        out,
        "{} {}: {done} by {} ({events} change{})",
        if ids.len() == 1 {
            "mention"
        } else {
            "mentions"
        },
        list.join(", "),
        output::clean(&who, 200),
        if events == 1 { "" } else { "s" }
    )?;
    Ok(())
}

/// An unknown id is the user's mistake (exit 2); anything else is not.
pub fn usage(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::NoSuchMention(_) | StoreError::NoSuchMentions(_) => {
            UsageError(e.to_string()).into()
        }
        e => e.into(),
    }
}

/// Who acts: `--by`, else `$EARSHOT_USER`, else the OS user name.
fn who(by: Option<&str>) -> Result<String, UsageError> {
    if let Some(by) = by {
        return name("--by", by);
    }
    if let Some(user) = std::env::var("EARSHOT_USER")
        .ok()
        .filter(|u| !u.trim().is_empty())
    {
        return name("EARSHOT_USER", &user);
    }
    os_user().ok_or_else(|| {
        UsageError("cannot tell who you are: pass --by NAME or set EARSHOT_USER".into())
    })
}

/// The name of the user this process runs as (the password database, else `$USER`).
fn os_user() -> Option<String> {
    #[cfg(unix)]
    {
        // SAFETY: `passwd` is a plain C struct of integers and pointers, for
        // which all zeroes is a valid value; getpwuid_r fills it in.
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut buf = vec![0 as libc::c_char; 16 * 1024];
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer is to a live local of the right type and
        // `buf.len()` is the buffer's real size; the name is read only when
        // the call succeeded, before `buf` is dropped.
        let rc = unsafe {
            libc::getpwuid_r(
                libc::getuid(),
                &mut pwd,
                buf.as_mut_ptr(),
                buf.len(),
                &mut found,
            )
        };
        if rc == 0 && !found.is_null() && !pwd.pw_name.is_null() {
            // SAFETY: getpwuid_r succeeded, so pw_name points to a
            // NUL-terminated string inside `buf`.
            let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
            let name = name.to_string_lossy().into_owned();
            if !name.is_empty() {
                return Some(name);
            }
        }
    }
    std::env::var("USER").ok().filter(|u| !u.trim().is_empty())
}

/// A person's name or a tag: trimmed, not empty, one line, not too long.
fn name(what: &str, s: &str) -> Result<String, UsageError> {
    let s = s.trim();
    if s.is_empty() || s.chars().any(char::is_control) || s.chars().count() > 200 {
        return Err(UsageError(format!(
            "{what} {s:?}: give a name of 1 to 200 characters on one line"
        )));
    }
    Ok(s.to_string())
}

/// A note's text, when given: not empty, not too long.
fn text(what: &str, s: Option<&str>) -> Result<Option<String>, UsageError> {
    match s.map(str::trim) {
        None => Ok(None),
        Some(t) if t.is_empty() || t.chars().count() > MAX_TEXT => Err(UsageError(format!(
            "{what}: write 1 to {MAX_TEXT} characters"
        ))),
        Some(t) => Ok(Some(t.to_string())),
    }
}

/// `mentions history ID`.
pub fn history(config: &Config, id: i64, format: ReportFormat) -> anyhow::Result<()> {
    let store = Store::open_read_only(&config.storage.database)?;
    let events = store.history(id).map_err(usage)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        ReportFormat::Json => {
            for e in &events {
                output::json_line(&mut out, e)?;
            }
        }
        ReportFormat::Table => history_table(&mut out, &events, config.daemon.timezone)?,
    }
    Ok(())
}

/// A history as a table: AT (in `tz`), BY, WHAT, FROM, TO.
pub fn history_table(out: &mut impl Write, events: &[Event], tz: Tz) -> std::io::Result<()> {
    let dash = |s: &Option<String>| output::clean(s.as_deref().unwrap_or("-"), 80);
    let rows: Vec<Vec<String>> = events
        .iter()
        .map(|e| {
            vec![
                output::time(Some(e.at), tz),
                output::clean(&e.by, 40),
                e.what.clone(),
                dash(&e.from),
                dash(&e.to),
            ]
        })
        .collect();
    output::table(out, &["AT", "BY", "WHAT", "FROM", "TO"], &rows)
}

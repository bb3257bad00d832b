//! The team inbox: each mention's state, assignee, label, tags and notes,
//! and the append-only history of every change to them.
//!
//! A change to several mentions is one transaction that first checks every
//! id, so it happens to all of them or to none. Every change writes an event
//! (who, when, what, from → to); events are never updated or deleted except
//! with their mention (retention). `handled_at` is set the first time a
//! mention is handled and never moved after. Nothing here decides who the
//! user is or prints anything.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Transaction};

use super::{from_db_time, to_db_time, Result, Store, StoreError};

/// Where a mention stands in the team's inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum State {
    #[default]
    New,
    Assigned,
    Handled,
    Ignored,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::New => "new",
            State::Assigned => "assigned",
            State::Handled => "handled",
            State::Ignored => "ignored",
        }
    }

    pub(super) fn parse(s: &str) -> State {
        match s {
            "assigned" => State::Assigned,
            "handled" => State::Handled,
            "ignored" => State::Ignored,
            _ => State::New,
        }
    }
}

/// The team's own verdict on a mention, kept apart from the scorer's sentiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    Complaint,
    Praise,
    Neutral,
    Irrelevant,
}

impl Label {
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Complaint => "complaint",
            Label::Praise => "praise",
            Label::Neutral => "neutral",
            Label::Irrelevant => "irrelevant",
        }
    }
}

/// A mention's place in the inbox, as listed with it.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Triage {
    pub state: State,
    pub assignee: Option<String>,
    pub label: Option<String>,
    pub tags: Vec<String>,
    pub handled_at: Option<DateTime<Utc>>,
}

impl Triage {
    /// From the columns [`TRIAGE_COLUMNS`] put at `at` onwards.
    pub(super) fn from_row(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Triage> {
        let tags: Option<String> = r.get(at + 4)?;
        let mut tags: Vec<String> = tags
            .map(|s| s.split('\u{1f}').map(str::to_string).collect())
            .unwrap_or_default();
        tags.sort();
        Ok(Triage {
            state: State::parse(&r.get::<_, String>(at)?),
            assignee: r.get(at + 1)?,
            label: r.get(at + 2)?,
            handled_at: r.get::<_, Option<i64>>(at + 3)?.map(from_db_time),
            tags,
        })
    }
}

/// The columns [`Triage::from_row`] reads, for a query over `mentions m`.
pub(super) const TRIAGE_COLUMNS: &str = "m.state, m.assignee, m.label, m.handled_at,
    (SELECT group_concat(t.tag, char(31)) FROM mention_tags t WHERE t.mention_id = m.id)";

/// One change to make to each of a set of mentions.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Handle {
        note: Option<String>,
    },
    Assign {
        to: String,
    },
    Ignore {
        note: Option<String>,
    },
    /// Back to `assigned` when it has an assignee, else `new`.
    Reopen,
    Label(Label),
    Note(String),
    Tag {
        tag: String,
        remove: bool,
    },
}

/// One entry in a mention's history.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub by: String,
    /// `state`, `assignee`, `label`, `note` or `tag`.
    pub what: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// A note on a mention.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Note {
    pub at: DateTime<Utc>,
    pub by: String,
    pub text: String,
}

/// A mention's row as a change reads it.
struct Current {
    state: String,
    assignee: Option<String>,
    label: Option<String>,
}

impl Store {
    /// Makes `change` to every mention in `ids`, as `by` at `at`: all of them
    /// or, when any id is unknown, none ([`StoreError::NoSuchMentions`]).
    /// Returns how many events it wrote (a change to what already is writes none).
    pub fn triage(
        &mut self,
        ids: &[i64],
        change: &Change,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<usize> {
        let at = to_db_time(at);
        let outcome = self.write_sqlite(|tx| {
            let mut current = Vec::with_capacity(ids.len());
            let mut missing = Vec::new();
            for &id in ids {
                match read_current(tx, id)? {
                    Some(c) => current.push((id, c)),
                    None => missing.push(id),
                }
            }
            if !missing.is_empty() {
                return Ok(Err(missing));
            }
            let mut events = 0;
            for (id, cur) in &current {
                events += apply(tx, *id, cur, change, by, at)?;
            }
            Ok(Ok(events))
        })?;
        outcome.map_err(StoreError::NoSuchMentions)
    }

    /// A mention's history, oldest first.
    pub fn history(&self, id: i64) -> Result<Vec<Event>> {
        self.require_mention(id)?;
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                r#"SELECT at, "by", what, "from", "to" FROM mention_events
                   WHERE mention_id = ?1 ORDER BY id"#,
            )
            .map_err(self.sqlite_err())?;
        let rows = stmt
            .query_map([id], |r| {
                Ok(Event {
                    at: from_db_time(r.get(0)?),
                    by: r.get(1)?,
                    what: r.get(2)?,
                    from: r.get(3)?,
                    to: r.get(4)?,
                })
            })
            .map_err(self.sqlite_err())?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.sqlite_err())
    }

    /// A mention's notes, oldest first.
    pub fn notes(&self, id: i64) -> Result<Vec<Note>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                r#"SELECT at, "by", text FROM mention_notes WHERE mention_id = ?1 ORDER BY id"#,
            )
            .map_err(self.sqlite_err())?;
        let rows = stmt
            .query_map([id], |r| {
                Ok(Note {
                    at: from_db_time(r.get(0)?),
                    by: r.get(1)?,
                    text: r.get(2)?,
                })
            })
            .map_err(self.sqlite_err())?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.sqlite_err())
    }

    fn require_mention(&self, id: i64) -> Result<()> {
        let conn = self.conn();
        let found = conn
            .query_row("SELECT 1 FROM mentions WHERE id = ?1", [id], |_| Ok(()))
            .optional()
            .map_err(self.sqlite_err())?;
        found.ok_or(StoreError::NoSuchMention(id))
    }
}

fn read_current(tx: &Transaction<'_>, id: i64) -> rusqlite::Result<Option<Current>> {
    tx.query_row(
        "SELECT state, assignee, label FROM mentions WHERE id = ?1",
        [id],
        |r| {
            Ok(Current {
                state: r.get(0)?,
                assignee: r.get(1)?,
                label: r.get(2)?,
            })
        },
    )
    .optional()
}

/// Makes one change to one mention; returns the events written.
fn apply(
    tx: &Transaction<'_>,
    id: i64,
    cur: &Current,
    change: &Change,
    by: &str,
    at: i64,
) -> rusqlite::Result<usize> {
    let event = |what: &str, from: Option<&str>, to: Option<&str>| {
        tx.execute(
            r#"INSERT INTO mention_events (mention_id, at, "by", what, "from", "to")
               VALUES (?1, ?2, ?3, ?4, ?5, ?6)"#,
            params![id, at, by, what, from, to],
        )
    };
    let set_state = |to: State| -> rusqlite::Result<usize> {
        if cur.state == to.as_str() {
            return Ok(0);
        }
        tx.execute(
            "UPDATE mentions SET state = ?2,
                handled_at = CASE WHEN ?2 = 'handled' THEN coalesce(handled_at, ?3) ELSE handled_at END
             WHERE id = ?1",
            params![id, to.as_str(), at],
        )?;
        event("state", Some(&cur.state), Some(to.as_str()))
    };
    let add_note = |text: &str| -> rusqlite::Result<usize> {
        tx.execute(
            r#"INSERT INTO mention_notes (mention_id, at, "by", text) VALUES (?1, ?2, ?3, ?4)"#,
            params![id, at, by, text],
        )?;
        event("note", None, Some(text))
    };
    match change {
        Change::Handle { note } | Change::Ignore { note } => {
            let to = match change {
                Change::Handle { .. } => State::Handled,
                _ => State::Ignored,
            };
            let mut n = set_state(to)?;
            if let Some(text) = note {
                n += add_note(text)?;
            }
            Ok(n)
        }
        Change::Assign { to } => {
            let mut n = 0;
            if cur.assignee.as_deref() != Some(to.as_str()) {
                tx.execute(
                    "UPDATE mentions SET assignee = ?2 WHERE id = ?1",
                    params![id, to],
                )?;
                n += event("assignee", cur.assignee.as_deref(), Some(to))?;
            }
            Ok(n + set_state(State::Assigned)?)
        }
        Change::Reopen => {
            let open = if cur.assignee.is_some() {
                State::Assigned
            } else {
                State::New
            };
            match cur.state.as_str() {
                "handled" | "ignored" => set_state(open),
                _ => Ok(0),
            }
        }
        Change::Label(label) => {
            if cur.label.as_deref() == Some(label.as_str()) {
                return Ok(0);
            }
            tx.execute(
                "UPDATE mentions SET label = ?2 WHERE id = ?1",
                params![id, label.as_str()],
            )?;
            event("label", cur.label.as_deref(), Some(label.as_str()))
        }
        Change::Note(text) => add_note(text),
        Change::Tag { tag, remove: false } => {
            let added = tx.execute(
                "INSERT OR IGNORE INTO mention_tags (mention_id, tag) VALUES (?1, ?2)",
                params![id, tag],
            )?;
            if added == 0 {
                return Ok(0);
            }
            event("tag", None, Some(tag))
        }
        Change::Tag { tag, remove: true } => {
            let removed = tx.execute(
                "DELETE FROM mention_tags WHERE mention_id = ?1 AND tag = ?2",
                params![id, tag],
            )?;
            if removed == 0 {
                return Ok(0);
            }
            event("tag", Some(tag), None)
        }
    }
}

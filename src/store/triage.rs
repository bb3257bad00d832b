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

use super::db::{args, DbResult, Row, Sql, Tx};
use super::{from_db_time, time_at, to_db_time, Result, Store, StoreError};

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

/// A mention's place in the inbox, from the columns [`TRIAGE_COLUMNS`] put
/// at `at` onwards.
pub(super) fn triage_row(r: &Row, at: usize) -> DbResult<Triage> {
    let tags: Option<String> = r.get(at + 4)?;
    let mut tags: Vec<String> = tags
        .map(|s| s.split('\u{1f}').map(str::to_string).collect())
        .unwrap_or_default();
    tags.sort();
    Ok(Triage {
        state: State::parse(&r.get::<String>(at)?),
        assignee: r.get(at + 1)?,
        label: r.get(at + 2)?,
        handled_at: time_at(r, at + 3)?,
        tags,
    })
}

/// The columns [`triage_row`] reads, for a query over `mentions m` (tags
/// joined with U+001F, as in `query.rs`).
pub(super) const TRIAGE_COLUMNS: &str = "m.state, m.assignee, m.label, m.handled_at,
    (SELECT string_agg(t.tag, '\u{1f}') FROM mention_tags t WHERE t.mention_id = m.id)";

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
        let outcome = self.write(|tx| {
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
        self.read(|db| {
            db.query(
                r#"SELECT at, "by", what, "from", "to" FROM mention_events
                   WHERE mention_id = ?1 ORDER BY id"#,
                args![id],
            )?
            .iter()
            .map(event_row)
            .collect()
        })
    }

    /// A mention's notes, oldest first.
    pub fn notes(&self, id: i64) -> Result<Vec<Note>> {
        self.read(|db| {
            db.query(
                r#"SELECT at, "by", text FROM mention_notes WHERE mention_id = ?1 ORDER BY id"#,
                args![id],
            )?
            .iter()
            .map(note_row)
            .collect()
        })
    }

    fn require_mention(&self, id: i64) -> Result<()> {
        let found =
            self.read(|db| db.query_opt("SELECT 1 FROM mentions WHERE id = ?1", args![id]))?;
        found.map(|_| ()).ok_or(StoreError::NoSuchMention(id))
    }
}

fn event_row(r: &Row) -> DbResult<Event> {
    Ok(Event {
        at: from_db_time(r.get(0)?),
        by: r.get(1)?,
        what: r.get(2)?,
        from: r.get(3)?,
        to: r.get(4)?,
    })
}

fn note_row(r: &Row) -> DbResult<Note> {
    Ok(Note {
        at: from_db_time(r.get(0)?),
        by: r.get(1)?,
        text: r.get(2)?,
    })
}

fn read_current(tx: &mut Tx<'_>, id: i64) -> DbResult<Option<Current>> {
    tx.query_opt(
        "SELECT state, assignee, label FROM mentions WHERE id = ?1",
        args![id],
    )?
    .as_ref()
    .map(current_row)
    .transpose()
}

fn current_row(r: &Row) -> DbResult<Current> {
    Ok(Current {
        state: r.get(0)?,
        assignee: r.get(1)?,
        label: r.get(2)?,
    })
}

/// Makes one change to one mention; returns the events written.
fn apply(
    tx: &mut Tx<'_>,
    id: i64,
    cur: &Current,
    change: &Change,
    by: &str,
    at: i64,
) -> DbResult<usize> {
    match change {
        Change::Handle { note } | Change::Ignore { note } => {
            let to = match change {
                Change::Handle { .. } => State::Handled,
                _ => State::Ignored,
            };
            let mut n = set_state(tx, id, cur, to, by, at)?;
            if let Some(text) = note {
                n += add_note(tx, id, text, by, at)?;
            }
            Ok(n)
        }
        Change::Assign { to } => {
            let mut n = 0;
            if cur.assignee.as_deref() != Some(to.as_str()) {
                tx.execute(
                    "UPDATE mentions SET assignee = ?2 WHERE id = ?1",
                    args![id, to],
                )?;
                n += event(
                    tx,
                    id,
                    at,
                    by,
                    "assignee",
                    cur.assignee.as_deref(),
                    Some(to),
                )?;
            }
            Ok(n + set_state(tx, id, cur, State::Assigned, by, at)?)
        }
        Change::Reopen => {
            let open = if cur.assignee.is_some() {
                State::Assigned
            } else {
                State::New
            };
            match cur.state.as_str() {
                "handled" | "ignored" => set_state(tx, id, cur, open, by, at),
                _ => Ok(0),
            }
        }
        Change::Label(label) => {
            if cur.label.as_deref() == Some(label.as_str()) {
                return Ok(0);
            }
            tx.execute(
                "UPDATE mentions SET label = ?2 WHERE id = ?1",
                args![id, label.as_str()],
            )?;
            event(
                tx,
                id,
                at,
                by,
                "label",
                cur.label.as_deref(),
                Some(label.as_str()),
            )
        }
        Change::Note(text) => add_note(tx, id, text, by, at),
        Change::Tag { tag, remove: false } => {
            let added = tx.execute(
                "INSERT OR IGNORE INTO mention_tags (mention_id, tag) VALUES (?1, ?2)",
                args![id, tag],
            )?;
            if added == 0 {
                return Ok(0);
            }
            event(tx, id, at, by, "tag", None, Some(tag))
        }
        Change::Tag { tag, remove: true } => {
            let removed = tx.execute(
                "DELETE FROM mention_tags WHERE mention_id = ?1 AND tag = ?2",
                args![id, tag],
            )?;
            if removed == 0 {
                return Ok(0);
            }
            event(tx, id, at, by, "tag", Some(tag), None)
        }
    }
}

/// Appends one event to a mention's history; 1, the events written.
fn event(
    tx: &mut Tx<'_>,
    id: i64,
    at: i64,
    by: &str,
    what: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> DbResult<usize> {
    tx.execute(
        r#"INSERT INTO mention_events (mention_id, at, "by", what, "from", "to")
           VALUES (?1, ?2, ?3, ?4, ?5, ?6)"#,
        args![id, at, by, what, from, to],
    )?;
    Ok(1)
}

/// Moves a mention to state `to` (nothing when it is there); `handled_at`
/// is set the first time it is handled and never moved after.
fn set_state(
    tx: &mut Tx<'_>,
    id: i64,
    cur: &Current,
    to: State,
    by: &str,
    at: i64,
) -> DbResult<usize> {
    if cur.state == to.as_str() {
        return Ok(0);
    }
    tx.execute(
        "UPDATE mentions SET state = CAST(?2 AS TEXT),
            handled_at = CASE WHEN CAST(?2 AS TEXT) = 'handled' THEN COALESCE(handled_at, ?3) ELSE handled_at END
         WHERE id = ?1",
        args![id, to.as_str(), at],
    )?;
    event(tx, id, at, by, "state", Some(&cur.state), Some(to.as_str()))
}

fn add_note(tx: &mut Tx<'_>, id: i64, text: &str, by: &str, at: i64) -> DbResult<usize> {
    tx.execute(
        r#"INSERT INTO mention_notes (mention_id, at, "by", text) VALUES (?1, ?2, ?3, ?4)"#,
        args![id, at, by, text],
    )?;
    event(tx, id, at, by, "note", None, Some(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(min: i64) -> DateTime<Utc> {
        from_db_time(1_790_000_000 + min * 60)
    }

    /// A change to several mentions happens to all or none; each change
    /// writes its events (none for what already is), `handled_at` is the
    /// first time handled and never moves, a reopened mention goes back to
    /// its assignee; the history and notes read back in order, on both
    /// engines.
    #[test]
    fn issue16_triage_and_history_on_both_engines() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (engine, mut store) in crate::store::testing::stores(dir.path()) {
            store
                .read(|db| {
                    db.batch(
                        "INSERT INTO items (id, title, text, first_seen_at) VALUES (1, 't', 'x', 0), (2, 't', 'x', 0);
                         INSERT INTO mentions (id, item_id, watch, found_at, terms, snippet) VALUES
                            (1, 1, 'acme', 0, '[]', ''), (2, 2, 'acme', 0, '[]', '');",
                    )
                })
                .expect("rows");
            let mut change =
                |ids: &[i64], c: Change, at: i64| store.triage(ids, &c, "sanne", t(at));
            let handle = |note: Option<&str>| Change::Handle {
                note: note.map(str::to_string),
            };
            let tag = |remove: bool| Change::Tag {
                tag: "urgent".into(),
                remove,
            };
            let steps: Vec<(&[i64], Change, usize)> = vec![
                (&[1, 2], handle(Some("done")), 4),
                (&[1], Change::Reopen, 1),
                (&[1], handle(None), 1),
                (&[1], handle(None), 0),
                (&[1], Change::Assign { to: "joost".into() }, 2),
                (&[1], Change::Assign { to: "joost".into() }, 0),
                (&[1], Change::Reopen, 0),
                (&[1], Change::Ignore { note: None }, 1),
                (&[1], Change::Reopen, 1),
                (&[1], Change::Label(Label::Complaint), 1),
                (&[1], Change::Label(Label::Complaint), 0),
                (&[1], Change::Label(Label::Praise), 1),
                (&[1], tag(false), 1),
                (&[1], tag(false), 0),
                (&[1], tag(true), 1),
                (&[1], tag(true), 0),
                (&[1], Change::Note("called back".into()), 1),
            ];
            for (i, (ids, c, events)) in steps.into_iter().enumerate() {
                let written = change(ids, c.clone(), i as i64).expect("triage");
                assert_eq!(written, events, "{engine}: step {i}, {c:?}");
            }
            // All or none: an unknown id changes nothing.
            let refused = change(&[2, 99, 98], Change::Reopen, 100);
            assert!(
                matches!(&refused, Err(StoreError::NoSuchMentions(ids)) if ids == &[99, 98]),
                "{engine}: {refused:?}"
            );
            let two = store.mention(2).expect("mention");
            assert_eq!(two.triage.state, State::Handled, "{engine}");
            assert_eq!(two.triage.handled_at, Some(t(0)), "{engine}");

            let one = store.mention(1).expect("mention");
            let want = Triage {
                state: State::Assigned,
                assignee: Some("joost".into()),
                label: Some("praise".into()),
                tags: Vec::new(),
                handled_at: Some(t(0)),
            };
            assert_eq!(one.triage, want, "{engine}");

            let events = store.history(1).expect("history");
            let got: Vec<(i64, &str, Option<&str>, Option<&str>)> = events
                .iter()
                .map(|e| {
                    assert_eq!(e.by, "sanne", "{engine}");
                    let min = (e.at - t(0)).num_minutes();
                    (min, e.what.as_str(), e.from.as_deref(), e.to.as_deref())
                })
                .collect();
            let want: Vec<(i64, &str, Option<&str>, Option<&str>)> = vec![
                (0, "state", Some("new"), Some("handled")),
                (0, "note", None, Some("done")),
                (1, "state", Some("handled"), Some("new")),
                (2, "state", Some("new"), Some("handled")),
                (4, "assignee", None, Some("joost")),
                (4, "state", Some("handled"), Some("assigned")),
                (7, "state", Some("assigned"), Some("ignored")),
                (8, "state", Some("ignored"), Some("assigned")),
                (9, "label", None, Some("complaint")),
                (11, "label", Some("complaint"), Some("praise")),
                (12, "tag", None, Some("urgent")),
                (14, "tag", Some("urgent"), None),
                (16, "note", None, Some("called back")),
            ];
            assert_eq!(got, want, "{engine}");
            let notes: Vec<(DateTime<Utc>, String)> = store
                .notes(1)
                .expect("notes")
                .into_iter()
                .map(|n| (n.at, n.text))
                .collect();
            assert_eq!(
                notes,
                [
                    (t(0), "done".to_string()),
                    (t(16), "called back".to_string())
                ],
                "{engine}"
            );
            assert!(
                matches!(store.history(99), Err(StoreError::NoSuchMention(99))),
                "{engine}"
            );
        }
    }
}

//! Triage from the web: one function applies an action to one mention for
//! a named actor, for the JSON API and the pages' form POSTs alike. It
//! makes the same change through the same store function as `earshot
//! mentions handle|assign|…` (`Store::triage`), so the history reads the
//! same whichever way a change came in. Nothing here renders or parses HTTP.

use chrono::Utc;

use crate::store::{Change, Label, Mention};

use super::{AppState, WebError};

/// The longest note accepted, in characters (as on the command line).
pub const MAX_NOTE: usize = 10_000;
/// The longest assignee or tag accepted, in characters (as on the command line).
pub const MAX_NAME: usize = 200;

/// One triage action, with what it needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Mark handled, with an optional note.
    Handle { note: Option<String> },
    /// Give to a person.
    Assign { to: String },
    /// Mark ignored, with an optional note.
    Ignore { note: Option<String> },
    /// Open again (assigned if it has an assignee, else new).
    Reopen,
    /// The team's own verdict.
    Label(Label),
    /// Add a note.
    Note(String),
    /// Add a tag, or take it off.
    Tag { tag: String, remove: bool },
}

impl Action {
    /// The store's change, the texts checked as the command line checks them.
    fn change(self) -> Result<Change, WebError> {
        Ok(match self {
            Action::Handle { note } => Change::Handle {
                note: note.as_deref().map(|n| text("note", n)).transpose()?,
            },
            Action::Ignore { note } => Change::Ignore {
                note: note.as_deref().map(|n| text("note", n)).transpose()?,
            },
            Action::Assign { to } => Change::Assign {
                to: name("to", &to)?,
            },
            Action::Reopen => Change::Reopen,
            Action::Label(l) => Change::Label(l),
            Action::Note(t) => Change::Note(text("text", &t)?),
            Action::Tag { tag, remove } => Change::Tag {
                tag: name("tag", &tag)?,
                remove,
            },
        })
    }
}

/// A person's name or a tag: trimmed, 1 to [`MAX_NAME`] characters, one line.
fn name(field: &str, s: &str) -> Result<String, WebError> {
    let s = s.trim();
    if s.is_empty() || s.chars().any(char::is_control) || s.chars().count() > MAX_NAME {
        return Err(WebError::BadRequest(format!(
            "`{field}`: give 1 to {MAX_NAME} characters on one line"
        )));
    }
    Ok(s.to_string())
}

/// A note: trimmed, 1 to [`MAX_NOTE`] characters.
fn text(field: &str, s: &str) -> Result<String, WebError> {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > MAX_NOTE {
        return Err(WebError::BadRequest(format!(
            "`{field}`: write 1 to {MAX_NOTE} characters"
        )));
    }
    Ok(s.to_string())
}

/// Applies `action` to mention `id` as `actor` (a user's or a token's
/// name, recorded in the history), and returns the mention as it is now.
/// An unknown id is [`WebError::NotFound`]; an empty or overlong text
/// [`WebError::BadRequest`].
pub async fn apply_action(
    state: &AppState,
    actor: &str,
    id: i64,
    action: Action,
) -> Result<Mention, WebError> {
    let change = action.change()?;
    let actor = actor.to_string();
    state
        .write(move |s| {
            s.triage(&[id], &change, &actor, Utc::now())?;
            s.mention(id)
        })
        .await
}

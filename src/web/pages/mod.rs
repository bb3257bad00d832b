//! The HTML pages of the web inbox. For now a placeholder: the open
//! mentions, newest first, with a "handled" form per row; the real inbox,
//! mention, overview and sources pages replace it.
//!
//! Pages take a [`CurrentUser`] (no session: a redirect to the login page),
//! render askama templates (every value escaped by the template engine;
//! nothing builds HTML by concatenation), link only http(s) URLs, and make
//! changes through [`apply_action`], as the API does. Forms carry the
//! session's CSRF token in a hidden `csrf` field; the middleware checks it.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::store::{MentionFilter, State as InboxState};

use super::{apply_action, Action, AppState, CurrentUser, WebError};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(inbox))
        .route("/mentions/{id}/handle", post(handle))
}

/// One row of the inbox, every field already a plain string.
struct Row {
    id: i64,
    found: String,
    watch: String,
    title: String,
    /// Only an http(s) URL; anything else is shown as no link.
    url: Option<String>,
    sentiment: String,
    state: &'static str,
    assignee: String,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct Inbox {
    user: String,
    csrf: String,
    mentions: Vec<Row>,
}

/// An http(s) URL, else nothing: a `javascript:` or `data:` link is never
/// rendered as a link.
pub fn http_url(url: Option<&str>) -> Option<String> {
    let url = url?;
    let parsed = url::Url::parse(url).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.to_string())
}

/// Text from the internet as a page shows it: without bidi controls, so a
/// title cannot show `factuur <U+202E>gnp.exe` as `factuur exe.png` (the
/// template escapes the rest). The JSON API keeps them: it carries the text
/// as written.
pub fn shown(s: &str) -> String {
    s.chars()
        .filter(|c| !crate::text::is_bidi_control(*c))
        .collect()
}

async fn inbox(State(state): State<AppState>, user: CurrentUser) -> Result<Response, WebError> {
    let tz = state.tz();
    let filter = MentionFilter {
        states: vec![InboxState::New, InboxState::Assigned],
        limit: Some(100),
        ..MentionFilter::default()
    };
    let mentions = state.read(move |s| s.mentions(&filter)).await?;
    let page = Inbox {
        user: user.name,
        csrf: user.csrf,
        mentions: mentions
            .into_iter()
            .map(|m| Row {
                id: m.id,
                found: crate::localtime::human(m.found_at, tz),
                url: http_url(m.url.as_deref()),
                watch: shown(&m.watch),
                title: shown(&m.title),
                sentiment: m.sentiment.map(|s| s.label).unwrap_or_default(),
                state: m.triage.state.as_str(),
                assignee: shown(&m.triage.assignee.unwrap_or_default()),
            })
            .collect(),
    };
    Ok(Html(page.render().map_err(WebError::internal)?).into_response())
}

/// `POST /mentions/{id}/handle` (a form): marks it handled, back to the inbox.
async fn handle(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    apply_action(&state, &user.name, id, Action::Handle { note: None }).await?;
    Ok(Redirect::to("/").into_response())
}

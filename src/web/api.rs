//! The JSON API for scripts and other tools (`/api/…`): the same mentions,
//! details, actions and figures as `earshot mentions … --format json` and
//! `earshot stats --format json`, from the same store functions and types,
//! so the three never drift. Callers authenticate with a bearer token or a
//! session (whose state-changing calls also carry `X-CSRF-Token`; the
//! middleware checks that). Every error answers `{"error": "…"}`.
//!
//! JSON is written with `<`, `>`, `&`, U+2028 and U+2029 as `\u` escapes:
//! the same data, but never markup, whatever a client does with it.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Serialize;

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::localtime;
use crate::stats::{figures, Period};
use crate::store::{Label, MentionFilter, MentionOrder, State as InboxState};

use super::actions::{apply_action, Action};
use super::auth::ApiCaller;
use super::{ApiError, AppState, WebError};

/// Mentions listed when no `limit` is given.
pub const DEFAULT_LIMIT: usize = 50;
/// The most mentions one call lists.
pub const MAX_LIMIT: usize = 1000;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/mentions", get(list))
        .route("/api/mentions/{id}", get(show))
        .route("/api/mentions/{id}/actions", post(act))
        .route("/api/stats", get(stats))
        .route("/api/me", get(me))
}

/// `GET /api/me` → `{"name": …, "csrf": …}`: who is calling and, for a
/// browser session, the CSRF token its `fetch()` calls send as
/// `X-CSRF-Token` (`null` for a token). Only a same-origin page can read it.
async fn me(caller: ApiCaller, user: Option<super::CurrentUser>) -> Response {
    json(
        StatusCode::OK,
        &serde_json::json!({
            "name": caller.name,
            "csrf": user.map(|u| u.csrf),
        }),
    )
}

/// A JSON answer, escaped so no string in it can be read as markup.
pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    let mut body = Vec::with_capacity(4096);
    let mut ser = serde_json::Serializer::with_formatter(&mut body, MarkupSafe);
    if let Err(e) = value.serialize(&mut ser) {
        return WebError::internal(e).into_json_response();
    }
    body.push(b'\n');
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// serde_json's compact output, with `<`, `>`, `&`, U+2028 and U+2029 in
/// strings written as `\u` escapes (what Go's encoder does by default).
struct MarkupSafe;

impl serde_json::ser::Formatter for MarkupSafe {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut rest = fragment;
        while let Some(i) = rest.find(['<', '>', '&', '\u{2028}', '\u{2029}']) {
            w.write_all(&rest.as_bytes()[..i])?;
            let c = rest[i..].chars().next().unwrap_or('\0');
            write!(w, "\\u{:04x}", c as u32)?;
            rest = &rest[i + c.len_utf8()..];
        }
        w.write_all(rest.as_bytes())
    }
}

/// What `/api/mentions` (and the inbox page) list: the store's filter and,
/// when `q` is given, a full-text query.
#[derive(Debug, Clone, Default)]
pub struct MentionQuery {
    pub filter: MentionFilter,
    /// Full-text search (`mentions search`'s syntax), when given.
    pub q: Option<String>,
}

impl MentionQuery {
    /// Reads a query string: `state` (new, assigned, handled, ignored, open),
    /// `watch`, `source` and `sentiment` each repeatable or comma-separated;
    /// `assignee`, `tag`, `label`, `since` (as `--since`), `q`, `limit`
    /// (default 50, at most 1000), `offset`, `sort` (`newest` or
    /// `negative`). An unknown parameter, watch, source or value is an error
    /// naming it.
    pub fn parse(config: &Config, query: &str) -> Result<MentionQuery, WebError> {
        let mut m = MentionQuery::default();
        m.filter.limit = Some(DEFAULT_LIMIT);
        let bad = |msg: String| Err(WebError::BadRequest(msg));
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let list = || {
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            };
            let one = || Some(value.trim().to_string()).filter(|v| !v.is_empty());
            match key.as_ref() {
                "state" => {
                    for s in list() {
                        let these: &[InboxState] = match s.as_str() {
                            "new" => &[InboxState::New],
                            "assigned" => &[InboxState::Assigned],
                            "handled" => &[InboxState::Handled],
                            "ignored" => &[InboxState::Ignored],
                            "open" => &[InboxState::New, InboxState::Assigned],
                            other => {
                                return bad(format!(
                                    "unknown state {other:?}: new, assigned, handled, ignored or open"
                                ))
                            }
                        };
                        for st in these {
                            if !m.filter.states.contains(st) {
                                m.filter.states.push(*st);
                            }
                        }
                    }
                }
                "watch" => m.filter.watches.extend(list()),
                "source" => m.filter.sources.extend(list()),
                "sentiment" => {
                    for s in list() {
                        if !matches!(s.as_str(), "negative" | "neutral" | "positive") {
                            return bad(format!(
                                "unknown sentiment {s:?}: negative, neutral or positive"
                            ));
                        }
                        if !m.filter.sentiments.contains(&s) {
                            m.filter.sentiments.push(s);
                        }
                    }
                }
                "assignee" => m.filter.assignee = one(),
                "tag" => m.filter.tag = one(),
                "label" => {
                    m.filter.label = match one() {
                        None => None,
                        Some(l) => Some(label(&l)?.as_str().to_string()),
                    }
                }
                "since" => {
                    m.filter.since = match one() {
                        None => None,
                        Some(s) => Some(since(&s, config)?),
                    }
                }
                "q" => m.q = one(),
                "limit" => {
                    m.filter.limit = Some(match value.trim().parse::<usize>() {
                        Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                        _ => return bad(format!("limit {value:?}: give 1 to {MAX_LIMIT}")),
                    })
                }
                "offset" => {
                    m.filter.offset = value.trim().parse().map_err(|_| {
                        WebError::BadRequest(format!("offset {value:?}: give a number from 0"))
                    })?
                }
                "sort" => {
                    m.filter.order = match value.trim() {
                        "newest" => MentionOrder::Newest,
                        "negative" => MentionOrder::MostNegative,
                        other => return bad(format!("sort {other:?}: newest or negative")),
                    }
                }
                other => {
                    return bad(format!(
                        "unknown parameter {other:?}: state, watch, source, sentiment, assignee, tag, label, since, q, limit, offset or sort"
                    ))
                }
            }
        }
        known_names(config, &m.filter.watches, &m.filter.sources)?;
        // All three sentiments is no filter (and keeps unscored mentions).
        if m.filter.sentiments.len() == 3 {
            m.filter.sentiments.clear();
        }
        Ok(m)
    }
}

fn label(s: &str) -> Result<Label, WebError> {
    Ok(match s {
        "complaint" => Label::Complaint,
        "praise" => Label::Praise,
        "neutral" => Label::Neutral,
        "irrelevant" => Label::Irrelevant,
        other => {
            return Err(WebError::BadRequest(format!(
                "unknown label {other:?}: complaint, praise, neutral or irrelevant"
            )))
        }
    })
}

/// Refuses a watch or source the config does not know, listing the known
/// ones: see [`Config::check_names`].
fn known_names(config: &Config, watches: &[String], sources: &[String]) -> Result<(), WebError> {
    config
        .check_names(watches, sources)
        .map_err(|e| WebError::BadRequest(e.to_string()))
}

/// `since=` as the instant it names, as of now: see
/// [`localtime::parse_since`].
fn since(value: &str, config: &Config) -> Result<DateTime<Utc>, WebError> {
    localtime::parse_since(value, config.daemon.timezone, Utc::now())
        .map_err(|e| WebError::BadRequest(format!("since {e}")))
}

#[derive(Serialize)]
struct Mentions<T> {
    mentions: Vec<T>,
}

/// `GET /api/mentions?…` → `{"mentions": [...]}`.
async fn list(
    State(state): State<AppState>,
    _caller: ApiCaller,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let config = state.config();
    let MentionQuery { filter, q } = MentionQuery::parse(&config, query.as_deref().unwrap_or(""))?;
    let mentions = state
        .read(move |s| match &q {
            Some(q) => s.search(q, &filter),
            None => s.mentions(&filter),
        })
        .await?;
    Ok(json(StatusCode::OK, &Mentions { mentions }))
}

/// `GET /api/mentions/{id}` → the mention with `notes` and `history`.
async fn show(
    State(state): State<AppState>,
    _caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = mention_id(&id)?;
    let detail = state.read(move |s| s.mention_detail(id)).await?;
    Ok(json(StatusCode::OK, &detail))
}

fn mention_id(s: &str) -> Result<i64, WebError> {
    s.parse()
        .ok()
        .filter(|id: &i64| *id > 0)
        .ok_or_else(|| WebError::NotFound(format!("no mention with id {s:?}")))
}

/// The body of `POST /api/mentions/{id}/actions`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionBody {
    action: String,
    to: Option<String>,
    label: Option<String>,
    text: Option<String>,
    tag: Option<String>,
    remove: Option<bool>,
}

impl ActionBody {
    /// The action, refusing a missing field it needs and any it does not take.
    fn action(self) -> Result<Action, WebError> {
        let ActionBody {
            action,
            to,
            label: l,
            text,
            tag,
            remove,
        } = self;
        let given: Vec<&str> = [
            ("to", to.is_some()),
            ("label", l.is_some()),
            ("text", text.is_some()),
            ("tag", tag.is_some()),
            ("remove", remove.is_some()),
        ]
        .into_iter()
        .filter_map(|(k, set)| set.then_some(k))
        .collect();
        let takes: &[&str] = match action.as_str() {
            "handle" | "ignore" | "note" => &["text"],
            "assign" => &["to"],
            "label" => &["label"],
            "tag" => &["tag", "remove"],
            "reopen" => &[],
            other => {
                return Err(WebError::BadRequest(format!(
                    "unknown action {other:?}: handle, assign, ignore, reopen, label, note or tag"
                )))
            }
        };
        if let Some(extra) = given.iter().find(|k| !takes.contains(k)) {
            return Err(WebError::BadRequest(format!(
                "`{extra}` does not apply to action {action:?}"
            )));
        }
        let need = |v: Option<String>, field: &str| {
            v.ok_or_else(|| WebError::BadRequest(format!("action {action:?} needs `{field}`")))
        };
        Ok(match action.as_str() {
            "handle" => Action::Handle { note: text },
            "ignore" => Action::Ignore { note: text },
            "reopen" => Action::Reopen,
            "assign" => Action::Assign {
                to: need(to, "to")?,
            },
            "label" => Action::Label(label(&need(l, "label")?)?),
            "note" => Action::Note(need(text, "text")?),
            _ => Action::Tag {
                tag: need(tag, "tag")?,
                remove: remove.unwrap_or(false),
            },
        })
    }
}

/// `POST /api/mentions/{id}/actions` → the mention as it is now, with notes
/// and history (which names the caller).
async fn act(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = mention_id(&id)?;
    let body: ActionBody = serde_json::from_slice(&body).map_err(|e| {
        WebError::BadRequest(format!(
            "the body is not a valid action ({e}); send e.g. {{\"action\": \"assign\", \"to\": \"sanne\"}}"
        ))
    })?;
    apply_action(&state, &caller.name, id, body.action()?).await?;
    let detail = state.read(move |s| s.mention_detail(id)).await?;
    Ok(json(StatusCode::OK, &detail))
}

#[derive(Serialize)]
struct Stats {
    stats: Vec<crate::stats::Row>,
}

/// `GET /api/stats?since=30d&by=day&watch=W` → `{"stats": [...]}`, the rows
/// of `earshot stats --format json`.
async fn stats(
    State(state): State<AppState>,
    _caller: ApiCaller,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let config = state.config();
    let mut since_text = "30d".to_string();
    let mut by = Period::Day;
    let mut watches = Vec::new();
    for (key, value) in url::form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "since" => since_text = value.trim().to_string(),
            "by" => {
                by = match value.trim() {
                    "day" => Period::Day,
                    "week" => Period::Week,
                    "month" => Period::Month,
                    other => {
                        return Err(WebError::BadRequest(format!(
                            "by {other:?}: day, week or month"
                        ))
                        .into())
                    }
                }
            }
            "watch" => watches.extend(
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|w| !w.is_empty())
                    .map(str::to_string),
            ),
            other => {
                return Err(WebError::BadRequest(format!(
                    "unknown parameter {other:?}: since, by or watch"
                ))
                .into())
            }
        }
    }
    known_names(&config, &watches, &[])?;
    let since = since(&since_text, &config)?;
    let tz = config.daemon.timezone;
    let rows = state
        .read(move |s| {
            let mentions = s.stat_mentions(since, &watches)?;
            let sources = s.stat_sources(since, &watches)?;
            Ok(figures(&mentions, &sources, tz, by))
        })
        .await?;
    Ok(json(StatusCode::OK, &Stats { stats: rows }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped_in_json_strings() {
        let r = json(
            StatusCode::OK,
            &serde_json::json!({"t": "<script>&\u{2028}\u{202e}é"}),
        );
        let body =
            futures_util::FutureExt::now_or_never(axum::body::to_bytes(r.into_body(), 1 << 16))
                .unwrap()
                .unwrap();
        let text = std::str::from_utf8(&body).unwrap();
        assert_eq!(
            text,
            "{\"t\":\"\\u003cscript\\u003e\\u0026\\u2028\u{202e}é\"}\n"
        );
        let back: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(back["t"], "<script>&\u{2028}\u{202e}é");
    }
}

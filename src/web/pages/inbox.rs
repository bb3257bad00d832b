//! The inbox (`GET /`): open mentions newest first by default, filters,
//! full-text search through the store's FTS (as `earshot mentions search`),
//! a sort switch and paging; and `POST /mentions/{id}/action`, the one form
//! endpoint every triage button posts to. Without JavaScript a POST answers
//! 303 back to the page it came from; `assets/inbox.js` sends the same form
//! with `fetch()` and an `X-CSRF-Token` header, and then gets the updated
//! row (rendered by the same `row.html`) to swap in place.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;

use crate::store::{Label, Mention, MentionFilter, MentionOrder, State as MentionState};
use crate::web::i18n::{Lang, Messages};
use crate::web::{apply_action, Action, AppState, CurrentUser, WebError};

use super::{local, local_path, render, sentiment_class, shown, Opt, Page, UiLang};

/// Mentions per page.
pub const PAGE_SIZE: usize = 50;
/// The deepest page offered (deeper, narrow the filters).
const MAX_OFFSET: usize = 100_000;
/// The longest search or filter value accepted.
const MAX_PARAM: usize = 500;

/// The inbox's query string; an empty value is no filter.
#[derive(Debug, Default, serde::Deserialize)]
pub struct InboxQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    watch: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    sentiment: String,
    /// `open` (also when empty), `new`, `assigned`, `handled`, `ignored`, `all`.
    #[serde(default)]
    state: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    label: String,
    /// `newest` (also when empty) or `negative`.
    #[serde(default)]
    sort: String,
    #[serde(default)]
    offset: usize,
}

impl InboxQuery {
    /// The store's filter and order, each value checked.
    fn filter(&self) -> Result<(MentionFilter, Option<String>), WebError> {
        for (name, v) in [
            ("q", &self.q),
            ("watch", &self.watch),
            ("source", &self.source),
            ("assignee", &self.assignee),
            ("tag", &self.tag),
        ] {
            if v.chars().count() > MAX_PARAM {
                return Err(WebError::BadRequest(format!(
                    "`{name}` is longer than {MAX_PARAM} characters"
                )));
            }
        }
        let states = match self.state.as_str() {
            "" | "open" => vec![MentionState::New, MentionState::Assigned],
            "all" => Vec::new(),
            s => vec![parse_state(s).ok_or_else(|| {
                WebError::BadRequest(format!(
                    "`state` {s:?} is none of open, new, assigned, handled, ignored, all"
                ))
            })?],
        };
        let sentiment = match self.sentiment.as_str() {
            "" => None,
            s @ ("negative" | "neutral" | "positive") => Some(s.to_string()),
            s => {
                return Err(WebError::BadRequest(format!(
                    "`sentiment` {s:?} is none of negative, neutral, positive"
                )))
            }
        };
        let label = match self.label.as_str() {
            "" => None,
            l => Some(
                parse_label(l)
                    .ok_or_else(|| {
                        WebError::BadRequest(format!(
                            "`label` {l:?} is none of complaint, praise, neutral, irrelevant"
                        ))
                    })?
                    .as_str()
                    .to_string(),
            ),
        };
        let order = match self.sort.as_str() {
            "" | "newest" => MentionOrder::Newest,
            "negative" => MentionOrder::MostNegative,
            s => {
                return Err(WebError::BadRequest(format!(
                    "`sort` {s:?} is neither newest nor negative"
                )))
            }
        };
        if self.offset > MAX_OFFSET {
            return Err(WebError::BadRequest(format!(
                "`offset` is past {MAX_OFFSET}; narrow the filters instead"
            )));
        }
        let some = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        let filter = MentionFilter {
            watches: some(&self.watch).into_iter().collect(),
            sources: some(&self.source).into_iter().collect(),
            sentiments: sentiment.into_iter().collect(),
            states,
            assignee: some(&self.assignee),
            tag: some(&self.tag),
            label,
            // One more than shown tells whether an older page exists.
            limit: Some(PAGE_SIZE + 1),
            offset: self.offset,
            order,
            ..MentionFilter::default()
        };
        Ok((filter, some(&self.q)))
    }

    /// This inbox's URL with another offset (the filters kept, empty ones left out).
    fn url(&self, offset: usize) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &self.q),
            ("watch", &self.watch),
            ("source", &self.source),
            ("sentiment", &self.sentiment),
            ("state", &self.state),
            ("assignee", &self.assignee),
            ("tag", &self.tag),
            ("label", &self.label),
            ("sort", &self.sort),
        ] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        if offset > 0 {
            s.append_pair("offset", &offset.to_string());
        }
        let query = s.finish();
        if query.is_empty() {
            "/".into()
        } else {
            format!("/?{query}")
        }
    }
}

fn parse_state(s: &str) -> Option<MentionState> {
    Some(match s {
        "new" => MentionState::New,
        "assigned" => MentionState::Assigned,
        "handled" => MentionState::Handled,
        "ignored" => MentionState::Ignored,
        _ => return None,
    })
}

pub fn parse_label(s: &str) -> Option<Label> {
    Some(match s {
        "complaint" => Label::Complaint,
        "praise" => Label::Praise,
        "neutral" => Label::Neutral,
        "irrelevant" => Label::Irrelevant,
        _ => return None,
    })
}

/// One row of the inbox, as shown.
pub struct Row {
    pub id: i64,
    pub href: String,
    pub watch: String,
    pub title: String,
    pub sources: String,
    pub author: String,
    pub found: String,
    pub sentiment: String,
    pub sentiment_class: &'static str,
    /// The state as stored (a CSS class); `state_word` in the page's language.
    pub state: &'static str,
    pub state_word: String,
    pub assignee: String,
    pub label: String,
    /// New or assigned: handle and ignore are offered, else reopen.
    pub open: bool,
}

impl Row {
    pub fn new(m: &Mention, lang: Lang, tz: chrono_tz::Tz) -> Row {
        let t = lang.t();
        let (sentiment, class) = match &m.sentiment {
            Some(s) => (lang.word(&s.label).to_string(), sentiment_class(&s.label)),
            None => (t.not_scored.to_string(), ""),
        };
        let state = m.triage.state;
        Row {
            id: m.id,
            href: format!("/mentions/{}", m.id),
            watch: shown(&m.watch),
            title: if m.title.trim().is_empty() {
                t.untitled.to_string()
            } else {
                shown(&m.title)
            },
            sources: shown(&m.sources.join(", ")),
            author: m.author.as_deref().map(shown).unwrap_or_default(),
            found: local(m.found_at, tz),
            sentiment,
            sentiment_class: class,
            state: state.as_str(),
            state_word: lang.word(state.as_str()).to_string(),
            assignee: m.triage.assignee.as_deref().map(shown).unwrap_or_default(),
            label: m
                .triage
                .label
                .as_deref()
                .map(|l| lang.word(l).to_string())
                .unwrap_or_default(),
            open: matches!(state, MentionState::New | MentionState::Assigned),
        }
    }
}

/// A `<select>` of the filter form.
pub struct Select {
    pub name: &'static str,
    pub param: &'static str,
    pub options: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    page: Page,
    t: &'static Messages,
    q: String,
    assignee: String,
    tag: String,
    selects: Vec<Select>,
    showing: String,
    newer: Option<String>,
    older: Option<String>,
    rows: Vec<Row>,
    /// For the rows' forms: the session's token and where to come back to.
    csrf: String,
    back: String,
}

/// One row alone: the answer to an action sent with `fetch()`.
#[derive(Template)]
#[template(path = "row.html")]
struct RowFragment {
    r: Row,
    t: &'static Messages,
    csrf: String,
    back: String,
}

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    UiLang(lang): UiLang,
    Query(query): Query<InboxQuery>,
) -> Result<Response, WebError> {
    let (filter, search) = query.filter()?;
    let mut found = state
        .read(move |s| match search {
            Some(q) => s.search(&q, &filter),
            None => s.mentions(&filter),
        })
        .await?;
    let config = state.config();
    let tz = config.daemon.timezone;
    let more = found.len() > PAGE_SIZE;
    found.truncate(PAGE_SIZE);
    let t = lang.t();
    let here = query.url(query.offset);
    let selects = selects(&query, lang, &config);
    let view = InboxPage {
        page: Page::new(lang, &user, "inbox", tz, &here),
        t,
        q: query.q.clone(),
        assignee: query.assignee.clone(),
        tag: query.tag.clone(),
        selects,
        showing: if found.is_empty() {
            String::new()
        } else {
            lang.showing(query.offset + 1, query.offset + found.len())
        },
        newer: (query.offset > 0).then(|| query.url(query.offset.saturating_sub(PAGE_SIZE))),
        older: more.then(|| query.url(query.offset + PAGE_SIZE)),
        rows: found.iter().map(|m| Row::new(m, lang, tz)).collect(),
        csrf: user.csrf.clone(),
        back: here,
    };
    render(&view)
}

fn selects(q: &InboxQuery, lang: Lang, config: &crate::config::Config) -> Vec<Select> {
    let t = lang.t();
    let any = |v: &str| Opt::new("", t.any, v);
    let word = |k: &str, cur: &str| Opt::new(k, lang.word(k), cur);
    let mut watches = vec![any(&q.watch)];
    watches.extend(
        config
            .watches
            .iter()
            .map(|w| Opt::new(&w.name, &w.name, &q.watch)),
    );
    let mut sources = vec![any(&q.source)];
    sources.extend(
        config
            .sources
            .iter()
            .map(|s| Opt::new(&s.name, &s.name, &q.source)),
    );
    let state = if q.state.is_empty() {
        "open"
    } else {
        q.state.as_str()
    };
    vec![
        Select {
            name: t.watch,
            param: "watch",
            options: watches,
        },
        Select {
            name: t.source,
            param: "source",
            options: sources,
        },
        Select {
            name: t.sentiment,
            param: "sentiment",
            options: vec![
                any(&q.sentiment),
                word("negative", &q.sentiment),
                word("neutral", &q.sentiment),
                word("positive", &q.sentiment),
            ],
        },
        Select {
            name: t.state,
            param: "state",
            options: vec![
                word("open", state),
                word("new", state),
                word("assigned", state),
                word("handled", state),
                word("ignored", state),
                Opt::new("all", t.all_states, state),
            ],
        },
        Select {
            name: t.label,
            param: "label",
            options: vec![
                any(&q.label),
                word("complaint", &q.label),
                word("praise", &q.label),
                Opt::new("neutral", t.sentiment_neutral, &q.label),
                word("irrelevant", &q.label),
            ],
        },
        Select {
            name: t.sort,
            param: "sort",
            options: vec![
                Opt::new(
                    "newest",
                    t.newest_first,
                    if q.sort.is_empty() { "newest" } else { &q.sort },
                ),
                Opt::new("negative", t.most_negative_first, &q.sort),
            ],
        },
    ]
}

/// A triage form: which button (`do`), where to go back to, and what some
/// actions need. (Its `csrf` field, or the `X-CSRF-Token` header `fetch()`
/// sends, is checked by the server's middleware before this is read.)
#[derive(Debug, Default, serde::Deserialize)]
pub struct ActionForm {
    #[serde(default, rename = "do")]
    act: String,
    #[serde(default)]
    back: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    tag: String,
}

impl ActionForm {
    /// The action the pressed button asks for; `assign` without `to` is to
    /// the user themself.
    fn action(&self, user: &str) -> Result<Action, WebError> {
        let label = |l: &str| {
            parse_label(l).map(Action::Label).ok_or_else(|| {
                WebError::BadRequest(format!(
                    "label {l:?} is none of complaint, praise, neutral, irrelevant"
                ))
            })
        };
        match self.act.as_str() {
            "handle" => Ok(Action::Handle { note: None }),
            "ignore" => Ok(Action::Ignore { note: None }),
            "reopen" => Ok(Action::Reopen),
            "assign" => Ok(Action::Assign {
                to: if self.to.trim().is_empty() {
                    user.to_string()
                } else {
                    self.to.clone()
                },
            }),
            "label" => label(&self.label),
            "note" => Ok(Action::Note(self.text.clone())),
            "tag" => Ok(Action::Tag {
                tag: self.tag.clone(),
                remove: false,
            }),
            other => match other.strip_prefix("label:") {
                Some(l) => label(l),
                None => Err(WebError::BadRequest(format!(
                    "unknown action {other:?}: handle, assign, ignore, reopen, label, note or tag"
                ))),
            },
        }
    }
}

/// `POST /mentions/{id}/action`.
pub async fn action(
    State(state): State<AppState>,
    user: CurrentUser,
    UiLang(lang): UiLang,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    Form(form): Form<ActionForm>,
) -> Result<Response, WebError> {
    // The server's middleware has checked the CSRF token (header or field).
    let by_script = headers.contains_key("x-csrf-token");
    let id: i64 = id
        .parse()
        .map_err(|_| WebError::NotFound(format!("no mention with id {id:?} ({uri})")))?;
    let action = form.action(&user.name)?;
    let mention = apply_action(&state, &user.name, id, action).await?;
    let back = local_path(&form.back)
        .map(str::to_string)
        .unwrap_or_else(|| format!("/mentions/{id}"));
    if by_script {
        let fragment = RowFragment {
            r: Row::new(&mention, lang, state.tz()),
            t: lang.t(),
            csrf: user.csrf.clone(),
            back,
        };
        return match fragment.render() {
            Ok(html) => Ok(Html(html).into_response()),
            Err(e) => Err(WebError::internal(e)),
        };
    }
    Ok(Redirect::to(&back).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &str) -> InboxQuery {
        serde_urlencoded_like(pairs)
    }

    /// The query string as axum's `Query` would read it.
    fn serde_urlencoded_like(pairs: &str) -> InboxQuery {
        let uri: Uri = format!("/?{pairs}").parse().expect("uri");
        Query::<InboxQuery>::try_from_uri(&uri).expect("query").0
    }

    #[test]
    fn default_is_open_newest() {
        let (f, q) = query("").filter().expect("filter");
        assert_eq!(f.states, [MentionState::New, MentionState::Assigned]);
        assert_eq!(f.order, MentionOrder::Newest);
        assert_eq!(f.limit, Some(PAGE_SIZE + 1));
        assert_eq!(q, None);
    }

    #[test]
    fn filters_read_and_kept_in_links() {
        let q =
            query("q=storing&watch=acme&state=all&sentiment=negative&sort=negative&offset=50&tag=");
        let (f, search) = q.filter().expect("filter");
        assert!(f.states.is_empty());
        assert_eq!(f.watches, ["acme"]);
        assert_eq!(f.sentiments, vec!["negative".to_string()]);
        assert_eq!(f.order, MentionOrder::MostNegative);
        assert_eq!(f.offset, 50);
        assert_eq!(search.as_deref(), Some("storing"));
        assert_eq!(
            q.url(100),
            "/?q=storing&watch=acme&sentiment=negative&state=all&sort=negative&offset=100"
        );
        assert_eq!(query("").url(0), "/");
    }

    #[test]
    fn bad_values_are_refused_by_name() {
        for (pairs, name) in [
            ("state=done", "`state`"),
            ("sentiment=angry", "`sentiment`"),
            ("label=spam", "`label`"),
            ("sort=oldest", "`sort`"),
            ("offset=100001", "`offset`"),
        ] {
            let e = query(pairs).filter().expect_err(pairs);
            assert!(e.to_string().contains(name), "{pairs}: {e}");
        }
    }

    #[test]
    fn form_actions() {
        let form = |act: &str| ActionForm {
            act: act.into(),
            ..ActionForm::default()
        };
        assert_eq!(
            form("assign").action("sanne").expect("assign"),
            Action::Assign { to: "sanne".into() }
        );
        assert_eq!(
            form("label:complaint").action("s").expect("label"),
            Action::Label(Label::Complaint)
        );
        assert!(form("label:spam").action("s").is_err());
        assert!(form("delete").action("s").is_err());
    }
}

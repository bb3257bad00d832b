//! One mention (`GET /mentions/{id}`): the full text with the matched terms
//! marked, every source that carried it and where ("also at"), the scorer's
//! verdict and reasons, the team's state, assignee, label and tags, notes
//! with a form to add one, the history, and the actions (plain forms to
//! `POST /mentions/{id}/action`, which come back here).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use crate::store::MentionDetail;
use crate::web::i18n::{Lang, Messages};
use crate::web::{AppState, CurrentUser, WebError};

use super::highlight::highlight;
use super::{local, render, sentiment_class, shown, web_link, Opt, Page, UiLang};

/// A piece of text, marked when a watched term matched it.
pub struct Piece {
    pub text: String,
    pub mark: bool,
}

/// A place the story was also seen.
pub struct AlsoAt {
    pub source: String,
    pub url: String,
    pub href: Option<String>,
}

/// A note or history entry, as shown.
pub struct NoteView {
    pub at: String,
    pub by: String,
    pub text: String,
}

pub struct EventView {
    pub at: String,
    pub by: String,
    pub what: String,
    pub from: String,
    pub to: String,
}

/// A rating as stars (`★★☆☆☆`), with the numbers on hover.
pub struct Stars {
    pub shown: String,
    pub title: String,
}

#[derive(Template)]
#[template(path = "mention.html")]
struct MentionPage {
    page: Page,
    t: &'static Messages,
    id: i64,
    /// This page's path, for the forms to come back to.
    here: String,
    title_text: String,
    title: Vec<Piece>,
    text: Vec<Piece>,
    href: Option<String>,
    url_text: String,
    also_at: Vec<AlsoAt>,
    watch: String,
    sources: String,
    author: String,
    found: String,
    published: Option<String>,
    stars: Option<Stars>,
    terms: String,
    sentiment: String,
    sentiment_class: &'static str,
    score: String,
    reasons: Vec<String>,
    state: &'static str,
    state_word: String,
    open: bool,
    assignee: String,
    label: String,
    labels: Vec<Opt>,
    tags: String,
    notes: Vec<NoteView>,
    history: Vec<EventView>,
}

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    UiLang(lang): UiLang,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id: i64 = id
        .parse()
        .map_err(|_| WebError::NotFound(format!("no mention with id {id:?}")))?;
    let (detail, copies) = state
        .read(move |s| Ok((s.mention_detail(id)?, s.copies(id)?)))
        .await?;
    let tz = state.tz();
    let here = format!("/mentions/{id}");
    let view = view(
        detail,
        copies,
        lang,
        tz,
        Page::new(lang, &user, "inbox", tz, &here),
        here,
    );
    render(&view)
}

fn pieces(text: &str, terms: &[String]) -> Vec<Piece> {
    highlight(text, terms)
        .into_iter()
        .map(|p| Piece {
            text: shown(p.text),
            mark: p.mark,
        })
        .collect()
}

fn view(
    detail: MentionDetail,
    copies: Vec<(String, String)>,
    lang: Lang,
    tz: chrono_tz::Tz,
    page: Page,
    here: String,
) -> MentionPage {
    let t = lang.t();
    let MentionDetail {
        mention: m,
        notes,
        history,
    } = detail;
    let title_text = if m.title.trim().is_empty() {
        t.untitled.to_string()
    } else {
        shown(&m.title)
    };
    let url = m.url.clone().unwrap_or_default();
    let (sentiment, class, score, reasons) = match &m.sentiment {
        Some(s) => (
            lang.word(&s.label).to_string(),
            sentiment_class(&s.label),
            format!("{:+.2}", s.score),
            s.reasons.iter().map(|r| shown(r)).collect(),
        ),
        None => (t.not_scored.to_string(), "", String::new(), Vec::new()),
    };
    let state = m.triage.state;
    let label_now = m.triage.label.clone().unwrap_or_default();
    // States and labels in the page's words; names, tags and notes as written.
    let value = |what: &str, v: &Option<String>| match v {
        Some(v) if matches!(what, "state" | "label") => lang.word(v).to_string(),
        Some(v) => shown(v),
        None => "—".to_string(),
    };
    MentionPage {
        page,
        t,
        id: m.id,
        here,
        title: if m.title.trim().is_empty() {
            vec![Piece {
                text: t.untitled.to_string(),
                mark: false,
            }]
        } else {
            pieces(&m.title, &m.terms)
        },
        title_text,
        text: pieces(&m.text, &m.terms),
        href: web_link(&url),
        url_text: shown(&url),
        also_at: copies
            .into_iter()
            .map(|(source, url)| AlsoAt {
                source: shown(&source),
                href: web_link(&url),
                url: shown(&url),
            })
            .collect(),
        watch: shown(&m.watch),
        sources: shown(&m.sources.join(", ")),
        author: m.author.as_deref().map(shown).unwrap_or_default(),
        found: local(m.found_at, tz),
        published: m.published_at.map(|p| local(p, tz)),
        stars: crate::notify::render::stars(&m).map(|shown| Stars {
            title: m
                .rating
                .map(|r| format!("{} ({}–{})", r.value, r.worst, r.best))
                .unwrap_or_default(),
            shown,
        }),
        terms: shown(&m.terms.join(", ")),
        sentiment,
        sentiment_class: class,
        score,
        reasons,
        state: state.as_str(),
        state_word: lang.word(state.as_str()).to_string(),
        open: matches!(
            state,
            crate::store::State::New | crate::store::State::Assigned
        ),
        assignee: m
            .triage
            .assignee
            .as_deref()
            .map(shown)
            .unwrap_or_else(|| t.nobody.to_string()),
        label: if label_now.is_empty() {
            "—".to_string()
        } else {
            lang.word(&label_now).to_string()
        },
        labels: ["complaint", "praise", "neutral", "irrelevant"]
            .iter()
            .map(|l| {
                let text = if *l == "neutral" {
                    t.sentiment_neutral
                } else {
                    lang.word(l)
                };
                Opt::new(l, text, &label_now)
            })
            .collect(),
        tags: if m.triage.tags.is_empty() {
            "—".to_string()
        } else {
            shown(&m.triage.tags.join(", "))
        },
        notes: notes
            .into_iter()
            .map(|n| NoteView {
                at: local(n.at, tz),
                by: shown(&n.by),
                text: shown(&n.text),
            })
            .collect(),
        history: history
            .into_iter()
            .map(|e| EventView {
                at: local(e.at, tz),
                by: shown(&e.by),
                what: lang.word(&e.what).to_string(),
                from: value(&e.what, &e.from),
                to: value(&e.what, &e.to),
            })
            .collect(),
    }
}

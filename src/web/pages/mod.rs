//! The web inbox's pages: the inbox (`/`), one mention (`/mentions/{id}`),
//! the overview (`/overview`) and the sources' health (`/sources`), plus
//! the form POST every triage action goes through and the language switch.
//!
//! Handlers are thin: parse the request, call the store (through
//! `AppState::read`) or [`apply_action`](super::apply_action), build a view
//! and render an askama template. Templates escape everything; a view
//! carries text as it should be shown (bidi controls dropped, times local
//! in `[daemon] timezone` with the zone, words in the page's language), and
//! a link only when it is http(s). Nothing here writes SQL, builds HTML by
//! hand, or decides who the user is (the `CurrentUser` extractor does).

mod highlight;
mod inbox;
mod mention;
mod overview;
mod sources;

use askama::Template;
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::i18n::{Lang, COOKIE};
use super::{AppState, CurrentUser, WebError};

/// The pages' routes (behind the server's authentication layer: each
/// handler takes a [`CurrentUser`], which sends a visitor to the login page).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(inbox::page))
        .route("/mentions/{id}", get(mention::page))
        .route("/mentions/{id}/action", post(inbox::action))
        .route("/overview", get(overview::page))
        .route("/sources", get(sources::page))
        .route("/lang/{code}", get(switch_language))
}

/// The page's language, from the `lang` cookie or `Accept-Language`.
pub struct UiLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for UiLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(UiLang(language(&parts.headers)))
    }
}

fn language(headers: &HeaderMap) -> Lang {
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.trim());
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    Lang::negotiate(cookie, accept)
}

#[derive(serde::Deserialize)]
struct Next {
    next: Option<String>,
}

/// `GET /lang/{code}?next=PATH`: remembers the language in a cookie (a
/// year) and goes back to `next` (a path on this site, else the inbox).
async fn switch_language(Path(code): Path<String>, Query(q): Query<Next>) -> Response {
    let Some(lang) = Lang::from_tag(&code).filter(|l| l.code() == code) else {
        return WebError::NotFound(format!("no language {code:?}; there are en and nl"))
            .into_response();
    };
    let to = q.next.as_deref().and_then(local_path).unwrap_or("/");
    let mut r = Redirect::to(to).into_response();
    let cookie = format!(
        "{COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        lang.code()
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// `p` when it is a path on this site (`/…`, not `//host` or `/\host`,
/// which browsers take for another site), without control characters.
pub fn local_path(p: &str) -> Option<&str> {
    let ok = p.starts_with('/')
        && !p.starts_with("//")
        && !p.starts_with("/\\")
        && p.len() <= 2048
        && !p.chars().any(|c| c.is_control() || c == '\\');
    ok.then_some(p)
}

/// What every page shows around its content.
pub struct Page {
    pub lang: Lang,
    pub user: String,
    pub csrf: String,
    /// Which tab of the navigation is this page's.
    pub nav: &'static str,
    pub times_in: String,
    pub langs: Vec<LangLink>,
}

/// A link in the footer that switches the language.
pub struct LangLink {
    pub code: &'static str,
    pub name: &'static str,
    pub href: String,
    pub current: bool,
}

impl Page {
    /// `here` is the page's own path and query, to come back to after a
    /// language switch.
    pub fn new(lang: Lang, user: &CurrentUser, nav: &'static str, tz: Tz, here: &str) -> Page {
        Page {
            user: shown(&user.name),
            csrf: user.csrf.clone(),
            nav,
            ..Page::signed_out(lang, tz, here)
        }
    }

    /// The frame of the login page: nobody signed in, so no user, no
    /// session token and no navigation (the template leaves them out).
    pub fn signed_out(lang: Lang, tz: Tz, here: &str) -> Page {
        let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
        Page {
            lang,
            user: String::new(),
            csrf: String::new(),
            nav: "",
            times_in: lang.times_in(tz.name()),
            langs: Lang::ALL
                .iter()
                .map(|&l| LangLink {
                    code: l.code(),
                    name: l.name(),
                    href: format!("/lang/{}?next={next}", l.code()),
                    current: l == lang,
                })
                .collect(),
        }
    }
}

/// Renders a page template as HTML; a failure (which only a broken
/// `Display` could cause) is ours, logged, answered 500.
pub fn render(t: &impl Template) -> Result<Response, WebError> {
    match t.render() {
        Ok(html) => Ok(Html(html).into_response()),
        Err(e) => Err(WebError::internal(e)),
    }
}

/// Text from the network as a page shows it: bidi controls dropped (they
/// would reorder what is shown, `factuur <U+202E>gnp.exe` read as
/// `factuur exe.png`); the template escapes the rest.
pub fn shown(s: &str) -> String {
    if s.chars().any(crate::text::is_bidi_control) {
        s.chars()
            .filter(|&c| !crate::text::is_bidi_control(c))
            .collect()
    } else {
        s.to_string()
    }
}

/// A link target only for an absolute http(s) URL; anything else
/// (`javascript:`, `data:`, relative) is shown as text, never linked.
pub fn web_link(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    matches!(parsed.scheme(), "http" | "https")
        .then(|| parsed.host_str().is_some())
        .filter(|&h| h)
        .map(|_| parsed.to_string())
}

/// A time as people read it, in `tz`, with the zone.
pub fn local(t: DateTime<Utc>, tz: Tz) -> String {
    crate::localtime::human(t, tz)
}

/// An optional time, `never` in the page's words when absent.
pub fn local_or(t: Option<DateTime<Utc>>, tz: Tz, never: &str) -> String {
    t.map_or_else(|| never.to_string(), |t| local(t, tz))
}

/// The CSS class of a sentiment label (`negative`, `neutral`, `positive`).
pub fn sentiment_class(label: &str) -> &'static str {
    match label {
        "negative" => "negative",
        "positive" => "positive",
        _ => "neutral",
    }
}

/// An option of a `<select>`.
pub struct Opt {
    pub value: String,
    pub text: String,
    pub selected: bool,
}

impl Opt {
    pub fn new(value: &str, text: &str, current: &str) -> Opt {
        Opt {
            value: value.to_string(),
            text: text.to_string(),
            selected: value == current,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_links() {
        assert_eq!(
            web_link("https://example.nl/a?b=c").as_deref(),
            Some("https://example.nl/a?b=c")
        );
        assert_eq!(web_link(" http://x.nl").as_deref(), Some("http://x.nl/"));
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,<script>",
            "/relative",
            "//evil.example/",
            "vbscript:x",
            "",
        ] {
            assert_eq!(web_link(bad), None, "{bad}");
        }
    }

    #[test]
    fn local_paths_only() {
        assert_eq!(local_path("/?state=open"), Some("/?state=open"));
        assert_eq!(local_path("/mentions/3"), Some("/mentions/3"));
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://evil",
            "",
            "x",
            "/a\nb",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn bidi_controls_are_not_shown() {
        assert_eq!(shown("factuur \u{202e}gnp.exe"), "factuur gnp.exe");
        assert_eq!(shown("plain"), "plain");
    }

    #[test]
    fn language_from_headers() {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("nl-NL,en;q=0.5"),
        );
        assert_eq!(language(&h), Lang::Nl);
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("earshot_session=x; lang=en"),
        );
        assert_eq!(language(&h), Lang::En);
    }
}

//! Who is asking: login and logout, the session cookie, bearer tokens,
//! CSRF, and the limit on failed logins. One middleware ([`authenticate`])
//! resolves every request's caller once and refuses a state-changing
//! session request without its CSRF token; handlers only read the result
//! through the [`CurrentUser`] (pages) and [`ApiCaller`] (`/api/…`)
//! extractors, and never check anything again.
//!
//! The login form has no session yet, so it carries its own CSRF token: a
//! random value set as the `earshot_login` cookie (HttpOnly, SameSite=Strict,
//! Path=/login) when the form is shown, and repeated in the form; a POST
//! whose two copies differ is refused. A cross-site page can neither read the
//! cookie nor make the browser send it (SameSite=Strict), so it cannot log a
//! victim into an account of its choosing. Failed logins are limited per
//! client address (IPv6 by /64) and per user name; an unknown name is
//! checked against a dummy hash and answered exactly like a wrong password.
//! Nothing here stores a secret in plain text: sessions and tokens are kept
//! as SHA-256 digests.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use askama::Template;
use axum::extract::{
    ConnectInfo, FromRequestParts, OptionalFromRequestParts, Query, Request, State,
};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::Utc;

use super::credentials::{self, same_secret};
use super::i18n::{Lang, Messages};
use super::pages::{Page, UiLang};
use super::{AppState, WebError, BODY_LIMIT};

/// The session cookie: 256 random bits in hex; the store keeps its digest.
pub const SESSION_COOKIE: &str = "earshot_session";
/// The login form's own CSRF cookie.
const LOGIN_COOKIE: &str = "earshot_login";
/// The header `fetch()` sends the session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The form field forms send the session's CSRF token in.
pub const CSRF_FIELD: &str = "csrf";
/// Failed logins allowed per address and per name within [`FAILURE_WINDOW`].
pub const MAX_FAILURES: usize = 5;
/// How long a failed login counts.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Addresses and names tracked at most; past it the oldest are forgotten.
const MAX_TRACKED: usize = 10_000;
/// A token's `last_used_at` is written at most this often.
const TOKEN_USE_GRANULARITY: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// Who made a request, as [`authenticate`] found out.
#[derive(Debug, Clone)]
enum Caller {
    /// A browser with a live session.
    Session { name: String, csrf: String },
    /// A script with an active API token (by the token's name).
    Token { name: String },
}

/// The logged-in person behind a page request. Without a live session a
/// page answers with a redirect to `/login?next=<the page>`.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub name: String,
    /// The session's CSRF token, for the forms and `fetch()` calls the page makes.
    pub csrf: String,
}

/// The caller of an `/api/…` request: a token's name or a logged-in user's.
/// Without either the answer is 401 with `{"error": …}`.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    pub name: String,
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Caller>() {
            Some(Caller::Session { name, csrf }) => Ok(CurrentUser {
                name: name.clone(),
                csrf: csrf.clone(),
            }),
            _ => {
                let here = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                Err(Redirect::to(&login_url(here)).into_response())
            }
        }
    }
}

/// `Option<CurrentUser>`: the user when logged in, else `None` (never a redirect).
impl<S: Send + Sync> OptionalFromRequestParts<S> for CurrentUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(match parts.extensions.get::<Caller>() {
            Some(Caller::Session { name, csrf }) => Some(CurrentUser {
                name: name.clone(),
                csrf: csrf.clone(),
            }),
            _ => None,
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ApiCaller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Caller>() {
            Some(Caller::Session { name, .. } | Caller::Token { name }) => {
                Ok(ApiCaller { name: name.clone() })
            }
            None => Err(WebError::Unauthorized.into_json_response()),
        }
    }
}

/// Refuses `token` unless it is the session's CSRF token. The middleware
/// already checks every state-changing request; this is for a handler that
/// takes a token some other way.
pub fn check_csrf(user: &CurrentUser, token: &str) -> Result<(), WebError> {
    if !token.is_empty() && same_secret(&user.csrf, token) {
        Ok(())
    } else {
        Err(WebError::Csrf)
    }
}

/// `/login?next=<path>`, with `next` only when it is a path on this site.
fn login_url(next: &str) -> String {
    match safe_next(next) {
        Some(n) if n != "/" => format!(
            "/login?next={}",
            url::form_urlencoded::byte_serialize(n.as_bytes()).collect::<String>()
        ),
        _ => "/login".into(),
    }
}

/// `next` when it is a path on this site (not `//host`, not `/\host`, no
/// scheme, no control characters), so a login never redirects elsewhere.
fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\')
        && next.len() <= 2048;
    ok.then_some(next)
}

/// The methods that change something, and so need the CSRF token.
fn changes_state(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The value of cookie `name` in the request's `Cookie` headers.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"'))
}

/// The token of an `Authorization: Bearer …` header.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Resolves the caller of every request (a bearer token on `/api/…`, else
/// the session cookie) and refuses (403) a state-changing request made with
/// a session but without its CSRF token (`X-CSRF-Token` header, or the
/// `csrf` field of a url-encoded form). `/login` checks its own token.
/// Without a caller the request goes on: the handler's extractor answers.
pub(super) async fn authenticate(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let api = req.uri().path().starts_with("/api/");
    if api {
        if let Some(token) = bearer(req.headers()) {
            return match token_caller(&state, token).await {
                Ok(Some(name)) => {
                    req.extensions_mut().insert(Caller::Token { name });
                    next.run(req).await
                }
                Ok(None) => WebError::Unauthorized.into_json_response(),
                Err(e) => e.into_json_response(),
            };
        }
    }
    let answer = |e: WebError| {
        if api {
            e.into_json_response()
        } else {
            e.into_text_response()
        }
    };
    let session = match cookie(req.headers(), SESSION_COOKIE) {
        Some(id) if valid_hex(id) => {
            let hash = credentials::digest(id);
            match state.read(move |s| s.session(&hash, Utc::now())).await {
                Ok(s) => s,
                Err(e) => return answer(e),
            }
        }
        _ => None,
    };
    if let Some(s) = session {
        if changes_state(req.method()) && req.uri().path() != "/login" {
            let (back, sent) = match csrf_sent(req).await {
                Ok(r) => r,
                Err(e) => return answer(e),
            };
            req = back;
            if sent.as_deref().is_none_or(|t| !same_secret(t, &s.csrf)) {
                return answer(WebError::Csrf);
            }
        }
        req.extensions_mut().insert(Caller::Session {
            name: s.name,
            csrf: s.csrf,
        });
    }
    next.run(req).await
}

/// 64 lowercase hex digits: what session ids look like (anything else is
/// not looked up).
fn valid_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The CSRF token a request carries: its `X-CSRF-Token` header or, in a
/// url-encoded form, its `csrf` field (the body is read, up to the body
/// limit, and put back for the handler).
async fn csrf_sent(req: Request) -> Result<(Request, Option<String>), WebError> {
    if let Some(v) = req.headers().get(CSRF_HEADER) {
        let token = v.to_str().ok().map(str::to_string);
        return Ok((req, token));
    }
    let form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';').next().is_some_and(|m| {
                m.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        });
    if !form {
        return Ok((req, None));
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|_| WebError::BadRequest(format!("the form is larger than {BODY_LIMIT} bytes")))?;
    let token = url::form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v.into_owned());
    Ok((
        Request::from_parts(parts, axum::body::Body::from(bytes)),
        token,
    ))
}

/// The name of the active token `token`, recording its use (at most once a
/// minute, so reading scripts do not write on every call).
async fn token_caller(state: &AppState, token: &str) -> Result<Option<String>, WebError> {
    if !token.starts_with(credentials::TOKEN_PREFIX) || token.len() > 200 {
        return Ok(None);
    }
    let hash = credentials::digest(token);
    let Some(found) = state.read(move |s| s.token(&hash)).await? else {
        return Ok(None);
    };
    let now = Utc::now();
    if found
        .last_used_at
        .is_none_or(|t| now - t >= TOKEN_USE_GRANULARITY)
    {
        if let Err(e) = state.write(move |s| s.token_used(&hash, now)).await {
            tracing::warn!(error = %e, token = %found.name, "could not record a token's use");
        }
    }
    Ok(Some(found.name))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
}

/// The login form, in the page's language and frame (`base.html`).
#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    page: Page,
    t: &'static Messages,
    csrf: &'a str,
    next: &'a str,
    error: Option<&'a str>,
    name: &'a str,
}

#[derive(Debug, serde::Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// The login form, with a fresh login CSRF token in a cookie and the form.
async fn login_form(
    State(state): State<AppState>,
    caller: Option<CurrentUser>,
    UiLang(lang): UiLang,
    Query(q): Query<NextQuery>,
) -> Result<Response, WebError> {
    let next = q.next.as_deref().and_then(safe_next).unwrap_or("/");
    if caller.is_some() {
        return Ok(Redirect::to(next).into_response());
    }
    login_page(&state, lang, StatusCode::OK, next, false, "")
}

/// The login form; `failed` says the last try was a wrong name or password.
fn login_page(
    state: &AppState,
    lang: Lang,
    status: StatusCode,
    next: &str,
    failed: bool,
    name: &str,
) -> Result<Response, WebError> {
    let csrf = credentials::new_csrf_token();
    let t = lang.t();
    let html = LoginPage {
        page: Page::signed_out(lang, state.tz(), &login_url(next)),
        t,
        error: failed.then_some(t.wrong_login),
        csrf: &csrf,
        next,
        name,
    }
    .render()
    .map_err(WebError::internal)?;
    let mut r = (status, Html(html)).into_response();
    set_cookie(
        &mut r,
        &format!("{LOGIN_COOKIE}={csrf}; HttpOnly; SameSite=Strict; Path=/login; Max-Age=3600"),
    );
    Ok(r)
}

fn set_cookie(r: &mut Response, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

#[derive(serde::Deserialize)]
struct LoginForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

/// A wrong name and a wrong password get the same answer (`wrong_login`
/// in the page's language), whichever it was.
async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    UiLang(lang): UiLang,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let next = safe_next(&form.next).unwrap_or("/").to_string();
    let sent = cookie(&headers, LOGIN_COOKIE).unwrap_or("");
    if sent.is_empty() || !same_secret(sent, &form.csrf) {
        return Err(WebError::Csrf);
    }
    let name = form.name.trim().to_string();
    let keys = [
        Key::Address(address_key(peer.ip())),
        Key::Name(name.clone()),
    ];
    if let Some(wait) = state.limiter().blocked(&keys, Instant::now()) {
        return Err(WebError::RateLimited(wait.as_secs().max(1)));
    }
    let ok = {
        let _turn = state
            .inner
            .hashing
            .acquire()
            .await
            .map_err(WebError::internal)?;
        let lookup = name.clone();
        let hash = if valid_name(&name) {
            state.read(move |s| s.password_hash(&lookup)).await?
        } else {
            None
        };
        let password = form.password;
        tokio::task::spawn_blocking(move || {
            credentials::verify_password(&password, hash.as_deref())
        })
        .await
        .map_err(WebError::internal)?
    };
    if !ok {
        state.limiter().failed(&keys, Instant::now());
        tracing::info!(client = %peer.ip(), "failed web login");
        return login_page(&state, lang, StatusCode::UNAUTHORIZED, &next, true, &name);
    }
    state.limiter().succeeded(&keys[1]);
    let id = credentials::new_session_id();
    let csrf = credentials::new_csrf_token();
    let config = state.config();
    let lifetime = config.web.session_lifetime;
    let now = Utc::now();
    let expires = now + chrono::Duration::from_std(lifetime).map_err(WebError::internal)?;
    let hash = credentials::digest(&id);
    let who = name.clone();
    let created = state
        .write(move |s| s.create_session(&who, &hash, &csrf, now, expires))
        .await?;
    if !created {
        // Removed between the check and now.
        return login_page(&state, lang, StatusCode::UNAUTHORIZED, &next, true, &name);
    }
    tracing::info!(user = %name, "web login");
    let secure = if config.web.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let mut r = Redirect::to(&next).into_response();
    set_cookie(
        &mut r,
        &format!(
            "{SESSION_COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
            lifetime.as_secs()
        ),
    );
    set_cookie(
        &mut r,
        &format!("{LOGIN_COOKIE}=; HttpOnly; SameSite=Strict; Path=/login; Max-Age=0"),
    );
    Ok(r)
}

/// Ends the session (its CSRF token was checked by the middleware) and
/// clears the cookie.
async fn logout(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    if let Some(id) = cookie(&headers, SESSION_COOKIE).filter(|id| valid_hex(id)) {
        let hash = credentials::digest(id);
        state.write(move |s| s.end_session(&hash)).await?;
    }
    if let Some(u) = user {
        tracing::info!(user = %u.name, "web logout");
    }
    let mut r = Redirect::to("/login").into_response();
    set_cookie(
        &mut r,
        &format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    Ok(r)
}

/// A user or token name: 1 to 64 letters, digits and `. _ - @`.
pub fn valid_name(name: &str) -> bool {
    let n = name.chars().count();
    (1..=64).contains(&n)
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

/// What failed logins are counted by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    /// An IPv4 address, or an IPv6 address's /64.
    Address(IpAddr),
    Name(String),
}

/// IPv6 clients are counted by their /64: one host usually has all of it.
fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

/// Failed logins per address and per name, in memory (a restart forgets
/// them), each kept for [`FAILURE_WINDOW`].
#[derive(Debug, Default)]
pub(super) struct Limiter {
    failures: HashMap<Key, VecDeque<Instant>>,
}

impl Limiter {
    /// How long until the first of `keys` that has [`MAX_FAILURES`] in the
    /// window may try again; `None` when none is blocked.
    fn blocked(&mut self, keys: &[Key], now: Instant) -> Option<Duration> {
        keys.iter()
            .filter_map(|k| {
                let times = self.failures.get_mut(k)?;
                while times
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= FAILURE_WINDOW)
                {
                    times.pop_front();
                }
                (times.len() >= MAX_FAILURES).then(|| {
                    let oldest = times.front().copied().unwrap_or(now);
                    FAILURE_WINDOW.saturating_sub(now.duration_since(oldest))
                })
            })
            .max()
    }

    fn failed(&mut self, keys: &[Key], now: Instant) {
        if self.failures.len() >= MAX_TRACKED {
            self.failures.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < FAILURE_WINDOW)
            });
        }
        for k in keys {
            if self.failures.len() >= MAX_TRACKED && !self.failures.contains_key(k) {
                continue;
            }
            let times = self.failures.entry(k.clone()).or_default();
            times.push_back(now);
            while times.len() > MAX_FAILURES {
                times.pop_front();
            }
        }
    }

    fn succeeded(&mut self, key: &Key) {
        self.failures.remove(key);
    }
}

impl AppState {
    fn limiter(&self) -> std::sync::MutexGuard<'_, Limiter> {
        self.inner.limiter.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_block_for_the_rest_of_the_window() {
        let mut l = Limiter::default();
        let t0 = Instant::now();
        let a = [
            Key::Address(address_key("192.0.2.1".parse().unwrap())),
            Key::Name("sanne".into()),
        ];
        let b = [
            Key::Address(address_key("192.0.2.2".parse().unwrap())),
            Key::Name("sanne".into()),
        ];
        for i in 0..4 {
            l.failed(&a, t0 + Duration::from_secs(i));
        }
        assert_eq!(l.blocked(&a, t0 + Duration::from_secs(5)), None);
        l.failed(&a, t0 + Duration::from_secs(5));
        // Blocked by address and by name: another address, same name, too.
        let wait = l.blocked(&b, t0 + Duration::from_secs(60)).unwrap();
        assert_eq!(wait, FAILURE_WINDOW - Duration::from_secs(60));
        assert!(l.blocked(&a, t0 + FAILURE_WINDOW).is_none());
    }

    #[test]
    fn ipv6_clients_count_by_their_64() {
        let a = address_key("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = address_key("2001:db8:1:2:bbbb::2".parse().unwrap());
        let c = address_key("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(
            address_key("::ffff:192.0.2.1".parse().unwrap()),
            "192.0.2.1".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn next_is_only_a_local_path() {
        assert_eq!(safe_next("/mentions/3?x=1"), Some("/mentions/3?x=1"));
        for bad in [
            "//evil.example/",
            "/\\evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "",
            "/a\nb",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
        assert_eq!(
            login_url("/mentions?state=open"),
            "/login?next=%2Fmentions%3Fstate%3Dopen"
        );
        assert_eq!(login_url("//evil"), "/login");
    }

    #[test]
    fn names() {
        assert!(valid_name("sanne"));
        assert!(valid_name("joost.de-vries@acme"));
        assert!(!valid_name(""));
        assert!(!valid_name("a b"));
        assert!(!valid_name("a\u{202e}b"));
        assert!(!valid_name(&"a".repeat(65)));
    }
}

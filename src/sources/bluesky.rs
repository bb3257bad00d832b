//! Bluesky posts matching a search (`app.bsky.feed.searchPosts`), read as one
//! account that logs in with an app password.
//!
//! The session (`com.atproto.server.createSession`) lives in memory for the
//! process lifetime, one per source: it is never logged or stored, and neither
//! is the app password. A search answered `ExpiredToken` renews the session
//! (`refreshSession` with the refresh token; when that fails, one new login)
//! and is retried once. A refused login (`AuthenticationRequired`) is a
//! [`SourceError::Refused`], recorded like any failed poll.
//!
//! The cursor is the newest post time seen (RFC 3339). A post's time is the
//! earlier of `createdAt` and `indexedAt`, as the API's own `sortAt`, which
//! is what `since` filters on. The first poll reads only the newest page;
//! later ones pass `since` and follow the page `cursor` while pages bring
//! posts newer than the stored cursor, at most `max_pages` pages. Posts not
//! newer than the stored cursor are skipped. An item's identity is the post's
//! AT-URI.

use std::collections::{HashMap, HashSet};
use std::sync::{LazyLock, Mutex};

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION};
use serde::Deserialize;
use url::Url;

use super::{Found, Item, SourceError, MAX_TEXT, MAX_TITLE};
use crate::config::{BlueskyOptions, Source};
use crate::http::{Answer, Http};
use crate::text::{truncate, truncate_owned};

/// Posts per page: the API's maximum.
const LIMIT: usize = 100;
const KIND: &str = "bluesky";

/// A logged-in session. No `Debug`: it holds tokens.
#[derive(Clone)]
struct Session {
    /// What it was opened for (base URL and handle): a changed config logs in
    /// again.
    for_locator: String,
    access: String,
    refresh: String,
}

/// The open session of each source, by source name.
static SESSIONS: LazyLock<Mutex<HashMap<String, Session>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

#[derive(Deserialize)]
struct SessionBody {
    #[serde(rename = "accessJwt")]
    access_jwt: String,
    #[serde(rename = "refreshJwt")]
    refresh_jwt: String,
}

#[derive(Deserialize)]
struct Page {
    posts: Vec<Post>,
    cursor: Option<String>,
}

#[derive(Deserialize)]
struct Post {
    uri: String,
    author: Option<Author>,
    record: Option<Record>,
    #[serde(rename = "indexedAt")]
    indexed_at: Option<String>,
}

#[derive(Deserialize)]
struct Author {
    did: Option<String>,
    handle: Option<String>,
    #[serde(rename = "displayName")]
    display_name: Option<String>,
}

#[derive(Deserialize)]
struct Record {
    text: Option<String>,
    #[serde(rename = "createdAt")]
    created_at: Option<String>,
}

/// An XRPC error body: `{"error":"ExpiredToken","message":"…"}`.
#[derive(Deserialize)]
struct XrpcError {
    error: Option<String>,
    message: Option<String>,
}

fn xrpc_url(source: &Source, method: &str) -> Result<Url, SourceError> {
    source
        .url
        .join(&format!("/xrpc/{method}"))
        .map_err(|e| SourceError::parse(KIND, format!("base_url: {e}")))
}

fn bearer(token: &str) -> Result<HeaderMap, SourceError> {
    let mut h = HeaderMap::new();
    h.insert(ACCEPT, HeaderValue::from_static("application/json"));
    let mut v = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
        SourceError::parse(
            KIND,
            "the session token has characters a header cannot carry",
        )
    })?;
    v.set_sensitive(true);
    h.insert(AUTHORIZATION, v);
    Ok(h)
}

/// The XRPC error name and message of a non-2xx answer, when it has them.
fn xrpc_error(answer: &Answer) -> Option<(String, String)> {
    let e: XrpcError = serde_json::from_slice(&answer.body).ok()?;
    Some((
        truncate(e.error.as_deref()?, 100).into_owned(),
        truncate(e.message.as_deref().unwrap_or(""), 200).into_owned(),
    ))
}

/// The error a non-2xx answer of `what` is: rate limits and server trouble
/// stay HTTP errors (retried), an XRPC refusal names its error.
fn refusal(what: &str, answer: &Answer) -> SourceError {
    if answer.status == 429 || answer.status >= 500 {
        return SourceError::Fetch(answer.status_error());
    }
    match xrpc_error(answer) {
        Some((error, message)) => SourceError::Refused {
            kind: KIND,
            message: format!(
                "{what} refused (HTTP {}): {error}: {message}",
                answer.status
            ),
        },
        None => SourceError::Fetch(answer.status_error()),
    }
}

fn is_expired(answer: &Answer) -> bool {
    matches!(answer.status, 400 | 401)
        && xrpc_error(answer).is_some_and(|(e, _)| e == "ExpiredToken" || e == "InvalidToken")
}

fn parse_session(source: &Source, body: &[u8]) -> Result<Session, SourceError> {
    let s: SessionBody = serde_json::from_slice(body)
        .map_err(|e| SourceError::parse(KIND, format!("unexpected session response: {e}")))?;
    Ok(Session {
        for_locator: source.locator(),
        access: s.access_jwt,
        refresh: s.refresh_jwt,
    })
}

fn remember(source: &Source, session: Option<&Session>) {
    let mut all = SESSIONS.lock().unwrap_or_else(|p| p.into_inner());
    match session {
        Some(s) => all.insert(source.name.clone(), s.clone()),
        None => all.remove(&source.name),
    };
}

/// Logs in with the handle and app password.
async fn login(
    http: &Http,
    source: &Source,
    opts: &BlueskyOptions,
) -> Result<Session, SourceError> {
    let handle = opts.handle.as_str();
    let body = serde_json::json!({
        "identifier": handle,
        "password": opts.app_password.expose(),
    });
    let url = xrpc_url(source, "com.atproto.server.createSession")?;
    let mut h = HeaderMap::new();
    h.insert(ACCEPT, HeaderValue::from_static("application/json"));
    let (answer, slot) = http
        .post_json(&url, &h, Some(body.to_string().into_bytes()))
        .await;
    drop(slot);
    let answer = answer?;
    if !(200..300).contains(&answer.status) {
        remember(source, None);
        return Err(refusal(&format!("login as {handle}"), &answer));
    }
    let session = parse_session(source, &answer.body)?;
    tracing::debug!(source = %source.name, handle, "logged in to bluesky");
    remember(source, Some(&session));
    Ok(session)
}

/// A new access token from the refresh token; when that is refused, one
/// new login.
async fn renew(
    http: &Http,
    source: &Source,
    opts: &BlueskyOptions,
    old: &Session,
) -> Result<Session, SourceError> {
    let url = xrpc_url(source, "com.atproto.server.refreshSession")?;
    let (answer, slot) = http.post_json(&url, &bearer(&old.refresh)?, None).await;
    drop(slot);
    if let Ok(a) = &answer {
        if (200..300).contains(&a.status) {
            if let Ok(session) = parse_session(source, &a.body) {
                tracing::debug!(source = %source.name, "bluesky session refreshed");
                remember(source, Some(&session));
                return Ok(session);
            }
        }
    }
    login(http, source, opts).await
}

/// The open session of `source`, logging in when there is none.
async fn session(
    http: &Http,
    source: &Source,
    opts: &BlueskyOptions,
) -> Result<Session, SourceError> {
    let cached = SESSIONS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&source.name)
        .filter(|s| s.for_locator == source.locator())
        .cloned();
    match cached {
        Some(s) => Ok(s),
        None => login(http, source, opts).await,
    }
}

/// The search URL for one page.
fn page_url(
    source: &Source,
    opts: &BlueskyOptions,
    since: Option<&str>,
    page: Option<&str>,
) -> Result<Url, SourceError> {
    let mut url = xrpc_url(source, "app.bsky.feed.searchPosts")?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("q", &opts.query);
        q.append_pair("sort", "latest");
        q.append_pair("limit", &LIMIT.to_string());
        if let Some(l) = &opts.lang {
            q.append_pair("lang", l);
        }
        if let Some(s) = since {
            q.append_pair("since", s);
        }
        if let Some(p) = page {
            q.append_pair("cursor", p);
        }
    }
    Ok(url)
}

/// One search page, renewing the session once when it has expired.
async fn search(
    http: &Http,
    source: &Source,
    opts: &BlueskyOptions,
    session: &mut Session,
    renewed: &mut bool,
    url: &Url,
) -> Result<Vec<u8>, SourceError> {
    loop {
        let (answer, slot) = http.get_answer(url, &bearer(&session.access)?).await;
        drop(slot);
        let answer = answer?;
        if (200..300).contains(&answer.status) {
            return Ok(answer.body);
        }
        if !*renewed && is_expired(&answer) {
            *renewed = true;
            *session = renew(http, source, opts, session).await?;
            continue;
        }
        return Err(refusal("search", &answer));
    }
}

/// Polls the search of `source` from `cursor` on.
pub async fn poll(
    http: &Http,
    source: &Source,
    opts: &BlueskyOptions,
    cursor: Option<&str>,
) -> Result<Found, SourceError> {
    // An unreadable cursor starts afresh, like none.
    let since = cursor.and_then(parse_time);
    let since_text = since.map(format_time);
    let mut session = session(http, source, opts).await?;
    let mut renewed = false;
    let mut newest = since;
    let mut seen = HashSet::new();
    let mut items = Vec::new();
    let mut page: Option<String> = None;
    for _ in 0..opts.max_pages {
        let url = page_url(source, opts, since_text.as_deref(), page.as_deref())?;
        let body = search(http, source, opts, &mut session, &mut renewed, &url).await?;
        let Page { posts, cursor } = parse_page(&body)?;
        let mut reached_cursor = posts.is_empty();
        for post in posts {
            let at = post_time(&post);
            if let (Some(s), Some(t)) = (since, at) {
                if t <= s {
                    reached_cursor = true;
                    continue;
                }
            }
            if at.is_some() && at > newest {
                newest = at;
            }
            if let Some(item) = to_item(post) {
                if seen.insert(item.key.clone()) {
                    items.push(item);
                }
            }
        }
        // The first poll reads one page; later ones page back to the cursor.
        match cursor {
            Some(c) if since.is_some() && !reached_cursor && !c.is_empty() => page = Some(c),
            _ => break,
        }
    }
    Ok(Found {
        items,
        cursor: newest.map(format_time),
    })
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// When the post counts as posted: the earlier of `createdAt` and
/// `indexedAt` (the API's `sortAt`), so a post dated in the future does not
/// push the cursor past posts still to come.
fn post_time(post: &Post) -> Option<DateTime<Utc>> {
    let created = post
        .record
        .as_ref()
        .and_then(|r| r.created_at.as_deref())
        .and_then(parse_time);
    let indexed = post.indexed_at.as_deref().and_then(parse_time);
    match (created, indexed) {
        (Some(c), Some(i)) => Some(c.min(i)),
        (c, i) => c.or(i),
    }
}

fn parse_page(body: &[u8]) -> Result<Page, SourceError> {
    serde_json::from_slice(body)
        .map_err(|e| SourceError::parse(KIND, format!("unexpected response: {e}")))
}

/// A post as an item; `None` without an AT-URI.
fn to_item(post: Post) -> Option<Item> {
    let key = post.uri.trim().to_string();
    if !key.starts_with("at://") {
        return None;
    }
    let published = post
        .record
        .as_ref()
        .and_then(|r| r.created_at.as_deref())
        .and_then(parse_time);
    let (handle, author) = match &post.author {
        Some(a) => (
            a.handle.clone().or_else(|| a.did.clone()),
            a.display_name
                .as_deref()
                .filter(|d| !d.trim().is_empty())
                .or(a.handle.as_deref())
                .map(|n| truncate(n.trim(), 200).into_owned()),
        ),
        None => (None, None),
    };
    let url = web_url(&key, handle.as_deref());
    let text = post
        .record
        .and_then(|r| r.text)
        .map(|t| t.trim().to_string())
        .unwrap_or_default();
    let title = super::mastodon::title_of(&text);
    Some(Item {
        key: truncate_owned(key, 2048),
        url,
        title: truncate_owned(title, MAX_TITLE),
        text: truncate_owned(text, MAX_TEXT),
        author,
        published,
        rating: None,
        page_link: None,
    })
}

/// `https://bsky.app/profile/{handle}/post/{rkey}` for an
/// `at://{did}/app.bsky.feed.post/{rkey}` URI (the DID when the handle is
/// unknown).
fn web_url(uri: &str, handle: Option<&str>) -> Option<Url> {
    let rest = uri.strip_prefix("at://")?;
    let mut parts = rest.split('/');
    let (did, collection, rkey) = (parts.next()?, parts.next()?, parts.next()?);
    if collection != "app.bsky.feed.post" || rkey.is_empty() || parts.next().is_some() {
        return None;
    }
    let who = handle.filter(|h| !h.is_empty()).unwrap_or(did);
    let mut url = Url::parse("https://bsky.app/profile/").ok()?;
    url.path_segments_mut()
        .ok()?
        .pop_if_empty()
        .extend([who, "post", rkey]);
    Some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(json: &str) -> Post {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn posts_map_to_items() {
        let p = post(
            r#"{"uri":"at://did:plc:abc123/app.bsky.feed.post/3kxyz","cid":"bafy",
                "author":{"did":"did:plc:abc123","handle":"anna.bsky.social","displayName":""},
                "record":{"$type":"app.bsky.feed.post","text":"  Acme Telecom\nstoring  ","createdAt":"2026-11-22T10:00:00.000Z"},
                "indexedAt":"2026-11-22T10:00:01.000Z"}"#,
        );
        assert_eq!(
            post_time(&p).map(format_time).as_deref(),
            Some("2026-11-22T10:00:00.000Z")
        );
        let item = to_item(p).unwrap();
        assert_eq!(item.key, "at://did:plc:abc123/app.bsky.feed.post/3kxyz");
        assert_eq!(
            item.url.unwrap().as_str(),
            "https://bsky.app/profile/anna.bsky.social/post/3kxyz"
        );
        assert_eq!(item.author.as_deref(), Some("anna.bsky.social"));
        assert_eq!(item.title, "Acme Telecom storing");
        assert_eq!(item.text, "Acme Telecom\nstoring");
        assert!(item.rating.is_none());
    }

    #[test]
    fn web_urls_need_a_post_uri() {
        let check = |uri: &str, handle: Option<&str>, expected: Option<&str>| {
            assert_eq!(
                web_url(uri, handle).map(|u| u.to_string()).as_deref(),
                expected,
                "{uri}"
            );
        };
        check(
            "at://did:plc:x/app.bsky.feed.post/3k",
            None,
            Some("https://bsky.app/profile/did:plc:x/post/3k"),
        );
        check("at://did:plc:x/app.bsky.feed.like/3k", Some("a"), None);
        check("at://did:plc:x/app.bsky.feed.post/", Some("a"), None);
        check("https://bsky.app/x", Some("a"), None);
        assert!(to_item(post(r#"{"uri":"https://x"}"#)).is_none());
    }

    #[test]
    fn future_dates_do_not_move_the_cursor_ahead() {
        let p = post(
            r#"{"uri":"at://d/app.bsky.feed.post/1","record":{"createdAt":"2030-01-01T00:00:00Z"},"indexedAt":"2026-11-22T10:00:00.5Z"}"#,
        );
        assert_eq!(
            post_time(&p).map(format_time).as_deref(),
            Some("2026-11-22T10:00:00.500Z")
        );
    }

    #[test]
    fn expired_tokens_are_told_from_other_refusals() {
        let answer = |status: u16, body: &str| Answer {
            status,
            body: body.as_bytes().to_vec(),
            retry_after: None,
        };
        let expired = answer(
            400,
            r#"{"error":"ExpiredToken","message":"Token has expired"}"#,
        );
        assert!(is_expired(&expired));
        let bad = answer(
            401,
            r#"{"error":"AuthenticationRequired","message":"Invalid identifier or password"}"#,
        );
        assert!(!is_expired(&bad));
        assert_eq!(
            refusal("login as a.example", &bad).to_string(),
            "bluesky: login as a.example refused (HTTP 401): AuthenticationRequired: Invalid identifier or password"
        );
        assert!(!refusal("x", &bad).is_retryable());
        assert!(refusal("x", &answer(502, "<html>")).is_retryable());
        assert!(parse_page(b"<html>").is_err());
    }
}

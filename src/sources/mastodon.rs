//! Mastodon hashtag timelines (`GET /api/v1/timelines/tag/:hashtag`) on one
//! instance.
//!
//! The cursor is, per hashtag, the newest status id seen, kept as one JSON
//! object (`{"ns":"113…","klm":"113…"}`). The first poll of a hashtag reads
//! only its newest page; later polls ask for `since_id`, newest first, and
//! page back through the `Link` header's `rel="next"` (as the API documents;
//! ids need not come in order) while pages are full and have not reached the
//! cursor, at most `max_pages` pages. A next link to another host than the
//! instance is not followed. The status search sends no `Link` header and
//! pages with `max_id`, the smallest id seen. Ids are compared as big
//! integers: by length, then by their digits.
//! A reblog is the status it reblogs: one identity (the original's URI), so a
//! reblog and its original, or one status under two hashtags, are one item.
//! A disabled timeline answers `[]`: no items, no error.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, LINK};
use serde::Deserialize;
use url::Url;

use super::{read_cursor, write_cursor, Found, Item, SourceError, MAX_TEXT, MAX_TITLE};
use crate::config::{MastodonOptions, Source};
use crate::http::{Fetched, Http};
use crate::text::{html_to_text, one_line, truncate, truncate_owned};

const KIND: &str = "mastodon";
/// Statuses per page: the API's maximum for timelines.
const LIMIT: usize = 40;
/// A title is the start of the text, about this many characters.
const TITLE_CHARS: usize = 100;

#[derive(Deserialize)]
struct Status {
    id: String,
    created_at: Option<String>,
    uri: Option<String>,
    url: Option<String>,
    content: Option<String>,
    spoiler_text: Option<String>,
    account: Option<Account>,
    reblog: Option<Box<Status>>,
}

#[derive(Deserialize)]
struct Account {
    acct: Option<String>,
    display_name: Option<String>,
}

/// Orders status ids as the numbers they are (`"99" < "100"`).
fn cmp_id(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// What one source reads: hashtag timelines, and a full-text search where
/// the instance offers one (`/api/v2/search`, statuses only).
enum Target<'a> {
    Tag(&'a str),
    Search(&'a str),
}

impl Target<'_> {
    /// The key of this target's id in the cursor.
    fn key(&self) -> String {
        match self {
            Target::Tag(t) => t.to_string(),
            Target::Search(q) => format!("?{q}"),
        }
    }
}

/// The URL for one page of `target`.
fn page_url(
    source: &Source,
    target: &Target<'_>,
    since: Option<&str>,
    max_id: Option<&str>,
) -> Result<Url, SourceError> {
    let mut url = match target {
        Target::Tag(tag) => {
            let mut url = source
                .url
                .join("/api/v1/timelines/tag/")
                .map_err(|e| SourceError::parse(KIND, format!("base_url: {e}")))?;
            url.path_segments_mut()
                .map_err(|()| SourceError::parse(KIND, "base_url cannot take a path"))?
                .pop_if_empty()
                .push(tag);
            url
        }
        Target::Search(q) => {
            let mut url = source
                .url
                .join("/api/v2/search")
                .map_err(|e| SourceError::parse(KIND, format!("base_url: {e}")))?;
            url.query_pairs_mut()
                .append_pair("q", q)
                .append_pair("type", "statuses")
                .append_pair("resolve", "false");
            url
        }
    };
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("limit", &LIMIT.to_string());
        if let Some(s) = since {
            // Search pages by min_id; timelines by since_id.
            let name = match target {
                Target::Tag(_) => "since_id",
                Target::Search(_) => "min_id",
            };
            q.append_pair(name, s);
        }
        if let Some(m) = max_id {
            q.append_pair("max_id", m);
        }
    }
    Ok(url)
}

fn headers(opts: &MastodonOptions) -> Result<HeaderMap, SourceError> {
    let mut h = HeaderMap::new();
    h.insert(ACCEPT, HeaderValue::from_static("application/json"));
    if let Some(token) = &opts.token {
        let mut v = HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
            SourceError::parse(
                KIND,
                "the access token has characters a header cannot carry",
            )
        })?;
        v.set_sensitive(true);
        h.insert(AUTHORIZATION, v);
    }
    Ok(h)
}

/// Polls every hashtag of `source` from `cursor` on.
pub async fn poll(
    http: &Http,
    source: &Source,
    opts: &MastodonOptions,
    cursor: Option<&str>,
) -> Result<Found, SourceError> {
    let old: BTreeMap<String, String> = read_cursor(cursor);
    let headers = headers(opts)?;
    let mut next = BTreeMap::new();
    let mut seen = HashSet::new();
    let mut items = Vec::new();
    let mut targets: Vec<Target<'_>> = opts.hashtags.iter().map(|t| Target::Tag(t)).collect();
    if let Some(q) = opts.query.as_deref() {
        targets.push(Target::Search(q));
    }
    for target in &targets {
        let key = target.key();
        let since = old.get(&key).cloned();
        let mut newest = since.clone();
        let mut url = page_url(source, target, since.as_deref(), None)?;
        for _ in 0..opts.max_pages {
            let (fetched, _slot) = http.get_with_headers(&url, &headers).await;
            let (body, link) = match fetched? {
                (Fetched::Body { body, .. }, answer) => {
                    (body, next_link(&answer, &url, &source.url))
                }
                (Fetched::NotModified, _) => break,
            };
            let statuses = match target {
                Target::Tag(_) => parse_page(&body)?,
                Target::Search(_) => parse_search(&body)?,
            };
            let full = statuses.len() >= LIMIT;
            let mut oldest: Option<String> = None;
            for status in statuses {
                if newest
                    .as_deref()
                    .is_none_or(|n| cmp_id(&status.id, n) == Ordering::Greater)
                {
                    newest = Some(status.id.clone());
                }
                if oldest
                    .as_deref()
                    .is_none_or(|o| cmp_id(&status.id, o) == Ordering::Less)
                {
                    oldest = Some(status.id.clone());
                }
                if let Some(item) = to_item(status) {
                    if seen.insert(item.key.clone()) {
                        items.push(item);
                    }
                }
            }
            // The first poll reads one page; later ones go back to the
            // cursor while pages are full.
            let reached = oldest
                .as_deref()
                .zip(since.as_deref())
                .is_none_or(|(o, s)| cmp_id(o, s) != Ordering::Greater);
            if since.is_none() || !full || reached {
                break;
            }
            url = match (link, target) {
                (Some(next), _) => next,
                (None, Target::Search(_)) => {
                    page_url(source, target, since.as_deref(), oldest.as_deref())?
                }
                (None, Target::Tag(_)) => break,
            };
        }
        if let Some(n) = newest {
            next.insert(key, n);
        }
    }
    let cursor = write_cursor(KIND, &next)?;
    Ok(Found { items, cursor })
}

/// The `Link` header's `rel="next"` target, resolved against the page's
/// URL; `None` without one, or when it points off the instance (scheme, host
/// and port of `instance`): a page must not send the token elsewhere.
fn next_link(headers: &HeaderMap, page: &Url, instance: &Url) -> Option<Url> {
    let value = headers.get(LINK)?.to_str().ok()?;
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let close = open + rest[open..].find('>')?;
        let target = &rest[open + 1..close];
        rest = &rest[close + 1..];
        let params = &rest[..rest.find('<').unwrap_or(rest.len())];
        let is_next = params.split([';', ',']).any(|p| {
            p.trim()
                .strip_prefix("rel=")
                .is_some_and(|r| r.trim_matches('"').split_whitespace().any(|r| r == "next"))
        });
        if !is_next {
            continue;
        }
        let next = page.join(target.trim()).ok()?;
        let same = next.scheme() == instance.scheme()
            && next.host_str() == instance.host_str()
            && next.port_or_known_default() == instance.port_or_known_default();
        if !same {
            tracing::warn!(next = %next, "mastodon: not following a next page on another host");
            return None;
        }
        return Some(next);
    }
    None
}

/// A `/api/v2/search` answer: its statuses, newest first.
fn parse_search(body: &[u8]) -> Result<Vec<Status>, SourceError> {
    #[derive(Deserialize)]
    struct Results {
        #[serde(default)]
        statuses: Vec<Status>,
    }
    // Anything without a `statuses` list (an error object, garbage) is read
    // the way a timeline page is, which names what came back.
    let has_statuses = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .is_some_and(|v| v.get("statuses").is_some_and(|s| s.is_array()));
    if !has_statuses {
        return parse_page(body).and_then(|_| {
            Err(SourceError::parse(
                KIND,
                "the search answered without a statuses list",
            ))
        });
    }
    let mut statuses = serde_json::from_slice::<Results>(body)
        .map_err(|e| SourceError::parse(KIND, format!("unexpected search response: {e}")))?
        .statuses;
    statuses.sort_by(|a, b| cmp_id(&b.id, &a.id));
    Ok(statuses)
}

fn parse_page(body: &[u8]) -> Result<Vec<Status>, SourceError> {
    serde_json::from_slice(body).map_err(|e| {
        // The API's own error object, when that is what came back.
        #[derive(Deserialize)]
        struct ApiError {
            error: String,
        }
        match serde_json::from_slice::<ApiError>(body) {
            Ok(a) => SourceError::parse(
                KIND,
                format!("the instance answered: {}", truncate(&a.error, 200)),
            ),
            Err(_) => SourceError::parse(KIND, format!("unexpected response: {e}")),
        }
    })
}

/// A status (a reblog: the status it reblogs) as an item; `None` without an
/// identity.
fn to_item(status: Status) -> Option<Item> {
    let s = match status.reblog {
        Some(original) => *original,
        None => status,
    };
    let key = s
        .uri
        .clone()
        .or_else(|| s.url.clone())
        .filter(|k| !k.trim().is_empty())?;
    let url = s
        .url
        .as_deref()
        .and_then(|u| Url::parse(u).ok())
        .or_else(|| Url::parse(&key).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"));
    let content = s.content.unwrap_or_default();
    let body = html_to_text(&strip_invisible(&truncate(&content, MAX_TEXT * 4)));
    let text = match s.spoiler_text.as_deref().map(str::trim) {
        Some(cw) if !cw.is_empty() => format!("{}\n\n{body}", one_line(cw)),
        _ => body,
    };
    let author = s.account.and_then(|a| {
        a.display_name
            .filter(|d| !d.trim().is_empty())
            .or(a.acct)
            .map(|n| truncate(n.trim(), 200).into_owned())
    });
    Some(Item {
        key: truncate_owned(key, 2048),
        url,
        title: truncate_owned(title_of(&text), MAX_TITLE),
        text: truncate_owned(text, MAX_TEXT),
        author,
        published: s
            .created_at
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&chrono::Utc)),
        rating: None,
        page_link: None,
    })
}

/// The first line's worth of `text`, cut at a word near [`TITLE_CHARS`].
pub(super) fn title_of(text: &str) -> String {
    let line = one_line(text);
    if line.chars().count() <= TITLE_CHARS {
        return line;
    }
    let cut: String = line.chars().take(TITLE_CHARS).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > TITLE_CHARS / 2 => &cut[..i],
        _ => &cut,
    };
    format!("{}…", cut.trim_end())
}

/// Mastodon shortens links for display: the scheme and the tail sit in
/// `<span class="invisible">`, the shown part in `<span class="ellipsis">`.
/// The text keeps what a reader sees, `example.com/long/pa…`.
fn strip_invisible(html: &str) -> Cow<'_, str> {
    const INVISIBLE: &str = "<span class=\"invisible\">";
    const ELLIPSIS: &str = "<span class=\"ellipsis\">";
    const CLOSE: &str = "</span>";
    if !html.contains(INVISIBLE) && !html.contains(ELLIPSIS) {
        return Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    loop {
        let next = [INVISIBLE, ELLIPSIS]
            .into_iter()
            .filter_map(|open| rest.find(open).map(|i| (i, open)))
            .min();
        let Some((i, open)) = next else {
            out.push_str(rest);
            break;
        };
        out.push_str(&rest[..i]);
        let inner = &rest[i + open.len()..];
        let end = inner.find(CLOSE).unwrap_or(inner.len());
        if open == ELLIPSIS {
            out.push_str(&inner[..end]);
            out.push('…');
        }
        rest = inner.get(end + CLOSE.len()..).unwrap_or("");
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_compare_as_numbers() {
        assert_eq!(cmp_id("99", "100"), Ordering::Less);
        assert_eq!(
            cmp_id("113500000000000002", "113500000000000001"),
            Ordering::Greater
        );
        assert_eq!(cmp_id("7", "7"), Ordering::Equal);
    }

    #[test]
    fn shortened_links_read_as_shown() {
        let html = r#"<p>Zie <a href="https://www.ns.nl/reisinformatie/storingen"><span class="invisible">https://www.</span><span class="ellipsis">ns.nl/reisinformatie/stor</span><span class="invisible">ingen</span></a> #<span>ns</span></p>"#;
        assert_eq!(
            html_to_text(&strip_invisible(html)),
            "Zie ns.nl/reisinformatie/stor… #ns"
        );
        assert_eq!(strip_invisible("<p>plain</p>"), "<p>plain</p>");
        // An unclosed span loses its rest, never panics.
        assert_eq!(strip_invisible("a<span class=\"invisible\">b"), "a");
    }

    #[test]
    fn reblogs_are_their_original_and_titles_are_cut() {
        let body = br#"[{"id":"2","created_at":"2026-11-22T10:00:00.000Z","uri":"https://a.example/users/b/statuses/2/activity","url":null,"content":"","spoiler_text":"","account":{"acct":"b","display_name":""},
            "reblog":{"id":"1","created_at":"2026-11-22T09:00:00.000Z","uri":"https://c.example/users/d/statuses/1","url":"https://c.example/@d/1","content":"<p>Trein weer vertraagd</p>","spoiler_text":"klacht","account":{"acct":"d@c.example","display_name":"Dirk"},"reblog":null}}]"#;
        let mut statuses = parse_page(body).unwrap();
        let item = to_item(statuses.remove(0)).unwrap();
        assert_eq!(item.key, "https://c.example/users/d/statuses/1");
        assert_eq!(item.url.unwrap().as_str(), "https://c.example/@d/1");
        assert_eq!(item.text, "klacht\n\nTrein weer vertraagd");
        assert_eq!(item.author.as_deref(), Some("Dirk"));
        let long = "woord ".repeat(40);
        let t = title_of(&long);
        assert!(
            t.ends_with('…') && t.chars().count() <= TITLE_CHARS + 1,
            "{t}"
        );
        assert!(!t.contains("wo…"), "cut at a word: {t}");
    }

    #[test]
    fn error_objects_and_garbage_are_malformed() {
        let e = parse_page(br#"{"error":"The access token is invalid"}"#)
            .err()
            .unwrap();
        assert_eq!(
            e.to_string(),
            "malformed mastodon: the instance answered: The access token is invalid"
        );
        assert!(parse_page(b"<html>502 Bad Gateway</html>").is_err());
        assert_eq!(parse_page(b"[]").unwrap().len(), 0);
    }
}

//! Reddit posts through the search listing (`/search.json`, or
//! `/r/a+b/search.json?restrict_sr=on` when limited to subreddits), newest
//! first; with `comments = true`, also those subreddits' newest comments
//! (`/r/a+b/comments.json`), which the watches then filter like any item
//! (complaints often sit in a thread's comments, where search cannot see
//! them). A comment is titled "Re: <its post's title>", for people to see
//! what it answers; the sentiment scorer reads that line as the thread's
//! words and scores the comment's own text (a comment saying the outage is
//! fixed, under "Storing?", is no complaint).
//!
//! The cursor is the newest `created_utc` seen and the fullnames posted in
//! that same second, kept as one JSON object (`{"t":1763800000,"seen":
//! ["t3_…"]}`, the comments' beside it under `comments`): posts not newer
//! than it are skipped, so a restart neither
//! misses nor repeats them. A poll pages back with `after` while every post on
//! a page is newer than the cursor, at most `max_pages` pages. An item's key
//! is the post's fullname (`t3_…`) and its url the permalink on
//! www.reddit.com, whatever `base_url` is, so a post also found through an
//! alert is one mention.
//!
//! Reddit's rate limit: a 429 backs off until `X-Ratelimit-Reset` (the http
//! module reads it). When a page leaves `X-Ratelimit-Remaining` below 1, no
//! further page is asked for, and the next poll before the reset fails with
//! that wait instead of asking. With OAuth client credentials, a poll asks
//! `{auth_url}/api/v1/access_token` for a token (`client_credentials`) when
//! the process holds none that is still valid (kept in memory until a minute
//! before its `expires_in`, dropped when the API answers 401) and sends it as
//! a bearer; the id, secret and token are never stored.

use std::collections::{HashMap, HashSet};
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use chrono::{TimeZone, Utc};
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION};
use serde::{Deserialize, Serialize};
use url::Url;

use super::{read_cursor, write_cursor, Found, Item, SourceError, MAX_TEXT, MAX_TITLE};
use crate::config::{ClientCredentials, RedditOptions, Source};
use crate::http::{rate_limit_reset, FetchError, Fetched, Http};
use crate::text::{one_line, truncate, truncate_owned};

const KIND: &str = "reddit";
/// Posts per page: the listing's maximum.
const LIMIT: usize = 100;
/// Where a post's permalink lives, whichever host the API was asked on.
const WWW: &str = "https://www.reddit.com";

#[derive(Deserialize)]
struct Listing {
    data: ListingData,
}

#[derive(Deserialize)]
struct ListingData {
    after: Option<String>,
    #[serde(default)]
    children: Vec<Thing>,
}

#[derive(Deserialize)]
struct Thing {
    kind: String,
    data: serde_json::Value,
}

/// A post (`t3`) or a comment (`t1`): a post has a title and `selftext`, a
/// comment a `body` and its post's `link_title`.
#[derive(Deserialize)]
struct Entry {
    name: Option<String>,
    title: Option<String>,
    selftext: Option<String>,
    body: Option<String>,
    link_title: Option<String>,
    author: Option<String>,
    permalink: Option<String>,
    created_utc: Option<f64>,
}

/// Where a listing resumes: the newest `created_utc` seen (whole seconds)
/// and the fullnames seen at exactly that second.
#[derive(Serialize, Deserialize, Default, Debug, PartialEq, Clone)]
struct Mark {
    t: i64,
    #[serde(default)]
    seen: Vec<String>,
}

impl Mark {
    fn is_new(&self, created: i64, name: &str) -> bool {
        created > self.t || (created == self.t && !self.seen.iter().any(|s| s == name))
    }

    fn note(&mut self, created: i64, name: &str) {
        if created > self.t {
            self.t = created;
            self.seen.clear();
        }
        if created == self.t && !self.seen.iter().any(|s| s == name) {
            self.seen.push(name.to_string());
        }
    }
}

/// Where the next poll resumes: the search (posts) at the top level, as
/// before comments were read, and the comments listing beside it.
#[derive(Serialize, Deserialize, Default, Debug, PartialEq)]
struct Cursor {
    #[serde(flatten)]
    posts: Mark,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    comments: Option<Mark>,
    /// Unix time before which the rate limit is spent, when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    wait_until: Option<i64>,
}

/// The listing a request reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listed {
    /// The search for the query: posts.
    Search,
    /// The subreddits' newest comments, matched by the watches afterwards.
    Comments,
}

/// The URL for one page of a listing.
fn page_url(
    source: &Source,
    opts: &RedditOptions,
    listed: Listed,
    after: Option<&str>,
) -> Result<Url, SourceError> {
    let subs = opts.subreddits.join("+");
    let path = match listed {
        Listed::Search if subs.is_empty() => "/search.json".to_string(),
        Listed::Search => format!("/r/{subs}/search.json"),
        Listed::Comments => format!("/r/{subs}/comments.json"),
    };
    let mut url = source
        .url
        .join(&path)
        .map_err(|e| SourceError::parse(KIND, format!("base_url: {e}")))?;
    {
        let mut q = url.query_pairs_mut();
        if listed == Listed::Search {
            q.append_pair("q", &opts.query);
            if !opts.subreddits.is_empty() {
                q.append_pair("restrict_sr", "on");
            }
            q.append_pair("sort", "new");
            q.append_pair("t", "all");
        }
        q.append_pair("limit", &LIMIT.to_string());
        q.append_pair("raw_json", "1");
        if let Some(a) = after {
            q.append_pair("after", a);
        }
    }
    Ok(url)
}

/// A bearer token and when it stops being used (a minute before Reddit's
/// `expires_in`). No `Debug`: it holds the token.
struct CachedToken {
    token: String,
    until: i64,
}

/// Tokens by client (auth URL, id and secret), in memory only, so the
/// daemon asks once a day instead of once a poll; a changed secret (after a
/// reload) is another key and gets its own token.
static TOKENS: LazyLock<Mutex<HashMap<TokenKey, CachedToken>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// A client's auth URL, id and secret.
type TokenKey = (String, String, String);

fn token_key(client: &ClientCredentials) -> TokenKey {
    (
        client.auth_url.to_string(),
        client.id.clone(),
        client.secret.clone(),
    )
}

/// A cached token that is still good, else a new one from the endpoint.
async fn token_for(http: &Http, client: &ClientCredentials) -> Result<String, SourceError> {
    let now = Utc::now().timestamp();
    let key = token_key(client);
    if let Ok(cache) = TOKENS.lock() {
        if let Some(t) = cache.get(&key).filter(|t| t.until > now) {
            return Ok(t.token.clone());
        }
    }
    let (token, expires_in) = access_token(http, client).await?;
    if let Ok(mut cache) = TOKENS.lock() {
        cache.retain(|_, t| t.until > now);
        cache.insert(
            key,
            CachedToken {
                token: token.clone(),
                until: now + expires_in.saturating_sub(60),
            },
        );
    }
    Ok(token)
}

/// Forgets `client`'s token (the API refused it).
fn forget_token(client: &ClientCredentials) {
    if let Ok(mut cache) = TOKENS.lock() {
        cache.remove(&token_key(client));
    }
}

/// Asks the token endpoint for an application-only token and its lifetime
/// in seconds (an hour when the answer does not say).
async fn access_token(
    http: &Http,
    client: &ClientCredentials,
) -> Result<(String, i64), SourceError> {
    let url = client
        .auth_url
        .join("/api/v1/access_token")
        .map_err(|e| SourceError::parse(KIND, format!("auth_url: {e}")))?;
    let body = http
        .post_form(
            &url,
            (&client.id, &client.secret),
            &[("grant_type", "client_credentials")],
        )
        .await?;
    #[derive(Deserialize)]
    struct Token {
        access_token: Option<String>,
        expires_in: Option<i64>,
        error: Option<serde_json::Value>,
    }
    let token: Token = serde_json::from_slice(&body)
        .map_err(|e| SourceError::parse(KIND, format!("unexpected token response: {e}")))?;
    let lifetime = token.expires_in.filter(|s| *s > 0).unwrap_or(3600);
    match (token.access_token, token.error) {
        (Some(t), _) if !t.trim().is_empty() => Ok((t, lifetime)),
        (_, Some(e)) => Err(SourceError::parse(
            KIND,
            format!(
                "the token endpoint answered: {}",
                truncate(&e.to_string(), 200)
            ),
        )),
        _ => Err(SourceError::parse(
            KIND,
            "the token endpoint sent no access_token",
        )),
    }
}

fn headers(token: Option<&str>) -> Result<HeaderMap, SourceError> {
    let mut h = HeaderMap::new();
    h.insert(ACCEPT, HeaderValue::from_static("application/json"));
    if let Some(token) = token {
        let mut v = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
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

/// When the rate limit is spent (`X-Ratelimit-Remaining` below 1), how long
/// until it resets.
fn spent(h: &HeaderMap) -> Option<Duration> {
    let remaining: f64 = h
        .get("x-ratelimit-remaining")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    (remaining < 1.0).then(|| rate_limit_reset(h).unwrap_or(Duration::from_secs(60)))
}

/// Polls the search from `cursor` on.
pub async fn poll(
    http: &Http,
    source: &Source,
    opts: &RedditOptions,
    cursor: Option<&str>,
) -> Result<Found, SourceError> {
    let since: Cursor = read_cursor(cursor);
    let now = Utc::now().timestamp();
    if let Some(until) = since.wait_until {
        if until > now {
            return Err(FetchError::Status {
                status: 429,
                retry_after: Some(Duration::from_secs((until - now) as u64)),
                message: None,
            }
            .into());
        }
    }
    let token = match &opts.client {
        Some(c) => Some(token_for(http, c).await?),
        None => None,
    };
    let headers = headers(token.as_deref())?;
    let mut next = Cursor {
        posts: since.posts.clone(),
        comments: None,
        wait_until: None,
    };
    let mut seen = HashSet::new();
    let mut items = Vec::new();
    let mut reader = Reader {
        http,
        source,
        opts,
        headers: &headers,
        items: &mut items,
        seen: &mut seen,
    };
    let mut spent_until = reader
        .read(Listed::Search, &since.posts, &mut next.posts)
        .await?;
    if opts.comments && spent_until.is_none() {
        let since_comments = since.comments.clone().unwrap_or_default();
        let mut marks = since_comments.clone();
        spent_until = reader
            .read(Listed::Comments, &since_comments, &mut marks)
            .await?;
        next.comments = Some(marks);
    } else {
        next.comments = since.comments.clone();
    }
    next.wait_until = spent_until.map(|wait| now + wait.as_secs() as i64);
    let cursor = write_cursor(KIND, &next)?;
    Ok(Found { items, cursor })
}

/// One poll's reading of Reddit listings into one list of items.
struct Reader<'a> {
    http: &'a Http,
    source: &'a Source,
    opts: &'a RedditOptions,
    headers: &'a HeaderMap,
    items: &'a mut Vec<Item>,
    seen: &'a mut HashSet<String>,
}

impl Reader<'_> {
    /// Reads up to `max_pages` pages of `listed`, newest first, keeping what
    /// `since` has not seen and noting it in `next`; paging on with `after`
    /// while every entry is new. `Some(wait)` when the rate limit is spent.
    async fn read(
        &mut self,
        listed: Listed,
        since: &Mark,
        next: &mut Mark,
    ) -> Result<Option<Duration>, SourceError> {
        let mut after: Option<String> = None;
        for _ in 0..self.opts.max_pages {
            let url = page_url(self.source, self.opts, listed, after.as_deref())?;
            let (fetched, _slot) = self.http.get_with_headers(&url, self.headers).await;
            let (body, response) = match fetched {
                Ok((Fetched::Body { body, .. }, h)) => (body, h),
                Ok((Fetched::NotModified, _)) => break,
                Err(e) => {
                    // A refused token is not asked again; the next poll gets
                    // a new one.
                    if let (Some(c), FetchError::Status { status: 401, .. }) =
                        (&self.opts.client, &e)
                    {
                        forget_token(c);
                    }
                    return Err(e.into());
                }
            };
            let page = parse_page(&body)?;
            let mut all_new = !page.posts.is_empty();
            for (item, created) in page.posts {
                if !since.is_new(created, &item.key) {
                    all_new = false;
                    continue;
                }
                next.note(created, &item.key);
                if self.seen.insert(item.key.clone()) {
                    self.items.push(item);
                }
            }
            if let Some(wait) = spent(&response) {
                return Ok(Some(wait));
            }
            match page.after {
                Some(a) if all_new && !a.is_empty() => after = Some(a),
                _ => break,
            }
        }
        Ok(None)
    }
}

struct Page {
    posts: Vec<(Item, i64)>,
    after: Option<String>,
}

fn parse_page(body: &[u8]) -> Result<Page, SourceError> {
    let listing: Listing = serde_json::from_slice(body).map_err(|e| {
        // Reddit's own error object, when that is what came back.
        #[derive(Deserialize)]
        struct ApiError {
            message: Option<String>,
            error: serde_json::Value,
        }
        match serde_json::from_slice::<ApiError>(body) {
            Ok(a) => SourceError::parse(
                KIND,
                format!(
                    "reddit answered: {} {}",
                    a.error,
                    truncate(a.message.as_deref().unwrap_or(""), 200)
                ),
            ),
            Err(_) => SourceError::parse(KIND, format!("unexpected response: {e}")),
        }
    })?;
    let posts = listing
        .data
        .children
        .into_iter()
        .filter(|t| matches!(t.kind.as_str(), "t3" | "t1"))
        .filter_map(|t| {
            let comment = t.kind == "t1";
            serde_json::from_value::<Entry>(t.data)
                .ok()
                .and_then(|e| to_item(e, comment))
        })
        .collect();
    Ok(Page {
        posts,
        after: listing.data.after,
    })
}

/// A post, or a comment ("Re: " and its post's title), as an item with its
/// creation time; `None` without a fullname, permalink or time, or for a
/// removed comment. A removed post keeps its title, without the placeholder
/// body.
fn to_item(e: Entry, comment: bool) -> Option<(Item, i64)> {
    let prefix = if comment { "t1_" } else { "t3_" };
    let name = e.name.filter(|n| n.starts_with(prefix) && n.len() < 64)?;
    let created = e.created_utc.filter(|t| t.is_finite())?.floor() as i64;
    let permalink = e.permalink.filter(|l| l.starts_with('/'))?;
    let url = Url::parse(&format!("{WWW}{permalink}")).ok()?;
    let author = e
        .author
        .filter(|a| !a.trim().is_empty() && a != "[deleted]")
        .map(|a| truncate(a.trim(), 200).into_owned());
    // A removed or deleted body is a placeholder, not its text.
    let body = if comment { e.body } else { e.selftext }
        .filter(|t| !matches!(t.trim(), "" | "[removed]" | "[deleted]"));
    if comment && body.is_none() {
        return None;
    }
    let title = if comment {
        format!("Re: {}", one_line(&e.link_title.unwrap_or_default()))
    } else {
        one_line(&e.title.unwrap_or_default())
    };
    let text = body.unwrap_or_default();
    let item = Item {
        key: name,
        url: Some(url),
        title: truncate_owned(title, MAX_TITLE),
        text: truncate_owned(text.trim().to_string(), MAX_TEXT),
        author,
        published: Utc.timestamp_opt(created, 0).single(),
        rating: None,
        page_link: None,
    };
    Some((item, created))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_become_items_with_www_permalinks() {
        let body = br#"{"kind":"Listing","data":{"after":"t3_b","children":[
            {"kind":"t3","data":{"name":"t3_a","title":"Acme Telecom\nstoring","selftext":"Al **2 dagen** geen internet","author":"piet","permalink":"/r/thenetherlands/comments/a/acme/","created_utc":1763800000.0}},
            {"kind":"t1","data":{"name":"t1_c","body":"a comment"}},
            {"kind":"t3","data":{"name":"t3_d","title":"deleted","selftext":"[removed]","author":"[deleted]","permalink":"/r/x/comments/d/y/","created_utc":1763700000}},
            {"kind":"t3","data":{"name":"t3_e","title":"no permalink","created_utc":1763700000}}
        ]}}"#;
        let page = parse_page(body).unwrap();
        assert_eq!(page.after.as_deref(), Some("t3_b"));
        assert_eq!(page.posts.len(), 2);
        let (item, created) = &page.posts[0];
        assert_eq!(item.key, "t3_a");
        assert_eq!(
            item.url.as_ref().unwrap().as_str(),
            "https://www.reddit.com/r/thenetherlands/comments/a/acme/"
        );
        assert_eq!(item.title, "Acme Telecom storing");
        assert_eq!(item.text, "Al **2 dagen** geen internet");
        assert_eq!(item.author.as_deref(), Some("piet"));
        assert_eq!(*created, 1763800000);
        assert_eq!(page.posts[1].0.author, None);
        assert_eq!(page.posts[1].0.text, "");
    }

    #[test]
    fn the_cursor_skips_what_it_has_seen_even_in_the_same_second() {
        let mut c = Mark::default();
        c.note(100, "t3_a");
        c.note(100, "t3_b");
        c.note(90, "t3_z");
        assert_eq!(c.t, 100);
        assert_eq!(c.seen, ["t3_a", "t3_b"]);
        assert!(!c.is_new(100, "t3_a"));
        assert!(c.is_new(100, "t3_c"));
        assert!(!c.is_new(99, "t3_q"));
        c.note(101, "t3_c");
        assert_eq!(c.seen, ["t3_c"]);
    }

    #[test]
    fn spent_budgets_wait_for_the_reset() {
        let mut h = HeaderMap::new();
        assert_eq!(spent(&h), None);
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("12.0"));
        h.insert("x-ratelimit-reset", HeaderValue::from_static("300"));
        assert_eq!(spent(&h), None);
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("0.0"));
        assert_eq!(spent(&h), Some(Duration::from_secs(300)));
    }

    #[test]
    fn error_objects_and_garbage_are_malformed() {
        let e = parse_page(br#"{"message": "Forbidden", "error": 403}"#)
            .err()
            .unwrap();
        assert_eq!(
            e.to_string(),
            "malformed reddit: reddit answered: 403 Forbidden"
        );
        assert!(parse_page(b"<html>whoa there, pardner!</html>").is_err());
        assert_eq!(
            parse_page(br#"{"kind":"Listing","data":{"after":null,"children":[]}}"#)
                .unwrap()
                .posts
                .len(),
            0
        );
    }
}

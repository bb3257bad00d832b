//! Source kinds: each turns a fetched response into plain-text [`Item`]s.
//!
//! One file per kind, dispatched on the closed [`SourceSpec`] enum, whose
//! variants carry each kind's options as validated at load. A source
//! parses and normalises (HTML to text, links resolved and unwrapped); it never
//! matches, scores or stores: those are later stages. Parsing is pure, so it runs
//! on blocking threads and is tested on fixture bytes.

pub mod appstore;
pub mod bluesky;
pub mod dom;
pub mod feed;
pub mod hackernews;
pub mod html;
pub mod json;
pub mod mastodon;
pub mod reddit;
pub mod reviews;

use chrono::{DateTime, Utc};
use url::Url;

use crate::config::{Source, SourceSpec};
use crate::http::{FetchError, Fetched, Http, Validators};
use crate::text;

/// Longest item text kept (bytes); the rest of a longer body is cut.
pub const MAX_TEXT: usize = 64 * 1024;
/// Longest title kept (bytes).
pub const MAX_TITLE: usize = 1024;

/// One entry of a source, normalised to plain text.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The source's own identity for the item (feed guid/id), stable across polls.
    pub key: String,
    /// The original link, absolute, with alert redirectors unwrapped.
    pub url: Option<Url>,
    pub title: String,
    pub text: String,
    pub author: Option<String>,
    pub published: Option<DateTime<Utc>>,
    /// A review's own rating, which decides its sentiment.
    pub rating: Option<crate::sentiment::Rating>,
    /// For an item without a `url` of its own (a review on a page): the
    /// page's URL with an anchor, so people have somewhere to go. Shown,
    /// never an identity: many reviews share the page, and the store would
    /// merge them by it.
    pub page_link: Option<Url>,
}

impl Item {
    /// The link people follow: its own URL, else its place on its page.
    pub fn link(&self) -> Option<&Url> {
        self.url.as_ref().or(self.page_link.as_ref())
    }

    /// The identity used to recognise the same story from other sources.
    pub fn canonical_url(&self) -> Option<String> {
        self.url.as_ref().map(text::canonical_url)
    }

    /// The identity used to recognise a copy of the story at another URL.
    pub fn fingerprint(&self) -> Option<i64> {
        text::fingerprint(&self.title, &self.text)
    }
}

/// Why one poll of one source failed.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("malformed {kind}: {message}")]
    Parse { kind: &'static str, message: String },
    /// The API understood the request and refused it (a login that failed):
    /// a configuration problem, not worth retrying soon.
    #[error("{kind}: {message}")]
    Refused { kind: &'static str, message: String },
}

impl SourceError {
    /// A response of `kind` that could not be read.
    pub fn parse(kind: &'static str, message: impl Into<String>) -> SourceError {
        SourceError::Parse {
            kind,
            message: message.into(),
        }
    }

    /// Worth retrying soon (network trouble, 5xx, 429), rather than at the next
    /// regular interval.
    pub fn is_retryable(&self) -> bool {
        match self {
            SourceError::Fetch(e) => e.is_retryable(),
            SourceError::Parse { .. } | SourceError::Refused { .. } => false,
        }
    }
}

/// What one poll of a source brought in.
pub struct Polled {
    pub items: Items,
    /// Validators for the next conditional GET (feeds, review pages).
    pub validators: Validators,
    /// Where an API source resumes next time; `None` keeps the stored one.
    pub cursor: Option<String>,
    /// The fetch's place in the politeness limits, held until the items are
    /// matched: it bounds the work in memory to `max_concurrent` sources.
    pub slot: Option<crate::http::Slot>,
}

/// A poll's items: parsed already (API kinds, which parse page by page), or
/// a body still to parse, so that parsing and matching run as one job on one
/// blocking thread.
pub enum Items {
    Ready(Vec<Item>),
    Unparsed {
        /// The body's size, which decides its [`ParseSlots`].
        bytes: usize,
        parse: Parse,
    },
}

/// A body's parse, deferred to the poller's parse slot.
pub type Parse = Box<dyn FnOnce(Screen<'_>) -> Result<Parsed, SourceError> + Send>;

/// Which items are worth building, asked with an item's title and text as
/// the source wrote them (HTML, before any of it is made text): an item it
/// turns down is counted, never built. The poller asks the matcher
/// ([`crate::matcher::Matcher::could_mention`]): most items mention nothing,
/// and building one (decoding, tidying, resolving its link) costs more than
/// the byte search that rules it out. Feeds ask it; other kinds build every
/// item.
pub type Screen<'a> = &'a (dyn Fn(&[&str]) -> bool + Sync);

/// A [`Screen`] that keeps every item (a preview shows them all).
pub const KEEP_ALL: Screen<'static> = &|_| true;

/// What a body held: the items built, and how many it had in all.
#[derive(Debug)]
pub struct Parsed {
    pub items: Vec<Item>,
    /// Items read, those the [`Screen`] turned down included.
    pub seen: usize,
}

impl From<Vec<Item>> for Parsed {
    fn from(items: Vec<Item>) -> Parsed {
        Parsed {
            seen: items.len(),
            items,
        }
    }
}

impl Items {
    /// The items `screen` keeps, parsing the body if that has not happened
    /// yet, with control characters dropped from their text
    /// ([`text::drop_controls`]), whatever the kind. CPU-bound: call it on a
    /// blocking thread.
    pub fn parse(self, screen: Screen<'_>) -> Result<Parsed, SourceError> {
        let mut parsed = match self {
            Items::Ready(items) => Parsed::from(items),
            Items::Unparsed { parse, .. } => parse(screen)?,
        };
        for item in &mut parsed.items {
            item.title = text::drop_controls(std::mem::take(&mut item.title));
            item.text = text::drop_controls(std::mem::take(&mut item.text));
            item.author = item
                .author
                .take()
                .map(text::drop_controls)
                .filter(|a| !a.is_empty());
        }
        Ok(parsed)
    }

    /// The size of the body still to parse (0 when parsed).
    pub fn bytes(&self) -> usize {
        match self {
            Items::Ready(_) => 0,
            Items::Unparsed { bytes, .. } => *bytes,
        }
    }
}

/// Bodies at least this large are heavy to parse (parse cost grows with the
/// size, nesting being bounded).
const HEAVY_BODY: usize = 512 * 1024;

/// Who may parse now: one parse per core, and heavy bodies on all cores but
/// one, so large or hostile pages never hold up the small ones beside them.
pub struct ParseSlots {
    any: tokio::sync::Semaphore,
    heavy: tokio::sync::Semaphore,
}

/// A place to parse, held while parsing.
pub struct ParseSlot<'a> {
    _any: tokio::sync::SemaphorePermit<'a>,
    _heavy: Option<tokio::sync::SemaphorePermit<'a>>,
}

impl ParseSlots {
    pub fn new(cores: usize) -> ParseSlots {
        let cores = cores.max(1);
        ParseSlots {
            any: tokio::sync::Semaphore::new(cores),
            heavy: tokio::sync::Semaphore::new((cores - 1).max(1)),
        }
    }

    /// Waits for a place to parse a body of `bytes`.
    pub async fn acquire(&self, bytes: usize) -> ParseSlot<'_> {
        // Heavy first: a heavy body waiting for its turn holds no core.
        let heavy = if bytes >= HEAVY_BODY {
            Some(
                self.heavy
                    .acquire()
                    .await
                    .expect("the parse semaphores are never closed"),
            )
        } else {
            None
        };
        let any = self
            .any
            .acquire()
            .await
            .expect("the parse semaphores are never closed");
        ParseSlot {
            _any: any,
            _heavy: heavy,
        }
    }
}

/// What one poll of an API kind found, and where the next one resumes
/// (`None` keeps the stored cursor).
pub struct Found {
    pub items: Vec<Item>,
    pub cursor: Option<String>,
}

impl From<Found> for Polled {
    fn from(found: Found) -> Polled {
        Polled {
            items: Items::Ready(found.items),
            validators: Validators::default(),
            cursor: found.cursor,
            slot: None,
        }
    }
}

/// A stored cursor as `T`; an unreadable one (another version's) starts
/// afresh, like none.
fn read_cursor<T: serde::de::DeserializeOwned + Default>(cursor: Option<&str>) -> T {
    cursor
        .and_then(|c| serde_json::from_str(c).ok())
        .unwrap_or_default()
}

/// `next` as the cursor to store: `None` (keep the stored one) when it
/// holds nothing.
fn write_cursor<T: serde::Serialize + Default + PartialEq>(
    kind: &'static str,
    next: &T,
) -> Result<Option<String>, SourceError> {
    if *next == T::default() {
        return Ok(None);
    }
    serde_json::to_string(next)
        .map(Some)
        .map_err(|e| SourceError::parse(kind, format!("cursor: {e}")))
}

/// Polls `source` once: `Ok(None)` when nothing changed (a 304). A single
/// body comes back unparsed (the caller parses and matches it in one blocking
/// job); kinds that read several pages parse as they go, on a blocking
/// thread under `cpu`.
pub async fn poll(
    http: &Http,
    source: &Source,
    validators: &Validators,
    cursor: Option<&str>,
    cpu: &ParseSlots,
) -> Result<Option<Polled>, SourceError> {
    match &source.spec {
        SourceSpec::Feed(o) => {
            fetch_body(
                http,
                source,
                &o.headers,
                validators,
                |body, content_type, url, screen| {
                    feed::parse(body, content_type.as_deref(), &url, screen)
                },
            )
            .await
        }
        SourceSpec::Json(o) => {
            let mapping = o.mapping.clone();
            fetch_body(
                http,
                source,
                &o.headers,
                validators,
                move |body, _, url, _| json::parse(body, &url, &mapping).map(Parsed::from),
            )
            .await
        }
        SourceSpec::Html(o) => {
            let selectors = o.selectors.clone();
            fetch_body(
                http,
                source,
                &o.headers,
                validators,
                move |body, content_type, url, _| {
                    Ok(html::parse(body, content_type.as_deref(), &url, &selectors).into())
                },
            )
            .await
        }
        SourceSpec::Reviews(o) => reviews::poll(http, source, o, validators, cursor, cpu).await,
        SourceSpec::Hackernews(o) => Ok(Some(
            hackernews::poll(http, source, o, cursor).await?.into(),
        )),
        SourceSpec::Bluesky(o) => Ok(Some(bluesky::poll(http, source, o, cursor).await?.into())),
        SourceSpec::Mastodon(o) => Ok(Some(mastodon::poll(http, source, o, cursor).await?.into())),
        SourceSpec::Reddit(o) => Ok(Some(reddit::poll(http, source, o, cursor).await?.into())),
        SourceSpec::Appstore(o) => Ok(Some(appstore::poll(http, source, o, cursor).await?.into())),
    }
}

/// Fetches a single body (a feed, a JSON API, a page), sending `headers`,
/// and leaves it to `parse` (body, content type, final URL, screen) on a
/// blocking thread later.
async fn fetch_body(
    http: &Http,
    source: &Source,
    headers: &[(String, String)],
    validators: &Validators,
    parse: impl FnOnce(&[u8], Option<String>, Url, Screen<'_>) -> Result<Parsed, SourceError>
        + Send
        + 'static,
) -> Result<Option<Polled>, SourceError> {
    let mut extra = reqwest::header::HeaderMap::new();
    for (name, value) in headers {
        if let (Ok(n), Ok(v)) = (
            reqwest::header::HeaderName::from_bytes(name.as_bytes()),
            reqwest::header::HeaderValue::from_str(value),
        ) {
            extra.insert(n, v);
        }
    }
    // The slot is held until the body is parsed: it bounds the bodies in
    // memory, and a host's slots are not handed out while its work waits.
    let (fetched, slot) = http.get_with(&source.url, validators, &extra).await;
    let spare = http.clone();
    let (body, content_type, validators, final_url) = match fetched? {
        Fetched::NotModified => return Ok(None),
        Fetched::Body {
            body,
            content_type,
            validators,
            final_url,
        } => (body, content_type, validators, final_url),
    };
    Ok(Some(Polled {
        items: Items::Unparsed {
            bytes: body.len(),
            parse: Box::new(move |screen| {
                let parsed = parse(&body, content_type, final_url, screen);
                // The buffer serves the next fetch.
                spare.recycle(body);
                parsed
            }),
        },
        validators,
        cursor: None,
        slot: Some(slot),
    }))
}

//! Source kinds: each turns a fetched response into plain-text [`Item`]s.
//!
//! One file per kind, dispatched on the closed [`SourceKind`] enum. A source
//! parses and normalises (HTML to text, links resolved and unwrapped); it never
//! matches, scores or stores: those are later stages. Parsing is pure, so it runs
//! on blocking threads and is tested on fixture bytes.

pub mod feed;

use chrono::{DateTime, Utc};
use url::Url;

use crate::config::SourceKind;
use crate::http::FetchError;
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
}

impl Item {
    /// The identity used to recognise the same story from other sources.
    pub fn canonical_url(&self) -> Option<String> {
        self.url.as_ref().map(text::canonical_url)
    }
}

/// Why one poll of one source failed.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("malformed {kind}: {message}")]
    Parse { kind: &'static str, message: String },
}

impl SourceError {
    /// Worth retrying soon (network trouble, 5xx, 429), rather than at the next
    /// regular interval.
    pub fn is_retryable(&self) -> bool {
        match self {
            SourceError::Fetch(e) => e.is_retryable(),
            SourceError::Parse { .. } => false,
        }
    }
}

/// Parses one response body of a source of `kind` fetched from `url`.
pub fn parse(
    kind: SourceKind,
    body: &[u8],
    content_type: Option<&str>,
    url: &Url,
) -> Result<Vec<Item>, SourceError> {
    match kind {
        SourceKind::Feed => feed::parse(body, content_type, url),
    }
}

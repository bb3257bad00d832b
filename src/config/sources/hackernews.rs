//! `kind = "hackernews"`: a search of Hacker News through Algolia. Checks
//! keys and fills in the defaults; `sources::hackernews` runs the search.

use url::Url;

use super::{Cx, Invalid, RawSource, SourceSpec};

/// The keys a Hacker News search takes beside the common ones.
pub(super) const KEYS: &[&str] = &["base_url", "query", "tags", "max_pages"];

/// Algolia's Hacker News API.
const BASE_URL: &str = "https://hn.algolia.com";
/// Stories and comments, not polls or job ads.
const DEFAULT_TAGS: &str = "(story,comment)";

#[derive(Debug, Clone)]
pub struct HackernewsOptions {
    /// What is searched for (`query`), trimmed.
    pub query: String,
    /// The item types searched (`tags`, Algolia's syntax).
    pub tags: String,
    /// Pages fetched at most per poll.
    pub max_pages: u32,
}

impl HackernewsOptions {
    pub(super) fn locator(&self, url: &Url) -> String {
        format!("{url} query={:?} tags={}", self.query, self.tags)
    }
}

pub(super) fn validate(raw: &RawSource, cx: &Cx<'_>) -> Result<(Url, SourceSpec), Invalid> {
    let query = cx.query(&raw.query)?;
    let max_pages = cx.max_pages(&raw.max_pages)?;
    let url = cx.base_url(&raw.base_url, BASE_URL)?;
    let tags = raw
        .tags
        .as_ref()
        .map_or(DEFAULT_TAGS.to_string(), |t| t.get_ref().clone());
    Ok((
        url,
        SourceSpec::Hackernews(HackernewsOptions {
            query,
            tags,
            max_pages,
        }),
    ))
}

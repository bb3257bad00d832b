//! `kind = "mastodon"`: hashtag timelines and, where the instance allows it,
//! a full-text search on one instance (`base_url`, no default). Checks
//! keys; `sources::mastodon` reads the timelines.

use url::Url;

use super::{Cx, Invalid, RawSource, Secret, SourceSpec};

/// The keys a Mastodon source takes beside the common ones.
pub(super) const KEYS: &[&str] = &[
    "base_url",
    "query",
    "max_pages",
    "hashtags",
    "token_env",
    "token_file",
];

#[derive(Debug, Clone)]
pub struct MastodonOptions {
    /// The hashtags whose timelines are polled (without `#`).
    pub hashtags: Vec<String>,
    /// A full-text search (`query`), trimmed; `None` when not given or empty.
    pub query: Option<String>,
    /// The access token (`token_env` / `token_file`), sent as
    /// `Authorization: Bearer`; never stored.
    pub token: Option<Secret>,
    /// Pages fetched at most per hashtag and poll.
    pub max_pages: u32,
}

impl MastodonOptions {
    pub(super) fn locator(&self, url: &Url) -> String {
        format!(
            "{url} hashtags={} query={:?}",
            self.hashtags.join(","),
            self.query.as_deref().unwrap_or("")
        )
    }
}

pub(super) fn validate(raw: &RawSource, cx: &Cx<'_>) -> Result<(Url, SourceSpec), Invalid> {
    let query = raw
        .query
        .as_ref()
        .map(|q| q.get_ref().trim().to_string())
        .filter(|q| !q.is_empty());
    let hashtags = match &raw.hashtags {
        Some(list) => cx.list(list, "hashtag", parse_hashtag)?,
        None => Vec::new(),
    };
    if hashtags.is_empty() && query.is_none() {
        return Err(cx.missing(
            "`hashtags`, a `query` (full-text search where the instance allows it), or both",
        ));
    }
    let base_url = raw
        .base_url
        .as_ref()
        .ok_or_else(|| cx.missing("`base_url`, the instance (e.g. \"https://mastodon.social\")"))?;
    let token = cx.secret(&raw.token_file, &raw.token_env)?;
    let max_pages = cx.max_pages(&raw.max_pages)?;
    let url = cx.http_url(base_url)?;
    Ok((
        url,
        SourceSpec::Mastodon(MastodonOptions {
            hashtags,
            query,
            token,
            max_pages,
        }),
    ))
}

/// A Mastodon hashtag as written (`ns`, `#NS`, `klm`), without its `#`:
/// letters, digits and `_` only, so it is one path segment.
fn parse_hashtag(s: &str) -> Result<String, String> {
    let tag = s.trim().trim_start_matches('#');
    if tag.is_empty() {
        return Err("empty hashtag".into());
    }
    if !tag.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Err(format!(
            "invalid hashtag {s:?}: use letters, digits and _ only (e.g. \"ns\")"
        ));
    }
    Ok(tag.to_string())
}

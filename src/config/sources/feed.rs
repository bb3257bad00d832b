//! `kind = "feed"`: RSS, Atom or JSON Feed at `url`, with optional extra
//! request headers. Checks keys only; `sources::feed` reads the feed.

use url::Url;

use super::{Cx, Invalid, RawSource, SourceSpec};

/// The keys a feed takes beside the common ones.
pub(super) const KEYS: &[&str] = &["url", "header_env", "header_file"];

#[derive(Debug, Clone)]
pub struct FeedOptions {
    /// Extra request headers (API keys), secrets resolved at load.
    pub headers: Vec<(String, String)>,
}

pub(super) fn validate(raw: &RawSource, cx: &Cx<'_>) -> Result<(Url, SourceSpec), Invalid> {
    let url = cx.url(&raw.url)?;
    let headers = cx.headers(raw)?;
    Ok((url, SourceSpec::Feed(FeedOptions { headers })))
}

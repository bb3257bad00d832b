//! `kind = "reviews"`: a page with schema.org `Review` markup at `url`, and
//! the pages it declares next. Checks keys only; `sources::reviews` reads
//! the pages.

use url::Url;

use super::{Cx, Invalid, RawSource, SourceSpec};

/// The keys a review page takes beside the common ones.
pub(super) const KEYS: &[&str] = &["url", "max_pages"];

#[derive(Debug, Clone)]
pub struct ReviewsOptions {
    /// Pages fetched at most per poll.
    pub max_pages: u32,
}

pub(super) fn validate(raw: &RawSource, cx: &Cx<'_>) -> Result<(Url, SourceSpec), Invalid> {
    let url = cx.url(&raw.url)?;
    let max_pages = cx.max_pages(&raw.max_pages)?;
    Ok((url, SourceSpec::Reviews(ReviewsOptions { max_pages })))
}

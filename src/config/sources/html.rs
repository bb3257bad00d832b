//! `kind = "html"`: any page at `url`, items and fields found with CSS
//! selectors (`[source.selectors]`), compiled here once at load.
//! `sources::html` applies them.

use serde::Deserialize;
use toml::Spanned;
use url::Url;

use super::{ConfigError, Cx, Invalid, RawSource, SourceSpec};

/// The keys an HTML page takes beside the common ones.
pub(super) const KEYS: &[&str] = &["url", "header_env", "header_file", "selectors"];

#[derive(Debug, Clone)]
pub struct HtmlOptions {
    /// Extra request headers (API keys), secrets resolved at load.
    pub headers: Vec<(String, String)>,
    /// The CSS selectors that find items and their fields.
    pub selectors: HtmlSelectors,
}

impl HtmlOptions {
    /// Other selectors read the same page differently: a change must not
    /// meet a 304 and leave the page unread.
    pub(super) fn locator(&self, url: &Url) -> String {
        format!("{url} {}", self.selectors.written)
    }
}

/// How an `html` source's page maps to items: CSS selectors, compiled at
/// load. Every field selector is relative to the item element.
#[derive(Debug, Clone)]
pub struct HtmlSelectors {
    /// Each element it matches is one item.
    pub item: scraper::Selector,
    pub title: Option<scraper::Selector>,
    /// An element whose `href` is the item's link.
    pub link: Option<scraper::Selector>,
    pub text: Option<scraper::Selector>,
    /// An element whose `datetime` attribute, else its text, is the date.
    pub date: Option<scraper::Selector>,
    pub author: Option<scraper::Selector>,
    /// The selectors as written (`item="…" title="…"`), for the locator.
    pub written: String,
}

/// `[source.selectors]` of an `html` source: a CSS selector per item field.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::config) struct RawSelectors {
    item: Option<Spanned<String>>,
    title: Option<Spanned<String>>,
    link: Option<Spanned<String>>,
    text: Option<Spanned<String>>,
    date: Option<Spanned<String>>,
    author: Option<Spanned<String>>,
}

pub(super) fn validate(raw: &RawSource, cx: &Cx<'_>) -> Result<(Url, SourceSpec), Invalid> {
    let url = cx.url(&raw.url)?;
    let selectors = selectors(raw, cx)?;
    let headers = cx.headers(raw)?;
    Ok((url, SourceSpec::Html(HtmlOptions { headers, selectors })))
}

/// `[source.selectors]`, each compiled; a selector that does not parse is
/// an error at its own line.
fn selectors(raw: &RawSource, cx: &Cx<'_>) -> Result<HtmlSelectors, ConfigError> {
    let raw = raw
        .selectors
        .as_ref()
        .map(Spanned::get_ref)
        .ok_or_else(|| cx.missing("a [source.selectors] table with `item`"))?;
    let mut written = Vec::new();
    let mut compile = |key: &str,
                       s: &Option<Spanned<String>>|
     -> Result<Option<scraper::Selector>, ConfigError> {
        let Some(s) = s else { return Ok(None) };
        let css = s.get_ref().trim();
        if css.is_empty() {
            return Err(cx.fail(s.span().start, format!("selectors.{key} is empty")));
        }
        let compiled = scraper::Selector::parse(css).map_err(|e| {
            cx.fail(
                s.span().start,
                format!("selectors.{key} = {css:?} is not a valid CSS selector: {e}"),
            )
        })?;
        written.push(format!("{key}={css:?}"));
        Ok(Some(compiled))
    };
    let item = compile("item", &raw.item)?
        .ok_or_else(|| cx.missing("selectors.item: each element it matches is one item"))?;
    let title = compile("title", &raw.title)?;
    let link = compile("link", &raw.link)?;
    let text = compile("text", &raw.text)?;
    let date = compile("date", &raw.date)?;
    let author = compile("author", &raw.author)?;
    if title.is_none() && text.is_none() {
        return Err(cx.wrong("has neither selectors.title nor selectors.text: nothing could match"));
    }
    Ok(HtmlSelectors {
        item,
        title,
        link,
        text,
        date,
        author,
        written: written.join(" "),
    })
}

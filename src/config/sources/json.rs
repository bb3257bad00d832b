//! `kind = "json"`: any JSON API at `url`, its items and their fields mapped
//! with JSON Pointers (`items`, `[source.fields]`). Checks the mapping;
//! `sources::json` applies it.

use serde::Deserialize;
use toml::Spanned;
use url::Url;

use super::super::RATING;
use super::{ConfigError, Cx, Invalid, RawSource, SourceSpec};

/// The keys a JSON API takes beside the common ones.
pub(super) const KEYS: &[&str] = &["url", "header_env", "header_file", "items", "fields"];

#[derive(Debug, Clone)]
pub struct JsonOptions {
    /// Extra request headers (API keys), secrets resolved at load.
    pub headers: Vec<(String, String)>,
    /// Where the items are and how their fields map.
    pub mapping: JsonMapping,
}

/// How a `json` source's response maps to items: JSON Pointers (RFC 6901).
#[derive(Debug, Clone, PartialEq)]
pub struct JsonMapping {
    /// The array of items (`""` for a top-level array).
    pub items: String,
    pub id: Option<String>,
    pub title: Option<String>,
    pub url: Option<String>,
    pub text: Option<String>,
    pub author: Option<String>,
    pub published: Option<String>,
    pub rating: Option<String>,
    /// The rating scale (default 1…5).
    pub rating_worst: f64,
    pub rating_best: f64,
}

/// `[source.fields]` of a `json` source: a JSON Pointer per item field.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(in crate::config) struct RawFields {
    id: Option<String>,
    title: Option<String>,
    url: Option<String>,
    text: Option<String>,
    author: Option<String>,
    published: Option<String>,
    rating: Option<String>,
    rating_worst: Option<Spanned<f64>>,
    rating_best: Option<Spanned<f64>>,
}

pub(super) fn validate(raw: &RawSource, cx: &Cx<'_>) -> Result<(Url, SourceSpec), Invalid> {
    let url = cx.url(&raw.url)?;
    let mapping = mapping(raw, cx)?;
    let headers = cx.headers(raw)?;
    Ok((url, SourceSpec::Json(JsonOptions { headers, mapping })))
}

/// The `items` pointer and `[source.fields]`, checked.
fn mapping(raw: &RawSource, cx: &Cx<'_>) -> Result<JsonMapping, ConfigError> {
    let pointer = |p: &Option<String>, key: &str| -> Result<Option<String>, ConfigError> {
        match p {
            Some(v) if !v.is_empty() && !v.starts_with('/') => Err(cx.fail(
                cx.at,
                format!("fields.{key} = {v:?} is not a JSON Pointer (start with /)"),
            )),
            other => Ok(other.clone()),
        }
    };
    let rating = |v: &Option<Spanned<f64>>, key: &str, default: f64| match v {
        Some(r) if !(RATING.0..=RATING.1).contains(r.get_ref()) => Err(cx.fail(
            r.span().start,
            format!(
                "key `{key}`: must be between {} and {}, got {}",
                RATING.0,
                RATING.1,
                r.get_ref()
            ),
        )),
        Some(r) => Ok(*r.get_ref()),
        None => Ok(default),
    };
    let items = raw
        .items
        .as_ref()
        .map(|i| i.get_ref().clone())
        .unwrap_or_default();
    if !items.is_empty() && !items.starts_with('/') {
        return Err(cx.fail(
            cx.at,
            format!("items = {items:?} is not a JSON Pointer (start with /, or \"\" for a top-level array)"),
        ));
    }
    let default = RawFields::default();
    let f = raw.fields.as_ref().map_or(&default, Spanned::get_ref);
    let mapping = JsonMapping {
        items,
        id: pointer(&f.id, "id")?,
        title: pointer(&f.title, "title")?,
        url: pointer(&f.url, "url")?,
        text: pointer(&f.text, "text")?,
        author: pointer(&f.author, "author")?,
        published: pointer(&f.published, "published")?,
        rating: pointer(&f.rating, "rating")?,
        rating_worst: rating(&f.rating_worst, "rating_worst", 1.0)?,
        rating_best: rating(&f.rating_best, "rating_best", 5.0)?,
    };
    if mapping.title.is_none() && mapping.text.is_none() {
        return Err(cx.wrong("maps neither fields.title nor fields.text: nothing could match"));
    }
    if mapping.rating_best <= mapping.rating_worst {
        return Err(cx.fail(cx.at, "fields.rating_best must be above rating_worst"));
    }
    Ok(mapping)
}

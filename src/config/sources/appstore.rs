//! `kind = "appstore"`: Apple's customer-review feeds of one app, per
//! country. Checks keys and fills in the defaults; `sources::appstore`
//! reads the feeds.

use serde::Deserialize;
use url::Url;

use super::{Cx, Invalid, RawSource, SourceSpec};

/// The keys an App Store source takes beside the common ones.
pub(super) const KEYS: &[&str] = &["base_url", "max_pages", "app_id", "countries"];

/// Where Apple serves the review feeds.
const BASE_URL: &str = "https://itunes.apple.com";

#[derive(Debug, Clone)]
pub struct AppstoreOptions {
    /// The app's numeric id.
    pub app_id: String,
    /// The countries' stores read, two-letter codes in lower case.
    pub countries: Vec<String>,
    /// Pages fetched at most per country and poll.
    pub max_pages: u32,
}

impl AppstoreOptions {
    pub(super) fn locator(&self, url: &Url) -> String {
        format!(
            "{url} app_id={} countries={}",
            self.app_id,
            self.countries.join(",")
        )
    }
}

/// An App Store app id, written as a string or a number.
pub(super) struct AppId(String);

impl<'de> Deserialize<'de> for AppId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(u64),
            S(String),
        }
        Ok(AppId(match Raw::deserialize(d)? {
            Raw::N(n) => n.to_string(),
            Raw::S(s) => s,
        }))
    }
}

pub(super) fn validate(raw: &RawSource, cx: &Cx<'_>) -> Result<(Url, SourceSpec), Invalid> {
    let id = raw.app_id.as_ref().ok_or_else(|| cx.missing("`app_id`"))?;
    let app_id = parse_app_id(&id.get_ref().0).map_err(|m| cx.fail(id.span().start, m))?;
    let list = raw
        .countries
        .as_ref()
        .ok_or_else(|| cx.missing("`countries`"))?;
    let countries = cx.list(list, "country", parse_country)?;
    if countries.is_empty() {
        return Err(cx.fail(list.span().start, "`countries` is empty"));
    }
    let max_pages = cx.max_pages(&raw.max_pages)?;
    let url = cx.base_url(&raw.base_url, BASE_URL)?;
    Ok((
        url,
        SourceSpec::Appstore(AppstoreOptions {
            app_id,
            countries,
            max_pages,
        }),
    ))
}

/// An App Store app id as written (`"1234567890"` or `1234567890`): digits.
fn parse_app_id(s: &str) -> Result<String, String> {
    let id = s.trim();
    if id.is_empty() || id.len() > 20 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "invalid app_id {s:?}: use the app's numeric id (the digits after \"id\" in its apps.apple.com link)"
        ));
    }
    Ok(id.to_string())
}

/// An App Store country as written (`nl`, `BE`): two letters, lower-cased.
fn parse_country(s: &str) -> Result<String, String> {
    let c = s.trim();
    if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(format!(
            "invalid country {s:?}: use a two-letter code (e.g. \"nl\", \"be\", \"gb\")"
        ));
    }
    Ok(c.to_ascii_lowercase())
}

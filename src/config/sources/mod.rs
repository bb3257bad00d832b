//! `[[source]]` tables → validated [`Source`]s, each carrying its kind's
//! typed options in one [`SourceSpec`] variant.
//!
//! The raw layer is one flat serde struct ([`RawSource`]): a serde enum
//! tagged by `kind` buffers its content and would lose the `file:line:col`
//! of every key inside. This file holds what every kind shares (name,
//! interval, watches), the check that a key belongs to its kind, and the
//! checks several kinds use ([`Cx`]); each kind's own file declares the keys
//! it takes (`KEYS`), checks them and fills in its defaults. Nothing here
//! fetches or parses a response: that is `crate::sources`, which takes these
//! options as they are and never re-defaults them.

mod appstore;
mod bluesky;
mod feed;
mod hackernews;
mod html;
mod json;
mod mastodon;
mod reddit;
mod reviews;

use std::collections::HashSet;
use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use url::Url;

use super::{
    count_within, duration_within, join_sorted, parse_http_url, ConfigError, HumanDuration,
    Invalid, Secret, INTERVAL, MAX_PAGES,
};

pub use appstore::AppstoreOptions;
pub use bluesky::BlueskyOptions;
pub use feed::FeedOptions;
pub use hackernews::HackernewsOptions;
pub use html::{HtmlOptions, HtmlSelectors};
pub use json::{JsonMapping, JsonOptions};
pub use mastodon::MastodonOptions;
pub use reddit::{ClientCredentials, RedditOptions};
pub use reviews::ReviewsOptions;

pub(super) use html::RawSelectors;
pub(super) use json::RawFields;

/// A validated source.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    /// The feed's or page's URL (`url`), or an API source's base URL
    /// (`base_url`, defaulted per kind).
    pub url: Url,
    pub interval: Duration,
    /// Watches applied to this source's items; `None` means all of them.
    pub watches: Option<Vec<String>>,
    /// Which items are mentions: those naming a term, or all of them.
    pub matching: MatchMode,
    /// The kind and its own options.
    pub spec: SourceSpec,
}

/// A source's kind with its typed, validated options; one file per kind
/// here (keys and checks) and under `sources/` (fetching and parsing).
#[derive(Debug, Clone)]
pub enum SourceSpec {
    Feed(FeedOptions),
    Hackernews(HackernewsOptions),
    Json(JsonOptions),
    Reviews(ReviewsOptions),
    Mastodon(MastodonOptions),
    Reddit(RedditOptions),
    Appstore(AppstoreOptions),
    Html(HtmlOptions),
    Bluesky(BlueskyOptions),
}

/// Which of a source's items are mentions, as written in `match = "…"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchMode {
    /// An item is a mention of a watch when it names one of the watch's
    /// terms or regexes.
    #[default]
    Terms,
    /// Every item is a mention of each of the source's `watches`: a source
    /// the brand owns (its review page, app, forum, hashtag). An exclusion
    /// of the watch still drops the item.
    All,
}

/// The closed set of source kinds, as written in `kind = "…"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// RSS 0.9x/1.0/2.0, Atom, JSON Feed, and alert feeds in those formats.
    Feed,
    /// Hacker News stories and comments through the Algolia search API.
    Hackernews,
    /// Any JSON API, items and fields mapped with JSON Pointers.
    Json,
    /// Pages with schema.org `Review` markup (JSON-LD or microdata).
    Reviews,
    /// Hashtag timelines on a Mastodon instance.
    Mastodon,
    /// Reddit's search listing, optionally limited to subreddits.
    Reddit,
    /// Apple App Store customer reviews of one app, per country.
    Appstore,
    /// Any page without a feed, items and fields found with CSS selectors.
    Html,
    /// Bluesky posts matching a search (`app.bsky.feed.searchPosts`).
    Bluesky,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Feed => "feed",
            SourceKind::Hackernews => "hackernews",
            SourceKind::Json => "json",
            SourceKind::Reviews => "reviews",
            SourceKind::Mastodon => "mastodon",
            SourceKind::Reddit => "reddit",
            SourceKind::Appstore => "appstore",
            SourceKind::Html => "html",
            SourceKind::Bluesky => "bluesky",
        }
    }

    /// The keys this kind takes beside `name`, `kind`, `interval`,
    /// `watches` and `match`; every other kind rejects them.
    pub fn keys(self) -> &'static [&'static str] {
        match self {
            SourceKind::Feed => feed::KEYS,
            SourceKind::Hackernews => hackernews::KEYS,
            SourceKind::Json => json::KEYS,
            SourceKind::Reviews => reviews::KEYS,
            SourceKind::Mastodon => mastodon::KEYS,
            SourceKind::Reddit => reddit::KEYS,
            SourceKind::Appstore => appstore::KEYS,
            SourceKind::Html => html::KEYS,
            SourceKind::Bluesky => bluesky::KEYS,
        }
    }

    /// This kind's options from `raw`, checked, with its defaults, and the
    /// URL it reads from.
    fn validate(self, raw: &RawSource, cx: &Cx<'_>) -> Result<(Url, SourceSpec), Invalid> {
        match self {
            SourceKind::Feed => feed::validate(raw, cx),
            SourceKind::Hackernews => hackernews::validate(raw, cx),
            SourceKind::Json => json::validate(raw, cx),
            SourceKind::Reviews => reviews::validate(raw, cx),
            SourceKind::Mastodon => mastodon::validate(raw, cx),
            SourceKind::Reddit => reddit::validate(raw, cx),
            SourceKind::Appstore => appstore::validate(raw, cx),
            SourceKind::Html => html::validate(raw, cx),
            SourceKind::Bluesky => bluesky::validate(raw, cx),
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Source {
    pub fn kind(&self) -> SourceKind {
        match &self.spec {
            SourceSpec::Feed(_) => SourceKind::Feed,
            SourceSpec::Hackernews(_) => SourceKind::Hackernews,
            SourceSpec::Json(_) => SourceKind::Json,
            SourceSpec::Reviews(_) => SourceKind::Reviews,
            SourceSpec::Mastodon(_) => SourceKind::Mastodon,
            SourceSpec::Reddit(_) => SourceKind::Reddit,
            SourceSpec::Appstore(_) => SourceKind::Appstore,
            SourceSpec::Html(_) => SourceKind::Html,
            SourceSpec::Bluesky(_) => SourceKind::Bluesky,
        }
    }

    /// Pages fetched at most per poll (per listing, hashtag or country), for
    /// the kinds that page.
    pub fn max_pages(&self) -> Option<u32> {
        match &self.spec {
            SourceSpec::Feed(_) | SourceSpec::Json(_) | SourceSpec::Html(_) => None,
            SourceSpec::Hackernews(o) => Some(o.max_pages),
            SourceSpec::Reviews(o) => Some(o.max_pages),
            SourceSpec::Mastodon(o) => Some(o.max_pages),
            SourceSpec::Reddit(o) => Some(o.max_pages),
            SourceSpec::Appstore(o) => Some(o.max_pages),
            SourceSpec::Bluesky(o) => Some(o.max_pages),
        }
    }

    /// What identifies where this source reads from: the URL, and for API
    /// kinds the search too. A change of locator resets the stored validators
    /// and cursor.
    pub fn locator(&self) -> String {
        let url = &self.url;
        match &self.spec {
            SourceSpec::Feed(_) | SourceSpec::Json(_) | SourceSpec::Reviews(_) => url.to_string(),
            SourceSpec::Hackernews(o) => o.locator(url),
            SourceSpec::Mastodon(o) => o.locator(url),
            SourceSpec::Reddit(o) => o.locator(url),
            SourceSpec::Appstore(o) => o.locator(url),
            SourceSpec::Html(o) => o.locator(url),
            SourceSpec::Bluesky(o) => o.locator(url),
        }
    }

    /// A source given by flags rather than a file (`earshot preview`): the
    /// keys in `table` go through the same checks and defaults as a
    /// `[[source]]` table; an error is its message alone.
    pub fn from_table(
        table: &toml::Table,
        default_interval: Duration,
        base_dir: &Path,
    ) -> Result<Source, String> {
        let text = toml::to_string(table).map_err(|e| e.to_string())?;
        let raw: RawSource = toml::from_str(&text).map_err(|e| e.message().to_string())?;
        let path = base_dir.join("[preview]");
        let err = |offset: usize, message: String| super::invalid(&path, &text, offset, &message);
        let cx = Common {
            names: &HashSet::new(),
            default_interval,
            base_dir,
            err: &err,
        };
        validate(raw, &cx).map_err(|e| match e {
            ConfigError::Invalid { message, .. } => message,
            other => other.to_string(),
        })
    }
}

// ---------------------------------------------------------------- raw keys

/// A `[[source]]` table as written: every key of every kind, each with its
/// place in the file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSource {
    name: Spanned<String>,
    kind: Spanned<SourceKind>,
    url: Option<Spanned<String>>,
    base_url: Option<Spanned<String>>,
    query: Option<Spanned<String>>,
    tags: Option<Spanned<String>>,
    max_pages: Option<Spanned<i64>>,
    items: Option<Spanned<String>>,
    fields: Option<Spanned<RawFields>>,
    selectors: Option<Spanned<RawSelectors>>,
    header_env: Option<Spanned<std::collections::BTreeMap<String, String>>>,
    header_file: Option<Spanned<std::collections::BTreeMap<String, String>>>,
    hashtags: Option<Spanned<Vec<String>>>,
    token_env: Option<Spanned<String>>,
    token_file: Option<Spanned<String>>,
    handle: Option<Spanned<String>>,
    app_password_env: Option<Spanned<String>>,
    app_password_file: Option<Spanned<String>>,
    lang: Option<Spanned<String>>,
    subreddits: Option<Spanned<Vec<String>>>,
    comments: Option<Spanned<bool>>,
    client_id_env: Option<Spanned<String>>,
    client_id_file: Option<Spanned<String>>,
    client_secret_env: Option<Spanned<String>>,
    client_secret_file: Option<Spanned<String>>,
    auth_url: Option<Spanned<String>>,
    app_id: Option<Spanned<appstore::AppId>>,
    countries: Option<Spanned<Vec<String>>>,
    interval: Option<Spanned<HumanDuration>>,
    watches: Option<Vec<Spanned<String>>>,
    #[serde(rename = "match")]
    match_mode: Option<Spanned<MatchMode>>,
}

impl RawSource {
    /// Each kind-specific key and where it stands, if it is there.
    fn kind_keys(&self) -> [(&'static str, Option<Range<usize>>); 26] {
        [
            ("url", span(&self.url)),
            ("base_url", span(&self.base_url)),
            ("query", span(&self.query)),
            ("tags", span(&self.tags)),
            ("max_pages", span(&self.max_pages)),
            ("header_env", span(&self.header_env)),
            ("header_file", span(&self.header_file)),
            ("items", span(&self.items)),
            ("fields", span(&self.fields)),
            ("selectors", span(&self.selectors)),
            ("hashtags", span(&self.hashtags)),
            ("token_env", span(&self.token_env)),
            ("token_file", span(&self.token_file)),
            ("handle", span(&self.handle)),
            ("app_password_env", span(&self.app_password_env)),
            ("app_password_file", span(&self.app_password_file)),
            ("lang", span(&self.lang)),
            ("subreddits", span(&self.subreddits)),
            ("comments", span(&self.comments)),
            ("client_id_env", span(&self.client_id_env)),
            ("client_id_file", span(&self.client_id_file)),
            ("client_secret_env", span(&self.client_secret_env)),
            ("client_secret_file", span(&self.client_secret_file)),
            ("auth_url", span(&self.auth_url)),
            ("app_id", span(&self.app_id)),
            ("countries", span(&self.countries)),
        ]
    }
}

/// Where an optional key stands in the file, if it is there.
fn span<T>(v: &Option<Spanned<T>>) -> Option<Range<usize>> {
    v.as_ref().map(Spanned::span)
}

// ---------------------------------------------------------------- validation

/// What validating any source needs from the rest of the file.
pub(super) struct Common<'a> {
    /// The watches' names, which `watches = [...]` must come from.
    pub names: &'a HashSet<String>,
    pub default_interval: Duration,
    pub base_dir: &'a Path,
    pub err: &'a dyn Fn(usize, String) -> ConfigError,
}

/// Validates every `[[source]]` table: names unique, each through its kind.
pub(super) fn validate_all(
    raw: Vec<RawSource>,
    common: &Common<'_>,
) -> Result<Vec<Source>, Invalid> {
    let mut sources = Vec::new();
    let mut names = HashSet::new();
    for s in raw {
        let name = s.name.get_ref().trim().to_string();
        if !name.is_empty() && !names.insert(name.clone()) {
            return Err((common.err)(
                s.name.span().start,
                format!("duplicate source name {name:?}"),
            ));
        }
        sources.push(validate(s, common)?);
    }
    Ok(sources)
}

fn validate(s: RawSource, common: &Common<'_>) -> Result<Source, Invalid> {
    let err = common.err;
    let name = s.name.get_ref().trim().to_string();
    if name.is_empty() {
        return Err(err(s.name.span().start, "source name is empty".into()));
    }
    let kind = *s.kind.get_ref();
    let cx = Cx {
        name: &name,
        kind,
        at: s.kind.span().start,
        base_dir: common.base_dir,
        err,
    };
    // A key another kind uses is an error here, not silently ignored.
    let taken = kind.keys();
    for (key, at) in s.kind_keys() {
        if !taken.contains(&key) {
            cx.misplaced(key, at)?;
        }
    }
    let (url, spec) = kind.validate(&s, &cx)?;
    let interval = match &s.interval {
        Some(i) => duration_within("interval", i, INTERVAL, err)?,
        None => common.default_interval,
    };
    let watches = match s.watches {
        None => None,
        Some(list) => {
            let mut out = Vec::new();
            for w in list {
                if !common.names.contains(w.get_ref()) {
                    return Err(err(
                        w.span().start,
                        format!(
                            "source {name:?} names unknown watch {:?} (known: {})",
                            w.get_ref(),
                            join_sorted(common.names)
                        ),
                    ));
                }
                out.push(w.into_inner());
            }
            Some(out)
        }
    };
    let matching = match &s.match_mode {
        None => MatchMode::Terms,
        Some(m) => {
            if *m.get_ref() == MatchMode::All && watches.as_ref().is_none_or(Vec::is_empty) {
                return Err(err(
                    m.span().start,
                    format!(
                        "source {name:?}: match = \"all\" needs a non-empty `watches` list: \
                         the watches every item of this source is about (e.g. watches = [\"acme\"])"
                    ),
                ));
            }
            *m.get_ref()
        }
    };
    Ok(Source {
        name,
        url,
        interval,
        watches,
        matching,
        spec,
    })
}

/// One source being validated: its name and kind for messages, and the
/// checks several kinds share.
pub(super) struct Cx<'a> {
    name: &'a str,
    kind: SourceKind,
    /// Where `kind = …` stands: a missing key is reported there.
    at: usize,
    base_dir: &'a Path,
    err: &'a dyn Fn(usize, String) -> ConfigError,
}

impl Cx<'_> {
    /// An error at `offset` about this source.
    fn fail(&self, offset: usize, message: impl fmt::Display) -> ConfigError {
        (self.err)(offset, format!("source {:?}: {message}", self.name))
    }

    /// An error at `kind = …`: this kind needs `what`.
    fn missing(&self, what: &str) -> ConfigError {
        (self.err)(
            self.at,
            format!("source {:?} ({}) needs {what}", self.name, self.kind),
        )
    }

    /// An error at `kind = …` about this kind.
    fn wrong(&self, message: &str) -> ConfigError {
        (self.err)(
            self.at,
            format!("source {:?} ({}) {message}", self.name, self.kind),
        )
    }

    /// `key`, if given, does not apply here.
    fn misplaced(&self, key: &str, at: Option<Range<usize>>) -> Result<(), ConfigError> {
        match at {
            Some(sp) => Err(self.fail(
                sp.start,
                format!("key `{key}` does not apply to kind \"{}\"", self.kind),
            )),
            None => Ok(()),
        }
    }

    /// The `url` this kind cannot do without.
    fn url(&self, url: &Option<Spanned<String>>) -> Result<Url, ConfigError> {
        let url = url.as_ref().ok_or_else(|| self.missing("`url`"))?;
        self.http_url(url)
    }

    /// `base_url`, else the API's own.
    fn base_url(&self, url: &Option<Spanned<String>>, default: &str) -> Result<Url, ConfigError> {
        match url {
            Some(u) => self.http_url(u),
            None => parse_http_url(default).map_err(|m| self.fail(self.at, m)),
        }
    }

    fn http_url(&self, url: &Spanned<String>) -> Result<Url, ConfigError> {
        parse_http_url(url.get_ref()).map_err(|m| self.fail(url.span().start, m))
    }

    /// A search this kind cannot do without, trimmed.
    fn query(&self, query: &Option<Spanned<String>>) -> Result<String, ConfigError> {
        match query.as_ref().map(|q| q.get_ref().trim()) {
            Some(q) if !q.is_empty() => Ok(q.to_string()),
            _ => Err(self.missing("`query`")),
        }
    }

    /// `max_pages`, 3 unless given.
    fn max_pages(&self, max_pages: &Option<Spanned<i64>>) -> Result<u32, ConfigError> {
        match max_pages {
            Some(m) => count_within("max_pages", m, MAX_PAGES, self.err),
            None => Ok(3),
        }
    }

    /// A secret from a `*_file` or `*_env` key, if either is given.
    fn secret(
        &self,
        file: &Option<Spanned<String>>,
        env: &Option<Spanned<String>>,
    ) -> Result<Option<Secret>, ConfigError> {
        super::secret::secret(file, env, self.base_dir, self.err).map(|s| s.map(Secret))
    }

    /// A list of names, each parsed by `parse`, none twice (ignoring case).
    fn list(
        &self,
        list: &Spanned<Vec<String>>,
        what: &str,
        parse: fn(&str) -> Result<String, String>,
    ) -> Result<Vec<String>, ConfigError> {
        let at = list.span().start;
        let mut out: Vec<String> = Vec::new();
        for written in list.get_ref() {
            let v = parse(written).map_err(|m| self.fail(at, m))?;
            if out.iter().any(|t| t.eq_ignore_ascii_case(&v)) {
                return Err(self.fail(at, format!("{what} {written:?} is listed twice")));
            }
            out.push(v);
        }
        Ok(out)
    }

    /// Extra request headers from `header_env` and `header_file`, resolved.
    fn headers(&self, raw: &RawSource) -> Result<Vec<(String, String)>, ConfigError> {
        let mut headers = Vec::new();
        for (table, from_file) in [(&raw.header_env, false), (&raw.header_file, true)] {
            let Some(t) = table else { continue };
            for (header, place) in t.get_ref() {
                if reqwest::header::HeaderName::from_bytes(header.as_bytes()).is_err() {
                    return Err((self.err)(
                        t.span().start,
                        format!("invalid header name {header:?}"),
                    ));
                }
                let spanned = Some(Spanned::new(t.span(), place.clone()));
                let value = if from_file {
                    self.secret(&spanned, &None)?
                } else {
                    self.secret(&None, &spanned)?
                };
                headers.push((
                    header.clone(),
                    value.map(|v| v.expose().to_string()).unwrap_or_default(),
                ));
            }
        }
        Ok(headers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind-specific key of the raw table is listed for the
    /// misplaced-key check, and every kind takes only keys that exist.
    #[test]
    fn each_raw_key_is_checked_and_each_kind_key_exists() {
        let raw = crate::config::schema()
            .into_iter()
            .find(|(t, _)| *t == "source")
            .map(|(_, keys)| keys)
            .unwrap_or_default();
        let empty: RawSource = toml::from_str("name = \"s\"\nkind = \"feed\"\n").unwrap();
        let mut listed: Vec<&str> = empty.kind_keys().iter().map(|(k, _)| *k).collect();
        // The keys every kind takes.
        listed.extend(["name", "kind", "interval", "watches", "match"]);
        listed.sort_unstable();
        let mut all = raw.to_vec();
        all.sort_unstable();
        assert_eq!(listed, all);
        for kind in [
            SourceKind::Feed,
            SourceKind::Hackernews,
            SourceKind::Json,
            SourceKind::Reviews,
            SourceKind::Mastodon,
            SourceKind::Reddit,
            SourceKind::Appstore,
            SourceKind::Html,
            SourceKind::Bluesky,
        ] {
            for key in kind.keys() {
                assert!(raw.contains(key), "{kind} takes unknown key {key}");
            }
        }
    }
}

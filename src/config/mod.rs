//! The watch list: TOML on disk → raw serde structs → one validated [`Config`].
//!
//! Everything a user can get wrong is caught here, once, at load: unknown keys,
//! bad URLs, durations and sizes, duplicate names, references to watches that do
//! not exist, regexes that do not compile. Errors name the file, line and key.
//! Later stages take typed values (durations, parsed URLs) and never re-validate.

mod alerts;
mod watches;

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use url::Url;

/// The default config path when neither `--config` nor `$EARSHOT_CONFIG` is given.
pub const DEFAULT_PATH: &str = "/etc/earshot/earshot.toml";

/// A config file that could not be used. Displayed as `file:line:col: message`.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
}

pub use alerts::{Daemon, Delivery, LogFormat, WebhookFormat};
pub use alerts::{
    DigestSchedule, EmailNotifier, Mode, Notifier, NotifierKind, Route, SmtpTransport,
    WebhookNotifier,
};
pub use watches::{CompiledWatches, Watch};

/// The error a validation step returns (a [`ConfigError::Invalid`]).
type Invalid = ConfigError;

/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from (relative paths inside are relative to its folder).
    pub path: PathBuf,
    pub storage: Storage,
    pub http: Http,
    pub schedule: Schedule,
    pub watches: Vec<Watch>,
    /// `watches` compiled once, at load (same order).
    pub compiled: Arc<CompiledWatches>,
    pub sources: Vec<Source>,
    pub daemon: Daemon,
    pub delivery: Delivery,
    pub notifiers: Vec<Notifier>,
    pub routes: Vec<Route>,
}

#[derive(Debug, Clone)]
pub struct Storage {
    pub database: PathBuf,
    /// Mentions older than this are pruned daily; `None` keeps everything.
    pub retention: Option<Duration>,
}

#[derive(Debug, Clone)]
pub struct Http {
    pub user_agent: String,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub max_body: u64,
    pub max_redirects: usize,
    pub max_concurrent: usize,
    pub per_host: usize,
}

#[derive(Debug, Clone)]
pub struct Schedule {
    pub default_interval: Duration,
    /// Fraction of the interval by which a poll may be moved, e.g. 0.1 = ±10%.
    pub jitter: f64,
    pub max_backoff: Duration,
}

#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub kind: SourceKind,
    /// The feed's or review page's URL, or an API source's base URL (`base_url`).
    pub url: Url,
    pub interval: Duration,
    /// Watches applied to this source's items; `None` means all of them.
    pub watches: Option<Vec<String>>,
    /// What an API source searches for (`query`).
    pub query: Option<String>,
    /// Hacker News: the item types to search (`tags`, e.g. `(story,comment)`).
    pub tags: Option<String>,
    /// Pages fetched at most per poll of an API source or review page.
    pub max_pages: u32,
    /// `json` sources: where the items are and how their fields map.
    pub json: Option<JsonMapping>,
    /// Extra request headers (API keys), secrets resolved at load.
    pub headers: Vec<(String, String)>,
    /// Mastodon: the hashtags whose timelines are polled (without `#`).
    pub hashtags: Vec<String>,
    /// An API source's access token (`token_env` / `token_file`), sent as
    /// `Authorization: Bearer`; never stored.
    pub token: Option<String>,
    /// Reddit: the subreddits a search is limited to (without `r/`).
    pub subreddits: Vec<String>,
    /// Reddit: also read those subreddits' newest comments (`comments`).
    pub comments: bool,
    /// Reddit: OAuth client credentials, when configured.
    pub client: Option<ClientCredentials>,
    /// App Store: the app's numeric id.
    pub app_id: Option<String>,
    /// App Store: the countries' stores read, two-letter codes in lower case.
    pub countries: Vec<String>,
    /// `html` sources: the CSS selectors that find items and their fields.
    pub html: Option<HtmlSelectors>,
    /// Bluesky: the account that logs in (`handle`).
    pub handle: Option<String>,
    /// Bluesky: the account's app password (`app_password_env` /
    /// `app_password_file`); never logged or stored.
    pub app_password: Option<Secret>,
    /// Bluesky: only posts in this language (`lang`, e.g. `nl`).
    pub lang: Option<String>,
}

/// A credential: its `Debug` shows no part of it, so a logged config
/// cannot leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
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

/// An OAuth client (`client_credentials` grant): its id and secret, resolved
/// at load, and where tokens are asked for. Never stored.
#[derive(Clone)]
pub struct ClientCredentials {
    pub id: String,
    pub secret: String,
    /// The token endpoint's base (`auth_url`); the request goes to
    /// `{auth_url}/api/v1/access_token`.
    pub auth_url: Url,
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("id", &self.id)
            .field("auth_url", &self.auth_url.as_str())
            .finish_non_exhaustive()
    }
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

impl Source {
    /// What identifies where this source reads from: the URL, and for API
    /// kinds the search too. A change of locator resets the stored validators
    /// and cursor.
    pub fn locator(&self) -> String {
        match self.kind {
            SourceKind::Feed | SourceKind::Json | SourceKind::Reviews => self.url.to_string(),
            SourceKind::Hackernews => format!(
                "{} query={:?} tags={}",
                self.url,
                self.query.as_deref().unwrap_or(""),
                self.tags.as_deref().unwrap_or("(story,comment)")
            ),
            SourceKind::Mastodon => format!(
                "{} hashtags={} query={:?}",
                self.url,
                self.hashtags.join(","),
                self.query.as_deref().unwrap_or("")
            ),
            SourceKind::Reddit => format!(
                "{} query={:?} subreddits={}",
                self.url,
                self.query.as_deref().unwrap_or(""),
                self.subreddits.join("+")
            ),
            SourceKind::Appstore => format!(
                "{} app_id={} countries={}",
                self.url,
                self.app_id.as_deref().unwrap_or(""),
                self.countries.join(",")
            ),
            // Other selectors read the same page differently: a change must
            // not meet a 304 and leave the page unread.
            SourceKind::Html => match &self.html {
                Some(h) => format!("{} {}", self.url, h.written),
                None => self.url.to_string(),
            },
            SourceKind::Bluesky => format!(
                "{} handle={} query={:?} lang={}",
                self.url,
                self.handle.as_deref().unwrap_or(""),
                self.query.as_deref().unwrap_or(""),
                self.lang.as_deref().unwrap_or("")
            ),
        }
    }
}

/// The closed set of source kinds; each has its own file under `sources/`.
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
}

impl Config {
    /// Reads and validates the file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let bytes = std::fs::read(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse_bytes(&bytes, path)
    }

    /// Validates the bytes of a file read from `path`: text that is not UTF-8
    /// is an error at the line and column of its first bad byte.
    pub fn parse_bytes(bytes: &[u8], path: &Path) -> Result<Config, ConfigError> {
        match std::str::from_utf8(bytes) {
            Ok(text) => Config::parse(text, path),
            Err(e) => {
                let good = e.valid_up_to();
                let prefix = std::str::from_utf8(&bytes[..good]).unwrap_or_default();
                let byte = bytes.get(good).copied().unwrap_or_default();
                Err(invalid(
                    path,
                    prefix,
                    good,
                    &format!("invalid UTF-8 (byte 0x{byte:02X}): save the file as UTF-8"),
                ))
            }
        }
    }

    /// Validates `text` as if it had been read from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            invalid(path, text, offset, e.message().trim_end())
        })?;
        validate(raw, text, path)
    }

    /// The notifier with this name.
    pub fn notifier(&self, name: &str) -> Option<&Notifier> {
        self.notifiers.iter().find(|n| n.name == name)
    }

    /// The watch with this name.
    pub fn watch(&self, name: &str) -> Option<&Watch> {
        self.watches.iter().find(|w| w.name == name)
    }
}

fn invalid(path: &Path, text: &str, offset: usize, message: &str) -> ConfigError {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = before[line_start..].chars().count() + 1;
    // Name the key that the offending line assigns, when it assigns one.
    let line_text = text[line_start..].lines().next().unwrap_or("");
    let key = line_text
        .split_once('=')
        .map(|(k, _)| k.trim())
        .filter(|k| !k.is_empty() && !k.starts_with('['));
    let message = match key {
        Some(k) if !message.contains(&format!("`{k}`")) => format!("key `{k}`: {message}"),
        _ => message.to_string(),
    };
    ConfigError::Invalid {
        path: path.to_path_buf(),
        line,
        column,
        message,
    }
}

// ---------------------------------------------------------------- raw structs

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    storage: RawStorage,
    #[serde(default)]
    http: RawHttp,
    #[serde(default)]
    schedule: RawSchedule,
    #[serde(default)]
    watch: Vec<watches::RawWatch>,
    #[serde(default)]
    source: Vec<RawSource>,
    #[serde(default)]
    daemon: alerts::RawDaemon,
    #[serde(default)]
    delivery: alerts::RawDelivery,
    #[serde(default)]
    notifier: Vec<alerts::RawNotifier>,
    #[serde(default)]
    route: Vec<alerts::RawRoute>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStorage {
    #[serde(default = "default_database")]
    database: String,
    retention: Option<Spanned<HumanDuration>>,
}

impl Default for RawStorage {
    fn default() -> Self {
        RawStorage {
            database: default_database(),
            retention: None,
        }
    }
}

fn default_database() -> String {
    "earshot.db".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    #[serde(default = "default_user_agent")]
    user_agent: Spanned<String>,
    #[serde(default = "default_timeout")]
    timeout: Spanned<HumanDuration>,
    #[serde(default = "default_connect_timeout")]
    connect_timeout: Spanned<HumanDuration>,
    #[serde(default = "default_max_body")]
    max_body: Spanned<ByteSize>,
    #[serde(default = "default_max_redirects")]
    max_redirects: Spanned<i64>,
    #[serde(default = "default_max_concurrent")]
    max_concurrent: Spanned<i64>,
    #[serde(default = "default_per_host")]
    per_host: Spanned<i64>,
}

impl Default for RawHttp {
    fn default() -> Self {
        RawHttp {
            user_agent: default_user_agent(),
            timeout: default_timeout(),
            connect_timeout: default_connect_timeout(),
            max_body: default_max_body(),
            max_redirects: default_max_redirects(),
            max_concurrent: default_max_concurrent(),
            per_host: default_per_host(),
        }
    }
}

fn default_user_agent() -> Spanned<String> {
    Spanned::new(
        0..0,
        concat!(
            "earshot/",
            env!("CARGO_PKG_VERSION"),
            " (+https://github.com/earshot/earshot)"
        )
        .into(),
    )
}
fn default_timeout() -> Spanned<HumanDuration> {
    Spanned::new(0..0, HumanDuration(Duration::from_secs(30)))
}
fn default_connect_timeout() -> Spanned<HumanDuration> {
    Spanned::new(0..0, HumanDuration(Duration::from_secs(10)))
}
fn default_max_body() -> Spanned<ByteSize> {
    Spanned::new(0..0, ByteSize(10 * 1024 * 1024))
}
fn default_max_redirects() -> Spanned<i64> {
    Spanned::new(0..0, 5)
}
fn default_max_concurrent() -> Spanned<i64> {
    Spanned::new(0..0, 8)
}
fn default_per_host() -> Spanned<i64> {
    Spanned::new(0..0, 2)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    #[serde(default = "default_interval")]
    default_interval: Spanned<HumanDuration>,
    #[serde(default = "default_jitter")]
    jitter: Spanned<f64>,
    #[serde(default = "default_max_backoff")]
    max_backoff: Spanned<HumanDuration>,
}

impl Default for RawSchedule {
    fn default() -> Self {
        RawSchedule {
            default_interval: default_interval(),
            jitter: default_jitter(),
            max_backoff: default_max_backoff(),
        }
    }
}

fn default_interval() -> Spanned<HumanDuration> {
    Spanned::new(0..0, HumanDuration(Duration::from_secs(15 * 60)))
}
fn default_jitter() -> Spanned<f64> {
    Spanned::new(0..0, 0.1)
}
fn default_max_backoff() -> Spanned<HumanDuration> {
    Spanned::new(0..0, HumanDuration(Duration::from_secs(6 * 3600)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
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
    app_id: Option<Spanned<AppId>>,
    countries: Option<Spanned<Vec<String>>>,
    interval: Option<Spanned<HumanDuration>>,
    watches: Option<Vec<Spanned<String>>>,
}

/// `[source.fields]` of a `json` source: a JSON Pointer per item field.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFields {
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

/// `[source.selectors]` of an `html` source: a CSS selector per item field.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSelectors {
    item: Option<Spanned<String>>,
    title: Option<Spanned<String>>,
    link: Option<Spanned<String>>,
    text: Option<Spanned<String>>,
    date: Option<Spanned<String>>,
    author: Option<Spanned<String>>,
}

// ---------------------------------------------------------------- validation

fn validate(raw: RawConfig, text: &str, path: &Path) -> Result<Config, ConfigError> {
    let err = |offset: usize, message: String| invalid(path, text, offset, &message);
    let base_dir = path.parent().unwrap_or(Path::new("."));

    let database = {
        let p = PathBuf::from(&raw.storage.database);
        if p.is_absolute() {
            p
        } else {
            base_dir.join(p)
        }
    };

    let h = raw.http;
    if h.user_agent.get_ref().trim().is_empty() {
        return Err(err(
            h.user_agent.span().start,
            "user_agent must not be empty: sites block anonymous clients".into(),
        ));
    }
    let max_body = *h.max_body.get_ref();
    if !(MAX_BODY.0..=MAX_BODY.1).contains(&max_body.0) {
        return Err(err(
            h.max_body.span().start,
            format!(
                "key `max_body`: must be between {} and {}, got {max_body}",
                ByteSize(MAX_BODY.0),
                ByteSize(MAX_BODY.1)
            ),
        ));
    }
    let http = Http {
        user_agent: h.user_agent.into_inner(),
        timeout: duration_within("timeout", &h.timeout, TIMEOUT, &err)?,
        connect_timeout: duration_within(
            "connect_timeout",
            &h.connect_timeout,
            CONNECT_TIMEOUT,
            &err,
        )?,
        max_body: max_body.0,
        max_redirects: count_within("max_redirects", &h.max_redirects, MAX_REDIRECTS, &err)?,
        max_concurrent: count_within("max_concurrent", &h.max_concurrent, MAX_CONCURRENT, &err)?,
        per_host: count_within("per_host", &h.per_host, PER_HOST, &err)?,
    };

    let jitter = *raw.schedule.jitter.get_ref();
    if !(0.0..=0.5).contains(&jitter) {
        return Err(err(
            raw.schedule.jitter.span().start,
            format!(
                "key `jitter`: must be between 0.0 and 0.5 (a fraction of the interval), got {jitter}"
            ),
        ));
    }
    let schedule = Schedule {
        default_interval: duration_within(
            "default_interval",
            &raw.schedule.default_interval,
            INTERVAL,
            &err,
        )?,
        jitter,
        max_backoff: duration_within(
            "max_backoff",
            &raw.schedule.max_backoff,
            SCHEDULE_BACKOFF,
            &err,
        )?,
    };

    let watches::Watches {
        list: watches,
        names,
        compiled,
    } = watches::validate(raw.watch, &err)?;

    let mut sources = Vec::new();
    let mut source_names = HashSet::new();
    for s in raw.source {
        let name = s.name.get_ref().trim().to_string();
        if name.is_empty() {
            return Err(err(s.name.span().start, "source name is empty".into()));
        }
        if !source_names.insert(name.clone()) {
            return Err(err(
                s.name.span().start,
                format!("duplicate source name {name:?}"),
            ));
        }
        let kind = *s.kind.get_ref();
        let at = s.kind.span().start;
        // Each kind takes its own keys; a key another kind uses is an error
        // here, not silently ignored.
        let misplaced = |key: &str, span: Option<std::ops::Range<usize>>| match span {
            Some(sp) => Err(err(
                sp.start,
                format!(
                    "source {name:?}: key `{key}` does not apply to kind \"{}\"",
                    kind.as_str()
                ),
            )),
            None => Ok(()),
        };
        {
            use SourceKind::*;
            let api: &[SourceKind] = &[Hackernews, Mastodon, Bluesky, Reddit, Appstore];
            // Which kinds take each kind-specific key; every other kind
            // rejects it.
            let keys: [KeyUse<'_>; 26] = [
                ("url", span(&s.url), &[Feed, Json, Html, Reviews]),
                ("base_url", span(&s.base_url), api),
                (
                    "query",
                    span(&s.query),
                    &[Hackernews, Mastodon, Bluesky, Reddit],
                ),
                ("tags", span(&s.tags), &[Hackernews]),
                (
                    "max_pages",
                    span(&s.max_pages),
                    &[Hackernews, Reviews, Mastodon, Bluesky, Reddit, Appstore],
                ),
                ("header_env", span(&s.header_env), &[Feed, Json, Html]),
                ("header_file", span(&s.header_file), &[Feed, Json, Html]),
                ("items", span(&s.items), &[Json]),
                ("fields", span(&s.fields), &[Json]),
                ("selectors", span(&s.selectors), &[Html]),
                ("hashtags", span(&s.hashtags), &[Mastodon]),
                ("token_env", span(&s.token_env), &[Mastodon]),
                ("token_file", span(&s.token_file), &[Mastodon]),
                ("handle", span(&s.handle), &[Bluesky]),
                ("app_password_env", span(&s.app_password_env), &[Bluesky]),
                ("app_password_file", span(&s.app_password_file), &[Bluesky]),
                ("lang", span(&s.lang), &[Bluesky]),
                ("subreddits", span(&s.subreddits), &[Reddit]),
                ("comments", span(&s.comments), &[Reddit]),
                ("client_id_env", span(&s.client_id_env), &[Reddit]),
                ("client_id_file", span(&s.client_id_file), &[Reddit]),
                ("client_secret_env", span(&s.client_secret_env), &[Reddit]),
                ("client_secret_file", span(&s.client_secret_file), &[Reddit]),
                ("auth_url", span(&s.auth_url), &[Reddit]),
                ("app_id", span(&s.app_id), &[Appstore]),
                ("countries", span(&s.countries), &[Appstore]),
            ];
            for (key, at, kinds) in keys {
                if !kinds.contains(&kind) {
                    misplaced(key, at)?;
                }
            }
        }
        let mut hashtags = Vec::new();
        let mut subreddits = Vec::new();
        let mut client = None;
        let mut app_id = None;
        let mut countries = Vec::new();
        let url_text = match kind {
            SourceKind::Feed | SourceKind::Json => s
                .url
                .as_ref()
                .ok_or_else(|| {
                    err(
                        at,
                        format!("source {name:?} ({}) needs `url`", kind.as_str()),
                    )
                })?
                .clone(),
            SourceKind::Hackernews => {
                if s.query
                    .as_ref()
                    .is_none_or(|q| q.get_ref().trim().is_empty())
                {
                    return Err(err(
                        at,
                        format!("source {name:?} (hackernews) needs `query`"),
                    ));
                }
                s.base_url
                    .clone()
                    .unwrap_or_else(|| Spanned::new(at..at, "https://hn.algolia.com".to_string()))
            }
            SourceKind::Html => s
                .url
                .as_ref()
                .ok_or_else(|| err(at, format!("source {name:?} (html) needs `url`")))?
                .clone(),
            SourceKind::Reviews => s
                .url
                .as_ref()
                .ok_or_else(|| err(at, format!("source {name:?} (reviews) needs `url`")))?
                .clone(),
            SourceKind::Mastodon => {
                let searching = s
                    .query
                    .as_ref()
                    .is_some_and(|q| !q.get_ref().trim().is_empty());
                if let Some(list) = &s.hashtags {
                    for h in list.get_ref() {
                        let tag = parse_hashtag(h)
                            .map_err(|m| err(list.span().start, format!("source {name:?}: {m}")))?;
                        if hashtags
                            .iter()
                            .any(|t: &String| t.eq_ignore_ascii_case(&tag))
                        {
                            return Err(err(
                                list.span().start,
                                format!("source {name:?}: hashtag {h:?} is listed twice"),
                            ));
                        }
                        hashtags.push(tag);
                    }
                }
                if hashtags.is_empty() && !searching {
                    return Err(err(
                        at,
                        format!("source {name:?} (mastodon) needs `hashtags`, a `query` (full-text search where the instance allows it), or both"),
                    ));
                }
                s.base_url.clone().ok_or_else(|| {
                    err(
                        at,
                        format!(
                            "source {name:?} (mastodon) needs `base_url`, the instance (e.g. \"https://mastodon.social\")"
                        ),
                    )
                })?
            }
            SourceKind::Bluesky => {
                if s.query
                    .as_ref()
                    .is_none_or(|q| q.get_ref().trim().is_empty())
                {
                    return Err(err(at, format!("source {name:?} (bluesky) needs `query`")));
                }
                let handle = s.handle.as_ref().ok_or_else(|| {
                    err(
                        at,
                        format!("source {name:?} (bluesky) needs `handle`, the account that logs in (e.g. \"webcare.example.nl\")"),
                    )
                })?;
                let h = handle.get_ref().trim().trim_start_matches('@');
                if h.is_empty() || h.chars().any(char::is_whitespace) {
                    return Err(err(
                        handle.span().start,
                        format!("source {name:?}: invalid handle {:?}", handle.get_ref()),
                    ));
                }
                if s.app_password_env.is_none() && s.app_password_file.is_none() {
                    return Err(err(
                        at,
                        format!("source {name:?} (bluesky) needs `app_password_env` or `app_password_file` (an app password, never inline)"),
                    ));
                }
                if let Some(l) = &s.lang {
                    let v = l.get_ref().trim();
                    if v.is_empty()
                        || v.len() > 35
                        || !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    {
                        return Err(err(
                            l.span().start,
                            format!(
                                "source {name:?}: invalid lang {:?} (a language code, e.g. \"nl\")",
                                l.get_ref()
                            ),
                        ));
                    }
                }
                s.base_url
                    .clone()
                    .unwrap_or_else(|| Spanned::new(at..at, "https://bsky.social".to_string()))
            }
            SourceKind::Reddit => {
                if s.query
                    .as_ref()
                    .is_none_or(|q| q.get_ref().trim().is_empty())
                {
                    return Err(err(at, format!("source {name:?} (reddit) needs `query`")));
                }
                if let Some(list) = &s.subreddits {
                    for r in list.get_ref() {
                        let sub = parse_subreddit(r)
                            .map_err(|m| err(list.span().start, format!("source {name:?}: {m}")))?;
                        if subreddits
                            .iter()
                            .any(|t: &String| t.eq_ignore_ascii_case(&sub))
                        {
                            return Err(err(
                                list.span().start,
                                format!("source {name:?}: subreddit {r:?} is listed twice"),
                            ));
                        }
                        subreddits.push(sub);
                    }
                    if subreddits.is_empty() {
                        return Err(err(
                            list.span().start,
                            format!("source {name:?}: `subreddits` is empty (leave it out to search all of Reddit)"),
                        ));
                    }
                }
                if let Some(c) = s.comments.as_ref().filter(|c| *c.get_ref()) {
                    if subreddits.is_empty() {
                        return Err(err(
                            c.span().start,
                            format!("source {name:?}: `comments` needs `subreddits` (all of Reddit's comments are a firehose)"),
                        ));
                    }
                }
                let id = alerts::secret(&s.client_id_file, &s.client_id_env, base_dir, &err)?;
                let secret =
                    alerts::secret(&s.client_secret_file, &s.client_secret_env, base_dir, &err)?;
                client = match (id, secret) {
                    (Some(id), Some(secret)) => {
                        let auth = s.auth_url.clone().unwrap_or_else(|| {
                            Spanned::new(at..at, "https://www.reddit.com".to_string())
                        });
                        let auth_url = parse_http_url(auth.get_ref()).map_err(|m| {
                            err(auth.span().start, format!("source {name:?}: {m}"))
                        })?;
                        Some(ClientCredentials {
                            id,
                            secret,
                            auth_url,
                        })
                    }
                    (None, None) => {
                        misplaced("auth_url", s.auth_url.as_ref().map(|v| v.span()))?;
                        None
                    }
                    _ => {
                        return Err(err(
                            at,
                            format!(
                                "source {name:?} (reddit): OAuth needs both a client id (`client_id_env`/`client_id_file`) and a secret (`client_secret_env`/`client_secret_file`)"
                            ),
                        ))
                    }
                };
                // With credentials the API lives on oauth.reddit.com.
                let default = if client.is_some() {
                    "https://oauth.reddit.com"
                } else {
                    "https://www.reddit.com"
                };
                s.base_url
                    .clone()
                    .unwrap_or_else(|| Spanned::new(at..at, default.to_string()))
            }
            SourceKind::Appstore => {
                let id = s
                    .app_id
                    .as_ref()
                    .ok_or_else(|| err(at, format!("source {name:?} (appstore) needs `app_id`")))?;
                app_id = Some(
                    parse_app_id(&id.get_ref().0)
                        .map_err(|m| err(id.span().start, format!("source {name:?}: {m}")))?,
                );
                let list = s.countries.as_ref().ok_or_else(|| {
                    err(at, format!("source {name:?} (appstore) needs `countries`"))
                })?;
                for c in list.get_ref() {
                    let code = parse_country(c)
                        .map_err(|m| err(list.span().start, format!("source {name:?}: {m}")))?;
                    if countries.contains(&code) {
                        return Err(err(
                            list.span().start,
                            format!("source {name:?}: country {c:?} is listed twice"),
                        ));
                    }
                    countries.push(code);
                }
                if countries.is_empty() {
                    return Err(err(
                        list.span().start,
                        format!("source {name:?}: `countries` is empty"),
                    ));
                }
                s.base_url
                    .clone()
                    .unwrap_or_else(|| Spanned::new(at..at, "https://itunes.apple.com".to_string()))
            }
        };
        let token = alerts::secret(&s.token_file, &s.token_env, base_dir, &err)?;
        let app_password =
            alerts::secret(&s.app_password_file, &s.app_password_env, base_dir, &err)?.map(Secret);
        let max_pages = match &s.max_pages {
            Some(m) => count_within("max_pages", m, MAX_PAGES, &err)?,
            None => 3,
        };
        let interval = match &s.interval {
            Some(i) => duration_within("interval", i, INTERVAL, &err)?,
            None => schedule.default_interval,
        };
        let url = parse_http_url(url_text.get_ref())
            .map_err(|m| err(url_text.span().start, format!("source {name:?}: {m}")))?;
        let json = match kind {
            SourceKind::Json => Some(json_mapping(&name, at, s.items, s.fields, &err)?),
            _ => None,
        };
        let html = match kind {
            SourceKind::Html => Some(html_selectors(&name, at, s.selectors, &err)?),
            _ => None,
        };
        let mut headers = Vec::new();
        for (table, from_file) in [(&s.header_env, false), (&s.header_file, true)] {
            let Some(t) = table else { continue };
            for (header, place) in t.get_ref() {
                if reqwest::header::HeaderName::from_bytes(header.as_bytes()).is_err() {
                    return Err(err(
                        t.span().start,
                        format!("invalid header name {header:?}"),
                    ));
                }
                let spanned = Some(Spanned::new(t.span(), place.clone()));
                let value = if from_file {
                    alerts::secret(&spanned, &None, base_dir, &err)?
                } else {
                    alerts::secret(&None, &spanned, base_dir, &err)?
                };
                headers.push((header.clone(), value.unwrap_or_default()));
            }
        }
        let watch_refs = match s.watches {
            None => None,
            Some(list) => {
                let mut out = Vec::new();
                for w in list {
                    if !names.contains(w.get_ref()) {
                        return Err(err(
                            w.span().start,
                            format!(
                                "source {name:?} names unknown watch {:?} (known: {})",
                                w.get_ref(),
                                join_sorted(&names)
                            ),
                        ));
                    }
                    out.push(w.into_inner());
                }
                Some(out)
            }
        };
        sources.push(Source {
            name,
            kind,
            url,
            interval,
            watches: watch_refs,
            query: s.query.map(|q| q.into_inner().trim().to_string()),
            tags: s.tags.map(Spanned::into_inner),
            max_pages,
            json,
            headers,
            hashtags,
            token,
            subreddits,
            comments: s.comments.is_some_and(|c| *c.get_ref()),
            client,
            app_id,
            countries,
            html,
            handle: s
                .handle
                .map(|h| h.into_inner().trim().trim_start_matches('@').to_string()),
            app_password,
            lang: s.lang.map(|l| l.into_inner().trim().to_string()),
        });
    }

    let retention = match &raw.storage.retention {
        Some(r) => Some(duration_within("retention", r, RETENTION, &err)?),
        None => None,
    };

    let alerts = alerts::validate(
        raw.daemon,
        raw.delivery,
        raw.notifier,
        raw.route,
        &names,
        base_dir,
        &err,
    )?;

    Ok(Config {
        path: path.to_path_buf(),
        storage: Storage {
            database,
            retention,
        },
        http,
        schedule,
        watches,
        compiled: Arc::new(compiled),
        sources,
        daemon: alerts.daemon,
        delivery: alerts.delivery,
        notifiers: alerts.notifiers,
        routes: alerts.routes,
    })
}

/// A `json` source's `items` pointer and `[source.fields]`, checked.
fn json_mapping(
    name: &str,
    at: usize,
    items: Option<Spanned<String>>,
    fields: Option<Spanned<RawFields>>,
    err: &dyn Fn(usize, String) -> ConfigError,
) -> Result<JsonMapping, ConfigError> {
    let pointer = |p: &Option<String>, key: &str| -> Result<Option<String>, ConfigError> {
        match p {
            Some(v) if !v.is_empty() && !v.starts_with('/') => Err(err(
                at,
                format!(
                    "source {name:?}: fields.{key} = {v:?} is not a JSON Pointer (start with /)"
                ),
            )),
            other => Ok(other.clone()),
        }
    };
    let rating = |v: &Option<Spanned<f64>>, key: &str, default: f64| match v {
        Some(r) if !(RATING.0..=RATING.1).contains(r.get_ref()) => Err(err(
            r.span().start,
            format!(
                "source {name:?}: key `{key}`: must be between {} and {}, got {}",
                RATING.0,
                RATING.1,
                r.get_ref()
            ),
        )),
        Some(r) => Ok(*r.get_ref()),
        None => Ok(default),
    };
    let items = items.map(Spanned::into_inner).unwrap_or_default();
    if !items.is_empty() && !items.starts_with('/') {
        return Err(err(at, format!("source {name:?}: items = {items:?} is not a JSON Pointer (start with /, or \"\" for a top-level array)")));
    }
    let f = fields.map(Spanned::into_inner).unwrap_or_default();
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
        return Err(err(at, format!("source {name:?} (json) maps neither fields.title nor fields.text: nothing could match")));
    }
    if mapping.rating_best <= mapping.rating_worst {
        return Err(err(
            at,
            format!("source {name:?}: fields.rating_best must be above rating_worst"),
        ));
    }
    Ok(mapping)
}

/// An `html` source's `[source.selectors]`, each compiled; a selector that
/// does not parse is an error at its own line.
fn html_selectors(
    name: &str,
    at: usize,
    selectors: Option<Spanned<RawSelectors>>,
    err: &dyn Fn(usize, String) -> ConfigError,
) -> Result<HtmlSelectors, ConfigError> {
    let raw = selectors.map(Spanned::into_inner).ok_or_else(|| {
        err(
            at,
            format!("source {name:?} (html) needs a [source.selectors] table with `item`"),
        )
    })?;
    let mut written = Vec::new();
    let mut compile = |key: &str,
                       s: &Option<Spanned<String>>|
     -> Result<Option<scraper::Selector>, ConfigError> {
        let Some(s) = s else { return Ok(None) };
        let css = s.get_ref().trim();
        if css.is_empty() {
            return Err(err(
                s.span().start,
                format!("source {name:?}: selectors.{key} is empty"),
            ));
        }
        let compiled = scraper::Selector::parse(css).map_err(|e| {
            err(
                s.span().start,
                format!(
                    "source {name:?}: selectors.{key} = {css:?} is not a valid CSS selector: {e}"
                ),
            )
        })?;
        written.push(format!("{key}={css:?}"));
        Ok(Some(compiled))
    };
    let item = compile("item", &raw.item)?.ok_or_else(|| {
        err(
            at,
            format!(
                "source {name:?} (html) needs selectors.item: each element it matches is one item"
            ),
        )
    })?;
    let title = compile("title", &raw.title)?;
    let link = compile("link", &raw.link)?;
    let text = compile("text", &raw.text)?;
    let date = compile("date", &raw.date)?;
    let author = compile("author", &raw.author)?;
    if title.is_none() && text.is_none() {
        return Err(err(
            at,
            format!("source {name:?} (html) has neither selectors.title nor selectors.text: nothing could match"),
        ));
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

/// A kind-specific `[[source]]` key: its name, where it stands in the file
/// (if present), and the kinds that take it.
type KeyUse<'a> = (&'a str, Option<std::ops::Range<usize>>, &'a [SourceKind]);

/// Where an optional key stands in the file, if it is there.
fn span<T>(v: &Option<Spanned<T>>) -> Option<std::ops::Range<usize>> {
    v.as_ref().map(Spanned::span)
}

fn join_sorted(set: &HashSet<String>) -> String {
    let mut v: Vec<&str> = set.iter().map(String::as_str).collect();
    v.sort_unstable();
    v.join(", ")
}

/// A Mastodon hashtag as written (`ns`, `#NS`, `klm`), without its `#`:
/// letters, digits and `_` only, so it is one path segment.
pub fn parse_hashtag(s: &str) -> Result<String, String> {
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

/// A subreddit as written (`thenetherlands`, `r/Nederland`, `/r/x`),
/// without its `r/`: 2 to 21 letters, digits or `_`.
pub fn parse_subreddit(s: &str) -> Result<String, String> {
    let t = s.trim().trim_start_matches('/');
    let t = t
        .strip_prefix("r/")
        .or_else(|| t.strip_prefix("R/"))
        .unwrap_or(t);
    if (2..=21).contains(&t.len()) && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(t.to_string())
    } else {
        Err(format!(
            "invalid subreddit {s:?}: use its name, 2 to 21 letters, digits or _ (e.g. \"thenetherlands\")"
        ))
    }
}

/// An App Store app id as written (`"1234567890"` or `1234567890`): digits.
pub fn parse_app_id(s: &str) -> Result<String, String> {
    let id = s.trim();
    if id.is_empty() || id.len() > 20 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "invalid app_id {s:?}: use the app's numeric id (the digits after \"id\" in its apps.apple.com link)"
        ));
    }
    Ok(id.to_string())
}

/// An App Store country as written (`nl`, `BE`): two letters, lower-cased.
pub fn parse_country(s: &str) -> Result<String, String> {
    let c = s.trim();
    if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(format!(
            "invalid country {s:?}: use a two-letter code (e.g. \"nl\", \"be\", \"gb\")"
        ));
    }
    Ok(c.to_ascii_lowercase())
}

/// Parses an absolute http(s) URL, with a message fit for the user.
pub fn parse_http_url(s: &str) -> Result<Url, String> {
    let url = Url::parse(s.trim()).map_err(|e| format!("invalid URL {s:?}: {e}"))?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url),
        "http" | "https" => Err(format!("URL {s:?} has no host")),
        other => Err(format!(
            "URL {s:?} has scheme {other:?}; only http and https are polled"
        )),
    }
}

// ---------------------------------------------------------------- allowed ranges

// Every duration, size and count has a range, checked at load. Each is wide
// enough for any real deployment and narrow enough that no accepted value can
// overflow a timer, a date, a semaphore or an allocation later on.

const SECOND: Duration = Duration::from_secs(1);
const fn days(n: u64) -> Duration {
    Duration::from_secs(n * 86_400)
}

/// `[storage] retention`: at least a day (a mention found now is never
/// pruned at once), at most 100 years.
const RETENTION: (Duration, Duration) = (days(1), days(36_500));
/// `[http] timeout`.
const TIMEOUT: (Duration, Duration) = (SECOND, Duration::from_secs(3600));
/// `[http] connect_timeout`.
const CONNECT_TIMEOUT: (Duration, Duration) = (SECOND, Duration::from_secs(600));
/// `[http] max_body`, bytes: 1 KiB to 1 GiB.
const MAX_BODY: (u64, u64) = (1024, 1024 * 1024 * 1024);
/// `[http] max_redirects`.
const MAX_REDIRECTS: (i64, i64) = (0, 20);
/// `[http] max_concurrent`.
const MAX_CONCURRENT: (i64, i64) = (1, 1024);
/// `[http] per_host`.
const PER_HOST: (i64, i64) = (1, 64);
/// `[schedule] default_interval` and a source's `interval`.
const INTERVAL: (Duration, Duration) = (SECOND, days(30));
/// `[schedule] max_backoff`.
const SCHEDULE_BACKOFF: (Duration, Duration) = (SECOND, days(7));
/// A source's `max_pages`.
const MAX_PAGES: (i64, i64) = (1, 10);
/// A `json` source's `fields.rating_worst` and `fields.rating_best`.
const RATING: (f64, f64) = (-1_000_000.0, 1_000_000.0);
/// `[daemon] source_alert_after`.
pub(crate) const SOURCE_ALERT_AFTER: (i64, i64) = (1, 10_000);
/// `[delivery] retry_for`.
pub(crate) const RETRY_FOR: (Duration, Duration) = (SECOND, days(365));
/// `[delivery] max_backoff`.
pub(crate) const DELIVERY_BACKOFF: (Duration, Duration) = (SECOND, days(7));
/// `[delivery] send_timeout`.
pub(crate) const SEND_TIMEOUT: (Duration, Duration) = (SECOND, Duration::from_secs(600));
/// A route's `max_per_hour`.
pub(crate) const MAX_PER_HOUR: (i64, i64) = (1, 10_000);

/// The duration at `value` if it lies in `min..=max`, else an error at its
/// place naming `key` and the range.
pub(crate) fn duration_within(
    key: &str,
    value: &Spanned<HumanDuration>,
    (min, max): (Duration, Duration),
    err: &dyn Fn(usize, String) -> ConfigError,
) -> Result<Duration, ConfigError> {
    let d = value.get_ref().0;
    if (min..=max).contains(&d) {
        Ok(d)
    } else {
        Err(err(
            value.span().start,
            format!(
                "key `{key}`: must be between {} and {}, got {}",
                HumanDuration(min),
                HumanDuration(max),
                value.get_ref()
            ),
        ))
    }
}

/// The count at `value` if it lies in `min..=max`, else an error at its
/// place naming `key` and the range.
pub(crate) fn count_within<T: TryFrom<i64>>(
    key: &str,
    value: &Spanned<i64>,
    (min, max): (i64, i64),
    err: &dyn Fn(usize, String) -> ConfigError,
) -> Result<T, ConfigError> {
    let n = *value.get_ref();
    (min..=max)
        .contains(&n)
        .then(|| T::try_from(n).ok())
        .flatten()
        .ok_or_else(|| {
            err(
                value.span().start,
                format!("key `{key}`: must be between {min} and {max}, got {n}"),
            )
        })
}

// ---------------------------------------------------------------- value types

/// A duration written as `30s`, `10m`, `2h`, `1d`, `500ms` or combined (`1h30m`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanDuration(pub Duration);

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_duration(&s)
            .map(HumanDuration)
            .map_err(serde::de::Error::custom)
    }
}

/// Written back the way a person would: `10m`, `2h`, `400d`, `1h30m`, `250ms`.
impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut secs = self.0.as_secs();
        let millis = self.0.subsec_millis();
        if secs == 0 {
            return match millis {
                0 => f.write_str("0s"),
                ms => write!(f, "{ms}ms"),
            };
        }
        for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
            if secs >= size {
                write!(f, "{}{unit}", secs / size)?;
                secs %= size;
            }
        }
        if millis > 0 {
            write!(f, "{millis}ms")?;
        }
        Ok(())
    }
}

/// Parses `30s`, `10m`, `2h`, `1d`, `1w`, `500ms`, and sums like `1h30m`.
/// A sum too large to hold is an error, never a wrap-around or a panic.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("invalid duration {s:?}: use a number and a unit, e.g. 30s, 10m, 2h, 1d");
    let too_long = || format!("invalid duration {s:?}: far too long");
    let t = s.trim();
    if t.is_empty() {
        return Err(bad());
    }
    let mut total = Duration::ZERO;
    let mut rest = t;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(bad());
        }
        // Only digits, so the parse fails only when the number is too large.
        let n: u64 = rest[..digits].parse().map_err(|_| too_long())?;
        rest = rest[digits..].trim_start();
        let unit_len = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = rest[unit_len..].trim_start();
        let secs = match unit {
            "ms" => {
                total = total
                    .checked_add(Duration::from_millis(n))
                    .ok_or_else(too_long)?;
                continue;
            }
            "s" | "sec" | "secs" => 1,
            "m" | "min" | "mins" => 60,
            "h" | "hr" | "hours" | "hour" => 3600,
            "d" | "day" | "days" => 86_400,
            "w" | "week" | "weeks" => 7 * 86_400,
            _ => return Err(bad()),
        };
        let part = Duration::from_secs(n.checked_mul(secs).ok_or_else(too_long)?);
        total = total.checked_add(part).ok_or_else(too_long)?;
    }
    Ok(total)
}

/// An App Store app id, written as a string or a number.
struct AppId(String);

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

/// A size written as `10MiB`, `512KiB`, `1MB`, `2048` (bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub u64);

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(i64),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::N(n) => u64::try_from(n).map(ByteSize).map_err(|_| {
                serde::de::Error::custom(format!("invalid size {n}: a size is not negative"))
            }),
            Raw::S(s) => parse_size(&s)
                .map(ByteSize)
                .map_err(serde::de::Error::custom),
        }
    }
}

/// Written back in the largest binary unit that divides it: `10MiB`, `1500`.
impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        for (unit, size) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
            if n >= size && n.is_multiple_of(size) {
                return write!(f, "{}{unit}", n / size);
            }
        }
        write!(f, "{n}")
    }
}

/// Parses `10MiB`, `512KiB`, `1MB`, `1GiB`, `2048`.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let bad = || format!("invalid size {s:?}: use e.g. 10MiB, 512KiB or a number of bytes");
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let n: f64 = t[..split].parse().map_err(|_| bad())?;
    let mult: u64 = match t[split..].trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1000,
        "kib" => 1024,
        "m" | "mb" => 1_000_000,
        "mib" => 1024 * 1024,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1024 * 1024 * 1024,
        _ => return Err(bad()),
    };
    let v = n * mult as f64;
    if v > 1e12 {
        return Err(format!("invalid size {s:?}: far too large"));
    }
    if !(1.0..=1e12).contains(&v) {
        return Err(bad());
    }
    Ok(v as u64)
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_duration(input: &str, expected: Option<u64>) {
        assert_eq!(
            parse_duration(input).ok().map(|d| d.as_millis() as u64),
            expected,
            "{input}"
        );
    }

    #[test]
    fn durations() {
        check_duration("30s", Some(30_000));
        check_duration("10m", Some(600_000));
        check_duration("1h30m", Some(5_400_000));
        check_duration("400d", Some(400 * 86_400_000));
        check_duration("250ms", Some(250));
        check_duration("10", None);
        check_duration("10x", None);
        check_duration("", None);
        check_duration("m", None);
        // Too long to hold: an error, never a wrap-around or a panic.
        check_duration("18446744073709551615s1s", None);
        check_duration("99999999999999999999s", None);
        check_duration("18446744073709551615w", None);
        check_duration("18446744073709551615ms18446744073709551615s", None);
    }

    #[test]
    fn durations_and_sizes_are_written_back_as_people_write_them() {
        for (input, shown) in [
            ("0s", "0s"),
            ("250ms", "250ms"),
            ("90s", "1m30s"),
            ("1h30m", "1h30m"),
            ("36500d", "36500d"),
            ("1w", "7d"),
        ] {
            let d = parse_duration(input).map(HumanDuration);
            assert_eq!(d.map(|d| d.to_string()), Ok(shown.to_string()), "{input}");
        }
        assert_eq!(ByteSize(1 << 30).to_string(), "1GiB");
        assert_eq!(ByteSize(10 << 20).to_string(), "10MiB");
        assert_eq!(ByteSize(1023).to_string(), "1023");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10MiB"), Ok(10 * 1024 * 1024));
        assert_eq!(parse_size("1kb"), Ok(1000));
        assert_eq!(parse_size("2048"), Ok(2048));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("0").is_err());
    }

    fn error_of(toml: &str) -> String {
        Config::parse(toml, Path::new("/etc/earshot/t.toml"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let e = error_of("[http]\ntimeout = \"10x\"\n");
        assert!(e.starts_with("/etc/earshot/t.toml:2:"), "{e}");
        assert!(
            e.contains("timeout") && e.contains("invalid duration"),
            "{e}"
        );

        let e = error_of("[[watch]]\nname = \"a\"\nterms = [\"a\"]\nbogus = 1\n");
        assert!(e.contains(":4:") && e.contains("bogus"), "{e}");

        let e = error_of(
            "[[watch]]\nname = \"a\"\nterms = [\"a\"]\n[[source]]\nname = \"s\"\nkind = \"feed\"\nurl = \"http://x/\"\nwatches = [\"nope\"]\n",
        );
        assert!(
            e.contains(":8:") && e.contains("unknown watch \"nope\""),
            "{e}"
        );

        let e = error_of(
            "[[source]]\nname = \"s\"\nkind = \"feed\"\nurl = \"ftp://x/\"\n[[source]]\nname = \"t\"\nkind = \"feed\"\nurl = \"http://x/\"\n",
        );
        assert!(e.contains(":4:") && e.contains("scheme"), "{e}");

        let e = error_of(
            "[[source]]\nname = \"s\"\nkind = \"feed\"\nurl = \"http://x/\"\n[[source]]\nname = \"s\"\nkind = \"feed\"\nurl = \"http://x/\"\n",
        );
        assert!(
            e.contains(":6:") && e.contains("duplicate source name"),
            "{e}"
        );

        let e = error_of("[[watch]]\nname = \"a\"\nregex = ['(unclosed']\n");
        assert!(e.contains(":3:") && e.contains("invalid regex"), "{e}");
    }

    #[test]
    fn secrets_do_not_show_in_debug() {
        let s = Secret("abcd-efgh-ijkl-mnop".into());
        assert_eq!(format!("{s:?}"), "Secret(…)");
        assert_eq!(s.expose(), "abcd-efgh-ijkl-mnop");
    }

    #[test]
    fn each_kind_takes_only_its_own_keys() {
        let source = |body: &str| format!("[[source]]\nname = \"s\"\n{body}");
        for (body, key, kind) in [
            (
                "kind = \"hackernews\"\nquery = \"q\"\nheader_env = { a = \"B\" }\n",
                "header_env",
                "hackernews",
            ),
            (
                "kind = \"feed\"\nurl = \"http://x/\"\nmax_pages = 2\n",
                "max_pages",
                "feed",
            ),
            (
                "kind = \"reviews\"\nurl = \"http://x/\"\nhashtags = [\"ns\"]\n",
                "hashtags",
                "reviews",
            ),
            (
                "kind = \"appstore\"\napp_id = \"1\"\ncountries = [\"nl\"]\nquery = \"q\"\n",
                "query",
                "appstore",
            ),
        ] {
            let e = error_of(&source(body));
            assert!(
                e.contains(&format!("key `{key}` does not apply to kind \"{kind}\"")),
                "{e}"
            );
        }
    }

    #[test]
    fn relative_database_is_relative_to_config_file() {
        let c = Config::parse(
            "[storage]\ndatabase = \"x.db\"\n",
            Path::new("/srv/e/earshot.toml"),
        )
        .unwrap();
        assert_eq!(c.storage.database, PathBuf::from("/srv/e/x.db"));
    }
}

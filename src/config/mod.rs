//! The watch list: TOML on disk → raw serde structs → one validated [`Config`].
//!
//! Everything a user can get wrong is caught here, once, at load: unknown keys,
//! bad URLs, durations and sizes, duplicate names, references to watches that do
//! not exist, regexes that do not compile. Errors name the file, line and key.
//! Later stages take typed values (durations, parsed URLs) and never re-validate.

mod alerts;
mod database;
mod learn;
mod schema;
mod secret;
mod sources;
mod values;
mod watches;
mod web;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use url::Url;

pub use database::{server, Database, Server};

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
    DigestSchedule, EmailNotifier, Mode, Notifier, NotifierKind, Route, SmtpTransport, Spike,
    WebhookNotifier,
};
pub use learn::Learn;
pub use schema::schema;
pub use secret::Secret;
pub use sources::{
    AppstoreOptions, BlueskyOptions, ClientCredentials, FeedOptions, HackernewsOptions,
    HtmlOptions, HtmlSelectors, JsonMapping, JsonOptions, MastodonOptions, MatchMode,
    RedditOptions, ReviewsOptions, Source, SourceKind, SourceSpec,
};
pub use values::{parse_duration, parse_size, ByteSize, HumanDuration};
pub use watches::{CompiledWatches, Watch};
pub use web::Web;

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
    /// `[web]`: the web inbox (off unless `listen` is set).
    pub web: Web,
    /// `[learn]`: when the daemon trains the learned model again.
    pub learn: Learn,
}

#[derive(Debug, Clone)]
pub struct Storage {
    pub database: Database,
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

    /// Refuses the first watch or source name asked for that this config
    /// does not know (the command line's `--watch`/`--source`, the web's
    /// `watch=`/`source=`): a typo must not look like "no mentions".
    pub fn check_names(&self, watches: &[String], sources: &[String]) -> Result<(), UnknownName> {
        let known_watches: Vec<&str> = self.watches.iter().map(|w| w.name.as_str()).collect();
        let known_sources: Vec<&str> = self.sources.iter().map(|s| s.name.as_str()).collect();
        for (what, asked, known) in [
            ("watch", watches, &known_watches),
            ("source", sources, &known_sources),
        ] {
            if let Some(name) = asked.iter().find(|n| !known.contains(&n.as_str())) {
                return Err(UnknownName {
                    what,
                    name: name.clone(),
                    known: known.iter().map(|k| k.to_string()).collect(),
                });
            }
        }
        Ok(())
    }
}

/// A watch or source name the config does not know, with the ones it does
/// (see [`Config::check_names`]); callers say where the name came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    /// `watch` or `source`.
    pub what: &'static str,
    pub name: String,
    /// Every name of that kind the config has.
    pub known: Vec<String>,
}

impl UnknownName {
    /// `known: a, b`, or `none are configured`.
    pub fn known_list(&self) -> String {
        if self.known.is_empty() {
            "none are configured".to_string()
        } else {
            format!("known: {}", self.known.join(", "))
        }
    }
}

impl std::fmt::Display for UnknownName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "unknown {} {:?}; {}",
            self.what,
            self.name,
            self.known_list()
        )
    }
}

impl std::error::Error for UnknownName {}

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
    source: Vec<sources::RawSource>,
    #[serde(default)]
    daemon: alerts::RawDaemon,
    #[serde(default)]
    delivery: alerts::RawDelivery,
    #[serde(default)]
    notifier: Vec<alerts::RawNotifier>,
    #[serde(default)]
    route: Vec<alerts::RawRoute>,
    #[serde(default)]
    web: web::RawWeb,
    #[serde(default)]
    learn: learn::RawLearn,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStorage {
    #[serde(default = "default_database")]
    database: Spanned<String>,
    password_file: Option<Spanned<String>>,
    password_env: Option<Spanned<String>>,
    retention: Option<Spanned<HumanDuration>>,
}

impl Default for RawStorage {
    fn default() -> Self {
        RawStorage {
            database: default_database(),
            password_file: None,
            password_env: None,
            retention: None,
        }
    }
}

fn default_database() -> Spanned<String> {
    Spanned::new(0..0, "earshot.db".into())
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

// ---------------------------------------------------------------- validation

fn validate(raw: RawConfig, text: &str, path: &Path) -> Result<Config, ConfigError> {
    let err = |offset: usize, message: String| invalid(path, text, offset, &message);
    let base_dir = path.parent().unwrap_or(Path::new("."));

    let database = database::database(
        &raw.storage.database,
        &raw.storage.password_file,
        &raw.storage.password_env,
        base_dir,
        &err,
    )?;

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

    let sources = sources::validate_all(
        raw.source,
        &sources::Common {
            names: &names,
            default_interval: schedule.default_interval,
            base_dir,
            err: &err,
        },
    )?;

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

    let web = web::validate(raw.web, &err)?;
    let learn = learn::validate(raw.learn, &err)?;

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
        web,
        learn,
    })
}

fn join_sorted(set: &HashSet<String>) -> String {
    let mut v: Vec<&str> = set.iter().map(String::as_str).collect();
    v.sort_unstable();
    v.join(", ")
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
/// `[daemon] lease`: long enough to ride out a slow database, short enough
/// that a dead daemon's sources move on soon.
pub(crate) const LEASE: (Duration, Duration) = (Duration::from_secs(3), Duration::from_secs(3600));
pub(crate) const DEFAULT_LEASE: Duration = Duration::from_secs(60);
/// `[delivery] retry_for`.
pub(crate) const RETRY_FOR: (Duration, Duration) = (SECOND, days(365));
/// `[delivery] max_backoff`.
pub(crate) const DELIVERY_BACKOFF: (Duration, Duration) = (SECOND, days(7));
/// `[delivery] send_timeout`.
pub(crate) const SEND_TIMEOUT: (Duration, Duration) = (SECOND, Duration::from_secs(600));
/// A route's `max_per_hour`.
pub(crate) const MAX_PER_HOUR: (i64, i64) = (1, 10_000);
/// A route's `spike.negatives`: a burst is at least two.
pub(crate) const SPIKE_NEGATIVES: (i64, i64) = (2, 10_000);
/// A route's `spike.within`.
pub(crate) const SPIKE_WITHIN: (Duration, Duration) = (Duration::from_secs(60), days(1));

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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(
            c.storage.database,
            Database::Sqlite(PathBuf::from("/srv/e/x.db"))
        );
    }
}

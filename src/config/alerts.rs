//! The alerting part of the watch list: `[daemon]`, `[delivery]`,
//! `[[notifier]]` and `[[route]]`, validated like the rest.
//!
//! Secrets (SMTP passwords, webhook signing keys) are read here, once, from a
//! file or an environment variable; they are never required inline.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use chrono::{NaiveTime, Weekday};
use serde::Deserialize;
use toml::Spanned;
use url::Url;

use super::secret::secret;
use super::SOURCE_ALERT_AFTER;
use super::{count_within, duration_within, HumanDuration, Invalid};
use super::{DEFAULT_LEASE, DELIVERY_BACKOFF, LEASE, MAX_PER_HOUR, RETRY_FOR, SEND_TIMEOUT};
use super::{SPIKE_NEGATIVES, SPIKE_WITHIN};

#[derive(Debug, Clone)]
pub struct Daemon {
    /// For quiet hours and digest times.
    pub timezone: chrono_tz::Tz,
    /// `text` (one human line per event) or `json` (one object per line).
    pub log_format: LogFormat,
    /// A tracing filter: `info`, `earshot=debug`, …; a set `RUST_LOG` overrides it.
    pub log_level: String,
    /// Consecutive failures after which a source raises an alert.
    pub source_alert_after: u32,
    /// Notifiers told when a source starts failing and when it recovers.
    pub source_alerts: Vec<String>,
    /// Loopback address for `/healthz` and `/metrics`; off when `None`.
    pub listen: Option<std::net::SocketAddr>,
    /// How long a daemon's hold on a source lasts unless renewed (renewed
    /// every third of it): a daemon that dies loses its sources to the
    /// others sharing the store within this long.
    pub lease: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct Delivery {
    /// A delivery still failing this long after it was queued is given up.
    pub retry_for: Duration,
    /// Longest wait between two attempts of one delivery.
    pub max_backoff: Duration,
    /// Longest any one step of a send may take (an SMTP command and its
    /// reply, a webhook request with its answer) before the attempt fails.
    pub send_timeout: Duration,
}

#[derive(Debug, Clone)]
pub struct Notifier {
    pub name: String,
    pub kind: NotifierKind,
}

#[derive(Debug, Clone)]
pub enum NotifierKind {
    Email(EmailNotifier),
    Webhook(WebhookNotifier),
}

#[derive(Debug, Clone)]
pub struct EmailNotifier {
    pub to: Vec<String>,
    pub from: String,
    pub transport: SmtpTransport,
    pub username: Option<String>,
    pub password: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmtpTransport {
    /// `smtp://host:port`: STARTTLS required, except to a loopback host where
    /// plain SMTP is allowed (a local relay).
    Smtp { host: String, port: u16, tls: bool },
    /// `smtps://host:port`: TLS from the first byte.
    Smtps { host: String, port: u16 },
    /// The local `sendmail` binary.
    Sendmail,
}

#[derive(Debug, Clone)]
pub struct WebhookNotifier {
    pub url: Url,
    pub format: WebhookFormat,
    /// Key for the HMAC-SHA256 signature header of generic webhooks.
    pub secret: Option<String>,
    /// One message per batch of mentions (the default), or one per mention
    /// (`batch = false`: a chat team reacts to each complaint on its own).
    pub batch: bool,
}

/// The chat dialects a webhook notifier can speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    Generic,
    Slack,
    Teams,
    Discord,
    Mattermost,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Instant,
    Digest,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Instant => "instant",
            Mode::Digest => "digest",
        }
    }
}

/// When digests go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestSchedule {
    Hourly,
    Daily(NaiveTime),
    Weekly(Weekday, NaiveTime),
}

#[derive(Debug, Clone)]
pub struct Route {
    /// `name` from the file, or `route-N` (1-based position).
    pub name: String,
    /// `None` for `"*"`: every watch.
    pub watch: Option<String>,
    pub notify: Vec<String>,
    /// Only mentions with one of these sentiment labels; `None` for all.
    pub sentiment: Option<Vec<String>>,
    pub mode: Mode,
    /// The digest schedule (mode digest), and where instant alerts over
    /// `max_per_hour` roll into (default hourly).
    pub digest: DigestSchedule,
    /// Instant alerts wait while local time is in this window.
    pub quiet_hours: Option<(NaiveTime, NaiveTime)>,
    /// Instant alerts per watch per hour; beyond it they roll into `digest`.
    pub max_per_hour: Option<u32>,
    /// One alert for a burst of negative mentions of one watch (instant
    /// routes only).
    pub spike: Option<Spike>,
}

/// `spike = { negatives = 10, within = "30m" }`: when this many negative
/// mentions of one watch reach the route within `within`, its notifiers get
/// one spike alert and the rest of the window's negative alerts fold into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spike {
    pub negatives: u32,
    pub within: Duration,
}

// ---------------------------------------------------------------- raw

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDaemon {
    timezone: Option<Spanned<String>>,
    log_format: Option<LogFormat>,
    log_level: Option<Spanned<String>>,
    source_alert_after: Option<Spanned<i64>>,
    source_alerts: Option<Spanned<Vec<String>>>,
    listen: Option<Spanned<String>>,
    lease: Option<Spanned<HumanDuration>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDelivery {
    retry_for: Option<Spanned<HumanDuration>>,
    max_backoff: Option<Spanned<HumanDuration>>,
    send_timeout: Option<Spanned<HumanDuration>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNotifier {
    name: Spanned<String>,
    kind: Spanned<String>,
    // email
    to: Option<Spanned<Vec<String>>>,
    from: Option<Spanned<String>>,
    smtp: Option<Spanned<String>>,
    username: Option<String>,
    password_file: Option<Spanned<String>>,
    password_env: Option<Spanned<String>>,
    // webhook
    url: Option<Spanned<String>>,
    format: Option<Spanned<WebhookFormat>>,
    secret_file: Option<Spanned<String>>,
    secret_env: Option<Spanned<String>>,
    batch: Option<Spanned<bool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRoute {
    name: Option<Spanned<String>>,
    watch: Spanned<String>,
    notify: Spanned<Vec<String>>,
    sentiment: Option<Spanned<Vec<String>>>,
    #[serde(default = "default_mode")]
    mode: Mode,
    digest: Option<Spanned<String>>,
    quiet_hours: Option<Spanned<String>>,
    max_per_hour: Option<Spanned<i64>>,
    spike: Option<Spanned<RawSpike>>,
}

/// `spike = { negatives = N, within = "30m" }` (or a `[route.spike]` table).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSpike {
    negatives: Spanned<i64>,
    within: Spanned<HumanDuration>,
}

fn default_mode() -> Mode {
    Mode::Instant
}

pub(super) struct Alerts {
    pub daemon: Daemon,
    pub delivery: Delivery,
    pub notifiers: Vec<Notifier>,
    pub routes: Vec<Route>,
}

pub(super) fn validate(
    daemon: RawDaemon,
    delivery: RawDelivery,
    notifiers: Vec<RawNotifier>,
    routes: Vec<RawRoute>,
    watches: &HashSet<String>,
    base_dir: &Path,
    err: &dyn Fn(usize, String) -> Invalid,
) -> Result<Alerts, Invalid> {
    let timezone = match daemon.timezone {
        None => chrono_tz::Europe::Amsterdam,
        Some(t) => t.get_ref().parse().map_err(|_| {
            err(
                t.span().start,
                format!(
                    "unknown time zone {:?}: use an IANA name like \"Europe/Amsterdam\" or \"UTC\"",
                    t.get_ref()
                ),
            )
        })?,
    };
    let log_level = match daemon.log_level {
        None => "info".to_string(),
        Some(l) => {
            tracing_subscriber::EnvFilter::try_new(l.get_ref()).map_err(|e| {
                err(
                    l.span().start,
                    format!("invalid log_level {:?}: {e}", l.get_ref()),
                )
            })?;
            l.into_inner()
        }
    };
    let source_alert_after = match &daemon.source_alert_after {
        Some(n) => count_within("source_alert_after", n, SOURCE_ALERT_AFTER, err)?,
        None => 3,
    };
    let listen = match daemon.listen {
        None => None,
        Some(l) => {
            let addr: std::net::SocketAddr = l.get_ref().parse().map_err(|_| {
                err(
                    l.span().start,
                    format!(
                        "invalid listen address {:?}: use e.g. \"127.0.0.1:9187\"",
                        l.get_ref()
                    ),
                )
            })?;
            if !addr.ip().is_loopback() {
                return Err(err(
                    l.span().start,
                    format!("listen address {addr} is not loopback: /metrics is for local scrapers only"),
                ));
            }
            Some(addr)
        }
    };
    let delivery = Delivery {
        retry_for: match &delivery.retry_for {
            Some(d) => duration_within("retry_for", d, RETRY_FOR, err)?,
            None => Duration::from_secs(24 * 3600),
        },
        max_backoff: match &delivery.max_backoff {
            Some(d) => duration_within("max_backoff", d, DELIVERY_BACKOFF, err)?,
            None => Duration::from_secs(30 * 60),
        },
        send_timeout: match &delivery.send_timeout {
            Some(d) => duration_within("send_timeout", d, SEND_TIMEOUT, err)?,
            None => Duration::from_secs(30),
        },
    };

    let mut out_notifiers = Vec::new();
    let mut names = HashSet::new();
    for n in notifiers {
        let name = n.name.get_ref().trim().to_string();
        let at = n.name.span().start;
        if name.is_empty() {
            return Err(err(at, "notifier name is empty".into()));
        }
        if !names.insert(name.clone()) {
            return Err(err(at, format!("duplicate notifier name {name:?}")));
        }
        let kind = match n.kind.get_ref().as_str() {
            "email" => NotifierKind::Email(email(&n, &name, base_dir, err)?),
            "webhook" => NotifierKind::Webhook(webhook(&n, &name, base_dir, err)?),
            other => {
                return Err(err(
                    n.kind.span().start,
                    format!("notifier {name:?}: unknown kind {other:?} (email or webhook)"),
                ))
            }
        };
        out_notifiers.push(Notifier { name, kind });
    }

    let mut out_routes = Vec::new();
    let mut route_names = HashSet::new();
    for (i, r) in routes.into_iter().enumerate() {
        let name = r
            .name
            .as_ref()
            .map(|n| n.get_ref().trim().to_string())
            .unwrap_or_else(|| format!("route-{}", i + 1));
        let at = r.watch.span().start;
        if !route_names.insert(name.clone()) {
            return Err(err(at, format!("duplicate route name {name:?}")));
        }
        let watch = match r.watch.get_ref().as_str() {
            "*" => None,
            w if watches.contains(w) => Some(w.to_string()),
            w => {
                return Err(err(
                    at,
                    format!("route {name:?} names unknown watch {w:?} (use a watch name or \"*\")"),
                ))
            }
        };
        if r.notify.get_ref().is_empty() {
            return Err(err(
                r.notify.span().start,
                format!("route {name:?} notifies no one"),
            ));
        }
        for n in r.notify.get_ref() {
            if !names.contains(n) {
                return Err(err(
                    r.notify.span().start,
                    format!("route {name:?} names unknown notifier {n:?}"),
                ));
            }
        }
        let sentiment = match r.sentiment {
            None => None,
            Some(s) => {
                for l in s.get_ref() {
                    if !matches!(l.as_str(), "negative" | "neutral" | "positive") {
                        return Err(err(
                            s.span().start,
                            format!("unknown sentiment {l:?} (negative, neutral or positive)"),
                        ));
                    }
                }
                Some(s.into_inner())
            }
        };
        let digest = match &r.digest {
            Some(d) => parse_digest(d.get_ref()).map_err(|m| err(d.span().start, m))?,
            None if r.mode == Mode::Digest => {
                return Err(err(
                    at,
                    format!("route {name:?} has mode = \"digest\" but no `digest` schedule"),
                ))
            }
            None => DigestSchedule::Hourly,
        };
        let quiet_hours = match &r.quiet_hours {
            Some(q) => Some(parse_window(q.get_ref()).map_err(|m| err(q.span().start, m))?),
            None => None,
        };
        let max_per_hour = match &r.max_per_hour {
            Some(m) => Some(count_within("max_per_hour", m, MAX_PER_HOUR, err)?),
            None => None,
        };
        let spike = match &r.spike {
            None => None,
            Some(s) => {
                if r.mode != Mode::Instant {
                    return Err(err(
                        s.span().start,
                        format!("route {name:?}: `spike` folds instant alerts; it needs mode = \"instant\""),
                    ));
                }
                if sentiment
                    .as_ref()
                    .is_some_and(|l| !l.iter().any(|l| l == "negative"))
                {
                    return Err(err(
                        s.span().start,
                        format!("route {name:?}: `spike` counts negative mentions, but its `sentiment` leaves them out"),
                    ));
                }
                let raw = s.get_ref();
                Some(Spike {
                    negatives: count_within("negatives", &raw.negatives, SPIKE_NEGATIVES, err)?,
                    within: duration_within("within", &raw.within, SPIKE_WITHIN, err)?,
                })
            }
        };
        out_routes.push(Route {
            name,
            watch,
            notify: r.notify.into_inner(),
            sentiment,
            mode: r.mode,
            digest,
            quiet_hours,
            max_per_hour,
            spike,
        });
    }
    let source_alerts = match daemon.source_alerts {
        None => Vec::new(),
        Some(list) => {
            for n in list.get_ref() {
                if !names.contains(n) {
                    return Err(err(
                        list.span().start,
                        format!("source_alerts names unknown notifier {n:?}"),
                    ));
                }
            }
            list.into_inner()
        }
    };
    Ok(Alerts {
        daemon: Daemon {
            lease: match &daemon.lease {
                Some(d) => duration_within("lease", d, LEASE, err)?,
                None => DEFAULT_LEASE,
            },
            timezone,
            log_format: daemon.log_format.unwrap_or(LogFormat::Text),
            log_level,
            source_alert_after,
            source_alerts,
            listen,
        },
        delivery,
        notifiers: out_notifiers,
        routes: out_routes,
    })
}

fn email(
    n: &RawNotifier,
    name: &str,
    base_dir: &Path,
    err: &dyn Fn(usize, String) -> Invalid,
) -> Result<EmailNotifier, Invalid> {
    let at = n.name.span().start;
    if let Some(b) = &n.batch {
        return Err(err(
            b.span().start,
            format!("notifier {name:?}: `batch` is for webhook notifiers (an email alert is always one mention)"),
        ));
    }
    let need = |field: &str| err(at, format!("email notifier {name:?} needs `{field}`"));
    let to = n.to.as_ref().ok_or_else(|| need("to"))?;
    if to.get_ref().is_empty() {
        return Err(err(
            to.span().start,
            format!("notifier {name:?}: `to` is empty"),
        ));
    }
    for addr in to.get_ref() {
        check_mailbox(addr).map_err(|m| err(to.span().start, m))?;
    }
    let from = n.from.as_ref().ok_or_else(|| need("from"))?;
    check_mailbox(from.get_ref()).map_err(|m| err(from.span().start, m))?;
    let smtp = n.smtp.as_ref().ok_or_else(|| need("smtp"))?;
    let transport = parse_smtp(smtp.get_ref()).map_err(|m| err(smtp.span().start, m))?;
    let password = secret(&n.password_file, &n.password_env, base_dir, err)?;
    if password.is_some() && n.username.is_none() {
        return Err(err(
            at,
            format!("notifier {name:?}: a password needs a `username`"),
        ));
    }
    Ok(EmailNotifier {
        to: to.get_ref().clone(),
        from: from.get_ref().clone(),
        transport,
        username: n.username.clone(),
        password,
    })
}

fn webhook(
    n: &RawNotifier,
    name: &str,
    base_dir: &Path,
    err: &dyn Fn(usize, String) -> Invalid,
) -> Result<WebhookNotifier, Invalid> {
    let at = n.name.span().start;
    let url = n
        .url
        .as_ref()
        .ok_or_else(|| err(at, format!("webhook notifier {name:?} needs `url`")))?;
    let parsed = super::parse_http_url(url.get_ref())
        .map_err(|m| err(url.span().start, format!("notifier {name:?}: {m}")))?;
    Ok(WebhookNotifier {
        url: parsed,
        format: n
            .format
            .as_ref()
            .map_or(WebhookFormat::Generic, |f| *f.get_ref()),
        secret: secret(&n.secret_file, &n.secret_env, base_dir, err)?,
        batch: n.batch.as_ref().is_none_or(|b| *b.get_ref()),
    })
}

fn check_mailbox(s: &str) -> Result<(), String> {
    s.parse::<lettre::message::Mailbox>()
        .map(|_| ())
        .map_err(|e| format!("invalid email address {s:?}: {e}"))
}

/// `smtp://host[:port]`, `smtps://host[:port]`, or `sendmail`.
pub fn parse_smtp(s: &str) -> Result<SmtpTransport, String> {
    if s.trim() == "sendmail" {
        return Ok(SmtpTransport::Sendmail);
    }
    let url = Url::parse(s.trim()).map_err(|e| format!("invalid smtp {s:?}: {e}"))?;
    let host = url
        .host_str()
        .ok_or_else(|| format!("smtp {s:?} has no host"))?
        .trim_matches(['[', ']'])
        .to_string();
    match url.scheme() {
        "smtp" => {
            let loopback = host == "localhost"
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            Ok(SmtpTransport::Smtp {
                port: url.port().unwrap_or(587),
                tls: !loopback,
                host,
            })
        }
        "smtps" => Ok(SmtpTransport::Smtps {
            port: url.port().unwrap_or(465),
            host,
        }),
        other => Err(format!(
            "smtp {s:?}: scheme {other:?} is not smtp://, smtps:// or sendmail"
        )),
    }
}

/// `hourly`, `daily 09:00`, `weekly mon 09:00`.
pub fn parse_digest(s: &str) -> Result<DigestSchedule, String> {
    let bad =
        || format!("invalid digest {s:?}: use \"hourly\", \"daily 09:00\" or \"weekly mon 09:00\"");
    let parts: Vec<&str> = s.split_whitespace().collect();
    match parts.as_slice() {
        ["hourly"] => Ok(DigestSchedule::Hourly),
        ["daily", t] => Ok(DigestSchedule::Daily(parse_time(t).ok_or_else(bad)?)),
        ["weekly", d, t] => Ok(DigestSchedule::Weekly(
            d.parse::<Weekday>().map_err(|_| bad())?,
            parse_time(t).ok_or_else(bad)?,
        )),
        _ => Err(bad()),
    }
}

fn parse_time(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s, "%H:%M").ok()
}

/// `22:00-07:00`.
pub fn parse_window(s: &str) -> Result<(NaiveTime, NaiveTime), String> {
    let bad = || format!("invalid quiet_hours {s:?}: use \"22:00-07:00\"");
    let (a, b) = s.split_once('-').ok_or_else(bad)?;
    let (a, b) = (
        parse_time(a.trim()).ok_or_else(bad)?,
        parse_time(b.trim()).ok_or_else(bad)?,
    );
    if a == b {
        return Err(bad());
    }
    Ok((a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls() {
        assert_eq!(
            parse_smtp("smtp://mail.example.nl:587"),
            Ok(SmtpTransport::Smtp {
                host: "mail.example.nl".into(),
                port: 587,
                tls: true
            })
        );
        assert_eq!(
            parse_smtp("smtp://127.0.0.1:2525"),
            Ok(SmtpTransport::Smtp {
                host: "127.0.0.1".into(),
                port: 2525,
                tls: false
            })
        );
        assert_eq!(
            parse_smtp("smtps://mail.example.nl"),
            Ok(SmtpTransport::Smtps {
                host: "mail.example.nl".into(),
                port: 465
            })
        );
        assert_eq!(parse_smtp("sendmail"), Ok(SmtpTransport::Sendmail));
        assert!(parse_smtp("http://x").is_err());
    }

    #[test]
    fn digests_and_windows() {
        assert_eq!(parse_digest("hourly"), Ok(DigestSchedule::Hourly));
        assert_eq!(
            parse_digest("weekly mon 09:00"),
            Ok(DigestSchedule::Weekly(
                Weekday::Mon,
                NaiveTime::from_hms_opt(9, 0, 0).unwrap()
            ))
        );
        assert!(parse_digest("daily 25:00").is_err());
        assert!(parse_window("22:00-07:00").is_ok());
        assert!(parse_window("22:00").is_err());
    }
}

//! `earshot check`: validate the config and say what it sets up.
//!
//! The summary is written the way a person would write the config back, and
//! never shows a secret: no password, no signing key, and of a webhook URL
//! (which often carries its token in the path or query) only the scheme,
//! host and first path segment.

use std::io::Write;
use std::path::Path;

use url::Url;

use crate::config::{
    Config, EmailNotifier, MatchMode, NotifierKind, SmtpTransport, WebhookFormat, WebhookNotifier,
};

pub fn run(path: &Path) -> anyhow::Result<()> {
    // Loading compiles the watch list as the daemon uses it: a config that
    // loads here starts there.
    let config = Config::load(path)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "config OK: {}", config.path.display())?;
    let (engine, found) = crate::store::Store::probe(&config.storage.database)?;
    let known = crate::store::Store::known_version();
    let schema = match found {
        0 if engine == crate::store::db::Engine::Sqlite => {
            "not created yet (the first poll or run creates it)".to_string()
        }
        0 => "no earshot schema yet (run `earshot migrate`)".to_string(),
        f if f == known => format!("schema version {f}"),
        f if f < known => {
            format!("schema version {f}, older than this earshot's {known} (run `earshot migrate`)")
        }
        f => format!("schema version {f}, newer than this earshot knows ({known})"),
    };
    writeln!(
        out,
        "database: {} ({}, {schema})",
        config.storage.database,
        engine.as_str()
    )?;
    writeln!(
        out,
        "http: {} at most {} fetches at once, {} per host, timeout {}s, max body {} bytes",
        config.http.user_agent,
        config.http.max_concurrent,
        config.http.per_host,
        config.http.timeout.as_secs(),
        config.http.max_body
    )?;
    writeln!(out, "{} watch(es):", config.watches.len())?;
    for w in &config.watches {
        writeln!(
            out,
            "  {}: {} term(s), {} exclusion(s), {} regex(es)",
            w.name,
            w.terms.len(),
            w.exclude.len(),
            w.regex.len()
        )?;
    }
    writeln!(out, "{} source(s):", config.sources.len())?;
    for s in &config.sources {
        let watches = match (&s.watches, s.matching) {
            (Some(w), MatchMode::All) => format!("every item is a mention of {}", w.join(", ")),
            (Some(w), MatchMode::Terms) => w.join(", "),
            (None, _) => "all watches".into(),
        };
        writeln!(
            out,
            "  {} ({}, every {}): {} → {}",
            s.name,
            s.kind(),
            super::output::duration(s.interval),
            s.url,
            watches
        )?;
    }
    writeln!(out, "{} notifier(s):", config.notifiers.len())?;
    for n in &config.notifiers {
        let what = match &n.kind {
            NotifierKind::Email(e) => email(e),
            NotifierKind::Webhook(w) => webhook(w),
        };
        writeln!(out, "  {}: {what}", n.name)?;
    }
    writeln!(out, "{} route(s):", config.routes.len())?;
    for r in &config.routes {
        writeln!(
            out,
            "  {}: {} → {} ({}{}{}{})",
            r.name,
            r.watch.as_deref().unwrap_or("*"),
            r.notify.join(", "),
            r.mode.as_str(),
            r.sentiment
                .as_ref()
                .map(|s| format!(", only {}", s.join("/")))
                .unwrap_or_default(),
            r.max_per_hour
                .map(|m| format!(", at most {m}/hour per watch"))
                .unwrap_or_default(),
            r.spike
                .map(|s| format!(
                    ", spike at {} negative within {}",
                    s.negatives,
                    crate::config::HumanDuration(s.within)
                ))
                .unwrap_or_default(),
        )?;
    }
    writeln!(out, "{}", web(&config.web))?;
    Ok(())
}

/// `web: listening on 127.0.0.1:8080, reached at https://…/, sessions last 12h`.
fn web(w: &crate::config::Web) -> String {
    let Some(listen) = w.listen else {
        return "web: off (no [web] listen)".into();
    };
    let reached = match &w.base_url {
        Some(u) => format!(", reached at {u}"),
        None => String::new(),
    };
    let plain = if w.allow_plain_http && !listen.ip().is_loopback() && !w.secure_cookies() {
        ", plain HTTP off loopback allowed"
    } else {
        ""
    };
    format!(
        "web: listening on {listen}{reached}, sessions last {}{}{plain}",
        super::output::duration(w.session_lifetime),
        if w.secure_cookies() {
            ", Secure cookies"
        } else {
            ""
        }
    )
}

/// `email via smtp://mail.example.nl:587 (STARTTLS) as earshot → a@x.nl, b@x.nl`.
fn email(e: &EmailNotifier) -> String {
    let host = |h: &str| {
        if h.contains(':') {
            format!("[{h}]")
        } else {
            h.to_string()
        }
    };
    let via = match &e.transport {
        SmtpTransport::Smtp {
            host: h,
            port,
            tls: true,
        } => format!("smtp://{}:{port} (STARTTLS)", host(h)),
        SmtpTransport::Smtp {
            host: h,
            port,
            tls: false,
        } => format!("smtp://{}:{port} (plain, loopback relay)", host(h)),
        SmtpTransport::Smtps { host: h, port } => format!("smtps://{}:{port} (TLS)", host(h)),
        SmtpTransport::Sendmail => "the local sendmail".to_string(),
    };
    let login = e
        .username
        .as_ref()
        .map(|u| format!(" as {u}"))
        .unwrap_or_default();
    format!("email via {via}{login} → {}", e.to.join(", "))
}

/// `webhook slack https://hooks.slack.com/services/…`: the URL cut after its
/// first path segment (tokens live further on, or in the query).
fn webhook(w: &WebhookNotifier) -> String {
    let format = match w.format {
        WebhookFormat::Generic => "generic",
        WebhookFormat::Slack => "slack",
        WebhookFormat::Teams => "teams",
        WebhookFormat::Discord => "discord",
        WebhookFormat::Mattermost => "mattermost",
    };
    let signed = if w.secret.is_some() { " (signed)" } else { "" };
    let each = if w.batch {
        ""
    } else {
        ", one message per mention"
    };
    format!("webhook {format} {}{signed}{each}", url_prefix(&w.url))
}

/// Scheme, host, port and, when more path follows it, the first path
/// segment of `url`; `…` stands for whatever was left out. A token is a
/// later segment (Slack, Discord, Teams, Mattermost) or the query, so neither
/// is shown, nor a lone segment, nor the user and password.
fn url_prefix(url: &Url) -> String {
    let mut out = format!("{}://", url.scheme());
    match url.host() {
        Some(url::Host::Ipv6(ip)) => out.push_str(&format!("[{ip}]")),
        Some(h) => out.push_str(&h.to_string()),
        None => {}
    }
    if let Some(port) = url.port() {
        out.push_str(&format!(":{port}"));
    }
    let segments: Vec<&str> = url.path().split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        [] if url.query().is_none() && url.fragment().is_none() => out.push('/'),
        [first, _, ..] if first.chars().count() <= 24 => {
            out.push_str(&format!("/{first}/…"));
        }
        _ => out.push_str("/…"),
    }
    out
}

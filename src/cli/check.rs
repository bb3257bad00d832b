//! `earshot check`: validate the config and say what it sets up.

use std::io::Write;
use std::path::Path;

use crate::config::{Config, NotifierKind};
use crate::matcher::Matcher;

pub fn run(path: &Path) -> anyhow::Result<()> {
    let config = Config::load(path)?;
    // The matcher is what the daemon would build; build it here too so a watch
    // list that validates but cannot compile fails now, not at start.
    Matcher::new(&config.watches)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "config OK: {}", config.path.display())?;
    writeln!(out, "database: {}", config.storage.database.display())?;
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
        let watches = s
            .watches
            .as_ref()
            .map(|w| w.join(", "))
            .unwrap_or_else(|| "all watches".into());
        writeln!(
            out,
            "  {} ({}, every {}): {} → {}",
            s.name,
            s.kind,
            super::output::duration(s.interval),
            s.url,
            watches
        )?;
    }
    writeln!(out, "{} notifier(s):", config.notifiers.len())?;
    for n in &config.notifiers {
        let what = match &n.kind {
            NotifierKind::Email(e) => format!("email to {} via {:?}", e.to.join(", "), e.transport),
            NotifierKind::Webhook(w) => format!("{:?} webhook {}", w.format, w.url),
        };
        writeln!(out, "  {}: {what}", n.name)?;
    }
    writeln!(out, "{} route(s):", config.routes.len())?;
    for r in &config.routes {
        writeln!(
            out,
            "  {}: {} → {} ({}{}{})",
            r.name,
            r.watch.as_deref().unwrap_or("*"),
            r.notify.join(", "),
            r.mode.as_str(),
            r.sentiment
                .as_ref()
                .map(|s| format!(", only {}", s.join("/")))
                .unwrap_or_default(),
            r.max_per_hour
                .map(|m| format!(", at most {m}/hour"))
                .unwrap_or_default(),
        )?;
    }
    Ok(())
}

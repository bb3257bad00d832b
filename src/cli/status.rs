//! `earshot status`: is the daemon up, which sources fail, what waits in the
//! outbox, how big the database is, when the last mention came in. It exits 1
//! (after the report) when no daemon is running, so a monitoring check can
//! run it as it is.

use std::io::Write;

use chrono::Utc;

use crate::config::Config;
use crate::store::{Heartbeat, Store};

use super::output::{self, ReportFormat};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Text for people (times in [daemon] timezone), or one JSON object.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
}

/// A heartbeat older than this many heartbeat intervals means the daemon is
/// gone (or hung).
const STALE_BEATS: u64 = 3;

#[derive(serde::Serialize)]
struct Status {
    daemon_running: bool,
    daemon: Option<Heartbeat>,
    /// Every daemon on this store (several share a PostgreSQL database):
    /// its last heartbeat and the sources it holds.
    daemons: Vec<DaemonView>,
    sources_ok: usize,
    sources_failing: Vec<Failing>,
    sources_never_polled: usize,
    deliveries: std::collections::BTreeMap<String, i64>,
    /// Sends in flight, per notifier: how many and since when the oldest.
    sending: Vec<Sending>,
    database: String,
    database_bytes: u64,
    last_mention_at: Option<chrono::DateTime<Utc>>,
    last_mention: Option<String>,
    /// The learned model (issue #14): when it was last trained, and per
    /// language whether it is in use.
    learned_model: Option<LearnedModel>,
}

#[derive(serde::Serialize)]
struct DaemonView {
    #[serde(flatten)]
    report: crate::store::DaemonReport,
    running: bool,
}

#[derive(serde::Serialize)]
struct LearnedModel {
    version: i64,
    trained_at: chrono::DateTime<Utc>,
    /// Labels set or changed since that training.
    labels_since: i64,
    in_use: Vec<String>,
}

#[derive(serde::Serialize)]
struct Sending {
    notifier: String,
    deliveries: i64,
    since: chrono::DateTime<Utc>,
}

#[derive(serde::Serialize)]
struct Failing {
    source: String,
    error: String,
    since: Option<chrono::DateTime<Utc>>,
    failures: i64,
}

fn alive(pid: u32) -> bool {
    crate::daemon::process_alive(pid)
}

pub fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    let store = Store::open_read_only(&config.storage.database)?;
    let beat = store.last_heartbeat()?;
    let stale_secs = (STALE_BEATS * crate::daemon::HEARTBEAT.as_secs()) as i64;
    let here = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    let daemons: Vec<DaemonView> = store
        .daemon_reports(Utc::now())?
        .into_iter()
        .map(|d| DaemonView {
            running: d.stopped_at.is_none()
                && (Utc::now() - d.heartbeat_at).num_seconds() < stale_secs
                // A process on this machine can be asked; one elsewhere
                // is judged by its heartbeat alone.
                && (d.host != here || alive(u32::try_from(d.pid).unwrap_or(0))),
            report: d,
        })
        .collect();
    let running = beat.as_ref().is_some_and(|b| {
        b.stopped_at.is_none()
            && (Utc::now() - b.heartbeat_at).num_seconds() < stale_secs
            && alive(b.pid)
    }) || daemons.iter().any(|d| d.running);
    let reports = store.source_reports()?;
    let configured = |name: &str| config.sources.iter().any(|s| s.name == name);
    let failing: Vec<Failing> = reports
        .iter()
        .filter(|r| configured(&r.name) && r.consecutive_failures > 0)
        .map(|r| Failing {
            source: r.name.clone(),
            error: r.last_error.clone().unwrap_or_default(),
            since: r.failing_since,
            failures: r.consecutive_failures,
        })
        .collect();
    let polled = reports
        .iter()
        .filter(|r| configured(&r.name) && r.polls > 0)
        .count();
    let last = store.last_mention()?;
    let learned_model = match store.model_info()? {
        Some(info) => Some(LearnedModel {
            version: info.version,
            trained_at: info.trained_at,
            labels_since: store.labels_since(info.label_mark)?,
            in_use: serde_json::from_str::<crate::learn::Summary>(&info.summary)
                .map(|s| {
                    s.languages
                        .into_iter()
                        .filter(|l| l.used)
                        .map(|l| l.lang)
                        .collect()
                })
                .unwrap_or_default(),
        }),
        None => None,
    };
    let status = Status {
        daemon_running: running,
        daemon: beat,
        daemons,
        sources_ok: polled.saturating_sub(failing.len()),
        sources_never_polled: config.sources.len().saturating_sub(polled),
        sources_failing: failing,
        deliveries: store.delivery_counts()?.into_iter().collect(),
        sending: store
            .sending()?
            .into_iter()
            .map(|(notifier, deliveries, since)| Sending {
                notifier,
                deliveries,
                since,
            })
            .collect(),
        database: config.storage.database.to_string(),
        database_bytes: store.size_on_disk()?,
        last_mention_at: last.as_ref().map(|l| l.0),
        last_mention: last.as_ref().map(|l| format!("{}: {}", l.1, l.2)),
        learned_model,
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.format == ReportFormat::Json {
        output::json_line(&mut out, &status)?;
        return daemon_check(running, stale_secs);
    }
    let tz = config.daemon.timezone;
    let daemon = match (&status.daemon, running) {
        (Some(b), true) => format!(
            "running (pid {}, earshot {}, up since {}, heartbeat {}s ago)",
            b.pid,
            b.version,
            output::time(Some(b.started_at), tz),
            (Utc::now() - b.heartbeat_at).num_seconds()
        ),
        (Some(b), false) => match b.stopped_at {
            Some(t) => format!("not running (stopped {})", output::time(Some(t), tz)),
            None => format!(
                "not running (last heartbeat {}; it did not stop cleanly)",
                output::time(Some(b.heartbeat_at), tz)
            ),
        },
        (None, _) => "not running (never started on this database)".into(),
    };
    writeln!(out, "daemon:       {daemon}")?;
    let shown: Vec<&DaemonView> = status
        .daemons
        .iter()
        .filter(|d| d.running || !d.report.sources.is_empty())
        .collect();
    if !shown.is_empty() {
        writeln!(out, "daemons:      {} on this database", shown.len())?;
        for d in shown {
            let r = &d.report;
            let names: Vec<String> = r
                .sources
                .iter()
                .take(8)
                .map(|n| output::clean(n, 40))
                .collect();
            let more = r.sources.len().saturating_sub(names.len());
            writeln!(
                out,
                "  {}: earshot {}, heartbeat {} ({}s ago), holds {} source(s){}{}{}",
                output::clean(&r.id, 80),
                output::clean(&r.version, 20),
                output::time(Some(r.heartbeat_at), tz),
                (Utc::now() - r.heartbeat_at).num_seconds().max(0),
                r.sources.len(),
                if names.is_empty() { "" } else { ": " },
                names.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            )?;
        }
    }
    writeln!(
        out,
        "sources:      {} ok, {} failing, {} never polled",
        status.sources_ok,
        status.sources_failing.len(),
        status.sources_never_polled
    )?;
    for f in &status.sources_failing {
        writeln!(
            out,
            "  failing:    {}: {} (since {}, {} in a row)",
            output::clean(&f.source, 60),
            output::clean(&f.error, 160),
            output::time(f.since, tz),
            f.failures
        )?;
    }
    let count = |s: &str| status.deliveries.get(s).copied().unwrap_or(0);
    writeln!(
        out,
        "deliveries:   {} pending, {} failed, {} sent",
        count("pending"),
        count("failed"),
        count("sent")
    )?;
    for s in &status.sending {
        writeln!(
            out,
            "  sending:    {} to {} since {} ({}s)",
            s.deliveries,
            output::clean(&s.notifier, 40),
            output::time(Some(s.since), tz),
            (Utc::now() - s.since).num_seconds().max(0)
        )?;
    }
    writeln!(
        out,
        "database:     {} ({:.1} MB)",
        status.database,
        status.database_bytes as f64 / 1e6
    )?;
    match (&status.last_mention_at, &status.last_mention) {
        (Some(t), Some(m)) => writeln!(
            out,
            "last mention: {}  {}",
            output::time(Some(*t), tz),
            output::clean(m, 100)
        )?,
        _ => writeln!(out, "last mention: none yet")?,
    }
    match &status.learned_model {
        Some(m) => writeln!(
            out,
            "learned:      model version {} trained {}, in use for {}; {} labels since",
            m.version,
            output::time(Some(m.trained_at), tz),
            if m.in_use.is_empty() {
                "no language yet (the rules score alone)".to_string()
            } else {
                m.in_use.join(", ")
            },
            m.labels_since
        )?,
        None => writeln!(
            out,
            "learned:      no model trained yet (the rules score alone)"
        )?,
    }
    daemon_check(running, stale_secs)
}

/// The report is printed either way; the exit status says whether a daemon
/// is running (1 when not, through the error `main` prints).
fn daemon_check(running: bool, stale_secs: i64) -> anyhow::Result<()> {
    if running {
        Ok(())
    } else {
        Err(anyhow::anyhow!(
            "the daemon is not running (no live process has written a heartbeat in the last {stale_secs} s); start it with `earshot run` or check its service and log"
        ))
    }
}

//! Process-wide counters for Prometheus, and the optional loopback listener
//! that serves `/healthz` and `/metrics`.
//!
//! Counters are plain atomics in one static, bumped where things happen
//! (pipeline, dispatcher); rendering the text format is a pure function. The
//! listener is a two-route axum router served like the web inbox (hyper,
//! bounded connections and header reads), loopback only (config refuses
//! other addresses); it never answers anything but GET on its two paths.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

use axum::http::header;
use axum::routing::get;
use tokio_util::sync::CancellationToken;

/// Upper bounds (seconds) of the poll duration histogram.
const BUCKETS: [f64; 9] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

pub struct Metrics {
    pub polls_ok: AtomicU64,
    pub polls_not_modified: AtomicU64,
    pub polls_failed: AtomicU64,
    pub items: AtomicU64,
    pub mentions: AtomicU64,
    pub deliveries_sent: AtomicU64,
    pub deliveries_retrying: AtomicU64,
    pub deliveries_failed: AtomicU64,
    poll_buckets: [AtomicU64; BUCKETS.len()],
    poll_count: AtomicU64,
    poll_micros: AtomicU64,
}

pub static METRICS: Metrics = Metrics {
    polls_ok: AtomicU64::new(0),
    polls_not_modified: AtomicU64::new(0),
    polls_failed: AtomicU64::new(0),
    items: AtomicU64::new(0),
    mentions: AtomicU64::new(0),
    deliveries_sent: AtomicU64::new(0),
    deliveries_retrying: AtomicU64::new(0),
    deliveries_failed: AtomicU64::new(0),
    poll_buckets: [const { AtomicU64::new(0) }; BUCKETS.len()],
    poll_count: AtomicU64::new(0),
    poll_micros: AtomicU64::new(0),
};

impl Metrics {
    pub fn observe_poll(&self, took: Duration) {
        let secs = took.as_secs_f64();
        for (i, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                self.poll_buckets[i].fetch_add(1, Relaxed);
            }
        }
        self.poll_count.fetch_add(1, Relaxed);
        self.poll_micros
            .fetch_add(took.as_micros().min(u64::MAX as u128) as u64, Relaxed);
    }

    /// The Prometheus text exposition format.
    pub fn render(&self, failing_sources: usize, sources: usize) -> String {
        let mut s = String::new();
        let counter = |s: &mut String, name: &str, help: &str, rows: &[(&str, u64)]| {
            let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} counter");
            for (labels, v) in rows {
                let _ = writeln!(s, "{name}{labels} {v}");
            }
        };
        counter(
            &mut s,
            "earshot_polls_total",
            "Polls by outcome.",
            &[
                ("{outcome=\"ok\"}", self.polls_ok.load(Relaxed)),
                (
                    "{outcome=\"not_modified\"}",
                    self.polls_not_modified.load(Relaxed),
                ),
                ("{outcome=\"error\"}", self.polls_failed.load(Relaxed)),
            ],
        );
        counter(
            &mut s,
            "earshot_items_total",
            "Items parsed from fetched sources.",
            &[("", self.items.load(Relaxed))],
        );
        counter(
            &mut s,
            "earshot_mentions_total",
            "New mentions stored.",
            &[("", self.mentions.load(Relaxed))],
        );
        counter(
            &mut s,
            "earshot_deliveries_total",
            "Delivery attempts by result.",
            &[
                ("{result=\"sent\"}", self.deliveries_sent.load(Relaxed)),
                (
                    "{result=\"retrying\"}",
                    self.deliveries_retrying.load(Relaxed),
                ),
                ("{result=\"failed\"}", self.deliveries_failed.load(Relaxed)),
            ],
        );
        let _ = writeln!(s, "# HELP earshot_sources Configured sources.\n# TYPE earshot_sources gauge\nearshot_sources {sources}");
        let _ = writeln!(s, "# HELP earshot_sources_failing Sources whose last poll failed.\n# TYPE earshot_sources_failing gauge\nearshot_sources_failing {failing_sources}");
        let _ = writeln!(s, "# HELP earshot_poll_duration_seconds Time from fetch to stored, per poll.\n# TYPE earshot_poll_duration_seconds histogram");
        for (i, le) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                s,
                "earshot_poll_duration_seconds_bucket{{le=\"{le}\"}} {}",
                self.poll_buckets[i].load(Relaxed)
            );
        }
        let count = self.poll_count.load(Relaxed);
        let _ = writeln!(
            s,
            "earshot_poll_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            s,
            "earshot_poll_duration_seconds_sum {}",
            self.poll_micros.load(Relaxed) as f64 / 1e6
        );
        let _ = writeln!(s, "earshot_poll_duration_seconds_count {count}");
        s
    }
}

/// How many sources are failing right now (for systemd's STATUS line).
#[derive(Debug, Default)]
pub struct Health {
    failing: AtomicUsize,
}

impl Health {
    pub fn failing(&self) -> usize {
        self.failing.load(Relaxed)
    }

    /// At start: how many sources were already failing.
    pub fn set_failing(&self, n: usize) {
        self.failing.store(n, Relaxed);
    }

    /// A source's poll failed after one that did not.
    pub fn one_more_failing(&self) {
        self.failing.fetch_add(1, Relaxed);
    }

    /// A failing source's poll succeeded.
    pub fn one_less_failing(&self) {
        self.failing.fetch_sub(1, Relaxed);
    }
}

/// Binds `addr` now, so a taken port is an error at start.
pub fn bind(addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let l = std::net::TcpListener::bind(addr)?;
    l.set_nonblocking(true)?;
    Ok(l)
}

/// Serves `/healthz` and `/metrics` on `listener` until `cancel` fires,
/// then waits for the answers in flight.
pub async fn serve(
    listener: std::net::TcpListener,
    health: std::sync::Arc<Health>,
    sources: usize,
    cancel: CancellationToken,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::from_std(listener)?;
    tracing::info!(addr = %listener.local_addr()?, "serving /healthz and /metrics");
    let app = axum::Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route(
            "/metrics",
            get(move || async move {
                (
                    [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                    METRICS.render(health.failing(), sources),
                )
            }),
        );
    crate::web::serve_router(listener, app, cancel).await;
    Ok(())
}

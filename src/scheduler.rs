//! When each source is polled: its own interval with jitter, capped exponential
//! backoff after failures (honouring `Retry-After`), and prompt cancellation.
//!
//! One lightweight task per source; the politeness limits (global and per host)
//! live in `http` and `pipeline`, so the scheduler only decides *when*.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::{Schedule, Source};
use crate::notify::source_alerts::SourceAlerter;
use crate::pipeline::{next_delay, PollResult, Poller};
use crate::store::SourceState;

/// How many sources are failing right now (for systemd's STATUS line).
#[derive(Debug, Default)]
pub struct Health {
    failing: AtomicUsize,
}

impl Health {
    pub fn failing(&self) -> usize {
        self.failing.load(Ordering::Relaxed)
    }
}

/// What every source's loop shares.
#[derive(Clone)]
pub struct Shared {
    pub poller: Poller,
    pub schedule: Schedule,
    pub cancel: CancellationToken,
    pub health: Arc<Health>,
    pub alerter: Option<Arc<SourceAlerter>>,
}

/// Starts one polling loop per source on `tracker`; they stop when
/// `shared.cancel` fires.
pub fn spawn_all(
    tracker: &TaskTracker,
    shared: &Shared,
    sources: &[Source],
    states: &HashMap<String, SourceState>,
) {
    shared.health.failing.store(
        sources
            .iter()
            .filter(|s| {
                states
                    .get(&s.name)
                    .is_some_and(|st| st.consecutive_failures > 0)
            })
            .count(),
        Ordering::Relaxed,
    );
    for source in sources {
        let state = states.get(&source.name).cloned().unwrap_or_default();
        let first = first_delay(source, &state, &shared.schedule);
        tracker.spawn(source_loop(shared.clone(), source.clone(), state, first));
    }
}

/// A source polled recently waits out the rest of its interval; others start
/// within the first half minute, spread so they do not all fire at once.
fn first_delay(source: &Source, state: &SourceState, schedule: &Schedule) -> Duration {
    let spread = source.interval.min(Duration::from_secs(30)).as_secs_f64();
    let spread = Duration::from_secs_f64(rand::random_range(0.0..=spread));
    let Some(last) = state.last_poll_at else {
        return spread;
    };
    let elapsed = (Utc::now() - last).to_std().unwrap_or(Duration::ZERO);
    let due = next_delay(
        source.interval,
        state.consecutive_failures,
        None,
        schedule.max_backoff,
        0.0,
    );
    due.saturating_sub(elapsed).max(spread)
}

async fn source_loop(shared: Shared, source: Source, state: SourceState, first: Duration) {
    let Shared {
        poller,
        schedule,
        cancel,
        health,
        alerter,
    } = shared;
    let mut state = state;
    let mut failures = state.consecutive_failures;
    let mut delay = first;
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(delay) => {}
        }
        let result = tokio::select! {
            _ = cancel.cancelled() => return,
            // Boxed: the poll future is large and most of a source's life is
            // spent asleep; thousands of sleeping sources should stay small.
            r = Box::pin(poller.poll(&source, &state)) => r,
        };
        let mut retry_after = None;
        let mut last_error = None;
        let before = failures;
        let was_failing = failures > 0;
        match result {
            Ok(PollResult::NotModified) => failures = 0,
            Ok(PollResult::Fetched {
                validators,
                cursor,
                new_mentions,
                items,
            }) => {
                failures = 0;
                state.validators = validators;
                if cursor.is_some() {
                    state.cursor = cursor;
                }
                if !new_mentions.is_empty() {
                    tracing::info!(source = %source.name, items, new = new_mentions.len(), "new mentions");
                }
            }
            Ok(PollResult::Failed(e)) => {
                failures = failures.saturating_add(1);
                last_error = Some(e.to_string());
                if let crate::sources::SourceError::Fetch(f) = &e {
                    retry_after = f.retry_after();
                }
            }
            Err(e) => {
                // The database is unwell; keep trying at the normal pace.
                tracing::error!(source = %source.name, error = %e, "could not record poll");
            }
        }
        if let Some(a) = &alerter {
            a.observe(
                &source.name,
                source.url.as_str(),
                before,
                failures,
                last_error,
            );
        }
        match (was_failing, failures > 0) {
            (false, true) => {
                health.failing.fetch_add(1, Ordering::Relaxed);
            }
            (true, false) => {
                health.failing.fetch_sub(1, Ordering::Relaxed);
            }
            _ => {}
        }
        delay = next_delay(
            source.interval,
            failures,
            retry_after,
            schedule.max_backoff,
            schedule.jitter,
        );
    }
}

//! When each source is polled: its own interval with jitter, capped exponential
//! backoff after failures (honouring `Retry-After`), and prompt cancellation.
//!
//! One lightweight task per source; the politeness limits (global and per host)
//! live in `http` and `pipeline`, so the scheduler only decides *when*. With
//! several daemons on one store, a loop polls only while its daemon holds the
//! source's lease ([`Leases`], renewed by the daemon); on gaining a source it
//! takes over the state the other daemon left (validators, cursor, failures,
//! last poll) and keeps the source's pace.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::{Schedule, Source};
use crate::metrics::Health;
use crate::notify::source_alerts::SourceAlerter;
use crate::pipeline::{PollReport, Poller};
use crate::store::{PollOutcome, SourceState};

/// What every source's loop shares.
#[derive(Clone)]
pub struct Shared {
    pub poller: Poller,
    pub schedule: Schedule,
    pub cancel: CancellationToken,
    pub health: Arc<Health>,
    pub alerter: Option<Arc<SourceAlerter>>,
    pub leases: Arc<Leases>,
}

/// Which sources this daemon may poll now, as its last lease renewal left
/// them, and the stored state of those it gained from another daemon.
#[derive(Default)]
pub struct Leases {
    held: RwLock<HashSet<String>>,
    gained: Mutex<HashMap<String, SourceState>>,
    /// How often a loop whose source is held elsewhere looks again.
    pub recheck: Duration,
}

impl Leases {
    pub fn new(recheck: Duration) -> Leases {
        Leases {
            recheck,
            ..Leases::default()
        }
    }

    /// The outcome of a renewal: the sources held now, and the stored state
    /// of each one gained.
    pub fn update(&self, held: Vec<String>, gained: HashMap<String, SourceState>) {
        *self.held.write().unwrap_or_else(|p| p.into_inner()) = held.into_iter().collect();
        self.gained
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(gained);
    }

    pub fn holds(&self, source: &str) -> bool {
        self.held
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains(source)
    }

    fn take_gained(&self, source: &str) -> Option<SourceState> {
        self.gained
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(source)
    }
}

/// Starts one polling loop per source on `tracker`; they stop when
/// `shared.cancel` fires.
pub fn spawn_all(
    tracker: &TaskTracker,
    shared: &Shared,
    sources: &[Source],
    states: &HashMap<String, SourceState>,
) {
    shared.health.set_failing(
        sources
            .iter()
            .filter(|s| {
                states
                    .get(&s.name)
                    .is_some_and(|st| st.consecutive_failures > 0)
            })
            .count(),
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
        leases,
    } = shared;
    let mut state = state;
    let mut failures = state.consecutive_failures;
    let mut delay = first;
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(delay) => {}
        }
        if !leases.holds(&source.name) {
            // Another daemon polls it (or nobody yet): look again soon.
            delay = leases.recheck;
            continue;
        }
        if let Some(taken) = leases.take_gained(&source.name) {
            // Gained from another daemon: go on from where it left the source.
            state = taken;
            failures = state.consecutive_failures;
            let wait = remaining(&source, &state, &schedule);
            if !wait.is_zero() {
                delay = wait;
                continue;
            }
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
            Ok(PollReport {
                outcome: PollOutcome::NotModified,
                ..
            }) => failures = 0,
            Ok(PollReport {
                outcome:
                    PollOutcome::Fetched {
                        validators,
                        cursor,
                        items,
                    },
                new_mentions,
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
            Ok(PollReport {
                outcome:
                    PollOutcome::Failed {
                        error,
                        retry_after: after,
                    },
                ..
            }) => {
                failures = failures.saturating_add(1);
                last_error = Some(error);
                retry_after = after;
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
                health.one_more_failing();
            }
            (true, false) => {
                health.one_less_failing();
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

/// How long until a source whose state another daemon left is due.
fn remaining(source: &Source, state: &SourceState, schedule: &Schedule) -> Duration {
    let Some(last) = state.last_poll_at else {
        return Duration::ZERO;
    };
    let elapsed = (Utc::now() - last).to_std().unwrap_or(Duration::ZERO);
    next_delay(
        source.interval,
        state.consecutive_failures,
        None,
        schedule.max_backoff,
        0.0,
    )
    .saturating_sub(elapsed)
}

/// How long to wait before polling a source again.
fn next_delay(
    interval: Duration,
    consecutive_failures: u32,
    retry_after: Option<Duration>,
    max_backoff: Duration,
    jitter: f64,
) -> Duration {
    let base = if consecutive_failures == 0 {
        interval
    } else {
        let factor = 2u32.saturating_pow(consecutive_failures.saturating_sub(1).min(16));
        interval
            .saturating_mul(factor)
            .min(max_backoff.max(interval))
    };
    let base = base.max(retry_after.unwrap_or(Duration::ZERO));
    let spread = base.as_secs_f64() * jitter;
    let offset = if spread > 0.0 {
        rand::random_range(-spread..=spread)
    } else {
        0.0
    };
    Duration::try_from_secs_f64((base.as_secs_f64() + offset).max(1.0)).unwrap_or(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let i = Duration::from_secs(600);
        let cap = Duration::from_secs(3600);
        assert_eq!(next_delay(i, 0, None, cap, 0.0), i);
        assert_eq!(next_delay(i, 1, None, cap, 0.0), i);
        assert_eq!(next_delay(i, 2, None, cap, 0.0), i * 2);
        assert_eq!(next_delay(i, 3, None, cap, 0.0), i * 4);
        assert_eq!(next_delay(i, 9, None, cap, 0.0), cap);
        assert_eq!(next_delay(i, 40, None, cap, 0.0), cap);
        let ra = Duration::from_secs(7200);
        assert_eq!(next_delay(i, 1, Some(ra), cap, 0.0), ra);
        for _ in 0..50 {
            let d = next_delay(i, 0, None, cap, 0.1);
            assert!(d >= Duration::from_secs(540) && d <= Duration::from_secs(660));
        }
    }
}

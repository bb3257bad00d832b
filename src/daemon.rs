//! Wires the long-running tasks together: store writer, poller, scheduler.
//!
//! [`run`] takes the shutdown signal as a future so tests can stop it at will and
//! `main` can pass SIGTERM/Ctrl-C. [`poll_once`] runs one cycle for `earshot poll`.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::{Config, Source};
use crate::notify::dispatcher::{Dispatcher, PassReport};
use crate::pipeline::{PollResult, Poller};
use crate::scheduler;
use crate::store::writer::{Writer, WriterThread};
use crate::store::{SourceState, Store, StoreError};

/// How long shutdown waits for in-flight polls before leaving them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(8);

struct Started {
    poller: Poller,
    new_mentions: Arc<Notify>,
    writer: Writer,
    thread: WriterThread,
    states: std::collections::HashMap<String, SourceState>,
}

fn start(config: &Config) -> anyhow::Result<Started> {
    let mut store = Store::open(&config.storage.database)?;
    store
        .sync_sources(&config.sources)
        .context("registering sources")?;
    let states = store.source_states()?;
    let (writer, thread) = Writer::from_store(store);
    let new_mentions = Arc::new(Notify::new());
    let poller = Poller::new(config, writer.clone(), new_mentions.clone())?;
    Ok(Started {
        poller,
        new_mentions,
        writer,
        thread,
        states,
    })
}

async fn finish(started: Started) {
    let Started {
        poller,
        writer,
        thread,
        ..
    } = started;
    drop(poller);
    drop(writer);
    let _ = tokio::task::spawn_blocking(move || thread.join()).await;
}

/// Runs the daemon until `shutdown` resolves.
pub async fn run(config: Config, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    let started = start(&config)?;
    let tracker = TaskTracker::new();
    let cancel = CancellationToken::new();
    // The dispatcher first: whatever a previous run left pending goes out now.
    let dispatcher = Dispatcher::new(&config).context("starting the delivery dispatcher")?;
    tracker.spawn(dispatcher.run(started.new_mentions.clone(), cancel.clone()));
    scheduler::spawn_all(
        &tracker,
        &started.poller,
        &config.sources,
        &started.states,
        &config.schedule,
        &cancel,
    );
    tracker.close();
    tracing::info!(
        sources = config.sources.len(),
        watches = config.watches.len(),
        database = %config.storage.database.display(),
        "earshot running"
    );
    shutdown.await;
    tracing::info!("shutting down");
    cancel.cancel();
    if tokio::time::timeout(SHUTDOWN_GRACE, tracker.wait())
        .await
        .is_err()
    {
        tracing::warn!("some polls did not finish in time; they will be repeated next start");
    }
    finish(started).await;
    Ok(())
}

/// Polls each of `sources` once, concurrently within the politeness limits,
/// and returns what each poll did.
pub async fn poll_once(
    config: &Config,
    sources: &[Source],
) -> anyhow::Result<Vec<(String, Result<PollResult, StoreError>)>> {
    let started = start(config)?;
    let mut results: Vec<Option<Result<PollResult, StoreError>>> =
        (0..sources.len()).map(|_| None).collect();
    let mut tasks = tokio::task::JoinSet::new();
    // A poll waiting for its turn is a large future; start only about as many
    // as can make progress, not one per source.
    let starting = Arc::new(Semaphore::new(config.http.max_concurrent * 4));
    for (i, source) in sources.iter().enumerate() {
        let permit = starting
            .clone()
            .acquire_owned()
            .await
            .expect("never closed");
        let poller = started.poller.clone();
        let source = source.clone();
        let validators = started
            .states
            .get(&source.name)
            .map(|s| s.validators.clone())
            .unwrap_or_default();
        tasks.spawn(async move {
            let r = poller.poll(&source, &validators).await;
            drop(permit);
            (i, r)
        });
        while let Some(done) = tasks.try_join_next() {
            let (i, r) = done.context("a poll task panicked")?;
            results[i] = Some(r);
        }
    }
    while let Some(done) = tasks.join_next().await {
        let (i, r) = done.context("a poll task panicked")?;
        results[i] = Some(r);
    }
    finish(started).await;
    if !config.routes.is_empty() {
        // A one-shot poll also sends what it made due, so cron use alerts too.
        let dispatcher = Dispatcher::new(config).context("starting the delivery dispatcher")?;
        let r = dispatcher.pass(chrono::Utc::now()).await?;
        if r != PassReport::default() {
            tracing::info!(
                sent = r.sent,
                retrying = r.retrying,
                failed = r.failed,
                "deliveries"
            );
        }
    }
    Ok(sources
        .iter()
        .zip(results)
        .map(|(s, r)| (s.name.clone(), r.unwrap_or(Err(StoreError::WriterGone))))
        .collect())
}

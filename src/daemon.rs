//! Wires the long-running tasks together: store writer, poller, scheduler,
//! dispatcher, the web inbox and the metrics listener, and their lifecycle
//! (systemd readiness, watchdog, reload).
//!
//! [`run`] takes the shutdown signal as a future so tests can stop it at will and
//! `main` can pass SIGTERM/Ctrl-C; [`run_with_reload`] also takes SIGHUP.
//! [`poll_once`] runs one cycle for `earshot poll`.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::{mpsc, Notify, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::{Config, Source};
use crate::learn::{self, Slot};
use crate::metrics::Health;
use crate::notify::dispatcher::{Dispatcher, PassReport};
use crate::notify::source_alerts::SourceAlerter;
use crate::pipeline::{PollReport, Poller};
use crate::scheduler;
use crate::store::writer::{Writer, WriterThread};
use crate::store::DaemonIdentity;
use crate::store::{SourceState, Store, StoreError};
use crate::systemd;

/// How long shutdown waits for in-flight polls before leaving them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(8);

struct Started {
    new_mentions: Arc<Notify>,
    writer: Writer,
    thread: WriterThread,
    states: HashMap<String, SourceState>,
    /// The learned model the pollers score with (the stored one at start).
    learned: Arc<Slot>,
    /// Which sources this daemon polls (see `Upkeep::renew`).
    leases: Arc<scheduler::Leases>,
    /// This daemon among those sharing the store.
    me: DaemonIdentity,
}

fn start(config: &Config) -> anyhow::Result<Started> {
    let mut store = Store::open(&config.storage.database)?;
    store
        .sync_sources(&config.sources)
        .context("registering sources")?;
    let states = store.source_states()?;
    let learned = Arc::new(Slot::new(learn::load(&store)?));
    let (writer, thread) = Writer::from_store(store);
    Ok(Started {
        new_mentions: Arc::new(Notify::new()),
        writer,
        thread,
        states,
        learned,
        leases: Arc::new(scheduler::Leases::new(config.daemon.lease / 3)),
        me: DaemonIdentity::new(chrono::Utc::now()),
    })
}

async fn finish(started: Started) {
    let Started { writer, thread, .. } = started;
    drop(writer);
    let _ = tokio::task::spawn_blocking(move || thread.join()).await;
}

/// The tasks that depend on the config: one polling loop per source, the
/// dispatcher and the learner. A reload stops one generation and starts the
/// next; the store writer, the database and the learned model's slot
/// outlive them.
struct Generation {
    cancel: CancellationToken,
    tracker: TaskTracker,
}

impl Generation {
    fn spawn(
        config: &Config,
        started: &Started,
        states: &HashMap<String, SourceState>,
        health: &Arc<Health>,
    ) -> anyhow::Result<Generation> {
        let (writer, new_mentions) = (&started.writer, &started.new_mentions);
        let poller = Poller::new(
            config,
            writer.clone(),
            new_mentions.clone(),
            started.learned.clone(),
        )?;
        // The dispatcher first: whatever was left pending goes out now.
        let dispatcher = Dispatcher::new(config)
            .context("starting the delivery dispatcher")?
            .claiming_as(&started.me.id);
        let cancel = CancellationToken::new();
        let tracker = TaskTracker::new();
        tracker.spawn(dispatcher.run(new_mentions.clone(), cancel.clone()));
        let alerter =
            SourceAlerter::new(config, tracker.clone()).context("starting source alerts")?;
        let shared = scheduler::Shared {
            poller,
            schedule: config.schedule.clone(),
            cancel: cancel.clone(),
            health: health.clone(),
            alerter,
            leases: started.leases.clone(),
        };
        scheduler::spawn_all(&tracker, &shared, &config.sources, states);
        tracker.spawn(learn::run(
            config.clone(),
            started.learned.clone(),
            cancel.clone(),
        ));
        tracker.close();
        Ok(Generation { cancel, tracker })
    }

    /// Stops polling and waits for the dispatcher to finish its pass, so two
    /// dispatchers never send at once. Gives up waiting after `grace`.
    async fn stop(&self, grace: Duration) -> bool {
        self.cancel.cancel();
        tokio::time::timeout(grace, self.tracker.wait())
            .await
            .is_ok()
    }
}

fn status_line(config: &Config, health: &Health) -> String {
    format!(
        "polling {} sources, {} failing",
        config.sources.len(),
        health.failing()
    )
}

/// Whether a process of this machine exists (signal 0 only checks).
pub fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 sends nothing; it only checks that the process exists.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// How often the daemon writes its heartbeat (and checks whether retention is due).
pub const HEARTBEAT: Duration = Duration::from_secs(30);
/// How often retention prunes old mentions.
const PRUNE_EVERY: Duration = Duration::from_secs(24 * 3600);

/// The daemon's own bookkeeping in the database: heartbeat and retention.
struct Upkeep {
    store: Arc<std::sync::Mutex<Store>>,
    started_at: chrono::DateTime<chrono::Utc>,
    /// This daemon among those sharing the store.
    me: DaemonIdentity,
    last_prune: std::sync::Mutex<Option<std::time::Instant>>,
}

impl Upkeep {
    fn open(config: &Config, me: DaemonIdentity) -> anyhow::Result<Upkeep> {
        Ok(Upkeep {
            store: Arc::new(std::sync::Mutex::new(Store::open(
                &config.storage.database,
            )?)),
            started_at: chrono::Utc::now(),
            me,
            last_prune: std::sync::Mutex::new(None),
        })
    }

    /// Renews this daemon's leases (and heartbeat among the daemons), and
    /// hands the scheduler what it holds now, with the stored state of each
    /// source it gained. A failed renewal keeps the last view: the leases
    /// it holds stay valid until they expire, and another daemon takes over
    /// only after that.
    async fn renew(&self, config: &Config, leases: &scheduler::Leases) {
        let me = self.me.clone();
        let names: Vec<String> = config.sources.iter().map(|s| s.name.clone()).collect();
        let lease = i64::try_from(config.daemon.lease.as_secs()).unwrap_or(60);
        let renewed = self
            .with(move |s| {
                // Daemons of this machine whose process is gone (killed,
                // crashed) give up their sources and sends now, not when
                // their leases run out.
                let dead: Vec<String> = s
                    .daemon_reports(chrono::Utc::now())?
                    .into_iter()
                    .filter(|d| {
                        d.id != me.id
                            && d.host == me.host
                            && d.stopped_at.is_none()
                            && !process_alive(u32::try_from(d.pid).unwrap_or(0))
                    })
                    .map(|d| d.id)
                    .collect();
                let held = s.renew_leases(&me, &names, &dead, lease, chrono::Utc::now())?;
                let states = if held.gained.is_empty() {
                    HashMap::new()
                } else {
                    let mut all = s.source_states()?;
                    held.gained
                        .iter()
                        .filter_map(|n| all.remove_entry(n))
                        .collect()
                };
                Ok((held, states))
            })
            .await;
        match renewed {
            Ok((held, states)) => {
                if !held.gained.is_empty() {
                    tracing::info!(
                        gained = held.gained.len(),
                        holds = held.sources.len(),
                        daemons = held.live,
                        "took over sources"
                    );
                }
                leases.update(held.sources, states);
            }
            Err(e) => tracing::warn!(error = %e, "could not renew source leases"),
        }
    }

    /// Gives this daemon's sources back at a clean stop.
    async fn release(&self) {
        let me = self.me.clone();
        if let Err(e) = self
            .with(move |s| s.release_leases(&me, chrono::Utc::now()))
            .await
        {
            tracing::warn!(error = %e, "could not give back source leases");
        }
    }

    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(&mut store.lock().unwrap_or_else(|p| p.into_inner())))
            .await
            .unwrap_or(Err(StoreError::WriterGone))
    }

    async fn tick(&self, retention: Option<Duration>) {
        let started = self.started_at;
        let pid = std::process::id();
        if let Err(e) = self
            .with(move |s| s.heartbeat(pid, started, chrono::Utc::now()))
            .await
        {
            tracing::warn!(error = %e, "could not write the heartbeat");
        }
        let Some(keep) = retention else { return };
        let due = {
            let last = self.last_prune.lock().unwrap_or_else(|p| p.into_inner());
            last.is_none_or(|t| t.elapsed() >= PRUNE_EVERY)
        };
        if !due {
            return;
        }
        *self.last_prune.lock().unwrap_or_else(|p| p.into_inner()) =
            Some(std::time::Instant::now());
        // A retention too long to subtract keeps everything; it must never
        // turn into a cutoff of now, which would delete every mention.
        let Some(cutoff) = chrono::Duration::from_std(keep)
            .ok()
            .and_then(|keep| chrono::Utc::now().checked_sub_signed(keep))
        else {
            return;
        };
        match self.with(move |s| s.prune(cutoff)).await {
            Ok(p) if p.mentions > 0 || p.items > 0 => {
                tracing::info!(
                    mentions = p.mentions,
                    items = p.items,
                    "retention pruned old mentions"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "retention failed"),
        }
    }

    async fn stopped(&self) {
        if let Err(e) = self.with(|s| s.daemon_stopped(chrono::Utc::now())).await {
            tracing::warn!(error = %e, "could not record the stop");
        }
    }
}

/// Runs the daemon until `shutdown` resolves.
pub async fn run(config: Config, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    let (_keep, reload) = mpsc::channel(1);
    run_with_reload(config, shutdown, reload).await
}

/// [`run`], re-reading the config file each time `reload` yields (SIGHUP). A
/// new file that does not validate is rejected with its error logged, and the
/// running config stays.
pub async fn run_with_reload(
    mut config: Config,
    shutdown: impl Future<Output = ()>,
    mut reload: mpsc::Receiver<()>,
) -> anyhow::Result<()> {
    let started = start(&config)?;
    // The daemon's own tasks, beside the generations: the web inbox and the
    // metrics listener. The web inbox starts first: a daemon that cannot
    // serve it (no users, its port taken) does not start polling either.
    let tasks = TaskTracker::new();
    let mut web = match crate::web::Running::start(&Arc::new(config.clone()), &tasks).await {
        Ok(web) => web,
        Err(e) => {
            finish(started).await;
            return Err(e);
        }
    };
    let systemd = systemd::Notifier::from_env();
    let health = Arc::new(Health::default());
    let upkeep = Upkeep::open(&config, started.me.clone())?;
    // The sources this daemon holds, before any loop asks.
    upkeep.renew(&config, &started.leases).await;
    let mut generation = Generation::spawn(&config, &started, &started.states, &health)?;
    tracing::info!(
        sources = config.sources.len(),
        watches = config.watches.len(),
        database = %config.storage.database,
        "earshot running"
    );
    systemd.ready(&status_line(&config, &health));

    let listener_cancel = CancellationToken::new();
    if let Some(addr) = config.daemon.listen {
        let health = health.clone();
        let sources = config.sources.len();
        let cancel = listener_cancel.clone();
        let listener = crate::metrics::bind(addr)
            .with_context(|| format!("[daemon] listen = \"{addr}\": cannot bind"))?;
        tasks.spawn(async move {
            if let Err(e) = crate::metrics::serve(listener, health, sources, cancel).await {
                tracing::error!(%addr, error = %e, "metrics listener stopped");
            }
        });
    }
    let mut upkeep_tick = tokio::time::interval(HEARTBEAT);
    upkeep_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut lease_tick = tokio::time::interval(config.daemon.lease / 3);
    lease_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

    let watchdog = systemd::Notifier::watchdog_interval();
    let mut ticker = tokio::time::interval(watchdog.unwrap_or(Duration::from_secs(30)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            _ = upkeep_tick.tick() => upkeep.tick(config.storage.retention).await,
            _ = lease_tick.tick() => upkeep.renew(&config, &started.leases).await,
            _ = ticker.tick() => {
                if watchdog.is_some() {
                    systemd.watchdog();
                }
                systemd.status(&status_line(&config, &health));
            }
            Some(()) = reload.recv() => {
                reload_config(&mut config, &mut generation, &started, &health, &systemd).await?;
                reload_web(&config, &mut web, &tasks).await;
            }
        }
    }
    tracing::info!("shutting down");
    systemd.stopping();
    if !generation.stop(SHUTDOWN_GRACE).await {
        tracing::warn!("some work did not finish in time; pending deliveries stay in the outbox");
    }
    listener_cancel.cancel();
    if let Some(web) = web.take() {
        if !web.stop(SHUTDOWN_GRACE).await {
            tracing::warn!("the web inbox did not stop in time");
        }
    }
    tasks.close();
    if tokio::time::timeout(SHUTDOWN_GRACE, tasks.wait())
        .await
        .is_err()
    {
        tracing::warn!("the metrics listener did not stop in time");
    }
    upkeep.release().await;
    upkeep.stopped().await;
    finish(started).await;
    Ok(())
}

/// One reload (SIGHUP): re-reads `config`'s file and, when it validates,
/// stops `generation` and starts the next on the new config. A file that does
/// not validate is logged and the running config stays. Only failing to start
/// the next generation is an error, which stops the daemon as it would at start.
async fn reload_config(
    config: &mut Config,
    generation: &mut Generation,
    started: &Started,
    health: &Arc<Health>,
    systemd: &systemd::Notifier,
) -> anyhow::Result<()> {
    let path = config.path.clone();
    let mut next = match Config::load(&path) {
        Ok(next) => next,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "reload rejected; still running the previous config");
            systemd.status(&format!(
                "reload of {} rejected; running the previous config",
                path.display()
            ));
            return Ok(());
        }
    };
    systemd.reloading();
    if next.storage.database != config.storage.database {
        tracing::warn!("[storage] database changes take effect at the next restart");
        next.storage.database = config.storage.database.clone();
    }
    if !generation.stop(Duration::from_secs(60)).await {
        tracing::warn!("the previous dispatcher pass took over a minute to finish");
    }
    let states = {
        let db = next.storage.database.clone();
        let sources = next.sources.clone();
        // Changed watches may match items already seen: re-read every feed
        // in full once.
        let rescan = next.watches != config.watches;
        tokio::task::spawn_blocking(move || {
            let mut store = Store::open(&db)?;
            store.sync_sources(&sources)?;
            if rescan {
                store.clear_validators()?;
            }
            store.source_states()
        })
        .await
        .context("reload task")??
    };
    *generation = Generation::spawn(&next, started, &states, health)?;
    *config = next;
    tracing::info!(
        sources = config.sources.len(),
        watches = config.watches.len(),
        routes = config.routes.len(),
        "config reloaded"
    );
    systemd.ready(&status_line(config, health));
    Ok(())
}

/// After a reload: the web inbox serves the new config; when `[web]
/// listen` changed it stops and starts again on the new address. Failing
/// to start (no users, a port taken) is logged and leaves it off: a
/// running daemon does not stop over its web inbox.
async fn reload_web(config: &Config, web: &mut Option<crate::web::Running>, tasks: &TaskTracker) {
    let next = Arc::new(config.clone());
    if let Some(running) = web.as_ref() {
        if Some(running.listen()) == config.web.listen {
            running.set_config(next);
            return;
        }
    }
    if let Some(running) = web.take() {
        tracing::info!(listen = %running.listen(), "stopping the web inbox: [web] listen changed");
        if !running.stop(SHUTDOWN_GRACE).await {
            tracing::warn!("the web inbox did not stop in time");
        }
    }
    match crate::web::Running::start(&next, tasks).await {
        Ok(started) => *web = started,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "the web inbox stays off");
        }
    }
}

/// Polls each of `sources` once, concurrently within the politeness limits,
/// and returns what each poll did.
/// `progress` hears of each source as its poll ends (for a progress line).
pub async fn poll_once(
    config: &Config,
    sources: &[Source],
    mut progress: impl FnMut(&Result<PollReport, StoreError>),
) -> anyhow::Result<Vec<(String, Result<PollReport, StoreError>)>> {
    let started = start(config)?;
    let poller = Poller::new(
        config,
        started.writer.clone(),
        started.new_mentions.clone(),
        started.learned.clone(),
    )?;
    let mut results: Vec<Option<Result<PollReport, StoreError>>> =
        (0..sources.len()).map(|_| None).collect();
    let mut tasks = tokio::task::JoinSet::new();
    // A poll waiting for its turn is a large future; start only about as many
    // as can make progress, not one per source. Most started polls are past
    // their fetch, waiting for a parse slot or for the store's next batch
    // (a few milliseconds; see `store::writer`): too few here and the
    // fetches run dry while they wait.
    let starting = Arc::new(Semaphore::new(config.http.max_concurrent * 16));
    for (i, source) in sources.iter().enumerate() {
        let permit = starting
            .clone()
            .acquire_owned()
            .await
            .expect("never closed");
        let poller = poller.clone();
        let source = source.clone();
        let state = started
            .states
            .get(&source.name)
            .cloned()
            .unwrap_or_default();
        tasks.spawn(async move {
            let r = poller.poll(&source, &state).await;
            drop(permit);
            (i, r)
        });
        while let Some(done) = tasks.try_join_next() {
            let (i, r) = done.context("a poll task panicked")?;
            progress(&r);
            results[i] = Some(r);
        }
    }
    while let Some(done) = tasks.join_next().await {
        let (i, r) = done.context("a poll task panicked")?;
        progress(&r);
        results[i] = Some(r);
    }
    drop(poller);
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

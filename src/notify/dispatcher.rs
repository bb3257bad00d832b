//! The outbox dispatcher: sends the deliveries that are due, retries failures
//! with capped exponential backoff (honouring `Retry-After`), gives up after the
//! retry budget, and marks every delivery it settles. It holds a watch's
//! instant alerts over its route's `max_per_hour` back into the next digest
//! (counted per watch, so one brand's burst never holds back another's), and
//! sends spike alerts and notices like any other delivery: a spike is decided
//! when its mentions are stored (`store::spikes`), never here.
//!
//! It owns its own database connection and reaches it through
//! `spawn_blocking`. A delivery is marked sent only after the receiver accepted
//! it, so a crash in between resends it — with the same Message-ID and
//! `X-Earshot-Delivery` header, so the receiving side can tell.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::stream::{self, StreamExt};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::plan::next_digest;
use super::render::{self, DigestInfo, FailedDelivery, Frame};
use super::{Outgoing, SendError, Sender};
use crate::config::{Config, Delivery, Route};
use crate::store::{DueDelivery, Mention, Store, StoreError};

/// Deliveries taken per pass.
const BATCH: usize = 1000;
/// Emails sent at once per notifier (lettre pools the connections).
const EMAIL_CONCURRENCY: usize = 8;
/// Longest sleep between passes when nothing is due sooner.
const IDLE_WAKE: Duration = Duration::from_secs(30);
/// First retry delay; doubles per attempt up to `[delivery] max_backoff`.
const FIRST_RETRY: Duration = Duration::from_secs(15);

pub struct Dispatcher {
    store: Arc<Mutex<Store>>,
    senders: HashMap<String, Arc<Sender>>,
    routes: HashMap<String, Route>,
    delivery: Delivery,
    frame: Frame,
    /// The daemon's wake-up (set by [`Dispatcher::run`]): a notice one lane
    /// queues for the others wakes them.
    wake: Option<Arc<Notify>>,
    /// Who claims deliveries (`store::Store::claim_due`): the daemon's id,
    /// or an id of its own for a one-shot pass.
    claimer: String,
    /// How long a claim by a dispatcher that is no live daemon stands.
    stale_secs: i64,
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PassReport {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

impl std::ops::AddAssign for PassReport {
    fn add_assign(&mut self, r: PassReport) {
        self.sent += r.sent;
        self.retrying += r.retrying;
        self.failed += r.failed;
    }
}

/// The pass's `now` moved on by the time the pass has taken: sends can take
/// up to `[delivery] send_timeout`, and their marks and retry times count
/// from when they ended. (Tests hand a pass a `now` of their own.)
struct Clock {
    start: DateTime<Utc>,
    started: std::time::Instant,
}

impl Clock {
    fn starting(start: DateTime<Utc>) -> Clock {
        Clock {
            start,
            started: std::time::Instant::now(),
        }
    }

    fn now(&self) -> DateTime<Utc> {
        self.start
            + chrono::Duration::from_std(self.started.elapsed()).unwrap_or(chrono::Duration::zero())
    }
}

/// One message to send: the deliveries it settles and how to render it.
struct Job {
    notifier: String,
    deliveries: Vec<DueDelivery>,
    kind: JobKind,
}

enum JobKind {
    Instant,
    Digest {
        route: String,
        due_at: DateTime<Utc>,
    },
    /// A spike alert or a `max_per_hour` notice: one message, any notifier.
    Notice,
}

impl Dispatcher {
    pub fn new(config: &Config) -> anyhow::Result<Dispatcher> {
        Dispatcher::with_store_path(config, &config.storage.database)
    }

    /// Claims deliveries as the daemon `id` (see `store::leases`): another
    /// daemon's dispatcher leaves them alone while this daemon is alive.
    pub fn claiming_as(mut self, id: &str) -> Dispatcher {
        self.claimer = id.to_string();
        self
    }

    pub fn with_store_path(
        config: &Config,
        db: &(impl crate::store::Location + ?Sized),
    ) -> anyhow::Result<Dispatcher> {
        let mut senders = HashMap::new();
        for n in &config.notifiers {
            senders.insert(
                n.name.clone(),
                Arc::new(Sender::new(n, &config.http, config.delivery.send_timeout)?),
            );
        }
        Ok(Dispatcher {
            claimer: crate::store::DaemonIdentity::new(chrono::Utc::now()).id,
            stale_secs: i64::try_from(config.daemon.lease.as_secs()).unwrap_or(60),
            store: Arc::new(Mutex::new(Store::open(db)?)),
            senders,
            routes: config
                .routes
                .iter()
                .map(|r| (r.name.clone(), r.clone()))
                .collect(),
            delivery: config.delivery.clone(),
            frame: Frame::of(config),
            wake: None,
        })
    }

    async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            let mut s = store.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut s)
        })
        .await
        .unwrap_or(Err(StoreError::WriterGone))
    }

    /// Runs until cancelled: one lane per notifier, each sending its own due
    /// deliveries after every wake-up (new mentions) and whenever its next
    /// delivery falls due. A notifier that is slow, stuck or down holds up
    /// only its own lane; every send is bounded by `[delivery] send_timeout`.
    pub async fn run(mut self, wake: Arc<Notify>, cancel: CancellationToken) {
        self.wake = Some(wake.clone());
        let this = Arc::new(self);
        if let Err(e) = this.fail_orphans(Utc::now()).await {
            tracing::error!(error = %e, "delivery pass failed");
        }
        let lanes = TaskTracker::new();
        let mut wakes = Vec::new();
        for notifier in this.senders.keys() {
            let lane_wake = Arc::new(Notify::new());
            wakes.push(lane_wake.clone());
            lanes.spawn(
                this.clone()
                    .lane(notifier.clone(), lane_wake, cancel.clone()),
            );
        }
        lanes.close();
        loop {
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = wake.notified() => wakes.iter().for_each(|w| w.notify_one()),
            }
        }
        // Each lane finishes the message it is sending (bounded by the send
        // timeout), so two dispatchers never send the same delivery at once.
        lanes.wait().await;
    }

    /// One notifier's lane: passes until cancelled.
    async fn lane(self: Arc<Self>, notifier: String, wake: Arc<Notify>, cancel: CancellationToken) {
        loop {
            match self.lane_pass(&notifier, Utc::now(), false).await {
                Ok((r, queued)) => {
                    if queued {
                        // It queued notices for the route's other notifiers.
                        if let Some(w) = &self.wake {
                            w.notify_one();
                        }
                    }
                    if r != PassReport::default() {
                        tracing::info!(
                            notifier = %notifier,
                            sent = r.sent,
                            retrying = r.retrying,
                            failed = r.failed,
                            "deliveries"
                        );
                    }
                }
                Err(e) => {
                    tracing::error!(notifier = %notifier, error = %e, "delivery pass failed")
                }
            }
            let name = notifier.clone();
            let wait = match self.db(move |s| s.next_due(&name)).await {
                Ok(Some(t)) => (t - Utc::now())
                    .to_std()
                    .unwrap_or(Duration::ZERO)
                    .min(IDLE_WAKE),
                _ => IDLE_WAKE,
            };
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = wake.notified() => {}
                _ = tokio::time::sleep(wait.max(Duration::from_millis(50))) => {}
            }
        }
    }

    /// Sends everything due at `now` (in batches until none is left).
    pub async fn pass(&self, now: DateTime<Utc>) -> Result<PassReport, StoreError> {
        self.pass_with(now, false).await
    }

    /// [`Dispatcher::pass`]; with `retry_now`, deliveries waiting out a retry
    /// delay go now too (`earshot deliver --retry-now`, after an outage).
    /// Every notifier's lane runs at once, as in the daemon.
    pub async fn pass_with(
        &self,
        now: DateTime<Utc>,
        retry_now: bool,
    ) -> Result<PassReport, StoreError> {
        let mut report = self.fail_orphans(now).await?;
        // A lane that holds a watch back queues a notice for each of the
        // route's notifiers: another round sends those of lanes already done.
        for _round in 0..2 {
            let lanes = self
                .senders
                .keys()
                .map(|n| self.lane_pass(n, now, retry_now));
            let mut queued = false;
            for r in futures_util::future::join_all(lanes).await {
                let (r, q) = r?;
                report += r;
                queued |= q;
            }
            if !queued {
                break;
            }
        }
        Ok(report)
    }

    /// Deliveries queued for a notifier that is no longer configured fail now:
    /// no lane will ever send them.
    async fn fail_orphans(&self, now: DateTime<Utc>) -> Result<PassReport, StoreError> {
        let known: Vec<String> = self.senders.keys().cloned().collect();
        let orphans = self.db(move |s| s.orphaned_deliveries(&known)).await?;
        let mut by_notifier: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for d in orphans {
            by_notifier.entry(d.notifier).or_default().push(d.id);
        }
        let mut report = PassReport::default();
        for (notifier, ids) in by_notifier {
            let msg = format!("notifier {notifier:?} is no longer configured");
            tracing::error!(notifier = %notifier, "{msg}");
            report.failed += ids.len();
            self.db(move |s| s.mark_attempt_failed(&ids, &msg, now, now, now, true))
                .await?;
        }
        Ok(report)
    }

    /// Sends everything due at `now` to one notifier; says too whether it
    /// queued `max_per_hour` notices (for this notifier, sent here, and for
    /// the route's others).
    async fn lane_pass(
        &self,
        notifier: &str,
        now: DateTime<Utc>,
        retry_now: bool,
    ) -> Result<(PassReport, bool), StoreError> {
        let Some(sender) = self.senders.get(notifier).cloned() else {
            return Ok((PassReport::default(), false));
        };
        let mut queued = false;
        let clock = Clock::starting(now);
        let mut report = PassReport::default();
        let mut seen = std::collections::HashSet::new();
        loop {
            let name = notifier.to_string();
            let (claimer, stale) = (self.claimer.clone(), self.stale_secs);
            let due = self
                .db(move |s| s.claim_due(&name, &claimer, now, BATCH, retry_now, stale))
                .await?;
            // A delivery retried in this pass stays pending; do not loop on it.
            let due: Vec<DueDelivery> = due.into_iter().filter(|d| seen.insert(d.id)).collect();
            let n = due.len();
            if n == 0 {
                break;
            }
            let (due, notices) = self.apply_hourly_limits(due, now).await?;
            queued |= notices;
            for job in self.jobs(due) {
                let r = self.run_job(&sender, job, &clock).await?;
                let m = &crate::metrics::METRICS;
                m.deliveries_sent
                    .fetch_add(r.sent as u64, std::sync::atomic::Ordering::Relaxed);
                m.deliveries_retrying
                    .fetch_add(r.retrying as u64, std::sync::atomic::Ordering::Relaxed);
                m.deliveries_failed
                    .fetch_add(r.failed as u64, std::sync::atomic::Ordering::Relaxed);
                report += r;
            }
            // Notices just queued are due now: one more round sends them.
            if n < BATCH && !notices {
                break;
            }
        }
        // What this pass claimed and did not settle is free for any
        // dispatcher again.
        let (name, claimer) = (notifier.to_string(), self.claimer.clone());
        self.db(move |s| s.release_claims(&name, &claimer)).await?;
        Ok((report, queued))
    }

    /// Instant deliveries over a route's `max_per_hour` for their watch
    /// (counted per route, notifier and watch over the last hour) roll into
    /// the route's next digest; the first time in an hour for a route and
    /// watch, the route's notifiers get a notice. Returns the deliveries to
    /// send now and whether notices were queued.
    async fn apply_hourly_limits(
        &self,
        due: Vec<DueDelivery>,
        now: DateTime<Utc>,
    ) -> Result<(Vec<DueDelivery>, bool), StoreError> {
        let mut keep = Vec::with_capacity(due.len());
        let mut counts: HashMap<(String, String, String), u32> = HashMap::new();
        let mut held: BTreeMap<(String, String, DateTime<Utc>), Vec<i64>> = BTreeMap::new();
        for d in due {
            let limit = self.routes.get(&d.route).and_then(|r| r.max_per_hour);
            let (Some(max), "instant") = (limit, d.mode.as_str()) else {
                keep.push(d);
                continue;
            };
            let key = (d.route.clone(), d.notifier.clone(), d.watch.clone());
            let sent = match counts.get_mut(&key) {
                Some(sent) => sent,
                None => {
                    let (route, notifier, watch) = key.clone();
                    let since = now - chrono::Duration::hours(1);
                    let sent = self
                        .db(move |s| s.instant_sent_since(&route, &notifier, &watch, since))
                        .await?;
                    counts.entry(key).or_insert(sent)
                }
            };
            if *sent < max {
                *sent += 1;
                keep.push(d);
            } else if let Some(route) = self.routes.get(&d.route) {
                held.entry((
                    d.route.clone(),
                    d.watch.clone(),
                    next_digest(route.digest, now, self.frame.tz),
                ))
                .or_default()
                .push(d.id);
            }
        }
        let mut queued = false;
        for ((route, watch, at), ids) in held {
            tracing::info!(
                route = %route,
                watch = %watch,
                count = ids.len(),
                "over max_per_hour: rolled into the next digest"
            );
            let notifiers = self
                .routes
                .get(&route)
                .map(|r| r.notify.clone())
                .unwrap_or_default();
            queued |= self
                .db(move |s| s.hold_back(&route, &watch, &ids, at, &notifiers, now))
                .await?;
        }
        Ok((keep, queued))
    }

    /// Groups due deliveries into messages: an email per instant delivery, a
    /// batch per webhook, a message per spike alert or notice, a digest per
    /// (notifier, route, period) with the alerts folded into spikes.
    fn jobs(&self, due: Vec<DueDelivery>) -> Vec<Job> {
        let mut instant: BTreeMap<String, Vec<DueDelivery>> = BTreeMap::new();
        let mut notices = Vec::new();
        let mut digests: BTreeMap<(String, String, DateTime<Utc>), Vec<DueDelivery>> =
            BTreeMap::new();
        for d in due {
            match d.mode.as_str() {
                "digest" | "folded" => digests
                    .entry((d.notifier.clone(), d.route.clone(), d.due_at))
                    .or_default()
                    .push(d),
                "spike" | "notice" => notices.push(Job {
                    notifier: d.notifier.clone(),
                    deliveries: vec![d],
                    kind: JobKind::Notice,
                }),
                _ => instant.entry(d.notifier.clone()).or_default().push(d),
            }
        }
        let mut jobs = Vec::new();
        for (notifier, ds) in instant {
            // One job per notifier: emails inside it go one per delivery, over
            // a few pooled connections at once; webhooks go batched.
            jobs.push(Job {
                notifier,
                deliveries: ds,
                kind: JobKind::Instant,
            });
        }
        jobs.extend(notices);
        for ((notifier, route, due_at), ds) in digests {
            jobs.push(Job {
                notifier,
                deliveries: ds,
                kind: JobKind::Digest { route, due_at },
            });
        }
        jobs
    }

    /// Renders and sends one job: a digest email carrying all its
    /// deliveries; else webhook bodies carrying the deliveries of the
    /// mentions they show, one after another; else an email per delivery, a
    /// few at once.
    async fn run_job(
        &self,
        sender: &Sender,
        job: Job,
        clock: &Clock,
    ) -> Result<PassReport, StoreError> {
        if let JobKind::Notice = job.kind {
            return self.send_notices(sender, job, clock).await;
        }
        let mention_ids: Vec<i64> = job.deliveries.iter().map(|d| d.mention_id).collect();
        let mentions = self.db(move |s| s.mentions_by_id(&mention_ids)).await?;
        let notifier = job.notifier.as_str();
        if let Some(r) = self.send_digest(sender, &job, &mentions, clock).await? {
            return Ok(r);
        }
        // A unit is rendered and sent on its own: the whole batch for a
        // webhook; for email, each delivery (two routes to one notifier get
        // two emails).
        let units: Vec<(Vec<Mention>, Vec<DueDelivery>)> = if sender.batches() {
            vec![(mentions, job.deliveries)]
        } else {
            job.deliveries
                .into_iter()
                .map(|d| {
                    let m = mentions.iter().find(|m| m.id == d.mention_id).cloned();
                    (m.into_iter().collect(), vec![d])
                })
                .collect()
        };
        // Rendered only when its turn comes; each message is marked as soon
        // as the receiver accepted it, so a crash resends only what was in
        // flight.
        let sends = units.into_iter().map(|(ms, ds)| async move {
            let (messages, rest) = by_mention(sender.render(&ms, &self.frame), ds);
            self.send_each(notifier, messages, rest, clock).await
        });
        let mut report = PassReport::default();
        let mut done = stream::iter(sends).buffer_unordered(EMAIL_CONCURRENCY);
        while let Some(r) = done.next().await {
            report += r?;
        }
        Ok(report)
    }

    /// A digest job's email: all its deliveries in one message that lists
    /// the route's unreported failed deliveries too (marked reported once it
    /// is sent). `None` for an instant job or a notifier without a digest
    /// form (webhooks: their digest goes as a batch).
    async fn send_digest(
        &self,
        sender: &Sender,
        job: &Job,
        mentions: &[Mention],
        clock: &Clock,
    ) -> Result<Option<PassReport>, StoreError> {
        let JobKind::Digest { route, due_at } = &job.kind else {
            return Ok(None);
        };
        if sender.batches() {
            return Ok(None);
        }
        let r = route.clone();
        let failures = self.db(move |s| s.unreported_failures(&r)).await?;
        let failed: Vec<FailedDelivery> = failures
            .iter()
            .map(|f| FailedDelivery {
                mention_id: f.mention_id,
                notifier: f.notifier.clone(),
                error: f.last_error.clone().unwrap_or_default(),
                title: f.title.clone(),
            })
            .collect();
        let mut spike_ids: Vec<i64> = job
            .deliveries
            .iter()
            .filter_map(|d| d.folded_into)
            .collect();
        spike_ids.sort_unstable();
        spike_ids.dedup();
        let spikes = self
            .db(move |s| {
                let mut out = Vec::new();
                for id in spike_ids {
                    out.extend(s.spike(id)?);
                }
                Ok(out)
            })
            .await?;
        let spikes: Vec<String> = spikes
            .iter()
            .map(|s| render::spike_line(s, &self.frame))
            .collect();
        let period = self.period_label(route, *due_at);
        let info = DigestInfo {
            route,
            period: &period,
        };
        let Some(digest) = sender.render_digest(&info, &spikes, mentions, &failed, &self.frame)
        else {
            return Ok(None);
        };
        let ids: Vec<i64> = job.deliveries.iter().map(|d| d.id).collect();
        let result = self
            .attempt(&job.deliveries, clock, digest.send(&ids))
            .await?;
        if result.is_ok() && !failures.is_empty() {
            let reported: Vec<i64> = failures.iter().map(|f| f.id).collect();
            let at = clock.now();
            self.db(move |s| s.mark_reported(&reported, at)).await?;
        }
        let mut report = PassReport::default();
        self.settle(&job.notifier, result, &job.deliveries, clock, &mut report)
            .await?;
        Ok(Some(report))
    }

    /// Sends a spike alert or `max_per_hour` notice per delivery, each
    /// rendered as it stands now (a spike's count so far). A spike pruned
    /// since (with its mention) has nothing left to say: settled as sent.
    async fn send_notices(
        &self,
        sender: &Sender,
        job: Job,
        clock: &Clock,
    ) -> Result<PassReport, StoreError> {
        let mut report = PassReport::default();
        for d in job.deliveries {
            let notice = match (d.mode.as_str(), d.spike_id) {
                ("spike", Some(id)) => self
                    .db(move |s| s.spike(id))
                    .await?
                    .map(|s| render::spike_notice(&s, &self.frame)),
                ("spike", None) => None,
                _ => {
                    let route = self.routes.get(&d.route);
                    Some(render::cap_notice(
                        &d.route,
                        &d.watch,
                        route.and_then(|r| r.max_per_hour),
                        route.map(|r| next_digest(r.digest, d.created_at, self.frame.tz)),
                        &self.frame,
                    ))
                }
            };
            let ds = [d];
            let result = match &notice {
                Some(n) => {
                    let ids = [ds[0].id];
                    self.attempt(&ds, clock, sender.render_notice(n).send(&ids))
                        .await?
                }
                None => Ok(()),
            };
            self.settle(&job.notifier, result, &ds, clock, &mut report)
                .await?;
        }
        Ok(report)
    }

    /// Sends each message with the deliveries it carries, one after
    /// another, each marked in flight, then sent or failed; `rest` (whose
    /// mention no longer exists: nothing to say) is settled as sent after
    /// them.
    async fn send_each(
        &self,
        notifier: &str,
        messages: Vec<(Outgoing<'_>, Vec<DueDelivery>)>,
        rest: Vec<DueDelivery>,
        clock: &Clock,
    ) -> Result<PassReport, StoreError> {
        let mut report = PassReport::default();
        for (message, ds) in messages {
            let ids: Vec<i64> = ds.iter().map(|d| d.id).collect();
            let result = self.attempt(&ds, clock, message.send(&ids)).await?;
            self.settle(notifier, result, &ds, clock, &mut report)
                .await?;
        }
        if !rest.is_empty() {
            self.settle(notifier, Ok(()), &rest, clock, &mut report)
                .await?;
        }
        Ok(report)
    }

    /// One attempt at one message carrying `ds`: the deliveries show as in
    /// flight (`earshot deliveries`, `status`) while the receiver has it.
    async fn attempt(
        &self,
        ds: &[DueDelivery],
        clock: &Clock,
        send: impl std::future::Future<Output = Result<(), SendError>>,
    ) -> Result<Result<(), SendError>, StoreError> {
        let ids: Vec<i64> = ds.iter().map(|d| d.id).collect();
        let at = clock.now();
        self.db(move |s| s.mark_sending(&ids, at)).await?;
        Ok(send.await)
    }

    /// Marks the deliveries one message carried: sent, or failed for now (to be
    /// retried after a backoff) or for good.
    async fn settle(
        &self,
        notifier: &str,
        result: Result<(), SendError>,
        ds: &[DueDelivery],
        clock: &Clock,
        report: &mut PassReport,
    ) -> Result<(), StoreError> {
        let ids: Vec<i64> = ds.iter().map(|d| d.id).collect();
        let now = clock.now();
        let e = match result {
            Ok(()) => {
                report.sent += ids.len();
                return self.db(move |s| s.mark_sent(&ids, now)).await;
            }
            Err(e) => e,
        };
        let attempts = ds.iter().map(|d| d.attempts).max().unwrap_or(0);
        let retry_at = now
            .checked_add_signed(self.backoff(attempts, e.retry_after))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        // A retry_for too long to subtract never gives up; it must never
        // become zero, which would give up at the first failure.
        let give_up_before = chrono::Duration::from_std(self.delivery.retry_for)
            .ok()
            .and_then(|d| now.checked_sub_signed(d))
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let expired = ds.iter().all(|d| d.created_at < give_up_before);
        if e.permanent || expired {
            report.failed += ids.len();
            tracing::error!(notifier = %notifier, error = %e, deliveries = ?ids, "delivery failed for good");
        } else {
            report.retrying += ids.len();
            tracing::warn!(notifier = %notifier, error = %e, retry_at = %retry_at, "delivery failed; will retry");
        }
        let permanent = e.permanent;
        self.db(move |s| {
            s.mark_attempt_failed(&ids, &e.message, now, retry_at, give_up_before, permanent)
        })
        .await
    }

    fn backoff(&self, attempts: u32, retry_after: Option<Duration>) -> chrono::Duration {
        let exp = FIRST_RETRY.saturating_mul(2u32.saturating_pow(attempts.min(20)));
        let d = exp
            .min(self.delivery.max_backoff)
            .max(retry_after.unwrap_or_default());
        chrono::Duration::from_std(d).unwrap_or_else(|_| chrono::Duration::hours(1))
    }

    fn period_label(&self, route: &str, due_at: DateTime<Utc>) -> String {
        let schedule = self.routes.get(route).map(|r| r.digest);
        let end = due_at.with_timezone(&self.frame.tz);
        let kind = match schedule {
            Some(crate::config::DigestSchedule::Daily(_)) => "daily digest",
            Some(crate::config::DigestSchedule::Weekly(..)) => "weekly digest",
            _ => "hourly digest",
        };
        format!("{kind} until {}", end.format("%Y-%m-%d %H:%M %Z"))
    }

    /// Sends a sample mention through one notifier now (`earshot test-alert`).
    pub async fn test_alert(&self, notifier: &str, sample: &Mention) -> Result<String, String> {
        let sender = self
            .senders
            .get(notifier)
            .ok_or_else(|| format!("no notifier named {notifier:?}"))?;
        let ids = [sample.id];
        sender
            .tell(std::slice::from_ref(sample), &ids, &self.frame)
            .await
            .map_err(|e| e.to_string())?;
        Ok(match sender.as_ref() {
            Sender::Email(mail) => format!("sent a sample email as {}", mail.message_id(&ids)),
            Sender::Webhook(hook) => format!("posted a sample {:?} payload", hook.format),
        })
    }
}

/// Pairs each message with the deliveries of the mentions it shows, in
/// order; the deliveries no message shows come back on their own.
fn by_mention(
    messages: Vec<Outgoing<'_>>,
    mut rest: Vec<DueDelivery>,
) -> (Vec<(Outgoing<'_>, Vec<DueDelivery>)>, Vec<DueDelivery>) {
    let mut paired = Vec::with_capacity(messages.len());
    for message in messages {
        let (mine, others): (Vec<DueDelivery>, Vec<DueDelivery>) = rest
            .into_iter()
            .partition(|d| message.mentions.contains(&d.mention_id));
        rest = others;
        paired.push((message, mine));
    }
    (paired, rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::tests::{mention, sender};

    fn due(id: i64, mention_id: i64) -> DueDelivery {
        DueDelivery {
            id,
            mention_id,
            watch: "acme".to_string(),
            route: "r".to_string(),
            notifier: "chat".to_string(),
            mode: "instant".to_string(),
            created_at: Utc::now(),
            due_at: Utc::now(),
            attempts: 0,
            spike_id: None,
            folded_into: None,
        }
    }

    #[test]
    fn messages_carry_the_deliveries_of_the_mentions_they_show() {
        let chat = sender("chat");
        let ms: Vec<Mention> = (1..=60).map(mention).collect();
        // Slack: 49 mentions a body, so two bodies. Mention 2 has two
        // deliveries (two routes); mention 99 is gone.
        let ds = vec![due(10, 1), due(11, 2), due(12, 2), due(13, 55), due(14, 99)];
        let (paired, rest) = by_mention(chat.render(&ms, &Frame::local(chrono_tz::UTC)), ds);
        let carried: Vec<Vec<i64>> = paired
            .iter()
            .map(|(_, ds)| ds.iter().map(|d| d.id).collect())
            .collect();
        assert_eq!(carried, vec![vec![10, 11, 12], vec![13]]);
        assert_eq!(rest.iter().map(|d| d.id).collect::<Vec<_>>(), vec![14]);
    }
}

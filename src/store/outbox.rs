//! The delivery outbox: what is due, marking sent or failed, holding alerts
//! back over a route's hourly cap (with the one notice that says so), and the
//! listing for `earshot deliveries`.

use chrono::{DateTime, Utc};

use super::db::{args, DbResult, Row, Sql, Value};
use super::{count_at, from_db_time, time_at, to_db_time, Mention, Result, Store};

/// A pending delivery whose time has come.
#[derive(Debug, Clone, PartialEq)]
pub struct DueDelivery {
    pub id: i64,
    /// The mention it shows; for a spike alert the mention that crossed the
    /// threshold, for a notice the first one held back.
    pub mention_id: i64,
    /// That mention's watch.
    pub watch: String,
    pub route: String,
    pub notifier: String,
    /// `instant` or `digest`; `folded` (into a spike: goes with the digest),
    /// `spike` (the spike alert) or `notice` (the route's hourly cap reached
    /// for `watch`).
    pub mode: String,
    pub created_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub attempts: u32,
    /// The spike a `spike` delivery announces.
    pub spike_id: Option<i64>,
    /// The spike a `folded` delivery was folded into.
    pub folded_into: Option<i64>,
}

/// A delivery as `earshot deliveries` lists it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DeliveryRow {
    pub id: i64,
    pub mention_id: i64,
    pub watch: String,
    pub title: String,
    pub route: String,
    pub notifier: String,
    pub mode: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub attempts: u32,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    /// Handed to the receiver at this time and not yet settled: a send in
    /// flight (or one cut short by a crash, retried on the next start).
    pub sending_since: Option<DateTime<Utc>>,
    /// The spike this alert was folded into (mode `folded`): not sent on its
    /// own, counted in the spike alert and listed in the route's next digest.
    pub folded_into: Option<i64>,
    /// The spike a spike alert (mode `spike`) announces.
    pub spike_id: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    /// `pending`, `sent` or `failed`; `None` for all.
    pub status: Option<String>,
    pub limit: Option<usize>,
}

/// The columns [`due_row`] reads, from `deliveries d JOIN mentions m`.
const DUE_COLUMNS: &str = "d.id, d.mention_id, d.route, d.notifier, d.mode, d.created_at,
    d.due_at, d.attempts, m.watch, d.spike_id, d.folded_into";

fn due_row(r: &Row) -> DbResult<DueDelivery> {
    Ok(DueDelivery {
        id: r.get(0)?,
        mention_id: r.get(1)?,
        route: r.get(2)?,
        notifier: r.get(3)?,
        mode: r.get(4)?,
        created_at: from_db_time(r.get(5)?),
        due_at: from_db_time(r.get(6)?),
        attempts: count_at(r, 7)?,
        watch: r.get(8)?,
        spike_id: r.get(9)?,
        folded_into: r.get(10)?,
    })
}

/// The columns [`delivery_row`] reads, from `deliveries d JOIN mentions m
/// JOIN items i LEFT JOIN spikes s ON s.id = d.spike_id`.
const DELIVERY_COLUMNS: &str = "d.id, d.mention_id, m.watch, i.title, d.route, d.notifier,
    d.mode, d.status, d.created_at, d.due_at, d.attempts, d.last_attempt_at, d.last_error,
    d.sent_at, d.sending_since, d.folded_into, d.spike_id, s.negatives";

fn delivery_row(r: &Row) -> DbResult<DeliveryRow> {
    let watch: String = r.get(2)?;
    let mode: String = r.get(6)?;
    let spike_id: Option<i64> = r.get(16)?;
    // A spike alert or notice is titled by what it says, not by the
    // mention it hangs on.
    let title = match mode.as_str() {
        "spike" => format!(
            "spike #{}: {} or more negative mentions of {watch}",
            spike_id.unwrap_or(0),
            r.get::<Option<i64>>(17)?.unwrap_or(0)
        ),
        "notice" => format!("notice: max_per_hour reached for watch {watch}"),
        _ => r.get(3)?,
    };
    Ok(DeliveryRow {
        id: r.get(0)?,
        mention_id: r.get(1)?,
        watch,
        title,
        route: r.get(4)?,
        notifier: r.get(5)?,
        mode,
        status: r.get(7)?,
        created_at: from_db_time(r.get(8)?),
        due_at: from_db_time(r.get(9)?),
        attempts: count_at(r, 10)?,
        last_attempt_at: time_at(r, 11)?,
        last_error: r.get(12)?,
        sent_at: time_at(r, 13)?,
        sending_since: time_at(r, 14)?,
        folded_into: r.get(15)?,
        spike_id,
    })
}

/// A notifier with how many of its pending deliveries are being sent, and
/// since when the oldest has been.
fn sending_row(r: &Row) -> DbResult<(String, i64, DateTime<Utc>)> {
    Ok((r.get(0)?, r.get(1)?, from_db_time(r.get(2)?)))
}

impl Store {
    /// Pending deliveries to `notifier` due at `now`, oldest first; with
    /// `retry_now`, also those waiting out a retry delay after a failed attempt.
    pub fn due_deliveries(
        &self,
        notifier: &str,
        now: DateTime<Utc>,
        limit: usize,
        retry_now: bool,
    ) -> Result<Vec<DueDelivery>> {
        self.read(|db| {
            db.query(
                &format!(
                    "SELECT {DUE_COLUMNS} FROM deliveries d JOIN mentions m ON m.id = d.mention_id
                     WHERE d.status = 'pending' AND d.notifier = ?4
                       AND (d.due_at <= ?1 OR (CAST(?3 AS BIGINT) <> 0 AND d.attempts > 0))
                     ORDER BY d.due_at, d.id LIMIT ?2"
                ),
                args![to_db_time(now), limit, retry_now, notifier],
            )?
            .iter()
            .map(due_row)
            .collect()
        })
    }

    /// Claims what is due to `notifier` at `now` for the dispatcher
    /// `claimer` (a daemon's id), up to `limit`, and returns it: with
    /// several daemons on one store each delivery is sent by one of them.
    /// A claim stands while its claimer is a live daemon (not stopped, a
    /// heartbeat within `stale_secs`), or, for a claimer that is no daemon
    /// (a one-shot `earshot deliver`), for `stale_secs` after it was made;
    /// after that another dispatcher may claim the delivery and send it,
    /// under the same Message-ID. Settling a delivery (sent, or failed for
    /// now) ends its claim; [`Store::release_claims`] ends the rest.
    pub fn claim_due(
        &mut self,
        notifier: &str,
        claimer: &str,
        now: DateTime<Utc>,
        limit: usize,
        retry_now: bool,
        stale_secs: i64,
    ) -> Result<Vec<DueDelivery>> {
        let now = to_db_time(now);
        self.write(|tx| {
            let ids: Vec<i64> = tx
                .query(
                    "SELECT d.id FROM deliveries d
                     WHERE d.status = 'pending' AND d.notifier = ?1
                       AND (d.due_at <= ?2 OR (CAST(?3 AS BIGINT) <> 0 AND d.attempts > 0))
                       AND (d.sending_by IS NULL OR d.sending_by = ?4
                            OR (EXISTS (SELECT 1 FROM daemons x WHERE x.id = d.sending_by)
                                AND NOT EXISTS (SELECT 1 FROM daemons x WHERE x.id = d.sending_by
                                    AND x.stopped_at IS NULL AND x.heartbeat_at > ?5))
                            OR (NOT EXISTS (SELECT 1 FROM daemons x WHERE x.id = d.sending_by)
                                AND COALESCE(d.claimed_at, 0) <= ?5))
                     ORDER BY d.due_at, d.id LIMIT ?6",
                    args![notifier, now, retry_now, claimer, now - stale_secs, limit],
                )?
                .iter()
                .map(|r| r.get(0))
                .collect::<DbResult<_>>()?;
            let mut due = Vec::with_capacity(ids.len());
            for id in ids {
                tx.execute(
                    "UPDATE deliveries SET sending_by = ?2, claimed_at = ?3 WHERE id = ?1",
                    args![id, claimer, now],
                )?;
                let row = tx.query_one(
                    &format!(
                        "SELECT {DUE_COLUMNS} FROM deliveries d JOIN mentions m ON m.id = d.mention_id
                         WHERE d.id = ?1"
                    ),
                    args![id],
                )?;
                due.push(due_row(&row)?);
            }
            Ok(due)
        })
    }

    /// Ends `claimer`'s claims on deliveries it did not settle (a pass that
    /// ended early, or a delivery moved to a digest).
    pub fn release_claims(&mut self, notifier: &str, claimer: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE deliveries SET sending_by = NULL, claimed_at = NULL
                 WHERE sending_by = ?1 AND notifier = ?2 AND status = 'pending'",
                args![claimer, notifier],
            )
            .map(|_| ())
        })
    }

    /// Pending deliveries to a notifier that is not among `known` (removed
    /// from the config since they were queued).
    pub fn orphaned_deliveries(&self, known: &[String]) -> Result<Vec<DueDelivery>> {
        let rows = self.read(|db| {
            db.query(
                &format!(
                    "SELECT {DUE_COLUMNS} FROM deliveries d JOIN mentions m ON m.id = d.mention_id
                     WHERE d.status = 'pending' ORDER BY d.id"
                ),
                args![],
            )?
            .iter()
            .map(due_row)
            .collect::<DbResult<Vec<_>>>()
        })?;
        Ok(rows
            .into_iter()
            .filter(|r| !known.contains(&r.notifier))
            .collect())
    }

    /// Records that these deliveries were handed to their receiver at `at`;
    /// settling the attempt (sent or failed) clears it.
    pub fn mark_sending(&mut self, ids: &[i64], at: DateTime<Utc>) -> Result<()> {
        self.update_each(
            ids,
            "UPDATE deliveries SET sending_since = ?2 WHERE id = ?1 AND status = 'pending'",
            args![to_db_time(at)],
        )
    }

    /// Per notifier, how many pending deliveries have a send in flight and
    /// since when the oldest has been.
    pub fn sending(&self) -> Result<Vec<(String, i64, DateTime<Utc>)>> {
        self.read(|db| {
            db.query(
                "SELECT notifier, count(*), min(sending_since) FROM deliveries
                 WHERE status = 'pending' AND sending_since IS NOT NULL
                 GROUP BY notifier ORDER BY notifier",
                args![],
            )?
            .iter()
            .map(sending_row)
            .collect()
        })
    }

    /// When the next pending delivery to `notifier` falls due, if any is pending.
    pub fn next_due(&self, notifier: &str) -> Result<Option<DateTime<Utc>>> {
        self.read(|db| {
            time_at(
                &db.query_one(
                    "SELECT min(due_at) FROM deliveries WHERE status = 'pending' AND notifier = ?1",
                    args![notifier],
                )?,
                0,
            )
        })
    }

    pub fn mark_sent(&mut self, ids: &[i64], at: DateTime<Utc>) -> Result<()> {
        self.update_each(
            ids,
            "UPDATE deliveries SET status = 'sent', sent_at = ?2, last_attempt_at = ?2,
                attempts = attempts + 1, sending_since = NULL WHERE id = ?1 AND status = 'pending'",
            args![to_db_time(at)],
        )
    }

    /// Records a failed attempt: the delivery waits until `retry_at`, or is
    /// marked failed when that would be past `give_up_at` or `permanent`.
    pub fn mark_attempt_failed(
        &mut self,
        ids: &[i64],
        error: &str,
        at: DateTime<Utc>,
        retry_at: DateTime<Utc>,
        give_up_before: DateTime<Utc>,
        permanent: bool,
    ) -> Result<()> {
        self.update_each(
            ids,
            "UPDATE deliveries SET attempts = attempts + 1, last_attempt_at = ?2, last_error = ?3,
                due_at = ?4, sending_since = NULL, sending_by = NULL, claimed_at = NULL,
                status = CASE WHEN CAST(?6 AS BIGINT) <> 0 OR created_at < ?5
                    THEN 'failed' ELSE 'pending' END
             WHERE id = ?1 AND status = 'pending'",
            args![
                to_db_time(at),
                error,
                to_db_time(retry_at),
                to_db_time(give_up_before),
                permanent
            ],
        )
    }

    /// Holds back instant deliveries of `route` about `watch` that are over
    /// its `max_per_hour`: they become digest deliveries due at `digest_at`.
    /// The first time in an hour this happens for the route and watch, each
    /// of `notifiers` also gets a notice (a delivery of mode `notice` on the
    /// first mention held back, due `now`). One write transaction, the check
    /// inside it (under the engine's write lock), so lanes or daemons
    /// racing, or a crash, neither double nor lose the notice. Returns
    /// whether a notice was queued.
    pub fn hold_back(
        &mut self,
        route: &str,
        watch: &str,
        ids: &[i64],
        digest_at: DateTime<Utc>,
        notifiers: &[String],
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let Some(first) = ids.first().copied() else {
            return Ok(false);
        };
        self.write(|tx| {
            for id in ids {
                tx.execute(
                    "UPDATE deliveries SET mode = 'digest', due_at = ?2
                     WHERE id = ?1 AND status = 'pending' AND mode = 'instant'",
                    args![*id, to_db_time(digest_at)],
                )?;
            }
            let told: bool = tx.query_value(
                "SELECT EXISTS (SELECT 1 FROM deliveries d JOIN mentions m ON m.id = d.mention_id
                 WHERE d.route = ?1 AND d.mode = 'notice' AND m.watch = ?2 AND d.created_at > ?3)",
                args![route, watch, to_db_time(now - chrono::Duration::hours(1))],
            )?;
            if told {
                return Ok(false);
            }
            let Some(mention) = tx
                .query_opt(
                    "SELECT mention_id FROM deliveries WHERE id = ?1",
                    args![first],
                )?
                .map(|r| r.get::<i64>(0))
                .transpose()?
            else {
                return Ok(false);
            };
            for n in notifiers {
                tx.execute(
                    "INSERT OR IGNORE INTO deliveries (mention_id, route, notifier, mode, created_at, due_at)
                     VALUES (?1, ?2, ?3, 'notice', ?4, ?4)",
                    args![mention, route, n, to_db_time(now)],
                )?;
            }
            Ok(true)
        })
    }

    /// Marks failed deliveries as reported in a digest.
    pub fn mark_reported(&mut self, ids: &[i64], at: DateTime<Utc>) -> Result<()> {
        self.update_each(
            ids,
            "UPDATE deliveries SET reported_at = ?2 WHERE id = ?1",
            args![to_db_time(at)],
        )
    }

    /// Runs `sql` once per id in one write transaction: `?1` is the id,
    /// `?2`… are `rest`.
    fn update_each(&mut self, ids: &[i64], sql: &str, rest: &[Value]) -> Result<()> {
        self.write(|tx| {
            let mut params = Vec::with_capacity(rest.len() + 1);
            for id in ids {
                params.clear();
                params.push(Value::Int(*id));
                params.extend_from_slice(rest);
                tx.execute(sql, &params)?;
            }
            Ok(())
        })
    }

    /// Instant deliveries of `route` to `notifier` about `watch` sent since
    /// `since`.
    pub fn instant_sent_since(
        &self,
        route: &str,
        notifier: &str,
        watch: &str,
        since: DateTime<Utc>,
    ) -> Result<u32> {
        self.read(|db| {
            count_at(
                &db.query_one(
                    "SELECT count(*) FROM deliveries d JOIN mentions m ON m.id = d.mention_id
                     WHERE d.route = ?1 AND d.notifier = ?2 AND d.mode = 'instant'
                       AND d.status = 'sent' AND d.sent_at >= ?3 AND m.watch = ?4",
                    args![route, notifier, to_db_time(since), watch],
                )?,
                0,
            )
        })
    }

    /// Failed deliveries of `route` not yet reported in a digest.
    pub fn unreported_failures(&self, route: &str) -> Result<Vec<DeliveryRow>> {
        self.delivery_rows(
            "d.route = ?1 AND d.status = 'failed' AND d.reported_at IS NULL",
            vec![route.into()],
            None,
        )
    }

    /// The mentions with these ids, in the order of `ids`.
    pub fn mentions_by_id(&self, ids: &[i64]) -> Result<Vec<Mention>> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            match self.mention(*id) {
                Ok(m) => out.push(m),
                Err(super::StoreError::NoSuchMention(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Deliveries newest first, for the command line.
    pub fn deliveries(&self, f: &DeliveryFilter) -> Result<Vec<DeliveryRow>> {
        match &f.status {
            Some(s) => self.delivery_rows("d.status = ?1", vec![s.into()], f.limit),
            None => self.delivery_rows("1 = 1", Vec::new(), f.limit),
        }
    }

    /// Deliveries meeting `condition` (its parameters numbered from `?1`,
    /// their values `params`), newest first.
    fn delivery_rows(
        &self,
        condition: &str,
        mut params: Vec<Value>,
        limit: Option<usize>,
    ) -> Result<Vec<DeliveryRow>> {
        let mut sql = format!(
            "SELECT {DELIVERY_COLUMNS}
             FROM deliveries d JOIN mentions m ON m.id = d.mention_id JOIN items i ON i.id = m.item_id
               LEFT JOIN spikes s ON s.id = d.spike_id
             WHERE {condition} ORDER BY d.id DESC"
        );
        if let Some(l) = limit {
            params.push(l.into());
            sql.push_str(&format!(" LIMIT ?{}", params.len()));
        }
        self.read(|db| db.query(&sql, &params)?.iter().map(delivery_row).collect())
    }

    /// How many deliveries are in each status.
    pub fn delivery_counts(&self) -> Result<Vec<(String, i64)>> {
        self.read(|db| {
            db.query(
                "SELECT status, count(*) FROM deliveries GROUP BY status ORDER BY status",
                args![],
            )?
            .iter()
            .map(|r| Ok((r.get(0)?, r.get(1)?)))
            .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::http::Validators;
    use crate::sources::Item;
    use crate::store::{Finding, FindingHit, PlannedDelivery, PollOutcome, PollRecord};

    fn t(min: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_795_000_000 + min * 60, 0).expect("time")
    }

    fn planned(notifier: &str, mode: &'static str, due_at: DateTime<Utc>) -> PlannedDelivery {
        PlannedDelivery {
            route: "r".into(),
            notifier: notifier.into(),
            mode,
            due_at,
            spike: None,
        }
    }

    /// A store with source `forum` on each engine (the SQLite file in the
    /// returned dir).
    fn stores() -> (tempfile::TempDir, Vec<(&'static str, Store)>) {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = Config::parse(
            "[[watch]]\nname = \"acme\"\nterms = [\"Acme\"]\n\n\
             [[source]]\nname = \"forum\"\nkind = \"feed\"\nurl = \"http://127.0.0.1:1/f.rss\"\n",
            &dir.path().join("earshot.toml"),
        )
        .expect("config");
        let mut stores = crate::store::testing::stores(dir.path());
        for (_, store) in &mut stores {
            store.sync_sources(&config.sources).expect("sync");
        }
        (dir, stores)
    }

    /// Item `key` found at `at` with these deliveries planned; the ids of
    /// the mentions it created.
    fn found(
        store: &mut Store,
        key: &str,
        at: DateTime<Utc>,
        deliveries: Vec<PlannedDelivery>,
    ) -> Vec<i64> {
        let finding = Finding {
            item: Item {
                key: key.into(),
                url: url::Url::parse(&format!("https://forum.example/{key}")).ok(),
                title: format!("Acme item {key}"),
                text: "Acme again".into(),
                author: None,
                published: None,
                rating: None,
                page_link: None,
            },
            hits: vec![FindingHit {
                watch: "acme".into(),
                terms: vec!["Acme".into()],
                snippet: String::new(),
                sentiment: None,
                deliveries,
            }],
        };
        let record = PollRecord {
            source: "forum".into(),
            at,
            outcome: PollOutcome::Fetched {
                validators: Validators::default(),
                cursor: None,
                items: 1,
            },
            findings: vec![finding],
        };
        store.record_polls(&[record]).expect("record").concat()
    }

    fn all(store: &Store) -> Vec<DeliveryRow> {
        store
            .deliveries(&DeliveryFilter::default())
            .expect("deliveries")
    }

    fn row(store: &Store, id: i64) -> DeliveryRow {
        all(store)
            .into_iter()
            .find(|r| r.id == id)
            .expect("delivery")
    }

    /// Issue #16: with two daemons on one store each delivery is claimed by
    /// one dispatcher; the other leaves it alone while the claimer lives,
    /// and takes it once the claimer is stopped (or, for a one-shot
    /// dispatcher that is no daemon, once its claim is stale).
    #[test]
    fn issue16_a_delivery_is_claimed_by_one_dispatcher() {
        let (_dir, stores) = stores();
        for (engine, mut store) in stores {
            let t0 = t(0);
            for key in ["a", "b", "c"] {
                found(&mut store, key, t0, vec![planned("mail", "instant", t0)]);
            }
            let one = crate::store::DaemonIdentity::new(t0);
            let two = crate::store::DaemonIdentity::new(t0);
            for me in [&one, &two] {
                store.renew_leases(me, &[], &[], 60, t0).expect("register");
            }
            let first = store
                .claim_due("mail", &one.id, t0, 2, false, 60)
                .expect("claim");
            assert_eq!(first.len(), 2, "{engine}");
            let rest = store
                .claim_due("mail", &two.id, t0, 10, false, 60)
                .expect("claim");
            assert_eq!(rest.len(), 1, "{engine}: only the unclaimed one");
            assert!(first.iter().all(|d| d.id != rest[0].id), "{engine}");
            // The first daemon settles one and stops; the other takes the
            // one it left.
            store.mark_sent(&[first[0].id], t0).expect("sent");
            store.release_leases(&one, t0).expect("stop");
            let taken = store
                .claim_due("mail", &two.id, t0, 10, false, 60)
                .expect("claim");
            let mut ids: Vec<i64> = taken.iter().map(|d| d.id).collect();
            ids.sort();
            let mut want = vec![first[1].id, rest[0].id];
            want.sort();
            assert_eq!(
                ids, want,
                "{engine}: its own claim and the stopped daemon's"
            );
            // A one-shot dispatcher's claim stands for the stale time only.
            store.release_claims("mail", &two.id).expect("release");
            let once = store
                .claim_due("mail", "host:1:once", t0, 10, false, 60)
                .expect("claim");
            assert_eq!(once.len(), 2, "{engine}");
            let early = store
                .claim_due(
                    "mail",
                    &two.id,
                    t0 + chrono::Duration::seconds(30),
                    10,
                    false,
                    60,
                )
                .expect("claim");
            assert!(early.is_empty(), "{engine}: {early:?}");
            let late = store
                .claim_due(
                    "mail",
                    &two.id,
                    t0 + chrono::Duration::seconds(61),
                    10,
                    false,
                    60,
                )
                .expect("claim");
            assert_eq!(late.len(), 2, "{engine}");
        }
    }

    /// A new mention queues the deliveries planned for it, in the
    /// transaction that stores it; a repeat of the item queues nothing.
    #[test]
    fn a_new_mention_queues_its_planned_deliveries_once() {
        let (_dir, stores) = stores();
        for (engine, mut store) in stores {
            let t0 = t(0);
            let plan = vec![
                planned("chat", "instant", t0),
                planned("mail", "digest", t(60)),
            ];
            let ids = found(&mut store, "a", t0, plan.clone());
            assert_eq!(ids.len(), 1, "{engine}");
            let rows = all(&store);
            let got: Vec<_> = rows
                .iter()
                .map(|r| {
                    (
                        r.mention_id,
                        r.notifier.as_str(),
                        r.mode.as_str(),
                        r.status.as_str(),
                        r.due_at,
                    )
                })
                .collect();
            assert_eq!(
                got,
                [
                    (ids[0], "mail", "digest", "pending", t(60)),
                    (ids[0], "chat", "instant", "pending", t0),
                ],
                "{engine}: newest first"
            );
            assert!(
                rows.iter().all(|r| r.title == "Acme item a"
                    && r.watch == "acme"
                    && r.route == "r"
                    && r.created_at == t0
                    && r.attempts == 0
                    && r.sent_at.is_none()),
                "{engine}: {rows:?}"
            );
            assert!(
                found(&mut store, "a", t(5), plan).is_empty(),
                "{engine}: a repeat"
            );
            assert_eq!(all(&store).len(), 2, "{engine}: a repeat queues nothing");
            let newest = store
                .deliveries(&DeliveryFilter {
                    status: Some("pending".into()),
                    limit: Some(1),
                })
                .expect("deliveries");
            assert_eq!(newest.len(), 1, "{engine}");
            assert_eq!(newest[0].notifier, "mail", "{engine}");
            assert_eq!(
                store.delivery_counts().expect("counts"),
                [("pending".to_string(), 2)],
                "{engine}"
            );
        }
    }

    /// A delivery's way through the outbox: due, handed over, failed and
    /// retried, sent; a permanent failure and one past its give-up time
    /// fail at once, and are reported once.
    #[test]
    fn deliveries_go_due_sending_failed_and_sent() {
        let (_dir, stores) = stores();
        for (engine, mut store) in stores {
            let t0 = t(0);
            let first = found(&mut store, "a", t0, vec![planned("chat", "instant", t0)]);
            let later = found(&mut store, "b", t0, vec![planned("chat", "instant", t(10))]);
            let gone = found(&mut store, "c", t0, vec![planned("chat", "instant", t(10))]);
            let id = |mention: &[i64]| {
                all(&store)
                    .iter()
                    .find(|r| r.mention_id == mention[0])
                    .expect("delivery")
                    .id
            };
            let (a, b, c) = (id(&first), id(&later), id(&gone));
            let due = |store: &Store, at, retry_now| -> Vec<i64> {
                store
                    .due_deliveries("chat", at, 10, retry_now)
                    .expect("due")
                    .iter()
                    .map(|d| d.id)
                    .collect()
            };
            assert_eq!(due(&store, t0, false), [a], "{engine}");
            assert!(
                store
                    .due_deliveries("mail", t0, 10, false)
                    .expect("due")
                    .is_empty(),
                "{engine}: another notifier's"
            );
            let d = &store.due_deliveries("chat", t0, 10, false).expect("due")[0];
            assert_eq!(
                (
                    d.mention_id,
                    d.watch.as_str(),
                    d.route.as_str(),
                    d.mode.as_str()
                ),
                (first[0], "acme", "r", "instant"),
                "{engine}"
            );
            assert_eq!(store.next_due("chat").expect("next"), Some(t0), "{engine}");
            assert_eq!(store.next_due("mail").expect("next"), None, "{engine}");
            assert!(
                store
                    .orphaned_deliveries(&["chat".into()])
                    .expect("orphans")
                    .is_empty(),
                "{engine}"
            );
            assert_eq!(
                store
                    .orphaned_deliveries(&["mail".into()])
                    .expect("orphans")
                    .len(),
                3,
                "{engine}: chat is no longer configured"
            );

            store.mark_sending(&[a], t0).expect("sending");
            assert_eq!(row(&store, a).sending_since, Some(t0), "{engine}");
            assert_eq!(
                store.sending().expect("sending"),
                [("chat".to_string(), 1, t0)],
                "{engine}"
            );

            // A failed attempt waits out its retry delay, unless asked to
            // retry now.
            let retry_at = t(5);
            store
                .mark_attempt_failed(&[a], "timed out", t0, retry_at, t(-60), false)
                .expect("failed");
            let r = row(&store, a);
            assert_eq!(
                (r.status.as_str(), r.attempts, r.due_at, r.sending_since),
                ("pending", 1, retry_at, None),
                "{engine}"
            );
            assert_eq!(r.last_error.as_deref(), Some("timed out"), "{engine}");
            assert_eq!(r.last_attempt_at, Some(t0), "{engine}");
            assert!(store.sending().expect("sending").is_empty(), "{engine}");
            assert!(due(&store, t(1), false).is_empty(), "{engine}");
            assert_eq!(due(&store, t(1), true), [a], "{engine}: retry now");
            assert_eq!(
                due(&store, t(10), false),
                [a, b, c],
                "{engine}: by due time"
            );
            assert_eq!(
                store
                    .due_deliveries("chat", t(10), 2, false)
                    .expect("due")
                    .len(),
                2,
                "{engine}: the limit"
            );

            store.mark_sent(&[a], t(6)).expect("sent");
            let r = row(&store, a);
            assert_eq!(
                (r.status.as_str(), r.attempts, r.sent_at),
                ("sent", 2, Some(t(6))),
                "{engine}"
            );
            // Settled is settled: a late mark changes nothing.
            store
                .mark_attempt_failed(&[a], "late", t(7), t(8), t(-60), true)
                .expect("failed");
            assert_eq!(row(&store, a).status, "sent", "{engine}");
            let sent = |since| {
                store
                    .instant_sent_since("r", "chat", "acme", since)
                    .expect("count")
            };
            assert_eq!((sent(t0), sent(t(7))), (1, 0), "{engine}");

            // Permanent, and past the give-up time: failed at once.
            store
                .mark_attempt_failed(&[b], "410 gone", t(10), t(15), t(-60), true)
                .expect("failed");
            store
                .mark_attempt_failed(&[c], "timed out", t(10), t(15), t(1), false)
                .expect("failed");
            assert_eq!(row(&store, b).status, "failed", "{engine}");
            assert_eq!(row(&store, c).status, "failed", "{engine}");
            let failures = |store: &Store| -> Vec<i64> {
                store
                    .unreported_failures("r")
                    .expect("failures")
                    .iter()
                    .map(|r| r.id)
                    .collect()
            };
            assert_eq!(failures(&store), [c, b], "{engine}");
            store.mark_reported(&[b, c], t(11)).expect("reported");
            assert!(failures(&store).is_empty(), "{engine}");
            assert_eq!(
                store.delivery_counts().expect("counts"),
                [("failed".to_string(), 2), ("sent".to_string(), 1)],
                "{engine}"
            );
            assert_eq!(store.next_due("chat").expect("next"), None, "{engine}");
        }
    }

    /// Holding back moves pending instant alerts to the digest; a sent one
    /// stays as it was.
    #[test]
    fn holding_back_demotes_pending_instant_alerts_only() {
        let (_dir, stores) = stores();
        for (engine, mut store) in stores {
            let t0 = t(0);
            let m1 = found(&mut store, "a", t0, vec![planned("chat", "instant", t0)]);
            let m2 = found(&mut store, "b", t0, vec![planned("chat", "instant", t0)]);
            let ids: Vec<i64> = [&m1, &m2]
                .iter()
                .map(|m| {
                    all(&store)
                        .iter()
                        .find(|r| r.mention_id == m[0])
                        .expect("delivery")
                        .id
                })
                .collect();
            store.mark_sent(&ids[1..], t0).expect("sent");
            let notifiers = ["chat".to_string()];
            assert!(
                store
                    .hold_back("r", "acme", &ids, t(60), &notifiers, t0)
                    .expect("hold"),
                "{engine}"
            );
            let sent = row(&store, ids[1]);
            assert_eq!(
                (sent.mode.as_str(), sent.due_at),
                ("instant", t0),
                "{engine}"
            );
            let held = row(&store, ids[0]);
            assert_eq!(
                (held.mode.as_str(), held.due_at),
                ("digest", t(60)),
                "{engine}"
            );
            let notice: Vec<DeliveryRow> = all(&store)
                .into_iter()
                .filter(|r| r.mode == "notice")
                .collect();
            assert_eq!(notice.len(), 1, "{engine}");
            assert_eq!(
                (notice[0].mention_id, notice[0].due_at),
                (m1[0], t0),
                "{engine}: on the first mention held back, due now"
            );
            assert!(
                !store
                    .hold_back("r", "acme", &[], t(60), &notifiers, t0)
                    .expect("hold"),
                "{engine}: nothing to hold back"
            );
        }
    }
}

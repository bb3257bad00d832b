//! The delivery outbox: what is due, marking sent or failed, holding alerts
//! back over a route's hourly cap (with the one notice that says so), and the
//! listing for `earshot deliveries`.

use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, OptionalExtension};

use super::{from_db_time, sq_count_at, sq_time_at, to_db_time, Mention, Result, Store};

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

fn due_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DueDelivery> {
    Ok(DueDelivery {
        id: r.get(0)?,
        mention_id: r.get(1)?,
        route: r.get(2)?,
        notifier: r.get(3)?,
        mode: r.get(4)?,
        created_at: from_db_time(r.get(5)?),
        due_at: from_db_time(r.get(6)?),
        attempts: sq_count_at(r, 7)?,
        watch: r.get(8)?,
        spike_id: r.get(9)?,
        folded_into: r.get(10)?,
    })
}

fn delivery_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeliveryRow> {
    Ok(DeliveryRow {
        id: r.get(0)?,
        mention_id: r.get(1)?,
        watch: r.get(2)?,
        title: r.get(3)?,
        route: r.get(4)?,
        notifier: r.get(5)?,
        mode: r.get(6)?,
        status: r.get(7)?,
        created_at: from_db_time(r.get(8)?),
        due_at: from_db_time(r.get(9)?),
        attempts: sq_count_at(r, 10)?,
        last_attempt_at: sq_time_at(r, 11)?,
        last_error: r.get(12)?,
        sent_at: sq_time_at(r, 13)?,
        sending_since: sq_time_at(r, 14)?,
        folded_into: r.get(15)?,
        spike_id: r.get(16)?,
    })
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
        let e = self.sqlite_err();
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {DUE_COLUMNS} FROM deliveries d JOIN mentions m ON m.id = d.mention_id
                 WHERE d.status = 'pending' AND d.notifier = ?4
                   AND (d.due_at <= ?1 OR (?3 AND d.attempts > 0))
                 ORDER BY d.due_at, d.id LIMIT ?2"
            ))
            .map_err(&e)?;
        let rows = stmt
            .query_map(
                params![to_db_time(now), limit as i64, retry_now, notifier],
                due_row,
            )
            .map_err(&e)?;
        rows.collect::<std::result::Result<_, _>>().map_err(e)
    }

    /// Pending deliveries to a notifier that is not among `known` (removed
    /// from the config since they were queued).
    pub fn orphaned_deliveries(&self, known: &[String]) -> Result<Vec<DueDelivery>> {
        let e = self.sqlite_err();
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {DUE_COLUMNS} FROM deliveries d JOIN mentions m ON m.id = d.mention_id
                 WHERE d.status = 'pending' ORDER BY d.id"
            ))
            .map_err(&e)?;
        let rows = stmt.query_map([], due_row).map_err(&e)?;
        let mut out = Vec::new();
        for r in rows {
            let r = r.map_err(&e)?;
            if !known.contains(&r.notifier) {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// Records that these deliveries were handed to their receiver at `at`;
    /// settling the attempt (sent or failed) clears it.
    pub fn mark_sending(&mut self, ids: &[i64], at: DateTime<Utc>) -> Result<()> {
        self.update_each(
            ids,
            "UPDATE deliveries SET sending_since = ?2 WHERE id = ?1 AND status = 'pending'",
            |stmt, id| stmt.execute(params![id, to_db_time(at)]),
        )
    }

    /// Per notifier, how many pending deliveries have a send in flight and
    /// since when the oldest has been.
    pub fn sending(&self) -> Result<Vec<(String, i64, DateTime<Utc>)>> {
        let e = self.sqlite_err();
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT notifier, count(*), min(sending_since) FROM deliveries
                 WHERE status = 'pending' AND sending_since IS NOT NULL
                 GROUP BY notifier ORDER BY notifier",
            )
            .map_err(&e)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, from_db_time(r.get(2)?))))
            .map_err(&e)?;
        rows.collect::<std::result::Result<_, _>>().map_err(e)
    }

    /// When the next pending delivery to `notifier` falls due, if any is pending.
    pub fn next_due(&self, notifier: &str) -> Result<Option<DateTime<Utc>>> {
        self.conn()
            .query_row(
                "SELECT min(due_at) FROM deliveries WHERE status = 'pending' AND notifier = ?1",
                [notifier],
                |r| r.get::<_, Option<i64>>(0),
            )
            .map(|t| t.map(from_db_time))
            .map_err(self.sqlite_err())
    }

    pub fn mark_sent(&mut self, ids: &[i64], at: DateTime<Utc>) -> Result<()> {
        self.update_each(
            ids,
            "UPDATE deliveries SET status = 'sent', sent_at = ?2, last_attempt_at = ?2,
                attempts = attempts + 1, sending_since = NULL WHERE id = ?1 AND status = 'pending'",
            |stmt, id| stmt.execute(params![id, to_db_time(at)]),
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
                due_at = ?4, sending_since = NULL,
                status = CASE WHEN ?6 OR created_at < ?5 THEN 'failed' ELSE 'pending' END
             WHERE id = ?1 AND status = 'pending'",
            |stmt, id| {
                stmt.execute(params![
                    id,
                    to_db_time(at),
                    error,
                    to_db_time(retry_at),
                    to_db_time(give_up_before),
                    permanent
                ])
            },
        )
    }

    /// Holds back instant deliveries of `route` about `watch` that are over
    /// its `max_per_hour`: they become digest deliveries due at `digest_at`.
    /// The first time in an hour this happens for the route and watch, each
    /// of `notifiers` also gets a notice (a delivery of mode `notice` on the
    /// first mention held back, due `now`). One transaction, the check
    /// inside it, so lanes racing, or a crash, neither double nor lose the
    /// notice. Returns whether a notice was queued.
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
        self.write_sqlite(|tx| {
            let mut demote = tx.prepare_cached(
                "UPDATE deliveries SET mode = 'digest', due_at = ?2
                 WHERE id = ?1 AND status = 'pending' AND mode = 'instant'",
            )?;
            for id in ids {
                demote.execute(params![id, to_db_time(digest_at)])?;
            }
            let told: bool = tx
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM deliveries d JOIN mentions m ON m.id = d.mention_id
                     WHERE d.route = ?1 AND d.mode = 'notice' AND m.watch = ?2 AND d.created_at > ?3)",
                )?
                .query_row(
                    params![route, watch, to_db_time(now - chrono::Duration::hours(1))],
                    |r| r.get(0),
                )?;
            if told {
                return Ok(false);
            }
            let mention: Option<i64> = tx
                .prepare_cached("SELECT mention_id FROM deliveries WHERE id = ?1")?
                .query_row([first], |r| r.get(0))
                .optional()?;
            let Some(mention) = mention else {
                return Ok(false);
            };
            let mut notice = tx.prepare_cached(
                "INSERT OR IGNORE INTO deliveries (mention_id, route, notifier, mode, created_at, due_at)
                 VALUES (?1, ?2, ?3, 'notice', ?4, ?4)",
            )?;
            for n in notifiers {
                notice.execute(params![mention, route, n, to_db_time(now)])?;
            }
            Ok(true)
        })
    }

    /// Marks failed deliveries as reported in a digest.
    pub fn mark_reported(&mut self, ids: &[i64], at: DateTime<Utc>) -> Result<()> {
        self.update_each(
            ids,
            "UPDATE deliveries SET reported_at = ?2 WHERE id = ?1",
            |stmt, id| stmt.execute(params![id, to_db_time(at)]),
        )
    }

    fn update_each(
        &mut self,
        ids: &[i64],
        sql: &str,
        run: impl Fn(&mut rusqlite::CachedStatement<'_>, i64) -> rusqlite::Result<usize>,
    ) -> Result<()> {
        self.write_sqlite(|tx| {
            let mut stmt = tx.prepare_cached(sql)?;
            for id in ids {
                run(&mut stmt, *id)?;
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
        self.conn()
            .query_row(
                "SELECT count(*) FROM deliveries d JOIN mentions m ON m.id = d.mention_id
                 WHERE d.route = ?1 AND d.notifier = ?2 AND d.mode = 'instant'
                   AND d.status = 'sent' AND d.sent_at >= ?3 AND m.watch = ?4",
                params![route, notifier, to_db_time(since), watch],
                |r| sq_count_at(r, 0),
            )
            .map_err(self.sqlite_err())
    }

    /// Failed deliveries of `route` not yet reported in a digest.
    pub fn unreported_failures(&self, route: &str) -> Result<Vec<DeliveryRow>> {
        self.delivery_rows(
            "d.route = ? AND d.status = 'failed' AND d.reported_at IS NULL",
            vec![Value::Text(route.to_string())],
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
            Some(s) => self.delivery_rows("d.status = ?", vec![Value::Text(s.clone())], f.limit),
            None => self.delivery_rows("1=1", Vec::new(), f.limit),
        }
    }

    fn delivery_rows(
        &self,
        condition: &str,
        mut args: Vec<Value>,
        limit: Option<usize>,
    ) -> Result<Vec<DeliveryRow>> {
        // A spike alert or notice is titled by what it says, not by the
        // mention it hangs on.
        let mut sql = format!(
            "SELECT d.id, d.mention_id, m.watch,
                CASE d.mode
                  WHEN 'spike' THEN printf('spike #%d: %d or more negative mentions of %s', d.spike_id,
                    (SELECT negatives FROM spikes WHERE id = d.spike_id), m.watch)
                  WHEN 'notice' THEN printf('notice: max_per_hour reached for watch %s', m.watch)
                  ELSE i.title END,
                d.route, d.notifier, d.mode, d.status,
                d.created_at, d.due_at, d.attempts, d.last_attempt_at, d.last_error, d.sent_at,
                d.sending_since, d.folded_into, d.spike_id
             FROM deliveries d JOIN mentions m ON m.id = d.mention_id JOIN items i ON i.id = m.item_id
             WHERE {condition} ORDER BY d.id DESC"
        );
        if let Some(l) = limit {
            sql.push_str(" LIMIT ?");
            args.push(Value::Integer(l as i64));
        }
        let e = self.sqlite_err();
        let conn = self.conn();
        let mut stmt = conn.prepare(&sql).map_err(&e)?;
        let rows = stmt
            .query_map(params_from_iter(args), delivery_row)
            .map_err(&e)?;
        rows.collect::<std::result::Result<_, _>>().map_err(e)
    }

    /// How many deliveries are in each status.
    pub fn delivery_counts(&self) -> Result<Vec<(String, i64)>> {
        let e = self.sqlite_err();
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT status, count(*) FROM deliveries GROUP BY status ORDER BY status")
            .map_err(&e)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(&e)?;
        rows.collect::<std::result::Result<_, _>>().map_err(e)
    }
}

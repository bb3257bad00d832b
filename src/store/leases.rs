//! Several daemons, one store: who is alive, and which daemon polls which
//! source. Each daemon registers under its own id and renews its heartbeat;
//! a source is polled only by the daemon holding its lease, which expires
//! unless renewed, so a daemon that dies loses its sources within one lease
//! period and the others take them over. Each daemon holds about its fair
//! share (sources ÷ live daemons, rounded up) and lets go of the rest, so a
//! daemon that joins gets work. Everything here runs in write transactions
//! (the engine's write lock), so two daemons never claim the same source.
//! It never decides *when* a source is polled: that is the scheduler's.

use chrono::{DateTime, Utc};

use super::db::{args, DbResult, Row, Sql, Tx};
use super::{from_db_time, time_at, to_db_time, Result, Store};

/// One daemon as `earshot status` lists it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DaemonReport {
    pub id: String,
    pub host: String,
    pub pid: i64,
    pub version: String,
    pub started_at: DateTime<Utc>,
    pub heartbeat_at: DateTime<Utc>,
    pub stopped_at: Option<DateTime<Utc>>,
    /// The sources whose lease it holds (unexpired), by name.
    pub sources: Vec<String>,
}

fn daemon_row(r: &Row) -> DbResult<DaemonReport> {
    Ok(DaemonReport {
        id: r.get(0)?,
        host: r.get(1)?,
        pid: r.get(2)?,
        version: r.get(3)?,
        started_at: from_db_time(r.get(4)?),
        heartbeat_at: from_db_time(r.get(5)?),
        stopped_at: time_at(r, 6)?,
        sources: Vec::new(),
    })
}

/// What a renewal left this daemon with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Held {
    /// Every source it holds now, by name.
    pub sources: Vec<String>,
    /// Those it did not hold before this renewal (their state must be read
    /// afresh: another daemon polled them).
    pub gained: Vec<String>,
    /// Daemons alive, this one included.
    pub live: i64,
}

impl Store {
    /// Renews this daemon's heartbeat and leases for `lease` more seconds,
    /// lets go of leases beyond its fair share, and claims free or expired
    /// ones among `sources` (this daemon's configured sources) up to it.
    /// `dead` are daemons known to be gone (a process of this machine that
    /// no longer exists): they are marked stopped and their leases freed
    /// now, rather than when they expire.
    pub fn renew_leases(
        &mut self,
        me: &DaemonIdentity,
        sources: &[String],
        dead: &[String],
        lease_secs: i64,
        now: DateTime<Utc>,
    ) -> Result<Held> {
        let asked = Utc::now();
        self.write(|tx| {
            // Judged when the write lock is ours: a renewal that waited for
            // another daemon's long write must not write a heartbeat, or
            // leases, that are already old, nor think live daemons dead.
            let waited = (Utc::now() - asked).max(chrono::Duration::zero());
            let now = to_db_time(now + waited);
            let expires = now + lease_secs;
            for id in dead {
                tx.execute("DELETE FROM leases WHERE daemon = ?1", args![id])?;
                tx.execute(
                    "UPDATE daemons SET stopped_at = ?2 WHERE id = ?1 AND stopped_at IS NULL",
                    args![id, now],
                )?;
            }
            tx.execute(
                "INSERT INTO daemons (id, host, pid, version, started_at, heartbeat_at, stopped_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL)
                 ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, stopped_at = NULL",
                args![
                    &me.id,
                    &me.host,
                    i64::from(me.pid),
                    env!("CARGO_PKG_VERSION"),
                    to_db_time(me.started_at),
                    now
                ],
            )?;
            let live: i64 = tx.query_value(
                "SELECT count(*) FROM daemons WHERE stopped_at IS NULL AND heartbeat_at > ?1",
                args![now - lease_secs],
            )?;
            let before = held_by(tx, &me.id, now)?;
            tx.execute(
                "UPDATE leases SET expires_at = ?2 WHERE daemon = ?1",
                args![&me.id, expires],
            )?;
            // Leases of sources no longer configured here go back.
            for name in &before {
                if !sources.contains(name) {
                    release(tx, &me.id, name)?;
                }
            }
            let wanted = sources.len() as i64;
            let share = (wanted + live.max(1) - 1) / live.max(1);
            let mut held: Vec<String> = before
                .into_iter()
                .filter(|n| sources.contains(n))
                .collect();
            held.sort();
            while held.len() as i64 > share {
                if let Some(name) = held.pop() {
                    release(tx, &me.id, &name)?;
                }
            }
            let mut gained = Vec::new();
            for name in sources {
                if held.len() as i64 >= share {
                    break;
                }
                if held.contains(name) {
                    continue;
                }
                let claimed = tx.execute(
                    "INSERT INTO leases (source_id, daemon, expires_at)
                     SELECT id, ?1, ?2 FROM sources WHERE name = ?3
                     ON CONFLICT (source_id) DO UPDATE
                        SET daemon = excluded.daemon, expires_at = excluded.expires_at
                        WHERE leases.expires_at <= ?4 OR leases.daemon = excluded.daemon",
                    args![&me.id, expires, name, now],
                )?;
                if claimed > 0 {
                    held.push(name.clone());
                    gained.push(name.clone());
                }
            }
            held.sort();
            Ok(Held {
                sources: held,
                gained,
                live,
            })
        })
    }

    /// This daemon stops: its leases go back at once (another daemon takes
    /// them over at its next renewal) and it is marked stopped.
    pub fn release_leases(&mut self, me: &DaemonIdentity, now: DateTime<Utc>) -> Result<()> {
        let now = to_db_time(now);
        self.write(|tx| {
            tx.execute("DELETE FROM leases WHERE daemon = ?1", args![&me.id])?;
            tx.execute(
                "UPDATE daemons SET stopped_at = ?2, heartbeat_at = ?2 WHERE id = ?1",
                args![&me.id, now],
            )?;
            Ok(())
        })
    }

    /// The daemons that have run on this store (the last week's), newest
    /// heartbeat first, each with the sources it holds.
    pub fn daemon_reports(&self, now: DateTime<Utc>) -> Result<Vec<DaemonReport>> {
        let now = to_db_time(now);
        self.read(|db| {
            let mut daemons: Vec<DaemonReport> = db
                .query(
                    "SELECT id, host, pid, version, started_at, heartbeat_at, stopped_at
                     FROM daemons WHERE heartbeat_at > ?1
                     ORDER BY heartbeat_at DESC, id",
                    args![now - 7 * 24 * 3600],
                )?
                .iter()
                .map(daemon_row)
                .collect::<DbResult<_>>()?;
            for d in &mut daemons {
                d.sources = db
                    .query(
                        "SELECT s.name FROM leases l JOIN sources s ON s.id = l.source_id
                         WHERE l.daemon = ?1 AND l.expires_at > ?2 ORDER BY s.name",
                        args![&d.id, now],
                    )?
                    .iter()
                    .map(|r| r.get(0))
                    .collect::<DbResult<_>>()?;
            }
            Ok(daemons)
        })
    }
}

/// The sources `daemon` holds unexpired leases on, by name.
fn held_by(tx: &mut Tx<'_>, daemon: &str, now: i64) -> DbResult<Vec<String>> {
    tx.query(
        "SELECT s.name FROM leases l JOIN sources s ON s.id = l.source_id
         WHERE l.daemon = ?1 AND l.expires_at > ?2",
        args![daemon, now],
    )?
    .iter()
    .map(|r| r.get(0))
    .collect()
}

fn release(tx: &mut Tx<'_>, daemon: &str, name: &str) -> DbResult<u64> {
    tx.execute(
        "DELETE FROM leases WHERE daemon = ?1
         AND source_id = (SELECT id FROM sources WHERE name = ?2)",
        args![daemon, name],
    )
}

/// Who this daemon is: unique among the daemons sharing a store (host,
/// process id, and a random part, since a restarted daemon may get the
/// same pid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonIdentity {
    pub id: String,
    pub host: String,
    pub pid: u32,
    pub started_at: DateTime<Utc>,
}

impl DaemonIdentity {
    pub fn new(started_at: DateTime<Utc>) -> DaemonIdentity {
        let host = hostname();
        let pid = std::process::id();
        let nonce: u32 = rand::random();
        DaemonIdentity {
            id: format!("{host}:{pid}:{nonce:08x}"),
            host,
            pid,
            started_at,
        }
    }
}

/// This machine's name (the kernel's), else `localhost`.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn config(dir: &std::path::Path, n: usize) -> Config {
        let mut text = String::from("[[watch]]\nname = \"acme\"\nterms = [\"Acme\"]\n");
        for i in 0..n {
            text.push_str(&format!(
                "\n[[source]]\nname = \"s{i}\"\nkind = \"feed\"\nurl = \"http://127.0.0.1:1/{i}.rss\"\n"
            ));
        }
        Config::parse(&text, &dir.join("earshot.toml")).expect("config")
    }

    /// Two daemons split the sources; when one stops renewing, the other
    /// takes all of them once its leases expire, and never before.
    #[test]
    fn issue16_leases_split_and_move_to_the_survivor() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = config(dir.path(), 6);
        let names: Vec<String> = config.sources.iter().map(|s| s.name.clone()).collect();
        for (engine, mut a) in crate::store::testing::stores(dir.path()) {
            a.sync_sources(&config.sources).expect("sync");
            let t0 = Utc::now();
            let one = DaemonIdentity::new(t0);
            let two = DaemonIdentity::new(t0);
            let first = a.renew_leases(&one, &names, &[], 60, t0).expect("renew");
            assert_eq!(first.sources.len(), 6, "{engine}: alone, it holds all");
            assert_eq!(first.gained.len(), 6, "{engine}");
            // The second daemon finds none free; the first, seeing two
            // alive, lets go of half; the second takes them.
            let t1 = t0 + chrono::Duration::seconds(5);
            let none = a.renew_leases(&two, &names, &[], 60, t1).expect("renew");
            assert!(none.sources.is_empty(), "{engine}: {none:?}");
            let halved = a.renew_leases(&one, &names, &[], 60, t1).expect("renew");
            assert_eq!(halved.sources.len(), 3, "{engine}: {halved:?}");
            let other = a.renew_leases(&two, &names, &[], 60, t1).expect("renew");
            assert_eq!(other.sources.len(), 3, "{engine}: {other:?}");
            let mut all = halved.sources.clone();
            all.extend(other.sources.clone());
            all.sort();
            assert_eq!(
                all, names,
                "{engine}: each source held by exactly one daemon"
            );
            // The first daemon dies (no more renewals). Before its leases
            // expire the second cannot take them...
            let t2 = t1 + chrono::Duration::seconds(30);
            let still = a.renew_leases(&two, &names, &[], 60, t2).expect("renew");
            assert_eq!(still.sources.len(), 3, "{engine}: {still:?}");
            // ...after, it takes them all (the dead one no longer counts).
            let t3 = t1 + chrono::Duration::seconds(61);
            let all_now = a.renew_leases(&two, &names, &[], 60, t3).expect("renew");
            assert_eq!(all_now.sources, names, "{engine}");
            assert_eq!(all_now.gained.len(), 3, "{engine}");
            let reports = a.daemon_reports(t3).expect("reports");
            let mine = reports.iter().find(|d| d.id == two.id).expect("listed");
            assert_eq!(mine.sources, names, "{engine}");
            // A third daemon known dead (its process gone) is reaped at once:
            // its leases free, no longer counted among the live.
            let three = DaemonIdentity::new(t3);
            let some = a
                .renew_leases(&three, &names[..2], &[], 60, t3)
                .expect("renew");
            assert!(some.sources.is_empty(), "{engine}: all held by two");
            let after = a
                .renew_leases(&two, &names, std::slice::from_ref(&three.id), 60, t3)
                .expect("renew");
            assert_eq!(after.live, 1, "{engine}: the dead one is not counted");
            // A clean stop gives everything back at once.
            a.release_leases(&two, t3).expect("release");
            let back = a.renew_leases(&one, &names, &[], 60, t3).expect("renew");
            assert_eq!(back.sources, names, "{engine}: {back:?}");
        }
    }
}

//! Reading the inbox back as figures, for `earshot stats`: one compact row
//! per mention found since a time (watch, found_at, state, negative,
//! handled_at) and one per (mention, source). Grouping into local periods
//! and percentiles happen in `crate::stats`; this module never groups by
//! time zone and never writes.

use chrono::{DateTime, Utc};
use rusqlite::params_from_iter;
use rusqlite::types::Value;

use super::triage::State;
use super::{from_db_time, to_db_time, Result, Store};

/// One mention, as much of it as the figures need.
#[derive(Debug, Clone, PartialEq)]
pub struct StatMention {
    pub watch: String,
    pub found_at: DateTime<Utc>,
    pub state: State,
    pub negative: bool,
    pub handled_at: Option<DateTime<Utc>>,
}

/// One source that saw a mention's item.
#[derive(Debug, Clone, PartialEq)]
pub struct StatSource {
    pub watch: String,
    pub found_at: DateTime<Utc>,
    pub source: String,
}

impl Store {
    /// Mentions found at or after `since`, of the given watches (none: all),
    /// oldest first. Reads only the `mentions_stats` covering index.
    pub fn stat_mentions(
        &self,
        since: DateTime<Utc>,
        watches: &[String],
    ) -> Result<Vec<StatMention>> {
        let (filter, args) = filter(since, watches);
        let sql = format!(
            "SELECT m.watch, m.found_at, m.state, m.sentiment IS 'negative', m.handled_at
             FROM mentions m INDEXED BY mentions_stats
             WHERE m.found_at >= ?{filter} ORDER BY m.found_at"
        );
        let e = self.err();
        let mut stmt = self.conn.prepare(&sql).map_err(&e)?;
        let rows = stmt
            .query_map(params_from_iter(args), |r| {
                let state: String = r.get(2)?;
                Ok(StatMention {
                    watch: r.get(0)?,
                    found_at: from_db_time(r.get(1)?),
                    // A state this earshot does not know counts as new (open).
                    state: State::parse(&state),
                    negative: r.get(3)?,
                    handled_at: r.get::<_, Option<i64>>(4)?.map(from_db_time),
                })
            })
            .map_err(&e)?;
        rows.collect::<std::result::Result<_, _>>().map_err(e)
    }

    /// The sources of the mentions [`Store::stat_mentions`] returns: one row
    /// per (mention, source that saw its item).
    pub fn stat_sources(
        &self,
        since: DateTime<Utc>,
        watches: &[String],
    ) -> Result<Vec<StatSource>> {
        let (filter, args) = filter(since, watches);
        let e = self.err();
        let mut names = std::collections::HashMap::new();
        {
            let mut stmt = self
                .conn
                .prepare("SELECT id, name FROM sources")
                .map_err(&e)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
                .map_err(&e)?;
            for row in rows {
                let (id, name) = row.map_err(&e)?;
                names.insert(id, name);
            }
        }
        let sql = format!(
            "SELECT m.watch, m.found_at, x.source_id
             FROM mentions m INDEXED BY mentions_stats
             JOIN item_sources x ON x.item_id = m.item_id
             WHERE m.found_at >= ?{filter}"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(&e)?;
        let rows = stmt
            .query_map(params_from_iter(args), |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .map_err(&e)?;
        let mut out = Vec::new();
        for row in rows {
            let (watch, found_at, source) = row.map_err(&e)?;
            out.push(StatSource {
                watch,
                found_at: from_db_time(found_at),
                source: names
                    .get(&source)
                    .cloned()
                    .unwrap_or_else(|| format!("#{source}")),
            });
        }
        Ok(out)
    }
}

fn filter(since: DateTime<Utc>, watches: &[String]) -> (String, Vec<Value>) {
    let mut args = vec![Value::Integer(to_db_time(since))];
    let mut sql = String::new();
    if !watches.is_empty() {
        sql = format!(" AND m.watch IN ({})", vec!["?"; watches.len()].join(", "));
        args.extend(watches.iter().cloned().map(Value::Text));
    }
    (sql, args)
}

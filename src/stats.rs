//! `earshot stats`'s figures, shared by the command, `GET /api/stats` and
//! the web overview: per watch and local period (day, week from Monday,
//! month in the zone given), how many mentions came in, how many were
//! negative, handled, still open or ignored, how long handling took (median
//! and p90, nearest rank) and which sources found them. The store hands
//! over compact rows; grouping and percentiles happen here. Pure: no I/O,
//! no clock, never fails.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::store::{StatMention, StatSource, State};

/// What figures are grouped by: a local day, a week from Monday, a month
/// (`earshot stats --by`, `GET /api/stats?by=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Period {
    Day,
    Week,
    Month,
}

/// The figures of one (watch, period).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Row {
    pub watch: String,
    /// The period's first local day.
    pub period: NaiveDate,
    pub mentions: u64,
    pub negative: u64,
    pub handled: u64,
    pub open: u64,
    pub ignored: u64,
    pub median_time_to_handle_s: Option<i64>,
    pub p90_time_to_handle_s: Option<i64>,
    pub sources: BTreeMap<String, u64>,
}

/// The first local day of the period `t` falls in.
fn period_of(t: DateTime<Utc>, tz: Tz, by: Period) -> NaiveDate {
    let d = t.with_timezone(&tz).date_naive();
    match by {
        Period::Day => d,
        Period::Week => d - chrono::Days::new(u64::from(d.weekday().num_days_from_monday())),
        Period::Month => d.with_day(1).unwrap_or(d),
    }
}

/// The `p`th percentile of sorted `v` by nearest rank: the smallest value
/// with at least p% of the values at or below it.
pub fn nearest_rank(v: &[i64], p: u64) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    let n = v.len() as u64;
    let rank = (p * n).div_ceil(100).max(1);
    v.get((rank - 1) as usize).copied()
}

/// Groups mentions and their sources by (watch, local period), by watch
/// then period. Time to handle is handled_at − found_at of every mention
/// handled at least once (a reopened one keeps its first handling).
pub fn figures(mentions: &[StatMention], sources: &[StatSource], tz: Tz, by: Period) -> Vec<Row> {
    type Groups = BTreeMap<String, BTreeMap<NaiveDate, (Row, Vec<i64>)>>;
    fn group<'a>(groups: &'a mut Groups, watch: &str, p: NaiveDate) -> &'a mut (Row, Vec<i64>) {
        if !groups.contains_key(watch) {
            groups.insert(watch.to_string(), BTreeMap::new());
        }
        groups
            .get_mut(watch)
            .expect("inserted above")
            .entry(p)
            .or_insert_with(|| (empty(watch, p), Vec::new()))
    }
    let mut groups = Groups::new();
    // Every zone's offset is a whole number of quarter hours (since the
    // 1970s), so one UTC quarter hour lies in one local day: the rows come
    // oldest first and the zone is asked once per quarter hour at most.
    let mut cache: Option<(i64, NaiveDate)> = None;
    let mut period = |t: DateTime<Utc>| {
        let slot = t.timestamp().div_euclid(900);
        match cache {
            Some((at, p)) if at == slot => p,
            _ => {
                let p = period_of(t, tz, by);
                cache = Some((slot, p));
                p
            }
        }
    };
    for m in mentions {
        let p = period(m.found_at);
        let (row, times) = group(&mut groups, &m.watch, p);
        row.mentions += 1;
        row.negative += u64::from(m.negative);
        match m.state {
            State::New | State::Assigned => row.open += 1,
            State::Handled => row.handled += 1,
            State::Ignored => row.ignored += 1,
        }
        if let Some(h) = m.handled_at {
            times.push((h - m.found_at).num_seconds().max(0));
        }
    }
    for s in sources {
        let p = period(s.found_at);
        let (row, _) = group(&mut groups, &s.watch, p);
        match row.sources.get_mut(&s.source) {
            Some(n) => *n += 1,
            None => {
                row.sources.insert(s.source.clone(), 1);
            }
        }
    }
    groups
        .into_values()
        .flat_map(BTreeMap::into_values)
        .filter(|(row, _)| row.mentions > 0)
        .map(|(mut row, mut times)| {
            times.sort_unstable();
            row.median_time_to_handle_s = nearest_rank(&times, 50);
            row.p90_time_to_handle_s = nearest_rank(&times, 90);
            row
        })
        .collect()
}

fn empty(watch: &str, period: NaiveDate) -> Row {
    Row {
        watch: watch.to_string(),
        period,
        mentions: 0,
        negative: 0,
        handled: 0,
        open: 0,
        ignored: 0,
        median_time_to_handle_s: None,
        p90_time_to_handle_s: None,
        sources: BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        assert_eq!(nearest_rank(&[], 50), None);
        assert_eq!(nearest_rank(&[7], 90), Some(7));
        assert_eq!(nearest_rank(&[1, 2], 50), Some(1));
        assert_eq!(nearest_rank(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90), Some(9));
        assert_eq!(
            nearest_rank(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 90),
            Some(10)
        );
    }

    #[test]
    fn local_periods() {
        let ams = chrono_tz::Europe::Amsterdam;
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        // 23:30 UTC on Saturday 2026-10-31 is Sunday 00:30 in Amsterdam (CET).
        assert_eq!(
            period_of(t("2026-10-31T23:30:00Z"), ams, Period::Day),
            d("2026-11-01")
        );
        assert_eq!(
            period_of(t("2026-10-31T23:30:00Z"), ams, Period::Week),
            d("2026-10-26")
        );
        assert_eq!(
            period_of(t("2026-10-31T23:30:00Z"), ams, Period::Month),
            d("2026-11-01")
        );
        assert_eq!(
            period_of(t("2026-10-31T22:30:00Z"), ams, Period::Month),
            d("2026-10-01")
        );
    }
}

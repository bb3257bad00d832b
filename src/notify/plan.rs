//! Which deliveries a new mention gets, and when they fall due: routes matched
//! by watch and sentiment, quiet hours, digest periods, and the spike rule a
//! negative mention carries to the store (which places it in a burst when it
//! stores it: `store::spikes`). Pure functions of the config, the mention and
//! the clock.

use chrono::{DateTime, Datelike, Duration, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;

use crate::config::{DigestSchedule, Mode, Route};
use crate::localtime::to_utc;
use crate::store::{PlannedDelivery, SpikeRule};

/// The deliveries for a mention of `watch` with sentiment `label`, found `now`.
pub fn plan(
    routes: &[Route],
    watch: &str,
    label: Option<&str>,
    now: DateTime<Utc>,
    tz: Tz,
) -> Vec<PlannedDelivery> {
    let mut out = Vec::new();
    for r in routes {
        if r.watch.as_deref().is_some_and(|w| w != watch) {
            continue;
        }
        if let Some(wanted) = &r.sentiment {
            // A route that asks for a sentiment skips mentions without one.
            if !label.is_some_and(|l| wanted.iter().any(|w| w == l)) {
                continue;
            }
        }
        let due_at = match r.mode {
            Mode::Digest => next_digest(r.digest, now, tz),
            Mode::Instant => r
                .quiet_hours
                .and_then(|w| quiet_until(w, now, tz))
                .unwrap_or(now),
        };
        let spike = match (r.mode, r.spike, label) {
            (Mode::Instant, Some(s), Some("negative")) => Some(SpikeRule {
                negatives: s.negatives,
                within: Duration::from_std(s.within).unwrap_or(Duration::days(1)),
                digest_at: next_digest(r.digest, now, tz),
            }),
            _ => None,
        };
        for n in &r.notify {
            out.push(PlannedDelivery {
                route: r.name.clone(),
                notifier: n.clone(),
                mode: r.mode.as_str(),
                due_at,
                spike,
            });
        }
    }
    out
}

/// The end of the digest period that `now` falls in.
pub fn next_digest(schedule: DigestSchedule, now: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    let local = now.with_timezone(&tz).naive_local();
    let next = match schedule {
        DigestSchedule::Hourly => {
            let top = local
                .date()
                .and_hms_opt(local.hour(), 0, 0)
                .unwrap_or(local);
            top + Duration::hours(1)
        }
        DigestSchedule::Daily(at) => {
            let today = local.date().and_time(at);
            if today > local {
                today
            } else {
                today + Duration::days(1)
            }
        }
        DigestSchedule::Weekly(day, at) => {
            let ahead = (7 + day.num_days_from_monday() as i64
                - local.weekday().num_days_from_monday() as i64)
                % 7;
            let candidate = (local.date() + Duration::days(ahead)).and_time(at);
            if candidate > local {
                candidate
            } else {
                candidate + Duration::days(7)
            }
        }
    };
    to_utc(next, tz)
}

/// When the quiet window `(from, to)` that `now` is in ends; `None` outside it.
pub fn quiet_until(
    (from, to): (NaiveTime, NaiveTime),
    now: DateTime<Utc>,
    tz: Tz,
) -> Option<DateTime<Utc>> {
    let local = now.with_timezone(&tz).naive_local();
    let t = local.time();
    let inside = if from < to {
        t >= from && t < to
    } else {
        t >= from || t < to
    };
    if !inside {
        return None;
    }
    let end_today = local.date().and_time(to);
    let end = if end_today > local {
        end_today
    } else {
        end_today + Duration::days(1)
    };
    Some(to_utc(end, tz))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    const AMS: Tz = chrono_tz::Europe::Amsterdam;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn digest_boundaries_in_local_time() {
        // 14:20 UTC is 15:20 in Amsterdam (CET, winter).
        let now = utc("2026-11-23T14:20:00Z");
        assert_eq!(
            next_digest(DigestSchedule::Hourly, now, AMS),
            utc("2026-11-23T15:00:00Z")
        );
        assert_eq!(
            next_digest(DigestSchedule::Daily(hm(9, 0)), now, AMS),
            utc("2026-11-24T08:00:00Z")
        );
        // Monday 2026-11-23; next Monday 09:00 local.
        assert_eq!(
            next_digest(DigestSchedule::Weekly(Weekday::Mon, hm(9, 0)), now, AMS),
            utc("2026-11-30T08:00:00Z")
        );
        assert_eq!(
            next_digest(DigestSchedule::Weekly(Weekday::Mon, hm(18, 0)), now, AMS),
            utc("2026-11-23T17:00:00Z")
        );
    }

    #[test]
    fn quiet_hours_wrap_midnight() {
        let window = (hm(22, 0), hm(7, 0));
        // 23:30 local → waits until 07:00 local next day.
        assert_eq!(
            quiet_until(window, utc("2026-11-23T22:30:00Z"), AMS),
            Some(utc("2026-11-24T06:00:00Z"))
        );
        // 03:00 local → 07:00 local the same day.
        assert_eq!(
            quiet_until(window, utc("2026-11-24T02:00:00Z"), AMS),
            Some(utc("2026-11-24T06:00:00Z"))
        );
        assert_eq!(quiet_until(window, utc("2026-11-24T12:00:00Z"), AMS), None);
    }

    fn route(watch: Option<&str>, sentiment: Option<&[&str]>, mode: Mode) -> Route {
        Route {
            name: "r".into(),
            watch: watch.map(str::to_string),
            notify: vec!["mail".into(), "chat".into()],
            sentiment: sentiment.map(|s| s.iter().map(|x| x.to_string()).collect()),
            mode,
            digest: DigestSchedule::Hourly,
            quiet_hours: None,
            max_per_hour: None,
            spike: None,
        }
    }

    #[test]
    fn routes_filter_by_watch_and_sentiment() {
        let now = utc("2026-11-23T12:00:00Z");
        let routes = [route(Some("acme"), Some(&["negative"]), Mode::Instant)];
        assert_eq!(plan(&routes, "acme", Some("negative"), now, AMS).len(), 2);
        assert!(plan(&routes, "acme", Some("positive"), now, AMS).is_empty());
        assert!(plan(&routes, "acme", None, now, AMS).is_empty());
        assert!(plan(&routes, "hema", Some("negative"), now, AMS).is_empty());
        let all = [route(None, None, Mode::Digest)];
        let p = plan(&all, "hema", None, now, AMS);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].mode, "digest");
        assert_eq!(p[0].due_at, utc("2026-11-23T13:00:00Z"));
    }

    #[test]
    fn negative_mentions_on_a_spike_route_carry_its_rule() {
        let now = utc("2026-11-23T12:20:00Z");
        let mut r = route(Some("acme"), None, Mode::Instant);
        r.spike = Some(crate::config::Spike {
            negatives: 5,
            within: std::time::Duration::from_secs(1800),
        });
        let routes = [r];
        let p = plan(&routes, "acme", Some("negative"), now, AMS);
        assert_eq!(p.len(), 2);
        for d in &p {
            let rule = d.spike.expect("a negative mention carries the rule");
            assert_eq!(rule.negatives, 5);
            assert_eq!(rule.within, Duration::minutes(30));
            // Folded alerts go into the route's next (hourly) digest.
            assert_eq!(rule.digest_at, utc("2026-11-23T13:00:00Z"));
            assert_eq!((d.mode, d.due_at), ("instant", now));
        }
        assert!(plan(&routes, "acme", Some("neutral"), now, AMS)
            .iter()
            .all(|d| d.spike.is_none()));
    }
}

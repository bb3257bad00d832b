//! Times as people read them: in `[daemon] timezone`, with the zone shown
//! ("2026-11-22 15:03 CET"), local calendar dates turned into the UTC
//! instants the store keeps, and the "since when" people write (`today`,
//! `2026-11-01`, `7d`) read as such an instant, for the command line's
//! `--since` and the web API's `since=` alike. Machine formats (JSON, CSV,
//! headers) never come through here: they keep RFC 3339. Pure: no I/O, no
//! clock (callers hand in "now").

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// "2026-11-22 15:03 CET": minutes, in `tz`, with the zone's abbreviation
/// (which also tells summer from winter time).
pub fn human(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string()
}

/// A local wall-clock time as the instant it names. A time that a DST change
/// repeats is its first occurrence; one it skips moves an hour on.
pub fn to_utc(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    tz.from_local_datetime(&local)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(local + Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&local))
}

/// The instant a local day begins.
pub fn midnight(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    to_utc(day.and_time(chrono::NaiveTime::MIN), tz)
}

/// The local date `t` falls on.
pub fn date(t: DateTime<Utc>, tz: Tz) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

/// A "since when" that names no instant. Its text starts with the value as
/// written (cut to 200 characters); the caller puts the flag or parameter
/// name in front.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SinceError {
    #[error("{value:?} reaches too far back")]
    TooFarBack { value: String },
    #[error("{value:?}: use today, yesterday or a date (2026-11-01), each from local midnight in [daemon] timezone ({tz}), a duration ago (24h, 7d) or an RFC 3339 time")]
    Unreadable { value: String, tz: Tz },
}

/// The longest part of a rejected value an error repeats.
const SHOWN_VALUE: usize = 200;

/// "Since when" as the instant it names, as of `now`: `today`, `yesterday`
/// or a date (`2026-11-01`) from local midnight in `tz` (`[daemon]
/// timezone`), a duration ago (`24h`, `7d`), or an RFC 3339 time.
pub fn parse_since(s: &str, tz: Tz, now: DateTime<Utc>) -> Result<DateTime<Utc>, SinceError> {
    let value = || {
        let mut v: String = s.chars().take(SHOWN_VALUE).collect();
        if v.len() < s.len() {
            v.push('…');
        }
        v
    };
    let today = date(now, tz);
    let day = if s.eq_ignore_ascii_case("today") {
        Some(today)
    } else if s.eq_ignore_ascii_case("yesterday") {
        today.pred_opt()
    } else {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
    };
    if let Some(day) = day {
        return Ok(midnight(day, tz));
    }
    if let Ok(d) = crate::config::parse_duration(s) {
        return Duration::from_std(d)
            .ok()
            .and_then(|d| now.checked_sub_signed(d))
            .ok_or_else(|| SinceError::TooFarBack { value: value() });
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| SinceError::Unreadable { value: value(), tz })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Amsterdam;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .expect("test time")
    }

    #[test]
    fn human_shows_local_time_and_zone_across_dst() {
        assert_eq!(
            human(at("2026-10-24T12:00:00Z"), Amsterdam),
            "2026-10-24 14:00 CEST"
        );
        assert_eq!(
            human(at("2026-10-26T12:00:00Z"), Amsterdam),
            "2026-10-26 13:00 CET"
        );
        assert_eq!(
            human(at("2026-10-26T12:00:00Z"), chrono_tz::UTC),
            "2026-10-26 12:00 UTC"
        );
    }

    #[test]
    fn midnight_is_local() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
        assert_eq!(midnight(d, Amsterdam), at("2026-11-30T23:00:00Z"));
        let summer = NaiveDate::from_ymd_opt(2026, 7, 1).expect("date");
        assert_eq!(midnight(summer, Amsterdam), at("2026-06-30T22:00:00Z"));
        assert_eq!(date(at("2026-11-30T23:30:00Z"), Amsterdam), d);
    }

    #[test]
    fn since_days_begin_at_local_midnight() {
        // 00:30 CET on 1 December is still 30 November in UTC.
        let now = at("2026-11-30T23:30:00Z");
        let since = |s: &str| parse_since(s, Amsterdam, now);
        assert_eq!(since("today"), Ok(at("2026-11-30T23:00:00Z")));
        assert_eq!(since("Yesterday"), Ok(at("2026-11-29T23:00:00Z")));
        assert_eq!(since("2026-12-01"), Ok(at("2026-11-30T23:00:00Z")));
        // Summer time: local midnight is 22:00 UTC.
        assert_eq!(since("2026-07-01"), Ok(at("2026-06-30T22:00:00Z")));
        assert_eq!(
            parse_since("today", chrono_tz::UTC, now),
            Ok(at("2026-11-30T00:00:00Z"))
        );
        assert_eq!(since("24h"), Ok(at("2026-11-29T23:30:00Z")));
        assert_eq!(
            since("2026-11-01T12:00:00+01:00"),
            Ok(at("2026-11-01T11:00:00Z"))
        );
        let bad = since("tomorrow").expect_err("refused").to_string();
        assert!(
            bad.starts_with("\"tomorrow\": use today") && bad.contains("Europe/Amsterdam"),
            "{bad}"
        );
        let long = since(&"x".repeat(5000)).expect_err("refused").to_string();
        assert!(long.len() < 600, "the value is cut: {long}");
    }

    #[test]
    fn skipped_local_times_move_on() {
        // 2026-03-29 02:30 does not exist in Amsterdam.
        let gap = NaiveDate::from_ymd_opt(2026, 3, 29)
            .and_then(|d| d.and_hms_opt(2, 30, 0))
            .expect("time");
        assert_eq!(to_utc(gap, Amsterdam), at("2026-03-29T01:30:00Z"));
    }
}

//! Times as people read them: in `[daemon] timezone`, with the zone shown
//! ("2026-11-22 15:03 CET"), and local calendar dates turned into the UTC
//! instants the store keeps. Machine formats (JSON, CSV, headers) never come
//! through here: they keep RFC 3339. Pure: no I/O, no clock.

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
    fn skipped_local_times_move_on() {
        // 2026-03-29 02:30 does not exist in Amsterdam.
        let gap = NaiveDate::from_ymd_opt(2026, 3, 29)
            .and_then(|d| d.and_hms_opt(2, 30, 0))
            .expect("time");
        assert_eq!(to_utc(gap, Amsterdam), at("2026-03-29T01:30:00Z"));
    }
}

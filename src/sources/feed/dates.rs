//! Feed dates as feeds write them, for feed-rs's pluggable timestamp parser.
//!
//! feed-rs reads RFC 3339 and RFC 2822 with a few regex fixes; a date it
//! cannot read it drops. This parser reads those two first (chrono, no
//! allocation), then what feedparser also reads and feed-rs drops: slashes
//! (`2020/1/10 14:33`), ISO 8601 without a zone (read as UTC), a weekday
//! without its comma or in another language, long or Dutch month names, zone
//! abbreviations. It keeps feed-rs's own fixes (a wrong weekday, `UTC`,
//! `-0000`, ` Z`, single-digit hours, `24:` as midnight, a date alone). The
//! cost is bounded: at most [`MAX_LEN`] bytes, one pass, no regex. It never
//! guesses a day-month order (`05-03-2024` stays unread).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// Longer text is no date.
const MAX_LEN: usize = 100;

/// The instant `text` names, or `None` when it is no date this reads.
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    let s = text.trim();
    if s.is_empty() || s.len() > MAX_LEN {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(s) {
        return Some(t.with_timezone(&Utc));
    }
    iso_like(s).or_else(|| written_out(s))
}

/// `2024-03-05`, `2024-03-05T10:20:00`, `2020/1/10 14:33`, with an optional
/// fraction and zone (`Z`, `+01:00`, `+0100`, `+01`, `UTC`, `CET`).
fn iso_like(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    let mut i = 0;
    let year = number(b, &mut i, 4, 4)?;
    let sep = *b.get(i).filter(|c| matches!(c, b'-' | b'/' | b'.'))?;
    i += 1;
    let month = number(b, &mut i, 1, 2)?;
    if b.get(i) != Some(&sep) {
        return None;
    }
    i += 1;
    let day = number(b, &mut i, 1, 2)?;
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    let rest = &s[i..];
    let rest = rest
        .strip_prefix(['T', 't'])
        .unwrap_or_else(|| rest.trim_start());
    if rest.is_empty() {
        return at(date, NaiveTime::MIN, 0);
    }
    let (time, rest) = clock(rest)?;
    let offset = zone(rest.trim())?;
    at(date, time, offset)
}

/// RFC 822 as people write it: `Tue 05 Mar 2024 10:20:00 +0100`,
/// `mer, 16 nov 2022 00:38:15 +0100`, `2 September 2019 20:00 GMT`,
/// `March 5, 2024 10:20`, `5 mrt 2024`.
fn written_out(s: &str) -> Option<DateTime<Utc>> {
    let mut words = s
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .peekable();
    // A weekday in any language, with or without its comma, is skipped: it
    // is often wrong and says nothing the date does not.
    if words
        .peek()
        .is_some_and(|w| w.chars().all(char::is_alphabetic) && month(w).is_none())
    {
        words.next();
    }
    let first = words.next()?;
    let second = words.next()?;
    let (day, month) = match (month(first), month(second)) {
        (None, Some(m)) => (first, m),
        (Some(m), None) => (second, m),
        _ => return None,
    };
    let day: u32 = day.trim_end_matches('.').parse().ok()?;
    let year = words.next()?;
    let year: i32 = match (year.len(), year.parse::<i32>().ok()?) {
        (4, y) => y,
        // RFC 2822's rule for two-digit years.
        (2, y) if y < 50 => 2000 + y,
        (2, y) => 1900 + y,
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let Some(time) = words.next() else {
        return at(date, NaiveTime::MIN, 0);
    };
    let (time, rest) = clock(time)?;
    // What follows the time: a zone, written on its own or glued on.
    let mut zone_text = rest.to_string();
    for w in words.by_ref().take(2) {
        if w.starts_with('(') {
            break;
        }
        zone_text.push_str(w);
    }
    if words.next().is_some() {
        return None;
    }
    at(date, time, zone(&zone_text)?)
}

/// `10:20`, `1:27`, `10:20:00`, `10:20:00.123`, and what follows it.
/// `24:05` is read as `00:05` the same day, as feed-rs does.
fn clock(s: &str) -> Option<(NaiveTime, &str)> {
    let b = s.as_bytes();
    let mut i = 0;
    let hour = number(b, &mut i, 1, 2)?;
    if b.get(i) != Some(&b':') {
        return None;
    }
    i += 1;
    let minute = number(b, &mut i, 2, 2)?;
    let mut second = 0;
    if b.get(i) == Some(&b':') {
        i += 1;
        second = number(b, &mut i, 2, 2)?;
        if matches!(b.get(i), Some(b'.' | b',')) {
            i += 1;
            // The fraction is dropped: stored times are whole seconds.
            let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return None;
            }
            i += digits;
        }
    }
    let hour = if hour == 24 { 0 } else { hour };
    Some((NaiveTime::from_hms_opt(hour, minute, second)?, &s[i..]))
}

/// A zone as seconds east of UTC: nothing (UTC), `Z`, `+01:00`, `+0100`,
/// `+01`, `GMT+1`, or a common abbreviation.
fn zone(s: &str) -> Option<i32> {
    let s = s.trim();
    if s.is_empty() {
        return Some(0);
    }
    let (name, numeric) = match s.find(['+', '-']) {
        Some(at) => (&s[..at], Some(&s[at..])),
        None => (s, None),
    };
    let base = match name.to_ascii_uppercase().as_str() {
        "" | "Z" | "UT" | "UTC" | "GMT" | "WET" => 0,
        "BST" | "CET" | "MET" | "WEST" => 3600,
        "CEST" | "MEST" | "EET" => 7200,
        "EEST" => 3 * 3600,
        "EDT" => -4 * 3600,
        "EST" | "CDT" => -5 * 3600,
        "CST" | "MDT" => -6 * 3600,
        "MST" | "PDT" => -7 * 3600,
        "PST" => -8 * 3600,
        _ => return None,
    };
    let Some(numeric) = numeric else {
        return Some(base);
    };
    let b = numeric.as_bytes();
    let sign = if b[0] == b'-' { -1 } else { 1 };
    let digits: Vec<u32> = b[1..]
        .iter()
        .filter(|c| **c != b':')
        .map(|c| c.is_ascii_digit().then(|| u32::from(c - b'0')))
        .collect::<Option<_>>()?;
    let (hours, minutes) = match digits.as_slice() {
        [h] => (*h, 0),
        [h1, h2] => (h1 * 10 + h2, 0),
        [h1, h2, m1, m2] => (h1 * 10 + h2, m1 * 10 + m2),
        _ => return None,
    };
    if hours > 14 || minutes > 59 {
        return None;
    }
    // `-0000` is UTC, as feed-rs reads it.
    Some(base + sign * i32::try_from(hours * 3600 + minutes * 60).ok()?)
}

/// A month's number from its English or Dutch name or abbreviation.
fn month(word: &str) -> Option<u32> {
    let w = word.trim_end_matches('.').to_lowercase();
    let m = match w.as_str() {
        "mrt" | "maart" => 3,
        "mei" => 5,
        "okt" | "oktober" => 10,
        _ => {
            const NAMES: [&str; 12] = [
                "january",
                "february",
                "march",
                "april",
                "may",
                "june",
                "july",
                "august",
                "september",
                "october",
                "november",
                "december",
            ];
            // A prefix of at least three letters of the English name, or the
            // Dutch spellings that differ only in their ending.
            let dutch = |w: &str| match w {
                "januari" => Some(1),
                "februari" => Some(2),
                "juni" => Some(6),
                "juli" => Some(7),
                "augustus" => Some(8),
                _ => None,
            };
            if let Some(m) = dutch(&w) {
                return Some(m);
            }
            if w.len() < 3 {
                return None;
            }
            let at = NAMES.iter().position(|n| n.starts_with(w.as_str()))?;
            u32::try_from(at + 1).ok()?
        }
    };
    Some(m)
}

/// An unsigned number of `min..=max` ASCII digits at `b[*i..]`.
fn number(b: &[u8], i: &mut usize, min: usize, max: usize) -> Option<u32> {
    let digits = b[*i..]
        .iter()
        .take(max + 1)
        .take_while(|c| c.is_ascii_digit())
        .count();
    if digits < min || digits > max {
        return None;
    }
    let n = std::str::from_utf8(&b[*i..*i + digits])
        .ok()?
        .parse()
        .ok()?;
    *i += digits;
    Some(n)
}

fn at(date: NaiveDate, time: NaiveTime, offset: i32) -> Option<DateTime<Utc>> {
    let local = NaiveDateTime::new(date, time);
    let t = FixedOffset::east_opt(offset)?
        .from_local_datetime(&local)
        .single()?;
    Some(t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Option<&str>) {
        let got = parse(text).map(|t| t.to_rfc3339());
        let want = expected.map(|e| {
            DateTime::parse_from_rfc3339(e)
                .expect("a valid expectation")
                .with_timezone(&Utc)
                .to_rfc3339()
        });
        assert_eq!(got, want, "{text:?}");
    }

    #[test]
    fn issue15_dates_feed_rs_drops() {
        check("2020/1/10 14:33", Some("2020-01-10T14:33:00Z"));
        check("2024-03-05T10:20:00", Some("2024-03-05T10:20:00Z"));
        check("2024-03-05 10:20", Some("2024-03-05T10:20:00Z"));
        check(
            "Tue 05 Mar 2024 10:20:00 +0100",
            Some("2024-03-05T09:20:00Z"),
        );
        check(
            "Tuesday 5 March 2024 10:20 CET",
            Some("2024-03-05T09:20:00Z"),
        );
        check("di 5 mrt 2024 10:20:00 +0100", Some("2024-03-05T09:20:00Z"));
        check("5 mei 2024", Some("2024-05-05T00:00:00Z"));
        check("March 5, 2024 10:20:00 GMT", Some("2024-03-05T10:20:00Z"));
        check(
            "2024-03-05T10:20:00.123+01:00",
            Some("2024-03-05T09:20:00.123Z"),
        );
        check("2024-03-05T10:20:00.123", Some("2024-03-05T10:20:00Z"));
        check("2024-03-05T10:20:00+0100", Some("2024-03-05T09:20:00Z"));
        check("2024-03-05T10:20:00 UTC", Some("2024-03-05T10:20:00Z"));
        check(
            "Tue, 05 Mar 2024 10:20:00 GMT+1",
            Some("2024-03-05T09:20:00Z"),
        );
    }

    #[test]
    fn what_feed_rs_reads_still_reads() {
        // feed-rs 2.4's own test cases for its lenient parser.
        check(
            "26 August 2019 10:00:00 +0000",
            Some("2019-08-26T10:00:00Z"),
        );
        check(
            "Mon, 01 Jan 0001 00:00:00 UTC",
            Some("0001-01-01T00:00:00Z"),
        );
        check(
            "Wed, 22 Jan 2020 10:58:02 -0000",
            Some("2020-01-22T10:58:02Z"),
        );
        check(
            "Wed, 25 Aug 2012 03:25:42 GMT",
            Some("2012-08-25T03:25:42Z"),
        );
        check(
            "2 September 2019 20:00:00 +0000",
            Some("2019-09-02T20:00:00Z"),
        );
        check("2016-10-01T00:00:00+10:00", Some("2016-09-30T14:00:00Z"));
        check("24 Sep 2013 1:27 PDT", Some("2013-09-24T08:27:00Z"));
        check("5 Jun 2017 24:05 PDT", Some("2017-06-05T07:05:00Z"));
        check("Tue, 15 Nov 2022 20:15:04 Z", Some("2022-11-15T20:15:04Z"));
        check(
            "mer, 16 nov 2022 00:38:15 +0100",
            Some("2022-11-15T23:38:15Z"),
        );
        check("2014-12-29T14:53:35+0200", Some("2014-12-29T12:53:35Z"));
        check("2014-12-29", Some("2014-12-29T00:00:00Z"));
        check(
            "Thu, 21 Dec 2000 16:01:07 +0200",
            Some("2000-12-21T14:01:07Z"),
        );
    }

    #[test]
    fn what_is_no_date_stays_unread() {
        for text in [
            "",
            "gisteren",
            "05-03-2024",
            "2024-13-05",
            "2024-02-30T10:00:00",
            "31 Feb 2024",
            "5 Mar 2024 25:00",
            "5 Mar 2024 10:20 +9999",
            "5 Mar 2024 10:20 Mars",
            "2024-03-05T10:20:00 and more",
            "5 Mar 2024 10:20 GMT extra words here",
            "١٢ Mar 2024",
        ] {
            check(text, None);
        }
        // Bounded: a long text is not scanned.
        check(&"5 Mar 2024 ".repeat(100), None);
    }
}

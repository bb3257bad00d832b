//! The value types a config file writes as text: durations (`10m`,
//! `1h30m`) and sizes (`10MiB`), parsed with messages fit for the user and
//! written back the way a person would. No ranges here: those are checked
//! where each key is validated.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

/// A duration written as `30s`, `10m`, `2h`, `1d`, `500ms` or combined (`1h30m`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanDuration(pub Duration);

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_duration(&s)
            .map(HumanDuration)
            .map_err(serde::de::Error::custom)
    }
}

/// Written back the way a person would: `10m`, `2h`, `400d`, `1h30m`, `250ms`.
impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut secs = self.0.as_secs();
        let millis = self.0.subsec_millis();
        if secs == 0 {
            return match millis {
                0 => f.write_str("0s"),
                ms => write!(f, "{ms}ms"),
            };
        }
        for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
            if secs >= size {
                write!(f, "{}{unit}", secs / size)?;
                secs %= size;
            }
        }
        if millis > 0 {
            write!(f, "{millis}ms")?;
        }
        Ok(())
    }
}

/// Parses `30s`, `10m`, `2h`, `1d`, `1w`, `500ms`, and sums like `1h30m`.
/// A sum too large to hold is an error, never a wrap-around or a panic.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("invalid duration {s:?}: use a number and a unit, e.g. 30s, 10m, 2h, 1d");
    let too_long = || format!("invalid duration {s:?}: far too long");
    let t = s.trim();
    if t.is_empty() {
        return Err(bad());
    }
    let mut total = Duration::ZERO;
    let mut rest = t;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(bad());
        }
        // Only digits, so the parse fails only when the number is too large.
        let n: u64 = rest[..digits].parse().map_err(|_| too_long())?;
        rest = rest[digits..].trim_start();
        let unit_len = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = rest[unit_len..].trim_start();
        let secs = match unit {
            "ms" => {
                total = total
                    .checked_add(Duration::from_millis(n))
                    .ok_or_else(too_long)?;
                continue;
            }
            "s" | "sec" | "secs" => 1,
            "m" | "min" | "mins" => 60,
            "h" | "hr" | "hours" | "hour" => 3600,
            "d" | "day" | "days" => 86_400,
            "w" | "week" | "weeks" => 7 * 86_400,
            _ => return Err(bad()),
        };
        let part = Duration::from_secs(n.checked_mul(secs).ok_or_else(too_long)?);
        total = total.checked_add(part).ok_or_else(too_long)?;
    }
    Ok(total)
}

/// A size written as `10MiB`, `512KiB`, `1MB`, `2048` (bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub u64);

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(i64),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::N(n) => u64::try_from(n).map(ByteSize).map_err(|_| {
                serde::de::Error::custom(format!("invalid size {n}: a size is not negative"))
            }),
            Raw::S(s) => parse_size(&s)
                .map(ByteSize)
                .map_err(serde::de::Error::custom),
        }
    }
}

/// Written back in the largest binary unit that divides it: `10MiB`, `1500`.
impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        for (unit, size) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
            if n >= size && n.is_multiple_of(size) {
                return write!(f, "{}{unit}", n / size);
            }
        }
        write!(f, "{n}")
    }
}

/// Parses `10MiB`, `512KiB`, `1MB`, `1GiB`, `2048`.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let bad = || format!("invalid size {s:?}: use e.g. 10MiB, 512KiB or a number of bytes");
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let n: f64 = t[..split].parse().map_err(|_| bad())?;
    let mult: u64 = match t[split..].trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1000,
        "kib" => 1024,
        "m" | "mb" => 1_000_000,
        "mib" => 1024 * 1024,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1024 * 1024 * 1024,
        _ => return Err(bad()),
    };
    let v = n * mult as f64;
    if v > 1e12 {
        return Err(format!("invalid size {s:?}: far too large"));
    }
    if !(1.0..=1e12).contains(&v) {
        return Err(bad());
    }
    Ok(v as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_duration(input: &str, expected: Option<u64>) {
        assert_eq!(
            parse_duration(input).ok().map(|d| d.as_millis() as u64),
            expected,
            "{input}"
        );
    }

    #[test]
    fn durations() {
        check_duration("30s", Some(30_000));
        check_duration("10m", Some(600_000));
        check_duration("1h30m", Some(5_400_000));
        check_duration("400d", Some(400 * 86_400_000));
        check_duration("250ms", Some(250));
        check_duration("10", None);
        check_duration("10x", None);
        check_duration("", None);
        check_duration("m", None);
        // Too long to hold: an error, never a wrap-around or a panic.
        check_duration("18446744073709551615s1s", None);
        check_duration("99999999999999999999s", None);
        check_duration("18446744073709551615w", None);
        check_duration("18446744073709551615ms18446744073709551615s", None);
    }

    #[test]
    fn durations_and_sizes_are_written_back_as_people_write_them() {
        for (input, shown) in [
            ("0s", "0s"),
            ("250ms", "250ms"),
            ("90s", "1m30s"),
            ("1h30m", "1h30m"),
            ("36500d", "36500d"),
            ("1w", "7d"),
        ] {
            let d = parse_duration(input).map(HumanDuration);
            assert_eq!(d.map(|d| d.to_string()), Ok(shown.to_string()), "{input}");
        }
        assert_eq!(ByteSize(1 << 30).to_string(), "1GiB");
        assert_eq!(ByteSize(10 << 20).to_string(), "10MiB");
        assert_eq!(ByteSize(1023).to_string(), "1023");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10MiB"), Ok(10 * 1024 * 1024));
        assert_eq!(parse_size("1kb"), Ok(1000));
        assert_eq!(parse_size("2048"), Ok(2048));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("0").is_err());
    }
}

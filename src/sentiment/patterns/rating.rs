//! Ratings written in the text ("★☆☆☆☆", "1/5", "2 van de 5", "10/10",
//! "1 ster", "2 sterren", "one star"): a reviewer's own verdict, so a low
//! rating is a strong complaint and a high one strong praise, whatever the
//! words around it say. Numbers that only look like ratings are left alone:
//! dates ("op 1/5", "10/10/2024"), times and fractions ("24/7", "1/2 uur",
//! "3/4"), shares ("9/10 of which", "2 van de 5 pakketten"), thread counters
//! ("(1/5)", "1/10 🧵") and a hotel's class ("5 sterren hotel"). Pure text
//! in, one hit out; the engine (`patterns`) decides when to run it.

use aho_corasick::AhoCorasick;
use regex::Regex;

use super::Hit;

/// The name ratings carry in reasons.
pub(in crate::sentiment) const NAME: &str = "rating-text";

/// Written ratings in the lowercased text: star glyphs, `N/M`, `N out of
/// M` (and Dutch `N uit/op/van de M`), `N stars`. `M` is 5 or 10.
pub(super) const REGEX: &str = concat!(
    r"(?P<glyphs>[★☆⭐](?:\x{FE0F}?\s?[★☆⭐]){1,9})",
    r"|(?P<fnum>\d{1,2}(?:[.,]5)?)\s?/\s?(?P<fden>10|5)(?-u:\b)",
    r"|(?:(?-u:\b)(?P<vnum>\d{1,2}(?:[.,]5)?|zero|one|two|three|four|five|six|seven|eight|nine|ten|nul|een|twee|drie|vier|vijf|zes|zeven|acht|negen|tien)|(?P<vnum2>één))",
    r"\s(?:out of|outta|uit|op|van de)\s(?P<vden>10|5|five|ten|vijf|tien)(?-u:\b)",
    r"|(?:(?-u:\b)(?P<snum>\d(?:[.,]5)?|zero|no|one|two|three|four|five|nul|geen|twee|drie|vier|vijf|half a|halve|anderhalve)|(?P<snum2>één))",
    r"[ -]?(?:(?P<sunit>stars?|sterren|sterretjes|sterretje|ster)(?-u:\b)|(?P<sglyph>⭐))",
);

/// What a rating cannot do without: a slash (after a digit, which the
/// gate checks), a word starting "star"/"ster", a star glyph, or a scale
/// ("of 5", "uit tien", "van de 5").
pub(super) const GATE: &[&str] = &[
    "/", " star", "-star", " ster", "-ster", "★", "☆", "⭐", "of 5", "of 10", "of five", "of ten",
    "outta", "uit 5", "uit 10", "uit vijf", "uit tien", "op 5", "op 10", "op vijf", "op tien",
    "de 5", "de 10", "de vijf", "de tien",
];

/// Cheap test before the regex runs, with an automaton over [`GATE`]: most
/// texts hold none of it, and a slash in a link is not after a digit.
pub(super) fn may_hold(gate: &AhoCorasick, lower: &str) -> bool {
    let b = lower.as_bytes();
    gate.find_iter(lower).any(|m| {
        m.pattern().as_usize() != 0
            || b[..m.start()]
                .iter()
                .rev()
                .find(|c| **c != b' ')
                .is_some_and(u8::is_ascii_digit)
    })
}

/// Words after `N/M` that make it a share, a time or a size, not a rating.
const QUANTITIES: &[&str] = &[
    "of",
    "van",
    "uit",
    "from",
    "min",
    "mins",
    "minute",
    "minutes",
    "minuten",
    "minuut",
    "sec",
    "seconds",
    "seconden",
    "uur",
    "uren",
    "hour",
    "hours",
    "hrs",
    "u",
    "h",
    "day",
    "days",
    "dag",
    "dagen",
    "week",
    "weeks",
    "weken",
    "month",
    "months",
    "maand",
    "maanden",
    "year",
    "years",
    "jaar",
    "times",
    "keer",
    "x",
    "km",
    "kg",
    "m",
    "cm",
    "gb",
    "mb",
    "mbit",
    "procent",
    "percent",
    "people",
    "mensen",
    "personen",
    "users",
    "klanten",
    "customers",
    "packages",
    "pakketten",
    "pakketjes",
    "items",
    "deel",
    "delen",
    "part",
    "parts",
    "of the",
];

/// Words before `N/M` that make it a date or a count ("op 1/5", "since
/// 10/10", "deel 2/5").
const DATE_OR_COUNT: &[&str] = &[
    "op",
    "on",
    "sinds",
    "since",
    "vanaf",
    "tot",
    "till",
    "until",
    "per",
    "na",
    "after",
    "before",
    "om",
    "at",
    "by",
    "uiterlijk",
    "tegen",
    "datum",
    "date",
    "deel",
    "part",
    "dag",
    "day",
    "aflevering",
    "episode",
    "thread",
    "draadje",
    "t/m",
];

/// Words that may follow `N out of M` and `N stars` in a rating ("3 out of
/// 5 stars", "2 van de 5, maar", "1 ster voor de service").
const RATING_FOLLOWERS: &[&str] = &[
    "stars",
    "star",
    "sterren",
    "ster",
    "sterretjes",
    "punten",
    "points",
    "voor",
    "for",
    "van mij",
    "from me",
    "maar",
    "but",
    "en",
    "and",
    "would",
    "zou",
    "overall",
    "rating",
    "score",
    "because",
    "omdat",
    "want",
];

/// A hotel's or a restaurant's class, not a verdict.
const CLASSES: &[&str] = &[
    "hotel",
    "hotels",
    "restaurant",
    "resort",
    "camping",
    "general",
    "michelin",
    "chef",
];

/// The first written rating in `lower` (lowercased text), as a hit whose
/// valence grows with the distance from a middling rating.
pub(super) fn find(re: &Regex, lower: &str) -> Option<Hit> {
    for caps in re.captures_iter(lower) {
        let m = caps.get(0)?;
        let (before, after) = (&lower[..m.start()], &lower[m.end()..]);
        // "4.1 stars" is no "1 stars"
        if before.ends_with(|c: char| c.is_ascii_digit() || c == '.' || c == ',') {
            continue;
        }
        let value = if let Some(g) = caps.name("glyphs") {
            glyphs(g.as_str())
        } else if let (Some(n), Some(d)) = (caps.name("fnum"), caps.name("fden")) {
            fraction(n.as_str(), d.as_str(), before, after, lower)
        } else if let Some(d) = caps.name("vden") {
            let n = caps.name("vnum").or(caps.name("vnum2"))?;
            followed_by_rating(after)
                .then(|| Some((number(n.as_str())?, number(d.as_str())?)))
                .flatten()
        } else {
            let n = caps.name("snum").or(caps.name("snum2"))?;
            stars(n.as_str(), caps.name("sunit").map(|u| u.as_str()), after)
        };
        if let Some((v, best)) = value {
            return Some(Hit {
                name: NAME.to_owned(),
                start: m.start(),
                end: m.end(),
                valence: valence(v / best),
            });
        }
    }
    None
}

/// Valence of a rating at `f` of its scale: 2/5 and lower a strong
/// complaint (−2.5 … −3.5 at zero), 4/5 and higher strong praise (+2.5 …
/// +3.5 at the top), 3/5 (6/10) neutral, linear between.
fn valence(f: f32) -> f32 {
    let f = f.clamp(0.0, 1.0);
    if f <= 0.4 {
        -2.5 - (0.4 - f) * 2.5
    } else if f >= 0.8 {
        2.5 + (f - 0.8) * 5.0
    } else {
        (f - 0.6) * 12.5
    }
}

/// "★★☆☆☆" is 2 of 5; five filled stars and nothing else is 5 of 5; fewer
/// filled stars without empty ones are decoration.
fn glyphs(s: &str) -> Option<(f32, f32)> {
    let filled = s.chars().filter(|c| matches!(c, '★' | '⭐')).count();
    let empty = s.chars().filter(|c| *c == '☆').count();
    let total = filled + empty;
    let scale = total == 5 || total == 10;
    (scale && (empty > 0 || filled == 5)).then_some((filled as f32, total as f32))
}

/// `N/M` unless a date, a time, a share or a thread counter.
fn fraction(n: &str, d: &str, before: &str, after: &str, lower: &str) -> Option<(f32, f32)> {
    let prev_char = before.chars().next_back();
    if prev_char.is_some_and(|c| c.is_alphanumeric() || matches!(c, '/' | '.' | ',' | ':' | '-')) {
        return None;
    }
    let next_char = after.chars().next();
    if next_char.is_some_and(|c| c.is_ascii_digit() || c == '/')
        || after.starts_with(['.', ',']) && after[1..].starts_with(|c: char| c.is_ascii_digit())
    {
        return None;
    }
    if prev_char == Some('(') && after.starts_with(')') || lower.contains('🧵') {
        return None;
    }
    let prev_word = before.split_whitespace().next_back();
    if prev_word.is_some_and(|w| DATE_OR_COUNT.contains(&w)) {
        return None;
    }
    if next_words(after, 2).any(|w| QUANTITIES.contains(&w)) {
        return None;
    }
    let (n, d) = (number(n)?, number(d)?);
    (n <= 2.0 * d).then_some((n, d))
}

/// `N stars`: singular only for one or less ("one star", "1 ster"; "5 star
/// hotel" is a class), never before a class noun, nor someone else's.
fn stars(n: &str, unit: Option<&str>, after: &str) -> Option<(f32, f32)> {
    let n = number(n)?;
    let singular = matches!(unit, Some("star" | "ster" | "sterretje"));
    if (singular && n > 1.0) || n > 5.0 {
        return None;
    }
    if next_words(after, 1).any(|w| CLASSES.contains(&w)) {
        return None;
    }
    // "5 sterren van de VN Thrillergids", "4 stars on Amazon": someone
    // else's rating ("1 ster van mij" is the writer's).
    let next: Vec<&str> = next_words(after, 2).collect();
    let reported = matches!(next.first(), Some(&("van" | "from" | "on" | "op" | "bij")))
        && !matches!(next.get(1), Some(&("mij" | "me" | "ons" | "us")));
    (!reported).then_some((n, 5.0))
}

/// Whether a verbal rating ("2 out of 5") ends there: the text ends, or
/// punctuation or an emoji follows, or a word that goes on with a rating.
fn followed_by_rating(after: &str) -> bool {
    let rest = after.trim_start();
    match rest.chars().next() {
        None => true,
        Some(c) if !c.is_alphanumeric() => true,
        Some(_) => {
            let two: Vec<&str> = next_words(after, 2).collect();
            two.first().is_some_and(|w| RATING_FOLLOWERS.contains(w))
                || RATING_FOLLOWERS.contains(&two.join(" ").as_str())
        }
    }
}

/// The next `n` words of `s`, trimmed of punctuation.
fn next_words(s: &str, n: usize) -> impl Iterator<Item = &str> {
    s.split_whitespace()
        .take(n)
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '%'))
}

/// A digit string ("4,5") or a number word as written in a rating.
fn number(s: &str) -> Option<f32> {
    let v = match s {
        "zero" | "no" | "nul" | "geen" => 0.0,
        "half a" | "halve" => 0.5,
        "one" | "een" | "één" => 1.0,
        "anderhalve" => 1.5,
        "two" | "twee" => 2.0,
        "three" | "drie" => 3.0,
        "four" | "vier" => 4.0,
        "five" | "vijf" => 5.0,
        "six" | "zes" => 6.0,
        "seven" | "zeven" => 7.0,
        "eight" | "acht" => 8.0,
        "nine" | "negen" => 9.0,
        "ten" | "tien" => 10.0,
        digits => digits.replace(',', ".").parse().ok()?,
    };
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate() -> AhoCorasick {
        AhoCorasick::new(GATE).expect("the gate builds")
    }

    fn rated(text: &str) -> Option<f32> {
        let re = Regex::new(REGEX).expect("the rating regex compiles");
        let lower = text.to_lowercase();
        assert!(may_hold(&gate(), &lower), "{text:?} passes the gate");
        find(&re, &lower).map(|h| h.valence)
    }

    #[test]
    fn written_ratings_count_both_ways() {
        for low in [
            "★☆☆☆☆",
            "Service: 1/5",
            "2 van de 5.",
            "1 ster",
            "2 sterren voor de bezorging",
            "one star",
            "0/10 would not recommend",
            "Één ster, meer niet",
            "zero stars",
            "2 out of 5 stars",
            "1 ster van mij",
        ] {
            assert!(
                rated(low).is_some_and(|v| v <= -2.5),
                "{low:?}: {:?}",
                rated(low)
            );
        }
        for high in [
            "10/10 would recommend",
            "5/5!",
            "⭐⭐⭐⭐⭐",
            "vijf sterren",
            "4,5/5",
        ] {
            assert!(
                rated(high).is_some_and(|v| v >= 2.5),
                "{high:?}: {:?}",
                rated(high)
            );
        }
        assert_eq!(rated("3/5"), Some(0.0));
    }

    #[test]
    fn links_and_other_words_skip_the_regex() {
        let g = gate();
        for text in [
            "zie https://t.co/abc",
            "gisteren bij de minister",
            "start now",
        ] {
            assert!(!may_hold(&g, text), "{text:?}");
        }
    }

    #[test]
    fn dates_times_fractions_and_shares_are_no_rating() {
        let (g, re) = (gate(), Regex::new(REGEX).expect("compiles"));
        for text in [
            "24/7 bereikbaar",
            "over 1/2 uur",
            "3/4 van de tijd",
            "op 1/5 besteld",
            "delivered on 10/10/2024",
            "since 10/10",
            "9/10 of which arrived",
            "5/10 minutes late",
            "2 van de 5 pakketten kwamen aan",
            "(1/5) a thread",
            "1/10 🧵",
            "5 sterren hotel",
            "5 star service",
            "sterke punten: 2 out of 5 packages",
            "Wat een sterretje",
            "rated 4.1 stars",
            "het kreeg 5 sterren van de recensent",
        ] {
            let lower = text.to_lowercase();
            assert!(
                !may_hold(&g, &lower) || find(&re, &lower).is_none(),
                "{text:?}"
            );
        }
    }
}

//! What every target says about a mention, cleaned but not yet escaped:
//! its tone (and the colours and emoji that show it), label, title, author,
//! sources, stars, the one short line of why, terms, times (local, with the
//! zone) and the one-line "meta" summary. Pure: no I/O.
//!
//! Alerts put the customer's words first and the scorer's verdict last, in
//! plain words: the label and at most one line of the words that weighed.
//! Pattern names, numbers and rules stay in `earshot mentions show`.

use super::Frame;
use chrono::{DateTime, SecondsFormat, Utc};

use super::escape::{cut, one_line};
use crate::store::Mention;

/// "by Jan · Trustpilot · ★★☆☆☆ · negative · 2026-11-22 15:03 CET", cleaned,
/// not escaped: who said it and where, then the verdict, then when.
pub(super) fn meta_line(m: &Mention, frame: &Frame) -> String {
    let mut line = byline(m);
    if let Some(l) = label(m) {
        line.push_str(" · ");
        line.push_str(&cut(&l, 20));
    }
    line.push_str(" · ");
    line.push_str(&human(when(m), frame));
    line
}

/// "by Jan · Trustpilot · ★★☆☆☆": who said it, where, and the stars.
pub(super) fn byline(m: &Mention) -> String {
    let mut parts = Vec::new();
    if let Some(a) = author(m) {
        parts.push(format!("by {}", cut(&a, 60)));
    }
    parts.push(sources(m));
    parts.extend(stars(m));
    parts.join(" · ")
}

/// `negative — "reageert niet", "waardeloos"`: the label and its one line
/// of why; `None` for an unscored mention.
pub(super) fn verdict(m: &Mention) -> Option<String> {
    let label = cut(&label(m)?, 20);
    Some(match why(m) {
        Some(why) => format!("{label} — {why}"),
        None => label,
    })
}

/// How a mention's sentiment shows: colour, emoji, card style, and its
/// place in a digest (negatives first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tone {
    Negative = 0,
    Neutral = 1,
    Positive = 2,
    Unscored = 3,
}

impl Tone {
    pub(super) const ALL: [Tone; 4] = [
        Tone::Negative,
        Tone::Neutral,
        Tone::Positive,
        Tone::Unscored,
    ];

    pub(super) fn name(self) -> &'static str {
        match self {
            Tone::Negative => "negative",
            Tone::Neutral => "neutral",
            Tone::Positive => "positive",
            Tone::Unscored => "unscored",
        }
    }

    pub(super) fn rgb(self) -> u32 {
        match self {
            Tone::Negative => 0xD93025,
            Tone::Neutral | Tone::Unscored => 0x9AA0A6,
            Tone::Positive => 0x1E8E3E,
        }
    }

    pub(super) fn hex(self) -> &'static str {
        match self {
            Tone::Negative => "#d93025",
            Tone::Neutral | Tone::Unscored => "#9aa0a6",
            Tone::Positive => "#1e8e3e",
        }
    }

    pub(super) fn emoji(self) -> &'static str {
        match self {
            Tone::Negative => "🔴",
            Tone::Neutral | Tone::Unscored => "⚪",
            Tone::Positive => "🟢",
        }
    }

    pub(super) fn teams_style(self) -> &'static str {
        match self {
            Tone::Negative => "attention",
            Tone::Neutral | Tone::Unscored => "emphasis",
            Tone::Positive => "good",
        }
    }

    pub(super) fn teams_colour(self) -> &'static str {
        match self {
            Tone::Negative => "Attention",
            Tone::Neutral | Tone::Unscored => "Default",
            Tone::Positive => "Good",
        }
    }
}

pub(super) fn tone(m: &Mention) -> Tone {
    match m
        .sentiment
        .as_ref()
        .map(|s| s.label.trim().to_ascii_lowercase())
    {
        None => Tone::Unscored,
        Some(l) if l == "negative" => Tone::Negative,
        Some(l) if l == "positive" => Tone::Positive,
        Some(_) => Tone::Neutral,
    }
}

/// The sentiment label, cleaned, when there is one.
pub(super) fn label(m: &Mention) -> Option<String> {
    m.sentiment
        .as_ref()
        .map(|s| one_line(&s.label))
        .filter(|l| !l.is_empty())
}

/// When it happened, as far as we know: published, else found.
pub(super) fn when(m: &Mention) -> DateTime<Utc> {
    m.published_at.unwrap_or(m.found_at)
}

pub(super) fn title(m: &Mention) -> String {
    let t = cut(&one_line(&m.title), 500);
    if t.is_empty() {
        "(untitled)".to_string()
    } else {
        t
    }
}

pub(super) fn sources(m: &Mention) -> String {
    let names: Vec<String> = m
        .sources
        .iter()
        .map(|s| cut(&one_line(s), 60))
        .filter(|s| !s.is_empty())
        .take(10)
        .collect();
    if names.is_empty() {
        "(unknown source)".to_string()
    } else {
        names.join(", ")
    }
}

pub(super) fn terms(m: &Mention) -> String {
    m.terms
        .iter()
        .map(|t| cut(&one_line(t), 60))
        .filter(|t| !t.is_empty())
        .take(20)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A time as people read it: in `[daemon] timezone`, with the zone
/// ("2026-11-22 15:03 CET").
pub(super) fn human(t: DateTime<Utc>, frame: &Frame) -> String {
    crate::localtime::human(t, frame.tz)
}

/// The author, cleaned, when there is one.
pub(super) fn author(m: &Mention) -> Option<String> {
    m.author.as_deref().map(one_line).filter(|a| !a.is_empty())
}

/// The review's rating as people read it: stars on a scale of up to five
/// (filled for the value, empty up to the best: 2 of 1..5 is "★★☆☆☆", with
/// "4.5/5" added when the value is not whole), "6/10" on a longer scale.
/// `None` without a rating or for one that makes no sense.
pub fn stars(m: &Mention) -> Option<String> {
    let r = m.rating?;
    let sane = [r.value, r.worst, r.best].iter().all(|x| x.is_finite())
        && r.worst >= 0.0
        && r.worst < r.best
        && (r.worst..=r.best).contains(&r.value);
    if !sane {
        return None;
    }
    let shown = format!("{}/{}", number(r.value), number(r.best));
    if r.best > 5.0 || r.best.fract() != 0.0 {
        return Some(shown);
    }
    // value ≤ best ≤ 5 and best is whole, so the rounding stays in 0..=best.
    let filled = r.value.round() as usize;
    let mut out = "★".repeat(filled) + &"☆".repeat(r.best as usize - filled);
    if r.value.fract() != 0.0 {
        out.push(' ');
        out.push_str(&shown);
    }
    Some(out)
}

/// 2 as "2", 4.5 as "4.5".
fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// Longest "why" line, in chars.
const WHY_MAX: usize = 80;

/// At most one short line of why, in the customer's own words: the words
/// the scorer weighed for the label (`"reageert niet", "waardeloos"`),
/// complaint phrases first, without pattern names, numbers or rules. `None`
/// when the reasons name no such words (a rating alone decided: the stars
/// say it) and for neutral or unscored mentions.
pub(super) fn why(m: &Mention) -> Option<String> {
    let s = m.sentiment.as_ref()?;
    let sign = match tone(m) {
        Tone::Negative => -1.0,
        Tone::Positive => 1.0,
        Tone::Neutral | Tone::Unscored => return None,
    };
    let mut phrases: Vec<String> = Vec::new();
    let mut words: Vec<String> = Vec::new();
    // A word's reason may be followed by the negation that turned it:
    // "-1.1 'goed'" then "negation 'niet' flips 'goed'" reads "niet goed".
    let mut last_word: Option<usize> = None;
    for r in s.reasons.iter().take(100) {
        match Reason::read(r) {
            Reason::Phrase(p) => {
                phrases.push(p);
                last_word = None;
            }
            Reason::Learned(words) => {
                phrases.extend(words);
                last_word = None;
            }
            Reason::Word(v, w) if v * sign > 0.0 => {
                words.push(w);
                last_word = Some(words.len() - 1);
            }
            Reason::Word(..) => last_word = None,
            Reason::Negation(neg, word) => {
                if let Some(w) = last_word.take().and_then(|i| words.get_mut(i)) {
                    if *w == word {
                        *w = format!("{neg} {word}");
                    }
                }
            }
            // Notes on the word before (CAPS, boosters) keep it the last.
            Reason::Other => {}
        }
    }
    // Each thing said once: a word inside a phrase already quoted (or
    // about to be) adds nothing.
    let said: Vec<String> = phrases
        .into_iter()
        .chain(words)
        .map(|s| one_line(&s))
        .filter(|s| !s.is_empty())
        .take(50)
        .collect();
    let folded: Vec<String> = said.iter().map(|s| s.to_lowercase()).collect();
    let mut line = String::new();
    for (i, said) in said.iter().enumerate() {
        let me = &folded[i];
        let repeated = folded
            .iter()
            .enumerate()
            .any(|(j, other)| j != i && other.contains(me.as_str()) && (other != me || j < i));
        if repeated {
            continue;
        }
        let quoted = format!("\"{said}\"");
        if line.is_empty() {
            line = cut(&quoted, WHY_MAX);
        } else if line.chars().count() + 2 + quoted.chars().count() <= WHY_MAX {
            line.push_str(", ");
            line.push_str(&quoted);
        } else {
            break;
        }
    }
    (!line.is_empty()).then_some(line)
}

/// One of the scorer's reasons, as far as an alert cares: the words it
/// quotes from the text, or nothing.
enum Reason {
    /// A phrase a pattern matched in the text (`pattern NAME: '…'`, `custom
    /// pattern 'REGEX': '…'`): its name and regex are left behind.
    Phrase(String),
    /// A word or idiom with its valence (`-2.3 'waardeloos'`, `+1.0 custom
    /// phrase '…'`).
    Word(f64, String),
    /// `negation 'niet' flips 'goed'`.
    Negation(String, String),
    /// The learned model changed the label (`model: negative, the rules
    /// said neutral (…); words: 'waar blijft', 'pakket'`): its words.
    Learned(Vec<String>),
    /// Rules, multipliers, ratings, emphasis: not the customer's words.
    Other,
}

impl Reason {
    fn read(r: &str) -> Reason {
        let quoted = |s: &str| {
            s.strip_prefix('\'')
                .and_then(|s| s.strip_suffix('\''))
                .map(str::to_string)
        };
        if let Some(rest) = r.strip_prefix("pattern ") {
            if let Some((_, said)) = rest.split_once(": ") {
                return quoted(said).map_or(Reason::Other, Reason::Phrase);
            }
        }
        if let Some(rest) = r.strip_prefix("custom pattern ") {
            if let Some((_, said)) = rest.rsplit_once(": ") {
                return quoted(said).map_or(Reason::Other, Reason::Phrase);
            }
        }
        if let Some(rest) = r.strip_prefix("model: ") {
            let words = rest.split_once("; words: ").map_or(Vec::new(), |(_, w)| {
                w.split(", ").filter_map(quoted).collect()
            });
            return Reason::Learned(words);
        }
        if let Some(rest) = r.strip_prefix("negation ") {
            if let Some((neg, word)) = rest.split_once(" flips ") {
                if let (Some(n), Some(w)) = (quoted(neg), quoted(word)) {
                    return Reason::Negation(n, w);
                }
            }
        }
        let Some((value, rest)) = r.split_once(' ') else {
            return Reason::Other;
        };
        let signed = value.starts_with(['+', '-']);
        let Some(value) = value
            .parse::<f64>()
            .ok()
            .filter(|v| signed && v.is_finite())
        else {
            return Reason::Other;
        };
        let rest = rest.strip_prefix("custom phrase ").unwrap_or(rest);
        quoted(rest).map_or(Reason::Other, |w| Reason::Word(value, w))
    }
}

pub(super) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub(super) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::render::fixtures::{mention, with};
    use crate::store::StoredRating;

    fn check_stars(value: f64, worst: f64, best: f64, want: Option<&str>) {
        let m = with(mention(1, "acme", "t", None), |m| {
            m.rating = Some(StoredRating { value, worst, best })
        });
        assert_eq!(stars(&m).as_deref(), want, "{value} of {worst}..{best}");
    }

    #[test]
    fn stars_fill_for_the_value_and_empty_to_the_best() {
        check_stars(2.0, 1.0, 5.0, Some("★★☆☆☆"));
        check_stars(1.0, 1.0, 5.0, Some("★☆☆☆☆"));
        check_stars(5.0, 1.0, 5.0, Some("★★★★★"));
        check_stars(0.0, 0.0, 5.0, Some("☆☆☆☆☆"));
        check_stars(4.5, 1.0, 5.0, Some("★★★★★ 4.5/5"));
        check_stars(3.0, 1.0, 3.0, Some("★★★"));
        check_stars(6.0, 0.0, 10.0, Some("6/10"));
        check_stars(2.0, 1.0, 10.0, Some("2/10"));
        check_stars(7.5, 0.0, 100.0, Some("7.5/100"));
        // Nonsense is no rating rather than a wrong one.
        check_stars(6.0, 1.0, 5.0, None);
        check_stars(f64::NAN, 1.0, 5.0, None);
        check_stars(1.0, 5.0, 5.0, None);
        check_stars(-1.0, -2.0, 5.0, None);
        assert_eq!(stars(&mention(1, "acme", "t", None)), None);
    }

    fn check_why(label: &str, reasons: &[&str], want: Option<&str>) {
        let m = with(mention(1, "acme", "t", Some(label)), |m| {
            if let Some(s) = m.sentiment.as_mut() {
                s.reasons = reasons.iter().map(|r| r.to_string()).collect();
            }
        });
        assert_eq!(why(&m).as_deref(), want, "{label} {reasons:?}");
    }

    #[test]
    fn why_is_the_customers_words_without_the_scorers_internals() {
        check_why(
            "negative",
            &["pattern no_response: 'reageert niet'", "-2.9 'waardeloos'"],
            Some("\"reageert niet\", \"waardeloos\""),
        );
        // Words that pulled the other way, rules and ratings are left out;
        // phrases come first.
        check_why(
            "negative",
            &[
                "rating 1/5 → negative",
                "contrast 'maar': before ×0.5, after ×1.5",
                "+1.2 'snel'",
                "-1.5 'traag'",
                "CAPS 'TRAAG'",
                "custom pattern 'wacht(en|tijd)': 'wachten'",
                "'!' ×2 emphasis",
                "… 4 more",
            ],
            Some("\"wachten\", \"traag\""),
        );
        // The learned model's words, when it changed the label (issue #14).
        check_why(
            "negative",
            &[
                "model: negative, the rules said neutral +0.12 (p negative 0.81); words: 'waar blijft', 'pakket'",
                "+1.0 'fijn'",
            ],
            Some("\"waar blijft\", \"pakket\""),
        );
        check_why(
            "negative",
            &["model: negative, the rules said neutral +0.12 (p negative 0.81)"],
            None,
        );
        // A negation reads as written.
        check_why(
            "negative",
            &[
                "-1.3 'goed'",
                "booster 'echt' on 'goed'",
                "negation 'niet' flips 'goed'",
            ],
            Some("\"niet goed\""),
        );
        check_why(
            "positive",
            &["+2.1 'great'", "-0.5 'but'"],
            Some("\"great\""),
        );
        // Said once: a word inside a quoted phrase, or the same words twice.
        check_why(
            "negative",
            &[
                "pattern a: 'terugbetaling'",
                "pattern b: 'belooft terugbetaling maar niets'",
                "-1.0 'Niets'",
                "-1.2 'te veel'",
                "-1.2 'te veel'",
            ],
            Some("\"belooft terugbetaling maar niets\", \"te veel\""),
        );
        check_why(
            "positive",
            &["+1.0 custom phrase 'top service'"],
            Some("\"top service\""),
        );
        // Nothing in the customer's words: no line (the stars say it).
        check_why("negative", &["rating 2/5 → negative"], None);
        check_why("neutral", &["+0.2 'ok'"], None);
        // One short line: whole quotes while they fit, the first one cut.
        let many: Vec<String> = (0..20).map(|i| format!("-1.0 'woord{i}'")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let m = with(mention(1, "acme", "t", Some("negative")), |m| {
            if let Some(s) = m.sentiment.as_mut() {
                s.reasons = many.iter().map(|r| r.to_string()).collect();
            }
        });
        let line = why(&m).unwrap_or_default();
        assert!(
            line.chars().count() <= WHY_MAX && line.ends_with("\""),
            "{line}"
        );
        let long = why(&with(mention(1, "acme", "t", Some("negative")), |m| {
            if let Some(s) = m.sentiment.as_mut() {
                s.reasons = vec![format!("pattern p: '{}'", "lang ".repeat(40).trim_end())];
            }
        }))
        .unwrap_or_default();
        assert_eq!(long.chars().count(), WHY_MAX, "{long}");
        assert!(
            long.starts_with("\"lang lang") && long.ends_with('…'),
            "{long}"
        );
    }
}

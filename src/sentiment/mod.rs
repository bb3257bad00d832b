//! Sentiment: answers a webcare team's first question about a mention, "is
//! this someone unhappy with us?", for Dutch and English text.
//!
//! It is a lexicon-and-rules engine (in the spirit of VADER): word valences
//! from embedded lexicons, adjusted by negation, boosters, contrast, CAPS,
//! `!`, emoticons and emoji, plus built-in complaint patterns for the
//! complaints that carry no sentiment word ("still no reply", "al 3 uur in de
//! wacht"), a watch's own patterns and words, and star or 0–10 ratings.
//! Every result carries the reasons that moved the score, so a person can see
//! why. This module does no I/O and cannot fail: every input, however odd or
//! large, yields a [`Sentiment`]; lexicons are compiled in with `include_str!`.

pub mod eval;
mod lang;
mod lexicon;
mod patterns;
mod rules;

use std::fmt;
use std::str::FromStr;

pub use patterns::CustomRules;

/// Only this many bytes of a text are scored; the rest of a huge text adds
/// cost, not insight (a mention's opening carries its tone).
const MAX_SCORED_BYTES: usize = 16 * 1024;

/// The verdict on one text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    Negative,
    Neutral,
    Positive,
}

impl Label {
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Negative => "negative",
            Label::Neutral => "neutral",
            Label::Positive => "positive",
        }
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for a word that names no [`Label`] or [`Lang`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} '{value}', expected one of: {expected}")]
pub struct ParseError {
    what: &'static str,
    value: String,
    expected: &'static str,
}

impl FromStr for Label {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "negative" | "neg" => Ok(Label::Negative),
            "neutral" | "neu" => Ok(Label::Neutral),
            "positive" | "pos" => Ok(Label::Positive),
            _ => Err(ParseError {
                what: "label",
                value: s.to_owned(),
                expected: "negative, neutral, positive (or neg, neu, pos)",
            }),
        }
    }
}

/// The language a text was scored as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Nl,
    En,
    Unknown,
}

impl Lang {
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
            Lang::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Lang {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "nl" | "dutch" | "nederlands" => Ok(Lang::Nl),
            "en" | "english" => Ok(Lang::En),
            "unknown" => Ok(Lang::Unknown),
            _ => Err(ParseError {
                what: "language",
                value: s.to_owned(),
                expected: "nl, en, unknown",
            }),
        }
    }
}

/// A review's rating: `value` on a scale from `worst` to `best`, e.g. 2 of
/// 1..5 stars, or 6 of 0..10 (mapped the way Net Promoter Score does).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rating {
    pub value: f64,
    pub worst: f64,
    pub best: f64,
}

/// Score in −1…+1, its label, the language used and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Sentiment {
    pub score: f32,
    pub label: Label,
    pub lang: Lang,
    pub reasons: Vec<String>,
}

/// The scorer: lexicons and compiled pattern packs, built once per process
/// and shared (it is `Send + Sync`).
pub struct Analyzer {
    lexicons: lexicon::Lexicons,
    packs: patterns::Packs,
}

impl Default for Analyzer {
    fn default() -> Self {
        Self::new()
    }
}

impl Analyzer {
    /// Builds the lexicons (about 10 ms in a release build); each language's
    /// complaint patterns compile when its first text is scored.
    pub fn new() -> Self {
        Analyzer {
            lexicons: lexicon::Lexicons::build(),
            packs: patterns::Packs::build(),
        }
    }

    /// Scores `text`, detecting its language.
    pub fn analyze(
        &self,
        text: &str,
        rating: Option<Rating>,
        custom: Option<&CustomRules>,
    ) -> Sentiment {
        self.analyze_capped(cap(text), None, rating, custom)
    }

    /// Scores `text` as `lang` (e.g. an evaluation set known to be Dutch).
    pub fn analyze_as(
        &self,
        text: &str,
        lang: Lang,
        rating: Option<Rating>,
        custom: Option<&CustomRules>,
    ) -> Sentiment {
        self.analyze_capped(cap(text), Some(lang), rating, custom)
    }

    fn analyze_capped(
        &self,
        text: &str,
        lang: Option<Lang>,
        rating: Option<Rating>,
        custom: Option<&CustomRules>,
    ) -> Sentiment {
        let mut scored = rules::score(text, lang, &self.lexicons, &self.packs, custom);
        let lang = scored.lang;
        if let Some(rating) = rating {
            match rating_verdict(rating) {
                Some((score, label, reason)) => {
                    scored.reasons.insert(0, reason);
                    return Sentiment {
                        score,
                        label,
                        lang,
                        reasons: scored.reasons,
                    };
                }
                None => scored
                    .reasons
                    .insert(0, "rating ignored: not a valid scale".into()),
            }
        }
        Sentiment {
            score: scored.score,
            label: label_for(scored.score),
            lang,
            reasons: scored.reasons,
        }
    }
}

/// Label thresholds on the score. They are asymmetric on purpose: a missed
/// complaint costs a webcare team more than a missed compliment, so a
/// complaint is flagged on less evidence (one clear negative word) than
/// praise (a lone faint positive word such as "normal" stays neutral).
const NEGATIVE_BELOW: f32 = -0.05;
const POSITIVE_ABOVE: f32 = 0.1;

fn label_for(score: f32) -> Label {
    if score <= NEGATIVE_BELOW {
        Label::Negative
    } else if score >= POSITIVE_ABOVE {
        Label::Positive
    } else {
        Label::Neutral
    }
}

/// Cuts a text to [`MAX_SCORED_BYTES`] on a character boundary.
fn cap(text: &str) -> &str {
    if text.len() <= MAX_SCORED_BYTES {
        return text;
    }
    let mut end = MAX_SCORED_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A rating's score, label and reason, or `None` for a nonsensical scale.
fn rating_verdict(r: Rating) -> Option<(f32, Label, String)> {
    let finite = r.value.is_finite() && r.worst.is_finite() && r.best.is_finite();
    if !finite || r.best <= r.worst || r.value < r.worst || r.value > r.best {
        return None;
    }
    let shown = format!("{}/{}", trim_num(r.value), trim_num(r.best));
    // Net Promoter Score: 0–6 detractor, 7–8 passive, 9–10 promoter.
    if r.worst == 0.0 && r.best == 10.0 {
        let (score, label) = if r.value <= 6.0 {
            (-0.2 - 0.8 * (6.0 - r.value) / 6.0, Label::Negative)
        } else if r.value < 9.0 {
            (0.0, Label::Neutral)
        } else {
            (0.5 + 0.5 * (r.value - 9.0), Label::Positive)
        };
        return Some((
            score as f32,
            label,
            format!("rating {shown} (NPS) → {label}"),
        ));
    }
    // Stars and other scales: the bottom 40 % negative (1–2 of 5), the top
    // 40 % positive (4–5 of 5), the middle neutral.
    let f = (r.value - r.worst) / (r.best - r.worst);
    let label = if f < 0.4 {
        Label::Negative
    } else if f > 0.6 {
        Label::Positive
    } else {
        Label::Neutral
    };
    let score = match label {
        Label::Neutral => 0.0,
        _ => (2.0 * f - 1.0) as f32,
    };
    Some((score, label, format!("rating {shown} → {label}")))
}

fn trim_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(value: f64, worst: f64, best: f64) -> Option<Label> {
        rating_verdict(Rating { value, worst, best }).map(|(_, l, _)| l)
    }

    #[test]
    fn ratings_map_stars_and_nps() {
        use Label::*;
        let stars = [
            (1.0, Negative),
            (2.0, Negative),
            (3.0, Neutral),
            (4.0, Positive),
            (5.0, Positive),
        ];
        for (v, want) in stars {
            assert_eq!(r(v, 1.0, 5.0), Some(want), "{v} of 5");
        }
        for v in 0..=10 {
            let want = match v {
                0..=6 => Negative,
                7 | 8 => Neutral,
                _ => Positive,
            };
            assert_eq!(r(f64::from(v), 0.0, 10.0), Some(want), "{v} of 10");
        }
        assert_eq!(r(6.0, 1.0, 5.0), None);
        assert_eq!(r(f64::NAN, 1.0, 5.0), None);
        assert_eq!(r(1.0, 5.0, 5.0), None);
    }

    #[test]
    fn words_round_trip() {
        for l in [Label::Negative, Label::Neutral, Label::Positive] {
            assert_eq!(l.as_str().parse::<Label>(), Ok(l));
        }
        for l in [Lang::Nl, Lang::En, Lang::Unknown] {
            assert_eq!(l.to_string().parse::<Lang>(), Ok(l));
        }
        assert!("meh".parse::<Label>().is_err());
    }

    #[test]
    fn cap_respects_char_boundaries() {
        let s = "é".repeat(MAX_SCORED_BYTES);
        let c = cap(&s);
        assert!(c.len() <= MAX_SCORED_BYTES && c.chars().all(|ch| ch == 'é'));
    }
}

//! The verdict on one text: its [`Label`], the [`Sentiment`] handed to the
//! rest of the crate, and how a review's [`Rating`] and a score become a
//! label. The label thresholds live here and nowhere else; this file
//! neither reads text nor weighs words.

use std::fmt;
use std::str::FromStr;

use super::lang::{parse_word, Lang, ParseError};

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

impl FromStr for Label {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_word(
            s,
            "label",
            &[
                ("negative", Label::Negative),
                ("neg", Label::Negative),
                ("neutral", Label::Neutral),
                ("neu", Label::Neutral),
                ("positive", Label::Positive),
                ("pos", Label::Positive),
            ],
            "negative, neutral, positive (or neg, neu, pos)",
        )
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

/// The verdict on a text scored `score` in `lang`: a valid rating decides
/// score and label (its reason first); otherwise the score's label.
pub(super) fn judge(
    score: f32,
    lang: Lang,
    mut reasons: Vec<String>,
    rating: Option<Rating>,
) -> Sentiment {
    if let Some(rating) = rating {
        match rating_verdict(rating) {
            Some((score, label, reason)) => {
                reasons.insert(0, reason);
                return Sentiment {
                    score,
                    label,
                    lang,
                    reasons,
                };
            }
            None => reasons.insert(0, "rating ignored: not a valid scale".into()),
        }
    }
    Sentiment {
        score,
        label: label_for(score),
        lang,
        reasons,
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

/// Whether a rating is valid, and so decides the label alone.
pub(super) fn rating_decides(r: Rating) -> bool {
    rating_verdict(r).is_some()
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
        assert_eq!(" NEG ".parse::<Label>(), Ok(Label::Negative));
        assert!("meh".parse::<Label>().is_err());
    }
}

//! What every target says about a mention, cleaned but not yet escaped:
//! its tone (and the colours and emoji that show it), label, title,
//! sources, terms, times and the one-line "meta" summary. Pure: no I/O.

use chrono::{DateTime, SecondsFormat, Utc};

use super::escape::{cut, one_line};
use crate::store::Mention;

/// "negative · Trustpilot · by jan · 2026-11-22 14:03 UTC", cleaned, not escaped.
pub(super) fn meta_line(m: &Mention) -> String {
    let mut parts = Vec::new();
    if let Some(s) = &m.sentiment {
        parts.push(format!(
            "{} ({:+.2})",
            cut(&one_line(&s.label), 20),
            s.score
        ));
    }
    parts.push(sources(m));
    if let Some(a) = m.author.as_deref().map(one_line).filter(|a| !a.is_empty()) {
        parts.push(format!("by {}", cut(&a, 60)));
    }
    parts.push(human(when(m)));
    parts.join(" · ")
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

pub(super) fn human(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

pub(super) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub(super) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

//! Mentions for the unit tests of every target: plausible defaults that each
//! test changes where it needs to.

use chrono::{DateTime, TimeZone, Utc};

use crate::store::{Mention, StoredSentiment};

pub fn at(h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, h, min, 0).unwrap()
}

/// A mention with plausible defaults; tests change the fields they exercise.
pub fn mention(id: i64, watch: &str, title: &str, label: Option<&str>) -> Mention {
    Mention {
        triage: Default::default(),
        rating: None,
        id,
        watch: watch.to_string(),
        sources: vec!["Trustpilot".to_string()],
        url: Some(format!("https://example.com/review/{id}")),
        canonical_url: Some(format!("https://example.com/review/{id}")),
        title: title.to_string(),
        text: "Al 3 weken geen reactie op mijn klacht over Acme.".to_string(),
        author: Some("Jan".to_string()),
        published_at: Some(at(14, 3)),
        found_at: at(14, 5),
        terms: vec!["acme".to_string()],
        snippet: "geen reactie op mijn klacht over Acme.".to_string(),
        sentiment: label.map(|l| StoredSentiment {
            label: l.to_string(),
            score: if l == "negative" { -0.72 } else { 0.1 },
            lang: "nl".to_string(),
            reasons: vec!["pattern no_response: 'geen reactie'".to_string()],
        }),
    }
}

pub fn with(mut m: Mention, f: impl FnOnce(&mut Mention)) -> Mention {
    f(&mut m);
    m
}

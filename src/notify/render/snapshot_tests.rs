//! Snapshots of what people see: one fixed sample mention rendered as an
//! instant email (subject, text, HTML), in a digest, and as every chat
//! payload. A change to how an alert looks shows up here as a diff to review
//! (`cargo insta review`, or compare the `.snap.new` file insta leaves).

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::config::WebhookFormat;
use crate::store::{Mention, StoredSentiment};

fn at(h: u32, min: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, h, min, s)
        .single()
        .expect("a valid fixed time")
}

/// A Dutch complaint with sentiment reasons, an author, a URL and a hostile
/// bit of markup in the title. Every time is fixed.
fn sample() -> Mention {
    Mention {
        triage: Default::default(),
        rating: None,
        id: 42,
        watch: "acme".to_string(),
        sources: vec!["Trustpilot".to_string()],
        url: Some("https://www.trustpilot.com/reviews/6740a1b2c3?utm=x&ref=\"feed\"".to_string()),
        canonical_url: Some("https://www.trustpilot.com/reviews/6740a1b2c3".to_string()),
        title:
            "Acme <script>alert(1)</script> *nooit* meer! @everyone <!channel> [klik](javascript:x)"
                .to_string(),
        text: "Al 3 weken wacht ik op mijn pakket.\r\nDe klantenservice van Acme reageert niet en \
               niemand neemt de telefoon op.\n\nNooit meer Acme, echt waardeloos."
            .to_string(),
        author: Some("Jan de Vries".to_string()),
        published_at: Some(at(14, 3, 0)),
        found_at: at(14, 5, 12),
        terms: vec!["acme".to_string()],
        snippet: "De klantenservice van Acme reageert niet en niemand neemt de telefoon op."
            .to_string(),
        sentiment: Some(StoredSentiment {
            label: "negative".to_string(),
            score: -0.72,
            lang: "nl".to_string(),
            reasons: vec![
                "complaint: reageert niet".to_string(),
                "negative: waardeloos".to_string(),
                "idiom: nooit meer".to_string(),
            ],
        }),
    }
}

/// A second mention for the digest: another watch, positive, no author.
fn other() -> Mention {
    Mention {
        triage: Default::default(),
        rating: None,
        id: 43,
        watch: "beta".to_string(),
        sources: vec!["Hacker News".to_string()],
        url: Some("https://news.ycombinator.com/item?id=4242".to_string()),
        canonical_url: None,
        title: "Beta's new release is great".to_string(),
        text: String::new(),
        author: None,
        published_at: None,
        found_at: at(14, 20, 0),
        terms: vec!["beta".to_string()],
        snippet: "Beta's new release is great".to_string(),
        sentiment: Some(StoredSentiment {
            label: "positive".to_string(),
            score: 0.64,
            lang: "en".to_string(),
            reasons: vec!["positive: great".to_string()],
        }),
    }
}

#[test]
fn instant_email() {
    let e = mention_email(&sample());
    insta::assert_snapshot!("instant_email_subject", e.subject);
    insta::assert_snapshot!("instant_email_text", e.text);
    insta::assert_snapshot!("instant_email_html", e.html);
}

#[test]
fn digest() {
    let failed = [FailedDelivery {
        mention_id: 41,
        notifier: "slack-ops".to_string(),
        error: "webhook answered HTTP 500: <h1>oops</h1>".to_string(),
        title: "Acme <b>kapot</b>".to_string(),
    }];
    let info = DigestInfo {
        route: "webcare",
        period: "hourly digest until 2026-11-22 15:00 CET",
    };
    let e = digest_email(&info, &[sample(), other()], &failed);
    insta::assert_snapshot!("digest_subject", e.subject);
    insta::assert_snapshot!("digest_text", e.text);
    insta::assert_snapshot!("digest_html", e.html);
}

/// The pretty JSON of every body `format` renders for the sample.
fn chat(format: WebhookFormat) -> String {
    webhook_bodies(format, &[sample()])
        .into_iter()
        .map(|(body, ids)| {
            let json = serde_json::to_string_pretty(&body).unwrap_or_else(|e| e.to_string());
            format!("carries {ids:?}\n{json}\n")
        })
        .collect()
}

#[test]
fn chat_payloads() {
    insta::assert_snapshot!("chat_slack", chat(WebhookFormat::Slack));
    insta::assert_snapshot!("chat_teams", chat(WebhookFormat::Teams));
    insta::assert_snapshot!("chat_discord", chat(WebhookFormat::Discord));
    insta::assert_snapshot!("chat_mattermost", chat(WebhookFormat::Mattermost));
    insta::assert_snapshot!("chat_generic", chat(WebhookFormat::Generic));
}

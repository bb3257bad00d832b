//! Snapshots of what people see: one fixed sample mention rendered as an
//! instant email (subject, text, HTML), in a digest, and as every chat
//! payload; a 2-star review without a link of its own; a mention published
//! before and found after the 2026-10-25 DST change. Times show in
//! Europe/Amsterdam. A change to how an alert looks shows up here as a diff
//! to review (`cargo insta review`, or compare the `.snap.new` file insta
//! leaves).

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Europe::Amsterdam;

use super::Frame;

use super::*;
use crate::config::WebhookFormat;
use crate::store::{Mention, StoredRating, StoredSentiment};

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
            // As the scorer writes them: none of this but the quoted words
            // may reach an alert.
            reasons: vec![
                "pattern no_response: 'reageert niet'".to_string(),
                "-2.9 'waardeloos'".to_string(),
                "booster 'echt' on 'waardeloos'".to_string(),
                "pattern never_again: 'Nooit meer'".to_string(),
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
            reasons: vec!["+2.1 'great'".to_string()],
        }),
    }
}

#[test]
fn instant_email() {
    let e = mention_email(&sample(), &Frame::local(Amsterdam));
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
    let e = digest_email(
        &info,
        &[sample(), other()],
        &failed,
        &Frame::local(Amsterdam),
    );
    insta::assert_snapshot!("digest_subject", e.subject);
    insta::assert_snapshot!("digest_text", e.text);
    insta::assert_snapshot!("digest_html", e.html);
}

/// The pretty JSON of every body `format` renders for the sample.
fn chat(format: WebhookFormat) -> String {
    chat_of(format, &sample())
}

/// The pretty JSON of every body `format` renders for `m`.
fn chat_of(format: WebhookFormat, m: &Mention) -> String {
    webhook_bodies(format, std::slice::from_ref(m), &Frame::local(Amsterdam))
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

/// A 2-star review read from a page that gives it no link of its own (so it
/// links into the page), whose rating decided its sentiment.
fn rated_review() -> Mention {
    Mention {
        triage: Default::default(),
        rating: Some(StoredRating {
            value: 2.0,
            worst: 1.0,
            best: 5.0,
        }),
        id: 44,
        watch: "acme".to_string(),
        sources: vec!["trustpilot".to_string()],
        url: Some(
            "https://nl.trustpilot.com/review/acme-telecom.nl?page=2#review-5b0d1c2e3f405162"
                .into(),
        ),
        canonical_url: None,
        title: "Factuur klopt niet".to_string(),
        text: "Acme Telecom rekent al twee maanden te veel. Klantenservice belooft \
               terugbetaling maar er gebeurt niets."
            .to_string(),
        author: Some("Fatima B.".to_string()),
        published_at: Some(at(16, 20, 0)),
        found_at: at(16, 25, 0),
        terms: vec!["Acme Telecom".to_string()],
        snippet: "Acme Telecom rekent al twee maanden te veel.".to_string(),
        sentiment: Some(StoredSentiment {
            label: "negative".to_string(),
            score: -0.75,
            lang: "nl".to_string(),
            reasons: vec![
                "rating 2/5 → negative".to_string(),
                "pattern broken_promise: 'belooft terugbetaling maar er gebeurt niets'".to_string(),
                "-1.2 'te veel'".to_string(),
            ],
        }),
    }
}

#[test]
fn a_two_star_review() {
    let m = rated_review();
    let e = mention_email(&m, &Frame::local(Amsterdam));
    insta::assert_snapshot!("rated_review_email_text", e.text);
    insta::assert_snapshot!("rated_review_email_html", e.html);
    insta::assert_snapshot!("rated_review_slack", chat_of(WebhookFormat::Slack, &m));
}

/// Published at 02:30 summer time, found at 02:30 winter time: the night
/// of 2026-10-25, when Amsterdam's clocks go back from 03:00 CEST to 02:00 CET.
#[test]
fn across_the_dst_change() {
    let utc = |h, min| {
        Utc.with_ymd_and_hms(2026, 10, 25, h, min, 0)
            .single()
            .expect("a valid fixed time")
    };
    let mut m = sample();
    m.published_at = Some(utc(0, 30));
    m.found_at = utc(1, 30);
    let e = mention_email(&m, &Frame::local(Amsterdam));
    insta::assert_snapshot!("dst_email_text", e.text);
    insta::assert_snapshot!("dst_mattermost", chat_of(WebhookFormat::Mattermost, &m));
}

/// With `[web] base_url` set, every alert links to the mention in the inbox.
#[test]
fn inbox_links() {
    let frame = Frame {
        tz: Amsterdam,
        inbox: url::Url::parse("https://earshot.example.nl/").ok(),
    };
    let e = mention_email(&sample(), &frame);
    insta::assert_snapshot!("inbox_email_text", e.text);
    assert!(e
        .html
        .contains("<a href=\"https://earshot.example.nl/mentions/42\""));
    for format in [
        WebhookFormat::Generic,
        WebhookFormat::Slack,
        WebhookFormat::Mattermost,
        WebhookFormat::Discord,
        WebhookFormat::Teams,
    ] {
        let bodies = webhook_bodies(format, std::slice::from_ref(&sample()), &frame);
        let json = serde_json::to_string(&bodies[0].0).unwrap_or_default();
        assert!(
            json.contains("https://earshot.example.nl/mentions/42"),
            "{format:?}: {json}"
        );
    }
    let info = DigestInfo {
        route: "webcare",
        period: "p",
    };
    let d = digest_email(&info, &[sample()], &[], &frame);
    assert!(d
        .text
        .contains("in earshot: https://earshot.example.nl/mentions/42"));
}

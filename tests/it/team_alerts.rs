//! Issue #12, alerts a team can act on, end to end through the real binary,
//! a real SMTP server (aiosmtpd) and a loopback webhook receiver: times in
//! `[daemon] timezone` with the zone across a DST change; a 2-star review
//! without a link of its own alerting with its stars, a link into its page
//! and the customer's words before the verdict, and no scorer internals;
//! `batch = false` posting once per mention.

use mail_parser::MessageParser;

use crate::support::{
    email_notifier, feed_source, fixture, free_port, webhook_notifier, Env, Route, Server,
    SmtpSink, ACME,
};

const AMSTERDAM: &str = "[daemon]\ntimezone = \"Europe/Amsterdam\"\n";

/// The plain-text part of each message the sink received, in order.
fn text_bodies(sink: &SmtpSink) -> Vec<String> {
    sink.messages()
        .iter()
        .map(|raw| {
            let m = MessageParser::default().parse(raw).expect("parse email");
            m.body_text(0).expect("a text part").into_owned()
        })
        .collect()
}

/// An RSS item mentioning Acme Telecom, published at `pub_date` (RFC 2822).
fn item(guid: &str, title: &str, pub_date: &str) -> String {
    format!(
        "<item><title>{title}</title><link>http://example.nl/{guid}</link><guid>{guid}</guid>\
         <pubDate>{pub_date}</pubDate><description>{title}</description></item>"
    )
}

fn rss(items: &[String]) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Nieuws</title>\
         <link>http://example.nl/</link><description>d</description>{}</channel></rss>",
        items.concat()
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn issue12_email_shows_local_times_across_the_dst_change() {
    let server = Server::start().await;
    // Amsterdam's clocks go back at 01:00 UTC on 2026-10-25 (03:00 CEST →
    // 02:00 CET): these two were published at 02:30 local time, twice.
    server.route(
        "/news.rss",
        Route::ok(
            "application/rss+xml",
            rss(&[
                item(
                    "summer",
                    "Acme Telecom storing zomertijd",
                    "Sun, 25 Oct 2026 00:30:00 GMT",
                ),
                item(
                    "winter",
                    "Acme Telecom storing wintertijd",
                    "Sun, 25 Oct 2026 01:30:00 GMT",
                ),
            ]),
        ),
    );
    let port = free_port();
    let env = Env::new(&format!(
        "{ACME}\n{AMSTERDAM}\n{}\n{}\n[[route]]\nwatch = \"acme\"\nnotify = [\"webcare\"]\n",
        feed_source("news", &server.url("/news.rss")),
        email_notifier(
            "webcare",
            port,
            &["webcare@example.nl"],
            "earshot@example.nl"
        ),
    ));
    let sink = SmtpSink::start(port, &env.dir.path().join("mail"));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("2 new mentions"), "{out}");

    let bodies = text_bodies(&sink);
    assert_eq!(bodies.len(), 2, "{bodies:#?}");
    let of = |word: &str| {
        bodies
            .iter()
            .find(|b| b.contains(word))
            .unwrap_or_else(|| panic!("no alert for {word}: {bodies:#?}"))
    };
    let summer = of("zomertijd");
    let winter = of("wintertijd");
    assert!(
        summer.contains("Published: 2026-10-25 02:30 CEST (2026-10-25T00:30:00Z)"),
        "{summer}"
    );
    assert!(
        winter.contains("Published: 2026-10-25 02:30 CET (2026-10-25T01:30:00Z)"),
        "{winter}"
    );
    // The found time is local too, whichever side of a change today is.
    for body in [summer, winter] {
        let found = body
            .lines()
            .find(|l| l.starts_with("Found:"))
            .unwrap_or_else(|| panic!("no Found line: {body}"));
        assert!(
            found.contains(" CET (") || found.contains(" CEST ("),
            "{found}"
        );
        assert!(!body.contains(" UTC"), "{body}");
    }
}

const REVIEWS: &str = "/review/acme-telecom.nl";

#[tokio::test(flavor = "multi_thread")]
async fn issue12_review_alerts_show_stars_a_link_and_the_customers_words_first() {
    let server = Server::start().await;
    // One review: 2 of 5 stars, no URL of its own, "Factuur klopt niet".
    server.route(
        REVIEWS,
        Route::ok(
            "text/html; charset=utf-8",
            fixture("reviews/trustpilot-page2.html"),
        ),
    );
    server.route("/hook", Route::status(200, "ok"));
    let port = free_port();
    let env = Env::new(&format!(
        "{ACME}\n{AMSTERDAM}\n[[source]]\nname = \"trustpilot\"\nkind = \"reviews\"\nurl = \"{}\"\n\n\
         {}\n{}format = \"slack\"\n\n\
         [[route]]\nwatch = \"acme\"\nnotify = [\"webcare\", \"chat\"]\n",
        server.url(REVIEWS),
        email_notifier("webcare", port, &["webcare@example.nl"], "earshot@example.nl"),
        webhook_notifier("chat", &server.url("/hook")),
    ));
    let sink = SmtpSink::start(port, &env.dir.path().join("mail"));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("1 new mentions"), "{out}");

    // What the scorer said, as only `mentions show` may show it.
    let shown = env
        .json_lines(&["mentions", "show", "1", "--format", "json"])
        .await;
    let reasons: Vec<String> = shown[0]["sentiment"]["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .filter_map(|r| r.as_str().map(str::to_string))
        .collect();
    let patterns: Vec<&str> = reasons
        .iter()
        .filter_map(|r| r.strip_prefix("pattern ")?.split(':').next())
        .collect();
    assert!(
        !patterns.is_empty(),
        "the fixture should trip a complaint pattern: {reasons:?}"
    );
    let link = shown[0]["url"].as_str().expect("a link").to_string();
    assert!(
        link.starts_with(&format!("{}#review-", server.url(REVIEWS))),
        "{link}"
    );

    // The team sees the stars in `show` and the rating as a number in CSV.
    let table = env.ok(&["mentions", "show", "1"]).await;
    assert!(table.contains("rating:    ★★☆☆☆"), "{table}");
    let csv = env.ok(&["mentions", "list", "--format", "csv"]).await;
    let (header, rows) = crate::support::read_csv(csv.as_bytes(), b',');
    let at = crate::support::column(&header, "rating");
    assert_eq!(rows[0][at].parse::<f64>().ok(), Some(2.0), "{csv}");

    let bodies = text_bodies(&sink);
    assert_eq!(bodies.len(), 1, "{bodies:#?}");
    let mail = &bodies[0];
    // (The watch's terms are marked, as **Acme Telecom**.)
    let words = "rekent al twee maanden te veel.";
    let text_at = mail
        .find(words)
        .unwrap_or_else(|| panic!("no text: {mail}"));
    let verdict_at = mail
        .find("Sentiment: negative")
        .unwrap_or_else(|| panic!("no sentiment: {mail}"));
    assert!(
        text_at < verdict_at,
        "the customer's words come first:\n{mail}"
    );
    assert!(mail.contains("Rating:    ★★☆☆☆"), "{mail}");
    assert!(mail.contains(&format!("Link:      {link}")), "{mail}");
    assert!(
        !mail.contains("(no web link)") && !mail.contains("(none)"),
        "{mail}"
    );

    let posts = server.requests_to("/hook");
    assert_eq!(posts.len(), 1);
    let slack: serde_json::Value = serde_json::from_slice(&posts[0].body).expect("json");
    let block = slack["blocks"][1]["text"]["text"]
        .as_str()
        .expect("the mention's block")
        .to_string();
    assert!(block.contains("★★☆☆☆"), "{block}");
    assert!(
        block.contains(&format!("<{link}|Factuur klopt niet>")),
        "{block}"
    );
    let snippet_at = block.find("Acme Telecom rekent").unwrap_or(usize::MAX);
    let label_at = block.find("negative").unwrap_or(0);
    assert!(
        snippet_at < label_at,
        "the customer's words come first: {block}"
    );

    for (what, body) in [("email", mail.as_str()), ("slack", block.as_str())] {
        for name in &patterns {
            assert!(!body.contains(name), "{what} shows pattern {name}:\n{body}");
        }
        for internal in ["pattern ", "rating 2/5", "×"] {
            assert!(
                !body.contains(internal),
                "{what} shows {internal:?}:\n{body}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn issue12_batch_false_posts_once_per_mention() {
    let server = Server::start().await;
    server.route(
        "/news.rss",
        Route::ok(
            "application/rss+xml",
            rss(&[
                item("a", "Acme Telecom storing", "Sun, 22 Nov 2026 14:00:00 GMT"),
                item(
                    "b",
                    "Acme Telecom helpdesk",
                    "Sun, 22 Nov 2026 14:01:00 GMT",
                ),
                item("c", "Acme Telecom factuur", "Sun, 22 Nov 2026 14:02:00 GMT"),
            ]),
        ),
    );
    server.route("/each", Route::status(200, "ok"));
    server.route("/all", Route::status(200, "ok"));
    let env = Env::new(&format!(
        "{ACME}\n{}\n{}format = \"slack\"\nbatch = false\n\n{}format = \"slack\"\n\n\
         [[route]]\nwatch = \"acme\"\nnotify = [\"each\", \"all\"]\n",
        feed_source("news", &server.url("/news.rss")),
        webhook_notifier("each", &server.url("/each")),
        webhook_notifier("all", &server.url("/all")),
    ));
    let check = env.ok(&["check"]).await;
    assert!(
        check.contains("each: webhook slack") && check.contains(", one message per mention"),
        "{check}"
    );
    assert_eq!(
        check.matches("one message per mention").count(),
        1,
        "only `each` has batch = false: {check}"
    );

    let out = env.ok(&["poll"]).await;
    assert!(out.contains("3 new mentions"), "{out}");
    let mentions_in = |post: &crate::support::server::Seen| {
        let body: serde_json::Value = serde_json::from_slice(&post.body).expect("json");
        // A heading block, then one block per mention.
        body["blocks"].as_array().map_or(0, Vec::len) - 1
    };
    let each = server.requests_to("/each");
    assert_eq!(each.len(), 3, "one POST per mention");
    assert!(each.iter().all(|p| mentions_in(p) == 1));
    let mut deliveries: Vec<&str> = each
        .iter()
        .filter_map(|p| p.headers.get("x-earshot-delivery").map(String::as_str))
        .collect();
    deliveries.sort();
    deliveries.dedup();
    assert_eq!(
        deliveries.len(),
        3,
        "each POST carries its own delivery: {deliveries:?}"
    );
    let all = server.requests_to("/all");
    assert_eq!(all.len(), 1, "one POST for the batch by default");
    assert_eq!(mentions_in(&all[0]), 3);
    assert_eq!(env.deliveries("sent").await.len(), 6);

    // `batch` is a webhook's setting: on an email notifier it is refused.
    let bad = Env::new(&format!(
        "{ACME}\n{}batch = false\n",
        email_notifier("mail", free_port(), &["a@example.nl"], "b@example.nl")
    ));
    let out = bad.run(&["check"]).await;
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`batch` is for webhook notifiers"), "{err}");
}

//! Hostile pages (issue #10): a page nested 100,000 elements deep, a review
//! page with 60,000 nested microdata properties and a feed whose XML prolog
//! has a multibyte character where a quote belongs. Each costs a bounded
//! parse, never starves a normal feed beside it, never delays SIGTERM, and
//! never panics; the sane items on the same pages are still found.

use std::time::{Duration, Instant};

use crate::support::pages::{deep_html_page, deep_reviews_page};
use crate::support::{
    feed_source, fixture, rss, sorted_titles, start_daemon, stop_within_10s, wait_until, Env,
    Route, Server, ACME,
};

const DEEP_HTML: &str = "/forum/diep";
const DEEP_REVIEWS: &str = "/review/diep";

fn html_source(server: &Server, interval: &str) -> String {
    format!(
        "[[source]]\nname = \"diep-forum\"\nkind = \"html\"\nurl = \"{}\"\ninterval = \"{interval}\"\n\
         [source.selectors]\nitem = \"article.klacht\"\ntitle = \"h2\"\nlink = \"h2 a\"\ntext = \".tekst p\"\n",
        server.url(DEEP_HTML)
    )
}

fn reviews_source(server: &Server, interval: &str) -> String {
    format!(
        "[[source]]\nname = \"diep-reviews\"\nkind = \"reviews\"\nurl = \"{}\"\ninterval = \"{interval}\"\n",
        server.url(DEEP_REVIEWS)
    )
}

fn hostile_server(server: &Server) {
    server.route(
        DEEP_HTML,
        Route::ok("text/html; charset=utf-8", deep_html_page()),
    );
    server.route(
        DEEP_REVIEWS,
        Route::ok("text/html; charset=utf-8", deep_reviews_page()),
    );
}

/// `earshot poll` and how long it took.
async fn timed_poll(env: &Env) -> (String, Duration) {
    let started = Instant::now();
    let out = env.ok(&["poll"]).await;
    (out, started.elapsed())
}

#[tokio::test(flavor = "multi_thread")]
async fn issue10_a_page_nested_100000_deep_parses_quickly_and_keeps_its_posts() {
    let server = Server::start().await;
    hostile_server(&server);
    assert!(deep_html_page().len() > 3_500_000);
    let env = Env::new(&format!("{ACME}\n{}", html_source(&server, "1h")));

    let (out, took) = timed_poll(&env).await;
    assert!(out.contains("diep-forum: 2 items, 2 new mentions"), "{out}");
    assert!(took < Duration::from_secs(20), "poll took {took:?}");
    let all = env.mentions_json(&[]).await;
    let titles = sorted_titles(&all);
    // The post after the nest is found too.
    assert_eq!(
        titles,
        ["Acme Telecom monteur was top", "Storing bij Acme Telecom"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn issue10_a_review_page_with_60000_nested_properties_parses_quickly() {
    let server = Server::start().await;
    hostile_server(&server);
    let env = Env::new(&format!("{ACME}\n{}", reviews_source(&server, "1h")));

    let (out, took) = timed_poll(&env).await;
    assert!(out.contains("diep-reviews: "), "{out}");
    assert!(!out.contains("error"), "{out}");
    assert!(took < Duration::from_secs(20), "poll took {took:?}");
    let all = env.mentions_json(&[]).await;
    assert_eq!(all.len(), 1, "{all:#?}");
    let m = &all[0];
    assert_eq!(
        m["text"],
        "Acme Telecom laat me al een week zonder internet zitten."
    );
    assert_eq!(m["author"], "Kees");
    assert_eq!(m["published_at"], "2026-11-20T00:00:00Z");
    assert_eq!(m["sentiment"]["label"], "negative", "{m}");
}

#[tokio::test(flavor = "multi_thread")]
async fn issue10_sigterm_while_a_hostile_page_is_parsed_exits_within_10s() {
    let server = Server::start().await;
    hostile_server(&server);
    let env = Env::new(&format!(
        "{ACME}\n{}\n{}",
        html_source(&server, "1s"),
        reviews_source(&server, "1s")
    ));
    let child = start_daemon(&env, &[]);
    // Both pages fetched: their parses are under way.
    wait_until("the daemon to fetch both pages", 20, async || {
        !server.requests_to(DEEP_HTML).is_empty() && !server.requests_to(DEEP_REVIEWS).is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop_within_10s(child).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn issue10_a_feed_beside_hostile_pages_keeps_its_polling_rate() {
    let server = Server::start().await;
    hostile_server(&server);
    server.route(
        "/storingen.rss",
        Route::ok(
            "application/rss+xml",
            rss(&[("a1", "Acme Telecom storing in Utrecht")]),
        ),
    );
    // Here every source is on one host; the hostile pages are elsewhere in
    // life, so they do not share the feed's per-host slots.
    let env = Env::new(&format!(
        "[http]\nper_host = 8\n\n{ACME}\n{}interval = \"1s\"\n\n{}\n{}",
        feed_source("storingen", &server.url("/storingen.rss")),
        html_source(&server, "1s"),
        reviews_source(&server, "1s")
    ));
    let child = start_daemon(&env, &[]);
    // The window opens once the feed has been polled once (the scorer is
    // built on first use) and both hostile pages fetched: from then on they
    // are parsed again and again (no validators, interval 1 s).
    wait_until("the daemon to fetch all sources", 20, async || {
        !server.requests_to(DEEP_HTML).is_empty()
            && !server.requests_to(DEEP_REVIEWS).is_empty()
            && server.requests_to("/storingen.rss").len() >= 2
    })
    .await;
    let before = server.requests_to("/storingen.rss").len();
    let hostile_before =
        server.requests_to(DEEP_HTML).len() + server.requests_to(DEEP_REVIEWS).len();
    tokio::time::sleep(Duration::from_secs(6)).await;
    let feed_polls = server.requests_to("/storingen.rss").len() - before;
    let hostile_polls = server.requests_to(DEEP_HTML).len()
        + server.requests_to(DEEP_REVIEWS).len()
        - hostile_before;
    stop_within_10s(child).await;
    // An interval of 1 s ±10% is six polls in six seconds; a feed starved by
    // the parses got one at most.
    assert!(
        feed_polls >= 4,
        "the feed was polled {feed_polls} times in 6 s beside the hostile pages \
         (which were fetched {hostile_polls} times)"
    );
    assert!(hostile_polls >= 2, "{hostile_polls}");
}

#[tokio::test(flavor = "multi_thread")]
async fn issue10_a_multibyte_character_for_the_prolog_quote_does_not_panic() {
    let server = Server::start().await;
    server.route(
        "/storingen.rss",
        Route::ok(
            "application/rss+xml",
            fixture("feeds/prolog-curly-quotes.rss"),
        ),
    );
    let env = Env::new(&format!(
        "{ACME}\n{}",
        feed_source("storingen", &server.url("/storingen.rss"))
    ));
    let out = env.run(&["poll"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stdout.contains("crashed"), "{stdout}");
    // Either the feed parses, or the source has a clear error of its own.
    assert!(
        stdout.contains("storingen: 1 items, 1 new mentions")
            || stdout.contains("storingen: error: malformed feed"),
        "{stdout}"
    );
}

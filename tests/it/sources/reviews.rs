//! The `reviews` source against a loopback server serving review pages:
//! Trustpilot-like JSON-LD (`@graph`), Kiyoh-like microdata, a broken JSON-LD
//! block beside a good one, a page without markup; the cursor across
//! processes, the page bound, conditional GET, HTTP errors, preview and config.

use crate::support::{by_title, fixture, reasons, sorted_titles, Env, Route, Server};

const PAGE: &str = "/review/acme-telecom.nl";
const PAGE2: &str = "/review/acme-telecom.nl?page=2";

fn config(server: &Server, path: &str, extra: &str) -> String {
    format!(
        "[[watch]]\nname = \"acme\"\nterms = [\"Acme Telecom\"]\n\n\
         [[source]]\nname = \"tp\"\nkind = \"reviews\"\nurl = \"{}\"\n{extra}",
        server.url(path)
    )
}

fn html(name: &str) -> Route {
    Route::ok(
        "text/html; charset=utf-8",
        fixture(&format!("reviews/{name}")),
    )
}

/// The stored mention titled `title`.
#[tokio::test(flavor = "multi_thread")]
async fn first_poll_then_only_newer_reviews() {
    let server = Server::start().await;
    server.route(PAGE, html("trustpilot-page1.html"));
    server.route(PAGE2, html("trustpilot-page2.html"));
    let env = Env::new(&config(&server, PAGE, "max_pages = 1\n"));

    let out = env.ok(&["poll"]).await;
    assert!(out.contains("tp: 3 items, 3 new mentions"), "{out}");
    assert!(
        server.requests_to(PAGE2).is_empty(),
        "max_pages = 1 reads one page"
    );

    let all = env.mentions_json(&[]).await;
    assert_eq!(
        sorted_titles(&all),
        [
            "Al drie dagen geen internet",
            "Storing snel opgelost",
            "Verhuizing doorgegeven"
        ]
    );

    let complaint = by_title(&all, "Al drie dagen geen internet");
    assert_eq!(complaint["author"], "Sanne de Vries");
    assert_eq!(complaint["published_at"], "2026-11-21T19:42:10Z");
    assert!(complaint["text"]
        .as_str()
        .unwrap()
        .starts_with("Sinds maandag geen internet en Acme Telecom helpt me niet."));
    assert_eq!(complaint["sentiment"]["label"], "negative");
    assert!(reasons(complaint).contains("rating 1/5"), "{complaint}");
    // Trustpilot's `@id`s are fragments of one page: an identity, not a
    // link. The review is linked where it stands on the page, by an anchor
    // made from its key; the page is never its identity (three mentions, not
    // one), so it has no canonical URL.
    let link = complaint["url"].as_str().expect("a link into the page");
    let page = format!("{}#review-", server.url(PAGE));
    assert!(
        link.starts_with(&page) && link.len() == page.len() + 16,
        "{link}"
    );
    assert_eq!(complaint["canonical_url"], serde_json::Value::Null);
    let mut links: Vec<&str> = all.iter().filter_map(|m| m["url"].as_str()).collect();
    links.sort();
    links.dedup();
    assert_eq!(links.len(), 3, "one link per review: {links:?}");
    assert_eq!(
        complaint["rating"],
        serde_json::json!({"value": 1, "worst": 1, "best": 5})
    );

    // Five stars decide, even though the words ("storing", "boos") complain.
    let praise = by_title(&all, "Storing snel opgelost");
    assert_eq!(praise["sentiment"]["label"], "positive");
    assert!(reasons(praise).contains("rating 5/5"), "{praise}");

    // The same page without that rating: its words alone are negative.
    let unrated_page = String::from_utf8(fixture("reviews/trustpilot-page1.html"))
        .unwrap()
        .replace(
            r#""bestRating": "5", "worstRating": "1", "ratingValue": "5""#,
            r#""bestRating": "0", "worstRating": "0", "ratingValue": "0""#,
        );
    let words = Server::start().await;
    words.route(PAGE, Route::ok("text/html", unrated_page));
    let words_env = Env::new(&config(&words, PAGE, "max_pages = 1\n"));
    words_env.ok(&["poll"]).await;
    let words_only = by_title(&words_env.mentions_json(&[]).await, "Storing snel opgelost").clone();
    assert_eq!(words_only["sentiment"]["label"], "negative", "{words_only}");

    // 0/0 is no rating: the words decide, and no reason mentions a rating.
    let unrated = by_title(&all, "Verhuizing doorgegeven");
    assert!(!reasons(unrated).contains("rating"), "{unrated}");

    // New reviews on top; a new process reads only those.
    server.route(PAGE, html("trustpilot-page1-later.html"));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("tp: 1 items, 1 new mentions"), "{out}");
    let all = env.mentions_json(&[]).await;
    assert_eq!(all.len(), 4);
    // The same review polled again keeps its link.
    assert_eq!(by_title(&all, "Al drie dagen geen internet")["url"], link);
    assert_eq!(
        by_title(&all, "Nog steeds storing")["sentiment"]["label"],
        "negative"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unchanged_page_is_not_parsed_again() {
    let server = Server::start().await;
    server.route(PAGE, html("trustpilot-page1.html").with_etag("\"tp-1\""));
    let env = Env::new(&config(&server, PAGE, "max_pages = 1\n"));
    env.ok(&["poll"]).await;
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("tp: not modified"), "{out}");
    let seen = server.requests_to(PAGE);
    assert_eq!(
        seen[1].headers.get("if-none-match").map(String::as_str),
        Some("\"tp-1\"")
    );
    assert_eq!(env.mentions_json(&[]).await.len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_declared_next_page_is_read_when_max_pages_allows() {
    let server = Server::start().await;
    server.route(PAGE, html("trustpilot-page1.html"));
    server.route(PAGE2, html("trustpilot-page2.html"));
    let env = Env::new(&config(&server, PAGE, "max_pages = 2\n"));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("tp: 4 items, 4 new mentions"), "{out}");
    assert_eq!(server.requests_to(PAGE2).len(), 1);
    let all = env.mentions_json(&[]).await;
    let invoice = by_title(&all, "Factuur klopt niet");
    assert_eq!(invoice["sentiment"]["label"], "negative");
    assert!(reasons(invoice).contains("rating 2/5"), "{invoice}");

    // Page 2 declares no next page: the default bound of 3 stops there.
    let server2 = Server::start().await;
    server2.route(PAGE, html("trustpilot-page1.html"));
    server2.route(PAGE2, html("trustpilot-page2.html"));
    let env = Env::new(&config(&server2, PAGE, ""));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("tp: 4 items"), "{out}");
    assert_eq!(server2.requests().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn microdata_reviews() {
    let server = Server::start().await;
    server.route("/kiyoh", html("kiyoh.html"));
    let env = Env::new(&config(&server, "/kiyoh", ""));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("tp: 2 items, 2 new mentions"), "{out}");
    let all = env.mentions_json(&[]).await;

    let bad = by_title(&all, "Slechte bereikbaarheid");
    assert_eq!(bad["author"], "J. Bakker");
    assert_eq!(bad["published_at"], "2026-11-19T00:00:00Z");
    assert_eq!(
        bad["text"],
        "Acme Telecom is slecht bereikbaar.\n\nNa 40 minuten wachten opgehangen."
    );
    assert_eq!(
        bad["url"],
        "https://www.kiyoh.com/reviews/1049781/acme_telecom?review=88123"
    );
    assert_eq!(bad["sentiment"]["label"], "negative");
    assert!(reasons(bad).contains("rating 2/10"), "{bad}");

    // No name: the title is the body's first words.
    let good = by_title(
        &all,
        "Snelle levering van de nieuwe modem door Acme Telecom, alles werkt.",
    );
    assert_eq!(good["author"], "Els");
    // No link or id of its own: its place on the page.
    assert!(
        good["url"]
            .as_str()
            .is_some_and(|u| u.starts_with(&format!("{}#review-", server.url("/kiyoh")))),
        "{good}"
    );
    assert_eq!(
        good["rating"],
        serde_json::json!({"value": 9, "worst": 1, "best": 10})
    );
    assert_eq!(good["sentiment"]["label"], "positive");
    assert!(reasons(good).contains("rating 9/10"), "{good}");
}

#[tokio::test(flavor = "multi_thread")]
async fn broken_blocks_are_skipped_and_pages_without_markup_are_empty() {
    let server = Server::start().await;
    server.route("/shop", html("broken-block.html"));
    let env = Env::new(&config(&server, "/shop", ""));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("tp: 1 items, 1 new mentions"), "{out}");
    let all = env.mentions_json(&[]).await;
    assert_eq!(all[0]["title"], "Router keeps dropping");
    assert_eq!(all[0]["url"], "https://shop.example.nl/reviews/5501");
    assert_eq!(all[0]["sentiment"]["label"], "negative");

    server.route("/plain", html("no-markup.html"));
    let env = Env::new(&config(&server, "/plain", ""));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("tp: 0 items, 0 new mentions"), "{out}");
    let report: serde_json::Value =
        serde_json::from_str(env.ok(&["sources", "--format", "json"]).await.trim()).unwrap();
    assert_eq!(report["last_status"], "ok");
    assert_eq!(report["kind"], "reviews");
    assert_eq!(report["url"], server.url("/plain"));
}

#[tokio::test(flavor = "multi_thread")]
async fn http_errors_are_recorded_per_source() {
    let server = Server::start().await;
    let env = Env::new(&config(&server, "/gone", ""));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("tp: error: HTTP 404"), "{out}");

    server.route("/gone", Route::status(500, "Internal Server Error"));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("tp: error: HTTP 500"), "{out}");
    let report: serde_json::Value =
        serde_json::from_str(env.ok(&["sources", "--format", "json"]).await.trim()).unwrap();
    assert_eq!(report["last_status"], "error");
    assert_eq!(report["consecutive_failures"], 2);
    assert!(
        report["last_error"].as_str().unwrap().contains("HTTP 500"),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn preview_works_for_review_pages() {
    let server = Server::start().await;
    server.route(PAGE, html("trustpilot-page1.html"));
    server.route(PAGE2, html("trustpilot-page2.html"));
    let env = Env::new(&config(&server, PAGE, "max_pages = 1\n"));
    let out = env
        .ok(&["preview", "--source", "tp", "--format", "json"])
        .await;
    assert_eq!(out.lines().count(), 3, "{out}");
    let first: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(first["watches"], serde_json::json!(["acme"]));

    let out = env
        .ok(&["preview", "--kind", "reviews", "--url", &server.url(PAGE)])
        .await;
    assert!(out.contains("3 items"), "{out}");
    assert!(!env.db_path().exists(), "preview stores nothing");

    let out = env
        .run(&["preview", "--kind", "reviews", "--query", "x"])
        .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--url"));
}

#[tokio::test(flavor = "multi_thread")]
async fn misplaced_keys_are_rejected_at_load() {
    let server = Server::start().await;
    for (extra, message) in [
        (
            "query = \"acme\"\n",
            "key `query` does not apply to kind \"reviews\"",
        ),
        (
            "tags = \"story\"\n",
            "key `tags` does not apply to kind \"reviews\"",
        ),
        (
            "base_url = \"http://127.0.0.1/\"\n",
            "key `base_url` does not apply to kind \"reviews\"",
        ),
        (
            "max_pages = 11\n",
            "key `max_pages`: must be between 1 and 10",
        ),
    ] {
        let env = Env::new(&config(&server, PAGE, extra));
        let out = env.run(&["check"]).await;
        assert_eq!(out.status.code(), Some(2), "{extra}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{extra}: {stderr}");
    }
    let env = Env::new(
        "[[watch]]\nname = \"acme\"\nterms = [\"Acme\"]\n[[source]]\nname = \"tp\"\nkind = \"reviews\"\n",
    );
    let out = env.run(&["check"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("source \"tp\" (reviews) needs `url`"));
}

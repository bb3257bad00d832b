//! The `hackernews` source against a loopback server speaking Algolia's
//! `search_by_date` shape: first poll, a cursor-limited second poll from a
//! new process, pagination bounds, rate limiting and malformed bodies.

use crate::support::{fixture, sorted_titles, Env, Route, Server};

fn config(server: &Server, extra: &str) -> String {
    format!(
        "[[watch]]\nname = \"acme\"\nterms = [\"Acme Telecom\"]\n\n\
         [[source]]\nname = \"hn\"\nkind = \"hackernews\"\nquery = \"acme telecom\"\nbase_url = \"{}\"\n{extra}",
        server.url("")
    )
}

const SEARCH: &str = "/api/v1/search_by_date";

#[tokio::test(flavor = "multi_thread")]
async fn first_poll_then_only_newer_items() {
    let server = Server::start().await;
    server.route(
        SEARCH,
        Route::ok("application/json", fixture("hackernews/page1.json")),
    );
    let env = Env::new(&config(&server, ""));

    let out = env.ok(&["poll"]).await;
    assert!(out.contains("hn: 3 items, 2 new mentions"), "{out}");
    let first = &server.requests_to_path(SEARCH)[0];
    assert!(
        !first.path.contains("numericFilters"),
        "the first poll has no cursor: {}",
        first.path
    );
    assert!(
        first.path.contains("query=acme+telecom")
            && first.path.contains("tags=%28story%2Ccomment%29"),
        "{}",
        first.path
    );

    let all = env.mentions_json(&[]).await;
    let titles = sorted_titles(&all);
    assert_eq!(
        titles,
        [
            "Acme Telecom down across the Netherlands",
            "Re: Acme Telecom down across the Netherlands"
        ]
    );
    let all = env.mentions_json(&[]).await;
    let comment: Vec<&serde_json::Value> = all
        .iter()
        .filter(|m| m["title"].as_str().unwrap().starts_with("Re:"))
        .collect();
    assert_eq!(comment[0]["text"], "Same here in Utrecht. Called Acme Telecom support, 45 minutes on hold and then they hung up. Switching providers.");
    assert_eq!(
        comment[0]["url"],
        "https://news.ycombinator.com/item?id=41230077"
    );
    assert_eq!(comment[0]["sentiment"]["label"], "negative");

    // A second poll, from a new process, asks only for what is newer.
    server.route(
        SEARCH,
        Route::ok("application/json", fixture("hackernews/page2.json")),
    );
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("hn: 1 items, 1 new mentions"), "{out}");
    let second = &server.requests_to_path(SEARCH)[1];
    assert!(
        second
            .path
            .contains("numericFilters=created_at_i%3E1763804412"),
        "{}",
        second.path
    );
    assert_eq!(env.mentions_json(&[]).await.len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn pagination_is_bounded_per_poll() {
    let server = Server::start().await;
    let many = String::from_utf8(fixture("hackernews/page1.json"))
        .unwrap()
        .replace("\"nbPages\":1", "\"nbPages\":9");
    server.route(SEARCH, Route::ok("application/json", many));
    let env = Env::new(&config(&server, "max_pages = 2\n"));
    env.ok(&["poll"]).await;
    let pages: Vec<String> = server
        .requests_to_path(SEARCH)
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(pages.len(), 2, "{pages:?}");
    assert!(pages[1].contains("page=1"));
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limits_and_malformed_bodies_are_recorded_errors() {
    let server = Server::start().await;
    server.route(
        SEARCH,
        Route::status(429, "Too many requests").with_header("Retry-After", "120"),
    );
    let env = Env::new(&config(&server, ""));
    let out = env.ok(&["poll"]).await;
    assert!(
        out.contains("hn: error: HTTP 429 (retry after 120s)"),
        "{out}"
    );

    server.route(
        SEARCH,
        Route::ok("text/html", "<html>Service Unavailable</html>"),
    );
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("hn: error: malformed hackernews"), "{out}");
    let report: serde_json::Value =
        serde_json::from_str(env.ok(&["sources", "--format", "json"]).await.trim()).unwrap();
    assert_eq!(report["last_status"], "error");
    assert_eq!(report["consecutive_failures"], 2);

    // Misplaced keys are config errors.
    let bad = Env::new(&format!(
        "{}url = \"http://127.0.0.1/\"\n",
        config(&server, "")
    ));
    let out = bad.run(&["check"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("key `url` does not apply to kind \"hackernews\""));
}

#[tokio::test(flavor = "multi_thread")]
async fn preview_works_for_the_api_kind() {
    let server = Server::start().await;
    server.route(
        SEARCH,
        Route::ok("application/json", fixture("hackernews/page1.json")),
    );
    let env = Env::new(&config(&server, ""));
    let out = env
        .ok(&["preview", "--source", "hn", "--format", "json"])
        .await;
    assert_eq!(out.lines().count(), 3, "{out}");
    let out = env
        .ok(&[
            "preview",
            "--kind",
            "hackernews",
            "--query",
            "acme",
            "--url",
            &server.url(""),
        ])
        .await;
    assert!(out.contains("3 items"), "{out}");
    assert!(!env.db_path().exists(), "preview stores nothing");
}

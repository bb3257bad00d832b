//! The `mastodon` source against a loopback server speaking the Mastodon
//! REST API's hashtag timeline (`/api/v1/timelines/tag/:hashtag`): first
//! poll, a `since_id` second poll from a new process, reblogs as their
//! original, the bearer token, a disabled timeline, 401, 429 with
//! `X-RateLimit-Reset`, malformed bodies, and the page bound.

use crate::support::{fixture, Env, Route, Server};

const NS: &str = "/api/v1/timelines/tag/ns";
const KLM: &str = "/api/v1/timelines/tag/klm";
/// The newest status id in `ns_page1.json` (a reblog).
const NEWEST: &str = "113500000000000103";

fn config(server: &Server, extra: &str) -> String {
    format!(
        "[[watch]]\nname = \"acme\"\nterms = [\"Acme\"]\n\n\
         [[source]]\nname = \"toots\"\nkind = \"mastodon\"\nbase_url = \"{}\"\n{extra}",
        server.url("")
    )
}

fn json(body: Vec<u8>) -> Route {
    Route::ok("application/json; charset=utf-8", body)
}

/// A full page of 40 statuses, ids `from` down to `from - 39`, built from
/// the template status, with the `Link` header Mastodon sends.
fn full_page(server: &Server, from: u64) -> Route {
    let template = String::from_utf8(fixture("mastodon/status_template.json")).unwrap();
    let one = template
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let statuses: Vec<String> = (0..40)
        .map(|i| one.replace("113500000000000999", &(from - i).to_string()))
        .collect();
    let link = format!(
        "<{}?limit=40&max_id={}>; rel=\"next\", <{}?limit=40&min_id={}>; rel=\"prev\"",
        server.url(NS),
        from - 39,
        server.url(NS),
        from
    );
    json(format!("[{}]", statuses.join(",")).into_bytes()).with_header("Link", &link)
}

#[tokio::test(flavor = "multi_thread")]
async fn first_poll_then_only_newer_statuses() {
    let server = Server::start().await;
    server.route(NS, json(fixture("mastodon/ns_page1.json")));
    // A timeline the instance has disabled answers an empty array.
    server.route(KLM, json(b"[]".to_vec()));
    let env = Env::new(&config(&server, "hashtags = [\"#ns\", \"klm\"]\n"));

    let out = env.ok(&["poll"]).await;
    // Three statuses, one a reblog of another: two items, one mentions Acme.
    assert!(out.contains("toots: 2 items, 1 new mentions"), "{out}");
    assert!(out.contains("0 failed"), "{out}");
    let first = &server.requests_to_path(NS)[0];
    assert_eq!(first.path, format!("{NS}?limit=40"));
    assert!(
        !first.headers.contains_key("authorization"),
        "no token configured, none sent"
    );
    assert_eq!(
        server.requests_to_path(KLM)[0].path,
        format!("{KLM}?limit=40")
    );

    let mentions = env.mentions_json(&[]).await;
    assert_eq!(
        mentions.len(),
        1,
        "the reblog is its original: {mentions:?}"
    );
    let m = &mentions[0];
    assert_eq!(
        m["url"],
        "https://mastodon.social/@jvdberg/113500000000000101"
    );
    assert_eq!(m["author"], "Jeroen van den Berg");
    assert_eq!(
        m["title"],
        "Alweer 40 minuten vertraging tussen Utrecht en Amsterdam. @NS_online dit is echt belachelijk, en de…"
    );
    assert_eq!(
        m["text"],
        "Alweer 40 minuten vertraging tussen Utrecht en Amsterdam. @NS_online dit is echt belachelijk, en de Acme wifi in de trein doet het ook niet.\n\n\
         #ns #storing ns.nl/reisinformatie/actuele-s…"
    );
    assert_eq!(m["sentiment"]["label"], "negative");

    // A new process asks #ns only for what is newer than the newest id seen;
    // #klm, never seen, starts afresh.
    server.route(
        &format!("{NS}?limit=40&since_id={NEWEST}"),
        json(fixture("mastodon/ns_page2.json")),
    );
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("toots: 1 items, 1 new mentions"), "{out}");
    assert_eq!(
        server.requests_to_path(NS)[1].path,
        format!("{NS}?limit=40&since_id={NEWEST}")
    );
    assert_eq!(
        server.requests_to_path(KLM)[1].path,
        format!("{KLM}?limit=40")
    );
    let mentions = env.mentions_json(&[]).await;
    assert_eq!(mentions.len(), 2);
    let newer = mentions
        .iter()
        .find(|m| m["url"] == "https://mastodon.social/@sanne/113500000000000150")
        .expect("the newer status");
    assert_eq!(newer["author"], "Sanne 🚲");
    assert!(
        newer["text"]
            .as_str()
            .unwrap()
            .starts_with("treinfrustratie\n\nTweede keer deze week"),
        "the content warning leads the text: {newer}"
    );

    // And the third poll resumes from the newer status.
    env.ok(&["poll"]).await;
    assert_eq!(
        server.requests_to_path(NS)[2].path,
        format!("{NS}?limit=40&since_id=113500000000000150")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_token_is_sent_as_a_bearer() {
    let server = Server::start().await;
    server.route(NS, json(fixture("mastodon/ns_page1.json")));
    let env = Env::new(&config(
        &server,
        "hashtags = [\"ns\"]\ntoken_file = \"mastodon.token\"\n",
    ));
    std::fs::write(env.dir.path().join("mastodon.token"), "s3cr3t-T0ken\n").unwrap();
    env.ok(&["poll"]).await;
    let seen = &server.requests_to_path(NS)[0];
    assert_eq!(
        seen.headers.get("authorization").map(String::as_str),
        Some("Bearer s3cr3t-T0ken")
    );
    // The token is not the source's identity: nothing stores it.
    let db = std::fs::read(env.db_path()).unwrap();
    assert!(!db.windows(12).any(|w| w == b"s3cr3t-T0ken"));

    // A token_env naming an unset variable is a config error.
    let bad = Env::new(&config(
        &server,
        "hashtags = [\"ns\"]\ntoken_env = \"EARSHOT_TEST_MASTODON_TOKEN_UNSET\"\n",
    ));
    let out = bad.run(&["check"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("environment variable EARSHOT_TEST_MASTODON_TOKEN_UNSET is not set"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn auth_failures_rate_limits_and_malformed_bodies_are_source_errors() {
    let server = Server::start().await;
    server.route(
        NS,
        Route {
            status: 401,
            ..json(fixture("mastodon/error_401.json"))
        },
    );
    let env = Env::new(&config(&server, "hashtags = [\"ns\"]\n"));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("toots: error: HTTP 401"), "{out}");

    let reset = (chrono::Utc::now() + chrono::Duration::seconds(120))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    server.route(
        NS,
        Route {
            status: 429,
            ..json(br#"{"error":"Too many requests"}"#.to_vec())
        }
        .with_header("X-RateLimit-Limit", "300")
        .with_header("X-RateLimit-Remaining", "0")
        .with_header("X-RateLimit-Reset", &reset),
    );
    let out = env.ok(&["poll"]).await;
    let wait: u64 = out
        .split("toots: error: HTTP 429 (retry after ")
        .nth(1)
        .and_then(|r| r.split('s').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no retry-after in {out}"));
    assert!((100..=120).contains(&wait), "{out}");

    server.route(
        NS,
        Route::ok("text/html", "<html><body>502 Bad Gateway</body></html>"),
    );
    let out = env.ok(&["poll"]).await;
    assert!(
        out.contains("toots: error: malformed mastodon: unexpected response"),
        "{out}"
    );
    let report: serde_json::Value =
        serde_json::from_str(env.ok(&["sources", "--format", "json"]).await.trim()).unwrap();
    assert_eq!(report["last_status"], "error");
    assert_eq!(report["consecutive_failures"], 3);
    assert_eq!(env.mentions_json(&[]).await.len(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_are_followed_to_the_cursor_at_most_max_pages() {
    let server = Server::start().await;
    // A full first page: the first poll still reads one page only.
    server.route(NS, full_page(&server, 113500000000001000));
    let env = Env::new(&config(&server, "hashtags = [\"ns\"]\nmax_pages = 2\n"));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("toots: 40 items"), "{out}");
    assert_eq!(server.requests_to_path(NS).len(), 1);

    // Later: 80+ new statuses; two pages are read, the second where the
    // first page's Link rel="next" says.
    server.route(NS, full_page(&server, 113500000000002000));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("toots: 40 items"), "{out}");
    let paths = paths_to(&server, NS);
    assert_eq!(
        paths[1..],
        [
            format!("{NS}?limit=40&since_id=113500000000001000"),
            format!("{NS}?limit=40&max_id=113500000000001961"),
        ]
    );

    // A page that is not full ends the paging.
    server.route(NS, json(fixture("mastodon/ns_page2.json")));
    env.ok(&["poll"]).await;
    assert_eq!(server.requests_to_path(NS).len(), 4);
}

/// The paths, with their queries, of every request to `path` so far.
fn paths_to(server: &Server, path: &str) -> Vec<String> {
    server
        .requests_to_path(path)
        .iter()
        .map(|r| r.path.clone())
        .collect()
}

/// A page of the template status with these ids, in this order, and a
/// `Link` header naming `next`.
fn page_of(ids: &[u64], next: Option<String>) -> Route {
    let template = String::from_utf8(fixture("mastodon/status_template.json")).unwrap();
    let one = template
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let statuses: Vec<String> = ids
        .iter()
        .map(|id| one.replace("113500000000000999", &id.to_string()))
        .collect();
    let route = json(format!("[{}]", statuses.join(",")).into_bytes());
    match next {
        Some(next) => route.with_header("Link", &format!("<{next}>; rel=\"next\"")),
        None => route,
    }
}

/// Issue 15: paging follows the `Link` header, not the smallest id: here a
/// full page holds one old id among new ones (the smallest id would page
/// back from it, repeating and skipping), and its next link names another
/// place. A next link to another host is not followed.
#[tokio::test(flavor = "multi_thread")]
async fn issue15_paging_follows_the_link_header_on_the_instance_only() {
    let server = Server::start().await;
    server.route(NS, full_page(&server, 113500000000001000));
    let env = Env::new(&config(&server, "hashtags = [\"ns\"]\nmax_pages = 3\n"));
    env.ok(&["poll"]).await;

    let base = 113500000000002000;
    let mut ids: Vec<u64> = (0..39).map(|i| base - i).collect();
    ids.insert(20, 113500000000001500);
    let next = format!("{NS}?limit=40&max_id={}", base - 38);
    server.route(NS, page_of(&ids, Some(server.url(&next))));
    server.route(&next, page_of(&[base - 39, base - 40], None));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("toots: 42 items"), "{out}");
    let paths = paths_to(&server, NS);
    assert_eq!(
        paths[1..],
        [format!("{NS}?limit=40&since_id=113500000000001000"), next]
    );

    // The next poll: a full page whose next link leaves the instance.
    let elsewhere = Server::start().await;
    let newer: Vec<u64> = (0..40).map(|i| base + 100 - i).collect();
    server.route(NS, page_of(&newer, Some(elsewhere.url(NS))));
    elsewhere.route(NS, page_of(&[base + 1], None));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("toots: 40 items"), "{out}");
    assert!(out.contains("0 failed"), "{out}");
    assert!(
        elsewhere.requests().is_empty(),
        "followed a link off the instance"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn preview_and_config_errors() {
    let server = Server::start().await;
    server.route(NS, json(fixture("mastodon/ns_page1.json")));
    let env = Env::new(&config(&server, "hashtags = [\"ns\"]\n"));
    let out = env
        .ok(&["preview", "--source", "toots", "--format", "json"])
        .await;
    assert_eq!(out.lines().count(), 2, "{out}");
    let out = env
        .ok(&[
            "preview",
            "--kind",
            "mastodon",
            "--url",
            &server.url(""),
            "--query",
            "#ns",
        ])
        .await;
    assert!(out.contains("2 items"), "{out}");
    assert_eq!(server.requests_to_path(NS).len(), 2);
    assert!(!env.db_path().exists(), "preview stores nothing");

    let check = |extra: &str| {
        let text = config(&server, extra);
        async move {
            let out = Env::new(&text).run(&["check"]).await;
            assert_eq!(out.status.code(), Some(2), "{text}");
            String::from_utf8_lossy(&out.stderr).into_owned()
        }
    };
    let e = check("").await;
    assert!(e.contains("(mastodon) needs `hashtags`"), "{e}");
    let e = check("hashtags = [\"ns\"]\nurl = \"https://mastodon.social\"\n").await;
    assert!(
        e.contains("key `url` does not apply to kind \"mastodon\""),
        "{e}"
    );
    let e = check("hashtags = [\"ns/../x\"]\n").await;
    assert!(e.contains("invalid hashtag"), "{e}");
    // An empty list and no query: nothing to read.
    let e = check("hashtags = []\n").await;
    assert!(e.contains("needs `hashtags`, a `query`"), "{e}");
    // No base_url: the instance is not guessed.
    let out = Env::new("[[source]]\nname = \"toots\"\nkind = \"mastodon\"\nhashtags = [\"ns\"]\n")
        .run(&["check"])
        .await;
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs `base_url`"));
    // Mastodon's keys on a feed are errors too.
    let out = Env::new(
        "[[source]]\nname = \"f\"\nkind = \"feed\"\nurl = \"https://example.nl/rss\"\nhashtags = [\"ns\"]\n",
    )
    .run(&["check"])
    .await;
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("key `hashtags` does not apply to kind \"feed\""));
}

const SEARCH: &str = "/api/v2/search";

#[tokio::test(flavor = "multi_thread")]
async fn full_text_search_where_the_instance_allows_it() {
    let server = Server::start().await;
    // The search answer wraps the same statuses as the timeline does.
    let statuses = String::from_utf8(fixture("mastodon/ns_page1.json")).unwrap();
    let body = format!("{{\"accounts\":[],\"statuses\":{statuses},\"hashtags\":[]}}");
    server.route(SEARCH, json(body.into_bytes()));
    let env = Env::new(&config(&server, "query = \"acme storing\"\n"));

    let out = env.ok(&["poll"]).await;
    assert!(
        out.contains("toots:") && out.contains("1 new mentions"),
        "{out}"
    );
    let first = &server.requests_to_path(SEARCH)[0];
    assert!(
        first.path.contains("q=acme+storing") && first.path.contains("type=statuses"),
        "{}",
        first.path
    );
    assert!(!first.path.contains("min_id"), "{}", first.path);
    assert!(
        server.requests_to_path(NS).is_empty(),
        "no hashtags configured, no timeline read"
    );

    // The next poll, from a new process, asks only for newer statuses.
    server.route(
        SEARCH,
        json(b"{\"accounts\":[],\"statuses\":[],\"hashtags\":[]}".to_vec()),
    );
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("0 new mentions"), "{out}");
    let second = &server.requests_to_path(SEARCH)[1];
    assert!(
        second.path.contains(&format!("min_id={NEWEST}")),
        "{}",
        second.path
    );

    // An instance without search for this token says so: a recorded error.
    server.route(SEARCH, json(b"{\"error\":\"Search is disabled\"}".to_vec()));
    let out = env.ok(&["poll"]).await;
    assert!(
        out.contains("the instance answered: Search is disabled"),
        "{out}"
    );

    // Neither hashtags nor a query: nothing to read, a config error.
    let bad = Env::new(&config(&server, ""));
    let out = bad.run(&["check"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs `hashtags`, a `query`"));
}

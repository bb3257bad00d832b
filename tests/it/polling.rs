//! Polling behaviour: conditional GET on the second poll, dedup of one story
//! across sources and tracking parameters, and failing sources that never stop
//! the good ones.

use crate::corpus::{
    config, feed, field, one_story_sources, serve, source, source_reports, sources_of, ONE_STORY,
    RSS,
};
use crate::support::{Env, Route, Server};

const STORING_CANONICAL: &str =
    "https://nu.nl/economie/6321234/grote-storing-bij-acme-telecom.html";

/// Polls `route` twice and checks the second poll was conditional on
/// `header` = `value`, was answered 304 and stored nothing new.
async fn check_conditional(route: Route, header: &str, value: &str) {
    let server = Server::start().await;
    server.route("/rss/Economie", route);
    let env = Env::new(&config("", &[source(&server, "nu", "/rss/Economie", None)]));

    let first = env.ok(&["poll"]).await;
    assert!(first.contains("nu: 5 items, 3 new mentions"), "{first}");
    let before = env.mentions_json(&[]).await;
    assert_eq!(before.len(), 3);

    let second = env.ok(&["poll"]).await;
    assert!(second.contains("nu: not modified"), "{second}");
    assert!(
        second.contains("0 ok, 1 not modified, 0 failed; 0 new mentions"),
        "{second}"
    );
    assert_eq!(env.mentions_json(&[]).await, before);

    let seen = server.requests_to("/rss/Economie");
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(!seen[0].headers.contains_key(header), "{seen:?}");
    assert_eq!(
        seen[1].headers.get(header).map(String::as_str),
        Some(value),
        "{seen:?}"
    );
    assert_eq!(seen[1].status, 304);

    let report = &source_reports(&env).await["nu"];
    assert_eq!(field(report, "last_status"), "not-modified", "{report}");
    assert_eq!(report["polls"], 2, "{report}");
}

#[tokio::test(flavor = "multi_thread")]
async fn second_poll_sends_if_none_match_and_stores_nothing() {
    let etag = "\"nu-economie-20261122-0912\"";
    check_conditional(
        feed("nu-economie.rss", RSS).with_etag(etag),
        "if-none-match",
        etag,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn second_poll_sends_if_modified_since_and_stores_nothing() {
    let lm = "Sun, 22 Nov 2026 08:12:44 GMT";
    check_conditional(
        feed("nu-economie.rss", RSS).with_last_modified(lm),
        "if-modified-since",
        lm,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_feed_is_fetched_again_and_only_new_items_are_stored() {
    let server = Server::start().await;
    server.route(
        "/rss/Economie",
        feed("nu-economie.rss", RSS).with_etag("\"v1\""),
    );
    let env = Env::new(&config("", &[source(&server, "nu", "/rss/Economie", None)]));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("nu: 5 items, 3 new mentions"), "{out}");

    // Two hours later: one new story on top, the storing headline edited (same
    // guid), the oldest item gone, and a new ETag.
    server.route(
        "/rss/Economie",
        feed("nu-economie-later.rss", RSS).with_etag("\"v2\""),
    );
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("nu: 5 items, 1 new mentions"), "{out}");
    let mentions = env.mentions_json(&[]).await;
    assert_eq!(mentions.len(), 4);
    let newest = &mentions[0];
    assert_eq!(
        field(newest, "title"),
        "Storing bij Acme Telecom verholpen, klanten krijgen compensatie"
    );
    assert_eq!(field(newest, "watch"), "acme");
    // The edited headline is the same item: no second mention of it.
    assert_eq!(
        mentions
            .iter()
            .filter(|m| field(m, "canonical_url") == STORING_CANONICAL)
            .count(),
        1
    );

    let out = env.ok(&["poll"]).await;
    assert!(out.contains("nu: not modified"), "{out}");
    let seen = server.requests_to("/rss/Economie");
    let sent: Vec<Option<&str>> = seen
        .iter()
        .map(|r| r.headers.get("if-none-match").map(String::as_str))
        .collect();
    assert_eq!(sent, [None, Some("\"v1\""), Some("\"v2\"")]);
    assert_eq!(
        seen.iter().map(|r| r.status).collect::<Vec<_>>(),
        [200, 200, 304]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn repoll_without_validators_stores_nothing_new() {
    let server = serve(&[("/rss/Economie", "nu-economie.rss", RSS)]).await;
    let env = Env::new(&config("", &[source(&server, "nu", "/rss/Economie", None)]));
    let first = env.ok(&["poll"]).await;
    assert!(first.contains("3 new mentions"), "{first}");
    let before = env.mentions_json(&[]).await;

    let second = env.ok(&["poll"]).await;
    assert!(second.contains("nu: 5 items, 0 new mentions"), "{second}");
    assert!(
        second.contains("1 ok, 0 not modified, 0 failed; 0 new mentions"),
        "{second}"
    );
    assert_eq!(env.mentions_json(&[]).await, before);
    let seen = server.requests_to("/rss/Economie");
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|r| !r.headers.contains_key("if-none-match")
        && !r.headers.contains_key("if-modified-since")));
    // The configured User-Agent is sent.
    assert_eq!(
        seen[0].headers.get("user-agent").map(String::as_str),
        Some("earshot-tests/1.0 (+mailto:webcare@example.nl)")
    );
}

/// The alert feed, the site's own RSS and a forum all link the same article
/// (via Google's redirector, with `utm_*`, with `fbclid` and a fragment).
async fn three_sources_of_one_story() -> (Server, Env) {
    let server = serve(&ONE_STORY).await;
    let env = Env::new(&config("", &one_story_sources(&server)));
    (server, env)
}

fn assert_one_storing_mention(mentions: &[serde_json::Value]) {
    let storing: Vec<_> = mentions
        .iter()
        .filter(|m| field(m, "canonical_url") == STORING_CANONICAL)
        .collect();
    assert_eq!(storing.len(), 1, "{storing:#?}");
    assert_eq!(field(storing[0], "watch"), "acme");
    assert_eq!(
        sources_of(storing[0]),
        ["google-alerts-acme", "nu-economie", "tweakers-forum"]
    );
    // Every other acme mention is a different story.
    let mut urls: Vec<&str> = mentions.iter().map(|m| field(m, "canonical_url")).collect();
    urls.sort();
    let n = urls.len();
    urls.dedup();
    assert_eq!(urls.len(), n, "one item stored twice: {urls:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_story_in_three_sources_is_one_mention_per_watch() {
    let (_server, env) = three_sources_of_one_story().await;
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("3 ok, 0 not modified, 0 failed"), "{out}");
    let mentions = env.mentions_json(&[]).await;
    assert_one_storing_mention(&mentions);
    // nu: storing, HEMA, Ahold; alerts adds prijzen and AcmeTel; the forum adds
    // bol.com and the modem topic: 7 mentions, not 9.
    assert_eq!(
        mentions.len(),
        7,
        "{:#?}",
        crate::corpus::watch_titles(&mentions)
    );
    assert!(out.contains("; 7 new mentions"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_story_polled_in_separate_runs_is_one_mention() {
    let (server, env) = three_sources_of_one_story().await;
    let out = env.ok(&["poll", "--source", "nu-economie"]).await;
    assert!(
        out.contains("nu-economie: 5 items, 3 new mentions"),
        "{out}"
    );
    let out = env.ok(&["poll", "--source", "google-alerts-acme"]).await;
    // The storing story is already known: only prijzen and AcmeTel are new.
    assert!(
        out.contains("google-alerts-acme: 4 items, 2 new mentions"),
        "{out}"
    );
    let out = env.ok(&["poll", "--source", "tweakers-forum"]).await;
    assert!(
        out.contains("tweakers-forum: 4 items, 2 new mentions"),
        "{out}"
    );
    let mentions = env.mentions_json(&[]).await;
    assert_one_storing_mention(&mentions);
    assert_eq!(mentions.len(), 7);
    // The first source to see the story gave it its title and link.
    let storing = mentions
        .iter()
        .find(|m| field(m, "canonical_url") == STORING_CANONICAL)
        .unwrap();
    assert_eq!(
        field(storing, "title"),
        "Grote storing bij Acme Telecom: duizenden klanten zonder internet"
    );
    // Each run fetched only its own source.
    for path in ["/alerts/acme", "/rss/Economie", "/feeds/providers.json"] {
        assert_eq!(server.requests_to(path).len(), 1, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn poll_source_polls_only_that_source() {
    let server = serve(&[
        ("/rss/Economie", "nu-economie.rss", RSS),
        ("/pers.rss", "hema-pers.rss", RSS),
    ])
    .await;
    let env = Env::new(&config(
        "",
        &[
            source(&server, "nu", "/rss/Economie", None),
            source(&server, "hema-pers", "/pers.rss", None),
        ],
    ));
    let out = env.ok(&["poll", "--source", "hema-pers"]).await;
    assert!(out.contains("hema-pers: 2 items, 2 new mentions"), "{out}");
    assert!(out.contains("polled 1 sources"), "{out}");
    assert!(!out.contains("nu:"), "{out}");
    assert_eq!(server.requests_to("/pers.rss").len(), 1);
    assert_eq!(server.requests_to("/rss/Economie").len(), 0);
    let mentions = env.mentions_json(&[]).await;
    assert_eq!(mentions.len(), 2);
    assert!(mentions.iter().all(|m| field(m, "watch") == "hema"));
    let reports = source_reports(&env).await;
    assert_eq!(reports["nu"]["polls"], 0);
    assert_eq!(reports["hema-pers"]["polls"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_source_exits_2_and_fetches_nothing() {
    let server = serve(&[("/rss/Economie", "nu-economie.rss", RSS)]).await;
    let env = Env::new(&config("", &[source(&server, "nu", "/rss/Economie", None)]));
    let out = env.run(&["poll", "--source", "nu-economy"]).await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown source \"nu-economy\""), "{err}");
    assert!(server.requests().is_empty());
}

// ------------------------------------------------------------ failures

#[tokio::test(flavor = "multi_thread")]
async fn broken_sources_never_stop_the_good_ones() {
    let server = serve(&[
        ("/rss/Economie", "nu-economie.rss", RSS),
        ("/storingen.rss", "malformed.rss", RSS),
        ("/ns/rss", "not-a-feed.html", "text/html; charset=utf-8"),
    ])
    .await;
    server.route("/500.rss", Route::status(500, "Internal Server Error"));
    server.route("/stall.rss", Route::stall());
    server.route(
        "/busy.rss",
        Route::status(429, "slow down").with_header("Retry-After", "120"),
    );
    server.route(
        "/loop.rss",
        Route::status(302, "").with_header("Location", "/loop.rss"),
    );
    // "/gone.rss" has no route: the server answers 404.
    let env = Env::new(&config(
        "timeout = \"2s\"",
        &[
            source(&server, "gone", "/gone.rss", None),
            source(&server, "nu", "/rss/Economie", None),
            source(&server, "broken-server", "/500.rss", None),
            source(&server, "malformed", "/storingen.rss", None),
            source(&server, "html-page", "/ns/rss", None),
            source(&server, "stalled", "/stall.rss", None),
            source(&server, "rate-limited", "/busy.rss", None),
            source(&server, "redirect-loop", "/loop.rss", None),
        ],
    ));
    let started = std::time::Instant::now();
    let out = env.ok(&["poll"]).await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "timeout ignored"
    );
    assert!(out.contains("nu: 5 items, 3 new mentions"), "{out}");
    assert!(
        out.contains("polled 8 sources: 1 ok, 0 not modified, 7 failed; 3 new mentions"),
        "{out}"
    );
    assert_eq!(env.mentions_json(&["--source", "nu"]).await.len(), 3);
    assert_eq!(env.mentions_json(&[]).await.len(), 3);

    let reports = source_reports(&env).await;
    assert_eq!(field(&reports["nu"], "last_status"), "ok");
    assert!(reports["nu"]["last_error"].is_null());
    for (name, error) in [
        ("gone", "HTTP 404"),
        ("broken-server", "HTTP 500"),
        ("malformed", "malformed feed"),
        ("html-page", "malformed feed"),
        ("stalled", "timed out after 2s"),
        // The server's own word comes along (issue #15).
        (
            "rate-limited",
            "HTTP 429: Too Many Requests - slow down (retry after 120s)",
        ),
        ("redirect-loop", "too many redirects"),
    ] {
        let r = &reports[name];
        assert_eq!(field(r, "last_status"), "error", "{name}: {r}");
        assert!(field(r, "last_error").contains(error), "{name}: {r}");
        assert_eq!(r["consecutive_failures"], 1, "{name}: {r}");
        assert_eq!(r["mentions"], 0, "{name}: {r}");
        assert!(out.contains(&format!("{name}: error: ")), "{name}: {out}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_over_max_body_is_an_error_for_that_source_only() {
    // nu-economie.rss is 3.6 KB, hema-pers.rss under 1 KiB.
    let server = serve(&[
        ("/rss/Economie", "nu-economie.rss", RSS),
        ("/pers.rss", "hema-pers.rss", RSS),
    ])
    .await;
    let env = Env::new(&config(
        "max_body = \"1KiB\"",
        &[
            source(&server, "nu", "/rss/Economie", None),
            source(&server, "hema-pers", "/pers.rss", None),
        ],
    ));
    let out = env.ok(&["poll"]).await;
    assert!(
        out.contains("1 ok, 0 not modified, 1 failed; 2 new mentions"),
        "{out}"
    );
    let reports = source_reports(&env).await;
    let nu = &reports["nu"];
    assert_eq!(field(nu, "last_status"), "error", "{nu}");
    assert!(
        field(nu, "last_error").contains("body larger than the 1024-byte limit"),
        "{nu}"
    );
    let mentions = env.mentions_json(&[]).await;
    assert_eq!(mentions.len(), 2);
    assert!(mentions.iter().all(|m| sources_of(m) == ["hema-pers"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_source_that_recovers_is_ok_again_and_keeps_its_mentions() {
    let server = Server::start().await;
    server.route("/rss/Economie", Route::status(503, "Service Unavailable"));
    let env = Env::new(&config("", &[source(&server, "nu", "/rss/Economie", None)]));
    env.ok(&["poll"]).await;
    env.ok(&["poll"]).await;
    let r = &source_reports(&env).await["nu"];
    assert_eq!(field(r, "last_status"), "error");
    assert_eq!(r["consecutive_failures"], 2, "{r}");
    assert!(field(r, "last_error").contains("HTTP 503"), "{r}");

    server.route("/rss/Economie", feed("nu-economie.rss", RSS));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("3 new mentions"), "{out}");
    let r = &source_reports(&env).await["nu"];
    assert_eq!(field(r, "last_status"), "ok", "{r}");
    assert_eq!(r["consecutive_failures"], 0, "{r}");
    assert!(r["failing_since"].is_null(), "{r}");
    assert_eq!(r["mentions"], 3, "{r}");
}

/// A news agency's story on two sites (other URLs, other markup, the title
/// repeated in one body) is one mention that lists both sources and shows
/// the other link; a different story under the same headline stays its own
/// mention; the copy polled later in another run adds no mention.
#[tokio::test(flavor = "multi_thread")]
async fn a_syndicated_copy_at_another_url_is_the_same_mention() {
    let server = serve(&[
        ("/ad/tech.rss", "syndicated-ad.rss", RSS),
        ("/parool/nederland.rss", "syndicated-parool.rss", RSS),
    ])
    .await;
    let env = Env::new(&config(
        "",
        &[
            source(&server, "ad", "/ad/tech.rss", Some(&["acme"])),
            source(&server, "parool", "/parool/nederland.rss", Some(&["acme"])),
        ],
    ));
    let out = env.ok(&["poll", "--source", "ad"]).await;
    assert!(out.contains("ad: 1 items, 1 new mentions"), "{out}");
    let out = env.ok(&["poll", "--source", "parool"]).await;
    assert!(out.contains("parool: 2 items, 1 new mentions"), "{out}");

    let mentions = env.mentions_json(&[]).await;
    assert_eq!(mentions.len(), 2, "{mentions:#?}");
    let copy = mentions
        .iter()
        .find(|m| field(m, "url").contains("ad.nl"))
        .expect("the first site's link is kept");
    assert_eq!(sources_of(copy), ["ad", "parool"]);
    let other = mentions
        .iter()
        .find(|m| field(m, "url").contains("acme-noorden"))
        .expect("the other story is its own mention");
    assert_eq!(sources_of(other), ["parool"]);

    let id = copy["id"].to_string();
    let shown = env.ok(&["mentions", "show", &id]).await;
    assert!(
        shown.contains(
            "also at: https://www.parool.nl/nederland/storing-bij-acme-telecom-voorbij~b9f8e7/?utm_source=rss (parool)"
        ),
        "{shown}"
    );
    // A second poll of both writes nothing new.
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("; 0 new mentions"), "{out}");
}

/// Issue 15: an API's error answer keeps the first line of the server's own
/// message, bounded (a JSON `error`, a text line, never HTML markup), in the
/// source's error as `earshot sources` shows it.
#[tokio::test(flavor = "multi_thread")]
async fn issue15_error_answers_keep_the_servers_message() {
    let server = Server::start().await;
    server.route(
        "/api/v1/timelines/tag/ns",
        Route {
            status: 403,
            ..Route::ok(
                "application/json",
                r#"{"error":"this instance requires auth"}"#,
            )
        },
    );
    let long = format!(
        "rate limit exceeded\u{1b}[2J {}\nsecond line",
        "x".repeat(8000)
    );
    server.route("/api/v1/search_by_date", Route::status(503, &long));
    server.route(
        "/feed.rss",
        Route {
            status: 404,
            ..Route::ok("text/html", "<html><body><h1>Not here</h1></body></html>")
        },
    );
    let base = server.url("");
    let env = Env::new(&format!(
        "[[watch]]\nname = \"acme\"\nterms = [\"Acme\"]\n\n\
         [[source]]\nname = \"toots\"\nkind = \"mastodon\"\nbase_url = \"{base}\"\nhashtags = [\"ns\"]\n\n\
         [[source]]\nname = \"hn\"\nkind = \"hackernews\"\nquery = \"acme\"\nbase_url = \"{base}\"\n\n\
         [[source]]\nname = \"site\"\nkind = \"feed\"\nurl = \"{}\"\n",
        server.url("/feed.rss")
    ));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("0 ok, 0 not modified, 3 failed"), "{out}");
    let reports = source_reports(&env).await;
    let error = |name: &str| {
        reports[name]["last_error"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(
        error("toots"),
        "HTTP 403: Forbidden - this instance requires auth"
    );
    let hn = error("hn");
    assert!(
        hn.starts_with("HTTP 503: Service Unavailable - rate limit exceeded [2J xxx"),
        "{hn}"
    );
    assert!(
        !hn.contains('\u{1b}') && !hn.contains("second line"),
        "{hn}"
    );
    assert!(
        hn.chars().count() < 260,
        "bounded: {} chars",
        hn.chars().count()
    );
    assert_eq!(error("site"), "HTTP 404");
}

//! The `appstore` source against a loopback server serving Apple's
//! customer-reviews feed in JSON: the app's own entry, a single review as an
//! object, an empty feed, "page depth is limited"; the per-country cursor
//! across processes, two countries, the page bound, HTTP errors, malformed
//! bodies, preview and config.

use crate::support::{by_title, fixture, reasons, sorted_titles, Env, Route, Server};

const APP: &str = "1234567890";

/// The feed path of one page of one country's store.
fn page(country: &str, n: u32) -> String {
    format!("/{country}/rss/customerreviews/page={n}/id={APP}/sortby=mostrecent/json")
}

fn config(server: &Server, extra: &str) -> String {
    format!(
        "[[watch]]\nname = \"acme\"\nterms = [\"Acme Telecom\"]\n\n\
         [[source]]\nname = \"ios\"\nkind = \"appstore\"\napp_id = \"{APP}\"\nbase_url = \"{}\"\n{extra}",
        server.url("")
    )
}

fn json(name: &str) -> Route {
    Route::ok(
        "text/javascript; charset=utf-8",
        fixture(&format!("appstore/{name}")),
    )
}

/// The stored mention titled `title`.
async fn report(env: &Env) -> serde_json::Value {
    serde_json::from_str(env.ok(&["sources", "--format", "json"]).await.trim()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn first_poll_then_only_newer_reviews() {
    let server = Server::start().await;
    server.route(&page("nl", 1), json("nl-page1.json"));
    server.route(
        &page("nl", 2),
        Route::ok("text/plain", fixture("appstore/page-depth.txt")),
    );
    let env = Env::new(&config(&server, "countries = [\"nl\"]\n"));

    let out = env.ok(&["poll"]).await;
    // Three reviews (the app's own entry is not one); two name Acme Telecom.
    assert!(out.contains("ios: 3 items, 2 new mentions"), "{out}");
    assert!(out.contains("0 failed"), "{out}");
    assert_eq!(
        server.requests_to(&page("nl", 2)).len(),
        1,
        "page 2 is read"
    );
    assert!(
        server.requests_to(&page("nl", 3)).is_empty(),
        "\"page depth is limited\" ends the paging"
    );

    let all = env.mentions_json(&[]).await;
    assert_eq!(
        sorted_titles(&all),
        [
            "Eindelijk een goede app",
            "Inloggen lukt niet meer sinds update"
        ]
    );

    let complaint = by_title(&all, "Inloggen lukt niet meer sinds update");
    assert_eq!(complaint["author"], "SanneVD");
    assert_eq!(complaint["published_at"], "2026-11-20T10:12:00Z");
    assert!(complaint["text"]
        .as_str()
        .unwrap()
        .starts_with("Sinds de laatste update kan ik niet meer inloggen. Acme Telecom,"));
    assert_eq!(
        complaint["url"],
        "https://itunes.apple.com/nl/review?id=1234567890&type=Purple%20Software&reviewId=10987654331"
    );
    assert_eq!(complaint["sentiment"]["label"], "negative");
    assert!(reasons(complaint).contains("rating 1/5"), "{complaint}");

    // Five stars decide, though "storing" is a complaint word.
    let praise = by_title(&all, "Eindelijk een goede app");
    assert_eq!(praise["sentiment"]["label"], "positive");
    assert!(reasons(praise).contains("rating 5/5"), "{praise}");
    assert_eq!(praise["published_at"], "2026-11-19T21:05:00Z");

    // A new review on top; a new process reads only that one, and stops at
    // page 1, which reaches what it has seen.
    server.route(&page("nl", 1), json("nl-page1-later.json"));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("ios: 1 items, 1 new mentions"), "{out}");
    assert_eq!(server.requests_to(&page("nl", 2)).len(), 1);
    let all = env.mentions_json(&[]).await;
    assert_eq!(all.len(), 3);
    let newer = by_title(&all, "Weer geen verbinding");
    assert_eq!(newer["sentiment"]["label"], "negative");
    assert!(reasons(newer).contains("rating 2/5"), "{newer}");

    // Nothing newer: nothing read again.
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("ios: 0 items, 0 new mentions"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn two_countries_each_with_its_own_cursor() {
    let server = Server::start().await;
    server.route(&page("nl", 1), json("nl-page1.json"));
    // Belgium: two reviews, then an empty page.
    server.route(&page("be", 1), json("be-page1.json"));
    server.route(&page("be", 2), json("empty-feed.json"));
    let env = Env::new(&config(&server, "countries = [\"NL\", \"be\"]\n"));

    let out = env.ok(&["poll"]).await;
    assert!(out.contains("ios: 5 items, 3 new mentions"), "{out}");
    let all = env.mentions_json(&[]).await;
    let be = by_title(&all, "Geen bereik in Gent");
    assert_eq!(be["author"], "Wout");
    assert!(
        be["url"]
            .as_str()
            .unwrap()
            .starts_with("https://itunes.apple.com/be/review?"),
        "{be}"
    );
    assert_eq!(be["sentiment"]["label"], "negative");
    assert_eq!(server.requests_to(&page("be", 2)).len(), 1);

    // Only the Dutch store has something new; Belgium stops at its page 1.
    server.route(&page("nl", 1), json("nl-page1-later.json"));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("ios: 1 items, 1 new mentions"), "{out}");
    assert_eq!(server.requests_to(&page("be", 1)).len(), 2);
    assert_eq!(server.requests_to(&page("be", 2)).len(), 1);

    let report = report(&env).await;
    assert_eq!(report["kind"], "appstore");
    assert_eq!(report["last_status"], "ok");
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_are_bounded_by_max_pages() {
    let server = Server::start().await;
    server.route(&page("nl", 1), json("nl-page1.json"));
    // A page with one review, `entry` an object.
    server.route(&page("nl", 2), json("nl-page2.json"));
    server.route(&page("nl", 3), json("nl-page2.json"));
    let env = Env::new(&config(&server, "countries = [\"nl\"]\nmax_pages = 2\n"));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("ios: 4 items, 3 new mentions"), "{out}");
    assert!(server.requests_to(&page("nl", 3)).is_empty());
    let all = env.mentions_json(&[]).await;
    let single = by_title(&all, "Factuur laadt niet");
    assert_eq!(single["author"], "Joyce");
    assert!(reasons(single).contains("rating 2/5"), "{single}");

    // Without max_pages, three pages: the default.
    let env = Env::new(&config(&server, "countries = [\"nl\"]\n"));
    env.ok(&["poll"]).await;
    assert_eq!(server.requests_to(&page("nl", 3)).len(), 1);
    assert!(server.requests_to(&page("nl", 4)).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn depth_limit_and_unknown_apps_are_not_errors() {
    let server = Server::start().await;
    server.route(&page("nl", 1), json("nl-page1.json"));
    server.route(
        &page("nl", 2),
        Route::status(400, "CustomerReviews RSS page depth is limited to 10"),
    );
    // An app this store does not know: an empty feed; another: 404 (the
    // test server's answer to anything unrouted, as for "gb" here).
    server.route(&page("be", 1), json("empty-feed.json"));
    let env = Env::new(&config(&server, "countries = [\"nl\", \"be\", \"gb\"]\n"));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("ios: 3 items, 2 new mentions"), "{out}");
    assert!(server.requests_to(&page("nl", 3)).is_empty());
    assert!(server.requests_to(&page("be", 2)).is_empty());
    assert_eq!(server.requests_to(&page("gb", 1)).len(), 1);
    assert!(server.requests_to(&page("gb", 2)).is_empty());
    let report = report(&env).await;
    assert_eq!(report["last_status"], "ok", "{report}");
    assert_eq!(report["consecutive_failures"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn http_errors_and_malformed_bodies_are_recorded_per_source() {
    let server = Server::start().await;
    server.route(&page("nl", 1), Route::status(500, "Internal Server Error"));
    let env = Env::new(&config(&server, "countries = [\"nl\"]\n"));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("ios: error: HTTP 500"), "{out}");
    assert!(out.contains("1 failed"), "{out}");
    let r = report(&env).await;
    assert_eq!(r["last_status"], "error");
    assert!(
        r["last_error"].as_str().unwrap().contains("HTTP 500"),
        "{r}"
    );

    server.route(
        &page("nl", 1),
        Route::ok("text/javascript", &br#"{"feed":{"entry":[{"id":"#[..]),
    );
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("ios: error: malformed appstore"), "{out}");
    server.route(
        &page("nl", 1),
        Route::ok(
            "text/html",
            &b"<html><body>Try again later</body></html>"[..],
        ),
    );
    env.ok(&["poll"]).await;
    let r = report(&env).await;
    assert_eq!(r["consecutive_failures"], 3);
    assert!(
        r["last_error"]
            .as_str()
            .unwrap()
            .contains("malformed appstore: unexpected response"),
        "{r}"
    );
    assert!(env.mentions_json(&[]).await.is_empty());

    // Recovered: the reviews come in, and the error is cleared.
    server.route(&page("nl", 1), json("nl-page1.json"));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("ios: 3 items, 2 new mentions"), "{out}");
    assert_eq!(report(&env).await["last_status"], "ok");
}

#[tokio::test(flavor = "multi_thread")]
async fn preview_takes_the_app_id_and_countries_as_query() {
    let server = Server::start().await;
    server.route(&page("nl", 1), json("nl-page1.json"));
    server.route(&page("be", 1), json("be-page1.json"));
    let env = Env::new(&config(&server, "countries = [\"nl\"]\n"));
    let out = env
        .ok(&["preview", "--source", "ios", "--format", "json"])
        .await;
    assert_eq!(out.lines().count(), 3, "{out}");

    let base = server.url("");
    let out = env
        .ok(&[
            "preview", "--kind", "appstore", "--url", &base, "--query", APP,
        ])
        .await;
    assert!(out.contains("3 items"), "the nl store by default: {out}");
    let out = env
        .ok(&[
            "preview",
            "--kind",
            "appstore",
            "--url",
            &base,
            "--query",
            &format!("{APP} BE"),
            "--format",
            "json",
        ])
        .await;
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.contains("Geen bereik in Gent"), "{out}");
    assert!(!env.db_path().exists(), "preview stores nothing");

    let out = env
        .run(&["preview", "--kind", "appstore", "--url", &base])
        .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--query"));
    let out = env
        .run(&["preview", "--kind", "appstore", "--query", "mijn-acme"])
        .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid app_id"));
}

#[tokio::test(flavor = "multi_thread")]
async fn config_keys_are_checked_at_load() {
    async fn check(source: &str) -> String {
        let env = Env::new(&format!(
            "[[watch]]\nname = \"acme\"\nterms = [\"Acme\"]\n[[source]]\nname = \"ios\"\n{source}"
        ));
        let out = env.run(&["check"]).await;
        assert_eq!(out.status.code(), Some(2), "{source}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
    let ok = "kind = \"appstore\"\napp_id = \"1234567890\"\ncountries = [\"nl\"]\n";
    for (extra, message) in [
        (
            "url = \"https://example.nl/\"\n",
            "key `url` does not apply to kind \"appstore\"",
        ),
        (
            "query = \"acme\"\n",
            "key `query` does not apply to kind \"appstore\"",
        ),
        (
            "hashtags = [\"ns\"]\n",
            "key `hashtags` does not apply to kind \"appstore\"",
        ),
        (
            "header_env = { apikey = \"KEY\" }\n",
            "key `header_env` does not apply to kind \"appstore\"",
        ),
        (
            "[source.selectors]\nitem = \"li\"\n",
            "key `selectors` does not apply to kind \"appstore\"",
        ),
        (
            "max_pages = 11\n",
            "key `max_pages`: must be between 1 and 10",
        ),
    ] {
        let e = check(&format!("{ok}{extra}")).await;
        assert!(e.contains(message), "{extra}: {e}");
    }
    for (source, message) in [
        (
            "kind = \"appstore\"\ncountries = [\"nl\"]\n",
            "source \"ios\" (appstore) needs `app_id`",
        ),
        (
            "kind = \"appstore\"\napp_id = \"1234567890\"\n",
            "source \"ios\" (appstore) needs `countries`",
        ),
        (
            "kind = \"appstore\"\napp_id = \"id1234567890\"\ncountries = [\"nl\"]\n",
            "invalid app_id \"id1234567890\"",
        ),
        (
            "kind = \"appstore\"\napp_id = \"1234567890\"\ncountries = [\"nld\"]\n",
            "invalid country \"nld\"",
        ),
        (
            "kind = \"appstore\"\napp_id = \"1234567890\"\ncountries = [\"nl\", \"NL\"]\n",
            "country \"NL\" is listed twice",
        ),
        (
            "kind = \"appstore\"\napp_id = \"1234567890\"\ncountries = []\n",
            "`countries` is empty",
        ),
        (
            "kind = \"feed\"\nurl = \"https://example.nl/rss\"\napp_id = \"1234567890\"\n",
            "key `app_id` does not apply to kind \"feed\"",
        ),
        (
            "kind = \"mastodon\"\nbase_url = \"https://mastodon.social\"\nhashtags = [\"ns\"]\ncountries = [\"nl\"]\n",
            "key `countries` does not apply to kind \"mastodon\"",
        ),
    ] {
        let e = check(source).await;
        assert!(e.contains(message), "{source}: {e}");
    }

    // A numeric app_id is the same id; base_url defaults to Apple's.
    let env = Env::new(
        "[[watch]]\nname = \"acme\"\nterms = [\"Acme\"]\n[[source]]\nname = \"ios\"\nkind = \"appstore\"\napp_id = 1234567890\ncountries = [\"nl\"]\n",
    );
    let out = env.ok(&["check"]).await;
    assert!(out.contains("ios (appstore"), "{out}");
}

//! The `html` source against a loopback server serving a Dutch complaint
//! forum: items and fields found with CSS selectors, relative links, dates
//! from `<time datetime>` or text, identity by link across polls, conditional
//! GET, a page where nothing matches, HTTP errors, preview and config checks.

use crate::support::{by_title, fixture, sorted_titles, Env, Route, Server};

const PAGE: &str = "/klachten/internet";

const SELECTORS: &str = "[source.selectors]\n\
     item = \"article.klacht\"\n\
     title = \"h2.klacht-titel\"\n\
     link = \"h2.klacht-titel a\"\n\
     text = \".klacht-tekst p\"\n\
     date = \"time, .datum\"\n\
     author = \".auteur\"\n";

fn config(server: &Server, path: &str, selectors: &str) -> String {
    format!(
        "[[watch]]\nname = \"acme\"\nterms = [\"Acme Telecom\"]\n\n\
         [[source]]\nname = \"klachtenforum\"\nkind = \"html\"\nurl = \"{}\"\n\n{selectors}",
        server.url(path)
    )
}

fn html(name: &str) -> Route {
    Route::ok("text/html; charset=utf-8", fixture(&format!("html/{name}")))
}

#[tokio::test(flavor = "multi_thread")]
async fn first_poll_then_304_then_only_the_new_post() {
    let server = Server::start().await;
    server.route(PAGE, html("klachten.html").with_etag("\"k-1\""));
    let env = Env::new(&config(&server, PAGE, SELECTORS));

    let out = env.ok(&["poll"]).await;
    assert!(
        out.contains("klachtenforum: 3 items, 2 new mentions"),
        "{out}"
    );
    let all = env.mentions_json(&[]).await;
    assert_eq!(
        sorted_titles(&all),
        ["Al drie dagen storing bij Acme Telecom", "Monteur was top"],
        "the post about a parcel mentions no watch"
    );

    let storing = by_title(&all, "Al drie dagen storing bij Acme Telecom");
    assert_eq!(
        storing["url"],
        server.url("/klacht/48213-al-drie-dagen-storing")
    );
    assert_eq!(storing["author"], "Petra van Dijk");
    // `<time datetime>` wins over the text ("gisteren, 19:42").
    assert_eq!(storing["published_at"], "2026-11-21T18:42:10Z");
    assert_eq!(
        storing["text"],
        "Sinds maandag heb ik geen internet. Acme Telecom zegt steeds dat het morgen opgelost is.\n\n\
         Heel slecht, ik werk thuis en kan niets. Niemand belt terug!"
    );
    assert_eq!(storing["sentiment"]["label"], "negative", "{storing}");

    let top = by_title(&all, "Monteur was top");
    // A link relative to the page's folder, and a Dutch date as text.
    assert_eq!(
        top["url"],
        server.url("/klachten/klacht/48190-monteur-was-top")
    );
    assert_eq!(top["author"], "Kees");
    assert_eq!(top["published_at"], "2026-11-20T00:00:00Z");
    assert_eq!(top["sentiment"]["label"], "positive", "{top}");

    // Unchanged: the ETag comes back, a 304, nothing parsed.
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("klachtenforum: not modified"), "{out}");
    let seen = server.requests_to(PAGE);
    assert_eq!(
        seen[1].headers.get("if-none-match").map(String::as_str),
        Some("\"k-1\"")
    );

    // A new post on top: the page is read again, and only that post is new
    // (the others are known by their links).
    server.route(PAGE, html("klachten-later.html").with_etag("\"k-2\""));
    let out = env.ok(&["poll"]).await;
    assert!(
        out.contains("klachtenforum: 4 items, 1 new mentions"),
        "{out}"
    );
    let all = env.mentions_json(&[]).await;
    assert_eq!(all.len(), 3);
    let factuur = by_title(&all, "Factuur dubbel afgeschreven");
    assert_eq!(factuur["author"], "Rob de Groot");
    assert_eq!(factuur["published_at"], "2026-11-22T07:05:00Z");
    assert_eq!(factuur["sentiment"]["label"], "negative", "{factuur}");
}

#[tokio::test(flavor = "multi_thread")]
async fn items_without_links_are_known_by_a_stable_hash() {
    // Without a link selector and with a title that is no link, an item has
    // no URL: a hash of its title and text is its identity, across processes.
    let selectors = "[source.selectors]\nitem = \"article.klacht\"\n\
                     title = \".auteur\"\ntext = \".klacht-tekst\"\n";
    let server = Server::start().await;
    server.route(PAGE, html("klachten.html"));
    let env = Env::new(&config(&server, PAGE, selectors));
    let out = env.ok(&["poll"]).await;
    assert!(
        out.contains("klachtenforum: 3 items, 2 new mentions"),
        "{out}"
    );
    let all = env.mentions_json(&[]).await;
    assert!(all.iter().all(|m| m["url"].is_null()), "{all:#?}");
    assert_eq!(
        by_title(&all, "Kees")["published_at"],
        serde_json::Value::Null
    );

    server.route(PAGE, html("klachten-later.html"));
    let out = env.ok(&["poll"]).await;
    assert!(
        out.contains("klachtenforum: 4 items, 1 new mentions"),
        "{out}"
    );
    assert_eq!(env.mentions_json(&[]).await.len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_where_nothing_matches_has_no_items() {
    let server = Server::start().await;
    server.route("/klachten/acme", html("geen-klachten.html"));
    let env = Env::new(&config(&server, "/klachten/acme", SELECTORS));
    let out = env.ok(&["poll"]).await;
    assert!(
        out.contains("klachtenforum: 0 items, 0 new mentions"),
        "{out}"
    );
    let report: serde_json::Value =
        serde_json::from_str(env.ok(&["sources", "--format", "json"]).await.trim()).unwrap();
    assert_eq!(report["last_status"], "ok");
    assert_eq!(report["kind"], "html");
    assert!(
        report["url"]
            .as_str()
            .unwrap()
            .starts_with(&server.url("/klachten/acme")),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn http_errors_are_recorded_per_source() {
    let server = Server::start().await;
    let env = Env::new(&config(&server, "/weg", SELECTORS));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("klachtenforum: error: HTTP 404"), "{out}");
    let report: serde_json::Value =
        serde_json::from_str(env.ok(&["sources", "--format", "json"]).await.trim()).unwrap();
    assert_eq!(report["last_status"], "error");
    assert_eq!(report["consecutive_failures"], 1);
    assert!(
        report["last_error"].as_str().unwrap().contains("HTTP 404"),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn preview_by_source_name() {
    let server = Server::start().await;
    server.route(PAGE, html("klachten.html"));
    let env = Env::new(&config(&server, PAGE, SELECTORS));
    let out = env
        .ok(&["preview", "--source", "klachtenforum", "--format", "json"])
        .await;
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(lines[0]["title"], "Al drie dagen storing bij Acme Telecom");
    assert_eq!(lines[0]["watches"], serde_json::json!(["acme"]));
    assert_eq!(lines[2]["title"], "Pakket kwijt");
    assert_eq!(lines[2]["watches"], serde_json::json!([]));
    assert!(!env.db_path().exists(), "preview stores nothing");

    // Selectors cannot be given as flags: --kind html is not offered.
    let out = env
        .run(&["preview", "--kind", "html", "--url", &server.url(PAGE)])
        .await;
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_selectors_and_misplaced_keys_are_rejected_at_load() {
    let server = Server::start().await;
    let bad_item = SELECTORS.replace("article.klacht", "article[class=");
    let bad_date = SELECTORS.replace("time, .datum", "time,,");
    let no_title_or_text = "[source.selectors]\nitem = \"article\"\nlink = \"a\"\n";
    let no_item = "[source.selectors]\ntitle = \"h2\"\n";
    let unknown = format!("{SELECTORS}body = \"p\"\n");
    for (selectors, line, message) in [
        (
            bad_item.as_str(),
            Some(":11:"),
            "selectors.item = \"article[class=\" is not a valid CSS selector",
        ),
        (bad_date.as_str(), Some(":15:"), "selectors.date"),
        (
            no_title_or_text,
            None,
            "neither selectors.title nor selectors.text",
        ),
        (no_item, None, "needs selectors.item"),
        ("", None, "(html) needs a [source.selectors] table"),
        (unknown.as_str(), Some(":17:"), "body"),
        (
            &format!("items = \"/x\"\n{SELECTORS}"),
            None,
            "key `items` does not apply to kind \"html\"",
        ),
        (
            &format!("max_pages = 2\n{SELECTORS}"),
            None,
            "key `max_pages` does not apply to kind \"html\"",
        ),
    ] {
        let env = Env::new(&config(&server, PAGE, selectors));
        let out = env.run(&["check"]).await;
        assert_eq!(out.status.code(), Some(2), "{selectors}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{selectors}: {stderr}");
        if let Some(line) = line {
            assert!(stderr.contains(&format!("earshot.toml{line}")), "{stderr}");
        }
    }

    // [source.selectors] belongs to html only.
    let env = Env::new(&format!(
        "[[source]]\nname = \"f\"\nkind = \"feed\"\nurl = \"{}\"\n{SELECTORS}",
        server.url("/feed.xml")
    ));
    let out = env.run(&["check"]).await;
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("key `selectors` does not apply to kind \"feed\""),
        "{stderr}"
    );
}

//! Issue #15 §2: sources a brand owns. With `watches = ["acme"]` and
//! `match = "all"`, every item of a review page and an app's reviews is a
//! mention of acme, though none names it: scored, routed and alerted as
//! usual; an exclusion still drops an item; without `match = "all"` the
//! same sources store nothing; `check` and `preview` say so; bad configs
//! are refused naming the source and key.

use crate::support::{
    by_title, fixture, reasons, sorted_titles, webhook_notifier, Env, Route, Server,
};

const PAGE: &str = "/review/acme-telecom.nl";
const APP: &str = "1234567890";

fn app_page() -> String {
    format!("/nl/rss/customerreviews/page=1/id={APP}/sortby=mostrecent/json")
}

/// A server with the brand's own review page, its app's reviews and a
/// webhook that accepts everything.
async fn owned_server() -> Server {
    let server = Server::start().await;
    server.route(
        PAGE,
        Route::ok(
            "text/html; charset=utf-8",
            fixture("reviews/owned-page.html"),
        ),
    );
    server.route(
        &app_page(),
        Route::ok(
            "text/javascript; charset=utf-8",
            fixture("appstore/owned-app.json"),
        ),
    );
    server.route("/hook", Route::ok("text/plain", "ok"));
    server
}

/// The acme watch, the review page and the app (each with `owned` added to
/// its table), a webhook and a route for acme's negative mentions.
fn config(server: &Server, owned: &str) -> String {
    format!(
        "[[watch]]\nname = \"acme\"\nterms = [\"Acme Telecom\"]\nexclude = [\"Acme Corporation\"]\n\n\
         [[watch]]\nname = \"other\"\nterms = [\"internet\"]\n\n\
         [[source]]\nname = \"tp\"\nkind = \"reviews\"\nurl = \"{}\"\nmax_pages = 1\n{owned}\n\
         [[source]]\nname = \"ios\"\nkind = \"appstore\"\napp_id = \"{APP}\"\nbase_url = \"{}\"\n\
         countries = [\"nl\"]\nmax_pages = 1\n{owned}\n\
         {}\n\
         [[route]]\nwatch = \"acme\"\nnotify = [\"hook\"]\nsentiment = [\"negative\"]\n",
        server.url(PAGE),
        server.url(""),
        webhook_notifier("hook", &server.url("/hook")),
    )
}

const OWNED: &str = "watches = [\"acme\"]\nmatch = \"all\"\n";

#[tokio::test(flavor = "multi_thread")]
async fn issue15_every_review_on_an_owned_source_is_a_mention() {
    let server = owned_server().await;
    let env = Env::new(&config(&server, OWNED));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("tp: 3 items, 2 new mentions"), "{out}");
    assert!(out.contains("ios: 2 items, 2 new mentions"), "{out}");

    let all = env.mentions_json(&[]).await;
    // No review names Acme Telecom; the one about Acme Corporation is
    // dropped by the watch's exclusion. The "other" watch, whose term one
    // review names, is not asked: the source is about acme only.
    assert_eq!(
        sorted_titles(&all),
        [
            "Al drie weken geen internet",
            "Crasht bij openen",
            "Monteur kwam op tijd",
            "Top app"
        ]
    );
    assert!(all.iter().all(|m| m["watch"] == "acme"), "{all:#?}");

    let crash = by_title(&all, "Crasht bij openen");
    assert_eq!(crash["sentiment"]["label"], "negative", "{crash}");
    assert!(reasons(crash).contains("rating 1/5"), "{crash}");
    assert_eq!(crash["terms"], serde_json::json!([]));
    // No term to show around: the snippet is the start of the text.
    assert!(
        crash["snippet"]
            .as_str()
            .unwrap_or("")
            .starts_with("Sinds de update van vanochtend crasht de app"),
        "{crash}"
    );
    let praise = by_title(&all, "Top app");
    assert_eq!(praise["sentiment"]["label"], "positive", "{praise}");

    // The route for acme's negative mentions alerted both complaints, and
    // only those.
    let posts = server.requests_to("/hook");
    assert!(!posts.is_empty(), "no alert sent");
    let mut alerted: Vec<String> = posts
        .iter()
        .flat_map(|p| {
            let body: serde_json::Value = serde_json::from_slice(&p.body).expect("json body");
            body["mentions"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|m| m["title"].as_str().unwrap_or("").to_string())
        })
        .collect();
    alerted.sort();
    assert_eq!(
        alerted,
        ["Al drie weken geen internet", "Crasht bij openen"]
    );
    assert_eq!(env.deliveries("sent").await.len(), 2);

    // Dedup as usual: polled again, nothing new.
    let out = env.ok(&["poll"]).await;
    assert!(
        !out.contains("new mentions") || out.contains(" 0 new mentions"),
        "{out}"
    );
    assert_eq!(env.mentions_json(&[]).await.len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn issue15_the_same_sources_without_match_all_store_nothing() {
    let server = owned_server().await;
    let env = Env::new(&config(&server, "watches = [\"acme\"]\n"));
    env.ok(&["poll"]).await;
    assert!(env.mentions_json(&[]).await.is_empty());
    assert!(server.requests_to("/hook").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn issue15_check_and_preview_show_an_owned_source() {
    let server = owned_server().await;
    let env = Env::new(&config(&server, OWNED));
    let out = env.ok(&["check"]).await;
    assert!(
        out.lines()
            .any(|l| l.trim_start().starts_with("tp (reviews,")
                && l.ends_with("→ every item is a mention of acme")),
        "{out}"
    );
    assert!(
        out.contains("ios (appstore,")
            && out.matches("every item is a mention of acme").count() == 2,
        "{out}"
    );

    let out = env
        .ok(&["preview", "--source", "tp", "--format", "json"])
        .await;
    let items: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    let watches: Vec<(&str, &serde_json::Value)> = items
        .iter()
        .map(|i| (i["title"].as_str().unwrap_or(""), &i["watches"]))
        .collect();
    assert_eq!(
        watches,
        [
            ("Al drie weken geen internet", &serde_json::json!(["acme"])),
            ("Monteur kwam op tijd", &serde_json::json!(["acme"])),
            ("Verkeerde pagina", &serde_json::json!([])),
        ]
    );
    let out = env.ok(&["preview", "--source", "ios"]).await;
    assert!(out.contains("2 items"), "{out}");
    assert!(
        out.contains("match = \"all\": every item is a mention of acme"),
        "{out}"
    );
    assert!(!env.db_path().exists(), "preview stores nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn issue15_match_all_config_errors_name_the_source_and_key() {
    let server = Server::start().await;
    for (owned, message) in [
        (
            "match = \"all\"\n",
            "source \"tp\": match = \"all\" needs a non-empty `watches` list",
        ),
        (
            "watches = []\nmatch = \"all\"\n",
            "source \"tp\": match = \"all\" needs a non-empty `watches` list",
        ),
        (
            "watches = [\"acme\"]\nmatch = \"everything\"\n",
            "key `match`: unknown variant `everything`, expected `terms` or `all`",
        ),
        (
            "watches = [\"acmee\"]\nmatch = \"all\"\n",
            "source \"tp\" names unknown watch \"acmee\"",
        ),
    ] {
        let env = Env::new(&config(&server, owned));
        let out = env.run(&["check"]).await;
        assert_eq!(out.status.code(), Some(2), "{owned}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{owned}: {stderr}");
        // file:line:col of the key.
        assert!(stderr.contains("earshot.toml:"), "{owned}: {stderr}");
    }
    // "terms" is today's behaviour, written out.
    let env = Env::new(&config(&server, "match = \"terms\"\n"));
    env.ok(&["check"]).await;
}

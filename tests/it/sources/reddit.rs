//! The `reddit` source against a loopback server speaking Reddit's search
//! listing (`/r/a+b/search.json`, `/search.json`): first poll, a cursor-
//! limited second poll from a new process, the page bound with `after`, 429
//! with `X-Ratelimit-Reset`, a spent budget, 403, malformed bodies, and the
//! OAuth client-credentials flow.

use crate::support::{fixture, Env, Route, Server};

const SUBS: &str = "/r/thenetherlands+nederland/search.json";
const ALL: &str = "/search.json";
const TOKEN: &str = "/api/v1/access_token";
/// The first search of the two subreddits, exactly as it must be asked.
const FIRST: &str = "/r/thenetherlands+nederland/search.json?q=acme+telecom&restrict_sr=on&sort=new&t=all&limit=100&raw_json=1";

fn config(server: &Server, extra: &str) -> String {
    format!(
        "[[watch]]\nname = \"acme\"\nterms = [\"Acme Telecom\"]\n\n\
         [[source]]\nname = \"rd\"\nkind = \"reddit\"\nquery = \"acme telecom\"\nbase_url = \"{}\"\n{extra}",
        server.url("")
    )
}

const SUBREDDITS: &str = "subreddits = [\"thenetherlands\", \"r/nederland\"]\n";

fn json(name: &str) -> Route {
    Route::ok("application/json; charset=UTF-8", fixture(name))
}

#[tokio::test(flavor = "multi_thread")]
async fn first_poll_then_only_newer_posts() {
    let server = Server::start().await;
    server.route(SUBS, json("reddit/search_page1.json"));
    let env = Env::new(&config(&server, SUBREDDITS));

    let out = env.ok(&["poll"]).await;
    // Four posts, one about the NS: three mentions.
    assert!(out.contains("rd: 4 items, 3 new mentions"), "{out}");
    assert!(out.contains("0 failed"), "{out}");
    let first = &server.requests_to_path(SUBS)[0];
    assert_eq!(first.path, FIRST);
    let ua = first.headers.get("user-agent").cloned().unwrap_or_default();
    assert!(ua.starts_with("earshot/"), "a descriptive User-Agent: {ua}");
    assert!(!first.headers.contains_key("authorization"));

    let mentions = env.mentions_json(&[]).await;
    assert_eq!(mentions.len(), 3, "{mentions:?}");
    let dutch = mentions
        .iter()
        .find(|m| {
            m["url"]
                == "https://www.reddit.com/r/thenetherlands/comments/1gx4k2p/acme_telecom_al_3_dagen_storing_in_utrecht/"
        })
        .expect("the Dutch complaint, on www.reddit.com whatever base_url is");
    assert_eq!(
        dutch["title"],
        "Acme Telecom al 3 dagen storing in Utrecht, klantenservice onbereikbaar"
    );
    assert_eq!(
        dutch["text"],
        "Sinds maandag geen internet via Acme Telecom. De **klantenservice** hangt na 45 minuten wachten gewoon op.\n\nIemand anders ook last van? Dit is echt belachelijk."
    );
    assert_eq!(dutch["author"], "kaaskop_utrecht");
    assert_eq!(dutch["sentiment"]["label"], "negative");
    let english = mentions
        .iter()
        .find(|m| m["author"] == "expat_in_ams")
        .expect("the English complaint");
    assert_eq!(english["sentiment"]["label"], "negative");
    let link = mentions
        .iter()
        .find(|m| m["title"] == "Acme Telecom glasvezel aangesloten - ervaringen")
        .expect("the link post");
    assert!(link["author"].is_null(), "[deleted] is no author: {link}");
    assert!(!mentions
        .iter()
        .any(|m| m["title"].as_str().unwrap().contains("NS")));

    // A new process: the listing now has one newer post and the old newest
    // one; only the newer is an item, and the old one ends the paging even
    // though `after` offers more.
    server.route(SUBS, json("reddit/search_page2.json"));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("rd: 1 items, 1 new mentions"), "{out}");
    assert_eq!(server.requests_to_path(SUBS).len(), 2, "no second page");
    assert_eq!(env.mentions_json(&[]).await.len(), 4);

    // And again: nothing new, nothing repeated.
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("rd: 0 items"), "{out}");
    assert_eq!(env.mentions_json(&[]).await.len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_subreddits_all_of_reddit_is_searched_and_pages_are_bounded() {
    let server = Server::start().await;
    server.route(ALL, json("reddit/search_page1.json"));
    let env = Env::new(&config(&server, "max_pages = 2\n"));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("rd: 4 items"), "{out}");
    assert_eq!(
        server.requests_to_path(ALL)[0].path,
        "/search.json?q=acme+telecom&sort=new&t=all&limit=100&raw_json=1"
    );

    // Three pages of newer posts, chained by `after`: two are read.
    server.route(ALL, json("reddit/page_a.json"));
    server.route(
        "/search.json?q=acme+telecom&sort=new&t=all&limit=100&raw_json=1&after=t3_1gx8aaa",
        json("reddit/page_b.json"),
    );
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("rd: 2 items, 2 new mentions"), "{out}");
    let paths: Vec<String> = server
        .requests_to_path(ALL)
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(paths.len(), 3, "{paths:?}");
    assert!(paths[2].ends_with("&after=t3_1gx8aaa"), "{paths:?}");
    assert!(!paths.iter().any(|p| p.contains("after=t3_1gx7bbb")));
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limits_auth_failures_and_malformed_bodies_are_source_errors() {
    let server = Server::start().await;
    server.route(
        SUBS,
        Route {
            status: 429,
            ..Route::ok("text/html", "<html><body>Too Many Requests</body></html>")
        }
        .with_header("X-Ratelimit-Used", "100")
        .with_header("X-Ratelimit-Remaining", "0.0")
        .with_header("X-Ratelimit-Reset", "240"),
    );
    let env = Env::new(&config(&server, SUBREDDITS));
    let out = env.ok(&["poll"]).await;
    assert!(
        out.contains("rd: error: HTTP 429 (retry after 240s)"),
        "{out}"
    );

    server.route(
        SUBS,
        Route {
            status: 403,
            ..json("reddit/error_403.json")
        },
    );
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("rd: error: HTTP 403"), "{out}");

    // A 200 that is not a listing: Reddit's error object, then garbage.
    server.route(SUBS, json("reddit/error_403.json"));
    let out = env.ok(&["poll"]).await;
    assert!(
        out.contains("rd: error: malformed reddit: reddit answered: 403 Forbidden"),
        "{out}"
    );
    server.route(
        SUBS,
        Route::ok("text/html", "<html>whoa there, pardner!</html>"),
    );
    let out = env.ok(&["poll"]).await;
    assert!(
        out.contains("rd: error: malformed reddit: unexpected response"),
        "{out}"
    );
    let report: serde_json::Value =
        serde_json::from_str(env.ok(&["sources", "--format", "json"]).await.trim()).unwrap();
    assert_eq!(report["last_status"], "error");
    assert_eq!(report["consecutive_failures"], 4);
    assert_eq!(env.mentions_json(&[]).await.len(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_spent_budget_waits_for_the_reset() {
    let server = Server::start().await;
    server.route(
        SUBS,
        json("reddit/search_page1.json")
            .with_header("X-Ratelimit-Remaining", "0.0")
            .with_header("X-Ratelimit-Reset", "300"),
    );
    let env = Env::new(&config(&server, SUBREDDITS));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("rd: 4 items, 3 new mentions"), "{out}");
    // The next poll, before the reset, does not ask at all.
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("rd: error: HTTP 429 (retry after"), "{out}");
    assert_eq!(server.requests_to_path(SUBS).len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn oauth_client_credentials_get_a_bearer_token() {
    let server = Server::start().await;
    server.route(TOKEN, json("reddit/access_token.json"));
    server.route(SUBS, json("reddit/search_page1.json"));
    let env = Env::new(&config(
        &server,
        &format!(
            "{SUBREDDITS}auth_url = \"{}\"\nclient_id_file = \"reddit.id\"\nclient_secret_file = \"secrets/reddit.secret\"\n",
            server.url("")
        ),
    ));
    std::fs::write(env.dir.path().join("reddit.id"), "p-jcoLKBynTLew\n").unwrap();
    std::fs::create_dir(env.dir.path().join("secrets")).unwrap();
    let secret = env.dir.path().join("secrets/reddit.secret");
    std::fs::write(&secret, "gko_LXELoV07ZBNUXrvWZfzE3aI\n").unwrap();
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("rd: 4 items, 3 new mentions"), "{out}");
    let token = &server.requests_to(TOKEN)[0];
    assert_eq!(token.method, "POST");
    // base64("p-jcoLKBynTLew:gko_LXELoV07ZBNUXrvWZfzE3aI")
    assert_eq!(
        token.headers.get("authorization").map(String::as_str),
        Some("Basic cC1qY29MS0J5blRMZXc6Z2tvX0xYRUxvVjA3WkJOVVhydldaZnpFM2FJ")
    );
    assert_eq!(token.body, b"grant_type=client_credentials");
    let search = &server.requests_to_path(SUBS)[0];
    let bearer = search
        .headers
        .get("authorization")
        .cloned()
        .unwrap_or_default();
    assert!(
        bearer.starts_with("Bearer eyJhbGciOiJSUzI1NiIs") && bearer.ends_with(".test-token"),
        "{bearer}"
    );
    // Neither the secret nor the token is stored.
    let db = std::fs::read(env.db_path()).unwrap();
    assert!(!db.windows(10).any(|w| w == b"test-token"));
    assert!(!db.windows(12).any(|w| w == b"gko_LXELoV07"));

    // A refused client is the source's error.
    server.route(
        TOKEN,
        Route {
            status: 401,
            ..Route::ok(
                "application/json",
                r#"{"message": "Unauthorized", "error": 401}"#,
            )
        },
    );
    std::fs::write(&secret, "wrong\n").unwrap();
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("rd: error: HTTP 401"), "{out}");
    assert_eq!(
        server.requests_to_path(SUBS).len(),
        1,
        "no search without a token"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn preview_and_config_errors() {
    let server = Server::start().await;
    server.route(ALL, json("reddit/search_page1.json"));
    let env = Env::new(&config(&server, ""));
    let out = env
        .ok(&[
            "preview",
            "--kind",
            "reddit",
            "--url",
            &server.url(""),
            "--query",
            "acme telecom",
        ])
        .await;
    assert!(out.contains("4 items"), "{out}");
    assert_eq!(server.requests_to_path(ALL).len(), 1);
    assert!(!env.db_path().exists(), "preview stores nothing");

    let check = |text: String| async move {
        let out = Env::new(&text).run(&["check"]).await;
        assert_eq!(out.status.code(), Some(2), "{text}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let bare = "[[source]]\nname = \"rd\"\nkind = \"reddit\"\n";
    let e = check(bare.to_string()).await;
    assert!(e.contains("(reddit) needs `query`"), "{e}");
    let e = check(format!("{bare}query = \"x\"\nsubreddits = [\"a b\"]\n")).await;
    assert!(e.contains("invalid subreddit \"a b\""), "{e}");
    let e = check(format!("{bare}query = \"x\"\nsubreddits = []\n")).await;
    assert!(e.contains("`subreddits` is empty"), "{e}");
    let e = check(format!("{bare}query = \"x\"\nhashtags = [\"ns\"]\n")).await;
    assert!(
        e.contains("key `hashtags` does not apply to kind \"reddit\""),
        "{e}"
    );
    let e = check(format!("{bare}query = \"x\"\nclient_id_env = \"HOME\"\n")).await;
    assert!(e.contains("needs both a client id"), "{e}");
    let e = check(format!(
        "{bare}query = \"x\"\nauth_url = \"https://www.reddit.com\"\n"
    ))
    .await;
    assert!(e.contains("key `auth_url` does not apply"), "{e}");
    // Reddit's keys on another kind are errors too.
    let e = check(
        "[[source]]\nname = \"f\"\nkind = \"feed\"\nurl = \"https://example.nl/rss\"\nsubreddits = [\"thenetherlands\"]\n"
            .to_string(),
    )
    .await;
    assert!(
        e.contains("key `subreddits` does not apply to kind \"feed\""),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_post_also_found_through_google_alerts_is_one_mention() {
    let server = Server::start().await;
    server.route(SUBS, json("reddit/search_page1.json"));
    server.route(
        "/alerts/reddit",
        Route::ok(
            "application/atom+xml; charset=UTF-8",
            fixture("reddit/google-alert.atom"),
        ),
    );
    let env = Env::new(&format!(
        "{}\n[[source]]\nname = \"alerts\"\nkind = \"feed\"\nurl = \"{}\"\n",
        config(&server, SUBREDDITS),
        server.url("/alerts/reddit")
    ));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("0 failed"), "{out}");
    let mentions = env.mentions_json(&[]).await;
    let utrecht: Vec<_> = mentions
        .iter()
        .filter(|m| {
            m["url"]
                .as_str()
                .unwrap_or("")
                .contains("/comments/1gx4k2p/")
        })
        .collect();
    assert_eq!(utrecht.len(), 1, "{mentions:?}");
    assert_eq!(mentions.len(), 3, "{mentions:?}");
}

/// In a long-running process the token is asked once and reused until it
/// expires; a 401 from the API drops it, so the next poll asks again.
#[tokio::test(flavor = "multi_thread")]
async fn the_oauth_token_is_reused_until_refused() {
    let server = Server::start().await;
    server.route(TOKEN, json("reddit/access_token.json"));
    server.route(SUBS, json("reddit/search_page1.json"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("reddit.id"), "reuse-client\n").unwrap();
    std::fs::write(dir.path().join("reddit.secret"), "reuse-secret\n").unwrap();
    let text = config(
        &server,
        &format!(
            "{SUBREDDITS}auth_url = \"{}\"\nclient_id_file = \"reddit.id\"\nclient_secret_file = \"reddit.secret\"\n",
            server.url("")
        ),
    );
    let cfg = earshot::config::Config::parse(&text, &dir.path().join("earshot.toml")).unwrap();
    let http = earshot::http::Http::new(&cfg.http).unwrap();
    let cpu = earshot::sources::ParseSlots::new(1);
    let source = &cfg.sources[0];
    let validators = earshot::http::Validators::default();
    for _ in 0..3 {
        earshot::sources::poll(&http, source, &validators, None, &cpu)
            .await
            .unwrap();
    }
    assert_eq!(
        server.requests_to(TOKEN).len(),
        1,
        "one token for three polls"
    );
    assert_eq!(server.requests_to_path(SUBS).len(), 3);

    server.route(
        SUBS,
        Route {
            status: 401,
            ..Route::ok(
                "application/json",
                r#"{"message": "Unauthorized", "error": 401}"#,
            )
        },
    );
    let err = earshot::sources::poll(&http, source, &validators, None, &cpu).await;
    assert!(err.is_err());
    server.route(SUBS, json("reddit/search_page1.json"));
    earshot::sources::poll(&http, source, &validators, None, &cpu)
        .await
        .unwrap();
    assert_eq!(
        server.requests_to(TOKEN).len(),
        2,
        "a refused token is replaced"
    );
}

const COMMENTS: &str = "/r/thenetherlands+nederland/comments.json";

/// With `comments = true` the subreddits' newest comments are read too:
/// each comment that mentions a watch is a mention titled after its post,
/// linked to its permalink; removed comments are skipped; a second poll
/// from a new process resumes after the newest comment seen.
#[tokio::test(flavor = "multi_thread")]
async fn comments_in_the_subreddits_are_mentions_too() {
    let server = Server::start().await;
    server.route(SUBS, json("reddit/search_page1.json"));
    server.route(COMMENTS, json("reddit/comments_page1.json"));
    let env = Env::new(&config(&server, &format!("{SUBREDDITS}comments = true\n")));
    let out = env.ok(&["poll"]).await;
    // 4 posts (3 mention Acme) and 3 readable comments (2 mention Acme).
    assert!(out.contains("rd: 7 items, 5 new mentions"), "{out}");
    let asked = server.requests_to_path(COMMENTS);
    assert_eq!(asked.len(), 1);
    assert_eq!(
        asked[0].path,
        "/r/thenetherlands+nederland/comments.json?limit=100&raw_json=1"
    );
    let mentions = env.mentions_json(&[]).await;
    let comment = mentions
        .iter()
        .find(|m| m["url"].as_str().unwrap_or("").ends_with("/lx3c3aa/"))
        .expect("the complaint in the comments is a mention");
    assert_eq!(comment["title"], "Re: Wie heeft er ook storing vandaag?");
    assert_eq!(
        comment["url"],
        "https://www.reddit.com/r/thenetherlands/comments/1gx9zz1/wie_heeft_er_ook_storing_vandaag/lx3c3aa/"
    );
    assert_eq!(comment["sentiment"]["label"], "negative", "{comment}");
    assert!(!mentions
        .iter()
        .any(|m| m["url"].as_str().unwrap_or("").ends_with("/lx3c1cc/")));

    let out = env.ok(&["poll"]).await;
    assert!(out.contains("0 new mentions"), "{out}");
    assert_eq!(server.requests_to_path(COMMENTS).len(), 2);
}

/// Issue #14: a comment was scored with its post's title ("Re: Wie heeft
/// er ook storing vandaag?"), so one saying the outage was over read as a
/// complaint. The title stays for people to see; the comment's own words
/// are scored.
#[tokio::test(flavor = "multi_thread")]
async fn issue14_a_comment_is_scored_without_its_threads_title() {
    let server = Server::start().await;
    server.route(SUBS, json("reddit/search_page1.json"));
    server.route(COMMENTS, json("reddit/comments_page1.json"));
    let env = Env::new(&config(&server, &format!("{SUBREDDITS}comments = true\n")));
    env.ok(&["poll"]).await;
    let mentions = env.mentions_json(&[]).await;
    let fixed = mentions
        .iter()
        .find(|m| m["url"].as_str().unwrap_or("").ends_with("/lx3c0dd/"))
        .expect("the comment saying it works again is a mention");
    assert_eq!(fixed["title"], "Re: Wie heeft er ook storing vandaag?");
    assert_ne!(fixed["sentiment"]["label"], "negative", "{fixed}");
    let reasons = fixed["sentiment"]["reasons"].to_string();
    assert!(!reasons.contains("storing"), "{reasons}");
    // The complaint in the same thread still is one, on its own words.
    let complaint = mentions
        .iter()
        .find(|m| m["url"].as_str().unwrap_or("").ends_with("/lx3c3aa/"))
        .expect("the complaint is a mention");
    assert_eq!(complaint["sentiment"]["label"], "negative", "{complaint}");
}

#[tokio::test(flavor = "multi_thread")]
async fn comments_need_subreddits() {
    let server = Server::start().await;
    let env = Env::new(&config(&server, "comments = true\n"));
    let out = env.run(&["check"]).await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("earshot.toml:") && err.contains("`comments` needs `subreddits`"),
        "{err}"
    );
}

/// Issue 11: `preview` builds its source through the config's own checks and
/// defaults, so it searches for what it was asked (the query used to be
/// dropped for reddit) and refuses what a config file would refuse.
#[tokio::test(flavor = "multi_thread")]
async fn issue11_preview_goes_through_the_sources_validation() {
    let server = Server::start().await;
    server.route(ALL, json("reddit/search_page1.json"));
    let env = Env::new(&config(&server, ""));
    let preview = |query: &'static str| {
        let env = &env;
        let base = server.url("");
        async move {
            env.run(&[
                "preview", "--kind", "reddit", "--url", &base, "--query", query,
            ])
            .await
        }
    };
    let out = preview("acme telecom").await;
    assert_eq!(out.status.code(), Some(0));
    let seen = server.requests_to_path(ALL);
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].path,
        "/search.json?q=acme+telecom&sort=new&t=all&limit=100&raw_json=1"
    );

    let out = preview("   ").await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("(reddit) needs `query`"), "{err}");
    assert_eq!(server.requests_to_path(ALL).len(), 1, "nothing fetched");
}

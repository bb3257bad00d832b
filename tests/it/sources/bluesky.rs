//! The `bluesky` source against a loopback server speaking the XRPC methods
//! it uses (`com.atproto.server.createSession`, `refreshSession`,
//! `app.bsky.feed.searchPosts`): login then search, a `since` second poll
//! from a new process, the page bound, an expired token renewed, a refused
//! login, malformed bodies, and config errors.

use crate::support::{fixture, rss, server::Seen, Env, Route, Server};

const LOGIN: &str = "/xrpc/com.atproto.server.createSession";
const REFRESH: &str = "/xrpc/com.atproto.server.refreshSession";
const SEARCH: &str = "/xrpc/app.bsky.feed.searchPosts";
/// The search's query string before `since` and `cursor`.
const QUERY: &str = "?q=Acme+Telecom&sort=latest&limit=100";
const PASSWORD: &str = "abcd-efgh-ijkl-mnop";
const ACCESS_ONE: &str = "eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJFUzI1NksifQ.access-one.sig";
const ACCESS_TWO: &str = "eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJFUzI1NksifQ.access-two.sig";
const REFRESH_ONE: &str = "eyJ0eXAiOiJyZWZyZXNoK2p3dCIsImFsZyI6IkVTMjU2SyJ9.refresh-one.sig";

fn config(server: &Server, extra: &str) -> String {
    format!(
        "[[watch]]\nname = \"acme\"\nterms = [\"Acme\"]\n\n\
         [[source]]\nname = \"sky\"\nkind = \"bluesky\"\nbase_url = \"{}\"\n\
         query = \"Acme Telecom\"\nhandle = \"webcare.example.nl\"\n\
         app_password_file = \"bsky.pass\"\n{extra}",
        server.url("")
    )
}

/// An env whose app password file holds [`PASSWORD`].
fn env(text: &str) -> Env {
    let env = Env::new(text);
    std::fs::write(env.dir.path().join("bsky.pass"), format!("{PASSWORD}\n")).unwrap();
    env
}

fn json(body: Vec<u8>) -> Route {
    Route::ok("application/json; charset=utf-8", body)
}

fn error(status: u16, name: &str) -> Route {
    Route {
        status,
        ..json(fixture(&format!("bluesky/{name}.json")))
    }
}

fn bearer(r: &Seen) -> Option<&str> {
    r.headers.get("authorization").map(String::as_str)
}

/// A page of `n` posts about Acme, one a minute back from `hour:00`.
fn page(hour: u32, n: u32, cursor: Option<&str>) -> Route {
    let posts: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let at = format!("2026-11-22T{:02}:{:02}:00.000Z", hour - 1, 59 - i);
            serde_json::json!({
                "uri": format!("at://did:plc:gen{hour}/app.bsky.feed.post/3lgen{hour}x{i}"),
                "cid": "bafyreigen",
                "author": {"did": format!("did:plc:gen{hour}"), "handle": "gen.bsky.social"},
                "record": {"$type": "app.bsky.feed.post", "text": format!("Acme Telecom storing {hour}/{i}"), "createdAt": at, "langs": ["nl"]},
                "indexedAt": at,
            })
        })
        .collect();
    let mut body = serde_json::json!({ "posts": posts });
    if let Some(c) = cursor {
        body["cursor"] = c.into();
    }
    json(body.to_string().into_bytes())
}

#[tokio::test(flavor = "multi_thread")]
async fn login_search_then_only_newer_posts() {
    let server = Server::start().await;
    server.route(LOGIN, json(fixture("bluesky/session.json")));
    server.route(SEARCH, json(fixture("bluesky/search_page1.json")));
    let env = env(&config(&server, ""));

    let out = env.ok(&["poll"]).await;
    // Three posts, two about Acme Telecom (Dutch and English).
    assert!(out.contains("sky: 3 items, 2 new mentions"), "{out}");
    let login = &server.requests_to_path(LOGIN)[0];
    assert_eq!(login.method, "POST");
    let body: serde_json::Value = serde_json::from_slice(&login.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"identifier": "webcare.example.nl", "password": PASSWORD})
    );
    let search = &server.requests_to_path(SEARCH)[0];
    assert_eq!(search.method, "GET");
    assert_eq!(search.path, format!("{SEARCH}{QUERY}"));
    assert_eq!(
        bearer(search),
        Some(format!("Bearer {ACCESS_ONE}").as_str())
    );
    assert_eq!(
        server.requests_to_path(SEARCH).len(),
        1,
        "the first poll reads one page though a cursor came back"
    );

    let mentions = env.mentions_json(&[]).await;
    assert_eq!(mentions.len(), 2, "{mentions:?}");
    let nl = mentions
        .iter()
        .find(|m| m["author"] == "Marieke de Vries")
        .expect("the Dutch post");
    assert_eq!(
        nl["url"],
        "https://bsky.app/profile/marieke.bsky.social/post/3lbqzk2xvyc2a"
    );
    assert_eq!(
        nl["text"],
        "Al drie dagen geen internet bij Acme Telecom en de klantenservice neemt gewoon niet op. Echt belachelijk, ik betaal wel elke maand."
    );
    assert_eq!(
        nl["title"],
        "Al drie dagen geen internet bij Acme Telecom en de klantenservice neemt gewoon niet op. Echt…"
    );
    assert_eq!(nl["sentiment"]["label"], "negative");
    let en = mentions
        .iter()
        .find(|m| m["author"] == "Tom Jenkins")
        .expect("the English post");
    assert_eq!(
        en["title"],
        "Acme Telecom support has had me on hold for 45 minutes now. Worst provider I have ever had."
    );
    assert_eq!(
        en["url"],
        "https://bsky.app/profile/tomjenkins.bsky.social/post/3lbqyw5mtn22k"
    );
    // Neither the app password nor the session tokens are stored.
    let db = std::fs::read(env.db_path()).unwrap();
    for secret in [PASSWORD, ACCESS_ONE, REFRESH_ONE] {
        assert!(
            !db.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{secret} in the database"
        );
    }

    // A new process logs in again and asks only for what is newer than the
    // newest post seen; the post at the cursor is not stored again, and a
    // page reaching the cursor ends the paging.
    let since = format!("{SEARCH}{QUERY}&since=2026-11-22T09%3A41%3A12.345Z");
    server.route(&since, json(fixture("bluesky/search_page2.json")));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("sky: 1 items, 1 new mentions"), "{out}");
    assert_eq!(server.requests_to_path(LOGIN).len(), 2);
    let searches = server.requests_to_path(SEARCH);
    assert_eq!(searches.len(), 2, "{searches:?}");
    assert_eq!(searches[1].path, since);
    let mentions = env.mentions_json(&[]).await;
    assert_eq!(mentions.len(), 3);
    let newer = mentions
        .iter()
        .find(|m| m["url"] == "https://bsky.app/profile/sanne.bsky.social/post/3lbr3c6dn4k2s")
        .expect("the newer post");
    assert_eq!(newer["author"], "sanne.bsky.social", "no display name");

    // And the third poll resumes from the newer post.
    env.ok(&["poll"]).await;
    assert_eq!(
        server.requests_to_path(SEARCH)[2].path,
        format!("{SEARCH}{QUERY}&since=2026-11-22T10%3A05%3A40.120Z")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_are_followed_to_the_cursor_at_most_max_pages() {
    let server = Server::start().await;
    server.route(LOGIN, json(fixture("bluesky/session.json")));
    server.route(SEARCH, page(9, 5, Some("5")));
    let env = env(&config(&server, "max_pages = 2\nlang = \"nl\"\n"));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("sky: 5 items"), "{out}");
    assert_eq!(server.requests_to_path(SEARCH).len(), 1);

    let first = format!("{SEARCH}{QUERY}&lang=nl&since=2026-11-22T08%3A59%3A00.000Z");
    server.route(&first, page(11, 5, Some("c1")));
    server.route(&format!("{first}&cursor=c1"), page(10, 5, Some("c2")));
    server.route(&format!("{first}&cursor=c2"), page(9, 5, None));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("sky: 10 items, 10 new mentions"), "{out}");
    let paths: Vec<String> = server
        .requests_to_path(SEARCH)
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(paths[1..], [first.clone(), format!("{first}&cursor=c1")]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_token_is_refreshed_and_the_search_retried() {
    let server = Server::start().await;
    server.route(LOGIN, json(fixture("bluesky/session.json")));
    server.route(REFRESH, json(fixture("bluesky/refreshed.json")));
    server.route_once(SEARCH, error(400, "expired_token"));
    server.route(SEARCH, json(fixture("bluesky/search_page1.json")));
    let env = env(&config(&server, ""));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("sky: 3 items, 2 new mentions"), "{out}");
    let searches = server.requests_to_path(SEARCH);
    assert_eq!(searches.len(), 2);
    assert_eq!(searches[0].status, 400);
    assert_eq!(
        bearer(&searches[0]),
        Some(format!("Bearer {ACCESS_ONE}").as_str())
    );
    assert_eq!(
        bearer(&searches[1]),
        Some(format!("Bearer {ACCESS_TWO}").as_str())
    );
    let refresh = server.requests_to_path(REFRESH);
    assert_eq!(refresh.len(), 1);
    assert_eq!(refresh[0].method, "POST");
    assert_eq!(
        bearer(&refresh[0]),
        Some(format!("Bearer {REFRESH_ONE}").as_str())
    );
    assert!(refresh[0].body.is_empty(), "refreshSession takes no input");
    assert_eq!(server.requests_to_path(LOGIN).len(), 1);

    // A refused refresh logs in once more; a second expiry in one poll is
    // an error, not a loop.
    server.route(REFRESH, error(400, "expired_token"));
    server.route_once(SEARCH, error(400, "expired_token"));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("sky: 0 items"), "{out}");
    assert_eq!(
        server.requests_to_path(LOGIN).len(),
        3,
        "a new process, then a re-login"
    );
    server.route(SEARCH, error(401, "expired_token"));
    let out = env.ok(&["poll"]).await;
    assert!(
        out.contains(
            "sky: error: bluesky: search refused (HTTP 401): ExpiredToken: Token has expired"
        ),
        "{out}"
    );
    assert_eq!(server.requests_to_path(REFRESH).len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_login_or_a_malformed_body_fails_only_its_source() {
    let server = Server::start().await;
    server.route(LOGIN, error(401, "auth_required"));
    server.route(
        "/news.xml",
        Route::ok(
            "application/rss+xml",
            rss(&[("n1", "Acme Telecom verhoogt prijzen")]),
        ),
    );
    let text = format!(
        "{}\n[[source]]\nname = \"news\"\nkind = \"feed\"\nurl = \"{}\"\n",
        config(&server, ""),
        server.url("/news.xml")
    );
    let env = env(&text);
    let out = env.ok(&["poll"]).await;
    assert!(
        out.contains("sky: error: bluesky: login as webcare.example.nl refused (HTTP 401): AuthenticationRequired: Invalid identifier or password"),
        "{out}"
    );
    assert!(out.contains("news: 1 items, 1 new mentions"), "{out}");
    assert!(
        server.requests_to_path(SEARCH).is_empty(),
        "no search without a session"
    );
    let report = env.json_lines(&["sources", "--format", "json"]).await;
    let sky = report.iter().find(|r| r["name"] == "sky").unwrap();
    assert_eq!(sky["last_status"], "error");
    assert!(
        sky["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("AuthenticationRequired")),
        "{sky}"
    );
    let news = report.iter().find(|r| r["name"] == "news").unwrap();
    assert_ne!(news["last_status"], "error", "{news}");

    server.route(LOGIN, json(fixture("bluesky/session.json")));
    server.route(
        SEARCH,
        Route::ok("text/html", "<html><body>502 Bad Gateway</body></html>"),
    );
    let out = env.ok(&["poll"]).await;
    assert!(
        out.contains("sky: error: malformed bluesky: unexpected response"),
        "{out}"
    );
    server.route(SEARCH, json(br#"{"cursor":"3"}"#.to_vec()));
    let out = env.ok(&["poll"]).await;
    assert!(
        out.contains("sky: error: malformed bluesky: unexpected response: missing field `posts`"),
        "{out}"
    );
    assert_eq!(
        env.mentions_json(&[]).await.len(),
        1,
        "only the feed's mention"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn config_errors() {
    let server = Server::start().await;
    let check = |text: String| async move {
        let out = Env::new(&text).run(&["check"]).await;
        assert_eq!(out.status.code(), Some(2), "{text}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let base = "[[source]]\nname = \"sky\"\nkind = \"bluesky\"\n";
    let e = check(format!(
        "{base}handle = \"a.example\"\napp_password_env = \"X\"\n"
    ))
    .await;
    assert!(e.contains("(bluesky) needs `query`"), "{e}");
    let e = check(format!(
        "{base}query = \"acme\"\napp_password_env = \"X\"\n"
    ))
    .await;
    assert!(e.contains("(bluesky) needs `handle`"), "{e}");
    let e = check(format!("{base}query = \"acme\"\nhandle = \"a.example\"\n")).await;
    assert!(
        e.contains("needs `app_password_env` or `app_password_file`"),
        "{e}"
    );
    let e = check(format!(
        "{base}query = \"acme\"\nhandle = \"a.example\"\napp_password_env = \"EARSHOT_TEST_BLUESKY_UNSET\"\n"
    ))
    .await;
    assert!(
        e.contains("environment variable EARSHOT_TEST_BLUESKY_UNSET is not set"),
        "{e}"
    );
    let e = check(config(&server, "token_env = \"X\"\n")).await;
    assert!(
        e.contains("key `token_env` does not apply to kind \"bluesky\""),
        "{e}"
    );
    let e = check(config(&server, "url = \"https://bsky.social\"\n")).await;
    assert!(
        e.contains("key `url` does not apply to kind \"bluesky\""),
        "{e}"
    );
    let e = check(config(&server, "lang = \"nl; drop\"\n")).await;
    assert!(e.contains("invalid lang"), "{e}");
    // Bluesky's keys on other kinds are errors too.
    let e = check(
        "[[source]]\nname = \"f\"\nkind = \"feed\"\nurl = \"https://example.nl/rss\"\nhandle = \"a.example\"\n"
            .into(),
    )
    .await;
    assert!(
        e.contains("key `handle` does not apply to kind \"feed\""),
        "{e}"
    );
    let e = check(
        "[[source]]\nname = \"m\"\nkind = \"mastodon\"\nbase_url = \"https://mastodon.social\"\nhashtags = [\"ns\"]\napp_password_file = \"p\"\n"
            .into(),
    )
    .await;
    assert!(
        e.contains("key `app_password_file` does not apply to kind \"mastodon\""),
        "{e}"
    );
    // A valid source defaults to bsky.social, and `check` passes.
    let ok = env(&format!(
        "{base}query = \"Acme Telecom\"\nhandle = \"@webcare.example.nl\"\napp_password_file = \"bsky.pass\"\n"
    ));
    let out = ok.run(&["check"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

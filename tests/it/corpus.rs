//! The fixture corpus under `tests/fixtures/feeds/`, the watch list the tests
//! share, and small helpers to build configs and read mentions back.

use serde_json::Value;

use crate::support::{feed_source, fixture, Env, Route, Server};

/// The watches every feed test uses: one per brand, each exercising a rule.
pub const WATCHES: &str = r#"
[[watch]]
name = "acme"
terms = ["Acme Telecom", "AcmeTel", "@acmetelecom"]
exclude = ["Acme Corporation"]
regex = ['acme\s*tel(ecom)?\s+(storing|klantenservice)']

[[watch]]
name = "klm"
terms = ["KLM"]

[[watch]]
name = "bol"
terms = ["bol.com"]

[[watch]]
name = "hema"
terms = ["HEMA"]

[[watch]]
name = "cafe"
terms = ["cafe noel"]

[[watch]]
name = "ahold"
terms = ["Ahold Delhaize"]

[[watch]]
name = "ns"
regex = ['\bns[- ](storing|vertraging)(en)?\b']
"#;

pub const RSS: &str = "application/rss+xml; charset=utf-8";
pub const ATOM: &str = "application/atom+xml";
pub const JSON_FEED: &str = "application/feed+json";

/// The feed fixture `NAME` served as `content_type`.
pub fn feed(name: &str, content_type: &str) -> Route {
    Route::ok(content_type, fixture(&format!("feeds/{name}")))
}

/// A `[[source]]` of kind feed at `path` on `server`, optionally limited to `watches`.
pub fn source(server: &Server, name: &str, path: &str, watches: Option<&[&str]>) -> String {
    let mut s = format!("\n{}", feed_source(name, &server.url(path)));
    if let Some(w) = watches {
        let list: Vec<String> = w.iter().map(|w| format!("\"{w}\"")).collect();
        s.push_str(&format!("watches = [{}]\n", list.join(", ")));
    }
    s
}

/// A config: `[http]` lines (may be empty), the shared watches, then `sources`.
pub fn config(http: &str, sources: &[String]) -> String {
    format!(
        "[http]\nuser_agent = \"earshot-tests/1.0 (+mailto:webcare@example.nl)\"\n{http}\n{WATCHES}{}",
        sources.concat()
    )
}

/// A server with each `(path, fixture, content type)` routed.
pub async fn serve(routes: &[(&str, &str, &str)]) -> Server {
    let server = Server::start().await;
    for (path, name, ct) in routes {
        server.route(path, feed(name, ct));
    }
    server
}

/// Google Alerts, the site's own RSS and a JSON Feed forum, as `(path,
/// fixture, content type)`: all three link the same article (via Google's
/// redirector, with `utm_*`, with `fbclid` and a fragment).
pub const ONE_STORY: [(&str, &str, &str); 3] = [
    ("/alerts/acme", "google-alerts-acme.atom", ATOM),
    ("/rss/Economie", "nu-economie.rss", RSS),
    ("/feeds/providers.json", "tweakers-forum.json", JSON_FEED),
];

/// The sources of [`ONE_STORY`] on `server`; the alert feed only for `acme`.
pub fn one_story_sources(server: &Server) -> Vec<String> {
    vec![
        source(
            server,
            "google-alerts-acme",
            "/alerts/acme",
            Some(&["acme"]),
        ),
        source(server, "nu-economie", "/rss/Economie", None),
        source(server, "tweakers-forum", "/feeds/providers.json", None),
    ]
}

/// The standard corpus: the three sources of [`ONE_STORY`] and the
/// matching-rules feed, polled once.
pub async fn populated() -> (Server, Env) {
    let webcare = ("/webcare.rss", "matching.rss", RSS);
    let server = serve(&[ONE_STORY.as_slice(), &[webcare]].concat()).await;
    let mut sources = one_story_sources(&server);
    sources.push(source(&server, "webcare", "/webcare.rss", None));
    let env = Env::new(&config("", &sources));
    // The site's own feed first, so the story the alert and the forum repeat
    // keeps the site's title.
    let out = env.ok(&["poll", "--source", "nu-economie"]).await;
    assert!(out.contains("3 new mentions"), "{out}");
    let out = env.ok(&["poll"]).await;
    assert!(
        out.contains("4 ok, 0 not modified, 0 failed; 15 new mentions"),
        "{out}"
    );
    (server, env)
}

/// A field of a mention as a string ("" when null).
pub fn field<'a>(m: &'a Value, key: &str) -> &'a str {
    m[key].as_str().unwrap_or("")
}

/// `(watch, title)` of every mention, sorted.
pub fn watch_titles(mentions: &[Value]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = mentions
        .iter()
        .map(|m| (field(m, "watch").to_string(), field(m, "title").to_string()))
        .collect();
    v.sort();
    v
}

/// Owned, sorted `(watch, title)` pairs from literals.
pub fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = expected
        .iter()
        .map(|(w, t)| (w.to_string(), t.to_string()))
        .collect();
    v.sort();
    v
}

/// The mentions whose title is `title`.
pub fn with_title<'a>(mentions: &'a [Value], title: &str) -> Vec<&'a Value> {
    mentions
        .iter()
        .filter(|m| field(m, "title") == title)
        .collect()
}

/// The `sources` array of a mention.
pub fn sources_of(m: &Value) -> Vec<String> {
    m["sources"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// `earshot sources --format json`, by name.
pub async fn source_reports(env: &Env) -> std::collections::HashMap<String, Value> {
    env.ok(&["sources", "--format", "json"])
        .await
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("json line");
            (field(&v, "name").to_string(), v)
        })
        .collect()
}

//! The `json` source: any JSON API mapped with JSON Pointers, with an API key
//! header from a file, conditional GET, ratings deciding sentiment, and clear
//! errors when the mapping does not fit the response.

use crate::support::{fixture, Env, Route, Server};

fn config(server: &Server, items: &str) -> String {
    format!(
        "[[watch]]\nname = \"acme\"\nterms = [\"Acme Telecom\"]\n\n\
         [[source]]\nname = \"reviews-api\"\nkind = \"json\"\nurl = \"{}\"\nitems = \"{items}\"\n\
         header_file = {{ apikey = \"api-key\" }}\n\n\
         [source.fields]\nid = \"/id\"\ntitle = \"/title\"\ntext = \"/text\"\nurl = \"/links/0/href\"\n\
         author = \"/consumer/displayName\"\npublished = \"/createdAt\"\nrating = \"/stars\"\n",
        server.url("/v1/business-units/5f2a/reviews")
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn maps_reviews_sends_the_key_and_rates_sentiment() {
    let server = Server::start().await;
    server.route(
        "/v1/business-units/5f2a/reviews",
        Route::ok("application/json", fixture("json/reviews.json")).with_etag("\"r1\""),
    );
    let env = Env::new(&config(&server, "/reviews"));
    std::fs::write(env.dir.path().join("api-key"), "k-123\n").unwrap();

    let out = env.ok(&["poll"]).await;
    assert!(
        out.contains("reviews-api: 3 items, 2 new mentions"),
        "{out}"
    );
    let req = &server.requests_to("/v1/business-units/5f2a/reviews")[0];
    assert_eq!(req.headers.get("apikey").map(String::as_str), Some("k-123"));

    let mentions = env.mentions_json(&[]).await;
    let by_title = |t: &str| {
        mentions
            .iter()
            .find(|m| m["title"] == t)
            .unwrap_or_else(|| panic!("no {t}"))
    };
    let bad = by_title("Al 3 weken geen internet");
    assert_eq!(bad["author"], "Marieke de Vries");
    assert_eq!(
        bad["url"],
        "https://www.example-reviews.nl/reviews/64f0c2a1e7"
    );
    assert_eq!(bad["published_at"], "2026-11-20T18:21:04Z");
    assert_eq!(bad["sentiment"]["label"], "negative");
    // Five stars outweigh a negative word: the rating decides.
    let good = by_title("Snel geholpen");
    assert_eq!(good["sentiment"]["label"], "positive");
    assert!(
        good["sentiment"]["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().contains("rating")),
        "{good}"
    );

    // Unchanged: a 304, nothing new.
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("reviews-api: not modified"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mapping_that_does_not_fit_is_a_source_error() {
    let server = Server::start().await;
    server.route(
        "/v1/business-units/5f2a/reviews",
        Route::ok("application/json", fixture("json/reviews.json")),
    );
    let env = Env::new(&config(&server, "/data/items"));
    std::fs::write(env.dir.path().join("api-key"), "k").unwrap();
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("no value at items = \"/data/items\""), "{out}");

    let bad = Env::new(&config(&server, "reviews"));
    std::fs::write(bad.dir.path().join("api-key"), "k").unwrap();
    let out = bad.run(&["check"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a JSON Pointer"));

    // The key file must exist: a clear error at load, naming it.
    let missing = Env::new(&config(&server, "/reviews"));
    let out = missing.run(&["check"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read secret file"));
}

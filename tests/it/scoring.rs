//! Sentiment end to end: every mention is scored when stored, `mentions
//! --sentiment` filters on it, `mentions show` explains it, and a route's
//! `sentiment` filter decides what is alerted.

use crate::support::{rss, sorted_titles, Env, Route, Server};

#[tokio::test(flavor = "multi_thread")]
async fn mentions_are_scored_filtered_explained_and_routed_by_sentiment() {
    let server = Server::start().await;
    server.route(
        "/f.rss",
        Route::ok(
            "application/rss+xml",
            rss(&[
                (
                    "1",
                    "Al 3 weken geen reactie van Acme Telecom op mijn klacht",
                ),
                (
                    "2",
                    "Top service van Acme Telecom, super snel geholpen. Dank!",
                ),
                (
                    "3",
                    "My Acme Telecom parcel never arrived and support still has not replied",
                ),
            ]),
        ),
    );
    server.route("/hook", Route::status(200, "ok"));
    let env = Env::new(&format!(
        "[[watch]]\nname = \"acme\"\nterms = [\"Acme Telecom\"]\n\n\
         [[source]]\nname = \"f\"\nkind = \"feed\"\nurl = \"{}\"\n\n\
         [[notifier]]\nname = \"chat\"\nkind = \"webhook\"\nurl = \"{}\"\n\n\
         [[route]]\nwatch = \"acme\"\nnotify = [\"chat\"]\nsentiment = [\"negative\"]\n",
        server.url("/f.rss"),
        server.url("/hook")
    ));
    env.ok(&["poll"]).await;

    let all = env.mentions_json(&[]).await;
    assert_eq!(all.len(), 3);
    for m in &all {
        let s = &m["sentiment"];
        assert!(s["label"].is_string() && s["score"].is_number(), "{m}");
    }
    let negative = env.mentions_json(&["--sentiment", "negative"]).await;
    let titles = sorted_titles(&negative);
    assert_eq!(
        titles,
        [
            "Al 3 weken geen reactie van Acme Telecom op mijn klacht",
            "My Acme Telecom parcel never arrived and support still has not replied"
        ]
    );
    let positive = env.mentions_json(&["--sentiment", "positive"]).await;
    assert_eq!(positive.len(), 1);
    assert_eq!(positive[0]["sentiment"]["lang"], "nl");

    // `show` says why.
    let id = negative[0]["id"].as_i64().unwrap().to_string();
    let shown = env.ok(&["mentions", "show", &id]).await;
    assert!(shown.contains("sentiment: negative"), "{shown}");
    assert!(
        shown.lines().any(|l| l.starts_with("  - ")),
        "reasons are listed:\n{shown}"
    );

    // Only the negative mentions were alerted.
    let posts = server.requests_to("/hook");
    let alerted: usize = posts
        .iter()
        .map(|p| {
            serde_json::from_slice::<serde_json::Value>(&p.body).unwrap()["mentions"]
                .as_array()
                .map_or(0, |a| a.len())
        })
        .sum();
    assert_eq!(alerted, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_watch_adds_its_own_negative_patterns() {
    let server = Server::start().await;
    server.route(
        "/f.rss",
        Route::ok(
            "application/rss+xml",
            rss(&[("1", "Acme Telecom modem knippert oranje")]),
        ),
    );
    let base = format!(
        "[[source]]\nname = \"f\"\nkind = \"feed\"\nurl = \"{}\"\n",
        server.url("/f.rss")
    );
    let plain = Env::new(&format!(
        "[[watch]]\nname = \"acme\"\nterms = [\"Acme Telecom\"]\n\n{base}"
    ));
    plain.ok(&["poll"]).await;
    assert_ne!(
        plain.mentions_json(&[]).await[0]["sentiment"]["label"],
        "negative"
    );

    let custom = Env::new(&format!(
        "[[watch]]\nname = \"acme\"\nterms = [\"Acme Telecom\"]\nnegative_patterns = ['(?i)knippert oranje']\n\n{base}"
    ));
    custom.ok(&["poll"]).await;
    let m = &custom.mentions_json(&[]).await[0];
    assert_eq!(m["sentiment"]["label"], "negative", "{m}");

    let bad = Env::new("[[watch]]\nname = \"a\"\nterms = [\"a\"]\nnegative_patterns = ['(oops']\n");
    let out = bad.run(&["check"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(":4:"));
}

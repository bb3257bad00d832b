//! `earshot run` as a real process: it polls on its schedule, picks up new
//! items through conditional GETs, answers read commands while it runs, and
//! exits 0 promptly on SIGTERM.

use crate::support::{
    feed_source, rss, settle, start_daemon, stop_within_10s, Env, Route, Server, ACME,
};

/// The mentions once `mentions` lists `n` (or after 30 s), reading while the
/// daemon writes.
async fn wait_for_mentions(env: &Env, n: usize) -> Vec<serde_json::Value> {
    settle(
        30,
        async || env.mentions_json(&[]).await,
        |found| found.len() >= n,
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn run_polls_on_schedule_and_stops_cleanly_on_sigterm() {
    let server = Server::start().await;
    server.route(
        "/storingen.rss",
        Route::ok(
            "application/rss+xml",
            rss(&[
                ("a1", "Acme Telecom storing in Utrecht"),
                ("a2", "Weerbericht"),
            ]),
        )
        .with_etag("\"v1\""),
    );
    let env = Env::new(&format!(
        "{ACME}\n{}interval = \"1s\"\n",
        feed_source("storingen", &server.url("/storingen.rss"))
    ));
    let child = start_daemon(&env, &[]);

    let first = wait_for_mentions(&env, 1).await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0]["title"], "Acme Telecom storing in Utrecht");

    // A new version of the feed: the next conditional GET gets it.
    server.route(
        "/storingen.rss",
        Route::ok(
            "application/rss+xml",
            rss(&[
                ("a3", "Weer een Acme Telecom storing"),
                ("a1", "Acme Telecom storing in Utrecht"),
                ("a2", "Weerbericht"),
            ]),
        )
        .with_etag("\"v2\""),
    );
    let second = wait_for_mentions(&env, 2).await;
    assert_eq!(second.len(), 2, "{second:?}");
    assert_eq!(second[0]["title"], "Weer een Acme Telecom storing");
    let conditional = server
        .requests_to("/storingen.rss")
        .iter()
        .filter(|r| r.headers.get("if-none-match").map(String::as_str) == Some("\"v1\""))
        .count();
    assert!(conditional >= 1, "no conditional GET with the stored ETag");

    // SIGTERM: exits 0 within the 10 s the service manager allows.
    stop_within_10s(child).await;
    // Nothing stored was lost.
    assert_eq!(env.mentions_json(&[]).await.len(), 2);
}

//! `earshot run` as a real process: it polls on its schedule, picks up new
//! items through conditional GETs, answers read commands while it runs, and
//! exits 0 promptly on SIGTERM.

use std::time::{Duration, Instant};

use crate::support::{rss, signal, start_daemon, Env, Route, Server};

/// Waits until `mentions` lists `n` mentions, reading while the daemon writes.
async fn wait_for_mentions(env: &Env, n: usize) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let found = env.mentions_json(&[]).await;
        if found.len() >= n || Instant::now() > deadline {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
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
        "[[watch]]\nname = \"acme\"\nterms = [\"Acme Telecom\"]\n\n[[source]]\nname = \"storingen\"\nkind = \"feed\"\nurl = \"{}\"\ninterval = \"1s\"\n",
        server.url("/storingen.rss")
    ));
    let mut child = start_daemon(&env, &[]);

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
    signal(&child, libc::SIGTERM);
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().expect("try_wait") {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "earshot run did not stop within 10 s of SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit status {status:?}");
    // Nothing stored was lost.
    assert_eq!(env.mentions_json(&[]).await.len(), 2);
}

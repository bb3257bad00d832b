//! Health and housekeeping: `status` while the daemon runs and after it
//! stops, `export`, `backup`, and retention pruning old mentions.

use crate::support::{
    free_port, rss, settle, start_daemon, terminate, wait_for, wait_until, Env, Route, Server,
};

/// The stdout of `earshot ARGS` once it contains `want` (or at the deadline),
/// whatever the exit status on the way (`status` exits 1 until the daemon's
/// first heartbeat).
async fn eventually(env: &Env, args: &[&str], want: &str) -> String {
    settle(
        15,
        async || String::from_utf8_lossy(&env.run(args).await.stdout).to_string(),
        |out| out.contains(want),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn status_reports_daemon_sources_outbox_and_last_mention() {
    let server = Server::start().await;
    server.route(
        "/ok.rss",
        Route::ok("application/rss+xml", rss(&[("1", "Acme Telecom storing")])),
    );
    server.route("/gone.rss", Route::status(404, "gone"));
    let env = Env::new(&format!(
        "[[watch]]\nname = \"acme\"\nterms = [\"Acme Telecom\"]\n\n\
         [[source]]\nname = \"ok\"\nkind = \"feed\"\nurl = \"{}\"\ninterval = \"1s\"\n\n\
         [[source]]\nname = \"gone\"\nkind = \"feed\"\nurl = \"{}\"\ninterval = \"1s\"\n",
        server.url("/ok.rss"),
        server.url("/gone.rss")
    ));
    // Before the daemon ever ran there is no database, and status says so.
    let out = env.run(&["status"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no database at"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut child = start_daemon(&env, &[]);
    eventually(&env, &["status"], "running (pid").await;
    let out = eventually(&env, &["status"], "1 ok, 1 failing").await;
    assert!(
        out.contains(&format!("running (pid {}", child.id())),
        "{out}"
    );
    // Running: exit 0.
    env.ok(&["status"]).await;
    assert!(out.contains("1 ok, 1 failing, 0 never polled"), "{out}");
    assert!(out.contains("failing:    gone: HTTP 404"), "{out}");
    assert!(
        out.contains("last mention: ") && out.contains("acme: Acme Telecom storing"),
        "{out}"
    );
    let json: serde_json::Value =
        serde_json::from_str(env.ok(&["status", "--format", "json"]).await.trim()).unwrap();
    assert_eq!(json["daemon_running"], true);
    assert_eq!(json["sources_failing"][0]["source"], "gone");

    terminate(&mut child);
    let out = not_running_status(&env).await;
    assert!(out.contains("not running (stopped"), "{out}");
}

/// `status` without a running daemon: exits 1, returns the report it printed.
async fn not_running_status(env: &Env) -> String {
    let out = env.run(&["status"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    stdout
}

#[tokio::test(flavor = "multi_thread")]
async fn export_backup_and_retention() {
    let server = Server::start().await;
    server.route(
        "/f.rss",
        Route::ok(
            "application/rss+xml",
            rss(&[
                ("1", "Acme Telecom oud nieuws"),
                ("2", "Acme Telecom vers nieuws"),
            ]),
        ),
    );
    let env = Env::new(&format!(
        "[storage]\nretention = \"30d\"\n\n[[watch]]\nname = \"acme\"\nterms = [\"Acme Telecom\"]\n\n\
         [[source]]\nname = \"f\"\nkind = \"feed\"\nurl = \"{}\"\ninterval = \"1h\"\n",
        server.url("/f.rss")
    ));
    env.ok(&["poll"]).await;
    // Make one mention (and its item) 40 days old, straight in the database.
    let db = rusqlite::Connection::open(env.db_path()).unwrap();
    db.execute_batch(
        "UPDATE mentions SET found_at = found_at - 40 * 86400 WHERE item_id IN (SELECT id FROM items WHERE title LIKE '%oud%');
         UPDATE items SET first_seen_at = first_seen_at - 40 * 86400 WHERE title LIKE '%oud%';",
    )
    .unwrap();
    drop(db);

    let csv = env.ok(&["export", "--format", "csv"]).await;
    assert_eq!(csv.lines().count(), 3, "header and two mentions:\n{csv}");
    assert!(csv
        .lines()
        .next()
        .unwrap()
        .starts_with("id,watch,sources,url"));
    let recent = env
        .ok(&["export", "--format", "json", "--since", "7d"])
        .await;
    assert_eq!(recent.lines().count(), 1, "{recent}");
    assert!(recent.contains("vers nieuws"));

    let copy = env.dir.path().join("backup.db");
    let out = env.ok(&["backup", copy.to_str().unwrap()]).await;
    assert!(out.contains("backed up"), "{out}");
    let n: i64 = rusqlite::Connection::open(&copy)
        .unwrap()
        .query_row("SELECT count(*) FROM mentions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2, "the backup holds every mention");
    assert_eq!(
        env.run(&["backup", copy.to_str().unwrap()])
            .await
            .status
            .code(),
        Some(2)
    );

    // The daemon prunes at start: the 40-day-old mention and its search row go.
    let mut child = start_daemon(&env, &[]);
    wait_until("retention to prune", 15, async || {
        env.mentions_json(&[]).await.len() == 1
    })
    .await;
    terminate(&mut child);
    assert_eq!(
        env.ok(&["mentions", "search", "oud", "--format", "json"])
            .await,
        ""
    );
    assert_eq!(
        env.ok(&["mentions", "search", "vers", "--format", "json"])
            .await
            .lines()
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn healthz_and_metrics_on_loopback() {
    let server = Server::start().await;
    server.route(
        "/ok.rss",
        Route::ok("application/rss+xml", rss(&[("1", "Acme Telecom storing")])),
    );
    let port = free_port();
    let env = Env::new(&format!(
        "[daemon]\nlisten = \"127.0.0.1:{port}\"\n\n[[watch]]\nname = \"acme\"\nterms = [\"Acme Telecom\"]\n\n\
         [[source]]\nname = \"ok\"\nkind = \"feed\"\nurl = \"{}\"\ninterval = \"1s\"\n",
        server.url("/ok.rss")
    ));
    let mut child = start_daemon(&env, &[]);
    let client = reqwest::Client::new();
    let get = |path: &'static str| {
        let client = client.clone();
        async move {
            let r = client
                .get(format!("http://127.0.0.1:{port}{path}"))
                .send()
                .await
                .ok()?;
            Some((r.status().as_u16(), r.text().await.ok()?))
        }
    };
    let metrics = wait_for("metrics to show the mention", 15, async || {
        match get("/metrics").await {
            Some((200, body)) if body.contains("earshot_mentions_total 1") => Some(body),
            _ => None,
        }
    })
    .await;
    assert!(
        metrics.contains("earshot_polls_total{outcome=\"ok\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("earshot_poll_duration_seconds_count"),
        "{metrics}"
    );
    assert!(metrics.contains("earshot_sources 1"), "{metrics}");
    assert_eq!(get("/healthz").await, Some((200, "ok\n".to_string())));
    assert_eq!(get("/nope").await.map(|r| r.0), Some(404));
    terminate(&mut child);

    // A listen address off loopback is refused at load.
    let bad = Env::new("[daemon]\nlisten = \"0.0.0.0:9187\"\n");
    let out = bad.run(&["check"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not loopback"));
}

//! The daemon as a service: SIGHUP reloads (and refuses a broken file),
//! systemd's notify socket hears READY, STATUS, WATCHDOG and STOPPING, and
//! SIGTERM exits 0 promptly with the outbox intact.

use std::os::unix::net::UnixDatagram;
use std::time::{Duration, Instant};

use crate::support::{
    email_notifier, feed_source, free_port, rss, settle, signal, start_daemon, stop_within_10s,
    wait_for, wait_until, webhook_notifier, Env, Route, Server, ACME,
};

fn config(feed: &str, watches: &str) -> String {
    format!(
        "{watches}\n{}interval = \"1s\"\n",
        feed_source("nieuws", feed)
    )
}

const HEMA: &str = "[[watch]]\nname = \"hema\"\nterms = [\"HEMA\"]\n";

/// The watches of the stored mentions, read through a config of its own (the
/// daemon's file may be broken on purpose).
async fn watches_found(env: &Env) -> Vec<String> {
    let reader = env.dir.path().join("reader.toml");
    std::fs::write(
        &reader,
        format!(
            "[storage]\ndatabase = {:?}\n",
            env.db_path().display().to_string()
        ),
    )
    .unwrap();
    let out = tokio::task::spawn_blocking(move || {
        assert_cmd::Command::cargo_bin("earshot")
            .unwrap()
            .arg("--config")
            .arg(reader)
            .args(["mentions", "--format", "json", "--limit", "0"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mentions: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut w: Vec<String> = mentions
        .iter()
        .map(|m| m["watch"].as_str().unwrap_or("").to_string())
        .collect();
    w.sort();
    w
}

/// The watches found once they are `expected` (or after 20 s).
async fn watches_settled(env: &Env, expected: &[&str]) -> Vec<String> {
    settle(20, async || watches_found(env).await, |got| got == expected).await
}

#[tokio::test(flavor = "multi_thread")]
async fn sighup_adds_a_watch_and_refuses_a_broken_file() {
    let server = Server::start().await;
    server.route(
        "/nieuws.rss",
        Route::ok(
            "application/rss+xml",
            rss(&[("1", "Acme Telecom storing"), ("2", "HEMA rookworst actie")]),
        )
        .with_etag("\"v1\""),
    );
    let env = Env::new(&config(&server.url("/nieuws.rss"), ACME));
    let child = start_daemon(&env, &[]);
    assert_eq!(watches_settled(&env, &["acme"]).await, ["acme"]);

    // An added watch: the reload re-reads the feed in full (despite its ETag)
    // and finds the item that was seen before but matched nothing then.
    std::fs::write(
        env.config_path(),
        config(&server.url("/nieuws.rss"), &format!("{ACME}\n{HEMA}")),
    )
    .unwrap();
    signal(&child, libc::SIGHUP);
    assert_eq!(
        watches_settled(&env, &["acme", "hema"]).await,
        ["acme", "hema"]
    );

    // A broken file is rejected; the daemon keeps running the old config.
    std::fs::write(
        env.config_path(),
        "[[watch]]\nname = \"broken\"\nterms = [\n",
    )
    .unwrap();
    signal(&child, libc::SIGHUP);
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.route(
        "/nieuws.rss",
        Route::ok(
            "application/rss+xml",
            rss(&[
                ("3", "Weer Acme Telecom storing"),
                ("1", "Acme Telecom storing"),
                ("2", "HEMA rookworst actie"),
            ]),
        )
        .with_etag("\"v2\""),
    );
    assert_eq!(
        watches_settled(&env, &["acme", "acme", "hema"]).await,
        ["acme", "acme", "hema"]
    );
    stop_within_10s(child).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn systemd_hears_ready_status_watchdog_and_stopping() {
    let server = Server::start().await;
    server.route(
        "/nieuws.rss",
        Route::ok("application/rss+xml", rss(&[("1", "Acme Telecom storing")])),
    );
    let env = Env::new(&config(&server.url("/nieuws.rss"), ACME));
    let sock_path = env.dir.path().join("notify.sock");
    let sock = UnixDatagram::bind(&sock_path).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let child = start_daemon(
        &env,
        &[
            ("NOTIFY_SOCKET", sock_path.display().to_string()),
            // Pings every 100 ms.
            ("WATCHDOG_USEC", "200000".into()),
        ],
    );
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    let deadline = Instant::now() + Duration::from_secs(10);
    while !(seen.iter().any(|m: &String| m.contains("READY=1"))
        && seen.iter().filter(|m| m.contains("WATCHDOG=1")).count() >= 2)
    {
        assert!(Instant::now() < deadline, "got only {seen:?}");
        let n = sock.recv(&mut buf).expect("a notification");
        seen.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    let ready = seen.iter().find(|m| m.contains("READY=1")).unwrap();
    assert!(
        ready.contains("STATUS=polling 1 sources, 0 failing"),
        "{ready}"
    );

    signal(&child, libc::SIGTERM);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        assert!(Instant::now() < deadline, "no STOPPING=1");
        let n = sock.recv(&mut buf).expect("a notification");
        if String::from_utf8_lossy(&buf[..n]).contains("STOPPING=1") {
            break;
        }
    }
    stop_within_10s(child).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_source_raises_one_alert_and_one_when_it_recovers() {
    let server = Server::start().await;
    server.route("/nieuws.rss", Route::status(503, "down"));
    server.route("/hook", Route::status(200, "ok"));
    let env = Env::new(&format!(
        "[daemon]\nsource_alert_after = 2\nsource_alerts = [\"ops\"]\n\n{ACME}\n\
         {}interval = \"1s\"\n\n{}",
        feed_source("nieuws", &server.url("/nieuws.rss")),
        webhook_notifier("ops", &server.url("/hook"))
    ));
    // A short max_backoff keeps the failing source polled about every second.
    let cfg = std::fs::read_to_string(env.config_path()).unwrap();
    std::fs::write(
        env.config_path(),
        format!("[schedule]\nmax_backoff = \"1s\"\n\n{cfg}"),
    )
    .unwrap();
    let child = start_daemon(&env, &[]);
    let titles = |server: &Server| -> Vec<String> {
        server
            .requests_to("/hook")
            .iter()
            .filter_map(|r| serde_json::from_slice::<serde_json::Value>(&r.body).ok())
            .map(|b| b["mentions"][0]["title"].as_str().unwrap_or("").to_string())
            .collect()
    };
    wait_until("the failing alert", 20, async || {
        !titles(&server).is_empty()
    })
    .await;
    assert_eq!(
        titles(&server),
        ["Source nieuws is failing (2 times in a row)"]
    );
    // More failures raise nothing new.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(titles(&server).len(), 1);

    server.route(
        "/nieuws.rss",
        Route::ok("application/rss+xml", rss(&[("1", "Acme Telecom")])),
    );
    wait_until("the recovery alert", 20, async || {
        titles(&server).len() >= 2
    })
    .await;
    assert_eq!(titles(&server)[1], "Source nieuws has recovered");
    stop_within_10s(child).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_with_alerts_pending_exits_0_and_keeps_the_outbox() {
    let server = Server::start().await;
    server.route(
        "/nieuws.rss",
        Route::ok("application/rss+xml", rss(&[("1", "Acme Telecom storing")])),
    );
    // Mail goes to a port nobody listens on: the delivery stays pending.
    let port = free_port();
    let env = Env::new(&format!(
        "{}\n{}\n[[route]]\nwatch = \"*\"\nnotify = [\"mail\"]\n",
        config(&server.url("/nieuws.rss"), ACME),
        email_notifier("mail", port, &["w@example.nl"], "e@example.nl")
    ));
    let child = start_daemon(&env, &[]);
    let pending = wait_for("a failed attempt recorded", 20, async || {
        let rows = env.deliveries("pending").await;
        rows.iter()
            .any(|r| r["attempts"].as_u64() >= Some(1))
            .then_some(rows)
    })
    .await;
    assert_eq!(pending.len(), 1);
    let started = Instant::now();
    stop_within_10s(child).await;
    assert!(started.elapsed() < Duration::from_secs(10));
    let after = env
        .ok(&["deliveries", "--status", "pending", "--format", "json"])
        .await;
    assert_eq!(
        after.lines().count(),
        1,
        "the alert is still in the outbox:\n{after}"
    );
}

/// Issue #11 §4: every spawned task is tracked. A source notice in flight
/// when SIGTERM comes is waited for (here until the silent receiver's
/// `send_timeout` runs out, which the daemon logs) instead of being dropped
/// with the runtime.
#[tokio::test(flavor = "multi_thread")]
async fn issue11_sigterm_waits_for_a_source_notice_in_flight() {
    let server = Server::start().await;
    server.route("/nieuws.rss", Route::status(503, "down"));
    server.route("/hook", Route::stall());
    let env = Env::new(&format!(
        "[daemon]\nsource_alert_after = 1\nsource_alerts = [\"ops\"]\n\n\
         [delivery]\nsend_timeout = \"1s\"\n\n{}\n\
         [[notifier]]\nname = \"ops\"\nkind = \"webhook\"\nurl = \"{}\"\n",
        config(&server.url("/nieuws.rss"), ACME),
        server.url("/hook")
    ));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_earshot"))
        .arg("--config")
        .arg(env.config_path())
        .arg("run")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start earshot run");
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.requests_to("/hook").is_empty() {
        assert!(Instant::now() < deadline, "no source notice was sent");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    signal(&child, libc::SIGTERM);
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "no exit within 10 s of SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("piped stderr"), &mut stderr)
        .expect("read stderr");
    assert!(status.success(), "exit status {status:?}\n{stderr}");
    assert!(
        stderr.contains("source alert failed"),
        "shutdown did not wait for the notice in flight:\n{stderr}"
    );
}

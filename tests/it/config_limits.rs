//! Issue #10 §4 and §6: every duration, size and count has a range that
//! `check` enforces, naming the key and its place; the extremes it accepts
//! neither crash `poll` or `run` nor delete what was found; a file that is not
//! UTF-8 is refused at its first bad byte; and `check` describes notifiers as
//! a person would write them, without secrets.

use std::io::Read;

use crate::support::{rss, settle, signal, spawn_daemon, Env, Route, Server};

/// One value per config section; empty strings leave the defaults.
#[derive(Clone, Copy, Default)]
struct Keys<'a> {
    storage: &'a str,
    http: &'a str,
    schedule: &'a str,
    daemon: &'a str,
    delivery: &'a str,
    /// The feed source (its own `interval`).
    feed: &'a str,
    /// The Hacker News source (`max_pages`; its interval is the default).
    hn: &'a str,
    /// The json source's `[source.fields]`.
    fields: &'a str,
    route: &'a str,
}

/// A watch list with a section for every kind of limit; every URL points at
/// `base` (a loopback server, or nothing when only `check` runs).
fn config(base: &str, k: Keys<'_>) -> String {
    let feed_interval = if k.feed.is_empty() {
        "interval = \"1s\""
    } else {
        k.feed
    };
    format!(
        "[storage]\n{storage}\n\n[http]\n{http}\n\n[schedule]\n{schedule}\n\n\
         [daemon]\nsource_alerts = [\"hook\"]\n{daemon}\n\n[delivery]\n{delivery}\n\n\
         [[watch]]\nname = \"acme\"\nterms = [\"Acme Telecom\"]\n\n\
         [[source]]\nname = \"feed\"\nkind = \"feed\"\nurl = \"{base}/feed.rss\"\n{feed_interval}\n\n\
         [[source]]\nname = \"hn\"\nkind = \"hackernews\"\nquery = \"acme\"\nbase_url = \"{base}/hn\"\n{hn}\n\n\
         [[source]]\nname = \"api\"\nkind = \"json\"\nurl = \"{base}/api.json\"\nitems = \"/items\"\n\
         [source.fields]\ntitle = \"/title\"\n{fields}\n\n\
         [[notifier]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"{base}/hook\"\n\n\
         [[route]]\nwatch = \"acme\"\nnotify = [\"hook\"]\n{route}\n",
        storage = k.storage,
        http = k.http,
        schedule = k.schedule,
        daemon = k.daemon,
        delivery = k.delivery,
        hn = k.hn,
        fields = k.fields,
        route = k.route,
    )
}

/// Each key's value at the ends of its range (accepted) and just beyond
/// them (refused): `(key, section setter, min, max, below, above)`.
type Case = (
    &'static str,
    fn(&'static str) -> Keys<'static>,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const CASES: &[Case] = &[
    (
        "retention",
        |v| Keys {
            storage: v,
            ..Keys::default()
        },
        "retention = \"1d\"",
        "retention = \"36500d\"",
        "retention = \"23h59m59s\"",
        "retention = \"36501d\"",
    ),
    (
        "timeout",
        |v| Keys {
            http: v,
            ..Keys::default()
        },
        "timeout = \"1s\"",
        "timeout = \"1h\"",
        "timeout = \"999ms\"",
        "timeout = \"1h1s\"",
    ),
    (
        "connect_timeout",
        |v| Keys {
            http: v,
            ..Keys::default()
        },
        "connect_timeout = \"1s\"",
        "connect_timeout = \"10m\"",
        "connect_timeout = \"0s\"",
        "connect_timeout = \"10m1s\"",
    ),
    (
        "max_body",
        |v| Keys {
            http: v,
            ..Keys::default()
        },
        "max_body = \"1KiB\"",
        "max_body = \"1GiB\"",
        "max_body = 1023",
        "max_body = 1073741825",
    ),
    (
        "max_redirects",
        |v| Keys {
            http: v,
            ..Keys::default()
        },
        "max_redirects = 0",
        "max_redirects = 20",
        "max_redirects = -1",
        "max_redirects = 21",
    ),
    (
        "max_concurrent",
        |v| Keys {
            http: v,
            ..Keys::default()
        },
        "max_concurrent = 1",
        "max_concurrent = 1024",
        "max_concurrent = 0",
        "max_concurrent = 9223372036854775807",
    ),
    (
        "per_host",
        |v| Keys {
            http: v,
            ..Keys::default()
        },
        "per_host = 1",
        "per_host = 64",
        "per_host = 0",
        "per_host = 9223372036854775807",
    ),
    (
        "default_interval",
        |v| Keys {
            schedule: v,
            ..Keys::default()
        },
        "default_interval = \"1s\"",
        "default_interval = \"30d\"",
        "default_interval = \"999ms\"",
        "default_interval = \"18446744073709551615s\"",
    ),
    (
        "interval",
        |v| Keys {
            feed: v,
            ..Keys::default()
        },
        "interval = \"1s\"",
        "interval = \"30d\"",
        "interval = \"0s\"",
        "interval = \"30d1s\"",
    ),
    (
        "max_backoff",
        |v| Keys {
            schedule: v,
            ..Keys::default()
        },
        "max_backoff = \"1s\"",
        "max_backoff = \"7d\"",
        "max_backoff = \"0s\"",
        "max_backoff = \"7d1s\"",
    ),
    (
        "jitter",
        |v| Keys {
            schedule: v,
            ..Keys::default()
        },
        "jitter = 0.0",
        "jitter = 0.5",
        "jitter = -0.1",
        "jitter = 0.51",
    ),
    (
        "max_pages",
        |v| Keys {
            hn: v,
            ..Keys::default()
        },
        "max_pages = 1",
        "max_pages = 10",
        "max_pages = 0",
        "max_pages = 11",
    ),
    (
        "rating_best",
        |v| Keys {
            fields: v,
            ..Keys::default()
        },
        "rating_best = 2.0",
        "rating_best = 1000000.0",
        "rating_best = nan",
        "rating_best = 1000000.5",
    ),
    (
        "source_alert_after",
        |v| Keys {
            daemon: v,
            ..Keys::default()
        },
        "source_alert_after = 1",
        "source_alert_after = 10000",
        "source_alert_after = 0",
        "source_alert_after = 10001",
    ),
    (
        "retry_for",
        |v| Keys {
            delivery: v,
            ..Keys::default()
        },
        "retry_for = \"1s\"",
        "retry_for = \"365d\"",
        "retry_for = \"0s\"",
        "retry_for = \"100000000d\"",
    ),
    (
        "max_backoff",
        |v| Keys {
            delivery: v,
            ..Keys::default()
        },
        "max_backoff = \"1s\"",
        "max_backoff = \"7d\"",
        "max_backoff = \"0s\"",
        "max_backoff = \"7d1s\"",
    ),
    (
        "send_timeout",
        |v| Keys {
            delivery: v,
            ..Keys::default()
        },
        "send_timeout = \"1s\"",
        "send_timeout = \"10m\"",
        "send_timeout = \"0s\"",
        "send_timeout = \"10m1s\"",
    ),
    (
        "max_per_hour",
        |v| Keys {
            route: v,
            ..Keys::default()
        },
        "max_per_hour = 1",
        "max_per_hour = 10000",
        "max_per_hour = 0",
        "max_per_hour = 10001",
    ),
    (
        "negatives",
        |v| Keys {
            route: v,
            ..Keys::default()
        },
        "spike = { negatives = 2, within = \"30m\" }",
        "spike = { negatives = 10000, within = \"30m\" }",
        "spike = { negatives = 1, within = \"30m\" }",
        "spike = { negatives = 10001, within = \"30m\" }",
    ),
    (
        "within",
        |v| Keys {
            route: v,
            ..Keys::default()
        },
        "spike = { negatives = 10, within = \"1m\" }",
        "spike = { negatives = 10, within = \"24h\" }",
        "spike = { negatives = 10, within = \"59s\" }",
        "spike = { negatives = 10, within = \"24h1s\" }",
    ),
];

/// `earshot check` on `text`: its exit code and stderr.
async fn check(text: String) -> (Option<i32>, String) {
    let out = Env::new(&text).run(&["check"]).await;
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn issue10_each_range_end_passes_check_and_one_step_beyond_is_refused() {
    let base = "http://127.0.0.1:9";
    let mut runs = tokio::task::JoinSet::new();
    for &(key, keys, min, max, below, above) in CASES {
        for (value, accepted) in [(min, true), (max, true), (below, false), (above, false)] {
            let text = config(base, keys(value));
            runs.spawn(async move {
                let line = text
                    .lines()
                    .position(|l| l == value)
                    .map(|i| i + 1)
                    .expect("the value is in the config");
                let (code, stderr) = check(text).await;
                (key, value, accepted, line, code, stderr)
            });
        }
    }
    while let Some(run) = runs.join_next().await {
        let (key, value, accepted, line, code, stderr) = run.expect("join");
        if accepted {
            assert_eq!(code, Some(0), "`{value}` must pass check: {stderr}");
        } else {
            assert_eq!(code, Some(2), "`{value}` must be refused: {stderr}");
            assert!(
                stderr.contains(&format!("earshot.toml:{line}:"))
                    && stderr.contains(&format!("key `{key}`: must be between")),
                "`{value}`: {stderr}"
            );
        }
    }
}

#[tokio::test]
async fn issue10_durations_too_long_to_hold_are_refused_not_crashed_on() {
    for value in [
        "default_interval = \"18446744073709551615s1s\"",
        "default_interval = \"99999999999999999999999s\"",
        "default_interval = \"18446744073709551615w\"",
    ] {
        let text = config(
            "http://127.0.0.1:9",
            Keys {
                schedule: value,
                ..Keys::default()
            },
        );
        let line = text.lines().position(|l| l == value).map(|i| i + 1);
        let (code, stderr) = check(text).await;
        assert_eq!(code, Some(2), "`{value}`: {stderr}");
        assert!(
            stderr.contains(&format!("earshot.toml:{}:", line.unwrap_or(0)))
                && stderr.contains("key `default_interval`: invalid duration")
                && stderr.contains("far too long"),
            "`{value}`: {stderr}"
        );
    }
}

/// The settings every extreme case of the poll-and-run test combines.
fn at_maximum() -> Keys<'static> {
    Keys {
        storage: "retention = \"36500d\"",
        http: "timeout = \"1h\"\nconnect_timeout = \"10m\"\nmax_body = \"1GiB\"\nmax_redirects = 20\nmax_concurrent = 1024\nper_host = 64",
        schedule: "default_interval = \"30d\"\nmax_backoff = \"7d\"\njitter = 0.5",
        daemon: "source_alert_after = 10000",
        delivery: "retry_for = \"365d\"\nmax_backoff = \"7d\"",
        feed: "interval = \"1s\"",
        hn: "max_pages = 10",
        fields: "rating_worst = -1000000.0\nrating_best = 1000000.0",
        route: "max_per_hour = 10000",
    }
}

fn at_minimum() -> Keys<'static> {
    Keys {
        storage: "retention = \"1d\"",
        http: "timeout = \"1s\"\nconnect_timeout = \"1s\"\nmax_body = \"1KiB\"\nmax_redirects = 0\nmax_concurrent = 1\nper_host = 1",
        schedule: "default_interval = \"1s\"\nmax_backoff = \"1s\"\njitter = 0.0",
        daemon: "source_alert_after = 1",
        delivery: "retry_for = \"1s\"\nmax_backoff = \"1s\"",
        feed: "interval = \"1s\"",
        hn: "max_pages = 1",
        fields: "rating_worst = 0.5\nrating_best = 1.0",
        route: "max_per_hour = 1",
    }
}

/// Rows of `sql` (a single integer) in the env's database, 0 when unreadable.
fn count(env: &Env, sql: &str) -> i64 {
    rusqlite::Connection::open(env.db_path())
        .and_then(|db| db.query_row(sql, [], |r| r.get(0)))
        .unwrap_or(0)
}

/// `check`, `poll`, then `run` until it has re-polled (when the feed's
/// interval is 1s), tried the webhook and done its upkeep; SIGTERM. Nothing
/// may panic, and the mention `poll` found must still be there.
async fn poll_and_run(name: &str, keys: Keys<'static>, repolls: bool) {
    let server = Server::start().await;
    server.route(
        "/feed.rss",
        Route::ok(
            "application/rss+xml",
            rss(&[("1", "Acme Telecom storing in Utrecht")]),
        ),
    );
    server.route("/hook", Route::status(500, "down"));
    let env = Env::new(&config(&server.url(""), keys));
    let out = env.ok(&["check"]).await;
    assert!(out.contains("config OK"), "{name}: {out}");
    let out = env.ok(&["poll"]).await;
    assert!(
        out.contains("feed: 1 items, 1 new mentions"),
        "{name}: {out}"
    );
    assert_eq!(env.mentions_json(&[]).await.len(), 1, "{name}");

    let log = env.dir.path().join("run.log");
    let mut child = spawn_daemon(&env, &[], std::fs::File::create(&log).expect("log file"));
    let feed_polls = server.requests_to("/feed.rss").len();
    // Some(true) once it beat, tried and re-polled; Some(false) if it exited.
    let outcome = settle(
        10,
        async || {
            let beat = count(&env, "SELECT COUNT(*) FROM daemon WHERE stopped_at IS NULL") > 0;
            let tried = count(&env, "SELECT COALESCE(MAX(attempts), 0) FROM deliveries") > 0;
            let polled = !repolls || server.requests_to("/feed.rss").len() > feed_polls;
            if beat && tried && polled {
                Some(true)
            } else if child.try_wait().ok().flatten().is_some() {
                Some(false)
            } else {
                None
            }
        },
        Option::is_some,
    )
    .await;
    let done = outcome == Some(true);
    signal(&child, libc::SIGTERM);
    let status = child.wait().expect("wait");
    let mut stderr = String::new();
    std::fs::File::open(&log)
        .and_then(|mut f| f.read_to_string(&mut stderr))
        .expect("read log");
    assert!(
        done,
        "{name}: the daemon did not beat, try the webhook and re-poll within 10 s:\n{stderr}"
    );
    assert!(
        status.success(),
        "{name}: `run` exited {status:?}:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{name}:\n{stderr}");
    assert_eq!(
        env.mentions_json(&[]).await.len(),
        1,
        "{name}: retention deleted the mention found just now"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn issue10_accepted_extremes_poll_and_run_without_panic_or_lost_mentions() {
    let longest = Keys {
        feed: "interval = \"30d\"",
        ..at_maximum()
    };
    tokio::join!(
        poll_and_run("every key at its maximum", at_maximum(), true),
        poll_and_run("every key at its minimum", at_minimum(), true),
        poll_and_run("the longest interval", longest, false),
    );
}

#[tokio::test]
async fn issue10_invalid_utf8_is_refused_at_its_line_and_column() {
    let env = Env::new("");
    std::fs::write(
        env.config_path(),
        b"[[watch]]\nname = \"caf\xe9\"\nterms = [\"cafe\"]\n",
    )
    .expect("write config");
    let out = env.run(&["check"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("earshot.toml:2:12: key `name`: invalid UTF-8 (byte 0xE9)"),
        "{stderr}"
    );
}

#[tokio::test]
async fn issue10_check_describes_notifiers_as_written_without_secrets() {
    let env = Env::new("");
    std::fs::write(env.dir.path().join("smtp.pass"), "hunter2-smtp\n").expect("secret");
    std::fs::write(env.dir.path().join("hook.key"), "hmac-key-secret\n").expect("secret");
    std::fs::write(
        env.config_path(),
        "[[notifier]]\nname = \"team\"\nkind = \"email\"\nto = [\"team@x.nl\", \"y@x.nl\"]\n\
         from = \"earshot <earshot@x.nl>\"\nsmtp = \"smtp://mail.example.nl:587\"\n\
         username = \"earshot\"\npassword_file = \"smtp.pass\"\n\n\
         [[notifier]]\nname = \"tls\"\nkind = \"email\"\nto = [\"a@x.nl\"]\nfrom = \"b@x.nl\"\n\
         smtp = \"smtps://mail.example.nl\"\n\n\
         [[notifier]]\nname = \"relay\"\nkind = \"email\"\nto = [\"a@x.nl\"]\nfrom = \"b@x.nl\"\n\
         smtp = \"smtp://127.0.0.1:2525\"\n\n\
         [[notifier]]\nname = \"local\"\nkind = \"email\"\nto = [\"a@x.nl\"]\nfrom = \"b@x.nl\"\n\
         smtp = \"sendmail\"\n\n\
         [[notifier]]\nname = \"chat\"\nkind = \"webhook\"\nformat = \"slack\"\n\
         url = \"https://hooks.slack.com/services/T0SECRET/B0SECRET/XXSECRETXX\"\n\n\
         [[notifier]]\nname = \"hook\"\nkind = \"webhook\"\n\
         url = \"https://user:pw-secret@example.nl:8443/token-secret?key=query-secret#frag-secret\"\n\
         secret_file = \"hook.key\"\n",
    )
    .expect("write config");
    let out = env.ok(&["check"]).await;
    for line in [
        "  team: email via smtp://mail.example.nl:587 (STARTTLS) as earshot → team@x.nl, y@x.nl",
        "  tls: email via smtps://mail.example.nl:465 (TLS) → a@x.nl",
        "  relay: email via smtp://127.0.0.1:2525 (plain, loopback relay) → a@x.nl",
        "  local: email via the local sendmail → a@x.nl",
        "  chat: webhook slack https://hooks.slack.com/services/…",
        "  hook: webhook generic https://example.nl:8443/… (signed)",
    ] {
        assert!(
            out.lines().any(|l| l == line),
            "no line {line:?} in:\n{out}"
        );
    }
    assert!(!out.contains('{') && !out.contains("Smtp"), "{out}");
    assert!(
        !out.contains("secret") && !out.contains("hunter2"),
        "a secret shows:\n{out}"
    );
}

#[tokio::test]
async fn issue10_since_too_far_back_is_a_usage_error_not_a_crash() {
    let env = Env::new("");
    env.ok(&["poll"]).await;
    for args in [
        &["mentions", "--since", "100000000d"][..],
        &["export", "--since", "100000000d"][..],
    ] {
        let out = env.run(args).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("--since \"100000000d\" reaches too far back"),
            "{args:?}: {stderr}"
        );
    }
}

//! Issue #12 "Bursts": a burst of negative mentions of one watch is one spike
//! alert, the rest of its window folds into it (and into the next digest),
//! and `max_per_hour` counts per watch, with one notice when it holds back.
//! The real binary polls a loopback feed and sends to the real SMTP sink and
//! a loopback webhook; digests go through the library's dispatcher with its
//! clock moved on, and the spike window is moved on by moving what earshot
//! found back in time (every stored found time, and the spike's window).

use mail_parser::{Message, MessageParser};

use crate::support::{
    email_notifier, feed_source, fixture, free_port, rss, signal, start_daemon, terminate,
    wait_until, webhook_notifier, Env, Route, Server, SmtpSink, ACME,
};

/// The `webcare` notifier: mail to the SMTP sink on `port`.
fn webcare(port: u16) -> String {
    email_notifier(
        "webcare",
        port,
        &["webcare@example.nl"],
        "earshot <earshot@example.nl>",
    )
}

/// An instant route for acme's negatives to `notify`, with `spike`.
fn spike_route(notify: &str, spike: &str) -> String {
    format!(
        "[[route]]\nname = \"outage\"\nwatch = \"acme\"\nnotify = [{notify}]\nsentiment = [\"negative\"]\n\
         mode = \"instant\"\nspike = {spike}\n"
    )
}

/// An RSS feed of `(guid, title)` items (see [`rss`]).
fn rss_of(items: Vec<(String, String)>) -> String {
    let refs: Vec<(&str, &str)> = items
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    rss(&refs)
}

fn parse(raw: &[u8]) -> Message<'_> {
    MessageParser::default().parse(raw).expect("parse email")
}

/// Subject and plain text of each message the sink accepted.
fn mails(sink: &SmtpSink) -> Vec<(String, String)> {
    sink.messages()
        .iter()
        .map(|raw| {
            let m = parse(raw);
            (
                m.subject().unwrap_or_default().to_string(),
                m.body_text(0).unwrap_or_default().replace("\r\n", "\n"),
            )
        })
        .collect()
}

fn spikes_in(mails: &[(String, String)]) -> Vec<&(String, String)> {
    mails.iter().filter(|(s, _)| s.contains("spike")).collect()
}

/// Runs one dispatcher pass with the clock `hours` on (digests fall due).
async fn pass_at(env: &Env, hours: i64) -> earshot::notify::dispatcher::PassReport {
    let config = earshot::config::Config::load(&env.config_path()).expect("config");
    let dispatcher = earshot::notify::dispatcher::Dispatcher::new(&config).expect("dispatcher");
    dispatcher
        .pass(chrono::Utc::now() + chrono::Duration::hours(hours))
        .await
        .expect("pass")
}

/// `deliveries --format json` for one notifier, oldest first.
async fn deliveries_to(env: &Env, notifier: &str) -> Vec<serde_json::Value> {
    let mut rows = env
        .json_lines(&["deliveries", "--format", "json", "--limit", "0"])
        .await;
    rows.retain(|r| r["notifier"] == notifier);
    rows.reverse();
    rows
}

fn count(rows: &[serde_json::Value], mode: &str, status: &str) -> usize {
    rows.iter()
        .filter(|r| r["mode"] == mode && r["status"] == status)
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn issue12_a_burst_of_negatives_is_one_spike_alert_and_the_rest_fold() {
    let server = Server::start().await;
    server.route(
        "/outage.rss",
        Route::ok("application/rss+xml", fixture("feeds/outage-burst.rss")),
    );
    server.route("/hook", Route::status(200, "ok"));
    let port = free_port();
    let config = format!(
        "{ACME}\n{}\n{}\n{}format = \"generic\"\n\n{}",
        feed_source("forum", &server.url("/outage.rss")),
        webcare(port),
        webhook_notifier("chat", &server.url("/hook")),
        spike_route(
            "\"webcare\", \"chat\"",
            "{ negatives = 5, within = \"30m\" }"
        ),
    );
    let env = Env::new(&config);
    let sink = SmtpSink::start(port, &env.dir.path().join("mail"));

    let out = env.ok(&["poll"]).await;
    assert!(out.contains("12 new mentions"), "{out}");
    assert_eq!(
        env.mentions_json(&["--sentiment", "negative"]).await.len(),
        12,
        "the fixture's twelve mentions are all negative"
    );

    // Four alerts before the threshold, then one spike alert: five emails.
    let sent = mails(&sink);
    assert_eq!(
        sent.len(),
        5,
        "{:#?}",
        sent.iter().map(|m| &m.0).collect::<Vec<_>>()
    );
    let spikes = spikes_in(&sent);
    assert_eq!(spikes.len(), 1, "exactly one spike alert");
    let (subject, text) = spikes[0];
    assert_eq!(
        subject,
        "[earshot] spike · acme · 12 negative mentions in 30 min"
    );
    for part in [
        "Spike: 12 negative mentions of acme in 30 min",
        "5 negative mentions within 30 min make a spike on route outage.",
        "4 alerts went out on their own before that; 8 are folded into this alert",
        "Top sources:",
        "forum 12",
        "- Acme Telecom storing: al uren geen internet, waardeloos\n  https://forum.example.nl/t/acme-storing/1001\n",
        "- Acme Telecom reageert niet op storing\n",
        "earshot mentions list --watch acme --sentiment negative --since ",
    ] {
        assert!(text.contains(part), "spike alert lacks {part:?}:\n{text}");
    }
    // Only the first five are shown.
    assert!(!text.contains("Geen tv en geen internet"), "{text}");
    // The pointer lists every one of them.
    let command = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("earshot "))
        .expect("the list command");
    let mut args: Vec<&str> = command.split_whitespace().collect();
    args.extend(["--format", "json", "--limit", "0"]);
    assert_eq!(env.json_lines(&args).await.len(), 12, "{command}");

    // The webhook: one batch of the four alerts, one spike body.
    let posts = server.requests_to("/hook");
    assert_eq!(posts.len(), 2, "{posts:?}");
    let bodies: Vec<serde_json::Value> = posts
        .iter()
        .map(|p| serde_json::from_slice(&p.body).expect("json"))
        .collect();
    let batch = bodies
        .iter()
        .find(|b| b["event"] == "mentions")
        .expect("batch");
    assert_eq!(batch["mentions"].as_array().map(Vec::len), Some(4));
    let spike = bodies
        .iter()
        .find(|b| b["event"] == "spike")
        .expect("spike body");
    assert_eq!(spike["spike"]["count"], 12);
    assert_eq!(spike["spike"]["folded"], 8);
    assert_eq!(spike["spike"]["sources"][0]["name"], "forum");

    // None lost: every mention has a delivery to each notifier, the folded
    // ones marked with the spike and waiting for the digest.
    for notifier in ["webcare", "chat"] {
        let rows = deliveries_to(&env, notifier).await;
        assert_eq!(rows.len(), 13, "{notifier}: {rows:#?}");
        assert_eq!(count(&rows, "instant", "sent"), 4, "{notifier}");
        assert_eq!(count(&rows, "spike", "sent"), 1, "{notifier}");
        assert_eq!(count(&rows, "folded", "pending"), 8, "{notifier}");
        let spike_id =
            rows.iter().find(|r| r["mode"] == "spike").expect("spike")["spike_id"].clone();
        assert!(
            rows.iter()
                .filter(|r| r["mode"] == "folded")
                .all(|r| r["folded_into"] == spike_id),
            "{rows:#?}"
        );
        let mut mentions: Vec<i64> = rows
            .iter()
            .filter(|r| r["mode"] != "spike")
            .filter_map(|r| r["mention_id"].as_i64())
            .collect();
        mentions.sort();
        mentions.dedup();
        assert_eq!(mentions.len(), 12, "{notifier}: a delivery per mention");
    }
    let table = env.ok(&["deliveries", "--status", "pending"]).await;
    assert!(table.contains("folded into spike #1"), "{table}");

    // The digest an hour on lists the folded ones under the spike's line.
    let r = pass_at(&env, 2).await;
    assert_eq!(r.sent, 16, "{r:?}");
    let sent = mails(&sink);
    assert_eq!(sent.len(), 6);
    let (subject, text) = &sent[5];
    assert!(subject.contains("digest · 8 mentions"), "{subject}");
    let top = text.lines().nth(2).unwrap_or_default();
    assert!(
        top.starts_with("Spike: 12 negative mentions of acme in 30 min, "),
        "the spike is the digest's top line:\n{text}"
    );
    assert!(text.contains("Acme Telecom storing duurt voort"), "{text}");
    let posts = server.requests_to("/hook");
    assert_eq!(posts.len(), 3, "the webhook's digest batch");
    assert!(env.deliveries("pending").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn issue12_spike_folding_with_a_moved_clock() {
    let server = Server::start().await;
    let burst = |from: usize, to: usize| {
        rss_of(
            (from..to)
                .map(|i| {
                    (
                        format!("b{i}"),
                        format!("Acme Telecom storing nummer {i}, waardeloos"),
                    )
                })
                .collect(),
        )
    };
    server.route("/outage.rss", Route::ok("application/rss+xml", burst(0, 4)));
    let port = free_port();
    let config = format!(
        "{ACME}\n{}\n{}\n{}",
        feed_source("forum", &server.url("/outage.rss")),
        webcare(port),
        spike_route("\"webcare\"", "{ negatives = 3, within = \"10m\" }"),
    );
    let env = Env::new(&config);
    let sink = SmtpSink::start(port, &env.dir.path().join("mail"));

    // A burst of four: two alerts, then the spike.
    env.ok(&["poll"]).await;
    let sent = mails(&sink);
    assert_eq!(sent.len(), 3);
    assert_eq!(spikes_in(&sent).len(), 1);

    // Two more inside the window fold into the same spike: no email.
    server.route("/outage.rss", Route::ok("application/rss+xml", burst(0, 6)));
    env.ok(&["poll"]).await;
    assert_eq!(mails(&sink).len(), 3, "later ones in the window fold");
    let rows = deliveries_to(&env, "webcare").await;
    assert_eq!(count(&rows, "folded", "pending"), 4, "{rows:#?}");
    assert!(rows
        .iter()
        .filter(|r| r["mode"] == "folded")
        .all(|r| r["folded_into"] == 1));

    // An hour passes: what was found so far was found an hour ago, and the
    // spike's window with it.
    let db = rusqlite::Connection::open(env.db_path()).expect("open db");
    db.execute_batch(
        "UPDATE mentions SET found_at = found_at - 3600;
         UPDATE items SET first_seen_at = first_seen_at - 3600;
         UPDATE spikes SET started_at = started_at - 3600, ends_at = ends_at - 3600;",
    )
    .expect("move the clock");
    drop(db);

    // The window has closed: a new burst is a new spike.
    server.route(
        "/outage.rss",
        Route::ok("application/rss+xml", burst(0, 10)),
    );
    env.ok(&["poll"]).await;
    let sent = mails(&sink);
    assert_eq!(sent.len(), 6, "two alerts and a second spike");
    let spikes = spikes_in(&sent);
    assert_eq!(spikes.len(), 2);
    assert!(spikes[0].1.contains("earshot spike #1"), "{}", spikes[0].1);
    assert!(spikes[1].1.contains("earshot spike #2"), "{}", spikes[1].1);
    assert!(
        spikes[1]
            .1
            .contains("Spike: 4 negative mentions of acme in 10 min"),
        "{}",
        spikes[1].1
    );

    // The digest shows both spikes on top and lists all six folded alerts.
    pass_at(&env, 2).await;
    let digests: Vec<(String, String)> = mails(&sink)
        .into_iter()
        .filter(|(s, _)| s.contains("digest"))
        .collect();
    assert!(!digests.is_empty());
    let all: String = digests.iter().map(|(_, t)| t.as_str()).collect();
    assert!(
        all.contains("Spike: 6 negative mentions of acme in 10 min"),
        "{all}"
    );
    assert!(
        all.contains("Spike: 4 negative mentions of acme in 10 min"),
        "{all}"
    );
    for i in [2, 3, 4, 5, 8, 9] {
        assert!(
            all.contains(&format!("Acme Telecom storing nummer {i},")),
            "folded mention {i} missing from the digest:\n{all}"
        );
    }
    assert!(env.deliveries("pending").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn issue12_max_per_hour_counts_per_watch_and_says_so_once() {
    let server = Server::start().await;
    let feed = |n: usize| {
        rss_of(
            (0..n)
                .flat_map(|i| {
                    [
                        (format!("a{i}"), format!("Acme Telecom bericht {i}")),
                        (format!("b{i}"), format!("Beta Bank bericht {i}")),
                    ]
                })
                .collect(),
        )
    };
    server.route("/news.rss", Route::ok("application/rss+xml", feed(4)));
    let port = free_port();
    let config = format!(
        "{ACME}\n[[watch]]\nname = \"beta\"\nterms = [\"Beta Bank\"]\n\n{}\n{}\n\
         [[route]]\nname = \"brands\"\nwatch = \"*\"\nnotify = [\"webcare\"]\nmode = \"instant\"\nmax_per_hour = 2\n",
        feed_source("news", &server.url("/news.rss")),
        webcare(port),
    );
    let env = Env::new(&config);
    let sink = SmtpSink::start(port, &env.dir.path().join("mail"));

    env.ok(&["poll"]).await;
    let sent = mails(&sink);
    let subjects: Vec<&str> = sent.iter().map(|(s, _)| s.as_str()).collect();
    let alerts = |watch: &str| {
        subjects
            .iter()
            .filter(|s| s.starts_with(&format!("[earshot] {watch} ")))
            .count()
    };
    assert_eq!(alerts("acme"), 2, "{subjects:#?}");
    assert_eq!(
        alerts("beta"),
        2,
        "a burst about acme holds nothing of beta back: {subjects:#?}"
    );
    for watch in ["acme", "beta"] {
        let notices: Vec<&(String, String)> = sent
            .iter()
            .filter(|(s, _)| s.ends_with(&format!("max_per_hour = 2 reached for watch {watch}")))
            .collect();
        assert_eq!(notices.len(), 1, "one notice for {watch}: {subjects:#?}");
        assert!(
            notices[0].1.starts_with(&format!(
                "max_per_hour = 2 reached for watch {watch}: further alerts this hour go into the next digest"
            )),
            "{}",
            notices[0].1
        );
    }
    assert_eq!(sent.len(), 6);
    let pending = env.deliveries("pending").await;
    assert_eq!(pending.len(), 4, "{pending:#?}");
    assert!(
        pending.iter().all(|r| r["mode"] == "digest"),
        "{pending:#?}"
    );

    // Within the hour, more of acme is held back without another notice.
    server.route("/news.rss", Route::ok("application/rss+xml", feed(5)));
    env.ok(&["poll"]).await;
    assert_eq!(mails(&sink).len(), 6, "no second notice within the hour");
    assert_eq!(env.deliveries("pending").await.len(), 6);

    pass_at(&env, 2).await;
    let sent = mails(&sink);
    assert_eq!(sent.len(), 7, "and one digest");
    assert!(sent[6].0.contains("digest · 6 mentions"), "{}", sent[6].0);
}

/// A daemon killed with `kill -9` while it sends a burst's alerts, restarted
/// after more of the burst was published: the spike is neither lost nor
/// doubled, and the later mentions fold into it.
#[tokio::test(flavor = "multi_thread")]
async fn issue12_kill_9_during_a_burst_neither_loses_nor_doubles_the_spike() {
    let server = Server::start().await;
    server.route(
        "/outage.rss",
        Route::ok("application/rss+xml", fixture("feeds/outage-burst.rss")),
    );
    let port = free_port();
    let config = format!(
        "{ACME}\n{}interval = \"1s\"\n\n{}\n{}",
        feed_source("forum", &server.url("/outage.rss")),
        webcare(port),
        spike_route("\"webcare\"", "{ negatives = 5, within = \"30m\" }"),
    );
    let env = Env::new(&config);
    // Each message takes 300 ms: the kill lands while some are in flight.
    let sink = SmtpSink::start_slow(port, &env.dir.path().join("mail"), 0.3);

    let mut first = start_daemon(&env, &[]);
    wait_until("the first alert", 20, async || !sink.messages().is_empty()).await;
    signal(&first, libc::SIGKILL);
    first.wait().expect("reap");
    server.route(
        "/outage.rss",
        Route::ok(
            "application/rss+xml",
            fixture("feeds/outage-burst-later.rss"),
        ),
    );

    let mut second = start_daemon(&env, &[]);
    let message_ids = || -> Vec<String> {
        sink.messages()
            .iter()
            .filter_map(|raw| parse(raw).message_id().map(str::to_string))
            .collect()
    };
    wait_until("all five messages and the later mentions", 20, async || {
        let mut ids = message_ids();
        ids.sort();
        ids.dedup();
        let rows = deliveries_to(&env, "webcare").await;
        ids.len() >= 5
            && count(&rows, "folded", "pending") == 11
            && count(&rows, "instant", "sent") == 4
            && count(&rows, "spike", "sent") == 1
    })
    .await;
    terminate(&mut second);

    let rows = deliveries_to(&env, "webcare").await;
    assert_eq!(
        rows.len(),
        16,
        "a delivery per mention and one spike: {rows:#?}"
    );
    assert_eq!(count(&rows, "spike", "sent"), 1, "{rows:#?}");
    assert_eq!(count(&rows, "instant", "sent"), 4, "{rows:#?}");
    let ids = message_ids();
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        5,
        "four alerts and one spike alert: {ids:?}"
    );
    // A repeat only where the kill fell between accepted and marked, with
    // the same Message-ID.
    assert!(ids.len() - distinct.len() <= 5, "{ids:?}");
    let spike_subjects: Vec<String> = sink
        .messages()
        .iter()
        .map(|raw| parse(raw))
        .filter(|m| m.subject().is_some_and(|s| s.contains("spike")))
        .filter_map(|m| m.message_id().map(str::to_string))
        .collect();
    let mut spike_ids = spike_subjects.clone();
    spike_ids.sort();
    spike_ids.dedup();
    assert_eq!(spike_ids.len(), 1, "one spike alert: {spike_subjects:?}");
}

#[tokio::test]
async fn issue12_spike_is_checked_and_shown_by_check() {
    let base = format!(
        "{ACME}\n{}\n",
        webhook_notifier("chat", "http://127.0.0.1:9/hook")
    );
    let route =
        |extra: &str| format!("{base}[[route]]\nwatch = \"acme\"\nnotify = [\"chat\"]\n{extra}");
    let ok = Env::new(&route(
        "max_per_hour = 5\nspike = { negatives = 10, within = \"30m\" }\n",
    ))
    .ok(&["check"])
    .await;
    assert!(
        ok.contains("(instant, at most 5/hour per watch, spike at 10 negative within 30m)"),
        "{ok}"
    );
    for (extra, says) in [
        (
            "mode = \"digest\"\ndigest = \"hourly\"\nspike = { negatives = 10, within = \"30m\" }\n",
            "route \"route-1\": `spike` folds instant alerts; it needs mode = \"instant\"",
        ),
        (
            "sentiment = [\"positive\"]\nspike = { negatives = 10, within = \"30m\" }\n",
            "`spike` counts negative mentions, but its `sentiment` leaves them out",
        ),
        (
            "spike = { negatives = 1, within = \"30m\" }\n",
            "key `negatives`: must be between 2 and 10000, got 1",
        ),
        (
            "spike = { negatives = 10, within = \"30m\", over = 3 }\n",
            "unknown field `over`",
        ),
    ] {
        let text = route(extra);
        let line = text.lines().position(|l| l.starts_with("spike")).map_or(0, |i| i + 1);
        let out = Env::new(&text).run(&["check"]).await;
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra}: {err}");
        assert!(
            err.contains(&format!("earshot.toml:{line}:")) && err.contains(says),
            "{extra}: {err}"
        );
    }
}

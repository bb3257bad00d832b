//! Alerts end to end: a real SMTP server (aiosmtpd) and a real HTTP receiver
//! on 127.0.0.1; the outbox survives outages and sends each alert once.

use hmac::{Hmac, Mac};
use mail_parser::{MessageParser, MimeHeaders};
use sha2::Sha256;

use crate::support::{
    email_notifier, feed_source, free_port, rss, signal, start_daemon, terminate, wait_until,
    webhook_notifier, Env, Route, Server, SmtpSink, ACME,
};

fn config(feed: &str, notifiers: &str, routes: &str) -> String {
    format!(
        "{ACME}\n{}\n{notifiers}\n{routes}\n",
        feed_source("reviews", feed)
    )
}

/// The `webcare` notifier: mail to two addresses, one with a display name.
fn webcare(port: u16) -> String {
    email_notifier(
        "webcare",
        port,
        &["webcare@example.nl", "Team Lead <lead@example.nl>"],
        "earshot <earshot@example.nl>",
    )
}

const INSTANT: &str = "[[route]]\nwatch = \"acme\"\nnotify = [\"webcare\"]\nmode = \"instant\"\n";

#[tokio::test(flavor = "multi_thread")]
async fn instant_email_arrives_once_escaped_with_a_stable_message_id() {
    let server = Server::start().await;
    // Escaped twice: after XML and HTML decoding the title *reads* "<script>…".
    let hostile =
        "Acme Telecom &amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt; storing\r\nBcc: victim@evil.example";
    server.route(
        "/reviews.rss",
        Route::ok(
            "application/rss+xml",
            rss(&[("r1", hostile), ("r2", "Weerbericht")]),
        ),
    );
    let port = free_port();
    let env = Env::new(&config(
        &server.url("/reviews.rss"),
        &webcare(port),
        INSTANT,
    ));
    let sink = SmtpSink::start(port, &env.dir.path().join("mail"));

    let out = env.ok(&["poll"]).await;
    assert!(out.contains("1 new mentions"), "{out}");
    let msgs = sink.messages();
    assert_eq!(msgs.len(), 1, "exactly one alert");
    let env0 = sink.envelope(1);
    let mut rcpt: Vec<&str> = env0["to"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    rcpt.sort();
    assert_eq!(
        rcpt,
        ["lead@example.nl", "webcare@example.nl"],
        "no Bcc smuggled in"
    );

    let raw = String::from_utf8_lossy(&msgs[0]).to_string();
    let headers = raw.split("\r\n\r\n").next().unwrap_or("");
    assert!(
        !headers.to_ascii_lowercase().contains("\nbcc:"),
        "header injection:\n{headers}"
    );
    let m = MessageParser::default()
        .parse(&msgs[0])
        .expect("parse email");
    let subject = m.subject().unwrap_or_default();
    assert!(
        subject.contains("acme") && subject.contains("<script>"),
        "{subject}"
    );
    assert!(!subject.contains('\n') && !subject.contains('\r'));
    assert_eq!(m.message_id(), Some("earshot.d1@example.nl"));
    assert_eq!(
        m.header_raw("X-Earshot-Delivery").map(str::trim),
        Some("d1")
    );
    assert_eq!(m.text_body_count(), 1, "a plain-text part");
    assert_eq!(m.html_body_count(), 1, "an HTML part");
    let html = m.body_html(0).unwrap_or_default();
    assert!(
        !html.contains("<script>"),
        "script must be escaped in HTML:\n{html}"
    );
    assert!(html.contains("&lt;script&gt;"), "{html}");
    assert!(m
        .content_type()
        .is_some_and(|c| c.subtype() == Some("alternative")));

    // Polling again finds nothing new and sends nothing.
    env.ok(&["poll"]).await;
    assert_eq!(sink.messages().len(), 1);
    let sent = env
        .ok(&["deliveries", "--status", "sent", "--format", "json"])
        .await;
    assert_eq!(sent.lines().count(), 1, "{sent}");
}

#[tokio::test(flavor = "multi_thread")]
async fn smtp_down_then_back_delivers_every_alert_exactly_once() {
    let server = Server::start().await;
    server.route(
        "/reviews.rss",
        Route::ok(
            "application/rss+xml",
            rss(&[
                ("a", "Acme Telecom storing"),
                ("b", "Acme Telecom helpdesk"),
                ("c", "Acme Telecom factuur"),
            ]),
        ),
    );
    let port = free_port();
    let env = Env::new(&config(
        &server.url("/reviews.rss"),
        &webcare(port),
        INSTANT,
    ));

    // No SMTP server yet: every delivery waits with its error.
    env.ok(&["poll"]).await;
    let pending = env
        .ok(&["deliveries", "--status", "pending", "--format", "json"])
        .await;
    let rows: Vec<serde_json::Value> = pending
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 3, "{pending}");
    assert!(
        rows.iter()
            .all(|r| r["attempts"] == 1
                && r["last_error"].as_str().is_some_and(|e| e.contains("smtp"))),
        "{pending}"
    );

    // Still down: a retry fails again, nothing lost.
    let out = env.ok(&["deliver", "--retry-now"]).await;
    assert!(out.contains("0 sent, 3 waiting to retry"), "{out}");

    // Back up: everything arrives, once.
    let sink = SmtpSink::start(port, &env.dir.path().join("mail"));
    let out = env.ok(&["deliver", "--retry-now"]).await;
    assert!(out.contains("3 sent"), "{out}");
    env.ok(&["deliver", "--retry-now"]).await;
    let msgs = sink.messages();
    assert_eq!(msgs.len(), 3);
    let mut ids: Vec<String> = msgs
        .iter()
        .map(|raw| {
            MessageParser::default()
                .parse(raw)
                .unwrap()
                .message_id()
                .unwrap()
                .to_string()
        })
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "three distinct alerts");
    assert_eq!(
        env.ok(&["deliveries", "--status", "pending", "--format", "json"])
            .await,
        ""
    );
}

fn verify(secret: &str, body: &[u8], header: &str) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    header == format!("sha256={hex}")
}

#[tokio::test(flavor = "multi_thread")]
async fn webhook_500_then_200_delivers_once_signed() {
    let server = Server::start().await;
    server.route(
        "/reviews.rss",
        Route::ok(
            "application/rss+xml",
            rss(&[
                ("a", "Acme Telecom storing"),
                ("b", "Acme Telecom helpdesk"),
            ]),
        ),
    );
    server.route("/hook", Route::status(500, "oops"));
    let hook = format!(
        "{}format = \"generic\"\nsecret_file = \"hook-secret\"\n",
        webhook_notifier("chat", &server.url("/hook"))
    );
    let routes = "[[route]]\nwatch = \"*\"\nnotify = [\"chat\"]\n";
    let env = Env::new(&config(&server.url("/reviews.rss"), &hook, routes));
    std::fs::write(env.dir.path().join("hook-secret"), "s3cret\n").unwrap();

    env.ok(&["poll"]).await;
    let failed_posts = server.requests_to("/hook");
    assert_eq!(failed_posts.len(), 1, "one batched POST for both mentions");
    let pending = env.ok(&["deliveries", "--status", "pending"]).await;
    assert!(pending.contains("HTTP 500"), "{pending}");

    server.route("/hook", Route::status(200, "ok"));
    env.ok(&["deliver", "--retry-now"]).await;
    env.ok(&["deliver", "--retry-now"]).await;
    let posts = server.requests_to("/hook");
    let ok: Vec<_> = posts.iter().filter(|p| p.status == 200).collect();
    assert_eq!(ok.len(), 1, "delivered once after the failure");
    let post = ok[0];
    assert_eq!(post.method, "POST");
    assert_eq!(
        post.headers.get("x-earshot-delivery").map(String::as_str),
        Some("d1,d2")
    );
    // The retry carries the same delivery ids as the failed attempt.
    assert_eq!(
        posts[0].headers.get("x-earshot-delivery"),
        post.headers.get("x-earshot-delivery")
    );
    let sig = post
        .headers
        .get("x-earshot-signature")
        .expect("signature header");
    assert!(verify("s3cret", &post.body, sig), "signature must verify");
    assert!(!verify("wrong", &post.body, sig));
    let body: serde_json::Value = serde_json::from_slice(&post.body).expect("json body");
    let mentions = body["mentions"].as_array().expect("mentions array");
    assert_eq!(mentions.len(), 2);
    assert_eq!(env.deliveries("sent").await.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn test_alert_reports_success_and_failure() {
    let server = Server::start().await;
    server.route("/hook", Route::status(200, "ok"));
    server.route("/down", Route::status(503, "maintenance"));
    let hooks = format!(
        "{}format = \"slack\"\n\n{}",
        webhook_notifier("ok", &server.url("/hook")),
        webhook_notifier("down", &server.url("/down"))
    );
    let env = Env::new(&config(&server.url("/none.rss"), &hooks, ""));
    let out = env.ok(&["test-alert", "ok"]).await;
    assert!(out.contains("ok: posted"), "{out}");
    assert_eq!(server.requests_to("/hook").len(), 1);
    let out = env.run(&["test-alert", "down"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("HTTP 503"));
    let out = env.run(&["test-alert", "nobody"]).await;
    assert_eq!(out.status.code(), Some(2));
}

fn message_ids(sink: &SmtpSink) -> Vec<String> {
    sink.messages()
        .iter()
        .filter_map(|raw| MessageParser::default().parse(raw))
        .filter_map(|m| m.message_id().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_mid_batch_then_restart_loses_nothing() {
    const N: usize = 24;
    let server = Server::start().await;
    let items: Vec<(String, String)> = (0..N)
        .map(|i| (format!("k{i}"), format!("Acme Telecom klacht nummer {i}")))
        .collect();
    let refs: Vec<(&str, &str)> = items
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    server.route("/reviews.rss", Route::ok("application/rss+xml", rss(&refs)));
    let port = free_port();
    let cfg = config(&server.url("/reviews.rss"), &webcare(port), INSTANT)
        .replace("kind = \"feed\"\n", "kind = \"feed\"\ninterval = \"1s\"\n");
    let env = Env::new(&cfg);
    // 150 ms per message: the batch takes a while, and the kill lands inside it.
    let sink = SmtpSink::start_slow(port, &env.dir.path().join("mail"), 0.15);

    let mut first = start_daemon(&env, &[]);
    wait_until("the first alerts", 20, async || sink.messages().len() >= 4).await;
    signal(&first, libc::SIGKILL);
    first.wait().expect("reap");
    let before = sink.messages().len();
    assert!(
        before < N,
        "the kill should land mid-batch ({before} of {N} sent)"
    );

    let mut second = start_daemon(&env, &[]);
    wait_until("every alert", 20, async || {
        let mut ids = message_ids(&sink);
        ids.sort();
        ids.dedup();
        ids.len() >= N
    })
    .await;
    // Let the outbox settle, then stop cleanly.
    wait_until("no deliveries pending", 20, async || {
        env.ok(&["deliveries", "--status", "pending", "--format", "json"])
            .await
            .is_empty()
    })
    .await;
    terminate(&mut second);

    let ids = message_ids(&sink);
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), N, "every alert arrived");
    // Duplicates only where the crash fell between send and mark: at most the
    // messages in flight at the kill, and each one repeats its Message-ID.
    let repeats = ids.len() - distinct.len();
    assert!(repeats <= 8, "{repeats} duplicates");
    let sent = env
        .ok(&["deliveries", "--status", "sent", "--format", "json"])
        .await;
    assert_eq!(sent.lines().count(), N);
}

/// Digests and the hourly cap go through the library's dispatcher with a clock
/// moved forward: the digest period ends without waiting an hour.
mod later {
    use super::*;
    use chrono::Utc;
    use earshot::config::Config;
    use earshot::notify::dispatcher::Dispatcher;

    async fn pass_at(env: &Env, hours: i64) -> earshot::notify::dispatcher::PassReport {
        let config = Config::load(&env.config_path()).expect("config");
        let dispatcher = Dispatcher::new(&config).expect("dispatcher");
        dispatcher
            .pass(Utc::now() + chrono::Duration::hours(hours))
            .await
            .expect("pass")
    }

    fn five_items() -> String {
        let items: Vec<(String, String)> = (0..5)
            .map(|i| (format!("g{i}"), format!("Acme Telecom klacht {i}")))
            .collect();
        let refs: Vec<(&str, &str)> = items
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        rss(&refs)
    }

    /// A feed of five mentions, an SMTP sink, and `route` to it.
    async fn five_mentions_with(route: &str) -> (Server, Env, SmtpSink) {
        let server = Server::start().await;
        server.route(
            "/reviews.rss",
            Route::ok("application/rss+xml", five_items()),
        );
        let port = free_port();
        let env = Env::new(&config(&server.url("/reviews.rss"), &webcare(port), route));
        let sink = SmtpSink::start(port, &env.dir.path().join("mail"));
        (server, env, sink)
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn hourly_digest_waits_for_its_period_then_sends_one_message() {
        let (_server, env, sink) = five_mentions_with(
            "[[route]]\nname = \"hourly\"\nwatch = \"*\"\nnotify = [\"webcare\"]\nmode = \"digest\"\ndigest = \"hourly\"\n",
        )
        .await;

        env.ok(&["poll"]).await;
        assert!(
            sink.messages().is_empty(),
            "a digest is not sent before its period ends"
        );
        let pending = env
            .ok(&["deliveries", "--status", "pending", "--format", "json"])
            .await;
        assert_eq!(pending.lines().count(), 5);

        let r = pass_at(&env, 2).await;
        assert_eq!(r.sent, 5);
        let msgs = sink.messages();
        assert_eq!(msgs.len(), 1, "one digest for the route and period");
        let m = MessageParser::default().parse(&msgs[0]).unwrap();
        let subject = m.subject().unwrap_or_default().to_string();
        assert!(
            subject.contains("digest") && subject.contains("5 mentions"),
            "{subject}"
        );
        let text = m.body_text(0).unwrap_or_default();
        for i in 0..5 {
            assert!(text.contains(&format!("Acme Telecom klacht {i}")), "{text}");
        }
        // Nothing left to send.
        assert_eq!(pass_at(&env, 3).await.sent, 0);
        assert_eq!(sink.messages().len(), 1);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn instant_alerts_over_max_per_hour_roll_into_the_next_digest() {
        let (_server, env, sink) = five_mentions_with(
            "[[route]]\nname = \"capped\"\nwatch = \"acme\"\nnotify = [\"webcare\"]\nmode = \"instant\"\nmax_per_hour = 2\n",
        )
        .await;

        env.ok(&["poll"]).await;
        // max_per_hour instant alerts, and the notice that the rest waits.
        assert_eq!(sink.messages().len(), 3, "only max_per_hour instant alerts");
        let rows: Vec<serde_json::Value> = env.deliveries("pending").await;
        assert_eq!(rows.len(), 3);
        assert!(rows.iter().all(|r| r["mode"] == "digest"), "{rows:?}");

        assert_eq!(pass_at(&env, 2).await.sent, 3);
        let msgs = sink.messages();
        assert_eq!(msgs.len(), 4, "two instant alerts, a notice and one digest");
        let digest = MessageParser::default().parse(&msgs[3]).unwrap();
        let subject = digest.subject().unwrap_or_default();
        assert!(subject.contains("3 mentions"), "{subject}");
    }
}

//! Misbehaving receivers (issue 10 §1): a mail server that goes silent after
//! DATA, one that closes idle connections, one whose greeting never ends, a
//! webhook that answers 500 with an endless body. Real loopback servers, the
//! real binary: no receiver may stall another notifier's alerts, hold the
//! dispatcher for longer than `send_timeout`, or fill earshot's memory.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::support::{
    email_notifier, feed_source, rss, start_daemon, terminate, wait_for, wait_until,
    webhook_notifier, Env, Route, Server, ACME,
};

/// How a hand-written SMTP server on 127.0.0.1 behaves.
#[derive(Clone, Copy)]
enum Smtp {
    /// Answers everything up to DATA's 354, reads the message, then says
    /// nothing, holding the connection open.
    SilentAfterData,
    /// A well-behaved server that closes each connection 300 ms after it
    /// accepted a message, as mail servers close idle connections.
    ClosesIdle,
    /// Sends a greeting line that never ends (up to 512 MiB).
    EndlessGreeting,
}

/// A running fake SMTP server: its port and how many messages it accepted.
struct FakeSmtp {
    port: u16,
    accepted: Arc<AtomicUsize>,
}

async fn fake_smtp(behaviour: Smtp) -> FakeSmtp {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let count = count.clone();
            tokio::spawn(async move {
                let _ = smtp_session(stream, behaviour, count).await;
            });
        }
    });
    FakeSmtp { port, accepted }
}

async fn smtp_session(
    stream: TcpStream,
    behaviour: Smtp,
    accepted: Arc<AtomicUsize>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    if let Smtp::EndlessGreeting = behaviour {
        write.write_all(b"220 ").await?;
        let chunk = vec![b'A'; 64 * 1024];
        for _ in 0..(512 * 16) {
            write.write_all(&chunk).await?;
        }
        return Ok(());
    }
    let mut lines = BufReader::new(read);
    write.write_all(b"220 fake ESMTP\r\n").await?;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_ascii_uppercase();
        if cmd.starts_with("EHLO") {
            write
                .write_all(b"250-fake\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                .await?;
        } else if cmd == "DATA" {
            write.write_all(b"354 go on\r\n").await?;
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" {
                    break;
                }
            }
            match behaviour {
                Smtp::SilentAfterData => {
                    // Hold the connection; never answer.
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    return Ok(());
                }
                _ => {
                    accepted.fetch_add(1, Ordering::SeqCst);
                    write.write_all(b"250 queued\r\n").await?;
                    if let Smtp::ClosesIdle = behaviour {
                        tokio::time::sleep(Duration::from_millis(300)).await;
                        return Ok(()); // dropped: the client's pooled connection is now dead
                    }
                }
            }
        } else if cmd == "QUIT" {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            write.write_all(b"250 ok\r\n").await?;
        }
    }
}

fn config(feed: &str, notifiers: &str, notify: &str, send_timeout: &str) -> String {
    format!(
        "{ACME}\n{}interval = \"1s\"\n\n\
         [delivery]\nsend_timeout = \"{send_timeout}\"\n\n{notifiers}\n\
         [[route]]\nwatch = \"acme\"\nnotify = [{notify}]\nmode = \"instant\"\n",
        feed_source("reviews", feed)
    )
}

/// An email notifier NAME to the fake SMTP server on PORT.
fn email(name: &str, port: u16) -> String {
    email_notifier(name, port, &["webcare@example.nl"], "earshot@example.nl")
}

/// The mention ids a generic webhook body carries.
fn hook_mentions(server: &Server) -> Vec<(i64, std::time::SystemTime)> {
    let mut out = Vec::new();
    for r in server.requests_to("/hook") {
        let body: serde_json::Value = serde_json::from_slice(&r.body).expect("webhook json");
        for m in body["mentions"].as_array().into_iter().flatten() {
            out.push((m["id"].as_i64().expect("id"), r.at));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn issue10_silent_smtp_after_data_never_delays_the_webhook() {
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
    server.route("/hook", Route::ok("application/json", "{}"));
    let smtp = fake_smtp(Smtp::SilentAfterData).await;
    let env = Env::new(&config(
        &server.url("/reviews.rss"),
        &format!(
            "{}\n{}",
            email("mail", smtp.port),
            webhook_notifier("chat", &server.url("/hook"))
        ),
        "\"mail\", \"chat\"",
        "4s",
    ));
    let mut daemon = start_daemon(&env, &[]);

    // Every alert reaches the webhook within 5 s of being due (its mention
    // found), while the mail server holds its connections silent.
    let arrived = wait_for("3 alerts at the webhook", 20, async || {
        let got = hook_mentions(&server);
        (got.len() >= 3).then_some(got)
    })
    .await;
    let mentions = env.mentions_json(&[]).await;
    assert_eq!(mentions.len(), 3);
    for (id, at) in &arrived {
        let m = mentions
            .iter()
            .find(|m| m["id"].as_i64() == Some(*id))
            .expect("alerted mention exists");
        let found = chrono::DateTime::parse_from_rfc3339(m["found_at"].as_str().unwrap())
            .expect("found_at");
        let at: chrono::DateTime<chrono::Utc> = (*at).into();
        let late = at.signed_duration_since(found);
        assert!(
            late < chrono::Duration::seconds(5),
            "mention {id} reached the webhook {late} after it was found"
        );
    }

    // The stuck sends are visible while they hang …
    let sending = wait_for("mail deliveries shown in flight", 10, async || {
        let rows = env
            .json_lines(&["deliveries", "--status", "pending", "--format", "json"])
            .await;
        let stuck: Vec<serde_json::Value> = rows
            .into_iter()
            .filter(|d| d["notifier"] == "mail" && !d["sending_since"].is_null())
            .collect();
        (!stuck.is_empty()).then_some(stuck)
    })
    .await;
    assert!(sending.iter().all(|d| d["attempts"] == 0), "{sending:?}");
    let status = env.run(&["status"]).await;
    let status = String::from_utf8_lossy(&status.stdout).to_string();
    assert!(
        status.contains("sending:") && status.contains("to mail since"),
        "{status}"
    );
    let table = env.ok(&["deliveries"]).await;
    assert!(table.contains("sending"), "{table}");

    // … and end as a recorded, retryable failure after send_timeout.
    let failed = wait_for(
        "the timeout recorded on the mail deliveries",
        15,
        async || {
            let rows = env.deliveries("pending").await;
            let mail: Vec<serde_json::Value> = rows
                .into_iter()
                .filter(|d| d["notifier"] == "mail")
                .collect();
            (mail.len() == 3 && mail.iter().all(|d| d["attempts"] == 1)).then_some(mail)
        },
    )
    .await;
    for d in &failed {
        let err = d["last_error"].as_str().unwrap_or_default();
        assert!(
            err.contains("no answer") && err.contains("send_timeout"),
            "{err}"
        );
        assert!(d["sending_since"].is_null(), "settled: {d}");
    }
    assert_eq!(env.deliveries("sent").await.len(), 3, "the webhook's three");
    terminate(&mut daemon);
}

#[tokio::test(flavor = "multi_thread")]
async fn issue10_a_pooled_connection_the_server_closed_is_replaced_at_once() {
    let server = Server::start().await;
    server.route(
        "/reviews.rss",
        Route::ok("application/rss+xml", rss(&[("a", "Acme Telecom storing")])),
    );
    let smtp = fake_smtp(Smtp::ClosesIdle).await;
    let env = Env::new(&config(
        &server.url("/reviews.rss"),
        &email("mail", smtp.port),
        "\"mail\"",
        "10s",
    ));
    let mut daemon = start_daemon(&env, &[]);
    wait_until("the first alert", 20, async || {
        smtp.accepted.load(Ordering::SeqCst) == 1
    })
    .await;

    // The server has closed the pooled connection by the next alert: one
    // that comes soon after (the closed socket is still pooled) and one after
    // a quiet spell (the pool checks it first).
    for (n, (guid, quiet)) in [("b", 1.0), ("c", 3.0)].into_iter().enumerate() {
        tokio::time::sleep(Duration::from_secs_f64(quiet)).await;
        let mut items = vec![("a", "Acme Telecom storing")];
        items.push(("b", "Acme Telecom helpdesk"));
        if guid == "c" {
            items.push(("c", "Acme Telecom factuur"));
        }
        server.route(
            "/reviews.rss",
            Route::ok("application/rss+xml", rss(&items)),
        );
        let changed = Instant::now();
        wait_until(&format!("alert {}", n + 2), 10, async || {
            smtp.accepted.load(Ordering::SeqCst) == n + 2
        })
        .await;
        // Within a poll interval or two, not a retry backoff (15 s) later.
        assert!(changed.elapsed() < Duration::from_secs(5));
    }
    let sent = env.deliveries("sent").await;
    assert_eq!(sent.len(), 3);
    for d in &sent {
        assert_eq!(d["attempts"], 1, "no failed attempt counted: {d}");
        assert!(d["last_error"].is_null(), "{d}");
    }
    terminate(&mut daemon);
}

/// The peak resident memory of a running process, in KiB (`VmHWM`: its own
/// high-water mark since exec, unlike `wait4`'s `ru_maxrss`, which on Linux
/// also carries the spawning test process's peak).
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

/// A webhook that answers 500 with a 512 MiB body, written as fast as the
/// client reads it.
async fn endless_500() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                let head = "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: 536870912\r\n\r\n";
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![b'x'; 64 * 1024];
                for _ in 0..(512 * 16) {
                    if stream.write_all(&chunk).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{addr}/hook")
}

#[tokio::test(flavor = "multi_thread")]
async fn issue10_answers_from_receivers_are_read_with_a_cap() {
    let server = Server::start().await;
    server.route(
        "/reviews.rss",
        Route::ok("application/rss+xml", rss(&[("a", "Acme Telecom storing")])),
    );
    let hook = endless_500().await;
    let smtp = fake_smtp(Smtp::EndlessGreeting).await;
    let env = Env::new(&config(
        &server.url("/reviews.rss"),
        &format!(
            "{}\n{}",
            email("mail", smtp.port),
            webhook_notifier("chat", &hook)
        ),
        "\"mail\", \"chat\"",
        "20s",
    ));
    let mut daemon = start_daemon(&env, &[]);
    // Both receivers have had their attempt once an error is recorded on each.
    let pending = wait_for("both attempts recorded", 20, async || {
        let rows = env.deliveries("pending").await;
        (rows.len() == 2 && rows.iter().all(|d| !d["last_error"].is_null())).then_some(rows)
    })
    .await;
    let peak = peak_rss_kib(daemon.id());
    terminate(&mut daemon);
    assert!(
        peak < 150 * 1024,
        "peak RSS {} MiB: an answer was read whole",
        peak / 1024
    );
    let error = |n: &str| {
        pending
            .iter()
            .find(|d| d["notifier"] == n)
            .and_then(|d| d["last_error"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    assert!(error("chat").contains("HTTP 500"), "{}", error("chat"));
    assert!(error("mail").contains("over 64 KiB"), "{}", error("mail"));
}

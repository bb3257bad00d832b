//! Time-to-alert benchmark: from the poll that finds new items to each
//! message accepted by a local SMTP server (Debian's python3-aiosmtpd).
//!
//! Run: `cargo bench --bench alert` (1,000 new mentions at once) or
//! `cargo bench --bench alert -- --mentions 10000` (a burst: also shows how
//! many SMTP connections carried it). `earshot run` polls a loopback feed every
//! second; the feed then gains N items that mention the watch. Latency per
//! message = the SMTP server's accept time − the time the feed server sent the
//! new version. Prints median, p99 and max, and the connections used.

#[path = "../tests/support/server.rs"]
mod server;

use std::collections::HashSet;
use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use server::{Route, Server};

fn feed(n: usize) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Reviews</title><link>http://example.nl/</link><description>d</description>",
    );
    for i in 0..n {
        s.push_str(&format!(
            "<item><title>Acme Telecom klacht {i}</title><link>http://example.nl/r/{i}</link><guid>r{i}</guid><description>Al weken storing bij Acme Telecom, review {i}.</description></item>"
        ));
    }
    s.push_str("</channel></rss>");
    s
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let n = arg("--mentions", 1000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let server = rt.block_on(Server::start());
    server.route(
        "/feed.rss",
        Route::ok("application/rss+xml", feed(0)).with_etag("\"v0\""),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let mail = dir.path().join("mail");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let mut sink = Command::new("/usr/bin/python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/support/smtp_sink.py"
        ))
        .arg(port.to_string())
        .arg(&mail)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start smtp_sink.py (needs python3-aiosmtpd)");
    let mut line = String::new();
    std::io::BufReader::new(sink.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("sink ready");

    let config = format!(
        "[storage]\ndatabase = \"{db}\"\n\n[[watch]]\nname = \"acme\"\nterms = [\"Acme Telecom\"]\n\n\
         [[source]]\nname = \"reviews\"\nkind = \"feed\"\nurl = \"{url}\"\ninterval = \"1s\"\n\n\
         [[notifier]]\nname = \"webcare\"\nkind = \"email\"\nto = [\"webcare@example.nl\"]\nfrom = \"earshot <earshot@example.nl>\"\nsmtp = \"smtp://127.0.0.1:{port}\"\n\n\
         [[route]]\nwatch = \"acme\"\nnotify = [\"webcare\"]\nmode = \"instant\"\n",
        db = dir.path().join("alert.db").display(),
        url = server.url("/feed.rss"),
    );
    let cfg = dir.path().join("alert.toml");
    std::fs::write(&cfg, config).expect("config");
    let mut daemon = Command::new(env!("CARGO_BIN_EXE_earshot"))
        .arg("--config")
        .arg(&cfg)
        .arg("run")
        .stderr(Stdio::null())
        .spawn()
        .expect("start earshot run");

    // Let the daemon settle on the empty feed, then publish N new items.
    std::thread::sleep(Duration::from_millis(2500));
    let switched = SystemTime::now();
    server.route(
        "/feed.rss",
        Route::ok("application/rss+xml", feed(n)).with_etag("\"v1\""),
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    let count = || {
        std::fs::read_dir(&mail)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                    .count()
            })
            .unwrap_or(0)
    };
    while count() < n && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: signalling our own child.
    unsafe { libc::kill(daemon.id() as libc::pid_t, libc::SIGTERM) };
    let _ = daemon.wait();
    let _ = sink.kill();
    let _ = sink.wait();

    let served = server
        .requests_to("/feed.rss")
        .into_iter()
        .filter(|r| r.status == 200 && r.at >= switched)
        .map(|r| r.at)
        .min()
        .expect("the new feed was fetched");
    let served = served
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs_f64();
    let mut latencies = Vec::new();
    let mut sessions = HashSet::new();
    for e in std::fs::read_dir(&mail)
        .expect("mail dir")
        .filter_map(|e| e.ok())
    {
        if e.path().extension().is_some_and(|x| x == "json") {
            let v: serde_json::Value =
                serde_json::from_slice(&std::fs::read(e.path()).expect("read")).expect("json");
            latencies.push(v["accepted"].as_f64().unwrap_or(f64::NAN) - served);
            sessions.insert(v["session"].as_u64().unwrap_or(0));
        }
    }
    latencies.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{} of {n} alerts arrived over {} SMTP connections",
        latencies.len(),
        sessions.len()
    );
    if latencies.is_empty() {
        std::process::exit(1);
    }
    println!(
        "time to alert: min {:.3} s, median {:.3} s, p99 {:.3} s, max {:.3} s",
        latencies[0],
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies[latencies.len() - 1]
    );
    if latencies.len() < n {
        std::process::exit(1);
    }
}

//! Shared test set-up: a temp dir with a config, the real binary, fixtures,
//! the loopback HTTP and SMTP servers, config snippets, and the waits for a
//! daemon running as a child process. A helper used by one module stays in
//! that module; one used by two or more lives here.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

#[path = "../support/server.rs"]
pub mod server;

#[path = "../support/churn.rs"]
pub mod churn;
#[path = "../support/pages.rs"]
pub mod pages;

pub mod smtp;
pub mod snippets;
pub mod web_env;

#[path = "../support/browser.rs"]
pub mod browser;

#[path = "../support/postgres.rs"]
pub mod postgres;

pub use server::{Route, Server};
pub use smtp::SmtpSink;
pub use snippets::{email_notifier, feed_source, webhook_notifier, ACME};

/// The fixture file `tests/fixtures/NAME` as bytes.
pub fn fixture(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("fixture {}: {e}", p.display()))
}

/// A temp dir holding `earshot.toml` (and so `earshot.db`).
pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new(config: &str) -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("earshot.toml"), config).expect("write config");
        Env { dir }
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("earshot.toml")
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("earshot.db")
    }

    /// Runs `earshot --config <env config> ARGS…` to completion (off the async
    /// runtime, so a test server in the same process keeps serving).
    pub async fn run(&self, args: &[&str]) -> Output {
        let config = self.config_path();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        tokio::task::spawn_blocking(move || {
            assert_cmd::Command::cargo_bin("earshot")
                .expect("earshot binary")
                .arg("--config")
                .arg(config)
                .args(args)
                .timeout(std::time::Duration::from_secs(60))
                .output()
                .expect("run earshot")
        })
        .await
        .expect("join")
    }

    /// Like [`Env::run`] but asserts success and returns stdout.
    pub async fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args).await;
        assert!(
            out.status.success(),
            "earshot {args:?} failed ({:?}):\nstdout: {}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Any command's JSON Lines output, parsed.
    pub async fn json_lines(&self, args: &[&str]) -> Vec<serde_json::Value> {
        self.ok(args)
            .await
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect()
    }

    /// `deliveries --status STATUS --format json`, parsed.
    pub async fn deliveries(&self, status: &str) -> Vec<serde_json::Value> {
        self.json_lines(&["deliveries", "--status", status, "--format", "json"])
            .await
    }

    /// `mentions --format json` parsed, one value per line.
    pub async fn mentions_json(&self, extra: &[&str]) -> Vec<serde_json::Value> {
        let mut args = vec!["mentions", "list", "--format", "json", "--limit", "0"];
        args.extend_from_slice(extra);
        self.ok(&args)
            .await
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect()
    }
}

/// The titles of `mentions` (as `mentions --format json` prints them),
/// sorted; a mention without a title counts as "".
pub fn sorted_titles(mentions: &[serde_json::Value]) -> Vec<&str> {
    let mut titles: Vec<&str> = mentions
        .iter()
        .map(|m| m["title"].as_str().unwrap_or(""))
        .collect();
    titles.sort();
    titles
}

/// The mention titled `title`; panics listing them all when none is.
pub fn by_title<'a>(mentions: &'a [serde_json::Value], title: &str) -> &'a serde_json::Value {
    mentions
        .iter()
        .find(|m| m["title"] == title)
        .unwrap_or_else(|| panic!("no mention titled {title:?} in {mentions:#?}"))
}

/// A mention's sentiment reasons as one JSON string, to search in.
pub fn reasons(m: &serde_json::Value) -> String {
    m["sentiment"]["reasons"].to_string()
}

/// A CSV's header and rows, as read back by the csv crate.
pub fn read_csv(bytes: &[u8], delimiter: u8) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .expect("csv header")
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.expect("csv record").iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// Where column `name` is in a CSV header.
pub fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

/// An RSS 2.0 feed of `(guid, title)` items; each item's description repeats
/// its title and its link is `http://example.nl/GUID`.
pub fn rss(items: &[(&str, &str)]) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Nieuws</title><link>http://example.nl/</link><description>d</description>",
    );
    for (guid, title) in items {
        s.push_str(&format!(
            "<item><title>{title}</title><link>http://example.nl/{guid}</link><guid>{guid}</guid><description>{title}</description></item>"
        ));
    }
    s.push_str("</channel></rss>");
    s
}

/// `earshot run` on the env's config as a child process, with extra
/// environment variables; its output is discarded. Returns once the daemon
/// has set up its database.
pub fn start_daemon(env: &Env, extra_env: &[(&str, String)]) -> std::process::Child {
    let child = spawn_daemon(env, extra_env, std::process::Stdio::null());
    wait_for_database(env);
    child
}

/// `earshot run` on the env's config as a child process, with extra
/// environment variables and its stderr to `stderr` (stdout is discarded).
/// Returns at once.
pub fn spawn_daemon(
    env: &Env,
    extra_env: &[(&str, String)],
    stderr: impl Into<std::process::Stdio>,
) -> std::process::Child {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_earshot"));
    cmd.arg("--config")
        .arg(env.config_path())
        .arg("run")
        .stdout(std::process::Stdio::null())
        .stderr(stderr);
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("start earshot run")
}

/// Waits until `status` can read the env's database: read commands open it
/// read-only and refuse one that is missing or not yet migrated, so a test
/// that reads right after starting the daemon waits for it to set one up.
pub fn wait_for_database(env: &Env) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let ok = std::process::Command::new(env!("CARGO_BIN_EXE_earshot"))
            .arg("--config")
            .arg(env.config_path())
            .args(["status", "--format", "json"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the daemon set up no database at {} within 10 s",
            env.db_path().display()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Sends `sig` to a child process.
pub fn signal(child: &std::process::Child, sig: i32) {
    // SAFETY: signalling our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, sig) }, 0);
}

/// SIGTERM, then the exit status must be success.
pub fn terminate(child: &mut std::process::Child) {
    signal(child, libc::SIGTERM);
    assert!(child.wait().expect("wait").success());
}

/// SIGTERM, then the exit status must be success within the 10 s the README
/// promises (and systemd allows); past that the child is killed.
pub async fn stop_within_10s(mut child: std::process::Child) {
    signal(&child, libc::SIGTERM);
    let status = settle(
        10,
        async || child.try_wait().expect("try_wait"),
        Option::is_some,
    )
    .await;
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("earshot run did not stop within 10 s of SIGTERM");
    };
    assert!(status.success(), "exit status {status:?}");
}

/// Calls `probe` every 100 ms until `done` holds for what it returned or
/// `secs` seconds have passed, and returns the last value either way: the
/// caller asserts on it, so a failure shows what was seen.
pub async fn settle<T>(
    secs: u64,
    mut probe: impl AsyncFnMut() -> T,
    done: impl Fn(&T) -> bool,
) -> T {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        let value = probe().await;
        if done(&value) || std::time::Instant::now() > deadline {
            return value;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// What `probe` returns once it returns `Some`; panics naming `what` after
/// `secs` seconds.
pub async fn wait_for<T>(what: &str, secs: u64, probe: impl AsyncFnMut() -> Option<T>) -> T {
    match settle(secs, probe, Option::is_some).await {
        Some(value) => value,
        None => panic!("timed out waiting for {what}"),
    }
}

/// Returns once `ok` holds; panics naming `what` after `secs` seconds.
pub async fn wait_until(what: &str, secs: u64, mut ok: impl AsyncFnMut() -> bool) {
    wait_for(what, secs, async || ok().await.then_some(())).await
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

//! Shared test set-up: a temp dir with a config, the real binary, fixtures.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

#[path = "../support/server.rs"]
pub mod server;

#[path = "../support/churn.rs"]
pub mod churn;

pub use server::{Route, Server};

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
/// environment variables; its output is discarded.
pub fn start_daemon(env: &Env, extra_env: &[(&str, String)]) -> std::process::Child {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_earshot"));
    cmd.arg("--config")
        .arg(env.config_path())
        .arg("run")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("start earshot run");
    wait_for_database(env);
    child
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

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

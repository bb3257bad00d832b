//! The web inbox on a database of 1,000,000 mentions (issue #13): the inbox
//! page `/` (open mentions, newest first, a page of 50) and
//! `/api/mentions?state=open` must each answer in ≤ 100 ms.
//!
//! The database is `benches/support/million.rs`'s (as `benches/stats.rs`
//! builds it: a year of mentions, six watches, nine sources, 10% open). A
//! web user is added with `earshot user add --password-stdin` and an API
//! token with `earshot token create`; then `earshot run` (the binary under
//! test) serves `[web]` on a free loopback port, a client logs in through
//! the login form and times each request, one warm-up then 21 runs; the
//! median is printed and checked, p90 printed. Times are the client's
//! (request sent → body read) over loopback: the server's time plus a
//! loopback round trip. Other pages are reported, not checked.
//!
//! Run: `cargo bench --bench web --profile release` (or `--profile bench`).
//! `-- --mentions N` for another size. Nothing leaves the machine.

#[path = "support/million.rs"]
mod million;

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use million::{build, WATCHES};

const TARGET: Duration = Duration::from_millis(100);
const RUNS: usize = 21;
const PASSWORD: &str = "benchmark password";

fn earshot(config: &Path, args: &[&str], stdin: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_earshot"))
        .arg("--config")
        .arg(config)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run earshot");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("stdin");
    let out = child.wait_with_output().expect("earshot");
    assert!(
        out.status.success(),
        "earshot {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Stops the daemon however the benchmark ends.
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        // SAFETY: signalling our own child process.
        unsafe {
            libc::kill(self.0.id() as libc::pid_t, libc::SIGTERM);
        }
        let _ = self.0.wait();
    }
}

/// The first `Set-Cookie` pairs of an answer, as one `Cookie` header.
fn cookies(r: &reqwest::Response) -> String {
    r.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The login form's hidden `csrf` value.
fn csrf(html: &str) -> String {
    let at = html.find("name=\"csrf\"").expect("csrf field");
    let rest = &html[at..];
    let start = rest.find("value=\"").expect("value") + 7;
    let end = rest[start..].find('"').expect("quote");
    rest[start..start + end].to_string()
}

/// Median and p90 of `RUNS` timed `GET`s of `url` (after one warm-up),
/// and the answer's size.
async fn time(
    client: &reqwest::Client,
    url: &str,
    auth: (&str, &str),
) -> (Duration, Duration, usize) {
    let get = || async {
        let start = Instant::now();
        let r = client
            .get(url)
            .header(auth.0, auth.1)
            .send()
            .await
            .expect("GET");
        assert_eq!(r.status(), 200, "{url}");
        let body = r.bytes().await.expect("body");
        (start.elapsed(), body.len())
    };
    let (_, size) = get().await;
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        times.push(get().await.0);
    }
    times.sort();
    (times[RUNS / 2], times[RUNS * 9 / 10], size)
}

#[tokio::main]
async fn main() {
    let mut n: u64 = 1_000_000;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--mentions" {
            n = args
                .next()
                .and_then(|v| v.parse().ok())
                .expect("--mentions N");
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("earshot.db");
    let config = dir.path().join("earshot.toml");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut toml = format!(
        "[storage]\ndatabase = {:?}\n\n[web]\nlisten = \"127.0.0.1:{port}\"\n\n",
        db.display().to_string()
    );
    for w in WATCHES {
        toml.push_str(&format!("[[watch]]\nname = \"{w}\"\nterms = [\"{w}\"]\n\n"));
    }
    std::fs::write(&config, toml).expect("config");

    let start = Instant::now();
    build(&db, n);
    println!(
        "built {n} mentions in {:.1} s ({} MB)",
        start.elapsed().as_secs_f64(),
        std::fs::metadata(&db)
            .map(|m| m.len() / 1_000_000)
            .unwrap_or(0)
    );
    earshot(
        &config,
        &["user", "add", "bench", "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    let token = earshot(&config, &["token", "create", "bench-api"], "")
        .trim()
        .to_string();

    let _daemon = Daemon(
        Command::new(env!("CARGO_BIN_EXE_earshot"))
            .arg("--config")
            .arg(&config)
            .arg("run")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("earshot run"),
    );
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(
            Instant::now() < deadline,
            "the web inbox did not start within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Log in through the form, as a browser does.
    let form = client
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("GET /login");
    let login_cookie = cookies(&form);
    let token_field = csrf(&form.text().await.expect("login page"));
    let answer = client
        .post(format!("{base}/login"))
        .header(reqwest::header::COOKIE, login_cookie)
        .form(&[
            ("name", "bench"),
            ("password", PASSWORD),
            ("csrf", &token_field),
            ("next", "/"),
        ])
        .send()
        .await
        .expect("POST /login");
    assert_eq!(answer.status(), 303, "login");
    let session = cookies(&answer);
    let cookie = ("cookie", session.as_str());
    let bearer = format!("Bearer {token}");
    let api = ("authorization", bearer.as_str());

    let mention = format!("/mentions/{}", n.div_ceil(2));
    let cases: &[(&str, &str, (&str, &str), bool)] = &[
        ("inbox page /", "/", cookie, true),
        (
            "/api/mentions?state=open",
            "/api/mentions?state=open",
            api,
            true,
        ),
        (
            "inbox, acme negative",
            "/?watch=acme&sentiment=negative",
            cookie,
            false,
        ),
        (
            "inbox, most negative first",
            "/?sort=negative",
            cookie,
            false,
        ),
        ("inbox, page 20", "/?offset=1000", cookie, false),
        ("mention page", &mention, cookie, false),
        ("sources page", "/sources", cookie, false),
        ("overview (90 days)", "/overview", cookie, false),
    ];
    let mut over = Vec::new();
    for (name, path, auth, checked) in cases {
        let (median, p90, size) = time(&client, &format!("{base}{path}"), *auth).await;
        println!(
            "{name:<30} median {:>7.1} ms  p90 {:>7.1} ms  ({} KB){}",
            median.as_secs_f64() * 1000.0,
            p90.as_secs_f64() * 1000.0,
            size / 1000,
            million::note(*checked)
        );
        if *checked && median > TARGET {
            over.push(*name);
        }
    }
    million::assert_within(&over, TARGET);
}

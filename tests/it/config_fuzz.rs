//! Issue #10 §4: no watch list, however mangled, makes the config loader
//! panic, and every refusal names `file:line:col`. Thousands of seeded
//! mutations of `config.example.toml` (lines deleted, duplicated, swapped,
//! uncommented or cut; values replaced by wrong types, extreme numbers and
//! durations; odd bytes, invalid UTF-8 and NUL inserted) go through the
//! loader in-process, and a few dozen through the real `earshot check`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::Duration;

use earshot::config::Config;

use crate::support::{Env, Server};

/// splitmix64: a fixed seed gives the same cases on every run and machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// What a value is replaced with: wrong types, extreme numbers, durations
/// and sizes at and beyond every limit.
const VALUES: &[&str] = &[
    "true",
    "[]",
    "{}",
    "[1, 2]",
    "{ a = 1 }",
    "\"\"",
    "\"x\"",
    "1.5",
    "-1",
    "0",
    "1",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "1e308",
    "-1e308",
    "nan",
    "inf",
    "-inf",
    "1979-05-27T07:32:00Z",
    "\"18446744073709551615s\"",
    "\"18446744073709551615s1s\"",
    "\"18446744073709551615ms\"",
    "\"99999999999999999999999s\"",
    "\"9223372036854775807d\"",
    "\"0s\"",
    "\"0ms\"",
    "\"1ms\"",
    "\"100000000d\"",
    "\"200000000000d\"",
    "\"36501d\"",
    "\"30d1s\"",
    "\"1w1w1w1w\"",
    "\"1h30m\"",
    "\"9999999999w\"",
    "\"1.5GiB\"",
    "\"1e12\"",
    "\"99999999999GiB\"",
    "\"0.0001\"",
    "\"1KiB\"",
    "\"\\u0000\"",
    "\"\\u202e\"",
    "\"é\"",
    "\"*\"",
    "\"http://\"",
    "\"smtp://\"",
    "\"weekly xyz 25:99\"",
    "\"23:59-23:59\"",
    "'''\n'''",
];

/// Bytes inserted at random places.
const BYTES: &[&[u8]] = &[
    b"\xff",
    b"\xc3",
    b"\x80",
    b"\xe2\x82",
    b"\xf4\x90\x80\x80",
    b"\xed\xa0\x80",
    b"\0",
    b"\r",
    b"\t",
    b"\x1b[31m",
    "\u{202e}".as_bytes(),
    "é".as_bytes(),
    "😀".as_bytes(),
    b"[",
    b"]",
    b"[[",
    b"\"",
    b"'",
    b"=",
    b"#",
    b"\\",
    b"\n",
    b"{",
];

/// One mutation of `base`: one to three edits of its lines and bytes.
fn mutate(base: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = base.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
    for _ in 0..1 + rng.below(3) {
        let n = lines.len().max(1);
        match rng.below(8) {
            0 => {
                if !lines.is_empty() {
                    lines.remove(rng.below(n));
                }
            }
            1 => {
                if !lines.is_empty() {
                    let i = rng.below(n);
                    let line = lines[i].clone();
                    lines.insert(i, line);
                }
            }
            2 => {
                if !lines.is_empty() {
                    let (a, b) = (rng.below(n), rng.below(n));
                    lines.swap(a, b);
                }
            }
            // Replace a value (most mutations: they reach the validation).
            3 | 4 => {
                let assignments: Vec<usize> = (0..lines.len())
                    .filter(|&i| lines[i].windows(3).any(|w| w == b" = "))
                    .collect();
                if !assignments.is_empty() {
                    let i = *rng.pick(&assignments);
                    let eq = lines[i].iter().position(|&b| b == b'=').unwrap_or(0);
                    let mut line = lines[i][..=eq].to_vec();
                    line.push(b' ');
                    line.extend_from_slice(rng.pick(VALUES).as_bytes());
                    lines[i] = line;
                }
            }
            // Uncomment a commented-out key.
            5 => {
                let commented: Vec<usize> = (0..lines.len())
                    .filter(|&i| lines[i].starts_with(b"# ") && lines[i].contains(&b'='))
                    .collect();
                if !commented.is_empty() {
                    let i = *rng.pick(&commented);
                    lines[i].drain(..2);
                }
            }
            6 => {
                if !lines.is_empty() {
                    let i = rng.below(n);
                    let at = rng.below(lines[i].len() + 1);
                    let bytes = rng.pick(BYTES);
                    lines[i].splice(at..at, bytes.iter().copied());
                }
            }
            _ => {
                let joined = lines.join(&b'\n');
                let cut = rng.below(joined.len() + 1);
                lines = joined[..cut]
                    .split(|b| *b == b'\n')
                    .map(<[u8]>::to_vec)
                    .collect();
            }
        }
    }
    lines.join(&b'\n')
}

/// `config.example.toml` with every http(s) URL pointing at `server`, so a
/// loader that fetched anything would show up in its request log.
fn example_on(server: &Server) -> String {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml"))
        .expect("config.example.toml");
    let url = regex::Regex::new(r#"https?://[^"\s]+"#).expect("regex");
    url.replace_all(&text, server.url("/from-config").as_str())
        .into_owned()
}

/// The example without its prose comments and with its regexes emptied: a
/// debug build spends ~15 ms compiling each `(?i)` regex and ~1 ms per KiB
/// of TOML, and neither is what the in-process cases are about. Commented-out
/// keys stay, for the mutation that uncomments them.
fn lean(example: &str) -> Vec<u8> {
    let regexes = regex::Regex::new(r"(?m)^(regex|negative_patterns) = .*$").expect("regex");
    regexes
        .replace_all(example, "$1 = []")
        .lines()
        .filter(|l| !l.starts_with('#') || l.contains(" = "))
        .flat_map(|l| [l, "\n"])
        .collect::<String>()
        .into_bytes()
}

/// `message` begins with `path:line:col:`.
fn names_file_line_col(message: &str, path: &Path) -> bool {
    let Some(rest) = message.strip_prefix(&format!("{}:", path.display())) else {
        return false;
    };
    let mut parts = rest.splitn(3, ':');
    let numeric =
        |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    numeric(parts.next()) && numeric(parts.next()) && parts.next().is_some()
}

/// What was accepted stays inside every documented range.
fn within_ranges(c: &Config) -> Result<(), String> {
    let day = Duration::from_secs(86_400);
    let checks = [
        (
            "retention",
            c.storage
                .retention
                .is_none_or(|r| (day..=day * 36_500).contains(&r)),
        ),
        (
            "timeout",
            (Duration::from_secs(1)..=Duration::from_secs(3600)).contains(&c.http.timeout),
        ),
        (
            "connect_timeout",
            (Duration::from_secs(1)..=Duration::from_secs(600)).contains(&c.http.connect_timeout),
        ),
        ("max_body", (1024..=1 << 30).contains(&c.http.max_body)),
        ("max_redirects", c.http.max_redirects <= 20),
        (
            "max_concurrent",
            (1..=1024).contains(&c.http.max_concurrent),
        ),
        ("per_host", (1..=64).contains(&c.http.per_host)),
        (
            "interval",
            c.sources
                .iter()
                .map(|s| s.interval)
                .chain([c.schedule.default_interval])
                .all(|i| (Duration::from_secs(1)..=day * 30).contains(&i)),
        ),
        (
            "schedule.max_backoff",
            (Duration::from_secs(1)..=day * 7).contains(&c.schedule.max_backoff),
        ),
        (
            "max_pages",
            c.sources
                .iter()
                .all(|s| s.max_pages().is_none_or(|m| (1..=10).contains(&m))),
        ),
        (
            "source_alert_after",
            (1..=10_000).contains(&c.daemon.source_alert_after),
        ),
        (
            "retry_for",
            (Duration::from_secs(1)..=day * 365).contains(&c.delivery.retry_for),
        ),
        (
            "delivery.max_backoff",
            (Duration::from_secs(1)..=day * 7).contains(&c.delivery.max_backoff),
        ),
        (
            "max_per_hour",
            c.routes
                .iter()
                .all(|r| r.max_per_hour.is_none_or(|m| (1..=10_000).contains(&m))),
        ),
    ];
    match checks.iter().find(|(_, ok)| !ok) {
        Some((key, _)) => Err(format!("accepted {key} outside its range")),
        None => Ok(()),
    }
}

/// Loads `bytes` as `path` in-process, as `check` does (config, then the
/// matcher). `Err` carries a description of what went wrong with the case.
fn load_case(bytes: &[u8], path: &Path) -> Result<bool, String> {
    std::fs::write(path, bytes).map_err(|e| format!("write: {e}"))?;
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        Config::load(path).map(|c| (earshot::matcher::Matcher::new(&c.watches).is_ok(), c))
    }));
    match outcome {
        Err(_) => Err("the loader panicked".into()),
        Ok(Ok((false, _))) => Err("accepted, but the matcher would not build".into()),
        Ok(Ok((true, c))) => within_ranges(&c).map(|()| true),
        Ok(Err(e)) => {
            let message = e.to_string();
            if names_file_line_col(&message, path) {
                Ok(false)
            } else {
                Err(format!("error without file:line:col: {message}"))
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn issue10_random_config_mutations_never_panic_the_loader() {
    let server = Server::start().await;
    let base = lean(&example_on(&server));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("earshot.toml");
    let (accepted, failures) = tokio::task::spawn_blocking(move || {
        let mut rng = Rng(0x00ea_5e07_c0f1_6a10);
        let mut accepted = 0;
        let mut failures = Vec::new();
        for case in 0..2500 {
            let bytes = mutate(&base, &mut rng);
            match load_case(&bytes, &path) {
                Ok(ok) => accepted += usize::from(ok),
                Err(why) => failures.push(format!(
                    "case {case}: {why}\n--- input ---\n{}",
                    String::from_utf8_lossy(&bytes)
                )),
            }
        }
        (accepted, failures)
    })
    .await
    .expect("join");
    assert!(
        failures.is_empty(),
        "{} of 2500 cases failed; the first:\n{}",
        failures.len(),
        failures[0]
    );
    // The mutations are small: many must still be valid, or the test would
    // only ever exercise the parser's first error.
    assert!(
        accepted > 250,
        "only {accepted} of 2500 mutations were accepted"
    );
    assert!(
        server.requests().is_empty(),
        "loading the config fetched {:?}",
        server
            .requests()
            .iter()
            .map(|r| &r.path)
            .collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn issue10_random_config_mutations_through_check_exit_0_or_2() {
    let server = Server::start().await;
    let base = example_on(&server).into_bytes();
    let env = Env::new("");
    let mut rng = Rng(0x0000_0010_c4ec_0002);
    let mut codes = [0usize; 3];
    for case in 0..40 {
        let bytes = mutate(&base, &mut rng);
        std::fs::write(env.config_path(), &bytes).expect("write config");
        let out = env.run(&["check"]).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        let input = String::from_utf8_lossy(&bytes);
        match out.status.code() {
            Some(0) => {
                codes[0] += 1;
                assert!(
                    String::from_utf8_lossy(&out.stdout).contains("config OK"),
                    "case {case}"
                );
            }
            Some(2) => {
                codes[2] += 1;
                let line = stderr.lines().next().unwrap_or("");
                let message = line.strip_prefix("earshot: ").unwrap_or(line);
                assert!(
                    names_file_line_col(message, &env.config_path()),
                    "case {case}: no file:line:col in {stderr}\n--- input ---\n{input}"
                );
            }
            other => {
                panic!("case {case}: `check` exited {other:?}\n{stderr}\n--- input ---\n{input}")
            }
        }
    }
    assert!(codes[0] > 0 && codes[2] > 0, "{codes:?}");
    assert!(server.requests().is_empty(), "`check` fetched a URL");
}

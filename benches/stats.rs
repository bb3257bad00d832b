//! `earshot stats` and `earshot mentions list --state open` on a database of
//! 1,000,000 mentions (issue #12). Target: ≤ 200 ms each.
//!
//! The database is built directly with rusqlite in one transaction (schema
//! from `Store::open`, full-text triggers dropped while loading: these
//! commands do not search): six watches, nine sources, one year of mentions
//! spread evenly (about 82,000 in the default 30 days), 30% negative, 10%
//! open, 5% ignored, the rest handled 5 minutes to 2 days after they were
//! found. Then the binary under test runs each command five times; the
//! median is printed and checked.
//!
//! The builder is `benches/support/million.rs` (shared with `benches/web.rs`).
//!
//! Run: `cargo bench --bench stats --profile release` (or `--profile bench`).
//! `-- --mentions N` for another size. Nothing leaves the machine.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

#[path = "support/million.rs"]
mod million;

use million::{build, WATCHES};

const TARGET: Duration = Duration::from_millis(200);

/// The median wall time of five runs of `earshot ARGS`, after one warm-up.
fn time(config: &Path, args: &[&str]) -> (Duration, usize) {
    let run = || {
        let start = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_earshot"))
            .arg("--config")
            .arg(config)
            .args(args)
            .output()
            .expect("run earshot");
        let took = start.elapsed();
        assert!(
            out.status.success(),
            "earshot {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (took, out.stdout.iter().filter(|&&b| b == b'\n').count())
    };
    let (_, lines) = run();
    let mut times: Vec<Duration> = (0..5).map(|_| run().0).collect();
    times.sort();
    (times[2], lines)
}

fn main() {
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
    let mut toml = format!("[storage]\ndatabase = {:?}\n\n", db.display().to_string());
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

    let cases: &[(&str, &[&str], bool)] = &[
        (
            "stats (30d, by day, json)",
            &["stats", "--format", "json"],
            true,
        ),
        ("stats (30d, by day, table)", &["stats"], true),
        (
            "stats --by week --watch acme",
            &["stats", "--by", "week", "--watch", "acme"],
            true,
        ),
        (
            "mentions list --state open",
            &["mentions", "list", "--state", "open"],
            true,
        ),
        (
            "stats --since 365d --by month (all rows)",
            &["stats", "--since", "365d", "--by", "month"],
            false,
        ),
    ];
    let mut over = Vec::new();
    for (name, args, checked) in cases {
        let (took, lines) = time(&config, args);
        println!(
            "{name:<42} {:>7.1} ms  ({lines} lines){}",
            took.as_secs_f64() * 1000.0,
            million::note(*checked)
        );
        if *checked && took > TARGET {
            over.push(*name);
        }
    }
    million::assert_within(&over, TARGET);
}

//! Hostile-page benchmark (issue #10 §2): the CPU time of `earshot poll` on
//! an `html` page nested 100,000 elements deep (~4 MiB) and on a `reviews`
//! page with 60,000 nested microdata properties, each alone. Target: ≤ 2 s
//! of CPU each (they took 65 s and 121 s before the nesting cap).
//!
//! Run: `cargo bench --bench hostile`. Prints wall and CPU time per page and
//! fails when a page goes over the target. Nothing leaves 127.0.0.1.

#[path = "../tests/support/server.rs"]
mod server;

#[path = "../tests/support/pages.rs"]
mod pages;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use server::{Route, Server};

const TARGET_CPU: Duration = Duration::from_secs(2);

/// `earshot --config CONFIG poll`: wall and CPU (user + system) time.
fn poll(config: &Path) -> (Duration, Duration, String) {
    let start = Instant::now();
    #[expect(
        clippy::zombie_processes,
        reason = "reaped below with wait4, which also gives its rusage"
    )]
    let child = Command::new(env!("CARGO_BIN_EXE_earshot"))
        .arg("--config")
        .arg(config)
        .arg("poll")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("start earshot");
    let pid = child.id() as libc::pid_t;
    let mut stdout = child.stdout.expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut s);
        s
    });
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting once for our own child, with pointers to locals.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    assert_eq!(r, pid, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "earshot failed: {status}"
    );
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    let cpu = tv(usage.ru_utime) + tv(usage.ru_stime);
    (wall, cpu, reader.join().unwrap_or_default())
}

fn main() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let server = rt.block_on(Server::start());
    server.route(
        "/forum",
        Route::ok("text/html; charset=utf-8", pages::deep_html_page()),
    );
    server.route(
        "/reviews",
        Route::ok("text/html; charset=utf-8", pages::deep_reviews_page()),
    );
    let watch = "[[watch]]\nname = \"acme\"\nterms = [\"Acme Telecom\"]\n";
    let cases = [
        (
            "html, 100,000 elements deep",
            format!(
                "{watch}[[source]]\nname = \"forum\"\nkind = \"html\"\nurl = \"{}\"\n\
                 [source.selectors]\nitem = \"article.klacht\"\ntitle = \"h2\"\nlink = \"h2 a\"\ntext = \".tekst p\"\n",
                server.url("/forum")
            ),
        ),
        (
            "reviews, 60,000 nested properties",
            format!(
                "{watch}[[source]]\nname = \"reviews\"\nkind = \"reviews\"\nurl = \"{}\"\n",
                server.url("/reviews")
            ),
        ),
    ];
    let mut over = false;
    for (what, config) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("earshot.toml");
        std::fs::write(&path, config).expect("write config");
        let (wall, cpu, out) = poll(&path);
        println!(
            "{what}: wall {:.2} s, CPU {:.2} s (target ≤ {:.0} s) — {}",
            wall.as_secs_f64(),
            cpu.as_secs_f64(),
            TARGET_CPU.as_secs_f64(),
            out.lines().next().unwrap_or("").trim()
        );
        over |= cpu > TARGET_CPU;
    }
    if over {
        eprintln!("a hostile page took more CPU than the target");
        std::process::exit(1);
    }
}

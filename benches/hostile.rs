//! Hostile-page benchmark (issue #10 §2): the CPU time of `earshot poll` on
//! an `html` page nested 100,000 elements deep (~4 MiB) and on a `reviews`
//! page with 60,000 nested microdata properties, each alone, with its peak
//! memory. Target: ≤ 2 s of CPU each (they took 65 s and 121 s before the
//! nesting cap).
//!
//! Run: `cargo bench --bench hostile`. Prints wall and CPU time per page and
//! fails when a page goes over the target. Nothing leaves 127.0.0.1.

#[path = "../tests/support/server.rs"]
mod server;

#[path = "../tests/support/pages.rs"]
mod pages;

#[path = "../tests/support/measure.rs"]
mod measure;

use std::time::Duration;

use measure::run_earshot;
use server::{Route, Server};

const TARGET_CPU: Duration = Duration::from_secs(2);

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
        let run = run_earshot(&path, &["poll"]);
        println!(
            "{what}: wall {:.2} s, CPU {:.2} s (target ≤ {:.0} s), peak RSS {} MB — {}",
            run.wall.as_secs_f64(),
            run.cpu.as_secs_f64(),
            TARGET_CPU.as_secs_f64(),
            run.max_rss_kib / 1024,
            run.stdout.lines().next().unwrap_or("").trim()
        );
        over |= run.cpu > TARGET_CPU;
    }
    if over {
        eprintln!("a hostile page took more CPU than the target");
        std::process::exit(1);
    }
}

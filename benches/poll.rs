//! Poll benchmark: N generated feeds served from loopback, `earshot poll` on
//! them cold (empty database) and again (every feed answers 304), and the
//! floor beside it in the same run: curl fetching every feed in parallel,
//! then grep over the bodies (when `curl` is on PATH).
//!
//! Run: `cargo bench --bench poll` (1,000 feeds) or
//! `cargo bench --bench poll -- --feeds 10000`; `-- --scaling` runs 1,000
//! and 10,000 feeds and compares their CPU per item. Options: `--feeds N`,
//! `--hosts H` (loopback addresses 127.0.0.1..H the feeds are spread over,
//! default 50: real feeds live on many hosts, and earshot allows only
//! `per_host` fetches per host at once), `--seed S`, `--repeat N` (run the
//! cold poll and the floor N times each, alternating, and keep each one's
//! best wall and CPU time: on a shared machine one run's figures can be off
//! by a factor of two).
//!
//! Prints wall and CPU time, items/s, peak RSS of the earshot process,
//! mentions found vs expected (a mismatch fails the run), the floor's wall
//! and CPU time and earshot's ratios to it (issue #15 §4: cold ≤ 2.0× the
//! floor's wall time, ≤ 2.5× its CPU). Nothing leaves 127.0.0.0/8.

#[path = "../tests/support/server.rs"]
mod server;

#[path = "../tests/support/measure.rs"]
mod measure;

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use measure::{run_earshot, run_measured, Run};
use server::{Route, Server};

/// Watches of the benchmark config: (name, terms, exclusions).
const WATCHES: &[(&str, &[&str], &[&str])] = &[
    (
        "acme",
        &["Acme Telecom", "AcmeTel", "@acmetelecom"],
        &["Acme Corporation"],
    ),
    ("klm", &["KLM"], &[]),
    ("bol", &["bol.com"], &[]),
    ("hema", &["HEMA"], &[]),
    ("cafe", &["Café Nöel"], &[]),
];

/// How each watch's terms appear in generated text (case and accent variants).
const SPELLINGS: &[(usize, &str)] = &[
    (0, "Acme Telecom"),
    (0, "acme telecom"),
    (0, "ACMETEL"),
    (0, "@AcmeTelecom"),
    (1, "KLM"),
    (1, "KLM's"),
    (1, "#klm"),
    (2, "Bol.com"),
    (2, "BOL.COM"),
    (3, "Hema"),
    (3, "HEMA-winkel"),
    (4, "Cafe Noel"),
    (4, "café nöel"),
];

/// Near misses that must not count.
const DECOYS: &[&str] = &[
    "KLMN",
    "bolcom",
    "Acme Corporation Acme Telecom",
    "hemathologie",
    "cafenoelle",
];

const WORDS: &[&str] = &[
    "de",
    "het",
    "een",
    "en",
    "van",
    "klant",
    "levering",
    "pakket",
    "vandaag",
    "gisteren",
    "service",
    "internet",
    "storing",
    "the",
    "customer",
    "delivery",
    "order",
    "refund",
    "waiting",
    "weeks",
    "helpdesk",
    "nog",
    "steeds",
    "geen",
    "reactie",
    "update",
    "market",
    "shares",
    "quarter",
    "results",
    "weather",
    "traffic",
    "Amsterdam",
    "Utrecht",
    "Rotterdam",
    "train",
    "delay",
    "news",
    "report",
    "analysis",
    "policy",
    "energy",
    "price",
    "growth",
    "mobile",
    "network",
    "coverage",
    "outage",
    "store",
    "opening",
    "review",
    "product",
    "quality",
    "staff",
    "friendly",
    "slow",
];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 1000 < percent * 10
    }
}

fn words(rng: &mut Rng, n: usize, out: &mut String) {
    for i in 0..n {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(WORDS[rng.below(WORDS.len())]);
    }
}

struct Generated {
    body: Vec<u8>,
    items: usize,
    /// (feed, item, watch) triples that must become mentions.
    expected: usize,
}

/// One feed of 20–100 items, RSS or Atom, about 100 KB.
fn feed(rng: &mut Rng, index: usize, base: &str) -> Generated {
    let atom = index % 2 == 1;
    let n = 20 + rng.below(81);
    let mut expected = 0;
    let mut s = String::with_capacity(n * 1800);
    if atom {
        let _ = write!(
            s,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<title>Feed {index}</title><id>urn:feed:{index}</id><updated>2026-11-20T10:00:00Z</updated>\n"
        );
    } else {
        let _ = write!(
            s,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Feed {index}</title><link>{base}</link><description>generated</description>\n"
        );
    }
    for i in 0..n {
        let mut title = String::new();
        let n_words = 6 + rng.below(6);
        words(rng, n_words, &mut title);
        let mut html = String::new();
        // A mention in a few percent of items, sometimes in the title.
        let mention = rng.chance(3).then(|| SPELLINGS[rng.below(SPELLINGS.len())]);
        let decoy = rng.chance(1).then(|| DECOYS[rng.below(DECOYS.len())]);
        for p in 0..3 + rng.below(3) {
            html.push_str("<p>");
            let n_words = 30 + rng.below(30);
            words(rng, n_words, &mut html);
            if p == 1 {
                if let Some((_, spelling)) = mention {
                    let _ = write!(html, " <b>{spelling}</b> ");
                    words(rng, 5, &mut html);
                }
                if let Some(d) = decoy {
                    let _ = write!(html, " {d} ");
                }
                let _ = write!(
                    html,
                    " <a href=\"/story/{index}/{i}?utm_source=rss\">lees meer</a> &amp; "
                );
            }
            html.push_str("</p>");
        }
        if let Some((watch, _)) = mention {
            // The exclusion decoy cancels an "acme" mention in the same item.
            if !(watch == 0 && decoy == Some("Acme Corporation Acme Telecom")) {
                expected += 1;
            }
        } else if decoy == Some("Acme Corporation Acme Telecom") {
            // Excluded: not a mention.
        }
        let link = format!("{base}/story/{index}/{i}");
        let escaped = html
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        if atom {
            let _ = writeln!(
                s,
                "<entry><title>{title}</title><id>urn:item:{index}:{i}</id><link rel=\"alternate\" href=\"{link}\"/><updated>2026-11-20T09:{:02}:00Z</updated><author><name>Auteur {i}</name></author><content type=\"html\">{escaped}</content></entry>",
                i % 60
            );
        } else {
            let _ = writeln!(
                s,
                "<item><title>{title}</title><link>{link}</link><guid isPermaLink=\"false\">item-{index}-{i}</guid><pubDate>Fri, 20 Nov 2026 09:{:02}:00 +0000</pubDate><description><![CDATA[{html}]]></description></item>",
                i % 60
            );
        }
    }
    s.push_str(if atom {
        "</feed>\n"
    } else {
        "</channel></rss>\n"
    });
    Generated {
        body: s.into_bytes(),
        items: n,
        expected,
    }
}

fn config(dir: &Path, urls: &[String]) -> String {
    let mut c = format!(
        "[storage]\ndatabase = \"{}\"\n\n[http]\nuser_agent = \"earshot-bench/0.1\"\ntimeout = \"30s\"\nmax_body = \"10MiB\"\n\n",
        dir.join("bench.db").display()
    );
    for (name, terms, exclude) in WATCHES {
        let list = |v: &[&str]| {
            v.iter()
                .map(|t| format!("{t:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = write!(
            c,
            "[[watch]]\nname = \"{name}\"\nterms = [{}]\nexclude = [{}]\n\n",
            list(terms),
            list(exclude)
        );
    }
    for (i, u) in urls.iter().enumerate() {
        let _ = write!(
            c,
            "[[source]]\nname = \"feed-{i}\"\nkind = \"feed\"\nurl = \"{u}\"\n\n"
        );
    }
    c
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn flag(name: &str) -> bool {
    std::env::args().any(|a| a == name)
}

fn main() {
    if flag("--serve") {
        serve();
        return;
    }
    let floor = floor_available();
    if !floor {
        println!("curl not found on PATH: the floor (curl + grep) is not measured");
    }
    if flag("--scaling") {
        let small = run(1000, floor);
        println!();
        let large = run(10_000, floor);
        println!();
        let per = |r: &Figures| r.cold.cpu.as_secs_f64() * 1e6 / r.items as f64;
        let growth = per(&large) / per(&small);
        println!(
            "scaling: earshot cold CPU per item {:.1} µs (1,000 feeds) → {:.1} µs (10,000 feeds): ×{growth:.2} (linear: ≤ 1.25){}",
            per(&small),
            per(&large),
            verdict(growth <= 1.25)
        );
        if let (Some(a), Some(b)) = (&small.floor, &large.floor) {
            let per_floor = |f: &Floor, items: usize| f.cpu().as_secs_f64() * 1e6 / items as f64;
            println!(
                "         floor CPU per item {:.1} µs → {:.1} µs",
                per_floor(a, small.items),
                per_floor(b, large.items)
            );
        }
        if !(small.found_all && large.found_all) {
            std::process::exit(1);
        }
    } else {
        let figures = run(arg("--feeds", 1000), floor);
        if !figures.found_all {
            std::process::exit(1);
        }
    }
}

fn floor_available() -> bool {
    let found = |tool: &str| {
        Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    found("curl") && found("grep")
}

/// The server half, in its own process: generates the feeds, serves them,
/// writes the config and the list of feed URLs, prints one line of totals,
/// and serves until stdin closes. Keeping the ~100 MB of feed bodies out of
/// the measuring process matters: a child's peak RSS as the kernel reports
/// it includes its parent's memory at the moment of exec.
fn serve() {
    let feeds = arg("--feeds", 1000);
    let hosts = arg("--hosts", 50).clamp(1, 250);
    let mut rng = Rng(arg("--seed", 0x5eed) as u64 | 1);
    let dir = std::env::args()
        .skip_while(|a| a != "--dir")
        .nth(1)
        .expect("--dir");
    let dir = Path::new(&dir);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let servers: Vec<Server> = rt.block_on(async {
        let mut v = Vec::new();
        for h in 0..hosts {
            v.push(Server::start_on(&format!("127.0.0.{}", h + 1), false).await);
        }
        v
    });
    let (mut items, mut expected, mut bytes) = (0usize, 0usize, 0usize);
    let mut urls = Vec::with_capacity(feeds);
    for i in 0..feeds {
        let server = &servers[i % hosts];
        let path = format!("/feed/{i}.xml");
        let base = format!("http://{}", server.addr);
        let g = feed(&mut rng, i, &base);
        items += g.items;
        expected += g.expected;
        bytes += g.body.len();
        let ct = if i % 2 == 1 {
            "application/atom+xml"
        } else {
            "application/rss+xml; charset=utf-8"
        };
        server.route(
            &path,
            Route::ok(ct, g.body).with_etag(&format!("\"v1-{i}\"")),
        );
        urls.push(server.url(&path));
    }
    std::fs::write(dir.join("bench.toml"), config(dir, &urls)).expect("write config");
    std::fs::write(dir.join("urls.txt"), urls.join("\n")).expect("write urls");
    println!("{feeds} {hosts} {items} {bytes} {expected}");
    // Serve until the measuring process closes our stdin.
    let mut sink = String::new();
    let _ = std::io::stdin().read_line(&mut sink);
    drop(rt);
}

/// What one run measured, for the scaling summary.
struct Figures {
    items: usize,
    cold: Run,
    floor: Option<Floor>,
    found_all: bool,
}

/// The floor: curl fetching every feed in parallel, then grep over the bodies.
struct Floor {
    curl: Run,
    grep: Run,
    /// Lines grep found a term on (each generated item is one line).
    lines: usize,
}

impl Floor {
    fn wall(&self) -> Duration {
        self.curl.wall + self.grep.wall
    }
    fn cpu(&self) -> Duration {
        self.curl.cpu + self.grep.cpu
    }
}

const TARGET_WALL: f64 = 2.0;
const TARGET_CPU: f64 = 2.5;
const TARGET_RSS_MIB: f64 = 40.0;

fn verdict(met: bool) -> &'static str {
    if met {
        " ✓"
    } else {
        " ✗"
    }
}

/// One benchmark run on `feeds` feeds: earshot cold and again, then the
/// floor on the same server, side by side.
fn run(feeds: usize, floor: bool) -> Figures {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = Command::new(std::env::current_exe().expect("own path"))
        .args(["--serve", "--feeds", &feeds.to_string()])
        .args(["--hosts", &arg("--hosts", 50).to_string()])
        .args(["--seed", &arg("--seed", 0x5eed).to_string()])
        .args(["--dir", &dir.path().display().to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start server process");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(server.stdout.as_mut().expect("server stdout")),
        &mut line,
    )
    .expect("server totals");
    let totals: Vec<usize> = line
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    let [feeds, hosts, items, bytes, expected] = totals[..] else {
        panic!("server said {line:?}");
    };
    println!(
        "{feeds} feeds on {hosts} loopback hosts: {items} items, {:.1} MB, {expected} expected mentions",
        bytes as f64 / 1e6
    );
    let cfg = dir.path().join("bench.toml");
    let per_item = |d: Duration| d.as_secs_f64() * 1e6 / items as f64;

    // Cold and floor alternate, so load from elsewhere hits both alike; each
    // keeps its best wall and CPU time.
    let repeat = arg("--repeat", 1).max(1);
    let mut cold: Option<Run> = None;
    let mut floor_best: Option<Floor> = None;
    for round in 0..repeat {
        if round > 0 {
            for file in ["bench.db", "bench.db-wal", "bench.db-shm"] {
                let _ = std::fs::remove_file(dir.path().join(file));
            }
        }
        let run = run_earshot(&cfg, &["poll"]);
        cold = Some(match cold {
            None => run,
            Some(best) => best_of(best, run),
        });
        if floor {
            let f = run_floor(dir.path());
            floor_best = Some(match floor_best {
                None => f,
                Some(b) => Floor {
                    curl: best_of(b.curl, f.curl),
                    grep: best_of(b.grep, f.grep),
                    lines: f.lines,
                },
            });
        }
    }
    let cold = cold.expect("at least one cold run");
    if repeat > 1 {
        println!("best of {repeat} runs each:");
    }
    let summary = cold.stdout.lines().last().unwrap_or("").to_string();
    let found = earshot::store::Store::open(&dir.path().join("bench.db"))
        .and_then(|s| s.mentions(&earshot::store::MentionFilter::default()))
        .map(|m| m.len())
        .expect("read mentions");
    let rss = cold.max_rss_kib as f64 / 1024.0;
    println!(
        "cold:    {:>7.3} s (cpu {:.2} s, {:.1} µs/item)  {:>9.0} items/s  peak RSS {rss:>5.1} MiB (≤ {TARGET_RSS_MIB:.0}){}  mentions {found}/{expected}{}",
        cold.wall.as_secs_f64(),
        cold.cpu.as_secs_f64(),
        per_item(cold.cpu),
        items as f64 / cold.wall.as_secs_f64(),
        verdict(rss <= TARGET_RSS_MIB),
        if found == expected {
            " ✓"
        } else {
            " ✗ MISMATCH"
        }
    );
    println!("         {summary}");

    let again = run_earshot(&cfg, &["poll"]);
    let summary = again.stdout.lines().last().unwrap_or("").to_string();
    println!(
        "re-poll: {:>7.3} s (cpu {:.2} s)  peak RSS {:>5.1} MiB",
        again.wall.as_secs_f64(),
        again.cpu.as_secs_f64(),
        again.max_rss_kib as f64 / 1024.0
    );
    println!("         {summary}");

    let floor = floor_best;
    if let Some(f) = &floor {
        println!(
            "floor:   {:>7.3} s (cpu {:.2} s, {:.1} µs/item)  curl {:.3} s (cpu {:.2} s), grep {:.3} s (cpu {:.2} s); {} lines with a term",
            f.wall().as_secs_f64(),
            f.cpu().as_secs_f64(),
            per_item(f.cpu()),
            f.curl.wall.as_secs_f64(),
            f.curl.cpu.as_secs_f64(),
            f.grep.wall.as_secs_f64(),
            f.grep.cpu.as_secs_f64(),
            f.lines
        );
        let wall = cold.wall.as_secs_f64() / f.wall().as_secs_f64();
        let cpu = cold.cpu.as_secs_f64() / f.cpu().as_secs_f64();
        println!(
            "ratio:   cold / floor wall {wall:.2}× (≤ {TARGET_WALL}){}, CPU {cpu:.2}× (≤ {TARGET_CPU}){}",
            verdict(wall <= TARGET_WALL),
            verdict(cpu <= TARGET_CPU)
        );
    }
    drop(server.stdin.take());
    let _ = server.wait();
    Figures {
        items,
        cold,
        floor,
        found_all: found == expected,
    }
}

/// The better of two runs: the lower wall and CPU time, each on its own,
/// and the higher peak RSS (memory is not noise); the later run's output.
fn best_of(a: Run, b: Run) -> Run {
    Run {
        wall: a.wall.min(b.wall),
        cpu: a.cpu.min(b.cpu),
        max_rss_kib: a.max_rss_kib.max(b.max_rss_kib),
        ..b
    }
}

/// The floor on the feeds listed in `dir/urls.txt`: one curl fetching them
/// all in parallel (50 at once, connections reused) into files, then one grep
/// counting the lines that hold a watched term, ignoring case, over them.
fn run_floor(dir: &Path) -> Floor {
    let bodies = dir.join("bodies");
    let _ = std::fs::remove_dir_all(&bodies);
    std::fs::create_dir_all(&bodies).expect("bodies dir");
    let urls = std::fs::read_to_string(dir.join("urls.txt")).expect("read urls");
    let mut list = String::new();
    for (i, u) in urls.lines().enumerate() {
        let _ = writeln!(
            list,
            "url = \"{u}\"\noutput = \"{}\"",
            bodies.join(format!("{i}.xml")).display()
        );
    }
    let list_path = dir.join("curl.txt");
    std::fs::write(&list_path, list).expect("write curl list");
    // The terms as written and without their accents (grep does not fold them).
    let mut terms = String::new();
    for (_, watch_terms, _) in WATCHES {
        for t in *watch_terms {
            let _ = writeln!(terms, "{t}");
            let plain: String = t
                .chars()
                .map(|c| match c {
                    'é' => 'e',
                    'ö' => 'o',
                    c => c,
                })
                .collect();
            if plain != *t {
                let _ = writeln!(terms, "{plain}");
            }
        }
    }
    let terms_path = dir.join("terms.txt");
    std::fs::write(&terms_path, terms).expect("write terms");

    let mut curl = Command::new("curl");
    // curl 7.88 draws its parallel progress meter on stderr even with
    // --silent. It stays on the terminal: with --no-progress-meter, or with
    // stderr sent to /dev/null, its transfer loop spins (0.9 s of CPU
    // instead of 0.2 s on 1,000 feeds), which would flatter earshot.
    curl.args(["--parallel", "--parallel-max", "50", "--silent", "--fail"])
        .arg("--config")
        .arg(&list_path);
    let curl = run_measured(curl);
    let mut grep = Command::new("grep");
    grep.env("LC_ALL", "C.UTF-8")
        .args(["--count", "--ignore-case", "--fixed-strings", "--recursive"])
        .arg("--file")
        .arg(&terms_path)
        .arg(&bodies);
    let grep = run_measured(grep);
    let lines = grep
        .stdout
        .lines()
        .filter_map(|l| l.rsplit(':').next()?.parse::<usize>().ok())
        .sum();
    Floor { curl, grep, lines }
}

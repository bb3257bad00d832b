//! The generated feeds the poll benchmarks read (`benches/poll.rs`,
//! `benches/multi.rs`), and the separate process that serves them: N feeds
//! of 20–100 items each, RSS or Atom, realistic HTML, ~3% of items
//! mentioning a watched brand in some spelling, plus near-miss decoys that
//! must not count. The same feeds on every run (a fixed seed). Each bench
//! writes its own config around the watches and the served URLs; nothing
//! here is served beyond 127.0.0.0/8.

#![allow(dead_code)] // each includer uses a different part

use std::fmt::Write as _;
use std::io::BufRead as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};

#[path = "../../tests/support/server.rs"]
mod server;

use server::{Route, Server};

/// Watches of the benchmark config: (name, terms, exclusions).
pub const WATCHES: &[(&str, &[&str], &[&str])] = &[
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

/// The `[[watch]]` tables of every benchmark config.
pub fn watches_toml() -> String {
    let mut c = String::new();
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
    c
}

/// The number after `name` on the command line, or `default`.
pub fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub fn flag(name: &str) -> bool {
    std::env::args().any(|a| a == name)
}

/// The server half, in its own process (the bench's own executable with
/// `--serve`): generates the feeds, serves them, lets `write_config` write
/// the bench's config from the feed URLs into `--dir`, writes the list of
/// feed URLs there (`urls.txt`), prints one line of totals, and serves until
/// stdin closes. Keeping the ~100 MB of feed bodies out of the measuring
/// process matters: a child's peak RSS as the kernel reports it includes its
/// parent's memory at the moment of exec.
pub fn serve(write_config: fn(&Path, &[String])) {
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
    write_config(dir, &urls);
    std::fs::write(dir.join("urls.txt"), urls.join("\n")).expect("write urls");
    println!("{feeds} {hosts} {items} {bytes} {expected}");
    // Serve until the measuring process closes our stdin.
    let mut sink = String::new();
    let _ = std::io::stdin().read_line(&mut sink);
    drop(rt);
}

/// The server process as the measuring side sees it, with the totals of
/// what it serves. Dropping it closes the server's stdin and waits for it.
pub struct Served {
    child: Child,
    pub feeds: usize,
    pub hosts: usize,
    pub items: usize,
    pub bytes: usize,
    /// (feed, item, watch) triples that must become mentions.
    pub expected: usize,
}

/// Starts [`serve`] in a process of its own for `feeds` feeds (`--hosts`
/// and `--seed` as given to this bench), writing into `dir`, and waits until
/// it serves.
pub fn start(feeds: usize, dir: &Path) -> Served {
    let mut child = Command::new(std::env::current_exe().expect("own path"))
        .args(["--serve", "--feeds", &feeds.to_string()])
        .args(["--hosts", &arg("--hosts", 50).to_string()])
        .args(["--seed", &arg("--seed", 0x5eed).to_string()])
        .args(["--dir", &dir.display().to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start server process");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.as_mut().expect("server stdout"))
        .read_line(&mut line)
        .expect("server totals");
    let totals: Vec<usize> = line
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    let [feeds, hosts, items, bytes, expected] = totals[..] else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("server said {line:?}");
    };
    Served {
        child,
        feeds,
        hosts,
        items,
        bytes,
        expected,
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

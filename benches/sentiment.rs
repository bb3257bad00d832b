//! Throughput of the sentiment scorer alone on tweet-length texts, one core.
//! Reads the shared development sets when they are there (`../shared/data`,
//! evaluation data that stays outside the repository), else generates
//! mentions from a fixed list. Run: `cargo bench --bench sentiment`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use earshot::sentiment::{Analyzer, Lang};

/// Tweet-length texts: dev-set lines cut to 280 characters, or generated.
fn corpus() -> (Vec<String>, &'static str) {
    let dev = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/sentiment/dev");
    let mut texts = Vec::new();
    for set in [
        "en/tweeteval_sentiment_val.tsv",
        "nl/political_tweets_train.tsv",
        "en/vader_tweets.tsv",
    ] {
        if let Ok(s) = std::fs::read_to_string(dev.join(set)) {
            texts.extend(
                s.lines()
                    .filter_map(|l| l.split_once('\t'))
                    .map(|(_, t)| t.chars().take(280).collect::<String>()),
            );
        }
    }
    if !texts.is_empty() {
        return (texts, "dev-set tweets");
    }
    let parts = [
        "Al 3 uur in de wacht bij @provider, dit is echt niet normaal!!",
        "Nog steeds geen reactie op mijn mail van vorige week 🙄",
        "Geweldig weer, NS. Derde keer vertraging deze week 👏",
        "Super bedankt voor de snelle hulp, top service!",
        "On hold for 2 hours now and still no reply, never again",
        "My parcel never arrived and support is useless",
        "Loving the new update, works great on my phone :)",
        "The store opens at 9 on Mondays, see you there",
    ];
    let texts = (0..5000)
        .map(|i| format!("{} #{i}", parts[i % parts.len()]))
        .collect();
    (texts, "generated mentions")
}

/// This thread's time on a CPU so far (Linux `/proc/thread-self/schedstat`),
/// so a busy shared machine does not distort texts/s; `None` elsewhere.
fn thread_cpu_time() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

fn main() {
    let start = Instant::now();
    let analyzer = Analyzer::new();
    let build = start.elapsed();
    // Each language's complaint patterns compile on first use.
    let start = Instant::now();
    black_box(analyzer.analyze_as("geen reactie", Lang::Nl, None, None));
    black_box(analyzer.analyze_as("no reply", Lang::En, None, None));
    let first_use = start.elapsed();
    let (texts, source) = corpus();
    let mean_len = texts.iter().map(String::len).sum::<usize>() as f64 / texts.len() as f64;

    // Warm up, then score the corpus repeatedly for at least 3 seconds.
    for t in texts.iter().take(1000) {
        black_box(analyzer.analyze(black_box(t), None, None));
    }
    let mut scored = 0usize;
    let cpu_start = thread_cpu_time();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(3) {
        for t in &texts {
            black_box(analyzer.analyze(black_box(t), None, None));
        }
        scored += texts.len();
    }
    let secs = start.elapsed().as_secs_f64();
    let cpu = thread_cpu_time()
        .zip(cpu_start)
        .map(|(end, start)| (end - start).as_secs_f64());
    println!(
        "sentiment: Analyzer::new {:.1} ms; first Dutch and first English text {:.1} ms (pattern packs compile)",
        build.as_secs_f64() * 1e3,
        first_use.as_secs_f64() * 1e3
    );
    println!(
        "sentiment: {:.0} texts/s on one thread ({scored} {source}, mean {mean_len:.0} bytes, {:.2} µs each)",
        scored as f64 / secs,
        secs * 1e6 / scored as f64
    );
    if let Some(cpu) = cpu.filter(|c| *c > 0.0) {
        println!(
            "sentiment: {:.0} texts/s per second of CPU time (wall time above includes waiting for a shared CPU)",
            scored as f64 / cpu
        );
    }
}

//! Issue #14's benchmark for the learned model, on the shared development
//! sets (`../shared/data/sentiment/dev`, evaluation data outside the
//! repository; without them it says so and stops).
//!
//! Per set: shuffle with a fixed seed, import 30 % as labels, train as
//! `earshot learn` does, and score the other 70 % as the daemon does (rules,
//! then the model when its language has one), against the rules alone:
//! negative precision, recall and F1. Then the same with only 50 labels
//! imported. Then speed: texts/s scoring tweet-length texts with a model in
//! both languages, and seconds to train on 10,000 labels.
//! Run: `cargo bench --bench learn`. Options: `--speed` (the speed part
//! alone), `--set NAME` (only the sets whose name contains NAME, repeatable),
//! `--draws N` (also N further random 30 % draws per set, their mean and
//! range printed beside the fixed seed's figure).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use earshot::sentiment::train::{shuffle, train, Example, Neg, Params};
use earshot::sentiment::{eval, Analyzer, Label, Lang, Model, Sentiment};

/// The seed of every split (issue #14).
const SEED: u64 = 14;

/// Every development set, its language from its folder.
const SETS: &[&str] = &[
    "nl/political_tweets_train",
    "en/tweeteval_sentiment_val",
    "nl/bol_book_reviews",
    "en/uci_yelp_sentences",
    "en/uci_amazon_sentences",
    "en/uci_imdb_sentences",
    "en/absa16_restaurants_sentences",
    "en/absa16_restaurants_reviews",
    "en/vader_tweets",
    "en/vader_amazon",
    "en/vader_movies",
    "en/vader_nyt",
];

/// The sets with a target of rules + 0.05 negative F1 at 30 %.
const TARGETS: &[&str] = &[
    "nl/political_tweets_train",
    "en/tweeteval_sentiment_val",
    "nl/bol_book_reviews",
];

struct Set {
    name: &'static str,
    lang: Lang,
    rows: Vec<(Label, String)>,
    /// The rules' verdict on each row.
    rules: Vec<Sentiment>,
}

fn load(dev: &Path, analyzer: &Analyzer) -> Vec<Set> {
    let mut sets = Vec::new();
    for name in SETS {
        let Ok(input) = std::fs::read_to_string(dev.join(format!("{name}.tsv"))) else {
            continue;
        };
        let rows: Vec<(Label, String)> = match eval::parse_tsv(&input) {
            Ok(rows) => rows.into_iter().map(|(l, t)| (l, t.to_string())).collect(),
            Err(e) => {
                println!("learn: skipping {name}: {e}");
                continue;
            }
        };
        let lang = if name.starts_with("nl/") {
            Lang::Nl
        } else {
            Lang::En
        };
        let rules = rows
            .iter()
            .map(|(_, t)| analyzer.analyze_with(t, Some(lang), None, None, None))
            .collect();
        sets.push(Set {
            name,
            lang,
            rows,
            rules,
        });
    }
    sets
}

/// Trains on the rows `on` of `set`.
fn fit(set: &Set, on: &[usize]) -> Model {
    let examples: Vec<Example<'_>> = on
        .iter()
        .map(|&i| Example {
            text: &set.rows[i].1,
            lang: set.lang,
            label: set.rows[i].0,
            rules_score: set.rules[i].score,
            rules_label: set.rules[i].label,
        })
        .collect();
    train(&examples, &Params::default()).0
}

/// Negative figures on the rows `on`: the rules alone, and as the daemon
/// scores with `model`.
fn measure(set: &Set, analyzer: &Analyzer, model: &Model, on: &[usize]) -> (Neg, Neg) {
    let rules = Neg::of(on.iter().map(|&i| (set.rows[i].0, set.rules[i].label)));
    let with = Neg::of(on.iter().map(|&i| {
        let s = analyzer.analyze_with(&set.rows[i].1, Some(set.lang), None, None, Some(model));
        (set.rows[i].0, s.label)
    }));
    (rules, with)
}

fn prf(n: Neg) -> String {
    format!("{:.3} / {:.3} / {:.3}", n.precision, n.recall, n.f1)
}

/// This thread's time on a CPU so far (Linux), so a busy shared machine
/// does not distort texts/s; `None` elsewhere.
fn thread_cpu_time() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

fn main() {
    let dev = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/sentiment/dev");
    if !dev.is_dir() {
        println!(
            "learn: no development sets at {} (evaluation data outside the repository); nothing to measure",
            dev.display()
        );
        return;
    }
    let analyzer = Analyzer::new();
    let sets = load(&dev, &analyzer);
    println!(
        "learn: import 30 % of each set (seed {SEED}), score the other 70 %; negative P / R / F1"
    );
    println!(
        "| set | labels | rules alone | rules + model | Δ F1 | model | Δ F1, 50 labels |\n|---|---:|---|---|---:|---|---:|"
    );
    let args: Vec<String> = std::env::args().collect();
    let only_speed = args.iter().any(|a| a == "--speed");
    let option = |name: &'static str| {
        args.windows(2)
            .filter(move |w| w[0] == name)
            .map(|w| w[1].clone())
    };
    let wanted: Vec<String> = option("--set").collect();
    let draws: u64 = option("--draws")
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let mut failed = Vec::new();
    for set in sets
        .iter()
        .filter(|_| !only_speed)
        .filter(|s| wanted.is_empty() || wanted.iter().any(|w| s.name.contains(w.as_str())))
    {
        let mut order: Vec<usize> = (0..set.rows.len()).collect();
        shuffle(&mut order, SEED);
        let cut = (set.rows.len() * 3).div_ceil(10);
        let (labels, rest) = order.split_at(cut);
        let model = fit(set, labels);
        let (rules, with) = measure(set, &analyzer, &model, rest);
        let delta = with.f1 - rules.f1;
        let used = if model.languages().is_empty() {
            "not used"
        } else {
            "in use"
        };
        let (few, rest50) = order.split_at(50.min(order.len()));
        let model50 = fit(set, few);
        let (rules50, with50) = measure(set, &analyzer, &model50, rest50);
        let delta50 = with50.f1 - rules50.f1;
        println!(
            "| {} | {} | {} | {} | {:+.3} | {used} | {:+.3} |",
            set.name,
            labels.len(),
            prf(rules),
            prf(with),
            delta,
            delta50
        );
        if draws > 0 {
            let deltas: Vec<f64> = (1..=draws)
                .map(|d| {
                    let mut order: Vec<usize> = (0..set.rows.len()).collect();
                    shuffle(&mut order, SEED.wrapping_mul(1000).wrapping_add(d));
                    let (labels, rest) = order.split_at(cut);
                    let (rules, with) = measure(set, &analyzer, &fit(set, labels), rest);
                    with.f1 - rules.f1
                })
                .collect();
            let mean = deltas.iter().sum::<f64>() / deltas.len() as f64;
            let (lo, hi) = deltas
                .iter()
                .fold((f64::MAX, f64::MIN), |(lo, hi), d| (lo.min(*d), hi.max(*d)));
            println!(
                "learn: {} over {draws} more draws: Δ F1 mean {mean:+.3}, from {lo:+.3} to {hi:+.3}",
                set.name
            );
        }
        if TARGETS.contains(&set.name) && delta < 0.05 {
            failed.push(format!("{} at 30 %: {delta:+.3} (target +0.05)", set.name));
        }
        if delta50 < -0.01 {
            failed.push(format!(
                "{} at 50 labels: {delta50:+.3} (floor −0.01)",
                set.name
            ));
        }
    }
    if only_speed {
    } else if failed.is_empty() {
        println!("learn: every target met");
    } else {
        println!("learn: targets missed: {}", failed.join("; "));
    }

    if wanted.is_empty() {
        speed(&analyzer, &sets);
    }
}

/// Scoring speed with a model in both languages, each trained on 30 % of a
/// tweet set (TweetEval, the Dutch political tweets), on the tweet-length
/// texts `benches/sentiment.rs` uses; training time on 10,000 labels.
fn speed(analyzer: &Analyzer, sets: &[Set]) {
    let find = |name: &str| sets.iter().find(|s| s.name == name);
    let (Some(nl), Some(en)) = (
        find("nl/political_tweets_train"),
        find("en/tweeteval_sentiment_val"),
    ) else {
        return;
    };
    let mut both = Vec::new();
    for set in [nl, en] {
        let mut order: Vec<usize> = (0..set.rows.len()).collect();
        shuffle(&mut order, SEED);
        order.truncate((set.rows.len() * 3).div_ceil(10));
        both.extend(order.into_iter().map(|i| Example {
            text: &set.rows[i].1,
            lang: set.lang,
            label: set.rows[i].0,
            rules_score: set.rules[i].score,
            rules_label: set.rules[i].label,
        }));
    }
    let (model, _) = train(&both, &Params::default());
    println!("learn: speed model in use for {:?}", model.languages());
    let texts: Vec<String> = [
        "en/tweeteval_sentiment_val",
        "nl/political_tweets_train",
        "en/vader_tweets",
    ]
    .iter()
    .filter_map(|n| find(n))
    .flat_map(|s| s.rows.iter().map(|(_, t)| t.chars().take(280).collect()))
    .collect();
    if texts.is_empty() {
        return;
    }
    let mean_len = texts.iter().map(String::len).sum::<usize>() as f64 / texts.len() as f64;
    let changed = texts
        .iter()
        .filter(|t| {
            let rules = analyzer.analyze_with(t, None, None, None, None);
            analyzer
                .analyze_with(t, None, None, None, Some(&model))
                .label
                != rules.label
        })
        .count();
    println!(
        "learn: the model changes the rules' label of {:.1} % of these texts",
        100.0 * changed as f64 / texts.len() as f64
    );
    for (what, with_model) in [("rules alone", false), ("rules + model", true)] {
        let m = with_model.then_some(&model);
        for t in texts.iter().take(1000) {
            black_box(analyzer.analyze_with(black_box(t), None, None, None, m));
        }
        let (mut n, cpu0, start) = (0usize, thread_cpu_time(), Instant::now());
        while start.elapsed() < Duration::from_secs(3) {
            for t in &texts {
                black_box(analyzer.analyze_with(black_box(t), None, None, None, m));
            }
            n += texts.len();
        }
        report(what, n, start.elapsed(), cpu0, mean_len);
    }
    let (mut n, cpu0, start) = (0usize, thread_cpu_time(), Instant::now());
    while start.elapsed() < Duration::from_secs(3) {
        for t in &texts {
            black_box(model.score(black_box(t), Lang::En));
        }
        n += texts.len();
    }
    report(
        "the model alone (Model::score)",
        n,
        start.elapsed(),
        cpu0,
        mean_len,
    );

    // Training on 10,000 labels: the first 10,000 of vader_movies.
    let Some(movies) = find("en/vader_movies") else {
        return;
    };
    let examples: Vec<Example<'_>> = movies
        .rows
        .iter()
        .zip(&movies.rules)
        .take(10_000)
        .map(|((label, text), r)| Example {
            text,
            lang: movies.lang,
            label: *label,
            rules_score: r.score,
            rules_label: r.label,
        })
        .collect();
    let start = Instant::now();
    let (trained, _) = train(&examples, &Params::default());
    println!(
        "learn: training on {} labels took {:.2} s (model in use: {:?})",
        examples.len(),
        start.elapsed().as_secs_f64(),
        trained.languages()
    );
}

fn report(what: &str, n: usize, wall: Duration, cpu0: Option<Duration>, mean_len: f64) {
    let secs = wall.as_secs_f64();
    let cpu = thread_cpu_time()
        .zip(cpu0)
        .map(|(end, start)| (end - start).as_secs_f64())
        .filter(|c| *c > 0.0);
    println!(
        "learn: {what}: {:.0} texts/s on one thread ({n} tweet-length texts, mean {mean_len:.0} bytes){}",
        n as f64 / secs,
        cpu.map(|c| format!(", {:.0} per CPU-second", n as f64 / c))
            .unwrap_or_default()
    );
}

//! Issue #14 §1: the learned model. `earshot learn` imports labelled
//! examples once, refuses a bad file whole, says when a language has too few
//! labels (and then scoring is the rules'), beats the rules on held-out text
//! of the kind it learned, uses the labels set with `mentions label`,
//! `mentions show` names its change, and the daemon trains again after new
//! labels while it keeps polling. Fixtures: `tests/fixtures/learn/` (Dutch
//! delivery mentions of our own making, most complaints without a negative
//! word; `generate.py` wrote them).

use serde_json::Value;

use crate::support::{
    feed_source, rss, settle, start_daemon, stop_within_10s, wait_until, Env, Route, Server, ACME,
};

/// The fixture `tests/fixtures/learn/NAME` copied into the env's folder;
/// returns its path there.
fn fixture_file(env: &Env, name: &str, lines: Option<usize>) -> String {
    let text = String::from_utf8(crate::support::fixture(&format!("learn/{name}"))).expect("utf-8");
    let text: String = match lines {
        Some(n) => text.lines().take(n).map(|l| format!("{l}\n")).collect(),
        None => text,
    };
    let path = env.dir.path().join(name);
    std::fs::write(&path, text).expect("write fixture");
    path.display().to_string()
}

/// `learn ARGS --format json`, parsed.
async fn learn(env: &Env, args: &[&str]) -> Value {
    let mut all = vec!["learn"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    serde_json::from_str(&env.ok(&all).await).expect("learn prints JSON")
}

/// One language's part of `learn`'s JSON.
fn lang<'a>(learned: &'a Value, code: &str) -> &'a Value {
    learned["languages"]
        .as_array()
        .and_then(|l| l.iter().find(|l| l["lang"] == code))
        .unwrap_or_else(|| panic!("no {code} in {learned}"))
}

/// Imported examples of every language, per class.
fn imported_total(learned: &Value) -> u64 {
    learned["languages"]
        .as_array()
        .expect("languages")
        .iter()
        .map(|l| {
            ["neg", "neu", "pos"]
                .iter()
                .map(|c| l["imported"][c].as_u64().unwrap_or(0))
                .sum::<u64>()
        })
        .sum()
}

/// `eval-sentiment FILE --format json [EXTRA]` with the env's config.
async fn eval(env: &Env, file: &str, extra: &[&str]) -> Value {
    let mut args = vec!["eval-sentiment", file, "--format", "json"];
    args.extend_from_slice(extra);
    serde_json::from_str(&env.ok(&args).await).expect("eval prints JSON")
}

#[tokio::test]
async fn issue14_importing_the_same_file_twice_adds_nothing() {
    let env = Env::new("");
    let train = fixture_file(&env, "train_nl.tsv", None);
    let first = learn(&env, &["--import", &train]).await;
    assert_eq!(first["imported"][0]["examples"], 300, "{first}");
    assert_eq!(first["imported"][0]["added"], 300, "{first}");
    assert_eq!(imported_total(&first), 300);
    let again = learn(&env, &["--import", &train]).await;
    assert_eq!(again["imported"][0]["added"], 0, "{again}");
    assert_eq!(imported_total(&again), 300);
    assert_eq!(again["version"], 2);
}

#[tokio::test]
async fn issue14_a_bad_line_names_file_and_line_and_stores_nothing() {
    let env = Env::new("");
    let good = fixture_file(&env, "train_nl.tsv", Some(20));
    let bad = env.dir.path().join("bad.tsv");
    std::fs::write(
        &bad,
        "neg\tWaar blijft mijn pakket\npos\tTop geregeld\nboos\tNog steeds niets\n",
    )
    .unwrap();
    let out = env
        .run(&[
            "learn",
            "--import",
            &good,
            "--import",
            &bad.display().to_string(),
        ])
        .await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.tsv:3:") && err.contains("boos"), "{err}");
    // Neither file was stored: the good one waited for the bad one.
    let after = learn(&env, &[]).await;
    assert_eq!(imported_total(&after), 0, "{after}");

    let columns = env.dir.path().join("columns.tsv");
    std::fs::write(&columns, "neg\ta\tnl\textra\n").unwrap();
    let out = env
        .run(&["learn", "--import", &columns.display().to_string()])
        .await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("columns.tsv:1:"),
        "{err}"
    );
}

#[tokio::test]
async fn issue14_few_labels_leave_the_model_unused_and_scoring_to_the_rules() {
    let env = Env::new("");
    let few = fixture_file(&env, "train_nl.tsv", Some(60));
    let heldout = fixture_file(&env, "heldout_nl.tsv", None);
    let learned = learn(&env, &["--import", &few]).await;
    let nl = lang(&learned, "nl");
    assert_eq!(nl["used"], false, "{learned}");
    assert!(
        nl["why_not"]
            .as_str()
            .unwrap_or("")
            .contains("too few labels"),
        "{learned}"
    );
    let table = env.ok(&["learn"]).await;
    assert!(table.contains("not used: too few labels"), "{table}");

    let with_config = eval(&env, &heldout, &[]).await;
    let rules = eval(&env, &heldout, &["--rules-only"]).await;
    assert_eq!(with_config["scorer"], "the rules alone");
    assert_eq!(with_config["classes"], rules["classes"]);
    assert_eq!(with_config["confusion"], rules["confusion"]);
}

#[tokio::test]
async fn issue14_enough_labels_beat_the_rules_on_held_out_text() {
    let env = Env::new("");
    let train = fixture_file(&env, "train_nl.tsv", None);
    let heldout = fixture_file(&env, "heldout_nl.tsv", None);
    let learned = learn(&env, &["--import", &train]).await;
    let nl = lang(&learned, "nl");
    assert_eq!(nl["used"], true, "{learned}");
    assert!(
        nl["with_model"]["f1"].as_f64() > nl["rules"]["f1"].as_f64(),
        "cross-validated: {learned}"
    );
    let report = env.ok(&["learn", "--report"]).await;
    assert!(
        report.contains("RULES + MODEL") && report.contains("in use"),
        "{report}"
    );

    let with_model = eval(&env, &heldout, &[]).await;
    let rules = eval(&env, &heldout, &["--rules-only"]).await;
    assert!(
        with_model["scorer"]
            .as_str()
            .unwrap_or("")
            .contains("learned model"),
        "{with_model}"
    );
    let f1 = |r: &Value| r["classes"]["neg"]["f1"].as_f64().unwrap_or(0.0);
    assert!(
        f1(&with_model) > f1(&rules) + 0.05,
        "negative F1 with the model {} against the rules {}",
        f1(&with_model),
        f1(&rules)
    );
}

/// A feed of Acme mentions in Dutch, as delivery complaints the rules read
/// as neutral, and one that is plainly neutral.
fn delivery_feed() -> String {
    rss(&[
        ("1", "Weer een dag vrij genomen voor de Acme Telecom monteur, weer niemand aan de deur"),
        ("2", "Mijn Acme Telecom modem zou dinsdag komen, track &amp; trace zegt nog altijd onderweg"),
        ("3", "Bij de chat van Acme Telecom word ik steeds doorverbonden, mijn modem is nog altijd zoek"),
        ("4", "Mijn Acme Telecom modem stond woensdag ingepland, nu ineens verzet naar volgende maand"),
        ("5", "Bezorgt Acme Telecom ook op zaterdag? Ik wil een modem bestellen"),
    ])
}

#[tokio::test(flavor = "multi_thread")]
async fn issue14_labels_set_with_mentions_label_are_learned_from() {
    let server = Server::start().await;
    server.route("/f.rss", Route::ok("application/rss+xml", delivery_feed()));
    let env = Env::new(&format!(
        "{ACME}\n{}",
        feed_source("f", &server.url("/f.rss"))
    ));
    env.ok(&["poll"]).await;
    let ids: Vec<String> = env
        .mentions_json(&[])
        .await
        .iter()
        .map(|m| m["id"].to_string())
        .collect();
    assert_eq!(ids.len(), 5);
    env.ok(&[
        "mentions",
        "label",
        &ids[0],
        &ids[1],
        &ids[2],
        "complaint",
        "--by",
        "lead",
    ])
    .await;
    env.ok(&["mentions", "label", &ids[3], "neutral", "--by", "lead"])
        .await;
    env.ok(&["mentions", "label", &ids[4], "irrelevant", "--by", "lead"])
        .await;
    let learned = learn(&env, &[]).await;
    let nl = lang(&learned, "nl");
    assert_eq!(nl["labels"]["neg"], 3, "{learned}");
    assert_eq!(nl["labels"]["neu"], 1, "{learned}");
    assert_eq!(nl["labels"]["pos"], 0, "{learned}");
    assert_eq!(imported_total(&learned), 0);
    let table = env.ok(&["learn"]).await;
    assert!(table.contains("3/1/0"), "{table}");
}

#[tokio::test(flavor = "multi_thread")]
async fn issue14_mentions_show_names_the_models_change_and_its_words() {
    let server = Server::start().await;
    server.route("/f.rss", Route::ok("application/rss+xml", delivery_feed()));
    let env = Env::new(&format!(
        "{ACME}\n{}",
        feed_source("f", &server.url("/f.rss"))
    ));
    let train = fixture_file(&env, "train_nl.tsv", None);
    let learned = learn(&env, &["--import", &train]).await;
    assert_eq!(lang(&learned, "nl")["used"], true, "{learned}");
    env.ok(&["poll"]).await;
    let mentions = env.mentions_json(&[]).await;
    let changed: Vec<&Value> = mentions
        .iter()
        .filter(|m| {
            m["sentiment"]["reasons"][0]
                .as_str()
                .is_some_and(|r| r.starts_with("model: negative, the rules said neutral"))
        })
        .collect();
    assert!(
        changed.len() >= 2,
        "the model turned the complaints the rules missed negative: {mentions:#?}"
    );
    for m in &changed {
        assert_eq!(m["sentiment"]["label"], "negative");
    }
    // The plain question stays neutral.
    let question = mentions
        .iter()
        .find(|m| {
            m["title"]
                .as_str()
                .is_some_and(|t| t.starts_with("Bezorgt"))
        })
        .expect("the question");
    assert_ne!(question["sentiment"]["label"], "negative", "{question}");

    let id = changed[0]["id"].to_string();
    let shown = env.ok(&["mentions", "show", &id]).await;
    let line = shown
        .lines()
        .find(|l| l.contains("the rules said neutral"))
        .unwrap_or_else(|| panic!("show names the change:\n{shown}"));
    let words: Vec<&str> = line
        .split_once("words: ")
        .map(|(_, w)| w.split(", ").map(|w| w.trim_matches('\'')).collect())
        .unwrap_or_default();
    let title = changed[0]["title"].as_str().unwrap_or("").to_lowercase();
    assert!(
        !words.is_empty() && words.iter().all(|w| title.contains(w)),
        "the words are the mention's own: {line}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn issue14_the_daemon_retrains_after_new_labels_and_keeps_polling() {
    let server = Server::start().await;
    server.route("/f.rss", Route::ok("application/rss+xml", delivery_feed()));
    let env = Env::new(&format!(
        "{ACME}\n{}interval = \"1s\"\n\n[learn]\nretrain_after = 3\ncheck_every = \"1s\"\n",
        feed_source("f", &server.url("/f.rss"))
    ));
    // A first model (nothing to learn from yet): version 1.
    assert_eq!(learn(&env, &[]).await["version"], 1);
    let mut daemon = Daemon(Some(start_daemon(&env, &[])));
    let ids: Vec<String> = settle(20, async || env.mentions_json(&[]).await, |m| m.len() == 5)
        .await
        .iter()
        .map(|m| m["id"].to_string())
        .collect();
    assert_eq!(ids.len(), 5);
    let model = async || {
        let out = env.run(&["status", "--format", "json"]).await;
        let status: Value = serde_json::from_slice(&out.stdout).expect("status JSON");
        status["learned_model"].clone()
    };

    // Two labels: fewer than retrain_after, nothing happens.
    env.ok(&[
        "mentions",
        "label",
        &ids[0],
        &ids[1],
        "complaint",
        "--by",
        "lead",
    ])
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let before = model().await;
    assert_eq!(before["version"], 1, "{before}");
    assert_eq!(before["labels_since"], 2, "{before}");

    // The third: the daemon trains again within a few checks.
    env.ok(&["mentions", "label", &ids[2], "praise", "--by", "lead"])
        .await;
    let after = settle(20, async || model().await, |m| m["version"] == 2).await;
    assert_eq!(after["version"], 2, "{after}");
    assert_eq!(after["labels_since"], 0, "{after}");

    // Polling went on through it.
    let polls = server.requests_to("/f.rss").len();
    wait_until("two more polls after the training", 20, async || {
        server.requests_to("/f.rss").len() >= polls + 2
    })
    .await;
    stop_within_10s(daemon.0.take().expect("running")).await;
}

/// A daemon that a failed assertion does not leave running.
struct Daemon(Option<std::process::Child>);

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

//! Issue #12, command-line manners: unknown `--watch`/`--source` names are
//! refused with the known ones listed, `--sentiment` repeats, CSV carries
//! numbers as numbers (and opens in a Dutch Excel with `--excel`), and CSV
//! and JSON name their fields alike.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::{column, read_csv, rss, sorted_titles, Env, Route, Server};

const NEG_NL: &str = "Al 3 weken geen reactie van Acme Telecom op mijn klacht";
const POS: &str = "Top service van Acme Telecom, super snel geholpen. Dank!";
const NEG_EN: &str = "My Acme Telecom parcel never arrived and support still has not replied";
const NEUTRAL: &str = "Acme Telecom opent dinsdag een winkel in Delft";

/// A polled database: four acme mentions (two negative, one positive, one
/// neutral) with a webhook route, so there are deliveries too.
async fn polled() -> (Server, Env) {
    let server = Server::start().await;
    server.route(
        "/f.rss",
        Route::ok(
            "application/rss+xml",
            rss(&[("1", NEG_NL), ("2", POS), ("3", NEG_EN), ("4", NEUTRAL)]),
        ),
    );
    server.route("/hook", Route::status(200, "ok"));
    let env = Env::new(&format!(
        "[[watch]]\nname = \"acme\"\nterms = [\"Acme Telecom\"]\n\n\
         [[watch]]\nname = \"globex\"\nterms = [\"Globex\"]\n\n\
         [[source]]\nname = \"f\"\nkind = \"feed\"\nurl = \"{}\"\n\n\
         [[source]]\nname = \"g\"\nkind = \"feed\"\nurl = \"{}\"\n\n\
         [[notifier]]\nname = \"chat\"\nkind = \"webhook\"\nurl = \"{}\"\n\n\
         [[route]]\nwatch = \"acme\"\nnotify = [\"chat\"]\n",
        server.url("/f.rss"),
        server.url("/f.rss"),
        server.url("/hook")
    ));
    env.ok(&["poll", "--source", "f"]).await;
    assert_eq!(env.mentions_json(&[]).await.len(), 4);
    (server, env)
}

#[tokio::test(flavor = "multi_thread")]
async fn issue12_unknown_watch_or_source_is_refused_listing_the_known() {
    let (_server, env) = polled().await;
    let cases: [(&[&str], &str); 6] = [
        (&["mentions", "--watch", "acmee"], "acme, globex"),
        (
            &["mentions", "list", "--watch", "acme", "--watch", "nope"],
            "acme, globex",
        ),
        (&["mentions", "list", "--source", "ff"], "f, g"),
        (&["mentions", "search", "klacht", "--source", "x"], "f, g"),
        (&["export", "--watch", "acmee"], "acme, globex"),
        (&["poll", "--source", "nu"], "f, g"),
    ];
    for (args, known) in cases {
        let out = env.run(args).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert!(out.stdout.is_empty(), "{args:?} printed a table: {out:?}");
        assert!(stderr.contains("unknown"), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!("known: {known}")),
            "{args:?}: {stderr}"
        );
    }
    // Known names still answer.
    assert_eq!(env.mentions_json(&["--watch", "globex"]).await.len(), 0);
    assert_eq!(env.mentions_json(&["--source", "f"]).await.len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn issue12_sentiment_repeats() {
    let (_server, env) = polled().await;
    let all = env.mentions_json(&[]).await;
    let label = |t: &str| {
        all.iter()
            .find(|m| m["title"] == t)
            .map(|m| m["sentiment"]["label"].as_str().unwrap_or("").to_string())
            .unwrap_or_default()
    };
    assert_eq!(
        [label(NEG_NL), label(NEG_EN), label(POS), label(NEUTRAL)],
        ["negative", "negative", "positive", "neutral"],
        "fixture scores"
    );

    let both = env
        .mentions_json(&["--sentiment", "negative", "--sentiment", "positive"])
        .await;
    let mut want = vec![NEG_NL, NEG_EN, POS];
    want.sort();
    assert_eq!(sorted_titles(&both), want);
    // Newest first across the sentiments, as one query lists them.
    let ids: Vec<i64> = both.iter().map(|m| m["id"].as_i64().unwrap_or(0)).collect();
    let mut desc = ids.clone();
    desc.sort_by(|a, b| b.cmp(a));
    assert_eq!(ids, desc);

    let newest = env
        .json_lines(&[
            "mentions",
            "list",
            "--sentiment",
            "positive",
            "--sentiment",
            "neutral",
            "--limit",
            "1",
            "--format",
            "json",
        ])
        .await;
    let mut want: Vec<&Value> = all
        .iter()
        .filter(|m| m["title"] == POS || m["title"] == NEUTRAL)
        .collect();
    want.sort_by_key(|m| std::cmp::Reverse(m["id"].as_i64()));
    assert_eq!(newest.len(), 1);
    assert_eq!(newest[0]["id"], want[0]["id"]);
    let search = env
        .json_lines(&[
            "mentions",
            "search",
            "Acme",
            "--sentiment",
            "neutral",
            "--sentiment",
            "negative",
            "--format",
            "json",
        ])
        .await;
    let mut want = vec![NEG_NL, NEG_EN, NEUTRAL];
    want.sort();
    assert_eq!(sorted_titles(&search), want);
}

#[tokio::test(flavor = "multi_thread")]
async fn issue12_csv_numbers_are_numbers_and_excel_reads_it() {
    let (_server, env) = polled().await;
    let json = env.mentions_json(&[]).await;

    let out = env.run(&["export", "--format", "csv"]).await;
    assert!(out.status.success(), "{out:?}");
    let (header, rows) = read_csv(&out.stdout, b',');
    let score = column(&header, "sentiment_score");
    let id = column(&header, "id");
    let scores: Vec<f64> = rows
        .iter()
        .map(|r| {
            r[score]
                .parse()
                .unwrap_or_else(|e| panic!("{:?}: {e}", r[score]))
        })
        .collect();
    assert_eq!(scores.len(), 4);
    assert!(
        scores.iter().filter(|s| **s < 0.0).count() >= 2,
        "{scores:?}"
    );
    for r in &rows {
        let id: i64 = r[id].parse().expect("id is a number");
        let m = json
            .iter()
            .find(|m| m["id"] == id)
            .expect("same mention in json");
        let want = m["sentiment"]["score"].as_f64().expect("score");
        let got: f64 = r[score].parse().expect("score");
        assert!((got - want).abs() < 0.006, "{got} vs {want}");
    }

    let out = env.run(&["export", "--format", "csv", "--excel"]).await;
    assert!(out.status.success(), "{out:?}");
    let bom = "\u{feff}".as_bytes();
    assert!(out.stdout.starts_with(bom), "no byte order mark");
    let body = &out.stdout[bom.len()..];
    assert!(
        body.starts_with(b"id;watch;"),
        "{:?}",
        String::from_utf8_lossy(body)
    );
    let (header, excel_rows) = read_csv(body, b';');
    let score = column(&header, "sentiment_score");
    let excel_scores: Vec<f64> = excel_rows
        .iter()
        .map(|r| {
            assert!(!r[score].contains('.'), "decimal comma: {:?}", r[score]);
            r[score].replace(',', ".").parse().expect("a number")
        })
        .collect();
    assert_eq!(excel_scores, scores);

    let refused = env.run(&["export", "--format", "json", "--excel"]).await;
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
}

/// Every CSV column of `args` is a field of its JSON form (`sentiment_score`
/// is the JSON `sentiment.score`).
async fn same_names(env: &Env, args: &[&str]) {
    let mut csv_args = args.to_vec();
    csv_args.extend(["--format", "csv"]);
    let out = env.run(&csv_args).await;
    assert!(out.status.success(), "{out:?}");
    let (header, rows) = read_csv(&out.stdout, b',');
    assert!(!rows.is_empty(), "{args:?}: no rows");
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let json = env.json_lines(&json_args).await;
    let keys: BTreeSet<&str> = json[0]
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    for h in &header {
        assert!(
            keys.contains(h.as_str()) || h == "sentiment_score",
            "{args:?}: csv column {h} is not a json field ({keys:?})"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn issue12_csv_and_json_name_fields_alike() {
    let (_server, env) = polled().await;
    same_names(&env, &["mentions", "list"]).await;
    same_names(&env, &["deliveries"]).await;
    same_names(&env, &["sources"]).await;
    // `export` writes the same columns as `mentions list`.
    let list = env.ok(&["mentions", "list", "--format", "csv"]).await;
    let export = env.ok(&["export", "--format", "csv"]).await;
    assert_eq!(list.lines().next(), export.lines().next());
}

/// `earshot ARGS` on a terminal `cols` wide (a pty from util-linux's
/// `script`), with stdout and stderr as the terminal shows them.
async fn on_terminal(env: &Env, cols: u16, args: &str) -> String {
    let command = format!(
        "stty cols {cols} rows 40; {} --config {} {args}",
        env!("CARGO_BIN_EXE_earshot"),
        env.config_path().display()
    );
    let mut cmd = assert_cmd::Command::new("script");
    cmd.args(["-qec", &command, "/dev/null"])
        .env_remove("NO_COLOR")
        .timeout(std::time::Duration::from_secs(30));
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("run script"))
        .await
        .expect("join");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).replace('\r', "")
}

#[tokio::test(flavor = "multi_thread")]
async fn issue12_tables_fit_the_terminal() {
    let (_server, env) = polled().await;
    let tty = on_terminal(&env, 90, "mentions list").await;
    let lines: Vec<&str> = tty.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 5, "{tty}");
    for line in &lines {
        assert!(line.chars().count() <= 90, "wider than 90: {line:?}");
    }
    assert!(!tty.contains(NEG_EN), "{tty}");
    assert!(tty.contains("My Acme"), "{tty}");
    assert!(tty.contains('…'), "{tty}");
    // Piped, nothing is cut beyond the command's own limit.
    let piped = env.ok(&["mentions", "list"]).await;
    assert!(piped.contains(NEG_EN), "{piped}");
}

#[tokio::test(flavor = "multi_thread")]
async fn issue12_poll_shows_progress_on_a_terminal() {
    let (_server, env) = polled().await;
    let tty = on_terminal(&env, 100, "poll").await;
    assert!(tty.contains("polled 1/2 sources"), "{tty:?}");
    assert!(
        tty.contains("polled 2/2 sources, 0 new mentions"),
        "{tty:?}"
    );
    assert!(tty.contains("polled 2 sources"), "summary: {tty:?}");
    // Piped (a log, cron mail): no progress line.
    let out = env.run(&["poll"]).await;
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("2/2"), "{stderr:?}");
}

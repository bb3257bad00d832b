//! Issue #12, `earshot stats`: figures per watch and local period computed by
//! hand for a small fixture (two watches, two feeds, mentions handled,
//! ignored and assigned through the binary, then found_at/handled_at set to
//! known times in the SQLite file), grouped by day, week and month in
//! Europe/Amsterdam across the end of summer time (2026-10-25), the
//! `--watch` filter, JSON, CSV read back and the table.

use serde_json::{json, Value};

use crate::support::{by_title, feed_source, rss, Env, Route, Server, ACME};

const A1: &str = "Acme Telecom storing in Delft";
const A2: &str = "Acme Telecom factuur klopt niet";
const A3: &str = "Acme Telecom reclame";
const A4: &str = "Acme Telecom wacht al een week";
const A5: &str = "Acme Telecom weer bereikbaar";
const G1: &str = "Globex levert niet";
const G2: &str = "Globex bezorger kwijt";

/// (title, found_at, seconds to handle, negative)
const FIXTURE: &[(&str, &str, Option<i64>, bool)] = &[
    // Sunday 25 Oct 00:30 CEST: day 10-25, week from Monday 10-19.
    (A1, "2026-10-24T22:30:00Z", Some(600), true),
    // Sunday 25 Oct 23:30 CET (after the clocks went back): still 10-25.
    (A2, "2026-10-25T22:30:00Z", Some(3600), true),
    // Monday 26 Oct 00:30 CET: day and week 10-26.
    (A3, "2026-10-25T23:30:00Z", None, false),
    (A4, "2026-10-27T10:00:00Z", None, true),
    // Sunday 1 Nov 00:30 CET: month 11, week 10-26.
    (A5, "2026-10-31T23:30:00Z", Some(7200), false),
    (G1, "2026-10-26T09:00:00Z", Some(300), false),
    (G2, "2026-11-02T09:00:00Z", None, false),
];

/// Two watches, feed `f` carrying every item and feed `g` two of acme's;
/// A1, A2, A5 and G1 handled, A3 ignored, G2 assigned, A4 new.
async fn fixture() -> (Server, Env) {
    let server = Server::start().await;
    let all: Vec<(String, &str)> = FIXTURE
        .iter()
        .enumerate()
        .map(|(i, f)| (format!("i{i}"), f.0))
        .collect();
    let all: Vec<(&str, &str)> = all.iter().map(|(g, t)| (g.as_str(), *t)).collect();
    server.route("/f.rss", Route::ok("application/rss+xml", rss(&all)));
    server.route(
        "/g.rss",
        Route::ok("application/rss+xml", rss(&[all[0], all[2]])),
    );
    let env = Env::new(&format!(
        "[daemon]\ntimezone = \"Europe/Amsterdam\"\n\n{ACME}\n[[watch]]\nname = \"globex\"\nterms = [\"Globex\"]\n\n{}\n{}",
        feed_source("f", &server.url("/f.rss")),
        feed_source("g", &server.url("/g.rss")),
    ));
    env.ok(&["poll"]).await;
    let listed = env.mentions_json(&[]).await;
    assert_eq!(listed.len(), FIXTURE.len());
    let id = |t: &str| by_title(&listed, t)["id"].as_i64().expect("id").to_string();
    env.ok(&[
        "mentions",
        "handle",
        &id(A1),
        &id(A2),
        &id(A5),
        &id(G1),
        "--by",
        "lead",
    ])
    .await;
    env.ok(&["mentions", "ignore", &id(A3), "--by", "lead"])
        .await;
    env.ok(&[
        "mentions",
        "assign",
        &id(G2),
        "--to",
        "piet",
        "--by",
        "lead",
    ])
    .await;
    let db = rusqlite::Connection::open(env.db_path()).expect("open db");
    for (title, found, took, negative) in FIXTURE {
        let found = chrono::DateTime::parse_from_rfc3339(found)
            .expect("time")
            .timestamp();
        db.execute(
            "UPDATE mentions SET found_at = ?1,
                 handled_at = CASE WHEN handled_at IS NULL THEN NULL ELSE ?1 + ?2 END,
                 sentiment = ?3
             WHERE id = ?4",
            rusqlite::params![
                found,
                took.unwrap_or(0),
                if *negative { "negative" } else { "neutral" },
                id(title).parse::<i64>().expect("id"),
            ],
        )
        .expect("set times");
    }
    (server, env)
}

async fn stats_json(env: &Env, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["stats", "--since", "2026-10-01", "--format", "json"];
    all.extend_from_slice(args);
    env.ok(&all)
        .await
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

fn row(
    watch: &str,
    period: &str,
    counts: [u64; 5],
    median: Option<i64>,
    p90: Option<i64>,
    sources: Value,
) -> Value {
    let [mentions, negative, handled, open, ignored] = counts;
    json!({
        "watch": watch, "period": period, "mentions": mentions, "negative": negative,
        "handled": handled, "open": open, "ignored": ignored,
        "median_time_to_handle_s": median, "p90_time_to_handle_s": p90, "sources": sources,
    })
}

/// Weeks from Monday in Amsterdam: A2 at 22:30 UTC on 25 Oct is 23:30 CET,
/// Sunday, so it stays in the week of 19 Oct (a fixed +2 offset would move
/// it); median and p90 by nearest rank over [600, 3600].
#[tokio::test]
async fn issue12_stats_by_week_across_dst() {
    let (_server, env) = fixture().await;
    assert_eq!(
        stats_json(&env, &["--by", "week"]).await,
        vec![
            row(
                "acme",
                "2026-10-19",
                [2, 2, 2, 0, 0],
                Some(600),
                Some(3600),
                json!({"f": 2, "g": 1})
            ),
            row(
                "acme",
                "2026-10-26",
                [3, 1, 1, 1, 1],
                Some(7200),
                Some(7200),
                json!({"f": 3, "g": 1})
            ),
            row(
                "globex",
                "2026-10-26",
                [1, 0, 1, 0, 0],
                Some(300),
                Some(300),
                json!({"f": 1})
            ),
            row(
                "globex",
                "2026-11-02",
                [1, 0, 0, 1, 0],
                None,
                None,
                json!({"f": 1})
            ),
        ]
    );
}

/// Months and days in local time, and `--watch` keeping only that watch.
#[tokio::test]
async fn issue12_stats_by_month_and_day_for_one_watch() {
    let (_server, env) = fixture().await;
    assert_eq!(
        stats_json(&env, &["--by", "month", "--watch", "acme"]).await,
        vec![
            row(
                "acme",
                "2026-10-01",
                [4, 3, 2, 1, 1],
                Some(600),
                Some(3600),
                json!({"f": 4, "g": 2})
            ),
            row(
                "acme",
                "2026-11-01",
                [1, 0, 1, 0, 0],
                Some(7200),
                Some(7200),
                json!({"f": 1})
            ),
        ]
    );
    // The default is by day.
    let days: Vec<(Value, Value)> = stats_json(&env, &["--watch", "acme"])
        .await
        .iter()
        .map(|r| (r["period"].clone(), r["mentions"].clone()))
        .collect();
    assert_eq!(
        days,
        vec![
            (json!("2026-10-25"), json!(2)),
            (json!("2026-10-26"), json!(1)),
            (json!("2026-10-27"), json!(1)),
            (json!("2026-11-01"), json!(1)),
        ]
    );
    // --since leaves out what came before it.
    let later: Vec<Value> = env
        .ok(&[
            "stats",
            "--watch",
            "globex",
            "--since",
            "2026-11-01",
            "--format",
            "json",
        ])
        .await
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(later.len(), 1);
    assert_eq!(later[0]["period"], "2026-11-02");
}

/// CSV has the JSON's fields as columns, sources as `name=count;…`, and an
/// empty cell for no handling time; the table names every watch and period.
#[tokio::test]
async fn issue12_stats_csv_and_table() {
    let (_server, env) = fixture().await;
    let csv = env
        .ok(&[
            "stats",
            "--since",
            "2026-10-01",
            "--by",
            "week",
            "--format",
            "csv",
        ])
        .await;
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(
        rows,
        vec![
            vec![
                "watch",
                "period",
                "mentions",
                "negative",
                "handled",
                "open",
                "ignored",
                "median_time_to_handle_s",
                "p90_time_to_handle_s",
                "sources"
            ],
            vec![
                "acme",
                "2026-10-19",
                "2",
                "2",
                "2",
                "0",
                "0",
                "600",
                "3600",
                "f=2;g=1"
            ],
            vec![
                "acme",
                "2026-10-26",
                "3",
                "1",
                "1",
                "1",
                "1",
                "7200",
                "7200",
                "f=3;g=1"
            ],
            vec![
                "globex",
                "2026-10-26",
                "1",
                "0",
                "1",
                "0",
                "0",
                "300",
                "300",
                "f=1"
            ],
            vec![
                "globex",
                "2026-11-02",
                "1",
                "0",
                "0",
                "1",
                "0",
                "",
                "",
                "f=1"
            ],
        ]
    );
    let table = env
        .ok(&["stats", "--since", "2026-10-01", "--by", "week"])
        .await;
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 5, "{table}");
    assert!(lines[0].starts_with("WATCH"), "{table}");
    assert!(
        lines[1].starts_with("acme") && lines[1].contains("2026-10-19"),
        "{table}"
    );
    assert!(
        lines[1].contains("10m") && lines[1].contains("1h00m"),
        "{table}"
    );
    assert!(
        lines[4].starts_with("globex") && lines[4].contains("2026-11-02"),
        "{table}"
    );
}

/// An unknown watch is a usage error naming the known ones, not an empty
/// report.
#[tokio::test]
async fn issue12_stats_unknown_watch() {
    let (_server, env) = fixture().await;
    let out = env.run(&["stats", "--watch", "initech"]).await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("initech") && err.contains("acme, globex"),
        "{err}"
    );
}

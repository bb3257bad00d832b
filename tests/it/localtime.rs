//! Issue #12, local time on the command line: every time a person reads in a
//! table or in `mentions show` is in `[daemon] timezone` with its zone shown,
//! on both sides of the 2026-10-25 change from CEST to CET (and in UTC for
//! `timezone = "UTC"`), while JSON and CSV keep RFC 3339; `--since today`,
//! `yesterday` and a date mean local midnight; repeated `--sentiment` is one
//! store query; `--excel` on every command that writes CSV; colour only on a
//! terminal and never with `NO_COLOR`. Mentions are polled from a fixture
//! feed through the binary, then their times set in the SQLite file.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Amsterdam;
use serde_json::Value;

use crate::support::{
    by_title, column, feed_source, read_csv, rss, webhook_notifier, Env, Route, Server, ACME,
};

/// Found on Saturday 24 Oct 2026, 14:00 CEST.
const SUMMER: &str = "Acme Telecom storing in Delft";
/// Found on Monday 26 Oct 2026, 13:00 CET (the clocks went back on Sunday).
const WINTER: &str = "Acme Telecom factuur klopt niet";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("test time")
        .with_timezone(&Utc)
}

/// A database polled from a feed of `titles` (all acme mentions, each with a
/// webhook delivery), in `timezone`.
async fn polled(timezone: &str, titles: &[&str]) -> (Server, Env) {
    let server = Server::start().await;
    let guids: Vec<String> = (0..titles.len()).map(|i| format!("i{i}")).collect();
    let items: Vec<(&str, &str)> = guids
        .iter()
        .map(String::as_str)
        .zip(titles.iter().copied())
        .collect();
    server.route("/f.rss", Route::ok("application/rss+xml", rss(&items)));
    server.route("/hook", Route::status(200, "ok"));
    let env = Env::new(&format!(
        "[daemon]\ntimezone = \"{timezone}\"\n\n{ACME}\n{}\n{}\n[[route]]\nwatch = \"acme\"\nnotify = [\"chat\"]\n",
        feed_source("f", &server.url("/f.rss")),
        webhook_notifier("chat", &server.url("/hook")),
    ));
    env.ok(&["poll"]).await;
    assert_eq!(env.mentions_json(&[]).await.len(), titles.len());
    (server, env)
}

/// The id of the mention titled `title`.
async fn id_of(env: &Env, title: &str) -> i64 {
    by_title(&env.mentions_json(&[]).await, title)["id"]
        .as_i64()
        .expect("id")
}

/// Sets a mention's found_at (and its item's published_at one hour earlier)
/// in the database file.
fn set_found(env: &Env, id: i64, found: DateTime<Utc>) {
    let db = rusqlite::Connection::open(env.db_path()).expect("open db");
    db.execute(
        "UPDATE mentions SET found_at = ?1 WHERE id = ?2",
        rusqlite::params![found.timestamp(), id],
    )
    .expect("set found_at");
    db.execute(
        "UPDATE items SET published_at = ?1 WHERE id = (SELECT item_id FROM mentions WHERE id = ?2)",
        rusqlite::params![(found - Duration::hours(1)).timestamp(), id],
    )
    .expect("set published_at");
}

/// SUMMER and WINTER found at known instants; SUMMER handled with a note an
/// hour after it was found; the sources polled and the deliveries sent at
/// that instant too.
async fn across_dst(timezone: &str) -> (Server, Env, i64) {
    let (server, env) = polled(timezone, &[SUMMER, WINTER]).await;
    let summer = id_of(&env, SUMMER).await;
    let winter = id_of(&env, WINTER).await;
    env.ok(&[
        "mentions",
        "handle",
        &summer.to_string(),
        "--note",
        "answered by DM",
        "--by",
        "sanne",
    ])
    .await;
    set_found(&env, summer, at("2026-10-24T12:00:00Z"));
    set_found(&env, winter, at("2026-10-26T12:00:00Z"));
    let handled = at("2026-10-24T13:00:00Z").timestamp();
    let db = rusqlite::Connection::open(env.db_path()).expect("open db");
    for sql in [
        "UPDATE mentions SET handled_at = ?1 WHERE handled_at IS NOT NULL",
        "UPDATE mention_notes SET at = ?1",
        "UPDATE mention_events SET at = ?1",
        "UPDATE sources SET last_poll_at = ?1, last_success_at = ?1",
        "UPDATE deliveries SET due_at = ?1, sent_at = CASE WHEN sent_at IS NULL THEN NULL ELSE ?1 END",
    ] {
        db.execute(sql, [handled]).expect(sql);
    }
    (server, env, summer)
}

/// Tables and `show` in Amsterdam time with the zone, summer and winter.
#[tokio::test(flavor = "multi_thread")]
async fn issue12_list_and_show_in_local_time_across_dst() {
    let (_server, env, summer) = across_dst("Europe/Amsterdam").await;
    let id = summer.to_string();

    let list = env.ok(&["mentions", "list"]).await;
    let line = |title: &str| {
        list.lines()
            .find(|l| l.contains(title))
            .unwrap_or_else(|| panic!("no {title:?} in {list}"))
            .to_string()
    };
    assert!(line(SUMMER).contains("2026-10-24 14:00 CEST"), "{list}");
    assert!(line(WINTER).contains("2026-10-26 13:00 CET"), "{list}");
    assert!(!list.contains("12:00"), "UTC times in {list}");

    let show = env.ok(&["mentions", "show", &id]).await;
    for want in [
        "published: 2026-10-24 13:00 CEST",
        "found:     2026-10-24 14:00 CEST",
        "handled:   2026-10-24 15:00 CEST",
        "note:      2026-10-24 15:00 CEST sanne: answered by DM",
    ] {
        assert!(show.contains(want), "{want:?} not in:\n{show}");
    }
    let history_part = show.split("history:").nth(1).expect("history in show");
    assert!(
        history_part.contains("2026-10-24 15:00 CEST"),
        "history in show:\n{show}"
    );
    let history = env.ok(&["mentions", "history", &id]).await;
    assert_eq!(
        history.matches("2026-10-24 15:00 CEST").count(),
        history.lines().count() - 1,
        "every event in local time:\n{history}"
    );

    let sources = env.ok(&["sources"]).await;
    assert_eq!(
        sources.matches("2026-10-24 15:00 CEST").count(),
        2,
        "last poll and last success:\n{sources}"
    );
    let deliveries = env.ok(&["deliveries"]).await;
    assert_eq!(
        deliveries.matches("2026-10-24 15:00 CEST").count(),
        2,
        "each delivery's time sent (or due):\n{deliveries}"
    );
    // `status` prints its report, then exits 1: no daemon runs.
    let status = env.run(&["status"]).await;
    let status = String::from_utf8_lossy(&status.stdout);
    assert!(
        status.contains("last mention: 2026-10-26 13:00 CET "),
        "{status}"
    );
    assert!(!status.contains(" UTC"), "{status}");
}

/// The machine formats keep RFC 3339 exactly as before.
#[tokio::test(flavor = "multi_thread")]
async fn issue12_json_and_csv_keep_rfc3339() {
    let (_server, env, _) = across_dst("Europe/Amsterdam").await;
    let json = env.mentions_json(&[]).await;
    let summer = by_title(&json, SUMMER);
    assert_eq!(summer["found_at"], "2026-10-24T12:00:00Z");
    assert_eq!(summer["published_at"], "2026-10-24T11:00:00Z");
    assert_eq!(summer["handled_at"], "2026-10-24T13:00:00Z");
    assert_eq!(by_title(&json, WINTER)["found_at"], "2026-10-26T12:00:00Z");
    let id = summer["id"].to_string();
    let shown = env
        .json_lines(&["mentions", "show", &id, "--format", "json"])
        .await;
    assert_eq!(shown[0]["notes"][0]["at"], "2026-10-24T13:00:00Z");
    assert_eq!(shown[0]["history"][0]["at"], "2026-10-24T13:00:00Z");

    let csv = env.ok(&["mentions", "list", "--format", "csv"]).await;
    let (header, rows) = read_csv(csv.as_bytes(), b',');
    let row = rows
        .iter()
        .find(|r| r[column(&header, "title")] == SUMMER)
        .expect("summer row");
    assert_eq!(
        row[column(&header, "found_at")],
        "2026-10-24T12:00:00+00:00"
    );
    assert_eq!(
        row[column(&header, "handled_at")],
        "2026-10-24T13:00:00+00:00"
    );
}

/// `timezone = "UTC"`: the same instants, shown in UTC and saying so.
#[tokio::test(flavor = "multi_thread")]
async fn issue12_tables_in_utc_when_configured() {
    let (_server, env, summer) = across_dst("UTC").await;
    let list = env.ok(&["mentions", "list"]).await;
    assert!(list.contains("2026-10-24 12:00 UTC"), "{list}");
    assert!(list.contains("2026-10-26 12:00 UTC"), "{list}");
    let show = env.ok(&["mentions", "show", &summer.to_string()]).await;
    assert!(show.contains("found:     2026-10-24 12:00 UTC"), "{show}");
    assert!(show.contains("handled:   2026-10-24 13:00 UTC"), "{show}");
}

/// The instant the local day `d` begins in Amsterdam, computed here apart
/// from earshot's own code.
fn amsterdam_midnight(d: NaiveDate) -> DateTime<Utc> {
    Amsterdam
        .from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
        .earliest()
        .expect("midnight exists in Amsterdam")
        .with_timezone(&Utc)
}

/// `--since today`, `yesterday` and a date select by local midnight in
/// Amsterdam, not UTC midnight: 23:30Z in winter is already the next local
/// day, 22:30Z is not.
#[tokio::test(flavor = "multi_thread")]
async fn issue12_since_today_yesterday_and_dates_are_local_midnight() {
    let today = Utc::now().with_timezone(&Amsterdam).date_naive();
    let yesterday = today.pred_opt().expect("yesterday");
    let (midnight, midnight_before) = (amsterdam_midnight(today), amsterdam_midnight(yesterday));
    // (title, found at)
    let seeded: Vec<(&str, DateTime<Utc>)> = vec![
        (
            "Acme Telecom late on 30 November",
            at("2026-11-30T22:30:00Z"),
        ),
        (
            "Acme Telecom early on 1 December",
            at("2026-11-30T23:30:00Z"),
        ),
        (
            "Acme Telecom late the day before yesterday",
            midnight_before - Duration::minutes(30),
        ),
        (
            "Acme Telecom early yesterday",
            midnight_before + Duration::minutes(30),
        ),
        (
            "Acme Telecom late yesterday",
            midnight - Duration::minutes(30),
        ),
        ("Acme Telecom early today", midnight + Duration::minutes(30)),
    ];
    let titles: Vec<&str> = seeded.iter().map(|s| s.0).collect();
    let (_server, env) = polled("Europe/Amsterdam", &titles).await;
    for (title, found) in &seeded {
        let id = id_of(&env, title).await;
        set_found(&env, id, *found);
    }
    let since = |t: DateTime<Utc>| -> Vec<&str> {
        let mut want: Vec<&str> = seeded.iter().filter(|s| s.1 >= t).map(|s| s.0).collect();
        want.sort();
        want
    };
    let listed = |arg: &'static str| {
        let env = &env;
        async move {
            let found = env.mentions_json(&["--since", arg]).await;
            let mut titles: Vec<String> = found
                .iter()
                .map(|m| m["title"].as_str().unwrap_or("").to_string())
                .collect();
            titles.sort();
            titles
        }
    };
    let today_titles = listed("today").await;
    assert_eq!(today_titles, since(midnight));
    assert!(today_titles.contains(&"Acme Telecom early today".to_string()));
    assert!(!today_titles.contains(&"Acme Telecom late yesterday".to_string()));
    let yesterday_titles = listed("yesterday").await;
    assert_eq!(yesterday_titles, since(midnight_before));
    assert!(yesterday_titles.contains(&"Acme Telecom early yesterday".to_string()));
    assert!(!yesterday_titles.contains(&"Acme Telecom late the day before yesterday".to_string()));

    // A date: 1 December begins at 23:00Z on 30 November.
    let december = listed("2026-12-01").await;
    assert!(december.contains(&"Acme Telecom early on 1 December".to_string()));
    assert!(!december.contains(&"Acme Telecom late on 30 November".to_string()));
    assert_eq!(
        december,
        since(amsterdam_midnight(
            NaiveDate::from_ymd_opt(2026, 12, 1).expect("date")
        ))
    );
    let searched = env
        .json_lines(&[
            "mentions",
            "search",
            "Acme",
            "--since",
            "2026-12-01",
            "--format",
            "json",
            "--limit",
            "0",
        ])
        .await;
    assert_eq!(searched.len(), december.len());

    // export and stats take the same --since.
    let exported = env
        .json_lines(&["export", "--format", "json", "--since", "2026-12-01"])
        .await;
    assert_eq!(exported.len(), december.len());
    let days: Vec<Value> = env
        .json_lines(&["stats", "--since", "2026-12-01", "--format", "json"])
        .await
        .iter()
        .map(|r| r["period"].clone())
        .collect();
    assert_eq!(days.first(), Some(&Value::from("2026-12-01")), "{days:?}");
    let exported_today = env
        .json_lines(&["export", "--format", "json", "--since", "today"])
        .await;
    assert_eq!(exported_today.len(), since(midnight).len());

    // Durations and RFC 3339 still work; nonsense is a usage error.
    let all = env.mentions_json(&["--since", "3650d"]).await;
    assert_eq!(all.len(), seeded.len());
    let rfc = env
        .mentions_json(&["--since", "2026-11-30T23:00:00+00:00"])
        .await;
    assert_eq!(rfc.len(), since(at("2026-11-30T23:00:00Z")).len());
    let bad = env.run(&["mentions", "list", "--since", "tomorrow"]).await;
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("today"), "{stderr}");

    for args in [
        &["mentions", "list", "--help"][..],
        &["export", "--help"],
        &["stats", "--help"],
    ] {
        let help = env.ok(args).await;
        assert!(
            help.contains("today") && help.contains("yesterday") && help.contains("local midnight"),
            "{args:?}:\n{help}"
        );
    }
}

/// Several `--sentiment`s are one store query: the union, newest first, cut
/// to the limit, from the library call and from the command line alike.
#[tokio::test(flavor = "multi_thread")]
async fn issue12_repeated_sentiment_is_one_query() {
    // (title, sentiment), oldest first.
    let seeded = [
        ("Acme Telecom een", "negative"),
        ("Acme Telecom twee", "positive"),
        ("Acme Telecom drie", "neutral"),
        ("Acme Telecom vier", "negative"),
        ("Acme Telecom vijf", "neutral"),
    ];
    let titles: Vec<&str> = seeded.iter().map(|s| s.0).collect();
    let (_server, env) = polled("Europe/Amsterdam", &titles).await;
    let db = rusqlite::Connection::open(env.db_path()).expect("open db");
    let mut ids = Vec::new();
    for (i, (title, sentiment)) in seeded.iter().enumerate() {
        let id = id_of(&env, title).await;
        db.execute(
            "UPDATE mentions SET found_at = ?1, sentiment = ?2 WHERE id = ?3",
            rusqlite::params![
                at("2026-11-01T10:00:00Z").timestamp() + i as i64 * 60,
                sentiment,
                id
            ],
        )
        .expect("set sentiment");
        ids.push(id);
    }
    drop(db);

    let store = earshot::store::Store::open_read_only(&env.db_path()).expect("open store");
    let asked = |sentiments: &[&str], limit: Option<usize>| -> Vec<i64> {
        store
            .mentions(&earshot::store::MentionFilter {
                sentiments: sentiments.iter().map(|s| s.to_string()).collect(),
                limit,
                ..Default::default()
            })
            .expect("query")
            .iter()
            .map(|m| m.id)
            .collect()
    };
    // Newest first: vier (negative), twee (positive), een (negative).
    assert_eq!(
        asked(&["negative", "positive"], None),
        vec![ids[3], ids[1], ids[0]]
    );
    assert_eq!(
        asked(&["positive", "negative"], Some(2)),
        vec![ids[3], ids[1]]
    );
    assert_eq!(asked(&["neutral"], None), vec![ids[4], ids[2]]);
    assert_eq!(asked(&[], None).len(), seeded.len());

    let cli = |args: &'static [&'static str]| {
        let env = &env;
        async move {
            env.json_lines(args)
                .await
                .iter()
                .map(|m| m["id"].as_i64().expect("id"))
                .collect::<Vec<i64>>()
        }
    };
    assert_eq!(
        cli(&[
            "mentions",
            "list",
            "--sentiment",
            "negative",
            "--sentiment",
            "positive",
            "--sentiment",
            "negative",
            "--limit",
            "2",
            "--format",
            "json",
        ])
        .await,
        vec![ids[3], ids[1]]
    );
    assert_eq!(
        cli(&[
            "mentions",
            "search",
            "Acme",
            "--sentiment",
            "neutral",
            "--sentiment",
            "positive",
            "--format",
            "json",
        ])
        .await,
        vec![ids[4], ids[2], ids[1]]
    );
}

/// Excel's CSV: a byte order mark, then `;`-separated cells.
async fn excel_csv(env: &Env, args: &[&str]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut all = args.to_vec();
    all.extend(["--format", "csv", "--excel"]);
    let out = env.run(&all).await;
    assert!(out.status.success(), "{all:?}: {out:?}");
    let bom = "\u{feff}".as_bytes();
    assert!(
        out.stdout.starts_with(bom),
        "{all:?}: no byte order mark: {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    let (header, rows) = read_csv(&out.stdout[bom.len()..], b';');
    assert!(header.len() > 1, "{all:?}: not split by ';': {header:?}");
    (header, rows)
}

/// `mentions list --format csv --excel` carries the inbox columns, and every
/// command that writes CSV takes `--excel` (and only with CSV).
#[tokio::test(flavor = "multi_thread")]
async fn issue12_excel_csv_everywhere_with_inbox_columns() {
    let (_server, env, summer) = across_dst("Europe/Amsterdam").await;
    let id = summer.to_string();
    env.ok(&["mentions", "assign", &id, "--to", "joost", "--by", "sanne"])
        .await;
    env.ok(&["mentions", "label", &id, "complaint", "--by", "sanne"])
        .await;
    env.ok(&["mentions", "tag", &id, "outage", "--by", "sanne"])
        .await;

    let (header, rows) = excel_csv(&env, &["mentions", "list"]).await;
    let row = rows
        .iter()
        .find(|r| r[column(&header, "id")] == id)
        .expect("summer row");
    let cell = |name: &str| row[column(&header, name)].as_str();
    assert_eq!(cell("title"), SUMMER);
    // Assigned after it was handled: the first handling is kept.
    assert_eq!(cell("state"), "assigned");
    assert_eq!(cell("assignee"), "joost");
    assert_eq!(cell("label"), "complaint");
    assert_eq!(cell("tags"), "outage");
    assert_eq!(cell("handled_at"), "2026-10-24T13:00:00+00:00");

    let (search_header, _) = excel_csv(&env, &["mentions", "search", "Acme"]).await;
    assert_eq!(search_header, header);
    let (show_header, shown) = excel_csv(&env, &["mentions", "show", &id]).await;
    assert_eq!((show_header, shown.len()), (header, 1));
    for args in [
        &["stats", "--since", "2026-10-01"][..],
        &["deliveries"],
        &["sources"],
    ] {
        let (_, rows) = excel_csv(&env, args).await;
        assert!(!rows.is_empty(), "{args:?}: no rows");
    }
    for args in [
        &["mentions", "list", "--excel"][..],
        &["sources", "--format", "json", "--excel"],
        &["stats", "--format", "table", "--excel"],
    ] {
        let out = env.run(args).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--excel"),
            "{args:?}: {out:?}"
        );
    }
}

/// `earshot ARGS` on a pseudo-terminal (util-linux's `script`) with TERM set
/// and NO_COLOR as given; what the terminal showed.
async fn on_terminal(env: &Env, args: &str, no_color: Option<&str>) -> String {
    let command = format!(
        "{} --config {} {args}",
        env!("CARGO_BIN_EXE_earshot"),
        env.config_path().display()
    );
    let mut cmd = assert_cmd::Command::new("script");
    cmd.args(["-qec", &command, "/dev/null"])
        .env("TERM", "xterm-256color")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .timeout(std::time::Duration::from_secs(30));
    if let Some(v) = no_color {
        cmd.env("NO_COLOR", v);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("run script"))
        .await
        .expect("join");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Colour only on a terminal, never with NO_COLOR: clap's help is styled on
/// a terminal and plain under NO_COLOR or in a pipe; earshot's own tables
/// carry no colour anywhere.
#[tokio::test(flavor = "multi_thread")]
async fn issue12_colour_only_on_a_terminal_never_with_no_color() {
    const ESC: char = '\u{1b}';
    let (_server, env, _) = across_dst("Europe/Amsterdam").await;
    let help = on_terminal(&env, "mentions list --help", None).await;
    assert!(help.contains("--since"), "{help:?}");
    assert!(help.contains(ESC), "help on a terminal is styled: {help:?}");
    let plain = on_terminal(&env, "mentions list --help", Some("1")).await;
    assert!(plain.contains("--since"), "{plain:?}");
    assert!(!plain.contains(ESC), "NO_COLOR: {plain:?}");
    let piped = env.ok(&["mentions", "list", "--help"]).await;
    assert!(!piped.contains(ESC), "piped: {piped:?}");

    for args in ["mentions list", "sources", "stats --since 2026-10-01"] {
        let tty = on_terminal(&env, args, None).await;
        assert!(tty.contains("2026-10-2"), "{args}: {tty:?}");
        assert!(!tty.contains(ESC), "{args}: colour in a table: {tty:?}");
    }
}

/// `preview` runs without a config file; its times are then in the zone an
/// empty config has (Europe/Amsterdam), and its CSV has a header too.
#[tokio::test(flavor = "multi_thread")]
async fn issue12_preview_without_a_config_uses_the_default_zone() {
    let server = Server::start().await;
    let feed = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel>\
        <title>Nieuws</title><link>http://example.nl/</link><description>d</description>\
        <item><title>Acme Telecom zomer</title><link>http://example.nl/1</link><guid>1</guid>\
        <pubDate>Sat, 24 Oct 2026 12:00:00 GMT</pubDate></item>\
        <item><title>Acme Telecom winter</title><link>http://example.nl/2</link><guid>2</guid>\
        <pubDate>Mon, 26 Oct 2026 12:00:00 GMT</pubDate></item>\
        </channel></rss>";
    server.route("/f.rss", Route::ok("application/rss+xml", feed));
    let dir = tempfile::tempdir().expect("tempdir");
    let url = server.url("/f.rss");
    let preview = |extra: &'static [&'static str]| {
        let mut cmd = assert_cmd::Command::cargo_bin("earshot").expect("earshot binary");
        cmd.current_dir(dir.path())
            .env_remove("EARSHOT_CONFIG")
            .args(["preview", "--url", &url])
            .args(extra)
            .timeout(std::time::Duration::from_secs(30));
        async move {
            let out = tokio::task::spawn_blocking(move || cmd.output().expect("run earshot"))
                .await
                .expect("join");
            assert!(out.status.success(), "{out:?}");
            out.stdout
        }
    };
    let table = String::from_utf8(preview(&[]).await).expect("utf-8");
    assert!(table.contains("2026-10-24 14:00 CEST"), "{table}");
    assert!(table.contains("2026-10-26 13:00 CET"), "{table}");
    let csv = preview(&["--format", "csv", "--excel"]).await;
    let body = csv
        .strip_prefix("\u{feff}".as_bytes())
        .expect("byte order mark");
    let (header, rows) = read_csv(body, b';');
    assert_eq!(header, ["published_at", "title", "url", "watches"]);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][0], "2026-10-24T12:00:00+00:00");
}

//! Issue #12, the team inbox: `mentions handle|assign|ignore|reopen|label|
//! note|tag|history`, the list filters by state, assignee, tag and label, the
//! inbox fields in JSON and `show`, who acts, all-or-nothing on a bad id, and
//! retention, backup and a running daemon beside the inbox commands.

use std::process::Output;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::support::{
    by_title, rss, start_daemon, terminate, wait_until, Env, Route, Server, ACME,
};

const A: &str = "Acme Telecom storing in Delft";
const B: &str = "Acme Telecom factuur klopt niet";
const C: &str = "Acme Telecom reclame";
const D: &str = "Acme Telecom wacht al een week";
const G: &str = "Globex levert niet";

/// A polled database: four acme mentions and one globex mention.
async fn inbox(extra_config: &str) -> (Server, Env) {
    let server = Server::start().await;
    server.route(
        "/f.rss",
        Route::ok(
            "application/rss+xml",
            rss(&[("a", A), ("b", B), ("c", C), ("d", D), ("g", G)]),
        ),
    );
    let env = Env::new(&format!(
        "{extra_config}\n{ACME}\n[[watch]]\nname = \"globex\"\nterms = [\"Globex\"]\n\n\
         [[source]]\nname = \"f\"\nkind = \"feed\"\nurl = \"{}\"\ninterval = \"1h\"\n",
        server.url("/f.rss")
    ));
    env.ok(&["poll"]).await;
    assert_eq!(env.mentions_json(&[]).await.len(), 5);
    (server, env)
}

/// The id of the mention titled `title`, as a command-line argument.
async fn id(env: &Env, title: &str) -> String {
    by_title(&env.mentions_json(&[]).await, title)["id"]
        .as_i64()
        .expect("id")
        .to_string()
}

/// `earshot ARGS` with `EARSHOT_USER` set to `user` (or removed).
async fn run_as(env: &Env, user: Option<&str>, args: &[&str]) -> Output {
    let config = env.config_path();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let user = user.map(str::to_string);
    tokio::task::spawn_blocking(move || {
        let mut cmd = assert_cmd::Command::cargo_bin("earshot").expect("earshot binary");
        cmd.arg("--config").arg(config).args(args);
        match user {
            Some(u) => cmd.env("EARSHOT_USER", u),
            None => cmd.env_remove("EARSHOT_USER"),
        };
        cmd.timeout(std::time::Duration::from_secs(60))
            .output()
            .expect("run earshot")
    })
    .await
    .expect("join")
}

/// Like [`run_as`], asserting success.
async fn ok_as(env: &Env, user: Option<&str>, args: &[&str]) -> String {
    let out = run_as(env, user, args).await;
    assert!(
        out.status.success(),
        "earshot {args:?} failed ({:?}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The mention titled `title` as `mentions list --format json` prints it.
async fn mention(env: &Env, title: &str) -> Value {
    by_title(&env.mentions_json(&[]).await, title).clone()
}

/// `mentions history ID --format json` as (by, what, from, to), each `at`
/// checked to be a time of the last minute.
async fn history(env: &Env, id: &str) -> Vec<(String, String, Value, Value)> {
    env.json_lines(&["mentions", "history", id, "--format", "json"])
        .await
        .into_iter()
        .map(|e| {
            let at: DateTime<Utc> = e["at"]
                .as_str()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .unwrap_or_else(|| panic!("at is RFC 3339: {e}"))
                .into();
            let age = Utc::now() - at;
            assert!(age.num_seconds().abs() < 60, "{e}");
            (
                e["by"].as_str().unwrap_or_default().to_string(),
                e["what"].as_str().unwrap_or_default().to_string(),
                e["from"].clone(),
                e["to"].clone(),
            )
        })
        .collect()
}

fn ev(by: &str, what: &str, from: Value, to: Value) -> (String, String, Value, Value) {
    (by.into(), what.into(), from, to)
}

/// `earshot ARGS --by lead`, asserting success.
async fn as_lead(env: &Env, args: &[&str]) -> String {
    let mut args = args.to_vec();
    args.extend(["--by", "lead"]);
    ok_as(env, None, &args).await
}

/// The titles `mentions list ARGS` finds, sorted.
async fn titles(env: &Env, args: &[&str]) -> Vec<String> {
    let mut t: Vec<String> = env
        .mentions_json(args)
        .await
        .iter()
        .map(|m| m["title"].as_str().unwrap_or_default().to_string())
        .collect();
    t.sort();
    t
}

fn sorted(t: &[&str]) -> Vec<String> {
    let mut t: Vec<String> = t.iter().map(|s| s.to_string()).collect();
    t.sort();
    t
}

/// Assign, handle with a note, reopen, handle again, ignore: each state and
/// the history in order with who and from → to; handled_at is the first time
/// handled and stays when handled again.
#[tokio::test(flavor = "multi_thread")]
async fn issue12_assign_handle_reopen_ignore_and_history() {
    let (_server, env) = inbox("").await;
    let (a, b, c) = (id(&env, A).await, id(&env, B).await, id(&env, C).await);
    let fresh = mention(&env, A).await;
    assert_eq!(fresh["state"], "new");
    assert_eq!(fresh["assignee"], Value::Null);
    assert_eq!(fresh["label"], Value::Null);
    assert_eq!(fresh["tags"], json!([]));
    assert_eq!(fresh["handled_at"], Value::Null);

    let out = ok_as(
        &env,
        None,
        &[
            "mentions", "assign", &a, &b, "--to", "alice", "--by", "lead",
        ],
    )
    .await;
    assert!(
        out.contains(&format!("mentions {a}, {b}: assigned to alice by lead")),
        "{out}"
    );
    for t in [A, B] {
        let m = mention(&env, t).await;
        assert_eq!(
            (m["state"].as_str(), m["assignee"].as_str()),
            (Some("assigned"), Some("alice"))
        );
    }

    ok_as(
        &env,
        None,
        &[
            "mentions",
            "handle",
            &a,
            "--note",
            "replied by DM",
            "--by",
            "alice",
        ],
    )
    .await;
    let handled = mention(&env, A).await;
    assert_eq!(handled["state"], "handled");
    assert_eq!(handled["assignee"], "alice");
    let first: DateTime<Utc> = handled["handled_at"]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .expect("handled_at is RFC 3339")
        .into();
    assert!((Utc::now() - first).num_seconds().abs() < 60);

    // Move the first handling a day back, so handling again in the same
    // second could not hide a handled_at that moves.
    let db = rusqlite::Connection::open(env.db_path()).unwrap();
    db.execute(
        &format!("UPDATE mentions SET handled_at = handled_at - 86400 WHERE id = {a}"),
        [],
    )
    .unwrap();
    drop(db);
    let day_back = mention(&env, A).await["handled_at"].clone();

    ok_as(&env, None, &["mentions", "reopen", &a, "--by", "lead"]).await;
    let reopened = mention(&env, A).await;
    assert_eq!(reopened["state"], "assigned", "reopen keeps the assignee");
    assert_eq!(reopened["handled_at"], day_back);
    ok_as(&env, None, &["mentions", "handle", &a, "--by", "bob"]).await;
    assert_eq!(
        mention(&env, A).await["handled_at"],
        day_back,
        "the first time is kept"
    );

    ok_as(
        &env,
        None,
        &["mentions", "ignore", &c, "--note", "advert", "--by", "bob"],
    )
    .await;
    assert_eq!(mention(&env, C).await["state"], "ignored");
    ok_as(&env, None, &["mentions", "reopen", &c, "--by", "bob"]).await;
    assert_eq!(
        mention(&env, C).await["state"],
        "new",
        "reopen without assignee"
    );

    assert_eq!(
        history(&env, &a).await,
        [
            ev("lead", "assignee", Value::Null, json!("alice")),
            ev("lead", "state", json!("new"), json!("assigned")),
            ev("alice", "state", json!("assigned"), json!("handled")),
            ev("alice", "note", Value::Null, json!("replied by DM")),
            ev("lead", "state", json!("handled"), json!("assigned")),
            ev("bob", "state", json!("assigned"), json!("handled")),
        ]
    );
    assert_eq!(
        history(&env, &c).await,
        [
            ev("bob", "state", json!("new"), json!("ignored")),
            ev("bob", "note", Value::Null, json!("advert")),
            ev("bob", "state", json!("ignored"), json!("new")),
        ]
    );
    let table = env.ok(&["mentions", "history", &a]).await;
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["AT", "BY", "WHAT", "FROM", "TO"]
    );
    assert_eq!(lines.len(), 7, "{table}");
    assert!(
        lines[3].contains("alice")
            && lines[3].contains("assigned")
            && lines[3].ends_with("handled"),
        "{table}"
    );
}

/// `label ID… LABEL` and `tag ID… TAG [--remove]` take several ids before
/// the last word; `note`; `show` in JSON and as a table carries the inbox,
/// the notes and the history.
#[tokio::test(flavor = "multi_thread")]
async fn issue12_label_tag_note_and_show() {
    let (_server, env) = inbox("").await;
    let (a, b) = (id(&env, A).await, id(&env, B).await);
    ok_as(
        &env,
        None,
        &["mentions", "label", &a, &b, "complaint", "--by", "lead"],
    )
    .await;
    ok_as(
        &env,
        None,
        &["mentions", "label", &b, "praise", "--by", "lead"],
    )
    .await;
    ok_as(
        &env,
        None,
        &["mentions", "tag", &a, &b, "outage", "--by", "lead"],
    )
    .await;
    ok_as(
        &env,
        None,
        &["mentions", "tag", &a, "delft", "--by", "lead"],
    )
    .await;
    ok_as(
        &env,
        None,
        &["mentions", "tag", &b, "outage", "--remove", "--by", "lead"],
    )
    .await;
    ok_as(
        &env,
        None,
        &[
            "mentions",
            "note",
            &a,
            "called back at 14:00",
            "--by",
            "alice",
        ],
    )
    .await;
    let bad = run_as(&env, None, &["mentions", "label", &a, "angry", "--by", "x"]).await;
    assert_eq!(
        bad.status.code(),
        Some(2),
        "an unknown label is a usage error"
    );

    let ma = mention(&env, A).await;
    assert_eq!(ma["label"], "complaint");
    assert_eq!(ma["tags"], json!(["delft", "outage"]));
    let mb = mention(&env, B).await;
    assert_eq!(mb["label"], "praise");
    assert_eq!(mb["tags"], json!([]));
    assert_eq!(
        history(&env, &b).await,
        [
            ev("lead", "label", Value::Null, json!("complaint")),
            ev("lead", "label", json!("complaint"), json!("praise")),
            ev("lead", "tag", Value::Null, json!("outage")),
            ev("lead", "tag", json!("outage"), Value::Null),
        ]
    );

    let shown = &env
        .json_lines(&["mentions", "show", &a, "--format", "json"])
        .await[0];
    assert_eq!(shown["state"], "new");
    assert_eq!(shown["label"], "complaint");
    assert_eq!(shown["tags"], json!(["delft", "outage"]));
    assert_eq!(shown["notes"][0]["by"], "alice");
    assert_eq!(shown["notes"][0]["text"], "called back at 14:00");
    assert_eq!(shown["notes"].as_array().map(Vec::len), Some(1));
    assert_eq!(shown["history"].as_array().map(Vec::len), Some(4));
    assert_eq!(shown["history"][3]["what"], "note");

    let table = env.ok(&["mentions", "show", &a]).await;
    for want in [
        "state:     new",
        "label:     complaint",
        "tags:      delft, outage",
        "alice: called back at 14:00",
        "history:",
    ] {
        assert!(table.contains(want), "{want:?} in:\n{table}");
    }
}

/// One unknown id among several: exit 2 naming it, and nothing changed on
/// the ids that exist.
#[tokio::test(flavor = "multi_thread")]
async fn issue12_unknown_id_changes_nothing() {
    let (_server, env) = inbox("").await;
    let (a, b) = (id(&env, A).await, id(&env, B).await);
    for args in [
        vec!["mentions", "handle", &a, "999", &b, "--note", "x"],
        vec!["mentions", "assign", &a, "999", "--to", "alice"],
        vec!["mentions", "ignore", &a, "999"],
        vec!["mentions", "label", &a, "999", "complaint"],
        vec!["mentions", "tag", &a, "999", "outage"],
        vec!["mentions", "note", "999", "hello"],
        vec!["mentions", "history", "999"],
    ] {
        let out = run_as(&env, Some("lead"), &args).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("no mention with id 999"),
            "{args:?}: {stderr}"
        );
    }
    let out = run_as(
        &env,
        Some("lead"),
        &["mentions", "reopen", "998", &a, "999"],
    )
    .await;
    assert!(String::from_utf8_lossy(&out.stderr).contains("998, 999"));
    for t in [A, B] {
        let m = mention(&env, t).await;
        assert_eq!(
            (&m["state"], &m["assignee"], &m["label"], &m["tags"]),
            (&json!("new"), &Value::Null, &Value::Null, &json!([])),
            "{m}"
        );
    }
    assert!(history(&env, &a).await.is_empty());
    let shown = &env
        .json_lines(&["mentions", "show", &a, "--format", "json"])
        .await[0];
    assert_eq!(shown["notes"], json!([]));
}

/// Who acts: `--by` over `$EARSHOT_USER` over the OS user name.
#[tokio::test(flavor = "multi_thread")]
async fn issue12_who_acts() {
    let (_server, env) = inbox("").await;
    let a = id(&env, A).await;
    ok_as(
        &env,
        Some("env-user"),
        &["mentions", "tag", &a, "one", "--by", "flag-user"],
    )
    .await;
    ok_as(&env, Some("env-user"), &["mentions", "tag", &a, "two"]).await;
    ok_as(&env, None, &["mentions", "tag", &a, "three"]).await;
    let os_user = std::process::Command::new("id")
        .arg("-un")
        .output()
        .expect("id -un");
    let os_user = String::from_utf8(os_user.stdout)
        .unwrap()
        .trim()
        .to_string();
    assert!(!os_user.is_empty());
    let by: Vec<String> = history(&env, &a).await.into_iter().map(|e| e.0).collect();
    assert_eq!(by, ["flag-user", "env-user", os_user.as_str()]);
    let empty = run_as(&env, None, &["mentions", "tag", &a, "four", "--by", " "]).await;
    assert_eq!(empty.status.code(), Some(2));
}

/// `list --state` (open, repeated), `--assignee`, `--tag`, `--label`, with
/// the existing filters and in `search` and `export`; the table's STATE and
/// ASSIGNEE columns.
#[tokio::test(flavor = "multi_thread")]
async fn issue12_list_filters() {
    let (_server, env) = inbox("").await;
    let (a, b, c, d, g) = (
        id(&env, A).await,
        id(&env, B).await,
        id(&env, C).await,
        id(&env, D).await,
        id(&env, G).await,
    );
    as_lead(&env, &["mentions", "assign", &b, &g, "--to", "bob"]).await;
    as_lead(&env, &["mentions", "handle", &c]).await;
    as_lead(&env, &["mentions", "ignore", &d]).await;
    as_lead(&env, &["mentions", "tag", &a, &c, "outage"]).await;
    as_lead(&env, &["mentions", "label", &a, &b, "complaint"]).await;

    assert_eq!(titles(&env, &["--state", "open"]).await, sorted(&[A, B, G]));
    assert_eq!(titles(&env, &["--state", "new"]).await, sorted(&[A]));
    assert_eq!(
        titles(&env, &["--state", "handled", "--state", "ignored"]).await,
        sorted(&[C, D])
    );
    assert_eq!(
        titles(&env, &["--state", "open", "--watch", "globex"]).await,
        sorted(&[G])
    );
    assert_eq!(titles(&env, &["--assignee", "bob"]).await, sorted(&[B, G]));
    assert_eq!(
        titles(&env, &["--assignee", "bob", "--watch", "acme"]).await,
        sorted(&[B])
    );
    assert_eq!(titles(&env, &["--tag", "outage"]).await, sorted(&[A, C]));
    assert_eq!(
        titles(&env, &["--tag", "outage", "--state", "open"]).await,
        sorted(&[A])
    );
    assert_eq!(
        titles(&env, &["--label", "complaint"]).await,
        sorted(&[A, B])
    );
    assert_eq!(
        titles(
            &env,
            &[
                "--label",
                "complaint",
                "--state",
                "assigned",
                "--since",
                "1h"
            ]
        )
        .await,
        sorted(&[B])
    );
    assert!(titles(&env, &["--tag", "nothing"]).await.is_empty());

    let found = env
        .json_lines(&[
            "mentions", "search", "Acme", "--state", "open", "--format", "json",
        ])
        .await;
    let mut t: Vec<&str> = found.iter().filter_map(|m| m["title"].as_str()).collect();
    t.sort();
    assert_eq!(t, sorted(&[A, B]));

    let exported = env.json_lines(&["export", "--format", "json"]).await;
    let eb = by_title(&exported, B);
    assert_eq!(
        (eb["state"].as_str(), eb["assignee"].as_str()),
        (Some("assigned"), Some("bob"))
    );
    assert_eq!(by_title(&exported, C)["tags"], json!(["outage"]));
    assert!(by_title(&exported, C)["handled_at"].is_string());

    let table = env
        .ok(&["mentions", "list", "--watch", "acme", "--state", "open"])
        .await;
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        [
            "ID",
            "FOUND",
            "WATCH",
            "SENTIMENT",
            "STATE",
            "ASSIGNEE",
            "SOURCES",
            "TITLE"
        ]
    );
    assert_eq!(lines.len(), 3, "{table}");
    let row_b = lines.iter().find(|l| l.ends_with(B)).expect("row B");
    assert!(
        row_b.contains(" assigned ") && row_b.contains(" bob "),
        "{table}"
    );
}

/// Beside a running daemon the inbox commands write; retention drops an old
/// mention's notes, tags and history with it; a backup keeps them.
#[tokio::test(flavor = "multi_thread")]
async fn issue12_daemon_retention_and_backup() {
    let (_server, env) = inbox("[storage]\nretention = \"30d\"\n").await;
    let (a, b) = (id(&env, A).await, id(&env, B).await);
    for args in [
        vec!["mentions", "handle", &a, &b, "--note", "done"],
        vec!["mentions", "tag", &a, &b, "outage"],
    ] {
        ok_as(&env, Some("lead"), &args).await;
    }
    let copy = env.dir.path().join("backup.db");
    env.ok(&["backup", copy.to_str().unwrap()]).await;
    let count = |db: &rusqlite::Connection, table: &str| -> i64 {
        db.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    };
    let backup = rusqlite::Connection::open(&copy).unwrap();
    assert_eq!(
        [
            count(&backup, "mention_events"),
            count(&backup, "mention_notes"),
            count(&backup, "mention_tags")
        ],
        [6, 2, 2]
    );

    let db = rusqlite::Connection::open(env.db_path()).unwrap();
    db.execute(
        &format!("UPDATE mentions SET found_at = found_at - 40 * 86400 WHERE id = {a}"),
        [],
    )
    .unwrap();
    let mut child = start_daemon(&env, &[]);
    wait_until("retention to prune", 15, async || {
        env.mentions_json(&[]).await.len() == 4
    })
    .await;
    // The daemon holds the database; the inbox writes beside it.
    ok_as(&env, Some("lead"), &["mentions", "label", &b, "complaint"]).await;
    terminate(&mut child);
    assert_eq!(mention(&env, B).await["label"], "complaint");
    for (table, left) in [
        ("mention_events", 4),
        ("mention_notes", 1),
        ("mention_tags", 1),
    ] {
        assert_eq!(
            count(&db, table),
            left,
            "{table} keeps only the live mention's rows"
        );
    }
    let orphans: i64 = db
        .query_row(
            "SELECT count(*) FROM mention_events WHERE mention_id NOT IN (SELECT id FROM mentions)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0);
}

/// An inbox command on a database that does not exist says so and creates
/// none (a mistyped `[storage] database` is not a new empty inbox).
#[tokio::test(flavor = "multi_thread")]
async fn issue12_write_commands_never_create_a_database() {
    let env = Env::new(ACME);
    let out = run_as(&env, Some("lead"), &["mentions", "handle", "1"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no database at"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!env.db_path().exists());
}

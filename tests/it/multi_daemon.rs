//! Issue #16: several daemons on one PostgreSQL database. Two real `earshot
//! run` processes share four loopback feeds and one SMTP sink through a
//! fresh database on the throwaway test cluster; one of them is killed with
//! SIGKILL at random moments twenty times (and started again) while items
//! keep arriving. Every mention must be stored once, every alert delivered
//! at least once and repeated only under its own Message-ID, and every
//! source polled on its interval within one lease period throughout.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use mail_parser::MessageParser;

use crate::support::{
    email_notifier, free_port, postgres, rss, signal, spawn_daemon, terminate, wait_until, Env,
    Route, Server, SmtpSink, ACME,
};

const FEEDS: usize = 4;
const INTERVAL_SECS: i64 = 1;
const LEASE_SECS: i64 = 3;

/// The config: the test database, a short lease, four fast feeds, instant
/// mail for every acme mention.
fn config(database: &str, server: &Server, port: u16) -> String {
    let mut c = format!(
        "[storage]\ndatabase = \"{database}\"\n\n[daemon]\nlease = \"{LEASE_SECS}s\"\n\n{ACME}\n"
    );
    for f in 0..FEEDS {
        c.push_str(&format!(
            "[[source]]\nname = \"feed{f}\"\nkind = \"feed\"\nurl = \"{}\"\ninterval = \"{INTERVAL_SECS}s\"\n\n",
            server.url(&format!("/feed{f}.rss"))
        ));
    }
    c.push_str(&email_notifier(
        "webcare",
        port,
        &["webcare@example.nl"],
        "earshot <earshot@example.nl>",
    ));
    c.push_str("\n[[route]]\nwatch = \"acme\"\nnotify = [\"webcare\"]\nmode = \"instant\"\n");
    c
}

/// Each feed's items so far, as (guid, title); every title names the brand.
struct Feeds(Vec<Vec<(String, String)>>);

impl Feeds {
    /// One more item on every feed, served from now on.
    fn grow(&mut self, server: &Server, round: usize) {
        for (f, items) in self.0.iter_mut().enumerate() {
            items.push((
                format!("f{f}-r{round}"),
                format!("Acme Telecom storing {f}-{round}: nog steeds geen internet"),
            ));
            let refs: Vec<(&str, &str)> = items
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str()))
                .collect();
            server.route(
                &format!("/feed{f}.rss"),
                Route::ok("application/rss+xml", rss(&refs)),
            );
        }
    }

    fn titles(&self) -> BTreeSet<String> {
        self.0.iter().flatten().map(|(_, t)| t.clone()).collect()
    }
}

/// (Message-ID, subject) of every message the sink accepted.
fn mails(sink: &SmtpSink) -> Vec<(String, String)> {
    sink.messages()
        .iter()
        .filter_map(|raw| MessageParser::default().parse(raw))
        .map(|m| {
            (
                m.message_id().unwrap_or_default().to_string(),
                m.subject().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Seconds since each configured source was last polled.
async fn poll_ages(env: &Env) -> BTreeMap<String, i64> {
    let now = chrono::Utc::now();
    env.json_lines(&["sources", "--format", "json"])
        .await
        .iter()
        .filter_map(|s| {
            let name = s["name"].as_str()?.to_string();
            let at = s["last_poll_at"]
                .as_str()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())?;
            Some((name, (now - at.with_timezone(&chrono::Utc)).num_seconds()))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn issue16_two_daemons_killed_twenty_times_lose_and_double_nothing() {
    let server = Server::start().await;
    let mut feeds = Feeds(vec![Vec::new(); FEEDS]);
    feeds.grow(&server, 0);
    let port = free_port();
    let database = postgres::fresh_database();
    let env = Env::new(&config(&database, &server, port));
    let sink = SmtpSink::start(port, &env.dir.path().join("mail"));
    let out = env.ok(&["migrate"]).await;
    assert!(out.contains("PostgreSQL"), "{out}");

    let mut daemons = [
        spawn_daemon(&env, &[], std::process::Stdio::null()),
        spawn_daemon(&env, &[], std::process::Stdio::null()),
    ];
    wait_until("the first mentions", 30, async || {
        env.mentions_json(&[]).await.len() >= FEEDS
    })
    .await;

    // A source must never go unpolled for longer than its interval and one
    // lease (the time a killed daemon's sources take to move), with room
    // for a busy machine.
    let allowed = INTERVAL_SECS + LEASE_SECS + 4;
    let mut worst = 0;
    let mut seed = std::process::id() as u64 | 1;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 1..=20 {
        feeds.grow(&server, round);
        tokio::time::sleep(Duration::from_millis(200 + next() % 1000)).await;
        let victim = (next() % 2) as usize;
        signal(&daemons[victim], libc::SIGKILL);
        daemons[victim].wait().expect("reap the killed daemon");
        daemons[victim] = spawn_daemon(&env, &[], std::process::Stdio::null());
        let ages = poll_ages(&env).await;
        assert_eq!(ages.len(), FEEDS, "round {round}: {ages:?}");
        let oldest = ages.values().copied().max().unwrap_or(0);
        worst = worst.max(oldest);
        assert!(
            oldest <= allowed,
            "round {round}: a source went {oldest}s unpolled (allowed {allowed}s): {ages:?}"
        );
    }

    // Everything that arrived is found and alerted, by whichever daemon.
    let expected = feeds.titles();
    let started = Instant::now();
    wait_until("every mention and every alert", 60, async || {
        let stored = env.mentions_json(&[]).await.len();
        let subjects: BTreeSet<String> = mails(&sink).into_iter().map(|(_, s)| s).collect();
        stored >= expected.len() && subjects.len() >= expected.len()
    })
    .await;
    wait_until("no deliveries pending", 30, async || {
        env.deliveries("pending").await.is_empty()
    })
    .await;
    for d in &mut daemons {
        terminate(d);
    }

    // Every mention stored once.
    let mentions = env.mentions_json(&[]).await;
    let titles: Vec<String> = mentions
        .iter()
        .map(|m| m["title"].as_str().unwrap_or("").to_string())
        .collect();
    let distinct: BTreeSet<String> = titles.iter().cloned().collect();
    assert_eq!(titles.len(), distinct.len(), "a mention stored twice");
    assert_eq!(
        distinct, expected,
        "stored mentions differ from the items served"
    );

    // Every alert at least once; a repeat only under the same Message-ID
    // (one Message-ID per mention, and one mention per Message-ID).
    let mails = mails(&sink);
    let mut by_subject: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (id, subject) in &mails {
        assert!(!id.is_empty(), "a message without a Message-ID: {subject}");
        by_subject.entry(subject).or_default().insert(id);
    }
    for title in &expected {
        let ids = by_subject
            .iter()
            .find(|(s, _)| s.contains(title.as_str()))
            .map(|(_, ids)| ids.len());
        assert_eq!(ids, Some(1), "{title}: alerted under {ids:?} Message-IDs");
    }
    let ids: BTreeSet<&str> = mails.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids.len(), expected.len(), "one Message-ID per mention");
    let repeats = mails.len() - ids.len();
    let sent = env
        .json_lines(&[
            "deliveries",
            "--status",
            "sent",
            "--format",
            "json",
            "--limit",
            "0",
        ])
        .await;
    assert_eq!(sent.len(), expected.len(), "each delivery marked sent once");
    eprintln!(
        "{} mentions, {} messages ({repeats} repeats), worst poll gap {worst}s, settled in {:?}",
        expected.len(),
        mails.len(),
        started.elapsed()
    );
}

/// `store copy` moves an SQLite database's history into an empty
/// PostgreSQL one: the same mentions (ids, titles, inbox state, notes),
/// searchable there without accents, and a second copy into it refused.
#[tokio::test(flavor = "multi_thread")]
async fn issue16_store_copy_moves_the_history_to_postgresql() {
    let server = Server::start().await;
    server.route(
        "/feed.rss",
        Route::ok(
            "application/rss+xml",
            rss(&[
                ("a", "Acme Telecom: storing in de regio Utrecht"),
                ("b", "Acme Telecom opent een winkel in Café Noël"),
                ("c", "Weerbericht zonder merk"),
            ]),
        ),
    );
    let feed = format!(
        "{ACME}\n[[source]]\nname = \"news\"\nkind = \"feed\"\nurl = \"{}\"\n",
        server.url("/feed.rss")
    );
    let env = Env::new(&feed);
    env.ok(&["poll"]).await;
    let before = env.mentions_json(&[]).await;
    assert_eq!(before.len(), 2, "{before:?}");
    let first = before[0]["id"].as_i64().expect("id").to_string();
    env.ok(&[
        "mentions", "handle", &first, "--note", "gebeld", "--by", "anna",
    ])
    .await;
    let before = env.mentions_json(&[]).await;

    let database = postgres::fresh_database();
    let out = env.ok(&["store", "copy", "--to", &database]).await;
    assert!(out.contains("copied"), "{out}");
    let line = |table: &str| {
        out.lines()
            .find(|l| l.split_whitespace().next() == Some(table))
            .map(str::to_string)
            .unwrap_or_default()
    };
    assert!(line("mentions").contains("2 →"), "{out}");
    assert!(line("mention_notes").contains("1 →"), "{out}");
    assert!(!out.contains('✗'), "{out}");

    let pg = Env::new(&format!("[storage]\ndatabase = \"{database}\"\n\n{feed}"));
    let check = pg.ok(&["check"]).await;
    assert!(check.contains("PostgreSQL, schema version"), "{check}");
    let after = pg.mentions_json(&[]).await;
    let key = |m: &serde_json::Value| {
        (
            m["id"].as_i64(),
            m["title"].as_str().map(str::to_string),
            m["state"].as_str().map(str::to_string),
            m["watch"].as_str().map(str::to_string),
        )
    };
    assert_eq!(
        after.iter().map(key).collect::<Vec<_>>(),
        before.iter().map(key).collect::<Vec<_>>(),
        "the same mentions on PostgreSQL"
    );
    let found = pg
        .ok(&["mentions", "search", "cafe noel", "--format", "json"])
        .await;
    assert!(found.contains("Café Noël"), "{found}");
    // The next poll on PostgreSQL knows these items already.
    let again = pg.ok(&["poll"]).await;
    assert!(again.contains("0 new mentions"), "{again}");
    // A second copy into a database with rows is refused, naming them.
    let refused = env.run(&["store", "copy", "--to", &database]).await;
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("not empty"), "{err}");
}

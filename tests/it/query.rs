//! The query side of the command line on a polled corpus: `mentions list`
//! filters and formats, `mentions search`, `mentions show`, `preview`, and
//! terminal safety of text that came from the internet.

use serde_json::Value;

use crate::corpus::{
    config, field, pairs, populated, serve, watch_titles, with_title, ATOM, JSON_FEED,
};
use crate::support::Env;

const STORING: &str = "Grote storing bij Acme Telecom: duizenden klanten zonder internet";
/// The fixture's title carries ESC bytes (`\u{1b}[31mROOD\u{1b}[0m`); control
/// characters are stripped at ingestion, so this is how it is stored.
const ROOD: &str = "Acme Telecom [31mROOD[0m modem knippert";
const KLM: [(&str, &str); 4] = [
    ("klm", "Nieuwe stoelen in de business class"),
    ("klm", "Mijn KLM-vlucht naar Bali is geannuleerd"),
    ("klm", "Vier uur vertraging op Schiphol"),
    ("klm", "Vraag over bagage"),
];

/// `mentions list ARGS --format json` (or `mentions search …`) as sorted
/// `(watch, title)` pairs, compared with `expected`.
async fn check(env: &Env, args: &[&str], expected: &[(&str, &str)]) {
    let mut full = args.to_vec();
    full.extend(["--format", "json", "--limit", "0"]);
    let got: Vec<Value> = env
        .ok(&full)
        .await
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(watch_titles(&got), pairs(expected), "earshot {args:?}");
}

/// Moves the klm mentions ten days into the past, straight in the database.
fn age_klm_mentions(env: &Env) {
    let db = rusqlite::Connection::open(env.db_path()).expect("open db");
    let n = db
        .execute(
            "UPDATE mentions SET found_at = found_at - 10 * 86400 WHERE watch = 'klm'",
            [],
        )
        .expect("update");
    assert_eq!(n, 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn list_filters_by_watch_source_and_since() {
    let (_server, env) = populated().await;
    assert_eq!(env.mentions_json(&[]).await.len(), 18);
    check(&env, &["mentions", "list", "--watch", "klm"], &KLM).await;
    check(
        &env,
        &["mentions", "list", "--watch", "bol", "--watch", "hema"],
        &[
            ("bol", "Bestelling bij bol.com al twee weken onderweg"),
            ("bol", "PAKKETJE VAN BOL.COM KWIJT"),
            (
                "hema",
                "HEMA opent vernieuwde winkel in Utrecht met grotere foodafdeling",
            ),
        ],
    )
    .await;
    check(
        &env,
        &["mentions", "list", "--source", "google-alerts-acme"],
        &[
            ("acme", STORING),
            (
                "acme",
                "Acme Telecom verhoogt prijzen per 1 januari met 4,9 procent",
            ),
            (
                "acme",
                "Prijsvechter: AcmeTel-abonnement nu goedkoper dan simkaart van HEMA",
            ),
        ],
    )
    .await;
    check(
        &env,
        &[
            "mentions",
            "list",
            "--source",
            "tweakers-forum",
            "--watch",
            "acme",
        ],
        &[("acme", STORING), ("acme", ROOD)],
    )
    .await;
    // Issue #12: an unknown watch is refused, not an empty list.
    let unknown = env.run(&["mentions", "list", "--watch", "nobody"]).await;
    assert_eq!(unknown.status.code(), Some(2), "{unknown:?}");

    age_klm_mentions(&env);
    let all = env.mentions_json(&[]).await.len();
    assert_eq!(all, 18);
    let since = |s: &str| {
        let s = s.to_string();
        let env = &env;
        async move { env.mentions_json(&["--since", &s]).await }
    };
    let recent = since("7d").await;
    assert_eq!(recent.len(), 14);
    assert!(recent.iter().all(|m| field(m, "watch") != "klm"));
    assert_eq!(since("1h").await.len(), 14);
    assert_eq!(since("30d").await.len(), 18);
    let three_days_ago = (chrono::Utc::now() - chrono::Duration::days(3))
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(since(&three_days_ago).await.len(), 14);
    assert_eq!(since("2026-01-01").await.len(), 18);
    assert_eq!(since("2099-01-01").await.len(), 0);
    let rfc = (chrono::Utc::now() - chrono::Duration::days(12)).to_rfc3339();
    assert_eq!(since(&rfc).await.len(), 18);
    check(
        &env,
        &["mentions", "list", "--watch", "klm", "--since", "7d"],
        &[],
    )
    .await;

    let bad = env
        .run(&["mentions", "list", "--since", "last tuesday"])
        .await;
    assert_eq!(bad.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn list_limit_keeps_the_newest() {
    let (_server, env) = populated().await;
    age_klm_mentions(&env);
    let all = env.mentions_json(&[]).await;
    let two: Vec<Value> = env
        .ok(&["mentions", "list", "--limit", "2", "--format", "json"])
        .await
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(two, all[..2].to_vec());
    // Newest first: found_at never increases down the list, and the aged klm
    // mentions come last.
    let found: Vec<&str> = all.iter().map(|m| field(m, "found_at")).collect();
    assert!(found.windows(2).all(|w| w[0] >= w[1]), "{found:?}");
    assert!(all[14..].iter().all(|m| field(m, "watch") == "klm"));
    // The default limit is 50, far above 18; the table has a header and 18 rows.
    let table = env.ok(&["mentions"]).await;
    assert_eq!(table.lines().count(), 19, "{table}");
    let table = env.ok(&["mentions", "list", "--limit", "3"]).await;
    assert_eq!(table.lines().count(), 4, "{table}");
}

#[tokio::test(flavor = "multi_thread")]
async fn list_formats_json_csv_and_table() {
    let (_server, env) = populated().await;

    let json = env.mentions_json(&["--watch", "klm"]).await;
    assert_eq!(json.len(), 4);
    for m in &json {
        for key in [
            "id",
            "watch",
            "sources",
            "url",
            "canonical_url",
            "title",
            "text",
            "author",
            "published_at",
            "found_at",
            "terms",
            "snippet",
            "sentiment",
        ] {
            assert!(m.get(key).is_some(), "no {key} in {m}");
        }
        assert!(m["id"].is_i64(), "{m}");
        assert_eq!(m["sources"], serde_json::json!(["webcare"]));
        assert_eq!(m["terms"], serde_json::json!(["KLM"]));
    }

    let csv = env
        .ok(&["mentions", "list", "--watch", "klm", "--format", "csv"])
        .await;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "id,watch,sources,url,canonical_url,title,author,published_at,found_at,terms,snippet,sentiment,sentiment_score,rating,state,assignee,label,tags,handled_at,text"
    );
    assert_eq!(lines.len(), 5, "{csv}");
    let bali = lines
        .iter()
        .find(|l| l.contains("Mijn KLM-vlucht naar Bali is geannuleerd"))
        .expect("bali row");
    assert!(
        bali.contains(",klm,webcare,https://webcare.example.nl/m/3,"),
        "{bali}"
    );
    assert!(bali.ends_with(",\"Geen mail, geen sms, niks.\""), "{bali}");

    let table = env.ok(&["mentions", "list", "--watch", "klm"]).await;
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 5, "{table}");
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
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
    let title_col = lines[0].find("TITLE").unwrap();
    let mut titles: Vec<&str> = lines[1..].iter().map(|l| &l[title_col..]).collect();
    titles.sort();
    let mut want: Vec<&str> = KLM.iter().map(|(_, t)| *t).collect();
    want.sort();
    assert_eq!(titles, want, "{table}");
    assert!(lines[1..]
        .iter()
        .all(|l| l.contains(" klm ") && l.contains(" webcare ")));
}

#[tokio::test(flavor = "multi_thread")]
async fn search_full_text() {
    let (_server, env) = populated().await;
    let search = |q: &'static str| ["mentions", "search", q];
    // A Dutch word from titles and texts.
    check(
        &env,
        &search("storing"),
        &[
            ("acme", STORING),
            ("acme", "Weer een Acme Tel storing in Rotterdam"),
            ("ns", "NS-storing legt treinverkeer rond Utrecht plat"),
        ],
    )
    .await;
    check(
        &env,
        &["mentions", "search", "storing", "--watch", "ns"],
        &[("ns", "NS-storing legt treinverkeer rond Utrecht plat")],
    )
    .await;
    // Only in an item's text.
    check(
        &env,
        &search("klantenservice"),
        &[("bol", "Bestelling bij bol.com al twee weken onderweg")],
    )
    .await;
    // Punctuation must not be FTS syntax.
    check(
        &env,
        &search("bol.com"),
        &[
            ("bol", "Bestelling bij bol.com al twee weken onderweg"),
            ("bol", "PAKKETJE VAN BOL.COM KWIJT"),
        ],
    )
    .await;
    check(&env, &search("@KLM"), &KLM).await;
    check(
        &env,
        &search("KLM-vlucht"),
        &[("klm", "Mijn KLM-vlucht naar Bali is geannuleerd")],
    )
    .await;
    // Diacritics do not matter, phrases and prefixes work.
    check(
        &env,
        &search("creme brulee"),
        &[("cafe", "Lange review van een avondje uit")],
    )
    .await;
    check(&env, &search("\"zonder internet\""), &[("acme", STORING)]).await;
    check(
        &env,
        &search("geannul*"),
        &[("klm", "Mijn KLM-vlucht naar Bali is geannuleerd")],
    )
    .await;
    check(&env, &search("vliegtuigmaaltijd"), &[]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn show_one_mention() {
    let (_server, env) = populated().await;
    let all = env.mentions_json(&[]).await;
    let bali = with_title(&all, "Mijn KLM-vlucht naar Bali is geannuleerd")[0];
    let id = bali["id"].as_i64().unwrap().to_string();

    let out = env.ok(&["mentions", "show", &id]).await;
    assert!(out.starts_with(&format!("mention {id}  (klm)\n")), "{out}");
    for line in [
        "title:     Mijn KLM-vlucht naar Bali is geannuleerd",
        "url:       https://webcare.example.nl/m/3",
        "sources:   webcare",
        "terms:     KLM",
        "snippet:   Mijn KLM-vlucht naar Bali is geannuleerd Geen mail, geen sms, niks.",
    ] {
        assert!(out.lines().any(|l| l == line), "no {line:?} in\n{out}");
    }
    assert!(out.ends_with("Geen mail, geen sms, niks.\n"), "{out}");

    let json = env.ok(&["mentions", "show", &id, "--format", "json"]).await;
    let shown: Value = serde_json::from_str(json.trim()).unwrap();
    // What `list` prints, plus the notes and history (issue #12).
    let mut want = bali.clone();
    want["notes"] = serde_json::json!([]);
    want["history"] = serde_json::json!([]);
    assert_eq!(shown, want);

    let missing = env.run(&["mentions", "show", "99999"]).await;
    assert_eq!(missing.status.code(), Some(2));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(err.contains("no mention with id 99999"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn preview_prints_items_and_stores_nothing() {
    let server = serve(&[("/alerts/acme", "google-alerts-acme.atom", ATOM)]).await;
    let env = Env::new(&config("", &[]));
    let url = server.url("/alerts/acme");

    let table = env.ok(&["preview", "--url", &url]).await;
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["PUBLISHED", "WATCHES", "TITLE", "URL"]
    );
    assert_eq!(lines.len(), 6, "{table}");
    assert_eq!(lines[5], "4 items");
    let row = |needle: &str| {
        *lines
            .iter()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no {needle:?} in\n{table}"))
    };
    let prijs = row("Prijsvechter: AcmeTel-abonnement");
    // Published at 09:05 UTC: shown in the default [daemon] timezone.
    assert!(
        prijs.starts_with("2026-11-21 10:05 CET  acme,hema "),
        "{prijs}"
    );
    assert!(prijs.ends_with("https://www.bellen.com/nieuws/acmetel-goedkoper-dan-hema-sim/"));
    let corp = row("Acme Corporation publiceert kwartaalcijfers");
    // No watch: the WATCHES column is blank.
    let after_time = corp.strip_prefix("2026-11-20 22:30 CET").expect(corp);
    assert!(
        after_time.trim_start().starts_with("Acme Corporation"),
        "{corp}"
    );

    let json: Vec<Value> = env
        .ok(&["preview", "--url", &url, "--format", "json"])
        .await
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(json.len(), 4);
    assert_eq!(
        field(&json[0], "title"),
        "Grote storing bij Acme Telecom: 'we werken aan een oplossing'"
    );
    assert_eq!(
        field(&json[0], "url"),
        "https://www.nu.nl/economie/6321234/grote-storing-bij-acme-telecom.html"
    );
    assert_eq!(json[0]["watches"], serde_json::json!(["acme"]));
    assert_eq!(json[3]["watches"], serde_json::json!([]));
    assert_eq!(field(&json[1], "published_at"), "2026-11-21T15:40:12Z");

    assert_eq!(server.requests_to("/alerts/acme").len(), 2);
    assert!(!env.db_path().exists(), "preview created the database");
}

#[tokio::test(flavor = "multi_thread")]
async fn preview_of_a_broken_url_fails_with_the_reason() {
    let server = serve(&[("/providers.json", "tweakers-forum.json", JSON_FEED)]).await;
    let env = Env::new(&config("", &[]));
    let out = env
        .run(&["preview", "--url", &server.url("/nope.rss")])
        .await;
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("HTTP 404"), "{err}");
    let out = env
        .run(&["preview", "--url", "ftp://example.nl/feed"])
        .await;
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn terminal_output_never_carries_escape_sequences() {
    let (server, env) = populated().await;
    let all = env.mentions_json(&[]).await;
    let rood = with_title(&all, ROOD)[0];
    assert!(field(rood, "text").contains("knippert rood"));
    let id = rood["id"].as_i64().unwrap().to_string();

    let outputs = [
        env.run(&["mentions", "list"]).await,
        env.run(&["mentions", "list", "--format", "json"]).await,
        env.run(&["mentions", "search", "knippert"]).await,
        env.run(&["mentions", "show", &id]).await,
        env.run(&["preview", "--url", &server.url("/feeds/providers.json")])
            .await,
    ];
    for out in &outputs {
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("[31mROOD"), "the title is missing:\n{text}");
        assert!(!out.stdout.contains(&0x1b), "ESC byte in output:\n{text:?}");
    }
    // The script tag's content never became text.
    assert!(!field(rood, "title").contains("alert(1)"));
}

//! Hostile text from the network on its way out (issue #10 §5): encoded-words
//! and bidi controls in mail subjects, bidi controls on the terminal, control
//! characters at ingest; and `status` failing when no daemon runs (§6).

use mail_parser::MessageParser;

use crate::support::{
    email_notifier, feed_source, free_port, rss, Env, Route, Server, SmtpSink, ACME,
};

/// Bidi controls: embeddings, overrides, isolates, marks.
const BIDI: &[char] = &[
    '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}', '\u{200e}', '\u{200f}', '\u{061c}',
];

fn has_bidi(s: &str) -> bool {
    s.contains(BIDI)
}

fn feed_config(url: &str, extra: &str) -> String {
    format!(
        "{ACME}\n{}interval = \"1h\"\n{extra}",
        feed_source("news", url)
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn issue10_encoded_words_in_a_title_cannot_forge_subject_or_headers() {
    let server = Server::start().await;
    // An ASCII encoded-word passes lettre verbatim, so a mail reader would
    // decode it into a line break and a `Bcc:`; the second smuggles an RLO
    // past the subject cleaning the same way.
    let title = "Acme Telecom =?utf-8?q?=0D=0ABcc:_x@evil.example?= factuur \u{202e}gnp.exe =?UTF-8?Q?=E2=80=AE?=moc.elpmaxe \u{200b}\u{2066}x";
    server.route(
        "/news.rss",
        Route::ok("application/rss+xml", rss(&[("1", title)])),
    );
    let port = free_port();
    let env = Env::new(&feed_config(
        &server.url("/news.rss"),
        &format!(
            "\n{}\n[[route]]\nwatch = \"acme\"\nnotify = [\"webcare\"]\nmode = \"instant\"\n",
            email_notifier(
                "webcare",
                port,
                &["webcare@example.nl"],
                "earshot <earshot@example.nl>"
            )
        ),
    ));
    let sink = SmtpSink::start(port, &env.dir.path().join("mail"));

    let out = env.ok(&["poll"]).await;
    assert!(out.contains("1 new mentions"), "{out}");
    let msgs = sink.messages();
    assert_eq!(msgs.len(), 1, "exactly one alert");
    assert_eq!(
        sink.envelope(1)["to"],
        serde_json::json!(["webcare@example.nl"]),
        "only the configured recipient"
    );

    let m = MessageParser::default()
        .parse(&msgs[0])
        .expect("parse email");
    let subject = m.subject().unwrap_or_default();
    assert!(
        !subject.contains(['\r', '\n']),
        "a decoded encoded-word broke the subject: {subject:?}"
    );
    assert!(!has_bidi(subject), "bidi control in subject: {subject:?}");
    assert!(
        !subject.contains(['\u{200b}', '\u{feff}', '\u{2060}']),
        "invisible format character in subject: {subject:?}"
    );
    assert!(
        !subject.contains("=?"),
        "encoded-word marker kept: {subject:?}"
    );
    // Defused, not dropped: the reader still sees what was written.
    assert!(
        subject.contains("Bcc:_x@evil.example") && subject.contains("factuur gnp.exe"),
        "{subject:?}"
    );
    assert!(m.bcc().is_none(), "a Bcc header was created");
    assert!(m.header("Bcc").is_none());
    let to: Vec<&str> = m
        .to()
        .into_iter()
        .flat_map(|a| a.iter())
        .filter_map(|a| a.address())
        .collect();
    assert_eq!(to, ["webcare@example.nl"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn issue10_terminal_output_drops_bidi_controls() {
    let server = Server::start().await;
    let title = "Acme Telecom factuur \u{202e}gnp.exe \u{2067}x\u{2069} \u{200f}\u{061c}y";
    server.route(
        "/news.rss",
        Route::ok("application/rss+xml", rss(&[("1", title)])),
    );
    let url = server.url("/news.rss");
    let env = Env::new(&feed_config(&url, ""));
    env.ok(&["poll"]).await;

    let list = env.ok(&["mentions"]).await;
    assert!(list.contains("factuur gnp.exe"), "{list}");
    assert!(!has_bidi(&list), "bidi control in `mentions`: {list:?}");
    let search = env.ok(&["mentions", "search", "factuur"]).await;
    assert!(search.contains("factuur gnp.exe"), "{search}");
    assert!(!has_bidi(&search), "{search:?}");

    let json = env.mentions_json(&[]).await;
    assert_eq!(json.len(), 1);
    let id = json[0]["id"].to_string();
    let show = env.ok(&["mentions", "show", &id]).await;
    assert!(
        show.contains("title:     Acme Telecom factuur gnp.exe x y"),
        "{show}"
    );
    assert!(
        !has_bidi(&show),
        "bidi control in `mentions show`: {show:?}"
    );

    let preview = env.ok(&["preview", "--url", &url]).await;
    assert!(preview.contains("factuur gnp.exe"), "{preview}");
    assert!(
        !has_bidi(&preview),
        "bidi control in `preview`: {preview:?}"
    );

    // Machine formats keep the data as it was written.
    assert_eq!(json[0]["title"], title);
    let csv = env.ok(&["mentions", "--format", "csv"]).await;
    assert!(csv.contains(title), "{csv:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn issue10_ingest_drops_del_and_control_characters() {
    let server = Server::start().await;
    // JSON Feed, because JSON can carry C0 controls that XML 1.0 cannot.
    let feed = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Nieuws",
        "items": [{
            "id": "1",
            "url": "http://example.nl/1",
            "title": "Ac\u{7f}me Telecom \u{1}storing\u{9b}31m\u{7f}",
            "content_text": "Al\u{7f} dagen\u{1b}[2J geen\tinternet bij Ac\u{7f}me Telecom\u{85}echt\u{7}waar\nnieuwe regel",
            "authors": [{"name": "Pi\u{7f}et\u{9b}\u{0}"}]
        }]
    });
    server.route(
        "/feed.json",
        Route::ok("application/feed+json", feed.to_string()),
    );
    let env = Env::new(&feed_config(&server.url("/feed.json"), ""));
    let out = env.ok(&["poll"]).await;
    assert!(out.contains("1 new mentions"), "{out}");

    let ms = env.mentions_json(&[]).await;
    assert_eq!(ms.len(), 1, "{ms:?}");
    let m = &ms[0];
    for key in ["title", "text", "author", "snippet"] {
        let v = m[key].as_str().unwrap_or_default();
        assert!(
            !v.chars().any(|c| c.is_control() && c != '\n' && c != '\t'),
            "control character in {key}: {v:?}"
        );
    }
    assert_eq!(m["title"], "Acme Telecom storing31m");
    assert_eq!(m["author"], "Piet");
    let text = m["text"].as_str().unwrap_or_default();
    assert!(
        text.starts_with("Al dagen[2J geen internet bij Acme Telecom echtwaar\nnieuwe regel"),
        "{text:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn issue10_status_fails_without_a_live_daemon() {
    let server = Server::start().await;
    server.route(
        "/news.rss",
        Route::ok("application/rss+xml", rss(&[("1", "Acme Telecom storing")])),
    );
    let env = Env::new(&feed_config(&server.url("/news.rss"), ""));
    env.ok(&["poll"]).await;

    // Polled, but no daemon ever ran: the report, then exit 1.
    let out = env.run(&["status"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("not running (never started"), "{stdout}");
    assert!(
        stdout.contains("1 ok, 0 failing, 0 never polled"),
        "{stdout}"
    );
    assert!(stderr.contains("the daemon is not running"), "{stderr}");
    let out = env.run(&["status", "--format", "json"]).await;
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("status json");
    assert_eq!(json["daemon_running"], false);

    // A heartbeat from a live process, but 5 minutes old: a hung daemon.
    let now = chrono::Utc::now().timestamp();
    let db = rusqlite::Connection::open(env.db_path()).unwrap();
    db.execute(
        "INSERT INTO daemon (id, pid, version, started_at, heartbeat_at, stopped_at)
         VALUES (1, ?1, 'test', ?2, ?2, NULL)",
        (std::process::id(), now - 300),
    )
    .unwrap();
    let out = env.run(&["status"]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("it did not stop cleanly"), "{stdout}");

    // The same heartbeat, fresh: running, exit 0.
    db.execute("UPDATE daemon SET heartbeat_at = ?1", [now])
        .unwrap();
    let out = env.ok(&["status"]).await;
    assert!(
        out.contains(&format!("running (pid {}", std::process::id())),
        "{out}"
    );
}

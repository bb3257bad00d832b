//! Command-line behaviour that needs no network: config checking, exit codes.

use crate::support::Env;

#[tokio::test]
async fn example_config_parses_and_check_summarises_it() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let env = Env::new(&text);
    let out = env.ok(&["check"]).await;
    assert!(out.contains("config OK"), "{out}");
    assert!(
        out.contains("acme: 3 term(s), 1 exclusion(s), 1 regex(es)"),
        "{out}"
    );
    assert!(
        out.contains("google-alerts-acme (feed, every 10m)"),
        "{out}"
    );
}

#[tokio::test]
async fn bad_config_exits_2_naming_file_line_and_key() {
    let env = Env::new("[[watch]]\nname = \"a\"\nterms = [\"a\"]\n\n[[source]]\nname = \"s\"\nkind = \"feed\"\nurl = \"http://127.0.0.1/\"\ninterval = \"ten minutes\"\n");
    let out = env.run(&["check"]).await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("earshot.toml:9:"), "{err}");
    assert!(err.contains("interval"), "{err}");
}

/// Every key the config accepts appears in config.example.toml (set, or shown
/// in a comment), so the example stays the reference.
#[test]
fn example_config_shows_every_key() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml"))
        .unwrap();
    let keys = [
        "database",
        "retention",
        "user_agent",
        "timeout",
        "connect_timeout",
        "max_body",
        "max_redirects",
        "max_concurrent",
        "per_host",
        "default_interval",
        "jitter",
        "max_backoff",
        "name",
        "terms",
        "exclude",
        "regex",
        "negative_patterns",
        "negative_words",
        "positive_words",
        "kind",
        "url",
        "max_pages",
        "interval",
        "watches",
        "hashtags",
        "token_env",
        "token_file",
        "subreddits",
        "client_id_env",
        "client_id_file",
        "client_secret_env",
        "client_secret_file",
        "auth_url",
        "app_id",
        "countries",
        "item",
        "title",
        "link",
        "text",
        "date",
        "author",
        "query",
        "base_url",
        "handle",
        "app_password_env",
        "app_password_file",
        "lang",
        "timezone",
        "log_format",
        "log_level",
        "source_alert_after",
        "source_alerts",
        "listen",
        "retry_for",
        "to",
        "from",
        "smtp",
        "username",
        "password_file",
        "password_env",
        "format",
        "secret_file",
        "secret_env",
        "watch",
        "notify",
        "sentiment",
        "mode",
        "digest",
        "quiet_hours",
        "max_per_hour",
    ];
    for key in keys {
        let shown = text.lines().any(|l| {
            let l = l.trim_start_matches(['#', ' ']);
            l.starts_with(&format!("{key} ="))
        });
        assert!(shown, "config.example.toml does not show `{key}`");
    }
    for table in [
        "[storage]",
        "[http]",
        "[schedule]",
        "[daemon]",
        "[delivery]",
        "[[watch]]",
        "[[source]]",
        "[source.selectors]",
        "[[notifier]]",
        "[[route]]",
    ] {
        assert!(text.contains(table), "config.example.toml has no {table}");
    }
}

/// Every subcommand `--help` lists has a row in README's command table.
#[tokio::test]
async fn readme_documents_every_subcommand() {
    let env = Env::new("");
    let help = env.ok(&["--help"]).await;
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // Wrapped descriptions continue deeper in.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.len() >= 10, "{help}");
    for c in commands {
        assert!(
            readme.contains(&format!("| `{c}")),
            "README's command table has no row for `{c}`"
        );
    }
}

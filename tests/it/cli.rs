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
    assert!(out.contains("nos-algemeen (feed, every 10m)"), "{out}");
}

/// The example's commented-out `[[source]]` blocks are templates: with their
/// key lines uncommented (one of each `*_env`/`*_file` pair: the variable) they
/// are valid sources too, so every key they show stays checked although the
/// live example polls only real public endpoints. Nothing is polled here.
#[test]
fn issue10_example_templates_are_valid_sources() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml"))
        .unwrap();
    let (uncommented, templates) = uncomment_templates(&text);
    let names = [
        "google-alerts-acme (feed, every 10m)",
        "reviews-api (json, every 1h)",
        "trustpilot-acme (reviews, every 1h)",
        "bluesky-acme (bluesky, every 10m)",
        "klachtenforum (html, every 30m)",
        "acme-community (feed, every 15m)",
    ];
    assert_eq!(templates, names.len(), "templates found:\n{uncommented}");
    let env = Env::new(&uncommented);
    let out = assert_cmd::Command::cargo_bin("earshot")
        .unwrap()
        .arg("--config")
        .arg(env.config_path())
        .arg("check")
        .env("TRUSTPILOT_API_KEY", "test-key")
        .env("EARSHOT_BLUESKY_APP_PASSWORD", "test-password")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in names {
        assert!(stdout.contains(name), "{name} missing from:\n{stdout}");
    }
    // The templates' tables really were read as tables.
    assert!(uncommented.contains("\n[source.fields]\n"));
    assert!(uncommented.contains("\n[source.selectors]\n"));
}

/// Uncomments the key and table lines of each template block (a run of `#`
/// lines from `# [[source]]` to the first line that is not a comment), except
/// `*_file` keys whose `*_env` twin is in the same block; explanations stay
/// comments. Returns the text and how many templates it found.
fn uncomment_templates(text: &str) -> (String, usize) {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::with_capacity(lines.len());
    let mut templates = 0;
    let mut i = 0;
    while i < lines.len() {
        if lines[i] != "# [[source]]" {
            out.push(lines[i].to_string());
            i += 1;
            continue;
        }
        templates += 1;
        let end = (i..lines.len())
            .find(|&j| !lines[j].starts_with('#'))
            .unwrap_or(lines.len());
        let block = &lines[i..end];
        let key = |l: &str| {
            let l = l.strip_prefix("# ")?;
            let k = l.split_once(" = ")?.0;
            k.chars()
                .all(|c| c.is_ascii_lowercase() || c == '_')
                .then(|| k.to_string())
        };
        for l in block {
            let uncomment = match key(l) {
                Some(k) => match k.strip_suffix("_file") {
                    Some(stem) => !block.iter().any(|o| key(o) == Some(format!("{stem}_env"))),
                    None => true,
                },
                None => l.starts_with("# [") && l.ends_with(']'),
            };
            out.push(match uncomment {
                true => l[2..].to_string(),
                false => l.to_string(),
            });
        }
        i = end;
    }
    (out.join("\n") + "\n", templates)
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
/// in a comment), and every table, so the example stays the reference. The
/// keys come from the config's own schema, not a copy kept here.
#[test]
fn example_config_shows_every_key() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml"))
        .unwrap();
    let schema = earshot::config::schema();
    let tables = schema.iter().find(|(t, _)| t.is_empty()).unwrap().1;
    assert!(tables.contains(&"source"), "the schema lists the tables");
    let mut missing = Vec::new();
    for (table, keys) in &schema {
        if !table.is_empty() {
            // A nested table may be written inline: `spike = { … }`.
            let inline = table
                .rsplit_once('.')
                .is_some_and(|(_, key)| text.contains(&format!("\n{key} = {{")));
            assert!(
                text.contains(&format!("[{table}]")) || inline,
                "config.example.toml has no [{table}] or [[{table}]]"
            );
        }
        // The top level holds only tables.
        for key in keys.iter().filter(|_| !table.is_empty()) {
            let shown = text.lines().any(|l| {
                let l = l.trim_start_matches(['#', ' ']);
                l.starts_with(&format!("{key} ="))
                    || l.contains(&format!("{{ {key} ="))
                    || l.contains(&format!(", {key} ="))
            });
            // A key that holds a table is shown by that table's header.
            let nested = format!("{table}.{key}");
            let shown = shown || schema.iter().any(|(t, _)| *t == nested);
            if !shown {
                missing.push(format!("`{key}` of [{table}]"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "config.example.toml does not show {missing:?}"
    );
    assert!(schema
        .iter()
        .any(|(t, k)| *t == "source" && k.contains(&"app_password_file")));
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

/// `eval-sentiment` on a small labelled file of our own: the JSON report
/// counts every line, and `--predictions` writes one row per line with the
/// gold label, the prediction and the reasons; a malformed line is an error
/// naming the file and the line.
#[tokio::test]
async fn eval_sentiment_reports_and_writes_predictions() {
    let env = Env::new("");
    let labelled = env.dir.path().join("labelled.tsv");
    std::fs::write(
        &labelled,
        "neg\tStill no reply to my email, this is ridiculous\n\
         neg\tMy parcel never arrived\n\
         pos\tGreat staff, lovely food!\n\
         neu\tThe store opens at 9 on Mondays\n\
         pos\tI can't wait to go back\n",
    )
    .unwrap();
    let predictions = env.dir.path().join("predictions.tsv");
    let out = env
        .ok(&[
            "eval-sentiment",
            labelled.to_str().unwrap(),
            "--lang",
            "en",
            "--format",
            "json",
            "--predictions",
            predictions.to_str().unwrap(),
        ])
        .await;
    let report: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(report["n"], 5, "{report}");
    assert_eq!(report["confusion"]["neg"]["neg"], 2, "{report}");
    assert_eq!(report["classes"]["neg"]["recall"], 1.0, "{report}");
    let rows = std::fs::read_to_string(&predictions).unwrap();
    let rows: Vec<Vec<&str>> = rows.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows[0], ["gold", "predicted", "score", "text", "reasons"]);
    assert_eq!(rows.len(), 6, "{rows:?}");
    assert_eq!(rows[2][..2], ["neg", "neg"]);
    assert!(rows[2][4].contains("never arrived"), "{rows:?}");
    assert_eq!(rows[5][..2], ["pos", "pos"]);
    assert!(rows[5][4].contains("can't wait"), "{rows:?}");

    std::fs::write(&labelled, "neg\tfine\nbad-label\ttext\n").unwrap();
    let out = env
        .run(&["eval-sentiment", labelled.to_str().unwrap()])
        .await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("labelled.tsv") && err.contains("line 2"),
        "{err}"
    );
}

/// `n` copies of a pattern that compiles alone (about 0.7 MiB of program
/// each) but not together with the others (the set's own size limit).
fn patterns_too_large_together(n: usize) -> String {
    vec![r"'\w{20}'"; n].join(", ")
}

/// `check` refuses `config` as a config error (exit 2) placed at `place`
/// (`earshot.toml:LINE:`) and saying `what`.
async fn check_refuses(config: &str, place: &str, what: &str) {
    let out = Env::new(config).run(&["check"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(place) && stderr.contains(what), "{stderr}");
}

/// Issue #11 §4: a watch's own sentiment patterns are compiled once, at load,
/// as the daemon uses them. Each of these compiles alone, so `check` used to
/// pass them and the daemon then refused to start.
#[tokio::test]
async fn issue11_check_refuses_negative_patterns_that_only_fail_together() {
    let config = format!(
        "[[watch]]\nname = \"a\"\nterms = [\"a\"]\nnegative_patterns = [{}]\n",
        patterns_too_large_together(8)
    );
    check_refuses(&config, "earshot.toml:4:", "negative_patterns").await;
}

/// Issue #11 §4: the watch regexes are compiled once, at load, into the
/// matcher the daemon uses; regexes too large together are a config error
/// with its place, like any other, not a bare matcher error afterwards.
#[tokio::test]
async fn issue11_check_names_the_place_of_regexes_too_large_together() {
    let config = format!(
        "[[watch]]\nname = \"a\"\nregex = [{}]\n",
        patterns_too_large_together(16)
    );
    check_refuses(&config, "earshot.toml:3:", "all regexes together").await;
}

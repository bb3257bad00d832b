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

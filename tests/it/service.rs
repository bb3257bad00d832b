//! Running earshot the way README installs it (issue 10): logs without colour
//! codes where no terminal reads them, `[daemon] log_level` in charge unless
//! an operator sets `RUST_LOG`, the systemd unit and the install steps agreeing
//! on paths and modes, and the completions and man pages the package ships.

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{rss, signal, Env, Route, Server};

const ESC: &str = "\x1b[";

/// A config with one feed at `url` (polled every second) and a watch on it.
fn feed_config(url: &str, daemon: &str) -> String {
    format!(
        "{daemon}\n[[watch]]\nname = \"acme\"\nterms = [\"Acme Telecom\"]\n\n[[source]]\nname = \"storingen\"\nkind = \"feed\"\nurl = \"{url}\"\ninterval = \"1s\"\n"
    )
}

/// `earshot --config <env> ARGS…` with no `RUST_LOG`/`NO_COLOR` from the
/// test's own environment, plus `envs`; stderr is a pipe.
async fn earshot(env: &Env, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = assert_cmd::Command::cargo_bin("earshot").expect("earshot binary");
    cmd.arg("--config")
        .arg(env.config_path())
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .timeout(Duration::from_secs(30));
    for (k, v) in envs {
        cmd.env(k, v);
    }
    tokio::task::spawn_blocking(move || cmd.output().expect("run earshot"))
        .await
        .expect("join")
}

/// A poll whose one source answers 404: earshot logs a warning for it.
async fn failing_poll_env(server: &Server) -> Env {
    server.route("/gone.rss", Route::status(404, "gone"));
    Env::new(&feed_config(&server.url("/gone.rss"), ""))
}

#[tokio::test(flavor = "multi_thread")]
async fn issue10_piped_logs_carry_no_colour_codes() {
    let server = Server::start().await;
    let env = failing_poll_env(&server).await;
    let out = earshot(&env, &["poll"], &[]).await;
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("poll failed"), "{stderr}");
    assert!(
        !stderr.contains(ESC),
        "colour codes in piped logs: {stderr:?}"
    );
}

/// On a terminal (a pty from util-linux's `script`) logs are coloured, and
/// `NO_COLOR` turns that off.
#[tokio::test(flavor = "multi_thread")]
async fn issue10_terminal_logs_coloured_unless_no_color() {
    let server = Server::start().await;
    let env = failing_poll_env(&server).await;
    let command = format!(
        "{} --config {} poll",
        env!("CARGO_BIN_EXE_earshot"),
        env.config_path().display()
    );
    for (no_color, coloured) in [(None, true), (Some("1"), false)] {
        let mut cmd = assert_cmd::Command::new("script");
        cmd.args(["-qec", &command, "/dev/null"])
            .env_remove("RUST_LOG")
            .env_remove("NO_COLOR")
            .timeout(Duration::from_secs(30));
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        let out = tokio::task::spawn_blocking(move || cmd.output().expect("run script"))
            .await
            .expect("join");
        assert!(out.status.success(), "{out:?}");
        let tty = String::from_utf8_lossy(&out.stdout);
        assert!(tty.contains("poll failed"), "{tty}");
        assert_eq!(
            tty.contains(ESC),
            coloured,
            "NO_COLOR={no_color:?}, on a terminal: {tty:?}"
        );
    }
}

/// Starts `earshot run` with stderr in a file, waits until `done` holds for
/// what it logged (or 20 s), stops it with SIGTERM and returns the log.
async fn daemon_log(env: &Env, envs: &[(&str, &str)], done: impl Fn(&str) -> bool) -> String {
    let log_path = env.dir.path().join("stderr.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_earshot"));
    cmd.arg("--config")
        .arg(env.config_path())
        .arg("run")
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .stdout(Stdio::null())
        .stderr(log);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start earshot run");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(&std::fs::read_to_string(&log_path).unwrap_or_default())
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    signal(&child, libc::SIGTERM);
    let status = tokio::task::spawn_blocking(move || child.wait().expect("wait"))
        .await
        .expect("join");
    assert!(status.success(), "earshot run exited {status:?}");
    std::fs::read_to_string(&log_path).expect("read log")
}

/// `[daemon] log_level = "debug"` gives debug lines with no `RUST_LOG` (the
/// unit no longer sets one); an operator's `RUST_LOG` still overrides it.
#[tokio::test(flavor = "multi_thread")]
async fn issue10_log_level_from_config_and_rust_log_overrides_it() {
    let server = Server::start().await;
    server.route(
        "/storingen.rss",
        Route::ok(
            "application/rss+xml",
            rss(&[("a1", "Acme Telecom storing in Utrecht")]),
        ),
    );
    let env = Env::new(&feed_config(
        &server.url("/storingen.rss"),
        "[daemon]\nlog_level = \"debug\"\n",
    ));
    let polled = |log: &str| log.contains("DEBUG") && log.contains("polled");
    let log = daemon_log(&env, &[], polled).await;
    assert!(
        polled(&log),
        "no debug lines at log_level = \"debug\":\n{log}"
    );
    assert!(!log.contains(ESC), "colour codes in a log file: {log:?}");

    // RUST_LOG set by an operator wins: warnings only, though the source was
    // polled (a second request means the first poll was stored).
    let env = Env::new(&feed_config(
        &server.url("/storingen.rss"),
        "[daemon]\nlog_level = \"debug\"\n",
    ));
    let before = server.requests_to("/storingen.rss").len();
    let polled_twice = |_: &str| server.requests_to("/storingen.rss").len() >= before + 2;
    let log = daemon_log(&env, &[("RUST_LOG", "earshot=warn")], polled_twice).await;
    let out = earshot(&env, &["mentions", "--format", "json"], &[]).await;
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        1,
        "{out:?}"
    );
    assert!(!log.contains("DEBUG") && !log.contains(" INFO "), "{log}");
}

/// The unit leaves the level to the config, does not restart on a config
/// error (exit 2, which an unreadable config gives), and runs the binary
/// where the package and README's manual steps put it, with a config mode
/// the unit's dynamic user can read.
#[tokio::test]
async fn issue10_unit_and_install_steps_agree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let unit = std::fs::read_to_string(root.join("systemd/earshot.service")).unwrap();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let cargo = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(
        !unit.lines().any(|l| l.starts_with("Environment=RUST_LOG")),
        "the unit overrides [daemon] log_level"
    );
    assert!(unit.lines().any(|l| l == "RestartPreventExitStatus=2"));
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("ExecStart");
    assert!(exec.starts_with("/usr/bin/earshot "), "{exec}");
    assert!(
        cargo.contains(r#"["target/release/earshot", "usr/bin/", "755"]"#),
        "the package does not install /usr/bin/earshot"
    );
    assert!(
        readme.contains("install -m 0755 target/release/earshot /usr/bin/earshot"),
        "README's manual install does not put the binary where the unit runs it"
    );
    assert!(
        readme.contains("install -m 0644 config.example.toml /etc/earshot/earshot.toml"),
        "README's manual install makes a config the dynamic user cannot read"
    );

    let env = Env::new("");
    let out = assert_cmd::Command::cargo_bin("earshot")
        .unwrap()
        .args(["--config"])
        .arg(env.dir.path().join("missing.toml"))
        .arg("run")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("missing.toml"), "{stderr}");
}

/// `earshot completions SHELL` needs no config and prints a script for it;
/// the bash one is valid bash and completes the subcommands.
#[tokio::test]
async fn issue10_completions_for_each_shell() {
    let env = Env::new("");
    let missing = env.dir.path().join("missing.toml");
    let run = |shell: &str| {
        let out = assert_cmd::Command::cargo_bin("earshot")
            .unwrap()
            .args(["completions", shell])
            .env("EARSHOT_CONFIG", &missing)
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let bash = run("bash");
    for word in [
        "_earshot()",
        "mentions",
        "eval-sentiment",
        "--config",
        "complete -F",
    ] {
        assert!(bash.contains(word), "bash completion lacks {word}");
    }
    let script = env.dir.path().join("earshot.bash");
    std::fs::write(&script, &bash).unwrap();
    let syntax = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(syntax.status.success(), "{syntax:?}");
    assert!(run("zsh").starts_with("#compdef earshot"));
    assert!(run("fish").contains("complete -c earshot"));

    let bad = assert_cmd::Command::cargo_bin("earshot")
        .unwrap()
        .args(["completions", "cmd.exe"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

/// `earshot man` prints earshot(1) in roff; `--dir` writes one page per
/// subcommand, as the package installs them.
#[tokio::test]
async fn issue10_man_pages() {
    let env = Env::new("");
    let page = env.ok(&["man"]).await;
    assert!(page.contains(".TH earshot 1"), "{page}");
    assert!(page.contains("earshot\\-mentions(1)"), "{page}");
    let dir = env.dir.path().join("man");
    std::fs::create_dir(&dir).unwrap();
    env.ok(&["man", "--dir", dir.to_str().unwrap()]).await;
    for name in ["earshot.1", "earshot-run.1", "earshot-mentions-search.1"] {
        let page = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        assert!(
            page.starts_with(".ie") && page.contains(".TH"),
            "{name}: {page}"
        );
    }
    let search = std::fs::read_to_string(dir.join("earshot-mentions-search.1")).unwrap();
    assert!(search.contains("\\-\\-since"), "{search}");
}

//! Issue #10 §6: read commands open the database read-only — a mistyped path
//! is an error that creates nothing, a database in a read-only folder can be
//! read — and database errors name the path once with the real cause.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

use crate::support::{rss, Env, Route, Server};

const READS: &[&[&str]] = &[
    &["mentions"],
    &["mentions", "search", "storing"],
    &["sources"],
    &["status"],
    &["export"],
    &["deliveries"],
];

fn with_database(db: &Path) -> String {
    format!(
        "[storage]\ndatabase = {:?}\n\n[[watch]]\nname = \"acme\"\nterms = [\"Acme Telecom\"]\n",
        db.display().to_string()
    )
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn issue10_read_commands_on_a_mistyped_path_create_nothing() {
    let env = Env::new("");
    for db in [
        env.dir.path().join("earshot-typo.db"),
        env.dir.path().join("no-such-dir/earshot.db"),
    ] {
        std::fs::write(env.config_path(), with_database(&db)).unwrap();
        let copy = env.dir.path().join("copy.db");
        let backup = ["backup", copy.to_str().unwrap()];
        for args in READS.iter().copied().chain([&backup[..]]) {
            let out = env.run(args).await;
            assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
            assert_eq!(
                stderr(&out).trim(),
                format!(
                    "earshot: no database at {} (run `earshot poll` or `earshot run` first, or check [storage] database)",
                    db.display()
                ),
                "{args:?}"
            );
            assert!(!db.exists(), "{args:?} created {}", db.display());
            assert!(!copy.exists(), "{args:?} wrote a backup");
        }
        assert!(!env.dir.path().join("no-such-dir").exists());
    }
}

/// Everything in `dir` with its size and modification time.
fn listing(dir: &Path) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            (e.path(), m.len(), m.modified().unwrap())
        })
        .collect();
    v.sort();
    v
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Runs a command as a user who cannot write a read-only file or folder:
/// `nobody` when the tests run as root (root ignores file modes), else the
/// current user.
async fn as_other_user(config: &Path, args: &[&str]) -> std::process::Output {
    let config = config.to_path_buf();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_earshot"));
        cmd.arg("--config").arg(config).args(args);
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            cmd.uid(65534).gid(65534);
        }
        cmd.output().expect("run earshot")
    })
    .await
    .expect("join")
}

#[tokio::test(flavor = "multi_thread")]
async fn issue10_read_commands_read_a_database_in_a_read_only_folder() {
    let server = Server::start().await;
    server.route(
        "/nieuws.rss",
        Route::ok("application/rss+xml", rss(&[("1", "Acme Telecom storing")])),
    );
    let env = Env::new("");
    let data = env.dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let db = data.join("earshot.db");
    std::fs::write(
        env.config_path(),
        format!(
            "{}\n[[source]]\nname = \"nieuws\"\nkind = \"feed\"\nurl = \"{}\"\n",
            with_database(&db),
            server.url("/nieuws.rss")
        ),
    )
    .unwrap();
    env.ok(&["poll"]).await;
    // The poll left a clean database: no -wal or -shm beside it.
    let before = listing(&data);
    assert_eq!(before.len(), 1, "{before:?}");
    // A reader that could write the folder leaves nothing behind either.
    for args in READS {
        let out = env.run(args).await;
        assert!(read_worked(args, &out), "{args:?}: {}", stderr(&out));
    }
    assert_eq!(
        listing(&data),
        before,
        "a read left files in a writable folder"
    );
    chmod(&db, 0o444);
    chmod(&data, 0o555);
    chmod(env.dir.path(), 0o755);
    chmod(&env.config_path(), 0o644);
    let out_dir = tempfile::tempdir().unwrap();
    chmod(out_dir.path(), 0o777);
    let copy = out_dir.path().join("copy.db");
    let backup = ["backup", copy.to_str().unwrap()];

    let mut failures = Vec::new();
    for args in READS.iter().copied().chain([&backup[..]]) {
        let out = as_other_user(&env.config_path(), args).await;
        if !read_worked(args, &out) {
            failures.push(format!("{args:?}: {}", stderr(&out)));
        } else if args[0] == "mentions" || args[0] == "export" {
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                stdout.contains("Acme Telecom storing"),
                "{args:?}: {stdout}"
            );
        }
    }
    let after = listing(&data);
    chmod(&data, 0o755);
    chmod(&db, 0o644);
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(after, before, "a read changed the database folder");
    assert!(copy.exists(), "no backup written");
}

/// A read command did its job: exit 0, or for `status` (which exits 1 when
/// no daemon runs, as here) the full report printed.
fn read_worked(args: &[&str], out: &std::process::Output) -> bool {
    out.status.success()
        || (args == ["status"]
            && out.status.code() == Some(1)
            && String::from_utf8_lossy(&out.stdout).contains("database:"))
}

/// One bad database path: the command fails with exactly this one line.
async fn check(env: &Env, db: &Path, args: &[&str], expected: &str) {
    std::fs::write(env.config_path(), with_database(db)).unwrap();
    let out = env.run(args).await;
    assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
    assert_eq!(
        stderr(&out).trim_end(),
        format!("earshot: {expected}"),
        "{args:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn issue10_database_errors_name_the_path_once_with_the_cause() {
    let env = Env::new("");
    let dir = env.dir.path();
    let garbage = dir.join("garbage.db");
    std::fs::write(
        &garbage,
        "this is not a database, it is a shopping list\n".repeat(20),
    )
    .unwrap();
    let empty = dir.join("empty.db");
    std::fs::write(&empty, "").unwrap();
    let folder = dir.join("folder.db");
    std::fs::create_dir(&folder).unwrap();
    let under_file = garbage.join("earshot.db");
    let d = |p: &Path| p.display().to_string();

    let not_sqlite = format!(
        "cannot open database {}: the file is not an SQLite database",
        d(&garbage)
    );
    check(&env, &garbage, &["mentions"], &not_sqlite).await;
    check(&env, &garbage, &["poll"], &not_sqlite).await;
    let a_folder = format!("cannot open database {}: it is a directory", d(&folder));
    check(&env, &folder, &["sources"], &a_folder).await;
    check(&env, &folder, &["poll"], &a_folder).await;
    check(
        &env,
        &under_file,
        &["poll"],
        &format!(
            "cannot open database {}: {} is not a directory",
            d(&under_file),
            d(&garbage)
        ),
    )
    .await;
    check(
        &env,
        &empty,
        &["status"],
        &format!(
            "{} is not an earshot database (it has no earshot tables); check [storage] database",
            d(&empty)
        ),
    )
    .await;
    assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0, "status wrote");

    // A database the daemon's user may only read.
    let shared = dir.join("shared");
    std::fs::create_dir(&shared).unwrap();
    let db = shared.join("earshot.db");
    std::fs::write(env.config_path(), with_database(&db)).unwrap();
    env.ok(&["poll"]).await;
    chmod(&db, 0o444);
    chmod(&shared, 0o777);
    chmod(dir, 0o755);
    chmod(&env.config_path(), 0o644);
    let out = as_other_user(&env.config_path(), &["poll"]).await;
    chmod(&shared, 0o755);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).trim_end(),
        format!(
            "earshot: cannot open database {}: it is read-only to this user (check its owner and mode)",
            d(&db)
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn issue10_read_commands_refuse_another_schema_version() {
    let env = Env::new(&with_database(&PathBuf::from("earshot.db")));
    env.ok(&["poll"]).await;
    let known: i64 = {
        let conn = rusqlite::Connection::open(env.db_path()).unwrap();
        conn.query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    };
    let set = |v: i64| {
        let conn = rusqlite::Connection::open(env.db_path()).unwrap();
        conn.pragma_update(None, "user_version", v).unwrap();
    };
    let d = env.db_path().display().to_string();
    set(known - 1);
    check(
        &env,
        &env.db_path(),
        &["mentions"],
        &format!(
            "database {d} has schema version {}, older than this earshot's ({known}); start `earshot run` or run `earshot poll` once to upgrade it",
            known - 1
        ),
    )
    .await;
    set(known + 1);
    check(
        &env,
        &env.db_path(),
        &["sources"],
        &format!(
            "database {d} has schema version {}, newer than this earshot knows ({known}); upgrade earshot",
            known + 1
        ),
    )
    .await;
}

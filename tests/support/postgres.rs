//! A fresh, empty PostgreSQL database for each test that needs one, as a
//! connection URL earshot's config accepts. Shared by the library's unit tests
//! (`crate::testpg`) and the integration tests (`support::postgres`).
//!
//! With `EARSHOT_TEST_POSTGRES` set (a URL of a server where its user may
//! CREATE DATABASE; `.ci/run` sets it from `scripts/pg-throwaway`) every
//! database is made there. Otherwise the first call starts a throwaway cluster
//! for this test process, as `scripts/pg-throwaway` does: `initdb` into a temp
//! dir, trust authentication, a Unix socket in that dir and no TCP, fsync off,
//! run as `nobody` when we are root (PostgreSQL refuses root). It is stopped
//! and its dir removed when the process exits, or is killed. This module never
//! skips a test: with neither a server nor `initdb` it panics saying what to
//! install. The one database it ever drops is a leftover of an earlier test
//! process with the name it is about to create.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, Once, OnceLock};

/// The superuser of our own cluster (and of `scripts/pg-throwaway`'s).
const USER: &str = "earshot_test";

const MISSING: &str = "PostgreSQL tests need EARSHOT_TEST_POSTGRES or Debian's postgresql \
                       installed (apt-get install postgresql)";

/// A fresh, empty database on the test cluster, as a connection URL
/// (`postgres:///NAME?user=earshot_test&host=/socket/dir` for our own
/// cluster; the URL of `EARSHOT_TEST_POSTGRES` with its database replaced
/// otherwise).
pub fn fresh_database() -> String {
    static SERVER: OnceLock<String> = OnceLock::new();
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let admin = SERVER.get_or_init(|| match std::env::var("EARSHOT_TEST_POSTGRES") {
        Ok(url) => url,
        Err(_) => start_cluster(),
    });
    let name = format!(
        "earshot_t_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let url = with_database(admin, &name);
    // The sync client runs a runtime of its own, which panics on a thread
    // that already drives one (any #[tokio::test]): create on a new thread.
    let (admin_url, db) = (admin.clone(), name.clone());
    std::thread::spawn(move || create_database(&admin_url, &db))
        .join()
        .expect("creating a test database panicked")
        .unwrap_or_else(|e| panic!("creating test database {name} through {admin}: {e:#}"));
    url
}

/// `CREATE DATABASE name` on the server at `admin`. A database of that name
/// is a leftover of an earlier test process that had our pid (names carry
/// it): dropped first.
fn create_database(admin: &str, name: &str) -> Result<(), postgres::Error> {
    let mut client = postgres::Client::connect(admin, postgres::NoTls)?;
    client.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))?;
    // template0: empty whatever a shared server's template1 holds; one
    // statement per call, as CREATE DATABASE refuses a transaction block.
    client.batch_execute(&format!(
        "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'"
    ))
}

/// `url` with its database (the path) replaced by `name`.
pub(crate) fn with_database(url: &str, name: &str) -> String {
    let mut parsed = url::Url::parse(url).unwrap_or_else(|e| {
        panic!("test server URL {url} (EARSHOT_TEST_POSTGRES, or ours) does not parse: {e}")
    });
    parsed.set_path(&format!("/{name}"));
    parsed.into()
}

/// The URL of database `name` as `user` over the Unix socket in `dir`, and
/// nothing else: `postgres:///NAME?user=USER&host=DIR`. Not `USER@localhost/`
/// before the path: tokio-postgres adds `host=` to the hosts it tries, so it
/// would try TCP localhost:5432 first (libpq lets `host=` replace it); nor
/// `USER@/`: the url crate refuses user info without a host.
pub(crate) fn socket_url(user: &str, name: &str, dir: &Path) -> String {
    let mut host = String::new();
    for &b in dir.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"/._~-".contains(&b) {
            host.push(char::from(b));
        } else {
            host.push_str(&format!("%{b:02X}"));
        }
    }
    format!("postgres:///{name}?user={user}&host={host}")
}

/// The watchdog of this process's cluster: it stops the cluster and removes
/// its dir when its stdin closes, at exit (`stop_at_exit`) or when the kernel
/// closes it for a killed test process. Replacing it (a failed start tried
/// again) closes the earlier one's stdin, which cleans up that attempt.
static WATCHDOG: Mutex<Option<(Child, ChildStdin)>> = Mutex::new(None);

/// Starts this process's own cluster and returns the URL of its `postgres`
/// database, where `earshot_test` may CREATE DATABASE.
fn start_cluster() -> String {
    let bin = find_bin_dir().unwrap_or_else(|| panic!("{MISSING}"));
    let runas = RunAs::detect();
    let dir = tempfile::Builder::new()
        .prefix("earshot-pg-")
        .tempdir()
        .expect("temp dir for the test cluster")
        .keep();
    let data = dir.join("data");
    // Watched from the start: a test process killed during initdb leaves
    // nothing behind either.
    let mut stop = runas.command(&bin.join("pg_ctl"), &dir);
    stop.arg("-D").arg(&data).args(["-m", "immediate", "stop"]);
    watch(&dir, &stop);
    assert!(
        !dir.to_string_lossy().contains(['\'', '\\']),
        "temp dir {} cannot go into pg_ctl -o; set TMPDIR to a plainer path",
        dir.display()
    );
    runas.hand_over(&dir);
    let locale = if has_c_utf8() { "C.UTF-8" } else { "C" };
    run(
        runas
            .command(&bin.join("initdb"), &dir)
            .arg("-D")
            .arg(&data)
            .arg("--auth=trust")
            .arg(format!("--username={USER}"))
            .args(["-E", "UTF8"])
            .arg(format!("--locale={locale}"))
            .arg("--no-sync"),
        "initdb",
    );
    // -l: the server's output goes to a file, not to pipes we would wait on.
    let log = dir.join("postgres.log");
    let options = format!(
        "-k '{}' -c listen_addresses='' -c fsync=off -c synchronous_commit=off \
         -c full_page_writes=off",
        dir.display()
    );
    let started = runas
        .command(&bin.join("pg_ctl"), &dir)
        .arg("-D")
        .arg(&data)
        .arg("-l")
        .arg(&log)
        .args(["-o", &options, "-w", "start"])
        .output()
        .expect("run pg_ctl");
    assert!(
        started.status.success(),
        "pg_ctl start failed ({}): {}\nserver log:\n{}",
        started.status,
        String::from_utf8_lossy(&started.stderr),
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    socket_url(USER, "postgres", &dir)
}

/// Hands `dir` to a watchdog that runs `stop` and removes `dir` once our end
/// of its stdin closes (see [`WATCHDOG`]).
fn watch(dir: &Path, stop: &Command) {
    let watchdog = Command::new("sh")
        .arg("-c")
        // Again for up to 5 s if the dir is still there: killed during initdb
        // or pg_ctl start, that orphan may still be writing into it.
        .arg(
            r#"dir=$1; shift; read -r _; for _ in 1 2 3 4 5 6 7 8 9 10; do
                 "$@" >/dev/null 2>&1; rm -rf "$dir" 2>/dev/null; [ -e "$dir" ] || break
                 sleep 0.5
               done"#,
        )
        .arg("sh")
        .arg(dir)
        .arg(stop.get_program())
        .args(stop.get_args())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .current_dir(dir)
        // Its own process group: a Ctrl-C at the terminal stops the tests,
        // not the cleanup.
        .process_group(0)
        .spawn();
    let mut watchdog = watchdog.unwrap_or_else(|e| {
        let _ = std::fs::remove_dir_all(dir);
        panic!("starting the test cluster's watchdog (sh): {e}")
    });
    let stdin = watchdog.stdin.take().expect("piped stdin");
    *WATCHDOG.lock().unwrap_or_else(|e| e.into_inner()) = Some((watchdog, stdin));
    static AT_EXIT: Once = Once::new();
    // SAFETY: registers a plain extern "C" fn taking no arguments.
    AT_EXIT.call_once(|| unsafe {
        libc::atexit(stop_at_exit);
    });
}

/// At exit: closes the watchdog's stdin and waits while it stops the cluster
/// and removes its dir, so nothing of it outlives the test process.
extern "C" fn stop_at_exit() {
    let taken = WATCHDOG.lock().ok().and_then(|mut w| w.take());
    if let Some((mut child, stdin)) = taken {
        drop(stdin);
        let _ = child.wait();
    }
}

/// The directory of `initdb` and `pg_ctl`: where PATH finds `initdb`, else the
/// newest of Debian's `/usr/lib/postgresql/<version>/bin`.
fn find_bin_dir() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file())
    });
    on_path.or_else(|| {
        let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| {
                let e = e.ok()?;
                let version = e.file_name().to_str()?.parse().ok()?;
                let bin = e.path().join("bin");
                bin.join("initdb").is_file().then_some((version, bin))
            })
            .collect();
        versions.sort();
        versions.pop().map(|(_, bin)| bin)
    })
}

/// Whether `locale -a` lists C.UTF-8: PostgreSQL's upper/lower and full-text
/// search need a UTF-8 ctype for letters beyond ASCII.
fn has_c_utf8() -> bool {
    Command::new("locale")
        .arg("-a")
        .output()
        .map(|out| {
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .any(|l| l.eq_ignore_ascii_case("c.utf8") || l.eq_ignore_ascii_case("c.utf-8"))
        })
        .unwrap_or(false)
}

/// Who runs PostgreSQL's programs: ourselves, or `nobody` (uid, gid) when we
/// are root, which PostgreSQL refuses.
struct RunAs {
    nobody: Option<(u32, u32)>,
}

impl RunAs {
    fn detect() -> RunAs {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return RunAs { nobody: None };
        }
        // SAFETY: a NUL-terminated name; the record is read at once, and no
        // other code of ours calls getpwnam.
        let ids = unsafe {
            let pw = libc::getpwnam(c"nobody".as_ptr());
            (!pw.is_null()).then(|| ((*pw).pw_uid, (*pw).pw_gid))
        };
        let ids = ids.unwrap_or_else(|| {
            panic!("PostgreSQL refuses to run as root, and this system has no user nobody to run it as")
        });
        RunAs { nobody: Some(ids) }
    }

    /// `program`, as that user, in `dir` (nobody may not read our working dir).
    fn command(&self, program: &Path, dir: &Path) -> Command {
        let mut cmd = match self.nobody {
            Some((uid, gid)) => {
                let mut cmd = Command::new("setpriv");
                cmd.arg(format!("--reuid={uid}"))
                    .arg(format!("--regid={gid}"))
                    .arg("--clear-groups")
                    .arg(program);
                cmd
            }
            None => Command::new(program),
        };
        cmd.current_dir(dir).stdin(Stdio::null());
        cmd
    }

    /// `dir` made that user's (the cluster and its socket go there) and open
    /// to all for connecting.
    fn hand_over(&self, dir: &Path) {
        if let Some((uid, gid)) = self.nobody {
            std::os::unix::fs::chown(dir, Some(uid), Some(gid))
                .unwrap_or_else(|e| panic!("chown {} to nobody: {e}", dir.display()));
        }
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("chmod {}: {e}", dir.display()));
    }
}

/// Runs `cmd` to its end; panics with its output if it fails.
fn run(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

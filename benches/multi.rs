//! Several daemons, one PostgreSQL (issue #16): N generated feeds (those of
//! `benches/poll.rs`, served from loopback by the same separate process),
//! polled by one `earshot run` daemon, then by two daemons started together,
//! each run on a fresh database in one throwaway PostgreSQL cluster
//! (`scripts/pg-throwaway`: fsync off, a Unix socket, no TCP).
//!
//! Run: `cargo bench --bench multi` (10,000 feeds) or `-- --feeds 1000`.
//! Options: `--feeds N`, `--repeat N` (N rounds of one then two daemons,
//! each keeping its run with the shortest wall time), `--hosts H`, `--seed
//! S` (as for the poll bench), `--interval S` (every source's interval in
//! seconds, default 5), `--lease S` (`[daemon] lease` in seconds, default
//! 3), `--timeout S` (give up on a run after S seconds, default 600),
//! `--logs DIR` (where the daemons' logs go, default `target/multi-logs`).
//!
//! Every source gets a short interval: a never-polled source starts within
//! min(interval, 30 s) (the scheduler spreads first polls), so a short one
//! starts them all at once. `[daemon] lease = "3s"` lets a second daemon get
//! its share within a second or two (the default 60 s would take up to
//! ~40 s). A run's wall time ends when every source has been polled once
//! (`sources.polls > 0`, sampled every 100 ms); the daemons are then
//! stopped with SIGTERM and waited for.
//!
//! Prints per run: wall time, first polls per second, re-polls (304s of
//! sources polled again meanwhile), CPU time of the earshot processes (wait4)
//! and of the PostgreSQL cluster (`/proc/<pid>/stat` of the postmaster and
//! every process below it, before and after, with the CPU of the backends
//! that ended in between, which the postmaster reaped; our own sampling
//! connection's backend left out), the database's share of the CPU,
//! mentions found vs expected, how many sources each daemon held at the end,
//! the lease takeovers in the daemons' logs, and the oldest open transaction
//! and most lock waiters seen in `pg_stat_activity`. It fails when mentions
//! differ from expected, a run does not poll every source in time, a daemon
//! dies, exits badly or logs an error or a panic, or leases keep changing
//! hands. Daemon logs (`RUST_LOG=earshot=info`) are kept under `--logs`.
//! Nothing leaves 127.0.0.0/8 and the cluster's socket.

#[path = "support/feeds.rs"]
mod feeds;

#[path = "../tests/support/measure.rs"]
mod measure;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use feeds::{arg, flag};
use measure::{reap, run_earshot, Reaped};

/// How often the benchmark counts the sources polled.
const SAMPLE: Duration = Duration::from_millis(100);

/// How long a stopped daemon may take before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(60);

fn main() {
    if flag("--serve") {
        feeds::serve(write_sources);
        return;
    }
    if !bench() {
        std::process::exit(1);
    }
}

/// The sources half of every run's config, beside the feeds: the watches
/// and every feed a source (`sources.toml`).
fn write_sources(dir: &Path, urls: &[String]) {
    let mut c = feeds::watches_toml();
    for (i, u) in urls.iter().enumerate() {
        let _ = write!(
            c,
            "[[source]]\nname = \"feed-{i}\"\nkind = \"feed\"\nurl = \"{u}\"\n\n"
        );
    }
    std::fs::write(dir.join("sources.toml"), c).expect("write sources");
}

/// All runs; whether every one of them was right. Every guard (daemons,
/// cluster, feed server) is dropped before this returns, also on a panic.
fn bench() -> bool {
    let n = arg("--feeds", 10_000);
    let repeat = arg("--repeat", 1).max(1);
    let interval = arg("--interval", 5).max(1);
    let lease = arg("--lease", 3).clamp(3, 3600);
    let timeout = Duration::from_secs(arg("--timeout", 600) as u64);
    let logs = std::env::args()
        .skip_while(|a| a != "--logs")
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/multi-logs"));
    std::fs::create_dir_all(&logs).expect("logs dir");

    let dir = tempfile::tempdir().expect("tempdir");
    let served = feeds::start(n, dir.path());
    println!(
        "{} feeds on {} loopback hosts: {} items, {:.1} MB, {} expected mentions",
        served.feeds,
        served.hosts,
        served.items,
        served.bytes as f64 / 1e6,
        served.expected
    );
    let cluster = Cluster::start();
    println!(
        "PostgreSQL {} (throwaway cluster: fsync off, Unix socket); load average {}",
        cluster.version(),
        load_average()
    );
    println!(
        "every source's interval {interval} s; [daemon] lease = \"{lease}s\" (renewed every \
         {:.0} s), so a daemon that joins gets its share within about two renewals, where the \
         default 60 s lease (renewed every 20 s) would take up to ~40 s for that hand-over",
        lease as f64 / 3.0
    );
    println!("daemon logs (RUST_LOG=earshot=info): {}", logs.display());
    let sources = std::fs::read_to_string(dir.path().join("sources.toml")).expect("read sources");

    let mut best: [Option<Outcome>; 2] = [None, None];
    let mut all_right = true;
    for round in 0..repeat {
        for daemons in [1, 2] {
            let name = format!("multi_{round}_{daemons}");
            let url = cluster.database(&name);
            let cfg = dir.path().join(format!("{name}.toml"));
            std::fs::write(&cfg, config(&url, interval, lease, &sources)).expect("write config");
            run_earshot(&cfg, &["migrate"]);
            let log = |i: usize| logs.join(format!("{name}_daemon{}.log", i + 1));
            let outcome = run(&cluster, &url, &cfg, daemons, n as i64, timeout, &log);
            let right = outcome.right(served.expected as i64);
            all_right &= right;
            println!("{}", outcome.line(n, served.expected));
            for t in &outcome.trouble {
                println!("    ✗ {t}");
            }
            let slot = &mut best[daemons - 1];
            let better = match (slot.as_ref().and_then(|b| b.wall), outcome.wall) {
                (_, None) => slot.is_none(),
                (None, Some(_)) => true,
                (Some(b), Some(w)) => w < b,
            };
            if better {
                *slot = Some(outcome);
            }
        }
    }
    if repeat > 1 {
        println!("best of {repeat} runs each (shortest wall time):");
        for b in best.iter().flatten() {
            println!("{}", b.line(n, served.expected));
        }
    }
    if let [Some(one), Some(two)] = &best {
        if let (Some(a), Some(b)) = (one.wall, two.wall) {
            println!(
                "two daemons / one: wall ×{:.2}, earshot CPU ×{:.2}, PostgreSQL CPU ×{:.2}",
                b.as_secs_f64() / a.as_secs_f64(),
                two.earshot_cpu.as_secs_f64() / one.earshot_cpu.as_secs_f64(),
                two.postgres_cpu.as_secs_f64() / one.postgres_cpu.as_secs_f64().max(1e-9)
            );
        }
    }
    println!("load average {}", load_average());
    drop(cluster);
    drop(served);
    all_right
}

/// One run's config: the database, the short interval and lease, then the
/// watches and sources.
fn config(url: &str, interval: usize, lease: usize, sources: &str) -> String {
    format!(
        "[storage]\ndatabase = {url:?}\n\n\
         [http]\nuser_agent = \"earshot-bench/0.1\"\ntimeout = \"30s\"\nmax_body = \"10MiB\"\n\n\
         [schedule]\ndefault_interval = \"{interval}s\"\n\n\
         [daemon]\nlease = \"{lease}s\"\n\n{sources}"
    )
}

/// What one run measured.
struct Outcome {
    daemons: usize,
    /// Until every source was polled once; `None` when that never happened.
    wall: Option<Duration>,
    /// Sources polled at least once when the wait ended.
    polled: i64,
    /// Every poll until then, re-polls included.
    polls: i64,
    /// Until every daemon held its share (⌊N / daemons⌋ sources), sampled
    /// once a second.
    shared_after: Option<Duration>,
    earshot_cpu: Duration,
    postgres_cpu: Duration,
    mentions: i64,
    /// Sources each daemon held when every source had been polled.
    held: Vec<i64>,
    /// Lease takeovers from the daemons' logs: (takeovers, sources gained)
    /// per daemon.
    takeovers: Vec<(usize, i64)>,
    /// The oldest open transaction seen in the database (sampled with the
    /// count), with the statement it was running then.
    longest_tx: (Duration, String),
    /// Most backends seen waiting on a lock at once (earshot's advisory
    /// write lock, mostly).
    lock_waiters: i64,
    /// What went wrong: a daemon that died or exited badly, errors in its log.
    trouble: Vec<String>,
}

impl Outcome {
    fn right(&self, expected: i64) -> bool {
        self.wall.is_some() && self.mentions == expected && self.trouble.is_empty()
    }

    fn line(&self, n: usize, expected: usize) -> String {
        let who = if self.daemons == 1 {
            "one daemon: "
        } else {
            "two daemons:"
        };
        let wall = match self.wall {
            Some(w) => format!(
                "{:>7.2} s  {:>6.0} polls/s",
                w.as_secs_f64(),
                n as f64 / w.as_secs_f64()
            ),
            None => format!("not all polled ({}/{n})", self.polled),
        };
        let (e, p) = (
            self.earshot_cpu.as_secs_f64(),
            self.postgres_cpu.as_secs_f64(),
        );
        let held = self
            .held
            .iter()
            .map(|h| h.to_string())
            .collect::<Vec<_>>()
            .join(" + ");
        let shared = match (self.daemons, self.shared_after) {
            (1, _) => String::new(),
            (_, Some(t)) => format!(", each its share first after {:.0} s", t.as_secs_f64()),
            (_, None) => ", never each its share".to_string(),
        };
        let takeovers = self
            .takeovers
            .iter()
            .map(|(times, gained)| format!("{times} gaining {gained}"))
            .collect::<Vec<_>>()
            .join(" + ");
        format!(
            "{who} {wall}  re-polls {:>5}  CPU earshot {e:>6.2} s, PostgreSQL {p:>6.2} s: \
             database {:>4.1} %  mentions {}/{expected}{}  sources held {held}{shared}\n             \
             takeovers {takeovers}; longest transaction {:.2} s ({}), up to {} backends waiting \
             on a lock",
            self.polls - self.polled,
            100.0 * p / (p + e).max(1e-9),
            self.mentions,
            if self.mentions == expected as i64 {
                " ✓"
            } else {
                " ✗ MISMATCH"
            },
            self.longest_tx.0.as_secs_f64(),
            self.longest_tx.1,
            self.lock_waiters
        )
    }
}

/// One run: `daemons` daemons on the freshly migrated database at `url`,
/// until all `n` sources were polled once (or `timeout`), then stopped.
fn run(
    cluster: &Cluster,
    url: &str,
    cfg: &Path,
    daemons: usize,
    n: i64,
    timeout: Duration,
    log: &dyn Fn(usize) -> PathBuf,
) -> Outcome {
    let mut monitor = postgres::Client::connect(url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("connect to {url}: {e}"));
    let count = |c: &mut postgres::Client, sql: &str| -> i64 {
        c.query_one(sql, &[])
            .and_then(|r| r.try_get(0))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    };
    let monitor_pid: i32 = monitor
        .query_one("SELECT pg_backend_pid()", &[])
        .and_then(|r| r.try_get(0))
        .expect("pg_backend_pid");
    // Backends of the setup (createdb, migrate) have ended by now.
    std::thread::sleep(Duration::from_millis(200));
    let pg_before = cluster.cpu();
    let monitor_before = proc_stat(monitor_pid).map_or(0, |s| s.own);

    let start = Instant::now();
    let mut running: Vec<Daemon> = (0..daemons).map(|i| Daemon::start(cfg, &log(i))).collect();
    let share = n / daemons as i64;
    let mut shared_after = None;
    let mut polled;
    let mut samples = 0u64;
    let mut longest_tx = (Duration::ZERO, String::new());
    let mut lock_waiters = 0;
    let wall = loop {
        polled = count(&mut monitor, "SELECT count(*) FROM sources WHERE polls > 0");
        let (oldest, waiting) = activity(&mut monitor);
        if oldest.0 > longest_tx.0 {
            longest_tx = oldest;
        }
        lock_waiters = lock_waiters.max(waiting);
        if polled >= n {
            break Some(start.elapsed());
        }
        if daemons > 1 && shared_after.is_none() && samples.is_multiple_of(10) {
            let held = held(&mut monitor);
            if held.len() == daemons && held.iter().all(|&h| h >= share) {
                shared_after = Some(start.elapsed());
            }
        }
        running.iter_mut().for_each(Daemon::look);
        if running.iter().all(|d| d.ended.is_some()) || start.elapsed() > timeout {
            break None;
        }
        samples += 1;
        let next = start + SAMPLE * samples as u32;
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    };
    let polls = count(
        &mut monitor,
        "SELECT coalesce(sum(polls), 0)::bigint FROM sources",
    );
    let held = held(&mut monitor);
    if daemons > 1 && shared_after.is_none() && held.iter().all(|&h| h >= share) {
        shared_after = wall;
    }

    let mut trouble = Vec::new();
    // Any that ended early did so on their own.
    for (i, d) in running.iter_mut().enumerate() {
        d.look();
        if let Some(r) = &d.ended {
            trouble.push(format!(
                "daemon {} (pid {}) ended by itself before it was stopped: {}",
                i + 1,
                d.pid,
                describe(r.status)
            ));
        }
    }
    running.iter().for_each(Daemon::terminate);
    let mut earshot_cpu = Duration::ZERO;
    for (i, d) in running.iter_mut().enumerate() {
        let (status, cpu) = d.wait();
        earshot_cpu += cpu;
        if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
            trouble.push(format!(
                "daemon {} (pid {}) {}",
                i + 1,
                d.pid,
                describe(status)
            ));
        }
        trouble.extend(log_trouble(&d.log));
    }
    let takeovers: Vec<Vec<(i64, i64)>> = running.iter().map(|d| takeovers(&d.log)).collect();
    trouble.extend(churn(&takeovers, n));
    drop(running);
    // The daemons' backends end with their connections; give the postmaster
    // a moment to reap them (their CPU moves into its children's).
    std::thread::sleep(Duration::from_millis(300));
    let monitor_cpu = proc_stat(monitor_pid)
        .map_or(0, |s| s.own)
        .saturating_sub(monitor_before);
    let pg_after = cluster.cpu();
    let postgres_cpu = ticks(pg_after.saturating_sub(pg_before + monitor_cpu));
    let mentions = count(&mut monitor, "SELECT count(*) FROM mentions");
    if wall.is_none() {
        trouble.push(format!(
            "only {polled} of {n} sources polled after {:.0} s",
            start.elapsed().as_secs_f64()
        ));
    }
    Outcome {
        daemons,
        wall,
        polled,
        polls,
        shared_after,
        earshot_cpu,
        postgres_cpu,
        mentions,
        held,
        takeovers: takeovers
            .iter()
            .map(|t| (t.len(), t.iter().map(|&(gained, _)| gained).sum()))
            .collect(),
        longest_tx,
        lock_waiters,
        trouble,
    }
}

/// The oldest transaction open in this database now (its age and the first
/// words of the statement it runs), and how many backends wait on a lock.
fn activity(c: &mut postgres::Client) -> ((Duration, String), i64) {
    let sql = "SELECT coalesce(extract(epoch FROM now() - min(xact_start)), 0)::float8,
                      count(*) FILTER (WHERE wait_event_type = 'Lock'),
                      (SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 70)
                         FROM pg_stat_activity
                        WHERE datname = current_database() AND pid <> pg_backend_pid()
                          AND xact_start IS NOT NULL ORDER BY xact_start LIMIT 1)
                 FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid()
                  AND xact_start IS NOT NULL";
    let row = c
        .query_one(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let age: f64 = row.try_get(0).expect("age");
    let waiting: i64 = row.try_get(1).expect("waiting");
    let query: Option<String> = row.try_get(2).expect("query");
    (
        (
            Duration::from_secs_f64(age.max(0.0)),
            query.unwrap_or_default(),
        ),
        waiting,
    )
}

/// A daemon's lease takeovers from its log ("took over sources"): sources
/// gained and live daemons it counted, for each.
fn takeovers(log: &Path) -> Vec<(i64, i64)> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let field = |line: &str, key: &str| -> Option<i64> {
        let at = line.find(key)? + key.len();
        line[at..]
            .split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    };
    text.lines()
        .filter(|l| l.contains("took over sources"))
        .filter_map(|l| Some((field(l, "gained=")?, field(l, "daemons=")?)))
        .collect()
}

/// Leases that kept changing hands. With steady heartbeats the daemons gain
/// each source once, plus once more for half of them when the first
/// daemon took them all before the second one registered; and after its
/// first renewal no daemon counts fewer live daemons than were started.
fn churn(takeovers: &[Vec<(i64, i64)>], n: i64) -> Vec<String> {
    let daemons = takeovers.len() as i64;
    let mut out = Vec::new();
    let gained: i64 = takeovers.iter().flatten().map(|&(g, _)| g).sum();
    let steady = if daemons > 1 { n + n / daemons } else { n };
    if gained > steady {
        out.push(format!(
            "leases changed hands: the daemons gained {gained} sources in {} takeovers \
             (steady hand-over: at most {steady})",
            takeovers.iter().map(Vec::len).sum::<usize>()
        ));
    }
    for (i, t) in takeovers.iter().enumerate() {
        let lonely = t
            .iter()
            .skip(1)
            .filter(|&&(_, live)| live < daemons)
            .count();
        if lonely > 0 {
            out.push(format!(
                "daemon {} counted fewer live daemons than {daemons} at {lonely} later \
                 takeovers (another's heartbeat older than the lease)",
                i + 1
            ));
        }
    }
    out
}

/// Sources each registered daemon holds a lease on, by pid.
fn held(c: &mut postgres::Client) -> Vec<i64> {
    let sql = "SELECT d.pid, count(l.source_id) FROM daemons d
               LEFT JOIN leases l ON l.daemon = d.id GROUP BY d.pid ORDER BY d.pid";
    c.query(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|r| r.try_get::<_, i64>(1).expect("count"))
        .collect()
}

/// A wait status in words.
fn describe(status: i32) -> String {
    if libc::WIFEXITED(status) {
        format!("exited with status {}", libc::WEXITSTATUS(status))
    } else if libc::WIFSIGNALED(status) {
        format!("was killed by signal {}", libc::WTERMSIG(status))
    } else {
        format!("ended with wait status {status}")
    }
}

/// Errors and panics in a daemon's log: how many, and the first few lines.
/// Warnings are counted and shown too, but are no failure.
fn log_trouble(log: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(log) else {
        return vec![format!("could not read {}", log.display())];
    };
    let mut out = Vec::new();
    for (what, needle) in [("errors", " ERROR "), ("panics", "panicked")] {
        let lines: Vec<&str> = text.lines().filter(|l| l.contains(needle)).collect();
        if !lines.is_empty() {
            let first: Vec<&str> = lines.iter().take(3).copied().collect();
            out.push(format!(
                "{} {what} in {}, first: {}",
                lines.len(),
                log.display(),
                first.join(" | ")
            ));
        }
    }
    let warnings: Vec<&str> = text.lines().filter(|l| l.contains(" WARN ")).collect();
    if let Some(first) = warnings.first() {
        println!(
            "    ({} warnings in {}, first: {first})",
            warnings.len(),
            log.display()
        );
    }
    out
}

/// One `earshot run` daemon, its output in a log file, reaped with wait4
/// for its CPU time. Dropped while it runs, it is killed (a panicking bench
/// leaves no daemon behind; nor does a killed one: each daemon gets SIGTERM
/// when the benchmark dies).
struct Daemon {
    pid: libc::pid_t,
    log: PathBuf,
    ended: Option<Reaped>,
}

impl Daemon {
    fn start(cfg: &Path, log: &Path) -> Daemon {
        let file =
            std::fs::File::create(log).unwrap_or_else(|e| panic!("create {}: {e}", log.display()));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_earshot"));
        cmd.arg("--config")
            .arg(cfg)
            .arg("run")
            .env("RUST_LOG", "earshot=info")
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log file"))
            .stderr(file);
        // SAFETY: prctl is async-signal-safe; nothing else runs in the child
        // between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        #[expect(
            clippy::zombie_processes,
            reason = "reaped with wait4 (Daemon::look/wait), which also gives its rusage"
        )]
        let child: Child = cmd.spawn().expect("start earshot run");
        Daemon {
            pid: child.id() as libc::pid_t,
            log: log.to_path_buf(),
            ended: None,
        }
    }

    /// Reaps it if it has ended.
    fn look(&mut self) {
        if self.ended.is_none() {
            self.ended = reap(self.pid, true);
        }
    }

    fn terminate(&self) {
        if self.ended.is_none() {
            // SAFETY: signalling our own child, not yet reaped.
            unsafe { libc::kill(self.pid, libc::SIGTERM) };
        }
    }

    /// Waits for it to end ([`STOP_GRACE`] at most, then kills it): its
    /// wait status and CPU time.
    fn wait(&mut self) -> (i32, Duration) {
        let deadline = Instant::now() + STOP_GRACE;
        while self.ended.is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
            self.look();
        }
        if self.ended.is_none() {
            // SAFETY: as in terminate.
            unsafe { libc::kill(self.pid, libc::SIGKILL) };
            self.ended = reap(self.pid, false);
        }
        let r = self.ended.as_ref().expect("reaped");
        (r.status, r.cpu)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if self.ended.is_none() {
            // SAFETY: as in terminate.
            unsafe { libc::kill(self.pid, libc::SIGKILL) };
            self.ended = reap(self.pid, false);
        }
    }
}

/// The throwaway cluster (`scripts/pg-throwaway start`), stopped and its
/// dir removed when this is dropped — also on a panic — by a watchdog that
/// waits for its stdin to close, so a benchmark killed outright leaves no
/// cluster running either.
struct Cluster {
    dir: PathBuf,
    /// The URL of its `postgres` database.
    url: String,
    watchdog: Option<(Child, ChildStdin)>,
}

impl Cluster {
    fn start() -> Cluster {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pg-throwaway");
        // Its own dir, not under the bench's tempdir: PostgreSQL runs as
        // nobody when we are root and must reach it.
        let dir = tempfile::Builder::new()
            .prefix("earshot-multi-pg-")
            .tempdir()
            .expect("tempdir for the cluster")
            .keep();
        let mut watchdog = Command::new("sh")
            .arg("-c")
            .arg(r#"read -r _; exec "$0" stop "$1""#)
            .arg(&script)
            .arg(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            // Its own process group: a Ctrl-C stops the bench, not the cleanup.
            .process_group(0)
            .spawn()
            .expect("start the cluster's watchdog (sh)");
        let stdin = watchdog.stdin.take().expect("piped stdin");
        let mut cluster = Cluster {
            dir: dir.clone(),
            url: String::new(),
            watchdog: Some((watchdog, stdin)),
        };
        let out = Command::new(&script)
            .arg("start")
            .arg(&dir)
            .output()
            .expect("run scripts/pg-throwaway");
        assert!(
            out.status.success(),
            "scripts/pg-throwaway start {} failed ({}): {}",
            dir.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        cluster.url = String::from_utf8_lossy(&out.stdout).trim().to_string();
        cluster
    }

    fn version(&self) -> String {
        let mut c = postgres::Client::connect(&self.url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("connect to {}: {e}", self.url));
        c.query_one("SHOW server_version", &[])
            .and_then(|r| r.try_get(0))
            .expect("server_version")
    }

    /// Creates database `name` and returns its URL.
    fn database(&self, name: &str) -> String {
        let mut c = postgres::Client::connect(&self.url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("connect to {}: {e}", self.url));
        c.batch_execute(&format!(
            "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'"
        ))
        .unwrap_or_else(|e| panic!("create database {name}: {e}"));
        let rest = self
            .url
            .strip_prefix("postgres:///postgres?")
            .unwrap_or_else(|| panic!("pg-throwaway's URL changed shape: {}", self.url));
        format!("postgres:///{name}?{rest}")
    }

    /// CPU clock ticks the cluster has used so far: the postmaster's own,
    /// those of the children it has reaped (backends of connections that
    /// closed), and those of every process below it (backends, autovacuum,
    /// WAL writer, checkpointer…). Matched by the parent chain alone: the
    /// postmaster's command line is its binary's path, its children's
    /// `postgres: …`.
    fn cpu(&self) -> u64 {
        let pid_file = self.dir.join("data/postmaster.pid");
        let postmaster: i32 = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|s| s.lines().next()?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no pid in {}", pid_file.display()));
        let stats: HashMap<i32, Stat> = std::fs::read_dir("/proc")
            .expect("read /proc")
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .filter_map(|pid| Some((pid, proc_stat(pid)?)))
            .collect();
        let mut ticks = 0;
        for (&pid, stat) in &stats {
            if pid == postmaster {
                ticks += stat.own + stat.children;
                continue;
            }
            let mut parent = stat.ppid;
            for _ in 0..64 {
                if parent == postmaster {
                    ticks += stat.own;
                    break;
                }
                match stats.get(&parent) {
                    Some(s) if parent > 1 => parent = s.ppid,
                    _ => break,
                }
            }
        }
        ticks
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some((mut child, stdin)) = self.watchdog.take() {
            drop(stdin);
            let _ = child.wait();
        }
    }
}

/// A process's parent and CPU clock ticks, from `/proc/<pid>/stat`.
struct Stat {
    ppid: i32,
    /// utime + stime.
    own: u64,
    /// cutime + cstime: of the children it has waited for.
    children: u64,
}

fn proc_stat(pid: i32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name in parentheses (which may hold anything):
    // field 3 (state) onwards.
    let rest = text.get(text.rfind(')')? + 1..)?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let num = |i: usize| f.get(i)?.parse::<u64>().ok();
    Some(Stat {
        ppid: f.get(1)?.parse().ok()?,
        own: num(11)? + num(12)?,
        children: num(13)? + num(14)?,
    })
}

fn ticks(t: u64) -> Duration {
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    Duration::from_secs_f64(t as f64 / hz)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_string())
}

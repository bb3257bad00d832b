//! Running the release `earshot` binary (or a floor command such as curl or
//! grep) from a benchmark and measuring it alone: wall time, CPU time and
//! peak RSS from `wait4` (the benchmarks spawn it from a small process, so
//! the peak is its own). Shared by `benches/poll.rs`, `benches/hostile.rs`
//! and `benches/multi.rs` (which reaps its daemons with [`reap`]).

#![allow(dead_code)] // each includer uses a different part

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Run {
    pub wall: Duration,
    /// User + system CPU time: steadier than wall time on a shared machine.
    pub cpu: Duration,
    pub max_rss_kib: i64,
    pub stdout: String,
}

/// Runs the earshot binary and measures it alone (wait4 gives its own peak RSS).
pub fn run_earshot(config: &Path, args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_earshot"));
    cmd.arg("--config").arg(config).args(args);
    run_measured(cmd)
}

/// Runs `cmd` to its end and measures it alone: its stdout is captured, its
/// stderr passed through; a failing exit status fails the benchmark.
pub fn run_measured(mut cmd: Command) -> Run {
    let start = Instant::now();
    #[expect(
        clippy::zombie_processes,
        reason = "reaped below with wait4, which also gives its rusage"
    )]
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("start {:?}: {e}", cmd.get_program()));
    let pid = child.id() as libc::pid_t;
    let mut stdout = child.stdout.expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut s);
        s
    });
    let reaped = reap(pid, false).expect("wait4 failed");
    let wall = start.elapsed();
    assert!(
        libc::WIFEXITED(reaped.status) && libc::WEXITSTATUS(reaped.status) == 0,
        "{:?} failed: {}",
        cmd.get_program(),
        reaped.status
    );
    Run {
        wall,
        cpu: reaped.cpu,
        max_rss_kib: reaped.max_rss_kib,
        stdout: reader.join().unwrap_or_default(),
    }
}

/// How a child ended, as `wait4` reports it.
pub struct Reaped {
    /// The raw wait status (`libc::WIFEXITED` and friends read it).
    pub status: i32,
    /// User + system CPU time of the child alone.
    pub cpu: Duration,
    pub max_rss_kib: i64,
}

/// Reaps our child `pid` with `wait4`: waits for it, or with `nohang` only
/// looks (`None` while it runs). `None` also when wait4 fails (not our
/// child, or already reaped).
pub fn reap(pid: libc::pid_t, nohang: bool) -> Option<Reaped> {
    let mut status = 0;
    let flags = if nohang { libc::WNOHANG } else { 0 };
    // SAFETY: plain FFI call with valid pointers to locals; the child is ours and
    // not waited for elsewhere.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, flags, &mut usage) };
    if r != pid {
        return None;
    }
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Some(Reaped {
        status,
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        max_rss_kib: usage.ru_maxrss,
    })
}

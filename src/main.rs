//! The `earshot` binary: parse arguments, set up logging, run, report.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    limit_malloc_arenas();
    let cli = earshot::cli::Cli::parse();
    // The daemon sets up logging from its config ([daemon] log_format,
    // log_level); one-shot commands log warnings and errors only.
    if !matches!(cli.command, earshot::cli::Command::Run) {
        earshot::cli::init_logging(earshot::config::LogFormat::Text, "warn");
    }
    match earshot::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // Output piped into `head` that stopped reading is not a failure.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "earshot: {}",
                earshot::cli::error_text(&e)
            );
            earshot::cli::exit_code(&e)
        }
    }
}

/// Keeps glibc's heap close to what it uses: SQLite's and any other C
/// code's (Rust's allocations are jemalloc's, below). glibc gives every
/// thread that allocates its own arena, keeps freed memory in each, and
/// raises its mmap threshold as large blocks are freed. A fixed 96 KiB mmap
/// threshold and a 64 KiB trim threshold keep that heap small. Arenas: as
/// many as the runtime's workers (up to four) and one more, so that the
/// threads that run queries (the store's writer among them) do not wait on
/// each other's arena lock; when glibc served every allocation, two arenas
/// on two cores cost 6 % more CPU than three (interleaved A/B, 8 cold polls
/// each).
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
        let arenas = i32::try_from(workers + 1).unwrap_or(3);
        // SAFETY: mallopt only sets allocator parameters; called once,
        // before any other thread exists.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
            libc::mallopt(libc::M_MMAP_THRESHOLD, 96 * 1024);
            libc::mallopt(libc::M_TRIM_THRESHOLD, 64 * 1024);
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Rust's allocations go to jemalloc: glibc's malloc, with one lock per
/// arena and its consolidation passes, cost a cold poll of 1,000 feeds 6–9 %
/// more CPU (interleaved A/B of two builds, `benches/poll.rs`'s feeds), for
/// the same peak. Freed pages go back to the system after 5 ms, so that the
/// HTTP client's read buffers (a new 128–256 KiB one for most responses)
/// are reused rather than mapped, faulted in and unmapped again: 8 % less
/// CPU again for 3.4 MiB more peak; jemalloc's default 10 s gave 20 % and
/// 58 MiB, over the 40 MiB target. Larger blocks (≥ 256 KiB) go to
/// jemalloc's own arena for them, which returns them at once.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read by its `malloc_conf` symbol (prefixed by the
/// crate) as a C string pointer.
#[repr(transparent)]
pub struct MallocConf(*const u8);

// SAFETY: the pointer is to a static, immutable, NUL-terminated string.
unsafe impl Sync for MallocConf {}

#[export_name = "_rjem_malloc_conf"]
pub static MALLOC_CONF: MallocConf = MallocConf(
    c"dirty_decay_ms:5,muzzy_decay_ms:0,oversize_threshold:262144"
        .as_ptr()
        .cast(),
);

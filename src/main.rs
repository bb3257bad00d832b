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
            let _ = writeln!(std::io::stderr(), "earshot: {e:#}");
            earshot::cli::exit_code(&e)
        }
    }
}

/// glibc gives every thread that allocates its own arena and keeps freed memory
/// in each; with a parser thread per core and the runtime's workers that adds
/// tens of megabytes of idle heap. Two arenas keep the daemon small at no
/// measurable cost in speed (see benches/poll.rs).
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called once, before any
    // other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

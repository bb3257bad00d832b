//! The `earshot` binary: parse arguments, set up logging, run, report.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = earshot::cli::Cli::parse();
    let default_level = match cli.command {
        earshot::cli::Command::Run => "info",
        _ => "warn",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level)),
        )
        .with_writer(std::io::stderr)
        .init();
    match earshot::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("earshot: {e:#}");
            earshot::cli::exit_code(&e)
        }
    }
}

//! `earshot completions SHELL`: a shell completion script, generated from the
//! argument definitions in [`super::Cli`] (clap_complete), so it can never
//! drift from the real flags. Writes to stdout only; reads no config.

use std::io::Write;

use clap::CommandFactory;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell to complete for (its script goes to stdout).
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let mut cmd = super::Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "earshot", &mut script);
    std::io::stdout().lock().write_all(&script)?;
    Ok(())
}

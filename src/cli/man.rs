//! `earshot man`: the manual page(s), generated from the argument definitions
//! in [`super::Cli`] (clap_mangen), so they can never drift from the real
//! flags. Reads no config; writes stdout, or files only in the folder given.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::CommandFactory;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write earshot.1 and one page per subcommand (earshot-mentions.1, …)
    /// into this folder instead of printing earshot.1.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let cmd = super::Cli::command();
    match &args.dir {
        Some(dir) => clap_mangen::generate_to(cmd, dir)
            .with_context(|| format!("writing manual pages into {}", dir.display())),
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut page)?;
            std::io::stdout().lock().write_all(&page)?;
            Ok(())
        }
    }
}

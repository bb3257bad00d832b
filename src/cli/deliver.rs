//! `earshot deliver`: one dispatcher pass, for cron use or after an outage.

use std::io::Write;

use crate::config::Config;
use crate::notify::dispatcher::Dispatcher;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Also send deliveries that are waiting out a retry delay.
    #[arg(long)]
    pub retry_now: bool,
}

pub fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    // Built and dropped inside the runtime: lettre's pool needs it for both.
    let r = super::runtime()?.block_on(async {
        let dispatcher = Dispatcher::new(config)?;
        let r = dispatcher
            .pass_with(chrono::Utc::now(), args.retry_now)
            .await?;
        Ok::<_, anyhow::Error>(r)
    })?;
    writeln!(
        std::io::stdout(),
        "{} sent, {} waiting to retry, {} failed",
        r.sent,
        r.retrying,
        r.failed
    )?;
    Ok(())
}

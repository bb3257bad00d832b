//! `earshot test-alert NOTIFIER`: send a sample mention through one notifier
//! and say what happened.

use std::io::Write;

use chrono::Utc;

use crate::config::Config;
use crate::notify::dispatcher::Dispatcher;
use crate::store::{Mention, StoredRating, StoredSentiment};

use super::UsageError;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The notifier's name in the config.
    pub notifier: String,
}

/// A made-up mention that looks like the real thing.
pub fn sample() -> Mention {
    Mention {
        triage: Default::default(),
        id: 0,
        watch: "test".into(),
        sources: vec!["earshot test-alert".into()],
        url: Some("https://example.nl/reviews/earshot-test".into()),
        canonical_url: Some("https://example.nl/reviews/earshot-test".into()),
        title: "Testmelding van earshot: al 3 weken geen reactie op mijn klacht".into(),
        text: "Dit is een testmelding. Als u dit leest, komen meldingen van earshot aan.\n\
               This is a test alert: if you can read it, earshot alerts reach you."
            .into(),
        author: Some("earshot".into()),
        published_at: Some(Utc::now()),
        found_at: Utc::now(),
        terms: vec!["earshot".into()],
        snippet: "Testmelding van earshot: al 3 weken geen reactie op mijn klacht".into(),
        sentiment: Some(StoredSentiment {
            label: "negative".into(),
            score: -0.6,
            lang: "nl".into(),
            reasons: vec!["pattern no-response: 'geen reactie'".into()],
        }),
        rating: Some(StoredRating {
            value: 2.0,
            worst: 1.0,
            best: 5.0,
        }),
    }
}

pub fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    if config.notifier(&args.notifier).is_none() {
        let known: Vec<&str> = config.notifiers.iter().map(|n| n.name.as_str()).collect();
        return Err(UsageError(format!(
            "no notifier named {:?} (configured: {})",
            args.notifier,
            if known.is_empty() {
                "none".into()
            } else {
                known.join(", ")
            }
        ))
        .into());
    }
    // Built and dropped inside the runtime: lettre's pool needs it for both.
    let result = super::runtime()?.block_on(async {
        let dispatcher = Dispatcher::new(config)?;
        Ok::<_, anyhow::Error>(dispatcher.test_alert(&args.notifier, &sample()).await)
    })?;
    match result {
        Ok(what) => {
            writeln!(std::io::stdout(), "{}: {what}", args.notifier)?;
            Ok(())
        }
        Err(e) => Err(anyhow::anyhow!("{}: sending failed: {e}", args.notifier)),
    }
}

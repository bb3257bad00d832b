//! Alerts about earshot's own sources: one when a source has failed
//! `[daemon] source_alert_after` times in a row, one when it recovers. Feeds
//! break silently otherwise, and a webcare team would never know.
//!
//! The notice is shaped as a mention (watch `earshot`) so every notifier
//! format renders and escapes it the way it does real alerts. It is sent
//! directly, not through the outbox: a lost notice is retried by the next
//! transition, and it must not wait behind a backlog of mentions.

use std::sync::Arc;

use chrono::Utc;
use tokio_util::task::TaskTracker;

use super::Sender;
use crate::config::Config;
use crate::store::Mention;

pub struct SourceAlerter {
    after: u32,
    /// `[daemon] timezone`, for the times a notice shows.
    frame: super::render::Frame,
    senders: Vec<(String, Arc<Sender>)>,
    /// Where notices are sent from, so shutdown waits for one in flight.
    tasks: TaskTracker,
}

impl SourceAlerter {
    /// `None` when no notifier is configured for source alerts. Notices are
    /// sent from tasks on `tasks`.
    pub fn new(config: &Config, tasks: TaskTracker) -> anyhow::Result<Option<Arc<SourceAlerter>>> {
        if config.daemon.source_alerts.is_empty() {
            return Ok(None);
        }
        let mut senders = Vec::new();
        for name in &config.daemon.source_alerts {
            if let Some(n) = config.notifier(name) {
                senders.push((
                    name.clone(),
                    Arc::new(Sender::new(n, &config.http, config.delivery.send_timeout)?),
                ));
            }
        }
        Ok(Some(Arc::new(SourceAlerter {
            after: config.daemon.source_alert_after,
            frame: super::render::Frame::of(config),
            senders,
            tasks,
        })))
    }

    /// Called after every poll with the failure count before and after it.
    pub fn observe(
        self: &Arc<Self>,
        source: &str,
        url: &str,
        before: u32,
        after: u32,
        error: Option<String>,
    ) {
        let notice = if before < self.after && after >= self.after {
            Some(notice(
                source,
                url,
                &format!("Source {source} is failing ({after} times in a row)"),
                &format!(
                    "earshot could not poll {source} ({url}) {after} times in a row.\nLast error: {}\n\nMentions from this source are missed until it recovers.",
                    error.unwrap_or_default()
                ),
            ))
        } else if before >= self.after && after == 0 {
            Some(notice(
                source,
                url,
                &format!("Source {source} has recovered"),
                &format!("earshot polled {source} ({url}) successfully again."),
            ))
        } else {
            None
        };
        let Some(notice) = notice else { return };
        let me = self.clone();
        self.tasks.spawn(async move { me.send(&notice).await });
    }

    async fn send(&self, notice: &Mention) {
        for (name, sender) in &self.senders {
            match sender
                .tell(std::slice::from_ref(notice), &[], &self.frame)
                .await
            {
                Ok(()) => {
                    tracing::info!(notifier = %name, notice = %notice.title, "source alert sent")
                }
                Err(e) => tracing::warn!(notifier = %name, error = %e, "source alert failed"),
            }
        }
    }
}

fn notice(source: &str, url: &str, title: &str, text: &str) -> Mention {
    Mention {
        triage: Default::default(),
        id: 0,
        watch: "earshot".into(),
        sources: vec![source.to_string()],
        url: Some(url.to_string()),
        canonical_url: None,
        title: title.to_string(),
        text: text.to_string(),
        author: None,
        published_at: None,
        found_at: Utc::now(),
        terms: Vec::new(),
        snippet: title.to_string(),
        sentiment: None,
        rating: None,
    }
}

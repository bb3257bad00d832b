//! Getting mentions to people: routes, the outbox dispatcher, and the email
//! and webhook senders.
//!
//! A new mention's deliveries are planned (`plan`, pure) and written with it
//! in one transaction; the [`dispatcher`] sends what is due, retries with
//! capped backoff, and marks each delivery sent or failed, so no alert is lost
//! across crashes and none is sent twice in normal operation. Rendering
//! (`render`, pure) escapes everything from the internet for its target;
//! a [`Sender`] is the one place a notifier's messages are rendered and
//! handed over.

pub mod dispatcher;
mod email;
pub mod plan;
pub mod render;
pub mod source_alerts;
mod webhook;
mod wire;

use std::time::Duration;

use crate::config::{Notifier, NotifierKind};
use crate::store::Mention;

pub use email::EmailSender;
pub use webhook::WebhookSender;
pub use wire::{SendError, MAX_ANSWER};

/// One configured notifier, ready to render for and send to. Closed set: one
/// file per kind. The dispatcher, test alerts and source notices all render
/// and send through it, so the three never drift.
pub enum Sender {
    Email(EmailSender),
    Webhook(WebhookSender),
}

impl Sender {
    /// Every step of every send through it is bounded by `send_timeout`.
    pub fn new(
        n: &Notifier,
        http: &crate::config::Http,
        send_timeout: Duration,
    ) -> anyhow::Result<Sender> {
        Ok(match &n.kind {
            NotifierKind::Email(e) => Sender::Email(EmailSender::new(e, send_timeout)?),
            NotifierKind::Webhook(w) => Sender::Webhook(WebhookSender::new(w, http, send_timeout)?),
        })
    }

    /// Whether it renders a whole batch of mentions at once (a webhook: as
    /// few bodies as its format allows, or one per mention with `batch =
    /// false`) rather than one delivery at a time (an alert email).
    pub fn batches(&self) -> bool {
        matches!(self, Sender::Webhook(_))
    }

    /// What this notifier is told about `mentions`, in order, with times in
    /// `tz`: an alert email per mention; for a webhook as few bodies as its
    /// format allows, or one per mention when its `batch` is off. Every
    /// mention is shown by exactly one message; one mention is always one
    /// message. No mentions, no messages.
    pub fn render(&self, mentions: &[Mention], frame: &render::Frame) -> Vec<Outgoing<'_>> {
        match self {
            Sender::Email(mail) => mentions
                .iter()
                .map(|m| Outgoing {
                    mentions: vec![m.id],
                    body: Body::Email(mail, render::mention_email(m, frame)),
                })
                .collect(),
            Sender::Webhook(hook) => {
                let bodies = if hook.batch {
                    render::webhook_bodies(hook.format, mentions, frame)
                } else {
                    mentions
                        .iter()
                        .flat_map(|m| {
                            render::webhook_bodies(hook.format, std::slice::from_ref(m), frame)
                        })
                        .collect()
                };
                bodies
                    .into_iter()
                    .map(|(body, mentions)| Outgoing {
                        mentions,
                        body: Body::Webhook(hook, body),
                    })
                    .collect()
            }
        }
    }

    /// The digest email of `mentions` (listing `failed` too, and a line on
    /// top for each of `spikes`); `None` for a webhook, which has no digest
    /// form: its digest goes as the batch [`Sender::render`] makes.
    pub fn render_digest(
        &self,
        info: &render::DigestInfo<'_>,
        spikes: &[String],
        mentions: &[Mention],
        failed: &[render::FailedDelivery],
        frame: &render::Frame,
    ) -> Option<Outgoing<'_>> {
        match self {
            Sender::Email(mail) => Some(Outgoing {
                mentions: mentions.iter().map(|m| m.id).collect(),
                body: Body::Email(
                    mail,
                    render::digest_email_with_spikes(info, spikes, mentions, failed, frame),
                ),
            }),
            Sender::Webhook(_) => None,
        }
    }

    /// A route's own message (a spike alert, a `max_per_hour` notice) as
    /// one email or one chat message; it shows no single mention.
    pub fn render_notice(&self, notice: &render::Notice) -> Outgoing<'_> {
        let body = match self {
            Sender::Email(mail) => Body::Email(mail, render::notice_email(notice)),
            Sender::Webhook(hook) => Body::Webhook(hook, render::notice_chat(hook.format, notice)),
        };
        Outgoing {
            mentions: Vec::new(),
            body,
        }
    }

    /// Renders `mentions` and sends every message now, each carrying
    /// `deliveries`, stopping at the first failure: for a test alert or a
    /// source notice, which are not in the outbox and are never marked.
    pub async fn tell(
        &self,
        mentions: &[Mention],
        deliveries: &[i64],
        frame: &render::Frame,
    ) -> Result<(), SendError> {
        for out in self.render(mentions, frame) {
            out.send(deliveries).await?;
        }
        Ok(())
    }
}

/// One rendered message, bound to the notifier that rendered it (so an email
/// can never go to a webhook), and the mentions it shows.
pub struct Outgoing<'s> {
    /// The ids of the mentions it shows, in order.
    pub mentions: Vec<i64>,
    body: Body<'s>,
}

enum Body<'s> {
    Email(&'s EmailSender, render::Email),
    Webhook(&'s WebhookSender, serde_json::Value),
}

impl Outgoing<'_> {
    /// Sends it carrying these deliveries: their ids go into its headers
    /// and, for email, its Message-ID.
    pub async fn send(&self, deliveries: &[i64]) -> Result<(), SendError> {
        match &self.body {
            Body::Email(mail, email) => mail.send(email, deliveries).await,
            Body::Webhook(hook, body) => hook.post(body, deliveries).await,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::config::Config;

    /// The named notifier of a config with one email notifier and two Slack
    /// webhook notifiers, `chat` (batched) and `each` (`batch = false`), all
    /// on loopback; nothing here connects.
    pub(super) fn sender(name: &str) -> Sender {
        let toml =
            "[[notifier]]\nname = \"mail\"\nkind = \"email\"\nto = [\"webcare@example.nl\"]\n\
                    from = \"earshot@example.nl\"\nsmtp = \"smtp://127.0.0.1:2525\"\n\n\
                    [[notifier]]\nname = \"chat\"\nkind = \"webhook\"\nformat = \"slack\"\n\
                    url = \"http://127.0.0.1:9/hook\"\n\n\
                    [[notifier]]\nname = \"each\"\nkind = \"webhook\"\nformat = \"slack\"\n\
                    url = \"http://127.0.0.1:9/hook\"\nbatch = false\n";
        let config = Config::parse(toml, std::path::Path::new("/t.toml")).expect("test config");
        let n = config.notifier(name).expect("notifier in the test config");
        Sender::new(n, &config.http, Duration::from_secs(1)).expect("sender")
    }

    pub(super) fn mention(id: i64) -> Mention {
        Mention {
            triage: Default::default(),
            rating: None,
            id,
            watch: "acme".to_string(),
            sources: vec!["Trustpilot".to_string()],
            url: Some(format!("https://example.com/review/{id}")),
            canonical_url: None,
            title: format!("review {id}"),
            text: String::new(),
            author: None,
            published_at: None,
            found_at: Utc.with_ymd_and_hms(2026, 11, 22, 14, 5, 0).unwrap(),
            terms: vec!["acme".to_string()],
            snippet: String::new(),
            sentiment: None,
        }
    }

    fn shown(out: &[Outgoing<'_>]) -> Vec<Vec<i64>> {
        out.iter().map(|o| o.mentions.clone()).collect()
    }

    #[test]
    fn each_kind_renders_every_mention_once() {
        let ms = [mention(1), mention(2), mention(3)];
        let (mail, chat, each) = (sender("mail"), sender("chat"), sender("each"));
        let tz = chrono_tz::Europe::Amsterdam;
        assert!(!mail.batches() && chat.batches() && each.batches());
        assert_eq!(
            shown(&mail.render(&ms, &render::Frame::local(tz))),
            vec![vec![1], vec![2], vec![3]]
        );
        assert_eq!(
            shown(&chat.render(&ms, &render::Frame::local(tz))),
            vec![vec![1, 2, 3]]
        );
        // batch = false: a message per mention, in order.
        assert_eq!(
            shown(&each.render(&ms, &render::Frame::local(tz))),
            vec![vec![1], vec![2], vec![3]]
        );
        for s in [&mail, &chat, &each] {
            assert!(s.render(&[], &render::Frame::local(tz)).is_empty());
        }

        let info = render::DigestInfo {
            route: "ops",
            period: "p",
        };
        let digest = mail
            .render_digest(&info, &[], &ms, &[], &render::Frame::local(tz))
            .map(|d| d.mentions);
        assert_eq!(digest, Some(vec![1, 2, 3]));
        assert!(chat
            .render_digest(&info, &[], &ms, &[], &render::Frame::local(tz))
            .is_none());
    }
}

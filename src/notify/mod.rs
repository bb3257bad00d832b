//! Getting mentions to people: routes, the outbox dispatcher, and the email
//! and webhook senders.
//!
//! A new mention's deliveries are planned (`plan`, pure) and written with it
//! in one transaction; the [`dispatcher`] sends what is due, retries with
//! capped backoff, and marks each delivery sent or failed, so no alert is lost
//! across crashes and none is sent twice in normal operation. Rendering
//! (`render`, pure) escapes everything from the internet for its target.

pub mod dispatcher;
mod email;
pub mod plan;
pub mod render;
pub mod source_alerts;
mod webhook;

use std::time::Duration;

use crate::config::{Notifier, NotifierKind};

pub use email::EmailSender;
pub use webhook::WebhookSender;

/// Why a send failed, and whether trying again can help.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    pub message: String,
    /// A rejection that a retry will not change (bad address, 4xx other than 408/429).
    pub permanent: bool,
    /// The receiver's own word on when to retry.
    pub retry_after: Option<Duration>,
}

impl SendError {
    fn transient(message: impl Into<String>) -> SendError {
        SendError {
            message: message.into(),
            permanent: false,
            retry_after: None,
        }
    }
}

/// One configured notifier, ready to send. Closed set: one file per kind.
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
}

/// The most of a receiver's answer that is read: an SMTP reply, a webhook's
/// response body. A hostile or broken receiver cannot make earshot buffer
/// more than this.
pub const MAX_ANSWER: usize = 64 * 1024;

//! Webhooks: a POST of a rendered JSON body, with the delivery ids in a
//! header and, for generic webhooks with a secret, an HMAC-SHA256 signature.
//! Whether a body carries a batch of mentions or one (`batch = false`) is the
//! notifier's setting, read by `Sender::render`; a POST is a POST either way.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::wire::{delivery_list, message_key, SendError, MAX_ANSWER};
use crate::config::{WebhookFormat, WebhookNotifier};

pub struct WebhookSender {
    client: reqwest::Client,
    url: url::Url,
    pub format: WebhookFormat,
    /// One body per batch (true), or one per mention.
    pub batch: bool,
    secret: Option<String>,
    timeout: Duration,
}

/// `X-Earshot-Signature: sha256=<hex>` over the exact body bytes.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

impl WebhookSender {
    /// Each request, its answer included, is bounded by `send_timeout`.
    pub fn new(
        cfg: &WebhookNotifier,
        http: &crate::config::Http,
        send_timeout: Duration,
    ) -> anyhow::Result<WebhookSender> {
        let client = reqwest::Client::builder()
            .user_agent(http.user_agent.clone())
            .timeout(send_timeout)
            .connect_timeout(http.connect_timeout.min(send_timeout))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(WebhookSender {
            client,
            url: cfg.url.clone(),
            format: cfg.format,
            batch: cfg.batch,
            secret: cfg.secret.clone(),
            timeout: send_timeout,
        })
    }

    /// POSTs one body carrying these deliveries.
    pub async fn post(
        &self,
        body: &serde_json::Value,
        deliveries: &[i64],
    ) -> Result<(), SendError> {
        let bytes = serde_json::to_vec(body).map_err(|e| SendError {
            message: format!("encoding the payload: {e}"),
            permanent: true,
            retry_after: None,
        })?;
        let mut req = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Earshot-Delivery", delivery_list(deliveries))
            .header(
                "Idempotency-Key",
                format!("earshot-{}", message_key(deliveries)),
            );
        if let Some(secret) = &self.secret {
            req = req.header("X-Earshot-Signature", signature(secret, &bytes));
        }
        let resp = req.body(bytes).send().await.map_err(|e| {
            SendError::transient(if e.is_timeout() {
                format!(
                    "webhook: no answer within {}s (send_timeout)",
                    self.timeout.as_secs_f64()
                )
            } else {
                format!("webhook: {}", crate::http::error_chain(&e))
            })
        })?;
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        let retry_after = crate::http::retry_after(resp.headers());
        let answer = read_capped(resp, MAX_ANSWER).await;
        let text: String = String::from_utf8_lossy(&answer).chars().take(200).collect();
        let code = status.as_u16();
        Err(SendError {
            message: format!("webhook answered HTTP {code}: {}", text.trim()),
            permanent: (400..500).contains(&code) && code != 408 && code != 429,
            retry_after: retry_after.map(|d| d.min(Duration::from_secs(3600))),
        })
    }
}

/// At most `cap` bytes of a response body; the rest is never read (the
/// connection is dropped with it). A body that fails half-way gives what came.
async fn read_capped(mut resp: reqwest::Response, cap: usize) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < cap {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                let room = cap - body.len();
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok(None) | Err(_) => break,
        }
    }
    body
}

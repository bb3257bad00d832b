//! Email through lettre: SMTP (STARTTLS, implicit TLS, or plain to a loopback
//! relay) with a connection pool, or the local sendmail.

use std::time::Duration;

use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSendmailTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::dispatcher::{delivery_list, message_key};
use super::render::Email;
use super::SendError;
use crate::config::{EmailNotifier, SmtpTransport};

const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Sendmail(AsyncSendmailTransport<Tokio1Executor>),
}

pub struct EmailSender {
    transport: Transport,
    from: Mailbox,
    to: Vec<Mailbox>,
    /// The domain of `from`, for Message-IDs.
    domain: String,
}

/// `X-Earshot-Delivery`: the delivery ids a message carries, so a resend after
/// a crash between "sent" and "marked" is recognisable downstream.
#[derive(Clone)]
struct DeliveryHeader(String);

impl Header for DeliveryHeader {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-Earshot-Delivery")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(DeliveryHeader(s.to_string()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

impl EmailSender {
    pub fn new(cfg: &EmailNotifier) -> anyhow::Result<EmailSender> {
        let credentials = match (&cfg.username, &cfg.password) {
            (Some(u), Some(p)) => Some(Credentials::new(u.clone(), p.clone())),
            _ => None,
        };
        let pool = PoolConfig::new().max_size(8);
        let smtp = |b: lettre::transport::smtp::AsyncSmtpTransportBuilder, port| {
            let b = b
                .port(port)
                .timeout(Some(SMTP_TIMEOUT))
                .pool_config(pool.clone());
            match &credentials {
                Some(c) => b.credentials(c.clone()).build(),
                None => b.build(),
            }
        };
        let transport = match &cfg.transport {
            SmtpTransport::Smtp {
                host,
                port,
                tls: false,
            } => Transport::Smtp(smtp(
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
                *port,
            )),
            SmtpTransport::Smtp {
                host,
                port,
                tls: true,
            } => Transport::Smtp(smtp(
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)?,
                *port,
            )),
            SmtpTransport::Smtps { host, port } => Transport::Smtp(smtp(
                AsyncSmtpTransport::<Tokio1Executor>::relay(host)?,
                *port,
            )),
            SmtpTransport::Sendmail => {
                Transport::Sendmail(AsyncSendmailTransport::<Tokio1Executor>::new())
            }
        };
        let from: Mailbox = cfg.from.parse()?;
        let domain = from.email.domain().to_string();
        Ok(EmailSender {
            transport,
            to: cfg.to.iter().map(|t| t.parse()).collect::<Result<_, _>>()?,
            from,
            domain,
        })
    }

    /// The Message-ID for a message carrying these deliveries: stable, so a
    /// resend is the same message to the receiving side.
    pub fn message_id(&self, deliveries: &[i64]) -> String {
        format!("<earshot.{}@{}>", message_key(deliveries), self.domain)
    }

    /// Sends one rendered email carrying these deliveries.
    pub async fn send(&self, email: &Email, deliveries: &[i64]) -> Result<(), SendError> {
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(email.subject.clone())
            .message_id(Some(self.message_id(deliveries)))
            .header(DeliveryHeader(delivery_list(deliveries)));
        for to in &self.to {
            builder = builder.to(to.clone());
        }
        let message = builder
            .multipart(MultiPart::alternative_plain_html(
                email.text.clone(),
                email.html.clone(),
            ))
            .map_err(|e| SendError {
                message: format!("building the message: {e}"),
                permanent: true,
                retry_after: None,
            })?;
        match &self.transport {
            Transport::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| SendError {
                permanent: e.is_permanent(),
                message: format!("smtp: {}", crate::http::error_chain(&e)),
                retry_after: None,
            }),
            Transport::Sendmail(t) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| SendError::transient(format!("sendmail: {e}"))),
        }
    }
}

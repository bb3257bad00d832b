//! Email through lettre: SMTP (STARTTLS, implicit TLS, or plain to a loopback
//! relay) with a connection pool, or the local sendmail.

use std::time::Duration;

use lettre::address::Envelope;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSendmailTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::dispatcher::{delivery_list, message_key};
use super::render::Email;
use super::SendError;
use crate::config::{EmailNotifier, SmtpTransport};

const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

enum Transport {
    /// `smtp://`: our own small pool of connections with TCP_NODELAY set.
    /// lettre 0.11's pooled transport leaves Nagle on, and its separate write of
    /// the final `.` then waits ~40 ms for the server's delayed ACK on every
    /// message (lettre PR #1159), which alone would break the 1 s alert target.
    Pooled(Pool),
    /// `smtps://`: lettre's pooled transport (implicit TLS is set up inside it).
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Sendmail(AsyncSendmailTransport<Tokio1Executor>),
}

/// Idle SMTP connections to one server, and a bound on how many are open.
struct Pool {
    host: String,
    port: u16,
    starttls: bool,
    credentials: Option<Credentials>,
    hello: ClientId,
    idle: std::sync::Mutex<Vec<AsyncSmtpConnection>>,
    open: tokio::sync::Semaphore,
}

const POOL_SIZE: usize = 8;

impl Pool {
    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let io = |e: std::io::Error| {
            SendError::transient(format!(
                "smtp: connecting to {}:{}: {e}",
                self.host, self.port
            ))
        };
        let connect = tokio::net::TcpStream::connect((self.host.as_str(), self.port));
        let stream = tokio::time::timeout(SMTP_TIMEOUT, connect)
            .await
            .map_err(|_| io(std::io::ErrorKind::TimedOut.into()))?
            .map_err(io)?;
        stream.set_nodelay(true).map_err(io)?;
        let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello)
            .await
            .map_err(smtp_error)?;
        if self.starttls {
            let tls = TlsParameters::new(self.host.clone()).map_err(smtp_error)?;
            conn.starttls(tls, &self.hello).await.map_err(smtp_error)?;
        }
        if let Some(c) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], c)
                .await
                .map_err(smtp_error)?;
        }
        Ok(conn)
    }

    async fn send(&self, envelope: &Envelope, bytes: &[u8]) -> Result<(), SendError> {
        let _slot = self.open.acquire().await.expect("never closed");
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut conn = match idle {
            Some(c) if !c.has_broken() => c,
            _ => self.connect().await?,
        };
        match conn.send(envelope, bytes).await {
            Ok(_) => {
                self.idle
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(conn);
                Ok(())
            }
            Err(e) => {
                conn.abort().await;
                Err(smtp_error(e))
            }
        }
    }
}

pub struct EmailSender {
    transport: Transport,
    from: Mailbox,
    to: Vec<Mailbox>,
    /// The domain of `from`, for Message-IDs.
    domain: String,
}

fn smtp_error(e: lettre::transport::smtp::Error) -> SendError {
    SendError {
        permanent: e.is_permanent(),
        message: format!("smtp: {}", crate::http::error_chain(&e)),
        retry_after: None,
    }
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
            SmtpTransport::Smtp { host, port, tls } => Transport::Pooled(Pool {
                host: host.clone(),
                port: *port,
                starttls: *tls,
                credentials: credentials.clone(),
                hello: ClientId::default(),
                idle: std::sync::Mutex::new(Vec::new()),
                open: tokio::sync::Semaphore::new(POOL_SIZE),
            }),
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
            Transport::Pooled(pool) => pool.send(message.envelope(), &message.formatted()).await,
            Transport::Smtp(t) => t.send(message).await.map(|_| ()).map_err(smtp_error),
            Transport::Sendmail(t) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| SendError::transient(format!("sendmail: {e}"))),
        }
    }
}

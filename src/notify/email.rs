//! Email over SMTP (STARTTLS, implicit TLS, or plain to a loopback relay)
//! through a small pool of our own connections, or through the local
//! sendmail.
//!
//! Every step with the server is bounded by `[delivery] send_timeout`, every
//! reply is read with a cap ([`MAX_ANSWER`]), connections keep TCP keepalive
//! on, and a pooled connection the server closed while it was idle is
//! replaced before use: a mail server that stalls, floods or hangs up costs
//! one failed attempt, never a stuck dispatcher. This file never renders.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSendmailTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::render::Email;
use super::wire::{delivery_list, message_key, SendError, MAX_ANSWER};
use crate::config::{EmailNotifier, SmtpTransport};

/// Connections open at once to one mail server.
const POOL_SIZE: usize = 8;
/// An idle pooled connection older than this is checked with NOOP before it
/// carries a message (servers close idle connections after a while).
const CHECK_IDLE_AFTER: Duration = Duration::from_secs(2);
/// The longest a NOOP check of an idle connection may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

enum Transport {
    Smtp(Pool),
    Sendmail(AsyncSendmailTransport<Tokio1Executor>),
}

/// How a connection to the mail server is secured.
enum Security {
    /// Plain text: only to a loopback relay (config refuses it elsewhere).
    Plain,
    /// `smtp://`: STARTTLS required after the greeting.
    StartTls,
    /// `smtps://`: TLS from the first byte.
    Implicit(tokio_rustls::TlsConnector),
}

/// Idle SMTP connections to one server, and a bound on how many are open.
///
/// Our own pool, not lettre's: lettre 0.11 leaves Nagle on (its separate
/// write of the final `.` then waits ~40 ms for the server's delayed ACK on
/// every message, lettre PR #1159), has no timeout on a reply, and reads a
/// reply line whole before checking its length.
struct Pool {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<Credentials>,
    hello: ClientId,
    timeout: Duration,
    idle: std::sync::Mutex<Vec<Idle>>,
    open: tokio::sync::Semaphore,
}

struct Idle {
    conn: AsyncSmtpConnection,
    since: Instant,
}

impl Pool {
    /// One step with the server, bounded by the send timeout; `what` names
    /// the step in the error.
    async fn step<T>(
        &self,
        what: &str,
        f: impl std::future::Future<Output = Result<T, lettre::transport::smtp::Error>>,
    ) -> Result<T, SendError> {
        match tokio::time::timeout(self.timeout, f).await {
            Ok(r) => r.map_err(smtp_error),
            Err(_) => Err(self.silent(what)),
        }
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let io = |e: std::io::Error| {
            SendError::transient(format!(
                "smtp: connecting to {}:{}: {e}",
                self.host, self.port
            ))
        };
        let connect = tokio::net::TcpStream::connect((self.host.as_str(), self.port));
        let tcp = tokio::time::timeout(self.timeout, connect)
            .await
            .map_err(|_| io(std::io::ErrorKind::TimedOut.into()))?
            .map_err(io)?;
        tcp.set_nodelay(true).map_err(io)?;
        // A half-open connection (the server's machine gone) is noticed by
        // the kernel instead of waiting for ever.
        let keepalive = socket2::TcpKeepalive::new()
            .with_time(Duration::from_secs(60))
            .with_interval(Duration::from_secs(10));
        socket2::SockRef::from(&tcp)
            .set_tcp_keepalive(&keepalive)
            .map_err(io)?;
        let peer = tcp.peer_addr().map_err(io)?;
        let stream: Box<dyn AsyncTokioStream> = match &self.security {
            Security::Implicit(tls) => {
                let name = rustls::pki_types::ServerName::try_from(self.host.clone())
                    .map_err(|e| SendError::transient(format!("smtp: {}: {e}", self.host)))?;
                let tls = tokio::time::timeout(self.timeout, tls.connect(name, tcp))
                    .await
                    .map_err(|_| io(std::io::ErrorKind::TimedOut.into()))?
                    .map_err(io)?;
                Box::new(Capped::new(tls, peer))
            }
            Security::Plain | Security::StartTls => Box::new(Capped::new(tcp, peer)),
        };
        let mut conn = self
            .step(
                "the greeting and EHLO",
                AsyncSmtpConnection::connect_with_transport(stream, &self.hello),
            )
            .await?;
        if let Security::StartTls = self.security {
            let tls = TlsParameters::new(self.host.clone()).map_err(smtp_error)?;
            self.step("STARTTLS", conn.starttls(tls, &self.hello))
                .await?;
        }
        if let Some(c) = &self.credentials {
            self.step("AUTH", conn.auth(&[Mechanism::Plain, Mechanism::Login], c))
                .await?;
        }
        Ok(conn)
    }

    /// An idle connection that still answers, if there is one. One that sat
    /// idle for a while is asked NOOP first; one that does not answer is
    /// dropped, so a connection the server closed costs no failed attempt.
    async fn take_idle(&self) -> Option<AsyncSmtpConnection> {
        loop {
            let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop()?;
            let mut conn = idle.conn;
            if conn.has_broken() {
                continue;
            }
            if idle.since.elapsed() < CHECK_IDLE_AFTER {
                return Some(conn);
            }
            let check = CHECK_TIMEOUT.min(self.timeout);
            if let Ok(true) = tokio::time::timeout(check, conn.test_connected()).await {
                return Some(conn);
            }
            tracing::debug!(host = %self.host, "pooled smtp connection was closed; replacing it");
        }
    }

    async fn send(&self, envelope: &Envelope, bytes: &[u8]) -> Result<(), SendError> {
        let _slot = self
            .open
            .acquire()
            .await
            .map_err(|_| SendError::transient("smtp: the connection pool is closed"))?;
        if let Some(mut conn) = self.take_idle().await {
            match tokio::time::timeout(self.timeout, conn.send(envelope, bytes)).await {
                Ok(Ok(_)) => {
                    self.keep(conn);
                    return Ok(());
                }
                // The server answered with a verdict: that is the attempt.
                Ok(Err(e)) if e.is_permanent() || e.is_transient() => return Err(smtp_error(e)),
                Err(_) => return Err(self.silent("the message (MAIL, RCPT, DATA)")),
                // Closed under us (EOF, reset) between the check and the
                // message: not the receiver's failure, so a fresh connection
                // carries it now, with no failed attempt and no backoff.
                Ok(Err(e)) => {
                    tracing::debug!(host = %self.host, error = %e, "pooled smtp connection broke; using a fresh one")
                }
            }
        }
        let mut conn = self.connect().await?;
        self.step("the message (MAIL, RCPT, DATA)", conn.send(envelope, bytes))
            .await?;
        self.keep(conn);
        Ok(())
    }

    /// Back into the pool, idle from now.
    fn keep(&self, conn: AsyncSmtpConnection) {
        self.idle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Idle {
                conn,
                since: Instant::now(),
            });
    }

    fn silent(&self, what: &str) -> SendError {
        SendError::transient(format!(
            "smtp: {}:{}: no answer to {what} within {}s (send_timeout)",
            self.host,
            self.port,
            self.timeout.as_secs_f64()
        ))
    }
}

pub struct EmailSender {
    transport: Transport,
    from: Mailbox,
    to: Vec<Mailbox>,
    /// The domain of `from`, for Message-IDs.
    domain: String,
    timeout: Duration,
}

fn smtp_error(e: lettre::transport::smtp::Error) -> SendError {
    SendError {
        permanent: e.is_permanent(),
        message: format!("smtp: {}", crate::http::error_chain(&e)),
        retry_after: None,
    }
}

/// A connection's stream with a cap on each reply: at most [`MAX_ANSWER`]
/// bytes may be read between two writes (one command's reply), so a server
/// sending an endless greeting or reply line fails the step instead of
/// filling memory.
struct Capped<S> {
    inner: S,
    peer: std::net::SocketAddr,
    read_since_write: usize,
}

impl<S> Capped<S> {
    fn new(inner: S, peer: std::net::SocketAddr) -> Capped<S> {
        Capped {
            inner,
            peer,
            read_since_write: 0,
        }
    }
}

impl<S> std::fmt::Debug for Capped<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "smtp stream to {}", self.peer)
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Capped<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if self.read_since_write >= MAX_ANSWER {
            return Poll::Ready(Err(std::io::Error::other(format!(
                "the server's reply is over {} KiB",
                MAX_ANSWER / 1024
            ))));
        }
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        let got = buf.filled().len() - before;
        self.read_since_write += got;
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Capped<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = r {
            if n > 0 {
                self.read_since_write = 0;
            }
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl<S: AsyncRead + AsyncWrite + Send + Sync + Unpin> AsyncTokioStream for Capped<S> {
    fn peer_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        Ok(self.peer)
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
    /// Every step with the mail server is bounded by `timeout`.
    pub fn new(cfg: &EmailNotifier, timeout: Duration) -> anyhow::Result<EmailSender> {
        let credentials = match (&cfg.username, &cfg.password) {
            (Some(u), Some(p)) => Some(Credentials::new(u.clone(), p.clone())),
            _ => None,
        };
        let pool = |host: &str, port: u16, security: Security| Pool {
            host: host.to_string(),
            port,
            security,
            credentials: credentials.clone(),
            hello: ClientId::default(),
            timeout,
            idle: std::sync::Mutex::new(Vec::new()),
            open: tokio::sync::Semaphore::new(POOL_SIZE),
        };
        let transport = match &cfg.transport {
            SmtpTransport::Smtp { host, port, tls } => Transport::Smtp(pool(
                host,
                *port,
                if *tls {
                    Security::StartTls
                } else {
                    Security::Plain
                },
            )),
            SmtpTransport::Smtps { host, port } => {
                Transport::Smtp(pool(host, *port, Security::Implicit(tls_connector()?)))
            }
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
            timeout,
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
            Transport::Smtp(pool) => pool.send(message.envelope(), &message.formatted()).await,
            Transport::Sendmail(t) => {
                match tokio::time::timeout(self.timeout, t.send(message)).await {
                    Ok(r) => r
                        .map(|_| ())
                        .map_err(|e| SendError::transient(format!("sendmail: {e}"))),
                    Err(_) => Err(SendError::transient(format!(
                        "sendmail: no answer within {}s (send_timeout)",
                        self.timeout.as_secs_f64()
                    ))),
                }
            }
        }
    }
}

/// TLS for `smtps://`: the same web PKI roots and ring provider the rest of
/// earshot uses.
fn tls_connector() -> anyhow::Result<tokio_rustls::TlsConnector> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

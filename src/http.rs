//! The one HTTP client, and the manners every source uses it with.
//!
//! Timeouts, a size cap enforced while the body streams in, a redirect limit,
//! compression, the configured User-Agent, conditional GET (ETag and
//! Last-Modified) and politeness: at most N fetches at once overall and a few per
//! host. Sources never build their own client. Everything read from the network is
//! treated as hostile and bounded.

use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE};
use reqwest::header::{IF_NONE_MATCH, LAST_MODIFIED, RETRY_AFTER};
use reqwest::StatusCode;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

use crate::config;

/// Validators from the last successful fetch, sent back as a conditional GET.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// What a fetch returned.
#[derive(Debug)]
pub enum Fetched {
    /// 304: nothing changed since the validators were issued.
    NotModified,
    /// 2xx with its body (at most `max_body` bytes).
    Body {
        body: Vec<u8>,
        content_type: Option<String>,
        validators: Validators,
        /// The URL after redirects: relative links resolve against it.
        final_url: Url,
    },
}

/// A response of any status with its body (at most `max_body` bytes).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    /// `Retry-After` (or a 429's `X-RateLimit-Reset`), when sent.
    pub retry_after: Option<Duration>,
}

impl Answer {
    /// The answer as the error a non-2xx fetch is.
    pub fn status_error(&self) -> FetchError {
        FetchError::Status {
            status: self.status,
            retry_after: self.retry_after,
            message: server_message(self.status, None, &self.body),
        }
    }
}

/// Why a fetch failed. `is_retryable` tells the scheduler whether to back off
/// and try again or treat it as lasting.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error(
        "HTTP {status}{}{}",
        message.as_deref().map(|m| format!(": {m}")).unwrap_or_default(),
        retry_after.map(|d| format!(" (retry after {}s)", d.as_secs())).unwrap_or_default()
    )]
    Status {
        status: u16,
        retry_after: Option<Duration>,
        /// The status's reason and the first line of the server's own
        /// message (`Forbidden - this instance requires auth`), bounded.
        message: Option<String>,
    },
    #[error("body larger than the {limit}-byte limit (max_body)")]
    TooLarge { limit: u64 },
    #[error("too many redirects (more than {0})")]
    Redirects(usize),
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("{0}")]
    Other(String),
}

impl FetchError {
    pub fn is_retryable(&self) -> bool {
        match self {
            FetchError::Timeout(_) | FetchError::Connect(_) | FetchError::Other(_) => true,
            FetchError::Status { status, .. } => *status == 429 || *status == 408 || *status >= 500,
            FetchError::TooLarge { .. } | FetchError::Redirects(_) => false,
        }
    }

    /// The server's own word on when to come back (429/503 `Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// A place in the politeness limits (one global and one per-host permit),
/// released when dropped.
pub struct Slot {
    _host: OwnedSemaphorePermit,
    _global: OwnedSemaphorePermit,
}

/// The shared client with its politeness limits. Cheap to clone.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    global: Arc<Semaphore>,
    hosts: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
    per_host: usize,
    max_body: u64,
    timeout: Duration,
    max_redirects: usize,
    /// Body buffers handed back after parsing ([`Http::recycle`]).
    spare: Arc<Mutex<Vec<Vec<u8>>>>,
}

/// Body buffers kept for reuse: about as many as bodies in flight.
const SPARE_BODIES: usize = 16;
/// A buffer larger than this goes back to the allocator, not the spares.
const SPARE_MAX: usize = 1024 * 1024;

impl Http {
    pub fn new(cfg: &config::Http) -> anyhow::Result<Http> {
        let client = reqwest::Client::builder()
            .user_agent(cfg.user_agent.clone())
            .timeout(cfg.timeout)
            .connect_timeout(cfg.connect_timeout)
            .redirect(reqwest::redirect::Policy::limited(cfg.max_redirects))
            .pool_max_idle_per_host(1)
            .pool_idle_timeout(Duration::from_secs(10))
            .build()?;
        Ok(Http {
            client,
            global: Arc::new(Semaphore::new(cfg.max_concurrent)),
            hosts: Arc::new(Mutex::new(HashMap::new())),
            per_host: cfg.per_host,
            max_body: cfg.max_body,
            timeout: cfg.timeout,
            max_redirects: cfg.max_redirects,
            spare: Arc::new(Mutex::new(Vec::new())),
        })
    }

    /// Hands a body's buffer back once it has been read, for the next
    /// fetch to fill: a fresh buffer of a hundred kilobytes is a page
    /// fault every 4 KiB as it fills (10,000 of a cold poll's 41,000 on
    /// the poll benchmark), a reused one none.
    pub fn recycle(&self, mut body: Vec<u8>) {
        if body.capacity() > SPARE_MAX {
            return;
        }
        body.clear();
        let mut spare = self.spare.lock().unwrap_or_else(|p| p.into_inner());
        if spare.len() < SPARE_BODIES {
            spare.push(body);
        }
    }

    /// Waits for a fetch slot: one of the host's, then one of the global ones.
    async fn permits(&self, url: &Url) -> Slot {
        let host_sem = {
            let key = url.host_str().unwrap_or("").to_ascii_lowercase();
            let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
            hosts
                .entry(key)
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_host)))
                .clone()
        };
        // Take the host slot first so a slow host does not hold global slots idle.
        let host = host_sem
            .acquire_owned()
            .await
            .expect("host semaphores are never closed");
        let global = self
            .global
            .clone()
            .acquire_owned()
            .await
            .expect("the global semaphore is never closed");
        Slot {
            _host: host,
            _global: global,
        }
    }

    /// GETs `url`, conditionally when `validators` are given, within the limits.
    /// The returned [`Slot`] is the fetch's place in those limits: hold it while
    /// the body is being processed, so bodies waiting for the CPU stay bounded.
    pub async fn get(
        &self,
        url: &Url,
        validators: &Validators,
    ) -> (Result<Fetched, FetchError>, Slot) {
        self.get_with(url, validators, &HeaderMap::new()).await
    }

    /// [`Http::get`] with extra request headers (e.g. `Accept`, authorisation).
    pub async fn get_with(
        &self,
        url: &Url,
        validators: &Validators,
        extra: &HeaderMap,
    ) -> (Result<Fetched, FetchError>, Slot) {
        let slot = self.permits(url).await;
        (self.fetch(url, validators, extra).await, slot)
    }

    /// POSTs a JSON `body` (or none) within the same limits as a GET
    /// (timeout, size cap, politeness slot), for API logins. Any status comes
    /// back with its body, so the caller can read an API's JSON error.
    pub async fn post_json(
        &self,
        url: &Url,
        extra: &HeaderMap,
        body: Option<Vec<u8>>,
    ) -> (Result<Answer, FetchError>, Slot) {
        let slot = self.permits(url).await;
        let mut req = self.client.post(url.clone()).headers(extra.clone());
        if let Some(body) = body {
            req = req.header(CONTENT_TYPE, "application/json").body(body);
        }
        (self.answer(req).await, slot)
    }

    /// GETs `url` like [`Http::get_with`], but answers any status with its
    /// body instead of an error: for APIs whose 4xx bodies say what to do.
    pub async fn get_answer(
        &self,
        url: &Url,
        extra: &HeaderMap,
    ) -> (Result<Answer, FetchError>, Slot) {
        let slot = self.permits(url).await;
        let req = self.client.get(url.clone()).headers(extra.clone());
        (self.answer(req).await, slot)
    }

    async fn answer(&self, req: reqwest::RequestBuilder) -> Result<Answer, FetchError> {
        let resp = req.send().await.map_err(|e| self.classify(e))?;
        let status = resp.status().as_u16();
        let retry_after = retry_after(resp.headers()).or_else(|| {
            (status == 429)
                .then(|| rate_limit_reset(resp.headers()))
                .flatten()
        });
        let body = self.read_body(resp).await?;
        Ok(Answer {
            status,
            body,
            retry_after,
        })
    }

    /// The body, at most `max_body` bytes.
    async fn read_body(&self, resp: reqwest::Response) -> Result<Vec<u8>, FetchError> {
        if resp.content_length().is_some_and(|len| len > self.max_body) {
            return Err(FetchError::TooLarge {
                limit: self.max_body,
            });
        }
        // The declared length is the server's word: reserve at most 1 MiB
        // up front, whatever max_body allows.
        let mut body = self
            .spare
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop()
            .unwrap_or_default();
        body.reserve(
            resp.content_length()
                .unwrap_or(16 * 1024)
                .min(self.max_body)
                .min(1024 * 1024) as usize,
        );
        // The response's headers are slices of the connection's read
        // buffer: dropped here, before the body comes in, they leave that
        // buffer to the client to fill again, where kept to the end they
        // made it take a new one (and return the old to the system) for
        // every body.
        let mut chunks = resp.bytes_stream();
        while let Some(chunk) = chunks
            .next()
            .await
            .transpose()
            .map_err(|e| self.classify(e))?
        {
            if body.len() as u64 + chunk.len() as u64 > self.max_body {
                return Err(FetchError::TooLarge {
                    limit: self.max_body,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// [`Http::get_with`] that also hands back the response headers of a
    /// successful fetch (an API's rate-limit budget).
    pub async fn get_with_headers(
        &self,
        url: &Url,
        extra: &HeaderMap,
    ) -> (Result<(Fetched, HeaderMap), FetchError>, Slot) {
        let slot = self.permits(url).await;
        let req = self.client.get(url.clone()).headers(extra.clone());
        (self.send(req, true).await, slot)
    }

    /// POSTs a form (`application/x-www-form-urlencoded`) with HTTP Basic
    /// credentials, within the limits: an OAuth token request. The body is
    /// capped like any other.
    pub async fn post_form(
        &self,
        url: &Url,
        basic: (&str, &str),
        form: &[(&str, &str)],
    ) -> Result<Vec<u8>, FetchError> {
        let _slot = self.permits(url).await;
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let req = self
            .client
            .post(url.clone())
            .basic_auth(basic.0, Some(basic.1))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body);
        match self.send(req, false).await? {
            (Fetched::Body { body, .. }, _) => Ok(body),
            (Fetched::NotModified, _) => Err(FetchError::Status {
                status: 304,
                retry_after: None,
                message: None,
            }),
        }
    }

    async fn fetch(
        &self,
        url: &Url,
        validators: &Validators,
        extra: &HeaderMap,
    ) -> Result<Fetched, FetchError> {
        let mut req = self.client.get(url.clone()).headers(extra.clone());
        if let Some(v) = validators.etag.as_deref().and_then(header_value) {
            req = req.header(IF_NONE_MATCH, v);
        }
        if let Some(v) = validators.last_modified.as_deref().and_then(header_value) {
            req = req.header(IF_MODIFIED_SINCE, v);
        }
        self.send(req, false).await.map(|(fetched, _)| fetched)
    }

    /// Sends `req` and reads its answer; with its headers when `headers`
    /// (an API's rate-limit budget), else with none (a copy per fetch).
    async fn send(
        &self,
        req: reqwest::RequestBuilder,
        headers: bool,
    ) -> Result<(Fetched, HeaderMap), FetchError> {
        let resp = req.send().await.map_err(|e| self.classify(e))?;
        let status = resp.status();
        let kept = |h: &HeaderMap| if headers { h.clone() } else { HeaderMap::new() };
        if status == StatusCode::NOT_MODIFIED {
            return Ok((Fetched::NotModified, kept(resp.headers())));
        }
        if !status.is_success() {
            let h = resp.headers();
            // Mastodon (and others) say when a 429's window ends in
            // X-RateLimit-Reset rather than Retry-After.
            let wait = retry_after(h).or_else(|| {
                (status == StatusCode::TOO_MANY_REQUESTS)
                    .then(|| rate_limit_reset(h))
                    .flatten()
            });
            let content_type = header_string(h, CONTENT_TYPE.as_str());
            let body = read_some(resp, ERROR_BODY).await;
            return Err(FetchError::Status {
                status: status.as_u16(),
                retry_after: wait,
                message: server_message(status.as_u16(), content_type.as_deref(), &body),
            });
        }
        let h = resp.headers();
        let content_type = header_string(h, CONTENT_TYPE.as_str());
        let validators = Validators {
            etag: header_string(h, ETAG.as_str()),
            last_modified: header_string(h, LAST_MODIFIED.as_str()),
        };
        let headers = kept(h);
        let final_url = resp.url().clone();
        let body = self.read_body(resp).await?;
        Ok((
            Fetched::Body {
                body,
                content_type,
                validators,
                final_url,
            },
            headers,
        ))
    }

    fn classify(&self, e: reqwest::Error) -> FetchError {
        if e.is_timeout() {
            FetchError::Timeout(self.timeout)
        } else if e.is_redirect() {
            FetchError::Redirects(self.max_redirects)
        } else if e.is_connect() {
            FetchError::Connect(error_chain(&e))
        } else {
            FetchError::Other(error_chain(&e))
        }
    }
}

/// Most of an error answer's body read for its message.
const ERROR_BODY: usize = 4 * 1024;
/// Longest server message kept, in characters.
const ERROR_MESSAGE: usize = 200;

/// At most `limit` bytes of a body; a body that fails midway is what came.
async fn read_some(mut resp: reqwest::Response, limit: usize) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < limit {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                body.extend_from_slice(&chunk[..chunk.len().min(limit - body.len())])
            }
            _ => break,
        }
    }
    body
}

/// What an error answer says, for the source's error: the status's reason
/// and the server's own message: a JSON `error_description`, `message` or
/// `error` string (also `error.message`), else the first non-empty line of
/// a text body (never HTML markup). Controls dropped, at most
/// [`ERROR_MESSAGE`] characters. `None` when the server says nothing more
/// than the status.
pub fn server_message(status: u16, content_type: Option<&str>, body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(&body[..body.len().min(ERROR_BODY)]);
    let trimmed = text.trim_start();
    let said = if trimmed.starts_with(['{', '[']) {
        json_message(trimmed)
    } else if content_type.is_some_and(|c| c.to_ascii_lowercase().contains("html"))
        || trimmed.starts_with('<')
    {
        None
    } else {
        trimmed
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(str::to_string)
    };
    let said: String = said
        .unwrap_or_default()
        .chars()
        .filter(|c| !crate::text::is_bidi_control(*c))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let said = match said.char_indices().nth(ERROR_MESSAGE) {
        Some((at, _)) => format!("{}…", &said[..at]),
        None => said,
    };
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason());
    match reason {
        _ if said.is_empty() => None,
        Some(r) if r.eq_ignore_ascii_case(&said) => None,
        Some(r) => Some(format!("{r} - {said}")),
        None => Some(said),
    }
}

fn json_message(text: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let string = |v: &serde_json::Value, key: &str| {
        v.get(key)
            .and_then(serde_json::Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string)
    };
    string(&v, "error_description")
        .or_else(|| string(&v, "message"))
        .or_else(|| string(&v, "error"))
        .or_else(|| v.get("error").and_then(|e| string(e, "message")))
}

pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(inner) = cur {
        let t = inner.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = inner.source();
    }
    s
}

fn header_value(s: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(s).ok()
}

fn header_string(h: &HeaderMap, name: &str) -> Option<String> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().chars().take(512).collect::<String>())
        .filter(|s| !s.is_empty())
}

/// `Retry-After` as seconds or an HTTP date, capped at a day.
pub fn retry_after(h: &HeaderMap) -> Option<Duration> {
    let v = h.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let d = if let Ok(secs) = v.parse::<u64>() {
        Duration::from_secs(secs)
    } else {
        let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
        let secs = (when.timestamp() - chrono::Utc::now().timestamp()).max(0) as u64;
        Duration::from_secs(secs)
    };
    Some(d.min(Duration::from_secs(86_400)))
}

/// `X-RateLimit-Reset` as a time (Mastodon: ISO 8601) or as seconds to wait,
/// capped at a day.
pub fn rate_limit_reset(h: &HeaderMap) -> Option<Duration> {
    let v = h.get("x-ratelimit-reset")?.to_str().ok()?.trim();
    let secs = if let Ok(secs) = v.parse::<f64>() {
        secs.max(0.0).ceil() as u64
    } else {
        let when = chrono::DateTime::parse_from_rfc3339(v).ok()?;
        let ms = (when.timestamp_millis() - chrono::Utc::now().timestamp_millis()).max(0);
        (ms as u64).div_ceil(1000)
    };
    Some(Duration::from_secs(secs).min(Duration::from_secs(86_400)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// issue #15 §4: a body's buffer handed back serves the next fetch (no
    /// fresh pages to fault in); a large one, or one past the spares kept,
    /// goes back to the allocator.
    #[tokio::test]
    async fn issue15_a_recycled_body_buffer_is_filled_again() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut c, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    while let Ok(n) = c.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        let body = "x".repeat(100_000);
                        let head =
                            format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
                        if c.write_all(head.as_bytes()).await.is_err()
                            || c.write_all(body.as_bytes()).await.is_err()
                        {
                            break;
                        }
                    }
                });
            }
        });
        let http = Http::new(&config::Http {
            user_agent: "earshot-test".into(),
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            max_body: 1 << 20,
            max_redirects: 0,
            max_concurrent: 2,
            per_host: 2,
        })
        .unwrap();
        let url = Url::parse(&format!("http://{addr}/feed")).unwrap();
        let fetch = || async {
            match http.get(&url, &Validators::default()).await.0 {
                Ok(Fetched::Body { body, .. }) => body,
                other => panic!("{other:?}"),
            }
        };
        let first = fetch().await;
        assert_eq!(first.len(), 100_000);
        let (at, capacity) = (first.as_ptr(), first.capacity());
        http.recycle(first);
        // Were the buffer freed, this would likely get its memory.
        let blocker: Vec<u8> = Vec::with_capacity(capacity);
        let second = fetch().await;
        drop(blocker);
        assert_eq!(second.len(), 100_000);
        assert_eq!(second.as_ptr(), at, "the recycled buffer was filled");
        http.recycle(Vec::with_capacity(SPARE_MAX + 1));
        for _ in 0..SPARE_BODIES + 3 {
            http.recycle(Vec::with_capacity(16));
        }
        assert_eq!(http.spare.lock().unwrap().len(), SPARE_BODIES);
        assert!(http
            .spare
            .lock()
            .unwrap()
            .iter()
            .all(|b| b.capacity() <= SPARE_MAX));
    }

    #[test]
    fn retry_after_forms() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("120"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(120)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
        h.insert(RETRY_AFTER, HeaderValue::from_static("99999999"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(86_400)));
    }

    #[test]
    fn rate_limit_reset_forms() {
        let mut h = HeaderMap::new();
        assert_eq!(rate_limit_reset(&h), None);
        h.insert("x-ratelimit-reset", HeaderValue::from_static("60"));
        assert_eq!(rate_limit_reset(&h), Some(Duration::from_secs(60)));
        h.insert(
            "x-ratelimit-reset",
            HeaderValue::from_static("2015-10-21T07:28:00.000Z"),
        );
        assert_eq!(rate_limit_reset(&h), Some(Duration::ZERO));
        let later = (chrono::Utc::now() + chrono::Duration::seconds(300)).to_rfc3339();
        h.insert("x-ratelimit-reset", HeaderValue::from_str(&later).unwrap());
        let d = rate_limit_reset(&h).unwrap().as_secs();
        assert!((295..=300).contains(&d), "{d}");
        h.insert("x-ratelimit-reset", HeaderValue::from_static("soon"));
        assert_eq!(rate_limit_reset(&h), None);
    }

    #[test]
    fn retryable() {
        let s = |status| FetchError::Status {
            status,
            retry_after: None,
            message: None,
        };
        assert!(s(503).is_retryable());
        assert!(s(429).is_retryable());
        assert!(!s(404).is_retryable());
        assert!(!FetchError::TooLarge { limit: 1 }.is_retryable());
    }

    #[test]
    fn issue15_server_messages_are_one_bounded_line() {
        let check = |status, ct: Option<&str>, body: &str, want: Option<&str>| {
            assert_eq!(
                server_message(status, ct, body.as_bytes()).as_deref(),
                want,
                "{body:?}"
            );
        };
        check(
            403,
            None,
            r#"{"error":"this instance requires auth"}"#,
            Some("Forbidden - this instance requires auth"),
        );
        check(
            401,
            None,
            r#"{"error":"invalid_client","error_description":"bad secret"}"#,
            Some("Unauthorized - bad secret"),
        );
        check(403, None, r#"{"message":"Forbidden","error":403}"#, None);
        check(
            400,
            None,
            r#"{"error":{"code":400,"message":"bad query"}}"#,
            Some("Bad Request - bad query"),
        );
        check(
            503,
            Some("text/plain"),
            "\n\n  down for\tmaintenance \u{1b}[31m\nsecond line",
            Some("Service Unavailable - down for maintenance [31m"),
        );
        check(404, Some("text/html"), "not found, as HTML", None);
        check(404, None, "<!DOCTYPE html><title>404</title>", None);
        check(404, None, "   ", None);
        check(599, None, "odd", Some("odd"));
        let long = "x".repeat(10_000);
        let got = server_message(500, None, long.as_bytes()).unwrap();
        assert_eq!(
            got.chars().count(),
            "Internal Server Error - ".len() + 200 + 1,
            "{got}"
        );
    }
}

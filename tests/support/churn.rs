//! A loopback HTTP server whose feeds never stand still, for load tests.
//!
//! `GET /feed/NAME` answers an RSS feed with that feed's newest few items;
//! every request adds one, so each poll finds a new mention. Any `POST`
//! (webhook deliveries) is answered 200 and counted. It keeps no request
//! log, so a long run stays small.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use super::server::{read_request, Request};

/// Items each feed answer carries (the newest; older ones scroll off).
const WINDOW: u64 = 5;

#[derive(Default)]
struct State {
    /// Requests seen per feed name.
    feeds: Mutex<HashMap<String, u64>>,
    feed_requests: AtomicU64,
    posts: AtomicU64,
}

/// A running churn server; it stops when the runtime that started it ends.
#[derive(Clone)]
pub struct Churn {
    pub addr: SocketAddr,
    state: Arc<State>,
}

impl Churn {
    pub async fn start() -> Churn {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind churn server");
        let addr = listener.local_addr().expect("local addr");
        let churn = Churn {
            addr,
            state: Arc::new(State::default()),
        };
        let c = churn.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let c = c.clone();
                tokio::spawn(async move {
                    let _ = c.serve(stream).await;
                });
            }
        });
        churn
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Feed answers given so far.
    pub fn feed_requests(&self) -> u64 {
        self.state.feed_requests.load(Ordering::Relaxed)
    }

    /// POSTs (webhook deliveries) received so far.
    pub fn posts(&self) -> u64 {
        self.state.posts.load(Ordering::Relaxed)
    }

    fn feed(&self, name: &str) -> String {
        let n = {
            let mut feeds = self.state.feeds.lock().unwrap();
            let n = feeds.entry(name.to_string()).or_insert(0);
            *n += 1;
            *n
        };
        self.state.feed_requests.fetch_add(1, Ordering::Relaxed);
        let mut s = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Churn</title><link>http://example.nl/</link><description>d</description>",
        );
        for i in (n.saturating_sub(WINDOW - 1)..=n).rev() {
            s.push_str(&format!(
                "<item><title>Acme Telecom storing {name} nummer {i}</title><link>http://example.nl/{name}/{i}</link><guid>{name}-{i}</guid><description>Bericht {i} van {name}: weer een storing bij Acme Telecom.</description></item>"
            ));
        }
        s.push_str("</channel></rss>");
        s
    }

    async fn serve(&self, mut stream: TcpStream) -> std::io::Result<()> {
        let mut buf = Vec::with_capacity(4096);
        while let Some(Request { method, path, .. }) = read_request(&mut stream, &mut buf).await? {
            let (status, content_type, body) = match (method.as_str(), path.strip_prefix("/feed/"))
            {
                ("POST", _) => {
                    self.state.posts.fetch_add(1, Ordering::Relaxed);
                    ("200 OK", "text/plain", "ok".to_string())
                }
                ("GET", Some(name)) => ("200 OK", "application/rss+xml", self.feed(name)),
                _ => ("404 Not Found", "text/plain", "not found".to_string()),
            };
            let out = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(out.as_bytes()).await?;
        }
        Ok(())
    }
}

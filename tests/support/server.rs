//! A small real HTTP/1.1 server on 127.0.0.1 for tests and benchmarks.
//!
//! It serves fixed responses by path, answers conditional GETs (ETag and
//! Last-Modified) with 304, keeps connections alive, can stall forever to
//! exercise timeouts, and logs every request so tests can assert the headers
//! earshot sent. Shared by `tests/it` and `benches/poll.rs` via `#[path]`.

#![allow(dead_code)] // each includer uses a different part

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One canned response.
#[derive(Clone, Debug)]
pub struct Route {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Arc<Vec<u8>>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// Never answer: read the request and hold the connection open.
    pub stall: bool,
}

impl Route {
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Route {
        Route {
            status: 200,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: Arc::new(body.into()),
            etag: None,
            last_modified: None,
            stall: false,
        }
    }

    pub fn status(status: u16, body: &str) -> Route {
        Route {
            status,
            ..Route::ok("text/plain", body.as_bytes().to_vec())
        }
    }

    pub fn stall() -> Route {
        Route {
            stall: true,
            ..Route::status(200, "")
        }
    }

    pub fn with_etag(mut self, etag: &str) -> Route {
        self.etag = Some(etag.into());
        self
    }

    pub fn with_last_modified(mut self, lm: &str) -> Route {
        self.last_modified = Some(lm.into());
        self
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Route {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// A request as the server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub body: Vec<u8>,
    /// When the response was written.
    pub at: std::time::SystemTime,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
    pub status: u16,
}

#[derive(Default)]
struct State {
    routes: HashMap<String, Route>,
    /// Answers given once each, in order, before `routes` (same matching).
    once: HashMap<String, std::collections::VecDeque<Route>>,
    log: Vec<Seen>,
}

/// A running server; it stops when the runtime that started it ends.
#[derive(Clone)]
pub struct Server {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    log_requests: bool,
}

impl Server {
    /// Starts a server on `ip` (e.g. 127.0.0.1), port chosen by the OS.
    pub async fn start_on(ip: &str, log_requests: bool) -> Server {
        let listener = TcpListener::bind((ip, 0)).await.expect("bind test server");
        let addr = listener.local_addr().expect("local addr");
        let server = Server {
            addr,
            state: Arc::new(Mutex::new(State::default())),
            log_requests,
        };
        let s = server.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                // As nginx's `tcp_nodelay on` (its default on keep-alive
                // connections): without it, the body's last partial
                // segment waits for the client's delayed ACK (40 ms) on
                // every reused connection.
                let _ = stream.set_nodelay(true);
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = s.serve(stream).await;
                });
            }
        });
        server
    }

    pub async fn start() -> Server {
        Server::start_on("127.0.0.1", true).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn route(&self, path: &str, route: Route) {
        self.state.lock().unwrap().routes.insert(path.into(), route);
    }

    /// Answers the next request to `path` with `route`, once; later requests
    /// fall back to the other routes. Queued one-shot routes answer in order.
    pub fn route_once(&self, path: &str, route: Route) {
        self.state
            .lock()
            .unwrap()
            .once
            .entry(path.into())
            .or_default()
            .push_back(route);
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.state.lock().unwrap().log.clone()
    }

    pub fn requests_to(&self, path: &str) -> Vec<Seen> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    /// The requests to `path` whatever their query string.
    pub fn requests_to_path(&self, path: &str) -> Vec<Seen> {
        self.requests()
            .into_iter()
            .filter(|r| r.path.split('?').next() == Some(path))
            .collect()
    }

    async fn serve(&self, mut stream: TcpStream) -> std::io::Result<()> {
        let mut buf = Vec::with_capacity(4096);
        while let Some(Request {
            method,
            path,
            headers,
            body,
        }) = read_request(&mut stream, &mut buf).await?
        {
            // An exact path-and-query route wins; else the path alone.
            let route = {
                let mut state = self.state.lock().unwrap();
                let bare = path.split('?').next().unwrap_or(&path).to_string();
                let once = [path.as_str(), bare.as_str()]
                    .into_iter()
                    .find_map(|p| state.once.get_mut(p).and_then(|q| q.pop_front()));
                once.or_else(|| {
                    state
                        .routes
                        .get(&path)
                        .or_else(|| state.routes.get(&bare))
                        .cloned()
                })
            };
            let route = route.unwrap_or_else(|| Route::status(404, "not found"));
            if route.stall {
                self.log(&method, &path, headers, body, 0);
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return Ok(());
            }
            let not_modified = route
                .etag
                .as_ref()
                .is_some_and(|e| headers.get("if-none-match") == Some(e))
                || (route.etag.is_none()
                    && route
                        .last_modified
                        .as_ref()
                        .is_some_and(|lm| headers.get("if-modified-since") == Some(lm)));
            let status = if not_modified { 304 } else { route.status };
            let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status));
            if let Some(e) = &route.etag {
                out.push_str(&format!("ETag: {e}\r\n"));
            }
            if let Some(lm) = &route.last_modified {
                out.push_str(&format!("Last-Modified: {lm}\r\n"));
            }
            let reply: &[u8] = if not_modified { b"" } else { &route.body };
            if !not_modified {
                for (k, v) in &route.headers {
                    out.push_str(&format!("{k}: {v}\r\n"));
                }
            }
            out.push_str(&format!("Content-Length: {}\r\n\r\n", reply.len()));
            self.log(&method, &path, headers, body, status);
            stream.write_all(out.as_bytes()).await?;
            stream.write_all(reply).await?;
        }
        Ok(())
    }

    fn log(
        &self,
        method: &str,
        path: &str,
        headers: HashMap<String, String>,
        body: Vec<u8>,
        status: u16,
    ) {
        if self.log_requests {
            self.state.lock().unwrap().log.push(Seen {
                method: method.into(),
                path: path.into(),
                body,
                at: std::time::SystemTime::now(),
                headers,
                status,
            });
        }
    }
}

/// One HTTP/1.1 request as read off a connection.
pub struct Request {
    pub method: String,
    pub path: String,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
    /// By Content-Length (webhook POSTs).
    pub body: Vec<u8>,
}

/// Reads the next request on a kept-alive connection; `buf` carries what was
/// read past the previous one. `None` when the client closed.
pub async fn read_request(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<Request>> {
    let head_end = loop {
        if let Some(p) = find(buf, b"\r\n\r\n") {
            break p;
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    buf.drain(..head_end + 4);
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or("");
    let method = request_line.split(' ').next().unwrap_or("GET").to_string();
    let path = request_line.split(' ').nth(1).unwrap_or("/").to_string();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < len {
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf.drain(..len).collect();
    Ok(Some(Request {
        method,
        path,
        headers,
        body,
    }))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        304 => "Not Modified",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

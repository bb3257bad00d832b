//! The web inbox and its JSON API, served by the daemon from the same
//! binary: a team triages mentions from a browser, scripts use bearer tokens.
//!
//! Built from the tokio ecosystem's pieces, never by hand: hyper serves each
//! connection (a header read timer, a lifetime cap, a bound on connections),
//! axum routes, askama renders auto-escaped templates, argon2 checks
//! passwords. Authentication, CSRF and the security headers are middleware
//! in this module and `auth`, applied to every route in one place; handlers
//! are thin and call the same store functions as the command line. Handlers
//! never hold a database connection across an await: every store call runs
//! on a blocking thread ([`AppState::read`], [`AppState::write`]). Nothing
//! here is fetched from the internet at run time: assets are compiled in.

mod actions;
mod api;
mod assets;
mod auth;
pub mod chart;
pub mod credentials;
mod error;
pub mod i18n;
pub mod pages;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::store::{Store, StoreError};

pub use actions::{apply_action, Action};
pub use api::MentionQuery;
pub use auth::{check_csrf, valid_name, ApiCaller, CurrentUser};
pub use error::{ApiError, WebError};

/// The largest request body accepted (forms, JSON actions).
pub const BODY_LIMIT: usize = 64 * 1024;
/// The longest a request may take from its head being read to its answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest a client may take to send a request's head.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// A connection is asked to close (after its request in flight) this long
/// after it was accepted, so no client keeps one for ever.
const CONNECTION_LIFETIME: Duration = Duration::from_secs(300);
/// How long a connection asked to close may take to finish its request.
const CLOSE_GRACE: Duration = Duration::from_secs(5);
/// Connections served at once; more wait in the kernel's accept queue.
const MAX_CONNECTIONS: usize = 256;
/// Password checks at once (each is ~19 MiB and some CPU): a flood of
/// logins queues rather than exhausting the machine.
const HASHING_AT_ONCE: usize = 2;

/// The `Content-Security-Policy` of every answer: nothing inline, nothing
/// from elsewhere, never framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// What every handler reaches the config, the database and the login
/// limits through. Cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: RwLock<Arc<Config>>,
    database: crate::config::Database,
    /// The one connection web requests write through (on blocking threads).
    writer: Mutex<Store>,
    limiter: Mutex<auth::Limiter>,
    hashing: Semaphore,
}

impl AppState {
    /// Opens the database for writing (creating and migrating it if need be).
    pub fn new(config: Arc<Config>) -> Result<AppState, StoreError> {
        let database = config.storage.database.clone();
        let writer = Store::open(&database)?;
        Ok(AppState {
            inner: Arc::new(Inner {
                config: RwLock::new(config),
                database,
                writer: Mutex::new(writer),
                limiter: Mutex::new(auth::Limiter::default()),
                hashing: Semaphore::new(HASHING_AT_ONCE),
            }),
        })
    }

    /// The config as it is now (a reload swaps it).
    pub fn config(&self) -> Arc<Config> {
        self.inner
            .config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// `[daemon] timezone`: the zone times are shown in.
    pub fn tz(&self) -> chrono_tz::Tz {
        self.config().daemon.timezone
    }

    /// Takes a reloaded config (the database stays the one opened at start).
    pub fn set_config(&self, config: Arc<Config>) {
        *self.inner.config.write().unwrap_or_else(|p| p.into_inner()) = config;
    }

    /// Runs `f` on a read-only connection of its own, on a blocking thread.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, WebError> {
        let path = self.inner.database.clone();
        tokio::task::spawn_blocking(move || f(&Store::open_read_only(&path)?))
            .await
            .map_err(WebError::internal)?
            .map_err(WebError::from)
    }

    /// Runs `f` on the web's writing connection, on a blocking thread; the
    /// store begins each write transaction `IMMEDIATE`, beside the daemon's.
    pub async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, WebError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut store = inner.writer.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut store)
        })
        .await
        .map_err(WebError::internal)?
        .map_err(WebError::from)
    }
}

/// Every route: the API, login and logout, the pages, `/healthz` and the
/// compiled-in assets, behind the authentication layer (all but
/// `/healthz`), the body limit, the request timeout and the security
/// headers.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(api::routes())
        .merge(auth::routes())
        .merge(pages::routes())
        .route("/assets/{*path}", get(assets::serve))
        // Under the authentication layer too, so a state-changing request
        // to any path is refused without its CSRF token.
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .route("/healthz", get(healthz))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(guard))
        .with_state(state)
}

/// No such page (or API endpoint, answered in JSON).
async fn not_found(uri: axum::http::Uri) -> Response {
    let e = WebError::NotFound(format!("nothing at {}", uri.path()));
    if uri.path().starts_with("/api/") {
        e.into_json_response()
    } else {
        e.into_text_response()
    }
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// The security headers on every answer, and the request timeout.
async fn guard(req: Request, next: Next) -> Response {
    let mut response = match tokio::time::timeout(REQUEST_TIMEOUT, next.run(req)).await {
        Ok(r) => r,
        Err(_) => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "the request took too long\n",
        )
            .into_response(),
    };
    let h = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Binds `addr` now, so a taken port is an error at start.
pub fn bind(addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let l = std::net::TcpListener::bind(addr)?;
    l.set_nonblocking(true)?;
    Ok(l)
}

/// Serves the web inbox on `listener` until `cancel` fires; then asks each
/// connection to close after its request in flight and waits for them
/// (bounded by [`CLOSE_GRACE`]).
pub async fn serve(listener: std::net::TcpListener, state: AppState, cancel: CancellationToken) {
    let listener = match listener
        .set_nonblocking(true)
        .and_then(|()| tokio::net::TcpListener::from_std(listener))
    {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, "the web listener cannot be used");
            return;
        }
    };
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "serving the web inbox");
    }
    serve_router(listener, router(state), cancel).await;
}

/// The accept loop: one task per connection, at most [`MAX_CONNECTIONS`].
pub(crate) async fn serve_router(
    listener: tokio::net::TcpListener,
    app: Router,
    cancel: CancellationToken,
) {
    let connections = TaskTracker::new();
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let permit = tokio::select! {
            _ = cancel.cancelled() => break,
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            _ = cancel.cancelled() => break,
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors, say: wait rather than spin.
                    tracing::warn!(error = %e, "web listener accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let tower = hyper_util::service::TowerToHyperService::new(app.clone());
        let service = hyper::service::service_fn(move |mut req| {
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
            hyper::service::Service::call(&tower, req)
        });
        let cancel = cancel.clone();
        connections.spawn(async move {
            let _permit = permit;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .max_buf_size(BODY_LIMIT);
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => return,
                _ = cancel.cancelled() => {}
                _ = tokio::time::sleep(CONNECTION_LIFETIME) => {}
            }
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(CLOSE_GRACE, conn).await;
        });
    }
    drop(listener);
    connections.close();
    connections.wait().await;
}

/// `[web] listen` is set but the database has no users: nobody could log in.
#[derive(Debug, thiserror::Error)]
#[error("no web users: add one with `earshot user add NAME` (the web inbox is on: [web] listen in {})", .path.display())]
pub struct NoWebUsers {
    pub path: PathBuf,
}

/// The web inbox while it runs: the address it was configured with, its
/// state (a reload swaps the config in it) and how to stop it.
pub struct Running {
    listen: SocketAddr,
    state: AppState,
    cancel: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Starts the web inbox on `[web] listen` (when set) as a task on
    /// `tasks`. Refuses ([`NoWebUsers`]) when the database has no users, and
    /// a port it cannot bind (the error names the key).
    pub async fn start(
        config: &Arc<Config>,
        tasks: &TaskTracker,
    ) -> anyhow::Result<Option<Running>> {
        let Some(listen) = config.web.listen else {
            return Ok(None);
        };
        let state = {
            let config = config.clone();
            tokio::task::spawn_blocking(move || AppState::new(config)).await??
        };
        if state.read(|s| s.user_count()).await.map_err(anyhow_web)? == 0 {
            return Err(NoWebUsers {
                path: config.path.clone(),
            }
            .into());
        }
        let listener = bind(listen)
            .map_err(|e| anyhow::anyhow!("[web] listen = \"{listen}\": cannot bind: {e}"))?;
        let cancel = CancellationToken::new();
        let task = tasks.spawn(serve(listener, state.clone(), cancel.clone()));
        Ok(Some(Running {
            listen,
            state,
            cancel,
            task,
        }))
    }

    /// The `[web] listen` it was started with.
    pub fn listen(&self) -> SocketAddr {
        self.listen
    }

    /// Serves the reloaded `config` from now on (same listener).
    pub fn set_config(&self, config: Arc<Config>) {
        self.state.set_config(config);
    }

    /// Stops accepting, lets requests in flight finish and waits for that,
    /// at most `grace`; `false` when it did not stop in time.
    pub async fn stop(self, grace: Duration) -> bool {
        self.cancel.cancel();
        tokio::time::timeout(grace, self.task).await.is_ok()
    }
}

/// A web error where glue code wants `anyhow` (the message, never a response).
fn anyhow_web(e: WebError) -> anyhow::Error {
    match e {
        WebError::Internal(e) => e,
        e => anyhow::anyhow!("{e}"),
    }
}

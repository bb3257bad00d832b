//! What a request can fail with, and the answer each failure gets.
//!
//! `/api/…` answers are JSON (`{"error": "…"}`); page answers are short
//! plain text. A failure of ours (the database, a panic in a blocking task)
//! is logged in full and answered with a bare 500: internals never reach
//! the client.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::store::StoreError;

/// A request that could not be answered as asked.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// No such mention (or other thing the path names).
    #[error("{0}")]
    NotFound(String),
    /// The request is malformed or asks for something invalid.
    #[error("{0}")]
    BadRequest(String),
    /// No valid session or token.
    #[error("log in, or send a valid API token (Authorization: Bearer …)")]
    Unauthorized,
    /// A state-changing request without the session's CSRF token.
    #[error("missing or wrong CSRF token; reload the page and try again")]
    Csrf,
    /// Too many failed logins; try again after this many seconds.
    #[error("too many failed logins; try again in {} minutes", .0.div_ceil(60))]
    RateLimited(u64),
    /// The database stayed locked; worth retrying.
    #[error("the database is busy; try again")]
    Busy,
    /// Ours: logged, never shown.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Unauthorized => StatusCode::UNAUTHORIZED,
            WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            WebError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> WebError {
        WebError::Internal(e.into())
    }

    /// The answer for a page request (plain text).
    pub fn into_text_response(self) -> Response {
        self.log();
        let mut r = (self.status(), format!("{self}\n")).into_response();
        self.headers(&mut r);
        r
    }

    /// The answer for an API request (`{"error": "…"}`).
    pub fn into_json_response(self) -> Response {
        self.log();
        let body = serde_json::json!({ "error": self.to_string() });
        let mut r = super::api::json(self.status(), &body);
        self.headers(&mut r);
        r
    }

    fn log(&self) {
        match self {
            WebError::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "web request failed");
            }
            WebError::Busy => tracing::warn!("web request refused: the database stayed locked"),
            _ => {}
        }
    }

    fn headers(&self, r: &mut Response) {
        match self {
            WebError::RateLimited(secs) => {
                if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
            }
            WebError::Unauthorized => {
                r.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"earshot\""),
                );
            }
            _ => {}
        }
    }
}

/// A page handler's error answers plain text; the API's handlers return
/// [`ApiError`], which answers JSON.
impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        self.into_text_response()
    }
}

/// A [`WebError`] answered as JSON: what `/api/…` handlers return.
#[derive(Debug)]
pub struct ApiError(pub WebError);

impl From<WebError> for ApiError {
    fn from(e: WebError) -> ApiError {
        ApiError(e)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.into_json_response()
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> WebError {
        match e {
            StoreError::NoSuchMention(id) => WebError::NotFound(format!("no mention with id {id}")),
            StoreError::NoSuchMentions(ids) => WebError::NotFound(format!(
                "no mention with id {}",
                ids.iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            e if e.is_busy() => WebError::Busy,
            e => WebError::Internal(e.into()),
        }
    }
}

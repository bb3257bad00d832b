//! Static files compiled into the binary and served under `/assets/`:
//! nothing is fetched from a CDN, and nothing is read from disk at run time.
//! Each row names the file under `assets/` and its content type; a vendored
//! library comes with its licence file beside it.

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Every file served: its name under `/assets/`, its content type, its bytes.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "earshot.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/earshot.css"),
    ),
    (
        "inbox.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/inbox.js"),
    ),
];

/// `GET /assets/{name}`: the file, cacheable for a day, or 404.
pub(super) async fn serve(Path(path): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == path) {
        Some((_, ctype, bytes)) => {
            let mut r = (StatusCode::OK, *bytes).into_response();
            let h = r.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=86400"),
            );
            r
        }
        None => (StatusCode::NOT_FOUND, "no such file\n").into_response(),
    }
}

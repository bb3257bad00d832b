//! `kind = "bluesky"`: posts matching a search, read as one account that
//! logs in with an app password. Checks keys and fills in the defaults;
//! `sources::bluesky` logs in and searches.

use url::Url;

use super::{Cx, Invalid, RawSource, Secret, SourceSpec};

/// The keys a Bluesky search takes beside the common ones.
pub(super) const KEYS: &[&str] = &[
    "base_url",
    "query",
    "max_pages",
    "handle",
    "app_password_env",
    "app_password_file",
    "lang",
];

/// The PDS that serves most accounts.
const BASE_URL: &str = "https://bsky.social";

#[derive(Debug, Clone)]
pub struct BlueskyOptions {
    /// What is searched for (`query`), trimmed.
    pub query: String,
    /// The account that logs in, without `@`.
    pub handle: String,
    /// The account's app password (`app_password_env` /
    /// `app_password_file`); never logged or stored.
    pub app_password: Secret,
    /// Only posts in this language (`lang`, e.g. `nl`).
    pub lang: Option<String>,
    /// Pages fetched at most per poll.
    pub max_pages: u32,
}

impl BlueskyOptions {
    pub(super) fn locator(&self, url: &Url) -> String {
        format!(
            "{url} handle={} query={:?} lang={}",
            self.handle,
            self.query,
            self.lang.as_deref().unwrap_or("")
        )
    }
}

pub(super) fn validate(raw: &RawSource, cx: &Cx<'_>) -> Result<(Url, SourceSpec), Invalid> {
    let query = cx.query(&raw.query)?;
    let written = raw.handle.as_ref().ok_or_else(|| {
        cx.missing("`handle`, the account that logs in (e.g. \"webcare.example.nl\")")
    })?;
    let handle = written.get_ref().trim().trim_start_matches('@');
    if handle.is_empty() || handle.chars().any(char::is_whitespace) {
        return Err(cx.fail(
            written.span().start,
            format!("invalid handle {:?}", written.get_ref()),
        ));
    }
    if raw.app_password_env.is_none() && raw.app_password_file.is_none() {
        return Err(
            cx.missing("`app_password_env` or `app_password_file` (an app password, never inline)")
        );
    }
    let lang = match &raw.lang {
        Some(l) => {
            let v = l.get_ref().trim();
            if v.is_empty()
                || v.len() > 35
                || !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            {
                return Err(cx.fail(
                    l.span().start,
                    format!(
                        "invalid lang {:?} (a language code, e.g. \"nl\")",
                        l.get_ref()
                    ),
                ));
            }
            Some(v.to_string())
        }
        None => None,
    };
    let app_password = cx
        .secret(&raw.app_password_file, &raw.app_password_env)?
        .ok_or_else(|| cx.missing("`app_password_env` or `app_password_file`"))?;
    let max_pages = cx.max_pages(&raw.max_pages)?;
    let url = cx.base_url(&raw.base_url, BASE_URL)?;
    Ok((
        url,
        SourceSpec::Bluesky(BlueskyOptions {
            query,
            handle: handle.to_string(),
            app_password,
            lang,
            max_pages,
        }),
    ))
}

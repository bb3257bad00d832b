//! `[web]`: the web inbox's listener, the address people reach it at, and
//! how long a login lasts, validated like the rest.
//!
//! The one rule beyond ranges: a listener off loopback serves passwords and
//! session cookies over the network, so it is refused unless `base_url` is
//! https (a TLS proxy in front) or `allow_plain_http = true` says the
//! operator knows. Nothing here opens a socket.

use std::net::SocketAddr;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use url::Url;

use super::{duration_within, parse_http_url, HumanDuration, Invalid};

/// `session_lifetime`: five minutes to thirty days.
pub(crate) const SESSION_LIFETIME: (Duration, Duration) = (
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 86_400),
);

/// The validated `[web]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Web {
    /// Where the web inbox listens; off when `None`.
    pub listen: Option<SocketAddr>,
    /// The address people (and alerts' links) reach the inbox at.
    pub base_url: Option<Url>,
    /// A non-loopback `listen` without an https `base_url` was allowed.
    pub allow_plain_http: bool,
    /// How long a login lasts (from the login, not from the last request).
    pub session_lifetime: Duration,
}

impl Default for Web {
    fn default() -> Web {
        Web {
            listen: None,
            base_url: None,
            allow_plain_http: false,
            session_lifetime: Duration::from_secs(12 * 3600),
        }
    }
}

impl Web {
    /// Session cookies carry `Secure` when people reach the inbox over https.
    pub fn secure_cookies(&self) -> bool {
        self.base_url
            .as_ref()
            .is_some_and(|u| u.scheme() == "https")
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWeb {
    listen: Option<Spanned<String>>,
    base_url: Option<Spanned<String>>,
    allow_plain_http: Option<bool>,
    session_lifetime: Option<Spanned<HumanDuration>>,
}

pub(super) fn validate(
    raw: RawWeb,
    err: &dyn Fn(usize, String) -> Invalid,
) -> Result<Web, Invalid> {
    let base_url = match &raw.base_url {
        None => None,
        Some(u) => {
            let url = parse_http_url(u.get_ref())
                .map_err(|m| err(u.span().start, format!("key `base_url`: {m}")))?;
            if url.query().is_some() || url.fragment().is_some() {
                return Err(err(
                    u.span().start,
                    format!(
                        "key `base_url`: {:?} has a query or fragment; give the address the inbox is reached at, e.g. \"https://earshot.example.nl/\"",
                        u.get_ref()
                    ),
                ));
            }
            Some(url)
        }
    };
    let allow_plain_http = raw.allow_plain_http.unwrap_or(false);
    let listen = match &raw.listen {
        None => None,
        Some(l) => {
            let addr: SocketAddr = l.get_ref().trim().parse().map_err(|_| {
                err(
                    l.span().start,
                    format!(
                        "key `listen`: invalid address {:?}: use e.g. \"127.0.0.1:8080\"",
                        l.get_ref()
                    ),
                )
            })?;
            let https = base_url.as_ref().is_some_and(|u| u.scheme() == "https");
            if !addr.ip().is_loopback() && !https && !allow_plain_http {
                return Err(err(
                    l.span().start,
                    format!(
                        "key `listen`: {addr} is not loopback, and passwords and session cookies would cross the network unencrypted; put a TLS proxy in front and set `base_url` to its https address, or set `allow_plain_http = true` if you know the network"
                    ),
                ));
            }
            Some(addr)
        }
    };
    let session_lifetime = match &raw.session_lifetime {
        Some(d) => duration_within("session_lifetime", d, SESSION_LIFETIME, err)?,
        None => Web::default().session_lifetime,
    };
    Ok(Web {
        listen,
        base_url,
        allow_plain_http,
        session_lifetime,
    })
}

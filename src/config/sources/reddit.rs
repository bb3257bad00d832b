//! `kind = "reddit"`: Reddit's search listing, optionally limited to
//! subreddits and with their newest comments, anonymous or with OAuth client
//! credentials. Checks keys and fills in the defaults (which depend on
//! whether credentials are given); `sources::reddit` reads the listings.

use url::Url;

use super::{parse_http_url, Cx, Invalid, RawSource, SourceSpec};

/// The keys a Reddit search takes beside the common ones.
pub(super) const KEYS: &[&str] = &[
    "base_url",
    "query",
    "max_pages",
    "subreddits",
    "comments",
    "client_id_env",
    "client_id_file",
    "client_secret_env",
    "client_secret_file",
    "auth_url",
];

/// Reddit without credentials, and where tokens are asked for.
const WWW: &str = "https://www.reddit.com";
/// Reddit's API with an OAuth token.
const OAUTH: &str = "https://oauth.reddit.com";

#[derive(Debug, Clone)]
pub struct RedditOptions {
    /// What is searched for (`query`), trimmed.
    pub query: String,
    /// The subreddits a search is limited to (without `r/`).
    pub subreddits: Vec<String>,
    /// Also read those subreddits' newest comments (`comments`).
    pub comments: bool,
    /// OAuth client credentials, when configured.
    pub client: Option<ClientCredentials>,
    /// Pages fetched at most per listing and poll.
    pub max_pages: u32,
}

impl RedditOptions {
    pub(super) fn locator(&self, url: &Url) -> String {
        format!(
            "{url} query={:?} subreddits={}",
            self.query,
            self.subreddits.join("+")
        )
    }
}

/// An OAuth client (`client_credentials` grant): its id and secret, resolved
/// at load, and where tokens are asked for. Never stored.
#[derive(Clone)]
pub struct ClientCredentials {
    pub id: String,
    pub secret: String,
    /// The token endpoint's base (`auth_url`); the request goes to
    /// `{auth_url}/api/v1/access_token`.
    pub auth_url: Url,
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("id", &self.id)
            .field("auth_url", &self.auth_url.as_str())
            .finish_non_exhaustive()
    }
}

pub(super) fn validate(raw: &RawSource, cx: &Cx<'_>) -> Result<(Url, SourceSpec), Invalid> {
    let query = cx.query(&raw.query)?;
    let subreddits = match &raw.subreddits {
        Some(list) => {
            let subs = cx.list(list, "subreddit", parse_subreddit)?;
            if subs.is_empty() {
                return Err(cx.fail(
                    list.span().start,
                    "`subreddits` is empty (leave it out to search all of Reddit)",
                ));
            }
            subs
        }
        None => Vec::new(),
    };
    let comments = raw.comments.as_ref().filter(|c| *c.get_ref());
    if let Some(c) = comments {
        if subreddits.is_empty() {
            return Err(cx.fail(
                c.span().start,
                "`comments` needs `subreddits` (all of Reddit's comments are a firehose)",
            ));
        }
    }
    let id = cx.secret(&raw.client_id_file, &raw.client_id_env)?;
    let secret = cx.secret(&raw.client_secret_file, &raw.client_secret_env)?;
    let client = match (id, secret) {
        (Some(id), Some(secret)) => {
            let auth_url = match &raw.auth_url {
                Some(u) => cx.http_url(u)?,
                None => parse_http_url(WWW).map_err(|m| cx.fail(cx.at, m))?,
            };
            Some(ClientCredentials {
                id: id.expose().to_string(),
                secret: secret.expose().to_string(),
                auth_url,
            })
        }
        (None, None) => {
            cx.misplaced("auth_url", raw.auth_url.as_ref().map(|v| v.span()))?;
            None
        }
        _ => {
            return Err(cx.wrong(
                "OAuth needs both a client id (`client_id_env`/`client_id_file`) and a secret (`client_secret_env`/`client_secret_file`)",
            ))
        }
    };
    let max_pages = cx.max_pages(&raw.max_pages)?;
    // With credentials the API lives on oauth.reddit.com.
    let default = if client.is_some() { OAUTH } else { WWW };
    let url = cx.base_url(&raw.base_url, default)?;
    Ok((
        url,
        SourceSpec::Reddit(RedditOptions {
            query,
            subreddits,
            comments: comments.is_some(),
            client,
            max_pages,
        }),
    ))
}

/// A subreddit as written (`thenetherlands`, `r/Nederland`, `/r/x`),
/// without its `r/`: 2 to 21 letters, digits or `_`.
fn parse_subreddit(s: &str) -> Result<String, String> {
    let t = s.trim().trim_start_matches('/');
    let t = t
        .strip_prefix("r/")
        .or_else(|| t.strip_prefix("R/"))
        .unwrap_or(t);
    if (2..=21).contains(&t.len()) && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(t.to_string())
    } else {
        Err(format!(
            "invalid subreddit {s:?}: use its name, 2 to 21 letters, digits or _ (e.g. \"thenetherlands\")"
        ))
    }
}

//! `[storage] database`: an SQLite file (a path, the embedded default) or a
//! PostgreSQL server (`postgres://…`, `postgresql://…`) that several daemons
//! share. Checked and parsed once here; the store is handed the result and
//! never reads the raw string. The password never sits in the URL: it comes
//! from `password_env` or `password_file`, as a notifier's does.

use std::fmt;
use std::path::{Path, PathBuf};

use toml::Spanned;

use super::secret::{secret, Secret};
use super::ConfigError;

/// Where the mention database lives.
#[derive(Clone, Debug, PartialEq)]
pub enum Database {
    /// An SQLite file (created on first use).
    Sqlite(PathBuf),
    /// A PostgreSQL database (created beforehand by its administrator).
    Postgres(Server),
}

impl Database {
    /// The SQLite file, when that is the engine.
    pub fn file(&self) -> Option<&Path> {
        match self {
            Database::Sqlite(p) => Some(p),
            Database::Postgres(_) => None,
        }
    }
}

/// Shown in messages: the path, or the server's URL without any password.
impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite(p) => write!(f, "{}", p.display()),
            Database::Postgres(s) => f.write_str(&s.shown),
        }
    }
}

/// A PostgreSQL server and database, as the connection needs it.
#[derive(Clone)]
pub struct Server {
    /// The URL as written (it holds no password).
    pub url: String,
    /// The URL for messages (as written, credentials removed).
    pub shown: String,
    pub password: Option<Secret>,
}

impl PartialEq for Server {
    fn eq(&self, other: &Server) -> bool {
        self.url == other.url && self.password == other.password
    }
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("url", &self.shown)
            .field("password", &self.password.as_ref().map(|_| "…"))
            .finish()
    }
}

impl Server {
    /// Connection settings for the `postgres` client, password included.
    pub fn client_config(&self) -> Result<postgres::Config, String> {
        let mut c: postgres::Config = self.url.parse().map_err(|e| format!("{e}"))?;
        if let Some(p) = &self.password {
            c.password(p.expose());
        }
        // A daemon that cannot reach its database says so within seconds.
        if c.get_connect_timeout().is_none() {
            c.connect_timeout(std::time::Duration::from_secs(10));
        }
        if c.get_application_name().is_none() {
            c.application_name("earshot");
        }
        Ok(c)
    }
}

/// Reads `[storage] database` (with `password_env`/`password_file` for a
/// server). A relative path is relative to the config file's folder.
pub(super) fn database(
    raw: &Spanned<String>,
    password_file: &Option<Spanned<String>>,
    password_env: &Option<Spanned<String>>,
    base_dir: &Path,
    err: &dyn Fn(usize, String) -> ConfigError,
) -> Result<Database, ConfigError> {
    let text = raw.get_ref().trim();
    let at = raw.span().start;
    let lower = text.to_ascii_lowercase();
    if !(lower.starts_with("postgres://") || lower.starts_with("postgresql://")) {
        if password_file.is_some() || password_env.is_some() {
            let key = password_file.as_ref().or(password_env.as_ref());
            return Err(err(
                key.map_or(at, |k| k.span().start),
                "password_env and password_file are for a PostgreSQL database (database = \"postgres://…\"); an SQLite file has no password".into(),
            ));
        }
        if lower.contains("://") {
            return Err(err(
                at,
                format!("database {text:?}: a path means an SQLite file, a server is written postgres://USER@HOST:PORT/DATABASE"),
            ));
        }
        let p = PathBuf::from(text);
        return Ok(Database::Sqlite(if p.is_absolute() {
            p
        } else {
            base_dir.join(p)
        }));
    }
    let server = server(text, None).map_err(|m| err(at, m))?;
    let password = secret(password_file, password_env, base_dir, err)?.map(Secret);
    Ok(Database::Postgres(Server { password, ..server }))
}

/// A PostgreSQL server from its URL (`postgres://` or `postgresql://`),
/// checked as `[storage] database` is; the password, if any, comes apart.
pub fn server(text: &str, password: Option<String>) -> Result<Server, String> {
    let lower = text.to_ascii_lowercase();
    if !(lower.starts_with("postgres://") || lower.starts_with("postgresql://")) {
        return Err(format!(
            "{text:?} is no PostgreSQL URL (postgres://USER@HOST:PORT/DATABASE)"
        ));
    }
    let parsed = url::Url::parse(text).map_err(|e| format!("database URL {text:?}: {e}"))?;
    if parsed.password().is_some() {
        return Err(
            "database URL: do not write the password in it; give it with password_env or password_file".into(),
        );
    }
    if parsed.path().trim_start_matches('/').is_empty() {
        return Err(
            "database URL: name the database after the host (postgres://USER@HOST:PORT/DATABASE)"
                .into(),
        );
    }
    let config: postgres::Config = text
        .parse()
        .map_err(|e| format!("database URL {text:?}: {e}"))?;
    if config.get_user().is_none_or(str::is_empty) {
        return Err(
            "database URL: name the user (postgres://USER@HOST:PORT/DATABASE or ?user=USER)".into(),
        );
    }
    Ok(Server {
        url: text.to_string(),
        shown: text.to_string(),
        password: password.map(Secret),
    })
}

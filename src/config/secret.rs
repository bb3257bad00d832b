//! Credentials in the config: the one way a secret is read, from a file
//! (`*_file`, first line, trimmed; relative to the config's folder) or else
//! an environment variable (`*_env`), never inline; and [`Secret`], which
//! never shows in a log. Every `*_file`/`*_env` pair (a notifier's
//! `password` and `secret`, a source's `token`, `app_password`,
//! `client_id`, `client_secret`, and each `header_file`/`header_env` entry)
//! goes through [`secret`].

use std::fmt;
use std::path::{Path, PathBuf};

use toml::Spanned;

use super::ConfigError;

/// A credential: its `Debug` shows no part of it, so a logged config
/// cannot leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub(super) String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// A secret from a file (first line, trimmed) or an environment variable.
pub(super) fn secret(
    file: &Option<Spanned<String>>,
    env: &Option<Spanned<String>>,
    base_dir: &Path,
    err: &dyn Fn(usize, String) -> ConfigError,
) -> Result<Option<String>, ConfigError> {
    if let Some(f) = file {
        let p = PathBuf::from(f.get_ref());
        let p = if p.is_absolute() { p } else { base_dir.join(p) };
        let text = std::fs::read_to_string(&p).map_err(|e| {
            err(
                f.span().start,
                format!("cannot read secret file {}: {e}", p.display()),
            )
        })?;
        let value = text.lines().next().unwrap_or("").trim().to_string();
        if value.is_empty() {
            return Err(err(
                f.span().start,
                format!("secret file {} is empty", p.display()),
            ));
        }
        return Ok(Some(value));
    }
    if let Some(e) = env {
        return match std::env::var(e.get_ref()) {
            Ok(v) if !v.trim().is_empty() => Ok(Some(v.trim().to_string())),
            _ => Err(err(
                e.span().start,
                format!("environment variable {} is not set", e.get_ref()),
            )),
        };
    }
    Ok(None)
}

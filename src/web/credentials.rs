//! Secrets of the web inbox: password hashes (Argon2id), and the random
//! session ids, CSRF tokens and API tokens, with the SHA-256 digests the
//! store keeps in their place.
//!
//! Argon2id runs at RustCrypto's defaults (OWASP's first choice: 19 MiB,
//! two passes, one lane) in every build; tests log in through the same cost
//! (`[profile.dev.package.argon2]` builds it optimised). Every secret comes
//! from the operating system's generator through `rand`'s thread-local CSPRNG.
//! Nothing here touches the database or the network.

use std::sync::OnceLock;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The shortest password accepted, in characters.
pub const MIN_PASSWORD: usize = 8;
/// The longest password accepted, in bytes (bounds the work one login asks for).
pub const MAX_PASSWORD: usize = 1024;
/// What every API token starts with, so a leaked one is recognisable (and
/// secret scanners can be taught it).
pub const TOKEN_PREFIX: &str = "earshot_";

/// A password that cannot be used, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("the password is empty")]
    Empty,
    #[error("the password is shorter than {MIN_PASSWORD} characters")]
    TooShort,
    #[error("the password is longer than {MAX_PASSWORD} bytes")]
    TooLong,
    #[error("hashing the password failed: {0}")]
    Hash(String),
}

/// Checks a new password's length.
pub fn check_new_password(password: &str) -> Result<(), PasswordError> {
    match password.chars().count() {
        0 => Err(PasswordError::Empty),
        n if n < MIN_PASSWORD => Err(PasswordError::TooShort),
        _ if password.len() > MAX_PASSWORD => Err(PasswordError::TooLong),
        _ => Ok(()),
    }
}

/// The Argon2id PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) of a new
/// password, with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    check_new_password(password)?;
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Whether `password` matches the PHC string `hash` (its own parameters
/// apply). Without a stored hash (no such user) the password is checked
/// against a hash nobody knows the password of, so an unknown name takes as
/// long as a wrong password and never succeeds.
pub fn verify_password(password: &str, hash: Option<&str>) -> bool {
    let known = hash.is_some();
    let hash = hash.unwrap_or_else(|| dummy_hash());
    let password = if password.len() > MAX_PASSWORD {
        // Still do the work, on something that cannot match.
        ""
    } else {
        password
    };
    let ok = Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok();
    known && ok && !password.is_empty()
}

/// A hash of a random password, made once per process.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        Argon2::default()
            .hash_password_with_salt(&random_hex::<32>().into_bytes(), &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// `N` random bytes as lowercase hex.
fn random_hex<const N: usize>() -> String {
    let mut bytes = [0u8; N];
    rand::rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A new session id (256 bits, hex): the cookie's value.
pub fn new_session_id() -> String {
    random_hex::<32>()
}

/// A new CSRF token (256 bits, hex).
pub fn new_csrf_token() -> String {
    random_hex::<32>()
}

/// A new API token: [`TOKEN_PREFIX`] and 256 random bits in hex.
pub fn new_api_token() -> String {
    format!("{TOKEN_PREFIX}{}", random_hex::<32>())
}

/// The SHA-256 digest the store keeps of a session id or an API token.
pub fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Whether two secrets are equal, in time that depends only on their
/// lengths (a CSRF token compared with the one a form sent).
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password("correct horse", Some(&h)));
        assert!(!verify_password("correct hors", Some(&h)));
        assert!(!verify_password("correct horse", None));
        assert!(!verify_password("", None));
        assert_ne!(h, hash_password("correct horse").unwrap(), "salted");
    }

    #[test]
    fn short_and_empty_passwords_are_refused() {
        assert_eq!(hash_password(""), Err(PasswordError::Empty));
        assert_eq!(hash_password("1234567"), Err(PasswordError::TooShort));
        assert!(hash_password("12345678").is_ok());
        assert_eq!(
            check_new_password(&"x".repeat(MAX_PASSWORD + 1)),
            Err(PasswordError::TooLong)
        );
    }

    #[test]
    fn secrets_are_random_and_digests_fixed() {
        assert_ne!(new_session_id(), new_session_id());
        assert_eq!(new_session_id().len(), 64);
        assert!(new_api_token().starts_with(TOKEN_PREFIX));
        assert_eq!(digest("a"), digest("a"));
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
    }
}

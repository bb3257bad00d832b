//! The web inbox's people and programs: users (name, Argon2id PHC hash),
//! their login sessions and the API tokens scripts use.
//!
//! Only hashes are stored: a session by the SHA-256 of the id its cookie
//! holds, a token by the SHA-256 of the token; the caller hashes, so no
//! secret ever reaches SQL. Removing a user deletes their sessions in the
//! same statement (`ON DELETE CASCADE`), and a new password ends them too.
//! Nothing here hashes passwords, makes secrets or decides whether a
//! password is right.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::{from_db_time, sq_time_at, to_db_time, Result, Store};

/// A user as `earshot user list` shows them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct User {
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// Logins that have not expired or ended.
    pub sessions: u32,
}

/// An API token as `earshot token list` shows it (never the token itself).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TokenInfo {
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The user a live session belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionUser {
    pub name: String,
    pub csrf: String,
    pub expires_at: DateTime<Utc>,
}

/// An active token found by its hash.
#[derive(Debug, Clone, PartialEq)]
pub struct ActiveToken {
    pub name: String,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl Store {
    /// Adds a user; `false` when the name is taken.
    pub fn add_user(&mut self, name: &str, password_hash: &str, at: DateTime<Utc>) -> Result<bool> {
        self.write_sqlite(|tx| {
            tx.execute(
                "INSERT INTO users (name, password_hash, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO NOTHING",
                params![name, password_hash, to_db_time(at)],
            )
            .map(|n| n == 1)
        })
    }

    /// Sets a user's password hash and ends all their sessions; `false`
    /// when there is no such user.
    pub fn set_password(&mut self, name: &str, password_hash: &str) -> Result<bool> {
        self.write_sqlite(|tx| {
            let changed = tx.execute(
                "UPDATE users SET password_hash = ?2 WHERE name = ?1",
                params![name, password_hash],
            )?;
            tx.execute(
                "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = ?1)",
                [name],
            )?;
            Ok(changed == 1)
        })
    }

    /// Removes a user and with them every session of theirs; `false` when
    /// there is no such user.
    pub fn remove_user(&mut self, name: &str) -> Result<bool> {
        self.write_sqlite(|tx| {
            tx.execute(
                "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = ?1)",
                [name],
            )?;
            tx.execute("DELETE FROM users WHERE name = ?1", [name])
                .map(|n| n == 1)
        })
    }

    /// Every user by name, with their live sessions at `now`.
    pub fn users(&self, now: DateTime<Utc>) -> Result<Vec<User>> {
        let e = self.sqlite_err();
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT u.name, u.created_at,
                    (SELECT count(*) FROM sessions s WHERE s.user_id = u.id AND s.expires_at > ?1)
                 FROM users u ORDER BY u.name",
            )
            .map_err(&e)?;
        let rows = stmt
            .query_map([to_db_time(now)], |r| {
                Ok(User {
                    name: r.get(0)?,
                    created_at: from_db_time(r.get(1)?),
                    sessions: super::sq_count_at(r, 2)?,
                })
            })
            .map_err(&e)?;
        rows.collect::<rusqlite::Result<_>>().map_err(e)
    }

    /// How many users there are.
    pub fn user_count(&self) -> Result<u64> {
        self.conn()
            .query_row("SELECT count(*) FROM users", [], |r| r.get::<_, i64>(0))
            .map(|n| n.max(0) as u64)
            .map_err(self.sqlite_err())
    }

    /// The stored PHC hash of a user's password, if there is such a user.
    pub fn password_hash(&self, name: &str) -> Result<Option<String>> {
        self.conn()
            .query_row(
                "SELECT password_hash FROM users WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.sqlite_err())
    }

    /// Starts a session for `name` (stored by `id_hash`) lasting until
    /// `expires_at`, and drops every session that has expired by `at`.
    /// `false` when the user is gone (removed since the password check).
    pub fn create_session(
        &mut self,
        name: &str,
        id_hash: &[u8],
        csrf: &str,
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<bool> {
        let (at, expires_at) = (to_db_time(at), to_db_time(expires_at));
        self.write_sqlite(|tx| {
            tx.execute("DELETE FROM sessions WHERE expires_at <= ?1", [at])?;
            tx.execute(
                "INSERT INTO sessions (id_hash, user_id, csrf, created_at, expires_at)
                 SELECT ?2, id, ?3, ?4, ?5 FROM users WHERE name = ?1",
                params![name, id_hash, csrf, at, expires_at],
            )
            .map(|n| n == 1)
        })
    }

    /// The user of the session stored by `id_hash`, when it lives at `now`.
    pub fn session(&self, id_hash: &[u8], now: DateTime<Utc>) -> Result<Option<SessionUser>> {
        self.conn()
            .query_row(
                "SELECT u.name, s.csrf, s.expires_at FROM sessions s
                   JOIN users u ON u.id = s.user_id
                 WHERE s.id_hash = ?1 AND s.expires_at > ?2",
                params![id_hash, to_db_time(now)],
                |r| {
                    Ok(SessionUser {
                        name: r.get(0)?,
                        csrf: r.get(1)?,
                        expires_at: from_db_time(r.get(2)?),
                    })
                },
            )
            .optional()
            .map_err(self.sqlite_err())
    }

    /// Ends the session stored by `id_hash` (logout); ending one that is
    /// gone is no error.
    pub fn end_session(&mut self, id_hash: &[u8]) -> Result<()> {
        self.write_sqlite(|tx| {
            tx.execute("DELETE FROM sessions WHERE id_hash = ?1", [id_hash])
                .map(drop)
        })
    }

    /// Adds a token stored by `hash`; `false` when an active token has this
    /// name.
    pub fn add_token(&mut self, name: &str, hash: &[u8], at: DateTime<Utc>) -> Result<bool> {
        self.write_sqlite(|tx| {
            let taken = tx
                .query_row(
                    "SELECT 1 FROM tokens WHERE name = ?1 AND revoked_at IS NULL",
                    [name],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            if taken {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO tokens (name, hash, created_at) VALUES (?1, ?2, ?3)",
                params![name, hash, to_db_time(at)],
            )
            .map(|n| n == 1)
        })
    }

    /// Revokes the active token named `name`; `false` when there is none.
    pub fn revoke_token(&mut self, name: &str, at: DateTime<Utc>) -> Result<bool> {
        self.write_sqlite(|tx| {
            tx.execute(
                "UPDATE tokens SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
                params![name, to_db_time(at)],
            )
            .map(|n| n == 1)
        })
    }

    /// Every token, by name, oldest first within a name.
    pub fn tokens(&self) -> Result<Vec<TokenInfo>> {
        let e = self.sqlite_err();
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT name, created_at, last_used_at, revoked_at FROM tokens ORDER BY name, id",
            )
            .map_err(&e)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(TokenInfo {
                    name: r.get(0)?,
                    created_at: from_db_time(r.get(1)?),
                    last_used_at: sq_time_at(r, 2)?,
                    revoked_at: sq_time_at(r, 3)?,
                })
            })
            .map_err(&e)?;
        rows.collect::<rusqlite::Result<_>>().map_err(e)
    }

    /// The active (not revoked) token stored by `hash`.
    pub fn token(&self, hash: &[u8]) -> Result<Option<ActiveToken>> {
        self.conn()
            .query_row(
                "SELECT name, last_used_at FROM tokens WHERE hash = ?1 AND revoked_at IS NULL",
                [hash],
                |r| {
                    Ok(ActiveToken {
                        name: r.get(0)?,
                        last_used_at: sq_time_at(r, 1)?,
                    })
                },
            )
            .optional()
            .map_err(self.sqlite_err())
    }

    /// Records that the token stored by `hash` was used at `at`.
    pub fn token_used(&mut self, hash: &[u8], at: DateTime<Utc>) -> Result<()> {
        self.write_sqlite(|tx| {
            tx.execute(
                "UPDATE tokens SET last_used_at = ?2 WHERE hash = ?1",
                params![hash, to_db_time(at)],
            )
            .map(drop)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).unwrap();
        (dir, store)
    }

    #[test]
    fn removing_a_user_ends_their_sessions_and_a_new_password_too() {
        let (_dir, mut s) = store();
        let now = Utc::now();
        // The shortest session_lifetime: alive a second before, gone at it.
        let later = now + chrono::Duration::minutes(5);
        assert!(s.add_user("sanne", "$argon2id$x", now).unwrap());
        assert!(!s.add_user("sanne", "$argon2id$y", now).unwrap());
        assert!(s.add_user("joost", "$argon2id$z", now).unwrap());
        assert!(s.create_session("sanne", b"a", "c1", now, later).unwrap());
        assert!(s.create_session("joost", b"b", "c2", now, later).unwrap());
        assert!(!s.create_session("nobody", b"c", "c3", now, later).unwrap());
        assert_eq!(s.session(b"a", now).unwrap().unwrap().name, "sanne");
        let last = later - chrono::Duration::seconds(1);
        assert_eq!(s.session(b"a", last).unwrap().unwrap().csrf, "c1");
        // Expired at its expires_at, not a second later.
        assert_eq!(s.session(b"a", later).unwrap(), None);
        assert!(s.set_password("joost", "$argon2id$w").unwrap());
        assert_eq!(s.session(b"b", now).unwrap(), None);
        assert!(s.remove_user("sanne").unwrap());
        assert_eq!(s.session(b"a", now).unwrap(), None);
        assert!(!s.remove_user("sanne").unwrap());
        assert_eq!(s.user_count().unwrap(), 1);
    }

    #[test]
    fn a_revoked_token_name_can_be_used_again() {
        let (_dir, mut s) = store();
        let now = Utc::now();
        assert!(s.add_token("ci", b"h1", now).unwrap());
        assert!(!s.add_token("ci", b"h2", now).unwrap());
        assert_eq!(s.token(b"h1").unwrap().unwrap().name, "ci");
        assert!(s.revoke_token("ci", now).unwrap());
        assert!(!s.revoke_token("ci", now).unwrap());
        assert_eq!(s.token(b"h1").unwrap(), None);
        assert!(s.add_token("ci", b"h2", now).unwrap());
        assert_eq!(s.tokens().unwrap().len(), 2);
    }
}

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

use super::db::{args, DbResult, Row, Sql};
use super::{from_db_time, time_at, to_db_time, Result, Store};

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

fn user_row(r: &Row) -> DbResult<User> {
    Ok(User {
        name: r.get(0)?,
        created_at: from_db_time(r.get(1)?),
        sessions: super::count_at(r, 2)?,
    })
}

fn token_info_row(r: &Row) -> DbResult<TokenInfo> {
    Ok(TokenInfo {
        name: r.get(0)?,
        created_at: from_db_time(r.get(1)?),
        last_used_at: time_at(r, 2)?,
        revoked_at: time_at(r, 3)?,
    })
}

fn session_user_row(r: &Row) -> DbResult<SessionUser> {
    Ok(SessionUser {
        name: r.get(0)?,
        csrf: r.get(1)?,
        expires_at: from_db_time(r.get(2)?),
    })
}

fn active_token_row(r: &Row) -> DbResult<ActiveToken> {
    Ok(ActiveToken {
        name: r.get(0)?,
        last_used_at: time_at(r, 1)?,
    })
}

impl Store {
    /// Adds a user; `false` when the name is taken.
    pub fn add_user(&mut self, name: &str, password_hash: &str, at: DateTime<Utc>) -> Result<bool> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO users (name, password_hash, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO NOTHING",
                args![name, password_hash, to_db_time(at)],
            )
            .map(|n| n == 1)
        })
    }

    /// Sets a user's password hash and ends all their sessions; `false`
    /// when there is no such user.
    pub fn set_password(&mut self, name: &str, password_hash: &str) -> Result<bool> {
        self.write(|tx| {
            let changed = tx.execute(
                "UPDATE users SET password_hash = ?2 WHERE name = ?1",
                args![name, password_hash],
            )?;
            tx.execute(
                "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = ?1)",
                args![name],
            )?;
            Ok(changed == 1)
        })
    }

    /// Removes a user and with them every session of theirs; `false` when
    /// there is no such user.
    pub fn remove_user(&mut self, name: &str) -> Result<bool> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = ?1)",
                args![name],
            )?;
            tx.execute("DELETE FROM users WHERE name = ?1", args![name])
                .map(|n| n == 1)
        })
    }

    /// Every user by name, with their live sessions at `now`.
    pub fn users(&self, now: DateTime<Utc>) -> Result<Vec<User>> {
        self.read(|db| {
            db.query(
                "SELECT u.name, u.created_at,
                    (SELECT count(*) FROM sessions s WHERE s.user_id = u.id AND s.expires_at > ?1)
                 FROM users u ORDER BY u.name",
                args![to_db_time(now)],
            )?
            .iter()
            .map(user_row)
            .collect()
        })
    }

    /// How many users there are.
    pub fn user_count(&self) -> Result<u64> {
        self.read(|db| db.query_value::<i64>("SELECT count(*) FROM users", args![]))
            .map(|n| n.max(0) as u64)
    }

    /// The stored PHC hash of a user's password, if there is such a user.
    pub fn password_hash(&self, name: &str) -> Result<Option<String>> {
        self.read(|db| {
            db.query_opt(
                "SELECT password_hash FROM users WHERE name = ?1",
                args![name],
            )?
            .map(|r| r.get(0))
            .transpose()
        })
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
        self.write(|tx| {
            tx.execute("DELETE FROM sessions WHERE expires_at <= ?1", args![at])?;
            tx.execute(
                "INSERT INTO sessions (id_hash, user_id, csrf, created_at, expires_at)
                 SELECT ?2, id, ?3, ?4, ?5 FROM users WHERE name = ?1",
                args![name, id_hash, csrf, at, expires_at],
            )
            .map(|n| n == 1)
        })
    }

    /// The user of the session stored by `id_hash`, when it lives at `now`.
    pub fn session(&self, id_hash: &[u8], now: DateTime<Utc>) -> Result<Option<SessionUser>> {
        self.read(|db| {
            db.query_opt(
                "SELECT u.name, s.csrf, s.expires_at FROM sessions s
                   JOIN users u ON u.id = s.user_id
                 WHERE s.id_hash = ?1 AND s.expires_at > ?2",
                args![id_hash, to_db_time(now)],
            )?
            .as_ref()
            .map(session_user_row)
            .transpose()
        })
    }

    /// Ends the session stored by `id_hash` (logout); ending one that is
    /// gone is no error.
    pub fn end_session(&mut self, id_hash: &[u8]) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM sessions WHERE id_hash = ?1", args![id_hash])
                .map(drop)
        })
    }

    /// Adds a token stored by `hash`; `false` when an active token has this
    /// name.
    pub fn add_token(&mut self, name: &str, hash: &[u8], at: DateTime<Utc>) -> Result<bool> {
        self.write(|tx| {
            let taken = tx
                .query_opt(
                    "SELECT 1 FROM tokens WHERE name = ?1 AND revoked_at IS NULL",
                    args![name],
                )?
                .is_some();
            if taken {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO tokens (name, hash, created_at) VALUES (?1, ?2, ?3)",
                args![name, hash, to_db_time(at)],
            )
            .map(|n| n == 1)
        })
    }

    /// Revokes the active token named `name`; `false` when there is none.
    pub fn revoke_token(&mut self, name: &str, at: DateTime<Utc>) -> Result<bool> {
        self.write(|tx| {
            tx.execute(
                "UPDATE tokens SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
                args![name, to_db_time(at)],
            )
            .map(|n| n == 1)
        })
    }

    /// Every token, by name, oldest first within a name.
    pub fn tokens(&self) -> Result<Vec<TokenInfo>> {
        self.read(|db| {
            db.query(
                "SELECT name, created_at, last_used_at, revoked_at FROM tokens ORDER BY name, id",
                args![],
            )?
            .iter()
            .map(token_info_row)
            .collect()
        })
    }

    /// The active (not revoked) token stored by `hash`.
    pub fn token(&self, hash: &[u8]) -> Result<Option<ActiveToken>> {
        self.read(|db| {
            db.query_opt(
                "SELECT name, last_used_at FROM tokens WHERE hash = ?1 AND revoked_at IS NULL",
                args![hash],
            )?
            .as_ref()
            .map(active_token_row)
            .transpose()
        })
    }

    /// Records that the token stored by `hash` was used at `at`.
    pub fn token_used(&mut self, hash: &[u8], at: DateTime<Utc>) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE tokens SET last_used_at = ?2 WHERE hash = ?1",
                args![hash, to_db_time(at)],
            )
            .map(drop)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removing_a_user_ends_their_sessions_and_a_new_password_too() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (engine, mut s) in crate::store::testing::stores(dir.path()) {
            let now = Utc::now();
            // The shortest session_lifetime: alive a second before, gone at it.
            let later = now + chrono::Duration::minutes(5);
            assert!(s.add_user("sanne", "$argon2id$x", now).unwrap(), "{engine}");
            assert!(
                !s.add_user("sanne", "$argon2id$y", now).unwrap(),
                "{engine}"
            );
            assert!(s.add_user("joost", "$argon2id$z", now).unwrap(), "{engine}");
            assert_eq!(
                s.password_hash("sanne").unwrap().as_deref(),
                Some("$argon2id$x"),
                "{engine}: the first hash stays"
            );
            assert_eq!(s.password_hash("nobody").unwrap(), None, "{engine}");
            assert!(
                s.create_session("sanne", b"a", "c1", now, later).unwrap(),
                "{engine}"
            );
            assert!(
                s.create_session("joost", b"b", "c2", now, later).unwrap(),
                "{engine}"
            );
            assert!(
                !s.create_session("nobody", b"c", "c3", now, later).unwrap(),
                "{engine}"
            );
            assert_eq!(
                s.session(b"a", now).unwrap().unwrap().name,
                "sanne",
                "{engine}"
            );
            let last = later - chrono::Duration::seconds(1);
            assert_eq!(
                s.session(b"a", last).unwrap().unwrap().csrf,
                "c1",
                "{engine}"
            );
            // Expired at its expires_at, not a second later.
            assert_eq!(s.session(b"a", later).unwrap(), None, "{engine}");
            let listed: Vec<(String, u32)> = s
                .users(now)
                .unwrap()
                .into_iter()
                .map(|u| (u.name, u.sessions))
                .collect();
            assert_eq!(
                listed,
                [("joost".to_string(), 1), ("sanne".to_string(), 1)],
                "{engine}: users by name with their live sessions"
            );
            assert_eq!(s.users(later).unwrap()[0].sessions, 0, "{engine}: expired");
            assert!(s.set_password("joost", "$argon2id$w").unwrap(), "{engine}");
            assert!(
                !s.set_password("nobody", "$argon2id$w").unwrap(),
                "{engine}"
            );
            assert_eq!(
                s.password_hash("joost").unwrap().as_deref(),
                Some("$argon2id$w"),
                "{engine}"
            );
            assert_eq!(s.session(b"b", now).unwrap(), None, "{engine}");
            s.end_session(b"a").unwrap();
            s.end_session(b"a").unwrap();
            assert_eq!(s.session(b"a", now).unwrap(), None, "{engine}: logged out");
            assert!(
                s.create_session("sanne", b"d", "c4", now, later).unwrap(),
                "{engine}"
            );
            assert!(s.remove_user("sanne").unwrap(), "{engine}");
            assert_eq!(s.session(b"d", now).unwrap(), None, "{engine}");
            assert!(!s.remove_user("sanne").unwrap(), "{engine}");
            assert_eq!(s.user_count().unwrap(), 1, "{engine}");
        }
    }

    #[test]
    fn a_revoked_token_name_can_be_used_again() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (engine, mut s) in crate::store::testing::stores(dir.path()) {
            let now = Utc::now();
            let later = now + chrono::Duration::minutes(1);
            assert!(s.add_token("ci", b"h1", now).unwrap(), "{engine}");
            assert!(!s.add_token("ci", b"h2", now).unwrap(), "{engine}");
            assert_eq!(s.token(b"h1").unwrap().unwrap().name, "ci", "{engine}");
            assert_eq!(
                s.token(b"h1").unwrap().unwrap().last_used_at,
                None,
                "{engine}"
            );
            s.token_used(b"h1", later).unwrap();
            assert_eq!(
                s.token(b"h1")
                    .unwrap()
                    .unwrap()
                    .last_used_at
                    .map(|t| t.timestamp()),
                Some(later.timestamp()),
                "{engine}"
            );
            assert!(s.revoke_token("ci", later).unwrap(), "{engine}");
            assert!(!s.revoke_token("ci", later).unwrap(), "{engine}");
            assert_eq!(s.token(b"h1").unwrap(), None, "{engine}");
            assert!(s.add_token("ci", b"h2", now).unwrap(), "{engine}");
            let tokens = s.tokens().unwrap();
            assert_eq!(tokens.len(), 2, "{engine}");
            assert_eq!(
                tokens[0].revoked_at.map(|t| t.timestamp()),
                Some(later.timestamp()),
                "{engine}: the revoked one first"
            );
            assert_eq!(tokens[1].revoked_at, None, "{engine}");
            assert_eq!(
                tokens[0].last_used_at.map(|t| t.timestamp()),
                Some(later.timestamp()),
                "{engine}"
            );
        }
    }
}

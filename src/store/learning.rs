//! What the learned model is trained on and the model itself: imported
//! labelled examples (each stored once, by a hash of its content), the
//! mentions the team labelled, how many labels were set since a training,
//! and the one stored model with its version.
//!
//! Labels here are the sentiment words `neg`, `neu`, `pos` for examples and
//! the team's words (`complaint`, `praise`, `neutral`) for mentions; the
//! model's bytes are opaque. Nothing here trains, scores or reads a file.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use sha2::{Digest, Sha256};

use super::{from_db_time, to_db_time, Result, Store};

/// A labelled example to import: `label` is `neg`, `neu` or `pos`; `lang`
/// `nl` or `en`, or `None` to detect it when training.
#[derive(Debug, Clone, PartialEq)]
pub struct NewExample {
    pub label: String,
    pub lang: Option<String>,
    pub text: String,
}

/// An imported example as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredExample {
    pub label: String,
    pub lang: Option<String>,
    pub text: String,
}

/// A mention the team labelled complaint, praise or neutral (`irrelevant`
/// says nothing about sentiment), with what the daemon scored: title and
/// text.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledMention {
    pub id: i64,
    pub watch: String,
    pub label: String,
    pub title: String,
    pub text: String,
}

/// A trained model to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewModel {
    pub format: u32,
    pub trained_at: DateTime<Utc>,
    /// The last label event the training saw ([`Store::label_mark`]).
    pub label_mark: i64,
    pub examples: i64,
    /// What training said, as JSON (shown by `status`).
    pub summary: String,
    pub bytes: Vec<u8>,
}

/// The stored model's particulars, without its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelInfo {
    /// 1 for the first model stored, one more for each after it.
    pub version: i64,
    pub format: u32,
    pub trained_at: DateTime<Utc>,
    pub label_mark: i64,
    pub examples: i64,
    pub summary: String,
}

/// Characters of a text read for training: the scorer reads no more.
pub const TEXT_CHARS: i64 = 16 * 1024;

/// A row limit as SQLite takes it.
fn limit_of(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// The content hash that makes an example unique.
fn example_hash(e: &NewExample) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(e.label.as_bytes());
    h.update([0]);
    h.update(e.lang.as_deref().unwrap_or("").as_bytes());
    h.update([0]);
    h.update(e.text.as_bytes());
    h.finalize().into()
}

impl Store {
    /// Stores every example of every `(source, examples)` batch not stored
    /// yet, in one transaction; returns how many each batch added (an
    /// example already there, from any file, adds nothing).
    pub fn import_examples(
        &mut self,
        batches: &[(String, Vec<NewExample>)],
        at: DateTime<Utc>,
    ) -> Result<Vec<usize>> {
        let at = to_db_time(at);
        let hashed: Vec<Vec<[u8; 32]>> = batches
            .iter()
            .map(|(_, rows)| rows.iter().map(example_hash).collect())
            .collect();
        self.write_sqlite(|tx| {
            let mut stmt = tx.prepare_cached(
                "INSERT OR IGNORE INTO learn_examples (hash, label, lang, text, source, imported_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            let mut added = Vec::with_capacity(batches.len());
            for ((source, rows), hashes) in batches.iter().zip(&hashed) {
                let mut n = 0;
                for (e, hash) in rows.iter().zip(hashes) {
                    n += stmt.execute(params![&hash[..], e.label, e.lang, e.text, source, at])?;
                }
                added.push(n);
            }
            Ok(added)
        })
    }

    /// The imported examples, newest first, at most `limit`, each text cut
    /// to its first [`TEXT_CHARS`] characters.
    pub fn examples(&self, limit: usize) -> Result<Vec<StoredExample>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT label, lang, substr(text, 1, ?2) FROM learn_examples
                 ORDER BY id DESC LIMIT ?1",
            )
            .map_err(self.sqlite_err())?;
        let rows = stmt
            .query_map(params![limit_of(limit), TEXT_CHARS], |r| {
                Ok(StoredExample {
                    label: r.get(0)?,
                    lang: r.get(1)?,
                    text: r.get(2)?,
                })
            })
            .and_then(Iterator::collect)
            .map_err(self.sqlite_err())?;
        Ok(rows)
    }

    /// The mentions labelled complaint, praise or neutral, newest first, at
    /// most `limit`, each text cut to its first [`TEXT_CHARS`] characters.
    pub fn labelled_mentions(&self, limit: usize) -> Result<Vec<LabelledMention>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT m.id, m.watch, m.label, i.title, substr(i.text, 1, ?2)
                 FROM mentions m JOIN items i ON i.id = m.item_id
                 WHERE m.label IN ('complaint', 'praise', 'neutral')
                 ORDER BY m.id DESC LIMIT ?1",
            )
            .map_err(self.sqlite_err())?;
        let rows = stmt
            .query_map(params![limit_of(limit), TEXT_CHARS], |r| {
                Ok(LabelledMention {
                    id: r.get(0)?,
                    watch: r.get(1)?,
                    label: r.get(2)?,
                    title: r.get(3)?,
                    text: r.get(4)?,
                })
            })
            .and_then(Iterator::collect)
            .map_err(self.sqlite_err())?;
        Ok(rows)
    }

    /// The id of the latest label event (0 when there is none): a training
    /// notes it, and [`Store::labels_since`] counts from it.
    pub fn label_mark(&self) -> Result<i64> {
        self.conn()
            .query_row(
                "SELECT COALESCE(MAX(id), 0) FROM mention_events WHERE what = 'label'",
                [],
                |r| r.get(0),
            )
            .map_err(self.sqlite_err())
    }

    /// How many labels were set or changed after the event `mark`.
    pub fn labels_since(&self, mark: i64) -> Result<i64> {
        self.conn()
            .query_row(
                "SELECT COUNT(*) FROM mention_events WHERE what = 'label' AND id > ?1",
                [mark],
                |r| r.get(0),
            )
            .map_err(self.sqlite_err())
    }

    /// Stores `m` in place of the model before it; returns its version.
    pub fn save_model(&mut self, m: &NewModel) -> Result<i64> {
        self.write_sqlite(|tx| {
            let version: i64 = tx.query_row(
                "SELECT COALESCE(MAX(version), 0) + 1 FROM learn_model",
                [],
                |r| r.get(0),
            )?;
            tx.execute(
                "INSERT OR REPLACE INTO learn_model
                 (id, version, format, trained_at, label_mark, examples, summary, model)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    version,
                    m.format,
                    to_db_time(m.trained_at),
                    m.label_mark,
                    m.examples,
                    m.summary,
                    m.bytes
                ],
            )?;
            Ok(version)
        })
    }

    /// The stored model's particulars, when one was ever trained.
    pub fn model_info(&self) -> Result<Option<ModelInfo>> {
        self.conn()
            .query_row(
                "SELECT version, format, trained_at, label_mark, examples, summary
                 FROM learn_model WHERE id = 1",
                [],
                |r| {
                    Ok(ModelInfo {
                        version: r.get(0)?,
                        format: r.get(1)?,
                        trained_at: from_db_time(r.get(2)?),
                        label_mark: r.get(3)?,
                        examples: r.get(4)?,
                        summary: r.get(5)?,
                    })
                },
            )
            .optional()
            .map_err(self.sqlite_err())
    }

    /// The stored model's version and bytes, when one was ever trained.
    pub fn model_bytes(&self) -> Result<Option<(i64, Vec<u8>)>> {
        self.conn()
            .query_row(
                "SELECT version, model FROM learn_model WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(self.sqlite_err())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(label: &str, lang: Option<&str>, text: &str) -> NewExample {
        NewExample {
            label: label.into(),
            lang: lang.map(str::to_string),
            text: text.into(),
        }
    }

    #[test]
    fn examples_are_stored_once_and_models_count_up() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(&dir.path().join("e.db")).expect("open");
        let now = Utc::now();
        let batch = vec![
            ex("neg", None, "waar blijft mijn pakket"),
            ex("neg", Some("nl"), "waar blijft mijn pakket"),
            ex("pos", None, "top"),
            ex("pos", None, "top"),
        ];
        let added = store
            .import_examples(&[("a.tsv".into(), batch.clone())], now)
            .expect("import");
        assert_eq!(added, [3]);
        let again = store
            .import_examples(&[("b.tsv".into(), batch)], now)
            .expect("import");
        assert_eq!(again, [0]);
        assert_eq!(store.examples(10).expect("examples").len(), 3);
        assert_eq!(store.examples(2).expect("examples").len(), 2);

        assert_eq!(store.model_info().expect("info"), None);
        let model = |bytes: &[u8]| NewModel {
            format: 1,
            trained_at: now,
            label_mark: 0,
            examples: 3,
            summary: "{}".into(),
            bytes: bytes.to_vec(),
        };
        assert_eq!(store.save_model(&model(b"one")).expect("save"), 1);
        assert_eq!(store.save_model(&model(b"two")).expect("save"), 2);
        assert_eq!(
            store.model_bytes().expect("bytes"),
            Some((2, b"two".to_vec()))
        );
        assert_eq!(store.label_mark().expect("mark"), 0);
        assert_eq!(store.labels_since(0).expect("since"), 0);
    }
}

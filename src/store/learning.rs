//! What the learned model is trained on and the model itself: imported
//! labelled examples (each stored once, by a hash of its content), the
//! mentions the team labelled, how many labels were set since a training,
//! and the one stored model with its version.
//!
//! Labels here are the sentiment words `neg`, `neu`, `pos` for examples and
//! the team's words (`complaint`, `praise`, `neutral`) for mentions; the
//! model's bytes are opaque. Nothing here trains, scores or reads a file.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::db::{args, DbResult, Row, Sql};
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

fn example_row(r: &Row) -> DbResult<StoredExample> {
    Ok(StoredExample {
        label: r.get(0)?,
        lang: r.get(1)?,
        text: r.get(2)?,
    })
}

fn labelled_mention_row(r: &Row) -> DbResult<LabelledMention> {
    Ok(LabelledMention {
        id: r.get(0)?,
        watch: r.get(1)?,
        label: r.get(2)?,
        title: r.get(3)?,
        text: r.get(4)?,
    })
}

fn model_info_row(r: &Row) -> DbResult<ModelInfo> {
    Ok(ModelInfo {
        version: r.get(0)?,
        format: r.get(1)?,
        trained_at: from_db_time(r.get(2)?),
        label_mark: r.get(3)?,
        examples: r.get(4)?,
        summary: r.get(5)?,
    })
}

/// A row limit as the engines take it.
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
        self.write(|tx| {
            let mut added = Vec::with_capacity(batches.len());
            for ((source, rows), hashes) in batches.iter().zip(&hashed) {
                let mut n = 0;
                for (e, hash) in rows.iter().zip(hashes) {
                    n += tx.execute(
                        "INSERT OR IGNORE INTO learn_examples (hash, label, lang, text, source, imported_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        args![&hash[..], &e.label, &e.lang, &e.text, source, at],
                    )?;
                }
                added.push(usize::try_from(n).unwrap_or(usize::MAX));
            }
            Ok(added)
        })
    }

    /// The imported examples, newest first, at most `limit`, each text cut
    /// to its first [`TEXT_CHARS`] characters.
    pub fn examples(&self, limit: usize) -> Result<Vec<StoredExample>> {
        self.read(|db| {
            db.query(
                "SELECT label, lang, substr(text, 1, ?2) FROM learn_examples
                 ORDER BY id DESC LIMIT ?1",
                args![limit_of(limit), TEXT_CHARS],
            )?
            .iter()
            .map(example_row)
            .collect()
        })
    }

    /// The mentions labelled complaint, praise or neutral, newest first, at
    /// most `limit`, each text cut to its first [`TEXT_CHARS`] characters.
    pub fn labelled_mentions(&self, limit: usize) -> Result<Vec<LabelledMention>> {
        self.read(|db| {
            db.query(
                "SELECT m.id, m.watch, m.label, i.title, substr(i.text, 1, ?2)
                 FROM mentions m JOIN items i ON i.id = m.item_id
                 WHERE m.label IN ('complaint', 'praise', 'neutral')
                 ORDER BY m.id DESC LIMIT ?1",
                args![limit_of(limit), TEXT_CHARS],
            )?
            .iter()
            .map(labelled_mention_row)
            .collect()
        })
    }

    /// The id of the latest label event (0 when there is none): a training
    /// notes it, and [`Store::labels_since`] counts from it.
    pub fn label_mark(&self) -> Result<i64> {
        self.read(|db| {
            db.query_value(
                "SELECT COALESCE(MAX(id), 0) FROM mention_events WHERE what = 'label'",
                args![],
            )
        })
    }

    /// How many labels were set or changed after the event `mark`.
    pub fn labels_since(&self, mark: i64) -> Result<i64> {
        self.read(|db| {
            db.query_value(
                "SELECT COUNT(*) FROM mention_events WHERE what = 'label' AND id > ?1",
                args![mark],
            )
        })
    }

    /// Stores `m` in place of the model before it; returns its version.
    pub fn save_model(&mut self, m: &NewModel) -> Result<i64> {
        self.write(|tx| {
            let version: i64 = tx.query_value(
                "SELECT COALESCE(MAX(version), 0) + 1 FROM learn_model",
                args![],
            )?;
            tx.execute(
                "INSERT INTO learn_model
                 (id, version, format, trained_at, label_mark, examples, summary, model)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (id) DO UPDATE SET version = excluded.version,
                    format = excluded.format, trained_at = excluded.trained_at,
                    label_mark = excluded.label_mark, examples = excluded.examples,
                    summary = excluded.summary, model = excluded.model",
                args![
                    version,
                    m.format,
                    to_db_time(m.trained_at),
                    m.label_mark,
                    m.examples,
                    &m.summary,
                    m.bytes.as_slice()
                ],
            )?;
            Ok(version)
        })
    }

    /// The stored model's particulars, when one was ever trained.
    pub fn model_info(&self) -> Result<Option<ModelInfo>> {
        self.read(|db| {
            db.query_opt(
                "SELECT version, format, trained_at, label_mark, examples, summary
                 FROM learn_model WHERE id = 1",
                args![],
            )?
            .as_ref()
            .map(model_info_row)
            .transpose()
        })
    }

    /// The stored model's version and bytes, when one was ever trained.
    pub fn model_bytes(&self) -> Result<Option<(i64, Vec<u8>)>> {
        self.read(|db| {
            db.query_opt(
                "SELECT version, model FROM learn_model WHERE id = 1",
                args![],
            )?
            .map(|r| Ok((r.get(0)?, r.get(1)?)))
            .transpose()
        })
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

    /// A mention of `watch` on a new item titled `title`, through the
    /// poll path; the source `feed` must be known.
    fn mention(store: &mut Store, key: &str, title: &str, text: &str) -> i64 {
        use crate::store::{Finding, FindingHit, PollOutcome, PollRecord};
        let record = PollRecord {
            source: "feed".into(),
            at: Utc::now(),
            outcome: PollOutcome::Fetched {
                validators: Default::default(),
                cursor: None,
                items: 1,
            },
            findings: vec![Finding {
                item: crate::sources::Item {
                    key: key.into(),
                    url: None,
                    title: title.into(),
                    text: text.into(),
                    author: None,
                    published: None,
                    rating: None,
                    page_link: None,
                },
                hits: vec![FindingHit {
                    watch: "acme".into(),
                    terms: vec!["acme".into()],
                    snippet: String::new(),
                    sentiment: None,
                    deliveries: Vec::new(),
                }],
            }],
        };
        store.record_polls(&[record]).expect("record")[0][0]
    }

    /// Labels mention `id` as triage does: the label and its event (triage
    /// itself is another module's; this is its SQL's effect).
    fn label(store: &mut Store, id: i64, label: &str) {
        store
            .write(|tx| {
                tx.execute(
                    "UPDATE mentions SET label = ?2 WHERE id = ?1",
                    args![id, label],
                )?;
                tx.execute(
                    r#"INSERT INTO mention_events (mention_id, at, "by", what, "from", "to")
                       VALUES (?1, 0, 'test', 'label', NULL, ?2)"#,
                    args![id, label],
                )
            })
            .expect("label");
    }

    #[test]
    fn examples_are_stored_once_and_models_count_up() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (engine, mut store) in crate::store::testing::stores(dir.path()) {
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
            assert_eq!(added, [3], "{engine}");
            let again = store
                .import_examples(
                    &[
                        ("b.tsv".into(), batch),
                        ("c.tsv".into(), vec![ex("neu", Some("en"), "ok")]),
                    ],
                    now,
                )
                .expect("import");
            assert_eq!(again, [0, 1], "{engine}");
            let stored = store.examples(10).expect("examples");
            assert_eq!(stored.len(), 4, "{engine}");
            assert_eq!(
                stored[0],
                StoredExample {
                    label: "neu".into(),
                    lang: Some("en".into()),
                    text: "ok".into()
                },
                "{engine}: newest first"
            );
            assert_eq!(store.examples(2).expect("examples").len(), 2, "{engine}");

            assert_eq!(store.model_info().expect("info"), None, "{engine}");
            assert_eq!(store.model_bytes().expect("bytes"), None, "{engine}");
            let model = |bytes: &[u8]| NewModel {
                format: 1,
                trained_at: now,
                label_mark: 7,
                examples: 3,
                summary: "{}".into(),
                bytes: bytes.to_vec(),
            };
            assert_eq!(
                store.save_model(&model(b"one")).expect("save"),
                1,
                "{engine}"
            );
            // Every byte value survives, as BLOB and as BYTEA.
            let two: Vec<u8> = (0..=255).collect();
            assert_eq!(store.save_model(&model(&two)).expect("save"), 2, "{engine}");
            assert_eq!(
                store.model_bytes().expect("bytes"),
                Some((2, two)),
                "{engine}"
            );
            assert_eq!(
                store.model_info().expect("info"),
                Some(ModelInfo {
                    version: 2,
                    format: 1,
                    trained_at: crate::store::from_db_time(now.timestamp()),
                    label_mark: 7,
                    examples: 3,
                    summary: "{}".into(),
                }),
                "{engine}"
            );
            assert_eq!(store.label_mark().expect("mark"), 0, "{engine}");
            assert_eq!(store.labels_since(0).expect("since"), 0, "{engine}");
        }
    }

    #[test]
    fn labelled_mentions_come_newest_first_cut_to_the_text_limit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = crate::config::Config::parse(
            "[[watch]]\nname = \"acme\"\nterms = [\"acme\"]\n\n\
             [[source]]\nname = \"feed\"\nkind = \"feed\"\nurl = \"http://127.0.0.1:1/feed.rss\"\n",
            &dir.path().join("earshot.toml"),
        )
        .expect("config");
        // Longer than the limit, with a character of two bytes so that
        // the cut counts characters on both engines.
        let long = "é".repeat(TEXT_CHARS as usize + 10);
        for (engine, mut store) in crate::store::testing::stores(dir.path()) {
            store.sync_sources(&config.sources).expect("sync");
            let a = mention(&mut store, "a", "acme down", &long);
            let b = mention(&mut store, "b", "acme great", "love it");
            let c = mention(&mut store, "c", "acme news", "ok");
            let _unlabelled = mention(&mut store, "d", "acme", "nothing");
            label(&mut store, a, "complaint");
            let mark = store.label_mark().expect("mark");
            assert!(mark > 0, "{engine}: a label event was written");
            label(&mut store, b, "praise");
            label(&mut store, c, "irrelevant");
            assert_eq!(store.labels_since(mark).expect("since"), 2, "{engine}");
            assert!(store.label_mark().expect("mark") > mark, "{engine}");
            let labelled = store.labelled_mentions(10).expect("labelled");
            let seen: Vec<(i64, &str, &str)> = labelled
                .iter()
                .map(|m| (m.id, m.label.as_str(), m.title.as_str()))
                .collect();
            assert_eq!(
                seen,
                [(b, "praise", "acme great"), (a, "complaint", "acme down")],
                "{engine}: irrelevant and unlabelled left out, newest first"
            );
            assert_eq!(labelled[0].watch, "acme", "{engine}");
            assert_eq!(
                labelled[1].text.chars().count(),
                TEXT_CHARS as usize,
                "{engine}: cut to the limit in characters"
            );
            assert_eq!(
                store.labelled_mentions(1).expect("labelled").len(),
                1,
                "{engine}"
            );
        }
    }
}

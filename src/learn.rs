//! Learning from the team's labels: gathers what the learned model is
//! trained on (every mention labelled complaint, praise or neutral, and
//! every imported example), scores each with the rules as the daemon would,
//! trains ([`sentiment::train`]), stores the model, and hands the compiled
//! model to whoever scores. `earshot learn` and the daemon call the same
//! [`train_and_store`].
//!
//! The daemon's [`run`] looks every `[learn] check_every` for a model
//! trained elsewhere (`earshot learn`) and for new labels, trains again on
//! a blocking thread when `retrain_after` labels arrived or
//! `retrain_every` passed, and swaps the new model into the [`Slot`] the
//! pollers read; polling never waits for it. Training is glue: it reads and
//! writes the store and files; the sentiment code it calls does no I/O.

use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::sentiment::train::{self, Example, Neg, Params};
use crate::sentiment::{eval, Analyzer, Label, Lang, Model};
use crate::store::{NewExample, NewModel, Store, StoreError};

/// The compiled model the pollers score with, swapped whole when a new one
/// is trained or loaded: a reader holds its `Arc` for a poll, so a swap
/// never changes a model under a text being scored.
#[derive(Default)]
pub struct Slot {
    model: RwLock<Option<(i64, Arc<Model>)>>,
}

impl Slot {
    /// A slot holding `model` (its stored version and the model).
    pub fn new(model: Option<(i64, Model)>) -> Slot {
        Slot {
            model: RwLock::new(model.map(|(v, m)| (v, Arc::new(m)))),
        }
    }

    /// The model to score with now; `None` scores with the rules alone.
    pub fn get(&self) -> Option<Arc<Model>> {
        let guard = self.model.read().unwrap_or_else(|p| p.into_inner());
        guard.as_ref().map(|(_, m)| m.clone())
    }

    /// The stored version of the model held (`None`: none loaded).
    pub fn version(&self) -> Option<i64> {
        let guard = self.model.read().unwrap_or_else(|p| p.into_inner());
        guard.as_ref().map(|(v, _)| *v)
    }

    fn set(&self, version: i64, model: Model) {
        let mut guard = self.model.write().unwrap_or_else(|p| p.into_inner());
        *guard = Some((version, Arc::new(model)));
    }
}

/// Reads the stored model, if any was trained. One that does not read
/// (stored by another earshot version) is logged and left unused: the rules
/// score alone until the next training.
pub fn load(store: &Store) -> Result<Option<(i64, Model)>, StoreError> {
    let Some((version, bytes)) = store.model_bytes()? else {
        return Ok(None);
    };
    match Model::from_bytes(&bytes) {
        Ok(m) => Ok(Some((version, m))),
        Err(e) => {
            tracing::warn!(version, error = %e, "the rules score alone");
            Ok(None)
        }
    }
}

/// Examples a training reads at most: the team's labels newest first, then
/// imported examples newest first. Bounds a training's memory (about 1 KiB
/// an example) and time (seconds per 10,000).
pub const MAX_EXAMPLES: usize = 200_000;

/// The largest import file read.
const MAX_IMPORT_BYTES: u64 = 256 * 1024 * 1024;

/// Reads an import file (`label<TAB>text[<TAB>lang]` a line) into examples
/// to store; the first bad line is an error naming the file and the line.
pub fn read_import(path: &Path) -> anyhow::Result<Vec<NewExample>> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("reading examples from {}", path.display()))?
        .len();
    anyhow::ensure!(
        size <= MAX_IMPORT_BYTES,
        "{} is {} MiB; import files of at most {} MiB (split it)",
        path.display(),
        size / (1024 * 1024),
        MAX_IMPORT_BYTES / (1024 * 1024)
    );
    let input = std::fs::read_to_string(path)
        .with_context(|| format!("reading examples from {}", path.display()))?;
    let rows = eval::parse_examples(&input).map_err(|e| {
        anyhow::anyhow!(
            "{}:{}: {} (each line: neg, neu or pos, a tab, the text, and optionally a tab and nl or en)",
            path.display(),
            e.line,
            e.message
        )
    })?;
    Ok(rows
        .into_iter()
        .map(|r| NewExample {
            label: short(r.label).into(),
            lang: r.lang.map(|l| l.as_str().to_string()),
            text: r.text.to_string(),
        })
        .collect())
}

fn short(l: Label) -> &'static str {
    match l {
        Label::Negative => "neg",
        Label::Neutral => "neu",
        Label::Positive => "pos",
    }
}

/// Examples per class.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    pub neg: usize,
    pub neu: usize,
    pub pos: usize,
}

impl Counts {
    fn add(&mut self, l: Label) {
        match l {
            Label::Negative => self.neg += 1,
            Label::Neutral => self.neu += 1,
            Label::Positive => self.pos += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.neg + self.neu + self.pos
    }
}

/// Negative-class figures, cross-validated.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NegFigures {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl From<Neg> for NegFigures {
    fn from(n: Neg) -> Self {
        NegFigures {
            precision: n.precision,
            recall: n.recall,
            f1: n.f1,
        }
    }
}

/// What one training did for one language (`unknown`: texts whose
/// language was not recognised, never trained on).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LangSummary {
    pub lang: String,
    /// From the team's labels, and imported.
    pub labels: Counts,
    pub imported: Counts,
    /// Whether the model is used for this language.
    pub used: bool,
    pub why_not: Option<String>,
    /// Cross-validated on these examples: the rules alone, rules + model.
    pub rules: Option<NegFigures>,
    pub with_model: Option<NegFigures>,
}

/// What [`train_and_store`] did.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    /// The stored model's version.
    pub version: i64,
    pub trained_at: DateTime<Utc>,
    pub languages: Vec<LangSummary>,
}

/// A text to train on, owned, with where it came from.
struct Gathered {
    text: String,
    label: Label,
    lang: Option<Lang>,
    /// The watch's own rules (labelled mentions only).
    watch: Option<usize>,
    imported: bool,
}

/// Trains on every labelled mention and imported example in `store`,
/// scored by the rules as the daemon scores (with each mention's watch's
/// own rules), stores the model and returns what it did with it.
pub fn train_and_store(
    config: &Config,
    store: &mut Store,
    analyzer: &Analyzer,
    now: DateTime<Utc>,
) -> anyhow::Result<(Summary, Model)> {
    let label_mark = store.label_mark()?;
    let mut gathered: Vec<Gathered> = Vec::new();
    // The newest first, so a cap keeps what is most like today's stream.
    for m in store.labelled_mentions(MAX_EXAMPLES)? {
        let label = match m.label.as_str() {
            "complaint" => Label::Negative,
            "praise" => Label::Positive,
            _ => Label::Neutral,
        };
        gathered.push(Gathered {
            // As the pipeline scores a mention: title, then text.
            text: format!("{}\n{}", m.title, m.text),
            label,
            lang: None,
            watch: config.watches.iter().position(|w| w.name == m.watch),
            imported: false,
        });
    }
    for e in store.examples(MAX_EXAMPLES.saturating_sub(gathered.len()))? {
        let Ok(label) = e.label.parse::<Label>() else {
            continue;
        };
        gathered.push(Gathered {
            text: e.text,
            label,
            lang: e.lang.as_deref().and_then(|l| l.parse::<Lang>().ok()),
            watch: None,
            imported: true,
        });
    }
    let scored: Vec<_> = gathered
        .iter()
        .map(|g| {
            let custom = g.watch.and_then(|i| config.compiled.custom.get(i));
            analyzer.analyze_with(&g.text, g.lang, None, custom, None)
        })
        .collect();
    let examples: Vec<Example<'_>> = gathered
        .iter()
        .zip(&scored)
        .map(|(g, s)| Example {
            text: &g.text,
            lang: s.lang,
            label: g.label,
            rules_score: s.score,
            rules_label: s.label,
        })
        .collect();
    let (model, reports) = train::train(&examples, &Params::default());
    let mut languages = Vec::new();
    for lang in [Lang::Nl, Lang::En, Lang::Unknown] {
        let (mut labels, mut imported) = (Counts::default(), Counts::default());
        for (g, _) in gathered
            .iter()
            .zip(&examples)
            .filter(|(_, e)| e.lang == lang)
        {
            if g.imported {
                imported.add(g.label);
            } else {
                labels.add(g.label);
            }
        }
        let report = reports.iter().find(|r| r.lang == lang);
        if report.is_none() && labels.total() + imported.total() == 0 {
            continue;
        }
        languages.push(LangSummary {
            lang: lang.as_str().to_string(),
            labels,
            imported,
            used: report.is_some_and(|r| r.used),
            why_not: match report {
                Some(r) => r.why_not.clone(),
                None => Some("no model for texts whose language is not recognised".into()),
            },
            rules: report.and_then(|r| r.rules).map(NegFigures::from),
            with_model: report.and_then(|r| r.with_model).map(NegFigures::from),
        });
    }
    let mut summary = Summary {
        version: 0,
        trained_at: now,
        languages,
    };
    summary.version = store.save_model(&NewModel {
        format: crate::sentiment::MODEL_FORMAT,
        trained_at: now,
        label_mark,
        examples: examples.len() as i64,
        summary: serde_json::to_string(&summary)?,
        bytes: model.to_bytes(),
    })?;
    Ok((summary, model))
}

/// The daemon's learner: loads a model stored by someone else, trains
/// again when due, and swaps each new model into `slot`. Runs until
/// `cancel`; a failure is logged and tried again at the next check.
pub async fn run(config: Config, slot: Arc<Slot>, cancel: CancellationToken) {
    let learn = config.learn.clone();
    let mut tick = tokio::time::interval(learn.check_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let config = Arc::new(config);
    let analyzer: Arc<std::sync::OnceLock<Analyzer>> = Arc::default();
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tick.tick() => {}
        }
        let (c, s, a) = (config.clone(), slot.clone(), analyzer.clone());
        let job = tokio::task::spawn_blocking(move || check(&c, &s, &a));
        // Shutdown does not wait for a training: it stops at the next
        // step or is left (its write is one transaction).
        let result = tokio::select! {
            _ = cancel.cancelled() => return,
            r = job => r,
        };
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::warn!(error = %format!("{e:#}"), "learning from labels failed; trying again later")
            }
            Err(e) => tracing::error!(error = %e, "the learner crashed; trying again later"),
        }
    }
}

/// One check (on a blocking thread): load a model trained elsewhere, and
/// train again when enough labels arrived or the last training is old.
fn check(
    config: &Config,
    slot: &Slot,
    analyzer: &std::sync::OnceLock<Analyzer>,
) -> anyhow::Result<()> {
    let mut store = Store::open(&config.storage.database)?;
    let info = store.model_info()?;
    // A model in another format (stored by another earshot version) is
    // trained again rather than read.
    let readable = info
        .as_ref()
        .is_some_and(|i| i.format == crate::sentiment::MODEL_FORMAT);
    if let Some(info) = info.as_ref().filter(|_| readable) {
        if slot.version() != Some(info.version) {
            if let Some((version, model)) = load(&store)? {
                tracing::info!(version, languages = ?model.languages(), "loaded the learned model");
                slot.set(version, model);
            }
        }
    }
    let now = Utc::now();
    let due = match &info {
        None => store.label_mark()? > 0 || !store.examples(1)?.is_empty(),
        Some(_) if !readable => true,
        Some(info) => {
            let new = store.labels_since(info.label_mark)?;
            let age = (now - info.trained_at).to_std().unwrap_or(Duration::ZERO);
            new >= i64::from(config.learn.retrain_after)
                || (age >= config.learn.retrain_every && (new > 0 || info.examples > 0))
        }
    };
    if !due {
        return Ok(());
    }
    let analyzer = analyzer.get_or_init(Analyzer::new);
    let started = std::time::Instant::now();
    let (summary, model) = train_and_store(config, &mut store, analyzer, now)?;
    let used: Vec<&str> = summary
        .languages
        .iter()
        .filter(|l| l.used)
        .map(|l| l.lang.as_str())
        .collect();
    tracing::info!(
        version = summary.version,
        in_use = ?used,
        seconds = started.elapsed().as_secs_f64(),
        "trained the learned model on the team's labels"
    );
    slot.set(summary.version, model);
    Ok(())
}

//! `earshot eval-sentiment FILE.tsv`: measures the sentiment stage on a
//! labelled `label<TAB>text` file and prints per-class precision, recall,
//! F1, macro-F1 and the confusion matrix, as a table or one JSON object.
//! With a config (`--config` or `$EARSHOT_CONFIG`) it scores as the daemon
//! does: the rules and the learned model stored in its database, when there
//! is one; `--rules-only` leaves the model out.

use std::path::PathBuf;

use anyhow::Context as _;

use crate::config::Config;
use crate::sentiment::{eval, Analyzer, Lang, Model};
use crate::store::{Store, StoreError};

/// Language to force on every line (default: detect per line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EvalLang {
    Nl,
    En,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Labelled file: one `neg|neu|pos<TAB>text` a line.
    pub file: PathBuf,
    /// Score every line as this language instead of detecting it.
    #[arg(long, value_enum)]
    pub lang: Option<EvalLang>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Also write each line's gold label, prediction, score, text and reasons
    /// to this file (tab-separated), to read where the scorer disagrees.
    #[arg(long, value_name = "PATH")]
    pub predictions: Option<PathBuf>,
    /// Score with the rules alone, without the learned model.
    #[arg(long)]
    pub rules_only: bool,
}

/// The learned model the daemon would score with: the one in the config's
/// database, if any. No database yet is no model.
fn stored_model(config: &Config) -> anyhow::Result<Option<(i64, Model)>> {
    let store = match Store::open_read_only(&config.storage.database) {
        Ok(store) => store,
        Err(StoreError::Missing { .. }) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    Ok(crate::learn::load(&store)?)
}

pub fn run(args: &Args, config: Option<&Config>) -> anyhow::Result<()> {
    let input = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading evaluation file {}", args.file.display()))?;
    let rows =
        eval::parse_tsv(&input).with_context(|| format!("parsing {}", args.file.display()))?;
    anyhow::ensure!(
        !rows.is_empty(),
        "{} holds no labelled lines",
        args.file.display()
    );
    let lang = args.lang.map(|l| match l {
        EvalLang::Nl => Lang::Nl,
        EvalLang::En => Lang::En,
    });
    let model = match config {
        Some(c) if !args.rules_only => stored_model(c)?,
        _ => None,
    };
    let scorer = match &model {
        Some((version, m)) if !m.languages().is_empty() => {
            let langs: Vec<&str> = m.languages().iter().map(|l| l.as_str()).collect();
            format!(
                "the rules and the learned model (version {version}, in use for {})",
                langs.join(", ")
            )
        }
        _ => "the rules alone".to_string(),
    };
    let analyzer = Analyzer::new();
    let scored = eval::score_with(&analyzer, &rows, lang, model.as_ref().map(|(_, m)| m));
    if let Some(path) = &args.predictions {
        std::fs::write(path, eval::render_predictions(&rows, &scored))
            .with_context(|| format!("writing predictions to {}", path.display()))?;
    }
    let pairs: Vec<_> = rows
        .iter()
        .zip(&scored)
        .map(|((g, _), s)| (*g, s.label))
        .collect();
    let report = eval::report(&pairs);
    match args.format {
        Format::Table => print!("scored by {scorer}\n{}", eval::render_table(&report)),
        Format::Json => {
            let mut json = serde_json::to_value(&report)?;
            if let Some(o) = json.as_object_mut() {
                o.insert("scorer".into(), scorer.into());
            }
            println!("{json}");
        }
    }
    Ok(())
}

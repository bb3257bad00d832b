//! `earshot eval-sentiment FILE.tsv`: measures the sentiment stage on a
//! labelled `label<TAB>text` file and prints per-class precision, recall,
//! F1, macro-F1 and the confusion matrix, as a table or one JSON object.

use std::path::PathBuf;

use anyhow::Context as _;

use crate::sentiment::{eval, Analyzer, Lang};

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
}

pub fn run(args: &Args) -> anyhow::Result<()> {
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
    let analyzer = Analyzer::new();
    let scored = eval::score(&analyzer, &rows, lang);
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
        Format::Table => print!("{}", eval::render_table(&report)),
        Format::Json => println!("{}", serde_json::to_string(&report)?),
    }
    Ok(())
}

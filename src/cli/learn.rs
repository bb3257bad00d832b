//! `earshot learn [--import FILE.tsv]… [--report]`: imports labelled
//! examples, trains the learned model on them and on every mention the team
//! labelled, stores it (the daemon picks it up), and says per language how
//! many examples of each class it used and whether the model is in use;
//! `--report` adds the cross-validated negative-class figures of the rules
//! alone and of rules + model on those examples.

use std::io::Write;
use std::path::PathBuf;

use crate::config::Config;
use crate::learn::{self, Counts, LangSummary, NegFigures, Summary};
use crate::sentiment::Analyzer;
use crate::store::Store;

use super::output::{self, ReportFormat};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Import a labelled file first: `neg|neu|pos<TAB>text[<TAB>nl|en]` a
    /// line, language detected when left out (repeatable). An example
    /// already imported is not added again.
    #[arg(long = "import", value_name = "FILE.tsv")]
    pub imports: Vec<PathBuf>,
    /// Also print cross-validated negative precision, recall and F1 of the
    /// rules alone and of rules + model on these examples.
    #[arg(long)]
    pub report: bool,
    /// Text for people, or one JSON object.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
}

#[derive(serde::Serialize)]
struct Imported {
    file: String,
    examples: usize,
    added: usize,
}

#[derive(serde::Serialize)]
struct Learned<'a> {
    imported: Vec<Imported>,
    #[serde(flatten)]
    summary: &'a Summary,
}

pub fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    // Every file is read and checked before the database is touched: a bad
    // line stores nothing.
    let mut batches = Vec::new();
    for path in &args.imports {
        batches.push((path.display().to_string(), learn::read_import(path)?));
    }
    let now = chrono::Utc::now();
    let mut store = Store::open(&config.storage.database)?;
    let added = store.import_examples(&batches, now)?;
    let (summary, _) = learn::train_and_store(config, &mut store, &Analyzer::new(), now)?;
    let imported = batches
        .iter()
        .zip(added)
        .map(|((file, rows), added)| Imported {
            file: file.clone(),
            examples: rows.len(),
            added,
        })
        .collect();
    let learned = Learned {
        imported,
        summary: &summary,
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        ReportFormat::Json => output::json_line(&mut out, &learned)?,
        ReportFormat::Table => table(&mut out, &learned, args.report, config)?,
    }
    Ok(())
}

fn counts(c: &Counts) -> String {
    format!("{}/{}/{}", c.neg, c.neu, c.pos)
}

fn figures(f: Option<NegFigures>) -> String {
    f.map_or_else(
        || "-".into(),
        |f| format!("{:.3}/{:.3}/{:.3}", f.precision, f.recall, f.f1),
    )
}

fn model(l: &LangSummary) -> String {
    match (&l.why_not, l.used) {
        (_, true) => "in use".into(),
        (Some(why), false) => format!("not used: {why}"),
        (None, false) => "not used".into(),
    }
}

fn table(
    out: &mut impl Write,
    l: &Learned<'_>,
    report: bool,
    config: &Config,
) -> std::io::Result<()> {
    for i in &l.imported {
        writeln!(
            out,
            "imported {}: {} new of {} examples",
            output::clean(&i.file, 500),
            i.added,
            i.examples
        )?;
    }
    let s = l.summary;
    writeln!(
        out,
        "learned model version {}, trained {}",
        s.version,
        output::time(Some(s.trained_at), config.daemon.timezone)
    )?;
    writeln!(out)?;
    let rows: Vec<Vec<String>> = s
        .languages
        .iter()
        .map(|l| {
            vec![
                l.lang.clone(),
                counts(&l.labels),
                counts(&l.imported),
                model(l),
            ]
        })
        .collect();
    if rows.is_empty() {
        writeln!(
            out,
            "nothing to learn from yet: label mentions (complaint, praise, neutral) or import examples with --import"
        )?;
    } else {
        output::table(
            out,
            &[
                "LANG",
                "LABELS NEG/NEU/POS",
                "IMPORTED NEG/NEU/POS",
                "MODEL",
            ],
            &rows,
        )?;
    }
    if report {
        writeln!(out)?;
        writeln!(
            out,
            "negative class, cross-validated (5 folds) on these examples, precision/recall/F1:"
        )?;
        let rows: Vec<Vec<String>> = s
            .languages
            .iter()
            .filter(|l| l.rules.is_some())
            .map(|l| vec![l.lang.clone(), figures(l.rules), figures(l.with_model)])
            .collect();
        if rows.is_empty() {
            writeln!(out, "(no language has enough examples to try a model)")?;
        } else {
            output::table(out, &["LANG", "RULES", "RULES + MODEL"], &rows)?;
        }
    }
    Ok(())
}

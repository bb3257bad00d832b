//! Evaluation of the scorer on labelled text: parse `label<TAB>text` lines,
//! score them, and report per-class precision, recall and F1, macro-F1 and
//! the confusion matrix. Pure: the caller reads the file and prints.
//!
//! Binary sets (gold labels only `neg`/`pos`) ask "negative or not", so a
//! `neutral` prediction there counts as `pos` (not negative).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Analyzer, Label, Lang, Model, Sentiment};

/// A line that is not `label<TAB>text`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct TsvError {
    pub line: usize,
    pub message: String,
}

/// Parses `neg|neu|pos<TAB>text` lines (blank lines skipped, `\r` ignored).
pub fn parse_tsv(input: &str) -> Result<Vec<(Label, &str)>, TsvError> {
    let mut rows = Vec::new();
    for (i, line) in input.lines().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let Some((label, text)) = line.split_once('\t') else {
            return Err(TsvError {
                line: i + 1,
                message: "expected label<TAB>text, found no tab".into(),
            });
        };
        let label = label.parse::<Label>().map_err(|e| TsvError {
            line: i + 1,
            message: e.to_string(),
        })?;
        rows.push((label, text));
    }
    Ok(rows)
}

/// The longest text an imported example may have, in bytes.
pub const MAX_EXAMPLE_BYTES: usize = 64 * 1024;

/// One line of an import file: `label<TAB>text[<TAB>lang]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExampleRow<'a> {
    pub label: Label,
    pub text: &'a str,
    /// `None`: detect it.
    pub lang: Option<Lang>,
}

/// Parses `neg|neu|pos<TAB>text[<TAB>nl|en]` lines (blank lines skipped,
/// `\r` ignored, an empty third column means "detect"); the first bad line
/// is an error with its number.
pub fn parse_examples(input: &str) -> Result<Vec<ExampleRow<'_>>, TsvError> {
    let mut rows = Vec::new();
    for (i, line) in input.lines().enumerate() {
        let bad = |message: String| TsvError {
            line: i + 1,
            message,
        };
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let (label, text, lang) = match fields[..] {
            [label, text] => (label, text, None),
            [label, text, lang] => (label, text, Some(lang)),
            [_] => return Err(bad("expected label<TAB>text[<TAB>lang], found no tab".into())),
            _ => {
                return Err(bad(format!(
                    "expected label<TAB>text[<TAB>lang], found {} columns (replace tabs inside a text with spaces)",
                    fields.len()
                )))
            }
        };
        let label = label.parse::<Label>().map_err(|e| bad(e.to_string()))?;
        let text = text.trim();
        if text.is_empty() {
            return Err(bad("the text is empty".into()));
        }
        if text.len() > MAX_EXAMPLE_BYTES {
            return Err(bad(format!(
                "the text is {} bytes, more than the {} an example may have",
                text.len(),
                MAX_EXAMPLE_BYTES
            )));
        }
        let lang = match lang.map(str::trim).filter(|l| !l.is_empty()) {
            None => None,
            Some(l) => match l.parse::<Lang>() {
                Ok(l @ (Lang::Nl | Lang::En)) => Some(l),
                _ => {
                    return Err(bad(format!(
                        "unknown language {l:?} in the third column: use nl or en, or leave it out to detect it"
                    )))
                }
            },
        };
        rows.push(ExampleRow { label, text, lang });
    }
    Ok(rows)
}

/// Scores each row (as `lang` when given), in the rows' order.
pub fn score(analyzer: &Analyzer, rows: &[(Label, &str)], lang: Option<Lang>) -> Vec<Sentiment> {
    score_with(analyzer, rows, lang, None)
}

/// [`score`] with the learned `model` beside the rules, as the daemon scores.
pub fn score_with(
    analyzer: &Analyzer,
    rows: &[(Label, &str)],
    lang: Option<Lang>,
    model: Option<&Model>,
) -> Vec<Sentiment> {
    rows.iter()
        .map(|(_, text)| analyzer.analyze_with(text, lang, None, None, model))
        .collect()
}

/// Scores each row (as `lang` when given) and pairs gold with prediction.
pub fn predict(
    analyzer: &Analyzer,
    rows: &[(Label, &str)],
    lang: Option<Lang>,
) -> Vec<(Label, Label)> {
    rows.iter()
        .zip(score(analyzer, rows, lang))
        .map(|((gold, _), s)| (*gold, s.label))
        .collect()
}

/// One line per row for `--predictions`: gold, predicted, score, text and
/// reasons, tab-separated (tabs and line breaks inside become spaces), so a
/// team can read where the scorer and their labels disagree.
pub fn render_predictions(rows: &[(Label, &str)], scored: &[Sentiment]) -> String {
    let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
    let mut out = String::from("gold\tpredicted\tscore\ttext\treasons\n");
    for ((gold, text), s) in rows.iter().zip(scored) {
        let _ = writeln!(
            out,
            "{}\t{}\t{:.3}\t{}\t{}",
            short(*gold),
            short(s.label),
            s.score,
            clean(text),
            clean(&s.reasons.join("; "))
        );
    }
    out
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClassMetrics {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

/// The evaluation report; serialises to the JSON the CLI prints.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Report {
    pub n: usize,
    /// True when the gold labels hold no `neu` (neutral predictions then
    /// count as `pos`).
    pub binary: bool,
    pub classes: BTreeMap<&'static str, ClassMetrics>,
    pub macro_f1: f64,
    /// gold → predicted → count.
    pub confusion: BTreeMap<&'static str, BTreeMap<&'static str, usize>>,
}

fn short(l: Label) -> &'static str {
    match l {
        Label::Negative => "neg",
        Label::Neutral => "neu",
        Label::Positive => "pos",
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Metrics over (gold, predicted) pairs.
pub fn report(pairs: &[(Label, Label)]) -> Report {
    let binary = !pairs.iter().any(|(g, _)| *g == Label::Neutral);
    let classes: &[Label] = if binary {
        &[Label::Negative, Label::Positive]
    } else {
        &[Label::Negative, Label::Neutral, Label::Positive]
    };
    let pairs: Vec<(Label, Label)> = pairs
        .iter()
        .map(|&(g, p)| {
            (
                g,
                if binary && p == Label::Neutral {
                    Label::Positive
                } else {
                    p
                },
            )
        })
        .collect();
    let mut confusion: BTreeMap<&'static str, BTreeMap<&'static str, usize>> = BTreeMap::new();
    for g in classes {
        let row = confusion.entry(short(*g)).or_default();
        for p in classes {
            row.insert(short(*p), 0);
        }
    }
    for (g, p) in &pairs {
        *confusion
            .entry(short(*g))
            .or_default()
            .entry(short(*p))
            .or_insert(0) += 1;
    }
    let mut metrics = BTreeMap::new();
    for c in classes {
        let tp = pairs.iter().filter(|(g, p)| g == c && p == c).count();
        let predicted = pairs.iter().filter(|(_, p)| p == c).count();
        let support = pairs.iter().filter(|(g, _)| g == c).count();
        let precision = ratio(tp, predicted);
        let recall = ratio(tp, support);
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        metrics.insert(
            short(*c),
            ClassMetrics {
                precision,
                recall,
                f1,
                support,
            },
        );
    }
    let macro_f1 = metrics.values().map(|m| m.f1).sum::<f64>() / classes.len() as f64;
    Report {
        n: pairs.len(),
        binary,
        classes: metrics,
        macro_f1,
        confusion,
    }
}

/// A plain-text rendering: per-class table, macro-F1, confusion matrix.
pub fn render_table(r: &Report) -> String {
    let mut out = String::new();
    let kind = if r.binary {
        " (binary: neu counts as pos)"
    } else {
        ""
    };
    let _ = writeln!(out, "n = {}{kind}", r.n);
    let _ = writeln!(
        out,
        "{:<6} {:>9} {:>7} {:>6} {:>8}",
        "class", "precision", "recall", "f1", "support"
    );
    for (name, m) in &r.classes {
        let _ = writeln!(
            out,
            "{name:<6} {:>9.3} {:>7.3} {:>6.3} {:>8}",
            m.precision, m.recall, m.f1, m.support
        );
    }
    let _ = writeln!(out, "macro-F1 {:.3}", r.macro_f1);
    let _ = writeln!(out, "\nconfusion (rows gold, columns predicted)");
    let cols: Vec<&str> = r.confusion.keys().copied().collect();
    let _ = write!(out, "{:<6}", "");
    for c in &cols {
        let _ = write!(out, " {c:>6}");
    }
    out.push('\n');
    for (g, row) in &r.confusion {
        let _ = write!(out, "{g:<6}");
        for c in &cols {
            let _ = write!(out, " {:>6}", row.get(c).copied().unwrap_or(0));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use Label::*;

    #[test]
    fn parses_and_reports_line_numbers() {
        let rows = parse_tsv("neg\tbad\r\n\npos\tgood\n").expect("valid");
        assert_eq!(rows, vec![(Negative, "bad"), (Positive, "good")]);
        let err = parse_tsv("neg\tok\nno tab here\n").expect_err("bad line");
        assert_eq!(err.line, 2);
        let err = parse_tsv("neg\tok\nmeh\ttext\n").expect_err("bad label");
        assert_eq!(err.line, 2);
    }

    #[test]
    fn examples_parse_with_an_optional_language() {
        let rows = parse_examples("neg\twaar blijft mijn pakket\tnl\r\n\npos\tgreat\npos\tok\t\n")
            .expect("valid");
        assert_eq!(
            rows,
            vec![
                ExampleRow {
                    label: Negative,
                    text: "waar blijft mijn pakket",
                    lang: Some(Lang::Nl)
                },
                ExampleRow {
                    label: Positive,
                    text: "great",
                    lang: None
                },
                ExampleRow {
                    label: Positive,
                    text: "ok",
                    lang: None
                },
            ]
        );
        for (bad, line, says) in [
            ("neg\tok\nno tab\n", 2, "no tab"),
            ("neg\tok\nmeh\ttext\n", 2, "label"),
            ("neg\ta\tfr\n", 1, "nl or en"),
            ("neg\ta\tnl\tx\n", 1, "4 columns"),
            ("neg\t  \n", 1, "empty"),
        ] {
            let err = parse_examples(bad).expect_err(bad);
            assert_eq!(err.line, line, "{bad:?}");
            assert!(err.message.contains(says), "{bad:?}: {}", err.message);
        }
        let long = format!("neg\t{}\n", "a".repeat(MAX_EXAMPLE_BYTES + 1));
        assert!(parse_examples(&long).is_err());
    }

    #[test]
    fn metrics_are_right() {
        let pairs = [
            (Negative, Negative),
            (Negative, Positive),
            (Positive, Negative),
            (Positive, Positive),
            (Positive, Neutral),
        ];
        let r = report(&pairs);
        assert!(r.binary);
        let neg = &r.classes["neg"];
        assert!((neg.precision - 0.5).abs() < 1e-9 && (neg.recall - 0.5).abs() < 1e-9);
        // neutral counted as pos in a binary set
        assert_eq!(r.confusion["pos"]["pos"], 2);
        let r3 = report(&[
            (Neutral, Neutral),
            (Negative, Neutral),
            (Positive, Positive),
        ]);
        assert!(!r3.binary);
        assert_eq!(r3.classes["neg"].f1, 0.0);
        assert_eq!(r3.classes.len(), 3);
        assert!(render_table(&r3).contains("macro-F1"));
    }
}

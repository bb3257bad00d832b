//! Output formats shared by the listing commands: aligned tables for people,
//! JSON Lines and CSV for tools. Text from the internet is cleaned of control
//! characters and bidi controls ([`clean`], the one function every command
//! uses for text it prints for people), and CSV cells that a spreadsheet
//! would run as a formula are defused. JSON and CSV keep bidi controls: they
//! carry the data as written, for tools (see README).

use std::io::Write;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

/// `--format` of every command that prints for people or programs: a table
/// by default, JSON Lines or CSV.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct FormatArg {
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// `--limit` and `--format` of the commands that list rows newest first.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct ListingArgs {
    /// At most this many, newest first (default 50; 0 for all).
    #[arg(long, default_value_t = 50)]
    limit: usize,
    #[command(flatten)]
    output: FormatArg,
}

impl ListingArgs {
    /// The limit to pass to a store query: `None` for all.
    pub fn limit(&self) -> Option<usize> {
        (self.limit > 0).then_some(self.limit)
    }

    pub fn format(&self) -> Format {
        self.output.format
    }
}

/// `10m`, `2h`, `1d`, `90s`.
pub fn duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0 => format!("{}ms", d.as_millis()),
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

pub fn time(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "-".into())
}

/// Text safe for a terminal: control characters (escape sequences included)
/// and line separators become spaces, bidi controls are dropped (so
/// `factuur \u{202e}gnp.exe` cannot show as `factuur exe.png`), and it is cut
/// to `max` characters.
pub fn clean(s: &str, max: usize) -> String {
    let shown = s.chars().filter(|&c| !text::is_bidi_control(c));
    let mut out: String = shown
        .clone()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                ' '
            } else {
                c
            }
        })
        .take(max)
        .collect();
    if shown.count() > max {
        out.pop();
        out.push('…');
    }
    out
}

/// Prints rows as a table with aligned columns.
pub fn table(out: &mut impl Write, header: &[&str], rows: &[Vec<String>]) -> std::io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let last = cells.len() - 1;
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i == last {
                    c.to_string()
                } else {
                    format!("{c:<w$}", w = widths[i])
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    writeln!(out, "{}", line(header.to_vec()))?;
    for r in rows {
        writeln!(out, "{}", line(r.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}

/// One CSV record (RFC 4180 quoting; formula-like cells prefixed with `'`).
pub fn csv_row(out: &mut impl Write, cells: &[String]) -> std::io::Result<()> {
    let row = cells
        .iter()
        .map(|c| {
            // Line breaks and tabs are data; other control characters
            // (terminal escapes among them) are not.
            let c: String = c
                .chars()
                .filter(|&ch| !ch.is_control() || matches!(ch, '\n' | '\r' | '\t'))
                .collect();
            let c = if c.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                format!("'{c}")
            } else {
                c
            };
            if c.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    writeln!(out, "{row}")
}

/// One JSON Lines record.
pub fn json_line(out: &mut impl Write, value: &impl serde::Serialize) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting_and_formula_defusing() {
        let mut out = Vec::new();
        csv_row(
            &mut out,
            &[
                "a,b".into(),
                "say \"hi\"".into(),
                "=HYPERLINK(x)".into(),
                "o\u{1b}[31mk".into(),
            ],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"a,b\",\"say \"\"hi\"\"\",'=HYPERLINK(x),o[31mk\n"
        );
    }

    #[test]
    fn terminal_text_loses_escapes() {
        assert_eq!(clean("a\u{1b}[31mb\nc", 20), "a [31mb c");
        assert_eq!(clean("abcdef", 4), "abc…");
        assert_eq!(
            clean("factuur \u{202e}gnp.exe \u{2066}\u{200f}\u{061c}x", 20),
            "factuur gnp.exe x"
        );
        assert_eq!(clean("a\u{202e}bc\u{2028}d", 4), "abc…");
    }
}

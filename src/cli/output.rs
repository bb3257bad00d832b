//! Output formats shared by the listing commands: aligned tables for people
//! (times in `[daemon] timezone` with the zone shown), JSON Lines and CSV for
//! tools (times in RFC 3339). Text from the internet is cleaned of control
//! characters and bidi controls ([`clean`], the one function every command
//! uses for text it prints for people), and CSV cells that a spreadsheet
//! would run as a formula are defused. JSON and CSV keep bidi controls: they
//! carry the data as written, for tools (see README).

use std::io::Write;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::{localtime, text};

use super::UsageError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

/// What a command writes, once its `--format` and `--excel` are checked
/// together: CSV carries its style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Table,
    Json,
    Csv(CsvStyle),
}

/// `--excel`, the one definition of it: every command that writes CSV takes
/// it (through [`FormatArg`], or beside its own `--format` in `export`).
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct ExcelArg {
    /// With --format csv: CSV for Excel with a decimal comma (e.g. Dutch):
    /// a UTF-8 byte order mark, `;` between cells, `,` in decimal numbers.
    #[arg(long)]
    excel: bool,
}

impl ExcelArg {
    /// `format` with this CSV style; `--excel` with anything but CSV is a
    /// usage error rather than silently ignored.
    pub fn with(self, format: Format) -> Result<Output, UsageError> {
        match format {
            Format::Csv => Ok(Output::Csv(CsvStyle { excel: self.excel })),
            _ if self.excel => Err(UsageError("--excel goes with --format csv".into())),
            Format::Table => Ok(Output::Table),
            Format::Json => Ok(Output::Json),
        }
    }
}

/// `--format` (and `--excel`) of every command that prints for people or
/// programs: a table by default, JSON Lines or CSV.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct FormatArg {
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    #[command(flatten)]
    excel: ExcelArg,
}

impl FormatArg {
    pub fn output(&self) -> Result<Output, UsageError> {
        self.excel.with(self.format)
    }
}

/// `--format` of the reports that have no CSV form (`status`, `mentions
/// history`, `user list`, `token list`): a table (or text) by default, or
/// JSON Lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
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

    pub fn output(&self) -> Result<Output, UsageError> {
        self.output.output()
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

/// A time for people ([`localtime::human`]: in `[daemon] timezone`, zone
/// shown), or `-` for none.
pub fn time(t: Option<DateTime<Utc>>, tz: Tz) -> String {
    t.map(|t| localtime::human(t, tz))
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

/// Prints rows as a table with aligned columns. On a terminal the table fits
/// its width: the widest column is cut (with `…`) until the lines fit, but
/// never an error column (`… ERROR`): the cause is what a person reads it
/// for. Piped output is never cut beyond what each command already cuts.
pub fn table(out: &mut impl Write, header: &[&str], rows: &[Vec<String>]) -> std::io::Result<()> {
    table_within(out, header, rows, terminal_width())
}

/// The width of the terminal on stdout, or `None` when stdout is not a
/// terminal (or it does not say).
fn terminal_width() -> Option<usize> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return None;
    }
    #[cfg(unix)]
    {
        // SAFETY: TIOCGWINSZ fills a `winsize` we own; on failure it is
        // left zeroed and we say we do not know.
        let mut size: libc::winsize = unsafe { std::mem::zeroed() };
        let rc = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) };
        (rc == 0 && size.ws_col > 0).then_some(usize::from(size.ws_col))
    }
    #[cfg(not(unix))]
    None
}

/// Column widths that fit `width` (cells and two spaces between columns):
/// the widest column that may be cut is narrowed first, down to its header
/// or 8 characters, until the total fits or nothing more can be cut.
fn fit(mut widths: Vec<usize>, cuttable: &[bool], header: &[&str], width: usize) -> Vec<usize> {
    let gaps = 2 * widths.len().saturating_sub(1);
    loop {
        let total: usize = widths.iter().sum::<usize>() + gaps;
        if total <= width {
            return widths;
        }
        let floor = |i: usize| header[i].chars().count().max(8);
        let widest = (0..widths.len())
            .filter(|&i| cuttable[i] && widths[i] > floor(i))
            .max_by_key(|&i| (widths[i], std::cmp::Reverse(i)));
        let Some(i) = widest else {
            return widths;
        };
        let next = (0..widths.len())
            .filter(|&j| j != i && cuttable[j])
            .map(|j| widths[j])
            .max()
            .unwrap_or(0);
        // Cut to the next widest (so they then shrink together) or just
        // enough, whichever is less, never below the floor.
        let enough = widths[i].saturating_sub(total - width);
        widths[i] = enough.max(next).min(widths[i] - 1).max(floor(i));
    }
}

fn table_within(
    out: &mut impl Write,
    header: &[&str],
    rows: &[Vec<String>],
    width: Option<usize>,
) -> std::io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    if let Some(width) = width {
        let cuttable: Vec<bool> = header.iter().map(|h| !h.ends_with("ERROR")).collect();
        widths = fit(widths, &cuttable, header, width);
    }
    let line = |cells: Vec<&str>| {
        let last = cells.len() - 1;
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let c = if c.chars().count() > widths[i] {
                    let mut cut: String = c.chars().take(widths[i].saturating_sub(1)).collect();
                    cut.push('…');
                    cut
                } else {
                    c.to_string()
                };
                if i == last {
                    c
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

/// How CSV is written: `,` and `.` by default; for Excel in a locale with a
/// decimal comma (`--excel`, e.g. Dutch) a UTF-8 byte order mark, `;`
/// between cells and `,` in decimal numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CsvStyle {
    pub excel: bool,
}

impl CsvStyle {
    fn separator(self) -> u8 {
        if self.excel {
            b';'
        } else {
            b','
        }
    }
}

/// One CSV cell. Text that a spreadsheet would run as a formula is defused;
/// a number is written as a number (a negative score stays `-0.91`, not
/// `'-0.91`), so the column adds up.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// A decimal number written with this many decimals.
    Decimal(f64, usize),
    /// No value (an empty cell).
    Empty,
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

/// One CSV record, written by the `csv` crate (RFC 4180 quoting); what we
/// add is the typing: text cells that start like a formula are prefixed with
/// `'`, numbers never are, and control characters other than line breaks and
/// tabs are dropped.
pub fn csv_row(out: &mut impl Write, style: CsvStyle, cells: &[Cell]) -> std::io::Result<()> {
    let fields = cells.iter().map(|cell| match cell {
        Cell::Text(c) => {
            // Line breaks and tabs are data; other control characters
            // (terminal escapes among them) are not.
            let c: String = c
                .chars()
                .filter(|&ch| !ch.is_control() || matches!(ch, '\n' | '\r' | '\t'))
                .collect();
            if c.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                format!("'{c}")
            } else {
                c
            }
        }
        Cell::Int(n) => n.to_string(),
        Cell::Decimal(x, places) => {
            let s = format!("{x:.places$}");
            if style.excel {
                s.replace('.', ",")
            } else {
                s
            }
        }
        Cell::Empty => String::new(),
    });
    let mut w = csv::WriterBuilder::new()
        .delimiter(style.separator())
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(&mut *out);
    w.write_record(fields).map_err(std::io::Error::other)?;
    w.flush()
}

/// A CSV header row of these field names (the JSON form's names), after the
/// byte order mark under `--excel` so Excel reads the file as UTF-8.
pub fn csv_header(out: &mut impl Write, style: CsvStyle, names: &[&str]) -> std::io::Result<()> {
    if style.excel {
        out.write_all("\u{feff}".as_bytes())?;
    }
    let cells: Vec<Cell> = names.iter().map(|&n| Cell::from(n)).collect();
    csv_row(out, style, &cells)
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
            CsvStyle::default(),
            &[
                "a,b".into(),
                "say \"hi\"".into(),
                "=HYPERLINK(x)".into(),
                "o\u{1b}[31mk".into(),
                "-1 star".into(),
                Cell::Decimal(-0.914, 2),
                Cell::Int(-3),
                Cell::Empty,
            ],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"a,b\",\"say \"\"hi\"\"\",'=HYPERLINK(x),o[31mk,'-1 star,-0.91,-3,\n"
        );
    }

    #[test]
    fn csv_for_excel_uses_semicolons_and_decimal_commas() {
        let mut out = Vec::new();
        let excel = CsvStyle { excel: true };
        csv_header(&mut out, excel, &["a", "b"]).unwrap();
        csv_row(
            &mut out,
            excel,
            &["x;y".into(), Cell::Decimal(-0.5, 2), "1,5".into()],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\u{feff}a;b\n\"x;y\";-0,50;1,5\n"
        );
    }

    #[test]
    fn tables_fit_the_width_cutting_the_widest_never_the_error() {
        let rows = vec![vec![
            "1".to_string(),
            "a long title that goes on and on".to_string(),
            "connection refused by 127.0.0.1".to_string(),
        ]];
        let header = ["ID", "TITLE", "LAST ERROR"];
        let mut out = Vec::new();
        table_within(&mut out, &header, &rows, Some(50)).unwrap();
        let text = String::from_utf8(out).unwrap();
        for line in text.lines() {
            assert!(line.chars().count() <= 50, "{line:?}");
        }
        assert!(text.contains("connection refused by 127.0.0.1"), "{text}");
        assert!(text.contains("a long title…"), "{text}");
        let mut out = Vec::new();
        table_within(&mut out, &header, &rows, None).unwrap();
        assert!(String::from_utf8(out).unwrap().contains("goes on and on"));
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

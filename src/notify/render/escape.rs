//! All escaping and cleaning of text that came from the network, per
//! target: one-line and multi-line cleaning (controls, bidi, separators),
//! cutting on char boundaries, HTML, Slack mrkdwn, Markdown (Discord,
//! Mattermost), plain chat text that must not `@`-ping, URLs for each
//! target, and term highlighting through the target's escaper.
//!
//! Nothing else in `render` escapes; nothing here knows which message it is
//! building. Pure functions: no I/O, no failure, no panic on any input.

use url::Url;

use crate::store::Mention;
use crate::text;

/// Links longer than this are not offered (the next candidate is tried).
const URL_MAX: usize = 2048;

/// Slack wants `&`, `<`, `>` as entities; `@` gets a word joiner so a bare
/// `@channel` cannot be linked either.
pub(super) fn slack_into(c: char, out: &mut String) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '@' => out.push_str("@\u{2060}"),
        c => out.push(c),
    }
}

/// A checked URL inside `<…|…>`: `|` would end it, `&`, `<`, `>` are entities.
pub(super) fn slack_url(link: &str) -> String {
    link.replace('&', "&amp;")
        .replace('<', "%3C")
        .replace('>', "%3E")
        .replace('|', "%7C")
}

/// Markdown (Discord, Mattermost): punctuation that could format, link, quote
/// or start a list or heading gets a backslash (parentheses need none once
/// brackets are escaped); `@` gets a zero-width joiner so `@everyone`,
/// `@channel`, `@here` or `@all` cannot ping.
pub(super) fn md_into(c: char, out: &mut String) {
    match c {
        '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '<' | '#' | '[' | ']' | '-' | '!' => {
            out.push('\\');
            out.push(c);
        }
        c => mention_into(c, out),
    }
}

/// Plain text that a chat still scans for `@mentions`.
pub(super) fn mention_into(c: char, out: &mut String) {
    out.push(c);
    if c == '@' {
        out.push('\u{200d}');
    }
}

/// A checked URL inside Markdown `(…)`.
pub(super) fn md_url(link: &str) -> String {
    link.replace('(', "%28")
        .replace(')', "%29")
        .replace(' ', "%20")
}

/// The first of `url`, `canonical_url` that is an absolute http(s) URL of
/// sane length, as the `url` crate serialises it (spaces, quotes and angle
/// brackets percent-encoded).
pub(super) fn web_link(m: &Mention) -> Option<String> {
    [m.url.as_deref(), m.canonical_url.as_deref()]
        .into_iter()
        .flatten()
        .find_map(|raw| {
            let u = Url::parse(raw.trim()).ok()?;
            let ok = matches!(u.scheme(), "http" | "https")
                && u.host_str().is_some_and(|h| !h.is_empty())
                && u.as_str().len() <= URL_MAX;
            ok.then(|| u.to_string())
        })
}

/// Characters that must never reach a reader as-is: C0/C1 controls, line and
/// paragraph separators, and bidi controls (which can make text display as
/// something it is not).
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') || text::is_bidi_control(c)
}

/// Invisible format characters that a header has no use for: zero-width
/// space, soft hyphen, word joiner and invisible operators, BOM, interlinear
/// annotation, deprecated shaping controls, tag characters. In a subject they
/// only serve to make one text look like another (or hide text from filters).
/// Zero-width (non-)joiners stay: emoji sequences and some scripts need them.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00ad}'
            | '\u{180e}'
            | '\u{200b}'
            | '\u{2060}'..='\u{2064}'
            | '\u{206a}'..='\u{206f}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{e0000}'..='\u{e007f}'
    )
}

/// Text for a mail header (network text reaches only the Subject): one line
/// ([`one_line`]), no invisible format characters, and every `=?` written
/// `= ?`. lettre sends a word of plain ASCII as it is, so a title holding
/// `=?utf-8?q?=0D=0ABcc:_x@evil.example?=` would reach the Subject as an RFC
/// 2047 encoded-word, which mail readers decode into a line break and a fake
/// `Bcc:` (or into a bidi override that the cleaning above never saw). An
/// encoded-word must start with `=?`; with a space in it, readers show the
/// text as written. A visible space rather than an invisible separator, so
/// what the reader sees is what was there.
pub(super) fn header_text(s: &str) -> String {
    let visible: String = s.chars().filter(|&c| !is_invisible(c)).collect();
    one_line(&visible).replace("=?", "= ?")
}

/// One line: every run of whitespace or unsafe characters becomes one space;
/// trimmed.
pub(super) fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut gap = false;
    for c in s.chars() {
        if c.is_whitespace() || is_unsafe(c) {
            gap = true;
        } else {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.push(c);
        }
    }
    out
}

/// Text with line breaks kept: CR LF and lone CR become LF, tabs a space,
/// other unsafe characters dropped; trimmed.
pub(super) fn multi_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\n' | '\u{2028}' | '\u{2029}' => out.push('\n'),
            '\t' => out.push(' '),
            c if is_unsafe(c) => {}
            c => out.push(c),
        }
    }
    out.trim().to_string()
}

/// At most `max` chars; when cut, the last one is `…`.
pub(super) fn cut(s: &str, max: usize) -> String {
    if s.chars().nth(max).is_none() {
        return s.to_string();
    }
    let keep = max.saturating_sub(1);
    let end = s.char_indices().nth(keep).map_or(s.len(), |(i, _)| i);
    let mut out = s[..end].trim_end().to_string();
    if max > 0 {
        out.push('…');
    }
    out
}

/// Escapes `s` char by char with `esc`, stopping so the result (with a final
/// `…` when cut) is at most `max` chars.
pub(super) fn esc_cut(s: &str, max: usize, esc: fn(char, &mut String)) -> String {
    let mut out = String::new();
    let mut len = 0;
    let mut piece = String::new();
    let total: usize = s.chars().count();
    for (i, c) in s.chars().enumerate() {
        piece.clear();
        esc(c, &mut piece);
        let n = piece.chars().count();
        let reserve = usize::from(i + 1 < total);
        if len + n + reserve > max {
            if max > len {
                out.push('…');
            }
            return out;
        }
        out.push_str(&piece);
        len += n;
    }
    out
}

pub(super) fn html_into(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

pub(super) fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    html_into(s, &mut out);
    out
}

/// Byte ranges of `s` where one of `terms` occurs as the matcher counts it
/// (`matcher::term_ranges`), sorted and merged.
pub(super) fn term_ranges(s: &str, terms: &[String]) -> Vec<(usize, usize)> {
    crate::matcher::term_ranges(s, terms)
}

/// `s` with each term occurrence wrapped in `open`/`close`; every piece of
/// `s` goes through `plain` (the target's escaper).
pub(super) fn highlighted(
    s: &str,
    terms: &[String],
    plain: fn(&str, &mut String),
    open: &str,
    close: &str,
) -> String {
    let mut out = String::with_capacity(s.len() + 32);
    let mut at = 0;
    for (a, b) in term_ranges(s, terms) {
        if let (Some(before), Some(hit)) = (s.get(at..a), s.get(a..b)) {
            plain(before, &mut out);
            out.push_str(open);
            plain(hit, &mut out);
            out.push_str(close);
            at = b;
        }
    }
    plain(s.get(at..).unwrap_or(""), &mut out);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn header_text_defuses_encoded_words_and_invisible_characters() {
        let cases: &[(&str, &str)] = &[
            ("plain", "plain"),
            (
                "a =?utf-8?q?=0D=0ABcc:_x@evil.example?= b",
                "a = ?utf-8?q?=0D=0ABcc:_x@evil.example?= b",
            ),
            ("=?=?x?b?AA==?=", "= ?= ?x?b?AA== ?="),
            ("=\u{200b}?utf-8?b?4oCu?=", "= ?utf-8?b?4oCu?="),
            ("=\t?x", "= ?x"),
            (
                "in\u{feff}vis\u{00ad}ible \u{2060}x\u{e0041}",
                "invisible x",
            ),
            ("factuur \u{202e}gnp.exe\u{2069}", "factuur gnp.exe"),
            ("👩\u{200d}💻 a\u{200c}b", "👩\u{200d}💻 a\u{200c}b"),
        ];
        for (input, want) in cases {
            assert_eq!(super::header_text(input), *want, "{input:?}");
        }
    }

    use super::*;

    #[test]
    fn cutting_and_cleaning_helpers() {
        let cases: &[(&str, usize, &str)] = &[
            ("abc", 3, "abc"),
            ("abcd", 3, "ab…"),
            ("ééé", 2, "é…"),
            ("a b", 0, ""),
        ];
        for (input, max, want) in cases {
            assert_eq!(cut(input, *max), *want, "cut({input:?}, {max})");
        }
        assert_eq!(one_line("  a\r\n\tb\u{202e}c  "), "a b c");
        assert_eq!(esc_cut("<<<<", 9, slack_into), "&lt;&lt;…");
        assert_eq!(esc_cut("<<<<", 8, slack_into), "&lt;…");
        assert_eq!(esc_cut("<", 4, slack_into), "&lt;");
        assert_eq!(
            term_ranges("Die Straße", &["STRASSE".to_string()]),
            vec![(4, 11)]
        );
        assert!(term_ranges("abc", &[String::new()]).is_empty());
    }
}

//! The matched terms of a mention, marked in its text: the text is cut
//! into plain and marked pieces, and the template escapes every piece before
//! wrapping the marked ones in `<mark>`, so no HTML is ever built from
//! unescaped text. Terms are found as the matcher finds them: case and
//! diacritics folded (`text::fold_mapped`, whose offset map leads back to
//! the original), whole words only. Pure, and bounded: at most
//! [`MAX_MARKS`] marks per text.

use crate::text::{fold, fold_mapped};

/// More marks than this in one text are left plain.
pub const MAX_MARKS: usize = 500;

/// A piece of a text, marked when a term matched it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece<'a> {
    pub text: &'a str,
    pub mark: bool,
}

/// `text` cut into pieces, the whole-word occurrences of `terms` marked
/// (overlapping ones merged).
pub fn highlight<'a>(text: &'a str, terms: &[String]) -> Vec<Piece<'a>> {
    let folded = fold_mapped(text);
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for term in terms {
        let needle = fold(term);
        if needle.is_empty() {
            continue;
        }
        let mut from = 0;
        while let Some(found) = folded.text.get(from..).and_then(|rest| rest.find(&needle)) {
            let start = from + found;
            let end = start + needle.len();
            from = start + needle.chars().next().map_or(1, char::len_utf8);
            if glued(&folded.text, start, end) {
                continue;
            }
            if let Some(r) = original_range(text, &folded.origin, start, end) {
                ranges.push(r);
            }
            if ranges.len() >= MAX_MARKS {
                break;
            }
        }
    }
    ranges.sort_unstable();
    let mut pieces = Vec::new();
    let mut at = 0;
    for (start, end) in ranges {
        if end <= at {
            continue;
        }
        let start = start.max(at);
        if start > at {
            pieces.push(Piece {
                text: &text[at..start],
                mark: false,
            });
        }
        // Overlapping terms extend the previous mark.
        match pieces.last_mut() {
            Some(last) if last.mark && start == at => {
                let from = at - last.text.len();
                last.text = &text[from..end];
            }
            _ => pieces.push(Piece {
                text: &text[start..end],
                mark: true,
            }),
        }
        at = end;
    }
    if at < text.len() || pieces.is_empty() {
        pieces.push(Piece {
            text: &text[at..],
            mark: false,
        });
    }
    pieces
}

/// A match that runs into a letter or digit on either side is part of a
/// longer word, which the matcher does not count either.
fn glued(folded: &str, start: usize, end: usize) -> bool {
    let before = folded[..start]
        .chars()
        .next_back()
        .is_some_and(char::is_alphanumeric);
    let after = folded[end..]
        .chars()
        .next()
        .is_some_and(char::is_alphanumeric);
    before || after
}

/// The original byte range of folded bytes `start..end`, on char boundaries.
fn original_range(text: &str, origin: &[u32], start: usize, end: usize) -> Option<(usize, usize)> {
    let from = *origin.get(start)? as usize;
    let last = *origin.get(end.checked_sub(1)?)? as usize;
    let to = last + text.get(last..)?.chars().next()?.len_utf8();
    (text.is_char_boundary(from) && from < to).then_some((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text with marks written as [..].
    fn check(text: &str, terms: &[&str], want: &str) {
        let terms: Vec<String> = terms.iter().map(|t| t.to_string()).collect();
        let got: String = highlight(text, &terms)
            .iter()
            .map(|p| {
                if p.mark {
                    format!("[{}]", p.text)
                } else {
                    p.text.to_string()
                }
            })
            .collect();
        assert_eq!(got, want, "{text:?} {terms:?}");
    }

    #[test]
    fn marks() {
        check(
            "Acme Telecom is down",
            &["Acme Telecom"],
            "[Acme Telecom] is down",
        );
        check(
            "ACME   telecom\nagain acme",
            &["acme telecom", "acme"],
            "[ACME   telecom]\nagain [acme]",
        );
        // Diacritics and case folded, the original kept.
        check("Café Überweg, cafe", &["cafe"], "[Café] Überweg, [cafe]");
        // Whole words only.
        check("acmestore and acme", &["acme"], "acmestore and [acme]");
        // Overlapping terms merge.
        check(
            "acme telecom",
            &["acme", "acme telecom", "telecom"],
            "[acme telecom]",
        );
        check("nothing here", &["acme"], "nothing here");
        check("", &["acme"], "");
        check("acme", &[""], "acme");
        check("ß acme ß", &["ss"], "[ß] acme [ß]");
    }

    #[test]
    fn marks_are_bounded() {
        let text = "a ".repeat(10_000);
        let marked = highlight(&text, &["a".to_string()])
            .iter()
            .filter(|p| p.mark)
            .count();
        assert_eq!(marked, MAX_MARKS);
    }
}

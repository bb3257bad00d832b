//! The matched terms of a mention, marked in its text: the text is cut
//! into plain and marked pieces, and the template escapes every piece before
//! wrapping the marked ones in `<mark>`, so no HTML is ever built from
//! unescaped text. Terms are found as the matcher finds them
//! (`matcher::term_ranges`: case and diacritics folded, every form of a
//! term, the same word edges). Pure, and bounded: at most
//! [`matcher::MAX_RANGES`] marks per text.

use crate::matcher;

/// A piece of a text, marked when a term matched it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece<'a> {
    pub text: &'a str,
    pub mark: bool,
}

/// `text` cut into pieces, the occurrences of `terms` marked (overlapping
/// ones merged).
pub fn highlight<'a>(text: &'a str, terms: &[String]) -> Vec<Piece<'a>> {
    let mut pieces = Vec::new();
    let mut at = 0;
    // Sorted, merged ranges on char boundaries.
    for (start, end) in matcher::term_ranges(text, terms) {
        if start > at {
            pieces.push(Piece {
                text: &text[at..start],
                mark: false,
            });
        }
        pieces.push(Piece {
            text: &text[start..end],
            mark: true,
        });
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

    /// Brand names as people type them are marked as the matcher found
    /// them (issue #15).
    #[test]
    fn issue15_marks_the_forms_the_matcher_finds() {
        check(
            "Weer een storing bij RaboBank, zegt @rabobank",
            &["Rabo Bank"],
            "Weer een storing bij [RaboBank], zegt @[rabobank]",
        );
        check(
            "#KPNstoring en kpnstoring",
            &["KPN"],
            "#[KPN]storing en kpnstoring",
        );
        check(
            "Een bolletje van bol.com",
            &["bol.com"],
            "Een bolletje van [bol.com]",
        );
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
        assert_eq!(marked, matcher::MAX_RANGES);
    }
}

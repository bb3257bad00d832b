//! An entry's author as a name people read, never feed-rs's placeholder.
//!
//! feed-rs 2.4 fills `Person.name` with a word of its own when the feed gives
//! none: an RSS 2.0 `<author>` becomes the name `author` with the element's
//! text as `email` (`jan@example.nl (Jan Jansen)`), and an Atom `<author>`
//! without a `<name>` becomes `unknown` (Google Alerts). This reads the name
//! the way feedparser does (the name, else the email address) and gives
//! `None` when there is neither. A feed that literally names its author
//! `author` or `unknown` keeps it: the raw document is checked for that.
//! Pure, no I/O.

use std::cell::OnceCell;

use feed_rs::model::Person;
use memchr::memmem;

/// feed-rs's name for an RSS 2.0 `<author>` (the element's text is in `email`).
const RSS_AUTHOR: &str = "author";
/// feed-rs's name for an Atom person without a `<name>`.
const ATOM_UNNAMED: &str = "unknown";

/// Reads authors' names from one feed document.
pub struct Names<'a> {
    doc: &'a [u8],
    /// Whether `doc` literally names someone `author` / `unknown`, each
    /// looked up once per document (a scan per entry would be quadratic).
    author: OnceCell<bool>,
    unknown: OnceCell<bool>,
}

impl<'a> Names<'a> {
    /// `doc` is the feed document feed-rs read.
    pub fn new(doc: &'a [u8]) -> Self {
        Names {
            doc,
            author: OnceCell::new(),
            unknown: OnceCell::new(),
        }
    }

    /// The first author with a name or an address, as text.
    pub fn pick(&self, people: &[Person]) -> Option<String> {
        people.iter().find_map(|p| self.one(p))
    }

    fn one(&self, p: &Person) -> Option<String> {
        let name = p.name.trim();
        let email = p.email.as_deref().map(str::trim).filter(|e| !e.is_empty());
        let placeholder = if name == RSS_AUTHOR && p.email.is_some() {
            !*self
                .author
                .get_or_init(|| literally_named(self.doc, RSS_AUTHOR))
        } else if name == ATOM_UNNAMED {
            !*self
                .unknown
                .get_or_init(|| literally_named(self.doc, ATOM_UNNAMED))
        } else {
            false
        };
        if placeholder {
            return if name == RSS_AUTHOR {
                email.and_then(rss_author)
            } else {
                email.map(str::to_string)
            };
        }
        (!name.is_empty()).then(|| name.to_string())
    }
}

/// Whether the document writes `name` as an element's whole text
/// (`<name>unknown</name>`, `<dc:creator>author</dc:creator>`).
fn literally_named(doc: &[u8], name: &str) -> bool {
    let needle = format!(">{name}</");
    // `<author>author</author>` is RSS 2.0's element, whose text feed-rs
    // moves to `email`: it names no one.
    memmem::find_iter(doc, needle.as_bytes()).any(|at| !doc[..at].ends_with(b"<author"))
}

/// RSS 2.0's `<author>` text: `jan@example.nl (Jan Jansen)` and
/// `Jan Jansen <jan@example.nl>` give the name; an address alone is kept
/// as it is (feedparser does the same); a bare name is a name.
fn rss_author(text: &str) -> Option<String> {
    let text = text.trim();
    if let Some(open) = text.find('(') {
        let inner = text[open + 1..].trim_end().trim_end_matches(')').trim();
        if !inner.is_empty() {
            return Some(inner.to_string());
        }
        return non_empty(&text[..open]);
    }
    if let Some(open) = text.find('<') {
        let before = text[..open].trim().trim_matches('"').trim();
        if !before.is_empty() {
            return Some(before.to_string());
        }
        return non_empty(text[open + 1..].trim_end_matches('>'));
    }
    non_empty(text)
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: &str, email: Option<&str>) -> Person {
        Person {
            name: name.to_string(),
            uri: None,
            email: email.map(str::to_string),
        }
    }

    fn check(people: &[Person], doc: &str, expected: Option<&str>) {
        assert_eq!(
            Names::new(doc.as_bytes()).pick(people).as_deref(),
            expected,
            "{people:?} in {doc}"
        );
    }

    #[test]
    fn issue15_rss_author_element() {
        let doc = "<rss><item><author>x</author></item></rss>";
        let rss = |text: &str| [person("author", Some(text))];
        check(&rss("jan@example.nl (Jan Jansen)"), doc, Some("Jan Jansen"));
        check(&rss("Jan Jansen <jan@example.nl>"), doc, Some("Jan Jansen"));
        check(
            &rss("\"Jan Jansen\" <jan@example.nl>"),
            doc,
            Some("Jan Jansen"),
        );
        check(&rss("jan@example.nl"), doc, Some("jan@example.nl"));
        check(&rss("<jan@example.nl>"), doc, Some("jan@example.nl"));
        check(&rss("jan@example.nl ()"), doc, Some("jan@example.nl"));
        check(&rss("Redactie"), doc, Some("Redactie"));
        check(&rss("   "), doc, None);
        // The RSS element literally reading "author" names no one either.
        let literal = "<rss><item><author>author</author></item></rss>";
        check(&rss("author"), literal, Some("author"));
    }

    #[test]
    fn issue15_placeholders_are_no_names() {
        // Google Alerts: `<author><name/></author>`.
        let alerts = "<feed><entry><author><name/></author></entry></feed>";
        check(&[person("unknown", None)], alerts, None);
        // An Atom author with only an address keeps the address.
        check(
            &[person("unknown", Some("redactie@example.nl"))],
            alerts,
            Some("redactie@example.nl"),
        );
        // The first author with a name wins.
        check(
            &[person("unknown", None), person("Piet Pieters", None)],
            alerts,
            Some("Piet Pieters"),
        );
        check(&[], alerts, None);
    }

    #[test]
    fn issue15_a_feed_that_says_so_keeps_the_word() {
        let atom = "<feed><entry><author><name>unknown</name></author></entry></feed>";
        check(&[person("unknown", None)], atom, Some("unknown"));
        let dc = "<rss><item><dc:creator>author</dc:creator></item></rss>";
        check(&[person("author", None)], dc, Some("author"));
        check(&[person("Jan Jansen", None)], dc, Some("Jan Jansen"));
    }
}
